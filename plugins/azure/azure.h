/*
 * Internals of the azure plugin, shared by its source files:
 *   azure.c               schema, tasks, validate, descriptor
 *   azure_api.c           the clients (login, ARM, Graph) and the tokens
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

/* ---- the instance: one customer environment --------------------------- */

/* The APIs that take a bearer token, each from its own OAuth2 scope. */
enum service { ARM, GRAPH };

/* The OAuth2 token cache: a token is kept (secret->remember) until its
 * deadline, so the tasks of one run sign in once per API. */
struct azure {
	int64_t token_deadline[2]; /* boot-clock seconds, per service */
};

/* ---- one task call ---------------------------------------------------- */

struct ctx {
	const struct es_ctx *x;
	const struct es_host *h;
	es_call *call;
	enum es_phase phase;
	struct azure *az;
	struct es_client login; /* the identity platform's token endpoint */
	struct es_client arm;   /* Bearer {{secret:arm_token}} */
	struct es_client graph; /* Bearer {{secret:graph_token}} */
	char sub[128];          /* subscription id for paths, "" if unknown */
	char rg[96];            /* resource group name */
	char rg_path[300];      /* the same, escaped for paths */
};

/* Set up `c` for task call `x` and sign in to `svc` unless its token is
 * still fresh: ES_OK, or the status to return (with a diagnostic). */
enum es_status az_open(const struct es_ctx *x, struct ctx *c, enum service svc);
const char *az_cfg(struct ctx *c, const char *key);
/* 1 when config `key` is `value`. */
int az_cfg_is(struct ctx *c, const char *key, const char *value);
/* 1 when `url` has the origin of `base` (URLs Azure hands out are only
 * followed there: the request carries the bearer token). */
int azure_same_origin(const char *base, const char *url);
/* "prop eq 'value'" with OData quoting, escaped for a query string (free
 * with mem_free; NULL with a diagnostic). */
char *az_odata_eq(struct ctx *c, const char *prop, const char *value);

/* ---- tasks: one function serves plan, apply and verify ---------------- */

/* azure_subscription.c */
enum es_status az_subscription(const struct es_ctx *x); /* long-running */
enum es_status az_resource_group(const struct es_ctx *x);
/* "envsetup-" + the customer id in lower-case letters, digits and '-'.
 * -1 when nothing usable is left. */
int azure_alias_name(const char *customer, char *out, size_t size);
/* The subscription the other tasks work in: 0 when it is known, else 1
 * with *st set (plan: "in the subscription being created"). */
int az_need_subscription(struct ctx *c, enum es_status *st, const char *kind,
                         const char *name);

/* azure_access.c */
enum es_status az_users(const struct es_ctx *x);
enum es_status az_role_assignments(const struct es_ctx *x);
/* The name-based UUID of a role assignment: the same (scope, principal,
 * role) always gives the same name. 0 on success. */
int azure_role_assignment_name(const char *scope, const char *principal,
                               const char *role, char out[AZURE_UUID_LEN + 1]);

#endif
