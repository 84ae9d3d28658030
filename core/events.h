/*
 * `--output json`: the run as newline-delimited JSON events on stdout, one
 * object a line, each with "v" (the format version) and "event". The
 * events and their fields are documented in docs/events.md and checked
 * against docs/events.schema.json. Every line passes through es_redact();
 * a secret output is announced without its value. Thread-safe: workers
 * emit task events while others run. Each function does nothing unless
 * the run asked for events (run->opt.events).
 */
#ifndef ENVSETUP_CORE_EVENTS_H
#define ENVSETUP_CORE_EVENTS_H

#include <cjson/cJSON.h>

#include "run.h"

#define ES_EVENTS_VERSION 1

void es_events_run_start(const struct es_run *run, const char *command);
void es_events_task_start(const struct es_run *run, const struct es_node *n);
/* A long-running task's status: a plugin's progress step (`message`), or
 * the core's poll count (`poll` > 0). */
void es_events_task_progress(const struct es_run *run, const struct es_node *n,
                             const char *message, unsigned poll);
/* The task's end as the runner decided it (state and message); `plan` is
 * plan's reading of it ("changes", "in place", "waiting", "blocked",
 * "failed") or NULL. A task waiting for a person is announced first by a
 * gate_waiting event with its question. */
void es_events_task_end(const struct es_run *run, const struct es_node *n,
                        const char *plan, const char *message, double seconds);
void es_events_output(const struct es_run *run, const char *plugin,
                      const char *name, const char *value, int secret);
/* `counts` (transfer full): the numbers the text and --json summaries
 * print, counted once by the caller. */
void es_events_summary(const struct es_run *run, const char *command,
                       cJSON *counts);

#endif
