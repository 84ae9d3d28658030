/*
 * The splunk plugin's tasks against the SDK's mock host (mock_host.h):
 * Splunk's answers are scripted per request, and every request, plan
 * change, state key, output and diagnostic is recorded for the assertions.
 * The plugin's sources are compiled in (its .so exports only the entry).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

#include "../splunk.c"
#include "../splunk_access.c"
#include "../splunk_alerts.c"
#include "../splunk_api.c"
#include "../splunk_data.c"

#define API "https://splunk.test:8089"
#define ACS "https://admin.splunk.test"
#define NOT_FOUND                                                              \
	"{\"messages\":[{\"type\":\"ERROR\",\"text\":\"In handler 'x': "       \
	"Could not find object id=y\"}]}"
#define ENTRY(content)                                                         \
	"{\"entry\":[{\"name\":\"n\",\"content\":" content "}],"               \
	"\"messages\":[]}"

static void setup(void)
{
	mock_host_reset();
	mock_config_string("mode", "enterprise");
	mock_config_string("management_url", API);
	mock_config_string("acs_url", ACS);
	mock_config_string("auth_token", "env:SPLUNK_TOKEN");
	mock_config_string("index", "acme_uat");
	mock_config_duration("retention", 90LL * 86400 * 1000);
	mock_config_int("max_size_mb", 500000);
	mock_config_list("role_imports", "user", NULL);
	mock_config_string("admin_role", "admin");
}

static void teardown(void)
{
	mock_host_reset();
}

static enum es_status run(const char *task, enum es_phase phase)
{
	return mock_run_task(&splunk, task, phase, NULL);
}

static void on(const char *match, long status, const char *body)
{
	mock_http_reply(match, status, body, NULL, MOCK_REPLY_ALWAYS);
}

START_TEST(every_call_asks_for_json_with_the_token)
{
	on("GET " API "/services/data/indexes/acme_uat", 404, NOT_FOUND);
	ck_assert_int_eq(run("index", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_CREATE);
	ck_assert_str_eq(mock_http_sent(0)->url, API
	                 "/services/data/indexes/acme_uat?output_mode=json");
	ck_assert_str_eq(
	    mock_request_header(mock_http_sent(0), "Authorization"),
	    "Bearer {{secret:auth_token}}");
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

START_TEST(role_is_created_with_repeated_form_fields_and_claimed)
{
	const struct mock_request *post;

	mock_config_list("role_imports", "user", "power", NULL);
	on("GET " API "/services/authorization/roles/acme_uat_user", 404,
	   NOT_FOUND);
	on("POST " API "/services/authorization/roles?", 201,
	   ENTRY("{\"imported_roles\":[\"user\",\"power\"]}"));
	ck_assert_int_eq(run("role", ES_PHASE_APPLY), ES_OK);
	post = mock_http_find("POST ", 0);
	ck_assert_ptr_nonnull(post);
	ck_assert_int_eq(post->form_kind, ES_FORM_URLENCODED);
	ck_assert_ptr_nonnull(strstr(post->text, "name=acme_uat_user\n"));
	ck_assert_ptr_nonnull(strstr(post->text, "imported_roles=user\n"));
	ck_assert_ptr_nonnull(strstr(post->text, "imported_roles=power\n"));
	ck_assert_ptr_nonnull(
	    strstr(post->text, "srchIndexesAllowed=acme_uat"));
	ck_assert_str_eq(mock_state("role"), "acme_uat_user");
	ck_assert_str_eq(mock_state("made:role"), "acme_uat_user");
}
END_TEST

START_TEST(a_role_lacking_the_index_is_updated_keeping_its_indexes)
{
	const struct mock_request *post;

	on("GET " API "/services/authorization/roles/acme_uat_user", 200,
	   ENTRY("{\"imported_roles\":[\"user\"],\"srchIndexesAllowed\":"
	         "[\"main\"],\"srchIndexesDefault\":[\"main\"]}"));
	on("POST " API "/services/authorization/roles/acme_uat_user", 200,
	   ENTRY("{}"));
	mock_state_set("role", "acme_uat_user");
	ck_assert_int_eq(run("role", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_str_eq(mock_plan(0)->detail, "may not search the index");
	ck_assert_int_eq(run("role", ES_PHASE_APPLY), ES_OK);
	post = mock_http_find("POST ", 0);
	ck_assert_ptr_nonnull(post);
	ck_assert_ptr_null(strstr(post->text, "name="));
	ck_assert_ptr_nonnull(strstr(post->text, "srchIndexesAllowed=main\n"));
	ck_assert_ptr_nonnull(
	    strstr(post->text, "srchIndexesAllowed=acme_uat\n"));
}
END_TEST

START_TEST(a_found_index_missing_from_state_is_recorded_not_in_place)
{
	on("GET " API "/services/data/indexes/acme_uat", 200,
	   ENTRY("{\"frozenTimePeriodInSecs\":7776000,"
	         "\"maxTotalDataSizeMB\":500000}"));
	ck_assert_int_eq(run("index", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(run("index", ES_PHASE_APPLY), ES_OK);
	ck_assert_str_eq(mock_state("index"), "acme_uat");
	ck_assert_ptr_null(mock_state("made:index")); /* adopted: kept */
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

START_TEST(splunk_errors_name_the_provider_and_the_text)
{
	on("GET " API "/services/data/indexes/acme_uat", 500,
	   "{\"messages\":[{\"type\":\"ERROR\",\"text\":\"splunkd is "
	   "restarting\"}]}");
	ck_assert_int_eq(run("index", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "Splunk"));
	ck_assert_ptr_nonnull(
	    strstr(mock_diag_text(), "splunkd is restarting"));
}
END_TEST

START_TEST(an_entity_without_entry_is_malformed_never_absent)
{
	on("GET " API "/services/data/indexes/acme_uat", 200,
	   "{\"messages\":[]}");
	ck_assert_int_eq(run("index", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

START_TEST(a_create_answered_409_is_looked_up_again)
{
	mock_config_list("alerts", "Server errors: status>=500", NULL);
	mock_config_list("alert_emails", "oncall@acme.example", NULL);
	mock_config_int("alert_threshold", 10);
	mock_config_string("alert_schedule", "*/5 * * * *");
	on("GET " API "/servicesNS/nobody/search/saved/searches/", 404,
	   NOT_FOUND);
	on("POST " API "/servicesNS/nobody/search/saved/searches?", 409,
	   "{\"messages\":[{\"type\":\"ERROR\",\"text\":\"already "
	   "exists\"}]}");
	ck_assert_int_eq(run("alerts", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_str_eq(mock_state("made:alert:Server errors"),
	                 "acme_uat Server errors");
	ck_assert_ptr_null(mock_state("alert:Server errors"));
	ck_assert_uint_eq(mock_retry_after(), ES_POLL_MIN_MS);
}
END_TEST

START_TEST(hec_token_is_a_secret_output_in_verify)
{
	int secret = 0;

	mock_config_list("components", "api", NULL);
	on("GET " API "/servicesNS/nobody/splunk_httpinput/data/inputs/http/"
	   "http?",
	   200, ENTRY("{\"disabled\":false}"));
	on("GET " API "/servicesNS/nobody/splunk_httpinput/data/inputs/http/"
	   "acme_uat-api",
	   200, ENTRY("{\"token\":\"tok-123\",\"index\":\"acme_uat\"}"));
	mock_state_set("hec:api", "acme_uat-api");
	ck_assert_int_eq(run("hec_tokens", ES_PHASE_VERIFY), ES_OK);
	ck_assert_str_eq(mock_output("hec_token:api", &secret), "tok-123");
	ck_assert_int_eq(secret, 1);
}
END_TEST

START_TEST(cloud_tokens_come_from_acs_with_the_stack_hec_url)
{
	int secret = 0;

	mock_config_string("mode", "cloud");
	mock_config_string("stack", "acme");
	mock_config_list("components", "api", NULL);
	on("GET " ACS "/acme/adminconfig/v2/inputs/http-event-collectors/"
	   "acme_uat-api",
	   200,
	   "{\"http-event-collector\":{\"spec\":{\"name\":\"acme_uat-api\","
	   "\"defaultIndex\":\"acme_uat\"},\"token\":\"tok-9\"}}");
	mock_state_set("hec:api", "acme_uat-api");
	ck_assert_int_eq(run("hec_tokens", ES_PHASE_VERIFY), ES_OK);
	ck_assert_str_eq(mock_output("hec_token:api", &secret), "tok-9");
	ck_assert_int_eq(secret, 1);
	ck_assert_str_eq(mock_output("hec_url", &secret),
	                 "https://http-inputs-acme.splunkcloud.com");
	ck_assert_int_eq(secret, 0);
	ck_assert_uint_eq(mock_http_count_prefix("GET " API), 0);
}
END_TEST

START_TEST(cloud_index_polls_after_the_202)
{
	mock_config_string("mode", "cloud");
	mock_config_string("stack", "acme");
	on("GET " ACS "/acme/adminconfig/v2/indexes/acme_uat", 404,
	   "{\"code\":\"404-index-not-found\",\"message\":\"no\"}");
	on("POST " ACS "/acme/adminconfig/v2/indexes", 202,
	   "{\"name\":\"acme_uat\"}");
	ck_assert_int_eq(run("index", ES_PHASE_APPLY), ES_IN_PROGRESS);
	ck_assert_str_eq(mock_state("index"), "acme_uat");
	ck_assert_ptr_nonnull(
	    strstr(mock_http_find("POST ", 0)->body, "\"searchableDays\":90"));
	/* Provisioning: the 404 is polled, never a second create. */
	ck_assert_int_eq(run("index", ES_PHASE_APPLY), ES_IN_PROGRESS);
	ck_assert_uint_eq(mock_http_count_prefix("POST "), 1);
}
END_TEST

START_TEST(teardown_keeps_what_envsetup_did_not_make)
{
	mock_state_set("index", "acme_uat");
	ck_assert_int_eq(run("index", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 0);
	mock_state_set("made:index", "acme_uat");
	on("GET " API "/services/data/indexes/acme_uat", 200, ENTRY("{}"));
	on("DELETE " API "/services/data/indexes/acme_uat", 200, ENTRY("{}"));
	ck_assert_int_eq(run("index", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix("DELETE "), 1);
	ck_assert_ptr_null(mock_state("index"));
}
END_TEST

START_TEST(validate_takes_one_kind_of_credentials)
{
	/* auth = token (the default) with a username beside the token. */
	mock_config_string("username", "envsetup");
	ck_assert_int_eq(splunk_validate(mock_ctx(ES_PHASE_PLAN, NULL)),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "username");
	/* auth = basic with the token still set. */
	mock_config_string("auth", "basic");
	ck_assert_int_eq(splunk_validate(mock_ctx(ES_PHASE_PLAN, NULL)),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "auth_token");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("splunk");
	TCase *tc = tcase_create("tasks");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, every_call_asks_for_json_with_the_token);
	tcase_add_test(tc,
	               role_is_created_with_repeated_form_fields_and_claimed);
	tcase_add_test(tc,
	               a_role_lacking_the_index_is_updated_keeping_its_indexes);
	tcase_add_test(
	    tc, a_found_index_missing_from_state_is_recorded_not_in_place);
	tcase_add_test(tc, splunk_errors_name_the_provider_and_the_text);
	tcase_add_test(tc, an_entity_without_entry_is_malformed_never_absent);
	tcase_add_test(tc, a_create_answered_409_is_looked_up_again);
	tcase_add_test(tc, hec_token_is_a_secret_output_in_verify);
	tcase_add_test(tc, cloud_tokens_come_from_acs_with_the_stack_hec_url);
	tcase_add_test(tc, cloud_index_polls_after_the_202);
	tcase_add_test(tc, teardown_keeps_what_envsetup_did_not_make);
	tcase_add_test(tc, validate_takes_one_kind_of_credentials);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
