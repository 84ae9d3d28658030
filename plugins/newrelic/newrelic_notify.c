/*
 * newrelic: where the environment's alerts go. New Relic routes an issue
 * through a workflow (which issues: those of the environment's policy) to
 * a channel (the message) on a destination (the on-call addresses). Each
 * of the three is found by its exact name before it is made; a
 * destination whose addresses differ from the config is updated.
 */
#include <stdio.h>
#include <string.h>

#include "newrelic.h"

#define FIND_DESTINATION_QUERY                                                 \
	"query FindDestination($accountId: Int!, $filters: "                   \
	"AiNotificationsDestinationFilter) { actor { account(id: $accountId) " \
	"{ aiNotifications { destinations(filters: $filters) { entities { id " \
	"name properties { key value } } error { description type } } } } } }"
#define DESTINATIONS "data.actor.account.aiNotifications.destinations"
#define CREATE_DESTINATION_MUTATION                                            \
	"mutation CreateDestination($accountId: Int!, $destination: "          \
	"AiNotificationsDestinationInput!) { "                                 \
	"aiNotificationsCreateDestination(accountId: $accountId, "             \
	"destination: $destination) { destination { id name } error { "        \
	"description type } } }"
#define UPDATE_DESTINATION_MUTATION                                            \
	"mutation UpdateDestination($accountId: Int!, $destinationId: ID!, "   \
	"$destination: AiNotificationsDestinationUpdate!) { "                  \
	"aiNotificationsUpdateDestination(accountId: $accountId, "             \
	"destinationId: $destinationId, destination: $destination) { "         \
	"destination { id name } error { description type } } }"
#define DELETE_DESTINATION_MUTATION                                            \
	"mutation DeleteDestination($accountId: Int!, $destinationId: ID!) { " \
	"aiNotificationsDeleteDestination(accountId: $accountId, "             \
	"destinationId: $destinationId) { ids error { description type } } }"
#define FIND_CHANNEL_QUERY                                                     \
	"query FindChannel($accountId: Int!, $filters: "                       \
	"AiNotificationsChannelFilter) { actor { account(id: $accountId) { "   \
	"aiNotifications { channels(filters: $filters) { entities { id name "  \
	"destinationId } error { description type } } } } } }"
#define CHANNELS "data.actor.account.aiNotifications.channels"
#define CREATE_CHANNEL_MUTATION                                                \
	"mutation CreateChannel($accountId: Int!, $channel: "                  \
	"AiNotificationsChannelInput!) { aiNotificationsCreateChannel("        \
	"accountId: $accountId, channel: $channel) { channel { id name } "     \
	"error { description type } } }"
#define DELETE_CHANNEL_MUTATION                                                \
	"mutation DeleteChannel($accountId: Int!, $channelId: ID!) { "         \
	"aiNotificationsDeleteChannel(accountId: $accountId, channelId: "      \
	"$channelId) { ids error { description type } } }"
#define FIND_WORKFLOW_QUERY                                                    \
	"query FindWorkflow($accountId: Int!, $filters: AiWorkflowsFilters) "  \
	"{ "                                                                   \
	"actor { account(id: $accountId) { aiWorkflows { workflows(filters: "  \
	"$filters) { entities { id name } } } } } }"
#define WORKFLOWS "data.actor.account.aiWorkflows.workflows.entities"
#define CREATE_WORKFLOW_MUTATION                                               \
	"mutation CreateWorkflow($accountId: Int!, $workflow: "                \
	"AiWorkflowsCreateWorkflowInput!) { aiWorkflowsCreateWorkflow("        \
	"accountId: $accountId, createWorkflowData: $workflow) { workflow { "  \
	"id name } errors { description type } } }"
#define DELETE_WORKFLOW_MUTATION                                               \
	"mutation DeleteWorkflow($accountId: Int!, $id: ID!, "                 \
	"$deleteChannels: Boolean!) { aiWorkflowsDeleteWorkflow(accountId: "   \
	"$accountId, id: $id, deleteChannels: $deleteChannels) { id errors { " \
	"description type } } }"

#define ADDRESSES_MAX 2048

struct names {
	char destination[NR_NAME_MAX + 16], channel[NR_NAME_MAX + 16],
	    workflow[NR_NAME_MAX + 16];
};

/* A look-up whose reply lists `path`.entities (and maybe its error). */
static enum es_status find(struct ctx *c, struct es_reply *r, const char *query,
                           es_json *filters, const char *what, const char *path,
                           const char *name, const es_json **found)
{
	const struct es_json_api *j = c->h->json;
	es_json *vars = nr_account_vars(c);
	char list[160];
	enum es_status st;

	j->set_string(filters, "name", name);
	j->add(vars, "filters", filters);
	st = nr_query(c, r, query, vars, what);
	j->free(vars);
	snprintf(list, sizeof(list), "%s%s", path,
	         strstr(path, ".entities") ? "" : ".entities");
	*found = NULL;
	if (st == ES_OK && j->kind(j->get(r->json, list)) != ES_JSON_ARRAY)
		return es_reply_malformed(&c->api, r, what, "the entities");
	*found = nr_by_name(c, r, list, name);
	if (*found && !j->get_string(*found, "id"))
		*found = NULL;
	return st;
}

/* The configured addresses, comma separated, as the EMAIL destination's
 * "email" property holds them. */
static void addresses(struct ctx *c, char *out, size_t size)
{
	size_t n = c->h->config->list_size(c->call, "oncall_emails"), at = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && at < size; i++)
		at += (size_t)snprintf(
		    out + at, size - at, "%s%s", i ? "," : "",
		    c->h->config->list_item(c->call, "oncall_emails", i));
}

static es_json *email_properties(struct ctx *c, const char *key,
                                 const char *value)
{
	es_json *list = c->h->json->new_array(), *p = c->h->json->new_object();

	c->h->json->set_string(p, "key", key);
	c->h->json->set_string(p, "value", value);
	c->h->json->add(list, NULL, p);
	return list;
}

static const char *property(struct ctx *c, const es_json *entity,
                            const char *key)
{
	const es_json *props = c->h->json->get(entity, "properties");

	for (size_t i = 0; i < c->h->json->array_size(props); i++) {
		const es_json *p = c->h->json->array_item(props, i);
		const char *k = c->h->json->get_string(p, "key");

		if (k && strcmp(k, key) == 0)
			return c->h->json->get_string(p, "value");
	}
	return NULL;
}

static enum es_status update_destination(struct ctx *c, const char *id,
                                         const char *name, const char *emails)
{
	const struct es_json_api *j = c->h->json;
	es_json *vars = nr_account_vars(c), *d = j->new_object();
	const es_json *payload;
	char intent[NR_NAME_MAX + 64];
	struct es_reply r;
	enum es_status st;

	j->set_string(vars, "destinationId", id);
	j->add(d, "properties", email_properties(c, "email", emails));
	j->add(vars, "destination", d);
	snprintf(intent, sizeof(intent), "update destination %s", name);
	st = nr_mutate(c, &r, UPDATE_DESTINATION_MUTATION, vars, intent,
	               "aiNotificationsUpdateDestination", &payload);
	j->free(vars);
	es_reply_free(&r);
	return st;
}

/* The destination: found (its addresses updated when they differ) or
 * created. `id` gets its id, "" in plan when it does not exist yet. */
static enum es_status destination(struct ctx *c, const struct names *n,
                                  char *id, size_t size)
{
	const struct es_json_api *j = c->h->json;
	es_json *filters = j->new_object(), *vars, *d;
	char emails[ADDRESSES_MAX];
	const es_json *found;
	const char *have = NULL;
	struct es_reply r;
	enum es_status st;

	addresses(c, emails, sizeof(emails));
	j->set_string(filters, "type", "EMAIL");
	st = find(c, &r, FIND_DESTINATION_QUERY, filters, "FindDestination",
	          DESTINATIONS, n->destination, &found);
	if (found) {
		snprintf(id, size, "%s", j->get_string(found, "id"));
		have = property(c, found, "email");
		have = have && strcmp(have, emails) == 0 ? NULL : "addresses";
	}
	es_reply_free(&r);
	if (st != ES_OK)
		return st;
	if (*id) {
		if (es_record(c->x, &st, "destination", id, "destination",
		              n->destination) ||
		    !have ||
		    es_reported(c->x, &st, ES_CHANGE_UPDATE, "destination",
		                n->destination, have))
			return st;
		return update_destination(c, id, n->destination, emails);
	}
	if (es_reported(c->x, &st, ES_CHANGE_CREATE, "destination",
	                n->destination, NULL))
		return st;
	vars = nr_account_vars(c);
	d = j->new_object();
	j->set_string(d, "name", n->destination);
	j->set_string(d, "type", "EMAIL");
	j->add(d, "properties", email_properties(c, "email", emails));
	j->add(vars, "destination", d);
	st = nr_create(c, "destination", n->destination,
	               CREATE_DESTINATION_MUTATION, vars,
	               "aiNotificationsCreateDestination", "destination.id",
	               "destination", id, size);
	j->free(vars);
	return st;
}

static enum es_status channel(struct ctx *c, const struct names *n,
                              const char *dest, char *id, size_t size)
{
	const struct es_json_api *j = c->h->json;
	es_json *filters = j->new_object(), *vars, *ch;
	const es_json *found;
	struct es_reply r;
	enum es_status st;

	if (*dest)
		j->set_string(filters, "destinationId", dest);
	st = *dest ? find(c, &r, FIND_CHANNEL_QUERY, filters, "FindChannel",
	                  CHANNELS, n->channel, &found)
	           : ES_OK;
	if (!*dest) { /* plan: the destination is still to be made */
		j->free(filters);
		memset(&r, 0, sizeof(r));
		found = NULL;
	}
	if (found)
		snprintf(id, size, "%s", j->get_string(found, "id"));
	es_reply_free(&r);
	if (st != ES_OK)
		return st;
	if (*id)
		return es_record(c->x, &st, "channel", id, "channel",
		                 n->channel)
		           ? st
		           : ES_OK;
	if (es_reported(c->x, &st, ES_CHANGE_CREATE, "channel", n->channel,
	                NULL))
		return st;
	vars = nr_account_vars(c);
	ch = j->new_object();
	j->set_string(ch, "name", n->channel);
	j->set_string(ch, "type", "EMAIL");
	j->set_string(ch, "product", "IINT");
	j->set_string(ch, "destinationId", dest);
	j->add(ch, "properties",
	       email_properties(c, "subject", "{{ issueTitle }}"));
	j->add(vars, "channel", ch);
	st = nr_create(c, "channel", n->channel, CREATE_CHANNEL_MUTATION, vars,
	               "aiNotificationsCreateChannel", "channel.id", "channel",
	               id, size);
	j->free(vars);
	return st;
}

/* The workflow input: the policy's issues to the channel. */
static es_json *workflow_input(struct ctx *c, const struct names *n,
                               const char *policy, const char *chan)
{
	const struct es_json_api *j = c->h->json;
	es_json *w = j->new_object(), *filter = j->new_object(),
	        *preds = j->new_array(), *pred = j->new_object(),
	        *values = j->new_array(), *dests = j->new_array(),
	        *dest = j->new_object();

	j->set_string(w, "name", n->workflow);
	j->set_bool(w, "workflowEnabled", 1);
	j->set_bool(w, "destinationsEnabled", 1);
	j->set_bool(w, "enrichmentsEnabled", 0);
	j->set_string(w, "mutingRulesHandling", "NOTIFY_ALL_ISSUES");
	j->set_string(filter, "name", n->workflow);
	j->set_string(filter, "type", "FILTER");
	j->set_string(pred, "attribute", "labels.policyIds");
	j->set_string(pred, "operator", "EXACTLY_MATCHES");
	j->append_string(values, policy);
	j->add(pred, "values", values);
	j->add(preds, NULL, pred);
	j->add(filter, "predicates", preds);
	j->add(w, "issuesFilter", filter);
	j->set_string(dest, "channelId", chan);
	j->add(dests, NULL, dest);
	j->add(w, "destinationConfigurations", dests);
	return w;
}

static enum es_status workflow(struct ctx *c, const struct names *n,
                               const char *policy, const char *chan)
{
	const struct es_json_api *j = c->h->json;
	const es_json *found;
	char id[64] = "";
	es_json *vars;
	struct es_reply r;
	enum es_status st;

	st = find(c, &r, FIND_WORKFLOW_QUERY, j->new_object(), "FindWorkflow",
	          WORKFLOWS, n->workflow, &found);
	if (found)
		snprintf(id, sizeof(id), "%s", j->get_string(found, "id"));
	es_reply_free(&r);
	if (st != ES_OK)
		return st;
	if (*id)
		return es_record(c->x, &st, "workflow", id, "workflow",
		                 n->workflow)
		           ? st
		           : ES_OK;
	if (es_reported(c->x, &st, ES_CHANGE_CREATE, "workflow", n->workflow,
	                policy ? NULL : "for the policy made by alert_policy"))
		return st;
	vars = nr_account_vars(c);
	j->add(vars, "workflow", workflow_input(c, n, policy, chan));
	st = nr_create(c, "workflow", n->workflow, CREATE_WORKFLOW_MUTATION,
	               vars, "aiWorkflowsCreateWorkflow", "workflow.id",
	               "workflow", id, sizeof(id));
	j->free(vars);
	return st;
}

/* Teardown, the workflow first: it uses the channel, which uses the
 * destination. */
static enum es_status teardown_routing(struct ctx *c, const struct names *n)
{
	es_json *vars = nr_account_vars(c);
	enum es_status st;

	c->h->json->set_bool(vars, "deleteChannels", 0);
	st = nr_teardown(c, "workflow", n->workflow, "workflow",
	                 DELETE_WORKFLOW_MUTATION, vars, NULL, "id",
	                 "aiWorkflowsDeleteWorkflow");
	c->h->json->free(vars);
	vars = nr_account_vars(c);
	if (st == ES_OK)
		st = nr_teardown(c, "channel", n->channel, "channel",
		                 DELETE_CHANNEL_MUTATION, vars, NULL,
		                 "channelId", "aiNotificationsDeleteChannel");
	if (st == ES_OK)
		st = nr_teardown(c, "destination", n->destination,
		                 "destination", DELETE_DESTINATION_MUTATION,
		                 vars, NULL, "destinationId",
		                 "aiNotificationsDeleteDestination");
	c->h->json->free(vars);
	return st;
}

enum es_status nr_notifications(const struct es_ctx *x)
{
	struct ctx c;
	struct names n;
	const char *policy;
	char dest[64] = "", chan[64] = "";
	enum es_status st;

	if (nr_open(x, &c))
		return ES_INVALID_CONFIG;
	snprintf(n.destination, sizeof(n.destination), "%s on-call", c.policy);
	snprintf(n.channel, sizeof(n.channel), "%s e-mail", c.policy);
	snprintf(n.workflow, sizeof(n.workflow), "%s routing", c.policy);
	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return teardown_routing(&c, &n);
	if (c.h->config->list_size(c.call, "oncall_emails") == 0)
		return ES_OK; /* no routing wanted */
	if (nr_policy_id(&c, &policy))
		return ES_FAILED;
	st = destination(&c, &n, dest, sizeof(dest));
	if (st == ES_OK)
		st = channel(&c, &n, dest, chan, sizeof(chan));
	if (st == ES_OK)
		st = workflow(&c, &n, policy, chan);
	return st;
}
