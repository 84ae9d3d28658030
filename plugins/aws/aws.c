/*
 * aws: checklist section 1 (Infrastructure) on Amazon Web Services.
 *
 * Creates (or adopts) the customer's member account in the management
 * account's AWS Organization, steps into it with STS AssumeRole, makes
 * the admin and simple-user IAM groups and users, and publishes the
 * component URLs in a Route 53 hosted zone. See README.md.
 *
 * This file: schema -> tasks -> descriptor -> per-task dispatch table.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "aws.h"
#include "envsetup/plugin.h"

/* ---------------------------------------------------------------- schema */

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
           .example = "123456789012"),
    ES_KEY(.name = "account_email", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "Root e-mail address of the infrastructure account "
                       "(account_mode = create; unique across AWS)",
           .example = "aws+uat@acme.example"),
    ES_KEY(.name = "account_name", .type = ES_TYPE_STRING,
           .flags = ES_KEY_PER_ENV,
           .question = "Display name of the infrastructure account "
                       "(account_mode = create)",
           .example = "acme-uat"),
    ES_KEY(.name = "role_name", .type = ES_TYPE_STRING,
           .default_value = "OrganizationAccountAccessRole",
           .question = "Role in the member account the management account "
                       "may assume"),
    ES_KEY(.name = "admin_group", .type = ES_TYPE_STRING,
           .default_value = "admins",
           .question = "IAM group of the administrators"),
    ES_KEY(.name = "user_group", .type = ES_TYPE_STRING,
           .default_value = "users",
           .question = "IAM group of the simple users"),
    ES_KEY(.name = "admin_users", .type = ES_TYPE_LIST,
           .question = "Who are the administrators of the infrastructure "
                       "management tool? (IAM user names)",
           .example = "[ \"alice\" ]"),
    ES_KEY(.name = "users", .type = ES_TYPE_LIST,
           .question = "Who are its simple users? (IAM user names)",
           .example = "[ \"bob\", \"carol\" ]"),
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
    ES_KEY(.name = "records", .type = ES_TYPE_LIST, .flags = ES_KEY_PER_ENV,
           .question = "Component URLs of this environment, as "
                       "\"name=target\" (name relative to hosted_zone)",
           .example = "[ \"app=lb-uat.example.net\" ]"),
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
            .flags = ES_TASK_MUTATING | ES_TASK_LONG_RUNNING,
            .timeout_s = 3600),
    ES_TASK(.id = "assume_role",
            .title = "Open a session inside the infrastructure account",
            .section = "1", .depends_on = ES_LIST("create_account"),
            .needs = ES_LIST(CREDS, "role_name", "sts_url")),
    ES_TASK(.id = "iam_groups",
            .title = "Create the admin and user groups with their policies",
            .section = "1", .depends_on = ES_LIST("assume_role"),
            .needs =
                ES_LIST(CREDS, "admin_group", "user_group", "admin_policy_arns",
                        "user_policy_arns", "iam_url"),
            .flags = ES_TASK_MUTATING),
    ES_TASK(.id = "iam_users",
            .title = "Create the admin and simple users of the "
                     "infrastructure management tool",
            .section = "1", .depends_on = ES_LIST("iam_groups"),
            .needs = ES_LIST(CREDS, "admin_users", "users", "admin_group",
                             "user_group", "iam_url"),
            .flags = ES_TASK_MUTATING),
    ES_TASK(.id = "hosted_zone",
            .title = "Create the DNS zone of the component URLs",
            .section = "1", .depends_on = ES_LIST("assume_role"),
            .needs = ES_LIST(CREDS, "hosted_zone", "route53_url"),
            .flags = ES_TASK_MUTATING),
    ES_TASK(.id = "dns_records",
            .title = "Publish the component URLs of the environment",
            .section = "1", .depends_on = ES_LIST("hosted_zone"),
            .needs = ES_LIST(CREDS, "hosted_zone", "records", "record_type",
                             "ttl", "route53_url", "poll_interval"),
            .flags = ES_TASK_MUTATING | ES_TASK_LONG_RUNNING,
            .timeout_s = 3600),
    ES_TASKS_END,
};

/* Verifying a session means opening one. */
static enum es_status role_verify(es_call *call, struct aws *a)
{
	return aws_session(call, a);
}

struct aws_task_ops {
	const char *id;
	aws_task_fn plan, apply, verify;
};

static const struct aws_task_ops task_ops[] = {
    {"create_account", aws_account_plan, aws_account_apply, aws_account_verify},
    {"assume_role", aws_role_plan, aws_role_apply, role_verify},
    {"iam_groups", aws_groups_plan, aws_groups_apply, aws_groups_verify},
    {"iam_users", aws_users_plan, aws_users_apply, aws_users_verify},
    {"hosted_zone", aws_zone_plan, aws_zone_apply, aws_zone_verify},
    {"dns_records", aws_records_plan, aws_records_apply, aws_records_verify},
};

static const struct aws_task_ops *find_task(const char *id)
{
	for (size_t i = 0;
	     id != NULL && i < sizeof(task_ops) / sizeof(*task_ops); i++)
		if (strcmp(task_ops[i].id, id) == 0)
			return &task_ops[i];
	return NULL;
}

/* ------------------------------------------------------------- callbacks */

static enum es_status aws_create(const struct es_host *host, es_call *call,
                                 void **state)
{
	struct aws *a;

	(void)call;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return ES_FAILED;
	a->host = host;
	/* libxml2's one-time setup, before any thread might parse. */
	xmlInitParser();
	*state = a;
	return ES_OK;
}

static void aws_destroy_instance(void *state)
{
	free(state);
}

/* IAM names: [\w+=,.@-]{1,max}. */
static int iam_name_ok(const char *s, size_t max)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > max)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("_+=,.@-", *s)))
			return 0;
	return 1;
}

static int check_names(es_call *call, struct aws *a, const char *key,
                       size_t max)
{
	const struct es_config_api *c = a->host->config;
	int bad = 0;

	for (size_t i = 0; i < c->list_size(call, key); i++) {
		const char *n = c->list_item(call, key, i);
		if (!iam_name_ok(n, max)) {
			a->host->diag->error(call, key,
			                     "\"%s\" is not a valid IAM name "
			                     "(1-%zu of A-Z a-z 0-9 _+=,.@-)",
			                     n != NULL ? n : "", max);
			bad = 1;
		}
	}
	return bad;
}

static int check_account(es_call *call, struct aws *a)
{
	const struct es_config_api *c = a->host->config;
	const char *mode = c->get_string(call, "account_mode");
	const char *id = c->get_string(call, "account_id");
	int bad = 0;

	if (mode != NULL && strcmp(mode, "adopt") == 0) {
		if (id == NULL || strlen(id) != 12 ||
		    strspn(id, "0123456789") != 12) {
			a->host->diag->error(call, "account_id",
			                     "account_mode = adopt needs the "
			                     "12-digit account_id");
			bad = 1;
		}
		return bad;
	}
	const char *email = c->get_string(call, "account_email");
	const char *name = c->get_string(call, "account_name");
	if (email == NULL || strlen(email) < 6 || strlen(email) > 64 ||
	    strchr(email, '@') == NULL || strchr(email, ' ') != NULL) {
		a->host->diag->error(
		    call, "account_email",
		    "account_mode = create needs the account's "
		    "e-mail address (6-64 characters)");
		bad = 1;
	}
	if (name == NULL || *name == '\0' || strlen(name) > 50) {
		a->host->diag->error(call, "account_name",
		                     "account_mode = create needs an "
		                     "account_name of 1-50 characters");
		bad = 1;
	}
	return bad;
}

static int check_records(es_call *call, struct aws *a)
{
	const struct es_config_api *c = a->host->config;
	size_t n = c->list_size(call, "records");
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		const char *r = c->list_item(call, "records", i);
		const char *eq = r != NULL ? strchr(r, '=') : NULL;
		if (eq == NULL || eq == r || eq[1] == '\0' ||
		    strpbrk(r, " \t\"<>&") != NULL) {
			a->host->diag->error(call, "records",
			                     "\"%s\" is not name=target",
			                     r != NULL ? r : "");
			bad = 1;
		}
	}
	if (n > 0 && c->get_string(call, "hosted_zone") == NULL) {
		a->host->diag->error(
		    call, "hosted_zone",
		    "records need the hosted_zone they live in");
		bad = 1;
	}
	return bad;
}

static enum es_status aws_validate(es_call *call, void *state)
{
	struct aws *a = state;
	const struct es_config_api *c = a->host->config;
	int bad = check_account(call, a);

	bad |= check_names(call, a, "admin_users", 64);
	bad |= check_names(call, a, "users", 64);
	if (!iam_name_ok(c->get_string(call, "admin_group"), 128)) {
		a->host->diag->error(call, "admin_group",
		                     "not a valid IAM name");
		bad = 1;
	}
	if (!iam_name_ok(c->get_string(call, "user_group"), 128)) {
		a->host->diag->error(call, "user_group",
		                     "not a valid IAM name");
		bad = 1;
	}
	if (!iam_name_ok(c->get_string(call, "role_name"), 64)) {
		a->host->diag->error(call, "role_name",
		                     "not a valid role name");
		bad = 1;
	}
	bad |= check_records(call, a);
	return bad ? ES_INVALID_CONFIG : ES_OK;
}

static enum es_status run(es_call *call, void *state, const char *task_id,
                          int which)
{
	const struct aws_task_ops *t = find_task(task_id);
	aws_task_fn fn;

	if (t == NULL)
		return ES_UNSUPPORTED;
	fn = which == 0 ? t->plan : which == 1 ? t->apply : t->verify;
	return fn(call, state);
}

static enum es_status aws_plan(es_call *call, void *state, const char *id)
{
	return run(call, state, id, 0);
}

static enum es_status aws_apply(es_call *call, void *state, const char *id)
{
	return run(call, state, id, 1);
}

static enum es_status aws_verify(es_call *call, void *state, const char *id)
{
	return run(call, state, id, 2);
}

static const struct es_plugin_ops aws_ops = {
    .struct_size = sizeof(struct es_plugin_ops),
    .create = aws_create,
    .destroy_instance = aws_destroy_instance,
    .validate = aws_validate,
    .plan = aws_plan,
    .apply = aws_apply,
    .verify = aws_verify,
};

static const struct es_plugin_descriptor aws = {
    ES_DESCRIPTOR_HEADER,
    .name = "aws",
    .version = "1.0.0",
    .description = "AWS infrastructure account, IAM users and Route 53 "
                   "records (checklist section 1)",
    .keys = aws_keys,
    .tasks = aws_tasks,
    .ops = &aws_ops,
    /* IAM's documented control-plane limit is low; stay well under it. */
    .rate_limit_per_min = 300,
};

ES_PLUGIN_DEFINE(aws)
