/*
 * Internals of the sumologic plugin, shared by its source files:
 *   sumologic.c            schema, tasks, outputs, validate, descriptor
 *   sumologic_api.c        the client for the deployment: base URL, Basic
 *                          auth (access id and key), Sumo's error shape,
 *                          DuplicateResourceName, look-ups by name
 *   sumologic_access.c     credentials, roles, users
 *   sumologic_collector.c  the hosted collector and its HTTP sources
 *   sumologic_monitors.c   the log search monitors
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_SUMOLOGIC_H
#define ENVSETUP_PLUGIN_SUMOLOGIC_H

#include <stddef.h>

#include "envsetup/envsetup.h"

#define SUMO_ID_MAX 128
#define SUMO_KEY_MAX 320 /* state keys and output names */

/* ---- one task call -------------------------------------------------- */

struct ctx {
	const struct es_ctx *x;
	const struct es_host *h;
	es_call *call;
	enum es_phase phase;
	/* The deployment's API: users, roles and monitors (the OpenAPI
	 * description) and the Collector Management API share its base URL
	 * and its Basic credentials. */
	struct es_client api;
};

/* Set up `c` for task call `x`: 0, or -1 with a diagnostic. */
int sumo_open(const struct es_ctx *x, struct ctx *c);
const char *sumo_cfg(struct ctx *c, const char *key);
int sumo_teardown(const struct ctx *c);
enum es_status sumo_publish(struct ctx *c, const char *name, const char *value,
                            int secret);

/* The hosted collector's name in this environment: collector_name, or
 * "<customer>-<environment>" (into buf, which it returns). */
const char *sumo_collector_name(struct ctx *c, char *buf, size_t size);

/* Send JSON `body` (nullable; freed here) with `method` to `path`, a
 * write when `intent` is given. */
enum es_status sumo_write(struct ctx *c, struct es_reply *r, const char *method,
                          es_json *body, const char *intent, const char *path);

/* After a create whose answer is in *r (status st): its "id" recorded in
 * state key `key`. A 2xx without one is malformed; a conflict (taken
 * meanwhile) is ES_RETRY, to look again. Frees r. */
enum es_status sumo_created(struct ctx *c, struct es_reply *r,
                            enum es_status st, const char *intent,
                            const char *key);

/* A create refused with DuplicateResourceName whose name the look-up
 * after it does not find: said, and looked at again later. */
enum es_status sumo_taken_but_missing(struct ctx *c, const char *key,
                                      const char *intent);

/* The `id` of the item of listing `path` (paged with Sumo's `token` /
 * `next`, items in "data") whose string member `member` equals `value`
 * (case-insensitively: names and e-mails): *id is set, empty when none
 * is, and the status of the look-up returned. `path` carries its filter
 * query. With `in` non-NULL, *in says whether that item's array `in`
 * ("roleIds") holds `in_value`. */
enum es_status sumo_find_in_list(struct ctx *c, const char *path,
                                 const char *member, const char *value,
                                 char *id, size_t size, const char *in,
                                 const char *in_value, int *has);

/* Remove `kind` `name` whose id is in state key `key`, at the formatted
 * path, when es_claim() says envsetup made it (else it is kept): look up,
 * report in plan --destroy, DELETE in destroy, forget the key. */
enum es_status sumo_remove(struct ctx *c, const char *key, const char *kind,
                           const char *name, const char *fmt, ...)
    ES_PRINTF(5, 6);

/* ---- tasks: one function serves plan, apply, verify and teardown ----- */

enum es_status sumo_verify_credentials(const struct es_ctx *x);
enum es_status sumo_roles(const struct es_ctx *x);
enum es_status sumo_users(const struct es_ctx *x);
enum es_status sumo_hosted_collector(const struct es_ctx *x);
enum es_status sumo_http_sources(const struct es_ctx *x);
enum es_status sumo_monitors(const struct es_ctx *x);

#endif
