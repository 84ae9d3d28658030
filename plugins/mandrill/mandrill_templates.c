/*
 * mandrill: the branded templates. Each <name>.html of templates_dir is
 * Mandrill template <name> (its slug too, since names are lower-case
 * letters, digits, '-' and '_'). Until the shared template format is
 * settled this is mailgun's layout: one HTML file per template.
 *
 * A template is in place when its published code is the file's. The
 * draft (`code`) and the published code (`publish_code`) are compared
 * apart, so a run killed between update and publish only publishes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* scandir, alphasort */
#endif
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mandrill.h"

#define HTML_LIMIT (512 * 1024) /* far above any e-mail body */
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-_"

static int html_file(const struct dirent *e)
{
	const char *dot = strrchr(e->d_name, '.');

	return e->d_name[0] != '.' && dot && dot != e->d_name &&
	       strcmp(dot, ".html") == 0;
}

/* "welcome.html" names template "welcome"; -1 when the stem holds
 * anything else than NAME_CHARS (upper case included: Mandrill would
 * make a slug that differs from the name). */
static int stem(const char *file, char *out, size_t size)
{
	size_t n = strlen(file) - strlen(".html");

	if (n == 0 || n >= size || strspn(file, NAME_CHARS) != n)
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

static void state_key(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "template.%s", name);
}

/* templates/add or templates/update with publish: true (the draft and
 * the published version at once). An add answered "already exists"
 * (Invalid_Template) is someone else's template since the look-up: it is
 * adopted, and updated. */
static enum es_status write_template(struct ctx *c, const char *name,
                                     const char *html, int exists)
{
	const struct es_json_api *j = c->h->json;
	es_json *params = j->new_object();
	char key[200], intent[300];
	struct es_reply r;
	enum es_status st = ES_FAILED;

	memset(&r, 0, sizeof(r));
	state_key(key, sizeof(key), name);
	j->set_string(params, "name", name);
	j->set_string(params, "code", html);
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

static enum es_status sync_template(struct ctx *c, const char *dir,
                                    const char *file)
{
	const struct es_json_api *j = c->h->json;
	char name[128], key[200];
	char *html = NULL;
	const char *draft, *published;
	struct es_reply r;
	enum es_status st;

	if (stem(file, name, sizeof(name)) || !(html = read_html(dir, file))) {
		c->h->diag->error(c->call, "templates_dir",
		                  "cannot use %s/%s (a name of a-z, 0-9, - and "
		                  "_; readable, not empty, text, at most %d "
		                  "bytes)",
		                  dir, file, HTML_LIMIT);
		free(html);
		return ES_INVALID_CONFIG;
	}
	state_key(key, sizeof(key), name);
	if (c->phase >= ES_PHASE_PLAN_DESTROY) {
		free(html);
		return md_teardown(c, key, NULL, "template",
		                   "/templates/delete", "name", 0);
	}
	st = md_call1(c, &r, "/templates/info", "name", name, NULL);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !j->get_string(r.json, "name"))
		st = es_reply_malformed(&c->api, &r, "templates/info",
		                        "the template");
	draft = j->get_string(r.json, "code");
	published = j->get_string(r.json, "publish_code");
	if (st != ES_OK)
		; /* the reply said why */
	else if (r.outcome == ES_ABSENT) {
		if (!es_reported(c->x, &st, ES_CHANGE_CREATE, "template", name,
		                 "published"))
			st = write_template(c, name, html, 0);
	} else if (es_record(c->x, &st, key, name, "template", name)) {
		; /* plan, verify: reported */
	} else if (!draft || strcmp(draft, html) != 0) {
		if (!es_reported(c->x, &st, ES_CHANGE_UPDATE, "template", name,
		                 "code from the file, published"))
			st = write_template(c, name, html, 1);
	} else if ((!published || strcmp(published, html) != 0) &&
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

enum es_status md_upload_templates(const struct es_ctx *x)
{
	struct ctx c;
	struct sync_arg a = {.c = &c};

	if (md_open(x, &c))
		return ES_INVALID_CONFIG;
	a.dir = md_cfg(&c, "templates_dir");
	if (!a.dir)
		return ES_OK; /* no branding wanted */
	return each_file(x, a.dir, sync_one, &a);
}

/* validate: every file must make a template name (counted in *arg). */
static enum es_status check_name(void *arg, const char *file)
{
	const struct es_ctx *x = ((const struct es_ctx **)arg)[0];
	int *bad = ((int **)arg)[1];
	char name[128];

	if (stem(file, name, sizeof(name)) && ++*bad)
		x->host->diag->error(x->call, "templates_dir",
		                     "%s: name template files with a-z, 0-9, "
		                     "- and _",
		                     file);
	return ES_OK;
}

int md_bad_templates(const struct es_ctx *x, const char *dir)
{
	int bad = 0;
	void *arg[2] = {(void *)x, &bad};

	return each_file(x, dir, check_name, arg) == ES_OK ? bad : 1;
}
