/*
 * A fresh state directory per test for the state's unit tests
 * (test_state*.c): `tmpdir`, `err`, the Check fixture that makes and
 * removes the directory, open_rw(), and a child process holding the
 * lock.
 * Header-only: each test program is one file.
 */
#ifndef ENVSETUP_TESTS_STATE_FIXTURE_H
#define ENVSETUP_TESTS_STATE_FIXTURE_H

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

static char tmpdir[64];
static char err[1024];

static inline int remove_entry(const char *path, const struct stat *st,
                               int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void state_dir_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/es-test-state-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static inline void state_dir_teardown(void)
{
	nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static inline struct es_state *open_rw(void)
{
	struct es_state *s = NULL;

	ck_assert_msg(es_state_open(tmpdir, "acme", "uat", 0, &s, err,
	                            sizeof(err)) == ES_STATE_OK,
	              "%s", err);
	return s;
}

/* A child that takes the lock, says so on a pipe, then holds it until
 * killed (or, with release_after_ms, closes cleanly after a while). */
static inline pid_t lock_holder(int release_after_ms)
{
	int p[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct es_state *s = NULL;
		char e[256];

		close(p[0]);
		if (es_state_open(tmpdir, "acme", "uat", 0, &s, e, sizeof(e)))
			_exit(3);
		if (write(p[1], "x", 1) != 1)
			_exit(4);
		if (release_after_ms > 0) {
			usleep((useconds_t)release_after_ms * 1000);
			es_state_close(s);
			_exit(0);
		}
		for (;;)
			pause();
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

/* main() of a state test program: `tests` (NULL-terminated) in one case
 * with a fresh state directory each; the exit status. */
static inline int state_tests_run(const char *name, const TTest *const *tests)
{
	Suite *suite = suite_create(name);
	TCase *t = tcase_create(name);
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(t, state_dir_setup, state_dir_teardown);
	for (size_t i = 0; tests[i]; i++)
		tcase_add_test(t, tests[i]);
	suite_add_tcase(suite, t);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
