/*
 * AWS fake: the calls `envsetup destroy` makes, each as botocore's models
 * describe it (tests/conformance/aws_check.py checks them):
 *   Organizations  CloseAccount (the account and its creation request go)
 *   IAM            DeleteLoginProfile, RemoveUserFromGroup, DeleteUser,
 *                  DetachGroupPolicy, DeleteGroup (DeleteConflict while a
 *                  user has a profile or a group, or a group members or
 *                  policies, as IAM refuses)
 *   Route 53       DeleteHostedZone (HostedZoneNotEmpty while records
 *                  other than the zone's own remain; its changes go too)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_aws.h"

/* ---- Organizations ---------------------------------------------------- */

struct owned {
	const char *attr, *value;
	char ids[64][256];
	int n;
};

/* Ids of resources whose string attribute `attr` is `value`. */
static void collect(const char *id, cJSON *attrs, void *arg)
{
	struct owned *o = arg;
	const char *v =
	    cJSON_GetStringValue(cJSON_GetObjectItem(attrs, o->attr));

	if (v && strcmp(v, o->value) == 0 && o->n < 64)
		snprintf(o->ids[o->n++], sizeof(o->ids[0]), "%s", id);
}

static void delete_where(const char *kind, const char *attr, const char *value)
{
	struct owned *o = calloc(1, sizeof(*o));

	if (!o)
		return;
	o->attr = attr;
	o->value = value;
	sb_resource_each("aws", kind, collect, o);
	for (int i = 0; i < o->n; i++)
		sb_resource_delete("aws", kind, o->ids[i]);
	free(o);
}

int fa_org_teardown(const char *op, cJSON *in, struct sb_response *resp)
{
	const char *id =
	    cJSON_GetStringValue(cJSON_GetObjectItem(in, "AccountId"));
	cJSON *acct;

	if (strcmp(op, "CloseAccount") != 0)
		return 0;
	acct = id ? sb_resource_find("aws", "account", id) : NULL;
	if (!acct) {
		fa_json_error(resp, 400, "AccountNotFoundException",
		              "We can't find an AWS account with the AccountId "
		              "that you specified.");
		return 1;
	}
	if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(acct, "Status")),
	           "ACTIVE") != 0) {
		fa_json_error(resp, 400, "AccountAlreadyClosedException",
		              "You attempted to close an account that is "
		              "already closed.");
		return 1;
	}
	/* AWS keeps a closed account SUSPENDED for 90 days; the sandbox
	 * forgets it at once, so a test sees nothing left behind. */
	delete_where("create_account_status", "AccountId", id);
	sb_resource_delete("aws", "account", id);
	sb_reply_json(resp, 200, cJSON_CreateObject());
	return 1;
}

/* ---- IAM -------------------------------------------------------------- */

static int in_list(cJSON *arr, const char *v, int remove)
{
	int i = 0;
	cJSON *it;

	cJSON_ArrayForEach(it, arr)
	{
		if (cJSON_IsString(it) && strcmp(it->valuestring, v) == 0) {
			if (remove)
				cJSON_DeleteItemFromArray(arr, i);
			return 1;
		}
		i++;
	}
	return 0;
}

/* The resource of `kind` named by form field `param`, or a 404 (NULL). */
static cJSON *entity(const struct sb_request *r, const struct fa_caller *who,
                     struct sb_response *resp, const char *kind,
                     const char *param, char *id, size_t n)
{
	const char *name = sb_form(r, param, 0);
	cJSON *e;

	snprintf(id, n, "%s/%s", who->account, name ? name : "");
	e = name ? sb_resource_find("aws", kind, id) : NULL;
	if (!e)
		fa_xml_error(resp, 404, FA_IAM_NS, "NoSuchEntity",
		             "The %s with name %s cannot be found.", kind,
		             name ? name : "");
	return e;
}

/* 1 when user `name` is a member of a group of `account`. */
struct member_of {
	const char *account, *name;
	int found;
};

static void find_member(const char *id, cJSON *attrs, void *arg)
{
	struct member_of *m = arg;
	const char *acct =
	    cJSON_GetStringValue(cJSON_GetObjectItem(attrs, "account"));

	(void)id;
	if (acct && strcmp(acct, m->account) == 0 &&
	    in_list(cJSON_GetObjectItem(attrs, "members"), m->name, 0))
		m->found = 1;
}

static void conflict(struct sb_response *resp, const char *what)
{
	fa_xml_error(resp, 409, FA_IAM_NS, "DeleteConflict",
	             "Cannot delete entity, must %s first.", what);
}

int fa_iam_teardown(const struct sb_request *r, const struct fa_caller *who,
                    struct sb_response *resp, const char *action)
{
	char id[256], uid[256];
	const char *arn = sb_form(r, "PolicyArn", 0);
	const char *user = sb_form(r, "UserName", 0);
	cJSON *g, *u;

	if (strcmp(action, "DeleteLoginProfile") == 0) {
		if (!entity(r, who, resp, "iam_user", "UserName", id,
		            sizeof(id)))
			return 1;
		if (!sb_resource_delete("aws", "login_profile", id))
			fa_xml_error(resp, 404, FA_IAM_NS, "NoSuchEntity",
			             "Login Profile for User %s cannot be "
			             "found.",
			             user);
		else
			fa_query_reply(resp, FA_IAM_NS, action, "");
	} else if (strcmp(action, "RemoveUserFromGroup") == 0 ||
	           strcmp(action, "DetachGroupPolicy") == 0) {
		int policy = action[0] == 'D';

		if (!(g = entity(r, who, resp, "iam_group", "GroupName", id,
		                 sizeof(id))))
			return 1;
		if (!in_list(
		        cJSON_GetObjectItem(g, policy ? "policies" : "members"),
		        policy ? (arn ? arn : "") : (user ? user : ""), 1))
			fa_xml_error(resp, 404, FA_IAM_NS, "NoSuchEntity",
			             "%s is not in group %s",
			             policy ? arn : user, id);
		else
			fa_query_reply(resp, FA_IAM_NS, action, "");
	} else if (strcmp(action, "DeleteUser") == 0) {
		struct member_of m = {.account = who->account, .name = user};

		if (!(u = entity(r, who, resp, "iam_user", "UserName", uid,
		                 sizeof(uid))))
			return 1;
		sb_resource_each("aws", "iam_group", find_member, &m);
		if (sb_resource_find("aws", "login_profile", uid))
			conflict(resp, "delete login profile");
		else if (m.found)
			conflict(resp, "remove users from group");
		else if (sb_resource_delete("aws", "iam_user", uid))
			fa_query_reply(resp, FA_IAM_NS, action, "");
	} else if (strcmp(action, "DeleteGroup") == 0) {
		if (!(g = entity(r, who, resp, "iam_group", "GroupName", id,
		                 sizeof(id))))
			return 1;
		if (cJSON_GetArraySize(cJSON_GetObjectItem(g, "members")))
			conflict(resp, "remove users from group");
		else if (cJSON_GetArraySize(cJSON_GetObjectItem(g, "policies")))
			conflict(resp, "detach all policies");
		else if (sb_resource_delete("aws", "iam_group", id))
			fa_query_reply(resp, FA_IAM_NS, action, "");
	} else {
		return 0;
	}
	return 1;
}

/* ---- Route 53 --------------------------------------------------------- */

struct zone_records {
	const char *zone;
	int n;
};

static void count_records(const char *id, cJSON *attrs, void *arg)
{
	struct zone_records *z = arg;
	const char *zone =
	    cJSON_GetStringValue(cJSON_GetObjectItem(attrs, "zone"));

	(void)id;
	z->n += zone && strcmp(zone, z->zone) == 0;
}

void fa_route53_delete_zone(const char *id, int owned, struct sb_response *resp)
{
	struct zone_records z = {.zone = id};
	static unsigned counter;
	char when[40];

	if (!owned) {
		fa_xml_error(resp, 404, FA_R53_NS, "NoSuchHostedZone",
		             "No hosted zone found with ID: %s", id);
		return;
	}
	sb_resource_each("aws", "record", count_records, &z);
	if (z.n) {
		fa_xml_error(resp, 400, FA_R53_NS, "HostedZoneNotEmpty",
		             "The specified hosted zone contains non-required "
		             "resource record sets and so cannot be deleted.");
		return;
	}
	delete_where("change", "zone", id);
	sb_resource_delete("aws", "hosted_zone", id);
	fa_iso_time(time(NULL), when, sizeof(when));
	sb_reply(resp, 200, "text/xml",
	         "<?xml version=\"1.0\"?>\n<DeleteHostedZoneResponse "
	         "xmlns=\"%s\"><ChangeInfo><Id>/change/C0SBXDEL%07u</Id>"
	         "<Status>PENDING</Status><SubmittedAt>%s</SubmittedAt>"
	         "</ChangeInfo></DeleteHostedZoneResponse>",
	         FA_R53_NS, ++counter, when);
}
