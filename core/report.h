/*
 * `envsetup report`: the checklist of one customer and environment as a
 * document to hand to the customer and the team. report.c reads the
 * config and the state into one JSON document (format_version 1,
 * docs/cli.md), which is also the json format; report_markdown.c and
 * report_html.c (with the pictures of report_svg.c) lay it out. Strings in
 * the document are as the state holds them: every writer passes them
 * through es_redact() on the way out, and secret outputs carry no value.
 */
#ifndef ENVSETUP_CORE_REPORT_H
#define ENVSETUP_CORE_REPORT_H

#include <stdarg.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/* The order states are counted and drawn in. */
extern const char *const es_report_states[5];

void es_report_markdown(const cJSON *doc, FILE *out);
void es_report_html(const cJSON *doc, FILE *out);

/* report_svg.c: inline pictures for the HTML page. */
void es_report_svg_progress(const cJSON *sections, FILE *out);
void es_report_svg_timeline(const cJSON *last_apply, FILE *out);
/* Text for HTML or SVG: redacted, then escaped. */
void es_report_html_text(FILE *out, const char *s);
/* `text` as it is, each %s in it replaced by the next argument (a string,
 * NULL: empty) written by `put` (which escapes it for the format). */
void es_report_vfill(FILE *out, void (*put)(FILE *, const char *),
                     const char *text, va_list ap);
/* es_report_vfill with es_report_html_text. */
void es_report_markup(FILE *out, const char *markup, ...);

/* What an output shows: "secret (...)" for a secret one, the summary of
 * a long one, or the value. */
const char *es_report_output_shown(const cJSON *output);

/* Small readers of the document: a member's string (or ""), number. */
const char *es_report_str(const cJSON *o, const char *name);
double es_report_num(const cJSON *o, const char *name);

#endif
