/* Diagnostics sink (see diag.h). */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void es_diags_add(struct es_diags *d, const char *file, int line,
                  const char *where, const char *fmt, ...)
{
	struct es_diag_entry *e;
	char text[2048];
	va_list ap;

	if (d->count == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct es_diag_entry *grown =
		    realloc(d->items, cap * sizeof(*grown));

		if (!grown)
			return;
		d->items = grown;
		d->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	e = &d->items[d->count++];
	e->file = dup_or_null(file);
	e->line = line;
	e->where = dup_or_null(where);
	e->message = es_redact(text);
}

void es_diags_print(const struct es_diags *d, FILE *out)
{
	for (size_t i = 0; i < d->count; i++) {
		const struct es_diag_entry *e = &d->items[i];

		if (e->file && e->line > 0)
			fprintf(out, "%s:%d: ", e->file, e->line);
		else if (e->file)
			fprintf(out, "%s: ", e->file);
		if (e->where)
			fprintf(out, "%s: ", e->where);
		fprintf(out, "%s\n",
		        e->message ? e->message : "(out of memory)");
	}
}

void es_diags_clear(struct es_diags *d)
{
	for (size_t i = 0; i < d->count; i++) {
		free(d->items[i].file);
		free(d->items[i].where);
		free(d->items[i].message);
	}
	free(d->items);
	d->items = NULL;
	d->count = d->cap = 0;
}
