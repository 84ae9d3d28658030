/*
 * The azure plugin's teardown (ES_PHASE_PLAN_DESTROY, ES_PHASE_DESTROY)
 * against the mock host: an adopted subscription kept, one envsetup made
 * left to a person (a gate, no request that ends it), the resource group
 * deleted only when tagged as this customer's and polled until gone, a
 * user removed by the object id the state recorded.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

#include "../azure.c"
#include "../azure_access.c"
#include "../azure_api.c"
#include "../azure_subscription.c"

#define TOKEN_OK                                                               \
	"{\"token_type\":\"Bearer\",\"expires_in\":3599,"                      \
	"\"access_token\":\"tok-1\"}"
#define SUB "11111111-2222-3333-4444-555555555555"
#define RG_URL                                                                 \
	"http://127.0.0.1:1/arm/subscriptions/" SUB "/resourcegroups/acme-uat"

static void *instance;

static enum es_status run(const char *id, enum es_phase phase)
{
	return mock_run_task(&azure, id, phase, instance);
}

static void on(const char *match, long status, const char *body)
{
	mock_http_reply(match, status, body, NULL, MOCK_REPLY_ALWAYS);
}

static size_t count_sent(const char *method)
{
	size_t n = 0;

	for (size_t i = 0; i < mock_http_count(); i++)
		n += strcmp(mock_http_sent(i)->method, method) == 0;
	return n;
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
	    {"resource_group", "acme-uat"},
	    {"user_mode", "invite"},
	};

	mock_host_reset();
	for (size_t i = 0; i < sizeof(config) / sizeof(config[0]); i++)
		mock_config_string(config[i][0], config[i][1]);
	mock_config_list("admin_users", "ops@acme.example", NULL);
	ck_assert_int_eq(azure_create(mock_ctx(ES_PHASE_PLAN, NULL), &instance),
	                 ES_OK);
	on("/oauth2/v2.0/token", 200, TOKEN_OK);
}

static void teardown(void)
{
	azure_destroy_instance(instance);
	mock_host_reset();
}

START_TEST(adopted_subscription_is_kept)
{
	mock_config_string("subscription_mode", "adopt");
	mock_config_string("subscription_id", SUB);

	ck_assert_int_eq(run("subscription", ES_PHASE_DESTROY), ES_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "adopted"));
	ck_assert_uint_eq(count_sent("DELETE"), 0);
}
END_TEST

START_TEST(created_subscription_waits_for_a_person)
{
	mock_state_set("subscription_id", SUB);
	on("/aliases/envsetup-acme", 200,
	   "{\"properties\":{\"provisioningState\":\"Succeeded\","
	   "\"subscriptionId\":\"" SUB "\"}}");

	ck_assert_int_eq(run("subscription", ES_PHASE_PLAN_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(run("subscription", ES_PHASE_DESTROY),
	                 ES_NEEDS_PERSON);
	ck_assert_ptr_nonnull(strstr(mock_ask(), "Cancel subscription " SUB));
	ck_assert_uint_eq(count_sent("DELETE"), 0); /* POST: the token */
	ck_assert_str_eq(mock_state("subscription_id"), SUB);
}
END_TEST

START_TEST(untagged_resource_group_is_kept)
{
	mock_state_set("subscription_id", SUB);
	on("GET " RG_URL, 200, "{\"name\":\"acme-uat\",\"tags\":{}}");

	ck_assert_int_eq(run("resource_group", ES_PHASE_DESTROY),
	                 ES_UNSUPPORTED);
	ck_assert_uint_eq(count_sent("DELETE"), 0);
}
END_TEST

START_TEST(our_resource_group_is_deleted_then_polled_until_gone)
{
	mock_state_set("subscription_id", SUB);
	mock_http_reply("GET " RG_URL, 200,
	                "{\"name\":\"acme-uat\",\"tags\":"
	                "{\"envsetup-customer\":\"acme\"}}",
	                NULL, MOCK_REPLY_ONCE);
	on("DELETE " RG_URL, 202, "");
	on("GET " RG_URL, 404, "{\"error\":{\"code\":\"NotFound\"}}");

	ck_assert_int_eq(run("resource_group", ES_PHASE_DESTROY),
	                 ES_IN_PROGRESS);
	ck_assert_uint_eq(count_sent("DELETE"), 1);
	ck_assert_int_eq(run("resource_group", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(count_sent("DELETE"), 1);
}
END_TEST

START_TEST(user_removed_by_its_recorded_id)
{
	mock_state_set("principal.ops@acme.example", "obj-1");
	mock_state_set(ES_CLAIM_PREFIX "principal.ops@acme.example",
	               "ops@acme.example"); /* envsetup invited them */
	on("DELETE http://127.0.0.1:1/graph/v1.0/users/obj-1", 204, "");

	ck_assert_int_eq(run("users", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(count_sent("DELETE"), 1);
	ck_assert_ptr_null(mock_state("principal.ops@acme.example"));
	ck_assert_ptr_null(
	    mock_state(ES_CLAIM_PREFIX "principal.ops@acme.example"));
}
END_TEST

/* A user the tenant had (found, its id recorded, never claimed): kept. */
START_TEST(user_found_not_made_is_kept)
{
	mock_state_set("principal.ops@acme.example", "obj-1");

	ck_assert_int_eq(run("users", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(count_sent("DELETE"), 0);
	ck_assert_str_eq(mock_state("principal.ops@acme.example"), "obj-1");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("azure_destroy");
	TCase *tc = tcase_create("destroy");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, adopted_subscription_is_kept);
	tcase_add_test(tc, created_subscription_waits_for_a_person);
	tcase_add_test(tc, untagged_resource_group_is_kept);
	tcase_add_test(tc,
	               our_resource_group_is_deleted_then_polled_until_gone);
	tcase_add_test(tc, user_removed_by_its_recorded_id);
	tcase_add_test(tc, user_found_not_made_is_kept);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
