/*
 * intercom: the client. The workspace's regional base URL, the Bearer
 * token, the pinned Intercom-Version, and how Intercom words its errors
 * (an `error.list`); the requests themselves and what their answers mean
 * are the SDK's (client.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasestr */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "intercom.h"

/* Sent with every request: the token is substituted by the core, so it
 * never enters the plugin. */
static const struct es_http_header intercom_headers[] = {
    {"Authorization", "Bearer {{secret:access_token}}"},
    {"Intercom-Version", INTERCOM_VERSION},
    {"Accept", "application/json"},
};

/* A throttled answer says when the window resets (X-RateLimit-Reset, a
 * unix time) rather than how long to wait: turn it into the delay before
 * the core calls the task again. SDK-CANDIDATE: the HTTP service honours
 * only Retry-After between its own attempts. */
static void honour_rate_limit_reset(const struct es_client *cl,
                                    const struct es_reply *r)
{
	const char *reset = es_reply_header(r, "X-RateLimit-Reset");
	char *end;
	long long at = reset ? strtoll(reset, &end, 10) : 0;
	long long wait_s = at - (long long)time(NULL);

	if (!reset || end == reset || *end)
		return;
	if (wait_s < 1)
		wait_s = 1;
	if (wait_s > 600)
		wait_s = 600;
	cl->ctx->host->diag->retry_after(cl->ctx->call,
	                                 (uint32_t)(wait_s * 1000));
}

/* {"type": "error.list", "errors": [{"code", "message"}]}: the message is
 * "code: message". An error code that says "not found" is absent whatever
 * the method (PUT /data_attributes/{id} answers 404 field_not_found). */
static int read_error(const struct es_client *cl, struct es_reply *r)
{
	const struct es_json_api *j = cl->ctx->host->json;
	const char *code = j->get_string(r->json, "errors[0].code");
	const char *msg = j->get_string(r->json, "errors[0].message");

	if (r->http_status >= 200 && r->http_status <= 299)
		return 0;
	if (r->http_status == 429)
		honour_rate_limit_reset(cl, r);
	if (code || msg)
		snprintf(r->message, sizeof(r->message), "%s%s%.*s",
		         code ? code : "", code && msg ? ": " : "",
		         msg ? (int)strcspn(msg, "\r\n") : 0, msg ? msg : "");
	if (r->http_status == 404 && code &&
	    (!strcmp(code, "not_found") || !strcmp(code, "field_not_found")))
		r->outcome = ES_ABSENT;
	return 0;
}

/* A data attribute whose name is taken: 400 parameter_invalid "You
 * already have 'X' in your company data. ..." (the spec's examples). */
static int already_exists(const struct es_client *cl, const struct es_reply *r)
{
	(void)cl;
	return r->http_status == 400 && strcasestr(r->message, "already have");
}

/* api_url, or the region's URL when the file does not set api_url. */
int ic_open(const struct es_ctx *x, struct ctx *c)
{
	const char *region, *url_key = "api_url";

	memset(c, 0, sizeof(*c));
	c->x = x;
	c->h = x->host;
	c->call = x->call;
	c->phase = x->phase;
	region = c->h->config->get_string(c->call, "region");
	if (region && strcmp(region, "us") != 0 &&
	    !c->h->config->is_explicit(c->call, "api_url"))
		url_key =
		    strcmp(region, "eu") == 0 ? "api_url_eu" : "api_url_au";
	if (es_client_init(&c->api, x, url_key))
		return -1;
	c->api.provider = "Intercom";
	c->api.auth_key = "access_token";
	c->api.forbidden_hint = "the private app lacks the permission this "
	                        "call needs (Developer Hub > Authentication)";
	c->api.headers = intercom_headers;
	c->api.n_headers = sizeof(intercom_headers) / sizeof(*intercom_headers);
	c->api.read = read_error;
	c->api.is_conflict = already_exists;
	return 0;
}

int ic_teardown(const struct ctx *c)
{
	return c->phase == ES_PHASE_PLAN_DESTROY ||
	       c->phase == ES_PHASE_DESTROY;
}

const es_json *ic_find_tag(struct ctx *c, const es_json *list, const char *name)
{
	for (size_t i = 0; i < c->h->json->array_size(list); i++) {
		const es_json *it = c->h->json->array_item(list, i);
		const char *v = c->h->json->get_string(it, "name");

		if (v && strcasecmp(v, name) == 0)
			return it;
	}
	return NULL;
}
