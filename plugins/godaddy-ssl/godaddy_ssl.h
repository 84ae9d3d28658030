/*
 * Internals of the godaddy-ssl plugin, shared by its source files:
 *   godaddy_ssl.c       schema, tasks, dispatch, validate, descriptor
 *   godaddy_api.c       callback context helpers, requests, error mapping
 *   godaddy_dns.c       dns_records and the domain-control TXT record
 *   godaddy_certs.c     certificate files, certificate_key, order_certificate
 *   godaddy_issuance.c  validate_domain, wait_issued, download_certificate
 *   csr.c               keys, CSRs and files (libcrypto, no host)
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_GODADDY_SSL_H
#define ENVSETUP_PLUGIN_GODADDY_SSL_H

#include <stddef.h>

#include "csr.h"
#include "envsetup/envsetup.h"

/* ---- one callback's context ------------------------------------------ */

struct godaddy {
	const struct es_host *host;
};

struct ctx {
	const struct es_host *h;
	es_call *call;
	enum es_phase phase;
	const char *domain;
	char base[512];
	char dir[4096]; /* secrets_dir/customer/environment */
};

/* ---- context helpers (godaddy_api.c) ---------------------------------- */

const char *gd_cfg(struct ctx *c, const char *key);
size_t gd_n_items(struct ctx *c, const char *key);
const char *gd_item(struct ctx *c, const char *key, size_t i);
/* Per-certificate names: "key_path:app.uat.acme.example". */
int gd_publish(struct ctx *c, const char *name, const char *cn,
               const char *value);
/* A copy in `buf` of a GoDaddy id or serial kept in state, or NULL. */
const char *gd_state_get(struct ctx *c, const char *what, const char *cn,
                         char *buf, size_t size);
/* Store `value` (NULL: delete) under "what:cn". */
int gd_state_put(struct ctx *c, const char *what, const char *cn,
                 const char *value);
/* Not in place: plan records it, verify fails on it (both return 1);
 * apply gets 0 and goes on to make it. */
int gd_reported(struct ctx *c, enum es_status *st, enum es_change change,
                const char *kind, const char *name, const char *detail);
/* Who a task waits for: 1 a person (wins), 2 GoDaddy. */
void gd_wait_for(int *waiting, int who);

/* ---- requests (godaddy_api.c) ----------------------------------------- */

struct reply {
	long status;
	int absent;   /* a GET answered 404 */
	int conflict; /* 409: the state does not allow it (yet) */
	es_json *json;
	char text[768]; /* code, message and fields[] messages */
};

void gd_reply_free(struct ctx *c, struct reply *r);
/* The status for a failed reply, with a diagnostic (401/403: api_key). */
enum es_status gd_failure(struct ctx *c, struct reply *r, const char *what);
/*
 * `method` base+path with an optional JSON body. `intent` (nullable) marks
 * a write the core journals and never resends. ES_OK for a 2xx, a GET's
 * 404 (r->absent) and a 409 (r->conflict); the caller then gd_reply_free()s.
 */
enum es_status gd_api(struct ctx *c, struct reply *r, const char *method,
                      const char *body, const char *intent, const char *fmt,
                      ...) ES_PRINTF(6, 7);
/* 1 for an order status that will never issue. */
int gd_is_dead(const char *status);

/* ---- dns (godaddy_dns.c) ---------------------------------------------- */

struct record {
	char name[128], type[8], target[512];
};

/* "app.uat=CNAME:lb.example.net"; 0 when well formed. */
int gd_parse_record(const char *s, struct record *rec);
enum es_status gd_dns_records(struct ctx *c);
/* Add `token` to the TXT records at @ of the domain, keeping the others. */
enum es_status gd_publish_txt(struct ctx *c, const char *token);

/* ---- certificates (godaddy_certs.c) ----------------------------------- */

/* <dir>/<cn>.<ext>, "*." written "wildcard." */
void gd_cert_file(struct ctx *c, const char *cn, const char *ext, char *out,
                  size_t size);
/* The private key of `cn` (NULL: *absent, or an error was reported). */
EVP_PKEY *gd_load_key(struct ctx *c, const char *cn, int *absent);
/* The CSR certificate_key made, for an order or a renewal (transfer full). */
char *gd_order_csr(struct ctx *c, size_t idx, const char *cn);
/* The CertificateCreate (or, renew, CertificateRenew) body. */
char *gd_order_body(struct ctx *c, size_t idx, const char *cn, const char *csr,
                    int renew);
/* The live order of `cn` recorded in state: ES_OK with *live set, or not. */
enum es_status gd_recorded_order(struct ctx *c, const char *cn, int *live,
                                 char *status, size_t size);
enum es_status gd_one_key(struct ctx *c, size_t idx, const char *cn);
enum es_status gd_one_order(struct ctx *c, size_t idx, const char *cn);

/* ---- issuance (godaddy_issuance.c) ------------------------------------ */

enum es_status gd_one_validation(struct ctx *c, const char *cn, char *ask,
                                 size_t size, int *waiting);
enum es_status gd_one_issuance(struct ctx *c, const char *cn, int *waiting);
enum es_status gd_one_download(struct ctx *c, size_t idx, const char *cn,
                               int *waiting);

#endif
