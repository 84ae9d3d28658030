/*
 * The sparkpost plugin's tasks against the SDK's mock host (mock_host.h):
 * SparkPost's answers are scripted per request, and every request, plan
 * change, state key, output and diagnostic is recorded for the assertions.
 * The plugin's sources are compiled in (its .so exports only the entry).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

#include "../sparkpost.c"
#include "../sparkpost_account.c"
#include "../sparkpost_api.c"
#include "../sparkpost_domain.c"
#include "../sparkpost_templates.c"

#define API "https://api.sparkpost.test/api/v1"
#define DOMAIN "mail.acme.example"
#define GET(path) "GET " API path "\n"
#define POST(path) "POST " API path "\n"
#define PUT(path) "PUT " API path "\n"
#define DELETE(path) "DELETE " API path "\n"
#define HOOK "https://app.acme.example/hooks/sparkpost"
#define SUB_NAME "Acme UAT"

#define DOMAIN_REPLY(status)                                                   \
	"{\"results\": {\"status\": {\"ownership_verified\": false, "          \
	"\"dkim_status\": \"" status "\", \"cname_status\": \"" status "\"}, " \
	"\"dkim\": {\"public\": \"MIGfKEY\", \"selector\": \"scph0316\"}}}"
#define ERRORS(code, message, description)                                     \
	"{\"errors\": [{\"message\": \"" message "\", \"code\": \"" code       \
	"\", \"description\": \"" description "\"}]}"
/* GET /templates/welcome: the latest version, with the subject and text
 * of with_template(). */
#define TEMPLATE(html, published)                                              \
	"{\"results\": {\"id\": \"welcome\", \"published\": " published        \
	", \"content\": {\"subject\": \"Welcome {{name}}\", \"from\": \"f\", " \
	"\"html\": \"" html "\", \"text\": \"hi\"}}}"

/* ------------------------------------------------------------ fixture */

static void setup(void)
{
	mock_host_reset();
	mock_config_string("api_url", API);
	mock_config_string("api_url_eu", "https://eu.sparkpost.test/api/v1");
	mock_config_string("region", "us");
	mock_config_string("domain", DOMAIN);
	mock_config_list("webhook_events", "delivery", "bounce", NULL);
}

static void teardown(void)
{
	mock_host_reset();
}

static enum es_status run(const char *task, enum es_phase phase)
{
	return mock_run_task(&sparkpost, task, phase, NULL);
}

static void on(const char *match, long status, const char *body)
{
	mock_http_reply(match, status, body, NULL, MOCK_REPLY_ALWAYS);
}

static void once(const char *match, long status, const char *body)
{
	mock_http_reply(match, status, body, NULL, MOCK_REPLY_ONCE);
}

/* A templates_dir holding template "welcome", as the core hands it. */
static void with_template(void)
{
	mock_config_string("templates_dir", "/etc/envsetup/templates");
	mock_template("templates_dir", "welcome", "Welcome {{name}}",
	              "<p>hi</p>", "hi");
}

/* ------------------------------------------------ client, api key */

START_TEST(the_key_is_the_whole_authorization_header)
{
	const struct mock_request *req;

	on(GET("/account"), 200, "{\"results\": {\"customer_id\": 1}}");

	ck_assert_int_eq(run("verify_api_key", ES_PHASE_APPLY), ES_OK);
	req = mock_http_find(GET("/account"), 0);
	ck_assert_ptr_nonnull(req);
	ck_assert_str_eq(mock_request_header(req, "Authorization"),
	                 "{{secret:api_key}}");
	ck_assert_int_eq(req->mutating, 0);
}
END_TEST

START_TEST(eu_region_uses_the_eu_url_unless_api_url_is_set)
{
	mock_config_string("region", "eu");
	mock_config_explicit("api_url", 0);
	on("GET https://eu.sparkpost.test/api/v1/account\n", 200,
	   "{\"results\": {\"customer_id\": 1}}");
	ck_assert_int_eq(run("verify_api_key", ES_PHASE_APPLY), ES_OK);

	mock_config_explicit("api_url", 1);
	on(GET("/account"), 200, "{\"results\": {\"customer_id\": 1}}");
	ck_assert_int_eq(run("verify_api_key", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(GET("/account")), 1);
}
END_TEST

START_TEST(rejected_key_is_invalid_config_naming_api_key)
{
	on(GET("/account"), 401,
	   "{\"errors\": [{\"message\": \"Unauthorized.\"}]}");

	ck_assert_int_eq(run("verify_api_key", ES_PHASE_APPLY),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "api_key");
}
END_TEST

START_TEST(account_without_customer_id_is_malformed_not_ok)
{
	on(GET("/account"), 200, "{\"results\": {}}");

	ck_assert_int_eq(run("verify_api_key", ES_PHASE_APPLY), ES_RETRY);
}
END_TEST

START_TEST(errors_sent_with_200_are_a_failure_of_the_request)
{
	on(GET("/sending-domains/" DOMAIN), 200,
	   ERRORS("1300", "invalid data format/type", "odd"));

	ck_assert_int_eq(run("sending_domain", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

/* ------------------------------------------------------ sending_domain */

START_TEST(domain_plan_on_absent_records_a_create_and_writes_nothing)
{
	on(GET("/sending-domains/" DOMAIN), 404,
	   ERRORS("1600", "resource not found", "x"));

	ck_assert_int_eq(run("sending_domain", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_CREATE);
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_int_eq(run("sending_domain", ES_PHASE_VERIFY), ES_FAILED);
}
END_TEST

START_TEST(domain_apply_creates_claims_and_records_it)
{
	const struct mock_request *req;

	on(GET("/sending-domains/" DOMAIN), 404, ERRORS("1600", "nf", "x"));
	on(POST("/sending-domains"), 200,
	   "{\"results\": {\"domain\": \"" DOMAIN "\", \"dkim\": {}}}");

	ck_assert_int_eq(run("sending_domain", ES_PHASE_APPLY), ES_OK);
	req = mock_http_find(POST("/sending-domains"), 0);
	ck_assert_int_eq(req->mutating, 1);
	ck_assert_ptr_nonnull(strstr(req->body, "\"domain\":\"" DOMAIN "\""));
	ck_assert_pstr_eq(mock_state("sending_domain"), DOMAIN);
	ck_assert_pstr_eq(mock_state("made:sending_domain"), DOMAIN);
}
END_TEST

START_TEST(domain_in_use_by_another_account_fails_with_sparkposts_words)
{
	on(GET("/sending-domains/" DOMAIN), 404, ERRORS("1600", "nf", "x"));
	on(POST("/sending-domains"), 400,
	   ERRORS("7004", "Domain in use by another account", "Contact"));

	ck_assert_int_eq(run("sending_domain", ES_PHASE_APPLY), ES_FAILED);
	ck_assert_ptr_nonnull(
	    strstr(mock_diag_text(), "7004 Domain in use by another account"));
	ck_assert_ptr_null(mock_state("sending_domain"));
}
END_TEST

START_TEST(domain_conflict_is_adopted_not_claimed)
{
	on(GET("/sending-domains/" DOMAIN), 404, ERRORS("1600", "nf", "x"));
	on(POST("/sending-domains"), 409,
	   ERRORS("1602", "resource conflict", "exists"));

	ck_assert_int_eq(run("sending_domain", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_ptr_null(mock_state("made:sending_domain"));
}
END_TEST

START_TEST(domain_verify_publishes_dkim_txt_and_bounce_cname)
{
	const char *records;

	on(GET("/sending-domains/" DOMAIN), 200, DOMAIN_REPLY("unverified"));
	mock_state_set("sending_domain", DOMAIN);

	ck_assert_int_eq(run("sending_domain", ES_PHASE_VERIFY), ES_OK);
	records = mock_output("dns_records", NULL);
	ck_assert_ptr_nonnull(records);
	ck_assert_ptr_nonnull(
	    strstr(records, "\"scph0316._domainkey." DOMAIN "\""));
	ck_assert_ptr_nonnull(
	    strstr(records, "\"v=DKIM1; k=rsa; h=sha256; p=MIGfKEY\""));
	ck_assert_ptr_nonnull(
	    strstr(records, "\"value\":\"sparkpostmail.com\""));
	ck_assert_pstr_eq(mock_output("smtp_host", NULL),
	                  "smtp.sparkpostmail.com");

	mock_config_string("region", "eu");
	ck_assert_int_eq(run("sending_domain", ES_PHASE_VERIFY), ES_OK);
	ck_assert_ptr_nonnull(strstr(mock_output("dns_records", NULL),
	                             "\"eu.sparkpostmail.com\""));
}
END_TEST

START_TEST(verify_domain_polls_until_dkim_and_cname_are_valid)
{
	const struct mock_request *req;

	once(POST("/sending-domains/" DOMAIN "/verify"), 200,
	     "{\"results\": {\"dkim_status\": \"unverified\", "
	     "\"cname_status\": \"valid\"}}");
	on(POST("/sending-domains/" DOMAIN "/verify"), 200,
	   "{\"results\": {\"dkim_status\": \"valid\", "
	   "\"cname_status\": \"valid\"}}");

	ck_assert_int_eq(run("verify_sending_domain", ES_PHASE_APPLY),
	                 ES_IN_PROGRESS);
	ck_assert_pstr_eq(mock_output("domain_state", NULL), "pending: dkim");
	ck_assert_uint_eq(mock_retry_after(), VERIFY_POLL_MS);
	req = mock_http_find(POST("/sending-domains/" DOMAIN "/verify"), 0);
	ck_assert_ptr_nonnull(strstr(req->body, "\"dkim_verify\":true"));
	ck_assert_int_eq(run("verify_sending_domain", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_output("domain_state", NULL), "verified");
}
END_TEST

/* ---------------------------------------------------------- subaccount */

START_TEST(subaccount_created_publishes_its_key_as_a_secret_first)
{
	const struct mock_request *req;
	int secret = 0;

	mock_config_string("subaccount_name", SUB_NAME);
	on(GET("/subaccounts?per_page=100&name=" SUB_NAME), 200,
	   "{\"results\": [], \"links\": {}}");
	on(POST("/subaccounts"), 200,
	   "{\"results\": {\"subaccount_id\": 888, \"key\": \"cf80abc\", "
	   "\"label\": \"l\", \"short_key\": \"cf80\"}}");

	ck_assert_int_eq(run("subaccount", ES_PHASE_APPLY), ES_OK);
	req = mock_http_find(POST("/subaccounts"), 0);
	ck_assert_ptr_nonnull(strstr(req->body, "\"key_grants\":["));
	ck_assert_ptr_nonnull(strstr(req->body, "\"name\":\"" SUB_NAME "\""));
	ck_assert_pstr_eq(mock_output("subaccount_api_key", &secret),
	                  "cf80abc");
	ck_assert_int_eq(secret, 1);
	ck_assert_pstr_eq(mock_state("subaccount_key"), "cf80");
	ck_assert_pstr_eq(mock_state("subaccount"), "888");
	ck_assert_pstr_eq(mock_state("made:subaccount"), SUB_NAME);
}
END_TEST

START_TEST(subaccount_listing_follows_the_cursor_of_links_next)
{
	mock_config_string("subaccount_name", SUB_NAME);
	on(GET("/subaccounts?per_page=100&name=" SUB_NAME "&cursor=off=100"),
	   200,
	   "{\"results\": [{\"id\": 7, \"name\": \"" SUB_NAME
	   "\", \"status\": \"active\"}], \"links\": {}}");
	on(GET("/subaccounts?per_page=100&name=" SUB_NAME), 200,
	   "{\"results\": [{\"id\": 5, \"name\": \"Acme UAT2\", \"status\": "
	   "\"active\"}], \"links\": {\"next\": "
	   "\"/api/v1/subaccounts?cursor=off%3D100&per_page=100\"}}");
	mock_state_set("subaccount_key", "abcd");

	ck_assert_int_eq(run("subaccount", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_state("subaccount"), "7");
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

START_TEST(subaccount_with_a_lost_key_says_so_and_the_way_out)
{
	mock_config_string("subaccount_name", SUB_NAME);
	on(GET("/subaccounts/888"), 200,
	   "{\"results\": {\"id\": 888, \"name\": \"" SUB_NAME
	   "\", \"status\": \"active\"}}");
	mock_state_set("subaccount", "888");

	ck_assert_int_eq(run("subaccount", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_ptr_nonnull(
	    strstr(mock_plan(0)->detail, "API key is unknown"));
	ck_assert_int_eq(run("subaccount", ES_PHASE_APPLY), ES_FAILED);
	ck_assert_str_eq(mock_diag_key(), "subaccount_api_key");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "shows a subaccount's "
	                                               "key only once"));
	ck_assert_uint_eq(mock_http_writes(), 0);

	/* With a key made by hand, plan says it will be published. */
	mock_config_string("subaccount_api_key", "env:SUB_KEY");
	ck_assert_int_eq(run("subaccount", ES_PHASE_PLAN), ES_OK);
	ck_assert_ptr_nonnull(strstr(mock_plan(1)->detail, "publish"));
}
END_TEST

START_TEST(subaccount_teardown_is_kept_with_the_reason)
{
	mock_state_set("subaccount", "888");
	mock_state_set("made:subaccount", SUB_NAME);

	ck_assert_int_eq(run("subaccount", ES_PHASE_DESTROY), ES_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "no call that deletes"));
	ck_assert_uint_eq(mock_http_count(), 0);
	ck_assert_pstr_eq(mock_state("subaccount"), "888");
}
END_TEST

/* ------------------------------------------------------------- webhook */

START_TEST(webhook_target_refused_by_sparkpost_is_blamed_on_webhook_url)
{
	mock_config_string("webhook_url", HOOK);
	on(GET("/webhooks"), 200, "{\"results\": []}");
	on(POST("/webhooks"), 400,
	   "{\"errors\": [{\"code\": 400, \"message\": \"POST to webhook "
	   "target URL failed\"}]}");

	ck_assert_int_eq(run("configure_webhook", ES_PHASE_APPLY), ES_FAILED);
	ck_assert_str_eq(mock_diag_key(), "webhook_url");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "test POST"));
	ck_assert_ptr_null(mock_state("webhook"));
}
END_TEST

START_TEST(webhook_created_then_updated_when_events_differ)
{
	const struct mock_request *req;

	mock_config_string("webhook_url", HOOK);
	once(GET("/webhooks"), 200, "{\"results\": []}");
	on(POST("/webhooks"), 200, "{\"results\": {\"id\": \"wh-1\"}}");
	ck_assert_int_eq(run("configure_webhook", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_state("webhook"), "wh-1");
	ck_assert_pstr_eq(mock_state("made:webhook"), HOOK);
	req = mock_http_find(POST("/webhooks"), 0);
	ck_assert_ptr_nonnull(strstr(req->body, "\"target\":\"" HOOK "\""));

	on(GET("/webhooks"), 200,
	   "{\"results\": [{\"id\": \"wh-1\", \"target\": \"" HOOK
	   "\", \"events\": [\"delivery\"]}]}");
	on(PUT("/webhooks/wh-1"), 200, "{\"results\": {\"id\": \"wh-1\"}}");
	ck_assert_int_eq(run("configure_webhook", ES_PHASE_APPLY), ES_OK);
	req = mock_http_find(PUT("/webhooks/wh-1"), 0);
	ck_assert_ptr_nonnull(req);
	ck_assert_ptr_nonnull(
	    strstr(req->body, "\"events\":[\"delivery\",\"bounce\"]"));
}
END_TEST

/* ----------------------------------------------------------- templates */

START_TEST(template_absent_is_created_as_draft_then_published)
{
	const struct mock_request *req;

	with_template();
	on(GET("/templates/welcome"), 404, ERRORS("1600", "nf", "x"));
	on(POST("/templates"), 200, "{\"results\": {\"id\": \"welcome\"}}");
	on(PUT("/templates/welcome"), 200, NULL);

	ck_assert_int_eq(run("upload_templates", ES_PHASE_APPLY), ES_OK);
	req = mock_http_find(POST("/templates"), 0);
	ck_assert_ptr_nonnull(strstr(req->body, "\"id\":\"welcome\""));
	ck_assert_ptr_nonnull(
	    strstr(req->body, "\"from\":\"no-reply@" DOMAIN "\""));
	ck_assert_ptr_nonnull(strstr(req->body, "\"html\":\"<p>hi</p>\""));
	ck_assert_ptr_nonnull(
	    strstr(req->body, "\"subject\":\"Welcome {{name}}\""));
	ck_assert_ptr_nonnull(strstr(req->body, "\"text\":\"hi\""));
	req = mock_http_find(PUT("/templates/welcome"), 0);
	ck_assert_str_eq(req->body, "{\"published\":true}");
	ck_assert_pstr_eq(mock_state("template.welcome"), "welcome");
}
END_TEST

START_TEST(template_draft_in_place_but_unpublished_is_only_published)
{
	with_template();
	on(GET("/templates/welcome"), 200, TEMPLATE("<p>hi</p>", "false"));
	on(PUT("/templates/welcome"), 200, NULL);
	mock_state_set("template.welcome", "welcome");

	ck_assert_int_eq(run("upload_templates", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(PUT("/templates/welcome")), 1);
	ck_assert_uint_eq(mock_http_count_prefix(POST("/templates")), 0);
}
END_TEST

START_TEST(template_published_and_same_is_in_place)
{
	with_template();
	on(GET("/templates/welcome"), 200, TEMPLATE("<p>hi</p>", "true"));
	mock_state_set("template.welcome", "welcome");

	ck_assert_int_eq(run("upload_templates", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_int_eq(run("upload_templates", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

/* The html is the directory's but the subject is not: an update of the
 * draft, then published. */
START_TEST(template_subject_change_is_an_update)
{
	const struct mock_request *req;

	with_template();
	mock_state_set("template.welcome", "welcome");
	on(GET("/templates/welcome"), 200,
	   "{\"results\": {\"id\": \"welcome\", \"published\": true, "
	   "\"content\": {\"subject\": \"Old\", \"from\": \"f\", "
	   "\"html\": \"<p>hi</p>\", \"text\": \"hi\"}}}");
	on(PUT("/templates/welcome"), 200, NULL);

	ck_assert_int_eq(run("upload_templates", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_int_eq(run("upload_templates", ES_PHASE_APPLY), ES_OK);
	req = mock_http_find(PUT("/templates/welcome"), 0);
	ck_assert_ptr_nonnull(req);
	ck_assert_ptr_nonnull(
	    strstr(req->body, "\"subject\":\"Welcome {{name}}\""));
	req = mock_http_find(PUT("/templates/welcome"), 1);
	ck_assert_ptr_nonnull(req);
	ck_assert_str_eq(req->body, "{\"published\":true}");
}
END_TEST

/* A text removed from the directory (no body.txt) is a change: the
 * content PUT then has no text. */
START_TEST(template_without_text_drops_the_old_text)
{
	const struct mock_request *req;

	mock_config_string("templates_dir", "/etc/envsetup/templates");
	mock_template("templates_dir", "welcome", "Welcome {{name}}",
	              "<p>hi</p>", NULL);
	mock_state_set("template.welcome", "welcome");
	on(GET("/templates/welcome"), 200, TEMPLATE("<p>hi</p>", "true"));
	on(PUT("/templates/welcome"), 200, NULL);

	ck_assert_int_eq(run("upload_templates", ES_PHASE_APPLY), ES_OK);
	req = mock_http_find(PUT("/templates/welcome"), 0);
	ck_assert_ptr_nonnull(req);
	ck_assert_ptr_null(strstr(req->body, "\"text\""));
}
END_TEST

/* A directory the core could not read: nothing is sent. */
START_TEST(template_directory_that_fails_sends_nothing)
{
	with_template();
	mock_templates_broken("templates_dir");

	ck_assert_int_eq(run("upload_templates", ES_PHASE_APPLY),
	                 ES_INVALID_CONFIG);
	ck_assert_uint_eq(mock_http_count(), 0);
	ck_assert_str_eq(mock_diag_key(), "templates_dir");
}
END_TEST

START_TEST(template_conflict_is_adopted_not_claimed)
{
	with_template();
	on(GET("/templates/welcome"), 404, ERRORS("1600", "nf", "x"));
	on(POST("/templates"), 409, ERRORS("1602", "resource conflict", "x"));

	ck_assert_int_eq(run("upload_templates", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_ptr_null(mock_state("made:template.welcome"));
}
END_TEST

/* ------------------------------------------------------------ teardown */

START_TEST(destroy_deletes_only_what_envsetup_made)
{
	mock_state_set("sending_domain", DOMAIN);
	mock_state_set("webhook", "wh-1");
	mock_state_set("made:webhook", HOOK);
	mock_config_string("webhook_url", HOOK);
	on(DELETE("/webhooks/wh-1"), 204, NULL);

	/* The domain was there before envsetup (no claim): kept. */
	ck_assert_int_eq(run("sending_domain", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix("DELETE "), 0);
	ck_assert_int_eq(run("configure_webhook", ES_PHASE_PLAN_DESTROY),
	                 ES_OK);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_DELETE);
	ck_assert_uint_eq(mock_http_count(), 0);
	ck_assert_int_eq(run("configure_webhook", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(DELETE("/webhooks/wh-1")), 1);
	ck_assert_ptr_null(mock_state("webhook"));
	ck_assert_ptr_null(mock_state("made:webhook"));
}
END_TEST

START_TEST(template_in_use_is_not_deleted_yet)
{
	with_template();
	mock_state_set("template.welcome", "welcome");
	mock_state_set("made:template.welcome", "welcome");
	on(DELETE("/templates/welcome"), 409,
	   ERRORS("1602", "resource conflict", "Template is in use"));

	ck_assert_int_eq(run("upload_templates", ES_PHASE_DESTROY), ES_RETRY);
	ck_assert_pstr_eq(mock_state("template.welcome"), "welcome");
	ck_assert_pstr_eq(mock_state("made:template.welcome"), "welcome");
}
END_TEST

START_TEST(validate_refuses_a_from_address_off_the_sending_domain)
{
	const struct es_ctx *x = mock_ctx(ES_PHASE_PLAN, NULL);

	mock_config_string("from_email", "no-reply@other.example");
	ck_assert_int_eq(sparkpost.ops->validate(x), ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "from_email");
}
END_TEST

/* ---------------------------------------------------------------- main */

int main(void)
{
	const TTest *tests[] = {
	    the_key_is_the_whole_authorization_header,
	    eu_region_uses_the_eu_url_unless_api_url_is_set,
	    rejected_key_is_invalid_config_naming_api_key,
	    account_without_customer_id_is_malformed_not_ok,
	    errors_sent_with_200_are_a_failure_of_the_request,
	    domain_plan_on_absent_records_a_create_and_writes_nothing,
	    domain_apply_creates_claims_and_records_it,
	    domain_in_use_by_another_account_fails_with_sparkposts_words,
	    domain_conflict_is_adopted_not_claimed,
	    domain_verify_publishes_dkim_txt_and_bounce_cname,
	    verify_domain_polls_until_dkim_and_cname_are_valid,
	    subaccount_created_publishes_its_key_as_a_secret_first,
	    subaccount_listing_follows_the_cursor_of_links_next,
	    subaccount_with_a_lost_key_says_so_and_the_way_out,
	    subaccount_teardown_is_kept_with_the_reason,
	    webhook_target_refused_by_sparkpost_is_blamed_on_webhook_url,
	    webhook_created_then_updated_when_events_differ,
	    template_absent_is_created_as_draft_then_published,
	    template_draft_in_place_but_unpublished_is_only_published,
	    template_published_and_same_is_in_place,
	    template_conflict_is_adopted_not_claimed,
	    template_subject_change_is_an_update,
	    template_without_text_drops_the_old_text,
	    template_directory_that_fails_sends_nothing,
	    destroy_deletes_only_what_envsetup_made,
	    template_in_use_is_not_deleted_yet,
	    validate_refuses_a_from_address_off_the_sending_domain,
	};
	Suite *s = suite_create("sparkpost");
	TCase *tc = tcase_create("tasks");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
