/*
 * A plugin that fails the way a buggy one does, for the isolation tests
 * (tests/integration/isolation.sh): `work`'s apply does what `fault` says
 * (segv, abort, exit, hang, cpu, memory) and otherwise records its work.
 * `prepare` records state before it and `independent` runs after it in
 * the same process, so a test can see that a crash loses neither the
 * state nor the rest of the run, and that the process is started again.
 * Built by CMake into the ABI fixture directory, never installed.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envsetup/envsetup.h"

static const char *fault(const struct es_ctx *ctx)
{
	const char *f = ctx->host->config->get_string(ctx->call, "fault");

	return f ? f : "none";
}

static volatile unsigned long spun;

static void fail_as(const struct es_ctx *ctx, const char *f)
{
	/* "go_segv": segfault once the test has done what it must first. */
	const char *go = ctx->host->config->get_string(ctx->call, "go_file");

	if (!strcmp(f, "go_segv"))
		while (go && access(go, F_OK) != 0)
			usleep(10000);
	if (!strcmp(f, "segv") || !strcmp(f, "go_segv"))
		raise(SIGSEGV);
	else if (!strcmp(f, "abort"))
		abort();
	else if (!strcmp(f, "exit"))
		exit(0);
	else if (!strcmp(f, "hang"))
		for (;;)
			pause();
	else if (!strcmp(f, "cpu"))
		for (;;)
			spun++;
	else if (!strcmp(f, "memory"))
		for (;;) {
			char *p = malloc(1u << 20);

			if (!p)
				abort(); /* what most code does on ENOMEM */
			memset(p, 1, 1u << 20);
		}
}

/* A state key the task writes on apply and reads on plan and verify. */
static enum es_status record(const struct es_ctx *ctx, const char *key)
{
	const struct es_host *h = ctx->host;
	int recorded = h->state->get(ctx->call, key) != NULL;

	switch (ctx->phase) {
	case ES_PHASE_PLAN:
		if (!recorded)
			h->plan->change(ctx->call, ES_CHANGE_CREATE, "record",
			                key, NULL);
		return ES_OK;
	case ES_PHASE_APPLY:
		if (!recorded && h->state->put(ctx->call, key, "yes") != 0)
			return ES_FAILED;
		return ES_OK;
	case ES_PHASE_VERIFY:
		return recorded ? ES_OK : ES_FAILED;
	default:
		return ES_UNSUPPORTED;
	}
}

static enum es_status prepare(const struct es_ctx *ctx)
{
	return record(ctx, "prepared");
}

static enum es_status work(const struct es_ctx *ctx)
{
	if (ctx->phase == ES_PHASE_APPLY) {
		/* What a test waits for before it interrupts the run. */
		ctx->host->log->log(ctx->call, ES_LOG_INFO, "failing as: %s",
		                    fault(ctx));
		fail_as(ctx, fault(ctx));
	}
	return record(ctx, "worked");
}

static enum es_status independent(const struct es_ctx *ctx)
{
	return record(ctx, "independent");
}

static enum es_status after(const struct es_ctx *ctx)
{
	return record(ctx, "after");
}

static const struct es_key misbehave_keys[] = {
    ES_KEY(.name = "fault", .type = ES_TYPE_ENUM, .default_value = "none",
           .allowed = ES_LIST("none", "segv", "abort", "exit", "hang", "cpu",
                              "memory", "go_segv"),
           .question = "How should `work` fail?"),
    ES_KEY(.name = "go_file", .type = ES_TYPE_STRING,
           .question = "go_segv: the file whose creation says go"),
    ES_KEYS_END,
};

static const struct es_task misbehave_tasks[] = {
    ES_TASK(.id = "prepare", .title = "Record state before the fault",
            .section = "0", .flags = ES_TASK_MUTATING, .run = prepare),
    ES_TASK(.id = "work", .title = "Fail as `fault` says", .section = "0",
            .depends_on = ES_LIST("prepare"), .needs = ES_LIST("fault"),
            .flags = ES_TASK_MUTATING, .run = work),
    ES_TASK(.id = "independent", .title = "Run after the fault", .section = "0",
            .depends_on = ES_LIST("prepare"), .flags = ES_TASK_MUTATING,
            .run = independent),
    ES_TASK(.id = "after", .title = "Depend on the fault", .section = "0",
            .depends_on = ES_LIST("work"), .flags = ES_TASK_MUTATING,
            .run = after),
    ES_TASKS_END,
};

ES_PLUGIN(misbehave, .name = "misbehave", .version = "0.0.1",
          .description = "Isolation test fixture: crashes, aborts, hangs",
          .keys = misbehave_keys, .tasks = misbehave_tasks)
