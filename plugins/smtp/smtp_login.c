/*
 * smtp: verify_login. The core connects, reaches TLS, says EHLO, AUTH,
 * NOOP and QUIT (es_mail_api.check_login): nothing is sent, so every
 * phase checks. State key "login" records which login was checked and
 * published, so a changed host, port or username is a plan change and
 * its outputs are published again.
 */
#include <stdio.h>
#include <string.h>

#include "smtp.h"

static enum es_status publish(struct ctx *c)
{
	const struct es_output_api *o = c->h->output;
	const char *from = smtp_cfg(c, "from");
	const char *at = from ? strchr(from, '@') : NULL;
	char port[16];

	snprintf(port, sizeof(port), "%u", c->server.port);
	if (o->set(c->call, "smtp_host", c->server.host, 0) ||
	    o->set(c->call, "smtp_port", port, 0) ||
	    o->set(c->call, "smtp_username", c->server.username, 0) ||
	    o->set(c->call, "smtp_security", c->security, 0) ||
	    (at && o->set(c->call, "smtp_domain", at + 1, 0)))
		return ES_FAILED;
	return c->h->state->put(c->call, "login", c->login) ? ES_FAILED : ES_OK;
}

enum es_status smtp_verify_login(const struct es_ctx *x)
{
	struct ctx c;
	const char *have;
	enum es_status st;

	if (x->phase == ES_PHASE_PLAN_DESTROY)
		return ES_OK; /* nothing was made at the server */
	if (smtp_open(x, &c) < 0)
		return ES_INVALID_CONFIG;
	if (x->phase == ES_PHASE_DESTROY) {
		c.h->log->log(c.call, ES_LOG_INFO,
		              "nothing to remove at %s: a login check "
		              "creates nothing",
		              c.server.host);
		return c.h->state->del(c.call, "login") ? ES_FAILED : ES_OK;
	}
	st = smtp_status(&c, c.h->mail->check_login(c.call, &c.server), 0);
	if (st != ES_OK)
		return st;
	have = c.h->state->get(c.call, "login");
	if (have && strcmp(have, c.login) == 0)
		return ES_OK;
	if (es_reported(x, &st, have ? ES_CHANGE_UPDATE : ES_CHANGE_CREATE,
	                "SMTP login", c.login, "checked; publish its settings"))
		return st;
	return publish(&c);
}
