/*
 * sumologic: who may use the account. The access key is checked; the
 * admin and user roles are found by name (made when the account lacks
 * them); the customer's people are found by e-mail, created with their
 * role, or given it. An account whose users come from the customer's SAML
 * identity provider gets no users from envsetup: a person is asked to
 * have them provisioned there. Teardown removes only what es_claim()
 * recorded that envsetup made.
 */
#include <stdio.h>
#include <string.h>

#include "sumologic.h"

enum es_status sumo_verify_credentials(const struct es_ctx *x)
{
	struct ctx c;
	struct es_reply r;
	enum es_status st;

	if (sumo_open(x, &c))
		return ES_INVALID_CONFIG;
	/* The smallest read that needs the key: one user. */
	st = es_client_call(&c.api, &r, NULL, "/v1/users?limit=1");
	if (st == ES_OK && r.outcome != ES_FOUND)
		st = es_reply_malformed(&c.api, &r, "list users",
		                        "the account's users");
	es_reply_free(&r);
	return st;
}

/* ---- roles ---------------------------------------------------------- */

/* What a role envsetup makes may do (the OpenAPI description's capability
 * names); Sumo adds what they depend on (autofillDependencies). */
static const char *const admin_capabilities[] = {
    "manageUsersAndRoles", "viewCollectors",    "manageCollectors",
    "manageContent",       "manageConnections", "viewMonitorsV2",
    "manageMonitorsV2",    "viewAlerts",        NULL};
static const char *const user_capabilities[] = {
    "viewCollectors", "viewMonitorsV2", "viewAlerts", NULL};

struct role {
	const char *config_key; /* "admin_role" */
	const char *state_key;  /* "role:admin" */
	const char *output;     /* "admin_role_id" */
	const char *const *capabilities;
};

static const struct role roles[] = {
    {"admin_role", "role:admin", "admin_role_id", admin_capabilities},
    {"user_role", "role:user", "user_role_id", user_capabilities},
};

static enum es_status find_role(struct ctx *c, const char *name, char *id,
                                size_t size)
{
	char path[600], *q = c->h->http->escape(name);
	enum es_status st;

	if (!q)
		return ES_FAILED;
	snprintf(path, sizeof(path), "/v1/roles?name=%s", q);
	c->h->mem_free(q);
	st = sumo_find_in_list(c, path, "name", name, id, size, NULL, NULL,
	                       NULL);
	return st;
}

static enum es_status create_role(struct ctx *c, const struct role *role,
                                  const char *name)
{
	const struct es_json_api *j = c->h->json;
	es_json *o = j->new_object(), *caps = j->new_array();
	char intent[320];
	struct es_reply r;
	enum es_status st;

	if (!o || !caps) {
		j->free(o);
		j->free(caps);
		return ES_FAILED;
	}
	j->set_string(o, "name", name);
	j->set_string(o, "description", "Made by envsetup");
	for (size_t i = 0; role->capabilities[i]; i++)
		j->append_string(caps, role->capabilities[i]);
	j->add(o, "capabilities", caps);
	j->set_bool(o, "autofillDependencies", 1);
	if (es_claim(c->x, role->state_key, name)) {
		j->free(o);
		return ES_FAILED;
	}
	snprintf(intent, sizeof(intent), "create role %s", name);
	st = sumo_write(c, &r, "POST", o, intent, "/v1/roles");
	return sumo_created(c, &r, st, intent, role->state_key);
}

static enum es_status one_role(struct ctx *c, const struct role *role)
{
	const char *name = sumo_cfg(c, role->config_key);
	char id[SUMO_ID_MAX];
	enum es_status st;

	if (sumo_teardown(c)) {
		const char *mine = c->h->state->get(c->call, role->state_key);

		return mine ? sumo_remove(c, role->state_key, "role", name,
		                          "/v1/roles/%s", mine)
		            : ES_OK;
	}
	if ((st = find_role(c, name, id, sizeof(id))))
		return st;
	if (!id[0]) {
		if (es_reported(c->x, &st, ES_CHANGE_CREATE, "role", name,
		                NULL))
			return st;
		if ((st = create_role(c, role, name)))
			return st;
		snprintf(id, sizeof(id), "%s",
		         c->h->state->get(c->call, role->state_key));
	} else if (es_record(c->x, &st, role->state_key, id, "role", name)) {
		return st;
	}
	return c->phase == ES_PHASE_VERIFY || c->phase == ES_PHASE_APPLY
	           ? sumo_publish(c, role->output, id, 0)
	           : ES_OK;
}

enum es_status sumo_roles(const struct es_ctx *x)
{
	struct ctx c;
	enum es_status st = ES_OK;

	if (sumo_open(x, &c))
		return ES_INVALID_CONFIG;
	for (size_t i = 0; st == ES_OK && i < sizeof(roles) / sizeof(*roles);
	     i++)
		st = one_role(&c, &roles[i]);
	return st;
}

/* ---- users ---------------------------------------------------------- */

static enum es_status find_user(struct ctx *c, const char *email,
                                const char *role, char *id, size_t size,
                                int *has_role)
{
	char path[600], *q = c->h->http->escape(email);

	if (!q)
		return ES_FAILED;
	snprintf(path, sizeof(path), "/v1/users?email=%s", q);
	c->h->mem_free(q);
	return sumo_find_in_list(c, path, "email", email, id, size, "roleIds",
	                         role, has_role);
}

/* createUser wants a first and a last name: the e-mail's local part,
 * split at its first '.' ("ops.lead" is Ops Lead's), stands in until the
 * person edits their profile. */
static void names_of(const char *email, char *first, char *last, size_t size)
{
	size_t local = strcspn(email, "@"), dot = strcspn(email, ".@");

	if (dot < local) {
		snprintf(first, size, "%.*s", (int)dot, email);
		snprintf(last, size, "%.*s", (int)(local - dot - 1),
		         email + dot + 1);
	} else {
		snprintf(first, size, "%.*s", (int)local, email);
		snprintf(last, size, "%.*s", (int)local, email);
	}
}

static enum es_status create_user(struct ctx *c, const char *email,
                                  const char *role, const char *key)
{
	const struct es_json_api *j = c->h->json;
	es_json *o = j->new_object(), *ids = j->new_array();
	char intent[400], first[129], last[129];
	struct es_reply r;
	enum es_status st;

	if (!o || !ids) {
		j->free(o);
		j->free(ids);
		return ES_FAILED;
	}
	names_of(email, first, last, sizeof(first));
	j->set_string(o, "firstName", first);
	j->set_string(o, "lastName", last);
	j->set_string(o, "email", email);
	j->append_string(ids, role);
	j->add(o, "roleIds", ids);
	if (es_claim(c->x, key, email)) {
		j->free(o);
		return ES_FAILED;
	}
	snprintf(intent, sizeof(intent), "create user %s", email);
	st = sumo_write(c, &r, "POST", o, intent, "/v1/users");
	return sumo_created(c, &r, st, intent, key);
}

/* Give user `id` the role `role` (assignRoleToUser), remembered under
 * "member:<email>" so teardown takes back only what envsetup gave. */
static enum es_status assign_role(struct ctx *c, const char *email,
                                  const char *id, const char *role)
{
	char key[SUMO_KEY_MAX], intent[400], path[400];
	struct es_reply r;
	enum es_status st;

	snprintf(key, sizeof(key), "member:%s", email);
	if (es_claim(c->x, key, role))
		return ES_FAILED;
	snprintf(intent, sizeof(intent), "give user %s role %s", email, role);
	snprintf(path, sizeof(path), "/v1/roles/%s/users/%s", role, id);
	st = sumo_write(c, &r, "PUT", NULL, intent, path);
	if (st == ES_OK && c->h->state->put(c->call, key, id))
		st = ES_FAILED;
	es_reply_free(&r);
	return st;
}

/* The people of the file are there with their role? When the customer's
 * identity provider makes them, a person is asked for the missing. */
static enum es_status one_user(struct ctx *c, const char *email,
                               const char *role, size_t *missing)
{
	char key[SUMO_KEY_MAX], id[SUMO_ID_MAX];
	int has_role = 0;
	enum es_status st;

	snprintf(key, sizeof(key), "user:%s", email);
	if ((st = find_user(c, email, role, id, sizeof(id), &has_role)))
		return st;
	if (!id[0] && c->h->config->get_bool(c->call, "sso_managed")) {
		if (!c->h->gate->confirmed(c->call))
			++*missing;
		return ES_OK;
	}
	if (!id[0]) {
		if (es_reported(c->x, &st, ES_CHANGE_CREATE, "user", email,
		                "with its role"))
			return st;
		return create_user(c, email, role, key);
	}
	/* Made by a run killed before it recorded the id: record it. */
	if (es_claimed(c->x, key) &&
	    es_record(c->x, &st, key, id, "user", email))
		return st;
	if (has_role || es_reported(c->x, &st, ES_CHANGE_UPDATE, "user", email,
	                            "give it its role"))
		return st;
	return assign_role(c, email, id, role);
}

/* Teardown of one person: the role envsetup gave taken back, the user
 * envsetup made deleted; anyone else is kept. */
static enum es_status remove_user(struct ctx *c, const char *email)
{
	char key[SUMO_KEY_MAX], member[SUMO_KEY_MAX], intent[400], path[400];
	const char *id, *role;
	struct es_reply r;
	enum es_status st = ES_OK;

	snprintf(key, sizeof(key), "user:%s", email);
	snprintf(member, sizeof(member), "member:%s", email);
	id = c->h->state->get(c->call, member);
	role = es_claimed(c->x, member);
	if (id && role &&
	    !es_reported(c->x, &st, ES_CHANGE_DELETE, "role_membership", email,
	                 "take back the role envsetup gave")) {
		snprintf(intent, sizeof(intent),
		         "take role %s back from user %s", role, email);
		snprintf(path, sizeof(path), "/v1/roles/%s/users/%s", role, id);
		st = sumo_write(c, &r, "DELETE", NULL, intent, path);
		es_reply_free(&r);
		if (st == ES_OK && es_unclaim(c->x, member, member))
			st = ES_FAILED;
	}
	id = c->h->state->get(c->call, key);
	if (st != ES_OK || !id)
		return st;
	return sumo_remove(c, key, "user", email, "/v1/users/%s", id);
}

/* A first plan: the roles are not made yet, so every user is to make.
 * In apply the roles task has run: a role it did not record fails. */
static enum es_status no_role(struct ctx *c, const char *email,
                              const char *list)
{
	enum es_status st;

	if (es_reported(c->x, &st, ES_CHANGE_CREATE, "user", email,
	                "with its role"))
		return st;
	c->h->diag->error(c->call, list, "the role of %s is not recorded",
	                  list);
	return ES_FAILED;
}

enum es_status sumo_users(const struct es_ctx *x)
{
	static const char *const lists[] = {"admins", "users"};
	struct ctx c;
	size_t missing = 0;
	enum es_status st = ES_OK;

	if (sumo_open(x, &c))
		return ES_INVALID_CONFIG;
	for (size_t l = 0; st == ES_OK && l < 2; l++) {
		const char *role = c.h->state->get(
		    c.call, l == 0 ? "role:admin" : "role:user");
		size_t n = c.h->config->list_size(c.call, lists[l]);

		for (size_t i = 0; st == ES_OK && i < n; i++) {
			const char *email =
			    c.h->config->list_item(c.call, lists[l], i);

			if (sumo_teardown(&c))
				st = remove_user(&c, email);
			else if (!role)
				st = no_role(&c, email, lists[l]);
			else
				st = one_user(&c, email, role, &missing);
		}
	}
	if (st != ES_OK || missing == 0)
		return st;
	if (c.phase != ES_PHASE_APPLY)
		return es_reported(x, &st, ES_CHANGE_CREATE, "user",
		                   "sso-provisioned",
		                   "made by the customer's identity provider")
		           ? st
		           : ES_OK;
	c.h->diag->ask(c.call,
	               "The account's users come from the customer's SAML "
	               "identity provider, so envsetup creates none: %zu of "
	               "the people of the sumologic admins and users lists "
	               "have no Sumo Logic user yet. Have the customer's "
	               "identity provider provision them (or have each sign "
	               "in once through SSO) with the roles %s and %s; then "
	               "run envsetup confirm sumologic:users",
	               missing, sumo_cfg(&c, "admin_role"),
	               sumo_cfg(&c, "user_role"));
	return ES_NEEDS_PERSON;
}
