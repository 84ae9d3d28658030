/*
 * envsetup host table: the services the core lends a plugin.
 *
 * Every callback receives it as ctx->host; it lives until exit. Each
 * sub-table starts with its own struct_size and grows only at the end, so
 * one can gain functions without touching the others. The loader refuses a
 * plugin built against a newer minor than the core's (version.h), so every
 * function a plugin was compiled against is there.
 *
 * Design rule: only opaque handles, plain C strings and numbers cross this
 * table, and nothing in it calls back into plugin code. That lets a plugin
 * run in a child process behind the same table (isolation = "process",
 * docs/plugin-abi.md), its source unchanged.
 *
 * Ownership is marked per function:
 *   (transfer none)  borrowed; valid as stated, never freed by the receiver
 *   (transfer full)  the receiver frees it with the function named
 *   (nullable)       may be NULL
 * Unless stated otherwise, a function may be called from any callback, does
 * not block, and exists since ABI 2.0.
 */
#ifndef ENVSETUP_HOST_H
#define ENVSETUP_HOST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "envsetup/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define ES_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define ES_PRINTF(fmt, args)
#endif

/* ---------------------------------------------------------------------
 * log: the core prefixes "plugin:task", redacts every known secret value
 * and writes to the run log and, by verbosity, to stderr.
 * ------------------------------------------------------------------- */
enum es_log_level {
	ES_LOG_ERROR = 0,
	ES_LOG_WARNING = 1,
	ES_LOG_INFO = 2,
	ES_LOG_DEBUG = 3,
};

struct es_log_api {
	uint32_t struct_size;
	void (*log)(es_call *call, enum es_log_level level, const char *fmt,
	            ...) ES_PRINTF(3, 4);
};

/* ---------------------------------------------------------------------
 * diag: why a callback returned what it returned. The core owns the text
 * (copied, redacted) and shows it against the task and, when `key` is
 * given, against the config file line of that key.
 * ------------------------------------------------------------------- */
struct es_diag_api {
	uint32_t struct_size;
	/* key (nullable): the config key at fault, e.g. "domain". */
	void (*error)(es_call *call, const char *key, const char *fmt, ...)
	    ES_PRINTF(3, 4);
	/* Delay before the core calls again after ES_RETRY or ES_IN_PROGRESS.
	 */
	void (*retry_after)(es_call *call, uint32_t ms);
	/* The question for ES_NEEDS_PERSON ("Publish TXT _dnsauth... = X at
	 * your DNS host, then run envsetup confirm
	 * godaddy-ssl:validate_domain"). */
	void (*ask)(es_call *call, const char *fmt, ...) ES_PRINTF(2, 3);
};

/* ---------------------------------------------------------------------
 * config: typed read-only values of the plugin's own keys, already
 * validated, with the run's environment overrides and defaults applied.
 * Strings are core-owned and valid until exit (transfer none). Reading a
 * secret key here returns NULL: use es_secret_api.
 * ------------------------------------------------------------------- */
struct es_config_api {
	uint32_t struct_size;
	int (*is_set)(es_call *call, const char *key); /* set or defaulted */
	const char *(*get_string)(es_call *call,
	                          const char *key); /* nullable */
	int64_t (*get_int)(es_call *call, const char *key);
	int (*get_bool)(es_call *call, const char *key);
	int64_t (*get_duration_ms)(es_call *call, const char *key);
	size_t (*list_size)(es_call *call, const char *key);
	const char *(*list_item)(es_call *call, const char *key, size_t i);
	/* The customer's id ("acme") and the environment of this run ("uat").
	 */
	const char *(*customer)(es_call *call);
	const char *(*environment)(es_call *call);
	/* A value from the customer's environments group, e.g. "domain" of
	 * `environments = { uat = { domain = "..."; }; }` (nullable). */
	const char *(*env_value)(es_call *call, const char *name);
	/* 1 when the customer file sets `key` (for this environment), 0 when
	 * it only has the schema's default or no value. */
	int (*is_explicit)(es_call *call, const char *key);

	/* Since 2.1. An ES_TYPE_RECORDS key as a JSON array of records
	 * {type, name, value[, priority, ttl]} (plugin.h), references to
	 * other plugins' outputs already resolved; borrowed, valid until the
	 * callback returns. NULL when unset or not a RECORDS key.
	 *
	 * For every key, a value that holds a reference ("${mailgun.x}") is
	 * resolved when a task whose `needs` lists the key is called, and is
	 * valid until that callback returns. Anywhere else (create, validate,
	 * a task that does not list the key) such a key reads as unset. */
	const struct es_json *(*get_json)(es_call *call, const char *key);
};

/* ---------------------------------------------------------------------
 * http: the core owns libcurl. It reuses connections per plugin, always
 * verifies TLS (the plugin's `ca_file` names the CA bundle to trust, for a
 * private CA, in place of the system's), applies connect
 * and total timeouts, the plugin's rate limit, and retries with
 * exponential backoff and jitter, honouring Retry-After:
 *  - on 429 for every request (the provider refused it unseen);
 *  - on 5xx, resets and timeouts only when `mutating` is 0. A mutating
 *    request that may have reached the provider is never resent: the
 *    response (or status 0) comes back and the plugin returns ES_RETRY, so
 *    its next apply() looks the resource up first.
 * Before a mutating request the core writes and fsyncs an intent record to
 * the journal, and the result after it.
 *
 * `{{secret:NAME}}` inside url, header values, body, form values and
 * basic_user/basic_password is replaced inside the core by the value of
 * secret key NAME (or a secret from es_secret_api.remember/generate),
 * URL-encoded in the url and query, JSON-escaped when content_type is JSON,
 * raw elsewhere. Every such value is masked in logs and traces.
 *
 * A request that carries credentials (a {{secret:NAME}} anywhere,
 * basic_user/basic_password, aws_sigv4) goes only to the origin (scheme,
 * host, port) of one of the plugin's ES_TYPE_URL keys as this environment
 * sets them; to any other, request() refuses it unsent and returns NULL
 * with a diagnostic, and an ES_RETRY after that fails the task at once.
 * Redirects are never followed: a 3xx is returned as it is.
 * ------------------------------------------------------------------- */
struct es_http_header {
	const char *name;
	const char *value;
};

enum es_form_kind {
	ES_FORM_NONE = 0,
	ES_FORM_URLENCODED = 1, /* application/x-www-form-urlencoded */
	ES_FORM_MULTIPART = 2,  /* multipart/form-data */
};

struct es_http_request {
	uint32_t struct_size; /* sizeof(struct es_http_request) */
	const char *method;   /* "GET", "POST", "PUT", "DELETE", "PATCH" */
	const char *url;      /* absolute */
	const struct es_http_header *headers; /* nullable */
	size_t n_headers;
	const char *body; /* nullable; raw body */
	size_t body_len;
	const char *content_type;    /* for `body` */
	enum es_form_kind form_kind; /* instead of body: form fields */
	const struct es_http_header
	    *form; /* name/value pairs; names may repeat */
	size_t n_form;
	const char *basic_user;     /* nullable: HTTP Basic */
	const char *basic_password; /* nullable */
	/* nullable: AWS SigV4 with basic_user/basic_password as the access
	 * key id and secret, "aws:amz:REGION:SERVICE" (CURLOPT_AWS_SIGV4). The
	 * core sorts the query string first. */
	const char *aws_sigv4;
	int mutating;        /* changes provider state: journaled, no resend */
	const char *intent;  /* nullable: "create domain mail.acme.com" */
	uint32_t timeout_ms; /* 0: the plugin's http_timeout */
	/* nullable, NULL-terminated: names of reply fields that hold secrets
	 * (JSON members or XML elements, "SessionToken"). Their values are
	 * masked in traces and the run log, like every value es_secret_api
	 * holds and the core's own list of well-known credential fields. */
	const char *const *secret_fields;
};

typedef struct es_http_response es_http_response;

struct es_http_api {
	uint32_t struct_size;
	/* Blocks until a final answer (after the core's retries). Returns the
	 * response (transfer full, free with response_free) or NULL when the
	 * request was refused or never got an answer; a diagnostic was
	 * recorded either way.
	 * A non-2xx status is a response, not NULL. */
	es_http_response *(*request)(es_call *call,
	                             const struct es_http_request *req);
	long (*status)(const es_http_response *resp);
	/* Body bytes, NUL-terminated (transfer none, valid until free). */
	const char *(*body)(const es_http_response *resp, size_t *len);
	/* Case-insensitive header lookup (transfer none, nullable). */
	const char *(*header)(const es_http_response *resp, const char *name);
	void (*response_free)(es_http_response *resp);
	/* Percent-encode `in` for a URL path segment or query value
	 * (transfer full, free with es_host.mem_free). */
	char *(*escape)(const char *in);
};

/* ---------------------------------------------------------------------
 * json: opaque handles over the core's JSON library, so plugins do not
 * link their own. A parsed or created root is (transfer full) and freed
 * with json_free; handles returned by get/item are borrowed from their root.
 * ------------------------------------------------------------------- */
typedef struct es_json es_json;

enum es_json_kind {
	ES_JSON_INVALID = 0,
	ES_JSON_NULL,
	ES_JSON_BOOL,
	ES_JSON_NUMBER,
	ES_JSON_STRING,
	ES_JSON_ARRAY,
	ES_JSON_OBJECT,
};

struct es_json_api {
	uint32_t struct_size;
	es_json *(*parse)(const char *text, size_t len); /* NULL if not JSON */
	es_json *(*new_object)(void);
	es_json *(*new_array)(void);
	void (*free)(es_json *root);
	enum es_json_kind (*kind)(const es_json *node); /* NULL: INVALID */
	/* Member by path: "domain.state", "items[0].name" (nullable). */
	es_json *(*get)(const es_json *node, const char *path);
	/* Typed reads by path; NULL node or wrong kind gives the fallback. */
	const char *(*get_string)(const es_json *node, const char *path);
	double (*get_number)(const es_json *node, const char *path,
	                     double fallback);
	int (*get_bool)(const es_json *node, const char *path, int fallback);
	size_t (*array_size)(const es_json *array);
	es_json *(*array_item)(const es_json *array, size_t i);
	/* Object member name of a node reached by array_item on an object. */
	const char *(*name)(const es_json *node);
	/* Builders: copy their arguments; `parent` keeps ownership. */
	void (*set_string)(es_json *object, const char *name, const char *v);
	void (*set_number)(es_json *object, const char *name, double v);
	void (*set_bool)(es_json *object, const char *name, int v);
	/* Adds `child` (transfer full) to an object (name) or array (NULL). */
	void (*add)(es_json *parent, const char *name, es_json *child);
	void (*append_string)(es_json *array, const char *v);
	/* Compact text (transfer full, free with es_host.mem_free). */
	char *(*print)(const es_json *node);
	/* 64-bit integers (ids, byte counts), exact over the whole int64
	 * range for integers written as digits: parse keeps an integer
	 * literal of 16 digits or more as its text, and set_int64 writes
	 * digits, which print gives back as they are. A number written with
	 * a fraction or an exponent ("1.5e3") is read through a double, so
	 * it is exact only up to 2^53. A number that is not an integer in
	 * range, or another kind, gives the fallback. get_number reads the
	 * same numbers as the nearest double. */
	int64_t (*get_int64)(const es_json *node, const char *path,
	                     int64_t fallback);
	void (*set_int64)(es_json *object, const char *name, int64_t v);
	/* Adds a JSON null member, replacing one of that name, like every
	 * builder (a PATCH that clears a field). */
	void (*set_null)(es_json *object, const char *name);
	/* The member called exactly `name` (case-sensitive), with no path
	 * syntax: for names holding '.', '[' or '@' ("@odata.nextLink").
	 * NULL when `object` is not an object or has no such member;
	 * borrowed from its root. */
	es_json *(*member)(const es_json *object, const char *name);
};

/* ---------------------------------------------------------------------
 * state: durable key/value strings per plugin instance (customer x
 * environment), for provider ids and the like. put() is journaled and
 * fsynced before it returns, so an id recorded right after a create
 * survives a crash. Never put a secret here.
 * ------------------------------------------------------------------- */
struct es_state_api {
	uint32_t struct_size;
	/* (transfer none, nullable) valid until the end of the callback,
	 * even after a later put/del of `key`. */
	const char *(*get)(es_call *call, const char *key);
	int (*put)(es_call *call, const char *key,
	           const char *value); /* 0 ok */
	int (*del)(es_call *call, const char *key);
	/* 1 when the journal holds a mutating request of this task that was
	 * sent but never answered (the last run died mid-call): look up. */
	int (*interrupted)(es_call *call);
};

/* ---------------------------------------------------------------------
 * output: named values a task publishes for the platform and for people
 * ("dns_records", "smtp_login"). Secret outputs go to a separate 0600
 * file, are masked in status and reports, and are redacted from logs.
 * ------------------------------------------------------------------- */
struct es_output_api {
	uint32_t struct_size;
	int (*set)(es_call *call, const char *name, const char *value,
	           int secret); /* 0 ok */
};

/* ---------------------------------------------------------------------
 * secret: values of keys declared ES_KEY_SECRET, plus secrets made during
 * the run. Prefer `{{secret:NAME}}` in HTTP requests: the value then never
 * enters plugin memory.
 * ------------------------------------------------------------------- */
struct es_secret_api {
	uint32_t struct_size;
	/* Copy the value of NAME into buf (NUL-terminated) and set *len to its
	 * length. With buf NULL, only *len is set. Returns 0, or -1 when NAME
	 * is not a secret of this plugin or buf is too small. Wipe buf after
	 * use with es_host.wipe(). */
	int (*get)(es_call *call, const char *name, char *buf, size_t buflen,
	           size_t *len);
	/* Make `value` usable as {{secret:NAME}} for this instance for the rest
	 * of the run (short-lived tokens, STS credentials) and redact it from
	 * every output. Kept in memory only. */
	int (*remember)(es_call *call, const char *name, const char *value);
	/* A password of `length` characters (letters, digits and "-_.!"),
	 * generated once and kept in the 0600 secrets file, so re-runs get the
	 * same one. Usable as {{secret:NAME}}; published as a secret output. */
	int (*generate)(es_call *call, const char *name, size_t length);
};

/* ---------------------------------------------------------------------
 * plan: the changes plan() finds. No call means the task is in place.
 * ------------------------------------------------------------------- */
enum es_change {
	ES_CHANGE_CREATE = 1,
	ES_CHANGE_UPDATE = 2,
	ES_CHANGE_DELETE = 3,
	ES_CHANGE_UNKNOWN = 4, /* cannot be known before apply */
};

struct es_plan_api {
	uint32_t struct_size;
	/* kind: "domain"; name: "mail.acme.com"; detail (nullable): "web_scheme
	 * http -> https". Strings are copied and redacted. */
	void (*change)(es_call *call, enum es_change change, const char *kind,
	               const char *name, const char *detail);
};

/* ---------------------------------------------------------------------
 * progress: for long-running tasks; shown as elapsed time and steps.
 * ------------------------------------------------------------------- */
struct es_progress_api {
	uint32_t struct_size;
	void (*step)(es_call *call, const char *fmt, ...) ES_PRINTF(2, 3);
	/* 1 when the operator interrupted the run: return ES_RETRY promptly. */
	int (*cancelled)(es_call *call);
	/* Sleep up to ms, waking early on cancellation. May block. */
	void (*sleep_ms)(es_call *call, uint32_t ms);
};

/* ---------------------------------------------------------------------
 * gate: a person's sign-off, recorded by `envsetup confirm plugin:task`.
 * ------------------------------------------------------------------- */
struct es_gate_api {
	uint32_t struct_size;
	/* 1 when the current task has been confirmed since it asked. */
	int (*confirmed)(es_call *call);
};

/* ---------------------------------------------------------------------
 * mail (since 2.2): classic SMTP, through the core's libcurl like http.
 * One connection per call, no connection kept and no retries: a call
 * connects to host:port, reaches TLS (STARTTLS, required: a server that
 * does not offer it fails; or implicit TLS from the first byte, "smtps"),
 * says EHLO, authenticates with AUTH when a username or password is given,
 * does its work and says QUIT. TLS is always verified, against the
 * plugin's `ca_file` when it sets one (in place of the system's CAs).
 *
 * `{{secret:NAME}}` in username and password is replaced inside the core,
 * as in http, so the password never enters plugin memory; its value is
 * masked in every log line and trace (the AUTH exchange is never traced).
 *
 * Credentials go only where the customer's file points: a call carrying a
 * username or password connects only when `host` is the value, for this
 * environment, of one of the plugin's non-secret ES_TYPE_STRING keys
 * called `host` or `*_host` (compared without case), and `port` the value
 * of one of its ES_TYPE_INT keys called `port` or `*_port`. Otherwise the
 * call is refused unconnected (ES_MAIL_NOT_SENT, a diagnostic naming the
 * host and those keys), and an ES_RETRY after it fails the task at once,
 * as in http.
 *
 * Every outcome also leaves a diagnostic naming the server and, when the
 * server answered, its reply ("535 5.7.8 Authentication credentials
 * invalid"). Both functions block, for at most the timeout, or until the
 * operator interrupts the run (ES_MAIL_FAILED, "cancelled").
 * ------------------------------------------------------------------- */
enum es_mail_security {
	ES_MAIL_STARTTLS = 1, /* plain connect, STARTTLS required (587) */
	ES_MAIL_TLS = 2,      /* implicit TLS, "smtps" (465) */
};

enum es_mail_result {
	ES_MAIL_OK = 0,
	/* No connection: refused, unreachable, or a name that does not
	 * resolve. Nothing was sent. */
	ES_MAIL_REFUSED = 1,
	/* No STARTTLS offered, a failed handshake, or a certificate that
	 * does not verify (a wrong or missing ca_file). Nothing was sent. */
	ES_MAIL_TLS_FAILED = 2,
	/* AUTH refused (535), or the server offered no AUTH, so the login
	 * could not be checked. Nothing was sent. */
	ES_MAIL_AUTH_FAILED = 3,
	/* The server refused the sender or the recipient: "550 5.7.1
	 * Relaying denied", 554, 553. The message was not sent. */
	ES_MAIL_REJECTED = 4,
	/* Connecting or a reply took longer than the timeout. For send():
	 * the message may have been sent. */
	ES_MAIL_TIMEOUT = 5,
	/* Refused by the core before connecting: bad input, an unknown
	 * secret, the rule on credentials above, a journal that could not
	 * record the intent. Nothing was sent. */
	ES_MAIL_NOT_SENT = 6,
	/* Anything else (a 4xx/5xx after DATA, a connection lost). For
	 * send(): the message may have been sent. */
	ES_MAIL_FAILED = 7,
};

/* Where to connect and as whom. */
struct es_mail_server {
	uint32_t struct_size; /* sizeof(struct es_mail_server) */
	/* A host name or IPv4 address: "smtp.acme.example", "127.0.0.1". */
	const char *host;
	uint32_t port; /* 1..65535 */
	enum es_mail_security security;
	const char *username; /* nullable; may hold {{secret:NAME}} */
	const char *password; /* nullable; "{{secret:password}}" */
	uint32_t timeout_ms;  /* 0: the plugin's http_timeout, else 30 s */
};

/* One plain-text message. Addresses are bare ("ops@acme.example"); no
 * field but `text` may hold a line break, and subject is ASCII. The core
 * adds Date, Message-ID and the MIME headers (UTF-8 text). */
struct es_mail_message {
	uint32_t struct_size; /* sizeof(struct es_mail_message) */
	const char *from;     /* envelope and header sender */
	const char *to;       /* the one recipient */
	const char *subject;
	const char *text;   /* body; "\n" line ends become CRLF */
	const char *intent; /* nullable: journaled, "send the test message" */
};

struct es_mail_api {
	uint32_t struct_size;
	/* Connect, reach TLS, EHLO, AUTH, NOOP, QUIT: proves the server,
	 * its certificate and the login without sending anything. ES_MAIL_OK
	 * only when the server accepted AUTH (235): a server that offers no
	 * AUTH fails with ES_MAIL_AUTH_FAILED. Read-only: fine in plan and
	 * verify. */
	enum es_mail_result (*check_login)(es_call *call,
	                                   const struct es_mail_server *server);
	/* Send `msg` once, journaled like a mutating HTTP request (the
	 * intent is made durable before connecting, so state.interrupted()
	 * tells a run killed mid-send). Never resent by the core; see
	 * ES_MAIL_TIMEOUT and ES_MAIL_FAILED for "may have been sent". */
	enum es_mail_result (*send)(es_call *call,
	                            const struct es_mail_server *server,
	                            const struct es_mail_message *msg);
};

/* ---------------------------------------------------------------------
 * templates: since 2.2. The e-mail templates of a PATH key declared with
 * ES_FORMAT_TEMPLATES_DIR (plugin.h), in the one format every e-mail
 * plugin reads (docs/templates.md): <dir>/<name>/template.cfg (subject,
 * description, variables), body.html and an optional body.txt, variables
 * written {{name}} (handlebars). The core reads and checks the directory
 * (`check` already refused a broken one); the plugin opens no file.
 * Strings are core-owned (transfer none) and valid until the callback
 * returns.
 * ------------------------------------------------------------------- */
struct es_template {
	uint32_t struct_size; /* sizeof(struct es_template) of the core */
	const char *name;    /* the folder's name: "reset-password-instructions"
	                        (a-z, 0-9, '-', '_'; at most 64 bytes) */
	const char *subject; /* one line, may hold {{variables}} */
	const char *description; /* nullable */
	const char *html;        /* body.html */
	const char *text;        /* body.txt; nullable when there is none */
	/* The declared variables, NULL-terminated (n_variables of them). */
	const char *const *variables;
	size_t n_variables;
	/* 64 hex digits of SHA-256 over subject, html and text: equal
	 * digests, equal content. A version tag for providers that keep
	 * versions (Mailgun). */
	const char *digest;
};

struct es_templates_api {
	uint32_t struct_size;
	/* Reads the directory `key` names for this environment. Returns how
	 * many templates it holds, 0 when the key is unset, or -1 with a
	 * diagnostic against `key` (and the file at fault) when the key is
	 * not a templates directory or the directory is broken. May block
	 * (file I/O); read once per callback, later calls reuse it. */
	long (*count)(es_call *call, const char *key);
	/* Template i of `key`, in name order (NULL after a failed count() or
	 * out of range). */
	const struct es_template *(*get)(es_call *call, const char *key,
	                                 size_t i);
};

/* ---------------------------------------------------------------------
 * The table itself.
 * ------------------------------------------------------------------- */
struct es_host {
	uint32_t struct_size;
	uint16_t abi_major; /* the core's ES_ABI_MAJOR */
	uint16_t abi_minor; /* the core's ES_ABI_MINOR */
	const struct es_log_api *log;
	const struct es_diag_api *diag;
	const struct es_config_api *config;
	const struct es_http_api *http;
	const struct es_json_api *json;
	const struct es_state_api *state;
	const struct es_output_api *output;
	const struct es_secret_api *secret;
	const struct es_plan_api *plan;
	const struct es_progress_api *progress;
	const struct es_gate_api *gate;
	/* Free what a (transfer full) function returned as char * or memory. */
	void (*mem_free)(void *p);
	/* Overwrite a buffer that held a secret (not optimised away). */
	void (*wipe)(void *buf, size_t len);

	/* Since 2.2. */
	const struct es_mail_api *mail; /* SMTP */
	const struct es_templates_api *templates;
};

#ifdef __cplusplus
}
#endif

#endif
