/*
 * The eway plugin's tasks against the SDK's mock host (mock_host.h):
 * eWAY's answers are scripted per request, and every request, plan
 * change, state key, output and diagnostic is recorded for the
 * assertions. The plugin's sources are compiled in (its .so exports only
 * the entry).
 *
 * The plugin creates nothing (eWAY's Rapid API has no account, key or
 * user call), so where a sibling's tests create, these check that no
 * phase ever writes, plans a change or keeps state, and that the
 * teardown phases send nothing.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

#include "../eway.c"
#include "../eway_api.c"
#include "../eway_credentials.c"

#define API "https://api.eway.test"
#define SANDBOX_API "https://api.sandbox.eway.test"
#define SEARCH "GET " API "/Search/Settlement?"
#define SANDBOX_SEARCH "GET " SANDBOX_API "/Search/Settlement?"
/* A Settlement Search answer in Rapid's shape, summary only. */
#define SUMMARY                                                                \
	"{\"SettlementSummaries\": [{\"SettlementID\": \"1\", "                \
	"\"Currency\": \"036\", \"CurrencyCardTypeSummaries\": [], "           \
	"\"TotalCredit\": 0, \"TotalDebit\": 0, \"TotalBalance\": 0}], "       \
	"\"SettlementTransactions\": [], \"Errors\": \"\"}"
#define ERRORS(codes)                                                          \
	"{\"SettlementSummaries\": null, \"SettlementTransactions\": null, "   \
	"\"Errors\": \"" codes "\"}"

/* ------------------------------------------------------------ fixture */

static void setup(void)
{
	mock_host_reset();
	mock_config_string("gateway_mode", "production");
	mock_config_string("api_url", API);
	mock_config_string("sandbox_api_url", SANDBOX_API);
	mock_config_string("customer_id", "87654321");
}

static void teardown(void)
{
	mock_host_reset();
}

static enum es_status run(const char *task, enum es_phase phase)
{
	return mock_run_task(&eway, task, phase, NULL);
}

static void on(const char *match, long status, const char *body)
{
	mock_http_reply(match, status, body, NULL, MOCK_REPLY_ALWAYS);
}

/* Nothing an eway task does is a write, a change or a state key. */
static void nothing_kept(void)
{
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_ptr_null(mock_state("verify_credentials"));
}

/* ------------------------------------------------- verify_credentials */

START_TEST(check_sends_basic_key_and_password_to_settlement_search)
{
	const struct mock_request *req;

	on(SEARCH, 200, SUMMARY);
	ck_assert_int_eq(run("verify_credentials", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 1);
	req = mock_http_sent(0);
	ck_assert_str_eq(req->method, "GET");
	ck_assert_ptr_nonnull(strstr(req->url, API "/Search/Settlement?"
	                                           "ReportMode=SummaryOnly&"
	                                           "SettlementDate=20"));
	ck_assert_str_eq(req->basic_user, "{{secret:api_key}}");
	ck_assert_str_eq(req->basic_password, "{{secret:api_password}}");
	nothing_kept();
}
END_TEST

START_TEST(sandbox_mode_goes_to_sandbox_api_url)
{
	mock_config_string("gateway_mode", "sandbox");
	on(SANDBOX_SEARCH, 200, SUMMARY);
	ck_assert_int_eq(run("verify_credentials", ES_PHASE_APPLY), ES_OK);
	ck_assert_ptr_nonnull(
	    strstr(mock_http_sent(0)->url, SANDBOX_API "/Search/"));
	nothing_kept();
}
END_TEST

START_TEST(verify_publishes_the_platforms_eway_values)
{
	int secret = 1;

	mock_config_string("gateway_mode", "sandbox");
	mock_config_string("username", "payments@globex.example");
	on(SANDBOX_SEARCH, 200, SUMMARY);
	ck_assert_int_eq(run("verify_credentials", ES_PHASE_VERIFY), ES_OK);
	ck_assert_pstr_eq(mock_output("eway_login", &secret), "87654321");
	ck_assert_int_eq(secret, 0);
	ck_assert_pstr_eq(mock_output("eway_username", NULL),
	                  "payments@globex.example");
	ck_assert_pstr_eq(mock_output("gateway_mode", NULL), "sandbox");
	ck_assert_pstr_eq(mock_output("rapid_endpoint", NULL), SANDBOX_API);
	nothing_kept();
}
END_TEST

START_TEST(plan_and_apply_publish_nothing)
{
	on(SEARCH, 200, SUMMARY);
	ck_assert_int_eq(run("verify_credentials", ES_PHASE_PLAN), ES_OK);
	ck_assert_int_eq(run("verify_credentials", ES_PHASE_APPLY), ES_OK);
	ck_assert_ptr_null(mock_output("eway_login", NULL));
}
END_TEST

START_TEST(rejected_key_is_invalid_config_naming_api_password)
{
	/* eWAY answers wrong credentials with 401 and no JSON body. */
	on(SEARCH, 401, "");
	ck_assert_int_eq(run("verify_credentials", ES_PHASE_APPLY),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "api_password");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "eWAY"));
	ck_assert_ptr_null(mock_output("eway_login", NULL));

	setup();
	on(SEARCH, 403, "");
	ck_assert_int_eq(run("verify_credentials", ES_PHASE_PLAN),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "api_password");
}
END_TEST

START_TEST(malformed_200_is_retried_and_publishes_nothing)
{
	static const char *const bodies[] = {
	    "{\"SettlementSummaries\": [", /* cut */
	    "<html>Service temporarily unavailable</html>",
	    "{\"Errors\": \"\"}", /* no summaries */
	    "[\"not an object\"]",
	    "", /* an empty 200 to a GET */
	};

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		setup();
		on(SEARCH, 200, bodies[i]);
		ck_assert_msg(run("verify_credentials", ES_PHASE_VERIFY) ==
		                  ES_RETRY,
		              "%s", bodies[i]);
		ck_assert_ptr_nonnull(strstr(mock_diag_text(), "eWAY"));
		ck_assert_ptr_null(mock_output("eway_login", NULL));
		nothing_kept();
	}
}
END_TEST

START_TEST(errors_in_200_decide_the_status)
{
	/* S5029 is eWAY's "API Rate Limit Exceeded"; V6xxx/S5xxx others. */
	on(SEARCH, 200, ERRORS("S5029"));
	ck_assert_int_eq(run("verify_credentials", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "S5029"));
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "Search/Settlement"));

	setup();
	on(SEARCH, 200, ERRORS("V6021,V6022"));
	ck_assert_int_eq(run("verify_credentials", ES_PHASE_APPLY), ES_FAILED);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "V6021,V6022"));
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "eWAY"));

	/* The throttle sent with a 4xx status is retried too. */
	setup();
	on(SEARCH, 400, ERRORS("S5029"));
	ck_assert_int_eq(run("verify_credentials", ES_PHASE_APPLY), ES_RETRY);
	nothing_kept();
}
END_TEST

START_TEST(throttles_and_server_errors_are_retried)
{
	static const long statuses[] = {429, 500, 502, 503};

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		setup();
		on(SEARCH, statuses[i], "");
		ck_assert_int_eq(run("verify_credentials", ES_PHASE_APPLY),
		                 ES_RETRY);
		nothing_kept();
	}
}
END_TEST

/* ----------------------------------------------------------- teardown */

/* Nothing is envsetup's to remove: the account and its keys are the
 * customer's, made with eWAY's sales team and in MYeWAY. */
START_TEST(plan_destroy_records_no_delete_and_sends_nothing)
{
	ck_assert_int_eq(run("verify_credentials", ES_PHASE_PLAN_DESTROY),
	                 ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_uint_eq(mock_http_count(), 0);
}
END_TEST

START_TEST(destroy_sends_nothing)
{
	ck_assert_int_eq(run("verify_credentials", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 0);
	ck_assert_uint_eq(mock_diag_count(), 0);
}
END_TEST

/* ------------------------------------------------------- manual gates */

START_TEST(manual_gates_have_questions_and_no_function)
{
	static const char *const gates[] = {"enable_payment_methods",
	                                    "invite_admins"};
	size_t found = 0;

	for (const struct es_task *t = eway.tasks; t->id; t++) {
		for (size_t i = 0; i < 2; i++)
			if (strcmp(t->id, gates[i]) == 0) {
				ck_assert(t->flags & ES_TASK_MANUAL);
				ck_assert_ptr_null(t->run);
				ck_assert_ptr_nonnull(t->question);
				ck_assert_str_eq(t->section, "4.6");
				found++;
			}
		if (t->run)
			ck_assert(t->flags & ES_TASK_TEARDOWN);
	}
	ck_assert_uint_eq(found, 2);
}
END_TEST

/* ---------------------------------------------------------------- main */

int main(void)
{
	const TTest *tests[] = {
	    check_sends_basic_key_and_password_to_settlement_search,
	    sandbox_mode_goes_to_sandbox_api_url,
	    verify_publishes_the_platforms_eway_values,
	    plan_and_apply_publish_nothing,
	    rejected_key_is_invalid_config_naming_api_password,
	    malformed_200_is_retried_and_publishes_nothing,
	    errors_in_200_decide_the_status,
	    throttles_and_server_errors_are_retried,
	    plan_destroy_records_no_delete_and_sends_nothing,
	    destroy_sends_nothing,
	    manual_gates_have_questions_and_no_function,
	};
	Suite *s = suite_create("eway");
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
