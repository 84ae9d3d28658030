/*
 * Teardown: `envsetup plan --destroy` and `envsetup destroy` (runner.h).
 *
 * Each plugin task's function runs in ES_PHASE_PLAN_DESTROY (what would
 * go) or ES_PHASE_DESTROY (remove it), one task at a time, in reverse
 * dependency order: a task goes after every task that depends on it, so
 * records go before their zone and users before their account. The
 * outcome of each task is recorded in the state as it finishes (removed,
 * kept, failed, waiting, blocked), so a run killed half-way resumes where
 * it stopped and never asks a plugin to remove a task twice; the plugin's
 * own look-ups (and the journal of its DELETEs) cover the task that was
 * running when the kill came.
 *
 * What is kept: everything of a plugin whose config says `protect = true`
 * (the plugin is not called), what the plugin itself says it did not make
 * (ES_UNSUPPORTED from destroy: an adopted account or subscription), and
 * a task a kept task depends on (removing it would take the kept one
 * along). Manual items are a person's: destroy leaves them alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "jobserver.h"
#include "live.h"
#include "log.h"
#include "runner.h"

/* ---- order ------------------------------------------------------------- */

/* Depth-first post-order over the dependencies: every node after the
 * nodes it depends on (the graph has no cycle: es_graph_build). */
static void visit(const struct es_run *run, size_t i, unsigned char *seen,
                  size_t *order, size_t *n)
{
	seen[i] = 1;
	for (size_t k = 0; k < run->nodes[i].n_deps; k++)
		if (!seen[run->nodes[i].deps[k]])
			visit(run, run->nodes[i].deps[k], seen, order, n);
	order[(*n)++] = i;
}

/* The nodes in reverse dependency order (malloc'd, run->n_nodes long). */
static size_t *teardown_order(const struct es_run *run)
{
	size_t *order = calloc(run->n_nodes ? run->n_nodes : 1, sizeof(*order));
	unsigned char *seen = calloc(run->n_nodes ? run->n_nodes : 1, 1);
	size_t n = 0;

	if (order && seen)
		for (size_t i = 0; i < run->n_nodes; i++)
			if (!seen[i])
				visit(run, i, seen, order, &n);
	free(seen);
	for (size_t i = 0; order && i < n / 2; i++) {
		size_t t = order[i];

		order[i] = order[n - 1 - i];
		order[n - 1 - i] = t;
	}
	return order;
}

/* 1 for the tasks destroy calls: a plugin's own, not a person's. */
static int is_teardown_task(const struct es_node *n)
{
	return n->kind == ES_NODE_PLUGIN_TASK &&
	       !(n->task->flags & ES_TASK_MANUAL);
}

/* The state of a dependant `d` once this run got to it: its result when
 * it was part of the run, else what the state recorded. */
static enum es_task_state dependant_state(struct es_run *run,
                                          const struct es_node *d)
{
	if (d->selected && d->finished)
		return d->result;
	return es_state_task_get(run->state, d->ref, NULL, NULL);
}

/* Whether `n` may go now: NULL, or why not in *why (malloc'd) with the
 * state it gets (blocked, or kept under a kept dependant). */
static int held_by_dependant(struct es_run *run, const struct es_node *n,
                             enum es_task_state *st, char **why)
{
	size_t self = (size_t)(n - run->nodes);

	for (size_t i = 0; i < run->n_nodes; i++) {
		const struct es_node *d = &run->nodes[i];
		enum es_task_state ds;
		char buf[512];

		if (!is_teardown_task(d))
			continue;
		for (size_t k = 0; k < d->n_deps; k++) {
			if (d->deps[k] != self)
				continue;
			ds = dependant_state(run, d);
			/* Never applied (pending) has nothing on top of us. */
			if (ds == ES_TS_REMOVED || ds == ES_TS_PENDING)
				break;
			if (ds == ES_TS_KEPT) {
				*st = ES_TS_KEPT;
				snprintf(buf, sizeof(buf),
				         "kept: %s depends on it and is kept",
				         d->ref);
			} else {
				*st = ES_TS_BLOCKED;
				snprintf(buf, sizeof(buf),
				         "waiting on %s (%s%s): it depends on "
				         "this task",
				         d->ref, es_task_state_name(ds),
				         d->selected ? "" : ", not selected");
			}
			*why = strdup(buf);
			return 1;
		}
	}
	return 0;
}

static void set_result(struct es_node *n, enum es_task_state st, char *msg)
{
	es_text_printable(msg); /* as the runner's finish() */
	n->result = st;
	free(n->message);
	n->message = msg;
	n->finished = 1;
}

/* ---- one task ---------------------------------------------------------- */

/* Run `phase` (plan --destroy or destroy) of plugin task `n`. */
static void teardown_task(struct es_run *run, struct es_node *n,
                          enum es_phase phase)
{
	enum es_task_state prev =
	    es_state_task_get(run->state, n->ref, NULL, NULL);
	struct es_call call;
	enum es_status st;
	int slot = -1;

	if (prev == ES_TS_REMOVED) {
		set_result(n, ES_TS_REMOVED, strdup("already removed"));
		return;
	}
	if (n->inst->conf->protect) {
		set_result(n, ES_TS_KEPT, strdup("kept: protect = true"));
		return;
	}
	/* A task whose function does not declare the teardown phases would
	 * run its apply code here: it is never called, and what it made
	 * stays. */
	if (!(n->task->flags & ES_TASK_TEARDOWN)) {
		set_result(n, ES_TS_KEPT,
		           strdup("kept: the plugin does not remove what this "
		                  "task makes"));
		return;
	}
	/* A gate a person signed off during apply is not a sign-off of the
	 * teardown: only a confirmation given while destroy waited counts. */
	if (phase == ES_PHASE_DESTROY && prev != ES_TS_WAITING) {
		char *by = es_state_confirmation(run->state, n->ref);

		if (by)
			es_state_unconfirm(run->state, n->ref);
		free(by);
	}
	/* Several customers at once: one of the invocation's tokens for
	 * the task, polls included (jobserver.h). */
	if (es_jobserver_take() < 0) {
		set_result(n, ES_TS_FAILED, strdup("interrupted"));
		return;
	}
	es_jobserver_task_running(1);
	es_call_init(&call, n->inst, n);
	call.http = es_node_take_http(n->inst, &slot);
	call.changes = cJSON_CreateArray();
	st = es_node_run_phase(run, n, phase, &call);
	es_jobserver_task_running(-1);
	es_jobserver_give();
	cJSON_Delete(n->changes);
	n->changes = call.changes;
	call.changes = NULL;
	if (st == ES_OK)
		set_result(n, ES_TS_REMOVED, NULL);
	else if (st == ES_UNSUPPORTED)
		set_result(n, ES_TS_KEPT, es_call_diags_text(&call, "kept"));
	else if (st == ES_NEEDS_PERSON)
		set_result(n, ES_TS_WAITING,
		           strdup(call.question ? call.question
		                                : "a person must act"));
	else
		set_result(n, ES_TS_FAILED,
		           es_call_diags_text(&call, "interrupted"));
	if (n->result == ES_TS_FAILED)
		es_call_print_diags(&call);
	es_node_give_http(n->inst, slot);
	es_call_release(&call);
}

/* Walk the selected plugin tasks in teardown order through `phase`. */
static void teardown_all(struct es_run *run, enum es_phase phase)
{
	size_t *order = teardown_order(run);

	es_live_begin(run);
	for (size_t o = 0; order && o < run->n_nodes; o++) {
		struct es_node *n = &run->nodes[order[o]];
		enum es_task_state held = ES_TS_BLOCKED;
		char *why = NULL;
		struct timespec t0, t1;
		unsigned long writes_failed = es_state_write_failures();

		if (!n->selected || !is_teardown_task(n))
			continue;
		if (run->opt.cancelled && *run->opt.cancelled)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		es_render_node_start(run, n);
		if (phase == ES_PHASE_DESTROY &&
		    held_by_dependant(run, n, &held, &why))
			set_result(n, held, why);
		else
			teardown_task(run, n, phase);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		n->seconds = (double)(t1.tv_sec - t0.tv_sec) +
		             (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (phase != ES_PHASE_DESTROY) {
			/* plan --destroy prints its plan at the end. */
			es_live_task_end(n);
			es_events_task_end(run, n, NULL, n->message,
			                   n->seconds);
			continue;
		}
		es_node_record(run, n, writes_failed);
		es_render_node_result(run, n, n->seconds);
	}
	es_live_end();
	free(order);
}

/* ---- output ----------------------------------------------------------- */

struct tally {
	int deletes, removed, kept, failed, waiting, blocked;
};

static void count(const struct es_run *run, struct tally *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < run->n_nodes; i++) {
		const struct es_node *n = &run->nodes[i];

		if (!n->selected || !n->finished)
			continue;
		t->deletes += n->changes ? cJSON_GetArraySize(n->changes) : 0;
		t->removed += n->result == ES_TS_REMOVED;
		t->kept += n->result == ES_TS_KEPT;
		t->failed += n->result == ES_TS_FAILED;
		t->waiting += n->result == ES_TS_WAITING;
		t->blocked += n->result == ES_TS_BLOCKED;
	}
}

/* The summary's counts, as --json and the events' summary give them. */
static void add_tally(cJSON *s, const struct tally *t)
{
	cJSON_AddNumberToObject(s, "delete", t->deletes);
	cJSON_AddNumberToObject(s, "removed", t->removed);
	cJSON_AddNumberToObject(s, "kept", t->kept);
	cJSON_AddNumberToObject(s, "failed", t->failed);
	cJSON_AddNumberToObject(s, "waiting_for_person", t->waiting);
	cJSON_AddNumberToObject(s, "blocked", t->blocked);
}

static void print_json(const struct es_run *run, const char *command,
                       const struct tally *t)
{
	cJSON *doc = cJSON_CreateObject(), *items;
	char *text, *clean;
	size_t *order = teardown_order(run);

	cJSON_AddNumberToObject(doc, "format_version", 1);
	cJSON_AddStringToObject(doc, "command", command);
	cJSON_AddStringToObject(doc, "customer", run->cfg->customer_id);
	cJSON_AddStringToObject(doc, "environment", run->env->name);
	items = cJSON_AddArrayToObject(doc, "tasks");
	for (size_t o = 0; order && o < run->n_nodes; o++) {
		const struct es_node *n = &run->nodes[order[o]];
		cJSON *e;

		if (!n->selected || !n->finished)
			continue;
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "task", n->ref);
		cJSON_AddStringToObject(e, "state",
		                        es_task_state_name(n->result));
		if (n->message)
			cJSON_AddStringToObject(e, "message", n->message);
		if (n->changes && cJSON_GetArraySize(n->changes))
			cJSON_AddItemToObject(e, "changes",
			                      cJSON_Duplicate(n->changes, 1));
		cJSON_AddItemToArray(items, e);
	}
	add_tally(cJSON_AddObjectToObject(doc, "summary"), t);
	text = cJSON_Print(doc);
	clean = text ? es_redact(text) : NULL;
	puts(clean ? clean : "{}");
	free(clean);
	free(text);
	free(order);
	cJSON_Delete(doc);
}

/* plan --destroy, human: each delete, each kept task, each failure. */
static void print_destroy_plan(const struct es_run *run, const struct tally *t)
{
	size_t *order = teardown_order(run);

	printf("envsetup plan --destroy: customer %s, environment %s\n\n",
	       run->cfg->customer_id, run->env->name);
	for (size_t o = 0; order && o < run->n_nodes; o++) {
		const struct es_node *n = &run->nodes[order[o]];
		const cJSON *ch;

		if (!n->selected || !n->finished)
			continue;
		cJSON_ArrayForEach(ch, n->changes)
		{
			const char *detail = cJSON_GetStringValue(
			    cJSON_GetObjectItem(ch, "detail"));

			printf("  - %-40s %s %s%s%s\n", n->ref,
			       cJSON_GetStringValue(
			           cJSON_GetObjectItem(ch, "kind")),
			       cJSON_GetStringValue(
			           cJSON_GetObjectItem(ch, "name")),
			       detail ? ": " : "", detail ? detail : "");
		}
		if (n->result == ES_TS_KEPT)
			printf("  = %-40s %s\n", n->ref,
			       n->message ? n->message : "kept");
		else if (n->result == ES_TS_FAILED)
			printf("  x %-40s failed: %s\n", n->ref,
			       n->message ? n->message : "");
	}
	printf("\nPlan: %d to delete; %d task(s) kept; %d failed.\n",
	       t->deletes, t->kept, t->failed);
	if (!t->deletes && !t->failed)
		printf("Nothing to delete.\n");
	free(order);
}

/* --output json or --json: the tally as data (1), or 0 for the text. */
static int print_data(const struct es_run *run, const char *command,
                      const struct tally *t)
{
	if (run->opt.events) {
		cJSON *s = cJSON_CreateObject();

		add_tally(s, t);
		es_events_summary(run, command, s);
		return 1;
	}
	if (run->opt.json)
		print_json(run, command, t);
	return run->opt.json;
}

/* ---- commands --------------------------------------------------------- */

int es_run_plan_destroy(struct es_run *run)
{
	struct tally t;

	teardown_all(run, ES_PHASE_PLAN_DESTROY);
	count(run, &t);
	es_run_keep_counts(run, cJSON_CreateObject());
	add_tally(run->counts, &t);
	if (!print_data(run, "plan --destroy", &t))
		print_destroy_plan(run, &t);
	if (t.failed)
		return ES_EXIT_FAILED;
	return t.deletes ? ES_EXIT_PENDING : ES_EXIT_OK;
}

int es_run_destroy(struct es_run *run)
{
	struct tally t;

	teardown_all(run, ES_PHASE_DESTROY);
	count(run, &t);
	es_run_keep_counts(run, cJSON_CreateObject());
	add_tally(run->counts, &t);
	if (!print_data(run, "destroy", &t))
		printf("\nDestroy: %d removed, %d kept, %d failed, %d waiting "
		       "for a person, %d blocked.\n",
		       t.removed, t.kept, t.failed, t.waiting, t.blocked);
	if (!run->opt.json && !run->opt.events && t.waiting)
		printf("Items waiting for a person: see `envsetup status`; "
		       "sign off with `envsetup confirm TASK --by NAME`, then "
		       "run destroy again.\n");
	if (run->opt.cancelled && *run->opt.cancelled) {
		es_log(ES_LOG_ERROR, NULL,
		       "interrupted: run destroy again to resume");
		return ES_EXIT_FAILED;
	}
	if (t.failed)
		return ES_EXIT_FAILED;
	return t.waiting || t.blocked ? ES_EXIT_PENDING : ES_EXIT_OK;
}

int es_destroy_confirmed(const struct es_config *cfg, const char *env, int yes)
{
	char line[256];
	size_t n;

	if (yes)
		return ES_EXIT_OK;
	fprintf(stderr,
	        "envsetup destroy removes what envsetup made for customer %s "
	        "in environment %s (adopted and protected resources are "
	        "kept).\nType the customer id to go on: ",
	        cfg->customer_id, env);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin)) {
		fprintf(stderr, "\nenvsetup: destroy not confirmed (no input); "
		                "type the customer id, or pass --yes in "
		                "scripts\n");
		return ES_EXIT_USAGE;
	}
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (strcmp(line, cfg->customer_id) != 0) {
		fprintf(stderr,
		        "envsetup: destroy not confirmed ('%s' is not the "
		        "customer id %s)\n",
		        line, cfg->customer_id);
		return ES_EXIT_USAGE;
	}
	return ES_EXIT_OK;
}
