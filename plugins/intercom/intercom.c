/*
 * intercom: checklist 4.5, the support desk's Intercom workspace wired
 * into the platform.
 *
 * This file reads top to bottom: schema, tasks, outputs, the descriptor.
 * intercom_api.c sets up the provider client; intercom_workspace.c and
 * intercom_data.c hold one function per task. Every call is in Intercom's
 * OpenAPI description for API version 2.14 (intercom/Intercom-OpenAPI
 * descriptions/2.14/api.intercom.io.yaml); README.md lists them.
 */
#include "intercom.h"

#define US_API_URL "https://api.intercom.io"

/* ---- schema: the elements needed before start ------------------------ */

static const char *const regions[] = {"us", "eu", "au", NULL};

/* "name:type:description", the type one of those POST /data_attributes
 * takes (lists of options are left to the UI). Names: what Intercom
 * accepts ("alphanumeric characters, currency symbols, and hyphens"),
 * plus the underscores the platform's names have. */
#define ATTRIBUTE_PATTERN                                                      \
	"^[A-Za-z0-9_-]+:(string|integer|float|boolean|datetime|date)"         \
	"(:[^[:cntrl:]]*)?$"

static const struct es_key intercom_keys[] = {
    ES_KEY(.name = "access_token", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET,
           .question = "Which Intercom workspace do we use? The access "
                       "token of its private app (Developer Hub > your "
                       "app > Authentication)",
           .example = "env:INTERCOM_ACCESS_TOKEN"),
    ES_KEY(.name = "region", .type = ES_TYPE_ENUM, .default_value = "us",
           .allowed = regions,
           .question = "Where is the workspace hosted: US, EU or "
                       "Australia?"),
    ES_KEY(.name = "api_url", .type = ES_TYPE_URL, .default_value = US_API_URL,
           .question = "Intercom API base URL (US region)"),
    ES_KEY(.name = "api_url_eu", .type = ES_TYPE_URL,
           .default_value = "https://api.eu.intercom.io",
           .question = "Intercom API base URL for the EU region, used "
                       "when region is eu and api_url keeps its default"),
    ES_KEY(.name = "api_url_au", .type = ES_TYPE_URL,
           .default_value = "https://api.au.intercom.io",
           .question = "Intercom API base URL for the Australian region, "
                       "used when region is au and api_url keeps its "
                       "default"),
    /* The attributes the platform writes (mno-enterprise's
     * intercom_user.rb and its company sync). */
    ES_KEY(.name = "contact_attributes", .type = ES_TYPE_LIST,
           .default_value =
               "[ \"first_name:string:First name of the platform user\", "
               "\"surname:string:Surname of the platform user\", "
               "\"confirmed_at:date:When the user confirmed their "
               "e-mail address\", "
               "\"admin_role:string:The user's admin role on the "
               "platform\" ]",
           .question = "Which custom data attributes does the platform "
                       "write on contacts? (name:type:description)",
           .pattern = ATTRIBUTE_PATTERN),
    ES_KEY(.name = "company_attributes", .type = ES_TYPE_LIST,
           .default_value =
               "[ \"credit_card_details:string:Whether the company has "
               "a card on file\", "
               "\"credit_card_expiry:string:Expiry of the card on "
               "file\", "
               "\"app_count:integer:Apps the company has connected\", "
               "\"app_list:string:Names of the connected apps\" ]",
           .question = "Which custom data attributes does the platform "
                       "write on companies? (name:type:description)",
           .pattern = ATTRIBUTE_PATTERN),
    ES_KEY(.name = "tags", .type = ES_TYPE_LIST,
           .question = "Which tags does the support team use? (unset: "
                       "none)",
           .example = "[ \"platform-user\", \"billing\", \"vip\" ]",
           .pattern = "^[^[:cntrl:]]{1,190}$"),
    ES_KEY(.name = "teammates", .type = ES_TYPE_LIST,
           .question = "Who are the support team's Intercom teammates? "
                       "(e-mail addresses; a person invites them)",
           .example = "[ \"support-lead@acme.example\" ]",
           .format = ES_FORMAT_EMAIL),
    ES_KEY(.name = "identity_verification_secret", .type = ES_TYPE_STRING,
           .flags = ES_KEY_SECRET,
           .question = "The workspace's identity verification secret for "
                       "web (Settings > Data > Security, shown only "
                       "there): a file or variable holding it",
           .example = "file:secrets/acme-intercom-iv.txt"),
    ES_KEYS_END,
};

/* ---- tasks: the checklist items this plugin accomplishes ------------- */

static const struct es_task intercom_tasks[] = {
    ES_TASK(.id = "read_app", .title = "Read the Intercom workspace",
            .section = "4.5", .needs = ES_LIST("access_token", "region"),
            .run = ic_read_app, .flags = ES_TASK_TEARDOWN),
    ES_TASK(.id = "data_attributes",
            .title = "Create the platform's custom data attributes",
            .section = "4.5", .depends_on = ES_LIST("read_app"),
            .needs = ES_LIST("contact_attributes", "company_attributes"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = ic_data_attributes),
    ES_TASK(.id = "tags", .title = "Create the support team's tags",
            .section = "4.5", .depends_on = ES_LIST("read_app"),
            .needs = ES_LIST("tags"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN, .run = ic_tags),
    /* A task with a function, not a manual one: it asks for the secret
     * only while the key is unset, and publishes it once it is. */
    ES_TASK(.id = "identity_verification_secret",
            .title = "Publish the identity verification secret",
            .section = "4.5", .depends_on = ES_LIST("read_app"),
            .needs = ES_LIST("access_token"), .run = ic_identity_secret,
            .flags = ES_TASK_TEARDOWN),
    /* Intercom's API cannot invite teammates, but GET /admins shows who
     * joined, so a person is asked only for those not there yet. */
    ES_TASK(.id = "invite_teammates",
            .title = "Invite the support team to Intercom", .section = "4.5",
            .depends_on = ES_LIST("read_app"), .needs = ES_LIST("teammates"),
            .run = ic_invite_teammates, .flags = ES_TASK_TEARDOWN),
    ES_TASKS_END,
};

/* ---- outputs: what the platform and other plugins read --------------- */

static const struct es_output intercom_outputs[] = {
    ES_OUTPUT(.name = "app_id", .type = ES_OUTPUT_STRING, .task = "read_app",
              .description = "The workspace's app id (`app.id_code` of "
                             "GET /me): the Messenger's app_id, the "
                             "platform's INTERCOM_APP_ID"),
    ES_OUTPUT(.name = "identity_verification_secret", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_SECRET, .task = "identity_verification_secret",
              .description = "The secret the platform signs user_hash "
                             "with (INTERCOM_API_SECRET)"),
    ES_OUTPUTS_END,
};

/* ---- descriptor ------------------------------------------------------ */

/* The limit the research notes give (1000 a minute, enforced in 10-second
 * windows); private apps share the workspace's quota. */
ES_PLUGIN(intercom, .name = "intercom", .version = "1.0.0",
          .description = "Intercom workspace for the support desk: app id, "
                         "custom data attributes, tags, identity verification "
                         "secret, teammates (checklist 4.5)",
          .keys = intercom_keys, .tasks = intercom_tasks,
          .outputs = intercom_outputs, .rate_limit_per_min = 1000)
