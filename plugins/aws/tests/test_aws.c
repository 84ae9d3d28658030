/*
 * The aws plugin's XML helpers and task functions, against the shared mock
 * host (tests/support/mock_host.h): HTTP answers come from a table of
 * rules, and every request, diagnostic, plan change, state key, secret and
 * output is recorded for the assertions.
 * The plugin sources are compiled in (its .so exports only the entry).
 */
#include <check.h>
#include <regex.h>
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

/* ------------------------------------------------------------ fixture */

#define MAX 128

static const struct es_plugin_descriptor *desc;
static void *inst;
static char *texts[MAX];

/* A rule: requests whose text holds `match` get status and body, every
 * time or once. Returns its index, for mock_http_drop(). */
static size_t on(const char *match, long status, const char *body, int once)
{
	return mock_http_reply(match, status, body, NULL,
	                       once ? MOCK_REPLY_ONCE : MOCK_REPLY_ALWAYS);
}

/* Request i as the mock's text (method, URL, headers, body, form lines)
 * and "\nuser=U sigv4=S". */
static const char *sent(size_t i)
{
	const struct mock_request *r = mock_http_sent(i);

	ck_assert_ptr_nonnull(r);
	ck_assert_uint_lt(i, MAX);
	if (texts[i] == NULL &&
	    asprintf(&texts[i], "%s\nuser=%s sigv4=%s", r->text, r->basic_user,
	             r->aws_sigv4) < 0)
		texts[i] = NULL;
	ck_assert_ptr_nonnull(texts[i]);
	return texts[i];
}

static size_t sent_with(const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < mock_http_count(); i++)
		n += strstr(sent(i), needle) != NULL;
	return n;
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
	ck_assert_int_eq(
	    desc->ops->create(mock_ctx(ES_PHASE_PLAN, NULL), &inst), ES_OK);
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

static enum es_status plan(const char *task)
{
	return mock_run_task(desc, task, ES_PHASE_PLAN, inst);
}

static enum es_status apply(const char *task)
{
	return mock_run_task(desc, task, ES_PHASE_APPLY, inst);
}

static enum es_status verify(const char *task)
{
	return mock_run_task(desc, task, ES_PHASE_VERIFY, inst);
}

/* ------------------------------------------------------------ answers */

#define TGT "X-Amz-Target: AWSOrganizationsV20161128."

static const char iam_error[] =
    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
    "<Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
    "<Message>The user with name alice cannot be found.</Message></Error>"
    "<RequestId>r-1</RequestId></ErrorResponse>";

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

/* Two public zones acme.example: another's first, then ours (with our
 * CallerReference). */
static const char two_zones[] =
    "<ListHostedZonesByNameResponse><HostedZones>"
    "<HostedZone><Id>/hostedzone/Z0THEIRS</Id><Name>acme.example.</Name>"
    "<CallerReference>console-1</CallerReference>"
    "<Config><PrivateZone>false</PrivateZone></Config></HostedZone>"
    "<HostedZone><Id>/hostedzone/Z0OURS</Id><Name>acme.example.</Name>"
    "<CallerReference>envsetup-acme-acme.example</CallerReference>"
    "<Config><PrivateZone>false</PrivateZone></Config></HostedZone>"
    "</HostedZones></ListHostedZonesByNameResponse>";

static const char zone_details[] =
    "<GetHostedZoneResponse><HostedZone><Id>/hostedzone/Z0OURS</Id>"
    "</HostedZone><DelegationSet><NameServers><NameServer>ns-1.example"
    "</NameServer><NameServer>ns-2.example</NameServer></NameServers>"
    "</DelegationSet></GetHostedZoneResponse>";

/* The account exists and AssumeRole opens a session in it: where the
 * IAM and Route 53 tasks start. */
static void in_member_account(void)
{
	mock_state_set("account_id", "222233334444");
	on("Action=AssumeRole\n", 200, assume_ok, 0);
}

/* ---------------------------------------------------------------- xml */

START_TEST(xml_helpers)
{
	static const char doc_text[] =
	    "<?xml version=\"1.0\"?><GetGroupResponse xmlns=\"x\">"
	    "<GetGroupResult><Group><GroupName>a&amp;b</GroupName></Group>"
	    "<Users><member><UserName>u1</UserName></member>"
	    "<member><UserName>u2</UserName></member></Users>"
	    "</GetGroupResult></GetGroupResponse>";
	static const char batch[] =
	    "<InvalidChangeBatch xmlns=\"x\"><messages><Message>exists"
	    "</Message></messages></InvalidChangeBatch>";
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

	doc = aws_xml_parse(iam_error, strlen(iam_error));
	ck_assert_int_eq(aws_xml_error(doc, &code, &msg), 0);
	ck_assert_str_eq(code, "NoSuchEntity");
	ck_assert_str_eq(msg, "The user with name alice cannot be found.");
	free(code);
	free(msg);
	xmlFreeDoc(doc);
	doc = aws_xml_parse(batch, strlen(batch));
	ck_assert_int_eq(aws_xml_error(doc, &code, &msg), 0);
	ck_assert_str_eq(code, "InvalidChangeBatch");
	ck_assert_str_eq(msg, "exists");
	free(code);
	free(msg);
	xmlFreeDoc(doc);

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
	char *s;

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
}
END_TEST

/* ------------------------------------------------------------ account */

/* DescribeAccount's answer for the account envsetup made. */
static const char ours[] =
    "{\"Account\":{\"Id\":\"222233334444\",\"Arn\":\"arn:aws:"
    "organizations::111111111111:account/o-x/222233334444\","
    "\"Email\":\"aws+uat@acme.example\",\"Name\":\"acme-uat\","
    "\"Status\":\"ACTIVE\",\"JoinedMethod\":\"CREATED\"}}";
static const char not_found[] =
    "{\"__type\":\"AccountNotFoundException\",\"Message\":\"You "
    "specified an account that doesn't exist.\"}";

/* DescribeAccount answers account `id`, of e-mail `email`. The mock
 * keeps the body's pointer: a few rules a test, each its own buffer. */
static size_t described(const char *id, const char *email, int once)
{
	static char bodies[4][160];
	static size_t next;
	char *body = bodies[next++ % 4];

	snprintf(body, sizeof(bodies[0]),
	         "{\"Account\":{\"Id\":\"%s\",\"Email\":\"%s\"}}", id, email);
	return on(TGT "DescribeAccount", 200, body, once);
}

START_TEST(create_account_flow)
{
	size_t listed, others = on(TGT "ListAccounts", 200,
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
	ck_assert_uint_eq(mock_retry_after(), 1000);
	ck_assert_str_eq(mock_state("create_request_id"), "car-abcdef012345");
	ck_assert_uint_eq(sent_with(TGT "CreateAccount\n"), 1);
	ck_assert_ptr_nonnull(
	    strstr(sent(2), "\"Email\":\"aws+uat@acme.example\""));
	ck_assert_ptr_nonnull(
	    strstr(sent(2), "POST http://127.0.0.1:9/aws/organizations/\n"));
	ck_assert_ptr_nonnull(strstr(sent(2),
	                             "user={{secret:access_key_id}} "
	                             "sigv4=aws:amz:us-east-1:organizations"));
	ck_assert_int_eq(mock_http_sent(2)->mutating, 1);
	ck_assert_int_eq(apply("create_account"), ES_IN_PROGRESS);
	ck_assert_int_eq(apply("create_account"), ES_OK);
	ck_assert_uint_eq(sent_with(TGT "CreateAccount\n"), 1);
	ck_assert_str_eq(mock_state("account_id"), "222233334444");
	ck_assert_ptr_nonnull(mock_state("account_created_at"));
	ck_assert_ptr_null(mock_state("create_request_id"));
	/* Verify reads the account by its id and publishes it. */
	on(TGT "DescribeAccount", 200, ours, 0);
	mock_http_drop(others);
	listed = sent_with(TGT "ListAccounts");
	ck_assert_int_eq(verify("create_account"), ES_OK);
	ck_assert_uint_eq(sent_with(TGT "ListAccounts"), listed);
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
	ck_assert_uint_eq(sent_with(TGT "CreateAccount\n"), 0);
	ck_assert_uint_eq(sent_with("\"MaxResults\":20"), 2);
	ck_assert_str_eq(mock_state("account_id"), "999988887777");
	described("999988887777", "AWS+UAT@acme.example", 0);
	ck_assert_int_eq(plan("create_account"), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
}
END_TEST

START_TEST(create_account_email_taken)
{
	mock_state_set("create_request_id", "car-abcdef012345");
	on(TGT "ListAccounts", 200, "{\"Accounts\":[]}", 0);
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
	ck_assert_ptr_nonnull(
	    strstr(mock_diag_text(), "InvalidInputException"));
	ck_assert_uint_eq(sent_with(TGT "CreateAccount\n"), 0);
}
END_TEST

/* Repair (a): a ListAccounts 200 that cannot be read is a failure of that
 * request, never "no such account": CreateAccount is not sent. */
START_TEST(unreadable_listing_never_creates)
{
	static const char *const bodies[] = {
	    "{\"Accounts\":[{\"Id\":\"22223333", /* cut short */
	    "{\"Unexpected\":true}",             /* JSON, but no listing */
	    "",                                  /* nothing at all */
	};

	size_t no_requests = on(TGT "ListCreateAccountStatus", 200,
	                        "{\"CreateAccountStatuses\":[]}", 0);

	on(TGT "CreateAccount", 200,
	   "{\"CreateAccountStatus\":{\"Id\":\"car-x\"}}", 0);
	for (size_t i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
		size_t rule = on(TGT "ListAccounts", 200, bodies[i], 0);

		ck_assert_int_eq(apply("create_account"), ES_RETRY);
		ck_assert_ptr_nonnull(
		    strstr(mock_diag_text(), "AWS Organizations ListAccounts"));
		ck_assert_int_eq(plan("create_account"), ES_RETRY);
		ck_assert_uint_eq(mock_plan_count(), 0);
		mock_http_drop(rule);
	}
	ck_assert_uint_eq(sent_with(TGT "CreateAccount\n"), 0);
	ck_assert_uint_eq(sent_with(TGT "ListCreateAccountStatus"), 0);
	ck_assert_ptr_null(mock_state("create_request_id"));

	/* The same for the look-up of a request a killed run sent. */
	on(TGT "ListAccounts", 200, "{\"Accounts\":[]}", 0);
	mock_http_drop(no_requests);
	on(TGT "ListCreateAccountStatus", 200,
	   "{\"CreateAccountStatuses\":", 0);
	ck_assert_int_eq(apply("create_account"), ES_RETRY);
	ck_assert_uint_eq(sent_with(TGT "CreateAccount\n"), 0);
}
END_TEST

/* Repair (b): the account is at AWS but the state lacks its id (a run
 * killed between the answer and the put): plan shows a change, apply
 * records it without creating anything, verify publishes it. */
START_TEST(account_found_but_not_recorded)
{
	mock_state_set("create_request_id", "car-abcdef012345");
	on(TGT "DescribeAccount", 200, ours, 0);
	on(TGT "ListAccounts", 200,
	   "{\"Accounts\":[{\"Id\":\"222233334444\","
	   "\"Email\":\"aws+uat@acme.example\"}]}",
	   0);

	ck_assert_int_eq(plan("create_account"), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_str_eq(mock_plan(0)->text,
	                 "2 account acme-uat found at the provider: record "
	                 "its id");
	ck_assert_int_eq(verify("create_account"), ES_FAILED);
	ck_assert_int_eq(apply("create_account"), ES_OK);
	ck_assert_str_eq(mock_state("account_id"), "222233334444");
	ck_assert_ptr_null(mock_state("create_request_id"));
	ck_assert_ptr_nonnull(mock_state("account_created_at"));
	ck_assert_int_eq(verify("create_account"), ES_OK);
	ck_assert_str_eq(mock_output("account_id", NULL), "222233334444");
	ck_assert_uint_eq(sent_with(TGT "CreateAccount\n"), 0);
	ck_assert_uint_eq(sent_with(TGT "DescribeCreateAccountStatus"), 0);
	ck_assert_int_eq(plan("create_account"), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1); /* nothing new */
}
END_TEST

/* Repair (c): a run killed after sending CreateAccount, before recording
 * its request: the request is found by name and polled, not sent again. */
START_TEST(account_request_found_by_name)
{
	on(TGT "ListAccounts", 200, "{\"Accounts\":[]}", 0);
	on(TGT "ListCreateAccountStatus", 200,
	   "{\"CreateAccountStatuses\":[{\"Id\":\"car-other\","
	   "\"AccountName\":\"someone-else\"},{\"Id\":\"car-ours\","
	   "\"AccountName\":\"acme-uat\",\"State\":\"IN_PROGRESS\"}]}",
	   0);
	on(TGT "DescribeCreateAccountStatus", 200,
	   "{\"CreateAccountStatus\":{\"Id\":\"car-ours\","
	   "\"State\":\"IN_PROGRESS\"}}",
	   0);

	ck_assert_int_eq(apply("create_account"), ES_IN_PROGRESS);
	ck_assert_str_eq(mock_state("create_request_id"), "car-ours");
	ck_assert_uint_eq(sent_with("\"States\":[\"IN_PROGRESS\"]"), 1);
	ck_assert_uint_eq(sent_with("\"CreateAccountRequestId\":\"car-ours\""),
	                  1);
	ck_assert_uint_eq(sent_with(TGT "CreateAccount\n"), 0);
}
END_TEST

/* With account_id in state, one DescribeAccount instead of paging through
 * the Organization's ListAccounts; the e-mail looked up again when the
 * recorded account is gone or is not the configured one any more. */
START_TEST(known_account_is_described_not_listed)
{
	size_t rule;

	mock_state_set("account_id", "222233334444");
	rule = on(TGT "DescribeAccount", 200, ours, 0);
	ck_assert_int_eq(plan("create_account"), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_uint_eq(mock_http_count(), 1);
	ck_assert_uint_eq(sent_with("\"AccountId\":\"222233334444\""), 1);
	ck_assert_int_eq(verify("create_account"), ES_OK);
	ck_assert_uint_eq(sent_with(TGT "ListAccounts"), 0);

	mock_http_drop(rule);
	on(TGT "ListAccounts", 200,
	   "{\"Accounts\":[{\"Id\":\"999988887777\","
	   "\"Email\":\"aws+uat@acme.example\"}]}",
	   0);
	rule = on(TGT "DescribeAccount", 400, not_found, 0);
	ck_assert_int_eq(plan("create_account"), ES_OK);
	ck_assert_uint_eq(sent_with(TGT "ListAccounts"), 1);
	ck_assert_uint_eq(mock_plan_count(), 1); /* 999988887777 to record */
	mock_http_drop(rule);
	described("222233334444", "old@acme.example", 0);
	ck_assert_int_eq(apply("create_account"), ES_OK);
	ck_assert_uint_eq(sent_with(TGT "ListAccounts"), 2);
	ck_assert_str_eq(mock_state("account_id"), "999988887777");
	ck_assert_uint_eq(sent_with(TGT "CreateAccount\n"), 0);
}
END_TEST

START_TEST(adopt_needs_an_account_of_the_organization)
{
	mock_config_string("account_mode", "adopt");
	mock_config_string("account_id", "123456789012");
	described("123456789012", "aws@acme.example", 1);
	ck_assert_int_eq(apply("create_account"), ES_OK);
	ck_assert_str_eq(mock_state("account_id"), "123456789012");
	ck_assert_uint_eq(sent_with("\"AccountId\":\"123456789012\""), 1);
	on(TGT "DescribeAccount", 400, not_found, 0);
	ck_assert_int_eq(plan("create_account"), ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "account_id");
	ck_assert_uint_eq(sent_with(TGT "CreateAccount\n"), 0);
	/* The id is known: the Organization is never listed. */
	ck_assert_uint_eq(sent_with(TGT "ListAccounts"), 0);
}
END_TEST

/* ------------------------------------------------------------ session */

START_TEST(assume_role_denied)
{
	static const char denied[] =
	    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied"
	    "</Code><Message>not authorized</Message></Error></ErrorResponse>";
	char now[32];

	mock_state_set("account_id", "222233334444");
	on("Action=AssumeRole\n", 403, denied, 0);
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

/* Repair (d): AssumeRole's reply is masked in traces by field name. */
START_TEST(sts_reply_fields_are_secret)
{
	struct aws_client sts;
	int seen = 0;

	ck_assert_int_eq(
	    aws_client(&sts, mock_ctx(ES_PHASE_APPLY, inst), AWS_STS), ES_OK);
	for (const char *const *f = sts.api.secret_fields; f && *f; f++)
		seen += !strcmp(*f, "SecretAccessKey") +
		        !strcmp(*f, "SessionToken") +
		        !strcmp(*f, "AccessKeyId");
	ck_assert_int_eq(seen, 3);
}
END_TEST

START_TEST(session_opened_once_and_renewed_when_expired)
{
	static const char expired[] =
	    "<ErrorResponse><Error><Code>ExpiredToken</Code><Message>The "
	    "security token included in the request is expired</Message>"
	    "</Error></ErrorResponse>";

	in_member_account();
	on("Action=ListAttachedGroupPolicies\n", 403, expired, 1);
	ck_assert_int_eq(apply("assume_role"), ES_OK);
	ck_assert_int_eq(verify("assume_role"), ES_OK);
	ck_assert_str_eq(mock_output("role_arn", NULL),
	                 "arn:aws:iam::222233334444:role/"
	                 "OrganizationAccountAccessRole");
	ck_assert_uint_eq(sent_with("Action=AssumeRole\n"), 1);
	ck_assert_int_eq(apply("iam_groups"), ES_RETRY);
	ck_assert_uint_eq(sent_with("Action=AssumeRole\n"), 1);
	/* A new session, then the fallback's 599 for the listing. */
	ck_assert_int_eq(apply("iam_groups"), ES_RETRY);
	ck_assert_uint_eq(sent_with("Action=AssumeRole\n"), 2);
}
END_TEST

/* ---------------------------------------------------------------- iam */

START_TEST(users_created_with_password_reference)
{
	in_member_account();
	mock_config_list("admin_users", "alice", NULL);
	on("Action=GetGroup\n", 200, empty_group, 0);
	on("Action=GetUser\n", 404, iam_error, 0);
	on("Action=CreateUser\n", 200, "<CreateUserResponse/>", 0);
	on("Action=GetLoginProfile\n", 404, iam_error, 0);
	on("Action=CreateLoginProfile\n", 200, "<CreateLoginProfileResponse/>",
	   0);
	on("Action=AddUserToGroup\n", 200, "<AddUserToGroupResponse/>", 0);

	ck_assert_int_eq(apply("iam_users"), ES_OK);
	ck_assert_uint_eq(mock_generate_length(), 20);
	ck_assert_uint_eq(sent_with("Action=AssumeRole\nVersion=2011-06-15\n"
	                            "RoleArn=arn:aws:iam::222233334444:role/"
	                            "OrganizationAccountAccessRole\n"
	                            "RoleSessionName=envsetup-acme\n"
	                            "DurationSeconds=3600"),
	                  1);
	ck_assert_str_eq(mock_secret("sts_session_token"),
	                 "sts-token-value-xyz");
	ck_assert_uint_eq(sent_with("Action=CreateUser\nVersion=2010-05-08\n"
	                            "UserName=alice\n"),
	                  1);
	ck_assert_uint_eq(sent_with("Action=CreateLoginProfile\nVersion="
	                            "2010-05-08\nUserName=alice\nPassword="
	                            "{{secret:password_alice}}\n"
	                            "PasswordResetRequired=true"),
	                  1);
	ck_assert_uint_eq(sent_with("Action=AddUserToGroup\nVersion=2010-05-08"
	                            "\nGroupName=admins\nUserName=alice"),
	                  1);
	ck_assert_uint_eq(sent_with("X-Amz-Security-Token: "
	                            "{{secret:sts_session_token}}"),
	                  mock_http_count() - 1);
	ck_assert_uint_eq(sent_with("user={{secret:sts_access_key_id}} "
	                            "sigv4=aws:amz:us-east-1:iam"),
	                  mock_http_count() - 1);
	ck_assert_str_eq(mock_secret("password_alice"), "generated-password-1");
	/* The session secret never travels in a request. */
	ck_assert_uint_eq(sent_with("sts-secret-value-xyz"), 0);
}
END_TEST

/* Repair (c): what exists is looked up first and never created again;
 * a create whose first answer was lost is done when IAM says it exists. */
START_TEST(iam_never_creates_twice)
{
	static const char exists[] =
	    "<ErrorResponse><Error><Code>EntityAlreadyExists</Code><Message>"
	    "Group with name admins already exists.</Message></Error>"
	    "</ErrorResponse>";
	size_t user;

	in_member_account();
	mock_config_list("admin_users", "alice", NULL);
	on("Action=ListAttachedGroupPolicies\n", 404, iam_error, 0);
	on("Action=CreateGroup\n", 409, exists, 0);
	on("Action=AttachGroupPolicy\n", 200, "<AttachGroupPolicyResponse/>",
	   0);
	ck_assert_int_eq(apply("iam_groups"), ES_OK);
	ck_assert_uint_eq(sent_with("Action=AttachGroupPolicy\n"), 2);

	on("Action=GetGroup\n", 200,
	   "<GetGroupResponse><GetGroupResult><Users><member><UserName>alice"
	   "</UserName></member></Users><IsTruncated>false</IsTruncated>"
	   "</GetGroupResult></GetGroupResponse>",
	   0);
	user = on("Action=GetUser\n", 200, "<GetUserResponse/>", 0);
	on("Action=GetLoginProfile\n", 200, "<GetLoginProfileResponse/>", 0);
	ck_assert_int_eq(plan("iam_users"), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_int_eq(apply("iam_users"), ES_OK);
	ck_assert_uint_eq(sent_with("Action=CreateUser\n"), 0);
	ck_assert_uint_eq(sent_with("Action=CreateLoginProfile\n"), 0);
	ck_assert_uint_eq(sent_with("Action=AddUserToGroup\n"), 0);
	ck_assert_int_eq(verify("iam_users"), ES_OK);

	/* A GetUser 200 that is not XML is not "no such user". */
	on("Action=GetUser\n", 200, "<GetUserResp", 0);
	mock_http_drop(user);
	ck_assert_int_eq(apply("iam_users"), ES_RETRY);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "AWS IAM GetUser"));
	ck_assert_uint_eq(sent_with("Action=CreateUser\n"), 0);
}
END_TEST

START_TEST(group_members_on_two_pages)
{
	in_member_account();
	mock_config_list("admin_users", "alice", "zoe", NULL);
	on("Marker=m2", 200,
	   "<GetGroupResponse><GetGroupResult><Users><member><UserName>zoe"
	   "</UserName></member></Users><IsTruncated>false</IsTruncated>"
	   "</GetGroupResult></GetGroupResponse>",
	   0);
	on("Action=GetGroup\n", 200,
	   "<GetGroupResponse><GetGroupResult><Users><member><UserName>alice"
	   "</UserName></member></Users><IsTruncated>true</IsTruncated>"
	   "<Marker>m2</Marker></GetGroupResult></GetGroupResponse>",
	   0);
	on("Action=GetUser\n", 200, "<GetUserResponse/>", 0);
	on("Action=GetLoginProfile\n", 200, "<GetLoginProfileResponse/>", 0);
	ck_assert_int_eq(plan("iam_users"), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_uint_eq(sent_with("GroupName=admins\nMarker=m2"), 1);
}
END_TEST

START_TEST(plan_before_the_account_exists)
{
	mock_config_list("users", "bob", "carol", NULL);
	mock_config_string("hosted_zone", "acme.example");
	mock_config_list("records", "app=lb.example.net", NULL);
	on(TGT "ListAccounts", 200, "{\"Accounts\":[]}", 0);
	ck_assert_int_eq(plan("create_account"), ES_OK);
	ck_assert_int_eq(plan("assume_role"), ES_OK);
	ck_assert_int_eq(plan("iam_groups"), ES_OK);
	ck_assert_int_eq(plan("iam_users"), ES_OK);
	ck_assert_int_eq(plan("hosted_zone"), ES_OK);
	ck_assert_int_eq(plan("dns_records"), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 8);
	ck_assert_str_eq(mock_plan(0)->text,
	                 "1 account acme-uat aws+uat@acme.example");
	ck_assert_str_eq(mock_plan(1)->text,
	                 "4 sts_session OrganizationAccountAccessRole once the "
	                 "account exists");
	ck_assert_str_eq(mock_plan(5)->text, "1 iam_user carol users");
	ck_assert_str_eq(mock_plan(7)->text,
	                 "1 record app=lb.example.net CNAME");
	ck_assert_uint_eq(mock_http_count(), 1); /* only ListAccounts */
}
END_TEST

/* --------------------------------------------------------------- zone */

/* Repair (b) and (c): the zone is found by name, ours (by
 * CallerReference) before another of the same name; a zone the state
 * lacks is recorded, not created again. */
START_TEST(zone_found_but_not_recorded)
{
	in_member_account();
	mock_config_string("hosted_zone", "acme.example");
	on("hostedzonesbyname?dnsname=acme.example.&maxitems=10", 200,
	   two_zones, 0);
	on("GET http://127.0.0.1:9/aws/route53/2013-04-01/hostedzone/Z0OURS\n",
	   200, zone_details, 0);

	ck_assert_int_eq(plan("hosted_zone"), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_str_eq(mock_plan(0)->text,
	                 "2 hosted_zone acme.example found at the provider: "
	                 "record its id");
	ck_assert_int_eq(apply("hosted_zone"), ES_OK);
	ck_assert_str_eq(mock_state("zone_id"), "Z0OURS");
	ck_assert_int_eq(verify("hosted_zone"), ES_OK);
	ck_assert_str_eq(mock_output("zone_id", NULL), "Z0OURS");
	ck_assert_str_eq(mock_output("name_servers", NULL),
	                 "ns-1.example,ns-2.example");
	ck_assert_uint_eq(sent_with("POST http://127.0.0.1:9/aws/route53/"
	                            "2013-04-01/hostedzone\n"),
	                  0);
	ck_assert_int_eq(plan("hosted_zone"), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1); /* nothing new */
}
END_TEST

START_TEST(zone_created_once)
{
	in_member_account();
	mock_config_string("hosted_zone", "acme.example");
	size_t listing = on("hostedzonesbyname", 200,
	                    "<ListHostedZonesByNameResponse><HostedZones/>"
	                    "</ListHostedZonesByNameResponse>",
	                    0);

	on("POST http://127.0.0.1:9/aws/route53/2013-04-01/hostedzone\n", 201,
	   "<CreateHostedZoneResponse><HostedZone><Id>/hostedzone/Z0NEW</Id>"
	   "</HostedZone></CreateHostedZoneResponse>",
	   0);
	ck_assert_int_eq(apply("hosted_zone"), ES_OK);
	ck_assert_str_eq(mock_state("zone_id"), "Z0NEW");
	ck_assert_uint_eq(sent_with("<Name>acme.example</Name><CallerReference>"
	                            "envsetup-acme-acme.example"
	                            "</CallerReference>"),
	                  1);
	ck_assert_int_eq(mock_http_sent(2)->mutating, 1);

	/* A listing that cannot be read is not "no zone". */
	mock_http_drop(listing);
	listing = on("hostedzonesbyname", 200, "<ListHostedZonesByNameResp", 0);
	ck_assert_int_eq(apply("hosted_zone"), ES_RETRY);
	ck_assert_ptr_nonnull(
	    strstr(mock_diag_text(), "Amazon Route 53 ListHostedZonesByName"));
	mock_http_drop(listing);
	on("hostedzonesbyname", 200, "<ListHostedZonesByNameResponse/>", 0);
	ck_assert_int_eq(apply("hosted_zone"), ES_RETRY);
	ck_assert_uint_eq(sent_with("<CreateHostedZoneRequest"), 1);
}
END_TEST

/* ------------------------------------------------------------ records */

START_TEST(records_upsert_then_insync)
{
	size_t old_app;

	in_member_account();
	mock_state_set("zone_id", "Z0SBX1");
	mock_config_string("hosted_zone", "acme.example");
	mock_config_list("records", "app=lb-uat.example.net",
	                 "api.acme.example=api.example.net", NULL);
	/* The zone in two pages: api in place, app holding another value. */
	on("rrset?maxitems=300&name=app.acme.example.&type=CNAME", 200,
	   "<ListResourceRecordSetsResponse><ResourceRecordSets>"
	   "<ResourceRecordSet><Name>app.acme.example.</Name><Type>CNAME</Type>"
	   "<TTL>300</TTL><ResourceRecords><ResourceRecord><Value>old.example"
	   "</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>"
	   "</ResourceRecordSets><IsTruncated>false</IsTruncated>"
	   "</ListResourceRecordSetsResponse>",
	   1);
	old_app = on(
	    "rrset?maxitems=300\n", 200,
	    "<ListResourceRecordSetsResponse><ResourceRecordSets>"
	    "<ResourceRecordSet><Name>acme.example.</Name><Type>NS</Type>"
	    "<TTL>172800</TTL><ResourceRecords><ResourceRecord><Value>"
	    "ns-1.example</Value></ResourceRecord></ResourceRecords>"
	    "</ResourceRecordSet>"
	    "<ResourceRecordSet><Name>api.acme.example.</Name><Type>CNAME</"
	    "Type>"
	    "<TTL>300</TTL><ResourceRecords><ResourceRecord><Value>"
	    "api.example.net</Value></ResourceRecord></ResourceRecords>"
	    "</ResourceRecordSet></ResourceRecordSets>"
	    "<IsTruncated>true</IsTruncated><NextRecordName>app.acme.example."
	    "</NextRecordName><NextRecordType>CNAME</NextRecordType>"
	    "</ListResourceRecordSetsResponse>",
	    1);
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

	ck_assert_msg(plan("dns_records") == ES_OK, "%s", mock_diag_text());
	ck_assert_uint_eq(sent_with("rrset?maxitems=300"), 2);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_str_eq(mock_plan(0)->text,
	                 "2 record app.acme.example. CNAME "
	                 "old.example -> lb-uat.example.net");
	mock_http_drop(old_app);
	/* The same zone in one page, for verify and apply. */
	old_app = on(
	    "rrset?maxitems=300\n", 200,
	    "<ListResourceRecordSetsResponse><ResourceRecordSets>"
	    "<ResourceRecordSet><Name>API.acme.example</Name><Type>CNAME</Type>"
	    "<TTL>300</TTL><ResourceRecords><ResourceRecord><Value>"
	    "api.example.net</Value></ResourceRecord></ResourceRecords>"
	    "</ResourceRecordSet>"
	    "<ResourceRecordSet><Name>app.acme.example.</Name><Type>CNAME</"
	    "Type>"
	    "<TTL>300</TTL><ResourceRecords><ResourceRecord><Value>old.example"
	    "</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>"
	    "</ResourceRecordSets><IsTruncated>false</IsTruncated>"
	    "</ListResourceRecordSetsResponse>",
	    0);
	ck_assert_int_eq(verify("dns_records"), ES_FAILED);
	ck_assert_int_eq(apply("dns_records"), ES_IN_PROGRESS);
	ck_assert_str_eq(mock_state("change_id"), "C0SBX9");
	ck_assert_uint_eq(sent_with("<Change><Action>UPSERT</Action>"
	                            "<ResourceRecordSet><Name>app.acme.example."
	                            "</Name><Type>CNAME</Type><TTL>300</TTL>"
	                            "<ResourceRecords><ResourceRecord><Value>"
	                            "lb-uat.example.net</Value>"),
	                  1);
	ck_assert_uint_eq(sent_with("<Name>api.acme.example.</Name>"), 0);
	/* Now in place at Route 53; apply polls the recorded change. */
	mock_http_drop(old_app);
	on("rrset?maxitems=300\n", 200,
	   "<ListResourceRecordSetsResponse><ResourceRecordSets>"
	   "<ResourceRecordSet><Name>api.acme.example.</Name><Type>CNAME</Type>"
	   "<TTL>300</TTL><ResourceRecords><ResourceRecord><Value>"
	   "api.example.net</Value></ResourceRecord></ResourceRecords>"
	   "</ResourceRecordSet>"
	   "<ResourceRecordSet><Name>app.acme.example.</Name><Type>CNAME</Type>"
	   "<TTL>300</TTL><ResourceRecords><ResourceRecord><Value>"
	   "lb-uat.example.net</Value></ResourceRecord></ResourceRecords>"
	   "</ResourceRecordSet></ResourceRecordSets>"
	   "</ListResourceRecordSetsResponse>",
	   0);
	ck_assert_int_eq(apply("dns_records"), ES_OK);
	ck_assert_ptr_null(mock_state("change_id"));
	ck_assert_uint_eq(sent_with("rrset/\n"), 1);
	ck_assert_int_eq(verify("dns_records"), ES_OK);
}
END_TEST

/* Route 53's caps on one change batch: 1000 ResourceRecord elements and
 * 32,000 characters of values; the rest waits for the next batch. */
START_TEST(records_batches_within_route53_caps)
{
	static struct rec todo[1500];

	for (size_t i = 0; i < 1500; i++)
		snprintf(todo[i].value, sizeof(todo[i].value), "lb%zu.example",
		         i % 10); /* 12 characters */
	ck_assert_uint_eq(batch_size(todo, 1500), 1000);
	ck_assert_uint_eq(batch_size(todo, 7), 7);
	for (size_t i = 0; i < 1500; i++)
		snprintf(todo[i].value, sizeof(todo[i].value), "%0100d", 1);
	ck_assert_uint_eq(batch_size(todo, 1500), 320);
	ck_assert_uint_eq(batch_size(todo, 0), 0);
}
END_TEST

/* A <TTL> that is not exactly a number is not the TTL we want: atol()
 * read "300s" as 300 and called the record in place. */
START_TEST(records_ttl_not_a_number_is_a_change)
{
	in_member_account();
	mock_state_set("zone_id", "Z0SBX1");
	mock_config_string("hosted_zone", "acme.example");
	mock_config_list("records", "app=lb-uat.example.net", NULL);
	on("rrset?maxitems=300\n", 200,
	   "<ListResourceRecordSetsResponse><ResourceRecordSets>"
	   "<ResourceRecordSet><Name>app.acme.example.</Name><Type>CNAME</Type>"
	   "<TTL>300s</TTL><ResourceRecords><ResourceRecord><Value>"
	   "lb-uat.example.net</Value></ResourceRecord></ResourceRecords>"
	   "</ResourceRecordSet></ResourceRecordSets>"
	   "<IsTruncated>false</IsTruncated></ListResourceRecordSetsResponse>",
	   0);

	ck_assert_msg(plan("dns_records") == ES_OK, "%s", mock_diag_text());
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
}
END_TEST

/* ------------------------------------------------------- the schema */

/* 1 when `value` matches the pattern of key `name` (as the core checks
 * it at `check`). */
static int key_accepts(const char *name, const char *value)
{
	for (const struct es_key *k = desc->keys; k->name; k++) {
		regex_t re;
		int ok;

		if (strcmp(k->name, name) != 0)
			continue;
		ck_assert_ptr_nonnull(k->pattern);
		ck_assert_int_eq(
		    regcomp(&re, k->pattern, REG_EXTENDED | REG_NOSUB), 0);
		ok = regexec(&re, value, 0, NULL, 0) == 0;
		regfree(&re);
		return ok;
	}
	ck_abort_msg("no key %s", name);
	return 0;
}

START_TEST(schema_and_validate)
{
	ck_assert(key_accepts("users", "bob.smith+ops@acme"));
	ck_assert(!key_accepts("users", "bob smith"));
	ck_assert(!key_accepts("admin_users", "a234567890123456789012345678901"
	                                      "234567890123456789012345678901"
	                                      "2345"));
	ck_assert(key_accepts("account_id", "123456789012"));
	ck_assert(!key_accepts("account_id", "12345678901"));
	ck_assert(key_accepts("records", "app=lb.example.net"));
	ck_assert(key_accepts("records", "@=v=spf1"));
	ck_assert(!key_accepts("records", "@=\"v=spf1\""));
	ck_assert(!key_accepts("records", "no-equals-sign"));
	ck_assert(!key_accepts("records", "app=lb example"));
	ck_assert(!key_accepts("records", "=lb.example.net"));
	ck_assert(!key_accepts("account_name", ""));

	ck_assert_int_eq(desc->ops->validate(mock_ctx(ES_PHASE_PLAN, inst)),
	                 ES_OK);
	mock_config_list("records", "app=lb.example.net", NULL);
	ck_assert_int_eq(desc->ops->validate(mock_ctx(ES_PHASE_PLAN, inst)),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "hosted_zone");
	ck_assert_ptr_null(envsetup_plugin_entry(ES_ABI_MAJOR + 1, 0));
	ck_assert_str_eq(desc->version, "2.0.0");
}
END_TEST

int main(void)
{
	const TTest *tests[] = {
	    xml_helpers,
	    xml_hostile,
	    create_account_flow,
	    create_account_found_on_page_two,
	    create_account_email_taken,
	    errors_map_to_statuses,
	    unreadable_listing_never_creates,
	    account_found_but_not_recorded,
	    account_request_found_by_name,
	    known_account_is_described_not_listed,
	    adopt_needs_an_account_of_the_organization,
	    assume_role_denied,
	    sts_reply_fields_are_secret,
	    session_opened_once_and_renewed_when_expired,
	    users_created_with_password_reference,
	    iam_never_creates_twice,
	    group_members_on_two_pages,
	    plan_before_the_account_exists,
	    zone_found_but_not_recorded,
	    zone_created_once,
	    records_upsert_then_insync,
	    records_batches_within_route53_caps,
	    records_ttl_not_a_number_is_a_change,
	    schema_and_validate,
	};
	Suite *s = suite_create("aws");
	TCase *tc = tcase_create("aws");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	for (size_t i = 0; i < sizeof(tests) / sizeof(*tests); i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
