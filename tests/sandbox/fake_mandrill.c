/*
 * Mandrill (Mailchimp Transactional) fake: users/ping, sender domains
 * (with asynchronous DNS checks), templates (draft and published code),
 * subaccounts and webhooks, shaped after the response schemas of
 * /work/shared/specs/mandrill-transactional.openapi.json so a validating
 * proxy accepts them.
 *
 * Every call is a POST of a JSON object carrying the API key as "key";
 * a missing or wrong key is 401 Invalid_Key. Errors have Mandrill's shape
 * {"status": "error", "code", "name", "message"}.
 *
 * Environment:
 *   SANDBOX_MANDRILL_API_KEY        the accepted key, default
 *                                   "md-sandbox-key-0001"
 *   SANDBOX_MANDRILL_LEGACY_ERRORS  1: every error is sent with HTTP 500,
 *                                   as the older service did, so only its
 *                                   `name` tells what it means
 *
 * Resources: kinds domain (id = name), template (id = name), subaccount
 * (id), webhook (id = its number). A webhook's auth_key is derived from
 * its id when shown, never stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sandbox.h"

#define P "mandrill"

static const char *const events[] = {
    "send",  "deferral", "hard_bounce", "soft_bounce", "open",
    "click", "spam",     "unsub",       "reject",      NULL,
};

static void error(struct sb_response *resp, int status, int code,
                  const char *name, const char *text)
{
	const char *legacy = getenv("SANDBOX_MANDRILL_LEGACY_ERRORS");
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "status", "error");
	cJSON_AddNumberToObject(j, "code", code);
	cJSON_AddStringToObject(j, "name", name);
	cJSON_AddStringToObject(j, "message", text);
	sb_reply_json(resp, legacy && !strcmp(legacy, "1") ? 500 : status, j);
}

static void validation(struct sb_response *resp, const char *text)
{
	error(resp, 422, -2, "ValidationError", text);
}

/* "2024-05-01T10:00:00Z" (senders, templates: format date-time),
 * "2024-05-01 10:00:00" (subaccounts), with ".000000" (webhooks). */
static void now(char *buf, size_t len, const char *format)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, format, &tm);
}
#define ISO "%Y-%m-%dT%H:%M:%SZ"
#define PLAIN "%Y-%m-%d %H:%M:%S"

static const char *str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

static cJSON *copy_of(const cJSON *attrs)
{
	return cJSON_Duplicate(attrs, 1);
}

/* ---- senders -------------------------------------------------------- */

static cJSON *check(int valid, const char *when)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddBoolToObject(c, "valid", valid);
	if (valid && when)
		cJSON_AddStringToObject(c, "valid_after", when);
	if (!valid)
		cJSON_AddStringToObject(c, "error", "record not found");
	return c;
}

static cJSON *domain_view(const cJSON *d)
{
	const char *verified = str(d, "verified_at");
	int valid = verified != NULL;
	cJSON *v = cJSON_CreateObject();

	cJSON_AddStringToObject(v, "domain", str(d, "domain"));
	cJSON_AddStringToObject(v, "created_at", str(d, "created_at"));
	cJSON_AddStringToObject(v, "last_tested_at", str(d, "last_tested_at"));
	cJSON_AddItemToObject(v, "spf", check(valid, verified));
	cJSON_AddItemToObject(v, "dkim", check(valid, verified));
	cJSON_AddItemToObject(v, "dkim2", check(valid, verified));
	cJSON_AddItemToObject(v, "dmarc", check(valid, NULL));
	if (verified)
		cJSON_AddStringToObject(v, "verified_at", verified);
	cJSON_AddBoolToObject(v, "valid_signing", valid);
	cJSON_AddStringToObject(v, "verify_txt_key", str(d, "verify_txt_key"));
	return v;
}

static cJSON *find_or_add_domain(const char *name)
{
	cJSON *d = sb_resource_find(P, "domain", name);
	char when[32], txt[32];

	if (d)
		return d;
	now(when, sizeof(when), ISO);
	sb_new_id(txt, sizeof(txt), "txt");
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "domain", name);
	cJSON_AddStringToObject(d, "created_at", when);
	cJSON_AddStringToObject(d, "last_tested_at", when);
	cJSON_AddStringToObject(d, "verify_txt_key", txt);
	cJSON_AddNumberToObject(d, "checks", 0);
	return sb_resource_add(P, "domain", name, d);
}

static void list_one_domain(const char *id, cJSON *attrs, void *arg)
{
	(void)id;
	cJSON_AddItemToArray(arg, domain_view(attrs));
}

/* check-domain: the DNS holds on the sb_async_polls()-th check. */
static void check_domain(struct sb_response *resp, cJSON *d)
{
	cJSON *checks = cJSON_GetObjectItemCaseSensitive(d, "checks");
	char when[32];

	cJSON_SetNumberValue(checks, checks->valuedouble + 1);
	now(when, sizeof(when), ISO);
	cJSON_ReplaceItemInObjectCaseSensitive(d, "last_tested_at",
	                                       cJSON_CreateString(when));
	if (checks->valuedouble >= sb_async_polls() && !str(d, "verified_at"))
		cJSON_AddStringToObject(d, "verified_at", when);
	sb_reply_json(resp, 200, domain_view(d));
}

static void senders(const char *op, const cJSON *in, struct sb_response *resp)
{
	const char *name = str(in, "domain");
	cJSON *d;

	if (!strcmp(op, "domains")) {
		cJSON *list = cJSON_CreateArray();

		sb_resource_each(P, "domain", list_one_domain, list);
		sb_reply_json(resp, 200, list);
		return;
	}
	if (!name || !*name || !strchr(name, '.') || strlen(name) > 255) {
		validation(resp, "domain must be a domain name");
		return;
	}
	/* add-domain returns an existing domain as it is; check-domain
	 * adds one it does not know (both documented). */
	if (!strcmp(op, "add-domain") || !strcmp(op, "check-domain")) {
		d = find_or_add_domain(name);
		if (!strcmp(op, "check-domain"))
			check_domain(resp, d);
		else
			sb_reply_json(resp, 200, domain_view(d));
	} else if (!strcmp(op, "delete-domain")) {
		if (!(d = sb_resource_find(P, "domain", name))) {
			error(resp, 404, 8, "Unknown_Domain",
			      "No such domain exists");
			return;
		}
		sb_reply_json(resp, 200, domain_view(d));
		sb_resource_delete(P, "domain", name);
	} else {
		error(resp, 404, -1, "GeneralError", "Unknown method");
	}
}

/* ---- templates ------------------------------------------------------ */

static void set_text(cJSON *o, const char *name, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, name);
	if (v)
		cJSON_AddStringToObject(o, name, v);
	else
		cJSON_AddNullToObject(o, name);
}

/* Draft fields of the request onto `t`; publish copies them across. */
static void take_draft(cJSON *t, const cJSON *in)
{
	static const char *const fields[] = {"code", "subject", "from_name",
	                                     "text", NULL};
	char when[32];

	for (size_t i = 0; fields[i]; i++)
		if (cJSON_GetObjectItemCaseSensitive(in, fields[i]) ||
		    !cJSON_GetObjectItemCaseSensitive(t, fields[i]))
			set_text(t, fields[i], str(in, fields[i]));
	now(when, sizeof(when), ISO);
	set_text(t, "updated_at", when);
	set_text(t, "draft_updated_at", when);
}

static void publish(cJSON *t)
{
	static const char *const fields[] = {
	    "code", "subject", "from_email", "from_name", "text", NULL};
	char name[32], when[32];

	for (size_t i = 0; fields[i]; i++) {
		snprintf(name, sizeof(name), "publish_%s", fields[i]);
		set_text(t, name, str(t, fields[i]));
	}
	now(when, sizeof(when), ISO);
	set_text(t, "published_at", when);
}

static void templates(const char *op, const cJSON *in, struct sb_response *resp)
{
	const char *name = str(in, "name");
	cJSON *t,
	    *publish_flag = cJSON_GetObjectItemCaseSensitive(in, "publish");
	int publish_now = !publish_flag || cJSON_IsTrue(publish_flag);
	char msg[400], when[32];

	if (!name || !*name) {
		validation(resp, "name is required");
		return;
	}
	t = sb_resource_find(P, "template", name);
	if (!strcmp(op, "add")) {
		if (t) {
			snprintf(msg, sizeof(msg),
			         "A template with name \"%s\" already exists",
			         name);
			error(resp, 422, 6, "Invalid_Template", msg);
			return;
		}
		now(when, sizeof(when), ISO);
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "slug", name);
		cJSON_AddStringToObject(t, "name", name);
		cJSON_AddItemToObject(t, "labels", cJSON_CreateArray());
		cJSON_AddNullToObject(t, "from_email");
		cJSON_AddStringToObject(t, "publish_name", name);
		set_text(t, "created_at", when);
		set_text(t, "published_at", NULL);
		cJSON_AddBoolToObject(t, "is_broken_template", 0);
		take_draft(t, in);
		publish(t); /* publish_* exist from the start, maybe null */
		if (!publish_now) {
			set_text(t, "publish_code", NULL);
			set_text(t, "published_at", NULL);
		}
		t = sb_resource_add(P, "template", name, t);
		sb_reply_json(resp, 200, copy_of(t));
		return;
	}
	if (!t) {
		snprintf(msg, sizeof(msg), "No such template \"%s\"", name);
		error(resp, 404, 5, "Unknown_Template", msg);
		return;
	}
	if (!strcmp(op, "update"))
		take_draft(t, in);
	if ((!strcmp(op, "update") && publish_now) || !strcmp(op, "publish"))
		publish(t);
	if (!strcmp(op, "info") || !strcmp(op, "update") ||
	    !strcmp(op, "publish")) {
		sb_reply_json(resp, 200, copy_of(t));
	} else if (!strcmp(op, "delete")) {
		sb_reply_json(resp, 200, copy_of(t));
		sb_resource_delete(P, "template", name);
	} else {
		error(resp, 404, -1, "GeneralError", "Unknown method");
	}
}

/* ---- subaccounts ---------------------------------------------------- */

static cJSON *subaccount_view(const cJSON *s, int info)
{
	cJSON *v = copy_of(s);

	cJSON_AddStringToObject(v, "status", "active");
	cJSON_AddNumberToObject(v, "reputation", 0);
	cJSON_AddNumberToObject(v, "sent_weekly", 0);
	cJSON_AddNumberToObject(v, "sent_monthly", 0);
	cJSON_AddNumberToObject(v, "sent_total", 0);
	if (info) {
		cJSON_AddNumberToObject(v, "sent_hourly", 0);
		cJSON_AddNumberToObject(v, "hourly_quota", 250);
		cJSON_AddItemToObject(v, "last_30_days", cJSON_CreateObject());
	}
	return v;
}

static void subaccounts(const char *op, const cJSON *in,
                        struct sb_response *resp)
{
	const char *id = str(in, "id"), *name = str(in, "name");
	cJSON *s;
	char msg[400], when[32];

	if (!id || !*id || strlen(id) > 255) {
		validation(resp, "id is required (at most 255 characters)");
		return;
	}
	s = sb_resource_find(P, "subaccount", id);
	if (!strcmp(op, "add")) {
		if (s) {
			snprintf(msg, sizeof(msg),
			         "A subaccount with id %s already exists", id);
			validation(resp, msg);
			return;
		}
		now(when, sizeof(when), PLAIN);
		s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "id", id);
		cJSON_AddStringToObject(s, "name", name ? name : id);
		cJSON_AddStringToObject(s, "notes", "");
		cJSON_AddStringToObject(s, "created_at", when);
		s = sb_resource_add(P, "subaccount", id, s);
		sb_reply_json(resp, 200, subaccount_view(s, 0));
	} else if (!s) {
		error(resp, 404, 12, "Unknown_Subaccount",
		      "No subaccount exists with that id");
	} else if (!strcmp(op, "info")) {
		sb_reply_json(resp, 200, subaccount_view(s, 1));
	} else if (!strcmp(op, "delete")) {
		sb_reply_json(resp, 200, subaccount_view(s, 0));
		sb_resource_delete(P, "subaccount", id);
	} else {
		error(resp, 404, -1, "GeneralError", "Unknown method");
	}
}

/* ---- webhooks ------------------------------------------------------- */

/* The signing key Mandrill shows with a webhook, derived from its id so
 * that no secret sits in the resource store. */
static void auth_key(const char *id, char *out, size_t len)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	                          "qrstuvwxyz0123456789";
	unsigned long long h = 1469598103934665603ull;
	size_t i;

	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	for (i = 0; i + 1 < len && i < 22; i++) {
		out[i] = abc[h % (sizeof(abc) - 1)];
		h = h * 6364136223846793005ull + 1442695040888963407ull;
	}
	out[i] = '\0';
}

static cJSON *webhook_view(const char *id, const cJSON *w)
{
	cJSON *v = copy_of(w);
	char key[32];

	auth_key(id, key, sizeof(key));
	cJSON_AddNumberToObject(v, "id", atoi(id));
	cJSON_AddStringToObject(v, "auth_key", key);
	cJSON_AddNumberToObject(v, "batches_sent", 0);
	cJSON_AddNumberToObject(v, "events_sent", 0);
	cJSON_AddNullToObject(v, "last_sent_at");
	cJSON_AddNullToObject(v, "last_error");
	return v;
}

static void list_one_webhook(const char *id, cJSON *attrs, void *arg)
{
	cJSON_AddItemToArray(arg, webhook_view(id, attrs));
}

/* url and events of an add or update onto `w`; 0 when invalid. */
static int take_webhook(cJSON *w, const cJSON *in, struct sb_response *resp)
{
	const char *url = str(in, "url");
	cJSON *list = cJSON_GetObjectItemCaseSensitive(in, "events"), *e;

	if (!url ||
	    (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))) {
		validation(resp, "url must be an http(s) URL");
		return 0;
	}
	cJSON_ArrayForEach(e, list)
	{
		size_t i = 0;

		while (events[i] && (!cJSON_IsString(e) ||
		                     strcmp(events[i], e->valuestring)))
			i++;
		if (!events[i]) {
			validation(resp, "events: unknown event");
			return 0;
		}
	}
	set_text(w, "url", url);
	if (str(in, "description"))
		set_text(w, "description", str(in, "description"));
	cJSON_DeleteItemFromObjectCaseSensitive(w, "events");
	cJSON_AddItemToObject(
	    w, "events", list ? cJSON_Duplicate(list, 1) : cJSON_CreateArray());
	return 1;
}

static void webhooks(const char *op, const cJSON *in, struct sb_response *resp)
{
	cJSON *w, *number = cJSON_GetObjectItemCaseSensitive(in, "id");
	char id[32], when[40];

	if (!strcmp(op, "list")) {
		cJSON *list = cJSON_CreateArray();

		sb_resource_each(P, "webhook", list_one_webhook, list);
		sb_reply_json(resp, 200, list);
		return;
	}
	if (!strcmp(op, "add")) {
		w = cJSON_CreateObject();
		if (!take_webhook(w, in, resp)) {
			cJSON_Delete(w);
			return;
		}
		sb_new_id(id, sizeof(id), "webhook-"); /* "webhook-0007" */
		snprintf(id, sizeof(id), "%d", atoi(id + 8));
		now(when, sizeof(when), PLAIN ".000000");
		cJSON_AddStringToObject(w, "created_at", when);
		w = sb_resource_add(P, "webhook", id, w);
		sb_reply_json(resp, 200, webhook_view(id, w));
		return;
	}
	if (!cJSON_IsNumber(number)) {
		validation(resp, "id must be an integer");
		return;
	}
	snprintf(id, sizeof(id), "%d", number->valueint);
	if (!(w = sb_resource_find(P, "webhook", id))) {
		error(resp, 404, 3, "Unknown_Webhook",
		      "No webhook exists with that id");
	} else if (!strcmp(op, "update")) {
		if (take_webhook(w, in, resp))
			sb_reply_json(resp, 200, webhook_view(id, w));
	} else if (!strcmp(op, "delete")) {
		sb_reply_json(resp, 200, webhook_view(id, w));
		sb_resource_delete(P, "webhook", id);
	} else {
		error(resp, 404, -1, "GeneralError", "Unknown method");
	}
}

/* ---- routing -------------------------------------------------------- */

static int authorized(const cJSON *in)
{
	const char *want = getenv("SANDBOX_MANDRILL_API_KEY"),
	           *key = str(in, "key");

	if (!want || !*want)
		want = "md-sandbox-key-0001";
	return key && strcmp(key, want) == 0;
}

static void handle(const struct sb_request *req, struct sb_response *resp)
{
	const cJSON *in = sb_json(req);
	char group[32], op[32];

	if (strcmp(req->method, "POST") != 0 ||
	    sscanf(req->path, "/%31[a-z]/%31[a-z-]", group, op) != 2) {
		error(resp, 404, -1, "GeneralError", "Unknown method");
		return;
	}
	if (!cJSON_IsObject(in) || !authorized(in)) {
		error(resp, 401, 401, "Invalid_Key", "Invalid API key");
		return;
	}
	if (!strcmp(group, "users") && !strcmp(op, "ping"))
		sb_reply(resp, 200, "application/json", "\"PONG!\"");
	else if (!strcmp(group, "senders"))
		senders(op, in, resp);
	else if (!strcmp(group, "templates"))
		templates(op, in, resp);
	else if (!strcmp(group, "subaccounts"))
		subaccounts(op, in, resp);
	else if (!strcmp(group, "webhooks"))
		webhooks(op, in, resp);
	else
		error(resp, 404, -1, "GeneralError", "Unknown method");
}

static const struct sb_fake mandrill_fake = {.name = "mandrill",
                                             .handle = handle};
SB_REGISTER_FAKE(mandrill_fake)
