/*
 * godaddy-ssl: checklist 1, the URLs and SSL certificates of UAT and
 * production, through GoDaddy's Domains and Certificates APIs.
 *
 * Shaped like plugins/mailgun: schema, tasks, request helpers, one function
 * per task serving plan, apply and verify, dispatch, validate, descriptor.
 * The private key and CSR are made locally (csr.c); the key never leaves
 * its 0600 file. Every call is in GoDaddy's own specs (README.md lists
 * them): shared/specs/godaddy-certificates-openapi.yaml and
 * godaddy-domains-swagger.json.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "csr.h"
#include "envsetup/envsetup.h"

#define MAX_CERTS 32
#define MAX_SANS 100
#define LIST_PAGE 100
#define LIST_PAGES_MAX 20

/* ---- schema: the elements needed before start ------------------------ */

static const char *const environments[] = {"production", "ote", NULL};
static const char *const key_types[] = {"ecdsa-p256", "rsa-3072", NULL};
static const char *const product_types[] = {
    "DV_SSL", "DV_WILDCARD_SSL", "EV_SSL",     "OV_CS",      "OV_DS",
    "OV_SSL", "OV_WILDCARD_SSL", "UCC_DV_SSL", "UCC_EV_SSL", "UCC_OV_SSL",
    NULL,
};
static const char *const slot_sizes[] = {
    "FIVE",   "TEN",   "FIFTEEN",     "TWENTY", "THIRTY",
    "FOURTY", "FIFTY", "ONE_HUNDRED", NULL,
};

static const struct es_key godaddy_keys[] = {
    ES_KEY(.name = "api_key", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET,
           .question = "GoDaddy API key (developer.godaddy.com/keys; "
                       "production and OTE keys differ)",
           .example = "env:GODADDY_API_KEY"),
    ES_KEY(.name = "api_secret", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET,
           .question = "The secret of that GoDaddy API key",
           .example = "env:GODADDY_API_SECRET"),
    ES_KEY(.name = "environment", .type = ES_TYPE_ENUM,
           .default_value = "production", .allowed = environments,
           .question = "Use GoDaddy's production API or its OTE test "
                       "environment?"),
    ES_KEY(.name = "api_url", .type = ES_TYPE_URL,
           .default_value = "https://api.godaddy.com",
           .question = "GoDaddy production API base URL"),
    ES_KEY(.name = "ote_url", .type = ES_TYPE_URL,
           .default_value = "https://api.ote-godaddy.com",
           .question = "GoDaddy OTE (test) API base URL, used when "
                       "environment is ote"),
    ES_KEY(.name = "customer_id", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED,
           .question = "GoDaddy customer id (a UUID, not the shopper "
                       "number): GET /v1/shoppers/{shopperId}"
                       "?includes=customerId shows it",
           .example = "295e3bc3-b3b9-4d95-aae5-ede41a994d13"),
    ES_KEY(.name = "domain", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV,
           .question = "Which domain do the URLs and certificates belong "
                       "to (registered at GoDaddy or elsewhere)?",
           .example = "acme.example"),
    ES_KEY(.name = "dns_at_godaddy", .type = ES_TYPE_BOOL,
           .default_value = "true",
           .question = "Is the domain's DNS hosted at GoDaddy (so "
                       "envsetup may write its records)?"),
    ES_KEY(.name = "records", .type = ES_TYPE_LIST, .flags = ES_KEY_PER_ENV,
           .question = "Which URLs do the components use? Records "
                       "\"name=TYPE:target\" (A, AAAA, CNAME, TXT), name "
                       "relative to domain",
           .example = "[ \"app.uat=CNAME:lb-uat.example.net\" ]"),
    ES_KEY(.name = "ttl", .type = ES_TYPE_INT, .default_value = "600",
           .min = 600, .max = 604800,
           .question = "TTL of those records, in seconds (GoDaddy's "
                       "minimum is 600)"),
    ES_KEY(.name = "certificates", .type = ES_TYPE_LIST,
           .flags = ES_KEY_PER_ENV,
           .question = "Which SSL certificates does this environment need? "
                       "Their common names",
           .example = "[ \"app.uat.acme.example\" ]"),
    ES_KEY(.name = "san", .type = ES_TYPE_LIST, .flags = ES_KEY_PER_ENV,
           .question = "Extra names (subject alternative names): \"name\" "
                       "for the first certificate or \"cn=name\"",
           .example = "[ \"api.uat.acme.example\" ]"),
    ES_KEY(.name = "key_type", .type = ES_TYPE_ENUM,
           .default_value = "ecdsa-p256", .allowed = key_types,
           .question = "Private key algorithm of new keys"),
    ES_KEY(.name = "product_type", .type = ES_TYPE_ENUM,
           .default_value = "DV_SSL", .allowed = product_types,
           .question = "GoDaddy certificate product (DV_WILDCARD_SSL for "
                       "*.names, UCC_* for several names)"),
    ES_KEY(.name = "period", .type = ES_TYPE_INT, .default_value = "1",
           .min = 1, .max = 3,
           .question = "Validity period of the order, in years"),
    ES_KEY(.name = "slot_size", .type = ES_TYPE_ENUM, .allowed = slot_sizes,
           .question = "UCC products: how many names the certificate holds"),
    ES_KEY(.name = "subject_org", .type = ES_TYPE_STRING,
           .question = "Organisation in the certificate (required for "
                       "OV and EV)",
           .example = "Acme Corp"),
    ES_KEY(.name = "subject_country", .type = ES_TYPE_STRING,
           .question = "Two-letter country of that organisation",
           .example = "US"),
    ES_KEY(.name = "org_address", .type = ES_TYPE_STRING,
           .question = "OV and EV: street address of the organisation"),
    ES_KEY(.name = "org_city", .type = ES_TYPE_STRING,
           .question = "OV and EV: city of the organisation"),
    ES_KEY(.name = "contact_first_name", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED,
           .question = "Certificate requester: first name"),
    ES_KEY(.name = "contact_last_name", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED,
           .question = "Certificate requester: last name"),
    ES_KEY(.name = "contact_email", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED,
           .question = "Certificate requester: e-mail address"),
    ES_KEY(.name = "contact_phone", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED,
           .question = "Certificate requester: phone (+1.4805551234)"),
    ES_KEY(.name = "renewal_window", .type = ES_TYPE_DURATION,
           .default_value = "30d",
           .question = "Renew a certificate this long before it expires"),
    ES_KEY(.name = "poll_interval", .type = ES_TYPE_DURATION,
           .default_value = "60s",
           .question = "How often to ask GoDaddy about validation and "
                       "issuance"),
    ES_KEY(.name = "secrets_dir", .type = ES_TYPE_PATH, .default_value = "keys",
           .question = "Directory for private keys (0600) and "
                       "certificates; relative to the customer file"),
    ES_KEYS_END,
};

/* ---- tasks ----------------------------------------------------------- */

static const struct es_task godaddy_tasks[] = {
    ES_TASK(.id = "dns_records", .title = "Publish the component URLs",
            .section = "1",
            .needs = ES_LIST("domain", "records", "ttl", "dns_at_godaddy"),
            .flags = ES_TASK_MUTATING),
    ES_TASK(.id = "certificate_key", .title = "Make the private keys and CSRs",
            .section = "1",
            .needs = ES_LIST("certificates", "san", "key_type", "secrets_dir")),
    ES_TASK(.id = "order_certificate", .title = "Order the certificates",
            .section = "1", .depends_on = ES_LIST("certificate_key"),
            .needs =
                ES_LIST("certificates", "product_type", "period", "customer_id",
                        "contact_first_name", "contact_last_name",
                        "contact_email", "contact_phone"),
            .flags = ES_TASK_MUTATING),
    ES_TASK(.id = "validate_domain", .title = "Prove control of the domain",
            .section = "1", .depends_on = ES_LIST("order_certificate"),
            .needs = ES_LIST("domain", "dns_at_godaddy", "customer_id"),
            .flags = ES_TASK_MUTATING | ES_TASK_LONG_RUNNING,
            .timeout_s = 86400),
    ES_TASK(.id = "wait_issued", .title = "Wait for issuance", .section = "1",
            .depends_on = ES_LIST("validate_domain"),
            .needs = ES_LIST("certificates"), .flags = ES_TASK_LONG_RUNNING,
            .timeout_s = 172800),
    ES_TASK(.id = "download_certificate",
            .title = "Install (and renew) the certificates", .section = "1",
            .depends_on = ES_LIST("wait_issued"),
            .needs = ES_LIST("certificates", "renewal_window", "secrets_dir"),
            .flags = ES_TASK_MUTATING | ES_TASK_LONG_RUNNING,
            .timeout_s = 172800),
    ES_TASKS_END,
};

/* ---- one callback's context ------------------------------------------ */

struct godaddy {
	const struct es_host *host;
};

enum phase { PLAN, APPLY, VERIFY };

struct ctx {
	const struct es_host *h;
	es_call *call;
	enum phase phase;
	const char *domain;
	char base[512];
	char dir[4096]; /* secrets_dir/customer/environment */
};

static const char *cfg(struct ctx *c, const char *key)
{
	return c->h->config->get_string(c->call, key);
}

static size_t n_items(struct ctx *c, const char *key)
{
	return c->h->config->list_size(c->call, key);
}

static const char *item(struct ctx *c, const char *key, size_t i)
{
	return c->h->config->list_item(c->call, key, i);
}

/* Per-certificate names: "key_path:app.uat.acme.example". */
static int publish(struct ctx *c, const char *name, const char *cn,
                   const char *value)
{
	char full[320];

	snprintf(full, sizeof(full), "%s:%s", name, cn);
	return c->h->output->set(c->call, full, value, 0);
}

/* A copy in `buf` (the host's pointer lasts only until the next get), or
 * NULL when unset. Values are GoDaddy ids and serials, used in URL paths:
 * anything else is refused. */
static const char *state_get(struct ctx *c, const char *what, const char *cn,
                             char *buf, size_t size)
{
	char key[320];
	const char *v;

	snprintf(key, sizeof(key), "%s:%s", what, cn);
	v = c->h->state->get(c->call, key);
	if (!v || !*v ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	              "qrstuvwxyz0123456789._:-") != strlen(v) ||
	    (size_t)snprintf(buf, size, "%s", v) >= size)
		return NULL;
	return buf;
}

static int state_put(struct ctx *c, const char *what, const char *cn,
                     const char *value)
{
	char key[320];

	snprintf(key, sizeof(key), "%s:%s", what, cn);
	return value ? c->h->state->put(c->call, key, value)
	             : c->h->state->del(c->call, key);
}

/* Not in place: plan records it, verify fails on it (both return 1);
 * apply gets 0 and goes on to make it. As in mailgun. */
static int reported(struct ctx *c, enum es_status *st, enum es_change change,
                    const char *kind, const char *name, const char *detail)
{
	if (c->phase == APPLY)
		return 0;
	if (c->phase == PLAN) {
		c->h->plan->change(c->call, change, kind, name, detail);
		*st = ES_OK;
	} else {
		c->h->diag->error(c->call, NULL, "%s %s is not in place (%s)",
		                  kind, name, detail);
		*st = ES_FAILED;
	}
	return 1;
}

/* Who a task waits for: 1 a person (wins), 2 GoDaddy. */
static void wait_for(int *waiting, int who)
{
	*waiting = *waiting == 1 || who == 1 ? 1 : 2;
}

/* ---- requests ------------------------------------------------------- */

struct reply {
	long status;
	int absent;   /* a GET answered 404 */
	int conflict; /* 409: the state does not allow it (yet) */
	es_json *json;
	char text[768]; /* code, message and fields[] messages */
};

static void reply_free(struct ctx *c, struct reply *r)
{
	c->h->json->free(r->json);
	r->json = NULL;
}

/* "CODE: message (path: message; ...)" from GoDaddy's Error shape. */
static void read_error(struct ctx *c, struct reply *r)
{
	const struct es_json_api *j = c->h->json;
	const char *code = j->get_string(r->json, "code");
	const char *msg = j->get_string(r->json, "message");
	const es_json *fields = j->get(r->json, "fields");
	size_t n = strlen(r->text);

	n +=
	    snprintf(r->text + n, sizeof(r->text) - n, "%s%s%s",
	             code ? code : "", code && msg ? ": " : "", msg ? msg : "");
	for (size_t i = 0; n < sizeof(r->text) && i < j->array_size(fields);
	     i++) {
		const es_json *f = j->array_item(fields, i);
		const char *fm = j->get_string(f, "message");

		const char *path = j->get_string(f, "path");
		const char *fc = j->get_string(f, "code");

		n += snprintf(r->text + n, sizeof(r->text) - n, "%s%s: %s",
		              i ? "; " : " (", path ? path : "?",
		              fm   ? fm
		              : fc ? fc
		                   : "?");
		if (i + 1 == j->array_size(fields) && n < sizeof(r->text))
			n += snprintf(r->text + n, sizeof(r->text) - n, ")");
	}
	for (char *p = r->text; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static enum es_status failure(struct ctx *c, struct reply *r, const char *what)
{
	double wait = c->h->json->get_number(r->json, "retryAfterSec", 0);

	if (r->status == 401) {
		c->h->diag->error(c->call, "api_key",
		                  "GoDaddy rejected the API key and secret "
		                  "(401 %s)",
		                  r->text);
		return ES_INVALID_CONFIG;
	}
	if (r->status == 403) {
		c->h->diag->error(
		    c->call, "api_key",
		    "GoDaddy refused API access for this account (403 %s): "
		    "its production Domains and Certificates APIs are only "
		    "open to accounts with 10 or more domains and/or an "
		    "active Discount Domain Club Premier membership; meet "
		    "that rule, or use environment = \"ote\" with OTE keys",
		    r->text);
		return ES_INVALID_CONFIG;
	}
	c->h->diag->error(c->call, NULL, "%s: GoDaddy answered %ld %s", what,
	                  r->status, r->text);
	if (r->status == 429 && wait > 0 && wait < 3600)
		c->h->diag->retry_after(c->call, (uint32_t)(wait * 1000));
	return r->status == 429 || r->status >= 500 ? ES_RETRY : ES_FAILED;
}

/*
 * `method` base+path with an optional JSON body. `intent` (nullable) marks
 * a write the core journals and never resends. ES_OK for a 2xx, a GET's
 * 404 (r->absent) and a 409 (r->conflict); the caller then reply_free()s.
 */
static enum es_status api(struct ctx *c, struct reply *r, const char *method,
                          const char *body, const char *intent, const char *fmt,
                          ...) ES_PRINTF(6, 7);
static enum es_status api(struct ctx *c, struct reply *r, const char *method,
                          const char *body, const char *intent, const char *fmt,
                          ...)
{
	static const struct es_http_header headers[] = {
	    {"Authorization",
	     "sso-key {{secret:api_key}}:{{secret:api_secret}}"},
	    {"Accept", "application/json"},
	};
	char url[2048];
	size_t n = strlen(c->base), len = 0;
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = method,
	    .url = url,
	    .headers = headers,
	    .n_headers = 2,
	    .body = body,
	    .body_len = body ? strlen(body) : 0,
	    .content_type = body ? "application/json" : NULL,
	    .mutating = intent != NULL,
	    .intent = intent,
	};
	enum es_status st = ES_OK;
	es_http_response *resp;
	const char *text;
	va_list ap;
	int w;

	memset(r, 0, sizeof(*r));
	memcpy(url, c->base, n + 1);
	va_start(ap, fmt);
	w = vsnprintf(url + n, sizeof(url) - n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof(url) - n) {
		c->h->diag->error(c->call, NULL, "URL too long: %s", fmt);
		return ES_FAILED;
	}
	resp = c->h->http->request(c->call, &req);
	if (!resp)
		return ES_RETRY; /* no answer: the core recorded why */
	r->status = c->h->http->status(resp);
	text = c->h->http->body(resp, &len);
	r->json = text && len ? c->h->json->parse(text, len) : NULL;
	if (r->status == 404 && strcmp(method, "GET") == 0)
		r->absent = 1;
	else if (r->status == 409)
		r->conflict = 1;
	if (r->status < 200 || r->status > 299)
		read_error(c, r);
	if ((r->status < 200 || r->status > 299) && !r->absent && !r->conflict)
		st = failure(c, r, intent ? intent : url + n);
	c->h->http->response_free(resp);
	if (st != ES_OK)
		reply_free(c, r);
	return st;
}

static int is_dead(const char *status)
{
	static const char *const dead[] = {"CANCELED", "DENIED", "REVOKED",
	                                   "EXPIRED",  "UNUSED", NULL};

	for (size_t i = 0; status && dead[i]; i++)
		if (strcmp(status, dead[i]) == 0)
			return 1;
	return 0;
}

/* ---- dns_records ---------------------------------------------------- */

struct record {
	char name[128], type[8], target[512];
};

/* "app.uat=CNAME:lb.example.net" */
static int parse_record(const char *s, struct record *rec)
{
	const char *eq = s ? strchr(s, '=') : NULL;
	const char *colon = eq ? strchr(eq, ':') : NULL;
	static const char *const types[] = {"A", "AAAA", "CNAME", "TXT", NULL};
	size_t i = 0;

	if (!colon || eq == s || (size_t)(eq - s) >= sizeof(rec->name) ||
	    (size_t)(colon - eq - 1) >= sizeof(rec->type) || !colon[1] ||
	    strlen(colon + 1) >= sizeof(rec->target))
		return -1;
	snprintf(rec->name, sizeof(rec->name), "%.*s", (int)(eq - s), s);
	snprintf(rec->type, sizeof(rec->type), "%.*s", (int)(colon - eq - 1),
	         eq + 1);
	snprintf(rec->target, sizeof(rec->target), "%s", colon + 1);
	while (types[i] && strcasecmp(types[i], rec->type))
		i++;
	if (!types[i] || strpbrk(rec->name, "/?#% "))
		return -1;
	snprintf(rec->type, sizeof(rec->type), "%s", types[i]);
	return 0;
}

/* Data equal, ignoring case and a trailing dot for host names. */
static int same_data(const char *type, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (strcmp(type, "TXT") == 0)
		return strcmp(a, b) == 0;
	la -= la && a[la - 1] == '.';
	lb -= lb && b[lb - 1] == '.';
	return la == lb && strncasecmp(a, b, la) == 0;
}

static enum es_status put_records(struct ctx *c, const char *type,
                                  const char *name, es_json *list,
                                  const char *intent)
{
	char *body = c->h->json->print(list), *n = c->h->http->escape(name);
	struct reply r;
	enum es_status st = ES_FAILED;

	if (body && n)
		st = api(c, &r, "PUT", body, intent,
		         "/v1/domains/%s/records/%s/%s", c->domain, type, n);
	if (st == ES_OK && r.conflict)
		st = failure(c, &r, intent);
	if (st == ES_OK)
		reply_free(c, &r);
	c->h->mem_free(body);
	c->h->mem_free(n);
	return st;
}

static enum es_status sync_record(struct ctx *c, const struct record *rec)
{
	const struct es_json_api *j = c->h->json;
	int64_t ttl = c->h->config->get_int(c->call, "ttl");
	char *name = c->h->http->escape(rec->name), intent[800];
	es_json *list, *o;
	struct reply r;
	const es_json *got;
	enum es_status st;

	if (!name)
		return ES_FAILED;
	st = api(c, &r, "GET", NULL, NULL, "/v1/domains/%s/records/%s/%s",
	         c->domain, rec->type, name);
	c->h->mem_free(name);
	if (st != ES_OK)
		return st;
	got = j->array_item(r.json, 0);
	if (r.absent) {
		c->h->diag->error(c->call, "domain",
		                  "%s is not a domain of this GoDaddy account "
		                  "(404); set dns_at_godaddy = false if its "
		                  "DNS is hosted elsewhere",
		                  c->domain);
		st = ES_INVALID_CONFIG;
	} else if (!(j->array_size(r.json) == 1 &&
	             same_data(rec->type,
	                       j->get_string(got, "data")
	                           ? j->get_string(got, "data")
	                           : "",
	                       rec->target) &&
	             (int64_t)j->get_number(got, "ttl", 0) == ttl) &&
	           !reported(c, &st,
	                     j->array_size(r.json) ? ES_CHANGE_UPDATE
	                                           : ES_CHANGE_CREATE,
	                     "dns_record", rec->name, rec->target)) {
		snprintf(intent, sizeof(intent), "set %s %s.%s to %s",
		         rec->type, rec->name, c->domain, rec->target);
		list = j->new_array();
		o = j->new_object();
		if (list && o) {
			j->set_string(o, "data", rec->target);
			j->set_number(o, "ttl", (double)ttl);
			j->add(list, NULL, o);
			o = NULL;
			st = put_records(c, rec->type, rec->name, list, intent);
		}
		j->free(o);
		j->free(list);
	}
	reply_free(c, &r);
	return st;
}

static enum es_status dns_records(struct ctx *c)
{
	const struct es_json_api *j = c->h->json;
	es_json *out = j->new_array();
	enum es_status st = out ? ES_OK : ES_FAILED;
	int at_godaddy = c->h->config->get_bool(c->call, "dns_at_godaddy");

	for (size_t i = 0; st == ES_OK && i < n_items(c, "records"); i++) {
		struct record rec;
		es_json *o;

		if (parse_record(item(c, "records", i), &rec))
			return j->free(out), ES_INVALID_CONFIG;
		if (at_godaddy)
			st = sync_record(c, &rec);
		if ((o = j->new_object())) {
			j->set_string(o, "name", rec.name);
			j->set_string(o, "type", rec.type);
			j->set_string(o, "data", rec.target);
			j->add(out, NULL, o);
		}
	}
	/* Elsewhere-hosted DNS: the output is what a person publishes. */
	if (st == ES_OK && c->phase == VERIFY) {
		char *text = j->print(out);

		if (!text || c->h->output->set(c->call, "dns_records", text, 0))
			st = ES_FAILED;
		c->h->mem_free(text);
	}
	j->free(out);
	return st;
}

/* ---- files of one certificate --------------------------------------- */

/* <dir>/<cn>.<ext>, "*." written "wildcard." */
static void cert_file(struct ctx *c, const char *cn, const char *ext, char *out,
                      size_t size)
{
	int wild = strncmp(cn, "*.", 2) == 0;

	snprintf(out, size, "%s/%s%s.%s", c->dir, wild ? "wildcard." : "",
	         cn + (wild ? 2 : 0), ext);
}

/* The SANs of certificate `idx`: "name" items go to the first one. */
static size_t sans_of(struct ctx *c, size_t idx, const char *cn,
                      const char **out)
{
	size_t n = 0, len = strlen(cn);

	for (size_t i = 0; i < n_items(c, "san") && n < MAX_SANS; i++) {
		const char *s = item(c, "san", i), *eq = s ? strchr(s, '=') : 0;

		if (s && !eq && idx == 0)
			out[n++] = s;
		else if (eq && (size_t)(eq - s) == len &&
		         strncmp(s, cn, len) == 0)
			out[n++] = eq + 1;
	}
	return n;
}

static EVP_PKEY *load_key(struct ctx *c, const char *cn, int *absent)
{
	char path[4200], err[512];
	EVP_PKEY *key;

	cert_file(c, cn, "key", path, sizeof(path));
	key = gd_key_load(path, absent, err, sizeof(err));
	if (!key && !*absent)
		c->h->diag->error(c->call, "secrets_dir", "%s", err);
	return key;
}

/* The CSR file of `cn` (transfer full), made from its key when absent. */
static char *load_csr(struct ctx *c, size_t idx, const char *cn, EVP_PKEY *key,
                      int may_write)
{
	const char *sans[MAX_SANS];
	struct gd_subject subj = {
	    .common_name = cn,
	    .organization = cfg(c, "subject_org"),
	    .country = cfg(c, "subject_country"),
	    .sans = sans,
	};
	char path[4200], err[512];
	char *csr;
	int absent;

	cert_file(c, cn, "csr", path, sizeof(path));
	csr = gd_read_file(path, &absent, err, sizeof(err));
	if (csr || !absent || !may_write || !key) {
		if (!csr && (!absent || may_write))
			c->h->diag->error(c->call, "secrets_dir", "%s", err);
		return csr;
	}
	subj.n_sans = sans_of(c, idx, cn, sans);
	csr = gd_csr_make(key, &subj, err, sizeof(err));
	if (csr && gd_write_file(path, csr, 0644, err, sizeof(err))) {
		free(csr);
		csr = NULL;
	}
	if (!csr)
		c->h->diag->error(c->call, NULL, "%s", err);
	return csr;
}

/* The CSR certificate_key made, for an order or a renewal. */
static char *order_csr(struct ctx *c, size_t idx, const char *cn)
{
	char *csr = load_csr(c, idx, cn, NULL, 0);

	if (!csr)
		c->h->diag->error(
		    c->call, "secrets_dir",
		    "no CSR for %s in %s: run the certificate_key "
		    "task first",
		    cn, c->dir);
	return csr;
}

/* ---- certificate_key ------------------------------------------------ */

static enum es_status one_key(struct ctx *c, size_t idx, const char *cn)
{
	const char *type = cfg(c, "key_type");
	char path[4200], err[512];
	EVP_PKEY *key;
	char *csr = NULL;
	int absent;
	enum es_status st = ES_OK;

	cert_file(c, cn, "key", path, sizeof(path));
	key = load_key(c, cn, &absent);
	if (!key && !absent)
		return ES_FAILED;
	if (!key && reported(c, &st, ES_CHANGE_CREATE, "private_key", cn,
	                     type ? type : "ecdsa-p256"))
		return st;
	if (!key && (gd_mkdirs(c->dir, err, sizeof(err)) ||
	             !(key = gd_key_create(path, type, err, sizeof(err))))) {
		c->h->diag->error(c->call, "secrets_dir", "%s", err);
		return ES_FAILED;
	}
	if (type && strcmp(gd_key_type(key), type) != 0)
		c->h->log->log(c->call, ES_LOG_WARNING,
		               "%s keeps its existing %s key (key_type applies "
		               "to new keys)",
		               cn, gd_key_type(key));
	csr = load_csr(c, idx, cn, key, c->phase == APPLY);
	if (!csr && c->phase != APPLY)
		reported(c, &st, ES_CHANGE_CREATE, "csr", cn, "from the key");
	else if (!csr)
		st = ES_FAILED;
	else if (c->phase == VERIFY && (publish(c, "key_path", cn, path) ||
	                                publish(c, "csr", cn, csr)))
		st = ES_FAILED;
	free(csr);
	EVP_PKEY_free(key);
	return st;
}

/* ---- order_certificate ---------------------------------------------- */

static void add_contact(struct ctx *c, es_json *body)
{
	const struct es_json_api *j = c->h->json;
	es_json *o = j->new_object();

	if (!o)
		return;
	j->set_string(o, "nameFirst", cfg(c, "contact_first_name"));
	j->set_string(o, "nameLast", cfg(c, "contact_last_name"));
	j->set_string(o, "email", cfg(c, "contact_email"));
	j->set_string(o, "phone", cfg(c, "contact_phone"));
	j->add(body, "contact", o);
}

/* OV and EV products name the organisation (CertificateOrganizationCreate). */
static void add_organization(struct ctx *c, es_json *body, const char *prod)
{
	const struct es_json_api *j = c->h->json;
	es_json *o, *a;

	if (!strstr(prod, "OV_") && !strstr(prod, "EV_"))
		return;
	if (!(o = j->new_object()))
		return;
	j->set_string(o, "name", cfg(c, "subject_org"));
	j->set_string(o, "phone", cfg(c, "contact_phone"));
	if (cfg(c, "org_address") && (a = j->new_object())) {
		j->set_string(a, "address1", cfg(c, "org_address"));
		if (cfg(c, "org_city"))
			j->set_string(a, "city", cfg(c, "org_city"));
		j->set_string(a, "country", cfg(c, "subject_country"));
		j->add(o, "address", a);
	}
	j->add(body, "organization", o);
}

/* The CertificateCreate (or, renew, CertificateRenew) body. */
static char *order_body(struct ctx *c, size_t idx, const char *cn,
                        const char *csr, int renew)
{
	const struct es_json_api *j = c->h->json;
	const char *prod = cfg(c, "product_type"), *sans[MAX_SANS];
	size_t n = sans_of(c, idx, cn, sans);
	es_json *body = j->new_object(), *list = n ? j->new_array() : NULL;
	char *text = NULL;

	if (!body || (n && !list)) {
		j->free(body);
		return NULL;
	}
	j->set_string(body, "csr", csr);
	j->set_number(body, "period",
	              (double)c->h->config->get_int(c->call, "period"));
	j->set_string(body, "rootType", "STARFIELD_SHA_2");
	for (size_t i = 0; i < n; i++)
		j->append_string(list, sans[i]);
	if (list)
		j->add(body, "subjectAlternativeNames", list);
	if (!renew) {
		j->set_string(body, "commonName", cn);
		j->set_string(body, "productType", prod ? prod : "DV_SSL");
		if (cfg(c, "slot_size"))
			j->set_string(body, "slotSize", cfg(c, "slot_size"));
		add_contact(c, body);
		add_organization(c, body, prod ? prod : "DV_SSL");
	}
	text = j->print(body);
	j->free(body);
	return text;
}

/* After an interrupted order: GoDaddy's list of the customer's
 * certificates says whether the order got through (no idempotency key). */
static enum es_status find_order(struct ctx *c, const char *cn, char *id,
                                 size_t size)
{
	const struct es_json_api *j = c->h->json;
	char *cust = c->h->http->escape(cfg(c, "customer_id"));
	enum es_status st = cust ? ES_OK : ES_FAILED;
	size_t offset = 0;

	*id = '\0';
	for (int page = 0; st == ES_OK && !*id && page < LIST_PAGES_MAX;
	     page++) {
		struct reply r;
		const es_json *list;
		size_t n;

		st = api(c, &r, "GET", NULL, NULL,
		         "/v2/customers/%s/certificates?offset=%zu&limit=%d",
		         cust, offset, LIST_PAGE);
		if (st != ES_OK)
			break;
		list = j->get(r.json, "certificates");
		n = j->array_size(list);
		for (size_t i = 0; i < n && !*id; i++) {
			const es_json *e = j->array_item(list, i);
			const char *name = j->get_string(e, "commonName");
			const char *cid = j->get_string(e, "certificateId");

			if (name && cid && strcasecmp(name, cn) == 0 &&
			    !is_dead(j->get_string(e, "status")))
				snprintf(id, size, "%s", cid);
		}
		offset += n;
		if (r.absent || n == 0 ||
		    offset >= j->get_number(r.json, "pagination.total", 0))
			page = LIST_PAGES_MAX;
		reply_free(c, &r);
	}
	c->h->mem_free(cust);
	return st;
}

/* The live order of `cn` recorded in state: ES_OK with *live set, or
 * not; an order GoDaddy lost or ended no longer counts. */
static enum es_status recorded_order(struct ctx *c, const char *cn, int *live,
                                     char *status, size_t size)
{
	char idbuf[128];
	const char *id = state_get(c, "order", cn, idbuf, sizeof(idbuf));
	struct reply r;
	enum es_status st;
	char *eid;

	*live = 0;
	snprintf(status, size, "none");
	if (!id)
		return ES_OK;
	if (!(eid = c->h->http->escape(id)))
		return ES_FAILED;
	st = api(c, &r, "GET", NULL, NULL, "/v1/certificates/%s", eid);
	c->h->mem_free(eid);
	if (st != ES_OK)
		return st;
	snprintf(status, size, "%s",
	         r.absent ? "not found"
	         : c->h->json->get_string(r.json, "status")
	             ? c->h->json->get_string(r.json, "status")
	             : "unknown");
	*live = !r.absent && !is_dead(status);
	reply_free(c, &r);
	return ES_OK;
}

static enum es_status one_order(struct ctx *c, size_t idx, const char *cn)
{
	char status[64], found[128], detail[160], intent[400], idbuf[128];
	const char *id = state_get(c, "order", cn, idbuf, sizeof(idbuf));
	char *csr, *body;
	struct reply r;
	int live;
	enum es_status st =
	    recorded_order(c, cn, &live, status, sizeof(status));

	if (st != ES_OK || live)
		return st == ES_OK && c->phase == VERIFY &&
		               publish(c, "certificate_id", cn, id ? id : "")
		           ? ES_FAILED
		           : st;
	if (!id && c->h->state->interrupted(c->call)) {
		st = find_order(c, cn, found, sizeof(found));
		if (st != ES_OK)
			return st;
		if (*found &&
		    !reported(c, &st, ES_CHANGE_UPDATE, "certificate_order", cn,
		              "adopt the order an interrupted run "
		              "placed"))
			return state_put(c, "order", cn, found) ? ES_FAILED
			                                        : ES_OK;
		if (*found)
			return st;
	}
	snprintf(detail, sizeof(detail), "%s, %lld year(s); previous: %s",
	         cfg(c, "product_type"),
	         (long long)c->h->config->get_int(c->call, "period"), status);
	if (reported(c, &st, ES_CHANGE_CREATE, "certificate_order", cn, detail))
		return st;
	csr = order_csr(c, idx, cn);
	body = csr ? order_body(c, idx, cn, csr, 0) : NULL;
	free(csr);
	if (!body)
		return ES_FAILED;
	snprintf(intent, sizeof(intent), "order certificate %s", cn);
	st = api(c, &r, "POST", body, intent, "/v1/certificates");
	c->h->mem_free(body);
	if (st != ES_OK)
		return st;
	id = c->h->json->get_string(r.json, "certificateId");
	/* Recorded at once: the next run looks this order up. */
	if (r.conflict || !id) {
		st = failure(c, &r, intent);
	} else if (state_put(c, "order", cn, id)) {
		c->h->diag->error(c->call, NULL,
		                  "could not record order %s of %s", id, cn);
		st = ES_FAILED;
	}
	reply_free(c, &r);
	return st;
}

/* ---- validate_domain ------------------------------------------------ */

/* Add `token` to the TXT records at @ of the domain, keeping the others:
 * the PUT replaces the whole set (SPF and the like live there too). */
static enum es_status publish_txt(struct ctx *c, const char *token)
{
	const struct es_json_api *j = c->h->json;
	es_json *list = j->new_array(), *o;
	char intent[600];
	struct reply r;
	int64_t ttl = c->h->config->get_int(c->call, "ttl");
	enum es_status st = list
	                        ? api(c, &r, "GET", NULL, NULL,
	                              "/v1/domains/%s/records/TXT/@", c->domain)
	                        : ES_FAILED;
	int have = 0;

	for (size_t i = 0; st == ES_OK && i < j->array_size(r.json); i++) {
		const es_json *e = j->array_item(r.json, i);
		const char *data = j->get_string(e, "data");

		have |= data && strcmp(data, token) == 0;
		if (data && (o = j->new_object())) {
			j->set_string(o, "data", data);
			j->set_number(o, "ttl", j->get_number(e, "ttl", ttl));
			j->add(list, NULL, o);
		}
	}
	if (st == ES_OK)
		reply_free(c, &r);
	if (st == ES_OK && !have && (o = j->new_object())) {
		j->set_string(o, "data", token);
		j->set_number(o, "ttl", (double)ttl);
		j->add(list, NULL, o);
		snprintf(intent, sizeof(intent),
		         "publish the domain-control TXT record at %s",
		         c->domain);
		st = put_records(c, "TXT", "@", list, intent);
	}
	j->free(list);
	return st;
}

/* Count the pending domain verifications of order `id`. With `act`,
 * their tokens go to `ask` (for a person) or, when the DNS is at GoDaddy,
 * to the zone. */
static enum es_status pending_checks(struct ctx *c, const char *id, int act,
                                     int *pending, char *ask, size_t size)
{
	const struct es_json_api *j = c->h->json;
	char *cust = c->h->http->escape(cfg(c, "customer_id"));
	char *eid = c->h->http->escape(id);
	int at_godaddy = c->h->config->get_bool(c->call, "dns_at_godaddy");
	size_t used = ask ? strlen(ask) : 0;
	struct reply r;
	enum es_status st = cust && eid ? api(c, &r, "GET", NULL, NULL,
	                                      "/v2/customers/%s/certificates/%s"
	                                      "/domainVerifications",
	                                      cust, eid)
	                                : ES_FAILED;

	c->h->mem_free(cust);
	c->h->mem_free(eid);
	for (size_t i = 0; st == ES_OK && i < j->array_size(r.json); i++) {
		const es_json *e = j->array_item(r.json, i);
		const char *s = j->get_string(e, "status");
		const char *token = j->get_string(e, "dceToken");

		if (s && (!strcmp(s, "COMPLETED") ||
		          !strcmp(s, "VERIFIED_POSSIBLE_FRAUD")))
			continue;
		(*pending)++;
		if (!act)
			continue;
		if (!token) {
			c->h->diag->error(c->call, NULL,
			                  "GoDaddy gives no DNS token for %s "
			                  "(%s): follow GoDaddy's e-mail",
			                  j->get_string(e, "domain"), s);
			st = ES_FAILED;
		} else if (at_godaddy) {
			st = publish_txt(c, token);
		} else if (used < size && !strstr(ask, token)) {
			used += snprintf(ask + used, size - used,
			                 "%sTXT record at %s (host @) = %s",
			                 used ? "; " : "", c->domain, token);
		}
	}
	if (st == ES_OK)
		reply_free(c, &r);
	return st;
}

static enum es_status one_validation(struct ctx *c, const char *cn, char *ask,
                                     size_t size, int *waiting)
{
	char idcopy[128], status[64];
	const char *id = state_get(c, "order", cn, idcopy, sizeof(idcopy));
	struct reply r;
	int live, pending = 0;
	enum es_status st =
	    recorded_order(c, cn, &live, status, sizeof(status));

	if (st != ES_OK ||
	    (!live && reported(c, &st, ES_CHANGE_UNKNOWN, "domain_control", cn,
	                       "after the order")))
		return st;
	if (!live || !id) {
		c->h->diag->error(c->call, NULL, "%s has no live order (%s)",
		                  cn, status);
		return ES_FAILED;
	}
	if (strcmp(status, "PENDING_ISSUANCE") != 0)
		return ES_OK; /* issued or re-keying: validated */
	st = pending_checks(c, idcopy, c->phase == APPLY, &pending, ask, size);
	if (st != ES_OK || !pending ||
	    reported(c, &st, ES_CHANGE_UPDATE, "domain_control", cn,
	             "publish the DNS token, then ask GoDaddy to check"))
		return st;
	if (!c->h->config->get_bool(c->call, "dns_at_godaddy") &&
	    !c->h->gate->confirmed(c->call)) {
		wait_for(waiting, 1);
		return ES_OK;
	}
	/* Asking GoDaddy to look again is safe to repeat: not journaled. */
	st = api(c, &r, "POST", NULL, NULL,
	         "/v1/certificates/%s/verifyDomainControl", idcopy);
	if (st == ES_OK && r.conflict) {
		c->h->progress->step(c->call,
		                     "%s: GoDaddy does not see the "
		                     "DNS token yet (%s)",
		                     cn, r.text);
		wait_for(waiting, 2);
	} else if (st == ES_OK) {
		/* GoDaddy may list the result a moment after its 204. */
		pending = 0;
		reply_free(c, &r);
		st = pending_checks(c, idcopy, 0, &pending, NULL, 0);
		if (st == ES_OK && pending)
			wait_for(waiting, 2);
	}
	if (st == ES_OK)
		reply_free(c, &r);
	return st;
}

/* ---- wait_issued ---------------------------------------------------- */

static enum es_status one_issuance(struct ctx *c, const char *cn, int *waiting)
{
	char status[64], detail[96];
	int live;
	enum es_status st =
	    recorded_order(c, cn, &live, status, sizeof(status));

	if (st != ES_OK || !strcmp(status, "ISSUED"))
		return st == ES_OK && c->phase == VERIFY &&
		               publish(c, "status", cn, status)
		           ? ES_FAILED
		           : st;
	snprintf(detail, sizeof(detail), "status %s -> ISSUED", status);
	if (reported(c, &st, live ? ES_CHANGE_UPDATE : ES_CHANGE_UNKNOWN,
	             "certificate", cn, detail))
		return st;
	if (!live) {
		c->h->diag->error(c->call, NULL,
		                  "%s will not be issued: its order is %s", cn,
		                  status);
		return ES_FAILED;
	}
	c->h->progress->step(c->call, "%s is %s", cn, status);
	wait_for(waiting, 2);
	return ES_OK;
}

/* ---- download_certificate (and renewal) ----------------------------- */

/* GET download and write the chain next to the key, 0644. */
static enum es_status download(struct ctx *c, const char *cn, const char *id)
{
	const struct es_json_api *j = c->h->json;
	static const char *const parts[] = {"pems.certificate",
	                                    "pems.intermediate", "pems.cross"};
	char path[4200], err[512], *chain = NULL;
	size_t len = 0;
	struct reply r;
	enum es_status st =
	    api(c, &r, "GET", NULL, NULL, "/v1/certificates/%s/download", id);

	if (st != ES_OK)
		return st;
	for (size_t i = 0; i < 3 && !r.absent && !r.conflict; i++) {
		const char *pem = j->get_string(r.json, parts[i]);
		size_t n = pem ? strlen(pem) : 0;
		char *grown = n ? realloc(chain, len + n + 2) : chain;

		if (!n || !grown)
			continue;
		chain = grown;
		memcpy(chain + len, pem, n);
		len += n;
		if (len && chain[len - 1] != '\n')
			chain[len++] = '\n';
		chain[len] = '\0';
	}
	cert_file(c, cn, "crt", path, sizeof(path));
	if (!chain || !strstr(chain, "-----BEGIN CERTIFICATE-----")) {
		c->h->diag->error(c->call, NULL,
		                  "GoDaddy gave no certificate for %s (%ld %s)",
		                  cn, r.status, r.text);
		st = r.conflict ? ES_RETRY : ES_FAILED;
	} else if (gd_write_file(path, chain, 0644, err, sizeof(err))) {
		c->h->diag->error(c->call, "secrets_dir", "%s", err);
		st = ES_FAILED;
	}
	free(chain);
	reply_free(c, &r);
	return st;
}

/* The serial GoDaddy reports for order `id` while ISSUED, or "". */
static enum es_status issued_serial(struct ctx *c, const char *id, char *serial,
                                    size_t size)
{
	struct reply r;
	enum es_status st =
	    api(c, &r, "GET", NULL, NULL, "/v1/certificates/%s", id);
	const char *s, *n;

	*serial = '\0';
	if (st != ES_OK)
		return st;
	s = c->h->json->get_string(r.json, "status");
	n = c->h->json->get_string(r.json, "serialNumber");
	if (s && !strcmp(s, "ISSUED"))
		snprintf(serial, size, "%s", n ? n : "unknown");
	reply_free(c, &r);
	return ES_OK;
}

/* Renewal: POST renew once (its old serial kept in state), then wait
 * until GoDaddy reports a new serial and download that. */
static enum es_status renew(struct ctx *c, size_t idx, const char *cn,
                            const char *id, int *waiting)
{
	char serial[128], old[128], intent[300];
	const char *was = state_get(c, "renewing", cn, old, sizeof(old));
	char *csr, *body;
	struct reply r;
	enum es_status st;

	if (!was)
		*old = '\0';
	st = issued_serial(c, id, serial, sizeof(serial));
	if (st != ES_OK)
		return st;
	if (*old && *serial && strcmp(serial, old) != 0) {
		st = download(c, cn, id);
		return st == ES_OK && state_put(c, "renewing", cn, NULL)
		           ? ES_FAILED
		           : st;
	}
	wait_for(waiting, 2);
	if (*old || !*serial)
		return ES_OK; /* asked already, or not issued: wait */
	csr = order_csr(c, idx, cn);
	body = csr ? order_body(c, idx, cn, csr, 1) : NULL;
	free(csr);
	if (!body)
		return ES_FAILED;
	snprintf(intent, sizeof(intent), "renew certificate %s", cn);
	st = api(c, &r, "POST", body, intent, "/v1/certificates/%s/renew", id);
	c->h->mem_free(body);
	if (st == ES_OK && r.conflict)
		st = failure(c, &r, intent);
	if (st == ES_OK) {
		reply_free(c, &r);
		if (state_put(c, "renewing", cn, serial))
			st = ES_FAILED;
	}
	return st;
}

static enum es_status one_download(struct ctx *c, size_t idx, const char *cn,
                                   int *waiting)
{
	int64_t window_s =
	    c->h->config->get_duration_ms(c->call, "renewal_window") / 1000;
	char path[4200], err[512], detail[96], expires[32], id[128], tmp[128];
	const char *renewing = state_get(c, "renewing", cn, tmp, sizeof(tmp));
	int absent, keyed = 0, readable;
	char *pem;
	time_t until = 0;
	EVP_PKEY *key = load_key(c, cn, &absent);
	enum es_status st = ES_OK;
	long days;

	if (!state_get(c, "order", cn, id, sizeof(id)))
		*id = '\0';
	cert_file(c, cn, "crt", path, sizeof(path));
	pem = gd_read_file(path, &absent, err, sizeof(err));
	readable = pem && gd_cert_info(pem, key, &until, &keyed, err,
	                               sizeof(err)) == 0;
	free(pem);
	EVP_PKEY_free(key);
	days = (long)((until - time(NULL)) / 86400);
	if (!readable) {
		if (!reported(c, &st,
		              *id ? ES_CHANGE_CREATE : ES_CHANGE_UNKNOWN,
		              "certificate_file", cn,
		              absent ? "download" : "replace: unreadable"))
			st = *id ? download(c, cn, id) : ES_FAILED;
		if (st == ES_FAILED && !*id)
			c->h->diag->error(c->call, NULL, "%s has no order", cn);
		return st;
	}
	if (until - time(NULL) < window_s || renewing) {
		snprintf(detail, sizeof(detail), "renew: expires in %ld days",
		         days);
		if (c->phase == VERIFY && !renewing)
			c->h->log->log(c->call, ES_LOG_WARNING, "%s: %s", cn,
			               detail);
		else if (!reported(c, &st, ES_CHANGE_UPDATE, "certificate", cn,
		                   detail))
			return *id ? renew(c, idx, cn, id, waiting) : ES_FAILED;
		if (c->phase == PLAN)
			return st;
	}
	if (c->phase == VERIFY && !keyed)
		c->h->log->log(c->call, ES_LOG_WARNING,
		               "%s in %s does not match its private key: "
		               "reissue it with a new CSR",
		               cn, path);
	if (c->phase == VERIFY) {
		strftime(expires, sizeof(expires), "%Y-%m-%dT%H:%M:%SZ",
		         gmtime(&until));
		if (publish(c, "certificate_path", cn, path) ||
		    publish(c, "expires_at", cn, expires))
			return ES_FAILED;
	}
	return ES_OK;
}

/* ---- dispatch -------------------------------------------------------- */

/* Run `fn` for every certificate; *waiting: 1 a person, 2 GoDaddy. */
static enum es_status each_cert(struct ctx *c,
                                enum es_status (*fn)(struct ctx *, size_t,
                                                     const char *, char *,
                                                     size_t, int *))
{
	char ask[2048] = "";
	int waiting = 0;
	enum es_status st = ES_OK;

	for (size_t i = 0; st == ES_OK && i < n_items(c, "certificates"); i++)
		st = fn(c, i, item(c, "certificates", i), ask, sizeof(ask),
		        &waiting);
	if (st != ES_OK || c->phase != APPLY || !waiting)
		return st;
	if (waiting == 1) {
		c->h->diag->ask(
		    c->call,
		    "Publish at your DNS host: %s. Then run envsetup "
		    "confirm godaddy-ssl:validate_domain",
		    ask);
		return ES_NEEDS_PERSON;
	}
	c->h->diag->retry_after(
	    c->call,
	    (uint32_t)c->h->config->get_duration_ms(c->call, "poll_interval"));
	return ES_IN_PROGRESS;
}

static enum es_status key_fn(struct ctx *c, size_t i, const char *cn, char *ask,
                             size_t size, int *waiting)
{
	(void)ask, (void)size, (void)waiting;
	return one_key(c, i, cn);
}

static enum es_status order_fn(struct ctx *c, size_t i, const char *cn,
                               char *ask, size_t size, int *waiting)
{
	(void)ask, (void)size, (void)waiting;
	return one_order(c, i, cn);
}

static enum es_status validation_fn(struct ctx *c, size_t i, const char *cn,
                                    char *ask, size_t size, int *waiting)
{
	(void)i;
	return one_validation(c, cn, ask, size, waiting);
}

static enum es_status issuance_fn(struct ctx *c, size_t i, const char *cn,
                                  char *ask, size_t size, int *waiting)
{
	(void)i, (void)ask, (void)size;
	return one_issuance(c, cn, waiting);
}

static enum es_status download_fn(struct ctx *c, size_t i, const char *cn,
                                  char *ask, size_t size, int *waiting)
{
	(void)ask, (void)size;
	return one_download(c, i, cn, waiting);
}

static const struct {
	const char *id;
	enum es_status (*fn)(struct ctx *, size_t, const char *, char *, size_t,
	                     int *);
} task_fns[] = {
    {"dns_records", NULL},           {"certificate_key", key_fn},
    {"order_certificate", order_fn}, {"validate_domain", validation_fn},
    {"wait_issued", issuance_fn},    {"download_certificate", download_fn},
};

/* Names that become path segments must not climb out of secrets_dir. */
static int safe_segment(const char *s)
{
	return s && *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

static int set_context(struct ctx *c)
{
	const char *env = cfg(c, "environment");
	const char *url =
	    cfg(c, env && !strcmp(env, "ote") ? "ote_url" : "api_url");
	const char *dir = cfg(c, "secrets_dir");
	const char *cust = c->h->config->customer(c->call);
	const char *run_env = c->h->config->environment(c->call);
	size_t n;

	c->domain = cfg(c, "domain");
	if (!url || (n = strlen(url)) >= sizeof(c->base) || !c->domain ||
	    strpbrk(c->domain, "/?#% ") || !dir || !safe_segment(cust) ||
	    !safe_segment(run_env))
		return -1;
	while (n > 0 && url[n - 1] == '/')
		n--;
	snprintf(c->base, sizeof(c->base), "%.*s", (int)n, url);
	return (size_t)snprintf(c->dir, sizeof(c->dir), "%s/%s/%s", dir, cust,
	                        run_env) >= sizeof(c->dir)
	           ? -1
	           : 0;
}

static enum es_status dispatch(es_call *call, void *state, const char *task,
                               enum phase phase)
{
	struct godaddy *g = state;
	struct ctx c = {.h = g->host, .call = call, .phase = phase};
	size_t n = sizeof(task_fns) / sizeof(task_fns[0]), i = 0;

	while (i < n && (!task || strcmp(task_fns[i].id, task) != 0))
		i++;
	if (i == n)
		return ES_UNSUPPORTED;
	if (set_context(&c)) {
		c.h->diag->error(call, "domain",
		                 "no usable API URL, domain, secrets_dir, "
		                 "customer or environment name");
		return ES_INVALID_CONFIG;
	}
	return task_fns[i].fn ? each_cert(&c, task_fns[i].fn) : dns_records(&c);
}

static enum es_status godaddy_plan(es_call *call, void *state, const char *t)
{
	return dispatch(call, state, t, PLAN);
}

static enum es_status godaddy_apply(es_call *call, void *state, const char *t)
{
	return dispatch(call, state, t, APPLY);
}

static enum es_status godaddy_verify(es_call *call, void *state, const char *t)
{
	return dispatch(call, state, t, VERIFY);
}

/* ---- validate: offline cross-checks beyond the schema ---------------- */

/* A host name; `wild` allows a leading "*." label. */
static int is_hostname(const char *s, int wild)
{
	size_t label = 0, dots = 0;

	if (wild && strncmp(s, "*.", 2) == 0)
		s += 2;
	for (const char *p = s; *p; p++) {
		if (*p == '.' && label > 0 && p[-1] != '-')
			label = 0, dots++;
		else if (isalnum((unsigned char)*p) || (*p == '-' && label))
			label++;
		else
			return 0;
		if (label > 63)
			return 0;
	}
	return dots > 0 && label > 0 && strlen(s) <= 253;
}

static int check_names(struct ctx *c, const char *prod)
{
	int bad = 0, wildcard_product = strstr(prod, "WILDCARD") != NULL;
	size_t n = n_items(c, "certificates");

	for (size_t i = 0; i < n; i++) {
		const char *cn = item(c, "certificates", i);

		if ((!cn || !is_hostname(cn, 1)) && ++bad)
			c->h->diag->error(c->call, "certificates",
			                  "'%s' is not a host name",
			                  cn ? cn : "");
		else if ((strncmp(cn, "*.", 2) == 0) != wildcard_product &&
		         ++bad)
			c->h->diag->error(
			    c->call, "product_type",
			    "%s: *.names need a WILDCARD product "
			    "and a WILDCARD product needs a *.name",
			    cn);
	}
	for (size_t i = 0; i < n_items(c, "san"); i++) {
		const char *s = item(c, "san", i), *eq = s ? strchr(s, '=') : 0;

		if ((!s || !is_hostname(eq ? eq + 1 : s, 1)) && ++bad)
			c->h->diag->error(c->call, "san",
			                  "'%s' is not \"name\" or \"cn=name\"",
			                  s ? s : "");
	}
	if (n > MAX_CERTS && ++bad)
		c->h->diag->error(c->call, "certificates", "at most %d",
		                  MAX_CERTS);
	return bad;
}

static enum es_status godaddy_validate(es_call *call, void *state)
{
	struct godaddy *g = state;
	struct ctx c = {.h = g->host, .call = call};
	const char *prod = cfg(&c, "product_type");
	const char *country = cfg(&c, "subject_country");
	int bad = 0;

	if (!prod)
		prod = "DV_SSL";
	if (cfg(&c, "domain") && !is_hostname(cfg(&c, "domain"), 0) && ++bad)
		c.h->diag->error(call, "domain", "'%s' is not a host name",
		                 cfg(&c, "domain"));
	for (size_t i = 0; i < n_items(&c, "records"); i++) {
		struct record rec;

		if (parse_record(item(&c, "records", i), &rec) && ++bad)
			c.h->diag->error(
			    call, "records",
			    "'%s' is not \"name=TYPE:target\" with "
			    "TYPE A, AAAA, CNAME or TXT",
			    item(&c, "records", i));
	}
	bad += check_names(&c, prod);
	if (country &&
	    (strlen(country) != 2 || !isupper((unsigned char)country[0]) ||
	     !isupper((unsigned char)country[1])) &&
	    ++bad)
		c.h->diag->error(call, "subject_country",
		                 "give a two-letter code in capitals, e.g. US");
	if ((strstr(prod, "OV_") || strstr(prod, "EV_")) &&
	    (!cfg(&c, "subject_org") || !country) && ++bad)
		c.h->diag->error(call, "subject_org",
		                 "%s needs subject_org and subject_country",
		                 prod);
	if (cfg(&c, "contact_email") &&
	    !strchr(cfg(&c, "contact_email"), '@') && ++bad)
		c.h->diag->error(call, "contact_email",
		                 "not an e-mail address");
	return bad ? ES_INVALID_CONFIG : ES_OK;
}

/* ---- instance and descriptor ----------------------------------------- */

static enum es_status godaddy_create(const struct es_host *host, es_call *call,
                                     void **state)
{
	struct godaddy *g = calloc(1, sizeof(*g));

	(void)call;
	if (!g)
		return ES_FAILED;
	g->host = host;
	*state = g;
	return ES_OK;
}

static void godaddy_destroy_instance(void *state)
{
	free(state);
}

static const struct es_plugin_ops godaddy_ops = {
    .struct_size = sizeof(struct es_plugin_ops),
    .create = godaddy_create,
    .destroy_instance = godaddy_destroy_instance,
    .validate = godaddy_validate,
    .plan = godaddy_plan,
    .apply = godaddy_apply,
    .verify = godaddy_verify,
};

static const struct es_plugin_descriptor godaddy_ssl = {
    ES_DESCRIPTOR_HEADER,
    .name = "godaddy-ssl",
    .version = "1.0.0",
    .description = "URLs (DNS records) and SSL certificates for UAT and "
                   "production on GoDaddy (checklist 1)",
    .keys = godaddy_keys,
    .tasks = godaddy_tasks,
    .ops = &godaddy_ops,
    /* GoDaddy API terms: 60 requests per minute per endpoint. */
    .rate_limit_per_min = 60,
};

ES_PLUGIN_DEFINE(godaddy_ssl)
