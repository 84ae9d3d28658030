/*
 * IAM inside the member account: an admin group and a user group with
 * their managed policies, and one user per configured name with a console
 * password (generated once by the core, sent as {{secret:password_<user>}},
 * reset required at first sign-in) in the matching group.
 *
 * plan, apply and verify walk the same comparison; `mode` says whether a
 * difference is recorded, fixed, or reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "envsetup/phase.h"

#define IAM_MAX_PAGES 100

struct group {
	const char *name_key, *policies_key, *users_key;
};

static const struct group groups[] = {
    {"admin_group", "admin_policy_arns", "admin_users"},
    {"user_group", "user_policy_arns", "users"},
};

static int iam(es_call *call, struct aws *a, const char *action,
               const char *const *params, const char *intent,
               struct aws_reply *r)
{
	return aws_query_call(call, a, AWS_IAM, AWS_MEMBER, action, params,
	                      intent != NULL, intent, r);
}

/* A read that may say NoSuchEntity: 1 found (*doc set, may be NULL), 0
 * absent, -1 failed with *st. */
static int iam_get(es_call *call, struct aws *a, const char *action,
                   const char *const *params, xmlDocPtr *doc,
                   enum es_status *st)
{
	struct aws_reply r = {0};
	int found;

	if (doc != NULL)
		*doc = NULL;
	if (iam(call, a, action, params, NULL, &r) != 0 || !aws_ok(&r)) {
		found = aws_is(&r, "NoSuchEntity") ? 0 : -1;
		if (found < 0)
			*st = aws_fail(call, a, &r, action);
	} else {
		found = 1;
		if (doc != NULL)
			*doc = aws_xml_parse(r.body, r.len);
	}
	aws_reply_clear(&r);
	return found;
}

/* A write that may say EntityAlreadyExists (which is success here). */
static enum es_status iam_put(es_call *call, struct aws *a, const char *action,
                              const char *const *params, const char *what)
{
	struct aws_reply r = {0};
	char *intent = aws_strdupf("%s %s", action, what);
	enum es_status st = ES_OK;

	if (intent == NULL)
		return ES_FAILED;
	if (iam(call, a, action, params, intent, &r) != 0 || !aws_ok(&r))
		st = aws_is(&r, "EntityAlreadyExists")
		         ? ES_OK
		         : aws_fail(call, a, &r, action);
	aws_reply_clear(&r);
	free(intent);
	return st;
}

/* Names listed under `path` ("GetGroupResult/Users") -> member/<field>,
 * appended to *list as "\nname\n" entries for strstr look-ups. */
static int collect(xmlDocPtr doc, const char *path, const char *field,
                   char **list)
{
	xmlNodePtr m = aws_xml_child(
	    aws_xml_path(xmlDocGetRootElement(doc), path), "member");

	for (; m != NULL; m = aws_xml_next(m, "member")) {
		char *v = aws_xml_get(m, field);
		char *next = v != NULL ? aws_strdupf("%s%s\n", *list, v) : NULL;
		free(v);
		if (next == NULL)
			return -1;
		free(*list);
		*list = next;
	}
	return 0;
}

static int listed(const char *list, const char *name)
{
	char *needle = aws_strdupf("\n%s\n", name);
	int hit = needle != NULL && strstr(list, needle) != NULL;

	free(needle);
	return hit;
}

/*
 * GetGroup (members) or ListAttachedGroupPolicies (ARNs) of one group,
 * all pages, as a "\n"-separated list. 1 ok, 0 no such group, -1 *st.
 */
static int group_list(es_call *call, struct aws *a, const char *group,
                      int policies, char **out, enum es_status *st)
{
	const char *action =
	    policies ? "ListAttachedGroupPolicies" : "GetGroup";
	char *marker = NULL;
	int found = 1;

	*out = strdup("\n");
	for (int page = 0; *out != NULL && page < IAM_MAX_PAGES; page++) {
		const char *params[] = {"GroupName", group, "Marker", marker,
		                        NULL};
		xmlDocPtr doc;

		if (marker == NULL)
			params[2] = NULL;
		found = iam_get(call, a, action, params, &doc, st);
		free(marker);
		marker = NULL;
		if (found <= 0)
			break;
		xmlNodePtr res =
		    aws_xml_child(xmlDocGetRootElement(doc),
		                  policies ? "ListAttachedGroupPoliciesResult"
		                           : "GetGroupResult");
		char *more = aws_xml_get(res, "IsTruncated");
		if (collect(
		        doc,
		        policies
		            ? "ListAttachedGroupPoliciesResult/AttachedPolicies"
		            : "GetGroupResult/Users",
		        policies ? "PolicyArn" : "UserName", out) != 0)
			found = -1;
		if (more != NULL && strcmp(more, "true") == 0)
			marker = aws_xml_get(res, "Marker");
		free(more);
		xmlFreeDoc(doc);
		if (marker == NULL || found < 0)
			break;
	}
	free(marker);
	if (*out == NULL || found < 0) {
		if (found >= 0)
			*st = ES_FAILED;
		free(*out);
		*out = NULL;
		return -1;
	}
	return found;
}

/* Record, fix or report one difference (see envsetup/phase.h). */
static enum es_status differ(es_call *call, struct aws *a, enum es_phase mode,
                             enum es_change change, const char *kind,
                             const char *name, const char *detail)
{
	return es_phase_differs(a->host, call, mode, change, kind, name,
	                        detail);
}

static enum es_status one_group(es_call *call, struct aws *a,
                                enum es_phase mode, const struct group *g)
{
	const struct es_config_api *c = a->host->config;
	const char *name = c->get_string(call, g->name_key);
	enum es_status st = ES_OK, worst = ES_OK;
	char *attached = NULL;
	int r = group_list(call, a, name, 1, &attached, &st);

	if (r < 0)
		return st;
	if (r == 0) {
		const char *params[] = {"GroupName", name, NULL};
		worst = differ(call, a, mode, ES_CHANGE_CREATE, "iam_group",
		               name, "the group");
		if (mode == ES_PHASE_APPLY)
			worst = iam_put(call, a, "CreateGroup", params, name);
	}
	for (size_t i = 0;
	     worst == ES_OK && i < c->list_size(call, g->policies_key); i++) {
		const char *arn = c->list_item(call, g->policies_key, i);
		const char *params[] = {"GroupName", name, "PolicyArn", arn,
		                        NULL};
		if (listed(attached, arn))
			continue;
		if (mode == ES_PHASE_PLAN && r == 0)
			continue; /* the CREATE above covers it */
		st = differ(call, a, mode, ES_CHANGE_UPDATE, "iam_group", name,
		            arn);
		if (mode == ES_PHASE_APPLY)
			st =
			    iam_put(call, a, "AttachGroupPolicy", params, name);
		if (st != ES_OK)
			worst = st;
	}
	free(attached);
	return worst;
}

/* Plan for an account that does not exist yet: everything is new. */
static void plan_all_new(es_call *call, struct aws *a, int users)
{
	const struct es_config_api *c = a->host->config;

	for (size_t g = 0; g < 2; g++) {
		const char *group = c->get_string(call, groups[g].name_key);
		if (!users) {
			a->host->plan->change(call, ES_CHANGE_CREATE,
			                      "iam_group", group,
			                      "in the new account");
			continue;
		}
		for (size_t i = 0; i < c->list_size(call, groups[g].users_key);
		     i++)
			a->host->plan->change(
			    call, ES_CHANGE_CREATE, "iam_user",
			    c->list_item(call, groups[g].users_key, i), group);
	}
}

static enum es_status run_groups(es_call *call, struct aws *a, enum es_phase m)
{
	enum es_status st;

	if (m == ES_PHASE_PLAN && aws_account_id(call, a) == NULL) {
		plan_all_new(call, a, 0);
		return ES_OK;
	}
	st = aws_session(call, a);
	for (size_t g = 0; st == ES_OK && g < 2; g++)
		st = one_group(call, a, m, &groups[g]);
	return st;
}

enum es_status aws_groups_plan(es_call *call, struct aws *a)
{
	return run_groups(call, a, ES_PHASE_PLAN);
}

enum es_status aws_groups_apply(es_call *call, struct aws *a)
{
	return run_groups(call, a, ES_PHASE_APPLY);
}

enum es_status aws_groups_verify(es_call *call, struct aws *a)
{
	return run_groups(call, a, ES_PHASE_VERIFY);
}

/* ----------------------------------------------------------------- users */

/* "password_<user>" with the name folded to [a-z0-9_]. */
static char *password_name(const char *user)
{
	char *s = aws_strdupf("password_%s", user);

	for (char *p = s != NULL ? s + 9 : NULL; p != NULL && *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
		else if (!((*p >= 'a' && *p <= 'z') ||
		           (*p >= '0' && *p <= '9')))
			*p = '_';
	}
	return s;
}

static enum es_status login_profile(es_call *call, struct aws *a,
                                    enum es_phase m, const char *user)
{
	const char *params[] = {"UserName", user, NULL};
	enum es_status st = ES_OK;
	int r = iam_get(call, a, "GetLoginProfile", params, NULL, &st);

	if (r != 0)
		return r < 0 ? st : ES_OK;
	st = differ(call, a, m, ES_CHANGE_CREATE, "login_profile", user,
	            "console password");
	if (m != ES_PHASE_APPLY)
		return st;
	char *secret = password_name(user);
	char *ref =
	    secret != NULL ? aws_strdupf("{{secret:%s}}", secret) : NULL;
	if (ref == NULL || a->host->secret->generate(call, secret, 20) != 0) {
		a->host->diag->error(call, NULL,
		                     "could not make a password "
		                     "for %s",
		                     user);
		st = ES_FAILED;
	} else {
		const char *create[] = {
		    "UserName", user, "Password", ref, "PasswordResetRequired",
		    "true",     NULL};
		st = iam_put(call, a, "CreateLoginProfile", create, user);
	}
	free(secret);
	free(ref);
	return st;
}

static enum es_status one_user(es_call *call, struct aws *a, enum es_phase m,
                               const char *user, const char *group,
                               const char *members)
{
	const char *params[] = {"UserName", user, NULL};
	enum es_status st = ES_OK;
	int r = iam_get(call, a, "GetUser", params, NULL, &st);

	if (r < 0)
		return st;
	if (r == 0) {
		st = differ(call, a, m, ES_CHANGE_CREATE, "iam_user", user,
		            group);
		if (m == ES_PHASE_APPLY)
			st = iam_put(call, a, "CreateUser", params, user);
		if (m == ES_PHASE_PLAN || st != ES_OK)
			return st; /* CREATE covers the profile and group */
	}
	st = login_profile(call, a, m, user);
	if (st == ES_OK && !listed(members, user)) {
		const char *add[] = {"GroupName", group, "UserName", user,
		                     NULL};
		st = differ(call, a, m, ES_CHANGE_UPDATE, "iam_user", user,
		            "group membership");
		if (m == ES_PHASE_APPLY)
			st = iam_put(call, a, "AddUserToGroup", add, user);
	}
	return st;
}

static enum es_status run_users(es_call *call, struct aws *a, enum es_phase m)
{
	const struct es_config_api *c = a->host->config;
	enum es_status st;

	if (m == ES_PHASE_PLAN && aws_account_id(call, a) == NULL) {
		plan_all_new(call, a, 1);
		return ES_OK;
	}
	st = aws_session(call, a);
	for (size_t g = 0; st == ES_OK && g < 2; g++) {
		const char *group = c->get_string(call, groups[g].name_key);
		char *members = NULL;
		if (group_list(call, a, group, 0, &members, &st) < 0)
			return st;
		if (members == NULL)
			members = strdup("\n"); /* no group yet */
		if (members == NULL)
			return ES_FAILED;
		for (size_t i = 0;
		     st == ES_OK && i < c->list_size(call, groups[g].users_key);
		     i++)
			st =
			    one_user(call, a, m,
			             c->list_item(call, groups[g].users_key, i),
			             group, members);
		free(members);
	}
	return st;
}

enum es_status aws_users_plan(es_call *call, struct aws *a)
{
	return run_users(call, a, ES_PHASE_PLAN);
}

enum es_status aws_users_apply(es_call *call, struct aws *a)
{
	return run_users(call, a, ES_PHASE_APPLY);
}

enum es_status aws_users_verify(es_call *call, struct aws *a)
{
	return run_users(call, a, ES_PHASE_VERIFY);
}
