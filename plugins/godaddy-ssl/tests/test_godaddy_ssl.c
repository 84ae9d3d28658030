/*
 * The godaddy-ssl tasks against the shared mock host
 * (tests/support/mock_host.h): GoDaddy's answers are scripted, and every
 * request, diagnostic, plan change and state key is recorded. What is
 * pinned here: an answer that cannot be read is a failure of its request
 * (never "absent", "validated" or "still pending"), a lost answer to an
 * order or a renewal never leads to a second one, an order found at
 * GoDaddy is adopted only when it was made from this key, and GoDaddy's
 * errors are read from its own shape. The plugin's sources are compiled
 * in (its .so exports only the entry).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envsetup/host.h"
#include "mock_host.h"

#include "../csr.c"
#include "../godaddy_api.c"
#include "../godaddy_certs.c"
#include "../godaddy_destroy.c"
#include "../godaddy_dns.c"
#include "../godaddy_issuance.c"
#include "../godaddy_order.c"
#include "../godaddy_ssl.c"

/* ------------------------------------------------------------ fixture */

#define CN "app.uat.acme.example"
#define CUSTOMER "295e3bc3-b3b9-4d95-aae5-ede41a994d13"
#define API "http://gd.test"
#define LIST "GET " API "/v2/customers/" CUSTOMER "/certificates?"
#define DETAIL "GET " API "/v2/customers/" CUSTOMER "/certificates/cert-1\n"
#define ORDER "POST " API "/v1/certificates\n"
#define ORDER_GET "GET " API "/v1/certificates/cert-1\n"
#define CHECKS "GET " API "/v2/customers/" CUSTOMER "/certificates/cert-1/d"
#define RENEW "POST " API "/v1/certificates/cert-1/renew\n"
#define TXT_GET "GET " API "/v1/domains/acme.example/records/TXT/@\n"
#define TXT_PUT "PUT " API "/v1/domains/acme.example/records/TXT/@\n"

static const struct es_plugin_descriptor *desc;
static char dir[256], keys[512];
static char *owned[16];
static size_t n_owned;

/* Keep `text` (transfer full, host memory) until teardown: the mock
 * borrows reply bodies. */
static const char *keep(char *text)
{
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_lt(n_owned, 16);
	owned[n_owned++] = text;
	return text;
}

static void setup(void)
{
	mock_host_reset();
	mock_http_fallback(599,
	                   "{\"code\":\"NO_RULE\",\"message\":\"no rule\"}");
	snprintf(dir, sizeof(dir), "%s/gd-ssl-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(keys, sizeof(keys), "%s/acme/uat", dir);
	mock_config_string("api_url", API "/");
	mock_config_string("ote_url", "http://ote.test");
	mock_config_string("customer_id", CUSTOMER);
	mock_config_string("domain", "acme.example");
	mock_config_bool("dns_at_godaddy", 1);
	mock_config_int("ttl", 600);
	mock_config_list("certificates", CN, NULL);
	mock_config_string("key_type", "ecdsa-p256");
	mock_config_string("product_type", "DV_SSL");
	mock_config_int("period", 1);
	mock_config_string("contact_first_name", "Jane");
	mock_config_string("contact_last_name", "Doe");
	mock_config_string("contact_email", "ops@acme.example");
	mock_config_string("contact_phone", "+1.4805551234");
	mock_config_duration("renewal_window", 30LL * 86400 * 1000);
	mock_config_duration("poll_interval", 60000);
	mock_config_string("secrets_dir", dir);
	desc = envsetup_plugin_entry(ES_ABI_MAJOR, ES_ABI_MINOR);
	ck_assert_ptr_nonnull(desc);
}

static void teardown(void)
{
	char cmd[300];

	mock_host_reset();
	while (n_owned > 0)
		mock_host()->mem_free(owned[--n_owned]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static enum es_status run(const char *task, enum es_phase phase)
{
	return mock_run_task(desc, task, phase, NULL);
}

/* How many requests so far hold `match` in their text. */
static size_t sent_count(const char *match)
{
	size_t n = 0;

	for (size_t i = 0; i < mock_http_count(); i++)
		n += strstr(mock_http_sent(i)->text, match) != NULL;
	return n;
}

static void make_key_and_csr(void)
{
	ck_assert_int_eq(run("certificate_key", ES_PHASE_APPLY), ES_OK);
}

/* The CSR certificate_key wrote (transfer full). */
static char *our_csr(void)
{
	char path[600], err[256];
	int absent;
	char *csr;

	snprintf(path, sizeof(path), "%s/%s.csr", keys, CN);
	csr = gd_read_file(path, &absent, err, sizeof(err));
	ck_assert_msg(csr != NULL, "%s", err);
	return csr;
}

/* A CSR for `cn` made from a key that is not ours (transfer full). */
static char *foreign_csr(void)
{
	char path[600], err[256];
	struct gd_subject subj = {.common_name = CN};
	EVP_PKEY *key;
	char *csr;

	snprintf(path, sizeof(path), "%s/foreign.key", dir);
	key = gd_key_create(path, NULL, err, sizeof(err));
	ck_assert_msg(key != NULL, "%s", err);
	csr = gd_csr_make(key, &subj, err, sizeof(err));
	EVP_PKEY_free(key);
	ck_assert_ptr_nonnull(csr);
	return csr;
}

/* GoDaddy's list holding one live order cert-1 of CN. */
static void list_has_order(void)
{
	mock_http_reply(LIST, 200,
	                "{\"certificates\":[{\"certificateId\":\"cert-1\","
	                "\"commonName\":\"" CN "\",\"period\":1,"
	                "\"status\":\"PENDING_ISSUANCE\"}],"
	                "\"pagination\":{\"total\":1}}",
	                NULL, MOCK_REPLY_ALWAYS);
}

/* The v2 detail of cert-1 with `csr` (transfer full, freed here). */
static void detail_with_csr(char *csr)
{
	const struct es_json_api *j = mock_host()->json;
	es_json *o = j->new_object();

	j->set_string(o, "certificateId", "cert-1");
	j->set_string(o, "commonName", CN);
	j->set_string(o, "status", "PENDING_ISSUANCE");
	j->set_string(o, "csr", csr);
	mock_http_reply(DETAIL, 200, keep(j->print(o)), NULL,
	                MOCK_REPLY_ALWAYS);
	j->free(o);
	free(csr);
}

static void no_orders_yet(enum mock_reply_use use)
{
	mock_http_reply(LIST, 200,
	                "{\"certificates\":[],\"pagination\":{\"total\":0}}",
	                NULL, use);
}

/* ------------------------------------------- (a) answers it cannot read */

START_TEST(unparsable_list_is_a_failure_not_absent)
{
	make_key_and_csr();
	mock_http_reply(LIST, 200, "{\"certificates\":[{\"certif", NULL,
	                MOCK_REPLY_ALWAYS);
	ck_assert_int_eq(run("order_certificate", ES_PHASE_PLAN), ES_RETRY);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_int_eq(run("order_certificate", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(sent_count(ORDER), 0);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "GoDaddy answered 200 "
	                                               "with a body that "
	                                               "does not parse"));
	ck_assert_ptr_nonnull(
	    strstr(mock_diag_text(), "/v2/customers/" CUSTOMER "/certif"));
}
END_TEST

START_TEST(list_of_another_shape_is_a_failure_not_absent)
{
	make_key_and_csr();
	mock_http_reply(LIST, 200, "{\"pagination\":{\"total\":0}}", NULL,
	                MOCK_REPLY_ALWAYS);
	ck_assert_int_eq(run("order_certificate", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(sent_count(ORDER), 0);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(),
	                             "GoDaddy answered 200 without a "
	                             "certificates array"));
}
END_TEST

START_TEST(unreadable_verifications_are_not_validated)
{
	static const char *const bodies[] = {"[{\"status\":", "{}",
	                                     "{\"status\":\"COMPLETED\"}"};

	mock_state_set("order:" CN, "cert-1");
	mock_http_reply(ORDER_GET, 200, "{\"status\":\"PENDING_ISSUANCE\"}",
	                NULL, MOCK_REPLY_ALWAYS);
	for (size_t i = 0; i < 3; i++) {
		size_t rule = mock_http_reply(CHECKS, 200, bodies[i], NULL,
		                              MOCK_REPLY_ALWAYS);

		ck_assert_int_eq(run("validate_domain", ES_PHASE_APPLY),
		                 ES_RETRY);
		ck_assert_int_eq(run("validate_domain", ES_PHASE_VERIFY),
		                 ES_RETRY);
		mock_http_drop(rule);
	}
	ck_assert_uint_eq(sent_count("verifyDomainControl"), 0);
}
END_TEST

/* The TXT record of a pending verification cannot be written (GoDaddy
 * refuses it, or its answer is a 5xx or is lost): the task fails with the
 * reason, asks nothing of GoDaddy, and frees every reply it got. The
 * verification list was once kept when the write failed, which a
 * sanitized build reports as a leak (exit 1 instead of 4). */
START_TEST(failed_token_write_fails_and_frees_its_replies)
{
	static const struct {
		long status;
		enum es_status want;
	} puts[] = {{422, ES_FAILED}, {500, ES_RETRY}, {0, ES_RETRY}};

	for (size_t i = 0; i < sizeof(puts) / sizeof(puts[0]); i++) {
		setup();
		mock_state_set("order:" CN, "cert-1");
		mock_http_reply(ORDER_GET, 200,
		                "{\"status\":\"PENDING_ISSUANCE\"}", NULL,
		                MOCK_REPLY_ALWAYS);
		mock_http_reply(CHECKS, 200,
		                "[{\"domain\":\"" CN "\",\"status\":"
		                "\"PENDING\",\"dceToken\":\"tok-1\"}]",
		                NULL, MOCK_REPLY_ALWAYS);
		mock_http_reply(TXT_GET, 200, "[]", NULL, MOCK_REPLY_ALWAYS);
		mock_http_reply(TXT_PUT, puts[i].status,
		                "{\"code\":\"INVALID_BODY\","
		                "\"message\":\"bad TXT\"}",
		                NULL, MOCK_REPLY_ALWAYS);
		ck_assert_int_eq(run("validate_domain", ES_PHASE_APPLY),
		                 puts[i].want);
		ck_assert_uint_eq(sent_count("PUT " API), 1);
		ck_assert_uint_eq(sent_count("verifyDomainControl"), 0);
		ck_assert_msg(mock_http_unfreed() == 0,
		              "PUT answered %ld: %zu replies not freed",
		              puts[i].status, mock_http_unfreed());
		teardown();
	}
	setup(); /* for the fixture's teardown */
}
END_TEST

START_TEST(unreadable_order_status_is_a_failure_not_a_poll)
{
	static const char *const bodies[] = {"<html>busy</html>", "{}", "[]"};

	mock_state_set("order:" CN, "cert-1");
	for (size_t i = 0; i < 3; i++) {
		size_t rule = mock_http_reply(ORDER_GET, 200, bodies[i], NULL,
		                              MOCK_REPLY_ALWAYS);

		ck_assert_int_eq(run("wait_issued", ES_PHASE_APPLY), ES_RETRY);
		mock_http_drop(rule);
	}
	ck_assert_uint_eq(mock_retry_after(), 0);
}
END_TEST

START_TEST(download_without_a_certificate_is_a_failure)
{
	mock_state_set("order:" CN, "cert-1");
	mock_http_reply("GET " API "/v1/certificates/cert-1/download", 200,
	                "{\"pems\":{}}", NULL, MOCK_REPLY_ALWAYS);
	ck_assert_int_eq(run("download_certificate", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "a PEM certificate"));
}
END_TEST

/* --------------------------------- (b) an order is never placed twice */

START_TEST(order_made_from_our_key_is_recorded_not_ordered)
{
	make_key_and_csr();
	list_has_order();
	detail_with_csr(our_csr());
	ck_assert_int_eq(run("order_certificate", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_ptr_nonnull(
	    strstr(mock_plan(0)->text, "found at the provider: record its id"));
	ck_assert_int_eq(run("order_certificate", ES_PHASE_VERIFY), ES_FAILED);
	ck_assert_int_eq(run("order_certificate", ES_PHASE_APPLY), ES_OK);
	ck_assert_str_eq(mock_state("order:" CN), "cert-1");
	ck_assert_uint_eq(sent_count(ORDER), 0);
}
END_TEST

START_TEST(order_made_from_another_key_is_not_adopted)
{
	make_key_and_csr();
	list_has_order();
	detail_with_csr(foreign_csr());
	mock_http_reply(ORDER, 202, "{\"certificateId\":\"cert-2\"}", NULL,
	                MOCK_REPLY_ONCE);
	ck_assert_int_eq(run("order_certificate", ES_PHASE_APPLY), ES_OK);
	ck_assert_str_eq(mock_state("order:" CN), "cert-2");
	ck_assert_uint_eq(sent_count(ORDER), 1);
}
END_TEST

/* The first answer to the order cannot be recorded: none came (the core
 * hands a write whose answer was lost as status 0), or it lacks the id.
 * GoDaddy did make the order: the next call finds it, never orders. */
START_TEST(unrecorded_order_is_looked_up_before_ordering_again)
{
	static const struct {
		long status;
		const char *body;
	} first[] = {{0, NULL}, {202, "{}"}};

	make_key_and_csr();
	no_orders_yet(MOCK_REPLY_ONCE);
	mock_http_reply(ORDER, first[_i].status, first[_i].body, NULL,
	                MOCK_REPLY_ONCE);
	ck_assert_int_eq(run("order_certificate", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_ptr_null(mock_state("order:" CN));
	list_has_order();
	detail_with_csr(our_csr());
	ck_assert_int_eq(run("order_certificate", ES_PHASE_APPLY), ES_OK);
	ck_assert_str_eq(mock_state("order:" CN), "cert-1");
	ck_assert_uint_eq(sent_count(ORDER), 1);
	ck_assert_uint_eq(sent_count(LIST), 2);
}
END_TEST

/* A dead recorded order is replaced, but only after the list is read:
 * the replacement's answer may have been lost before. */
START_TEST(dead_order_is_replaced_after_the_look_up)
{
	make_key_and_csr();
	mock_state_set("order:" CN, "cert-0");
	mock_http_reply("GET " API "/v1/certificates/cert-0\n", 200,
	                "{\"status\":\"CANCELED\"}", NULL, MOCK_REPLY_ALWAYS);
	list_has_order();
	detail_with_csr(our_csr());
	ck_assert_int_eq(run("order_certificate", ES_PHASE_APPLY), ES_OK);
	ck_assert_str_eq(mock_state("order:" CN), "cert-1");
	ck_assert_uint_eq(sent_count(ORDER), 0);
}
END_TEST

/* A self-signed certificate for our key, valid 10 days, as <cn>.crt. */
static void install_expiring_certificate(void)
{
	char cmd[1600];

	snprintf(cmd, sizeof(cmd),
	         "openssl req -x509 -key '%s/%s.key' -subj /CN=%s -days 10 "
	         "-out '%s/%s.crt' 2>/dev/null",
	         keys, CN, CN, keys, CN);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(lost_renewal_answer_does_not_renew_twice)
{
	make_key_and_csr();
	install_expiring_certificate();
	mock_state_set("order:" CN, "cert-1");
	mock_http_reply(ORDER_GET, 200,
	                "{\"status\":\"ISSUED\",\"serialNumber\":\"111\"}",
	                NULL, MOCK_REPLY_ONCE);
	mock_http_reply(RENEW, 0, NULL, NULL, MOCK_REPLY_ONCE);
	ck_assert_int_eq(run("download_certificate", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_str_eq(mock_state("renewing:" CN), "111");
	/* Still the old serial, or pending: wait, never ask again. */
	mock_http_reply(ORDER_GET, 200,
	                "{\"status\":\"ISSUED\",\"serialNumber\":\"111\"}",
	                NULL, MOCK_REPLY_ONCE);
	ck_assert_int_eq(run("download_certificate", ES_PHASE_APPLY),
	                 ES_IN_PROGRESS);
	mock_http_reply(ORDER_GET, 200, "{\"status\":\"PENDING_ISSUANCE\"}",
	                NULL, MOCK_REPLY_ONCE);
	ck_assert_int_eq(run("download_certificate", ES_PHASE_APPLY),
	                 ES_IN_PROGRESS);
	ck_assert_uint_eq(sent_count(RENEW), 1);
}
END_TEST

START_TEST(refused_renewal_is_asked_again)
{
	make_key_and_csr();
	install_expiring_certificate();
	mock_state_set("order:" CN, "cert-1");
	mock_http_reply(ORDER_GET, 200,
	                "{\"status\":\"ISSUED\",\"serialNumber\":\"111\"}",
	                NULL, MOCK_REPLY_ALWAYS);
	mock_http_reply(RENEW, 422,
	                "{\"code\":\"INVALID_BODY\",\"message\":\"no\"}", NULL,
	                MOCK_REPLY_ONCE);
	ck_assert_int_eq(run("download_certificate", ES_PHASE_APPLY),
	                 ES_FAILED);
	ck_assert_ptr_null(mock_state("renewing:" CN));
}
END_TEST

/* ------------------------------------------------- the GoDaddy client */

START_TEST(requests_carry_the_sso_key_and_errors_read_godaddys_shape)
{
	const struct mock_request *req;

	mock_config_list("records", "app.uat=CNAME:lb.example.net", NULL);
	mock_http_reply(
	    "GET " API "/v1/domains/acme.example/records/CNAME/app.uat", 422,
	    "{\"code\":\"INVALID_BODY\",\"message\":\"Bad\","
	    "\"fields\":[{\"path\":\"name\",\"code\":\"X\","
	    "\"message\":\"too long\"},{\"path\":\"type\","
	    "\"code\":\"Y\"}]}",
	    NULL, MOCK_REPLY_ALWAYS);
	ck_assert_int_eq(run("dns_records", ES_PHASE_PLAN), ES_FAILED);
	req = mock_http_sent(0);
	ck_assert_ptr_nonnull(req);
	ck_assert_str_eq(mock_request_header(req, "Authorization"),
	                 "sso-key {{secret:api_key}}:{{secret:api_secret}}");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(),
	                             "GoDaddy answered 422 INVALID_BODY: Bad "
	                             "(name: too long; type: Y)"));
}
END_TEST

START_TEST(forbidden_explains_godaddys_eligibility_rule)
{
	mock_state_set("order:" CN, "cert-1");
	mock_http_reply(
	    ORDER_GET, 403,
	    "{\"code\":\"ACCESS_DENIED\",\"message\":\"Authenticated "
	    "user is not allowed access\"}",
	    NULL, MOCK_REPLY_ALWAYS);
	ck_assert_int_eq(run("wait_issued", ES_PHASE_PLAN), ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "api_key");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "ACCESS_DENIED"));
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "10 or more domains"));
}
END_TEST

START_TEST(too_many_requests_waits_as_godaddy_asks)
{
	mock_state_set("order:" CN, "cert-1");
	mock_http_reply(ORDER_GET, 429,
	                "{\"code\":\"TOO_MANY_REQUESTS\",\"message\":\"slow "
	                "down\",\"retryAfterSec\":7}",
	                NULL, MOCK_REPLY_ALWAYS);
	ck_assert_int_eq(run("wait_issued", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(mock_retry_after(), 7000);
}
END_TEST

START_TEST(ote_environment_uses_ote_url)
{
	mock_config_string("environment", "ote");
	mock_state_set("order:" CN, "cert-1");
	mock_http_reply("GET http://ote.test/v1/certificates/cert-1\n", 200,
	                "{\"status\":\"ISSUED\"}", NULL, MOCK_REPLY_ALWAYS);
	ck_assert_int_eq(run("wait_issued", ES_PHASE_VERIFY), ES_OK);
	ck_assert_str_eq(mock_output("status:" CN, NULL), "ISSUED");
}
END_TEST

/* ----------------------------------------------- validate: cross-field */

START_TEST(validate_checks_the_rules_between_keys)
{
	mock_config_list("certificates", "*.uat.acme.example", NULL);
	ck_assert_int_eq(desc->ops->validate(mock_ctx(ES_PHASE_PLAN, NULL)),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "product_type");
	mock_config_string("product_type", "OV_WILDCARD_SSL");
	ck_assert_int_eq(desc->ops->validate(mock_ctx(ES_PHASE_PLAN, NULL)),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "subject_org");
	mock_config_string("subject_org", "Acme Corp");
	mock_config_string("subject_country", "US");
	ck_assert_int_eq(desc->ops->validate(mock_ctx(ES_PHASE_PLAN, NULL)),
	                 ES_OK);
}
END_TEST

int main(void)
{
	const TTest *tests[] = {
	    unparsable_list_is_a_failure_not_absent,
	    list_of_another_shape_is_a_failure_not_absent,
	    unreadable_verifications_are_not_validated,
	    failed_token_write_fails_and_frees_its_replies,
	    unreadable_order_status_is_a_failure_not_a_poll,
	    download_without_a_certificate_is_a_failure,
	    order_made_from_our_key_is_recorded_not_ordered,
	    order_made_from_another_key_is_not_adopted,
	    dead_order_is_replaced_after_the_look_up,
	    lost_renewal_answer_does_not_renew_twice,
	    refused_renewal_is_asked_again,
	    requests_carry_the_sso_key_and_errors_read_godaddys_shape,
	    forbidden_explains_godaddys_eligibility_rule,
	    too_many_requests_waits_as_godaddy_asks,
	    ote_environment_uses_ote_url,
	    validate_checks_the_rules_between_keys,
	};
	TCase *tc = tcase_create("tasks");
	Suite *s = suite_create("godaddy_ssl");
	SRunner *sr = srunner_create(s);
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		tcase_add_test(tc, tests[i]);
	/* Each way an order's id can go unrecorded. */
	tcase_add_loop_test(
	    tc, unrecorded_order_is_looked_up_before_ordering_again, 0, 2);
	suite_add_tcase(s, tc);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
