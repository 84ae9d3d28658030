/*
 * The newrelic plugin's tasks against the SDK's mock host (mock_host.h):
 * NerdGraph's answers are scripted per operation name (every request is a
 * POST to one endpoint, so the operation in the body tells them apart),
 * and every request, plan change, state key, output and diagnostic is
 * recorded for the assertions. The plugin's sources are compiled in (its
 * .so exports only the entry).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

#include "../newrelic.c"
#include "../newrelic_alerts.c"
#include "../newrelic_api.c"
#include "../newrelic_apm.c"
#include "../newrelic_notify.c"
#include "../newrelic_users.c"

#define API "https://api.newrelic.test/graphql"
#define EU_API "https://api.eu.newrelic.test/graphql"
#define POLICY "acme uat"

/* NerdGraph's error shape, sent with HTTP 200. */
#define ERROR(cls, text)                                                       \
	"{\"data\": null, \"errors\": [{\"message\": \"" text "\", "           \
	"\"extensions\": {\"errorClass\": \"" cls "\"}}]}"
#define BAD_KEY                                                                \
	"{\"errors\": [{\"message\": \"Invalid API key\", \"extensions\": "    \
	"{\"errorClass\": \"UNAUTHORIZED\", \"error_code\": "                  \
	"\"BAD_API_KEY\"}}]}"
#define WHOAMI                                                                 \
	"{\"data\": {\"actor\": {\"user\": {\"id\": 7, \"email\": "            \
	"\"envsetup@acme.example\"}, \"account\": {\"id\": 1234567, "          \
	"\"name\": \"Acme\"}}}}"
#define POLICIES_REPLY(...)                                                    \
	"{\"data\": {\"actor\": {\"account\": {\"alerts\": "                   \
	"{\"policiesSearch\": "                                                \
	"{\"policies\": [" __VA_ARGS__ "]}}}}}}"
#define CONDITIONS_REPLY(...)                                                  \
	"{\"data\": {\"actor\": {\"account\": {\"alerts\": "                   \
	"{\"nrqlConditionsSearch\": {\"nrqlConditions\": [" __VA_ARGS__        \
	"]}}}}}}"
#define ENTITIES_REPLY(...)                                                    \
	"{\"data\": {\"actor\": {\"entitySearch\": {\"results\": "             \
	"{\"entities\": [" __VA_ARGS__ "]}}}}}"
#define DOMAINS_REPLY(type)                                                    \
	"{\"data\": {\"actor\": {\"organization\": {\"userManagement\": "      \
	"{\"authenticationDomains\": {\"authenticationDomains\": [{\"id\": "   \
	"\"dom-1\", \"name\": \"Default\", \"provisioningType\": \"" type      \
	"\"}]}}}}}}"
#define IN_DOMAIN(what)                                                        \
	"{\"data\": {\"actor\": {\"organization\": {\"userManagement\": "      \
	"{\"authenticationDomains\": {\"authenticationDomains\": [{\"id\": "   \
	"\"dom-1\", " what "}]}}}}}}"
#define GROUP(id, name)                                                        \
	IN_DOMAIN("\"groups\": {\"groups\": [{\"id\": \"" id                   \
	          "\", \"displayName\": \"" name "\"}]}")
#define NO_USERS IN_DOMAIN("\"users\": {\"users\": []}")

/* ------------------------------------------------------------ fixture */

static void setup(void)
{
	mock_host_reset();
	mock_config_string("region", "us");
	mock_config_string("api_url", API);
	mock_config_string("eu_api_url", EU_API);
	mock_config_int("account_id", 1234567);
	mock_config_string("authentication_domain", "Default");
	mock_config_string("admin_group", "Admin");
	mock_config_string("user_group", "User");
	mock_config_string("user_type", "BASIC_USER_TIER");
	mock_config_string("incident_preference", "PER_CONDITION");
	mock_config_list("applications", "acme-uat", NULL);
	mock_config_int("error_rate_percent", 5);
	mock_config_int("throughput_min_rpm", 0);
	mock_config_int("response_time_ms", 0);
	mock_config_string("monitor_period", "EVERY_5_MINUTES");
	mock_config_list("monitor_locations", "AWS_US_EAST_1", NULL);
	mock_config_string("apdex_target", "0.5");
}

static void fixture_teardown(void)
{
	mock_host_reset();
}

static enum es_status run(const char *task, enum es_phase phase)
{
	return mock_run_task(&newrelic, task, phase, NULL);
}

static void on(const char *match, long status, const char *body)
{
	mock_http_reply(match, status, body, NULL, MOCK_REPLY_ALWAYS);
}

/* --------------------------------------------------- verify_api_key */

START_TEST(whoami_sends_the_key_header_to_the_regions_endpoint)
{
	const struct mock_request *req;

	on("query WhoAmI", 200, WHOAMI);
	ck_assert_int_eq(run("verify_api_key", ES_PHASE_VERIFY), ES_OK);
	req = mock_http_sent(0);
	ck_assert_str_eq(req->url, API);
	ck_assert_str_eq(req->content_type, "application/json");
	ck_assert_pstr_eq(mock_request_header(req, "API-Key"),
	                  "{{secret:api_key}}");
	ck_assert_ptr_nonnull(strstr(req->body, "\"accountId\":1234567"));
	ck_assert_int_eq(req->mutating, 0);

	setup();
	mock_config_string("region", "eu");
	on("query WhoAmI", 200, WHOAMI);
	ck_assert_int_eq(run("verify_api_key", ES_PHASE_PLAN), ES_OK);
	ck_assert_str_eq(mock_http_sent(0)->url, EU_API);
}
END_TEST

START_TEST(errors_in_a_200_decide_the_status)
{
	on("query WhoAmI", 200, BAD_KEY);
	ck_assert_int_eq(run("verify_api_key", ES_PHASE_APPLY),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "api_key");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "New Relic"));

	setup();
	on("query WhoAmI", 200, ERROR("TOO_MANY_REQUESTS", "slow down"));
	ck_assert_int_eq(run("verify_api_key", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "WhoAmI"));

	setup();
	on("query WhoAmI", 200, ERROR("INTERNAL_SERVER_ERROR", "oops"));
	ck_assert_int_eq(run("verify_api_key", ES_PHASE_APPLY), ES_RETRY);

	setup();
	on("query WhoAmI", 401, BAD_KEY);
	ck_assert_int_eq(run("verify_api_key", ES_PHASE_APPLY),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "api_key");

	/* An account the key's user cannot see reads as null. */
	setup();
	on("query WhoAmI", 200,
	   "{\"data\": {\"actor\": {\"user\": {\"id\": 7, \"email\": \"e\"}, "
	   "\"account\": null}}}");
	ck_assert_int_eq(run("verify_api_key", ES_PHASE_APPLY),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "account_id");

	/* Not JSON: looked at again, never taken as an answer. */
	setup();
	on("query WhoAmI", 200, "{\"data\": {\"act");
	ck_assert_int_eq(run("verify_api_key", ES_PHASE_APPLY), ES_RETRY);
}
END_TEST

/* ---------------------------------------------------- alert_policy */

START_TEST(policy_is_looked_up_then_created_and_recorded)
{
	on("query FindPolicy", 200, POLICIES_REPLY());
	ck_assert_int_eq(run("alert_policy", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_CREATE);
	ck_assert_str_eq(mock_plan(0)->name, POLICY);
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_ptr_nonnull(
	    strstr(mock_http_sent(0)->body, "\"name\":\"" POLICY "\""));

	on("mutation CreatePolicy", 200,
	   "{\"data\": {\"alertsPolicyCreate\": {\"id\": \"42\", \"name\": "
	   "\"" POLICY "\", \"incidentPreference\": \"PER_CONDITION\"}}}");
	ck_assert_int_eq(run("alert_policy", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_state("policy"), "42");
	ck_assert_pstr_eq(mock_state("made:policy"), POLICY);
	ck_assert_uint_eq(mock_http_writes(), 1);
	ck_assert_ptr_nonnull(
	    strstr(mock_http_find("POST " API, 2)->body, "PER_CONDITION"));
}
END_TEST

START_TEST(found_but_unrecorded_is_a_change_then_recorded_not_created)
{
	/* A name match that differs in case is another policy. */
	on("query FindPolicy", 200,
	   POLICIES_REPLY(
	       "{\"id\": \"9\", \"name\": \"ACME UAT\"}, {\"id\": \"42\", "
	       "\"name\": \"" POLICY "\", \"incidentPreference\": "
	       "\"PER_CONDITION\"}"));
	ck_assert_int_eq(run("alert_policy", ES_PHASE_PLAN), ES_OK);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_int_eq(run("alert_policy", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_state("policy"), "42");
	ck_assert_uint_eq(mock_http_writes(), 0);
	ck_assert_int_eq(run("alert_policy", ES_PHASE_VERIFY), ES_OK);
	ck_assert_pstr_eq(mock_output("policy_id", NULL), "42");
}
END_TEST

START_TEST(another_incident_preference_is_an_update)
{
	mock_state_set("policy", "42");
	on("query FindPolicy", 200,
	   POLICIES_REPLY("{\"id\": \"42\", \"name\": \"" POLICY "\", "
	                  "\"incidentPreference\": \"PER_POLICY\"}"));
	on("mutation UpdatePolicy", 200,
	   "{\"data\": {\"alertsPolicyUpdate\": {\"id\": \"42\", \"name\": "
	   "\"" POLICY "\", \"incidentPreference\": \"PER_CONDITION\"}}}");
	ck_assert_int_eq(run("alert_policy", ES_PHASE_PLAN), ES_OK);
	ck_assert_str_eq(mock_plan(0)->detail,
	                 "incident_preference PER_POLICY -> PER_CONDITION");
	ck_assert_int_eq(run("alert_policy", ES_PHASE_VERIFY), ES_FAILED);
	ck_assert_int_eq(run("alert_policy", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_writes(), 1);
	ck_assert_ptr_nonnull(
	    strstr(mock_http_find("POST " API "\n", 3)->body,
	           "\"incidentPreference\":\"PER_CONDITION\""));
}
END_TEST

START_TEST(destroy_deletes_what_envsetup_made_and_keeps_the_rest)
{
	mock_state_set("policy", "42");
	on("mutation DeletePolicy", 200,
	   "{\"data\": {\"alertsPolicyDelete\": {\"id\": \"42\"}}}");
	/* Adopted: no claim. */
	ck_assert_int_eq(run("alert_policy", ES_PHASE_DESTROY), ES_OK);
	ck_assert_uint_eq(mock_http_count(), 0);
	ck_assert_pstr_eq(mock_state("policy"), "42");
	/* Made by envsetup. */
	mock_state_set("made:policy", POLICY);
	ck_assert_int_eq(run("alert_policy", ES_PHASE_PLAN_DESTROY), ES_OK);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_DELETE);
	ck_assert_uint_eq(mock_http_count(), 0);
	ck_assert_int_eq(run("alert_policy", ES_PHASE_DESTROY), ES_OK);
	ck_assert_ptr_nonnull(strstr(mock_http_sent(0)->body, "\"id\":\"42\""));
	ck_assert_ptr_null(mock_state("policy"));
	ck_assert_ptr_null(mock_state("made:policy"));
	/* Already gone at New Relic: forgotten too. */
	setup();
	mock_state_set("policy", "42");
	mock_state_set("made:policy", POLICY);
	on("mutation DeletePolicy", 200, ERROR("NOT_FOUND", "Not Found"));
	ck_assert_int_eq(run("alert_policy", ES_PHASE_DESTROY), ES_OK);
	ck_assert_ptr_null(mock_state("policy"));
}
END_TEST

/* ------------------------------------------------ alert_conditions */

START_TEST(conditions_are_created_or_updated_when_they_differ)
{
	const char *nrql = "SELECT percentage(count(*), WHERE error IS true) "
	                   "FROM Transaction WHERE appName IN ('acme-uat')";

	mock_state_set("policy", "42");
	on("query FindCondition", 200, CONDITIONS_REPLY());
	on("mutation CreateCondition", 200,
	   "{\"data\": {\"alertsNrqlConditionStaticCreate\": {\"id\": \"c1\", "
	   "\"name\": \"acme uat error_rate\"}}}");
	ck_assert_int_eq(run("alert_conditions", ES_PHASE_APPLY), ES_OK);
	/* Only error_rate is wanted (the others are 0). */
	ck_assert_uint_eq(mock_http_writes(), 1);
	ck_assert_pstr_eq(mock_state("condition.error_rate"), "c1");
	ck_assert_ptr_nonnull(
	    strstr(mock_http_find("POST " API, 1)->body, "appName IN"));

	/* Found with another threshold: one update, same id. */
	setup();
	mock_state_set("policy", "42");
	mock_state_set("condition.error_rate", "c1");
	{
		char body[1024];

		snprintf(body, sizeof(body),
		         CONDITIONS_REPLY(
		             "{\"__typename\": "
		             "\"AlertsNrqlStaticCondition\", \"id\": "
		             "\"c1\", \"name\": \"acme uat error_rate\", "
		             "\"enabled\": true, \"nrql\": {\"query\": "
		             "\"%s\"}, \"terms\": [{\"operator\": "
		             "\"ABOVE\", \"priority\": \"CRITICAL\", "
		             "\"threshold\": %d, \"thresholdDuration\": "
		             "300, \"thresholdOccurrences\": \"ALL\"}]}"),
		         nrql, 10);
		on("query FindCondition", 200, body);
		on("mutation UpdateCondition", 200,
		   "{\"data\": {\"alertsNrqlConditionStaticUpdate\": {\"id\": "
		   "\"c1\", \"name\": \"acme uat error_rate\"}}}");
		ck_assert_int_eq(run("alert_conditions", ES_PHASE_PLAN), ES_OK);
		ck_assert_uint_eq(mock_plan_count(), 1);
		ck_assert_str_eq(mock_plan(0)->detail, "threshold");
		ck_assert_int_eq(run("alert_conditions", ES_PHASE_APPLY),
		                 ES_OK);
		ck_assert_uint_eq(mock_http_count_prefix("POST " API "\n"), 3);
		ck_assert_ptr_nonnull(
		    strstr(mock_http_sent(2)->body, "\"id\":\"c1\""));
		/* In place: nothing to do. */
		setup();
		mock_state_set("policy", "42");
		mock_state_set("condition.error_rate", "c1");
		snprintf(body, sizeof(body),
		         CONDITIONS_REPLY(
		             "{\"id\": \"c1\", \"name\": \"acme uat "
		             "error_rate\", \"enabled\": true, \"nrql\": "
		             "{\"query\": \"%s\"}, \"terms\": "
		             "[{\"operator\": \"ABOVE\", \"threshold\": "
		             "%d}]}"),
		         nrql, 5);
		on("query FindCondition", 200, body);
		ck_assert_int_eq(run("alert_conditions", ES_PHASE_PLAN), ES_OK);
		ck_assert_uint_eq(mock_plan_count(), 0);
	}
}
END_TEST

START_TEST(a_condition_switched_off_is_removed_if_envsetup_made_it)
{
	mock_state_set("policy", "42");
	mock_state_set("condition.throughput", "c2");
	mock_state_set("made:condition.throughput", "acme uat throughput");
	mock_state_set("condition.response_time", "c3"); /* adopted */
	on("query FindCondition", 200, CONDITIONS_REPLY());
	on("mutation CreateCondition", 200,
	   "{\"data\": {\"alertsNrqlConditionStaticCreate\": {\"id\": \"c1\", "
	   "\"name\": \"acme uat error_rate\"}}}");
	on("mutation DeleteCondition", 200,
	   "{\"data\": {\"alertsConditionDelete\": {\"id\": \"c2\"}}}");
	ck_assert_int_eq(run("alert_conditions", ES_PHASE_PLAN), ES_OK);
	ck_assert_int_eq(mock_plan(1)->change, ES_CHANGE_DELETE);
	ck_assert_str_eq(mock_plan(1)->name, "acme uat throughput");
	ck_assert_uint_eq(mock_plan_count(), 2);
	ck_assert_int_eq(run("alert_conditions", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_count_prefix("POST " API "\n"), 4);
	ck_assert_ptr_nonnull(strstr(mock_http_sent(3)->body, "\"id\":\"c2\""));
	ck_assert_ptr_null(mock_state("condition.throughput"));
	ck_assert_pstr_eq(mock_state("condition.response_time"), "c3");
}
END_TEST

/* ---------------------------------------------------- notifications */

START_TEST(typed_payload_errors_fail_or_retry_the_write)
{
	mock_state_set("policy", "42");
	mock_config_list("oncall_emails", "oncall@acme.example", NULL);
	on("query FindDestination", 200,
	   "{\"data\": {\"actor\": {\"account\": {\"aiNotifications\": "
	   "{\"destinations\": {\"entities\": [{\"id\": \"d1\", \"name\": "
	   "\"acme uat on-call\", \"properties\": [{\"key\": \"email\", "
	   "\"value\": \"oncall@acme.example\"}]}], \"error\": null}}}}}}");
	on("query FindChannel", 200,
	   "{\"data\": {\"actor\": {\"account\": {\"aiNotifications\": "
	   "{\"channels\": {\"entities\": [{\"id\": \"ch1\", \"name\": \"acme "
	   "uat e-mail\", \"destinationId\": \"d1\"}], \"error\": null}}}}}}");
	on("query FindWorkflow", 200,
	   "{\"data\": {\"actor\": {\"account\": {\"aiWorkflows\": "
	   "{\"workflows\": {\"entities\": []}}}}}}");
	mock_http_reply(
	    "mutation CreateWorkflow", 200,
	    "{\"data\": {\"aiWorkflowsCreateWorkflow\": {\"workflow\": "
	    "null, \"errors\": [{\"description\": \"busy\", "
	    "\"type\": \"TOO_MANY_REQUESTS\"}]}}}",
	    NULL, MOCK_REPLY_ONCE);
	mock_http_reply(
	    "mutation CreateWorkflow", 200,
	    "{\"data\": {\"aiWorkflowsCreateWorkflow\": {\"workflow\": "
	    "null, \"errors\": [{\"description\": \"Invalid "
	    "channel\", \"type\": \"INVALID_PARAMETER\"}]}}}",
	    NULL, MOCK_REPLY_ONCE);
	on("mutation CreateWorkflow", 200,
	   "{\"data\": {\"aiWorkflowsCreateWorkflow\": {\"workflow\": {\"id\": "
	   "\"w1\", \"name\": \"acme uat routing\"}, \"errors\": []}}}");
	ck_assert_int_eq(run("notifications", ES_PHASE_APPLY), ES_RETRY);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "TOO_MANY_REQUESTS"));
	ck_assert_int_eq(run("notifications", ES_PHASE_APPLY), ES_FAILED);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "Invalid channel"));
	ck_assert_int_eq(run("notifications", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_state("workflow"), "w1");
	ck_assert_pstr_eq(mock_state("destination"), "d1");
	ck_assert_pstr_eq(mock_state("channel"), "ch1");
	ck_assert_ptr_nonnull(strstr(mock_http_find("POST " API "\n", 3)->body,
	                             "labels.policyIds"));
	/* The adopted destination and channel were not claimed. */
	ck_assert_ptr_null(mock_state("made:destination"));
	ck_assert_pstr_eq(mock_state("made:workflow"), "acme uat routing");
}
END_TEST

START_TEST(destination_with_other_addresses_is_updated)
{
	mock_state_set("policy", "42");
	mock_state_set("destination", "d1");
	mock_config_list("oncall_emails", "a@acme.example", "b@acme.example",
	                 NULL);
	on("query FindDestination", 200,
	   "{\"data\": {\"actor\": {\"account\": {\"aiNotifications\": "
	   "{\"destinations\": {\"entities\": [{\"id\": \"d1\", \"name\": "
	   "\"acme uat on-call\", \"properties\": [{\"key\": \"email\", "
	   "\"value\": \"a@acme.example\"}]}], \"error\": null}}}}}}");
	on("query FindChannel", 200,
	   "{\"data\": {\"actor\": {\"account\": {\"aiNotifications\": "
	   "{\"channels\": {\"entities\": [], \"error\": null}}}}}}");
	on("query FindWorkflow", 200,
	   "{\"data\": {\"actor\": {\"account\": {\"aiWorkflows\": "
	   "{\"workflows\": {\"entities\": []}}}}}}");
	ck_assert_int_eq(run("notifications", ES_PHASE_PLAN), ES_OK);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_UPDATE);
	ck_assert_str_eq(mock_plan(0)->detail, "addresses");
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

/* ------------------------------------------------------------ users */

START_TEST(users_are_created_and_added_to_their_group)
{
	mock_config_list("admins", "ops@acme.example", NULL);
	on("query AuthenticationDomains", 200, DOMAINS_REPLY("manual"));
	mock_http_reply("\"name\":\"Admin\"", 200, GROUP("g-admin", "Admin"),
	                NULL, MOCK_REPLY_ALWAYS);
	mock_http_reply("\"name\":\"User\"", 200, GROUP("g-user", "User"), NULL,
	                MOCK_REPLY_ALWAYS);
	on("query FindUser", 200, NO_USERS);
	on("mutation CreateUser", 200,
	   "{\"data\": {\"userManagementCreateUser\": {\"createdUser\": "
	   "{\"id\": \"u1\", \"email\": \"ops@acme.example\"}}}}");
	on("mutation AddUserToGroups", 200,
	   "{\"data\": {\"userManagementAddUsersToGroups\": {\"groups\": "
	   "[{\"id\": \"g-admin\"}]}}}");
	ck_assert_int_eq(run("users", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_state("user.ops@acme.example"), "u1");
	ck_assert_pstr_eq(mock_state("made:user.ops@acme.example"),
	                  "ops@acme.example");
	ck_assert_ptr_nonnull(strstr(mock_http_find("POST " API "\n", 4)->body,
	                             "FULL_USER_TIER"));
	ck_assert_ptr_nonnull(
	    strstr(mock_http_find("POST " API "\n", 5)->body, "\"g-admin\""));
	ck_assert_uint_eq(mock_http_writes(), 2);
}
END_TEST

START_TEST(a_scim_domain_is_a_persons_task)
{
	mock_config_list("users", "dev@acme.example", NULL);
	on("query AuthenticationDomains", 200, DOMAINS_REPLY("scim"));
	on("query FindUser", 200, NO_USERS);
	ck_assert_int_eq(run("users", ES_PHASE_APPLY), ES_NEEDS_PERSON);
	ck_assert_ptr_nonnull(strstr(mock_ask(), "SCIM"));
	ck_assert_ptr_nonnull(strstr(mock_ask(), "dev@acme.example"));
	ck_assert_uint_eq(mock_http_writes(), 0);
}
END_TEST

/* ------------------------------------------------------ apm and keys */

START_TEST(apdex_waits_for_the_agent_then_is_set)
{
	on("query FindEntity", 200, ENTITIES_REPLY());
	ck_assert_int_eq(run("apdex", ES_PHASE_APPLY), ES_NEEDS_PERSON);
	ck_assert_ptr_nonnull(strstr(mock_ask(), "acme-uat"));
	ck_assert_uint_eq(mock_http_writes(), 0);

	setup();
	on("query FindEntity", 200,
	   ENTITIES_REPLY("{\"__typename\": \"ApmApplicationEntityOutline\", "
	                  "\"guid\": \"G1\", \"name\": \"acme-uat\"}"));
	on("query ApmSettings", 200,
	   "{\"data\": {\"actor\": {\"entity\": {\"__typename\": "
	   "\"ApmApplicationEntity\", \"guid\": \"G1\", \"apmSettings\": "
	   "{\"apmConfig\": {\"apdexTarget\": 0.7}}}}}}");
	on("mutation SetApdex", 200,
	   "{\"data\": {\"agentApplicationSettingsUpdate\": {\"guid\": \"G1\", "
	   "\"apmSettings\": {\"apmConfig\": {\"apdexTarget\": 0.5}}, "
	   "\"errors\": null}}}");
	ck_assert_int_eq(run("apdex", ES_PHASE_PLAN), ES_OK);
	ck_assert_str_eq(mock_plan(0)->detail, "0.7 -> 0.5");
	ck_assert_int_eq(run("apdex", ES_PHASE_APPLY), ES_OK);
	ck_assert_uint_eq(mock_http_writes(), 1);
	ck_assert_ptr_nonnull(strstr(mock_http_find("POST " API "\n", 4)->body,
	                             "\"apdexTarget\":0.5"));
}
END_TEST

START_TEST(monitor_is_created_per_url_and_its_guid_recorded)
{
	mock_config_list("monitor_urls", "https://app.acme.example/health",
	                 NULL);
	on("query FindEntity", 200, ENTITIES_REPLY());
	on("mutation CreateMonitor", 200,
	   "{\"data\": {\"syntheticsCreateSimpleMonitor\": {\"monitor\": "
	   "{\"guid\": \"M1\", \"name\": \"n\", \"uri\": \"u\"}, \"errors\": "
	   "[]}}}");
	ck_assert_int_eq(run("synthetics_monitors", ES_PHASE_APPLY), ES_OK);
	ck_assert_pstr_eq(mock_state("monitor.https://app.acme.example/health"),
	                  "M1");
	ck_assert_ptr_nonnull(strstr(mock_http_sent(0)->body,
	                             "domain = 'SYNTH' AND type = 'MONITOR'"));
	ck_assert_ptr_nonnull(
	    strstr(mock_http_sent(1)->body, "\"useTlsValidation\":true"));
	/* A payload error of type BAD_REQUEST fails the write. */
	setup();
	mock_config_list("monitor_urls", "https://app.acme.example/health",
	                 NULL);
	on("query FindEntity", 200, ENTITIES_REPLY());
	on("mutation CreateMonitor", 200,
	   "{\"data\": {\"syntheticsCreateSimpleMonitor\": {\"monitor\": null, "
	   "\"errors\": [{\"description\": \"bad uri\", \"type\": "
	   "\"BAD_REQUEST\"}]}}}");
	ck_assert_int_eq(run("synthetics_monitors", ES_PHASE_APPLY), ES_FAILED);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "BAD_REQUEST: bad uri"));
}
END_TEST

START_TEST(license_key_is_a_secret_output)
{
	int secret = 0;

	on("query LicenseKey", 200,
	   "{\"data\": {\"actor\": {\"apiAccess\": {\"keySearch\": {\"keys\": "
	   "[{\"__typename\": \"ApiAccessIngestKey\", \"id\": \"K1\", "
	   "\"name\": \"License Key\", \"type\": \"INGEST\", \"key\": "
	   "\"lic-0123456789abcdef\", \"ingestType\": \"LICENSE\"}]}}}}}");
	ck_assert_int_eq(run("license_key", ES_PHASE_PLAN), ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 0);
	ck_assert_int_eq(run("license_key", ES_PHASE_VERIFY), ES_OK);
	ck_assert_pstr_eq(mock_output("license_key", &secret),
	                  "lic-0123456789abcdef");
	ck_assert_int_eq(secret, 1);
	ck_assert_ptr_nonnull(
	    strstr(mock_http_sent(0)->body, "\"accountIds\":[1234567]"));
	/* No licence key visible: a failure naming account_id. */
	setup();
	on("query LicenseKey", 200,
	   "{\"data\": {\"actor\": {\"apiAccess\": {\"keySearch\": {\"keys\": "
	   "[]}}}}}");
	ck_assert_int_eq(run("license_key", ES_PHASE_VERIFY), ES_FAILED);
	ck_assert_str_eq(mock_diag_key(), "account_id");
}
END_TEST

START_TEST(manual_gates_have_questions_and_no_function)
{
	size_t manual = 0;

	for (const struct es_task *t = newrelic_tasks; t->id; t++)
		if (t->flags & ES_TASK_MANUAL) {
			manual++;
			ck_assert_ptr_null(t->run);
			ck_assert_ptr_nonnull(t->question);
		}
	ck_assert_uint_eq(manual, 2);
	ck_assert_uint_eq(newrelic.max_concurrency, 25);
}
END_TEST

int main(void)
{
	const TTest *tests[] = {
	    whoami_sends_the_key_header_to_the_regions_endpoint,
	    errors_in_a_200_decide_the_status,
	    policy_is_looked_up_then_created_and_recorded,
	    found_but_unrecorded_is_a_change_then_recorded_not_created,
	    another_incident_preference_is_an_update,
	    destroy_deletes_what_envsetup_made_and_keeps_the_rest,
	    conditions_are_created_or_updated_when_they_differ,
	    a_condition_switched_off_is_removed_if_envsetup_made_it,
	    typed_payload_errors_fail_or_retry_the_write,
	    destination_with_other_addresses_is_updated,
	    users_are_created_and_added_to_their_group,
	    a_scim_domain_is_a_persons_task,
	    apdex_waits_for_the_agent_then_is_set,
	    monitor_is_created_per_url_and_its_guid_recorded,
	    license_key_is_a_secret_output,
	    manual_gates_have_questions_and_no_function,
	};
	Suite *s = suite_create("newrelic");
	TCase *tc = tcase_create("tasks");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, fixture_teardown);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
