/*
 * eway: the credential check and the platform's values. The only call is
 * a read (Settlement Search, summary only), so a key that works is proven
 * without touching a payment; nothing is created, so the teardown phases
 * have nothing to remove.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "eway.h"

#define SETTLEMENT_SEARCH "GET Search/Settlement"

/* Yesterday in UTC: eWAY settles once a day, so the day before is always
 * a complete settlement date whatever the time zone of the account. */
static void settlement_date(char out[11])
{
	time_t t = time(NULL) - 24 * 60 * 60;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* verify, the key works: what the platform configures its eWAY gateway
 * with (mno-deploy's eway_login, eway_username, payment_gateway_mode). */
static enum es_status publish(struct ctx *c)
{
	const char *username = eway_cfg(c, "username");
	int bad =
	    c->h->output->set(c->call, "eway_login", eway_cfg(c, "customer_id"),
	                      0) ||
	    c->h->output->set(c->call, "gateway_mode",
	                      strcmp(c->url_key, "api_url") == 0 ? "production"
	                                                         : "sandbox",
	                      0) ||
	    c->h->output->set(c->call, "rapid_endpoint", c->api.base, 0);

	if (username)
		bad |= c->h->output->set(c->call, "eway_username", username, 0);
	return bad ? ES_FAILED : ES_OK;
}

enum es_status eway_verify_credentials(const struct es_ctx *x)
{
	struct ctx c;
	struct es_reply r;
	char date[11];
	enum es_status st;

	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return ES_OK; /* a look-up: nothing to remove */
	if (eway_open(x, &c))
		return ES_INVALID_CONFIG;
	settlement_date(date);
	/* A rejected key is a 401: ES_INVALID_CONFIG naming api_password. */
	st = es_client_call(&c.api, &r, NULL,
	                    "/Search/Settlement?ReportMode=SummaryOnly"
	                    "&SettlementDate=%s",
	                    date);
	if (st == ES_OK && r.outcome != ES_FOUND)
		st = es_reply_malformed(&c.api, &r, SETTLEMENT_SEARCH,
		                        "a settlement summary");
	if (st == ES_OK)
		st = eway_errors_in_200(&c, &r, SETTLEMENT_SEARCH);
	if (st == ES_OK && c.h->json->kind(c.h->json->get(
	                       r.json, "SettlementSummaries")) != ES_JSON_ARRAY)
		st = es_reply_malformed(&c.api, &r, SETTLEMENT_SEARCH,
		                        "SettlementSummaries");
	es_reply_free(&r);
	if (st == ES_OK && c.phase == ES_PHASE_VERIFY)
		st = publish(&c);
	return st;
}
