/*
 * splunk: checklist 4.2, logs and alerts on Splunk (the alternative to
 * Sumo Logic; the customer file's `enabled` picks one or both).
 *
 * Reads top to bottom: schema, tasks, outputs, validate(), descriptor.
 * splunk_api.c sets up the clients; splunk_access.c, splunk_data.c and
 * splunk_alerts.c hold one function per task. Splunk publishes no OpenAPI
 * for its management API: every call is cited from the REST API Reference
 * Manual (and, for Splunk Cloud, the Admin Config Service manual) in
 * README.md and tests/conformance/tables/splunk.json.
 *
 * One function per task serves plan, apply, verify and the teardown
 * phases: it looks the resource up; when it is not in place, plan records
 * a change, verify reports it and only apply writes. Teardown removes only
 * what es_claim() recorded that envsetup made.
 */
#include <string.h>

#include "splunk.h"

/* ---- schema: the elements needed before start ------------------------ */

static const char *const modes[] = {"enterprise", "cloud", NULL};

static const char *const auth_kinds[] = {"token", "basic", NULL};
static const struct es_key splunk_keys[] = {
    ES_KEY(.name = "mode", .type = ES_TYPE_ENUM, .default_value = "enterprise",
           .allowed = modes,
           .question = "Is the customer on Splunk Enterprise (their own "
                       "servers) or Splunk Cloud? (cloud: the index and "
                       "HEC tokens go through the Admin Config Service)"),
    ES_KEY(.name = "management_url", .type = ES_TYPE_URL,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV,
           .question = "Which Splunk management endpoint do we configure? "
                       "(https://<host>:8089; Splunk Cloud: "
                       "https://<stack>.splunkcloud.com:8089)",
           .example = "https://splunk.acme.example:8089"),
    ES_KEY(.name = "acs_url", .type = ES_TYPE_URL,
           .default_value = "https://admin.splunk.com",
           .question = "Splunk Cloud Admin Config Service base URL"),
    ES_KEY(.name = "stack", .type = ES_TYPE_STRING,
           .required_when = "mode=cloud",
           .question = "The Splunk Cloud stack name (the <stack> of "
                       "<stack>.splunkcloud.com)",
           .example = "acme", .pattern = "^[a-z0-9][a-z0-9-]{0,62}$"),
    /* The choice is a key of its own, so that check asks for exactly
     * the credentials it needs (required_when), not for "one or the
     * other". */
    ES_KEY(.name = "auth", .type = ES_TYPE_ENUM, .default_value = "token",
           .allowed = auth_kinds,
           .question = "How does envsetup sign in to Splunk: an "
                       "authentication token (token) or an admin's "
                       "username and password (basic)?"),
    ES_KEY(.name = "auth_token", .type = ES_TYPE_STRING, .flags = ES_KEY_SECRET,
           .required_when = "auth=token",
           .question = "A Splunk authentication token (Settings > Tokens) "
                       "of an admin (sc_admin on Splunk Cloud), sent as "
                       "Bearer",
           .example = "env:SPLUNK_TOKEN"),
    ES_KEY(.name = "username", .type = ES_TYPE_STRING,
           .required_when = "auth=basic",
           .question = "The Splunk admin account envsetup signs in as "
                       "(HTTP Basic)",
           .example = "envsetup", .pattern = "^[^[:space:]:]+$"),
    ES_KEY(.name = "password", .type = ES_TYPE_STRING, .flags = ES_KEY_SECRET,
           .required_when = "auth=basic", .question = "That account's password",
           .example = "env:SPLUNK_PASSWORD"),
    ES_KEY(.name = "index", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV,
           .question = "Which index holds this environment's logs?",
           .example = "acme_prod",
           /* Splunk: lower case letters, digits, '_' and '-', not
            * starting with '_' or '-'. */
           .pattern = "^[a-z0-9][a-z0-9_-]{0,79}$"),
    ES_KEY(.name = "retention", .type = ES_TYPE_DURATION,
           .default_value = "90d",
           .question = "How long are logs kept? (frozenTimePeriodInSecs; "
                       "Splunk Cloud: searchableDays)"),
    ES_KEY(.name = "max_size_mb", .type = ES_TYPE_INT, .flags = ES_KEY_MIN,
           .min = 1, .default_value = "500000",
           .question = "Largest size of the index in MB "
                       "(maxTotalDataSizeMB; Splunk Cloud: maxDataSizeMB)"),
    ES_KEY(.name = "role", .type = ES_TYPE_STRING, .flags = ES_KEY_PER_ENV,
           .question = "Role the environment's users get, allowed to search "
                       "its index (default: <index>_user)",
           .example = "acme_prod_user", .pattern = "^[a-z0-9][a-z0-9_-]*$"),
    ES_KEY(.name = "role_imports", .type = ES_TYPE_LIST,
           .default_value = "[ \"user\" ]",
           .question = "Roles that role inherits (imported_roles)",
           .pattern = "^[a-z0-9][a-z0-9_-]*$"),
    ES_KEY(.name = "admin_role", .type = ES_TYPE_STRING,
           .default_value = "admin",
           .question = "Role the customer's admins get (admin; sc_admin "
                       "on Splunk Cloud)",
           .pattern = "^[a-z0-9][a-z0-9_-]*$"),
    ES_KEY(.name = "admins", .type = ES_TYPE_LIST,
           .question = "Who are the customer's Splunk admins? (e-mails; "
                       "each becomes a user named by the e-mail)",
           .example = "[ \"ops-lead@acme.example\" ]",
           .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "users", .type = ES_TYPE_LIST,
           .question = "Who else searches the logs? (e-mails; they get "
                       "`role`)",
           .example = "[ \"dev@acme.example\" ]", .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "components", .type = ES_TYPE_LIST,
           .question = "Which components ship logs? (each gets its own HTTP "
                       "Event Collector token, <index>-<component>)",
           .example = "[ \"api\", \"frontend\" ]",
           .pattern = "^[a-z][a-z0-9-]{0,40}$"),
    /* A string, not an ES_TYPE_URL: envsetup never calls it (no
     * credentials go there); the platform's log drivers do. */
    ES_KEY(.name = "hec_url", .type = ES_TYPE_STRING, .flags = ES_KEY_PER_ENV,
           .question = "Where do the log drivers send events? (the HEC "
                       "endpoint, https://<host>:8088; default on Splunk "
                       "Cloud: https://http-inputs-<stack>.splunkcloud.com)",
           .example = "https://splunk.acme.example:8088",
           .pattern = "^https://[^[:space:]/]+(:[0-9]+)?/?$"),
    ES_KEY(.name = "alerts", .type = ES_TYPE_LIST,
           .default_value = "[ \"Server errors: status>=500\" ]",
           .question = "Which log searches raise an alert? (\"Name: SPL\", "
                       "searched in the environment's index)",
           .pattern = "^[A-Za-z0-9][A-Za-z0-9 _-]{0,80}: [^[:cntrl:]]+$"),
    ES_KEY(.name = "alert_threshold", .type = ES_TYPE_INT, .flags = ES_KEY_MIN,
           .min = 0, .default_value = "10",
           .question = "An alert fires when its search finds more events "
                       "than this in a run"),
    ES_KEY(.name = "alert_schedule", .type = ES_TYPE_STRING,
           .default_value = "*/5 * * * *",
           .question = "When do the alert searches run? (cron; each looks "
                       "back 5 minutes)",
           .pattern = "^[0-9*/,-]+( [0-9*/,-]+){4}$"),
    ES_KEY(.name = "alert_emails", .type = ES_TYPE_LIST,
           .flags = ES_KEY_REQUIRED,
           .question = "Who gets the alerts? (the on-call addresses)",
           .example = "[ \"oncall@acme.example\" ]", .format = ES_FORMAT_EMAIL),
    ES_KEYS_END,
};

/* ---- tasks: the checklist items this plugin accomplishes ------------- */

static const struct es_task splunk_tasks[] = {
    ES_TASK(.id = "verify_credentials", .title = "Check the Splunk credentials",
            .section = "4.2", .needs = ES_LIST("management_url"),
            .flags = ES_TASK_TEARDOWN, .run = sp_verify_credentials),
    ES_TASK(.id = "index", .title = "Create the environment's index",
            .section = "4.2", .depends_on = ES_LIST("verify_credentials"),
            .needs = ES_LIST("index", "retention", "max_size_mb"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN | ES_TASK_LONG_RUNNING,
            .timeout_s = 1800, .run = sp_index),
    ES_TASK(.id = "role", .title = "Create or update the users' role",
            .section = "4.2", .depends_on = ES_LIST("index"),
            .needs = ES_LIST("role", "role_imports", "index"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN, .run = sp_role_task),
    ES_TASK(.id = "users", .title = "Create the admins and users",
            .section = "4.2", .depends_on = ES_LIST("role"),
            .needs = ES_LIST("admins", "users", "admin_role", "role"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN, .run = sp_users),
    ES_TASK(.id = "hec_tokens",
            .title = "Create an HTTP Event Collector token per component",
            .section = "4.2", .depends_on = ES_LIST("index"),
            .needs = ES_LIST("components", "index", "hec_url"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN | ES_TASK_LONG_RUNNING,
            .timeout_s = 1800, .run = sp_hec_tokens),
    ES_TASK(.id = "alerts", .title = "Create the alerts and route them",
            .section = "4.2", .depends_on = ES_LIST("index"),
            .needs = ES_LIST("alerts", "alert_threshold", "alert_schedule",
                             "alert_emails", "index"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN, .run = sp_alerts),
    ES_TASKS_END,
};

/* ---- outputs: what the platform and other plugins read --------------- */

static const struct es_output splunk_outputs[] = {
    ES_OUTPUT(.name = "index", .type = ES_OUTPUT_STRING, .task = "index",
              .description = "The index the environment's logs go to"),
    ES_OUTPUT(.name = "role", .type = ES_OUTPUT_STRING, .task = "role",
              .description = "The role that may search that index"),
    ES_OUTPUT(.name = "hec_token", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_SECRET | ES_OUTPUT_PER_ITEM,
              .task = "hec_tokens",
              .description = "Per component: the HTTP Event Collector "
                             "token its log driver sends with "
                             "(Authorization: Splunk <token>)"),
    ES_OUTPUT(.name = "hec_url", .type = ES_OUTPUT_STRING, .task = "hec_tokens",
              .description = "The HEC endpoint the log drivers send to "
                             "(unset on Splunk Enterprise without "
                             "hec_url)"),
    ES_OUTPUT(.name = "alerts", .type = ES_OUTPUT_JSON, .task = "alerts",
              .description = "The saved-search alerts: [name, ...]"),
    ES_OUTPUTS_END,
};

/* ---- validate: offline cross-checks beyond the schema ---------------- */

static enum es_status splunk_validate(const struct es_ctx *x)
{
	const struct es_config_api *conf = x->host->config;
	int token = conf->is_set(x->call, "auth_token");
	int user = conf->is_set(x->call, "username");
	int password = conf->is_set(x->call, "password");
	const char *mode = conf->get_string(x->call, "mode");

	const char *auth = conf->get_string(x->call, "auth");
	int basic = auth && strcmp(auth, "basic") == 0;

	/* Unset ones are unanswered elements (required_when); a set one of
	 * the other kind would be ignored, so it is a mistake. */
	if (basic ? token : user || password) {
		x->host->diag->error(
		    x->call, basic ? "auth_token" : "username",
		    "auth = \"%s\" signs in with %s: drop %s",
		    basic ? "basic" : "token",
		    basic ? "username and password" : "auth_token",
		    basic ? "auth_token" : "username and password");
		return ES_INVALID_CONFIG;
	}
	/* The Admin Config Service takes only tokens. */
	if (mode && strcmp(mode, "cloud") == 0 && basic) {
		x->host->diag->error(x->call, "auth_token",
		                     "mode = \"cloud\" needs auth_token: the "
		                     "Admin Config Service takes no password");
		return ES_INVALID_CONFIG;
	}
	/* Unset, alert_emails is an unanswered element; set empty, nobody
	 * would hear of an alert. */
	if (conf->list_size(x->call, "alerts") > 0 &&
	    conf->is_set(x->call, "alert_emails") &&
	    conf->list_size(x->call, "alert_emails") == 0) {
		x->host->diag->error(x->call, "alert_emails",
		                     "alerts are listed but nobody receives "
		                     "them: set alert_emails");
		return ES_INVALID_CONFIG;
	}
	return ES_OK;
}

/* ---- descriptor ------------------------------------------------------ */

/* Splunk publishes no rate limit for its management API. */
ES_PLUGIN(splunk, .name = "splunk", .version = "2.0.0",
          .description = "Splunk Enterprise or Splunk Cloud: index, role, "
                         "users, HTTP Event Collector tokens and alerts "
                         "(checklist 4.2)",
          .keys = splunk_keys, .tasks = splunk_tasks, .outputs = splunk_outputs,
          .ops = ES_OPS(.validate = splunk_validate))
