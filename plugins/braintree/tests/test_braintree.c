/*
 * The braintree plugin's tasks against the SDK's mock host (mock_host.h):
 * Braintree's GraphQL answers are scripted per query, and every request,
 * plan change, state key, output and diagnostic is recorded for the
 * assertions. The plugin's sources are compiled in (its .so exports only
 * the entry).
 *
 * The plugin creates nothing (Braintree has no mutation for it), so where
 * a sibling's tests create, these check that a missing merchant account is
 * a planned change, a person's question in apply, and never a write.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

#include "../braintree.c"
#include "../braintree_api.c"
#include "../braintree_merchant.c"

#define API "https://payments.braintree.test"
#define SANDBOX_API "https://payments.sandbox.braintree.test"
#define GRAPHQL "POST " API "/graphql\n"
#define PING "query Ping"
#define ACCOUNTS_Q "query MerchantAccounts"
#define MERCHANT "acmemerchant01"

/* Braintree's answers: a node of merchantAccounts, a page of them. */
#define NODE(id, currency, status, is_default)                                 \
	"{\"node\": {\"id\": \"" id "\", \"currencyCode\": \"" currency        \
	"\", \"status\": \"" status "\", \"isDefault\": " is_default "}}"
#define PAGE_OF(merchant, more, cursor, ...)                                   \
	"{\"data\": {\"viewer\": {\"merchant\": {\"id\": \"" merchant          \
	"\", \"merchantAccounts\": {\"edges\": [" __VA_ARGS__                  \
	"], \"pageInfo\": {\"hasNextPage\": " more ", \"endCursor\": " cursor  \
	"}}}}}, \"extensions\": {\"requestId\": \"req-1\"}}"
#define PAGE(...) PAGE_OF(MERCHANT, "false", "null", __VA_ARGS__)
#define AUD NODE("acme_aud", "AUD", "ACTIVE", "true")
#define USD NODE("acme_usd", "USD", "ACTIVE", "false")
/* Braintree's error shape, sent with HTTP 200 (or a 401). */
#define ERROR(cls, text)                                                       \
	"{\"data\": null, \"errors\": [{\"message\": \"" text "\", "           \
	"\"extensions\": {\"errorClass\": \"" cls "\", \"legacyCode\": "       \
	"\"-1\"}}], \"extensions\": {\"requestId\": \"req-2\"}}"

/* ------------------------------------------------------------ fixture */

static void setup(void)
{
	mock_host_reset();
	mock_config_string("gateway_environment", "production");
	mock_config_string("api_url", API);
	mock_config_string("sandbox_api_url", SANDBOX_API);
	mock_config_string("api_version", "2019-01-01");
	mock_config_string("merchant_id", MERCHANT);
	mock_config_list("currencies", "AUD", "USD", NULL);
}

static void teardown(void)
{
	mock_host_reset();
}

static enum es_status run(const char *task, enum es_phase phase)
{
	return mock_run_task(&braintree, task, phase, NULL);
}

static void on(const char *match, long status, const char *body)
{
	mock_http_reply(match, status, body, NULL, MOCK_REPLY_ALWAYS);
}

static size_t writes(void)
{
	size_t n = 0;

	for (size_t i = 0; i < mock_http_count(); i++)
		n += mock_http_sent(i)->mutating;
	return n;
}

/* ------------------------------------------------- verify_credentials */

START_TEST(ping_sends_basic_keys_version_and_json_to_graphql)
{
	const struct mock_request *req;

	on(PING, 200, "{\"data\": {\"ping\": \"pong\"}, \"extensions\": {}}");

	ck_assert_int_eq(run("verify_credentials", ES_PHASE_VERIFY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 1);
	req = mock_http_sent(0);
	ck_assert_str_eq(req->method, "POST");
	ck_assert_str_eq(req->url, API "/graphql");
	ck_assert_str_eq(req->content_type, "application/json");
	ck_assert_str_eq(req->basic_user, "{{secret:public_key}}");
	ck_assert_str_eq(req->basic_password, "{{secret:private_key}}");
	ck_assert_pstr_eq(mock_request_header(req, "Braintree-Version"),
	                  "2019-01-01");
	ck_assert_ptr_nonnull(strstr(req->body, "query Ping { ping }"));
	ck_assert_int_eq(req->mutating, 0);
}
END_TEST

START_TEST(sandbox_gateway_goes_to_sandbox_api_url)
{
	mock_config_string("gateway_environment", "sandbox");
	on(PING, 200, "{\"data\": {\"ping\": \"pong\"}}");

	ck_assert_int_eq(run("verify_credentials", ES_PHASE_PLAN), ES_OK);
	ck_assert_str_eq(mock_http_sent(0)->url, SANDBOX_API "/graphql");
	ck_assert_uint_eq(mock_plan_count(), 0);
}
END_TEST

START_TEST(rejected_keys_are_invalid_config_naming_private_key)
{
	/* Braintree's documented shape: HTTP 200, errorClass AUTHENTICATION. */
	on(PING, 200, ERROR("AUTHENTICATION", "Invalid credentials"));
	ck_assert_int_eq(run("verify_credentials", ES_PHASE_APPLY),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "private_key");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "Braintree"));

	/* The same error sent with 401. */
	setup();
	on(PING, 401, ERROR("AUTHENTICATION", "Invalid credentials"));
	ck_assert_int_eq(run("verify_credentials", ES_PHASE_APPLY),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "private_key");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "req-2"));

	/* A key whose user may not read the merchant. */
	setup();
	on(ACCOUNTS_Q, 200, ERROR("AUTHORIZATION", "Not authorized"));
	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_PLAN),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "private_key");
}
END_TEST

START_TEST(ping_without_pong_is_malformed_and_retried)
{
	on(PING, 200, "{\"data\": {}}");
	ck_assert_int_eq(run("verify_credentials", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "Ping"));
}
END_TEST

START_TEST(error_classes_decide_the_status)
{
	static const struct {
		const char *cls;
		enum es_status want;
	} cases[] = {
	    {"RESOURCE_LIMIT", ES_RETRY}, /* Braintree's "too many" */
	    {"INTERNAL", ES_RETRY},       /* its server error */
	    {"SERVICE_AVAILABILITY", ES_RETRY},
	    {"VALIDATION", ES_FAILED},
	    {"NOT_FOUND", ES_FAILED},
	};
	char body[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup();
		snprintf(body, sizeof(body),
		         "{\"errors\": [{\"message\": \"x\", \"extensions\": "
		         "{\"errorClass\": \"%s\"}}], \"extensions\": {}}",
		         cases[i].cls);
		on(ACCOUNTS_Q, 200, body);
		ck_assert_msg(run("merchant_accounts", ES_PHASE_APPLY) ==
		                  cases[i].want,
		              "%s", cases[i].cls);
		ck_assert_ptr_nonnull(
		    strstr(mock_diag_text(), "MerchantAccounts"));
		ck_assert_ptr_null(mock_state("merchant_account.AUD"));
	}
}
END_TEST

/* -------------------------------------------------- merchant_accounts */

START_TEST(plan_on_absent_currency_records_a_create_and_writes_nothing)
{
	on(ACCOUNTS_Q, 200, PAGE(AUD));

	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_PLAN), ES_OK);
	/* AUD found but not recorded: record it; USD absent: create. */
	ck_assert_uint_eq(mock_plan_count(), 2);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_int_eq(mock_plan(1)->change, ES_CHANGE_CREATE);
	ck_assert_str_eq(mock_plan(1)->kind, "merchant_account");
	ck_assert_str_eq(mock_plan(1)->name, "USD");
	ck_assert_uint_eq(writes(), 0);
	ck_assert_ptr_null(mock_state("merchant_account.USD"));

	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_VERIFY), ES_FAILED);
	ck_assert_ptr_null(mock_output("merchant_accounts", NULL));
}
END_TEST

START_TEST(apply_on_absent_asks_a_person_then_records_what_they_made)
{
	size_t first = mock_http_reply(ACCOUNTS_Q, 200, PAGE(AUD), NULL,
	                               MOCK_REPLY_ALWAYS);

	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_APPLY),
	                 ES_NEEDS_PERSON);
	ck_assert_ptr_nonnull(strstr(mock_ask(), "USD"));
	ck_assert_ptr_nonnull(strstr(mock_ask(), MERCHANT));
	ck_assert_ptr_nonnull(strstr(mock_ask(), "Merchant Accounts"));
	ck_assert_pstr_eq(mock_state("merchant_account.AUD"), "acme_aud");
	ck_assert_uint_eq(writes(), 0);

	/* The person made it in the Control Panel: the next apply finds it,
	 * records it, and verify publishes both. */
	mock_http_drop(first);
	on(ACCOUNTS_Q, 200, PAGE(AUD "," USD));
	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_state("merchant_account.USD"), "acme_usd");
	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_VERIFY), ES_OK);
	ck_assert_uint_eq(writes(), 0);
}
END_TEST

START_TEST(found_but_unrecorded_is_a_change_then_recorded_not_created)
{
	on(ACCOUNTS_Q, 200, PAGE(AUD "," USD));

	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 2);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_ptr_nonnull(strstr(mock_plan(0)->detail, "record"));
	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_VERIFY), ES_FAILED);

	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_state("merchant_account.AUD"), "acme_aud");
	ck_assert_pstr_eq(mock_state("merchant_account.USD"), "acme_usd");
	ck_assert_uint_eq(writes(), 0);

	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 2); /* no new change */
}
END_TEST

START_TEST(verify_publishes_the_platforms_accounts)
{
	int secret = 1;

	mock_state_set("merchant_account.AUD", "acme_aud");
	mock_state_set("merchant_account.USD", "acme_usd");
	on(ACCOUNTS_Q, 200, PAGE(AUD "," USD));

	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_VERIFY), ES_OK);
	ck_assert_pstr_eq(mock_output("merchant_id", &secret), MERCHANT);
	ck_assert_int_eq(secret, 0);
	ck_assert_pstr_eq(mock_output("merchant_accounts", NULL),
	                  "[{\"currency\":\"AUD\",\"acct\":\"acme_aud\","
	                  "\"default\":true},{\"currency\":\"USD\",\"acct\":"
	                  "\"acme_usd\",\"default\":false}]");
	ck_assert_pstr_eq(mock_output("merchant_account_id:USD", NULL),
	                  "acme_usd");
	ck_assert_uint_eq(mock_plan_count(), 0);
}
END_TEST

START_TEST(listing_answered_malformed_retries_and_records_nothing)
{
	static const char *const bodies[] = {
	    "{\"data\": {\"viewer\": {\"merch", /* cut */
	    "<html>Service temporarily unavailable</html>",
	    "{\"data\": {\"viewer\": {\"merchant\": null}}}",
	    "[\"not an object\"]",
	};

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		setup();
		on(ACCOUNTS_Q, 200, bodies[i]);
		ck_assert_int_eq(run("merchant_accounts", ES_PHASE_APPLY),
		                 ES_RETRY);
		ck_assert_ptr_null(mock_state("merchant_account.AUD"));
		ck_assert_str_eq(mock_ask(), "");
		ck_assert_int_eq(run("merchant_accounts", ES_PHASE_PLAN),
		                 ES_RETRY);
		ck_assert_uint_eq(mock_plan_count(), 0);
	}
}
END_TEST

START_TEST(accounts_are_paged_with_the_cursor)
{
	/* The reply for page 2 first: replies match in the order added. */
	on("\"after\":\"cursor-1\"", 200, PAGE(USD));
	on(ACCOUNTS_Q, 200, PAGE_OF(MERCHANT, "true", "\"cursor-1\"", AUD));

	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 2);
	ck_assert_ptr_null(strstr(mock_http_sent(0)->body, "\"after\":"));
	ck_assert_ptr_nonnull(strstr(mock_http_sent(0)->body, "\"first\":50"));
	ck_assert_pstr_eq(mock_state("merchant_account.USD"), "acme_usd");
}
END_TEST

START_TEST(keys_of_another_merchant_are_invalid_config_naming_merchant_id)
{
	on(ACCOUNTS_Q, 200, PAGE_OF("othermerchant", "false", "null", AUD));

	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_PLAN),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "merchant_id");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "othermerchant"));
	ck_assert_uint_eq(mock_plan_count(), 0);
}
END_TEST

START_TEST(pending_account_waits_for_braintree_and_suspended_fails)
{
	mock_config_list("currencies", "AUD", NULL);
	mock_state_set("merchant_account.AUD", "acme_aud");
	on(ACCOUNTS_Q, 200, PAGE(NODE("acme_aud", "AUD", "PENDING", "true")));

	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_ptr_nonnull(strstr(mock_plan(0)->detail, "PENDING"));
	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_APPLY),
	                 ES_NEEDS_PERSON);
	ck_assert_ptr_nonnull(strstr(mock_ask(), "reviewing"));

	setup();
	mock_config_list("currencies", "AUD", NULL);
	mock_state_set("merchant_account.AUD", "acme_aud");
	on(ACCOUNTS_Q, 200, PAGE(NODE("acme_aud", "AUD", "SUSPENDED", "true")));
	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_APPLY), ES_FAILED);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "suspended"));
}
END_TEST

START_TEST(the_recorded_account_wins_over_the_default_of_its_currency)
{
	mock_config_list("currencies", "AUD", NULL);
	mock_state_set("merchant_account.AUD", "acme_aud_2");
	on(ACCOUNTS_Q, 200,
	   PAGE(AUD "," NODE("acme_aud_2", "AUD", "ACTIVE", "false")));

	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_VERIFY), ES_OK);
	ck_assert_pstr_eq(mock_output("merchant_account_id:AUD", NULL),
	                  "acme_aud_2");
}
END_TEST

/* ----------------------------------------------------------- teardown */

/* Nothing is envsetup's to remove: the accounts are the customer's (made
 * in the Control Panel), whether or not state recorded them. */
START_TEST(plan_destroy_records_no_delete_and_sends_nothing)
{
	mock_state_set("merchant_account.AUD", "acme_aud");

	ck_assert_int_eq(run("verify_credentials", ES_PHASE_PLAN_DESTROY),
	                 ES_OK);
	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_PLAN_DESTROY),
	                 ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_uint_eq(mock_http_count(), 0);
}
END_TEST

START_TEST(destroy_keeps_the_recorded_accounts_and_sends_nothing)
{
	mock_state_set("merchant_account.AUD", "acme_aud");

	ck_assert_int_eq(run("merchant_accounts", ES_PHASE_DESTROY), ES_OK);
	ck_assert_int_eq(run("verify_credentials", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 0);
	ck_assert_pstr_eq(mock_state("merchant_account.AUD"), "acme_aud");
	ck_assert_uint_eq(mock_diag_count(), 0);
}
END_TEST

/* ------------------------------------------------------- manual gates */

START_TEST(manual_gates_have_questions_and_no_function)
{
	static const char *const gates[] = {
	    "complete_verification", "enable_card_types", "invite_admins"};
	size_t found = 0;

	for (const struct es_task *t = braintree.tasks; t->id; t++)
		for (size_t i = 0; i < 3; i++)
			if (strcmp(t->id, gates[i]) == 0) {
				ck_assert(t->flags & ES_TASK_MANUAL);
				ck_assert_ptr_null(t->run);
				ck_assert_ptr_nonnull(t->question);
				ck_assert_str_eq(t->section, "4.6");
				found++;
			}
	ck_assert_uint_eq(found, 3);
}
END_TEST

/* ---------------------------------------------------------------- main */

int main(void)
{
	const TTest *tests[] = {
	    ping_sends_basic_keys_version_and_json_to_graphql,
	    sandbox_gateway_goes_to_sandbox_api_url,
	    rejected_keys_are_invalid_config_naming_private_key,
	    ping_without_pong_is_malformed_and_retried,
	    error_classes_decide_the_status,
	    plan_on_absent_currency_records_a_create_and_writes_nothing,
	    apply_on_absent_asks_a_person_then_records_what_they_made,
	    found_but_unrecorded_is_a_change_then_recorded_not_created,
	    verify_publishes_the_platforms_accounts,
	    listing_answered_malformed_retries_and_records_nothing,
	    accounts_are_paged_with_the_cursor,
	    keys_of_another_merchant_are_invalid_config_naming_merchant_id,
	    pending_account_waits_for_braintree_and_suspended_fails,
	    the_recorded_account_wins_over_the_default_of_its_currency,
	    plan_destroy_records_no_delete_and_sends_nothing,
	    destroy_keeps_the_recorded_accounts_and_sends_nothing,
	    manual_gates_have_questions_and_no_function,
	};
	Suite *s = suite_create("braintree");
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
