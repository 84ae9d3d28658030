/*
 * envsetup mock host: the host table (host.h) as a plugin's unit test
 * sees it, so a plugin's tasks run without the core, the network or a
 * state directory. Part of the SDK: the library libenvsetup_mock_host.a
 * (with libcjson) implements it; envsetup_add_plugin_test() in
 * EnvsetupPlugin.cmake links it, in tree and out of tree, and lets a test
 * write `#include "mock_host.h"` as well as "envsetup/mock_host.h".
 *
 * One mock host per test process: its state is global and a test resets it
 * with mock_host_reset() (in setup, and in teardown to free what it holds).
 * Config values and HTTP replies are scripted; every request, state put,
 * output, secret, plan change and diagnostic is recorded for assertions.
 * The JSON sub-table is the core's own; logging, progress steps and sleeps
 * do nothing, nothing is interrupted, cancelled or confirmed.
 *
 *   mock_host_reset();
 *   mock_config_string("domain", "mail.acme.example");
 *   mock_http_reply("GET https://api.example/v4/domains/", 404, "{}", NULL,
 *                   MOCK_REPLY_ALWAYS);
 *   ck_assert_int_eq(mock_run_task(&desc, "create_domain", ES_PHASE_PLAN,
 *                                  NULL), ES_OK);
 *   ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_CREATE);
 *
 * Strings handed to the mock are borrowed (transfer none) and must stay
 * valid until the next mock_host_reset(); string literals are the rule.
 * Strings the mock returns are valid until the next mock_host_reset().
 * Nothing here is thread-safe. Since ABI 2.0; mail since 2.2.
 */
#ifndef ENVSETUP_MOCK_HOST_H
#define ENVSETUP_MOCK_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "envsetup/host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The host table to hand to a plugin's create(). */
const struct es_host *mock_host(void);
/* A call handle to pass to plugin callbacks and host functions. */
es_call *mock_call(void);
/* The context a task function or an optional callback receives: the mock
 * host and call, `phase`, and `instance` (what the plugin's create()
 * made, nullable). Valid until the next mock_ctx() or mock_host_reset(). */
const struct es_ctx *mock_ctx(enum es_phase phase, void *instance);
/* Run task `id` of `descriptor` in `phase`, as the core would once (no
 * retries): ES_UNSUPPORTED when it has no such task or no function. */
enum es_status mock_run_task(const struct es_plugin_descriptor *descriptor,
                             const char *id, enum es_phase phase,
                             void *instance);
/* Forget everything scripted and recorded, and free what the mock holds. */
void mock_host_reset(void);

/* ---------------------------------------------------------------------
 * config: typed values of the plugin's keys. A key holds one value: the
 * getter of another type sees 0 or NULL. Setting a key makes it set and
 * explicit; unset keys read as NULL, 0 and empty lists.
 * ------------------------------------------------------------------- */
void mock_config_string(const char *key, const char *value);
void mock_config_int(const char *key, int64_t value);
void mock_config_bool(const char *key, int value);
void mock_config_duration(const char *key, int64_t ms);
/* The items, up to 8, end with NULL; with none the key is set and empty. */
void mock_config_list(const char *key, ...);
/* An ES_TYPE_RECORDS key (or any get_json read): `json` as get_json
 * gives it, parsed here, e.g. "[{\"type\":\"TXT\",...}]". Since 2.1. */
void mock_config_json(const char *key, const char *json);
/* What is_explicit() answers for a set key (1 unless told otherwise). */
void mock_config_explicit(const char *key, int is_explicit);
/* customer() and environment(); "acme" and "uat" after a reset. */
void mock_config_customer(const char *customer, const char *environment);

/* ---------------------------------------------------------------------
 * http: a request is matched against the scripted replies in the order
 * they were added; the first whose `match` is a substring of the
 * request's text (see struct mock_request) answers it. A request no reply
 * matches gets NULL, as if it never got an answer, unless a fallback is
 * set. http.escape() returns a copy of its input, unescaped.
 * ------------------------------------------------------------------- */
enum mock_reply_use {
	MOCK_REPLY_ALWAYS = 0, /* answers every matching request */
	MOCK_REPLY_ONCE = 1,   /* answers the first matching request only */
};

/* headers (nullable): "Name: value" lines joined by "\n". Returns the
 * reply's index, for mock_http_drop(). */
size_t mock_http_reply(const char *match, long status, const char *body,
                       const char *headers, enum mock_reply_use use);
/* Stop reply `index` from matching any later request. */
void mock_http_drop(size_t index);
/* The answer to requests no reply matches (body nullable: empty). */
void mock_http_fallback(long status, const char *body);

/* A recorded request: copies of what the plugin passed. */
struct mock_request {
	char *method;
	char *url;
	struct es_http_header *headers;
	size_t n_headers;
	char *body; /* NUL-terminated, nullable */
	size_t body_len;
	char *content_type;
	enum es_form_kind form_kind;
	struct es_http_header *form;
	size_t n_form;
	char *basic_user;     /* nullable */
	char *basic_password; /* nullable */
	char *aws_sigv4;      /* nullable */
	int mutating;
	char *intent; /* nullable */
	/* What replies match: "METHOD URL\n", then a "Name: value\n" line
	 * per header, "\n", the body, and a "name=value\n" line per form
	 * field. */
	char *text;
};

/* How many requests the plugin sent. */
size_t mock_http_count(void);
/* How many replies the plugin got and has not freed (response_free()):
 * 0 once a task has returned, or it leaked one. Since 2.2. */
size_t mock_http_unfreed(void);
/* Request `i`, in the order sent (NULL when i is out of range). */
const struct mock_request *mock_http_sent(size_t i);
/* How many requests the plugin sent whose text (see struct mock_request)
 * starts with `prefix`: "POST https://api.example/v1/domains\n" for one
 * URL exactly, "DELETE " for every DELETE. */
size_t mock_http_count_prefix(const char *prefix);
/* The `nth` (from 0) request whose text starts with `prefix`, in the order
 * sent; NULL when there are not that many. */
const struct mock_request *mock_http_find(const char *prefix, size_t nth);
/* How many of the requests were writes (`mutating`: sent with an
 * intent). A plan, verify or plan --destroy must send none. */
size_t mock_http_writes(void);
/* Value of the first header `name` (case-insensitive) of `req`
 * (nullable). */
const char *mock_request_header(const struct mock_request *req,
                                const char *name);

/* ---------------------------------------------------------------------
 * state, outputs, secrets: the latest value of a key wins.
 * ------------------------------------------------------------------- */
/* The state value of `key` (nullable). */
const char *mock_state(const char *key);
/* Put (value NULL: delete) a state key, as the plugin would. */
void mock_state_set(const char *key, const char *value);
/* The output `name` (nullable); *secret (nullable) gets its secret flag. */
const char *mock_output(const char *name, int *secret);
/* A secret made by remember() or generate() (nullable). generate() makes
 * "generated-password-N", N counting its calls from 1. secret.get()
 * always fails: tests see secrets only as {{secret:NAME}}. */
const char *mock_secret(const char *name);
/* How many remember() and generate() calls the plugin made. */
size_t mock_secret_count(void);
/* The `length` of the last generate() call (0: none). */
size_t mock_generate_length(void);

/* ---------------------------------------------------------------------
 * plan, diag: what the plugin reported.
 * ------------------------------------------------------------------- */
/* A recorded plan.change() call. */
struct mock_change {
	enum es_change change;
	char *kind;
	char *name;
	char *detail; /* nullable */
	/* "CHANGE KIND NAME DETAIL", CHANGE as a number, DETAIL "" for NULL:
	 * "2 record app.acme.example. CNAME old -> new". */
	char *text;
};

/* How many changes plan() reported. */
size_t mock_plan_count(void);
/* Change `i`, in the order reported (NULL when i is out of range). */
const struct mock_change *mock_plan(size_t i);
/* How many diag.error() calls the plugin made. */
size_t mock_diag_count(void);
/* Key and text of the last diag.error() ("" when none or no key). */
const char *mock_diag_key(void);
const char *mock_diag_text(void);
/* The last diag.retry_after() delay (0: none). */
uint32_t mock_retry_after(void);
/* The last diag.ask() question ("" when none). */
const char *mock_ask(void);

/* ---------------------------------------------------------------------
 * mail (since 2.2): every check_login() and send() is recorded and
 * answered with the scripted result, ES_MAIL_OK unless told otherwise.
 * A failing result also records `diag` as a diag.error(), as the core
 * writes its own. Nothing connects.
 * ------------------------------------------------------------------- */
enum mock_mail_op {
	MOCK_MAIL_CHECK_LOGIN = 0,
	MOCK_MAIL_SEND = 1,
};

/* The answer to every later call of `op` (diag nullable: a fixed text). */
void mock_mail_result(enum mock_mail_op op, enum es_mail_result result,
                      const char *diag);

/* A recorded call: copies of what the plugin passed. */
struct mock_mail {
	enum mock_mail_op op;
	char *host;
	uint32_t port;
	enum es_mail_security security;
	char *username; /* nullable; as passed: "{{secret:NAME}}" */
	char *password; /* nullable; as passed */
	uint32_t timeout_ms;
	char *from, *to, *subject, *text, *intent; /* send only; nullable */
};

/* How many calls of `op` the plugin made. */
size_t mock_mail_count(enum mock_mail_op op);
/* Call `i` of every op, in the order made (NULL when out of range). */
const struct mock_mail *mock_mail_call(size_t i);

/* ---------------------------------------------------------------------
 * templates (since 2.2): what es_host.templates hands over for a template
 * directory key, scripted in name order. count() of a key with none is 0.
 * Variables are not scripted (an empty list): the core checked them.
 * ------------------------------------------------------------------- */
/* Template `name` of directory key `key`; text nullable (no body.txt).
 * Its digest is computed here and changes with subject, html and text. */
void mock_template(const char *key, const char *name, const char *subject,
                   const char *html, const char *text);
/* count() of `key` answers -1 with a diagnostic, get() NULL: a directory
 * that does not read. */
void mock_templates_broken(const char *key);

#ifdef __cplusplus
}
#endif

#endif
