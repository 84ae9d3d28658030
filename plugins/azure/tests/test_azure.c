/*
 * The azure plugin's pure helpers (name-based UUIDs, token lifetimes, poll
 * URL origins, alias names) and its tasks against the shared mock host,
 * whose HTTP answers come from a script: tokens, errors, look-ups before
 * creates, ids found at Azure but not recorded, polling and paging. The
 * plugin sources are compiled in (its .so exports only the entry), static
 * helpers and all.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envsetup/host.h"
#include "mock_host.h"

#include "../azure.c"
#include "../azure_access.c"
#include "../azure_api.c"
#include "../azure_subscription.c"

/* ---- pure helpers ----------------------------------------------------- */

START_TEST(uuid_v5_matches_rfc_vectors)
{
	/* RFC 4122 DNS namespace, as Python's uuid.uuid5 computes it. */
	static const unsigned char dns[16] = {
	    0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
	    0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
	};
	char out[AZURE_UUID_LEN + 1];

	ck_assert_int_eq(azure_uuid_v5(dns, "www.example.com", out), 0);
	ck_assert_str_eq(out, "2ed6657d-e927-568b-95e1-2665a8aea6a2");
}
END_TEST

START_TEST(role_assignment_name_is_stable_and_case_blind)
{
	char a[AZURE_UUID_LEN + 1], b[AZURE_UUID_LEN + 1],
	    c[AZURE_UUID_LEN + 1];

	ck_assert_int_eq(azure_role_assignment_name(
	                     "subscriptions/abc/resourceGroups/RG", "pid-1",
	                     "8E3AF657-a8ff-443c-a75c-2fe8c4bcb635", a),
	                 0);
	/* uuid.uuid5(NAMESPACE_URL, "envsetup:role-assignment:" +
	 * "subscriptions/abc/resourcegroups/rg|pid-1|8e3af657-...") */
	ck_assert_str_eq(a, "2f2c6ab9-2a10-552f-a619-352c20c7dcd1");
	ck_assert_int_eq(azure_role_assignment_name(
	                     "subscriptions/abc/resourcegroups/rg", "PID-1",
	                     "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", b),
	                 0);
	ck_assert_str_eq(a, b);
	ck_assert_int_eq(azure_role_assignment_name(
	                     "subscriptions/abc/resourcegroups/rg", "pid-2",
	                     "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", c),
	                 0);
	ck_assert_str_ne(a, c);
	ck_assert_uint_eq(strlen(c), AZURE_UUID_LEN);
	ck_assert_int_eq(azure_role_assignment_name(NULL, "p", "r", c), -1);
}
END_TEST

START_TEST(token_deadline_keeps_a_margin)
{
	ck_assert_int_eq(azure_token_deadline(1000, 3599), 1000 + 3599 - 300);
	ck_assert_int_eq(azure_token_deadline(1000, 100), 1050);
	ck_assert_int_eq(azure_token_deadline(1000, 0), 1000);
	ck_assert_int_eq(azure_token_deadline(1000, -5), 1000);
	ck_assert_int_eq(azure_token_deadline(1000, NAN), 1000);
	ck_assert_int_eq(azure_token_deadline(1000, 1e300), 1000);
	ck_assert(azure_token_fresh(4298, 4299));
	ck_assert(!azure_token_fresh(4299, 4299));
	ck_assert(!azure_token_fresh(1000, 0));
}
END_TEST

START_TEST(poll_urls_must_stay_on_arm)
{
	const char *arm = "http://127.0.0.1:8080/azure/arm";

	ck_assert(azure_same_origin(arm, "http://127.0.0.1:8080/azure/arm/x"));
	ck_assert(azure_same_origin("https://management.azure.com",
	                            "https://MANAGEMENT.azure.com/op?a=1"));
	ck_assert(!azure_same_origin(arm, "http://127.0.0.1:8081/azure/arm"));
	ck_assert(!azure_same_origin(arm, "https://127.0.0.1:8080/azure"));
	ck_assert(!azure_same_origin(arm, "http://127.0.0.1:8080@evil/x"));
	ck_assert(!azure_same_origin("https://management.azure.com",
	                             "https://management.azure.com.evil/x"));
	ck_assert(!azure_same_origin(arm, "/relative/path"));
	ck_assert(!azure_same_origin(arm, NULL));
}
END_TEST

START_TEST(alias_names_and_retry_after)
{
	char out[96];

	ck_assert_int_eq(azure_alias_name("Acme Corp", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "envsetup-acme-corp");
	ck_assert_int_eq(azure_alias_name("a.b..c-", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "envsetup-a-b-c");
	ck_assert_int_eq(azure_alias_name("---", out, sizeof(out)), -1);
	ck_assert_int_eq(azure_alias_name("", out, sizeof(out)), -1);
	ck_assert_int_eq(azure_alias_name("abcdefghij", out, 12), -1);
	ck_assert_uint_eq(azure_retry_after_ms("5", 7), 5000);
	ck_assert_uint_eq(azure_retry_after_ms(NULL, 7), 7);
	ck_assert_uint_eq(azure_retry_after_ms("soon", 7), 7);
	ck_assert_uint_eq(azure_retry_after_ms("-1", 7), 7);
	/* Large values stay in range; es_poll_again() clamps them. */
	ck_assert_uint_eq(azure_retry_after_ms("99999999999", 7), 86400000);
}
END_TEST

/* ---- fixture: the shared mock host (tests/support/mock_host.h) -------- */

static void *instance;

/* Task `id` once in `phase`, as the core would call it. */
static enum es_status run(const char *id, enum es_phase phase)
{
	return mock_run_task(&azure, id, phase, instance);
}

static void setup(void)
{
	static const char *const config[][2] = {
	    {"tenant_id", "contoso.onmicrosoft.com"},
	    {"client_id", "00000000-0000-0000-0000-0000000000c1"},
	    {"login_url", "http://127.0.0.1:1/login"},
	    {"arm_url", "http://127.0.0.1:1/arm"},
	    {"graph_url", "http://127.0.0.1:1/graph"},
	    {"subscription_mode", "create"},
	    {"subscription_name", "Acme"},
	    {"billing_scope", "/providers/Microsoft.Billing/billingAccounts/1"},
	    {"workload", "Production"},
	    {"location", "westeurope"},
	    {"resource_group", "acme-uat"},
	    {"admin_role", OWNER_ROLE},
	    {"user_role", READER_ROLE},
	    {"role_scope", "resource_group"},
	    {"user_mode", "invite"},
	};

	mock_host_reset();
	for (size_t i = 0; i < sizeof(config) / sizeof(config[0]); i++)
		mock_config_string(config[i][0], config[i][1]);
	mock_config_duration("poll_interval", 1000);
	mock_config_list("admin_users", "ops@acme.example", NULL);
	ck_assert_int_eq(azure_create(mock_ctx(ES_PHASE_PLAN, NULL), &instance),
	                 ES_OK);
}

static void teardown(void)
{
	azure_destroy_instance(instance);
	mock_host_reset();
}

/* Script a one-time answer to the first request whose "METHOD URL" holds
 * `match`; header is "Name: value" or NULL. */
static void answer(const char *match, long status, const char *body,
                   const char *header)
{
	mock_http_reply(match, status, body, header, MOCK_REPLY_ONCE);
}

/* How many requests sent had `needle` in their "METHOD URL". */
static size_t count_sent(const char *needle)
{
	size_t n = 0;
	char line[512];

	for (size_t i = 0; i < mock_http_count(); i++) {
		const struct mock_request *r = mock_http_sent(i);

		snprintf(line, sizeof(line), "%s %s", r->method, r->url);
		n += strstr(line, needle) != NULL;
	}
	return n;
}

/* The secret the plugin remembered as `name`, "" when none. */
static const char *remembered(const char *name)
{
	const char *v = mock_secret(name);

	return v != NULL ? v : "";
}

#define TOKEN_OK                                                               \
	"{\"token_type\":\"Bearer\",\"expires_in\":3599,"                      \
	"\"access_token\":\"tok-1\"}"
#define ALIAS_OK                                                               \
	"{\"name\":\"envsetup-acme\",\"properties\":{"                         \
	"\"provisioningState\":\"Succeeded\",\"subscriptionId\":"              \
	"\"11111111-2222-3333-4444-555555555555\"}}"

/* ---- tokens and errors ------------------------------------------------ */

#define ALIAS_URL                                                              \
	"http://127.0.0.1:1/arm/providers/Microsoft.Subscription/aliases/"     \
	"envsetup-acme?api-version=2021-10-01"
#define SUB_ID "11111111-2222-3333-4444-555555555555"

START_TEST(token_is_cached_and_a_401_drops_it)
{
	answer("POST http://127.0.0.1:1/login/contoso.onmicrosoft.com/oauth2/"
	       "v2.0/token",
	       200, TOKEN_OK, NULL);
	answer("GET " ALIAS_URL, 200, ALIAS_OK, NULL);
	answer("GET " ALIAS_URL, 401,
	       "{\"error\":{\"code\":\"ExpiredAuthenticationToken\"}}", NULL);
	answer("/oauth2/v2.0/token", 200, TOKEN_OK, NULL);
	answer("GET " ALIAS_URL, 200, ALIAS_OK, NULL);
	mock_state_set("subscription_id", SUB_ID);

	ck_assert_int_eq(run("subscription", ES_PHASE_VERIFY), ES_OK);
	ck_assert_str_eq(remembered("arm_token"), "tok-1");
	ck_assert_str_eq(mock_output("subscription_id", NULL), SUB_ID);
	ck_assert_ptr_nonnull(
	    strstr(mock_request_header(mock_http_sent(1), "Authorization"),
	           "{{secret:arm_token}}"));
	/* The cached token serves the next call. A 401 is the
	 * credentials' fault, and drops the token: the call after signs
	 * in again rather than sending it once more. */
	ck_assert_int_eq(run("subscription", ES_PHASE_VERIFY),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "client_id");
	ck_assert_uint_eq(count_sent("/token"), 1);
	ck_assert_int_eq(run("subscription", ES_PHASE_VERIFY), ES_OK);
	ck_assert_uint_eq(count_sent("/token"), 2);
	ck_assert_uint_eq(count_sent("aliases/envsetup-acme"), 3);
}
END_TEST

/* What the identity platform answers a refused grant, and the key at
 * fault: the secret (401), else the one its AADSTS code names (400). */
static const struct {
	long status;
	const char *body, *key;
} refusals[] = {
    {401,
     "{\"error\":\"invalid_client\",\"error_description\":"
     "\"AADSTS7000215: Invalid client secret provided.\"}",
     "client_secret"},
    {400,
     "{\"error\":\"invalid_request\",\"error_description\":"
     "\"AADSTS90002: Tenant 'x' not found.\"}",
     "tenant_id"},
    {400,
     "{\"error\":\"unauthorized_client\",\"error_description\":"
     "\"AADSTS700016: Application was not found in the directory.\"}",
     "client_id"},
};

START_TEST(refused_grant_names_the_key_at_fault)
{
	answer("/token", refusals[_i].status, refusals[_i].body, NULL);
	ck_assert_int_eq(run(_i ? "users" : "subscription", ES_PHASE_PLAN),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), refusals[_i].key);
	ck_assert_str_eq(remembered(_i ? "graph_token" : "arm_token"), "");
	ck_assert_uint_eq(mock_http_count(), 1); /* nothing sent after */
}
END_TEST

START_TEST(forbidden_is_invalid_config_and_429_is_retry)
{
	answer("/token", 200, TOKEN_OK, NULL);
	answer("aliases", 403,
	       "{\"error\":{\"code\":\"AuthorizationFailed\",\"message\":"
	       "\"no\"}}",
	       NULL);
	answer("aliases", 429, "{\"error\":{\"code\":\"TooManyRequests\"}}",
	       "Retry-After: 3");
	ck_assert_int_eq(run("subscription", ES_PHASE_PLAN), ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "client_id");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "AuthorizationFailed"));
	ck_assert_int_eq(run("subscription", ES_PHASE_PLAN), ES_RETRY);
}
END_TEST

/* ---- subscription: look up before create, record what is found -------- */

START_TEST(malformed_alias_lookup_does_not_create_it)
{
	answer("/token", 200, TOKEN_OK, NULL);
	answer("GET " ALIAS_URL, 200, "{\"properties\":{\"provisioningSt",
	       NULL);
	answer("GET " ALIAS_URL, 200, "", NULL);
	mock_http_reply("PUT ", 201, ALIAS_OK, NULL, MOCK_REPLY_ALWAYS);

	/* A 200 that does not parse, or says nothing, is no "absent". */
	ck_assert_int_eq(run("subscription", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_int_eq(run("subscription", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(count_sent("GET " ALIAS_URL), 2);
	ck_assert_uint_eq(count_sent("PUT "), 0);
	ck_assert_ptr_null(mock_state("subscription_id"));
}
END_TEST

START_TEST(alias_found_unrecorded_is_a_change_that_apply_records)
{
	answer("/token", 200, TOKEN_OK, NULL);
	mock_http_reply("GET " ALIAS_URL, 200, ALIAS_OK, NULL,
	                MOCK_REPLY_ALWAYS);

	/* The last run died between Azure's answer and the state put. */
	ck_assert_int_eq(run("subscription", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_str_eq(mock_plan(0)->name, "envsetup-acme");
	ck_assert_ptr_null(mock_state("subscription_id"));
	ck_assert_int_eq(run("subscription", ES_PHASE_VERIFY), ES_FAILED);

	ck_assert_int_eq(run("subscription", ES_PHASE_APPLY), ES_OK);
	ck_assert_str_eq(mock_state("subscription_id"), SUB_ID);
	ck_assert_str_eq(mock_output("subscription_id", NULL), SUB_ID);
	ck_assert_uint_eq(count_sent("PUT "), 0);
	ck_assert_int_eq(run("subscription", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1); /* nothing new */
}
END_TEST

START_TEST(alias_poll_url_elsewhere_is_not_followed)
{
	answer("/token", 200, TOKEN_OK, NULL);
	answer("GET " ALIAS_URL, 404, "{\"error\":{\"code\":\"NotFound\"}}",
	       NULL);
	answer("PUT " ALIAS_URL, 201,
	       "{\"properties\":{\"provisioningState\":\"Accepted\"}}",
	       "Azure-AsyncOperation: https://evil.example/op/1");
	ck_assert_int_eq(run("subscription", ES_PHASE_APPLY), ES_IN_PROGRESS);
	ck_assert_ptr_null(mock_state("alias_poll"));
	ck_assert_uint_eq(mock_retry_after(), 1000); /* poll_interval */
}
END_TEST

START_TEST(alias_poll_follows_async_operation)
{
	answer("/token", 200, TOKEN_OK, NULL);
	answer("aliases/envsetup-acme", 404, "{}", NULL);
	answer("PUT " ALIAS_URL, 201,
	       "{\"properties\":{\"provisioningState\":\"Accepted\"}}",
	       "Azure-AsyncOperation: http://127.0.0.1:1/arm/op/7\n"
	       "Retry-After: 2");
	answer("aliases/envsetup-acme", 200,
	       "{\"properties\":{\"provisioningState\":\"Accepted\"}}", NULL);
	answer("GET http://127.0.0.1:1/arm/op/7", 200,
	       "{\"status\":\"Succeeded\"}", NULL);
	answer("aliases/envsetup-acme", 200, ALIAS_OK, NULL);

	ck_assert_int_eq(run("subscription", ES_PHASE_APPLY), ES_IN_PROGRESS);
	ck_assert_uint_eq(mock_retry_after(), 2000);
	ck_assert_str_eq(mock_state("alias_poll"),
	                 "async http://127.0.0.1:1/arm/op/7");
	ck_assert_int_eq(run("subscription", ES_PHASE_APPLY), ES_OK);
	ck_assert_str_eq(mock_state("subscription_id"), SUB_ID);
	ck_assert_ptr_null(mock_state("alias_poll"));
	ck_assert_uint_eq(count_sent("PUT "), 1);
}
END_TEST

/* ---- users and roles -------------------------------------------------- */

START_TEST(guest_on_a_later_page_is_recorded_not_invited)
{
	answer("/token", 200, TOKEN_OK, NULL);
	answer("GET http://127.0.0.1:1/graph/v1.0/users?$filter=mail eq "
	       "'ops@acme.example'",
	       200,
	       "{\"value\":[],\"@odata.nextLink\":"
	       "\"http://127.0.0.1:1/graph/v1.0/users?$skiptoken=2\"}",
	       NULL);
	answer("GET http://127.0.0.1:1/graph/v1.0/users?$skiptoken=2", 200,
	       "{\"value\":[{\"id\":\"user-object-1\"}]}", NULL);
	mock_http_reply("POST http://127.0.0.1:1/graph", 201, "{}", NULL,
	                MOCK_REPLY_ALWAYS);

	ck_assert_int_eq(run("users", ES_PHASE_APPLY), ES_OK);
	ck_assert_str_eq(mock_state("principal.ops@acme.example"),
	                 "user-object-1");
	ck_assert_uint_eq(count_sent("POST http://127.0.0.1:1/graph"), 0);
}
END_TEST

START_TEST(existing_role_assignment_counts_as_done)
{
	mock_state_set("subscription_id", SUB_ID);
	mock_state_set("principal.ops@acme.example", "user-object-1");
	answer("/token", 200, TOKEN_OK, NULL);
	answer("roleDefinitions/" OWNER_ROLE "?api-version=2022-04-01", 200,
	       "{\"name\":\"" OWNER_ROLE "\"}", NULL);
	answer("GET http://127.0.0.1:1/arm/subscriptions/" SUB_ID
	       "/resourceGroups/acme-uat/providers/"
	       "Microsoft.Authorization/roleAssignments?api-version=2022-04-01"
	       "&$filter=principalId eq 'user-object-1'",
	       200, "{\"value\":[]}", NULL);
	answer("PUT http://127.0.0.1:1/arm/subscriptions/" SUB_ID
	       "/resourceGroups/acme-uat/providers/"
	       "Microsoft.Authorization/roleAssignments/",
	       409,
	       "{\"error\":{\"code\":\"RoleAssignmentExists\",\"message\":"
	       "\"The role assignment already exists.\"}}",
	       NULL);
	ck_assert_int_eq(run("role_assignments", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(count_sent("PUT "), 1);
}
END_TEST

START_TEST(unreplicated_principal_is_retried)
{
	mock_state_set("subscription_id", SUB_ID);
	mock_state_set("principal.ops@acme.example", "user-object-1");
	answer("/token", 200, TOKEN_OK, NULL);
	answer("roleDefinitions/", 200, "{}", NULL);
	answer("roleAssignments?", 200, "{\"value\":[]}", NULL);
	answer("PUT ", 400,
	       "{\"error\":{\"code\":\"PrincipalNotFound\",\"message\":"
	       "\"Principal user-object-1 does not exist.\"}}",
	       NULL);
	ck_assert_int_eq(run("role_assignments", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_uint_eq(mock_retry_after(), PRINCIPAL_RETRY_MS);
}
END_TEST

static Suite *azure_suite(void)
{
	Suite *s = suite_create("azure");
	TCase *pure = tcase_create("helpers"), *host = tcase_create("host");

	tcase_add_test(pure, uuid_v5_matches_rfc_vectors);
	tcase_add_test(pure, role_assignment_name_is_stable_and_case_blind);
	tcase_add_test(pure, token_deadline_keeps_a_margin);
	tcase_add_test(pure, poll_urls_must_stay_on_arm);
	tcase_add_test(pure, alias_names_and_retry_after);
	tcase_add_checked_fixture(host, setup, teardown);
	tcase_add_test(host, token_is_cached_and_a_401_drops_it);
	tcase_add_loop_test(host, refused_grant_names_the_key_at_fault, 0,
	                    sizeof(refusals) / sizeof(refusals[0]));
	tcase_add_test(host, forbidden_is_invalid_config_and_429_is_retry);
	tcase_add_test(host, malformed_alias_lookup_does_not_create_it);
	tcase_add_test(host,
	               alias_found_unrecorded_is_a_change_that_apply_records);
	tcase_add_test(host, alias_poll_url_elsewhere_is_not_followed);
	tcase_add_test(host, alias_poll_follows_async_operation);
	tcase_add_test(host, guest_on_a_later_page_is_recorded_not_invited);
	tcase_add_test(host, existing_role_assignment_counts_as_done);
	tcase_add_test(host, unreplicated_principal_is_retried);
	suite_add_tcase(s, pure);
	suite_add_tcase(s, host);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(azure_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
