/*
 * `envsetup state show|resolve|force-unlock` (recovery.c,
 * docs/recovery.md). Each returns an es_exit code (runner.h).
 */
#ifndef ENVSETUP_CORE_RECOVERY_H
#define ENVSETUP_CORE_RECOVERY_H

#include "runner.h"

/* What the state holds, all of it or what `filter` (PLUGIN or
 * PLUGIN:KEY, nullable) names; secret outputs masked. The run's state is
 * open read-only. */
int es_run_state_show(struct es_run *run, const char *filter, int json);
/* `as` "done" (NULL too): settle the open intent numbered `target`, or
 * every one of task `target`; "forget": drop the recorded PLUGIN:KEY.
 * The run's state is open locked. */
int es_run_state_resolve(struct es_run *run, const char *target, const char *as,
                         const char *by);
/* Remove the lock `lock_id` names if its holder is gone; the run has
 * no state open (the lock is what is in the way). */
int es_run_state_force_unlock(struct es_run *run, const char *lock_id,
                              const char *by);
/* Move the state to the backend `to` ("postgresql" or "file") from the
 * one the customer's file names, holding both locks (state_migrate.c);
 * the run has no state open. */
int es_run_state_migrate(struct es_run *run, const char *to);

#endif
