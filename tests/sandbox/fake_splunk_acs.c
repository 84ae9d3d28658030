/*
 * Splunk Cloud Admin Config Service fake (admin.splunk.com): the index and
 * HTTP Event Collector calls the splunk plugin sends in mode cloud, under
 * /{stack}/adminconfig/v2. Creates are asynchronous as ACS documents: 202
 * Accepted, then the object reads 404 for --async-polls GETs while it is
 * provisioned. A create of a name that exists (or is being provisioned)
 * is 409. Errors are ACS's {"code": "404-...", "message": "..."}.
 *
 * Auth: "Authorization: Bearer <token>" only (ACS takes no password), the
 * token of SANDBOX_SPLUNK_TOKEN (default "sandbox-splunk-token-0001"),
 * else 401 {"code": "401-unauthorized"}. SANDBOX_SPLUNK_STACK (default
 * "acme") is the only stack; another is 404.
 *
 * Resources (provider "acs"): kinds index and hec_token; their
 * attrs hold `polls_left` and never a token (derived from a per-process
 * seed like the REST fake's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sandbox.h"

#define P "acs"

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

static void acs_error(struct sb_response *resp, int status, const char *code,
                      const char *message)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "code", code);
	cJSON_AddStringToObject(j, "message", message);
	sb_reply_json(resp, status, j);
}

static unsigned long long seed;

static void token_of(const char *name, char *buf, size_t size)
{
	unsigned long long h = seed ^ 7809847782465536322ULL;

	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	snprintf(buf, size, "%08llx-%04llx-4%03llx-9%03llx-%012llx", h >> 32,
	         (h >> 16) & 0xffff, h & 0xfff, (h >> 24) & 0xfff,
	         (h * 11400714819323198485ULL) & 0xffffffffffffULL);
}

/* What ACS answers for an object: an index as it is, a HEC token as
 * {"http-event-collector": {"spec": {...}, "token": "..."}}. */
static cJSON *view(const char *kind, const char *name, const cJSON *attrs)
{
	cJSON *spec = cJSON_Duplicate(attrs, 1), *out, *hec;
	char token[64];

	cJSON_DeleteItemFromObjectCaseSensitive(spec, "polls_left");
	if (strcmp(kind, "index") == 0)
		return spec;
	out = cJSON_CreateObject();
	hec = cJSON_AddObjectToObject(out, "http-event-collector");
	cJSON_AddItemToObject(hec, "spec", spec);
	token_of(name, token, sizeof(token));
	cJSON_AddStringToObject(hec, "token", token);
	return out;
}

/* The request's JSON fields the kind takes into attrs; -1 with a 400
 * sent for a field ACS does not take or one of the wrong type. */
static int take(const cJSON *body, const char *kind, cJSON *attrs,
                struct sb_response *resp)
{
	static const char *const index_fields[] = {
	    "name",
	    "datatype",
	    "searchableDays",
	    "maxDataSizeMB",
	    "splunkArchivalRetentionDays",
	    NULL};
	static const char *const hec_fields[] = {
	    "name",        "defaultIndex",  "allowedIndexes",
	    "disabled",    "defaultSource", "defaultSourcetype",
	    "defaultHost", "useAck",        NULL};
	const char *const *fields =
	    strcmp(kind, "index") == 0 ? index_fields : hec_fields;
	const cJSON *f;

	cJSON_ArrayForEach(f, body)
	{
		size_t i;

		for (i = 0; fields[i] && strcmp(fields[i], f->string); i++)
			;
		if (!fields[i]) {
			acs_error(resp, 400, "400-bad-request",
			          "unknown field in the request body");
			return -1;
		}
		if ((!strcmp(f->string, "allowedIndexes") &&
		     !cJSON_IsArray(f)) ||
		    ((!strcmp(f->string, "searchableDays") ||
		      !strcmp(f->string, "maxDataSizeMB")) &&
		     !cJSON_IsNumber(f)) ||
		    (!strcmp(f->string, "disabled") && !cJSON_IsBool(f))) {
			acs_error(resp, 400, "400-bad-request",
			          "a field has the wrong type");
			return -1;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(attrs, f->string);
		cJSON_AddItemToObject(attrs, f->string, cJSON_Duplicate(f, 1));
	}
	return 0;
}

static void object_call(const struct sb_request *req, struct sb_response *resp,
                        const char *kind, const char *name)
{
	cJSON *attrs = sb_resource_find(P, kind, name), *polls;

	if (!attrs) {
		acs_error(resp, 404, "404-object-not-found",
		          "the object does not exist");
		return;
	}
	polls = cJSON_GetObjectItemCaseSensitive(attrs, "polls_left");
	if (strcmp(req->method, "GET") == 0 && polls && polls->valueint > 0) {
		cJSON_SetNumberValue(polls, polls->valueint - 1);
		acs_error(resp, 404, "404-object-not-found",
		          "the object is being provisioned");
		return;
	}
	if (strcmp(req->method, "GET") == 0) {
		sb_reply_json(resp, 200, view(kind, name, attrs));
	} else if (strcmp(req->method, "DELETE") == 0) {
		sb_resource_delete(P, kind, name);
		sb_reply(resp, 202, "application/json", "{}");
	} else if ((strcmp(req->method, "PATCH") == 0 &&
	            strcmp(kind, "index") == 0) ||
	           (strcmp(req->method, "PUT") == 0 &&
	            strcmp(kind, "hec_token") == 0)) {
		const cJSON *body = sb_json(req);

		if (!cJSON_IsObject(body) ||
		    cJSON_GetObjectItemCaseSensitive(body, "name")) {
			acs_error(resp, 400, "400-bad-request",
			          "the body must be an object without name");
			return;
		}
		if (take(body, kind, attrs, resp) == 0)
			sb_reply_json(resp, 202, view(kind, name, attrs));
	} else {
		acs_error(resp, 405, "405-method-not-allowed",
		          "method not allowed");
	}
}

static void create(const struct sb_request *req, struct sb_response *resp,
                   const char *kind)
{
	const cJSON *body = sb_json(req);
	const char *name = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(body, "name"));
	const char *ctype = sb_header(req, "Content-Type");
	cJSON *attrs;

	if (!ctype || strncmp(ctype, "application/json", 16) != 0 ||
	    !cJSON_IsObject(body) || !name || !*name) {
		acs_error(resp, 400, "400-bad-request",
		          "a JSON body with a name is required");
		return;
	}
	if (sb_resource_find(P, kind, name)) {
		acs_error(resp, 409, "409-object-already-exists",
		          "an object of that name already exists");
		return;
	}
	attrs = cJSON_CreateObject();
	if (take(body, kind, attrs, resp)) {
		cJSON_Delete(attrs);
		return;
	}
	cJSON_AddNumberToObject(attrs, "polls_left", sb_async_polls());
	attrs = sb_resource_add(P, kind, name, attrs);
	sb_reply_json(resp, 202, view(kind, name, attrs));
}

static void handle(const struct sb_request *req, struct sb_response *resp)
{
	const char *token = sb_bearer(req);
	const char *stack = env_or("SANDBOX_SPLUNK_STACK", "acme");
	char prefix[128];
	const char *rest;
	size_t n;

	if (!seed)
		seed = ((unsigned long long)time(NULL) << 24) ^
		       (unsigned long long)rand();
	if (!token || strcmp(token, env_or("SANDBOX_SPLUNK_TOKEN",
	                                   "sandbox-splunk-token-0001"))) {
		acs_error(resp, 401, "401-unauthorized",
		          "the token is missing or not valid");
		return;
	}
	n = (size_t)snprintf(prefix, sizeof(prefix), "/%s/adminconfig/v2/",
	                     stack);
	if (strncmp(req->path, prefix, n) != 0) {
		acs_error(resp, 404, "404-stack-not-found", "no such stack");
		return;
	}
	rest = req->path + n;
	for (int k = 0; k < 2; k++) {
		const char *coll =
		    k ? "inputs/http-event-collectors" : "indexes";
		const char *kind = k ? "hec_token" : "index";
		size_t m = strlen(coll);

		if (strncmp(rest, coll, m) != 0)
			continue;
		if (rest[m] == '\0' && strcmp(req->method, "POST") == 0) {
			create(req, resp, kind);
			return;
		}
		if (rest[m] == '/' && rest[m + 1] &&
		    !strchr(rest + m + 1, '/')) {
			object_call(req, resp, kind, rest + m + 1);
			return;
		}
	}
	acs_error(resp, 404, "404-not-found", "no such endpoint");
}

static const struct sb_fake acs_fake = {.name = P, .handle = handle};
SB_REGISTER_FAKE(acs_fake)
