/*
 * sumologic: where the logs arrive, through the Collector Management API.
 * A hosted collector per environment (found by name, created once) and an
 * HTTP logs source on it per component, whose upload URL is the
 * component's log drain. That URL is the credential itself: it is
 * published only as a secret output, remembered as a secret for the run
 * (so every output masks it) and masked in every logged reply. A name
 * taken between the look-up and the create (DuplicateResourceName) is
 * looked up again and recorded: envsetup's own when an earlier run claimed
 * it (a create whose answer was lost), else adopted and kept. Teardown removes
 * only what es_claim() recorded that envsetup made.
 */
#include <stdio.h>
#include <string.h>

#include "sumologic.h"

/* The Collector API's ids are numbers ("id": 101792472): as text. */
static const char *number_id(struct ctx *c, const es_json *node,
                             const char *path, char *buf, size_t size)
{
	int64_t n = c->h->json->get_int64(node, path, -1);
	const char *s = c->h->json->get_string(node, path);

	if (n >= 0)
		snprintf(buf, size, "%lld", (long long)n);
	else if (s && *s)
		snprintf(buf, size, "%s", s);
	else
		return NULL;
	return buf;
}

/* ---- hosted collector ----------------------------------------------- */

/* GET /v1/collectors/name/{name}: a name holding '.' needs a trailing '/'
 * (the Collector API's note), or the part after the dot is taken for a
 * format. */
static enum es_status find_collector(struct ctx *c, const char *name, char *id,
                                     size_t size)
{
	char *q = c->h->http->escape(name);
	struct es_reply r;
	enum es_status st;

	id[0] = '\0';
	if (!q)
		return ES_FAILED;
	st = es_client_call(&c->api, &r, NULL, "/v1/collectors/name/%s%s", q,
	                    strchr(name, '.') ? "/" : "");
	c->h->mem_free(q);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !number_id(c, r.json, "collector.id", id, size))
		st = es_reply_malformed(&c->api, &r, "get collector by name",
		                        "the collector's id");
	es_reply_free(&r);
	return st;
}

static enum es_status create_collector(struct ctx *c, const char *name)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object(), *o = j->new_object();
	char intent[320], id[SUMO_ID_MAX], what[200];
	struct es_reply r;
	enum es_status st;
	int mine;

	if (!body || !o) {
		j->free(body);
		j->free(o);
		return ES_FAILED;
	}
	snprintf(what, sizeof(what), "Logs of %s's %s environment (envsetup)",
	         c->h->config->customer(c->call),
	         c->h->config->environment(c->call));
	j->set_string(o, "collectorType", "Hosted");
	j->set_string(o, "name", name);
	j->set_string(o, "description", what);
	j->set_string(o, "category", name);
	j->add(body, "collector", o);
	mine = es_claimed(c->x, "collector_id") != NULL;
	if (es_claim(c->x, "collector_id", name)) {
		j->free(body);
		return ES_FAILED;
	}
	snprintf(intent, sizeof(intent), "create hosted collector %s", name);
	st = sumo_write(c, &r, "POST", body, intent, "/v1/collectors");
	if (st == ES_OK && r.outcome == ES_CONFLICT) {
		/* DuplicateResourceName: made by a run whose answer was lost,
		 * or meanwhile: exists, look it up. */
		es_reply_free(&r);
		if ((st = find_collector(c, name, id, sizeof(id))))
			return st;
		if (!id[0])
			return sumo_taken_but_missing(c, "collector_name",
			                              intent);
		/* Claimed by no earlier run: not ours, adopted and kept. */
		if (!mine && es_unclaim(c->x, "collector_id", NULL))
			return ES_FAILED;
	} else if (st == ES_OK &&
	           !number_id(c, r.json, "collector.id", id, sizeof(id))) {
		st = es_reply_malformed(&c->api, &r, intent,
		                        "the collector's id");
	}
	es_reply_free(&r);
	if (st == ES_OK && c->h->state->put(c->call, "collector_id", id))
		st = ES_FAILED;
	return st;
}

enum es_status sumo_hosted_collector(const struct es_ctx *x)
{
	struct ctx c;
	char name[160], id[SUMO_ID_MAX];
	const char *mine;
	enum es_status st;

	if (sumo_open(x, &c))
		return ES_INVALID_CONFIG;
	sumo_collector_name(&c, name, sizeof(name));
	mine = c.h->state->get(c.call, "collector_id");
	if (sumo_teardown(&c))
		return mine ? sumo_remove(&c, "collector_id", "collector", name,
		                          "/v1/collectors/%s", mine)
		            : ES_OK;
	if ((st = find_collector(&c, name, id, sizeof(id))))
		return st;
	if (!id[0]) {
		if (es_reported(x, &st, ES_CHANGE_CREATE, "collector", name,
		                "hosted"))
			return st;
		if ((st = create_collector(&c, name)))
			return st;
		snprintf(id, sizeof(id), "%s",
		         c.h->state->get(c.call, "collector_id"));
	} else if (es_record(x, &st, "collector_id", id, "collector", name)) {
		return st;
	}
	return c.phase == ES_PHASE_PLAN
	           ? ES_OK
	           : sumo_publish(&c, "collector_id", id, 0);
}

/* ---- HTTP sources --------------------------------------------------- */

/* The source named `name` in the collector's listing: its id and upload
 * URL into id/url (empty when there is none). */
static enum es_status find_source(struct ctx *c, const char *collector,
                                  const char *name, char *id, size_t id_size,
                                  char *url, size_t url_size)
{
	const struct es_json_api *j = c->h->json;
	const es_json *sources;
	struct es_reply r;
	enum es_status st;

	id[0] = url[0] = '\0';
	st = es_client_call(&c->api, &r, NULL, "/v1/collectors/%s/sources",
	                    collector);
	sources = j->get(r.json, "sources");
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    j->kind(sources) != ES_JSON_ARRAY)
		st = es_reply_malformed(&c->api, &r, "list sources",
		                        "its sources");
	for (size_t i = 0; st == ES_OK && i < j->array_size(sources); i++) {
		const es_json *s = j->array_item(sources, i);
		const char *n = j->get_string(s, "name");
		const char *u = j->get_string(s, "url");

		if (!n || strcmp(n, name) != 0)
			continue;
		if (!number_id(c, s, "id", id, id_size) || !u)
			st = es_reply_malformed(&c->api, &r, "list sources",
			                        "the source's id and url");
		else
			snprintf(url, url_size, "%s", u);
		break;
	}
	es_reply_free(&r);
	return st;
}

static enum es_status create_source(struct ctx *c, const char *collector,
                                    const char *name, const char *category,
                                    const char *key, char *url, size_t size)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object(), *o = j->new_object();
	char intent[320], id[SUMO_ID_MAX], path[300];
	const char *u;
	struct es_reply r;
	enum es_status st;
	int mine;

	if (!body || !o) {
		j->free(body);
		j->free(o);
		return ES_FAILED;
	}
	j->set_string(o, "sourceType", "HTTP");
	j->set_string(o, "name", name);
	j->set_string(o, "category", category);
	j->set_bool(o, "messagePerRequest", 0);
	j->add(body, "source", o);
	mine = es_claimed(c->x, key) != NULL;
	if (es_claim(c->x, key, name)) {
		j->free(body);
		return ES_FAILED;
	}
	snprintf(intent, sizeof(intent), "create HTTP source %s", name);
	snprintf(path, sizeof(path), "/v1/collectors/%s/sources", collector);
	st = sumo_write(c, &r, "POST", body, intent, path);
	if (st == ES_OK && r.outcome == ES_CONFLICT) {
		es_reply_free(&r);
		if ((st = find_source(c, collector, name, id, sizeof(id), url,
		                      size)))
			return st;
		if (!id[0])
			return sumo_taken_but_missing(c, "components", intent);
		if (!mine && es_unclaim(c->x, key, NULL))
			return ES_FAILED;
	} else if (st == ES_OK) {
		u = j->get_string(r.json, "source.url");
		if (!number_id(c, r.json, "source.id", id, sizeof(id)) || !u)
			st = es_reply_malformed(&c->api, &r, intent,
			                        "the source's id and url");
		else
			snprintf(url, size, "%s", u);
	}
	es_reply_free(&r);
	if (st == ES_OK && c->h->state->put(c->call, key, id))
		st = ES_FAILED;
	return st;
}

/* The upload URL is the drain's credential: masked in every output from
 * now on, and published only as a secret. */
static enum es_status publish_source(struct ctx *c, const char *component,
                                     const char *url, const char *category)
{
	char name[SUMO_KEY_MAX];

	snprintf(name, sizeof(name), "source_url_%s", component);
	if (c->h->secret->remember(c->call, name, url))
		return ES_FAILED;
	snprintf(name, sizeof(name), "source_url:%s", component);
	if (sumo_publish(c, name, url, 1))
		return ES_FAILED;
	snprintf(name, sizeof(name), "source_category:%s", component);
	return sumo_publish(c, name, category, 0);
}

static enum es_status one_source(struct ctx *c, const char *collector,
                                 const char *component)
{
	char key[SUMO_KEY_MAX], category[320], name[160], id[SUMO_ID_MAX],
	    url[ES_CLIENT_URL_MAX];
	enum es_status st;

	snprintf(key, sizeof(key), "source:%s", component);
	snprintf(category, sizeof(category), "%s/%s",
	         sumo_collector_name(c, name, sizeof(name)), component);
	if (sumo_teardown(c)) {
		const char *mine = c->h->state->get(c->call, key);

		return mine && collector
		           ? sumo_remove(c, key, "source", component,
		                         "/v1/collectors/%s/sources/%s",
		                         collector, mine)
		           : ES_OK;
	}
	if (!collector)
		return es_reported(c->x, &st, ES_CHANGE_CREATE, "source",
		                   component, "on the hosted collector")
		           ? st
		           : ES_FAILED;
	if ((st = find_source(c, collector, component, id, sizeof(id), url,
	                      sizeof(url))))
		return st;
	if (!id[0]) {
		if (es_reported(c->x, &st, ES_CHANGE_CREATE, "source",
		                component, category))
			return st;
		st = create_source(c, collector, component, category, key, url,
		                   sizeof(url));
	} else if (es_record(c->x, &st, key, id, "source", component)) {
		return st;
	}
	if (st == ES_OK && c->phase != ES_PHASE_PLAN)
		st = publish_source(c, component, url, category);
	c->h->wipe(url, sizeof(url));
	return st;
}

enum es_status sumo_http_sources(const struct es_ctx *x)
{
	struct ctx c;
	const char *collector;
	size_t n;
	enum es_status st = ES_OK;

	if (sumo_open(x, &c))
		return ES_INVALID_CONFIG;
	collector = c.h->state->get(c.call, "collector_id");
	n = c.h->config->list_size(c.call, "components");
	for (size_t i = 0; st == ES_OK && i < n; i++)
		st =
		    one_source(&c, collector,
		               c.h->config->list_item(c.call, "components", i));
	if (st == ES_FAILED && !collector && c.phase == ES_PHASE_APPLY)
		c.h->diag->error(c.call, "collector_name",
		                 "the hosted collector is not recorded");
	return st;
}
