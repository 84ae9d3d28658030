/*
 * godaddy-ssl: the validate_domain, wait_issued and download_certificate
 * tasks, renewal included.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "godaddy_ssl.h"

/* ---- validate_domain ------------------------------------------------ */

/* Count the pending domain verifications of order `id`. With `act`,
 * their tokens go to `ask` (for a person) or, when the DNS is at GoDaddy,
 * to the zone. */
static enum es_status pending_checks(struct ctx *c, const char *id, int act,
                                     int *pending, char *ask, size_t size)
{
	const struct es_json_api *j = c->h->json;
	char *cust = c->h->http->escape(gd_cfg(c, "customer_id"));
	char *eid = c->h->http->escape(id);
	int at_godaddy = c->h->config->get_bool(c->call, "dns_at_godaddy");
	size_t used = ask ? strlen(ask) : 0;
	struct reply r;
	enum es_status st = cust && eid
	                        ? gd_api(c, &r, "GET", NULL, NULL,
	                                 "/v2/customers/%s/certificates/%s"
	                                 "/domainVerifications",
	                                 cust, eid)
	                        : ES_FAILED;

	c->h->mem_free(cust);
	c->h->mem_free(eid);
	for (size_t i = 0; st == ES_OK && i < j->array_size(r.json); i++) {
		const es_json *e = j->array_item(r.json, i);
		const char *s = j->get_string(e, "status");
		const char *token = j->get_string(e, "dceToken");

		if (s && (!strcmp(s, "COMPLETED") ||
		          !strcmp(s, "VERIFIED_POSSIBLE_FRAUD")))
			continue;
		(*pending)++;
		if (!act)
			continue;
		if (!token) {
			c->h->diag->error(c->call, NULL,
			                  "GoDaddy gives no DNS token for %s "
			                  "(%s): follow GoDaddy's e-mail",
			                  j->get_string(e, "domain"), s);
			st = ES_FAILED;
		} else if (at_godaddy) {
			st = gd_publish_txt(c, token);
		} else if (used < size && !strstr(ask, token)) {
			used += snprintf(ask + used, size - used,
			                 "%sTXT record at %s (host @) = %s",
			                 used ? "; " : "", c->domain, token);
		}
	}
	if (st == ES_OK)
		gd_reply_free(c, &r);
	return st;
}

enum es_status gd_one_validation(struct ctx *c, const char *cn, char *ask,
                                 size_t size, int *waiting)
{
	char idcopy[128], status[64];
	const char *id = gd_state_get(c, "order", cn, idcopy, sizeof(idcopy));
	struct reply r;
	int live, pending = 0;
	enum es_status st =
	    gd_recorded_order(c, cn, &live, status, sizeof(status));

	if (st != ES_OK ||
	    (!live && gd_reported(c, &st, ES_CHANGE_UNKNOWN, "domain_control",
	                          cn, "after the order")))
		return st;
	if (!live || !id) {
		c->h->diag->error(c->call, NULL, "%s has no live order (%s)",
		                  cn, status);
		return ES_FAILED;
	}
	if (strcmp(status, "PENDING_ISSUANCE") != 0)
		return ES_OK; /* issued or re-keying: validated */
	st = pending_checks(c, idcopy, c->phase == ES_PHASE_APPLY, &pending,
	                    ask, size);
	if (st != ES_OK || !pending ||
	    gd_reported(c, &st, ES_CHANGE_UPDATE, "domain_control", cn,
	                "publish the DNS token, then ask GoDaddy to check"))
		return st;
	if (!c->h->config->get_bool(c->call, "dns_at_godaddy") &&
	    !c->h->gate->confirmed(c->call)) {
		gd_wait_for(waiting, 1);
		return ES_OK;
	}
	/* Asking GoDaddy to look again is safe to repeat: not journaled. */
	st = gd_api(c, &r, "POST", NULL, NULL,
	            "/v1/certificates/%s/verifyDomainControl", idcopy);
	if (st == ES_OK && r.conflict) {
		c->h->progress->step(c->call,
		                     "%s: GoDaddy does not see the "
		                     "DNS token yet (%s)",
		                     cn, r.text);
		gd_wait_for(waiting, 2);
	} else if (st == ES_OK) {
		/* GoDaddy may list the result a moment after its 204. */
		pending = 0;
		gd_reply_free(c, &r);
		st = pending_checks(c, idcopy, 0, &pending, NULL, 0);
		if (st == ES_OK && pending)
			gd_wait_for(waiting, 2);
	}
	if (st == ES_OK)
		gd_reply_free(c, &r);
	return st;
}

/* ---- wait_issued ---------------------------------------------------- */

enum es_status gd_one_issuance(struct ctx *c, const char *cn, int *waiting)
{
	char status[64], detail[96];
	int live;
	enum es_status st =
	    gd_recorded_order(c, cn, &live, status, sizeof(status));

	if (st != ES_OK || !strcmp(status, "ISSUED"))
		return st == ES_OK && c->phase == ES_PHASE_VERIFY &&
		               gd_publish(c, "status", cn, status)
		           ? ES_FAILED
		           : st;
	snprintf(detail, sizeof(detail), "status %s -> ISSUED", status);
	if (gd_reported(c, &st, live ? ES_CHANGE_UPDATE : ES_CHANGE_UNKNOWN,
	                "certificate", cn, detail))
		return st;
	if (!live) {
		c->h->diag->error(c->call, NULL,
		                  "%s will not be issued: its order is %s", cn,
		                  status);
		return ES_FAILED;
	}
	c->h->progress->step(c->call, "%s is %s", cn, status);
	gd_wait_for(waiting, 2);
	return ES_OK;
}

/* ---- download_certificate (and renewal) ----------------------------- */

/* GET download and write the chain next to the key, 0644. */
static enum es_status download(struct ctx *c, const char *cn, const char *id)
{
	const struct es_json_api *j = c->h->json;
	static const char *const parts[] = {"pems.certificate",
	                                    "pems.intermediate", "pems.cross"};
	char path[4200], err[512], *chain = NULL;
	size_t len = 0;
	struct reply r;
	enum es_status st = gd_api(c, &r, "GET", NULL, NULL,
	                           "/v1/certificates/%s/download", id);

	if (st != ES_OK)
		return st;
	for (size_t i = 0; i < 3 && !r.absent && !r.conflict; i++) {
		const char *pem = j->get_string(r.json, parts[i]);
		size_t n = pem ? strlen(pem) : 0;
		char *grown = n ? realloc(chain, len + n + 2) : chain;

		if (!n || !grown)
			continue;
		chain = grown;
		memcpy(chain + len, pem, n);
		len += n;
		if (len && chain[len - 1] != '\n')
			chain[len++] = '\n';
		chain[len] = '\0';
	}
	gd_cert_file(c, cn, "crt", path, sizeof(path));
	if (!chain || !strstr(chain, "-----BEGIN CERTIFICATE-----")) {
		c->h->diag->error(c->call, NULL,
		                  "GoDaddy gave no certificate for %s (%ld %s)",
		                  cn, r.status, r.text);
		st = r.conflict ? ES_RETRY : ES_FAILED;
	} else if (gd_write_file(path, chain, 0644, err, sizeof(err))) {
		c->h->diag->error(c->call, "secrets_dir", "%s", err);
		st = ES_FAILED;
	}
	free(chain);
	gd_reply_free(c, &r);
	return st;
}

/* The serial GoDaddy reports for order `id` while ISSUED, or "". */
static enum es_status issued_serial(struct ctx *c, const char *id, char *serial,
                                    size_t size)
{
	struct reply r;
	enum es_status st =
	    gd_api(c, &r, "GET", NULL, NULL, "/v1/certificates/%s", id);
	const char *s, *n;

	*serial = '\0';
	if (st != ES_OK)
		return st;
	s = c->h->json->get_string(r.json, "status");
	n = c->h->json->get_string(r.json, "serialNumber");
	if (s && !strcmp(s, "ISSUED"))
		snprintf(serial, size, "%s", n ? n : "unknown");
	gd_reply_free(c, &r);
	return ES_OK;
}

/* Renewal: POST renew once (its old serial kept in state), then wait
 * until GoDaddy reports a new serial and download that. */
static enum es_status renew(struct ctx *c, size_t idx, const char *cn,
                            const char *id, int *waiting)
{
	char serial[128], old[128], intent[300];
	const char *was = gd_state_get(c, "renewing", cn, old, sizeof(old));
	char *csr, *body;
	struct reply r;
	enum es_status st;

	if (!was)
		*old = '\0';
	st = issued_serial(c, id, serial, sizeof(serial));
	if (st != ES_OK)
		return st;
	if (*old && *serial && strcmp(serial, old) != 0) {
		st = download(c, cn, id);
		return st == ES_OK && gd_state_put(c, "renewing", cn, NULL)
		           ? ES_FAILED
		           : st;
	}
	gd_wait_for(waiting, 2);
	if (*old || !*serial)
		return ES_OK; /* asked already, or not issued: wait */
	csr = gd_order_csr(c, idx, cn);
	body = csr ? gd_order_body(c, idx, cn, csr, 1) : NULL;
	free(csr);
	if (!body)
		return ES_FAILED;
	snprintf(intent, sizeof(intent), "renew certificate %s", cn);
	st = gd_api(c, &r, "POST", body, intent, "/v1/certificates/%s/renew",
	            id);
	c->h->mem_free(body);
	if (st == ES_OK && r.conflict)
		st = gd_failure(c, &r, intent);
	if (st == ES_OK) {
		gd_reply_free(c, &r);
		if (gd_state_put(c, "renewing", cn, serial))
			st = ES_FAILED;
	}
	return st;
}

enum es_status gd_one_download(struct ctx *c, size_t idx, const char *cn,
                               int *waiting)
{
	int64_t window_s =
	    c->h->config->get_duration_ms(c->call, "renewal_window") / 1000;
	char path[4200], err[512], detail[96], expires[32], id[128], tmp[128];
	const char *renewing =
	    gd_state_get(c, "renewing", cn, tmp, sizeof(tmp));
	int absent, keyed = 0, readable;
	char *pem;
	time_t until = 0;
	EVP_PKEY *key = gd_load_key(c, cn, &absent);
	enum es_status st = ES_OK;
	long days;

	if (!gd_state_get(c, "order", cn, id, sizeof(id)))
		*id = '\0';
	gd_cert_file(c, cn, "crt", path, sizeof(path));
	pem = gd_read_file(path, &absent, err, sizeof(err));
	readable = pem && gd_cert_info(pem, key, &until, &keyed, err,
	                               sizeof(err)) == 0;
	free(pem);
	EVP_PKEY_free(key);
	days = (long)((until - time(NULL)) / 86400);
	if (!readable) {
		if (!gd_reported(c, &st,
		                 *id ? ES_CHANGE_CREATE : ES_CHANGE_UNKNOWN,
		                 "certificate_file", cn,
		                 absent ? "download" : "replace: unreadable"))
			st = *id ? download(c, cn, id) : ES_FAILED;
		if (st == ES_FAILED && !*id)
			c->h->diag->error(c->call, NULL, "%s has no order", cn);
		return st;
	}
	if (until - time(NULL) < window_s || renewing) {
		snprintf(detail, sizeof(detail), "renew: expires in %ld days",
		         days);
		if (c->phase == ES_PHASE_VERIFY && !renewing)
			c->h->log->log(c->call, ES_LOG_WARNING, "%s: %s", cn,
			               detail);
		else if (!gd_reported(c, &st, ES_CHANGE_UPDATE, "certificate",
		                      cn, detail))
			return *id ? renew(c, idx, cn, id, waiting) : ES_FAILED;
		if (c->phase == ES_PHASE_PLAN)
			return st;
	}
	if (c->phase == ES_PHASE_VERIFY && !keyed)
		c->h->log->log(c->call, ES_LOG_WARNING,
		               "%s in %s does not match its private key: "
		               "reissue it with a new CSR",
		               cn, path);
	if (c->phase == ES_PHASE_VERIFY) {
		strftime(expires, sizeof(expires), "%Y-%m-%dT%H:%M:%SZ",
		         gmtime(&until));
		if (gd_publish(c, "certificate_path", cn, path) ||
		    gd_publish(c, "expires_at", cn, expires))
			return ES_FAILED;
	}
	return ES_OK;
}
