/*
 * The crash-point hook (crashpoint.h): unset it does nothing; =N kills the
 * process with SIGKILL at its Nth point and not before; =count kills
 * nowhere and reports the number at exit; anything else refuses to run.
 * Each case runs in a child, as the hook reads its setting once.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crashpoint.h"

/* Pass `points` crash points in a child with ENVSETUP_TEST_CRASHPOINT
 * `setting` (NULL: unset), counting in `passed` the points it got past;
 * returns the child's wait status. */
static int run_child(const char *setting, int points, int *passed)
{
	int fds[2], status;
	pid_t pid;
	char buf[64];
	ssize_t n;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		if (setting)
			setenv("ENVSETUP_TEST_CRASHPOINT", setting, 1);
		else
			unsetenv("ENVSETUP_TEST_CRASHPOINT");
		/* The count's report goes to stderr: keep the log clean. */
		if (!freopen("/dev/null", "w", stderr))
			_exit(99);
		for (int i = 1; i <= points; i++) {
			es_crashpoint("unit test point", NULL);
			if (write(fds[1], "x", 1) != 1)
				_exit(98);
		}
		_exit(0);
	}
	close(fds[1]);
	*passed = 0;
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		*passed += (int)n;
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

START_TEST(unset_does_nothing)
{
	int passed, st = run_child(NULL, 5, &passed);

	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(passed, 5);
}
END_TEST

START_TEST(kills_at_the_nth_point)
{
	int passed, st = run_child("3", 5, &passed);

	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	ck_assert_int_eq(passed, 2); /* past points 1 and 2, killed at 3 */
}
END_TEST

START_TEST(a_point_past_the_run_never_kills)
{
	int passed, st = run_child("6", 5, &passed);

	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(passed, 5);
}
END_TEST

START_TEST(count_never_kills)
{
	int passed, st = run_child("count", 5, &passed);

	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(passed, 5);
}
END_TEST

START_TEST(a_bad_setting_refuses_to_run)
{
	static const char *bad[] = {"0", "-1", "3x", "counting"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		int passed, st = run_child(bad[i], 5, &passed);

		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 64, "%s",
		              bad[i]);
		ck_assert_int_eq(passed, 0);
	}
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("crashpoint");
	TCase *t = tcase_create("crashpoint");
	SRunner *sr;
	int failed;

	tcase_add_test(t, unset_does_nothing);
	tcase_add_test(t, kills_at_the_nth_point);
	tcase_add_test(t, a_point_past_the_run_never_kills);
	tcase_add_test(t, count_never_kills);
	tcase_add_test(t, a_bad_setting_refuses_to_run);
	suite_add_tcase(suite, t);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
