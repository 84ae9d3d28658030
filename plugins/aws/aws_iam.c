/*
 * iam_groups, iam_users: IAM inside the member account. An admin group
 * and a user group with their managed policies, and one user per
 * configured name with a console password (generated once by the core,
 * sent as {{secret:password_<user>}}, reset required at first sign-in) in
 * the matching group.
 *
 * Every create is preceded by its look-up (GetGroup's policies, GetUser,
 * GetLoginProfile), and EntityAlreadyExists, the answer to a create whose
 * first answer was lost, counts as done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"

struct group {
	const char *name_key, *policies_key, *users_key;
};

static const struct group groups[] = {
    {"admin_group", "admin_policy_arns", "admin_users"},
    {"user_group", "user_policy_arns", "users"},
};

#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

/* The name of a claim on IAM `kind` `name`: "iam_user.alice". */
static int claim_name(char *out, size_t size, const char *kind,
                      const char *name)
{
	return (size_t)snprintf(out, size, "%s.%s", kind, name) >= size;
}

/* ---- requests ------------------------------------------------------- */

/* GetUser or GetLoginProfile of `user`: 1 found, 0 absent, -1 with *st. */
static int user_has(struct aws_client *iam, const char *action,
                    const char *user, enum es_status *st)
{
	const struct es_http_header param = {"UserName", user};
	struct es_reply r;
	int found;

	*st = aws_query(iam, &r, action, &param, 1, NULL);
	found = *st != ES_OK ? -1 : r.outcome != ES_ABSENT;
	es_reply_free(&r);
	return found;
}

/* A write; EntityAlreadyExists (ES_CONFLICT) is success here. */
static enum es_status iam_write(struct aws_client *iam, const char *action,
                                const struct es_http_header *params, size_t n,
                                const char *name)
{
	char intent[192];
	struct es_reply r;
	enum es_status st;

	snprintf(intent, sizeof(intent), "%s %s", action, name);
	st = aws_query(iam, &r, action, params, n, intent);
	es_reply_free(&r);
	return st;
}

/* Append each <member><field> under `items` of `result` to *list as
 * "name\n" (the list starts with "\n", for listed()). */
static int collect(xmlNodePtr items, const char *field, char **list)
{
	for (xmlNodePtr m = aws_xml_child(items, "member"); m;
	     m = aws_xml_next(m, "member")) {
		char *v = aws_xml_get(m, field);
		size_t have = strlen(*list), add = v ? strlen(v) : 0;
		char *grown = v ? realloc(*list, have + add + 2) : NULL;

		if (!grown) {
			free(v);
			return -1;
		}
		memcpy(grown + have, v, add);
		grown[have + add] = '\n';
		grown[have + add + 1] = '\0';
		*list = grown;
		free(v);
	}
	return 0;
}

static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = strstr(list, name); n && p;
	     p = strstr(p + 1, name))
		if (p[-1] == '\n' && p[n] == '\n')
			return 1;
	return 0;
}

/*
 * GetGroup (members) or ListAttachedGroupPolicies (ARNs) of `group`, all
 * pages, as a list for listed(): 1 with *out, 0 when the group is absent
 * (*out empty), -1 with *st.
 */
static int group_list(struct aws_client *iam, const char *group, int policies,
                      char **out, enum es_status *st)
{
	const struct es_ctx *x = iam->api.ctx;
	const char *action =
	    policies ? "ListAttachedGroupPolicies" : "GetGroup";
	const char *result =
	    policies ? "ListAttachedGroupPoliciesResult" : "GetGroupResult";
	struct es_pages pg = {.style = ES_PAGE_TOKEN, .max_pages = 100};
	int found = 1;

	*out = strdup("\n");
	*st = *out ? ES_OK : ES_FAILED;
	while (*st == ES_OK && found && es_pages_more(&pg)) {
		struct es_http_header params[] = {{"GroupName", group},
		                                  {"Marker", NULL}};
		xmlNodePtr res = NULL, items = NULL;
		xmlDocPtr doc = NULL;
		struct es_reply r;
		char *more = NULL;

		if (es_pages_take(x, &pg, action, &params[1].value)) {
			*st = ES_FAILED;
			break;
		}
		*st = aws_query(iam, &r, action, params,
		                params[1].value ? 2 : 1, NULL);
		if (*st == ES_OK && r.outcome == ES_FOUND) {
			doc = aws_xml_reply(&r);
			res = aws_xml_child(xmlDocGetRootElement(doc), result);
			items = aws_xml_child(res, policies ? "AttachedPolicies"
			                                    : "Users");
		}
		if (*st == ES_OK && r.outcome == ES_ABSENT)
			found = 0;
		else if (*st == ES_OK && !items)
			*st = aws_unreadable(iam, result);
		else if (*st == ES_OK &&
		         collect(items, policies ? "PolicyArn" : "UserName",
		                 out))
			*st = ES_FAILED;
		if (*st == ES_OK && found &&
		    (more = aws_xml_get(res, "IsTruncated")) &&
		    strcmp(more, "true") == 0) {
			char *marker = aws_xml_get(res, "Marker");

			es_pages_next(&pg, marker);
			free(marker);
		} else {
			es_pages_next(&pg, NULL);
		}
		free(more);
		xmlFreeDoc(doc);
		es_reply_free(&r);
	}
	if (*st != ES_OK) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return found;
}

/* A delete; NoSuchEntity (gone already, a lost answer) is success. */
static enum es_status iam_delete(struct aws_client *iam, const char *action,
                                 const struct es_http_header *params, size_t n,
                                 const char *name)
{
	enum es_status st = iam_write(iam, action, params, n, name);

	return st != ES_OK && strcmp(iam->code, "NoSuchEntity") == 0 ? ES_OK
	                                                             : st;
}

/* ---- iam_groups ----------------------------------------------------- */

static enum es_status one_group(struct aws_client *iam, const struct group *g)
{
	const struct es_ctx *x = iam->api.ctx;
	const struct es_config_api *conf = x->host->config;
	const char *name = aws_cfg(x, g->name_key);
	const struct es_http_header create = {"GroupName", name};
	char *attached = NULL, key[200];
	enum es_status st;
	int found = group_list(iam, name, 1, &attached, &st);

	if (found < 0)
		return st;
	/* In plan, the group's creation stands for its policies too. */
	if (!found && es_reported(x, &st, ES_CHANGE_CREATE, "iam_group", name,
	                          "the group"))
		goto out;
	/* Claimed before it is asked for: teardown deletes only what
	 * envsetup made, never a group the account had. */
	if (!found && (claim_name(key, sizeof(key), "iam_group", name) ||
	               es_claim(x, key, name))) {
		st = ES_FAILED;
		goto out;
	}
	if (!found && (st = iam_write(iam, "CreateGroup", &create, 1, name)))
		goto out;
	for (size_t i = 0; i < conf->list_size(x->call, g->policies_key); i++) {
		const char *arn = conf->list_item(x->call, g->policies_key, i);
		const struct es_http_header attach[] = {{"GroupName", name},
		                                        {"PolicyArn", arn}};

		if (listed(attached, arn))
			continue;
		if (es_reported(x, &st, ES_CHANGE_UPDATE, "iam_group", name,
		                arn)) {
			if (st != ES_OK)
				break;
			continue;
		}
		if ((st = iam_write(iam, "AttachGroupPolicy", attach, 2, name)))
			break;
	}
out:
	free(attached);
	return st;
}

/* Plan for an account that does not exist yet: everything is new. */
static enum es_status plan_new_iam(const struct es_ctx *x, int users)
{
	const struct es_config_api *conf = x->host->config;
	enum es_status st = ES_OK;

	for (size_t g = 0; g < N_GROUPS; g++) {
		const char *group = aws_cfg(x, groups[g].name_key);
		const char *key = groups[g].users_key;

		if (!users)
			es_reported(x, &st, ES_CHANGE_CREATE, "iam_group",
			            group, "in the new account");
		for (size_t i = 0; users && i < conf->list_size(x->call, key);
		     i++)
			es_reported(x, &st, ES_CHANGE_CREATE, "iam_user",
			            conf->list_item(x->call, key, i), group);
	}
	return st;
}

/* Teardown: detach the configured policies, then delete the group (its
 * users went with the iam_users task). */
static enum es_status remove_group(struct aws_client *iam,
                                   const struct group *g)
{
	const struct es_ctx *x = iam->api.ctx;
	const struct es_config_api *conf = x->host->config;
	const char *name = aws_cfg(x, g->name_key);
	const struct es_http_header del = {"GroupName", name};
	char *attached = NULL, key[200];
	enum es_status st;
	int found = group_list(iam, name, 1, &attached, &st);

	if (found > 0 && (claim_name(key, sizeof(key), "iam_group", name) ||
	                  !es_claimed(x, key))) {
		x->host->log->log(
		    x->call, ES_LOG_INFO,
		    "IAM group %s was there before envsetup: kept", name);
		goto out;
	}
	if (found <= 0 ||
	    es_reported(x, &st, ES_CHANGE_DELETE, "iam_group", name, NULL))
		goto out;
	for (size_t i = 0; i < conf->list_size(x->call, g->policies_key); i++) {
		const char *arn = conf->list_item(x->call, g->policies_key, i);
		const struct es_http_header detach[] = {{"GroupName", name},
		                                        {"PolicyArn", arn}};

		if (listed(attached, arn) &&
		    (st =
		         iam_delete(iam, "DetachGroupPolicy", detach, 2, name)))
			goto out;
	}
	st = iam_delete(iam, "DeleteGroup", &del, 1, name);
	if (st == ES_OK && es_unclaim(x, key, NULL))
		st = ES_FAILED;
out:
	free(attached);
	return st;
}

enum es_status aws_iam_groups(const struct es_ctx *x)
{
	struct aws_client iam;
	enum es_status st;

	if (x->phase == ES_PHASE_PLAN && !aws_account_id(x))
		return plan_new_iam(x, 0);
	if (x->phase >= ES_PHASE_PLAN_DESTROY && !aws_account_id(x))
		return ES_OK; /* no account: nothing was made in it */
	if ((st = aws_client(&iam, x, AWS_IAM)) != ES_OK)
		return st;
	for (size_t g = 0; st == ES_OK && g < N_GROUPS; g++)
		st = x->phase >= ES_PHASE_PLAN_DESTROY
		         ? remove_group(&iam, &groups[g])
		         : one_group(&iam, &groups[g]);
	return st;
}

/* ---- iam_users ------------------------------------------------------ */

/* The secret's name: "password_<user>" folded to [a-z0-9_]. */
static void password_name(const char *user, char *buf, size_t n)
{
	snprintf(buf, n, "password_%s", user);
	for (char *p = buf + strlen("password_"); *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
		else if (!((*p >= 'a' && *p <= 'z') ||
		           (*p >= '0' && *p <= '9')))
			*p = '_';
	}
}

static enum es_status login_profile(struct aws_client *iam, const char *user)
{
	const struct es_ctx *x = iam->api.ctx;
	char secret[96], ref[112];
	const struct es_http_header create[] = {
	    {"UserName", user},
	    {"Password", ref},
	    {"PasswordResetRequired", "true"}};
	enum es_status st;
	int found = user_has(iam, "GetLoginProfile", user, &st);

	if (found)
		return found < 0 ? st : ES_OK;
	if (es_reported(x, &st, ES_CHANGE_CREATE, "login_profile", user,
	                "console password"))
		return st;
	password_name(user, secret, sizeof(secret));
	snprintf(ref, sizeof(ref), "{{secret:%s}}", secret);
	if (x->host->secret->generate(x->call, secret, 20) != 0) {
		x->host->diag->error(x->call, NULL,
		                     "could not make a password for %s", user);
		return ES_FAILED;
	}
	return iam_write(iam, "CreateLoginProfile", create, 3, user);
}

static enum es_status one_user(struct aws_client *iam, const char *user,
                               const char *group, const char *members)
{
	const struct es_ctx *x = iam->api.ctx;
	const struct es_http_header create = {"UserName", user};
	const struct es_http_header add[] = {{"GroupName", group},
	                                     {"UserName", user}};
	enum es_status st;
	int found = user_has(iam, "GetUser", user, &st);
	char key[200];

	if (found < 0)
		return st;
	/* In plan, the user's creation stands for its profile and group. */
	if (!found &&
	    es_reported(x, &st, ES_CHANGE_CREATE, "iam_user", user, group))
		return st;
	if (!found && (claim_name(key, sizeof(key), "iam_user", user) ||
	               es_claim(x, key, user)))
		return ES_FAILED;
	if (!found && (st = iam_write(iam, "CreateUser", &create, 1, user)))
		return st;
	if ((st = login_profile(iam, user)) || listed(members, user))
		return st;
	if (es_reported(x, &st, ES_CHANGE_UPDATE, "iam_user", user,
	                "group membership"))
		return st;
	return iam_write(iam, "AddUserToGroup", add, 2, user);
}

/* Teardown: the console password, the group membership, the user. */
static enum es_status remove_user(struct aws_client *iam, const char *user,
                                  const char *group, const char *members)
{
	const struct es_ctx *x = iam->api.ctx;
	const struct es_http_header del = {"UserName", user};
	const struct es_http_header leave[] = {{"GroupName", group},
	                                       {"UserName", user}};
	enum es_status st;
	int found = user_has(iam, "GetUser", user, &st);
	char key[200];

	if (found <= 0)
		return found < 0 ? st : ES_OK;
	if (claim_name(key, sizeof(key), "iam_user", user) ||
	    !es_claimed(x, key)) {
		x->host->log->log(x->call, ES_LOG_INFO,
		                  "IAM user %s was there before envsetup: kept",
		                  user);
		return ES_OK;
	}
	if (es_reported(x, &st, ES_CHANGE_DELETE, "iam_user", user, group))
		return st;
	found = user_has(iam, "GetLoginProfile", user, &st);
	if (found < 0 || (found && (st = iam_delete(iam, "DeleteLoginProfile",
	                                            &del, 1, user))))
		return st;
	if (listed(members, user) &&
	    (st = iam_delete(iam, "RemoveUserFromGroup", leave, 2, user)))
		return st;
	st = iam_delete(iam, "DeleteUser", &del, 1, user);
	return st == ES_OK && es_unclaim(x, key, NULL) ? ES_FAILED : st;
}

enum es_status aws_iam_users(const struct es_ctx *x)
{
	const struct es_config_api *conf = x->host->config;
	struct aws_client iam;
	enum es_status st;

	if (x->phase == ES_PHASE_PLAN && !aws_account_id(x))
		return plan_new_iam(x, 1);
	if (x->phase >= ES_PHASE_PLAN_DESTROY && !aws_account_id(x))
		return ES_OK; /* no account: nothing was made in it */
	if ((st = aws_client(&iam, x, AWS_IAM)) != ES_OK)
		return st;
	for (size_t g = 0; st == ES_OK && g < N_GROUPS; g++) {
		const char *group = aws_cfg(x, groups[g].name_key);
		const char *key = groups[g].users_key;
		char *members;

		if (group_list(&iam, group, 0, &members, &st) < 0)
			return st;
		for (size_t i = 0;
		     st == ES_OK && i < conf->list_size(x->call, key); i++)
			st = x->phase >= ES_PHASE_PLAN_DESTROY
			         ? remove_user(&iam,
			                       conf->list_item(x->call, key, i),
			                       group, members)
			         : one_user(&iam,
			                    conf->list_item(x->call, key, i),
			                    group, members);
		free(members);
	}
	return st;
}
