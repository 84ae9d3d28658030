/*
 * The jira plugin's tasks against the SDK's mock host (mock_host.h): the
 * site's answers are scripted per request, and every request, plan change,
 * state key, output and diagnostic is recorded for the assertions. The
 * plugin's sources are compiled in (its .so exports only the entry).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

#include "../jira.c"
#include "../jira_api.c"
#include "../jira_org.c"
#include "../jira_portal.c"
#include "../jira_project.c"

#define SITE "https://acme-support.atlassian.test"
#define LEAD_SEARCH "GET " SITE "/rest/api/3/user/search?query=support-lead"
#define GET_PROJECT "GET " SITE "/rest/api/3/project/ACME\n"
#define POST_PROJECT "POST " SITE "/rest/api/3/project\n"
#define DELETE_PROJECT "DELETE " SITE "/rest/api/3/project/ACME\n"
#define ORGS "GET " SITE "/rest/servicedeskapi/organization?limit=50\n"
#define POST_ORG "POST " SITE "/rest/servicedeskapi/organization\n"
#define DESKS "GET " SITE "/rest/servicedeskapi/servicedesk?limit=50\n"
#define DESK_ORGS "/rest/servicedeskapi/servicedesk/7/organization"
#define POST_CUSTOMER "POST " SITE "/rest/servicedeskapi/customer"
#define CUSTOMER_SEARCH "GET " SITE "/rest/api/3/user/search?query=it-desk"

#define LEAD_JSON                                                              \
	"[{\"accountId\": \"lead-1\", \"emailAddress\": "                      \
	"\"support-lead@acme.example\"}]"
#define PROJECT_JSON(name)                                                     \
	"{\"id\": \"10001\", \"key\": \"ACME\", \"name\": \"" name "\", "      \
	"\"lead\": {\"accountId\": \"lead-1\"}}"
#define PAGE(values)                                                           \
	"{\"start\": 0, \"isLastPage\": true, \"values\": [" values "]}"
#define NOT_FOUND                                                              \
	"{\"errorMessages\": [\"No project could be found with key "           \
	"'ACME'.\"], \"errors\": {}}"

/* ------------------------------------------------------------ fixture */

static void setup(void)
{
	mock_host_reset();
	mock_config_string("site_url", SITE);
	mock_config_string("email", "envsetup@acme.example");
	mock_config_string("project_key", "ACME");
	mock_config_string("project_name", "Acme Support");
	mock_config_string("project_lead", "support-lead@acme.example");
	mock_config_string(
	    "project_template",
	    "com.atlassian.servicedesk:simplified-it-service-management");
	mock_config_string("organization_name", "Acme Corp");
	mock_config_list("customers", "it-desk@acme.example", NULL);
	mock_http_reply(LEAD_SEARCH, 200, LEAD_JSON, NULL, MOCK_REPLY_ALWAYS);
}

static void teardown(void)
{
	mock_host_reset();
}

static enum es_status run(const char *task, enum es_phase phase)
{
	return mock_run_task(&jira, task, phase, NULL);
}

static void on(const char *match, long status, const char *body)
{
	mock_http_reply(match, status, body, NULL, MOCK_REPLY_ALWAYS);
}

/* ----------------------------------------------- service_desk_project */

START_TEST(project_plan_on_404_records_a_create_and_writes_nothing)
{
	on(GET_PROJECT, 404, NOT_FOUND);

	ck_assert_int_eq(run("service_desk_project", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_CREATE);
	ck_assert_str_eq(mock_plan(0)->kind, "project");
	ck_assert_str_eq(mock_plan(0)->name, "ACME");
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_ptr_null(mock_state("project_id"));
	ck_assert_int_eq(run("service_desk_project", ES_PHASE_VERIFY),
	                 ES_FAILED);
}
END_TEST

START_TEST(project_apply_posts_service_desk_json_and_records_the_id)
{
	const struct mock_request *post;

	on(GET_PROJECT, 404, NOT_FOUND);
	on(POST_PROJECT, 201,
	   "{\"self\": \"x\", \"id\": 10001, \"key\": \"ACME\"}");

	ck_assert_int_eq(run("service_desk_project", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(POST_PROJECT), 1);
	post = mock_http_find(POST_PROJECT, 0);
	ck_assert_str_eq(post->content_type, "application/json");
	ck_assert_ptr_nonnull(strstr(post->body, "\"projectTypeKey\":"
	                                         "\"service_desk\""));
	ck_assert_ptr_nonnull(
	    strstr(post->body, "\"leadAccountId\":\"lead-1\""));
	ck_assert_str_eq(post->intent, "create project ACME");
	ck_assert_str_eq(post->basic_user, "envsetup@acme.example");
	ck_assert_str_eq(post->basic_password, "{{secret:api_token}}");
	ck_assert_pstr_eq(mock_state("project_id"), "10001");
	ck_assert_pstr_eq(mock_state("made:project_id"), "ACME");
}
END_TEST

START_TEST(project_found_but_not_recorded_is_a_change_then_recorded)
{
	on(GET_PROJECT, 200, PROJECT_JSON("Acme Support"));

	ck_assert_int_eq(run("service_desk_project", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_ptr_nonnull(strstr(mock_plan(0)->detail, "record"));
	ck_assert_int_eq(run("service_desk_project", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_state("project_id"), "10001");
	ck_assert_uint_eq(mock_http_writes(), 0);
	/* adopted, not made: teardown keeps it */
	ck_assert_ptr_null(mock_state("made:project_id"));
}
END_TEST

START_TEST(project_with_another_name_is_updated_in_place)
{
	mock_state_set("project_id", "10001");
	on(GET_PROJECT, 200, PROJECT_JSON("Old name"));
	on("PUT " SITE "/rest/api/3/project/ACME\n", 200,
	   PROJECT_JSON("Acme Support"));

	ck_assert_int_eq(run("service_desk_project", ES_PHASE_PLAN), ES_OK);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_int_eq(run("service_desk_project", ES_PHASE_APPLY), ES_OK);
	ck_assert_ptr_nonnull(strstr(mock_http_find("PUT ", 0)->body,
	                             "\"name\":\"Acme Support\""));
	ck_assert_uint_eq(mock_http_count_prefix(POST_PROJECT), 0);
}
END_TEST

START_TEST(project_look_up_answered_with_no_json_retries_and_posts_nothing)
{
	on(GET_PROJECT, 200, "<html>Atlassian is down</html>");

	ck_assert_int_eq(run("service_desk_project", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "does not parse"));
}
END_TEST

START_TEST(project_200_without_an_id_is_malformed_and_posts_nothing)
{
	on(GET_PROJECT, 200, "{\"key\": \"ACME\"}");

	ck_assert_int_eq(run("service_desk_project", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

START_TEST(rejected_token_is_invalid_config_naming_api_token)
{
	mock_host_reset();
	mock_config_string("site_url", SITE);
	mock_config_string("email", "envsetup@acme.example");
	on("GET " SITE "/rest/api/3/myself", 401,
	   "Client must be authenticated to access this resource.");

	ck_assert_int_eq(run("verify_credentials", ES_PHASE_APPLY),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "api_token");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "Jira"));
}
END_TEST

/* A lost answer: the POST comes back with Jira's 400 "uses this project
 * key", and the second look-up finds the project to adopt. */
START_TEST(project_key_conflict_shape_adopts_what_the_look_up_finds)
{
	mock_http_reply(GET_PROJECT, 404, NOT_FOUND, NULL, MOCK_REPLY_ONCE);
	on(GET_PROJECT, 200, PROJECT_JSON("Acme Support"));
	on(POST_PROJECT, 400,
	   "{\"errorMessages\": [], \"errors\": {\"projectKey\": "
	   "\"Project 'ACME' uses this project key.\"}}");

	ck_assert_int_eq(run("service_desk_project", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(POST_PROJECT), 1);
	ck_assert_pstr_eq(mock_state("project_id"), "10001");
}
END_TEST

START_TEST(project_name_held_by_another_key_fails_naming_project_name)
{
	on(GET_PROJECT, 404, NOT_FOUND);
	on(POST_PROJECT, 400,
	   "{\"errorMessages\": [], \"errors\": {\"projectName\": "
	   "\"A project with that name already exists.\"}}");

	ck_assert_int_eq(run("service_desk_project", ES_PHASE_APPLY),
	                 ES_FAILED);
	ck_assert_str_eq(mock_diag_key(), "project_name");
	ck_assert_ptr_null(mock_state("project_id"));
}
END_TEST

START_TEST(destroy_deletes_only_the_project_envsetup_created)
{
	on(GET_PROJECT, 200, PROJECT_JSON("Acme Support"));
	on(DELETE_PROJECT, 204, "");

	/* adopted: recorded, but never created */
	mock_state_set("project_id", "10001");
	ck_assert_int_eq(run("service_desk_project", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(DELETE_PROJECT), 0);

	mock_state_set("made:project_id", "ACME");
	ck_assert_int_eq(run("service_desk_project", ES_PHASE_PLAN_DESTROY),
	                 ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_DELETE);
	ck_assert_uint_eq(mock_http_count_prefix(DELETE_PROJECT), 0);

	ck_assert_int_eq(run("service_desk_project", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(DELETE_PROJECT), 1);
	ck_assert_str_eq(mock_http_find(DELETE_PROJECT, 0)->intent,
	                 "delete project ACME");
	ck_assert_ptr_null(mock_state("project_id"));
	ck_assert_ptr_null(mock_state("made:project_id"));
}
END_TEST

START_TEST(destroy_of_a_project_already_gone_is_done)
{
	mock_state_set("project_id", "10001");
	mock_state_set("made:project_id", "ACME");
	on(GET_PROJECT, 404, NOT_FOUND);

	ck_assert_int_eq(run("service_desk_project", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix("DELETE "), 0);
	ck_assert_ptr_null(mock_state("project_id"));
}
END_TEST

/* ------------------------------------------------------- organization */

START_TEST(organization_apply_creates_links_and_records_it)
{
	on(ORGS, 200, PAGE(""));
	on(POST_ORG, 201, "{\"id\": \"3\", \"name\": \"Acme Corp\"}");
	on(DESKS, 200, PAGE("{\"id\": \"7\", \"projectKey\": \"ACME\"}"));
	on("GET " SITE DESK_ORGS, 200, PAGE(""));
	on("POST " SITE DESK_ORGS, 204, "");

	ck_assert_int_eq(run("organization", ES_PHASE_PLAN), ES_OK);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_CREATE);
	ck_assert_uint_eq(mock_http_writes(), 0);

	ck_assert_int_eq(run("organization", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(POST_ORG), 1);
	ck_assert_pstr_eq(mock_state("organization_id"), "3");
	ck_assert_str_eq(mock_http_find("POST " SITE DESK_ORGS, 0)->body,
	                 "{\"organizationId\":3}");
}
END_TEST

START_TEST(organization_found_by_name_is_recorded_not_created)
{
	on(ORGS, 200, PAGE("{\"id\": \"3\", \"name\": \"Acme Corp\"}"));
	on(DESKS, 200, PAGE("{\"id\": \"7\", \"projectKey\": \"ACME\"}"));
	on("GET " SITE DESK_ORGS, 200, PAGE("{\"id\": \"3\"}"));

	ck_assert_int_eq(run("organization", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_ptr_nonnull(strstr(mock_plan(0)->detail, "record"));
	ck_assert_int_eq(run("organization", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_state("organization_id"), "3");
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_int_eq(run("organization", ES_PHASE_VERIFY), ES_OK);
	ck_assert_pstr_eq(mock_output("organization_id", NULL), "3");
}
END_TEST

START_TEST(organization_list_without_values_retries_and_creates_nothing)
{
	on(ORGS, 200, "{\"start\": 0, \"isLastPage\": true}");

	ck_assert_int_eq(run("organization", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

START_TEST(organization_destroy_404_on_delete_is_done)
{
	mock_state_set("organization_id", "3");
	mock_state_set("made:organization_id", "Acme Corp");
	on("GET " SITE "/rest/servicedeskapi/organization/3\n", 200,
	   "{\"id\": \"3\", \"name\": \"Acme Corp\"}");
	on("DELETE " SITE "/rest/servicedeskapi/organization/3\n", 404,
	   "{\"errorMessage\": \"The organization does not exist.\"}");

	ck_assert_int_eq(run("organization", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix("DELETE "), 1);
	ck_assert_ptr_null(mock_state("organization_id"));
}
END_TEST

/* ---------------------------------------------------------- customers */

START_TEST(customer_409_under_strict_conflicts_adopts_the_account)
{
	mock_state_set("organization_id", "3");
	on("GET " SITE "/rest/servicedeskapi/organization/3/user", 200,
	   PAGE(""));
	mock_http_reply(CUSTOMER_SEARCH, 200, "[]", NULL, MOCK_REPLY_ONCE);
	on(CUSTOMER_SEARCH, 200,
	   "[{\"accountId\": \"c-9\", \"emailAddress\": "
	   "\"it-desk@acme.example\"}]");
	on(POST_CUSTOMER, 409,
	   "{\"errorMessage\": \"An account already exists for this "
	   "email.\"}");
	on("POST " SITE "/rest/servicedeskapi/organization/3/user", 204, "");

	ck_assert_int_eq(run("customers", ES_PHASE_APPLY), ES_OK);
	ck_assert_ptr_nonnull(strstr(mock_http_find(POST_CUSTOMER, 0)->url,
	                             "strictConflictStatusCode=true"));
	ck_assert_str_eq(
	    mock_http_find(
	        "POST " SITE "/rest/servicedeskapi/organization/3/user", 0)
	        ->body,
	    "{\"accountIds\":[\"c-9\"]}");
}
END_TEST

START_TEST(customer_member_already_changes_nothing)
{
	mock_state_set("organization_id", "3");
	on("GET " SITE "/rest/servicedeskapi/organization/3/user", 200,
	   PAGE("{\"accountId\": \"c-9\", \"emailAddress\": "
	        "\"IT-desk@acme.example\"}"));

	ck_assert_int_eq(run("customers", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_int_eq(run("customers", ES_PHASE_VERIFY), ES_OK);
}
END_TEST

START_TEST(validate_refuses_customers_without_an_organization)
{
	mock_host_reset();
	mock_config_list("customers", "it-desk@acme.example", NULL);

	ck_assert_int_eq(jira_validate(mock_ctx(ES_PHASE_PLAN, NULL)),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "organization_name");
}
END_TEST

int main(void)
{
	const TTest *tests[] = {
	    project_plan_on_404_records_a_create_and_writes_nothing,
	    project_apply_posts_service_desk_json_and_records_the_id,
	    project_found_but_not_recorded_is_a_change_then_recorded,
	    project_with_another_name_is_updated_in_place,
	    project_look_up_answered_with_no_json_retries_and_posts_nothing,
	    project_200_without_an_id_is_malformed_and_posts_nothing,
	    rejected_token_is_invalid_config_naming_api_token,
	    project_key_conflict_shape_adopts_what_the_look_up_finds,
	    project_name_held_by_another_key_fails_naming_project_name,
	    destroy_deletes_only_the_project_envsetup_created,
	    destroy_of_a_project_already_gone_is_done,
	    organization_apply_creates_links_and_records_it,
	    organization_found_by_name_is_recorded_not_created,
	    organization_list_without_values_retries_and_creates_nothing,
	    organization_destroy_404_on_delete_is_done,
	    customer_409_under_strict_conflicts_adopts_the_account,
	    customer_member_already_changes_nothing,
	    validate_refuses_customers_without_an_organization,
	};
	Suite *s = suite_create("jira");
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
