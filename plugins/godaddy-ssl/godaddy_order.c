/*
 * godaddy-ssl: the order_certificate task. An order is paid and GoDaddy
 * takes no idempotency key, so before every order the customer's
 * certificate list is searched for a live order of the same name made
 * from the same key: an order whose answer was lost (a timeout, a run
 * killed before the id was recorded, a lost state directory) is adopted,
 * never placed twice.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "godaddy_ssl.h"

#define LIST_PAGE 100
#define LIST_PAGES_MAX 20

/* ---- the order's body ------------------------------------------------ */

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

char *gd_order_body(struct ctx *c, size_t idx, const char *cn, const char *csr,
                    int renew)
{
	const struct es_json_api *j = c->h->json;
	const char *prod = gd_cfg(c, "product_type"), *sans[GD_MAX_SANS];
	size_t n = gd_sans_of(c, idx, cn, sans);
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

/* ---- the recorded order ---------------------------------------------- */

/* An order GoDaddy lost or ended is no longer live. */
enum es_status gd_recorded_order(struct ctx *c, const char *cn,
                                 struct gd_order *o)
{
	const struct es_json_api *j = c->h->json;
	char path[300], *eid;
	const char *status = NULL, *serial;
	struct es_reply r;
	enum es_status st;

	memset(o, 0, sizeof(*o));
	snprintf(o->status, sizeof(o->status), "none");
	if (!gd_state_get(c, "order", cn, o->id, sizeof(o->id))) {
		o->id[0] = '\0';
		return ES_OK;
	}
	if (!(eid = c->h->http->escape(o->id)))
		return ES_FAILED;
	snprintf(path, sizeof(path), "/v1/certificates/%s", eid);
	c->h->mem_free(eid);
	st = es_client_call(&c->api, &r, NULL, "%s", path);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !(status = j->get_string(r.json, "status")))
		st =
		    es_reply_malformed(&c->api, &r, path, "the order's status");
	if (st == ES_OK) {
		serial = j->get_string(r.json, "serialNumber");
		snprintf(o->status, sizeof(o->status), "%s",
		         status ? status : "not found");
		if (status && !strcmp(status, "ISSUED"))
			snprintf(o->serial, sizeof(o->serial), "%s",
			         serial ? serial : "unknown");
		o->live = status && !gd_is_dead(status);
	}
	es_reply_free(&r);
	return st;
}

/* ---- the look-up before an order ------------------------------------- */

/* Whether live order `id` was made from `key`: the CSR of its v2 detail
 * carries the public key. Without a CSR there to read, the name alone
 * decides, as a second paid order is the worse mistake. */
static enum es_status made_from_key(struct ctx *c, const char *cust,
                                    const char *id, EVP_PKEY *key, int *ours)
{
	char path[600], *eid = c->h->http->escape(id);
	const char *csr;
	struct es_reply r;
	enum es_status st;
	int same;

	*ours = 0;
	if (!eid)
		return ES_FAILED;
	snprintf(path, sizeof(path), "/v2/customers/%s/certificates/%s", cust,
	         eid);
	c->h->mem_free(eid);
	st = es_client_call(&c->api, &r, NULL, "%s", path);
	/* Listed but not found: GoDaddy is not consistent yet, and an
	 * answer that cannot tell must not lead to an order. */
	if (st == ES_OK && (r.outcome != ES_FOUND ||
	                    c->h->json->kind(r.json) != ES_JSON_OBJECT))
		st = es_reply_malformed(&c->api, &r, path,
		                        "the listed certificate");
	if (st == ES_OK && r.outcome == ES_FOUND) {
		csr = c->h->json->get_string(r.json, "csr");
		same = csr ? gd_csr_for_key(csr, key) : -1;
		if (same < 0)
			c->h->log->log(c->call, ES_LOG_WARNING,
			               "order %s shows no readable CSR: taken "
			               "as this key's by its common name",
			               id);
		*ours = same != 0;
	}
	es_reply_free(&r);
	return st;
}

/* The live orders of `cn` on one page of the list: the first made from
 * `key` goes to `id`. */
static enum es_status match_page(struct ctx *c, const es_json *list,
                                 const char *cust, const char *cn,
                                 EVP_PKEY *key, char *id, size_t size)
{
	const struct es_json_api *j = c->h->json;
	enum es_status st = ES_OK;

	for (size_t i = 0; st == ES_OK && !*id && i < j->array_size(list);
	     i++) {
		const es_json *e = j->array_item(list, i);
		const char *name = j->get_string(e, "commonName");
		const char *cid = j->get_string(e, "certificateId");
		int ours = 0;

		if (!name || !cid || strcasecmp(name, cn) != 0 ||
		    gd_is_dead(j->get_string(e, "status")))
			continue;
		st = made_from_key(c, cust, cid, key, &ours);
		if (st == ES_OK && ours)
			snprintf(id, size, "%s", cid);
	}
	return st;
}

/* Pages through GetCustomerCertificatesByCustomerId (offset and limit). */
static enum es_status search_list(struct ctx *c, const char *cust,
                                  const char *cn, EVP_PKEY *key, char *id,
                                  size_t size)
{
	const struct es_json_api *j = c->h->json;
	size_t offset = 0;

	for (int page = 0; page < LIST_PAGES_MAX; page++) {
		char path[400];
		struct es_reply r;
		const es_json *list;
		enum es_status st;
		size_t n;
		double total;
		int last;

		snprintf(path, sizeof(path),
		         "/v2/customers/%s/certificates?offset=%zu&limit=%d",
		         cust, offset, LIST_PAGE);
		st = es_client_call(&c->api, &r, NULL, "%s", path);
		list = j->get(r.json, "certificates");
		if (st == ES_OK && r.outcome == ES_ABSENT) {
			c->h->diag->error(c->call, "customer_id",
			                  "%s: GoDaddy knows no customer %s "
			                  "(404)",
			                  path, gd_cfg(c, "customer_id"));
			st = ES_INVALID_CONFIG;
		} else if (st == ES_OK && j->kind(list) != ES_JSON_ARRAY) {
			st = es_reply_malformed(&c->api, &r, path,
			                        "a certificates array");
		}
		if (st == ES_OK)
			st = match_page(c, list, cust, cn, key, id, size);
		n = j->array_size(list);
		total = j->get_number(r.json, "pagination.total", -1);
		offset += n;
		last = n == 0 || (total >= 0 ? offset >= total : n < LIST_PAGE);
		es_reply_free(&r);
		if (st != ES_OK || *id || last)
			return st;
	}
	c->h->diag->error(c->call, NULL,
	                  "more than %d certificates at GoDaddy: cannot tell "
	                  "whether %s was ordered already, so none is ordered",
	                  LIST_PAGE * LIST_PAGES_MAX, cn);
	return ES_FAILED;
}

/* The id of a live order of `cn` made from its key, or "" in `id`. */
static enum es_status find_order(struct ctx *c, const char *cn, char *id,
                                 size_t size)
{
	int absent;
	EVP_PKEY *key = gd_load_key(c, cn, &absent);
	char *cust;
	enum es_status st;

	*id = '\0';
	if (!key) /* no key yet: no order can have been made from it */
		return absent ? ES_OK : ES_FAILED;
	cust = c->h->http->escape(gd_cfg(c, "customer_id"));
	st = cust ? search_list(c, cust, cn, key, id, size) : ES_FAILED;
	c->h->mem_free(cust);
	EVP_PKEY_free(key);
	return st;
}

/* ---- order_certificate ----------------------------------------------- */

static enum es_status place_order(struct ctx *c, size_t idx, const char *cn)
{
	char intent[400], *csr = gd_order_csr(c, idx, cn);
	char *body = csr ? gd_order_body(c, idx, cn, csr, 0) : NULL;
	struct es_send s = es_json_write("POST", body, intent);
	const char *id;
	struct es_reply r;
	enum es_status st;

	free(csr);
	if (!body)
		return ES_FAILED;
	snprintf(intent, sizeof(intent), "order certificate %s", cn);
	es_client_call(&c->api, &r, &s, "/v1/certificates");
	st = r.status;
	c->h->mem_free(body);
	id = c->h->json->get_string(r.json, "certificateId");
	if (st == ES_OK && r.outcome == ES_CONFLICT)
		st = es_client_failure(&c->api, r.http_status, r.message,
		                       intent);
	else if (st == ES_OK && !id) /* placed or not: the look-up tells */
		st = es_reply_malformed(&c->api, &r, intent, "a certificateId");
	/* Recorded at once: the next run looks this order up. */
	else if (st == ES_OK && gd_state_put(c, "order", cn, id)) {
		c->h->diag->error(c->call, NULL,
		                  "could not record order %s of %s", id, cn);
		st = ES_FAILED;
	}
	es_reply_free(&r);
	return st;
}

static enum es_status order_one(struct ctx *c, size_t idx, const char *cn)
{
	char found[128], detail[160], key[320];
	struct gd_order o;
	enum es_status st = gd_recorded_order(c, cn, &o);

	if (st != ES_OK)
		return st;
	if (o.live)
		return c->phase == ES_PHASE_VERIFY &&
		               gd_publish(c, "certificate_id", cn, o.id)
		           ? ES_FAILED
		           : ES_OK;
	st = find_order(c, cn, found, sizeof(found));
	if (st != ES_OK)
		return st;
	gd_state_key("order", cn, key, sizeof(key));
	if (*found) /* plan shows it, verify misses it, apply records it */
		return es_record(c->x, &st, key, found, "certificate_order", cn)
		           ? st
		           : ES_OK;
	snprintf(detail, sizeof(detail), "%s, %lld year(s); previous: %s",
	         gd_cfg(c, "product_type"),
	         (long long)c->h->config->get_int(c->call, "period"), o.status);
	if (es_reported(c->x, &st, ES_CHANGE_CREATE, "certificate_order", cn,
	                detail))
		return st;
	return place_order(c, idx, cn);
}

enum es_status gd_order_certificate(const struct es_ctx *x)
{
	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return gd_destroy(x);
	return gd_each_certificate(x, order_one);
}
