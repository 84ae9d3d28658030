/*
 * The jobserver (jobserver.h): a pipe of tokens shared by the customers'
 * processes, and a small shared mapping where each child counts the
 * tokens it holds (so the parent can put back those of a child killed
 * during a task) and the tasks running across all children.
 */
#include "jobserver.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct jobserver_shared {
	atomic_int running;
	atomic_int max_running;
	atomic_int held[]; /* per child */
};

static struct {
	int open;
	int tokens[2]; /* the pipe: read end non-blocking */
	int wake[2];   /* a child's own: written once the run is cancelled */
	size_t child;  /* this process's index (children only) */
	int in_child;
	struct jobserver_shared *shared;
	size_t shared_size;
} js = {.tokens = {-1, -1}, .wake = {-1, -1}};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void put_tokens(unsigned n)
{
	char t = '+';

	for (unsigned i = 0; i < n; i++)
		while (write(js.tokens[1], &t, 1) < 0 && errno == EINTR)
			;
}

int es_jobserver_open(unsigned tokens, size_t customers)
{
	js.shared_size = sizeof(*js.shared) + customers * sizeof(atomic_int);
	js.shared = mmap(NULL, js.shared_size, PROT_READ | PROT_WRITE,
	                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (js.shared == MAP_FAILED) {
		js.shared = NULL;
		return -1;
	}
	atomic_init(&js.shared->running, 0);
	atomic_init(&js.shared->max_running, 0);
	for (size_t i = 0; i < customers; i++)
		atomic_init(&js.shared->held[i], 0);
	/* Non-blocking reads: the children race for each token, and the
	 * losers go back to poll() rather than block in read(), where a
	 * cancellation could not reach them. */
	if (pipe2(js.tokens, O_CLOEXEC) < 0 ||
	    fcntl(js.tokens[0], F_SETFL, O_NONBLOCK) < 0) {
		es_jobserver_close();
		return -1;
	}
	js.open = 1;
	put_tokens(tokens);
	return 0;
}

int es_jobserver_enter_child(size_t index)
{
	js.child = index;
	js.in_child = 1;
	if (pipe2(js.wake, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

void es_jobserver_child_ended(size_t index)
{
	int lost;

	if (!js.open)
		return;
	lost = atomic_exchange(&js.shared->held[index], 0);
	if (lost > 0)
		put_tokens((unsigned)lost);
}

unsigned es_jobserver_max_running(void)
{
	return js.shared ? (unsigned)atomic_load(&js.shared->max_running) : 0;
}

void es_jobserver_close(void)
{
	close_fd(&js.tokens[0]);
	close_fd(&js.tokens[1]);
	close_fd(&js.wake[0]);
	close_fd(&js.wake[1]);
	if (js.shared)
		munmap(js.shared, js.shared_size);
	js.shared = NULL;
	js.open = 0;
}

int es_jobserver_take(void)
{
	if (!js.open || !js.in_child)
		return 0;
	for (;;) {
		struct pollfd p[2] = {{.fd = js.tokens[0], .events = POLLIN},
		                      {.fd = js.wake[0], .events = POLLIN}};
		char t;
		ssize_t got;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p[1].revents)
			return -1;
		got = read(js.tokens[0], &t, 1);
		if (got == 1) {
			atomic_fetch_add(&js.shared->held[js.child], 1);
			return 0;
		}
		/* Another process took it first: wait for the next. */
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		return -1;
	}
}

void es_jobserver_give(void)
{
	if (!js.open || !js.in_child)
		return;
	atomic_fetch_sub(&js.shared->held[js.child], 1);
	put_tokens(1);
}

void es_jobserver_wake(void)
{
	char c = '!';
	ssize_t wrote;

	/* A full pipe means it was written before: takers return anyway. */
	if (js.wake[1] >= 0) {
		wrote = write(js.wake[1], &c, 1);
		(void)wrote;
	}
}

void es_jobserver_task_running(int delta)
{
	int now, max;

	if (!js.open || !js.in_child)
		return;
	now = atomic_fetch_add(&js.shared->running, delta) + delta;
	max = atomic_load(&js.shared->max_running);
	while (now > max && !atomic_compare_exchange_weak(
	                        &js.shared->max_running, &max, now))
		;
}
