/*
 * mailgun: the account and the sending domain. Checks the API key, creates
 * the domain and publishes its DNS records, polls until Mailgun verified
 * them, points the event webhooks at the platform and makes the SMTP login.
 */
#include <stdio.h>
#include <string.h>

#include "mailgun.h"

#define VERIFY_POLL_MS 60000u /* PUT verify may answer 429: poll slowly */

/* ---- verify_api_key ------------------------------------------------- */

enum es_status mg_verify_api_key(const struct es_ctx *x)
{
	struct ctx c;
	struct es_reply r;
	enum es_status st;

	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return ES_OK; /* a check made nothing */
	if (mg_open(x, &c))
		return ES_INVALID_CONFIG;
	st = es_client_call(&c.api, &r, NULL, "/v4/domains?limit=1");
	es_reply_free(&r);
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

/* Publish what the customer must act on. */
static enum es_status publish_domain(struct ctx *c, const es_json *answer)
{
	const struct es_json_api *j = c->h->json;
	const char *region = mg_cfg(c, "region");
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
	                        0);
	c->h->mem_free(text);
	return bad ? ES_FAILED : ES_OK;
}

/* POST the domain and record its id. "Already exists" is an earlier
 * create whose answer was lost, or someone else's in between: look it up
 * again and record the id it has, so verify holds in this run. Absent
 * still, the name belongs to another Mailgun account. */
static enum es_status post_domain(struct ctx *c)
{
	const char *size = mg_cfg(c, "dkim_key_size");
	const struct es_http_header form[] = {
	    {"name", c->domain},
	    {"dkim_key_size", size ? size : "2048"},
	};
	char intent[320] = "";
	struct es_send s = mg_form("POST", form, 2, intent);
	struct es_reply r;
	enum es_status st;

	snprintf(intent, sizeof(intent), "create domain %s", c->domain);
	/* Claimed before it is asked for: teardown deletes only a domain
	 * envsetup made, even when the run dies before the id is put. */
	if (es_claim(c->x, "domain_id", c->domain))
		return ES_FAILED;
	st = es_client_call(&c->api, &r, &s, "/v4/domains");
	if (st == ES_OK && r.outcome == ES_CONFLICT) {
		es_reply_free(&r);
		st =
		    es_client_call(&c->api, &r, NULL, "/v4/domains/%s", c->dom);
	}
	if (st == ES_OK && r.outcome == ES_ABSENT) {
		c->h->diag->error(c->call, "domain",
		                  "Mailgun says %s already exists, but not in "
		                  "this account: another account holds it",
		                  c->domain);
		st = ES_FAILED;
	}
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !c->h->json->get_string(r.json, "domain.id"))
		st = es_reply_malformed(&c->api, &r, intent, "the domain's id");
	if (st == ES_OK && r.outcome == ES_FOUND)
		es_record(c->x, &st, "domain_id",
		          c->h->json->get_string(r.json, "domain.id"), "domain",
		          c->domain);
	es_reply_free(&r);
	return st;
}

enum es_status mg_create_domain(const struct es_ctx *x)
{
	struct ctx c;
	struct es_reply r;
	enum es_status st;

	if (mg_open(x, &c))
		return ES_INVALID_CONFIG;
	if (c.phase >= ES_PHASE_PLAN_DESTROY)
		return mg_destroy_domain(&c);
	st = es_client_call(&c.api, &r, NULL, "/v4/domains/%s", c.dom);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !c.h->json->get_string(r.json, "domain.id"))
		st = es_reply_malformed(&c.api, &r, c.domain, "the domain");
	if (st == ES_OK && r.outcome == ES_FOUND) {
		/* Found: its id is recorded (a change when the state lacks
		 * it), and verify publishes its records. */
		if (!es_record(x, &st, "domain_id",
		               c.h->json->get_string(r.json, "domain.id"),
		               "domain", c.domain) &&
		    c.phase == ES_PHASE_VERIFY)
			st = publish_domain(&c, r.json);
	} else if (st == ES_OK &&
	           !es_reported(x, &st, ES_CHANGE_CREATE, "domain", c.domain,
	                        "with a new DKIM key")) {
		st = post_domain(&c);
	}
	es_reply_free(&r);
	return st;
}

/* ---- verify_domain (long-running: polls until DNS is published) ----- */

/* apply: what the state PUT verify answered means for the task. */
static enum es_status poll_result(struct ctx *c, const char *state)
{
	if (mg_publish(c, "domain_state", state))
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
	return es_poll_again(c->x, VERIFY_POLL_MS);
}

enum es_status mg_verify_domain(const struct es_ctx *x)
{
	struct es_send put = {.method = "PUT"};
	char detail[96];
	const char *state;
	struct ctx cs, *c = &cs;
	struct es_reply r;
	enum es_status st;

	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return ES_OK; /* verification leaves nothing to remove */
	if (mg_open(x, c))
		return ES_INVALID_CONFIG;
	/* PUT verify is no journaled write: asking Mailgun to look at DNS
	 * again is safe to repeat, so the core may resend it. */
	st = es_client_call(&c->api, &r,
	                    c->phase == ES_PHASE_APPLY ? &put : NULL,
	                    c->phase == ES_PHASE_APPLY ? "/v4/domains/%s/verify"
	                                               : "/v4/domains/%s",
	                    c->dom);
	/* A domain without its state is a malformed answer (an error in a
	 * 200), never a state to compare. */
	if (st == ES_OK && r.outcome != ES_ABSENT &&
	    !c->h->json->get_string(r.json, "domain.state"))
		st = es_reply_malformed(&c->api, &r, c->domain, "the domain");
	if (st != ES_OK) {
		es_reply_free(&r);
		return st;
	}
	state = r.outcome == ES_ABSENT
	            ? "absent"
	            : c->h->json->get_string(r.json, "domain.state");
	snprintf(detail, sizeof(detail), "state %s -> active", state);
	if (c->phase == ES_PHASE_APPLY)
		st = poll_result(c, state);
	else if (strcmp(state, "active") == 0)
		st = c->phase == ES_PHASE_VERIFY
		         ? mg_publish(c, "domain_state", state)
		         : ES_OK;
	else
		es_reported(x, &st, ES_CHANGE_UPDATE, "domain", c->domain,
		            detail);
	es_reply_free(&r);
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
	char intent[320] = "";
	struct es_send s = mg_form("POST", create, 2, intent);
	struct es_reply r;
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
	if (n == 0) {
		st = es_client_call(&c->api, &r, &s, "/v3/domains/%s/webhooks",
		                    c->dom);
	} else {
		s = mg_form("PUT", update, n + 1, intent);
		st = es_client_call(&c->api, &r, &s,
		                    "/v3/domains/%s/webhooks/%s", c->dom, type);
	}
	/* Mailgun answers both with the webhook it keeps. */
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !c->h->json->get(r.json, "webhook"))
		st = es_reply_malformed(&c->api, &r, intent, "the webhook");
	es_reply_free(&r);
	return st;
}

enum es_status mg_configure_webhooks(const struct es_ctx *x)
{
	struct ctx cs, *c = &cs;
	const char *url;
	size_t n;
	struct es_reply r;
	enum es_status st;

	if (mg_open(x, c))
		return ES_INVALID_CONFIG;
	if (c->phase >= ES_PHASE_PLAN_DESTROY)
		return mg_destroy_webhooks(c);
	url = mg_cfg(c, "webhook_url");
	n = c->h->config->list_size(c->call, "webhook_events");
	if (!url)
		return ES_OK; /* no webhooks wanted in this environment */
	st = es_client_call(&c->api, &r, NULL, "/v3/domains/%s/webhooks",
	                    c->dom);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !c->h->json->get(r.json, "webhooks"))
		st = es_reply_malformed(&c->api, &r, "GET webhooks",
		                        "the webhooks");
	for (size_t i = 0; st == ES_OK && i < n; i++) {
		const char *type =
		    c->h->config->list_item(c->call, "webhook_events", i);
		char path[64];
		const es_json *urls;

		snprintf(path, sizeof(path), "webhooks.%s.urls", type);
		urls = c->h->json->get(r.json, path);
		if (!mg_has_item(c, urls, "", url) &&
		    !es_reported(x, &st,
		                 urls ? ES_CHANGE_UPDATE : ES_CHANGE_CREATE,
		                 "webhook", type, url))
			st = add_webhook(c, type, urls, url);
	}
	es_reply_free(&r);
	return st;
}

/* ---- smtp_credentials ----------------------------------------------- */

enum es_status mg_smtp_credentials(const struct es_ctx *x)
{
	struct ctx cs, *c = &cs;
	const char *user, *msg;
	char login[512], intent[600] = "";
	const struct es_http_header form[] = {
	    {"login", login},
	    /* The core fills the password in: it never enters the plugin. */
	    {"password", "{{secret:smtp_password}}"},
	};
	struct es_send s = mg_form("POST", form, 2, intent);
	struct es_reply r;
	int found;
	enum es_status st;

	if (mg_open(x, c))
		return ES_INVALID_CONFIG;
	if (c->phase >= ES_PHASE_PLAN_DESTROY)
		return mg_destroy_credentials(c);
	user = mg_cfg(c, "smtp_login");
	if ((size_t)snprintf(login, sizeof(login), "%s@%s",
	                     user ? user : "postmaster",
	                     c->domain) >= sizeof(login))
		return ES_INVALID_CONFIG;
	st = es_client_call(&c->api, &r, NULL, "/v3/domains/%s/credentials",
	                    c->dom);
	/* A list that does not read is no "not there": never a second
	 * login, nor a new password on the one that exists. */
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !c->h->json->get(r.json, "items"))
		st = es_reply_malformed(&c->api, &r, "GET credentials",
		                        "the credentials");
	found =
	    mg_has_item(c, c->h->json->get(r.json, "items"), "login", login);
	es_reply_free(&r);
	if (st != ES_OK)
		return st;
	/* An existing login keeps its password: re-runs never rotate it. */
	if (found)
		return c->phase == ES_PHASE_VERIFY
		           ? mg_publish(c, "smtp_login", login)
		           : ES_OK;
	if (es_reported(x, &st, ES_CHANGE_CREATE, "smtp_credential", login,
	                "with a generated password"))
		return st;
	if (c->h->secret->generate(c->call, "smtp_password", 24))
		return ES_FAILED;
	snprintf(intent, sizeof(intent), "create SMTP login %s", login);
	st = es_client_call(&c->api, &r, &s, "/v3/domains/%s/credentials",
	                    c->dom);
	/* CreateCredsResp is only a message, "Created 1 credentials
	 * pair(s)" (mailgun-openapi.yaml): any other is an error in a 200,
	 * never a login made. */
	msg = st == ES_OK ? c->h->json->get_string(r.json, "message") : NULL;
	if (st == ES_OK && (!msg || strncmp(msg, "Created", 7) != 0))
		st = es_reply_malformed(&c->api, &r, "POST credentials",
		                        "the SMTP login");
	es_reply_free(&r);
	return st;
}
