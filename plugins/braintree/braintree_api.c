/*
 * braintree: the client. Braintree's GraphQL API takes every request as a
 * POST of {query, variables} to {gateway URL}/graphql, with HTTP Basic
 * public_key:private_key and the pinned Braintree-Version. Errors come
 * back with HTTP 200 as
 *   {"errors": [{"message", "extensions": {"errorClass", "legacyCode"}}],
 *    "extensions": {"requestId"}}
 * which es_graphql() reads; the read hook only words them for a non-2xx
 * answer (a 401 carries the same shape) and refuses a body that is not a
 * JSON object, which no Braintree answer is.
 */
#include <stdio.h>
#include <string.h>

#include "braintree.h"

const char *bt_cfg(struct ctx *c, const char *key)
{
	return c->h->config->get_string(c->call, key);
}

/* "CLASS: message (request REQUEST-ID)" of the first error, for the
 * diagnostics of a non-2xx answer; Braintree Support asks for the id. */
static int read_error(const struct es_client *cl, struct es_reply *r)
{
	const struct es_json_api *j = cl->ctx->host->json;
	const char *cls, *msg, *request_id;

	if (j->kind(r->json) != ES_JSON_OBJECT)
		return -1;
	cls = j->get_string(r->json, "errors[0].extensions.errorClass");
	msg = j->get_string(r->json, "errors[0].message");
	request_id = j->get_string(r->json, "extensions.requestId");
	if (!msg)
		return 0; /* an answer, or an error without Braintree's shape */
	snprintf(r->message, sizeof(r->message), "%s%s%.*s%s%s%s",
	         cls ? cls : "", cls ? ": " : "", (int)strcspn(msg, "\r\n"),
	         msg, request_id ? " (request " : "",
	         request_id ? request_id : "", request_id ? ")" : "");
	return 0;
}

/* The gateway this environment charges through decides the URL key, so
 * the keys of a sandbox gateway never go to production and back. */
int bt_open(const struct es_ctx *x, struct ctx *c)
{
	const char *gateway, *version;

	memset(c, 0, sizeof(*c));
	c->x = x;
	c->h = x->host;
	c->call = x->call;
	c->phase = x->phase;
	gateway = bt_cfg(c, "gateway_environment");
	if (es_client_init(&c->api, x,
	                   gateway && strcmp(gateway, "sandbox") == 0
	                       ? "sandbox_api_url"
	                       : "api_url"))
		return -1;
	version = bt_cfg(c, "api_version");
	c->version.name = "Braintree-Version";
	c->version.value = version ? version : BT_DEFAULT_API_VERSION;
	c->api.provider = "Braintree";
	c->api.auth_key = "private_key";
	c->api.forbidden_hint = "the API key's user lacks a role that may read "
	                        "the merchant (Control Panel > Settings > Team "
	                        "> Roles)";
	c->api.headers = &c->version;
	c->api.n_headers = 1;
	/* Both halves are secret keys: the core substitutes them, so neither
	 * enters the plugin, and masks them in every trace. */
	c->api.basic_user = "{{secret:public_key}}";
	c->api.basic_password = "{{secret:private_key}}";
	c->api.read = read_error;
	/* No is_conflict: the plugin writes nothing, so nothing "exists
	 * already". */
	return 0;
}

enum es_status bt_query(struct ctx *c, struct es_reply *r, const char *query,
                        const es_json *variables, const char *what)
{
	enum es_status st =
	    es_graphql(&c->api, r, "/graphql", query, variables, NULL);

	/* es_graphql names a read "GraphQL query": say which one (after a
	 * rejected key, its diagnostic naming the key stays the last). */
	if (st != ES_OK && st != ES_INVALID_CONFIG)
		c->h->diag->error(c->call, NULL, "Braintree query %s: %s", what,
		                  st == ES_RETRY ? "looking again later"
		                                 : "failed");
	return st;
}
