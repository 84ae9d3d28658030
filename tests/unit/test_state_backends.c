/*
 * The parts of the state backends that need no server (docs/state.md):
 * choosing a backend by name, the PostgreSQL lock's key, a connection
 * that fails naming the key and never the password, and a state marked
 * moved by `state migrate` refusing to open where it no longer lives.
 * The rest runs against a real server in tests/integration/state_pg.sh.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "state_fixture.h"
#include "state_internal.h"

START_TEST(test_backend_by_name)
{
	struct es_state_where where = {.backend = "mysql", .dir = tmpdir};
	struct es_state *s = NULL;

	ck_assert_ptr_eq(es_state_backend_find(NULL), &es_state_file_backend);
	ck_assert_ptr_eq(es_state_backend_find("file"), &es_state_file_backend);
	ck_assert_ptr_eq(es_state_backend_find("postgresql"),
	                 &es_state_pg_backend);
	ck_assert_ptr_null(es_state_backend_find("mysql"));
	ck_assert_int_eq(
	    es_state_open_at(&where, "acme", "uat", 0, 0, &s, err, sizeof(err)),
	    ES_STATE_IO);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(err, "no state backend 'mysql'"));
}
END_TEST

/* The key must never change: two versions of envsetup on two machines
 * lock the same customer x environment only if they agree on it. */
START_TEST(test_lock_key)
{
	ck_assert(es_state_pg_lock_key("acme", "uat") ==
	          (int64_t)-7561296104093170155LL);
	ck_assert(es_state_pg_lock_key("acme", "uat") !=
	          es_state_pg_lock_key("acme", "production"));
	ck_assert(es_state_pg_lock_key("ab", "c") !=
	          es_state_pg_lock_key("a", "bc"));
	ck_assert(es_state_pg_lock_key("acme", "uat") !=
	          es_state_pg_lock_key("uat", "acme"));
}
END_TEST

START_TEST(test_unreachable_names_key_not_password)
{
	/* Port 1 of the loopback: refused at once, nothing leaves the host. */
	struct es_state_where where = {
	    .backend = "postgresql",
	    .connection = "host=127.0.0.1 port=1 dbname=x user=u "
	                  "password=hunter2-secret connect_timeout=2",
	};
	struct es_state *s = NULL;

	ck_assert_int_eq(
	    es_state_open_at(&where, "acme", "uat", 0, 0, &s, err, sizeof(err)),
	    ES_STATE_IO);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(
	    err, "customer.state_connection: cannot connect to PostgreSQL"));
	ck_assert_ptr_null(strstr(err, "hunter2"));
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

START_TEST(test_moved_state_refuses)
{
	struct es_state *s = open_rw(), *ro = NULL;

	ck_assert_int_eq(es_state_kv_put(s, "mailgun", "domain_id", "d-1"), 0);
	pthread_mutex_lock(&s->lock);
	ck_assert_int_eq(
	    es_state_commit(s, es_state_record_new("moved", "to", "postgresql",
	                                           (const char *)NULL)),
	    0);
	pthread_mutex_unlock(&s->lock);
	/* Where the state lives is not what it says: a saved plan holds. */
	ck_assert_uint_eq(es_state_serial(s), 1);
	ck_assert_int_eq(es_state_close(s), 0);
	s = NULL;
	ck_assert_int_eq(
	    es_state_open(tmpdir, "acme", "uat", 0, &s, err, sizeof(err)),
	    ES_STATE_CORRUPT);
	ck_assert_ptr_nonnull(strstr(err, "was moved to the postgresql state "
	                                  "backend"));
	ck_assert_ptr_nonnull(
	    strstr(err, "customer.state_backend = \"postgresql\""));
	ck_assert_int_eq(es_state_open_readonly(tmpdir, "acme", "uat", &ro, err,
	                                        sizeof(err)),
	                 ES_STATE_CORRUPT);
}
END_TEST

START_TEST(test_migrate_to_itself_refused)
{
	struct es_state_where w = {.backend = "file", .dir = tmpdir};

	ck_assert_int_eq(
	    es_state_migrate(&w, &w, "acme", "uat", NULL, 0, err, sizeof(err)),
	    ES_STATE_IO);
	ck_assert_ptr_nonnull(strstr(err, "in the file backend already"));
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    test_backend_by_name,
	    test_lock_key,
	    test_unreachable_names_key_not_password,
	    test_moved_state_refuses,
	    test_migrate_to_itself_refused,
	    NULL,
	};

	return state_tests_run("state_backends", tests) ? EXIT_FAILURE
	                                                : EXIT_SUCCESS;
}
