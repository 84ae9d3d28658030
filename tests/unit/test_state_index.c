/*
 * The index over the state model's maps (core/strmap.c, core/state_index.c):
 * the string map keeps every key through growth and removals, and a state
 * whose tasks, provider ids and intents go through the index reads the
 * same after thousands of puts, replacements and removals, whether read
 * live, replayed from the journal or loaded from the snapshot.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "state.h"
#include "state_fixture.h"
#include "strmap.h"

START_TEST(test_strmap_keys_survive_growth_and_removals)
{
	struct es_strmap m = ES_STRMAP_INIT;
	char key[32];

	ck_assert_ptr_null(es_strmap_get(&m, "absent"));
	for (uintptr_t i = 1; i <= 5000; i++) {
		snprintf(key, sizeof(key), "k%lu", (unsigned long)i);
		ck_assert_int_eq(es_strmap_put(&m, key, (void *)i), 0);
	}
	/* Remove the even keys, replace every third, re-add some removed. */
	for (uintptr_t i = 2; i <= 5000; i += 2) {
		snprintf(key, sizeof(key), "k%lu", (unsigned long)i);
		es_strmap_del(&m, key);
		es_strmap_del(&m, key); /* twice: nothing */
	}
	for (uintptr_t i = 3; i <= 5000; i += 3) {
		snprintf(key, sizeof(key), "k%lu", (unsigned long)i);
		ck_assert_int_eq(es_strmap_put(&m, key, (void *)(i + 10000)),
		                 0);
	}
	ck_assert_int_eq(es_strmap_put(&m, "", (void *)1), 0);
	ck_assert_ptr_eq(es_strmap_get(&m, ""), (void *)1);
	ck_assert_int_eq(es_strmap_put(&m, "x", NULL), -1);
	for (uintptr_t i = 1; i <= 5000; i++) {
		uintptr_t want = i % 3 == 0 ? i + 10000 : i % 2 ? i : 0;

		snprintf(key, sizeof(key), "k%lu", (unsigned long)i);
		ck_assert_ptr_eq(es_strmap_get(&m, key), (void *)want);
	}
	ck_assert_uint_eq(m.used, 5000 - 2500 + 833 + 1);
	/* Churn on one key must not fill the table with removed slots. */
	for (int i = 0; i < 100000; i++) {
		ck_assert_int_eq(es_strmap_put(&m, "churn", (void *)1), 0);
		es_strmap_del(&m, "churn");
	}
	ck_assert_uint_le(m.cap, 16384);
	es_strmap_free(&m);
	ck_assert_ptr_null(es_strmap_get(&m, "k1"));
}
END_TEST

#define N_IDS 400

/* What the state must say after write_many(): id-N for odd N (the even
 * ones removed, every fifth rewritten), every task done but task 7. */
static void check_many(struct es_state *s)
{
	char key[32], want[32];

	for (int i = 1; i <= N_IDS; i++) {
		char *v;

		snprintf(key, sizeof(key), "user_%d", i);
		v = es_state_kv_get(s, "aws", key);
		if (i % 2 == 0) {
			ck_assert_ptr_null(v);
			continue;
		}
		snprintf(want, sizeof(want), i % 5 ? "id-%d" : "new-%d", i);
		ck_assert_str_eq(v, want);
		free(v);
		snprintf(key, sizeof(key), "checklist:item_%d", i);
		ck_assert_int_eq(es_state_task_get(s, key, NULL, NULL),
		                 i == 7 ? ES_TS_WAITING : ES_TS_DONE);
	}
	ck_assert_int_eq(es_state_interrupted(s, "aws:users"), 0);
}

static void write_many(struct es_state *s)
{
	char key[32], value[32];

	for (int i = 1; i <= N_IDS; i++) {
		snprintf(key, sizeof(key), "user_%d", i);
		snprintf(value, sizeof(value), "id-%d", i);
		ck_assert_int_eq(es_state_kv_put(s, "aws", key, value), 0);
		snprintf(key, sizeof(key), "checklist:item_%d", i);
		ck_assert_int_eq(es_state_task_set(s, key, ES_TS_WAITING, NULL),
		                 0);
		ck_assert_uint_eq(es_state_intent_begin(s, "aws:users", "POST",
		                                        "https://iam.example/",
		                                        NULL),
		                  (uint64_t)i);
		ck_assert_int_eq(es_state_intent_end(s, (uint64_t)i, 200), 0);
	}
	for (int i = 1; i <= N_IDS; i++) {
		snprintf(key, sizeof(key), "user_%d", i);
		if (i % 2 == 0)
			ck_assert_int_eq(es_state_kv_del(s, "aws", key), 0);
		else if (i % 5 == 0) {
			snprintf(value, sizeof(value), "new-%d", i);
			ck_assert_int_eq(es_state_kv_put(s, "aws", key, value),
			                 0);
		}
		snprintf(key, sizeof(key), "checklist:item_%d", i);
		if (i != 7)
			ck_assert_int_eq(
			    es_state_task_set(s, key, ES_TS_DONE, "done"), 0);
	}
}

START_TEST(test_index_live_replayed_and_snapshot_agree)
{
	struct es_state *s = open_rw(), *ro = NULL;

	write_many(s);
	check_many(s);
	/* Another reader replays the journal the writer left. */
	ck_assert_int_eq(es_state_open_readonly(tmpdir, "acme", "uat", &ro, err,
	                                        sizeof(err)),
	                 ES_STATE_OK);
	check_many(ro);
	ck_assert_int_eq(es_state_close(ro), 0);
	ck_assert_int_eq(es_state_close(s), 0);
	s = open_rw(); /* through the snapshot */
	check_many(s);
	/* And on: the loaded model's maps are indexed on first use. */
	ck_assert_int_eq(es_state_kv_put(s, "aws", "user_2", "back"), 0);
	ck_assert_int_eq(es_state_kv_del(s, "aws", "user_3"), 0);
	{
		char *v = es_state_kv_get(s, "aws", "user_2");

		ck_assert_str_eq(v, "back");
		free(v);
		ck_assert_ptr_null(es_state_kv_get(s, "aws", "user_3"));
	}
	ck_assert_int_eq(es_state_close(s), 0);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("state_index");
	TCase *t = tcase_create("state_index");
	SRunner *sr;
	int failed;

	es_log_set_verbosity(0);
	tcase_set_timeout(t, 120);
	tcase_add_checked_fixture(t, state_dir_setup, state_dir_teardown);
	tcase_add_test(t, test_strmap_keys_survive_growth_and_removals);
	tcase_add_test(t, test_index_live_replayed_and_snapshot_agree);
	suite_add_tcase(suite, t);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
