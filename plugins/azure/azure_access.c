/*
 * azure: who gets in. The users task (Microsoft Graph: invite or create)
 * and the role_assignments task (ARM Authorization).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasestr */
#endif
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "azure.h"

#define AUTHORIZATION_API "2022-04-01"

/* ---- users (Microsoft Graph) ------------------------------------------ */

/* State key of a user's object id: "principal.<upn>". */
static void principal_key(char *key, size_t size, const char *upn)
{
	snprintf(key, size, "principal.%s", upn);
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

/* Find the user: by UPN (create mode) or by mail (invitations). *id is
 * set to "" when there is none. */
static enum es_status find_user(struct ctx *c, const char *upn, char *id,
                                size_t size)
{
	int invite = !az_cfg_is(c, "user_mode", "create");
	char *q = invite ? az_odata_eq(c, "mail", upn) : az_esc(c, upn);
	const char *found;
	struct reply r;
	enum es_status st;

	*id = '\0';
	if (!q)
		return ES_FAILED;
	if (invite)
		st = az_api(c, &r, GRAPH, "GET", NULL, NULL,
		            "/v1.0/users?$filter=%s&$select=id,mail", q);
	else
		st = az_api(c, &r, GRAPH, "GET", NULL, NULL,
		            "/v1.0/users/%s?$select=id,userPrincipalName", q);
	c->h->mem_free(q);
	if (st != ES_OK)
		return st;
	found = c->h->json->get_string(r.json, invite ? "value[0].id" : "id");
	if (!r.absent && found)
		snprintf(id, size, "%s", found);
	az_reply_free(c, &r);
	return ES_OK;
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

/* POST /invitations or /users; a user made by an earlier run whose answer
 * was lost is found again by find_user() first. */
static enum es_status make_user(struct ctx *c, const char *upn, char *id,
                                size_t size)
{
	const struct es_json_api *j = c->h->json;
	int invite = !az_cfg_is(c, "user_mode", "create");
	es_json *body = j->new_object(), *pw = j->new_object();
	char intent[320], secret[160], placeholder[200], nick[65];
	const char *got;
	struct reply r;
	enum es_status st = ES_FAILED;

	snprintf(secret, sizeof(secret), "password_%s", upn);
	for (char *p = secret; *p; p++)
		*p = isalnum((unsigned char)*p)
		         ? (char)tolower((unsigned char)*p)
		         : '_';
	snprintf(placeholder, sizeof(placeholder), "{{secret:%s}}", secret);
	nickname(upn, nick, sizeof(nick));
	snprintf(intent, sizeof(intent), "%s %s",
	         invite ? "invite" : "create user", upn);
	if (!body || !pw) {
		/* fall through to the frees */
	} else if (invite) {
		j->set_string(body, "invitedUserEmailAddress", upn);
		j->set_string(body, "inviteRedirectUrl",
		              az_cfg(c, "invite_redirect_url"));
		j->set_bool(body, "sendInvitationMessage", 1);
		st = az_api(c, &r, GRAPH, "POST", body, intent,
		            "/v1.0/invitations");
	} else if (c->h->secret->generate(c->call, secret, 24) == 0) {
		j->set_bool(body, "accountEnabled", 1);
		j->set_string(body, "displayName", upn);
		j->set_string(body, "mailNickname", nick);
		j->set_string(body, "userPrincipalName", upn);
		j->set_bool(pw, "forceChangePasswordNextSignIn", 1);
		j->set_string(pw, "password", placeholder);
		j->add(body, "passwordProfile", pw);
		pw = NULL;
		st = az_api(c, &r, GRAPH, "POST", body, intent, "/v1.0/users");
	}
	j->free(pw);
	j->free(body);
	if (st != ES_OK)
		return st;
	got = j->get_string(r.json, invite ? "invitedUser.id" : "id");
	if (got && !r.exists)
		snprintf(id, size, "%s", got);
	az_reply_free(c, &r);
	return *id ? ES_OK : find_user(c, upn, id, size);
}

static enum es_status ensure_user(struct ctx *c, const char *upn)
{
	char id[80], key[400];
	const char *old;
	enum es_status st = find_user(c, upn, id, sizeof(id));

	if (st != ES_OK)
		return st;
	if (!*id &&
	    az_reported(c, &st, ES_CHANGE_CREATE, "user", upn,
	                az_cfg_is(c, "user_mode", "create") ? "member"
	                                                    : "invitation"))
		return st;
	if (!*id && (st = make_user(c, upn, id, sizeof(id))) != ES_OK)
		return st;
	if (!*id) {
		c->h->diag->error(c->call, NULL, "Graph did not return %s",
		                  upn);
		return ES_RETRY;
	}
	if (c->phase == ES_PHASE_PLAN)
		return ES_OK;
	principal_key(key, sizeof(key), upn);
	old = c->h->state->get(c->call, key);
	if ((!old || strcmp(old, id) != 0) &&
	    c->h->state->put(c->call, key, id))
		return ES_FAILED;
	return ES_OK;
}

/* Calls fn for each admin, then each user not already an admin. */
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

static enum es_status ensure_user_cb(struct ctx *c, const char *upn,
                                     const char *role_key)
{
	(void)role_key;
	return ensure_user(c, upn);
}

enum es_status az_users(struct ctx *c)
{
	return each_person(c, ensure_user_cb, 1);
}

/* ---- role_assignments --------------------------------------------------- */

/* "subscriptions/S" or "subscriptions/S/resourceGroups/RG" (no leading
 * '/', as the spec's {scope} parameter). */
static int role_scope(struct ctx *c, char *out, size_t size)
{
	char *rg = az_esc(c, c->rg);
	int n;

	if (!rg)
		return -1;
	if (az_cfg_is(c, "role_scope", "subscription"))
		n = snprintf(out, size, "subscriptions/%s", c->sub);
	else
		n = snprintf(out, size, "subscriptions/%s/resourceGroups/%s",
		             c->sub, rg);
	c->h->mem_free(rg);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The role definition exists in the subscription (a typo in admin_role
 * would otherwise show only as a failed PUT). */
static enum es_status check_role(struct ctx *c, const char *role_key)
{
	const char *role = az_cfg(c, role_key);
	struct reply r;
	enum es_status st;

	st = az_api(c, &r, ARM, "GET", NULL, NULL,
	            "/subscriptions/%s/providers/Microsoft.Authorization/"
	            "roleDefinitions/%s?api-version=" AUTHORIZATION_API,
	            c->sub, role);
	if (st == ES_OK && r.absent) {
		c->h->diag->error(c->call, role_key,
		                  "role definition %s does not exist", role);
		st = ES_INVALID_CONFIG;
	}
	az_reply_free(c, &r);
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

static enum es_status put_assignment(struct ctx *c, const char *scope,
                                     const char *principal, const char *role,
                                     const char *upn)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object(), *props = j->new_object();
	char name[AZURE_UUID_LEN + 1], def[256], intent[400];
	struct reply r;
	enum es_status st = ES_FAILED;

	if (azure_role_assignment_name(scope, principal, role, name) == 0 &&
	    body && props) {
		snprintf(def, sizeof(def),
		         "/subscriptions/%s/providers/Microsoft.Authorization/"
		         "roleDefinitions/%s",
		         c->sub, role);
		j->set_string(props, "roleDefinitionId", def);
		j->set_string(props, "principalId", principal);
		j->set_string(props, "principalType", "User");
		j->add(body, "properties", props);
		props = NULL;
		snprintf(intent, sizeof(intent), "assign role %s to %s", role,
		         upn);
		st = az_api(
		    c, &r, ARM, "PUT", body, intent,
		    "/%s/providers/Microsoft.Authorization/roleAssignments/"
		    "%s?api-version=" AUTHORIZATION_API,
		    scope, name);
		if (st == ES_OK)
			az_reply_free(c, &r); /* 409 RoleAssignmentExists too */
	}
	j->free(props);
	j->free(body);
	return st;
}

static enum es_status assign(struct ctx *c, const char *upn,
                             const char *role_key)
{
	const char *role = az_cfg(c, role_key), *kept;
	char key[400], principal[80], scope[400], detail[200];
	char *filter = NULL;
	struct reply r;
	enum es_status st;

	principal_key(key, sizeof(key), upn);
	kept = c->h->state->get(c->call, key);
	snprintf(detail, sizeof(detail), "%s %s", role_key, role ? role : "");
	if (!kept || !role)
		return az_reported(c, &st, ES_CHANGE_CREATE, "role_assignment",
		                   upn, detail)
		           ? st
		           : (c->h->diag->error(
		                  c->call, NULL,
		                  "%s has no object id: the users "
		                  "task has not made it",
		                  upn),
		              ES_FAILED);
	snprintf(principal, sizeof(principal), "%s", kept);
	if (role_scope(c, scope, sizeof(scope)) ||
	    !(filter = az_odata_eq(c, "principalId", principal)))
		return ES_FAILED;
	st = az_api(c, &r, ARM, "GET", NULL, NULL,
	            "/%s/providers/Microsoft.Authorization/roleAssignments"
	            "?api-version=" AUTHORIZATION_API "&$filter=%s",
	            scope, filter);
	c->h->mem_free(filter);
	if (st != ES_OK)
		return st;
	if (!has_role(c, c->h->json->get(r.json, "value"), role) &&
	    !az_reported(c, &st, ES_CHANGE_CREATE, "role_assignment", upn,
	                 detail))
		st = put_assignment(c, scope, principal, role, upn);
	az_reply_free(c, &r);
	return st;
}

enum es_status az_role_assignments(struct ctx *c)
{
	const struct es_config_api *conf = c->h->config;
	enum es_status st = ES_OK;

	if (conf->list_size(c->call, "admin_users") +
	        conf->list_size(c->call, "users") ==
	    0)
		return ES_OK;
	if (az_need_subscription(c, &st, "role_assignment",
	                         "admin_users, users"))
		return st;
	if (conf->list_size(c->call, "admin_users"))
		st = check_role(c, "admin_role");
	if (st == ES_OK && conf->list_size(c->call, "users"))
		st = check_role(c, "user_role");
	return st == ES_OK ? each_person(c, assign, 0) : st;
}
