/*
 * Internals of the mandrill plugin, shared by its source files:
 *   mandrill.c            schema, tasks, outputs, validate, descriptor
 *   mandrill_api.c        the client for Mandrill: base URL, the key in
 *                         the JSON body, Mandrill's error names
 *   mandrill_domain.c     API key, sender domain, its DNS records, its
 *                         verification
 *   mandrill_account.c    subaccount and webhook
 *   mandrill_templates.c  the templates of templates_dir: add/update,
 *                         publish
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_MANDRILL_H
#define ENVSETUP_PLUGIN_MANDRILL_H

#include <stddef.h>

#include "envsetup/envsetup.h"

/* ---- one task call -------------------------------------------------- */

struct ctx {
	const struct es_ctx *x;
	const struct es_host *h;
	es_call *call;
	enum es_phase phase;
	struct es_client api; /* Mandrill: every call a POST of JSON */
	const char *domain;   /* as configured (nullable) */
};

/* Set up `c` for task call `x`: 0, or -1 with a diagnostic. */
int md_open(const struct es_ctx *x, struct ctx *c);
const char *md_cfg(struct ctx *c, const char *key);
enum es_status md_publish(struct ctx *c, const char *name, const char *value,
                          int secret);

/*
 * POST `params` (nullable: only the key) as a JSON object to base + path,
 * after setting its "key" to "{{secret:api_key}}"; the core substitutes the key
 * JSON-escaped and masks it in every trace. `intent` non-NULL marks a
 * write. Every Mandrill call, read or write, is a POST of this shape.
 */
enum es_status md_call(struct ctx *c, struct es_reply *r, const char *path,
                       es_json *params, const char *intent);
/* The same with one string parameter: {"name": value}. */
enum es_status md_call1(struct ctx *c, struct es_reply *r, const char *path,
                        const char *name, const char *value,
                        const char *intent);

/*
 * The teardown of one recorded resource of `kind` whose id is at state key
 * `key`: plan-destroy records the delete, destroy sends it (`path`,
 * {param: id}) and forgets the id and its claim (es_unclaim). Only what
 * envsetup made goes: before a create the task claims `key` (es_claim)
 * with what it asked for, the id it chose or, with `claim` non-NULL, what
 * identified it before it had an id (the webhook's URL); a resource whose
 * claim does not match is kept (adopted).
 */
enum es_status md_teardown(struct ctx *c, const char *key, const char *claim,
                           const char *kind, const char *path,
                           const char *param, int numeric_id);

/* ---- tasks: one function serves every phase ------------------------- */

enum es_status md_verify_api_key(const struct es_ctx *x);
enum es_status md_add_sender_domain(const struct es_ctx *x);
enum es_status md_verify_sender_domain(const struct es_ctx *x); /* long */
enum es_status md_subaccount(const struct es_ctx *x);
enum es_status md_configure_webhook(const struct es_ctx *x);
enum es_status md_upload_templates(const struct es_ctx *x);

#endif
