/*
 * Durable state: every record type across close/open, crash replay,
 * torn and corrupt journals, locks held by other processes, secrets kept
 * out of state.json and the journal, interrupted intents, format versions.
 * Fixtures in tests/data/state are copied into a fresh directory per test
 * (the code under test must never change them, and some tests check so).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "state.h"
#include "state_fixture.h"

#define SECRET_GEN "Gen3rated-Secret-Value-7781"
#define SECRET_OUT "smtp-Out-Secret-Value-5512"

static char logpath[PATH_MAX];

/* ---- helpers -------------------------------------------------------- */

static void setup(void)
{
	state_dir_setup();
	snprintf(logpath, sizeof(logpath), "%s/run.log", tmpdir);
	ck_assert_int_eq(es_log_open_file(logpath), 0);
	err[0] = '\0';
}

static void teardown(void)
{
	es_log_close_file();
	state_dir_teardown();
}

static const char *in_tmp(const char *rel)
{
	static char p[4][PATH_MAX];
	static int next;
	char *out = p[next++ % 4];

	snprintf(out, PATH_MAX, "%s/%s", tmpdir, rel);
	return out;
}

/* Whole file, NUL-terminated (binary-safe with *len); NULL if absent. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

static void spit(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static int file_contains(const char *path, const char *needle)
{
	char *text = slurp(path, NULL);
	int found = text && strstr(text, needle);

	free(text);
	return found;
}

/* The files of tests/data/state/<name>/uat, into <tmp>/<name>/uat. */
static const char *copy_fixture(const char *name)
{
	static const char *const files[] = {"state.json", "journal.jsonl",
	                                    "secrets.json"};
	const char *root = getenv("ES_TEST_DATA");
	char src[PATH_MAX], dst[PATH_MAX];

	snprintf(dst, sizeof(dst), "%s/%s", tmpdir, name);
	ck_assert_int_eq(mkdir(dst, 0700), 0);
	snprintf(dst, sizeof(dst), "%s/%s/uat", tmpdir, name);
	ck_assert_int_eq(mkdir(dst, 0700), 0);
	for (size_t i = 0; i < 3; i++) {
		size_t len;
		char *data;

		snprintf(src, sizeof(src), "%s/state/%s/uat/%s",
		         root ? root : "tests/data", name, files[i]);
		data = slurp(src, &len);
		if (!data)
			continue;
		snprintf(dst, sizeof(dst), "%s/%s/uat/%s", tmpdir, name,
		         files[i]);
		spit(dst, data, len);
		free(data);
	}
	return in_tmp(name);
}

static struct es_state *open_ok(const char *dir)
{
	struct es_state *s = NULL;
	enum es_state_error e =
	    es_state_open(dir, "acme", "uat", 0, &s, err, sizeof(err));

	ck_assert_msg(e == ES_STATE_OK, "open failed (%d): %s", e, err);
	ck_assert_ptr_nonnull(s);
	return s;
}

static void assert_kv(struct es_state *s, const char *plugin, const char *key,
                      const char *want)
{
	char *v = es_state_kv_get(s, plugin, key);

	if (!want)
		ck_assert_ptr_null(v);
	else
		ck_assert_str_eq(v, want);
	free(v);
}

/* Writes one record of every kind; the crash tests run it in a child. */
static void write_everything(struct es_state *s)
{
	ck_assert_int_eq(es_state_task_set(s, "mailgun:domain", ES_TS_DONE,
	                                   "created mail.acme.example"),
	                 0);
	ck_assert_int_eq(
	    es_state_task_set(s, "mailgun:webhook", ES_TS_FAILED, NULL), 0);
	ck_assert_int_eq(es_state_confirm(s, "checklist:dpa", "Jane Doe"), 0);
	ck_assert_int_eq(es_state_confirm(s, "checklist:sso", "Bob"), 0);
	ck_assert_int_eq(es_state_unconfirm(s, "checklist:sso"), 0);
	ck_assert_int_eq(es_state_kv_put(s, "mailgun", "domain_id", "d-1"), 0);
	ck_assert_int_eq(es_state_kv_put(s, "mailgun", "domain_id", "d-2"), 0);
	ck_assert_int_eq(es_state_kv_put(s, "mailgun", "gone", "x"), 0);
	ck_assert_int_eq(es_state_kv_del(s, "mailgun", "gone"), 0);
	ck_assert_int_eq(es_state_output_set(s, "mailgun", "dns", "TXT spf", 0),
	                 0);
	ck_assert_int_eq(
	    es_state_output_set(s, "mailgun", "smtp_password", SECRET_OUT, 1),
	    0);
	ck_assert_int_eq(
	    es_state_secret_put(s, "jira", "admin_password", SECRET_GEN), 0);
	uint64_t done = es_state_intent_begin(s, "mailgun:domain", "POST",
	                                      "https://api.example/v3/domains",
	                                      "create domain");
	ck_assert_uint_gt(done, 0);
	ck_assert_int_eq(es_state_intent_end(s, done, 200), 0);
	uint64_t open =
	    es_state_intent_begin(s, "mailgun:credential", "POST",
	                          "https://api.example/v3/creds", NULL);
	ck_assert_uint_gt(open, done);
}

/* What write_everything leaves. The unanswered intent counts as
 * interrupted only for a later run, not for the one that sent it. */
static void check_everything(struct es_state *s, int later_run)
{
	char *msg = NULL, *by;
	time_t updated = 0;

	ck_assert_int_eq(es_state_task_get(s, "mailgun:domain", &msg, &updated),
	                 ES_TS_DONE);
	ck_assert_str_eq(msg, "created mail.acme.example");
	ck_assert(updated > time(NULL) - 600 && updated <= time(NULL));
	free(msg);
	ck_assert_int_eq(es_state_task_get(s, "mailgun:webhook", &msg, NULL),
	                 ES_TS_FAILED);
	ck_assert_ptr_null(msg);
	ck_assert_int_eq(es_state_task_get(s, "nobody:never", NULL, NULL),
	                 ES_TS_PENDING);
	by = es_state_confirmation(s, "checklist:dpa");
	ck_assert_ptr_nonnull(by);
	ck_assert_msg(strncmp(by, "Jane Doe at 20", 14) == 0, "got %s", by);
	free(by);
	ck_assert_ptr_null(es_state_confirmation(s, "checklist:sso"));
	assert_kv(s, "mailgun", "domain_id", "d-2");
	assert_kv(s, "mailgun", "gone", NULL);
	char *v = es_state_secret_get(s, "jira", "admin_password");
	ck_assert_str_eq(v, SECRET_GEN);
	free(v);
	v = es_state_secret_get(s, "mailgun", "smtp_password");
	ck_assert_str_eq(v, SECRET_OUT);
	free(v);
	ck_assert_int_eq(es_state_interrupted(s, "mailgun:credential"),
	                 later_run);
	ck_assert_int_eq(es_state_interrupted(s, "mailgun:domain"), 0);
}

struct seen {
	char text[512];
	int count;
};

static void collect(const struct es_output_entry *e, void *arg)
{
	struct seen *seen = arg;
	size_t n = strlen(seen->text);

	snprintf(seen->text + n, sizeof(seen->text) - n, "%s.%s=%s%s;",
	         e->plugin, e->name, e->value ? e->value : "(null)",
	         e->secret ? "[secret]" : "");
	seen->count++;
}

/* ---- round trip ------------------------------------------------------- */

START_TEST(test_roundtrip_every_record)
{
	struct es_state *s = open_ok(tmpdir);
	struct seen seen = {"", 0};
	struct stat sb;

	write_everything(s);
	check_everything(s, 0); /* the live model agrees with a reload */
	ck_assert_int_eq(es_state_close(s), 0);
	ck_assert_int_eq(stat(in_tmp("uat/journal.jsonl"), &sb), 0);
	ck_assert_int_eq(sb.st_size, 0); /* all in the snapshot now */

	s = open_ok(tmpdir);
	check_everything(s, 1);
	ck_assert_int_eq(es_state_output_set(s, "aws", "account", "1234", 0),
	                 0);
	es_state_outputs_each(s, collect, &seen);
	ck_assert_int_eq(seen.count, 3);
	ck_assert_str_eq(seen.text, "aws.account=1234;mailgun.dns=TXT spf;"
	                            "mailgun.smtp_password=(null)[secret];");
	/* Intent ids keep growing across runs (the counter is persisted). */
	uint64_t id =
	    es_state_intent_begin(s, "x:y", "PUT", "https://e/1", NULL);
	ck_assert_uint_eq(id, 3);
	ck_assert_int_eq(es_state_interrupted(s, "x:y"), 0); /* this run's */
	ck_assert_int_eq(es_state_close(s), 0);
	s = open_ok(tmpdir);
	ck_assert_uint_eq(
	    es_state_intent_begin(s, "x:y", "PUT", "https://e/2", NULL), 4);
	ck_assert_str_eq(es_state_path(s), in_tmp("uat"));
	ck_assert_int_eq(es_state_close(s), 0);
}
END_TEST

/* The teardown's task states survive a reopen, and their names are the
 * ones status prints. */
START_TEST(test_teardown_states_roundtrip)
{
	struct es_state *s = open_ok(tmpdir);
	char *msg = NULL;

	ck_assert_int_eq(es_state_task_set(s, "aws:create_account", ES_TS_KEPT,
	                                   "kept: adopted"),
	                 0);
	ck_assert_int_eq(
	    es_state_task_set(s, "aws:iam_users", ES_TS_REMOVED, NULL), 0);
	ck_assert_int_eq(es_state_close(s), 0);
	s = open_ok(tmpdir);
	ck_assert_int_eq(es_state_task_get(s, "aws:create_account", &msg, NULL),
	                 ES_TS_KEPT);
	ck_assert_str_eq(msg, "kept: adopted");
	ck_assert_int_eq(es_state_task_get(s, "aws:iam_users", NULL, NULL),
	                 ES_TS_REMOVED);
	ck_assert_str_eq(es_task_state_name(ES_TS_REMOVED), "removed");
	ck_assert_str_eq(es_task_state_name(ES_TS_KEPT), "kept");
	free(msg);
	ck_assert_int_eq(es_state_close(s), 0);
}
END_TEST

/* The last apply's timing of a task (the report's timeline): kept through
 * the journal and the snapshot, left alone by a plain task record, and
 * not a change of what the state says (the serial stays). */
static void assert_timing(struct es_state *s, const char *ref, double started)
{
	struct es_task_timing t;

	ck_assert_int_eq(es_state_task_timing(s, ref, &t), 0);
	ck_assert_double_eq_tol(t.run_started, 1796000000.25, 1e-3);
	ck_assert_double_eq_tol(t.started, started, 1e-3);
	ck_assert_double_eq_tol(t.finished, started + 2.5, 1e-3);
	ck_assert_double_eq_tol(t.waited, 1.5, 1e-3);
	ck_assert_uint_eq(t.n_waits, 2);
	ck_assert_double_eq_tol(t.waits[0][0], started + 0.375, 1e-3);
	ck_assert_double_eq_tol(t.waits[1][1], started + 2.375, 1e-3);
}

START_TEST(test_task_timing_roundtrip)
{
	struct es_state *s = open_ok(tmpdir), *ro = NULL;
	/* Two sleeps of 0.5 s and 1 s (the runner's poll and retry waits). */
	struct es_task_timing t = {1796000000.25,
	                           1796000001.125,
	                           1796000003.625,
	                           1.5,
	                           2,
	                           {{1796000001.5, 1796000002.0},
	                            {1796000002.5, 1796000003.5}}},
	                      none;
	uint64_t serial;

	ck_assert_int_eq(es_state_task_timing(s, "mailgun:domain", &none), -1);
	ck_assert_int_eq(es_state_task_set_timed(s, "mailgun:domain",
	                                         ES_TS_DONE, "changed", &t),
	                 0);
	assert_timing(s, "mailgun:domain", 1796000001.125);
	serial = es_state_serial(s);
	ck_assert_int_eq(es_state_task_set_timed(s, "mailgun:domain",
	                                         ES_TS_DONE, "changed", &t),
	                 0);
	ck_assert_uint_eq(es_state_serial(s), serial);
	/* A plain record (apply's "in progress" mark, confirm) keeps it. */
	ck_assert_int_eq(es_state_task_set(s, "mailgun:domain",
	                                   ES_TS_IN_PROGRESS, "started"),
	                 0);
	assert_timing(s, "mailgun:domain", 1796000001.125);
	/* Another reader replays the journal. */
	ck_assert_int_eq(es_state_open_readonly(tmpdir, "acme", "uat", &ro, err,
	                                        sizeof(err)),
	                 ES_STATE_OK);
	assert_timing(ro, "mailgun:domain", 1796000001.125);
	ck_assert_int_eq(es_state_close(ro), 0);
	ck_assert_int_eq(es_state_close(s), 0);
	/* And the snapshot. */
	s = open_ok(tmpdir);
	assert_timing(s, "mailgun:domain", 1796000001.125);
	ck_assert_int_eq(es_state_task_get(s, "mailgun:domain", NULL, NULL),
	                 ES_TS_IN_PROGRESS);
	ck_assert_int_eq(es_state_task_timing(s, "nobody:never", &none), -1);
	ck_assert_int_eq(es_state_task_timing(NULL, "a:b", &none), -1);
	ck_assert_int_eq(es_state_close(s), 0);
}
END_TEST

START_TEST(test_v1_fixture_loads)
{
	const char *dir = copy_fixture("v1");
	struct es_state *s = open_ok(dir);
	char *by, *msg = NULL;

	ck_assert_int_eq(es_state_task_get(s, "mailgun:domain", &msg, NULL),
	                 ES_TS_DONE);
	ck_assert_str_eq(msg, "no changes");
	free(msg);
	by = es_state_confirmation(s, "checklist:dpa-signed");
	ck_assert_str_eq(by, "Jane Doe at 2026-11-01T10:00:00Z");
	free(by);
	assert_kv(s, "mailgun", "domain_id", "d-123");
	ck_assert_int_eq(es_state_interrupted(s, "mailgun:credential"), 1);
	/* Written before tasks had a timing: none, and no failure. */
	{
		struct es_task_timing t;

		ck_assert_int_eq(es_state_task_timing(s, "mailgun:domain", &t),
		                 -1);
	}
	ck_assert_uint_eq(es_state_intent_begin(s, "a:b", "POST", "u", NULL),
	                  7);
	ck_assert_int_eq(es_state_close(s), 0);
}
END_TEST

/* ---- crashes ---------------------------------------------------------- */

static void crash_child(const char *dir, int how)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct es_state *s = NULL;
		char e[256];

		if (es_state_open(dir, "acme", "uat", 0, &s, e, sizeof(e)))
			_exit(3);
		write_everything(s);
		if (how == SIGKILL)
			raise(SIGKILL);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (how == SIGKILL)
		ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	else
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void replay_after(int how)
{
	struct es_state *s;

	crash_child(tmpdir, how);
	ck_assert_int_eq(access(in_tmp("uat/state.json"), F_OK), -1);
	s = open_ok(tmpdir);
	check_everything(s, 1);
	ck_assert_int_eq(es_state_close(s), 0);
	s = open_ok(tmpdir); /* and once more through the snapshot */
	check_everything(s, 1);
	ck_assert_int_eq(es_state_close(s), 0);
}

START_TEST(test_replay_after_exit_without_close)
{
	replay_after(0);
}
END_TEST

START_TEST(test_replay_after_sigkill)
{
	replay_after(SIGKILL);
}
END_TEST

START_TEST(test_torn_last_line_ignored)
{
	const char *dir = copy_fixture("torn");
	struct es_state *s = open_ok(dir);

	assert_kv(s, "mailgun", "domain_id", "d-1");
	assert_kv(s, "mailgun", "torn", NULL);
	ck_assert_int_eq(es_state_task_get(s, "mailgun:domain", NULL, NULL),
	                 ES_TS_DONE);
	ck_assert(file_contains(logpath, "journal.jsonl line 4: incomplete"));
	/* The torn bytes are cut, so a new record starts on its own line. */
	ck_assert_int_eq(es_state_kv_put(s, "mailgun", "after", "a"), 0);
	ck_assert(!file_contains(in_tmp("torn/uat/journal.jsonl"), "\"torn\""));
	/* The journal as it is now (no snapshot yet) replays cleanly. */
	struct es_state *ro = NULL;
	ck_assert_int_eq(
	    es_state_open_readonly(dir, "acme", "uat", &ro, err, sizeof(err)),
	    ES_STATE_OK);
	assert_kv(ro, "mailgun", "after", "a");
	es_state_close(ro);
	es_state_close(s);
	s = open_ok(dir);
	assert_kv(s, "mailgun", "after", "a");
	es_state_close(s);
}
END_TEST

/* A complete record without its newline was never acknowledged either. */
START_TEST(test_unterminated_last_record_ignored)
{
	static const char j[] = "{\"type\":\"kv_put\",\"plugin\":\"p\",\"key\":"
	                        "\"a\",\"value\":\"1\"}\n"
	                        "{\"type\":\"kv_put\",\"plugin\":\"p\",\"key\":"
	                        "\"b\",\"value\":\"2\"}";
	struct es_state *s;

	ck_assert_int_eq(mkdir(in_tmp("uat"), 0700), 0);
	spit(in_tmp("uat/journal.jsonl"), j, sizeof(j) - 1);
	s = open_ok(tmpdir);
	assert_kv(s, "p", "a", "1");
	assert_kv(s, "p", "b", NULL);
	es_state_close(s);
}
END_TEST

static void expect_corrupt(const char *dir, const char *needle)
{
	struct es_state *s = NULL;
	enum es_state_error e =
	    es_state_open(dir, "acme", "uat", 0, &s, err, sizeof(err));

	ck_assert_int_eq(e, ES_STATE_CORRUPT);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, needle), "'%s' not in: %s", needle, err);
}

START_TEST(test_corrupt_middle_line_rejected)
{
	const char *dir = copy_fixture("corrupt_middle");
	char journal[PATH_MAX], snap[PATH_MAX];
	size_t jl, sl, jl2, sl2;
	char *j1, *s1, *j2, *s2;

	snprintf(journal, sizeof(journal), "%s/uat/journal.jsonl", dir);
	snprintf(snap, sizeof(snap), "%s/uat/state.json", dir);
	j1 = slurp(journal, &jl);
	s1 = slurp(snap, &sl);
	expect_corrupt(dir, "journal.jsonl line 3");
	j2 = slurp(journal, &jl2);
	s2 = slurp(snap, &sl2);
	ck_assert(jl == jl2 && memcmp(j1, j2, jl) == 0);
	ck_assert(sl == sl2 && memcmp(s1, s2, sl) == 0);
	/* Read-only (status) refuses too, rather than show half a state. */
	struct es_state *ro = NULL;
	ck_assert_int_eq(
	    es_state_open_readonly(dir, "acme", "uat", &ro, err, sizeof(err)),
	    ES_STATE_CORRUPT);
	free(j1);
	free(s1);
	free(j2);
	free(s2);
}
END_TEST

START_TEST(test_bad_snapshots_rejected)
{
	static const struct {
		const char *data;
		size_t len;
		const char *needle;
	} bad[] = {
	    {"{\"format_version\":\"1.0\",\n\"tasks\": {,}}", 0,
	     "state.json line 2: not valid JSON"},
	    {"\x7f"
	     "ELF\x02\x01\x01\0\0\0",
	     10, "binary data"},
	    {"[1,2,3]", 0, "not a JSON object"},
	    {"{\"tasks\":{}}", 0, "format_version missing"},
	    {"{\"format_version\":\"1.0\",\"tasks\":[]}", 0,
	     "'tasks' is not an object"},
	    {"", 0, "not valid JSON"},
	};
	char path[PATH_MAX];
	struct stat sb;

	ck_assert_int_eq(mkdir(in_tmp("uat"), 0700), 0);
	snprintf(path, sizeof(path), "%s/uat/state.json", tmpdir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].data), got;
		char *after;

		spit(path, bad[i].data, len);
		expect_corrupt(tmpdir, bad[i].needle);
		after = slurp(path, &got);
		ck_assert(got == len && memcmp(after, bad[i].data, len) == 0);
		free(after);
	}
	/* Huge: a sparse 16 MiB + 1 file is refused before it is read. */
	int fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (16 << 20) + 1), 0);
	close(fd);
	expect_corrupt(tmpdir, "too large");
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, (16 << 20) + 1);
}
END_TEST

START_TEST(test_format_version_mismatch)
{
	expect_corrupt(copy_fixture("future_snapshot"),
	               "format_version major 2 is not supported");
	expect_corrupt(copy_fixture("future_journal"),
	               "journal.jsonl line 1: format_version major 2");
	/* The journal of the newer version is still there, whole. */
	ck_assert(
	    file_contains(in_tmp("future_journal/uat/journal.jsonl"), "d-1"));
}
END_TEST

/* plan opens the state read-write and writes nothing: closing leaves the
 * files as they were (docs/cli.md: plan writes the lock only). */
START_TEST(test_close_without_writes_keeps_files)
{
	struct es_state *s = open_ok(tmpdir);
	struct stat before, after;

	ck_assert_int_eq(es_state_task_set(s, "p:t", ES_TS_DONE, "ok"), 0);
	ck_assert_int_eq(es_state_close(s), 0);
	ck_assert_int_eq(stat(in_tmp("uat/state.json"), &before), 0);
	s = open_ok(tmpdir);
	ck_assert_int_eq(es_state_task_get(s, "p:t", NULL, NULL), ES_TS_DONE);
	ck_assert_int_eq(es_state_close(s), 0);
	ck_assert_int_eq(stat(in_tmp("uat/state.json"), &after), 0);
	ck_assert(before.st_ino == after.st_ino);
}
END_TEST

START_TEST(test_customer_mismatch)
{
	struct es_state *s = open_ok(tmpdir);

	/* The first write claims the directory for its customer. */
	ck_assert_int_eq(es_state_task_set(s, "p:t", ES_TS_DONE, "ok"), 0);
	ck_assert_int_eq(es_state_close(s), 0);
	ck_assert_int_eq(
	    es_state_open(tmpdir, "globex", "uat", 0, &s, err, sizeof(err)),
	    ES_STATE_CORRUPT);
	ck_assert(strstr(err, "belongs to customer 'acme'"));
}
END_TEST

/* ---- locks ---------------------------------------------------------- */

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

START_TEST(test_lock_held_by_child)
{
	pid_t pid = lock_holder(0);
	struct es_state *s = NULL;
	struct timespec t0;
	char want[64];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(
	    es_state_open(tmpdir, "acme", "uat", 1, &s, err, sizeof(err)),
	    ES_STATE_LOCKED);
	ck_assert(seconds_since(&t0) >= 0.9); /* it did wait */
	ck_assert_ptr_null(s);
	snprintf(want, sizeof(want), "locked by pid %ld on ", (long)pid);
	ck_assert_msg(strstr(err, want), "got: %s", err);
	ck_assert_msg(strstr(err, " since 20"), "got: %s", err);
	/* status still works while apply runs. */
	ck_assert_int_eq(
	    es_state_open_readonly(tmpdir, "acme", "uat", &s, err, sizeof(err)),
	    ES_STATE_OK);
	es_state_close(s);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
END_TEST

START_TEST(test_lock_released_when_holder_killed)
{
	pid_t pid = lock_holder(0);
	struct es_state *s = NULL;
	char want[64];

	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	s = open_ok(tmpdir);
	snprintf(want, sizeof(want), "stale lock of pid %ld on ", (long)pid);
	ck_assert_msg(file_contains(logpath, want), "no stale warning");
	/* The lock file now names us. */
	snprintf(want, sizeof(want), "\"pid\":%ld", (long)getpid());
	ck_assert(file_contains(in_tmp("uat/lock"), want));
	ck_assert_int_eq(es_state_close(s), 0);
	/* A clean release leaves nothing to call stale. */
	s = open_ok(tmpdir);
	ck_assert_int_eq(es_state_close(s), 0);
	snprintf(want, sizeof(want), "stale lock of pid %ld", (long)getpid());
	ck_assert(!file_contains(logpath, want));
}
END_TEST

START_TEST(test_lock_waits_for_release)
{
	pid_t pid = lock_holder(700);
	struct es_state *s = NULL;
	struct timespec t0;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(
	    es_state_open(tmpdir, "acme", "uat", 10, &s, err, sizeof(err)),
	    ES_STATE_OK);
	ck_assert(seconds_since(&t0) > 0.3 && seconds_since(&t0) < 5);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(es_state_close(s), 0);
	ck_assert(!file_contains(logpath, "stale"));
}
END_TEST

/* ---- secrets --------------------------------------------------------- */

START_TEST(test_secrets_only_in_secrets_file)
{
	struct es_state *s;
	struct stat sb;

	umask(0); /* modes must not depend on the caller's umask */
	crash_child(tmpdir, SIGKILL);
	ck_assert(file_contains(in_tmp("uat/journal.jsonl"), "admin_password"));
	ck_assert(!file_contains(in_tmp("uat/journal.jsonl"), SECRET_GEN));
	ck_assert(!file_contains(in_tmp("uat/journal.jsonl"), SECRET_OUT));
	s = open_ok(tmpdir);
	ck_assert_int_eq(
	    es_state_secret_put(s, "jira", "admin_password", SECRET_GEN "-v2"),
	    0);
	ck_assert_int_eq(es_state_close(s), 0);
	ck_assert(file_contains(in_tmp("uat/state.json"), "smtp_password"));
	ck_assert(!file_contains(in_tmp("uat/state.json"), SECRET_GEN));
	ck_assert(!file_contains(in_tmp("uat/state.json"), SECRET_OUT));
	ck_assert(!file_contains(logpath, SECRET_GEN));
	ck_assert(file_contains(in_tmp("uat/secrets.json"), SECRET_GEN "-v2"));
	ck_assert(file_contains(in_tmp("uat/secrets.json"), SECRET_OUT));
	ck_assert_int_eq(stat(in_tmp("uat/secrets.json"), &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(in_tmp("uat"), &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	ck_assert_int_eq(stat(in_tmp("uat/state.json"), &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0077, 0);
	/* Widened by hand: every later open says so. */
	ck_assert_int_eq(chmod(in_tmp("uat/secrets.json"), 0644), 0);
	s = open_ok(tmpdir);
	ck_assert(file_contains(logpath, "secrets.json is readable by others"));
	ck_assert_int_eq(es_state_close(s), 0);
}
END_TEST

START_TEST(test_secret_output_made_public_drops_copy)
{
	struct es_state *s = open_ok(tmpdir);
	struct seen seen = {"", 0};

	ck_assert_int_eq(es_state_output_set(s, "p", "o", SECRET_OUT, 1), 0);
	ck_assert_int_eq(es_state_output_set(s, "p", "o", "public", 0), 0);
	ck_assert_ptr_null(es_state_secret_get(s, "p", "o"));
	ck_assert(!file_contains(in_tmp("uat/secrets.json"), SECRET_OUT));
	es_state_outputs_each(s, collect, &seen);
	ck_assert_str_eq(seen.text, "p.o=public;");
	ck_assert_int_eq(es_state_close(s), 0);
}
END_TEST

/* ---- intents ---------------------------------------------------------- */

START_TEST(test_interrupted_intent_detection)
{
	struct es_state *s;
	uint64_t id;

	crash_child(tmpdir, SIGKILL); /* left mailgun:credential unanswered */
	s = open_ok(tmpdir);
	ck_assert_int_eq(es_state_interrupted(s, "mailgun:credential"), 1);
	ck_assert_int_eq(es_state_interrupted(s, "mailgun:domain"), 0);
	ck_assert_int_eq(es_state_close(s), 0);
	s = open_ok(tmpdir); /* survives a clean close until cleared */
	ck_assert_int_eq(es_state_interrupted(s, "mailgun:credential"), 1);
	id = es_state_intent_begin(s, "mailgun:credential", "GET", "u", NULL);
	ck_assert_uint_gt(id, 2);
	ck_assert_int_eq(es_state_intent_end(s, id, 200), 0);
	ck_assert_int_eq(es_state_intent_end(s, id, 200), -1); /* twice */
	ck_assert_int_eq(es_state_interrupted(s, "mailgun:credential"), 1);
	ck_assert_int_eq(es_state_interrupted_clear(s, "mailgun:credential"),
	                 0);
	ck_assert_int_eq(es_state_interrupted(s, "mailgun:credential"), 0);
	/* The clear is journaled: a crash now must not bring it back. */
	pid_t pid = fork();
	if (pid == 0)
		raise(SIGKILL);
	waitpid(pid, NULL, 0);
	struct es_state *ro = NULL;
	ck_assert_int_eq(es_state_open_readonly(tmpdir, "acme", "uat", &ro, err,
	                                        sizeof(err)),
	                 ES_STATE_OK);
	ck_assert_int_eq(es_state_interrupted(ro, "mailgun:credential"), 0);
	es_state_close(ro);
	ck_assert_int_eq(es_state_close(s), 0);
}
END_TEST

/* ---- read-only, threads, hostile input --------------------------------- */

START_TEST(test_readonly)
{
	struct es_state *s = NULL;

	ck_assert_int_eq(
	    es_state_open_readonly(tmpdir, "acme", "uat", &s, err, sizeof(err)),
	    ES_STATE_OK);
	ck_assert_int_eq(access(in_tmp("uat"), F_OK), -1); /* nothing made */
	ck_assert_int_eq(es_state_task_get(s, "a:b", NULL, NULL),
	                 ES_TS_PENDING);
	ck_assert_int_eq(es_state_kv_put(s, "p", "k", "v"), -1);
	ck_assert_int_eq(es_state_secret_put(s, "p", "k", SECRET_GEN), -1);
	ck_assert_int_eq(es_state_output_set(s, "p", "k", "v", 1), -1);
	ck_assert_uint_eq(es_state_intent_begin(s, "a:b", "POST", "u", NULL),
	                  0);
	ck_assert_int_eq(es_state_close(s), 0);
	ck_assert_int_eq(access(in_tmp("uat"), F_OK), -1);
}
END_TEST

#define THREADS 4
#define PER_THREAD 50

static void *writer(void *arg)
{
	struct es_state *s = arg;
	static _Atomic int next;
	int me = next++;
	char key[32];

	for (int i = 0; i < PER_THREAD; i++) {
		snprintf(key, sizeof(key), "t%d-%d", me, i);
		if (es_state_kv_put(s, "threads", key, key) < 0 ||
		    es_state_task_set(s, key, ES_TS_DONE, key) < 0)
			return (void *)1;
	}
	return NULL;
}

START_TEST(test_concurrent_writers)
{
	struct es_state *s = open_ok(tmpdir);
	pthread_t t[THREADS];
	void *rc;

	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, writer, s), 0);
	for (int i = 0; i < THREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], &rc), 0);
		ck_assert_ptr_null(rc);
	}
	/* Before any snapshot, the journal alone holds every write, with no
	 * two records interleaved: a read-only open replays it all. */
	struct es_state *ro = NULL;
	ck_assert_int_eq(es_state_open_readonly(tmpdir, "acme", "uat", &ro, err,
	                                        sizeof(err)),
	                 ES_STATE_OK);
	for (int i = 0; i < THREADS; i++)
		for (int j = 0; j < PER_THREAD; j++) {
			char key[32];

			snprintf(key, sizeof(key), "t%d-%d", i, j);
			assert_kv(ro, "threads", key, key);
			ck_assert_int_eq(es_state_task_get(ro, key, NULL, NULL),
			                 ES_TS_DONE);
		}
	es_state_close(ro);
	ck_assert_int_eq(es_state_close(s), 0);
}
END_TEST

START_TEST(test_hostile_arguments)
{
	static const char *const bad_envs[] = {"",    "..",    "../etc",
	                                       "a/b", "uat\n", ".hidden"};
	struct es_state *s = NULL;

	for (size_t i = 0; i < sizeof(bad_envs) / sizeof(bad_envs[0]); i++) {
		ck_assert_int_ne(es_state_open(tmpdir, "acme", bad_envs[i], 0,
		                               &s, err, sizeof(err)),
		                 ES_STATE_OK);
		ck_assert_ptr_null(s);
	}
	ck_assert_int_ne(
	    es_state_open(tmpdir, "acme", NULL, 0, &s, err, sizeof(err)),
	    ES_STATE_OK);
	ck_assert_int_ne(
	    es_state_open(tmpdir, NULL, "uat", 0, &s, err, sizeof(err)),
	    ES_STATE_OK);
	ck_assert_int_ne(
	    es_state_open(NULL, "acme", "uat", 0, &s, err, sizeof(err)),
	    ES_STATE_OK);
	ck_assert_int_eq(es_state_close(NULL), -1);
	ck_assert_int_eq(es_state_kv_put(NULL, "p", "k", "v"), -1);
	ck_assert_ptr_null(es_state_kv_get(NULL, "p", "k"));
	ck_assert_int_eq(es_state_interrupted(NULL, "a"), 0);
	s = open_ok(tmpdir);
	ck_assert_int_eq(
	    es_state_task_set(s, "a:b", (enum es_task_state)99, NULL), -1);
	ck_assert_int_eq(es_state_kv_put(s, "p", NULL, "v"), -1);
	ck_assert_int_eq(es_state_intent_end(s, 12345, 200), -1);
	ck_assert_str_eq(es_task_state_name((enum es_task_state)42), "unknown");
	ck_assert_str_eq(es_task_state_name(ES_TS_IN_PROGRESS), "in-progress");
	/* Odd but legal text survives the round trip. */
	ck_assert_int_eq(es_state_kv_put(s, "p", "k\"\n{", "v\n}\"\x01"), 0);
	ck_assert_int_eq(es_state_close(s), 0);
	s = open_ok(tmpdir);
	assert_kv(s, "p", "k\"\n{", "v\n}\"\x01");
	ck_assert_int_eq(es_state_close(s), 0);
}
END_TEST

/* ---- a figure, not an assertion ---------------------------------------- */

START_TEST(test_durability_figure)
{
	struct es_state *s = open_ok(tmpdir);
	struct timespec t0;
	char key[32];
	double secs;

	ck_assert_int_eq(es_state_kv_put(s, "bench", "warm", "up"), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(es_state_kv_put(s, "bench", key, key), 0);
	}
	secs = seconds_since(&t0);
	fprintf(stderr,
	        "test_state: 1000 journal appends with fsync in %.3f s "
	        "(%.3f ms each) under %s\n",
	        secs, secs, tmpdir);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(es_state_close(s), 0);
	fprintf(stderr, "test_state: snapshot of 1000 keys in %.3f ms\n",
	        seconds_since(&t0) * 1000);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("state");
	TCase *t = tcase_create("state");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_roundtrip_every_record);
	tcase_add_test(t, test_teardown_states_roundtrip);
	tcase_add_test(t, test_task_timing_roundtrip);
	tcase_add_test(t, test_v1_fixture_loads);
	tcase_add_test(t, test_replay_after_exit_without_close);
	tcase_add_test(t, test_replay_after_sigkill);
	tcase_add_test(t, test_torn_last_line_ignored);
	tcase_add_test(t, test_unterminated_last_record_ignored);
	tcase_add_test(t, test_corrupt_middle_line_rejected);
	tcase_add_test(t, test_bad_snapshots_rejected);
	tcase_add_test(t, test_format_version_mismatch);
	tcase_add_test(t, test_customer_mismatch);
	tcase_add_test(t, test_close_without_writes_keeps_files);
	tcase_add_test(t, test_lock_held_by_child);
	tcase_add_test(t, test_lock_released_when_holder_killed);
	tcase_add_test(t, test_lock_waits_for_release);
	tcase_add_test(t, test_secrets_only_in_secrets_file);
	tcase_add_test(t, test_secret_output_made_public_drops_copy);
	tcase_add_test(t, test_interrupted_intent_detection);
	tcase_add_test(t, test_readonly);
	tcase_add_test(t, test_concurrent_writers);
	tcase_add_test(t, test_hostile_arguments);
	tcase_add_test(t, test_durability_figure);
	suite_add_tcase(suite, t);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
