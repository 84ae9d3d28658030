/*
 * mandrill: the client. Mandrill (Mailchimp Transactional) takes every
 * call as a POST of a JSON object that carries the API key as its "key"
 * member: there is no auth header. Its errors are
 * {"status": "error", "code": N, "name": "Unknown_Template", "message"}
 * and what they mean is in `name`, not in the HTTP status: the older
 * service sent every error as 500, so the read hook branches on the name.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasestr */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mandrill.h"

const char *md_cfg(struct ctx *c, const char *key)
{
	return c->h->config->get_string(c->call, key);
}

enum es_status md_publish(struct ctx *c, const char *name, const char *value,
                          int secret)
{
	return c->h->output->set(c->call, name, value, secret) ? ES_FAILED
	                                                       : ES_OK;
}

/* Names that say "try later", whatever status carried them. */
static int is_transient(const char *name)
{
	return !strcmp(name, "RequestLimitExceeded") ||
	       !strcmp(name, "ServiceUnavailable") ||
	       !strcmp(name, "GeneralError");
}

/* Mandrill's error shape: "Name: message" into r->message, and what the
 * name means beyond the HTTP status. */
static int read_error(const struct es_client *cl, struct es_reply *r)
{
	const struct es_json_api *j = cl->ctx->host->json;
	const char *status = j->get_string(r->json, "status");
	const char *name = j->get_string(r->json, "name");
	const char *msg = j->get_string(r->json, "message");

	if (!status || strcmp(status, "error") != 0 || !name)
		return 0; /* an answer, not an error */
	snprintf(r->message, sizeof(r->message), "%s: %.*s", name,
	         msg ? (int)strcspn(msg, "\r\n") : 0, msg ? msg : "");
	if (r->http_status >= 200 && r->http_status <= 299) {
		/* An error sent with 200 is not the answer the request asked
		 * for: a failure of the request, looked at again later. */
		cl->ctx->host->diag->error(cl->ctx->call, NULL,
		                           "Mandrill sent its error %s with "
		                           "HTTP %ld",
		                           r->message, r->http_status);
		return -1;
	}
	if (strncmp(name, "Unknown_", 8) == 0)
		r->outcome = ES_ABSENT; /* Unknown_Template, _Subaccount ... */
	else if (strcmp(name, "Invalid_Key") == 0)
		r->status = ES_INVALID_CONFIG;
	else if (is_transient(name))
		r->status = ES_RETRY;
	return 0;
}

/* A create of a name that exists: templates/add answers Invalid_Template
 * ("A template with name ... already exists"), subaccounts/add a
 * ValidationError saying the same. */
static int already_exists(const struct es_client *cl, const struct es_reply *r)
{
	(void)cl;
	return strncmp(r->message, "Invalid_Template:", 17) == 0 ||
	       (strncmp(r->message, "ValidationError:", 16) == 0 &&
	        strcasestr(r->message, "already exist"));
}

/* Reply members that hold secrets: a webhook's signing key. */
static const char *const secret_fields[] = {"auth_key", NULL};

int md_open(const struct es_ctx *x, struct ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->x = x;
	c->h = x->host;
	c->call = x->call;
	c->phase = x->phase;
	if (es_client_init(&c->api, x, "api_url"))
		return -1;
	c->api.provider = "Mandrill";
	c->api.auth_key = "api_key";
	c->api.read = read_error;
	c->api.is_conflict = already_exists;
	c->api.secret_fields = secret_fields;
	c->domain = md_cfg(c, "domain");
	return 0;
}

enum es_status md_call(struct ctx *c, struct es_reply *r, const char *path,
                       es_json *params, const char *intent)
{
	const struct es_json_api *j = c->h->json;
	es_json *own = params ? NULL : j->new_object(),
	        *body = params ? params : own;
	enum es_status st;

	if (!body) {
		memset(r, 0, sizeof(*r));
		r->outcome = ES_FAILURE;
		return r->status = ES_FAILED;
	}
	j->set_string(body, "key", "{{secret:api_key}}");
	st = es_client_json(&c->api, r, "POST", body, intent, "%s", path);
	j->free(own);
	return st;
}

enum es_status md_call1(struct ctx *c, struct es_reply *r, const char *path,
                        const char *name, const char *value, const char *intent)
{
	es_json *params = c->h->json->new_object();
	enum es_status st;

	c->h->json->set_string(params, name, value);
	st = md_call(c, r, path, params, intent);
	c->h->json->free(params);
	return st;
}

/* ---- teardown ------------------------------------------------------ */

enum es_status md_teardown(struct ctx *c, const char *key, const char *claim,
                           const char *kind, const char *path,
                           const char *param, int numeric_id)
{
	const char *id;
	char intent[320];
	es_json *params;
	struct es_reply r;
	enum es_status st;

	/* Nothing recorded, not envsetup's (kept), or plan --destroy. */
	if (!(id = es_teardown_target(c->x, &st, key, claim, kind)))
		return st;
	params = c->h->json->new_object();
	if (numeric_id)
		c->h->json->set_int64(params, param, strtoll(id, NULL, 10));
	else
		c->h->json->set_string(params, param, id);
	snprintf(intent, sizeof(intent), "delete %s %s", kind, id);
	st = md_call(c, &r, path, params, intent);
	c->h->json->free(params);
	/* Found (deleted) or absent (Unknown_*: already gone): done. */
	if (st == ES_OK)
		st = es_unclaim(c->x, key, key) ? ES_FAILED : ES_OK;
	es_reply_free(&r);
	return st;
}
