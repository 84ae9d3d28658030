/*
 * intercom: the workspace itself. Reads the app id the Messenger needs,
 * publishes the identity verification secret a person copies from the
 * Intercom UI (no API version before Preview hands it out), and waits for
 * a person to invite the teammates (no API invites them; GET /admins shows
 * who joined).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "intercom.h"

#define SECRET_MAX 512

/* GET /me: the admin the token belongs to, with its app. */
static enum es_status get_me(struct ctx *c, struct es_reply *r)
{
	enum es_status st = es_client_call(&c->api, r, NULL, "/me");

	if (st == ES_OK && r->outcome == ES_FOUND &&
	    !c->h->json->get_string(r->json, "app.id_code"))
		st = es_reply_malformed(&c->api, r, "/me", "app.id_code");
	else if (st == ES_OK && r->outcome != ES_FOUND)
		st = es_reply_malformed(&c->api, r, "/me", "the admin");
	return st;
}

/* ---- read_app ------------------------------------------------------- */

enum es_status ic_read_app(const struct es_ctx *x)
{
	struct ctx c;
	struct es_reply r;
	enum es_status st;

	if (ic_open(x, &c))
		return ES_INVALID_CONFIG;
	if (ic_teardown(&c))
		return ES_OK; /* reads only: nothing to remove */
	st = get_me(&c, &r);  /* a 401 is ES_INVALID_CONFIG naming the key */
	if (st == ES_OK && c.phase == ES_PHASE_VERIFY &&
	    c.h->output->set(c.call, "app_id",
	                     c.h->json->get_string(r.json, "app.id_code"), 0))
		st = ES_FAILED;
	es_reply_free(&r);
	return st;
}

/* ---- identity_verification_secret ----------------------------------- */

/* Copy the secret the person entered into the secret output; the buffer
 * is wiped whatever happens. */
static enum es_status publish_secret(struct ctx *c)
{
	char buf[SECRET_MAX];
	size_t len = 0;
	int bad;

	bad = c->h->secret->get(c->call, "identity_verification_secret", buf,
	                        sizeof(buf), &len) != 0 ||
	      len == 0 ||
	      c->h->output->set(c->call, "identity_verification_secret", buf,
	                        1) != 0;
	c->h->wipe(buf, sizeof(buf));
	if (bad)
		c->h->diag->error(c->call, "identity_verification_secret",
		                  "cannot read the identity verification "
		                  "secret (empty, or over %d bytes)",
		                  SECRET_MAX - 1);
	return bad ? ES_FAILED : ES_OK;
}

enum es_status ic_identity_secret(const struct es_ctx *x)
{
	struct ctx cs, *c = &cs;
	struct es_reply r;
	int entered, enforced;
	enum es_status st;

	if (ic_open(x, c))
		return ES_INVALID_CONFIG;
	if (ic_teardown(c))
		return ES_OK; /* the person's secret: nothing envsetup made */
	st = get_me(c, &r);
	enforced = c->h->json->get_bool(r.json, "app.identity_verification", 0);
	es_reply_free(&r);
	if (st != ES_OK)
		return st;
	entered = c->h->config->is_set(c->call, "identity_verification_secret");
	if (entered && enforced)
		return c->phase == ES_PHASE_PLAN ? ES_OK : publish_secret(c);
	if (es_reported(x, &st, ES_CHANGE_CREATE, "secret output",
	                "identity_verification_secret",
	                enforced ? "a person copies it from Intercom"
	                         : "a person turns identity verification "
	                           "on in Intercom and copies the secret"))
		return st;
	if (c->h->gate->confirmed(c->call)) {
		c->h->diag->error(c->call, "identity_verification_secret",
		                  "confirmed, but %s",
		                  entered ? "Intercom still says identity "
		                            "verification is off"
		                          : "identity_verification_secret is "
		                            "still unset");
		return ES_INVALID_CONFIG;
	}
	c->h->diag->ask(
	    c->call,
	    "In Intercom, open Settings > Data > Security%s, copy the "
	    "identity verification secret for web into a 0600 file and set "
	    "intercom.identity_verification_secret = \"file:PATH\" in the "
	    "customer file; then run envsetup apply again",
	    enforced ? "" : ", turn identity verification on for web");
	return ES_NEEDS_PERSON;
}

/* ---- invite_teammates ----------------------------------------------- */

/* 1 when GET /admins lists `email` (Intercom keeps the case it was
 * given). */
static int has_admin(struct ctx *c, const es_json *admins, const char *email)
{
	for (size_t i = 0; i < c->h->json->array_size(admins); i++) {
		const char *v = c->h->json->get_string(
		    c->h->json->array_item(admins, i), "email");

		if (v && strcasecmp(v, email) == 0)
			return 1;
	}
	return 0;
}

enum es_status ic_invite_teammates(const struct es_ctx *x)
{
	struct ctx cs, *c = &cs;
	size_t n, missing = 0;
	char names[1024] = "";
	const es_json *admins;
	struct es_reply r;
	enum es_status st;
	int confirmed;

	if (ic_open(x, c))
		return ES_INVALID_CONFIG;
	/* Invited teammates show up once they accept: a person's word that
	 * the invitations went out is what this task waits for. */
	confirmed = c->h->gate->confirmed(c->call);
	n = c->h->config->list_size(c->call, "teammates");
	if (ic_teardown(c) || n == 0)
		return ES_OK; /* people stay: envsetup never removes them */
	st = es_client_call(&c->api, &r, NULL, "/admins");
	admins = c->h->json->get(r.json, "admins");
	if (st == ES_OK && c->h->json->kind(admins) != ES_JSON_ARRAY)
		st = es_reply_malformed(&c->api, &r, "/admins", "admins");
	for (size_t i = 0; st == ES_OK && i < n; i++) {
		const char *email =
		    c->h->config->list_item(c->call, "teammates", i);
		size_t at = strlen(names);

		if (has_admin(c, admins, email) || confirmed ||
		    es_reported(x, &st, ES_CHANGE_CREATE, "teammate", email,
		                "a person invites them in Intercom"))
			continue;
		missing++;
		snprintf(names + at, sizeof(names) - at, "%s%s", at ? ", " : "",
		         email);
	}
	es_reply_free(&r);
	if (st != ES_OK || missing == 0)
		return st;
	c->h->diag->ask(c->call,
	                "Intercom's API cannot invite teammates: in Intercom, "
	                "Settings > Workspace > Teammates > Invite, invite "
	                "%s; then run envsetup confirm intercom:"
	                "invite_teammates",
	                names);
	return ES_NEEDS_PERSON;
}
