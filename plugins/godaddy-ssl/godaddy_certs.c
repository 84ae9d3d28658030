/*
 * godaddy-ssl: the files of one certificate (key, CSR, chain, under
 * secrets_dir) and the certificate_key task that makes the first two.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "godaddy_ssl.h"

/* ---- files of one certificate --------------------------------------- */

/* <dir>/<cn>.<ext>, "*." written "wildcard." */
void gd_cert_file(struct ctx *c, const char *cn, const char *ext, char *out,
                  size_t size)
{
	int wild = strncmp(cn, "*.", 2) == 0;

	snprintf(out, size, "%s/%s%s.%s", c->dir, wild ? "wildcard." : "",
	         cn + (wild ? 2 : 0), ext);
}

/* "name" items go to the first certificate, "cn=name" to certificate cn. */
size_t gd_sans_of(struct ctx *c, size_t idx, const char *cn, const char **out)
{
	size_t n = 0, len = strlen(cn);

	for (size_t i = 0; i < gd_n_items(c, "san") && n < GD_MAX_SANS; i++) {
		const char *s = gd_item(c, "san", i),
		           *eq = s ? strchr(s, '=') : 0;

		if (s && !eq && idx == 0)
			out[n++] = s;
		else if (eq && (size_t)(eq - s) == len &&
		         strncmp(s, cn, len) == 0)
			out[n++] = eq + 1;
	}
	return n;
}

EVP_PKEY *gd_load_key(struct ctx *c, const char *cn, int *absent)
{
	char path[4200], err[512];
	EVP_PKEY *key;

	gd_cert_file(c, cn, "key", path, sizeof(path));
	key = gd_key_load(path, absent, err, sizeof(err));
	if (!key && !*absent)
		c->h->diag->error(c->call, "secrets_dir", "%s", err);
	return key;
}

/* The CSR file of `cn` (transfer full), made from its key when absent. */
static char *load_csr(struct ctx *c, size_t idx, const char *cn, EVP_PKEY *key,
                      int may_write)
{
	const char *sans[GD_MAX_SANS];
	struct gd_subject subj = {
	    .common_name = cn,
	    .organization = gd_cfg(c, "subject_org"),
	    .country = gd_cfg(c, "subject_country"),
	    .sans = sans,
	};
	char path[4200], err[512];
	char *csr;
	int absent;

	gd_cert_file(c, cn, "csr", path, sizeof(path));
	csr = gd_read_file(path, &absent, err, sizeof(err));
	if (csr || !absent || !may_write || !key) {
		if (!csr && (!absent || may_write))
			c->h->diag->error(c->call, "secrets_dir", "%s", err);
		return csr;
	}
	subj.n_sans = gd_sans_of(c, idx, cn, sans);
	csr = gd_csr_make(key, &subj, err, sizeof(err));
	if (csr && gd_write_file(path, csr, 0644, err, sizeof(err))) {
		free(csr);
		csr = NULL;
	}
	if (!csr)
		c->h->diag->error(c->call, NULL, "%s", err);
	return csr;
}

/* The CSR certificate_key made, for an order or a renewal. */
char *gd_order_csr(struct ctx *c, size_t idx, const char *cn)
{
	char *csr = load_csr(c, idx, cn, NULL, 0);

	if (!csr)
		c->h->diag->error(
		    c->call, "secrets_dir",
		    "no CSR for %s in %s: run the certificate_key "
		    "task first",
		    cn, c->dir);
	return csr;
}

/* ---- certificate_key ------------------------------------------------ */

static enum es_status one_key(struct ctx *c, size_t idx, const char *cn)
{
	const char *type = gd_cfg(c, "key_type");
	char path[4200], err[512];
	EVP_PKEY *key;
	char *csr = NULL;
	int absent;
	enum es_status st = ES_OK;

	gd_cert_file(c, cn, "key", path, sizeof(path));
	key = gd_load_key(c, cn, &absent);
	if (!key && !absent)
		return ES_FAILED;
	if (!key && es_reported(c->x, &st, ES_CHANGE_CREATE, "private_key", cn,
	                        type ? type : "ecdsa-p256"))
		return st;
	if (!key && (gd_mkdirs(c->dir, err, sizeof(err)) ||
	             !(key = gd_key_create(path, type, err, sizeof(err))))) {
		c->h->diag->error(c->call, "secrets_dir", "%s", err);
		return ES_FAILED;
	}
	if (type && strcmp(gd_key_type(key), type) != 0)
		c->h->log->log(c->call, ES_LOG_WARNING,
		               "%s keeps its existing %s key (key_type applies "
		               "to new keys)",
		               cn, gd_key_type(key));
	csr = load_csr(c, idx, cn, key, c->phase == ES_PHASE_APPLY);
	if (!csr && c->phase != ES_PHASE_APPLY)
		es_reported(c->x, &st, ES_CHANGE_CREATE, "csr", cn,
		            "from the key");
	else if (!csr)
		st = ES_FAILED;
	else if (c->phase == ES_PHASE_VERIFY &&
	         (gd_publish(c, "key_path", cn, path) ||
	          gd_publish(c, "csr", cn, csr)))
		st = ES_FAILED;
	free(csr);
	EVP_PKEY_free(key);
	return st;
}

enum es_status gd_certificate_key(const struct es_ctx *x)
{
	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return gd_destroy(x);
	return gd_each_certificate(x, one_key);
}
