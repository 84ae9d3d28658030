/*
 * The event stream of `--output json` (events.h, docs/events.md).
 */
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envsetup/version.h"
#include "log.h"

static pthread_mutex_t emit_lock = PTHREAD_MUTEX_INITIALIZER;

/* Every event names its customer: several customers' streams are merged
 * line by line (customers.h). */
static cJSON *event(const struct es_run *run, const char *name)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddNumberToObject(e, "v", ES_EVENTS_VERSION);
	cJSON_AddStringToObject(e, "customer", run->cfg->customer_id);
	cJSON_AddStringToObject(e, "event", name);
	return e;
}

/* One line, redacted, flushed: a reader acts on each event as it comes. */
static void emit(cJSON *e)
{
	char *text = cJSON_PrintUnformatted(e);
	char *clean = text ? es_redact(text) : NULL;

	if (clean) {
		pthread_mutex_lock(&emit_lock);
		fputs(clean, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		pthread_mutex_unlock(&emit_lock);
	}
	free(clean);
	free(text);
	cJSON_Delete(e);
}

static cJSON *task_event(const struct es_run *run, const char *name,
                         const struct es_node *n)
{
	cJSON *e = event(run, name);

	cJSON_AddStringToObject(e, "task", n->ref);
	cJSON_AddStringToObject(e, "section",
	                        n->section ? n->section->id : "-");
	return e;
}

void es_events_run_start(const struct es_run *run, const char *command)
{
	cJSON *e;

	if (!run->opt.events)
		return;
	e = event(run, "run_start");
	cJSON_AddStringToObject(e, "command", command);
	cJSON_AddStringToObject(e, "environment", run->env->name);
	cJSON_AddStringToObject(e, "envsetup_version", ES_VERSION_STRING);
	emit(e);
}

void es_events_task_start(const struct es_run *run, const struct es_node *n)
{
	cJSON *e;

	if (!run->opt.events)
		return;
	e = task_event(run, "task_start", n);
	cJSON_AddStringToObject(e, "title", n->title ? n->title : "");
	emit(e);
}

void es_events_task_progress(const struct es_run *run, const struct es_node *n,
                             const char *message, unsigned poll)
{
	cJSON *e;

	if (!run->opt.events)
		return;
	e = task_event(run, "task_progress", n);
	if (message)
		cJSON_AddStringToObject(e, "message", message);
	if (poll)
		cJSON_AddNumberToObject(e, "poll", poll);
	emit(e);
}

void es_events_task_end(const struct es_run *run, const struct es_node *n,
                        const char *plan, const char *message, double seconds)
{
	cJSON *e;

	if (!run->opt.events)
		return;
	if (plan ? strcmp(plan, "waiting") == 0 : n->result == ES_TS_WAITING) {
		e = task_event(run, "gate_waiting", n);
		cJSON_AddStringToObject(e, "question",
		                        n->question ? n->question
		                        : message   ? message
		                                    : "");
		emit(e);
	}
	e = task_event(run, "task_end", n);
	cJSON_AddStringToObject(e, "state", es_task_state_name(n->result));
	if (plan)
		cJSON_AddStringToObject(e, "plan", plan);
	if (message)
		cJSON_AddStringToObject(e, "message", message);
	cJSON_AddNumberToObject(
	    e, "changes", n->changes ? cJSON_GetArraySize(n->changes) : 0);
	cJSON_AddNumberToObject(e, "seconds",
	                        (double)(long)(seconds * 10 + 0.5) / 10);
	emit(e);
}

void es_events_output(const struct es_run *run, const char *plugin,
                      const char *name, const char *value, int secret)
{
	cJSON *e;

	if (!run->opt.events)
		return;
	e = event(run, "output");
	cJSON_AddStringToObject(e, "plugin", plugin);
	cJSON_AddStringToObject(e, "name", name);
	cJSON_AddBoolToObject(e, "secret", secret);
	if (!secret)
		cJSON_AddStringToObject(e, "value", value);
	emit(e);
}

void es_events_summary(const struct es_run *run, const char *command,
                       cJSON *counts)
{
	cJSON *e;

	if (!run->opt.events) {
		cJSON_Delete(counts);
		return;
	}
	e = event(run, "summary");
	cJSON_AddStringToObject(e, "command", command);
	cJSON_AddItemToObject(e, "counts", counts);
	emit(e);
}
