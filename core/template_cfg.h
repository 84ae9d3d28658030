/*
 * Private to the template reader (templates.c, template_cfg.c): one
 * template's template.cfg, and the {{variables}} its texts use.
 */
#ifndef ENVSETUP_CORE_TEMPLATE_CFG_H
#define ENVSETUP_CORE_TEMPLATE_CFG_H

#include <stddef.h>

#include "templates.h"

struct es_template_reader {
	const char *dir;
	es_template_report report;
	void *arg;
	size_t problems;
};

void es_template_problem(struct es_template_reader *r, const char *file,
                         int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* template.cfg's `text` (read from `path`) into t->subject, description,
 * variables and n_variables; each problem reported with its line. The
 * subject's variables are checked here, against its own line. */
void es_template_cfg_parse(struct es_template_reader *r, const char *path,
                           const char *text, struct es_template *t);

/* Report every {{expression}} of `text` (the file `path`, whose first
 * line is `first_line`) that is not closed, is a partial, or names a
 * variable t->variables does not declare. */
void es_template_vars_check(struct es_template_reader *r, const char *path,
                            const char *text, int first_line,
                            const struct es_template *t);

#endif
