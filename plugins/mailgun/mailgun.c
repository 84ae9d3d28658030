/*
 * mailgun: checklist 4.4, transaction e-mails on Mailgun.
 *
 * The worked example for plugin authors (docs/plugin-abi.md). It reads top
 * to bottom: schema, tasks, request helpers, one function per task, the
 * dispatch table, validate(), the descriptor. Every call is in Mailgun's
 * OpenAPI spec (mailgun/mailgun-mcp-server src/openapi.yaml); README.md
 * lists them.
 *
 * One function per task serves plan, apply and verify alike: it looks the
 * resource up, and when something is not in place, plan records a change,
 * verify reports it and only apply writes. So the three cannot drift apart.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasestr */
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "envsetup/envsetup.h"

#define US_API_URL "https://api.mailgun.net"
#define TEMPLATE_MAX_BYTES (512 * 1024)
#define VERIFY_POLL_MS 60000u /* PUT verify may answer 429: poll slowly */

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

/* ---- one callback's context ------------------------------------------ */

struct mailgun {
	const struct es_host *host;
};

enum phase { PLAN, APPLY, VERIFY };

struct ctx {
	const struct es_host *h;
	es_call *call;
	enum phase phase;
	const char *domain; /* as configured (nullable) */
	char *dom;          /* escaped for URL paths (nullable) */
	char base[512];     /* API base URL without a trailing '/' */
};

static const char *cfg(struct ctx *c, const char *key)
{
	return c->h->config->get_string(c->call, key);
}

static enum es_status publish(struct ctx *c, const char *name,
                              const char *value)
{
	return c->h->output->set(c->call, name, value, 0) ? ES_FAILED : ES_OK;
}

/*
 * Something is not in place. plan records the change, verify fails saying
 * what is missing: both return 1 with *st set. apply returns 0, and the
 * caller goes on to make it.
 */
static int reported(struct ctx *c, enum es_status *st, enum es_change change,
                    const char *kind, const char *name, const char *detail)
{
	if (c->phase == APPLY)
		return 0;
	if (c->phase == PLAN) {
		c->h->plan->change(c->call, change, kind, name, detail);
		*st = ES_OK;
	} else {
		c->h->diag->error(c->call, NULL, "%s %s is not in place (%s)",
		                  kind, name, detail);
		*st = ES_FAILED;
	}
	return 1;
}

/* ---- requests ------------------------------------------------------- */

/* One answer from Mailgun; `json` (nullable) is freed by reply_free(). */
struct reply {
	long status;
	int absent; /* a GET answered 404 */
	int exists; /* a write answered "... already exists" */
	es_json *json;
	char message[256]; /* {"message"}, {"Reason"} or the text body */
};

static void reply_free(struct ctx *c, struct reply *r)
{
	c->h->json->free(r->json);
	r->json = NULL;
}

static void read_reply(struct ctx *c, es_http_response *resp, struct reply *r)
{
	size_t len = 0;
	const char *body = c->h->http->body(resp, &len);
	const char *msg = body; /* some errors come as plain text */

	r->status = c->h->http->status(resp);
	r->json = body ? c->h->json->parse(body, len) : NULL;
	if (r->json) {
		msg = c->h->json->get_string(r->json, "message");
		if (!msg) /* the shape some 400s use */
			msg = c->h->json->get_string(r->json, "Reason");
	}
	snprintf(r->message, sizeof(r->message), "%.*s",
	         msg ? (int)strcspn(msg, "\r\n") : 0, msg ? msg : "");
}

/* Map an error answer to a status, with the diagnostic that explains it.
 * The core already waited and retried on 429 (honouring Retry-After). */
static enum es_status failure(struct ctx *c, const struct reply *r,
                              const char *what)
{
	if (r->status == 401) {
		c->h->diag->error(c->call, "api_key",
		                  "Mailgun rejected the API key (401)");
		return ES_INVALID_CONFIG;
	}
	c->h->diag->error(c->call, r->status == 403 ? "api_key" : NULL,
	                  "%s: Mailgun answered %ld %s", what, r->status,
	                  r->message);
	if (r->status == 403)
		return ES_INVALID_CONFIG; /* a key without the needed role */
	return r->status == 429 || r->status >= 500 ? ES_RETRY : ES_FAILED;
}

/*
 * `method` base+path. `form` (n_form > 0) goes as multipart/form-data, the
 * type the spec declares for every write used here. `intent` (nullable)
 * marks a write: the core journals it and never resends it. ES_OK means a
 * 2xx, a GET's 404 (r->absent) or a write's "already exists" (r->exists);
 * the caller then calls reply_free(). Anything else maps to a failure.
 */
static ES_PRINTF(7, 8) enum es_status
    api(struct ctx *c, struct reply *r, const char *method,
        const struct es_http_header *form, size_t n_form, const char *intent,
        const char *fmt, ...)
{
	char url[2048];
	size_t n = strlen(c->base);
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = method,
	    .url = url,
	    .form_kind = n_form ? ES_FORM_MULTIPART : ES_FORM_NONE,
	    .form = form,
	    .n_form = n_form,
	    .basic_user = "api",
	    .basic_password = "{{secret:api_key}}",
	    .mutating = intent != NULL,
	    .intent = intent,
	};
	enum es_status st = ES_OK;
	es_http_response *resp;
	va_list ap;
	int len;

	memset(r, 0, sizeof(*r));
	memcpy(url, c->base, n + 1);
	va_start(ap, fmt);
	len = vsnprintf(url + n, sizeof(url) - n, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(url) - n) {
		c->h->diag->error(c->call, NULL, "URL too long: %s", fmt);
		return ES_FAILED;
	}
	resp = c->h->http->request(c->call, &req);
	if (!resp)
		return ES_RETRY; /* no answer; the core recorded why */
	read_reply(c, resp, r);
	if (r->status == 404 && strcmp(method, "GET") == 0)
		r->absent = 1;
	else if ((r->status == 400 || r->status == 409) && intent &&
	         strcasestr(r->message, "already"))
		r->exists = 1;
	else if (r->status < 200 || r->status > 299)
		st = failure(c, r, intent ? intent : url + n);
	else if (!r->json) { /* cut short: look again (apply looks up first) */
		c->h->diag->error(c->call, NULL,
		                  "%s: Mailgun's answer is not "
		                  "JSON",
		                  intent ? intent : url + n);
		st = ES_RETRY;
	}
	c->h->http->response_free(resp);
	if (st != ES_OK)
		reply_free(c, r);
	return st;
}

/* 1 when an item of `array` (at `member`; "" for the item itself) equals
 * `value`. Case-insensitive: Mailgun lower-cases logins. */
static int has_item(struct ctx *c, const es_json *array, const char *member,
                    const char *value)
{
	for (size_t i = 0; i < c->h->json->array_size(array); i++) {
		const char *v = c->h->json->get_string(
		    c->h->json->array_item(array, i), member);

		if (v && strcasecmp(v, value) == 0)
			return 1;
	}
	return 0;
}

/* ---- verify_api_key ------------------------------------------------- */

static enum es_status verify_api_key(struct ctx *c)
{
	struct reply r;
	enum es_status st =
	    api(c, &r, "GET", NULL, 0, NULL, "/v4/domains?limit=1");

	reply_free(c, &r);
	return st; /* a 401 is ES_INVALID_CONFIG naming api_key */
}

/* ---- create_domain -------------------------------------------------- */

/* Append `list`'s DNS records to `out` as {type, name, value[, priority]}. */
static void add_records(struct ctx *c, es_json *out, const es_json *list)
{
	const struct es_json_api *j = c->h->json;

	for (size_t i = 0; i < j->array_size(list); i++) {
		const es_json *rec = j->array_item(list, i);
		const char *name = j->get_string(rec, "name");
		const char *prio = j->get_string(rec, "priority");
		es_json *o = j->new_object();

		if (!o)
			return;
		j->set_string(o, "type", j->get_string(rec, "record_type"));
		/* Receiving (MX) records have no name: the domain's own. */
		j->set_string(o, "name", name ? name : c->domain);
		j->set_string(o, "value", j->get_string(rec, "value"));
		if (prio)
			j->set_string(o, "priority", prio);
		j->add(out, NULL, o);
	}
}

/* Record the domain's id and publish what the customer must act on. */
static enum es_status record_domain(struct ctx *c, const es_json *answer)
{
	const struct es_json_api *j = c->h->json;
	const char *id = j->get_string(answer, "domain.id");
	const char *region = cfg(c, "region");
	es_json *records = j->new_array();
	char *text;
	int bad;

	if (!records)
		return ES_FAILED;
	add_records(c, records, j->get(answer, "sending_dns_records"));
	add_records(c, records, j->get(answer, "receiving_dns_records"));
	text = j->print(records);
	j->free(records);
	bad = !text || c->h->output->set(c->call, "dns_records", text, 0) ||
	      c->h->output->set(c->call, "smtp_host",
	                        region && strcmp(region, "eu") == 0
	                            ? "smtp.eu.mailgun.org"
	                            : "smtp.mailgun.org",
	                        0) ||
	      (id && c->h->state->put(c->call, "domain_id", id));
	c->h->mem_free(text);
	return bad ? ES_FAILED : ES_OK;
}

static enum es_status post_domain(struct ctx *c)
{
	const char *size = cfg(c, "dkim_key_size");
	const struct es_http_header form[] = {
	    {"name", c->domain},
	    {"dkim_key_size", size ? size : "2048"},
	};
	char intent[320];
	struct reply r;
	enum es_status st;

	snprintf(intent, sizeof(intent), "create domain %s", c->domain);
	st = api(c, &r, "POST", form, 2, intent, "/v4/domains");
	reply_free(c, &r);
	return st; /* "already exists" too: verify reads it back */
}

static enum es_status create_domain(struct ctx *c)
{
	struct reply r;
	enum es_status st =
	    api(c, &r, "GET", NULL, 0, NULL, "/v4/domains/%s", c->dom);

	if (st == ES_OK && !r.absent && c->phase == VERIFY)
		st = record_domain(c, r.json);
	else if (st == ES_OK && r.absent &&
	         !reported(c, &st, ES_CHANGE_CREATE, "domain", c->domain,
	                   "with a new DKIM key"))
		st = post_domain(c);
	reply_free(c, &r);
	return st;
}

/* ---- verify_domain (long-running: polls until DNS is published) ----- */

/* apply: what the state PUT verify answered means for the task. */
static enum es_status poll_result(struct ctx *c, const char *state)
{
	if (publish(c, "domain_state", state))
		return ES_FAILED;
	if (strcmp(state, "active") == 0)
		return ES_OK;
	if (strcmp(state, "disabled") == 0) {
		c->h->diag->error(c->call, "domain", "Mailgun disabled %s",
		                  c->domain);
		return ES_FAILED;
	}
	c->h->progress->step(c->call,
	                     "%s is %s: waiting for the records of "
	                     "output dns_records to be published",
	                     c->domain, state);
	c->h->diag->retry_after(c->call, VERIFY_POLL_MS);
	return ES_IN_PROGRESS;
}

static enum es_status verify_domain(struct ctx *c)
{
	char detail[96];
	const char *state;
	struct reply r;
	enum es_status st;

	/* PUT verify is no journaled write: asking Mailgun to look at DNS
	 * again is safe to repeat, so the core may resend it. */
	st = api(c, &r, c->phase == APPLY ? "PUT" : "GET", NULL, 0, NULL,
	         c->phase == APPLY ? "/v4/domains/%s/verify" : "/v4/domains/%s",
	         c->dom);
	if (st != ES_OK)
		return st;
	state = r.absent ? "absent"
	                 : c->h->json->get_string(r.json, "domain.state");
	if (!state)
		state = "unknown";
	snprintf(detail, sizeof(detail), "state %s -> active", state);
	if (c->phase == APPLY)
		st = poll_result(c, state);
	else if (strcmp(state, "active") == 0)
		st = c->phase == VERIFY ? publish(c, "domain_state", state)
		                        : ES_OK;
	else
		reported(c, &st, ES_CHANGE_UPDATE, "domain", c->domain, detail);
	reply_free(c, &r);
	return st;
}

/* ---- configure_webhooks --------------------------------------------- */

/* Add `url` to webhook `type`, keeping the URLs others set (3 at most). */
static enum es_status add_webhook(struct ctx *c, const char *type,
                                  const es_json *urls, const char *url)
{
	const struct es_http_header create[] = {{"id", type}, {"url", url}};
	struct es_http_header update[3];
	size_t n = c->h->json->array_size(urls);
	char intent[320];
	struct reply r;
	enum es_status st;

	snprintf(intent, sizeof(intent), "webhook %s on %s", type, c->domain);
	if (n > 2) {
		c->h->diag->error(c->call, "webhook_url",
		                  "webhook %s already "
		                  "has Mailgun's maximum of 3 URLs",
		                  type);
		return ES_FAILED;
	}
	for (size_t i = 0; i < n; i++) {
		update[i].name = "url";
		update[i].value =
		    c->h->json->get_string(c->h->json->array_item(urls, i), "");
		if (!update[i].value)
			return ES_FAILED;
	}
	update[n].name = "url";
	update[n].value = url;
	if (n == 0)
		st = api(c, &r, "POST", create, 2, intent,
		         "/v3/domains/%s/webhooks", c->dom);
	else
		st = api(c, &r, "PUT", update, n + 1, intent,
		         "/v3/domains/%s/webhooks/%s", c->dom, type);
	reply_free(c, &r);
	return st;
}

static enum es_status configure_webhooks(struct ctx *c)
{
	const char *url = cfg(c, "webhook_url");
	size_t n = c->h->config->list_size(c->call, "webhook_events");
	struct reply r;
	enum es_status st;

	if (!url)
		return ES_OK; /* no webhooks wanted in this environment */
	st =
	    api(c, &r, "GET", NULL, 0, NULL, "/v3/domains/%s/webhooks", c->dom);
	for (size_t i = 0; st == ES_OK && i < n; i++) {
		const char *type =
		    c->h->config->list_item(c->call, "webhook_events", i);
		char path[64];
		const es_json *urls;

		snprintf(path, sizeof(path), "webhooks.%s.urls", type);
		urls = c->h->json->get(r.json, path);
		if (!has_item(c, urls, "", url) &&
		    !reported(c, &st,
		              urls ? ES_CHANGE_UPDATE : ES_CHANGE_CREATE,
		              "webhook", type, url))
			st = add_webhook(c, type, urls, url);
	}
	reply_free(c, &r);
	return st;
}

/* ---- upload_templates ----------------------------------------------- */

/* One file of templates_dir: "Welcome.html" is template "welcome". */
struct template_file {
	char name[128];
	char tag[32]; /* "envsetup-" + content hash: a new version per edit */
	char *html;
};

static int is_template_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && n > 5 &&
	       strcmp(e->d_name + n - 5, ".html") == 0;
}

/* Mailgun lower-cases names; allow only letters, digits, '-' and '_'. */
static int template_name(const char *file, char *name, size_t size)
{
	size_t n = strlen(file) - 5; /* is_template_file() held */

	if (n >= size)
		return -1;
	for (size_t i = 0; i < n; i++) {
		name[i] = (char)tolower((unsigned char)file[i]);
		if (!isalnum((unsigned char)name[i]) && !strchr("-_", name[i]))
			return -1;
	}
	name[n] = '\0';
	return 0;
}

static int load_template(const char *dir, const char *file,
                         struct template_file *t)
{
	unsigned long long hash = 14695981039346656037ull; /* FNV-1a */
	char path[4096];
	size_t len = 0;
	FILE *f = NULL;

	t->html = NULL;
	if (template_name(file, t->name, sizeof(t->name)) == 0 &&
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) <
	        sizeof(path) &&
	    (f = fopen(path, "rb")) && (t->html = malloc(TEMPLATE_MAX_BYTES)))
		len = fread(t->html, 1, TEMPLATE_MAX_BYTES, f);
	if (f)
		fclose(f);
	if (len == 0 || len == TEMPLATE_MAX_BYTES ||
	    memchr(t->html, '\0', len)) {
		free(t->html); /* unreadable, empty, too large or binary */
		return -1;
	}
	t->html[len] = '\0';
	for (size_t i = 0; i < len; i++)
		hash = (hash ^ (unsigned char)t->html[i]) * 1099511628211ull;
	snprintf(t->tag, sizeof(t->tag), "envsetup-%016llx", hash);
	return 0;
}

/* Create the template, or add our version and make it the active one. */
static enum es_status write_template(struct ctx *c,
                                     const struct template_file *t,
                                     const char *name, int absent)
{
	/* Slices of one list: create takes name, template, tag; a new
	 * version template, tag, active; activation only active. */
	const struct es_http_header form[] = {
	    {"name", t->name},
	    {"template", t->html},
	    {"tag", t->tag},
	    {"active", "yes"},
	};
	char intent[320];
	struct reply r;
	enum es_status st;

	snprintf(intent, sizeof(intent), "template %s version %s on %s",
	         t->name, t->tag, c->domain);
	if (absent)
		st = api(c, &r, "POST", form, 3, intent, "/v3/%s/templates",
		         c->dom);
	else
		st = api(c, &r, "POST", form + 1, 3, intent,
		         "/v3/%s/templates/%s/versions", c->dom, name);
	if (st == ES_OK && r.exists && !absent) {
		reply_free(c, &r); /* an older version came back: activate */
		st = api(c, &r, "PUT", form + 3, 1, intent,
		         "/v3/%s/templates/%s/versions/%s", c->dom, name,
		         t->tag);
	}
	reply_free(c, &r);
	return st;
}

static enum es_status sync_template(struct ctx *c, const char *dir,
                                    const char *file)
{
	struct template_file t;
	char *name;
	struct reply r;
	enum es_status st = ES_FAILED;

	if (load_template(dir, file, &t)) {
		c->h->diag->error(
		    c->call, "templates_dir",
		    "cannot use %s/%s "
		    "(unreadable, empty, binary or over %d bytes)",
		    dir, file, TEMPLATE_MAX_BYTES - 1);
		return ES_INVALID_CONFIG;
	}
	name = c->h->http->escape(t.name);
	if (name)
		st = api(c, &r, "GET", NULL, 0, NULL,
		         "/v3/%s/templates/%s?active=yes", c->dom, name);
	if (name && st == ES_OK) {
		char detail[64];
		const char *tag =
		    c->h->json->get_string(r.json, "template.version.tag");

		snprintf(detail, sizeof(detail), "active version %s", t.tag);
		if ((r.absent || !tag || strcmp(tag, t.tag) != 0) &&
		    !reported(c, &st,
		              r.absent ? ES_CHANGE_CREATE : ES_CHANGE_UPDATE,
		              "template", t.name, detail))
			st = write_template(c, &t, name, r.absent);
		reply_free(c, &r);
	}
	c->h->mem_free(name);
	free(t.html);
	return st;
}

static enum es_status upload_templates(struct ctx *c)
{
	const char *dir = cfg(c, "templates_dir");
	struct dirent **files;
	enum es_status st = ES_OK;
	int n;

	if (!dir)
		return ES_OK; /* no branding wanted */
	n = scandir(dir, &files, is_template_file, alphasort);
	if (n < 0) {
		c->h->diag->error(c->call, "templates_dir",
		                  "cannot read %s: %s", dir, strerror(errno));
		return ES_INVALID_CONFIG;
	}
	for (int i = 0; i < n; i++) {
		if (st == ES_OK)
			st = sync_template(c, dir, files[i]->d_name);
		free(files[i]);
	}
	free(files);
	return st;
}

/* ---- smtp_credentials ----------------------------------------------- */

static enum es_status smtp_credentials(struct ctx *c)
{
	const char *user = cfg(c, "smtp_login");
	char login[512], intent[600];
	const struct es_http_header form[] = {
	    {"login", login},
	    /* The core fills the password in: it never enters the plugin. */
	    {"password", "{{secret:smtp_password}}"},
	};
	struct reply r;
	int found;
	enum es_status st;

	if ((size_t)snprintf(login, sizeof(login), "%s@%s",
	                     user ? user : "postmaster",
	                     c->domain) >= sizeof(login))
		return ES_INVALID_CONFIG;
	st = api(c, &r, "GET", NULL, 0, NULL, "/v3/domains/%s/credentials",
	         c->dom);
	found = has_item(c, c->h->json->get(r.json, "items"), "login", login);
	reply_free(c, &r);
	if (st != ES_OK)
		return st;
	/* An existing login keeps its password: re-runs never rotate it. */
	if (found)
		return c->phase == VERIFY ? publish(c, "smtp_login", login)
		                          : ES_OK;
	if (reported(c, &st, ES_CHANGE_CREATE, "smtp_credential", login,
	             "with a generated password"))
		return st;
	if (c->h->secret->generate(c->call, "smtp_password", 24))
		return ES_FAILED;
	snprintf(intent, sizeof(intent), "create SMTP login %s", login);
	st = api(c, &r, "POST", form, 2, intent, "/v3/domains/%s/credentials",
	         c->dom);
	reply_free(c, &r);
	return st;
}

/* ---- dispatch -------------------------------------------------------- */

/* invite_admins is ES_TASK_MANUAL: the core runs no callback for it. */
static const struct {
	const char *id;
	enum es_status (*run)(struct ctx *c);
	int uses_domain;
} task_fns[] = {
    {"verify_api_key", verify_api_key, 0},
    {"create_domain", create_domain, 1},
    {"verify_domain", verify_domain, 1},
    {"configure_webhooks", configure_webhooks, 1},
    {"upload_templates", upload_templates, 1},
    {"smtp_credentials", smtp_credentials, 1},
};

/* api_url, or api_url_eu for an EU account whose file does not set api_url. */
static int set_base(struct ctx *c)
{
	const char *region = cfg(c, "region");
	const char *url = cfg(c, "api_url");
	size_t n;

	if (region && strcmp(region, "eu") == 0 &&
	    !c->h->config->is_explicit(c->call, "api_url"))
		url = cfg(c, "api_url_eu");
	if (!url || (n = strlen(url)) >= sizeof(c->base))
		return -1;
	while (n > 0 && url[n - 1] == '/')
		n--;
	memcpy(c->base, url, n);
	c->base[n] = '\0';
	return 0;
}

static enum es_status dispatch(es_call *call, void *state, const char *task,
                               enum phase phase)
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
	c.domain = cfg(&c, "domain");
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
	return dispatch(call, state, t, PLAN);
}

static enum es_status mailgun_apply(es_call *call, void *state, const char *t)
{
	return dispatch(call, state, t, APPLY);
}

static enum es_status mailgun_verify(es_call *call, void *state, const char *t)
{
	return dispatch(call, state, t, VERIFY);
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

/* Each template file must make a valid template name. */
static int bad_templates(struct ctx *c, const char *dir)
{
	struct dirent **files;
	char name[128];
	int n = scandir(dir, &files, is_template_file, alphasort), bad = 0;

	if (n < 0) {
		c->h->diag->error(c->call, "templates_dir",
		                  "cannot read %s: %s", dir, strerror(errno));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (template_name(files[i]->d_name, name, sizeof(name)) &&
		    ++bad)
			c->h->diag->error(
			    c->call, "templates_dir",
			    "%s: name template files with letters, "
			    "digits, - and _",
			    files[i]->d_name);
		free(files[i]);
	}
	free(files);
	return bad;
}

static enum es_status mailgun_validate(es_call *call, void *state)
{
	struct mailgun *m = state;
	struct ctx c = {.h = m->host, .call = call};
	const struct es_config_api *conf = m->host->config;
	const char *domain = cfg(&c, "domain"), *dir = cfg(&c, "templates_dir");
	const char *login = cfg(&c, "smtp_login");
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
	if (cfg(&c, "webhook_url") && n == 0 && ++bad)
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
		bad += bad_templates(&c, dir);
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
