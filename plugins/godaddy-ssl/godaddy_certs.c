/*
 * godaddy-ssl: the files of one certificate, and the certificate_key and
 * order_certificate tasks.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "godaddy_ssl.h"

#define MAX_SANS 100
#define LIST_PAGE 100
#define LIST_PAGES_MAX 20

/* ---- files of one certificate --------------------------------------- */

/* <dir>/<cn>.<ext>, "*." written "wildcard." */
void gd_cert_file(struct ctx *c, const char *cn, const char *ext, char *out,
                  size_t size)
{
	int wild = strncmp(cn, "*.", 2) == 0;

	snprintf(out, size, "%s/%s%s.%s", c->dir, wild ? "wildcard." : "",
	         cn + (wild ? 2 : 0), ext);
}

/* The SANs of certificate `idx`: "name" items go to the first one. */
static size_t sans_of(struct ctx *c, size_t idx, const char *cn,
                      const char **out)
{
	size_t n = 0, len = strlen(cn);

	for (size_t i = 0; i < gd_n_items(c, "san") && n < MAX_SANS; i++) {
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
	const char *sans[MAX_SANS];
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
	subj.n_sans = sans_of(c, idx, cn, sans);
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

enum es_status gd_one_key(struct ctx *c, size_t idx, const char *cn)
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
	if (!key && gd_reported(c, &st, ES_CHANGE_CREATE, "private_key", cn,
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
		gd_reported(c, &st, ES_CHANGE_CREATE, "csr", cn,
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

/* ---- order_certificate ---------------------------------------------- */

static void add_contact(struct ctx *c, es_json *body)
{
	const struct es_json_api *j = c->h->json;
	es_json *o = j->new_object();

	if (!o)
		return;
	j->set_string(o, "nameFirst", gd_cfg(c, "contact_first_name"));
	j->set_string(o, "nameLast", gd_cfg(c, "contact_last_name"));
	j->set_string(o, "email", gd_cfg(c, "contact_email"));
	j->set_string(o, "phone", gd_cfg(c, "contact_phone"));
	j->add(body, "contact", o);
}

/* OV and EV products name the organisation (CertificateOrganizationCreate). */
static void add_organization(struct ctx *c, es_json *body, const char *prod)
{
	const struct es_json_api *j = c->h->json;
	es_json *o, *a;

	if (!strstr(prod, "OV_") && !strstr(prod, "EV_"))
		return;
	if (!(o = j->new_object()))
		return;
	j->set_string(o, "name", gd_cfg(c, "subject_org"));
	j->set_string(o, "phone", gd_cfg(c, "contact_phone"));
	if (gd_cfg(c, "org_address") && (a = j->new_object())) {
		j->set_string(a, "address1", gd_cfg(c, "org_address"));
		if (gd_cfg(c, "org_city"))
			j->set_string(a, "city", gd_cfg(c, "org_city"));
		j->set_string(a, "country", gd_cfg(c, "subject_country"));
		j->add(o, "address", a);
	}
	j->add(body, "organization", o);
}

/* The CertificateCreate (or, renew, CertificateRenew) body. */
char *gd_order_body(struct ctx *c, size_t idx, const char *cn, const char *csr,
                    int renew)
{
	const struct es_json_api *j = c->h->json;
	const char *prod = gd_cfg(c, "product_type"), *sans[MAX_SANS];
	size_t n = sans_of(c, idx, cn, sans);
	es_json *body = j->new_object(), *list = n ? j->new_array() : NULL;
	char *text = NULL;

	if (!body || (n && !list)) {
		j->free(body);
		return NULL;
	}
	j->set_string(body, "csr", csr);
	j->set_number(body, "period",
	              (double)c->h->config->get_int(c->call, "period"));
	j->set_string(body, "rootType", "STARFIELD_SHA_2");
	for (size_t i = 0; i < n; i++)
		j->append_string(list, sans[i]);
	if (list)
		j->add(body, "subjectAlternativeNames", list);
	if (!renew) {
		j->set_string(body, "commonName", cn);
		j->set_string(body, "productType", prod ? prod : "DV_SSL");
		if (gd_cfg(c, "slot_size"))
			j->set_string(body, "slotSize", gd_cfg(c, "slot_size"));
		add_contact(c, body);
		add_organization(c, body, prod ? prod : "DV_SSL");
	}
	text = j->print(body);
	j->free(body);
	return text;
}

/* After an interrupted order: GoDaddy's list of the customer's
 * certificates says whether the order got through (no idempotency key). */
static enum es_status find_order(struct ctx *c, const char *cn, char *id,
                                 size_t size)
{
	const struct es_json_api *j = c->h->json;
	char *cust = c->h->http->escape(gd_cfg(c, "customer_id"));
	enum es_status st = cust ? ES_OK : ES_FAILED;
	size_t offset = 0;

	*id = '\0';
	for (int page = 0; st == ES_OK && !*id && page < LIST_PAGES_MAX;
	     page++) {
		struct reply r;
		const es_json *list;
		size_t n;

		st = gd_api(c, &r, "GET", NULL, NULL,
		            "/v2/customers/%s/certificates?offset=%zu&limit=%d",
		            cust, offset, LIST_PAGE);
		if (st != ES_OK)
			break;
		list = j->get(r.json, "certificates");
		n = j->array_size(list);
		for (size_t i = 0; i < n && !*id; i++) {
			const es_json *e = j->array_item(list, i);
			const char *name = j->get_string(e, "commonName");
			const char *cid = j->get_string(e, "certificateId");

			if (name && cid && strcasecmp(name, cn) == 0 &&
			    !gd_is_dead(j->get_string(e, "status")))
				snprintf(id, size, "%s", cid);
		}
		offset += n;
		if (r.absent || n == 0 ||
		    offset >= j->get_number(r.json, "pagination.total", 0))
			page = LIST_PAGES_MAX;
		gd_reply_free(c, &r);
	}
	c->h->mem_free(cust);
	return st;
}

/* The live order of `cn` recorded in state: ES_OK with *live set, or
 * not; an order GoDaddy lost or ended no longer counts. */
enum es_status gd_recorded_order(struct ctx *c, const char *cn, int *live,
                                 char *status, size_t size)
{
	char idbuf[128];
	const char *id = gd_state_get(c, "order", cn, idbuf, sizeof(idbuf));
	struct reply r;
	enum es_status st;
	char *eid;

	*live = 0;
	snprintf(status, size, "none");
	if (!id)
		return ES_OK;
	if (!(eid = c->h->http->escape(id)))
		return ES_FAILED;
	st = gd_api(c, &r, "GET", NULL, NULL, "/v1/certificates/%s", eid);
	c->h->mem_free(eid);
	if (st != ES_OK)
		return st;
	snprintf(status, size, "%s",
	         r.absent ? "not found"
	         : c->h->json->get_string(r.json, "status")
	             ? c->h->json->get_string(r.json, "status")
	             : "unknown");
	*live = !r.absent && !gd_is_dead(status);
	gd_reply_free(c, &r);
	return ES_OK;
}

enum es_status gd_one_order(struct ctx *c, size_t idx, const char *cn)
{
	char status[64], found[128], detail[160], intent[400], idbuf[128];
	const char *id = gd_state_get(c, "order", cn, idbuf, sizeof(idbuf));
	char *csr, *body;
	struct reply r;
	int live;
	enum es_status st =
	    gd_recorded_order(c, cn, &live, status, sizeof(status));

	if (st != ES_OK || live)
		return st == ES_OK && c->phase == ES_PHASE_VERIFY &&
		               gd_publish(c, "certificate_id", cn, id ? id : "")
		           ? ES_FAILED
		           : st;
	/* Before every order whose id is not recorded (a crash, a timed-out
	 * answer, a lost state directory): an order is paid, never twice. */
	if (!id) {
		st = find_order(c, cn, found, sizeof(found));
		if (st != ES_OK)
			return st;
		if (*found && !gd_reported(c, &st, ES_CHANGE_UPDATE,
		                           "certificate_order", cn,
		                           "adopt the order an interrupted run "
		                           "placed"))
			return gd_state_put(c, "order", cn, found) ? ES_FAILED
			                                           : ES_OK;
		if (*found)
			return st;
	}
	snprintf(detail, sizeof(detail), "%s, %lld year(s); previous: %s",
	         gd_cfg(c, "product_type"),
	         (long long)c->h->config->get_int(c->call, "period"), status);
	if (gd_reported(c, &st, ES_CHANGE_CREATE, "certificate_order", cn,
	                detail))
		return st;
	csr = gd_order_csr(c, idx, cn);
	body = csr ? gd_order_body(c, idx, cn, csr, 0) : NULL;
	free(csr);
	if (!body)
		return ES_FAILED;
	snprintf(intent, sizeof(intent), "order certificate %s", cn);
	st = gd_api(c, &r, "POST", body, intent, "/v1/certificates");
	c->h->mem_free(body);
	if (st != ES_OK)
		return st;
	id = c->h->json->get_string(r.json, "certificateId");
	/* Recorded at once: the next run looks this order up. */
	if (r.conflict || !id) {
		st = gd_failure(c, &r, intent);
	} else if (gd_state_put(c, "order", cn, id)) {
		c->h->diag->error(c->call, NULL,
		                  "could not record order %s of %s", id, cn);
		st = ES_FAILED;
	}
	gd_reply_free(c, &r);
	return st;
}
