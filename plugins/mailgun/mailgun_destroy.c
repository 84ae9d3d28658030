/*
 * mailgun: teardown (ES_PHASE_PLAN_DESTROY and ES_PHASE_DESTROY). Each
 * task removes only what it can tell it made: the domain whose id the
 * state recorded, the webhook URL of the config, the SMTP login of that
 * domain, the templates whose active version is tagged "envsetup-". Every
 * DELETE follows a look-up, so a run killed after Mailgun answered finds
 * the resource gone and sends no second DELETE.
 */
#include <stdio.h>
#include <string.h>

#include "mailgun.h"

/* DELETE base + path (`intent` names it); absent counts as removed. */
static enum es_status delete_path(struct ctx *c, const char *intent,
                                  const char *path)
{
	struct es_send s = {.method = "DELETE", .intent = intent};
	struct es_reply r;
	enum es_status st = es_client_call(&c->api, &r, &s, "%s", path);

	es_reply_free(&r);
	return st;
}

/* ---- create_domain ---------------------------------------------------- */

enum es_status mg_destroy_domain(struct ctx *c)
{
	const char *mine = c->h->state->get(c->call, "domain_id"), *id;
	char path[900], intent[320];
	struct es_reply r;
	enum es_status st;

	st = es_client_call(&c->api, &r, NULL, "/v4/domains/%s", c->dom);
	id = c->h->json->get_string(r.json, "domain.id");
	if (st != ES_OK) {
		/* the client said why */
	} else if (r.outcome == ES_ABSENT) {
		if (c->phase == ES_PHASE_DESTROY &&
		    es_unclaim(c->x, "domain_id", mine ? "domain_id" : NULL))
			st = ES_FAILED;
	} else if (!es_claimed(c->x, "domain_id") || !mine || !id ||
	           strcmp(mine, id) != 0) {
		c->h->diag->error(c->call, "domain",
		                  "kept: domain %s is not one envsetup created "
		                  "(it was there before, or its id is not "
		                  "recorded)",
		                  c->domain);
		st = ES_UNSUPPORTED;
	} else if (!es_reported(c->x, &st, ES_CHANGE_DELETE, "domain",
	                        c->domain, "with what lives in it")) {
		snprintf(path, sizeof(path), "/v3/domains/%s", c->dom);
		snprintf(intent, sizeof(intent), "delete domain %s", c->domain);
		st = delete_path(c, intent, path);
		if (st == ES_OK && es_unclaim(c->x, "domain_id", "domain_id"))
			st = ES_FAILED;
	}
	es_reply_free(&r);
	return st;
}

/* ---- configure_webhooks ----------------------------------------------- */

/* Take `url` out of webhook `type`: DELETE it when it is the only URL,
 * else PUT the others back. */
static enum es_status drop_webhook(struct ctx *c, const char *type,
                                   const es_json *urls, const char *url)
{
	struct es_http_header keep[3];
	size_t n = 0;
	char intent[320], path[900];
	struct es_send s;
	struct es_reply r;
	enum es_status st;

	snprintf(intent, sizeof(intent), "remove webhook %s of %s", type,
	         c->domain);
	snprintf(path, sizeof(path), "/v3/domains/%s/webhooks/%s", c->dom,
	         type);
	for (size_t i = 0; i < c->h->json->array_size(urls) && n < 3; i++) {
		const char *u =
		    c->h->json->get_string(c->h->json->array_item(urls, i), "");

		if (u && strcmp(u, url) != 0)
			keep[n++] = (struct es_http_header){"url", u};
	}
	if (n == 0)
		return delete_path(c, intent, path);
	s = mg_form("PUT", keep, n, intent);
	st = es_client_call(&c->api, &r, &s, "%s", path);
	es_reply_free(&r);
	return st;
}

enum es_status mg_destroy_webhooks(struct ctx *c)
{
	const char *url = mg_cfg(c, "webhook_url");
	size_t n = c->h->config->list_size(c->call, "webhook_events");
	struct es_reply r;
	enum es_status st;

	if (!url)
		return ES_OK; /* none were made */
	st = es_client_call(&c->api, &r, NULL, "/v3/domains/%s/webhooks",
	                    c->dom);
	for (size_t i = 0; st == ES_OK && r.outcome == ES_FOUND && i < n; i++) {
		const char *type =
		    c->h->config->list_item(c->call, "webhook_events", i);
		char path[64];
		const es_json *urls;

		snprintf(path, sizeof(path), "webhooks.%s.urls", type);
		urls = c->h->json->get(r.json, path);
		if (mg_has_item(c, urls, "", url) &&
		    !es_reported(c->x, &st, ES_CHANGE_DELETE, "webhook", type,
		                 url))
			st = drop_webhook(c, type, urls, url);
	}
	es_reply_free(&r);
	return st;
}

/* ---- smtp_credentials ------------------------------------------------- */

enum es_status mg_destroy_credentials(struct ctx *c)
{
	const char *user = mg_cfg(c, "smtp_login");
	char login[512], intent[600], path[1400], *elogin;
	struct es_reply r;
	enum es_status st;
	int found;

	snprintf(login, sizeof(login), "%s@%s", user ? user : "postmaster",
	         c->domain);
	/* Only in a domain envsetup holds (create_domain recorded it): a
	 * login of the same name elsewhere is someone else's. */
	if (!c->h->state->get(c->call, "domain_id"))
		return ES_OK;
	st = es_client_call(&c->api, &r, NULL, "/v3/domains/%s/credentials",
	                    c->dom);
	found =
	    st == ES_OK && r.outcome == ES_FOUND &&
	    mg_has_item(c, c->h->json->get(r.json, "items"), "login", login);
	es_reply_free(&r);
	if (st != ES_OK || !found ||
	    es_reported(c->x, &st, ES_CHANGE_DELETE, "smtp_credential", login,
	                NULL))
		return st;
	if (!(elogin = c->h->http->escape(login)))
		return ES_FAILED;
	snprintf(path, sizeof(path), "/v3/domains/%s/credentials/%s", c->dom,
	         elogin);
	c->h->mem_free(elogin);
	snprintf(intent, sizeof(intent), "delete SMTP login %s", login);
	return delete_path(c, intent, path);
}

/* ---- upload_templates: one template ----------------------------------- */

enum es_status mg_destroy_template(struct ctx *c, const char *name)
{
	char *ename = c->h->http->escape(name);
	char intent[320], path[1000];
	const char *tag;
	struct es_reply r;
	enum es_status st;

	if (!ename)
		return ES_FAILED;
	snprintf(path, sizeof(path), "/v3/%s/templates/%s", c->dom, ename);
	c->h->mem_free(ename);
	st = es_client_call(&c->api, &r, NULL, "%s?active=yes", path);
	tag = c->h->json->get_string(r.json, "template.version.tag");
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    (!tag || strncmp(tag, "envsetup-", 9) != 0)) {
		c->h->log->log(c->call, ES_LOG_INFO,
		               "template %s is kept: its active version is "
		               "not one envsetup uploaded",
		               name);
	} else if (st == ES_OK && r.outcome == ES_FOUND &&
	           !es_reported(c->x, &st, ES_CHANGE_DELETE, "template", name,
	                        tag)) {
		snprintf(intent, sizeof(intent), "delete template %s of %s",
		         name, c->domain);
		st = delete_path(c, intent, path);
	}
	es_reply_free(&r);
	return st;
}
