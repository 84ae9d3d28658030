/*
 * envsetup init CUSTOMER_ID [--checklist FILE] (init.h): a new customer
 * file that names the shared checklist and holds nothing answered yet:
 * every question as a commented answer line, and each plugin group with
 * its required keys as commented placeholders. `check` then lists them
 * all as unanswered (exit 2), so the file is the to-do list itself.
 */
#include "init.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "data_path.h"
#include "loader.h"
#include "runner.h"

char *es_checklist_default(void)
{
	const char *env = getenv("ENVSETUP_CHECKLIST");

	if (env && *env)
		return strdup(env);
	return es_data_path("checklists/enterprise.cfg");
}

/* `to` as a path relative to folder `from` (both absolute, real). */
static void relative_path(const char *from, const char *to, char *out,
                          size_t len)
{
	size_t common = 0, i = 0;

	/* The longest common prefix that ends at a folder boundary. */
	while (from[i] && from[i] == to[i]) {
		i++;
		if (to[i] == '/' && (from[i] == '/' || !from[i]))
			common = i;
	}
	if (!from[i] && to[i] == '/')
		common = i;
	/* Nothing but the root in common: the absolute path says more. */
	if (common == 0) {
		snprintf(out, len, "%s", to);
		return;
	}
	out[0] = '\0';
	for (const char *p = from + common; *p; p++)
		if (*p == '/')
			strncat(out, "../", len - strlen(out) - 1);
	strncat(out, to + common + (to[common] == '/'), len - strlen(out) - 1);
}

static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A comment line: "# " and the text on one line. */
static void put_comment(FILE *f, const char *indent, const char *text)
{
	fprintf(f, "%s# ", indent);
	for (; text && *text; text++)
		fputc(*text == '\n' ? ' ' : *text, f);
	fputc('\n', f);
}

static size_t write_answers(FILE *f, const struct es_config *shared)
{
	size_t n = 0;

	fprintf(f, "# The questions to answer before start, section by "
	           "section: write the\n# answer after the id and remove "
	           "the '# ' before it.\nanswers = {\n");
	for (size_t s = 0; s < shared->n_sections; s++) {
		const struct es_section *sec = &shared->sections[s];

		if (sec->n_elements)
			fprintf(f, "  # -- %s %s\n", sec->id, sec->title);
		for (size_t e = 0; e < sec->n_elements; e++) {
			const struct es_manual_item *it = &sec->elements[e];

			put_comment(f, "  ", it->question);
			if (it->n_choices) {
				const char *sep = "";

				fprintf(f, "  #   begin it with one of:");
				for (size_t c = 0; c < it->n_choices; c++)
					for (char **a = it->choices[c].answers;
					     a && *a; a++, sep = ",")
						fprintf(f, "%s %s", sep, *a);
				fprintf(f, "\n");
			}
			fprintf(f, "  # %s = \"\";\n", it->id);
			n++;
		}
	}
	fprintf(f, "};\n\n");
	return n;
}

/* "runs when infra_provider is AWS" for a plugin some choice names. */
static void put_plugin_origin(FILE *f, const struct es_config *shared,
                              const char *sec_id, const char *plugin)
{
	fprintf(f, "  # %s: section %s", plugin, sec_id);
	for (size_t s = 0; s < shared->n_sections; s++)
		for (size_t e = 0; e < shared->sections[s].n_elements; e++) {
			const struct es_manual_item *it =
			    &shared->sections[s].elements[e];

			for (size_t c = 0; c < it->n_choices; c++)
				for (char **p = it->choices[c].plugins; p && *p;
				     p++)
					if (strcmp(*p, plugin) == 0)
						fprintf(
						    f, ", when %s is %s",
						    it->id,
						    it->choices[c].answers[0]);
		}
	fprintf(f, "\n");
}

/* The placeholder after "# key = ": the descriptor's example, else a
 * hint by type. */
static void put_placeholder(FILE *f, const char *plugin, const struct es_key *k)
{
	if (k->example && (k->example[0] == '[' || k->type == ES_TYPE_INT ||
	                   k->type == ES_TYPE_BOOL)) {
		fputs(k->example, f);
	} else if (k->example) {
		put_quoted(f, k->example);
	} else if (k->flags & ES_KEY_SECRET) {
		/* env:GODADDY_SSL_API_KEY: the variable an operator sets. */
		fprintf(f, "\"env:");
		for (const char *p = plugin; *p; p++)
			fputc(*p == '-' ? '_' : toupper((unsigned char)*p), f);
		fputc('_', f);
		for (const char *p = k->name; *p; p++)
			fputc(toupper((unsigned char)*p), f);
		fputc('"', f);
	} else if (k->type == ES_TYPE_LIST) {
		fputs("[ ]", f);
	} else if (k->type == ES_TYPE_ENUM && k->allowed && k->allowed[0]) {
		put_quoted(f, k->allowed[0]);
	} else {
		fputs(k->type == ES_TYPE_INT ? "0" : "\"\"", f);
	}
}

static size_t write_plugin(FILE *f, const struct es_config *shared,
                           const char *sec_id, const struct es_plugin *p)
{
	size_t n = 0;

	put_plugin_origin(f, shared, sec_id, p->name);
	fprintf(f, "  %s = {\n", p->name);
	for (size_t i = 0; i < p->n_keys; i++) {
		const struct es_key *k = p->keys[i];
		char note[192] = "";

		if (!(k->flags & ES_KEY_REQUIRED) && !k->required_when)
			continue;
		if (k->required_when)
			snprintf(note, sizeof(note), " (when %s)",
			         k->required_when);
		if (k->flags & ES_KEY_PER_ENV)
			strncat(note, " (may differ per environment)",
			        sizeof(note) - strlen(note) - 1);
		fprintf(f, "    # %s%s\n    # %s = ", k->question, note,
		        k->name);
		put_placeholder(f, p->name, k);
		fprintf(f, ";\n");
		n++;
	}
	fprintf(f, "  };\n");
	return n;
}

static size_t write_plugins(FILE *f, const struct es_config *shared,
                            const struct es_registry *reg)
{
	size_t n = 0;

	fprintf(f, "# One group per plugin the checklist can run. Those the "
	           "answers do not\n# choose stay off; a required key left "
	           "commented is unanswered.\nplugins = {\n");
	for (size_t s = 0; s < shared->n_sections; s++)
		for (size_t i = 0; i < shared->sections[s].n_plugins; i++) {
			const struct es_plugin *p = es_registry_find(
			    reg, shared->sections[s].plugins[i]);

			if (p)
				n += write_plugin(f, shared,
				                  shared->sections[s].id, p);
		}
	fprintf(f, "};\n");
	return n;
}

static void write_file(FILE *f, const char *id, const char *rel,
                       const struct es_config *shared,
                       const struct es_registry *reg, size_t *questions,
                       size_t *keys)
{
	fprintf(f,
	        "# Customer %s, written by `envsetup init %s`. The checklist "
	        "is shared\n# (checklist_file); this file holds what is the "
	        "customer's: the answers,\n# what differs, and the plugins' "
	        "keys. `envsetup check %s.cfg` lists\n# what is still "
	        "unanswered. Secrets: env:NAME or file:PATH only.\n\n"
	        "checklist_file = ",
	        id, id, id);
	put_quoted(f, rel);
	fprintf(f,
	        ";\n\ncustomer = { id = \"%s\"; name = \"%s\"; };\n\n"
	        "# One group per environment, with the values plugins may read "
	        "(domain, ...).\nenvironments = {\n  uat = { };\n"
	        "  production = { };\n};\n\n",
	        id, id);
	*questions = write_answers(f, shared);
	fprintf(f, "# What differs from the shared checklist: changed or "
	           "extra items by\n# section (an item with a known id changes "
	           "only the fields given),\n# and the ids of items that do "
	           "not apply. For example:\n"
	           "# checklist = ( { section = \"1\"; manual = ( { id = "
	           "\"vpn_access\"; owner = \"Our IT\"; } ); } );\n"
	           "# drop = [ \"email_branding\" ];\n\n");
	*keys = write_plugins(f, shared, reg);
}

/* lower-case letters, digits, '_' and '-', starting with a letter or
 * digit: the same rule as customer.id. */
static int id_ok(const char *id)
{
	return *id && *id != '_' && *id != '-' &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_-") ==
	           strlen(id);
}

static int load_parts(const char *checklist, const char *plugin_dir,
                      struct es_config **shared, struct es_registry *reg)
{
	struct es_diags d = {0};
	const char *names[64];
	size_t n = 0;

	*shared = es_config_load_checklist(checklist, &d);
	if (!*shared || d.count) {
		es_diags_print(&d, stderr);
		es_diags_clear(&d);
		return ES_EXIT_INPUT;
	}
	for (size_t s = 0; s < (*shared)->n_sections; s++)
		for (size_t i = 0;
		     i < (*shared)->sections[s].n_plugins && n < 64; i++)
			names[n++] = (*shared)->sections[s].plugins[i];
	if (es_registry_load(reg, plugin_dir, names, n, &d) || d.count) {
		es_diags_print(&d, stderr);
		es_diags_clear(&d);
		return ES_EXIT_PLUGIN;
	}
	return ES_EXIT_OK;
}

int es_init_customer(const char *id, const char *checklist,
                     const char *plugin_dir)
{
	struct es_registry reg = {0};
	struct es_config *shared = NULL;
	char path[PATH_MAX], cwd[PATH_MAX], real[PATH_MAX], rel[PATH_MAX];
	size_t questions = 0, keys = 0;
	int rc, fd;
	FILE *f;

	if (!id_ok(id)) {
		fprintf(stderr,
		        "envsetup init: '%s' is not a valid customer id: use "
		        "lowercase letters, digits, '_' and '-', starting with "
		        "a letter or digit\n",
		        id);
		return ES_EXIT_INPUT;
	}
	if (!realpath(checklist, real) || !getcwd(cwd, sizeof(cwd))) {
		fprintf(stderr, "envsetup init: %s: %s\n", checklist,
		        strerror(errno));
		return ES_EXIT_INPUT;
	}
	rc = load_parts(checklist, plugin_dir, &shared, &reg);
	snprintf(path, sizeof(path), "%s.cfg", id);
	/* Never over an existing file: it may hold a customer's answers. */
	fd =
	    rc ? -1 : open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (!rc && fd < 0) {
		fprintf(stderr, "envsetup init: cannot create %s: %s\n", path,
		        strerror(errno));
		rc = ES_EXIT_INPUT;
	}
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (f) {
		relative_path(cwd, real, rel, sizeof(rel));
		write_file(f, id, rel, shared, &reg, &questions, &keys);
		if (fclose(f) != 0) {
			fprintf(stderr, "envsetup init: writing %s: %s\n", path,
			        strerror(errno));
			unlink(path);
			rc = ES_EXIT_INPUT;
		} else {
			printf("wrote %s: %zu questions and %zu plugin keys to "
			       "answer; `envsetup check %s` lists them.\n",
			       path, questions, keys, path);
		}
	} else if (fd >= 0) {
		close(fd);
		unlink(path);
		rc = ES_EXIT_INPUT;
	}
	es_config_free(shared);
	es_registry_free(&reg);
	return rc;
}
