/*
 * Running a customer's checklist: setting up a run (state, instances,
 * graph) and executing plan, apply and confirm. Printing lives in
 * render.c; the CLI in main.c.
 */
#ifndef ENVSETUP_CORE_RUNNER_H
#define ENVSETUP_CORE_RUNNER_H

#include <stdio.h>

#include "run.h"

/* Exit codes, documented in docs/cli.md and `envsetup --help`. */
enum es_exit {
	ES_EXIT_OK = 0,    /* done; plan: no changes */
	ES_EXIT_INPUT = 1, /* bad config, state file or arguments' content */
	ES_EXIT_PENDING =
	    2, /* plan: changes; check: unanswered; apply: waiting */
	ES_EXIT_LOCKED = 3, /* another run holds the state lock */
	ES_EXIT_FAILED = 4, /* a task failed at the provider */
	ES_EXIT_PLUGIN = 5, /* a plugin could not be loaded */
	ES_EXIT_STALE = 6,  /* apply FILE: the plan no longer holds */
	ES_EXIT_USAGE = 64, /* command line not understood */
};

/* Tasks at once (--parallelism), across the customers of an invocation. */
#define ES_DEFAULT_PARALLELISM 10

enum es_state_mode {
	ES_STATE_NONE,
	ES_STATE_READONLY,
	ES_STATE_LOCKED_RW,
};

/* Open the state, create and validate plugin instances (when `instances`
 * is set), build and select the task graph. Prints problems. Returns an
 * es_exit code. `cfg` must already be bound for opt->env. */
int es_run_open(struct es_run *run, struct es_config *cfg,
                const struct es_registry *reg, const struct es_run_options *opt,
                enum es_state_mode state_mode, int instances);
void es_run_close(struct es_run *run);
/* run_secrets.c, from es_run_open: unseal secrets.json with the customer's
 * state_key; 0, or -1 said (a read-write run only: status needs none). */
int es_run_open_secrets(struct es_run *run, const struct es_config *cfg,
                        enum es_state_mode mode);

/* Keep `counts` (transfer full) as the run's summary counts, replacing
 * any before: the customers' table shows them (customers.h). */
void es_run_keep_counts(struct es_run *run, cJSON *counts);

/* state_where.c: where cfg's state lives (state.h), `state_dir`
 * (nullable) overriding customer.state_dir; *connection is the resolved
 * state_connection (free with es_state_where_free), NULL when none. 0, or
 * -1 with the reason in err naming the key, never the value. */
int es_state_where_of(const struct es_config *cfg, const char *state_dir,
                      struct es_state_where *where, char **connection,
                      char *err, size_t errlen);
void es_state_where_free(char *connection);
/* customer.state_key resolved (malloc'd; wipe it), or NULL: none set, or
 * the reason in err. */
char *es_state_key_of(const struct es_config *cfg, char *err, size_t errlen);

int es_run_plan(struct es_run *run);
int es_run_apply(struct es_run *run);
int es_run_confirm(struct es_run *run, const char *ref, const char *by);

/* teardown.c: `envsetup plan --destroy` and `envsetup destroy`. */
int es_run_plan_destroy(struct es_run *run);
int es_run_destroy(struct es_run *run);
/* Ask for the customer id on stdin unless `yes`: ES_EXIT_OK when typed,
 * ES_EXIT_USAGE when not (no stdin, or another answer). */
int es_destroy_confirmed(const struct es_config *cfg, const char *env, int yes);

/* runner.c, for teardown.c: one phase of a task with the core's retries
 * (apply and destroy polled until done), the call's HTTP client, and the
 * call's diagnostics. */
enum es_status es_node_run_phase(struct es_run *run, struct es_node *n,
                                 enum es_phase phase, struct es_call *call);
struct es_http_client *es_node_take_http(struct es_instance *inst, int *slot);
void es_node_give_http(struct es_instance *inst, int slot);
char *es_call_diags_text(const struct es_call *call, const char *fallback);
void es_call_print_diags(const struct es_call *call);
/* Record the node's result (and, once it finished well, forget its
 * interrupted marks). A state write of the task that failed since
 * `writes_failed_before` (es_state_write_failures()), checked by the plugin
 * or not, fails it with the reason: nothing is shown done that the state
 * does not hold. */
void es_node_record(struct es_run *run, struct es_node *n,
                    unsigned long writes_failed_before);

/* Longest wait between polls of a long-running task; set by the CLI. */
extern uint32_t es_max_poll_ms;

/* render.c; es_render_plan returns an es_exit code (writing --out) and
 * sets *changes when apply would change something now (changes of tasks
 * blocked behind a person's item are shown, not counted). */
int es_render_plan(struct es_run *run, int *changes);
void es_render_status(struct es_run *run);
/* Print `doc` (transfer full) redacted, as every --json output is. */
void es_render_json(cJSON *doc);
/* export (export.c): the platform's settings of this customer and
 * environment, by the mapping `target` (a name in etc/platforms, or a
 * path), written to `dir`; an es_exit code. */
int es_run_export(struct es_run *run, const char *target, const char *dir);
/* graph (graph_dot.c): the task graph as Graphviz DOT; an es_exit code. */
int es_render_graph(struct es_run *run);
/* status --output PLUGIN.NAME: the value in full; an es_exit code. */
int es_render_output(struct es_run *run, const char *name);
/* A task starts, reports progress (a plugin's step `message`, or the
 * core's `poll` count), ends: the event stream and the live lines hear of
 * it; its end is printed (text) once the runner recorded its result. */
void es_render_node_start(struct es_run *run, const struct es_node *n);
void es_render_node_progress(struct es_run *run, const struct es_node *n,
                             const char *message, unsigned poll);
void es_render_node_result(struct es_run *run, const struct es_node *n,
                           double seconds);
void es_render_apply_summary(struct es_run *run);

/* report.c: the checklist as `format` "md" (NULL: the default), "html"
 * or "json"; an es_exit code. */
int es_run_report(struct es_run *run, const char *format, FILE *out);

#endif
