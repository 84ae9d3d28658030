/*
 * The mandrill plugin's tasks against the SDK's mock host (mock_host.h):
 * Mandrill's answers are scripted per request, and every request, plan
 * change, state key, output and diagnostic is recorded for the assertions.
 * The plugin's sources are compiled in (its .so exports only the entry).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mock_host.h"

#include "../mandrill.c"
#include "../mandrill_account.c"
#include "../mandrill_api.c"
#include "../mandrill_domain.c"
#include "../mandrill_templates.c"

#define API "https://api.mandrill.test"
#define DOMAIN "mail.acme.example"
#define CALL(path) "POST " API path "\n"
#define HOOK "https://app.acme.example/hooks/mandrill"

/* A sender domain as senders/domains lists it. */
#define DOMAIN_ITEM(signing)                                                   \
	"{\"domain\": \"" DOMAIN "\", \"created_at\": "                        \
	"\"2024-01-01T00:00:00Z\", \"verify_txt_key\": \"abc123\", "           \
	"\"dkim\": {\"valid\": " signing "}, \"dkim2\": {\"valid\": " signing  \
	"}, \"dmarc\": {\"valid\": " signing "}, \"valid_signing\": " signing  \
	"}"
#define ERROR(status_code, name, text)                                         \
	"{\"status\": \"error\", \"code\": " status_code ", \"name\": \"" name \
	"\", \"message\": \"" text "\"}"
/* templates/info of "welcome", its draft and published versions with
 * the subject and text of with_template(). */
#define TEMPLATE(code, publish_code)                                           \
	"{\"slug\": \"welcome\", \"name\": \"welcome\", \"code\": \"" code     \
	"\", \"subject\": \"Welcome {{name}}\", \"text\": \"hi\", "            \
	"\"publish_code\": \"" publish_code "\", \"publish_subject\": "        \
	"\"Welcome {{name}}\", \"publish_text\": \"hi\"}"

/* ------------------------------------------------------------ fixture */

static void setup(void)
{
	mock_host_reset();
	mock_config_string("api_url", API);
	mock_config_string("domain", DOMAIN);
	mock_config_string("dmarc_policy", "none");
	mock_config_list("webhook_events", "hard_bounce", "spam", NULL);
}

static void teardown(void)
{
	mock_host_reset();
}

static enum es_status run(const char *task, enum es_phase phase)
{
	return mock_run_task(&mandrill, task, phase, NULL);
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

/* -------------------------------------------------- add_sender_domain */

START_TEST(domain_plan_on_absent_records_a_create_and_writes_nothing)
{
	on(CALL("/senders/domains"), 200, "[]");

	ck_assert_int_eq(run("add_sender_domain", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_CREATE);
	ck_assert_str_eq(mock_plan(0)->name, DOMAIN);
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_ptr_null(mock_state("sender_domain"));
	ck_assert_int_eq(run("add_sender_domain", ES_PHASE_VERIFY), ES_FAILED);
}
END_TEST

START_TEST(domain_apply_adds_with_the_key_in_the_body_and_records_it)
{
	const struct mock_request *add;

	on(CALL("/senders/domains"), 200, "[]");
	on(CALL("/senders/add-domain"), 200, DOMAIN_ITEM("false"));

	ck_assert_int_eq(run("add_sender_domain", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(CALL("/senders/add-domain")),
	                  1);
	add = mock_http_find(CALL("/senders/add-domain"), 0);
	ck_assert_int_eq(add->mutating, 1);
	ck_assert_str_eq(add->intent, "add sender domain " DOMAIN);
	ck_assert_str_eq(add->content_type, "application/json");
	/* The key never enters the plugin: the core substitutes it. */
	ck_assert_ptr_nonnull(
	    strstr(add->body, "\"key\":\"{{secret:api_key}}\""));
	ck_assert_ptr_nonnull(strstr(add->body, "\"domain\":\"" DOMAIN "\""));
	ck_assert_ptr_null(mock_request_header(add, "Authorization"));
	ck_assert_pstr_eq(mock_state("sender_domain"), DOMAIN);
	ck_assert_pstr_eq(mock_state("made:sender_domain"), DOMAIN);
}
END_TEST

START_TEST(domain_found_but_unrecorded_is_a_change_then_recorded_not_added)
{
	on(CALL("/senders/domains"), 200, "[" DOMAIN_ITEM("false") "]");

	ck_assert_int_eq(run("add_sender_domain", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_ptr_nonnull(strstr(mock_plan(0)->detail, "record"));
	ck_assert_int_eq(run("add_sender_domain", ES_PHASE_VERIFY), ES_FAILED);

	ck_assert_int_eq(run("add_sender_domain", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_state("sender_domain"), DOMAIN);
	ck_assert_ptr_null(mock_state("made:sender_domain")); /* adopted */
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_int_eq(run("add_sender_domain", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1); /* no second change */
}
END_TEST

START_TEST(domain_verify_publishes_the_records_to_publish)
{
	const char *records;

	mock_state_set("sender_domain", DOMAIN);
	on(CALL("/senders/domains"), 200, "[" DOMAIN_ITEM("false") "]");

	ck_assert_int_eq(run("add_sender_domain", ES_PHASE_VERIFY), ES_OK);
	records = mock_output("dns_records", NULL);
	ck_assert_ptr_nonnull(records);
	ck_assert_ptr_nonnull(strstr(records, "{\"type\":\"CNAME\",\"name\":"
	                                      "\"mte1._domainkey." DOMAIN
	                                      "\",\"value\":\"dkim1."
	                                      "mandrillapp.com\"}"));
	ck_assert_ptr_nonnull(strstr(records, "mte2._domainkey." DOMAIN));
	ck_assert_ptr_nonnull(strstr(records, "\"name\":\"_dmarc." DOMAIN
	                                      "\",\"value\":\"v=DMARC1; "
	                                      "p=none\""));
	ck_assert_ptr_nonnull(strstr(records, "mandrill_verify.abc123"));
	ck_assert_pstr_eq(mock_output("smtp_host", NULL),
	                  "smtp.mandrillapp.com");
}
END_TEST

START_TEST(domain_list_answered_malformed_retries_and_adds_nothing)
{
	on(CALL("/senders/domains"), 200, "{\"domains\": ");

	ck_assert_int_eq(run("add_sender_domain", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(mock_http_writes(), 0);
	mock_host_reset();
	setup();
	/* Parses, but is no list: the same. */
	on(CALL("/senders/domains"), 200, "{\"domain\": \"x\"}");
	ck_assert_int_eq(run("add_sender_domain", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "Mandrill"));
}
END_TEST

START_TEST(invalid_key_is_invalid_config_naming_api_key)
{
	on(CALL("/users/ping"), 401,
	   ERROR("401", "Invalid_Key", "Invalid API key"));
	on(CALL("/senders/domains"), 401,
	   ERROR("401", "Invalid_Key", "Invalid API key"));

	ck_assert_int_eq(run("verify_api_key", ES_PHASE_VERIFY),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "api_key");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "Invalid_Key"));
	ck_assert_int_eq(run("add_sender_domain", ES_PHASE_APPLY),
	                 ES_INVALID_CONFIG);
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

/* The older service sent every error as HTTP 500: the name decides. */
START_TEST(error_names_decide_whatever_the_http_status)
{
	on(CALL("/users/ping"), 500,
	   ERROR("-1", "Invalid_Key", "Invalid API key"));
	ck_assert_int_eq(run("verify_api_key", ES_PHASE_VERIFY),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "api_key");

	mock_config_string("subaccount_id", "acme-uat");
	on(CALL("/subaccounts/info"), 500,
	   ERROR("12", "Unknown_Subaccount", "No subaccount exists"));
	ck_assert_int_eq(run("subaccount", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_CREATE);
}
END_TEST

/* An error shape sent with 200 is no answer: retried, never "found". */
START_TEST(error_in_200_is_a_failure_of_the_request)
{
	on(CALL("/users/ping"), 200,
	   ERROR("-1", "GeneralError", "Something went wrong"));

	ck_assert_int_eq(run("verify_api_key", ES_PHASE_VERIFY), ES_RETRY);
	ck_assert_uint_eq(mock_diag_count(), 2);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "users/ping"));
}
END_TEST

START_TEST(verify_api_key_wants_pong)
{
	on(CALL("/users/ping"), 200, "\"PONG!\"");
	ck_assert_int_eq(run("verify_api_key", ES_PHASE_VERIFY), ES_OK);
	mock_host_reset();
	setup();
	on(CALL("/users/ping"), 200, "\"pong?\"");
	ck_assert_int_eq(run("verify_api_key", ES_PHASE_VERIFY), ES_RETRY);
}
END_TEST

/* ----------------------------------------------- verify_sender_domain */

START_TEST(verify_domain_polls_until_mandrill_may_sign)
{
	const struct mock_request *check;
	size_t pending =
	    mock_http_reply(CALL("/senders/check-domain"), 200,
	                    DOMAIN_ITEM("false"), NULL, MOCK_REPLY_ALWAYS);

	ck_assert_int_eq(run("verify_sender_domain", ES_PHASE_APPLY),
	                 ES_IN_PROGRESS);
	ck_assert_uint_eq(mock_retry_after(), VERIFY_POLL_MS);
	ck_assert_pstr_eq(mock_output("domain_state", NULL),
	                  "pending: ownership dkim dkim2 dmarc");
	check = mock_http_find(CALL("/senders/check-domain"), 0);
	ck_assert_int_eq(check->mutating, 0); /* safe to resend */
	mock_http_drop(pending);
	on(CALL("/senders/check-domain"), 200, DOMAIN_ITEM("true"));
	ck_assert_int_eq(run("verify_sender_domain", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_output("domain_state", NULL), "verified");
}
END_TEST

START_TEST(verify_domain_plan_reads_the_list_only)
{
	on(CALL("/senders/domains"), 200, "[" DOMAIN_ITEM("false") "]");

	ck_assert_int_eq(run("verify_sender_domain", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_uint_eq(mock_http_count_prefix(CALL("/senders/check-domain")),
	                  0);
	ck_assert_int_eq(run("verify_sender_domain", ES_PHASE_VERIFY),
	                 ES_FAILED);
}
END_TEST

/* --------------------------------------------------------- subaccount */

START_TEST(subaccount_absent_is_added_and_recorded)
{
	const struct mock_request *add;

	mock_config_string("subaccount_id", "acme-uat");
	on(CALL("/subaccounts/info"), 404,
	   ERROR("12", "Unknown_Subaccount", "No subaccount"));
	on(CALL("/subaccounts/add"), 200,
	   "{\"id\": \"acme-uat\", \"status\": \"active\"}");

	ck_assert_int_eq(run("subaccount", ES_PHASE_APPLY), ES_OK);
	add = mock_http_find(CALL("/subaccounts/add"), 0);
	ck_assert_ptr_nonnull(strstr(add->body, "\"id\":\"acme-uat\""));
	ck_assert_pstr_eq(mock_state("subaccount"), "acme-uat");
	ck_assert_pstr_eq(mock_state("made:subaccount"), "acme-uat");
}
END_TEST

/* Added by someone else between the look-up and the add: adopted. */
START_TEST(subaccount_conflict_is_adopted)
{
	mock_config_string("subaccount_id", "acme-uat");
	once(CALL("/subaccounts/info"), 404,
	     ERROR("12", "Unknown_Subaccount", "No subaccount"));
	on(CALL("/subaccounts/info"), 200,
	   "{\"id\": \"acme-uat\", \"status\": \"active\"}");
	on(CALL("/subaccounts/add"), 422,
	   ERROR("-2", "ValidationError",
	         "A subaccount with id acme-uat already exists"));

	ck_assert_int_eq(run("subaccount", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(CALL("/subaccounts/add")), 1);
	ck_assert_pstr_eq(mock_state("subaccount"), "acme-uat");
	ck_assert_ptr_null(mock_state("made:subaccount"));
	ck_assert_int_eq(run("subaccount", ES_PHASE_VERIFY), ES_OK);
	ck_assert_pstr_eq(mock_output("subaccount_id", NULL), "acme-uat");
}
END_TEST

START_TEST(subaccount_unset_sends_nothing)
{
	ck_assert_int_eq(run("subaccount", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 0);
}
END_TEST

/* ---------------------------------------------------------- webhook */

START_TEST(webhook_added_then_updated_when_events_differ)
{
	const struct mock_request *add;

	mock_config_string("webhook_url", HOOK);
	once(CALL("/webhooks/list"), 200, "[]");
	on(CALL("/webhooks/add"), 200,
	   "{\"id\": 42, \"url\": \"" HOOK "\", \"auth_key\": \"k\"}");

	ck_assert_int_eq(run("configure_webhook", ES_PHASE_APPLY), ES_OK);
	add = mock_http_find(CALL("/webhooks/add"), 0);
	ck_assert_ptr_nonnull(
	    strstr(add->body, "\"events\":[\"hard_bounce\",\"spam\"]"));
	ck_assert_pstr_eq(mock_state("webhook"), "42");
	ck_assert_pstr_eq(mock_state("made:webhook"), HOOK);

	on(CALL("/webhooks/list"), 200,
	   "[{\"id\": 42, \"url\": \"" HOOK "\", \"auth_key\": \"sig-key\", "
	   "\"events\": [\"hard_bounce\"]}]");
	on(CALL("/webhooks/update"), 200, "{\"id\": 42}");
	ck_assert_int_eq(run("configure_webhook", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_int_eq(run("configure_webhook", ES_PHASE_APPLY), ES_OK);
	ck_assert_ptr_nonnull(strstr(
	    mock_http_find(CALL("/webhooks/update"), 0)->body, "\"id\":42"));
	ck_assert_uint_eq(mock_http_count_prefix(CALL("/webhooks/add")), 1);
}
END_TEST

START_TEST(webhook_in_place_publishes_its_signing_key_as_a_secret)
{
	int secret = 0;

	mock_config_string("webhook_url", HOOK);
	mock_state_set("webhook", "42");
	on(CALL("/webhooks/list"), 200,
	   "[{\"id\": 7, \"url\": \"https://other.example/h\"}, "
	   "{\"id\": 42, \"url\": \"" HOOK "\", \"auth_key\": \"sig-key\", "
	   "\"events\": [\"spam\", \"hard_bounce\"]}]");

	ck_assert_int_eq(run("configure_webhook", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_int_eq(run("configure_webhook", ES_PHASE_VERIFY), ES_OK);
	ck_assert_pstr_eq(mock_output("webhook_auth_key", &secret), "sig-key");
	ck_assert_int_eq(secret, 1);
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

/* -------------------------------------------------------- templates */

START_TEST(template_absent_is_added_published)
{
	const struct mock_request *add;

	with_template();
	on(CALL("/templates/info"), 404,
	   ERROR("5", "Unknown_Template", "No such template"));
	on(CALL("/templates/add"), 200, TEMPLATE("<p>hi</p>", "<p>hi</p>"));

	ck_assert_int_eq(run("upload_templates", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_int_eq(run("upload_templates", ES_PHASE_APPLY), ES_OK);
	add = mock_http_find(CALL("/templates/add"), 0);
	ck_assert_ptr_nonnull(strstr(add->body, "\"code\":\"<p>hi</p>\""));
	ck_assert_ptr_nonnull(
	    strstr(add->body, "\"subject\":\"Welcome {{name}}\""));
	ck_assert_ptr_nonnull(strstr(add->body, "\"text\":\"hi\""));
	ck_assert_ptr_nonnull(strstr(add->body, "\"publish\":true"));
	ck_assert_pstr_eq(mock_state("template.welcome"), "welcome");
}
END_TEST

/* Invalid_Template: made by someone else since the look-up. Adopted
 * (kept by destroy) and brought to the file's code. */
START_TEST(template_conflict_is_adopted_and_updated)
{
	with_template();
	on(CALL("/templates/info"), 404,
	   ERROR("5", "Unknown_Template", "No such template"));
	on(CALL("/templates/add"), 422,
	   ERROR("6", "Invalid_Template",
	         "A template with name \\\"welcome\\\" already exists"));
	on(CALL("/templates/update"), 200, TEMPLATE("<p>hi</p>", "<p>hi</p>"));

	ck_assert_int_eq(run("upload_templates", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(CALL("/templates/update")), 1);
	ck_assert_pstr_eq(mock_state("template.welcome"), "welcome");
	ck_assert_ptr_null(mock_state("made:template.welcome"));
}
END_TEST

START_TEST(template_draft_in_place_but_unpublished_is_only_published)
{
	with_template();
	mock_state_set("template.welcome", "welcome");
	on(CALL("/templates/info"), 200, TEMPLATE("<p>hi</p>", "<p>old</p>"));
	on(CALL("/templates/publish"), 200, TEMPLATE("<p>hi</p>", "<p>hi</p>"));

	ck_assert_int_eq(run("upload_templates", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(CALL("/templates/publish")),
	                  1);
	ck_assert_uint_eq(mock_http_count_prefix(CALL("/templates/update")), 0);
}
END_TEST

/* The code is the file's but the subject is not: an update, published. */
START_TEST(template_subject_change_is_an_update)
{
	with_template();
	mock_state_set("template.welcome", "welcome");
	on(CALL("/templates/info"), 200,
	   "{\"name\": \"welcome\", \"code\": \"<p>hi</p>\", \"subject\": "
	   "\"Old\", \"text\": \"hi\", \"publish_code\": \"<p>hi</p>\", "
	   "\"publish_subject\": \"Old\", \"publish_text\": \"hi\"}");
	on(CALL("/templates/update"), 200, TEMPLATE("<p>hi</p>", "<p>hi</p>"));

	ck_assert_int_eq(run("upload_templates", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_int_eq(run("upload_templates", ES_PHASE_APPLY), ES_OK);
	ck_assert_ptr_nonnull(
	    strstr(mock_http_find(CALL("/templates/update"), 0)->body,
	           "\"subject\":\"Welcome {{name}}\""));
}
END_TEST

START_TEST(template_in_place_is_left_alone)
{
	with_template();
	mock_state_set("template.welcome", "welcome");
	on(CALL("/templates/info"), 200, TEMPLATE("<p>hi</p>", "<p>hi</p>"));

	ck_assert_int_eq(run("upload_templates", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_uint_eq(mock_plan_count(), 0);
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

/* --------------------------------------------------------- teardown */

START_TEST(plan_destroy_records_deletes_of_what_envsetup_made)
{
	mock_config_string("subaccount_id", "acme-uat");
	mock_state_set("sender_domain", DOMAIN);
	mock_state_set("made:sender_domain", DOMAIN);
	mock_state_set("subaccount", "acme-uat"); /* adopted: no claim */

	ck_assert_int_eq(run("add_sender_domain", ES_PHASE_PLAN_DESTROY),
	                 ES_OK);
	ck_assert_int_eq(run("subaccount", ES_PHASE_PLAN_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_DELETE);
	ck_assert_str_eq(mock_plan(0)->name, DOMAIN);
	ck_assert_uint_eq(mock_http_count(), 0);
}
END_TEST

START_TEST(destroy_deletes_only_what_envsetup_made)
{
	const struct mock_request *del;

	mock_config_string("webhook_url", HOOK);
	mock_state_set("sender_domain", DOMAIN); /* adopted: kept */
	mock_state_set("webhook", "42");
	mock_state_set("made:webhook", HOOK);
	on(CALL("/webhooks/delete"), 200, "{\"id\": 42}");

	ck_assert_int_eq(run("add_sender_domain", ES_PHASE_DESTROY), ES_OK);
	ck_assert_int_eq(run("configure_webhook", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 1);
	del = mock_http_find(CALL("/webhooks/delete"), 0);
	ck_assert_ptr_nonnull(strstr(del->body, "\"id\":42"));
	ck_assert_int_eq(del->mutating, 1);
	ck_assert_ptr_null(mock_state("webhook"));
	ck_assert_ptr_null(mock_state("made:webhook"));
	ck_assert_pstr_eq(mock_state("sender_domain"), DOMAIN);
	/* Never applied: nothing to do. */
	ck_assert_int_eq(run("subaccount", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 1);
}
END_TEST

START_TEST(destroy_of_what_is_already_gone_is_done)
{
	mock_config_string("subaccount_id", "acme-uat");
	mock_state_set("subaccount", "acme-uat");
	mock_state_set("made:subaccount", "acme-uat");
	on(CALL("/subaccounts/delete"), 404,
	   ERROR("12", "Unknown_Subaccount", "No subaccount"));

	ck_assert_int_eq(run("subaccount", ES_PHASE_DESTROY), ES_OK);
	ck_assert_ptr_null(mock_state("subaccount"));
	ck_assert_uint_eq(mock_diag_count(), 0);
}
END_TEST

/* ----------------------------------------------------------- validate */

START_TEST(validate_refuses_webhook_url_without_events)
{
	mock_config_string("webhook_url", HOOK);
	mock_config_list("webhook_events", NULL);

	ck_assert_int_eq(mandrill.ops->validate(mock_ctx(ES_PHASE_PLAN, NULL)),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "webhook_events");
	ck_assert_uint_eq(mock_http_count(), 0);
}
END_TEST

/* ---------------------------------------------------------------- main */

int main(void)
{
	const TTest *tests[] = {
	    domain_plan_on_absent_records_a_create_and_writes_nothing,
	    domain_apply_adds_with_the_key_in_the_body_and_records_it,
	    domain_found_but_unrecorded_is_a_change_then_recorded_not_added,
	    domain_verify_publishes_the_records_to_publish,
	    domain_list_answered_malformed_retries_and_adds_nothing,
	    invalid_key_is_invalid_config_naming_api_key,
	    error_names_decide_whatever_the_http_status,
	    error_in_200_is_a_failure_of_the_request,
	    verify_api_key_wants_pong,
	    verify_domain_polls_until_mandrill_may_sign,
	    verify_domain_plan_reads_the_list_only,
	    subaccount_absent_is_added_and_recorded,
	    subaccount_conflict_is_adopted,
	    subaccount_unset_sends_nothing,
	    webhook_added_then_updated_when_events_differ,
	    webhook_in_place_publishes_its_signing_key_as_a_secret,
	    template_absent_is_added_published,
	    template_conflict_is_adopted_and_updated,
	    template_draft_in_place_but_unpublished_is_only_published,
	    plan_destroy_records_deletes_of_what_envsetup_made,
	    destroy_deletes_only_what_envsetup_made,
	    destroy_of_what_is_already_gone_is_done,
	    validate_refuses_webhook_url_without_events,
	    template_subject_change_is_an_update,
	    template_in_place_is_left_alone,
	    template_directory_that_fails_sends_nothing,
	};
	Suite *s = suite_create("mandrill");
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
