/*
 * Internals of the sidekiq plugin, shared by its source files:
 *   sidekiq.c              schema, tasks, outputs, descriptor
 *   sidekiq_credentials.c  the generated basic-auth logins
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_SIDEKIQ_H
#define ENVSETUP_PLUGIN_SIDEKIQ_H

#include "envsetup/envsetup.h"

/* Length of a generated password: long-lived, typed by no one. */
#define SIDEKIQ_PASSWORD_LENGTH 32

/* ---- tasks: one function serves every phase ------------------------- */

enum es_status sidekiq_credentials(const struct es_ctx *x);

#endif
