/* hello's greet task through the SDK's mock host, phase by phase. */
#include <check.h>

#include "mock_host.h"

#include "../hello.c"

static enum es_status greet_in(enum es_phase phase)
{
	return mock_run_task(&hello, "greet", phase, NULL);
}

START_TEST(greets_once_and_publishes)
{
	mock_host_reset();
	mock_config_string("name", "world");
	mock_config_string("greeting", "Hello");

	ck_assert_int_eq(greet_in(ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_CREATE);
	ck_assert_int_eq(greet_in(ES_PHASE_VERIFY), ES_FAILED);

	ck_assert_int_eq(greet_in(ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_state("greeted"), "world");
	ck_assert_pstr_eq(mock_output("greeting", NULL), "Hello, world!");
	ck_assert_int_eq(greet_in(ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1); /* no new change */
	ck_assert_int_eq(greet_in(ES_PHASE_VERIFY), ES_OK);
	mock_host_reset();
}
END_TEST

START_TEST(destroy_takes_it_back_once)
{
	mock_host_reset();
	mock_config_string("name", "world");
	mock_config_string("greeting", "Hello");
	ck_assert_int_eq(greet_in(ES_PHASE_DESTROY), ES_OK); /* never made */
	ck_assert_int_eq(greet_in(ES_PHASE_APPLY), ES_OK);

	ck_assert_int_eq(greet_in(ES_PHASE_PLAN_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_DELETE);
	ck_assert_int_eq(greet_in(ES_PHASE_DESTROY), ES_OK);
	ck_assert_ptr_null(mock_state("greeted"));
	ck_assert_int_eq(greet_in(ES_PHASE_PLAN_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1); /* nothing left */
	mock_host_reset();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hello");
	TCase *tc = tcase_create("greet");
	SRunner *sr = srunner_create(s);
	int failed;

	tcase_add_test(tc, greets_once_and_publishes);
	tcase_add_test(tc, destroy_takes_it_back_once);
	suite_add_tcase(s, tc);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
