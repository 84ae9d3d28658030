/*
 * The Sumo Logic fake's Collector Management API (see fake_sumologic.c
 * for auth, errors and routing): hosted collectors by id and by name and
 * their sources, shaped after Sumo's Collector API and Source API pages
 * (help.sumologic.com/docs/api/collector-management/). Collector names
 * are unique in the account and source names on their collector: a
 * create of a taken one is 400 DuplicateResourceName.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_sumologic.h"

static void duplicate(struct sb_response *resp, const char *kind,
                      const char *id)
{
	cJSON *r = sb_resource_find(P, kind, id);

	if (r && !cJSON_GetObjectItemCaseSensitive(r, "seen"))
		cJSON_AddBoolToObject(r, "seen", 1);
	sf_error(resp, 400, "DuplicateResourceName",
	         "A resource with the same name already exists.");
}

static cJSON *wrap(const char *member, cJSON *item)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, member, item);
	return o;
}

static cJSON *collector_view(const char *id, const cJSON *c)
{
	cJSON *v = cJSON_Duplicate(c, 1), *links = cJSON_CreateArray(),
	      *l = cJSON_CreateObject();
	char href[96];

	cJSON_AddNumberToObject(v, "id", atof(id));
	cJSON_AddBoolToObject(v, "alive", 1);
	snprintf(href, sizeof(href), "/v1/collectors/%s/sources", id);
	cJSON_AddStringToObject(l, "rel", "sources");
	cJSON_AddStringToObject(l, "href", href);
	cJSON_AddItemToArray(links, l);
	cJSON_AddItemToObject(v, "links", links);
	cJSON_DeleteItemFromObjectCaseSensitive(v, "seen"); /* ours */
	return v;
}

/* The upload URL: a token derived from the source id, on the host the
 * request came to. */
static cJSON *source_view(const struct sb_request *req, const char *id,
                          const cJSON *s)
{
	cJSON *v = cJSON_Duplicate(s, 1);
	unsigned long long h = 1469598103934665603ull;
	char url[512];

	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	snprintf(url, sizeof(url),
	         "http://%s/sumologic/receiver/v1/http/ZaVnC4dh%016llxQ%llu",
	         sb_header(req, "Host") ? sb_header(req, "Host") : "127.0.0.1",
	         h, h % 99991);
	cJSON_DeleteItemFromObjectCaseSensitive(v, "collectorId"); /* ours */
	cJSON_DeleteItemFromObjectCaseSensitive(v, "seen");
	cJSON_AddNumberToObject(v, "id", atof(id));
	cJSON_AddStringToObject(v, "url", url);
	cJSON_AddBoolToObject(v, "alive", 1);
	return v;
}

/* SANDBOX_SUMOLOGIC_UNSEEN: a collector or source of one of those names
 * is not shown by reads (another writer's create not seen yet) until a
 * create of its name was refused with DuplicateResourceName. */
static int unseen(const cJSON *attrs)
{
	char names[1024], *save = NULL;
	const char *name = sf_str(attrs, "name");

	if (!name ||
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(attrs, "seen")))
		return 0;
	snprintf(names, sizeof(names), "%s",
	         sf_env_or("SANDBOX_SUMOLOGIC_UNSEEN", ""));
	for (char *n = strtok_r(names, ",", &save); n;
	     n = strtok_r(NULL, ",", &save))
		if (!strcmp(n, name))
			return 1;
	return 0;
}

struct named {
	const char *name, *collector;
	const char *id;
	int reading; /* a read: what is unseen is not found */
};

static void find_named(const char *id, cJSON *attrs, void *arg)
{
	struct named *n = arg;
	const char *c = sf_str(attrs, "collectorId");

	if (!n->id && !strcmp(sf_str(attrs, "name"), n->name) &&
	    (!n->collector || (c && !strcmp(c, n->collector))) &&
	    !(n->reading && unseen(attrs)))
		n->id = id;
}

static void create_collector(const cJSON *in, struct sb_response *resp)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(in, "collector");
	const char *name = sf_str(c, "name"),
	           *type = sf_str(c, "collectorType");
	struct named n = {.name = name};
	cJSON *attrs;
	char id[32];

	if (!name || !*name || strpbrk(name, ";/%\\") || !type) {
		sf_error(
		    resp, 400, "api.validation",
		    "collector.name and collector.collectorType are required");
		return;
	}
	if (strcmp(type, "Hosted") != 0) {
		sf_error(resp, 400, "api.validation",
		         "Only Hosted collectors can be created with the API.");
		return;
	}
	sb_resource_each(P, "collector", find_named, &n);
	if (n.id) {
		duplicate(resp, "collector", n.id);
		return;
	}
	attrs = cJSON_Duplicate(c, 1);
	sb_new_id(id, sizeof(id), "");
	snprintf(id, sizeof(id), "%d", 100000000 + atoi(id));
	sb_reply_json(
	    resp, 201,
	    wrap("collector", collector_view(id, sb_resource_add(P, "collector",
	                                                         id, attrs))));
}

struct source_list {
	const struct sb_request *req;
	const char *collector;
	cJSON *out;
};

static void list_source(const char *id, cJSON *attrs, void *arg)
{
	struct source_list *l = arg;

	if (!strcmp(sf_str(attrs, "collectorId"), l->collector) &&
	    !unseen(attrs))
		cJSON_AddItemToArray(l->out, source_view(l->req, id, attrs));
}

static void drop_source(const char *id, cJSON *attrs, void *arg)
{
	if (!strcmp(sf_str(attrs, "collectorId"), arg))
		sb_resource_delete(P, "source", id);
}

static void sources(const struct sb_request *req, struct sb_response *resp,
                    const char *collector, const char *rest)
{
	char sid[32];
	cJSON *s;

	if (!*rest && !strcmp(req->method, "GET")) {
		struct source_list l = {req, collector, cJSON_CreateArray()};

		sb_resource_each(P, "source", list_source, &l);
		sb_reply_json(resp, 200, wrap("sources", l.out));
	} else if (!*rest && !strcmp(req->method, "POST")) {
		const cJSON *in =
		    cJSON_GetObjectItemCaseSensitive(sb_json(req), "source");
		struct named n = {.name = sf_str(in, "name"),
		                  .collector = collector};

		if (!n.name || !sf_str(in, "sourceType")) {
			sf_error(
			    resp, 400, "api.validation",
			    "source.name and source.sourceType are required");
			return;
		}
		sb_resource_each(P, "source", find_named, &n);
		if (n.id) {
			duplicate(resp, "source", n.id);
			return;
		}
		s = cJSON_Duplicate(in, 1);
		cJSON_AddStringToObject(s, "collectorId", collector);
		sb_new_id(sid, sizeof(sid), "");
		snprintf(sid, sizeof(sid), "%d", 200000000 + atoi(sid));
		sb_reply_json(
		    resp, 201,
		    wrap("source",
		         source_view(req, sid,
		                     sb_resource_add(P, "source", sid, s))));
	} else if (sscanf(rest, "/%31[0-9]", sid) == 1 &&
	           (s = sb_resource_find(P, "source", sid)) &&
	           !strcmp(sf_str(s, "collectorId"), collector)) {
		if (!strcmp(req->method, "GET")) {
			sb_reply_json(resp, 200,
			              wrap("source", source_view(req, sid, s)));
		} else if (!strcmp(req->method, "DELETE")) {
			sb_resource_delete(P, "source", sid);
			sb_reply(resp, 200, "application/json", "%s", "");
		} else {
			sf_error(resp, 405, "method.unsupported",
			         "Method not supported.");
		}
	} else {
		sf_not_found(resp);
	}
}

void sf_collectors(const struct sb_request *req, struct sb_response *resp)
{
	const char *rest = req->path + strlen("/v1/collectors");
	char id[32], name[256];
	int used = 0;
	cJSON *c;

	if (!*rest && !strcmp(req->method, "POST")) {
		create_collector(sb_json(req), resp);
		return;
	}
	/* By name; a name holding '.' comes with a trailing '/'. */
	if (!strncmp(rest, "/name/", 6) && !strcmp(req->method, "GET")) {
		struct named n = {.name = name, .reading = 1};

		snprintf(name, sizeof(name), "%s", rest + 6);
		if (*name && name[strlen(name) - 1] == '/')
			name[strlen(name) - 1] = '\0';
		sb_resource_each(P, "collector", find_named, &n);
		if (!n.id)
			sf_not_found(resp);
		else
			sb_reply_json(
			    resp, 200,
			    wrap("collector",
			         collector_view(
			             n.id,
			             sb_resource_find(P, "collector", n.id))));
		return;
	}
	if (sscanf(rest, "/%31[0-9]%n", id, &used) != 1 ||
	    !(c = sb_resource_find(P, "collector", id))) {
		sf_not_found(resp);
		return;
	}
	rest += used;
	if (!strncmp(rest, "/sources", 8)) {
		sources(req, resp, id, rest + 8);
	} else if (*rest) {
		sf_not_found(resp);
	} else if (!strcmp(req->method, "GET")) {
		sb_reply_json(resp, 200,
		              wrap("collector", collector_view(id, c)));
	} else if (!strcmp(req->method, "DELETE")) {
		sb_resource_each(P, "source", drop_source, id);
		sb_resource_delete(P, "collector", id);
		sb_reply(resp, 200, "application/json", "%s", "");
	} else {
		sf_error(resp, 405, "method.unsupported",
		         "Method not supported.");
	}
}
