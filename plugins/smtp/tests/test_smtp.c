/*
 * The smtp plugin's tasks against the SDK's mock host (mock_host.h): the
 * mail service's outcomes are scripted, and every login check, message,
 * plan change, state key, output and diagnostic is recorded for the
 * assertions. The plugin's sources are compiled in (its .so exports only
 * the entry). The real SMTP dialogue is tests/unit/test_mail.c's and
 * tests/integration/smtp.sh's.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

#include "../smtp.c"
#include "../smtp_api.c"
#include "../smtp_login.c"
#include "../smtp_message.c"

#define LOGIN "mailer@smtp.acme.example:2525 (starttls)"
#define WHAT "no-reply@acme.example -> ops@acme.example via " LOGIN

/* ------------------------------------------------------------ fixture */

static void setup(void)
{
	mock_host_reset();
	mock_config_string("host", "smtp.acme.example");
	mock_config_int("port", 2525);
	mock_config_string("security", "starttls");
	mock_config_string("username", "mailer");
	mock_config_string("from", "no-reply@acme.example");
}

static void teardown(void)
{
	mock_host_reset();
}

static enum es_status run(const char *task, enum es_phase phase)
{
	return mock_run_task(&smtp, task, phase, NULL);
}

/* ------------------------------------------------------- verify_login */

START_TEST(login_plan_checks_then_records_a_create)
{
	const struct mock_mail *m;

	ck_assert_int_eq(run("verify_login", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_mail_count(MOCK_MAIL_CHECK_LOGIN), 1);
	m = mock_mail_call(0);
	ck_assert_str_eq(m->host, "smtp.acme.example");
	ck_assert_uint_eq(m->port, 2525);
	ck_assert_int_eq(m->security, ES_MAIL_STARTTLS);
	ck_assert_str_eq(m->username, "mailer");
	/* The plugin never holds the password: the core substitutes it. */
	ck_assert_str_eq(m->password, "{{secret:password}}");
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_CREATE);
	ck_assert_str_eq(mock_plan(0)->name, LOGIN);
	ck_assert_ptr_null(mock_output("smtp_host", NULL));
	ck_assert_int_eq(run("verify_login", ES_PHASE_VERIFY), ES_FAILED);
	ck_assert_uint_eq(mock_mail_count(MOCK_MAIL_SEND), 0);
}
END_TEST

START_TEST(login_apply_publishes_the_platform_settings_once)
{
	int secret = 1;

	ck_assert_int_eq(run("verify_login", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_output("smtp_host", &secret),
	                  "smtp.acme.example");
	ck_assert_int_eq(secret, 0);
	ck_assert_pstr_eq(mock_output("smtp_port", NULL), "2525");
	ck_assert_pstr_eq(mock_output("smtp_username", NULL), "mailer");
	ck_assert_pstr_eq(mock_output("smtp_domain", NULL), "acme.example");
	ck_assert_pstr_eq(mock_output("smtp_security", NULL), "starttls");
	ck_assert_ptr_null(mock_output("smtp_password", NULL));
	ck_assert_pstr_eq(mock_state("login"), LOGIN);
	ck_assert_int_eq(run("verify_login", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_int_eq(run("verify_login", ES_PHASE_VERIFY), ES_OK);
	/* Every phase checked the login again: nothing is taken on trust. */
	ck_assert_uint_eq(mock_mail_count(MOCK_MAIL_CHECK_LOGIN), 3);
}
END_TEST

START_TEST(login_changed_is_an_update)
{
	mock_state_set("login", "mailer@old.acme.example:587 (starttls)");
	ck_assert_int_eq(run("verify_login", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	mock_config_string("security", "tls");
	mock_config_int("port", 465);
	ck_assert_int_eq(run("verify_login", ES_PHASE_APPLY), ES_OK);
	ck_assert_int_eq(mock_mail_call(1)->security, ES_MAIL_TLS);
	ck_assert_pstr_eq(mock_state("login"),
	                  "mailer@smtp.acme.example:465 (tls)");
}
END_TEST

START_TEST(login_outcomes_name_the_key)
{
	static const struct {
		enum es_mail_result r;
		enum es_status st;
		const char *key;
	} cases[] = {
	    {ES_MAIL_AUTH_FAILED, ES_INVALID_CONFIG, "password"},
	    {ES_MAIL_TLS_FAILED, ES_INVALID_CONFIG, "security"},
	    {ES_MAIL_REFUSED, ES_FAILED, "host"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup();
		mock_mail_result(MOCK_MAIL_CHECK_LOGIN, cases[i].r,
		                 "smtp smtp.acme.example:2525 (STARTTLS): ...");
		ck_assert_int_eq(run("verify_login", ES_PHASE_APPLY),
		                 cases[i].st);
		ck_assert_str_eq(mock_diag_key(), cases[i].key);
		ck_assert_ptr_null(mock_state("login"));
		ck_assert_ptr_null(mock_output("smtp_host", NULL));
	}
	/* A read that timed out is tried again later. */
	setup();
	mock_mail_result(MOCK_MAIL_CHECK_LOGIN, ES_MAIL_TIMEOUT, NULL);
	ck_assert_int_eq(run("verify_login", ES_PHASE_VERIFY), ES_RETRY);
}
END_TEST

/* -------------------------------------------------- send_test_message */

START_TEST(no_test_to_sends_nothing)
{
	ck_assert_int_eq(run("send_test_message", ES_PHASE_PLAN), ES_OK);
	ck_assert_int_eq(run("send_test_message", ES_PHASE_APPLY), ES_OK);
	ck_assert_int_eq(run("send_test_message", ES_PHASE_VERIFY), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_uint_eq(mock_mail_count(MOCK_MAIL_SEND), 0);
}
END_TEST

START_TEST(test_message_is_sent_once)
{
	const struct mock_mail *m;

	mock_config_string("test_to", "ops@acme.example");
	ck_assert_int_eq(run("send_test_message", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_CREATE);
	ck_assert_int_eq(run("send_test_message", ES_PHASE_VERIFY), ES_FAILED);
	ck_assert_uint_eq(mock_mail_count(MOCK_MAIL_SEND), 0);

	ck_assert_int_eq(run("send_test_message", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_mail_count(MOCK_MAIL_SEND), 1);
	m = mock_mail_call(0);
	ck_assert_str_eq(m->from, "no-reply@acme.example");
	ck_assert_str_eq(m->to, "ops@acme.example");
	ck_assert_str_eq(m->password, "{{secret:password}}");
	ck_assert_pstr_eq(m->intent, "send the test message");
	ck_assert_ptr_nonnull(strstr(m->text, "acme (uat)"));
	ck_assert_pstr_eq(mock_state("test_message_sent"), WHAT);
	ck_assert_ptr_null(mock_state("test_message_sending"));

	ck_assert_int_eq(run("send_test_message", ES_PHASE_APPLY), ES_OK);
	ck_assert_int_eq(run("send_test_message", ES_PHASE_PLAN), ES_OK);
	ck_assert_int_eq(run("send_test_message", ES_PHASE_VERIFY), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1); /* none new */
	ck_assert_uint_eq(mock_mail_count(MOCK_MAIL_SEND), 1);

	/* Another recipient is another test. */
	mock_config_string("test_to", "qa@acme.example");
	ck_assert_int_eq(run("send_test_message", ES_PHASE_PLAN), ES_OK);
	ck_assert_int_eq(mock_plan(1)->change, ES_CHANGE_UPDATE);
	ck_assert_int_eq(run("send_test_message", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_mail_count(MOCK_MAIL_SEND), 2);
}
END_TEST

START_TEST(killed_after_sending_is_recorded_not_resent)
{
	/* What a run killed between the send and the record leaves. */
	mock_config_string("test_to", "ops@acme.example");
	mock_state_set("test_message_sending", WHAT);
	ck_assert_int_eq(run("send_test_message", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_ptr_nonnull(strstr(mock_plan(0)->text, "not resent"));
	ck_assert_int_eq(run("send_test_message", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_mail_count(MOCK_MAIL_SEND), 0);
	ck_assert_pstr_eq(mock_state("test_message_sent"), WHAT);
	ck_assert_ptr_null(mock_state("test_message_sending"));
}
END_TEST

START_TEST(relay_denied_fails_and_may_be_tried_again)
{
	mock_config_string("test_to", "ops@acme.example");
	mock_mail_result(MOCK_MAIL_SEND, ES_MAIL_REJECTED,
	                 "smtp ...: the recipient (RCPT TO) refused: 550");
	ck_assert_int_eq(run("send_test_message", ES_PHASE_APPLY),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "test_to");
	/* Certainly not sent: nothing recorded, the next apply tries. */
	ck_assert_ptr_null(mock_state("test_message_sending"));
	ck_assert_ptr_null(mock_state("test_message_sent"));
	mock_mail_result(MOCK_MAIL_SEND, ES_MAIL_OK, NULL);
	ck_assert_int_eq(run("send_test_message", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_mail_count(MOCK_MAIL_SEND), 2);
}
END_TEST

START_TEST(lost_answer_is_never_resent)
{
	mock_config_string("test_to", "ops@acme.example");
	mock_mail_result(MOCK_MAIL_SEND, ES_MAIL_TIMEOUT, NULL);
	ck_assert_int_eq(run("send_test_message", ES_PHASE_APPLY), ES_FAILED);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "at most once"));
	ck_assert_pstr_eq(mock_state("test_message_sending"), WHAT);
	mock_mail_result(MOCK_MAIL_SEND, ES_MAIL_OK, NULL);
	ck_assert_int_eq(run("send_test_message", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_mail_count(MOCK_MAIL_SEND), 1);
	ck_assert_pstr_eq(mock_state("test_message_sent"), WHAT);
}
END_TEST

/* ----------------------------------------------------------- teardown */

START_TEST(teardown_removes_nothing_at_the_server)
{
	mock_config_string("test_to", "ops@acme.example");
	ck_assert_int_eq(run("verify_login", ES_PHASE_APPLY), ES_OK);
	ck_assert_int_eq(run("send_test_message", ES_PHASE_APPLY), ES_OK);
	ck_assert_int_eq(run("send_test_message", ES_PHASE_PLAN_DESTROY),
	                 ES_OK);
	ck_assert_int_eq(run("verify_login", ES_PHASE_PLAN_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_int_eq(run("send_test_message", ES_PHASE_DESTROY), ES_OK);
	ck_assert_int_eq(run("verify_login", ES_PHASE_DESTROY), ES_OK);
	ck_assert_ptr_null(mock_state("test_message_sent"));
	ck_assert_ptr_null(mock_state("login"));
	/* One check and one message, both from the applies. */
	ck_assert_uint_eq(mock_mail_count(MOCK_MAIL_CHECK_LOGIN), 1);
	ck_assert_uint_eq(mock_mail_count(MOCK_MAIL_SEND), 1);
}
END_TEST

/* ----------------------------------------------------------- validate */

START_TEST(validate_refuses_a_port_of_the_other_tls_mode)
{
	const struct es_plugin_ops *ops = smtp.ops;

	ck_assert_int_eq(ops->validate(mock_ctx(ES_PHASE_PLAN, NULL)), ES_OK);
	mock_config_string("security", "tls");
	mock_config_int("port", 587);
	ck_assert_int_eq(ops->validate(mock_ctx(ES_PHASE_PLAN, NULL)),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "security");
	mock_config_int("port", 465);
	ck_assert_int_eq(ops->validate(mock_ctx(ES_PHASE_PLAN, NULL)), ES_OK);
	mock_config_string("security", "starttls");
	ck_assert_int_eq(ops->validate(mock_ctx(ES_PHASE_PLAN, NULL)),
	                 ES_INVALID_CONFIG);
}
END_TEST

int main(void)
{
	const TTest *tests[] = {
	    login_plan_checks_then_records_a_create,
	    login_apply_publishes_the_platform_settings_once,
	    login_changed_is_an_update,
	    login_outcomes_name_the_key,
	    no_test_to_sends_nothing,
	    test_message_is_sent_once,
	    killed_after_sending_is_recorded_not_resent,
	    relay_denied_fails_and_may_be_tried_again,
	    lost_answer_is_never_resent,
	    teardown_removes_nothing_at_the_server,
	    validate_refuses_a_port_of_the_other_tls_mode,
	};
	Suite *s = suite_create("smtp");
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
