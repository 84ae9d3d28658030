/*
 * Jira Cloud fake: the platform calls (myself, user search, projects and
 * their roles, user delete) and the Jira Service Management calls (service
 * desks, organisations and their users, customers, request types) the jira
 * plugin makes, shaped after /work/shared/specs/jira-platform.v3.json and
 * jira-jsm.v3.json so a validating proxy accepts them.
 *
 * Auth as Jira Cloud does it: HTTP Basic, the account's e-mail and an API
 * token; anything else is 401 with Jira's plain-text body. Errors: the
 * platform's ErrorCollection {"errorMessages": [], "errors": {}} and
 * JSM's ErrorResponse {"errorMessage", "i18nErrorMessage"}.
 *
 * Environment:
 *   SANDBOX_JIRA_EMAIL      the account's e-mail, default
 *                           "envsetup@acme.example"
 *   SANDBOX_JIRA_API_TOKEN  its API token, default
 *                           "sandbox-jira-token-0001"
 *   SANDBOX_JIRA_USERS      the site's other users (comma-separated
 *                           e-mails), default "support-lead@acme.example,
 *                           agent1@acme.example,agent2@acme.example"
 *
 * Resources: user (id accountId; seeded), customer (id accountId),
 * project (id key), service_desk (id), role_actor (id KEY/role/account),
 * organization (id; JSM allows two of one name, so duplicates show),
 * org_desk (id org/desk), org_member (id org/account).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fake_jira.h"

static const char *const roles[][2] = {
    {"Administrators", "10002"},
    {"Service Desk Team", "10003"},
    {"Service Desk Customers", "10004"},
};

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

const char *jf_attr(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

/* The platform's ErrorCollection: a message, or a field error. */
void jf_platform_error(struct sb_response *resp, int status, const char *field,
                       const char *text)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *msgs = cJSON_AddArrayToObject(j, "errorMessages");
	cJSON *errs = cJSON_AddObjectToObject(j, "errors");
	if (field)
		cJSON_AddStringToObject(errs, field, text);
	else
		cJSON_AddItemToArray(msgs, cJSON_CreateString(text));
	sb_reply_json(resp, status, j);
}

/* JSM's ErrorResponse. */
void jf_jsm_error(struct sb_response *resp, int status, const char *key,
                  const char *text)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "errorMessage", text);
	cJSON *i18n = cJSON_AddObjectToObject(j, "i18nErrorMessage");
	cJSON_AddStringToObject(i18n, "i18nKey", key);
	cJSON_AddArrayToObject(i18n, "parameters");
	sb_reply_json(resp, status, j);
}

/* JSM ids are plain numbers ("1"), not sb_new_id's "0001". */
void jf_new_number(char *buf, size_t len)
{
	char raw[32];
	sb_new_id(raw, sizeof(raw), "jsm");
	snprintf(buf, len, "%ld", strtol(raw + 3, NULL, 10));
}

void jf_no_content(struct sb_response *resp)
{
	sb_reply(resp, 204, "application/json", "%s", "");
}

cJSON *jf_add_user(const char *kind, const char *email)
{
	char id[64];
	sb_new_id(id, sizeof(id), "5b10ac8d82e05b22cc7d");
	cJSON *u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "accountId", id);
	cJSON_AddStringToObject(u, "emailAddress", email);
	cJSON_AddStringToObject(u, "displayName", email);
	cJSON_AddStringToObject(
	    u, "accountType", strcmp(kind, "user") ? "customer" : "atlassian");
	return sb_resource_add(P, kind, id, u);
}

/* The site's users exist before envsetup runs (and after a reset). */
static void seed_users(void)
{
	char list[1024];
	if (sb_resource_find_by(
	        P, "user", "emailAddress",
	        env_or("SANDBOX_JIRA_EMAIL", "envsetup@acme.example")))
		return;
	jf_add_user("user",
	            env_or("SANDBOX_JIRA_EMAIL", "envsetup@acme.example"));
	snprintf(list, sizeof(list), "%s",
	         env_or("SANDBOX_JIRA_USERS",
	                "support-lead@acme.example,agent1@acme.example,"
	                "agent2@acme.example"));
	char *save = NULL;
	for (char *e = strtok_r(list, ",", &save); e;
	     e = strtok_r(NULL, ",", &save))
		jf_add_user("user", e);
}

static int authorized(const struct sb_request *req)
{
	const char *user, *password;
	return sb_basic_auth(req, &user, &password) &&
	       strcmp(user, env_or("SANDBOX_JIRA_EMAIL",
	                           "envsetup@acme.example")) == 0 &&
	       strcmp(password, env_or("SANDBOX_JIRA_API_TOKEN",
	                               "sandbox-jira-token-0001")) == 0;
}

/* A user or customer by account id (nullable). */
cJSON *jf_account(const char *id)
{
	cJSON *u = id ? sb_resource_find(P, "user", id) : NULL;
	return u ? u : id ? sb_resource_find(P, "customer", id) : NULL;
}

cJSON *jf_user_json(const cJSON *u)
{
	cJSON *o = cJSON_CreateObject();
	char self[256];
	snprintf(self, sizeof(self), SITE "/rest/api/3/user?accountId=%s",
	         jf_attr(u, "accountId"));
	cJSON_AddStringToObject(o, "self", self);
	cJSON_AddStringToObject(o, "accountId", jf_attr(u, "accountId"));
	cJSON_AddStringToObject(o, "accountType", jf_attr(u, "accountType"));
	cJSON_AddStringToObject(o, "emailAddress", jf_attr(u, "emailAddress"));
	cJSON_AddStringToObject(o, "displayName", jf_attr(u, "displayName"));
	cJSON_AddBoolToObject(o, "active", 1);
	return o;
}

/* ---- paging (JSM: start, limit, isLastPage, values) ------------------ */

static long query_long(const struct sb_request *req, const char *name, long def)
{
	const char *v = sb_query(req, name);
	return v ? strtol(v, NULL, 10) : def;
}

static void page_one(const char *id, cJSON *attrs, void *arg)
{
	struct page *pg = arg;
	if (pg->filter_attr && strcmp(jf_attr(attrs, pg->filter_attr)
	                                  ? jf_attr(attrs, pg->filter_attr)
	                                  : "",
	                              pg->filter_value) != 0)
		return;
	if (pg->seen >= pg->start && pg->seen < pg->start + pg->limit)
		cJSON_AddItemToArray(pg->values, pg->shape(id, attrs));
	pg->seen++;
}

void jf_reply_page(struct route *rt, const char *kind, struct page *pg)
{
	pg->values = cJSON_CreateArray();
	pg->start = query_long(rt->req, "start", 0);
	pg->limit = query_long(rt->req, "limit", 50);
	if (pg->limit < 1 || pg->limit > 100)
		pg->limit = 50;
	sb_resource_each(P, kind, page_one, pg);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "start", (double)pg->start);
	cJSON_AddNumberToObject(j, "limit", (double)pg->limit);
	cJSON_AddNumberToObject(j, "size", cJSON_GetArraySize(pg->values));
	cJSON_AddBoolToObject(j, "isLastPage",
	                      pg->start + pg->limit >= pg->seen);
	cJSON_AddItemToObject(j, "values", pg->values);
	sb_reply_json(rt->resp, 200, j);
}

/* ---- platform: users ------------------------------------------------- */

struct search {
	const char *q;
	cJSON *out;
};

static void search_one(const char *id, cJSON *u, void *arg)
{
	struct search *s = arg;
	(void)id;
	if (strncasecmp(jf_attr(u, "emailAddress"), s->q, strlen(s->q)) == 0 ||
	    strncasecmp(jf_attr(u, "displayName"), s->q, strlen(s->q)) == 0)
		cJSON_AddItemToArray(s->out, jf_user_json(u));
}

static void users(struct route *rt)
{
	const char *m = rt->req->method, *id = sb_query(rt->req, "accountId");
	if (rt->n == 5 && !strcmp(rt->seg[4], "search") && !strcmp(m, "GET")) {
		struct search s = {.q = sb_query(rt->req, "query"),
		                   .out = cJSON_CreateArray()};
		if (!s.q) {
			cJSON_Delete(s.out);
			jf_platform_error(rt->resp, 400, NULL,
			                  "The query parameter is required.");
			return;
		}
		sb_resource_each(P, "user", search_one, &s);
		sb_resource_each(P, "customer", search_one, &s);
		sb_reply_json(rt->resp, 200, s.out);
		return;
	}
	cJSON *u = jf_account(id);
	if (rt->n != 4 || (strcmp(m, "GET") && strcmp(m, "DELETE"))) {
		jf_platform_error(rt->resp, 404, NULL, "Not Found");
	} else if (!u) {
		jf_platform_error(rt->resp, 404, NULL,
		                  "Specified user does not exist or you do not "
		                  "have required permissions");
	} else if (!strcmp(m, "GET")) {
		sb_reply_json(rt->resp, 200, jf_user_json(u));
	} else {
		sb_resource_delete(
		    P,
		    jf_attr(u, "accountType")[0] == 'c' ? "customer" : "user",
		    id);
		jf_no_content(rt->resp);
	}
}

/* ---- platform: projects and roles ------------------------------------ */

static cJSON *project_json(const cJSON *p)
{
	cJSON *o = cJSON_CreateObject(),
	      *lead = jf_account(jf_attr(p, "leadAccountId"));
	char self[256];
	snprintf(self, sizeof(self), SITE "/rest/api/3/project/%s",
	         jf_attr(p, "id"));
	cJSON_AddStringToObject(o, "self", self);
	cJSON_AddStringToObject(o, "id", jf_attr(p, "id"));
	cJSON_AddStringToObject(o, "key", jf_attr(p, "key"));
	cJSON_AddStringToObject(o, "name", jf_attr(p, "name"));
	cJSON_AddStringToObject(o, "projectTypeKey",
	                        jf_attr(p, "projectTypeKey"));
	cJSON_AddBoolToObject(o, "simplified", 0);
	if (lead)
		cJSON_AddItemToObject(o, "lead", jf_user_json(lead));
	return o;
}

static cJSON *project_or_404(struct route *rt, const char *key)
{
	char text[200];
	cJSON *p = sb_resource_find(P, "project", key);
	if (!p) {
		snprintf(text, sizeof(text),
		         "No project could be found with key '%s'.", key);
		jf_platform_error(rt->resp, 404, NULL, text);
	}
	return p;
}

static void create_project(struct route *rt)
{
	cJSON *b = sb_json(rt->req);
	const char *key = jf_attr(b, "key"), *name = jf_attr(b, "name"),
	           *type = jf_attr(b, "projectTypeKey"),
	           *tmpl = jf_attr(b, "projectTemplateKey"),
	           *lead = jf_attr(b, "leadAccountId");
	char text[200], id[32], sd[32];
	if (!key || !name || !lead || !jf_account(lead)) {
		jf_platform_error(
		    rt->resp, 400, key ? "projectLead" : "projectKey",
		    key ? "You must specify a valid project lead."
		        : "You must specify a valid project key.");
		return;
	}
	if (!type || strcmp(type, "service_desk") || !tmpl ||
	    strncmp(tmpl, "com.atlassian.servicedesk:", 26)) {
		jf_platform_error(rt->resp, 400, "projectTemplateKey",
		                  "The project template does not match the "
		                  "project type.");
		return;
	}
	if (sb_resource_find(P, "project", key)) {
		snprintf(text, sizeof(text),
		         "Project '%s' uses this project key.", key);
		jf_platform_error(rt->resp, 400, "projectKey", text);
		return;
	}
	if (sb_resource_find_by(P, "project", "name", name)) {
		jf_platform_error(rt->resp, 400, "projectName",
		                  "A project with that name already exists.");
		return;
	}
	sb_new_id(id, sizeof(id), "1");
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "id", id);
	cJSON_AddStringToObject(p, "key", key);
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddStringToObject(p, "projectTypeKey", type);
	cJSON_AddStringToObject(p, "leadAccountId", lead);
	sb_resource_add(P, "project", key, p);
	/* JSM makes the project's service desk with it. */
	jf_new_number(sd, sizeof(sd));
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "id", sd);
	cJSON_AddStringToObject(d, "projectId", id);
	cJSON_AddStringToObject(d, "projectKey", key);
	cJSON_AddStringToObject(d, "projectName", name);
	sb_resource_add(P, "service_desk", sd, d);
	cJSON *j = cJSON_CreateObject();
	snprintf(text, sizeof(text), SITE "/rest/api/3/project/%s", id);
	cJSON_AddStringToObject(j, "self", text);
	cJSON_AddNumberToObject(j, "id", strtod(id, NULL));
	cJSON_AddStringToObject(j, "key", key);
	sb_reply_json(rt->resp, 201, j);
}

static void update_project(struct route *rt, cJSON *p)
{
	cJSON *b = sb_json(rt->req);
	const char *name = jf_attr(b, "name"),
	           *lead = jf_attr(b, "leadAccountId");
	if (lead && !jf_account(lead)) {
		jf_platform_error(rt->resp, 400, "projectLead",
		                  "You must specify a valid project lead.");
		return;
	}
	if (name)
		cJSON_ReplaceItemInObjectCaseSensitive(
		    p, "name", cJSON_CreateString(name));
	if (lead)
		cJSON_ReplaceItemInObjectCaseSensitive(
		    p, "leadAccountId", cJSON_CreateString(lead));
	sb_reply_json(rt->resp, 200, project_json(p));
}

struct collect {
	const char *prefix;
	cJSON *ids;
};

static void collect(const char *id, cJSON *a, void *arg)
{
	struct collect *c = arg;
	(void)a;
	if (!strncmp(id, c->prefix, strlen(c->prefix)))
		cJSON_AddItemToArray(c->ids, cJSON_CreateString(id));
}

void jf_drop_prefixed(const char *kind, const char *prefix)
{
	struct collect c = {prefix, cJSON_CreateArray()};
	cJSON *i;
	sb_resource_each(P, kind, collect, &c);
	cJSON_ArrayForEach(i, c.ids)
	    sb_resource_delete(P, kind, i->valuestring);
	cJSON_Delete(c.ids);
}

/* A project takes its role actors and its service desk with it. */
static void delete_project(struct route *rt, const char *key)
{
	char prefix[64];
	cJSON *desk = sb_resource_find_by(P, "service_desk", "projectKey", key);
	snprintf(prefix, sizeof(prefix), "%s/", key);
	jf_drop_prefixed("role_actor", prefix);
	if (desk)
		sb_resource_delete(P, "service_desk", jf_attr(desk, "id"));
	sb_resource_delete(P, "project", key);
	jf_no_content(rt->resp);
}

static const char *role_name(const char *id)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!strcmp(roles[i][1], id))
			return roles[i][0];
	return NULL;
}

static void role_actor_one(const char *id, cJSON *a, void *arg)
{
	struct collect *c = arg;
	if (strncmp(id, c->prefix, strlen(c->prefix)))
		return;
	cJSON *u = jf_account(jf_attr(a, "accountId")),
	      *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id",
	                        (double)cJSON_GetArraySize(c->ids) + 1);
	cJSON_AddStringToObject(o, "displayName",
	                        u ? jf_attr(u, "displayName") : "former user");
	cJSON_AddStringToObject(o, "type", "atlassian-user-role-actor");
	cJSON_AddItemToObject(o, "actorUser", cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_GetObjectItem(o, "actorUser"),
	                        "accountId", jf_attr(a, "accountId"));
	cJSON_AddItemToArray(c->ids, o);
}

static void reply_role(struct route *rt, const char *key, const char *role)
{
	char prefix[64], self[256];
	cJSON *j = cJSON_CreateObject();
	snprintf(prefix, sizeof(prefix), "%s/%s/", key, role);
	snprintf(self, sizeof(self), SITE "/rest/api/3/project/%s/role/%s", key,
	         role);
	cJSON_AddStringToObject(j, "self", self);
	cJSON_AddStringToObject(j, "name", role_name(role));
	cJSON_AddNumberToObject(j, "id", strtod(role, NULL));
	struct collect c = {prefix, cJSON_AddArrayToObject(j, "actors")};
	sb_resource_each(P, "role_actor", role_actor_one, &c);
	sb_reply_json(rt->resp, 200, j);
}

static void role(struct route *rt, const char *key)
{
	const char *m = rt->req->method;
	char id[200], self[256];
	if (rt->n == 6 && !strcmp(m, "GET")) {
		cJSON *j = cJSON_CreateObject();
		for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
			snprintf(self, sizeof(self),
			         SITE "/rest/api/3/project/%s/role/%s", key,
			         roles[i][1]);
			cJSON_AddStringToObject(j, roles[i][0], self);
		}
		sb_reply_json(rt->resp, 200, j);
		return;
	}
	if (rt->n != 7 || !role_name(rt->seg[6])) {
		jf_platform_error(rt->resp, 404, NULL,
		                  "No project role found for the id.");
		return;
	}
	if (!strcmp(m, "GET")) {
		reply_role(rt, key, rt->seg[6]);
	} else if (!strcmp(m, "POST")) {
		cJSON *users = cJSON_GetObjectItem(sb_json(rt->req), "user"),
		      *u;
		if (!cJSON_IsArray(users) || !cJSON_GetArraySize(users)) {
			jf_platform_error(
			    rt->resp, 400, NULL,
			    "You must specify at least one user.");
			return;
		}
		cJSON_ArrayForEach(u, users)
		{
			snprintf(id, sizeof(id), "%s/%s/%s", key, rt->seg[6],
			         cJSON_GetStringValue(u) ? u->valuestring : "");
			if (!jf_account(cJSON_GetStringValue(u)) ||
			    sb_resource_find(P, "role_actor", id)) {
				jf_platform_error(
				    rt->resp, 400, NULL,
				    "The user is not valid or already in the "
				    "project role.");
				return;
			}
		}
		cJSON_ArrayForEach(u, users)
		{
			cJSON *a = cJSON_CreateObject();
			cJSON_AddStringToObject(a, "accountId", u->valuestring);
			snprintf(id, sizeof(id), "%s/%s/%s", key, rt->seg[6],
			         u->valuestring);
			sb_resource_add(P, "role_actor", id, a);
		}
		reply_role(rt, key, rt->seg[6]);
	} else if (!strcmp(m, "DELETE")) {
		snprintf(id, sizeof(id), "%s/%s/%s", key, rt->seg[6],
		         sb_query(rt->req, "user") ? sb_query(rt->req, "user")
		                                   : "");
		if (!sb_resource_delete(P, "role_actor", id))
			jf_platform_error(
			    rt->resp, 404, NULL,
			    "The user is not in the project role.");
		else
			jf_no_content(rt->resp);
	} else {
		jf_platform_error(rt->resp, 405, NULL, "Method Not Allowed");
	}
}

static void projects(struct route *rt)
{
	const char *m = rt->req->method;
	if (rt->n == 4 && !strcmp(m, "POST")) {
		create_project(rt);
		return;
	}
	if (rt->n < 5) {
		jf_platform_error(rt->resp, 404, NULL, "Not Found");
		return;
	}
	cJSON *p = project_or_404(rt, rt->seg[4]);
	if (!p)
		return;
	if (rt->n >= 6 && !strcmp(rt->seg[5], "role"))
		role(rt, rt->seg[4]);
	else if (rt->n != 5)
		jf_platform_error(rt->resp, 404, NULL, "Not Found");
	else if (!strcmp(m, "GET"))
		sb_reply_json(rt->resp, 200, project_json(p));
	else if (!strcmp(m, "PUT"))
		update_project(rt, p);
	else if (!strcmp(m, "DELETE"))
		delete_project(rt, rt->seg[4]);
	else
		jf_platform_error(rt->resp, 405, NULL, "Method Not Allowed");
}

static void dispatch(struct route *rt)
{
	char **s = rt->seg;
	if (rt->n >= 2 && !strcmp(s[0], "rest") &&
	    !strcmp(s[1], "servicedeskapi")) {
		jf_jsm(rt);
		return;
	}
	if (rt->n < 4 || strcmp(s[0], "rest") || strcmp(s[1], "api") ||
	    strcmp(s[2], "3")) {
		jf_platform_error(rt->resp, 404, NULL, "Not Found");
		return;
	}
	if (rt->n == 4 && !strcmp(s[3], "myself") &&
	    !strcmp(rt->req->method, "GET"))
		sb_reply_json(rt->resp, 200,
		              jf_user_json(sb_resource_find_by(
		                  P, "user", "emailAddress",
		                  env_or("SANDBOX_JIRA_EMAIL",
		                         "envsetup@acme.example"))));
	else if (!strcmp(s[3], "user"))
		users(rt);
	else if (!strcmp(s[3], "project"))
		projects(rt);
	else
		jf_platform_error(rt->resp, 404, NULL, "Not Found");
}

static void handle(const struct sb_request *req, struct sb_response *resp)
{
	char path[2048];
	struct route rt = {.req = req, .resp = resp};
	seed_users();
	if (!authorized(req)) {
		sb_reply(resp, 401, "text/plain",
		         "Client must be authenticated to access this "
		         "resource.");
		return;
	}
	if (snprintf(path, sizeof(path), "%s", req->path) >=
	    (int)sizeof(path)) {
		jf_platform_error(resp, 404, NULL, "Not Found");
		return;
	}
	char *save = NULL;
	for (char *seg = strtok_r(path, "/", &save); seg;
	     seg = strtok_r(NULL, "/", &save)) {
		if (rt.n == MAX_SEGMENTS) {
			jf_platform_error(resp, 404, NULL, "Not Found");
			return;
		}
		rt.seg[rt.n++] = seg;
	}
	dispatch(&rt);
}

static const struct sb_fake jira_fake = {.name = "jira", .handle = handle};
SB_REGISTER_FAKE(jira_fake)
