/*
 * godaddy-ssl: teardown (ES_PHASE_PLAN_DESTROY and ES_PHASE_DESTROY), one
 * function per task. The certificate envsetup ordered is revoked (issued)
 * or its order canceled (not issued yet) with GoDaddy's own calls; the
 * domain-control tokens and the component records it wrote leave the
 * zone; the key, CSR and certificate files under secrets_dir are removed.
 * Only what the state or the config names is touched, and each write
 * follows a look-up, so a run killed half-way sends nothing twice.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "godaddy_ssl.h"

/* ---- files: certificate_key, download_certificate --------------------- */

/* Remove <cn>.<ext> and a leftover <cn>.<ext>.tmp of a killed write. */
static enum es_status remove_file(struct ctx *c, const char *cn,
                                  const char *ext, const char *kind)
{
	char path[4200], tmp[4300];
	enum es_status st = ES_OK;

	gd_cert_file(c, cn, ext, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (access(path, F_OK) != 0 && access(tmp, F_OK) != 0)
		return ES_OK;
	if (es_reported(c->x, &st, ES_CHANGE_DELETE, kind, cn, path))
		return st;
	if ((unlink(path) && errno != ENOENT) ||
	    (unlink(tmp) && errno != ENOENT)) {
		c->h->diag->error(c->call, "secrets_dir",
		                  "cannot remove %s: %s", path,
		                  strerror(errno));
		return ES_FAILED;
	}
	return ES_OK;
}

static enum es_status remove_key_files(struct ctx *c, size_t idx,
                                       const char *cn)
{
	enum es_status st = remove_file(c, cn, "csr", "csr");

	(void)idx;
	return st == ES_OK ? remove_file(c, cn, "key", "private_key") : st;
}

static enum es_status remove_certificate_file(struct ctx *c, size_t idx,
                                              const char *cn)
{
	(void)idx;
	return remove_file(c, cn, "crt", "certificate_file");
}

/* ---- order_certificate: revoke or cancel ------------------------------- */

static enum es_status end_order(struct ctx *c, size_t idx, const char *cn)
{
	char intent[400], *eid;
	const char *revoke = "{\"reason\": \"CESSATION_OF_OPERATION\"}";
	struct gd_order o;
	struct es_send s;
	struct es_reply r;
	enum es_status st = gd_recorded_order(c, cn, &o);
	int issued;

	(void)idx;
	if (st != ES_OK || !*o.id)
		return st; /* none was ordered */
	issued = strcmp(o.status, "ISSUED") == 0;
	if (o.live &&
	    es_reported(c->x, &st, ES_CHANGE_DELETE, "certificate_order", cn,
	                issued ? "revoke the certificate" : "cancel the order"))
		return st;
	if (o.live) {
		if (!(eid = c->h->http->escape(o.id)))
			return ES_FAILED;
		snprintf(intent, sizeof(intent), "%s certificate %s (%s)",
		         issued ? "revoke" : "cancel", cn, o.id);
		s = es_json_write("POST", issued ? revoke : NULL, intent);
		st = es_client_call(&c->api, &r, &s, "/v1/certificates/%s/%s",
		                    eid, issued ? "revoke" : "cancel");
		c->h->mem_free(eid);
		/* 409: revoked or canceled since the look-up; done. */
		es_reply_free(&r);
		if (st != ES_OK)
			return st;
	}
	return gd_state_put(c, "order", cn, NULL) ||
	               gd_state_put(c, "renewing", cn, NULL)
	           ? ES_FAILED
	           : ES_OK;
}

/* ---- validate_domain: the domain-control tokens ------------------------ */

static enum es_status remove_tokens(struct ctx *c, size_t idx, const char *cn)
{
	const struct es_json_api *j = c->h->json;
	const char *tokens[16];
	char id[128], path[600], *cust, *eid;
	struct es_reply r = {0};
	enum es_status st = ES_FAILED;
	size_t n = 0;

	(void)idx;
	if (!c->h->config->get_bool(c->call, "dns_at_godaddy") ||
	    !gd_state_get(c, "order", cn, id, sizeof(id)))
		return ES_OK; /* a person published them, or none was asked */
	cust = c->h->http->escape(gd_cfg(c, "customer_id"));
	eid = c->h->http->escape(id);
	if (cust && eid) {
		snprintf(path, sizeof(path),
		         "/v2/customers/%s/certificates/%s/domainVerifications",
		         cust, eid);
		st = es_client_call(&c->api, &r, NULL, "%s", path);
	}
	c->h->mem_free(cust);
	c->h->mem_free(eid);
	for (size_t i = 0; st == ES_OK && r.outcome == ES_FOUND &&
	                   i < j->array_size(r.json) && n < 16;
	     i++)
		if ((tokens[n] =
		         j->get_string(j->array_item(r.json, i), "dceToken")))
			n++;
	if (st == ES_OK && n)
		st = gd_unpublish_txt(c, tokens, n);
	es_reply_free(&r);
	return st;
}

/* ---- the tasks --------------------------------------------------------- */

enum es_status gd_destroy(const struct es_ctx *x)
{
	const char *task = x->task ? x->task->id : "";

	if (!strcmp(task, "dns_records"))
		return gd_remove_records(x);
	if (!strcmp(task, "certificate_key"))
		return gd_each_certificate(x, remove_key_files);
	if (!strcmp(task, "order_certificate"))
		return gd_each_certificate(x, end_order);
	if (!strcmp(task, "validate_domain"))
		return gd_each_certificate(x, remove_tokens);
	if (!strcmp(task, "download_certificate"))
		return gd_each_certificate(x, remove_certificate_file);
	return ES_OK; /* wait_issued made nothing */
}
