/*
 * azure: checklist 1, the customer's infrastructure account on Azure.
 *
 * Shaped like plugins/mailgun: schema, tasks, request helpers (azure_api.c,
 * included here), one function per task serving plan, apply and verify
 * alike, the dispatch table, validate(), the descriptor. Calls follow the ARM
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "envsetup/envsetup.h"

#define SUBSCRIPTION_API "2021-10-01"
#define RESOURCES_API "2021-04-01"
#define AUTHORIZATION_API "2022-04-01"
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

#include "azure_api.c"

/* ---- subscription (long-running when created) ------------------------ */

/* The subscription is there: remember its id for the later tasks. */
static enum es_status record_subscription(struct ctx *c, const char *id)
{
	const char *old;

	if (!id || !azure_is_guid(id)) {
		c->h->diag->error(c->call, NULL, "no usable subscriptionId");
		return ES_FAILED;
	}
	snprintf(c->sub, sizeof(c->sub), "%s", id);
	if (c->phase == PLAN)
		return ES_OK;
	old = c->h->state->get(c->call, "subscription_id");
	if ((!old || strcmp(old, id) != 0) &&
	    c->h->state->put(c->call, "subscription_id", id))
		return ES_FAILED;
	if (c->h->state->get(c->call, "alias_poll"))
		c->h->state->del(c->call, "alias_poll");
	return c->h->output->set(c->call, "subscription_id", id, 0) ? ES_FAILED
	                                                            : ES_OK;
}

/* adopt: the subscription exists when its resource groups can be listed
 * (Subscriptions_Get lives in another spec than the ones we follow). */
static enum es_status adopt_subscription(struct ctx *c)
{
	const char *id = cfg(c, "subscription_id");
	struct reply r;
	enum es_status st;

	st = api(c, &r, ARM, "GET", NULL, NULL,
	         "/subscriptions/%s/resourcegroups?api-version=" RESOURCES_API
	         "&$top=1",
	         c->sub);
	if (st == ES_OK && r.absent) {
		c->h->diag->error(c->call, "subscription_id",
		                  "subscription %s not found, or the service "
		                  "principal has no role on it (%s)",
		                  id, r.code);
		st = ES_INVALID_CONFIG;
	} else if (st == ES_OK) {
		st = record_subscription(c, id);
	}
	reply_free(c, &r);
	return st;
}

/* Keep the poll URL of the alias creation across runs, "async URL" or
 * "location URL", when it points at arm_url. */
static void keep_poll_url(struct ctx *c, const struct reply *r)
{
	const char *url = r->async_url ? r->async_url : r->location;
	char *v;

	if (!url)
		return;
	if (!azure_same_origin(c->arm, url)) {
		c->h->log->log(c->call, ES_LOG_WARNING,
		               "not following a poll URL outside arm_url");
		return;
	}
	if (asprintf(&v, "%s %s", r->async_url ? "async" : "location", url) < 0)
		return;
	c->h->state->put(c->call, "alias_poll", v);
	free(v);
}

static enum es_status still_running(struct ctx *c, const char *alias,
                                    uint32_t retry_ms)
{
	c->h->progress->step(c->call,
	                     "subscription alias %s is being "
	                     "provisioned",
	                     alias);
	c->h->diag->retry_after(c->call, retry_ms ? retry_ms : poll_ms(c));
	return ES_IN_PROGRESS;
}

/* What an alias answer means: done, failed or still running. */
static enum es_status alias_outcome(struct ctx *c, const char *alias,
                                    const struct reply *r)
{
	const char *state =
	    c->h->json->get_string(r->json, "properties.provisioningState");

	if (state && strcmp(state, "Succeeded") == 0)
		return record_subscription(
		    c, c->h->json->get_string(r->json,
		                              "properties.subscriptionId"));
	if (state &&
	    (strcmp(state, "Failed") == 0 || strcmp(state, "Canceled") == 0)) {
		c->h->diag->error(c->call, "billing_scope",
		                  "creating subscription alias %s %s", alias,
		                  state);
		return ES_FAILED;
	}
	return still_running(c, alias, r->retry_after_ms);
}

static enum es_status get_alias(struct ctx *c, struct reply *r,
                                const char *alias)
{
	return api(c, r, ARM, "GET", NULL, NULL,
	           "/providers/Microsoft.Subscription/aliases/%s"
	           "?api-version=" SUBSCRIPTION_API,
	           alias);
}

/*
 * apply, alias still provisioning: follow ARM's async rules. With an
 * Azure-AsyncOperation URL, GET it until its status is final; with a
 * Location URL, 202 means running and 200/204 done; then the alias itself
 * tells the subscription id. Without either, the alias GET was the poll.
 */
static enum es_status poll_alias(struct ctx *c, const char *alias)
{
	const char *kept = c->h->state->get(c->call, "alias_poll");
	char *poll = kept ? strdup(kept) : NULL;
	const char *url = poll ? strchr(poll, ' ') : NULL;
	const char *status;
	struct reply r;
	enum es_status st;
	int async = poll && strncmp(poll, "async ", 6) == 0;

	if (!url) {
		free(poll);
		return still_running(c, alias, 0);
	}
	st = send(c, &r, ARM, "GET", NULL, NULL, url + 1);
	free(poll);
	if (st != ES_OK)
		return st;
	status = c->h->json->get_string(r.json, "status");
	if (r.absent) {
		c->h->state->del(c->call,
		                 "alias_poll"); /* forgotten: use GET */
		st = still_running(c, alias, r.retry_after_ms);
	} else if (async && status &&
	           (strcmp(status, "Failed") == 0 ||
	            strcmp(status, "Canceled") == 0)) {
		const char *why =
		    c->h->json->get_string(r.json, "error.message");

		c->h->diag->error(c->call, "billing_scope",
		                  "creating subscription alias %s: %s %s",
		                  alias, status, why ? why : "");
		st = ES_FAILED;
	} else if (async ? status && strcmp(status, "Succeeded") == 0
	                 : r.status != 202) {
		reply_free(c, &r);
		st = get_alias(c, &r, alias);
		if (st == ES_OK)
			st = r.absent ? still_running(c, alias, 0)
			              : alias_outcome(c, alias, &r);
	} else {
		st = still_running(c, alias, r.retry_after_ms);
	}
	reply_free(c, &r);
	return st;
}

static enum es_status put_alias(struct ctx *c, const char *alias)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object(), *props = j->new_object();
	char intent[160];
	struct reply r;
	enum es_status st = ES_FAILED;

	if (body && props) {
		j->set_string(props, "displayName",
		              cfg(c, "subscription_name"));
		j->set_string(props, "workload", cfg(c, "workload"));
		j->set_string(props, "billingScope", cfg(c, "billing_scope"));
		j->add(body, "properties", props);
		props = NULL;
		snprintf(intent, sizeof(intent), "create subscription alias %s",
		         alias);
		st = api(c, &r, ARM, "PUT", body, intent,
		         "/providers/Microsoft.Subscription/aliases/%s"
		         "?api-version=" SUBSCRIPTION_API,
		         alias);
	}
	j->free(props);
	j->free(body);
	if (st != ES_OK)
		return st;
	keep_poll_url(c, &r);
	st = alias_outcome(c, alias, &r);
	reply_free(c, &r);
	return st;
}

static enum es_status subscription(struct ctx *c)
{
	const char *name = cfg(c, "subscription_name");
	char alias[96];
	const char *state;
	struct reply r;
	enum es_status st;

	if (!cfg_is(c, "subscription_mode", "create"))
		return adopt_subscription(c);
	if (azure_alias_name(c->h->config->customer(c->call), alias,
	                     sizeof(alias))) {
		c->h->diag->error(c->call, NULL,
		                  "the customer id makes no "
		                  "subscription alias name");
		return ES_INVALID_CONFIG;
	}
	st = get_alias(c, &r, alias);
	if (st != ES_OK)
		return st;
	state = c->h->json->get_string(r.json, "properties.provisioningState");
	if (r.absent) {
		if (!reported(c, &st, ES_CHANGE_CREATE, "subscription", alias,
		              name))
			st = put_alias(c, alias);
	} else if (state && (strcmp(state, "Succeeded") == 0 ||
	                     strcmp(state, "Failed") == 0 ||
	                     strcmp(state, "Canceled") == 0)) {
		st = alias_outcome(c, alias, &r);
	} else if (!reported(c, &st, ES_CHANGE_UNKNOWN, "subscription", alias,
	                     "provisioning")) {
		st = poll_alias(c, alias);
	}
	reply_free(c, &r);
	return st;
}

/* The subscription the other tasks work in; plan may not know it yet. */
static int need_subscription(struct ctx *c, enum es_status *st,
                             const char *kind, const char *name)
{
	if (*c->sub)
		return 0;
	if (c->phase == PLAN) {
		c->h->plan->change(c->call, ES_CHANGE_CREATE, kind, name,
		                   "in the subscription being created");
		*st = ES_OK;
	} else {
		c->h->diag->error(
		    c->call, "subscription_id",
		    "no subscription id yet: the subscription task "
		    "has not finished");
		*st = ES_FAILED;
	}
	return 1;
}

/* ---- resource_group ---------------------------------------------------- */

/* "West Europe" and "westeurope" are the same region. */
static int same_location(const char *a, const char *b)
{
	while (a && b && (*a || *b)) {
		if (*a == ' ')
			a++;
		else if (*b == ' ')
			b++;
		else if (tolower((unsigned char)*a++) !=
		         tolower((unsigned char)*b++))
			return 0;
	}
	return a && b;
}

static enum es_status put_group(struct ctx *c, const char *rg)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object(), *tags = j->new_object();
	char intent[200];
	struct reply r;
	enum es_status st = ES_FAILED;

	if (body && tags) {
		j->set_string(body, "location", cfg(c, "location"));
		j->set_string(tags, "envsetup-customer",
		              c->h->config->customer(c->call));
		j->set_string(tags, "envsetup-environment",
		              c->h->config->environment(c->call));
		j->add(body, "tags", tags);
		tags = NULL;
		snprintf(intent, sizeof(intent), "create resource group %s",
		         c->rg);
		st = api(c, &r, ARM, "PUT", body, intent,
		         "/subscriptions/%s/resourcegroups/%s"
		         "?api-version=" RESOURCES_API,
		         c->sub, rg);
		if (st == ES_OK)
			reply_free(c, &r);
	}
	j->free(tags);
	j->free(body);
	return st;
}

static enum es_status resource_group(struct ctx *c)
{
	const char *want = cfg(c, "location"), *have, *id;
	char *rg;
	struct reply r;
	enum es_status st;

	if (need_subscription(c, &st, "resource_group", c->rg))
		return st;
	if (!(rg = esc(c, c->rg)))
		return ES_FAILED;
	st = api(
	    c, &r, ARM, "GET", NULL, NULL,
	    "/subscriptions/%s/resourcegroups/%s?api-version=" RESOURCES_API,
	    c->sub, rg);
	have = c->h->json->get_string(r.json, "location");
	id = c->h->json->get_string(r.json, "id");
	if (st != ES_OK) {
		/* failure() said why */
	} else if (r.absent) {
		if (!reported(c, &st, ES_CHANGE_CREATE, "resource_group", c->rg,
		              want))
			st = put_group(c, rg);
	} else if (!same_location(have, want)) {
		c->h->diag->error(c->call, "location",
		                  "resource group %s exists in %s, not %s; "
		                  "Azure cannot move it",
		                  c->rg, have ? have : "?", want ? want : "?");
		st = ES_INVALID_CONFIG;
	} else if (c->phase == VERIFY && id) {
		st = c->h->output->set(c->call, "resource_group_id", id, 0)
		         ? ES_FAILED
		         : ES_OK;
	}
	reply_free(c, &r);
	c->h->mem_free(rg);
	return st;
}

/* ---- users (Microsoft Graph) ------------------------------------------ */

/* State key of a user's object id: "principal.<upn>". */
static void principal_key(char *key, size_t size, const char *upn)
{
	snprintf(key, size, "principal.%s", upn);
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

/* Find the user: by UPN (create mode) or by mail (invitations). *id is
 * set to "" when there is none. */
static enum es_status find_user(struct ctx *c, const char *upn, char *id,
                                size_t size)
{
	int invite = !cfg_is(c, "user_mode", "create");
	char *q = invite ? odata_eq(c, "mail", upn) : esc(c, upn);
	const char *found;
	struct reply r;
	enum es_status st;

	*id = '\0';
	if (!q)
		return ES_FAILED;
	if (invite)
		st = api(c, &r, GRAPH, "GET", NULL, NULL,
		         "/v1.0/users?$filter=%s&$select=id,mail", q);
	else
		st = api(c, &r, GRAPH, "GET", NULL, NULL,
		         "/v1.0/users/%s?$select=id,userPrincipalName", q);
	c->h->mem_free(q);
	if (st != ES_OK)
		return st;
	found = c->h->json->get_string(r.json, invite ? "value[0].id" : "id");
	if (!r.absent && found)
		snprintf(id, size, "%s", found);
	reply_free(c, &r);
	return ES_OK;
}

/* mailNickname: the part before '@', letters and digits only. */
static void nickname(const char *upn, char *out, size_t size)
{
	size_t n = 0;

	for (const char *p = upn; *p && *p != '@' && n + 1 < size; p++)
		if (isalnum((unsigned char)*p))
			out[n++] = *p;
	if (n == 0 && size > 5)
		n = (size_t)snprintf(out, size, "user");
	out[n] = '\0';
}

/* POST /invitations or /users; a user made by an earlier run whose answer
 * was lost is found again by find_user() first. */
static enum es_status make_user(struct ctx *c, const char *upn, char *id,
                                size_t size)
{
	const struct es_json_api *j = c->h->json;
	int invite = !cfg_is(c, "user_mode", "create");
	es_json *body = j->new_object(), *pw = j->new_object();
	char intent[320], secret[160], placeholder[200], nick[65];
	const char *got;
	struct reply r;
	enum es_status st = ES_FAILED;

	snprintf(secret, sizeof(secret), "password_%s", upn);
	for (char *p = secret; *p; p++)
		*p = isalnum((unsigned char)*p)
		         ? (char)tolower((unsigned char)*p)
		         : '_';
	snprintf(placeholder, sizeof(placeholder), "{{secret:%s}}", secret);
	nickname(upn, nick, sizeof(nick));
	snprintf(intent, sizeof(intent), "%s %s",
	         invite ? "invite" : "create user", upn);
	if (!body || !pw) {
		/* fall through to the frees */
	} else if (invite) {
		j->set_string(body, "invitedUserEmailAddress", upn);
		j->set_string(body, "inviteRedirectUrl",
		              cfg(c, "invite_redirect_url"));
		j->set_bool(body, "sendInvitationMessage", 1);
		st = api(c, &r, GRAPH, "POST", body, intent,
		         "/v1.0/invitations");
	} else if (c->h->secret->generate(c->call, secret, 24) == 0) {
		j->set_bool(body, "accountEnabled", 1);
		j->set_string(body, "displayName", upn);
		j->set_string(body, "mailNickname", nick);
		j->set_string(body, "userPrincipalName", upn);
		j->set_bool(pw, "forceChangePasswordNextSignIn", 1);
		j->set_string(pw, "password", placeholder);
		j->add(body, "passwordProfile", pw);
		pw = NULL;
		st = api(c, &r, GRAPH, "POST", body, intent, "/v1.0/users");
	}
	j->free(pw);
	j->free(body);
	if (st != ES_OK)
		return st;
	got = j->get_string(r.json, invite ? "invitedUser.id" : "id");
	if (got && !r.exists)
		snprintf(id, size, "%s", got);
	reply_free(c, &r);
	return *id ? ES_OK : find_user(c, upn, id, size);
}

static enum es_status ensure_user(struct ctx *c, const char *upn)
{
	char id[80], key[400];
	const char *old;
	enum es_status st = find_user(c, upn, id, sizeof(id));

	if (st != ES_OK)
		return st;
	if (!*id && reported(c, &st, ES_CHANGE_CREATE, "user", upn,
	                     cfg_is(c, "user_mode", "create") ? "member"
	                                                      : "invitation"))
		return st;
	if (!*id && (st = make_user(c, upn, id, sizeof(id))) != ES_OK)
		return st;
	if (!*id) {
		c->h->diag->error(c->call, NULL, "Graph did not return %s",
		                  upn);
		return ES_RETRY;
	}
	if (c->phase == PLAN)
		return ES_OK;
	principal_key(key, sizeof(key), upn);
	old = c->h->state->get(c->call, key);
	if ((!old || strcmp(old, id) != 0) &&
	    c->h->state->put(c->call, key, id))
		return ES_FAILED;
	return ES_OK;
}

/* Calls fn for each admin, then each user not already an admin. */
static enum es_status each_person(struct ctx *c,
                                  enum es_status (*fn)(struct ctx *c,
                                                       const char *upn,
                                                       const char *role_key),
                                  int dedupe)
{
	const struct es_config_api *conf = c->h->config;
	size_t na = conf->list_size(c->call, "admin_users");
	size_t nu = conf->list_size(c->call, "users");
	enum es_status st = ES_OK;

	for (size_t i = 0; st == ES_OK && i < na + nu; i++) {
		const char *list = i < na ? "admin_users" : "users";
		const char *upn =
		    conf->list_item(c->call, list, i < na ? i : i - na);
		int seen = 0;

		for (size_t k = 0; dedupe && upn && k < i && !seen; k++) {
			const char *o = conf->list_item(
			    c->call, k < na ? "admin_users" : "users",
			    k < na ? k : k - na);
			seen = o && strcasecmp(o, upn) == 0;
		}
		if (upn && !seen)
			st = fn(c, upn, i < na ? "admin_role" : "user_role");
	}
	return st;
}

static enum es_status ensure_user_cb(struct ctx *c, const char *upn,
                                     const char *role_key)
{
	(void)role_key;
	return ensure_user(c, upn);
}

static enum es_status users(struct ctx *c)
{
	return each_person(c, ensure_user_cb, 1);
}

/* ---- role_assignments --------------------------------------------------- */

/* "subscriptions/S" or "subscriptions/S/resourceGroups/RG" (no leading
 * '/', as the spec's {scope} parameter). */
static int role_scope(struct ctx *c, char *out, size_t size)
{
	char *rg = esc(c, c->rg);
	int n;

	if (!rg)
		return -1;
	if (cfg_is(c, "role_scope", "subscription"))
		n = snprintf(out, size, "subscriptions/%s", c->sub);
	else
		n = snprintf(out, size, "subscriptions/%s/resourceGroups/%s",
		             c->sub, rg);
	c->h->mem_free(rg);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The role definition exists in the subscription (a typo in admin_role
 * would otherwise show only as a failed PUT). */
static enum es_status check_role(struct ctx *c, const char *role_key)
{
	const char *role = cfg(c, role_key);
	struct reply r;
	enum es_status st;

	st = api(c, &r, ARM, "GET", NULL, NULL,
	         "/subscriptions/%s/providers/Microsoft.Authorization/"
	         "roleDefinitions/%s?api-version=" AUTHORIZATION_API,
	         c->sub, role);
	if (st == ES_OK && r.absent) {
		c->h->diag->error(c->call, role_key,
		                  "role definition %s does not exist", role);
		st = ES_INVALID_CONFIG;
	}
	reply_free(c, &r);
	return st;
}

/* 1 when `list` holds an assignment of role definition `role`. */
static int has_role(struct ctx *c, const es_json *list, const char *role)
{
	size_t rn = strlen(role);

	for (size_t i = 0; i < c->h->json->array_size(list); i++) {
		const char *d =
		    c->h->json->get_string(c->h->json->array_item(list, i),
		                           "properties.roleDefinitionId");
		size_t n = d ? strlen(d) : 0;

		if (n > rn && d[n - rn - 1] == '/' &&
		    strcasecmp(d + n - rn, role) == 0)
			return 1;
	}
	return 0;
}

static enum es_status put_assignment(struct ctx *c, const char *scope,
                                     const char *principal, const char *role,
                                     const char *upn)
{
	const struct es_json_api *j = c->h->json;
	es_json *body = j->new_object(), *props = j->new_object();
	char name[AZURE_UUID_LEN + 1], def[256], intent[400];
	struct reply r;
	enum es_status st = ES_FAILED;

	if (azure_role_assignment_name(scope, principal, role, name) == 0 &&
	    body && props) {
		snprintf(def, sizeof(def),
		         "/subscriptions/%s/providers/Microsoft.Authorization/"
		         "roleDefinitions/%s",
		         c->sub, role);
		j->set_string(props, "roleDefinitionId", def);
		j->set_string(props, "principalId", principal);
		j->set_string(props, "principalType", "User");
		j->add(body, "properties", props);
		props = NULL;
		snprintf(intent, sizeof(intent), "assign role %s to %s", role,
		         upn);
		st =
		    api(c, &r, ARM, "PUT", body, intent,
		        "/%s/providers/Microsoft.Authorization/roleAssignments/"
		        "%s?api-version=" AUTHORIZATION_API,
		        scope, name);
		if (st == ES_OK)
			reply_free(c, &r); /* 409 RoleAssignmentExists too */
	}
	j->free(props);
	j->free(body);
	return st;
}

static enum es_status assign(struct ctx *c, const char *upn,
                             const char *role_key)
{
	const char *role = cfg(c, role_key), *kept;
	char key[400], principal[80], scope[400], detail[200];
	char *filter = NULL;
	struct reply r;
	enum es_status st;

	principal_key(key, sizeof(key), upn);
	kept = c->h->state->get(c->call, key);
	snprintf(detail, sizeof(detail), "%s %s", role_key, role ? role : "");
	if (!kept || !role)
		return reported(c, &st, ES_CHANGE_CREATE, "role_assignment",
		                upn, detail)
		           ? st
		           : (c->h->diag->error(
		                  c->call, NULL,
		                  "%s has no object id: the users "
		                  "task has not made it",
		                  upn),
		              ES_FAILED);
	snprintf(principal, sizeof(principal), "%s", kept);
	if (role_scope(c, scope, sizeof(scope)) ||
	    !(filter = odata_eq(c, "principalId", principal)))
		return ES_FAILED;
	st = api(c, &r, ARM, "GET", NULL, NULL,
	         "/%s/providers/Microsoft.Authorization/roleAssignments"
	         "?api-version=" AUTHORIZATION_API "&$filter=%s",
	         scope, filter);
	c->h->mem_free(filter);
	if (st != ES_OK)
		return st;
	if (!has_role(c, c->h->json->get(r.json, "value"), role) &&
	    !reported(c, &st, ES_CHANGE_CREATE, "role_assignment", upn, detail))
		st = put_assignment(c, scope, principal, role, upn);
	reply_free(c, &r);
	return st;
}

static enum es_status role_assignments(struct ctx *c)
{
	const struct es_config_api *conf = c->h->config;
	enum es_status st = ES_OK;

	if (conf->list_size(c->call, "admin_users") +
	        conf->list_size(c->call, "users") ==
	    0)
		return ES_OK;
	if (need_subscription(c, &st, "role_assignment", "admin_users, users"))
		return st;
	if (conf->list_size(c->call, "admin_users"))
		st = check_role(c, "admin_role");
	if (st == ES_OK && conf->list_size(c->call, "users"))
		st = check_role(c, "user_role");
	return st == ES_OK ? each_person(c, assign, 0) : st;
}

/* ---- dispatch ------------------------------------------------------------ */

static const struct {
	const char *id;
	enum es_status (*run)(struct ctx *c);
} task_fns[] = {
    {"subscription", subscription},
    {"resource_group", resource_group},
    {"users", users},
    {"role_assignments", role_assignments},
};

static int set_url(struct ctx *c, char *dst, size_t size, const char *key)
{
	const char *url = cfg(c, key);
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
	const char *rg = cfg(c, "resource_group");
	const char *env = c->h->config->environment(c->call);

	if (rg)
		snprintf(c->rg, sizeof(c->rg), "%s", rg);
	else
		snprintf(c->rg, sizeof(c->rg), "envsetup-%s", env ? env : "");
}

/* adopt: the configured id; create: what the subscription task recorded. */
static void set_subscription(struct ctx *c)
{
	const char *id = cfg_is(c, "subscription_mode", "create")
	                     ? c->h->state->get(c->call, "subscription_id")
	                     : cfg(c, "subscription_id");

	snprintf(c->sub, sizeof(c->sub), "%s",
	         id && azure_is_guid(id) ? id : "");
}

static enum es_status dispatch(es_call *call, void *state, const char *task,
                               enum phase phase)
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
	return dispatch(call, state, t, PLAN);
}

static enum es_status azure_apply(es_call *call, void *state, const char *t)
{
	return dispatch(call, state, t, APPLY);
}

static enum es_status azure_verify(es_call *call, void *state, const char *t)
{
	return dispatch(call, state, t, VERIFY);
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
	const char *scope = cfg(&c, "billing_scope");
	const char *loc = cfg(&c, "location");
	int create = cfg_is(&c, "subscription_mode", "create"), bad = 0;
	char alias[96];

	set_group(&c);
	bad += bad_value(&c, "client_id", azure_is_guid(cfg(&c, "client_id")),
	                 "give the application (client) id, a GUID");
	bad += bad_value(&c, "tenant_id",
	                 cfg(&c, "tenant_id") &&
	                     strspn(cfg(&c, "tenant_id"),
	                            "abcdefghijklmnopqrstuvwxyz"
	                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") ==
	                         strlen(cfg(&c, "tenant_id")),
	                 "give the tenant id (a GUID) or its domain");
	bad += bad_value(&c, "subscription_id",
	                 create || azure_is_guid(cfg(&c, "subscription_id")),
	                 "adopt needs subscription_id, a GUID");
	bad += bad_value(
	    &c, "billing_scope",
	    !create ||
	        (scope &&
	         strncasecmp(scope, "/providers/Microsoft.Billing/", 29) == 0),
	    "create needs billing_scope, "
	    "/providers/Microsoft.Billing/...");
	bad += bad_value(&c, "subscription_name",
	                 !create || (cfg(&c, "subscription_name") &&
	                             *cfg(&c, "subscription_name")),
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
	bad += bad_value(&c, "admin_role", azure_is_guid(cfg(&c, "admin_role")),
	                 "give a role definition id (GUID)");
	bad += bad_value(&c, "user_role", azure_is_guid(cfg(&c, "user_role")),
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
