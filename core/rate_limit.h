/*
 * Process-wide token buckets, one per plugin name, so every instance of a
 * plugin (several customers in one run) shares the provider's limit.
 * Thread-safe.
 */
#ifndef ENVSETUP_CORE_RATE_LIMIT_H
#define ENVSETUP_CORE_RATE_LIMIT_H

#include <stdint.h>

#include "sleep.h"

/*
 * Take one token of `name`'s bucket, sleeping until it is due
 * (es_sleep_cancellable: `cancelled` is honoured as soon as it is set).
 * per_min 0: no limit. When instances configure different rates for one name,
 * the lowest wins. Returns 0, or -1 when cancelled (or out of memory, with no
 * wait). May block.
 */
int es_rate_limit_take(const char *name, uint32_t per_min,
                       es_rate_cancelled_fn cancelled, void *ctx);

/* Forget every bucket (at exit, and between tests). */
void es_rate_limit_reset(void);

#endif
