/*
 * eWAY Rapid API fake: GET /Search/Settlement, the one call the eway
 * plugin sends, answered in the shape of eWAY's Settlement Search
 * response (SettlementSummaries, SettlementTransactions, Errors). eWAY
 * publishes no machine-readable spec; tests/conformance/tables/eway.json
 * cites the documentation each part follows.
 *
 * Like eWAY: HTTP Basic api_key:api_password on every call; wrong or
 * missing credentials are a 401 with an empty body (eway-rapid-php reads
 * any 4xx as S9993 "Authentication error" without parsing it); eWAY's
 * own errors come with HTTP 200 as {"Errors": "V6xxx,..."}: a
 * ReportMode or SettlementDate it does not take is the validation error
 * V6000 (the fake's choice of code: the docs list no per-field code for
 * Settlement Search).
 *
 * Environment:
 *   SANDBOX_EWAY_API_KEY       default "sandbox-eway-key-0001"
 *   SANDBOX_EWAY_API_PASSWORD  default "sandbox-eway-password-0001"
 *   SANDBOX_EWAY_ERRORS        "CODE:N": the first N searches are answered
 *                              {"Errors": "CODE"} with HTTP 200 (S5029,
 *                              eWAY's "API Rate Limit Exceeded", S5000)
 *
 * Resources: injected_error only (the count of SANDBOX_EWAY_ERRORS
 * answers sent, so /_sandbox/reset restarts it): a search makes nothing
 * at eWAY, so it leaves nothing behind either.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"

#define P "eway"

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

/* A Settlement Search answer: summaries or eWAY's error codes. */
static void answer(struct sb_response *resp, cJSON *summaries,
                   const char *errors)
{
	cJSON *body = cJSON_CreateObject();

	if (summaries)
		cJSON_AddItemToObject(body, "SettlementSummaries", summaries);
	else
		cJSON_AddNullToObject(body, "SettlementSummaries");
	if (summaries)
		cJSON_AddArrayToObject(body, "SettlementTransactions");
	else
		cJSON_AddNullToObject(body, "SettlementTransactions");
	cJSON_AddStringToObject(body, "Errors", errors ? errors : "");
	sb_reply_json(resp, 200, body);
}

static int authorized(const struct sb_request *req)
{
	const char *user, *password;

	return sb_basic_auth(req, &user, &password) &&
	       strcmp(user, env_or("SANDBOX_EWAY_API_KEY",
	                           "sandbox-eway-key-0001")) == 0 &&
	       strcmp(password, env_or("SANDBOX_EWAY_API_PASSWORD",
	                               "sandbox-eway-password-0001")) == 0;
}

/* SANDBOX_EWAY_ERRORS: 1, with its code in `code`, when this search gets
 * the injected error. */
static int injected_error(char code[16])
{
	const char *spec = getenv("SANDBOX_EWAY_ERRORS");
	cJSON *counter, *sent;
	int limit = 0;

	if (!spec || sscanf(spec, "%15[A-Z0-9]:%d", code, &limit) != 2)
		return 0;
	counter = sb_resource_find(P, "injected_error", code);
	if (!counter) {
		counter = cJSON_CreateObject();
		cJSON_AddNumberToObject(counter, "sent", 0);
		counter = sb_resource_add(P, "injected_error", code, counter);
	}
	sent = cJSON_GetObjectItemCaseSensitive(counter, "sent");
	if (cJSON_GetNumberValue(sent) >= limit)
		return 0;
	cJSON_SetNumberValue(sent, cJSON_GetNumberValue(sent) + 1);
	return 1;
}

static int valid_report_mode(const char *mode)
{
	return mode && (strcmp(mode, "SummaryOnly") == 0 ||
	                strcmp(mode, "TransactionOnly") == 0 ||
	                strcmp(mode, "Both") == 0);
}

static void settlement_search(const struct sb_request *req,
                              struct sb_response *resp)
{
	const char *mode = sb_query(req, "ReportMode");
	const char *date = sb_query(req, "SettlementDate");
	cJSON *summaries, *s;
	char id[40];
	int y, m, d;

	if (!valid_report_mode(mode) || !date ||
	    sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3) {
		answer(resp, NULL, "V6000");
		return;
	}
	sb_new_id(id, sizeof(id), "settlement-");
	summaries = cJSON_CreateArray();
	s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "SettlementID", id);
	cJSON_AddStringToObject(s, "Currency", "036");
	cJSON_AddArrayToObject(s, "CurrencyCardTypeSummaries");
	cJSON_AddNumberToObject(s, "TotalCredit", 0);
	cJSON_AddNumberToObject(s, "TotalDebit", 0);
	cJSON_AddNumberToObject(s, "TotalBalance", 0);
	cJSON_AddArrayToObject(s, "BalancePerCardType");
	cJSON_AddItemToArray(summaries, s);
	answer(resp, summaries, NULL);
}

static void handle(const struct sb_request *req, struct sb_response *resp)
{
	char code[16];

	if (strcmp(req->path, "/Search/Settlement") != 0 ||
	    strcmp(req->method, "GET") != 0) {
		sb_reply(resp, 404, "application/json",
		         "{\"Message\":\"No HTTP resource was found that "
		         "matches the request URI.\"}");
		return;
	}
	if (!authorized(req)) {
		sb_reply(resp, 401, "text/plain", "%s", "");
		return;
	}
	if (injected_error(code)) {
		answer(resp, NULL, code);
		return;
	}
	settlement_search(req, resp);
}

static const struct sb_fake eway_fake = {.name = "eway", .handle = handle};
SB_REGISTER_FAKE(eway_fake)
