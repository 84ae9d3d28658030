/*
 * The New Relic fake's alerting half: alert policies and their static
 * NRQL conditions, and the notification chain (e-mail destination,
 * channel, workflow). Answers select exactly the fields, in the order,
 * the newrelic plugin's queries ask for (see fake_newrelic.c).
 *
 * Resources: policy (id; name, incidentPreference), condition (id; name,
 * policyId, enabled, query, operator, priority, threshold,
 * thresholdDuration, thresholdOccurrences), destination (id; name, type,
 * email), channel (id; name, destinationId, type, product), workflow (id;
 * name, channelId, policyId).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fake_newrelic.h"

static void not_found(struct sb_response *resp, const char *what)
{
	char text[160];

	snprintf(text, sizeof(text), "%s not found", what);
	nr_error(resp, "NOT_FOUND", text);
}

/* ---- policies -------------------------------------------------------- */

struct search {
	cJSON *list;
	const char *name;     /* exact (case-insensitive), nullable */
	const char *contains; /* part of the name, nullable */
	const char *policy;   /* conditions: of this policy, nullable */
	const char *dest;     /* channels: of this destination, nullable */
	const char *kind;
};

static int matches(const struct search *s, const cJSON *attrs)
{
	const char *name = cJSON_GetStringValue(nr_member(attrs, "name"));
	const char *policy = cJSON_GetStringValue(nr_member(attrs, "policyId"));
	const char *dest =
	    cJSON_GetStringValue(nr_member(attrs, "destinationId"));

	return name && (!s->name || strcasecmp(name, s->name) == 0) &&
	       (!s->contains || strcasestr(name, s->contains)) &&
	       (!s->policy || (policy && strcmp(policy, s->policy) == 0)) &&
	       (!s->dest || (dest && strcmp(dest, s->dest) == 0));
}

static void one_policy(const char *id, cJSON *attrs, void *arg)
{
	struct search *s = arg;
	cJSON *p;

	if (!matches(s, attrs))
		return;
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "id", id);
	cJSON_AddItemToObject(p, "name", nr_attr(attrs, "name"));
	cJSON_AddItemToObject(p, "incidentPreference",
	                      nr_attr(attrs, "incidentPreference"));
	cJSON_AddItemToArray(s->list, p);
}

static void find_policy(const cJSON *vars, struct sb_response *resp)
{
	struct search s = {.list = cJSON_CreateArray(),
	                   .name = nr_var(nr_member(vars, "criteria"), "name")};
	cJSON *found = cJSON_CreateObject();

	sb_resource_each(NR, "policy", one_policy, &s);
	cJSON_AddItemToObject(found, "policies", s.list);
	nr_answer(resp, nr_nest(found, "actor.account.alerts.policiesSearch"));
}

static void create_policy(const cJSON *vars, struct sb_response *resp)
{
	const cJSON *in = nr_member(vars, "policy");
	const char *name = nr_var(in, "name");
	const char *pref = nr_var(in, "incidentPreference");
	cJSON *attrs, *out;
	char id[32];

	if (!name || !pref) {
		nr_error(resp, "BAD_USER_INPUT",
		         "policy: name and incidentPreference are required");
		return;
	}
	sb_new_id(id, sizeof(id), "");
	attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "name", name);
	cJSON_AddStringToObject(attrs, "incidentPreference", pref);
	sb_resource_add(NR, "policy", id, attrs);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "id", id);
	cJSON_AddStringToObject(out, "name", name);
	cJSON_AddStringToObject(out, "incidentPreference", pref);
	nr_answer(resp, nr_nest(out, "alertsPolicyCreate"));
}

static void update_policy(const cJSON *vars, struct sb_response *resp)
{
	const char *id = nr_var(vars, "id");
	const char *pref =
	    nr_var(nr_member(vars, "policy"), "incidentPreference");
	cJSON *attrs = sb_resource_find(NR, "policy", id ? id : ""), *out;

	if (!attrs) {
		not_found(resp, "policy");
		return;
	}
	if (pref)
		cJSON_ReplaceItemInObject(attrs, "incidentPreference",
		                          cJSON_CreateString(pref));
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "id", id);
	cJSON_AddItemToObject(out, "name", nr_attr(attrs, "name"));
	cJSON_AddItemToObject(out, "incidentPreference",
	                      nr_attr(attrs, "incidentPreference"));
	nr_answer(resp, nr_nest(out, "alertsPolicyUpdate"));
}

/* Deletes resource kind/id, answering {field: {key: id}}, or NOT_FOUND. */
static void delete_one(const char *kind, const char *id, const char *field,
                       const char *key, struct sb_response *resp)
{
	cJSON *out;

	if (!id || !sb_resource_delete(NR, kind, id)) {
		not_found(resp, kind);
		return;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, key, id);
	nr_answer(resp, nr_nest(out, field));
}

/* ---- NRQL conditions ------------------------------------------------- */

static void one_condition(const char *id, cJSON *attrs, void *arg)
{
	struct search *s = arg;
	cJSON *c, *nrql, *terms, *t;

	if (!matches(s, attrs))
		return;
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "__typename", "AlertsNrqlStaticCondition");
	cJSON_AddStringToObject(c, "id", id);
	cJSON_AddItemToObject(c, "name", nr_attr(attrs, "name"));
	cJSON_AddItemToObject(c, "enabled", nr_attr(attrs, "enabled"));
	nrql = cJSON_AddObjectToObject(c, "nrql");
	cJSON_AddItemToObject(nrql, "query", nr_attr(attrs, "query"));
	terms = cJSON_AddArrayToObject(c, "terms");
	t = cJSON_CreateObject();
	cJSON_AddItemToObject(t, "operator", nr_attr(attrs, "operator"));
	cJSON_AddItemToObject(t, "priority", nr_attr(attrs, "priority"));
	cJSON_AddItemToObject(t, "threshold", nr_attr(attrs, "threshold"));
	cJSON_AddItemToObject(t, "thresholdDuration",
	                      nr_attr(attrs, "thresholdDuration"));
	cJSON_AddItemToObject(t, "thresholdOccurrences",
	                      nr_attr(attrs, "thresholdOccurrences"));
	cJSON_AddItemToArray(terms, t);
	cJSON_AddItemToArray(s->list, c);
}

static void find_condition(const cJSON *vars, struct sb_response *resp)
{
	const cJSON *criteria = nr_member(vars, "criteria");
	struct search s = {.list = cJSON_CreateArray(),
	                   .name = nr_var(criteria, "name"),
	                   .policy = nr_var(criteria, "policyId")};
	cJSON *found = cJSON_CreateObject();

	sb_resource_each(NR, "condition", one_condition, &s);
	cJSON_AddItemToObject(found, "nrqlConditions", s.list);
	nr_answer(resp,
	          nr_nest(found, "actor.account.alerts.nrqlConditionsSearch"));
}

/* Copies the condition input into attrs; 0, or -1 when it lacks what a
 * static condition needs. */
static int take_condition(const cJSON *in, cJSON *attrs, int partial)
{
	const cJSON *term = cJSON_GetArrayItem(nr_member(in, "terms"), 0);
	const char *name = nr_var(in, "name");
	const char *query = nr_var(nr_member(in, "nrql"), "query");
	const cJSON *threshold = nr_member(term, "threshold");

	if (!partial && (!name || !query || !cJSON_IsNumber(threshold)))
		return -1;
#define SET(key, value)                                                        \
	do {                                                                   \
		if (value) {                                                   \
			cJSON_DeleteItemFromObject(attrs, key);                \
			cJSON_AddItemToObject(attrs, key,                      \
			                      cJSON_Duplicate(value, 1));      \
		}                                                              \
	} while (0)
	SET("name", nr_member(in, "name"));
	SET("enabled", nr_member(in, "enabled"));
	SET("query", nr_member(nr_member(in, "nrql"), "query"));
	SET("operator", nr_member(term, "operator"));
	SET("priority", nr_member(term, "priority"));
	SET("threshold", threshold);
	SET("thresholdDuration", nr_member(term, "thresholdDuration"));
	SET("thresholdOccurrences", nr_member(term, "thresholdOccurrences"));
#undef SET
	return 0;
}

static void write_condition(const cJSON *vars, int update,
                            struct sb_response *resp)
{
	const char *id = nr_var(vars, update ? "id" : "policyId");
	cJSON *attrs, *out;
	char made[32];

	if (!update && !sb_resource_find(NR, "policy", id ? id : "")) {
		not_found(resp, "policy");
		return;
	}
	attrs = update ? sb_resource_find(NR, "condition", id ? id : "")
	               : cJSON_CreateObject();
	if (!attrs) {
		not_found(resp, "condition");
		return;
	}
	if (take_condition(nr_member(vars, "condition"), attrs, update)) {
		cJSON_Delete(attrs);
		nr_error(resp, "BAD_USER_INPUT",
		         "condition: name, nrql.query and terms[0].threshold "
		         "are required");
		return;
	}
	if (!update) {
		cJSON_AddStringToObject(attrs, "policyId", id);
		sb_new_id(made, sizeof(made), "");
		attrs = sb_resource_add(NR, "condition", made, attrs);
		id = made;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "id", id);
	cJSON_AddItemToObject(out, "name", nr_attr(attrs, "name"));
	nr_answer(resp,
	          nr_nest(out, update ? "alertsNrqlConditionStaticUpdate"
	                              : "alertsNrqlConditionStaticCreate"));
}

/* ---- destinations, channels, workflows ------------------------------- */

static void one_entity(const char *id, cJSON *attrs, void *arg)
{
	struct search *s = arg;
	cJSON *e, *props, *p;

	if (!matches(s, attrs))
		return;
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "id", id);
	cJSON_AddItemToObject(e, "name", nr_attr(attrs, "name"));
	if (strcmp(s->kind, "destination") == 0) {
		props = cJSON_AddArrayToObject(e, "properties");
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "key", "email");
		cJSON_AddItemToObject(p, "value", nr_attr(attrs, "email"));
		cJSON_AddItemToArray(props, p);
	} else if (strcmp(s->kind, "channel") == 0) {
		cJSON_AddItemToObject(e, "destinationId",
		                      nr_attr(attrs, "destinationId"));
	}
	cJSON_AddItemToArray(s->list, e);
}

static void find_entities(const char *kind, const cJSON *vars,
                          struct sb_response *resp)
{
	const cJSON *filters = nr_member(vars, "filters");
	struct search s = {.list = cJSON_CreateArray(),
	                   .contains = nr_var(filters, "name"),
	                   .dest = nr_var(filters, "destinationId"),
	                   .kind = kind};
	cJSON *found = cJSON_CreateObject();

	sb_resource_each(NR, kind, one_entity, &s);
	cJSON_AddItemToObject(found, "entities", s.list);
	if (strcmp(kind, "workflow") == 0) {
		nr_answer(resp, nr_nest(found,
		                        "actor.account.aiWorkflows.workflows"));
		return;
	}
	cJSON_AddNullToObject(found, "error");
	nr_answer(resp, nr_nest(found, strcmp(kind, "channel") == 0
	                                   ? "actor.account.aiNotifications."
	                                     "channels"
	                                   : "actor.account.aiNotifications."
	                                     "destinations"));
}

/* The e-mail addresses of a destination input's "email" property. */
static const char *email_property(const cJSON *in)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, nr_member(in, "properties"))
	{
		const char *key = nr_var(p, "key");

		if (key && strcmp(key, "email") == 0)
			return nr_var(p, "value");
	}
	return NULL;
}

/* {field: {what: {id, name}, error-or-errors}} for a create or update. */
static void made(struct sb_response *resp, const char *field, const char *what,
                 const char *id, const cJSON *attrs, int errors_list)
{
	cJSON *payload = cJSON_CreateObject(), *e;

	e = cJSON_AddObjectToObject(payload, what);
	cJSON_AddStringToObject(e, "id", id);
	cJSON_AddItemToObject(e, "name", nr_attr(attrs, "name"));
	if (errors_list)
		cJSON_AddArrayToObject(payload, "errors");
	else
		cJSON_AddNullToObject(payload, "error");
	nr_answer(resp, nr_nest(payload, field));
}

static void create_destination(const cJSON *vars, struct sb_response *resp)
{
	const cJSON *in = nr_member(vars, "destination");
	const char *name = nr_var(in, "name"), *type = nr_var(in, "type");
	const char *email = email_property(in);
	cJSON *attrs;
	char id[40];

	if (!name || !type || strcmp(type, "EMAIL") != 0 || !email) {
		nr_error(resp, "BAD_USER_INPUT",
		         "destination: an EMAIL destination needs a name and "
		         "the email property");
		return;
	}
	attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "name", name);
	cJSON_AddStringToObject(attrs, "type", type);
	cJSON_AddStringToObject(attrs, "email", email);
	sb_new_id(id, sizeof(id), "dest-");
	attrs = sb_resource_add(NR, "destination", id, attrs);
	made(resp, "aiNotificationsCreateDestination", "destination", id, attrs,
	     0);
}

static void update_destination(const cJSON *vars, struct sb_response *resp)
{
	const char *id = nr_var(vars, "destinationId");
	const char *email = email_property(nr_member(vars, "destination"));
	cJSON *attrs = sb_resource_find(NR, "destination", id ? id : "");

	if (!attrs) {
		not_found(resp, "destination");
		return;
	}
	if (email)
		cJSON_ReplaceItemInObject(attrs, "email",
		                          cJSON_CreateString(email));
	made(resp, "aiNotificationsUpdateDestination", "destination", id, attrs,
	     0);
}

static void create_channel(const cJSON *vars, struct sb_response *resp)
{
	const cJSON *in = nr_member(vars, "channel");
	const char *name = nr_var(in, "name");
	const char *dest = nr_var(in, "destinationId");
	cJSON *attrs;
	char id[40];

	if (!name || !nr_var(in, "product") || !nr_var(in, "type")) {
		nr_error(resp, "BAD_USER_INPUT",
		         "channel: name, type and product are required");
		return;
	}
	if (!sb_resource_find(NR, "destination", dest ? dest : "")) {
		not_found(resp, "destination");
		return;
	}
	attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "name", name);
	cJSON_AddStringToObject(attrs, "destinationId", dest);
	cJSON_AddStringToObject(attrs, "type", nr_var(in, "type"));
	cJSON_AddStringToObject(attrs, "product", nr_var(in, "product"));
	sb_new_id(id, sizeof(id), "chan-");
	attrs = sb_resource_add(NR, "channel", id, attrs);
	made(resp, "aiNotificationsCreateChannel", "channel", id, attrs, 0);
}

static void create_workflow(const cJSON *vars, struct sb_response *resp)
{
	const cJSON *in = nr_member(vars, "workflow");
	const char *name = nr_var(in, "name");
	const char *chan = nr_var(
	    cJSON_GetArrayItem(nr_member(in, "destinationConfigurations"), 0),
	    "channelId");
	const cJSON *pred = cJSON_GetArrayItem(
	    nr_member(nr_member(in, "issuesFilter"), "predicates"), 0);
	const char *policy = cJSON_GetStringValue(
	    cJSON_GetArrayItem(nr_member(pred, "values"), 0));
	cJSON *attrs;
	char id[40];

	if (!name || !policy) {
		nr_error(resp, "BAD_USER_INPUT",
		         "workflow: name and an issuesFilter predicate are "
		         "required");
		return;
	}
	if (!sb_resource_find(NR, "channel", chan ? chan : "")) {
		cJSON *payload = cJSON_CreateObject(), *errors, *e;

		cJSON_AddNullToObject(payload, "workflow");
		errors = cJSON_AddArrayToObject(payload, "errors");
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "description",
		                        "Channel does not exist");
		cJSON_AddStringToObject(e, "type", "CHANNEL_NOT_FOUND");
		cJSON_AddItemToArray(errors, e);
		nr_answer(resp, nr_nest(payload, "aiWorkflowsCreateWorkflow"));
		return;
	}
	attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "name", name);
	cJSON_AddStringToObject(attrs, "channelId", chan);
	cJSON_AddStringToObject(attrs, "policyId", policy);
	sb_new_id(id, sizeof(id), "wf-");
	attrs = sb_resource_add(NR, "workflow", id, attrs);
	made(resp, "aiWorkflowsCreateWorkflow", "workflow", id, attrs, 1);
}

/* The notification deletes answer {ids, error}; the workflow's {id,
 * errors}. */
static void delete_notification(const char *kind, const char *id,
                                const char *field, struct sb_response *resp)
{
	cJSON *payload;

	if (!id || !sb_resource_delete(NR, kind, id)) {
		not_found(resp, kind);
		return;
	}
	payload = cJSON_CreateObject();
	if (strcmp(kind, "workflow") == 0) {
		cJSON_AddStringToObject(payload, "id", id);
		cJSON_AddArrayToObject(payload, "errors");
	} else {
		cJSON_AddItemToArray(cJSON_AddArrayToObject(payload, "ids"),
		                     cJSON_CreateString(id));
		cJSON_AddNullToObject(payload, "error");
	}
	nr_answer(resp, nr_nest(payload, field));
}

/* ---- routing --------------------------------------------------------- */

/* One function per operation, for the routing table. */
static void delete_policy(const cJSON *vars, struct sb_response *resp)
{
	delete_one("policy", nr_var(vars, "id"), "alertsPolicyDelete", "id",
	           resp);
}

static void create_condition(const cJSON *vars, struct sb_response *resp)
{
	write_condition(vars, 0, resp);
}

static void update_condition(const cJSON *vars, struct sb_response *resp)
{
	write_condition(vars, 1, resp);
}

static void delete_condition(const cJSON *vars, struct sb_response *resp)
{
	delete_one("condition", nr_var(vars, "id"), "alertsConditionDelete",
	           "id", resp);
}

static void find_destination(const cJSON *vars, struct sb_response *resp)
{
	find_entities("destination", vars, resp);
}

static void delete_destination(const cJSON *vars, struct sb_response *resp)
{
	delete_notification("destination", nr_var(vars, "destinationId"),
	                    "aiNotificationsDeleteDestination", resp);
}

static void find_channel(const cJSON *vars, struct sb_response *resp)
{
	find_entities("channel", vars, resp);
}

static void delete_channel(const cJSON *vars, struct sb_response *resp)
{
	delete_notification("channel", nr_var(vars, "channelId"),
	                    "aiNotificationsDeleteChannel", resp);
}

static void find_workflow(const cJSON *vars, struct sb_response *resp)
{
	find_entities("workflow", vars, resp);
}

static void delete_workflow(const cJSON *vars, struct sb_response *resp)
{
	delete_notification("workflow", nr_var(vars, "id"),
	                    "aiWorkflowsDeleteWorkflow", resp);
}

static const struct {
	const char *op;
	void (*answer)(const cJSON *vars, struct sb_response *resp);
} ops[] = {
    {"FindPolicy", find_policy},
    {"CreatePolicy", create_policy},
    {"UpdatePolicy", update_policy},
    {"DeletePolicy", delete_policy},
    {"FindCondition", find_condition},
    {"CreateCondition", create_condition},
    {"UpdateCondition", update_condition},
    {"DeleteCondition", delete_condition},
    {"FindDestination", find_destination},
    {"CreateDestination", create_destination},
    {"UpdateDestination", update_destination},
    {"DeleteDestination", delete_destination},
    {"FindChannel", find_channel},
    {"CreateChannel", create_channel},
    {"DeleteChannel", delete_channel},
    {"FindWorkflow", find_workflow},
    {"CreateWorkflow", create_workflow},
    {"DeleteWorkflow", delete_workflow},
};

int nr_alerts_handle(const char *op, const cJSON *vars,
                     struct sb_response *resp)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].op, op) == 0) {
			/* Every alerting operation is an account's. */
			if (nr_account_ok(vars, resp))
				ops[i].answer(vars, resp);
			return 1;
		}
	return 0;
}
