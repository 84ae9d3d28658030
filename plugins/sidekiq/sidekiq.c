/*
 * sidekiq: checklist 4.3, the Sidekiq UIs of the platform's components.
 *
 * Reads top to bottom: schema, tasks, outputs, descriptor.
 * sidekiq_credentials.c holds the one task that does something.
 *
 * There is no provider: Connec! and Impac! (and the connectors) guard their
 * /sidekiq page with one basic-auth login read from SIDEKIQ_USERNAME and
 * SIDEKIQ_PASSWORD, which someone has to invent, keep and hand to the
 * platform. The core generates each password once (secret->generate) and
 * keeps it in the environment's 0600 secrets file, so re-runs publish the
 * same one. MnoHub's UI is open to platform admins by role, which only a
 * person can check: a manual gate. A plugin rather than core code, because
 * it is one more checklist section an operator can enable or not.
 */
#include "sidekiq.h"

/* ---- schema: the elements needed before start ------------------------ */

static const struct es_key sidekiq_keys[] = {
    ES_KEY(.name = "components", .type = ES_TYPE_LIST,
           .default_value = "[ \"connec\", \"impac\" ]",
           .question = "Which components' Sidekiq UIs need a login? "
                       "(their SIDEKIQ_USERNAME / SIDEKIQ_PASSWORD)",
           .pattern = "^[a-z][a-z0-9_-]{0,31}$"),
    ES_KEY(.name = "username", .type = ES_TYPE_STRING, .flags = ES_KEY_PER_ENV,
           .default_value = "sidekiq-admin",
           .question = "Which user name do the Sidekiq UIs take?",
           .pattern = "^[A-Za-z0-9_.@-]{1,64}$"),
    ES_KEYS_END,
};

/* ---- tasks: the checklist items this plugin accomplishes ------------- */

static const struct es_task sidekiq_tasks[] = {
    ES_TASK(.id = "credentials", .title = "Generate the Sidekiq UI logins",
            .section = "4.3", .needs = ES_LIST("components", "username"),
            .run = sidekiq_credentials),
    ES_TASK(.id = "admin_access",
            .title = "Give the platform admins access to Sidekiq",
            .section = "4.3", .depends_on = ES_LIST("credentials"),
            .flags = ES_TASK_MANUAL,
            .question = "Are the published sidekiq `username` and "
                        "`password` outputs (the password in the "
                        "environment's 0600 secrets.json) set as "
                        "SIDEKIQ_USERNAME / SIDEKIQ_PASSWORD of each "
                        "component, and can the platform admins open "
                        "MnoHub's /sidekiq (admin_role admin) and every "
                        "component's /sidekiq in this environment?"),
    ES_TASKS_END,
};

/* ---- outputs: what the platform reads -------------------------------- */

static const struct es_output sidekiq_outputs[] = {
    ES_OUTPUT(.name = "username", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_PER_ITEM, .task = "credentials",
              .description = "A component's SIDEKIQ_USERNAME "
                             "(username:<component>)"),
    ES_OUTPUT(.name = "password", .type = ES_OUTPUT_STRING,
              .flags = ES_OUTPUT_PER_ITEM | ES_OUTPUT_SECRET,
              .task = "credentials",
              .description = "A component's SIDEKIQ_PASSWORD "
                             "(password:<component>), generated once"),
    ES_OUTPUTS_END,
};

/* ---- descriptor ------------------------------------------------------ */

/* No ops: nothing to keep between calls and no rule spanning two keys. */
ES_PLUGIN(sidekiq, .name = "sidekiq", .version = "1.0.0",
          .description = "Generated basic-auth logins for the components' "
                         "Sidekiq UIs, and the admin access gate "
                         "(checklist 4.3)",
          .keys = sidekiq_keys, .tasks = sidekiq_tasks,
          .outputs = sidekiq_outputs)
