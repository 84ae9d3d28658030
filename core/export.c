/*
 * envsetup export --target NAME --env ENV --out DIR: the values the
 * platform reads, under its own setting names, from the plugins' outputs
 * and config (runner.h). The mapping is a platform file
 * (etc/platforms/NAME.cfg, config_platform.c). A setting applies when the
 * plugin it belongs to is enabled for the customer; if any such setting
 * has no value yet (an output apply has not published), nothing is
 * written and every missing one is named. Secret values go only to a
 * separate `<file>.secrets.<ext>` of mode 0600, beside the public file
 * of the same name; both are written atomically. No value is printed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cJSON.h"
#include "config.h"
#include "data_path.h"
#include "file_replace.h"
#include "log.h"
#include "runner.h"
#include "state.h"

/* One file of the export: its public and secret settings, in mapping
 * order (a dotenv file as an object of strings). */
struct out_file {
	const char *name;
	int json;
	cJSON *pub, *sec;
};

struct export
{
	struct es_run *run;
	const struct es_platform *map;
	struct out_file *files;
	size_t n_files;
	int missing, bad;
};

/* ---- resolving a setting's value ----------------------------------- */

struct output_find {
	const char *plugin, *name;
	char *value;
	int found, secret;
};

static void find_output(const struct es_output_entry *o, void *arg)
{
	struct output_find *f = arg;

	if (f->found || strcmp(o->plugin, f->plugin) != 0 ||
	    strcmp(o->name, f->name) != 0)
		return;
	f->found = 1;
	f->secret = o->secret;
	f->value = o->value ? strdup(o->value) : NULL;
}

/* "output:mailgun.smtp_login" -> plugin "mailgun", name "smtp_login". */
static int split_source(const char *from, char *plugin, size_t size,
                        const char **name)
{
	const char *body = strchr(from, ':') + 1;
	const char *dot = strchr(body, '.');

	if (!dot || (size_t)(dot - body) >= size)
		return -1;
	memcpy(plugin, body, (size_t)(dot - body));
	plugin[dot - body] = '\0';
	*name = dot + 1;
	return 0;
}

static char *output_value(struct es_run *run, const char *plugin,
                          const char *name, int *secret)
{
	struct output_find f = {.plugin = plugin, .name = name};

	es_state_outputs_each(run->state, find_output, &f);
	*secret = f.secret;
	if (f.found && f.secret)
		return es_state_secret_get(run->state, plugin, name);
	return f.value;
}

static char *key_value(const struct es_plugin_conf *pc, const char *key,
                       int *secret)
{
	const struct es_value *v = es_config_value(pc, key);
	char num[32];

	if (!v || !v->is_set)
		return NULL;
	*secret = (v->key->flags & ES_KEY_SECRET) != 0;
	if (*secret) {
		const char *s = es_config_secret(pc, key);

		return s ? strdup(s) : NULL;
	}
	if (v->str)
		return strdup(v->str);
	if (v->key->type == ES_TYPE_LIST) {
		cJSON *list = cJSON_CreateStringArray(
		    (const char *const *)v->list, (int)v->n_list);
		char *text = cJSON_PrintUnformatted(list);

		cJSON_Delete(list);
		return text;
	}
	snprintf(num, sizeof(num), "%lld", (long long)v->i);
	return strdup(num);
}

/* The plugin a setting belongs to: `when`, else its source's plugin. */
static const char *setting_plugin(const struct es_platform_setting *ps,
                                  char *buf, size_t size)
{
	const char *name;

	if (ps->when)
		return ps->when;
	return split_source(ps->from, buf, size, &name) ? NULL : buf;
}

/* The value (malloc'd) or NULL when it has none yet. */
static char *resolve(struct export *x, const struct es_platform_setting *ps,
                     int *secret)
{
	char plugin[128];
	const char *name;
	const char *from = ps->from;

	*secret = 0;
	if (strncmp(from, "value:", 6) == 0)
		return strdup(from + 6);
	if (strncmp(from, "environment:", 12) == 0) {
		const char *v =
		    strcmp(from + 12, "name") == 0
		        ? x->run->env->name
		        : es_config_env_value(x->run->env, from + 12);

		return v ? strdup(v) : NULL;
	}
	if (split_source(from, plugin, sizeof(plugin), &name))
		return NULL;
	if (strncmp(from, "output:", 7) == 0)
		return output_value(x->run, plugin, name, secret);
	return key_value(es_config_plugin(x->run->cfg, plugin), name, secret);
}

/* ---- building the files ---------------------------------------------- */

static struct out_file *file_of(struct export *x, const char *name)
{
	struct out_file *grown;

	for (size_t i = 0; i < x->n_files; i++)
		if (strcmp(x->files[i].name, name) == 0)
			return &x->files[i];
	grown = realloc(x->files, (x->n_files + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	x->files = grown;
	grown = &x->files[x->n_files++];
	grown->name = name;
	grown->json = strstr(name, ".json") != NULL;
	grown->pub = cJSON_CreateObject();
	grown->sec = cJSON_CreateObject();
	return grown;
}

/* The JSON a value becomes, by the setting's type; NULL when it is not
 * of that type. */
static cJSON *typed(const struct es_platform_setting *ps, const char *v)
{
	const char *type = ps->type ? ps->type : "string";
	char *end;
	double d;

	if (strcmp(type, "string") == 0)
		return cJSON_CreateString(v);
	if (strcmp(type, "bool") == 0) {
		if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
			return cJSON_CreateTrue();
		if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
			return cJSON_CreateFalse();
		return NULL;
	}
	if (strcmp(type, "number") == 0) {
		errno = 0;
		d = strtod(v, &end);
		return *v && !*end && !errno ? cJSON_CreateNumber(d) : NULL;
	}
	return cJSON_Parse(v);
}

/* Set "a.b[1].c" in `root`, making the objects and arrays on the way.
 * -1 when the path is taken (by another setting) or malformed. */
static int set_path(cJSON *root, const char *path, cJSON *value)
{
	char copy[512], *save = NULL, *seg;
	cJSON *at = root;

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return -1;
	for (seg = strtok_r(copy, ".", &save); seg;) {
		char *next = strtok_r(NULL, ".", &save);
		char *bracket = strchr(seg, '[');
		long index = -1;
		cJSON *child;

		if (bracket) {
			index = strtol(bracket + 1, NULL, 10);
			*bracket = '\0';
			if (index < 0 || index > 64)
				return -1;
		}
		child = cJSON_GetObjectItemCaseSensitive(at, seg);
		if (index >= 0) {
			if (!child)
				child = cJSON_AddArrayToObject(at, seg);
			if (!cJSON_IsArray(child))
				return -1;
			while (cJSON_GetArraySize(child) <= index)
				cJSON_AddItemToArray(child,
				                     cJSON_CreateObject());
			child = cJSON_GetArrayItem(child, (int)index);
		}
		if (!next) {
			if (index >= 0 || child)
				return -1;
			cJSON_AddItemToObject(at, seg, value);
			return 0;
		}
		if (!child)
			child = cJSON_AddObjectToObject(at, seg);
		if (!cJSON_IsObject(child))
			return -1;
		at = child;
		seg = next;
	}
	return -1;
}

/* Put `j` at `name` of the file's public or secret half; -1 (j not
 * taken) when a setting already holds that name in either half. */
static int place(struct out_file *f, const char *name, cJSON *j, int secret)
{
	if (f->json)
		return set_path(secret ? f->sec : f->pub, name, j);
	if (cJSON_GetObjectItemCaseSensitive(f->pub, name) ||
	    cJSON_GetObjectItemCaseSensitive(f->sec, name))
		return -1;
	cJSON_AddItemToObject(secret ? f->sec : f->pub, name, j);
	return 0;
}

static void add_setting(struct export *x, const struct es_platform_setting *ps)
{
	struct out_file *f;
	char plugin[128];
	const char *p = setting_plugin(ps, plugin, sizeof(plugin));
	const struct es_plugin_conf *pc =
	    p ? es_config_plugin(x->run->cfg, p) : NULL;
	const char *problem = NULL;
	int secret;
	char *v;
	cJSON *j;

	if (!pc || !pc->enabled || !pc->desc)
		return; /* the customer does not run that plugin */
	v = resolve(x, ps, &secret);
	if (!v && ps->optional)
		return;
	if (!v) {
		if (!x->missing++)
			fprintf(stderr,
			        "envsetup export: %s, environment %s: these "
			        "settings of %s have no value yet:\n",
			        x->run->cfg->customer_id, x->run->env->name,
			        x->map->name);
		fprintf(stderr, "  %s %s <- %s%s\n", ps->file, ps->name,
		        ps->from,
		        strncmp(ps->from, "output:", 7) == 0
		            ? " (published by apply)"
		            : "");
		return;
	}
	f = file_of(x, ps->file);
	j = !f ? NULL : f->json ? typed(ps, v) : cJSON_CreateString(v);
	if (!j)
		problem = f ? "the value is not of the setting's type"
		            : "out of memory";
	else if (place(f, ps->name, j, secret) < 0) {
		cJSON_Delete(j);
		problem = "set twice: two enabled plugins give this setting "
		          "(enable one of them)";
	}
	if (problem) {
		es_log(ES_LOG_ERROR, NULL, "%s:%d: %s %s: %s", x->map->path,
		       ps->line, ps->file, ps->name, problem);
		x->bad = 1;
	}
	es_wipe(v, strlen(v));
	free(v);
}

/* ---- writing ---------------------------------------------------------- */

/* A dotenv value, double-quoted: \ " $ and newlines escaped. */
static void dotenv_line(FILE *m, const char *name, const char *value)
{
	fprintf(m, "%s=\"", name);
	for (const char *c = value; *c; c++) {
		if (*c == '\n')
			fputs("\\n", m);
		else {
			if (*c == '"' || *c == '\\' || *c == '$')
				fputc('\\', m);
			fputc(*c, m);
		}
	}
	fputs("\"\n", m);
}

/* The text of one half of a file (malloc'd). */
static char *render(const struct export *x, const struct out_file *f,
                    const cJSON *half)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m;
	const cJSON *it;

	if (f->json)
		return cJSON_Print(half);
	m = open_memstream(&text, &len);
	if (!m)
		return NULL;
	fprintf(m,
	        "# %s settings of %s, environment %s, made by envsetup "
	        "export --target %s from the state.\n",
	        x->map->name, x->run->cfg->customer_id, x->run->env->name,
	        x->map->name);
	cJSON_ArrayForEach(it, half)
	    dotenv_line(m, it->string, it->valuestring);
	fclose(m);
	return text;
}

/* "mnoe.env" -> "mnoe.secrets.env". */
static void secrets_name(const char *file, char *out, size_t size)
{
	const char *ext = strrchr(file, '.');

	snprintf(out, size, "%.*s.secrets%s", (int)(ext - file), file, ext);
}

static int write_half(const struct export *x, const char *dir,
                      const struct out_file *f, int secret)
{
	const cJSON *half = secret ? f->sec : f->pub;
	char name[PATH_MAX / 2], path[PATH_MAX];
	char *text;
	int rc, n = cJSON_GetArraySize(half);

	if (secret && n == 0)
		return 0;
	if (secret)
		secrets_name(f->name, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "%s", f->name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = render(x, f, half);
	rc = text ? es_file_replace(path, text, strlen(text),
	                            secret ? 0600 : 0644)
	          : -1;
	if (text) {
		es_wipe(text, strlen(text));
		free(text);
	}
	if (rc < 0)
		es_log(ES_LOG_ERROR, NULL, "cannot write %s: %s", path,
		       strerror(errno));
	else
		printf("wrote %s%s\n", path,
		       secret ? " (secrets, mode 0600)" : "");
	return rc;
}

/* ---- the command ------------------------------------------------------ */

/* A target is a mapping's name (etc/platforms/NAME.cfg) or its path. */
static char *mapping_path(const char *target)
{
	char relative[256];

	if (strchr(target, '/'))
		return strdup(target);
	snprintf(relative, sizeof(relative), "platforms/%s.cfg", target);
	return es_data_path(relative);
}

int es_run_export(struct es_run *run, const char *target, const char *dir)
{
	struct es_diags d = {0};
	char *path = mapping_path(target);
	struct es_platform *map = path ? es_platform_load(path, &d) : NULL;
	struct export x = {.run = run, .map = map};
	int rc = ES_EXIT_OK;

	if (!map) {
		es_diags_print(&d, stderr);
		es_diags_clear(&d);
		fprintf(stderr,
		        "envsetup export: no usable platform mapping for "
		        "target '%s' (%s)\n",
		        target, path ? path : "out of memory");
		free(path);
		return ES_EXIT_INPUT;
	}
	for (size_t i = 0; i < map->n_settings; i++)
		add_setting(&x, &map->settings[i]);
	if (x.bad)
		rc = ES_EXIT_INPUT;
	else if (x.missing) {
		fprintf(stderr, "Nothing written: run apply until these are "
		                "published, then export again.\n");
		rc = ES_EXIT_PENDING;
	} else if (es_mkdir_p(dir, 0755) < 0) {
		es_log(ES_LOG_ERROR, NULL, "cannot make %s: %s", dir,
		       strerror(errno));
		rc = ES_EXIT_INPUT;
	}
	for (size_t i = 0; rc == ES_EXIT_OK && i < x.n_files; i++)
		if (write_half(&x, dir, &x.files[i], 0) < 0 ||
		    write_half(&x, dir, &x.files[i], 1) < 0)
			rc = ES_EXIT_INPUT;
	for (size_t i = 0; i < x.n_files; i++) {
		cJSON_Delete(x.files[i].pub);
		cJSON_Delete(x.files[i].sec);
	}
	free(x.files);
	es_platform_free(map);
	free(path);
	return rc;
}
