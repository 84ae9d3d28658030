/*
 * Intercom fake: the admin behind the token (/me), the teammates
 * (/admins), data attributes and tags, shaped after the response schemas
 * of /work/shared/specs/intercom-2.14.yaml so a validating proxy accepts
 * them. Errors are Intercom's `error.list`.
 *
 * Environment:
 *   SANDBOX_INTERCOM_TOKEN    the accepted access token (Bearer), default
 *                             "sandbox-intercom-token-0001"
 *   SANDBOX_INTERCOM_ADMINS   comma-separated teammate e-mails GET /admins
 *                             lists, default "owner@acme.example"
 *   SANDBOX_INTERCOM_IDENTITY_VERIFICATION  "0": the workspace does not
 *                             enforce identity verification (default on)
 *   SANDBOX_INTERCOM_RATE_LIMIT  N: more than N calls within a 10-second
 *                             window get Intercom's 429 with
 *                             X-RateLimit-Reset (default: no limit)
 *   SANDBOX_INTERCOM_SEED     "model:name:type;..." custom attributes the
 *                             workspace already has (the customer's own)
 *
 * Resources: kinds data_attribute (id = the numeric id), tag (id = the
 * numeric id). Both are listed by /_sandbox/resources.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sandbox.h"

#define P "intercom"

static const char *const data_types[] = {"string",  "integer",  "float",
                                         "boolean", "datetime", "date"};

static void error_list(struct sb_response *resp, int status, const char *code,
                       const char *message)
{
	cJSON *j = cJSON_CreateObject(), *errors, *e;

	cJSON_AddStringToObject(j, "type", "error.list");
	cJSON_AddStringToObject(j, "request_id",
	                        "00000000-0000-4000-8000-000000000001");
	errors = cJSON_AddArrayToObject(j, "errors");
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", message);
	cJSON_AddItemToArray(errors, e);
	sb_reply_json(resp, status, j);
}

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

static int authorized(const struct sb_request *req)
{
	const char *token = sb_bearer(req);

	return token &&
	       strcmp(token, env_or("SANDBOX_INTERCOM_TOKEN",
	                            "sandbox-intercom-token-0001")) == 0;
}

/* Intercom's 10-second windows: the reply says when the window resets. */
static int throttled(struct sb_response *resp)
{
	static long long window_start;
	static long count;
	long limit = atol(env_or("SANDBOX_INTERCOM_RATE_LIMIT", "0"));
	long long now = (long long)time(NULL);
	char reset[32];

	if (limit <= 0)
		return 0;
	if (now - window_start >= 10) {
		window_start = now;
		count = 0;
	}
	if (count < limit) {
		count++; /* a refused call does not count */
		return 0;
	}
	error_list(resp, 429, "rate_limit_exceeded",
	           "You have exceeded the rate limit. Please try again later.");
	snprintf(reset, sizeof(reset), "%lld", window_start + 10);
	sb_reply_header(resp, "X-RateLimit-Limit", "1000");
	sb_reply_header(resp, "X-RateLimit-Remaining", "0");
	sb_reply_header(resp, "X-RateLimit-Reset", reset);
	return 1;
}

/* ---- /me, /admins --------------------------------------------------- */

static cJSON *admin(const char *id, const char *email)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "type", "admin");
	cJSON_AddStringToObject(a, "id", id);
	cJSON_AddStringToObject(a, "name", email);
	cJSON_AddStringToObject(a, "email", email);
	cJSON_AddStringToObject(a, "job_title", "Support");
	cJSON_AddBoolToObject(a, "away_mode_enabled", 0);
	cJSON_AddBoolToObject(a, "away_mode_reassign", 0);
	cJSON_AddBoolToObject(a, "has_inbox_seat", 1);
	cJSON_AddItemToObject(a, "team_ids", cJSON_CreateArray());
	return a;
}

static void get_me(struct sb_response *resp)
{
	cJSON *me = admin("991267459", "owner@acme.example"), *app;

	cJSON_DeleteItemFromObjectCaseSensitive(me, "job_title");
	cJSON_DeleteItemFromObjectCaseSensitive(me, "away_mode_enabled");
	cJSON_DeleteItemFromObjectCaseSensitive(me, "away_mode_reassign");
	cJSON_DeleteItemFromObjectCaseSensitive(me, "team_ids");
	cJSON_AddBoolToObject(me, "email_verified", 1);
	app = cJSON_AddObjectToObject(me, "app");
	cJSON_AddStringToObject(app, "type", "app");
	cJSON_AddStringToObject(app, "id_code", "sbxapp01");
	cJSON_AddStringToObject(app, "name", "Sandbox workspace");
	cJSON_AddNumberToObject(app, "created_at", 1734537243);
	cJSON_AddBoolToObject(app, "secure", 1);
	cJSON_AddBoolToObject(
	    app, "identity_verification",
	    strcmp(env_or("SANDBOX_INTERCOM_IDENTITY_VERIFICATION", "1"),
	           "0") != 0);
	cJSON_AddStringToObject(app, "timezone", "Europe/London");
	cJSON_AddStringToObject(app, "region", "US");
	sb_reply_json(resp, 200, me);
}

static void list_admins(struct sb_response *resp)
{
	/* A copy as long as the list: the benchmark's workspace holds two
	 * teammates for each of 100 customers, past any fixed buffer. */
	const char *all =
	    env_or("SANDBOX_INTERCOM_ADMINS", "owner@acme.example");
	char *emails = strdup(all), *save = NULL, id[16];
	cJSON *j = cJSON_CreateObject(), *list;
	int n = 0;

	if (!emails) {
		cJSON_Delete(j);
		return;
	}
	cJSON_AddStringToObject(j, "type", "admin.list");
	list = cJSON_AddArrayToObject(j, "admins");
	for (char *e = strtok_r(emails, ",", &save); e;
	     e = strtok_r(NULL, ",", &save)) {
		snprintf(id, sizeof(id), "%d", 991267460 + n++);
		cJSON_AddItemToArray(list, admin(id, e));
	}
	free(emails);
	sb_reply_json(resp, 200, j);
}

/* ---- data attributes ------------------------------------------------ */

struct attribute_search {
	const char *model, *name;
	cJSON *found, *list;
	int include_archived;
};

static void attribute_match(const char *id, cJSON *attrs, void *arg)
{
	struct attribute_search *s = arg;
	const char *model = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(attrs, "model"));
	const char *name = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(attrs, "name"));
	(void)id;
	if (s->name && strcasecmp(name, s->name) == 0 && !s->found)
		s->found = attrs;
	if (s->list && strcmp(model, s->model) == 0 &&
	    (s->include_archived ||
	     !cJSON_IsTrue(
	         cJSON_GetObjectItemCaseSensitive(attrs, "archived"))))
		cJSON_AddItemToArray(s->list, cJSON_Duplicate(attrs, 1));
}

static cJSON *new_attribute(const char *model, const char *name,
                            const char *type, const char *description)
{
	static int next_id = 100;
	char id[16], full[300];
	cJSON *a = cJSON_CreateObject();

	snprintf(id, sizeof(id), "%d", next_id++);
	snprintf(full, sizeof(full), "custom_attributes.%s", name);
	cJSON_AddNumberToObject(a, "id", atoi(id));
	cJSON_AddStringToObject(a, "type", "data_attribute");
	cJSON_AddStringToObject(a, "name", name);
	cJSON_AddStringToObject(a, "full_name", full);
	cJSON_AddStringToObject(a, "label", name);
	cJSON_AddStringToObject(a, "description", description);
	cJSON_AddStringToObject(a, "data_type", type);
	cJSON_AddBoolToObject(a, "api_writable", 1);
	cJSON_AddBoolToObject(a, "ui_writable", 0);
	cJSON_AddBoolToObject(a, "messenger_writable", 0);
	cJSON_AddBoolToObject(a, "custom", 1);
	cJSON_AddBoolToObject(a, "archived", 0);
	cJSON_AddStringToObject(a, "admin_id", "991267459");
	cJSON_AddNumberToObject(a, "created_at", (double)time(NULL));
	cJSON_AddNumberToObject(a, "updated_at", (double)time(NULL));
	cJSON_AddStringToObject(a, "model", model);
	return sb_resource_add(P, "data_attribute", id, a);
}

/* The customer's own attributes, made once per sandbox (and reset). */
static void seed_attributes(void)
{
	char seed[2048], *save = NULL;
	struct attribute_search s = {0};

	snprintf(seed, sizeof(seed), "%s", env_or("SANDBOX_INTERCOM_SEED", ""));
	for (char *item = strtok_r(seed, ";", &save); item;
	     item = strtok_r(NULL, ";", &save)) {
		char *name = strchr(item, ':'), *type;

		if (!name || !(type = strchr(name + 1, ':')))
			continue;
		*name++ = '\0';
		*type++ = '\0';
		s.name = name;
		s.found = NULL;
		sb_resource_each(P, "data_attribute", attribute_match, &s);
		if (!s.found)
			new_attribute(item, name, type, "");
	}
}

static void list_attributes(const struct sb_request *req,
                            struct sb_response *resp)
{
	const char *model = sb_query(req, "model");
	const char *archived = sb_query(req, "include_archived");
	struct attribute_search s = {.model = model ? model : "contact"};
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "type", "list");
	s.list = cJSON_AddArrayToObject(j, "data");
	s.include_archived = archived && strcmp(archived, "true") == 0;
	/* One of Intercom's own attributes, so lists are never only ours. */
	cJSON *own = cJSON_CreateObject();
	cJSON_AddStringToObject(own, "type", "data_attribute");
	cJSON_AddStringToObject(own, "name", "name");
	cJSON_AddStringToObject(own, "full_name", "name");
	cJSON_AddStringToObject(own, "label", "Name");
	cJSON_AddStringToObject(own, "description", "The name");
	cJSON_AddStringToObject(own, "data_type", "string");
	cJSON_AddBoolToObject(own, "api_writable", 1);
	cJSON_AddBoolToObject(own, "ui_writable", 0);
	cJSON_AddBoolToObject(own, "messenger_writable", 1);
	cJSON_AddBoolToObject(own, "custom", 0);
	cJSON_AddBoolToObject(own, "archived", 0);
	cJSON_AddStringToObject(own, "model", s.model);
	cJSON_AddItemToArray(s.list, own);
	sb_resource_each(P, "data_attribute", attribute_match, &s);
	sb_reply_json(resp, 200, j);
}

static int known_type(const char *t)
{
	for (size_t i = 0; t && i < sizeof(data_types) / sizeof(*data_types);
	     i++)
		if (strcmp(t, data_types[i]) == 0)
			return 1;
	return 0;
}

static void create_attribute(const struct sb_request *req,
                             struct sb_response *resp)
{
	cJSON *body = sb_json(req);
	const char *name = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(body, "name"));
	const char *model = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(body, "model"));
	const char *type = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(body, "data_type"));
	const char *desc = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(body, "description"));
	struct attribute_search s = {.name = name};
	char msg[512];

	if (!model || (strcmp(model, "contact") && strcmp(model, "company"))) {
		error_list(resp, 400, "parameter_invalid",
		           "The Data Attribute model field must be either "
		           "contact or company");
		return;
	}
	if (!name || !*name ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz"
	                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                 "0123456789_-$ ") != strlen(name)) {
		error_list(resp, 400, "parameter_invalid",
		           "Your name for this attribute must only contain "
		           "alphanumeric characters, currency symbols, and "
		           "hyphens");
		return;
	}
	if (!known_type(type)) {
		error_list(resp, 400, "parameter_invalid",
		           "Data Type isn't an option");
		return;
	}
	/* Names are unique across both models (the spec's example). */
	sb_resource_each(P, "data_attribute", attribute_match, &s);
	if (s.found) {
		const char *held = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(s.found, "model"));
		snprintf(msg, sizeof(msg),
		         "You already have '%s' in your %s data. To save this "
		         "as new %s data, use a different name.",
		         name, strcmp(held, "contact") ? "company" : "people",
		         strcmp(model, "contact") ? "company" : "people");
		error_list(resp, 400, "parameter_invalid", msg);
		return;
	}
	sb_reply_json(
	    resp, 200,
	    cJSON_Duplicate(new_attribute(model, name, type, desc ? desc : ""),
	                    1));
}

static void update_attribute(const struct sb_request *req,
                             struct sb_response *resp, const char *id)
{
	cJSON *a = sb_resource_find(P, "data_attribute", id);
	cJSON *body = sb_json(req), *v;

	if (!a) {
		error_list(resp, 404, "field_not_found",
		           "We couldn't find that data attribute to update");
		return;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(body, "description")) &&
	    cJSON_IsString(v))
		cJSON_ReplaceItemInObjectCaseSensitive(
		    a, "description", cJSON_CreateString(v->valuestring));
	if ((v = cJSON_GetObjectItemCaseSensitive(body, "archived")) &&
	    cJSON_IsBool(v))
		cJSON_ReplaceItemInObjectCaseSensitive(
		    a, "archived", cJSON_CreateBool(cJSON_IsTrue(v)));
	cJSON_ReplaceItemInObjectCaseSensitive(
	    a, "updated_at", cJSON_CreateNumber((double)time(NULL)));
	sb_reply_json(resp, 200, cJSON_Duplicate(a, 1));
}

/* ---- tags ----------------------------------------------------------- */

static void tag_collect(const char *id, cJSON *attrs, void *arg)
{
	(void)id;
	cJSON_AddItemToArray(arg, cJSON_Duplicate(attrs, 1));
}

static void tag_by_name(const char *id, cJSON *attrs, void *arg)
{
	cJSON **found = arg;
	const char *want = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(*found, "want"));
	(void)id;
	if (want && cJSON_GetObjectItemCaseSensitive(*found, "hit") == NULL &&
	    strcasecmp(cJSON_GetStringValue(
	                   cJSON_GetObjectItemCaseSensitive(attrs, "name")),
	               want) == 0)
		cJSON_AddItemToObject(*found, "hit", cJSON_Duplicate(attrs, 1));
}

static void tags(const struct sb_request *req, struct sb_response *resp,
                 const char *id)
{
	static int next_id = 200;
	const char *m = req->method;

	if (!id && strcmp(m, "GET") == 0) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "type", "list");
		sb_resource_each(P, "tag", tag_collect,
		                 cJSON_AddArrayToObject(j, "data"));
		sb_reply_json(resp, 200, j);
	} else if (!id && strcmp(m, "POST") == 0) {
		const char *name = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(sb_json(req), "name"));
		cJSON *probe = cJSON_CreateObject(), *hit;
		char tid[16];
		if (!name || !*name) {
			cJSON_Delete(probe);
			error_list(resp, 400, "parameter_invalid",
			           "invalid tag parameters");
			return;
		}
		/* Created if not found: the same name answers the tag. */
		cJSON_AddStringToObject(probe, "want", name);
		sb_resource_each(P, "tag", tag_by_name, &probe);
		hit = cJSON_DetachItemFromObjectCaseSensitive(probe, "hit");
		cJSON_Delete(probe);
		if (!hit) {
			snprintf(tid, sizeof(tid), "%d", next_id++);
			hit = cJSON_CreateObject();
			cJSON_AddStringToObject(hit, "type", "tag");
			cJSON_AddStringToObject(hit, "id", tid);
			cJSON_AddStringToObject(hit, "name", name);
			hit = cJSON_Duplicate(
			    sb_resource_add(P, "tag", tid, hit), 1);
		}
		sb_reply_json(resp, 200, hit);
	} else if (id && strcmp(m, "GET") == 0) {
		cJSON *t = sb_resource_find(P, "tag", id);
		if (t)
			sb_reply_json(resp, 200, cJSON_Duplicate(t, 1));
		else
			error_list(resp, 404, "not_found",
			           "Resource Not Found");
	} else if (id && strcmp(m, "DELETE") == 0) {
		if (sb_resource_delete(P, "tag", id))
			sb_reply(resp, 200, "text/plain", "%s",
			         ""); /* no body */
		else
			error_list(resp, 404, "not_found",
			           "Resource Not Found");
	} else {
		error_list(resp, 404, "not_found", "Resource Not Found");
	}
}

/* ---- routing -------------------------------------------------------- */

static void handle(const struct sb_request *req, struct sb_response *resp)
{
	const char *path = req->path, *m = req->method;
	const char *version = sb_header(req, "Intercom-Version");

	if (!authorized(req)) {
		error_list(resp, 401, "unauthorized", "Access Token Invalid");
		return;
	}
	/* An unknown version is refused (the spec's enum; 2.14 is pinned). */
	if (version && strcmp(version, "2.14") != 0 &&
	    strcmp(version, "Unstable") != 0) {
		error_list(resp, 400, "intercom_version_invalid",
		           "The requested version could not be found");
		return;
	}
	if (throttled(resp))
		return;
	seed_attributes();
	if (!strcmp(path, "/me") && !strcmp(m, "GET"))
		get_me(resp);
	else if (!strcmp(path, "/admins") && !strcmp(m, "GET"))
		list_admins(resp);
	else if (!strcmp(path, "/data_attributes") && !strcmp(m, "GET"))
		list_attributes(req, resp);
	else if (!strcmp(path, "/data_attributes") && !strcmp(m, "POST"))
		create_attribute(req, resp);
	else if (!strncmp(path, "/data_attributes/", 17) && !strcmp(m, "PUT"))
		update_attribute(req, resp, path + 17);
	else if (!strcmp(path, "/tags"))
		tags(req, resp, NULL);
	else if (!strncmp(path, "/tags/", 6) && path[6])
		tags(req, resp, path + 6);
	else
		error_list(resp, 404, "not_found", "Resource Not Found");
}

static const struct sb_fake intercom_fake = {.name = "intercom",
                                             .handle = handle};
SB_REGISTER_FAKE(intercom_fake)
