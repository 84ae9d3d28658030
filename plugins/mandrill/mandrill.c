/*
 * mandrill: checklist 4.4, transaction e-mails on Mandrill (Mailchimp
 * Transactional).
 *
 * Reads top to bottom: schema, tasks, outputs, validate(), descriptor.
 * mandrill_api.c sets up the provider client; mandrill_domain.c,
 * mandrill_account.c and mandrill_templates.c hold one function per task.
 * Every call is in Mandrill's OpenAPI description
 * (mailchimp/mailchimp-client-lib-codegen spec/transactional.openapi.json);
 * README.md lists them.
 *
 * One function per task serves plan, apply, verify and the teardown
 * phases: it looks the resource up; when it is not in place, plan records
 * a change, verify reports it and only apply writes.
 */
#include <string.h>

#include "mandrill.h"

/* ---- schema: the elements needed before start ------------------------ */

static const char *const dmarc_policies[] = {"none", "quarantine", "reject",
                                             NULL};

static const struct es_key mandrill_keys[] = {
    ES_KEY(.name = "api_key", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET,
           .question = "Which Mandrill account do we use? Its API key "
                       "(Mailchimp Transactional > Settings > API keys)",
           .example = "env:MANDRILL_API_KEY"),
    ES_KEY(.name = "api_url", .type = ES_TYPE_URL,
           .default_value = "https://mandrillapp.com/api/1.0",
           .question = "Mandrill API base URL"),
    ES_KEY(.name = "domain", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV,
           .question = "Which domain sends the e-mails of this "
                       "environment?",
           .example = "mail.acme.example", .format = ES_FORMAT_HOSTNAME),
    ES_KEY(.name = "dmarc_policy", .type = ES_TYPE_ENUM,
           .default_value = "none", .allowed = dmarc_policies,
           .question = "DMARC policy published for the sending domain "
                       "(p=)"),
    ES_KEY(.name = "subaccount_id", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "Does this environment send through its own "
                       "Mandrill subaccount? Its id (unset: the main "
                       "account)",
           .example = "acme-uat",
           /* subaccounts/add: id, at most 255 characters. */
           .pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$"),
    ES_KEY(.name = "subaccount_name", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "Display name of the subaccount (default: its id)",
           .example = "Acme UAT"),
    /* A string, not an ES_TYPE_URL: URL keys are where credentials may
     * go, and the key never goes to the customer's application. */
    ES_KEY(.name = "webhook_url", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "Where should Mandrill post bounces and "
                       "complaints in this environment? (unset: no "
                       "webhook)",
           .example = "https://app.acme.example/hooks/mandrill",
           .pattern = "^https?://[^[:space:]]+$"),
    ES_KEY(.name = "webhook_events", .type = ES_TYPE_LIST,
           .default_value =
               "[ \"hard_bounce\", \"soft_bounce\", \"spam\", \"reject\" ]",
           .question = "Which events go to webhook_url? (send, deferral, "
                       "hard_bounce, soft_bounce, open, click, spam, "
                       "unsub, reject)",
           .pattern = "^(send|deferral|hard_bounce|soft_bounce|open|click|"
                      "spam|unsub|reject)$"),
    ES_KEY(.name = "templates_dir", .type = ES_TYPE_PATH,
           .question = "Do you need customisation / branding on your "
                       "e-mails? A template directory (docs/templates.md)",
           .example = "etc/templates/platform",
           .format = ES_FORMAT_TEMPLATES_DIR),
    /* The platform's Mandrill adapter sends by these slugs: a missing
     * one is an e-mail that fails, so `check` requires them. */
    ES_KEY(.name = "templates", .type = ES_TYPE_LIST,
           .default_value = "[ \"platform\" ]",
           .question = "Which templates must templates_dir hold? "
                       "(\"platform\": the platform's fourteen system "
                       "notifications)",
           .pattern = "^[a-z0-9_-]{1,64}$"),
    ES_KEY(.name = "admins", .type = ES_TYPE_LIST,
           .question = "Who are the customer's Mandrill admins to invite? "
                       "(e-mail addresses)",
           .example = "[ \"ops-lead@acme.example\" ]",
           .format = ES_FORMAT_EMAIL),
    ES_KEYS_END,
};

/* ---- tasks: the checklist items this plugin accomplishes ------------- */

static const struct es_task mandrill_tasks[] = {
    ES_TASK(.id = "verify_api_key", .title = "Check the Mandrill API key",
            .section = "4.4", .needs = ES_LIST("api_key"),
            .run = md_verify_api_key, .flags = ES_TASK_TEARDOWN),
    ES_TASK(.id = "add_sender_domain", .title = "Add the sender domain",
            .section = "4.4", .depends_on = ES_LIST("verify_api_key"),
            .needs = ES_LIST("domain", "dmarc_policy"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = md_add_sender_domain),
    ES_TASK(.id = "verify_sender_domain",
            .title = "Verify the sender domain's DNS", .section = "4.4",
            .depends_on = ES_LIST("add_sender_domain"),
            .needs = ES_LIST("domain"),
            .flags = ES_TASK_LONG_RUNNING | ES_TASK_TEARDOWN, .timeout_s = 3600,
            .run = md_verify_sender_domain),
    ES_TASK(.id = "subaccount", .title = "Create the subaccount",
            .section = "4.4", .depends_on = ES_LIST("verify_api_key"),
            .needs = ES_LIST("subaccount_id"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN, .run = md_subaccount),
    ES_TASK(.id = "configure_webhook",
            .title = "Send bounces and complaints to the platform",
            .section = "4.4", .depends_on = ES_LIST("verify_api_key"),
            .needs = ES_LIST("webhook_url", "webhook_events"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = md_configure_webhook),
    ES_TASK(.id = "upload_templates",
            .title = "Add, update and publish the templates", .section = "4.4",
            .depends_on = ES_LIST("verify_api_key"),
            .needs = ES_LIST("templates_dir", "templates"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = md_upload_templates),
    ES_TASK(.id = "invite_admins", .title = "Invite the Mandrill admins",
            .section = "4.4", .depends_on = ES_LIST("verify_api_key"),
            .needs = ES_LIST("admins"), .flags = ES_TASK_MANUAL,
            .question = "Mandrill's API cannot invite users (they are "
                        "Mailchimp users): invite each address of the "
                        "mandrill `admins` list as Admin in Mailchimp "
                        "(Account > Settings > Users > Invite a user). "
                        "Are they all invited?"),
    ES_TASKS_END,
};

/* ---- outputs: what the platform and other plugins read --------------- */

static const struct es_output mandrill_outputs[] = {
    ES_OUTPUT(.name = "dns_records", .type = ES_OUTPUT_RECORDS,
              .task = "add_sender_domain",
              .description = "The ownership TXT, SPF, DKIM and DMARC "
                             "records the sending domain needs in the "
                             "customer's DNS"),
    ES_OUTPUT(.name = "smtp_host", .type = ES_OUTPUT_STRING,
              .task = "add_sender_domain",
              .description = "Mandrill's SMTP server (port 587, the API "
                             "key as password)"),
    ES_OUTPUT(.name = "domain_state", .type = ES_OUTPUT_STRING,
              .task = "verify_sender_domain",
              .description = "Mandrill's verdict on the domain (verified, "
                             "or which records it still misses)"),
    ES_OUTPUT(.name = "subaccount_id", .type = ES_OUTPUT_STRING,
              .task = "subaccount",
              .description = "The subaccount the platform sends through "
                             "(X-MC-Subaccount)"),
    ES_OUTPUT(.name = "webhook_auth_key", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_SECRET, .task = "configure_webhook",
              .description = "The key Mandrill signs its webhook posts "
                             "with (X-Mandrill-Signature)"),
    ES_OUTPUTS_END,
};

/* ---- validate: offline cross-checks beyond the schema ---------------- */

static enum es_status mandrill_validate(const struct es_ctx *x)
{
	const struct es_config_api *conf = x->host->config;
	const char *name = conf->get_string(x->call, "subaccount_name");
	int bad = 0;

	if (conf->get_string(x->call, "webhook_url") &&
	    conf->list_size(x->call, "webhook_events") == 0 && ++bad)
		x->host->diag->error(
		    x->call, "webhook_events",
		    "webhook_url is set but no event is chosen");
	if (name && !conf->get_string(x->call, "subaccount_id") && ++bad)
		x->host->diag->error(x->call, "subaccount_name",
		                     "subaccount_name is set but "
		                     "subaccount_id is not");
	return bad ? ES_INVALID_CONFIG : ES_OK;
}

/* ---- descriptor ------------------------------------------------------ */

/* No general per-call limit is published; Mandrill answers 429
 * RequestLimitExceeded, which the core and the read hook retry. */
ES_PLUGIN(mandrill, .name = "mandrill", .version = "2.0.0",
          .description = "Mandrill sender domain, DNS records, subaccount, "
                         "bounce webhook and templates (checklist 4.4)",
          .keys = mandrill_keys, .tasks = mandrill_tasks,
          .outputs = mandrill_outputs,
          .ops = ES_OPS(.validate = mandrill_validate))
