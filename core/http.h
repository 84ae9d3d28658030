/*
 * The HTTP service behind es_http_api: the core owns libcurl.
 *
 * One es_http_client per plugin instance: a reused curl easy handle (so
 * connections to a provider are kept alive), the instance's settings, and
 * the plugin's rate limiter, which is shared by plugin name across the
 * whole process (several customers in one run share the provider's limit).
 *
 * Retries (exponential backoff with full jitter, Retry-After honoured,
 * both capped by max_backoff_ms):
 *  - 429: always retried;
 *  - 5xx, connection reset, timeouts: retried only for non-mutating
 *    requests; a mutating one returns what it got (status 0 when no reply).
 *  - connection refused / DNS failure before anything was sent: retried.
 *
 * Credentials go only where the plugin's config points: a request that
 * carries one ({{secret:NAME}} anywhere, basic_user/basic_password or
 * aws_sigv4) is sent only when its origin (scheme, host, port) is the
 * origin of one of hooks->url_key's values, and refused unsent otherwise.
 * Redirects are never followed, so a 3xx cannot carry them further.
 */
#ifndef ENVSETUP_CORE_HTTP_H
#define ENVSETUP_CORE_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "envsetup/host.h"

/* The time the retry waits live in. Tests replace it to see every wait
 * the service computes without sleeping through it; each member is
 * nullable, and NULL is the real thing. */
struct es_http_clock {
	void *ctx;
	/* Wall-clock seconds, for a Retry-After given as an HTTP-date. */
	time_t (*now)(void *ctx);
	/* Wait `ms`, stopping early once cancelled(cancel_ctx) is nonzero:
	 * 0 when the whole wait passed, -1 when cancelled. May block. */
	int (*sleep)(void *ctx, uint32_t ms, int (*cancelled)(void *),
	             void *cancel_ctx);
	/* The full jitter: a wait in [0, cap] ms. */
	uint32_t (*jitter)(void *ctx, uint32_t cap);
};

struct es_http_settings {
	const char *plugin;  /* for the shared rate limiter and logs */
	const char *ca_file; /* nullable: CA bundle replacing the system one */
	uint32_t timeout_ms; /* total per attempt; 0: 30000 */
	uint32_t connect_timeout_ms; /* 0: 10000 */
	uint32_t rate_limit_per_min; /* 0: none */
	uint32_t max_attempts;       /* 0: 5 */
	uint32_t base_backoff_ms;    /* 0: 500 */
	uint32_t max_backoff_ms;     /* 0: 30000 */
	int trace; /* log redacted request/response at debug */
	/* nullable: the real clock; copied by es_http_client_new */
	const struct es_http_clock *clock;
};

/* How the HTTP service reaches the rest of the core for one call. */
struct es_http_hooks {
	void *ctx;
	/* Value for {{secret:NAME}} (transfer none) or NULL if unknown. */
	const char *(*secret)(void *ctx, const char *name);
	/* Journal around a mutating request; url is already redacted.
	 * intent_begin returns the intent's id, or 0 when it could not be
	 * made durable: the request is then not sent (and refused). */
	uint64_t (*intent_begin)(void *ctx, const char *method, const char *url,
	                         const char *intent);
	void (*intent_end)(void *ctx, uint64_t id, long status);
	/* Already-redacted log line. */
	void (*log)(void *ctx, enum es_log_level level, const char *msg);
	/* Diagnostic for the task (the failure reason), already redacted. */
	void (*error)(void *ctx, const char *msg);
	/* Nonzero stops retry waits early. */
	int (*cancelled)(void *ctx);
	/* The value of the plugin's i-th URL key that has one (transfer
	 * none), its key name in *name; NULL past the last. Their origins
	 * are the only ones a request with credentials may go to; a NULL
	 * hook names none. */
	const char *(*url_key)(void *ctx, size_t i, const char **name);
	/* Nullable: the request was refused unsent by a rule it would break
	 * again on every retry (credentials to another origin). */
	void (*refused)(void *ctx);
};

struct es_http_client;

struct es_http_client *es_http_client_new(const struct es_http_settings *s);
void es_http_client_free(struct es_http_client *c);

/* Perform `req` with retries. NULL when no response could be had; the
 * reason went to hooks->error. Not thread-safe per client (one call at a
 * time per instance); different clients may run in parallel. */
es_http_response *es_http_perform(struct es_http_client *c,
                                  const struct es_http_request *req,
                                  const struct es_http_hooks *hooks);

/* The es_http_api accessors. */
long es_http_response_status(const es_http_response *r);
const char *es_http_response_body(const es_http_response *r, size_t *len);
const char *es_http_response_header(const es_http_response *r,
                                    const char *name);
void es_http_response_free(es_http_response *r);
/* A deep copy (malloc'd), or NULL. */
es_http_response *es_http_response_copy(const es_http_response *r);
char *es_http_escape(const char *in); /* malloc'd */
/* For a response that crossed from the core to a plugin process
 * (proxy_codec.c): its headers in order (transfer none), and a response
 * rebuilt from them (transfer full, es_http_response_free). */
const struct es_http_header *es_http_response_headers(const es_http_response *r,
                                                      size_t *n);
es_http_response *es_http_response_new(long status, const char *body,
                                       size_t len);
int es_http_response_add_header(es_http_response *r, const char *name,
                                const char *value);

/* Replace {{secret:NAME}} in `in`; encoding: 0 raw, 1 URL, 2 JSON string.
 * malloc'd, or NULL with *unknown set to the first unknown name (static
 * buffer inside the call is not used: *unknown points into `in`). */
char *es_http_substitute(const char *in, int encoding,
                         const struct es_http_hooks *hooks,
                         const char **unknown, size_t *unknown_len);

/* Process-wide init/cleanup of libcurl (call once from main). */
int es_http_global_init(void);
void es_http_global_cleanup(void);

#endif
