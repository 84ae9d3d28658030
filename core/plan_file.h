/*
 * Saved plans: `envsetup plan --out FILE` writes the plan document (the
 * one `plan --json` prints) and `envsetup apply FILE` applies exactly
 * that plan, refusing when the customer file, the files it reads, the
 * state, a plugin or envsetup changed since. The format is described in
 * docs/cli.md ("Saved plans").
 *
 *   plan_digest.c  the SHA-256 of the files a plan was made from
 *   plan_file.c    the document's header members, checksum and writing
 *   plan_saved.c   reading a saved plan back and applying it
 */
#ifndef ENVSETUP_CORE_PLAN_FILE_H
#define ENVSETUP_CORE_PLAN_FILE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "config.h"

struct es_run;
struct es_node;
struct es_registry;

/* The one format_version of plan documents this code writes and reads. */
#define ES_PLAN_FORMAT_VERSION 1

#define ES_SHA256_HEX 65 /* 64 hex digits and the NUL */

/* plan_digest.c ---------------------------------------------------------- */

/* Hex SHA-256 of `len` bytes. 0/-1. */
int es_sha256_hex(const void *buf, size_t len, char out[ES_SHA256_HEX]);

/* {"path", "sha256", "files": [{"path", "sha256"}], "absent": [PATH]}
 * for `cfg`, bound for its environment (transfer full), or NULL with the
 * reason in err. */
cJSON *es_plan_config_digest(const struct es_config *cfg, char *err,
                             size_t errlen);

/* plan_file.c ------------------------------------------------------------ */

/* Add what makes a plan document a saved plan (versions, config digest,
 * state serial, plugins) to `doc`, which render.c started. Logs and
 * returns -1 when the config cannot be digested. */
int es_plan_file_header(struct es_run *run, cJSON *doc);
/* Mask what could hold a secret, add the checksum, and write the document
 * to run->opt.plan_out when set (not when `failed`: a plan that could not
 * be made is not applied). Returns an es_exit code. */
int es_plan_file_finish(struct es_run *run, cJSON *doc, int failed);
/* 1 when `path` is a saved plan rather than a customer file: it starts
 * with '{' (a libconfig file cannot) or is named *.plan or *.json. */
int es_plan_file_is_plan(const char *path);
/* "sha256:HEX" of `doc` printed compactly without its "checksum" member
 * (malloc'd), or NULL. */
char *es_plan_checksum(cJSON *doc);

/* plan_saved.c ----------------------------------------------------------- */

struct es_saved_plan;

/* Read `path` and check what it says about itself (JSON, checksum,
 * format and envsetup versions, `env` when not NULL). Logs the reason and
 * returns an es_exit code; on success *out is the plan. */
int es_saved_plan_read(const char *path, const char *env,
                       struct es_saved_plan **out);
void es_saved_plan_free(struct es_saved_plan *sp);
/* The customer file, environment and state directory it was made for. */
const char *es_saved_plan_config(const struct es_saved_plan *sp);
const char *es_saved_plan_env(const struct es_saved_plan *sp);
const char *es_saved_plan_state_dir(const struct es_saved_plan *sp);

/* After es_run_open: the state is at the plan's serial; the customer,
 * the digests of the customer file and what it reads, and the plugin
 * versions are the plan's. Then the run selects exactly the plan's
 * tasks. Logs what changed; returns an es_exit code (ES_EXIT_STALE when
 * the world moved). */
int es_saved_plan_bind(struct es_saved_plan *sp, struct es_run *run);
/* 1 when every change `n` plans now is one the saved plan reviewed;
 * otherwise 0 and *why (malloc'd) says which is not. */
int es_saved_plan_covers(const struct es_saved_plan *sp,
                         const struct es_run *run, const struct es_node *n,
                         char **why);

#endif
