/* The host sub-tables, defined in core/host_*.c and assembled in host.c. */
#ifndef ENVSETUP_CORE_HOST_TABLES_H
#define ENVSETUP_CORE_HOST_TABLES_H

#include "envsetup/host.h"

extern const struct es_json_api es_host_json;
/* host_templates.c; the release frees what a call read. */
extern const struct es_templates_api es_host_templates;
void es_host_templates_release(es_call *call);
/* The whole table handed to plugins. */
extern const struct es_host es_host_table;

/* "a.b[0].c" lookup shared by the JSON table and the core. */
es_json *es_json_path(const es_json *node, const char *path);

#endif
