/*
 * Fake IAM (query protocol, Version 2010-05-08), acting in the account of
 * whoever signed: groups with attached managed policies, users, login
 * profiles (only that one exists, never the password) and membership.
 * Resource ids are "<account>/<name>". See fake_aws.c for the rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_aws.h"

#define NS FA_IAM_NS

static int name_ok(const char *s, size_t max)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > max)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                 "0123456789_+=,.@-") == n;
}

static cJSON *find(const struct fa_caller *who, const char *kind,
                   const char *name, char *id, size_t n)
{
	snprintf(id, n, "%s/%s", who->account, name);
	return sb_resource_find("aws", kind, id);
}

/* A required, valid name parameter; answers and returns NULL if not. */
static const char *param_name(const struct sb_request *r,
                              struct sb_response *resp, const char *param,
                              size_t max)
{
	const char *v = sb_form(r, param, 0);

	if (v == NULL) {
		fa_xml_error(resp, 400, NS, "MissingParameter",
		             "The request must contain the parameter %s",
		             param);
		return NULL;
	}
	if (!name_ok(v, max)) {
		fa_xml_error(resp, 400, NS, "ValidationError",
		             "1 validation error detected: Value at '%s' "
		             "failed to satisfy constraint",
		             param);
		return NULL;
	}
	return v;
}

static void no_such(struct sb_response *resp, const char *what,
                    const char *name)
{
	fa_xml_error(resp, 404, NS, "NoSuchEntity",
	             "The %s with name %s cannot be found.", what, name);
}

/* <Group> or <User> body. */
static void entity_xml(char *buf, size_t n, const char *tag, cJSON *a)
{
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(a, "Name"));
	char esc[256];

	snprintf(buf, n,
	         "<%s><Path>/</Path><%sName>%s</%sName><%sId>%s</%sId>"
	         "<Arn>%s</Arn><CreateDate>%s</CreateDate></%s>",
	         tag, tag, fa_esc(name, esc, sizeof(esc)), tag, tag,
	         cJSON_GetStringValue(cJSON_GetObjectItem(a, "Id")), tag,
	         cJSON_GetStringValue(cJSON_GetObjectItem(a, "Arn")),
	         cJSON_GetStringValue(cJSON_GetObjectItem(a, "Created")), tag);
}

static void create_entity(const struct sb_request *r,
                          const struct fa_caller *who, struct sb_response *resp,
                          int group)
{
	const char *kind = group ? "iam_group" : "iam_user";
	const char *name = param_name(r, resp, group ? "GroupName" : "UserName",
	                              group ? 128 : 64);
	static unsigned counter;
	char id[256], uid[32], arn[300], when[40], body[1200];
	cJSON *a;

	if (name == NULL)
		return;
	if (find(who, kind, name, id, sizeof(id)) != NULL) {
		fa_xml_error(resp, 409, NS, "EntityAlreadyExists",
		             "%s with name %s already exists.",
		             group ? "Group" : "User", name);
		return;
	}
	snprintf(uid, sizeof(uid), "%sSBX%013u", group ? "AGPA" : "AIDA",
	         ++counter);
	snprintf(arn, sizeof(arn), "arn:aws:iam::%s:%s/%s", who->account,
	         group ? "group" : "user", name);
	fa_iso_time(time(NULL), when, sizeof(when));
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "account", who->account);
	cJSON_AddStringToObject(a, "Name", name);
	cJSON_AddStringToObject(a, "Id", uid);
	cJSON_AddStringToObject(a, "Arn", arn);
	cJSON_AddStringToObject(a, "Created", when);
	if (group) {
		cJSON_AddItemToObject(a, "policies", cJSON_CreateArray());
		cJSON_AddItemToObject(a, "members", cJSON_CreateArray());
	}
	a = sb_resource_add("aws", kind, id, a);
	entity_xml(body, sizeof(body), group ? "Group" : "User", a);
	fa_query_reply(resp, NS, group ? "CreateGroup" : "CreateUser", body);
}

static void get_user(const struct sb_request *r, const struct fa_caller *who,
                     struct sb_response *resp)
{
	const char *name = param_name(r, resp, "UserName", 128);
	char id[256], body[1200];
	cJSON *u;

	if (name == NULL)
		return;
	u = find(who, "iam_user", name, id, sizeof(id));
	if (u == NULL) {
		no_such(resp, "user", name);
		return;
	}
	entity_xml(body, sizeof(body), "User", u);
	fa_query_reply(resp, NS, "GetUser", body);
}

static int in_array(cJSON *arr, const char *v)
{
	cJSON *it;

	cJSON_ArrayForEach(it,
	                   arr) if (cJSON_IsString(it) &&
	                            strcmp(it->valuestring, v) == 0) return 1;
	return 0;
}

/* GetGroup (members) or ListAttachedGroupPolicies, in one page. */
static void group_read(const struct sb_request *r, const struct fa_caller *who,
                       struct sb_response *resp, int policies)
{
	const char *name = param_name(r, resp, "GroupName", 128);
	char id[256], head[1200], esc[300];
	char *list = NULL;
	size_t len = 0;
	FILE *f;
	cJSON *g, *it;

	if (name == NULL)
		return;
	g = find(who, "iam_group", name, id, sizeof(id));
	if (g == NULL) {
		no_such(resp, "group", name);
		return;
	}
	f = open_memstream(&list, &len);
	if (f == NULL) {
		fa_xml_error(resp, 500, NS, "ServiceFailure", "out of memory");
		return;
	}
	if (!policies) {
		entity_xml(head, sizeof(head), "Group", g);
		fprintf(f, "%s<Users>", head);
	} else {
		fputs("<AttachedPolicies>", f);
	}
	cJSON_ArrayForEach(
	    it, cJSON_GetObjectItem(g, policies ? "policies" : "members"))
	{
		char uid[256];
		cJSON *u;
		const char *v = it->valuestring;

		if (policies) {
			const char *slash = strrchr(v, '/');
			fprintf(f,
			        "<member><PolicyName>%s</PolicyName>"
			        "<PolicyArn>%s</PolicyArn></member>",
			        slash != NULL ? slash + 1 : v,
			        fa_esc(v, esc, sizeof(esc)));
		} else if ((u = find(who, "iam_user", v, uid, sizeof(uid)))) {
			fprintf(
			    f,
			    "<member><Path>/</Path><UserName>%s</UserName>"
			    "<UserId>%s</UserId><Arn>%s</Arn>"
			    "<CreateDate>%s</CreateDate></member>",
			    fa_esc(v, esc, sizeof(esc)),
			    cJSON_GetStringValue(cJSON_GetObjectItem(u, "Id")),
			    cJSON_GetStringValue(cJSON_GetObjectItem(u, "Arn")),
			    cJSON_GetStringValue(
			        cJSON_GetObjectItem(u, "Created")));
		}
	}
	fprintf(f, "</%s><IsTruncated>false</IsTruncated>",
	        policies ? "AttachedPolicies" : "Users");
	fclose(f);
	fa_query_reply(resp, NS,
	               policies ? "ListAttachedGroupPolicies" : "GetGroup",
	               list);
	free(list);
}

static void attach(const struct sb_request *r, const struct fa_caller *who,
                   struct sb_response *resp)
{
	const char *name = param_name(r, resp, "GroupName", 128);
	const char *arn = name != NULL ? sb_form(r, "PolicyArn", 0) : NULL;
	char id[256];
	cJSON *g;

	if (name == NULL)
		return;
	if (arn == NULL || strlen(arn) < 20 ||
	    strncmp(arn, "arn:aws:iam::", 13) != 0 ||
	    strstr(arn, ":policy/") == NULL) {
		fa_xml_error(resp, 400, NS, "InvalidInput",
		             "ARN %s is not valid.", arn != NULL ? arn : "");
		return;
	}
	g = find(who, "iam_group", name, id, sizeof(id));
	if (g == NULL) {
		no_such(resp, "group", name);
		return;
	}
	cJSON *pol = cJSON_GetObjectItem(g, "policies");
	if (!in_array(pol, arn))
		cJSON_AddItemToArray(pol, cJSON_CreateString(arn));
	fa_query_reply(resp, NS, "AttachGroupPolicy", "");
}

static void add_to_group(const struct sb_request *r,
                         const struct fa_caller *who, struct sb_response *resp)
{
	const char *group = param_name(r, resp, "GroupName", 128);
	const char *user =
	    group != NULL ? param_name(r, resp, "UserName", 128) : NULL;
	char id[256];
	cJSON *g;

	if (user == NULL)
		return;
	g = find(who, "iam_group", group, id, sizeof(id));
	if (g == NULL) {
		no_such(resp, "group", group);
		return;
	}
	if (find(who, "iam_user", user, id, sizeof(id)) == NULL) {
		no_such(resp, "user", user);
		return;
	}
	cJSON *members = cJSON_GetObjectItem(g, "members");
	if (!in_array(members, user))
		cJSON_AddItemToArray(members, cJSON_CreateString(user));
	fa_query_reply(resp, NS, "AddUserToGroup", "");
}

static void login_profile(const struct sb_request *r,
                          const struct fa_caller *who, struct sb_response *resp,
                          int create)
{
	const char *user = param_name(r, resp, "UserName", 64);
	const char *pw = user != NULL ? sb_form(r, "Password", 0) : NULL;
	const char *reset = sb_form(r, "PasswordResetRequired", 0);
	char id[256], body[512], when[40];
	cJSON *p;

	if (user == NULL)
		return;
	if (find(who, "iam_user", user, id, sizeof(id)) == NULL) {
		no_such(resp, "user", user);
		return;
	}
	p = sb_resource_find("aws", "login_profile", id);
	if (!create && p == NULL) {
		fa_xml_error(resp, 404, NS, "NoSuchEntity",
		             "Login Profile for User %s cannot be found.",
		             user);
		return;
	}
	if (create && p != NULL) {
		fa_xml_error(resp, 409, NS, "EntityAlreadyExists",
		             "Login Profile for user %s already exists.", user);
		return;
	}
	if (create && (pw == NULL || strlen(pw) < 8 || strlen(pw) > 128)) {
		fa_xml_error(resp, 400, NS, "PasswordPolicyViolation",
		             "Password should have a minimum length of 8");
		return;
	}
	if (create && reset != NULL && strcmp(reset, "true") != 0 &&
	    strcmp(reset, "false") != 0) {
		fa_xml_error(resp, 400, NS, "ValidationError",
		             "PasswordResetRequired must be true or false");
		return;
	}
	if (create) {
		cJSON *a = cJSON_CreateObject();
		fa_iso_time(time(NULL), when, sizeof(when));
		cJSON_AddStringToObject(a, "account", who->account);
		cJSON_AddStringToObject(a, "UserName", user);
		cJSON_AddStringToObject(a, "Created", when);
		cJSON_AddBoolToObject(a, "PasswordResetRequired",
		                      reset != NULL &&
		                          strcmp(reset, "true") == 0);
		p = sb_resource_add("aws", "login_profile", id, a);
	}
	snprintf(body, sizeof(body),
	         "<LoginProfile><UserName>%s</UserName><CreateDate>%s"
	         "</CreateDate><PasswordResetRequired>%s"
	         "</PasswordResetRequired></LoginProfile>",
	         user, cJSON_GetStringValue(cJSON_GetObjectItem(p, "Created")),
	         cJSON_IsTrue(cJSON_GetObjectItem(p, "PasswordResetRequired"))
	             ? "true"
	             : "false");
	fa_query_reply(resp, NS,
	               create ? "CreateLoginProfile" : "GetLoginProfile", body);
}

void fa_iam(const struct sb_request *r, const struct fa_caller *who,
            struct sb_response *resp)
{
	const char *action;

	if (strcmp(r->path, "/iam/") != 0 && strcmp(r->path, "/iam") != 0) {
		fa_xml_error(resp, 404, NS, "InvalidAction", "POST to /");
		return;
	}
	if (!fa_query_preamble(r, resp, NS, "2010-05-08"))
		return;
	action = sb_form(r, "Action", 0);
	if (strcmp(action, "CreateGroup") == 0)
		create_entity(r, who, resp, 1);
	else if (strcmp(action, "CreateUser") == 0)
		create_entity(r, who, resp, 0);
	else if (strcmp(action, "GetUser") == 0)
		get_user(r, who, resp);
	else if (strcmp(action, "GetGroup") == 0)
		group_read(r, who, resp, 0);
	else if (strcmp(action, "ListAttachedGroupPolicies") == 0)
		group_read(r, who, resp, 1);
	else if (strcmp(action, "AttachGroupPolicy") == 0)
		attach(r, who, resp);
	else if (strcmp(action, "AddUserToGroup") == 0)
		add_to_group(r, who, resp);
	else if (strcmp(action, "CreateLoginProfile") == 0)
		login_profile(r, who, resp, 1);
	else if (strcmp(action, "GetLoginProfile") == 0)
		login_profile(r, who, resp, 0);
	else if (!fa_iam_teardown(r, who, resp, action))
		fa_xml_error(resp, 400, NS, "InvalidAction",
		             "Could not find operation %s for version "
		             "2010-05-08",
		             action);
}
