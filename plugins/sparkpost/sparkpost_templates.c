/*
 * sparkpost: the branded templates, from the shared template directory
 * (docs/templates.md) the core reads for us (es_host.templates). Each
 * template becomes SparkPost template id <name> (names are at most 64
 * bytes of a-z, 0-9, '-' and '_', an id's limit): content.subject,
 * content.html from body.html and content.text from body.txt, the
 * description; the From address is from_email.
 *
 * A template is in place when its published subject, html and text are
 * the directory's. Created as a draft (templates.apib "Create a
 * Template"), then published: a run killed in between finds the draft
 * and publishes only.
 */
#include <stdio.h>
#include <string.h>

#include "sparkpost.h"

static void state_key(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "template.%s", name);
}

/* The content object of template `t`; no text when there is no body.txt
 * (a PUT replaces the whole content, so an old text goes too). */
static es_json *content_of(struct ctx *c, const struct es_template *t)
{
	const struct es_json_api *j = c->h->json;
	es_json *content = j->new_object();
	const char *from = sp_cfg(c, "from_email");
	char fallback[600];

	snprintf(fallback, sizeof(fallback), "no-reply@%s", c->domain);
	j->set_string(content, "from", from ? from : fallback);
	j->set_string(content, "subject", t->subject);
	j->set_string(content, "html", t->html);
	if (t->text)
		j->set_string(content, "text", t->text);
	return content;
}

/* PUT /templates/{id} {"published": true}: the draft becomes the
 * published version (templates.apib "Publish a Draft"). */
static enum es_status publish_template(struct ctx *c, const char *name)
{
	es_json *body = c->h->json->new_object();
	char intent[300], path[128];
	struct es_reply r;
	enum es_status st;

	c->h->json->set_bool(body, "published", 1);
	snprintf(intent, sizeof(intent), "publish template %s", name);
	snprintf(path, sizeof(path), "/templates/%s", name);
	st = es_client_json(&c->api, &r, "PUT", body, intent, "%s", path);
	c->h->json->free(body);
	if (st == ES_OK && r.outcome != ES_FOUND)
		st = ES_RETRY; /* gone since the look-up: look again */
	es_reply_free(&r);
	return st;
}

/* POST /templates (a draft, recorded) or PUT /templates/{id} (the
 * draft's content), then publish. A create answered 409 (1602: made
 * since the look-up) is looked at again. */
static enum es_status write_template(struct ctx *c, const struct es_template *t,
                                     int exists)
{
	const struct es_json_api *j = c->h->json;
	const char *name = t->name;
	es_json *body = j->new_object();
	char key[200], intent[300], path[128];
	struct es_reply r;
	enum es_status st = ES_FAILED;

	memset(&r, 0, sizeof(r));
	state_key(key, sizeof(key), name);
	if (!exists) {
		j->set_string(body, "id", name);
		j->set_string(body, "name", name);
	}
	if (t->description)
		j->set_string(body, "description", t->description);
	j->add(body, "content", content_of(c, t));
	snprintf(intent, sizeof(intent), "%s template %s",
	         exists ? "update" : "create", name);
	snprintf(path, sizeof(path), "/templates/%s", name);
	if (exists)
		st = es_client_json(&c->api, &r, "PUT", body, intent, "%s",
		                    path);
	else if (es_claim(c->x, key, name) == 0)
		st = es_client_json(&c->api, &r, "POST", body, intent,
		                    "/templates");
	j->free(body);
	/* 409 1602: someone else's since the look-up, adopted (no claim). */
	if (st == ES_OK && r.outcome == ES_CONFLICT && !exists)
		st = es_unclaim(c->x, key, NULL) ? ES_FAILED : ES_RETRY;
	else if (st == ES_OK && r.outcome != ES_FOUND)
		st = ES_RETRY; /* gone meanwhile: look again */
	else if (st == ES_OK && !exists && !j->get_string(r.json, "results.id"))
		st = es_reply_malformed(&c->api, &r, intent, "results.id");
	else if (st == ES_OK && !exists)
		es_record(c->x, &st, key, name, "template", name);
	es_reply_free(&r);
	return st == ES_OK ? publish_template(c, name) : st;
}

/* 1 when the provider's `remote` (nullable) is `mine` (nullable); a
 * missing text and an empty one are the same. */
static int same(const char *remote, const char *mine)
{
	return strcmp(remote ? remote : "", mine ? mine : "") == 0;
}

/* 1 when the content of the template's latest version (GET's results)
 * is the directory's subject, html and text. */
static int matches(struct ctx *c, const es_json *reply,
                   const struct es_template *t)
{
	static const char *const fields[] = {"subject", "html", "text"};
	const char *mine[] = {t->subject, t->html, t->text};
	char path[40];

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "results.content.%s", fields[i]);
		if (!same(c->h->json->get_string(reply, path), mine[i]))
			return 0;
	}
	return 1;
}

static enum es_status sync_template(void *arg, const struct es_template *t)
{
	struct ctx *c = arg;
	const struct es_json_api *j = c->h->json;
	const char *name = t->name;
	char key[200], path[160];
	struct es_reply r;
	enum es_status st;

	state_key(key, sizeof(key), name);
	snprintf(path, sizeof(path), "/templates/%s", name);
	if (c->phase >= ES_PHASE_PLAN_DESTROY)
		return sp_teardown(c, key, name, "template", path);
	/* Without ?draft: the latest version, the draft when there is one;
	 * results.published says which. So the published version is in
	 * place when the latest is published and matches. */
	st = es_client_json(&c->api, &r, "GET", NULL, NULL, "%s", path);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !j->get_string(r.json, "results.id"))
		st = es_reply_malformed(&c->api, &r, "GET /templates/{id}",
		                        "the template");
	if (st != ES_OK)
		; /* the reply said why */
	else if (r.outcome == ES_ABSENT) {
		if (!es_reported(c->x, &st, ES_CHANGE_CREATE, "template", name,
		                 "published"))
			st = write_template(c, t, 0);
	} else if (es_record(c->x, &st, key, name, "template", name)) {
		; /* plan, verify: reported */
	} else if (!matches(c, r.json, t)) {
		if (!es_reported(c->x, &st, ES_CHANGE_UPDATE, "template", name,
		                 "subject, html and text from the directory, "
		                 "published"))
			st = write_template(c, t, 1);
	} else if (!j->get_bool(r.json, "results.published", 0) &&
	           !es_reported(c->x, &st, ES_CHANGE_UPDATE, "template", name,
	                        "publish the draft")) {
		st = publish_template(c, name);
	}
	es_reply_free(&r);
	return st;
}

enum es_status sp_upload_templates(const struct es_ctx *x)
{
	struct ctx c;

	if (sp_open(x, &c))
		return ES_INVALID_CONFIG;
	return es_templates_each(x, "templates_dir", sync_template, &c);
}
