/*
 * splunk: who may do what. The credentials check, the role that may
 * search the environment's index (created, or updated when its imports or
 * indexes differ) and the customer's admins and users (created with a
 * generated password they must change at first sign-in, or given the
 * role they lack). Roles and users live on the management API in both
 * modes: the Admin Config Service does not manage them.
 */
#include <stdio.h>
#include <string.h>

#include "splunk.h"

#define ROLES "/services/authorization/roles"
#define USERS "/services/authentication/users"

/* ---- verify_credentials --------------------------------------------- */

enum es_status sp_verify_credentials(const struct es_ctx *x)
{
	struct ctx c;
	struct es_reply r;
	enum es_status st;

	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return ES_OK; /* a check made nothing */
	if (sp_open(x, &c))
		return ES_INVALID_CONFIG;
	st = es_client_call(&c.rest, &r, NULL,
	                    "/services/authentication/current-context"
	                    "?output_mode=json");
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !c.h->json->get_string(r.json, "entry[0].content.username"))
		st = es_reply_malformed(&c.rest, &r,
		                        "GET /services/authentication/"
		                        "current-context",
		                        "the account's username");
	else if (st == ES_OK && r.outcome != ES_FOUND)
		st = es_reply_malformed(&c.rest, &r,
		                        "GET /services/authentication/"
		                        "current-context",
		                        "the current context");
	es_reply_free(&r);
	return st; /* a 401 is ES_INVALID_CONFIG naming the credential */
}

/* ---- role ----------------------------------------------------------- */

static enum es_status remove_role(struct ctx *c, const char *name)
{
	return sp_delete_entity(c, ROLES, name, "role");
}

/* What the role lacks (NULL: nothing), from its entity's content. */
static const char *role_gap(struct ctx *c, const es_json *content)
{
	const struct es_json_api *j = c->h->json;
	size_t n = c->h->config->list_size(c->call, "role_imports");

	for (size_t i = 0; i < n; i++)
		if (!sp_list_has(
		        c, j->get(content, "imported_roles"),
		        c->h->config->list_item(c->call, "role_imports", i)))
			return "imported_roles differ";
	if (!sp_list_has(c, j->get(content, "srchIndexesAllowed"), c->index))
		return "may not search the index";
	if (!sp_list_has(c, j->get(content, "srchIndexesDefault"), c->index))
		return "does not search the index by default";
	return NULL;
}

/* Create (content NULL) or update the role: the imports exactly as
 * configured, the index added to what it may search. */
static enum es_status write_role(struct ctx *c, const char *name,
                                 const es_json *content)
{
	const struct es_json_api *j = c->h->json;
	const es_json *allowed = j->get(content, "srchIndexesAllowed");
	size_t n = c->h->config->list_size(c->call, "role_imports");
	char intent[SP_NAME_MAX + 32];
	struct sp_form f = {0};
	struct es_reply r;
	enum es_status st;

	if (!content)
		sp_form_add(&f, "name", name);
	for (size_t i = 0; i < n; i++)
		sp_form_add(
		    &f, "imported_roles",
		    c->h->config->list_item(c->call, "role_imports", i));
	for (size_t i = 0; i < j->array_size(allowed); i++) {
		const char *v = j->get_string(j->array_item(allowed, i), "");

		if (v && strcmp(v, c->index) != 0)
			sp_form_add(&f, "srchIndexesAllowed", v);
	}
	sp_form_add(&f, "srchIndexesAllowed", c->index);
	sp_form_add(&f, "srchIndexesDefault", c->index);
	snprintf(intent, sizeof(intent), "%s role %s",
	         content ? "update" : "create", name);
	if (!content && es_claim(c->x, "role", name))
		return ES_FAILED;
	st = sp_post(c, &r, ROLES, content ? name : NULL, &f, intent);
	if (st == ES_OK && r.outcome == ES_FOUND && !content &&
	    c->h->state->put(c->call, "role", name))
		st = ES_FAILED;
	if (st == ES_OK && r.outcome == ES_CONFLICT)
		st = sp_exists_after_all(c, "role", name);
	es_reply_free(&r);
	return st;
}

enum es_status sp_role_task(const struct es_ctx *x)
{
	struct ctx c;
	char name[SP_NAME_MAX];
	const es_json *content;
	const char *gap;
	struct es_reply r;
	enum es_status st;

	if (sp_open(x, &c))
		return ES_INVALID_CONFIG;
	if (c.phase >= ES_PHASE_PLAN_DESTROY)
		return sp_teardown(&c, "role", "role", remove_role);
	sp_role(&c, name, sizeof(name));
	st = sp_get_entity(&c, &r, ROLES, name, &content);
	if (st != ES_OK)
		goto out;
	if (r.outcome == ES_ABSENT) {
		if (!es_reported(x, &st, ES_CHANGE_CREATE, "role", name,
		                 c.index))
			st = write_role(&c, name, NULL);
		goto out;
	}
	if (es_record(x, &st, "role", name, "role", name))
		goto out;
	if ((gap = role_gap(&c, content)) &&
	    !es_reported(x, &st, ES_CHANGE_UPDATE, "role", name, gap))
		st = write_role(&c, name, content);
	if (st == ES_OK && !gap && c.phase == ES_PHASE_VERIFY)
		st = sp_publish(&c, "role", name, 0);
out:
	es_reply_free(&r);
	return st;
}

/* ---- users ---------------------------------------------------------- */

/* The generated initial password's secret name: password_<user>. */
static void password_name(const char *user, char *buf, size_t n)
{
	snprintf(buf, n, "password_%s", user);
	for (char *p = buf + strlen("password_"); *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			*p = '_';
}

static enum es_status create_user(struct ctx *c, const char *user,
                                  const char *role, const char *key)
{
	char secret[SP_NAME_MAX + 16], ref[SP_NAME_MAX + 32],
	    intent[SP_NAME_MAX + 32];
	struct sp_form f = {0};
	struct es_reply r;
	enum es_status st;

	password_name(user, secret, sizeof(secret));
	snprintf(ref, sizeof(ref), "{{secret:%s}}", secret);
	if (c->h->secret->generate(c->call, secret, 20)) {
		c->h->diag->error(c->call, NULL,
		                  "could not make a password for %s", user);
		return ES_FAILED;
	}
	sp_form_add(&f, "name", user);
	sp_form_add(&f, "password", ref);
	sp_form_add(&f, "roles", role);
	sp_form_add(&f, "email", user);
	sp_form_add(&f, "force-change-pass", "1");
	snprintf(intent, sizeof(intent), "create user %s", user);
	if (es_claim(c->x, key, user))
		return ES_FAILED;
	st = sp_post(c, &r, USERS, NULL, &f, intent);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    c->h->state->put(c->call, key, user))
		st = ES_FAILED;
	if (st == ES_OK && r.outcome == ES_CONFLICT)
		st = sp_exists_after_all(c, "user", user);
	es_reply_free(&r);
	return st;
}

/* Splunk replaces a user's roles with those POSTed: send theirs and ours. */
static enum es_status add_role(struct ctx *c, const char *user,
                               const es_json *content, const char *role)
{
	const struct es_json_api *j = c->h->json;
	const es_json *roles = j->get(content, "roles");
	const char *one = j->get_string(roles, "");
	char intent[SP_NAME_MAX * 2 + 32];
	struct sp_form f = {0};
	struct es_reply r;
	enum es_status st;

	if (one)
		sp_form_add(&f, "roles", one);
	for (size_t i = 0; i < j->array_size(roles); i++)
		sp_form_add(&f, "roles",
		            j->get_string(j->array_item(roles, i), ""));
	sp_form_add(&f, "roles", role);
	snprintf(intent, sizeof(intent), "give user %s role %s", user, role);
	st = sp_post(c, &r, USERS, user, &f, intent);
	es_reply_free(&r);
	return st;
}

static enum es_status one_user(struct ctx *c, const char *user,
                               const char *role)
{
	char key[SP_NAME_MAX + 8];
	const es_json *content;
	struct es_reply r;
	enum es_status st;

	snprintf(key, sizeof(key), "user:%s", user);
	st = sp_get_entity(c, &r, USERS, user, &content);
	if (st != ES_OK)
		goto out;
	if (r.outcome == ES_ABSENT) {
		if (!es_reported(c->x, &st, ES_CHANGE_CREATE, "user", user,
		                 role))
			st = create_user(c, user, role, key);
		goto out;
	}
	if (es_record(c->x, &st, key, user, "user", user))
		goto out;
	if (!sp_list_has(c, c->h->json->get(content, "roles"), role) &&
	    !es_reported(c->x, &st, ES_CHANGE_UPDATE, "user", user,
	                 "add the role"))
		st = add_role(c, user, content, role);
out:
	es_reply_free(&r);
	return st;
}

static enum es_status remove_user(struct ctx *c, const char *name)
{
	return sp_delete_entity(c, USERS, name, "user");
}

enum es_status sp_users(const struct es_ctx *x)
{
	static const char *const lists[] = {"admins", "users"};
	struct ctx c;
	char role[SP_NAME_MAX], key[SP_NAME_MAX + 8];
	enum es_status st = ES_OK;

	if (sp_open(x, &c))
		return ES_INVALID_CONFIG;
	sp_role(&c, role, sizeof(role));
	for (size_t l = 0; st == ES_OK && l < 2; l++) {
		size_t n = c.h->config->list_size(c.call, lists[l]);

		for (size_t i = 0; st == ES_OK && i < n; i++) {
			const char *user =
			    c.h->config->list_item(c.call, lists[l], i);

			snprintf(key, sizeof(key), "user:%s", user);
			if (c.phase >= ES_PHASE_PLAN_DESTROY)
				st = sp_teardown(&c, key, "user", remove_user);
			else
				st = one_user(&c, user,
				              l == 0 ? sp_cfg(&c, "admin_role")
				                     : role);
		}
	}
	return st;
}
