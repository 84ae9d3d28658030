/*
 * azure: talking to Azure. First the pure helpers (name-based UUIDs for
 * role assignments, token lifetimes, the checks on what ARM hands back:
 * poll URLs, Retry-After), then the callback context, the OAuth2 tokens
 * and the request helper that maps ARM's and Graph's answers to statuses.
 * tests/test_azure.c compiles this file in directly.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasestr */
#endif
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "envsetup/envsetup.h"

#include "azure.h"

/* Replace a token this long before it expires. */
#define AZURE_TOKEN_MARGIN_S 300
/* Wait before assigning a role to a user Graph made seconds ago. */
#define PRINCIPAL_RETRY_MS 10000u

/* RFC 4122 appendix C: the URL namespace, 6ba7b811-9dad-11d1-80b4-... */
static const unsigned char url_namespace[16] = {
    0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
    0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
};

static int azure_uuid_v5(const unsigned char ns[16], const char *name,
                         char out[AZURE_UUID_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	size_t n = strlen(name);
	unsigned char *buf = malloc(16 + n);
	int ok;

	if (!buf)
		return -1;
	memcpy(buf, ns, 16);
	memcpy(buf + 16, name, n);
	ok = EVP_Digest(buf, 16 + n, md, &md_len, EVP_sha1(), NULL);
	free(buf);
	if (!ok || md_len < 16)
		return -1;
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50); /* version 5 */
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, AZURE_UUID_LEN + 1,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	         "%02x%02x%02x%02x%02x%02x",
	         md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8],
	         md[9], md[10], md[11], md[12], md[13], md[14], md[15]);
	return 0;
}

/*
 * The same (scope, principal, role) always gives the same name, so a
 * re-run PUTs the assignment it made before instead of a second one. ARM
 * compares ids case-insensitively, hence the lower-casing.
 */
int azure_role_assignment_name(const char *scope, const char *principal,
                               const char *role, char out[AZURE_UUID_LEN + 1])
{
	char *name;
	size_t n;
	int rc;

	if (!scope || !principal || !role)
		return -1;
	n = strlen(scope) + strlen(principal) + strlen(role) + 40;
	name = malloc(n);
	if (!name)
		return -1;
	snprintf(name, n, "envsetup:role-assignment:%s|%s|%s", scope, principal,
	         role);
	for (char *p = name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	rc = azure_uuid_v5(url_namespace, name, out);
	free(name);
	return rc;
}

/*
 * When a token should be replaced: AZURE_TOKEN_MARGIN_S before it expires,
 * or half-way through a lifetime shorter than twice the margin. A lifetime
 * that is not a positive number is not cached at all.
 */
static int64_t azure_token_deadline(int64_t now_s, double expires_in)
{
	int64_t life, margin;

	if (!(expires_in > 0) || expires_in > 86400.0 * 365)
		return now_s;
	/* In range: the guard above bounds it to a year. */
	/* cppcheck-suppress floatConversionOverflow */
	life = (int64_t)expires_in;
	margin =
	    life < 2 * AZURE_TOKEN_MARGIN_S ? life / 2 : AZURE_TOKEN_MARGIN_S;
	return now_s + life - margin;
}

static int azure_token_fresh(int64_t now_s, int64_t deadline_s)
{
	return deadline_s > now_s;
}

/* Length of "scheme://authority" at the start of `url`, 0 if none. */
static size_t origin_len(const char *url)
{
	const char *p = strstr(url, "://");

	if (!p || p == url)
		return 0;
	p += 3;
	p += strcspn(p, "/?#");
	return (size_t)(p - url);
}

/*
 * A poll URL from Azure-AsyncOperation or Location is only followed when
 * it has the origin of arm_url: the request carries the ARM bearer token,
 * which must never go to another host.
 */
int azure_same_origin(const char *base, const char *url)
{
	size_t a, b;

	if (!base || !url)
		return 0;
	a = origin_len(base);
	b = origin_len(url);
	return a > 0 && a == b && strncasecmp(base, url, a) == 0;
}

/* "envsetup-" + the customer id in lower-case letters, digits and '-'
 * (alias names allow no dots). -1 when nothing usable is left. */
int azure_alias_name(const char *customer, char *out, size_t size)
{
	size_t n = 0;
	int any = 0, cut = 0;

	if (!customer || size < 10)
		return -1;
	memcpy(out, "envsetup-", 9);
	n = 9;
	for (const char *p = customer; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (n + 1 >= size)
			cut = 1;
		else if (isalnum(ch))
			out[n++] = (char)tolower(ch), any = 1;
		else if (n > 9 && out[n - 1] != '-')
			out[n++] = '-';
	}
	while (n > 9 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	return any && !cut ? 0 : -1;
}

/* Retry-After in seconds (ARM sends no HTTP dates), clamped to 1 h; the
 * fallback when it is absent or unreadable. */
static uint32_t azure_retry_after_ms(const char *header, uint32_t fallback_ms)
{
	char *end;
	long s;

	if (!header)
		return fallback_ms;
	s = strtol(header, &end, 10);
	if (end == header || s < 0)
		return fallback_ms;
	if (s > 3600)
		s = 3600;
	return (uint32_t)s * 1000u;
}

/* 8-4-4-4-12 hex digits. */
int azure_is_guid(const char *s)
{
	static const int dash[] = {8, 13, 18, 23};
	size_t k = 0;

	if (!s || strlen(s) != AZURE_UUID_LEN)
		return 0;
	for (size_t i = 0; i < AZURE_UUID_LEN; i++) {
		if (k < 4 && (int)i == dash[k]) {
			if (s[i] != '-')
				return 0;
			k++;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

/* ---- one instance, one callback's context ----------------------------- */

static const char *const token_secret[] = {"arm_token", "graph_token"};
static const char *const token_scope[] = {
    "https://management.azure.com/.default",
    "https://graph.microsoft.com/.default",
};

const char *az_cfg(struct ctx *c, const char *key)
{
	return c->h->config->get_string(c->call, key);
}

int az_cfg_is(struct ctx *c, const char *key, const char *value)
{
	const char *v = az_cfg(c, key);

	return v && strcmp(v, value) == 0;
}

static int64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

uint32_t az_poll_ms(struct ctx *c)
{
	int64_t ms = c->h->config->get_duration_ms(c->call, "poll_interval");

	return ms > 0 && ms < 3600000 ? (uint32_t)ms : 30000u;
}

/* See mailgun's az_reported(): plan records, verify fails, apply goes on. */
int az_reported(struct ctx *c, enum es_status *st, enum es_change change,
                const char *kind, const char *name, const char *detail)
{
	if (c->phase == ES_PHASE_APPLY)
		return 0;
	*st = es_phase_differs(c->h, c->call, c->phase, change, kind, name,
	                       detail);
	return 1;
}

/* ---- tokens ------------------------------------------------------------ */

/* Which key a refused token request points at (AADSTS codes). */
static const char *token_fault_key(const char *error, const char *desc)
{
	if (desc &&
	    (strstr(desc, "AADSTS90002") || strstr(desc, "AADSTS900023")))
		return "tenant_id";
	if ((desc && strstr(desc, "AADSTS700016")) ||
	    (error && strcmp(error, "unauthorized_client") == 0))
		return "client_id";
	return "client_secret";
}

static enum es_status token_refused(struct ctx *c, long status,
                                    const es_json *j)
{
	const char *error = c->h->json->get_string(j, "error");
	const char *desc = c->h->json->get_string(j, "error_description");

	if (status == 429 || status >= 500 || status == 0) {
		c->h->diag->error(c->call, NULL,
		                  "token endpoint answered %ld; retrying",
		                  status);
		return ES_RETRY;
	}
	c->h->diag->error(c->call, token_fault_key(error, desc),
	                  "Microsoft identity platform refused the client "
	                  "credentials (%ld %s): %.*s",
	                  status, error ? error : "",
	                  desc ? (int)strcspn(desc, "\r\n") : 0,
	                  desc ? desc : "");
	return ES_INVALID_CONFIG;
}

/* Fetch the token of `svc` unless the cached one is still fresh. */
static enum es_status get_token(struct ctx *c, enum service svc)
{
	const struct es_http_header form[] = {
	    {"client_id", az_cfg(c, "client_id")},
	    {"scope", token_scope[svc]},
	    {"client_secret", "{{secret:client_secret}}"},
	    {"grant_type", "client_credentials"},
	};
	char url[1200];
	char *tenant;
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = "POST",
	    .url = url,
	    .form_kind = ES_FORM_URLENCODED,
	    .form = form,
	    .n_form = 4,
	};
	es_http_response *resp;
	es_json *j = NULL;
	enum es_status st = ES_OK;
	const char *body, *token;
	size_t len = 0;
	long status;

	if (azure_token_fresh(now_s(), c->az->token_deadline[svc]))
		return ES_OK;
	if (!form[0].value || !az_cfg(c, "tenant_id"))
		return ES_INVALID_CONFIG;
	tenant = c->h->http->escape(az_cfg(c, "tenant_id"));
	if (!tenant)
		return ES_FAILED;
	snprintf(url, sizeof(url), "%s/%s/oauth2/v2.0/token", c->login, tenant);
	c->h->mem_free(tenant);
	resp = c->h->http->request(c->call, &req);
	if (!resp)
		return ES_RETRY;
	status = c->h->http->status(resp);
	body = c->h->http->body(resp, &len);
	j = body ? c->h->json->parse(body, len) : NULL;
	token = c->h->json->get_string(j, "access_token");
	if (status != 200)
		st = token_refused(c, status, j);
	else if (!token || !*token) {
		c->h->diag->error(c->call, NULL, "token answer has no token");
		st = ES_RETRY;
	} else if (c->h->secret->remember(c->call, token_secret[svc], token)) {
		st = ES_FAILED;
	} else {
		c->az->token_deadline[svc] = azure_token_deadline(
		    now_s(), c->h->json->get_number(j, "expires_in", 0));
	}
	c->h->json->free(j);
	c->h->http->response_free(resp);
	return st;
}

/* ---- requests ------------------------------------------------------------ */

void az_reply_free(struct ctx *c, struct reply *r)
{
	c->h->json->free(r->json);
	free(r->async_url);
	free(r->location);
	r->json = NULL;
	r->async_url = r->location = NULL;
}

static char *header_copy(struct ctx *c, es_http_response *resp,
                         const char *name)
{
	const char *v = c->h->http->header(resp, name);

	return v && *v ? strdup(v) : NULL;
}

static void copy_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%.*s", src ? (int)strcspn(src, "\r\n") : 0,
	         src ? src : "");
}

static void read_reply(struct ctx *c, es_http_response *resp, struct reply *r)
{
	const struct es_json_api *j = c->h->json;
	const char *body, *code, *msg, *remaining;
	size_t len = 0;

	r->status = c->h->http->status(resp);
	body = c->h->http->body(resp, &len);
	r->json = body && len ? j->parse(body, len) : NULL;
	/* ARM's ErrorResponse, or the Subscription RP's top-level shape. */
	code = j->get_string(r->json, "error.code");
	msg = j->get_string(r->json, "error.message");
	copy_text(r->code, sizeof(r->code),
	          code ? code : j->get_string(r->json, "code"));
	copy_text(r->message, sizeof(r->message),
	          msg ? msg : j->get_string(r->json, "message"));
	r->async_url = header_copy(c, resp, "Azure-AsyncOperation");
	r->location = header_copy(c, resp, "Location");
	r->retry_after_ms =
	    azure_retry_after_ms(c->h->http->header(resp, "Retry-After"), 0);
	remaining = c->h->http->header(
	    resp, "x-ms-ratelimit-remaining-subscription-writes");
	if (remaining)
		c->h->log->log(c->call, ES_LOG_DEBUG,
		               "ARM writes left this hour: %s", remaining);
	remaining = c->h->http->header(
	    resp, "x-ms-ratelimit-remaining-subscription-reads");
	if (remaining)
		c->h->log->log(c->call, ES_LOG_DEBUG,
		               "ARM reads left this hour: %s", remaining);
}

/* Map an error answer to a status, with the diagnostic that explains it.
 * The core already retried GETs on 429 and 5xx, honouring Retry-After. */
enum es_status az_failure(struct ctx *c, const struct reply *r,
                          const char *what)
{
	if (r->status == 401 || r->status == 403) {
		c->h->diag->error(
		    c->call, r->status == 401 ? "client_secret" : "client_id",
		    "%s: Azure refused the service principal (%ld %s): %s. "
		    "Check tenant_id, client_id, client_secret and its roles",
		    what, r->status, r->code, r->message);
		return ES_INVALID_CONFIG;
	}
	if (strcmp(r->code, "PrincipalNotFound") == 0) {
		/* A user made seconds ago has not replicated yet. */
		c->h->diag->error(c->call, NULL, "%s: %s", what, r->message);
		c->h->diag->retry_after(c->call, PRINCIPAL_RETRY_MS);
		return ES_RETRY;
	}
	c->h->diag->error(c->call, NULL, "%s: Azure answered %ld %s: %s", what,
	                  r->status, r->code, r->message);
	if (r->status == 429 || r->status >= 500) {
		if (r->retry_after_ms)
			c->h->diag->retry_after(c->call, r->retry_after_ms);
		return ES_RETRY;
	}
	return ES_FAILED;
}

static int says_exists(const struct reply *r)
{
	return (r->status == 409 &&
	        strcmp(r->code, "RoleAssignmentExists") == 0) ||
	       (r->status == 400 && strcasestr(r->message, "already exists"));
}

/*
 * `method` on the absolute `url` with the bearer token of `svc`. `body`
 * (nullable) goes as JSON; `intent` (nullable) marks a write the core
 * journals and never resends. ES_OK means a 2xx, a GET's 404 (r->absent)
 * or a create's "already exists" (r->exists); the caller then calls
 * az_reply_free(). A 401 drops the cached token and tries once more: the
 * request was refused unseen, so even a write may be sent again.
 */
enum es_status az_send(struct ctx *c, struct reply *r, enum service svc,
                       const char *method, const es_json *body,
                       const char *intent, const char *url)
{
	char auth[40];
	const struct es_http_header headers[] = {
	    {"Authorization", auth},
	    {"Accept", "application/json"},
	};
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = method,
	    .url = url,
	    .headers = headers,
	    .n_headers = 2,
	    .mutating = intent != NULL,
	    .intent = intent,
	};
	char *text = body ? c->h->json->print(body) : NULL;
	enum es_status st = ES_OK;

	memset(r, 0, sizeof(*r));
	if (body && !text)
		return ES_FAILED;
	req.body = text;
	req.body_len = text ? strlen(text) : 0;
	req.content_type = text ? "application/json" : NULL;
	snprintf(auth, sizeof(auth), "Bearer {{secret:%s}}", token_secret[svc]);
	for (int attempt = 0; attempt < 2; attempt++) {
		es_http_response *resp;

		st = get_token(c, svc);
		if (st != ES_OK)
			break;
		resp = c->h->http->request(c->call, &req);
		if (!resp) {
			st = ES_RETRY; /* the core recorded why */
			break;
		}
		az_reply_free(c, r);
		read_reply(c, resp, r);
		c->h->http->response_free(resp);
		if (r->status != 401 || attempt > 0)
			break;
		c->az->token_deadline[svc] = 0;
	}
	c->h->mem_free(text);
	if (st != ES_OK) {
		az_reply_free(c, r); /* a 401 answer kept from the first try */
		return st;
	}
	if (r->status == 404 && strcmp(method, "GET") == 0)
		r->absent = 1;
	else if (intent && says_exists(r))
		r->exists = 1;
	else if (r->status < 200 || r->status > 299)
		st = az_failure(c, r, intent ? intent : url);
	if (st != ES_OK)
		az_reply_free(c, r);
	return st;
}

/* az_send() to the base URL of `svc` followed by the formatted path. */
enum es_status az_api(struct ctx *c, struct reply *r, enum service svc,
                      const char *method, const es_json *body,
                      const char *intent, const char *fmt, ...)
{
	const char *base = svc == ARM ? c->arm : c->graph;
	char url[4096];
	size_t n = strlen(base);
	va_list ap;
	int len;

	memset(r, 0, sizeof(*r));
	memcpy(url, base, n + 1);
	va_start(ap, fmt);
	len = vsnprintf(url + n, sizeof(url) - n, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(url) - n) {
		c->h->diag->error(c->call, NULL, "URL too long: %s", fmt);
		return ES_FAILED;
	}
	return az_send(c, r, svc, method, body, intent, url);
}

/* An escaped copy for a URL path segment or query value (free with
 * mem_free); NULL records a diagnostic. */
char *az_esc(struct ctx *c, const char *s)
{
	char *e = s ? c->h->http->escape(s) : NULL;

	if (!e)
		c->h->diag->error(c->call, NULL, "cannot escape '%s'",
		                  s ? s : "(null)");
	return e;
}

/* "prop eq 'value'" with OData quoting, escaped for a query string. */
char *az_odata_eq(struct ctx *c, const char *prop, const char *value)
{
	size_t n = strlen(prop) + 2 * strlen(value) + 8, k;
	char *f = malloc(n), *e;

	if (!f)
		return NULL;
	k = (size_t)snprintf(f, n, "%s eq '", prop);
	for (const char *p = value; *p; p++) {
		if (*p == '\'')
			f[k++] = '\'';
		f[k++] = *p;
	}
	f[k++] = '\'';
	f[k] = '\0';
	e = az_esc(c, f);
	free(f);
	return e;
}
