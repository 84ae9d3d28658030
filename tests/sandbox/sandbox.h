/*
 * envsetup-sandbox: a loopback HTTP server with stateful fakes of the
 * providers' APIs, for tests and the demo. Never a production component.
 *
 * Routing: a request to /<fake-name>/rest... goes to that fake with
 * path "/rest...". With `--root NAME`, paths without a known prefix go to
 * fake NAME unchanged (so Prism can proxy to the sandbox as if it were the
 * provider's host). /_sandbox/... is the control API:
 *   GET  /_sandbox/resources        every resource: [{provider,kind,id,attrs}]
 *   GET  /_sandbox/requests         count of requests per fake and method
 *   POST /_sandbox/reset            forget everything
 *   /_sandbox/barrier...            hold one request's reply (barrier.h)
 *
 * Each fake is one file, fake_<name>.c, registering itself with
 * SB_REGISTER_FAKE. Handlers run one at a time under the server's lock, so
 * fakes need no locking of their own. Fakes check credentials the way the
 * provider does, against test credentials taken from the environment
 * (SANDBOX_<NAME>_* variables, documented at the top of each fake) with a
 * default, and answer with the provider's own error shapes.
 */
#ifndef ENVSETUP_SANDBOX_H
#define ENVSETUP_SANDBOX_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct sb_request {
	const char *method; /* "GET" ... */
	const char *path;   /* after the fake's prefix, starts with '/' */
	const char *query;  /* raw query string without '?', or "" */
	const char *body;   /* NUL-terminated, nullable when empty */
	size_t body_len;
	void *impl; /* the server's own */
};

/* Case-insensitive request header (nullable). */
const char *sb_header(const struct sb_request *r, const char *name);
/* Decoded query parameter, first occurrence (nullable). */
const char *sb_query(const struct sb_request *r, const char *name);
/* Form fields of an urlencoded or multipart body; names may repeat.
 * sb_form() returns the i-th value of `name` (nullable). */
size_t sb_form_count(const struct sb_request *r, const char *name);
const char *sb_form(const struct sb_request *r, const char *name, size_t i);
/* The body parsed as JSON (borrowed, freed after the handler), nullable. */
cJSON *sb_json(const struct sb_request *r);
/* HTTP Basic credentials, decoded; 0 when absent or malformed. The
 * pointers are valid until the handler returns. */
int sb_basic_auth(const struct sb_request *r, const char **user,
                  const char **password);
/* Bearer token from Authorization (nullable). */
const char *sb_bearer(const struct sb_request *r);

struct sb_response {
	int status;
	char *body; /* malloc'd, owned by the server after return */
	char content_type[64];
	char headers[8][256]; /* "Name: value" extra headers */
	int n_headers;
	int trickle_ms; /* > 0: the body is sent in pieces over that long */
};

void sb_reply(struct sb_response *resp, int status, const char *content_type,
              const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* `json` (transfer full) is printed and freed. */
void sb_reply_json(struct sb_response *resp, int status, cJSON *json);
void sb_reply_header(struct sb_response *resp, const char *name,
                     const char *value);

/* Resources the fakes hold; listed by GET /_sandbox/resources so tests can
 * count duplicates. `attrs` (transfer full) becomes the resource's
 * attributes; the returned pointer is borrowed from the store. */
cJSON *sb_resource_add(const char *provider, const char *kind, const char *id,
                       cJSON *attrs);
cJSON *sb_resource_find(const char *provider, const char *kind, const char *id);
/* First resource whose string attribute `attr` equals `value`. */
cJSON *sb_resource_find_by(const char *provider, const char *kind,
                           const char *attr, const char *value);
int sb_resource_delete(const char *provider, const char *kind, const char *id);
/* Calls fn for each resource of provider/kind, in creation order. */
void sb_resource_each(const char *provider, const char *kind,
                      void (*fn)(const char *id, cJSON *attrs, void *arg),
                      void *arg);

/* Injected-error budgets (SANDBOX_<NAME>_ERRORS=CLASS:N): counts one more
 * request against the counter `id` (a resource of kind injected_error, so
 * /_sandbox/reset restarts it) and returns 1 while fewer than `limit`
 * were counted before, 0 once the budget is spent. */
int sb_injected_error(const char *provider, const char *id, int limit);

/* How many polls an asynchronous operation takes before it completes
 * (--async-polls, default 2), so tests exercise IN_PROGRESS. */
int sb_async_polls(void);
/* A fresh id: prefix + counter ("dom-0001"); static buffer per call site is
 * not used: writes into buf. */
void sb_new_id(char *buf, size_t len, const char *prefix);

struct sb_fake {
	const char *name; /* URL prefix and provider name: "mailgun" */
	void (*handle)(const struct sb_request *req, struct sb_response *resp);
};

void sb_register_fake(const struct sb_fake *fake);

#define SB_REGISTER_FAKE(fake)                                                 \
	__attribute__((constructor)) static void sb_register_##fake(void)      \
	{                                                                      \
		sb_register_fake(&(fake));                                     \
	}

#endif
