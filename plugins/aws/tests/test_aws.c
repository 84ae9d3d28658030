/*
 * The aws plugin's XML helpers and task logic, against the shared mock host
 * (tests/support/mock_host.h): HTTP answers come from a table of rules, and
 * every request, diagnostic, plan change, state key, secret and output is
 * recorded for the assertions.
 * The plugin sources are compiled in (its .so exports only the entry).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envsetup/host.h"
#include "mock_host.h"

#include "../aws.c"
#include "../aws_account.c"
#include "../aws_api.c"
#include "../aws_iam.c"
#include "../aws_route53.c"
#include "../aws_xml.c"

/* ------------------------------------------------------------ fixture */

#define MAX 128

static const struct es_plugin_descriptor *desc;
static void *inst;
static char *texts[MAX];

/* A rule: requests whose text holds `match` get status and body, every
 * time or once. */
static void on(const char *match, long status, const char *body, int once)
{
	mock_http_reply(match, status, body, NULL,
	                once ? MOCK_REPLY_ONCE : MOCK_REPLY_ALWAYS);
}

/* Request i as "METHOD URL\nTARGET\nBODY\nuser=U sigv4=S token=T", with
 * the X-Amz-Target header and the value of the first header. */
static const char *sent(size_t i)
{
	const struct mock_request *r = mock_http_sent(i);
	const char *target;

	ck_assert_ptr_nonnull(r);
	ck_assert_uint_lt(i, MAX);
	if (texts[i] != NULL)
		return texts[i];
	target = mock_request_header(r, "X-Amz-Target");
	if (asprintf(&texts[i], "%s %s\n%s\n%s\nuser=%s sigv4=%s token=%s",
	             r->method, r->url, target != NULL ? target : "",
	             r->body != NULL ? r->body : "", r->basic_user,
	             r->aws_sigv4,
	             r->n_headers > 0 ? r->headers[0].value : "") < 0)
		texts[i] = NULL;
	ck_assert_ptr_nonnull(texts[i]);
	return texts[i];
}

static void setup(void)
{
	mock_host_reset();
	mock_http_fallback(599, "no rule");
	mock_config_string("account_mode", "create");
	mock_config_string("account_email", "aws+uat@acme.example");
	mock_config_string("account_name", "acme-uat");
	mock_config_string("role_name", "OrganizationAccountAccessRole");
	mock_config_string("admin_group", "admins");
	mock_config_string("user_group", "users");
	mock_config_string("region", "us-east-1");
	mock_config_int("ttl", 300);
	mock_config_string("record_type", "CNAME");
	mock_config_duration("poll_interval", 1000);
	mock_config_string("organizations_url",
	                   "http://127.0.0.1:9/aws/organizations");
	mock_config_string("sts_url", "http://127.0.0.1:9/aws/sts/");
	mock_config_string("iam_url", "http://127.0.0.1:9/aws/iam");
	mock_config_string("route53_url", "http://127.0.0.1:9/aws/route53");
	mock_config_list("admin_policy_arns",
	                 "arn:aws:iam::aws:policy/AdministratorAccess", NULL);
	mock_config_list("user_policy_arns",
	                 "arn:aws:iam::aws:policy/ReadOnlyAccess", NULL);
	desc = envsetup_plugin_entry(ES_ABI_MAJOR, ES_ABI_MINOR);
	ck_assert_ptr_nonnull(desc);
	ck_assert_int_eq(desc->ops->create(mock_host(), mock_call(), &inst),
	                 ES_OK);
}

static void teardown(void)
{
	desc->ops->destroy_instance(inst);
	for (size_t i = 0; i < MAX; i++) {
		free(texts[i]);
		texts[i] = NULL;
	}
	mock_host_reset();
}

static enum es_status apply(const char *task)
{
	return desc->ops->apply(mock_call(), inst, task);
}

static size_t sent_with(const char *needle)
{
	size_t n = 0;
	for (size_t i = 0; i < mock_http_count(); i++)
		n += strstr(sent(i), needle) != NULL;
	return n;
}

/* ---------------------------------------------------------------- tests */

static const char iam_error[] =
    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
    "<Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
    "<Message>The user with name alice cannot be found.</Message></Error>"
    "<RequestId>r-1</RequestId></ErrorResponse>";

START_TEST(xml_helpers)
{
	static const char doc_text[] =
	    "<?xml version=\"1.0\"?><GetGroupResponse xmlns=\"x\">"
	    "<GetGroupResult><Group><GroupName>a&amp;b</GroupName></Group>"
	    "<Users><member><UserName>u1</UserName></member>"
	    "<member><UserName>u2</UserName></member></Users>"
	    "</GetGroupResult></GetGroupResponse>";
	xmlDocPtr doc = aws_xml_parse(doc_text, strlen(doc_text));
	xmlNodePtr root = xmlDocGetRootElement(doc);
	char *code, *msg, *s;

	ck_assert_ptr_nonnull(doc);
	s = aws_xml_get(root, "GetGroupResult/Group/GroupName");
	ck_assert_str_eq(s, "a&b");
	free(s);
	ck_assert_ptr_null(aws_xml_get(root, "GetGroupResult/Nope"));
	xmlNodePtr m =
	    aws_xml_child(aws_xml_path(root, "GetGroupResult/Users"), "member");
	s = aws_xml_get(aws_xml_next(m, "member"), "UserName");
	ck_assert_str_eq(s, "u2");
	free(s);
	ck_assert_ptr_null(aws_xml_next(aws_xml_next(m, "member"), "member"));
	s = aws_xml_text(aws_xml_find(root, "UserName"));
	ck_assert_str_eq(s, "u1");
	free(s);
	xmlFreeDoc(doc);

	ck_assert_int_eq(
	    aws_xml_error(iam_error, strlen(iam_error), &code, &msg), 0);
	ck_assert_str_eq(code, "NoSuchEntity");
	ck_assert_str_eq(msg, "The user with name alice cannot be found.");
	free(code);
	free(msg);
	static const char batch[] =
	    "<InvalidChangeBatch xmlns=\"x\"><messages><Message>exists"
	    "</Message></messages></InvalidChangeBatch>";
	ck_assert_int_eq(aws_xml_error(batch, strlen(batch), &code, &msg), 0);
	ck_assert_str_eq(code, "InvalidChangeBatch");
	ck_assert_str_eq(msg, "exists");
	free(code);
	free(msg);

	s = aws_xml_escape("<a href='x'>&\"</a>");
	ck_assert_str_eq(s,
	                 "&lt;a href=&apos;x&apos;&gt;&amp;&quot;&lt;/a&gt;");
	free(s);
}
END_TEST

START_TEST(xml_hostile)
{
	static const char xxe[] =
	    "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e SYSTEM "
	    "\"file:///etc/passwd\">]><r><Code>&e;</Code></r>";
	static const char laughs[] =
	    "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\">"
	    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
	    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><r><v>&c;</v></r>";
	xmlDocPtr doc = aws_xml_parse(xxe, strlen(xxe));
	char *s, *code, *msg;

	/* The external entity is neither fetched nor expanded. */
	if (doc != NULL) {
		s = aws_xml_get(xmlDocGetRootElement(doc), "Code");
		ck_assert_ptr_null(strstr(s != NULL ? s : "", "root:"));
		free(s);
		xmlFreeDoc(doc);
	}
	doc = aws_xml_parse(laughs, strlen(laughs));
	if (doc != NULL)
		xmlFreeDoc(doc);
	ck_assert_ptr_null(aws_xml_parse("not xml", 7));
	ck_assert_ptr_null(aws_xml_parse("", 0));
	ck_assert_ptr_null(aws_xml_parse("<a><b></a>", 10));
	ck_assert_int_ne(aws_xml_error("{}", 2, &code, &msg), 0);
	ck_assert_ptr_null(code);
}
END_TEST

#define TGT "AWSOrganizationsV20161128."

START_TEST(create_account_flow)
{
	on(TGT "ListAccounts", 200,
	   "{\"Accounts\":[{\"Id\":\"111111111111\","
	   "\"Email\":\"root@mgmt.example\"}]}",
	   0);
	on(TGT "ListCreateAccountStatus", 200, "{\"CreateAccountStatuses\":[]}",
	   0);
	on(TGT "CreateAccount", 200,
	   "{\"CreateAccountStatus\":{\"Id\":"
	   "\"car-abcdef012345\",\"State\":\"IN_PROGRESS\"}}",
	   1);
	on(TGT "DescribeCreateAccountStatus", 200,
	   "{\"CreateAccountStatus\":"
	   "{\"Id\":\"car-abcdef012345\",\"State\":\"IN_PROGRESS\"}}",
	   1);
	on(TGT "DescribeCreateAccountStatus", 200,
	   "{\"CreateAccountStatus\":"
	   "{\"Id\":\"car-abcdef012345\",\"State\":\"SUCCEEDED\","
	   "\"AccountId\":\"222233334444\"}}",
	   1);

	ck_assert_int_eq(apply("create_account"), ES_IN_PROGRESS);
	ck_assert_str_eq(mock_state("create_request_id"), "car-abcdef012345");
	ck_assert_uint_eq(sent_with(TGT "CreateAccount"), 1);
	ck_assert_ptr_nonnull(
	    strstr(sent(2), "\"Email\":\"aws+uat@acme.example\""));
	ck_assert_ptr_nonnull(
	    strstr(sent(2), "POST http://127.0.0.1:9/aws/organizations/\n"));
	ck_assert_ptr_nonnull(strstr(sent(2),
	                             "user={{secret:access_key_id}} "
	                             "sigv4=aws:amz:us-east-1:organizations"));
	ck_assert_int_eq(apply("create_account"), ES_IN_PROGRESS);
	ck_assert_int_eq(apply("create_account"), ES_OK);
	ck_assert_uint_eq(sent_with(TGT "CreateAccount"), 1);
	ck_assert_str_eq(mock_state("account_id"), "222233334444");
	ck_assert_ptr_null(mock_state("create_request_id"));
	ck_assert_str_eq(mock_output("account_id", NULL), "222233334444");
	ck_assert_str_eq(mock_output("console_url", NULL),
	                 "https://222233334444.signin.aws.amazon.com/console");
}
END_TEST

START_TEST(create_account_found_on_page_two)
{
	on("\"NextToken\":\"t2\"", 200,
	   "{\"Accounts\":[{\"Id\":\"999988887777\","
	   "\"Email\":\"AWS+UAT@acme.example\"}]}",
	   0);
	on(TGT "ListAccounts", 200,
	   "{\"Accounts\":[{\"Id\":\"111111111111\","
	   "\"Email\":\"x@y.example\"}],\"NextToken\":\"t2\"}",
	   0);

	ck_assert_int_eq(apply("create_account"), ES_OK);
	ck_assert_uint_eq(sent_with(TGT "CreateAccount"), 0);
	ck_assert_str_eq(mock_state("account_id"), "999988887777");
	ck_assert_int_eq(desc->ops->plan(mock_call(), inst, "create_account"),
	                 ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
}
END_TEST

START_TEST(create_account_email_taken)
{
	mock_state_set("create_request_id", "car-abcdef012345");
	on(TGT "DescribeCreateAccountStatus", 200,
	   "{\"CreateAccountStatus\":"
	   "{\"Id\":\"car-abcdef012345\",\"State\":\"FAILED\","
	   "\"FailureReason\":\"EMAIL_ALREADY_EXISTS\"}}",
	   0);
	ck_assert_int_eq(apply("create_account"), ES_FAILED);
	ck_assert_str_eq(mock_diag_key(), "account_email");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "EMAIL_ALREADY_EXISTS"));
	ck_assert_ptr_null(mock_state("create_request_id"));
}
END_TEST

START_TEST(errors_map_to_statuses)
{
	on(TGT "ListAccounts", 400,
	   "{\"__type\":\"com.amazon#"
	   "UnrecognizedClientException\",\"message\":\"bad token\"}",
	   1);
	ck_assert_int_eq(apply("create_account"), ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "access_key_id");
	ck_assert_ptr_nonnull(
	    strstr(mock_diag_text(), "UnrecognizedClientException"));
	on(TGT "ListAccounts", 400, "{\"__type\":\"TooManyRequestsException\"}",
	   1);
	ck_assert_int_eq(apply("create_account"), ES_RETRY);
	on(TGT "ListAccounts", 503, "", 1);
	ck_assert_int_eq(apply("create_account"), ES_RETRY);
	on(TGT "ListAccounts", 400, "{\"__type\":\"InvalidInputException\"}",
	   1);
	ck_assert_int_eq(apply("create_account"), ES_FAILED);
}
END_TEST

static const char assume_ok[] =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    "<AssumeRoleResult><Credentials><AccessKeyId>ASIATESTTESTTEST0001"
    "</AccessKeyId><SecretAccessKey>sts-secret-value-xyz</SecretAccessKey>"
    "<SessionToken>sts-token-value-xyz</SessionToken><Expiration>"
    "2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult>"
    "</AssumeRoleResponse>";

static const char empty_group[] =
    "<GetGroupResponse><GetGroupResult><Group><GroupName>g</GroupName>"
    "</Group><Users/><IsTruncated>false</IsTruncated></GetGroupResult>"
    "</GetGroupResponse>";

START_TEST(users_created_with_password_reference)
{
	mock_state_set("account_id", "222233334444");
	mock_config_list("admin_users", "alice", NULL);
	on("Action=AssumeRole", 200, assume_ok, 0);
	on("Action=GetGroup&", 200, empty_group, 0);
	on("Action=GetUser&", 404, iam_error, 0);
	on("Action=CreateUser&", 200, "<CreateUserResponse/>", 0);
	on("Action=GetLoginProfile&", 404, iam_error, 0);
	on("Action=CreateLoginProfile&", 200, "<CreateLoginProfileResponse/>",
	   0);
	on("Action=AddUserToGroup&", 200, "<AddUserToGroupResponse/>", 0);

	ck_assert_int_eq(apply("iam_users"), ES_OK);
	ck_assert_uint_eq(mock_generate_length(), 20);
	ck_assert_uint_eq(sent_with("Action=AssumeRole&Version=2011-06-15&"
	                            "RoleArn=arn%3Aaws%3Aiam%3A%3A222233334444"
	                            "%3Arole%2FOrganizationAccountAccessRole&"
	                            "RoleSessionName=envsetup-acme&"
	                            "DurationSeconds=3600"),
	                  1);
	ck_assert_str_eq(mock_secret("sts_session_token"),
	                 "sts-token-value-xyz");
	ck_assert_uint_eq(sent_with("Action=CreateUser&Version=2010-05-08&"
	                            "UserName=alice\n"),
	                  1);
	ck_assert_uint_eq(sent_with("Action=CreateLoginProfile&Version="
	                            "2010-05-08&UserName=alice&Password="
	                            "{{secret:password_alice}}&"
	                            "PasswordResetRequired=true"),
	                  1);
	ck_assert_uint_eq(sent_with("Action=AddUserToGroup&Version=2010-05-08&"
	                            "GroupName=admins&UserName=alice"),
	                  1);
	ck_assert_uint_eq(sent_with("user={{secret:sts_access_key_id}} "
	                            "sigv4=aws:amz:us-east-1:iam token="
	                            "{{secret:sts_session_token}}"),
	                  7);
	ck_assert_str_eq(mock_secret("password_alice"), "generated-password-1");
	/* The session secret never travels in a request. */
	ck_assert_uint_eq(sent_with("sts-secret-value-xyz"), 0);
}
END_TEST

START_TEST(assume_role_denied)
{
	static const char denied[] =
	    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied"
	    "</Code><Message>not authorized</Message></Error></ErrorResponse>";
	char now[32];

	mock_state_set("account_id", "222233334444");
	on("Action=AssumeRole", 403, denied, 0);
	/* An old account: the role name or the keys are wrong. */
	ck_assert_int_eq(apply("assume_role"), ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "role_name");
	/* Just created: AWS is still setting the role up. */
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	mock_state_set("account_created_at", now);
	ck_assert_int_eq(apply("assume_role"), ES_RETRY);
	ck_assert_uint_eq(mock_secret_count(), 0);
}
END_TEST

START_TEST(records_upsert_then_insync)
{
	mock_state_set("account_id", "222233334444");
	mock_state_set("zone_id", "Z0SBX1");
	mock_config_string("hosted_zone", "acme.example");
	mock_config_list("records", "app=lb-uat.example.net",
	                 "api.acme.example=api.example.net", NULL);
	on("Action=AssumeRole", 200, assume_ok, 0);
	on("rrset?maxitems=1&name=app.acme.example.&type=CNAME", 200,
	   "<ListResourceRecordSetsResponse><ResourceRecordSets>"
	   "<ResourceRecordSet><Name>app.acme.example.</Name><Type>CNAME</Type>"
	   "<TTL>300</TTL><ResourceRecords><ResourceRecord><Value>old.example"
	   "</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>"
	   "</ResourceRecordSets></ListResourceRecordSetsResponse>",
	   0);
	on("rrset?maxitems=1&name=api.acme.example.&type=CNAME", 200,
	   "<ListResourceRecordSetsResponse><ResourceRecordSets>"
	   "<ResourceRecordSet><Name>api.acme.example.</Name><Type>CNAME</Type>"
	   "<TTL>300</TTL><ResourceRecords><ResourceRecord><Value>"
	   "api.example.net</Value></ResourceRecord></ResourceRecords>"
	   "</ResourceRecordSet></ResourceRecordSets>"
	   "</ListResourceRecordSetsResponse>",
	   0);
	on("POST http://127.0.0.1:9/aws/route53/2013-04-01/hostedzone/Z0SBX1/"
	   "rrset/",
	   200,
	   "<ChangeResourceRecordSetsResponse><ChangeInfo><Id>"
	   "/change/C0SBX9</Id><Status>PENDING</Status></ChangeInfo>"
	   "</ChangeResourceRecordSetsResponse>",
	   1);
	on("GET http://127.0.0.1:9/aws/route53/2013-04-01/change/C0SBX9", 200,
	   "<GetChangeResponse><ChangeInfo><Status>PENDING</Status>"
	   "</ChangeInfo></GetChangeResponse>",
	   1);
	on("GET http://127.0.0.1:9/aws/route53/2013-04-01/change/C0SBX9", 200,
	   "<GetChangeResponse><ChangeInfo><Status>INSYNC</Status>"
	   "</ChangeInfo></GetChangeResponse>",
	   1);

	ck_assert_int_eq(desc->ops->plan(mock_call(), inst, "dns_records"),
	                 ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_str_eq(mock_plan(0)->text,
	                 "2 record app.acme.example. CNAME "
	                 "old.example -> lb-uat.example.net");
	ck_assert_int_eq(apply("dns_records"), ES_IN_PROGRESS);
	ck_assert_str_eq(mock_state("change_id"), "C0SBX9");
	ck_assert_uint_eq(sent_with("<Change><Action>UPSERT</Action>"
	                            "<ResourceRecordSet><Name>app.acme.example."
	                            "</Name><Type>CNAME</Type><TTL>300</TTL>"
	                            "<ResourceRecords><ResourceRecord><Value>"
	                            "lb-uat.example.net</Value>"),
	                  1);
	ck_assert_uint_eq(sent_with("<Name>api.acme.example.</Name>"), 0);
	/* Still pending: the value in the mock is unchanged, but apply only
	 * polls while a change is recorded. */
	on("rrset?maxitems=1&name=app", 200,
	   "<ListResourceRecordSetsResponse><ResourceRecordSets>"
	   "<ResourceRecordSet><Name>app.acme.example.</Name><Type>CNAME</Type>"
	   "<TTL>300</TTL><ResourceRecords><ResourceRecord><Value>"
	   "lb-uat.example.net</Value></ResourceRecord></ResourceRecords>"
	   "</ResourceRecordSet></ResourceRecordSets>"
	   "</ListResourceRecordSetsResponse>",
	   0);
	mock_http_drop(1); /* the first app rrset rule: old.example */
	ck_assert_int_eq(apply("dns_records"), ES_OK);
	ck_assert_ptr_null(mock_state("change_id"));
	ck_assert_uint_eq(sent_with("rrset/\n"), 1);
	ck_assert_uint_eq(sent_with("token={{secret:sts_session_token}}"),
	                  mock_http_count() - 1);
}
END_TEST

START_TEST(plan_before_the_account_exists)
{
	mock_config_list("users", "bob", "carol", NULL);
	mock_config_string("hosted_zone", "acme.example");
	on(TGT "ListAccounts", 200, "{\"Accounts\":[]}", 0);
	ck_assert_int_eq(desc->ops->plan(mock_call(), inst, "create_account"),
	                 ES_OK);
	ck_assert_int_eq(desc->ops->plan(mock_call(), inst, "iam_groups"),
	                 ES_OK);
	ck_assert_int_eq(desc->ops->plan(mock_call(), inst, "iam_users"),
	                 ES_OK);
	ck_assert_int_eq(desc->ops->plan(mock_call(), inst, "hosted_zone"),
	                 ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 6);
	ck_assert_str_eq(mock_plan(0)->text,
	                 "1 account acme-uat aws+uat@acme.example");
	ck_assert_str_eq(mock_plan(4)->text, "1 iam_user carol users");
	ck_assert_uint_eq(mock_http_count(), 1); /* only ListAccounts */
}
END_TEST

START_TEST(validate_cross_fields)
{
	ck_assert_int_eq(desc->ops->validate(mock_call(), inst), ES_OK);
	mock_config_list("users", "bob smith", NULL);
	ck_assert_int_eq(desc->ops->validate(mock_call(), inst),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "users");
	mock_config_list("users", NULL);
	mock_config_string("account_mode", "adopt");
	ck_assert_int_eq(desc->ops->validate(mock_call(), inst),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "account_id");
	mock_config_string("account_id", "123456789012");
	mock_config_list("records", "no-equals-sign", NULL);
	ck_assert_int_eq(desc->ops->validate(mock_call(), inst),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "hosted_zone");
	ck_assert_ptr_null(envsetup_plugin_entry(ES_ABI_MAJOR + 1, 0));
	ck_assert_int_eq(desc->ops->apply(mock_call(), inst, "nosuch"),
	                 ES_UNSUPPORTED);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("aws");
	TCase *tc = tcase_create("aws");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, xml_helpers);
	tcase_add_test(tc, xml_hostile);
	tcase_add_test(tc, create_account_flow);
	tcase_add_test(tc, create_account_found_on_page_two);
	tcase_add_test(tc, create_account_email_taken);
	tcase_add_test(tc, errors_map_to_statuses);
	tcase_add_test(tc, users_created_with_password_reference);
	tcase_add_test(tc, assume_role_denied);
	tcase_add_test(tc, records_upsert_then_insync);
	tcase_add_test(tc, plan_before_the_account_exists);
	tcase_add_test(tc, validate_cross_fields);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
