/*
 * mailgun: checklist 4.4, transaction e-mails on Mailgun.
 *
 * The worked example for plugin authors (docs/plugin-abi.md). This file
 * reads top to bottom: schema, tasks, the dispatch table, validate(), the
 * descriptor. mailgun_api.c holds the request helpers, mailgun_domain.c and
 * mailgun_templates.c one function per task. Every call is in Mailgun's
 * OpenAPI spec (mailgun/mailgun-mcp-server src/openapi.yaml); README.md
 * lists them.
 *
 * One function per task serves plan, apply and verify alike: it looks the
 * resource up, and when something is not in place, plan records a change,
 * verify reports it and only apply writes. So the three cannot drift apart.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mailgun.h"

#define US_API_URL "https://api.mailgun.net"

/* ---- schema: the elements needed before start ------------------------ */

static const char *const regions[] = {"us", "eu", NULL};
static const char *const dkim_sizes[] = {"1024", "2048", NULL};
/* The `id` values POST /v3/domains/{domain}/webhooks accepts. */
static const char *const webhook_types[] = {
    "accepted",       "clicked",    "opened",
    "unsubscribed",   "delivered",  "permanent_fail",
    "temporary_fail", "complained", NULL,
};

static const struct es_key mailgun_keys[] = {
    ES_KEY(.name = "api_key", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET,
           .question = "Which Mailgun account do we use? Its private API "
                       "key (Account settings > API keys)",
           .example = "env:MAILGUN_API_KEY"),
    ES_KEY(.name = "region", .type = ES_TYPE_ENUM, .default_value = "us",
           .allowed = regions,
           .question = "Is the Mailgun account in the US or EU region?"),
    ES_KEY(.name = "api_url", .type = ES_TYPE_URL, .default_value = US_API_URL,
           .question = "Mailgun API base URL (US region)"),
    ES_KEY(.name = "api_url_eu", .type = ES_TYPE_URL,
           .default_value = "https://api.eu.mailgun.net",
           .question = "Mailgun API base URL for the EU region, used when "
                       "region is eu and api_url keeps its default"),
    ES_KEY(.name = "domain", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_PER_ENV,
           .question = "Which domain sends the e-mails of this "
                       "environment?",
           .example = "mail.acme.example"),
    ES_KEY(.name = "webhook_url", .type = ES_TYPE_URL, .flags = ES_KEY_PER_ENV,
           .question = "Where should Mailgun post e-mail events in this "
                       "environment? (unset: no webhooks)",
           .example = "https://app.acme.example/hooks/mailgun"),
    ES_KEY(.name = "webhook_events", .type = ES_TYPE_LIST,
           .default_value =
               "[ \"delivered\", \"permanent_fail\", \"complained\" ]",
           .question = "Which events go to webhook_url? (accepted, "
                       "clicked, opened, unsubscribed, delivered, "
                       "permanent_fail, temporary_fail, complained)"),
    ES_KEY(.name = "templates_dir", .type = ES_TYPE_PATH,
           .question = "Do you need customisation / branding on your "
                       "e-mails? A directory of <name>.html templates",
           .example = "etc/templates/acme"),
    ES_KEY(.name = "smtp_login", .type = ES_TYPE_STRING,
           .default_value = "postmaster",
           .question = "SMTP login the platform sends with (before "
                       "@domain)"),
    ES_KEY(.name = "admins", .type = ES_TYPE_LIST,
           .question = "Who are the customer's Mailgun admins to invite? "
                       "(e-mail addresses)",
           .example = "[ \"ops-lead@acme.example\" ]"),
    ES_KEY(.name = "dkim_key_size", .type = ES_TYPE_ENUM,
           .default_value = "2048", .allowed = dkim_sizes,
           .question = "DKIM key size of the new sending domain (bits)"),
    ES_KEYS_END,
};

/* ---- tasks: the checklist items this plugin accomplishes ------------- */

static const struct es_task mailgun_tasks[] = {
    ES_TASK(.id = "verify_api_key", .title = "Check the Mailgun API key",
            .section = "4.4", .needs = ES_LIST("api_key", "region")),
    ES_TASK(.id = "create_domain", .title = "Create the sending domain",
            .section = "4.4", .depends_on = ES_LIST("verify_api_key"),
            .needs = ES_LIST("domain", "dkim_key_size"),
            .flags = ES_TASK_MUTATING),
    ES_TASK(.id = "verify_domain", .title = "Verify the domain's DNS",
            .section = "4.4", .depends_on = ES_LIST("create_domain"),
            .needs = ES_LIST("domain"), .flags = ES_TASK_LONG_RUNNING,
            .timeout_s = 3600),
    ES_TASK(.id = "configure_webhooks", .title = "Configure the webhooks",
            .section = "4.4", .depends_on = ES_LIST("create_domain"),
            .needs = ES_LIST("domain", "webhook_url", "webhook_events"),
            .flags = ES_TASK_MUTATING),
    ES_TASK(.id = "upload_templates", .title = "Upload the templates",
            .section = "4.4", .depends_on = ES_LIST("create_domain"),
            .needs = ES_LIST("domain", "templates_dir"),
            .flags = ES_TASK_MUTATING),
    ES_TASK(.id = "smtp_credentials", .title = "Create the SMTP login",
            .section = "4.4", .depends_on = ES_LIST("create_domain"),
            .needs = ES_LIST("domain", "smtp_login"),
            .flags = ES_TASK_MUTATING),
    ES_TASK(.id = "invite_admins", .title = "Invite the Mailgun admins",
            .section = "4.4", .depends_on = ES_LIST("verify_api_key"),
            .needs = ES_LIST("admins"), .flags = ES_TASK_MANUAL,
            .question = "Mailgun's API cannot invite users: invite each "
                        "address of the mailgun `admins` list as Admin in "
                        "the Mailgun control panel (Account settings > "
                        "Users > Invite new user). Are they all invited?"),
    ES_TASKS_END,
};

/* ---- instance: one customer environment ------------------------------ */

struct mailgun {
	const struct es_host *host;
};

/* ---- dispatch -------------------------------------------------------- */

/* invite_admins is ES_TASK_MANUAL: the core runs no callback for it. */
static const struct {
	const char *id;
	enum es_status (*run)(struct ctx *c);
	int uses_domain;
} task_fns[] = {
    {"verify_api_key", mg_verify_api_key, 0},
    {"create_domain", mg_create_domain, 1},
    {"verify_domain", mg_verify_domain, 1},
    {"configure_webhooks", mg_configure_webhooks, 1},
    {"upload_templates", mg_upload_templates, 1},
    {"smtp_credentials", mg_smtp_credentials, 1},
};

/* api_url, or api_url_eu for an EU account whose file does not set api_url. */
static int set_base(struct ctx *c)
{
	const char *region = mg_cfg(c, "region");
	const char *url = mg_cfg(c, "api_url");
	size_t n;

	if (region && strcmp(region, "eu") == 0 &&
	    !c->h->config->is_explicit(c->call, "api_url"))
		url = mg_cfg(c, "api_url_eu");
	if (!url || (n = strlen(url)) >= sizeof(c->base))
		return -1;
	while (n > 0 && url[n - 1] == '/')
		n--;
	memcpy(c->base, url, n);
	c->base[n] = '\0';
	return 0;
}

static enum es_status dispatch(es_call *call, void *state, const char *task,
                               enum es_phase phase)
{
	struct mailgun *m = state;
	struct ctx c = {.h = m->host, .call = call, .phase = phase};
	size_t n = sizeof(task_fns) / sizeof(task_fns[0]), i = 0;
	enum es_status st;

	while (i < n && (!task || strcmp(task_fns[i].id, task) != 0))
		i++;
	if (i == n)
		return ES_UNSUPPORTED;
	if (set_base(&c)) {
		c.h->diag->error(call, "api_url", "no usable API URL");
		return ES_INVALID_CONFIG;
	}
	c.domain = mg_cfg(&c, "domain");
	c.dom = c.domain ? c.h->http->escape(c.domain) : NULL;
	if (!c.dom && task_fns[i].uses_domain) {
		c.h->diag->error(call, "domain", "no usable domain");
		return ES_INVALID_CONFIG;
	}
	st = task_fns[i].run(&c);
	c.h->mem_free(c.dom);
	return st;
}

static enum es_status mailgun_plan(es_call *call, void *state, const char *t)
{
	return dispatch(call, state, t, ES_PHASE_PLAN);
}

static enum es_status mailgun_apply(es_call *call, void *state, const char *t)
{
	return dispatch(call, state, t, ES_PHASE_APPLY);
}

static enum es_status mailgun_verify(es_call *call, void *state, const char *t)
{
	return dispatch(call, state, t, ES_PHASE_VERIFY);
}

/* ---- validate: offline cross-checks beyond the schema ---------------- */

static int is_hostname(const char *s)
{
	size_t label = 0, dots = 0;

	for (const char *p = s; *p; p++) {
		if (*p == '.' && label > 0 && p[-1] != '-')
			label = 0, dots++;
		else if (isalnum((unsigned char)*p) || (*p == '-' && label))
			label++;
		else
			return 0;
		if (label > 63)
			return 0;
	}
	return dots > 0 && label > 0 && strlen(s) <= 253 &&
	       s[strlen(s) - 1] != '-';
}

static enum es_status mailgun_validate(es_call *call, void *state)
{
	struct mailgun *m = state;
	struct ctx c = {.h = m->host, .call = call};
	const struct es_config_api *conf = m->host->config;
	const char *domain = mg_cfg(&c, "domain"),
	           *dir = mg_cfg(&c, "templates_dir");
	const char *login = mg_cfg(&c, "smtp_login");
	size_t n = conf->list_size(call, "webhook_events");
	int bad = 0;

	if (domain && !is_hostname(domain) && ++bad)
		c.h->diag->error(call, "domain", "'%s' is not a host name",
		                 domain);
	if (login && (!*login || strpbrk(login, "@ \t/")) && ++bad)
		c.h->diag->error(call, "smtp_login",
		                 "give the part before @, e.g. postmaster");
	for (size_t i = 0; i < n; i++) {
		const char *e = conf->list_item(call, "webhook_events", i);
		size_t k = 0;

		while (e && webhook_types[k] && strcmp(webhook_types[k], e))
			k++;
		if ((!e || !webhook_types[k]) && ++bad)
			c.h->diag->error(call, "webhook_events",
			                 "unknown event '%s'", e ? e : "");
	}
	if (mg_cfg(&c, "webhook_url") && n == 0 && ++bad)
		c.h->diag->error(call, "webhook_events",
		                 "webhook_url is set but no event is chosen");
	for (size_t i = 0; i < conf->list_size(call, "admins"); i++) {
		const char *a = conf->list_item(call, "admins", i);

		if ((!a || !strchr(a, '@')) && ++bad)
			c.h->diag->error(call, "admins",
			                 "'%s' is not an e-mail address",
			                 a ? a : "");
	}
	if (dir)
		bad += mg_bad_templates(&c, dir);
	return bad ? ES_INVALID_CONFIG : ES_OK;
}

/* ---- instance and descriptor ----------------------------------------- */

static enum es_status mailgun_create(const struct es_host *host, es_call *call,
                                     void **state)
{
	struct mailgun *m = calloc(1, sizeof(*m));

	(void)call;
	if (!m)
		return ES_FAILED;
	m->host = host;
	*state = m;
	return ES_OK;
}

static void mailgun_destroy_instance(void *state)
{
	free(state);
}

static const struct es_plugin_ops mailgun_ops = {
    .struct_size = sizeof(struct es_plugin_ops),
    .create = mailgun_create,
    .destroy_instance = mailgun_destroy_instance,
    .validate = mailgun_validate,
    .plan = mailgun_plan,
    .apply = mailgun_apply,
    .verify = mailgun_verify,
};

static const struct es_plugin_descriptor mailgun = {
    ES_DESCRIPTOR_HEADER,
    .name = "mailgun",
    .version = "1.0.0",
    .description = "Mailgun sending domain, DNS records, webhooks, "
                   "templates and SMTP login (checklist 4.4)",
    .keys = mailgun_keys,
    .tasks = mailgun_tasks,
    .ops = &mailgun_ops,
    /* No rate limit is documented for these calls: Mailgun answers 429
     * with Retry-After, which the core honours. */
};

ES_PLUGIN_DEFINE(mailgun)
