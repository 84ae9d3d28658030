/*
 * newrelic: what watches the running platform. A synthetics ping monitor
 * per component URL; the Apdex target of each APM application, which
 * exists only once its agent has reported (until then a person's part:
 * deploy the agents); and the ingest licence key the agents report with,
 * published as a secret output.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newrelic.h"

#define FIND_ENTITY_QUERY                                                      \
	"query FindEntity($query: String) { actor { entitySearch(query: "      \
	"$query) { results { entities { __typename guid name } } } } }"
#define ENTITIES "data.actor.entitySearch.results.entities"
#define CREATE_MONITOR_MUTATION                                                \
	"mutation CreateMonitor($accountId: Int!, $monitor: "                  \
	"SyntheticsCreateSimpleMonitorInput!) { "                              \
	"syntheticsCreateSimpleMonitor("                                       \
	"accountId: $accountId, monitor: $monitor) { monitor { guid name uri " \
	"} errors { description type } } }"
#define DELETE_MONITOR_MUTATION                                                \
	"mutation DeleteMonitor($guid: EntityGuid!) { "                        \
	"syntheticsDeleteMonitor(guid: $guid) { deletedGuid } }"
#define APM_SETTINGS_QUERY                                                     \
	"query ApmSettings($guid: EntityGuid!) { actor { entity(guid: $guid) " \
	"{ __typename guid ... on ApmApplicationEntity { apmSettings { "       \
	"apmConfig { apdexTarget } } } } } }"
#define SET_APDEX_MUTATION                                                     \
	"mutation SetApdex($guid: EntityGuid!, $settings: "                    \
	"AgentApplicationSettingsUpdateInput!) { "                             \
	"agentApplicationSettingsUpdate(guid: $guid, settings: $settings) { "  \
	"guid apmSettings { apmConfig { apdexTarget } } errors { description " \
	"} } }"
#define LICENSE_KEY_QUERY                                                      \
	"query LicenseKey($query: ApiAccessKeySearchQuery!) { actor { "        \
	"apiAccess { keySearch(query: $query) { keys { __typename id name "    \
	"type key ... on ApiAccessIngestKey { ingestType } } } } } }"
#define KEYS "data.actor.apiAccess.keySearch.keys"

/* The guid of the entity of `domain`/`type` named `name` in the account
 * ("" when there is none). */
static enum es_status find_entity(struct ctx *c, const char *domain,
                                  const char *type, const char *name,
                                  char *guid, size_t size)
{
	const struct es_json_api *j = c->h->json;
	es_json *vars = j->new_object();
	char search[NR_NAME_MAX * 2];
	const es_json *found;
	struct es_reply r;
	enum es_status st;

	/* The names are free of quotes (the schema's pattern). */
	snprintf(search, sizeof(search),
	         "domain = '%s' AND type = '%s' AND accountId = %lld AND "
	         "name = '%s'",
	         domain, type, (long long)c->account, name);
	j->set_string(vars, "query", search);
	st = nr_query(c, &r, FIND_ENTITY_QUERY, vars, "FindEntity");
	j->free(vars);
	if (st == ES_OK && j->kind(j->get(r.json, ENTITIES)) != ES_JSON_ARRAY)
		st = es_reply_malformed(&c->api, &r, "query FindEntity",
		                        "the entities");
	found = st == ES_OK ? nr_by_name(c, &r, ENTITIES, name) : NULL;
	snprintf(guid, size, "%s",
	         found && j->get_string(found, "guid")
	             ? j->get_string(found, "guid")
	             : "");
	es_reply_free(&r);
	return st;
}

/* ---- synthetics_monitors -------------------------------------------- */

static es_json *monitor_input(struct ctx *c, const char *name, const char *url)
{
	const struct es_json_api *j = c->h->json;
	es_json *m = j->new_object(), *loc = j->new_object(),
	        *pub = j->new_array(), *adv = j->new_object();

	j->set_string(m, "name", name);
	j->set_string(m, "uri", url);
	j->set_string(m, "period", nr_cfg(c, "monitor_period"));
	j->set_string(m, "status", "ENABLED");
	for (size_t i = 0;
	     i < c->h->config->list_size(c->call, "monitor_locations"); i++)
		j->append_string(pub, c->h->config->list_item(
		                          c->call, "monitor_locations", i));
	j->add(loc, "public", pub);
	j->add(m, "locations", loc);
	j->set_bool(adv, "useTlsValidation", 1);
	j->add(m, "advancedOptions", adv);
	return m;
}

static enum es_status one_monitor(struct ctx *c, const char *url)
{
	char name[NR_NAME_MAX * 2], key[NR_NAME_MAX * 2], guid[128],
	    output[NR_NAME_MAX * 2];
	es_json *vars;
	enum es_status st;

	snprintf(name, sizeof(name), "%s %s", c->policy, url);
	snprintf(key, sizeof(key), "monitor.%s", url);
	if (c->phase >= ES_PHASE_PLAN_DESTROY) {
		vars = c->h->json->new_object();
		st = nr_teardown(c, key, name, "monitor",
		                 DELETE_MONITOR_MUTATION, vars, NULL, "guid",
		                 "syntheticsDeleteMonitor");
		c->h->json->free(vars);
		return st;
	}
	st = find_entity(c, "SYNTH", "MONITOR", name, guid, sizeof(guid));
	if (st != ES_OK)
		return st;
	if (!*guid &&
	    es_reported(c->x, &st, ES_CHANGE_CREATE, "monitor", name, NULL))
		return st;
	if (!*guid) {
		vars = nr_account_vars(c);
		c->h->json->add(vars, "monitor", monitor_input(c, name, url));
		st = nr_create(c, key, name, CREATE_MONITOR_MUTATION, vars,
		               "syntheticsCreateSimpleMonitor", "monitor.guid",
		               "monitor", guid, sizeof(guid));
		c->h->json->free(vars);
		return st;
	}
	if (es_record(c->x, &st, key, guid, "monitor", name))
		return st;
	snprintf(output, sizeof(output), "monitor_guid:%s", url);
	if (c->phase == ES_PHASE_VERIFY &&
	    c->h->output->set(c->call, output, guid, 0))
		return ES_FAILED;
	return ES_OK;
}

enum es_status nr_synthetics_monitors(const struct es_ctx *x)
{
	struct ctx c;
	enum es_status st, worst = ES_OK;
	size_t n;

	if (nr_open(x, &c))
		return ES_INVALID_CONFIG;
	n = c.h->config->list_size(c.call, "monitor_urls");
	for (size_t i = 0; i < n; i++) {
		st = one_monitor(
		    &c, c.h->config->list_item(c.call, "monitor_urls", i));
		if (st != ES_OK && (worst == ES_OK || st == ES_FAILED))
			worst = st;
	}
	return worst;
}

/* ---- apdex ---------------------------------------------------------- */

static enum es_status set_apdex(struct ctx *c, const char *app,
                                const char *guid, double target)
{
	const struct es_json_api *j = c->h->json;
	es_json *vars = j->new_object(), *settings = j->new_object(),
	        *apm = j->new_object();
	const es_json *payload;
	char intent[NR_NAME_MAX + 48];
	struct es_reply r;
	enum es_status st;

	j->set_string(vars, "guid", guid);
	j->set_number(apm, "apdexTarget", target);
	j->add(settings, "apmConfig", apm);
	j->add(vars, "settings", settings);
	snprintf(intent, sizeof(intent), "set the Apdex target of %s", app);
	st = nr_mutate(c, &r, SET_APDEX_MUTATION, vars, intent,
	               "agentApplicationSettingsUpdate", &payload);
	j->free(vars);
	es_reply_free(&r);
	return st;
}

/* One application: its Apdex target as configured. A missing application
 * is collected in `pending`: its agent has not reported yet. */
static enum es_status one_app(struct ctx *c, const char *app, double target,
                              char *pending, size_t size)
{
	const struct es_json_api *j = c->h->json;
	char guid[128], detail[64];
	es_json *vars;
	struct es_reply r;
	double have;
	enum es_status st;

	st = find_entity(c, "APM", "APPLICATION", app, guid, sizeof(guid));
	if (st != ES_OK)
		return st;
	/* Not a change plan could make: the agent must report first. Every
	 * phase says so as a person's item (below), not as a change. */
	if (!*guid) {
		size_t n = strlen(pending);

		snprintf(pending + n, size - n, " %s", app);
		return ES_OK;
	}
	vars = j->new_object();
	j->set_string(vars, "guid", guid);
	st = nr_query(c, &r, APM_SETTINGS_QUERY, vars, "ApmSettings");
	j->free(vars);
	have = j->get_number(r.json,
	                     "data.actor.entity.apmSettings.apmConfig."
	                     "apdexTarget",
	                     NAN);
	if (st == ES_OK && isnan(have))
		st = es_reply_malformed(&c->api, &r, "query ApmSettings",
		                        "the Apdex target");
	es_reply_free(&r);
	if (st != ES_OK || fabs(have - target) < 1e-9)
		return st;
	snprintf(detail, sizeof(detail), "%g -> %g", have, target);
	if (es_reported(c->x, &st, ES_CHANGE_UPDATE, "apdex_target", app,
	                detail))
		return st;
	return set_apdex(c, app, guid, target);
}

enum es_status nr_apdex(const struct es_ctx *x)
{
	struct ctx c;
	char pending[1024] = "";
	double target;
	enum es_status st, worst = ES_OK;

	/* A setting of the customer's application, not a resource: destroy
	 * leaves it as it is. */
	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return ES_OK;
	if (nr_open(x, &c))
		return ES_INVALID_CONFIG;
	target = strtod(nr_cfg(&c, "apdex_target"), NULL);
	for (size_t i = 0; i < c.h->config->list_size(c.call, "applications");
	     i++) {
		st = one_app(&c,
		             c.h->config->list_item(c.call, "applications", i),
		             target, pending, sizeof(pending));
		if (st != ES_OK && (worst == ES_OK || st == ES_FAILED))
			worst = st;
	}
	/* Plan has nothing to change for an application New Relic does not
	 * know yet; apply and verify ask for it (the task also waits on
	 * install_agents). */
	if (worst == ES_OK && *pending && x->phase != ES_PHASE_PLAN) {
		c.h->diag->ask(
		    c.call,
		    "New Relic knows no APM application%s yet: its "
		    "Apdex target is set once the agent has reported. "
		    "Deploy the platform with the licence key (see "
		    "newrelic:install_agents), then run envsetup "
		    "apply again.",
		    pending);
		worst = ES_NEEDS_PERSON;
	}
	return worst;
}

/* ---- license_key ---------------------------------------------------- */

/* {"types": [INGEST], "scope": {"accountIds": [account],
 * "ingestTypes": [LICENSE]}} (transfer full). The builders write no
 * number into an array, so the id list is parsed from its text. */
static es_json *key_search(struct ctx *c)
{
	const struct es_json_api *j = c->h->json;
	es_json *vars = j->new_object(), *q = j->new_object(),
	        *types = j->new_array(), *scope = j->new_object(),
	        *ingest = j->new_array(), *ids;
	char text[32];

	snprintf(text, sizeof(text), "[%lld]", (long long)c->account);
	ids = j->parse(text, strlen(text));
	j->append_string(types, "INGEST");
	j->add(q, "types", types);
	j->add(scope, "accountIds", ids ? ids : j->new_array());
	j->append_string(ingest, "LICENSE");
	j->add(scope, "ingestTypes", ingest);
	j->add(q, "scope", scope);
	j->add(vars, "query", q);
	return vars;
}

enum es_status nr_license_key(const struct es_ctx *x)
{
	const struct es_json_api *j;
	struct ctx c;
	es_json *vars;
	const es_json *keys;
	const char *key = NULL;
	struct es_reply r;
	enum es_status st;

	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return ES_OK; /* read only: the account's own key stays */
	if (nr_open(x, &c))
		return ES_INVALID_CONFIG;
	j = c.h->json;
	vars = key_search(&c);
	st = nr_query(&c, &r, LICENSE_KEY_QUERY, vars, "LicenseKey");
	j->free(vars);
	keys = j->get(r.json, KEYS);
	if (st == ES_OK && j->kind(keys) != ES_JSON_ARRAY)
		st = es_reply_malformed(&c.api, &r, "query LicenseKey",
		                        "the keys");
	for (size_t i = 0; st == ES_OK && !key && i < j->array_size(keys);
	     i++) {
		const es_json *k = j->array_item(keys, i);
		const char *type = j->get_string(k, "ingestType");

		if (type && strcmp(type, "LICENSE") == 0)
			key = j->get_string(k, "key");
	}
	if (st == ES_OK && !key) {
		c.h->diag->error(
		    c.call, "account_id",
		    "New Relic: account %lld has no ingest licence "
		    "key the API key's user may read",
		    (long long)c.account);
		st = ES_FAILED;
	} else if (st == ES_OK && c.phase == ES_PHASE_VERIFY &&
	           c.h->output->set(c.call, "license_key", key, 1)) {
		st = ES_FAILED;
	}
	es_reply_free(&r);
	return st;
}
