/*
 * azure: the subscription task (adopted, or created through an alias and
 * polled while ARM makes it) and the resource_group task.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azure.h"

#define SUBSCRIPTION_API "2021-10-01"
#define RESOURCES_API "2021-04-01"
#define ALIAS_PATH                                                             \
	"/providers/Microsoft.Subscription/aliases/%s"                         \
	"?api-version=" SUBSCRIPTION_API

/* ---- names and delays ------------------------------------------------- */

/* "envsetup-" + the customer id in lower-case letters, digits and '-'
 * (alias names allow no dots). -1 when nothing usable is left. */
int azure_alias_name(const char *customer, char *out, size_t size)
{
	size_t n = 0;
	int any = 0, cut = 0;

	if (!customer || size < 10)
		return -1;
	memcpy(out, "envsetup-", 9);
	n = 9;
	for (const char *p = customer; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (n + 1 >= size)
			cut = 1;
		else if (isalnum(ch))
			out[n++] = (char)tolower(ch), any = 1;
		else if (n > 9 && out[n - 1] != '-')
			out[n++] = '-';
	}
	while (n > 9 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	return any && !cut ? 0 : -1;
}

/* Retry-After in seconds (ARM sends no HTTP dates), or the fallback when
 * it is absent or unreadable. es_poll_again() clamps the result; the cap
 * here only keeps the product in range. */
static uint64_t azure_retry_after_ms(const char *header, uint64_t fallback_ms)
{
	char *end;
	long s;

	if (!header)
		return fallback_ms;
	s = strtol(header, &end, 10);
	if (end == header || s < 0)
		return fallback_ms;
	return (uint64_t)(s > 86400 ? 86400 : s) * 1000u;
}

static int is_state(const char *state, const char *a, const char *b)
{
	return state && (strcmp(state, a) == 0 || (b && strcmp(state, b) == 0));
}

/* ---- subscription: the id --------------------------------------------- */

/* The subscription `name` is there with id `id`: the state records it for
 * the later tasks (a plan change while it does not) and it is published. */
static enum es_status record_subscription(struct ctx *c, const char *name,
                                          const char *id)
{
	enum es_status st = ES_OK;

	if (!id || !*id) {
		c->h->diag->error(c->call, NULL,
		                  "subscription %s: ARM gave no subscriptionId",
		                  name);
		return ES_FAILED;
	}
	if (es_record(c->x, &st, "subscription_id", id, "subscription", name))
		return st;
	if (c->phase == ES_PHASE_PLAN)
		return ES_OK;
	if (c->phase == ES_PHASE_APPLY &&
	    c->h->state->get(c->call, "alias_poll"))
		c->h->state->del(c->call, "alias_poll");
	return c->h->output->set(c->call, "subscription_id", id, 0) ? ES_FAILED
	                                                            : ES_OK;
}

/* adopt: the subscription exists when its resource groups can be listed
 * (Subscriptions_Get lives in another spec than the ones we follow). */
static enum es_status adopt_subscription(struct ctx *c)
{
	const char *id = az_cfg(c, "subscription_id");
	struct es_reply r;
	enum es_status st;

	st = es_client_call(&c->arm, &r, NULL,
	                    "/subscriptions/%s/resourcegroups"
	                    "?api-version=" RESOURCES_API "&$top=1",
	                    c->sub);
	if (st == ES_OK && r.outcome == ES_ABSENT) {
		c->h->diag->error(c->call, "subscription_id",
		                  "subscription %s not found, or the service "
		                  "principal has no role on it (%s)",
		                  id, r.message);
		st = ES_INVALID_CONFIG;
	} else if (st == ES_OK) {
		st = record_subscription(c, id, id);
	}
	es_reply_free(&r);
	return st;
}

/* ---- subscription: the alias, created and polled ---------------------- */

static enum es_status still_running(struct ctx *c, const char *alias,
                                    const struct es_reply *r)
{
	c->h->progress->step(
	    c->call, "subscription alias %s is being provisioned", alias);
	return es_poll_again(
	    c->x,
	    azure_retry_after_ms(r ? es_reply_header(r, "Retry-After") : NULL,
	                         (uint64_t)c->h->config->get_duration_ms(
	                             c->call, "poll_interval")));
}

/* What an alias answer means: done, failed or still running. */
static enum es_status alias_outcome(struct ctx *c, const char *alias,
                                    const struct es_reply *r)
{
	const char *state =
	    c->h->json->get_string(r->json, "properties.provisioningState");

	if (is_state(state, "Succeeded", NULL))
		return record_subscription(
		    c, alias,
		    c->h->json->get_string(r->json,
		                           "properties.subscriptionId"));
	if (is_state(state, "Failed", "Canceled")) {
		c->h->diag->error(c->call, "billing_scope",
		                  "creating subscription alias %s %s", alias,
		                  state);
		return ES_FAILED;
	}
	return still_running(c, alias, r);
}

/* Keep the Azure-AsyncOperation URL of the alias creation across runs, as
 * "async URL", when it points at arm_url. A Location header is not kept:
 * its poll answers 202 with no body, and the alias itself tells the same. */
static void keep_poll_url(struct ctx *c, const struct es_reply *r)
{
	const char *url = es_reply_header(r, "Azure-AsyncOperation");
	char *v;

	if (!url || !*url)
		return;
	if (!azure_same_origin(c->arm.base, url)) {
		c->h->log->log(c->call, ES_LOG_WARNING,
		               "not following a poll URL outside arm_url");
		return;
	}
	if (asprintf(&v, "async %s", url) < 0)
		return;
	c->h->state->put(c->call, "alias_poll", v);
	free(v);
}

/*
 * apply, alias still provisioning: follow ARM's async rules. GET the kept
 * Azure-AsyncOperation URL until its status is final, then the alias
 * itself tells the subscription id. Without one, the alias GET that found
 * it provisioning was the poll.
 */
static enum es_status poll_alias(struct ctx *c, const char *alias)
{
	const char *kept = c->h->state->get(c->call, "alias_poll");
	const char *url =
	    kept && strncmp(kept, "async ", 6) == 0 ? kept + 6 : NULL;
	const char *status;
	struct es_reply r;
	enum es_status st;

	/* Checked again here: arm_url may have changed since it was kept. */
	if (!url || !azure_same_origin(c->arm.base, url))
		return still_running(c, alias, NULL);
	st = es_client_send_url(&c->arm, &r, NULL, url);
	status = c->h->json->get_string(r.json, "status");
	if (st != ES_OK) {
		/* the client said why */
	} else if (r.outcome == ES_ABSENT) {
		c->h->state->del(c->call, "alias_poll"); /* forgotten: GET */
		st = still_running(c, alias, &r);
	} else if (is_state(status, "Failed", "Canceled")) {
		const char *why =
		    c->h->json->get_string(r.json, "error.message");

		c->h->diag->error(c->call, "billing_scope",
		                  "creating subscription alias %s: %s %s",
		                  alias, status, why ? why : "");
		st = ES_FAILED;
	} else if (is_state(status, "Succeeded", NULL)) {
		es_reply_free(&r);
		st = es_client_call(&c->arm, &r, NULL, ALIAS_PATH, alias);
		if (st == ES_OK)
			st = r.outcome == ES_ABSENT
			         ? still_running(c, alias, NULL)
			         : alias_outcome(c, alias, &r);
	} else {
		st = still_running(c, alias, &r);
	}
	es_reply_free(&r);
	return st;
}

static enum es_status put_alias(struct ctx *c, const char *alias)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object(), *props = j->new_object();
	char intent[160], *text;
	struct es_send s;
	struct es_reply r;
	enum es_status st;

	j->set_string(props, "displayName", az_cfg(c, "subscription_name"));
	j->set_string(props, "workload", az_cfg(c, "workload"));
	j->set_string(props, "billingScope", az_cfg(c, "billing_scope"));
	j->add(body, "properties", props);
	text = j->print(body);
	j->free(body);
	if (!text)
		return ES_FAILED;
	snprintf(intent, sizeof(intent), "create subscription alias %s", alias);
	s = es_json_write("PUT", text, intent);
	st = es_client_call(&c->arm, &r, &s, ALIAS_PATH, alias);
	c->h->mem_free(text);
	if (st == ES_OK && r.outcome == ES_FOUND) {
		keep_poll_url(c, &r);
		st = alias_outcome(c, alias, &r);
	} else if (st == ES_OK) {
		/* 409: another operation on the alias; the next look-up
		 * finds where it stands. */
		st = still_running(c, alias, &r);
	}
	es_reply_free(&r);
	return st;
}

/* ---- subscription: teardown ------------------------------------------ */

/*
 * An adopted subscription is the customer's: kept. One envsetup created
 * is cancelled by a person (envsetup never cancels a subscription: it
 * ends billing and, 90 days on, everything in it); once they confirm, the
 * alias that named it is deleted.
 */
static enum es_status cancel_subscription(struct ctx *c, const char *alias)
{
	const char *id = c->h->state->get(c->call, "subscription_id");
	char intent[200];
	struct es_send s = {.method = "DELETE", .intent = intent};
	struct es_reply r;
	enum es_status st;

	if (!az_cfg_is(c, "subscription_mode", "create")) {
		c->h->diag->error(c->call, "subscription_mode",
		                  "kept: subscription %s was adopted "
		                  "(subscription_mode = adopt)",
		                  az_cfg(c, "subscription_id"));
		return ES_UNSUPPORTED;
	}
	if (!id)
		return ES_OK; /* none was made */
	st = es_client_call(&c->arm, &r, NULL, ALIAS_PATH, alias);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !es_reported(c->x, &st, ES_CHANGE_DELETE, "subscription", id,
	                 "a person cancels it; then its alias is deleted") &&
	    !c->h->gate->confirmed(c->call)) {
		c->h->diag->ask(
		    c->call,
		    "Cancel subscription %s (alias %s) in the Azure "
		    "portal (Subscriptions > Cancel subscription); "
		    "envsetup never cancels one. Then run envsetup "
		    "confirm azure:subscription --by NAME and "
		    "destroy again",
		    id, alias);
		st = ES_NEEDS_PERSON;
	} else if (st == ES_OK && r.outcome == ES_FOUND &&
	           c->phase == ES_PHASE_DESTROY) {
		es_reply_free(&r);
		snprintf(intent, sizeof(intent), "delete subscription alias %s",
		         alias);
		st = es_client_call(&c->arm, &r, &s, ALIAS_PATH, alias);
	}
	es_reply_free(&r);
	if (st == ES_OK && c->phase == ES_PHASE_DESTROY &&
	    (c->h->state->del(c->call, "subscription_id") ||
	     c->h->state->del(c->call, "alias_poll")))
		st = ES_FAILED;
	return st;
}

enum es_status az_subscription(const struct es_ctx *x)
{
	struct ctx c;
	char alias[96];
	const char *state;
	struct es_reply r;
	enum es_status st = az_open(x, &c, ARM);

	if (st != ES_OK)
		return st;
	if (!az_cfg_is(&c, "subscription_mode", "create") &&
	    x->phase < ES_PHASE_PLAN_DESTROY)
		return adopt_subscription(&c);
	if (azure_alias_name(c.h->config->customer(c.call), alias,
	                     sizeof(alias))) {
		c.h->diag->error(c.call, NULL,
		                 "the customer id makes no subscription alias "
		                 "name");
		return ES_INVALID_CONFIG;
	}
	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return cancel_subscription(&c, alias);
	/* A look-up that cannot be read is the client's ES_RETRY, never
	 * "absent": only a 404 leads to the PUT. */
	st = es_client_call(&c.arm, &r, NULL, ALIAS_PATH, alias);
	state = c.h->json->get_string(r.json, "properties.provisioningState");
	if (st != ES_OK) {
		/* the client said why */
	} else if (r.outcome == ES_ABSENT) {
		if (!es_reported(x, &st, ES_CHANGE_CREATE, "subscription",
		                 alias, az_cfg(&c, "subscription_name")))
			st = put_alias(&c, alias);
	} else if (is_state(state, "Succeeded", NULL) ||
	           is_state(state, "Failed", "Canceled")) {
		st = alias_outcome(&c, alias, &r);
	} else if (!es_reported(x, &st, ES_CHANGE_UNKNOWN, "subscription",
	                        alias, "provisioning")) {
		st = poll_alias(&c, alias);
	}
	es_reply_free(&r);
	return st;
}

int az_need_subscription(struct ctx *c, enum es_status *st, const char *kind,
                         const char *name)
{
	if (*c->sub)
		return 0;
	if (!es_reported(c->x, st, ES_CHANGE_CREATE, kind, name,
	                 "in the subscription being created")) {
		c->h->diag->error(c->call, "subscription_id",
		                  "no subscription id yet: the subscription "
		                  "task has not finished");
		*st = ES_FAILED;
	}
	return 1;
}

/* ---- resource_group --------------------------------------------------- */

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

static enum es_status put_group(struct ctx *c)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object(), *tags = j->new_object();
	char intent[200], *text;
	struct es_send s;
	struct es_reply r;
	enum es_status st;

	j->set_string(body, "location", az_cfg(c, "location"));
	j->set_string(tags, "envsetup-customer",
	              c->h->config->customer(c->call));
	j->set_string(tags, "envsetup-environment",
	              c->h->config->environment(c->call));
	j->add(body, "tags", tags);
	text = j->print(body);
	j->free(body);
	if (!text)
		return ES_FAILED;
	snprintf(intent, sizeof(intent), "create resource group %s", c->rg);
	s = es_json_write("PUT", text, intent);
	st = es_client_call(&c->arm, &r, &s,
	                    "/subscriptions/%s/resourcegroups/%s"
	                    "?api-version=" RESOURCES_API,
	                    c->sub, c->rg_path);
	c->h->mem_free(text);
	es_reply_free(&r);
	return st;
}

/* Teardown: the group envsetup tagged as this customer's, with all in
 * it; ARM deletes it in the background, polled until it is gone. */
static enum es_status remove_group(struct ctx *c)
{
	const char *owner, *state;
	char intent[200];
	struct es_send s = {.method = "DELETE", .intent = intent};
	struct es_reply r;
	enum es_status st;

	if (!*c->sub)
		return ES_OK; /* no subscription: nothing was made in it */
	st = es_client_call(&c->arm, &r, NULL,
	                    "/subscriptions/%s/resourcegroups/%s"
	                    "?api-version=" RESOURCES_API,
	                    c->sub, c->rg_path);
	owner = c->h->json->get_string(r.json, "tags.envsetup-customer");
	state = c->h->json->get_string(r.json, "properties.provisioningState");
	if (st != ES_OK || r.outcome != ES_FOUND) {
		/* failed, or gone */
	} else if (!owner ||
	           strcmp(owner, c->h->config->customer(c->call)) != 0) {
		c->h->diag->error(c->call, "resource_group",
		                  "kept: resource group %s is not tagged as "
		                  "made by envsetup for this customer",
		                  c->rg);
		st = ES_UNSUPPORTED;
	} else if (is_state(state, "Deleting", NULL)) {
		if (!es_reported(c->x, &st, ES_CHANGE_DELETE, "resource_group",
		                 c->rg, "being deleted"))
			st = es_poll_again(c->x, 0);
	} else if (!es_reported(c->x, &st, ES_CHANGE_DELETE, "resource_group",
	                        c->rg, "with everything in it")) {
		es_reply_free(&r);
		snprintf(intent, sizeof(intent), "delete resource group %s",
		         c->rg);
		st = es_client_call(&c->arm, &r, &s,
		                    "/subscriptions/%s/resourcegroups/%s"
		                    "?api-version=" RESOURCES_API,
		                    c->sub, c->rg_path);
		if (st == ES_OK && r.outcome == ES_FOUND)
			st = es_poll_again(c->x, 0); /* look again: gone? */
	}
	es_reply_free(&r);
	return st;
}

enum es_status az_resource_group(const struct es_ctx *x)
{
	struct ctx c;
	const char *want, *have, *id;
	struct es_reply r;
	enum es_status st = az_open(x, &c, ARM);

	if (st == ES_OK && x->phase >= ES_PHASE_PLAN_DESTROY)
		return remove_group(&c);
	if (st != ES_OK ||
	    az_need_subscription(&c, &st, "resource_group", c.rg))
		return st;
	want = az_cfg(&c, "location");
	st = es_client_call(
	    &c.arm, &r, NULL,
	    "/subscriptions/%s/resourcegroups/%s?api-version=" RESOURCES_API,
	    c.sub, c.rg_path);
	have = c.h->json->get_string(r.json, "location");
	id = c.h->json->get_string(r.json, "id");
	if (st != ES_OK) {
		/* the client said why */
	} else if (r.outcome == ES_ABSENT) {
		if (!es_reported(x, &st, ES_CHANGE_CREATE, "resource_group",
		                 c.rg, want))
			st = put_group(&c);
	} else if (!same_location(have, want)) {
		c.h->diag->error(c.call, "location",
		                 "resource group %s exists in %s, not %s; "
		                 "Azure cannot move it",
		                 c.rg, have ? have : "?", want ? want : "?");
		st = ES_INVALID_CONFIG;
	} else if (c.phase == ES_PHASE_VERIFY && id) {
		st = c.h->output->set(c.call, "resource_group_id", id, 0)
		         ? ES_FAILED
		         : ES_OK;
	}
	es_reply_free(&r);
	return st;
}
