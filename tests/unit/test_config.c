/*
 * The customer file: hostile files, structure, schema binding, secrets.
 * Fixtures in tests/data/config; files that need a mode or a size are
 * written into a fresh temporary directory per test.
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

/* ---- two small descriptors ------------------------------------------ */

static const struct es_key mail_keys[] = {
    ES_KEY(.name = "api_key", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET,
           .question = "Which API key?"),
    ES_KEY(.name = "domain", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV,
           .question = "Which sending domain?"),
    ES_KEY(.name = "region", .type = ES_TYPE_ENUM,
           .allowed = ES_LIST("us", "eu"), .default_value = "us"),
    ES_KEY(.name = "retries", .type = ES_TYPE_INT, .min = 0, .max = 10,
           .default_value = "3"),
    ES_KEY(.name = "track", .type = ES_TYPE_BOOL, .default_value = "true"),
    ES_KEY(.name = "events", .type = ES_TYPE_LIST,
           .default_value = "[ \"delivered\", \"opened\" ]"),
    ES_KEY(.name = "api_url", .type = ES_TYPE_URL, .flags = ES_KEY_PER_ENV,
           .default_value = "https://api.mailgun.net"),
    ES_KEY(.name = "poll", .type = ES_TYPE_DURATION, .default_value = "5m"),
    ES_KEY(.name = "webhook_url", .type = ES_TYPE_URL, .flags = ES_KEY_PER_ENV),
    ES_KEYS_END,
};

static const struct es_plugin_descriptor mail_desc = {
    ES_DESCRIPTOR_HEADER,
    .name = "mailgun",
    .version = "1.0.0",
    .keys = mail_keys,
};

static const struct es_key dns_keys[] = {
    ES_KEY(.name = "token", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET),
    ES_KEY(.name = "zone", .type = ES_TYPE_STRING, .flags = ES_KEY_REQUIRED),
    ES_KEYS_END,
};

static const struct es_plugin_descriptor dns_desc = {
    ES_DESCRIPTOR_HEADER,
    .name = "dns",
    .version = "1.0.0",
    .keys = dns_keys,
};

static const struct es_plugin_descriptor *const descs[] = {&mail_desc,
                                                           &dns_desc};

/* ---- helpers -------------------------------------------------------- */

static char tmpdir[64];
static char paths[8][PATH_MAX];
static int next_path;

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/es-test-config-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	chmod(path, 0700);
	return remove(path);
}

static void remove_tmpdir(void)
{
	nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	es_redact_clear();
}

static const char *data_path(const char *name)
{
	const char *root = getenv("ES_TEST_DATA");
	char *p = paths[next_path++ % 8];

	snprintf(p, PATH_MAX, "%s/config/%s", root ? root : "tests/data", name);
	return p;
}

static const char *write_file(const char *name, const char *text, mode_t mode)
{
	char *p = paths[next_path++ % 8];
	FILE *f;

	snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
	unlink(p); /* it may be read-only from an earlier step */
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(p, mode), 0);
	return p;
}

/* Index of the first diagnostic whose message contains `needle` (and
 * whose where equals `where`, when given), or -1. */
static int find_diag(const struct es_diags *d, const char *where,
                     const char *needle)
{
	for (size_t i = 0; i < d->count; i++) {
		const struct es_diag_entry *e = &d->items[i];

		if (where && (!e->where || strcmp(e->where, where) != 0))
			continue;
		if (e->message && strstr(e->message, needle))
			return (int)i;
	}
	return -1;
}

static void dump(const struct es_diags *d)
{
	es_diags_print(d, stderr);
}

/* A file refused as a whole: NULL, exactly one diagnostic. */
static void expect_refused(const char *path, const char *needle)
{
	struct es_diags d = {0};
	struct es_config *c = es_config_load(path, &d);

	if (c || d.count != 1 || find_diag(&d, NULL, needle) < 0)
		dump(&d);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(d.count, 1);
	ck_assert_int_ge(find_diag(&d, NULL, needle), 0);
	es_diags_clear(&d);
}

/* The standard frame around one `mailgun` group; the body starts on
 * line 6. */
static const char *mailgun_file(const char *body)
{
	static char text[8192];

	snprintf(
	    text, sizeof(text),
	    "customer = { id = \"acme\"; name = \"Acme\"; };\n"
	    "environments = { uat = { a = 1; }; production = { a = 2; }; };\n"
	    "checklist = ( { section = \"4.4\"; title = \"Mail\"; "
	    "plugins = [ \"mailgun\" ]; } );\n"
	    "plugins = {\n"
	    "mailgun = {\n"
	    "%s\n"
	    "};\n"
	    "};\n",
	    body);
	return write_file("customer.cfg", text, 0644);
}

/* Load the mailgun frame and bind it for `env`; the config and the
 * diagnostics are the caller's. */
static struct es_config *bind_mailgun(const char *body, const char *env,
                                      struct es_diags *d, size_t *problems)
{
	struct es_config *c = es_config_load(mailgun_file(body), d);

	if (!c || d->count)
		dump(d);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(d->count, 0);
	*problems = es_config_bind(c, env, descs, 2, d);
	return c;
}

/* Bind `body` and expect exactly one problem at `where` containing
 * `needle`, on `line` (0: do not check). */
static void expect_bind_error(const char *body, const char *where, int line,
                              const char *needle)
{
	struct es_diags d = {0};
	size_t n;
	struct es_config *c = bind_mailgun(body, "uat", &d, &n);
	int i = find_diag(&d, where, needle);

	if (n != 1 || d.count != 1 || i < 0)
		dump(&d);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(d.count, 1);
	ck_assert_int_ge(i, 0);
	if (line)
		ck_assert_int_eq(d.items[i].line, line);
	ck_assert_ptr_nonnull(d.items[i].file);
	es_diags_clear(&d);
	es_config_free(c);
}

#define OK_KEY "api_key = \"env:ES_TEST_KEY\"; domain = \"m.example\";"

static void set_test_key(void)
{
	setenv("ES_TEST_KEY", "key-0123456789abcdef", 1);
}

static void setup(void)
{
	make_tmpdir();
	set_test_key();
}

/* ---- a valid file --------------------------------------------------- */

START_TEST(test_valid_file_loads)
{
	struct es_diags d = {0};
	struct es_config *c = es_config_load(data_path("valid.cfg"), &d);
	const struct es_environment *uat;
	char real[PATH_MAX];

	if (d.count)
		dump(&d);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(d.count, 0);
	ck_assert_str_eq(c->customer_id, "acme");
	ck_assert_str_eq(c->customer_name, "Acme Corp");
	/* The default state_dir, resolved against the config's directory. */
	ck_assert_ptr_nonnull(realpath(data_path(""), real));
	strncat(real, "/state/acme", sizeof(real) - strlen(real) - 1);
	ck_assert_str_eq(c->state_dir, real);
	ck_assert_uint_eq(c->n_envs, 2);
	uat = es_config_env(c, "uat");
	ck_assert_ptr_nonnull(uat);
	ck_assert_str_eq(es_config_env_value(uat, "domain"),
	                 "uat.acme.example");
	ck_assert_str_eq(es_config_env_value(uat, "replicas"), "2");
	ck_assert_str_eq(es_config_env_value(uat, "public"), "true");
	ck_assert_ptr_null(es_config_env_value(uat, "nothing"));
	ck_assert_ptr_null(es_config_env(c, "staging"));
	ck_assert_uint_eq(c->n_sections, 2);
	ck_assert_str_eq(c->sections[0].id, "1");
	ck_assert_uint_eq(c->sections[0].n_plugins, 1);
	ck_assert_str_eq(c->sections[0].plugins[0], "dns");
	ck_assert_uint_eq(c->sections[0].n_elements, 2);
	ck_assert_str_eq(c->sections[0].elements[0].answer, "AWS");
	ck_assert_ptr_null(c->sections[0].elements[1].answer);
	ck_assert_uint_eq(c->sections[0].n_manual, 1);
	ck_assert_str_eq(c->sections[0].manual[0].owner, "Acme IT");
	ck_assert_str_eq(c->sections[0].manual[0].depends_on[0],
	                 "checklist:infra_provider");
	ck_assert_ptr_null(c->sections[0].manual[0].depends_on[1]);
	ck_assert_int_eq(c->sections[0].manual[0].line, 18);
	ck_assert_str_eq(c->sections[1].id, "4.4");
	ck_assert_uint_eq(c->n_plugins, 2);
	ck_assert_int_eq(es_config_plugin(c, "mailgun")->enabled, 1);
	ck_assert_int_eq(es_config_plugin(c, "dns")->enabled, 0);
	ck_assert_ptr_null(es_config_plugin(c, "aws"));
	es_config_free(c);
}
END_TEST

START_TEST(test_valid_file_binds_uat_and_production)
{
	const char *secret = "mg-key-4f1e2d3c";
	struct es_diags d = {0};
	struct es_config *c = es_config_load(data_path("valid.cfg"), &d);
	struct es_plugin_conf *mg;
	const struct es_value *v;

	setenv("ES_TEST_MAILGUN_KEY", secret, 1);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(es_config_bind(c, "uat", descs, 2, &d), 0);
	if (d.count)
		dump(&d);
	ck_assert_uint_eq(d.count, 0);
	mg = es_config_plugin(c, "mailgun");
	ck_assert_ptr_eq(mg->desc, &mail_desc);
	ck_assert_str_eq(es_config_value(mg, "domain")->str,
	                 "mail.uat.acme.example");
	ck_assert_str_eq(es_config_value(mg, "region")->str, "eu");
	ck_assert_int_eq(es_config_value(mg, "retries")->i, 5);
	ck_assert_int_eq(es_config_value(mg, "track")->i, 0);
	v = es_config_value(mg, "events");
	ck_assert_uint_eq(v->n_list, 2);
	ck_assert_str_eq(v->list[1], "failed");
	ck_assert_str_eq(es_config_value(mg, "api_url")->str,
	                 "http://127.0.0.1:8080/v3");
	ck_assert_int_eq(es_config_value(mg, "poll")->i, 30000);
	ck_assert_str_eq(es_config_value(mg, "webhook_url")->str,
	                 "https://app.uat.acme.example/hooks");
	ck_assert_int_eq(mg->http_timeout_ms, 10000);
	ck_assert_int_eq(mg->rate_limit_per_min, 300);
	ck_assert_int_eq(mg->max_concurrency, -1);
	/* The value holds the reference; the secret is kept apart. */
	v = es_config_value(mg, "api_key");
	ck_assert_str_eq(v->str, "env:ES_TEST_MAILGUN_KEY");
	ck_assert_int_eq(v->line, 28);
	ck_assert_str_eq(es_config_secret(mg, "api_key"), secret);
	ck_assert_ptr_null(es_config_secret(mg, "domain"));
	ck_assert_int_eq(es_redact_contains("x mg-key-4f1e2d3c y"), 1);
	ck_assert_int_eq(es_config_unanswered(mg, "domain"), 0);
	/* Disabled: not resolved, not required. */
	ck_assert_ptr_null(
	    es_config_secret(es_config_plugin(c, "dns"), "token"));
	ck_assert_int_eq(
	    es_config_unanswered(es_config_plugin(c, "dns"), "zone"), 0);

	/* Binding again for production drops the uat overrides. */
	ck_assert_uint_eq(es_config_bind(c, "production", descs, 2, &d), 0);
	ck_assert_str_eq(es_config_value(mg, "domain")->str,
	                 "mail.acme.example");
	ck_assert_int_eq(es_config_value(mg, "webhook_url")->is_set, 0);
	es_config_free(c);
	unsetenv("ES_TEST_MAILGUN_KEY");
}
END_TEST

START_TEST(test_defaults_applied)
{
	struct es_diags d = {0};
	size_t n;
	struct es_config *c = bind_mailgun(OK_KEY, "uat", &d, &n);
	struct es_plugin_conf *mg = es_config_plugin(c, "mailgun");
	const struct es_value *v;

	ck_assert_uint_eq(n, 0);
	v = es_config_value(mg, "region");
	ck_assert_int_eq(v->is_set, 1);
	ck_assert_int_eq(v->from_default, 1);
	ck_assert_str_eq(v->str, "us");
	ck_assert_int_eq(es_config_value(mg, "retries")->i, 3);
	ck_assert_int_eq(es_config_value(mg, "track")->i, 1);
	ck_assert_int_eq(es_config_value(mg, "poll")->i, 300000);
	v = es_config_value(mg, "events");
	ck_assert_uint_eq(v->n_list, 2);
	ck_assert_str_eq(v->list[0], "delivered");
	ck_assert_str_eq(es_config_value(mg, "api_url")->str,
	                 "https://api.mailgun.net");
	ck_assert_int_eq(es_config_value(mg, "webhook_url")->is_set, 0);
	ck_assert_int_eq(mg->http_timeout_ms, 30000);
	ck_assert_ptr_null(es_config_value(mg, "nope"));
	es_config_free(c);
}
END_TEST

START_TEST(test_required_missing_is_unanswered_not_error)
{
	struct es_diags d = {0};
	size_t n;
	struct es_config *c =
	    bind_mailgun("api_key = \"env:ES_TEST_KEY\";", "uat", &d, &n);
	struct es_plugin_conf *mg = es_config_plugin(c, "mailgun");

	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(d.count, 0);
	ck_assert_int_eq(es_config_unanswered(mg, "domain"), 1);
	ck_assert_int_eq(es_config_unanswered(mg, "api_key"), 0);
	ck_assert_int_eq(es_config_unanswered(mg, "region"), 0);
	es_config_free(c);
}
END_TEST

START_TEST(test_include_ok)
{
	struct es_diags d = {0};
	struct es_config *c = es_config_load(data_path("include_ok.cfg"), &d);

	if (d.count)
		dump(&d);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(d.count, 0);
	ck_assert_uint_eq(c->n_envs, 1);
	ck_assert_ptr_nonnull(strstr(c->sections[0].file, "include_part.cfg"));
	es_config_free(c);
}
END_TEST

/* ---- hostile files -------------------------------------------------- */

START_TEST(test_missing_file)
{
	expect_refused(data_path("no-such-file.cfg"),
	               "cannot open: No such file or directory");
}
END_TEST

START_TEST(test_empty_files)
{
	expect_refused(data_path("empty.cfg"), "file is empty");
	expect_refused(data_path("blank.cfg"), "file is empty");
}
END_TEST

START_TEST(test_syntax_errors_have_libconfig_line)
{
	struct es_diags d = {0};

	ck_assert_ptr_null(es_config_load(data_path("syntax.cfg"), &d));
	ck_assert_uint_eq(d.count, 1);
	ck_assert_int_eq(d.items[0].line, 3);
	ck_assert_str_eq(d.items[0].message, "syntax error");
	ck_assert_ptr_nonnull(strstr(d.items[0].file, "syntax.cfg"));
	es_diags_clear(&d);
	expect_refused(data_path("truncated.cfg"), "syntax error");
}
END_TEST

START_TEST(test_binary_and_bad_utf8)
{
	expect_refused(data_path("binary.cfg"),
	               "binary data (NUL byte on line 1)");
	expect_refused(data_path("latin1.cfg"), "not UTF-8 text");
}
END_TEST

START_TEST(test_huge_file)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/huge.cfg", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	/* Sparse: refused from its size, before any read. */
	ck_assert_int_eq(ftruncate(fd, ES_CONFIG_MAX_BYTES + 1), 0);
	close(fd);
	expect_refused(path, "file is too large");
}
END_TEST

START_TEST(test_directory)
{
	expect_refused(tmpdir, "is a directory");
}
END_TEST

START_TEST(test_unreadable)
{
	const char *p = write_file("locked.cfg", "customer = {};\n", 0000);

	if (geteuid() == 0)
		return; /* root reads anything; the code path stays. */
	expect_refused(p, "Permission denied");
}
END_TEST

START_TEST(test_include_self_and_cycle)
{
	struct es_diags d = {0};

	ck_assert_ptr_null(es_config_load(data_path("include_self.cfg"), &d));
	ck_assert_uint_eq(d.count, 1);
	ck_assert_int_eq(d.items[0].line, 2);
	ck_assert_ptr_nonnull(strstr(d.items[0].message, "include cycle"));
	es_diags_clear(&d);
	ck_assert_ptr_null(
	    es_config_load(data_path("include_cycle_a.cfg"), &d));
	ck_assert_uint_eq(d.count, 1);
	ck_assert_ptr_nonnull(strstr(d.items[0].file, "include_cycle_b.cfg"));
	ck_assert_ptr_nonnull(
	    strstr(d.items[0].message, "include_cycle_a.cfg -> "));
	es_diags_clear(&d);
}
END_TEST

START_TEST(test_include_missing)
{
	struct es_diags d = {0};

	ck_assert_ptr_null(
	    es_config_load(data_path("include_missing.cfg"), &d));
	ck_assert_uint_eq(d.count, 1);
	ck_assert_int_eq(d.items[0].line, 3);
	ck_assert_ptr_nonnull(strstr(d.items[0].message,
	                             "@include \"no_such_file.cfg\": cannot "
	                             "open"));
	es_diags_clear(&d);
}
END_TEST

START_TEST(test_hostile_include_target)
{
	write_file("part.cfg", "a = 1;\n\x01\xff\n", 0644);
	expect_refused(write_file("top.cfg", "@include \"part.cfg\"\n", 0644),
	               "@include \"part.cfg\": not UTF-8 text");
}
END_TEST

/* ---- structure ------------------------------------------------------ */

START_TEST(test_structure_errors_all_reported)
{
	struct es_diags d = {0};
	struct es_config *c =
	    es_config_load(data_path("structure_errors.cfg"), &d);

	ck_assert_ptr_nonnull(c);
	if (d.count != 11)
		dump(&d);
	ck_assert_int_ge(find_diag(&d, "customer.id", "not a valid id"), 0);
	ck_assert_int_ge(find_diag(&d, "customer",
	                           "unknown key 'nmae'; did you mean 'name'?"),
	                 0);
	ck_assert_int_ge(find_diag(&d, "customer.name", "missing 'name'"), 0);
	ck_assert_int_ge(find_diag(&d, "environments.uat.nested",
	                           "must be strings, numbers or booleans"),
	                 0);
	ck_assert_int_ge(find_diag(&d, "checklist[1].plugins",
	                           "plugin 'ghost' has no group under "
	                           "'plugins'"),
	                 0);
	ck_assert_int_ge(find_diag(&d, "checklist[1].manual[0]",
	                           "id 'same' is already used at"),
	                 0);
	ck_assert_int_ge(
	    find_diag(&d, "checklist[1]", "section '1' is already defined"), 0);
	ck_assert_int_ge(find_diag(&d, NULL,
	                           "plugin 'mailgun' is already "
	                           "listed in an earlier section"),
	                 0);
	ck_assert_int_ge(
	    find_diag(&d, "checklist[2].manual[0]", "missing 'title'"), 0);
	ck_assert_int_ge(find_diag(&d, "orphan",
	                           "is enabled but no checklist "
	                           "section lists it"),
	                 0);
	ck_assert_int_lt(find_diag(&d, "sleeper", "enabled"), 0);
	ck_assert_int_ge(find_diag(&d, NULL, "unknown key 'extra'"), 0);
	ck_assert_uint_eq(d.count, 11);
	/* Every structural problem has a file and a line. */
	for (size_t i = 0; i < d.count; i++) {
		ck_assert_ptr_nonnull(d.items[i].file);
		ck_assert_int_gt(d.items[i].line, 0);
	}
	ck_assert_int_eq(
	    d.items[find_diag(&d, NULL, "unknown key 'extra'")].line, 16);
	es_diags_clear(&d);
	es_config_free(c);
}
END_TEST

START_TEST(test_missing_top_groups)
{
	struct es_diags d = {0};
	struct es_config *c = es_config_load(
	    write_file("bare.cfg", "plugins = { };\n", 0644), &d);

	ck_assert_ptr_nonnull(c);
	ck_assert_int_ge(find_diag(&d, "customer", "missing the 'customer'"),
	                 0);
	ck_assert_int_ge(find_diag(&d, "environments", "at least one"), 0);
	ck_assert_int_ge(find_diag(&d, "checklist", "missing the 'checklist'"),
	                 0);
	ck_assert_uint_eq(d.count, 3);
	es_diags_clear(&d);
	es_config_free(c);
}
END_TEST

START_TEST(test_state_dir_relative_and_absolute)
{
	struct es_diags d = {0};
	char want[PATH_MAX + 16], real[PATH_MAX];
	struct es_config *c;
	const char *frame = "environments = { uat = { a = 1; }; };\n"
	                    "checklist = ( );\n";
	char text[512];

	snprintf(text, sizeof(text),
	         "customer = { id = \"a-1\"; name = \"A\"; "
	         "state_dir = \"st/x\"; };\n%s",
	         frame);
	c = es_config_load(write_file("s.cfg", text, 0644), &d);
	ck_assert_uint_eq(d.count, 0);
	ck_assert_ptr_nonnull(realpath(tmpdir, real));
	snprintf(want, sizeof(want), "%s/st/x", real);
	ck_assert_str_eq(c->state_dir, want);
	es_config_free(c);
	snprintf(text, sizeof(text),
	         "customer = { id = \"a-1\"; name = \"A\"; "
	         "state_dir = \"/var/lib/es\"; };\n%s",
	         frame);
	c = es_config_load(write_file("s.cfg", text, 0644), &d);
	ck_assert_uint_eq(d.count, 0);
	ck_assert_str_eq(c->state_dir, "/var/lib/es");
	es_config_free(c);
}
END_TEST

/* ---- schema: unknown keys and types --------------------------------- */

START_TEST(test_unknown_key_suggestion)
{
	expect_bind_error(OK_KEY "\ndomian = \"x\";", "mailgun.domian", 7,
	                  "unknown key 'domian'; did you mean 'domain'?");
	expect_bind_error(OK_KEY "\nhttp_timeot = \"5s\";",
	                  "mailgun.http_timeot", 7,
	                  "did you mean 'http_timeout'?");
	expect_bind_error(OK_KEY "\nzzzzzzzz = 1;", "mailgun.zzzzzzzz", 7,
	                  "unknown key 'zzzzzzzz'");
}
END_TEST

START_TEST(test_type_errors)
{
	expect_bind_error(OK_KEY " region = \"asia\";", "mailgun.region", 6,
	                  "'asia' is not allowed; use one of: us, eu");
	expect_bind_error(OK_KEY " region = \"euu\";", "mailgun.region", 6,
	                  "(did you mean 'eu'?)");
	expect_bind_error(OK_KEY " retries = 11;", "mailgun.retries", 6,
	                  "11 is out of range [0, 10]");
	expect_bind_error(OK_KEY " retries = \"3\";", "mailgun.retries", 6,
	                  "expected an integer");
	expect_bind_error(OK_KEY " retries = 2.5;", "mailgun.retries", 6,
	                  "expected an integer");
	expect_bind_error(OK_KEY " track = \"yes\";", "mailgun.track", 6,
	                  "expected true or false");
	expect_bind_error(OK_KEY " events = \"delivered\";", "mailgun.events",
	                  6, "expected a list of strings");
	expect_bind_error(OK_KEY " events = [ 1, 2 ];", "mailgun.events", 6,
	                  "expected a list of strings");
	expect_bind_error("api_key = \"env:ES_TEST_KEY\"; domain = 42;",
	                  "mailgun.domain", 6, "expected a string");
	expect_bind_error(OK_KEY " poll = \"5 minutes\";", "mailgun.poll", 6,
	                  "expected a duration");
	expect_bind_error(OK_KEY " poll = -1;", "mailgun.poll", 6,
	                  "expected a duration");
	expect_bind_error(OK_KEY " http_timeout = \"0s\";",
	                  "mailgun.http_timeout", 6, "more than 0");
	expect_bind_error(OK_KEY " max_concurrency = 0;",
	                  "mailgun.max_concurrency", 6, "out of range");
	expect_bind_error(OK_KEY " enabled = true; ca_file = \"nope.pem\";",
	                  "mailgun", 6, "is not a readable file");
}
END_TEST

START_TEST(test_durations)
{
	static const struct {
		const char *text;
		int64_t ms;
	} cases[] = {{"\"500ms\"", 500},   {"\"30s\"", 30000},
	             {"\"5m\"", 300000},   {"\"2h\"", 7200000},
	             {"\"1d\"", 86400000}, {"45", 45000},
	             {"\"0s\"", 0}};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct es_diags d = {0};
		char body[256];
		size_t n;
		struct es_config *c;

		snprintf(body, sizeof(body), OK_KEY " poll = %s;",
		         cases[i].text);
		c = bind_mailgun(body, "uat", &d, &n);
		ck_assert_uint_eq(n, 0);
		ck_assert_int_eq(
		    es_config_value(es_config_plugin(c, "mailgun"), "poll")->i,
		    cases[i].ms);
		es_config_free(c);
	}
	expect_bind_error(OK_KEY " poll = \"99999999999999999999s\";",
	                  "mailgun.poll", 6, "expected a duration");
}
END_TEST

START_TEST(test_urls)
{
	static const char *const good[] = {
	    "https://api.mailgun.net/v3", "https://EXAMPLE.com:8443",
	    "http://127.0.0.1:8080/x",    "http://127.9.8.7",
	    "http://localhost:1/",        "http://[::1]:9000/x?y#z",
	    "HTTP://LOCALHOST",
	};
	static const struct {
		const char *url, *why;
	} bad[] = {
	    {"ftp://example.com", "must start with https://"},
	    {"http://example.com", "allowed only to loopback"},
	    {"http://127.0.0.1.evil.example/", "allowed only to loopback"},
	    {"http://128.0.0.1/", "allowed only to loopback"},
	    {"http://[::2]/", "allowed only to loopback"},
	    {"http://localhost@evil.example/", "credentials"},
	    {"https://user:pw@example.com/", "credentials"},
	    {"https:///path", "no valid host"},
	    {"https://example.com:99999/", "invalid port"},
	    {"https://example.com:/", "invalid port"},
	    {"https://[::1/", "unclosed"},
	    {"https://exa mple.com", "spaces"},
	    {"example.com", "must start with https://"},
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct es_diags d = {0};
		char body[256];
		size_t n;
		struct es_config *c;

		snprintf(body, sizeof(body), OK_KEY " api_url = \"%s\";",
		         good[i]);
		c = bind_mailgun(body, "uat", &d, &n);
		if (n)
			dump(&d);
		ck_assert_uint_eq(n, 0);
		es_config_free(c);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char body[256];

		snprintf(body, sizeof(body), OK_KEY " api_url = \"%s\";",
		         bad[i].url);
		expect_bind_error(body, "mailgun.api_url", 6, bad[i].why);
	}
}
END_TEST

/* ---- secrets -------------------------------------------------------- */

START_TEST(test_literal_secret_refused_without_echo)
{
	const char *literal = "sk-live-TOPSECRET-8842";
	struct es_diags d = {0};
	char body[256];
	size_t n;
	struct es_config *c;

	snprintf(body, sizeof(body),
	         "domain = \"m.example\";\n"
	         "api_key = \"%s\";",
	         literal);
	c = bind_mailgun(body, "uat", &d, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(d.count, 1);
	ck_assert_int_ge(
	    find_diag(&d, "mailgun.api_key", "a literal value is refused"), 0);
	ck_assert_int_eq(d.items[0].line, 7);
	for (size_t i = 0; i < d.count; i++)
		ck_assert_ptr_null(strstr(d.items[i].message, "TOPSECRET"));
	ck_assert_ptr_null(
	    es_config_secret(es_config_plugin(c, "mailgun"), "api_key"));
	es_diags_clear(&d);
	es_config_free(c);
	/* A non-string literal too, and a malformed reference. */
	expect_bind_error("domain = \"m\"; api_key = 123456;",
	                  "mailgun.api_key", 6, "literal value is refused");
	expect_bind_error("domain = \"m\"; api_key = \"env:1BAD\";",
	                  "mailgun.api_key", 6, "literal value is refused");
}
END_TEST

START_TEST(test_env_secret_resolution)
{
	const char *body = "domain = \"m\"; api_key = \"env:ES_TEST_OTHER\";";

	unsetenv("ES_TEST_OTHER");
	expect_bind_error(body, "mailgun.api_key", 6,
	                  "environment variable ES_TEST_OTHER is not set");
	setenv("ES_TEST_OTHER", "", 1);
	expect_bind_error(body, "mailgun.api_key", 6, "is empty");
	setenv("ES_TEST_OTHER", "abc", 1);
	expect_bind_error(body, "mailgun.api_key", 6, "too short to redact");
	unsetenv("ES_TEST_OTHER");
}
END_TEST

START_TEST(test_file_secret_resolution)
{
	const char *secret = "file-secret-value-77";
	const char *body = "domain = \"m\"; api_key = \"file:token\";";
	struct es_diags d = {0};
	size_t n;
	struct es_config *c;
	char text[64];

	snprintf(text, sizeof(text), "%s\n", secret);
	write_file("token", text, 0644);
	expect_bind_error(body, "mailgun.api_key", 6, "has mode 0644");
	write_file("token", text, 0640);
	c = bind_mailgun(body, "uat", &d, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_ge(find_diag(&d, NULL,
	                           "has mode 0640; a secret file "
	                           "must be 0600 or 0400"),
	                 0);
	for (size_t i = 0; i < d.count; i++)
		ck_assert_ptr_null(strstr(d.items[i].message, secret));
	es_diags_clear(&d);
	es_config_free(c);

	/* 0600 and 0400 work; the trailing newline is not the secret's. */
	write_file("token", text, 0600);
	c = bind_mailgun(body, "uat", &d, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(
	    es_config_secret(es_config_plugin(c, "mailgun"), "api_key"),
	    secret);
	ck_assert_int_eq(es_redact_contains(secret), 1);
	es_config_free(c);
	write_file("token", text, 0400);
	c = bind_mailgun(body, "uat", &d, &n);
	ck_assert_uint_eq(n, 0);
	es_config_free(c);

	expect_bind_error("domain = \"m\"; api_key = \"file:absent\";",
	                  "mailgun.api_key", 6, "No such file");
}
END_TEST

START_TEST(test_file_secret_too_large)
{
	char *big = malloc(70 * 1024 + 1);

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 70 * 1024);
	big[70 * 1024] = '\0';
	write_file("big", big, 0600);
	free(big);
	expect_bind_error("domain = \"m\"; api_key = \"file:big\";",
	                  "mailgun.api_key", 6, "larger than 65536 bytes");
}
END_TEST

START_TEST(test_secret_resolve_direct)
{
	char err[256];
	char *v;

	ck_assert_ptr_null(
	    es_secret_resolve("hunter2-literal", NULL, err, sizeof(err)));
	ck_assert_ptr_null(strstr(err, "hunter2"));
	ck_assert_ptr_nonnull(strstr(err, "env:NAME or file:PATH"));
	setenv("ES_TEST_DIRECT", "direct-value", 1);
	v = es_secret_resolve("env:ES_TEST_DIRECT", NULL, err, sizeof(err));
	ck_assert_str_eq(v, "direct-value");
	free(v);
	write_file("crlf", "abcdef\r\n", 0600);
	v = es_secret_resolve("file:crlf", tmpdir, err, sizeof(err));
	ck_assert_str_eq(v, "abcdef");
	free(v);
	ck_assert_ptr_null(
	    es_secret_resolve("file:", tmpdir, err, sizeof(err)));
	unsetenv("ES_TEST_DIRECT");
}
END_TEST

START_TEST(test_disabled_plugin_secrets_not_resolved)
{
	struct es_diags d = {0};
	size_t n;
	struct es_config *c =
	    bind_mailgun("enabled = false; api_key = \"env:ES_TEST_UNSET_X\";",
	                 "uat", &d, &n);

	/* Not listed in a section is fine when disabled; unset var too. */
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(
	    es_config_unanswered(es_config_plugin(c, "mailgun"), "domain"), 0);
	es_config_free(c);
	/* ...but it is still type-checked. */
	expect_bind_error("enabled = false; retries = \"x\";",
	                  "mailgun.retries", 6, "expected an integer");
}
END_TEST

/* ---- environments --------------------------------------------------- */

START_TEST(test_per_env_override)
{
	const char *body =
	    OK_KEY "\n"
	           "environments = {\n"
	           "  uat = { domain = \"uat.m.example\";\n"
	           "          api_url = \"http://localhost:9/\"; };\n"
	           "  production = { domain = \"prod.m.example\"; };\n"
	           "};";
	struct es_diags d = {0};
	size_t n;
	struct es_config *c = bind_mailgun(body, "uat", &d, &n);
	struct es_plugin_conf *mg = es_config_plugin(c, "mailgun");

	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(es_config_value(mg, "domain")->str, "uat.m.example");
	ck_assert_int_eq(es_config_value(mg, "domain")->line, 8);
	ck_assert_str_eq(es_config_value(mg, "api_url")->str,
	                 "http://localhost:9/");
	ck_assert_uint_eq(es_config_bind(c, "production", descs, 2, &d), 0);
	ck_assert_str_eq(es_config_value(mg, "domain")->str, "prod.m.example");
	ck_assert_str_eq(es_config_value(mg, "api_url")->str,
	                 "https://api.mailgun.net");
	es_config_free(c);
}
END_TEST

START_TEST(test_per_env_errors)
{
	expect_bind_error(OK_KEY
	                  " environments = { uat = { region = \"eu\"; }; };",
	                  "mailgun.environments.uat.region", 6,
	                  "'region' cannot be set per environment");
	expect_bind_error(OK_KEY
	                  " environments = { prod = { domain = \"x\"; }; };",
	                  "mailgun.environments.prod", 6,
	                  "no environment 'prod' in this file; declared: uat, "
	                  "production");
	expect_bind_error(
	    OK_KEY " environments = { uat = { domian = \"x\"; }; };",
	    "mailgun.environments.uat.domian", 6, "did you mean 'domain'?");
	/* Overrides for other environments are type-checked too. */
	expect_bind_error(OK_KEY " environments = { production = { "
	                         "webhook_url = \"http://example.com\"; }; };",
	                  "mailgun.environments.production.webhook_url", 6,
	                  "allowed only to loopback");
}
END_TEST

START_TEST(test_unknown_env_selected)
{
	struct es_diags d = {0};
	size_t n;
	struct es_config *c = bind_mailgun(OK_KEY, "prodution", &d, &n);

	ck_assert_uint_eq(n, 1);
	ck_assert_int_ge(find_diag(&d, "--env",
	                           "no environment 'prodution' in this file; "
	                           "declared: uat, production (did you mean "
	                           "'production'?)"),
	                 0);
	es_diags_clear(&d);
	es_config_free(c);
}
END_TEST

START_TEST(test_group_without_descriptor)
{
	struct es_diags d = {0};
	size_t n;
	struct es_config *c = bind_mailgun(OK_KEY, "uat", &d, &n);

	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(es_config_bind(c, "uat", descs + 1, 1, &d), 1);
	ck_assert_int_ge(find_diag(&d, "mailgun", "no plugin named 'mailgun'"),
	                 0);
	es_diags_clear(&d);
	es_config_free(c);
}
END_TEST

START_TEST(test_closest_match)
{
	static const char *const words[] = {"domain", "region", "api_key",
	                                    NULL};

	ck_assert_str_eq(es_closest_match("domian", words), "domain");
	ck_assert_str_eq(es_closest_match("regoin", words), "region");
	ck_assert_str_eq(es_closest_match("apikey", words), "api_key");
	ck_assert_ptr_null(es_closest_match("colour", words));
	ck_assert_ptr_null(es_closest_match("x", words));
	ck_assert_ptr_null(es_closest_match(NULL, words));
}
END_TEST

/* ---- runner --------------------------------------------------------- */

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *t = tcase_create("config");

	tcase_add_checked_fixture(t, setup, remove_tmpdir);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, test_valid_file_loads);
	tcase_add_test(t, test_valid_file_binds_uat_and_production);
	tcase_add_test(t, test_defaults_applied);
	tcase_add_test(t, test_required_missing_is_unanswered_not_error);
	tcase_add_test(t, test_include_ok);
	tcase_add_test(t, test_missing_file);
	tcase_add_test(t, test_empty_files);
	tcase_add_test(t, test_syntax_errors_have_libconfig_line);
	tcase_add_test(t, test_binary_and_bad_utf8);
	tcase_add_test(t, test_huge_file);
	tcase_add_test(t, test_directory);
	tcase_add_test(t, test_unreadable);
	tcase_add_test(t, test_include_self_and_cycle);
	tcase_add_test(t, test_include_missing);
	tcase_add_test(t, test_hostile_include_target);
	tcase_add_test(t, test_structure_errors_all_reported);
	tcase_add_test(t, test_missing_top_groups);
	tcase_add_test(t, test_state_dir_relative_and_absolute);
	tcase_add_test(t, test_unknown_key_suggestion);
	tcase_add_test(t, test_type_errors);
	tcase_add_test(t, test_durations);
	tcase_add_test(t, test_urls);
	tcase_add_test(t, test_literal_secret_refused_without_echo);
	tcase_add_test(t, test_env_secret_resolution);
	tcase_add_test(t, test_file_secret_resolution);
	tcase_add_test(t, test_file_secret_too_large);
	tcase_add_test(t, test_secret_resolve_direct);
	tcase_add_test(t, test_disabled_plugin_secrets_not_resolved);
	tcase_add_test(t, test_per_env_override);
	tcase_add_test(t, test_per_env_errors);
	tcase_add_test(t, test_unknown_env_selected);
	tcase_add_test(t, test_group_without_descriptor);
	tcase_add_test(t, test_closest_match);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
