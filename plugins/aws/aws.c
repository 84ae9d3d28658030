/*
 * aws: checklist section 1 (Infrastructure) on Amazon Web Services.
 *
 * Creates (or adopts) the customer's member account in the management
 * account's AWS Organization, steps into it with STS AssumeRole, makes
 * the admin and simple-user IAM groups and users, and publishes the
 * component URLs in a Route 53 hosted zone. See README.md.
 *
 * This file reads top to bottom: schema, tasks, validate(), the instance
 * (the STS session of the run), the descriptor. aws_api.c sets up the
 * clients; aws_account.c, aws_session.c, aws_iam.c, aws_zone.c and
 * aws_records.c hold one function per task. Each function walks the same
 * look-ups in plan, apply and verify: when something is not in place,
 * plan records a change, verify reports it and only apply writes.
 */
#include <stdlib.h>

#include <libxml/parser.h>

#include "aws.h"

/* ---------------------------------------------------------------- schema */

/* IAM user, group and role names: [\w+=,.@-], up to 64 or 128. */
#define IAM_NAME_64 "^[A-Za-z0-9_+=,.@-]{1,64}$"
#define IAM_NAME_128 "^[A-Za-z0-9_+=,.@-]{1,128}$"

static const struct es_key aws_keys[] = {
    ES_KEY(.name = "access_key_id", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET,
           .question = "Access key id of the AWS management account "
                       "(the Organization's payer) used to set up the "
                       "infrastructure account",
           .example = "env:AWS_ACCESS_KEY_ID"),
    ES_KEY(.name = "secret_access_key", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET,
           .question = "Secret access key matching access_key_id",
           .example = "file:secrets/aws-secret-access-key"),
    ES_KEY(.name = "account_mode", .type = ES_TYPE_ENUM,
           .default_value = "create", .allowed = ES_LIST("create", "adopt"),
           .question = "Create a new member account for the customer, or "
                       "adopt one that already exists in the Organization?"),
    ES_KEY(.name = "account_id", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "12-digit id of the existing account to adopt "
                       "(account_mode = adopt)",
           .example = "123456789012", .pattern = "^[0-9]{12}$",
           .required_when = "account_mode=adopt"),
    /* CreateAccount's limits: an address of 6 to 64 characters. */
    ES_KEY(.name = "account_email", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "Root e-mail address of the infrastructure account "
                       "(account_mode = create; unique across AWS)",
           .example = "aws+uat@acme.example", .format = ES_FORMAT_EMAIL,
           .pattern = "^.{6,64}$", .required_when = "account_mode=create"),
    ES_KEY(.name = "account_name", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "Display name of the infrastructure account "
                       "(account_mode = create)",
           .example = "acme-uat", .pattern = "^.{1,50}$",
           .required_when = "account_mode=create"),
    ES_KEY(.name = "role_name", .type = ES_TYPE_STRING,
           .default_value = "OrganizationAccountAccessRole",
           .question = "Role in the member account the management account "
                       "may assume",
           .pattern = IAM_NAME_64),
    ES_KEY(.name = "admin_group", .type = ES_TYPE_STRING,
           .default_value = "admins",
           .question = "IAM group of the administrators",
           .pattern = IAM_NAME_128),
    ES_KEY(.name = "user_group", .type = ES_TYPE_STRING,
           .default_value = "users",
           .question = "IAM group of the simple users",
           .pattern = IAM_NAME_128),
    ES_KEY(.name = "admin_users", .type = ES_TYPE_LIST,
           .question = "Who are the administrators of the infrastructure "
                       "management tool? (IAM user names)",
           .example = "[ \"alice\" ]", .pattern = IAM_NAME_64),
    ES_KEY(.name = "users", .type = ES_TYPE_LIST,
           .question = "Who are its simple users? (IAM user names)",
           .example = "[ \"bob\", \"carol\" ]", .pattern = IAM_NAME_64),
    ES_KEY(.name = "admin_policy_arns", .type = ES_TYPE_LIST,
           .default_value =
               "[ \"arn:aws:iam::aws:policy/AdministratorAccess\" ]",
           .question = "Managed policies attached to the admin group"),
    ES_KEY(.name = "user_policy_arns", .type = ES_TYPE_LIST,
           .default_value = "[ \"arn:aws:iam::aws:policy/ReadOnlyAccess\" ]",
           .question = "Managed policies attached to the user group"),
    ES_KEY(.name = "hosted_zone", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "Customer domain served by Route 53 for the "
                       "component URLs",
           .example = "acme.example"),
    /* name=target; the target goes into XML, escaped, but a space or a
     * quote in it is a typo, not a record. */
    ES_KEY(.name = "records", .type = ES_TYPE_LIST, .flags = ES_KEY_PER_ENV,
           .question = "Component URLs of this environment, as "
                       "\"name=target\" (name relative to hosted_zone)",
           .example = "[ \"app=lb-uat.example.net\" ]",
           .pattern = "^[^=[:space:]\"<>&]+=[^[:space:]\"<>&]+$"),
    ES_KEY(.name = "record_type", .type = ES_TYPE_ENUM, .flags = ES_KEY_PER_ENV,
           .default_value = "CNAME",
           .allowed = ES_LIST("CNAME", "A", "AAAA", "TXT"),
           .question = "DNS type of the component records"),
    ES_KEY(.name = "ttl", .type = ES_TYPE_INT,
           .flags = ES_KEY_PER_ENV | ES_KEY_MIN | ES_KEY_MAX,
           .default_value = "300", .min = 0, .max = 2147483647,
           .question = "TTL of the component records, in seconds"),
    ES_KEY(.name = "poll_interval", .type = ES_TYPE_DURATION,
           .default_value = "15s",
           .question = "How often to poll account creation and DNS "
                       "changes"),
    ES_KEY(.name = "region", .type = ES_TYPE_STRING,
           .default_value = "us-east-1",
           .question = "SigV4 signing region of the global endpoints"),
    ES_KEY(.name = "organizations_url", .type = ES_TYPE_URL,
           .default_value = "https://organizations.us-east-1.amazonaws.com",
           .question = "AWS Organizations endpoint"),
    ES_KEY(.name = "iam_url", .type = ES_TYPE_URL,
           .default_value = "https://iam.amazonaws.com",
           .question = "IAM endpoint"),
    ES_KEY(.name = "sts_url", .type = ES_TYPE_URL,
           .default_value = "https://sts.amazonaws.com",
           .question = "STS endpoint"),
    ES_KEY(.name = "route53_url", .type = ES_TYPE_URL,
           .default_value = "https://route53.amazonaws.com",
           .question = "Route 53 endpoint"),
    ES_KEYS_END,
};

/* ----------------------------------------------------------------- tasks */

#define CREDS "access_key_id", "secret_access_key", "region"

static const struct es_task aws_tasks[] = {
    ES_TASK(.id = "create_account",
            .title = "Provision the infrastructure account", .section = "1",
            .needs = ES_LIST(CREDS, "account_mode", "account_id",
                             "account_email", "account_name", "role_name",
                             "organizations_url", "poll_interval"),
            .flags = ES_TASK_MUTATING | ES_TASK_LONG_RUNNING | ES_TASK_TEARDOWN,
            .timeout_s = 3600, .run = aws_create_account),
    ES_TASK(.id = "assume_role",
            .title = "Open a session inside the infrastructure account",
            .section = "1", .depends_on = ES_LIST("create_account"),
            .needs = ES_LIST(CREDS, "role_name", "sts_url"),
            .run = aws_assume_role, .flags = ES_TASK_TEARDOWN),
    ES_TASK(.id = "iam_groups",
            .title = "Create the admin and user groups with their policies",
            .section = "1", .depends_on = ES_LIST("assume_role"),
            .needs =
                ES_LIST(CREDS, "admin_group", "user_group", "admin_policy_arns",
                        "user_policy_arns", "iam_url"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = aws_iam_groups),
    ES_TASK(.id = "iam_users",
            .title = "Create the admin and simple users of the "
                     "infrastructure management tool",
            .section = "1", .depends_on = ES_LIST("iam_groups"),
            .needs = ES_LIST(CREDS, "admin_users", "users", "admin_group",
                             "user_group", "iam_url"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN, .run = aws_iam_users),
    ES_TASK(.id = "hosted_zone",
            .title = "Create the DNS zone of the component URLs",
            .section = "1", .depends_on = ES_LIST("assume_role"),
            .needs = ES_LIST(CREDS, "hosted_zone", "route53_url"),
            .flags = ES_TASK_MUTATING | ES_TASK_TEARDOWN,
            .run = aws_hosted_zone),
    ES_TASK(.id = "dns_records",
            .title = "Publish the component URLs of the environment",
            .section = "1", .depends_on = ES_LIST("hosted_zone"),
            .needs = ES_LIST(CREDS, "hosted_zone", "records", "record_type",
                             "ttl", "route53_url", "poll_interval"),
            .flags = ES_TASK_MUTATING | ES_TASK_LONG_RUNNING | ES_TASK_TEARDOWN,
            .timeout_s = 3600, .run = aws_dns_records),
    ES_TASKS_END,
};

/* ---- outputs: what the platform, people and other plugins read ------ */

static const struct es_output aws_outputs[] = {
    ES_OUTPUT(.name = "account_id", .type = ES_OUTPUT_STRING,
              .task = "create_account",
              .description = "The infrastructure account's 12-digit id"),
    ES_OUTPUT(.name = "console_url", .type = ES_OUTPUT_STRING,
              .task = "create_account",
              .description = "The account's console sign-in URL"),
    ES_OUTPUT(.name = "role_arn", .type = ES_OUTPUT_STRING,
              .task = "assume_role",
              .description = "The role the management account assumes in "
                             "it"),
    ES_OUTPUT(.name = "zone_id", .type = ES_OUTPUT_STRING,
              .task = "hosted_zone",
              .description = "The Route 53 hosted zone's id"),
    ES_OUTPUT(.name = "name_servers", .type = ES_OUTPUT_STRING,
              .task = "hosted_zone",
              .description = "The zone's name servers, comma-separated, "
                             "for the registrar"),
    ES_OUTPUT(.name = "delegation", .type = ES_OUTPUT_RECORDS,
              .task = "hosted_zone",
              .description = "The NS records that delegate the zone from "
                             "its parent (publish them there)"),
    ES_OUTPUTS_END,
};

/* ---- validate: offline cross-checks beyond the schema ---------------- */

static enum es_status aws_validate(const struct es_ctx *x)
{
	if (x->host->config->list_size(x->call, "records") > 0 &&
	    !aws_cfg(x, "hosted_zone")) {
		x->host->diag->error(
		    x->call, "hosted_zone",
		    "records need the hosted_zone they live in");
		return ES_INVALID_CONFIG;
	}
	return ES_OK;
}

/* ---- instance: the STS session of the run ----------------------------- */

static enum es_status aws_create(const struct es_ctx *x, void **instance)
{
	struct aws *a = calloc(1, sizeof(*a));

	(void)x;
	if (!a)
		return ES_FAILED;
	pthread_mutex_init(&a->lock, NULL);
	/* libxml2's one-time setup, before any thread might parse. */
	xmlInitParser();
	*instance = a;
	return ES_OK;
}

static void aws_destroy_instance(void *instance)
{
	struct aws *a = instance;

	if (a)
		pthread_mutex_destroy(&a->lock);
	free(a);
}

/* ---- descriptor ------------------------------------------------------ */

/* IAM's documented control-plane limit is low; stay well under it (the
 * rate limit holds whatever the overlap). Task functions may overlap:
 * each call has its own HTTP client, and the one piece of instance state,
 * the STS session, is opened under its lock (aws.h); AWS publishes
 * request rates, not a cap on requests in flight, so 4 covers the
 * independent chains (IAM, Route 53) and their teardown. */
ES_PLUGIN(aws, .name = "aws", .version = "2.0.0",
          .description = "AWS infrastructure account, IAM users and Route 53 "
                         "records (checklist section 1)",
          .keys = aws_keys, .tasks = aws_tasks, .outputs = aws_outputs,
          .ops = ES_OPS(.create = aws_create,
                        .destroy_instance = aws_destroy_instance,
                        .validate = aws_validate),
          .rate_limit_per_min = 300, .max_concurrency = 4)
