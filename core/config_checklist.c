/*
 * The shared checklist and what a customer file changes in it (see
 * docs/config.md, "The shared checklist"):
 *   checklist_file  the shared file (es_checklist_path, es_checklist_read);
 *   checklist       the customer's changes, by section, merged into the
 *                   shared sections (es_checklist_merge): an item whose id
 *                   the shared file has changes the fields it gives, a new
 *                   id is added;
 *   drop, answers   items removed, elements answered (es_checklist_apply);
 *   choices         an element's answer picks which plugins and manual
 *                   items run, and the plugin groups must agree with it
 *                   (config_choices.c).
 * Everything is reported where it was written: a problem in the shared
 * file names that file and line.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_internal.h"

void es_setting_vproblem(struct es_diags *d, const config_setting_t *s,
                         const char *fallback, const char *where,
                         const char *fmt, va_list ap)
{
	const char *file = s ? config_setting_source_file(s) : NULL;
	char text[1024];

	vsnprintf(text, sizeof(text), fmt, ap);
	es_diags_add(d, file ? file : fallback,
	             s ? (int)config_setting_source_line(s) : 0, where, "%s",
	             text);
}

void es_setting_problem(struct es_diags *d, const config_setting_t *s,
                        const char *fallback, const char *where,
                        const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	es_setting_vproblem(d, s, fallback, where, fmt, ap);
	va_end(ap);
}

/* ---- the shared file ------------------------------------------------ */

/* The path as the operator will read it in messages: relative to the
 * current directory when below it, else absolute. */
static char *shown_path(const char *real)
{
	char cwd[PATH_MAX];
	size_t n;

	if (getcwd(cwd, sizeof(cwd))) {
		n = strlen(cwd);
		if (strncmp(real, cwd, n) == 0 && real[n] == '/')
			return strdup(real + n + 1);
	}
	return strdup(real);
}

char *es_checklist_path(const config_setting_t *root, const char *cfg_path,
                        const char *dir, struct es_diags *d)
{
	const config_setting_t *s =
	    config_setting_get_member(root, "checklist_file");
	const char *name = config_setting_get_string(s);
	char full[PATH_MAX], real[PATH_MAX];
	char *shown;

	if (!name || !*name) {
		es_setting_problem(d, s, cfg_path, "checklist_file",
		                   "'checklist_file' must name a file: "
		                   "checklist_file = "
		                   "\"../checklists/enterprise.cfg\";");
		return NULL;
	}
	if ((size_t)snprintf(full, sizeof(full), "%s%s%s",
	                     name[0] == '/' ? "" : dir,
	                     name[0] == '/' ? "" : "/", name) >= sizeof(full) ||
	    !realpath(full, real)) {
		es_setting_problem(d, s, cfg_path, "checklist_file",
		                   "cannot open %s: %s", name,
		                   strerror(errno ? errno : ENAMETOOLONG));
		return NULL;
	}
	shown = shown_path(real);
	if (!shown)
		es_diags_add(d, cfg_path, 0, NULL, "out of memory");
	return shown;
}

config_t *es_checklist_read(const char *path, struct es_diags *d)
{
	static const char *const keys[] = {"checklist"};
	const config_setting_t *root, *list;
	char *dir = NULL;
	config_t *cf;
	int ok = 1;

	/* The same refusals as a customer file: empty, binary, huge,
	 * include cycles, each naming the shared file. */
	if (es_config_check_files(path, d, &dir) < 0) {
		free(dir);
		return NULL;
	}
	cf = calloc(1, sizeof(*cf));
	if (!cf) {
		es_diags_add(d, path, 0, NULL, "out of memory");
		free(dir);
		return NULL;
	}
	config_init(cf);
	config_set_include_dir(cf, dir);
	free(dir);
	if (!config_read_file(cf, path)) {
		es_diags_add(
		    d, config_error_file(cf) ? config_error_file(cf) : path,
		    config_error_line(cf), NULL, "%s", config_error_text(cf));
		ok = 0;
	}
	root = ok ? config_root_setting(cf) : NULL;
	if (root && es_config_check_strings(root, path, d))
		ok = 0;
	for (int i = 0; root && i < config_setting_length(root); i++) {
		const config_setting_t *m = config_setting_get_elem(root, i);
		const char *name = config_setting_name(m);

		if (strcmp(name, keys[0]) != 0) {
			es_setting_problem(
			    d, m, path, name,
			    "unknown key '%s': a shared checklist "
			    "holds only 'checklist'; the "
			    "customer, answers and plugins are in "
			    "each customer file",
			    name);
			ok = 0;
		}
	}
	list = root ? config_setting_get_member(root, "checklist") : NULL;
	if (root && (!list || config_setting_type(list) != CONFIG_TYPE_LIST)) {
		es_setting_problem(d, list, path, "checklist",
		                   "a shared checklist needs the 'checklist' "
		                   "list: checklist = ( { section = \"1\"; "
		                   "title = ...; }, ... );");
		ok = 0;
	}
	if (!ok) {
		config_destroy(cf);
		free(cf);
		return NULL;
	}
	return cf;
}

/* ---- finding items -------------------------------------------------- */

struct es_item_ref es_checklist_find(struct es_section *secs, size_t n,
                                     const char *id)
{
	struct es_item_ref r = {0};

	for (size_t s = 0; id && s < n; s++) {
		for (int manual = 0; manual < 2; manual++) {
			struct es_manual_item *v =
			    manual ? secs[s].manual : secs[s].elements;
			size_t count =
			    manual ? secs[s].n_manual : secs[s].n_elements;

			for (size_t i = 0; i < count; i++) {
				if (v[i].id && strcmp(v[i].id, id) == 0) {
					r.sec = &secs[s];
					r.item = &v[i];
					r.manual = manual;
					return r;
				}
			}
		}
	}
	return r;
}

/* The closest item id to `id`, for "did you mean"; NULL if none. */
const char *es_checklist_closest(const struct es_section *secs, size_t n,
                                 const char *id)
{
	const char **ids;
	const char *best;
	size_t k = 0, total = 0;

	for (size_t s = 0; s < n; s++)
		total += secs[s].n_elements + secs[s].n_manual;
	ids = calloc(total + 1, sizeof(*ids));
	if (!ids)
		return NULL;
	for (size_t s = 0; s < n; s++) {
		for (size_t i = 0; i < secs[s].n_elements; i++)
			if (secs[s].elements[i].id)
				ids[k++] = secs[s].elements[i].id;
		for (size_t i = 0; i < secs[s].n_manual; i++)
			if (secs[s].manual[i].id)
				ids[k++] = secs[s].manual[i].id;
	}
	best = es_closest_match(id, ids);
	free(ids);
	return best;
}

/* Move `it` to the end of the section's elements or manual items. */
static int append_item(struct es_section *sec, int manual,
                       struct es_manual_item *it)
{
	struct es_manual_item **v = manual ? &sec->manual : &sec->elements;
	size_t *n = manual ? &sec->n_manual : &sec->n_elements;
	struct es_manual_item *grown = realloc(*v, (*n + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	*v = grown;
	grown[(*n)++] = *it;
	memset(it, 0, sizeof(*it));
	return 0;
}

void es_checklist_remove(struct es_section *sec, struct es_manual_item *it)
{
	int manual = it >= sec->manual && it < sec->manual + sec->n_manual;
	struct es_manual_item *v = manual ? sec->manual : sec->elements;
	size_t *n = manual ? &sec->n_manual : &sec->n_elements;
	size_t i = (size_t)(it - v);

	es_item_clear(it);
	memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(*v));
	(*n)--;
}

/* ---- merging the customer's changes --------------------------------- */

static void take(char **dst, char **src)
{
	if (!*src)
		return;
	free(*dst);
	*dst = *src;
	*src = NULL;
}

/* A change to an item of the shared file: the fields it gives replace
 * the shared ones. Its depends_on problems are the customer's, so the
 * item then points at the customer's line. */
static void patch_item(struct es_manual_item *to, struct es_manual_item *from)
{
	take(&to->title, &from->title);
	take(&to->question, &from->question);
	take(&to->owner, &from->owner);
	take(&to->answer, &from->answer);
	if (from->depends_on && from->depends_on[0]) {
		char **old = to->depends_on;

		to->depends_on = from->depends_on;
		from->depends_on = old;
		take(&to->file, &from->file);
		to->line = from->line;
	}
	if (from->choices) {
		es_choices_free(to->choices, to->n_choices);
		to->choices = from->choices;
		to->n_choices = from->n_choices;
		from->choices = NULL;
		from->n_choices = 0;
	}
}

static void merge_item(struct es_section *shared, size_t n_shared,
                       struct es_section *sec, int manual,
                       struct es_manual_item *it, struct es_diags *d)
{
	struct es_item_ref r = es_checklist_find(shared, n_shared, it->id);

	if (!it->id)
		return;
	if (r.item && (r.sec != sec || r.manual != manual)) {
		es_diags_add(d, it->file, it->line, it->id,
		             "'%s' is %s of section %s in the shared checklist "
		             "(%s:%d); change it there",
		             it->id, r.manual ? "a manual item" : "an element",
		             r.sec->id, r.item->file, r.item->line);
	} else if (r.item) {
		patch_item(r.item, it);
	} else if (!it->question || (manual && !it->title)) {
		const char *close =
		    es_checklist_closest(shared, n_shared, it->id);

		es_diags_add(d, it->file, it->line, it->id,
		             "'%s' is not in the shared checklist%s%s%s; a "
		             "new item needs %s",
		             it->id, close ? " (did you mean '" : "",
		             close ? close : "", close ? "'?)" : "",
		             manual ? "a title and a question" : "a question");
	} else if (append_item(sec, manual, it) < 0) {
		es_diags_add(d, it->file, it->line, it->id, "out of memory");
	}
}

static void merge_section(struct es_section *shared, size_t n_shared,
                          struct es_section *sec, struct es_section *add,
                          struct es_diags *d)
{
	take(&sec->title, &add->title);
	for (size_t i = 0; i < add->n_plugins; i++) {
		char **grown = realloc(sec->plugins,
		                       (sec->n_plugins + 2) * sizeof(*grown));

		if (!grown) {
			es_diags_add(d, add->file, add->line, NULL,
			             "out of memory");
			return;
		}
		sec->plugins = grown;
		grown[sec->n_plugins++] = add->plugins[i];
		grown[sec->n_plugins] = NULL;
		add->plugins[i] = NULL;
	}
	for (size_t i = 0; i < add->n_elements; i++)
		merge_item(shared, n_shared, sec, 0, &add->elements[i], d);
	for (size_t i = 0; i < add->n_manual; i++)
		merge_item(shared, n_shared, sec, 1, &add->manual[i], d);
}

/* A section the shared file does not have: added whole, after the
 * shared ones, so it needs what a section of a full checklist needs. */
static int add_section(struct es_section **shared, size_t *n_shared,
                       struct es_section *add, struct es_diags *d)
{
	struct es_section *grown;
	int incomplete = !add->title;

	for (size_t i = 0; i < add->n_elements; i++)
		incomplete |= !add->elements[i].question;
	for (size_t i = 0; i < add->n_manual; i++)
		incomplete |= !add->manual[i].question || !add->manual[i].title;
	if (incomplete) {
		es_diags_add(d, add->file, add->line, add->id,
		             "section '%s' is not in the shared checklist; a "
		             "new section needs a title, and each of its "
		             "items a question (and a title for manual ones)",
		             add->id);
		return 0;
	}
	grown = realloc(*shared, (*n_shared + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	*shared = grown;
	grown[(*n_shared)++] = *add;
	memset(add, 0, sizeof(*add));
	return 0;
}

void es_checklist_merge(struct es_config *c, struct es_section *shared,
                        size_t n_shared, struct es_diags *d)
{
	struct es_section *adds = c->sections;
	size_t n_adds = c->n_sections;

	for (size_t a = 0; a < n_adds; a++) {
		struct es_section *add = &adds[a];
		struct es_section *sec = NULL;

		for (size_t s = 0; add->id && s < n_shared && !sec; s++)
			if (shared[s].id && strcmp(shared[s].id, add->id) == 0)
				sec = &shared[s];
		if (sec)
			merge_section(shared, n_shared, sec, add, d);
		else if (add->id && add_section(&shared, &n_shared, add, d) < 0)
			es_diags_add(d, add->file, add->line, NULL,
			             "out of memory");
		es_section_clear(add);
	}
	free(adds);
	c->sections = shared;
	c->n_sections = n_shared;
}

/* ---- drop and answers ----------------------------------------------- */

static void apply_drop(struct es_config *c, const config_setting_t *root,
                       struct es_names *dropped, struct es_diags *d)
{
	const config_setting_t *s = config_setting_get_member(root, "drop");
	int n = s ? config_setting_length(s) : 0;

	if (s && config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		es_setting_problem(d, s, c->path, "drop",
		                   "'drop' must be a list of item ids: "
		                   "drop = [ \"email_branding\" ];");
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		const char *id = config_setting_get_string(e);
		struct es_item_ref r =
		    es_checklist_find(c->sections, c->n_sections, id);
		const char *close;

		if (r.item) {
			if (es_names_add(dropped, id) < 0)
				es_diags_add(d, c->path, 0, NULL,
				             "out of memory");
			es_checklist_remove(r.sec, r.item);
			continue;
		}
		close =
		    id ? es_checklist_closest(c->sections, c->n_sections, id)
		       : NULL;
		es_setting_problem(d, e, c->path, "drop",
		                   "'%s' is no item of the checklist%s%s%s",
		                   id ? id : "(not a string)",
		                   close ? "; did you mean '" : "",
		                   close ? close : "", close ? "'?" : "");
	}
}

/* The element's answer, and where the customer wrote it. */
static int set_answer(struct es_manual_item *it, const char *text,
                      const config_setting_t *a, const char *fallback)
{
	const char *file = config_setting_source_file(a);

	free(it->answer);
	free(it->answer_file);
	it->answer = strdup(text);
	it->answer_file = strdup(file ? file : fallback);
	it->answer_line = config_setting_source_line(a);
	return it->answer && it->answer_file ? 0 : -1;
}

static void apply_answers(struct es_config *c, const config_setting_t *root,
                          struct es_diags *d)
{
	const config_setting_t *g = config_setting_get_member(root, "answers");
	int n = g ? config_setting_length(g) : 0;

	if (g && !config_setting_is_group(g)) {
		es_setting_problem(d, g, c->path, "answers",
		                   "'answers' must be a group: answers = { "
		                   "infra_provider = \"AWS\"; };");
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *a = config_setting_get_elem(g, i);
		const char *id = config_setting_name(a);
		const char *text = config_setting_get_string(a);
		struct es_item_ref r =
		    es_checklist_find(c->sections, c->n_sections, id);
		const char *close;
		char where[160];

		snprintf(where, sizeof(where), "answers.%s", id);
		if (r.item && r.manual) {
			es_setting_problem(d, a, c->path, where,
			                   "'%s' is a manual item, not a "
			                   "question: `envsetup confirm` signs "
			                   "it off",
			                   id);
		} else if (!r.item) {
			close = es_checklist_closest(c->sections, c->n_sections,
			                             id);
			es_setting_problem(d, a, c->path, where,
			                   "'%s' is no question of the "
			                   "checklist%s%s%s",
			                   id, close ? "; did you mean '" : "",
			                   close ? close : "",
			                   close ? "'?" : "");
		} else if (!text || !*text) {
			es_setting_problem(d, a, c->path, where,
			                   "an answer is a non-empty string; "
			                   "leave the line out (or commented) "
			                   "while unanswered");
		} else if (set_answer(r.item, text, a, c->path) < 0) {
			es_diags_add(d, c->path, 0, NULL, "out of memory");
		}
	}
}

void es_checklist_apply(struct es_config *c, const config_setting_t *root,
                        struct es_diags *d)
{
	struct es_names dropped = {0};

	apply_drop(c, root, &dropped, d);
	apply_answers(c, root, d);
	es_choices_resolve(c, root, &dropped, d);
	es_names_free(&dropped);
}
