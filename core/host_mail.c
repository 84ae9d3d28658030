/*
 * es_host.mail (host.h, since 2.2): the plugin's call handed to the mail
 * service (mail.c) with the instance's ca_file and timeout, the HTTP
 * service's hooks, and the plugin's config as the list of servers its
 * credentials may go to.
 */
#include <stdlib.h>
#include <string.h>

#include "host_tables.h"
#include "log.h"
#include "mail.h"
#include "run.h"

/* A key that names a mail server or its port: `host`, `smtp_host`. */
static int names(const char *key, const char *what)
{
	size_t n = strlen(key), w = strlen(what);

	return strcmp(key, what) == 0 || (n > w && key[n - w - 1] == '_' &&
	                                  strcmp(key + n - w, what) == 0);
}

/* The plugin's non-secret string keys called host or *_host that have a
 * value for this environment: the servers a login may go to. */
static const char *host_key(void *ctx, size_t i, const char **name)
{
	const char *v;

	for (size_t k = 0;
	     (v = es_call_key_value(ctx, ES_TYPE_STRING, k, name)); k++)
		if (names(*name, "host") && i-- == 0)
			return v;
	return NULL;
}

/* 1 when `port` is the value of an int key called port or *_port. */
static int port_key(void *ctx, int64_t port)
{
	es_call *call = ctx;
	const struct es_plugin_conf *pc = call->inst->conf;

	for (size_t k = 0; pc && k < pc->n_values; k++) {
		const struct es_value *v = &pc->values[k];

		if (v->key && v->key->type == ES_TYPE_INT && v->is_set &&
		    names(v->key->name, "port") && v->i == port)
			return 1;
	}
	return 0;
}

static enum es_mail_result mail_call(es_call *call,
                                     const struct es_mail_server *server,
                                     const struct es_mail_message *msg)
{
	const struct es_plugin_conf *pc = call->inst->conf;
	struct es_http_hooks http;
	struct es_mail_hooks hooks = {
	    .http = &http, .host_key = host_key, .port_key = port_key};
	struct es_mail_settings s = {
	    .plugin = call->inst->plugin->name,
	    .ca_file = pc ? pc->ca_file : NULL,
	    .timeout_ms = pc && pc->http_timeout_ms > 0
	                      ? (uint32_t)pc->http_timeout_ms
	                      : 0,
	    .trace = es_log_verbosity() >= 3,
	};

	es_call_http_hooks(call, &http);
	return es_mail_perform(&s, server, msg, &hooks);
}

static enum es_mail_result mail_check_login(es_call *call,
                                            const struct es_mail_server *server)
{
	return mail_call(call, server, NULL);
}

static enum es_mail_result mail_send(es_call *call,
                                     const struct es_mail_server *server,
                                     const struct es_mail_message *msg)
{
	if (!msg) {
		es_diags_add(&call->diags, NULL, 0, call->prefix, "%s",
		             "SMTP call not made: no message");
		return ES_MAIL_NOT_SENT;
	}
	return mail_call(call, server, msg);
}

const struct es_mail_api es_host_mail = {
    .struct_size = sizeof(es_host_mail),
    .check_login = mail_check_login,
    .send = mail_send,
};
