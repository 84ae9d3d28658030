/*
 * braintree: checklist 4.6, the payment gateway on Braintree.
 *
 * Reads top to bottom: schema, tasks, outputs, descriptor.
 * braintree_api.c sets up the provider client; braintree_merchant.c holds
 * one function per task. Every query is in Braintree's published GraphQL
 * schema (braintree/graphql-api schema.graphql); README.md lists them.
 *
 * Braintree's API reads the gateway but cannot set it up: there is no
 * mutation to open an account, pass underwriting, create a merchant
 * account, enable card types or invite a user. So the plugin checks the
 * keys, finds the merchant account of each currency and publishes their
 * ids, and everything else is a person's task with its exact question.
 * It creates nothing, so its teardown removes nothing.
 */
#include "braintree.h"

/* ---- schema: the elements needed before start ------------------------ */

static const char *const gateway_environments[] = {"production", "sandbox",
                                                   NULL};

static const struct es_key braintree_keys[] = {
    ES_KEY(.name = "public_key", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET | ES_KEY_PER_ENV,
           .question = "Which Braintree gateway do we use? The public key "
                       "of its API key (Control Panel > Settings > API > "
                       "API Keys)",
           .example = "env:BRAINTREE_PUBLIC_KEY"),
    ES_KEY(.name = "private_key", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET | ES_KEY_PER_ENV,
           .question = "The private key of that API key",
           .example = "env:BRAINTREE_PRIVATE_KEY"),
    ES_KEY(.name = "gateway_environment", .type = ES_TYPE_ENUM,
           .flags = ES_KEY_PER_ENV, .default_value = "production",
           .allowed = gateway_environments,
           .question = "Does this environment charge through Braintree's "
                       "sandbox (test) or production gateway?"),
    ES_KEY(.name = "api_url", .type = ES_TYPE_URL,
           .default_value = "https://payments.braintree-api.com",
           .question = "Braintree GraphQL API base URL of the production "
                       "gateway (queries go to /graphql)"),
    ES_KEY(.name = "sandbox_api_url", .type = ES_TYPE_URL,
           .default_value = "https://payments.sandbox.braintree-api.com",
           .question = "Braintree GraphQL API base URL of the sandbox "
                       "gateway, used when gateway_environment is sandbox"),
    ES_KEY(.name = "api_version", .type = ES_TYPE_STRING,
           .default_value = BT_DEFAULT_API_VERSION,
           .question = "Which Braintree API version (Braintree-Version "
                       "header, a date) do the queries pin?",
           .pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    ES_KEY(.name = "merchant_id", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV,
           .question = "The Braintree merchant id of the customer's "
                       "gateway in this environment (Control Panel > "
                       "Settings > Business)",
           .example = "acmemerchant01", .pattern = "^[A-Za-z0-9_]+$"),
    ES_KEY(.name = "currencies", .type = ES_TYPE_LIST,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV,
           .question = "Which currencies does the platform charge in? "
                       "(one merchant account each, ISO 4217 codes)",
           .example = "[ \"AUD\", \"USD\" ]", .pattern = "^[A-Z]{3}$"),
    ES_KEY(.name = "card_types", .type = ES_TYPE_LIST,
           .default_value = "[ \"visa\", \"mastercard\" ]",
           .question = "Which card types must every merchant account "
                       "accept? (visa, mastercard, american_express, "
                       "discover, jcb, union_pay, maestro, diners_club)",
           .pattern = "^(visa|mastercard|american_express|discover|jcb|"
                      "union_pay|maestro|diners_club)$"),
    ES_KEY(.name = "admins", .type = ES_TYPE_LIST,
           .question = "Who are the customer's Braintree admins to "
                       "invite? (e-mail addresses)",
           .example = "[ \"finance-lead@acme.example\" ]",
           .format = ES_FORMAT_EMAIL),
    ES_KEYS_END,
};

/* ---- tasks: the checklist items this plugin accomplishes ------------- */

static const struct es_task braintree_tasks[] = {
    ES_TASK(.id = "verify_credentials", .title = "Check the Braintree API keys",
            .section = "4.6",
            .needs = ES_LIST("public_key", "private_key", "gateway_environment",
                             "api_version"),
            .run = bt_verify_credentials, .flags = ES_TASK_TEARDOWN),
    ES_TASK(.id = "complete_verification",
            .title = "Complete Braintree's business verification (KYC)",
            .section = "4.6", .depends_on = ES_LIST("verify_credentials"),
            .needs = ES_LIST("merchant_id"), .flags = ES_TASK_MANUAL,
            .question = "Braintree's API has no call for its underwriting: "
                        "has the customer completed Braintree's business "
                        "verification (KYC) for the braintree "
                        "`merchant_id` gateway, so that the Control Panel "
                        "shows the application approved and the gateway "
                        "able to take live transactions?"),
    ES_TASK(.id = "merchant_accounts",
            .title = "Check one merchant account per currency",
            .section = "4.6", .depends_on = ES_LIST("verify_credentials"),
            .needs = ES_LIST("merchant_id", "currencies"),
            .run = bt_merchant_accounts, .flags = ES_TASK_TEARDOWN),
    ES_TASK(.id = "enable_card_types", .title = "Enable the card types",
            .section = "4.6", .depends_on = ES_LIST("merchant_accounts"),
            .needs = ES_LIST("card_types"), .flags = ES_TASK_MANUAL,
            .question = "Braintree's API cannot enable card types: in the "
                        "Control Panel (Settings > Processing > Card "
                        "Types), is every card type of the braintree "
                        "`card_types` list enabled on each merchant account "
                        "of output merchant_accounts?"),
    ES_TASK(.id = "invite_admins", .title = "Invite the Braintree admins",
            .section = "4.6", .depends_on = ES_LIST("verify_credentials"),
            .needs = ES_LIST("admins"), .flags = ES_TASK_MANUAL,
            .question = "Braintree's API cannot invite users: invite each "
                        "address of the braintree `admins` list with the "
                        "Admin role in the Control Panel (Settings > Team "
                        "> New User). Are they all invited?"),
    ES_TASKS_END,
};

/* ---- outputs: what the platform and other plugins read --------------- */

static const struct es_output braintree_outputs[] = {
    ES_OUTPUT(.name = "merchant_id", .type = ES_OUTPUT_STRING,
              .task = "merchant_accounts",
              .description = "The merchant id the API keys belong to (the "
                             "platform's payment_gateways[].provider."
                             "config.merchant_id)"),
    ES_OUTPUT(.name = "merchant_accounts", .type = ES_OUTPUT_JSON,
              .task = "merchant_accounts",
              .description = "One {currency, acct, default} per configured "
                             "currency: the platform's payment_gateways[]."
                             "accounts[]"),
    ES_OUTPUT(.name = "merchant_account_id", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_PER_ITEM, .task = "merchant_accounts",
              .description = "The merchant account of one currency "
                             "(merchant_account_id:AUD)"),
    ES_OUTPUTS_END,
};

/* ---- descriptor ------------------------------------------------------ */

/* No rate limit is published for the GraphQL API; Braintree answers 429
 * or the error class RESOURCE_LIMIT, both retried later. No validate():
 * no rule here spans two keys that the schema cannot say. */
ES_PLUGIN(braintree, .name = "braintree", .version = "1.0.0",
          .description = "Braintree payment gateway: API keys, one merchant "
                         "account per currency, and the manual gates "
                         "(KYC, card types, admins) (checklist 4.6)",
          .keys = braintree_keys, .tasks = braintree_tasks,
          .outputs = braintree_outputs)
