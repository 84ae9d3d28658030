/*
 * The New Relic fake's user management: the organisation a sign-up made
 * (the Default authentication domain, its Admin and User groups), who am
 * I, and the users of the domain. Answers select exactly the fields, in
 * the order, the newrelic plugin's queries ask for (see fake_newrelic.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fake_newrelic.h"

/* ---- the organisation a sign-up made ----------------------------------- */

void nr_seed(void)
{
	cJSON *a;

	if (sb_resource_find(NR, "domain", "dom-1"))
		return;
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "name", "Default");
	cJSON_AddStringToObject(
	    a, "provisioningType",
	    nr_env_or("SANDBOX_NEWRELIC_PROVISIONING", "manual"));
	sb_resource_add(NR, "domain", "dom-1", a);
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "displayName", "Admin");
	sb_resource_add(NR, "group", "grp-admin", a);
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "displayName", "User");
	sb_resource_add(NR, "group", "grp-user", a);
}

/* ---- who am I, users and groups --------------------------------------- */

void nr_whoami(const cJSON *vars, struct sb_response *resp)
{
	cJSON *actor = cJSON_CreateObject(), *user, *account;
	const cJSON *a = nr_member(vars, "accountId");

	user = cJSON_AddObjectToObject(actor, "user");
	cJSON_AddNumberToObject(user, "id", 1000001);
	cJSON_AddStringToObject(user, "email", "envsetup@sandbox.example");
	if (cJSON_IsNumber(a) && (long)a->valuedouble == nr_account_id()) {
		account = cJSON_AddObjectToObject(actor, "account");
		cJSON_AddNumberToObject(account, "id", (double)nr_account_id());
		cJSON_AddStringToObject(account, "name", "Sandbox account");
	} else {
		cJSON_AddNullToObject(actor, "account"); /* not visible */
	}
	nr_answer(resp, nr_nest(actor, "actor"));
}

/* The authentication domains answer, `fill` adding each domain's other
 * members; with `only` (nullable) just that domain. */
static void domains(const char *only, void (*fill)(cJSON *d, void *arg),
                    void *arg, int with_details, struct sb_response *resp)
{
	cJSON *list = cJSON_CreateArray(), *outer = cJSON_CreateObject(), *d;
	cJSON *dom = sb_resource_find(NR, "domain", "dom-1");

	if (!only || strcmp(only, "dom-1") == 0) {
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "id", "dom-1");
		if (with_details) {
			cJSON_AddItemToObject(d, "name", nr_attr(dom, "name"));
			cJSON_AddItemToObject(d, "provisioningType",
			                      nr_attr(dom, "provisioningType"));
		}
		if (fill)
			fill(d, arg);
		cJSON_AddItemToArray(list, d);
	}
	cJSON_AddItemToObject(outer, "authenticationDomains", list);
	nr_answer(
	    resp,
	    nr_nest(outer,
	            "actor.organization.userManagement.authenticationDomains"));
}

static const char *domain_var(const cJSON *vars)
{
	return cJSON_GetStringValue(
	    cJSON_GetArrayItem(nr_member(vars, "domainId"), 0));
}

/* A look-up inside the domain: the resources of `kind` that `each`
 * finds equal to `value`, listed as {member: {member: [...]}}. */
struct filter {
	const char *value;
	const char *kind, *member;
	void (*each)(const char *id, cJSON *attrs, void *arg);
	cJSON *list;
};

static void group_json(cJSON *into, const char *id)
{
	cJSON *g = cJSON_CreateObject();

	cJSON_AddStringToObject(g, "id", id);
	cJSON_AddItemToObject(
	    g, "displayName",
	    nr_attr(sb_resource_find(NR, "group", id), "displayName"));
	cJSON_AddItemToArray(into, g);
}

static void one_group(const char *id, cJSON *attrs, void *arg)
{
	struct filter *f = arg;
	const char *name =
	    cJSON_GetStringValue(nr_member(attrs, "displayName"));

	if (name && f->value && strcmp(name, f->value) == 0)
		group_json(f->list, id);
}

static void one_user(const char *id, cJSON *attrs, void *arg)
{
	struct filter *f = arg;
	const char *email = cJSON_GetStringValue(nr_member(attrs, "email"));
	const cJSON *gid;
	cJSON *u, *groups;

	if (!email || !f->value || strcasecmp(email, f->value) != 0)
		return;
	u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "id", id);
	cJSON_AddStringToObject(u, "email", email);
	groups = cJSON_CreateArray();
	cJSON_ArrayForEach(gid, nr_member(attrs, "groups"))
	    group_json(groups, gid->valuestring);
	cJSON_AddItemToObject(cJSON_AddObjectToObject(u, "groups"), "groups",
	                      groups);
	cJSON_AddItemToArray(f->list, u);
}

static void fill(cJSON *d, void *arg)
{
	struct filter *f = arg;

	f->list = cJSON_CreateArray();
	sb_resource_each(NR, f->kind, f->each, f);
	cJSON_AddItemToObject(cJSON_AddObjectToObject(d, f->member), f->member,
	                      f->list);
}

void nr_create_user(const cJSON *vars, struct sb_response *resp)
{
	const cJSON *in = nr_member(vars, "user");
	const char *email = nr_var(in, "email");
	const char *domain = nr_var(in, "authenticationDomainId");
	const char *type = cJSON_GetStringValue(
	    nr_member(sb_resource_find(NR, "domain", domain ? domain : ""),
	              "provisioningType"));
	cJSON *attrs, *out;
	char id[40], text[300];

	if (!email || !nr_var(in, "name") || !nr_var(in, "userType") || !type) {
		nr_error(resp, "BAD_USER_INPUT",
		         "createUserOptions: authenticationDomainId, email, "
		         "name and userType are required");
		return;
	}
	if (strcmp(type, "manual") != 0) {
		nr_error(resp, "FAILED_PRECONDITION",
		         "This API can only be used to create users within "
		         "Authentication Domains set for manually provisioned "
		         "users.");
		return;
	}
	if (sb_resource_find_by(NR, "user", "email", email)) {
		snprintf(text, sizeof(text),
		         "User with email: %s and authentication domain: %s "
		         "already exists.",
		         email, domain);
		nr_error(resp, "BAD_USER_INPUT", text);
		return;
	}
	attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "email", email);
	cJSON_AddStringToObject(attrs, "domainId", domain);
	cJSON_AddStringToObject(attrs, "userType", nr_var(in, "userType"));
	cJSON_AddArrayToObject(attrs, "groups");
	sb_new_id(id, sizeof(id), "user-");
	sb_resource_add(NR, "user", id, attrs);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "id", id);
	cJSON_AddStringToObject(out, "email", email);
	nr_answer(resp, nr_nest(out, "userManagementCreateUser.createdUser"));
}

void nr_add_to_groups(const cJSON *vars, struct sb_response *resp)
{
	const cJSON *in = nr_member(vars, "input"), *g, *u;
	cJSON *groups = cJSON_CreateArray();

	cJSON_ArrayForEach(g, nr_member(in, "groupIds"))
	{
		if (!cJSON_IsString(g) ||
		    !sb_resource_find(NR, "group", g->valuestring)) {
			cJSON_Delete(groups);
			nr_error(resp, "NOT_FOUND", "group not found");
			return;
		}
	}
	cJSON_ArrayForEach(u, nr_member(in, "userIds"))
	{
		cJSON *attrs =
		    cJSON_IsString(u)
		        ? sb_resource_find(NR, "user", u->valuestring)
		        : NULL;
		cJSON *have = cJSON_GetObjectItemCaseSensitive(attrs, "groups");

		if (!attrs) {
			cJSON_Delete(groups);
			nr_error(resp, "NOT_FOUND", "user not found");
			return;
		}
		cJSON_ArrayForEach(g, nr_member(in, "groupIds"))
		{
			const cJSON *h;
			int member_already = 0;

			cJSON_ArrayForEach(h, have) member_already |=
			    strcmp(h->valuestring, g->valuestring) == 0;
			if (!member_already)
				cJSON_AddItemToArray(
				    have, cJSON_CreateString(g->valuestring));
		}
	}
	cJSON_ArrayForEach(g, nr_member(in, "groupIds"))
	{
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", g->valuestring);
		cJSON_AddItemToArray(groups, o);
	}
	nr_answer(resp,
	          nr_nest(groups, "userManagementAddUsersToGroups.groups"));
}

void nr_delete_user(const cJSON *vars, struct sb_response *resp)
{
	const char *id = nr_var(nr_member(vars, "user"), "id");
	cJSON *out;

	if (!id || !sb_resource_delete(NR, "user", id)) {
		nr_error(resp, "NOT_FOUND", "user not found");
		return;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "id", id);
	nr_answer(resp, nr_nest(out, "userManagementDeleteUser.deletedUser"));
}

void nr_auth_domains(const cJSON *vars, struct sb_response *resp)
{
	(void)vars;
	domains(NULL, NULL, NULL, 1, resp);
}

void nr_find_user(const cJSON *vars, struct sb_response *resp)
{
	struct filter f = {.value = nr_var(vars, "email"),
	                   .kind = "user",
	                   .member = "users",
	                   .each = one_user};

	domains(domain_var(vars), fill, &f, 0, resp);
}

void nr_find_group(const cJSON *vars, struct sb_response *resp)
{
	struct filter f = {.value = nr_var(vars, "name"),
	                   .kind = "group",
	                   .member = "groups",
	                   .each = one_group};

	domains(domain_var(vars), fill, &f, 0, resp);
}
