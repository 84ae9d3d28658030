/*
 * newrelic: the client. NerdGraph takes every request as a POST of
 * {query, variables} to one endpoint per region, with the user key in the
 * API-Key header. Errors come back with HTTP 200 as
 *   {"data": ..., "errors": [{"message", "extensions": {"errorClass",
 *    "error_code"}}]}
 * which es_graphql() reads (a rejected key is error_code BAD_API_KEY,
 * "too many requests" errorClass TOO_MANY_REQUESTS). Most mutations also
 * carry typed errors in their payload ({errors: [{description, type}]} or
 * {error: {...}}): nr_mutate() reads those.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasestr */
#endif
#include <stdio.h>
#include <string.h>

#include "newrelic.h"

const char *nr_cfg(struct ctx *c, const char *key)
{
	return c->h->config->get_string(c->call, key);
}

es_json *nr_account_vars(struct ctx *c)
{
	es_json *vars = c->h->json->new_object();

	c->h->json->set_int64(vars, "accountId", c->account);
	return vars;
}

/* The first error's message for a non-2xx answer (a 401 carries the same
 * shape); a body that is not a JSON object is no NerdGraph answer. */
static int read_error(const struct es_client *cl, struct es_reply *r)
{
	const struct es_json_api *j = cl->ctx->host->json;
	const char *cls, *msg;

	if (j->kind(r->json) != ES_JSON_OBJECT)
		return -1;
	cls = j->get_string(r->json, "errors[0].extensions.errorClass");
	msg = j->get_string(r->json, "errors[0].message");
	if (msg)
		snprintf(r->message, sizeof(r->message), "%s%s%.*s",
		         cls ? cls : "", cls ? ": " : "",
		         (int)strcspn(msg, "\r\n"), msg);
	return 0;
}

/* Reply members that hold secrets: an ingest key's value. */
static const char *const secret_fields[] = {"key", NULL};

int nr_open(const struct es_ctx *x, struct ctx *c)
{
	const char *region, *name;

	memset(c, 0, sizeof(*c));
	c->x = x;
	c->h = x->host;
	c->call = x->call;
	c->phase = x->phase;
	region = nr_cfg(c, "region");
	/* The region decides the URL key, so an EU key never goes to the US
	 * endpoint (the host refuses credentials to any other origin). */
	if (es_client_init(&c->api, x,
	                   region && strcmp(region, "eu") == 0 ? "eu_api_url"
	                                                       : "api_url"))
		return -1;
	c->api.provider = "New Relic";
	c->api.auth_key = "api_key";
	c->api.forbidden_hint = "the key's user lacks a role on the account "
	                        "(Administration > Access management)";
	c->key.name = "API-Key";
	c->key.value = "{{secret:api_key}}";
	c->api.headers = &c->key;
	c->api.n_headers = 1;
	c->api.read = read_error;
	c->api.secret_fields = secret_fields;
	c->account = c->h->config->get_int(c->call, "account_id");
	name = nr_cfg(c, "policy_name");
	if (name)
		snprintf(c->policy, sizeof(c->policy), "%s", name);
	else
		snprintf(c->policy, sizeof(c->policy), "%s %s",
		         c->h->config->customer(c->call),
		         c->h->config->environment(c->call));
	return 0;
}

enum es_status nr_query(struct ctx *c, struct es_reply *r, const char *query,
                        const es_json *vars, const char *what)
{
	enum es_status st = es_graphql(&c->api, r, "", query, vars, NULL);

	/* es_graphql names a read "GraphQL query": say which one (after a
	 * rejected key, its diagnostic naming the key stays the last). */
	if (st != ES_OK && st != ES_INVALID_CONFIG)
		c->h->diag->error(c->call, NULL, "New Relic query %s: %s", what,
		                  st == ES_RETRY ? "looking again later"
		                                 : "failed");
	return st;
}

/* The type of a payload error that means "later" rather than "no". */
static int is_transient(const char *type)
{
	return type && (strcmp(type, "TOO_MANY_REQUESTS") == 0 ||
	                strcmp(type, "INTERNAL_SERVER_ERROR") == 0 ||
	                strcmp(type, "SERVER_ERROR") == 0 ||
	                strcmp(type, "TIMEOUT") == 0 ||
	                strcmp(type, "UNKNOWN_ERROR") == 0);
}

/* The payload's typed errors: ES_OK when there are none. */
static enum es_status payload_errors(struct ctx *c, struct es_reply *r,
                                     const es_json *payload, const char *intent)
{
	const struct es_json_api *j = c->h->json;
	const es_json *list = j->get(payload, "errors");
	const es_json *one = j->get(payload, "error");
	enum es_status st = ES_FAILED;
	size_t n = j->array_size(list), at = 0;

	if (n == 0 && j->kind(one) != ES_JSON_OBJECT)
		return ES_OK;
	r->message[0] = '\0';
	for (size_t i = 0; i < n || (i == 0 && n == 0); i++) {
		const es_json *e = n ? j->array_item(list, i) : one;
		const char *type = j->get_string(e, "type");
		const char *text = j->get_string(e, "description");

		if (!text)
			text = j->get_string(e, "details");
		if (type && (strcmp(type, "UNAUTHORIZED") == 0 ||
		             strcmp(type, "FORBIDDEN") == 0))
			st = ES_INVALID_CONFIG;
		else if (is_transient(type) && st == ES_FAILED)
			st = ES_RETRY;
		if (at < sizeof(r->message))
			at += (size_t)snprintf(
			    r->message + at, sizeof(r->message) - at,
			    "%s%s%s%s", i ? "; " : "", type ? type : "",
			    type && text ? ": " : "", text ? text : "");
	}
	c->h->diag->error(c->call, st == ES_INVALID_CONFIG ? "api_key" : NULL,
	                  "%s: New Relic answered %s%s", intent, r->message,
	                  st == ES_RETRY ? "; looking again later" : "");
	r->outcome = ES_FAILURE;
	return r->status = st;
}

enum es_status nr_mutate(struct ctx *c, struct es_reply *r, const char *query,
                         const es_json *vars, const char *intent,
                         const char *field, const es_json **payload)
{
	char path[128];
	const es_json *p;
	enum es_status st = es_graphql(&c->api, r, "", query, vars, intent);

	*payload = NULL;
	if (st != ES_OK)
		return st;
	snprintf(path, sizeof(path), "data.%s", field);
	p = c->h->json->get(r->json, path);
	if (c->h->json->kind(p) != ES_JSON_OBJECT)
		return es_reply_malformed(&c->api, r, intent, field);
	st = payload_errors(c, r, p, intent);
	if (st == ES_OK)
		*payload = p;
	return st;
}

int nr_not_found(const struct es_reply *r)
{
	return r->outcome == ES_FAILURE &&
	       (strstr(r->message, "NOT_FOUND") ||
	        strcasestr(r->message, "not found"));
}

const es_json *nr_by_name(struct ctx *c, const struct es_reply *r,
                          const char *path, const char *name)
{
	const struct es_json_api *j = c->h->json;
	const es_json *list = j->get(r->json, path);

	for (size_t i = 0; i < j->array_size(list); i++) {
		const char *n = j->get_string(j->array_item(list, i), "name");

		if (n && strcmp(n, name) == 0)
			return j->array_item(list, i);
	}
	return NULL;
}

enum es_status nr_create(struct ctx *c, const char *key, const char *name,
                         const char *query, const es_json *vars,
                         const char *field, const char *id_path,
                         const char *kind, char *id, size_t size)
{
	const struct es_json_api *j = c->h->json;
	const es_json *payload;
	char intent[NR_NAME_MAX + 64];
	struct es_reply r;
	enum es_status st = ES_FAILED;

	memset(&r, 0, sizeof(r)); /* freed even when nothing was sent */
	snprintf(intent, sizeof(intent), "create %s %s", kind, name);
	if (es_claim(c->x, key, name) == 0)
		st = nr_mutate(c, &r, query, vars, intent, field, &payload);
	if (st == ES_FAILED && strstr(r.message, "already exists")) {
		/* Made by someone else since the look-up: theirs (no claim,
		 * so destroy keeps it), found by the next look-up. */
		st = es_unclaim(c->x, key, NULL) ? ES_FAILED : ES_RETRY;
	} else if (st == ES_OK && !j->get_string(payload, id_path)) {
		st = es_reply_malformed(&c->api, &r, intent, id_path);
	} else if (st == ES_OK) {
		snprintf(id, size, "%s", j->get_string(payload, id_path));
		es_record(c->x, &st, key, id, kind, name);
	}
	es_reply_free(&r);
	return st;
}

int nr_policy_id(struct ctx *c, const char **id)
{
	*id = c->h->state->get(c->call, "policy");
	if (*id || c->phase != ES_PHASE_APPLY)
		return 0;
	c->h->diag->error(c->call, NULL,
	                  "the alert policy %s is not recorded: alert_policy "
	                  "did not run",
	                  c->policy);
	return -1;
}

/* ---- teardown ------------------------------------------------------ */

enum es_status nr_teardown(struct ctx *c, const char *key, const char *claim,
                           const char *kind, const char *query, es_json *vars,
                           es_json *into, const char *id_var, const char *field)
{
	const char *id = c->h->state->get(c->call, key);
	const char *mine = es_claimed(c->x, key);
	const es_json *payload;
	char intent[NR_NAME_MAX + 64];
	struct es_reply r;
	enum es_status st;

	if (!id)
		return ES_OK; /* never made, or already removed */
	if (!mine || strcmp(mine, claim) != 0) {
		c->h->log->log(c->call, ES_LOG_INFO,
		               "%s %s was there before envsetup: kept", kind,
		               claim);
		return ES_OK;
	}
	if (es_reported(c->x, &st, ES_CHANGE_DELETE, kind, claim, NULL))
		return st;
	c->h->json->set_string(into ? into : vars, id_var, id);
	snprintf(intent, sizeof(intent), "delete %s %s", kind, claim);
	st = nr_mutate(c, &r, query, vars, intent, field, &payload);
	/* Deleted, or unknown (deleted by the run that died before it could
	 * forget the id, or by a person): gone either way. */
	if (st == ES_OK || (st == ES_FAILED && nr_not_found(&r)))
		st = es_unclaim(c->x, key, key) ? ES_FAILED : ES_OK;
	es_reply_free(&r);
	return st;
}
