/*
 * eway: checklist 4.6, the payment gateway on eWAY (Rapid API).
 *
 * Reads top to bottom: schema, tasks, outputs, descriptor.
 * eway_api.c sets up the provider client; eway_credentials.c holds the
 * one task that calls the API. README.md lists the call with its source.
 *
 * eWAY's Rapid API takes payments and nothing else: there is no call to
 * open an account, generate API keys or invite a user (eWAYPayment's
 * official SDK, eway-rapid-php, holds payment endpoints only). So the
 * plugin checks the key and password against the gateway the
 * environment charges through, publishes what the platform configures
 * its eWAY gateway with, and the rest is a person's task with its exact
 * question. It creates nothing, so its teardown removes nothing.
 */
#include "eway.h"

/* ---- schema: the elements needed before start ------------------------ */

static const char *const gateway_modes[] = {"production", "sandbox", NULL};

static const struct es_key eway_keys[] = {
    ES_KEY(.name = "api_key", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET | ES_KEY_PER_ENV,
           .question = "Which eWAY Rapid API key do we use? (MYeWAY > "
                       "Settings > API Key; sandbox and live keys differ)",
           .example = "env:EWAY_API_KEY"),
    ES_KEY(.name = "api_password", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET | ES_KEY_PER_ENV,
           .question = "The API password set with that key",
           .example = "env:EWAY_API_PASSWORD"),
    ES_KEY(.name = "gateway_mode", .type = ES_TYPE_ENUM,
           .flags = ES_KEY_PER_ENV, .default_value = "production",
           .allowed = gateway_modes,
           .question = "Does this environment charge through eWAY's "
                       "sandbox (test) or production gateway?"),
    ES_KEY(.name = "api_url", .type = ES_TYPE_URL,
           .default_value = "https://api.ewaypayments.com",
           .question = "eWAY Rapid API base URL of the production gateway"),
    ES_KEY(.name = "sandbox_api_url", .type = ES_TYPE_URL,
           .default_value = "https://api.sandbox.ewaypayments.com",
           .question = "eWAY Rapid API base URL of the sandbox gateway, "
                       "used when gateway_mode is sandbox"),
    ES_KEY(.name = "customer_id", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV,
           .question = "The eWAY customer ID of the customer's account in "
                       "this environment (MYeWAY, top right; the "
                       "platform's eway_login)",
           .example = "87654321", .pattern = "^[0-9]{5,10}$"),
    ES_KEY(.name = "username", .type = ES_TYPE_STRING, .flags = ES_KEY_PER_ENV,
           .format = ES_FORMAT_EMAIL,
           .question = "The MYeWAY user the platform signs in as (the "
                       "platform's eway_username)",
           .example = "payments@acme.example"),
    ES_KEY(.name = "admins", .type = ES_TYPE_LIST,
           .question = "Who are the customer's eWAY admins to invite? "
                       "(e-mail addresses)",
           .example = "[ \"finance-lead@acme.example\" ]",
           .format = ES_FORMAT_EMAIL),
    ES_KEYS_END,
};

/* ---- tasks: the checklist items this plugin accomplishes ------------- */

static const struct es_task eway_tasks[] = {
    ES_TASK(.id = "verify_credentials", .title = "Check the eWAY API key",
            .section = "4.6",
            .needs = ES_LIST("api_key", "api_password", "gateway_mode",
                             "customer_id"),
            .run = eway_verify_credentials, .flags = ES_TASK_TEARDOWN),
    ES_TASK(.id = "enable_payment_methods",
            .title = "Enable Rapid API payments on the account",
            .section = "4.6", .depends_on = ES_LIST("verify_credentials"),
            .needs = ES_LIST("customer_id"), .flags = ES_TASK_MANUAL,
            .question = "eWAY's API has no call for its account set-up: "
                        "has eWAY activated the account of eway "
                        "`customer_id` for Rapid API payments in this "
                        "gateway mode (MYeWAY > Settings > Payment "
                        "Methods shows the card types the platform "
                        "charges enabled)?"),
    ES_TASK(.id = "invite_admins", .title = "Invite the eWAY admins",
            .section = "4.6", .depends_on = ES_LIST("verify_credentials"),
            .needs = ES_LIST("admins"), .flags = ES_TASK_MANUAL,
            .question = "eWAY's API cannot invite users: add each "
                        "address of the eway `admins` list as an "
                        "administrator in MYeWAY (Settings > Users > Add "
                        "User). Are they all invited?"),
    ES_TASKS_END,
};

/* ---- outputs: what the platform and other plugins read --------------- */

static const struct es_output eway_outputs[] = {
    ES_OUTPUT(.name = "eway_login", .type = ES_OUTPUT_STRING,
              .task = "verify_credentials",
              .description = "The eWAY customer ID the API key was checked "
                             "against (the platform's eway_login)"),
    ES_OUTPUT(.name = "eway_username", .type = ES_OUTPUT_STRING,
              .task = "verify_credentials",
              .description = "The MYeWAY user (the platform's "
                             "eway_username), when configured"),
    ES_OUTPUT(.name = "gateway_mode", .type = ES_OUTPUT_STRING,
              .task = "verify_credentials",
              .description = "sandbox or production: the platform's "
                             "payment_gateway_mode (test for sandbox)"),
    ES_OUTPUT(.name = "rapid_endpoint", .type = ES_OUTPUT_STRING,
              .task = "verify_credentials",
              .description = "The Rapid API base URL the key works on"),
    ES_OUTPUTS_END,
};

/* ---- descriptor ------------------------------------------------------ */

/* eWAY publishes no rate limit; it answers S5029 ("API Rate Limit
 * Exceeded") in a 200 or a 429, both retried later. No validate(): no
 * rule here spans two keys that the schema cannot say. */
ES_PLUGIN(eway, .name = "eway", .version = "1.0.0",
          .description = "eWAY payment gateway (Rapid API): API key check, "
                         "the platform's eway_login values, and the manual "
                         "gates (account activation, admins) (checklist "
                         "4.6)",
          .keys = eway_keys, .tasks = eway_tasks, .outputs = eway_outputs)
