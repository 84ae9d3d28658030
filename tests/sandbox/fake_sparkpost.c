/*
 * SparkPost fake: account, sending domains (DNS verification that holds
 * on the --async-polls-th verify), subaccounts (with a key shown once,
 * paged listing), templates (draft and published versions) and webhooks
 * (a test POST to the target before a create answers, as SparkPost does:
 * fake_sparkpost_target.c). Shaped after the API Blueprint files in
 * /work/shared/specs/sparkpost/.
 *
 * Served under /api/v1, as api.sparkpost.com serves it. The key is the
 * whole Authorization header (index.apib "Authentication"); a missing or
 * wrong one is 401. Errors have SparkPost's shape
 * {"errors": [{"message", "code", "description"}]}, code a string.
 *
 * Environment:
 *   SANDBOX_SPARKPOST_API_KEY  the accepted key, default
 *                              "sp-sandbox-key-0001"
 *   SANDBOX_SPARKPOST_FOREIGN_DOMAINS  comma-separated domains another
 *                              account holds: creating one is 400 7004
 *
 * Resources: kinds domain (id = name), subaccount (id = its number; attrs
 * hold short_key, never the key), template (id), webhook (id).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_sparkpost.h"
#include "sandbox.h"

#define P SPF_PROVIDER
#define BASE "/api/v1"

void spf_error(struct sb_response *resp, int status, const char *code,
               const char *message, const char *description)
{
	cJSON *j = cJSON_CreateObject(), *list = cJSON_CreateArray(),
	      *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "message", message);
	if (code)
		cJSON_AddStringToObject(e, "code", code);
	if (description)
		cJSON_AddStringToObject(e, "description", description);
	cJSON_AddItemToArray(list, e);
	cJSON_AddItemToObject(j, "errors", list);
	sb_reply_json(resp, status, j);
}

void spf_not_found(struct sb_response *resp, const char *what)
{
	spf_error(resp, 404, "1600", "resource not found", what);
}

void spf_conflict(struct sb_response *resp, const char *what)
{
	spf_error(resp, 409, "1602", "resource conflict", what);
}

void spf_missing(struct sb_response *resp, const char *what)
{
	spf_error(resp, 422, "1400", "required field is missing", what);
}

/* {"results": v} (v transfer full). */
void spf_results(struct sb_response *resp, int status, cJSON *v)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddItemToObject(j, "results", v);
	sb_reply_json(resp, status, j);
}

const char *spf_str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

void spf_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

/* Random lower-case hex into out (len-1 digits). */
static void random_hex(char *out, size_t len)
{
	FILE *f = fopen("/dev/urandom", "rb");
	unsigned char b = 0;

	for (size_t i = 0; i + 1 < len; i++) {
		if (!f || fread(&b, 1, 1, f) != 1)
			b = (unsigned char)rand();
		out[i] = "0123456789abcdef"[b & 15];
	}
	out[len - 1] = '\0';
	if (f)
		fclose(f);
}

/* ---- account -------------------------------------------------------- */

static void account(struct sb_response *resp)
{
	cJSON *a = cJSON_CreateObject(), *sub = cJSON_CreateObject();

	cJSON_AddNumberToObject(a, "customer_id", 112233);
	cJSON_AddStringToObject(a, "company_name", "Sandbox Co");
	cJSON_AddStringToObject(a, "status", "active");
	cJSON_AddStringToObject(sub, "code", "starter-50k");
	cJSON_AddStringToObject(sub, "name", "Starter");
	cJSON_AddItemToObject(a, "subscription", sub);
	spf_results(resp, 200, a);
}

/* ---- sending domains ------------------------------------------------ */

static cJSON *domain_status(const cJSON *d)
{
	int valid = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "valid"));
	cJSON *s = cJSON_CreateObject();

	cJSON_AddBoolToObject(s, "ownership_verified", valid);
	cJSON_AddStringToObject(s, "spf_status", "unverified");
	cJSON_AddStringToObject(s, "abuse_at_status", "unverified");
	cJSON_AddStringToObject(s, "dkim_status",
	                        valid ? "valid" : "unverified");
	cJSON_AddStringToObject(s, "cname_status",
	                        valid ? "valid" : "unverified");
	cJSON_AddStringToObject(s, "mx_status", "unverified");
	cJSON_AddStringToObject(s, "compliance_status", "valid");
	cJSON_AddStringToObject(s, "postmaster_at_status", "unverified");
	cJSON_AddStringToObject(s, "verification_mailbox_status", "unverified");
	return s;
}

static cJSON *dkim_of(const cJSON *d, int with_domain)
{
	cJSON *k = cJSON_CreateObject();

	cJSON_AddStringToObject(k, "public", spf_str(d, "public"));
	cJSON_AddStringToObject(k, "selector", spf_str(d, "selector"));
	if (with_domain)
		cJSON_AddStringToObject(k, "signing_domain",
		                        spf_str(d, "domain"));
	cJSON_AddStringToObject(k, "headers", "from:to:subject:date");
	return k;
}

/* 1 when `name` is in SANDBOX_SPARKPOST_FOREIGN_DOMAINS (comma-separated):
 * a domain another SparkPost account holds. */
static int foreign(const char *name)
{
	const char *list = getenv("SANDBOX_SPARKPOST_FOREIGN_DOMAINS");
	size_t n = strlen(name);

	for (const char *p = list; p && *p;
	     p += strcspn(p, ",") + (p[strcspn(p, ",")] != 0))
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

static void create_domain(const cJSON *in, struct sb_response *resp)
{
	const char *name = spf_str(in, "domain");
	char pub[200], key[64];
	cJSON *d, *r;

	if (!name || !strchr(name, '.') || strlen(name) > 255) {
		spf_missing(resp, "domain is required (a domain name)");
		return;
	}
	if (sb_resource_find(P, "domain", name)) {
		spf_conflict(resp, "sending domain already exists");
		return;
	}
	if (foreign(name)) {
		spf_error(
		    resp, 400, "7004", "Domain in use by another account",
		    "Please contact SparkPost support to check about this "
		    "org-domain availability.");
		return;
	}
	/* A public key shaped like the apib's example, unique per domain. */
	random_hex(key, sizeof(key));
	snprintf(pub, sizeof(pub),
	         "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC%sIDAQAB", key);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "domain", name);
	cJSON_AddStringToObject(d, "public", pub);
	cJSON_AddStringToObject(d, "selector", "scph1226");
	cJSON_AddBoolToObject(d, "valid", 0);
	cJSON_AddNumberToObject(d, "checks", 0);
	d = sb_resource_add(P, "domain", name, d);
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "message", "Successfully Created domain.");
	cJSON_AddStringToObject(r, "domain", name);
	cJSON_AddItemToObject(r, "dkim", dkim_of(d, 1));
	spf_results(resp, 200, r);
}

/* POST .../verify: DNS holds on the sb_async_polls()-th DNS check. */
static void verify_domain(cJSON *d, const cJSON *in, struct sb_response *resp)
{
	cJSON *checks = cJSON_GetObjectItemCaseSensitive(d, "checks"), *r, *dns;
	char record[300];

	if (!cJSON_IsTrue(
	        cJSON_GetObjectItemCaseSensitive(in, "dkim_verify")) &&
	    !cJSON_IsTrue(
	        cJSON_GetObjectItemCaseSensitive(in, "cname_verify"))) {
		spf_missing(resp, "a verification method is required");
		return;
	}
	cJSON_SetNumberValue(checks, checks->valuedouble + 1);
	if (checks->valuedouble >= sb_async_polls())
		cJSON_ReplaceItemInObjectCaseSensitive(d, "valid",
		                                       cJSON_CreateTrue());
	r = domain_status(d);
	dns = cJSON_CreateObject();
	snprintf(record, sizeof(record), "k=rsa; h=sha256; p=%s",
	         spf_str(d, "public"));
	cJSON_AddStringToObject(dns, "dkim_record", record);
	cJSON_AddStringToObject(dns, "cname_record", "sparkpostmail.com");
	cJSON_AddItemToObject(r, "dns", dns);
	spf_results(resp, 200, r);
}

static void sending_domains(const struct sb_request *req, const char *rest,
                            const cJSON *in, struct sb_response *resp)
{
	char name[256], tail[32] = "";
	cJSON *d, *r;

	if (!*rest && !strcmp(req->method, "POST")) {
		create_domain(in, resp);
		return;
	}
	if (sscanf(rest, "/%255[^/]%31s", name, tail) < 1) {
		spf_error(resp, 405, NULL, "method not allowed", NULL);
		return;
	}
	if (!(d = sb_resource_find(P, "domain", name))) {
		spf_not_found(resp, "sending domain not found");
	} else if (!strcmp(tail, "/verify") && !strcmp(req->method, "POST")) {
		verify_domain(d, in, resp);
	} else if (*tail) {
		spf_not_found(resp, "no such call");
	} else if (!strcmp(req->method, "GET")) {
		r = cJSON_CreateObject();
		cJSON_AddItemToObject(r, "status", domain_status(d));
		cJSON_AddItemToObject(r, "dkim", dkim_of(d, 0));
		cJSON_AddBoolToObject(r, "shared_with_subaccounts", 0);
		cJSON_AddBoolToObject(r, "is_default_bounce_domain", 0);
		spf_results(resp, 200, r);
	} else if (!strcmp(req->method, "DELETE")) {
		sb_resource_delete(P, "domain", name);
		sb_reply(resp, 204, "application/json", "%s", "");
	} else {
		spf_error(resp, 405, NULL, "method not allowed", NULL);
	}
}

/* ---- subaccounts ---------------------------------------------------- */

static cJSON *subaccount_view(const char *id, const cJSON *s)
{
	cJSON *v = cJSON_CreateObject();

	cJSON_AddNumberToObject(v, "id", atoi(id));
	cJSON_AddStringToObject(v, "name", spf_str(s, "name"));
	cJSON_AddStringToObject(v, "status", spf_str(s, "status"));
	cJSON_AddStringToObject(v, "compliance_status", "active");
	return v;
}

static void create_subaccount(const cJSON *in, struct sb_response *resp)
{
	const char *name = spf_str(in, "name"),
	           *label = spf_str(in, "key_label");
	const cJSON *grants =
	    cJSON_GetObjectItemCaseSensitive(in, "key_grants");
	cJSON *s, *r;
	char id[32], key[41];

	if (!name || !*name || strlen(name) > 64) {
		spf_error(resp, 400, NULL, "`name` is a required field", NULL);
		return;
	}
	/* setup_api_key defaults to true: then label and grants are due. */
	if (!cJSON_IsFalse(
	        cJSON_GetObjectItemCaseSensitive(in, "setup_api_key")) &&
	    (!label || !cJSON_GetArraySize(grants))) {
		spf_error(resp, 400, NULL,
		          "`key_label` and `key_grants` are required fields",
		          NULL);
		return;
	}
	sb_new_id(id, sizeof(id), "sub-");
	snprintf(id, sizeof(id), "%d", 100 + atoi(id + 4));
	random_hex(key, sizeof(key));
	s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "name", name);
	cJSON_AddStringToObject(s, "status", "active");
	cJSON_AddStringToObject(s, "short_key",
	                        (char[5]){key[0], key[1], key[2], key[3], 0});
	sb_resource_add(P, "subaccount", id, s);
	r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "subaccount_id", atoi(id));
	cJSON_AddStringToObject(r, "key", key); /* shown once, never kept */
	cJSON_AddStringToObject(r, "label", label ? label : "");
	cJSON_AddStringToObject(r, "short_key",
	                        (char[5]){key[0], key[1], key[2], key[3], 0});
	spf_results(resp, 200, r);
}

struct page {
	const char *name;
	long skip, take, seen;
	cJSON *list;
};

static void list_one_subaccount(const char *id, cJSON *attrs, void *arg)
{
	struct page *p = arg;
	const char *name = spf_str(attrs, "name");

	if (p->name && (!name || !strstr(name, p->name)))
		return;
	if (p->seen++ >= p->skip && cJSON_GetArraySize(p->list) < p->take)
		cJSON_AddItemToArray(p->list, subaccount_view(id, attrs));
}

/* Paged when per_page or cursor is given: links.next carries the cursor
 * ("off=N", so that clients must decode it). */
static void list_subaccounts(const struct sb_request *req,
                             struct sb_response *resp)
{
	const char *per = sb_query(req, "per_page"),
	           *cur = sb_query(req, "cursor");
	struct page p = {.name = sb_query(req, "name"), .take = 1L << 30};
	cJSON *j = cJSON_CreateObject(), *links = cJSON_CreateObject();
	char next[600];

	p.list = cJSON_CreateArray();
	if (per || cur)
		p.take = per ? atol(per) : 25;
	if (p.take < 1 || p.take > 100) {
		cJSON_Delete(j);
		cJSON_Delete(links);
		cJSON_Delete(p.list);
		spf_error(resp, 400, NULL, "per_page must be between 1 and 100",
		          NULL);
		return;
	}
	if (cur && strncmp(cur, "off=", 4) == 0)
		p.skip = atol(cur + 4);
	sb_resource_each(P, "subaccount", list_one_subaccount, &p);
	cJSON_AddItemToObject(j, "results", p.list);
	cJSON_AddNumberToObject(j, "total_count", (double)p.seen);
	if (p.skip + p.take < p.seen) {
		snprintf(next, sizeof(next),
		         BASE "/subaccounts?cursor=off%%3D%ld&per_page=%ld",
		         p.skip + p.take, p.take);
		cJSON_AddStringToObject(links, "next", next);
	}
	cJSON_AddItemToObject(j, "links", links);
	sb_reply_json(resp, 200, j);
}

static void subaccounts(const struct sb_request *req, const char *rest,
                        const cJSON *in, struct sb_response *resp)
{
	char id[32];
	cJSON *s;

	if (!*rest && !strcmp(req->method, "POST"))
		create_subaccount(in, resp);
	else if (!*rest && !strcmp(req->method, "GET"))
		list_subaccounts(req, resp);
	else if (sscanf(rest, "/%31[0-9]", id) != 1 ||
	         strlen(rest) != strlen(id) + 1)
		spf_not_found(resp, "subaccount not found");
	else if (!(s = sb_resource_find(P, "subaccount", id)))
		spf_not_found(resp, "subaccount not found");
	else if (!strcmp(req->method, "GET"))
		spf_results(resp, 200, subaccount_view(id, s));
	else /* no DELETE in subaccounts.apib */
		spf_error(resp, 405, NULL, "method not allowed", NULL);
}

/* ---- routing -------------------------------------------------------- */

static int authorized(const struct sb_request *req)
{
	const char *want = getenv("SANDBOX_SPARKPOST_API_KEY"),
	           *key = sb_header(req, "Authorization");

	if (!want || !*want)
		want = "sp-sandbox-key-0001";
	return key && strcmp(key, want) == 0;
}

/* "/templates/x" against "/templates": the rest ("/x"), or NULL. */
static const char *under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0 || (path[n] && path[n] != '/'))
		return NULL;
	return path + n;
}

static void handle(const struct sb_request *req, struct sb_response *resp)
{
	const cJSON *in = sb_json(req);
	const char *path = req->path, *rest;

	if (strncmp(path, BASE "/", strlen(BASE) + 1) != 0) {
		spf_not_found(resp, "no such endpoint");
		return;
	}
	path += strlen(BASE);
	if (!authorized(req)) {
		spf_error(resp, 401, NULL, "Unauthorized.", NULL);
		return;
	}
	if (req->body_len && !cJSON_IsObject(in)) {
		spf_error(resp, 400, "1300", "invalid data format/type",
		          "the body is no JSON object");
		return;
	}
	if (!strcmp(path, "/account") && !strcmp(req->method, "GET"))
		account(resp);
	else if ((rest = under(path, "/sending-domains")))
		sending_domains(req, rest, in, resp);
	else if ((rest = under(path, "/subaccounts")))
		subaccounts(req, rest, in, resp);
	else if ((rest = under(path, "/templates")))
		spf_templates(req, rest, in, resp);
	else if ((rest = under(path, "/webhooks")))
		spf_webhooks(req, rest, in, resp);
	else
		spf_not_found(resp, "no such endpoint");
}

static const struct sb_fake sparkpost_fake = {.name = "sparkpost",
                                              .handle = handle};
SB_REGISTER_FAKE(sparkpost_fake)
