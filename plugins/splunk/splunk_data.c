/*
 * splunk: where the logs go. The environment's index and an HTTP Event
 * Collector token per component, through the management API (mode
 * enterprise) or Splunk Cloud's Admin Config Service (mode cloud), whose
 * creates are asynchronous: it answers 202 and the object reads 404 until
 * it is provisioned, so the state key is put on the 202 and the task polls.
 * A token is a secret output, published in verify; its value is never
 * logged (the client names "token" a secret field).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "splunk.h"

#define INDEXES "/services/data/indexes"
#define HEC "/servicesNS/nobody/splunk_httpinput/data/inputs/http"

/* A number Splunk sends as a number or as its text. */
static int64_t number(struct ctx *c, const es_json *node, const char *path)
{
	const char *s = c->h->json->get_string(node, path);

	return s ? strtoll(s, NULL, 10) : c->h->json->get_int64(node, path, -1);
}

static int64_t retention_s(struct ctx *c)
{
	return c->h->config->get_duration_ms(c->call, "retention") / 1000;
}

static int64_t searchable_days(struct ctx *c)
{
	int64_t d = retention_s(c) / 86400;

	return d > 0 ? d : 1;
}

/*
 * An ACS object that reads 404: when its state key is put (the create was
 * answered 202) it is being provisioned. Returns 1 with *st set then:
 * apply polls, plan shows the change, verify reports it.
 */
static int provisioning(struct ctx *c, const char *key, const char *kind,
                        const char *name, enum es_status *st)
{
	if (!c->h->state->get(c->call, key))
		return 0;
	if (!es_reported(c->x, st, ES_CHANGE_UPDATE, kind, name,
	                 "Splunk Cloud is provisioning it"))
		*st = es_poll_again(c->x, 0);
	return 1;
}

/* An ACS create answered 202 (or 409: our earlier create, whose answer
 * was lost, is under way): record it and poll. */
static enum es_status acs_created(struct ctx *c, struct es_reply *r,
                                  const char *key, const char *name)
{
	if (r->outcome != ES_FOUND && r->outcome != ES_CONFLICT)
		return r->status;
	if (c->h->state->put(c->call, key, name))
		return ES_FAILED;
	return es_poll_again(c->x, 0);
}

static enum es_status acs_delete(struct ctx *c, const char *path,
                                 const char *kind, const char *name)
{
	char intent[SP_NAME_MAX + 64];
	struct es_send del = {.method = "DELETE", .intent = intent};
	struct es_reply r;
	enum es_status st =
	    es_client_call(&c->acs, &r, NULL, "%s/%s", path, name);

	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !es_reported(c->x, &st, ES_CHANGE_DELETE, kind, name,
	                 "made by envsetup")) {
		es_reply_free(&r);
		snprintf(intent, sizeof(intent), "delete %s %s", kind, name);
		st = es_client_call(&c->acs, &r, &del, "%s/%s", path, name);
	}
	es_reply_free(&r);
	return st;
}

/* ---- index: management API ----------------------------------------- */

static enum es_status write_index(struct ctx *c, int create)
{
	char frozen[32], size[32], intent[SP_NAME_MAX + 32];
	struct sp_form f = {0};
	struct es_reply r;
	enum es_status st;

	snprintf(frozen, sizeof(frozen), "%lld", (long long)retention_s(c));
	snprintf(size, sizeof(size), "%lld",
	         (long long)c->h->config->get_int(c->call, "max_size_mb"));
	if (create) {
		sp_form_add(&f, "name", c->index);
		sp_form_add(&f, "datatype", "event");
	}
	sp_form_add(&f, "frozenTimePeriodInSecs", frozen);
	sp_form_add(&f, "maxTotalDataSizeMB", size);
	snprintf(intent, sizeof(intent), "%s index %s",
	         create ? "create" : "update", c->index);
	if (create && es_claim(c->x, "index", c->index))
		return ES_FAILED;
	st = sp_post(c, &r, INDEXES, create ? NULL : c->index, &f, intent);
	if (st == ES_OK && r.outcome == ES_FOUND && create &&
	    c->h->state->put(c->call, "index", c->index))
		st = ES_FAILED;
	if (st == ES_OK && r.outcome == ES_CONFLICT)
		st = sp_exists_after_all(c, "index", c->index);
	es_reply_free(&r);
	return st;
}

static enum es_status rest_index(struct ctx *c)
{
	const es_json *content;
	struct es_reply r;
	enum es_status st = sp_get_entity(c, &r, INDEXES, c->index, &content);
	int differs;

	if (st != ES_OK)
		goto out;
	if (r.outcome == ES_ABSENT) {
		if (!es_reported(c->x, &st, ES_CHANGE_CREATE, "index", c->index,
		                 NULL))
			st = write_index(c, 1);
		goto out;
	}
	if (es_record(c->x, &st, "index", c->index, "index", c->index))
		goto out;
	differs =
	    number(c, content, "frozenTimePeriodInSecs") != retention_s(c) ||
	    number(c, content, "maxTotalDataSizeMB") !=
	        c->h->config->get_int(c->call, "max_size_mb");
	if (differs && !es_reported(c->x, &st, ES_CHANGE_UPDATE, "index",
	                            c->index, "retention or size differ"))
		st = write_index(c, 0);
out:
	es_reply_free(&r);
	return st;
}

/* ---- index: Admin Config Service ----------------------------------- */

static enum es_status acs_write_index(struct ctx *c, int create)
{
	const struct es_json_api *j = c->h->json;
	es_json *o = j->new_object();
	char intent[SP_NAME_MAX + 32], *body;
	struct es_send s;
	struct es_reply r;
	enum es_status st;

	if (create) {
		j->set_string(o, "name", c->index);
		j->set_string(o, "datatype", "event");
	}
	j->set_int64(o, "searchableDays", searchable_days(c));
	j->set_int64(o, "maxDataSizeMB",
	             c->h->config->get_int(c->call, "max_size_mb"));
	body = j->print(o);
	j->free(o);
	if (!body || (create && es_claim(c->x, "index", c->index))) {
		c->h->mem_free(body);
		return ES_FAILED;
	}
	snprintf(intent, sizeof(intent), "%s index %s",
	         create ? "create" : "update", c->index);
	s = es_json_write(create ? "POST" : "PATCH", body, intent);
	if (create)
		st = es_client_call(&c->acs, &r, &s, "/indexes");
	else
		st = es_client_call(&c->acs, &r, &s, "/indexes/%s", c->index);
	c->h->mem_free(body);
	if (st == ES_OK && create)
		st = acs_created(c, &r, "index", c->index);
	es_reply_free(&r);
	return st;
}

static enum es_status acs_index(struct ctx *c)
{
	struct es_reply r;
	enum es_status st =
	    es_client_call(&c->acs, &r, NULL, "/indexes/%s", c->index);
	int differs;

	if (st != ES_OK)
		goto out;
	if (r.outcome == ES_ABSENT) {
		if (!provisioning(c, "index", "index", c->index, &st) &&
		    !es_reported(c->x, &st, ES_CHANGE_CREATE, "index", c->index,
		                 "through the Admin Config Service"))
			st = acs_write_index(c, 1);
		goto out;
	}
	if (!c->h->json->get_string(r.json, "name")) {
		st = es_reply_malformed(&c->acs, &r, "GET /indexes",
		                        "the index's name");
		goto out;
	}
	if (es_record(c->x, &st, "index", c->index, "index", c->index))
		goto out;
	differs = number(c, r.json, "searchableDays") != searchable_days(c) ||
	          number(c, r.json, "maxDataSizeMB") !=
	              c->h->config->get_int(c->call, "max_size_mb");
	if (differs && !es_reported(c->x, &st, ES_CHANGE_UPDATE, "index",
	                            c->index, "retention or size differ"))
		st = acs_write_index(c, 0);
out:
	es_reply_free(&r);
	return st;
}

static enum es_status remove_index(struct ctx *c, const char *name)
{
	return c->cloud ? acs_delete(c, "/indexes", "index", name)
	                : sp_delete_entity(c, INDEXES, name, "index");
}

enum es_status sp_index(const struct es_ctx *x)
{
	struct ctx c;
	enum es_status st;

	if (sp_open(x, &c))
		return ES_INVALID_CONFIG;
	if (c.phase >= ES_PHASE_PLAN_DESTROY)
		return sp_teardown(&c, "index", "index", remove_index);
	st = c.cloud ? acs_index(&c) : rest_index(&c);
	if (st == ES_OK && c.phase == ES_PHASE_VERIFY)
		st = sp_publish(&c, "index", c.index, 0);
	return st;
}

/* ---- HEC tokens: management API ------------------------------------ */

typedef enum es_status (*write_token_fn)(struct ctx *c, const char *name,
                                         const char *key, int create);

/* A token found (and recorded): its default index updated when it is not
 * the environment's, else its value published (verify) as the component's
 * secret output. */
static enum es_status token_in_place(struct ctx *c, const char *component,
                                     const char *name, const char *key,
                                     const char *token, const char *index,
                                     write_token_fn write)
{
	char item[SP_NAME_MAX + 16];
	enum es_status st = ES_OK;

	if ((!index || strcmp(index, c->index) != 0) &&
	    !es_reported(c->x, &st, ES_CHANGE_UPDATE, "hec_token", name,
	                 "default index differs"))
		return write(c, name, key, 0);
	if (st != ES_OK || c->phase != ES_PHASE_VERIFY)
		return st;
	snprintf(item, sizeof(item), "hec_token:%s", component);
	return sp_publish(c, item, token, 1);
}

/* HEC answers nothing until it is enabled globally (the [http] stanza,
 * entity "http"); a global setting, so teardown leaves it on. */
static enum es_status rest_hec_enabled(struct ctx *c)
{
	const es_json *content;
	struct sp_form f = {0};
	struct es_reply r;
	enum es_status st = sp_get_entity(c, &r, HEC, "http", &content);
	int disabled;

	if (st != ES_OK || r.outcome != ES_FOUND) {
		if (st == ES_OK)
			st =
			    es_reply_malformed(&c->rest, &r, "GET " HEC "/http",
			                       "the HEC settings");
		es_reply_free(&r);
		return st;
	}
	disabled = c->h->json->get_bool(content, "disabled", 0) ||
	           number(c, content, "disabled") == 1;
	es_reply_free(&r);
	if (!disabled ||
	    es_reported(c->x, &st, ES_CHANGE_UPDATE, "http_event_collector",
	                "global", "enable it"))
		return disabled ? st : ES_OK;
	sp_form_add(&f, "disabled", "0");
	st = sp_post(c, &r, HEC, "http", &f, "enable the HTTP Event Collector");
	es_reply_free(&r);
	return st;
}

static enum es_status rest_write_token(struct ctx *c, const char *name,
                                       const char *key, int create)
{
	char intent[SP_NAME_MAX + 32];
	struct sp_form f = {0};
	struct es_reply r;
	enum es_status st;

	if (create)
		sp_form_add(&f, "name", name);
	sp_form_add(&f, "index", c->index);
	sp_form_add(&f, "indexes", c->index);
	snprintf(intent, sizeof(intent), "%s HEC token %s",
	         create ? "create" : "update", name);
	if (create && es_claim(c->x, key, name))
		return ES_FAILED;
	st = sp_post(c, &r, HEC, create ? NULL : name, &f, intent);
	if (st == ES_OK && r.outcome == ES_FOUND && create &&
	    c->h->state->put(c->call, key, name))
		st = ES_FAILED;
	if (st == ES_OK && r.outcome == ES_CONFLICT)
		st = sp_exists_after_all(c, "HEC token", name);
	es_reply_free(&r);
	return st;
}

static enum es_status rest_token(struct ctx *c, const char *component,
                                 const char *name, const char *key)
{
	const es_json *content;
	const char *token, *index;
	struct es_reply r;
	enum es_status st = sp_get_entity(c, &r, HEC, name, &content);

	if (st != ES_OK)
		goto out;
	if (r.outcome == ES_ABSENT) {
		if (!es_reported(c->x, &st, ES_CHANGE_CREATE, "hec_token", name,
		                 c->index))
			st = rest_write_token(c, name, key, 1);
		goto out;
	}
	if (es_record(c->x, &st, key, name, "hec_token", name))
		goto out;
	token = c->h->json->get_string(content, "token");
	index = c->h->json->get_string(content, "index");
	if (!token)
		st = es_reply_malformed(&c->rest, &r, "GET " HEC, "its token");
	else
		st = token_in_place(c, component, name, key, token, index,
		                    rest_write_token);
out:
	es_reply_free(&r);
	return st;
}

/* ---- HEC tokens: Admin Config Service ------------------------------ */

#define ACS_HEC "/inputs/http-event-collectors"

static enum es_status acs_write_token(struct ctx *c, const char *name,
                                      const char *key, int create)
{
	const struct es_json_api *j = c->h->json;
	es_json *o = j->new_object(), *allowed = j->new_array();
	char intent[SP_NAME_MAX + 32], *body;
	struct es_send s;
	struct es_reply r;
	enum es_status st;

	if (create)
		j->set_string(o, "name", name);
	j->set_string(o, "defaultIndex", c->index);
	j->append_string(allowed, c->index);
	j->add(o, "allowedIndexes", allowed);
	j->set_bool(o, "disabled", 0);
	body = j->print(o);
	j->free(o);
	if (!body || (create && es_claim(c->x, key, name))) {
		c->h->mem_free(body);
		return ES_FAILED;
	}
	snprintf(intent, sizeof(intent), "%s HEC token %s",
	         create ? "create" : "update", name);
	s = es_json_write(create ? "POST" : "PUT", body, intent);
	if (create)
		st = es_client_call(&c->acs, &r, &s, ACS_HEC);
	else
		st = es_client_call(&c->acs, &r, &s, ACS_HEC "/%s", name);
	c->h->mem_free(body);
	if (st == ES_OK && create)
		st = acs_created(c, &r, key, name);
	es_reply_free(&r);
	return st;
}

static enum es_status acs_token(struct ctx *c, const char *component,
                                const char *name, const char *key)
{
	const struct es_json_api *j = c->h->json;
	const char *token, *index;
	struct es_reply r;
	enum es_status st =
	    es_client_call(&c->acs, &r, NULL, ACS_HEC "/%s", name);

	if (st != ES_OK)
		goto out;
	if (r.outcome == ES_ABSENT) {
		if (!provisioning(c, key, "hec_token", name, &st) &&
		    !es_reported(c->x, &st, ES_CHANGE_CREATE, "hec_token", name,
		                 "through the Admin Config Service"))
			st = acs_write_token(c, name, key, 1);
		goto out;
	}
	token = j->get_string(r.json, "http-event-collector.token");
	index = j->get_string(r.json, "http-event-collector.spec.defaultIndex");
	if (!token)
		st = es_reply_malformed(&c->acs, &r, "GET " ACS_HEC,
		                        "its token");
	else if (!es_record(c->x, &st, key, name, "hec_token", name))
		st = token_in_place(c, component, name, key, token, index,
		                    acs_write_token);
out:
	es_reply_free(&r);
	return st;
}

static enum es_status remove_token(struct ctx *c, const char *name)
{
	return c->cloud ? acs_delete(c, ACS_HEC, "hec_token", name)
	                : sp_delete_entity(c, HEC, name, "hec_token");
}

/* verify: the endpoint the tokens are for. Splunk Cloud's is
 * http-inputs-<stack>.splunkcloud.com unless hec_url says otherwise. */
static enum es_status publish_hec_url(struct ctx *c)
{
	char url[ES_CLIENT_URL_MAX];
	const char *set = sp_cfg(c, "hec_url");

	if (set)
		snprintf(url, sizeof(url), "%s", set);
	else if (c->cloud)
		snprintf(url, sizeof(url),
		         "https://http-inputs-%s.splunkcloud.com",
		         sp_cfg(c, "stack"));
	else
		return ES_OK;
	return sp_publish(c, "hec_url", url, 0);
}

enum es_status sp_hec_tokens(const struct es_ctx *x)
{
	struct ctx c;
	char name[SP_NAME_MAX], key[SP_NAME_MAX + 8];
	size_t n;
	enum es_status st = ES_OK, polling = ES_OK;

	if (sp_open(x, &c))
		return ES_INVALID_CONFIG;
	n = c.h->config->list_size(c.call, "components");
	if (n == 0)
		return ES_OK;
	if (!c.cloud && c.phase < ES_PHASE_PLAN_DESTROY &&
	    (st = rest_hec_enabled(&c)))
		return st;
	/* Every token is asked for before the task polls for any. */
	for (size_t i = 0; (st == ES_OK || st == ES_IN_PROGRESS) && i < n;
	     i++) {
		const char *component =
		    c.h->config->list_item(c.call, "components", i);

		snprintf(name, sizeof(name), "%s-%s", c.index, component);
		snprintf(key, sizeof(key), "hec:%s", component);
		if (c.phase >= ES_PHASE_PLAN_DESTROY)
			st = sp_teardown(&c, key, "hec_token", remove_token);
		else if (c.cloud)
			st = acs_token(&c, component, name, key);
		else
			st = rest_token(&c, component, name, key);
		if (st == ES_IN_PROGRESS) {
			polling = st;
			st = ES_OK;
		}
	}
	if (st == ES_OK && polling == ES_OK && c.phase == ES_PHASE_VERIFY)
		st = publish_hec_url(&c);
	return st == ES_OK ? polling : st;
}
