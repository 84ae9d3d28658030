/*
 * A plugin process (plugin_proxy.h): this executable started by the core
 * with ES_PLUGIN_PROCESS_ARG, PATH (/proc/self/fd/4: the file the core
 * checked), NAME, MEMORY_MB and CPU_S. It loads the plugin and runs the
 * callbacks the core asks for, one at a time, with the proxy host table; it
 * ends when the core says so or goes away.
 */
#include "plugin_proxy.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "envsetup/host.h"
#include "numbers.h"
#include "proxy_wire.h"

#define CORE_GONE 70
#define BAD_START 71

/* A plugin stuck in a loop outlives a core killed with SIGKILL: end when
 * the core is no longer our parent. */
static void *watch_parent(void *arg)
{
	pid_t parent = (pid_t)(intptr_t)arg;

	for (;;) {
		if (getppid() != parent)
			_exit(CORE_GONE);
		sleep(1);
	}
	return NULL;
}

static void set_limit(int resource, long long value, long long hard_extra)
{
	struct rlimit rl;

	if (value <= 0)
		return;
	/* SIGXCPU at the soft CPU limit, so the core can name it, and the
	 * kernel's SIGKILL one second later for a plugin that ignores it. */
	rl.rlim_cur = (rlim_t)value;
	rl.rlim_max = (rlim_t)(value + hard_extra);
	if (setrlimit(resource, &rl) < 0)
		perror("setrlimit");
}

static void set_signals(void)
{
	/* The operator's Ctrl-C reaches the whole process group: the core
	 * cancels, and the plugin sees it through progress.cancelled(),
	 * exactly as in-process. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* Die by the signal itself, so the core can name it, even when a
	 * sanitizer runtime installed handlers of its own. */
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	signal(SIGFPE, SIG_DFL);
	signal(SIGABRT, SIG_DFL);
	signal(SIGXCPU, SIG_DFL);
}

static void done(int fd, struct es_wire *w, enum es_status st)
{
	es_proxy_host_release();
	es_wire_start(w, ES_C_DONE);
	es_wire_i64(w, st);
	if (es_wire_send(fd, w) < 0)
		_exit(CORE_GONE);
}

static enum es_status create(const struct es_plugin *p, void **instance,
                             int validate)
{
	const struct es_plugin_ops *ops = p->desc->ops;
	es_call *call = (es_call *)&es_proxy_host_table; /* never read */
	struct es_ctx ctx = {.struct_size = sizeof(ctx),
	                     .host = &es_proxy_host_table,
	                     .call = call};
	enum es_status st = ES_OK;

	if (ES_OPS_HAS(ops, create))
		st = ops->create(&ctx, instance);
	ctx.instance = *instance;
	if (st == ES_OK && validate && ES_OPS_HAS(ops, validate))
		st = ops->validate(&ctx);
	return st;
}

static enum es_status run(const struct es_plugin *p, void *instance,
                          int64_t index, int64_t phase)
{
	es_call *call = (es_call *)&es_proxy_host_table; /* never read */
	struct es_ctx ctx = {.struct_size = sizeof(ctx),
	                     .host = &es_proxy_host_table,
	                     .call = call,
	                     .instance = instance};

	if (index < 0 || (size_t)index >= p->n_tasks || !p->tasks[index]->run ||
	    phase < ES_PHASE_PLAN || phase > ES_PHASE_DESTROY)
		return ES_UNSUPPORTED;
	ctx.phase = (enum es_phase)phase;
	ctx.task = p->tasks[index];
	return p->tasks[index]->run(&ctx);
}

int es_plugin_process_main(int argc, char **argv)
{
	const int fd = ES_PLUGIN_PROCESS_FD;
	struct es_plugin p = {0};
	struct es_wire w = {0};
	void *instance = NULL;
	char err[512];
	pthread_t watcher;
	int64_t memory_mib, cpu_s;

	if (argc != 6) {
		fprintf(stderr, "%s: started by the core only\n", argv[0]);
		return BAD_START;
	}
	/* Whatever the core had open without close-on-exec (a connection,
	 * a file) is not the plugin's: above all, not the state's lock,
	 * which must end with the core. */
	closefrom(ES_PLUGIN_PROCESS_FILE_FD + 1);
	if (es_parse_int64(argv[4], &memory_mib) != ES_NUMBER_OK ||
	    es_parse_int64(argv[5], &cpu_s) != ES_NUMBER_OK || memory_mib < 0 ||
	    memory_mib > INT64_MAX / (1024 * 1024) || cpu_s < 0) {
		fprintf(stderr, "%s: limits '%s' and '%s' are not numbers\n",
		        argv[0], argv[4], argv[5]);
		return BAD_START;
	}
	set_signals();
	set_limit(RLIMIT_AS, memory_mib * 1024 * 1024, 0);
	set_limit(RLIMIT_CPU, cpu_s, 1);
	pthread_create(&watcher, NULL, watch_parent,
	               (void *)(intptr_t)getppid());
	pthread_detach(watcher);
	es_proxy_host_init(fd);
	if (es_plugin_open(&p, argv[2], argv[3], err, sizeof(err)) < 0) {
		/* Said as the answer to the core's first request, so the
		 * task's failure gives the reason. */
		if (es_wire_recv(fd, &w, -1) == 1) {
			es_proxy_host_table.diag->error(
			    NULL, NULL,
			    "the plugin does not load in its process: %s", err);
			done(fd, &w, ES_FAILED);
		}
		_exit(BAD_START);
	}
	for (;;) {
		enum es_status st;

		if (es_wire_recv(fd, &w, -1) != 1)
			_exit(CORE_GONE);
		switch (es_wire_op(&w)) {
		case ES_P_CREATE:
			st = create(&p, &instance, (int)es_wire_get_i64(&w));
			done(fd, &w, st);
			break;
		case ES_P_RUN: {
			int64_t index = es_wire_get_i64(&w);
			int64_t phase = es_wire_get_i64(&w);

			done(fd, &w, run(&p, instance, index, phase));
			break;
		}
		case ES_P_DESTROY:
			if (instance &&
			    ES_OPS_HAS(p.desc->ops, destroy_instance))
				p.desc->ops->destroy_instance(instance);
			_exit(0);
		default:
			_exit(BAD_START);
		}
	}
}
