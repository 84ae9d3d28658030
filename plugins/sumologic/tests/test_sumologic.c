/*
 * The sumologic plugin's tasks against the SDK's mock host (mock_host.h):
 * the deployment's answers are scripted per request, and every request,
 * plan change, state key, output and diagnostic is recorded for the
 * assertions. The plugin's sources are compiled in (its .so exports only
 * the entry).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

#include "../sumologic.c"
#include "../sumologic_access.c"
#include "../sumologic_api.c"
#include "../sumologic_collector.c"
#include "../sumologic_monitors.c"

#define API "https://api.sumologic.test/api"
#define EU "https://api.eu.sumologic.test/api"
#define COLLECTOR_BY_NAME "GET " API "/v1/collectors/name/acme-uat\n"
#define POST_COLLECTOR "POST " API "/v1/collectors\n"
#define SOURCES "GET " API "/v1/collectors/101/sources\n"
#define POST_SOURCE "POST " API "/v1/collectors/101/sources\n"
#define ROLES_ADMIN "GET " API "/v1/roles?name=Administrator"
#define ROLES_USER "GET " API "/v1/roles?name=Analyst"
#define USERS_OPS                                                              \
	"GET " API                                                             \
	"/v1/users?email=ops@acme.example" /* the mock does not escape */
#define POST_USER "POST " API "/v1/users\n"
#define ROOT "GET " API "/v1/monitors/root\n"
#define POST_MONITOR "POST " API "/v1/monitors?parentId=0000000000000001\n"

#define COLLECTOR_JSON                                                         \
	"{\"collector\": {\"id\": 101, \"name\": \"acme-uat\", "               \
	"\"collectorType\": \"Hosted\"}}"
#define DUPLICATE                                                              \
	"{\"id\": \"7Q3KE-ABCDE-12345\", \"errors\": [{\"code\": "             \
	"\"DuplicateResourceName\", \"message\": \"A resource with the same "  \
	"name already exists.\"}]}"
#define NOT_FOUND                                                              \
	"{\"id\": \"NF0-1\", \"errors\": [{\"code\": \"notfound\", "           \
	"\"message\": \"Not found\"}]}"
#define SECRET_URL                                                             \
	"https://endpoint1.collection.sumologic.test/receiver/v1/http/"        \
	"ZaVnC4dhaV3-SECRET"
#define SOURCE_JSON                                                            \
	"{\"id\": 202, \"name\": \"app\", \"sourceType\": \"HTTP\", "          \
	"\"url\": \"" SECRET_URL "\"}"
#define ROOT_JSON(children)                                                    \
	"{\"id\": \"0000000000000001\", \"name\": \"Root\", \"type\": "        \
	"\"MonitorsLibraryFolderResponse\", \"children\": [" children "]}"

/* ------------------------------------------------------------ fixture */

static void setup(void)
{
	mock_host_reset();
	mock_config_string("deployment", "us1");
	mock_config_string("api_url", API);
	mock_config_explicit("api_url", 0);
	mock_config_string("api_url_eu", EU);
	mock_config_string("admin_role", "Administrator");
	mock_config_string("user_role", "Analyst");
	mock_config_list("admins", "ops@acme.example", NULL);
	mock_config_list("components", "app", NULL);
	mock_config_list("alert_emails", "oncall@acme.example", NULL);
	mock_config_string("alert_query", "error");
	mock_config_int("alert_threshold", 10);
	mock_config_string("alert_window", "15m");
}

static void teardown(void)
{
	mock_host_reset();
}

static enum es_status run(const char *task, enum es_phase phase)
{
	return mock_run_task(&sumologic, task, phase, NULL);
}

static void on(const char *match, long status, const char *body)
{
	mock_http_reply(match, status, body, NULL, MOCK_REPLY_ALWAYS);
}

/* ---------------------------------------------------------- the client */

START_TEST(deployment_picks_its_url_key_and_sends_both_secrets_as_basic)
{
	const struct mock_request *get;

	mock_config_string("deployment", "eu");
	on("GET " EU "/v1/users?limit=1", 200, "{\"data\": []}");

	ck_assert_int_eq(run("verify_credentials", ES_PHASE_APPLY), ES_OK);
	get = mock_http_find("GET " EU, 0);
	ck_assert_ptr_nonnull(get);
	ck_assert_str_eq(get->basic_user, "{{secret:access_id}}");
	ck_assert_str_eq(get->basic_password, "{{secret:access_key}}");
}
END_TEST

START_TEST(api_url_set_in_the_file_wins_over_the_deployment)
{
	mock_config_string("deployment", "eu");
	mock_config_explicit("api_url", 1);
	on("GET " API "/v1/users?limit=1", 200, "{\"data\": []}");

	ck_assert_int_eq(run("verify_credentials", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix("GET " EU), 0);
}
END_TEST

START_TEST(rejected_key_is_invalid_config_naming_access_key)
{
	on("GET " API "/v1/users?limit=1", 401,
	   "{\"id\": \"A1\", \"errors\": [{\"code\": \"unauthorized\", "
	   "\"message\": \"Credential could not be verified.\"}]}");

	ck_assert_int_eq(run("verify_credentials", ES_PHASE_APPLY),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "access_key");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "unauthorized"));
}
END_TEST

START_TEST(rate_limit_code_is_a_retry)
{
	on("GET " API "/v1/users?limit=1", 429,
	   "{\"id\": \"R1\", \"errors\": [{\"code\": \"rate.limit.exceeded\", "
	   "\"message\": \"Rate limit exceeded\"}]}");

	ck_assert_int_eq(run("verify_credentials", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "Sumo Logic"));
}
END_TEST

/* -------------------------------------------------------------- roles */

START_TEST(roles_found_by_name_are_recorded_and_not_made)
{
	on(ROLES_ADMIN, 200,
	   "{\"data\": [{\"id\": \"R-ADMIN\", \"name\": \"Administrator\"}]}");
	on(ROLES_USER, 200,
	   "{\"data\": [{\"id\": \"R-USER\", \"name\": \"analyst\"}]}");

	ck_assert_int_eq(run("roles", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 2);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_int_eq(run("roles", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_pstr_eq(mock_state("role:admin"), "R-ADMIN");
	ck_assert_pstr_eq(mock_state("role:user"), "R-USER");
	ck_assert_ptr_null(mock_state("made:role:admin"));
	ck_assert_pstr_eq(mock_output("user_role_id", NULL), "R-USER");
}
END_TEST

START_TEST(missing_role_is_created_with_capabilities_and_claimed)
{
	on(ROLES_ADMIN, 200,
	   "{\"data\": [{\"id\": \"R-ADMIN\", \"name\": \"Administrator\"}]}");
	on(ROLES_USER, 200, "{\"data\": []}");
	on("POST " API "/v1/roles\n", 200,
	   "{\"id\": \"R-NEW\", \"name\": \"Analyst\"}");

	ck_assert_int_eq(run("roles", ES_PHASE_APPLY), ES_OK);
	ck_assert_ptr_nonnull(strstr(mock_http_find("POST ", 0)->body,
	                             "\"capabilities\":[\"viewCollectors\""));
	ck_assert_pstr_eq(mock_state("role:user"), "R-NEW");
	ck_assert_pstr_eq(mock_state("made:role:user"), "Analyst");
}
END_TEST

/* -------------------------------------------------------------- users */

START_TEST(new_user_is_created_with_its_role)
{
	mock_state_set("role:admin", "R-ADMIN");
	mock_state_set("role:user", "R-USER");
	on(USERS_OPS, 200, "{\"data\": []}");
	on(POST_USER, 200,
	   "{\"id\": \"U-1\", \"email\": \"ops@acme.example\"}");

	ck_assert_int_eq(run("users", ES_PHASE_APPLY), ES_OK);
	ck_assert_ptr_nonnull(strstr(mock_http_find(POST_USER, 0)->body,
	                             "\"roleIds\":[\"R-ADMIN\"]"));
	ck_assert_pstr_eq(mock_state("user:ops@acme.example"), "U-1");
	ck_assert_ptr_nonnull(mock_state("made:user:ops@acme.example"));
}
END_TEST

START_TEST(existing_user_without_the_role_is_given_it)
{
	mock_state_set("role:admin", "R-ADMIN");
	mock_state_set("role:user", "R-USER");
	on(USERS_OPS, 200,
	   "{\"data\": [{\"id\": \"U-9\", \"email\": \"OPS@acme.example\", "
	   "\"roleIds\": [\"R-USER\"]}]}");
	on("PUT " API "/v1/roles/R-ADMIN/users/U-9\n", 200,
	   "{\"id\": \"R-ADMIN\", \"name\": \"Administrator\"}");

	ck_assert_int_eq(run("users", ES_PHASE_PLAN), ES_OK);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_int_eq(run("users", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(POST_USER), 0);
	ck_assert_uint_eq(mock_http_count_prefix("PUT "), 1);
	/* adopted: teardown keeps the user, takes back only the role */
	ck_assert_ptr_null(mock_state("made:user:ops@acme.example"));
	ck_assert_pstr_eq(mock_state("made:member:ops@acme.example"),
	                  "R-ADMIN");
}
END_TEST

START_TEST(sso_managed_account_asks_instead_of_creating)
{
	mock_state_set("role:admin", "R-ADMIN");
	mock_state_set("role:user", "R-USER");
	mock_config_bool("sso_managed", 1);
	on(USERS_OPS, 200, "{\"data\": []}");

	ck_assert_int_eq(run("users", ES_PHASE_APPLY), ES_NEEDS_PERSON);
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_ptr_nonnull(strstr(mock_ask(), "identity provider"));
}
END_TEST

/* --------------------------------------------------- hosted collector */

START_TEST(collector_404_is_planned_then_created_and_claimed)
{
	on(COLLECTOR_BY_NAME, 404, NOT_FOUND);
	on(POST_COLLECTOR, 201, COLLECTOR_JSON);

	ck_assert_int_eq(run("hosted_collector", ES_PHASE_PLAN), ES_OK);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_CREATE);
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_int_eq(run("hosted_collector", ES_PHASE_APPLY), ES_OK);
	ck_assert_ptr_nonnull(strstr(mock_http_find(POST_COLLECTOR, 0)->body,
	                             "\"collectorType\":\"Hosted\""));
	ck_assert_pstr_eq(mock_state("collector_id"), "101");
	ck_assert_pstr_eq(mock_state("made:collector_id"), "acme-uat");
	ck_assert_pstr_eq(mock_output("collector_id", NULL), "101");
}
END_TEST

START_TEST(duplicate_resource_name_looks_up_and_records)
{
	mock_http_reply(COLLECTOR_BY_NAME, 404, NOT_FOUND, NULL,
	                MOCK_REPLY_ONCE);
	on(COLLECTOR_BY_NAME, 200, COLLECTOR_JSON);
	on(POST_COLLECTOR, 400, DUPLICATE);

	ck_assert_int_eq(run("hosted_collector", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(POST_COLLECTOR), 1);
	ck_assert_pstr_eq(mock_state("collector_id"), "101");
	/* nobody claimed it before: the customer's, kept at teardown */
	ck_assert_ptr_null(mock_state("made:collector_id"));
}
END_TEST

START_TEST(duplicate_after_a_lost_create_stays_envsetups)
{
	mock_state_set("made:collector_id", "acme-uat");
	mock_http_reply(COLLECTOR_BY_NAME, 404, NOT_FOUND, NULL,
	                MOCK_REPLY_ONCE);
	on(COLLECTOR_BY_NAME, 200, COLLECTOR_JSON);
	on(POST_COLLECTOR, 400, DUPLICATE);

	ck_assert_int_eq(run("hosted_collector", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_state("made:collector_id"), "acme-uat");
}
END_TEST

START_TEST(collector_name_look_up_that_does_not_parse_creates_nothing)
{
	on(COLLECTOR_BY_NAME, 200, "<html>maintenance</html>");

	ck_assert_int_eq(run("hosted_collector", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

START_TEST(destroy_keeps_an_adopted_collector_and_deletes_a_made_one)
{
	mock_state_set("collector_id", "101");
	ck_assert_int_eq(run("hosted_collector", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 0);

	mock_state_set("made:collector_id", "acme-uat");
	on("GET " API "/v1/collectors/101\n", 200, COLLECTOR_JSON);
	on("DELETE " API "/v1/collectors/101\n", 200, "");
	ck_assert_int_eq(run("hosted_collector", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix("DELETE "), 1);
	ck_assert_ptr_null(mock_state("collector_id"));
	ck_assert_ptr_null(mock_state("made:collector_id"));
}
END_TEST

/* ------------------------------------------------------- HTTP sources */

START_TEST(source_url_is_a_secret_output_and_remembered)
{
	int secret = 0;

	mock_state_set("collector_id", "101");
	on(SOURCES, 200, "{\"sources\": []}");
	on(POST_SOURCE, 201, "{\"source\": " SOURCE_JSON "}");

	ck_assert_int_eq(run("http_sources", ES_PHASE_APPLY), ES_OK);
	ck_assert_ptr_nonnull(strstr(mock_http_find(POST_SOURCE, 0)->body,
	                             "\"category\":\"acme-uat/app\""));
	ck_assert_pstr_eq(mock_state("source:app"), "202");
	ck_assert_pstr_eq(mock_output("source_url:app", &secret), SECRET_URL);
	ck_assert_int_eq(secret, 1);
	ck_assert_pstr_eq(mock_secret("source_url_app"), SECRET_URL);
	ck_assert_pstr_eq(mock_output("source_category:app", NULL),
	                  "acme-uat/app");
	/* the URL is never in a state key */
	ck_assert_ptr_null(strstr(mock_state("source:app"), "http"));
}
END_TEST

START_TEST(source_duplicate_name_reuses_the_listed_url)
{
	mock_state_set("collector_id", "101");
	mock_http_reply(SOURCES, 200, "{\"sources\": []}", NULL,
	                MOCK_REPLY_ONCE);
	on(SOURCES, 200, "{\"sources\": [" SOURCE_JSON "]}");
	on(POST_SOURCE, 400, DUPLICATE);

	ck_assert_int_eq(run("http_sources", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_state("source:app"), "202");
	ck_assert_pstr_eq(mock_output("source_url:app", NULL), SECRET_URL);
	ck_assert_ptr_null(mock_state("made:source:app")); /* adopted */
}
END_TEST

START_TEST(source_listing_without_sources_retries_and_creates_nothing)
{
	mock_state_set("collector_id", "101");
	on(SOURCES, 200, "{\"collector\": {}}");

	ck_assert_int_eq(run("http_sources", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

/* ----------------------------------------------------------- monitors */

#define MONITOR_JSON(to, version)                                              \
	"{\"id\": \"M-7\", \"version\": " version                              \
	", \"queries\": [{\"rowId\": "                                         \
	"\"A\", \"query\": \"_sourceCategory=acme-uat/app (error)\"}], "       \
	"\"triggers\": [{\"timeRange\": \"-15m\", \"threshold\": 10}, "        \
	"{\"timeRange\": \"-15m\", \"threshold\": 10}], \"notifications\": "   \
	"[{\"notification\": {\"recipients\": [\"" to "\"]}}]}"
#define FOUND_MONITOR                                                          \
	ROOT_JSON("{\"id\": \"M-7\", \"name\": \"acme-uat app log errors\", "  \
	          "\"type\": \"MonitorsLibraryMonitorResponse\"}")

START_TEST(monitor_is_created_in_the_root_and_mails_the_customer)
{
	const char *body;

	on(ROOT, 200, ROOT_JSON(""));
	on(POST_MONITOR, 200, "{\"id\": \"M-1\", \"name\": \"x\"}");

	ck_assert_int_eq(run("monitors", ES_PHASE_APPLY), ES_OK);
	body = mock_http_find(POST_MONITOR, 0)->body;
	ck_assert_ptr_nonnull(
	    strstr(body, "\"recipients\":[\"oncall@acme.example\"]"));
	ck_assert_ptr_nonnull(
	    strstr(body, "\"query\":\"_sourceCategory=acme-uat/app (error)\""));
	ck_assert_ptr_nonnull(strstr(body, "\"timeRange\":\"-15m\""));
	ck_assert_pstr_eq(mock_state("monitor:app"), "M-1");
}
END_TEST

START_TEST(monitor_found_by_name_is_recorded_not_created)
{
	on(ROOT, 200,
	   ROOT_JSON("{\"id\": \"M-7\", \"name\": \"acme-uat app log errors\", "
	             "\"type\": \"MonitorsLibraryMonitorResponse\"}"));
	on("GET " API "/v1/monitors/M-7\n", 200,
	   MONITOR_JSON("oncall@acme.example", "1"));

	ck_assert_int_eq(run("monitors", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_pstr_eq(mock_state("monitor:app"), "M-7");
}
END_TEST

START_TEST(monitor_in_line_with_the_config_changes_nothing)
{
	mock_state_set("monitor:app", "M-7");
	on(ROOT, 200, FOUND_MONITOR);
	on("GET " API "/v1/monitors/M-7\n", 200,
	   MONITOR_JSON("ONCALL@acme.example", "3"));

	ck_assert_int_eq(run("monitors", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_int_eq(run("monitors", ES_PHASE_VERIFY), ES_OK);
}
END_TEST

START_TEST(monitor_with_other_recipients_is_put_back_in_line)
{
	const char *body;

	mock_state_set("monitor:app", "M-7");
	on(ROOT, 200, FOUND_MONITOR);
	on("GET " API "/v1/monitors/M-7\n", 200,
	   MONITOR_JSON("old-oncall@acme.example", "3"));
	on("PUT " API "/v1/monitors/M-7\n", 200, "{\"id\": \"M-7\"}");

	ck_assert_int_eq(run("monitors", ES_PHASE_PLAN), ES_OK);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_int_eq(run("monitors", ES_PHASE_VERIFY), ES_FAILED);
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_int_eq(run("monitors", ES_PHASE_APPLY), ES_OK);
	body = mock_http_find("PUT ", 0)->body;
	ck_assert_ptr_nonnull(strstr(body, "\"version\":3"));
	ck_assert_ptr_nonnull(
	    strstr(body, "\"type\":\"MonitorsLibraryMonitorUpdate\""));
	ck_assert_ptr_nonnull(
	    strstr(body, "\"recipients\":[\"oncall@acme.example\"]"));
}
END_TEST

START_TEST(monitor_changed_since_it_was_read_is_read_again)
{
	mock_state_set("monitor:app", "M-7");
	on(ROOT, 200, FOUND_MONITOR);
	on("GET " API "/v1/monitors/M-7\n", 200,
	   MONITOR_JSON("old-oncall@acme.example", "3"));
	on("PUT " API "/v1/monitors/M-7\n", 409,
	   "{\"id\": \"C1\", \"errors\": [{\"code\": \"conflict\", "
	   "\"message\": \"version mismatch\"}]}");

	ck_assert_int_eq(run("monitors", ES_PHASE_APPLY), ES_RETRY);
}
END_TEST

START_TEST(monitor_without_a_version_is_malformed_and_not_put)
{
	mock_state_set("monitor:app", "M-7");
	on(ROOT, 200, FOUND_MONITOR);
	on("GET " API "/v1/monitors/M-7\n", 200, "{\"id\": \"M-7\"}");

	ck_assert_int_eq(run("monitors", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

START_TEST(no_alert_emails_means_no_monitors)
{
	mock_config_list("alert_emails", NULL);

	ck_assert_int_eq(run("monitors", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 0);
}
END_TEST

/* ----------------------------------------------------------- validate */

START_TEST(validate_refuses_a_person_in_both_lists)
{
	mock_config_list("users", "OPS@acme.example", NULL);

	ck_assert_int_eq(sumologic.ops->validate(mock_ctx(ES_PHASE_PLAN, NULL)),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "users");
}
END_TEST

int main(void)
{
	const TTest *tests[] = {
	    deployment_picks_its_url_key_and_sends_both_secrets_as_basic,
	    api_url_set_in_the_file_wins_over_the_deployment,
	    rejected_key_is_invalid_config_naming_access_key,
	    rate_limit_code_is_a_retry,
	    roles_found_by_name_are_recorded_and_not_made,
	    missing_role_is_created_with_capabilities_and_claimed,
	    new_user_is_created_with_its_role,
	    existing_user_without_the_role_is_given_it,
	    sso_managed_account_asks_instead_of_creating,
	    collector_404_is_planned_then_created_and_claimed,
	    duplicate_resource_name_looks_up_and_records,
	    duplicate_after_a_lost_create_stays_envsetups,
	    collector_name_look_up_that_does_not_parse_creates_nothing,
	    destroy_keeps_an_adopted_collector_and_deletes_a_made_one,
	    source_url_is_a_secret_output_and_remembered,
	    source_duplicate_name_reuses_the_listed_url,
	    source_listing_without_sources_retries_and_creates_nothing,
	    monitor_is_created_in_the_root_and_mails_the_customer,
	    monitor_found_by_name_is_recorded_not_created,
	    monitor_in_line_with_the_config_changes_nothing,
	    monitor_with_other_recipients_is_put_back_in_line,
	    monitor_changed_since_it_was_read_is_read_again,
	    monitor_without_a_version_is_malformed_and_not_put,
	    no_alert_emails_means_no_monitors,
	    validate_refuses_a_person_in_both_lists,
	};
	Suite *s = suite_create("sumologic");
	TCase *tc = tcase_create("tasks");
	SRunner *sr = srunner_create(s);
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
