/*
 * isolation = "process": a plugin instance whose callbacks run in a child
 * process. The child is this executable started again with
 * ES_PLUGIN_PROCESS_ARG; it dlopens the plugin itself and hands it a host
 * table whose every function is a message over a socketpair
 * (proxy_wire.h) that the core answers with its own host table, with the
 * call of the task that is running. So HTTP, rate limits, redaction,
 * traces, TLS, the journal, the state and the test hooks all stay in the
 * core, exactly as in-process.
 *
 * A crash, abort(), exit(), an rlimit breach or a callback that does not
 * return within task_timeout fails that callback (ES_FAILED) with a
 * diagnostic naming the cause ("plugin process killed by signal 11
 * (Segmentation fault)"); the child is gone, and the next callback starts
 * a new one, which runs create() again before the task.
 *
 * One child per instance, and its callbacks one at a time: the instance
 * create() made lives in that one process, so tasks that could overlap
 * in-process (max_concurrency > 1) are serialised (runner.c sets the
 * instance's concurrency to 1). Other plugins' tasks run in parallel as
 * before.
 */
#ifndef ENVSETUP_CORE_PLUGIN_PROXY_H
#define ENVSETUP_CORE_PLUGIN_PROXY_H

#include <stdint.h>

#include "envsetup/plugin.h"
#include "loader.h"

/* argv[1] of the child (main.c hands it to es_plugin_process_main). */
#define ES_PLUGIN_PROCESS_ARG "--plugin-process"
/* The child's end of the socketpair, and the plugin file the core checked
 * (loader.h: es_plugin.file_fd), which the child loads. */
#define ES_PLUGIN_PROCESS_FD 3
#define ES_PLUGIN_PROCESS_FILE_FD 4

struct es_proc_limits {
	int64_t call_timeout_ms; /* task_timeout; 0: 30 min */
	int64_t memory_mb;       /* RLIMIT_AS; 0: none */
	int64_t cpu_s;           /* RLIMIT_CPU; 0: none */
};

struct es_plugin_proc;

struct es_plugin_proc *es_proc_new(const struct es_plugin *p,
                                   const struct es_proc_limits *lim);
/* create() (and validate() when `validate`) in a fresh child; ES_OK or
 * the status, the reasons in call's diagnostics. */
enum es_status es_proc_create(struct es_plugin_proc *pp, es_call *call,
                              int validate);
/* Task `task_index` of the plugin (its es_plugin.tasks order) in `phase`.
 * A child that is not running is started, and create() run, first. */
enum es_status es_proc_run_task(struct es_plugin_proc *pp, es_call *call,
                                size_t task_index, enum es_phase phase);
/* destroy_instance() in the child, then end it; frees pp (nullable). */
void es_proc_free(struct es_plugin_proc *pp);

/* The child's side (plugin_proxy_child.c): never returns to main's
 * commands. */
int es_plugin_process_main(int argc, char **argv);

/* The parent's answer to one host call (plugin_proxy_serve.c): 1 with a
 * reply in `out`, 0 for a one-way call, -1 when the call is malformed. */
struct es_wire;
int es_proxy_serve(es_call *call, struct es_wire *in, struct es_wire *out);

/* The child's host table (plugin_proxy_host.c), the release of what a
 * callback read through it, and the socket it talks over. */
extern const struct es_host es_proxy_host_table;
void es_proxy_host_release(void);
void es_proxy_host_init(int fd);

#endif
