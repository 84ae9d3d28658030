/*
 * sparkpost: the account and the sending domain. Checks the API key,
 * creates the sending domain and hands out the DNS records it needs
 * (DKIM TXT from SparkPost's answer, the bounce CNAME), and polls until
 * SparkPost finds both in DNS.
 */
#include <stdio.h>
#include <string.h>

#include "sparkpost.h"

#define VERIFY_POLL_MS 60000u /* DNS changes take minutes: poll slowly */
#define DOMAIN_KEY "sending_domain"

/* ---- verify_api_key ------------------------------------------------- */

enum es_status sp_verify_api_key(const struct es_ctx *x)
{
	struct ctx c;
	struct es_reply r;
	enum es_status st;

	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return ES_OK; /* read-only: nothing to remove */
	if (sp_open(x, &c))
		return ES_INVALID_CONFIG;
	st = es_client_json(&c.api, &r, "GET", NULL, NULL, "/account");
	if (st == ES_OK && (r.outcome != ES_FOUND ||
	                    !c.h->json->get(r.json, "results.customer_id")))
		st = es_reply_malformed(&c.api, &r, "GET /account",
		                        "results.customer_id");
	es_reply_free(&r);
	return st; /* 401: ES_INVALID_CONFIG naming api_key */
}

/* ---- sending_domain ------------------------------------------------- */

/* GET /sending-domains/{domain}: found (with results), or absent. */
static enum es_status read_domain(struct ctx *c, struct es_reply *r)
{
	char path[900];
	enum es_status st;

	snprintf(path, sizeof(path), "/sending-domains/%s", c->dom);
	st = es_client_json(&c->api, r, "GET", NULL, NULL, "%s", path);
	if (st == ES_OK && r->outcome == ES_FOUND &&
	    !c->h->json->get(r->json, "results.status"))
		st = es_reply_malformed(&c->api, r, "GET /sending-domains",
		                        "the domain's status");
	return st;
}

/* The records the domain needs (sending-domains.apib "DNS notes"): the
 * DKIM key SparkPost generated, and the CNAME that makes the domain its
 * own bounce domain. */
static enum es_status publish_records(struct ctx *c, struct es_reply *r)
{
	const struct es_json_api *j = c->h->json;
	const char *pub = j->get_string(r->json, "results.dkim.public");
	const char *sel = j->get_string(r->json, "results.dkim.selector");
	es_json *records;
	char value[2048], name[1024];
	char *text;
	enum es_status st;

	if (!pub || !sel || strlen(pub) > 1900 || strlen(sel) > 120 ||
	    strpbrk(sel, ". \t\r\n"))
		return es_reply_malformed(&c->api, r, "GET /sending-domains",
		                          "a usable DKIM selector and key");
	records = j->new_array();
	if (!records)
		return ES_FAILED;
	snprintf(name, sizeof(name), "%s._domainkey.%s", sel, c->domain);
	snprintf(value, sizeof(value), "v=DKIM1; k=rsa; h=sha256; p=%s", pub);
	es_records_add(c->x, records, "TXT", name, value);
	es_records_add(c->x, records, "CNAME", c->domain,
	               c->eu ? "eu.sparkpostmail.com" : "sparkpostmail.com");
	text = j->print(records);
	j->free(records);
	st = text ? sp_publish(c, "dns_records", text, 0) : ES_FAILED;
	c->h->mem_free(text);
	if (st == ES_OK)
		st = sp_publish(c, "smtp_host",
		                c->eu ? "smtp.eu.sparkpostmail.com"
		                      : "smtp.sparkpostmail.com",
		                0);
	return st;
}

/* POST /sending-domains and record it. A 409 (the domain exists in this
 * account since the look-up) is looked at again; 400 7004 ("in use by
 * another account") and 7000 ("restricted") fail with SparkPost's words. */
static enum es_status post_domain(struct ctx *c)
{
	es_json *body = c->h->json->new_object();
	char intent[320];
	struct es_reply r;
	enum es_status st = ES_FAILED;

	memset(&r, 0, sizeof(r));
	c->h->json->set_string(body, "domain", c->domain);
	snprintf(intent, sizeof(intent), "create sending domain %s", c->domain);
	if (es_claim(c->x, DOMAIN_KEY, c->domain) == 0)
		st = es_client_json(&c->api, &r, "POST", body, intent,
		                    "/sending-domains");
	c->h->json->free(body);
	/* 409: made by someone else since the look-up: adopted (no claim),
	 * found by the next call. */
	if (st == ES_OK && r.outcome == ES_CONFLICT)
		st = es_unclaim(c->x, DOMAIN_KEY, NULL) ? ES_FAILED : ES_RETRY;
	else if (st == ES_OK &&
	         !c->h->json->get_string(r.json, "results.domain"))
		st = es_reply_malformed(&c->api, &r, intent, "results.domain");
	else if (st == ES_OK)
		es_record(c->x, &st, DOMAIN_KEY, c->domain, "sending domain",
		          c->domain);
	es_reply_free(&r);
	return st;
}

enum es_status sp_sending_domain(const struct es_ctx *x)
{
	struct ctx c;
	char path[900];
	struct es_reply r;
	enum es_status st;

	if (sp_open(x, &c))
		return ES_INVALID_CONFIG;
	if (x->phase >= ES_PHASE_PLAN_DESTROY) {
		/* The recorded domain, which is the configured one. */
		snprintf(path, sizeof(path), "/sending-domains/%s", c.dom);
		return sp_teardown(&c, DOMAIN_KEY, NULL, "sending domain",
		                   path);
	}
	st = read_domain(&c, &r);
	if (st == ES_OK && r.outcome == ES_FOUND) {
		/* Found: recorded (a change when the state lacks it), and
		 * verify publishes the records it needs. */
		if (!es_record(x, &st, DOMAIN_KEY, c.domain, "sending domain",
		               c.domain) &&
		    c.phase == ES_PHASE_VERIFY)
			st = publish_records(&c, &r);
	} else if (st == ES_OK &&
	           !es_reported(x, &st, ES_CHANGE_CREATE, "sending domain",
	                        c.domain,
	                        "with DKIM and bounce CNAME records to "
	                        "publish")) {
		st = post_domain(&c);
	}
	es_reply_free(&r);
	return st;
}

/* ---- verify_sending_domain (long-running: polls until DNS holds) ---- */

/* "verified", or "pending: dkim cname", from a status object. */
static void verdict(struct ctx *c, const es_json *status, char *buf,
                    size_t size)
{
	const char *dkim = c->h->json->get_string(status, "dkim_status");
	const char *cname = c->h->json->get_string(status, "cname_status");
	int dkim_ok = dkim && strcmp(dkim, "valid") == 0;
	int cname_ok = cname && strcmp(cname, "valid") == 0;

	if (dkim_ok && cname_ok)
		snprintf(buf, size, "verified");
	else
		snprintf(buf, size, "pending:%s%s", dkim_ok ? "" : " dkim",
		         cname_ok ? "" : " cname");
}

enum es_status sp_verify_sending_domain(const struct es_ctx *x)
{
	struct ctx c;
	const es_json *status = NULL;
	char path[900], state[96];
	struct es_reply r;
	enum es_status st;

	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return ES_OK; /* a check: nothing to remove */
	if (sp_open(x, &c))
		return ES_INVALID_CONFIG;
	if (c.phase == ES_PHASE_APPLY) {
		/* verify makes SparkPost look at DNS again: safe to repeat,
		 * so it is no journaled write. */
		es_json *body = c.h->json->new_object();

		c.h->json->set_bool(body, "dkim_verify", 1);
		c.h->json->set_bool(body, "cname_verify", 1);
		snprintf(path, sizeof(path), "/sending-domains/%s/verify",
		         c.dom);
		st = es_client_json(&c.api, &r, "POST", body, NULL, "%s", path);
		c.h->json->free(body);
		status = c.h->json->get(r.json, "results");
		if (st == ES_OK &&
		    (r.outcome != ES_FOUND ||
		     !c.h->json->get_string(status, "dkim_status")))
			st = es_reply_malformed(&c.api, &r,
			                        "POST /sending-domains/verify",
			                        "results.dkim_status");
	} else {
		st = read_domain(&c, &r);
		status = c.h->json->get(r.json, "results.status");
	}
	if (st != ES_OK) {
		es_reply_free(&r);
		return st;
	}
	if (r.outcome == ES_FOUND)
		verdict(&c, status, state, sizeof(state));
	else
		snprintf(state, sizeof(state), "absent");
	st = es_await_state(x, "sending domain", c.domain, "domain_state",
	                    state, "verified", VERIFY_POLL_MS,
	                    "waiting for the records of output dns_records to "
	                    "be published");
	es_reply_free(&r);
	return st;
}
