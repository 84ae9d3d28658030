/*
 * jira: checklist 4.5, the support desk on Jira Cloud and Jira Service
 * Management (JSM).
 *
 * This file reads top to bottom: schema, tasks, outputs, validate(), the
 * descriptor. jira_api.c sets up the client for the customer's site,
 * jira_project.c and jira_org.c hold one function per task. Every call is
 * in Atlassian's OpenAPI descriptions (jira-platform.v3.json and
 * jira-jsm.v3.json); README.md lists them.
 *
 * One function per task serves plan, apply, verify and teardown: it looks
 * the resource up, and when something is not in place plan records a
 * change, verify reports it and only apply writes. Teardown removes only
 * what es_claim() recorded that envsetup made.
 */
#include <string.h>

#include "jira.h"

/* ---- schema: the elements needed before start ------------------------ */

static const struct es_key jira_keys[] = {
    ES_KEY(.name = "site_url", .type = ES_TYPE_URL, .flags = ES_KEY_REQUIRED,
           .question = "Which Jira Cloud site holds the customer's service "
                       "desk? (its https://<site>.atlassian.net URL)",
           .example = "https://acme-support.atlassian.net"),
    ES_KEY(.name = "email", .type = ES_TYPE_STRING, .flags = ES_KEY_REQUIRED,
           .question = "Which Atlassian account does envsetup act as? Its "
                       "e-mail (the owner of api_token, a Jira admin)",
           .example = "envsetup@acme.example", .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "api_token", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET,
           .question = "That account's API token (id.atlassian.com > "
                       "Security > API tokens)",
           .example = "env:JIRA_API_TOKEN"),
    ES_KEY(.name = "project_key", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED,
           .question = "Key of the customer's service-desk project",
           .example = "ACME", .pattern = "^[A-Z][A-Z0-9]{1,9}$"),
    ES_KEY(.name = "project_name", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED,
           .question = "Name of the service-desk project",
           .example = "Acme Support", .pattern = "^[^[:cntrl:]]{2,80}$"),
    ES_KEY(.name = "project_lead", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED,
           .question = "Who leads the project? (the e-mail of an existing "
                       "Jira user)",
           .example = "support-lead@acme.example", .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "project_template", .type = ES_TYPE_STRING,
           .default_value =
               "com.atlassian.servicedesk:simplified-it-service-management",
           .question = "JSM project template the project is created from",
           .pattern = "^com\\.atlassian\\.servicedesk:[a-z-]+$"),
    ES_KEY(.name = "agents", .type = ES_TYPE_LIST,
           .question = "Who are the customer's support agents? (e-mails of "
                       "existing Jira users)",
           .example = "[ \"agent1@acme.example\" ]", .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "agent_role", .type = ES_TYPE_STRING,
           .default_value = "Service Desk Team",
           .question = "Project role the agents are given",
           .pattern = "^[^[:cntrl:]]+$"),
    ES_KEY(.name = "organization_name", .type = ES_TYPE_STRING,
           .question = "Name of the customer's JSM organisation (unset: "
                       "none)",
           .example = "Acme Corp", .pattern = "^[^[:cntrl:]]+$"),
    ES_KEY(.name = "customers", .type = ES_TYPE_LIST,
           .question = "Who at the customer raises requests? (e-mails; "
                       "portal-only customer accounts are made for new ones)",
           .example = "[ \"it-desk@acme.example\" ]",
           .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "request_types", .type = ES_TYPE_LIST,
           .question = "Which request types must the portal offer? "
                       "(names, checked and reported)",
           .example = "[ \"Get IT help\", \"Report a bug\" ]",
           .pattern = "^[^[:cntrl:]]+$"),
    ES_KEYS_END,
};

/* ---- tasks: the checklist items this plugin accomplishes ------------- */

static const struct es_task jira_tasks[] = {
    ES_TASK(.id = "verify_credentials", .title = "Check the Jira credentials",
            .section = "4.5", .needs = ES_LIST("site_url", "email"),
            .run = jira_verify_credentials, .flags = ES_TASK_TEARDOWN),
    ES_TASK(.id = "service_desk_project",
            .title = "Create or update the service-desk project",
            .section = "4.5", .depends_on = ES_LIST("verify_credentials"),
            .needs = ES_LIST("project_key", "project_name", "project_lead",
                             "project_template"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = jira_service_desk_project),
    ES_TASK(.id = "agent_roles", .title = "Give the agents their project role",
            .section = "4.5", .depends_on = ES_LIST("service_desk_project"),
            .needs = ES_LIST("project_key", "agents", "agent_role"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = jira_agent_roles),
    ES_TASK(.id = "organization", .title = "Create the JSM organisation",
            .section = "4.5", .depends_on = ES_LIST("service_desk_project"),
            .needs = ES_LIST("project_key", "organization_name"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = jira_organization),
    ES_TASK(.id = "customers", .title = "Add the customer's requesters",
            .section = "4.5", .depends_on = ES_LIST("organization"),
            .needs = ES_LIST("organization_name", "customers"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = jira_customers),
    ES_TASK(.id = "request_types", .title = "Check the portal's request types",
            .section = "4.5", .depends_on = ES_LIST("service_desk_project"),
            .needs = ES_LIST("project_key", "request_types"),
            .run = jira_request_types, .flags = ES_TASK_TEARDOWN),
    ES_TASK(.id = "agent_licensing", .title = "License the agents",
            .section = "4.5", .depends_on = ES_LIST("agent_roles"),
            .needs = ES_LIST("agents"), .flags = ES_TASK_MANUAL,
            .question = "An agent needs a paid Jira Service Management "
                        "seat, which no Jira REST call grants: in "
                        "admin.atlassian.com > Products > Jira Service "
                        "Management > Users, give each address of the jira "
                        "`agents` list agent access. Are they all "
                        "licensed?"),
    ES_TASK(.id = "support_owner", .title = "Name the support owner",
            .section = "4.5", .depends_on = ES_LIST("service_desk_project"),
            .flags = ES_TASK_MANUAL,
            .question = "Who owns the customer's support on our side (the "
                        "escalation contact named in the support offer)? "
                        "Confirm once the customer has been told."),
    ES_TASK(.id = "support_offer", .title = "Agree the support offer",
            .section = "4.5", .depends_on = ES_LIST("support_owner"),
            .flags = ES_TASK_MANUAL,
            .question = "Has the customer signed the support offer (hours, "
                        "response times, channels) the service desk "
                        "serves?"),
    ES_TASKS_END,
};

/* ---- outputs: what the platform and other plugins read --------------- */

static const struct es_output jira_outputs[] = {
    ES_OUTPUT(.name = "project_id", .type = ES_OUTPUT_STRING,
              .task = "service_desk_project",
              .description = "Jira's id of the service-desk project"),
    ES_OUTPUT(.name = "project_key", .type = ES_OUTPUT_STRING,
              .task = "service_desk_project",
              .description = "Its key, which prefixes every request's key"),
    ES_OUTPUT(.name = "service_desk_id", .type = ES_OUTPUT_STRING,
              .task = "service_desk_project",
              .description = "JSM's id of the project's service desk"),
    ES_OUTPUT(.name = "portal_url", .type = ES_OUTPUT_STRING,
              .task = "service_desk_project",
              .description = "The customer portal where requests are "
                             "raised"),
    ES_OUTPUT(.name = "organization_id", .type = ES_OUTPUT_STRING,
              .task = "organization",
              .description = "JSM's id of the customer's organisation"),
    ES_OUTPUT(.name = "request_types", .type = ES_OUTPUT_JSON,
              .task = "request_types",
              .description = "The portal's request types: [{id, name}]"),
    ES_OUTPUTS_END,
};

/* ---- validate: offline cross-checks beyond the schema ---------------- */

static enum es_status jira_validate(const struct es_ctx *x)
{
	const struct es_config_api *conf = x->host->config;

	/* Customers are members of the organisation: without one there is
	 * nothing to add them to. */
	if (conf->list_size(x->call, "customers") > 0 &&
	    !conf->get_string(x->call, "organization_name")) {
		x->host->diag->error(x->call, "organization_name",
		                     "customers are listed but no "
		                     "organisation is named to hold them");
		return ES_INVALID_CONFIG;
	}
	return ES_OK;
}

/* ---- descriptor ------------------------------------------------------ */

/* Jira Cloud publishes no fixed rate: it meters cost per call and answers
 * 429 with Retry-After, which the core honours. */
ES_PLUGIN(jira, .name = "jira", .version = "2.0.0",
          .description = "Jira Service Management project, agent roles, "
                         "organisation, customers and request types "
                         "(checklist 4.5)",
          .keys = jira_keys, .tasks = jira_tasks, .outputs = jira_outputs,
          .ops = ES_OPS(.validate = jira_validate))
