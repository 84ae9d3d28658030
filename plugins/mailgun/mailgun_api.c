/*
 * mailgun: the requests. One call to Mailgun (HTTP Basic with the API key,
 * forms as multipart/form-data), its reply and what an error answer means,
 * and the helpers that let one task function serve plan, apply and verify.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasestr */
#endif
#include <stdarg.h>
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

int mg_reported(struct ctx *c, enum es_status *st, enum es_change change,
                const char *kind, const char *name, const char *detail)
{
	if (c->phase == ES_PHASE_APPLY)
		return 0;
	*st = es_phase_differs(c->h, c->call, c->phase, change, kind, name,
	                       detail);
	return 1;
}

void mg_reply_free(struct ctx *c, struct reply *r)
{
	c->h->json->free(r->json);
	r->json = NULL;
}

static void read_reply(struct ctx *c, es_http_response *resp, struct reply *r)
{
	size_t len = 0;
	const char *body = c->h->http->body(resp, &len);
	const char *msg = body; /* some errors come as plain text */

	r->status = c->h->http->status(resp);
	r->json = body ? c->h->json->parse(body, len) : NULL;
	if (r->json) {
		msg = c->h->json->get_string(r->json, "message");
		if (!msg) /* the shape some 400s use */
			msg = c->h->json->get_string(r->json, "Reason");
	}
	snprintf(r->message, sizeof(r->message), "%.*s",
	         msg ? (int)strcspn(msg, "\r\n") : 0, msg ? msg : "");
}

/* Map an error answer to a status, with the diagnostic that explains it.
 * The core already waited and retried on 429 (honouring Retry-After). */
static enum es_status failure(struct ctx *c, const struct reply *r,
                              const char *what)
{
	if (r->status == 401) {
		c->h->diag->error(c->call, "api_key",
		                  "Mailgun rejected the API key (401)");
		return ES_INVALID_CONFIG;
	}
	c->h->diag->error(c->call, r->status == 403 ? "api_key" : NULL,
	                  "%s: Mailgun answered %ld %s", what, r->status,
	                  r->message);
	if (r->status == 403)
		return ES_INVALID_CONFIG; /* a key without the needed role */
	return r->status == 429 || r->status >= 500 ? ES_RETRY : ES_FAILED;
}

ES_PRINTF(7, 8)
enum es_status mg_api(struct ctx *c, struct reply *r, const char *method,
                      const struct es_http_header *form, size_t n_form,
                      const char *intent, const char *fmt, ...)
{
	char url[2048];
	size_t n = strlen(c->base);
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = method,
	    .url = url,
	    .form_kind = n_form ? ES_FORM_MULTIPART : ES_FORM_NONE,
	    .form = form,
	    .n_form = n_form,
	    .basic_user = "api",
	    .basic_password = "{{secret:api_key}}",
	    .mutating = intent != NULL,
	    .intent = intent,
	};
	enum es_status st = ES_OK;
	es_http_response *resp;
	va_list ap;
	int len;

	memset(r, 0, sizeof(*r));
	memcpy(url, c->base, n + 1);
	va_start(ap, fmt);
	len = vsnprintf(url + n, sizeof(url) - n, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(url) - n) {
		c->h->diag->error(c->call, NULL, "URL too long: %s", fmt);
		return ES_FAILED;
	}
	resp = c->h->http->request(c->call, &req);
	if (!resp)
		return ES_RETRY; /* no answer; the core recorded why */
	read_reply(c, resp, r);
	if (r->status == 404 && strcmp(method, "GET") == 0)
		r->absent = 1;
	else if ((r->status == 400 || r->status == 409) && intent &&
	         strcasestr(r->message, "already"))
		r->exists = 1;
	else if (r->status < 200 || r->status > 299)
		st = failure(c, r, intent ? intent : url + n);
	else if (!r->json) { /* cut short: look again (apply looks up first) */
		c->h->diag->error(c->call, NULL,
		                  "%s: Mailgun's answer is not "
		                  "JSON",
		                  intent ? intent : url + n);
		st = ES_RETRY;
	}
	c->h->http->response_free(resp);
	if (st != ES_OK)
		mg_reply_free(c, r);
	return st;
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
