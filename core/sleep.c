/*
 * Cancellable waits (sleep.h). A wait is one ppoll() until its deadline
 * on the read end of a process-wide pipe: es_wake_sleepers() writes a
 * byte, which wakes every waiter at once (the byte is never read: a
 * cancelled process stays cancelled, and every later wait returns at
 * once). A signal delivered to the waiting thread ends ppoll() too. So a
 * wait of a minute costs one wake-up, where slices of 100 ms cost 600.
 *
 * A forked child (one customer of many) makes its own pipe on its first
 * wait, so a signal in one process does not wake another's waits. A wait
 * woken while its flag is not set (a parent's pipe written before the
 * child made its own) sleeps out its time without the pipe rather than
 * spin on it.
 */
#include "sleep.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static int wake_fds[2] = {-1, -1};
static pid_t wake_pid;

/* The read end of this process's pipe (-1: none, waits not wakeable). */
static int wake_read_end(void)
{
	int fd;

	pthread_mutex_lock(&wake_lock);
	if (wake_pid != getpid()) {
		if (wake_fds[0] >= 0) {
			close(wake_fds[0]);
			close(wake_fds[1]);
		}
		if (pipe2(wake_fds, O_CLOEXEC | O_NONBLOCK) == 0) {
			wake_pid = getpid();
		} else {
			wake_fds[0] = wake_fds[1] = -1;
		}
	}
	fd = wake_fds[0];
	pthread_mutex_unlock(&wake_lock);
	return fd;
}

void es_wake_sleepers(void)
{
	int fd = wake_fds[1];

	if (fd >= 0) {
		ssize_t n = write(fd, "w", 1); /* full pipe: already woken */

		(void)n;
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int es_sleep_cancellable(uint32_t ms, es_rate_cancelled_fn cancelled, void *ctx)
{
	double due = now_ms() + ms;
	struct pollfd wake = {.fd = wake_read_end(), .events = POLLIN};
	int woken = 0;

	for (;;) {
		double left = due - now_ms();
		struct timespec ts;

		if (cancelled && cancelled(ctx))
			return -1;
		if (left <= 0)
			return 0;
		if (woken)
			wake.fd = -1; /* woken, not cancelled: see the top */
		ts.tv_sec = (time_t)(left / 1000.0);
		ts.tv_nsec = (long)((left - (double)ts.tv_sec * 1000.0) * 1e6);
		woken = ppoll(wake.fd >= 0 ? &wake : NULL, wake.fd >= 0, &ts,
		              NULL) > 0;
	}
}
