/*
 * Output references: a customer-file value that reads another plugin's
 * output, "${mailgun.smtp_host}" inside a string, "${mailgun.dns_records}"
 * as a whole records value, "${godaddy-ssl.status:app.acme.example}" for
 * one item of a per-item output (plugin.h says what may go where).
 *
 *   config_refs.c    the parser, and the checks `check` makes (bind time)
 *   config_records.c ES_TYPE_RECORDS values: typing and record rules
 *   refs.c           a run: the graph edges, resolution before a task is
 *                    called, what the host's config table reads
 *
 * A literal "${" cannot be written: every "${" starts a reference, so a
 * typo is refused at `check` instead of reaching a provider.
 */
#ifndef ENVSETUP_CORE_REFS_H
#define ENVSETUP_CORE_REFS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "diag.h"

/* At most this many references in one string. */
#define ES_REF_MAX 16

struct es_ref {
	char plugin[64];  /* "mailgun", "godaddy-ssl" */
	char output[256]; /* "dns_records", "status:app.acme.example" */
	size_t start;     /* the "${...}" span in the text */
	size_t len;
};

/* 1 when `s` holds "${" (a reference, well formed or not). */
int es_ref_present(const char *s);
/* 1 when a value (a string, or any item of a list) holds one; marked
 * values (es_value_mark_refs, at es_config_bind) answer without a scan. */
int es_value_has_refs(const struct es_value *v);
void es_value_mark_refs(struct es_value *v);

/* The references of `s`, up to `max` into `out`: their count, or -1 with
 * the reason in err (a malformed one, too many). */
int es_ref_scan(const char *s, struct es_ref *out, size_t max, char *err,
                size_t errlen);

/* 1 when `s` is exactly one reference, which goes to *ref. */
int es_ref_whole(const char *s, struct es_ref *ref);

/* "mailgun.dns_records" (or "...:item") into buf. */
const char *es_ref_name(const struct es_ref *r, char *buf, size_t len);

/* `s` with each reference replaced by what lookup returns (transfer full,
 * or NULL: not known yet). Returns the text (transfer full), or NULL with
 * *missing set to the first reference not known, or out of memory
 * (missing->plugin empty). */
char *es_ref_expand(const char *s,
                    char *(*lookup)(void *arg, const struct es_ref *r),
                    void *arg, struct es_ref *missing);

/* Every reference of the enabled plugins' values against the producing
 * plugins' descriptors (`descs`): an unknown plugin or output, a disabled
 * plugin, a type or a secrecy that does not fit the key, each reported
 * as file:line: plugin.key. Returns the number of problems added. */
size_t es_refs_check(const struct es_config *c,
                     const struct es_plugin_descriptor *const *descs,
                     size_t n_descs, struct es_diags *d);

/* ---- ES_TYPE_RECORDS (config_records.c) ------------------------------ */

/* Type a records value into JSON text (transfer full): `text`, one
 * reference alone, or `list` (a libconfig list or array of groups and
 * references). Groups become {type, name, value[, priority, ttl]}
 * objects, references stay strings. NULL with the reason in err. */
char *es_records_parse(const char *text, const void *list, char *err,
                       size_t errlen);

/* Check one record and append its normal form to `out`: type upper case
 * and known, name and value non-empty, priority (MX: required) and ttl
 * numbers. `strict` (the customer file) also refuses unknown members;
 * an output's are ignored. -1 with the reason in err. */
int es_record_normalize(const cJSON *in, cJSON *out, int strict, char *err,
                        size_t errlen);

#endif
