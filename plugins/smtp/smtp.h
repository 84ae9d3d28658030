/*
 * Internals of the smtp plugin, shared by its source files:
 *   smtp.c          schema, tasks, outputs, validate, descriptor
 *   smtp_api.c      the server from the config (es_mail_server, the
 *                   password as {{secret:password}}) and what each mail
 *                   outcome means for a task
 *   smtp_login.c    verify_login: the login check and the outputs
 *   smtp_message.c  send_test_message: one test message, at most once
 * The plugin links nothing: SMTP is the core's (es_host.mail, ABI 2.2),
 * so it never holds the password. Nothing here is exported: the .so
 * exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_SMTP_H
#define ENVSETUP_PLUGIN_SMTP_H

#include "envsetup/envsetup.h"

/* ---- one task call -------------------------------------------------- */

struct ctx {
	const struct es_ctx *x;
	const struct es_host *h;
	es_call *call;
	struct es_mail_server server; /* host, port, security, login */
	const char *security;         /* "starttls" or "tls", as configured */
	/* "mailer@smtp.acme.example:587 (starttls)": what the state records
	 * the login check and the test message against. */
	char login[512];
};

/* Set up `c` for task call `x` from the config: 0, or -1 with a
 * diagnostic (a key the schema requires is missing). */
int smtp_open(const struct es_ctx *x, struct ctx *c);
const char *smtp_cfg(struct ctx *c, const char *key);

/* What a mail call's outcome means for the task, with a diagnostic
 * naming the key to look at (the core already said what the server
 * answered). `sending`: the call was send(), where a timeout or a lost
 * connection may have delivered the message. */
enum es_status smtp_status(struct ctx *c, enum es_mail_result r, int sending);

/* ---- tasks: one function serves every phase ------------------------- */

enum es_status smtp_verify_login(const struct es_ctx *x);
enum es_status smtp_send_test_message(const struct es_ctx *x);

#endif
