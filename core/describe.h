/*
 * Describing plugins and questions: `plugins list`, `plugins describe`
 * and `check`. Everything here comes from descriptors and the config;
 * no plugin callback runs.
 */
#ifndef ENVSETUP_CORE_DESCRIBE_H
#define ENVSETUP_CORE_DESCRIBE_H

#include "run.h"

/* How `plugins describe` prints: text, --json, or --markdown (the reference
 * checked in as docs/plugins/<name>.md). */
enum es_describe_format {
	ES_DESCRIBE_TEXT = 0,
	ES_DESCRIBE_JSON = 1,
	ES_DESCRIBE_MARKDOWN = 2,
};

int es_describe_list(const char *plugin_dir, int json);
int es_describe_plugin(const char *plugin_dir, const char *name,
                       enum es_describe_format format);
/* The elements still unanswered, section by section (exit 0 or 2). */
int es_describe_unanswered(struct es_run *run, int json);

#endif
