/*
 * Describing plugins and questions: `plugins list`, `plugins describe`
 * and `check`. Everything here comes from descriptors and the config;
 * no plugin callback runs.
 */
#ifndef ENVSETUP_CORE_DESCRIBE_H
#define ENVSETUP_CORE_DESCRIBE_H

#include "run.h"

int es_describe_list(const char *plugin_dir, int json);
int es_describe_plugin(const char *plugin_dir, const char *name, int json);
/* The elements still unanswered, section by section (exit 0 or 2). */
int es_describe_unanswered(struct es_run *run, int json);

#endif
