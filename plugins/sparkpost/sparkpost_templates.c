/*
 * sparkpost: the branded templates. Each <name>.html of templates_dir is
 * SparkPost template id <name>, read exactly as the mandrill plugin reads
 * them (one HTML file per template) until the shared template format is
 * settled; this file is the one to switch then. The subject is the
 * file's <title>, or the name; the From address is from_email.
 *
 * A template is in place when its latest version is published with the
 * file's HTML. Created as a draft (templates.apib "Create a Template"),
 * then published: a run killed in between finds the draft and publishes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* scandir, alphasort, strcasestr */
#endif
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sparkpost.h"

#define HTML_LIMIT (512 * 1024) /* far above any e-mail body */
#define ID_MAX 64               /* templates.apib: id, at most 64 bytes */
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-_"

static int html_file(const struct dirent *e)
{
	const char *dot = strrchr(e->d_name, '.');

	return e->d_name[0] != '.' && dot && dot != e->d_name &&
	       strcmp(dot, ".html") == 0;
}

/* "welcome.html" is template id "welcome"; -1 when the stem holds
 * anything else than NAME_CHARS or is longer than an id may be. */
static int stem(const char *file, char *out, size_t size)
{
	size_t n = strlen(file) - strlen(".html");

	if (n == 0 || n > ID_MAX || n >= size || strspn(file, NAME_CHARS) != n)
		return -1;
	memcpy(out, file, n);
	out[n] = '\0';
	return 0;
}

/* The file's text (transfer full, free()), or NULL when it cannot be a
 * template: unreadable, empty, over HTML_LIMIT or holding a NUL. */
static char *read_html(const char *dir, const char *file)
{
	char path[4096];
	FILE *f;
	char *text = NULL;
	size_t got = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >=
	    sizeof(path))
		return NULL;
	f = fopen(path, "rb");
	if (f && (text = malloc(HTML_LIMIT + 1)))
		got = fread(text, 1, HTML_LIMIT + 1, f);
	if (f)
		fclose(f);
	if (!text || got == 0 || got > HTML_LIMIT || memchr(text, 0, got)) {
		free(text);
		return NULL;
	}
	text[got] = '\0';
	return text;
}

/* The text of the first <title> (one line, at most size-1 bytes), or
 * `name` when there is none: content.subject is required. */
static void subject_of(const char *html, const char *name, char *out,
                       size_t size)
{
	const char *t = strcasestr(html, "<title>"), *end;
	size_t n;

	end = t ? strcasestr(t + 7, "</title>") : NULL;
	n = end ? (size_t)(end - (t + 7)) : 0;
	if (n == 0 || n >= size || memchr(t + 7, '\n', n)) {
		snprintf(out, size, "%s", name);
		return;
	}
	memcpy(out, t + 7, n);
	out[n] = '\0';
}

static void state_key(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "template.%s", name);
}

/* The content object of template `name` from `html`. */
static es_json *content_of(struct ctx *c, const char *name, const char *html)
{
	const struct es_json_api *j = c->h->json;
	es_json *content = j->new_object();
	const char *from = sp_cfg(c, "from_email");
	char subject[256], fallback[600];

	subject_of(html, name, subject, sizeof(subject));
	snprintf(fallback, sizeof(fallback), "no-reply@%s", c->domain);
	j->set_string(content, "from", from ? from : fallback);
	j->set_string(content, "subject", subject);
	j->set_string(content, "html", html);
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
static enum es_status write_template(struct ctx *c, const char *name,
                                     const char *html, int exists)
{
	const struct es_json_api *j = c->h->json;
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
	j->add(body, "content", content_of(c, name, html));
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

static enum es_status sync_template(struct ctx *c, const char *dir,
                                    const char *file)
{
	const struct es_json_api *j = c->h->json;
	char name[128], key[200], path[160];
	char *html = NULL;
	const char *have;
	struct es_reply r;
	enum es_status st;

	if (stem(file, name, sizeof(name)) || !(html = read_html(dir, file))) {
		c->h->diag->error(
		    c->call, "templates_dir",
		    "cannot use %s/%s (a name of a-z, 0-9, - and "
		    "_, at most %d; readable, not empty, text, at "
		    "most %d bytes)",
		    dir, file, ID_MAX, HTML_LIMIT);
		free(html);
		return ES_INVALID_CONFIG;
	}
	state_key(key, sizeof(key), name);
	snprintf(path, sizeof(path), "/templates/%s", name);
	if (c->phase >= ES_PHASE_PLAN_DESTROY) {
		free(html);
		return sp_teardown(c, key, name, "template", path);
	}
	/* Without ?draft: the latest version, the draft when there is one;
	 * results.published says which. */
	st = es_client_json(&c->api, &r, "GET", NULL, NULL, "%s", path);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !j->get_string(r.json, "results.id"))
		st = es_reply_malformed(&c->api, &r, "GET /templates/{id}",
		                        "the template");
	have = j->get_string(r.json, "results.content.html");
	if (st != ES_OK)
		; /* the reply said why */
	else if (r.outcome == ES_ABSENT) {
		if (!es_reported(c->x, &st, ES_CHANGE_CREATE, "template", name,
		                 "published"))
			st = write_template(c, name, html, 0);
	} else if (es_record(c->x, &st, key, name, "template", name)) {
		; /* plan, verify: reported */
	} else if (!have || strcmp(have, html) != 0) {
		if (!es_reported(c->x, &st, ES_CHANGE_UPDATE, "template", name,
		                 "content from the file, published"))
			st = write_template(c, name, html, 1);
	} else if (!j->get_bool(r.json, "results.published", 0) &&
	           !es_reported(c->x, &st, ES_CHANGE_UPDATE, "template", name,
	                        "publish the draft")) {
		st = publish_template(c, name);
	}
	es_reply_free(&r);
	free(html);
	return st;
}

/* Each template file of `dir` in name order, to `each` until it returns
 * something else than ES_OK. ES_INVALID_CONFIG, said against
 * templates_dir, when `dir` cannot be read. */
static enum es_status
each_file(const struct es_ctx *x, const char *dir,
          enum es_status (*each)(void *arg, const char *file), void *arg)
{
	struct dirent **files;
	enum es_status st = ES_OK;
	int n = scandir(dir, &files, html_file, alphasort);

	if (n < 0) {
		x->host->diag->error(x->call, "templates_dir",
		                     "cannot read %s: %s", dir,
		                     strerror(errno));
		return ES_INVALID_CONFIG;
	}
	for (int i = 0; i < n; i++) {
		if (st == ES_OK)
			st = each(arg, files[i]->d_name);
		free(files[i]);
	}
	free(files);
	return st;
}

struct sync_arg {
	struct ctx *c;
	const char *dir;
};

static enum es_status sync_one(void *arg, const char *file)
{
	struct sync_arg *a = arg;

	return sync_template(a->c, a->dir, file);
}

enum es_status sp_upload_templates(const struct es_ctx *x)
{
	struct ctx c;
	struct sync_arg a = {.c = &c};

	if (sp_open(x, &c))
		return ES_INVALID_CONFIG;
	a.dir = sp_cfg(&c, "templates_dir");
	if (!a.dir)
		return ES_OK; /* no branding wanted */
	return each_file(x, a.dir, sync_one, &a);
}

/* validate: every file must make a template id (counted in *arg). */
static enum es_status check_name(void *arg, const char *file)
{
	const struct es_ctx *x = ((const struct es_ctx **)arg)[0];
	int *bad = ((int **)arg)[1];
	char name[128];

	if (stem(file, name, sizeof(name)) && ++*bad)
		x->host->diag->error(x->call, "templates_dir",
		                     "%s: name template files with a-z, 0-9, "
		                     "- and _ (at most %d)",
		                     file, ID_MAX);
	return ES_OK;
}

int sp_bad_templates(const struct es_ctx *x, const char *dir)
{
	int bad = 0;
	void *arg[2] = {(void *)x, &bad};

	return each_file(x, dir, check_name, arg) == ES_OK ? bad : 1;
}
