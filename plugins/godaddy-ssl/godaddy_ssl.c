/*
 * godaddy-ssl: checklist 1, the URLs and SSL certificates of UAT and
 * production, through GoDaddy's Domains and Certificates APIs.
 *
 * This file: schema, tasks, dispatch, validate, descriptor; the rest is
 * laid out in godaddy_ssl.h. One function per task serves plan, apply and
 * verify, as in plugins/mailgun.
 * The private key and CSR are made locally (csr.c); the key never leaves
 * its 0600 file. Every call is in GoDaddy's own specs (README.md lists
 * them): shared/specs/godaddy-certificates-openapi.yaml and
 * godaddy-domains-swagger.json.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "godaddy_ssl.h"

#define MAX_CERTS 32

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
           .flags = ES_KEY_MIN | ES_KEY_MAX, .min = 600, .max = 604800,
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
           .flags = ES_KEY_MIN | ES_KEY_MAX, .min = 1, .max = 3,
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

	for (size_t i = 0; st == ES_OK && i < gd_n_items(c, "certificates");
	     i++)
		st = fn(c, i, gd_item(c, "certificates", i), ask, sizeof(ask),
		        &waiting);
	if (st != ES_OK || c->phase != ES_PHASE_APPLY || !waiting)
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
	return gd_one_key(c, i, cn);
}

static enum es_status order_fn(struct ctx *c, size_t i, const char *cn,
                               char *ask, size_t size, int *waiting)
{
	(void)ask, (void)size, (void)waiting;
	return gd_one_order(c, i, cn);
}

static enum es_status validation_fn(struct ctx *c, size_t i, const char *cn,
                                    char *ask, size_t size, int *waiting)
{
	(void)i;
	return gd_one_validation(c, cn, ask, size, waiting);
}

static enum es_status issuance_fn(struct ctx *c, size_t i, const char *cn,
                                  char *ask, size_t size, int *waiting)
{
	(void)i, (void)ask, (void)size;
	return gd_one_issuance(c, cn, waiting);
}

static enum es_status download_fn(struct ctx *c, size_t i, const char *cn,
                                  char *ask, size_t size, int *waiting)
{
	(void)ask, (void)size;
	return gd_one_download(c, i, cn, waiting);
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
	const char *env = gd_cfg(c, "environment");
	const char *url =
	    gd_cfg(c, env && !strcmp(env, "ote") ? "ote_url" : "api_url");
	const char *dir = gd_cfg(c, "secrets_dir");
	const char *cust = c->h->config->customer(c->call);
	const char *run_env = c->h->config->environment(c->call);
	size_t n;

	c->domain = gd_cfg(c, "domain");
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
                               enum es_phase phase)
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
	return task_fns[i].fn ? each_cert(&c, task_fns[i].fn)
	                      : gd_dns_records(&c);
}

static enum es_status godaddy_plan(es_call *call, void *state, const char *t)
{
	return dispatch(call, state, t, ES_PHASE_PLAN);
}

static enum es_status godaddy_apply(es_call *call, void *state, const char *t)
{
	return dispatch(call, state, t, ES_PHASE_APPLY);
}

static enum es_status godaddy_verify(es_call *call, void *state, const char *t)
{
	return dispatch(call, state, t, ES_PHASE_VERIFY);
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
	size_t n = gd_n_items(c, "certificates");

	for (size_t i = 0; i < n; i++) {
		const char *cn = gd_item(c, "certificates", i);

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
	for (size_t i = 0; i < gd_n_items(c, "san"); i++) {
		const char *s = gd_item(c, "san", i),
		           *eq = s ? strchr(s, '=') : 0;

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
	const char *prod = gd_cfg(&c, "product_type");
	const char *country = gd_cfg(&c, "subject_country");
	int bad = 0;

	if (!prod)
		prod = "DV_SSL";
	if (gd_cfg(&c, "domain") && !is_hostname(gd_cfg(&c, "domain"), 0) &&
	    ++bad)
		c.h->diag->error(call, "domain", "'%s' is not a host name",
		                 gd_cfg(&c, "domain"));
	for (size_t i = 0; i < gd_n_items(&c, "records"); i++) {
		struct record rec;

		if (gd_parse_record(gd_item(&c, "records", i), &rec) && ++bad)
			c.h->diag->error(
			    call, "records",
			    "'%s' is not \"name=TYPE:target\" with "
			    "TYPE A, AAAA, CNAME or TXT",
			    gd_item(&c, "records", i));
	}
	bad += check_names(&c, prod);
	if (country &&
	    (strlen(country) != 2 || !isupper((unsigned char)country[0]) ||
	     !isupper((unsigned char)country[1])) &&
	    ++bad)
		c.h->diag->error(call, "subject_country",
		                 "give a two-letter code in capitals, e.g. US");
	if ((strstr(prod, "OV_") || strstr(prod, "EV_")) &&
	    (!gd_cfg(&c, "subject_org") || !country) && ++bad)
		c.h->diag->error(call, "subject_org",
		                 "%s needs subject_org and subject_country",
		                 prod);
	if (gd_cfg(&c, "contact_email") &&
	    !strchr(gd_cfg(&c, "contact_email"), '@') && ++bad)
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
