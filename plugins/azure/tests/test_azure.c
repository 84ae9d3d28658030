/*
 * The azure plugin's pure helpers (name-based UUIDs, token lifetimes, poll
 * URL origins, alias names) and its token and error handling against a
 * mock host whose HTTP answers come from a script. The plugin sources are
 * compiled in (its .so exports only the entry), static helpers and all.
 */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envsetup/host.h"
#include "host_tables.h"

#include "../azure.c"
#include "../azure_access.c"
#include "../azure_api.c"
#include "../azure_subscription.c"

/* ---- pure helpers ------------------------------------------------------ */

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
	ck_assert(azure_is_guid(c));
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
	ck_assert_uint_eq(azure_retry_after_ms("99999", 7), 3600000);
	ck_assert(azure_is_guid("8e3af657-a8ff-443c-a75c-2fe8c4bcb635"));
	ck_assert(!azure_is_guid("8e3af657-a8ff-443c-a75c-2fe8c4bcb63"));
	ck_assert(!azure_is_guid("8e3af657xa8ff-443c-a75c-2fe8c4bcb635"));
	ck_assert(!azure_is_guid(NULL));
}
END_TEST

/* ---- mock host --------------------------------------------------------- */

#define MAX 32

struct answer {
	const char *match; /* substring of "METHOD URL" */
	long status;
	const char *body;
	const char *header; /* "Name: value" or NULL */
	int used;
};

struct es_http_response {
	long status;
	const char *body;
	const char *header;
};

static struct answer answers[MAX];
static size_t n_answers;
static char sent[MAX][512];
static size_t n_sent;
static char diag_key[64];
static char state_key[MAX][128], state_val[MAX][512];
static size_t n_state;
static char remembered[2][200];

static void answer(const char *match, long status, const char *body,
                   const char *header)
{
	answers[n_answers++] = (struct answer){match, status, body, header, 0};
}

static es_http_response *mock_request(es_call *call,
                                      const struct es_http_request *req)
{
	struct es_http_response *r;

	(void)call;
	ck_assert_uint_lt(n_sent, MAX);
	snprintf(sent[n_sent++], sizeof(sent[0]), "%s %s", req->method,
	         req->url);
	for (size_t i = 0; i < n_answers; i++) {
		if (answers[i].used ||
		    !strstr(sent[n_sent - 1], answers[i].match))
			continue;
		answers[i].used = 1;
		r = calloc(1, sizeof(*r));
		r->status = answers[i].status;
		r->body = answers[i].body;
		r->header = answers[i].header;
		return r;
	}
	return NULL; /* no answer: like a dead connection */
}

static long mock_status(const es_http_response *r)
{
	return r->status;
}

static const char *mock_body(const es_http_response *r, size_t *len)
{
	*len = strlen(r->body);
	return r->body;
}

static const char *mock_header(const es_http_response *r, const char *name)
{
	size_t n = strlen(name);

	if (r->header && strncasecmp(r->header, name, n) == 0 &&
	    r->header[n] == ':')
		return r->header + n + 2;
	return NULL;
}

static void mock_response_free(es_http_response *r)
{
	free(r);
}
static char *mock_escape(const char *in)
{
	return strdup(in);
}

static const char *config_value(const char *key)
{
	static const char *const table[][2] = {
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

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i][0], key) == 0)
			return table[i][1];
	return NULL;
}

static int cfg_set(es_call *c, const char *k)
{
	(void)c;
	return config_value(k) != NULL;
}
static const char *cfg_string(es_call *c, const char *k)
{
	(void)c;
	return config_value(k);
}
static int64_t cfg_int(es_call *c, const char *k)
{
	(void)c;
	(void)k;
	return 0;
}
static int cfg_bool(es_call *c, const char *k)
{
	(void)c;
	(void)k;
	return 0;
}
static int64_t cfg_ms(es_call *c, const char *k)
{
	(void)c;
	(void)k;
	return 1000;
}

static size_t cfg_list_size(es_call *c, const char *k)
{
	(void)c;
	return strcmp(k, "admin_users") == 0;
}

static const char *cfg_list_item(es_call *c, const char *k, size_t i)
{
	(void)c;
	return strcmp(k, "admin_users") == 0 && i == 0 ? "ops@acme.example"
	                                               : NULL;
}

static const char *cfg_customer(es_call *c)
{
	(void)c;
	return "acme";
}
static const char *cfg_env(es_call *c)
{
	(void)c;
	return "uat";
}
static const char *cfg_env_value(es_call *c, const char *n)
{
	(void)c;
	(void)n;
	return NULL;
}

static const char *state_get(es_call *c, const char *key)
{
	(void)c;
	for (size_t i = 0; i < n_state; i++)
		if (strcmp(state_key[i], key) == 0)
			return state_val[i];
	return NULL;
}

static int state_put(es_call *c, const char *key, const char *value)
{
	size_t i = 0;

	(void)c;
	while (i < n_state && strcmp(state_key[i], key) != 0)
		i++;
	if (i == n_state)
		snprintf(state_key[n_state++], sizeof(state_key[0]), "%s", key);
	snprintf(state_val[i], sizeof(state_val[0]), "%s", value);
	return 0;
}

static int state_del(es_call *c, const char *key)
{
	(void)c;
	for (size_t i = 0; i < n_state; i++)
		if (strcmp(state_key[i], key) == 0)
			state_val[i][0] = '\0', state_key[i][0] = '\0';
	return 0;
}

static int state_interrupted(es_call *c)
{
	(void)c;
	return 0;
}

static void mock_log(es_call *c, enum es_log_level l, const char *fmt, ...)
{
	(void)c;
	(void)l;
	(void)fmt;
}

static void mock_diag(es_call *c, const char *key, const char *fmt, ...)
{
	(void)c;
	(void)fmt;
	snprintf(diag_key, sizeof(diag_key), "%s", key ? key : "-");
}

static void mock_retry_after(es_call *c, uint32_t ms)
{
	(void)c;
	(void)ms;
}
static void mock_ask(es_call *c, const char *fmt, ...)
{
	(void)c;
	(void)fmt;
}
static int mock_output(es_call *c, const char *n, const char *v, int s)
{
	(void)c;
	(void)n;
	(void)v;
	(void)s;
	return 0;
}
static int mock_secret_get(es_call *c, const char *n, char *b, size_t bl,
                           size_t *l)
{
	(void)c;
	(void)n;
	(void)b;
	(void)bl;
	(void)l;
	return -1;
}

static int mock_remember(es_call *c, const char *name, const char *value)
{
	(void)c;
	snprintf(remembered[strcmp(name, "arm_token") == 0 ? 0 : 1],
	         sizeof(remembered[0]), "%s", value);
	return 0;
}

static int mock_generate(es_call *c, const char *n, size_t l)
{
	(void)c;
	(void)n;
	(void)l;
	return 0;
}
static void mock_change(es_call *c, enum es_change ch, const char *k,
                        const char *n, const char *d)
{
	(void)c;
	(void)ch;
	(void)k;
	(void)n;
	(void)d;
}
static void mock_step(es_call *c, const char *fmt, ...)
{
	(void)c;
	(void)fmt;
}
static int mock_cancelled(es_call *c)
{
	(void)c;
	return 0;
}
static void mock_sleep(es_call *c, uint32_t ms)
{
	(void)c;
	(void)ms;
}
static int mock_confirmed(es_call *c)
{
	(void)c;
	return 0;
}
static void mock_wipe(void *b, size_t n)
{
	memset(b, 0, n);
}

/* Designated initializers: fields appended by newer minors stay NULL. */
static const struct es_log_api log_api = {.struct_size = sizeof(log_api),
                                          .log = mock_log};
static const struct es_diag_api diag_api = {.struct_size = sizeof(diag_api),
                                            .error = mock_diag,
                                            .retry_after = mock_retry_after,
                                            .ask = mock_ask};
static const struct es_config_api config_api = {.struct_size =
                                                    sizeof(config_api),
                                                .is_set = cfg_set,
                                                .get_string = cfg_string,
                                                .get_int = cfg_int,
                                                .get_bool = cfg_bool,
                                                .get_duration_ms = cfg_ms,
                                                .list_size = cfg_list_size,
                                                .list_item = cfg_list_item,
                                                .customer = cfg_customer,
                                                .environment = cfg_env,
                                                .env_value = cfg_env_value};
static const struct es_http_api http_api = {.struct_size = sizeof(http_api),
                                            .request = mock_request,
                                            .status = mock_status,
                                            .body = mock_body,
                                            .header = mock_header,
                                            .response_free = mock_response_free,
                                            .escape = mock_escape};
static const struct es_state_api state_api = {.struct_size = sizeof(state_api),
                                              .get = state_get,
                                              .put = state_put,
                                              .del = state_del,
                                              .interrupted = state_interrupted};
static const struct es_output_api output_api = {
    .struct_size = sizeof(output_api), .set = mock_output};
static const struct es_secret_api secret_api = {.struct_size =
                                                    sizeof(secret_api),
                                                .get = mock_secret_get,
                                                .remember = mock_remember,
                                                .generate = mock_generate};
static const struct es_plan_api plan_api = {.struct_size = sizeof(plan_api),
                                            .change = mock_change};
static const struct es_progress_api progress_api = {.struct_size =
                                                        sizeof(progress_api),
                                                    .step = mock_step,
                                                    .cancelled = mock_cancelled,
                                                    .sleep_ms = mock_sleep};
static const struct es_gate_api gate_api = {.struct_size = sizeof(gate_api),
                                            .confirmed = mock_confirmed};

static const struct es_host mock_host = {
    .struct_size = sizeof(struct es_host),
    .abi_major = ES_ABI_MAJOR,
    .abi_minor = ES_ABI_MINOR,
    .log = &log_api,
    .diag = &diag_api,
    .config = &config_api,
    .http = &http_api,
    .json = &es_host_json,
    .state = &state_api,
    .output = &output_api,
    .secret = &secret_api,
    .plan = &plan_api,
    .progress = &progress_api,
    .gate = &gate_api,
    .mem_free = free,
    .wipe = mock_wipe,
};

static void *instance;

static void setup(void)
{
	n_answers = n_sent = n_state = 0;
	diag_key[0] = '\0';
	memset(remembered, 0, sizeof(remembered));
	ck_assert_int_eq(azure_create(&mock_host, NULL, &instance), ES_OK);
}

static void teardown(void)
{
	azure_destroy_instance(instance);
}

static size_t count_sent(const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < n_sent; i++)
		n += strstr(sent[i], needle) != NULL;
	return n;
}

#define TOKEN_OK                                                               \
	"{\"token_type\":\"Bearer\",\"expires_in\":3599,"                      \
	"\"access_token\":\"tok-1\"}"
#define ALIAS_OK                                                               \
	"{\"name\":\"envsetup-acme\",\"properties\":{"                         \
	"\"provisioningState\":\"Succeeded\",\"subscriptionId\":"              \
	"\"11111111-2222-3333-4444-555555555555\"}}"

/* ---- tokens and errors through the plugin ------------------------------- */

START_TEST(token_is_fetched_once_and_refreshed_after_401)
{
	answer("POST http://127.0.0.1:1/login/contoso.onmicrosoft.com/oauth2/"
	       "v2.0/token",
	       200, TOKEN_OK, NULL);
	answer("GET http://127.0.0.1:1/arm/providers/Microsoft.Subscription/"
	       "aliases/envsetup-acme?api-version=2021-10-01",
	       200, ALIAS_OK, NULL);
	answer("GET http://127.0.0.1:1/arm/providers/Microsoft.Subscription/"
	       "aliases/envsetup-acme",
	       401, "{\"error\":{\"code\":\"ExpiredAuthenticationToken\"}}",
	       NULL);
	answer("/oauth2/v2.0/token", 200, TOKEN_OK, NULL);
	answer("aliases/envsetup-acme", 200, ALIAS_OK, NULL);

	ck_assert_int_eq(azure_verify(NULL, instance, "subscription"), ES_OK);
	ck_assert_str_eq(remembered[0], "tok-1");
	ck_assert_str_eq(state_get(NULL, "subscription_id"),
	                 "11111111-2222-3333-4444-555555555555");
	ck_assert_uint_eq(count_sent("/token"), 1);
	/* The cached token serves the next call; a 401 drops it, the
	 * request is sent once more with a new one. */
	ck_assert_int_eq(azure_verify(NULL, instance, "subscription"), ES_OK);
	ck_assert_uint_eq(count_sent("/token"), 2);
	ck_assert_uint_eq(count_sent("aliases/envsetup-acme"), 3);
}
END_TEST

START_TEST(rejected_secret_is_invalid_config)
{
	answer("/token", 401,
	       "{\"error\":\"invalid_client\",\"error_description\":"
	       "\"AADSTS7000215: Invalid client secret provided.\"}",
	       NULL);
	ck_assert_int_eq(azure_plan(NULL, instance, "subscription"),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(diag_key, "client_secret");
	ck_assert_str_eq(remembered[0], "");
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
	ck_assert_int_eq(azure_plan(NULL, instance, "subscription"),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(diag_key, "client_id");
	ck_assert_int_eq(azure_plan(NULL, instance, "subscription"), ES_RETRY);
}
END_TEST

START_TEST(alias_poll_url_elsewhere_is_not_followed)
{
	answer("/token", 200, TOKEN_OK, NULL);
	answer("GET http://127.0.0.1:1/arm/providers/Microsoft.Subscription/"
	       "aliases/envsetup-acme",
	       404, "{\"error\":{\"code\":\"NotFound\"}}", NULL);
	answer("PUT http://127.0.0.1:1/arm/providers/Microsoft.Subscription/"
	       "aliases/envsetup-acme?api-version=2021-10-01",
	       201, "{\"properties\":{\"provisioningState\":\"Accepted\"}}",
	       "Azure-AsyncOperation: https://evil.example/op/1");
	ck_assert_int_eq(azure_apply(NULL, instance, "subscription"),
	                 ES_IN_PROGRESS);
	ck_assert_ptr_null(state_get(NULL, "alias_poll"));
}
END_TEST

START_TEST(alias_poll_follows_async_operation)
{
	answer("/token", 200, TOKEN_OK, NULL);
	answer("aliases/envsetup-acme", 404, "{}", NULL);
	answer("PUT http://127.0.0.1:1/arm/providers/Microsoft.Subscription/"
	       "aliases/envsetup-acme",
	       201, "{\"properties\":{\"provisioningState\":\"Accepted\"}}",
	       "Azure-AsyncOperation: http://127.0.0.1:1/arm/op/7");
	answer("aliases/envsetup-acme", 200,
	       "{\"properties\":{\"provisioningState\":\"Accepted\"}}", NULL);
	answer("GET http://127.0.0.1:1/arm/op/7", 200,
	       "{\"status\":\"Succeeded\"}", NULL);
	answer("aliases/envsetup-acme", 200, ALIAS_OK, NULL);

	ck_assert_int_eq(azure_apply(NULL, instance, "subscription"),
	                 ES_IN_PROGRESS);
	ck_assert_str_eq(state_get(NULL, "alias_poll"),
	                 "async http://127.0.0.1:1/arm/op/7");
	ck_assert_int_eq(azure_apply(NULL, instance, "subscription"), ES_OK);
	ck_assert_str_eq(state_get(NULL, "subscription_id"),
	                 "11111111-2222-3333-4444-555555555555");
	ck_assert_uint_eq(count_sent("PUT "), 1);
}
END_TEST

START_TEST(existing_role_assignment_counts_as_done)
{
	state_put(NULL, "subscription_id",
	          "11111111-2222-3333-4444-555555555555");
	state_put(NULL, "principal.ops@acme.example", "user-object-1");
	answer("/token", 200, TOKEN_OK, NULL);
	answer("roleDefinitions/" OWNER_ROLE "?api-version=2022-04-01", 200,
	       "{\"name\":\"" OWNER_ROLE "\"}", NULL);
	answer("GET http://127.0.0.1:1/arm/subscriptions/11111111-2222-3333-"
	       "4444-555555555555/resourceGroups/acme-uat/providers/"
	       "Microsoft.Authorization/roleAssignments?api-version=2022-04-01"
	       "&$filter=principalId eq 'user-object-1'",
	       200, "{\"value\":[]}", NULL);
	answer("PUT http://127.0.0.1:1/arm/subscriptions/11111111-2222-3333-"
	       "4444-555555555555/resourceGroups/acme-uat/providers/"
	       "Microsoft.Authorization/roleAssignments/",
	       409,
	       "{\"error\":{\"code\":\"RoleAssignmentExists\",\"message\":"
	       "\"The role assignment already exists.\"}}",
	       NULL);
	ck_assert_int_eq(azure_apply(NULL, instance, "role_assignments"),
	                 ES_OK);
	ck_assert_uint_eq(count_sent("PUT "), 1);
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
	tcase_add_test(host, token_is_fetched_once_and_refreshed_after_401);
	tcase_add_test(host, rejected_secret_is_invalid_config);
	tcase_add_test(host, forbidden_is_invalid_config_and_429_is_retry);
	tcase_add_test(host, alias_poll_url_elsewhere_is_not_followed);
	tcase_add_test(host, alias_poll_follows_async_operation);
	tcase_add_test(host, existing_role_assignment_counts_as_done);
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
