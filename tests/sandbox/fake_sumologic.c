/*
 * Sumo Logic fake: users and roles, the Monitors library (root folder,
 * monitors) shaped after the response schemas of
 * /work/shared/specs/sumologic-api.yaml so a validating proxy accepts
 * them, and the Collector Management API the spec leaves out (hosted
 * collectors by id and by name, their HTTP sources), shaped after Sumo's
 * Collector API and Source API documentation.
 *
 * Auth is HTTP Basic, access id : access key, as Sumo takes it; anything
 * else is 401 unauthorized. Errors have Sumo's ErrorResponse shape
 * {"id": "XXXXX-XXXXX-XXXXX", "errors": [{"code", "message"}]}: notfound
 * (404), DuplicateResourceName (400) for a collector or source name that
 * is taken, rate.limit.exceeded (429), api.validation (400).
 *
 * Environment:
 *   SANDBOX_SUMOLOGIC_ACCESS_ID   the accepted access id, default
 *                                 "suSandboxAccessId01"
 *   SANDBOX_SUMOLOGIC_ACCESS_KEY  the accepted access key, default
 *                                 "sandbox-sumo-key-0001"
 *   SANDBOX_SUMOLOGIC_RATE_LIMIT  N: more than N calls within one second
 *                                 get 429 rate.limit.exceeded, without
 *                                 Retry-After as Sumo documents none
 *                                 (default: no limit)
 *   SANDBOX_SUMOLOGIC_USERS       e-mails of users the account already
 *                                 has, with the Administrator role
 *   SANDBOX_SUMOLOGIC_UNSEEN      names ("acme-uat,app"): a collector or
 *                                 source of one of them is not shown by
 *                                 look-ups and listings (another writer's
 *                                 create not seen yet) until a create of
 *                                 its name met DuplicateResourceName
 *
 * The account starts with the system role "Administrator" and the
 * monitors root folder. An HTTP source's upload URL is derived from its
 * id when shown (never stored): http://<Host>/sumologic/receiver/v1/http/
 * <token>, so it points back at the sandbox.
 *
 * Resources: kinds user, role (id = 16 hex digits), collector, source
 * (id = a number), monitor (16 hex digits). Each is listed by
 * /_sandbox/resources, so duplicates show.
 *
 * This file: auth, the rate limit, errors, routing, users, roles and
 * monitors; fake_sumologic_collectors.c: the Collector Management API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fake_sumologic.h"

#define ROOT_ID "0000000000000001"
#define ADMIN_ROLE_ID "00000000000000A1"
#define WHEN "2026-01-01T00:00:00.000Z"
#define BY "0000000000000000"

const char *sf_env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

const char *sf_str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

void sf_error(struct sb_response *resp, int status, const char *code,
              const char *message)
{
	cJSON *j = cJSON_CreateObject(), *errors = cJSON_CreateArray(),
	      *e = cJSON_CreateObject();
	char id[32], n[16];

	/* Sumo's error ids look like "IUUQI-DGH5I-TJ045". */
	sb_new_id(n, sizeof(n), "error");
	snprintf(id, sizeof(id), "SANDB-OX%03d-%05d", atoi(n + 5) % 1000,
	         atoi(n + 5));
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", message);
	cJSON_AddItemToArray(errors, e);
	cJSON_AddItemToObject(j, "errors", errors);
	sb_reply_json(resp, status, j);
}

void sf_not_found(struct sb_response *resp)
{
	sf_error(resp, 404, "notfound", "Resource not found.");
}

/* Sumo's ids: 16 upper-case hex digits. */
static void hex_id(char *buf, size_t len, const char *counter)
{
	char n[32];

	sb_new_id(n, sizeof(n), counter);
	snprintf(buf, len, "%016llX",
	         strtoull(n + strlen(counter), NULL, 10) + 0x100);
}

static void metadata(cJSON *o)
{
	cJSON_AddStringToObject(o, "createdAt", WHEN);
	cJSON_AddStringToObject(o, "createdBy", BY);
	cJSON_AddStringToObject(o, "modifiedAt", WHEN);
	cJSON_AddStringToObject(o, "modifiedBy", BY);
}

/* The account as Sumo hands it over: the system Administrator role, and
 * the customer's users of SANDBOX_SUMOLOGIC_USERS. Again after a reset. */
static void seed(void)
{
	char users[1024], *save = NULL;
	cJSON *r;

	if (sb_resource_find(P, "role", ADMIN_ROLE_ID))
		return;
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "name", "Administrator");
	cJSON_AddBoolToObject(r, "systemDefined", 1);
	sb_resource_add(P, "role", ADMIN_ROLE_ID, r);
	snprintf(users, sizeof(users), "%s",
	         sf_env_or("SANDBOX_SUMOLOGIC_USERS", ""));
	for (char *e = strtok_r(users, ",", &save); e;
	     e = strtok_r(NULL, ",", &save)) {
		cJSON *u = cJSON_CreateObject(), *ids = cJSON_CreateArray();
		char id[32];

		hex_id(id, sizeof(id), "user");
		cJSON_AddStringToObject(u, "firstName", "Seeded");
		cJSON_AddStringToObject(u, "lastName", "User");
		cJSON_AddStringToObject(u, "email", e);
		cJSON_AddItemToArray(ids, cJSON_CreateString(ADMIN_ROLE_ID));
		cJSON_AddItemToObject(u, "roleIds", ids);
		sb_resource_add(P, "user", id, u);
	}
}

/* ---- users and roles ------------------------------------------------ */

static cJSON *view(const char *id, const cJSON *attrs)
{
	cJSON *v = cJSON_Duplicate(attrs, 1);

	cJSON_AddStringToObject(v, "id", id);
	metadata(v);
	return v;
}

static cJSON *user_view(const char *id, const cJSON *u)
{
	cJSON *v = view(id, u);

	cJSON_AddBoolToObject(v, "isActive", 1);
	cJSON_AddBoolToObject(v, "isLocked", 0);
	cJSON_AddBoolToObject(v, "isMfaEnabled", 0);
	return v;
}

struct listing {
	const char *member, *value; /* the filter, nullable */
	cJSON *data;
	int users;
};

static void list_one(const char *id, cJSON *attrs, void *arg)
{
	struct listing *l = arg;
	const char *v = l->member ? sf_str(attrs, l->member) : NULL;

	if (l->member && (!v || strcasecmp(v, l->value) != 0))
		return;
	cJSON_AddItemToArray(l->data,
	                     l->users ? user_view(id, attrs) : view(id, attrs));
}

/* GET /v1/users, /v1/roles: one page (the fake holds few), filtered by
 * email or name as the spec's query parameters say. */
static void list(const struct sb_request *req, struct sb_response *resp,
                 const char *kind, const char *filter)
{
	struct listing l = {.member = sb_query(req, filter) ? filter : NULL,
	                    .value = sb_query(req, filter),
	                    .data = cJSON_CreateArray(),
	                    .users = !strcmp(kind, "user")};
	cJSON *out = cJSON_CreateObject();

	sb_resource_each(P, kind, list_one, &l);
	cJSON_AddItemToObject(out, "data", l.data);
	sb_reply_json(resp, 200, out);
}

static int has_string(const cJSON *array, const char *v)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, array)
	{
		if (cJSON_IsString(e) && !strcmp(e->valuestring, v))
			return 1;
	}
	return 0;
}

static void create_user(const cJSON *in, struct sb_response *resp)
{
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(in, "roleIds"), *e;
	const char *email = sf_str(in, "email");
	cJSON *u;
	char id[32];

	if (!sf_str(in, "firstName") || !sf_str(in, "lastName") || !email ||
	    !strchr(email, '@') || !cJSON_IsArray(ids)) {
		sf_error(resp, 400, "api.validation",
		         "firstName, lastName, email and roleIds are required");
		return;
	}
	cJSON_ArrayForEach(e, ids)
	{
		if (!cJSON_IsString(e) ||
		    !sb_resource_find(P, "role", e->valuestring)) {
			sf_error(resp, 400, "api.validation",
			         "Unknown role id.");
			return;
		}
	}
	/* The duplicate-user code is not documented (research notes §7). */
	if (sb_resource_find_by(P, "user", "email", email)) {
		sf_error(resp, 400, "user:duplicate_email",
		         "A user with this email already exists.");
		return;
	}
	u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "firstName", sf_str(in, "firstName"));
	cJSON_AddStringToObject(u, "lastName", sf_str(in, "lastName"));
	cJSON_AddStringToObject(u, "email", email);
	cJSON_AddItemToObject(u, "roleIds", cJSON_Duplicate(ids, 1));
	hex_id(id, sizeof(id), "user");
	sb_reply_json(resp, 200,
	              user_view(id, sb_resource_add(P, "user", id, u)));
}

static void create_role(const cJSON *in, struct sb_response *resp)
{
	const char *name = sf_str(in, "name");
	const cJSON *caps =
	    cJSON_GetObjectItemCaseSensitive(in, "capabilities");
	cJSON *r;
	char id[32];

	if (!name || !*name) {
		sf_error(resp, 400, "api.validation", "name is required");
		return;
	}
	if (sb_resource_find_by(P, "role", "name", name)) {
		sf_error(resp, 400, "role:duplicate_name",
		         "A role with this name already exists.");
		return;
	}
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "name", name);
	cJSON_AddStringToObject(
	    r, "description",
	    sf_str(in, "description") ? sf_str(in, "description") : "");
	cJSON_AddItemToObject(r, "capabilities",
	                      caps ? cJSON_Duplicate(caps, 1)
	                           : cJSON_CreateArray());
	cJSON_AddBoolToObject(r, "systemDefined", 0);
	hex_id(id, sizeof(id), "role");
	sb_reply_json(resp, 200, view(id, sb_resource_add(P, "role", id, r)));
}

/* PUT/DELETE /v1/roles/{roleId}/users/{userId}. */
static void role_user(const char *method, const char *role_id,
                      const char *user_id, struct sb_response *resp)
{
	cJSON *role = sb_resource_find(P, "role", role_id),
	      *u = sb_resource_find(P, "user", user_id), *ids, *e;
	int i = 0;

	if (!role || !u) {
		sf_not_found(resp);
		return;
	}
	ids = cJSON_GetObjectItemCaseSensitive(u, "roleIds");
	if (!strcmp(method, "PUT") && !has_string(ids, role_id))
		cJSON_AddItemToArray(ids, cJSON_CreateString(role_id));
	if (!strcmp(method, "DELETE"))
		cJSON_ArrayForEach(e, ids)
		{
			if (!strcmp(e->valuestring, role_id)) {
				cJSON_DeleteItemFromArray(ids, i);
				break;
			}
			i++;
		}
	/* assignRoleToUser answers the role, removeRoleFromUser 204. */
	if (!strcmp(method, "PUT"))
		sb_reply_json(resp, 200, view(role_id, role));
	else
		sb_reply(resp, 204, "application/json", "%s", "");
}

/* /v1/users..., /v1/roles... */
static void people(const struct sb_request *req, struct sb_response *resp,
                   const char *kind)
{
	const char *rest = req->path + strlen("/v1/users"); /* or roles */
	char id[64], user[64];
	cJSON *found;

	if (!*rest) {
		if (!strcmp(req->method, "GET"))
			list(req, resp, kind,
			     kind[0] == 'u' ? "email" : "name");
		else if (!strcmp(req->method, "POST") && kind[0] == 'u')
			create_user(sb_json(req), resp);
		else if (!strcmp(req->method, "POST"))
			create_role(sb_json(req), resp);
		else
			sf_error(resp, 405, "method.unsupported",
			         "Method not supported.");
		return;
	}
	if (kind[0] == 'r' &&
	    sscanf(rest, "/%63[0-9A-F]/users/%63[0-9A-F]", id, user) == 2) {
		role_user(req->method, id, user, resp);
		return;
	}
	if (sscanf(rest, "/%63[0-9A-F]", id) != 1 ||
	    !(found = sb_resource_find(P, kind, id))) {
		sf_not_found(resp);
		return;
	}
	if (!strcmp(req->method, "GET")) {
		sb_reply_json(resp, 200,
		              kind[0] == 'u' ? user_view(id, found)
		                             : view(id, found));
	} else if (!strcmp(req->method, "DELETE")) {
		sb_resource_delete(P, kind, id);
		sb_reply(resp, 204, "application/json", "%s", "");
	} else {
		sf_error(resp, 405, "method.unsupported",
		         "Method not supported.");
	}
}

/* ---- monitors -------------------------------------------------------- */

static cJSON *library_item(const char *id, const char *name, const char *type,
                           const char *parent)
{
	cJSON *v = cJSON_CreateObject();

	cJSON_AddStringToObject(v, "id", id);
	cJSON_AddStringToObject(v, "name", name);
	cJSON_AddStringToObject(v, "description", "");
	cJSON_AddNumberToObject(v, "version", 1);
	metadata(v);
	cJSON_AddStringToObject(v, "parentId", parent);
	cJSON_AddStringToObject(v, "contentType",
	                        strstr(type, "Folder") ? "Folder" : "Monitor");
	cJSON_AddStringToObject(v, "type", type);
	cJSON_AddBoolToObject(v, "isSystem", 0);
	cJSON_AddBoolToObject(v, "isMutable", 1);
	return v;
}

static cJSON *monitor_view(const char *id, const cJSON *m)
{
	cJSON *v = library_item(id, sf_str(m, "name"),
	                        "MonitorsLibraryMonitorResponse", ROOT_ID);
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(m, "version");
	static const char *const copied[] = {"monitorType", "queries",
	                                     "triggers",    "notifications",
	                                     "isDisabled",  NULL};

	for (size_t i = 0; copied[i]; i++) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(m, copied[i]);

		if (f)
			cJSON_AddItemToObject(v, copied[i],
			                      cJSON_Duplicate(f, 1));
	}
	cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(v, "version"),
	                     cJSON_IsNumber(version) ? version->valuedouble
	                                             : 1);
	cJSON_AddStringToObject(v, "status", "Normal");
	return v;
}

static void add_child(const char *id, cJSON *attrs, void *arg)
{
	cJSON_AddItemToArray(arg, monitor_view(id, attrs));
}

static void monitors_root(struct sb_response *resp)
{
	cJSON *v = library_item(ROOT_ID, "root",
	                        "MonitorsLibraryFolderResponse", BY),
	      *children = cJSON_CreateArray(), *perms = cJSON_CreateArray();

	sb_resource_each(P, "monitor", add_child, children);
	cJSON_AddItemToArray(perms, cJSON_CreateString("Create"));
	cJSON_AddItemToArray(perms, cJSON_CreateString("Read"));
	cJSON_AddItemToArray(perms, cJSON_CreateString("Update"));
	cJSON_AddItemToArray(perms, cJSON_CreateString("Delete"));
	cJSON_AddItemToObject(v, "permissions", perms);
	cJSON_AddItemToObject(v, "children", children);
	sb_reply_json(resp, 200, v);
}

static void create_monitor(const struct sb_request *req,
                           struct sb_response *resp)
{
	const cJSON *in = sb_json(req);
	const char *parent = sb_query(req, "parentId"),
	           *name = sf_str(in, "name");
	cJSON *m;
	char id[32];

	if (!parent || strcmp(parent, ROOT_ID) != 0) {
		sf_not_found(resp);
		return;
	}
	if (!name || !sf_str(in, "monitorType") ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(in, "queries")) ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(in, "triggers"))) {
		sf_error(
		    resp, 400, "api.validation",
		    "name, monitorType, queries and triggers are required");
		return;
	}
	m = cJSON_Duplicate(in, 1);
	hex_id(id, sizeof(id), "monitor");
	sb_reply_json(resp, 200,
	              monitor_view(id, sb_resource_add(P, "monitor", id, m)));
}

/* monitorsUpdateById: the whole monitor again, with the version it was
 * read at (an older one is a conflict, as Sumo's optimistic locking). */
static void update_monitor(const struct sb_request *req,
                           struct sb_response *resp, const char *id, cJSON *m)
{
	const cJSON *in = sb_json(req),
	            *version = cJSON_GetObjectItemCaseSensitive(in, "version"),
	            *have = cJSON_GetObjectItemCaseSensitive(m, "version");
	double now = cJSON_IsNumber(have) ? have->valuedouble : 1;
	static const char *const fields[] = {
	    "name",          "monitorType", "queries", "triggers",
	    "notifications", "isDisabled",  NULL};

	if (!cJSON_IsNumber(version) || !sf_str(in, "name") ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(in, "queries"))) {
		sf_error(resp, 400, "api.validation",
		         "name, version and queries are required");
		return;
	}
	if (version->valuedouble != now) {
		sf_error(resp, 409, "content:version_mismatch",
		         "The monitor was changed since it was read.");
		return;
	}
	for (size_t i = 0; fields[i]; i++) {
		const cJSON *f =
		    cJSON_GetObjectItemCaseSensitive(in, fields[i]);

		if (f)
			cJSON_ReplaceItemInObjectCaseSensitive(
			    m, fields[i], cJSON_Duplicate(f, 1));
	}
	cJSON_DeleteItemFromObjectCaseSensitive(m, "version");
	cJSON_AddNumberToObject(m, "version", now + 1);
	sb_reply_json(resp, 200, monitor_view(id, m));
}

static void monitors(const struct sb_request *req, struct sb_response *resp)
{
	const char *rest = req->path + strlen("/v1/monitors");
	char id[64];
	cJSON *m;

	if (!*rest && !strcmp(req->method, "POST")) {
		create_monitor(req, resp);
	} else if (!strcmp(rest, "/root") && !strcmp(req->method, "GET")) {
		monitors_root(resp);
	} else if (sscanf(rest, "/%63[0-9A-F]", id) == 1 &&
	           strlen(rest) == strlen(id) + 1 &&
	           (m = sb_resource_find(P, "monitor", id))) {
		if (!strcmp(req->method, "GET")) {
			sb_reply_json(resp, 200, monitor_view(id, m));
		} else if (!strcmp(req->method, "PUT")) {
			update_monitor(req, resp, id, m);
		} else if (!strcmp(req->method, "DELETE")) {
			sb_resource_delete(P, "monitor", id);
			sb_reply(resp, 204, "application/json", "%s", "");
		} else {
			sf_error(resp, 405, "method.unsupported",
			         "Method not supported.");
		}
	} else {
		sf_not_found(resp);
	}
}

/* ---- routing -------------------------------------------------------- */

static int authorized(const struct sb_request *req)
{
	const char *user, *password;

	return sb_basic_auth(req, &user, &password) &&
	       !strcmp(user, sf_env_or("SANDBOX_SUMOLOGIC_ACCESS_ID",
	                               "suSandboxAccessId01")) &&
	       !strcmp(password, sf_env_or("SANDBOX_SUMOLOGIC_ACCESS_KEY",
	                                   "sandbox-sumo-key-0001"));
}

/* 4 requests a second per user is Sumo's rule; the fake's limit is
 * SANDBOX_SUMOLOGIC_RATE_LIMIT within one wall-clock second. */
static int rate_limited(struct sb_response *resp)
{
	static long long second;
	static long count;
	long limit = atol(sf_env_or("SANDBOX_SUMOLOGIC_RATE_LIMIT", "0"));
	long long now = (long long)time(NULL);

	if (limit <= 0)
		return 0;
	if (now != second) {
		second = now;
		count = 0;
	}
	if (count++ < limit)
		return 0;
	sf_error(resp, 429, "rate.limit.exceeded",
	         "Rate limit exceeded: more than 4 requests per second.");
	return 1;
}

static int starts(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(path, prefix, n) && (path[n] == '\0' || path[n] == '/');
}

static void handle(const struct sb_request *req, struct sb_response *resp)
{
	if (!authorized(req)) {
		sf_error(resp, 401, "unauthorized",
		         "Credential could not be verified.");
		return;
	}
	if (rate_limited(resp))
		return;
	seed();
	if (starts(req->path, "/v1/users"))
		people(req, resp, "user");
	else if (starts(req->path, "/v1/roles"))
		people(req, resp, "role");
	else if (starts(req->path, "/v1/monitors"))
		monitors(req, resp);
	else if (starts(req->path, "/v1/collectors"))
		sf_collectors(req, resp);
	else
		sf_not_found(resp);
}

static const struct sb_fake sumologic_fake = {.name = "sumologic",
                                              .handle = handle};
SB_REGISTER_FAKE(sumologic_fake)
