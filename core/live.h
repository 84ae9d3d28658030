/*
 * The live lines on a terminal: while tasks run, one line per running
 * task with its status and elapsed time ("[2] aws:create_account  account
 * creation in progress ... 40s"), redrawn in place. Final per-task lines
 * are printed above them (es_live_hold / es_live_release). Only when the
 * run asked for it (run->opt.live: stdout is a terminal, no --no-color,
 * -q, --json or --output json); otherwise every function does nothing and
 * the output stays line by line. One display per process: runs of several
 * customers follow each other.
 */
#ifndef ENVSETUP_CORE_LIVE_H
#define ENVSETUP_CORE_LIVE_H

#include "run.h"

/* Around a run's workers: starts and stops the clock that redraws. */
void es_live_begin(const struct es_run *run);
void es_live_end(void);
void es_live_task_start(const struct es_node *n);
/* The task's latest status (nullable; copied, redacted, made printable)
 * and the core's poll count (0: unchanged). */
void es_live_task_status(const struct es_node *n, const char *status,
                         unsigned poll);
void es_live_task_end(const struct es_node *n);
/* Erase the live lines and keep them off while the caller prints to
 * stdout; release draws them again below what was printed. */
void es_live_hold(void);
void es_live_release(void);

#endif
