/*
 * The intercom plugin's tasks against the SDK's mock host (mock_host.h):
 * Intercom's answers are scripted per request, and every request, plan
 * change, state key, output and diagnostic is recorded for the assertions.
 * The plugin's sources are compiled in (its .so exports only the entry).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mock_host.h"

#include "../intercom.c"
#include "../intercom_api.c"
#include "../intercom_data.c"
#include "../intercom_workspace.c"

#define API "https://api.intercom.test"
#define LIST_CONTACT                                                           \
	"GET " API "/data_attributes?model=contact&include_archived=true\n"
#define LIST_COMPANY                                                           \
	"GET " API "/data_attributes?model=company&include_archived=true\n"
#define POST_ATTRIBUTE "POST " API "/data_attributes\n"
#define GET_TAGS "GET " API "/tags\n"
#define POST_TAG "POST " API "/tags\n"
#define EMPTY_LIST "{\"type\": \"list\", \"data\": []}"
#define ROLE_KEY "attribute:contact:admin_role"

/* admin_role as GET /data_attributes lists it (the spec's shape). */
#define ROLE_JSON(description, archived)                                       \
	"{\"id\": 37, \"type\": \"data_attribute\", \"name\": "                \
	"\"admin_role\", \"full_name\": \"custom_attributes.admin_role\", "    \
	"\"description\": \"" description "\", \"data_type\": \"string\", "    \
	"\"custom\": true, \"archived\": " archived ", \"model\": "            \
	"\"contact\"}"
#define ROLE_LIST(description, archived)                                       \
	"{\"type\": \"list\", \"data\": [" ROLE_JSON(description, archived) "]}"
#define ERROR_LIST(code, message)                                              \
	"{\"type\": \"error.list\", \"request_id\": \"r-1\", \"errors\": "     \
	"[{\"code\": \"" code "\", \"message\": \"" message "\"}]}"

/* ------------------------------------------------------------ fixture */

static void setup(void)
{
	mock_host_reset();
	mock_config_string("region", "us");
	mock_config_string("api_url", API);
	mock_config_list("contact_attributes", "admin_role:string:Admin role",
	                 NULL);
	mock_config_list("company_attributes", NULL);
}

static void teardown(void)
{
	mock_host_reset();
}

static enum es_status run(const char *task, enum es_phase phase)
{
	return mock_run_task(&intercom, task, phase, NULL);
}

static void on(const char *match, long status, const char *body)
{
	mock_http_reply(match, status, body, NULL, MOCK_REPLY_ALWAYS);
}

static void once(const char *match, long status, const char *body)
{
	mock_http_reply(match, status, body, NULL, MOCK_REPLY_ONCE);
}

/* --------------------------------------------------- data_attributes */

START_TEST(attribute_plan_on_absent_records_a_create_and_writes_nothing)
{
	on(LIST_CONTACT, 200, EMPTY_LIST);

	ck_assert_int_eq(run("data_attributes", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_CREATE);
	ck_assert_str_eq(mock_plan(0)->name, "contact.admin_role");
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_ptr_null(mock_state(ROLE_KEY));
	ck_assert_int_eq(run("data_attributes", ES_PHASE_VERIFY), ES_FAILED);
}
END_TEST

START_TEST(attribute_apply_creates_with_the_pinned_version_and_records_the_id)
{
	const struct mock_request *post;

	on(LIST_CONTACT, 200, EMPTY_LIST);
	on(POST_ATTRIBUTE, 200, ROLE_JSON("Admin role", "false"));

	ck_assert_int_eq(run("data_attributes", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(POST_ATTRIBUTE), 1);
	post = mock_http_find(POST_ATTRIBUTE, 0);
	ck_assert_int_eq(post->mutating, 1);
	ck_assert_str_eq(post->intent, "create data attribute "
	                               "contact.admin_role");
	ck_assert_str_eq(post->content_type, "application/json");
	ck_assert_ptr_nonnull(strstr(post->body, "\"name\":\"admin_role\""));
	ck_assert_ptr_nonnull(strstr(post->body, "\"model\":\"contact\""));
	ck_assert_ptr_nonnull(strstr(post->body, "\"data_type\":\"string\""));
	ck_assert_str_eq(mock_request_header(post, "Authorization"),
	                 "Bearer {{secret:access_token}}");
	ck_assert_str_eq(mock_request_header(post, "Intercom-Version"), "2.14");
	ck_assert_pstr_eq(mock_state(ROLE_KEY), "37");
	ck_assert_pstr_eq(mock_state("made:" ROLE_KEY), "1");
}
END_TEST

START_TEST(attribute_found_but_unrecorded_is_recorded_without_a_create)
{
	on(LIST_CONTACT, 200, ROLE_LIST("Admin role", "false"));

	ck_assert_int_eq(run("data_attributes", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_ptr_nonnull(strstr(mock_plan(0)->detail, "record"));
	ck_assert_int_eq(run("data_attributes", ES_PHASE_VERIFY), ES_FAILED);

	ck_assert_int_eq(run("data_attributes", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_state(ROLE_KEY), "37");
	ck_assert_ptr_null(mock_state("made:" ROLE_KEY)); /* adopted */
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_int_eq(run("data_attributes", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1); /* no second change */
	ck_assert_int_eq(run("data_attributes", ES_PHASE_VERIFY), ES_OK);
}
END_TEST

START_TEST(attribute_description_that_differs_is_updated)
{
	const struct mock_request *put;

	mock_state_set(ROLE_KEY, "37");
	on(LIST_CONTACT, 200, ROLE_LIST("Old words", "true"));
	on("PUT " API "/data_attributes/37\n", 200,
	   ROLE_JSON("Admin role", "false"));

	ck_assert_int_eq(run("data_attributes", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_ptr_nonnull(strstr(mock_plan(0)->detail, "unarchive"));
	ck_assert_uint_eq(mock_http_writes(), 0);

	ck_assert_int_eq(run("data_attributes", ES_PHASE_APPLY), ES_OK);
	put = mock_http_find("PUT ", 0);
	ck_assert_ptr_nonnull(
	    strstr(put->body, "\"description\":\"Admin role\""));
	ck_assert_ptr_nonnull(strstr(put->body, "\"archived\":false"));
	ck_assert_uint_eq(mock_http_count_prefix(POST_ATTRIBUTE), 0);
}
END_TEST

START_TEST(attribute_of_another_type_fails_naming_the_key)
{
	on(LIST_CONTACT, 200,
	   "{\"type\": \"list\", \"data\": [{\"id\": 37, \"name\": "
	   "\"admin_role\", \"data_type\": \"integer\", \"custom\": true}]}");
	mock_state_set(ROLE_KEY, "37");

	ck_assert_int_eq(run("data_attributes", ES_PHASE_APPLY), ES_FAILED);
	ck_assert_str_eq(mock_diag_key(), "contact_attributes");
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

START_TEST(attribute_look_up_malformed_200_retries_and_creates_nothing)
{
	on(LIST_CONTACT, 200, "{\"type\": \"list\", \"da");

	ck_assert_int_eq(run("data_attributes", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "does not parse"));

	/* Parsed, but without its list: the same, never "absent". */
	mock_host_reset();
	setup();
	on(LIST_CONTACT, 200, "{\"type\": \"list\"}");
	ck_assert_int_eq(run("data_attributes", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "Intercom"));
}
END_TEST

START_TEST(rejected_token_is_invalid_config_naming_access_token)
{
	on("GET " API "/me\n", 401,
	   ERROR_LIST("unauthorized", "Access Token Invalid"));
	on(LIST_CONTACT, 401,
	   ERROR_LIST("unauthorized", "Access Token Invalid"));

	ck_assert_int_eq(run("read_app", ES_PHASE_VERIFY), ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "access_token");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "Access Token Invalid"));
	ck_assert_int_eq(run("data_attributes", ES_PHASE_APPLY),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "access_token");
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

/* Intercom's "already exists" (400 parameter_invalid "You already have
 * ...") after a look-up that missed it: someone made it in between. It is
 * adopted: its id recorded, without the mark that would let destroy
 * remove it. */
START_TEST(attribute_conflict_shape_is_adopted)
{
	once(LIST_CONTACT, 200, EMPTY_LIST);
	on(LIST_CONTACT, 200, ROLE_LIST("Admin role", "false"));
	on(POST_ATTRIBUTE, 400,
	   ERROR_LIST("parameter_invalid",
	              "You already have 'admin_role' in your people data. "
	              "To save this as new people data, use a different "
	              "name."));

	ck_assert_int_eq(run("data_attributes", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(POST_ATTRIBUTE), 1);
	ck_assert_pstr_eq(mock_state(ROLE_KEY), "37");
	ck_assert_ptr_null(mock_state("made:" ROLE_KEY));
	ck_assert_int_eq(run("data_attributes", ES_PHASE_VERIFY), ES_OK);
}
END_TEST

/* The same answer while this model still has no such attribute: the
 * company model holds the name. A failure that says so. */
START_TEST(attribute_name_held_by_the_other_model_fails)
{
	on(LIST_CONTACT, 200, EMPTY_LIST);
	on(POST_ATTRIBUTE, 400,
	   ERROR_LIST("parameter_invalid",
	              "You already have 'admin_role' in your company data."));

	ck_assert_int_eq(run("data_attributes", ES_PHASE_APPLY), ES_FAILED);
	ck_assert_str_eq(mock_diag_key(), "contact_attributes");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "other model"));
	ck_assert_ptr_null(mock_state(ROLE_KEY));
	ck_assert_ptr_null(mock_state("made:" ROLE_KEY));
}
END_TEST

START_TEST(attribute_destroy_archives_only_what_envsetup_created)
{
	mock_config_list("contact_attributes", "admin_role:string:Admin role",
	                 "surname:string:Surname", NULL);
	mock_state_set(ROLE_KEY, "37");
	mock_state_set("made:" ROLE_KEY, "1");
	mock_state_set("attribute:contact:surname", "38"); /* adopted */
	on("PUT " API "/data_attributes/37\n", 200,
	   ROLE_JSON("Admin role", "true"));

	ck_assert_int_eq(run("data_attributes", ES_PHASE_PLAN_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_DELETE);
	ck_assert_str_eq(mock_plan(0)->name, "contact.admin_role");
	ck_assert_uint_eq(mock_http_count(), 0);

	ck_assert_int_eq(run("data_attributes", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 1);
	ck_assert_ptr_nonnull(
	    strstr(mock_http_find("PUT ", 0)->body, "\"archived\":true"));
	ck_assert_ptr_null(mock_state(ROLE_KEY));
	ck_assert_pstr_eq(mock_state("attribute:contact:surname"), "38");
}
END_TEST

START_TEST(attribute_destroy_of_one_already_gone_is_done)
{
	mock_state_set(ROLE_KEY, "37");
	mock_state_set("made:" ROLE_KEY, "1");
	on("PUT " API "/data_attributes/37\n", 404,
	   ERROR_LIST("field_not_found",
	              "We couldn't find that data attribute to update"));

	ck_assert_int_eq(run("data_attributes", ES_PHASE_DESTROY), ES_OK);
	ck_assert_ptr_null(mock_state(ROLE_KEY));
	ck_assert_ptr_null(mock_state("made:" ROLE_KEY));
}
END_TEST

/* --------------------------------------------------------------- tags */

START_TEST(tags_plan_apply_and_record)
{
	mock_config_list("tags", "vip", "Billing", NULL);
	on(GET_TAGS, 200,
	   "{\"type\": \"list\", \"data\": [{\"type\": \"tag\", \"id\": "
	   "\"102\", \"name\": \"billing\"}]}");
	on(POST_TAG, 200,
	   "{\"type\": \"tag\", \"id\": \"105\", \"name\": "
	   "\"vip\"}");

	ck_assert_int_eq(run("tags", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 2);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_CREATE);
	ck_assert_str_eq(mock_plan(0)->name, "vip");
	ck_assert_ptr_nonnull(strstr(mock_plan(1)->detail, "record"));
	ck_assert_uint_eq(mock_http_writes(), 0);

	ck_assert_int_eq(run("tags", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(POST_TAG), 1);
	ck_assert_str_eq(mock_http_find(POST_TAG, 0)->body,
	                 "{\"name\":\"vip\"}");
	ck_assert_pstr_eq(mock_state("tag:vip"), "105");
	ck_assert_pstr_eq(mock_state("made:tag:vip"), "1");
	ck_assert_pstr_eq(mock_state("tag:Billing"), "102"); /* adopted */
	ck_assert_ptr_null(mock_state("made:tag:Billing"));
}
END_TEST

START_TEST(tags_create_answered_without_an_id_retries)
{
	mock_config_list("tags", "vip", NULL);
	on(GET_TAGS, 200, EMPTY_LIST);
	on(POST_TAG, 200, "{\"type\": \"tag\"}");

	ck_assert_int_eq(run("tags", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_ptr_null(mock_state("tag:vip"));
	/* The mark stays: found later, the tag is envsetup's own. */
	ck_assert_pstr_eq(mock_state("made:tag:vip"), "1");
}
END_TEST

START_TEST(tags_destroy_deletes_only_what_envsetup_created)
{
	mock_config_list("tags", "vip", "billing", "gone", NULL);
	mock_state_set("tag:vip", "105");
	mock_state_set("made:tag:vip", "1");
	mock_state_set("tag:billing", "102"); /* adopted */
	mock_state_set("tag:gone", "107");
	mock_state_set("made:tag:gone", "1");
	on("DELETE " API "/tags/105\n", 200, NULL);
	on("DELETE " API "/tags/107\n", 404,
	   ERROR_LIST("not_found", "Resource Not Found"));

	ck_assert_int_eq(run("tags", ES_PHASE_PLAN_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 2);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_DELETE);
	ck_assert_int_eq(mock_plan(1)->change, ES_CHANGE_DELETE);
	ck_assert_uint_eq(mock_http_count(), 0);

	ck_assert_int_eq(run("tags", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix("DELETE "), 2);
	ck_assert_uint_eq(mock_http_count_prefix("DELETE " API "/tags/102"), 0);
	ck_assert_int_eq(mock_http_find("DELETE ", 0)->mutating, 1);
	ck_assert_ptr_null(mock_state("tag:vip"));
	ck_assert_ptr_null(mock_state("tag:gone"));
	ck_assert_pstr_eq(mock_state("tag:billing"), "102");
}
END_TEST

/* A 429 whose answer says when Intercom's window resets: the task is
 * called again then, not at once. */
START_TEST(throttled_write_waits_for_the_rate_limit_reset)
{
	char headers[64];

	snprintf(headers, sizeof(headers), "X-RateLimit-Reset: %lld",
	         (long long)time(NULL) + 8);
	mock_config_list("tags", "vip", NULL);
	on(GET_TAGS, 200, EMPTY_LIST);
	mock_http_reply(POST_TAG, 429,
	                ERROR_LIST("rate_limit_exceeded", "Too many requests"),
	                headers, MOCK_REPLY_ALWAYS);

	ck_assert_int_eq(run("tags", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_ge(mock_retry_after(), 6000);
	ck_assert_uint_le(mock_retry_after(), 9000);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "rate_limit_exceeded"));
}
END_TEST

/* ---------------------------------------------------------- workspace */

#define ME(iv)                                                                 \
	"{\"type\": \"admin\", \"id\": \"991267459\", \"email\": "             \
	"\"admin1@email.com\", \"app\": {\"type\": \"app\", \"id_code\": "     \
	"\"abc123xy\", \"region\": \"US\", \"identity_verification\": " iv     \
	"}}"

START_TEST(read_app_verify_publishes_the_app_id)
{
	on("GET " API "/me\n", 200, ME("true"));

	ck_assert_int_eq(run("read_app", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_int_eq(run("read_app", ES_PHASE_VERIFY), ES_OK);
	ck_assert_pstr_eq(mock_output("app_id", NULL), "abc123xy");

	mock_host_reset();
	setup();
	on("GET " API "/me\n", 200, "{\"type\": \"admin\", \"app\": {}}");
	ck_assert_int_eq(run("read_app", ES_PHASE_VERIFY), ES_RETRY);
	ck_assert_ptr_null(mock_output("app_id", NULL));
}
END_TEST

START_TEST(eu_region_uses_api_url_eu_unless_api_url_is_set)
{
	mock_config_string("region", "eu");
	mock_config_string("api_url_eu", "https://api.eu.intercom.test");
	mock_config_explicit("api_url", 0);
	on("GET https://api.eu.intercom.test/me\n", 200, ME("true"));

	ck_assert_int_eq(run("read_app", ES_PHASE_VERIFY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 1);
}
END_TEST

START_TEST(identity_secret_unset_asks_a_person)
{
	on("GET " API "/me\n", 200, ME("true"));

	ck_assert_int_eq(run("identity_verification_secret", ES_PHASE_PLAN),
	                 ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(run("identity_verification_secret", ES_PHASE_APPLY),
	                 ES_NEEDS_PERSON);
	ck_assert_ptr_nonnull(strstr(mock_ask(), "Settings > Data > Security"));
	ck_assert_ptr_nonnull(
	    strstr(mock_ask(), "intercom.identity_verification_secret"));
	ck_assert_int_eq(run("identity_verification_secret", ES_PHASE_VERIFY),
	                 ES_FAILED);
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_ptr_null(mock_output("identity_verification_secret", NULL));
}
END_TEST

START_TEST(identity_secret_entered_but_verification_off_asks_to_turn_it_on)
{
	mock_config_string("identity_verification_secret", "env:IV_SECRET");
	on("GET " API "/me\n", 200, ME("false"));

	ck_assert_int_eq(run("identity_verification_secret", ES_PHASE_APPLY),
	                 ES_NEEDS_PERSON);
	ck_assert_ptr_nonnull(strstr(mock_ask(), "turn identity verification"));
}
END_TEST

START_TEST(teammates_not_yet_there_wait_for_a_person)
{
	mock_config_list("teammates", "admin1@email.com", "new@acme.example",
	                 NULL);
	on("GET " API "/admins\n", 200,
	   "{\"type\": \"admin.list\", \"admins\": [{\"type\": \"admin\", "
	   "\"id\": \"1\", \"email\": \"Admin1@email.com\"}]}");

	ck_assert_int_eq(run("invite_teammates", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_str_eq(mock_plan(0)->name, "new@acme.example");
	ck_assert_int_eq(run("invite_teammates", ES_PHASE_APPLY),
	                 ES_NEEDS_PERSON);
	ck_assert_ptr_nonnull(strstr(mock_ask(), "new@acme.example"));
	ck_assert_ptr_null(strstr(mock_ask(), "admin1@"));
	ck_assert_int_eq(run("invite_teammates", ES_PHASE_VERIFY), ES_FAILED);
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

/* ---------------------------------------------------------------- main */

static Suite *intercom_suite(void)
{
	const TTest *tests[] = {
	    attribute_plan_on_absent_records_a_create_and_writes_nothing,
	    attribute_apply_creates_with_the_pinned_version_and_records_the_id,
	    attribute_found_but_unrecorded_is_recorded_without_a_create,
	    attribute_description_that_differs_is_updated,
	    attribute_of_another_type_fails_naming_the_key,
	    attribute_look_up_malformed_200_retries_and_creates_nothing,
	    rejected_token_is_invalid_config_naming_access_token,
	    attribute_conflict_shape_is_adopted,
	    attribute_name_held_by_the_other_model_fails,
	    attribute_destroy_archives_only_what_envsetup_created,
	    attribute_destroy_of_one_already_gone_is_done,
	    tags_plan_apply_and_record,
	    tags_create_answered_without_an_id_retries,
	    tags_destroy_deletes_only_what_envsetup_created,
	    throttled_write_waits_for_the_rate_limit_reset,
	    read_app_verify_publishes_the_app_id,
	    eu_region_uses_api_url_eu_unless_api_url_is_set,
	    identity_secret_unset_asks_a_person,
	    identity_secret_entered_but_verification_off_asks_to_turn_it_on,
	    teammates_not_yet_there_wait_for_a_person,
	};
	Suite *s = suite_create("intercom");
	TCase *tc = tcase_create("tasks");

	tcase_add_checked_fixture(tc, setup, teardown);
	for (size_t i = 0; i < sizeof(tests) / sizeof(*tests); i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(intercom_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
