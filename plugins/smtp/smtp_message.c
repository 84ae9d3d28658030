/*
 * smtp: send_test_message. One message from `from` to `test_to`, sent at
 * most once per (from, to, login): a test message that arrives twice is
 * noise in someone's inbox, one that never arrives is seen by whoever
 * waits for it, and the login check already proved the server.
 *
 * At most once across a kill: before connecting, state key
 * "test_message_sending" records what is about to go; after the server
 * took it, "test_message_sent" records it and the first is deleted. A run
 * killed in between (or whose answer was lost after DATA) leaves
 * "sending" behind: the next run records the message as sent, with a
 * warning, and does not send it again.
 */
#include <stdio.h>
#include <string.h>

#include "smtp.h"

#define SENDING "test_message_sending"
#define SENT "test_message_sent"

static enum es_status send_once(struct ctx *c, const char *what)
{
	struct es_mail_message msg = {
	    .struct_size = sizeof(msg),
	    .from = smtp_cfg(c, "from"),
	    .to = smtp_cfg(c, "test_to"),
	    .subject = "envsetup: test message",
	    .intent = "send the test message",
	};
	char text[1024];
	enum es_mail_result r;
	enum es_status st;

	snprintf(text, sizeof(text),
	         "This message was sent by envsetup for %s (%s) to check that "
	         "%s:%u delivers the platform's e-mails.\n\nNo reply is "
	         "needed.\n",
	         c->h->config->customer(c->call),
	         c->h->config->environment(c->call), c->server.host,
	         c->server.port);
	msg.text = text;
	if (c->h->state->put(c->call, SENDING, what))
		return ES_FAILED; /* not recorded: not sent */
	r = c->h->mail->send(c->call, &c->server, &msg);
	st = smtp_status(c, r, 1);
	if (r == ES_MAIL_TIMEOUT || r == ES_MAIL_FAILED)
		return st; /* may be gone: "sending" stays, never resent */
	if (st != ES_OK)   /* certainly not sent: the marker goes */
		return c->h->state->del(c->call, SENDING) ? ES_FAILED : st;
	if (c->h->state->put(c->call, SENT, what) ||
	    c->h->state->del(c->call, SENDING))
		return ES_FAILED;
	return ES_OK;
}

enum es_status smtp_send_test_message(const struct es_ctx *x)
{
	const struct es_state_api *s = x->host->state;
	struct ctx c;
	const char *to, *sent, *sending;
	char what[1024];
	enum es_status st;

	if (x->phase == ES_PHASE_PLAN_DESTROY)
		return ES_OK; /* a sent message cannot be taken back */
	if (x->phase ==
	    ES_PHASE_DESTROY) /* forget it: a new setup tests anew */
		return s->del(x->call, SENT) || s->del(x->call, SENDING)
		           ? ES_FAILED
		           : ES_OK;
	if (smtp_open(x, &c) < 0)
		return ES_INVALID_CONFIG;
	to = smtp_cfg(&c, "test_to");
	if (!to)
		return ES_OK; /* no test message asked for */
	snprintf(what, sizeof(what), "%s -> %s via %s", smtp_cfg(&c, "from"),
	         to, c.login);
	sent = s->get(x->call, SENT);
	sending = s->get(x->call, SENDING);
	if (sent && strcmp(sent, what) == 0)
		return ES_OK;
	if (sending && strcmp(sending, what) == 0) {
		if (es_reported(x, &st, ES_CHANGE_UPDATE, "test message", to,
		                "a run stopped while sending it: record it as "
		                "sent, not resent"))
			return st;
		c.h->log->log(c.call, ES_LOG_WARNING,
		              "the test message to %s may have been sent by a "
		              "run that stopped before recording it: recorded "
		              "as sent, not sent again (check %s's inbox)",
		              to, to);
		return s->put(x->call, SENT, what) || s->del(x->call, SENDING)
		           ? ES_FAILED
		           : ES_OK;
	}
	if (es_reported(x, &st, sent ? ES_CHANGE_UPDATE : ES_CHANGE_CREATE,
	                "test message", to, what))
		return st;
	return send_once(&c, what);
}
