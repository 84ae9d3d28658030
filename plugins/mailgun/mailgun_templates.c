/*
 * mailgun: the branded templates. Each <name>.html of templates_dir is
 * template <name>; its content hash tags the version, so an edited file
 * becomes a new active version and an unchanged one is left alone.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* scandir, alphasort */
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailgun.h"

#define TEMPLATE_MAX_BYTES (512 * 1024)

/* ---- upload_templates ----------------------------------------------- */

/* One file of templates_dir: "Welcome.html" is template "welcome". */
struct template_file {
	char name[128];
	char tag[32]; /* "envsetup-" + content hash: a new version per edit */
	char *html;
};

static int is_template_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && n > 5 &&
	       strcmp(e->d_name + n - 5, ".html") == 0;
}

/* Mailgun lower-cases names; allow only letters, digits, '-' and '_'. */
static int template_name(const char *file, char *name, size_t size)
{
	size_t n = strlen(file) - 5; /* is_template_file() held */

	if (n >= size)
		return -1;
	for (size_t i = 0; i < n; i++) {
		name[i] = (char)tolower((unsigned char)file[i]);
		if (!isalnum((unsigned char)name[i]) && !strchr("-_", name[i]))
			return -1;
	}
	name[n] = '\0';
	return 0;
}

static int load_template(const char *dir, const char *file,
                         struct template_file *t)
{
	unsigned long long hash = 14695981039346656037ull; /* FNV-1a */
	char path[4096];
	size_t len = 0;
	FILE *f = NULL;

	t->html = NULL;
	if (template_name(file, t->name, sizeof(t->name)) == 0 &&
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) <
	        sizeof(path) &&
	    (f = fopen(path, "rb")) && (t->html = malloc(TEMPLATE_MAX_BYTES)))
		len = fread(t->html, 1, TEMPLATE_MAX_BYTES, f);
	if (f)
		fclose(f);
	if (len == 0 || len == TEMPLATE_MAX_BYTES ||
	    memchr(t->html, '\0', len)) {
		free(t->html); /* unreadable, empty, too large or binary */
		return -1;
	}
	t->html[len] = '\0';
	for (size_t i = 0; i < len; i++)
		hash = (hash ^ (unsigned char)t->html[i]) * 1099511628211ull;
	snprintf(t->tag, sizeof(t->tag), "envsetup-%016llx", hash);
	return 0;
}

/* Create the template, or add our version and make it the active one. */
static enum es_status write_template(struct ctx *c,
                                     const struct template_file *t,
                                     const char *name, int absent)
{
	/* Slices of one list: create takes name, template, tag; a new
	 * version template, tag, active; activation only active. */
	const struct es_http_header form[] = {
	    {"name", t->name},
	    {"template", t->html},
	    {"tag", t->tag},
	    {"active", "yes"},
	};
	char intent[320] = "";
	struct es_send create = mg_form("POST", form, 3, intent),
	               version = mg_form("POST", form + 1, 3, intent),
	               activate = mg_form("PUT", form + 3, 1, intent);
	struct es_reply r;
	enum es_status st;

	snprintf(intent, sizeof(intent), "template %s version %s on %s",
	         t->name, t->tag, c->domain);
	if (absent)
		st = es_client_call(&c->api, &r, &create, "/v3/%s/templates",
		                    c->dom);
	else
		st = es_client_call(&c->api, &r, &version,
		                    "/v3/%s/templates/%s/versions", c->dom,
		                    name);
	if (st == ES_OK && r.outcome == ES_CONFLICT && !absent) {
		es_reply_free(&r); /* an older version came back: activate */
		st = es_client_call(&c->api, &r, &activate,
		                    "/v3/%s/templates/%s/versions/%s", c->dom,
		                    name, t->tag);
	}
	es_reply_free(&r);
	return st;
}

static enum es_status sync_template(struct ctx *c, const char *dir,
                                    const char *file)
{
	struct template_file t;
	char *name;
	struct es_reply r;
	enum es_status st = ES_FAILED;

	if (load_template(dir, file, &t)) {
		c->h->diag->error(
		    c->call, "templates_dir",
		    "cannot use %s/%s "
		    "(unreadable, empty, binary or over %d bytes)",
		    dir, file, TEMPLATE_MAX_BYTES - 1);
		return ES_INVALID_CONFIG;
	}
	name = c->h->http->escape(t.name);
	if (name)
		st = es_client_call(&c->api, &r, NULL,
		                    "/v3/%s/templates/%s?active=yes", c->dom,
		                    name);
	if (name && st == ES_OK) {
		char detail[64];
		const char *tag =
		    c->h->json->get_string(r.json, "template.version.tag");
		int absent = r.outcome == ES_ABSENT;

		snprintf(detail, sizeof(detail), "active version %s", t.tag);
		if ((absent || !tag || strcmp(tag, t.tag) != 0) &&
		    !es_reported(c->x, &st,
		                 absent ? ES_CHANGE_CREATE : ES_CHANGE_UPDATE,
		                 "template", t.name, detail))
			st = write_template(c, &t, name, absent);
	}
	if (name)
		es_reply_free(&r);
	c->h->mem_free(name);
	free(t.html);
	return st;
}

enum es_status mg_upload_templates(const struct es_ctx *x)
{
	struct ctx cs, *c = &cs;
	const char *dir;
	struct dirent **files;
	enum es_status st = ES_OK;
	int n;

	if (mg_open(x, c))
		return ES_INVALID_CONFIG;
	dir = mg_cfg(c, "templates_dir");
	if (!dir)
		return ES_OK; /* no branding wanted */
	n = scandir(dir, &files, is_template_file, alphasort);
	if (n < 0) {
		c->h->diag->error(c->call, "templates_dir",
		                  "cannot read %s: %s", dir, strerror(errno));
		return ES_INVALID_CONFIG;
	}
	for (int i = 0; i < n; i++) {
		char name[128];

		if (st == ES_OK && c->phase >= ES_PHASE_PLAN_DESTROY)
			st = template_name(files[i]->d_name, name, sizeof(name))
			         ? ES_INVALID_CONFIG
			         : mg_destroy_template(c, name);
		else if (st == ES_OK)
			st = sync_template(c, dir, files[i]->d_name);
		free(files[i]);
	}
	free(files);
	return st;
}

/* Each template file must make a valid template name. */
int mg_bad_templates(const struct es_ctx *x, const char *dir)
{
	struct dirent **files;
	char name[128];
	int n = scandir(dir, &files, is_template_file, alphasort), bad = 0;

	if (n < 0) {
		x->host->diag->error(x->call, "templates_dir",
		                     "cannot read %s: %s", dir,
		                     strerror(errno));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (template_name(files[i]->d_name, name, sizeof(name)) &&
		    ++bad)
			x->host->diag->error(
			    x->call, "templates_dir",
			    "%s: name template files with letters, "
			    "digits, - and _",
			    files[i]->d_name);
		free(files[i]);
	}
	free(files);
	return bad;
}
