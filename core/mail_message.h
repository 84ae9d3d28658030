/*
 * Before an SMTP call connects (mail.c): the request checked, its
 * {{secret:NAME}} substituted, the rule on where credentials may go
 * applied, and the message built. Not part of any contract.
 */
#ifndef ENVSETUP_CORE_MAIL_MESSAGE_H
#define ENVSETUP_CORE_MAIL_MESSAGE_H

#include <stddef.h>

#include "http_internal.h"
#include "mail.h"

struct es_mail_prepared {
	char *url;          /* smtp://host:port or smtps://host:port */
	char *shown_url;    /* the same, for the journal */
	char *shown_server; /* "smtp 127.0.0.1:2525 (STARTTLS)" */
	char *user;         /* nullable, substituted */
	char *password;     /* nullable, substituted */
	char *mail_from;    /* "<ops@acme.example>"; send only */
	char *rcpt_to;      /* "<test@acme.example>"; send only */
	char *message;      /* headers and CRLF body; send only */
	size_t message_len;
	struct es_http_masks masks;
};

/* 0, or -1 with the reason sent to hooks->http->error (and
 * hooks->http->refused for the credentials rule). msg NULL: a login
 * check, no message. */
int es_mail_prepare(const struct es_mail_server *server,
                    const struct es_mail_message *msg,
                    const struct es_mail_hooks *hooks, const char *plugin,
                    struct es_mail_prepared *p);
void es_mail_prepared_free(struct es_mail_prepared *p);

#endif
