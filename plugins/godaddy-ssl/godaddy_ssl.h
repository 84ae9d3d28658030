/*
 * Internals of the godaddy-ssl plugin, shared by its source files:
 *   godaddy_ssl.c       schema, tasks, validate, descriptor
 *   godaddy_api.c       the client for GoDaddy (base URL, sso-key, its
 *                       Error shape) and one task call's context
 *   godaddy_dns.c       dns_records and the domain-control TXT record
 *   godaddy_certs.c     certificate files and certificate_key
 *   godaddy_order.c     order_certificate and the look-up before an order
 *   godaddy_issuance.c  validate_domain, wait_issued, download_certificate
 *   godaddy_destroy.c   teardown: revoke or cancel, tokens, files
 *   csr.c               keys, CSRs and files (libcrypto, no host)
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_GODADDY_SSL_H
#define ENVSETUP_PLUGIN_GODADDY_SSL_H

#include <stddef.h>

#include "csr.h"
#include "envsetup/envsetup.h"

/* ---- one task call (godaddy_api.c) ----------------------------------- */

/* What a task waits for once every certificate had its turn; a person
 * outranks GoDaddy, since GoDaddy cannot move before the person acts. */
enum gd_wait {
	GD_READY = 0,
	GD_WAIT_GODADDY = 1,
	GD_WAIT_PERSON = 2,
};

struct ctx {
	const struct es_ctx *x;
	const struct es_host *h;
	es_call *call;
	enum es_phase phase;
	struct es_client api; /* GoDaddy: sso-key header, its Error shape */
	const char *domain;
	char dir[4096]; /* secrets_dir/customer/environment */
	enum gd_wait waiting;
	char ask[2048]; /* the TXT records a person must publish */
};

/* Set up `c` for task call `x`: 0, or -1 with a diagnostic. */
int gd_open(const struct es_ctx *x, struct ctx *c);

/* One certificate's share of a task: plan, apply or verify it for common
 * name `cn`, the `idx`th of the certificates list. */
typedef enum es_status (*gd_cert_fn)(struct ctx *c, size_t idx, const char *cn);
/* Run `fn` for every certificate of task call `x`; in apply, then answer
 * for what the certificates wait for (a person's DNS record, GoDaddy). */
enum es_status gd_each_certificate(const struct es_ctx *x, gd_cert_fn fn);
void gd_wait_for(struct ctx *c, enum gd_wait who);

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
/* The state key "what:cn". */
void gd_state_key(const char *what, const char *cn, char *key, size_t size);

/* 1 for an order status that will never issue. */
int gd_is_dead(const char *status);

/* ---- tasks: one function serves plan, apply and verify --------------- */

enum es_status gd_dns_records(const struct es_ctx *x);
enum es_status gd_certificate_key(const struct es_ctx *x);
enum es_status gd_order_certificate(const struct es_ctx *x);
enum es_status gd_validate_domain(const struct es_ctx *x);
enum es_status gd_wait_issued(const struct es_ctx *x);
enum es_status gd_download_certificate(const struct es_ctx *x);
/* plan --destroy and destroy of every task (godaddy_destroy.c). */
enum es_status gd_destroy(const struct es_ctx *x);

/* ---- dns (godaddy_dns.c) ---------------------------------------------- */

struct record {
	char name[128], type[8], target[512];
};

/* "app.uat=CNAME:lb.example.net"; 0 when well formed. */
int gd_parse_record(const char *s, struct record *rec);
/* Add `token` to the TXT records at @ of the domain, keeping the others. */
enum es_status gd_publish_txt(struct ctx *c, const char *token);
/* Teardown: take `tokens` out of the TXT records at @; empty the sets of
 * the records the dns_records task wrote. */
enum es_status gd_unpublish_txt(struct ctx *c, const char *const *tokens,
                                size_t n);
enum es_status gd_remove_records(const struct es_ctx *x);

/* ---- certificate files (godaddy_certs.c) ------------------------------ */

#define GD_MAX_SANS 100 /* per certificate; GoDaddy's largest UCC slot */

/* <dir>/<cn>.<ext>, "*." written "wildcard." */
void gd_cert_file(struct ctx *c, const char *cn, const char *ext, char *out,
                  size_t size);
/* The SANs of certificate `idx` into `out` (GD_MAX_SANS at most). */
size_t gd_sans_of(struct ctx *c, size_t idx, const char *cn, const char **out);
/* The private key of `cn` (NULL: *absent, or an error was reported). */
EVP_PKEY *gd_load_key(struct ctx *c, const char *cn, int *absent);
/* The CSR certificate_key made, for an order or a renewal (transfer full). */
char *gd_order_csr(struct ctx *c, size_t idx, const char *cn);

/* ---- orders (godaddy_order.c) ----------------------------------------- */

/* The CertificateCreate (or, renew, CertificateRenew) body. */
char *gd_order_body(struct ctx *c, size_t idx, const char *cn, const char *csr,
                    int renew);
/* The order of one certificate, as state records it and GoDaddy shows. */
struct gd_order {
	char id[128];     /* "" when state records none */
	char status[64];  /* "none", "not found" or GoDaddy's status */
	char serial[128]; /* while ISSUED ("unknown" if GoDaddy shows none) */
	int live;         /* found and not in a status that never issues */
};

/* The order of `cn` recorded in state, looked up at GoDaddy. */
enum es_status gd_recorded_order(struct ctx *c, const char *cn,
                                 struct gd_order *o);

#endif
