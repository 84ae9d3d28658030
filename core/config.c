/*
 * Loading the customer file (see config.h): after config_file.c has
 * refused hostile files, parse with libconfig and check the structure
 * (customer, environments, checklist, plugin groups), reporting every
 * problem in one pass. Plugin keys are checked later by es_config_bind
 * (config_schema.c).
 */
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "strmap.h"

struct loader {
	struct es_config *c;
	struct es_diags *d;
	const char *dir; /* the config's directory, absolute */
	int oom;
	/* Parsing a customer's changes to a shared checklist: an item or
	 * section may give only what it changes (config_checklist.c). */
	int partial;
};

/* ---- structure helpers ---------------------------------------------- */

static void problem(struct loader *l, const config_setting_t *s,
                    const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problem(struct loader *l, const config_setting_t *s,
                    const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	es_setting_vproblem(l->d, s, l->c->path, where, fmt, ap);
	va_end(ap);
}

static char *dup_checked(struct loader *l, const char *s)
{
	char *copy;

	if (!s)
		return NULL;
	copy = strdup(s);
	if (!copy)
		l->oom = 1;
	return copy;
}

static char *source_file_of(struct loader *l, const config_setting_t *s)
{
	const char *f = config_setting_source_file(s);

	return dup_checked(l, f ? f : l->c->path);
}

/* [a-z0-9][a-z0-9_-]*: safe in file names and refs. */
static int id_valid(const char *id)
{
	if (!id || !((*id >= 'a' && *id <= 'z') || (*id >= '0' && *id <= '9')))
		return 0;
	for (; *id; id++)
		if (!((*id >= 'a' && *id <= 'z') ||
		      (*id >= '0' && *id <= '9') || *id == '_' || *id == '-'))
			return 0;
	return 1;
}

/* Report every member of `group` not in `allowed`, with a suggestion. */
static void check_members(struct loader *l, const config_setting_t *group,
                          const char *const *allowed, const char *where)
{
	int n = config_setting_length(group);

	for (int i = 0; i < n; i++) {
		config_setting_t *m = config_setting_get_elem(group, i);
		const char *name = config_setting_name(m);
		const char *close;
		size_t k = 0;

		if (!name)
			continue;
		while (allowed[k] && strcmp(allowed[k], name) != 0)
			k++;
		if (allowed[k])
			continue;
		close = es_closest_match(name, allowed);
		if (close)
			problem(l, m, where,
			        "unknown key '%s'; did you mean "
			        "'%s'?",
			        name, close);
		else
			problem(l, m, where, "unknown key '%s'", name);
	}
}

/* A string member: NULL when absent (reported if required) or not a
 * string (reported). */
static const char *member_string(struct loader *l,
                                 const config_setting_t *group,
                                 const char *name, int required,
                                 const char *where)
{
	config_setting_t *s = config_setting_get_member(group, name);

	if (!s) {
		if (required)
			problem(l, group, where, "missing '%s'", name);
		return NULL;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		problem(l, s, where, "'%s' must be a string", name);
		return NULL;
	}
	if (required && !*config_setting_get_string(s)) {
		problem(l, s, where, "'%s' must not be empty", name);
		return NULL;
	}
	return config_setting_get_string(s);
}

/* An array or list of strings as a NULL-terminated copy; NULL after a
 * reported problem. An absent member gives an empty list. */
static char **member_strings(struct loader *l, const config_setting_t *group,
                             const char *name, const char *where, size_t *count)
{
	config_setting_t *s = config_setting_get_member(group, name);
	int n = s ? config_setting_length(s) : 0;
	char **out;

	if (s && config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		problem(l, s, where,
		        "'%s' must be a list of strings: "
		        "[ \"a\", \"b\" ]",
		        name);
		return NULL;
	}
	out = calloc((size_t)n + 1, sizeof(*out));
	if (!out) {
		l->oom = 1;
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		const char *v = config_setting_get_string_elem(s, i);

		if (!v || !*v) {
			problem(l, config_setting_get_elem(s, i), where,
			        "'%s' must hold non-empty strings only", name);
			continue;
		}
		out[(*count)++] = dup_checked(l, v);
	}
	return out;
}

static void free_strings(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* ---- customer and environments -------------------------------------- */

/* customer.state_backend and state_connection (docs/state.md). The
 * shared database is read by more people than one machine's files: its
 * secrets are always sealed, so it needs state_key. A file backend may
 * name a connection too: `state migrate --to postgresql` moves it there. */
static void parse_state_backend(struct loader *l, const config_setting_t *g,
                                const char *key)
{
	const char *be =
	    member_string(l, g, "state_backend", 0, "customer.state_backend");
	const char *conn = member_string(l, g, "state_connection", 0,
	                                 "customer.state_connection");
	config_setting_t *at = config_setting_get_member(g, "state_backend");
	int pg = be && strcmp(be, "postgresql") == 0;

	if (be && !pg && strcmp(be, "file") != 0)
		problem(l, at, "customer.state_backend",
		        "'%s' is not a state backend: \"file\" (the "
		        "default) or \"postgresql\"",
		        be);
	else if (pg && !conn)
		problem(l, at, "customer.state_connection",
		        "state_backend \"postgresql\" needs state_connection "
		        "= \"env:NAME\" or \"file:PATH\" (the libpq "
		        "connection string)");
	else if (pg && !key)
		problem(l, at, "customer.state_key",
		        "state_backend \"postgresql\" needs state_key: "
		        "secrets are stored in the database sealed only");
	if (conn && strncmp(conn, "env:", 4) != 0 &&
	    strncmp(conn, "file:", 5) != 0)
		problem(l, config_setting_get_member(g, "state_connection"),
		        "customer.state_connection",
		        "the connection string may hold a password: give a "
		        "reference, env:NAME or file:PATH; the literal value "
		        "is refused");
	else
		l->c->state_connection = dup_checked(l, conn);
	l->c->state_backend = dup_checked(l, pg ? "postgresql" : "file");
}

static void parse_customer(struct loader *l, const config_setting_t *root)
{
	static const char *const keys[] = {
	    "id",        "name",          "state_dir",
	    "state_key", "state_backend", "state_connection",
	    NULL};
	config_setting_t *g = config_setting_get_member(root, "customer");
	const char *id, *name, *state, *key;
	char buf[PATH_MAX];

	if (!g || !config_setting_is_group(g)) {
		problem(l, g, "customer",
		        "missing the 'customer' group: "
		        "customer = { id = \"acme\"; name = \"Acme Corp\"; };");
		return;
	}
	check_members(l, g, keys, "customer");
	id = member_string(l, g, "id", 1, "customer.id");
	name = member_string(l, g, "name", 1, "customer.name");
	state = member_string(l, g, "state_dir", 0, "customer.state_dir");
	key = member_string(l, g, "state_key", 0, "customer.state_key");
	if (key && strncmp(key, "env:", 4) != 0 &&
	    strncmp(key, "file:", 5) != 0)
		problem(l, config_setting_get_member(g, "state_key"),
		        "customer.state_key",
		        "the key that seals secrets.json is a reference, "
		        "env:NAME or file:PATH; the literal value is refused");
	else
		l->c->state_key = dup_checked(l, key);
	parse_state_backend(l, g, key);
	if (id && !id_valid(id)) {
		problem(
		    l, config_setting_get_member(g, "id"), "customer.id",
		    "'%s' is not a valid id: use lowercase letters, digits, "
		    "'_' and '-', starting with a letter or digit",
		    id);
		id = NULL;
	}
	l->c->customer_id = dup_checked(l, id);
	l->c->customer_name = dup_checked(l, name);
	if (state && !*state)
		problem(l, config_setting_get_member(g, "state_dir"),
		        "customer.state_dir", "'state_dir' must not be empty");
	else if (state && state[0] == '/')
		l->c->state_dir = dup_checked(l, state);
	else if (state || id) {
		snprintf(buf, sizeof(buf), "%s/%s%s", l->dir,
		         state ? "" : "state/", state ? state : id);
		l->c->state_dir = dup_checked(l, buf);
	}
}

static char *scalar_text(struct loader *l, const config_setting_t *s)
{
	char buf[64];

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		return dup_checked(l, config_setting_get_string(s));
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		snprintf(buf, sizeof(buf), "%lld", config_setting_get_int64(s));
		return dup_checked(l, buf);
	case CONFIG_TYPE_FLOAT:
		snprintf(buf, sizeof(buf), "%g", config_setting_get_float(s));
		return dup_checked(l, buf);
	case CONFIG_TYPE_BOOL:
		return dup_checked(l, config_setting_get_bool(s) ? "true"
		                                                 : "false");
	default:
		return NULL;
	}
}

static void parse_environment(struct loader *l, config_setting_t *g,
                              struct es_environment *e)
{
	int n = config_setting_length(g);
	char where[160];

	e->name = dup_checked(l, config_setting_name(g));
	e->file = source_file_of(l, g);
	e->line = config_setting_source_line(g);
	e->names = calloc((size_t)n + 1, sizeof(char *));
	e->values = calloc((size_t)n + 1, sizeof(char *));
	if (!e->names || !e->values) {
		l->oom = 1;
		return;
	}
	for (int i = 0, k = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(g, i);

		snprintf(where, sizeof(where), "environments.%s.%s", e->name,
		         config_setting_name(s));
		if (config_setting_is_aggregate(s)) {
			problem(l, s, where,
			        "environment settings must be "
			        "strings, numbers or booleans");
			continue;
		}
		e->names[k] = dup_checked(l, config_setting_name(s));
		e->values[k++] = scalar_text(l, s);
	}
}

static void parse_environments(struct loader *l, const config_setting_t *root)
{
	config_setting_t *g = config_setting_get_member(root, "environments");
	int n = g ? config_setting_length(g) : 0;

	if (!g || !config_setting_is_group(g) || n == 0) {
		problem(l, g, "environments",
		        "declare at least one "
		        "environment: environments = { uat = { ... }; };");
		return;
	}
	l->c->envs = calloc((size_t)n, sizeof(*l->c->envs));
	if (!l->c->envs) {
		l->oom = 1;
		return;
	}
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(g, i);
		char where[160];

		if (!config_setting_is_group(e)) {
			snprintf(where, sizeof(where), "environments.%s",
			         config_setting_name(e));
			problem(l, e, where,
			        "an environment must be a group: "
			        "%s = { ... };",
			        config_setting_name(e));
			continue;
		}
		parse_environment(l, e, &l->c->envs[l->c->n_envs++]);
	}
}

/* ---- checklist ------------------------------------------------------ */

/* Where an item id was first seen, to report duplicates. */
struct seen_id {
	const char *id;
	const char *file;
	int line;
};

struct checklist_walk {
	struct seen_id *ids;
	size_t n_ids, cap_ids;
	struct es_strmap index; /* id -> its position in ids + 1 */
};

static int remember_id(struct loader *l, struct checklist_walk *w,
                       const config_setting_t *s, const char *where,
                       const char *id, const char *file, int line)
{
	uintptr_t seen = (uintptr_t)es_strmap_get(&w->index, id);

	if (seen) {
		problem(l, s, where, "id '%s' is already used at %s:%d", id,
		        w->ids[seen - 1].file, w->ids[seen - 1].line);
		return -1;
	}
	if (w->n_ids == w->cap_ids) {
		size_t cap = w->cap_ids ? w->cap_ids * 2 : 32;
		struct seen_id *grown = realloc(w->ids, cap * sizeof(*grown));

		if (!grown) {
			l->oom = 1;
			return -1;
		}
		w->ids = grown;
		w->cap_ids = cap;
	}
	if (es_strmap_put(&w->index, id, (void *)(uintptr_t)(w->n_ids + 1)) <
	    0) {
		l->oom = 1;
		return -1;
	}
	w->ids[w->n_ids++] = (struct seen_id){id, file, line};
	return 0;
}

static void parse_item(struct loader *l, struct checklist_walk *w,
                       config_setting_t *g, int manual, const char *where,
                       struct es_manual_item *it)
{
	static const char *const keys[] = {"id",      "title",  "question",
	                                   "owner",   "answer", "depends_on",
	                                   "choices", NULL};
	const char *id;
	size_t n = 0;

	check_members(l, g, keys, where);
	it->file = source_file_of(l, g);
	it->line = config_setting_source_line(g);
	id = member_string(l, g, "id", 1, where);
	if (id && !id_valid(id))
		problem(
		    l, config_setting_get_member(g, "id"), where,
		    "'%s' is not a valid id: use lowercase letters, digits, "
		    "'_' and '-'",
		    id);
	else if (id && it->file)
		remember_id(l, w, g, where, id, it->file, it->line);
	/* Kept even when refused, so no consumer meets a NULL id. */
	it->id = dup_checked(l, id);
	it->title = dup_checked(
	    l, member_string(l, g, "title", manual && !l->partial, where));
	it->question =
	    dup_checked(l, member_string(l, g, "question", !l->partial, where));
	it->owner = dup_checked(l, member_string(l, g, "owner", 0, where));
	it->answer = dup_checked(l, member_string(l, g, "answer", 0, where));
	it->depends_on = member_strings(l, g, "depends_on", where, &n);
	it->choices = es_choices_parse(g, manual, where, l->c->path, l->d,
	                               &it->n_choices, &l->oom);
}

/* `elements` or `manual`: a list of groups. */
static struct es_manual_item *
parse_items(struct loader *l, struct checklist_walk *w, config_setting_t *sec,
            const char *name, const char *sec_where, size_t *count)
{
	config_setting_t *s = config_setting_get_member(sec, name);
	int n = s ? config_setting_length(s) : 0;
	struct es_manual_item *items;
	char where[192];

	snprintf(where, sizeof(where), "%s.%s", sec_where, name);
	if (s && config_setting_type(s) != CONFIG_TYPE_LIST) {
		problem(l, s, where,
		        "'%s' must be a list of groups: "
		        "( { id = ...; }, ... )",
		        name);
		return NULL;
	}
	items = calloc((size_t)n + 1, sizeof(*items));
	if (!items) {
		l->oom = 1;
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(s, i);

		snprintf(where, sizeof(where), "%s.%s[%d]", sec_where, name, i);
		if (!config_setting_is_group(g)) {
			problem(l, g, where, "each item must be a group");
			continue;
		}
		parse_item(l, w, g, strcmp(name, "manual") == 0, where,
		           &items[(*count)++]);
	}
	return items;
}

static void parse_section(struct loader *l, struct checklist_walk *w,
                          config_setting_t *g, int index,
                          struct es_section *sec)
{
	static const char *const keys[] = {"section",  "title",  "plugins",
	                                   "elements", "manual", NULL};
	const char *id;
	char where[96];

	sec->file = source_file_of(l, g);
	sec->line = config_setting_source_line(g);
	snprintf(where, sizeof(where), "checklist[%d]", index);
	id = member_string(l, g, "section", 1, where);
	if (id)
		snprintf(where, sizeof(where), "checklist[%s]", id);
	check_members(l, g, keys, where);
	for (struct es_section *o = l->c->sections; id && o < sec; o++) {
		if (o->id && strcmp(o->id, id) == 0) {
			problem(l, g, where,
			        "section '%s' is already defined "
			        "at %s:%d",
			        id, o->file, o->line);
			break;
		}
	}
	sec->id = dup_checked(l, id);
	sec->title =
	    dup_checked(l, member_string(l, g, "title", !l->partial, where));
	sec->plugins = member_strings(l, g, "plugins", where, &sec->n_plugins);
	sec->elements =
	    parse_items(l, w, g, "elements", where, &sec->n_elements);
	sec->manual = parse_items(l, w, g, "manual", where, &sec->n_manual);
}

static void parse_checklist(struct loader *l, const config_setting_t *root)
{
	config_setting_t *s = config_setting_get_member(root, "checklist");
	struct checklist_walk w = {0};
	int n = s ? config_setting_length(s) : 0;

	if (!s || config_setting_type(s) != CONFIG_TYPE_LIST) {
		problem(l, s, "checklist",
		        "missing the 'checklist' list: "
		        "checklist = ( { section = \"1\"; title = ...; "
		        "plugins = [ ... ]; }, ... );");
		return;
	}
	l->c->sections = calloc((size_t)n + 1, sizeof(*l->c->sections));
	if (!l->c->sections) {
		l->oom = 1;
		return;
	}
	for (int i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(s, i);
		char where[32];

		if (!config_setting_is_group(g)) {
			snprintf(where, sizeof(where), "checklist[%d]", i);
			problem(l, g, where, "each section must be a group");
			continue;
		}
		parse_section(l, &w, g, i, &l->c->sections[l->c->n_sections++]);
	}
	free(w.ids);
	es_strmap_free(&w.index);
}

/* `checklist_file`: the shared checklist's sections, then the customer's
 * own `checklist` (changes and additions, parsed as partial) merged into
 * them by config_checklist.c. Without it, `checklist` is the whole list.
 * -1 when the shared file could not be read. */
static int parse_checklists(struct loader *l, const config_setting_t *root)
{
	struct es_section *shared;
	size_t n_shared;
	char *path;
	config_t *cf;

	if (!config_setting_get_member(root, "checklist_file")) {
		parse_checklist(l, root);
		return 0;
	}
	path = es_checklist_path(root, l->c->path, l->dir, l->d);
	cf = path ? es_checklist_read(path, l->d) : NULL;
	free(path);
	if (!cf)
		return -1;
	parse_checklist(l, config_root_setting(cf));
	shared = l->c->sections;
	n_shared = l->c->n_sections;
	l->c->sections = NULL;
	l->c->n_sections = 0;
	if (config_setting_get_member(root, "checklist")) {
		l->partial = 1;
		parse_checklist(l, root);
		l->partial = 0;
	}
	es_checklist_merge(l->c, shared, n_shared, l->d);
	config_destroy(cf);
	free(cf);
	return 0;
}

/* ---- plugin groups and cross-checks ---------------------------------- */

static void parse_plugins(struct loader *l, const config_setting_t *root)
{
	config_setting_t *g = config_setting_get_member(root, "plugins");
	int n = g ? config_setting_length(g) : 0;

	if (g && !config_setting_is_group(g)) {
		problem(l, g, "plugins",
		        "'plugins' must be a group: "
		        "plugins = { mailgun = { ... }; };");
		return;
	}
	l->c->plugins = calloc((size_t)n + 1, sizeof(*l->c->plugins));
	if (!l->c->plugins) {
		l->oom = 1;
		return;
	}
	for (int i = 0; i < n; i++) {
		config_setting_t *p = config_setting_get_elem(g, i);
		const char *name = config_setting_name(p);
		config_setting_t *en = config_setting_get_member(p, "enabled");
		struct es_plugin_conf *pc;

		if (!config_setting_is_group(p) || !id_valid(name)) {
			problem(l, p, name,
			        "a plugin group must be a group "
			        "named after the plugin: name = { ... };");
			continue;
		}
		if (en && config_setting_type(en) != CONFIG_TYPE_BOOL)
			problem(l, en, name, "'enabled' must be true or false");
		pc = &l->c->plugins[l->c->n_plugins++];
		pc->name = dup_checked(l, name);
		pc->enabled = en ? config_setting_get_bool(en) : 1;
		pc->rate_limit_per_min = -1;
		pc->max_concurrency = -1;
		pc->http_timeout_ms = 30000;
		pc->file = source_file_of(l, p);
		pc->line = config_setting_source_line(p);
	}
}

static void cross_check(struct loader *l)
{
	struct es_config *c = l->c;

	for (size_t s = 0; s < c->n_sections; s++) {
		const struct es_section *sec = &c->sections[s];
		char where[96];

		snprintf(where, sizeof(where), "checklist[%s].plugins",
		         sec->id ? sec->id : "?");
		for (size_t p = 0; p < sec->n_plugins; p++) {
			const char *name = sec->plugins[p];
			int dup = 0;

			for (size_t t = 0; t < s && !dup; t++)
				for (size_t q = 0; q < c->sections[t].n_plugins;
				     q++)
					dup |= !strcmp(
					    c->sections[t].plugins[q], name);
			for (size_t q = 0; q < p; q++)
				dup |= !strcmp(sec->plugins[q], name);
			if (dup)
				es_diags_add(
				    l->d, sec->file, sec->line, where,
				    "plugin '%s' is already listed in an "
				    "earlier section; a plugin belongs "
				    "to one section",
				    name);
			if (!es_config_plugin(c, name))
				es_diags_add(l->d, sec->file, sec->line, where,
				             "plugin '%s' has no group under "
				             "'plugins'",
				             name);
		}
	}
	for (size_t i = 0; i < c->n_plugins; i++) {
		const struct es_plugin_conf *pc = &c->plugins[i];
		int listed = 0;

		for (size_t s = 0; s < c->n_sections && !listed; s++)
			for (size_t p = 0; p < c->sections[s].n_plugins; p++)
				listed |= !strcmp(c->sections[s].plugins[p],
				                  pc->name);
		if (pc->enabled && !listed)
			es_diags_add(l->d, pc->file, pc->line, pc->name,
			             "plugin '%s' is enabled but no checklist "
			             "section lists it in its 'plugins'",
			             pc->name);
	}
}

/* ---- loading -------------------------------------------------------- */

static void parse_all(struct loader *l, const config_setting_t *root)
{
	static const char *const keys[] = {
	    "customer",       "environments", "checklist", "plugins",
	    "checklist_file", "answers",      "drop",      NULL};

	check_members(l, root, keys, NULL);
	parse_customer(l, root);
	parse_environments(l, root);
	/* Without its shared checklist every answer and plugin would be
	 * reported too: the file's own problem says it all. */
	if (parse_checklists(l, root) < 0)
		return;
	parse_plugins(l, root);
	/* Answers, drops and choices before the cross-check: a choice turns
	 * plugin groups on or off. */
	if (!l->oom)
		es_checklist_apply(l->c, root, l->d);
	if (!l->oom)
		cross_check(l);
}

struct es_config *es_config_load(const char *path, struct es_diags *d)
{
	struct loader l = {.d = d};
	char *dir = NULL;
	config_t *cf;

	if (!path || !*path) {
		es_diags_add(d, NULL, 0, NULL, "no config file given");
		return NULL;
	}
	l.c = calloc(1, sizeof(*l.c));
	cf = calloc(1, sizeof(*cf));
	if (!l.c || !cf || !(l.c->path = strdup(path))) {
		es_diags_add(d, path, 0, NULL, "out of memory");
		free(l.c);
		free(cf);
		return NULL;
	}
	config_init(cf);
	l.c->impl = cf;
	if (es_libconfig_parse(cf, path, d, &dir) < 0) {
		es_config_free(l.c);
		return NULL;
	}
	l.dir = dir;
	parse_all(&l, config_root_setting(cf));
	if (l.oom)
		es_diags_add(d, path, 0, NULL, "out of memory");
	free(dir);
	return l.c;
}

struct es_config *es_config_load_checklist(const char *path, struct es_diags *d)
{
	struct loader l = {.d = d};
	config_t *cf = es_checklist_read(path, d);

	if (!cf)
		return NULL;
	l.c = calloc(1, sizeof(*l.c));
	if (l.c && (l.c->path = strdup(path)))
		parse_checklist(&l, config_root_setting(cf));
	else
		l.oom = 1;
	if (l.oom)
		es_diags_add(d, path, 0, NULL, "out of memory");
	config_destroy(cf);
	free(cf);
	return l.c;
}

/* ---- lookups and release -------------------------------------------- */

struct es_plugin_conf *es_config_plugin(const struct es_config *c,
                                        const char *name)
{
	for (size_t i = 0; c && name && i < c->n_plugins; i++)
		if (c->plugins[i].name && strcmp(c->plugins[i].name, name) == 0)
			return &c->plugins[i];
	return NULL;
}

const struct es_environment *es_config_env(const struct es_config *c,
                                           const char *name)
{
	for (size_t i = 0; c && name && i < c->n_envs; i++)
		if (c->envs[i].name && strcmp(c->envs[i].name, name) == 0)
			return &c->envs[i];
	return NULL;
}

const char *es_config_env_value(const struct es_environment *e,
                                const char *name)
{
	for (size_t i = 0; e && e->names && name && e->names[i]; i++)
		if (strcmp(e->names[i], name) == 0)
			return e->values[i];
	return NULL;
}

void es_item_clear(struct es_manual_item *it)
{
	free(it->id);
	free(it->title);
	free(it->question);
	free(it->owner);
	free(it->answer);
	free_strings(it->depends_on);
	free(it->file);
	es_choices_free(it->choices, it->n_choices);
	free(it->answer_file);
	memset(it, 0, sizeof(*it));
}

void es_section_clear(struct es_section *s)
{
	free(s->id);
	free(s->title);
	free_strings(s->plugins);
	for (size_t i = 0; i < s->n_elements; i++)
		es_item_clear(&s->elements[i]);
	free(s->elements);
	for (size_t i = 0; i < s->n_manual; i++)
		es_item_clear(&s->manual[i]);
	free(s->manual);
	free(s->file);
	memset(s, 0, sizeof(*s));
}

void es_config_free(struct es_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_envs; i++) {
		free(c->envs[i].name);
		free_strings(c->envs[i].names);
		free_strings(c->envs[i].values);
		free(c->envs[i].file);
	}
	for (size_t i = 0; i < c->n_sections; i++)
		es_section_clear(&c->sections[i]);
	for (size_t i = 0; i < c->n_plugins; i++) {
		es_config_unbind(&c->plugins[i]);
		free(c->plugins[i].name);
		free(c->plugins[i].file);
	}
	if (c->impl)
		config_destroy(c->impl);
	free(c->impl);
	free(c->envs);
	free(c->sections);
	free(c->plugins);
	free(c->path);
	free(c->customer_id);
	free(c->customer_name);
	free(c->state_dir);
	free(c->state_key);
	free(c->state_backend);
	free(c->state_connection);
	free(c);
}
