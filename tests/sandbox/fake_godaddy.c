/*
 * GoDaddy fake: DNS records of the Domains API and the certificate order
 * life cycle of the Certificates API (order, domain control, issuance,
 * download, renewal, the v2 customer listing and detail), shaped after
 * /work/shared/specs/godaddy-certificates-openapi.yaml and
 * godaddy-domains-swagger.json so a validating proxy accepts the replies.
 *
 * Environment:
 *   SANDBOX_GODADDY_API_KEY      accepted key, default
 *                                "sandbox-godaddy-key-0001"
 *   SANDBOX_GODADDY_API_SECRET   accepted secret, default
 *                                "sandbox-godaddy-secret-0001"
 *   SANDBOX_GODADDY_DENY=1       every call answers 403 ACCESS_DENIED, as
 *                                production does for ineligible accounts
 *   SANDBOX_GODADDY_DOMAINS      comma-separated domains of the account,
 *                                default "acme.example"
 *   SANDBOX_GODADDY_CUSTOMER_ID  the customer id of the v2 calls, default
 *                                "295e3bc3-b3b9-4d95-aae5-ede41a994d13"
 *
 * Domain control: a name inside an account domain is verified when the
 * TXT records at @ of that domain hold the order's token; a name outside
 * the account counts as published by a person elsewhere. Issuance then
 * takes sb_async_polls() status reads. Issuance signs a leaf from the
 * order's CSR (its key, CN and SANs, valid `period` years) with a test CA
 * made in memory at the first issue (fake_godaddy_ca.c), so each sandbox
 * run has its own untrusted CA. A renewal re-signs with a new serial.
 *
 * Resources: kinds record (id "domain/TYPE/name") and certificate_order
 * (id = certificateId).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fake_godaddy_ca.h"
#include "sandbox.h"

#define P "godaddy"
#define MAX_SEGMENTS 10

static const char *const product_types[] = {
    "DV_SSL", "DV_WILDCARD_SSL", "EV_SSL",     "OV_CS",      "OV_DS",
    "OV_SSL", "OV_WILDCARD_SSL", "UCC_DV_SSL", "UCC_EV_SSL", "UCC_OV_SSL",
    NULL,
};
static const char *const record_types[] = {"A",   "AAAA", "CNAME", "MX", "NS",
                                           "SOA", "SRV",  "TXT",   NULL};

struct route {
	const struct sb_request *req;
	struct sb_response *resp;
	char *seg[MAX_SEGMENTS];
	int n;
};

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

/* GoDaddy's Error shape; `path` (nullable) adds one fields[] entry. */
static void error(struct sb_response *resp, int status, const char *code,
                  const char *message, const char *path)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "code", code);
	cJSON_AddStringToObject(j, "message", message);
	if (path) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "path", path);
		cJSON_AddStringToObject(f, "code", "INVALID_VALUE");
		cJSON_AddStringToObject(f, "message", message);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(j, "fields"), f);
	}
	sb_reply_json(resp, status, j);
}

static void not_found(struct sb_response *resp, const char *what)
{
	error(resp, 404, "NOT_FOUND", what, NULL);
}

static int authorized(const struct sb_request *req)
{
	const char *h = sb_header(req, "Authorization");
	const char *key =
	    env_or("SANDBOX_GODADDY_API_KEY", "sandbox-godaddy-key-0001");
	const char *secret =
	    env_or("SANDBOX_GODADDY_API_SECRET", "sandbox-godaddy-secret-0001");
	size_t kn = strlen(key);

	if (!h || strncmp(h, "sso-key ", 8) != 0)
		return 0;
	h += 8;
	return strncmp(h, key, kn) == 0 && h[kn] == ':' &&
	       strcmp(h + kn + 1, secret) == 0;
}

static const char *attr(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

static int one_of(const char *v, const char *const *allowed)
{
	for (; v && *allowed; allowed++)
		if (strcmp(v, *allowed) == 0)
			return 1;
	return 0;
}

static void iso_time(char *buf, size_t len, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Replaces string attribute `name`; 0 or -1 when out of memory. */
static int set_attr(cJSON *o, const char *name, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, name);
	return cJSON_AddStringToObject(o, name, value) ? 0 : -1;
}

/* The account domain holding `name`, or NULL. */
static const char *account_zone(const char *name, char *buf, size_t len)
{
	const char *list = env_or("SANDBOX_GODADDY_DOMAINS", "acme.example");

	while (*list) {
		size_t n = strcspn(list, ","), ln = strlen(name);
		if (n < len) {
			memcpy(buf, list, n);
			buf[n] = '\0';
			if (!strcasecmp(name, buf) ||
			    (ln > n && name[ln - n - 1] == '.' &&
			     !strcasecmp(name + ln - n, buf)))
				return buf;
		}
		list += n + (list[n] == ',');
	}
	return NULL;
}

/* ---- Domains API: records ------------------------------------------- */

static void records_get(struct route *rt, const char *id, const char *type,
                        const char *name)
{
	cJSON *rec = sb_resource_find(P, "record", id);
	cJSON *out = cJSON_CreateArray(), *e;
	cJSON *list = cJSON_GetObjectItem(rec, "records");
	cJSON_ArrayForEach(e, list)
	{
		cJSON *o = cJSON_Duplicate(e, 1);
		cJSON_AddStringToObject(o, "type", type);
		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddItemToArray(out, o);
	}
	sb_reply_json(rt->resp, 200, out);
}

/* PUT body: [DNSRecordCreateTypeName], `data` required. */
static void records_put(struct route *rt, const char *id, const char *type)
{
	cJSON *body = sb_json(rt->req), *e, *list, *attrs;
	char path[64];
	int i = 0;

	if (!cJSON_IsArray(body)) {
		error(rt->resp, 422, "INVALID_BODY", "records must be an array",
		      "records");
		return;
	}
	list = cJSON_CreateArray();
	cJSON_ArrayForEach(e, body)
	{
		cJSON *ttl = cJSON_GetObjectItem(e, "ttl");
		cJSON *prio = cJSON_GetObjectItem(e, "priority");
		cJSON *o;
		snprintf(path, sizeof(path), "records[%d].data", i++);
		/* An MX record carries its priority (0..65535), as the
		 * Domains API's DNSRecordCreateTypeName describes it. */
		if (!attr(e, "data") ||
		    (ttl && (!cJSON_IsNumber(ttl) || ttl->valuedouble < 600)) ||
		    (prio && (!cJSON_IsNumber(prio) || prio->valuedouble < 0 ||
		              prio->valuedouble > 65535)) ||
		    (!prio && !strcmp(type, "MX"))) {
			cJSON_Delete(list);
			error(rt->resp, 422, "INVALID_BODY",
			      "data is required, ttl is at least 600 and an MX "
			      "record has a priority of 0 to 65535",
			      path);
			return;
		}
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "data", attr(e, "data"));
		cJSON_AddNumberToObject(o, "ttl",
		                        ttl ? ttl->valuedouble : 3600);
		if (prio)
			cJSON_AddNumberToObject(o, "priority",
			                        prio->valuedouble);
		cJSON_AddItemToArray(list, o);
	}
	sb_resource_delete(P, "record", id);
	/* An empty set is no record at all (how envsetup destroy removes
	 * one: this API version has no DELETE). */
	if (cJSON_GetArraySize(list) == 0) {
		cJSON_Delete(list);
	} else {
		attrs = cJSON_CreateObject();
		cJSON_AddItemToObject(attrs, "records", list);
		sb_resource_add(P, "record", id, attrs);
	}
	/* No body, as GoDaddy answers; not typed JSON, which it would not be.
	 */
	sb_reply(rt->resp, 200, "text/plain", "%s", "");
}

/* /v1/domains/{domain}/records/{type}/{name} */
static void records(struct route *rt)
{
	char zone[256], id[1024];
	const char *domain = rt->seg[2], *type = rt->seg[4], *name = rt->seg[5];

	if (!account_zone(domain, zone, sizeof(zone)) ||
	    strcasecmp(zone, domain)) {
		not_found(rt->resp, "Domain not found in this account");
		return;
	}
	if (!one_of(type, record_types)) {
		error(rt->resp, 422, "INVALID_BODY", "unknown record type",
		      "type");
		return;
	}
	snprintf(id, sizeof(id), "%s/%s/%s", domain, type, name);
	if (!strcmp(rt->req->method, "GET"))
		records_get(rt, id, type, name);
	else if (!strcmp(rt->req->method, "PUT"))
		records_put(rt, id, type);
	else
		not_found(rt->resp, "Not Found");
}

/* ---- Certificates API ------------------------------------------------ */

/* Whole years, bounded so the validity stays a sane date. */
static int period_ok(const cJSON *period)
{
	return cJSON_IsNumber(period) && period->valuedouble >= 1 &&
	       period->valuedouble <= 10 &&
	       period->valuedouble == (int)period->valuedouble;
}

/* CertificateCreate: required csr, productType, period, contact. */
static const char *order_problem(const cJSON *b, const char **path)
{
	const cJSON *contact = cJSON_GetObjectItem(b, "contact");
	static const char *const contact_fields[] = {"nameFirst", "nameLast",
	                                             "email", "phone"};

	*path = "csr";
	if (!gdca_csr_valid(attr(b, "csr")))
		return "`csr` is not a certificate request whose signature "
		       "verifies";
	*path = "productType";
	if (!one_of(attr(b, "productType"), product_types))
		return "`productType` is missing or unknown";
	*path = "period";
	if (!period_ok(cJSON_GetObjectItem(b, "period")))
		return "`period` is 1 to 10 years";
	for (size_t i = 0; i < 4; i++) {
		*path = "contact";
		if (!attr(contact, contact_fields[i]))
			return "`contact` needs nameFirst, nameLast, email, "
			       "phone";
	}
	return NULL;
}

static void order(struct route *rt)
{
	const cJSON *b = sb_json(rt->req);
	const char *path, *why = order_problem(b, &path);
	const char *cn = attr(b, "commonName");
	char id[64], token[96], created[32];
	cJSON *a, *r;

	if (why) {
		error(rt->resp, 422, "INVALID_BODY", why, path);
		return;
	}
	sb_new_id(id, sizeof(id), "cert-");
	snprintf(token, sizeof(token), "dce-%s-sandbox-token", id);
	iso_time(created, sizeof(created), time(NULL));
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "certificateId", id);
	cJSON_AddStringToObject(a, "commonName", cn ? cn : "unknown.invalid");
	cJSON_AddStringToObject(a, "productType", attr(b, "productType"));
	cJSON_AddNumberToObject(a, "period",
	                        cJSON_GetObjectItem(b, "period")->valuedouble);
	cJSON_AddStringToObject(a, "status", "PENDING_ISSUANCE");
	cJSON_AddStringToObject(a, "dcv", "AWAITING");
	cJSON_AddStringToObject(a, "dceToken", token);
	cJSON_AddStringToObject(a, "csr", attr(b, "csr"));
	cJSON_AddNumberToObject(a, "polls", 0);
	cJSON_AddNumberToObject(a, "issued", 0);
	cJSON_AddStringToObject(a, "createdAt", created);
	cJSON_AddItemToObject(
	    a, "contact",
	    cJSON_Duplicate(cJSON_GetObjectItem(b, "contact"), 1));
	r = cJSON_GetObjectItem(b, "subjectAlternativeNames");
	cJSON_AddItemToObject(a, "sans",
	                      cJSON_IsArray(r) ? cJSON_Duplicate(r, 1)
	                                       : cJSON_CreateArray());
	sb_resource_add(P, "certificate_order", id, a);
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "certificateId", id);
	sb_reply_json(rt->resp, 202, r);
}

/* Signs the order's certificate from its CSR: a new serial each time, the
 * validity its period; the order's fields follow the certificate. */
static int issue(cJSON *a)
{
	cJSON *issued = cJSON_GetObjectItem(a, "issued");
	int years = (int)cJSON_GetObjectItem(a, "period")->valuedouble;
	struct gdca_leaf leaf;
	char start[32], end[32];
	int failed;

	if (gdca_issue(attr(a, "csr"), attr(a, "commonName"), years, &leaf))
		return -1;
	iso_time(start, sizeof(start), leaf.not_before);
	iso_time(end, sizeof(end), leaf.not_after);
	failed = set_attr(a, "serialNumber", leaf.serial) ||
	         set_attr(a, "certificatePem", leaf.pem) ||
	         set_attr(a, "validStart", start) ||
	         set_attr(a, "validEnd", end) ||
	         set_attr(a, "status", "ISSUED");
	free(leaf.pem);
	if (failed)
		return -1;
	cJSON_SetNumberValue(issued, issued->valuedouble + 1);
	return 0;
}

/* A status read moves a validated order toward ISSUED; -1 when the
 * certificate cannot be signed. */
static int advance(cJSON *a)
{
	cJSON *polls = cJSON_GetObjectItem(a, "polls");

	if (strcmp(attr(a, "status"), "PENDING_ISSUANCE") ||
	    strcmp(attr(a, "dcv"), "COMPLETED"))
		return 0;
	cJSON_SetNumberValue(polls, polls->valuedouble + 1);
	if (polls->valuedouble < sb_async_polls())
		return 0;
	return issue(a);
}

/* The names an order covers: its CN (without "*.") and SANs. */
static int names_of(const cJSON *a, const char **names, int max)
{
	const char *cn = attr(a, "commonName");
	const cJSON *s;
	int n = 0;

	names[n++] = strncmp(cn, "*.", 2) ? cn : cn + 2;
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(a, "sans"))
	{
		if (n < max && cJSON_IsString(s))
			names[n++] = s->valuestring;
	}
	return n;
}

/* The fields v1's Certificate and v2's CertificateDetailV2 share. */
static cJSON *order_fields(cJSON *a)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "certificateId", attr(a, "certificateId"));
	cJSON_AddStringToObject(c, "commonName", attr(a, "commonName"));
	cJSON_AddStringToObject(c, "status", attr(a, "status"));
	cJSON_AddItemToObject(
	    c, "contact",
	    cJSON_Duplicate(cJSON_GetObjectItem(a, "contact"), 1));
	cJSON_AddNumberToObject(c, "period",
	                        cJSON_GetObjectItem(a, "period")->valuedouble);
	cJSON_AddStringToObject(c, "createdAt", attr(a, "createdAt"));
	if (attr(a, "serialNumber") && !strcmp(attr(a, "status"), "ISSUED"))
		cJSON_AddStringToObject(c, "serialNumber",
		                        attr(a, "serialNumber"));
	return c;
}

static void certificate_reply(struct route *rt, cJSON *a)
{
	cJSON *c = order_fields(a), *sans;
	const char *names[32];
	int n = names_of(a, names, 32);

	cJSON_AddStringToObject(c, "productType", attr(a, "productType"));
	cJSON_AddNumberToObject(c, "progress",
	                        strcmp(attr(a, "status"), "ISSUED") ? 50 : 100);
	if (attr(a, "serialNumber") && !strcmp(attr(a, "status"), "ISSUED")) {
		cJSON_AddStringToObject(c, "validStart", attr(a, "validStart"));
		cJSON_AddStringToObject(c, "validEnd", attr(a, "validEnd"));
	}
	sans = cJSON_AddArrayToObject(c, "subjectAlternativeNames");
	for (int i = 1; i < n; i++) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "subjectAlternativeName", names[i]);
		cJSON_AddStringToObject(s, "status",
		                        strcmp(attr(a, "dcv"), "COMPLETED")
		                            ? "PENDING"
		                            : "COMPLETED");
		cJSON_AddItemToArray(sans, s);
	}
	sb_reply_json(rt->resp, 200, c);
}

/* Is `token` among the TXT records at @ of `zone`? */
static int txt_published(const char *zone, const char *token)
{
	char id[512];
	cJSON *rec, *e;

	snprintf(id, sizeof(id), "%s/TXT/@", zone);
	rec = cJSON_GetObjectItem(sb_resource_find(P, "record", id), "records");
	cJSON_ArrayForEach(e, rec)
	{
		if (attr(e, "data") && !strcmp(attr(e, "data"), token))
			return 1;
	}
	return 0;
}

static void verify_domain_control(struct route *rt, cJSON *a)
{
	const char *names[32];
	char zone[256];
	int n = names_of(a, names, 32);

	if (strcmp(attr(a, "status"), "PENDING_ISSUANCE")) {
		error(rt->resp, 409, "INVALID_STATE",
		      "Certificate state does not allow domain control", NULL);
		return;
	}
	for (int i = 0; i < n; i++)
		if (account_zone(names[i], zone, sizeof(zone)) &&
		    !txt_published(zone, attr(a, "dceToken"))) {
			error(rt->resp, 409, "DOMAIN_CONTROL_FAILED",
			      "Domain control was not successful", NULL);
			return;
		}
	cJSON_ReplaceItemInObject(a, "dcv", cJSON_CreateString("COMPLETED"));
	sb_reply(rt->resp, 204, "text/plain", "%s", "");
}

static void download(struct route *rt, cJSON *a)
{
	const char *ca_pem = gdca_ca_pem();
	cJSON *b, *pems;

	if (strcmp(attr(a, "status"), "ISSUED")) {
		error(rt->resp, 409, "INVALID_STATE",
		      "Certificate state does not allow download", NULL);
		return;
	}
	if (!ca_pem) {
		error(rt->resp, 500, "INTERNAL_SERVER_ERROR",
		      "The test CA is unavailable", NULL);
		return;
	}
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "serialNumber", attr(a, "serialNumber"));
	pems = cJSON_AddObjectToObject(b, "pems");
	cJSON_AddStringToObject(pems, "certificate", attr(a, "certificatePem"));
	cJSON_AddStringToObject(pems, "intermediate", ca_pem);
	sb_reply_json(rt->resp, 200, b);
}

/* CertificateRenew: everything optional; a csr, if given, must be one,
 * and the renewed certificate is signed from it. */
static void renew(struct route *rt, cJSON *a)
{
	const cJSON *b = sb_json(rt->req);
	const char *csr = attr(b, "csr");

	if (!cJSON_IsObject(b) ||
	    (cJSON_GetObjectItem(b, "csr") && !gdca_csr_valid(csr))) {
		error(rt->resp, 422, "INVALID_BODY",
		      "`csr` is not a certificate request whose signature "
		      "verifies",
		      "csr");
		return;
	}
	if (strcmp(attr(a, "status"), "ISSUED")) {
		error(rt->resp, 409, "INVALID_STATE",
		      "Certificate state does not allow renew", NULL);
		return;
	}
	if (csr && set_attr(a, "csr", csr)) {
		error(rt->resp, 500, "INTERNAL_SERVER_ERROR", "Out of memory",
		      NULL);
		return;
	}
	cJSON_ReplaceItemInObject(a, "status",
	                          cJSON_CreateString("PENDING_ISSUANCE"));
	cJSON_SetNumberValue(cJSON_GetObjectItem(a, "polls"), 0);
	sb_reply(rt->resp, 202, "text/plain", "%s", "");
}

/* POST .../revoke (an issued certificate, with a reason of the spec's
 * CertificateRevoke) or .../cancel (an order not issued): 204. GoDaddy
 * keeps the order, REVOKED or CANCELED; the sandbox forgets it, so a
 * test sees nothing left behind. */
static void end_order(struct route *rt, cJSON *a, int revoke)
{
	static const char *const reasons[] = {
	    "AFFILIATION_CHANGED", "CESSATION_OF_OPERATION",
	    "KEY_COMPROMISE",      "PRIVILEGE_WITHDRAWN",
	    "SUPERSEDED",          NULL};
	cJSON *body = sb_json(rt->req);
	const char *reason = attr(body, "reason");
	const char *want = revoke ? "ISSUED" : "PENDING_ISSUANCE";

	if (revoke && (!reason || !one_of(reason, reasons))) {
		error(rt->resp, 422, "INVALID_BODY", "reason is required",
		      "reason");
		return;
	}
	if (strcmp(attr(a, "status"), want) != 0) {
		error(rt->resp, 409, "CONFLICT",
		      revoke ? "Only an issued certificate can be revoked"
		             : "Only a pending order can be canceled",
		      NULL);
		return;
	}
	sb_resource_delete(P, "certificate_order", rt->seg[2]);
	sb_reply(rt->resp, 204, "text/plain", "%s", "");
}

/* /v1/certificates[/{id}[/action]] */
static void certificates(struct route *rt)
{
	const char *m = rt->req->method;
	cJSON *a;

	if (rt->n == 2 && !strcmp(m, "POST")) {
		order(rt);
		return;
	}
	a = rt->n >= 3 ? sb_resource_find(P, "certificate_order", rt->seg[2])
	               : NULL;
	if (!a) {
		not_found(rt->resp, "Certificate id not found");
		return;
	}
	if (rt->n == 3 && !strcmp(m, "GET")) {
		if (advance(a))
			error(rt->resp, 500, "INTERNAL_SERVER_ERROR",
			      "The certificate could not be signed", NULL);
		else
			certificate_reply(rt, a);
	} else if (rt->n == 4 && !strcmp(m, "POST") &&
	           !strcmp(rt->seg[3], "verifyDomainControl")) {
		verify_domain_control(rt, a);
	} else if (rt->n == 4 && !strcmp(m, "GET") &&
	           !strcmp(rt->seg[3], "download")) {
		download(rt, a);
	} else if (rt->n == 4 && !strcmp(m, "POST") &&
	           !strcmp(rt->seg[3], "renew")) {
		renew(rt, a);
	} else if (rt->n == 4 && !strcmp(m, "POST") &&
	           (!strcmp(rt->seg[3], "revoke") ||
	            !strcmp(rt->seg[3], "cancel"))) {
		end_order(rt, a, rt->seg[3][0] == 'r');
	} else {
		not_found(rt->resp, "Not Found");
	}
}

/* ---- v2: the customer's certificates --------------------------------- */

struct listing {
	cJSON *list;
	long offset, limit, seen;
};

static void add_summary(const char *id, cJSON *a, void *arg)
{
	struct listing *l = arg;
	cJSON *s;

	(void)id;
	if (l->seen++ < l->offset || cJSON_GetArraySize(l->list) >= l->limit)
		return;
	s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "certificateId", attr(a, "certificateId"));
	cJSON_AddStringToObject(s, "commonName", attr(a, "commonName"));
	cJSON_AddNumberToObject(s, "period",
	                        cJSON_GetObjectItem(a, "period")->valuedouble);
	cJSON_AddStringToObject(s, "type", attr(a, "productType"));
	cJSON_AddStringToObject(s, "createdAt", attr(a, "createdAt"));
	cJSON_AddStringToObject(s, "status", attr(a, "status"));
	cJSON_AddItemToArray(l->list, s);
}

static void customer_certificates(struct route *rt)
{
	const char *off = sb_query(rt->req, "offset");
	const char *lim = sb_query(rt->req, "limit");
	struct listing l = {.offset = off ? atol(off) : 0,
	                    .limit = lim ? atol(lim) : 50};
	cJSON *out = cJSON_CreateObject(), *page;

	if (l.offset < 0 || l.limit <= 0) {
		cJSON_Delete(out);
		error(rt->resp, 422, "INVALID_INPUT",
		      "offset and limit must be positive", "limit");
		return;
	}
	l.list = cJSON_AddArrayToObject(out, "certificates");
	sb_resource_each(P, "certificate_order", add_summary, &l);
	page = cJSON_AddObjectToObject(out, "pagination");
	cJSON_AddNumberToObject(page, "total", (double)l.seen);
	sb_reply_json(rt->resp, 200, out);
}

static void domain_verifications(struct route *rt, cJSON *a)
{
	const char *names[32];
	int n = names_of(a, names, 32);
	cJSON *out = cJSON_CreateArray();

	for (int i = 0; i < n; i++) {
		cJSON *v = cJSON_CreateObject();
		cJSON_AddStringToObject(v, "domain", names[i]);
		cJSON_AddNumberToObject(v, "domainEntityId", 1000 + i);
		cJSON_AddStringToObject(v, "status", attr(a, "dcv"));
		cJSON_AddStringToObject(v, "createdAt", attr(a, "createdAt"));
		cJSON_AddStringToObject(v, "modifiedAt", attr(a, "createdAt"));
		cJSON_AddStringToObject(v, "type", "DOMAIN_ZONE_CONTROL");
		cJSON_AddStringToObject(
		    v, "usage", i ? "SUBJECT_ALTERNATIVE_NAME" : "COMMON_NAME");
		cJSON_AddStringToObject(v, "dceToken", attr(a, "dceToken"));
		cJSON_AddItemToArray(out, v);
	}
	sb_reply_json(rt->resp, 200, out);
}

/* CertificateDetailV2: the order with the CSR it was made from, so a
 * client can tell its own orders from others of the same name. */
static void detail_v2(struct route *rt, cJSON *a)
{
	cJSON *c = order_fields(a), *sans;
	const char *names[32];
	int n = names_of(a, names, 32);

	cJSON_AddStringToObject(c, "type", attr(a, "productType"));
	cJSON_AddStringToObject(c, "csr", attr(a, "csr"));
	sans = cJSON_AddArrayToObject(c, "subjectAlternativeNames");
	for (int i = 1; i < n; i++)
		cJSON_AddItemToArray(sans, cJSON_CreateString(names[i]));
	sb_reply_json(rt->resp, 200, c);
}

/* /v2/customers/{customerId}/certificates[/{id}[/domainVerifications]] */
static void customers(struct route *rt)
{
	const char *cust = env_or("SANDBOX_GODADDY_CUSTOMER_ID",
	                          "295e3bc3-b3b9-4d95-aae5-ede41a994d13");
	cJSON *a;

	if (strcmp(rt->req->method, "GET") || rt->n < 4 ||
	    strcmp(rt->seg[3], "certificates") || strcmp(rt->seg[2], cust)) {
		not_found(rt->resp, "Not Found");
		return;
	}
	if (rt->n == 4) {
		customer_certificates(rt);
		return;
	}
	a = sb_resource_find(P, "certificate_order", rt->seg[4]);
	if (a && rt->n == 5)
		detail_v2(rt, a);
	else if (!a || rt->n != 6 || strcmp(rt->seg[5], "domainVerifications"))
		not_found(rt->resp, "Certificate id not found");
	else
		domain_verifications(rt, a);
}

static void dispatch(struct route *rt)
{
	if (rt->n == 6 && !strcmp(rt->seg[0], "v1") &&
	    !strcmp(rt->seg[1], "domains") && !strcmp(rt->seg[3], "records"))
		records(rt);
	else if (rt->n >= 2 && !strcmp(rt->seg[0], "v1") &&
	         !strcmp(rt->seg[1], "certificates"))
		certificates(rt);
	else if (rt->n >= 3 && !strcmp(rt->seg[0], "v2") &&
	         !strcmp(rt->seg[1], "customers"))
		customers(rt);
	else
		not_found(rt->resp, "Not Found");
}

static void handle(const struct sb_request *req, struct sb_response *resp)
{
	char path[2048], *save = NULL;
	struct route rt = {.req = req, .resp = resp};

	if (!authorized(req)) {
		error(resp, 401, "UNABLE_TO_AUTHENTICATE",
		      "Unable to authenticate you", NULL);
		return;
	}
	if (!strcmp(env_or("SANDBOX_GODADDY_DENY", "0"), "1")) {
		error(resp, 403, "ACCESS_DENIED",
		      "Authenticated user is not allowed access", NULL);
		return;
	}
	if (snprintf(path, sizeof(path), "%s", req->path) >=
	    (int)sizeof(path)) {
		not_found(resp, "Not Found");
		return;
	}
	for (char *seg = strtok_r(path, "/", &save); seg;
	     seg = strtok_r(NULL, "/", &save)) {
		if (rt.n == MAX_SEGMENTS) {
			not_found(resp, "Not Found");
			return;
		}
		rt.seg[rt.n++] = seg;
	}
	dispatch(&rt);
}

static const struct sb_fake godaddy_fake = {.name = "godaddy",
                                            .handle = handle};
SB_REGISTER_FAKE(godaddy_fake)
