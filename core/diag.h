/*
 * Diagnostics collected during one phase (config validation, a task call)
 * and printed together, so an operator sees every problem in one pass:
 *   file:line: where: message
 */
#ifndef ENVSETUP_CORE_DIAG_H
#define ENVSETUP_CORE_DIAG_H

#include <stddef.h>
#include <stdio.h>

struct es_diag_entry {
	char *file;    /* nullable */
	int line;      /* 0: unknown */
	char *where;   /* nullable: "mailgun.domain", "checklist[2].plugins" */
	char *message; /* redacted before it is stored */
};

struct es_diags {
	struct es_diag_entry *items;
	size_t count, cap;
};

/* Record one problem. Strings are copied; the message is redacted. */
void es_diags_add(struct es_diags *d, const char *file, int line,
                  const char *where, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Print all, one per line, as `file:line: where: message`. */
void es_diags_print(const struct es_diags *d, FILE *out);
void es_diags_clear(struct es_diags *d);

#endif
