/*
 * Internals of the sparkpost plugin, shared by its source files:
 *   sparkpost.c            schema, tasks, outputs, validate, descriptor
 *   sparkpost_api.c        the client for SparkPost: region and base URL,
 *                          the key in Authorization, SparkPost's errors,
 *                          the teardown of one recorded resource
 *   sparkpost_domain.c     API key, sending domain, its DNS records, its
 *                          verification
 *   sparkpost_account.c    subaccount (and its key) and webhook
 *   sparkpost_templates.c  the templates of templates_dir: create,
 *                          update, publish
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_SPARKPOST_H
#define ENVSETUP_PLUGIN_SPARKPOST_H

#include <stddef.h>

#include "envsetup/envsetup.h"

/* ---- one task call -------------------------------------------------- */

struct ctx {
	const struct es_ctx *x;
	const struct es_host *h;
	es_call *call;
	enum es_phase phase;
	struct es_client api; /* SparkPost: JSON, the key in Authorization */
	struct es_http_header auth;
	const char *domain; /* as configured (nullable) */
	char dom[768];      /* escaped for URL paths ("" when unset) */
	int eu;             /* region eu: EU hosts for the bounce CNAME */
};

/* Set up `c` for task call `x`: 0, or -1 with a diagnostic. */
int sp_open(const struct es_ctx *x, struct ctx *c);
const char *sp_cfg(struct ctx *c, const char *key);
enum es_status sp_publish(struct ctx *c, const char *name, const char *value,
                          int secret);

/*
 * The teardown of one recorded resource of `kind` whose id is at state key
 * `key`: plan-destroy records the delete, destroy sends DELETE `path` and
 * forgets the id and its claim. A resource whose claim (es_claim: `claim`,
 * or the id itself when NULL) does not match is kept (adopted).
 */
enum es_status sp_teardown(struct ctx *c, const char *key, const char *claim,
                           const char *kind, const char *path);

/* ---- tasks: one function serves every phase ------------------------- */

enum es_status sp_verify_api_key(const struct es_ctx *x);
enum es_status sp_sending_domain(const struct es_ctx *x);
enum es_status sp_verify_sending_domain(const struct es_ctx *x); /* long */
enum es_status sp_subaccount(const struct es_ctx *x);
enum es_status sp_configure_webhook(const struct es_ctx *x);
enum es_status sp_upload_templates(const struct es_ctx *x);

#endif
