/*
 * The host table a plugin sees in its own process (plugin_proxy.h): every
 * function but the local ones (JSON, escaping, freeing, wiping, reading a
 * response) is one message to the core and, unless it returns nothing,
 * one reply. The plugin process runs one callback at a time on one
 * thread, so the es_call it passes needs no lookup.
 *
 * Lifetimes are the host table's: strings the config returns live until
 * exit (kept once per distinct value), everything else a callback read
 * until es_proxy_host_release() at its end.
 */
#include "plugin_proxy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_tables.h"
#include "http.h"
#include "proxy_codec.h"
#include "proxy_wire.h"

/* The exit status of a plugin process whose core went away. */
#define CORE_GONE 70

static int core_fd = -1;
static struct es_wire out, in;

/* Config strings, kept until exit. */
static char **kept;
static size_t n_kept;

/* What the current callback read: freed by es_proxy_host_release. */
enum held_kind { HELD_STRING, HELD_JSON, HELD_TEMPLATE };
struct held {
	enum held_kind kind;
	void *p;
};
static struct held *held;
static size_t n_held, cap_held;

void es_proxy_host_init(int fd)
{
	core_fd = fd;
}

static void *hold(enum held_kind kind, void *p)
{
	if (!p)
		return NULL;
	if (n_held == cap_held) {
		size_t cap = cap_held ? cap_held * 2 : 16;
		struct held *grown = realloc(held, cap * sizeof(*grown));

		if (!grown)
			_exit(CORE_GONE);
		held = grown;
		cap_held = cap;
	}
	held[n_held].kind = kind;
	held[n_held++].p = p;
	return p;
}

void es_proxy_host_release(void)
{
	for (size_t i = 0; i < n_held; i++) {
		if (held[i].kind == HELD_STRING)
			free(held[i].p);
		else if (held[i].kind == HELD_JSON)
			es_host_json.free(held[i].p);
		else
			es_wire_template_free(held[i].p);
	}
	n_held = 0;
}

static const char *keep(const char *s)
{
	char **grown;

	if (!s)
		return NULL;
	for (size_t i = 0; i < n_kept; i++)
		if (strcmp(kept[i], s) == 0)
			return kept[i];
	grown = realloc(kept, (n_kept + 1) * sizeof(*kept));
	if (!grown || !(grown[n_kept] = strdup(s)))
		_exit(CORE_GONE);
	kept = grown;
	return kept[n_kept++];
}

/* Send `out`; a plugin process without its core has nothing left to do. */
static void send_out(void)
{
	if (es_wire_send(core_fd, &out) < 0)
		_exit(CORE_GONE);
}

/* Send `out` and read the reply into `in`. */
static struct es_wire *ask(void)
{
	send_out();
	if (es_wire_recv(core_fd, &in, -1) != 1 ||
	    es_wire_op(&in) != ES_P_REPLY)
		_exit(CORE_GONE);
	return &in;
}

static int64_t ask_i64(void)
{
	return es_wire_get_i64(ask());
}

/* ---- log, diag, plan, progress: one-way --------------------------------- */

static void send_text(enum es_wire_op op, int64_t n, const char *key,
                      const char *fmt, va_list ap)
{
	char *text = NULL;

	if (vasprintf(&text, fmt, ap) < 0)
		return;
	es_wire_start(&out, op);
	if (op == ES_H_LOG)
		es_wire_i64(&out, n);
	if (op == ES_H_DIAG_ERROR)
		es_wire_str(&out, key);
	es_wire_str(&out, text);
	free(text);
	send_out();
}

static void p_log(es_call *call, enum es_log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)call;
	va_start(ap, fmt);
	send_text(ES_H_LOG, level, NULL, fmt, ap);
	va_end(ap);
}

static void p_diag_error(es_call *call, const char *key, const char *fmt, ...)
{
	va_list ap;

	(void)call;
	va_start(ap, fmt);
	send_text(ES_H_DIAG_ERROR, 0, key, fmt, ap);
	va_end(ap);
}

static void p_diag_ask(es_call *call, const char *fmt, ...)
{
	va_list ap;

	(void)call;
	va_start(ap, fmt);
	send_text(ES_H_ASK, 0, NULL, fmt, ap);
	va_end(ap);
}

static void p_step(es_call *call, const char *fmt, ...)
{
	va_list ap;

	(void)call;
	va_start(ap, fmt);
	send_text(ES_H_STEP, 0, NULL, fmt, ap);
	va_end(ap);
}

static void p_retry_after(es_call *call, uint32_t ms)
{
	(void)call;
	es_wire_start(&out, ES_H_RETRY_AFTER);
	es_wire_i64(&out, ms);
	send_out();
}

static void p_plan_change(es_call *call, enum es_change change,
                          const char *kind, const char *name,
                          const char *detail)
{
	(void)call;
	es_wire_start(&out, ES_H_PLAN_CHANGE);
	es_wire_i64(&out, change);
	es_wire_str(&out, kind);
	es_wire_str(&out, name);
	es_wire_str(&out, detail);
	send_out();
}

/* ---- config ------------------------------------------------------------ */

static struct es_wire *ask_key(enum es_wire_op op, const char *key)
{
	es_wire_start(&out, op);
	if (key || (op != ES_H_CFG_CUSTOMER && op != ES_H_CFG_ENVIRONMENT))
		es_wire_str(&out, key ? key : "");
	return ask();
}

static int p_is_set(es_call *call, const char *key)
{
	(void)call;
	return (int)es_wire_get_i64(ask_key(ES_H_CFG_IS_SET, key));
}

static const char *p_get_string(es_call *call, const char *key)
{
	(void)call;
	return keep(es_wire_get_str(ask_key(ES_H_CFG_STRING, key)));
}

static int64_t p_get_int(es_call *call, const char *key)
{
	(void)call;
	return es_wire_get_i64(ask_key(ES_H_CFG_INT, key));
}

static int p_get_bool(es_call *call, const char *key)
{
	(void)call;
	return (int)es_wire_get_i64(ask_key(ES_H_CFG_BOOL, key));
}

static int64_t p_get_duration(es_call *call, const char *key)
{
	(void)call;
	return es_wire_get_i64(ask_key(ES_H_CFG_DURATION, key));
}

static size_t p_list_size(es_call *call, const char *key)
{
	int64_t n;

	(void)call;
	n = es_wire_get_i64(ask_key(ES_H_CFG_LIST_SIZE, key));
	return n > 0 ? (size_t)n : 0;
}

static const char *p_list_item(es_call *call, const char *key, size_t i)
{
	(void)call;
	es_wire_start(&out, ES_H_CFG_LIST_ITEM);
	es_wire_str(&out, key ? key : "");
	es_wire_i64(&out, (int64_t)i);
	return keep(es_wire_get_str(ask()));
}

static const char *p_customer(es_call *call)
{
	(void)call;
	return keep(es_wire_get_str(ask_key(ES_H_CFG_CUSTOMER, NULL)));
}

static const char *p_environment(es_call *call)
{
	(void)call;
	return keep(es_wire_get_str(ask_key(ES_H_CFG_ENVIRONMENT, NULL)));
}

static const char *p_env_value(es_call *call, const char *name)
{
	(void)call;
	return keep(es_wire_get_str(ask_key(ES_H_CFG_ENV_VALUE, name)));
}

static int p_is_explicit(es_call *call, const char *key)
{
	(void)call;
	return (int)es_wire_get_i64(ask_key(ES_H_CFG_IS_EXPLICIT, key));
}

static const es_json *p_get_json(es_call *call, const char *key)
{
	size_t len;
	const char *text;

	(void)call;
	text = es_wire_get_bytes(ask_key(ES_H_CFG_JSON, key), &len);
	return text ? hold(HELD_JSON, es_host_json.parse(text, len)) : NULL;
}

/* ---- http -------------------------------------------------------------- */

static es_http_response *p_request(es_call *call,
                                   const struct es_http_request *req)
{
	(void)call;
	es_wire_start(&out, ES_H_HTTP);
	es_wire_put_http_request(&out, req);
	return es_wire_get_http_response(ask());
}

/* ---- state, output, secrets ------------------------------------------- */

static int64_t ask_named(enum es_wire_op op, const char *name,
                         const char *value, int with_value, int64_t n,
                         int with_n)
{
	int64_t rc;

	es_wire_start(&out, op);
	es_wire_str(&out, name ? name : "");
	if (with_value)
		es_wire_str(&out, value);
	if (with_n)
		es_wire_i64(&out, n);
	rc = ask_i64();
	/* The request may have carried a secret value. */
	memset(out.buf, 0, out.len);
	return rc;
}

static const char *p_state_get(es_call *call, const char *key)
{
	const char *v;

	(void)call;
	es_wire_start(&out, ES_H_STATE_GET);
	es_wire_str(&out, key ? key : "");
	v = es_wire_get_str(ask());
	return v ? hold(HELD_STRING, strdup(v)) : NULL;
}

static int p_state_put(es_call *call, const char *key, const char *value)
{
	(void)call;
	return (int)ask_named(ES_H_STATE_PUT, key, value, 1, 0, 0);
}

static int p_state_del(es_call *call, const char *key)
{
	(void)call;
	return (int)ask_named(ES_H_STATE_DEL, key, NULL, 0, 0, 0);
}

static int p_interrupted(es_call *call)
{
	(void)call;
	es_wire_start(&out, ES_H_STATE_INTERRUPTED);
	return (int)ask_i64();
}

static int p_output_set(es_call *call, const char *name, const char *value,
                        int secret)
{
	(void)call;
	return (int)ask_named(ES_H_OUTPUT_SET, name, value, 1, secret, 1);
}

static int p_secret_get(es_call *call, const char *name, char *buf,
                        size_t buflen, size_t *len)
{
	struct es_wire *r;
	int64_t rc, n;
	const char *value;

	(void)call;
	es_wire_start(&out, ES_H_SECRET_GET);
	es_wire_str(&out, name ? name : "");
	es_wire_i64(&out, buf ? (int64_t)buflen : 0);
	r = ask();
	rc = es_wire_get_i64(r);
	n = es_wire_get_i64(r);
	value = es_wire_get_str(r);
	if (len)
		*len = n > 0 ? (size_t)n : 0;
	if (rc == 0 && buf && value && strlen(value) < buflen)
		memcpy(buf, value, strlen(value) + 1);
	memset(in.buf, 0, in.len);
	return (int)rc;
}

static int p_remember(es_call *call, const char *name, const char *value)
{
	(void)call;
	return (int)ask_named(ES_H_SECRET_REMEMBER, name, value, 1, 0, 0);
}

static int p_generate(es_call *call, const char *name, size_t length)
{
	(void)call;
	return (int)ask_named(ES_H_SECRET_GENERATE, name, NULL, 0,
	                      (int64_t)length, 1);
}

/* ---- progress, gate ---------------------------------------------------- */

static int p_cancelled(es_call *call)
{
	(void)call;
	es_wire_start(&out, ES_H_CANCELLED);
	return (int)ask_i64();
}

static void p_sleep(es_call *call, uint32_t ms)
{
	(void)call;
	es_wire_start(&out, ES_H_SLEEP);
	es_wire_i64(&out, ms);
	ask();
}

static int p_confirmed(es_call *call)
{
	(void)call;
	es_wire_start(&out, ES_H_CONFIRMED);
	return (int)ask_i64();
}

/* ---- mail, templates --------------------------------------------------- */

static enum es_mail_result p_mail(enum es_wire_op op,
                                  const struct es_mail_server *server,
                                  const struct es_mail_message *msg)
{
	int64_t rc;

	es_wire_start(&out, op);
	es_wire_put_mail(&out, server, msg);
	rc = ask_i64();
	return rc >= ES_MAIL_OK && rc <= ES_MAIL_FAILED
	           ? (enum es_mail_result)rc
	           : ES_MAIL_FAILED;
}

static enum es_mail_result p_check_login(es_call *call,
                                         const struct es_mail_server *server)
{
	(void)call;
	return p_mail(ES_H_MAIL_CHECK, server, NULL);
}

static enum es_mail_result p_send(es_call *call,
                                  const struct es_mail_server *server,
                                  const struct es_mail_message *msg)
{
	(void)call;
	return p_mail(ES_H_MAIL_SEND, server, msg);
}

static long p_tpl_count(es_call *call, const char *key)
{
	(void)call;
	es_wire_start(&out, ES_H_TPL_COUNT);
	es_wire_str(&out, key ? key : "");
	return (long)ask_i64();
}

static const struct es_template *p_tpl_get(es_call *call, const char *key,
                                           size_t i)
{
	(void)call;
	es_wire_start(&out, ES_H_TPL_GET);
	es_wire_str(&out, key ? key : "");
	es_wire_i64(&out, (int64_t)i);
	return hold(HELD_TEMPLATE, es_wire_get_template(ask()));
}

/* ---- the table --------------------------------------------------------- */

static void p_wipe(void *buf, size_t len)
{
	es_host_table.wipe(buf, len);
}

static const struct es_log_api log_api = {.struct_size = sizeof(log_api),
                                          .log = p_log};
static const struct es_diag_api diag_api = {
    .struct_size = sizeof(diag_api),
    .error = p_diag_error,
    .retry_after = p_retry_after,
    .ask = p_diag_ask,
};
static const struct es_config_api config_api = {
    .struct_size = sizeof(config_api),
    .is_set = p_is_set,
    .get_string = p_get_string,
    .get_int = p_get_int,
    .get_bool = p_get_bool,
    .get_duration_ms = p_get_duration,
    .list_size = p_list_size,
    .list_item = p_list_item,
    .customer = p_customer,
    .environment = p_environment,
    .env_value = p_env_value,
    .is_explicit = p_is_explicit,
    .get_json = p_get_json,
};
static const struct es_http_api http_api = {
    .struct_size = sizeof(http_api),
    .request = p_request,
    .status = es_http_response_status,
    .body = es_http_response_body,
    .header = es_http_response_header,
    .response_free = es_http_response_free,
    .escape = es_http_escape,
};
static const struct es_state_api state_api = {
    .struct_size = sizeof(state_api),
    .get = p_state_get,
    .put = p_state_put,
    .del = p_state_del,
    .interrupted = p_interrupted,
};
static const struct es_output_api output_api = {
    .struct_size = sizeof(output_api), .set = p_output_set};
static const struct es_secret_api secret_api = {
    .struct_size = sizeof(secret_api),
    .get = p_secret_get,
    .remember = p_remember,
    .generate = p_generate,
};
static const struct es_plan_api plan_api = {.struct_size = sizeof(plan_api),
                                            .change = p_plan_change};
static const struct es_progress_api progress_api = {
    .struct_size = sizeof(progress_api),
    .step = p_step,
    .cancelled = p_cancelled,
    .sleep_ms = p_sleep,
};
static const struct es_gate_api gate_api = {.struct_size = sizeof(gate_api),
                                            .confirmed = p_confirmed};
static const struct es_mail_api mail_api = {.struct_size = sizeof(mail_api),
                                            .check_login = p_check_login,
                                            .send = p_send};
static const struct es_templates_api templates_api = {
    .struct_size = sizeof(templates_api),
    .count = p_tpl_count,
    .get = p_tpl_get,
};

const struct es_host es_proxy_host_table = {
    .struct_size = sizeof(struct es_host),
    .abi_major = ES_ABI_MAJOR,
    .abi_minor = ES_ABI_MINOR,
    .log = &log_api,
    .diag = &diag_api,
    .config = &config_api,
    .http = &http_api,
    .json = &es_host_json,
    .state = &state_api,
    .output = &output_api,
    .secret = &secret_api,
    .plan = &plan_api,
    .progress = &progress_api,
    .gate = &gate_api,
    .mem_free = free,
    .wipe = p_wipe,
    .mail = &mail_api,
    .templates = &templates_api,
};
