/*
 * eway: the client. eWAY's Rapid API takes HTTP Basic
 * api_key:api_password (eway-rapid-php src/Rapid/Service/Http.php,
 * CURLOPT_USERPWD) and answers JSON. Rejected credentials come back as a
 * 401 with no body the SDK reads; eWAY's own errors come back with HTTP
 * 200 and a comma-separated "Errors" member of its response codes
 * (V6xxx validation, S5xxx system; eway-rapid-php
 * resource/lang/en.ini). The read hook words such an error for the
 * diagnostics of a non-2xx answer and refuses a body that is not a JSON
 * object, which no Rapid answer is.
 */
#include <stdio.h>
#include <string.h>

#include "eway.h"

/* S5029: "API Rate Limit Exceeded" (en.ini). */
#define EWAY_RATE_LIMITED "S5029"

const char *eway_cfg(struct ctx *c, const char *key)
{
	return c->h->config->get_string(c->call, key);
}

static int read_error(const struct es_client *cl, struct es_reply *r)
{
	const struct es_json_api *j = cl->ctx->host->json;
	const char *codes;

	if (j->kind(r->json) != ES_JSON_OBJECT)
		return -1;
	codes = j->get_string(r->json, "Errors");
	if (codes && *codes) {
		snprintf(r->message, sizeof(r->message), "eWAY error %.*s",
		         (int)strcspn(codes, "\r\n"), codes);
		/* A throttle sent with an error status is retried like a
		 * 429, whatever the status says. */
		if (strstr(codes, EWAY_RATE_LIMITED))
			r->status = ES_RETRY;
	}
	return 0;
}

/* The gateway this environment charges through decides the URL key, so
 * a sandbox key never goes to production and back. */
int eway_open(const struct es_ctx *x, struct ctx *c)
{
	const char *mode;

	memset(c, 0, sizeof(*c));
	c->x = x;
	c->h = x->host;
	c->call = x->call;
	c->phase = x->phase;
	mode = eway_cfg(c, "gateway_mode");
	c->url_key = mode && strcmp(mode, "sandbox") == 0 ? "sandbox_api_url"
	                                                  : "api_url";
	if (es_client_init(&c->api, x, c->url_key))
		return -1;
	c->api.provider = "eWAY";
	c->api.auth_key = "api_password";
	c->api.forbidden_hint = "the key's account lacks Rapid API access "
	                        "(MYeWAY > Settings > API Key)";
	/* Both halves are secret keys: the core substitutes them, so neither
	 * enters the plugin, and masks them in every trace. */
	c->api.basic_user = "{{secret:api_key}}";
	c->api.basic_password = "{{secret:api_password}}";
	c->api.read = read_error;
	/* No is_conflict: the plugin writes nothing, so nothing "exists
	 * already". */
	return 0;
}

enum es_status eway_errors_in_200(struct ctx *c, const struct es_reply *r,
                                  const char *what)
{
	const char *codes = c->h->json->get_string(r->json, "Errors");

	if (!codes || !*codes)
		return ES_OK;
	if (strstr(codes, EWAY_RATE_LIMITED)) {
		c->h->diag->error(c->call, NULL,
		                  "%s: eWAY answered %s (API rate limit "
		                  "exceeded); looking again later",
		                  what, codes);
		return ES_RETRY;
	}
	c->h->diag->error(c->call, NULL, "%s: eWAY answered error %s", what,
	                  codes);
	return ES_FAILED;
}
