/*
 * azure: the subscription task (adopted, or created through an alias and
 * polled while ARM makes it) and the resource_group task.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasestr */
#endif
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "azure.h"

#define SUBSCRIPTION_API "2021-10-01"
#define RESOURCES_API "2021-04-01"

/* ---- subscription (long-running when created) ------------------------ */

/* The subscription is there: remember its id for the later tasks. */
static enum es_status record_subscription(struct ctx *c, const char *id)
{
	const char *old;

	if (!id || !azure_is_guid(id)) {
		c->h->diag->error(c->call, NULL, "no usable subscriptionId");
		return ES_FAILED;
	}
	snprintf(c->sub, sizeof(c->sub), "%s", id);
	if (c->phase == ES_PHASE_PLAN)
		return ES_OK;
	old = c->h->state->get(c->call, "subscription_id");
	if ((!old || strcmp(old, id) != 0) &&
	    c->h->state->put(c->call, "subscription_id", id))
		return ES_FAILED;
	if (c->h->state->get(c->call, "alias_poll"))
		c->h->state->del(c->call, "alias_poll");
	return c->h->output->set(c->call, "subscription_id", id, 0) ? ES_FAILED
	                                                            : ES_OK;
}

/* adopt: the subscription exists when its resource groups can be listed
 * (Subscriptions_Get lives in another spec than the ones we follow). */
static enum es_status adopt_subscription(struct ctx *c)
{
	const char *id = az_cfg(c, "subscription_id");
	struct reply r;
	enum es_status st;

	st =
	    az_api(c, &r, ARM, "GET", NULL, NULL,
	           "/subscriptions/%s/resourcegroups?api-version=" RESOURCES_API
	           "&$top=1",
	           c->sub);
	if (st == ES_OK && r.absent) {
		c->h->diag->error(c->call, "subscription_id",
		                  "subscription %s not found, or the service "
		                  "principal has no role on it (%s)",
		                  id, r.code);
		st = ES_INVALID_CONFIG;
	} else if (st == ES_OK) {
		st = record_subscription(c, id);
	}
	az_reply_free(c, &r);
	return st;
}

/* Keep the poll URL of the alias creation across runs, "async URL" or
 * "location URL", when it points at arm_url. */
static void keep_poll_url(struct ctx *c, const struct reply *r)
{
	const char *url = r->async_url ? r->async_url : r->location;
	char *v;

	if (!url)
		return;
	if (!azure_same_origin(c->arm, url)) {
		c->h->log->log(c->call, ES_LOG_WARNING,
		               "not following a poll URL outside arm_url");
		return;
	}
	if (asprintf(&v, "%s %s", r->async_url ? "async" : "location", url) < 0)
		return;
	c->h->state->put(c->call, "alias_poll", v);
	free(v);
}

static enum es_status still_running(struct ctx *c, const char *alias,
                                    uint32_t retry_ms)
{
	c->h->progress->step(c->call,
	                     "subscription alias %s is being "
	                     "provisioned",
	                     alias);
	c->h->diag->retry_after(c->call, retry_ms ? retry_ms : az_poll_ms(c));
	return ES_IN_PROGRESS;
}

/* What an alias answer means: done, failed or still running. */
static enum es_status alias_outcome(struct ctx *c, const char *alias,
                                    const struct reply *r)
{
	const char *state =
	    c->h->json->get_string(r->json, "properties.provisioningState");

	if (state && strcmp(state, "Succeeded") == 0)
		return record_subscription(
		    c, c->h->json->get_string(r->json,
		                              "properties.subscriptionId"));
	if (state &&
	    (strcmp(state, "Failed") == 0 || strcmp(state, "Canceled") == 0)) {
		c->h->diag->error(c->call, "billing_scope",
		                  "creating subscription alias %s %s", alias,
		                  state);
		return ES_FAILED;
	}
	return still_running(c, alias, r->retry_after_ms);
}

static enum es_status get_alias(struct ctx *c, struct reply *r,
                                const char *alias)
{
	return az_api(c, r, ARM, "GET", NULL, NULL,
	              "/providers/Microsoft.Subscription/aliases/%s"
	              "?api-version=" SUBSCRIPTION_API,
	              alias);
}

/*
 * apply, alias still provisioning: follow ARM's async rules. With an
 * Azure-AsyncOperation URL, GET it until its status is final; with a
 * Location URL, 202 means running and 200/204 done; then the alias itself
 * tells the subscription id. Without either, the alias GET was the poll.
 */
static enum es_status poll_alias(struct ctx *c, const char *alias)
{
	const char *kept = c->h->state->get(c->call, "alias_poll");
	char *poll = kept ? strdup(kept) : NULL;
	const char *url = poll ? strchr(poll, ' ') : NULL;
	const char *status;
	struct reply r;
	enum es_status st;
	int async = poll && strncmp(poll, "async ", 6) == 0;

	if (!url) {
		free(poll);
		return still_running(c, alias, 0);
	}
	st = az_send(c, &r, ARM, "GET", NULL, NULL, url + 1);
	free(poll);
	if (st != ES_OK)
		return st;
	status = c->h->json->get_string(r.json, "status");
	if (r.absent) {
		c->h->state->del(c->call,
		                 "alias_poll"); /* forgotten: use GET */
		st = still_running(c, alias, r.retry_after_ms);
	} else if (async && status &&
	           (strcmp(status, "Failed") == 0 ||
	            strcmp(status, "Canceled") == 0)) {
		const char *why =
		    c->h->json->get_string(r.json, "error.message");

		c->h->diag->error(c->call, "billing_scope",
		                  "creating subscription alias %s: %s %s",
		                  alias, status, why ? why : "");
		st = ES_FAILED;
	} else if (async ? status && strcmp(status, "Succeeded") == 0
	                 : r.status != 202) {
		az_reply_free(c, &r);
		st = get_alias(c, &r, alias);
		if (st == ES_OK)
			st = r.absent ? still_running(c, alias, 0)
			              : alias_outcome(c, alias, &r);
	} else {
		st = still_running(c, alias, r.retry_after_ms);
	}
	az_reply_free(c, &r);
	return st;
}

static enum es_status put_alias(struct ctx *c, const char *alias)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object(), *props = j->new_object();
	char intent[160];
	struct reply r;
	enum es_status st = ES_FAILED;

	if (body && props) {
		j->set_string(props, "displayName",
		              az_cfg(c, "subscription_name"));
		j->set_string(props, "workload", az_cfg(c, "workload"));
		j->set_string(props, "billingScope",
		              az_cfg(c, "billing_scope"));
		j->add(body, "properties", props);
		props = NULL;
		snprintf(intent, sizeof(intent), "create subscription alias %s",
		         alias);
		st = az_api(c, &r, ARM, "PUT", body, intent,
		            "/providers/Microsoft.Subscription/aliases/%s"
		            "?api-version=" SUBSCRIPTION_API,
		            alias);
	}
	j->free(props);
	j->free(body);
	if (st != ES_OK)
		return st;
	keep_poll_url(c, &r);
	st = alias_outcome(c, alias, &r);
	az_reply_free(c, &r);
	return st;
}

enum es_status az_subscription(struct ctx *c)
{
	const char *name = az_cfg(c, "subscription_name");
	char alias[96];
	const char *state;
	struct reply r;
	enum es_status st;

	if (!az_cfg_is(c, "subscription_mode", "create"))
		return adopt_subscription(c);
	if (azure_alias_name(c->h->config->customer(c->call), alias,
	                     sizeof(alias))) {
		c->h->diag->error(c->call, NULL,
		                  "the customer id makes no "
		                  "subscription alias name");
		return ES_INVALID_CONFIG;
	}
	st = get_alias(c, &r, alias);
	if (st != ES_OK)
		return st;
	state = c->h->json->get_string(r.json, "properties.provisioningState");
	if (r.absent) {
		if (!az_reported(c, &st, ES_CHANGE_CREATE, "subscription",
		                 alias, name))
			st = put_alias(c, alias);
	} else if (state && (strcmp(state, "Succeeded") == 0 ||
	                     strcmp(state, "Failed") == 0 ||
	                     strcmp(state, "Canceled") == 0)) {
		st = alias_outcome(c, alias, &r);
	} else if (!az_reported(c, &st, ES_CHANGE_UNKNOWN, "subscription",
	                        alias, "provisioning")) {
		st = poll_alias(c, alias);
	}
	az_reply_free(c, &r);
	return st;
}

/* The subscription the other tasks work in; plan may not know it yet. */
int az_need_subscription(struct ctx *c, enum es_status *st, const char *kind,
                         const char *name)
{
	if (*c->sub)
		return 0;
	if (c->phase == ES_PHASE_PLAN) {
		c->h->plan->change(c->call, ES_CHANGE_CREATE, kind, name,
		                   "in the subscription being created");
		*st = ES_OK;
	} else {
		c->h->diag->error(
		    c->call, "subscription_id",
		    "no subscription id yet: the subscription task "
		    "has not finished");
		*st = ES_FAILED;
	}
	return 1;
}

/* ---- resource_group ---------------------------------------------------- */

/* "West Europe" and "westeurope" are the same region. */
static int same_location(const char *a, const char *b)
{
	while (a && b && (*a || *b)) {
		if (*a == ' ')
			a++;
		else if (*b == ' ')
			b++;
		else if (tolower((unsigned char)*a++) !=
		         tolower((unsigned char)*b++))
			return 0;
	}
	return a && b;
}

static enum es_status put_group(struct ctx *c, const char *rg)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object(), *tags = j->new_object();
	char intent[200];
	struct reply r;
	enum es_status st = ES_FAILED;

	if (body && tags) {
		j->set_string(body, "location", az_cfg(c, "location"));
		j->set_string(tags, "envsetup-customer",
		              c->h->config->customer(c->call));
		j->set_string(tags, "envsetup-environment",
		              c->h->config->environment(c->call));
		j->add(body, "tags", tags);
		tags = NULL;
		snprintf(intent, sizeof(intent), "create resource group %s",
		         c->rg);
		st = az_api(c, &r, ARM, "PUT", body, intent,
		            "/subscriptions/%s/resourcegroups/%s"
		            "?api-version=" RESOURCES_API,
		            c->sub, rg);
		if (st == ES_OK)
			az_reply_free(c, &r);
	}
	j->free(tags);
	j->free(body);
	return st;
}

enum es_status az_resource_group(struct ctx *c)
{
	const char *want = az_cfg(c, "location"), *have, *id;
	char *rg;
	struct reply r;
	enum es_status st;

	if (az_need_subscription(c, &st, "resource_group", c->rg))
		return st;
	if (!(rg = az_esc(c, c->rg)))
		return ES_FAILED;
	st = az_api(
	    c, &r, ARM, "GET", NULL, NULL,
	    "/subscriptions/%s/resourcegroups/%s?api-version=" RESOURCES_API,
	    c->sub, rg);
	have = c->h->json->get_string(r.json, "location");
	id = c->h->json->get_string(r.json, "id");
	if (st != ES_OK) {
		/* az_failure() said why */
	} else if (r.absent) {
		if (!az_reported(c, &st, ES_CHANGE_CREATE, "resource_group",
		                 c->rg, want))
			st = put_group(c, rg);
	} else if (!same_location(have, want)) {
		c->h->diag->error(c->call, "location",
		                  "resource group %s exists in %s, not %s; "
		                  "Azure cannot move it",
		                  c->rg, have ? have : "?", want ? want : "?");
		st = ES_INVALID_CONFIG;
	} else if (c->phase == ES_PHASE_VERIFY && id) {
		st = c->h->output->set(c->call, "resource_group_id", id, 0)
		         ? ES_FAILED
		         : ES_OK;
	}
	az_reply_free(c, &r);
	c->h->mem_free(rg);
	return st;
}
