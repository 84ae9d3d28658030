/*
 * The global task limit shared by the customers of one invocation, the
 * way GNU make's jobserver shares -j between sub-makes: the parent puts
 * --parallelism tokens (bytes) into a pipe before it forks one process per
 * customer; a customer's runner takes a token before a task runs and gives
 * it back when the task ends or starts waiting between two polls. So at
 * most --parallelism tasks run at once across all customers, and a
 * customer that has nothing ready holds none.
 *
 * One process-wide jobserver at most. Without one (a single customer),
 * es_jobserver_take() and es_jobserver_give() do nothing: the runner's
 * worker pool is the only limit, as before.
 */
#ifndef ENVSETUP_CORE_JOBSERVER_H
#define ENVSETUP_CORE_JOBSERVER_H

#include <stddef.h>

/* Parent, before the first fork: a pipe with `tokens` tokens and room to
 * account for `customers` children. 0, or -1 (errno set). */
int es_jobserver_open(unsigned tokens, size_t customers);
/* Child `index` (0 .. customers-1), just after the fork: takes and gives
 * tokens from now on. 0, or -1 (errno set). */
int es_jobserver_enter_child(size_t index);
/* Parent, once child `index` has exited: the tokens it held when it died
 * (killed during a task) go back into the pipe. */
void es_jobserver_child_ended(size_t index);
/* Parent: the most tasks that ran at once across the children. */
unsigned es_jobserver_max_running(void);
void es_jobserver_close(void);

/* Runner, before a task runs: 0 once a token is held (at once without a
 * jobserver), -1 when es_jobserver_wake() was called (the run is being
 * cancelled) or the pipe failed. May block; thread-safe. */
int es_jobserver_take(void);
/* Runner: give back the token es_jobserver_take() gave. */
void es_jobserver_give(void);
/* Runner's signal watcher: every es_jobserver_take() blocked now or later
 * returns -1. Async-signal-safe. */
void es_jobserver_wake(void);
/* Runner: a task started or stopped running (taken a token, not yet given
 * it back), counted across the children for es_jobserver_max_running(). */
void es_jobserver_task_running(int delta);

#endif
