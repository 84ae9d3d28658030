/*
 * The mailgun plugin's teardown (ES_PHASE_PLAN_DESTROY, ES_PHASE_DESTROY)
 * against the SDK's mock host: what it deletes, what it keeps, and that a
 * resource already gone is done without a second DELETE.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

#include "../mailgun.c"
#include "../mailgun_api.c"
#include "../mailgun_destroy.c"
#include "../mailgun_domain.c"
#include "../mailgun_templates.c"

#define API "https://api.mailgun.test"
#define DOMAIN "mail.acme.example"
#define HOOK "https://app.acme.example/hooks/mailgun"
#define GET_DOMAIN "GET " API "/v4/domains/" DOMAIN "\n"
#define DEL_DOMAIN "DELETE " API "/v3/domains/" DOMAIN "\n"
#define WEBHOOKS API "/v3/domains/" DOMAIN "/webhooks"
#define CREDENTIALS API "/v3/domains/" DOMAIN "/credentials"
#define DOMAIN_JSON                                                            \
	"{\"domain\": {\"id\": \"dom-1\", \"name\": \"" DOMAIN "\"}}"

static void setup(void)
{
	mock_host_reset();
	mock_config_string("api_url", API);
	mock_config_string("domain", DOMAIN);
	mock_config_string("smtp_login", "postmaster");
	mock_config_list("webhook_events", "delivered", "permanent_fail", NULL);
}

static void teardown(void)
{
	mock_host_reset();
}

static enum es_status run(const char *task, enum es_phase phase)
{
	return mock_run_task(&mailgun, task, phase, NULL);
}

static void on(const char *match, long status, const char *body)
{
	mock_http_reply(match, status, body, NULL, MOCK_REPLY_ALWAYS);
}

static size_t sent(const char *prefix)
{
	size_t n = 0;

	for (size_t i = 0; i < mock_http_count(); i++)
		n += strncmp(mock_http_sent(i)->text, prefix, strlen(prefix)) ==
		     0;
	return n;
}

START_TEST(domain_recorded_is_planned_then_deleted_and_forgotten)
{
	mock_state_set("domain_id", "dom-1");
	mock_state_set(ES_CLAIM_PREFIX "domain_id", DOMAIN); /* envsetup's */
	on(GET_DOMAIN, 200, DOMAIN_JSON);
	on(DEL_DOMAIN, 200, "{\"message\": \"Domain has been deleted\"}");

	ck_assert_int_eq(run("create_domain", ES_PHASE_PLAN_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_DELETE);
	ck_assert_uint_eq(sent("DELETE"), 0);

	ck_assert_int_eq(run("create_domain", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(sent(DEL_DOMAIN), 1);
	ck_assert(mock_http_sent(mock_http_count() - 1)->mutating);
	ck_assert_ptr_null(mock_state("domain_id"));
	ck_assert_ptr_null(mock_state(ES_CLAIM_PREFIX "domain_id"));
}
END_TEST

/* A domain whose id the state records but that envsetup never claimed
 * (found at the provider and adopted): kept. */
START_TEST(domain_found_not_made_is_kept)
{
	mock_state_set("domain_id", "dom-1");
	on(GET_DOMAIN, 200, DOMAIN_JSON);

	ck_assert_int_eq(run("create_domain", ES_PHASE_DESTROY),
	                 ES_UNSUPPORTED);
	ck_assert_uint_eq(sent("DELETE"), 0);
	ck_assert_str_eq(mock_state("domain_id"), "dom-1");
}
END_TEST

START_TEST(domain_already_gone_is_removed_without_a_delete)
{
	mock_state_set("domain_id", "dom-1");
	on(GET_DOMAIN, 404, "{\"message\": \"Domain not found\"}");

	ck_assert_int_eq(run("create_domain", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(sent("DELETE"), 0);
	ck_assert_ptr_null(mock_state("domain_id"));
}
END_TEST

START_TEST(domain_not_recorded_is_kept)
{
	on(GET_DOMAIN, 200, DOMAIN_JSON);

	ck_assert_int_eq(run("create_domain", ES_PHASE_PLAN_DESTROY),
	                 ES_UNSUPPORTED);
	ck_assert_int_eq(run("create_domain", ES_PHASE_DESTROY),
	                 ES_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "kept"));
	ck_assert_uint_eq(sent("DELETE"), 0);
	ck_assert_uint_eq(mock_plan_count(), 0);
}
END_TEST

START_TEST(webhooks_drop_only_our_url)
{
	mock_config_string("webhook_url", HOOK);
	on("GET " WEBHOOKS "\n", 200,
	   "{\"webhooks\": {\"delivered\": {\"urls\": [\"" HOOK "\"]}, "
	   "\"permanent_fail\": {\"urls\": [\"https://x.example/h\", "
	   "\"" HOOK "\"]}}}");
	on("DELETE " WEBHOOKS "/delivered\n", 200,
	   "{\"message\": \"ok\", \"webhook\": {\"urls\": []}}");
	on("PUT " WEBHOOKS "/permanent_fail\n", 200, "{\"message\": \"ok\"}");

	ck_assert_int_eq(run("configure_webhooks", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(sent("DELETE " WEBHOOKS "/delivered\n"), 1);
	ck_assert_uint_eq(sent("PUT " WEBHOOKS "/permanent_fail\n"), 1);
	for (size_t i = 0; i < mock_http_count(); i++)
		if (!strncmp(mock_http_sent(i)->text, "PUT", 3)) {
			ck_assert_uint_eq(mock_http_sent(i)->n_form, 1);
			ck_assert_str_eq(mock_http_sent(i)->form[0].value,
			                 "https://x.example/h");
		}
}
END_TEST

START_TEST(smtp_login_deleted_only_in_a_recorded_domain)
{
	on("GET " CREDENTIALS "\n", 200,
	   "{\"items\": [{\"login\": \"postmaster@" DOMAIN "\"}]}");
	on("DELETE " CREDENTIALS "/postmaster@" DOMAIN "\n", 200,
	   "{\"message\": \"deleted\", \"spec\": \"postmaster\"}");

	ck_assert_int_eq(run("smtp_credentials", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 0);

	mock_state_set("domain_id", "dom-1");
	ck_assert_int_eq(run("smtp_credentials", ES_PHASE_PLAN_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(run("smtp_credentials", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(sent("DELETE " CREDENTIALS "/postmaster@"), 1);
}
END_TEST

START_TEST(checks_make_nothing_to_remove)
{
	ck_assert_int_eq(run("verify_api_key", ES_PHASE_DESTROY), ES_OK);
	ck_assert_int_eq(run("verify_domain", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mailgun_destroy");
	TCase *tc = tcase_create("destroy");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc,
	               domain_recorded_is_planned_then_deleted_and_forgotten);
	tcase_add_test(tc, domain_already_gone_is_removed_without_a_delete);
	tcase_add_test(tc, domain_not_recorded_is_kept);
	tcase_add_test(tc, domain_found_not_made_is_kept);
	tcase_add_test(tc, webhooks_drop_only_our_url);
	tcase_add_test(tc, smtp_login_deleted_only_in_a_recorded_domain);
	tcase_add_test(tc, checks_make_nothing_to_remove);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
