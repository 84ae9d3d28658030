/*
 * sumologic: checklist 4.2, log drains, collectors and alerts on Sumo
 * Logic.
 *
 * This file reads top to bottom: schema, tasks, outputs, validate(), the
 * descriptor. sumologic_api.c sets up the client for the customer's
 * deployment; sumologic_access.c, sumologic_collector.c and
 * sumologic_monitors.c hold one function per task. Users, roles and
 * monitors are in Sumo Logic's OpenAPI description (sumologic-api.yaml);
 * collectors and sources are the Collector Management API, which that
 * description leaves out. README.md lists every call with its reference.
 *
 * One function per task serves plan, apply, verify and teardown: it looks
 * the resource up, and when something is not in place plan records a
 * change, verify reports it and only apply writes. Teardown removes only
 * what es_claim() recorded that envsetup made.
 */
#include <strings.h>

#include "sumologic.h"

/* ---- schema: the elements needed before start ------------------------ */

/* The deployments of the OpenAPI description's `servers`; each has its
 * own URL key, so that every URL stays configurable and the core sends
 * the credentials only to the origin of a URL key. */
static const char *const deployments[] = {"us1", "us2", "eu", "au",  "de",
                                          "jp",  "ca",  "in", "fed", NULL};

#define DEPLOYMENT_URL(dep, host)                                              \
	ES_KEY(.name = "api_url_" dep, .type = ES_TYPE_URL,                    \
	       .default_value = "https://" host "/api",                        \
	       .question = "Sumo Logic API base URL of the " dep " "           \
	                   "deployment, used when deployment is " dep " and "  \
	                   "api_url keeps its default")

static const char *const alert_windows[] = {"5m", "15m", "30m", "1h", NULL};

static const struct es_key sumologic_keys[] = {
    ES_KEY(.name = "access_id", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET,
           .question = "Which Sumo Logic account do we use? The access "
                       "id of an access key with the Administrator role "
                       "(Preferences > Personal Access Keys)",
           .example = "env:SUMOLOGIC_ACCESS_ID"),
    ES_KEY(.name = "access_key", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET,
           .question = "The access key that goes with access_id",
           .example = "env:SUMOLOGIC_ACCESS_KEY"),
    ES_KEY(.name = "deployment", .type = ES_TYPE_ENUM, .default_value = "us1",
           .allowed = deployments,
           .question = "Which Sumo Logic deployment holds the account? "
                       "(the pod in its service URL: service.us2."
                       "sumologic.com is us2, service.sumologic.com us1)"),
    ES_KEY(.name = "api_url", .type = ES_TYPE_URL,
           .default_value = "https://api.sumologic.com/api",
           .question = "Sumo Logic API base URL (the us1 deployment)"),
    DEPLOYMENT_URL("us2", "api.us2.sumologic.com"),
    DEPLOYMENT_URL("eu", "api.eu.sumologic.com"),
    DEPLOYMENT_URL("au", "api.au.sumologic.com"),
    DEPLOYMENT_URL("de", "api.de.sumologic.com"),
    DEPLOYMENT_URL("jp", "api.jp.sumologic.com"),
    DEPLOYMENT_URL("ca", "api.ca.sumologic.com"),
    DEPLOYMENT_URL("in", "api.in.sumologic.com"),
    DEPLOYMENT_URL("fed", "api.fed.sumologic.com"),
    ES_KEY(.name = "admin_role", .type = ES_TYPE_STRING,
           .default_value = "Administrator",
           .question = "Which role do the customer's Sumo Logic admins get? "
                       "(made when the account has none of that name)",
           .pattern = "^[^[:cntrl:]]{1,255}$"),
    ES_KEY(.name = "user_role", .type = ES_TYPE_STRING,
           .default_value = "Analyst",
           .question = "Which role do the other users get? (made when the "
                       "account has none of that name)",
           .pattern = "^[^[:cntrl:]]{1,255}$"),
    ES_KEY(.name = "admins", .type = ES_TYPE_LIST,
           .question = "Who are the customer's Sumo Logic admins? "
                       "(e-mails)",
           .example = "[ \"ops-lead@acme.example\" ]",
           .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "users", .type = ES_TYPE_LIST,
           .question = "Who else at the customer reads the logs? (e-mails)",
           .example = "[ \"dev@acme.example\" ]", .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "sso_managed", .type = ES_TYPE_BOOL,
           .default_value = "false",
           .question = "Are the account's users provisioned by the "
                       "customer's SAML identity provider? (then envsetup "
                       "creates none and asks for them)"),
    ES_KEY(.name = "collector_name", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "Name of the environment's hosted collector "
                       "(default: <customer>-<environment>)",
           .example = "acme-prod",
           /* Collector names: no ';', '/', '%' or '\' (Collector API),
            * and a category prefix, so no spaces either. */
           .pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"),
    ES_KEY(.name = "components", .type = ES_TYPE_LIST, .flags = ES_KEY_REQUIRED,
           .question = "Which of the platform's components drain their logs "
                       "to Sumo Logic? (one HTTP source each)",
           .example = "[ \"app\", \"api\" ]",
           .pattern = "^[a-z][a-z0-9-]{0,62}$"),
    ES_KEY(.name = "alert_emails", .type = ES_TYPE_LIST,
           .question = "Who receives the log alerts? (e-mails, the "
                       "customer's on-call addresses; unset: no monitors)",
           .example = "[ \"oncall@acme.example\" ]", .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "alert_query", .type = ES_TYPE_STRING,
           .default_value = "error OR exception",
           .question = "Which log lines count towards an alert? (a Sumo "
                       "search expression, run on each component's "
                       "source category)",
           .pattern = "^[^[:cntrl:]]{1,1000}$"),
    ES_KEY(.name = "alert_threshold", .type = ES_TYPE_INT,
           .default_value = "10", .flags = ES_KEY_MIN | ES_KEY_MAX, .min = 1,
           .max = 1000000,
           .question = "How many matching lines within alert_window raise "
                       "the alert?"),
    ES_KEY(.name = "alert_window", .type = ES_TYPE_ENUM, .default_value = "15m",
           .allowed = alert_windows,
           .question = "Over which window are the lines counted?"),
    ES_KEYS_END,
};

/* ---- tasks: the checklist items this plugin accomplishes ------------- */

static const struct es_task sumologic_tasks[] = {
    ES_TASK(.id = "verify_credentials",
            .title = "Check the Sumo Logic access key", .section = "4.2",
            .needs = ES_LIST("access_id", "access_key", "deployment"),
            .run = sumo_verify_credentials, .flags = ES_TASK_TEARDOWN),
    ES_TASK(.id = "roles", .title = "Find or create the admin and user roles",
            .section = "4.2", .depends_on = ES_LIST("verify_credentials"),
            .needs = ES_LIST("admin_role", "user_role"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN, .run = sumo_roles),
    ES_TASK(.id = "users", .title = "Create the users with their roles",
            .section = "4.2", .depends_on = ES_LIST("roles"),
            .needs = ES_LIST("admins", "users", "sso_managed"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN, .run = sumo_users),
    ES_TASK(.id = "hosted_collector",
            .title = "Create the environment's hosted collector",
            .section = "4.2", .depends_on = ES_LIST("verify_credentials"),
            .needs = ES_LIST("collector_name"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = sumo_hosted_collector),
    ES_TASK(.id = "http_sources",
            .title = "Create an HTTP logs source per component",
            .section = "4.2", .depends_on = ES_LIST("hosted_collector"),
            .needs = ES_LIST("components"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = sumo_http_sources),
    ES_TASK(.id = "monitors",
            .title = "Alert the customer on errors in the logs",
            .section = "4.2", .depends_on = ES_LIST("http_sources"),
            .needs = ES_LIST("components", "alert_emails", "alert_query",
                             "alert_threshold", "alert_window"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN, .run = sumo_monitors),
    ES_TASK(.id = "installed_collectors",
            .title = "Install collectors on the customer's hosts",
            .section = "4.2", .depends_on = ES_LIST("hosted_collector"),
            .flags = ES_TASK_MANUAL,
            .question = "Sumo Logic's API cannot create installed "
                        "collectors: they register themselves with an "
                        "installation token. On each customer host whose "
                        "files or syslog must reach Sumo Logic, install "
                        "the collector (Manage Data > Collection > Add "
                        "Collector > Installed Collector) and add its "
                        "sources. Are they all installed, or are none "
                        "needed?"),
    ES_TASKS_END,
};

/* ---- outputs: what the platform and other plugins read --------------- */

static const struct es_output sumologic_outputs[] = {
    ES_OUTPUT(.name = "admin_role_id", .type = ES_OUTPUT_STRING,
              .task = "roles",
              .description = "Sumo Logic's id of the admin role"),
    ES_OUTPUT(.name = "user_role_id", .type = ES_OUTPUT_STRING, .task = "roles",
              .description = "Sumo Logic's id of the user role"),
    ES_OUTPUT(.name = "collector_id", .type = ES_OUTPUT_STRING,
              .task = "hosted_collector",
              .description = "The environment's hosted collector"),
    ES_OUTPUT(.name = "source_url", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_SECRET | ES_OUTPUT_PER_ITEM,
              .task = "http_sources",
              .description = "Per component: the HTTP source's upload URL, "
                             "the component's log drain (the URL is the "
                             "credential)"),
    ES_OUTPUT(.name = "source_category", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_PER_ITEM, .task = "http_sources",
              .description = "Per component: the _sourceCategory its logs "
                             "are searched by"),
    ES_OUTPUTS_END,
};

/* ---- validate: offline cross-checks beyond the schema ---------------- */

static enum es_status sumologic_validate(const struct es_ctx *x)
{
	const struct es_config_api *conf = x->host->config;
	int bad = 0;

	/* A person in both lists would be created with one role and then
	 * moved to the other on every run. */
	for (size_t i = 0; i < conf->list_size(x->call, "admins"); i++)
		for (size_t k = 0; k < conf->list_size(x->call, "users"); k++)
			if (strcasecmp(conf->list_item(x->call, "admins", i),
			               conf->list_item(x->call, "users", k)) ==
			        0 &&
			    ++bad)
				x->host->diag->error(
				    x->call, "users",
				    "%s is listed in admins and in users",
				    conf->list_item(x->call, "users", k));
	return bad ? ES_INVALID_CONFIG : ES_OK;
}

/* ---- descriptor ------------------------------------------------------ */

/* Sumo Logic allows 4 requests a second per user (240 a minute) and
 * answers 429 beyond; the core paces the plugin to that. */
ES_PLUGIN(sumologic, .name = "sumologic", .version = "2.0.0",
          .description = "Sumo Logic roles, users, hosted collector, HTTP "
                         "log sources and log alerts (checklist 4.2)",
          .keys = sumologic_keys, .tasks = sumologic_tasks,
          .outputs = sumologic_outputs, .rate_limit_per_min = 240,
          .ops = ES_OPS(.validate = sumologic_validate))
