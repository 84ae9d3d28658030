/*
 * The state serial (state.h, es_state_serial): it moves when what the
 * state says changes, not when a record only refreshes a timestamp (a
 * saved plan made before a no-op apply stays good), and a run after a
 * crash or a snapshot loads the serial the last run left.
 */
#include <check.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "state.h"
#include "state_fixture.h"

/* Each step and the serial expected after it; 11 at the end. */
static void write_steps(struct es_state *s, int check)
{
#define STEP(call, want)                                                       \
	do {                                                                   \
		ck_assert_int_eq((call), 0);                                   \
		if (check)                                                     \
			ck_assert_uint_eq(es_state_serial(s), (want));         \
	} while (0)
	STEP(es_state_task_set(s, "m:t", ES_TS_DONE, "changed"), 1);
	STEP(es_state_task_set(s, "m:t", ES_TS_DONE, "changed"), 1);
	STEP(es_state_task_set(s, "m:t", ES_TS_DONE, "no changes"), 2);
	STEP(es_state_kv_put(s, "m", "id", "d-1"), 3);
	STEP(es_state_kv_put(s, "m", "id", "d-1"), 3);
	STEP(es_state_kv_put(s, "m", "id", "d-2"), 4);
	STEP(es_state_kv_del(s, "m", "id"), 5);
	STEP(es_state_kv_del(s, "m", "id"), 5);
	STEP(es_state_output_set(s, "m", "dns", "TXT a", 0), 6);
	STEP(es_state_output_set(s, "m", "dns", "TXT a", 0), 6);
	/* A secret's value is in secrets.json: compared there. */
	STEP(es_state_output_set(s, "m", "pw", "Serial-Secret-0001", 1), 7);
	STEP(es_state_output_set(s, "m", "pw", "Serial-Secret-0001", 1), 7);
	STEP(es_state_output_set(s, "m", "pw", "Serial-Secret-0002", 1), 8);
	STEP(es_state_confirm(s, "checklist:x", "Jane"), 9);
	STEP(es_state_intent_begin(s, "m:t", "POST", "https://e/", NULL) == 0,
	     10);
	STEP(es_state_intent_end(s, 1, 200), 11);
#undef STEP
}

START_TEST(test_serial_counts_changes_only)
{
	struct es_state *s = open_rw();

	ck_assert_uint_eq(es_state_serial(s), 0);
	write_steps(s, 1);
	ck_assert_int_eq(es_state_close(s), 0);
	s = open_rw(); /* through the snapshot */
	ck_assert_uint_eq(es_state_serial(s), 11);
	ck_assert_int_eq(es_state_task_set(s, "m:t", ES_TS_DONE, "no changes"),
	                 0);
	ck_assert_uint_eq(es_state_serial(s), 11);
	ck_assert_int_eq(es_state_close(s), 0);
	ck_assert_int_eq(
	    es_state_open_readonly(tmpdir, "acme", "uat", &s, err, sizeof(err)),
	    ES_STATE_OK);
	ck_assert_uint_eq(es_state_serial(s), 11);
	ck_assert_int_eq(es_state_close(s), 0);
}
END_TEST

/* A run killed before its snapshot: the journal's replay gives the next
 * run the serial the killed one had reached. */
START_TEST(test_serial_survives_a_kill)
{
	pid_t pid = fork();
	struct es_state *s;
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct es_state *c = NULL;
		char e[256];

		if (es_state_open(tmpdir, "acme", "uat", 0, &c, e, sizeof(e)))
			_exit(3);
		write_steps(c, 0);
		raise(SIGKILL);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	s = open_rw();
	ck_assert_uint_eq(es_state_serial(s), 11);
	ck_assert_int_eq(es_state_close(s), 0);
}
END_TEST

/* A hand-edited serial is read as 0, never as a huge or negative one. */
START_TEST(test_serial_hostile_snapshot)
{
	const char *bad[] = {"\"12\"", "-5", "1e300", "null"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char path[128];
		FILE *f;
		struct es_state *s;

		snprintf(path, sizeof(path), "%s/uat", tmpdir);
		mkdir(path, 0700);
		snprintf(path, sizeof(path), "%s/uat/state.json", tmpdir);
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fprintf(f, "{\"format_version\":\"1.0\",\"serial\":%s}",
		        bad[i]);
		fclose(f);
		s = open_rw();
		ck_assert_uint_eq(es_state_serial(s), 0);
		ck_assert_int_eq(es_state_kv_put(s, "m", "k", "v"), 0);
		ck_assert_uint_eq(es_state_serial(s), 1);
		ck_assert_int_eq(es_state_close(s), 0);
		unlink(path);
	}
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("state_serial");
	TCase *t = tcase_create("state_serial");
	SRunner *sr;
	int failed;

	es_log_set_verbosity(0);
	tcase_add_checked_fixture(t, state_dir_setup, state_dir_teardown);
	tcase_add_test(t, test_serial_counts_changes_only);
	tcase_add_test(t, test_serial_survives_a_kill);
	tcase_add_test(t, test_serial_hostile_snapshot);
	suite_add_tcase(suite, t);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
