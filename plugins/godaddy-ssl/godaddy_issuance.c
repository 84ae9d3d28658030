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
 * their tokens go to c->ask (for a person) or, when the DNS is at
 * GoDaddy, to the zone. A list that cannot be read counts as no list at
 * all, never as "nothing pending". */
static enum es_status pending_checks(struct ctx *c, const char *id, int act,
                                     int *pending)
{
	const struct es_json_api *j = c->h->json;
	char *cust = c->h->http->escape(gd_cfg(c, "customer_id"));
	char *eid = c->h->http->escape(id), path[600] = "";
	int at_godaddy = c->h->config->get_bool(c->call, "dns_at_godaddy");
	size_t used = strlen(c->ask);
	struct es_reply r = {0};
	enum es_status st = ES_FAILED;

	*pending = 0;
	if (cust && eid) {
		snprintf(path, sizeof(path),
		         "/v2/customers/%s/certificates/%s/domainVerifications",
		         cust, eid);
		st = es_client_call(&c->api, &r, NULL, "%s", path);
	}
	c->h->mem_free(cust);
	c->h->mem_free(eid);
	if (st == ES_OK &&
	    (r.outcome != ES_FOUND || j->kind(r.json) != ES_JSON_ARRAY))
		st = es_reply_malformed(&c->api, &r, path,
		                        "a list of domain verifications");
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
			c->h->diag->error(
			    c->call, NULL,
			    "GoDaddy gives no DNS token for %s (%s): follow "
			    "GoDaddy's e-mail",
			    j->get_string(e, "domain")
			        ? j->get_string(e, "domain")
			        : "a name",
			    s ? s : "no status");
			st = ES_FAILED;
		} else if (at_godaddy) {
			st = gd_publish_txt(c, token);
		} else if (used < sizeof(c->ask) && !strstr(c->ask, token)) {
			used += (size_t)snprintf(
			    c->ask + used, sizeof(c->ask) - used,
			    "%sTXT record at %s (host @) = %s",
			    used ? "; " : "", c->domain, token);
		}
	}
	es_reply_free(&r);
	return st;
}

/* Ask GoDaddy to check the DNS token, then whether it saw it. */
static enum es_status ask_godaddy_to_check(struct ctx *c, const char *cn,
                                           const char *id)
{
	/* Asking GoDaddy to look again is safe to repeat: not journaled. */
	struct es_send s = es_json_write("POST", NULL, NULL);
	struct es_reply r;
	int pending = 0;
	enum es_status st = es_client_call(
	    &c->api, &r, &s, "/v1/certificates/%s/verifyDomainControl", id);

	if (st == ES_OK && r.outcome == ES_CONFLICT) {
		c->h->progress->step(c->call,
		                     "%s: GoDaddy does not see the DNS token "
		                     "yet (%s)",
		                     cn, r.message);
		gd_wait_for(c, GD_WAIT_GODADDY);
	}
	es_reply_free(&r);
	if (st != ES_OK || c->waiting)
		return st;
	/* GoDaddy may list the result a moment after its 204. */
	st = pending_checks(c, id, 0, &pending);
	if (st == ES_OK && pending)
		gd_wait_for(c, GD_WAIT_GODADDY);
	return st;
}

static enum es_status validation_one(struct ctx *c, size_t idx, const char *cn)
{
	struct gd_order o;
	int pending = 0;
	enum es_status st = gd_recorded_order(c, cn, &o);

	(void)idx;
	if (st != ES_OK ||
	    (!o.live && es_reported(c->x, &st, ES_CHANGE_UNKNOWN,
	                            "domain_control", cn, "after the order")))
		return st;
	if (!o.live) {
		c->h->diag->error(c->call, NULL, "%s has no live order (%s)",
		                  cn, o.status);
		return ES_FAILED;
	}
	if (strcmp(o.status, "PENDING_ISSUANCE") != 0)
		return ES_OK; /* issued or re-keying: validated */
	st = pending_checks(c, o.id, c->phase == ES_PHASE_APPLY, &pending);
	if (st != ES_OK || !pending ||
	    es_reported(c->x, &st, ES_CHANGE_UPDATE, "domain_control", cn,
	                "publish the DNS token, then ask GoDaddy to check"))
		return st;
	if (!c->h->config->get_bool(c->call, "dns_at_godaddy") &&
	    !c->h->gate->confirmed(c->call)) {
		gd_wait_for(c, GD_WAIT_PERSON);
		return ES_OK;
	}
	return ask_godaddy_to_check(c, cn, o.id);
}

enum es_status gd_validate_domain(const struct es_ctx *x)
{
	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return gd_destroy(x);
	return gd_each_certificate(x, validation_one);
}

/* ---- wait_issued ---------------------------------------------------- */

static enum es_status issuance_one(struct ctx *c, size_t idx, const char *cn)
{
	char detail[96];
	struct gd_order o;
	enum es_status st = gd_recorded_order(c, cn, &o);

	(void)idx;
	if (st != ES_OK || !strcmp(o.status, "ISSUED"))
		return st == ES_OK && c->phase == ES_PHASE_VERIFY &&
		               gd_publish(c, "status", cn, o.status)
		           ? ES_FAILED
		           : st;
	snprintf(detail, sizeof(detail), "status %s -> ISSUED", o.status);
	if (es_reported(c->x, &st,
	                o.live ? ES_CHANGE_UPDATE : ES_CHANGE_UNKNOWN,
	                "certificate", cn, detail))
		return st;
	if (!o.live) {
		c->h->diag->error(c->call, NULL,
		                  "%s will not be issued: its order is %s", cn,
		                  o.status);
		return ES_FAILED;
	}
	c->h->progress->step(c->call, "%s is %s", cn, o.status);
	gd_wait_for(c, GD_WAIT_GODADDY);
	return ES_OK;
}

enum es_status gd_wait_issued(const struct es_ctx *x)
{
	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return gd_destroy(x);
	return gd_each_certificate(x, issuance_one);
}

/* ---- download_certificate (and renewal) ----------------------------- */

/* The chain of a CertificateBundle: certificate, intermediate, cross
 * (transfer full), or NULL when it holds no certificate. */
static char *chain_of(struct ctx *c, const es_json *bundle)
{
	static const char *const parts[] = {"pems.certificate",
	                                    "pems.intermediate", "pems.cross"};
	char *chain = NULL;
	size_t len = 0;

	for (size_t i = 0; i < 3; i++) {
		const char *pem = c->h->json->get_string(bundle, parts[i]);
		size_t n = pem ? strlen(pem) : 0;
		char *grown = n ? realloc(chain, len + n + 2) : chain;

		if (!n || !grown)
			continue;
		chain = grown;
		memcpy(chain + len, pem, n);
		len += n;
		if (chain[len - 1] != '\n')
			chain[len++] = '\n';
		chain[len] = '\0';
	}
	if (chain && !strstr(chain, "-----BEGIN CERTIFICATE-----")) {
		free(chain);
		chain = NULL;
	}
	return chain;
}

/* GET download and write the chain next to the key, 0644. */
static enum es_status download(struct ctx *c, const char *cn, const char *id)
{
	char path[4200], err[512], url[300], *chain = NULL;
	struct es_reply r;
	enum es_status st;

	snprintf(url, sizeof(url), "/v1/certificates/%s/download", id);
	st = es_client_call(&c->api, &r, NULL, "%s", url);
	if (st == ES_OK && r.outcome != ES_FOUND) {
		c->h->diag->error(c->call, NULL,
		                  "%s: GoDaddy has no certificate for %s "
		                  "(%ld %s)",
		                  url, cn, r.http_status, r.message);
		st = r.outcome == ES_CONFLICT ? ES_RETRY : ES_FAILED;
	} else if (st == ES_OK && !(chain = chain_of(c, r.json))) {
		st = es_reply_malformed(&c->api, &r, url, "a PEM certificate");
	}
	gd_cert_file(c, cn, "crt", path, sizeof(path));
	if (chain && gd_write_file(path, chain, 0644, err, sizeof(err))) {
		c->h->diag->error(c->call, "secrets_dir", "%s", err);
		st = ES_FAILED;
	}
	free(chain);
	es_reply_free(&r);
	return st;
}

/* Whether GoDaddy's answer shows it refused the request unseen (a 4xx,
 * 429 included: the HTTP service resends those), so nothing happened. */
static int refused(const struct es_reply *r)
{
	return r->http_status >= 400 && r->http_status <= 499;
}

/* POST renew, its old serial recorded first: an answer that is lost must
 * not renew (and pay) twice, so only a refusal forgets it again. */
static enum es_status ask_renewal(struct ctx *c, size_t idx, const char *cn,
                                  const struct gd_order *o)
{
	char intent[300], *csr = gd_order_csr(c, idx, cn);
	char *body = csr ? gd_order_body(c, idx, cn, csr, 1) : NULL;
	struct es_send s = es_json_write("POST", body, intent);
	struct es_reply r;
	enum es_status st;

	free(csr);
	if (!body || gd_state_put(c, "renewing", cn, o->serial)) {
		c->h->mem_free(body);
		return ES_FAILED;
	}
	snprintf(intent, sizeof(intent), "renew certificate %s", cn);
	es_client_call(&c->api, &r, &s, "/v1/certificates/%s/renew", o->id);
	st = r.status;
	c->h->mem_free(body);
	if (st == ES_OK && r.outcome == ES_CONFLICT)
		st = es_client_failure(&c->api, r.http_status, r.message,
		                       intent);
	if (refused(&r) && gd_state_put(c, "renewing", cn, NULL))
		st = ES_FAILED;
	es_reply_free(&r);
	return st;
}

/* Renewal: POST renew once, then wait until GoDaddy reports a new serial
 * and download that. */
static enum es_status renew(struct ctx *c, size_t idx, const char *cn)
{
	char old[128];
	struct gd_order o;
	enum es_status st = gd_recorded_order(c, cn, &o);

	if (!gd_state_get(c, "renewing", cn, old, sizeof(old)))
		*old = '\0';
	if (st != ES_OK)
		return st;
	if (*old && *o.serial && strcmp(o.serial, old) != 0) {
		st = download(c, cn, o.id);
		return st == ES_OK && gd_state_put(c, "renewing", cn, NULL)
		           ? ES_FAILED
		           : st;
	}
	gd_wait_for(c, GD_WAIT_GODADDY);
	if (*old || !*o.serial)
		return ES_OK; /* asked already, or not issued: wait */
	return ask_renewal(c, idx, cn, &o);
}

static enum es_status download_one(struct ctx *c, size_t idx, const char *cn)
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
		if (!es_reported(c->x, &st,
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
		else if (!es_reported(c->x, &st, ES_CHANGE_UPDATE,
		                      "certificate", cn, detail))
			return *id ? renew(c, idx, cn) : ES_FAILED;
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

enum es_status gd_download_certificate(const struct es_ctx *x)
{
	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return gd_destroy(x);
	return gd_each_certificate(x, download_one);
}
