/*
 * Waits that end at their deadline or at once when the run is cancelled,
 * without waking in between (sleep.c).
 */
#ifndef ENVSETUP_CORE_SLEEP_H
#define ENVSETUP_CORE_SLEEP_H

#include <stdint.h>

/* Nonzero stops a wait early. */
typedef int (*es_rate_cancelled_fn)(void *ctx);

/* Sleep up to ms; 0 when slept fully, -1 if cancelled (checked before and
 * whenever the wait is woken: by es_wake_sleepers or a signal). */
int es_sleep_cancellable(uint32_t ms, es_rate_cancelled_fn cancelled,
                         void *ctx);

/* Wake every es_sleep_cancellable of the process to look at its flag.
 * Async-signal-safe: the SIGINT/SIGTERM handler calls it after setting
 * the flag. */
void es_wake_sleepers(void);

#endif
