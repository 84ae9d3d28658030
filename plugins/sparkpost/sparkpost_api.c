/*
 * sparkpost: the client. SparkPost's base URL for the account's region,
 * the API key as the whole Authorization header (index.apib
 * "Authentication": no scheme), and how SparkPost words its errors:
 * {"errors": [{"message", "code", "description"}]} with `code` a string
 * (index.apib "Errors"); some validation errors carry {"message",
 * "param", "value"} instead (subaccounts.apib).
 */
#include <stdio.h>
#include <string.h>

#include "sparkpost.h"

const char *sp_cfg(struct ctx *c, const char *key)
{
	return c->h->config->get_string(c->call, key);
}

enum es_status sp_publish(struct ctx *c, const char *name, const char *value,
                          int secret)
{
	return c->h->output->set(c->call, name, value, secret) ? ES_FAILED
	                                                       : ES_OK;
}

/* SparkPost's error list into r->message: "code message: description"
 * for each (or "message (param)"). An error list sent with a 2xx is no
 * answer: a failure of the request, looked at again later. */
static int read_error(const struct es_client *cl, struct es_reply *r)
{
	const struct es_json_api *j = cl->ctx->host->json;
	const es_json *errors = j->get(r->json, "errors");
	size_t at = 0;

	if (j->array_size(errors) == 0)
		return 0; /* an answer, not an error */
	for (size_t i = 0; i < j->array_size(errors) && at < sizeof(r->message);
	     i++) {
		const es_json *e = j->array_item(errors, i);
		const char *code = j->get_string(e, "code");
		const char *msg = j->get_string(e, "message");
		const char *more = j->get_string(e, "description");

		if (!more)
			more = j->get_string(e, "param");
		at += (size_t)snprintf(
		    r->message + at, sizeof(r->message) - at,
		    "%s%s%s%.*s%s%.*s", i ? "; " : "", code ? code : "",
		    code ? " " : "", msg ? (int)strcspn(msg, "\r\n") : 0,
		    msg ? msg : "", more ? ": " : "",
		    more ? (int)strcspn(more, "\r\n") : 0, more ? more : "");
	}
	if (r->http_status >= 200 && r->http_status <= 299) {
		cl->ctx->host->diag->error(cl->ctx->call, NULL,
		                           "SparkPost sent errors with HTTP "
		                           "%ld: %s",
		                           r->http_status, r->message);
		return -1;
	}
	/* 420: a sending limit (index.apib "Errors"), which passes. */
	if (r->http_status == 420)
		r->status = ES_RETRY;
	return 0;
}

/* Reply members that hold secrets: a new subaccount's key. */
static const char *const secret_fields[] = {"key", NULL};

/* api_url, or api_url_eu for an EU account whose file does not set
 * api_url (index.apib "SparkPost EU": a separate host). */
int sp_open(const struct es_ctx *x, struct ctx *c)
{
	const char *region, *url_key = "api_url";

	memset(c, 0, sizeof(*c));
	c->x = x;
	c->h = x->host;
	c->call = x->call;
	c->phase = x->phase;
	region = sp_cfg(c, "region");
	c->eu = region && strcmp(region, "eu") == 0;
	if (c->eu && !c->h->config->is_explicit(c->call, "api_url"))
		url_key = "api_url_eu";
	if (es_client_init(&c->api, x, url_key))
		return -1;
	c->auth.name = "Authorization";
	c->auth.value = "{{secret:api_key}}";
	c->api.provider = "SparkPost";
	c->api.auth_key = "api_key";
	c->api.forbidden_hint = "the key lacks the grant for this call, or "
	                        "the plan lacks the feature";
	c->api.headers = &c->auth;
	c->api.n_headers = 1;
	c->api.read = read_error;
	c->api.secret_fields = secret_fields;
	c->domain = sp_cfg(c, "domain");
	return c->domain ? es_escape_into(x, "domain", c->domain, c->dom,
	                                  sizeof(c->dom))
	                 : 0;
}

/* ---- teardown ------------------------------------------------------ */

enum es_status sp_teardown(struct ctx *c, const char *key, const char *claim,
                           const char *kind, const char *path)
{
	const char *id;
	char intent[320];
	struct es_reply r;
	enum es_status st;

	if (!(id = es_teardown_target(c->x, &st, key, claim, kind)))
		return st; /* nothing made, kept, or plan --destroy */
	snprintf(intent, sizeof(intent), "delete %s %s", kind, id);
	st = es_client_json(&c->api, &r, "DELETE", NULL, intent, "%s", path);
	/* 409 1602: in use (a template while messages are generated from
	 * it, templates.apib "Delete a Template"): still there, later. */
	if (st == ES_OK && r.outcome == ES_CONFLICT) {
		c->h->diag->error(c->call, NULL,
		                  "%s: SparkPost answered 409 %s", intent,
		                  r.message);
		st = ES_RETRY;
	}
	/* Deleted (200, 204) or absent (404: already gone): done. */
	else if (st == ES_OK)
		st = es_unclaim(c->x, key, key) ? ES_FAILED : ES_OK;
	es_reply_free(&r);
	return st;
}
