/* The host sub-tables, defined in core/host_*.c and assembled in host.c. */
#ifndef ENVSETUP_CORE_HOST_TABLES_H
#define ENVSETUP_CORE_HOST_TABLES_H

#include "envsetup/host.h"

#include "http.h"

extern const struct es_json_api es_host_json;
/* The mail sub-table (host_mail.c). */
extern const struct es_mail_api es_host_mail;
/* host_templates.c; the release frees what a call read. */
extern const struct es_templates_api es_host_templates;
void es_host_templates_release(es_call *call);
/* The whole table handed to plugins. */
extern const struct es_host es_host_table;

/* "a.b[0].c" lookup shared by the JSON table and the core. */
es_json *es_json_path(const es_json *node, const char *path);

/* The HTTP service's hooks for one call (host.c): secrets, journal, log,
 * diagnostics, cancellation, the URL keys; the mail service shares them. */
void es_call_http_hooks(es_call *call, struct es_http_hooks *hooks);

/* The value of the call's plugin's i-th non-secret key of `type` that has
 * one for this environment (transfer none), its name in *name; NULL past
 * the last. String-valued types only (URL, STRING). */
const char *es_call_key_value(es_call *call, enum es_type type, size_t i,
                              const char **name);

#endif
