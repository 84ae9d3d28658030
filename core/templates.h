/*
 * The shared e-mail template directory (docs/templates.md): one folder per
 * template, <dir>/<name>/ holding template.cfg (subject, description,
 * variables), body.html and, optionally, body.txt. The core reads it for
 * every e-mail plugin, at `check` (config_templates.c) and for the
 * es_templates_api host service (host_templates.c), so no plugin opens a
 * file and all of them read one format.
 *
 * Files are read without following symbolic links and without blocking
 * (O_NOFOLLOW | O_NONBLOCK, then fstat: only regular files), so a FIFO
 * cannot hang a run and a link cannot carry /etc/passwd into a template.
 */
#ifndef ENVSETUP_CORE_TEMPLATES_H
#define ENVSETUP_CORE_TEMPLATES_H

#include <stddef.h>

#include "envsetup/host.h"

/* Largest template file read (any of the three); far above any e-mail. */
#define ES_TEMPLATE_FILE_MAX (512 * 1024)
/* Longest template name: SparkPost's id limit (64 bytes). */
#define ES_TEMPLATE_NAME_MAX 64

/* The platform's fourteen system notification templates (mno-enterprise
 * SystemNotificationMailer), NULL-terminated: what "platform" stands for
 * in a plugin's `templates` list. */
extern const char *const es_platform_templates[];

/* One problem found while reading: the file at fault (nullable: the
 * directory itself) and its line (0: none), and the message. */
typedef void (*es_template_report)(void *arg, const char *file, int line,
                                   const char *message);

struct es_template_set;

/*
 * Read every template of `dir`, and require the names in `required`
 * (n_required of them; "platform" stands for es_platform_templates).
 * Each problem goes to `report` (all of them, not only the first), and
 * *problems counts them. Returns the set (transfer full, free with
 * es_templates_free) when there was none, else NULL. Blocks on file I/O.
 */
struct es_template_set *es_templates_load(const char *dir,
                                          const char *const *required,
                                          size_t n_required,
                                          es_template_report report, void *arg,
                                          size_t *problems);
size_t es_templates_count(const struct es_template_set *set);
/* Template i in name order (transfer none; NULL out of range). */
const struct es_template *es_templates_get(const struct es_template_set *set,
                                           size_t i);
void es_templates_free(struct es_template_set *set);

#endif
