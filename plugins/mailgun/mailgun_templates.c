/*
 * mailgun: the branded templates, from the shared template directory
 * (docs/templates.md) the core reads for us (es_host.templates). Each
 * template becomes Mailgun template <name>: body.html is the version's
 * `template`, the subject goes in its `headers` ({"Subject": ...}, the
 * header Mailgun inserts at delivery), the description on the template.
 * Mailgun keeps no text part: it derives one from the HTML, so body.txt
 * is not sent. The core's content digest tags the version, so an edited
 * template becomes a new active version and an unchanged one is left
 * alone.
 */
#include <stdio.h>
#include <string.h>

#include "mailgun.h"

/* ---- upload_templates ----------------------------------------------- */

/* Create the template, or add our version and make it the active one. */
static enum es_status write_template(struct ctx *c, const struct es_template *t,
                                     const char *tag, const char *name,
                                     int absent)
{
	es_json *h = c->h->json->new_object();
	char *headers;
	char intent[320] = "";
	struct es_reply r;
	enum es_status st;

	c->h->json->set_string(h, "Subject", t->subject);
	headers = c->h->json->print(h);
	c->h->json->free(h);
	if (!headers)
		return ES_FAILED;
	{
		/* Slices of one list: create takes name, description and the
		 * first version; a new version template, tag, headers,
		 * active; activation only active. */
		const struct es_http_header form[] = {
		    {"name", t->name},
		    {"description", t->description ? t->description : ""},
		    {"template", t->html},
		    {"tag", tag},
		    {"headers", headers},
		    {"active", "yes"},
		};
		struct es_send create = mg_form("POST", form, 5, intent),
		               version = mg_form("POST", form + 2, 4, intent),
		               activate = mg_form("PUT", form + 5, 1, intent);

		snprintf(intent, sizeof(intent), "template %s version %s on %s",
		         t->name, tag, c->domain);
		if (absent)
			st = es_client_call(&c->api, &r, &create,
			                    "/v3/%s/templates", c->dom);
		else
			st = es_client_call(&c->api, &r, &version,
			                    "/v3/%s/templates/%s/versions",
			                    c->dom, name);
		if (st == ES_OK && r.outcome == ES_CONFLICT && !absent) {
			es_reply_free(&r); /* an older version came back */
			st = es_client_call(&c->api, &r, &activate,
			                    "/v3/%s/templates/%s/versions/%s",
			                    c->dom, name, tag);
		}
		/* Mailgun answers each with the template it stored. */
		if (st == ES_OK && r.outcome == ES_FOUND &&
		    !c->h->json->get(r.json, "template"))
			st = es_reply_malformed(&c->api, &r, intent,
			                        "the template");
	}
	es_reply_free(&r);
	c->h->mem_free(headers);
	return st;
}

static enum es_status sync_template(struct ctx *c, const struct es_template *t)
{
	char tag[32], detail[64];
	char *name = c->h->http->escape(t->name);
	struct es_reply r;
	enum es_status st = ES_FAILED;

	/* "envsetup-" marks our versions (teardown keeps the others); 64
	 * bits of the digest tell one content from another. */
	snprintf(tag, sizeof(tag), "envsetup-%.16s", t->digest);
	if (name)
		st = es_client_call(&c->api, &r, NULL,
		                    "/v3/%s/templates/%s?active=yes", c->dom,
		                    name);
	if (name && st == ES_OK) {
		const char *active =
		    c->h->json->get_string(r.json, "template.version.tag");
		int absent = r.outcome == ES_ABSENT;

		snprintf(detail, sizeof(detail), "active version %s", tag);
		if ((absent || !active || strcmp(active, tag) != 0) &&
		    !es_reported(c->x, &st,
		                 absent ? ES_CHANGE_CREATE : ES_CHANGE_UPDATE,
		                 "template", t->name, detail))
			st = write_template(c, t, tag, name, absent);
	}
	if (name)
		es_reply_free(&r);
	c->h->mem_free(name);
	return st;
}

/* One template of templates_dir, in any phase. */
static enum es_status each_template(void *arg, const struct es_template *t)
{
	struct ctx *c = arg;

	return c->phase >= ES_PHASE_PLAN_DESTROY
	           ? mg_destroy_template(c, t->name)
	           : sync_template(c, t);
}

enum es_status mg_upload_templates(const struct es_ctx *x)
{
	struct ctx c;

	if (mg_open(x, &c))
		return ES_INVALID_CONFIG;
	return es_templates_each(x, "templates_dir", each_template, &c);
}
