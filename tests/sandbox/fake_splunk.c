/*
 * Splunk Enterprise management API fake (port 8089's REST API): the
 * collections the splunk plugin manages, answered like splunkd with
 * output_mode=json: {"entry": [{"name", "id", "content", "acl"}], ...}.
 * Errors are Splunk's {"messages": [{"type": "ERROR", "text": "In handler
 * '...': ..."}]}; a create of a name that exists is 409, an entity that
 * does not is 404, an argument the handler does not take is 400. Without
 * output_mode=json splunkd answers XML, and so does the fake (a client
 * that forgets it gets a body it cannot read as JSON). POST bodies must be
 * form-encoded, a multi-valued argument repeated (roles=a&roles=b).
 *
 * Auth like splunkd: "Authorization: Bearer <token>" (an authentication
 * token) or HTTP Basic; otherwise 401 with {"messages": [{"type": "WARN",
 * "text": "call not properly authenticated"}]}.
 *
 * Environment:
 *   SANDBOX_SPLUNK_TOKEN     default "sandbox-splunk-token-0001"
 *   SANDBOX_SPLUNK_USER      default "admin"
 *   SANDBOX_SPLUNK_PASSWORD  default "sandbox-splunk-password-0001"
 *   SANDBOX_SPLUNK_ROLES     comma-separated roles that exist (the
 *                            instance's own), default "admin,user,power"
 *
 * HEC starts globally disabled, as on a fresh Splunk Enterprise. A token's
 * value is derived from a per-process random seed and its resource id, so
 * no secret is stored in resource attributes.
 *
 * Resources: kinds role, user (never the password: password_set), index,
 * hec_token (never the token), saved_search, hec_global.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sandbox.h"

#define P "splunk"
#define HEC "/servicesNS/nobody/splunk_httpinput/data/inputs/http"

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

struct collection {
	const char *path;         /* the collection's path */
	const char *handler;      /* as splunkd names it in errors */
	const char *kind;         /* the sandbox resource kind */
	const char *const *args;  /* the arguments a create/update takes */
	const char *const *multi; /* of those, the multi-valued ones */
};

static const char *const role_args[] = {
    "imported_roles", "srchIndexesAllowed", "srchIndexesDefault",
    "capabilities",   "defaultApp",         NULL};
static const char *const role_multi[] = {"imported_roles", "srchIndexesAllowed",
                                         "srchIndexesDefault", "capabilities",
                                         NULL};
static const char *const user_args[] = {
    "password",          "roles", "email", "realname", "defaultApp",
    "force-change-pass", NULL};
static const char *const user_multi[] = {"roles", NULL};
static const char *const index_args[] = {"datatype",
                                         "frozenTimePeriodInSecs",
                                         "maxTotalDataSizeMB",
                                         "homePath",
                                         "coldPath",
                                         "thawedPath",
                                         NULL};
static const char *const hec_args[] = {"index",      "indexes",  "source",
                                       "sourcetype", "disabled", "useACK",
                                       "host",       NULL};
static const char *const hec_multi[] = {"indexes", NULL};
static const char *const search_args[] = {"search",
                                          "is_scheduled",
                                          "cron_schedule",
                                          "dispatch.earliest_time",
                                          "dispatch.latest_time",
                                          "alert_type",
                                          "alert_comparator",
                                          "alert_threshold",
                                          "alert.track",
                                          "alert.severity",
                                          "actions",
                                          "action.email.to",
                                          "action.email.subject",
                                          "description",
                                          "disabled",
                                          NULL};
static const char *const none[] = {NULL};

static const struct collection collections[] = {
    {"/services/authorization/roles", "roles", "role", role_args, role_multi},
    {"/services/authentication/users", "users", "user", user_args, user_multi},
    {"/services/data/indexes", "indexes", "index", index_args, none},
    {HEC, "http", "hec_token", hec_args, hec_multi},
    {"/servicesNS/nobody/search/saved/searches", "savedsearch", "saved_search",
     search_args, none},
};

/* ---- answers -------------------------------------------------------- */

static void messages(struct sb_response *resp, int status, const char *type,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void messages(struct sb_response *resp, int status, const char *type,
                     const char *fmt, ...)
{
	char text[512];
	cJSON *j = cJSON_CreateObject(), *list, *m;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	list = cJSON_AddArrayToObject(j, "messages");
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "type", type);
	cJSON_AddStringToObject(m, "text", text);
	cJSON_AddItemToArray(list, m);
	sb_reply_json(resp, status, j);
}

static unsigned long long seed;

/* The HEC token of resource `id`: a UUID from the seed and the id. */
static void token_of(const char *id, char *buf, size_t size)
{
	unsigned long long h = seed ^ 1469598103934665603ULL;

	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	snprintf(buf, size, "%08llx-%04llx-4%03llx-8%03llx-%012llx", h >> 32,
	         (h >> 16) & 0xffff, h & 0xfff, (h >> 20) & 0xfff,
	         (h * 2654435761ULL) & 0xffffffffffffULL);
}

static cJSON *entry(const struct collection *col, const char *name,
                    cJSON *attrs)
{
	cJSON *e = cJSON_CreateObject(), *content, *acl;
	char id[600], token[64];

	snprintf(id, sizeof(id), "https://127.0.0.1:8089%s/%s", col->path,
	         name);
	cJSON_AddStringToObject(e, "name", name);
	cJSON_AddStringToObject(e, "id", id);
	cJSON_AddStringToObject(e, "updated", "2026-01-01T00:00:00+00:00");
	content = cJSON_Duplicate(attrs, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(content, "sandbox_id");
	cJSON_DeleteItemFromObjectCaseSensitive(content, "password_set");
	if (strcmp(col->kind, "hec_token") == 0) {
		token_of(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		             attrs, "sandbox_id")),
		         token, sizeof(token));
		cJSON_AddStringToObject(content, "token", token);
	}
	cJSON_AddItemToObject(e, "content", content);
	acl = cJSON_AddObjectToObject(e, "acl");
	cJSON_AddStringToObject(acl, "app", "search");
	cJSON_AddStringToObject(acl, "owner", "nobody");
	cJSON_AddStringToObject(acl, "sharing", "app");
	return e;
}

static void entries(struct sb_response *resp, int status,
                    const struct collection *col, const char *name,
                    cJSON *attrs)
{
	cJSON *j = cJSON_CreateObject(), *list, *paging;

	cJSON_AddObjectToObject(j, "links");
	cJSON_AddStringToObject(j, "origin", col->path);
	cJSON_AddObjectToObject(j, "generator");
	list = cJSON_AddArrayToObject(j, "entry");
	if (attrs)
		cJSON_AddItemToArray(list, entry(col, name, attrs));
	paging = cJSON_AddObjectToObject(j, "paging");
	cJSON_AddNumberToObject(paging, "total", attrs ? 1 : 0);
	cJSON_AddNumberToObject(paging, "perPage", 30);
	cJSON_AddNumberToObject(paging, "offset", 0);
	cJSON_AddArrayToObject(j, "messages");
	sb_reply_json(resp, status, j);
}

/* ---- requests ------------------------------------------------------- */

static int authorized(const struct sb_request *req)
{
	const char *bearer = sb_bearer(req), *user, *password;

	if (bearer)
		return strcmp(bearer, env_or("SANDBOX_SPLUNK_TOKEN",
		                             "sandbox-splunk-token-0001")) == 0;
	return sb_basic_auth(req, &user, &password) &&
	       strcmp(user, env_or("SANDBOX_SPLUNK_USER", "admin")) == 0 &&
	       strcmp(password, env_or("SANDBOX_SPLUNK_PASSWORD",
	                               "sandbox-splunk-password-0001")) == 0;
}

static int in(const char *const *list, const char *name)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], name) == 0)
			return 1;
	return 0;
}

/* The first form argument that `col` does not take (NULL: none). `name`
 * is taken only by a create. */
static const char *unknown_arg(const struct sb_request *req,
                               const struct collection *col, int create,
                               char *buf, size_t size)
{
	const char *p = req->body ? req->body : "";

	while (*p) {
		size_t n = strcspn(p, "=&");

		snprintf(buf, size, "%.*s", (int)n, p);
		if (!(create && strcmp(buf, "name") == 0) &&
		    !in(col->args, buf))
			return buf;
		p += strcspn(p, "&");
		if (*p == '&')
			p++;
	}
	return NULL;
}

/* The form's arguments into attrs (a multi-valued one as an array; the
 * password only as password_set). */
static void apply_form(const struct sb_request *req,
                       const struct collection *col, cJSON *attrs)
{
	for (size_t i = 0; col->args[i]; i++) {
		const char *a = col->args[i];
		size_t n = sb_form_count(req, a);

		if (n == 0)
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(attrs, a);
		if (strcmp(a, "password") == 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(attrs,
			                                        "password_set");
			cJSON_AddTrueToObject(attrs, "password_set");
		} else if (in(col->multi, a)) {
			cJSON *list = cJSON_AddArrayToObject(attrs, a);

			for (size_t k = 0; k < n; k++)
				cJSON_AddItemToArray(
				    list,
				    cJSON_CreateString(sb_form(req, a, k)));
		} else if (!strcmp(a, "frozenTimePeriodInSecs") ||
		           !strcmp(a, "maxTotalDataSizeMB")) {
			cJSON_AddNumberToObject(attrs, a,
			                        atof(sb_form(req, a, 0)));
		} else if (!strcmp(a, "is_scheduled") ||
		           !strcmp(a, "disabled")) {
			cJSON_AddBoolToObject(
			    attrs, a, strcmp(sb_form(req, a, 0), "1") == 0);
		} else {
			cJSON_AddStringToObject(attrs, a, sb_form(req, a, 0));
		}
	}
}

/* Defaults splunkd fills in for a new entity. */
static void defaults(const struct collection *col, cJSON *attrs)
{
	if (strcmp(col->kind, "index") == 0) {
		if (!cJSON_GetObjectItemCaseSensitive(attrs,
		                                      "frozenTimePeriodInSecs"))
			cJSON_AddNumberToObject(attrs, "frozenTimePeriodInSecs",
			                        188697600);
		if (!cJSON_GetObjectItemCaseSensitive(attrs,
		                                      "maxTotalDataSizeMB"))
			cJSON_AddNumberToObject(attrs, "maxTotalDataSizeMB",
			                        500000);
	} else if (strcmp(col->kind, "hec_token") == 0 &&
	           !cJSON_GetObjectItemCaseSensitive(attrs, "disabled")) {
		cJSON_AddFalseToObject(attrs, "disabled");
	}
}

/* Percent-decode a path segment into buf. */
static void decode(const char *in, size_t len, char *buf, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 1 < size; i++) {
		unsigned v;

		if (in[i] == '%' && i + 2 < len &&
		    sscanf(in + i + 1, "%2x", &v) == 1) {
			buf[o++] = (char)v;
			i += 2;
		} else {
			buf[o++] = in[i] == '+' ? ' ' : in[i];
		}
	}
	buf[o] = '\0';
}

static void seed_roles(void)
{
	char roles[1024], *save = NULL;
	static const struct collection *col = &collections[0];

	snprintf(roles, sizeof(roles), "%s",
	         env_or("SANDBOX_SPLUNK_ROLES", "admin,user,power"));
	for (char *r = strtok_r(roles, ",", &save); r;
	     r = strtok_r(NULL, ",", &save))
		if (!sb_resource_find(P, col->kind, r))
			sb_resource_add(P, col->kind, r, cJSON_CreateObject());
}

static void hec_global(const struct sb_request *req, struct sb_response *resp)
{
	static const struct collection global = {HEC, "http", "hec_global",
	                                         hec_args, none};
	cJSON *g = sb_resource_find(P, "hec_global", "http");

	if (!g) {
		g = cJSON_CreateObject();
		cJSON_AddTrueToObject(g, "disabled");
		cJSON_AddStringToObject(g, "port", "8088");
		g = sb_resource_add(P, "hec_global", "http", g);
	}
	if (strcmp(req->method, "POST") == 0) {
		const char *d = sb_form(req, "disabled", 0);

		if (d) {
			cJSON_DeleteItemFromObjectCaseSensitive(g, "disabled");
			cJSON_AddBoolToObject(g, "disabled",
			                      strcmp(d, "1") == 0);
		}
	} else if (strcmp(req->method, "GET") != 0) {
		messages(resp, 405, "ERROR", "Method not allowed");
		return;
	}
	cJSON *content = cJSON_Duplicate(g, 1);
	entries(resp, 200, &global, "http", content);
	cJSON_Delete(content);
}

static void collection_call(const struct sb_request *req,
                            struct sb_response *resp,
                            const struct collection *col, const char *seg)
{
	char name[512], arg[128], id[32];
	cJSON *attrs;
	const char *bad;

	if (!seg) { /* the collection */
		const char *n = sb_form(req, "name", 0);

		if (strcmp(req->method, "POST") != 0) {
			entries(resp, 200, col, "", NULL);
			return;
		}
		if (!n || !*n) {
			messages(resp, 400, "ERROR",
			         "In handler '%s': Missing argument \"name\"",
			         col->handler);
			return;
		}
		if ((bad = unknown_arg(req, col, 1, arg, sizeof(arg)))) {
			messages(resp, 400, "ERROR",
			         "Argument \"%s\" is not supported by this "
			         "handler.",
			         bad);
			return;
		}
		if (sb_resource_find(P, col->kind, n)) {
			messages(resp, 409, "ERROR",
			         "In handler '%s': An object with name=%s "
			         "already exists",
			         col->handler, n);
			return;
		}
		attrs = cJSON_CreateObject();
		sb_new_id(id, sizeof(id), col->kind);
		cJSON_AddStringToObject(attrs, "sandbox_id", id);
		apply_form(req, col, attrs);
		defaults(col, attrs);
		attrs = sb_resource_add(P, col->kind, n, attrs);
		entries(resp, 201, col, n, attrs);
		return;
	}
	decode(seg, strlen(seg), name, sizeof(name));
	attrs = sb_resource_find(P, col->kind, name);
	if (!attrs) {
		messages(resp, 404, "ERROR",
		         "In handler '%s': Could not find object id=%s",
		         col->handler, name);
		return;
	}
	if (strcmp(req->method, "GET") == 0) {
		entries(resp, 200, col, name, attrs);
	} else if (strcmp(req->method, "DELETE") == 0) {
		sb_resource_delete(P, col->kind, name);
		entries(resp, 200, col, "", NULL);
	} else if (strcmp(req->method, "POST") == 0) {
		if ((bad = unknown_arg(req, col, 0, arg, sizeof(arg)))) {
			messages(resp, 400, "ERROR",
			         "Argument \"%s\" is not supported by this "
			         "handler.",
			         bad);
			return;
		}
		apply_form(req, col, attrs);
		entries(resp, 200, col, name, attrs);
	} else {
		messages(resp, 405, "ERROR", "Method not allowed");
	}
}

static void handle(const struct sb_request *req, struct sb_response *resp)
{
	const char *mode = sb_query(req, "output_mode");
	const char *ctype = sb_header(req, "Content-Type");

	if (!seed) {
		seed = ((unsigned long long)time(NULL) << 20) ^
		       (unsigned long long)rand();
	}
	if (!authorized(req)) {
		messages(resp, 401, "WARN", "call not properly authenticated");
		return;
	}
	if (!mode || strcmp(mode, "json") != 0) {
		sb_reply(resp, 200, "text/xml",
		         "<?xml version=\"1.0\"?>\n<feed xmlns=\"http://"
		         "www.w3.org/2005/Atom\"></feed>\n");
		return;
	}
	if (strcmp(req->method, "POST") == 0 &&
	    (!ctype ||
	     strncmp(ctype, "application/x-www-form-urlencoded", 33) != 0)) {
		messages(
		    resp, 400, "ERROR",
		    "POST bodies must be application/x-www-form-urlencoded");
		return;
	}
	seed_roles();
	if (strcmp(req->path, "/services/authentication/current-context") ==
	    0) {
		static const struct collection ctx = {
		    "/services/authentication/current-context", "context",
		    "context", none, none};
		cJSON *c = cJSON_CreateObject(), *roles;

		cJSON_AddStringToObject(c, "username",
		                        env_or("SANDBOX_SPLUNK_USER", "admin"));
		roles = cJSON_AddArrayToObject(c, "roles");
		cJSON_AddItemToArray(roles, cJSON_CreateString("admin"));
		entries(resp, 200, &ctx, "context", c);
		cJSON_Delete(c);
		return;
	}
	if (strcmp(req->path, HEC "/http") == 0) {
		hec_global(req, resp);
		return;
	}
	for (size_t i = 0; i < sizeof(collections) / sizeof(collections[0]);
	     i++) {
		const struct collection *col = &collections[i];
		size_t n = strlen(col->path);

		if (strncmp(req->path, col->path, n) != 0)
			continue;
		if (req->path[n] == '\0') {
			collection_call(req, resp, col, NULL);
			return;
		}
		if (req->path[n] == '/' && req->path[n + 1] &&
		    !strchr(req->path + n + 1, '/')) {
			collection_call(req, resp, col, req->path + n + 1);
			return;
		}
	}
	messages(resp, 404, "ERROR", "Not Found");
}

static const struct sb_fake splunk_fake = {.name = P, .handle = handle};
SB_REGISTER_FAKE(splunk_fake)
