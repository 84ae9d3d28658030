/*
 * Live lines on a terminal (live.h). The lines sit at the bottom of the
 * output: erasing them moves up one line per line drawn (ANSI CUU) and
 * clears it (EL), so everything printed above stays. A clock thread
 * redraws every second for the elapsed times; starts, ends and status
 * changes redraw at once.
 */
#include "live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LIVE_MAX 64 /* --parallelism's limit: tasks running at once */
#define REDRAW_MS 1000

struct live_task {
	const struct es_node *node;
	double started;
	char status[160]; /* the title, then the plugin's latest step */
	unsigned poll;    /* the core's polls so far */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t stop; /* es_live_end wakes the clock thread */
	int on, stopping, clock_running, stop_ready;
	pthread_t clock;
	struct live_task tasks[LIVE_MAX];
	size_t n_tasks;
	size_t drawn; /* lines on the screen now */
} live = {.lock = PTHREAD_MUTEX_INITIALIZER};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Columns to stay under: a wrapped line would break the erase count. */
static int width(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		return ws.ws_col - 1;
	return 79;
}

static void erase_locked(void)
{
	for (; live.drawn > 0; live.drawn--)
		fputs("\033[1A\r\033[2K", stdout);
}

/* "[1]     aws:create_account    account creation in progress ... 40s",
 * the status cut rather than the elapsed time when the line is too long. */
static void draw_line(const struct live_task *t, double now, int cols)
{
	char head[128], tail[32], label[24];
	int room;

	snprintf(label, sizeof(label), "[%s]",
	         t->node->section ? t->node->section->id : "-");
	if (t->poll)
		snprintf(tail, sizeof(tail), " (poll %u) ... %.0fs", t->poll,
		         now - t->started);
	else
		snprintf(tail, sizeof(tail), " ... %.0fs", now - t->started);
	snprintf(head, sizeof(head), "%-7s %-44s ", label, t->node->ref);
	room = cols - (int)strlen(head) - (int)strlen(tail);
	if (room < 24) { /* a narrow terminal: no columns */
		snprintf(head, sizeof(head), "%s %s ", label, t->node->ref);
		room = cols - (int)strlen(head) - (int)strlen(tail);
	}
	if (room < 0) {
		printf("%.*s\n", cols, head);
		return;
	}
	printf("%s%.*s%s\n", head, room, t->status, tail);
}

static void draw_locked(void)
{
	double now = now_s();
	int cols = width();

	erase_locked();
	for (size_t i = 0; i < live.n_tasks; i++) {
		draw_line(&live.tasks[i], now, cols);
		live.drawn++;
	}
	fflush(stdout);
}

/* Redraws every REDRAW_MS, in one timed wait each that es_live_end cuts
 * short. */
static void *clock_thread(void *arg)
{
	struct timespec due;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &due);
	pthread_mutex_lock(&live.lock);
	while (!live.stopping) {
		due.tv_sec += REDRAW_MS / 1000;
		while (!live.stopping && pthread_cond_timedwait(
		                             &live.stop, &live.lock, &due) == 0)
			; /* woken early: stopping, or spurious */
		if (!live.stopping && (live.drawn || live.n_tasks))
			draw_locked();
	}
	pthread_mutex_unlock(&live.lock);
	return NULL;
}

void es_live_begin(const struct es_run *run)
{
	if (!run->opt.live)
		return;
	pthread_mutex_lock(&live.lock);
	if (!live.stop_ready) {
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&live.stop, &ca);
		pthread_condattr_destroy(&ca);
		live.stop_ready = 1;
	}
	live.on = 1;
	live.stopping = 0;
	live.n_tasks = live.drawn = 0;
	live.clock_running =
	    pthread_create(&live.clock, NULL, clock_thread, NULL) == 0;
	pthread_mutex_unlock(&live.lock);
}

void es_live_end(void)
{
	int joined;

	pthread_mutex_lock(&live.lock);
	if (!live.on) {
		pthread_mutex_unlock(&live.lock);
		return;
	}
	live.stopping = 1;
	pthread_cond_broadcast(&live.stop);
	joined = live.clock_running;
	pthread_mutex_unlock(&live.lock);
	if (joined)
		pthread_join(live.clock, NULL);
	pthread_mutex_lock(&live.lock);
	erase_locked();
	fflush(stdout);
	live.on = live.clock_running = 0;
	live.n_tasks = 0;
	pthread_mutex_unlock(&live.lock);
}

static struct live_task *find_locked(const struct es_node *n)
{
	for (size_t i = 0; i < live.n_tasks; i++)
		if (live.tasks[i].node == n)
			return &live.tasks[i];
	return NULL;
}

void es_live_task_start(const struct es_node *n)
{
	pthread_mutex_lock(&live.lock);
	if (live.on && live.n_tasks < LIVE_MAX && !find_locked(n)) {
		struct live_task *t = &live.tasks[live.n_tasks++];

		t->node = n;
		t->started = now_s();
		t->poll = 0;
		snprintf(t->status, sizeof(t->status), "%s",
		         n->title && *n->title ? n->title : "running");
		es_text_printable(t->status);
		draw_locked();
	}
	pthread_mutex_unlock(&live.lock);
}

void es_live_task_status(const struct es_node *n, const char *status,
                         unsigned poll)
{
	/* Redacted before the lock: es_log holds the log's lock, then ours. */
	char *clean = status ? es_redact(status) : NULL;
	struct live_task *t;

	pthread_mutex_lock(&live.lock);
	t = live.on ? find_locked(n) : NULL;
	if (t && clean) {
		snprintf(t->status, sizeof(t->status), "%s", clean);
		/* One line each: a provider's newline would break it. */
		for (char *c = t->status; *c; c++)
			if (*c == '\n' || *c == '\t')
				*c = ' ';
		es_text_printable(t->status);
	}
	if (t && poll)
		t->poll = poll;
	if (t)
		draw_locked();
	pthread_mutex_unlock(&live.lock);
	free(clean);
}

void es_live_task_end(const struct es_node *n)
{
	struct live_task *t;

	pthread_mutex_lock(&live.lock);
	t = live.on ? find_locked(n) : NULL;
	if (t) {
		*t = live.tasks[--live.n_tasks];
		draw_locked();
	}
	pthread_mutex_unlock(&live.lock);
}

void es_live_hold(void)
{
	pthread_mutex_lock(&live.lock);
	if (live.on)
		erase_locked();
}

void es_live_release(void)
{
	if (live.on)
		draw_locked();
	pthread_mutex_unlock(&live.lock);
}
