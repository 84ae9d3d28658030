/*
 * godaddy-ssl: the client. GoDaddy's base URL (production or OTE), the
 * sso-key header, how GoDaddy words its errors, and one task call's
 * context; the requests themselves and what their answers mean are the
 * SDK's (client.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <string.h>

#include "godaddy_ssl.h"

/* The core fills the credentials in: they never enter plugin memory. */
static const struct es_http_header godaddy_headers[] = {
    {"Authorization", "sso-key {{secret:api_key}}:{{secret:api_secret}}"},
    {"Accept", "application/json"},
};

/* What GoDaddy's 403 usually means: production API access is gated. */
static const char forbidden_hint[] =
    "its production Domains and Certificates APIs are only open to "
    "accounts with 10 or more domains and/or an active Discount Domain "
    "Club Premier membership; meet that rule, or use environment = "
    "\"ote\" with OTE keys";

/* Longest wait GoDaddy's retryAfterSec may ask for: a day. */
#define RETRY_AFTER_MAX_S 86400.0

const char *gd_cfg(struct ctx *c, const char *key)
{
	return c->h->config->get_string(c->call, key);
}

size_t gd_n_items(struct ctx *c, const char *key)
{
	return c->h->config->list_size(c->call, key);
}

const char *gd_item(struct ctx *c, const char *key, size_t i)
{
	return c->h->config->list_item(c->call, key, i);
}

int gd_publish(struct ctx *c, const char *name, const char *cn,
               const char *value)
{
	char full[320];

	snprintf(full, sizeof(full), "%s:%s", name, cn);
	return c->h->output->set(c->call, full, value, 0);
}

void gd_state_key(const char *what, const char *cn, char *key, size_t size)
{
	snprintf(key, size, "%s:%s", what, cn);
}

/* A copy in `buf` (the host's pointer lasts only until the callback
 * ends), or NULL when unset. Values are GoDaddy ids and serials, used in
 * URL paths: anything else is refused. */
const char *gd_state_get(struct ctx *c, const char *what, const char *cn,
                         char *buf, size_t size)
{
	char key[320];
	const char *v;

	gd_state_key(what, cn, key, sizeof(key));
	v = c->h->state->get(c->call, key);
	if (!v || !*v ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	              "qrstuvwxyz0123456789._:-") != strlen(v) ||
	    (size_t)snprintf(buf, size, "%s", v) >= size)
		return NULL;
	return buf;
}

int gd_state_put(struct ctx *c, const char *what, const char *cn,
                 const char *value)
{
	char key[320];

	gd_state_key(what, cn, key, sizeof(key));
	return value ? c->h->state->put(c->call, key, value)
	             : c->h->state->del(c->call, key);
}

/* ---- GoDaddy's answers ----------------------------------------------- */

/* GoDaddy's Error shape: "CODE: message (path: message; ...)", and the
 * delay a 429 asks for in retryAfterSec. */
static int read_error(const struct es_client *cl, struct es_reply *r)
{
	const struct es_host *h = cl->ctx->host;
	const struct es_json_api *j = h->json;
	const char *code = j->get_string(r->json, "code");
	const char *msg = j->get_string(r->json, "message");
	const es_json *fields = j->get(r->json, "fields");
	size_t n = 0, size = sizeof(r->message);
	double wait = j->get_number(r->json, "retryAfterSec", 0);

	if (r->http_status >= 200 && r->http_status <= 299)
		return 0; /* a result, not an Error */
	if (r->http_status == 429 && wait > 0)
		h->diag->retry_after(
		    cl->ctx->call, (uint32_t)(wait < RETRY_AFTER_MAX_S
		                                  ? wait * 1000
		                                  : RETRY_AFTER_MAX_S * 1000));
	n += (size_t)snprintf(r->message, size, "%s%s%s", code ? code : "",
	                      code && msg ? ": " : "", msg ? msg : "");
	for (size_t i = 0; n < size && i < j->array_size(fields); i++) {
		const es_json *f = j->array_item(fields, i);
		const char *path = j->get_string(f, "path");
		const char *fm = j->get_string(f, "message");
		const char *fc = j->get_string(f, "code");

		n +=
		    (size_t)snprintf(r->message + n, size - n, "%s%s: %s%s",
		                     i ? "; " : " (", path ? path : "?",
		                     fm   ? fm
		                     : fc ? fc
		                          : "?",
		                     i + 1 == j->array_size(fields) ? ")" : "");
	}
	for (char *p = r->message; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return 0;
}

int gd_is_dead(const char *status)
{
	static const char *const dead[] = {"CANCELED", "DENIED", "REVOKED",
	                                   "EXPIRED",  "UNUSED", NULL};

	for (size_t i = 0; status && dead[i]; i++)
		if (strcmp(status, dead[i]) == 0)
			return 1;
	return 0;
}

/* ---- one task call --------------------------------------------------- */

/* Names that become path segments must not climb out of secrets_dir. */
static int safe_segment(const char *s)
{
	return s && *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

/* api_url, or ote_url for GoDaddy's test environment. */
int gd_open(const struct es_ctx *x, struct ctx *c)
{
	const char *env, *dir, *cust, *run_env;

	*c = (struct ctx){
	    .x = x, .h = x->host, .call = x->call, .phase = x->phase};
	env = gd_cfg(c, "environment");
	if (es_client_init(&c->api, x,
	                   env && !strcmp(env, "ote") ? "ote_url" : "api_url"))
		return -1;
	c->api.provider = "GoDaddy";
	c->api.auth_key = "api_key";
	c->api.forbidden_hint = forbidden_hint;
	c->api.headers = godaddy_headers;
	c->api.n_headers = sizeof(godaddy_headers) / sizeof(godaddy_headers[0]);
	c->api.read = read_error;
	c->domain = gd_cfg(c, "domain");
	dir = gd_cfg(c, "secrets_dir");
	cust = c->h->config->customer(c->call);
	run_env = c->h->config->environment(c->call);
	if (!c->domain || !dir || !safe_segment(cust) ||
	    !safe_segment(run_env) ||
	    (size_t)snprintf(c->dir, sizeof(c->dir), "%s/%s/%s", dir, cust,
	                     run_env) >= sizeof(c->dir)) {
		c->h->diag->error(c->call, NULL,
		                  "no usable domain, secrets_dir, customer or "
		                  "environment name");
		return -1;
	}
	return 0;
}

void gd_wait_for(struct ctx *c, enum gd_wait who)
{
	if (who > c->waiting)
		c->waiting = who;
}

enum es_status gd_each_certificate(const struct es_ctx *x, gd_cert_fn fn)
{
	struct ctx c;
	enum es_status st = ES_OK;

	if (gd_open(x, &c))
		return ES_INVALID_CONFIG;
	for (size_t i = 0; st == ES_OK && i < gd_n_items(&c, "certificates");
	     i++)
		st = fn(&c, i, gd_item(&c, "certificates", i));
	if (st != ES_OK || c.phase != ES_PHASE_APPLY || !c.waiting)
		return st;
	if (c.waiting == GD_WAIT_PERSON) {
		c.h->diag->ask(
		    c.call,
		    "Publish at your DNS host: %s. Then run envsetup "
		    "confirm godaddy-ssl:validate_domain",
		    c.ask);
		return ES_NEEDS_PERSON;
	}
	return es_poll_again(
	    x, (uint64_t)c.h->config->get_duration_ms(c.call, "poll_interval"));
}
