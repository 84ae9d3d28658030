/*
 * Executing a run (runner.h). A small pool of worker threads takes ready
 * nodes in checklist order, under the global limit (--parallelism) and
 * each plugin's limit (max_concurrency; 1 unless the plugin is
 * thread-safe). A node is ready when every dependency has finished; it is
 * blocked when one finished without being done. A long-running task
 * between two polls gives its worker and its plugin's slot back and is
 * queued again for its due time: idle workers wait on run->changed until
 * the earliest one, so waiting wakes no thread.
 */
#include "runner.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host_tables.h"
#include "jobserver.h"
#include "live.h"
#include "log.h"
#include "plan_file.h"
#include "plugin_proxy.h"
#include "refs_run.h"
#include "sleep.h"

#define RETRY_ATTEMPTS 5
#define DEFAULT_POLL_MS 5000
#define DEFAULT_TASK_TIMEOUT_S 1800

uint32_t es_max_poll_ms = 60000;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall-clock seconds, for what is recorded: the report's timeline. */
static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cancelled(struct es_run *run)
{
	return run->opt.cancelled && *run->opt.cancelled;
}

static void wait_changed_until(struct es_run *run, double due);

static int run_cancelled(void *run)
{
	return cancelled(run);
}

/* A retry's wait. While the workers run, a timed wait that a signal
 * interrupts (run_all); otherwise (teardown, one task at a time) one that
 * the signal handler's es_wake_sleepers ends. */
static void sleep_ms(struct es_run *run, uint32_t ms)
{
	double due = now_s() + ms / 1000.0;

	if (run->signals_watched) {
		pthread_mutex_lock(&run->lock);
		while (!cancelled(run) && now_s() < due)
			wait_changed_until(run, due);
		pthread_mutex_unlock(&run->lock);
		return;
	}
	es_sleep_cancellable(ms, run_cancelled, run);
}

/* ---- set-up ---------------------------------------------------------- */

/* isolation = "process" for this plugin: as its block says, else as
 * ENVSETUP_TEST_ISOLATION says (the test suite's way to run everything in
 * one mode), else in-process for the plugins of the install's (or build
 * tree's) own directory and in a process for any other. */
static int isolated(const struct es_run *run, const struct es_plugin_conf *pc)
{
	const char *forced = getenv("ENVSETUP_TEST_ISOLATION");

	if (pc->isolation != ES_ISOLATION_DEFAULT)
		return pc->isolation == ES_ISOLATION_PROCESS;
	if (forced && *forced)
		return strcmp(forced, "process") == 0;
	return !es_plugin_dir_is_bundled(run->reg->dir);
}

static int setup_instance(struct es_run *run, struct es_instance *inst,
                          const struct es_plugin *p, struct es_plugin_conf *pc)
{
	const struct es_plugin_descriptor *d = p->desc;
	struct es_http_settings hs = {0};
	uint32_t conc = d->max_concurrency ? d->max_concurrency : 1;

	inst->run = run;
	inst->plugin = p;
	inst->conf = pc;
	pthread_mutex_init(&inst->lock, NULL);
	/* The operator may lower what the plugin promised, never raise it:
	 * above its max_concurrency its task functions may not overlap. */
	if (pc->max_concurrency > 0 && (uint32_t)pc->max_concurrency < conc)
		conc = (uint32_t)pc->max_concurrency;
	if (isolated(run, pc)) {
		struct es_proc_limits lim = {
		    .call_timeout_ms = pc->task_timeout_ms,
		    .memory_mb = pc->memory_limit_mb,
		    .cpu_s = pc->cpu_limit_s,
		};

		/* One process holds the instance: its calls take turns. */
		conc = 1;
		inst->proc = es_proc_new(p, &lim);
		if (!inst->proc)
			return -1;
	}
	inst->max_concurrency = conc;
	inst->http = calloc(conc, sizeof(*inst->http));
	inst->http_in_use = calloc(conc, sizeof(*inst->http_in_use));
	if (!inst->http || !inst->http_in_use)
		return -1;
	hs.plugin = p->name;
	hs.ca_file = pc->ca_file;
	hs.timeout_ms =
	    pc->http_timeout_ms > 0 ? (uint32_t)pc->http_timeout_ms : 0;
	hs.rate_limit_per_min = pc->rate_limit_per_min >= 0
	                            ? (uint32_t)pc->rate_limit_per_min
	                            : d->rate_limit_per_min;
	hs.trace = es_log_verbosity() >= 3;
	for (uint32_t i = 0; i < conc; i++) {
		inst->http[i] = es_http_client_new(&hs);
		if (!inst->http[i])
			return -1;
	}
	return 0;
}

static struct es_http_client *take_http(struct es_instance *inst, int *slot)
{
	struct es_http_client *c = NULL;

	pthread_mutex_lock(&inst->lock);
	for (uint32_t i = 0; i < inst->max_concurrency && !c; i++) {
		if (!inst->http_in_use[i]) {
			inst->http_in_use[i] = 1;
			c = inst->http[i];
			*slot = (int)i;
		}
	}
	pthread_mutex_unlock(&inst->lock);
	return c;
}

static void give_http(struct es_instance *inst, int slot)
{
	pthread_mutex_lock(&inst->lock);
	if (slot >= 0)
		inst->http_in_use[slot] = 0;
	pthread_mutex_unlock(&inst->lock);
}

static void print_call_diags(const struct es_call *call)
{
	for (size_t i = 0; i < call->diags.count; i++) {
		const struct es_diag_entry *e = &call->diags.items[i];

		if (e->file && e->line)
			es_log(ES_LOG_ERROR, call->prefix, "%s:%d: %s: %s",
			       e->file, e->line, e->where ? e->where : "",
			       e->message);
		else
			es_log(ES_LOG_ERROR, call->prefix, "%s", e->message);
	}
}

/* create() and validate() every instance before any task runs. */
static int create_instances(struct es_run *run)
{
	int rc = ES_EXIT_OK;

	for (size_t i = 0; i < run->n_instances; i++) {
		struct es_instance *inst = &run->instances[i];
		const struct es_plugin_ops *ops = inst->plugin->desc->ops;
		struct es_call call;
		struct es_ctx ctx = {.struct_size = sizeof(ctx),
		                     .host = &es_host_table,
		                     .call = &call};
		enum es_status st = ES_OK;
		int slot = -1;

		es_call_init(&call, inst, NULL);
		call.http = take_http(inst, &slot);
		if (inst->proc) {
			st = es_proc_create(inst->proc, &call, 1);
		} else {
			if (ES_OPS_HAS(ops, create))
				st = ops->create(&ctx, &inst->state);
			inst->created = st == ES_OK;
			ctx.instance = inst->state;
			if (st == ES_OK && ES_OPS_HAS(ops, validate))
				st = ops->validate(&ctx);
		}
		give_http(inst, slot);
		if (st != ES_OK) {
			print_call_diags(&call);
			if (call.diags.count == 0)
				es_log(ES_LOG_ERROR, call.prefix,
				       "the plugin refused its configuration");
			rc = ES_EXIT_INPUT;
		}
		es_call_release(&call);
	}
	return rc;
}

int es_run_open(struct es_run *run, struct es_config *cfg,
                const struct es_registry *reg, const struct es_run_options *opt,
                enum es_state_mode state_mode, int instances)
{
	struct es_diags d = {0};
	char err[512] = "";
	size_t n = 0;

	memset(run, 0, sizeof(*run));
	run->cfg = cfg;
	run->reg = reg;
	run->opt = *opt;
	pthread_mutex_init(&run->lock, NULL);
	{
		/* Timed waits (polls due) on the monotonic clock. */
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&run->changed, &ca);
		pthread_condattr_destroy(&ca);
	}
	run->env = es_config_env(cfg, opt->env);
	if (!run->env) {
		es_log(ES_LOG_ERROR, NULL, "%s: no environment '%s'", cfg->path,
		       opt->env);
		return ES_EXIT_INPUT;
	}
	if (state_mode != ES_STATE_NONE) {
		struct es_state_where where;
		char *conn;
		enum es_state_error se = ES_STATE_IO;

		if (es_state_where_of(cfg, opt->state_dir, &where, &conn, err,
		                      sizeof(err)) == 0)
			se = es_state_open_at(&where, cfg->customer_id,
			                      opt->env, opt->lock_wait_s,
			                      state_mode != ES_STATE_LOCKED_RW,
			                      &run->state, err, sizeof(err));
		es_state_where_free(conn);
		if (se != ES_STATE_OK) {
			es_log(ES_LOG_ERROR, NULL, "%s", err);
			return se == ES_STATE_LOCKED ? ES_EXIT_LOCKED
			                             : ES_EXIT_INPUT;
		}
		if (es_run_open_secrets(run, cfg, state_mode) < 0)
			return ES_EXIT_INPUT;
	}
	for (size_t i = 0; i < cfg->n_plugins; i++)
		n += cfg->plugins[i].enabled;
	run->instances = calloc(n ? n : 1, sizeof(*run->instances));
	if (!run->instances)
		return ES_EXIT_INPUT;
	for (size_t i = 0; i < cfg->n_plugins; i++) {
		struct es_plugin_conf *pc = &cfg->plugins[i];
		const struct es_plugin *p;

		if (!pc->enabled)
			continue;
		p = es_registry_find(reg, pc->name);
		if (!p)
			continue; /* reported when the config was bound */
		if (setup_instance(run, &run->instances[run->n_instances++], p,
		                   pc) < 0) {
			es_log(ES_LOG_ERROR, pc->name, "out of memory");
			return ES_EXIT_INPUT;
		}
	}
	if (es_graph_build(run, &d) || es_graph_select(run, &d)) {
		es_diags_print(&d, stderr);
		es_diags_clear(&d);
		return ES_EXIT_INPUT;
	}
	/* Without a state (check), instances are made for validate() only,
	 * which is offline by contract. */
	if (instances)
		return create_instances(run);
	return ES_EXIT_OK;
}

void es_run_keep_counts(struct es_run *run, cJSON *counts)
{
	cJSON_Delete(run->counts);
	run->counts = counts;
}

void es_run_close(struct es_run *run)
{
	es_run_keep_counts(run, NULL);
	for (size_t i = 0; i < run->n_instances; i++) {
		struct es_instance *inst = &run->instances[i];

		const struct es_plugin_ops *ops = inst->plugin->desc->ops;

		if (inst->created && ES_OPS_HAS(ops, destroy_instance))
			ops->destroy_instance(inst->state);
		es_proc_free(inst->proc);
		for (uint32_t h = 0; inst->http && h < inst->max_concurrency;
		     h++)
			es_http_client_free(inst->http[h]);
		free(inst->http);
		free(inst->http_in_use);
		for (size_t s = 0; s < inst->n_secrets; s++) {
			es_wipe(inst->secrets[s].value,
			        strlen(inst->secrets[s].value));
			free(inst->secrets[s].value);
			free(inst->secrets[s].name);
		}
		free(inst->secrets);
		for (size_t s = 0; s < inst->n_retired; s++) {
			es_wipe(inst->retired[s], strlen(inst->retired[s]));
			free(inst->retired[s]);
		}
		free(inst->retired);
		pthread_mutex_destroy(&inst->lock);
	}
	free(run->instances);
	es_graph_free(run);
	if (run->state)
		es_state_close(run->state);
	pthread_mutex_destroy(&run->lock);
	pthread_cond_destroy(&run->changed);
	memset(run, 0, sizeof(*run));
}

/* ---- one node --------------------------------------------------------- */

/* The diagnostics of a call joined into one message (malloc'd). */
static char *diags_text(const struct es_call *call, const char *fallback)
{
	size_t len = 1;
	char *out;

	for (size_t i = 0; i < call->diags.count; i++)
		len += strlen(call->diags.items[i].message) + 2;
	if (call->diags.count == 0)
		return strdup(fallback);
	out = calloc(1, len);
	for (size_t i = 0; out && i < call->diags.count; i++) {
		if (i)
			strcat(out, "; ");
		strcat(out, call->diags.items[i].message);
	}
	return out;
}

static void finish(struct es_node *n, enum es_task_state st, char *message)
{
	/* Shown on the terminal and kept in the state: a provider's text
	 * carries no escape sequence there. */
	es_text_printable(message);
	n->result = st;
	free(n->message);
	n->message = message;
}

/* Required keys the task needs that have no answer yet. */
static char *unanswered_needs(const struct es_node *n)
{
	char buf[512] = "";

	for (const char *const *k = n->task->needs; k && *k; k++) {
		if (es_config_unanswered(n->inst->conf, *k)) {
			if (*buf)
				strncat(buf, ", ",
				        sizeof(buf) - strlen(buf) - 1);
			strncat(buf, *k, sizeof(buf) - strlen(buf) - 1);
		}
	}
	if (!*buf)
		return NULL;
	{
		char *msg = malloc(strlen(buf) + 64);

		if (msg)
			sprintf(msg, "unanswered: %s (see envsetup check)",
			        buf);
		return msg;
	}
}

static void run_manual(struct es_run *run, struct es_node *n)
{
	char *by = es_state_confirmation(run->state, n->ref);

	if (by) {
		size_t len = strlen(by) + 16;
		char *msg = malloc(len);

		if (msg)
			snprintf(msg, len, "confirmed by %s", by);
		free(by);
		finish(n, ES_TS_DONE, msg);
	} else {
		finish(n, ES_TS_WAITING,
		       strdup(n->question ? n->question : ""));
	}
}

/*
 * A task plan() finds in place that the state does not record done: apply
 * will run it to record what the provider holds (ids, outputs), or to
 * finish what an interrupted or failed run began. Gates and tasks blocked
 * by one are left to status: apply runs them when they can go on.
 */
static void add_resume_change(struct es_run *run, struct es_node *n,
                              enum es_task_state prev)
{
	const char *why = NULL;
	cJSON *c;

	/* A read-only task has nothing to record: apply just ticks it. */
	if (!(n->task->flags & (ES_TASK_MUTATING | ES_TASK_LONG_RUNNING)))
		return;
	if (es_state_interrupted(run->state, n->ref))
		why = "the last run stopped during a change request";
	else if (prev == ES_TS_PENDING)
		why = "not recorded in the state: apply records what the "
		      "provider holds";
	else if (prev == ES_TS_IN_PROGRESS)
		why = "the last run stopped while it was in progress";
	else if (prev == ES_TS_FAILED)
		why = "the last apply failed here";
	else if (prev == ES_TS_BLOCKED)
		why = "the last apply did not reach it";
	if (!why || !(c = cJSON_CreateObject()))
		return;
	cJSON_AddStringToObject(c, "action", "resume");
	cJSON_AddStringToObject(c, "kind", "task");
	cJSON_AddStringToObject(c, "name", n->task->id);
	cJSON_AddStringToObject(c, "detail", why);
	cJSON_AddItemToArray(n->changes, c);
}

/*
 * plan: the task planned, so its result is what the state says, except
 * that a failure or block of the last apply is not the plan's: the task is
 * pending (its changes are shown) and the stored reason goes with it.
 */
static void finish_planned(struct es_run *run, struct es_node *n,
                           enum es_task_state prev)
{
	char *last = NULL, *msg = NULL;

	if (prev != ES_TS_FAILED && prev != ES_TS_BLOCKED) {
		finish(n, prev, NULL);
		return;
	}
	es_state_task_get(run->state, n->ref, &last, NULL);
	if (asprintf(&msg, "last apply: %s%s%s", es_task_state_name(prev),
	             last && *last ? ": " : "", last ? last : "") < 0)
		msg = NULL;
	free(last);
	finish(n, ES_TS_PENDING, msg);
}

/* The node's task in its plugin's task order: how a plugin process, which
 * loaded the plugin itself, names it. */
static size_t task_index(const struct es_node *n)
{
	const struct es_plugin *p = n->inst->plugin;
	size_t i = 0;

	while (i < p->n_tasks && p->tasks[i] != n->task)
		i++;
	return i;
}

/* The task is about to wait `wait_ms` (a poll's interval or a retry's
 * back-off): kept for the report's timeline. */
static void note_wait(struct es_node *n, uint32_t wait_ms)
{
	double from = wall_s(), to = from + wait_ms / 1000.0;

	n->waited_s += wait_ms / 1000.0;
	if (n->n_waits < ES_TASK_WAITS)
		n->n_waits++;
	else
		from = n->waits[ES_TASK_WAITS - 1][0];
	n->waits[n->n_waits - 1][0] = from;
	n->waits[n->n_waits - 1][1] = to;
}

/* The task's function in `phase` with the core's retries for ES_RETRY
 * ("call me again later"). */
static enum es_status call_with_retry(struct es_run *run, struct es_node *n,
                                      enum es_phase phase, struct es_call *call)
{
	struct es_ctx ctx = {
	    .struct_size = sizeof(ctx),
	    .host = &es_host_table,
	    .call = call,
	    .phase = phase,
	    .instance = n->inst->state,
	    .task = n->task,
	};
	enum es_status st = ES_RETRY;

	for (int attempt = 1; attempt <= RETRY_ATTEMPTS && !cancelled(run);
	     attempt++) {
		uint32_t wait;

		es_diags_clear(&call->diags);
		call->retry_after_ms = 0;
		call->transport_gave_up = 0;
		call->phase = phase;
		call->invocation++;
		st = n->inst->proc ? es_proc_run_task(n->inst->proc, call,
		                                      task_index(n), phase)
		                   : n->task->run(&ctx);
		if (st == ES_RETRY && call->transport_gave_up)
			return ES_FAILED; /* one retry layer: HTTP's */
		if (st != ES_RETRY)
			return st;
		wait = call->retry_after_ms ? call->retry_after_ms
		                            : 500u << (attempt - 1);
		if (wait > es_max_poll_ms)
			wait = es_max_poll_ms;
		if (attempt < RETRY_ATTEMPTS) {
			es_log(ES_LOG_WARNING, call->prefix,
			       "transient failure, retrying in %u ms (%d/%d)",
			       wait, attempt, RETRY_ATTEMPTS);
			note_wait(n, wait);
			sleep_ms(run, wait);
		}
	}
	return st;
}

/* Where a long-running task is in its polling. */
struct poll_progress {
	enum es_phase phase;
	double due;      /* monotonic s: when to call it again */
	double deadline; /* its timeout */
	uint32_t timeout_s;
	unsigned polls;
};

/* A task between two polls (apply): its call, kept while it waits
 * without a worker or a plugin slot (run.h: es_node.wait). */
struct es_task_wait {
	struct es_call call;
	struct poll_progress poll;
	int slot; /* its HTTP client while it runs, -1 while it waits */
};

static void poll_start(const struct es_node *n, enum es_phase phase,
                       struct poll_progress *p)
{
	memset(p, 0, sizeof(*p));
	p->phase = phase;
	p->timeout_s =
	    n->task->timeout_s ? n->task->timeout_s : DEFAULT_TASK_TIMEOUT_S;
	p->deadline = now_s() + p->timeout_s;
}

/* apply() (or destroy) once. *again: still in progress, call it again at
 * p->due; otherwise the task's final status. */
static enum es_status poll_once(struct es_run *run, struct es_node *n,
                                struct es_call *call, struct poll_progress *p,
                                int *again)
{
	enum es_status st = call_with_retry(run, n, p->phase, call);
	uint32_t wait;

	*again = 0;
	if (st != ES_IN_PROGRESS)
		return st;
	es_call_reads_stop(call);
	/* Polling on without the state knowing the work started would lose
	 * it to a kill. */
	if (p->polls == 0 &&
	    es_state_task_set(run->state, n->ref, ES_TS_IN_PROGRESS,
	                      "started") < 0) {
		es_diags_add(&call->diags, NULL, 0, call->prefix, "%s",
		             es_state_write_error());
		return ES_FAILED;
	}
	if (now_s() > p->deadline) {
		es_diags_add(&call->diags, NULL, 0, call->prefix,
		             "still in progress after %u s; run apply again to "
		             "keep waiting",
		             p->timeout_s);
		return ES_FAILED;
	}
	if (cancelled(run))
		return ES_RETRY;
	wait = call->retry_after_ms ? call->retry_after_ms : DEFAULT_POLL_MS;
	if (wait > es_max_poll_ms)
		wait = es_max_poll_ms;
	p->polls++;
	es_log(ES_LOG_INFO, call->prefix,
	       "in progress (poll %u), next in %u ms", p->polls, wait);
	note_wait(n, wait);
	es_render_node_progress(run, n, NULL, p->polls);
	p->due = now_s() + wait / 1000.0;
	*again = 1;
	return st;
}

/* apply() (or destroy) until done, waiting here between polls: for the
 * teardown runner, which runs one task at a time anyway. */
static enum es_status apply_until_done(struct es_run *run, struct es_node *n,
                                       enum es_phase phase,
                                       struct es_call *call)
{
	struct poll_progress p;

	poll_start(n, phase, &p);
	for (;;) {
		int again;
		enum es_status st = poll_once(run, n, call, &p, &again);
		double left = p.due - now_s();

		if (!again)
			return st;
		if (left > 0)
			sleep_ms(run, (uint32_t)(left * 1000.0 + 0.5));
	}
}

/*
 * The values the task reads from other plugins' outputs (refs.c), before
 * it is called. An output not published yet: plan records the task as
 * "(known after apply)" without calling it (planned as unknown, not
 * skipped); apply ran the producer first, so there it is a failure.
 * Returns 1 when the node is finished here.
 */
static int resolve_refs(struct es_run *run, struct es_node *n,
                        struct es_call *call, int mode_apply,
                        enum es_task_state prev)
{
	cJSON *unknown = cJSON_CreateArray();
	int rc = es_refs_resolve(call, unknown);

	if (rc > 0 && !mode_apply) {
		n->changes = unknown;
		finish_planned(run, n, prev);
		return 1;
	}
	if (rc > 0)
		es_diags_add(
		    &call->diags, NULL, 0, call->prefix,
		    "%s is not published yet (read by %s)",
		    cJSON_GetObjectItem(cJSON_GetArrayItem(unknown, 0), "name")
		        ->valuestring,
		    cJSON_GetObjectItem(cJSON_GetArrayItem(unknown, 0), "kind")
		        ->valuestring);
	cJSON_Delete(unknown);
	if (rc != 0)
		finish(n, ES_TS_FAILED, diags_text(call, "reference failed"));
	return rc != 0;
}

static void release_task(struct es_node *n, struct es_task_wait *w)
{
	if (n->result == ES_TS_FAILED)
		print_call_diags(&w->call);
	give_http(n->inst, w->slot);
	es_call_release(&w->call);
	free(w);
}

/* After apply: verify, and the task's result. */
static void finish_task(struct es_run *run, struct es_node *n,
                        struct es_task_wait *w, enum es_status st)
{
	struct es_call *call = &w->call;

	if (st == ES_NEEDS_PERSON) {
		finish(n, ES_TS_WAITING,
		       strdup(call->question
		                  ? call->question
		                  : "a person must act (no question given)"));
	} else {
		if (st == ES_OK) {
			es_diags_clear(&call->diags);
			/* After an apply, verify reads the provider: even one
			 * that wrote nothing may have found an operation of an
			 * earlier run completed meanwhile. */
			if (w->poll.phase == ES_PHASE_APPLY)
				es_call_reads_forget(call);
			st = call_with_retry(run, n, ES_PHASE_VERIFY, call);
		}
		if (st == ES_OK)
			finish(n, ES_TS_DONE,
			       cJSON_GetArraySize(n->changes)
			           ? strdup("changed")
			           : strdup("no changes"));
		else
			finish(n, ES_TS_FAILED,
			       diags_text(call, cancelled(run) ? "interrupted"
			                                       : "failed"));
	}
	release_task(n, w);
}

/* One apply() of a task that is applying; returns its wait when it is
 * still in progress, after giving its HTTP client back, or NULL when it
 * finished. */
static struct es_task_wait *poll_task(struct es_run *run, struct es_node *n,
                                      struct es_task_wait *w)
{
	int again;
	enum es_status st = poll_once(run, n, &w->call, &w->poll, &again);

	if (again) {
		give_http(n->inst, w->slot);
		w->slot = -1;
		w->call.http = NULL;
		return w;
	}
	finish_task(run, n, w, st);
	return NULL;
}

/* A waiting task's due time came (or the run was cancelled, and then it
 * is closed as interrupted without calling the plugin). */
static struct es_task_wait *resume_task(struct es_run *run, struct es_node *n,
                                        struct es_task_wait *w)
{
	if (cancelled(run)) {
		finish_task(run, n, w, ES_RETRY);
		return NULL;
	}
	w->call.http = take_http(n->inst, &w->slot);
	return poll_task(run, n, w);
}

/* Plan, then (apply) apply and verify. Returns the task's wait when it is
 * in progress between two polls (resume_task goes on), else NULL. */
static struct es_task_wait *run_task(struct es_run *run, struct es_node *n,
                                     int mode_apply)
{
	struct es_task_wait *w;
	struct es_call *call;
	enum es_task_state prev;
	enum es_status st;
	char *unanswered, *why = NULL;

	if (n->task->flags & ES_TASK_MANUAL) {
		run_manual(run, n);
		return NULL;
	}
	unanswered = unanswered_needs(n);
	if (unanswered) {
		finish(n, ES_TS_BLOCKED, unanswered);
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		finish(n, ES_TS_FAILED, strdup("out of memory"));
		return NULL;
	}
	call = &w->call;
	es_call_init(call, n->inst, n);
	w->slot = -1;
	call->http = take_http(n->inst, &w->slot);
	if (mode_apply && es_state_interrupted(run->state, n->ref))
		es_log(ES_LOG_WARNING, call->prefix,
		       "the last run stopped during a change request of this "
		       "task; the plugin looks up what it may have made before "
		       "creating anything");
	prev = es_state_task_get(run->state, n->ref, NULL, NULL);
	if (resolve_refs(run, n, call, mode_apply, prev))
		goto out;
	st = call_with_retry(run, n, ES_PHASE_PLAN, call);
	if (st == ES_OK) {
		n->changes =
		    call->changes ? call->changes : cJSON_CreateArray();
		call->changes = NULL;
		if (cJSON_GetArraySize(n->changes) == 0)
			add_resume_change(run, n, prev);
	}
	/* apply FILE: what was not reviewed is not done. */
	if (st == ES_OK && mode_apply && run->opt.saved_plan &&
	    !es_saved_plan_covers(run->opt.saved_plan, run, n, &why)) {
		n->stale = 1;
		finish(n, ES_TS_FAILED, why ? why : strdup("plan changed"));
		goto out;
	}
	if (st != ES_OK || !mode_apply) {
		if (st != ES_OK)
			finish(n, ES_TS_FAILED,
			       diags_text(call, "plan failed"));
		else
			finish_planned(run, n, prev);
		goto out;
	}
	/* What the provider holds may be ahead of the state (a run killed
	 * after a create and before its id was recorded, a lost state
	 * directory): plan then finds it "in place", but only apply records
	 * it. So every task not recorded done goes through apply. */
	if (cJSON_GetArraySize(n->changes) > 0 || prev != ES_TS_DONE) {
		poll_start(n, ES_PHASE_APPLY, &w->poll);
		return poll_task(run, n, w);
	}
	finish_task(run, n, w, ES_OK);
	return NULL;
out:
	release_task(n, w);
	return NULL;
}

/* The task failed to be recorded: say why, after what it said itself. */
static void fail_on_state_write(struct es_node *n)
{
	const char *why = es_state_write_error();
	char *msg = NULL;

	if (n->result == ES_TS_FAILED && n->message && strstr(n->message, why))
		return;
	if (n->result == ES_TS_FAILED && n->message &&
	    asprintf(&msg, "%s; %s", n->message, why) < 0)
		msg = NULL;
	finish(n, ES_TS_FAILED, msg ? msg : strdup(why));
}

void es_node_record(struct es_run *run, struct es_node *n,
                    unsigned long writes_failed_before)
{
	if (n->result == ES_TS_DONE || n->result == ES_TS_REMOVED ||
	    n->result == ES_TS_KEPT)
		es_state_interrupted_clear(run->state, n->ref);
	struct es_task_timing t = {run->apply_started, n->ran_at,  wall_s(),
	                           n->waited_s,        n->n_waits, {{0}}};

	memcpy(t.waits, n->waits, sizeof(t.waits));

	if (es_state_write_failures() != writes_failed_before)
		fail_on_state_write(n);
	if (es_state_task_set_timed(run->state, n->ref, n->result, n->message,
	                            n->ran_at > 0 ? &t : NULL) < 0)
		fail_on_state_write(n);
}

/* ---- scheduling -------------------------------------------------------- */

struct worker_ctx {
	struct es_run *run;
	int mode_apply;
};

/* A dependency outside the selection counts as done when the state says
 * it is. */
static int dep_state(struct es_run *run, const struct es_node *dep,
                     int *finished)
{
	if (dep->selected) {
		*finished = dep->finished;
		return dep->result == ES_TS_DONE;
	}
	*finished = 1;
	return es_state_task_get(run->state, dep->ref, NULL, NULL) ==
	       ES_TS_DONE;
}

/* A waiting task of a cancelled run, to be closed as interrupted; or
 * NULL. Caller holds run->lock. */
static struct es_node *next_waiting(struct es_run *run)
{
	for (size_t i = run->unfinished_from; i < run->n_nodes; i++)
		if (run->nodes[i].wait)
			return &run->nodes[i];
	return NULL;
}

/* Next runnable node: a waiting task whose poll is due, or one whose
 * dependencies have finished; NULL if none. Marks blocked nodes finished
 * on the way. Caller holds run->lock. *remaining counts unfinished
 * selected nodes; *next_due is the earliest poll not due yet (0: none). */
static struct es_node *next_ready(struct es_run *run, int mode_apply,
                                  size_t *remaining, double *next_due)
{
	double now = now_s();

	*remaining = 0;
	*next_due = 0;
	/* Nodes only ever finish: the scan starts after the finished prefix,
	 * so a long chain (20k manual items) costs linear time, not
	 * quadratic. */
	while (run->unfinished_from < run->n_nodes &&
	       (!run->nodes[run->unfinished_from].selected ||
	        run->nodes[run->unfinished_from].finished))
		run->unfinished_from++;
	for (size_t i = run->unfinished_from; i < run->n_nodes; i++) {
		struct es_node *n = &run->nodes[i];
		int ready = 1, blocked = 0;
		const char *blocker = NULL;

		if (!n->selected || n->finished)
			continue;
		(*remaining)++;
		if (n->wait && n->wait->poll.due > now) {
			if (*next_due == 0 || n->wait->poll.due < *next_due)
				*next_due = n->wait->poll.due;
			continue;
		}
		if (n->started && !n->wait)
			continue;
		for (size_t k = 0; mode_apply && !n->started && k < n->n_deps;
		     k++) {
			const struct es_node *dep = &run->nodes[n->deps[k]];
			int fin, done = dep_state(run, dep, &fin);

			if (!fin)
				ready = 0;
			else if (!done && !blocked) {
				blocked = 1;
				blocker = dep->ref;
			}
		}
		if (blocked) {
			char *msg = malloc(strlen(blocker) + 32);

			if (msg)
				sprintf(msg, "waiting on %s", blocker);
			es_render_node_start(run, n);
			finish(n, ES_TS_BLOCKED, msg);
			n->started = n->finished = 1;
			es_node_record(run, n, es_state_write_failures());
			es_render_node_result(run, n, 0);
			pthread_cond_broadcast(&run->changed);
			(*remaining)--;
			continue;
		}
		if (!ready)
			continue;
		if (n->inst && n->inst->busy >= n->inst->max_concurrency)
			continue;
		return n;
	}
	return NULL;
}

/* Until `due` (monotonic s), or until something changes. */
static void wait_changed_until(struct es_run *run, double due)
{
	struct timespec ts;

	if (due <= 0) {
		pthread_cond_wait(&run->changed, &run->lock);
		return;
	}
	ts.tv_sec = (time_t)due;
	ts.tv_nsec = (long)((due - (double)ts.tv_sec) * 1e9);
	pthread_cond_timedwait(&run->changed, &run->lock, &ts);
}

/*
 * Several customers at once (customers.c): a plugin task runs holding one
 * of the invocation's tokens (jobserver.h), taken here and given back when
 * it ends or starts waiting between two polls, with its worker and plugin
 * slot. Closing a waiting task of a cancelled run calls no plugin and
 * needs none. 0 when cancelled while waiting for a token; *held says
 * whether give_token() has one to give back. Without lock.
 */
static int take_token(struct es_run *run, const struct es_node *n,
                      const struct es_task_wait *waiting, int *held)
{
	*held = 0;
	if (!n->inst || (waiting && cancelled(run)))
		return 1;
	if (es_jobserver_take() < 0)
		return waiting != NULL;
	*held = 1;
	es_jobserver_task_running(1);
	return 1;
}

static void give_token(int held)
{
	if (!held)
		return;
	es_jobserver_task_running(-1);
	es_jobserver_give();
}

static void *worker(void *arg)
{
	struct worker_ctx *w = arg;
	struct es_run *run = w->run;

	pthread_mutex_lock(&run->lock);
	for (;;) {
		size_t remaining;
		double next_due;
		struct es_node *n;
		struct es_task_wait *waiting;
		int token;

		if (cancelled(run)) {
			n = next_waiting(run);
			if (!n)
				break;
		} else {
			n = next_ready(run, w->mode_apply, &remaining,
			               &next_due);
			if (!n) {
				if (remaining == 0)
					break;
				wait_changed_until(run, next_due);
				continue;
			}
		}
		waiting = n->wait;
		n->wait = NULL;
		if (!waiting) {
			n->started = 1;
			n->started_at = now_s();
			n->writes_failed_at = es_state_write_failures();
			if (w->mode_apply)
				n->ran_at = wall_s();
		}
		if (n->inst)
			n->inst->busy++;
		pthread_mutex_unlock(&run->lock);

		if (!take_token(run, n, waiting, &token)) {
			/* Cancelled before it ran: it never started. */
			pthread_mutex_lock(&run->lock);
			n->started = 0;
			n->inst->busy--;
			pthread_cond_broadcast(&run->changed);
			continue;
		}
		if (waiting) {
			waiting = resume_task(run, n, waiting);
		} else {
			es_render_node_start(run, n);
			if (n->kind == ES_NODE_MANUAL)
				run_manual(run, n);
			else
				waiting = run_task(run, n, w->mode_apply);
		}
		if (!waiting) {
			n->seconds = now_s() - n->started_at;
			/* plan's end of a task is plan's reading:
			 * es_render_plan. */
			if (w->mode_apply) {
				es_node_record(run, n, n->writes_failed_at);
				es_render_node_result(run, n, n->seconds);
			} else {
				es_live_task_end(n);
			}
		}

		give_token(token);
		pthread_mutex_lock(&run->lock);
		if (waiting)
			n->wait = waiting;
		else
			n->finished = 1;
		if (n->inst)
			n->inst->busy--;
		pthread_cond_broadcast(&run->changed);
	}
	pthread_cond_broadcast(&run->changed);
	pthread_mutex_unlock(&run->lock);
	return NULL;
}

/*
 * SIGINT or SIGTERM while every worker waits on run->changed (all tasks in
 * flight between polls): main.c's handler only sets the flag. So while the
 * workers run, the signals are blocked everywhere but on this thread,
 * which takes them in sigsuspend() and wakes the workers.
 */
static void *watch_signals(void *arg)
{
	struct es_run *run = arg;
	sigset_t open;

	pthread_sigmask(SIG_SETMASK, NULL, &open);
	sigdelset(&open, SIGINT);
	sigdelset(&open, SIGTERM);
	for (;;) {
		sigsuspend(&open); /* the cancellation point of run_all */
		pthread_mutex_lock(&run->lock);
		pthread_cond_broadcast(&run->changed);
		pthread_mutex_unlock(&run->lock);
	}
	return NULL;
}

static void run_all(struct es_run *run, int mode_apply)
{
	unsigned n = run->opt.parallelism ? run->opt.parallelism
	                                  : ES_DEFAULT_PARALLELISM;
	struct worker_ctx ctx = {.run = run, .mode_apply = mode_apply};
	pthread_t threads[64], watcher;
	unsigned started = 0;
	sigset_t stop, before;
	int watching;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, &before);
	watching = pthread_create(&watcher, NULL, watch_signals, run) == 0;
	if (!watching)
		pthread_sigmask(SIG_SETMASK, &before, NULL);
	run->signals_watched = watching;
	if (n > 64)
		n = 64;
	es_live_begin(run);
	for (unsigned i = 1; i < n; i++)
		if (pthread_create(&threads[started], NULL, worker, &ctx) == 0)
			started++;
	worker(&ctx); /* this thread works too */
	for (unsigned i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	es_live_end();
	run->signals_watched = 0;
	if (watching) {
		pthread_cancel(watcher);
		pthread_join(watcher, NULL);
		/* A signal taken meanwhile is delivered here, to main.c. */
		pthread_sigmask(SIG_SETMASK, &before, NULL);
	}
}

int es_run_plan(struct es_run *run)
{
	int changes = 0, failed = 0, rc;

	run_all(run, 0);
	rc = es_render_plan(run, &changes);
	if (rc != ES_EXIT_OK)
		return rc;
	for (size_t i = 0; i < run->n_nodes; i++)
		failed |= run->nodes[i].selected &&
		          run->nodes[i].result == ES_TS_FAILED;
	if (failed)
		return ES_EXIT_FAILED;
	return changes ? ES_EXIT_PENDING : ES_EXIT_OK;
}

int es_run_apply(struct es_run *run)
{
	int failed = 0, pending = 0, stale = 0;

	run->apply_started = wall_s();
	run_all(run, 1);
	es_render_apply_summary(run);
	for (size_t i = 0; i < run->n_nodes; i++) {
		const struct es_node *n = &run->nodes[i];

		if (!n->selected)
			continue;
		failed |= n->result == ES_TS_FAILED;
		pending |= n->result != ES_TS_DONE;
		stale |= n->stale;
	}
	if (cancelled(run)) {
		es_log(ES_LOG_ERROR, NULL,
		       "interrupted: run apply again to resume");
		return ES_EXIT_FAILED;
	}
	if (stale) {
		es_log(ES_LOG_ERROR, NULL,
		       "tasks whose plan changed since the saved plan were not "
		       "applied: run plan again");
		return ES_EXIT_STALE;
	}
	if (failed)
		return ES_EXIT_FAILED;
	return pending ? ES_EXIT_PENDING : ES_EXIT_OK;
}

/* A sign-off comes after what the item depends on: 1 (said) when a
 * dependency is not done. */
static int confirm_waits_on_deps(struct es_run *run, const struct es_node *n)
{
	char waits[1024] = "";

	for (size_t k = 0; k < n->n_deps; k++) {
		const struct es_node *dep = &run->nodes[n->deps[k]];
		enum es_task_state st =
		    es_state_task_get(run->state, dep->ref, NULL, NULL);
		size_t used = strlen(waits);

		if (st != ES_TS_DONE)
			snprintf(waits + used, sizeof(waits) - used,
			         "%s%s (%s)", used ? ", " : "", dep->ref,
			         es_task_state_name(st));
	}
	if (!waits[0])
		return 0;
	es_log(ES_LOG_ERROR, NULL,
	       "%s waits on %s: it can be confirmed once %s done", n->ref,
	       waits, strchr(waits, ',') ? "those are" : "that is");
	return 1;
}

int es_run_confirm(struct es_run *run, const char *ref, const char *by)
{
	struct es_node *n = es_graph_find(run, ref);
	enum es_task_state st;

	if (!n) {
		es_log(ES_LOG_ERROR, NULL,
		       "no task '%s' in this run; manual items are named "
		       "checklist:ID, plugin gates plugin:task",
		       ref);
		return ES_EXIT_INPUT;
	}
	st = es_state_task_get(run->state, ref, NULL, NULL);
	if (n->kind == ES_NODE_PLUGIN_TASK &&
	    !(n->task->flags & ES_TASK_MANUAL) && st != ES_TS_WAITING) {
		es_log(ES_LOG_ERROR, NULL,
		       "%s is not waiting for a person (it is %s); only manual "
		       "items and tasks that asked a question can be confirmed",
		       ref, es_task_state_name(st));
		return ES_EXIT_INPUT;
	}
	if (confirm_waits_on_deps(run, n))
		return ES_EXIT_PENDING;
	if (es_state_confirm(run->state, ref, by) < 0 ||
	    ((n->kind == ES_NODE_MANUAL || (n->task->flags & ES_TASK_MANUAL)) &&
	     es_state_task_set(run->state, ref, ES_TS_DONE, "confirmed") < 0)) {
		es_log(ES_LOG_ERROR, NULL,
		       "could not record the confirmation: %s",
		       es_state_write_error());
		return ES_EXIT_FAILED;
	}
	printf("confirmed %s by %s\n", ref, by);
	return ES_EXIT_OK;
}

/* ---- for the teardown runner (teardown.c) ---------------------------- */

enum es_status es_node_run_phase(struct es_run *run, struct es_node *n,
                                 enum es_phase phase, struct es_call *call)
{
	/* What a task removes may come from another plugin's output (the
	 * records godaddy-ssl published for mailgun): read it as it stands.
	 * One not published (the producer never ran) reads as unset, and
	 * then nothing was published from it either. */
	if (phase == ES_PHASE_PLAN_DESTROY || phase == ES_PHASE_DESTROY) {
		cJSON *unknown = cJSON_CreateArray();
		int rc = es_refs_resolve(call, unknown);

		cJSON_Delete(unknown);
		if (rc < 0)
			return ES_FAILED;
	}
	if (phase == ES_PHASE_APPLY || phase == ES_PHASE_DESTROY)
		return apply_until_done(run, n, phase, call);
	return call_with_retry(run, n, phase, call);
}

struct es_http_client *es_node_take_http(struct es_instance *inst, int *slot)
{
	return take_http(inst, slot);
}

void es_node_give_http(struct es_instance *inst, int slot)
{
	give_http(inst, slot);
}

char *es_call_diags_text(const struct es_call *call, const char *fallback)
{
	return diags_text(call, fallback);
}

void es_call_print_diags(const struct es_call *call)
{
	print_call_diags(call);
}
