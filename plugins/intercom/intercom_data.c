/*
 * intercom: what the platform writes into the workspace. The custom data
 * attributes of contacts and companies (looked up first, their
 * descriptions kept as configured) and the support team's tags. Each id
 * envsetup records is the provider's; destroy removes only what envsetup
 * created (es_claim() before the create), never what it adopted.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "intercom.h"

/* ---- data_attributes ------------------------------------------------ */

/* One item of contact_attributes / company_attributes. */
struct attribute {
	const char *model;    /* "contact", "company" */
	const char *list_key; /* the config key it comes from */
	char name[128];
	char type[16];
	char description[256];
	char label[160]; /* "contact.admin_role" */
	char key[200];   /* state: "attribute:contact:admin_role" */
};

/* "name:type[:description]"; the schema's pattern held, so only lengths
 * can be wrong. */
static int parse_attribute(const char *item, const char *model,
                           const char *list_key, struct attribute *a)
{
	const char *colon = strchr(item, ':');
	const char *desc = colon ? strchr(colon + 1, ':') : NULL;
	size_t name_len = colon ? (size_t)(colon - item) : 0;
	size_t type_len =
	    desc ? (size_t)(desc - colon - 1) : (colon ? strlen(colon + 1) : 0);

	memset(a, 0, sizeof(*a));
	a->model = model;
	a->list_key = list_key;
	if (!colon || name_len >= sizeof(a->name) ||
	    type_len >= sizeof(a->type) ||
	    (desc && strlen(desc + 1) >= sizeof(a->description)))
		return -1;
	memcpy(a->name, item, name_len);
	memcpy(a->type, colon + 1, type_len);
	if (desc)
		strcpy(a->description, desc + 1);
	snprintf(a->label, sizeof(a->label), "%s.%s", model, a->name);
	snprintf(a->key, sizeof(a->key), "attribute:%s:%s", model, a->name);
	return 0;
}

/* GET /data_attributes of `model`, archived ones included (an archived
 * attribute still holds its name). */
static enum es_status list_attributes(struct ctx *c, const char *model,
                                      struct es_reply *r)
{
	enum es_status st = es_client_call(
	    &c->api, r, NULL, "/data_attributes?model=%s&include_archived=true",
	    model);

	if (st == ES_OK &&
	    c->h->json->kind(c->h->json->get(r->json, "data")) != ES_JSON_ARRAY)
		st = es_reply_malformed(&c->api, r, "/data_attributes",
		                        "its data list");
	return st;
}

/* The numeric id of `it` as text, or NULL. */
static const char *attribute_id(struct ctx *c, const es_json *it, char *buf,
                                size_t size)
{
	long long id = (long long)c->h->json->get_int64(it, "id", -1);

	if (id < 0)
		return NULL;
	snprintf(buf, size, "%lld", id);
	return buf;
}

static enum es_status put_attribute(struct ctx *c, const struct attribute *a,
                                    const char *id, int archived,
                                    const char *verb)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object();
	char intent[256];
	struct es_reply r;
	enum es_status st;

	if (!body)
		return ES_FAILED;
	if (!archived)
		j->set_string(body, "description", a->description);
	j->set_bool(body, "archived", archived);
	snprintf(intent, sizeof(intent), "%s data attribute %s", verb,
	         a->label);
	st = es_client_json(&c->api, &r, "PUT", body, intent,
	                    "/data_attributes/%s", id);
	j->free(body);
	if (st == ES_OK && r.outcome == ES_ABSENT && !archived) {
		c->h->diag->error(c->call, NULL,
		                  "%s: Intercom no longer has it; looking "
		                  "again later",
		                  intent);
		st = ES_RETRY;
	} else if (st == ES_OK && archived) {
		es_unclaim(c->x, a->key,
		           a->key); /* archived, or already gone */
	}
	es_reply_free(&r);
	return st;
}

/* "Already have" answered a create: someone made it between the look-up
 * and the create (adopted: its id is recorded, not the mark), or the
 * other model holds the name, which Intercom does not allow. */
static enum es_status adopt_attribute(struct ctx *c, const struct attribute *a)
{
	struct es_reply r;
	const es_json *it;
	char buf[32];
	const char *id;
	enum es_status st = list_attributes(c, a->model, &r);

	it = st == ES_OK ? es_json_find(c->x, c->h->json->get(r.json, "data"),
	                                "name", a->name)
	                 : NULL;
	id = it ? attribute_id(c, it, buf, sizeof(buf)) : NULL;
	if (st == ES_OK && !id) {
		c->h->diag->error(
		    c->call, a->list_key,
		    "create data attribute %s: Intercom says it "
		    "already has %s, but not among the %s "
		    "attributes: the other model holds that name; "
		    "rename it",
		    a->label, a->name, a->model);
		st = ES_FAILED;
	}
	if (st == ES_OK)
		es_record(c->x, &st, a->key, id, "data attribute", a->label);
	es_unclaim(c->x, a->key, NULL); /* not envsetup's: only the mark goes */
	es_reply_free(&r);
	return st;
}

static enum es_status create_attribute(struct ctx *c, const struct attribute *a)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object();
	char intent[256], buf[32];
	const char *id;
	struct es_reply r;
	enum es_status st;

	if (!body || es_claim(c->x, a->key, NULL)) {
		j->free(body);
		return ES_FAILED;
	}
	j->set_string(body, "name", a->name);
	j->set_string(body, "model", a->model);
	j->set_string(body, "data_type", a->type);
	if (a->description[0])
		j->set_string(body, "description", a->description);
	snprintf(intent, sizeof(intent), "create data attribute %s", a->label);
	st = es_client_json(&c->api, &r, "POST", body, intent,
	                    "/data_attributes");
	j->free(body);
	id = st == ES_OK && r.outcome == ES_FOUND
	         ? attribute_id(c, r.json, buf, sizeof(buf))
	         : NULL;
	if (st == ES_OK && r.outcome == ES_FOUND && !id)
		st = es_reply_malformed(&c->api, &r, intent, "its id");
	else if (id)
		st = c->h->state->put(c->call, a->key, id) ? ES_FAILED : ES_OK;
	es_reply_free(&r);
	if (st == ES_OK && !id)
		return adopt_attribute(c, a); /* the conflict answer */
	if (st == ES_FAILED || st == ES_INVALID_CONFIG)
		es_unclaim(c->x, a->key, NULL); /* refused: nothing was made */
	return st;
}

/* Make `a` what the file says, given the look-up `data`. */
static enum es_status sync_attribute(struct ctx *c, const struct attribute *a,
                                     const es_json *data)
{
	const struct es_json_api *j = c->h->json;
	const es_json *it = es_json_find(c->x, data, "name", a->name);
	const char *id, *type, *desc;
	char buf[32], detail[320];
	int archived;
	enum es_status st = ES_OK;

	if (!it)
		return es_reported(c->x, &st, ES_CHANGE_CREATE,
		                   "data attribute", a->label, a->type)
		           ? st
		           : create_attribute(c, a);
	if (!j->get_bool(it, "custom", 0))
		return ES_OK; /* one of Intercom's own: nothing to make */
	id = attribute_id(c, it, buf, sizeof(buf));
	if (!id) {
		c->h->diag->error(c->call, NULL,
		                  "GET /data_attributes: Intercom lists %s "
		                  "without an id; looking again later",
		                  a->label);
		return ES_RETRY;
	}
	if (es_record(c->x, &st, a->key, id, "data attribute", a->label))
		return st;
	type = j->get_string(it, "data_type");
	if (!type || strcmp(type, a->type) != 0) {
		c->h->diag->error(c->call, a->list_key,
		                  "%s is a %s attribute in Intercom, %s in the "
		                  "customer file: only Intercom's UI changes a "
		                  "type",
		                  a->label, type ? type : "(no type)", a->type);
		return ES_FAILED;
	}
	desc = j->get_string(it, "description");
	archived = j->get_bool(it, "archived", 0);
	if (!archived && strcmp(desc ? desc : "", a->description) == 0)
		return ES_OK;
	snprintf(detail, sizeof(detail), "%sdescription \"%s\"",
	         archived ? "unarchive, " : "", a->description);
	if (es_reported(c->x, &st, ES_CHANGE_UPDATE, "data attribute", a->label,
	                detail))
		return st;
	return put_attribute(c, a, id, 0, "update");
}

/* Teardown: archive what envsetup created (Intercom deletes no data
 * attribute; archiving frees nothing but hides it). */
static enum es_status remove_attribute(struct ctx *c, const struct attribute *a)
{
	const char *id = c->h->state->get(c->call, a->key);
	enum es_status st;

	if (!id || !es_claimed(c->x, a->key))
		return ES_OK; /* never made, or adopted: kept */
	if (es_reported(c->x, &st, ES_CHANGE_DELETE, "data attribute", a->label,
	                "archived: Intercom deletes none"))
		return st;
	return put_attribute(c, a, id, 1, "archive");
}

static enum es_status sync_model(struct ctx *c, const char *model,
                                 const char *list_key)
{
	size_t n = c->h->config->list_size(c->call, list_key);
	struct attribute a;
	struct es_reply r = {0};
	enum es_status st = ES_OK;
	int listed = 0;

	for (size_t i = 0; st == ES_OK && i < n; i++) {
		if (parse_attribute(
		        c->h->config->list_item(c->call, list_key, i), model,
		        list_key, &a)) {
			c->h->diag->error(c->call, list_key,
			                  "item %zu is too long", i + 1);
			st = ES_INVALID_CONFIG;
		} else if (ic_teardown(c)) {
			st = remove_attribute(c, &a);
		} else if (!listed++ &&
		           (st = list_attributes(c, model, &r)) != ES_OK) {
			break;
		} else {
			st = sync_attribute(c, &a,
			                    c->h->json->get(r.json, "data"));
		}
	}
	es_reply_free(&r);
	return st;
}

enum es_status ic_data_attributes(const struct es_ctx *x)
{
	struct ctx c;
	enum es_status st;

	if (ic_open(x, &c))
		return ES_INVALID_CONFIG;
	st = sync_model(&c, "contact", "contact_attributes");
	return st == ES_OK ? sync_model(&c, "company", "company_attributes")
	                   : st;
}

/* ---- tags ----------------------------------------------------------- */

static int tag_key(const char *name, char *out, size_t size)
{
	return (size_t)snprintf(out, size, "tag:%s", name) >= size ? -1 : 0;
}

/* POST /tags creates the tag, or answers with the one of that name: a
 * lost answer repeated finds no duplicate either way. */
static enum es_status create_tag(struct ctx *c, const char *name,
                                 const char *key)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object();
	char intent[256];
	const char *id;
	struct es_reply r;
	enum es_status st;

	if (!body || es_claim(c->x, key, NULL)) {
		j->free(body);
		return ES_FAILED;
	}
	j->set_string(body, "name", name);
	snprintf(intent, sizeof(intent), "create tag %s", name);
	st = es_client_json(&c->api, &r, "POST", body, intent, "/tags");
	j->free(body);
	id = st == ES_OK ? j->get_string(r.json, "id") : NULL;
	if (st == ES_OK && !id)
		st = es_reply_malformed(&c->api, &r, intent, "its id");
	else if (id)
		st = c->h->state->put(c->call, key, id) ? ES_FAILED : ES_OK;
	es_reply_free(&r);
	if (st == ES_FAILED || st == ES_INVALID_CONFIG)
		es_unclaim(c->x, key, NULL);
	return st;
}

static enum es_status remove_tag(struct ctx *c, const char *name,
                                 const char *key)
{
	const char *id = c->h->state->get(c->call, key);
	char intent[256], *esc;
	struct es_send s = {.method = "DELETE", .intent = intent};
	struct es_reply r;
	enum es_status st;

	if (!id || !es_claimed(c->x, key))
		return ES_OK; /* never made, or adopted: kept */
	if (es_reported(c->x, &st, ES_CHANGE_DELETE, "tag", name, NULL))
		return st;
	esc = c->h->http->escape(id);
	if (!esc)
		return ES_FAILED;
	snprintf(intent, sizeof(intent), "delete tag %s", name);
	st = es_client_call(&c->api, &r, &s, "/tags/%s", esc);
	if (st == ES_OK) /* deleted, or already gone (404) */
		es_unclaim(c->x, key, key);
	es_reply_free(&r);
	c->h->mem_free(esc);
	return st;
}

enum es_status ic_tags(const struct es_ctx *x)
{
	struct ctx cs, *c = &cs;
	struct es_reply r = {0};
	enum es_status st = ES_OK;
	size_t n;
	char key[256];

	if (ic_open(x, c))
		return ES_INVALID_CONFIG;
	n = c->h->config->list_size(c->call, "tags");
	if (n > 0 && !ic_teardown(c)) {
		st = es_client_call(&c->api, &r, NULL, "/tags");
		if (st == ES_OK && c->h->json->kind(c->h->json->get(
		                       r.json, "data")) != ES_JSON_ARRAY)
			st = es_reply_malformed(&c->api, &r, "/tags",
			                        "its data list");
	}
	for (size_t i = 0; st == ES_OK && i < n; i++) {
		const char *name = c->h->config->list_item(c->call, "tags", i);
		const char *id;

		if (tag_key(name, key, sizeof(key)))
			st = ES_INVALID_CONFIG;
		else if (ic_teardown(c))
			st = remove_tag(c, name, key);
		else if ((id = c->h->json->get_string(
		              ic_find_tag(c, c->h->json->get(r.json, "data"),
		                          name),
		              "id")))
			es_record(x, &st, key, id, "tag", name);
		else if (!es_reported(x, &st, ES_CHANGE_CREATE, "tag", name,
		                      NULL))
			st = create_tag(c, name, key);
	}
	es_reply_free(&r);
	return st;
}
