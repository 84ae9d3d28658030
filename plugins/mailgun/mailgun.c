/*
 * mailgun: checklist 4.4, transaction e-mails on Mailgun.
 *
 * The worked example for plugin authors (docs/plugin-abi.md). This file
 * reads top to bottom: schema, tasks, validate(), the descriptor.
 * mailgun_api.c sets up the provider client, mailgun_domain.c and
 * mailgun_templates.c hold one function per task. Every call is in Mailgun's
 * OpenAPI spec (mailgun/mailgun-mcp-server src/openapi.yaml); README.md
 * lists them.
 *
 * One function per task serves plan, apply and verify alike: it looks the
 * resource up, and when something is not in place, plan records a change,
 * verify reports it and only apply writes. So the three cannot drift apart.
 */
#include <string.h>

#include "mailgun.h"

#define US_API_URL "https://api.mailgun.net"

/* ---- schema: the elements needed before start ------------------------ */

static const char *const regions[] = {"us", "eu", NULL};
static const char *const dkim_sizes[] = {"1024", "2048", NULL};

static const struct es_key mailgun_keys[] = {
    ES_KEY(.name = "api_key", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET,
           .question = "Which Mailgun account do we use? Its private API "
                       "key (Account settings > API keys)",
           .example = "env:MAILGUN_API_KEY"),
    ES_KEY(.name = "region", .type = ES_TYPE_ENUM, .default_value = "us",
           .allowed = regions,
           .question = "Is the Mailgun account in the US or EU region?"),
    ES_KEY(.name = "api_url", .type = ES_TYPE_URL, .default_value = US_API_URL,
           .question = "Mailgun API base URL (US region)"),
    ES_KEY(.name = "api_url_eu", .type = ES_TYPE_URL,
           .default_value = "https://api.eu.mailgun.net",
           .question = "Mailgun API base URL for the EU region, used when "
                       "region is eu and api_url keeps its default"),
    ES_KEY(.name = "domain", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV,
           .question = "Which domain sends the e-mails of this "
                       "environment?",
           .example = "mail.acme.example", .format = ES_FORMAT_HOSTNAME),
    ES_KEY(.name = "webhook_url", .type = ES_TYPE_URL, .flags = ES_KEY_PER_ENV,
           .question = "Where should Mailgun post e-mail events in this "
                       "environment? (unset: no webhooks)",
           .example = "https://app.acme.example/hooks/mailgun"),
    ES_KEY(.name = "webhook_events", .type = ES_TYPE_LIST,
           .default_value =
               "[ \"delivered\", \"permanent_fail\", \"complained\" ]",
           .question = "Which events go to webhook_url? (accepted, "
                       "clicked, opened, unsubscribed, delivered, "
                       "permanent_fail, temporary_fail, complained)",
           /* The `id` values POST /v3/domains/{domain}/webhooks takes. */
           .pattern = "^(accepted|clicked|opened|unsubscribed|delivered|"
                      "permanent_fail|temporary_fail|complained)$"),
    ES_KEY(.name = "templates_dir", .type = ES_TYPE_PATH,
           .question = "Do you need customisation / branding on your "
                       "e-mails? A template directory (docs/templates.md)",
           .example = "etc/templates/acme", .format = ES_FORMAT_TEMPLATES_DIR),
    /* No default: the platform sends through Mailgun by SMTP and names
     * no Mailgun template, so none is required unless listed. */
    ES_KEY(.name = "templates", .type = ES_TYPE_LIST,
           .question = "Which templates must templates_dir hold? "
                       "(\"platform\": the platform's fourteen system "
                       "notifications)",
           .example = "[ \"platform\" ]", .pattern = "^[a-z0-9_-]{1,64}$"),
    ES_KEY(.name = "smtp_login", .type = ES_TYPE_STRING,
           .default_value = "postmaster",
           .question = "SMTP login the platform sends with (before "
                       "@domain)",
           .pattern = "^[^@[:space:]/]+$"),
    ES_KEY(.name = "admins", .type = ES_TYPE_LIST,
           .question = "Who are the customer's Mailgun admins to invite? "
                       "(e-mail addresses)",
           .example = "[ \"ops-lead@acme.example\" ]",
           .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "dkim_key_size", .type = ES_TYPE_ENUM,
           .default_value = "2048", .allowed = dkim_sizes,
           .question = "DKIM key size of the new sending domain (bits)"),
    ES_KEYS_END,
};

/* ---- tasks: the checklist items this plugin accomplishes ------------- */

static const struct es_task mailgun_tasks[] = {
    ES_TASK(.id = "verify_api_key", .title = "Check the Mailgun API key",
            .section = "4.4", .needs = ES_LIST("api_key", "region"),
            .run = mg_verify_api_key, .flags = ES_TASK_TEARDOWN),
    ES_TASK(.id = "create_domain", .title = "Create the sending domain",
            .section = "4.4", .depends_on = ES_LIST("verify_api_key"),
            .needs = ES_LIST("domain", "dkim_key_size"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = mg_create_domain),
    ES_TASK(.id = "verify_domain", .title = "Verify the domain's DNS",
            .section = "4.4", .depends_on = ES_LIST("create_domain"),
            .needs = ES_LIST("domain"),
            .flags = ES_TASK_LONG_RUNNING | ES_TASK_TEARDOWN, .timeout_s = 3600,
            .run = mg_verify_domain),
    ES_TASK(.id = "configure_webhooks", .title = "Configure the webhooks",
            .section = "4.4", .depends_on = ES_LIST("create_domain"),
            .needs = ES_LIST("domain", "webhook_url", "webhook_events"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = mg_configure_webhooks),
    ES_TASK(.id = "upload_templates", .title = "Upload the templates",
            .section = "4.4", .depends_on = ES_LIST("create_domain"),
            .needs = ES_LIST("domain", "templates_dir", "templates"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = mg_upload_templates),
    ES_TASK(.id = "smtp_credentials", .title = "Create the SMTP login",
            .section = "4.4", .depends_on = ES_LIST("create_domain"),
            .needs = ES_LIST("domain", "smtp_login"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = mg_smtp_credentials),
    ES_TASK(.id = "invite_admins", .title = "Invite the Mailgun admins",
            .section = "4.4", .depends_on = ES_LIST("verify_api_key"),
            .needs = ES_LIST("admins"), .flags = ES_TASK_MANUAL,
            .question = "Mailgun's API cannot invite users: invite each "
                        "address of the mailgun `admins` list as Admin in "
                        "the Mailgun control panel (Account settings > "
                        "Users > Invite new user). Are they all invited?"),
    ES_TASKS_END,
};

/* ---- outputs: what the platform and other plugins read --------------- */

static const struct es_output mailgun_outputs[] = {
    ES_OUTPUT(.name = "dns_records", .type = ES_OUTPUT_RECORDS,
              .task = "create_domain",
              .description = "The SPF, DKIM, MX and tracking records the "
                             "sending domain needs in the customer's DNS"),
    ES_OUTPUT(.name = "smtp_host", .type = ES_OUTPUT_STRING,
              .task = "create_domain",
              .description = "Mailgun's SMTP server for the account's "
                             "region"),
    ES_OUTPUT(.name = "domain_state", .type = ES_OUTPUT_STRING,
              .task = "verify_domain",
              .description = "Mailgun's verdict on the domain's DNS "
                             "(active once verified)"),
    ES_OUTPUT(.name = "smtp_login", .type = ES_OUTPUT_STRING,
              .task = "smtp_credentials",
              .description = "The SMTP login the platform sends with"),
    ES_OUTPUT(.name = "smtp_password", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_SECRET, .task = "smtp_credentials",
              .description = "Its generated password"),
    ES_OUTPUTS_END,
};

/* ---- validate: offline cross-checks beyond the schema ---------------- */

static enum es_status mailgun_validate(const struct es_ctx *x)
{
	const struct es_config_api *conf = x->host->config;
	int bad = 0;

	if (conf->get_string(x->call, "webhook_url") &&
	    conf->list_size(x->call, "webhook_events") == 0 && ++bad)
		x->host->diag->error(
		    x->call, "webhook_events",
		    "webhook_url is set but no event is chosen");
	return bad ? ES_INVALID_CONFIG : ES_OK;
}

/* ---- descriptor ------------------------------------------------------ */

/* No rate limit is documented for these calls: Mailgun answers 429 with
 * Retry-After, which the core honours. */
ES_PLUGIN(mailgun, .name = "mailgun", .version = "2.0.0",
          .description = "Mailgun sending domain, DNS records, webhooks, "
                         "templates and SMTP login (checklist 4.4)",
          .keys = mailgun_keys, .tasks = mailgun_tasks,
          .outputs = mailgun_outputs,
          .ops = ES_OPS(.validate = mailgun_validate))
