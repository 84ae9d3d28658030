/*
 * mailgun's upload_templates against the mock host: templates come from
 * the host's templates service (the core reads the directory), and each
 * becomes a Mailgun template whose active version is tagged with the
 * template's digest, its subject stored as a header.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

#include "../mailgun.c"
#include "../mailgun_api.c"
#include "../mailgun_destroy.c"
#include "../mailgun_domain.c"
#include "../mailgun_templates.c"

#define API "https://api.mailgun.test"
#define DOMAIN "mail.acme.example"
#define TEMPLATES "/v3/" DOMAIN "/templates"
#define GET_WELCOME "GET " API TEMPLATES "/welcome?active=yes\n"

static char tag[32]; /* the tag the plugin must give welcome's version */

static void setup(void)
{
	const struct es_template *t;

	mock_host_reset();
	mock_config_string("region", "us");
	mock_config_string("api_url", API);
	mock_config_string("domain", DOMAIN);
	mock_config_string("templates_dir", "/etc/envsetup/templates");
	mock_template("templates_dir", "welcome", "Welcome {{name}}",
	              "<p>Hi {{name}}</p>", "Hi {{name}}");
	t = mock_host()->templates->get(mock_call(), "templates_dir", 0);
	snprintf(tag, sizeof(tag), "envsetup-%.16s", t->digest);
}

static void teardown(void)
{
	mock_host_reset();
}

static enum es_status run(enum es_phase phase)
{
	return mock_run_task(&mailgun, "upload_templates", phase, NULL);
}

static void on(const char *match, long status, const char *body)
{
	mock_http_reply(match, status, body, NULL, MOCK_REPLY_ALWAYS);
}

static const char *form(const struct mock_request *req, const char *name)
{
	for (size_t i = 0; req && i < req->n_form; i++)
		if (strcmp(req->form[i].name, name) == 0)
			return req->form[i].value;
	return NULL;
}

/* GET .../welcome?active=yes answered with active version `with_tag`. */
static void active_version(const char *with_tag)
{
	static char body[256];

	snprintf(body, sizeof(body),
	         "{\"template\": {\"name\": \"welcome\", \"version\": "
	         "{\"tag\": \"%s\", \"active\": true}}}",
	         with_tag);
	on(GET_WELCOME, 200, body);
}

START_TEST(absent_template_is_created_with_subject_and_digest_tag)
{
	const struct mock_request *req;

	on(GET_WELCOME, 404, "{\"message\": \"template not found\"}");
	on("POST " API TEMPLATES "\n", 200,
	   "{\"message\": \"template has been stored\", "
	   "\"template\": {\"name\": \"welcome\"}}");

	ck_assert_int_eq(run(ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_CREATE);
	ck_assert_uint_eq(mock_http_writes(), 0);

	ck_assert_int_eq(run(ES_PHASE_APPLY), ES_OK);
	req = mock_http_find("POST " API TEMPLATES "\n", 0);
	ck_assert_ptr_nonnull(req);
	ck_assert_int_eq(req->form_kind, ES_FORM_MULTIPART);
	ck_assert_pstr_eq(form(req, "name"), "welcome");
	ck_assert_pstr_eq(form(req, "template"), "<p>Hi {{name}}</p>");
	ck_assert_pstr_eq(form(req, "tag"), tag);
	ck_assert_pstr_eq(form(req, "headers"),
	                  "{\"Subject\":\"Welcome {{name}}\"}");
	ck_assert_ptr_null(form(req, "active"));
}
END_TEST

START_TEST(template_with_our_tag_active_is_in_place)
{
	active_version(tag);

	ck_assert_int_eq(run(ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_uint_eq(mock_plan_count(), 0);
}
END_TEST

/* An edit (here: only the subject) changes the digest: a new version,
 * made active. */
START_TEST(edited_template_becomes_a_new_active_version)
{
	const struct mock_request *req;

	active_version("envsetup-0000000000000000");
	on("POST " API TEMPLATES "/welcome/versions\n", 200,
	   "{\"message\": \"new version of the template has been stored\", "
	   "\"template\": {\"name\": \"welcome\"}}");

	ck_assert_int_eq(run(ES_PHASE_APPLY), ES_OK);
	req = mock_http_find("POST " API TEMPLATES "/welcome/versions\n", 0);
	ck_assert_ptr_nonnull(req);
	ck_assert_pstr_eq(form(req, "tag"), tag);
	ck_assert_pstr_eq(form(req, "active"), "yes");
	ck_assert_pstr_eq(form(req, "headers"),
	                  "{\"Subject\":\"Welcome {{name}}\"}");
	ck_assert_ptr_null(form(req, "name"));
}
END_TEST

/* Our version exists already but another is active (a run killed after
 * the write, or someone rolled back): activate ours. */
/* A 200 without the template it stored (a gateway's or Mailgun's own
 * error in a 200) is no proof: looked at again later, never "done". */
START_TEST(answer_without_the_template_is_not_done)
{
	on(GET_WELCOME, 404, "{\"message\": \"template not found\"}");
	on("POST " API TEMPLATES "\n", 200, "{\"message\": \"try later\"}");

	ck_assert_int_eq(run(ES_PHASE_APPLY), ES_RETRY);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "Mailgun"));
}
END_TEST

START_TEST(existing_version_is_activated)
{
	char put[256];

	active_version("someone-else");
	on("POST " API TEMPLATES "/welcome/versions\n", 400,
	   "{\"message\": \"version with this tag already exists\"}");
	snprintf(put, sizeof(put),
	         "PUT " API TEMPLATES "/welcome/versions/%s\n", tag);
	on(put, 200,
	   "{\"message\": \"version has been updated\", "
	   "\"template\": {\"name\": \"welcome\"}}");

	ck_assert_int_eq(run(ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix(put), 1);
}
END_TEST

START_TEST(plan_destroy_deletes_only_templates_envsetup_versioned)
{
	mock_template("templates_dir", "zzz-theirs", "Theirs", "<p>x</p>",
	              NULL);
	active_version(tag);
	on("GET " API TEMPLATES "/zzz-theirs?active=yes\n", 200,
	   "{\"template\": {\"name\": \"zzz-theirs\", \"version\": "
	   "{\"tag\": \"v1\"}}}");

	ck_assert_int_eq(run(ES_PHASE_PLAN_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_DELETE);
	ck_assert_str_eq(mock_plan(0)->name, "welcome");
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

START_TEST(directory_that_fails_sends_nothing)
{
	mock_templates_broken("templates_dir");

	ck_assert_int_eq(run(ES_PHASE_APPLY), ES_INVALID_CONFIG);
	ck_assert_uint_eq(mock_http_count(), 0);
	ck_assert_str_eq(mock_diag_key(), "templates_dir");
}
END_TEST

START_TEST(unset_directory_sends_nothing)
{
	mock_host_reset();
	mock_config_string("api_url", API);
	mock_config_string("domain", DOMAIN);

	ck_assert_int_eq(run(ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 0);
}
END_TEST

int main(void)
{
	const TTest *tests[] = {
	    absent_template_is_created_with_subject_and_digest_tag,
	    template_with_our_tag_active_is_in_place,
	    edited_template_becomes_a_new_active_version,
	    existing_version_is_activated,
	    answer_without_the_template_is_not_done,
	    plan_destroy_deletes_only_templates_envsetup_versioned,
	    directory_that_fails_sends_nothing,
	    unset_directory_sends_nothing,
	};
	Suite *s = suite_create("mailgun_templates");
	TCase *tc = tcase_create("upload_templates");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
