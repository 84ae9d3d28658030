/*
 * mandrill: the environment's subaccount, and the webhook that sends
 * bounces and complaints to the platform.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mandrill.h"

#define SUBACCOUNT_KEY "subaccount"
#define WEBHOOK_KEY "webhook"

/* ---- subaccount ----------------------------------------------------- */

/* subaccounts/info answered: a 2xx must name the subaccount. */
static enum es_status read_subaccount(struct ctx *c, struct es_reply *r,
                                      const char *id)
{
	enum es_status st = md_call1(c, r, "/subaccounts/info", "id", id, NULL);

	if (st == ES_OK && r->outcome == ES_FOUND &&
	    !c->h->json->get_string(r->json, "id"))
		st = es_reply_malformed(&c->api, r, "subaccounts/info",
		                        "the subaccount");
	return st;
}

/* Add the subaccount and record it. "Already exists" after a look-up
 * that found none is someone else's create in between: adopt it (the
 * claim is dropped, so destroy keeps it). */
static enum es_status add_subaccount(struct ctx *c, const char *id)
{
	const char *name = md_cfg(c, "subaccount_name");
	es_json *params = c->h->json->new_object();
	char intent[320];
	struct es_reply r;
	enum es_status st = ES_FAILED;

	memset(&r, 0, sizeof(r)); /* freed even when nothing was sent */
	c->h->json->set_string(params, "id", id);
	c->h->json->set_string(params, "name", name ? name : id);
	snprintf(intent, sizeof(intent), "add subaccount %s", id);
	if (es_claim(c->x, SUBACCOUNT_KEY, id) == 0)
		st = md_call(c, &r, "/subaccounts/add", params, intent);
	c->h->json->free(params);
	if (st == ES_OK && r.outcome == ES_CONFLICT) {
		es_reply_free(&r);
		st = es_unclaim(c->x, SUBACCOUNT_KEY, NULL) ? ES_FAILED : ES_OK;
		if (st == ES_OK)
			st = read_subaccount(c, &r, id);
		if (st == ES_OK && r.outcome == ES_ABSENT)
			st = ES_RETRY; /* neither there nor addable: later */
	}
	if (st == ES_OK && r.outcome == ES_FOUND)
		es_record(c->x, &st, SUBACCOUNT_KEY, id, "subaccount", id);
	es_reply_free(&r);
	return st;
}

enum es_status md_subaccount(const struct es_ctx *x)
{
	struct ctx c;
	const char *id;
	struct es_reply r;
	enum es_status st;

	if (md_open(x, &c))
		return ES_INVALID_CONFIG;
	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return md_teardown(&c, SUBACCOUNT_KEY, NULL, "subaccount",
		                   "/subaccounts/delete", "id", 0);
	id = md_cfg(&c, "subaccount_id");
	if (!id)
		return ES_OK; /* the environment sends from the main account */
	st = read_subaccount(&c, &r, id);
	if (st == ES_OK && r.outcome == ES_FOUND) {
		if (!es_record(x, &st, SUBACCOUNT_KEY, id, "subaccount", id) &&
		    c.phase == ES_PHASE_VERIFY)
			st = md_publish(&c, "subaccount_id", id, 0);
	} else if (st == ES_OK && !es_reported(x, &st, ES_CHANGE_CREATE,
	                                       "subaccount", id, NULL)) {
		st = add_subaccount(&c, id);
	}
	es_reply_free(&r);
	return st;
}

/* ---- configure_webhook ---------------------------------------------- */

/* webhooks/add, or webhooks/update of `id` (nullable), with the events. */
static enum es_status write_webhook(struct ctx *c, const char *url,
                                    const char *id)
{
	const struct es_json_api *j = c->h->json;
	es_json *params = j->new_object(), *events = j->new_array();
	char intent[600], description[200];
	struct es_reply r;
	enum es_status st;

	memset(&r, 0, sizeof(r)); /* freed even when nothing was sent */
	for (size_t i = 0;
	     i < c->h->config->list_size(c->call, "webhook_events"); i++)
		j->append_string(events, c->h->config->list_item(
		                             c->call, "webhook_events", i));
	snprintf(description, sizeof(description), "envsetup %s %s",
	         c->h->config->customer(c->call),
	         c->h->config->environment(c->call));
	if (id)
		j->set_int64(params, "id", strtoll(id, NULL, 10));
	j->set_string(params, "url", url);
	j->set_string(params, "description", description);
	j->add(params, "events", events);
	snprintf(intent, sizeof(intent), "%s webhook %s", id ? "update" : "add",
	         url);
	st = id || es_claim(c->x, WEBHOOK_KEY, url) == 0
	         ? md_call(c, &r, id ? "/webhooks/update" : "/webhooks/add",
	                   params, intent)
	         : ES_FAILED;
	j->free(params);
	if (st == ES_OK && j->get_int64(r.json, "id", -1) < 0)
		st = es_reply_malformed(&c->api, &r, intent, "the webhook id");
	if (st == ES_OK && !id) {
		char made[32];

		snprintf(made, sizeof(made), "%" PRId64,
		         j->get_int64(r.json, "id", -1));
		es_record(c->x, &st, WEBHOOK_KEY, made, "webhook", url);
	}
	es_reply_free(&r);
	return st;
}

enum es_status md_configure_webhook(const struct es_ctx *x)
{
	struct ctx c;
	const char *url, *auth;
	const es_json *hook;
	char id[32];
	struct es_reply r;
	enum es_status st;

	if (md_open(x, &c))
		return ES_INVALID_CONFIG;
	url = md_cfg(&c, "webhook_url");
	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return md_teardown(&c, WEBHOOK_KEY, url, "webhook",
		                   "/webhooks/delete", "id", 1);
	if (!url)
		return ES_OK; /* no webhook wanted in this environment */
	st = md_call(&c, &r, "/webhooks/list", NULL, NULL);
	if (st == ES_OK && c.h->json->kind(r.json) != ES_JSON_ARRAY)
		st = es_reply_malformed(&c.api, &r, "webhooks/list",
		                        "the list of webhooks");
	hook = st == ES_OK ? es_json_find(x, r.json, "url", url) : NULL;
	if (st == ES_OK && !hook) {
		if (!es_reported(x, &st, ES_CHANGE_CREATE, "webhook", url,
		                 NULL))
			st = write_webhook(&c, url, NULL);
	} else if (st == ES_OK) {
		snprintf(id, sizeof(id), "%" PRId64,
		         c.h->json->get_int64(hook, "id", -1));
		auth = c.h->json->get_string(hook, "auth_key");
		if (es_record(x, &st, WEBHOOK_KEY, id, "webhook", url))
			; /* plan, verify: reported */
		else if (!es_config_list_equals(
		             x, "webhook_events",
		             c.h->json->get(hook, "events")) &&
		         !es_reported(x, &st, ES_CHANGE_UPDATE, "webhook", url,
		                      "events"))
			st = write_webhook(&c, url, id);
		else if (st == ES_OK && c.phase == ES_PHASE_VERIFY && auth)
			st = md_publish(&c, "webhook_auth_key", auth, 1);
	}
	es_reply_free(&r);
	return st;
}
