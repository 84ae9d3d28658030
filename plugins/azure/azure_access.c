/*
 * azure: who gets in. The users task (Microsoft Graph: invite or create)
 * and the role_assignments task (ARM Authorization), whose assignments
 * have name-based UUIDs so that a re-run names the same one.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "azure.h"

#define AUTHORIZATION_API "2022-04-01"
/* Wait before assigning a role to a user Graph made seconds ago. */
#define PRINCIPAL_RETRY_MS 10000u

/* ---- users (Microsoft Graph) ------------------------------------------ */

/* State key of a user's object id: "principal.<upn>". */
static void principal_key(char *key, size_t size, const char *upn)
{
	snprintf(key, size, "principal.%s", upn);
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

/* Invitations: the guest whose mail is `upn`, page by page. *id is set to
 * "" when there is none. */
static enum es_status find_guest(struct ctx *c, const char *upn, char *id,
                                 size_t size)
{
	struct es_pages pg = {.style = ES_PAGE_LINK, .next = "@odata.nextLink"};
	char *q = az_odata_eq(c, "mail", upn);
	struct es_reply r;
	enum es_status st = q ? ES_OK : ES_FAILED;

	while (st == ES_OK && !*id && es_pages_more(&pg)) {
		const char *found;

		st =
		    es_client_page(&c->graph, &pg, &r,
		                   "/v1.0/users?$filter=%s&$select=id,mail", q);
		found = c->h->json->get_string(r.json, "value[0].id");
		if (st == ES_OK && found)
			snprintf(id, size, "%s", found);
		es_reply_free(&r);
	}
	c->h->mem_free(q);
	return st;
}

/* Find the user: by UPN (create mode) or by mail (invitations). *id is
 * set to "" when there is none. */
static enum es_status find_user(struct ctx *c, const char *upn, char *id,
                                size_t size)
{
	char *q;
	const char *found;
	struct es_reply r;
	enum es_status st;

	*id = '\0';
	if (!az_cfg_is(c, "user_mode", "create"))
		return find_guest(c, upn, id, size);
	if (!(q = c->h->http->escape(upn)))
		return ES_FAILED;
	st = es_client_call(&c->graph, &r, NULL,
	                    "/v1.0/users/%s?$select=id,userPrincipalName", q);
	c->h->mem_free(q);
	found = c->h->json->get_string(r.json, "id");
	if (st == ES_OK && r.outcome == ES_FOUND && found)
		snprintf(id, size, "%s", found);
	es_reply_free(&r);
	return st;
}

/* mailNickname: the part before '@', letters and digits only. */
static void nickname(const char *upn, char *out, size_t size)
{
	size_t n = 0;

	for (const char *p = upn; *p && *p != '@' && n + 1 < size; p++)
		if (isalnum((unsigned char)*p))
			out[n++] = *p;
	if (n == 0 && size > 5)
		n = (size_t)snprintf(out, size, "user");
	out[n] = '\0';
}

/* The body of POST /invitations, or of POST /users with a password the
 * core generates and fills in (it never enters the plugin). Printed
 * (free with mem_free); NULL on failure. */
static char *user_body(struct ctx *c, const char *upn, int invite)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object(), *pw;
	char secret[160], placeholder[200], nick[65], *text = NULL;

	snprintf(secret, sizeof(secret), "password_%s", upn);
	for (char *p = secret; *p; p++)
		*p = isalnum((unsigned char)*p)
		         ? (char)tolower((unsigned char)*p)
		         : '_';
	snprintf(placeholder, sizeof(placeholder), "{{secret:%s}}", secret);
	nickname(upn, nick, sizeof(nick));
	if (invite) {
		j->set_string(body, "invitedUserEmailAddress", upn);
		j->set_string(body, "inviteRedirectUrl",
		              az_cfg(c, "invite_redirect_url"));
		j->set_bool(body, "sendInvitationMessage", 1);
	} else if (c->h->secret->generate(c->call, secret, 24) == 0) {
		j->set_bool(body, "accountEnabled", 1);
		j->set_string(body, "displayName", upn);
		j->set_string(body, "mailNickname", nick);
		j->set_string(body, "userPrincipalName", upn);
		pw = j->new_object();
		j->set_bool(pw, "forceChangePasswordNextSignIn", 1);
		j->set_string(pw, "password", placeholder);
		j->add(body, "passwordProfile", pw);
	} else {
		j->free(body);
		return NULL;
	}
	text = j->print(body);
	j->free(body);
	return text;
}

/* POST /invitations or /users. One that Graph says exists (made by a run
 * whose answer was lost) is found again. */
static enum es_status make_user(struct ctx *c, const char *upn, char *id,
                                size_t size)
{
	int invite = !az_cfg_is(c, "user_mode", "create");
	char intent[320], *text = user_body(c, upn, invite);
	const char *got;
	struct es_send s;
	struct es_reply r;
	enum es_status st;

	if (!text)
		return ES_FAILED;
	snprintf(intent, sizeof(intent), "%s %s",
	         invite ? "invite" : "create user", upn);
	s = es_json_write("POST", text, intent);
	st = es_client_call(&c->graph, &r, &s,
	                    invite ? "/v1.0/invitations" : "/v1.0/users");
	c->h->mem_free(text);
	got = c->h->json->get_string(r.json, invite ? "invitedUser.id" : "id");
	if (st == ES_OK && r.outcome == ES_FOUND && got)
		snprintf(id, size, "%s", got);
	es_reply_free(&r);
	if (st != ES_OK || *id)
		return st;
	return find_user(c, upn, id, size);
}

static enum es_status ensure_user(struct ctx *c, const char *upn,
                                  const char *role_key)
{
	char id[80], key[400];
	enum es_status st = find_user(c, upn, id, sizeof(id));

	(void)role_key;
	if (st != ES_OK)
		return st;
	if (!*id &&
	    es_reported(c->x, &st, ES_CHANGE_CREATE, "user", upn,
	                az_cfg_is(c, "user_mode", "create") ? "member"
	                                                    : "invitation"))
		return st;
	principal_key(key, sizeof(key), upn);
	/* Claimed before it is asked for: teardown removes only the users
	 * envsetup invited or made, never one the tenant had. */
	if (!*id && es_claim(c->x, key, upn))
		return ES_FAILED;
	if (!*id && (st = make_user(c, upn, id, sizeof(id))) != ES_OK)
		return st;
	if (!*id) {
		c->h->diag->error(c->call, NULL, "Graph did not return %s",
		                  upn);
		return ES_RETRY;
	}
	/* The role_assignments task reads the object id from the state. */
	es_record(c->x, &st, key, id, "user", upn);
	return st;
}

/* Calls fn for each admin, then each user; with `dedupe`, a user who is
 * also an admin only once. */
static enum es_status each_person(struct ctx *c,
                                  enum es_status (*fn)(struct ctx *c,
                                                       const char *upn,
                                                       const char *role_key),
                                  int dedupe)
{
	const struct es_config_api *conf = c->h->config;
	size_t na = conf->list_size(c->call, "admin_users");
	size_t nu = conf->list_size(c->call, "users");
	enum es_status st = ES_OK;

	for (size_t i = 0; st == ES_OK && i < na + nu; i++) {
		const char *list = i < na ? "admin_users" : "users";
		const char *upn =
		    conf->list_item(c->call, list, i < na ? i : i - na);
		int seen = 0;

		for (size_t k = 0; dedupe && upn && k < i && !seen; k++) {
			const char *o = conf->list_item(
			    c->call, k < na ? "admin_users" : "users",
			    k < na ? k : k - na);
			seen = o && strcasecmp(o, upn) == 0;
		}
		if (upn && !seen)
			st = fn(c, upn, i < na ? "admin_role" : "user_role");
	}
	return st;
}

/* Teardown: the user (or guest) whose object id the state recorded. */
static enum es_status remove_user(struct ctx *c, const char *upn,
                                  const char *role_key)
{
	char key[400], intent[320], *eid;
	const char *id;
	struct es_send s = {.method = "DELETE", .intent = intent};
	struct es_reply r;
	enum es_status st = ES_OK;

	(void)role_key;
	principal_key(key, sizeof(key), upn);
	id = c->h->state->get(c->call, key);
	if (id && !es_claimed(c->x, key)) {
		c->h->log->log(
		    c->call, ES_LOG_INFO,
		    "user %s was in the tenant before envsetup: kept", upn);
		return ES_OK;
	}
	if (!id || es_reported(c->x, &st, ES_CHANGE_DELETE, "user", upn, id))
		return st;
	if (!(eid = c->h->http->escape(id)))
		return ES_FAILED;
	snprintf(intent, sizeof(intent), "delete user %s", upn);
	st = es_client_call(&c->graph, &r, &s, "/v1.0/users/%s", eid);
	c->h->mem_free(eid);
	es_reply_free(&r);
	return st == ES_OK && es_unclaim(c->x, key, key) ? ES_FAILED : st;
}

enum es_status az_users(const struct es_ctx *x)
{
	struct ctx c;
	enum es_status st = az_open(x, &c, GRAPH);

	if (st == ES_OK && x->phase >= ES_PHASE_PLAN_DESTROY)
		return each_person(&c, remove_user, 1);
	return st == ES_OK ? each_person(&c, ensure_user, 1) : st;
}

/* ---- role assignment names -------------------------------------------- */

/* RFC 4122 appendix C: the URL namespace, 6ba7b811-9dad-11d1-80b4-... */
static const unsigned char url_namespace[16] = {
    0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
    0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
};

static int azure_uuid_v5(const unsigned char ns[16], const char *name,
                         char out[AZURE_UUID_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	size_t n = strlen(name);
	unsigned char *buf = malloc(16 + n);
	int ok;

	if (!buf)
		return -1;
	memcpy(buf, ns, 16);
	memcpy(buf + 16, name, n);
	ok = EVP_Digest(buf, 16 + n, md, &md_len, EVP_sha1(), NULL);
	free(buf);
	if (!ok || md_len < 16)
		return -1;
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50); /* version 5 */
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, AZURE_UUID_LEN + 1,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	         "%02x%02x%02x%02x%02x%02x",
	         md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8],
	         md[9], md[10], md[11], md[12], md[13], md[14], md[15]);
	return 0;
}

/*
 * The same (scope, principal, role) always gives the same name, so a
 * re-run PUTs the assignment it made before instead of a second one. ARM
 * compares ids case-insensitively, hence the lower-casing.
 */
int azure_role_assignment_name(const char *scope, const char *principal,
                               const char *role, char out[AZURE_UUID_LEN + 1])
{
	char *name;
	size_t n;
	int rc;

	if (!scope || !principal || !role)
		return -1;
	n = strlen(scope) + strlen(principal) + strlen(role) + 40;
	name = malloc(n);
	if (!name)
		return -1;
	snprintf(name, n, "envsetup:role-assignment:%s|%s|%s", scope, principal,
	         role);
	for (char *p = name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	rc = azure_uuid_v5(url_namespace, name, out);
	free(name);
	return rc;
}

/* ---- role_assignments ------------------------------------------------- */

/* "subscriptions/S" or "subscriptions/S/resourceGroups/RG" (no leading
 * '/', as the spec's {scope} parameter). */
static int role_scope(struct ctx *c, char *out, size_t size)
{
	int n = az_cfg_is(c, "role_scope", "subscription")
	            ? snprintf(out, size, "subscriptions/%s", c->sub)
	            : snprintf(out, size, "subscriptions/%s/resourceGroups/%s",
	                       c->sub, c->rg_path);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The role definition exists in the subscription (a typo in admin_role
 * would otherwise show only as a failed PUT). */
static enum es_status check_role(struct ctx *c, const char *role_key)
{
	const char *role = az_cfg(c, role_key);
	struct es_reply r;
	enum es_status st;

	st = es_client_call(
	    &c->arm, &r, NULL,
	    "/subscriptions/%s/providers/Microsoft.Authorization/"
	    "roleDefinitions/%s?api-version=" AUTHORIZATION_API,
	    c->sub, role);
	if (st == ES_OK && r.outcome == ES_ABSENT) {
		c->h->diag->error(c->call, role_key,
		                  "role definition %s does not exist", role);
		st = ES_INVALID_CONFIG;
	}
	es_reply_free(&r);
	return st;
}

/* 1 when `list` holds an assignment of role definition `role`. */
static int has_role(struct ctx *c, const es_json *list, const char *role)
{
	size_t rn = strlen(role);

	for (size_t i = 0; i < c->h->json->array_size(list); i++) {
		const char *d =
		    c->h->json->get_string(c->h->json->array_item(list, i),
		                           "properties.roleDefinitionId");
		size_t n = d ? strlen(d) : 0;

		if (n > rn && d[n - rn - 1] == '/' &&
		    strcasecmp(d + n - rn, role) == 0)
			return 1;
	}
	return 0;
}

/* Whether `principal` holds `role` at `scope` (or above), page by page. */
static enum es_status find_assignment(struct ctx *c, const char *scope,
                                      const char *principal, const char *role,
                                      int *found)
{
	struct es_pages pg = {.style = ES_PAGE_LINK, .next = "nextLink"};
	char *filter = az_odata_eq(c, "principalId", principal);
	struct es_reply r;
	enum es_status st = filter ? ES_OK : ES_FAILED;

	*found = 0;
	while (st == ES_OK && !*found && es_pages_more(&pg)) {
		st = es_client_page(
		    &c->arm, &pg, &r,
		    "/%s/providers/Microsoft.Authorization/roleAssignments"
		    "?api-version=" AUTHORIZATION_API "&$filter=%s",
		    scope, filter);
		*found = st == ES_OK &&
		         has_role(c, c->h->json->get(r.json, "value"), role);
		es_reply_free(&r);
	}
	c->h->mem_free(filter);
	return st;
}

static enum es_status put_assignment(struct ctx *c, const char *scope,
                                     const char *principal, const char *role,
                                     const char *upn)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object(), *props = j->new_object();
	char name[AZURE_UUID_LEN + 1], def[256], intent[400], *text;
	const char *code;
	struct es_send s;
	struct es_reply r;
	enum es_status st;

	snprintf(def, sizeof(def),
	         "/subscriptions/%s/providers/Microsoft.Authorization/"
	         "roleDefinitions/%s",
	         c->sub, role);
	j->set_string(props, "roleDefinitionId", def);
	j->set_string(props, "principalId", principal);
	j->set_string(props, "principalType", "User");
	j->add(body, "properties", props);
	text = j->print(body);
	j->free(body);
	if (!text || azure_role_assignment_name(scope, principal, role, name)) {
		c->h->mem_free(text);
		return ES_FAILED;
	}
	snprintf(intent, sizeof(intent), "assign role %s to %s", role, upn);
	s = es_json_write("PUT", text, intent);
	/* 409 RoleAssignmentExists is the client's conflict: done. */
	st = es_client_call(&c->arm, &r, &s,
	                    "/%s/providers/Microsoft.Authorization/"
	                    "roleAssignments/%s?api-version=" AUTHORIZATION_API,
	                    scope, name);
	c->h->mem_free(text);
	code = c->h->json->get_string(r.json, "error.code");
	if (st != ES_OK && code && strcmp(code, "PrincipalNotFound") == 0) {
		/* A user made seconds ago has not replicated yet. */
		c->h->diag->retry_after(c->call, PRINCIPAL_RETRY_MS);
		st = ES_RETRY;
	}
	es_reply_free(&r);
	return st;
}

static enum es_status assign(struct ctx *c, const char *upn,
                             const char *role_key)
{
	const char *role = az_cfg(c, role_key), *principal;
	char key[400], scope[400], detail[200];
	int found;
	enum es_status st;

	principal_key(key, sizeof(key), upn);
	principal = c->h->state->get(c->call, key);
	snprintf(detail, sizeof(detail), "%s %s", role_key, role ? role : "");
	if (!principal || !role) {
		if (es_reported(c->x, &st, ES_CHANGE_CREATE, "role_assignment",
		                upn, detail))
			return st;
		c->h->diag->error(c->call, NULL,
		                  "%s has no object id: the users task has "
		                  "not made it",
		                  upn);
		return ES_FAILED;
	}
	if (role_scope(c, scope, sizeof(scope)))
		return ES_FAILED;
	st = find_assignment(c, scope, principal, role, &found);
	if (st != ES_OK || found ||
	    es_reported(c->x, &st, ES_CHANGE_CREATE, "role_assignment", upn,
	                detail))
		return st;
	return put_assignment(c, scope, principal, role, upn);
}

/* Teardown: the assignment envsetup named for (scope, principal, role),
 * looked up by that name first. */
static enum es_status unassign(struct ctx *c, const char *upn,
                               const char *role_key)
{
	const char *role = az_cfg(c, role_key), *principal;
	char key[400], scope[400], name[AZURE_UUID_LEN + 1], intent[400];
	struct es_send s = {.method = "DELETE", .intent = intent};
	struct es_reply r;
	enum es_status st;

	principal_key(key, sizeof(key), upn);
	principal = c->h->state->get(c->call, key);
	if (!principal || !role)
		return ES_OK; /* never assigned */
	if (role_scope(c, scope, sizeof(scope)) ||
	    azure_role_assignment_name(scope, principal, role, name))
		return ES_FAILED;
	st = es_client_call(&c->arm, &r, NULL,
	                    "/%s/providers/Microsoft.Authorization/"
	                    "roleAssignments/%s?api-version=" AUTHORIZATION_API,
	                    scope, name);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !es_reported(c->x, &st, ES_CHANGE_DELETE, "role_assignment", upn,
	                 role)) {
		es_reply_free(&r);
		snprintf(intent, sizeof(intent), "remove role %s from %s", role,
		         upn);
		st = es_client_call(
		    &c->arm, &r, &s,
		    "/%s/providers/Microsoft.Authorization/roleAssignments/%s"
		    "?api-version=" AUTHORIZATION_API,
		    scope, name);
	}
	es_reply_free(&r);
	return st;
}

enum es_status az_role_assignments(const struct es_ctx *x)
{
	struct ctx c;
	const struct es_config_api *conf = x->host->config;
	size_t admins = conf->list_size(x->call, "admin_users");
	size_t users = conf->list_size(x->call, "users");
	enum es_status st;

	if (admins + users == 0)
		return ES_OK;
	st = az_open(x, &c, ARM);
	if (st == ES_OK && x->phase >= ES_PHASE_PLAN_DESTROY)
		return *c.sub ? each_person(&c, unassign, 0) : ES_OK;
	if (st != ES_OK || az_need_subscription(&c, &st, "role_assignment",
	                                        "admin_users, users"))
		return st;
	if (admins)
		st = check_role(&c, "admin_role");
	if (st == ES_OK && users)
		st = check_role(&c, "user_role");
	return st == ES_OK ? each_person(&c, assign, 0) : st;
}
