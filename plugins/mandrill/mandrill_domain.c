/*
 * mandrill: the account and the sender domain. Checks the API key, adds
 * the sender domain and hands out the DNS records it needs, and polls
 * until Mandrill says the domain may sign mail.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mandrill.h"

#define VERIFY_POLL_MS 60000u /* DNS changes take minutes: poll slowly */
#define DOMAIN_KEY "sender_domain"

/* ---- verify_api_key ------------------------------------------------- */

enum es_status md_verify_api_key(const struct es_ctx *x)
{
	struct ctx c;
	struct es_reply r;
	const char *pong;
	enum es_status st;

	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return ES_OK; /* read-only: nothing to remove */
	if (md_open(x, &c))
		return ES_INVALID_CONFIG;
	st = md_call(&c, &r, "/users/ping", NULL, NULL);
	pong = c.h->json->get_string(r.json, "");
	if (st == ES_OK && (!pong || strcmp(pong, "PONG!") != 0))
		st = es_reply_malformed(&c.api, &r, "users/ping", "\"PONG!\"");
	es_reply_free(&r);
	return st; /* Invalid_Key is ES_INVALID_CONFIG naming api_key */
}

/* ---- add_sender_domain ---------------------------------------------- */

/* The item of senders/domains' list that is our domain (nullable). */
static const es_json *find_domain(struct ctx *c, const es_json *list)
{
	const struct es_json_api *j = c->h->json;

	for (size_t i = 0; i < j->array_size(list); i++) {
		const es_json *d = j->array_item(list, i);
		const char *name = j->get_string(d, "domain");

		if (name && strcasecmp(name, c->domain) == 0)
			return d;
	}
	return NULL;
}

/* senders/domains, with our domain's entry in *found (nullable). A 2xx
 * that is no list is a failure of the request, never "absent". */
static enum es_status list_domains(struct ctx *c, struct es_reply *r,
                                   const es_json **found)
{
	enum es_status st = md_call(c, r, "/senders/domains", NULL, NULL);

	*found = NULL;
	if (st == ES_OK && c->h->json->kind(r->json) != ES_JSON_ARRAY)
		return es_reply_malformed(&c->api, r, "senders/domains",
		                          "the list of sender domains");
	if (st == ES_OK)
		*found = find_domain(c, r->json);
	return st;
}

/* A record named `prefix` + the domain. */
static void add_record(struct ctx *c, es_json *out, const char *type,
                       const char *prefix, const char *value)
{
	char name[600];

	snprintf(name, sizeof(name), "%s%s", prefix, c->domain);
	es_records_add(c->x, out, type, name, value);
}

/* The records Mandrill needs: its API reports only whether they hold, so
 * the values are the documented ones (README: "DNS records"). */
static enum es_status publish_records(struct ctx *c, const es_json *domain)
{
	const struct es_json_api *j = c->h->json;
	const char *txt = j->get_string(domain, "verify_txt_key");
	const char *policy = md_cfg(c, "dmarc_policy");
	es_json *records = j->new_array();
	char value[300];
	char *text;
	enum es_status st;

	if (!records)
		return ES_FAILED;
	if (txt) { /* proves ownership without the verification e-mail */
		snprintf(value, sizeof(value), "mandrill_verify.%s", txt);
		add_record(c, records, "TXT", "", value);
	}
	add_record(c, records, "TXT", "",
	           "v=spf1 include:spf.mandrillapp.com ?all");
	add_record(c, records, "CNAME", "mte1._domainkey.",
	           "dkim1.mandrillapp.com");
	add_record(c, records, "CNAME", "mte2._domainkey.",
	           "dkim2.mandrillapp.com");
	snprintf(value, sizeof(value), "v=DMARC1; p=%s",
	         policy ? policy : "none");
	add_record(c, records, "TXT", "_dmarc.", value);
	text = j->print(records);
	j->free(records);
	st = text ? md_publish(c, "dns_records", text, 0) : ES_FAILED;
	c->h->mem_free(text);
	if (st == ES_OK)
		st = md_publish(c, "smtp_host", "smtp.mandrillapp.com", 0);
	return st;
}

/* Add the domain and record it. Adding one that exists returns it, so a
 * create whose answer was lost is harmless to repeat after the look-up. */
static enum es_status post_domain(struct ctx *c)
{
	char intent[320];
	struct es_reply r;
	enum es_status st;

	if (es_claim(c->x, DOMAIN_KEY, c->domain))
		return ES_FAILED;
	snprintf(intent, sizeof(intent), "add sender domain %s", c->domain);
	st =
	    md_call1(c, &r, "/senders/add-domain", "domain", c->domain, intent);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !c->h->json->get_string(r.json, "domain"))
		st = es_reply_malformed(&c->api, &r, intent, "the domain");
	else if (st == ES_OK)
		es_record(c->x, &st, DOMAIN_KEY, c->domain, "sender domain",
		          c->domain);
	es_reply_free(&r);
	return st;
}

enum es_status md_add_sender_domain(const struct es_ctx *x)
{
	struct ctx c;
	const es_json *found;
	struct es_reply r;
	enum es_status st;

	if (md_open(x, &c))
		return ES_INVALID_CONFIG;
	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return md_teardown(&c, DOMAIN_KEY, NULL, "sender domain",
		                   "/senders/delete-domain", "domain", 0);
	st = list_domains(&c, &r, &found);
	if (st == ES_OK && found) {
		/* Found: recorded (a change when the state lacks it), and
		 * verify publishes the records it needs. */
		if (!es_record(x, &st, DOMAIN_KEY, c.domain, "sender domain",
		               c.domain) &&
		    c.phase == ES_PHASE_VERIFY)
			st = publish_records(&c, found);
	} else if (st == ES_OK &&
	           !es_reported(x, &st, ES_CHANGE_CREATE, "sender domain",
	                        c.domain,
	                        "with DKIM, SPF and DMARC records to "
	                        "publish")) {
		st = post_domain(&c);
	}
	es_reply_free(&r);
	return st;
}

/* ---- verify_sender_domain (long-running: polls until DNS holds) ----- */

/* "verified", or "pending: <what is missing>", or "absent". */
static void verdict(struct ctx *c, const es_json *d, char *buf, size_t size)
{
	static const char *const checks[] = {"dkim", "dkim2", "dmarc"};
	const struct es_json_api *j = c->h->json;
	size_t at;

	if (!d) {
		snprintf(buf, size, "absent");
		return;
	}
	if (j->get_bool(d, "valid_signing", 0)) {
		snprintf(buf, size, "verified");
		return;
	}
	at = (size_t)snprintf(buf, size, "pending:");
	if (!j->get_string(d, "verified_at") && at < size)
		at += (size_t)snprintf(buf + at, size - at, " ownership");
	for (size_t i = 0; i < 3 && at < size; i++) {
		char path[16];

		snprintf(path, sizeof(path), "%s.valid", checks[i]);
		if (!j->get_bool(d, path, 0))
			at += (size_t)snprintf(buf + at, size - at, " %s",
			                       checks[i]);
	}
}

enum es_status md_verify_sender_domain(const struct es_ctx *x)
{
	struct ctx c;
	const es_json *found = NULL;
	char state[96];
	struct es_reply r;
	enum es_status st;

	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return ES_OK; /* a check: nothing to remove */
	if (md_open(x, &c))
		return ES_INVALID_CONFIG;
	if (c.phase == ES_PHASE_APPLY) {
		/* check-domain makes Mandrill look at DNS again: safe to
		 * repeat, so it is no journaled write. */
		st = md_call1(&c, &r, "/senders/check-domain", "domain",
		              c.domain, NULL);
		found = r.json;
		if (st == ES_OK && !c.h->json->get_string(r.json, "domain"))
			st = es_reply_malformed(
			    &c.api, &r, "senders/check-domain", "the domain");
	} else {
		st = list_domains(&c, &r, &found);
	}
	if (st != ES_OK) {
		es_reply_free(&r);
		return st;
	}
	verdict(&c, found, state, sizeof(state));
	st = es_await_state(x, "sender domain", c.domain, "domain_state", state,
	                    "verified", VERIFY_POLL_MS,
	                    "waiting for the records of output dns_records to "
	                    "be published");
	es_reply_free(&r);
	return st;
}
