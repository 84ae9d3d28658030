/*
 * sparkpost: checklist 4.4, transaction e-mails on SparkPost.
 *
 * Reads top to bottom: schema, tasks, outputs, validate(), descriptor.
 * sparkpost_api.c sets up the provider client; sparkpost_domain.c,
 * sparkpost_account.c and sparkpost_templates.c hold one function per
 * task. Every call is in SparkPost's API Blueprint
 * (SparkPost/developers.sparkpost.com content/api/<name>.apib); README.md
 * lists them with the file and section.
 *
 * One function per task serves plan, apply, verify and the teardown
 * phases: it looks the resource up; when it is not in place, plan records
 * a change, verify reports it and only apply writes.
 */
#include <string.h>
#include <strings.h>

#include "sparkpost.h"

/* ---- schema: the elements needed before start ------------------------ */

static const char *const regions[] = {"us", "eu", NULL};

static const struct es_key sparkpost_keys[] = {
    ES_KEY(.name = "api_key", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET,
           .question = "Which SparkPost account do we use? Its API key "
                       "(Configuration > API Keys; grants: account, "
                       "sending domains, subaccounts, templates, "
                       "webhooks)",
           .example = "env:SPARKPOST_API_KEY"),
    ES_KEY(.name = "region", .type = ES_TYPE_ENUM, .default_value = "us",
           .allowed = regions,
           .question = "Is the SparkPost account in the US or EU region? "
                       "(separate accounts)"),
    ES_KEY(.name = "api_url", .type = ES_TYPE_URL,
           .default_value = "https://api.sparkpost.com/api/v1",
           .question = "SparkPost API base URL (US region, or an "
                       "Enterprise account's own host)"),
    ES_KEY(.name = "api_url_eu", .type = ES_TYPE_URL,
           .default_value = "https://api.eu.sparkpost.com/api/v1",
           .question = "SparkPost API base URL for the EU region, used "
                       "when region is eu and api_url keeps its default"),
    ES_KEY(.name = "domain", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV,
           .question = "Which domain sends the e-mails of this "
                       "environment?",
           .example = "mail.acme.example", .format = ES_FORMAT_HOSTNAME),
    ES_KEY(.name = "from_email", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "The From address of the templates, on the "
                       "sending domain (default: no-reply@<domain>)",
           .example = "no-reply@mail.acme.example", .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "subaccount_name", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "Does this environment send through its own "
                       "SparkPost subaccount, with its own API key? Its "
                       "name (unset: the primary account)",
           .example = "Acme UAT",
           /* subaccounts.apib: name, at most 64 characters. */
           .pattern = "^[^[:cntrl:]]{1,64}$"),
    ES_KEY(.name = "subaccount_api_key", .type = ES_TYPE_STRING,
           .flags = ES_KEY_SECRET | ES_KEY_PER_ENV,
           .question = "Only to recover a lost subaccount key: a key made "
                       "by hand for the subaccount (README: \"Rotating "
                       "the subaccount key\")",
           .example = "env:SPARKPOST_SUBACCOUNT_KEY"),
    /* A string, not an ES_TYPE_URL: URL keys are where credentials may
     * go, and the API key never goes to the customer's application. */
    ES_KEY(.name = "webhook_url", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "Where should SparkPost post deliveries, bounces "
                       "and complaints in this environment? (unset: no "
                       "webhook; SparkPost posts a test batch to it when "
                       "the webhook is created, and it must answer 200)",
           .example = "https://app.acme.example/hooks/sparkpost",
           .pattern = "^https?://[^[:space:]]+$"),
    ES_KEY(.name = "webhook_events", .type = ES_TYPE_LIST,
           .default_value = "[ \"delivery\", \"bounce\", \"spam_complaint\" ]",
           .question = "Which events go to webhook_url? (delivery, "
                       "bounce, spam_complaint, out_of_band, "
                       "policy_rejection, delay, injection, open, click, "
                       "list_unsubscribe, link_unsubscribe)",
           .pattern = "^(delivery|bounce|spam_complaint|out_of_band|"
                      "policy_rejection|delay|injection|open|click|"
                      "list_unsubscribe|link_unsubscribe)$"),
    ES_KEY(.name = "templates_dir", .type = ES_TYPE_PATH,
           .question = "Do you need customisation / branding on your "
                       "e-mails? A template directory (docs/templates.md)",
           .example = "etc/templates/platform",
           .format = ES_FORMAT_TEMPLATES_DIR),
    /* The platform's SparkPost adapter sends by these ids: a missing
     * one is an e-mail that fails, so `check` requires them. */
    ES_KEY(.name = "templates", .type = ES_TYPE_LIST,
           .default_value = "[ \"platform\" ]",
           .question = "Which templates must templates_dir hold? "
                       "(\"platform\": the platform's fourteen system "
                       "notifications)",
           .pattern = "^[a-z0-9_-]{1,64}$"),
    ES_KEYS_END,
};

/* ---- tasks: the checklist items this plugin accomplishes ------------- */

static const struct es_task sparkpost_tasks[] = {
    ES_TASK(.id = "verify_api_key", .title = "Check the SparkPost API key",
            .section = "4.4", .needs = ES_LIST("api_key", "region"),
            .run = sp_verify_api_key, .flags = ES_TASK_TEARDOWN),
    ES_TASK(.id = "sending_domain", .title = "Create the sending domain",
            .section = "4.4", .depends_on = ES_LIST("verify_api_key"),
            .needs = ES_LIST("domain"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = sp_sending_domain),
    ES_TASK(.id = "verify_sending_domain",
            .title = "Verify the sending domain's DNS", .section = "4.4",
            .depends_on = ES_LIST("sending_domain"), .needs = ES_LIST("domain"),
            .flags = ES_TASK_LONG_RUNNING | ES_TASK_TEARDOWN, .timeout_s = 3600,
            .run = sp_verify_sending_domain),
    ES_TASK(.id = "subaccount",
            .title = "Create the subaccount and its API key", .section = "4.4",
            .depends_on = ES_LIST("verify_api_key"),
            .needs = ES_LIST("subaccount_name", "subaccount_api_key"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN, .run = sp_subaccount),
    ES_TASK(.id = "configure_webhook",
            .title = "Send deliveries, bounces and complaints to the "
                     "platform",
            .section = "4.4", .depends_on = ES_LIST("verify_api_key"),
            .needs = ES_LIST("webhook_url", "webhook_events"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = sp_configure_webhook),
    ES_TASK(.id = "upload_templates",
            .title = "Create, update and publish the templates",
            .section = "4.4",
            /* templates.apib: the From domain must be verified. */
            .depends_on = ES_LIST("verify_sending_domain"),
            .needs = ES_LIST("templates_dir", "templates", "from_email"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = sp_upload_templates),
    ES_TASKS_END,
};

/* ---- outputs: what the platform and other plugins read --------------- */

static const struct es_output sparkpost_outputs[] = {
    ES_OUTPUT(.name = "dns_records", .type = ES_OUTPUT_RECORDS,
              .task = "sending_domain",
              .description = "The DKIM TXT and bounce CNAME records the "
                             "sending domain needs in the customer's DNS"),
    ES_OUTPUT(.name = "smtp_host", .type = ES_OUTPUT_STRING,
              .task = "sending_domain",
              .description = "SparkPost's SMTP server for the region "
                             "(port 587, user SMTP_Injection, an API key "
                             "as password)"),
    ES_OUTPUT(.name = "domain_state", .type = ES_OUTPUT_STRING,
              .task = "verify_sending_domain",
              .description = "SparkPost's verdict on the domain (verified, "
                             "or which records it still misses)"),
    ES_OUTPUT(.name = "subaccount_id", .type = ES_OUTPUT_STRING,
              .task = "subaccount",
              .description = "The subaccount the platform sends through "
                             "(X-MSYS-SUBACCOUNT)"),
    ES_OUTPUT(.name = "subaccount_api_key", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_SECRET, .task = "subaccount",
              .description = "The subaccount's own API key, shown by "
                             "SparkPost once, when the subaccount is "
                             "created"),
    ES_OUTPUT(.name = "webhook_id", .type = ES_OUTPUT_STRING,
              .task = "configure_webhook",
              .description = "The id of the webhook posting to "
                             "webhook_url"),
    ES_OUTPUTS_END,
};

/* ---- validate: offline cross-checks beyond the schema ---------------- */

static enum es_status sparkpost_validate(const struct es_ctx *x)
{
	const struct es_config_api *conf = x->host->config;
	const char *domain = conf->get_string(x->call, "domain");
	const char *from = conf->get_string(x->call, "from_email");
	const char *at = from ? strrchr(from, '@') : NULL;
	int bad = 0;

	if (conf->get_string(x->call, "webhook_url") &&
	    conf->list_size(x->call, "webhook_events") == 0 && ++bad)
		x->host->diag->error(
		    x->call, "webhook_events",
		    "webhook_url is set but no event is chosen");
	if (conf->is_explicit(x->call, "subaccount_api_key") &&
	    !conf->get_string(x->call, "subaccount_name") && ++bad)
		x->host->diag->error(x->call, "subaccount_api_key",
		                     "subaccount_api_key is set but "
		                     "subaccount_name is not");
	/* templates.apib: "The domain must be a verified sending domain". */
	if (at && domain && strcasecmp(at + 1, domain) != 0 && ++bad)
		x->host->diag->error(x->call, "from_email",
		                     "%s is not on the sending domain %s", from,
		                     domain);
	return bad ? ES_INVALID_CONFIG : ES_OK;
}

/* ---- descriptor ------------------------------------------------------ */

/* SparkPost's limits are dynamic per endpoint (index.apib "Rate
 * Limiting"); its 429 is retried by the core and the client. */
ES_PLUGIN(sparkpost, .name = "sparkpost", .version = "2.0.0",
          .description = "SparkPost sending domain, DNS records, "
                         "subaccount with its own key, event webhook and "
                         "templates (checklist 4.4)",
          .keys = sparkpost_keys, .tasks = sparkpost_tasks,
          .outputs = sparkpost_outputs,
          .ops = ES_OPS(.validate = sparkpost_validate))
