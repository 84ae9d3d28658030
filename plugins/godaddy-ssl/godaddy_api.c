/*
 * godaddy-ssl: one callback's context (config, state, outputs, the plan
 * or verify report) and the requests to GoDaddy with their error mapping.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "godaddy_ssl.h"

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

/* Per-certificate names: "key_path:app.uat.acme.example". */
int gd_publish(struct ctx *c, const char *name, const char *cn,
               const char *value)
{
	char full[320];

	snprintf(full, sizeof(full), "%s:%s", name, cn);
	return c->h->output->set(c->call, full, value, 0);
}

/* A copy in `buf` (the host's pointer lasts only until the next get), or
 * NULL when unset. Values are GoDaddy ids and serials, used in URL paths:
 * anything else is refused. */
const char *gd_state_get(struct ctx *c, const char *what, const char *cn,
                         char *buf, size_t size)
{
	char key[320];
	const char *v;

	snprintf(key, sizeof(key), "%s:%s", what, cn);
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

	snprintf(key, sizeof(key), "%s:%s", what, cn);
	return value ? c->h->state->put(c->call, key, value)
	             : c->h->state->del(c->call, key);
}

/* Not in place: plan records it, verify fails on it (both return 1);
 * apply gets 0 and goes on to make it. As in mailgun. */
int gd_reported(struct ctx *c, enum es_status *st, enum es_change change,
                const char *kind, const char *name, const char *detail)
{
	if (c->phase == ES_PHASE_APPLY)
		return 0;
	*st = es_phase_differs(c->h, c->call, c->phase, change, kind, name,
	                       detail);
	return 1;
}

/* Who a task waits for: 1 a person (wins), 2 GoDaddy. */
void gd_wait_for(int *waiting, int who)
{
	*waiting = *waiting == 1 || who == 1 ? 1 : 2;
}

/* ---- requests ------------------------------------------------------- */

void gd_reply_free(struct ctx *c, struct reply *r)
{
	c->h->json->free(r->json);
	r->json = NULL;
}

/* "CODE: message (path: message; ...)" from GoDaddy's Error shape. */
static void read_error(struct ctx *c, struct reply *r)
{
	const struct es_json_api *j = c->h->json;
	const char *code = j->get_string(r->json, "code");
	const char *msg = j->get_string(r->json, "message");
	const es_json *fields = j->get(r->json, "fields");
	size_t n = strlen(r->text);

	n +=
	    snprintf(r->text + n, sizeof(r->text) - n, "%s%s%s",
	             code ? code : "", code && msg ? ": " : "", msg ? msg : "");
	for (size_t i = 0; n < sizeof(r->text) && i < j->array_size(fields);
	     i++) {
		const es_json *f = j->array_item(fields, i);
		const char *fm = j->get_string(f, "message");

		const char *path = j->get_string(f, "path");
		const char *fc = j->get_string(f, "code");

		n += snprintf(r->text + n, sizeof(r->text) - n, "%s%s: %s",
		              i ? "; " : " (", path ? path : "?",
		              fm   ? fm
		              : fc ? fc
		                   : "?");
		if (i + 1 == j->array_size(fields) && n < sizeof(r->text))
			n += snprintf(r->text + n, sizeof(r->text) - n, ")");
	}
	for (char *p = r->text; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

enum es_status gd_failure(struct ctx *c, struct reply *r, const char *what)
{
	double wait = c->h->json->get_number(r->json, "retryAfterSec", 0);

	if (r->status == 401) {
		c->h->diag->error(c->call, "api_key",
		                  "GoDaddy rejected the API key and secret "
		                  "(401 %s)",
		                  r->text);
		return ES_INVALID_CONFIG;
	}
	if (r->status == 403) {
		c->h->diag->error(
		    c->call, "api_key",
		    "GoDaddy refused API access for this account (403 %s): "
		    "its production Domains and Certificates APIs are only "
		    "open to accounts with 10 or more domains and/or an "
		    "active Discount Domain Club Premier membership; meet "
		    "that rule, or use environment = \"ote\" with OTE keys",
		    r->text);
		return ES_INVALID_CONFIG;
	}
	c->h->diag->error(c->call, NULL, "%s: GoDaddy answered %ld %s", what,
	                  r->status, r->text);
	if (r->status == 429 && wait > 0 && wait < 3600)
		c->h->diag->retry_after(c->call, (uint32_t)(wait * 1000));
	return r->status == 429 || r->status >= 500 ? ES_RETRY : ES_FAILED;
}

/*
 * `method` base+path with an optional JSON body. `intent` (nullable) marks
 * a write the core journals and never resends. ES_OK for a 2xx, a GET's
 * 404 (r->absent) and a 409 (r->conflict); the caller then gd_reply_free()s.
 */
enum es_status gd_api(struct ctx *c, struct reply *r, const char *method,
                      const char *body, const char *intent, const char *fmt,
                      ...)
{
	static const struct es_http_header headers[] = {
	    {"Authorization",
	     "sso-key {{secret:api_key}}:{{secret:api_secret}}"},
	    {"Accept", "application/json"},
	};
	char url[2048];
	size_t n = strlen(c->base), len = 0;
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = method,
	    .url = url,
	    .headers = headers,
	    .n_headers = 2,
	    .body = body,
	    .body_len = body ? strlen(body) : 0,
	    .content_type = body ? "application/json" : NULL,
	    .mutating = intent != NULL,
	    .intent = intent,
	};
	enum es_status st = ES_OK;
	es_http_response *resp;
	const char *text;
	va_list ap;
	int w;

	memset(r, 0, sizeof(*r));
	memcpy(url, c->base, n + 1);
	va_start(ap, fmt);
	w = vsnprintf(url + n, sizeof(url) - n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof(url) - n) {
		c->h->diag->error(c->call, NULL, "URL too long: %s", fmt);
		return ES_FAILED;
	}
	resp = c->h->http->request(c->call, &req);
	if (!resp)
		return ES_RETRY; /* no answer: the core recorded why */
	r->status = c->h->http->status(resp);
	text = c->h->http->body(resp, &len);
	r->json = text && len ? c->h->json->parse(text, len) : NULL;
	if (r->status == 404 && strcmp(method, "GET") == 0)
		r->absent = 1;
	else if (r->status == 409)
		r->conflict = 1;
	if (r->status < 200 || r->status > 299)
		read_error(c, r);
	if ((r->status < 200 || r->status > 299) && !r->absent && !r->conflict)
		st = gd_failure(c, r, intent ? intent : url + n);
	c->h->http->response_free(resp);
	if (st != ES_OK)
		gd_reply_free(c, r);
	return st;
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
