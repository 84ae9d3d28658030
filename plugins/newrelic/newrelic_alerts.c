/*
 * newrelic: the environment's alert policy and its NRQL conditions
 * (error rate, throughput, response time). Policy and condition names are
 * not unique at New Relic, so each is looked up by its exact name before
 * it is created; a condition whose query or threshold differs from the
 * config is updated in place.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "newrelic.h"

#define FIND_POLICY_QUERY                                                      \
	"query FindPolicy($accountId: Int!, $criteria: "                       \
	"AlertsPoliciesSearchCriteriaInput) { actor { account(id: "            \
	"$accountId) { alerts { policiesSearch(searchCriteria: $criteria) { "  \
	"policies { id name incidentPreference } } } } } }"
#define POLICIES "data.actor.account.alerts.policiesSearch.policies"
#define CREATE_POLICY_MUTATION                                                 \
	"mutation CreatePolicy($accountId: Int!, $policy: "                    \
	"AlertsPolicyInput!) "                                                 \
	"{ alertsPolicyCreate(accountId: $accountId, policy: $policy) { id "   \
	"name incidentPreference } }"
#define UPDATE_POLICY_MUTATION                                                 \
	"mutation UpdatePolicy($accountId: Int!, $id: ID!, $policy: "          \
	"AlertsPolicyUpdateInput!) { alertsPolicyUpdate(accountId: "           \
	"$accountId, id: $id, policy: $policy) { id name incidentPreference "  \
	"} }"
#define DELETE_POLICY_MUTATION                                                 \
	"mutation DeletePolicy($accountId: Int!, $id: ID!) { "                 \
	"alertsPolicyDelete(accountId: $accountId, id: $id) { id } }"
#define FIND_CONDITION_QUERY                                                   \
	"query FindCondition($accountId: Int!, $criteria: "                    \
	"AlertsNrqlConditionsSearchCriteriaInput) { actor { account(id: "      \
	"$accountId) { alerts { nrqlConditionsSearch(searchCriteria: "         \
	"$criteria) { nrqlConditions { __typename id name enabled nrql { "     \
	"query } terms { operator priority threshold thresholdDuration "       \
	"thresholdOccurrences } } } } } } }"
#define CONDITIONS                                                             \
	"data.actor.account.alerts.nrqlConditionsSearch.nrqlConditions"
#define CREATE_CONDITION_MUTATION                                              \
	"mutation CreateCondition($accountId: Int!, $policyId: ID!, "          \
	"$condition: AlertsNrqlConditionStaticInput!) { "                      \
	"alertsNrqlConditionStaticCreate(accountId: $accountId, policyId: "    \
	"$policyId, condition: $condition) { id name } }"
#define UPDATE_CONDITION_MUTATION                                              \
	"mutation UpdateCondition($accountId: Int!, $id: ID!, $condition: "    \
	"AlertsNrqlConditionUpdateStaticInput!) { "                            \
	"alertsNrqlConditionStaticUpdate(accountId: $accountId, id: $id, "     \
	"condition: $condition) { id name } }"
#define DELETE_CONDITION_MUTATION                                              \
	"mutation DeleteCondition($accountId: Int!, $id: ID!) { "              \
	"alertsConditionDelete(accountId: $accountId, id: $id) { id } }"

#define POLICY_KEY "policy"
#define NRQL_MAX 2048
/* How long a breach must last before it opens an incident, and how long
 * an incident stays open at most (New Relic's default, 24 h). */
#define THRESHOLD_DURATION_S 300
#define VIOLATION_LIMIT_S 86400

/* ---- alert_policy --------------------------------------------------- */

static enum es_status create_policy(struct ctx *c)
{
	const struct es_json_api *j = c->h->json;
	es_json *vars = nr_account_vars(c), *policy = j->new_object();
	char id[64];
	enum es_status st;

	j->set_string(policy, "name", c->policy);
	j->set_string(policy, "incidentPreference",
	              nr_cfg(c, "incident_preference"));
	j->add(vars, "policy", policy);
	st = nr_create(c, POLICY_KEY, c->policy, CREATE_POLICY_MUTATION, vars,
	               "alertsPolicyCreate", "id", "alert_policy", id,
	               sizeof(id));
	j->free(vars);
	return st;
}

/* The found policy `id` with the configured incident preference: in
 * place, or reported and (apply) updated. */
static enum es_status policy_preference(struct ctx *c, const char *id,
                                        const char *have)
{
	const struct es_json_api *j = c->h->json;
	const char *want = nr_cfg(c, "incident_preference");
	es_json *vars, *policy;
	const es_json *payload;
	char detail[96], intent[NR_NAME_MAX + 32];
	struct es_reply r;
	enum es_status st;

	if (have && strcmp(have, want) == 0)
		return ES_OK;
	snprintf(detail, sizeof(detail), "incident_preference %s -> %s",
	         have ? have : "(none)", want);
	if (es_reported(c->x, &st, ES_CHANGE_UPDATE, "alert_policy", c->policy,
	                detail))
		return st;
	vars = nr_account_vars(c);
	policy = j->new_object();
	j->set_string(vars, "id", id);
	j->set_string(policy, "incidentPreference", want);
	j->add(vars, "policy", policy);
	snprintf(intent, sizeof(intent), "update alert policy %s", c->policy);
	st = nr_mutate(c, &r, UPDATE_POLICY_MUTATION, vars, intent,
	               "alertsPolicyUpdate", &payload);
	j->free(vars);
	es_reply_free(&r);
	return st;
}

enum es_status nr_alert_policy(const struct es_ctx *x)
{
	struct ctx c;
	struct es_reply r;
	es_json *vars, *criteria;
	const es_json *found;
	const char *id;
	enum es_status st;

	if (nr_open(x, &c))
		return ES_INVALID_CONFIG;
	if (x->phase >= ES_PHASE_PLAN_DESTROY) {
		vars = nr_account_vars(&c);
		st = nr_teardown(&c, POLICY_KEY, c.policy, "alert_policy",
		                 DELETE_POLICY_MUTATION, vars, NULL, "id",
		                 "alertsPolicyDelete");
		c.h->json->free(vars);
		return st;
	}
	vars = nr_account_vars(&c);
	criteria = c.h->json->new_object();
	c.h->json->set_string(criteria, "name", c.policy);
	c.h->json->add(vars, "criteria", criteria);
	st = nr_query(&c, &r, FIND_POLICY_QUERY, vars, "FindPolicy");
	c.h->json->free(vars);
	if (st == ES_OK &&
	    c.h->json->kind(c.h->json->get(r.json, POLICIES)) != ES_JSON_ARRAY)
		st = es_reply_malformed(&c.api, &r, "query FindPolicy",
		                        "the policies");
	found = st == ES_OK ? nr_by_name(&c, &r, POLICIES, c.policy) : NULL;
	id = found ? c.h->json->get_string(found, "id") : NULL;
	if (st == ES_OK && !id) {
		if (!es_reported(x, &st, ES_CHANGE_CREATE, "alert_policy",
		                 c.policy, NULL))
			st = create_policy(&c);
	} else if (st == ES_OK && !es_record(x, &st, POLICY_KEY, id,
	                                     "alert_policy", c.policy)) {
		st = policy_preference(
		    &c, id, c.h->json->get_string(found, "incidentPreference"));
		if (st == ES_OK && c.phase == ES_PHASE_VERIFY &&
		    c.h->output->set(c.call, "policy_id", id, 0))
			st = ES_FAILED;
	}
	es_reply_free(&r);
	return st;
}

/* ---- alert_conditions ----------------------------------------------- */

struct condition {
	const char *kind;     /* state key suffix and name suffix */
	const char *key;      /* the config key of its threshold */
	const char *select;   /* NRQL SELECT clause */
	const char *operator; /* ABOVE or BELOW the threshold */
};

static const struct condition conditions[] = {
    {"error_rate", "error_rate_percent",
     "SELECT percentage(count(*), WHERE error IS true)", "ABOVE"},
    {"throughput", "throughput_min_rpm", "SELECT rate(count(*), 1 minute)",
     "BELOW"},
    {"response_time", "response_time_ms", "SELECT average(duration) * 1000",
     "ABOVE"},
};

/* The NRQL of `cond` over the configured applications (none: every
 * application of the account). */
static void nrql(struct ctx *c, const struct condition *cond, char *out,
                 size_t size)
{
	size_t n = c->h->config->list_size(c->call, "applications");
	int at = snprintf(out, size, "%s FROM Transaction", cond->select);

	for (size_t i = 0; i < n && at > 0 && (size_t)at < size; i++)
		at += snprintf(
		    out + at, size - (size_t)at, "%s'%s'",
		    i ? ", " : " WHERE appName IN (",
		    c->h->config->list_item(c->call, "applications", i));
	if (n && at > 0 && (size_t)at < size)
		snprintf(out + at, size - (size_t)at, ")");
}

/* The condition input (transfer full), for create and update alike. */
static es_json *condition_input(struct ctx *c, const struct condition *cond,
                                const char *name, const char *query)
{
	const struct es_json_api *j = c->h->json;
	es_json *in = j->new_object(), *q = j->new_object(),
	        *terms = j->new_array(), *term = j->new_object();

	j->set_string(in, "name", name);
	j->set_bool(in, "enabled", 1);
	j->set_string(q, "query", query);
	j->add(in, "nrql", q);
	j->set_string(term, "operator", cond->operator);
	j->set_string(term, "priority", "CRITICAL");
	j->set_number(term, "threshold",
	              (double)c->h->config->get_int(c->call, cond->key));
	j->set_number(term, "thresholdDuration", THRESHOLD_DURATION_S);
	j->set_string(term, "thresholdOccurrences", "ALL");
	j->add(terms, NULL, term);
	j->add(in, "terms", terms);
	j->set_number(in, "violationTimeLimitSeconds", VIOLATION_LIMIT_S);
	return in;
}

/* What differs between the found condition and the config (nullable). */
static const char *differs(struct ctx *c, const struct condition *cond,
                           const es_json *found, const char *query)
{
	const struct es_json_api *j = c->h->json;
	const char *q = j->get_string(found, "nrql.query");
	const char *op = j->get_string(found, "terms[0].operator");
	double want = (double)c->h->config->get_int(c->call, cond->key);

	if (!q || strcmp(q, query) != 0)
		return "nrql query";
	if (j->array_size(j->get(found, "terms")) != 1 || !op ||
	    strcmp(op, cond->operator) != 0 ||
	    fabs(j->get_number(found, "terms[0].threshold", NAN) - want) > 1e-9)
		return "threshold";
	if (!j->get_bool(found, "enabled", 0))
		return "enabled";
	return NULL;
}

/* Create (id NULL, recorded at `key`) or update the condition. */
static enum es_status write_condition(struct ctx *c,
                                      const struct condition *cond,
                                      const char *policy, const char *name,
                                      const char *query, const char *id,
                                      const char *key)
{
	const struct es_json_api *j = c->h->json;
	es_json *vars = nr_account_vars(c);
	const es_json *payload;
	char intent[NR_NAME_MAX + 64], made[64];
	struct es_reply r;
	enum es_status st;

	j->add(vars, "condition", condition_input(c, cond, name, query));
	if (!id) {
		j->set_string(vars, "policyId", policy);
		st = nr_create(c, key, name, CREATE_CONDITION_MUTATION, vars,
		               "alertsNrqlConditionStaticCreate", "id",
		               "nrql_condition", made, sizeof(made));
		j->free(vars);
		return st;
	}
	j->set_string(vars, "id", id);
	snprintf(intent, sizeof(intent), "update NRQL condition %s", name);
	st = nr_mutate(c, &r, UPDATE_CONDITION_MUTATION, vars, intent,
	               "alertsNrqlConditionStaticUpdate", &payload);
	j->free(vars);
	es_reply_free(&r);
	return st;
}

static enum es_status one_condition(struct ctx *c, const struct condition *cond,
                                    const char *policy)
{
	const struct es_json_api *j = c->h->json;
	char name[NR_NAME_MAX + 32], key[64], query[NRQL_MAX], id[64] = "";
	const char *why = NULL;
	es_json *vars, *criteria;
	const es_json *found;
	struct es_reply r;
	enum es_status st = ES_OK;

	snprintf(name, sizeof(name), "%s %s", c->policy, cond->kind);
	snprintf(key, sizeof(key), "condition.%s", cond->kind);
	nrql(c, cond, query, sizeof(query));
	if (!policy) /* plan before the policy exists: nothing to look up */
		return es_reported(c->x, &st, ES_CHANGE_CREATE,
		                   "nrql_condition", name,
		                   "in the policy made by alert_policy")
		           ? st
		           : ES_FAILED;
	vars = nr_account_vars(c);
	criteria = j->new_object();
	j->set_string(criteria, "policyId", policy);
	j->set_string(criteria, "name", name);
	j->add(vars, "criteria", criteria);
	st = nr_query(c, &r, FIND_CONDITION_QUERY, vars, "FindCondition");
	j->free(vars);
	if (st == ES_OK && j->kind(j->get(r.json, CONDITIONS)) != ES_JSON_ARRAY)
		st = es_reply_malformed(&c->api, &r, "query FindCondition",
		                        "the conditions");
	found = st == ES_OK ? nr_by_name(c, &r, CONDITIONS, name) : NULL;
	if (found && j->get_string(found, "id")) {
		snprintf(id, sizeof(id), "%s", j->get_string(found, "id"));
		why = differs(c, cond, found, query);
	}
	es_reply_free(&r);
	if (st != ES_OK)
		return st;
	if (!*id)
		return es_reported(c->x, &st, ES_CHANGE_CREATE,
		                   "nrql_condition", name, NULL)
		           ? st
		           : write_condition(c, cond, policy, name, query, NULL,
		                             key);
	if (es_record(c->x, &st, key, id, "nrql_condition", name) || !why)
		return st;
	return es_reported(c->x, &st, ES_CHANGE_UPDATE, "nrql_condition", name,
	                   why)
	           ? st
	           : write_condition(c, cond, policy, name, query, id, key);
}

enum es_status nr_alert_conditions(const struct es_ctx *x)
{
	struct ctx c;
	const char *policy;
	enum es_status st, worst = ES_OK;

	if (nr_open(x, &c))
		return ES_INVALID_CONFIG;
	if (nr_policy_id(&c, &policy))
		return ES_FAILED;
	for (size_t i = 0; i < sizeof(conditions) / sizeof(conditions[0]);
	     i++) {
		const struct condition *cond = &conditions[i];
		char name[NR_NAME_MAX + 32], key[64];

		snprintf(name, sizeof(name), "%s %s", c.policy, cond->kind);
		snprintf(key, sizeof(key), "condition.%s", cond->kind);
		/* A condition no longer wanted (its threshold set to 0) goes
		 * like in a teardown: envsetup's is deleted, an adopted one
		 * kept. */
		if (x->phase >= ES_PHASE_PLAN_DESTROY ||
		    c.h->config->get_int(c.call, cond->key) == 0) {
			es_json *vars = nr_account_vars(&c);

			st = nr_teardown(&c, key, name, "nrql_condition",
			                 DELETE_CONDITION_MUTATION, vars, NULL,
			                 "id", "alertsConditionDelete");
			c.h->json->free(vars);
		} else {
			st = one_condition(&c, cond, policy);
		}
		if (st != ES_OK && (worst == ES_OK || st == ES_FAILED))
			worst = st;
	}
	return worst;
}
