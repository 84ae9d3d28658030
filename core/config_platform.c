/*
 * Platform mappings (config.h, struct es_platform): which platform setting
 * each plugin output or config value becomes, in which file, read from a
 * libconfig file such as etc/platforms/mnoe3.cfg. The mapping is data, not
 * code, because it is the platform's naming, not envsetup's nor a
 * plugin's: an operator whose platform differs edits a copy and passes its
 * path to `envsetup export --target`. Everything is checked here, naming
 * the file and line, so export only resolves and writes.
 */
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

static const char *const sources[] = {
    "output:", "key:", "value:", "environment:", NULL};
static const char *const value_types[] = {"string", "number", "bool", "json",
                                          NULL};

static int one_of(const char *s, const char *const *list, int prefix)
{
	for (; *list; list++)
		if (prefix ? strncmp(s, *list, strlen(*list)) == 0
		           : strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* A plain file name ending in .env or .json: nothing can be written
 * outside the --out folder. */
static int file_name_ok(const char *f)
{
	size_t n = strlen(f);

	if (!n || f[0] == '.' ||
	    strspn(f, "abcdefghijklmnopqrstuvwxyz"
	              "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	              "0123456789._-") != n)
		return 0;
	return (n > 4 && strcmp(f + n - 4, ".env") == 0) ||
	       (n > 5 && strcmp(f + n - 5, ".json") == 0);
}

static char *member(const config_setting_t *s, const char *name)
{
	const char *v = NULL;

	config_setting_lookup_string(s, name, &v);
	return v ? strdup(v) : NULL;
}

/* What is wrong with setting `ps` (NULL: nothing). */
static const char *setting_problem(const struct es_platform_setting *ps,
                                   const char **key)
{
	int plugin_source = ps->from && (strncmp(ps->from, "output:", 7) == 0 ||
	                                 strncmp(ps->from, "key:", 4) == 0);

	*key = "file";
	if (!ps->file || !file_name_ok(ps->file))
		return "file must be a plain file name ending in .env or .json";
	*key = "name";
	if (!ps->name || !*ps->name)
		return "name (the platform's setting) is missing";
	*key = "from";
	if (!ps->from || !one_of(ps->from, sources, 1))
		return "from must be output:PLUGIN.NAME, key:PLUGIN.KEY, "
		       "value:TEXT or environment:NAME";
	if (plugin_source && !strchr(ps->from, '.'))
		return "from names no PLUGIN.NAME";
	*key = "when";
	if (!plugin_source && !ps->when)
		return "a value: or environment: setting needs when = "
		       "\"PLUGIN\": the plugin whose being enabled brings it";
	*key = "type";
	if (ps->type && !one_of(ps->type, value_types, 0))
		return "type must be string, number, bool or json";
	return NULL;
}

static int parse_setting(struct es_platform_setting *ps,
                         const config_setting_t *s, struct es_diags *d,
                         const char *path)
{
	const char *key, *problem;

	ps->line = config_setting_source_line(s);
	ps->file = member(s, "file");
	ps->name = member(s, "name");
	ps->from = member(s, "from");
	ps->when = member(s, "when");
	ps->type = member(s, "type");
	config_setting_lookup_bool(s, "optional", &ps->optional);
	problem = setting_problem(ps, &key);
	if (problem) {
		es_setting_problem(d, s, path, key, "%s", problem);
		return 1;
	}
	return 0;
}

struct es_platform *es_platform_load(const char *path, struct es_diags *d)
{
	config_t *cf = es_libconfig_read(path, d);
	const config_setting_t *root, *list;
	struct es_platform *p;
	const char *name = NULL;
	int n, bad = 0;

	if (!cf)
		return NULL;
	root = config_root_setting(cf);
	list = config_setting_get_member(root, "settings");
	config_setting_lookup_string(root, "platform", &name);
	if (!name || !list || !config_setting_is_list(list)) {
		es_setting_problem(
		    d, list, path, "settings",
		    "a platform mapping has platform = \"NAME\"; "
		    "and settings = ( { file = ...; name = ...; "
		    "from = ...; }, ... );");
		config_destroy(cf);
		free(cf);
		return NULL;
	}
	n = config_setting_length(list);
	p = calloc(1, sizeof(*p));
	if (p)
		p->settings = calloc((size_t)n + 1, sizeof(*p->settings));
	if (!p || !p->settings || !(p->name = strdup(name)) ||
	    !(p->path = strdup(path))) {
		es_diags_add(d, path, 0, NULL, "out of memory");
		es_platform_free(p);
		config_destroy(cf);
		free(cf);
		return NULL;
	}
	for (int i = 0; i < n; i++)
		bad |= parse_setting(&p->settings[p->n_settings++],
		                     config_setting_get_elem(list, i), d, path);
	config_destroy(cf);
	free(cf);
	if (bad) {
		es_platform_free(p);
		return NULL;
	}
	return p;
}

void es_platform_free(struct es_platform *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_settings; i++) {
		struct es_platform_setting *ps = &p->settings[i];

		free(ps->file);
		free(ps->name);
		free(ps->from);
		free(ps->when);
		free(ps->type);
	}
	free(p->settings);
	free(p->name);
	free(p->path);
	free(p);
}
