/*
 * Internals of the splunk plugin, shared by its source files:
 *   splunk.c         schema, tasks, outputs, validate, descriptor
 *   splunk_api.c     the two clients (the management REST API on :8089 and
 *                    Splunk Cloud's Admin Config Service), Splunk's error
 *                    shape, form bodies and the entity look-up they share
 *   splunk_access.c  the credentials check, the role and the users
 *   splunk_data.c    the index and the HTTP Event Collector tokens, through
 *                    REST (enterprise) or ACS (cloud)
 *   splunk_alerts.c  saved-search alerts with e-mail actions
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_SPLUNK_H
#define ENVSETUP_PLUGIN_SPLUNK_H

#include <stddef.h>

#include "envsetup/envsetup.h"

#define SP_NAME_MAX 256
#define SP_FORM_MAX 24

/* ---- one task call -------------------------------------------------- */

struct ctx {
	const struct es_ctx *x;
	const struct es_host *h;
	es_call *call;
	enum es_phase phase;
	struct es_client rest; /* management_url: /services, /servicesNS */
	struct es_client acs; /* mode = cloud: acs_url/{stack}/adminconfig/v2 */
	struct es_http_header auth_header;
	int cloud;
	const char *index; /* this environment's index */
};

/* Set up `c` for task call `x`: 0, or -1 with a diagnostic. */
int sp_open(const struct es_ctx *x, struct ctx *c);
const char *sp_cfg(struct ctx *c, const char *key);
enum es_status sp_publish(struct ctx *c, const char *name, const char *value,
                          int secret);
/* The role this environment's users get: `role`, or "<index>_user". */
const char *sp_role(struct ctx *c, char *buf, size_t size);

/* A form body as Splunk takes POSTs (x-www-form-urlencoded, a
 * multi-valued parameter repeated). Names and values are borrowed: they
 * must live until the request is sent. */
struct sp_form {
	struct es_http_header f[SP_FORM_MAX];
	size_t n;
};
void sp_form_add(struct sp_form *f, const char *name, const char *value);

/*
 * The entity at `collection`/`name` of the REST API (GET, output_mode=json)
 * into *r; *content is its entry[0].content when found (NULL when absent).
 * A 200 without an entry is malformed (ES_RETRY). The caller frees *r.
 */
enum es_status sp_get_entity(struct ctx *c, struct es_reply *r,
                             const char *collection, const char *name,
                             const es_json **content);
/* POST `form` to `collection` (create, with `name` in the form) or to
 * `collection`/`name` (update, entity != NULL), as a write `intent`. */
enum es_status sp_post(struct ctx *c, struct es_reply *r,
                       const char *collection, const char *entity,
                       const struct sp_form *form, const char *intent);
/* DELETE `collection`/`name` when it is there (REST). */
enum es_status sp_delete_entity(struct ctx *c, const char *collection,
                                const char *name, const char *kind);

/* 1 when the string array (or a single string: Splunk answers either for
 * a one-item list) `list` holds `value`. */
int sp_list_has(struct ctx *c, const es_json *list, const char *value);

/*
 * Teardown of one resource recorded under state key `key` (its name as
 * the value): kept when envsetup did not make it (es_claimed), else
 * `remove` is called (which looks up before it deletes) and the key and
 * its claim are forgotten.
 */
enum es_status sp_teardown(struct ctx *c, const char *key, const char *kind,
                           enum es_status (*remove)(struct ctx *c,
                                                    const char *name));

/* A create answered 409: `kind` `name` exists after all (an earlier
 * create whose answer was lost, or someone else's). ES_RETRY soon, so the
 * task looks it up again and updates it. */
enum es_status sp_exists_after_all(struct ctx *c, const char *kind,
                                   const char *name);

/* ---- tasks: one function serves plan, apply, verify and teardown ----- */

enum es_status sp_verify_credentials(const struct es_ctx *x);
enum es_status sp_role_task(const struct es_ctx *x);
enum es_status sp_users(const struct es_ctx *x);
enum es_status sp_index(const struct es_ctx *x);
enum es_status sp_hec_tokens(const struct es_ctx *x);
enum es_status sp_alerts(const struct es_ctx *x);

#endif
