/*
 * azure: the clients. One per API: the identity platform's token endpoint
 * (login_url), Azure Resource Manager (arm_url) and Microsoft Graph
 * (graph_url), each with how it words its errors. ARM and Graph take a
 * bearer token from the client-credentials grant, one per API, fetched
 * when a task first needs it and kept with secret->remember(), so requests
 * carry "Bearer {{secret:arm_token}}" and the token never appears in a log
 * or trace. What answers mean is the SDK's (client.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasestr */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "azure.h"

/* Replace a token this long before it expires. */
#define AZURE_TOKEN_MARGIN_S 300

static const char *const token_secret[] = {"arm_token", "graph_token"};
static const char *const token_scope[] = {
    "https://management.azure.com/.default",
    "https://graph.microsoft.com/.default",
};
static const struct es_http_header arm_headers[] = {
    {"Authorization", "Bearer {{secret:arm_token}}"},
    {"Accept", "application/json"},
};
static const struct es_http_header graph_headers[] = {
    {"Authorization", "Bearer {{secret:graph_token}}"},
    {"Accept", "application/json"},
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
 * A poll URL from Azure-AsyncOperation is only followed when it has the
 * origin of arm_url: the request carries the ARM bearer token, which must
 * never go to another host. (Becoming a core rule; removed at that merge.)
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

char *az_odata_eq(struct ctx *c, const char *prop, const char *value)
{
	size_t n = strlen(prop) + 2 * strlen(value) + 8, k;
	char *f = malloc(n), *e;

	if (!f)
		return NULL;
	k = (size_t)snprintf(f, n, "%s eq '", prop);
	for (const char *p = value; *p; p++) {
		if (*p == '\'') /* OData doubles a quote inside a string */
			f[k++] = '\'';
		f[k++] = *p;
	}
	f[k++] = '\'';
	f[k] = '\0';
	e = c->h->http->escape(f);
	free(f);
	if (!e)
		c->h->diag->error(c->call, NULL, "cannot escape %s", prop);
	return e;
}

/* ---- how ARM, Graph and the token endpoint word errors ---------------- */

static void set_message(struct es_reply *r, const char *code, const char *msg)
{
	snprintf(r->message, sizeof(r->message), "%s%s%.*s", code ? code : "",
	         code && msg ? ": " : "", msg ? (int)strcspn(msg, "\r\n") : 0,
	         msg ? msg : "");
}

/*
 * ARM's and Graph's {"error":{"code","message"}}, or the Subscription
 * RP's top-level {"code","message"}. A 401 drops the cached token, so the
 * next task call signs in afresh rather than sending it again.
 */
static int read_azure_error(const struct es_client *cl, struct es_reply *r)
{
	const struct es_json_api *j = cl->ctx->host->json;
	const char *code = j->get_string(r->json, "error.code");
	const char *msg = j->get_string(r->json, "error.message");
	int64_t *deadline = cl->user;

	if (!code && !msg) {
		code = j->get_string(r->json, "code");
		msg = j->get_string(r->json, "message");
	}
	set_message(r, code, msg);
	if (r->http_status == 401)
		*deadline = 0;
	/* ARM's and Graph's error body, {"error": {...}} alone, in a 2xx: a
	 * failure (an operation's status body also holds "error", with its
	 * "status", which the tasks read). */
	if (r->http_status >= 200 && r->http_status <= 299 &&
	    j->get(r->json, "error.code") && !j->get(r->json, "status") &&
	    !j->get(r->json, "id"))
		r->outcome = ES_FAILURE;
	return 0;
}

/* OAuth2's {"error","error_description"} (RFC 6749 section 5.2). */
static int read_oauth_error(const struct es_client *cl, struct es_reply *r)
{
	const struct es_json_api *j = cl->ctx->host->json;

	set_message(r, j->get_string(r->json, "error"),
	            j->get_string(r->json, "error_description"));
	if (r->http_status >= 200 && r->http_status <= 299 &&
	    j->get_string(r->json, "error") &&
	    !j->get_string(r->json, "access_token"))
		r->outcome = ES_FAILURE; /* no token: an error in a 200 */
	return 0;
}

/* Graph answers a create of something that exists with 400 "... already
 * exists" (userPrincipalName taken); ARM with 409, a conflict anyway. */
static int already_exists(const struct es_client *cl, const struct es_reply *r)
{
	(void)cl;
	return r->http_status == 400 &&
	       strcasestr(r->message, "already exists");
}

/* ---- tokens ----------------------------------------------------------- */

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

/* The boot clock keeps counting while the machine sleeps, so a token
 * cached before a suspend is not taken for fresh after it. */
static int64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec;
}

/* Which key a refused grant points at (AADSTS codes of a 400). */
static const char *token_fault_key(const char *message)
{
	if (strstr(message, "AADSTS90002") || strstr(message, "AADSTS900023"))
		return "tenant_id";
	if (strstr(message, "AADSTS700016") ||
	    strncmp(message, "unauthorized_client", 19) == 0)
		return "client_id";
	return "client_secret";
}

/*
 * POST {login_url}/{tenant_id}/oauth2/v2.0/token for `svc`. Not a journaled
 * write: a token changes nothing at the provider, so the core may resend
 * the request. A 401 (the secret) is the client's ES_INVALID_CONFIG on
 * client_secret; a 400 names the key its AADSTS code points at.
 */
static enum es_status sign_in(struct ctx *c, enum service svc)
{
	const struct es_http_header form[] = {
	    {"client_id", az_cfg(c, "client_id")},
	    {"scope", token_scope[svc]},
	    {"client_secret", "{{secret:client_secret}}"},
	    {"grant_type", "client_credentials"},
	};
	const struct es_send s = {.method = "POST",
	                          .form_kind = ES_FORM_URLENCODED,
	                          .form = form,
	                          .n_form = 4};
	const char *token;
	struct es_reply r;
	enum es_status st;

	/* The schema's pattern keeps tenant_id to letters, digits, '.' and
	 * '-': it needs no escaping in the path. */
	st = es_client_call(&c->login, &r, &s, "/%s/oauth2/v2.0/token",
	                    az_cfg(c, "tenant_id"));
	token = c->h->json->get_string(r.json, "access_token");
	if (r.http_status == 400) {
		c->h->diag->error(c->call, token_fault_key(r.message),
		                  "the Microsoft identity platform refused the "
		                  "client credentials: %s",
		                  r.message);
		st = ES_INVALID_CONFIG;
	} else if (st == ES_OK && (!token || !*token)) {
		c->h->diag->error(c->call, NULL,
		                  "the token answer holds no access_token");
		st = ES_RETRY;
	} else if (st == ES_OK &&
	           c->h->secret->remember(c->call, token_secret[svc], token)) {
		st = ES_FAILED;
	} else if (st == ES_OK) {
		c->az->token_deadline[svc] = azure_token_deadline(
		    now_s(), c->h->json->get_number(r.json, "expires_in", 0));
	}
	es_reply_free(&r);
	return st;
}

/* ---- one task call ---------------------------------------------------- */

/* ARM or Graph: the bearer token of `svc`, and how both word errors. A
 * 401 or 403 comes after the identity platform took the secret, so it is
 * the service principal's (client_id) role or permission that is wrong. */
static int init_client(struct ctx *c, struct es_client *cl, const char *key,
                       const char *provider, enum service svc,
                       const struct es_http_header headers[2])
{
	if (es_client_init(cl, c->x, key))
		return -1;
	cl->provider = provider;
	cl->auth_key = "client_id";
	cl->forbidden_hint = "the service principal lacks a role on the "
	                     "subscription or a Graph application permission";
	cl->headers = headers;
	cl->n_headers = 2;
	cl->read = read_azure_error;
	cl->is_conflict = already_exists;
	cl->user = &c->az->token_deadline[svc];
	return 0;
}

/* resource_group, or "envsetup-<environment>" when it is unset. */
static int set_group(struct ctx *c)
{
	const char *rg = az_cfg(c, "resource_group");
	const char *env = c->h->config->environment(c->call);
	char *esc;

	if (rg)
		snprintf(c->rg, sizeof(c->rg), "%s", rg);
	else
		snprintf(c->rg, sizeof(c->rg), "envsetup-%s", env ? env : "");
	esc = c->h->http->escape(c->rg);
	if (!esc || strlen(esc) >= sizeof(c->rg_path)) {
		c->h->mem_free(esc);
		c->h->diag->error(c->call, "resource_group",
		                  "no usable resource group name");
		return -1;
	}
	snprintf(c->rg_path, sizeof(c->rg_path), "%s", esc);
	c->h->mem_free(esc);
	return 0;
}

/* adopt: the configured id; create: what the subscription task recorded.
 * Escaped: a recorded id came from a reply, and goes into paths. */
static void set_subscription(struct ctx *c)
{
	const char *id = az_cfg_is(c, "subscription_mode", "create")
	                     ? c->h->state->get(c->call, "subscription_id")
	                     : az_cfg(c, "subscription_id");
	char *esc = id ? c->h->http->escape(id) : NULL;

	if (esc && strlen(esc) < sizeof(c->sub))
		snprintf(c->sub, sizeof(c->sub), "%s", esc);
	c->h->mem_free(esc);
}

enum es_status az_open(const struct es_ctx *x, struct ctx *c, enum service svc)
{
	memset(c, 0, sizeof(*c));
	c->x = x;
	c->h = x->host;
	c->call = x->call;
	c->phase = x->phase;
	c->az = x->instance;
	if (es_client_init(&c->login, x, "login_url") ||
	    init_client(c, &c->arm, "arm_url", "Azure Resource Manager", ARM,
	                arm_headers) ||
	    init_client(c, &c->graph, "graph_url", "Microsoft Graph", GRAPH,
	                graph_headers) ||
	    set_group(c))
		return ES_INVALID_CONFIG;
	c->login.provider = "the Microsoft identity platform";
	c->login.auth_key = "client_secret";
	c->login.read = read_oauth_error;
	set_subscription(c);
	if (azure_token_fresh(now_s(), c->az->token_deadline[svc]))
		return ES_OK;
	return sign_in(c, svc);
}
