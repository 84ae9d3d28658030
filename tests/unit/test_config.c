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
#include "config_internal.h"
#include "log.h"
#include "numbers.h"

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
    ES_KEY(.name = "retries", .type = ES_TYPE_INT,
           .flags = ES_KEY_MIN | ES_KEY_MAX, .min = 0, .max = 10,
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

/* Every check beyond the type: formats, patterns, bounds, required_when. */
static const struct es_key rule_keys[] = {
    ES_KEY(.name = "host", .type = ES_TYPE_STRING, .flags = ES_KEY_PER_ENV,
           .format = ES_FORMAT_HOSTNAME, .question = "Which host?"),
    ES_KEY(.name = "contact", .type = ES_TYPE_STRING, .format = ES_FORMAT_EMAIL,
           .question = "Who is the contact?"),
    ES_KEY(.name = "tenant", .type = ES_TYPE_STRING, .format = ES_FORMAT_GUID,
           .question = "Which tenant?"),
    ES_KEY(.name = "aliases", .type = ES_TYPE_LIST,
           .format = ES_FORMAT_HOSTNAME, .question = "Which aliases?"),
    ES_KEY(.name = "slug", .type = ES_TYPE_STRING,
           .pattern = "^[a-z][a-z0-9-]*$", .question = "Which slug?"),
    ES_KEY(.name = "tags", .type = ES_TYPE_LIST, .pattern = "^[a-z]+$",
           .question = "Which tags?"),
    ES_KEY(.name = "workers", .type = ES_TYPE_INT, .flags = ES_KEY_MIN,
           .min = 1, .question = "How many workers?"),
    ES_KEY(.name = "quota", .type = ES_TYPE_INT, .flags = ES_KEY_MAX,
           .max = 100, .question = "Which quota?"),
    ES_KEY(.name = "mode", .type = ES_TYPE_ENUM, .flags = ES_KEY_PER_ENV,
           .allowed = ES_LIST("create", "adopt"), .default_value = "create",
           .question = "Create or adopt?"),
    ES_KEY(.name = "account_id", .type = ES_TYPE_STRING,
           .required_when = "mode=adopt", .question = "Which account?"),
    ES_KEY(.name = "owner", .type = ES_TYPE_STRING,
           .required_when = "mode=create", .question = "Who owns it?"),
    ES_KEY(.name = "dry", .type = ES_TYPE_BOOL, .default_value = "false",
           .question = "Dry run?"),
    ES_KEY(.name = "dry_reason", .type = ES_TYPE_STRING,
           .required_when = "dry=true", .question = "Why dry?"),
    ES_KEY(.name = "tier", .type = ES_TYPE_INT, .default_value = "1",
           .question = "Which tier?"),
    ES_KEY(.name = "tier_owner", .type = ES_TYPE_STRING,
           .required_when = "tier=3", .question = "Who signs tier 3?"),
    ES_KEY(.name = "token", .type = ES_TYPE_STRING, .flags = ES_KEY_SECRET,
           .question = "Which token?"),
    ES_KEY(.name = "endpoint", .type = ES_TYPE_URL,
           .question = "Which endpoint?"),
    ES_KEYS_END,
};

static const struct es_plugin_descriptor rules_desc = {
    ES_DESCRIPTOR_HEADER,
    .name = "rules",
    .version = "1.0.0",
    .keys = rule_keys,
};

static const struct es_key bad_default_keys[] = {
    ES_KEY(.name = "zone", .type = ES_TYPE_STRING, .format = ES_FORMAT_HOSTNAME,
           .default_value = "*.acme.example", .question = "Which zone?"),
    ES_KEYS_END,
};

static const struct es_plugin_descriptor bad_default_desc = {
    ES_DESCRIPTOR_HEADER,
    .name = "baddefault",
    .version = "1.0.0",
    .keys = bad_default_keys,
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

/* The standard frame around one plugin group (`mailgun` unless told);
 * the body starts on line 6. */
static const char *plugin_file(const char *plugin, const char *body)
{
	static char text[8192];

	snprintf(
	    text, sizeof(text),
	    "customer = { id = \"acme\"; name = \"Acme\"; };\n"
	    "environments = { uat = { a = 1; }; production = { a = 2; }; };\n"
	    "checklist = ( { section = \"4.4\"; title = \"Mail\"; "
	    "plugins = [ \"%s\" ]; } );\n"
	    "plugins = {\n"
	    "%s = {\n"
	    "%s\n"
	    "};\n"
	    "};\n",
	    plugin, plugin, body);
	return write_file("customer.cfg", text, 0644);
}

/* Load the frame around `desc`'s group and bind it for `env`; the
 * config and the diagnostics are the caller's. */
static struct es_config *bind_plugin(const struct es_plugin_descriptor *desc,
                                     const char *body, const char *env,
                                     struct es_diags *d, size_t *problems)
{
	struct es_config *c = es_config_load(plugin_file(desc->name, body), d);

	if (!c || d->count)
		dump(d);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(d->count, 0);
	*problems = es_config_bind(c, env, &desc, 1, d);
	return c;
}

static struct es_config *bind_mailgun(const char *body, const char *env,
                                      struct es_diags *d, size_t *problems)
{
	return bind_plugin(&mail_desc, body, env, d, problems);
}

/* Bind `body` in `desc`'s group and expect exactly one problem at
 * `where` containing `needle`, on `line` (0: do not check). */
static void expect_plugin_error(const struct es_plugin_descriptor *desc,
                                const char *body, const char *where, int line,
                                const char *needle)
{
	struct es_diags d = {0};
	size_t n;
	struct es_config *c = bind_plugin(desc, body, "uat", &d, &n);
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

static void expect_bind_error(const char *body, const char *where, int line,
                              const char *needle)
{
	expect_plugin_error(&mail_desc, body, where, line, needle);
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

/* Between the checks and the parse, the file is swapped for a FIFO
 * with no writer: envsetup parses the text it checked and never opens the
 * FIFO (which would block for ever). */
static void swap_for_fifo(const char *path)
{
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
}

START_TEST(test_file_swapped_after_checks_is_not_read)
{
	struct es_diags d = {0};
	const char *p = plugin_file("mailgun", "domain = \"mail.example\";");
	struct es_config *c;

	es_config_checked_hook = swap_for_fifo;
	c = es_config_load(p, &d);
	es_config_checked_hook = NULL;
	if (d.count)
		dump(&d);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->customer_id, "acme");
	/* Settings still name their file (libconfig names none for a
	 * string), for every diagnostic. */
	ck_assert_str_eq(c->sections[0].file, p);
	es_config_free(c);
	es_diags_clear(&d);
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

/* customer.state_backend: postgresql needs a connection reference and
 * state_key, each refused naming the key and its line. */
START_TEST(test_state_backend)
{
	static const struct {
		const char *customer, *where, *needle;
	} bad[] = {
	    {"state_backend = \"mysql\";", "customer.state_backend",
	     "'mysql' is not a state backend"},
	    {"state_backend = \"postgresql\"; state_key = \"env:K\";",
	     "customer.state_connection", "needs state_connection"},
	    {"state_backend = \"postgresql\"; "
	     "state_connection = \"env:PG\";",
	     "customer.state_key", "needs state_key"},
	    {"state_backend = \"postgresql\"; state_key = \"env:K\"; "
	     "state_connection = \"host=db password=hunter2\";",
	     "customer.state_connection", "the literal value is refused"},
	};
	const char *frame = "environments = { uat = { a = 1; }; };\n"
	                    "checklist = ( );\n";
	struct es_diags d = {0};
	struct es_config *c;
	char text[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
		         "customer = { id = \"a\"; name = \"A\";\n%s };\n%s",
		         bad[i].customer, frame);
		c = es_config_load(write_file("b.cfg", text, 0644), &d);
		ck_assert_msg(find_diag(&d, bad[i].where, bad[i].needle) >= 0,
		              "case %zu: no '%s' at %s", i, bad[i].needle,
		              bad[i].where);
		ck_assert_int_eq(d.items[0].line, 2);
		for (size_t k = 0; k < d.count; k++)
			ck_assert_ptr_null(
			    strstr(d.items[k].message, "hunter2"));
		es_diags_clear(&d);
		es_config_free(c);
	}
	snprintf(text, sizeof(text),
	         "customer = { id = \"a\"; name = \"A\"; state_key = "
	         "\"env:K\"; state_backend = \"postgresql\"; "
	         "state_connection = \"file:pg.conn\"; };\n%s",
	         frame);
	c = es_config_load(write_file("g.cfg", text, 0644), &d);
	ck_assert_uint_eq(d.count, 0);
	ck_assert_str_eq(c->state_backend, "postgresql");
	ck_assert_str_eq(c->state_connection, "file:pg.conn");
	es_config_free(c);
	snprintf(text, sizeof(text),
	         "customer = { id = \"a\"; name = \"A\"; };\n%s", frame);
	c = es_config_load(write_file("f.cfg", text, 0644), &d);
	ck_assert_uint_eq(d.count, 0);
	ck_assert_str_eq(c->state_backend, "file");
	ck_assert_ptr_null(c->state_connection);
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
	                  "mailgun.http_timeout", 6, "too short: at least 1ms");
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
	             {"\"1ms\"", 1}};

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
	                  "mailgun.poll", 6,
	                  "\"99999999999999999999s\" is too long");
	expect_bind_error(OK_KEY " poll = \"106751991168d\";", "mailgun.poll",
	                  6, "\"106751991168d\" is too long");
	/* Zero would silently mean a plugin's default. */
	expect_bind_error(OK_KEY " poll = \"0s\";", "mailgun.poll", 6,
	                  "\"0s\" is too short: at least 1ms");
	/* http_timeout is used at 32 bits of milliseconds. */
	expect_bind_error(OK_KEY " http_timeout = \"4294967296ms\";",
	                  "mailgun.http_timeout", 6,
	                  "\"4294967296ms\" is too long: at most 4294967295ms");
	expect_bind_error(OK_KEY " http_timeout = 4294968;",
	                  "mailgun.http_timeout", 6, "4294968 is too long");
}
END_TEST

/* isolation and the limits of a plugin process (plugin_proxy.h). */
START_TEST(test_isolation_keys)
{
	struct es_diags d = {0};
	size_t n;
	struct es_config *c = bind_mailgun(OK_KEY, "uat", &d, &n);
	struct es_plugin_conf *mg = es_config_plugin(c, "mailgun");

	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(mg->isolation, ES_ISOLATION_DEFAULT);
	ck_assert_int_eq(mg->task_timeout_ms, 0);
	es_config_free(c);
	c = bind_mailgun(OK_KEY " isolation = \"process\"; task_timeout = "
	                        "\"2m\"; memory_limit = 512; cpu_limit = "
	                        "\"1500ms\";",
	                 "uat", &d, &n);
	ck_assert_uint_eq(n, 0);
	mg = es_config_plugin(c, "mailgun");
	ck_assert_int_eq(mg->isolation, ES_ISOLATION_PROCESS);
	ck_assert_int_eq(mg->task_timeout_ms, 120000);
	ck_assert_int_eq(mg->memory_limit_mb, 512);
	ck_assert_int_eq(mg->cpu_limit_s, 2); /* whole seconds, rounded up */
	es_config_free(c);
	c = bind_mailgun(OK_KEY " isolation = \"in-process\";", "uat", &d, &n);
	ck_assert_int_eq(es_config_plugin(c, "mailgun")->isolation,
	                 ES_ISOLATION_IN_PROCESS);
	es_config_free(c);
	expect_bind_error(OK_KEY " isolation = \"thread\";",
	                  "mailgun.isolation", 6, "thread");
	expect_bind_error(OK_KEY " memory_limit = 1;", "mailgun.memory_limit",
	                  6, "out of range");
	expect_bind_error(OK_KEY " cpu_limit = \"10ms\";", "mailgun.cpu_limit",
	                  6, "too short");
}
END_TEST

/* One parser per kind of number, each refusing what is past 64 bits. */
START_TEST(test_number_parsers)
{
	int64_t n = 0;

	ck_assert_int_eq(es_parse_int64("9223372036854775807", &n), 0);
	ck_assert(n == INT64_MAX);
	ck_assert_int_eq(es_parse_int64("-9223372036854775808", &n), 0);
	ck_assert(n == INT64_MIN);
	ck_assert_int_eq(es_parse_int64("9223372036854775808", &n),
	                 ES_NUMBER_RANGE);
	ck_assert_int_eq(es_parse_int64("99999999999999999999", &n),
	                 ES_NUMBER_RANGE);
	ck_assert_int_eq(es_parse_int64("-9223372036854775809", &n),
	                 ES_NUMBER_RANGE);
	ck_assert_int_eq(es_parse_int64("12x", &n), ES_NUMBER_INVALID);
	ck_assert_int_eq(es_parse_int64("", &n), ES_NUMBER_INVALID);
	ck_assert_int_eq(es_parse_int64("-", &n), ES_NUMBER_INVALID);
	ck_assert_int_eq(es_parse_duration_ms("50d", &n), 0);
	ck_assert(n == 4320000000LL);
	ck_assert_int_eq(es_parse_duration_ms("106751991167ms", &n), 0);
	ck_assert_int_eq(es_parse_duration_ms("106751991168d", &n),
	                 ES_NUMBER_RANGE);
	ck_assert_int_eq(es_parse_duration_ms("9223372036854775808ms", &n),
	                 ES_NUMBER_RANGE);
	ck_assert_int_eq(es_parse_duration_ms("5 m", &n), ES_NUMBER_INVALID);
}
END_TEST

/* libconfig reads an integer literal past 64 bits as -1: refused first,
 * with the file, line, key and the number as written. */
static void expect_literal_refused(const char *body, const char *needle)
{
	struct es_diags d = {0};
	struct es_config *c = es_config_load(plugin_file("mailgun", body), &d);
	int i = find_diag(&d, "mailgun.retries", needle);

	if (c || d.count != 1 || i < 0)
		dump(&d);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(d.count, 1);
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(d.items[i].line, 6);
	es_diags_clear(&d);
}

START_TEST(test_integer_literal_past_64_bits)
{
	expect_literal_refused(OK_KEY " retries = 99999999999999999999;",
	                       "99999999999999999999 is out of range");
	expect_literal_refused(OK_KEY " retries = -9223372036854775809;",
	                       "-9223372036854775809 is out of range");
	/* Strings, comments and floats are not integer literals. */
	expect_bind_error(OK_KEY
	                  " # \"99999999999999999999\"\n retries = 1e30;",
	                  "mailgun.retries", 7, "expected an integer");
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
	/* A CR/LF would inject a header where the secret is sent. */
	setenv("ES_TEST_OTHER", "key-0123456789\r\nX-Injected: yes", 1);
	expect_bind_error(body, "mailgun.api_key", 6,
	                  "has a control character (byte 15, 0x0d)");
	setenv("ES_TEST_OTHER", "key-0123456789\x1b[2J", 1);
	expect_bind_error(body, "mailgun.api_key", 6, "(byte 15, 0x1b)");
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

/* ---- schema: formats, patterns, bounds, required_when --------------- */

/* Each of `good` binds cleanly as `key`; each of `bad` is one problem at
 * rules.KEY on line 6 whose message holds its `why`. */
struct text_case {
	const char *value, *why;
};

static void expect_values(const char *key, const char *const *good,
                          size_t n_good, const struct text_case *bad,
                          size_t n_bad)
{
	char body[1024], where[64];

	snprintf(where, sizeof(where), "rules.%s", key);
	for (size_t i = 0; i < n_good; i++) {
		struct es_diags d = {0};
		size_t n;
		struct es_config *c;

		snprintf(body, sizeof(body), "%s = %s;", key, good[i]);
		c = bind_plugin(&rules_desc, body, "uat", &d, &n);
		if (n)
			dump(&d);
		ck_assert_msg(n == 0, "%s refused", good[i]);
		es_config_free(c);
	}
	for (size_t i = 0; i < n_bad; i++) {
		snprintf(body, sizeof(body), "%s = %s;", key, bad[i].value);
		expect_plugin_error(&rules_desc, body, where, 6, bad[i].why);
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_format_hostname)
{
	static const char *const good[] = {
	    "\"mail.acme.example\"",
	    "\"a.b\"",
	    "\"x-1.y--2.example\"",
	    "\"MAIL.Acme.EXAMPLE\"",
	    "\"0-mail.acme.example\"",
	    /* a label of 63 characters */
	    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ".example\"",
	};
	static const struct text_case bad[] = {
	    {"\"not a hostname\"", "'not a hostname' is not a host name"},
	    {"\"localhost\"", "'localhost' is not a host name"},
	    {"\"\"", "'' is not a host name"},
	    {"\"-mail.acme.example\"", "is not a host name"},
	    {"\"mail-.acme.example\"", "is not a host name"},
	    {"\"mail.acme-\"", "is not a host name"},
	    {"\"mail..example\"", "is not a host name"},
	    {"\".acme.example\"", "is not a host name"},
	    {"\"acme.example.\"", "is not a host name"},
	    {"\"*.acme.example\"", "'*.acme.example' is not a host name"},
	    {"\"_dmarc.acme.example\"", "is not a host name"},
	    {"\"1.2.3.4\"", "'1.2.3.4' is not a host name"},
	    {"\"https://acme.example\"", "is not a host name"},
	    /* a label of 64 characters */
	    {"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     "a.example\"",
	     "is not a host name"},
	    {"42", "expected a string"},
	};
	char long_name[300], good_253[300], bad_254[300];
	const char *const good_long[] = {good_253};
	const struct text_case bad_long[] = {{bad_254, "is not a host name"}};

	expect_values("host", good, N(good), bad, N(bad));
	/* 253 characters in all is the most: 63 + 1 + 63 + 1 + 63 + 1 + 61. */
	memset(long_name, 'a', sizeof(long_name));
	long_name[63] = long_name[127] = long_name[191] = '.';
	snprintf(good_253, sizeof(good_253), "\"%.253s\"", long_name);
	snprintf(bad_254, sizeof(bad_254), "\"%.254s\"", long_name);
	expect_values("host", good_long, 1, bad_long, 1);
}
END_TEST

START_TEST(test_format_email)
{
	static const char *const good[] = {
	    "\"ops@acme.example\"",
	    "\"first.last+tag@mail.acme.example\"",
	    "\"O'Neil@ACME.example\"",
	};
	static const struct text_case bad[] = {
	    {"\"ops\"", "'ops' is not an e-mail address"},
	    {"\"@acme.example\"", "is not an e-mail address"},
	    {"\"ops@\"", "is not an e-mail address"},
	    {"\"o ps@acme.example\"", "is not an e-mail address"},
	    {"\"ops@localhost\"", "is not an e-mail address"},
	    {"\"ops@@acme.example\"", "is not an e-mail address"},
	    {"\"a@b@acme.example\"", "is not an e-mail address"},
	    {"\"ops@*.acme.example\"", "is not an e-mail address"},
	    /* a local part of 65 characters */
	    {"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     "aa"
	     "@acme.example\"",
	     "is not an e-mail address"},
	};

	expect_values("contact", good, N(good), bad, N(bad));
}
END_TEST

START_TEST(test_format_guid)
{
	static const char *const good[] = {
	    "\"0f8fad5b-d9cb-469f-a165-70867728950e\"",
	    "\"0F8FAD5B-D9CB-469F-A165-70867728950E\"",
	    "\"00000000-0000-0000-0000-000000000000\"",
	};
	static const struct text_case bad[] = {
	    {"\"0f8fad5bd9cb469fa16570867728950e\"",
	     "'0f8fad5bd9cb469fa16570867728950e' is not a GUID (8-4-4-4-12 "
	     "hex digits)"},
	    {"\"{0f8fad5b-d9cb-469f-a165-70867728950e}\"", "is not a GUID"},
	    {"\"0f8fad5b-d9cb-469f-a165-70867728950g\"", "is not a GUID"},
	    {"\"0f8fad5b-d9cb-469f-a165-70867728950\"", "is not a GUID"},
	    {"\"0f8fad5b-d9cb-469f-a165-70867728950e0\"", "is not a GUID"},
	    {"\"0f8fad5b-d9cb-469fa-165-70867728950e\"", "is not a GUID"},
	};

	expect_values("tenant", good, N(good), bad, N(bad));
}
END_TEST

START_TEST(test_format_list_items)
{
	static const char *const good[] = {
	    "[ \"a.example\", \"www.acme.example\" ]",
	    "[ ]",
	};
	static const struct text_case bad[] = {
	    {"[ \"a.example\", \"not a host\" ]",
	     "item 2: 'not a host' is not a host name"},
	    {"[ \"*.acme.example\" ]",
	     "item 1: '*.acme.example' is not a host name"},
	};
	static const char *const good_tags[] = {"[ \"ops\", \"mail\" ]"};
	static const struct text_case bad_tags[] = {
	    {"[ \"ops\", \"Mail\" ]",
	     "item 2: 'Mail' does not match the pattern ^[a-z]+$"},
	};

	expect_values("aliases", good, N(good), bad, N(bad));
	expect_values("tags", good_tags, N(good_tags), bad_tags, N(bad_tags));
}
END_TEST

START_TEST(test_pattern)
{
	static const char *const good[] = {"\"acme\"", "\"acme-1\"", "\"a\""};
	static const struct text_case bad[] = {
	    {"\"Acme\"", "'Acme' does not match the pattern ^[a-z][a-z0-9-]*$"},
	    {"\"acme_1\"", "does not match the pattern"},
	    {"\"1acme\"", "does not match the pattern"},
	    /* anchored: a match inside the value is not enough */
	    {"\"x acme\"", "does not match the pattern"},
	    {"\"\"", "does not match the pattern"},
	};

	expect_values("slug", good, N(good), bad, N(bad));
}
END_TEST

START_TEST(test_bounds_min_only_max_only)
{
	static const char *const good_workers[] = {"1", "2", "1000000000"};
	static const struct text_case bad_workers[] = {
	    {"0", "0 is too small: the minimum is 1"},
	    {"-5", "-5 is too small: the minimum is 1"},
	};
	static const char *const good_quota[] = {"100", "0", "-1000000"};
	static const struct text_case bad_quota[] = {
	    {"101", "101 is too large: the maximum is 100"},
	};

	expect_values("workers", good_workers, N(good_workers), bad_workers,
	              N(bad_workers));
	expect_values("quota", good_quota, N(good_quota), bad_quota,
	              N(bad_quota));
	/* Both bounds keep the range message; the core's own keys too. */
	expect_bind_error(OK_KEY " retries = -1;", "mailgun.retries", 6,
	                  "-1 is out of range [0, 10]");
	expect_bind_error(OK_KEY " rate_limit_per_min = 1000001;",
	                  "mailgun.rate_limit_per_min", 6,
	                  "out of range [0, 1000000]");
	expect_bind_error(OK_KEY " max_concurrency = 1025;",
	                  "mailgun.max_concurrency", 6,
	                  "out of range [1, 1024]");
}
END_TEST

START_TEST(test_format_checked_in_overrides_and_defaults)
{
	struct es_diags d = {0};
	size_t n;
	struct es_config *c;

	expect_plugin_error(&rules_desc,
	                    "host = \"a.example\";\n"
	                    "environments = { production = { host = \"bad\"; "
	                    "}; };",
	                    "rules.environments.production.host", 7,
	                    "'bad' is not a host name");
	c = bind_plugin(&bad_default_desc, "", "uat", &d, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_ge(find_diag(&d, "baddefault.zone",
	                           "the plugin's default is invalid: "
	                           "'*.acme.example' is not a host name"),
	                 0);
	es_diags_clear(&d);
	es_config_free(c);
}
END_TEST

/* Bind `body` for `env` and return whether `key` is unanswered; no
 * problem may be reported. */
static int unanswered_after(const char *body, const char *env, const char *key)
{
	struct es_diags d = {0};
	size_t n;
	struct es_config *c = bind_plugin(&rules_desc, body, env, &d, &n);
	int r;

	if (n)
		dump(&d);
	ck_assert_uint_eq(n, 0);
	r = es_config_unanswered(es_config_plugin(c, "rules"), key);
	es_config_free(c);
	return r;
}

START_TEST(test_required_when)
{
	const char *per_env =
	    "owner = \"ops\";\n"
	    "environments = { uat = { mode = \"adopt\"; }; };";

	/* The trigger unset, or by its default, with another value. */
	ck_assert_int_eq(
	    unanswered_after("owner = \"ops\";", "uat", "account_id"), 0);
	ck_assert_int_eq(unanswered_after("", "uat", "dry_reason"), 0);
	ck_assert_int_eq(unanswered_after("", "uat", "tier_owner"), 0);
	/* The trigger's default holds: mode is "create" unless told. */
	ck_assert_int_eq(unanswered_after("", "uat", "owner"), 1);
	ck_assert_int_eq(unanswered_after("owner = \"ops\";", "uat", "owner"),
	                 0);
	/* The trigger set: string (enum), bool and int values. */
	ck_assert_int_eq(
	    unanswered_after("mode = \"adopt\";", "uat", "account_id"), 1);
	ck_assert_int_eq(unanswered_after("mode = \"adopt\";", "uat", "owner"),
	                 0);
	ck_assert_int_eq(unanswered_after("mode = \"adopt\"; "
	                                  "account_id = \"123456789012\";",
	                                  "uat", "account_id"),
	                 0);
	ck_assert_int_eq(unanswered_after("dry = true;", "uat", "dry_reason"),
	                 1);
	ck_assert_int_eq(unanswered_after("dry = true; dry_reason = \"test\";",
	                                  "uat", "dry_reason"),
	                 0);
	ck_assert_int_eq(unanswered_after("tier = 3;", "uat", "tier_owner"), 1);
	ck_assert_int_eq(unanswered_after("tier = 2;", "uat", "tier_owner"), 0);
	/* A per-environment override of the trigger counts for its
	 * environment only. */
	ck_assert_int_eq(unanswered_after(per_env, "uat", "account_id"), 1);
	ck_assert_int_eq(unanswered_after(per_env, "production", "account_id"),
	                 0);
	/* A disabled plugin asks nothing. */
	ck_assert_int_eq(unanswered_after("enabled = false; mode = \"adopt\";",
	                                  "uat", "account_id"),
	                 0);
}
END_TEST

START_TEST(test_required_when_direct)
{
	struct es_diags d = {0};
	size_t n;
	struct es_config *c =
	    bind_plugin(&rules_desc, "mode = \"adopt\";", "uat", &d, &n);
	struct es_plugin_conf *pc = es_config_plugin(c, "rules");

	ck_assert_int_eq(
	    es_config_required(pc, es_config_value(pc, "account_id")), 1);
	ck_assert_int_eq(es_config_required(pc, es_config_value(pc, "owner")),
	                 0);
	ck_assert_int_eq(es_config_required(pc, es_config_value(pc, "host")),
	                 0);
	ck_assert_int_eq(es_config_required(pc, NULL), 0);
	es_config_free(c);
	c = bind_mailgun(OK_KEY, "uat", &d, &n);
	pc = es_config_plugin(c, "mailgun");
	ck_assert_int_eq(es_config_required(pc, es_config_value(pc, "domain")),
	                 1);
	es_config_free(c);
}
END_TEST

/* ---- schema checks the loader runs on each key ------------------------ */

static const struct es_key *rule_key(const char *name)
{
	for (size_t i = 0; rule_keys[i].name; i++)
		if (strcmp(rule_keys[i].name, name) == 0)
			return &rule_keys[i];
	ck_abort_msg("no rule key %s", name);
	return NULL;
}

/* `k` checked among rules' trigger keys (mode, account_id, dry, tier,
 * token, endpoint): NULL when accepted, else the reason. */
static const char *schema_problem(const struct es_key *k)
{
	static char err[512];
	const struct es_key *keys[] = {rule_key("mode"),
	                               rule_key("account_id"),
	                               rule_key("dry"),
	                               rule_key("tier"),
	                               rule_key("token"),
	                               rule_key("endpoint"),
	                               k};

	err[0] = '\0';
	if (es_key_schema_check(k, keys, N(keys), err, sizeof(err)) == 0)
		return NULL;
	ck_assert_str_ne(err, "");
	return err;
}

START_TEST(test_schema_checks)
{
	static const struct {
		struct es_key key;
		const char *why; /* NULL: accepted */
	} cases[] = {
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING, .pattern = "^(a|b)$"),
	     NULL},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING,
	            .pattern = "^[[:alpha:]]+[]a-]*\\$x$"),
	     NULL},
	    {ES_KEY(.name = "k", .type = ES_TYPE_LIST,
	            .format = ES_FORMAT_EMAIL),
	     NULL},
	    {ES_KEY(.name = "k", .type = ES_TYPE_INT, .flags = ES_KEY_MIN,
	            .min = 5),
	     NULL},
	    {ES_KEY(.name = "k", .type = ES_TYPE_INT,
	            .flags = ES_KEY_MIN | ES_KEY_MAX, .min = 5, .max = 5),
	     NULL},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING,
	            .required_when = "mode=adopt"),
	     NULL},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING,
	            .required_when = "dry=TRUE"),
	     NULL},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING,
	            .required_when = "tier=-3"),
	     NULL},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING,
	            .required_when = "account_id="),
	     NULL},
	    {ES_KEY(.name = "k", .type = ES_TYPE_PATH,
	            .format = ES_FORMAT_TEMPLATES_DIR),
	     NULL},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING,
	            .format = ES_FORMAT_TEMPLATES_DIR),
	     "has format templates_dir, which only path keys take"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_PATH,
	            .format = ES_FORMAT_HOSTNAME),
	     "has format templates_dir, which only path keys take"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_PATH,
	            .format = ES_FORMAT_TEMPLATES_DIR, .pattern = "^a$"),
	     "is a templates directory with a pattern"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING, .pattern = "^[a-z$"),
	     "key 'k' has a pattern that does not compile"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING, .pattern = "^(a$"),
	     "does not compile"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING, .pattern = "[a-z]+$"),
	     "key 'k' has a pattern that must start with ^"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING, .pattern = "^[a-z]+"),
	     "must end with $"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING, .pattern = "^a\\$"),
	     "must end with $"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING, .pattern = "^a[$]"),
	     "must end with $"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING, .pattern = "^a|b$"),
	     "'|' outside parentheses"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING, .pattern = ""),
	     "must start with ^"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_INT,
	            .format = ES_FORMAT_HOSTNAME),
	     "only string and list keys that are not secret take"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_ENUM, .pattern = "^a$"),
	     "only string and list keys"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING, .flags = ES_KEY_SECRET,
	            .pattern = "^key-[0-9a-f]+$"),
	     "that are not secret"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING,
	            .format = (enum es_format)9),
	     "has an unknown format"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_INT, .min = 1, .max = 10),
	     "sets .min without its flag"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_INT, .flags = ES_KEY_MIN,
	            .min = 1, .max = 10),
	     "sets .max without its flag"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING, .flags = ES_KEY_MAX,
	            .max = 10),
	     "has ES_KEY_MIN/ES_KEY_MAX but is not an int"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_INT,
	            .flags = ES_KEY_MIN | ES_KEY_MAX, .min = 10, .max = 1),
	     "has min above max"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING,
	            .required_when = "mode"),
	     "write \"other_key=value\""},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING, .required_when = "=x"),
	     "write \"other_key=value\""},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING,
	            .required_when = "nope=1"),
	     "naming 'nope', not another key of this plugin"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING,
	            .required_when = "k=1"),
	     "not another key of this plugin"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING,
	            .required_when = "mode=adoptt"),
	     "'adoptt', not one of the allowed values"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING,
	            .required_when = "dry=yes"),
	     "a bool key is true or false"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING,
	            .required_when = "tier=three"),
	     "not an integer"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING,
	            .required_when = "token=x"),
	     "a secret key"},
	    {ES_KEY(.name = "k", .type = ES_TYPE_STRING,
	            .required_when = "endpoint=https://x.example"),
	     "name a string, enum, bool or int key"},
	};

	for (size_t i = 0; i < N(cases); i++) {
		const char *got = schema_problem(&cases[i].key);

		if (!cases[i].why) {
			ck_assert_msg(got == NULL, "case %zu refused: %s", i,
			              got);
			continue;
		}
		ck_assert_msg(got && strstr(got, cases[i].why),
		              "case %zu: want '%s', got '%s'", i, cases[i].why,
		              got ? got : "(accepted)");
	}
	/* Every key of the test schemas passes. */
	for (size_t i = 0; rule_keys[i].name; i++) {
		const struct es_key *all[N(rule_keys)];
		char err[256] = "";

		for (size_t j = 0; j + 1 < N(rule_keys); j++)
			all[j] = &rule_keys[j];
		ck_assert_msg(es_key_schema_check(&rule_keys[i], all,
		                                  N(rule_keys) - 1, err,
		                                  sizeof(err)) == 0,
		              "%s", err);
	}
	for (size_t i = 0; mail_keys[i].name; i++)
		ck_assert_ptr_null(schema_problem(&mail_keys[i]));
}
END_TEST

START_TEST(test_format_names)
{
	ck_assert_str_eq(es_format_name(ES_FORMAT_HOSTNAME), "hostname");
	ck_assert_str_eq(es_format_name(ES_FORMAT_EMAIL), "email");
	ck_assert_str_eq(es_format_name(ES_FORMAT_GUID), "guid");
	ck_assert_ptr_null(es_format_name((enum es_format)42));
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
	tcase_add_test(t, test_file_swapped_after_checks_is_not_read);
	tcase_add_test(t, test_structure_errors_all_reported);
	tcase_add_test(t, test_missing_top_groups);
	tcase_add_test(t, test_state_dir_relative_and_absolute);
	tcase_add_test(t, test_state_backend);
	tcase_add_test(t, test_unknown_key_suggestion);
	tcase_add_test(t, test_type_errors);
	tcase_add_test(t, test_durations);
	tcase_add_test(t, test_isolation_keys);
	tcase_add_test(t, test_number_parsers);
	tcase_add_test(t, test_integer_literal_past_64_bits);
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
	tcase_add_test(t, test_format_hostname);
	tcase_add_test(t, test_format_email);
	tcase_add_test(t, test_format_guid);
	tcase_add_test(t, test_format_list_items);
	tcase_add_test(t, test_pattern);
	tcase_add_test(t, test_bounds_min_only_max_only);
	tcase_add_test(t, test_format_checked_in_overrides_and_defaults);
	tcase_add_test(t, test_required_when);
	tcase_add_test(t, test_required_when_direct);
	tcase_add_test(t, test_schema_checks);
	tcase_add_test(t, test_format_names);
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
