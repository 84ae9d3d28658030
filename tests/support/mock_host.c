/*
 * The mock host of envsetup/mock_host.h. Tables are fixed-size: a test
 * that outgrows one aborts with a message rather than losing a record.
 * The JSON table is the core's (core/host_json.c, linked into the same
 * library), so a plugin's tests parse and print as the core does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "envsetup/mock_host.h"
#include "host_tables.h"
#include "mock_host_internal.h"

#define MOCK_MAX 256
#define MOCK_CONFIG_MAX 64
#define MOCK_LIST_MAX 8

struct es_call {
	int unused;
};

struct es_http_response {
	long status;
	char *body;
	char *headers; /* NUL-separated "Name: value" lines */
	size_t n_headers;
};

struct reply {
	const char *match;
	long status;
	const char *body;
	const char *headers;
	enum mock_reply_use use;
	int used, dropped;
};

struct cfg {
	const char *key;
	const char *string;
	int64_t number;
	const char *list[MOCK_LIST_MAX];
	size_t n_list;
	int is_explicit;
	es_json *json; /* mock_config_json: parsed, freed at reset */
};

struct entry {
	char *key;
	char *value; /* nullable */
	int secret;
};

static struct {
	struct cfg config[MOCK_CONFIG_MAX];
	const char *customer, *environment;
	struct reply replies[MOCK_MAX];
	size_t n_replies;
	long fallback_status;
	const char *fallback_body;
	struct mock_request sent[MOCK_MAX];
	size_t n_sent;
	struct entry state[MOCK_MAX], outputs[MOCK_MAX], secrets[MOCK_MAX];
	size_t n_state, n_outputs, n_secrets, n_generated, generate_length;
	struct mock_change plans[MOCK_MAX];
	size_t n_plans, n_diag;
	char diag_key[128], diag_text[1024], ask[1024];
	uint32_t retry_after;
	size_t n_unfreed; /* replies handed out, not yet response_free()d */
} m = {.customer = "acme", .environment = "uat"};

static struct es_call the_call;

static void full(const char *what)
{
	fprintf(stderr, "mock host: too many %s\n", what);
	abort();
}

static char *dup_or_null(const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		full("bytes");
	return d;
}

static char *dup_printf(const char *fmt, ...) ES_PRINTF(1, 2);

static char *dup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		full("bytes");
	return s;
}

/* ------------------------------------------------------------- tables */

static void record(struct entry *t, size_t *n, const char *k, const char *v,
                   int secret)
{
	if (*n >= MOCK_MAX)
		full("records");
	t[*n].key = dup_or_null(k);
	t[*n].value = dup_or_null(v);
	t[*n].secret = secret;
	(*n)++;
}

static const struct entry *latest(const struct entry *t, size_t n,
                                  const char *k)
{
	for (size_t i = n; i-- > 0;)
		if (strcmp(t[i].key, k) == 0)
			return &t[i];
	return NULL;
}

static void free_entries(struct entry *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].key);
		free(t[i].value);
	}
}

static void free_headers(struct es_http_header *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)h[i].name);
		free((char *)h[i].value);
	}
	free(h);
}

void mock_host_reset(void)
{
	mock_templates_reset();
	for (size_t i = 0; i < MOCK_CONFIG_MAX && m.config[i].key != NULL; i++)
		es_host_json.free(m.config[i].json);
	for (size_t i = 0; i < m.n_sent; i++) {
		struct mock_request *r = &m.sent[i];

		free(r->method);
		free(r->url);
		free_headers(r->headers, r->n_headers);
		free(r->body);
		free(r->content_type);
		free_headers(r->form, r->n_form);
		free(r->basic_user);
		free(r->basic_password);
		free(r->aws_sigv4);
		free(r->intent);
		free(r->text);
	}
	for (size_t i = 0; i < m.n_plans; i++) {
		free(m.plans[i].kind);
		free(m.plans[i].name);
		free(m.plans[i].detail);
		free(m.plans[i].text);
	}
	free_entries(m.state, m.n_state);
	free_entries(m.outputs, m.n_outputs);
	free_entries(m.secrets, m.n_secrets);
	mock_mail_forget();
	memset(&m, 0, sizeof(m));
	m.customer = "acme";
	m.environment = "uat";
}

es_call *mock_call(void)
{
	return &the_call;
}

/* ------------------------------------------------------------- config */

static struct cfg *find_cfg(const char *key)
{
	for (size_t i = 0; i < MOCK_CONFIG_MAX && m.config[i].key != NULL; i++)
		if (strcmp(m.config[i].key, key) == 0)
			return &m.config[i];
	return NULL;
}

/* The key's entry, emptied and explicit. */
static struct cfg *new_cfg(const char *key)
{
	struct cfg *c = find_cfg(key);

	if (c == NULL) {
		size_t i = 0;

		while (i < MOCK_CONFIG_MAX && m.config[i].key != NULL)
			i++;
		if (i == MOCK_CONFIG_MAX)
			full("config keys");
		c = &m.config[i];
	}
	memset(c, 0, sizeof(*c));
	c->key = key;
	c->is_explicit = 1;
	return c;
}

void mock_config_string(const char *key, const char *value)
{
	new_cfg(key)->string = value;
}

void mock_config_int(const char *key, int64_t value)
{
	new_cfg(key)->number = value;
}

void mock_config_bool(const char *key, int value)
{
	new_cfg(key)->number = value != 0;
}

void mock_config_duration(const char *key, int64_t ms)
{
	new_cfg(key)->number = ms;
}

void mock_config_list(const char *key, ...)
{
	struct cfg *c = new_cfg(key);
	const char *item;
	va_list ap;

	va_start(ap, key);
	while ((item = va_arg(ap, const char *)) != NULL) {
		if (c->n_list == MOCK_LIST_MAX)
			full("list items");
		c->list[c->n_list++] = item;
	}
	va_end(ap);
}

void mock_config_json(const char *key, const char *json)
{
	struct cfg *c = find_cfg(key);

	if (c != NULL)
		es_host_json.free(c->json);
	c = new_cfg(key);
	c->json = es_host_json.parse(json, strlen(json));
	if (c->json == NULL)
		full("mock_config_json: not JSON");
}

void mock_config_explicit(const char *key, int is_explicit)
{
	struct cfg *c = find_cfg(key);

	if (c != NULL)
		c->is_explicit = is_explicit;
}

void mock_config_customer(const char *customer, const char *environment)
{
	m.customer = customer;
	m.environment = environment;
}

static int c_is_set(es_call *call, const char *key)
{
	(void)call;
	return find_cfg(key) != NULL;
}

static const char *c_get_string(es_call *call, const char *key)
{
	const struct cfg *c = find_cfg(key);

	(void)call;
	return c != NULL ? c->string : NULL;
}

static int64_t c_get_number(es_call *call, const char *key)
{
	const struct cfg *c = find_cfg(key);

	(void)call;
	return c != NULL ? c->number : 0;
}

static int c_get_bool(es_call *call, const char *key)
{
	return c_get_number(call, key) != 0;
}

static size_t c_list_size(es_call *call, const char *key)
{
	const struct cfg *c = find_cfg(key);

	(void)call;
	return c != NULL ? c->n_list : 0;
}

static const char *c_list_item(es_call *call, const char *key, size_t i)
{
	const struct cfg *c = find_cfg(key);

	(void)call;
	return c != NULL && i < c->n_list ? c->list[i] : NULL;
}

static const struct es_json *c_get_json(es_call *call, const char *key)
{
	const struct cfg *c = find_cfg(key);

	(void)call;
	return c != NULL ? c->json : NULL;
}

static const char *c_customer(es_call *call)
{
	(void)call;
	return m.customer;
}

static const char *c_environment(es_call *call)
{
	(void)call;
	return m.environment;
}

static const char *c_env_value(es_call *call, const char *name)
{
	(void)call;
	(void)name;
	return NULL;
}

static int c_is_explicit(es_call *call, const char *key)
{
	const struct cfg *c = find_cfg(key);

	(void)call;
	return c != NULL && c->is_explicit;
}

/* --------------------------------------------------------------- http */

size_t mock_http_reply(const char *match, long status, const char *body,
                       const char *headers, enum mock_reply_use use)
{
	if (m.n_replies >= MOCK_MAX)
		full("replies");
	m.replies[m.n_replies] =
	    (struct reply){match, status, body, headers, use, 0, 0};
	return m.n_replies++;
}

void mock_http_drop(size_t index)
{
	if (index < m.n_replies)
		m.replies[index].dropped = 1;
}

void mock_http_fallback(long status, const char *body)
{
	m.fallback_status = status;
	m.fallback_body = body;
}

static struct es_http_header *copy_headers(const struct es_http_header *h,
                                           size_t n)
{
	struct es_http_header *c = calloc(n + 1, sizeof(*c));

	if (c == NULL)
		full("bytes");
	for (size_t i = 0; i < n; i++) {
		c[i].name = dup_or_null(h[i].name);
		c[i].value = dup_or_null(h[i].value);
	}
	return c;
}

static char *request_text(const struct mock_request *r)
{
	char *text = dup_printf("%s %s\n", r->method, r->url), *next;

	for (size_t i = 0; i < r->n_headers; i++, text = next) {
		next = dup_printf("%s%s: %s\n", text, r->headers[i].name,
		                  r->headers[i].value);
		free(text);
	}
	next = dup_printf("%s\n%s", text, r->body != NULL ? r->body : "");
	free(text);
	text = next;
	for (size_t i = 0; i < r->n_form; i++, text = next) {
		next = dup_printf("%s\n%s=%s", text, r->form[i].name,
		                  r->form[i].value);
		free(text);
	}
	return text;
}

static void record_request(const struct es_http_request *req)
{
	struct mock_request *r;

	if (m.n_sent >= MOCK_MAX)
		full("requests");
	r = &m.sent[m.n_sent++];
	r->method = dup_or_null(req->method);
	r->url = dup_or_null(req->url);
	r->headers = copy_headers(req->headers, req->n_headers);
	r->n_headers = req->n_headers;
	if (req->body != NULL) {
		r->body = malloc(req->body_len + 1);
		if (r->body == NULL)
			full("bytes");
		memcpy(r->body, req->body, req->body_len);
		r->body[req->body_len] = '\0';
	}
	r->body_len = req->body_len;
	r->content_type = dup_or_null(req->content_type);
	r->form_kind = req->form_kind;
	r->form = copy_headers(req->form, req->n_form);
	r->n_form = req->n_form;
	r->basic_user = dup_or_null(req->basic_user);
	r->basic_password = dup_or_null(req->basic_password);
	r->aws_sigv4 = dup_or_null(req->aws_sigv4);
	r->mutating = req->mutating;
	r->intent = dup_or_null(req->intent);
	r->text = request_text(r);
}

static es_http_response *respond(long status, const char *body,
                                 const char *headers)
{
	es_http_response *resp = calloc(1, sizeof(*resp));

	if (resp == NULL)
		full("bytes");
	m.n_unfreed++;
	resp->status = status;
	resp->body = dup_or_null(body != NULL ? body : "");
	resp->headers =
	    dup_or_null(headers != NULL && *headers != '\0' ? headers : NULL);
	for (char *p = resp->headers; p != NULL; p = strchr(p + 1, '\n')) {
		if (*p == '\n')
			*p = '\0';
		resp->n_headers++;
	}
	return resp;
}

static es_http_response *h_request(es_call *call,
                                   const struct es_http_request *req)
{
	const char *text;

	(void)call;
	record_request(req);
	text = m.sent[m.n_sent - 1].text;
	for (size_t i = 0; i < m.n_replies; i++) {
		struct reply *r = &m.replies[i];

		if (r->dropped || (r->use == MOCK_REPLY_ONCE && r->used) ||
		    strstr(text, r->match) == NULL)
			continue;
		r->used = 1;
		return respond(r->status, r->body, r->headers);
	}
	if (m.fallback_status != 0)
		return respond(m.fallback_status, m.fallback_body, NULL);
	return NULL;
}

static long h_status(const es_http_response *resp)
{
	return resp->status;
}

static const char *h_body(const es_http_response *resp, size_t *len)
{
	*len = strlen(resp->body);
	return resp->body;
}

/* The value after "name:" on a line of the reply's headers, whose line
 * breaks respond() turned into NULs. */
static const char *h_header(const es_http_response *resp, const char *name)
{
	size_t n = strlen(name);
	const char *line = resp->headers;

	for (size_t i = 0; i < resp->n_headers; i++) {
		if (strncasecmp(line, name, n) == 0 && line[n] == ':')
			return line + n + 1 + strspn(line + n + 1, " ");
		line += strlen(line) + 1;
	}
	return NULL;
}

static void h_response_free(es_http_response *resp)
{
	if (resp == NULL)
		return;
	m.n_unfreed--;
	free(resp->body);
	free(resp->headers);
	free(resp);
}

static char *h_escape(const char *in)
{
	return dup_or_null(in);
}

size_t mock_http_unfreed(void)
{
	return m.n_unfreed;
}

size_t mock_http_count(void)
{
	return m.n_sent;
}

const struct mock_request *mock_http_sent(size_t i)
{
	return i < m.n_sent ? &m.sent[i] : NULL;
}

static int starts_with(const char *text, const char *prefix)
{
	return text != NULL && strncmp(text, prefix, strlen(prefix)) == 0;
}

size_t mock_http_count_prefix(const char *prefix)
{
	size_t n = 0;

	for (size_t i = 0; i < m.n_sent; i++)
		n += starts_with(m.sent[i].text, prefix);
	return n;
}

const struct mock_request *mock_http_find(const char *prefix, size_t nth)
{
	for (size_t i = 0; i < m.n_sent; i++)
		if (starts_with(m.sent[i].text, prefix) && nth-- == 0)
			return &m.sent[i];
	return NULL;
}

size_t mock_http_writes(void)
{
	size_t n = 0;

	for (size_t i = 0; i < m.n_sent; i++)
		n += m.sent[i].mutating != 0;
	return n;
}

const char *mock_request_header(const struct mock_request *req,
                                const char *name)
{
	for (size_t i = 0; req != NULL && i < req->n_headers; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

/* ----------------------------------------------- state, output, secret */

static const char *s_get(es_call *call, const char *key)
{
	(void)call;
	return mock_state(key);
}

static int s_put(es_call *call, const char *key, const char *value)
{
	(void)call;
	record(m.state, &m.n_state, key, value, 0);
	return 0;
}

static int s_del(es_call *call, const char *key)
{
	(void)call;
	record(m.state, &m.n_state, key, NULL, 0);
	return 0;
}

static int s_interrupted(es_call *call)
{
	(void)call;
	return 0;
}

const char *mock_state(const char *key)
{
	const struct entry *e = latest(m.state, m.n_state, key);

	return e != NULL ? e->value : NULL;
}

void mock_state_set(const char *key, const char *value)
{
	record(m.state, &m.n_state, key, value, 0);
}

static int o_set(es_call *call, const char *name, const char *value, int secret)
{
	(void)call;
	record(m.outputs, &m.n_outputs, name, value, secret);
	return 0;
}

const char *mock_output(const char *name, int *secret)
{
	const struct entry *e = latest(m.outputs, m.n_outputs, name);

	if (secret != NULL)
		*secret = e != NULL && e->secret;
	return e != NULL ? e->value : NULL;
}

static int k_get(es_call *call, const char *name, char *buf, size_t buflen,
                 size_t *len)
{
	(void)call;
	(void)name;
	(void)buf;
	(void)buflen;
	(void)len;
	return -1;
}

static int k_remember(es_call *call, const char *name, const char *value)
{
	(void)call;
	record(m.secrets, &m.n_secrets, name, value, 1);
	return 0;
}

static int k_generate(es_call *call, const char *name, size_t length)
{
	char *value = dup_printf("generated-password-%zu", ++m.n_generated);

	(void)call;
	m.generate_length = length;
	record(m.secrets, &m.n_secrets, name, value, 1);
	free(value);
	return 0;
}

const char *mock_secret(const char *name)
{
	const struct entry *e = latest(m.secrets, m.n_secrets, name);

	return e != NULL ? e->value : NULL;
}

size_t mock_secret_count(void)
{
	return m.n_secrets;
}

size_t mock_generate_length(void)
{
	return m.generate_length;
}

/* --------------------------------------------------------- plan, diag */

static void p_change(es_call *call, enum es_change change, const char *kind,
                     const char *name, const char *detail)
{
	struct mock_change *c;

	(void)call;
	if (m.n_plans >= MOCK_MAX)
		full("plan changes");
	c = &m.plans[m.n_plans++];
	c->change = change;
	c->kind = dup_or_null(kind);
	c->name = dup_or_null(name);
	c->detail = dup_or_null(detail);
	c->text = dup_printf("%d %s %s %s", (int)change, kind, name,
	                     detail != NULL ? detail : "");
}

size_t mock_plan_count(void)
{
	return m.n_plans;
}

const struct mock_change *mock_plan(size_t i)
{
	return i < m.n_plans ? &m.plans[i] : NULL;
}

static void d_error(es_call *call, const char *key, const char *fmt, ...)
    ES_PRINTF(3, 4);

static void d_error(es_call *call, const char *key, const char *fmt, ...)
{
	va_list ap;

	(void)call;
	va_start(ap, fmt);
	vsnprintf(m.diag_text, sizeof(m.diag_text), fmt, ap);
	va_end(ap);
	snprintf(m.diag_key, sizeof(m.diag_key), "%s", key != NULL ? key : "");
	m.n_diag++;
}

static void d_retry_after(es_call *call, uint32_t ms)
{
	(void)call;
	m.retry_after = ms;
}

static void d_ask(es_call *call, const char *fmt, ...) ES_PRINTF(2, 3);

static void d_ask(es_call *call, const char *fmt, ...)
{
	va_list ap;

	(void)call;
	va_start(ap, fmt);
	vsnprintf(m.ask, sizeof(m.ask), fmt, ap);
	va_end(ap);
}

size_t mock_diag_count(void)
{
	return m.n_diag;
}

const char *mock_diag_key(void)
{
	return m.diag_key;
}

const char *mock_diag_text(void)
{
	return m.diag_text;
}

uint32_t mock_retry_after(void)
{
	return m.retry_after;
}

const char *mock_ask(void)
{
	return m.ask;
}

/* ------------------------------------------------- log, progress, gate */

static void l_log(es_call *call, enum es_log_level level, const char *fmt, ...)
{
	(void)call;
	(void)level;
	(void)fmt;
}

static void g_step(es_call *call, const char *fmt, ...)
{
	(void)call;
	(void)fmt;
}

static int g_no(es_call *call)
{
	(void)call;
	return 0;
}

static void g_sleep(es_call *call, uint32_t ms)
{
	(void)call;
	(void)ms;
}

static void mem_wipe(void *buf, size_t len)
{
	memset(buf, 0, len);
}

/* ---------------------------------------------------------- the table */

static const struct es_log_api log_api = {
    .struct_size = sizeof(log_api),
    .log = l_log,
};
static const struct es_diag_api diag_api = {
    .struct_size = sizeof(diag_api),
    .error = d_error,
    .retry_after = d_retry_after,
    .ask = d_ask,
};
static const struct es_config_api config_api = {
    .struct_size = sizeof(config_api),
    .is_set = c_is_set,
    .get_string = c_get_string,
    .get_int = c_get_number,
    .get_bool = c_get_bool,
    .get_duration_ms = c_get_number,
    .list_size = c_list_size,
    .list_item = c_list_item,
    .get_json = c_get_json,
    .customer = c_customer,
    .environment = c_environment,
    .env_value = c_env_value,
    .is_explicit = c_is_explicit,
};
static const struct es_http_api http_api = {
    .struct_size = sizeof(http_api),
    .request = h_request,
    .status = h_status,
    .body = h_body,
    .header = h_header,
    .response_free = h_response_free,
    .escape = h_escape,
};
static const struct es_state_api state_api = {
    .struct_size = sizeof(state_api),
    .get = s_get,
    .put = s_put,
    .del = s_del,
    .interrupted = s_interrupted,
};
static const struct es_output_api output_api = {
    .struct_size = sizeof(output_api),
    .set = o_set,
};
static const struct es_secret_api secret_api = {
    .struct_size = sizeof(secret_api),
    .get = k_get,
    .remember = k_remember,
    .generate = k_generate,
};
static const struct es_plan_api plan_api = {
    .struct_size = sizeof(plan_api),
    .change = p_change,
};
static const struct es_progress_api progress_api = {
    .struct_size = sizeof(progress_api),
    .step = g_step,
    .cancelled = g_no,
    .sleep_ms = g_sleep,
};
static const struct es_gate_api gate_api = {
    .struct_size = sizeof(gate_api),
    .confirmed = g_no,
};
static const struct es_host host = {
    .struct_size = sizeof(host),
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
    .wipe = mem_wipe,
    .mail = &mock_mail_api,
    .templates = &mock_templates_api,
};

const struct es_host *mock_host(void)
{
	return &host;
}

static struct es_ctx the_ctx;

const struct es_ctx *mock_ctx(enum es_phase phase, void *instance)
{
	the_ctx = (struct es_ctx){.struct_size = sizeof(the_ctx),
	                          .host = &host,
	                          .call = &the_call,
	                          .phase = phase,
	                          .instance = instance};
	return &the_ctx;
}

enum es_status mock_run_task(const struct es_plugin_descriptor *descriptor,
                             const char *id, enum es_phase phase,
                             void *instance)
{
	for (const struct es_task *t = descriptor->tasks; t && t->id; t++) {
		if (strcmp(t->id, id) != 0)
			continue;
		if (!t->run)
			return ES_UNSUPPORTED;
		mock_ctx(phase, instance);
		the_ctx.task = t;
		return t->run(&the_ctx);
	}
	return ES_UNSUPPORTED;
}
