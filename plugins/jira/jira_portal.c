/*
 * jira: the portal's request types, checked and reported. The project
 * template makes them; no call here writes. A wanted type that is missing
 * is a person's job (Project settings > Request types), so apply asks.
 */
#include <stdio.h>
#include <string.h>

#include "jira.h"

/* Append the page's {id, name} pairs to `out`. */
static void add_types(struct ctx *c, es_json *out, const es_json *values)
{
	const struct es_json_api *j = c->h->json;

	for (size_t i = 0; i < j->array_size(values); i++) {
		const es_json *t = j->array_item(values, i);
		es_json *o = j->new_object();

		if (!o)
			return;
		j->set_string(o, "id", j->get_string(t, "id"));
		j->set_string(o, "name", j->get_string(t, "name"));
		j->add(out, NULL, o);
	}
}

/* Every request type of service desk `sd` into `out`. */
static enum es_status list_types(struct ctx *c, const char *sd, es_json *out)
{
	struct es_pages pg = JIRA_JSM_PAGES;
	const es_json *values;
	char path[256];
	struct es_reply r;
	enum es_status st = ES_OK;

	snprintf(path, sizeof(path),
	         "/rest/servicedeskapi/servicedesk/%s/requesttype", sd);
	while (st == ES_OK && es_pages_more(&pg)) {
		st = jira_jsm_page(c, &pg, &r, path, &values);
		if (st == ES_OK)
			add_types(c, out, values);
		es_reply_free(&r);
	}
	return st;
}

static int has_type(struct ctx *c, const es_json *types, const char *name)
{
	return es_json_find(c->x, types, "name", name) != NULL;
}

/* Report each wanted type the portal lacks; 1 when one is missing. */
static int report_missing(struct ctx *c, const es_json *types,
                          enum es_status *st)
{
	size_t n = c->h->config->list_size(c->call, "request_types");
	int missing = 0;

	for (size_t i = 0; i < n; i++) {
		const char *want =
		    c->h->config->list_item(c->call, "request_types", i);

		if (has_type(c, types, want))
			continue;
		missing = 1;
		if (c->phase == ES_PHASE_APPLY)
			c->h->diag->ask(c->call,
			                "Add request type \"%s\" to project %s "
			                "(Project settings > Request types), "
			                "then run envsetup confirm "
			                "jira:request_types",
			                want, c->key);
		else
			es_reported(c->x, st, ES_CHANGE_UNKNOWN, "request_type",
			            want,
			            "missing: a person adds it in Project "
			            "settings > Request types");
	}
	return missing;
}

enum es_status jira_request_types(const struct es_ctx *x)
{
	struct ctx c;
	char sd[128], *text;
	es_json *types;
	enum es_status st;

	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return ES_OK; /* checked only: nothing to remove */
	if (jira_open(x, &c))
		return ES_INVALID_CONFIG;
	if ((st = jira_find_service_desk(&c, sd, sizeof(sd))))
		return st;
	if (!sd[0]) {
		/* No desk yet: the project is still to be made. */
		if (!es_reported(x, &st, ES_CHANGE_UNKNOWN, "request_types",
		                 c.key, "checked once the service desk exists"))
			c.h->diag->error(c.call, "project_key",
			                 "project %s has no service desk",
			                 c.key);
		return c.phase == ES_PHASE_APPLY ? ES_FAILED : st;
	}
	types = c.h->json->new_array();
	if (!types)
		return ES_FAILED;
	st = list_types(&c, sd, types);
	/* A person who confirmed the gate decided the portal will do as it
	 * is (a type under another name). */
	if (st == ES_OK && report_missing(&c, types, &st) &&
	    c.phase == ES_PHASE_APPLY && !c.h->gate->confirmed(c.call))
		st = ES_NEEDS_PERSON;
	if (st == ES_OK && c.phase != ES_PHASE_PLAN) {
		text = c.h->json->print(types);
		st = text ? jira_publish(&c, "request_types", text) : ES_FAILED;
		c.h->mem_free(text);
	}
	c.h->json->free(types);
	return st;
}
