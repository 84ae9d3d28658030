/*
 * SparkPost fake, second part: templates (a draft and a published
 * version each, templates.apib) and webhooks (webhooks.apib: a create
 * first posts a test batch to the target and fails with 400 unless it
 * answers 200).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_sparkpost.h"

#define P SPF_PROVIDER

/* ---- templates ------------------------------------------------------ */

/* One version: {content, updated} (content copied). */
static cJSON *version(const cJSON *content)
{
	cJSON *v = cJSON_CreateObject();
	char when[40];

	spf_now(when, sizeof(when));
	cJSON_AddItemToObject(v, "content", cJSON_Duplicate(content, 1));
	cJSON_AddStringToObject(v, "updated", when);
	return v;
}

/* content must have subject, from, and html or text (templates.apib). */
static int content_ok(const cJSON *content, struct sb_response *resp)
{
	if (!cJSON_IsObject(content) || !spf_str(content, "subject") ||
	    !cJSON_GetObjectItemCaseSensitive(content, "from") ||
	    (!spf_str(content, "html") && !spf_str(content, "text"))) {
		spf_missing(resp,
		            "content with subject, from, and html or text "
		            "is required");
		return 0;
	}
	return 1;
}

static cJSON *template_view(const char *id, const cJSON *t, const cJSON *v,
                            int published)
{
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(v, "content");
	cJSON *r = cJSON_CreateObject(), *opts = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "id", id);
	cJSON_AddStringToObject(r, "name", spf_str(t, "name"));
	cJSON_AddStringToObject(r, "description", "");
	cJSON_AddBoolToObject(r, "has_draft",
	                      cJSON_IsObject(cJSON_GetObjectItem(t, "draft")));
	cJSON_AddBoolToObject(
	    r, "has_published",
	    cJSON_IsObject(cJSON_GetObjectItem(t, "published")));
	cJSON_AddBoolToObject(r, "published", published);
	cJSON_AddBoolToObject(r, "shared_with_subaccounts", 0);
	cJSON_AddStringToObject(r, "last_update_time", spf_str(v, "updated"));
	cJSON_AddBoolToObject(opts, "transactional", 1);
	cJSON_AddItemToObject(r, "options", opts);
	cJSON_AddItemToObject(r, "content", cJSON_Duplicate(content, 1));
	return r;
}

static void create_template(const cJSON *in, struct sb_response *resp)
{
	const char *id = spf_str(in, "id"), *name = spf_str(in, "name");
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(in, "content");
	cJSON *t, *r;
	char msg[200];

	if (!id || !*id || strlen(id) > 64) {
		spf_missing(resp, "id is required here (at most 64 bytes)");
		return;
	}
	if (!content_ok(content, resp))
		return;
	if (sb_resource_find(P, "template", id)) {
		snprintf(msg, sizeof(msg),
		         "Template with id '%s' already exists", id);
		spf_conflict(resp, msg);
		return;
	}
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "name", name ? name : id);
	cJSON_AddItemToObject(t, "draft", version(content)); /* a draft */
	cJSON_AddNullToObject(t, "published");
	sb_resource_add(P, "template", id, t);
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "id", id);
	spf_results(resp, 200, r);
}

/* PUT: {"published": true} publishes the draft; content updates the
 * draft (made from the published one when there is none), or with
 * ?update_published=true the published version itself. */
static void update_template(const struct sb_request *req, cJSON *t,
                            const cJSON *in, struct sb_response *resp)
{
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(in, "content");
	const char *up = sb_query(req, "update_published");
	cJSON *draft = cJSON_GetObjectItem(t, "draft");

	if (content && !content_ok(content, resp))
		return;
	if (content)
		cJSON_ReplaceItemInObjectCaseSensitive(
		    t, up && !strcmp(up, "true") ? "published" : "draft",
		    version(content));
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "published")) &&
	    cJSON_IsObject((draft = cJSON_GetObjectItem(t, "draft")))) {
		cJSON_ReplaceItemInObjectCaseSensitive(
		    t, "published", cJSON_Duplicate(draft, 1));
		cJSON_ReplaceItemInObjectCaseSensitive(t, "draft",
		                                       cJSON_CreateNull());
	}
	sb_reply(resp, 200, "application/json", "%s", "");
}

void spf_templates(const struct sb_request *req, const char *rest,
                   const cJSON *in, struct sb_response *resp)
{
	const char *draft = sb_query(req, "draft");
	char id[80];
	cJSON *t, *d, *p;

	if (!*rest && !strcmp(req->method, "POST")) {
		create_template(in, resp);
		return;
	}
	if (sscanf(rest, "/%79[^/]", id) != 1 ||
	    strlen(rest) != strlen(id) + 1 ||
	    !(t = sb_resource_find(P, "template", id))) {
		spf_not_found(resp, "template not found");
		return;
	}
	d = cJSON_GetObjectItem(t, "draft");
	p = cJSON_GetObjectItem(t, "published");
	if (!strcmp(req->method, "GET")) {
		/* draft=true: the draft; false: the published one; neither:
		 * the draft when there is one. */
		int want_published =
		    draft ? !strcmp(draft, "false") : !cJSON_IsObject(d);
		cJSON *v = want_published ? p : d;

		if (!cJSON_IsObject(v))
			spf_not_found(resp,
			              want_published
			                  ? "template has no published version"
			                  : "template has no draft");
		else
			spf_results(resp, 200,
			            template_view(id, t, v, want_published));
	} else if (!strcmp(req->method, "PUT")) {
		update_template(req, t, in, resp);
	} else if (!strcmp(req->method, "DELETE")) {
		sb_resource_delete(P, "template", id);
		sb_reply(resp, 200, "application/json", "%s", "{}");
	} else {
		spf_error(resp, 405, NULL, "method not allowed", NULL);
	}
}

/* ---- webhooks ------------------------------------------------------- */

static cJSON *webhook_view(const char *id, const cJSON *w)
{
	cJSON *v = cJSON_Duplicate(w, 1);

	cJSON_AddStringToObject(v, "id", id);
	cJSON_AddStringToObject(v, "auth_type", "none");
	return v;
}

static void list_one_webhook(const char *id, cJSON *attrs, void *arg)
{
	cJSON_AddItemToArray(arg, webhook_view(id, attrs));
}

static int events_ok(const cJSON *events, struct sb_response *resp)
{
	const cJSON *e;

	if (!cJSON_IsArray(events) || !cJSON_GetArraySize(events)) {
		spf_missing(resp, "events is required (an array)");
		return 0;
	}
	cJSON_ArrayForEach(e, events) if (!cJSON_IsString(e))
	{
		spf_error(resp, 400, "1300", "invalid data format/type",
		          "events must be strings");
		return 0;
	}
	return 1;
}

static void create_webhook(const cJSON *in, struct sb_response *resp)
{
	const char *name = spf_str(in, "name"), *target = spf_str(in, "target");
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(in, "events");
	char id[40], why[200];
	cJSON *w, *r;

	if (!name || !target) {
		spf_missing(resp, "name and target are required");
		return;
	}
	if (!events_ok(events, resp))
		return;
	if (sp_target_post(target, why, sizeof(why)) != 0) {
		spf_error(resp, 400, "400", "POST to webhook target URL failed",
		          why);
		return;
	}
	sb_new_id(id, sizeof(id), "wh-");
	snprintf(id, sizeof(id), "12affc24-f183-11e3-9234-%012d", atoi(id + 3));
	w = cJSON_CreateObject();
	cJSON_AddStringToObject(w, "name", name);
	cJSON_AddStringToObject(w, "target", target);
	cJSON_AddItemToObject(w, "events", cJSON_Duplicate(events, 1));
	cJSON_AddBoolToObject(w, "active", 1);
	sb_resource_add(P, "webhook", id, w);
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "id", id);
	spf_results(resp, 200, r);
}

void spf_webhooks(const struct sb_request *req, const char *rest,
                  const cJSON *in, struct sb_response *resp)
{
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(in, "events");
	char id[64];
	cJSON *w, *list;

	if (!*rest && !strcmp(req->method, "POST")) {
		create_webhook(in, resp);
		return;
	}
	if (!*rest && !strcmp(req->method, "GET")) {
		list = cJSON_CreateArray();
		sb_resource_each(P, "webhook", list_one_webhook, list);
		spf_results(resp, 200, list);
		return;
	}
	if (sscanf(rest, "/%63[^/]", id) != 1 ||
	    strlen(rest) != strlen(id) + 1 ||
	    !(w = sb_resource_find(P, "webhook", id))) {
		spf_not_found(resp, "webhook not found");
	} else if (!strcmp(req->method, "GET")) {
		spf_results(resp, 200, webhook_view(id, w));
	} else if (!strcmp(req->method, "PUT")) {
		if (events && !events_ok(events, resp))
			return;
		if (events)
			cJSON_ReplaceItemInObjectCaseSensitive(
			    w, "events", cJSON_Duplicate(events, 1));
		if (spf_str(in, "name"))
			cJSON_ReplaceItemInObjectCaseSensitive(
			    w, "name", cJSON_CreateString(spf_str(in, "name")));
		list = cJSON_CreateObject();
		cJSON_AddStringToObject(list, "id", id);
		spf_results(resp, 200, list);
	} else if (!strcmp(req->method, "DELETE")) {
		sb_resource_delete(P, "webhook", id);
		sb_reply(resp, 204, "application/json", "%s", "");
	} else {
		spf_error(resp, 405, NULL, "method not allowed", NULL);
	}
}
