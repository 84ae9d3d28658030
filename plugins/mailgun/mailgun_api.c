/*
 * mailgun: the client. Mailgun's base URL for the account's region, HTTP
 * Basic with the API key, and how Mailgun words its errors; the requests
 * themselves and what their answers mean are the SDK's (client.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasestr */
#endif
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mailgun.h"

const char *mg_cfg(struct ctx *c, const char *key)
{
	return c->h->config->get_string(c->call, key);
}

enum es_status mg_publish(struct ctx *c, const char *name, const char *value)
{
	return c->h->output->set(c->call, name, value, 0) ? ES_FAILED : ES_OK;
}

/* {"message"}, or {"Reason"} as some 400s have it, or the text body. */
static int read_error(const struct es_client *cl, struct es_reply *r)
{
	const struct es_json_api *j = cl->ctx->host->json;
	const char *msg = j->get_string(r->json, "message");

	if (!msg)
		msg = j->get_string(r->json, "Reason");
	if (msg)
		snprintf(r->message, sizeof(r->message), "%.*s",
		         (int)strcspn(msg, "\r\n"), msg);
	return 0;
}

/* Mailgun answers a write of something that exists with 400 or 409 and
 * "... already exists". */
static int already_exists(const struct es_client *cl, const struct es_reply *r)
{
	(void)cl;
	return r->http_status == 400 && strcasestr(r->message, "already");
}

/* api_url, or api_url_eu for an EU account whose file does not set api_url. */
int mg_open(const struct es_ctx *x, struct ctx *c)
{
	const char *region, *url_key = "api_url";

	memset(c, 0, sizeof(*c));
	c->x = x;
	c->h = x->host;
	c->call = x->call;
	c->phase = x->phase;
	region = mg_cfg(c, "region");
	if (region && strcmp(region, "eu") == 0 &&
	    !c->h->config->is_explicit(c->call, "api_url"))
		url_key = "api_url_eu";
	if (es_client_init(&c->api, x, url_key))
		return -1;
	c->api.provider = "Mailgun";
	c->api.auth_key = "api_key";
	c->api.basic_user = "api";
	c->api.basic_password = "{{secret:api_key}}";
	c->api.read = read_error;
	c->api.is_conflict = already_exists;
	c->domain = mg_cfg(c, "domain");
	if (!c->domain)
		return 0;
	return es_escape_into(x, "domain", c->domain, c->dom, sizeof(c->dom));
}

int mg_has_item(struct ctx *c, const es_json *array, const char *member,
                const char *value)
{
	for (size_t i = 0; i < c->h->json->array_size(array); i++) {
		const char *v = c->h->json->get_string(
		    c->h->json->array_item(array, i), member);

		if (v && strcasecmp(v, value) == 0)
			return 1;
	}
	return 0;
}
