/*
 * Internals of the mailgun plugin, shared by its source files:
 *   mailgun.c            schema, tasks, validate, descriptor
 *   mailgun_api.c        the client for Mailgun: base URL, auth, errors
 *   mailgun_domain.c     API key, domain, DNS records, webhooks, SMTP login
 *   mailgun_templates.c  the templates of templates_dir, uploaded
 *   mailgun_destroy.c    teardown: what the tasks made, removed
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_MAILGUN_H
#define ENVSETUP_PLUGIN_MAILGUN_H

#include <stddef.h>

#include "envsetup/envsetup.h"

/* ---- one task call -------------------------------------------------- */

struct ctx {
	const struct es_ctx *x;
	const struct es_host *h;
	es_call *call;
	enum es_phase phase;
	struct es_client api; /* Mailgun, HTTP Basic "api" + api_key */
	const char *domain;   /* as configured (nullable) */
	char dom[768];        /* escaped for URL paths ("" when unset) */
};

/* Set up `c` for task call `x`: 0, or -1 with a diagnostic. */
int mg_open(const struct es_ctx *x, struct ctx *c);
const char *mg_cfg(struct ctx *c, const char *key);
enum es_status mg_publish(struct ctx *c, const char *name, const char *value);

/* A write with a multipart/form-data body, the type Mailgun's spec
 * declares for every write used here. */
static inline struct es_send mg_form(const char *method,
                                     const struct es_http_header *form,
                                     size_t n_form, const char *intent)
{
	struct es_send s = {.method = method,
	                    .form_kind = ES_FORM_MULTIPART,
	                    .form = form,
	                    .n_form = n_form,
	                    .intent = intent};

	return s;
}

/* 1 when an item of `array` (at `member`; "" for the item itself) equals
 * `value`. Case-insensitive: Mailgun lower-cases logins. */
int mg_has_item(struct ctx *c, const es_json *array, const char *member,
                const char *value);

/* ---- tasks: one function serves plan, apply and verify --------------- */

enum es_status mg_verify_api_key(const struct es_ctx *x);
enum es_status mg_create_domain(const struct es_ctx *x);
enum es_status mg_verify_domain(const struct es_ctx *x); /* long-running */
enum es_status mg_configure_webhooks(const struct es_ctx *x);
enum es_status mg_upload_templates(const struct es_ctx *x);
enum es_status mg_smtp_credentials(const struct es_ctx *x);

/* ---- teardown (mailgun_destroy.c): plan --destroy and destroy ------- */

enum es_status mg_destroy_domain(struct ctx *c);
enum es_status mg_destroy_webhooks(struct ctx *c);
enum es_status mg_destroy_credentials(struct ctx *c);
/* Template `name`, when its active version is envsetup's. */
enum es_status mg_destroy_template(struct ctx *c, const char *name);

#endif
