/*
 * sparkpost: the environment's subaccount with its own API key, and the
 * webhook that sends deliveries, bounces and complaints to the platform.
 *
 * SparkPost shows a subaccount's key once, in the answer that creates it
 * (subaccounts.apib "Create a Subaccount"): it is published as a secret
 * output before anything else is recorded. A subaccount found without a
 * captured key (the state lost it, or it was made by hand) cannot get it
 * back: the task says so and names the way out (subaccount_api_key,
 * README "Rotating the subaccount key").
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sparkpost.h"

#define SUBACCOUNT_KEY "subaccount"
#define KEY_MARK "subaccount_key" /* short_key of the captured key */
#define WEBHOOK_KEY "webhook"

/* What a subaccount's key may do (subaccounts.apib: the grants allowed to
 * subaccount keys that sending, domains and events need). */
static const char *const key_grants[] = {
    "smtp/inject",           "sending_domains/manage",
    "message_events/view",   "suppression_lists/manage",
    "tracking_domains/view", "webhooks/view",
    "webhooks/modify",       NULL};

/* ---- subaccount ----------------------------------------------------- */

/* The cursor of a links.next URL ("/api/v1/subaccounts?cursor=Wz..&..."),
 * percent-decoded into buf; "" when there is no next page. */
static void next_cursor(const char *next, char *buf, size_t size)
{
	const char *p = next ? strstr(next, "cursor=") : NULL;
	size_t n = 0;

	for (p = p ? p + 7 : ""; *p && *p != '&' && n + 1 < size; p++) {
		/* Both digits checked: "%4" at the end of the URL once
		 * stepped past its NUL (tests/fuzz/plugin/sparkpost/
		 * regressions/cursor-cut-after-one-hex-digit). */
		if (*p == '%' && isxdigit((unsigned char)p[1]) &&
		    isxdigit((unsigned char)p[2])) {
			char hex[3] = {p[1], p[2], '\0'};

			buf[n++] = (char)strtoul(hex, NULL, 16);
			p += 2;
		} else {
			buf[n++] = *p;
		}
	}
	buf[n] = '\0';
}

/* The subaccount named `name` among those SparkPost lists (names are not
 * unique: a second one of that name is an error). Sets *id ("" when
 * none). */
static enum es_status find_subaccount(struct ctx *c, const char *name, char *id,
                                      size_t size)
{
	const struct es_json_api *j = c->h->json;
	struct es_pages pg = {.style = ES_PAGE_TOKEN, .param = "cursor"};
	char *q = c->h->http->escape(name), cursor[512];
	int found = 0;
	struct es_reply r;
	enum es_status st = ES_OK;

	*id = '\0';
	while (q && st == ES_OK && es_pages_more(&pg)) {
		const es_json *list;

		st = es_client_page(&c->api, &pg, &r,
		                    "/subaccounts?per_page=100&name=%s", q);
		list = j->get(r.json, "results");
		if (st == ES_OK && j->kind(list) != ES_JSON_ARRAY)
			st = es_reply_malformed(&c->api, &r, "GET /subaccounts",
			                        "the list of subaccounts");
		for (size_t i = 0; st == ES_OK && i < j->array_size(list);
		     i++) {
			const es_json *s = j->array_item(list, i);
			const char *n = j->get_string(s, "name");
			const char *status = j->get_string(s, "status");

			if (!n || strcmp(n, name) != 0 ||
			    (status && strcmp(status, "terminated") == 0))
				continue;
			if (found++) {
				c->h->diag->error(
				    c->call, "subaccount_name",
				    "SparkPost has several subaccounts named "
				    "\"%s\": rename all but one",
				    name);
				st = ES_FAILED;
			}
			snprintf(id, size, "%lld",
			         (long long)j->get_int64(s, "id", -1));
		}
		if (st == ES_OK) {
			next_cursor(j->get_string(r.json, "links.next"), cursor,
			            sizeof(cursor));
			es_pages_next(&pg, cursor);
		}
		es_reply_free(&r);
	}
	c->h->mem_free(q);
	return q ? st : ES_FAILED;
}

/* The key was not captured: a key made by hand (subaccount_api_key) takes
 * its place, or the task stops saying why and what to do. */
static enum es_status key_lost(struct ctx *c, const char *id)
{
	char key[512];
	size_t len;
	enum es_status st;

	if (c->h->secret->get(c->call, "subaccount_api_key", key, sizeof(key),
	                      &len) == 0) {
		st = sp_publish(c, "subaccount_api_key", key, 1);
		c->h->wipe(key, sizeof(key));
		if (st == ES_OK &&
		    c->h->state->put(c->call, KEY_MARK, "supplied"))
			st = ES_FAILED;
		return st;
	}
	c->h->diag->error(
	    c->call, "subaccount_api_key",
	    "SparkPost subaccount %s exists but its API key is unknown: "
	    "SparkPost shows a subaccount's key only once, when it is "
	    "created, and envsetup's state does not hold it (lost state, or "
	    "a subaccount made outside envsetup). Make a new key for "
	    "subaccount %s (SparkPost app > Configuration > API Keys, "
	    "subaccount %s, the grants listed in the plugin README), set "
	    "subaccount_api_key = \"env:...\" to it, and apply again",
	    id, id, id);
	return ES_FAILED;
}

/* POST /subaccounts with a key; the key goes out as a secret output
 * before anything else is recorded, since SparkPost never shows it again. */
static enum es_status create_subaccount(struct ctx *c, const char *name)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object(), *grants = j->new_array();
	char intent[320], label[200], id[32];
	const char *key, *short_key;
	struct es_reply r;
	enum es_status st = ES_FAILED;

	memset(&r, 0, sizeof(r));
	snprintf(label, sizeof(label), "envsetup %s %s",
	         c->h->config->customer(c->call),
	         c->h->config->environment(c->call));
	for (size_t i = 0; key_grants[i]; i++)
		j->append_string(grants, key_grants[i]);
	j->set_string(body, "name", name);
	j->set_string(body, "key_label", label);
	j->add(body, "key_grants", grants);
	snprintf(intent, sizeof(intent), "create subaccount %s", name);
	if (es_claim(c->x, SUBACCOUNT_KEY, name) == 0)
		st = es_client_json(&c->api, &r, "POST", body, intent,
		                    "/subaccounts");
	j->free(body);
	key = j->get_string(r.json, "results.key");
	short_key = j->get_string(r.json, "results.short_key");
	if (st == ES_OK && r.outcome == ES_CONFLICT)
		st = es_unclaim(c->x, SUBACCOUNT_KEY, NULL) ? ES_FAILED
		                                            : ES_RETRY;
	else if (st == ES_OK &&
	         (j->get_int64(r.json, "results.subaccount_id", -1) < 0 ||
	          !key || !*key))
		st = es_reply_malformed(&c->api, &r, intent,
		                        "results.subaccount_id and its key");
	if (st == ES_OK && r.outcome == ES_FOUND) {
		snprintf(id, sizeof(id), "%lld",
		         (long long)j->get_int64(r.json,
		                                 "results.subaccount_id", -1));
		st = sp_publish(c, "subaccount_api_key", key, 1);
		if (st == ES_OK &&
		    c->h->state->put(c->call, KEY_MARK,
		                     short_key ? short_key : "captured"))
			st = ES_FAILED;
		if (st == ES_OK)
			es_record(c->x, &st, SUBACCOUNT_KEY, id, "subaccount",
			          name);
	}
	es_reply_free(&r);
	return st;
}

/* The recorded subaccount, if SparkPost still has it: *id kept, or ""
 * when it is gone (terminated or absent). */
static enum es_status recorded_subaccount(struct ctx *c, char *id, size_t size)
{
	const char *have = c->h->state->get(c->call, SUBACCOUNT_KEY);
	char path[64];
	const char *status;
	struct es_reply r;
	enum es_status st;

	*id = '\0';
	if (!have)
		return ES_OK;
	snprintf(path, sizeof(path), "/subaccounts/%lld",
	         strtoll(have, NULL, 10));
	st = es_client_json(&c->api, &r, "GET", NULL, NULL, "%s", path);
	status = c->h->json->get_string(r.json, "results.status");
	if (st == ES_OK && r.outcome == ES_FOUND && !status)
		st = es_reply_malformed(&c->api, &r, "GET /subaccounts/{id}",
		                        "results.status");
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    strcmp(status, "terminated") != 0)
		snprintf(id, size, "%s", have);
	es_reply_free(&r);
	return st;
}

enum es_status sp_subaccount(const struct es_ctx *x)
{
	struct ctx c;
	const char *name;
	char id[32];
	enum es_status st;

	if (sp_open(x, &c))
		return ES_INVALID_CONFIG;
	name = sp_cfg(&c, "subaccount_name");
	if (x->phase >= ES_PHASE_PLAN_DESTROY) {
		const char *have = c.h->state->get(c.call, SUBACCOUNT_KEY);

		if (!have)
			return ES_OK; /* none made */
		/* "kept", with why: the core records it so. */
		c.h->diag->error(
		    c.call, NULL,
		    "kept: SparkPost has no call that deletes a "
		    "subaccount (subaccounts.apib), and terminating "
		    "subaccount %s (PUT status terminated) cannot be "
		    "undone: a person decides that",
		    have);
		return ES_UNSUPPORTED;
	}
	if (!name)
		return ES_OK; /* the environment sends from the primary account
		               */
	st = recorded_subaccount(&c, id, sizeof(id));
	/* The recorded one is gone (terminated by a person): so is its key. */
	if (st == ES_OK && !*id && c.phase == ES_PHASE_APPLY &&
	    c.h->state->get(c.call, SUBACCOUNT_KEY) &&
	    (es_unclaim(x, SUBACCOUNT_KEY, SUBACCOUNT_KEY) ||
	     c.h->state->del(c.call, KEY_MARK)))
		st = ES_FAILED;
	if (st == ES_OK && !*id)
		st = find_subaccount(&c, name, id, sizeof(id));
	if (st != ES_OK)
		return st;
	if (!*id) {
		if (!es_reported(x, &st, ES_CHANGE_CREATE, "subaccount", name,
		                 "with its own API key"))
			st = create_subaccount(&c, name);
		return st;
	}
	if (es_record(x, &st, SUBACCOUNT_KEY, id, "subaccount", name))
		return st;
	if (!c.h->state->get(c.call, KEY_MARK)) {
		int supplied =
		    c.h->config->is_explicit(c.call, "subaccount_api_key");

		if (es_reported(x, &st, ES_CHANGE_UPDATE, "subaccount", name,
		                supplied
		                    ? "publish subaccount_api_key as its "
		                      "API key"
		                    : "its API key is unknown: see README, "
		                      "\"Rotating the subaccount key\""))
			return st;
		st = key_lost(&c, id);
	}
	if (st == ES_OK && c.phase == ES_PHASE_VERIFY)
		st = sp_publish(&c, "subaccount_id", id, 0);
	return st;
}

/* ---- configure_webhook ---------------------------------------------- */

/* POST /webhooks, or PUT /webhooks/{id} (id nullable), with the events.
 * SparkPost posts a test batch to the target before it answers a create:
 * a target that does not answer 200 makes it a 400, blamed here on
 * webhook_url. */
static enum es_status write_webhook(struct ctx *c, const char *url,
                                    const char *id)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object(), *events = j->new_array();
	char intent[600], name[200], path[160];
	struct es_reply r;
	enum es_status st = ES_FAILED;

	memset(&r, 0, sizeof(r));
	for (size_t i = 0;
	     i < c->h->config->list_size(c->call, "webhook_events"); i++)
		j->append_string(events, c->h->config->list_item(
		                             c->call, "webhook_events", i));
	snprintf(name, sizeof(name), "envsetup %s %s",
	         c->h->config->customer(c->call),
	         c->h->config->environment(c->call));
	if (!id) {
		j->set_string(body, "name", name);
		j->set_string(body, "target", url);
	}
	j->add(body, "events", events);
	snprintf(intent, sizeof(intent), "%s webhook %s",
	         id ? "update" : "create", url);
	if (id) {
		char esc[120];

		if (es_escape_into(c->x, NULL, id, esc, sizeof(esc)) == 0) {
			snprintf(path, sizeof(path), "/webhooks/%s", esc);
			st = es_client_json(&c->api, &r, "PUT", body, intent,
			                    "%s", path);
		}
	} else if (es_claim(c->x, WEBHOOK_KEY, url) == 0) {
		st = es_client_json(&c->api, &r, "POST", body, intent,
		                    "/webhooks");
	}
	j->free(body);
	if (!id && r.http_status == 400 && r.outcome == ES_FAILURE)
		c->h->diag->error(
		    c->call, "webhook_url",
		    "SparkPost refused the webhook: its test POST "
		    "to %s did not get HTTP 200 (%s). The target "
		    "must be reachable from SparkPost, on port 80 "
		    "or 443, and answer 200 to a POST",
		    url, r.message);
	if (st == ES_OK && r.outcome == ES_CONFLICT && !id)
		st = es_unclaim(c->x, WEBHOOK_KEY, NULL) ? ES_FAILED : ES_RETRY;
	else if (st == ES_OK && r.outcome != ES_FOUND)
		st = ES_RETRY; /* updated one that vanished: look again */
	else if (st == ES_OK && !id && !j->get_string(r.json, "results.id"))
		st = es_reply_malformed(&c->api, &r, intent, "results.id");
	else if (st == ES_OK && !id)
		es_record(c->x, &st, WEBHOOK_KEY,
		          j->get_string(r.json, "results.id"), "webhook", url);
	es_reply_free(&r);
	return st;
}

enum es_status sp_configure_webhook(const struct es_ctx *x)
{
	struct ctx c;
	const char *url, *id;
	const es_json *hook, *list;
	struct es_reply r;
	enum es_status st;

	if (sp_open(x, &c))
		return ES_INVALID_CONFIG;
	url = sp_cfg(&c, "webhook_url");
	if (x->phase >= ES_PHASE_PLAN_DESTROY) {
		char path[160], esc[120] = "";
		const char *have = c.h->state->get(c.call, WEBHOOK_KEY);

		if (have && es_escape_into(x, NULL, have, esc, sizeof(esc)))
			return ES_FAILED;
		snprintf(path, sizeof(path), "/webhooks/%s", esc);
		return sp_teardown(&c, WEBHOOK_KEY, url, "webhook", path);
	}
	if (!url)
		return ES_OK; /* no webhook wanted in this environment */
	st = es_client_json(&c.api, &r, "GET", NULL, NULL, "/webhooks");
	list = c.h->json->get(r.json, "results");
	if (st == ES_OK && c.h->json->kind(list) != ES_JSON_ARRAY)
		st = es_reply_malformed(&c.api, &r, "GET /webhooks",
		                        "the list of webhooks");
	hook = st == ES_OK ? es_json_find(x, list, "target", url) : NULL;
	id = c.h->json->get_string(hook, "id");
	if (st == ES_OK && !hook) {
		if (!es_reported(x, &st, ES_CHANGE_CREATE, "webhook", url,
		                 NULL))
			st = write_webhook(&c, url, NULL);
	} else if (st == ES_OK && !id) {
		st = es_reply_malformed(&c.api, &r, "GET /webhooks",
		                        "the webhook's id");
	} else if (st == ES_OK) {
		if (es_record(x, &st, WEBHOOK_KEY, id, "webhook", url))
			; /* plan, verify: reported */
		else if (!es_config_list_equals(
		             x, "webhook_events",
		             c.h->json->get(hook, "events")) &&
		         !es_reported(x, &st, ES_CHANGE_UPDATE, "webhook", url,
		                      "events"))
			st = write_webhook(&c, url, id);
		else if (st == ES_OK && c.phase == ES_PHASE_VERIFY)
			st = sp_publish(&c, "webhook_id", id, 0);
	}
	es_reply_free(&r);
	return st;
}
