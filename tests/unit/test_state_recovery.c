/*
 * The recovery operations of the state (state_operator.c): settling an
 * open intent, forgetting a recorded key, force-unlocking a lock whose
 * holder is gone. Each must survive close/open (the operator log too),
 * refuse what does not exist, and refuse a live holder or a wrong id.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state.h"
#include "state_fixture.h"

/* The operator log's entries as "action by target" lines. */
static char *operator_log(void)
{
	struct es_state *s = NULL;
	cJSON *doc, *e;
	static char out[2048];

	out[0] = '\0';
	ck_assert_int_eq(
	    es_state_open_readonly(tmpdir, "acme", "uat", &s, err, sizeof(err)),
	    ES_STATE_OK);
	doc = es_state_document(s);
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "operator_log"))
	    snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s %s %s\n",
	             cJSON_GetStringValue(cJSON_GetObjectItem(e, "action")),
	             cJSON_GetStringValue(cJSON_GetObjectItem(e, "by")),
	             cJSON_GetStringValue(cJSON_GetObjectItem(e, "target")));
	cJSON_Delete(doc);
	es_state_close(s);
	return out;
}

START_TEST(test_resolve_intent)
{
	struct es_state *s = open_rw();
	uint64_t a = es_state_intent_begin(s, "mg:create", "POST",
	                                   "https://x/a", "create a");
	char id[32];

	ck_assert(es_state_intent_begin(s, "mg:create", "POST", "https://x/b",
	                                NULL) > a);
	ck_assert_uint_gt(
	    es_state_intent_begin(s, "mg:other", "PUT", "https://x/c", NULL),
	    0);
	es_state_close(s); /* a killed run's intents, left open */

	s = open_rw();
	ck_assert(es_state_interrupted(s, "mg:create"));
	snprintf(id, sizeof(id), "%llu", (unsigned long long)a);
	ck_assert_int_eq(
	    es_state_resolve(s, id, ES_RESOLVE_DONE, "alice", err, sizeof(err)),
	    0);
	ck_assert(es_state_interrupted(s, "mg:create")); /* b is still open */
	ck_assert_int_eq(
	    es_state_resolve(s, id, ES_RESOLVE_DONE, "alice", err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "no open intent"), "got: %s", err);
	ck_assert_int_eq(es_state_resolve(s, "mg:create", ES_RESOLVE_DONE,
	                                  "bob", err, sizeof(err)),
	                 0);
	ck_assert(!es_state_interrupted(s, "mg:create"));
	ck_assert(es_state_interrupted(s, "mg:other"));
	es_state_close(s);

	s = open_rw();
	ck_assert(!es_state_interrupted(s, "mg:create"));
	ck_assert(es_state_interrupted(s, "mg:other"));
	es_state_close(s);
	ck_assert_str_eq(operator_log(), "resolve alice 1\nresolve bob "
	                                 "mg:create\n");
}
END_TEST

START_TEST(test_forget_key)
{
	struct es_state *s = open_rw(), *ro = NULL;
	uint64_t serial;
	char *v;

	ck_assert_int_eq(es_state_kv_put(s, "mg", "domain_id", "d-1"), 0);
	es_state_close(s);
	s = open_rw();
	serial = es_state_serial(s);
	ck_assert_int_eq(es_state_resolve(s, "mg:nope", ES_RESOLVE_FORGET,
	                                  "bob", err, sizeof(err)),
	                 -1);
	ck_assert_msg(strstr(err, "no recorded key 'mg:nope'"), "got: %s", err);
	ck_assert_int_eq(es_state_resolve(s, "mg:domain_id", ES_RESOLVE_FORGET,
	                                  "bob", err, sizeof(err)),
	                 0);
	ck_assert_ptr_null(es_state_kv_get(s, "mg", "domain_id"));
	/* A saved plan made before the hand change is stale. */
	ck_assert_uint_gt(es_state_serial(s), serial);
	es_state_close(s);
	ck_assert_int_eq(es_state_open_readonly(tmpdir, "acme", "uat", &ro, err,
	                                        sizeof(err)),
	                 ES_STATE_OK);
	v = es_state_kv_get(ro, "mg", "domain_id");
	ck_assert_ptr_null(v);
	/* Read-only: status and state show never change anything. */
	ck_assert_int_eq(es_state_resolve(ro, "mg:x", ES_RESOLVE_FORGET, "bob",
	                                  err, sizeof(err)),
	                 -1);
	es_state_close(ro);
	ck_assert_str_eq(operator_log(), "forget bob mg:domain_id\n");
}
END_TEST

static void lock_id(char *out, size_t len)
{
	char path[128], buf[4096] = "";
	FILE *f;
	cJSON *h;

	snprintf(path, sizeof(path), "%s/uat/lock", tmpdir);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_gt(fread(buf, 1, sizeof(buf) - 1, f), 0);
	fclose(f);
	h = cJSON_Parse(buf);
	snprintf(out, len, "%.0f@%s@%s",
	         cJSON_GetNumberValue(cJSON_GetObjectItem(h, "pid")),
	         cJSON_GetStringValue(cJSON_GetObjectItem(h, "host")),
	         cJSON_GetStringValue(cJSON_GetObjectItem(h, "started")));
	cJSON_Delete(h);
}

START_TEST(test_force_unlock)
{
	pid_t pid = lock_holder(0);
	char id[512], want[600];
	struct es_state *s = NULL;

	lock_id(id, sizeof(id));
	ck_assert_int_eq(es_state_force_unlock(tmpdir, "acme", "uat",
	                                       "1@elsewhere@2000", "carol", err,
	                                       sizeof(err)),
	                 ES_STATE_LOCKED);
	ck_assert_msg(strstr(err, "is not the id of the lock"), "got: %s", err);
	ck_assert_int_eq(es_state_force_unlock(tmpdir, "acme", "uat", id,
	                                       "carol", err, sizeof(err)),
	                 ES_STATE_LOCKED);
	ck_assert_msg(strstr(err, "is alive on this host"), "got: %s", err);
	/* Still held: a run is refused, naming the id to unlock with. */
	ck_assert_int_eq(
	    es_state_open(tmpdir, "acme", "uat", 0, &s, err, sizeof(err)),
	    ES_STATE_LOCKED);
	ck_assert_msg(strstr(err, id), "got: %s", err);

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(es_state_force_unlock(tmpdir, "acme", "uat", id,
	                                       "carol", err, sizeof(err)),
	                 ES_STATE_OK);
	ck_assert_msg(strstr(err, "removed the lock of pid"), "got: %s", err);
	ck_assert_int_eq(es_state_force_unlock(tmpdir, "acme", "uat", id,
	                                       "carol", err, sizeof(err)),
	                 ES_STATE_IO);
	snprintf(want, sizeof(want), "force-unlock carol %s\n", id);
	ck_assert_str_eq(operator_log(), want);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("state_recovery");
	TCase *t = tcase_create("state_recovery");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(t, state_dir_setup, state_dir_teardown);
	tcase_add_test(t, test_resolve_intent);
	tcase_add_test(t, test_forget_key);
	tcase_add_test(t, test_force_unlock);
	suite_add_tcase(suite, t);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
