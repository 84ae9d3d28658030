/*
 * braintree: the API keys (ping) and the merchant accounts. Both tasks
 * only read: Braintree has no mutation that creates a merchant account,
 * so a missing currency is a person's task (ES_NEEDS_PERSON with the exact
 * question), found again by the next apply once it is done. Neither task
 * created anything, so the teardown phases have nothing to remove.
 */
#include <stdio.h>
#include <string.h>

#include "braintree.h"

/* Operation names make every query recognisable in traces and in the
 * conformance stage, which validates each against the published schema. */
#define PING_QUERY "query Ping { ping }"
#define ACCOUNTS_QUERY                                                         \
	"query MerchantAccounts($first: Int, $after: String) { viewer { "      \
	"merchant { id merchantAccounts(first: $first, after: $after) { "      \
	"edges { node { id currencyCode status isDefault } } "                 \
	"pageInfo { hasNextPage endCursor } } } } }"
#define ACCOUNTS "data.viewer.merchant.merchantAccounts"

#define PAGE_SIZE 50  /* merchantAccounts(first:) per page */
#define MAX_PAGES 100 /* 5000 accounts: past it, the listing is broken */

/* ---- verify_credentials --------------------------------------------- */

enum es_status bt_verify_credentials(const struct es_ctx *x)
{
	struct ctx c;
	struct es_reply r;
	const char *pong;
	enum es_status st;

	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return ES_OK; /* a look-up: nothing to remove */
	if (bt_open(x, &c))
		return ES_INVALID_CONFIG;
	/* Rejected keys are ES_INVALID_CONFIG naming private_key, whether
	 * Braintree says so with a 401 or with AUTHENTICATION in a 200. */
	st = bt_query(&c, &r, PING_QUERY, NULL, "Ping");
	pong = st == ES_OK ? c.h->json->get_string(r.json, "data.ping") : NULL;
	if (st == ES_OK && (!pong || strcmp(pong, "pong") != 0))
		st = es_reply_malformed(&c.api, &r, "query Ping", "\"pong\"");
	es_reply_free(&r);
	return st;
}

/* ---- merchant_accounts ---------------------------------------------- */

/* {id, currencyCode, status, isDefault} of `node` (transfer full). */
static es_json *copy_account(struct ctx *c, const es_json *node)
{
	const struct es_json_api *j = c->h->json;
	const char *status = j->get_string(node, "status");
	es_json *o = j->new_object();

	j->set_string(o, "id", j->get_string(node, "id"));
	j->set_string(o, "currencyCode", j->get_string(node, "currencyCode"));
	j->set_string(o, "status", status ? status : "UNKNOWN");
	j->set_bool(o, "isDefault", j->get_bool(node, "isDefault", 0));
	return o;
}

/* One page's accounts, appended to `into` as {id, currencyCode, status,
 * isDefault}, after checking the page holds what the query asks for. */
static enum es_status take_page(struct ctx *c, struct es_reply *r,
                                es_json *into)
{
	const struct es_json_api *j = c->h->json;
	const es_json *edges = j->get(r->json, ACCOUNTS ".edges");
	const char *merchant =
	    j->get_string(r->json, "data.viewer.merchant.id");
	const char *want = bt_cfg(c, "merchant_id");

	if (!merchant || j->kind(edges) != ES_JSON_ARRAY ||
	    j->kind(j->get(r->json, ACCOUNTS ".pageInfo.hasNextPage")) !=
	        ES_JSON_BOOL)
		return es_reply_malformed(&c->api, r, "query MerchantAccounts",
		                          "the merchant and its accounts");
	if (want && strcmp(merchant, want) != 0) {
		c->h->diag->error(
		    c->call, "merchant_id",
		    "the API keys belong to Braintree merchant %s, "
		    "not %s: keys of another gateway (sandbox "
		    "keys for production?)",
		    merchant, want);
		return ES_INVALID_CONFIG;
	}
	for (size_t i = 0; i < j->array_size(edges); i++) {
		const es_json *node = j->get(j->array_item(edges, i), "node");
		const char *id = j->get_string(node, "id");
		const char *currency = j->get_string(node, "currencyCode");

		if (id && currency) /* else not usable for a currency */
			j->add(into, NULL, copy_account(c, node));
	}
	return ES_OK;
}

/* Every merchant account of the merchant (transfer full in *out). */
static enum es_status list_accounts(struct ctx *c, es_json **out)
{
	const struct es_json_api *j = c->h->json;
	es_json *vars = j->new_object(), *all = j->new_array();
	struct es_reply r;
	enum es_status st = ES_OK;
	int more = 1;

	j->set_number(vars, "first", PAGE_SIZE);
	for (unsigned page = 0; st == ES_OK && more; page++) {
		if (page == MAX_PAGES) {
			c->h->diag->error(
			    c->call, NULL,
			    "query MerchantAccounts: more than %u "
			    "pages; giving up",
			    MAX_PAGES);
			st = ES_FAILED;
			break;
		}
		st = bt_query(c, &r, ACCOUNTS_QUERY, vars, "MerchantAccounts");
		if (st == ES_OK)
			st = take_page(c, &r, all);
		more = st == ES_OK &&
		       es_graphql_next_page(
		           &c->api, &r, ACCOUNTS ".pageInfo.endCursor",
		           ACCOUNTS ".pageInfo.hasNextPage", vars, "after");
		es_reply_free(&r);
	}
	j->free(vars);
	if (st != ES_OK) {
		j->free(all);
		return st;
	}
	*out = all;
	return ES_OK;
}

/* The account of `currency`: the one state recorded while Braintree
 * still lists it (a customer may hold several), else the default one,
 * else the first. NULL when the merchant has none. */
static const es_json *account_for(struct ctx *c, const es_json *all,
                                  const char *currency, const char *recorded)
{
	const struct es_json_api *j = c->h->json;
	const es_json *first = NULL, *preferred = NULL;

	for (size_t i = 0; i < j->array_size(all); i++) {
		const es_json *a = j->array_item(all, i);

		if (strcmp(j->get_string(a, "currencyCode"), currency) != 0)
			continue;
		if (recorded && strcmp(j->get_string(a, "id"), recorded) == 0)
			return a;
		if (!first)
			first = a;
		if (!preferred && j->get_bool(a, "isDefault", 0))
			preferred = a;
	}
	return preferred ? preferred : first;
}

/* verify, everything in place: what the platform configures its gateway
 * with. */
static enum es_status publish(struct ctx *c, const es_json *chosen)
{
	const struct es_json_api *j = c->h->json;
	es_json *list = j->new_array();
	char name[64];
	char *text;
	int bad = 0;

	for (size_t i = 0; i < j->array_size(chosen); i++) {
		const es_json *a = j->array_item(chosen, i);
		es_json *o = j->new_object();

		j->set_string(o, "currency", j->get_string(a, "currencyCode"));
		j->set_string(o, "acct", j->get_string(a, "id"));
		j->set_bool(o, "default", j->get_bool(a, "isDefault", 0));
		j->add(list, NULL, o);
		snprintf(name, sizeof(name), "merchant_account_id:%s",
		         j->get_string(a, "currencyCode"));
		bad |=
		    c->h->output->set(c->call, name, j->get_string(a, "id"), 0);
	}
	text = j->print(list);
	j->free(list);
	bad |= !text ||
	       c->h->output->set(c->call, "merchant_accounts", text, 0) ||
	       c->h->output->set(c->call, "merchant_id",
	                         bt_cfg(c, "merchant_id"), 0);
	c->h->mem_free(text);
	return bad ? ES_FAILED : ES_OK;
}

/* apply: the person's part, as one question naming every currency. */
static enum es_status ask_person(struct ctx *c, const char *missing,
                                 const char *pending)
{
	char create[512] = "", review[256] = "";

	if (*missing)
		snprintf(
		    create, sizeof(create),
		    " In the Control Panel of merchant %s (Settings > "
		    "Business > Merchant Accounts > New Merchant Account), "
		    "create one merchant account in each of:%s.",
		    bt_cfg(c, "merchant_id"), missing);
	if (*pending)
		snprintf(review, sizeof(review),
		         " Braintree is still reviewing the merchant account "
		         "of:%s; answer its questions in the Control Panel.",
		         pending);
	c->h->diag->ask(c->call,
	                "Braintree's API cannot create or approve merchant "
	                "accounts.%s%s Then run envsetup confirm "
	                "braintree:merchant_accounts.",
	                create, review);
	return ES_NEEDS_PERSON;
}

static void append(char *list, size_t size, const char *item)
{
	size_t n = strlen(list);

	snprintf(list + n, size - n, " %s", item);
}

/* One currency: found, recorded, ACTIVE. `missing`/`pending` collect what
 * a person must do (apply); plan and verify report it as they go. */
static enum es_status check_currency(struct ctx *c, const es_json *all,
                                     const char *currency, es_json *chosen,
                                     char *missing, char *pending, size_t size)
{
	const struct es_json_api *j = c->h->json;
	char key[64];
	const es_json *a;
	const char *id, *status;
	enum es_status st = ES_OK;

	snprintf(key, sizeof(key), "merchant_account.%s", currency);
	a = account_for(c, all, currency, c->h->state->get(c->call, key));
	if (!a) {
		if (!es_reported(c->x, &st, ES_CHANGE_CREATE,
		                 "merchant_account", currency,
		                 "no API: a person creates it in the Control "
		                 "Panel"))
			append(missing, size, currency);
		return st;
	}
	id = j->get_string(a, "id");
	status = j->get_string(a, "status");
	/* Found, whoever made it: record its id (a change in plan). */
	if (es_record(c->x, &st, key, id, "merchant_account", currency))
		return st;
	if (strcmp(status, "SUSPENDED") == 0) {
		c->h->diag->error(
		    c->call, "currencies",
		    "Braintree suspended merchant account %s (%s)", id,
		    currency);
		return ES_FAILED;
	}
	if (strcmp(status, "ACTIVE") != 0) {
		char detail[96];

		snprintf(detail, sizeof(detail),
		         "%s %s -> ACTIVE: Braintree's review", id, status);
		if (!es_reported(c->x, &st, ES_CHANGE_UPDATE,
		                 "merchant_account", currency, detail))
			append(pending, size, currency);
		return st;
	}
	j->add(chosen, NULL, copy_account(c, a));
	return ES_OK;
}

enum es_status bt_merchant_accounts(const struct es_ctx *x)
{
	struct ctx c;
	es_json *all = NULL, *chosen;
	char missing[256] = "", pending[256] = "";
	size_t n;
	enum es_status st, worst = ES_OK;

	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return ES_OK; /* envsetup never creates a merchant account */
	if (bt_open(x, &c))
		return ES_INVALID_CONFIG;
	st = list_accounts(&c, &all);
	if (st != ES_OK)
		return st;
	chosen = c.h->json->new_array();
	n = c.h->config->list_size(c.call, "currencies");
	/* Every currency is looked at, so plan and verify report them all;
	 * a failure outranks any other status. */
	for (size_t i = 0; i < n; i++) {
		st = check_currency(
		    &c, all, c.h->config->list_item(c.call, "currencies", i),
		    chosen, missing, pending, sizeof(missing));
		if (st != ES_OK && (worst == ES_OK || st == ES_FAILED))
			worst = st;
	}
	if (worst == ES_OK && c.phase == ES_PHASE_APPLY &&
	    (*missing || *pending))
		worst = ask_person(&c, missing, pending);
	else if (worst == ES_OK && c.phase == ES_PHASE_VERIFY)
		worst = publish(&c, chosen);
	c.h->json->free(chosen);
	c.h->json->free(all);
	return worst;
}
