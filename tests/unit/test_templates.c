/*
 * The shared template directory reader (core/templates.h): the format,
 * every problem reported with its file and line, files that must not be
 * read (a FIFO, links out of the directory), the required names, and the
 * fourteen platform templates shipped in etc/templates/platform.
 *
 * Check runs each test in a child with a time limit, so a reader that
 * blocked on a FIFO fails the test instead of hanging the suite.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "templates.h"

static char dir[512];
static char seen[16384]; /* every report, "file:line: message\n" */

static void collect(void *arg, const char *file, int line, const char *msg)
{
	size_t n = strlen(seen);

	(void)arg;
	snprintf(seen + n, sizeof(seen) - n, "%s:%d: %s\n", file, line, msg);
}

static void put(const char *rel, const char *text)
{
	char path[1024], *slash;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	mkdir(path, 0755);
	*slash = '/';
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* A valid template `name` using {{first_name}} and {{link}}. */
static void good(const char *name)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "%s/template.cfg", name);
	put(rel, "subject = \"Hello {{first_name}}\";\n"
	         "description = \"A greeting\";\n"
	         "variables = [ \"first_name\", \"link\" ];\n");
	snprintf(rel, sizeof(rel), "%s/body.html", name);
	put(rel, "<p>Hi {{first_name}},</p>\n<a href=\"{{link}}\">go</a>\n");
	snprintf(rel, sizeof(rel), "%s/body.txt", name);
	put(rel, "Hi {{first_name}}, go to {{link}}\n");
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test_templates.XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	seen[0] = '\0';
}

static void teardown(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct es_template_set *load(const char *const *req, size_t n_req,
                                    size_t *problems)
{
	return es_templates_load(dir, req, n_req, collect, NULL, problems);
}

static void expect_seen(const char *text)
{
	ck_assert_msg(strstr(seen, text), "no \"%s\" in:\n%s", text, seen);
}

START_TEST(reads_a_template)
{
	size_t problems = 99;
	struct es_template_set *s;
	const struct es_template *t;

	good("welcome");
	good("another");
	s = load(NULL, 0, &problems);
	ck_assert_msg(s != NULL, "%s", seen);
	ck_assert_uint_eq(problems, 0);
	ck_assert_uint_eq(es_templates_count(s), 2);
	ck_assert_str_eq(es_templates_get(s, 0)->name, "another");
	t = es_templates_get(s, 1);
	ck_assert_str_eq(t->name, "welcome");
	ck_assert_str_eq(t->subject, "Hello {{first_name}}");
	ck_assert_str_eq(t->description, "A greeting");
	ck_assert_ptr_nonnull(strstr(t->html, "href=\"{{link}}\""));
	ck_assert_str_eq(t->text, "Hi {{first_name}}, go to {{link}}\n");
	ck_assert_uint_eq(t->n_variables, 2);
	ck_assert_str_eq(t->variables[1], "link");
	ck_assert_ptr_null(t->variables[2]);
	ck_assert_uint_eq(strlen(t->digest), 64);
	ck_assert_ptr_null(es_templates_get(s, 2));
	es_templates_free(s);
}
END_TEST

START_TEST(digest_follows_every_part)
{
	size_t problems;
	struct es_template_set *s;
	char before[65];

	good("welcome");
	s = load(NULL, 0, &problems);
	ck_assert_ptr_nonnull(s);
	strcpy(before, es_templates_get(s, 0)->digest);
	es_templates_free(s);
	put("welcome/template.cfg",
	    "subject = \"Hi {{first_name}}\";\n"
	    "variables = [ \"first_name\", \"link\" ];\n");
	s = load(NULL, 0, &problems);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_ne(es_templates_get(s, 0)->digest, before);
	ck_assert_ptr_null(es_templates_get(s, 0)->description);
	es_templates_free(s);
}
END_TEST

START_TEST(text_body_is_optional)
{
	char path[1024];
	size_t problems;
	struct es_template_set *s;

	good("welcome");
	snprintf(path, sizeof(path), "%s/welcome/body.txt", dir);
	ck_assert_int_eq(unlink(path), 0);
	s = load(NULL, 0, &problems);
	ck_assert_msg(s != NULL, "%s", seen);
	ck_assert_ptr_null(es_templates_get(s, 0)->text);
	es_templates_free(s);
}
END_TEST

START_TEST(undeclared_variable_names_file_and_line)
{
	size_t problems;

	good("welcome");
	put("welcome/body.html", "<p>Hi {{first_name}},</p>\n\n"
	                         "<p>{{frist_name}}</p>\n");
	ck_assert_ptr_null(load(NULL, 0, &problems));
	ck_assert_uint_eq(problems, 1);
	expect_seen("/welcome/body.html:3: {{frist_name}} uses 'frist_name', "
	            "which template.cfg does not declare in variables");
}
END_TEST

START_TEST(subject_variables_are_checked_at_their_line)
{
	size_t problems;

	good("welcome");
	put("welcome/template.cfg",
	    "# a comment\n"
	    "variables = [ \"first_name\", \"link\" ];\n"
	    "subject = \"Hi {{name}}\";\n");
	ck_assert_ptr_null(load(NULL, 0, &problems));
	expect_seen("/welcome/template.cfg:3: {{name}} uses 'name'");
}
END_TEST

START_TEST(handlebars_forms)
{
	size_t problems;
	struct es_template_set *s;

	good("welcome");
	put("welcome/body.html",
	    "{{! a comment with {{braces}} }}{{!-- long }} --}}"
	    "{{#if link}}<a href=\"{{{link}}}\">x</a>{{else}}none{{/if}}"
	    "{{#each first_name}}{{this}} {{@index}}{{/each}}"
	    "{{~first_name~}} {{lower first_name \"x\" 3}}"
	    "{{#unless link}}{{else if first_name}}{{/unless}}");
	s = load(NULL, 0, &problems);
	ck_assert_msg(s != NULL, "%s", seen);
	es_templates_free(s);

	put("welcome/body.html", "{{#if nope}}x{{/if}} {{> partial}} {{}} "
	                         "{{first_name");
	ck_assert_ptr_null(load(NULL, 0, &problems));
	expect_seen("{{#if nope}} uses 'nope'");
	expect_seen("{{> partial}}: partials are not supported");
	expect_seen("{{}}: an empty expression");
	expect_seen("{{ is not closed by }}");
	ck_assert_uint_eq(problems, 4);
}
END_TEST

START_TEST(unparsable_template_cfg_gives_the_line)
{
	size_t problems;

	good("welcome");
	put("welcome/template.cfg", "subject = \"Hi\";\n"
	                            "variables = [ \"first_name\" \n"
	                            "description = 3;\n");
	ck_assert_ptr_null(load(NULL, 0, &problems));
	expect_seen("/welcome/template.cfg:3: syntax error");
}
END_TEST

START_TEST(template_cfg_content_is_checked)
{
	size_t problems;

	good("welcome");
	put("welcome/template.cfg",
	    "subjet = \"Hi\";\n"
	    "variables = [ \"first_name\", \"link\", \"9lives\", "
	    "\"link\" ];\n"
	    "description = 3;\n");
	ck_assert_ptr_null(load(NULL, 0, &problems));
	expect_seen("template.cfg:1: unknown setting: template.cfg takes "
	            "subject, description and variables");
	expect_seen("template.cfg:2: variables: item 3 is not a variable name");
	expect_seen("template.cfg:2: variables: item 4 is declared twice");
	expect_seen("template.cfg:3: description must be a string");
	expect_seen("template.cfg:0: has no subject");
}
END_TEST

START_TEST(include_is_refused)
{
	size_t problems;

	good("welcome");
	put("welcome/template.cfg", "subject = \"Hi\";\n"
	                            "@include \"/etc/passwd\"\n");
	ck_assert_ptr_null(load(NULL, 0, &problems));
	expect_seen("template.cfg:2: @include is not allowed");
}
END_TEST

START_TEST(fifo_is_refused_without_blocking)
{
	char path[1024];
	size_t problems;

	good("welcome");
	snprintf(path, sizeof(path), "%s/welcome/body.html", dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	ck_assert_ptr_null(load(NULL, 0, &problems));
	expect_seen("/welcome/body.html:0: is not a regular file");
}
END_TEST

START_TEST(links_out_are_refused)
{
	char path[1024], target[1024];
	size_t problems;

	good("welcome");
	snprintf(path, sizeof(path), "%s/welcome/body.txt", dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(symlink("/etc/passwd", path), 0);
	good("real");
	snprintf(target, sizeof(target), "%s/real", dir);
	snprintf(path, sizeof(path), "%s/linked", dir);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_ptr_null(load(NULL, 0, &problems));
	expect_seen("/welcome/body.txt:0: is a symbolic link");
	expect_seen("/linked:0: not a folder (or a symbolic link)");
	ck_assert_ptr_null(strstr(seen, "root:"));
	ck_assert_uint_eq(problems, 2);
}
END_TEST

START_TEST(layout_problems)
{
	size_t problems;

	good("welcome");
	put("welcome/body.htm", "typo");
	put("Bad Name/body.html", "x");
	put("old.html", "<p>the old layout</p>");
	put("empty/template.cfg", "subject = \"x\";");
	put("empty/body.html", " \n");
	put("binary/template.cfg", "subject = \"x\";");
	put("binary/body.html", "caf\xe9");
	ck_assert_ptr_null(load(NULL, 0, &problems));
	expect_seen("/welcome:0: holds 'body.htm'");
	expect_seen("'Bad Name' is no template name");
	expect_seen("/old.html:0: not a folder");
	expect_seen("/empty/body.html:0: is empty");
	expect_seen("/binary/body.html:0: is not UTF-8 text");
	ck_assert_uint_eq(problems, 5);
}
END_TEST

START_TEST(missing_directory)
{
	size_t problems;

	strcat(dir, "/nope");
	ck_assert_ptr_null(load(NULL, 0, &problems));
	expect_seen("/nope:0: is not a readable directory");
	*strrchr(dir, '/') = '\0';
}
END_TEST

START_TEST(required_templates)
{
	const char *const req[] = {"welcome", "goodbye", "platform"};
	size_t problems;

	good("welcome");
	good("password-change");
	/* There but broken: reported for what is wrong, not as missing. */
	put("email-change/body.html", "<p>x</p>");
	ck_assert_ptr_null(load(req, 3, &problems));
	expect_seen(":0: has no template 'goodbye' (listed in templates)");
	expect_seen("has no template 'confirmation-instructions' (the "
	            "platform sends it)");
	expect_seen("/email-change/template.cfg:0: is missing");
	ck_assert_ptr_null(strstr(seen, "'password-change'"));
	ck_assert_ptr_null(strstr(seen, "'email-change'"));
	ck_assert_uint_eq(problems, 1 + 12 + 1);
}
END_TEST

START_TEST(shipped_platform_templates)
{
	const char *const req[] = {"platform"};
	const char *data = getenv("ES_TEST_DATA");
	size_t problems, n = 0;
	struct es_template_set *s;

	ck_assert_ptr_nonnull(data);
	ck_assert_int_eq(rmdir(dir), 0);
	snprintf(dir, sizeof(dir), "%s/../../etc/templates/platform", data);
	s = load(req, 1, &problems);
	ck_assert_msg(s != NULL, "%s", seen);
	while (es_platform_templates[n])
		n++;
	ck_assert_uint_eq(n, 14);
	ck_assert_uint_eq(es_templates_count(s), 14);
	for (size_t i = 0; i < 14; i++)
		ck_assert_ptr_nonnull(es_templates_get(s, i)->text);
	es_templates_free(s);
	dir[0] = '\0';
}
END_TEST

static void teardown_maybe(void)
{
	if (dir[0] && strstr(dir, "test_templates."))
		teardown();
}

int main(void)
{
	const TTest *tests[] = {
	    reads_a_template,
	    digest_follows_every_part,
	    text_body_is_optional,
	    undeclared_variable_names_file_and_line,
	    subject_variables_are_checked_at_their_line,
	    handlebars_forms,
	    unparsable_template_cfg_gives_the_line,
	    template_cfg_content_is_checked,
	    include_is_refused,
	    fifo_is_refused_without_blocking,
	    links_out_are_refused,
	    layout_problems,
	    missing_directory,
	    required_templates,
	    shipped_platform_templates,
	};
	Suite *s = suite_create("templates");
	TCase *tc = tcase_create("templates");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown_maybe);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
