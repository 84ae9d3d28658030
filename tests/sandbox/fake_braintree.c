/*
 * Braintree GraphQL fake: `ping` and `viewer { merchant { id
 * merchantAccounts(first, after) } }`, the two queries the braintree
 * plugin sends, answered in the shape of the published schema
 * (/work/shared/specs/braintree-schema.graphql) so the conformance stage
 * can check the replies against it. It is not a GraphQL executor: it
 * recognises the query by its fields and always answers the fields the
 * plugin selects.
 *
 * Like Braintree: every call is POST /graphql with HTTP Basic
 * public_key:private_key and a Braintree-Version date; errors come with
 * HTTP 200 as {"errors": [{"message", "extensions": {"errorClass",
 * "legacyCode"}}], "extensions": {"requestId"}}. Wrong keys are
 * errorClass AUTHENTICATION. A missing Braintree-Version is a VALIDATION
 * error (the fake's assumption: Braintree documents the header as
 * required, not what it answers without it).
 *
 * Merchant accounts cannot be created through Braintree's API: a person
 * makes them in the Control Panel. POST /_control_panel/merchant_accounts
 * with {"id", "currencyCode", "status"} stands in for that person (no
 * credentials; never part of Braintree's API).
 *
 * Environment:
 *   SANDBOX_BRAINTREE_PUBLIC_KEY    default "sandbox-bt-public-0001"
 *   SANDBOX_BRAINTREE_PRIVATE_KEY   default "sandbox-bt-private-0001"
 *   SANDBOX_BRAINTREE_MERCHANT_ID   default "acmemerchant01"
 *   SANDBOX_BRAINTREE_ACCOUNTS      the accounts the merchant starts with,
 *                                   "id:CUR:STATUS[:default],...", default
 *                                   "acme_aud:AUD:ACTIVE:default"
 *   SANDBOX_BRAINTREE_PAGE_SIZE     most accounts per page (default 50)
 *   SANDBOX_BRAINTREE_AUTH_STATUS   HTTP status of the AUTHENTICATION
 *                                   error: 200 (default, as documented)
 *                                   or 401
 *   SANDBOX_BRAINTREE_ERRORS        "CLASS:N": the first N queries are
 *                                   answered with that errorClass in a 200
 *                                   (RESOURCE_LIMIT, INTERNAL, ...)
 *
 * Resources: merchant (id), merchant_account (id; attrs currencyCode,
 * status, isDefault), injected_error (the count of SANDBOX_BRAINTREE_ERRORS
 * answers sent, so /_sandbox/reset restarts it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"

#define P "braintree"

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

static void answer(struct sb_response *resp, int status, cJSON *data,
                   cJSON *errors)
{
	cJSON *body = cJSON_CreateObject(), *ext;
	char request_id[40];

	sb_new_id(request_id, sizeof(request_id), "bt-request-");
	if (data)
		cJSON_AddItemToObject(body, "data", data);
	else
		cJSON_AddNullToObject(body, "data");
	if (errors)
		cJSON_AddItemToObject(body, "errors", errors);
	ext = cJSON_AddObjectToObject(body, "extensions");
	cJSON_AddStringToObject(ext, "requestId", request_id);
	sb_reply_json(resp, status, body);
}

static void error(struct sb_response *resp, int status, const char *cls,
                  const char *legacy_code, const char *text)
{
	cJSON *errors = cJSON_CreateArray(), *e = cJSON_CreateObject(), *ext;

	cJSON_AddStringToObject(e, "message", text);
	ext = cJSON_AddObjectToObject(e, "extensions");
	cJSON_AddStringToObject(ext, "errorClass", cls);
	if (legacy_code)
		cJSON_AddStringToObject(ext, "legacyCode", legacy_code);
	cJSON_AddItemToArray(errors, e);
	answer(resp, status, NULL, errors);
}

/* ---- the merchant and its accounts ---------------------------------- */

static void add_account(const char *id, const char *currency,
                        const char *status, int is_default)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "currencyCode", currency);
	cJSON_AddStringToObject(a, "status", status);
	cJSON_AddBoolToObject(a, "isDefault", is_default);
	sb_resource_add(P, "merchant_account", id, a);
}

/* The merchant of SANDBOX_BRAINTREE_*, made at the first request after a
 * start or a reset. */
static void seed(void)
{
	const char *merchant =
	    env_or("SANDBOX_BRAINTREE_MERCHANT_ID", "acmemerchant01");
	char spec[1024], *save = NULL;

	if (sb_resource_find(P, "merchant", merchant))
		return;
	sb_resource_add(P, "merchant", merchant, cJSON_CreateObject());
	snprintf(spec, sizeof(spec), "%s",
	         env_or("SANDBOX_BRAINTREE_ACCOUNTS",
	                "acme_aud:AUD:ACTIVE:default"));
	for (char *item = strtok_r(spec, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char id[128], cur[8], status[16], flag[16] = "";

		if (sscanf(item, "%127[^:]:%7[^:]:%15[^:]:%15s", id, cur,
		           status, flag) >= 3)
			add_account(id, cur, status,
			            strcmp(flag, "default") == 0);
	}
}

/* A GraphQL server answers exactly the fields selected: these are the
 * plugin's (node id currencyCode status isDefault, pageInfo hasNextPage
 * endCursor). */
struct page {
	cJSON *edges;
	char end_cursor[32];
	long index, after, size, total;
};

static void one_account(const char *id, cJSON *attrs, void *arg)
{
	struct page *pg = arg;
	cJSON *edge, *node;
	char cursor[32];
	long at = pg->index++;

	pg->total++;
	if (at <= pg->after || cJSON_GetArraySize(pg->edges) >= pg->size)
		return;
	snprintf(cursor, sizeof(cursor), "cursor-%ld", at);
	edge = cJSON_CreateObject();
	node = cJSON_AddObjectToObject(edge, "node");
	cJSON_AddStringToObject(node, "id", id);
	cJSON_AddItemToObject(
	    node, "currencyCode",
	    cJSON_Duplicate(
	        cJSON_GetObjectItemCaseSensitive(attrs, "currencyCode"), 1));
	cJSON_AddItemToObject(
	    node, "status",
	    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(attrs, "status"),
	                    1));
	cJSON_AddItemToObject(
	    node, "isDefault",
	    cJSON_Duplicate(
	        cJSON_GetObjectItemCaseSensitive(attrs, "isDefault"), 1));
	cJSON_AddItemToArray(pg->edges, edge);
	snprintf(pg->end_cursor, sizeof(pg->end_cursor), "%s", cursor);
}

static void merchant_accounts(struct sb_response *resp, const cJSON *vars)
{
	const cJSON *first = cJSON_GetObjectItemCaseSensitive(vars, "first");
	const char *after = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(vars, "after"));
	long cap = atol(env_or("SANDBOX_BRAINTREE_PAGE_SIZE", "50"));
	struct page pg = {.edges = cJSON_CreateArray(), .after = -1};
	cJSON *data = cJSON_CreateObject(), *merchant, *conn, *info;
	int n;

	pg.size =
	    cJSON_IsNumber(first) && first->valueint > 0 ? first->valueint : 50;
	if (cap > 0 && pg.size > cap)
		pg.size = cap;
	if (after && sscanf(after, "cursor-%ld", &pg.after) != 1) {
		cJSON_Delete(pg.edges);
		cJSON_Delete(data);
		error(resp, 200, "VALIDATION", "81736", "Invalid cursor");
		return;
	}
	sb_resource_each(P, "merchant_account", one_account, &pg);
	n = cJSON_GetArraySize(pg.edges);
	merchant = cJSON_AddObjectToObject(
	    cJSON_AddObjectToObject(data, "viewer"), "merchant");
	cJSON_AddStringToObject(
	    merchant, "id",
	    env_or("SANDBOX_BRAINTREE_MERCHANT_ID", "acmemerchant01"));
	conn = cJSON_AddObjectToObject(merchant, "merchantAccounts");
	info = cJSON_CreateObject();
	cJSON_AddBoolToObject(info, "hasNextPage", pg.after + 1 + n < pg.total);
	if (n)
		cJSON_AddStringToObject(info, "endCursor", pg.end_cursor);
	else
		cJSON_AddNullToObject(info, "endCursor");
	cJSON_AddItemToObject(conn, "edges", pg.edges);
	cJSON_AddItemToObject(conn, "pageInfo", info);
	answer(resp, 200, data, NULL);
}

/* ---- the person at the Control Panel -------------------------------- */

static void control_panel(const struct sb_request *req,
                          struct sb_response *resp)
{
	const cJSON *in = sb_json(req);
	const char *id =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "id"));
	const char *cur = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(in, "currencyCode"));
	const char *status = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(in, "status"));

	if (!id || !cur) {
		sb_reply(resp, 400, "application/json",
		         "{\"message\":\"id and currencyCode required\"}");
		return;
	}
	sb_resource_delete(P, "merchant_account", id);
	add_account(id, cur, status ? status : "ACTIVE", 0);
	sb_reply(resp, 201, "application/json", "{\"id\":\"%s\"}", id);
}

/* ---- routing -------------------------------------------------------- */

static int authorized(const struct sb_request *req)
{
	const char *user, *password;

	return sb_basic_auth(req, &user, &password) &&
	       strcmp(user, env_or("SANDBOX_BRAINTREE_PUBLIC_KEY",
	                           "sandbox-bt-public-0001")) == 0 &&
	       strcmp(password, env_or("SANDBOX_BRAINTREE_PRIVATE_KEY",
	                               "sandbox-bt-private-0001")) == 0;
}

/* SANDBOX_BRAINTREE_ERRORS: 1, with its class in `cls`, when this query
 * gets the injected error. */
static int injected_error(char cls[32])
{
	const char *spec = getenv("SANDBOX_BRAINTREE_ERRORS");
	int limit = 0;

	if (!spec || sscanf(spec, "%31[A-Z_]:%d", cls, &limit) != 2)
		return 0;
	return sb_injected_error(P, cls, limit);
}

static void handle(const struct sb_request *req, struct sb_response *resp)
{
	const cJSON *in = sb_json(req);
	const char *query =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "query"));
	const char *version = sb_header(req, "Braintree-Version");
	char cls[32];
	int y, m, d;

	seed();
	if (strcmp(req->path, "/_control_panel/merchant_accounts") == 0 &&
	    strcmp(req->method, "POST") == 0) {
		control_panel(req, resp);
		return;
	}
	if (strcmp(req->path, "/graphql") != 0 ||
	    strcmp(req->method, "POST") != 0) {
		sb_reply(resp, 404, "application/json",
		         "{\"message\":\"Not Found\"}");
		return;
	}
	if (!authorized(req)) {
		error(resp,
		      atoi(env_or("SANDBOX_BRAINTREE_AUTH_STATUS", "200")) ==
		              401
		          ? 401
		          : 200,
		      "AUTHENTICATION", NULL,
		      "Authentication credentials are invalid");
		return;
	}
	if (!version || sscanf(version, "%4d-%2d-%2d", &y, &m, &d) != 3) {
		error(resp, 200, "VALIDATION", NULL,
		      "Braintree-Version header is missing or invalid");
		return;
	}
	if (!query) {
		error(resp, 200, "VALIDATION", NULL, "No query given");
		return;
	}
	if (injected_error(cls)) {
		error(resp, 200, cls, NULL,
		      strcmp(cls, "RESOURCE_LIMIT") == 0
		          ? "Too many requests, try again later"
		          : "An unexpected error occurred");
		return;
	}
	if (strstr(query, "merchantAccounts"))
		merchant_accounts(
		    resp, cJSON_GetObjectItemCaseSensitive(in, "variables"));
	else if (strstr(query, "ping")) {
		cJSON *data = cJSON_CreateObject();

		cJSON_AddStringToObject(data, "ping", "pong");
		answer(resp, 200, data, NULL);
	} else {
		error(resp, 200, "VALIDATION", NULL,
		      "The sandbox answers ping and viewer.merchant only");
	}
}

static const struct sb_fake braintree_fake = {.name = "braintree",
                                              .handle = handle};
SB_REGISTER_FAKE(braintree_fake)
