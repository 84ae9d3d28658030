/*
 * `envsetup report` (report.h): the document every format is made from.
 * Reads only the config and the state: the sections in checklist order,
 * each with its elements (answered or not) and items counted the way
 * status counts them (status_view.h), the outputs (secret ones without
 * their value, long ones with a one-line summary), the certificates'
 * expiry (outputs named expires_at:DOMAIN), and the timing of the last
 * apply for the timeline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "report.h"
#include "runner.h"
#include "status_view.h"

const char *const es_report_states[5] = {"done", "waiting", "blocked", "failed",
                                         "pending"};

const char *es_report_str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

double es_report_num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

void es_report_vfill(FILE *out, void (*put)(FILE *, const char *),
                     const char *text, va_list ap)
{
	for (const char *p = text; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			put(out, va_arg(ap, const char *));
			p++;
		} else {
			fputc(*p, out);
		}
	}
}

const char *es_report_output_shown(const cJSON *o)
{
	if (cJSON_IsTrue(cJSON_GetObjectItem(o, "secret")))
		return "secret (in the 0600 secrets file)";
	if (cJSON_GetObjectItem(o, "summary"))
		return es_report_str(o, "summary");
	return es_report_str(o, "value");
}

static void add_time(cJSON *o, const char *name, double t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) &&
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		cJSON_AddStringToObject(o, name, buf);
}

static void add_counts(cJSON *o, const struct es_status_counts *c)
{
	cJSON *counts = cJSON_AddObjectToObject(o, "counts");
	const int v[5] = {c->done, c->waiting, c->blocked, c->failed,
	                  c->pending};

	for (size_t i = 0; i < 5; i++)
		cJSON_AddNumberToObject(counts, es_report_states[i], v[i]);
}

static cJSON *section_items(struct es_run *run, const struct es_section *sec)
{
	cJSON *items = cJSON_CreateArray();

	for (size_t i = 0; i < run->n_nodes; i++) {
		const struct es_node *n = &run->nodes[i];
		cJSON *o;
		char *text = NULL, *by;
		enum es_task_state st;

		if (n->section != sec)
			continue;
		st = es_status_of(run, n, &text);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "task", n->ref);
		cJSON_AddStringToObject(o, "title", n->title ? n->title : "");
		cJSON_AddStringToObject(o, "kind",
		                        n->question ? "manual" : "task");
		cJSON_AddStringToObject(o, "state", es_task_state_name(st));
		cJSON_AddStringToObject(o, "message", text ? text : "");
		if (n->owner)
			cJSON_AddStringToObject(o, "owner", n->owner);
		by = es_state_confirmation(run->state, n->ref);
		if (by)
			cJSON_AddStringToObject(o, "confirmed", by);
		free(by);
		free(text);
		cJSON_AddItemToArray(items, o);
	}
	return items;
}

static cJSON *sections(struct es_run *run)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t s = 0; s < run->cfg->n_sections; s++) {
		const struct es_section *sec = &run->cfg->sections[s];
		cJSON *o = cJSON_CreateObject(), *els;
		struct es_status_counts counts;

		cJSON_AddStringToObject(o, "id", sec->id);
		cJSON_AddStringToObject(o, "title", sec->title);
		es_status_count(run, sec, &counts);
		add_counts(o, &counts);
		els = cJSON_AddArrayToObject(o, "elements");
		for (size_t e = 0; e < sec->n_elements; e++) {
			cJSON *el = cJSON_CreateObject();

			cJSON_AddStringToObject(el, "id", sec->elements[e].id);
			cJSON_AddStringToObject(el, "question",
			                        sec->elements[e].question);
			if (sec->elements[e].answer)
				cJSON_AddStringToObject(
				    el, "answer", sec->elements[e].answer);
			cJSON_AddItemToArray(els, el);
		}
		cJSON_AddItemToObject(o, "items", section_items(run, sec));
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

struct outputs_ctx {
	cJSON *outputs, *certificates;
	time_t now;
};

/* A certificate's expiry, as godaddy-ssl publishes it: expires_at:DOMAIN
 * = ISO 8601. */
static void add_certificate(struct outputs_ctx *ctx,
                            const struct es_output_entry *o)
{
	struct tm tm = {0};
	const char *end;
	cJSON *c;

	if (strncmp(o->name, "expires_at:", 11) != 0 || !o->value)
		return;
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "plugin", o->plugin);
	cJSON_AddStringToObject(c, "domain", o->name + 11);
	cJSON_AddStringToObject(c, "expires_at", o->value);
	end = strptime(o->value, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end && (*end == 'Z' || !*end))
		cJSON_AddNumberToObject(
		    c, "days_left", (double)((timegm(&tm) - ctx->now) / 86400));
	cJSON_AddItemToArray(ctx->certificates, c);
}

static void add_output(const struct es_output_entry *o, void *arg)
{
	struct outputs_ctx *ctx = arg;
	cJSON *e = cJSON_CreateObject();
	char summary[160];

	cJSON_AddStringToObject(e, "plugin", o->plugin);
	cJSON_AddStringToObject(e, "name", o->name);
	cJSON_AddBoolToObject(e, "secret", o->secret);
	if (!o->secret && o->value) {
		cJSON_AddStringToObject(e, "value", o->value);
		if (es_output_is_long(o->value)) {
			es_output_summarise(o->value, summary, sizeof(summary));
			cJSON_AddStringToObject(e, "summary", summary);
		}
	}
	cJSON_AddItemToArray(ctx->outputs, e);
	add_certificate(ctx, o);
}

/*
 * The tasks of the last apply: those whose recorded timing has the latest
 * apply start, in checklist order, with times relative to that start.
 * NULL when no apply recorded a timing (a state from an older core).
 */
static cJSON *last_apply(struct es_run *run)
{
	double latest = 0, end = 0;
	struct es_task_timing t;
	cJSON *o, *tasks, *waits;

	for (size_t i = 0; i < run->n_nodes; i++)
		if (es_state_task_timing(run->state, run->nodes[i].ref, &t) ==
		        0 &&
		    t.run_started > latest)
			latest = t.run_started;
	if (latest <= 0)
		return NULL;
	o = cJSON_CreateObject();
	add_time(o, "started_at", latest);
	tasks = cJSON_AddArrayToObject(o, "tasks");
	for (size_t i = 0; i < run->n_nodes; i++) {
		const struct es_node *n = &run->nodes[i];
		cJSON *e;

		if (es_state_task_timing(run->state, n->ref, &t) < 0 ||
		    t.run_started != latest)
			continue;
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "task", n->ref);
		cJSON_AddStringToObject(e, "section",
		                        n->section ? n->section->id : "");
		cJSON_AddStringToObject(
		    e, "state", es_task_state_name(es_status_of(run, n, NULL)));
		cJSON_AddNumberToObject(e, "start_s", t.started - latest);
		cJSON_AddNumberToObject(e, "end_s", t.finished - latest);
		cJSON_AddNumberToObject(e, "waited_s", t.waited);
		waits = cJSON_AddArrayToObject(e, "waits");
		for (unsigned w = 0; waits && w < t.n_waits; w++) {
			double from_to[2] = {t.waits[w][0] - latest,
			                     t.waits[w][1] - latest};

			cJSON_AddItemToArray(
			    waits, cJSON_CreateDoubleArray(from_to, 2));
		}
		if (t.finished > end)
			end = t.finished;
		cJSON_AddItemToArray(tasks, e);
	}
	cJSON_AddNumberToObject(o, "duration_s",
	                        end > latest ? end - latest : 0);
	return o;
}

static cJSON *report_document(struct es_run *run)
{
	cJSON *doc = cJSON_CreateObject(), *apply;
	struct outputs_ctx octx = {.now = time(NULL)};

	cJSON_AddNumberToObject(doc, "format_version", 1);
	cJSON_AddStringToObject(doc, "command", "report");
	cJSON_AddStringToObject(doc, "customer", run->cfg->customer_id);
	cJSON_AddStringToObject(doc, "customer_name",
	                        run->cfg->customer_name
	                            ? run->cfg->customer_name
	                            : run->cfg->customer_id);
	cJSON_AddStringToObject(doc, "environment", run->env->name);
	cJSON_AddStringToObject(doc, "envsetup_version", ES_VERSION_STRING);
	add_time(doc, "generated_at", (double)octx.now);
	cJSON_AddItemToObject(doc, "sections", sections(run));
	octx.outputs = cJSON_AddArrayToObject(doc, "outputs");
	octx.certificates = cJSON_AddArrayToObject(doc, "certificates");
	es_state_outputs_each(run->state, add_output, &octx);
	apply = last_apply(run);
	cJSON_AddItemToObject(doc, "last_apply",
	                      apply ? apply : cJSON_CreateNull());
	return doc;
}

int es_run_report(struct es_run *run, const char *format, FILE *out)
{
	cJSON *doc;

	if (format && strcmp(format, "md") && strcmp(format, "html") &&
	    strcmp(format, "json")) {
		fprintf(stderr,
		        "envsetup: report --format %s: expected html, md or "
		        "json\n",
		        format);
		return ES_EXIT_USAGE;
	}
	doc = report_document(run);
	if (!doc)
		return ES_EXIT_INPUT;
	if (!format || strcmp(format, "md") == 0) {
		es_report_markdown(doc, out);
	} else if (strcmp(format, "html") == 0) {
		es_report_html(doc, out);
	} else {
		char *text = cJSON_Print(doc), *clean = es_redact(text);

		fputs(clean ? clean : "{}", out);
		fputc('\n', out);
		free(clean);
		free(text);
	}
	cJSON_Delete(doc);
	return ES_EXIT_OK;
}
