/*
 * newrelic: checklist 4.1, monitoring on New Relic (APM, synthetics,
 * users, Apdex and alerts).
 *
 * Reads top to bottom: schema, tasks, outputs, validate(), descriptor.
 * newrelic_api.c sets up the NerdGraph client; newrelic_users.c,
 * newrelic_alerts.c, newrelic_notify.c and newrelic_apm.c hold one
 * function per task. Every operation is in NerdGraph's schema as
 * newrelic/newrelic-client-go generates it; README.md lists them and
 * tests/conformance/schemas/newrelic.graphql is the subset they use.
 *
 * One function per task serves plan, apply, verify and the teardown
 * phases: it looks the resource up by its name; when it is not in place,
 * plan records a change, verify reports it and only apply writes.
 * Signing up for New Relic and installing its agents have no API: they
 * are a person's tasks, and applications appear (for their Apdex target)
 * only once an agent reports.
 */
#include <stdlib.h>
#include <string.h>

#include "newrelic.h"

/* ---- schema: the elements needed before start ------------------------ */

static const char *const regions[] = {"us", "eu", NULL};
static const char *const user_tiers[] = {"BASIC_USER_TIER", "CORE_USER_TIER",
                                         "FULL_USER_TIER", NULL};
static const char *const periods[] = {"EVERY_MINUTE",     "EVERY_5_MINUTES",
                                      "EVERY_10_MINUTES", "EVERY_15_MINUTES",
                                      "EVERY_30_MINUTES", "EVERY_HOUR",
                                      "EVERY_6_HOURS",    "EVERY_12_HOURS",
                                      "EVERY_DAY",        NULL};
static const char *const incident_preferences[] = {
    "PER_POLICY", "PER_CONDITION", "PER_CONDITION_AND_TARGET", NULL};

/* Names go inside NRQL and entity-search strings between single quotes. */
#define NO_QUOTES "^[^'\"\\\\]+$"

static const struct es_key newrelic_keys[] = {
    ES_KEY(.name = "api_key", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET,
           .question = "Which New Relic user do we act as? Its user API key "
                       "(NRAK-..., one.newrelic.com > API keys)",
           .example = "env:NEWRELIC_API_KEY"),
    ES_KEY(.name = "region", .type = ES_TYPE_ENUM, .default_value = "us",
           .allowed = regions,
           .question = "Is the customer's New Relic account in the US or the "
                       "EU data center?"),
    ES_KEY(.name = "api_url", .type = ES_TYPE_URL,
           .default_value = "https://api.newrelic.com/graphql",
           .question = "NerdGraph endpoint of the US region"),
    ES_KEY(.name = "eu_api_url", .type = ES_TYPE_URL,
           .default_value = "https://api.eu.newrelic.com/graphql",
           .question = "NerdGraph endpoint of the EU region, used when "
                       "region is eu"),
    ES_KEY(.name = "account_id", .type = ES_TYPE_INT,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV | ES_KEY_MIN, .min = 1,
           .question = "Which New Relic account holds this environment? Its "
                       "account id (one.newrelic.com > Administration > "
                       "Access management > Accounts)",
           .example = "1234567"),
    ES_KEY(.name = "authentication_domain", .type = ES_TYPE_STRING,
           .default_value = "Default",
           .question = "Which authentication domain do the customer's New "
                       "Relic users belong to?"),
    ES_KEY(.name = "admins", .type = ES_TYPE_LIST,
           .question = "Who are the customer's New Relic admins? (e-mail "
                       "addresses, added to admin_group as full users)",
           .example = "[ \"ops-lead@acme.example\" ]",
           .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "users", .type = ES_TYPE_LIST,
           .question = "Who else needs a New Relic login? (e-mail "
                       "addresses, added to user_group)",
           .example = "[ \"dev@acme.example\" ]", .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "admin_group", .type = ES_TYPE_STRING,
           .default_value = "Admin",
           .question = "The group of the authentication domain admins join"),
    ES_KEY(.name = "user_group", .type = ES_TYPE_STRING,
           .default_value = "User",
           .question = "The group of the authentication domain users join"),
    ES_KEY(.name = "user_type", .type = ES_TYPE_ENUM,
           .default_value = "BASIC_USER_TIER", .allowed = user_tiers,
           .question = "Which user type do the users get? (admins are full "
                       "platform users)"),
    ES_KEY(.name = "policy_name", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "Name of the environment's alert policy (default: "
                       "\"<customer> <environment>\")",
           .example = "Acme UAT", .pattern = NO_QUOTES),
    ES_KEY(.name = "incident_preference", .type = ES_TYPE_ENUM,
           .default_value = "PER_CONDITION", .allowed = incident_preferences,
           .question = "How does the policy group incidents?"),
    ES_KEY(.name = "applications", .type = ES_TYPE_LIST,
           .flags = ES_KEY_PER_ENV,
           .question = "The APM application names of this environment (the "
                       "agents' app_name, e.g. acme-uat); the conditions "
                       "watch them (unset: every application of the "
                       "account)",
           .example = "[ \"acme-uat\" ]", .pattern = NO_QUOTES),
    ES_KEY(.name = "error_rate_percent", .type = ES_TYPE_INT,
           .flags = ES_KEY_PER_ENV | ES_KEY_MIN | ES_KEY_MAX,
           .default_value = "5", .min = 0, .max = 100,
           .question = "Alert when more than this percentage of "
                       "transactions fail for 5 minutes (0: no condition)"),
    ES_KEY(.name = "throughput_min_rpm", .type = ES_TYPE_INT,
           .flags = ES_KEY_PER_ENV | ES_KEY_MIN, .default_value = "1", .min = 0,
           .question = "Alert when the applications serve fewer requests "
                       "per minute than this for 5 minutes (0: no "
                       "condition)"),
    ES_KEY(.name = "response_time_ms", .type = ES_TYPE_INT,
           .flags = ES_KEY_PER_ENV | ES_KEY_MIN, .default_value = "2000",
           .min = 0,
           .question = "Alert when the average response time stays above "
                       "this many milliseconds for 5 minutes (0: no "
                       "condition)"),
    ES_KEY(.name = "oncall_emails", .type = ES_TYPE_LIST,
           .flags = ES_KEY_PER_ENV,
           .question = "Who is on call for this environment? The alerts "
                       "go to these addresses (unset: no routing)",
           .example = "[ \"oncall@acme.example\" ]", .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "monitor_urls", .type = ES_TYPE_LIST,
           .flags = ES_KEY_PER_ENV,
           .question = "Which component URLs get a synthetics ping monitor "
                       "in this environment?",
           .example = "[ \"https://app.uat.acme.example/mnoe/health_check\" ]",
           .pattern = "^https?://[^[:space:]'\"\\\\]+$"),
    ES_KEY(.name = "monitor_period", .type = ES_TYPE_ENUM,
           .default_value = "EVERY_5_MINUTES", .allowed = periods,
           .question = "How often does each monitor ping?"),
    ES_KEY(.name = "monitor_locations", .type = ES_TYPE_LIST,
           .default_value = "[ \"AWS_US_EAST_1\", \"AWS_EU_WEST_1\" ]",
           .question = "From which public locations do the monitors ping?",
           .pattern = "^[A-Z0-9_]+$"),
    ES_KEY(.name = "apdex_target", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV, .default_value = "0.5",
           .question = "Apdex T of each application, in seconds",
           .pattern = "^[0-9]{1,3}(\\.[0-9]{1,3})?$"),
    ES_KEYS_END,
};

/* ---- tasks: the checklist items this plugin accomplishes ------------- */

static const struct es_task newrelic_tasks[] = {
    ES_TASK(.id = "sign_up", .title = "Sign up for New Relic", .section = "4.1",
            .needs = ES_LIST("account_id", "region"), .flags = ES_TASK_MANUAL,
            .question = "New Relic has no API to open an organisation: has "
                        "the customer signed up (newrelic.com/signup, in the "
                        "newrelic `region` data center), so that account "
                        "newrelic `account_id` exists, and created a user "
                        "API key for envsetup's user (the newrelic "
                        "`api_key`)?"),
    ES_TASK(.id = "verify_api_key", .title = "Check the New Relic API key",
            .section = "4.1",
            .needs = ES_LIST("api_key", "region", "account_id"),
            .run = nr_verify_api_key, .flags = ES_TASK_TEARDOWN),
    ES_TASK(.id = "users", .title = "Add the admins and users",
            .section = "4.1", .depends_on = ES_LIST("verify_api_key"),
            .needs = ES_LIST("authentication_domain", "admins", "users",
                             "admin_group", "user_group", "user_type"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN, .run = nr_users),
    ES_TASK(.id = "alert_policy", .title = "Create the alert policy",
            .section = "4.1", .depends_on = ES_LIST("verify_api_key"),
            .needs = ES_LIST("policy_name", "incident_preference"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = nr_alert_policy),
    ES_TASK(.id = "alert_conditions",
            .title = "Set the error rate, throughput and response time "
                     "conditions",
            .section = "4.1", .depends_on = ES_LIST("alert_policy"),
            .needs = ES_LIST("applications", "error_rate_percent",
                             "throughput_min_rpm", "response_time_ms"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = nr_alert_conditions),
    ES_TASK(.id = "notifications",
            .title = "Route the alerts to the on-call addresses",
            .section = "4.1", .depends_on = ES_LIST("alert_policy"),
            .needs = ES_LIST("oncall_emails"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = nr_notifications),
    ES_TASK(.id = "synthetics_monitors",
            .title = "Ping every component URL from synthetics",
            .section = "4.1", .depends_on = ES_LIST("verify_api_key"),
            .needs =
                ES_LIST("monitor_urls", "monitor_period", "monitor_locations"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = nr_synthetics_monitors),
    ES_TASK(.id = "license_key", .title = "Publish the ingest licence key",
            .section = "4.1", .depends_on = ES_LIST("verify_api_key"),
            .needs = ES_LIST("account_id"), .run = nr_license_key,
            .flags = ES_TASK_TEARDOWN),
    ES_TASK(.id = "install_agents",
            .title = "Install the APM and "
                     "infrastructure agents",
            .section = "4.1", .depends_on = ES_LIST("license_key"),
            .needs = ES_LIST("applications"), .flags = ES_TASK_MANUAL,
            .question = "New Relic's agents cannot be installed through its "
                        "API: is the platform deployed with "
                        "NEWRELIC_LICENSE_KEY (and newrelic_license_key on "
                        "the servers) set to output newrelic.license_key, "
                        "each component reporting under its application "
                        "name of the newrelic `applications` list, and the "
                        "infrastructure agent running on every server?"),
    /* After install_agents: New Relic knows an application only once
     * its agent has reported. */
    ES_TASK(.id = "apdex", .title = "Set each application's Apdex target",
            .section = "4.1",
            .depends_on = ES_LIST("verify_api_key", "install_agents"),
            .needs = ES_LIST("applications", "apdex_target"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN, .run = nr_apdex),
    ES_TASKS_END,
};

/* ---- outputs: what the platform and other plugins read --------------- */

static const struct es_output newrelic_outputs[] = {
    ES_OUTPUT(.name = "license_key", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_SECRET, .task = "license_key",
              .description = "The account's ingest licence key: the "
                             "platform's NEWRELIC_LICENSE_KEY and the "
                             "servers' newrelic_license_key"),
    ES_OUTPUT(.name = "policy_id", .type = ES_OUTPUT_STRING,
              .task = "alert_policy",
              .description = "The environment's alert policy"),
    ES_OUTPUT(.name = "monitor_guid", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_PER_ITEM, .task = "synthetics_monitors",
              .description = "The ping monitor of one component URL "
                             "(monitor_guid:URL)"),
    ES_OUTPUTS_END,
};

/* ---- validate: offline cross-checks beyond the schema ---------------- */

static enum es_status newrelic_validate(const struct es_ctx *x)
{
	const struct es_config_api *conf = x->host->config;
	const char *apdex = conf->get_string(x->call, "apdex_target");
	int bad = 0;

	if (apdex && strtod(apdex, NULL) <= 0 && ++bad)
		x->host->diag->error(x->call, "apdex_target",
		                     "apdex_target must be above 0 seconds");
	if (conf->list_size(x->call, "monitor_urls") &&
	    conf->list_size(x->call, "monitor_locations") == 0 && ++bad)
		x->host->diag->error(x->call, "monitor_locations",
		                     "monitor_urls are set but no location is "
		                     "chosen");
	return bad ? ES_INVALID_CONFIG : ES_OK;
}

/* ---- descriptor ------------------------------------------------------ */

/* NerdGraph limits a user to 25 concurrent requests (and no request
 * rate); beyond them it answers 429, or TOO_MANY_REQUESTS in a 200, both
 * retried later. */
ES_PLUGIN(newrelic, .name = "newrelic", .version = "1.0.0",
          .description = "New Relic users, alert policy and NRQL "
                         "conditions, e-mail routing, synthetics monitors, "
                         "Apdex and the licence key (checklist 4.1)",
          .keys = newrelic_keys, .tasks = newrelic_tasks,
          .outputs = newrelic_outputs, .max_concurrency = 25,
          .ops = ES_OPS(.validate = newrelic_validate))
