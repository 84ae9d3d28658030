/* The core's side of a plugin process (plugin_proxy.h): starting the
 * child, one callback's exchange under its deadline, and naming how the
 * child ended when it did not answer. */
#include "plugin_proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host_tables.h"
#include "log.h"
#include "proxy_wire.h"
#include "run.h"

extern char **environ;

#define DEFAULT_CALL_TIMEOUT_MS (1800 * 1000)
/* How long a child that closed its end may take to be reaped, and how
 * long destroy_instance() may take at the end of the run. */
#define REAP_GRACE_MS 500
#define DESTROY_GRACE_MS 5000
/* After the operator interrupts the run, how long a callback still has to
 * see progress.cancelled() and return, and how often we look. */
#define CANCEL_GRACE_MS 10000
#define WAIT_SLICE_MS 250

struct es_plugin_proc {
	const struct es_plugin *plugin;
	struct es_proc_limits lim;
	pthread_mutex_t lock;
	pid_t pid; /* 0: no child */
	int fd;
	unsigned starts;
	struct es_wire in, out;
};

struct es_plugin_proc *es_proc_new(const struct es_plugin *p,
                                   const struct es_proc_limits *lim)
{
	struct es_plugin_proc *pp = calloc(1, sizeof(*pp));

	if (!pp)
		return NULL;
	pp->plugin = p;
	pp->lim = *lim;
	pp->fd = -1;
	pthread_mutex_init(&pp->lock, NULL);
	return pp;
}

/* A reason against the call, as the plugin's own diag.error() would. */
#define fail(call, ...) es_host_table.diag->error((call), NULL, __VA_ARGS__)

/* A close-on-exec copy of fd above the numbers the child's are dup2'd to,
 * so neither dup2 overwrites the other's source (nor is a no-op that
 * leaves close-on-exec set); -1 when fd is. */
static int above_child_fds(int fd)
{
	return fd < 0
	           ? -1
	           : fcntl(fd, F_DUPFD_CLOEXEC, ES_PLUGIN_PROCESS_FILE_FD + 1);
}

static int spawn(struct es_plugin_proc *pp, es_call *call)
{
	posix_spawn_file_actions_t fa;
	char memory[32], cpu[32], file[64], exe[PATH_MAX];
	char *argv[] = {"envsetup-plugin",
	                ES_PLUGIN_PROCESS_ARG,
	                file,
	                pp->plugin->name,
	                memory,
	                cpu,
	                NULL};
	int sv[2], child_fd, file_fd = -1, rc;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		fail(call, "cannot start the plugin process: %s",
		     strerror(errno));
		return -1;
	}
	child_fd = above_child_fds(sv[1]);
	close(sv[1]);
	/* The file the loader checked and still holds open, not whatever
	 * the path names by now. */
	if (pp->plugin->file_fd > STDERR_FILENO) {
		file_fd = above_child_fds(pp->plugin->file_fd);
		snprintf(file, sizeof(file), "/proc/self/fd/%d",
		         ES_PLUGIN_PROCESS_FILE_FD);
	} else {
		snprintf(file, sizeof(file), "%s", pp->plugin->path);
	}
	/* This very build, by the name the kernel (or a tool such as
	 * valgrind, which answers for its guest) gives it. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	snprintf(memory, sizeof(memory), "%lld", (long long)pp->lim.memory_mb);
	snprintf(cpu, sizeof(cpu), "%lld", (long long)pp->lim.cpu_s);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, child_fd, ES_PLUGIN_PROCESS_FD);
	if (file_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, file_fd,
		                                 ES_PLUGIN_PROCESS_FILE_FD);
	rc =
	    child_fd < 0 || (pp->plugin->file_fd > STDERR_FILENO && file_fd < 0)
	        ? EMFILE
	    : n <= 0 ? ENOENT
	             : posix_spawn(&pp->pid, exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (child_fd >= 0)
		close(child_fd);
	if (file_fd >= 0)
		close(file_fd);
	if (rc != 0) {
		close(sv[0]);
		pp->pid = 0;
		fail(call, "cannot start the plugin process: %s", strerror(rc));
		return -1;
	}
	pp->fd = sv[0];
	pp->starts++;
	es_log(pp->starts > 1 ? ES_LOG_INFO : ES_LOG_DEBUG, call->prefix,
	       "plugin process %s (pid %ld)",
	       pp->starts > 1 ? "started again" : "started", (long)pp->pid);
	return 0;
}

/* Reap the child, killing it first unless it is already ending; its
 * wait status, or -1. */
static int reap(struct es_plugin_proc *pp, int grace_ms)
{
	int status = -1;

	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(pp->pid, &status, WNOHANG);

		if (r == pp->pid || (r < 0 && errno != EINTR))
			break;
		if (waited >= grace_ms) {
			kill(pp->pid, SIGKILL);
			while (waitpid(pp->pid, &status, 0) < 0 &&
			       errno == EINTR)
				;
			break;
		}
		usleep(10000);
	}
	close(pp->fd);
	pp->fd = -1;
	pp->pid = 0;
	return status;
}

/* The child stopped answering: say how it ended. */
static void died(struct es_plugin_proc *pp, es_call *call)
{
	int status = reap(pp, REAP_GRACE_MS);

	if (status != -1 && WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		char limit[96] = "";

		if (sig == SIGXCPU && pp->lim.cpu_s > 0)
			snprintf(limit, sizeof(limit), ": cpu_limit of %lld s",
			         (long long)pp->lim.cpu_s);
		else if (pp->lim.memory_mb > 0 &&
		         (sig == SIGSEGV || sig == SIGABRT || sig == SIGBUS))
			snprintf(limit, sizeof(limit),
			         " (its memory_limit is %lld MiB)",
			         (long long)pp->lim.memory_mb);
		fail(call, "plugin process killed by signal %d (%s)%s", sig,
		     strsignal(sig), limit);
	} else if (status != -1 && WIFEXITED(status)) {
		fail(call,
		     "plugin process exited with status %d during the call "
		     "(a plugin must not end the program)",
		     WEXITSTATUS(status));
	} else {
		fail(call, "plugin process ended during the call");
	}
}

static int64_t call_timeout_ms(const struct es_plugin_proc *pp)
{
	return pp->lim.call_timeout_ms > 0 ? pp->lim.call_timeout_ms
	                                   : DEFAULT_CALL_TIMEOUT_MS;
}

static int64_t ms_left(const struct timespec *start, int64_t total)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return total - ((now.tv_sec - start->tv_sec) * 1000LL +
	                (now.tv_nsec - start->tv_nsec) / 1000000LL);
}

/* Send pp->out (a P_* request) and serve the child's host calls until it
 * says the callback is done, with the real call. */
static enum es_status exchange(struct es_plugin_proc *pp, es_call *call)
{
	int64_t total = call_timeout_ms(pp);
	struct timespec start, cancel_start = {0};

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (es_wire_send(pp->fd, &pp->out) < 0) {
		died(pp, call);
		return ES_FAILED;
	}
	for (;;) {
		int64_t left = ms_left(&start, total);
		int rc = left > 0
		             ? es_wire_recv(pp->fd, &pp->in,
		                            left > WAIT_SLICE_MS ? WAIT_SLICE_MS
		                                                 : (int)left)
		             : 0;
		int64_t st;

		if (rc == 0 && left > WAIT_SLICE_MS) {
			/* Unlike an in-process plugin, one that ignores the
			 * interruption can be stopped. */
			if (!es_host_table.progress->cancelled(call)) {
				cancel_start.tv_sec = 0;
				continue;
			}
			if (!cancel_start.tv_sec)
				clock_gettime(CLOCK_MONOTONIC, &cancel_start);
			if (ms_left(&cancel_start, CANCEL_GRACE_MS) > 0)
				continue;
			reap(pp, 0);
			fail(call,
			     "interrupted, and the plugin process did "
			     "not return within %d s; killed",
			     CANCEL_GRACE_MS / 1000);
			return ES_FAILED;
		}
		if (rc == 0) {
			reap(pp, 0);
			fail(call,
			     "plugin process did not return within %lld ms "
			     "(task_timeout); killed",
			     (long long)total);
			return ES_FAILED;
		}
		if (rc < 0) {
			died(pp, call);
			return ES_FAILED;
		}
		if (es_wire_op(&pp->in) == ES_C_DONE) {
			st = es_wire_get_i64(&pp->in);
			if (!pp->in.bad && st >= ES_OK && st <= ES_NEEDS_PERSON)
				return (enum es_status)st;
			rc = -1;
		} else {
			rc = es_proxy_serve(call, &pp->in, &pp->out);
		}
		if (rc < 0) {
			reap(pp, 0);
			fail(call,
			     "plugin process sent a malformed message "
			     "(op %d); killed",
			     (int)es_wire_op(&pp->in));
			return ES_FAILED;
		}
		/* A child gone while we answered shows at the next read. */
		if (rc == 1) {
			(void)es_wire_send(pp->fd, &pp->out);
			/* A reply may carry a secret (secret.get). */
			memset(pp->out.buf, 0, pp->out.len);
		}
	}
}

static enum es_status start_and_create(struct es_plugin_proc *pp, es_call *call,
                                       int validate)
{
	enum es_status st;

	if (spawn(pp, call) < 0)
		return ES_FAILED;
	es_wire_start(&pp->out, ES_P_CREATE);
	es_wire_i64(&pp->out, validate);
	st = exchange(pp, call);
	if (st != ES_OK && pp->pid)
		reap(pp, DESTROY_GRACE_MS);
	return st;
}

enum es_status es_proc_create(struct es_plugin_proc *pp, es_call *call,
                              int validate)
{
	enum es_status st;

	pthread_mutex_lock(&pp->lock);
	if (pp->pid)
		reap(pp, 0);
	st = start_and_create(pp, call, validate);
	pthread_mutex_unlock(&pp->lock);
	return st;
}

enum es_status es_proc_run_task(struct es_plugin_proc *pp, es_call *call,
                                size_t task_index, enum es_phase phase)
{
	enum es_status st = ES_OK;

	pthread_mutex_lock(&pp->lock);
	if (!pp->pid) {
		st = start_and_create(pp, call, 0);
		if (st != ES_OK && call->diags.count == 0)
			fail(call, "the plugin's create() failed in its new "
			           "process");
	}
	if (st == ES_OK) {
		es_wire_start(&pp->out, ES_P_RUN);
		es_wire_i64(&pp->out, (int64_t)task_index);
		es_wire_i64(&pp->out, phase);
		st = exchange(pp, call);
	} else {
		st = ES_FAILED;
	}
	pthread_mutex_unlock(&pp->lock);
	return st;
}

void es_proc_free(struct es_plugin_proc *pp)
{
	if (!pp)
		return;
	if (pp->pid) {
		/* destroy_instance() calls no host function: no one serves
		 * the child now, it only has to finish and exit. */
		es_wire_start(&pp->out, ES_P_DESTROY);
		if (es_wire_send(pp->fd, &pp->out) == 0)
			shutdown(pp->fd, SHUT_WR);
		reap(pp, DESTROY_GRACE_MS);
	}
	es_wire_free(&pp->in);
	es_wire_free(&pp->out);
	pthread_mutex_destroy(&pp->lock);
	free(pp);
}
