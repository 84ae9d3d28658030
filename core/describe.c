/* plugins list / describe and check (describe.h). */
#include "describe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "runner.h"

static const char *const type_names[] = {
    [ES_TYPE_STRING] = "string",     [ES_TYPE_INT] = "int",
    [ES_TYPE_BOOL] = "bool",         [ES_TYPE_ENUM] = "enum",
    [ES_TYPE_LIST] = "list",         [ES_TYPE_URL] = "url",
    [ES_TYPE_DURATION] = "duration", [ES_TYPE_PATH] = "path",
    [ES_TYPE_RECORDS] = "records",
};

const char *es_key_type_name(enum es_type type)
{
	return type >= ES_TYPE_STRING && type <= ES_TYPE_RECORDS
	           ? type_names[type]
	           : "?";
}

const char *es_output_type_name(enum es_output_type type)
{
	return type == ES_OUTPUT_STRING    ? "string"
	       : type == ES_OUTPUT_JSON    ? "json"
	       : type == ES_OUTPUT_RECORDS ? "dns records"
	                                   : "?";
}

static void print_and_free(cJSON *doc)
{
	char *text = cJSON_Print(doc);

	if (text)
		puts(text);
	free(text);
	cJSON_Delete(doc);
}

static cJSON *strings(const char *const *list)
{
	cJSON *a = cJSON_CreateArray();

	for (; list && *list; list++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*list));
	return a;
}

static cJSON *plugin_json(const struct es_plugin *p)
{
	const struct es_plugin_descriptor *d = p->desc;
	cJSON *o = cJSON_CreateObject(), *keys, *tasks, *outputs;

	cJSON_AddStringToObject(o, "name", d->name);
	cJSON_AddStringToObject(o, "version", d->version);
	cJSON_AddStringToObject(o, "description", d->description);
	cJSON_AddStringToObject(o, "abi", "");
	{
		char abi[32];

		snprintf(abi, sizeof(abi), "%u.%u", d->abi_major, d->abi_minor);
		cJSON_ReplaceItemInObject(o, "abi", cJSON_CreateString(abi));
	}
	cJSON_AddNumberToObject(o, "rate_limit_per_min", d->rate_limit_per_min);
	cJSON_AddNumberToObject(o, "max_concurrency",
	                        d->max_concurrency ? d->max_concurrency : 1);
	keys = cJSON_AddArrayToObject(o, "keys");
	for (size_t i = 0; i < p->n_keys; i++) {
		const struct es_key *k = p->keys[i];
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "name", k->name);
		cJSON_AddStringToObject(e, "type", es_key_type_name(k->type));
		cJSON_AddBoolToObject(e, "required",
		                      k->flags & ES_KEY_REQUIRED);
		cJSON_AddBoolToObject(e, "secret", k->flags & ES_KEY_SECRET);
		cJSON_AddBoolToObject(e, "per_environment",
		                      k->flags & ES_KEY_PER_ENV);
		if (k->default_value)
			cJSON_AddStringToObject(e, "default", k->default_value);
		if (k->type == ES_TYPE_ENUM)
			cJSON_AddItemToObject(e, "allowed",
			                      strings(k->allowed));
		if (k->flags & ES_KEY_MIN)
			cJSON_AddNumberToObject(e, "min", (double)k->min);
		if (k->flags & ES_KEY_MAX)
			cJSON_AddNumberToObject(e, "max", (double)k->max);
		if (k->format && es_format_name(k->format))
			cJSON_AddStringToObject(e, "format",
			                        es_format_name(k->format));
		if (k->pattern)
			cJSON_AddStringToObject(e, "pattern", k->pattern);
		if (k->required_when)
			cJSON_AddStringToObject(e, "required_when",
			                        k->required_when);
		cJSON_AddStringToObject(e, "question", k->question);
		if (k->example)
			cJSON_AddStringToObject(e, "example", k->example);
		cJSON_AddItemToArray(keys, e);
	}
	tasks = cJSON_AddArrayToObject(o, "tasks");
	for (size_t i = 0; i < p->n_tasks; i++) {
		const struct es_task *t = p->tasks[i];
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "id", t->id);
		cJSON_AddStringToObject(e, "title", t->title);
		cJSON_AddStringToObject(e, "section", t->section);
		cJSON_AddItemToObject(e, "depends_on", strings(t->depends_on));
		cJSON_AddItemToObject(e, "needs", strings(t->needs));
		cJSON_AddBoolToObject(e, "mutating",
		                      t->flags & ES_TASK_MUTATING);
		cJSON_AddBoolToObject(e, "manual", t->flags & ES_TASK_MANUAL);
		cJSON_AddBoolToObject(e, "long_running",
		                      t->flags & ES_TASK_LONG_RUNNING);
		cJSON_AddBoolToObject(e, "teardown",
		                      t->flags & ES_TASK_TEARDOWN);
		if (t->question)
			cJSON_AddStringToObject(e, "question", t->question);
		cJSON_AddItemToArray(tasks, e);
	}
	outputs = cJSON_AddArrayToObject(o, "outputs");
	for (size_t i = 0; i < p->n_outputs; i++) {
		const struct es_output *out = p->outputs[i];
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "name", out->name);
		cJSON_AddStringToObject(e, "type",
		                        es_output_type_name(out->type));
		cJSON_AddBoolToObject(e, "secret",
		                      out->flags & ES_OUTPUT_SECRET);
		cJSON_AddBoolToObject(e, "per_item",
		                      out->flags & ES_OUTPUT_PER_ITEM);
		cJSON_AddStringToObject(e, "task", out->task);
		cJSON_AddStringToObject(e, "description", out->description);
		cJSON_AddItemToArray(outputs, e);
	}
	return o;
}

/* The checks beyond the type, as `check` applies them. */
static void print_key_rules(const struct es_key *k)
{
	if (k->flags & ES_KEY_MIN)
		printf(" (min %lld)", (long long)k->min);
	if (k->flags & ES_KEY_MAX)
		printf(" (max %lld)", (long long)k->max);
	if (k->format && es_format_name(k->format))
		printf(" (format %s)", es_format_name(k->format));
	if (k->pattern)
		printf(" (pattern %s)", k->pattern);
	if (k->required_when)
		printf(" (required when %s)", k->required_when);
}

static void print_plugin_text(const struct es_plugin *p)
{
	const struct es_plugin_descriptor *d = p->desc;

	printf("%s %s (ABI %u.%u): %s\n", d->name, d->version, d->abi_major,
	       d->abi_minor, d->description);
	if (d->rate_limit_per_min)
		printf("rate limit: %u requests/minute\n",
		       d->rate_limit_per_min);
	printf("\nKeys:\n");
	for (size_t i = 0; i < p->n_keys; i++) {
		const struct es_key *k = p->keys[i];

		printf("  %-22s %-8s%s%s%s", k->name, es_key_type_name(k->type),
		       k->flags & ES_KEY_REQUIRED ? " required" : "",
		       k->flags & ES_KEY_SECRET ? " secret" : "",
		       k->flags & ES_KEY_PER_ENV ? " per-env" : "");
		if (k->default_value)
			printf(" (default %s)", k->default_value);
		print_key_rules(k);
		printf("\n      %s\n", k->question);
	}
	printf("\nTasks:\n");
	for (size_t i = 0; i < p->n_tasks; i++) {
		const struct es_task *t = p->tasks[i];

		printf("  [%s] %-24s %s%s%s\n", t->section, t->id, t->title,
		       t->flags & ES_TASK_MANUAL ? " (manual)" : "",
		       t->flags & ES_TASK_LONG_RUNNING ? " (long-running)"
		                                       : "");
		if (t->question)
			printf("      asks: %s\n", t->question);
	}
}

int es_describe_plugin(const char *plugin_dir, const char *name,
                       enum es_describe_format format)
{
	struct es_registry reg = {0};
	struct es_diags d = {0};
	const char *names[] = {name};
	int rc = ES_EXIT_OK;

	if (es_registry_load(&reg, plugin_dir, names, 1, &d)) {
		es_diags_print(&d, stderr);
		rc = ES_EXIT_PLUGIN;
	} else if (format == ES_DESCRIBE_JSON) {
		cJSON *doc = plugin_json(&reg.plugins[0]);

		/* Every --json document opens with it (docs/cli.md). */
		cJSON_AddItemToObject(doc, "format_version",
		                      cJSON_CreateNumber(1));
		print_and_free(doc);
	} else if (format == ES_DESCRIBE_MARKDOWN) {
		es_describe_markdown(stdout, &reg.plugins[0]);
	} else {
		print_plugin_text(&reg.plugins[0]);
	}
	es_diags_clear(&d);
	es_registry_free(&reg);
	return rc;
}

int es_describe_list(const char *plugin_dir, int json)
{
	struct es_registry reg = {0};
	struct es_diags d = {0};
	size_t failures = es_registry_load(&reg, plugin_dir, NULL, 0, &d);

	if (json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON *arr = cJSON_AddArrayToObject(doc, "plugins");
		cJSON *bad = cJSON_AddArrayToObject(doc, "refused");

		cJSON_AddNumberToObject(doc, "format_version", 1);
		cJSON_AddStringToObject(doc, "plugin_dir", plugin_dir);
		for (size_t i = 0; i < reg.n_plugins; i++)
			cJSON_AddItemToArray(arr, plugin_json(&reg.plugins[i]));
		for (size_t i = 0; i < d.count; i++) {
			cJSON *e = cJSON_CreateObject();

			cJSON_AddStringToObject(
			    e, "plugin",
			    d.items[i].where ? d.items[i].where : "");
			cJSON_AddStringToObject(e, "reason",
			                        d.items[i].message);
			cJSON_AddItemToArray(bad, e);
		}
		print_and_free(doc);
	} else {
		printf("plugins in %s:\n", plugin_dir);
		for (size_t i = 0; i < reg.n_plugins; i++) {
			const struct es_plugin_descriptor *p =
			    reg.plugins[i].desc;

			printf("  %-14s %-8s %s\n", p->name, p->version,
			       p->description);
		}
		if (d.count) {
			printf("refused:\n");
			for (size_t i = 0; i < d.count; i++)
				printf("  %-14s %s\n",
				       d.items[i].where ? d.items[i].where
				                        : "?",
				       d.items[i].message);
		}
	}
	es_diags_clear(&d);
	es_registry_free(&reg);
	return failures ? ES_EXIT_PLUGIN : ES_EXIT_OK;
}

/* ---- check ----------------------------------------------------------- */

static void add_question(cJSON *arr, const char *id, const char *question,
                         const char *where, int line)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "question", question);
	if (where)
		cJSON_AddStringToObject(o, "file", where);
	if (line)
		cJSON_AddNumberToObject(o, "line", line);
	cJSON_AddItemToArray(arr, o);
}

int es_describe_unanswered(struct es_run *run, int json)
{
	const struct es_config *cfg = run->cfg;
	cJSON *doc = json ? cJSON_CreateObject() : NULL;
	cJSON *secs;

	if (doc)
		cJSON_AddNumberToObject(doc, "format_version", 1);
	secs = doc ? cJSON_AddArrayToObject(doc, "sections") : NULL;
	size_t total = 0, answered = 0;

	if (!doc)
		printf("envsetup check: customer %s, environment %s: the file "
		       "is valid.\n\n",
		       cfg->customer_id, run->env->name);
	for (size_t s = 0; s < cfg->n_sections; s++) {
		const struct es_section *sec = &cfg->sections[s];
		cJSON *qs = NULL;
		int header = 0;

		if (doc) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "section", sec->id);
			cJSON_AddStringToObject(o, "title", sec->title);
			qs = cJSON_AddArrayToObject(o, "unanswered");
			cJSON_AddItemToArray(secs, o);
		}
		for (size_t e = 0; e < sec->n_elements; e++) {
			const struct es_manual_item *it = &sec->elements[e];
			char names[256];
			int mixed;

			total++;
			if (it->answer) {
				answered++;
				continue;
			}
			mixed = es_choices_mixed(cfg, it, names, sizeof(names));
			if (qs)
				add_question(qs, it->id, it->question, it->file,
				             it->line);
			else {
				if (!header++)
					printf("%s %s\n", sec->id, sec->title);
				printf("  ? %-28s %s\n", it->id, it->question);
				if (mixed)
					printf(
					    "    %-28s the plugin groups of "
					    "several answers are enabled "
					    "(%s): until it is answered they "
					    "all run\n",
					    "", names);
			}
		}
		for (size_t p = 0; p < sec->n_plugins; p++) {
			const struct es_plugin_conf *pc =
			    es_config_plugin(cfg, sec->plugins[p]);

			if (!pc || !pc->enabled || !pc->desc)
				continue;
			for (size_t v = 0; v < pc->n_values; v++) {
				const struct es_key *k = pc->values[v].key;
				char id[192];
				int absent;

				if (!es_config_required(pc, &pc->values[v]))
					continue;
				total++;
				if (!es_config_unanswered(pc, k->name)) {
					answered++;
					continue;
				}
				snprintf(id, sizeof(id), "%s.%s", pc->name,
				         k->name);
				absent = pc->values[v].secret_absent;
				if (qs)
					add_question(qs, id, k->question,
					             pc->file, pc->line);
				else {
					if (!header++)
						printf("%s %s\n", sec->id,
						       sec->title);
					printf("  ? %-28s %s%s%s%s\n", id,
					       k->question, absent ? " (" : "",
					       absent ? pc->values[v].str : "",
					       !absent ? ""
					       : strncmp(pc->values[v].str,
					                 "env:", 4) == 0
					           ? " is not set)"
					           : " does not exist)");
				}
			}
		}
	}
	if (doc) {
		cJSON_AddNumberToObject(doc, "elements", (double)total);
		cJSON_AddNumberToObject(doc, "answered", (double)answered);
		print_and_free(doc);
	} else {
		printf(
		    "%s%zu of %zu elements needed before start are answered.\n",
		    answered < total ? "\n" : "", answered, total);
	}
	return answered < total ? ES_EXIT_PENDING : ES_EXIT_OK;
}
