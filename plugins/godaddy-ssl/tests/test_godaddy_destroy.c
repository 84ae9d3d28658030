/*
 * The godaddy-ssl plugin's teardown (ES_PHASE_PLAN_DESTROY and
 * ES_PHASE_DESTROY) against the mock host: an issued certificate revoked,
 * a pending order canceled, an order already ended only forgotten, the
 * local files removed, and a component record emptied only while it holds
 * what envsetup wrote.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mock_host.h"

#include "../csr.c"
#include "../godaddy_api.c"
#include "../godaddy_certs.c"
#include "../godaddy_destroy.c"
#include "../godaddy_dns.c"
#include "../godaddy_issuance.c"
#include "../godaddy_order.c"
#include "../godaddy_ssl.c"

#define CN "app.uat.acme.example"
#define API "http://gd.test"
#define ORDER_GET "GET " API "/v1/certificates/cert-1\n"
#define RECORD "/v1/domains/acme.example/records/CNAME/app.uat\n"

static const struct es_plugin_descriptor *desc;
static char dir[256], keys[512];

static void setup(void)
{
	mock_host_reset();
	mock_http_fallback(599, "{\"code\":\"NO_RULE\",\"message\":\"x\"}");
	snprintf(dir, sizeof(dir), "%s/gd-destroy-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(keys, sizeof(keys), "%s/acme/uat", dir);
	mock_config_string("api_url", API "/");
	mock_config_string("customer_id", "cust-1");
	mock_config_string("domain", "acme.example");
	mock_config_bool("dns_at_godaddy", 1);
	mock_config_int("ttl", 600);
	mock_config_list("certificates", CN, NULL);
	mock_config_list("records", "app.uat=CNAME:lb.example.net", NULL);
	mock_config_string("secrets_dir", dir);
	desc = envsetup_plugin_entry(ES_ABI_MAJOR, ES_ABI_MINOR);
}

static void teardown(void)
{
	char cmd[300];

	mock_host_reset();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static enum es_status run(const char *task, enum es_phase phase)
{
	return mock_run_task(desc, task, phase, NULL);
}

static void on(const char *match, long status, const char *body)
{
	mock_http_reply(match, status, body, NULL, MOCK_REPLY_ALWAYS);
}

static size_t sent_count(const char *match)
{
	size_t n = 0;

	for (size_t i = 0; i < mock_http_count(); i++)
		n += strstr(mock_http_sent(i)->text, match) != NULL;
	return n;
}

START_TEST(issued_certificate_is_revoked_and_forgotten)
{
	mock_state_set("order:" CN, "cert-1");
	on(ORDER_GET, 200, "{\"status\": \"ISSUED\", \"serialNumber\": \"1\"}");
	on("POST " API "/v1/certificates/cert-1/revoke\n", 204, "");

	ck_assert_int_eq(run("order_certificate", ES_PHASE_PLAN_DESTROY),
	                 ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_uint_eq(sent_count("/revoke"), 0);
	ck_assert_int_eq(run("order_certificate", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(sent_count("CESSATION_OF_OPERATION"), 1);
	ck_assert_ptr_null(mock_state("order:" CN));
}
END_TEST

START_TEST(pending_order_is_canceled)
{
	mock_state_set("order:" CN, "cert-1");
	on(ORDER_GET, 200, "{\"status\": \"PENDING_ISSUANCE\"}");
	on("POST " API "/v1/certificates/cert-1/cancel\n", 204, "");

	ck_assert_int_eq(run("order_certificate", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(sent_count("/cancel"), 1);
	ck_assert_uint_eq(sent_count("/revoke"), 0);
}
END_TEST

START_TEST(ended_or_unknown_order_is_only_forgotten)
{
	ck_assert_int_eq(run("order_certificate", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 0);

	mock_state_set("order:" CN, "cert-1");
	on(ORDER_GET, 404, "{\"code\": \"NOT_FOUND\", \"message\": \"x\"}");
	ck_assert_int_eq(run("order_certificate", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(sent_count("POST"), 0);
	ck_assert_ptr_null(mock_state("order:" CN));
}
END_TEST

START_TEST(key_csr_and_certificate_files_are_removed)
{
	const char *ext[] = {"key", "csr", "crt", "crt.tmp"};
	char path[700], cmd[600];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", keys);
	ck_assert_int_eq(system(cmd), 0);
	for (size_t i = 0; i < 4; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/" CN ".%s", keys, ext[i]);
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fclose(f);
	}
	ck_assert_int_eq(run("download_certificate", ES_PHASE_PLAN_DESTROY),
	                 ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(run("download_certificate", ES_PHASE_DESTROY), ES_OK);
	ck_assert_int_eq(run("certificate_key", ES_PHASE_DESTROY), ES_OK);
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/" CN ".%s", keys, ext[i]);
		ck_assert_int_ne(access(path, F_OK), 0);
	}
	ck_assert_uint_eq(mock_http_count(), 0);
}
END_TEST

START_TEST(record_changed_since_is_kept)
{
	on("GET " API RECORD, 200,
	   "[{\"data\": \"other.example.net\", \"ttl\": 600}]");
	ck_assert_int_eq(run("dns_records", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(sent_count("PUT"), 0);
}
END_TEST

START_TEST(record_holding_ours_is_emptied)
{
	on("GET " API RECORD, 200,
	   "[{\"data\": \"lb.example.net\", \"ttl\": 600}]");
	on("PUT " API RECORD, 200, "");
	ck_assert_int_eq(run("dns_records", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(sent_count("PUT " API RECORD), 1);
	ck_assert_ptr_nonnull(
	    strstr(mock_http_sent(mock_http_count() - 1)->text, "\n\n[]"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("godaddy_destroy");
	TCase *tc = tcase_create("destroy");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, issued_certificate_is_revoked_and_forgotten);
	tcase_add_test(tc, pending_order_is_canceled);
	tcase_add_test(tc, ended_or_unknown_order_is_only_forgotten);
	tcase_add_test(tc, key_csr_and_certificate_files_are_removed);
	tcase_add_test(tc, record_changed_since_is_kept);
	tcase_add_test(tc, record_holding_ours_is_emptied);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
