/*
 * Answers that drive plugins (see docs/config.md, "Choices"): an element
 * with `choices` names, for each answer it can take, the plugins that run
 * and the manual items that stay. Resolved once per load, before the
 * cross-check, so the answer and the plugin groups cannot disagree
 * unnoticed:
 *   - what only the other choices name leaves the run: its plugin group is
 *     turned off, its manual items removed, and every depends_on on them
 *     dropped (a shared item may wait on aws or on azure, whichever runs);
 *   - a plugin group whose explicit `enabled` contradicts the answer, or a
 *     chosen plugin without a group, is an error at that line;
 *   - while the element is unanswered, its plugins run if their group is
 *     there and enabled, and all its manual items stay.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"

/* ---- name sets ------------------------------------------------------ */

int es_names_has(const struct es_names *s, const char *name)
{
	for (size_t i = 0; name && i < s->n; i++)
		if (strcmp(s->v[i], name) == 0)
			return 1;
	return 0;
}

int es_names_add(struct es_names *s, const char *name)
{
	char **grown;

	if (!name || es_names_has(s, name))
		return 0;
	grown = realloc(s->v, (s->n + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	s->v = grown;
	s->v[s->n] = strdup(name);
	return s->v[s->n] ? (int)(s->n++, 0) : -1;
}

void es_names_free(struct es_names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ---- parsing -------------------------------------------------------- */

static void free_strings(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* A string, or a list of non-empty strings, as a NULL-terminated copy;
 * an absent member gives an empty list. NULL after a reported problem. */
static char **choice_strings(const config_setting_t *g, const char *name,
                             const char *fallback, const char *where,
                             struct es_diags *d, int *oom)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	int single = s && config_setting_type(s) == CONFIG_TYPE_STRING;
	int n = !s ? 0 : single ? 1 : config_setting_length(s);
	char **out;

	if (s && !single && config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		es_setting_problem(d, s, fallback, where,
		                   "'%s' must be a list of strings", name);
		return NULL;
	}
	out = calloc((size_t)n + 1, sizeof(*out));
	if (!out) {
		*oom = 1;
		return NULL;
	}
	for (int i = 0, k = 0; i < n; i++) {
		const char *v = single ? config_setting_get_string(s)
		                       : config_setting_get_string_elem(s, i);

		if (!v || !*v) {
			es_setting_problem(d, s, fallback, where,
			                   "'%s' must hold non-empty strings",
			                   name);
			continue;
		}
		if (!(out[k++] = strdup(v)))
			*oom = 1;
	}
	return out;
}

static int parse_choice(const config_setting_t *g, const char *where,
                        const char *fallback, struct es_diags *d,
                        struct es_choice *ch, int *oom)
{
	static const char *const keys[] = {"answer", "plugins", "manual", NULL};
	const char *file = config_setting_source_file(g);

	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, i);
		const char *name = config_setting_name(m);
		const char *close = es_closest_match(name, keys);
		size_t k = 0;

		while (keys[k] && strcmp(keys[k], name) != 0)
			k++;
		if (!keys[k])
			es_setting_problem(
			    d, m, fallback, where, "unknown key '%s'%s%s%s",
			    name, close ? "; did you mean '" : "",
			    close ? close : "", close ? "'?" : "");
	}
	ch->answers = choice_strings(g, "answer", fallback, where, d, oom);
	ch->plugins = choice_strings(g, "plugins", fallback, where, d, oom);
	ch->manual = choice_strings(g, "manual", fallback, where, d, oom);
	ch->file = strdup(file ? file : fallback);
	ch->line = config_setting_source_line(g);
	if (!ch->file)
		*oom = 1;
	if (ch->answers && !ch->answers[0]) {
		es_setting_problem(d, g, fallback, where,
		                   "a choice needs the 'answer' it stands "
		                   "for: { answer = \"AWS\"; plugins = [ "
		                   "\"aws\" ]; }");
		return -1;
	}
	return ch->answers && ch->plugins && ch->manual ? 0 : -1;
}

struct es_choice *es_choices_parse(const config_setting_t *item, int manual,
                                   const char *where, const char *fallback,
                                   struct es_diags *d, size_t *count, int *oom)
{
	const config_setting_t *list =
	    config_setting_get_member(item, "choices");
	int n = list ? config_setting_length(list) : 0;
	struct es_choice *out;

	if (!list)
		return NULL;
	if (manual || config_setting_type(list) != CONFIG_TYPE_LIST || !n) {
		es_setting_problem(
		    d, list, fallback, where, "%s",
		    manual ? "only a question (an element) has 'choices'"
		           : "'choices' must be a list of groups: ( { answer = "
		             "\"AWS\"; plugins = [ \"aws\" ]; }, ... )");
		return NULL;
	}
	out = calloc((size_t)n, sizeof(*out));
	if (!out) {
		*oom = 1;
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, i);

		if (!config_setting_is_group(g)) {
			es_setting_problem(d, g, fallback, where,
			                   "each choice must be a group");
			continue;
		}
		/* Kept even when refused, so the free below sees it. */
		parse_choice(g, where, fallback, d, &out[(*count)++], oom);
	}
	return out;
}

void es_choices_free(struct es_choice *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free_strings(v[i].answers);
		free_strings(v[i].plugins);
		free_strings(v[i].manual);
		free(v[i].file);
	}
	free(v);
}

int es_choice_matches(const struct es_choice *ch, const char *answer)
{
	while (answer && (*answer == ' ' || *answer == '\t'))
		answer++;
	for (char **a = ch->answers; answer && a && *a; a++) {
		size_t n = strlen(*a);

		if (strncasecmp(answer, *a, n) == 0 &&
		    !isalnum((unsigned char)answer[n]))
			return 1;
	}
	return 0;
}

const struct es_choice *es_choice_of(const struct es_manual_item *it)
{
	for (size_t i = 0; it->answer && i < it->n_choices; i++)
		if (es_choice_matches(&it->choices[i], it->answer))
			return &it->choices[i];
	return NULL;
}

/* ---- resolving ------------------------------------------------------ */

/* What the elements decided for one plugin or manual item; the strongest
 * wins: one answer that runs it beats another that does not. */
enum pick_state { PICK_OPEN = 1, PICK_OFF = 2, PICK_ON = 3 };

struct pick {
	const char *name;
	enum pick_state state;
	const struct es_manual_item *by; /* the element that decided */
};

struct picks {
	struct pick *v;
	size_t n;
};

static int mark(struct picks *p, const char *name, enum pick_state state,
                const struct es_manual_item *by)
{
	struct pick *grown;

	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].name, name) == 0) {
			if (state > p->v[i].state)
				p->v[i] = (struct pick){name, state, by};
			return 0;
		}
	}
	grown = realloc(p->v, (p->n + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	p->v = grown;
	p->v[p->n++] = (struct pick){name, state, by};
	return 0;
}

/* Where an element's answer was written, and its key there. */
static const char *answer_file(const struct es_manual_item *it)
{
	return it->answer_file ? it->answer_file : it->file;
}

static int answer_line(const struct es_manual_item *it)
{
	return it->answer_file ? it->answer_line : it->line;
}

static void answer_key(const struct es_manual_item *it, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", it->answer_file ? "answers." : "", it->id);
}

static int section_lists(const struct es_config *c, const char *plugin)
{
	for (size_t s = 0; s < c->n_sections; s++)
		for (size_t p = 0; p < c->sections[s].n_plugins; p++)
			if (strcmp(c->sections[s].plugins[p], plugin) == 0)
				return 1;
	return 0;
}

/* A choice as messages name it: its first answer. */
static const char *choice_name(const struct es_choice *ch)
{
	return ch->answers && ch->answers[0] ? ch->answers[0] : "?";
}

/* Every plugin and manual item the element's choices name, marked. */
static int mark_element(const struct es_config *c,
                        const struct es_manual_item *it,
                        const struct es_names *dropped, struct picks *plugins,
                        struct picks *manual, struct es_diags *d)
{
	const struct es_choice *chosen = es_choice_of(it);
	int rc = 0;

	if (it->answer && !chosen) {
		char names[512] = "", key[160];

		for (size_t i = 0; i < it->n_choices; i++) {
			strncat(names, i ? ", " : "",
			        sizeof(names) - strlen(names) - 1);
			strncat(names, choice_name(&it->choices[i]),
			        sizeof(names) - strlen(names) - 1);
		}
		answer_key(it, key, sizeof(key));
		es_diags_add(d, answer_file(it), answer_line(it), key,
		             "the answer '%s' is none of this question's "
		             "choices (%s); begin it with one of them",
		             it->answer, names);
	}
	for (size_t i = 0; i < it->n_choices; i++) {
		const struct es_choice *ch = &it->choices[i];
		enum pick_state st = !chosen        ? PICK_OPEN
		                     : ch == chosen ? PICK_ON
		                                    : PICK_OFF;

		for (char **p = ch->plugins; p && *p; p++) {
			if (!section_lists(c, *p))
				es_diags_add(d, ch->file, ch->line, it->id,
				             "choice '%s' runs plugin '%s', "
				             "which no section lists in its "
				             "'plugins'",
				             choice_name(ch), *p);
			rc |= mark(plugins, *p, st, it);
		}
		for (char **m = ch->manual; m && *m; m++) {
			if (!es_checklist_find(c->sections, c->n_sections, *m)
			         .item &&
			    !es_names_has(dropped, *m))
				es_diags_add(d, ch->file, ch->line, it->id,
				             "choice '%s' keeps manual item "
				             "'%s', which the checklist does "
				             "not have",
				             choice_name(ch), *m);
			rc |= mark(manual, *m, st, it);
		}
	}
	return rc;
}

/* The plugins the element's answer runs, "aws, godaddy-ssl", for
 * messages. */
static void chosen_plugins(const struct es_manual_item *it, char *buf,
                           size_t len)
{
	const struct es_choice *ch = es_choice_of(it);

	buf[0] = '\0';
	for (char **p = ch ? ch->plugins : NULL; p && *p; p++) {
		strncat(buf, buf[0] ? ", " : "", len - strlen(buf) - 1);
		strncat(buf, *p, len - strlen(buf) - 1);
	}
	if (!buf[0])
		snprintf(buf, len, "no plugin, only manual items");
}

/* One plugin the choices name: on, off or left to its group. Adds the
 * plugins that do not run to `off`. */
static void settle_plugin(struct es_config *c, const config_setting_t *root,
                          const struct pick *pk, struct es_names *off,
                          struct es_diags *d)
{
	struct es_plugin_conf *pc = es_config_plugin(c, pk->name);
	const config_setting_t *groups =
	    config_setting_get_member(root, "plugins");
	const config_setting_t *g =
	    groups ? config_setting_get_member(groups, pk->name) : NULL;
	const config_setting_t *en =
	    g && config_setting_is_group(g)
	        ? config_setting_get_member(g, "enabled")
	        : NULL;
	char at[300], runs[256], where[160];

	snprintf(at, sizeof(at), "%s:%d", answer_file(pk->by),
	         answer_line(pk->by));
	snprintf(where, sizeof(where), "%s.enabled", pk->name);
	if (pk->state == PICK_ON && !pc) {
		answer_key(pk->by, where, sizeof(where));
		es_diags_add(d, answer_file(pk->by), answer_line(pk->by), where,
		             "the answer '%s' runs plugin '%s', which has no "
		             "group under 'plugins': add %s = { ... };",
		             pk->by->answer, pk->name, pk->name);
	} else if (pk->state == PICK_ON && en && !pc->enabled) {
		es_setting_problem(d, en, c->path, where,
		                   "false, but the answer '%s' to %s (%s) runs "
		                   "%s: enable it or change the answer",
		                   pk->by->answer, pk->by->id, at, pk->name);
	} else if (pk->state == PICK_OFF && pc && en && pc->enabled) {
		chosen_plugins(pk->by, runs, sizeof(runs));
		es_setting_problem(d, en, c->path, where,
		                   "true, but the answer '%s' to %s (%s) runs "
		                   "%s, not %s: change the answer, or drop "
		                   "'enabled' or the group",
		                   pk->by->answer, pk->by->id, at, runs,
		                   pk->name);
	}
	if (pk->state == PICK_OFF && pc)
		pc->enabled = 0;
	if (pk->state == PICK_ON ? !pc : !pc || !pc->enabled)
		es_names_add(off, pk->name);
}

static void prune_deps(struct es_manual_item *it, const struct es_names *off,
                       const struct es_names *gone)
{
	size_t k = 0;

	for (size_t i = 0; it->depends_on && it->depends_on[i]; i++) {
		char *dep = it->depends_on[i];
		const char *colon = strchr(dep, ':');
		int drop = 0;

		if (colon && strncmp(dep, "checklist:", 10) == 0)
			drop = es_names_has(gone, colon + 1);
		else if (colon) {
			char plugin[128];

			snprintf(plugin, sizeof(plugin), "%.*s",
			         (int)(colon - dep), dep);
			drop = es_names_has(off, plugin);
		}
		if (drop)
			free(dep);
		else
			it->depends_on[k++] = dep;
	}
	if (it->depends_on)
		it->depends_on[k] = NULL;
}

static void prune(struct es_config *c, const struct es_names *off,
                  const struct es_names *gone)
{
	for (size_t s = 0; s < c->n_sections; s++) {
		struct es_section *sec = &c->sections[s];
		size_t k = 0;

		for (size_t p = 0; p < sec->n_plugins; p++) {
			if (es_names_has(off, sec->plugins[p]))
				free(sec->plugins[p]);
			else
				sec->plugins[k++] = sec->plugins[p];
		}
		sec->n_plugins = k;
		if (sec->plugins)
			sec->plugins[k] = NULL;
		for (size_t i = 0; i < sec->n_elements; i++)
			prune_deps(&sec->elements[i], off, gone);
		for (size_t i = 0; i < sec->n_manual; i++)
			prune_deps(&sec->manual[i], off, gone);
	}
}

/* 1 when every enabled plugin group the element's choices name is one
 * that choice `ch` runs. */
static int choice_covers(const struct es_config *c,
                         const struct es_manual_item *it,
                         const struct es_choice *ch)
{
	for (size_t i = 0; i < it->n_choices; i++)
		for (char **p = it->choices[i].plugins; p && *p; p++) {
			const struct es_plugin_conf *pc =
			    es_config_plugin(c, *p);
			int ours = 0;

			for (char **q = ch->plugins; q && *q && !ours; q++)
				ours = strcmp(*p, *q) == 0;
			if (pc && pc->enabled && !ours)
				return 0;
		}
	return 1;
}

int es_choices_mixed(const struct es_config *c, const struct es_manual_item *it,
                     char *names, size_t len)
{
	struct es_names seen = {0};

	names[0] = '\0';
	if (it->answer || !it->n_choices)
		return 0;
	for (size_t i = 0; i < it->n_choices; i++)
		if (choice_covers(c, it, &it->choices[i]))
			return 0;
	for (size_t i = 0; i < it->n_choices; i++)
		for (char **p = it->choices[i].plugins; p && *p; p++) {
			const struct es_plugin_conf *pc =
			    es_config_plugin(c, *p);

			if (!pc || !pc->enabled || es_names_has(&seen, *p) ||
			    es_names_add(&seen, *p))
				continue;
			strncat(names, names[0] ? ", " : "",
			        len - strlen(names) - 1);
			strncat(names, *p, len - strlen(names) - 1);
		}
	es_names_free(&seen);
	return 1;
}

void es_choices_resolve(struct es_config *c, const config_setting_t *root,
                        const struct es_names *dropped, struct es_diags *d)
{
	struct picks plugins = {0}, manual = {0};
	struct es_names off = {0}, gone = {0};
	int oom = 0;

	for (size_t s = 0; s < c->n_sections; s++)
		for (size_t e = 0; e < c->sections[s].n_elements; e++)
			if (c->sections[s].elements[e].n_choices)
				oom |=
				    mark_element(c, &c->sections[s].elements[e],
				                 dropped, &plugins, &manual, d);
	for (size_t i = 0; i < plugins.n; i++)
		settle_plugin(c, root, &plugins.v[i], &off, d);
	for (size_t i = 0; i < dropped->n; i++)
		oom |= es_names_add(&gone, dropped->v[i]);
	for (size_t i = 0; i < manual.n; i++) {
		struct es_item_ref r;

		if (manual.v[i].state != PICK_OFF)
			continue;
		oom |= es_names_add(&gone, manual.v[i].name);
		r = es_checklist_find(c->sections, c->n_sections,
		                      manual.v[i].name);
		if (r.item)
			es_checklist_remove(r.sec, r.item);
	}
	prune(c, &off, &gone);
	if (oom)
		es_diags_add(d, c->path, 0, NULL, "out of memory");
	free(plugins.v);
	free(manual.v);
	es_names_free(&off);
	es_names_free(&gone);
}
