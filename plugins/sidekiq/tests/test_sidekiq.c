/*
 * The sidekiq plugin's task against the SDK's mock host (mock_host.h).
 * There is no provider: what matters is that plan reads only the state,
 * apply asks the core to generate each password (so it never enters the
 * plugin), the user name is published in the clear and the password only
 * as a secret, and a recorded login is never generated again.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

#include "../sidekiq.c"
#include "../sidekiq_credentials.c"

static void setup(void)
{
	mock_host_reset();
	mock_config_list("components", "connec", "impac", NULL);
	mock_config_string("username", "sidekiq-admin");
}

static void teardown(void)
{
	mock_host_reset();
}

static enum es_status run(enum es_phase phase)
{
	return mock_run_task(&sidekiq, "credentials", phase, NULL);
}

START_TEST(plan_records_one_login_per_component_and_generates_nothing)
{
	ck_assert_int_eq(run(ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 2);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_CREATE);
	ck_assert_str_eq(mock_plan(0)->name, "connec");
	ck_assert_str_eq(mock_plan(1)->name, "impac");
	ck_assert_uint_eq(mock_secret_count(), 0);
	ck_assert_ptr_null(mock_output("username:connec", NULL));
}
END_TEST

START_TEST(apply_generates_and_records_each_login)
{
	int secret = 1;

	ck_assert_int_eq(run(ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_secret_count(), 2);
	ck_assert_uint_eq(mock_generate_length(), SIDEKIQ_PASSWORD_LENGTH);
	ck_assert_ptr_nonnull(mock_secret("password:connec"));
	ck_assert_ptr_nonnull(mock_secret("password:impac"));
	ck_assert_str_eq(mock_output("username:impac", &secret),
	                 "sidekiq-admin");
	ck_assert_int_eq(secret, 0);
	ck_assert_str_eq(mock_state("login:connec"), "sidekiq-admin");
	ck_assert_uint_eq(mock_http_count(), 0);
}
END_TEST

START_TEST(recorded_logins_are_in_place_and_never_regenerated)
{
	mock_state_set("login:connec", "sidekiq-admin");
	mock_state_set("login:impac", "sidekiq-admin");
	ck_assert_int_eq(run(ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_int_eq(run(ES_PHASE_VERIFY), ES_OK);
	ck_assert_uint_eq(mock_secret_count(), 0);
	ck_assert_str_eq(mock_output("username:connec", NULL), "sidekiq-admin");
}
END_TEST

START_TEST(verify_fails_on_a_login_never_made)
{
	mock_state_set("login:connec", "sidekiq-admin");
	ck_assert_int_eq(run(ES_PHASE_VERIFY), ES_FAILED);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "impac"));
	ck_assert_uint_eq(mock_secret_count(), 0);
}
END_TEST

START_TEST(a_new_user_name_is_an_update_that_keeps_the_password)
{
	mock_state_set("login:connec", "old-admin");
	mock_state_set("login:impac", "sidekiq-admin");
	ck_assert_int_eq(run(ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_ptr_nonnull(strstr(mock_plan(0)->detail, "old-admin"));
	ck_assert_int_eq(run(ES_PHASE_APPLY), ES_OK);
	ck_assert_str_eq(mock_state("login:connec"), "sidekiq-admin");
}
END_TEST

START_TEST(the_admin_gate_is_manual_with_a_question)
{
	const struct es_plugin_descriptor *d = &sidekiq;
	const struct es_task *t = &d->tasks[1];

	ck_assert_str_eq(t->id, "admin_access");
	ck_assert(t->flags & ES_TASK_MANUAL);
	ck_assert_ptr_null(t->run);
	ck_assert_ptr_nonnull(strstr(t->question, "SIDEKIQ_PASSWORD"));
}
END_TEST

int main(void)
{
	const TTest *tests[] = {
	    plan_records_one_login_per_component_and_generates_nothing,
	    apply_generates_and_records_each_login,
	    recorded_logins_are_in_place_and_never_regenerated,
	    verify_fails_on_a_login_never_made,
	    a_new_user_name_is_an_update_that_keeps_the_password,
	    the_admin_gate_is_manual_with_a_question,
	};
	Suite *s = suite_create("sidekiq");
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
