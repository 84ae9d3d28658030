/*
 * Token buckets by plugin name (see rate_limit.h).
 *
 * A bucket refills at per_min tokens a minute and holds at most
 * max(1, per_min / 60) tokens: one second's worth. Any 60 s window then
 * sees at most per_min + per_min / 60 requests, within about 2% of the
 * provider's stated limit, while a handful of tasks starting together
 * need not queue behind each other. A larger burst (per_min / 6 would
 * allow 10 s worth at once) risks tripping providers that enforce their
 * limit over short windows, which only trades our wait for their 429.
 *
 * A caller reserves its token under the lock (the level may go negative)
 * and sleeps outside it, so concurrent callers are served in arrival order
 * without holding the mutex while they wait.
 */
#include "rate_limit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct bucket {
	struct bucket *next;
	char *name;
	uint32_t per_min;
	double tokens;  /* may be negative: reserved by sleeping callers */
	double last_ms; /* monotonic time of the last refill */
};

static pthread_mutex_t buckets_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bucket *buckets;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static double capacity(uint32_t per_min)
{
	return per_min >= 120 ? (double)(per_min / 60) : 1.0;
}

static struct bucket *find_or_add(const char *name, uint32_t per_min)
{
	struct bucket *b;

	for (b = buckets; b; b = b->next) {
		if (strcmp(b->name, name) == 0) {
			if (per_min < b->per_min)
				b->per_min = per_min;
			return b;
		}
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->name = strdup(name);
	if (!b->name) {
		free(b);
		return NULL;
	}
	b->per_min = per_min;
	b->tokens = capacity(per_min);
	b->last_ms = now_ms();
	b->next = buckets;
	buckets = b;
	return b;
}

/* Reserve a token; returns how long the caller must wait for it. */
static double reserve(struct bucket *b)
{
	double now = now_ms();
	double per_ms = (double)b->per_min / 60000.0;
	double cap = capacity(b->per_min);

	b->tokens += (now - b->last_ms) * per_ms;
	if (b->tokens > cap)
		b->tokens = cap;
	b->last_ms = now;
	b->tokens -= 1.0;
	return b->tokens >= 0.0 ? 0.0 : -b->tokens / per_ms;
}

int es_rate_limit_take(const char *name, uint32_t per_min,
                       es_rate_cancelled_fn cancelled, void *ctx)
{
	struct bucket *b;
	double wait_ms;

	if (per_min == 0 || !name)
		return 0;
	pthread_mutex_lock(&buckets_lock);
	b = find_or_add(name, per_min);
	wait_ms = b ? reserve(b) : -1.0;
	pthread_mutex_unlock(&buckets_lock);
	if (wait_ms < 0.0)
		return -1;
	/* Round up: waking a fraction early would find the token not due. */
	return es_sleep_cancellable((uint32_t)(wait_ms + 0.999), cancelled,
	                            ctx);
}

void es_rate_limit_reset(void)
{
	pthread_mutex_lock(&buckets_lock);
	while (buckets) {
		struct bucket *next = buckets->next;

		free(buckets->name);
		free(buckets);
		buckets = next;
	}
	pthread_mutex_unlock(&buckets_lock);
}
