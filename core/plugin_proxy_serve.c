/* The core answering a plugin process's host calls (plugin_proxy.h): each
 * is decoded and handed to the core's own host table with the call of the
 * callback that is running, so nothing here re-implements a service. */
#include "plugin_proxy.h"

#include <stdlib.h>
#include <string.h>

#include "host_tables.h"
#include "log.h"
#include "proxy_codec.h"
#include "proxy_wire.h"

static const struct es_host *const h = &es_host_table;

static int reply_i64(struct es_wire *out, int64_t v)
{
	es_wire_start(out, ES_P_REPLY);
	es_wire_i64(out, v);
	return 1;
}

static int reply_str(struct es_wire *out, const char *s)
{
	es_wire_start(out, ES_P_REPLY);
	es_wire_str(out, s);
	return 1;
}

/* Plain text: from the plugin's format, already expanded in the child. */
static int serve_text(es_call *call, struct es_wire *in, enum es_wire_op op)
{
	int64_t n = 0;
	const char *key = NULL, *text;

	if (op == ES_H_LOG)
		n = es_wire_get_i64(in);
	if (op == ES_H_DIAG_ERROR)
		key = es_wire_get_str(in);
	text = es_wire_get_str(in);
	if (in->bad || !text)
		return -1;
	if (op == ES_H_LOG)
		h->log->log(call,
		            n < ES_LOG_ERROR   ? ES_LOG_ERROR
		            : n > ES_LOG_DEBUG ? ES_LOG_DEBUG
		                               : (enum es_log_level)n,
		            "%s", text);
	else if (op == ES_H_DIAG_ERROR)
		h->diag->error(call, key, "%s", text);
	else if (op == ES_H_ASK)
		h->diag->ask(call, "%s", text);
	else
		h->progress->step(call, "%s", text);
	return 0;
}

static int serve_config(es_call *call, struct es_wire *in, struct es_wire *out,
                        enum es_wire_op op)
{
	const struct es_config_api *c = h->config;
	const char *key = NULL;
	int64_t i = 0;

	if (op != ES_H_CFG_CUSTOMER && op != ES_H_CFG_ENVIRONMENT)
		key = es_wire_get_str(in);
	if (op == ES_H_CFG_LIST_ITEM)
		i = es_wire_get_i64(in);
	if (in->bad ||
	    (!key && op != ES_H_CFG_CUSTOMER && op != ES_H_CFG_ENVIRONMENT))
		return -1;
	switch (op) {
	case ES_H_CFG_IS_SET:
		return reply_i64(out, c->is_set(call, key));
	case ES_H_CFG_STRING:
		return reply_str(out, c->get_string(call, key));
	case ES_H_CFG_INT:
		return reply_i64(out, c->get_int(call, key));
	case ES_H_CFG_BOOL:
		return reply_i64(out, c->get_bool(call, key));
	case ES_H_CFG_DURATION:
		return reply_i64(out, c->get_duration_ms(call, key));
	case ES_H_CFG_LIST_SIZE:
		return reply_i64(out, (int64_t)c->list_size(call, key));
	case ES_H_CFG_LIST_ITEM:
		return reply_str(
		    out, i < 0 ? NULL : c->list_item(call, key, (size_t)i));
	case ES_H_CFG_CUSTOMER:
		return reply_str(out, c->customer(call));
	case ES_H_CFG_ENVIRONMENT:
		return reply_str(out, c->environment(call));
	case ES_H_CFG_ENV_VALUE:
		return reply_str(out, c->env_value(call, key));
	case ES_H_CFG_IS_EXPLICIT:
		return reply_i64(out, c->is_explicit(call, key));
	default: { /* ES_H_CFG_JSON */
		const es_json *j = c->get_json(call, key);
		char *text = j ? h->json->print(j) : NULL;

		reply_str(out, text);
		h->mem_free(text);
		return 1;
	}
	}
}

static int serve_http(es_call *call, struct es_wire *in, struct es_wire *out)
{
	struct es_wire_http_request r;
	es_http_response *resp;

	if (es_wire_get_http_request(in, &r) < 0) {
		es_wire_http_request_release(&r);
		return -1;
	}
	resp = h->http->request(call, r.req.struct_size ? &r.req : NULL);
	es_wire_http_request_release(&r);
	es_wire_start(out, ES_P_REPLY);
	es_wire_put_http_response(out, resp);
	h->http->response_free(resp);
	return 1;
}

static int serve_secret_get(es_call *call, struct es_wire *in,
                            struct es_wire *out)
{
	const char *name = es_wire_get_str(in);
	int64_t buflen = es_wire_get_i64(in);
	size_t len = 0;
	char *buf = NULL;
	int rc;

	if (in->bad || !name || buflen < 0 || buflen > ES_WIRE_MAX_FRAME / 2)
		return -1;
	if (buflen > 0 && !(buf = calloc(1, (size_t)buflen)))
		return -1;
	rc = h->secret->get(call, name, buf, (size_t)buflen, &len);
	es_wire_start(out, ES_P_REPLY);
	es_wire_i64(out, rc);
	es_wire_i64(out, (int64_t)len);
	es_wire_str(out, rc == 0 ? buf : NULL);
	if (buf) {
		h->wipe(buf, (size_t)buflen);
		free(buf);
	}
	return 1;
}

static int serve_mail(es_call *call, struct es_wire *in, struct es_wire *out,
                      enum es_wire_op op)
{
	struct es_mail_server server;
	struct es_mail_message msg;
	int has_msg;

	es_wire_get_mail(in, &server, &msg, &has_msg);
	if (in->bad)
		return -1;
	if (op == ES_H_MAIL_CHECK)
		return reply_i64(out, h->mail->check_login(call, &server));
	return reply_i64(out,
	                 h->mail->send(call, &server, has_msg ? &msg : NULL));
}

static int serve_templates(es_call *call, struct es_wire *in,
                           struct es_wire *out, enum es_wire_op op)
{
	const char *key = es_wire_get_str(in);
	int64_t i = op == ES_H_TPL_GET ? es_wire_get_i64(in) : 0;

	if (in->bad || !key || i < 0)
		return -1;
	if (op == ES_H_TPL_COUNT)
		return reply_i64(out, h->templates->count(call, key));
	es_wire_start(out, ES_P_REPLY);
	es_wire_put_template(out, h->templates->get(call, key, (size_t)i));
	return 1;
}

/* Two strings and an integer: state put, output set, secrets. */
static int serve_named(es_call *call, struct es_wire *in, struct es_wire *out,
                       enum es_wire_op op)
{
	const char *name = es_wire_get_str(in), *value = NULL;
	int64_t n = 0;
	int rc;

	if (op == ES_H_STATE_PUT || op == ES_H_OUTPUT_SET ||
	    op == ES_H_SECRET_REMEMBER)
		value = es_wire_get_str(in);
	if (op == ES_H_OUTPUT_SET || op == ES_H_SECRET_GENERATE)
		n = es_wire_get_i64(in);
	if (in->bad || !name)
		return -1;
	if (op == ES_H_STATE_GET)
		return reply_str(out, h->state->get(call, name));
	if (op == ES_H_STATE_PUT)
		rc = h->state->put(call, name, value);
	else if (op == ES_H_STATE_DEL)
		rc = h->state->del(call, name);
	else if (op == ES_H_OUTPUT_SET)
		rc = h->output->set(call, name, value, (int)n);
	else if (op == ES_H_SECRET_REMEMBER)
		rc = h->secret->remember(call, name, value);
	else
		rc = n < 0 ? -1 : h->secret->generate(call, name, (size_t)n);
	/* The value the plugin remembered was a secret in our buffer. */
	if (op == ES_H_SECRET_REMEMBER && value)
		h->wipe((char *)value, strlen(value));
	return reply_i64(out, rc);
}

int es_proxy_serve(es_call *call, struct es_wire *in, struct es_wire *out)
{
	enum es_wire_op op = es_wire_op(in);

	switch (op) {
	case ES_H_LOG:
	case ES_H_DIAG_ERROR:
	case ES_H_ASK:
	case ES_H_STEP:
		return serve_text(call, in, op);
	case ES_H_RETRY_AFTER: {
		int64_t ms = es_wire_get_i64(in);

		if (in->bad || ms < 0 || ms > UINT32_MAX)
			return -1;
		h->diag->retry_after(call, (uint32_t)ms);
		return 0;
	}
	case ES_H_PLAN_CHANGE: {
		int64_t change = es_wire_get_i64(in);
		const char *kind = es_wire_get_str(in);
		const char *name = es_wire_get_str(in);
		const char *detail = es_wire_get_str(in);

		if (in->bad)
			return -1;
		h->plan->change(call, (enum es_change)change, kind, name,
		                detail);
		return 0;
	}
	case ES_H_CFG_IS_SET:
	case ES_H_CFG_STRING:
	case ES_H_CFG_INT:
	case ES_H_CFG_BOOL:
	case ES_H_CFG_DURATION:
	case ES_H_CFG_LIST_SIZE:
	case ES_H_CFG_LIST_ITEM:
	case ES_H_CFG_CUSTOMER:
	case ES_H_CFG_ENVIRONMENT:
	case ES_H_CFG_ENV_VALUE:
	case ES_H_CFG_IS_EXPLICIT:
	case ES_H_CFG_JSON:
		return serve_config(call, in, out, op);
	case ES_H_HTTP:
		return serve_http(call, in, out);
	case ES_H_STATE_GET:
	case ES_H_STATE_PUT:
	case ES_H_STATE_DEL:
	case ES_H_OUTPUT_SET:
	case ES_H_SECRET_REMEMBER:
	case ES_H_SECRET_GENERATE:
		return serve_named(call, in, out, op);
	case ES_H_STATE_INTERRUPTED:
		return reply_i64(out, h->state->interrupted(call));
	case ES_H_SECRET_GET:
		return serve_secret_get(call, in, out);
	case ES_H_CANCELLED:
		return reply_i64(out, h->progress->cancelled(call));
	case ES_H_SLEEP: {
		int64_t ms = es_wire_get_i64(in);

		if (in->bad || ms < 0 || ms > UINT32_MAX)
			return -1;
		h->progress->sleep_ms(call, (uint32_t)ms);
		es_wire_start(out, ES_P_REPLY);
		return 1;
	}
	case ES_H_CONFIRMED:
		return reply_i64(out, h->gate->confirmed(call));
	case ES_H_MAIL_CHECK:
	case ES_H_MAIL_SEND:
		return serve_mail(call, in, out, op);
	case ES_H_TPL_COUNT:
	case ES_H_TPL_GET:
		return serve_templates(call, in, out, op);
	default:
		return -1;
	}
}
