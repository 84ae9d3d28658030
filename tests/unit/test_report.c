/*
 * The report's writers (core/report.h) on a hand-made document: text is
 * escaped for HTML and SVG, a registered secret never reaches any format,
 * and the pictures have a bar group per section and a bar per task.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "report.h"

#define SECRET "s3cr3t-Value-42"

static const char doc_text[] =
    "{\"customer_name\":\"Acme <b>&</b>\",\"environment\":\"uat\","
    "\"generated_at\":\"2026-12-06T23:00:00Z\",\"envsetup_version\":\"0\","
    "\"sections\":[{\"id\":\"1\",\"title\":\"Infra <script>x</script>\","
    "\"counts\":{\"done\":1,\"waiting\":1,\"blocked\":0,\"failed\":0,"
    "\"pending\":0},\"elements\":[{\"id\":\"vpn\",\"question\":\"VPN? "
    "\\\"quoted\\\"\"}],\"items\":[{\"task\":\"a:b\",\"title\":\"T\","
    "\"state\":\"done\",\"message\":\"key " SECRET " used\"},"
    "{\"task\":\"checklist:x\",\"title\":\"X\",\"state\":\"waiting\","
    "\"message\":\"ask 'them'\",\"confirmed\":\"Jo at 2026\"}]},"
    "{\"id\":\"2\",\"title\":\"Two\",\"counts\":{\"done\":0,\"waiting\":0,"
    "\"blocked\":0,\"failed\":0,\"pending\":0},\"elements\":[],"
    "\"items\":[]}],"
    "\"certificates\":[{\"domain\":\"a.example\",\"expires_at\":"
    "\"2027-01-01T00:00:00Z\",\"days_left\":25}],"
    "\"outputs\":[{\"plugin\":\"p\",\"name\":\"n\",\"secret\":false,"
    "\"value\":\"v " SECRET "\"},{\"plugin\":\"p\",\"name\":\"s\","
    "\"secret\":true}],"
    "\"last_apply\":{\"started_at\":\"2026-12-06T22:59:00Z\","
    "\"duration_s\":2,\"tasks\":[{\"task\":\"a:b\",\"section\":\"1\","
    "\"state\":\"done\",\"start_s\":0,\"end_s\":2,\"waited_s\":1}]}}";

/* What `writer` makes of the document `json`. */
static char *render(void (*writer)(const cJSON *, FILE *), const char *json)
{
	cJSON *doc = json ? cJSON_Parse(json) : NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert(!json || doc);
	writer(doc, out);
	fclose(out);
	cJSON_Delete(doc);
	return text;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Every string of `want` is in `text`, none of `lacks` (NULL-ended). */
static void assert_text(const char *text, const char *const *want,
                        const char *const *lacks)
{
	for (; *want; want++)
		ck_assert_msg(strstr(text, *want), "missing: %s", *want);
	for (; *lacks; lacks++)
		ck_assert_msg(!strstr(text, *lacks), "holds: %s", *lacks);
}

START_TEST(test_html_escaped_and_redacted)
{
	static const char *const want[] = {
	    "Acme &lt;b&gt;&amp;&lt;/b&gt;",
	    "&lt;script&gt;x&lt;/script&gt;",
	    "&quot;quoted&quot;",
	    "ask &#39;them&#39;",
	    "@media print",
	    "Jo at 2026",
	    "a.example",
	    "<li>1: VPN?", /* the unanswered element is listed */
	    NULL};
	static const char *const lacks[] = {SECRET, "<script", "<b>",
	                                    "src=", "href=",   NULL};
	char *html = render(es_report_html, doc_text);

	assert_text(html, want, lacks);
	ck_assert_int_eq(count(html, "class=\"section-bar\""), 2);
	ck_assert_int_eq(count(html, "class=\"task-bar\""), 1);
	ck_assert_int_eq(count(html, "class=\"bar-done\""), 1);
	ck_assert_int_eq(count(html, "class=\"bar-waiting\""), 1);
	ck_assert_int_eq(count(html, "class=\"wait\""), 1);
	free(html);
}
END_TEST

START_TEST(test_markdown_redacted)
{
	static const char *const want[] = {"## 1 Infra",
	                                   "**unanswered**",
	                                   "| a.example | 2027-01-01T00:00:00Z",
	                                   "secret (in the 0600 secrets file)",
	                                   "1 item wait for a person.",
	                                   NULL};
	static const char *const lacks[] = {SECRET, NULL};
	char *md = render(es_report_markdown, doc_text);

	assert_text(md, want, lacks);
	free(md);
}
END_TEST

START_TEST(test_timeline_without_apply)
{
	char *null = render(es_report_svg_timeline, "null"),
	     *absent = render(es_report_svg_timeline, NULL);

	ck_assert_ptr_nonnull(strstr(null, "No apply recorded yet"));
	ck_assert_str_eq(null, absent);
	ck_assert_ptr_null(strstr(null, "<svg"));
	free(null);
	free(absent);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("report");
	TCase *t = tcase_create("report");
	SRunner *sr;
	int failed;

	es_redact_add(SECRET);
	tcase_add_test(t, test_html_escaped_and_redacted);
	tcase_add_test(t, test_markdown_redacted);
	tcase_add_test(t, test_timeline_without_apply);
	suite_add_tcase(suite, t);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
