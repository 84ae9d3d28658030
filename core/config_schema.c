/*
 * Checking plugin groups against their descriptors' schemas (see
 * config.h): one parser for every value, from the file or from a default,
 * per-environment overrides, reserved keys and secret references.
 */
#include <arpa/inet.h>
#include <libconfig.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_internal.h"
#include "log.h"
#include "numbers.h"
#include "refs.h"

/* What es_config_bind hangs on a plugin group. pc->values points at
 * `values`; the contract struct has no room for the resolved secrets. */
struct value_block {
	size_t n;
	char **secrets; /* n entries; resolved secret values or NULL */
	struct es_value values[];
};

static struct value_block *block_of(const struct es_plugin_conf *pc)
{
	if (!pc || !pc->values)
		return NULL;
	return (struct value_block *)((char *)pc->values -
	                              offsetof(struct value_block, values));
}

struct binder {
	struct es_config *c;
	struct es_diags *d;
	const char *env; /* NULL when --env named no declared environment */
	char *dir;       /* the config's directory */
	size_t problems;
};

static void problem(struct binder *b, const char *file, int line,
                    const char *where, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void problem(struct binder *b, const char *file, int line,
                    const char *where, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	es_diags_add(b->d, file, line, where, "%s", text);
	b->problems++;
}

static const char *file_of(const struct binder *b, const config_setting_t *s)
{
	const char *f = s ? config_setting_source_file(s) : NULL;

	return f ? f : b->c->path;
}

/* ---- schema walking ------------------------------------------------- */

/* Entries are walked with the first one's struct_size as the stride, so a
 * plugin built against a later minor (bigger struct) still works. */
static const struct es_key *key_at(const struct es_key *keys, size_t i)
{
	return (const struct es_key *)((const char *)keys +
	                               i * keys->struct_size);
}

static size_t count_keys(const struct es_key *keys)
{
	size_t n = 0;

	if (!keys || keys->struct_size < sizeof(struct es_key))
		return 0;
	while (key_at(keys, n)->name)
		n++;
	return n;
}

static const char *const reserved_names[] = {
    "enabled",         "rate_limit_per_min",
    "max_concurrency", "http_timeout",
    "ca_file",         "protect",
    "isolation",       "task_timeout",
    "memory_limit",    "cpu_limit",
    "environments",    NULL};

/* The reserved keys as schema entries, so one parser checks them too. */
static const struct es_key reserved_keys[] = {
    ES_KEY(.name = "enabled", .type = ES_TYPE_BOOL, .default_value = "true"),
    ES_KEY(.name = "rate_limit_per_min", .type = ES_TYPE_INT,
           .flags = ES_KEY_MIN | ES_KEY_MAX, .min = 0, .max = 1000000),
    ES_KEY(.name = "max_concurrency", .type = ES_TYPE_INT,
           .flags = ES_KEY_MIN | ES_KEY_MAX, .min = 1, .max = 1024),
    /* The HTTP layer takes a timeout of 32 bits of milliseconds. */
    ES_KEY(.name = "http_timeout", .type = ES_TYPE_DURATION,
           .flags = ES_KEY_MAX, .max = UINT32_MAX, .default_value = "30s"),
    ES_KEY(.name = "ca_file", .type = ES_TYPE_STRING),
    ES_KEY(.name = "protect", .type = ES_TYPE_BOOL, .default_value = "false"),
    /* Where the plugin's callbacks run (plugin_proxy.h); unset: the
     * default of its plugin directory (runner.c). */
    ES_KEY(.name = "isolation", .type = ES_TYPE_ENUM,
           .allowed = ES_LIST("in-process", "process")),
    /* isolation = "process": how long one callback may take, how much
     * address space (MiB) and CPU time its process may use. */
    ES_KEY(.name = "task_timeout", .type = ES_TYPE_DURATION,
           .flags = ES_KEY_MAX, .max = INT32_MAX),
    ES_KEY(.name = "memory_limit", .type = ES_TYPE_INT,
           .flags = ES_KEY_MIN | ES_KEY_MAX, .min = 16, .max = 1048576),
    ES_KEY(.name = "cpu_limit", .type = ES_TYPE_DURATION,
           .flags = ES_KEY_MIN | ES_KEY_MAX, .min = 1000, .max = 86400000),
    ES_KEYS_END,
};

static int is_reserved(const char *name)
{
	for (size_t i = 0; reserved_names[i]; i++)
		if (strcmp(reserved_names[i], name) == 0)
			return 1;
	return 0;
}

static long find_key(const struct es_key *keys, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(key_at(keys, i)->name, name) == 0)
			return (long)i;
	return -1;
}

/* Schema names (and the reserved ones when asked), NULL-terminated. */
static const char **candidate_names(const struct es_key *keys, size_t n,
                                    int with_reserved)
{
	size_t r = sizeof(reserved_names) / sizeof(reserved_names[0]);
	const char **names = calloc(n + r + 1, sizeof(*names));
	size_t k = 0;

	if (!names)
		return NULL;
	for (size_t i = 0; i < n; i++)
		names[k++] = key_at(keys, i)->name;
	for (size_t i = 0; with_reserved && reserved_names[i]; i++)
		names[k++] = reserved_names[i];
	return names;
}

static void unknown_key(struct binder *b, const config_setting_t *s,
                        const char *where, const char *const *names)
{
	const char *name = config_setting_name(s);
	const char *close = es_closest_match(name, names);

	if (close)
		problem(b, file_of(b, s), config_setting_source_line(s), where,
		        "unknown key '%s'; did you mean '%s'?", name, close);
	else
		problem(b, file_of(b, s), config_setting_source_line(s), where,
		        "unknown key '%s'", name);
}

/* ---- values --------------------------------------------------------- */

static void raw_from_setting(const config_setting_t *s, struct es_raw_value *r)
{
	memset(r, 0, sizeof(*r));
	r->type = config_setting_type(s);
	if (r->type == CONFIG_TYPE_STRING)
		r->s = config_setting_get_string(s);
	else if (r->type == CONFIG_TYPE_INT || r->type == CONFIG_TYPE_INT64)
		r->i = config_setting_get_int64(s);
	else if (r->type == CONFIG_TYPE_BOOL)
		r->i = config_setting_get_bool(s);
	else if (r->type == CONFIG_TYPE_ARRAY || r->type == CONFIG_TYPE_LIST)
		r->agg = s;
}

/* A default is written as in the config file; a LIST default such as
 * [ "a", "b" ] goes through libconfig (`tmp`, destroyed by the caller). */
static void raw_from_default(const struct es_key *k, config_t *tmp,
                             struct es_raw_value *r)
{
	const char *t = k->default_value;
	int64_t n;

	memset(r, 0, sizeof(*r));
	r->type = CONFIG_TYPE_STRING;
	r->s = t;
	if (k->type == ES_TYPE_INT) {
		if (es_parse_int64(t, &n) == ES_NUMBER_OK) {
			r->type = CONFIG_TYPE_INT64;
			r->i = n;
		}
	} else if (k->type == ES_TYPE_BOOL &&
	           (!strcasecmp(t, "true") || !strcasecmp(t, "false"))) {
		r->type = CONFIG_TYPE_BOOL;
		r->i = !strcasecmp(t, "true");
	} else if (k->type == ES_TYPE_LIST && (t[0] == '[' || t[0] == '(')) {
		size_t len = strlen(t) + 8;
		char *text = malloc(len);
		config_setting_t *s;

		if (!text)
			return;
		snprintf(text, len, "v = %s;", t);
		if (config_read_string(tmp, text) &&
		    (s = config_lookup(tmp, "v")))
			raw_from_setting(s, r);
		free(text);
	}
}

/* Type the setting `s` into `v` (replacing it). 0, or -1 reported. */
static int apply_setting(struct binder *b, const struct es_key *k,
                         const config_setting_t *s, struct es_value *v,
                         const char *where)
{
	struct es_value typed = {.key = k};
	struct es_raw_value r;
	char err[640];

	raw_from_setting(s, &r);
	r.base_dir = b->dir;
	if (es_value_parse(k, &r, &typed, 0, err, sizeof(err)) < 0) {
		problem(b, file_of(b, s), config_setting_source_line(s), where,
		        "%s", err);
		es_value_clear(&typed);
		return -1;
	}
	typed.is_set = 1;
	typed.file = strdup(file_of(b, s));
	typed.line = config_setting_source_line(s);
	es_value_clear(v);
	*v = typed;
	return 0;
}

static void apply_default(struct binder *b, const struct es_plugin_conf *pc,
                          const struct es_key *k, struct es_value *v,
                          const char *where)
{
	struct es_raw_value r;
	config_t tmp;
	char err[640];

	v->key = k;
	if (!k->default_value)
		return;
	config_init(&tmp);
	raw_from_default(k, &tmp, &r);
	r.base_dir = b->dir;
	if (es_value_parse(k, &r, v, 1, err, sizeof(err)) < 0) {
		problem(b, pc->file, pc->line, where,
		        "the plugin's default is invalid: %s", err);
		es_value_clear(v);
	} else {
		v->is_set = 1;
		v->from_default = 1;
	}
	config_destroy(&tmp);
}

/* ---- reserved keys -------------------------------------------------- */

static void bind_ca_file(struct binder *b, struct es_plugin_conf *pc,
                         const struct es_value *v)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s%s", v->str[0] == '/' ? "" : b->dir,
	         v->str[0] == '/' ? "" : "/", v->str);
	free(pc->ca_file);
	pc->ca_file = strdup(path);
	if (!pc->enabled)
		return;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    access(path, R_OK) < 0)
		problem(b, v->file, v->line, pc->name,
		        "ca_file %s is not a readable file", path);
}

static void bind_reserved(struct binder *b, struct es_plugin_conf *pc,
                          const config_setting_t *group)
{
	char where[192];

	/* Entry 0, `enabled`, was read by es_config_load. */
	for (size_t i = 1; reserved_keys[i].name; i++) {
		const struct es_key *k = &reserved_keys[i];
		config_setting_t *s = config_setting_get_member(group, k->name);
		struct es_value v = {.key = k};

		snprintf(where, sizeof(where), "%s.%s", pc->name, k->name);
		if (s)
			apply_setting(b, k, s, &v, where);
		else
			apply_default(b, pc, k, &v, where);
		if (!strcmp(k->name, "rate_limit_per_min"))
			pc->rate_limit_per_min = v.is_set ? v.i : -1;
		else if (!strcmp(k->name, "max_concurrency"))
			pc->max_concurrency = v.is_set ? v.i : -1;
		else if (!strcmp(k->name, "http_timeout") && v.is_set)
			pc->http_timeout_ms = v.i;
		else if (!strcmp(k->name, "ca_file") && v.is_set)
			bind_ca_file(b, pc, &v);
		else if (!strcmp(k->name, "protect"))
			pc->protect = v.is_set && v.i;
		else if (!strcmp(k->name, "isolation") && v.is_set)
			pc->isolation = !strcmp(v.str, "process")
			                    ? ES_ISOLATION_PROCESS
			                    : ES_ISOLATION_IN_PROCESS;
		else if (!strcmp(k->name, "task_timeout") && v.is_set)
			pc->task_timeout_ms = v.i;
		else if (!strcmp(k->name, "memory_limit") && v.is_set)
			pc->memory_limit_mb = v.i;
		else if (!strcmp(k->name, "cpu_limit") && v.is_set)
			pc->cpu_limit_s = (v.i + 999) / 1000;
		es_value_clear(&v);
	}
}

/* ---- per-environment overrides --------------------------------------- */

static void declared_envs(const struct es_config *c, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < c->n_envs; i++) {
		if (i)
			strncat(out, ", ", len - strlen(out) - 1);
		strncat(out, c->envs[i].name, len - strlen(out) - 1);
	}
}

/* "no environment 'x'; declared: a, b (did you mean 'a'?)" */
static void unknown_env(struct binder *b, const char *file, int line,
                        const char *where, const char *name)
{
	const char **names = calloc(b->c->n_envs + 1, sizeof(*names));
	const char *close = NULL;
	char list[512];

	for (size_t i = 0; names && i < b->c->n_envs; i++)
		names[i] = b->c->envs[i].name;
	if (names)
		close = es_closest_match(name, names);
	declared_envs(b->c, list, sizeof(list));
	problem(b, file, line, where,
	        "no environment '%s' in this file; declared: %s%s%s%s", name,
	        list, close ? " (did you mean '" : "", close ? close : "",
	        close ? "'?)" : "");
	free(names);
}

static void bind_env_override(struct binder *b, struct es_plugin_conf *pc,
                              const config_setting_t *m, const char *env,
                              const char *const *names)
{
	const struct es_key *keys = pc->desc->keys;
	long idx = find_key(keys, pc->n_values, config_setting_name(m));
	struct es_value v = {0};
	char where[256];

	snprintf(where, sizeof(where), "%s.environments.%s.%s", pc->name, env,
	         config_setting_name(m));
	if (idx < 0 && !is_reserved(config_setting_name(m))) {
		unknown_key(b, m, where, names);
		return;
	}
	if (idx < 0 || !(key_at(keys, (size_t)idx)->flags & ES_KEY_PER_ENV)) {
		problem(b, file_of(b, m), config_setting_source_line(m), where,
		        "'%s' cannot be set per environment; set it once in "
		        "the '%s' group",
		        config_setting_name(m), pc->name);
		return;
	}
	v.key = key_at(keys, (size_t)idx);
	if (apply_setting(b, v.key, m, &v, where) == 0 && b->env &&
	    strcmp(env, b->env) == 0) {
		es_value_clear(&pc->values[idx]);
		pc->values[idx] = v;
	} else {
		es_value_clear(&v);
	}
}

static void bind_overrides(struct binder *b, struct es_plugin_conf *pc,
                           const config_setting_t *group,
                           const char *const *names)
{
	config_setting_t *envs =
	    config_setting_get_member(group, "environments");
	char where[192];

	if (!envs)
		return;
	snprintf(where, sizeof(where), "%s.environments", pc->name);
	if (!config_setting_is_group(envs)) {
		problem(b, file_of(b, envs), config_setting_source_line(envs),
		        where,
		        "must be a group: environments = { uat = "
		        "{ key = ...; }; };");
		return;
	}
	for (int i = 0; i < config_setting_length(envs); i++) {
		config_setting_t *e = config_setting_get_elem(envs, i);
		const char *env = config_setting_name(e);

		snprintf(where, sizeof(where), "%s.environments.%s", pc->name,
		         env);
		if (!es_config_env(b->c, env)) {
			unknown_env(b, file_of(b, e),
			            config_setting_source_line(e), where, env);
			continue;
		}
		if (!config_setting_is_group(e)) {
			problem(b, file_of(b, e), config_setting_source_line(e),
			        where, "must be a group: %s = { key = ...; };",
			        env);
			continue;
		}
		for (int k = 0; k < config_setting_length(e); k++)
			bind_env_override(b, pc, config_setting_get_elem(e, k),
			                  env, names);
	}
}

/* ---- secrets -------------------------------------------------------- */

/* Only enabled plugins: a disabled one may name a variable that is not
 * set on this machine. */
static void bind_secrets(struct binder *b, struct es_plugin_conf *pc)
{
	struct value_block *block = block_of(pc);
	char where[192], err[512];

	for (size_t i = 0; pc->enabled && block && i < block->n; i++) {
		struct es_value *v = &pc->values[i];

		/* A secret output is read at run time (refs.c). */
		if (!(v->key->flags & ES_KEY_SECRET) || !v->is_set ||
		    es_ref_present(v->str))
			continue;
		snprintf(where, sizeof(where), "%s.%s", pc->name, v->key->name);
		if (b->c->secrets_optional &&
		    es_secret_absent(v->str, b->dir)) {
			v->secret_absent = 1;
			continue;
		}
		block->secrets[i] =
		    es_secret_resolve(v->str, b->dir, err, sizeof(err));
		if (!block->secrets[i])
			problem(b, v->file ? v->file : pc->file,
			        v->file ? v->line : pc->line, where, "%s", err);
		else
			es_redact_add(block->secrets[i]);
	}
}

/* ---- binding -------------------------------------------------------- */

static int attach_values(struct binder *b, struct es_plugin_conf *pc)
{
	const struct es_key *keys = pc->desc->keys;
	size_t n = count_keys(keys);
	struct value_block *block;

	if (keys && keys->name && keys->struct_size < sizeof(struct es_key))
		problem(b, pc->file, pc->line, pc->name,
		        "the plugin's schema entries are smaller than this "
		        "core's struct es_key; rebuild the plugin");
	block = calloc(1, sizeof(*block) + n * sizeof(struct es_value));
	if (!block || !(block->secrets = calloc(n + 1, sizeof(char *)))) {
		free(block);
		problem(b, pc->file, pc->line, pc->name, "out of memory");
		return -1;
	}
	block->n = n;
	pc->values = block->values;
	pc->n_values = n;
	for (size_t i = 0; i < n; i++) {
		pc->values[i].key = key_at(keys, i);
		if (is_reserved(pc->values[i].key->name))
			problem(b, pc->file, pc->line, pc->name,
			        "the plugin's schema declares '%s', a key the "
			        "core reserves",
			        pc->values[i].key->name);
	}
	return 0;
}

static void bind_plugin(struct binder *b, struct es_plugin_conf *pc,
                        const struct es_plugin_descriptor *desc,
                        const config_setting_t *group)
{
	const char **names, **schema_names;
	char where[192];

	es_config_unbind(pc);
	pc->desc = desc;
	if (attach_values(b, pc) < 0)
		return;
	names = candidate_names(desc->keys, pc->n_values, 1);
	schema_names = candidate_names(desc->keys, pc->n_values, 0);
	for (int i = 0; names && i < config_setting_length(group); i++) {
		config_setting_t *m = config_setting_get_elem(group, i);
		const char *name = config_setting_name(m);

		snprintf(where, sizeof(where), "%s.%s", pc->name, name);
		if (!is_reserved(name) &&
		    find_key(desc->keys, pc->n_values, name) < 0)
			unknown_key(b, m, where, names);
	}
	bind_reserved(b, pc, group);
	for (size_t i = 0; i < pc->n_values; i++) {
		const struct es_key *k = pc->values[i].key;
		config_setting_t *s = config_setting_get_member(group, k->name);

		snprintf(where, sizeof(where), "%s.%s", pc->name, k->name);
		if (s)
			apply_setting(b, k, s, &pc->values[i], where);
		else
			apply_default(b, pc, k, &pc->values[i], where);
	}
	if (schema_names)
		bind_overrides(b, pc, group, schema_names);
	bind_secrets(b, pc);
	free(names);
	free(schema_names);
}

static const struct es_plugin_descriptor *
find_desc(const struct es_plugin_descriptor *const *descs, size_t n,
          const char *name)
{
	for (size_t i = 0; descs && i < n; i++)
		if (descs[i] && descs[i]->name && !strcmp(descs[i]->name, name))
			return descs[i];
	return NULL;
}

static char *config_dir(const char *path)
{
	char real[PATH_MAX], *copy, *dir;

	if (realpath(path, real))
		return strdup(dirname(real));
	copy = strdup(path);
	dir = copy ? strdup(dirname(copy)) : NULL;
	free(copy);
	return dir;
}

size_t es_config_bind(struct es_config *c, const char *env,
                      const struct es_plugin_descriptor *const *descs,
                      size_t n_descs, struct es_diags *d)
{
	struct binder b = {.c = c, .d = d};
	config_setting_t *groups;

	if (!c || !c->impl)
		return 0;
	b.dir = config_dir(c->path);
	if (!b.dir) {
		problem(&b, c->path, 0, NULL, "out of memory");
		return b.problems;
	}
	if (env && es_config_env(c, env))
		b.env = env;
	else
		unknown_env(&b, c->path, 0, "--env", env ? env : "");
	groups = config_lookup(c->impl, "plugins");
	for (size_t i = 0; groups && i < c->n_plugins; i++) {
		struct es_plugin_conf *pc = &c->plugins[i];
		const struct es_plugin_descriptor *desc =
		    find_desc(descs, n_descs, pc->name);
		config_setting_t *g =
		    config_setting_get_member(groups, pc->name);

		/* A disabled plugin that is not installed was already
		 * reported as a warning by the loader. */
		if (!desc && pc->enabled)
			problem(&b, pc->file, pc->line, pc->name,
			        "no plugin named '%s' in the plugin directory",
			        pc->name);
		if (desc && g)
			bind_plugin(&b, pc, desc, g);
		if (desc && g)
			b.problems += es_config_check_templates(pc, d);
	}
	b.problems += es_refs_check(c, descs, n_descs, d);
	for (size_t p = 0; p < c->n_plugins; p++)
		for (size_t i = 0; i < c->plugins[p].n_values; i++)
			es_value_mark_refs(&c->plugins[p].values[i]);
	free(b.dir);
	return b.problems;
}

/* ---- lookups and release -------------------------------------------- */

const struct es_value *es_config_value(const struct es_plugin_conf *pc,
                                       const char *key)
{
	for (size_t i = 0; pc && key && i < pc->n_values; i++)
		if (strcmp(pc->values[i].key->name, key) == 0)
			return &pc->values[i];
	return NULL;
}

const char *es_config_secret(const struct es_plugin_conf *pc, const char *key)
{
	const struct es_value *v = es_config_value(pc, key);

	return v ? block_of(pc)->secrets[v - pc->values] : NULL;
}

int es_config_unanswered(const struct es_plugin_conf *pc, const char *key)
{
	const struct es_value *v = es_config_value(pc, key);

	return pc && pc->enabled && v && es_config_required(pc, v) &&
	       (!v->is_set || v->secret_absent);
}

void es_config_unbind(struct es_plugin_conf *pc)
{
	struct value_block *block = block_of(pc);

	if (block) {
		for (size_t i = 0; i < block->n; i++) {
			es_value_clear(&block->values[i]);
			if (block->secrets[i])
				es_wipe(block->secrets[i],
				        strlen(block->secrets[i]));
			free(block->secrets[i]);
		}
		free(block->secrets);
		free(block);
	}
	pc->values = NULL;
	pc->n_values = 0;
	free(pc->ca_file);
	pc->ca_file = NULL;
}
