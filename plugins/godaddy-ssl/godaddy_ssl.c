/*
 * godaddy-ssl: checklist 1, the URLs and SSL certificates of UAT and
 * production, through GoDaddy's Domains and Certificates APIs.
 *
 * This file reads like plugins/mailgun: schema, tasks, validate(), the
 * descriptor; godaddy_api.c sets up the provider client and the other
 * files hold one function per task (godaddy_ssl.h lays them out). One
 * function per task serves plan, apply and verify: it looks the resource
 * up, and when something is not in place, plan records a change, verify
 * reports it and only apply writes.
 * The private key and CSR are made locally (csr.c); the key never leaves
 * its 0600 file. Every call is in GoDaddy's own specs (README.md lists
 * them): shared/specs/godaddy-certificates-openapi.yaml and
 * godaddy-domains-swagger.json.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <string.h>

#include "godaddy_ssl.h"

#define MAX_CERTS 32

/* A DNS label, and a host name that may start with "*." (a wildcard
 * common name, which ES_FORMAT_HOSTNAME refuses by design). */
#define LABEL "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
#define WILDCARD_HOST "(\\*\\.)?(" LABEL "\\.)+" LABEL

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
           .example = "295e3bc3-b3b9-4d95-aae5-ede41a994d13",
           .format = ES_FORMAT_GUID),
    ES_KEY(.name = "domain", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV,
           .question = "Which domain do the URLs and certificates belong "
                       "to (registered at GoDaddy or elsewhere)?",
           .example = "acme.example", .format = ES_FORMAT_HOSTNAME),
    ES_KEY(.name = "dns_at_godaddy", .type = ES_TYPE_BOOL,
           .default_value = "true",
           .question = "Is the domain's DNS hosted at GoDaddy (so "
                       "envsetup may write its records)?"),
    ES_KEY(.name = "records", .type = ES_TYPE_LIST, .flags = ES_KEY_PER_ENV,
           .question = "Which URLs do the components use? Records "
                       "\"name=TYPE:target\" (A, AAAA, CNAME, TXT), name "
                       "relative to domain",
           .example = "[ \"app.uat=CNAME:lb-uat.example.net\" ]",
           /* What gd_parse_record() reads, its lengths included: the name
            * becomes a URL path segment. */
           .pattern = "^[^=/?#% ]{1,127}=([Aa]|[Aa]{4}|[Cc][Nn][Aa][Mm][Ee]|"
                      "[Tt][Xx][Tt]):.{1,511}$"),
    ES_KEY(.name = "publish_records", .type = ES_TYPE_RECORDS,
           .flags = ES_KEY_PER_ENV,
           .question = "Which other DNS records go in the domain's zone? "
                       "Often another plugin's output, such as "
                       "\"${mailgun.dns_records}\"; names fully qualified "
                       "in the domain or relative to it",
           .example = "\"${mailgun.dns_records}\""),
    ES_KEY(.name = "ttl", .type = ES_TYPE_INT, .default_value = "600",
           .flags = ES_KEY_MIN | ES_KEY_MAX, .min = 600, .max = 604800,
           .question = "TTL of those records, in seconds (GoDaddy's "
                       "minimum is 600)"),
    ES_KEY(.name = "certificates", .type = ES_TYPE_LIST,
           .flags = ES_KEY_PER_ENV,
           .question = "Which SSL certificates does this environment need? "
                       "Their common names",
           .example = "[ \"app.uat.acme.example\" ]",
           .pattern = "^" WILDCARD_HOST "$"),
    ES_KEY(.name = "san", .type = ES_TYPE_LIST, .flags = ES_KEY_PER_ENV,
           .question = "Extra names (subject alternative names): \"name\" "
                       "for the first certificate or \"cn=name\"",
           .example = "[ \"api.uat.acme.example\" ]",
           .pattern = "^([^=]+=)?" WILDCARD_HOST "$"),
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
           .example = "US", .pattern = "^[A-Z]{2}$"),
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
           .question = "Certificate requester: e-mail address",
           .format = ES_FORMAT_EMAIL),
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
            .needs = ES_LIST("domain", "records", "publish_records", "ttl",
                             "dns_at_godaddy"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = gd_dns_records),
    ES_TASK(.id = "certificate_key", .title = "Make the private keys and CSRs",
            .section = "1",
            .needs = ES_LIST("certificates", "san", "key_type", "secrets_dir"),
            .run = gd_certificate_key, .flags = ES_TASK_TEARDOWN),
    ES_TASK(.id = "order_certificate", .title = "Order the certificates",
            .section = "1", .depends_on = ES_LIST("certificate_key"),
            .needs =
                ES_LIST("certificates", "product_type", "period", "customer_id",
                        "contact_first_name", "contact_last_name",
                        "contact_email", "contact_phone"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = gd_order_certificate),
    ES_TASK(.id = "validate_domain", .title = "Prove control of the domain",
            .section = "1", .depends_on = ES_LIST("order_certificate"),
            .needs = ES_LIST("domain", "dns_at_godaddy", "customer_id"),
            .flags = ES_TASK_MUTATING | ES_TASK_LONG_RUNNING | ES_TASK_TEARDOWN,
            .timeout_s = 86400, .run = gd_validate_domain),
    ES_TASK(.id = "wait_issued", .title = "Wait for issuance", .section = "1",
            .depends_on = ES_LIST("validate_domain"),
            .needs = ES_LIST("certificates"),
            .flags = ES_TASK_LONG_RUNNING | ES_TASK_TEARDOWN,
            .timeout_s = 172800, .run = gd_wait_issued),
    ES_TASK(.id = "download_certificate",
            .title = "Install (and renew) the certificates", .section = "1",
            .depends_on = ES_LIST("wait_issued"),
            .needs = ES_LIST("certificates", "renewal_window", "secrets_dir"),
            .flags = ES_TASK_MUTATING | ES_TASK_LONG_RUNNING | ES_TASK_TEARDOWN,
            .timeout_s = 172800, .run = gd_download_certificate),
    ES_TASKS_END,
};

/* ---- outputs: what the platform, people and other plugins read ------ */

static const struct es_output godaddy_outputs[] = {
    ES_OUTPUT(.name = "dns_records", .type = ES_OUTPUT_RECORDS,
              .task = "dns_records",
              .description = "The records of records and publish_records: "
                             "what is published (or, DNS hosted elsewhere, "
                             "what a person publishes)"),
    ES_OUTPUT(.name = "key_path", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_PER_ITEM, .task = "certificate_key",
              .description = "Per certificate: the private key's file "
                             "(0600, never read by envsetup again)"),
    ES_OUTPUT(.name = "csr", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_PER_ITEM, .task = "certificate_key",
              .description = "Per certificate: the CSR in PEM"),
    ES_OUTPUT(.name = "certificate_id", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_PER_ITEM, .task = "order_certificate",
              .description = "Per certificate: GoDaddy's certificate id"),
    ES_OUTPUT(.name = "status", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_PER_ITEM, .task = "wait_issued",
              .description = "Per certificate: the order's status at "
                             "GoDaddy"),
    ES_OUTPUT(.name = "certificate_path", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_PER_ITEM, .task = "download_certificate",
              .description = "Per certificate: the installed chain's file"),
    ES_OUTPUT(.name = "expires_at", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_PER_ITEM, .task = "download_certificate",
              .description = "Per certificate: when it expires (ISO 8601)"),
    ES_OUTPUTS_END,
};

/* ---- validate: offline cross-field rules beyond the schema ---------- */

static int is_ov_or_ev(const char *product)
{
	return strstr(product, "OV_") || strstr(product, "EV_");
}

static enum es_status godaddy_validate(const struct es_ctx *x)
{
	const struct es_config_api *conf = x->host->config;
	const char *prod = conf->get_string(x->call, "product_type");
	size_t n = conf->list_size(x->call, "certificates");
	int bad = 0, wildcard_product;

	if (!prod)
		prod = "DV_SSL";
	wildcard_product = strstr(prod, "WILDCARD") != NULL;
	for (size_t i = 0; i < n; i++) {
		const char *cn = conf->list_item(x->call, "certificates", i);

		if (cn && (strncmp(cn, "*.", 2) == 0) != wildcard_product &&
		    ++bad)
			x->host->diag->error(
			    x->call, "product_type",
			    "%s: *.names need a WILDCARD product "
			    "and a WILDCARD product needs a *.name",
			    cn);
	}
	/* A list's length is no schema rule (yet). */
	if (n > MAX_CERTS && ++bad)
		x->host->diag->error(x->call, "certificates", "at most %d",
		                     MAX_CERTS);
	if (is_ov_or_ev(prod) &&
	    (!conf->get_string(x->call, "subject_org") ||
	     !conf->get_string(x->call, "subject_country")) &&
	    ++bad)
		x->host->diag->error(x->call, "subject_org",
		                     "%s needs subject_org and subject_country",
		                     prod);
	return bad ? ES_INVALID_CONFIG : ES_OK;
}

/* ---- descriptor ------------------------------------------------------ */

/* GoDaddy API terms: 60 requests per minute per endpoint. */
ES_PLUGIN(godaddy_ssl, .name = "godaddy-ssl", .version = "2.0.0",
          .description = "URLs (DNS records) and SSL certificates for UAT and "
                         "production on GoDaddy (checklist 1)",
          .keys = godaddy_keys, .tasks = godaddy_tasks,
          .outputs = godaddy_outputs,
          .ops = ES_OPS(.validate = godaddy_validate), .rate_limit_per_min = 60)
