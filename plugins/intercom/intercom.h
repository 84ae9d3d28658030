/*
 * Internals of the intercom plugin, shared by its source files:
 *   intercom.c             schema, tasks, outputs, descriptor
 *   intercom_api.c         the client for Intercom: base URL, Bearer auth,
 *                          the pinned Intercom-Version, error.list errors
 *   intercom_workspace.c   the app id, the identity-verification secret and
 *                          the teammates (the workspace's own settings)
 *   intercom_data.c        custom data attributes and tags
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_INTERCOM_H
#define ENVSETUP_PLUGIN_INTERCOM_H

#include <stddef.h>

#include "envsetup/envsetup.h"

/* The API version every request pins: the one the conformance stage
 * checks against (../shared/specs/intercom-2.14.yaml). */
#define INTERCOM_VERSION "2.14"

/* ---- one task call -------------------------------------------------- */

struct ctx {
	const struct es_ctx *x;
	const struct es_host *h;
	es_call *call;
	enum es_phase phase;
	struct es_client api; /* Bearer {{secret:access_token}} */
};

/* Set up `c` for task call `x`: 0, or -1 with a diagnostic. */
int ic_open(const struct es_ctx *x, struct ctx *c);
/* 1 in the teardown phases (plan --destroy, destroy). */
int ic_teardown(const struct ctx *c);
/* The item of `list` whose "name" is `name`, case-insensitive as Intercom
 * compares tag names (es_json_find() is exact), or NULL. */
const es_json *ic_find_tag(struct ctx *c, const es_json *list,
                           const char *name);

/* ---- tasks: one function serves every phase --------------------------- */

/* intercom_workspace.c */
enum es_status ic_read_app(const struct es_ctx *x);
enum es_status ic_identity_secret(const struct es_ctx *x);
enum es_status ic_invite_teammates(const struct es_ctx *x);

/* intercom_data.c */
enum es_status ic_data_attributes(const struct es_ctx *x);
enum es_status ic_tags(const struct es_ctx *x);

#endif
