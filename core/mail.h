/*
 * The mail service behind es_mail_api (host.h): classic SMTP through
 * libcurl, one connection per call, TLS always required and verified.
 *
 * It shares the HTTP service's hooks (secrets, journal, log, errors) so
 * {{secret:NAME}} works and is masked the same way, and adds the rule on
 * where credentials may go: to a host and port the plugin's config names.
 */
#ifndef ENVSETUP_CORE_MAIL_H
#define ENVSETUP_CORE_MAIL_H

#include <stdint.h>

#include "envsetup/host.h"
#include "http.h"

struct es_mail_settings {
	const char *plugin;  /* for messages */
	const char *ca_file; /* nullable: CA bundle replacing the system one */
	uint32_t timeout_ms; /* total; 0: 30000 (server->timeout_ms wins) */
	uint32_t connect_timeout_ms; /* 0: 10000 */
	int trace; /* log the SMTP dialogue at debug, AUTH masked */
};

/* What the plugin's config names as its server, for the credentials rule. */
struct es_mail_hooks {
	const struct es_http_hooks *http;
	/* The value of the plugin's i-th non-secret host key (string keys
	 * called host or *_host) that has one (transfer none), its name in
	 * *name; NULL past the last. */
	const char *(*host_key)(void *ctx, size_t i, const char **name);
	/* 1 when `port` is the value of one of the plugin's port keys (int
	 * keys called port or *_port). */
	int (*port_key)(void *ctx, int64_t port);
};

/* msg NULL: the login check (EHLO, AUTH, NOOP, QUIT); otherwise send it.
 * The reason of every failure went to hooks->http->error. */
enum es_mail_result es_mail_perform(const struct es_mail_settings *s,
                                    const struct es_mail_server *server,
                                    const struct es_mail_message *msg,
                                    const struct es_mail_hooks *hooks);

#endif
