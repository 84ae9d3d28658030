/*
 * The lock of the file backend: one exclusive flock() on <env>/lock, held
 * for the whole run. The file also records its holder (pid, host, start,
 * redacted command) so that a waiting run can say who it waits for, and a
 * run taking over after a crash can say whose lock was left behind.
 * Apart from state_file.c because locking is an idea of its own.
 */
#include "state_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "file_open.h"
#include "log.h"

#define HOLDER_CAP 4096
#define LOCK_POLL_NS 100000000L

static void iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static cJSON *holder_read(int fd)
{
	char buf[HOLDER_CAP + 1];
	ssize_t n = pread(fd, buf, HOLDER_CAP, 0);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return cJSON_Parse(buf);
}

/* The recorded pid, 0 when absent or not a pid. */
static pid_t holder_pid(const cJSON *h)
{
	const cJSON *pid = cJSON_GetObjectItemCaseSensitive(h, "pid");

	if (!cJSON_IsNumber(pid) || pid->valuedouble < 1 ||
	    pid->valuedouble > 4194304)
		return 0;
	return (pid_t)pid->valuedouble;
}

static void holder_describe(const cJSON *h, char *out, size_t len)
{
	pid_t pid = holder_pid(h);
	const cJSON *host = cJSON_GetObjectItemCaseSensitive(h, "host");
	const cJSON *since = cJSON_GetObjectItemCaseSensitive(h, "started");
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(h, "command");

	if (!pid) {
		snprintf(out, len, "another run (holder not recorded yet)");
		return;
	}
	snprintf(out, len, "pid %ld on %s since %s%s%s%s", (long)pid,
	         cJSON_IsString(host) ? host->valuestring : "?",
	         cJSON_IsString(since) ? since->valuestring : "?",
	         cJSON_IsString(cmd) ? " (" : "",
	         cJSON_IsString(cmd) ? cmd->valuestring : "",
	         cJSON_IsString(cmd) ? ")" : "");
}

/* "PID@HOST@STARTED": what force-unlock must be given to remove it. */
static void holder_id(const cJSON *h, char *out, size_t len)
{
	const cJSON *host = cJSON_GetObjectItemCaseSensitive(h, "host");
	const cJSON *since = cJSON_GetObjectItemCaseSensitive(h, "started");

	snprintf(out, len, "%ld@%s@%s", (long)holder_pid(h),
	         cJSON_IsString(host) ? host->valuestring : "?",
	         cJSON_IsString(since) ? since->valuestring : "?");
}

char *es_state_own_command(void)
{
	char buf[512];
	ssize_t n;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0' || buf[i] == '\n')
			buf[i] = ' ';
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return es_redact(buf);
}

static void holder_write(struct es_state_store *st, const char *host)
{
	char since[32], *cmd = es_state_own_command(), *text;
	cJSON *h = cJSON_CreateObject();

	iso_time(time(NULL), since, sizeof(since));
	cJSON_AddNumberToObject(h, "pid", (double)getpid());
	cJSON_AddStringToObject(h, "host", host);
	cJSON_AddStringToObject(h, "started", since);
	if (cmd)
		cJSON_AddStringToObject(h, "command", cmd);
	free(cmd);
	text = cJSON_PrintUnformatted(h);
	cJSON_Delete(h);
	if (!text || ftruncate(st->lock_fd, 0) < 0 ||
	    pwrite(st->lock_fd, text, strlen(text), 0) < 0 ||
	    fsync(st->lock_fd) < 0)
		es_log(ES_LOG_WARNING, NULL, "%s: cannot record the holder",
		       st->lock_path);
	free(text);
}

/* The lock was free, but a holder is on record: it died without unlocking. */
static void holder_check_stale(int fd, const char *host, const char *path)
{
	cJSON *h = holder_read(fd);
	const cJSON *hh = cJSON_GetObjectItemCaseSensitive(h, "host");
	char who[HOLDER_CAP];
	const char *why = "it is gone";

	if (!holder_pid(h)) {
		cJSON_Delete(h);
		return;
	}
	holder_describe(h, who, sizeof(who));
	if (!cJSON_IsString(hh) || strcmp(hh->valuestring, host) != 0)
		why = "another host, lock not held";
	else if (kill(holder_pid(h), 0) == 0 || errno != ESRCH)
		why = "lock not held: that pid was reused";
	es_log(ES_LOG_WARNING, NULL,
	       "%s: taking over the stale lock of %s (%s)", path, who, why);
	cJSON_Delete(h);
}

enum es_state_error es_state_file_lock(struct es_state_store *st, int wait_s,
                                       char *err, size_t errlen)
{
	struct timespec start, now, pause = {0, LOCK_POLL_NS};
	char host[256] = "unknown", who[HOLDER_CAP], id[HOLDER_CAP];
	cJSON *h;

	gethostname(host, sizeof(host) - 1);
	st->lock_fd = es_open_regular(st->lock_path, O_RDWR | O_CREAT, 0600);
	if (st->lock_fd < 0) {
		snprintf(err, errlen, "%s: %s", st->lock_path,
		         es_open_error(st->lock_fd));
		st->lock_fd = -1;
		return ES_STATE_IO;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (flock(st->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errlen, "%s: %s", st->lock_path,
			         strerror(errno));
			return ES_STATE_IO;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000000000L +
		        (now.tv_nsec - start.tv_nsec) >=
		    wait_s * 1000000000L) {
			h = holder_read(st->lock_fd);
			holder_describe(h, who, sizeof(who));
			holder_id(h, id, sizeof(id));
			snprintf(err, errlen, "state %s is locked by %s%s%s%s",
			         st->dir, who,
			         holder_pid(h) ? " (lock id " : "",
			         holder_pid(h) ? id : "",
			         holder_pid(h) ? "; if that run is gone: "
			                         "envsetup state force-unlock)"
			                       : "");
			cJSON_Delete(h);
			close(st->lock_fd);
			st->lock_fd = -1;
			return ES_STATE_LOCKED;
		}
		nanosleep(&pause, NULL);
	}
	holder_check_stale(st->lock_fd, host, st->lock_path);
	holder_write(st, host);
	return ES_STATE_OK;
}

void es_state_file_unlock(struct es_state_store *st)
{
	if (st->lock_fd < 0)
		return;
	/* An empty lock file means "released cleanly": not stale. */
	if (ftruncate(st->lock_fd, 0) < 0 || fsync(st->lock_fd) < 0)
		es_log(ES_LOG_WARNING, NULL, "%s: cannot clear the holder",
		       st->lock_path);
	flock(st->lock_fd, LOCK_UN);
	close(st->lock_fd);
	st->lock_fd = -1;
}

/* Whether the holder may still run: on this host its pid answers;
 * elsewhere nobody here can tell, so the operator's word (the id) goes. */
static int holder_alive_here(const cJSON *h, const char *host)
{
	const cJSON *hh = cJSON_GetObjectItemCaseSensitive(h, "host");

	if (!cJSON_IsString(hh) || strcmp(hh->valuestring, host) != 0)
		return 0;
	return kill(holder_pid(h), 0) == 0 || errno != ESRCH;
}

enum es_state_error es_state_file_force_unlock(struct es_state_store *st,
                                               const char *lock_id, char *msg,
                                               size_t len)
{
	char host[256] = "unknown", who[HOLDER_CAP], id[HOLDER_CAP];
	enum es_state_error e = ES_STATE_LOCKED;
	int fd, free_now;
	cJSON *h;

	gethostname(host, sizeof(host) - 1);
	fd = es_open_regular(st->lock_path, O_RDWR, 0);
	if (fd < 0) {
		snprintf(msg, len, "%s: %s: no lock to remove", st->lock_path,
		         es_open_error(fd));
		return ES_STATE_IO;
	}
	h = holder_read(fd);
	if (!holder_pid(h)) {
		close(fd);
		cJSON_Delete(h);
		snprintf(msg, len,
		         "%s names no holder: it was released cleanly or its "
		         "run is starting; nothing to remove",
		         st->lock_path);
		return ES_STATE_IO;
	}
	holder_describe(h, who, sizeof(who));
	holder_id(h, id, sizeof(id));
	free_now = flock(fd, LOCK_EX | LOCK_NB) == 0;
	if (strcmp(lock_id, id) != 0)
		snprintf(msg, len,
		         "refused: '%s' is not the id of the lock of %s (lock "
		         "id %s)",
		         lock_id, st->dir, id);
	else if (holder_alive_here(h, host))
		snprintf(
		    msg, len,
		    "refused: the holder, %s, is alive on this host: stop "
		    "it or wait for it (a dead run's lock is taken over by "
		    "the next run anyway)",
		    who);
	else if (free_now ? ftruncate(fd, 0) < 0 || fsync(fd) < 0
	                  : unlink(st->lock_path) < 0) {
		/* Free: clear the holder as a clean release does. Held by
		 * a process that is not the holder (a child that inherited
		 * it, another host): only a new lock file frees the state. */
		snprintf(msg, len, "%s: %s", st->lock_path, strerror(errno));
		e = ES_STATE_IO;
	} else {
		snprintf(msg, len, "removed the lock of %s (lock id %s)%s", who,
		         id,
		         free_now ? ""
		                  : "; the lock was still held by another "
		                    "process, its file is unlinked");
		e = ES_STATE_OK;
	}
	if (free_now)
		flock(fd, LOCK_UN);
	close(fd);
	cJSON_Delete(h);
	return e;
}
