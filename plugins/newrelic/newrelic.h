/*
 * Internals of the newrelic plugin, shared by its source files:
 *   newrelic.c         schema, tasks, outputs, validate, descriptor
 *   newrelic_api.c     the client for NerdGraph: the region's endpoint,
 *                      the API-Key header, errors in a 200 and in the
 *                      typed payload of a mutation, teardown of one id
 *   newrelic_users.c   the API key (who am I) and the users
 *   newrelic_alerts.c  the alert policy and its NRQL conditions
 *   newrelic_notify.c  e-mail destination, channel and workflow
 *   newrelic_apm.c     synthetics monitors, Apdex targets, licence key
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_NEWRELIC_H
#define ENVSETUP_PLUGIN_NEWRELIC_H

#include <stdint.h>

#include "envsetup/envsetup.h"

#define NR_NAME_MAX 256

/* ---- one task call -------------------------------------------------- */

struct ctx {
	const struct es_ctx *x;
	const struct es_host *h;
	es_call *call;
	enum es_phase phase;
	struct es_client api;      /* POST {NerdGraph URL}, API-Key */
	struct es_http_header key; /* API-Key: {{secret:api_key}} */
	int64_t account;           /* account_id */
	char policy[NR_NAME_MAX];  /* the environment's alert policy name */
};

/* Set up `c` for task call `x`: 0, or -1 with a diagnostic. */
int nr_open(const struct es_ctx *x, struct ctx *c);
const char *nr_cfg(struct ctx *c, const char *key);
/* {"accountId": account} (transfer full), the variables most calls
 * start from. */
es_json *nr_account_vars(struct ctx *c);

/*
 * One NerdGraph query (a read) through the SDK's es_graphql(): errors in
 * a 200 decide the status (TOO_MANY_REQUESTS and New Relic's server error
 * classes ES_RETRY, BAD_API_KEY ES_INVALID_CONFIG naming api_key). A
 * failure names the operation (`what`).
 */
enum es_status nr_query(struct ctx *c, struct es_reply *r, const char *query,
                        const es_json *vars, const char *what);

/*
 * One mutation (a write, `intent` journaled), then its typed payload at
 * data.<field>: a payload that is missing is a malformed answer, one whose
 * `errors` (or `error`) is set is a failure of the write, retried when
 * its type says "later". ES_OK leaves the payload at *payload (borrowed
 * from r).
 */
enum es_status nr_mutate(struct ctx *c, struct es_reply *r, const char *query,
                         const es_json *vars, const char *intent,
                         const char *field, const es_json **payload);

/*
 * Create `kind` `name` with mutation `query` (payload `field`) after
 * claiming state key `key` for it, and record the id found at `id_path`
 * of the payload there (copied to `id`). "Already exists" after a look-up
 * that found none is someone else's create in between: the claim is
 * dropped (destroy keeps theirs) and ES_RETRY has the next run find it.
 */
enum es_status nr_create(struct ctx *c, const char *key, const char *name,
                         const char *query, const es_json *vars,
                         const char *field, const char *id_path,
                         const char *kind, char *id, size_t size);

/* The alert policy's id as alert_policy recorded it (*id NULL in plan
 * before it exists). -1 with a diagnostic in apply when it is missing. */
int nr_policy_id(struct ctx *c, const char **id);

/* 1 when the failed reply r says the id is unknown (NOT_FOUND): a
 * delete of something already gone. */
int nr_not_found(const struct es_reply *r);

/*
 * The teardown of one recorded resource: the id at state key `key`, made
 * by envsetup when its claim equals `claim` (the name it asked for), else
 * kept. Plan-destroy records the delete; destroy sends `query` with
 * `vars` (transfer none) and the id set as member `id_var` of `into` (an
 * object inside vars; NULL: vars itself), and forgets the id and its
 * claim once it is gone (an unknown id is gone too). `field` names the
 * mutation's payload.
 */
enum es_status nr_teardown(struct ctx *c, const char *key, const char *claim,
                           const char *kind, const char *query, es_json *vars,
                           es_json *into, const char *id_var,
                           const char *field);

/* The exact-name match in the array at `path` of r->json (nullable). */
const es_json *nr_by_name(struct ctx *c, const struct es_reply *r,
                          const char *path, const char *name);

/* ---- tasks: one function serves every phase ------------------------- */

enum es_status nr_verify_api_key(const struct es_ctx *x);
enum es_status nr_users(const struct es_ctx *x);
enum es_status nr_alert_policy(const struct es_ctx *x);
enum es_status nr_alert_conditions(const struct es_ctx *x);
enum es_status nr_notifications(const struct es_ctx *x);
enum es_status nr_synthetics_monitors(const struct es_ctx *x);
enum es_status nr_apdex(const struct es_ctx *x);
enum es_status nr_license_key(const struct es_ctx *x);

#endif
