/*
 * New Relic NerdGraph fake: the operations the newrelic plugin sends,
 * answered in the shape of NerdGraph's schema
 * (tests/conformance/schemas/newrelic.graphql) so the conformance stage
 * can check the replies against it. It is not a GraphQL executor: it
 * reads the operation's name and checks that the query holds the root
 * field that operation answers, takes its input from the variables, and
 * answers the fields the plugin selects, in their order.
 *
 * Like NerdGraph: every call is POST /graphql with the user key in the
 * API-Key header. A missing key is HTTP 401; a wrong one is
 * {"errors": [{"message": "Invalid API key", "extensions":
 * {"errorClass": "UNAUTHORIZED", "error_code": "BAD_API_KEY"}}]} with
 * HTTP 200, as newrelic-client-go's IsUnauthorized reads it. Other errors
 * come with HTTP 200 too, as {"data": null, "errors": [{"message",
 * "extensions": {"errorClass"}}]}; mutations of notifications, workflows
 * and synthetics also carry typed errors in their payload.
 *
 * APM applications appear only when an agent reports: POST
 * /_agent/report with {"name"} stands in for that agent (no credentials;
 * never part of NerdGraph).
 *
 * Environment:
 *   SANDBOX_NEWRELIC_API_KEY       default "NRAK-SANDBOX00000000000000001"
 *   SANDBOX_NEWRELIC_ACCOUNT_ID    default 1234567
 *   SANDBOX_NEWRELIC_LICENSE_KEY   the account's ingest licence key,
 *                                  default "sandbox-nr-license-000000001"
 *   SANDBOX_NEWRELIC_PROVISIONING  the Default domain's provisioningType,
 *                                  "manual" (default) or "scim"
 *   SANDBOX_NEWRELIC_ERRORS        "CLASS:N[:Operation]": the first N
 *                                  matching requests get that errorClass in
 *                                  a 200 (TOO_MANY_REQUESTS,
 *                                  INTERNAL_SERVER_ERROR, BAD_API_KEY ...)
 *   SANDBOX_NEWRELIC_PAYLOAD_ERRORS "TYPE:N:Operation": the first N such
 *                                  mutations are answered with a typed
 *                                  payload error of TYPE, and do nothing
 *
 * Resources: domain, group, user (id; email, domainId, groups), app
 * (guid; name, apdexTarget), monitor (guid; name, uri, period), the kinds
 * of fake_newrelic_alerts.c, and injected_error (the counts sent, so
 * /_sandbox/reset restarts them). No key is ever stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fake_newrelic.h"

const char *nr_env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

void nr_answer(struct sb_response *resp, cJSON *data)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddItemToObject(body, "data", data);
	sb_reply_json(resp, 200, body);
}

static void error_with(struct sb_response *resp, int status, const char *cls,
                       const char *code, const char *text)
{
	cJSON *body = cJSON_CreateObject(), *e = cJSON_CreateObject(), *ext;

	cJSON_AddNullToObject(body, "data");
	cJSON_AddStringToObject(e, "message", text);
	ext = cJSON_AddObjectToObject(e, "extensions");
	cJSON_AddStringToObject(ext, "errorClass", cls);
	if (code)
		cJSON_AddStringToObject(ext, "error_code", code);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(body, "errors"), e);
	sb_reply_json(resp, status, body);
}

void nr_error(struct sb_response *resp, const char *cls, const char *text)
{
	error_with(resp, 200, cls, NULL, text);
}

cJSON *nr_nest(cJSON *leaf, const char *path)
{
	const char *end = path + strlen(path), *dot;

	/* Wrapped from the innermost key out. */
	while (end > path) {
		cJSON *o = cJSON_CreateObject();
		char key[64];

		for (dot = end; dot > path && dot[-1] != '.'; dot--)
			;
		snprintf(key, sizeof(key), "%.*s", (int)(end - dot), dot);
		cJSON_AddItemToObject(o, key, leaf);
		leaf = o;
		end = dot > path ? dot - 1 : path;
	}
	return leaf;
}

const char *nr_var(const cJSON *vars, const char *name)
{
	return cJSON_GetStringValue(nr_member(vars, name));
}

cJSON *nr_attr(const cJSON *attrs, const char *name)
{
	const cJSON *v = nr_member(attrs, name);

	return v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull();
}

long nr_account_id(void)
{
	return atol(nr_env_or("SANDBOX_NEWRELIC_ACCOUNT_ID", "1234567"));
}

int nr_account_ok(const cJSON *vars, struct sb_response *resp)
{
	const cJSON *a = nr_member(vars, "accountId");

	if (cJSON_IsNumber(a) && (long)a->valuedouble == nr_account_id())
		return 1;
	nr_error(resp, "FORBIDDEN", "Access denied to the account");
	return 0;
}

/* ---- entities: monitors and APM applications -------------------------- */

/* The value after `attr = '` in an entity search query, into out. */
static int search_term(const char *q, const char *attr, char *out, size_t size)
{
	char pat[32];
	const char *at, *end;

	snprintf(pat, sizeof(pat), "%s = '", attr);
	at = q ? strstr(q, pat) : NULL;
	end = at ? strchr(at + strlen(pat), '\'') : NULL;
	if (!end || (size_t)(end - at - strlen(pat)) >= size)
		return -1;
	snprintf(out, size, "%.*s", (int)(end - at - strlen(pat)),
	         at + strlen(pat));
	return 0;
}

static void find_entity(const cJSON *vars, struct sb_response *resp)
{
	const char *q = nr_var(vars, "query");
	char domain[16], type[32], name[512], account[32];
	cJSON *list = cJSON_CreateArray(), *attrs = NULL, *e, *results;
	const char *kind = NULL, *guid = NULL, *typename = NULL;

	snprintf(account, sizeof(account), "accountId = %ld", nr_account_id());
	if (search_term(q, "domain", domain, sizeof(domain)) ||
	    search_term(q, "type", type, sizeof(type)) ||
	    search_term(q, "name", name, sizeof(name))) {
		cJSON_Delete(list);
		nr_error(resp, "BAD_USER_INPUT", "Invalid entity search query");
		return;
	}
	if (strcmp(domain, "SYNTH") == 0 && strcmp(type, "MONITOR") == 0) {
		kind = "monitor";
		typename = "SyntheticMonitorEntityOutline";
	} else if (strcmp(domain, "APM") == 0 &&
	           strcmp(type, "APPLICATION") == 0) {
		kind = "app";
		typename = "ApmApplicationEntityOutline";
	}
	if (kind && strstr(q, account)) {
		attrs = sb_resource_find_by(NR, kind, "name", name);
		guid = attrs ? cJSON_GetStringValue(nr_member(attrs, "guid"))
		             : NULL;
	}
	if (guid) {
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "__typename", typename);
		cJSON_AddStringToObject(e, "guid", guid);
		cJSON_AddStringToObject(e, "name", name);
		cJSON_AddItemToArray(list, e);
	}
	results = cJSON_CreateObject();
	cJSON_AddItemToObject(results, "entities", list);
	nr_answer(resp, nr_nest(results, "actor.entitySearch.results"));
}

static void create_monitor(const cJSON *vars, struct sb_response *resp)
{
	const cJSON *in = nr_member(vars, "monitor");
	const char *name = nr_var(in, "name"), *uri = nr_var(in, "uri");
	cJSON *attrs, *payload, *m;
	char guid[64];

	if (!name || !uri || !nr_var(in, "period") || !nr_var(in, "status") ||
	    cJSON_GetArraySize(
	        nr_member(nr_member(in, "locations"), "public")) == 0) {
		nr_error(resp, "BAD_USER_INPUT",
		         "monitor: name, uri, period, status and locations are "
		         "required");
		return;
	}
	sb_new_id(guid, sizeof(guid), "MTIzNDU2N3xTWU5USHxNT05JVE9SfA-");
	attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "guid", guid);
	cJSON_AddStringToObject(attrs, "name", name);
	cJSON_AddStringToObject(attrs, "uri", uri);
	cJSON_AddStringToObject(attrs, "period", nr_var(in, "period"));
	sb_resource_add(NR, "monitor", guid, attrs);
	payload = cJSON_CreateObject();
	m = cJSON_AddObjectToObject(payload, "monitor");
	cJSON_AddStringToObject(m, "guid", guid);
	cJSON_AddStringToObject(m, "name", name);
	cJSON_AddStringToObject(m, "uri", uri);
	cJSON_AddArrayToObject(payload, "errors");
	nr_answer(resp, nr_nest(payload, "syntheticsCreateSimpleMonitor"));
}

static void delete_monitor(const cJSON *vars, struct sb_response *resp)
{
	const char *guid = nr_var(vars, "guid");
	cJSON *out;

	if (!guid || !sb_resource_delete(NR, "monitor", guid)) {
		nr_error(resp, "NOT_FOUND", "monitor not found");
		return;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "deletedGuid", guid);
	nr_answer(resp, nr_nest(out, "syntheticsDeleteMonitor"));
}

/* {guid, apmSettings: {apmConfig: {apdexTarget}}} of an application. */
static cJSON *app_settings(const char *guid, const cJSON *attrs)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "guid", guid);
	cJSON_AddItemToObject(
	    o, "apmSettings",
	    nr_nest(nr_attr(attrs, "apdexTarget"), "apmConfig.apdexTarget"));
	return o;
}

static void apm_settings(const cJSON *vars, struct sb_response *resp)
{
	const char *guid = nr_var(vars, "guid");
	cJSON *attrs = sb_resource_find(NR, "app", guid ? guid : ""), *e, *s;

	if (!attrs) {
		nr_answer(resp, nr_nest(cJSON_CreateNull(), "actor.entity"));
		return;
	}
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "__typename", "ApmApplicationEntity");
	s = app_settings(guid, attrs);
	cJSON_AddItemToObject(e, "guid", cJSON_DetachItemFromObject(s, "guid"));
	cJSON_AddItemToObject(e, "apmSettings",
	                      cJSON_DetachItemFromObject(s, "apmSettings"));
	cJSON_Delete(s);
	nr_answer(resp, nr_nest(e, "actor.entity"));
}

static void set_apdex(const cJSON *vars, struct sb_response *resp)
{
	const char *guid = nr_var(vars, "guid");
	const cJSON *t = nr_member(
	    nr_member(nr_member(vars, "settings"), "apmConfig"), "apdexTarget");
	cJSON *attrs = sb_resource_find(NR, "app", guid ? guid : ""), *out;

	if (!attrs) {
		nr_error(resp, "NOT_FOUND", "entity not found");
		return;
	}
	if (!cJSON_IsNumber(t) || t->valuedouble <= 0) {
		nr_error(resp, "BAD_USER_INPUT", "apdexTarget must be above 0");
		return;
	}
	cJSON_ReplaceItemInObject(attrs, "apdexTarget",
	                          cJSON_CreateNumber(t->valuedouble));
	out = app_settings(guid, attrs);
	cJSON_AddArrayToObject(out, "errors");
	nr_answer(resp, nr_nest(out, "agentApplicationSettingsUpdate"));
}

/* The person's agent reporting for the first time. */
static void agent_report(const struct sb_request *req, struct sb_response *resp)
{
	const char *name = nr_var(sb_json(req), "name");
	cJSON *attrs;
	char guid[64];

	if (!name) {
		sb_reply(resp, 400, "application/json",
		         "{\"message\":\"name required\"}");
		return;
	}
	if (!sb_resource_find_by(NR, "app", "name", name)) {
		sb_new_id(guid, sizeof(guid),
		          "MTIzNDU2N3xBUE18QVBQTElDQVRJT058-");
		attrs = cJSON_CreateObject();
		cJSON_AddStringToObject(attrs, "guid", guid);
		cJSON_AddStringToObject(attrs, "name", name);
		cJSON_AddNumberToObject(attrs, "apdexTarget", 0.5);
		sb_resource_add(NR, "app", guid, attrs);
	}
	sb_reply(resp, 201, "application/json", "{\"name\":\"%s\"}", name);
}

static void license_key(const cJSON *vars, struct sb_response *resp)
{
	const cJSON *q = nr_member(vars, "query"), *id;
	cJSON *keys = cJSON_CreateArray(), *k, *search;
	int mine = 0;

	cJSON_ArrayForEach(id, nr_member(nr_member(q, "scope"), "accountIds"))
	    mine |=
	    cJSON_IsNumber(id) && (long)id->valuedouble == nr_account_id();
	if (mine) {
		k = cJSON_CreateObject();
		cJSON_AddStringToObject(k, "__typename", "ApiAccessIngestKey");
		cJSON_AddStringToObject(k, "id", "KEY-LICENSE-1");
		cJSON_AddStringToObject(k, "name", "License Key");
		cJSON_AddStringToObject(k, "type", "INGEST");
		cJSON_AddStringToObject(
		    k, "key",
		    nr_env_or("SANDBOX_NEWRELIC_LICENSE_KEY",
		              "sandbox-nr-license-000000001"));
		cJSON_AddStringToObject(k, "ingestType", "LICENSE");
		cJSON_AddItemToArray(keys, k);
	}
	search = cJSON_CreateObject();
	cJSON_AddItemToObject(search, "keys", keys);
	nr_answer(resp, nr_nest(search, "actor.apiAccess.keySearch"));
}

/* ---- injected errors ---------------------------------------------------- */

/* 1 when spec ("CLASS:N[:Operation]") fires for `op`, `cls` set. */
static int injected(const char *var, const char *op, char cls[40])
{
	const char *spec = getenv(var);
	char only[64] = "", id[128];
	int limit = 0;

	if (!spec || sscanf(spec, "%39[A-Z_]:%d:%63s", cls, &limit, only) < 2)
		return 0;
	if (*only && strcmp(only, op) != 0)
		return 0;
	snprintf(id, sizeof(id), "%s:%s", var, cls);
	return sb_injected_error(NR, id, limit);
}

/* A typed payload error for mutation `field` (errors list or one error,
 * the way that payload words it). */
static void payload_error(const char *field, const char *type,
                          struct sb_response *resp)
{
	cJSON *payload = cJSON_CreateObject(), *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "description", "sandbox: injected error");
	cJSON_AddStringToObject(e, "type", type);
	if (strncmp(field, "aiNotifications", 15) == 0) {
		cJSON_AddItemToObject(payload, "error", e);
	} else {
		cJSON_AddItemToArray(cJSON_AddArrayToObject(payload, "errors"),
		                     e);
	}
	nr_answer(resp, nr_nest(payload, field));
}

/* ---- routing ------------------------------------------------------------ */

struct op {
	const char *name;  /* the operation name the plugin sends */
	const char *field; /* the root field its query must hold */
	void (*answer)(const cJSON *vars, struct sb_response *resp);
};

static const struct op ops[] = {
    {"WhoAmI", "actor", nr_whoami},
    {"AuthenticationDomains", "authenticationDomains", nr_auth_domains},
    {"FindUser", "authenticationDomains", nr_find_user},
    {"FindGroup", "authenticationDomains", nr_find_group},
    {"CreateUser", "userManagementCreateUser", nr_create_user},
    {"AddUserToGroups", "userManagementAddUsersToGroups", nr_add_to_groups},
    {"DeleteUser", "userManagementDeleteUser", nr_delete_user},
    {"FindEntity", "entitySearch", find_entity},
    {"CreateMonitor", "syntheticsCreateSimpleMonitor", create_monitor},
    {"DeleteMonitor", "syntheticsDeleteMonitor", delete_monitor},
    {"ApmSettings", "entity", apm_settings},
    {"SetApdex", "agentApplicationSettingsUpdate", set_apdex},
    {"LicenseKey", "keySearch", license_key},
    {"FindPolicy", "policiesSearch", NULL},
    {"CreatePolicy", "alertsPolicyCreate", NULL},
    {"UpdatePolicy", "alertsPolicyUpdate", NULL},
    {"DeletePolicy", "alertsPolicyDelete", NULL},
    {"FindCondition", "nrqlConditionsSearch", NULL},
    {"CreateCondition", "alertsNrqlConditionStaticCreate", NULL},
    {"UpdateCondition", "alertsNrqlConditionStaticUpdate", NULL},
    {"DeleteCondition", "alertsConditionDelete", NULL},
    {"FindDestination", "destinations", NULL},
    {"CreateDestination", "aiNotificationsCreateDestination", NULL},
    {"UpdateDestination", "aiNotificationsUpdateDestination", NULL},
    {"DeleteDestination", "aiNotificationsDeleteDestination", NULL},
    {"FindChannel", "channels", NULL},
    {"CreateChannel", "aiNotificationsCreateChannel", NULL},
    {"DeleteChannel", "aiNotificationsDeleteChannel", NULL},
    {"FindWorkflow", "workflows", NULL},
    {"CreateWorkflow", "aiWorkflowsCreateWorkflow", NULL},
    {"DeleteWorkflow", "aiWorkflowsDeleteWorkflow", NULL},
};

/* The operation's name after "query " or "mutation " (into out). */
static int operation(const char *query, char *out, size_t size, int *mutation)
{
	char kind[16];

	if (!query ||
	    sscanf(query, " %15[a-z] %63[A-Za-z0-9_]", kind, out) != 2 ||
	    size < 64)
		return -1;
	*mutation = strcmp(kind, "mutation") == 0;
	return *mutation || strcmp(kind, "query") == 0 ? 0 : -1;
}

static void handle(const struct sb_request *req, struct sb_response *resp)
{
	const cJSON *in = sb_json(req);
	const char *query = nr_var(in, "query");
	const cJSON *vars = nr_member(in, "variables");
	const char *key = sb_header(req, "API-Key");
	char op[64], cls[40];
	int mutation = 0;
	size_t i;

	nr_seed();
	if (strcmp(req->path, "/_agent/report") == 0 &&
	    strcmp(req->method, "POST") == 0) {
		agent_report(req, resp);
		return;
	}
	if (strcmp(req->path, "/graphql") != 0 ||
	    strcmp(req->method, "POST") != 0) {
		sb_reply(resp, 404, "application/json",
		         "{\"message\":\"Not Found\"}");
		return;
	}
	if (!key) {
		error_with(resp, 401, "UNAUTHORIZED", "BAD_API_KEY",
		           "Missing API key");
		return;
	}
	if (strcmp(key, nr_env_or("SANDBOX_NEWRELIC_API_KEY",
	                          "NRAK-SANDBOX00000000000000001")) != 0) {
		error_with(resp, 200, "UNAUTHORIZED", "BAD_API_KEY",
		           "Invalid API key");
		return;
	}
	if (operation(query, op, sizeof(op), &mutation)) {
		nr_error(resp, "BAD_USER_INPUT",
		         "The sandbox answers named operations only");
		return;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].name, op) == 0)
			break;
	if (i == sizeof(ops) / sizeof(ops[0]) || !strstr(query, ops[i].field)) {
		nr_error(resp, "BAD_USER_INPUT",
		         "The sandbox does not answer this operation");
		return;
	}
	if (injected("SANDBOX_NEWRELIC_ERRORS", op, cls)) {
		if (strcmp(cls, "BAD_API_KEY") == 0)
			error_with(resp, 200, "UNAUTHORIZED", cls,
			           "Invalid API key");
		else
			nr_error(resp, cls, "sandbox: injected error");
		return;
	}
	if (mutation && injected("SANDBOX_NEWRELIC_PAYLOAD_ERRORS", op, cls)) {
		payload_error(ops[i].field, cls, resp);
		return;
	}
	if (ops[i].answer)
		ops[i].answer(vars, resp);
	else
		nr_alerts_handle(op, vars, resp);
}

static const struct sb_fake newrelic_fake = {.name = "newrelic",
                                             .handle = handle};
SB_REGISTER_FAKE(newrelic_fake)
