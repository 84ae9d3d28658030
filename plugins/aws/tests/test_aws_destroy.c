/*
 * The aws plugin's teardown (ES_PHASE_PLAN_DESTROY, ES_PHASE_DESTROY)
 * against the mock host: the adopted account kept, ours closed with
 * CloseAccount, an IAM user's profile, membership and user deleted in
 * that order, and nothing sent for what the state never recorded.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

#include "../aws.c"
#include "../aws_account.c"
#include "../aws_api.c"
#include "../aws_iam.c"
#include "../aws_records.c"
#include "../aws_session.c"
#include "../aws_xml.c"
#include "../aws_zone.c"

#define TGT "X-Amz-Target: AWSOrganizationsV20161128."

static const struct es_plugin_descriptor *desc;
static void *inst;

static void on(const char *match, long status, const char *body)
{
	mock_http_reply(match, status, body, NULL, MOCK_REPLY_ALWAYS);
}

/* How many requests hold `needle` in their text. */
static size_t sent_with(const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < mock_http_count(); i++)
		n += strstr(mock_http_sent(i)->text, needle) != NULL;
	return n;
}

/* The index of the first request holding `needle` (count if none). */
static size_t first(const char *needle)
{
	for (size_t i = 0; i < mock_http_count(); i++)
		if (strstr(mock_http_sent(i)->text, needle))
			return i;
	return mock_http_count();
}

static void setup(void)
{
	mock_host_reset();
	mock_http_fallback(599, "no rule");
	mock_config_string("account_mode", "create");
	mock_config_string("account_name", "acme-uat");
	mock_config_string("role_name", "OrganizationAccountAccessRole");
	mock_config_string("admin_group", "admins");
	mock_config_string("user_group", "users");
	mock_config_string("region", "us-east-1");
	mock_config_string("organizations_url",
	                   "http://127.0.0.1:9/aws/organizations");
	mock_config_string("sts_url", "http://127.0.0.1:9/aws/sts/");
	mock_config_string("iam_url", "http://127.0.0.1:9/aws/iam");
	mock_config_list("admin_users", "alice", NULL);
	desc = envsetup_plugin_entry(ES_ABI_MAJOR, ES_ABI_MINOR);
	ck_assert_int_eq(
	    desc->ops->create(mock_ctx(ES_PHASE_PLAN, NULL), &inst), ES_OK);
}

static void teardown(void)
{
	desc->ops->destroy_instance(inst);
	mock_host_reset();
}

static enum es_status run(const char *task, enum es_phase phase)
{
	return mock_run_task(desc, task, phase, inst);
}

START_TEST(adopted_account_is_kept_without_a_request)
{
	mock_config_string("account_mode", "adopt");
	mock_config_string("account_id", "123456789012");

	ck_assert_int_eq(run("create_account", ES_PHASE_PLAN_DESTROY),
	                 ES_UNSUPPORTED);
	ck_assert_int_eq(run("create_account", ES_PHASE_DESTROY),
	                 ES_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "adopted"));
	ck_assert_uint_eq(mock_http_count(), 0);
}
END_TEST

START_TEST(account_never_recorded_sends_nothing)
{
	ck_assert_int_eq(run("create_account", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 0);
}
END_TEST

START_TEST(our_account_is_closed_with_close_account)
{
	mock_state_set("account_id", "200000000000");
	on(TGT "DescribeAccount", 200,
	   "{\"Account\": {\"Id\": \"200000000000\", \"Email\": "
	   "\"aws+uat@acme.example\", \"Status\": \"ACTIVE\"}}");
	on(TGT "CloseAccount", 200, "{}");

	ck_assert_int_eq(run("create_account", ES_PHASE_PLAN_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_DELETE);
	ck_assert_uint_eq(sent_with("CloseAccount"), 0);

	ck_assert_int_eq(run("create_account", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(sent_with(TGT "CloseAccount"), 1);
	ck_assert_ptr_nonnull(
	    strstr(mock_http_sent(first(TGT "CloseAccount"))->text,
	           "\"AccountId\":\"200000000000\""));
	ck_assert_uint_eq(sent_with(TGT "ListAccounts"), 0);
	ck_assert(mock_http_sent(first(TGT "CloseAccount"))->mutating);
	ck_assert_ptr_null(mock_state("account_id"));
}
END_TEST

START_TEST(account_already_gone_is_forgotten_without_close_account)
{
	mock_state_set("account_id", "200000000000");
	on(TGT "DescribeAccount", 400,
	   "{\"__type\": \"AccountNotFoundException\", \"Message\": "
	   "\"You specified an account that doesn't exist.\"}");

	ck_assert_int_eq(run("create_account", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(sent_with("CloseAccount"), 0);
	ck_assert_ptr_null(mock_state("account_id"));
}
END_TEST

START_TEST(user_loses_profile_and_group_before_it_is_deleted)
{
	mock_state_set("account_id", "200000000000");
	on("Action=AssumeRole", 200,
	   "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>"
	   "ASIA1</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
	   "<SessionToken>t</SessionToken><Expiration>2030-01-01T00:00:00Z"
	   "</Expiration></Credentials></AssumeRoleResult>"
	   "</AssumeRoleResponse>");
	on("Action=GetGroup", 200,
	   "<GetGroupResponse><GetGroupResult><Group><GroupName>admins"
	   "</GroupName></Group><Users><member><UserName>alice</UserName>"
	   "</member></Users><IsTruncated>false</IsTruncated>"
	   "</GetGroupResult></GetGroupResponse>");
	on("Action=GetUser", 200,
	   "<GetUserResponse><GetUserResult><User><UserName>alice</UserName>"
	   "</User></GetUserResult></GetUserResponse>");
	on("Action=GetLoginProfile", 200,
	   "<GetLoginProfileResponse><GetLoginProfileResult><LoginProfile>"
	   "<UserName>alice</UserName></LoginProfile></GetLoginProfileResult>"
	   "</GetLoginProfileResponse>");
	on("Action=DeleteLoginProfile", 200,
	   "<DeleteLoginProfileResponse><ResponseMetadata/></"
	   "DeleteLoginProfileResponse>");
	on("Action=RemoveUserFromGroup", 200,
	   "<RemoveUserFromGroupResponse><ResponseMetadata/></"
	   "RemoveUserFromGroupResponse>");
	on("Action=DeleteUser", 200,
	   "<DeleteUserResponse><ResponseMetadata/></DeleteUserResponse>");
	mock_state_set(ES_CLAIM_PREFIX "iam_user.alice", "alice"); /* made */

	ck_assert_int_eq(run("iam_users", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(sent_with("Action=DeleteUser"), 1);
	ck_assert_ptr_null(mock_state(ES_CLAIM_PREFIX "iam_user.alice"));
	ck_assert_uint_lt(first("Action=DeleteLoginProfile"),
	                  first("Action=DeleteUser"));
	ck_assert_uint_lt(first("Action=RemoveUserFromGroup"),
	                  first("Action=DeleteUser"));
}
END_TEST

/* The same user, never claimed: the account had it before envsetup. */
START_TEST(user_the_account_had_is_kept)
{
	mock_state_set("account_id", "123456789012");
	on("Action=AssumeRole", 200,
	   "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>"
	   "ASIA1</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
	   "<SessionToken>t</SessionToken><Expiration>2030-01-01T00:00:00Z"
	   "</Expiration></Credentials></AssumeRoleResult>"
	   "</AssumeRoleResponse>");
	on("Action=GetGroup", 200,
	   "<GetGroupResponse><GetGroupResult><Group><GroupName>admins"
	   "</GroupName></Group><Users><member><UserName>alice</UserName>"
	   "</member></Users><IsTruncated>false</IsTruncated>"
	   "</GetGroupResult></GetGroupResponse>");
	on("Action=GetUser", 200,
	   "<GetUserResponse><GetUserResult><User><UserName>alice</UserName>"
	   "</User></GetUserResult></GetUserResponse>");

	ck_assert_int_eq(run("iam_users", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(sent_with("Action=DeleteUser"), 0);
	ck_assert_uint_eq(sent_with("Action=DeleteLoginProfile"), 0);
}
END_TEST

START_TEST(no_account_means_no_iam_or_dns_to_remove)
{
	ck_assert_int_eq(run("iam_users", ES_PHASE_DESTROY), ES_OK);
	ck_assert_int_eq(run("iam_groups", ES_PHASE_DESTROY), ES_OK);
	mock_config_string("hosted_zone", "acme.example");
	ck_assert_int_eq(run("hosted_zone", ES_PHASE_DESTROY), ES_OK);
	ck_assert_int_eq(run("assume_role", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("aws_destroy");
	TCase *tc = tcase_create("destroy");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, adopted_account_is_kept_without_a_request);
	tcase_add_test(tc, account_never_recorded_sends_nothing);
	tcase_add_test(tc, our_account_is_closed_with_close_account);
	tcase_add_test(tc,
	               account_already_gone_is_forgotten_without_close_account);
	tcase_add_test(tc, user_loses_profile_and_group_before_it_is_deleted);
	tcase_add_test(tc, user_the_account_had_is_kept);
	tcase_add_test(tc, no_account_means_no_iam_or_dns_to_remove);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
