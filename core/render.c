/*
 * What plan, apply and status print. Human output goes to stdout in
 * checklist order; --json prints one JSON document instead. Every string
 * here already passed through redaction (messages, plan details), and
 * secret outputs are printed masked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "live.h"
#include "log.h"
#include "plan_file.h"
#include "runner.h"
#include "status_view.h"

static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *section_label(const struct es_node *n)
{
	return n->section ? n->section->id : "-";
}

static const char *symbol_for(const char *action)
{
	if (strcmp(action, "create") == 0)
		return "+";
	if (strcmp(action, "update") == 0)
		return "~";
	if (strcmp(action, "delete") == 0)
		return "-";
	if (strcmp(action, "resume") == 0)
		return "*";
	return "?";
}

void es_render_json(cJSON *doc)
{
	char *text = cJSON_Print(doc);

	if (text) {
		char *clean = es_redact(text);

		puts(clean ? clean : "{}");
		free(clean);
		free(text);
	}
	cJSON_Delete(doc);
}

static cJSON *run_header(const struct es_run *run, const char *command)
{
	cJSON *doc = cJSON_CreateObject();

	cJSON_AddNumberToObject(doc, "format_version", 1);
	cJSON_AddStringToObject(doc, "command", command);
	cJSON_AddStringToObject(doc, "customer", run->cfg->customer_id);
	cJSON_AddStringToObject(doc, "environment", run->env->name);
	return doc;
}

static void print_header(const struct es_run *run, const char *command)
{
	printf("envsetup %s: customer %s (%s), environment %s\n\n", command,
	       run->cfg->customer_id,
	       run->cfg->customer_name ? run->cfg->customer_name
	                               : run->cfg->customer_id,
	       run->env->name);
}

/* ---- plan ------------------------------------------------------------ */

static int is_gate(const struct es_node *n)
{
	return n->question && n->result != ES_TS_DONE;
}

/*
 * What apply would report blocked: a task or gate with a dependency that is
 * a gate not yet signed off, blocked, or failed (apply blocks a node whose
 * dependency ends not done; the dependencies with changes are assumed to
 * succeed). Plan counts them the same way and does not count their changes:
 * apply will not make them yet. Returns a malloc'd array of the blocking
 * dependency's index + 1 per node (0: not blocked), or NULL.
 */
static size_t *blocked_gates(const struct es_run *run)
{
	size_t *by = calloc(run->n_nodes + 1, sizeof(*by));
	int grew = 1;

	while (by && grew) {
		grew = 0;
		for (size_t i = 0; i < run->n_nodes; i++) {
			const struct es_node *n = &run->nodes[i];

			if (by[i] || n->result == ES_TS_DONE)
				continue;
			for (size_t k = 0; k < n->n_deps; k++) {
				const struct es_node *d =
				    &run->nodes[n->deps[k]];

				if (is_gate(d) || by[n->deps[k]] ||
				    d->result == ES_TS_BLOCKED ||
				    d->result == ES_TS_FAILED) {
					by[i] = n->deps[k] + 1;
					grew = 1;
					break;
				}
			}
		}
	}
	return by;
}

int es_render_plan(struct es_run *run, int *changes)
{
	int create = 0, update = 0, del = 0, unknown = 0, resume = 0;
	int in_place = 0;
	int waiting = 0, failed = 0, blocked = 0, rc = ES_EXIT_OK;
	const struct es_section *last = NULL;
	/* --json prints the document --out saves: one format (plan_file.h). */
	int json = run->opt.json;
	/* -q: errors only; the exit code tells the rest. */
	int quiet = !json && es_log_verbosity() == 0;
	int events = run->opt.events;
	cJSON *doc = json || events || run->opt.plan_out
	                 ? run_header(run, "plan")
	                 : NULL;
	cJSON *items;
	size_t *gate_blocked_by = blocked_gates(run);

	*changes = 0;
	if (!gate_blocked_by || (doc && es_plan_file_header(run, doc) < 0)) {
		cJSON_Delete(doc);
		free(gate_blocked_by);
		return ES_EXIT_INPUT;
	}
	items = doc ? cJSON_AddArrayToObject(doc, "tasks") : NULL;
	if (!json && !events && !quiet)
		print_header(run, "plan");
	for (size_t i = 0; i < run->n_nodes; i++) {
		const struct es_node *n = &run->nodes[i];
		int nchanges = n->changes ? cJSON_GetArraySize(n->changes) : 0;
		const cJSON *ch, *counted;
		const char *what, *message;

		if (!n->selected)
			continue;
		if (n->result == ES_TS_FAILED)
			what = "failed", failed++;
		else if (n->result == ES_TS_BLOCKED && !nchanges)
			what = "blocked", blocked++;
		else if (gate_blocked_by[i])
			what = "blocked", blocked++;
		else if (is_gate(n))
			what = "waiting", waiting++;
		else if (nchanges)
			what = "changes";
		else
			what = "in place", in_place++;
		/* Walked, not indexed: cJSON_GetArrayItem(i) is a walk of
		 * its own, n^2 over a plan of 20k users. */
		counted = strcmp(what, "changes") == 0 ? n->changes : NULL;
		cJSON_ArrayForEach(ch, counted)
		{
			const char *a =
			    cJSON_GetObjectItem(ch, "action")->valuestring;

			create += strcmp(a, "create") == 0;
			update += strcmp(a, "update") == 0;
			del += strcmp(a, "delete") == 0;
			unknown += strcmp(a, "unknown") == 0;
			resume += strcmp(a, "resume") == 0;
		}
		message = n->message ? n->message
		          : gate_blocked_by[i]
		              ? run->nodes[gate_blocked_by[i] - 1].ref
		              : NULL;
		es_events_task_end(run, n, what, message, n->seconds);
		if (doc) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "task", n->ref);
			cJSON_AddStringToObject(o, "section", section_label(n));
			cJSON_AddStringToObject(o, "result", what);
			if (message)
				cJSON_AddStringToObject(o, "message", message);
			if (is_gate(n))
				cJSON_AddStringToObject(o, "question",
				                        n->question);
			if (nchanges)
				cJSON_AddItemToObject(
				    o, "changes",
				    cJSON_Duplicate(n->changes, 1));
			cJSON_AddItemToArray(items, o);
		}
		if (json || events)
			continue;
		/* Gates are the status command's business: plan lists them
		 * (and those blocked behind them) only with -v, and counts
		 * them in the summary; -q shows failures only. */
		if (((strcmp(what, "waiting") == 0 || gate_blocked_by[i]) &&
		     es_log_verbosity() < 2) ||
		    (quiet && strcmp(what, "failed") != 0))
			continue;
		if (n->section != last && !quiet) {
			printf("%s %s\n", section_label(n),
			       n->section ? n->section->title : "");
			last = n->section;
		}
		if (strcmp(what, "changes") == 0) {
			cJSON_ArrayForEach(ch, n->changes)
			{
				cJSON *detail =
				    cJSON_GetObjectItem(ch, "detail");

				printf(
				    "  %s %-40s %s %s%s%s\n",
				    symbol_for(cJSON_GetObjectItem(ch, "action")
				                   ->valuestring),
				    n->ref,
				    cJSON_GetObjectItem(ch, "kind")
				        ->valuestring,
				    cJSON_GetObjectItem(ch, "name")
				        ->valuestring,
				    detail ? ": " : "",
				    detail ? detail->valuestring : "");
			}
		} else if (strcmp(what, "waiting") == 0) {
			printf("  ! %-40s waiting for a person: %s\n", n->ref,
			       n->question);
		} else if (gate_blocked_by[i]) {
			printf("  ! %-40s blocked: waiting on %s\n", n->ref,
			       run->nodes[gate_blocked_by[i] - 1].ref);
		} else if (strcmp(what, "in place") == 0) {
			printf("  = %-40s in place\n", n->ref);
		} else {
			printf("  x %-40s %s: %s\n", n->ref, what,
			       n->message ? n->message : "");
		}
		/* Planned again after a failed apply: why it is not done. */
		if (n->message &&
		    (!strcmp(what, "changes") || !strcmp(what, "in place")))
			printf("    %s\n", n->message);
	}
	*changes = create + update + del + unknown + resume > 0;
	{
		cJSON *s = cJSON_CreateObject();

		cJSON_AddNumberToObject(s, "create", create);
		cJSON_AddNumberToObject(s, "update", update);
		cJSON_AddNumberToObject(s, "delete", del);
		cJSON_AddNumberToObject(s, "unknown", unknown);
		cJSON_AddNumberToObject(s, "resume", resume);
		cJSON_AddNumberToObject(s, "in_place", in_place);
		cJSON_AddNumberToObject(s, "waiting_for_person", waiting);
		cJSON_AddNumberToObject(s, "blocked", blocked);
		cJSON_AddNumberToObject(s, "failed", failed);
		es_run_keep_counts(run, s);
	}
	if (doc) {
		cJSON_AddItemToObject(doc, "summary",
		                      cJSON_Duplicate(run->counts, 1));
		es_events_summary(run, "plan", cJSON_Duplicate(run->counts, 1));
		rc = es_plan_file_finish(run, doc, failed);
		if (json) {
			es_render_json(doc);
			free(gate_blocked_by);
			return rc;
		}
		cJSON_Delete(doc);
	}
	if (quiet || events) {
		free(gate_blocked_by);
		return rc;
	}
	printf("\nPlan: %d to create, %d to update, %d to delete, %d known "
	       "only after apply, %d to resume or record; %d in place; %d "
	       "waiting for a person; %d blocked; %d failed.\n",
	       create, update, del, unknown, resume, in_place, waiting, blocked,
	       failed);
	free(gate_blocked_by);
	printf("(+ create, ~ update, - delete, ? known only after apply, * "
	       "resume or record, = in place, ! waiting for a person or "
	       "blocked behind one, x failed)\n");
	if ((waiting || blocked) && es_log_verbosity() < 2)
		printf("Items waiting for a person: `envsetup status` lists "
		       "them (or plan -v).\n");
	if (!create && !update && !del && !unknown && !resume && !failed)
		printf(
		    "No changes. The environment matches the configuration.\n");
	if (run->opt.plan_out && !failed && rc == ES_EXIT_OK)
		printf("\nSaved the plan to %s. To make exactly these changes: "
		       "envsetup apply %s\n",
		       run->opt.plan_out, run->opt.plan_out);
	return rc;
}

/* ---- apply ----------------------------------------------------------- */

void es_render_node_start(struct es_run *run, const struct es_node *n)
{
	es_events_task_start(run, n);
	es_live_task_start(n);
}

void es_render_node_progress(struct es_run *run, const struct es_node *n,
                             const char *message, unsigned poll)
{
	es_events_task_progress(run, n, message, poll);
	es_live_task_status(n, message, poll);
}

void es_render_node_result(struct es_run *run, const struct es_node *n,
                           double seconds)
{
	char label[24];

	es_live_task_end(n);
	es_events_task_end(run, n, NULL, n->message, seconds);
	if (run->opt.json || run->opt.events)
		return;
	/* The checklist's own manual items are listed by status; apply
	 * counts them in its summary and shows them one by one with -v. */
	if (n->kind == ES_NODE_MANUAL && n->result != ES_TS_DONE &&
	    es_log_verbosity() < 2)
		return;
	if (es_log_verbosity() == 0 && n->result != ES_TS_FAILED)
		return; /* -q: errors only */
	snprintf(label, sizeof(label), "[%s]", section_label(n));
	pthread_mutex_lock(&print_lock);
	es_live_hold();
	printf("%-7s %-44s %-9s %s", label, n->ref,
	       es_task_state_name(n->result), n->message ? n->message : "");
	if (seconds >= 0.05)
		printf(" (%.1fs)", seconds);
	printf("\n");
	fflush(stdout);
	es_live_release();
	pthread_mutex_unlock(&print_lock);
}

struct apply_counts {
	int states[ES_TS_KEPT + 1];
	int changed;
};

/* The one count of an apply's results: the text, --json and the events'
 * summary all print this. */
static void count_apply(const struct es_run *run, struct apply_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < run->n_nodes; i++) {
		const struct es_node *n = &run->nodes[i];

		if (!n->selected)
			continue;
		c->states[n->result]++;
		c->changed += n->result == ES_TS_DONE && n->changes &&
		              cJSON_GetArraySize(n->changes) > 0;
	}
}

static void add_apply_counts(cJSON *s, const struct apply_counts *c)
{
	cJSON_AddNumberToObject(s, "done", c->states[ES_TS_DONE]);
	cJSON_AddNumberToObject(s, "changed", c->changed);
	cJSON_AddNumberToObject(s, "failed", c->states[ES_TS_FAILED]);
	cJSON_AddNumberToObject(s, "waiting_for_person",
	                        c->states[ES_TS_WAITING]);
	cJSON_AddNumberToObject(s, "blocked", c->states[ES_TS_BLOCKED]);
}

void es_render_apply_summary(struct es_run *run)
{
	struct apply_counts c;
	cJSON *doc = run->opt.json ? run_header(run, "apply") : NULL;
	cJSON *items = doc ? cJSON_AddArrayToObject(doc, "tasks") : NULL;

	count_apply(run, &c);
	es_run_keep_counts(run, cJSON_CreateObject());
	add_apply_counts(run->counts, &c);
	if (run->opt.events) {
		cJSON *s = cJSON_CreateObject();

		add_apply_counts(s, &c);
		es_events_summary(run, "apply", s);
		return;
	}
	for (size_t i = 0; doc && i < run->n_nodes; i++) {
		const struct es_node *n = &run->nodes[i];
		cJSON *o;

		if (!n->selected)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "task", n->ref);
		cJSON_AddStringToObject(o, "state",
		                        es_task_state_name(n->result));
		if (n->message)
			cJSON_AddStringToObject(o, "message", n->message);
		cJSON_AddItemToArray(items, o);
	}
	if (doc) {
		add_apply_counts(cJSON_AddObjectToObject(doc, "summary"), &c);
		es_render_json(doc);
		return;
	}
	if (es_log_verbosity() == 0)
		return; /* -q: the exit code says it */
	printf("\nApply: %d done (%d changed), %d failed, %d waiting for a "
	       "person, %d blocked.\n",
	       c.states[ES_TS_DONE], c.changed, c.states[ES_TS_FAILED],
	       c.states[ES_TS_WAITING], c.states[ES_TS_BLOCKED]);
	if (c.states[ES_TS_WAITING])
		printf(
		    "Items waiting for a person: see `envsetup status`; sign "
		    "off with `envsetup confirm TASK --by NAME`.\n");
}

/* ---- status ---------------------------------------------------------- */

struct outputs_ctx {
	cJSON *json;
	int printed;
};

static void print_output(const struct es_output_entry *o, void *arg)
{
	struct outputs_ctx *ctx = arg;
	const char *value = o->secret ? "(secret: in secrets.json)" : o->value;
	char summary[160];

	if (ctx->json) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "plugin", o->plugin);
		cJSON_AddStringToObject(e, "name", o->name);
		cJSON_AddStringToObject(e, "value", value ? value : "");
		cJSON_AddBoolToObject(e, "secret", o->secret);
		cJSON_AddItemToArray(ctx->json, e);
		return;
	}
	if (!ctx->printed++)
		printf("\nOutputs (status --output PLUGIN.NAME prints one in "
		       "full)\n");
	if (!o->secret && es_output_is_long(value)) {
		es_output_summarise(value, summary, sizeof(summary));
		value = summary;
	}
	printf("  %s.%s = %s\n", o->plugin, o->name, value ? value : "");
}

struct output_lookup {
	const char *name; /* PLUGIN.NAME */
	const struct es_output_entry *found;
	int rc;
};

static void print_one_output(const struct es_output_entry *o, void *arg)
{
	struct output_lookup *l = arg;
	size_t plen = strlen(o->plugin);

	if (l->found || strncmp(l->name, o->plugin, plen) != 0 ||
	    l->name[plen] != '.' || strcmp(l->name + plen + 1, o->name) != 0)
		return;
	l->found = o;
	if (o->secret) {
		fprintf(stderr,
		        "envsetup: %s is a secret: envsetup never prints it; "
		        "it is in the environment's secrets.json (mode 0600)\n",
		        l->name);
		l->rc = ES_EXIT_INPUT;
		return;
	}
	fputs(o->value ? o->value : "", stdout);
	if (!o->value || !*o->value || o->value[strlen(o->value) - 1] != '\n')
		putchar('\n');
}

int es_render_output(struct es_run *run, const char *name)
{
	struct output_lookup l = {.name = name, .rc = ES_EXIT_OK};

	es_state_outputs_each(run->state, print_one_output, &l);
	if (!l.found) {
		fprintf(
		    stderr,
		    "envsetup: no output %s in environment %s (status lists "
		    "the outputs published so far)\n",
		    name, run->env->name);
		return ES_EXIT_INPUT;
	}
	return l.rc;
}

static void status_elements(const struct es_section *sec, cJSON *arr)
{
	for (size_t e = 0; e < sec->n_elements; e++) {
		const struct es_manual_item *it = &sec->elements[e];

		if (arr) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "section", sec->id);
			cJSON_AddStringToObject(o, "element", it->id);
			cJSON_AddStringToObject(o, "question", it->question);
			if (it->answer)
				cJSON_AddStringToObject(o, "answer",
				                        it->answer);
			cJSON_AddItemToArray(arr, o);
			continue;
		}
		printf("  %-10s %-40s %s%s%s\n",
		       it->answer ? "answered" : "UNANSWERED", it->id,
		       it->question, it->answer ? " -> " : "",
		       it->answer ? it->answer : "");
	}
}

void es_render_status(struct es_run *run)
{
	cJSON *doc = run->opt.json ? run_header(run, "status") : NULL;
	cJSON *items = doc ? cJSON_AddArrayToObject(doc, "items") : NULL;
	struct outputs_ctx octx = {0};

	if (!doc)
		print_header(run, "status");
	for (size_t s = 0; s < run->cfg->n_sections; s++) {
		const struct es_section *sec = &run->cfg->sections[s];

		if (!doc)
			printf("%s %s\n", sec->id, sec->title);
		status_elements(sec, items);
		for (size_t i = 0; i < run->n_nodes; i++) {
			const struct es_node *n = &run->nodes[i];
			char *msg = NULL;
			enum es_task_state st;
			const char *text;

			if (n->section != sec)
				continue;
			st = es_status_of(run, n, &msg);
			text = msg ? msg : "";
			if (doc) {
				cJSON *o = cJSON_CreateObject();

				cJSON_AddStringToObject(o, "section", sec->id);
				cJSON_AddStringToObject(o, "task", n->ref);
				cJSON_AddStringToObject(o, "title", n->title);
				cJSON_AddStringToObject(o, "state",
				                        es_task_state_name(st));
				cJSON_AddStringToObject(o, "message", text);
				if (n->owner)
					cJSON_AddStringToObject(o, "owner",
					                        n->owner);
				cJSON_AddItemToArray(items, o);
			} else {
				printf("  %-10s %-40s %s%s%s\n",
				       es_task_state_name(st), n->ref, n->title,
				       *text ? ": " : "", text);
			}
			free(msg);
		}
	}
	octx.json = doc ? cJSON_AddArrayToObject(doc, "outputs") : NULL;
	es_state_outputs_each(run->state, print_output, &octx);
	if (doc)
		es_render_json(doc);
}
