/*
 * smtp: the server from the config, and what each outcome of the core's
 * mail service means for a task. The password is only ever
 * "{{secret:password}}": the core substitutes it after the plugin is done.
 */
#include <stdio.h>
#include <string.h>

#include "smtp.h"

const char *smtp_cfg(struct ctx *c, const char *key)
{
	return c->h->config->get_string(c->call, key);
}

int smtp_open(const struct es_ctx *x, struct ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->x = x;
	c->h = x->host;
	c->call = x->call;
	c->security = smtp_cfg(c, "security");
	c->server.struct_size = sizeof(c->server);
	c->server.host = smtp_cfg(c, "host");
	c->server.port = (uint32_t)c->h->config->get_int(c->call, "port");
	c->server.security = c->security && strcmp(c->security, "tls") == 0
	                         ? ES_MAIL_TLS
	                         : ES_MAIL_STARTTLS;
	c->server.username = smtp_cfg(c, "username");
	c->server.password = "{{secret:password}}";
	if (!c->server.host || !c->server.username) {
		c->h->diag->error(c->call, c->server.host ? "username" : "host",
		                  "the SMTP server and login are required");
		return -1;
	}
	snprintf(c->login, sizeof(c->login), "%s@%s:%u (%s)",
	         c->server.username, c->server.host, c->server.port,
	         c->server.security == ES_MAIL_TLS ? "tls" : "starttls");
	return 0;
}

enum es_status smtp_status(struct ctx *c, enum es_mail_result r, int sending)
{
	const struct es_diag_api *d = c->h->diag;

	switch (r) {
	case ES_MAIL_OK:
		return ES_OK;
	case ES_MAIL_REFUSED:
		d->error(c->call, "host", "no SMTP server answers at %s:%u",
		         c->server.host, c->server.port);
		return ES_FAILED;
	case ES_MAIL_TLS_FAILED:
		d->error(c->call, "security",
		         "no verified TLS with %s:%u (security = %s; a private "
		         "CA goes in ca_file)",
		         c->server.host, c->server.port, c->security);
		return ES_INVALID_CONFIG;
	case ES_MAIL_AUTH_FAILED:
		d->error(c->call, "password",
		         "the SMTP server did not accept the login of %s",
		         c->server.username);
		return ES_INVALID_CONFIG;
	case ES_MAIL_REJECTED:
		d->error(c->call, "test_to",
		         "the SMTP server refused to take the message from %s "
		         "to %s",
		         smtp_cfg(c, "from"), smtp_cfg(c, "test_to"));
		return ES_INVALID_CONFIG;
	case ES_MAIL_NOT_SENT:
		return ES_FAILED;
	case ES_MAIL_TIMEOUT:
	case ES_MAIL_FAILED:
		break;
	}
	/* A login check is a read: try again later. A message may be gone:
	 * never again (send_test_message records it on the next run). */
	if (!sending)
		return ES_RETRY;
	d->error(c->call, "test_to",
	         "the answer to the test message was lost: it may have "
	         "arrived, so it is not sent again (at most once); the next "
	         "apply records it as sent");
	return ES_FAILED;
}
