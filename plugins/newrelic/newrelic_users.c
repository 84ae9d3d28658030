/*
 * newrelic: the API key (who am I, and can it see the account) and the
 * users of the authentication domain, each in its group. Users are found
 * by e-mail; a domain provisioned by SCIM takes its users from the
 * customer's identity provider, so there the missing ones are a person's
 * task. Teardown removes only the users envsetup created.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "newrelic.h"

/* Operation names make every request recognisable in traces and in the
 * conformance stage, which validates each against the schema subset. */
#define WHOAMI_QUERY                                                           \
	"query WhoAmI($accountId: Int!) { actor { user { id email } "          \
	"account(id: $accountId) { id name } } }"
#define DOMAINS_QUERY                                                          \
	"query AuthenticationDomains { actor { organization { userManagement " \
	"{ authenticationDomains { authenticationDomains { id name "           \
	"provisioningType } } } } } }"
#define DOMAINS                                                                \
	"data.actor.organization.userManagement.authenticationDomains."        \
	"authenticationDomains"
#define FIND_USER_QUERY                                                        \
	"query FindUser($domainId: [ID!], $email: String) { actor { "          \
	"organization { userManagement { authenticationDomains(id: "           \
	"$domainId) { authenticationDomains { id users(filter: {email: {eq: "  \
	"$email}}) { users { id email groups { groups { id displayName } } } " \
	"} } } } } } }"
#define FIND_GROUP_QUERY                                                       \
	"query FindGroup($domainId: [ID!], $name: String) { actor { "          \
	"organization { userManagement { authenticationDomains(id: "           \
	"$domainId) { authenticationDomains { id groups(filter: "              \
	"{displayName: {eq: $name}}) { groups { id displayName } } } } } } } " \
	"}"
#define CREATE_USER_MUTATION                                                   \
	"mutation CreateUser($user: UserManagementCreateUser!) { "             \
	"userManagementCreateUser(createUserOptions: $user) { createdUser { "  \
	"id email } } }"
#define ADD_TO_GROUPS_MUTATION                                                 \
	"mutation AddUserToGroups($input: UserManagementUsersGroupsInput!) { " \
	"userManagementAddUsersToGroups(addUsersToGroupsOptions: $input) { "   \
	"groups { id } } }"
#define DELETE_USER_MUTATION                                                   \
	"mutation DeleteUser($user: UserManagementDeleteUser!) { "             \
	"userManagementDeleteUser(deleteUserOptions: $user) { deletedUser { "  \
	"id } } }"

/* ---- verify_api_key ------------------------------------------------- */

enum es_status nr_verify_api_key(const struct es_ctx *x)
{
	struct ctx c;
	struct es_reply r;
	es_json *vars;
	enum es_status st;

	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return ES_OK; /* a look-up: nothing to remove */
	if (nr_open(x, &c))
		return ES_INVALID_CONFIG;
	vars = nr_account_vars(&c);
	st = nr_query(&c, &r, WHOAMI_QUERY, vars, "WhoAmI");
	c.h->json->free(vars);
	/* The user's id is an Int: present, whatever its kind. */
	if (st == ES_OK && c.h->json->kind(c.h->json->get(
	                       r.json, "data.actor.user.id")) <= ES_JSON_NULL)
		st = es_reply_malformed(&c.api, &r, "query WhoAmI", "the user");
	else if (st == ES_OK &&
	         c.h->json->kind(c.h->json->get(
	             r.json, "data.actor.account")) != ES_JSON_OBJECT) {
		/* NerdGraph answers null for an account the user cannot see. */
		c.h->diag->error(
		    c.call, "account_id",
		    "New Relic: the API key's user (%s) cannot see "
		    "account %lld: another account, or a key of "
		    "another organisation",
		    c.h->json->get_string(r.json, "data.actor.user.email"),
		    (long long)c.account);
		st = ES_INVALID_CONFIG;
	}
	es_reply_free(&r);
	return st;
}

/* ---- users ---------------------------------------------------------- */

struct domain {
	char id[64];
	int scim; /* provisioned by SCIM: users come from the IdP */
	char admin_group[64], user_group[64];
};

static es_json *domain_vars(struct ctx *c, const struct domain *d)
{
	es_json *vars = c->h->json->new_object(),
	        *ids = c->h->json->new_array();

	c->h->json->append_string(ids, d->id);
	c->h->json->add(vars, "domainId", ids);
	return vars;
}

/* The configured authentication domain, and whether it is manual. */
static enum es_status find_domain(struct ctx *c, struct domain *d)
{
	const char *want = nr_cfg(c, "authentication_domain");
	const char *type;
	const es_json *found;
	struct es_reply r;
	enum es_status st;

	st = nr_query(c, &r, DOMAINS_QUERY, NULL, "AuthenticationDomains");
	if (st == ES_OK &&
	    c->h->json->kind(c->h->json->get(r.json, DOMAINS)) != ES_JSON_ARRAY)
		st = es_reply_malformed(&c->api, &r,
		                        "query AuthenticationDomains",
		                        "the authentication domains");
	found = st == ES_OK ? nr_by_name(c, &r, DOMAINS, want) : NULL;
	if (st == ES_OK && !found) {
		c->h->diag->error(c->call, "authentication_domain",
		                  "New Relic has no authentication domain "
		                  "named %s",
		                  want);
		st = ES_INVALID_CONFIG;
	} else if (st == ES_OK) {
		snprintf(d->id, sizeof(d->id), "%s",
		         c->h->json->get_string(found, "id"));
		type = c->h->json->get_string(found, "provisioningType");
		d->scim = !type || strcmp(type, "manual") != 0;
	}
	es_reply_free(&r);
	return st;
}

/* The id of the domain's group called by config key `key`. */
static enum es_status find_group(struct ctx *c, const struct domain *d,
                                 const char *key, char *id, size_t size)
{
	const char *name = nr_cfg(c, key);
	es_json *vars = domain_vars(c, d);
	const es_json *groups;
	struct es_reply r;
	enum es_status st;

	c->h->json->set_string(vars, "name", name);
	st = nr_query(c, &r, FIND_GROUP_QUERY, vars, "FindGroup");
	c->h->json->free(vars);
	groups = c->h->json->get(r.json, DOMAINS "[0].groups.groups");
	if (st == ES_OK && c->h->json->kind(groups) != ES_JSON_ARRAY)
		st = es_reply_malformed(&c->api, &r, "query FindGroup",
		                        "the domain's groups");
	if (st == ES_OK && c->h->json->array_size(groups) == 0) {
		c->h->diag->error(c->call, key,
		                  "New Relic's authentication domain has no "
		                  "group %s",
		                  name);
		st = ES_INVALID_CONFIG;
	} else if (st == ES_OK) {
		snprintf(id, size, "%s",
		         c->h->json->get_string(
		             c->h->json->array_item(groups, 0), "id"));
	}
	es_reply_free(&r);
	return st;
}

/* The user with `email` (r->json holds it; *user NULL when absent). */
static enum es_status find_user(struct ctx *c, const struct domain *d,
                                const char *email, struct es_reply *r,
                                const es_json **user)
{
	es_json *vars = domain_vars(c, d);
	const es_json *users;
	enum es_status st;

	c->h->json->set_string(vars, "email", email);
	st = nr_query(c, r, FIND_USER_QUERY, vars, "FindUser");
	c->h->json->free(vars);
	users = c->h->json->get(r->json, DOMAINS "[0].users.users");
	*user = NULL;
	if (st == ES_OK && c->h->json->kind(users) != ES_JSON_ARRAY)
		return es_reply_malformed(&c->api, r, "query FindUser",
		                          "the domain's users");
	for (size_t i = 0; st == ES_OK && i < c->h->json->array_size(users);
	     i++) {
		const es_json *u = c->h->json->array_item(users, i);
		const char *e = c->h->json->get_string(u, "email");

		if (e && strcasecmp(e, email) == 0 &&
		    c->h->json->get_string(u, "id"))
			*user = u;
	}
	return st;
}

static int in_group(struct ctx *c, const es_json *user, const char *group)
{
	const es_json *groups = c->h->json->get(user, "groups.groups");

	for (size_t i = 0; i < c->h->json->array_size(groups); i++) {
		const char *id = c->h->json->get_string(
		    c->h->json->array_item(groups, i), "id");

		if (id && strcmp(id, group) == 0)
			return 1;
	}
	return 0;
}

static enum es_status add_to_group(struct ctx *c, const char *email,
                                   const char *user, const char *group)
{
	const struct es_json_api *j = c->h->json;
	es_json *vars = j->new_object(), *in = j->new_object(),
	        *groups = j->new_array(), *users = j->new_array();
	const es_json *payload;
	char intent[NR_NAME_MAX + 64];
	struct es_reply r;
	enum es_status st;

	j->append_string(groups, group);
	j->append_string(users, user);
	j->add(in, "groupIds", groups);
	j->add(in, "userIds", users);
	j->add(vars, "input", in);
	snprintf(intent, sizeof(intent), "add user %s to group %s", email,
	         group);
	st = nr_mutate(c, &r, ADD_TO_GROUPS_MUTATION, vars, intent,
	               "userManagementAddUsersToGroups", &payload);
	j->free(vars);
	es_reply_free(&r);
	return st;
}

static enum es_status create_user(struct ctx *c, const struct domain *d,
                                  const char *email, const char *tier,
                                  const char *key, char *id, size_t size)
{
	const struct es_json_api *j = c->h->json;
	es_json *vars = j->new_object(), *user = j->new_object();
	char name[NR_NAME_MAX];
	enum es_status st;

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(email, "@"), email);
	j->set_string(user, "authenticationDomainId", d->id);
	j->set_string(user, "email", email);
	j->set_string(user, "name", name);
	j->set_string(user, "userType", tier);
	j->add(vars, "user", user);
	st = nr_create(c, key, email, CREATE_USER_MUTATION, vars,
	               "userManagementCreateUser", "createdUser.id", "user", id,
	               size);
	j->free(vars);
	return st;
}

/* One address: found (recorded) or created, and in its group. In a SCIM
 * domain a missing user is collected in `missing` for a person. */
static enum es_status one_user(struct ctx *c, const struct domain *d,
                               const char *email, int admin, char *missing,
                               size_t size)
{
	const char *group = admin ? d->admin_group : d->user_group;
	const char *tier = admin ? "FULL_USER_TIER" : nr_cfg(c, "user_type");
	char key[NR_NAME_MAX + 8], id[64] = "";
	const es_json *user;
	struct es_reply r;
	enum es_status st;
	int member = 0;

	snprintf(key, sizeof(key), "user.%s", email);
	st = find_user(c, d, email, &r, &user);
	if (st == ES_OK && user) {
		snprintf(id, sizeof(id), "%s",
		         c->h->json->get_string(user, "id"));
		member = in_group(c, user, group);
	}
	es_reply_free(&r);
	if (st != ES_OK)
		return st;
	if (!*id) {
		if (es_reported(c->x, &st, ES_CHANGE_CREATE, "user", email,
		                d->scim ? "SCIM domain: a person adds it in "
		                          "the identity provider"
		                        : NULL))
			return st;
		if (d->scim) {
			size_t n = strlen(missing);

			snprintf(missing + n, size - n, " %s", email);
			return ES_OK;
		}
		st = create_user(c, d, email, tier, key, id, sizeof(id));
		if (st != ES_OK)
			return st;
	} else if (es_record(c->x, &st, key, id, "user", email)) {
		return st;
	}
	if (member || d->scim)
		return ES_OK; /* SCIM groups come from the IdP too */
	if (es_reported(c->x, &st, ES_CHANGE_UPDATE, "user", email,
	                admin ? "add to admin_group" : "add to user_group"))
		return st;
	return add_to_group(c, email, id, group);
}

static enum es_status teardown_users(struct ctx *c, const char *list)
{
	const struct es_json_api *j = c->h->json;
	size_t n = c->h->config->list_size(c->call, list);
	enum es_status st = ES_OK;

	for (size_t i = 0; i < n && st == ES_OK; i++) {
		const char *email = c->h->config->list_item(c->call, list, i);
		es_json *vars = j->new_object(), *user = j->new_object();
		char key[NR_NAME_MAX + 8];

		snprintf(key, sizeof(key), "user.%s", email);
		j->add(vars, "user", user);
		st = nr_teardown(c, key, email, "user", DELETE_USER_MUTATION,
		                 vars, user, "id", "userManagementDeleteUser");
		j->free(vars);
	}
	return st;
}

enum es_status nr_users(const struct es_ctx *x)
{
	static const char *const lists[] = {"admins", "users"};
	struct ctx c;
	struct domain d;
	char missing[1024] = "";
	enum es_status st, worst = ES_OK;

	if (nr_open(x, &c))
		return ES_INVALID_CONFIG;
	if (x->phase >= ES_PHASE_PLAN_DESTROY) {
		st = teardown_users(&c, "admins");
		return st == ES_OK ? teardown_users(&c, "users") : st;
	}
	if (c.h->config->list_size(c.call, "admins") +
	        c.h->config->list_size(c.call, "users") ==
	    0)
		return ES_OK; /* nobody to add */
	memset(&d, 0, sizeof(d));
	st = find_domain(&c, &d);
	if (st == ES_OK && !d.scim)
		st = find_group(&c, &d, "admin_group", d.admin_group,
		                sizeof(d.admin_group));
	if (st == ES_OK && !d.scim)
		st = find_group(&c, &d, "user_group", d.user_group,
		                sizeof(d.user_group));
	if (st != ES_OK)
		return st;
	/* Every address is looked at, so plan and verify report them all; a
	 * failure outranks any other status. */
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < c.h->config->list_size(c.call, lists[l]);
		     i++) {
			st = one_user(
			    &c, &d, c.h->config->list_item(c.call, lists[l], i),
			    l == 0, missing, sizeof(missing));
			if (st != ES_OK && (worst == ES_OK || st == ES_FAILED))
				worst = st;
		}
	if (worst == ES_OK && *missing && !c.h->gate->confirmed(c.call)) {
		c.h->diag->ask(
		    c.call,
		    "New Relic authentication domain %s is "
		    "provisioned by SCIM: its users come from the "
		    "customer's identity provider, and New Relic's API "
		    "cannot create them. Add%s there, in the groups "
		    "%s (admins) and %s (users), then run envsetup "
		    "confirm newrelic:users.",
		    nr_cfg(&c, "authentication_domain"), missing,
		    nr_cfg(&c, "admin_group"), nr_cfg(&c, "user_group"));
		worst = ES_NEEDS_PERSON;
	}
	return worst;
}
