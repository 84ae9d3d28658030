/*
 * mandrill: the branded templates, from the shared template directory
 * (docs/templates.md) the core reads for us (es_host.templates). Each
 * template becomes Mandrill template <name> (its slug too, since names
 * are lower-case letters, digits, '-' and '_'): subject, `code` from
 * body.html and `text` from body.txt, as templates/add takes them. The
 * platform sends with merge_language "handlebars", the syntax of the
 * {{variables}}.
 *
 * A template is in place when its published subject, code and text are
 * the directory's. The draft and the published version are compared
 * apart, so a run killed between update and publish only publishes.
 */
#include <stdio.h>
#include <string.h>

#include "mandrill.h"

static void state_key(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "template.%s", name);
}

/* templates/add or templates/update with publish: true (the draft and
 * the published version at once). An add answered "already exists"
 * (Invalid_Template) is someone else's template since the look-up: it is
 * adopted, and updated. */
static enum es_status write_template(struct ctx *c, const struct es_template *t,
                                     int exists)
{
	const struct es_json_api *j = c->h->json;
	es_json *params = j->new_object();
	char key[200], intent[300];
	struct es_reply r;
	enum es_status st = ES_FAILED;

	const char *name = t->name;

	memset(&r, 0, sizeof(r));
	state_key(key, sizeof(key), name);
	j->set_string(params, "name", name);
	j->set_string(params, "subject", t->subject);
	j->set_string(params, "code", t->html);
	j->set_string(params, "text", t->text ? t->text : "");
	j->set_bool(params, "publish", 1);
	snprintf(intent, sizeof(intent), "%s template %s",
	         exists ? "update" : "add", name);
	if (exists || es_claim(c->x, key, name) == 0)
		st = md_call(c, &r,
		             exists ? "/templates/update" : "/templates/add",
		             params, intent);
	if (st == ES_OK && r.outcome == ES_CONFLICT) {
		es_reply_free(&r);
		snprintf(intent, sizeof(intent), "update template %s", name);
		st = es_unclaim(c->x, key, NULL)
		         ? ES_FAILED
		         : md_call(c, &r, "/templates/update", params, intent);
	}
	j->free(params);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !j->get_string(r.json, "name"))
		st = es_reply_malformed(&c->api, &r, intent, "the template");
	else if (st == ES_OK && r.outcome == ES_FOUND)
		es_record(c->x, &st, key, name, "template", name);
	else if (st == ES_OK) /* updated one that vanished: look again */
		st = ES_RETRY;
	es_reply_free(&r);
	return st;
}

/* The draft is the file's but not yet published (a run stopped between
 * the two): publish it. */
static enum es_status publish_template(struct ctx *c, const char *name)
{
	char intent[300];
	struct es_reply r;
	enum es_status st;

	snprintf(intent, sizeof(intent), "publish template %s", name);
	st = md_call1(c, &r, "/templates/publish", "name", name, intent);
	if (st == ES_OK && r.outcome != ES_FOUND)
		st = ES_RETRY; /* gone since the look-up: look again */
	es_reply_free(&r);
	return st;
}

/* 1 when the provider's `remote` (nullable) is `mine` (nullable); a
 * missing text and an empty one are the same. */
static int same(const char *remote, const char *mine)
{
	return strcmp(remote ? remote : "", mine ? mine : "") == 0;
}

/* 1 when the fields of `prefix` ("" the draft, "publish_" the published
 * version) of templates/info's reply are the template's. */
static int matches(struct ctx *c, const es_json *info, const char *prefix,
                   const struct es_template *t)
{
	static const char *const fields[] = {"subject", "code", "text"};
	const char *mine[] = {t->subject, t->html, t->text};
	char path[32];

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", prefix, fields[i]);
		if (!same(c->h->json->get_string(info, path), mine[i]))
			return 0;
	}
	return 1;
}

static enum es_status sync_template(void *arg, const struct es_template *t)
{
	struct ctx *c = arg;
	const struct es_json_api *j = c->h->json;
	const char *name = t->name;
	char key[200];
	struct es_reply r;
	enum es_status st;

	state_key(key, sizeof(key), name);
	if (c->phase >= ES_PHASE_PLAN_DESTROY)
		return md_teardown(c, key, NULL, "template",
		                   "/templates/delete", "name", 0);
	st = md_call1(c, &r, "/templates/info", "name", name, NULL);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !j->get_string(r.json, "name"))
		st = es_reply_malformed(&c->api, &r, "templates/info",
		                        "the template");
	if (st != ES_OK)
		; /* the reply said why */
	else if (r.outcome == ES_ABSENT) {
		if (!es_reported(c->x, &st, ES_CHANGE_CREATE, "template", name,
		                 "published"))
			st = write_template(c, t, 0);
	} else if (es_record(c->x, &st, key, name, "template", name)) {
		; /* plan, verify: reported */
	} else if (!matches(c, r.json, "", t)) {
		if (!es_reported(c->x, &st, ES_CHANGE_UPDATE, "template", name,
		                 "subject, code and text from the directory, "
		                 "published"))
			st = write_template(c, t, 1);
	} else if (!matches(c, r.json, "publish_", t) &&
	           !es_reported(c->x, &st, ES_CHANGE_UPDATE, "template", name,
	                        "publish the draft")) {
		st = publish_template(c, name);
	}
	es_reply_free(&r);
	return st;
}

enum es_status md_upload_templates(const struct es_ctx *x)
{
	struct ctx c;

	if (md_open(x, &c))
		return ES_INVALID_CONFIG;
	return es_templates_each(x, "templates_dir", sync_template, &c);
}
