/*
 * Output references (core/refs.h): the parser, the expansion, the record
 * rules, and what binding a customer file refuses, each with its line.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "refs.h"

/* ---- two plugins: a producer with outputs, a consumer ----------------- */

static const struct es_key mail_keys[] = {
    ES_KEY(.name = "domain", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV, .question = "Domain?",
           .format = ES_FORMAT_HOSTNAME),
    ES_KEYS_END,
};

static const struct es_task mail_tasks[] = {
    ES_TASK(.id = "create_domain", .title = "Create", .section = "4.4",
            .run = NULL),
    ES_TASKS_END,
};

static const struct es_output mail_outputs[] = {
    ES_OUTPUT(.name = "dns_records", .type = ES_OUTPUT_RECORDS,
              .task = "create_domain", .description = "records"),
    ES_OUTPUT(.name = "smtp_host", .type = ES_OUTPUT_STRING,
              .task = "create_domain", .description = "host"),
    ES_OUTPUT(.name = "smtp_password", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_SECRET, .task = "create_domain",
              .description = "password"),
    ES_OUTPUT(.name = "status", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_PER_ITEM, .task = "create_domain",
              .description = "per item"),
    ES_OUTPUTS_END,
};

static const struct es_plugin_descriptor mail_desc = {
    ES_DESCRIPTOR_HEADER, .name = "mailgun",   .version = "1.0.0",
    .keys = mail_keys,    .tasks = mail_tasks, .outputs = mail_outputs,
};

static const struct es_key dns_keys[] = {
    ES_KEY(.name = "token", .type = ES_TYPE_STRING, .flags = ES_KEY_SECRET,
           .question = "Token?"),
    ES_KEY(.name = "contact", .type = ES_TYPE_STRING, .question = "Who?",
           .format = ES_FORMAT_HOSTNAME),
    ES_KEY(.name = "names", .type = ES_TYPE_LIST, .question = "Names?"),
    ES_KEY(.name = "url", .type = ES_TYPE_URL, .question = "URL?"),
    ES_KEY(.name = "publish", .type = ES_TYPE_RECORDS, .question = "What?"),
    ES_KEYS_END,
};

static const struct es_plugin_descriptor dns_desc = {
    ES_DESCRIPTOR_HEADER,
    .name = "dns",
    .version = "1.0.0",
    .keys = dns_keys,
};

static char path[] = "/tmp/es-test-refs-XXXXXX";

/* Bind a file whose dns group is `dns` (and mailgun enabled or not);
 * problems go to d. Returns the config (es_config_free). */
static struct es_config *bind(const char *dns, int mail_enabled,
                              struct es_diags *d)
{
	const struct es_plugin_descriptor *descs[] = {&mail_desc, &dns_desc};
	struct es_config *c;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f,
	        "customer = { id = \"acme\"; name = \"Acme\"; };\n"
	        "environments = { uat = { domain = \"u\"; }; };\n"
	        "checklist = ( { section = \"1\"; title = \"One\";\n"
	        "  plugins = [ \"mailgun\", \"dns\" ]; } );\n"
	        "plugins = {\n"
	        "  mailgun = { enabled = %s; domain = \"mail.acme.example\"; "
	        "};\n"
	        "  dns = {\n%s\n  };\n"
	        "};\n",
	        mail_enabled ? "true" : "false", dns);
	fclose(f);
	c = es_config_load(path, d);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(d->count, 0);
	es_config_bind(c, "uat", descs, 2, d);
	unlink(path);
	strcpy(path, "/tmp/es-test-refs-XXXXXX");
	return c;
}

/* The one problem of `dns`, at line 8 (the group's first line), holds
 * `text` and names `where`. */
static void refused(const char *dns, int mail_enabled, const char *where,
                    const char *text)
{
	struct es_diags d = {0};
	struct es_config *c = bind(dns, mail_enabled, &d);

	ck_assert_uint_eq(d.count, 1);
	ck_assert_int_eq(d.items[0].line, 8);
	ck_assert_str_eq(d.items[0].where, where);
	if (!strstr(d.items[0].message, text))
		ck_abort_msg("'%s' lacks '%s'", d.items[0].message, text);
	es_diags_clear(&d);
	es_config_free(c);
}

/* ---- the parser ------------------------------------------------------- */

START_TEST(scans_references)
{
	struct es_ref r[4];
	char err[256], name[320];

	ck_assert_int_eq(es_ref_scan("no reference", r, 4, err, sizeof(err)),
	                 0);
	ck_assert_int_eq(es_ref_scan("a ${mailgun.smtp_host} b "
	                             "${godaddy-ssl.status:app.acme.example}",
	                             r, 4, err, sizeof(err)),
	                 2);
	ck_assert_str_eq(r[0].plugin, "mailgun");
	ck_assert_str_eq(r[0].output, "smtp_host");
	ck_assert_uint_eq(r[0].start, 2);
	ck_assert_uint_eq(r[0].len, strlen("${mailgun.smtp_host}"));
	ck_assert_str_eq(r[1].plugin, "godaddy-ssl");
	ck_assert_str_eq(r[1].output, "status:app.acme.example");
	ck_assert_str_eq(es_ref_name(&r[1], name, sizeof(name)),
	                 "godaddy-ssl.status:app.acme.example");
	ck_assert(es_ref_whole("${aws.zone_id}", r));
	ck_assert(!es_ref_whole("x${aws.zone_id}", r));
	ck_assert(!es_ref_whole("${aws.zone_id} ", r));
}
END_TEST

START_TEST(refuses_malformed_references)
{
	static const char *const bad[] = {
	    "${mailgun}",      "${mailgun.}",        "${.x}",
	    "${Mailgun.x}",    "${mailgun.Smtp}",    "${mailgun.smtp-host}",
	    "${mailgun.x:}",   "${mailgun.x:a b}",   "${mailgun.x",
	    "ok ${a.b} ${c.d", "${mailgun.x${a.b}}", NULL,
	};
	struct es_ref r[4];
	char err[256];

	for (size_t i = 0; bad[i]; i++) {
		if (es_ref_scan(bad[i], r, 4, err, sizeof(err)) != -1)
			ck_abort_msg("'%s' was accepted", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "malformed reference"));
	}
	ck_assert_int_eq(
	    es_ref_scan("${a.b}${a.b}${a.b}", r, 2, err, sizeof(err)), -1);
}
END_TEST

static char *lookup(void *arg, const struct es_ref *r)
{
	(void)arg;
	return strcmp(r->output, "smtp_host") == 0 ? strdup("smtp.mailgun.org")
	                                           : NULL;
}

START_TEST(expands_references)
{
	struct es_ref missing;
	char *s = es_ref_expand("host ${mailgun.smtp_host}:587 (${mailgun."
	                        "smtp_host})",
	                        lookup, NULL, &missing);

	ck_assert_str_eq(s, "host smtp.mailgun.org:587 (smtp.mailgun.org)");
	free(s);
	s = es_ref_expand("plain", lookup, NULL, &missing);
	ck_assert_str_eq(s, "plain");
	free(s);
	/* Not known yet: NULL, naming the reference. */
	ck_assert_ptr_null(es_ref_expand("${mailgun.smtp_host} ${aws.zone_id}",
	                                 lookup, NULL, &missing));
	ck_assert_str_eq(missing.plugin, "aws");
	ck_assert_str_eq(missing.output, "zone_id");
}
END_TEST

/* ---- records ---------------------------------------------------------- */

static char *normal(const char *json, int strict, char *err, size_t len)
{
	cJSON *in = cJSON_Parse(json), *out = cJSON_CreateArray();
	char *text = NULL;

	ck_assert_ptr_nonnull(in);
	if (es_record_normalize(in, out, strict, err, len) == 0)
		text = cJSON_PrintUnformatted(cJSON_GetArrayItem(out, 0));
	cJSON_Delete(in);
	cJSON_Delete(out);
	return text;
}

START_TEST(normalises_records)
{
	char err[256], *s;

	/* Mailgun writes priorities as strings. */
	s = normal("{\"type\":\"mx\",\"name\":\"m.acme.example\",\"value\":"
	           "\"mxa.mailgun.org\",\"priority\":\"10\",\"valid\":\"x\"}",
	           0, err, sizeof(err));
	ck_assert_str_eq(s, "{\"type\":\"MX\",\"name\":\"m.acme.example\","
	                    "\"value\":\"mxa.mailgun.org\",\"priority\":10}");
	free(s);
	s = normal("{\"type\":\"TXT\",\"name\":\"@\",\"value\":\"v\",\"ttl\":"
	           "600}",
	           1, err, sizeof(err));
	ck_assert_str_eq(s, "{\"type\":\"TXT\",\"name\":\"@\",\"value\":\"v\","
	                    "\"ttl\":600}");
	free(s);
	ck_assert_ptr_null(normal("{\"type\":\"MX\",\"name\":\"m\",\"value\":"
	                          "\"v\"}",
	                          0, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "needs a priority"));
	ck_assert_ptr_null(normal("{\"type\":\"SPF\",\"name\":\"m\",\"value\":"
	                          "\"v\"}",
	                          0, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "not one of"));
	ck_assert_ptr_null(normal("{\"type\":\"TXT\",\"name\":\"m\",\"value\":"
	                          "\"v\",\"ttl\":0}",
	                          0, err, sizeof(err)));
	ck_assert_ptr_null(normal("{\"type\":\"TXT\",\"name\":\"\",\"value\":"
	                          "\"v\"}",
	                          0, err, sizeof(err)));
	/* The file's groups are strict: a typo is not silently dropped. */
	ck_assert_ptr_null(normal("{\"type\":\"TXT\",\"name\":\"m\",\"value\":"
	                          "\"v\",\"tll\":600}",
	                          1, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "unknown member 'tll'"));
}
END_TEST

START_TEST(binds_records_values)
{
	struct es_diags d = {0};
	struct es_config *c =
	    bind("    publish = ( \"${mailgun.dns_records}\",\n"
	         "      { type = \"cname\"; name = \"x\"; value = \"y\"; },\n"
	         "      { type = \"TXT\"; name = \"t\"; value = "
	         "\"${mailgun.smtp_host}\"; ttl = 600; } );",
	         1, &d);
	const struct es_value *v =
	    es_config_value(es_config_plugin(c, "dns"), "publish");

	ck_assert_uint_eq(d.count, 0);
	/* A group without references is final; one with is kept as
	 * written until it is resolved. */
	ck_assert_str_eq(v->str, "[\"${mailgun.dns_records}\",{\"type\":"
	                         "\"CNAME\",\"name\":\"x\",\"value\":\"y\"},"
	                         "{\"type\":\"TXT\",\"name\":\"t\",\"value\":"
	                         "\"${mailgun.smtp_host}\",\"ttl\":600}]");
	es_config_free(c);
}
END_TEST

/* ---- what check refuses ------------------------------------------------ */

START_TEST(refuses_bad_references)
{
	refused("    publish = \"${mailgum.dns_records}\";", 1, "dns.publish",
	        "names plugin 'mailgum', which this file does not configure "
	        "(did you mean 'mailgun'?)");
	refused("    publish = \"${mailgun.dns_record}\";", 1, "dns.publish",
	        "did you mean 'dns_records'?");
	refused("    publish = \"${mailgun.dns_records}\";", 0, "dns.publish",
	        "plugin mailgun, which is disabled");
	refused("    publish = \"${mailgun.smtp_host}\";", 1, "dns.publish",
	        "not a list of DNS records");
	refused("    contact = \"${mailgun.dns_records}\";", 1, "dns.contact",
	        "not a string");
	refused("    contact = \"x.${mailgun.smtp_password}\";", 1,
	        "dns.contact", "is a secret output: it may only feed a secret");
	refused("    names = [ \"${mailgun.smtp_password}\" ];", 1, "dns.names",
	        "is a secret output");
	refused("    publish = ( { type = \"TXT\"; name = \"t\"; value = "
	        "\"${mailgun.smtp_password}\"; } );",
	        1, "dns.publish", "is a secret output");
	refused("    token = \"${mailgun.smtp_host}\";", 1, "dns.token",
	        "a secret key takes env:NAME, file:PATH or a secret output");
	refused("    token = \"x${mailgun.smtp_password}\";", 1, "dns.token",
	        "must be the whole value");
	refused("    url = \"https://${mailgun.smtp_host}/\";", 1, "dns.url",
	        "only string, list, records and secret keys");
	refused("    contact = \"${mailgun.status}\";", 1, "dns.contact",
	        "is one output per item: name one");
	refused("    contact = \"${mailgun.smtp_host:x}\";", 1, "dns.contact",
	        "is not per item");
	refused("    contact = \"${mailgun.smtp_host\";", 1, "dns.contact",
	        "malformed reference");
	refused("    publish = ( \"x\" );", 1, "dns.publish",
	        "is not a reference");
	refused("    publish = ( { type = \"TXT\"; name = \"t\"; } );", 1,
	        "dns.publish", "needs type, name and value");
}
END_TEST

START_TEST(accepts_good_references)
{
	struct es_diags d = {0};
	struct es_config *c =
	    bind("    token = \"${mailgun.smtp_password}\";\n"
	         "    contact = \"smtp.${mailgun.smtp_host}\";\n"
	         "    names = [ \"${mailgun.status:a.example}\", \"b\" ];\n"
	         "    publish = \"${mailgun.dns_records}\";",
	         1, &d);

	/* Formats wait for the resolved value: none is applied here. */
	ck_assert_uint_eq(d.count, 0);
	/* A secret output is read at run time, not resolved as a file or
	 * variable now. */
	ck_assert_ptr_null(
	    es_config_secret(es_config_plugin(c, "dns"), "token"));
	es_config_free(c);
}
END_TEST

int main(void)
{
	const TTest *tests[] = {
	    scans_references,        refuses_malformed_references,
	    expands_references,      normalises_records,
	    binds_records_values,    refuses_bad_references,
	    accepts_good_references,
	};
	Suite *s = suite_create("refs");
	TCase *tc = tcase_create("refs");
	SRunner *sr;
	int failed;

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	es_redact_clear();
	return failed != 0;
}
