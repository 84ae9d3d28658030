/*
 * azure: checklist 1, the customer's infrastructure account on Azure.
 *
 * This file reads top to bottom: schema, tasks, validate(), the instance
 * (the OAuth2 token cache), the descriptor; azure.h maps the rest. One
 * function per task serves plan, apply and verify alike, as in
 * plugins/mailgun. Calls follow the ARM specs in
 * Azure/azure-rest-api-specs (Microsoft.Subscription 2021-10-01,
 * Microsoft.Resources 2021-04-01, Microsoft.Authorization 2022-04-01) and
 * Microsoft Graph v1.0; README.md lists them.
 */
#include <stdlib.h>
#include <string.h>

#include "azure.h"

#define OWNER_ROLE "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
#define READER_ROLE "acdd72a7-3385-48ef-bd42-f606fba81ae7"

/* ---- schema: the elements needed before start ------------------------- */

static const char *const subscription_modes[] = {"adopt", "create", NULL};
static const char *const workloads[] = {"Production", "DevTest", NULL};
static const char *const user_modes[] = {"invite", "create", NULL};
static const char *const role_scopes[] = {"resource_group", "subscription",
                                          NULL};

static const struct es_key azure_keys[] = {
    ES_KEY(.name = "tenant_id", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED,
           .question = "Which Microsoft Entra tenant holds the customer's "
                       "Azure account? (tenant id or domain)",
           .example = "contoso.onmicrosoft.com",
           /* It goes into the token URL's path unescaped. */
           .pattern = "^[A-Za-z0-9.-]+$"),
    ES_KEY(.name = "client_id", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED,
           .question = "Application (client) id of the service principal "
                       "envsetup signs in as",
           .example = "00000000-0000-0000-0000-0000000000c1",
           .format = ES_FORMAT_GUID),
    ES_KEY(.name = "client_secret", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET,
           .question = "Client secret of that service principal",
           .example = "env:AZURE_CLIENT_SECRET"),
    ES_KEY(.name = "login_url", .type = ES_TYPE_URL,
           .default_value = "https://login.microsoftonline.com",
           .question = "Microsoft identity platform base URL"),
    ES_KEY(.name = "arm_url", .type = ES_TYPE_URL,
           .default_value = "https://management.azure.com",
           .question = "Azure Resource Manager base URL"),
    ES_KEY(.name = "graph_url", .type = ES_TYPE_URL,
           .default_value = "https://graph.microsoft.com",
           .question = "Microsoft Graph base URL"),
    ES_KEY(.name = "subscription_mode", .type = ES_TYPE_ENUM,
           .default_value = "adopt", .allowed = subscription_modes,
           .question = "Provision the infrastructure account: use an "
                       "existing subscription (adopt) or create one "
                       "(create)?"),
    ES_KEY(.name = "subscription_id", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "adopt: which existing subscription?",
           .example = "11111111-2222-3333-4444-555555555555",
           .format = ES_FORMAT_GUID,
           .required_when = "subscription_mode=adopt"),
    ES_KEY(.name = "billing_scope", .type = ES_TYPE_STRING,
           .question = "create: which billing scope pays for the new "
                       "subscription (EA enrollment account or MCA "
                       "invoice section)?",
           .example = "/providers/Microsoft.Billing/billingAccounts/"
                      "1234567/enrollmentAccounts/7654321",
           .pattern = "^/providers/Microsoft\\.Billing/.+$",
           .required_when = "subscription_mode=create"),
    ES_KEY(.name = "subscription_name", .type = ES_TYPE_STRING,
           .question = "create: display name of the new subscription",
           .example = "Acme platform", .pattern = "^.*[^[:space:]].*$",
           .required_when = "subscription_mode=create"),
    ES_KEY(.name = "workload", .type = ES_TYPE_ENUM,
           .default_value = "Production", .allowed = workloads,
           .question = "create: Production or DevTest offer?"),
    ES_KEY(.name = "location", .type = ES_TYPE_STRING, .flags = ES_KEY_PER_ENV,
           .default_value = "westeurope",
           .question = "Which Azure region hosts the environment?",
           /* ARM's region names: westeurope, not West Europe. */
           .pattern = "^[a-z0-9]+$"),
    ES_KEY(.name = "resource_group", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "Resource group of the environment (unset: "
                       "envsetup-<environment>)",
           .example = "acme-uat",
           /* 1-90 letters, digits and _-.(), not ending in '.'. */
           .pattern = "^[-A-Za-z0-9_.()]{0,89}[-A-Za-z0-9_()]$"),
    ES_KEY(.name = "admin_users", .type = ES_TYPE_LIST,
           .question = "Who are the admin users of the infrastructure "
                       "management tool? (UPNs or e-mail addresses)",
           .example = "[ \"ops-lead@acme.example\" ]",
           .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "users", .type = ES_TYPE_LIST,
           .question = "Who are its simple users? (UPNs or e-mail "
                       "addresses)",
           .example = "[ \"dev1@acme.example\" ]", .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "admin_role", .type = ES_TYPE_STRING,
           .default_value = OWNER_ROLE,
           .question = "Role definition id given to admin users (default "
                       "Owner)",
           .format = ES_FORMAT_GUID),
    ES_KEY(.name = "user_role", .type = ES_TYPE_STRING,
           .default_value = READER_ROLE,
           .question = "Role definition id given to simple users (default "
                       "Reader)",
           .format = ES_FORMAT_GUID),
    ES_KEY(.name = "role_scope", .type = ES_TYPE_ENUM,
           .default_value = "resource_group", .allowed = role_scopes,
           .question = "Do the roles apply to the environment's resource "
                       "group or to the whole subscription?"),
    ES_KEY(.name = "user_mode", .type = ES_TYPE_ENUM, .default_value = "invite",
           .allowed = user_modes,
           .question = "Invite the users as guests (invite) or create "
                       "them in the tenant (create, UPNs of a verified "
                       "domain)?"),
    ES_KEY(.name = "invite_redirect_url", .type = ES_TYPE_URL,
           .default_value = "https://portal.azure.com",
           .question = "invite: where invited users land after accepting"),
    ES_KEY(.name = "poll_interval", .type = ES_TYPE_DURATION,
           .default_value = "30s",
           .question = "Wait between polls of the subscription creation "
                       "when Azure sends no Retry-After"),
    ES_KEYS_END,
};

/* ---- tasks: the checklist items this plugin accomplishes -------------- */

static const struct es_task azure_tasks[] = {
    ES_TASK(.id = "subscription",
            .title = "Provision the infrastructure account (subscription)",
            .section = "1",
            .needs =
                ES_LIST("tenant_id", "client_id", "client_secret",
                        "subscription_mode", "subscription_id", "billing_scope",
                        "subscription_name", "workload", "poll_interval"),
            .flags = ES_TASK_MUTATING | ES_TASK_LONG_RUNNING | ES_TASK_TEARDOWN,
            .timeout_s = 3600, .run = az_subscription),
    ES_TASK(.id = "resource_group",
            .title = "Create the environment's resource group", .section = "1",
            .depends_on = ES_LIST("subscription"),
            .needs = ES_LIST("resource_group", "location"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = az_resource_group),
    ES_TASK(.id = "users", .title = "Invite or create the users",
            .section = "1",
            .needs = ES_LIST("admin_users", "users", "user_mode",
                             "invite_redirect_url"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN, .run = az_users),
    ES_TASK(.id = "role_assignments",
            .title = "Give admin and simple users their roles", .section = "1",
            .depends_on = ES_LIST("resource_group", "users"),
            .needs = ES_LIST("admin_users", "users", "admin_role", "user_role",
                             "role_scope"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = az_role_assignments),
    ES_TASKS_END,
};

/* ---- validate: offline cross-checks beyond the schema ----------------- */

/* The alias name comes from the customer id, which is no key of ours. */
static enum es_status azure_validate(const struct es_ctx *x)
{
	const char *mode =
	    x->host->config->get_string(x->call, "subscription_mode");
	char alias[96];

	if (mode && strcmp(mode, "create") == 0 &&
	    azure_alias_name(x->host->config->customer(x->call), alias,
	                     sizeof(alias))) {
		x->host->diag->error(x->call, NULL,
		                     "create: the customer id must hold "
		                     "letters or digits to make a "
		                     "subscription alias name");
		return ES_INVALID_CONFIG;
	}
	return ES_OK;
}

/* ---- instance: the OAuth2 token cache --------------------------------- */

static enum es_status azure_create(const struct es_ctx *x, void **instance)
{
	struct azure *az = calloc(1, sizeof(*az));

	(void)x;
	if (!az)
		return ES_FAILED;
	*instance = az;
	return ES_OK;
}

static void azure_destroy_instance(void *instance)
{
	free(instance);
}

/* ---- descriptor ------------------------------------------------------- */

static const struct es_output azure_outputs[] = {
    ES_OUTPUT(.name = "subscription_id", .type = ES_OUTPUT_STRING,
              .task = "subscription",
              .description = "The customer's subscription, created or "
                             "adopted"),
    ES_OUTPUT(.name = "resource_group_id", .type = ES_OUTPUT_STRING,
              .task = "resource_group",
              .description = "The environment's resource group (ARM id)"),
    ES_OUTPUTS_END,
};

/* ARM throttles per subscription with a token bucket and answers 429
 * with Retry-After, which the core honours: no fixed rate declared. */
ES_PLUGIN(azure, .name = "azure", .version = "2.0.0",
          .description = "Azure subscription, resource group, users and role "
                         "assignments (checklist 1)",
          .keys = azure_keys, .tasks = azure_tasks, .outputs = azure_outputs,
          .ops = ES_OPS(.create = azure_create,
                        .destroy_instance = azure_destroy_instance,
                        .validate = azure_validate))
