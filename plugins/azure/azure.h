/*
 * Internals of the azure plugin, shared by its source files:
 *   azure.c               schema, tasks, dispatch table, validate, descriptor
 *   azure_api.c           pure helpers, callback context, tokens, requests
 *   azure_subscription.c  subscription and resource_group
 *   azure_access.c        users (Graph) and role_assignments
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_AZURE_H
#define ENVSETUP_PLUGIN_AZURE_H

#include <stddef.h>
#include <stdint.h>

#include "envsetup/envsetup.h"

#define AZURE_UUID_LEN 36

/* ---- pure helpers (azure_api.c) --------------------------------------- */

/* The name-based UUID of a role assignment: the same (scope, principal,
 * role) always gives the same name. 0 on success. */
int azure_role_assignment_name(const char *scope, const char *principal,
                               const char *role, char out[AZURE_UUID_LEN + 1]);
/* 1 when `url` has the origin of `base` (poll URLs carry the ARM token). */
int azure_same_origin(const char *base, const char *url);
/* "envsetup-" + the customer id in lower-case letters, digits and '-'.
 * -1 when nothing usable is left. */
int azure_alias_name(const char *customer, char *out, size_t size);
/* 8-4-4-4-12 hex digits. */
int azure_is_guid(const char *s);

/* ---- one instance, one callback's context ----------------------------- */

enum service { ARM, GRAPH };

struct azure {
	const struct es_host *host;
	int64_t token_deadline[2]; /* monotonic seconds, per service */
};

struct ctx {
	const struct es_host *h;
	es_call *call;
	enum es_phase phase;
	struct azure *az;
	char login[512], arm[512], graph[512]; /* no trailing '/' */
	char sub[64]; /* subscription id, "" while unknown */
	char rg[128]; /* resource group name */
};

const char *az_cfg(struct ctx *c, const char *key);
/* 1 when config `key` is `value`. */
int az_cfg_is(struct ctx *c, const char *key, const char *value);
/* The poll_interval key in ms (30 s when out of range). */
uint32_t az_poll_ms(struct ctx *c);
/* Not in place: plan records it, verify fails on it (both return 1);
 * apply gets 0 and goes on to make it. */
int az_reported(struct ctx *c, enum es_status *st, enum es_change change,
                const char *kind, const char *name, const char *detail);

/* ---- requests (azure_api.c) ------------------------------------------- */

/* One answer from ARM or Graph; reply_free() releases it. */
struct reply {
	long status;
	int absent; /* a GET answered 404 */
	int exists; /* a create answered "already exists" */
	es_json *json;
	char code[96];           /* error.code (or the top-level code) */
	char message[256];       /* error.message, first line */
	char *async_url;         /* Azure-AsyncOperation (malloc'd, nullable) */
	char *location;          /* Location (malloc'd, nullable) */
	uint32_t retry_after_ms; /* 0: none sent */
};

void az_reply_free(struct ctx *c, struct reply *r);
/* Map an error answer to a status, with the diagnostic that explains it. */
enum es_status az_failure(struct ctx *c, const struct reply *r,
                          const char *what);
/* `method` on the absolute `url` with the bearer token of `svc`: ES_OK for
 * a 2xx, a GET's 404 (r->absent) or a create's "already exists"
 * (r->exists); the caller then calls az_reply_free(). */
enum es_status az_send(struct ctx *c, struct reply *r, enum service svc,
                       const char *method, const es_json *body,
                       const char *intent, const char *url);
/* az_send() to the base URL of `svc` followed by the formatted path. */
enum es_status az_api(struct ctx *c, struct reply *r, enum service svc,
                      const char *method, const es_json *body,
                      const char *intent, const char *fmt, ...) ES_PRINTF(7, 8);
/* An escaped copy for a URL path segment or query value (free with
 * mem_free); NULL records a diagnostic. */
char *az_esc(struct ctx *c, const char *s);
/* "prop eq 'value'" with OData quoting, escaped for a query string. */
char *az_odata_eq(struct ctx *c, const char *prop, const char *value);

/* ---- tasks ------------------------------------------------------------ */

/* azure_subscription.c */
enum es_status az_subscription(struct ctx *c);
/* The subscription the other tasks work in; plan may not know it yet. */
int az_need_subscription(struct ctx *c, enum es_status *st, const char *kind,
                         const char *name);
enum es_status az_resource_group(struct ctx *c);
/* azure_access.c */
enum es_status az_users(struct ctx *c);
enum es_status az_role_assignments(struct ctx *c);

#endif
