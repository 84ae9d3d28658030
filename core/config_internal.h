/*
 * Private to the config layer (config.c, config_file.c, config_schema.c,
 * config_value.c): what those files share beyond config.h.
 */
#ifndef ENVSETUP_CORE_CONFIG_INTERNAL_H
#define ENVSETUP_CORE_CONFIG_INTERNAL_H

#include <libconfig.h>
#include <stdarg.h>

#include "config.h"

/* Read `path` into `cf` (config_init'ed): refuse hostile files (missing,
 * empty, binary, too large, not regular) and @include problems (missing,
 * cycles, too deep) before libconfig parses anything, then parse the very
 * text checked, then refuse control characters in its strings. *dir is
 * the config's directory, absolute (transfer full; NULL on failure). 0 or
 * -1 after one diagnostic per problem. */
int es_libconfig_parse(config_t *cf, const char *path, struct es_diags *d,
                       char **dir);
/* For tests: called between the checks and the parse (test_config.c
 * swaps the file there). NULL in envsetup. */
extern void (*es_config_checked_hook)(const char *path);
/* A libconfig file read with the customer file's refusals (empty, binary,
 * huge, a FIFO, include cycles, control characters in its strings) and its
 * include folder: the parsed file
 * (config_destroy + free), or NULL with the problem in d. For the core's
 * other libconfig files: the shared checklist, platform mappings. */
config_t *es_libconfig_read(const char *path, struct es_diags *d);
/* Every string under `s` is still UTF-8 text without control characters
 * (tab and newline aside) once libconfig has read its escapes ("\xff",
 * "\x1b"); the number of problems, each reported (`file` when libconfig
 * names none). */
size_t es_config_check_strings(const config_setting_t *s, const char *file,
                               struct es_diags *d);

/* Free what es_config_bind attached to a plugin group (values, resolved
 * secrets, ca_file) and wipe the secrets. */
void es_config_unbind(struct es_plugin_conf *pc);

/* Read each template directory key of an enabled plugin group
 * (ES_FORMAT_TEMPLATES_DIR) and report its problems to d; their number
 * (config_templates.c). */
size_t es_config_check_templates(const struct es_plugin_conf *pc,
                                 struct es_diags *d);

/* A value before typing: from a setting, or from a default's text. */
struct es_raw_value {
	int type;                    /* CONFIG_TYPE_* */
	const char *s;               /* STRING */
	long long i;                 /* INT, INT64, BOOL */
	const config_setting_t *agg; /* ARRAY, LIST */
	const char *base_dir;        /* for ES_TYPE_PATH; nullable */
};

/* Type `r` by key `k` into `v` (str, i or list). `from_default` lets a
 * LIST default be one bare string. -1 with the reason in err, which never
 * holds the value of a secret key. */
int es_value_parse(const struct es_key *k, const struct es_raw_value *r,
                   struct es_value *v, int from_default, char *err,
                   size_t errlen);

/* Check a STRING value or one LIST item (`item`, 1-based; 0 for a
 * string) against the key's format and pattern. -1 with the reason in
 * err, which quotes the value (secret keys take neither rule). */
int es_value_check_text(const struct es_key *k, const char *s, size_t item,
                        char *err, size_t errlen);

/* Free a value's strings and mark it unset. */
void es_value_clear(struct es_value *v);

/* Shared by the loader's files: a problem at setting `s` (its file and
 * line; `fallback` at line 0 when s is NULL). */
void es_setting_problem(struct es_diags *d, const config_setting_t *s,
                        const char *fallback, const char *where,
                        const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void es_setting_vproblem(struct es_diags *d, const config_setting_t *s,
                         const char *fallback, const char *where,
                         const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

/* Free what an item or a section holds and zero it (config.c). */
void es_item_clear(struct es_manual_item *it);
void es_section_clear(struct es_section *s);

/* ---- the shared checklist (config_checklist.c) ---------------------- */

/* The file `checklist_file` names, relative to `dir` (the customer file's
 * folder), as messages will show it (free()); NULL after a diagnostic. */
char *es_checklist_path(const config_setting_t *root, const char *cfg_path,
                        const char *dir, struct es_diags *d);
/* Read a shared checklist file: the hostile-file checks, libconfig, and
 * nothing but a `checklist` list at the top. NULL after diagnostics. */
config_t *es_checklist_read(const char *path, struct es_diags *d);
/* Merge the customer's sections (c->sections, parsed partial) into the
 * shared ones (transfer full), which become c->sections. */
void es_checklist_merge(struct es_config *c, struct es_section *shared,
                        size_t n_shared, struct es_diags *d);
/* `drop`, `answers`, then the choices (es_choices_resolve). */
void es_checklist_apply(struct es_config *c, const config_setting_t *root,
                        struct es_diags *d);

/* An item found by id, and whether it is a manual one. */
struct es_item_ref {
	struct es_section *sec;
	struct es_manual_item *item;
	int manual;
};
struct es_item_ref es_checklist_find(struct es_section *secs, size_t n,
                                     const char *id);
const char *es_checklist_closest(const struct es_section *secs, size_t n,
                                 const char *id);
/* Clear the item and close the gap in its section. */
void es_checklist_remove(struct es_section *sec, struct es_manual_item *it);

/* ---- choices (config_choices.c) ------------------------------------ */

/* A set of names (plugins, item ids). */
struct es_names {
	char **v;
	size_t n;
};
int es_names_add(struct es_names *s, const char *name);
int es_names_has(const struct es_names *s, const char *name);
void es_names_free(struct es_names *s);

/* The `choices` of an element's group (NULL when it has none, or after a
 * diagnostic; `manual` items may not have any). */
struct es_choice *es_choices_parse(const config_setting_t *item, int manual,
                                   const char *where, const char *fallback,
                                   struct es_diags *d, size_t *count, int *oom);
void es_choices_free(struct es_choice *v, size_t n);
/* Turn plugin groups on or off and remove manual items as the answers
 * choose; `dropped` ids count as gone for depends_on. */
void es_choices_resolve(struct es_config *c, const config_setting_t *root,
                        const struct es_names *dropped, struct es_diags *d);

#endif
