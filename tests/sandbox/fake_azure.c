/*
 * Azure fake: the Microsoft identity platform's token endpoint, the ARM
 * calls of the azure plugin (subscription aliases, resource groups, role
 * definitions and assignments) and Microsoft Graph users and invitations,
 * answering with the shapes of the ARM specs (Microsoft.Subscription
 * 2021-10-01, Microsoft.Resources 2021-04-01, Microsoft.Authorization
 * 2022-04-01) and of Graph v1.0.
 *
 * Paths: /login/{tenant}/oauth2/v2.0/token, /arm/..., /graph/v1.0/...
 * (under the fake's /azure prefix). Without the sub-prefix a path goes by
 * its shape, so `--root azure` behind a validating proxy works too.
 *
 * Environment:
 *   SANDBOX_AZURE_CLIENT_ID        accepted client id, default
 *                                  "00000000-0000-0000-0000-0000000000c1"
 *   SANDBOX_AZURE_CLIENT_SECRET    its secret, default
 *                                  "sandbox-azure-secret-0001"
 *   SANDBOX_AZURE_SUBSCRIPTION_ID  a subscription that exists from the
 *                                  start (adopt mode), default
 *                                  "00000000-0000-0000-0000-00000000a001"
 *   SANDBOX_AZURE_TOKEN_TTL        token lifetime in seconds, default 3599
 *
 * Tokens are not stored: each names its audience (ARM or Graph) and
 * expiry and carries a keyed hash, so an ARM call with a Graph token gets
 * 401 InvalidAuthenticationToken like Azure's. Resources: kinds
 * subscription, alias, resource_group (id "sub/name" lower-cased),
 * role_assignment (id = name), user (id = object id), invitation.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "sandbox.h"

#define P "azure"
#define MAX_SEGMENTS 16
#define SUBSCRIPTION_API "2021-10-01"
#define RESOURCES_API "2021-04-01"
#define AUTHORIZATION_API "2022-04-01"
#define ARM_SCOPE "https://management.azure.com/.default"
#define GRAPH_SCOPE "https://graph.microsoft.com/.default"

struct route {
	const struct sb_request *req;
	struct sb_response *resp;
	char *seg[MAX_SEGMENTS];
	int n;
	int prefixed; /* came as /arm/...: poll URLs keep the prefixes */
};

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

static const char *attr(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

/* sb_reply_json() for handlers that answer and return in one statement. */
static int reply(struct sb_response *resp, int status, cJSON *json)
{
	sb_reply_json(resp, status, json);
	return 0;
}

/* ARM and Graph errors: {"error":{"code","message"}}. */
static int error(struct sb_response *resp, int status, const char *code,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int error(struct sb_response *resp, int status, const char *code,
                 const char *fmt, ...)
{
	cJSON *j = cJSON_CreateObject(),
	      *e = cJSON_AddObjectToObject(j, "error");
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", msg);
	sb_reply_json(resp, status, j);
	return 0;
}

/* A GUID from a counter: the same sequence after every reset. */
static void new_guid(char *buf, size_t len, const char *prefix, unsigned tag)
{
	char id[48];

	sb_new_id(id, sizeof(id), prefix);
	snprintf(buf, len, "%08x-0000-4000-8000-%012lu", tag,
	         strtoul(id + strlen(prefix), NULL, 10));
}

static int is_guid(const char *s)
{
	if (!s || strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23)
		        ? s[i] != '-'
		        : !isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* ---- tokens ---------------------------------------------------------- */

static uint64_t token_key;

static uint64_t mac(const char *text)
{
	uint64_t h = 14695981039346656037ull ^ token_key; /* keyed FNV-1a */

	for (const char *p = text; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h;
}

/* "aud.expiry.nonce.mac" */
static void make_token(char *buf, size_t len, const char *aud, long ttl)
{
	uint64_t nonce = 0;
	char body[96];

	while (!token_key &&
	       getrandom(&token_key, sizeof(token_key), 0) != sizeof(token_key))
		;
	if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
		nonce = (uint64_t)rand();
	snprintf(body, sizeof(body), "%s.%ld.%016llx", aud,
	         (long)time(NULL) + ttl, (unsigned long long)nonce);
	snprintf(buf, len, "%s.%016llx", body, (unsigned long long)mac(body));
}

/* 0 valid, 1 wrong or forged, 2 expired. */
static int check_token(const char *token, const char *aud)
{
	char body[96];
	const char *dot;
	size_t n;

	if (!token || !token_key || !(dot = strrchr(token, '.')) ||
	    (n = (size_t)(dot - token)) >= sizeof(body))
		return 1;
	memcpy(body, token, n);
	body[n] = '\0';
	if (strtoull(dot + 1, NULL, 16) != mac(body) ||
	    strncmp(body, aud, strlen(aud)) != 0 || body[strlen(aud)] != '.')
		return 1;
	return strtol(body + strlen(aud) + 1, NULL, 10) < (long)time(NULL) ? 2
	                                                                   : 0;
}

/* OAuth2 errors: {"error","error_description","error_codes"}. */
static int oauth_error(struct sb_response *resp, int status, const char *code,
                       int aadsts, const char *text)
{
	cJSON *j = cJSON_CreateObject();
	char desc[300];

	snprintf(desc, sizeof(desc), "AADSTS%d: %s", aadsts, text);
	cJSON_AddStringToObject(j, "error", code);
	cJSON_AddStringToObject(j, "error_description", desc);
	cJSON_AddItemToObject(j, "error_codes",
	                      cJSON_CreateIntArray(&aadsts, 1));
	sb_reply_json(resp, status, j);
	return 0;
}

static int token_endpoint(struct route *rt)
{
	const struct sb_request *req = rt->req;
	const char *id = sb_form(req, "client_id", 0);
	const char *secret = sb_form(req, "client_secret", 0);
	const char *scope = sb_form(req, "scope", 0);
	const char *grant = sb_form(req, "grant_type", 0), *user, *pw;
	long ttl = strtol(env_or("SANDBOX_AZURE_TOKEN_TTL", "3599"), NULL, 10);
	char token[160];
	cJSON *j;

	if (strcmp(req->method, "POST") != 0)
		return oauth_error(rt->resp, 405, "invalid_request", 900561,
		                   "The endpoint only accepts POST requests.");
	if (!secret && sb_basic_auth(req, &user, &pw))
		id = id ? id : user, secret = pw;
	if (!grant || strcmp(grant, "client_credentials") != 0)
		return oauth_error(rt->resp, 400, "unsupported_grant_type",
		                   70003,
		                   "The app requested an unsupported "
		                   "grant type.");
	if (!id || strcmp(id, env_or("SANDBOX_AZURE_CLIENT_ID",
	                             "00000000-0000-0000-0000-0000000000c1")))
		return oauth_error(rt->resp, 400, "unauthorized_client", 700016,
		                   "Application was not found in the "
		                   "directory.");
	if (!secret || strcmp(secret, env_or("SANDBOX_AZURE_CLIENT_SECRET",
	                                     "sandbox-azure-secret-0001")))
		return oauth_error(rt->resp, 401, "invalid_client", 7000215,
		                   "Invalid client secret provided.");
	if (!scope || (strcmp(scope, ARM_SCOPE) && strcmp(scope, GRAPH_SCOPE)))
		return oauth_error(rt->resp, 400, "invalid_scope", 70011,
		                   "The provided value for the input parameter "
		                   "'scope' is not valid.");
	if (ttl <= 0)
		ttl = 3599;
	make_token(token, sizeof(token),
	           strcmp(scope, ARM_SCOPE) == 0 ? "arm" : "graph", ttl);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "token_type", "Bearer");
	cJSON_AddNumberToObject(j, "expires_in", (double)ttl);
	cJSON_AddNumberToObject(j, "ext_expires_in", (double)ttl);
	cJSON_AddStringToObject(j, "access_token", token);
	sb_reply_json(rt->resp, 200, j);
	return 0;
}

/* 1 when the bearer token is for `aud`; otherwise answers 401. */
static int authorized(struct route *rt, const char *aud)
{
	int bad = check_token(sb_bearer(rt->req), aud);

	if (bad == 0)
		return 1;
	sb_reply_header(
	    rt->resp, "WWW-Authenticate",
	    "Bearer authorization_uri=\"https://login."
	    "microsoftonline.com/common\", error=\"invalid_token\"");
	if (bad == 2)
		error(rt->resp, 401, "ExpiredAuthenticationToken",
		      "The access token expiry UTC time is earlier than "
		      "current UTC time.");
	else
		error(rt->resp, 401, "InvalidAuthenticationToken",
		      "The access token is invalid.");
	return 0;
}

/* ARM refuses a call without the api-version its operation has. */
static int api_version(struct route *rt, const char *want)
{
	const char *v = sb_query(rt->req, "api-version");

	if (!v) {
		error(rt->resp, 400, "MissingApiVersionParameter",
		      "The api-version query parameter (?api-version=) is "
		      "required for all requests.");
		return 0;
	}
	if (strcmp(v, want) != 0) {
		error(rt->resp, 400, "InvalidApiVersionParameter",
		      "The api-version '%.40s' is invalid. The supported "
		      "versions are '%s'.",
		      v, want);
		return 0;
	}
	return 1;
}

static int seg_is(const struct route *rt, int i, const char *s)
{
	return i < rt->n && strcasecmp(rt->seg[i], s) == 0;
}

/* ---- subscription aliases (long-running) ----------------------------- */

static int subscription_exists(const char *id)
{
	return id && (strcasecmp(id, env_or("SANDBOX_AZURE_SUBSCRIPTION_ID",
	                                    "00000000-0000-0000-0000-"
	                                    "00000000a001")) == 0 ||
	              sb_resource_find(P, "subscription", id));
}

/* Every poll (of the alias or its operation) brings creation closer; the
 * sb_async_polls()-th makes the subscription. */
static void advance(cJSON *alias)
{
	cJSON *polls = cJSON_GetObjectItemCaseSensitive(alias, "polls");
	char sub[40];

	if (strcmp(attr(alias, "provisioningState"), "Accepted") != 0)
		return;
	cJSON_SetNumberValue(polls, polls->valuedouble + 1);
	if (polls->valuedouble < sb_async_polls())
		return;
	new_guid(sub, sizeof(sub), "sub", 0x5ab5c0de);
	sb_resource_add(P, "subscription", sub, cJSON_CreateObject());
	cJSON_AddStringToObject(sb_resource_find(P, "subscription", sub),
	                        "displayName", attr(alias, "displayName"));
	cJSON_ReplaceItemInObject(alias, "provisioningState",
	                          cJSON_CreateString("Succeeded"));
	cJSON_ReplaceItemInObject(alias, "subscriptionId",
	                          cJSON_CreateString(sub));
}

static cJSON *alias_json(const char *name, const cJSON *a)
{
	cJSON *j = cJSON_CreateObject(), *p;
	char id[300];

	snprintf(id, sizeof(id), "/providers/Microsoft.Subscription/aliases/%s",
	         name);
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "name", name);
	cJSON_AddStringToObject(j, "type", "Microsoft.Subscription/aliases");
	p = cJSON_AddObjectToObject(j, "properties");
	if (*attr(a, "subscriptionId"))
		cJSON_AddStringToObject(p, "subscriptionId",
		                        attr(a, "subscriptionId"));
	cJSON_AddStringToObject(p, "displayName", attr(a, "displayName"));
	cJSON_AddStringToObject(p, "provisioningState",
	                        attr(a, "provisioningState"));
	cJSON_AddStringToObject(p, "workload", attr(a, "workload"));
	cJSON_AddStringToObject(p, "billingScope", attr(a, "billingScope"));
	return j;
}

static int valid_alias_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

static int put_alias(struct route *rt, const char *name)
{
	cJSON *body = sb_json(rt->req);
	cJSON *props = cJSON_GetObjectItemCaseSensitive(body, "properties");
	const char *scope = attr(props, "billingScope");
	const char *workload = attr(props, "workload");
	const char *display = attr(props, "displayName");
	cJSON *a = sb_resource_find(P, "alias", name), *attrs;
	char op[40], url[512];
	const char *host = sb_header(rt->req, "Host");

	if (a) /* the same alias again: the same subscription, no new one */
		return reply(rt->resp, 200, alias_json(name, a));
	if (!cJSON_IsObject(props) || !display || !*display)
		return error(rt->resp, 400, "InvalidRequestContent",
		             "properties.displayName is required.");
	if (!scope || strncasecmp(scope,
	                          "/providers/Microsoft.Billing/"
	                          "billingAccounts/",
	                          45) != 0)
		return error(rt->resp, 400, "InvalidBillingScope",
		             "The billing scope is not valid.");
	if (workload && strcmp(workload, "Production") &&
	    strcmp(workload, "DevTest"))
		return error(rt->resp, 400, "InvalidWorkload",
		             "workload must be Production or DevTest.");
	new_guid(op, sizeof(op), "op", 0x0be7a71a);
	attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "displayName", display);
	cJSON_AddStringToObject(attrs, "billingScope", scope);
	cJSON_AddStringToObject(attrs, "workload",
	                        workload ? workload : "Production");
	cJSON_AddStringToObject(attrs, "provisioningState", "Accepted");
	cJSON_AddStringToObject(attrs, "subscriptionId", "");
	cJSON_AddStringToObject(attrs, "operation", op);
	cJSON_AddNumberToObject(attrs, "polls", -1);
	a = sb_resource_add(P, "alias", name, attrs);
	advance(a); /* with --async-polls 0 it is done at once */
	snprintf(url, sizeof(url),
	         "http://%s%s/providers/Microsoft.Subscription/"
	         "operationResults/%s?api-version=" SUBSCRIPTION_API,
	         host ? host : "127.0.0.1", rt->prefixed ? "/azure/arm" : "",
	         op);
	sb_reply_header(rt->resp, "Azure-AsyncOperation", url);
	sb_reply_header(rt->resp, "Retry-After", "1");
	sb_reply_json(rt->resp, 201, alias_json(name, a));
	return 0;
}

struct find_op {
	const char *op;
	cJSON *alias;
};

static void match_op(const char *id, cJSON *attrs, void *arg)
{
	struct find_op *f = arg;

	(void)id;
	if (!f->alias && strcmp(attr(attrs, "operation"), f->op) == 0)
		f->alias = attrs;
}

static int operation_status(struct route *rt, const char *op)
{
	struct find_op f = {op, NULL};
	cJSON *j;

	sb_resource_each(P, "alias", match_op, &f);
	if (!f.alias)
		return error(rt->resp, 404, "OperationNotFound",
		             "Operation %s was not found.", op);
	advance(f.alias);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "id", op);
	cJSON_AddStringToObject(j, "name", op);
	cJSON_AddStringToObject(
	    j, "status",
	    strcmp(attr(f.alias, "provisioningState"), "Succeeded") == 0
	        ? "Succeeded"
	        : "InProgress");
	if (strcmp(attr(f.alias, "provisioningState"), "Succeeded") != 0)
		sb_reply_header(rt->resp, "Retry-After", "1");
	sb_reply_json(rt->resp, 200, j);
	return 0;
}

static void add_alias(const char *id, cJSON *attrs, void *arg)
{
	cJSON_AddItemToArray(arg, alias_json(id, attrs));
}

/* /providers/Microsoft.Subscription/... */
static int subscription_rp(struct route *rt)
{
	const char *m = rt->req->method;
	cJSON *a, *list;

	if (!api_version(rt, SUBSCRIPTION_API))
		return 0;
	if (rt->n == 3 && seg_is(rt, 2, "aliases") && !strcmp(m, "GET")) {
		list = cJSON_CreateObject();
		sb_resource_each(P, "alias", add_alias,
		                 cJSON_AddArrayToObject(list, "value"));
		return reply(rt->resp, 200, list);
	}
	if (rt->n == 4 && seg_is(rt, 2, "operationResults") &&
	    !strcmp(m, "GET"))
		return operation_status(rt, rt->seg[3]);
	if (rt->n != 4 || !seg_is(rt, 2, "aliases"))
		return error(rt->resp, 404, "NotFound", "No such operation.");
	if (!valid_alias_name(rt->seg[3]))
		return error(rt->resp, 400, "InvalidAliasName",
		             "Alias names are letters, digits, - and _.");
	if (!strcmp(m, "PUT"))
		return put_alias(rt, rt->seg[3]);
	if (!strcmp(m, "DELETE")) { /* the alias only: not the subscription */
		int gone = sb_resource_delete(P, "alias", rt->seg[3]);

		sb_reply(rt->resp, gone ? 200 : 204, "application/json", "%s",
		         "");
		return 0;
	}
	if (strcmp(m, "GET") != 0)
		return error(rt->resp, 405, "MethodNotAllowed", "%s", m);
	if (!(a = sb_resource_find(P, "alias", rt->seg[3])))
		return error(rt->resp, 404, "NotFound",
		             "Alias %s was not found.", rt->seg[3]);
	advance(a);
	sb_reply_json(rt->resp, 200, alias_json(rt->seg[3], a));
	return 0;
}

/* ---- resource groups ------------------------------------------------- */

static void group_key(char *buf, size_t len, const char *sub, const char *rg)
{
	snprintf(buf, len, "%s/%s", sub, rg);
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

static cJSON *group_json(const char *sub, const cJSON *g)
{
	cJSON *j = cJSON_CreateObject();
	char id[400];

	snprintf(id, sizeof(id), "/subscriptions/%s/resourceGroups/%s", sub,
	         attr(g, "name"));
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "name", attr(g, "name"));
	cJSON_AddStringToObject(j, "type",
	                        "Microsoft.Resources/resourceGroups");
	cJSON_AddStringToObject(j, "location", attr(g, "location"));
	cJSON_AddItemToObject(
	    j, "tags",
	    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(g, "tags"), 1));
	cJSON_AddStringToObject(cJSON_AddObjectToObject(j, "properties"),
	                        "provisioningState", "Succeeded");
	return j;
}

static int valid_group_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 90 || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_-.()", s[i]))
			return 0;
	return 1;
}

static int put_group(struct route *rt, const char *sub, const char *rg)
{
	cJSON *body = sb_json(rt->req), *g, *attrs, *tags;
	const char *loc = attr(body, "location");
	char key[200];

	group_key(key, sizeof(key), sub, rg);
	g = sb_resource_find(P, "resource_group", key);
	if (!loc || !*loc)
		return error(rt->resp, 400, "LocationRequired",
		             "The location property is required for this "
		             "definition.");
	tags = cJSON_GetObjectItemCaseSensitive(body, "tags");
	if (g && strcasecmp(attr(g, "location"), loc) != 0)
		return error(rt->resp, 409, "InvalidResourceGroupLocation",
		             "Invalid resource group location '%s'. The "
		             "Resource group already exists in location '%s'.",
		             loc, attr(g, "location"));
	if (g) {
		if (tags)
			cJSON_ReplaceItemInObject(g, "tags",
			                          cJSON_Duplicate(tags, 1));
		return reply(rt->resp, 200, group_json(sub, g));
	}
	attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "name", rg);
	cJSON_AddStringToObject(attrs, "subscription", sub);
	cJSON_AddStringToObject(attrs, "location", loc);
	cJSON_AddItemToObject(attrs, "tags",
	                      cJSON_IsObject(tags) ? cJSON_Duplicate(tags, 1)
	                                           : cJSON_CreateObject());
	g = sb_resource_add(P, "resource_group", key, attrs);
	sb_reply_json(rt->resp, 201, group_json(sub, g));
	return 0;
}

struct group_list {
	const char *sub;
	cJSON *value;
};

static void add_group(const char *id, cJSON *attrs, void *arg)
{
	struct group_list *l = arg;

	(void)id;
	if (strcasecmp(attr(attrs, "subscription"), l->sub) == 0)
		cJSON_AddItemToArray(l->value, group_json(l->sub, attrs));
}

/* /subscriptions/{sub}/resourcegroups[/{rg}] */
static int resource_groups(struct route *rt, const char *sub)
{
	const char *m = rt->req->method;
	struct group_list l = {sub, NULL};
	cJSON *g, *list;
	char key[200];

	if (!api_version(rt, RESOURCES_API))
		return 0;
	if (rt->n == 3 && !strcmp(m, "GET")) {
		list = cJSON_CreateObject();
		l.value = cJSON_AddArrayToObject(list, "value");
		sb_resource_each(P, "resource_group", add_group, &l);
		return reply(rt->resp, 200, list);
	}
	if (rt->n != 4)
		return error(rt->resp, 404, "NotFound", "No such operation.");
	if (!valid_group_name(rt->seg[3]))
		return error(rt->resp, 400, "InvalidResourceGroup",
		             "The provided resource group name has invalid "
		             "characters.");
	if (!strcmp(m, "PUT"))
		return put_group(rt, sub, rt->seg[3]);
	group_key(key, sizeof(key), sub, rt->seg[3]);
	if (!strcmp(m, "DELETE")) { /* done at once; ARM polls with 202 */
		if (!sb_resource_delete(P, "resource_group", key))
			return error(rt->resp, 404, "ResourceGroupNotFound",
			             "Resource group '%s' could not be found.",
			             rt->seg[3]);
		sb_reply(rt->resp, 202, "application/json", "%s", "");
		return 0;
	}
	if (strcmp(m, "GET") != 0)
		return error(rt->resp, 405, "MethodNotAllowed", "%s", m);
	if (!(g = sb_resource_find(P, "resource_group", key)))
		return error(rt->resp, 404, "ResourceGroupNotFound",
		             "Resource group '%s' could not be found.",
		             rt->seg[3]);
	sb_reply_json(rt->resp, 200, group_json(sub, g));
	return 0;
}

/* ---- role definitions and assignments -------------------------------- */

static const struct {
	const char *id, *name;
} builtin_roles[] = {
    {"8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"},
    {"b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"},
    {"acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"},
    {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"},
};

static const char *role_name(const char *id)
{
	for (size_t i = 0; i < sizeof(builtin_roles) / sizeof(*builtin_roles);
	     i++)
		if (id && strcasecmp(id, builtin_roles[i].id) == 0)
			return builtin_roles[i].name;
	return NULL;
}

static int role_definition(struct route *rt, const char *sub, const char *id)
{
	const char *name = role_name(id);
	cJSON *j, *p, *perm;
	char full[300];

	if (strcmp(rt->req->method, "GET") != 0)
		return error(rt->resp, 405, "MethodNotAllowed", "built-in");
	if (!name)
		return error(rt->resp, 404, "RoleDefinitionDoesNotExist",
		             "The specified role definition with ID '%s' does "
		             "not exist.",
		             id);
	snprintf(full, sizeof(full),
	         "/subscriptions/%s/providers/Microsoft.Authorization/"
	         "roleDefinitions/%s",
	         sub, id);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "id", full);
	cJSON_AddStringToObject(j, "name", id);
	cJSON_AddStringToObject(j, "type",
	                        "Microsoft.Authorization/roleDefinitions");
	p = cJSON_AddObjectToObject(j, "properties");
	cJSON_AddStringToObject(p, "roleName", name);
	cJSON_AddStringToObject(p, "type", "BuiltInRole");
	cJSON_AddStringToObject(p, "description", name);
	perm = cJSON_CreateObject();
	cJSON_AddItemToArray(
	    cJSON_AddArrayToObject(perm, "actions"),
	    cJSON_CreateString(strcmp(name, "Reader") == 0 ? "*/read" : "*"));
	cJSON_AddArrayToObject(perm, "notActions");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "permissions"), perm);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "assignableScopes"),
	                     cJSON_CreateString("/"));
	sb_reply_json(rt->resp, 200, j);
	return 0;
}

static cJSON *assignment_json(const char *name, const cJSON *a)
{
	cJSON *j = cJSON_CreateObject(), *p;
	char id[600];

	snprintf(id, sizeof(id),
	         "%s/providers/Microsoft.Authorization/roleAssignments/%s",
	         attr(a, "scope"), name);
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "name", name);
	cJSON_AddStringToObject(j, "type",
	                        "Microsoft.Authorization/roleAssignments");
	p = cJSON_AddObjectToObject(j, "properties");
	cJSON_AddStringToObject(p, "scope", attr(a, "scope"));
	cJSON_AddStringToObject(p, "roleDefinitionId",
	                        attr(a, "roleDefinitionId"));
	cJSON_AddStringToObject(p, "principalId", attr(a, "principalId"));
	cJSON_AddStringToObject(p, "principalType", attr(a, "principalType"));
	return j;
}

struct assignment_query {
	const char *scope, *principal, *role, *skip;
	cJSON *value; /* list mode */
	const char *found;
};

/* `scope` holds `inner`: equal, or an ancestor of it. */
static int covers(const char *scope, const char *inner)
{
	size_t n = strlen(scope);

	return strncasecmp(scope, inner, n) == 0 &&
	       (inner[n] == '\0' || inner[n] == '/');
}

static void match_assignment(const char *id, cJSON *a, void *arg)
{
	struct assignment_query *q = arg;

	if (q->value) { /* list: at the scope and above, by principal */
		if (covers(attr(a, "scope"), q->scope) &&
		    (!q->principal ||
		     strcasecmp(attr(a, "principalId"), q->principal) == 0))
			cJSON_AddItemToArray(q->value, assignment_json(id, a));
	} else if (!q->found && strcmp(id, q->skip) != 0 &&
	           strcasecmp(attr(a, "scope"), q->scope) == 0 &&
	           strcasecmp(attr(a, "principalId"), q->principal) == 0 &&
	           strcasecmp(attr(a, "roleDefinitionId"), q->role) == 0) {
		q->found = id;
	}
}

static int same_assignment(const cJSON *a, const char *scope, const char *role,
                           const char *principal)
{
	return strcasecmp(attr(a, "scope"), scope) == 0 &&
	       strcasecmp(attr(a, "roleDefinitionId"), role) == 0 &&
	       strcasecmp(attr(a, "principalId"), principal) == 0;
}

static int put_assignment(struct route *rt, const char *scope, const char *sub,
                          const char *name)
{
	cJSON *props =
	    cJSON_GetObjectItemCaseSensitive(sb_json(rt->req), "properties");
	const char *role = attr(props, "roleDefinitionId");
	const char *principal = attr(props, "principalId");
	const char *type = attr(props, "principalType");
	struct assignment_query q = {scope, principal, role, name, NULL, NULL};
	cJSON *a = sb_resource_find(P, "role_assignment", name), *attrs;
	char prefix[200];
	size_t n;

	n = (size_t)snprintf(prefix, sizeof(prefix),
	                     "/subscriptions/%s/providers/"
	                     "Microsoft.Authorization/roleDefinitions/",
	                     sub);
	if (!is_guid(name))
		return error(rt->resp, 400, "InvalidRoleAssignmentId",
		             "The role assignment ID '%s' is not valid. The "
		             "role assignment ID must be a GUID.",
		             name);
	if (!role || !principal)
		return error(rt->resp, 400, "InvalidRequestContent",
		             "roleDefinitionId and principalId are required.");
	if (strncasecmp(role, prefix, n) != 0 || !role_name(role + n))
		return error(rt->resp, 400, "RoleDefinitionDoesNotExist",
		             "The specified role definition does not exist.");
	if (!sb_resource_find(P, "user", principal))
		return error(rt->resp, 400, "PrincipalNotFound",
		             "Principal %s does not exist in the directory.",
		             principal);
	if (a && same_assignment(a, scope, role, principal))
		return reply(rt->resp, 200, assignment_json(name, a));
	if (a)
		return error(rt->resp, 400, "RoleAssignmentUpdateNotPermitted",
		             "Tenant ID, application ID, principal ID, and "
		             "scope are not allowed to be updated.");
	sb_resource_each(P, "role_assignment", match_assignment, &q);
	if (q.found)
		return error(rt->resp, 409, "RoleAssignmentExists",
		             "The role assignment already exists.");
	attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "scope", scope);
	cJSON_AddStringToObject(attrs, "roleDefinitionId", role);
	cJSON_AddStringToObject(attrs, "principalId", principal);
	cJSON_AddStringToObject(attrs, "principalType", type ? type : "User");
	a = sb_resource_add(P, "role_assignment", name, attrs);
	sb_reply_json(rt->resp, 201, assignment_json(name, a));
	return 0;
}

/* "principalId eq 'x'" -> x (static buffer), "" for no filter, NULL for
 * a filter this fake does not know. */
static const char *principal_filter(const char *f)
{
	static char id[64];
	size_t n;

	if (!f)
		return "";
	if (strncmp(f, "principalId eq '", 16) != 0)
		return NULL;
	n = strcspn(f + 16, "'");
	if (n >= sizeof(id) || f[16 + n] != '\'' || f[17 + n] != '\0')
		return NULL;
	memcpy(id, f + 16, n);
	id[n] = '\0';
	return id;
}

/* {scope}/providers/Microsoft.Authorization/..., rt->seg[k] being
 * "providers"; the scope is /subscriptions/{sub}[/resourceGroups/{rg}]. */
static int authorization(struct route *rt, int k)
{
	const char *sub = rt->seg[1], *m = rt->req->method, *who;
	char scope[400], key[200];
	struct assignment_query q = {scope, NULL, NULL, "", NULL, NULL};
	cJSON *list, *a;

	if (!api_version(rt, AUTHORIZATION_API))
		return 0;
	if (k == 4) {
		group_key(key, sizeof(key), sub, rt->seg[3]);
		if (!sb_resource_find(P, "resource_group", key))
			return error(rt->resp, 404, "ResourceGroupNotFound",
			             "Resource group '%s' could not be found.",
			             rt->seg[3]);
		snprintf(scope, sizeof(scope),
		         "/subscriptions/%s/resourceGroups/%s", sub,
		         rt->seg[3]);
	} else {
		snprintf(scope, sizeof(scope), "/subscriptions/%s", sub);
	}
	if (seg_is(rt, k + 2, "roleDefinitions") && rt->n == k + 4)
		return role_definition(rt, sub, rt->seg[k + 3]);
	if (!seg_is(rt, k + 2, "roleAssignments") || rt->n > k + 4)
		return error(rt->resp, 404, "NotFound", "No such operation.");
	if (rt->n == k + 3) {
		if (strcmp(m, "GET") != 0 ||
		    !(who = principal_filter(sb_query(rt->req, "$filter"))))
			return error(rt->resp, 400, "UnsupportedQuery",
			             "Unsupported $filter or method.");
		q.principal = *who ? who : NULL;
		list = cJSON_CreateObject();
		q.value = cJSON_AddArrayToObject(list, "value");
		sb_resource_each(P, "role_assignment", match_assignment, &q);
		return reply(rt->resp, 200, list);
	}
	if (!strcmp(m, "PUT"))
		return put_assignment(rt, scope, sub, rt->seg[k + 3]);
	a = sb_resource_find(P, "role_assignment", rt->seg[k + 3]);
	if (!strcmp(m, "DELETE") &&
	    (!a || strcasecmp(attr(a, "scope"), scope) != 0)) {
		sb_reply(rt->resp, 204, "application/json", "%s", "");
		return 0;
	}
	if (!strcmp(m, "DELETE")) {
		sb_reply_json(rt->resp, 200,
		              assignment_json(rt->seg[k + 3], a));
		sb_resource_delete(P, "role_assignment", rt->seg[k + 3]);
		return 0;
	}
	if (!a || strcasecmp(attr(a, "scope"), scope) != 0)
		return error(rt->resp, 404, "RoleAssignmentNotFound",
		             "The role assignment '%s' is not found.",
		             rt->seg[k + 3]);
	sb_reply_json(rt->resp, 200, assignment_json(rt->seg[k + 3], a));
	return 0;
}

/* /subscriptions/{sub}/... */
static int subscription_scope(struct route *rt)
{
	if (rt->n < 2 || !subscription_exists(rt->seg[1]))
		return error(rt->resp, 404, "SubscriptionNotFound",
		             "The subscription '%s' could not be found.",
		             rt->n > 1 ? rt->seg[1] : "");
	if (seg_is(rt, 2, "resourcegroups") && rt->n <= 4)
		return resource_groups(rt, rt->seg[1]);
	if (seg_is(rt, 2, "providers") &&
	    seg_is(rt, 3, "Microsoft.Authorization"))
		return authorization(rt, 2);
	if (seg_is(rt, 2, "resourcegroups") && seg_is(rt, 4, "providers") &&
	    seg_is(rt, 5, "Microsoft.Authorization"))
		return authorization(rt, 4);
	error(rt->resp, 404, "NotFound", "No such operation.");
	return 0;
}

/* ---- Microsoft Graph: users and invitations -------------------------- */

static cJSON *user_json(const cJSON *u)
{
	cJSON *j = cJSON_CreateObject();
	const char *mail = attr(u, "mail");

	cJSON_AddStringToObject(j, "id", attr(u, "id"));
	cJSON_AddStringToObject(j, "userPrincipalName",
	                        attr(u, "userPrincipalName"));
	cJSON_AddStringToObject(j, "displayName", attr(u, "displayName"));
	if (mail && *mail)
		cJSON_AddStringToObject(j, "mail", mail);
	else
		cJSON_AddNullToObject(j, "mail");
	cJSON_AddStringToObject(j, "userType", attr(u, "userType"));
	return j;
}

struct user_query {
	const char *field, *value;
	cJSON *found;
};

static void match_user(const char *id, cJSON *u, void *arg)
{
	struct user_query *q = arg;
	const char *v = attr(u, q->field);

	(void)id;
	if (!q->found && v && strcasecmp(v, q->value) == 0)
		q->found = u;
}

static cJSON *find_user(const char *field, const char *value)
{
	struct user_query q = {field, value, NULL};

	sb_resource_each(P, "user", match_user, &q);
	return q.found;
}

static cJSON *add_user(const char *upn, const char *mail, const char *name,
                       const char *type)
{
	cJSON *attrs = cJSON_CreateObject();
	char id[40];

	new_guid(id, sizeof(id), "user", 0x05e7a11d);
	cJSON_AddStringToObject(attrs, "id", id);
	cJSON_AddStringToObject(attrs, "userPrincipalName", upn);
	cJSON_AddStringToObject(attrs, "mail", mail ? mail : "");
	cJSON_AddStringToObject(attrs, "displayName", name);
	cJSON_AddStringToObject(attrs, "userType", type);
	return sb_resource_add(P, "user", id, attrs);
}

static int graph_not_found(struct sb_response *resp, const char *what)
{
	error(resp, 404, "Request_ResourceNotFound",
	      "Resource '%s' does not exist or one of its queried "
	      "reference-property objects are not present.",
	      what);
	return 0;
}

/* GET /v1.0/users?$filter=mail eq 'x' (or userPrincipalName eq 'x'). */
static int list_users(struct route *rt)
{
	const char *f = sb_query(rt->req, "$filter");
	char field[32] = "", value[320] = "";
	cJSON *list = cJSON_CreateObject(), *value_arr, *u = NULL;

	value_arr = cJSON_AddArrayToObject(list, "value");
	cJSON_AddStringToObject(
	    list, "@odata.context",
	    "https://graph.microsoft.com/v1.0/$metadata#users");
	if (f &&
	    (sscanf(f, "%31s eq '%319[^']'", field, value) != 2 ||
	     (strcmp(field, "mail") && strcmp(field, "userPrincipalName")))) {
		cJSON_Delete(list);
		return error(rt->resp, 400, "Request_UnsupportedQuery",
		             "Unsupported query.");
	}
	if (f)
		u = find_user(field, value);
	if (u)
		cJSON_AddItemToArray(value_arr, user_json(u));
	sb_reply_json(rt->resp, 200, list);
	return 0;
}

static int create_user(struct route *rt)
{
	cJSON *b = sb_json(rt->req);
	const char *upn = attr(b, "userPrincipalName");
	const char *name = attr(b, "displayName");
	const char *nick = attr(b, "mailNickname");
	const char *pw = attr(
	    cJSON_GetObjectItemCaseSensitive(b, "passwordProfile"), "password");

	if (!upn || !strchr(upn, '@') || !name || !nick ||
	    !cJSON_IsBool(
	        cJSON_GetObjectItemCaseSensitive(b, "accountEnabled")))
		return error(rt->resp, 400, "Request_BadRequest",
		             "accountEnabled, displayName, mailNickname and "
		             "userPrincipalName are required.");
	if (!pw || strlen(pw) < 8 || strlen(pw) > 256)
		return error(rt->resp, 400, "Request_BadRequest",
		             "The specified password does not comply with "
		             "password complexity requirements.");
	if (find_user("userPrincipalName", upn))
		return error(rt->resp, 400, "Request_BadRequest",
		             "Another object with the same value for property "
		             "userPrincipalName already exists.");
	/* The password is checked, never stored. */
	sb_reply_json(rt->resp, 201,
	              user_json(add_user(upn, NULL, name, "Member")));
	return 0;
}

static int invite(struct route *rt)
{
	cJSON *b = sb_json(rt->req), *u, *j, *attrs;
	const char *email = attr(b, "invitedUserEmailAddress");
	const char *redirect = attr(b, "inviteRedirectUrl");
	char upn[400], id[40], redeem[200];
	int send = cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(b, "sendInvitationMessage"));

	if (!email || !strchr(email, '@') || !redirect || !*redirect)
		return error(
		    rt->resp, 400, "BadRequest",
		    "invitedUserEmailAddress and inviteRedirectUrl are "
		    "required.");
	u = find_user("mail", email); /* a re-invitation: the same user */
	if (!u) {
		snprintf(upn, sizeof(upn), "%s#EXT#@sandbox.onmicrosoft.com",
		         email);
		*strchr(upn, '@') = '_';
		u = add_user(upn, email, email, "Guest");
	}
	new_guid(id, sizeof(id), "inv", 0x1a71fe00);
	attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "invitedUserEmailAddress", email);
	cJSON_AddStringToObject(attrs, "invitedUser", attr(u, "id"));
	sb_resource_add(P, "invitation", id, attrs);
	snprintf(redeem, sizeof(redeem),
	         "https://login.microsoftonline.com/redeem?id=%s", id);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "inviteRedeemUrl", redeem);
	cJSON_AddStringToObject(j, "invitedUserEmailAddress", email);
	cJSON_AddStringToObject(j, "inviteRedirectUrl", redirect);
	cJSON_AddBoolToObject(j, "sendInvitationMessage", send);
	cJSON_AddStringToObject(j, "status", "PendingAcceptance");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(j, "invitedUser"), "id",
	                        attr(u, "id"));
	sb_reply_json(rt->resp, 201, j);
	return 0;
}

/* A deleted user's invitations go with it. */
static void invitation_of(const char *id, cJSON *attrs, void *arg)
{
	char *found = arg;

	if (!*found && !strcmp(attr(attrs, "invitedUser"), found + 64))
		snprintf(found, 64, "%s", id);
}

static void drop_invitations(const char *user)
{
	char found[64 + 128];

	for (int i = 0; i < 16; i++) {
		found[0] = '\0';
		snprintf(found + 64, 128, "%s", user);
		sb_resource_each(P, "invitation", invitation_of, found);
		if (!found[0] || !sb_resource_delete(P, "invitation", found))
			break;
	}
}

/* /v1.0/... */
static int graph(struct route *rt)
{
	const char *m = rt->req->method;
	cJSON *u;

	if (!authorized(rt, "graph"))
		return 0;
	if (rt->n == 2 && seg_is(rt, 1, "invitations") && !strcmp(m, "POST"))
		return invite(rt);
	if (rt->n == 2 && seg_is(rt, 1, "users") && !strcmp(m, "GET"))
		return list_users(rt);
	if (rt->n == 2 && seg_is(rt, 1, "users") && !strcmp(m, "POST"))
		return create_user(rt);
	if (rt->n == 3 && seg_is(rt, 1, "users") && !strcmp(m, "DELETE")) {
		if (!sb_resource_delete(P, "user", rt->seg[2]))
			return graph_not_found(rt->resp, rt->seg[2]);
		drop_invitations(rt->seg[2]);
		sb_reply(rt->resp, 204, "text/plain", "%s", "");
		return 0;
	}
	if (rt->n == 3 && seg_is(rt, 1, "users") && !strcmp(m, "GET")) {
		u = sb_resource_find(P, "user", rt->seg[2]);
		if (!u)
			u = find_user("userPrincipalName", rt->seg[2]);
		if (!u)
			return graph_not_found(rt->resp, rt->seg[2]);
		return reply(rt->resp, 200, user_json(u));
	}
	error(rt->resp, 400, "BadRequest",
	      "Resource not found for the segment '%s'.",
	      rt->n > 1 ? rt->seg[1] : "");
	return 0;
}

/* ---- routing ----------------------------------------------------------- */

static int hex(int ch)
{
	return isdigit(ch) ? ch - '0' : tolower(ch) - 'a' + 10;
}

/* Split the path in place into percent-decoded segments. */
static int split(char *path, struct route *rt)
{
	for (char *s = strtok(path, "/"); s; s = strtok(NULL, "/")) {
		char *w = s;

		if (rt->n == MAX_SEGMENTS)
			return -1;
		for (char *r = s; *r; r++, w++)
			if (r[0] == '%' && isxdigit((unsigned char)r[1]) &&
			    isxdigit((unsigned char)r[2])) {
				*w = (char)(hex(r[1]) * 16 + hex(r[2]));
				r += 2;
			} else {
				*w = *r;
			}
		*w = '\0';
		rt->seg[rt->n++] = s;
	}
	return 0;
}

static int arm(struct route *rt)
{
	if (!authorized(rt, "arm"))
		return 0;
	if (seg_is(rt, 0, "providers") &&
	    seg_is(rt, 1, "Microsoft.Subscription"))
		return subscription_rp(rt);
	if (seg_is(rt, 0, "subscriptions"))
		return subscription_scope(rt);
	error(rt->resp, 404, "NotFound", "No such operation.");
	return 0;
}

static void handle(const struct sb_request *req, struct sb_response *resp)
{
	struct route rt = {.req = req, .resp = resp};
	char *path = strdup(req->path);
	const char *area = "";

	if (!path || split(path, &rt)) {
		free(path);
		error(resp, 414, "InvalidUri", "Path too long.");
		return;
	}
	/* /login, /arm, /graph under the prefix; the path's shape without. */
	if (rt.n > 0 && (seg_is(&rt, 0, "login") || seg_is(&rt, 0, "arm") ||
	                 seg_is(&rt, 0, "graph"))) {
		area = rt.seg[0];
		memmove(rt.seg, rt.seg + 1, sizeof(char *) * (size_t)--rt.n);
		rt.prefixed = 1;
	}
	if (rt.n == 4 && seg_is(&rt, 1, "oauth2") && seg_is(&rt, 2, "v2.0") &&
	    seg_is(&rt, 3, "token") && (!*area || !strcmp(area, "login")))
		token_endpoint(&rt);
	else if (!strcmp(area, "login"))
		oauth_error(resp, 404, "invalid_request", 90002,
		            "No such endpoint.");
	else if (seg_is(&rt, 0, "v1.0") && (!*area || !strcmp(area, "graph")))
		graph(&rt);
	else if (!strcmp(area, "graph"))
		error(resp, 400, "BadRequest", "Unsupported API version.");
	else
		arm(&rt);
	free(path);
}

static const struct sb_fake azure_fake = {.name = "azure", .handle = handle};
SB_REGISTER_FAKE(azure_fake)
