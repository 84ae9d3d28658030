/*
 * Internals of the mailgun plugin, shared by its source files:
 *   mailgun.c            schema, tasks, descriptor, validate, dispatch table
 *   mailgun_api.c        requests, replies, error mapping, plan/verify helpers
 *   mailgun_domain.c     API key, domain, DNS records, webhooks, SMTP login
 *   mailgun_templates.c  templates_dir: scanning, checking and uploading
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_MAILGUN_H
#define ENVSETUP_PLUGIN_MAILGUN_H

#include <stddef.h>

#include "envsetup/envsetup.h"

/* ---- one callback's context ------------------------------------------ */

struct ctx {
	const struct es_host *h;
	es_call *call;
	enum es_phase phase;
	const char *domain; /* as configured (nullable) */
	char *dom;          /* escaped for URL paths (nullable) */
	char base[512];     /* API base URL without a trailing '/' */
};

const char *mg_cfg(struct ctx *c, const char *key);
enum es_status mg_publish(struct ctx *c, const char *name, const char *value);
/*
 * Something is not in place. plan records the change, verify fails saying
 * what is missing: both return 1 with *st set. apply returns 0, and the
 * caller goes on to make it.
 */
int mg_reported(struct ctx *c, enum es_status *st, enum es_change change,
                const char *kind, const char *name, const char *detail);

/* ---- requests ------------------------------------------------------- */

/* One answer from Mailgun; `json` (nullable) is freed by mg_reply_free(). */
struct reply {
	long status;
	int absent; /* a GET answered 404 */
	int exists; /* a write answered "... already exists" */
	es_json *json;
	char message[256]; /* {"message"}, {"Reason"} or the text body */
};

void mg_reply_free(struct ctx *c, struct reply *r);
/*
 * `method` base+path. `form` (n_form > 0) goes as multipart/form-data, the
 * type the spec declares for every write used here. `intent` (nullable)
 * marks a write: the core journals it and never resends it. ES_OK means a
 * 2xx, a GET's 404 (r->absent) or a write's "already exists" (r->exists);
 * the caller then calls mg_reply_free(). Anything else maps to a failure.
 */
ES_PRINTF(7, 8)
enum es_status mg_api(struct ctx *c, struct reply *r, const char *method,
                      const struct es_http_header *form, size_t n_form,
                      const char *intent, const char *fmt, ...);
/* 1 when an item of `array` (at `member`; "" for the item itself) equals
 * `value`. Case-insensitive: Mailgun lower-cases logins. */
int mg_has_item(struct ctx *c, const es_json *array, const char *member,
                const char *value);

/* ---- tasks: one function serves plan, apply and verify --------------- */

enum es_status mg_verify_api_key(struct ctx *c);
enum es_status mg_create_domain(struct ctx *c);
enum es_status mg_verify_domain(struct ctx *c); /* long-running */
enum es_status mg_configure_webhooks(struct ctx *c);
enum es_status mg_upload_templates(struct ctx *c);
enum es_status mg_smtp_credentials(struct ctx *c);

/* validate: the number of template files that make no valid template
 * name, each with a diagnostic (1 if templates_dir cannot be read). */
int mg_bad_templates(struct ctx *c, const char *dir);

#endif
