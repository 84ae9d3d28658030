/*
 * Mailgun fake: the DELETE calls of the spec envsetup destroy uses, with
 * the reply shapes of /work/shared/specs/mailgun-openapi.yaml:
 *   DELETE /v3/domains/{name}                      the domain and all in it
 *   DELETE /v3/domains/{d}/webhooks/{event}        {message, webhook}
 *   DELETE /v3/{d}/templates/{name}                {message, template}
 *   DELETE /v3/domains/{d}/credentials/{login}     {message, spec}
 * A resource that is not there is 404, as Mailgun answers.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fake_mailgun.h"

#define P "mailgun"

static void message(struct sb_response *resp, int status, const char *text)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", text);
	sb_reply_json(resp, status, j);
}

/* Ids of `kind` whose attribute "domain" is the domain being deleted. */
struct ids {
	const char *domain;
	char list[64][400];
	int n;
};

static void collect(const char *id, cJSON *attrs, void *arg)
{
	struct ids *ids = arg;
	const char *d = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(attrs, "domain"));
	if (d && strcmp(d, ids->domain) == 0 && ids->n < 64)
		snprintf(ids->list[ids->n++], sizeof(ids->list[0]), "%s", id);
}

static void delete_domain(const char *name, struct sb_response *resp)
{
	static const char *const kinds[] = {"webhook", "template",
	                                    "credential"};
	if (!sb_resource_find(P, "domain", name)) {
		message(resp, 404, "Domain not found");
		return;
	}
	/* Mailgun drops what lives in the domain with it. */
	for (size_t k = 0; k < 3; k++) {
		struct ids *ids = calloc(1, sizeof(*ids));
		if (!ids)
			break;
		ids->domain = name;
		sb_resource_each(P, kinds[k], collect, ids);
		for (int i = 0; i < ids->n; i++)
			sb_resource_delete(P, kinds[k], ids->list[i]);
		free(ids);
	}
	sb_resource_delete(P, "domain", name);
	message(resp, 200, "Domain has been deleted");
}

static void delete_webhook(const char *domain, const char *event,
                           struct sb_response *resp)
{
	char id[400];
	snprintf(id, sizeof(id), "%s/%s", domain, event);
	cJSON *hook = sb_resource_find(P, "webhook", id);
	if (!hook) {
		message(resp, 404, "Webhook not found");
		return;
	}
	cJSON *j = cJSON_CreateObject(), *w = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", "Webhook has been deleted");
	cJSON_AddItemToObject(
	    w, "urls",
	    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(hook, "urls"), 1));
	cJSON_AddItemToObject(j, "webhook", w);
	sb_resource_delete(P, "webhook", id);
	sb_reply_json(resp, 200, j);
}

static void delete_template(const char *domain, const char *name,
                            struct sb_response *resp)
{
	char id[400];
	snprintf(id, sizeof(id), "%s/%s", domain, name);
	for (char *p = id + strlen(domain) + 1; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!sb_resource_delete(P, "template", id)) {
		message(resp, 404, "template not found");
		return;
	}
	cJSON *j = cJSON_CreateObject(), *t = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", "template has been deleted");
	cJSON_AddStringToObject(t, "name", id + strlen(domain) + 1);
	cJSON_AddItemToObject(j, "template", t);
	sb_reply_json(resp, 200, j);
}

static void delete_credential(const char *domain, const char *spec,
                              struct sb_response *resp)
{
	char login[400];
	if (strchr(spec, '@'))
		snprintf(login, sizeof(login), "%s", spec);
	else
		snprintf(login, sizeof(login), "%s@%s", spec, domain);
	if (!sb_resource_delete(P, "credential", login)) {
		message(resp, 404, "Credentials not found");
		return;
	}
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", "Credentials have been deleted");
	cJSON_AddStringToObject(j, "spec", login);
	sb_reply_json(resp, 200, j);
}

void fake_mailgun_delete(char *const *seg, int n, struct sb_response *resp)
{
	int v3 = n >= 3 && strcmp(seg[0], "v3") == 0;
	int domains = v3 && strcmp(seg[1], "domains") == 0;

	if (domains && n == 3)
		delete_domain(seg[2], resp);
	else if (domains && n == 5 && !sb_resource_find(P, "domain", seg[2]))
		message(resp, 404, "Domain not found");
	else if (domains && n == 5 && strcmp(seg[3], "webhooks") == 0)
		delete_webhook(seg[2], seg[4], resp);
	else if (domains && n == 5 && strcmp(seg[3], "credentials") == 0)
		delete_credential(seg[2], seg[4], resp);
	else if (v3 && n == 4 && strcmp(seg[2], "templates") == 0)
		delete_template(seg[1], seg[3], resp);
	else
		message(resp, 404, "Not Found");
}
