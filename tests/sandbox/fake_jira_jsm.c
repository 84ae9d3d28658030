/*
 * Jira fake, the Jira Service Management part (/rest/servicedeskapi):
 * service desks (made with their project), organisations, their service
 * desks and users, customers (strictConflictStatusCode: 409 for an e-mail
 * that has an account) and the template's request types. Shapes after
 * /work/shared/specs/jira-jsm.v3.json; see fake_jira.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fake_jira.h"

static const char *const request_types[] = {
    "Get IT help", "Fix an account problem", "Report a system problem",
    "Request a new account"};

static cJSON *link(cJSON *o, const char *path)
{
	char self[256];
	snprintf(self, sizeof(self), SITE "/rest/servicedeskapi/%s", path);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "_links"), "self",
	                        self);
	return o;
}

static cJSON *desk_shape(const char *id, const cJSON *d)
{
	char path[64];
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "projectId", jf_attr(d, "projectId"));
	cJSON_AddStringToObject(o, "projectName", jf_attr(d, "projectName"));
	cJSON_AddStringToObject(o, "projectKey", jf_attr(d, "projectKey"));
	snprintf(path, sizeof(path), "servicedesk/%s", id);
	return link(o, path);
}

static cJSON *org_shape(const char *id, const cJSON *org)
{
	char path[64];
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "name", jf_attr(org, "name"));
	snprintf(path, sizeof(path), "organization/%s", id);
	return link(o, path);
}

/* org_desk and org_member hold the organisation's id in "org". */
static cJSON *linked_org_shape(const char *id, const cJSON *a)
{
	(void)id;
	cJSON *org = sb_resource_find(P, "organization", jf_attr(a, "org"));
	return org_shape(jf_attr(a, "org"), org ? org : a);
}

static cJSON *member_shape(const char *id, const cJSON *a)
{
	(void)id;
	cJSON *u = jf_account(jf_attr(a, "accountId"));
	if (!u)
		return cJSON_CreateObject();
	cJSON *o = jf_user_json(u);
	cJSON_DeleteItemFromObject(o, "self");
	cJSON_DeleteItemFromObject(o, "accountType");
	return o;
}

static void list_of(struct route *rt, const char *kind, const char *attr,
                    const char *value,
                    cJSON *(*shape)(const char *, const cJSON *))
{
	struct page pg = {
	    .filter_attr = attr, .filter_value = value, .shape = shape};
	jf_reply_page(rt, kind, &pg);
}

static cJSON *org_or_404(struct route *rt, const char *id)
{
	cJSON *o = sb_resource_find(P, "organization", id);
	if (!o)
		jf_jsm_error(rt->resp, 404, "sd.organization.error.not.found",
		             "The organization does not exist.");
	return o;
}

static void create_org(struct route *rt)
{
	const char *name = jf_attr(sb_json(rt->req), "name");
	char id[32];
	if (!name || !*name) {
		jf_jsm_error(rt->resp, 400, "sd.organization.error.name.empty",
		             "The organization name cannot be empty.");
		return;
	}
	jf_new_number(id, sizeof(id));
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", name);
	sb_resource_add(P, "organization", id, o);
	sb_reply_json(rt->resp, 201, org_shape(id, o));
}

/* POST adds, DELETE removes the accountIds of the body. */
static void org_users(struct route *rt, const char *org)
{
	cJSON *ids = cJSON_GetObjectItem(sb_json(rt->req), "accountIds"), *i;
	char id[200];
	if (!strcmp(rt->req->method, "GET")) {
		list_of(rt, "org_member", "org", org, member_shape);
		return;
	}
	if (!cJSON_IsArray(ids)) {
		jf_jsm_error(rt->resp, 400, "sd.organization.error.no.users",
		             "No users were given.");
		return;
	}
	cJSON_ArrayForEach(i, ids)
	{
		if (!jf_account(cJSON_GetStringValue(i))) {
			jf_jsm_error(rt->resp, 400,
			             "sd.organization.error.user.not.found",
			             "A user does not exist.");
			return;
		}
	}
	cJSON_ArrayForEach(i, ids)
	{
		snprintf(id, sizeof(id), "%s/%s", org, i->valuestring);
		if (!strcmp(rt->req->method, "DELETE")) {
			sb_resource_delete(P, "org_member", id);
		} else if (!sb_resource_find(P, "org_member", id)) {
			cJSON *a = cJSON_CreateObject();
			cJSON_AddStringToObject(a, "org", org);
			cJSON_AddStringToObject(a, "accountId", i->valuestring);
			sb_resource_add(P, "org_member", id, a);
		}
	}
	jf_no_content(rt->resp);
}

static void organizations(struct route *rt)
{
	const char *m = rt->req->method;
	char prefix[64];
	if (rt->n == 3 && !strcmp(m, "GET")) {
		list_of(rt, "organization", NULL, NULL, org_shape);
		return;
	}
	if (rt->n == 3 && !strcmp(m, "POST")) {
		create_org(rt);
		return;
	}
	cJSON *o = rt->n >= 4 ? org_or_404(rt, rt->seg[3]) : NULL;
	if (!o) {
		if (rt->n < 4)
			jf_jsm_error(rt->resp, 404, "sd.error.not.found",
			             "Not Found");
		return;
	}
	if (rt->n == 5 && !strcmp(rt->seg[4], "user")) {
		org_users(rt, rt->seg[3]);
	} else if (rt->n == 4 && !strcmp(m, "GET")) {
		sb_reply_json(rt->resp, 200, org_shape(rt->seg[3], o));
	} else if (rt->n == 4 && !strcmp(m, "DELETE")) {
		snprintf(prefix, sizeof(prefix), "%s/", rt->seg[3]);
		jf_drop_prefixed("org_member", prefix);
		jf_drop_prefixed("org_desk", prefix);
		sb_resource_delete(P, "organization", rt->seg[3]);
		jf_no_content(rt->resp);
	} else {
		jf_jsm_error(rt->resp, 404, "sd.error.not.found", "Not Found");
	}
}

static void desk_orgs(struct route *rt, const char *desk)
{
	char id[96];
	const cJSON *org =
	    cJSON_GetObjectItem(sb_json(rt->req), "organizationId");
	if (!strcmp(rt->req->method, "GET")) {
		list_of(rt, "org_desk", "desk", desk, linked_org_shape);
		return;
	}
	if (!cJSON_IsNumber(org)) {
		jf_jsm_error(rt->resp, 400, "sd.organization.error.id.invalid",
		             "organizationId must be a number.");
		return;
	}
	snprintf(id, sizeof(id), "%d", org->valueint);
	if (!org_or_404(rt, id))
		return;
	snprintf(id, sizeof(id), "%d/%s", org->valueint, desk);
	if (!strcmp(rt->req->method, "DELETE")) {
		sb_resource_delete(P, "org_desk", id);
	} else if (!sb_resource_find(P, "org_desk", id)) {
		cJSON *a = cJSON_CreateObject();
		char org_id[32];
		snprintf(org_id, sizeof(org_id), "%d", org->valueint);
		cJSON_AddStringToObject(a, "org", org_id);
		cJSON_AddStringToObject(a, "desk", desk);
		sb_resource_add(P, "org_desk", id, a);
	}
	jf_no_content(rt->resp);
}

static void request_type_list(struct route *rt, const char *desk)
{
	char id[16], path[96];
	cJSON *j = cJSON_CreateObject(), *values;
	size_t n = sizeof(request_types) / sizeof(request_types[0]);
	cJSON_AddNumberToObject(j, "start", 0);
	cJSON_AddNumberToObject(j, "limit", 50);
	cJSON_AddNumberToObject(j, "size", (double)n);
	cJSON_AddBoolToObject(j, "isLastPage", 1);
	values = cJSON_AddArrayToObject(j, "values");
	for (size_t i = 0; i < n; i++) {
		cJSON *t = cJSON_CreateObject();
		snprintf(id, sizeof(id), "%zu", i + 1);
		cJSON_AddStringToObject(t, "id", id);
		cJSON_AddStringToObject(t, "name", request_types[i]);
		cJSON_AddStringToObject(t, "serviceDeskId", desk);
		snprintf(path, sizeof(path), "servicedesk/%s/requesttype/%s",
		         desk, id);
		cJSON_AddItemToArray(values, link(t, path));
	}
	sb_reply_json(rt->resp, 200, j);
}

static void desks(struct route *rt)
{
	if (rt->n == 3 && !strcmp(rt->req->method, "GET")) {
		list_of(rt, "service_desk", NULL, NULL, desk_shape);
		return;
	}
	if (rt->n != 5 || !sb_resource_find(P, "service_desk", rt->seg[3])) {
		jf_jsm_error(rt->resp, 404, "sd.servicedesk.error.not.found",
		             "The service desk does not exist.");
		return;
	}
	if (!strcmp(rt->seg[4], "organization"))
		desk_orgs(rt, rt->seg[3]);
	else if (!strcmp(rt->seg[4], "requesttype") &&
	         !strcmp(rt->req->method, "GET"))
		request_type_list(rt, rt->seg[3]);
	else
		jf_jsm_error(rt->resp, 404, "sd.error.not.found", "Not Found");
}

/* An e-mail that has an account is 409 with strictConflictStatusCode,
 * else 400, as createCustomer documents. */
static void create_customer(struct route *rt)
{
	const char *email = jf_attr(sb_json(rt->req), "email"),
	           *strict = sb_query(rt->req, "strictConflictStatusCode");
	if (!email || !strchr(email, '@')) {
		jf_jsm_error(rt->resp, 400, "sd.customer.error.email.invalid",
		             "The email address is not valid.");
		return;
	}
	if (sb_resource_find_by(P, "user", "emailAddress", email) ||
	    sb_resource_find_by(P, "customer", "emailAddress", email)) {
		jf_jsm_error(rt->resp,
		             strict && !strcmp(strict, "true") ? 409 : 400,
		             "sd.customer.error.email.exists",
		             "An account already exists for this email.");
		return;
	}
	cJSON *u = jf_add_user("customer", email);
	cJSON *o = jf_user_json(u);
	cJSON_DeleteItemFromObject(o, "self");
	cJSON_DeleteItemFromObject(o, "accountType");
	sb_reply_json(rt->resp, 201, o);
}

void jf_jsm(struct route *rt)
{
	const char *what = rt->n >= 3 ? rt->seg[2] : "";
	if (!strcmp(what, "servicedesk"))
		desks(rt);
	else if (!strcmp(what, "organization"))
		organizations(rt);
	else if (!strcmp(what, "customer") && rt->n == 3 &&
	         !strcmp(rt->req->method, "POST"))
		create_customer(rt);
	else
		jf_jsm_error(rt->resp, 404, "sd.error.not.found", "Not Found");
}
