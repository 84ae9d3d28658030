/*
 * The shared checklist: a customer file's checklist_file, answers, changes,
 * drop list and choices (config_checklist.c, config_choices.c). Each test
 * writes a small shared checklist and customer file into a temporary
 * directory and loads them the way `envsetup check` does.
 */
#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "log.h"

/* Two sections; section 1 runs "cloud-a" or "cloud-b" as `host` says, or
 * keeps the gate "racks" (on premise). `wait_all` waits on all three. */
static const char shared_text[] =
    "# shared\n"                                                     /* 1 */
    "checklist = (\n"                                                /* 2 */
    "  { section = \"1\"; title = \"Infra\";\n"                      /* 3 */
    "    plugins = [ \"cloud-a\", \"cloud-b\" ];\n"                  /* 4 */
    "    elements = (\n"                                             /* 5 */
    "      { id = \"host\"; question = \"A, B or on premise?\";\n"   /* 6 */
    "        choices = ( { answer = \"A\"; plugins = [ \"cloud-a\" " /* 7 */
    "]; },\n"
    "          { answer = [ \"B\", \"bee\" ]; plugins = [ \"cloud-b\" "
    "]; },\n" /* 8 */
    "          { answer = \"on premise\"; manual = [ \"racks\" ]; } "
    "); },\n"                                                     /* 9 */
    "      { id = \"users\"; question = \"Which users?\"; } );\n" /* 10 */
    "    manual = (\n"                                            /* 11 */
    "      { id = \"racks\"; title = \"Racks\"; question = \"Racked?\"; "
    "owner = \"IT\"; },\n" /* 12 */
    "      { id = \"vpn\"; title = \"VPN\"; question = \"VPN?\"; owner = "
    "\"IT\"; } ); },\n"                         /* 13 */
    "  { section = \"2\"; title = \"Stack\";\n" /* 14 */
    "    elements = ( { id = \"tenants\"; question = \"Tenants?\"; } "
    ");\n" /* 15 */
    "    manual = ( { id = \"wait_all\"; title = \"Deploy\"; question = "
    "\"Deployed?\";\n" /* 16 */
    "      depends_on = [ \"cloud-a:users\", \"cloud-b:users\", "
    "\"checklist:racks\", \"checklist:vpn\" ]; } ); }\n" /* 17 */
    ");\n";

static char tmpdir[64];
static char shared_path[PATH_MAX], customer_path[PATH_MAX];
static struct es_diags diags;
static struct es_config *cfg;

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	char dir[PATH_MAX];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/es-test-checklist-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(dir, sizeof(dir), "%s/checklists", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(dir, sizeof(dir), "%s/customers", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(shared_path, sizeof(shared_path), "%s/checklists/shared.cfg",
	         tmpdir);
	snprintf(customer_path, sizeof(customer_path), "%s/customers/c.cfg",
	         tmpdir);
	write_text(shared_path, shared_text);
	memset(&diags, 0, sizeof(diags));
	cfg = NULL;
}

static void teardown(void)
{
	es_config_free(cfg);
	es_diags_clear(&diags);
	nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	es_redact_clear();
}

/* Load a customer file: the common head, then `rest`. */
static void load(const char *rest)
{
	char text[8192];

	snprintf(text, sizeof(text),
	         "checklist_file = \"../checklists/shared.cfg\";\n"
	         "customer = { id = \"c\"; name = \"C\"; };\n"
	         "environments = { uat = { }; };\n"
	         "%s",
	         rest);
	write_text(customer_path, text);
	cfg = es_config_load(customer_path, &diags);
}

/* The diagnostic whose file ends with `file`, at `line` (0: any), with
 * `where` (NULL: any) and `text` in its message; fails when none. */
static void expect_diag(const char *file, int line, const char *where,
                        const char *text)
{
	for (size_t i = 0; i < diags.count; i++) {
		const struct es_diag_entry *e = &diags.items[i];
		size_t fl = e->file ? strlen(e->file) : 0;

		if (fl < strlen(file) ||
		    strcmp(e->file + fl - strlen(file), file) != 0)
			continue;
		if ((line && e->line != line) ||
		    (where && (!e->where || strcmp(e->where, where) != 0)))
			continue;
		if (strstr(e->message, text))
			return;
	}
	es_diags_print(&diags, stderr);
	ck_abort_msg("no diagnostic %s:%d: %s: ...%s...", file, line,
	             where ? where : "", text);
}

static const struct es_section *section(const char *id)
{
	for (size_t i = 0; cfg && i < cfg->n_sections; i++)
		if (strcmp(cfg->sections[i].id, id) == 0)
			return &cfg->sections[i];
	ck_abort_msg("no section %s", id);
	return NULL;
}

static const struct es_manual_item *item(const char *id)
{
	for (size_t s = 0; cfg && s < cfg->n_sections; s++) {
		const struct es_section *sec = &cfg->sections[s];

		for (size_t i = 0; i < sec->n_elements; i++)
			if (strcmp(sec->elements[i].id, id) == 0)
				return &sec->elements[i];
		for (size_t i = 0; i < sec->n_manual; i++)
			if (strcmp(sec->manual[i].id, id) == 0)
				return &sec->manual[i];
	}
	return NULL;
}

static int depends(const char *id, const char *dep)
{
	const struct es_manual_item *it = item(id);

	for (char **d = it ? it->depends_on : NULL; d && *d; d++)
		if (strcmp(*d, dep) == 0)
			return 1;
	return 0;
}

/* ---- tests ---------------------------------------------------------- */

START_TEST(test_answer_picks_plugin_and_prunes)
{
	load("answers = { host = \"A, new account\"; users = \"ann\"; };\n"
	     "plugins = { cloud-a = { }; cloud-b = { }; };\n");
	ck_assert_uint_eq(diags.count, 0);
	ck_assert_uint_eq(section("1")->n_plugins, 1);
	ck_assert_str_eq(section("1")->plugins[0], "cloud-a");
	ck_assert_int_eq(es_config_plugin(cfg, "cloud-a")->enabled, 1);
	/* A group the answer does not run is kept, type-checked, off. */
	ck_assert_int_eq(es_config_plugin(cfg, "cloud-b")->enabled, 0);
	ck_assert_ptr_null(item("racks"));
	ck_assert(depends("wait_all", "cloud-a:users"));
	ck_assert(!depends("wait_all", "cloud-b:users"));
	ck_assert(!depends("wait_all", "checklist:racks"));
	ck_assert(depends("wait_all", "checklist:vpn"));
	ck_assert_str_eq(item("users")->answer, "ann");
	ck_assert(strstr(item("users")->answer_file, "customers/c.cfg"));
	ck_assert_int_eq(item("users")->answer_line, 4);
}
END_TEST

START_TEST(test_on_premise_keeps_gates_only)
{
	load("answers = { host = \"On Premise\"; };\nplugins = { };\n");
	ck_assert_uint_eq(diags.count, 0);
	ck_assert_uint_eq(section("1")->n_plugins, 0);
	ck_assert_ptr_nonnull(item("racks"));
	ck_assert(depends("wait_all", "checklist:racks"));
	ck_assert(!depends("wait_all", "cloud-a:users"));
	ck_assert(!depends("wait_all", "cloud-b:users"));
}
END_TEST

START_TEST(test_unanswered_runs_groups_present)
{
	load("plugins = { cloud-b = { }; };\n");
	ck_assert_uint_eq(diags.count, 0);
	ck_assert_uint_eq(section("1")->n_plugins, 1);
	ck_assert_str_eq(section("1")->plugins[0], "cloud-b");
	ck_assert_ptr_nonnull(item("racks"));
	ck_assert(depends("wait_all", "cloud-b:users"));
	ck_assert(!depends("wait_all", "cloud-a:users"));
	ck_assert(depends("wait_all", "checklist:racks"));
}
END_TEST

START_TEST(test_disagreements_are_errors_at_their_line)
{
	load("answers = { host = \"bee\"; };\n"   /* 4 */
	     "plugins = {\n"                      /* 5 */
	     "  cloud-a = { enabled = true; };\n" /* 6 */
	     "  cloud-b = {\n"                    /* 7 */
	     "    enabled = false; };\n"          /* 8 */
	     "};\n");
	expect_diag("customers/c.cfg", 6, "cloud-a.enabled",
	            "the answer 'bee' to host (");
	expect_diag("customers/c.cfg", 6, "cloud-a.enabled",
	            "runs cloud-b, not cloud-a");
	expect_diag("customers/c.cfg", 8, "cloud-b.enabled",
	            "false, but the answer 'bee' to host");
	ck_assert_uint_eq(diags.count, 2);
}
END_TEST

START_TEST(test_chosen_plugin_needs_a_group)
{
	load("answers = {\n  host = \"A\";\n};\nplugins = { };\n");
	expect_diag("customers/c.cfg", 5, "answers.host",
	            "runs plugin 'cloud-a', which has no group");
	ck_assert_uint_eq(diags.count, 1);
}
END_TEST

START_TEST(test_answer_not_a_choice)
{
	load("answers = { host = \"Azure\"; };\nplugins = { };\n");
	expect_diag("customers/c.cfg", 4, "answers.host",
	            "none of this question's choices (A, B, on premise)");
}
END_TEST

START_TEST(test_change_add_and_drop_items)
{
	load("checklist = (\n"
	     "  { section = \"1\"; manual = (\n"
	     "      { id = \"vpn\"; owner = \"Our IT\"; },\n"
	     "      { id = \"dns\"; title = \"DNS\"; question = \"DNS?\"; "
	     "depends_on = [ \"checklist:vpn\" ]; } ); },\n"
	     "  { section = \"9\"; title = \"Extra\"; manual = (\n"
	     "      { id = \"party\"; title = \"Party\"; question = \"Done?\"; "
	     "} ); }\n"
	     ");\n"
	     "drop = [ \"tenants\", \"vpn\" ];\n"
	     "plugins = { };\n");
	ck_assert_uint_eq(diags.count, 0);
	/* Dropped: gone, and nothing waits on it any more. */
	ck_assert_ptr_null(item("tenants"));
	ck_assert_ptr_null(item("vpn"));
	ck_assert(!depends("wait_all", "checklist:vpn"));
	ck_assert(!depends("dns", "checklist:vpn"));
	ck_assert_ptr_nonnull(item("dns"));
	ck_assert_str_eq(section("1")->manual[section("1")->n_manual - 1].id,
	                 "dns");
	ck_assert(strstr(item("dns")->file, "customers/c.cfg"));
	ck_assert_uint_eq(cfg->n_sections, 3);
	ck_assert_str_eq(cfg->sections[2].id, "9");
	ck_assert_str_eq(section("2")->title, "Stack");
}
END_TEST

START_TEST(test_change_replaces_only_given_fields)
{
	load("checklist = ( { section = \"1\"; title = \"Infrastructure\";\n"
	     "  manual = ( { id = \"vpn\"; question = \"Which VPN?\"; } ); } "
	     ");\nplugins = { };\n");
	ck_assert_uint_eq(diags.count, 0);
	ck_assert_str_eq(section("1")->title, "Infrastructure");
	ck_assert_str_eq(item("vpn")->question, "Which VPN?");
	ck_assert_str_eq(item("vpn")->title, "VPN");
	ck_assert_str_eq(item("vpn")->owner, "IT");
	/* Unchanged depends_on keeps pointing at the shared file. */
	ck_assert(strstr(item("wait_all")->file, "checklists/shared.cfg"));
}
END_TEST

START_TEST(test_customer_mistakes_named)
{
	load("answers = {\n"                                  /* 4 */
	     "  usres = \"x\";\n"                             /* 5 */
	     "  vpn = \"yes\";\n"                             /* 6 */
	     "  tenants = \"\";\n"                            /* 7 */
	     "};\n"                                           /* 8 */
	     "drop = [ \"vnp\" ];\n"                          /* 9 */
	     "checklist = ( { section = \"2\"; manual = (\n"  /* 10 */
	     "  { id = \"vpn\"; owner = \"x\"; },\n"          /* 11 */
	     "  { id = \"rakcs\"; owner = \"x\"; } ); } );\n" /* 12 */
	     "plugins = { };\n");
	expect_diag("customers/c.cfg", 5, "answers.usres",
	            "did you mean 'users'?");
	expect_diag("customers/c.cfg", 6, "answers.vpn", "is a manual item");
	expect_diag("customers/c.cfg", 7, "answers.tenants", "non-empty");
	expect_diag("customers/c.cfg", 9, "drop", "did you mean 'vpn'?");
	expect_diag("customers/c.cfg", 11, "vpn", "a manual item of section 1");
	expect_diag("customers/c.cfg", 12, "rakcs", "did you mean 'racks'?");
}
END_TEST

START_TEST(test_shared_file_errors_name_that_file)
{
	char text[sizeof(shared_text) + 64];

	/* Line 12 of the shared file loses its question. */
	snprintf(text, sizeof(text), "%s", shared_text);
	memcpy(strstr(text, "question = \"Racked?\""), "questio_ = ", 11);
	write_text(shared_path, text);
	load("plugins = { };\n");
	expect_diag("checklists/shared.cfg", 12, NULL,
	            "unknown key 'questio_'");
	expect_diag("checklists/shared.cfg", 12, NULL, "missing 'question'");
	es_config_free(cfg);
	es_diags_clear(&diags);

	write_text(shared_path, "customer = { };\nchecklist = ( );\n");
	load("plugins = { };\n");
	expect_diag("checklists/shared.cfg", 1, "customer",
	            "holds only 'checklist'");
	es_config_free(cfg);
	es_diags_clear(&diags);

	write_text(shared_path, "checklist = (\n  { section = \"1\" \n");
	load("plugins = { };\n");
	expect_diag("checklists/shared.cfg", 0, NULL, "syntax error");
	es_config_free(cfg);
	es_diags_clear(&diags);

	write_text(shared_path, "");
	load("plugins = { };\n");
	expect_diag("checklists/shared.cfg", 0, NULL, "empty");
}
END_TEST

START_TEST(test_missing_shared_file)
{
	write_text(customer_path, "customer = { id = \"c\"; name = \"C\"; };\n"
	                          "checklist_file = \"../nowhere.cfg\";\n"
	                          "environments = { uat = { }; };\n");
	cfg = es_config_load(customer_path, &diags);
	expect_diag("customers/c.cfg", 2, "checklist_file",
	            "cannot open ../nowhere.cfg");
}
END_TEST

START_TEST(test_inline_checklist_choices)
{
	write_text(customer_path,
	           "customer = { id = \"c\"; name = \"C\"; };\n"
	           "environments = { uat = { }; };\n"
	           "checklist = ( { section = \"1\"; title = \"T\"; plugins "
	           "= [ \"p\", \"q\" ];\n"
	           "  elements = ( { id = \"e\"; question = \"P or Q?\"; "
	           "answer = \"q\";\n"
	           "    choices = ( { answer = \"P\"; plugins = [ \"p\" ]; "
	           "}, { answer = \"Q\"; plugins = [ \"q\" ]; } ); } ); } "
	           ");\n"
	           "plugins = { p = { }; q = { }; };\n");
	cfg = es_config_load(customer_path, &diags);
	ck_assert_uint_eq(diags.count, 0);
	ck_assert_uint_eq(cfg->sections[0].n_plugins, 1);
	ck_assert_str_eq(cfg->sections[0].plugins[0], "q");
	ck_assert_int_eq(es_config_plugin(cfg, "p")->enabled, 0);
}
END_TEST

START_TEST(test_bad_choices)
{
	write_text(customer_path,
	           "customer = { id = \"c\"; name = \"C\"; };\n"
	           "environments = { uat = { }; };\n"
	           "checklist = ( { section = \"1\"; title = \"T\";\n"
	           "  elements = ( { id = \"e\"; question = \"?\";\n"
	           "    choices = ( { plugins = [ \"zz\" ]; answr = \"x\"; "
	           "},\n"
	           "                { answer = \"y\"; manual = [ \"nope\" ]; "
	           "} ); } );\n"
	           "  manual = ( { id = \"m\"; title = \"M\"; question = "
	           "\"?\";\n"
	           "    choices = ( { answer = \"x\"; } ); } ); } );\n");
	cfg = es_config_load(customer_path, &diags);
	expect_diag("c.cfg", 5, NULL, "unknown key 'answr'");
	expect_diag("c.cfg", 5, NULL, "needs the 'answer'");
	expect_diag("c.cfg", 6, "e", "'nope', which the checklist does not");
	expect_diag("c.cfg", 8, NULL, "only a question");
}
END_TEST

START_TEST(test_choice_matching)
{
	char *answers[] = {"on premise", "AWS", NULL};
	struct es_choice ch = {.answers = answers};

	ck_assert(es_choice_matches(&ch, "AWS"));
	ck_assert(es_choice_matches(&ch, "aws, new account"));
	ck_assert(es_choice_matches(&ch, "  On Premise (our racks)"));
	ck_assert(!es_choice_matches(&ch, "AWSome"));
	ck_assert(!es_choice_matches(&ch, "on premises"));
	ck_assert(!es_choice_matches(&ch, "Azure"));
	ck_assert(!es_choice_matches(&ch, ""));
	ck_assert(!es_choice_matches(&ch, NULL));
}
END_TEST

START_TEST(test_load_checklist_alone)
{
	cfg = es_config_load_checklist(shared_path, &diags);
	ck_assert_uint_eq(diags.count, 0);
	ck_assert_uint_eq(cfg->n_sections, 2);
	ck_assert_uint_eq(cfg->sections[0].elements[0].n_choices, 3);
	ck_assert_str_eq(cfg->sections[0].elements[0].choices[1].answers[1],
	                 "bee");
}
END_TEST

static Suite *checklist_suite(void)
{
	Suite *s = suite_create("checklist");
	TCase *t = tcase_create("checklist");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_answer_picks_plugin_and_prunes);
	tcase_add_test(t, test_on_premise_keeps_gates_only);
	tcase_add_test(t, test_unanswered_runs_groups_present);
	tcase_add_test(t, test_disagreements_are_errors_at_their_line);
	tcase_add_test(t, test_chosen_plugin_needs_a_group);
	tcase_add_test(t, test_answer_not_a_choice);
	tcase_add_test(t, test_change_add_and_drop_items);
	tcase_add_test(t, test_change_replaces_only_given_fields);
	tcase_add_test(t, test_customer_mistakes_named);
	tcase_add_test(t, test_shared_file_errors_name_that_file);
	tcase_add_test(t, test_missing_shared_file);
	tcase_add_test(t, test_inline_checklist_choices);
	tcase_add_test(t, test_bad_choices);
	tcase_add_test(t, test_choice_matching);
	tcase_add_test(t, test_load_checklist_alone);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(checklist_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
