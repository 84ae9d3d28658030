/*
 * Describing plugins and questions: `plugins list`, `plugins describe`
 * and `check`. Everything here comes from descriptors and the config;
 * no plugin callback runs.
 */
#ifndef ENVSETUP_CORE_DESCRIBE_H
#define ENVSETUP_CORE_DESCRIBE_H

#include <stdio.h>

#include "run.h"

/* How `plugins describe` prints: text, --json, or --markdown (the reference
 * checked in as docs/plugins/<name>.md). */
enum es_describe_format {
	ES_DESCRIBE_TEXT = 0,
	ES_DESCRIBE_JSON = 1,
	ES_DESCRIBE_MARKDOWN = 2,
};

/* Names of a key type ("duration") and an output type ("dns records"). */
const char *es_key_type_name(enum es_type type);
const char *es_output_type_name(enum es_output_type type);
/* The Markdown reference of one loaded plugin (describe_markdown.c). */
void es_describe_markdown(FILE *out, const struct es_plugin *p);

int es_describe_list(const char *plugin_dir, int json);
int es_describe_plugin(const char *plugin_dir, const char *name,
                       enum es_describe_format format);
/* The elements still unanswered, section by section (exit 0 or 2). */
int es_describe_unanswered(struct es_run *run, int json);

#endif
