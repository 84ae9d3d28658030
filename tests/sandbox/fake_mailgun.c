/*
 * Mailgun fake: domains (with DNS records and asynchronous verification),
 * v3 webhooks, templates and SMTP credentials, shaped after the response
 * schemas in /work/shared/specs/mailgun-openapi.yaml so a validating proxy
 * accepts them.
 *
 * Environment:
 *   SANDBOX_MAILGUN_API_KEY  the accepted API key (HTTP Basic user "api"),
 *                            default "key-sandbox-mailgun-0001".
 *
 * DELETEs are fake_mailgun_delete.c's.
 *
 * Resources: kinds domain (id = name), webhook (id = domain/event),
 * template (id = domain/name), credential (id = login). Credential
 * passwords are never stored, only whether one is set.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fake_mailgun.h"
#include "sandbox.h"

#define P "mailgun"
#define MAX_SEGMENTS 8

static const char *const webhook_events[] = {
    "accepted",  "clicked",        "opened",         "unsubscribed",
    "delivered", "permanent_fail", "temporary_fail", "complained",
};

struct route {
	const struct sb_request *req;
	struct sb_response *resp;
	char *seg[MAX_SEGMENTS];
	int n;
};

static void message(struct sb_response *resp, int status, const char *text)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", text);
	sb_reply_json(resp, status, j);
}

/* Some Mailgun 400s carry "Reason" (GenericAPIError in the spec) where
 * others carry "message"; clients are told to read both, so send both. */
static void bad_request(struct sb_response *resp, const char *text)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", text);
	cJSON_AddStringToObject(j, "Reason", text);
	sb_reply_json(resp, 400, j);
}

static int authorized(const struct sb_request *req)
{
	const char *key = getenv("SANDBOX_MAILGUN_API_KEY"), *user, *password;
	if (!key || !*key)
		key = "key-sandbox-mailgun-0001";
	return sb_basic_auth(req, &user, &password) &&
	       strcmp(user, "api") == 0 && strcmp(password, key) == 0;
}

/* "Thu, 13 Oct 2011 18:02:00 GMT" (domains) or "... +0000" (credentials,
 * whose schema pattern wants a numeric zone). */
static void mailgun_date(char *buf, size_t len, int numeric_zone)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, len,
	         numeric_zone ? "%a, %d %b %Y %H:%M:%S +0000"
	                      : "%a, %d %b %Y %H:%M:%S GMT",
	         &tm);
}

static const char *attr(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

static cJSON *domain_or_404(const char *name, struct sb_response *resp)
{
	cJSON *d = sb_resource_find(P, "domain", name);
	if (!d)
		message(resp, 404, "Domain not found");
	return d;
}

static int valid_domain_name(const char *s)
{
	size_t n = strlen(s);
	if (n < 3 || n > 253 || !strchr(s, '.') || s[0] == '.' || s[0] == '-' ||
	    s[n - 1] == '.' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '.' && s[i] != '-')
			return 0;
	return 1;
}

static int password_ok(const char *p)
{
	size_t n = p ? strlen(p) : 0;
	return n >= 5 && n <= 32;
}

/* Boolean form fields: absent keeps the default; -1 for garbage. */
static int form_bool(const struct sb_request *req, const char *name, int def)
{
	const char *v = sb_form(req, name, 0);
	if (!v)
		return def;
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1"))
		return 1;
	if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0"))
		return 0;
	return -1;
}

static cJSON *dns_record(const char *type, const char *name, const char *value,
                         const char *priority, int valid)
{
	cJSON *r = cJSON_CreateObject(),
	      *cached = cJSON_AddArrayToObject(r, "cached");
	cJSON_AddStringToObject(r, "record_type", type);
	cJSON_AddStringToObject(r, "name", name);
	cJSON_AddStringToObject(r, "value", value);
	if (priority)
		cJSON_AddStringToObject(r, "priority", priority);
	cJSON_AddStringToObject(r, "valid", valid ? "valid" : "unknown");
	cJSON_AddBoolToObject(r, "is_active", 1);
	if (valid)
		cJSON_AddItemToArray(cached, cJSON_CreateString(value));
	return r;
}

/* The domain as the API shows it, with its DNS records. */
static cJSON *domain_reply(const cJSON *d, const char *text)
{
	const char *name = attr(d, "name");
	int valid = strcmp(attr(d, "state"), "active") == 0;
	char dkim[300], tracking[300];
	cJSON *j = cJSON_CreateObject(), *domain = cJSON_Duplicate(d, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(domain, "verify_polls");
	cJSON_DeleteItemFromObjectCaseSensitive(domain, "dkim_selector");
	cJSON_DeleteItemFromObjectCaseSensitive(domain, "smtp_password_set");
	if (text)
		cJSON_AddStringToObject(j, "message", text);
	cJSON_AddItemToObject(j, "domain", domain);
	snprintf(dkim, sizeof(dkim), "%s._domainkey.%s",
	         attr(d, "dkim_selector"), name);
	snprintf(tracking, sizeof(tracking), "%s.%s", attr(d, "web_prefix"),
	         name);
	cJSON *sending = cJSON_AddArrayToObject(j, "sending_dns_records");
	cJSON_AddItemToArray(
	    sending, dns_record("TXT", name, "v=spf1 include:mailgun.org ~all",
	                        NULL, valid));
	cJSON_AddItemToArray(
	    sending,
	    dns_record("TXT", dkim,
	               "k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC"
	               "sandboxSANDBOXsandboxSANDBOXsandboxSANDBOXIDAQAB",
	               NULL, valid));
	cJSON_AddItemToArray(
	    sending, dns_record("CNAME", tracking, "mailgun.org", NULL, valid));
	cJSON *receiving = cJSON_AddArrayToObject(j, "receiving_dns_records");
	cJSON_AddItemToArray(
	    receiving, dns_record("MX", name, "mxa.mailgun.org", "10", valid));
	cJSON_AddItemToArray(
	    receiving, dns_record("MX", name, "mxb.mailgun.org", "10", valid));
	return j;
}

static const char *choice(const struct sb_request *req, const char *name,
                          const char *def, const char *const *allowed)
{
	const char *v = sb_form(req, name, 0);
	if (!v)
		return def;
	for (; *allowed; allowed++)
		if (strcmp(v, *allowed) == 0)
			return v;
	return NULL;
}

static cJSON *new_domain(const struct sb_request *req, const char *name,
                         const char **error)
{
	static const char *const spam[] = {"disabled", "block", "tag", NULL};
	static const char *const scheme[] = {"http", "https", NULL};
	static const char *const sizes[] = {"1024", "2048", NULL};
	const char *spam_action = choice(req, "spam_action", "disabled", spam);
	const char *web_scheme = choice(req, "web_scheme", "http", scheme);
	const char *prefix = sb_form(req, "web_prefix", 0);
	const char *selector = sb_form(req, "dkim_selector", 0);
	const char *password = sb_form(req, "smtp_password", 0);
	int wildcard = form_bool(req, "wildcard", 0);
	int tls = form_bool(req, "require_tls", 0);
	int skip = form_bool(req, "skip_verification", 0);
	int auto_sec = form_bool(req, "use_automatic_sender_security", 0);
	int encrypt = form_bool(req, "encrypt_incoming_message", 0);
	char id[32], created[64];

	*error = "Invalid option value";
	if (!spam_action || !web_scheme || wildcard < 0 || tls < 0 ||
	    skip < 0 || auto_sec < 0 || encrypt < 0 ||
	    !choice(req, "dkim_key_size", "1024", sizes))
		return NULL;
	*error = "Password length must be between 5 and 32 characters";
	if (password && !password_ok(password))
		return NULL;
	*error = "Invalid web_prefix or dkim_selector";
	if ((prefix && (!*prefix || strlen(prefix) > 40)) ||
	    (selector && (!*selector || strlen(selector) > 40)))
		return NULL;
	sb_new_id(id, sizeof(id), "dom-");
	mailgun_date(created, sizeof(created), 0);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "id", id);
	cJSON_AddStringToObject(d, "name", name);
	cJSON_AddStringToObject(d, "created_at", created);
	cJSON_AddStringToObject(d, "state", "unverified");
	cJSON_AddStringToObject(d, "type", "custom");
	cJSON_AddBoolToObject(d, "is_disabled", 0);
	char login[300];
	snprintf(login, sizeof(login), "postmaster@%s", name);
	cJSON_AddStringToObject(d, "smtp_login", login);
	cJSON_AddStringToObject(d, "spam_action", spam_action);
	cJSON_AddStringToObject(d, "web_scheme", web_scheme);
	cJSON_AddStringToObject(d, "web_prefix", prefix ? prefix : "email");
	cJSON_AddBoolToObject(d, "wildcard", wildcard);
	cJSON_AddBoolToObject(d, "require_tls", tls);
	cJSON_AddBoolToObject(d, "skip_verification", skip);
	cJSON_AddBoolToObject(d, "use_automatic_sender_security", auto_sec);
	cJSON_AddBoolToObject(d, "encrypt_incoming_message", encrypt);
	cJSON_AddNumberToObject(d, "message_ttl", 259200);
	cJSON_AddStringToObject(d, "dkim_selector",
	                        selector ? selector : "pic");
	cJSON_AddBoolToObject(d, "smtp_password_set", password != NULL);
	cJSON_AddNumberToObject(d, "verify_polls", 0);
	return d;
}

static void create_domain(struct route *rt)
{
	const char *given = sb_form(rt->req, "name", 0), *error;
	char name[254];
	if (!given || !*given) {
		bad_request(rt->resp, "Missing parameter 'name'");
		return;
	}
	size_t n = strlen(given);
	if (n >= sizeof(name)) {
		bad_request(rt->resp, "Invalid domain name");
		return;
	}
	for (size_t i = 0; i <= n; i++)
		name[i] = (char)tolower((unsigned char)given[i]);
	if (!valid_domain_name(name)) {
		bad_request(rt->resp, "Invalid domain name");
		return;
	}
	if (sb_resource_find(P, "domain", name)) {
		bad_request(rt->resp, "Domain already exists");
		return;
	}
	cJSON *d = new_domain(rt->req, name, &error);
	if (!d) {
		bad_request(rt->resp, error);
		return;
	}
	d = sb_resource_add(P, "domain", name, d);
	if (!d) {
		message(rt->resp, 500, "Internal error");
		return;
	}
	sb_reply_json(rt->resp, 200,
	              domain_reply(d, "Domain DNS records have been created"));
}

static long query_number(const struct sb_request *req, const char *name,
                         long def, long max)
{
	const char *v = sb_query(req, name);
	char *end;
	long n = v ? strtol(v, &end, 10) : def;
	if (!v)
		return def;
	if (end == v || *end || n < 0)
		return def;
	return n > max ? max : n;
}

struct listing {
	cJSON *items;
	long skip, limit, total;
	const char *filter_attr, *filter_value;
	const char *after; /* list only what follows the item so named */
	cJSON *(*shape)(const cJSON *attrs);
};

/* One page of a resource listing: skip/limit over the filtered items. */
static void list_one(const char *id, cJSON *attrs, void *arg)
{
	struct listing *l = arg;
	(void)id;
	if (l->filter_attr &&
	    (!attr(attrs, l->filter_attr) ||
	     strcmp(attr(attrs, l->filter_attr), l->filter_value) != 0))
		return;
	if (l->after) {
		const char *name = attr(attrs, "name");
		if (name && strcmp(name, l->after) == 0)
			l->after = NULL;
		return;
	}
	l->total++;
	if (l->total <= l->skip ||
	    cJSON_GetArraySize(l->items) >= (int)l->limit)
		return;
	cJSON_AddItemToArray(l->items, l->shape(attrs));
}

static cJSON *domain_item(const cJSON *attrs)
{
	cJSON *reply = domain_reply(attrs, NULL);
	cJSON *d = cJSON_DetachItemFromObjectCaseSensitive(reply, "domain");
	cJSON_Delete(reply);
	return d;
}

static void list_domains(struct route *rt)
{
	struct listing l = {
	    .items = cJSON_CreateArray(),
	    .skip = query_number(rt->req, "skip", 0, 1000000),
	    .limit = query_number(rt->req, "limit", 100, 1000),
	    .shape = domain_item,
	};
	const char *state = sb_query(rt->req, "state");
	if (state) {
		l.filter_attr = "state";
		l.filter_value = state;
	}
	sb_resource_each(P, "domain", list_one, &l);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "total_count", (double)l.total);
	cJSON_AddItemToObject(j, "items", l.items);
	sb_reply_json(rt->resp, 200, j);
}

static void verify_domain(struct route *rt, cJSON *d)
{
	cJSON *polls = cJSON_GetObjectItemCaseSensitive(d, "verify_polls");
	double n = (polls ? polls->valuedouble : 0) + 1;
	if (polls)
		cJSON_SetNumberValue(polls, n);
	/* Verification completes on the sb_async_polls()-th call, so
	 * clients see the unverified state first. */
	if (n >= sb_async_polls())
		cJSON_ReplaceItemInObjectCaseSensitive(
		    d, "state", cJSON_CreateString("active"));
	sb_reply_json(rt->resp, 200,
	              domain_reply(d, "Domain DNS records have been updated"));
}

static void domains_v4(struct route *rt)
{
	const char *m = rt->req->method;
	cJSON *d;
	if (rt->n == 2 && strcmp(m, "GET") == 0)
		list_domains(rt);
	else if (rt->n == 2 && strcmp(m, "POST") == 0)
		create_domain(rt);
	else if (rt->n == 3 && strcmp(m, "GET") == 0) {
		if ((d = domain_or_404(rt->seg[2], rt->resp)))
			sb_reply_json(rt->resp, 200, domain_reply(d, NULL));
	} else if (rt->n == 4 && strcmp(rt->seg[3], "verify") == 0 &&
	           strcmp(m, "PUT") == 0) {
		if ((d = domain_or_404(rt->seg[2], rt->resp)))
			verify_domain(rt, d);
	} else
		message(rt->resp, 404, "Not Found");
}

static int valid_urls(const struct sb_request *req, struct sb_response *resp)
{
	size_t n = sb_form_count(req, "url");
	if (n < 1 || n > 3) {
		bad_request(resp, "url is required, at most 3 times");
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const char *u = sb_form(req, "url", i);
		if (strncmp(u, "http://", 7) != 0 &&
		    strncmp(u, "https://", 8) != 0) {
			bad_request(resp, "url must be an http(s) URL");
			return 0;
		}
	}
	return 1;
}

static cJSON *form_urls(const struct sb_request *req)
{
	cJSON *urls = cJSON_CreateArray();
	for (size_t i = 0; i < sb_form_count(req, "url"); i++)
		cJSON_AddItemToArray(
		    urls, cJSON_CreateString(sb_form(req, "url", i)));
	return urls;
}

static int known_event(const char *event)
{
	for (size_t i = 0; i < sizeof(webhook_events) / sizeof(*webhook_events);
	     i++)
		if (event && strcmp(event, webhook_events[i]) == 0)
			return 1;
	return 0;
}

static void webhook_reply(struct sb_response *resp, const char *text,
                          const cJSON *hook)
{
	cJSON *j = cJSON_CreateObject(), *w = cJSON_CreateObject();
	if (text)
		cJSON_AddStringToObject(j, "message", text);
	cJSON_AddItemToObject(
	    w, "urls",
	    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(hook, "urls"), 1));
	cJSON_AddItemToObject(j, "webhook", w);
	sb_reply_json(resp, 200, j);
}

static void add_webhook_entry(const char *id, cJSON *attrs, void *arg)
{
	struct listing *l = arg;
	(void)id;
	if (strcmp(attr(attrs, "domain"), l->filter_value) != 0)
		return;
	cJSON *entry = cJSON_AddObjectToObject(l->items, attr(attrs, "event"));
	cJSON_AddItemToObject(
	    entry, "urls",
	    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(attrs, "urls"),
	                    1));
}

static void create_webhook(struct route *rt, const char *domain)
{
	const char *event = sb_form(rt->req, "id", 0);
	char id[400];
	if (!known_event(event)) {
		bad_request(rt->resp, "id must be a known event name");
		return;
	}
	if (!valid_urls(rt->req, rt->resp))
		return;
	snprintf(id, sizeof(id), "%s/%s", domain, event);
	if (sb_resource_find(P, "webhook", id)) {
		bad_request(rt->resp, "Webhook already exists");
		return;
	}
	cJSON *hook = cJSON_CreateObject();
	cJSON_AddStringToObject(hook, "domain", domain);
	cJSON_AddStringToObject(hook, "event", event);
	cJSON_AddItemToObject(hook, "urls", form_urls(rt->req));
	hook = sb_resource_add(P, "webhook", id, hook);
	if (!hook)
		message(rt->resp, 500, "Internal error");
	else
		webhook_reply(rt->resp, "Webhook has been created", hook);
}

static void webhooks_v3(struct route *rt, const char *domain)
{
	const char *m = rt->req->method;
	char id[400];
	if (rt->n == 4 && strcmp(m, "GET") == 0) {
		struct listing l = {.items = cJSON_CreateObject(),
		                    .filter_value = domain};
		sb_resource_each(P, "webhook", add_webhook_entry, &l);
		cJSON *j = cJSON_CreateObject();
		cJSON_AddItemToObject(j, "webhooks", l.items);
		sb_reply_json(rt->resp, 200, j);
		return;
	}
	if (rt->n == 4 && strcmp(m, "POST") == 0) {
		create_webhook(rt, domain);
		return;
	}
	if (rt->n != 5 || (strcmp(m, "GET") != 0 && strcmp(m, "PUT") != 0)) {
		message(rt->resp, 404, "Not Found");
		return;
	}
	snprintf(id, sizeof(id), "%s/%s", domain, rt->seg[4]);
	cJSON *hook = sb_resource_find(P, "webhook", id);
	if (!hook) {
		message(rt->resp, 404, "Webhook not found");
	} else if (strcmp(m, "GET") == 0) {
		webhook_reply(rt->resp, NULL, hook);
	} else if (valid_urls(rt->req, rt->resp)) {
		cJSON_ReplaceItemInObjectCaseSensitive(hook, "urls",
		                                       form_urls(rt->req));
		webhook_reply(rt->resp, "Webhook has been updated", hook);
	}
}

/* The template as the API shows it; the version only when asked. */
static cJSON *template_view(const cJSON *t, int with_version)
{
	cJSON *v = cJSON_Duplicate(t, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(v, "domain");
	if (!with_version)
		cJSON_DeleteItemFromObjectCaseSensitive(v, "version");
	return v;
}

static cJSON *template_item(const cJSON *attrs)
{
	return template_view(attrs, 0);
}

static cJSON *new_version(const struct sb_request *req, const char *created,
                          const char **error)
{
	const char *headers = sb_form(req, "headers", 0);
	const char *tag = sb_form(req, "tag", 0);
	const char *engine = sb_form(req, "engine", 0);
	const char *comment = sb_form(req, "comment", 0);
	cJSON *parsed = NULL, *h, *v;
	char id[32];
	if (headers) {
		parsed = cJSON_Parse(headers);
		int ok = cJSON_IsObject(parsed);
		cJSON_ArrayForEach(h, parsed) ok = ok && cJSON_IsString(h);
		if (!ok) {
			cJSON_Delete(parsed);
			*error = "headers must be a JSON object of strings";
			return NULL;
		}
	}
	sb_new_id(id, sizeof(id), "ver-");
	v = cJSON_CreateObject();
	cJSON_AddStringToObject(v, "tag", tag && *tag ? tag : "initial");
	cJSON_AddStringToObject(v, "template", sb_form(req, "template", 0));
	cJSON_AddStringToObject(v, "engine", engine ? engine : "handlebars");
	cJSON_AddStringToObject(v, "mjml", "");
	cJSON_AddStringToObject(v, "createdAt", created);
	cJSON_AddStringToObject(v, "comment", comment ? comment : "");
	cJSON_AddBoolToObject(v, "active", 1);
	cJSON_AddStringToObject(v, "id", id);
	if (parsed)
		cJSON_AddItemToObject(v, "headers", parsed);
	return v;
}

static void create_template(struct route *rt, const char *domain)
{
	const char *given = sb_form(rt->req, "name", 0), *error = NULL;
	const char *description = sb_form(rt->req, "description", 0);
	const char *by = sb_form(rt->req, "createdBy", 0);
	char name[128], id[400], tid[32], created[64];
	size_t n = given ? strlen(given) : 0;
	if (n == 0 || n >= sizeof(name)) {
		bad_request(rt->resp, "name is required (at most 127 chars)");
		return;
	}
	for (size_t i = 0; i <= n; i++)
		name[i] = (char)tolower((unsigned char)given[i]);
	snprintf(id, sizeof(id), "%s/%s", domain, name);
	if (sb_resource_find(P, "template", id)) {
		bad_request(rt->resp, "template with this name already exists");
		return;
	}
	mailgun_date(created, sizeof(created), 0);
	cJSON *version = NULL;
	if (sb_form(rt->req, "template", 0) &&
	    !(version = new_version(rt->req, created, &error))) {
		bad_request(rt->resp, error);
		return;
	}
	sb_new_id(tid, sizeof(tid), "tpl-");
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "domain", domain);
	cJSON_AddStringToObject(t, "name", name);
	cJSON_AddStringToObject(t, "description",
	                        description ? description : "");
	cJSON_AddStringToObject(t, "createdAt", created);
	cJSON_AddStringToObject(t, "createdBy", by ? by : "");
	cJSON_AddStringToObject(t, "id", tid);
	if (version)
		cJSON_AddItemToObject(t, "version", version);
	if (!(t = sb_resource_add(P, "template", id, t))) {
		message(rt->resp, 500, "Internal error");
		return;
	}
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", "template has been stored");
	cJSON_AddItemToObject(j, "template", template_view(t, 1));
	sb_reply_json(rt->resp, 200, j);
}

static void list_templates(struct route *rt, const char *domain)
{
	struct listing l = {
	    .items = cJSON_CreateArray(),
	    .limit = query_number(rt->req, "limit", 10, 100),
	    .filter_attr = "domain",
	    .filter_value = domain,
	    .shape = template_item,
	};
	/* Paging by name: page=next&p=<last name seen>. */
	const char *page = sb_query(rt->req, "page");
	if (page && strcmp(page, "next") == 0)
		l.after = sb_query(rt->req, "p");
	sb_resource_each(P, "template", list_one, &l);
	char base[400];
	snprintf(base, sizeof(base),
	         "https://api.mailgun.net/v3/%s/templates?limit=%ld", domain,
	         l.limit);
	cJSON *j = cJSON_CreateObject(), *paging = cJSON_CreateObject();
	cJSON_AddItemToObject(j, "items", l.items);
	const char *names[] = {"first", "last", "next", "previous"};
	for (size_t i = 0; i < 4; i++) {
		char url[500];
		snprintf(url, sizeof(url), "%s&page=%s", base, names[i]);
		cJSON_AddStringToObject(paging, names[i], url);
	}
	cJSON_AddItemToObject(j, "paging", paging);
	sb_reply_json(rt->resp, 200, j);
}

static void templates_v3(struct route *rt, const char *domain)
{
	const char *m = rt->req->method;
	char id[400];
	if (rt->n == 3 && strcmp(m, "GET") == 0) {
		list_templates(rt, domain);
	} else if (rt->n == 3 && strcmp(m, "POST") == 0) {
		create_template(rt, domain);
	} else if (rt->n == 4 && strcmp(m, "GET") == 0) {
		const char *active = sb_query(rt->req, "active");
		snprintf(id, sizeof(id), "%s/%s", domain, rt->seg[3]);
		cJSON *t = sb_resource_find(P, "template", id);
		if (!t) {
			message(rt->resp, 404, "template not found");
			return;
		}
		cJSON *j = cJSON_CreateObject();
		cJSON_AddItemToObject(
		    j, "template",
		    template_view(t, active && strcmp(active, "yes") == 0));
		sb_reply_json(rt->resp, 200, j);
	} else {
		message(rt->resp, 404, "Not Found");
	}
}

static cJSON *credential_item(const cJSON *attrs)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "mailbox", attr(attrs, "mailbox"));
	cJSON_AddStringToObject(c, "login", attr(attrs, "login"));
	cJSON_AddStringToObject(c, "created_at", attr(attrs, "created_at"));
	cJSON_AddNullToObject(c, "size_bytes");
	return c;
}

/* "alice" and "alice@DOMAIN" name the same login; another domain is an
 * error (NULL). */
static const char *full_login(const char *given, const char *domain, char *buf,
                              size_t len)
{
	const char *at = given ? strchr(given, '@') : NULL;
	if (!given || !*given || given[0] == '@')
		return NULL;
	if (at)
		return strcmp(at + 1, domain) == 0 &&
		               snprintf(buf, len, "%s", given) < (int)len
		           ? buf
		           : NULL;
	return snprintf(buf, len, "%s@%s", given, domain) < (int)len ? buf
	                                                             : NULL;
}

/* Mailgun makes up a password when none is given and returns it once. */
static void generate_password(char *buf, size_t len)
{
	static const char alphabet[] =
	    "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char raw[32] = {0};
	FILE *f = fopen("/dev/urandom", "rb");
	if (!f || fread(raw, 1, sizeof(raw), f) != sizeof(raw)) {
		for (size_t i = 0; i < sizeof(raw); i++)
			raw[i] = (unsigned char)rand();
	}
	if (f)
		fclose(f);
	size_t n = len - 1 < 20 ? len - 1 : 20;
	for (size_t i = 0; i < n; i++)
		buf[i] = alphabet[raw[i] % (sizeof(alphabet) - 1)];
	buf[n] = '\0';
}

static void create_credential(struct route *rt, const char *domain)
{
	const char *password = sb_form(rt->req, "password", 0);
	char login[400], made_up[32], created[64];
	if (!full_login(sb_form(rt->req, "login", 0), domain, login,
	                sizeof(login))) {
		message(rt->resp, 400, "login is required, within this domain");
		return;
	}
	if (password && !password_ok(password)) {
		message(rt->resp, 400,
		        "Password length must be between 5 and 32 characters");
		return;
	}
	if (sb_resource_find(P, "credential", login)) {
		message(rt->resp, 400, "Credentials already exist");
		return;
	}
	mailgun_date(created, sizeof(created), 1);
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "domain", domain);
	cJSON_AddStringToObject(c, "login", login);
	cJSON_AddStringToObject(c, "mailbox", login);
	cJSON_AddStringToObject(c, "created_at", created);
	cJSON_AddBoolToObject(c, "password_set", 1);
	cJSON_AddNumberToObject(c, "password_changes", 0);
	if (!sb_resource_add(P, "credential", login, c)) {
		message(rt->resp, 500, "Internal error");
		return;
	}
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", "Created 1 credentials pair(s)");
	if (!password) {
		generate_password(made_up, sizeof(made_up));
		cJSON *creds = cJSON_AddObjectToObject(j, "credentials");
		cJSON_AddStringToObject(creds, login, made_up);
		cJSON_AddStringToObject(j, "note",
		                        "The password is shown only once");
	}
	sb_reply_json(rt->resp, 200, j);
}

static void change_password(struct route *rt, const char *domain)
{
	char login[400];
	const char *password = sb_form(rt->req, "password", 0);
	cJSON *c = full_login(rt->seg[4], domain, login, sizeof(login))
	               ? sb_resource_find(P, "credential", login)
	               : NULL;
	if (!c) {
		message(rt->resp, 404, "Credentials not found");
		return;
	}
	if (!password_ok(password)) {
		message(rt->resp, 400,
		        "Password length must be between 5 and 32 characters");
		return;
	}
	cJSON *changes =
	    cJSON_GetObjectItemCaseSensitive(c, "password_changes");
	if (changes)
		cJSON_SetNumberValue(changes, changes->valuedouble + 1);
	message(rt->resp, 200, "Password changed");
}

static void credentials_v3(struct route *rt, const char *domain)
{
	const char *m = rt->req->method;
	if (rt->n == 4 && strcmp(m, "GET") == 0) {
		struct listing l = {
		    .items = cJSON_CreateArray(),
		    .skip = query_number(rt->req, "skip", 0, 1000000),
		    .limit = query_number(rt->req, "limit", 100, 1000),
		    .filter_attr = "domain",
		    .filter_value = domain,
		    .shape = credential_item,
		};
		sb_resource_each(P, "credential", list_one, &l);
		cJSON *j = cJSON_CreateObject();
		cJSON_AddItemToObject(j, "items", l.items);
		cJSON_AddNumberToObject(j, "total_count", (double)l.total);
		sb_reply_json(rt->resp, 200, j);
	} else if (rt->n == 4 && strcmp(m, "POST") == 0) {
		create_credential(rt, domain);
	} else if (rt->n == 5 && strcmp(m, "PUT") == 0) {
		change_password(rt, domain);
	} else {
		message(rt->resp, 404, "Not Found");
	}
}

static void dispatch(struct route *rt)
{
	char **s = rt->seg;
	if (rt->n >= 2 && !strcmp(s[0], "v4") && !strcmp(s[1], "domains")) {
		domains_v4(rt);
		return;
	}
	/* /v3/domains/{d}/webhooks|credentials and /v3/{d}/templates */
	int under_domains =
	    rt->n >= 4 && !strcmp(s[0], "v3") && !strcmp(s[1], "domains");
	int templates =
	    rt->n >= 3 && !strcmp(s[0], "v3") && !strcmp(s[2], "templates");
	const char *domain = under_domains ? s[2] : templates ? s[1] : NULL;
	if (!domain) {
		message(rt->resp, 404, "Not Found");
		return;
	}
	if (!domain_or_404(domain, rt->resp))
		return;
	if (under_domains && !strcmp(s[3], "webhooks"))
		webhooks_v3(rt, domain);
	else if (under_domains && !strcmp(s[3], "credentials"))
		credentials_v3(rt, domain);
	else if (templates)
		templates_v3(rt, domain);
	else
		message(rt->resp, 404, "Not Found");
}

static void handle(const struct sb_request *req, struct sb_response *resp)
{
	char path[2048];
	struct route rt = {.req = req, .resp = resp};
	if (!authorized(req)) {
		sb_reply(resp, 401, "text/plain", "Forbidden");
		return;
	}
	if (snprintf(path, sizeof(path), "%s", req->path) >=
	    (int)sizeof(path)) {
		message(resp, 404, "Not Found");
		return;
	}
	char *save = NULL;
	for (char *seg = strtok_r(path, "/", &save); seg;
	     seg = strtok_r(NULL, "/", &save)) {
		if (rt.n == MAX_SEGMENTS) {
			message(resp, 404, "Not Found");
			return;
		}
		rt.seg[rt.n++] = seg;
	}
	if (strcmp(req->method, "DELETE") == 0)
		fake_mailgun_delete(rt.seg, rt.n, resp);
	else
		dispatch(&rt);
}

static const struct sb_fake mailgun_fake = {.name = "mailgun",
                                            .handle = handle};
SB_REGISTER_FAKE(mailgun_fake)
