/*
 * One run: one customer file x one environment, its plugin instances and
 * its task graph. Several runs may exist in one process (many customers
 * in one invocation); they share only the plugin registry and the
 * process-wide rate limiters.
 */
#ifndef ENVSETUP_CORE_RUN_H
#define ENVSETUP_CORE_RUN_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "diag.h"
#include "http.h"
#include "loader.h"
#include "state.h"
#include "strmap.h"

struct es_run;

struct es_runtime_secret {
	char *name;
	char *value;
};

/* A plugin instance for this run. */
struct es_instance {
	struct es_run *run;
	const struct es_plugin *plugin;
	struct es_plugin_conf *conf;
	void *state; /* what the plugin's create() returned */
	int created;
	uint32_t max_concurrency;
	uint32_t busy;                /* tasks running now */
	struct es_http_client **http; /* pool, max_concurrency entries */
	int *http_in_use;
	struct es_runtime_secret *secrets; /* remembered/generated this run */
	/* isolation = "process": the plugin's own process (plugin_proxy.h);
	 * NULL in-process. */
	struct es_plugin_proc *proc;
	size_t n_secrets;
	/* Values replaced by a later remember: kept (wiped at close) while a
	 * task running beside it may still hold es_instance_secret's pointer
	 * (max_concurrency > 1). */
	char **retired;
	size_t n_retired;
	pthread_mutex_t lock;
};

enum es_node_kind {
	ES_NODE_PLUGIN_TASK, /* a plugin's task (possibly ES_TASK_MANUAL) */
	ES_NODE_MANUAL,      /* a checklist manual item from the config */
};

struct es_node {
	char *ref; /* "mailgun:create_domain", "checklist:vpn" */
	enum es_node_kind kind;
	const struct es_section *section;
	const char *title;
	const char *question; /* manual gates */
	const char *owner;
	struct es_instance *inst;          /* plugin tasks */
	const struct es_task *task;        /* plugin tasks */
	const struct es_manual_item *item; /* checklist manual items */
	size_t *deps;
	size_t n_deps;
	int selected; /* passes --only / --skip */
	/* Filled while running. */
	int started, finished;
	/* apply: a long-running task between two polls holds no worker and
	 * no plugin slot; the runner calls it again at wait->due (runner.c). */
	struct es_task_wait *wait;
	double started_at;
	unsigned long writes_failed_at;
	enum es_task_state result;
	char *message;
	cJSON *changes; /* plan: array of change objects */
	int stale;      /* apply FILE: not applied, its plan changed */
	/* apply: when the task ran and how long it slept in polls and
	 * retries (wall-clock seconds), recorded for the report's timeline */
	double ran_at, waited_s;
	unsigned n_waits; /* and when (es_task_timing.waits) */
	double waits[ES_TASK_WAITS][2];
	double seconds; /* how long its run took */
};

struct es_run_options {
	const char *env;
	const char *const *only; /* NULL-terminated "plugin" or "plugin:task" */
	const char *const *skip;
	unsigned parallelism; /* 0: ES_DEFAULT_PARALLELISM */
	int json;
	int events; /* --output json: events.h */
	int live;   /* live lines on a terminal: live.h */
	int lock_wait_s;
	const char *state_dir; /* override of the file's */
	volatile sig_atomic_t *cancelled;
	const char *plan_out; /* plan --out FILE */
	/* apply FILE: the plan to apply (plan_file.h), or NULL */
	struct es_saved_plan *saved_plan;
};

struct es_run {
	struct es_config *cfg;
	const struct es_registry *reg;
	struct es_run_options opt;
	const struct es_environment *env;
	struct es_state *state;
	struct es_instance *instances;
	size_t n_instances;
	struct es_node *nodes;
	size_t n_nodes, cap_nodes;
	struct es_strmap node_of_ref; /* ref -> index + 1 (graph.c) */
	size_t unfinished_from; /* nodes before it are finished (runner.c) */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	double apply_started; /* wall-clock seconds; 0 outside apply */
	/* The workers run: SIGINT/SIGTERM broadcast `changed` (runner.c). */
	int signals_watched;
	/* plan, apply, destroy: the summary's counts, as --json and the
	 * events print them (es_run_keep_counts); NULL before. */
	cJSON *counts;
};

/* The per-callback context behind the opaque es_call. */
struct es_call {
	struct es_instance *inst;
	struct es_node *node; /* NULL during create/validate */
	char prefix[160];     /* "plugin:task" for logs */
	struct es_diags diags;
	uint32_t retry_after_ms;
	/* A request of this call failed for good in the HTTP service (a read
	 * retried to its limit, or refused by the origin rule): the runner
	 * does not call the task again for ES_RETRY. */
	int transport_gave_up;
	char *question;
	cJSON *changes; /* plan only: where es_plan_api adds */
	struct es_http_client *http;
	char **state_values; /* es_state_api.get results, freed at the end */
	size_t n_state_values;
	/* Values of the task's needs read through output references, as
	 * resolved for this call (refs.c). */
	struct es_refs_call *refs;
	/* Templates read through es_templates_api (host_templates.c). */
	struct es_call_templates *templates;
	/* The phase the task's function runs in, and the answers to its reads
	 * of earlier phases (host_reads.c). */
	enum es_phase phase;
	unsigned invocation; /* counts the calls of the task's function */
	struct es_call_reads *reads;
};

void es_call_init(struct es_call *call, struct es_instance *inst,
                  struct es_node *node);
void es_call_release(struct es_call *call);

/* A read the task already made in an earlier phase with no write since:
 * a copy of its answer, else NULL (the request goes out). A write forgets
 * them all. */
es_http_response *es_call_read_again(es_call *call,
                                     const struct es_http_request *req);
/* Keep the answer to a read for the task's later phases. */
void es_call_read_keep(es_call *call, const struct es_http_request *req,
                       const es_http_response *resp);
/* Time passed (a wait): forget the task's reads. */
void es_call_reads_forget(es_call *call);
/* The task is in progress: forget its reads and keep none from now. */
void es_call_reads_stop(es_call *call);
void es_call_reads_release(es_call *call);

/* Build nodes and edges in checklist order; cycles and unknown
 * dependencies go to d. Returns the number of problems. */
size_t es_graph_build(struct es_run *run, struct es_diags *d);
void es_graph_free(struct es_run *run);
/* Mark nodes by --only/--skip; an unknown name is a problem in d. */
size_t es_graph_select(struct es_run *run, struct es_diags *d);
struct es_node *es_graph_find(struct es_run *run, const char *ref);

/* Resolve {{secret:NAME}} for an instance (transfer none, or NULL). */
const char *es_instance_secret(struct es_instance *inst, const char *name);
/* Add a runtime secret (copied, registered for redaction). */
int es_instance_remember(struct es_instance *inst, const char *name,
                         const char *value);

#endif
