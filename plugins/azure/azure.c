/*
 * azure: checklist 1, the customer's infrastructure account on Azure.
 *
 * This file: schema, tasks, the dispatch table, validate(), the
 * descriptor; azure.h maps the rest. One function per task serves plan,
 * apply and verify alike, as in plugins/mailgun. Calls follow the ARM
 * specs in Azure/azure-rest-api-specs (Microsoft.Subscription 2021-10-01,
 * Microsoft.Resources 2021-04-01, Microsoft.Authorization 2022-04-01) and
 * Microsoft Graph v1.0; README.md lists them.
 *
 * Tokens come from the client-credentials grant, one per resource (ARM,
 * Graph), fetched when first needed and kept with secret->remember(), so
 * requests carry "Bearer {{secret:arm_token}}" and the token never appears
 * in a log or trace.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasestr */
#endif
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "azure.h"

#define OWNER_ROLE "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
#define READER_ROLE "acdd72a7-3385-48ef-bd42-f606fba81ae7"

/* ---- schema: the elements needed before start ------------------------ */

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
           .example = "contoso.onmicrosoft.com"),
    ES_KEY(.name = "client_id", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED,
           .question = "Application (client) id of the service principal "
                       "envsetup signs in as",
           .example = "00000000-0000-0000-0000-0000000000c1"),
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
           .example = "11111111-2222-3333-4444-555555555555"),
    ES_KEY(.name = "billing_scope", .type = ES_TYPE_STRING,
           .question = "create: which billing scope pays for the new "
                       "subscription (EA enrollment account or MCA "
                       "invoice section)?",
           .example = "/providers/Microsoft.Billing/billingAccounts/"
                      "1234567/enrollmentAccounts/7654321"),
    ES_KEY(.name = "subscription_name", .type = ES_TYPE_STRING,
           .question = "create: display name of the new subscription",
           .example = "Acme platform"),
    ES_KEY(.name = "workload", .type = ES_TYPE_ENUM,
           .default_value = "Production", .allowed = workloads,
           .question = "create: Production or DevTest offer?"),
    ES_KEY(.name = "location", .type = ES_TYPE_STRING, .flags = ES_KEY_PER_ENV,
           .default_value = "westeurope",
           .question = "Which Azure region hosts the environment?"),
    ES_KEY(.name = "resource_group", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "Resource group of the environment (unset: "
                       "envsetup-<environment>)",
           .example = "acme-uat"),
    ES_KEY(.name = "admin_users", .type = ES_TYPE_LIST,
           .question = "Who are the admin users of the infrastructure "
                       "management tool? (UPNs or e-mail addresses)",
           .example = "[ \"ops-lead@acme.example\" ]"),
    ES_KEY(.name = "users", .type = ES_TYPE_LIST,
           .question = "Who are its simple users? (UPNs or e-mail "
                       "addresses)",
           .example = "[ \"dev1@acme.example\" ]"),
    ES_KEY(.name = "admin_role", .type = ES_TYPE_STRING,
           .default_value = OWNER_ROLE,
           .question = "Role definition id given to admin users (default "
                       "Owner)"),
    ES_KEY(.name = "user_role", .type = ES_TYPE_STRING,
           .default_value = READER_ROLE,
           .question = "Role definition id given to simple users (default "
                       "Reader)"),
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

/* ---- tasks: the checklist items this plugin accomplishes ------------- */

static const struct es_task azure_tasks[] = {
    ES_TASK(.id = "subscription",
            .title = "Provision the infrastructure account (subscription)",
            .section = "1",
            .needs =
                ES_LIST("tenant_id", "client_id", "client_secret",
                        "subscription_mode", "subscription_id", "billing_scope",
                        "subscription_name", "workload", "poll_interval"),
            .flags = ES_TASK_MUTATING | ES_TASK_LONG_RUNNING,
            .timeout_s = 3600),
    ES_TASK(.id = "resource_group",
            .title = "Create the environment's resource group", .section = "1",
            .depends_on = ES_LIST("subscription"),
            .needs = ES_LIST("resource_group", "location"),
            .flags = ES_TASK_MUTATING),
    ES_TASK(.id = "users", .title = "Invite or create the users",
            .section = "1",
            .needs = ES_LIST("admin_users", "users", "user_mode",
                             "invite_redirect_url"),
            .flags = ES_TASK_MUTATING),
    ES_TASK(.id = "role_assignments",
            .title = "Give admin and simple users their roles", .section = "1",
            .depends_on = ES_LIST("resource_group", "users"),
            .needs = ES_LIST("admin_users", "users", "admin_role", "user_role",
                             "role_scope"),
            .flags = ES_TASK_MUTATING),
    ES_TASKS_END,
};

/* ---- dispatch ------------------------------------------------------------ */

static const struct {
	const char *id;
	enum es_status (*run)(struct ctx *c);
} task_fns[] = {
    {"subscription", az_subscription},
    {"resource_group", az_resource_group},
    {"users", az_users},
    {"role_assignments", az_role_assignments},
};

static int set_url(struct ctx *c, char *dst, size_t size, const char *key)
{
	const char *url = az_cfg(c, key);
	size_t n;

	if (!url || (n = strlen(url)) >= size) {
		c->h->diag->error(c->call, key, "no usable URL");
		return -1;
	}
	while (n > 0 && url[n - 1] == '/')
		n--;
	memcpy(dst, url, n);
	dst[n] = '\0';
	return 0;
}

/* resource_group, or "envsetup-<environment>" when it is unset. */
static void set_group(struct ctx *c)
{
	const char *rg = az_cfg(c, "resource_group");
	const char *env = c->h->config->environment(c->call);

	if (rg)
		snprintf(c->rg, sizeof(c->rg), "%s", rg);
	else
		snprintf(c->rg, sizeof(c->rg), "envsetup-%s", env ? env : "");
}

/* adopt: the configured id; create: what the subscription task recorded. */
static void set_subscription(struct ctx *c)
{
	const char *id = az_cfg_is(c, "subscription_mode", "create")
	                     ? c->h->state->get(c->call, "subscription_id")
	                     : az_cfg(c, "subscription_id");

	snprintf(c->sub, sizeof(c->sub), "%s",
	         id && azure_is_guid(id) ? id : "");
}

static enum es_status dispatch(es_call *call, void *state, const char *task,
                               enum es_phase phase)
{
	struct azure *az = state;
	struct ctx c = {.h = az->host, .call = call, .phase = phase, .az = az};
	size_t n = sizeof(task_fns) / sizeof(task_fns[0]), i = 0;

	while (i < n && (!task || strcmp(task_fns[i].id, task) != 0))
		i++;
	if (i == n)
		return ES_UNSUPPORTED;
	if (set_url(&c, c.login, sizeof(c.login), "login_url") ||
	    set_url(&c, c.arm, sizeof(c.arm), "arm_url") ||
	    set_url(&c, c.graph, sizeof(c.graph), "graph_url"))
		return ES_INVALID_CONFIG;
	set_group(&c);
	set_subscription(&c);
	return task_fns[i].run(&c);
}

static enum es_status azure_plan(es_call *call, void *state, const char *t)
{
	return dispatch(call, state, t, ES_PHASE_PLAN);
}

static enum es_status azure_apply(es_call *call, void *state, const char *t)
{
	return dispatch(call, state, t, ES_PHASE_APPLY);
}

static enum es_status azure_verify(es_call *call, void *state, const char *t)
{
	return dispatch(call, state, t, ES_PHASE_VERIFY);
}

/* ---- validate: offline cross-checks beyond the schema ---------------- */

/* Resource group names: 1-90 of letters, digits, _-.(), no final '.'. */
static int is_group_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 90 || s[n - 1] == '.')
		return 0;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_-.()", *p))
			return 0;
	return 1;
}

static int bad_list(struct ctx *c, const char *key)
{
	int bad = 0;

	for (size_t i = 0; i < c->h->config->list_size(c->call, key); i++) {
		const char *u = c->h->config->list_item(c->call, key, i);

		if ((!u || !strchr(u, '@') || strpbrk(u, " \t\"'")) && ++bad)
			c->h->diag->error(c->call, key,
			                  "'%s' is not a UPN or e-mail address",
			                  u ? u : "");
	}
	return bad;
}

static int bad_value(struct ctx *c, const char *key, int ok, const char *why)
{
	if (ok)
		return 0;
	c->h->diag->error(c->call, key, "%s", why);
	return 1;
}

static enum es_status azure_validate(es_call *call, void *state)
{
	struct azure *az = state;
	struct ctx c = {.h = az->host, .call = call, .az = az};
	const char *scope = az_cfg(&c, "billing_scope");
	const char *loc = az_cfg(&c, "location");
	int create = az_cfg_is(&c, "subscription_mode", "create"), bad = 0;
	char alias[96];

	set_group(&c);
	bad +=
	    bad_value(&c, "client_id", azure_is_guid(az_cfg(&c, "client_id")),
	              "give the application (client) id, a GUID");
	bad += bad_value(&c, "tenant_id",
	                 az_cfg(&c, "tenant_id") &&
	                     strspn(az_cfg(&c, "tenant_id"),
	                            "abcdefghijklmnopqrstuvwxyz"
	                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") ==
	                         strlen(az_cfg(&c, "tenant_id")),
	                 "give the tenant id (a GUID) or its domain");
	bad += bad_value(&c, "subscription_id",
	                 create || azure_is_guid(az_cfg(&c, "subscription_id")),
	                 "adopt needs subscription_id, a GUID");
	bad += bad_value(
	    &c, "billing_scope",
	    !create ||
	        (scope &&
	         strncasecmp(scope, "/providers/Microsoft.Billing/", 29) == 0),
	    "create needs billing_scope, "
	    "/providers/Microsoft.Billing/...");
	bad += bad_value(&c, "subscription_name",
	                 !create || (az_cfg(&c, "subscription_name") &&
	                             *az_cfg(&c, "subscription_name")),
	                 "create needs subscription_name");
	bad +=
	    bad_value(&c, NULL,
	              !create || azure_alias_name(c.h->config->customer(call),
	                                          alias, sizeof(alias)) == 0,
	              "the customer id must hold letters or digits to make "
	              "a subscription alias name");
	bad += bad_value(&c, "resource_group", is_group_name(c.rg),
	                 "a resource group name is 1-90 letters, digits, "
	                 "_-.() and does not end with '.'");
	bad +=
	    bad_value(&c, "location",
	              loc && *loc &&
	                  strspn(loc, "abcdefghijklmnopqrstuvwxyz0123456789") ==
	                      strlen(loc),
	              "give the region's name, e.g. westeurope");
	bad +=
	    bad_value(&c, "admin_role", azure_is_guid(az_cfg(&c, "admin_role")),
	              "give a role definition id (GUID)");
	bad +=
	    bad_value(&c, "user_role", azure_is_guid(az_cfg(&c, "user_role")),
	              "give a role definition id (GUID)");
	bad += bad_list(&c, "admin_users") + bad_list(&c, "users");
	return bad ? ES_INVALID_CONFIG : ES_OK;
}

/* ---- instance and descriptor ----------------------------------------- */

static enum es_status azure_create(const struct es_host *host, es_call *call,
                                   void **state)
{
	struct azure *az = calloc(1, sizeof(*az));

	(void)call;
	if (!az)
		return ES_FAILED;
	az->host = host;
	*state = az;
	return ES_OK;
}

static void azure_destroy_instance(void *state)
{
	free(state);
}

static const struct es_plugin_ops azure_ops = {
    .struct_size = sizeof(struct es_plugin_ops),
    .create = azure_create,
    .destroy_instance = azure_destroy_instance,
    .validate = azure_validate,
    .plan = azure_plan,
    .apply = azure_apply,
    .verify = azure_verify,
};

static const struct es_plugin_descriptor azure = {
    ES_DESCRIPTOR_HEADER,
    .name = "azure",
    .version = "1.0.0",
    .description = "Azure subscription, resource group, users and role "
                   "assignments (checklist 1)",
    .keys = azure_keys,
    .tasks = azure_tasks,
    .ops = &azure_ops,
    /* ARM throttles per subscription with a token bucket and answers 429
     * with Retry-After, which the core honours; no fixed limit to state. */
};

ES_PLUGIN_DEFINE(azure)
