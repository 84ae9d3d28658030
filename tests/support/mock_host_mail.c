/*
 * The mock host's mail sub-table (envsetup/mock_host.h, since 2.2):
 * scripted results, recorded calls. mock_host_reset() forgets both
 * through mock_mail_forget().
 */
#include <stdlib.h>
#include <string.h>

#include "envsetup/mock_host.h"
#include "mock_host_internal.h"

#define MOCK_MAIL_MAX 64

static struct {
	enum es_mail_result result[2];
	const char *diag[2];
	struct mock_mail calls[MOCK_MAIL_MAX];
	size_t n;
} mm;

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void mock_mail_forget(void)
{
	for (size_t i = 0; i < mm.n; i++) {
		struct mock_mail *c = &mm.calls[i];

		free(c->host);
		free(c->username);
		free(c->password);
		free(c->from);
		free(c->to);
		free(c->subject);
		free(c->text);
		free(c->intent);
	}
	memset(&mm, 0, sizeof(mm));
}

void mock_mail_result(enum mock_mail_op op, enum es_mail_result result,
                      const char *diag)
{
	mm.result[op == MOCK_MAIL_SEND] = result;
	mm.diag[op == MOCK_MAIL_SEND] = diag;
}

size_t mock_mail_count(enum mock_mail_op op)
{
	size_t n = 0;

	for (size_t i = 0; i < mm.n; i++)
		n += mm.calls[i].op == op;
	return n;
}

const struct mock_mail *mock_mail_call(size_t i)
{
	return i < mm.n ? &mm.calls[i] : NULL;
}

static enum es_mail_result answer(es_call *call, enum mock_mail_op op,
                                  const struct es_mail_server *server,
                                  const struct es_mail_message *msg)
{
	struct mock_mail *c;
	enum es_mail_result r = mm.result[op == MOCK_MAIL_SEND];

	if (mm.n == MOCK_MAIL_MAX) {
		fprintf(stderr, "mock host: more than %d mail calls\n",
		        MOCK_MAIL_MAX);
		abort();
	}
	c = &mm.calls[mm.n++];
	c->op = op;
	if (server) {
		c->host = dup_or_null(server->host);
		c->port = server->port;
		c->security = server->security;
		c->username = dup_or_null(server->username);
		c->password = dup_or_null(server->password);
		c->timeout_ms = server->timeout_ms;
	}
	if (msg) {
		c->from = dup_or_null(msg->from);
		c->to = dup_or_null(msg->to);
		c->subject = dup_or_null(msg->subject);
		c->text = dup_or_null(msg->text);
		c->intent = dup_or_null(msg->intent);
	}
	if (r != ES_MAIL_OK)
		mock_host()->diag->error(call, NULL, "%s",
		                         mm.diag[op == MOCK_MAIL_SEND]
		                             ? mm.diag[op == MOCK_MAIL_SEND]
		                             : "scripted mail failure");
	return r;
}

static enum es_mail_result m_check_login(es_call *call,
                                         const struct es_mail_server *server)
{
	return answer(call, MOCK_MAIL_CHECK_LOGIN, server, NULL);
}

static enum es_mail_result m_send(es_call *call,
                                  const struct es_mail_server *server,
                                  const struct es_mail_message *msg)
{
	return answer(call, MOCK_MAIL_SEND, server, msg);
}

const struct es_mail_api mock_mail_api = {
    .struct_size = sizeof(mock_mail_api),
    .check_login = m_check_login,
    .send = m_send,
};
