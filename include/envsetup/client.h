/*
 * envsetup provider client: how every plugin talks to its provider.
 *
 * One `struct es_client` per provider API (its base URL, its credentials,
 * how it words errors), set up at the start of a task function; one call
 * sends a request and classifies the answer, so that every plugin reads
 * the same:
 *
 *   found     a 2xx whose body parsed (ES_OK, r->json holds it)
 *   absent    a GET or DELETE answered 404 (ES_OK, r->outcome)
 *   conflict  a 409, or the provider's own "already exists" (ES_OK)
 *   failed    anything else: the status the task returns, with a
 *             diagnostic naming the provider and the request
 *
 * The rules written here once, for every plugin:
 *  - A reply that does not parse is a failure of that request (ES_RETRY:
 *    the task looks again later), never "absent": a look-up that cannot be
 *    read must not lead to a second create.
 *  - 401 and 403 are ES_INVALID_CONFIG naming the credential's key.
 *  - 429 and 5xx are ES_RETRY: the HTTP service already retried what was
 *    safe to resend (reads, and every request refused with 429), and a
 *    write whose answer was lost is looked up, not resent.
 *  - Not in place: es_reported() records a plan change or fails verify.
 *  - The provider holds a resource whose id the state lacks (a run killed
 *    between the answer and the put, a lost state directory): plan shows a
 *    change and apply records it (es_record()), never "in place".
 *
 * Header-only: it calls nothing but the host table, so a plugin built
 * out of tree needs only these headers. Since ABI 2.0.
 */
#ifndef ENVSETUP_CLIENT_H
#define ENVSETUP_CLIENT_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "envsetup/host.h"
#include "envsetup/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------
 * The phase rule
 * ------------------------------------------------------------------- */

/*
 * `kind` `name` is not in place (detail, nullable, says how). In plan (and
 * plan --destroy) it is recorded as `change`, in verify reported as what
 * is missing: both return 1 with *st set (ES_OK, ES_FAILED) for the task
 * to return. In apply (and destroy) it returns 0: the caller goes on to
 * make (remove) it.
 *
 *   if (es_reported(ctx, &st, ES_CHANGE_CREATE, "domain", d, NULL))
 *           return st;
 *   ... create it ...
 */
static inline int es_reported(const struct es_ctx *ctx, enum es_status *st,
                              enum es_change change, const char *kind,
                              const char *name, const char *detail)
{
	const struct es_host *h = ctx->host;

	if (ctx->phase == ES_PHASE_APPLY || ctx->phase == ES_PHASE_DESTROY)
		return 0;
	if (ctx->phase == ES_PHASE_PLAN ||
	    ctx->phase == ES_PHASE_PLAN_DESTROY) {
		h->plan->change(ctx->call, change, kind, name, detail);
		*st = ES_OK;
		return 1;
	}
	h->diag->error(ctx->call, NULL, "%s %s is not in place%s%s%s", kind,
	               name, detail ? " (" : "", detail ? detail : "",
	               detail ? ")" : "");
	*st = ES_FAILED;
	return 1;
}

/*
 * The provider holds `kind` `name` with id `value`; make sure state key
 * `key` records it. When it does, or value is NULL, returns 0. Otherwise
 * plan records "record the id" as a change (so apply runs and records
 * it) and verify fails: both return 1 with *st set. Apply puts it and
 * returns 0 (go on), or 1 with *st ES_FAILED when the put failed (the
 * core said why).
 */
static inline int es_record(const struct es_ctx *ctx, enum es_status *st,
                            const char *key, const char *value,
                            const char *kind, const char *name)
{
	const struct es_host *h = ctx->host;
	const char *have = h->state->get(ctx->call, key);

	if (!value || (have && strcmp(have, value) == 0))
		return 0;
	if (es_reported(ctx, st, ES_CHANGE_UPDATE, kind, name,
	                "found at the provider: record its id"))
		return 1;
	*st = h->state->put(ctx->call, key, value) ? ES_FAILED : ES_OK;
	return *st != ES_OK;
}

/* ---------------------------------------------------------------------
 * What envsetup made: teardown removes that, and nothing the customer had
 * ------------------------------------------------------------------- */

#define ES_CLAIM_PREFIX "made:" /* the state keys of claims */

/*
 * Before a create, record durably (before the request is sent) that
 * envsetup asks for resource `name` (the state key that will hold its id,
 * say "domain_id"); `what` is what was asked for (its name, or "1"). A run
 * killed between the create and the put of the id then still knows that
 * the resource it finds is its own. 0, or -1 when the state refused (the
 * core said why): do not create then.
 */
static inline int es_claim(const struct es_ctx *ctx, const char *name,
                           const char *what)
{
	char key[256];

	if ((size_t)snprintf(key, sizeof(key), ES_CLAIM_PREFIX "%s", name) >=
	    sizeof(key))
		return -1;
	return ctx->host->state->put(ctx->call, key, what ? what : "1");
}

/* What es_claim() recorded for `name` (nullable, valid until the callback
 * ends). NULL: a resource found under `name` was there before envsetup
 * (adopted), and teardown keeps it. */
static inline const char *es_claimed(const struct es_ctx *ctx, const char *name)
{
	char key[256];

	if ((size_t)snprintf(key, sizeof(key), ES_CLAIM_PREFIX "%s", name) >=
	    sizeof(key))
		return NULL;
	return ctx->host->state->get(ctx->call, key);
}

/* Forget the claim on `name` and, with `id_key` (nullable), the id state
 * key too: after the resource was deleted, or found to be the customer's. */
static inline int es_unclaim(const struct es_ctx *ctx, const char *name,
                             const char *id_key)
{
	char key[256];

	if ((size_t)snprintf(key, sizeof(key), ES_CLAIM_PREFIX "%s", name) >=
	    sizeof(key))
		return -1;
	return ctx->host->state->del(ctx->call, key) ||
	       (id_key && ctx->host->state->del(ctx->call, id_key));
}

/*
 * The first half of the teardown of the resource whose id state key `key`
 * holds: the id to delete, or NULL with *st set when there is nothing to
 * send. Nothing to send when no id is recorded (never made, or already
 * removed), when the claim on `key` is not `claim` (the id itself when
 * NULL): the resource was there before envsetup and is kept (logged), and
 * in plan --destroy, which records the delete of `kind` as a change. Once
 * the delete succeeded or found it gone: es_unclaim(ctx, key, key).
 *
 *   if (!(id = es_teardown_target(ctx, &st, "webhook", url, "webhook")))
 *           return st;
 *   ... DELETE it, then es_unclaim ...
 * Since 2.1.
 */
static inline const char *es_teardown_target(const struct es_ctx *ctx,
                                             enum es_status *st,
                                             const char *key, const char *claim,
                                             const char *kind)
{
	const struct es_host *h = ctx->host;
	const char *id = h->state->get(ctx->call, key);
	const char *mine = es_claimed(ctx, key);

	*st = ES_OK;
	if (!id)
		return NULL;
	if (!mine || strcmp(mine, claim ? claim : id) != 0) {
		h->log->log(ctx->call, ES_LOG_INFO,
		            "%s %s was there before envsetup: kept", kind, id);
		return NULL;
	}
	if (es_reported(ctx, st, ES_CHANGE_DELETE, kind, id, NULL))
		return NULL;
	return id;
}

/* ---------------------------------------------------------------------
 * Small JSON look-ups every plugin needs
 * ------------------------------------------------------------------- */

/* The item of JSON array `array` whose string member `member` equals
 * `value` exactly (nullable): the webhook with that URL in a listing.
 * Since 2.1. */
static inline const es_json *es_json_find(const struct es_ctx *ctx,
                                          const es_json *array,
                                          const char *member, const char *value)
{
	const struct es_json_api *j = ctx->host->json;

	for (size_t i = 0; value && i < j->array_size(array); i++) {
		const char *v = j->get_string(j->array_item(array, i), member);

		if (v && strcmp(v, value) == 0)
			return j->array_item(array, i);
	}
	return NULL;
}

/* 1 when JSON array `array` holds exactly the strings of config list
 * `key`, in any order (a webhook's events against webhook_events).
 * Since 2.1. */
static inline int es_config_list_equals(const struct es_ctx *ctx,
                                        const char *key, const es_json *array)
{
	const struct es_json_api *j = ctx->host->json;
	size_t n = ctx->host->config->list_size(ctx->call, key);

	if (j->array_size(array) != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const char *want =
		    ctx->host->config->list_item(ctx->call, key, i);
		int got = 0;

		for (size_t k = 0; k < n && !got; k++) {
			const char *v =
			    j->get_string(j->array_item(array, k), "");

			got = v && want && strcmp(v, want) == 0;
		}
		if (!got)
			return 0;
	}
	return 1;
}

/* Append {type, name, value} to `records`, the JSON array an
 * ES_OUTPUT_RECORDS output publishes (a DKIM TXT, a bounce CNAME).
 * Since 2.1. */
static inline void es_records_add(const struct es_ctx *ctx, es_json *records,
                                  const char *type, const char *name,
                                  const char *value)
{
	const struct es_json_api *j = ctx->host->json;
	es_json *o = j->new_object();

	if (!o)
		return;
	j->set_string(o, "type", type);
	j->set_string(o, "name", name);
	j->set_string(o, "value", value);
	j->add(records, NULL, o);
}

/* ---------------------------------------------------------------------
 * Polling long-running work
 * ------------------------------------------------------------------- */

#define ES_POLL_MIN_MS 1000u     /* never hammer the provider */
#define ES_POLL_MAX_MS 600000u   /* look at least every 10 minutes */
#define ES_POLL_DEFAULT_MS 5000u /* when the provider suggests nothing */

/* ES_IN_PROGRESS, to be called again after `ms` (0: the default), clamped
 * to [ES_POLL_MIN_MS, ES_POLL_MAX_MS] whatever the provider suggested. The
 * operator's --max-poll-interval lowers the ceiling further. */
static inline enum es_status es_poll_again(const struct es_ctx *ctx,
                                           uint64_t ms)
{
	if (ms == 0)
		ms = ES_POLL_DEFAULT_MS;
	if (ms < ES_POLL_MIN_MS)
		ms = ES_POLL_MIN_MS;
	if (ms > ES_POLL_MAX_MS)
		ms = ES_POLL_MAX_MS;
	ctx->host->diag->retry_after(ctx->call, (uint32_t)ms);
	return ES_IN_PROGRESS;
}

/*
 * The state `state` of what long-running task waits for on `kind` `name`
 * (a domain's DNS verification), `done` once it holds. Published as output
 * `output` (nullable; not in plan). Not done: plan records an update
 * ("STATE -> DONE"), verify fails saying so, and apply reports `waiting`
 * (nullable) as a progress step and polls again after `ms`.
 * Since 2.1.
 */
static inline enum es_status es_await_state(const struct es_ctx *ctx,
                                            const char *kind, const char *name,
                                            const char *output,
                                            const char *state, const char *done,
                                            uint64_t ms, const char *waiting)
{
	const struct es_host *h = ctx->host;
	char detail[160];
	enum es_status st = ES_OK;

	snprintf(detail, sizeof(detail), "%s -> %s", state, done);
	if (strcmp(state, done) != 0 &&
	    es_reported(ctx, &st, ES_CHANGE_UPDATE, kind, name, detail))
		return st;
	if (output && ctx->phase != ES_PHASE_PLAN &&
	    h->output->set(ctx->call, output, state, 0))
		return ES_FAILED;
	if (strcmp(state, done) == 0)
		return ES_OK;
	if (waiting)
		h->progress->step(ctx->call, "%s %s is %s: %s", kind, name,
		                  state, waiting);
	return es_poll_again(ctx, ms);
}

/* ---------------------------------------------------------------------
 * E-mail templates (es_host.templates)
 * ------------------------------------------------------------------- */

/*
 * Hand each template of ES_FORMAT_TEMPLATES_DIR key `key`, in name order,
 * to `each` (with `arg`) until it answers something else than ES_OK, which
 * is returned. ES_OK when the key is unset or the directory holds none;
 * ES_INVALID_CONFIG when the directory does not read (the core said which
 * file); ES_FAILED when a template cannot be had.
 * Since 2.2.
 */
static inline enum es_status es_templates_each(
    const struct es_ctx *ctx, const char *key,
    enum es_status (*each)(void *arg, const struct es_template *t), void *arg)
{
	const struct es_templates_api *api = ctx->host->templates;
	long n = api->count(ctx->call, key);
	enum es_status st = ES_OK;

	if (n < 0)
		return ES_INVALID_CONFIG;
	for (long i = 0; i < n && st == ES_OK; i++) {
		const struct es_template *t =
		    api->get(ctx->call, key, (size_t)i);

		st = t ? each(arg, t) : ES_FAILED;
	}
	return st;
}

/* ---------------------------------------------------------------------
 * The client
 * ------------------------------------------------------------------- */

#define ES_CLIENT_URL_MAX 2048

struct es_client;

enum es_outcome {
	ES_FOUND = 1,    /* 2xx, body parsed (or empty on a write) */
	ES_ABSENT = 2,   /* GET/DELETE answered 404 */
	ES_CONFLICT = 3, /* 409, or the provider's "already exists" */
	ES_FAILURE = 4,  /* see `status` */
};

/* One answer. Free with es_reply_free() whatever the outcome. */
struct es_reply {
	enum es_outcome outcome;
	enum es_status status; /* ES_OK unless ES_FAILURE */
	long http_status;      /* 0: no answer at all */
	es_json *json;         /* the parsed body (nullable; JSON clients) */
	const char *body;      /* the raw body, NUL-terminated (nullable) */
	size_t body_len;
	char message[256]; /* the provider's error text, one line */
	int write;         /* the request was a write (it had an intent) */
	/* private */
	const struct es_client *client;
	es_http_response *resp;
};

/* One request's own parts; the client adds its base URL, credentials and
 * headers. Zero is a GET with no body. */
struct es_send {
	const char *method; /* NULL: "GET" */
	const char *body;   /* nullable */
	const char *content_type;
	enum es_form_kind form_kind;
	const struct es_http_header *form;
	size_t n_form;
	/* Non-NULL marks a write: journaled before it is sent, never resent
	 * after a lost answer, and named in every message about it. */
	const char *intent;
	const struct es_http_header *headers; /* extra, nullable */
	size_t n_headers;
	uint32_t timeout_ms; /* 0: the plugin's http_timeout */
};

/* A request with a JSON `body` (printed by the caller, borrowed: keep it
 * until the call returns; NULL: no body and no content type) and `method`,
 * a write when `intent` is given (see es_send):
 *
 *   struct es_send s = es_json_write("POST", body, "create project ACME");
 *   st = es_client_call(&cl, &r, &s, "/rest/api/3/project");
 */
static inline struct es_send es_json_write(const char *method, const char *body,
                                           const char *intent)
{
	struct es_send s = {.method = method,
	                    .body = body,
	                    .content_type = body ? "application/json" : NULL,
	                    .intent = intent};

	return s;
}

struct es_client {
	const struct es_ctx *ctx;
	const char *provider; /* "Mailgun": starts every message */
	const char *auth_key; /* the key blamed on 401/403: "api_key" */
	/* nullable: said after a 403, the provider's usual reason. */
	const char *forbidden_hint;
	char base[ES_CLIENT_URL_MAX]; /* no trailing '/' */
	/* Sent with every request (all nullable). */
	const struct es_http_header *headers;
	size_t n_headers;
	const char *basic_user, *basic_password, *aws_sigv4;
	const char *const *secret_fields;
	/* 1: bodies are not JSON (XML, text); `read` checks them. */
	int raw_body;
	/* nullable. Called for every answer with a body, before it is
	 * classified: fills r->message from the provider's error shape, may
	 * call diag.retry_after for a body-borne delay. Returns -1 when the
	 * body does not parse (a failure of the request), else 0. For an
	 * error answer it may also say what the provider's own error code
	 * means beyond the HTTP status: r->outcome = ES_ABSENT or ES_CONFLICT
	 * (AWS's NoSuchEntity to a read sent as POST), or r->status =
	 * ES_RETRY (a throttle sent as 400) or ES_INVALID_CONFIG (rejected
	 * credentials sent as 400, blamed on auth_key). For a 2xx that
	 * carries the provider's error shape it sets r->outcome = ES_FAILURE
	 * (and r->message): the request failed (ES_RETRY, look again later),
	 * never "found". Since 2.2. */
	int (*read)(const struct es_client *cl, struct es_reply *r);
	/* nullable: 1 when a non-2xx answer means "it already exists"
	 * (Mailgun's 400 "... already exists"). 409 always does. */
	int (*is_conflict)(const struct es_client *cl,
	                   const struct es_reply *r);
	/* nullable: after a 401, get fresh credentials (an OAuth2 token that
	 * expired early) and return 0 to have the request sent once more;
	 * -1 leaves the 401 a failure. */
	int (*reauth)(const struct es_client *cl);
	void *user; /* the plugin's, for its hooks */
};

/*
 * Set up a client on `url` (a URL config value, e.g. the value of
 * "api_url"): trailing slashes are trimmed. Returns 0, or -1 with a
 * diagnostic against `url_key` when it is unset or too long. The rest of
 * *cl is zeroed: set provider, auth_key and the credentials after.
 */
static inline int es_client_init_url(struct es_client *cl,
                                     const struct es_ctx *ctx,
                                     const char *url_key, const char *url)
{
	size_t n = url ? strlen(url) : 0;

	memset(cl, 0, sizeof(*cl));
	cl->ctx = ctx;
	if (!url || n >= sizeof(cl->base)) {
		ctx->host->diag->error(ctx->call, url_key,
		                       "no usable URL in %s", url_key);
		return -1;
	}
	while (n > 0 && url[n - 1] == '/')
		n--;
	memcpy(cl->base, url, n);
	cl->base[n] = '\0';
	return 0;
}

/* The same with the value of config key `url_key`. */
static inline int es_client_init(struct es_client *cl, const struct es_ctx *ctx,
                                 const char *url_key)
{
	return es_client_init_url(
	    cl, ctx, url_key,
	    ctx->host->config->get_string(ctx->call, url_key));
}

static inline void es_reply_free(struct es_reply *r)
{
	if (r->client) {
		const struct es_host *h = r->client->ctx->host;

		h->json->free(r->json);
		h->http->response_free(r->resp);
	}
	r->json = NULL;
	r->resp = NULL;
	r->body = NULL;
	r->client = NULL;
}

/*
 * The status of an error answer `http_status` (not 2xx, not absent, not
 * conflict) to request `what`, with the diagnostic that explains it.
 */
static inline enum es_status es_client_failure(const struct es_client *cl,
                                               long http_status,
                                               const char *message,
                                               const char *what)
{
	const struct es_ctx *ctx = cl->ctx;
	const char *p = cl->provider ? cl->provider : "the provider";

	if (http_status == 401 || http_status == 403) {
		ctx->host->diag->error(
		    ctx->call, cl->auth_key,
		    "%s: %s %s the credentials in %s (%ld%s%s)%s%s", what, p,
		    http_status == 401 ? "rejected"
		                       : "refused this request with",
		    cl->auth_key ? cl->auth_key : "the config", http_status,
		    message && *message ? " " : "", message ? message : "",
		    http_status == 403 && cl->forbidden_hint ? ": " : "",
		    http_status == 403 && cl->forbidden_hint
		        ? cl->forbidden_hint
		        : "");
		return ES_INVALID_CONFIG;
	}
	ctx->host->diag->error(ctx->call, NULL, "%s: %s answered %ld%s%s", what,
	                       p, http_status, message && *message ? " " : "",
	                       message ? message : "");
	return http_status == 429 || http_status >= 500 ? ES_RETRY : ES_FAILED;
}

/*
 * A 2xx that parsed but lacks what request `what` returns (`expected`:
 * "the certificate list"): a failure of that request like a body that does
 * not parse, never "absent". Returns ES_RETRY with the diagnostic; the
 * caller frees r as usual.
 */
static inline enum es_status es_reply_malformed(const struct es_client *cl,
                                                struct es_reply *r,
                                                const char *what,
                                                const char *expected)
{
	cl->ctx->host->diag->error(
	    cl->ctx->call, NULL,
	    "%s: %s answered %ld without %s; looking again later", what,
	    cl->provider ? cl->provider : "the provider", r->http_status,
	    expected);
	r->outcome = ES_FAILURE;
	return r->status = ES_RETRY;
}

/* The read hook found rejected credentials in an answer that is not a
 * 401 or 403 (AWS's InvalidClientTokenId with 400). */
static inline enum es_status es_client_refused(const struct es_client *cl,
                                               struct es_reply *r,
                                               const char *what)
{
	cl->ctx->host->diag->error(
	    cl->ctx->call, cl->auth_key,
	    "%s: %s refused the credentials in %s (%ld %s)", what,
	    cl->provider ? cl->provider : "the provider",
	    cl->auth_key ? cl->auth_key : "the config", r->http_status,
	    r->message);
	r->outcome = ES_FAILURE;
	return r->status = ES_INVALID_CONFIG;
}

/* The "message" member of a JSON error, or the body's first line. */
static inline void es_reply_default_message(const struct es_client *cl,
                                            struct es_reply *r)
{
	const char *m =
	    r->json ? cl->ctx->host->json->get_string(r->json, "message")
	            : r->body;

	if (m)
		snprintf(r->message, sizeof(r->message), "%.*s",
		         (int)strcspn(m, "\r\n"), m);
}

/* Classify an answer `resp` (nullable) to `what`; see the top of file. */
static inline enum es_status
es_client_classify(const struct es_client *cl, struct es_reply *r,
                   const char *method, es_http_response *resp, const char *what)
{
	const struct es_host *h = cl->ctx->host;
	es_call *call = cl->ctx->call;
	int ok2xx, bad_body = 0;

	int write = r->write;

	memset(r, 0, sizeof(*r));
	r->client = cl;
	r->resp = resp;
	r->write = write;
	/* No answer (the core recorded why, naming the request), or a write
	 * whose answer was lost: status 0, never resent by the core. The
	 * task looks it up, later; the reason names the provider too. */
	if (resp)
		r->http_status = h->http->status(resp);
	if (!resp || r->http_status == 0) {
		h->diag->error(
		    call, NULL, "%s: no answer from %s; looking again later",
		    what, cl->provider ? cl->provider : "the provider");
		r->outcome = ES_FAILURE;
		return r->status = ES_RETRY;
	}
	r->body = h->http->body(resp, &r->body_len);
	ok2xx = r->http_status >= 200 && r->http_status <= 299;
	if (r->body && r->body_len > 0 && !cl->raw_body) {
		r->json = h->json->parse(r->body, r->body_len);
		bad_body = r->json == NULL;
	}
	if (r->body && r->body_len > 0 && cl->read && cl->read(cl, r) < 0)
		bad_body = 1;
	if (!r->message[0])
		es_reply_default_message(cl, r);
	if (ok2xx && r->outcome == ES_FAILURE) {
		/* The provider's error in a 2xx (the read hook said so). */
		h->diag->error(call, NULL,
		               "%s: %s answered %ld with an error: %s; "
		               "looking again later",
		               what,
		               cl->provider ? cl->provider : "the provider",
		               r->http_status, r->message);
		return r->status = ES_RETRY;
	}
	if (ok2xx)
		r->outcome = ES_FOUND;
	else if (r->outcome == ES_ABSENT || r->outcome == ES_CONFLICT)
		; /* the provider's error code said so (the read hook) */
	else if (r->status == ES_INVALID_CONFIG)
		return es_client_refused(cl, r, what);
	else if (r->http_status == 404 &&
	         (!strcmp(method, "GET") || !strcmp(method, "DELETE")))
		r->outcome = ES_ABSENT;
	else if (r->http_status == 409 ||
	         (cl->is_conflict && cl->is_conflict(cl, r)))
		r->outcome = ES_CONFLICT;
	else {
		enum es_status said = r->status; /* the read hook's, or ES_OK */

		r->outcome = ES_FAILURE;
		r->status =
		    es_client_failure(cl, r->http_status, r->message, what);
		if (said == ES_RETRY) /* even a 403: an expired session */
			r->status = ES_RETRY;
		return r->status;
	}
	/* A found, absent or conflict answer must be the provider's own: a
	 * body that does not parse (a proxy's 404 page, a cut 200) says
	 * nothing, and an empty 200 to a GET is a cut answer (202 and 204
	 * may be empty). */
	if (bad_body || (!r->body_len && r->http_status == 200 &&
	                 strcmp(method, "GET") == 0)) {
		h->diag->error(call, NULL,
		               "%s: %s answered %ld with a body that does not "
		               "parse; looking again later",
		               what,
		               cl->provider ? cl->provider : "the provider",
		               r->http_status);
		r->outcome = ES_FAILURE;
		return r->status = ES_RETRY;
	}
	return r->status = ES_OK;
}

/* Send `s` to the absolute `url`; see es_client_call(). */
static inline enum es_status es_client_send_url(const struct es_client *cl,
                                                struct es_reply *r,
                                                const struct es_send *s,
                                                const char *url)
{
	const struct es_host *h = cl->ctx->host;
	struct es_http_header hdrs[24];
	size_t n = 0;
	const char *method = s && s->method ? s->method : "GET";
	struct es_http_request req = {.struct_size = sizeof(req)};
	es_http_response *resp;

	for (size_t i = 0; i < cl->n_headers && n < 24; i++)
		hdrs[n++] = cl->headers[i];
	for (size_t i = 0; s && i < s->n_headers && n < 24; i++)
		hdrs[n++] = s->headers[i];
	req.method = method;
	req.url = url;
	req.headers = n ? hdrs : NULL;
	req.n_headers = n;
	if (s) {
		req.body = s->body;
		req.body_len = s->body ? strlen(s->body) : 0;
		req.content_type = s->content_type;
		req.form_kind = s->form_kind;
		req.form = s->form;
		req.n_form = s->n_form;
		req.mutating = s->intent != NULL;
		req.intent = s->intent;
		req.timeout_ms = s->timeout_ms;
	}
	req.basic_user = cl->basic_user;
	req.basic_password = cl->basic_password;
	req.aws_sigv4 = cl->aws_sigv4;
	req.secret_fields = cl->secret_fields;
	r->write = req.mutating;
	resp = h->http->request(cl->ctx->call, &req);
	if (resp && h->http->status(resp) == 401 && cl->reauth &&
	    cl->reauth(cl) == 0) {
		h->http->response_free(resp);
		r->write = req.mutating;
		resp = h->http->request(cl->ctx->call, &req);
	}
	return es_client_classify(cl, r, method, resp,
	                          s && s->intent ? s->intent : url);
}

/* Header `name` of the answer (case-insensitive; nullable), valid until
 * es_reply_free(): Location, Retry-After, Azure-AsyncOperation. */
static inline const char *es_reply_header(const struct es_reply *r,
                                          const char *name)
{
	return r->client && r->resp
	           ? r->client->ctx->host->http->header(r->resp, name)
	           : NULL;
}

/*
 * Send `s` (NULL: a plain GET) to base + the formatted path, and classify
 * the answer into *r (see the top of this file). Returns r->status: ES_OK
 * for found, absent and conflict, which the caller tells apart by
 * r->outcome. Call es_reply_free(r) in every case.
 */
ES_PRINTF(4, 5)
static inline enum es_status es_client_call(const struct es_client *cl,
                                            struct es_reply *r,
                                            const struct es_send *s,
                                            const char *fmt, ...)
{
	char url[ES_CLIENT_URL_MAX];
	size_t n = strlen(cl->base);
	va_list ap;
	int len;

	memset(r, 0, sizeof(*r));
	memcpy(url, cl->base, n + 1);
	va_start(ap, fmt);
	len = vsnprintf(url + n, sizeof(url) - n, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(url) - n) {
		cl->ctx->host->diag->error(cl->ctx->call, NULL,
		                           "URL too long: %s", fmt);
		r->outcome = ES_FAILURE;
		return r->status = ES_FAILED;
	}
	return es_client_send_url(cl, r, s, url);
}

/*
 * `value` URL-escaped into `buf` (for a path segment: a domain, an id).
 * 0, or -1 with a diagnostic against config key `key` (nullable) when
 * value is NULL, cannot be escaped or does not fit.
 * Since 2.1.
 */
static inline int es_escape_into(const struct es_ctx *ctx, const char *key,
                                 const char *value, char *buf, size_t size)
{
	char *e = value ? ctx->host->http->escape(value) : NULL;
	size_t n = e ? strlen(e) : 0;

	if (!e || n >= size) {
		ctx->host->mem_free(e);
		ctx->host->diag->error(ctx->call, key, "no usable %s",
		                       key ? key : "value");
		return -1;
	}
	memcpy(buf, e, n + 1);
	ctx->host->mem_free(e);
	return 0;
}

/*
 * es_client_call() with a JSON body: `body` (nullable: no body; borrowed)
 * printed and sent as application/json with `method`, a write when
 * `intent` is given. ES_FAILED, with r a failure, when the body cannot be
 * printed or the path is too long.
 * Since 2.1.
 */
ES_PRINTF(6, 7)
static inline enum es_status
es_client_json(const struct es_client *cl, struct es_reply *r,
               const char *method, const es_json *body, const char *intent,
               const char *fmt, ...)
{
	const struct es_host *h = cl->ctx->host;
	char path[ES_CLIENT_URL_MAX],
	    *text = body ? h->json->print(body) : NULL;
	struct es_send s = es_json_write(method, text, intent);
	enum es_status st;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if ((body && !text) || len < 0 || (size_t)len >= sizeof(path)) {
		h->mem_free(text);
		memset(r, 0, sizeof(*r));
		r->outcome = ES_FAILURE;
		return r->status = ES_FAILED;
	}
	st = es_client_call(cl, r, &s, "%s", path);
	h->mem_free(text);
	return st;
}

/* ---------------------------------------------------------------------
 * Paging
 * ------------------------------------------------------------------- */

enum es_page_style {
	/* The reply's member `next` holds a token sent back as query
	 * parameter `param` ("NextToken", "nextPageToken", "cursor"). With
	 * `next` NULL the caller reads the token itself (XML) and hands it
	 * over with es_pages_next(). */
	ES_PAGE_TOKEN = 1,
	/* The reply's member `next` holds the next page's whole URL
	 * ("@odata.nextLink", "paging.next"); `next` is a member name, not a
	 * path, when it holds '@'. */
	ES_PAGE_LINK = 2,
	/* Query parameter `param` counts pages from 1; the last page is the
	 * one whose array at `items` has fewer than `page_size` items. */
	ES_PAGE_NUMBER = 3,
	/* Query parameter `param` ("start", "offset") is the index of the
	 * page's first item: absent on the first page, then advanced by the
	 * number of items in the array at `items`. The last page is one whose
	 * member `next` ("isLastPage", nullable) is true, that is empty, or
	 * (with `page_size` set) that has fewer than `page_size` items. */
	ES_PAGE_OFFSET = 4,
};

struct es_pages {
	enum es_page_style style;
	const char *next;   /* TOKEN, LINK, OFFSET: the reply member */
	const char *param;  /* TOKEN, NUMBER, OFFSET: the query parameter */
	const char *items;  /* NUMBER, OFFSET: path of the page's array */
	size_t page_size;   /* NUMBER, OFFSET (0: no short-page rule) */
	unsigned max_pages; /* 0: 1000; past it the listing fails */
	/* private */
	unsigned page;
	int done;
	size_t offset; /* OFFSET: the next page's first item */
	char cursor[ES_CLIENT_URL_MAX];
};

/* 1 while another page is to be fetched. */
static inline int es_pages_more(const struct es_pages *pg)
{
	return !pg->done;
}

/* Hand over the next token (NULL or "": that was the last page). */
static inline void es_pages_next(struct es_pages *pg, const char *token)
{
	if (!token || !*token ||
	    (size_t)snprintf(pg->cursor, sizeof(pg->cursor), "%s", token) >=
	        sizeof(pg->cursor))
		pg->done = 1;
}

/*
 * For pages the caller sends itself (the token in a POST body, as AWS's
 * query and JSON protocols want): counts the page and sets *token to the
 * token to send (NULL on the first page). -1 with a diagnostic past
 * max_pages, which ends the listing.
 */
static inline int es_pages_take(const struct es_ctx *ctx, struct es_pages *pg,
                                const char *what, const char **token)
{
	unsigned max = pg->max_pages ? pg->max_pages : 1000;

	if (pg->page >= max) {
		ctx->host->diag->error(ctx->call, NULL,
		                       "%s: more than %u pages; giving up",
		                       what, max);
		pg->done = 1;
		return -1;
	}
	*token = pg->page++ > 0 ? pg->cursor : NULL;
	return 0;
}

/*
 * GET the next page of base + the formatted path into *r (which the caller
 * frees after reading it, as with es_client_call). A page that is absent
 * (404) ends the listing with r->outcome ES_ABSENT.
 *
 *   struct es_pages pg = {.style = ES_PAGE_LINK, .next = "@odata.nextLink"};
 *   while (es_pages_more(&pg)) {
 *           if ((st = es_client_page(&cl, &pg, &r, "/v1.0/users")))
 *                   return st;
 *           ... r.json ...
 *           es_reply_free(&r);
 *   }
 */
ES_PRINTF(4, 5)
static inline enum es_status es_client_page(const struct es_client *cl,
                                            struct es_pages *pg,
                                            struct es_reply *r, const char *fmt,
                                            ...)
{
	const struct es_host *h = cl->ctx->host;
	char url[ES_CLIENT_URL_MAX], *v = NULL;
	size_t n = strlen(cl->base);
	enum es_status st;
	va_list ap;
	int len;
	const char *token;

	memset(r, 0, sizeof(*r));
	if (es_pages_take(cl->ctx, pg, fmt, &token) < 0) {
		r->outcome = ES_FAILURE;
		return r->status = ES_FAILED;
	}
	if (pg->style == ES_PAGE_LINK && token) {
		snprintf(url, sizeof(url), "%s", token);
	} else {
		memcpy(url, cl->base, n + 1);
		va_start(ap, fmt);
		len = vsnprintf(url + n, sizeof(url) - n, fmt, ap);
		va_end(ap);
		if (pg->style == ES_PAGE_TOKEN && token)
			v = h->http->escape(token);
		if (len >= 0 && (size_t)len < sizeof(url) - n &&
		    (v || pg->style == ES_PAGE_NUMBER ||
		     (pg->style == ES_PAGE_OFFSET && pg->offset))) {
			size_t at = strlen(url);

			if (v)
				len = snprintf(
				    url + at, sizeof(url) - at, "%c%s=%s",
				    strchr(url, '?') ? '&' : '?', pg->param, v);
			else if (pg->style == ES_PAGE_OFFSET)
				len = snprintf(url + at, sizeof(url) - at,
				               "%c%s=%zu",
				               strchr(url, '?') ? '&' : '?',
				               pg->param, pg->offset);
			else
				len = snprintf(url + at, sizeof(url) - at,
				               "%c%s=%u",
				               strchr(url, '?') ? '&' : '?',
				               pg->param, pg->page);
			len =
			    len < 0 || (size_t)len >= sizeof(url) - at ? -1 : 0;
		}
		h->mem_free(v);
		if (len < 0) {
			h->diag->error(cl->ctx->call, NULL, "URL too long: %s",
			               fmt);
			pg->done = 1;
			r->outcome = ES_FAILURE;
			return r->status = ES_FAILED;
		}
	}
	st = es_client_send_url(cl, r, NULL, url);
	if (st != ES_OK || r->outcome != ES_FOUND) {
		pg->done = 1;
		return st;
	}
	if (pg->style == ES_PAGE_NUMBER) {
		const es_json *items = h->json->get(r->json, pg->items);

		if (h->json->array_size(items) < pg->page_size ||
		    h->json->array_size(items) == 0)
			pg->done = 1;
	} else if (pg->style == ES_PAGE_OFFSET) {
		size_t got =
		    h->json->array_size(h->json->get(r->json, pg->items));

		pg->offset += got;
		if (got == 0 || (pg->page_size && got < pg->page_size) ||
		    (pg->next && h->json->get_bool(r->json, pg->next, 0)))
			pg->done = 1;
	} else if (pg->next) {
		const es_json *m = strchr(pg->next, '@')
		                       ? h->json->member(r->json, pg->next)
		                       : h->json->get(r->json, pg->next);

		es_pages_next(pg, h->json->kind(m) == ES_JSON_STRING
		                      ? h->json->get_string(m, "")
		                      : NULL);
	}
	return ES_OK;
}

/* ---------------------------------------------------------------------
 * GraphQL
 * ------------------------------------------------------------------- */

/* 1 when a GraphQL error code means "too many requests, later"
 * (RESOURCE_LIMIT: Braintree's). */
static inline int es_graphql_is_throttle(const char *code)
{
	static const char *const codes[] = {"TOO_MANY_REQUESTS",
	                                    "THROTTLED",
	                                    "RATE_LIMITED",
	                                    "RATE_LIMIT_EXCEEDED",
	                                    "SERVICE_AVAILABILITY",
	                                    "RESOURCE_LIMIT",
	                                    NULL};

	for (size_t i = 0; code && codes[i]; i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

/* 1 when a GraphQL error code is the provider's own server error, the
 * 5xx of an API that answers 200 (Braintree's INTERNAL, NerdGraph's
 * INTERNAL_SERVER_ERROR, SERVER_ERROR and TIMEOUT): looked at again
 * later, like a 5xx. */
static inline int es_graphql_is_server_error(const char *code)
{
	static const char *const codes[] = {"INTERNAL", "INTERNAL_SERVER_ERROR",
	                                    "SERVER_ERROR", "TIMEOUT", NULL};

	for (size_t i = 0; code && codes[i]; i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

/* 1 when a GraphQL error code means the credentials are wrong. */
static inline int es_graphql_is_auth(const char *code)
{
	static const char *const codes[] = {
	    "BAD_API_KEY",  "UNAUTHENTICATED",      "AUTHENTICATION",
	    "FORBIDDEN",    "AUTHORIZATION",        "NOT_AUTHORIZED",
	    "UNAUTHORIZED", "AUTHENTICATION_ERROR", NULL};

	for (size_t i = 0; code && codes[i]; i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

/*
 * POST {query, variables} (variables nullable, borrowed) as JSON to
 * base + `path`. GraphQL reports errors with HTTP 200: a reply with a
 * non-empty top-level `errors` is a failure whose code
 * (errors[i].extensions.code, .error_code as NerdGraph words BAD_API_KEY,
 * or .errorClass) decides the status: a
 * throttle or a server error is ES_RETRY, an auth error ES_INVALID_CONFIG
 * naming the client's auth_key, anything else ES_FAILED with the messages.
 * `intent` non-NULL marks a mutation. The data is at "data" of r->json; a
 * mutation's typed payload errors are the caller's to read.
 */
static inline enum es_status
es_graphql(const struct es_client *cl, struct es_reply *r, const char *path,
           const char *query, const es_json *variables, const char *intent)
{
	const struct es_host *h = cl->ctx->host;
	const struct es_json_api *j = h->json;
	es_json *req = j->new_object(), *vars;
	const es_json *errors;
	char *body, *text, what[160];
	struct es_send s;
	enum es_status st = ES_FAILED;
	size_t n_err, at = 0;

	j->set_string(req, "query", query);
	text = variables ? j->print(variables) : NULL;
	vars = text ? j->parse(text, strlen(text)) : NULL;
	h->mem_free(text);
	if (vars)
		j->add(req, "variables", vars);
	body = j->print(req);
	j->free(req);
	s = es_json_write("POST", body, intent);
	st = es_client_call(cl, r, &s, "%s", path);
	h->mem_free(body);
	if (st != ES_OK)
		return st;
	errors = j->get(r->json, "errors");
	n_err = j->array_size(errors);
	if (r->outcome != ES_FOUND && !n_err)
		return st;
	if (r->outcome == ES_FOUND && !n_err)
		return ES_OK;
	snprintf(what, sizeof(what), "%s", intent ? intent : "GraphQL query");
	r->message[0] = '\0';
	st = ES_FAILED;
	for (size_t i = 0; i < n_err; i++) {
		const es_json *e = j->array_item(errors, i);
		const char *code = j->get_string(e, "extensions.code");
		const char *msg = j->get_string(e, "message");

		if (!code)
			code = j->get_string(e, "extensions.error_code");
		if (!code)
			code = j->get_string(e, "extensions.errorClass");
		if ((es_graphql_is_throttle(code) ||
		     es_graphql_is_server_error(code)) &&
		    st == ES_FAILED)
			st = ES_RETRY;
		if (es_graphql_is_auth(code))
			st = ES_INVALID_CONFIG;
		if (at < sizeof(r->message))
			at += (size_t)snprintf(
			    r->message + at, sizeof(r->message) - at,
			    "%s%s%s%s", i ? "; " : "", code ? code : "",
			    code && msg ? ": " : "", msg ? msg : "");
	}
	if (st == ES_INVALID_CONFIG)
		h->diag->error(
		    cl->ctx->call, cl->auth_key,
		    "%s: %s rejected the credentials in %s (%s)", what,
		    cl->provider ? cl->provider : "the provider",
		    cl->auth_key ? cl->auth_key : "the config", r->message);
	else
		h->diag->error(cl->ctx->call, NULL, "%s: %s answered %s", what,
		               cl->provider ? cl->provider : "the provider",
		               r->message);
	r->outcome = ES_FAILURE;
	return r->status = st;
}

/*
 * Cursor paging for GraphQL: after a page, read the cursor at
 * `cursor_path` of r->json ("data.actor.entitySearch.results.nextCursor")
 * and, when there is one, set it as variable `var` of `variables`.
 * Returns 1 when another page is to be fetched. With `more_path`
 * (nullable, "data.x.pageInfo.hasNextPage") false, there is none.
 */
static inline int es_graphql_next_page(const struct es_client *cl,
                                       const struct es_reply *r,
                                       const char *cursor_path,
                                       const char *more_path,
                                       es_json *variables, const char *var)
{
	const struct es_json_api *j = cl->ctx->host->json;
	const char *cursor = j->get_string(r->json, cursor_path);

	if (more_path && !j->get_bool(r->json, more_path, 0))
		return 0;
	if (!cursor || !*cursor)
		return 0;
	j->set_string(variables, var, cursor);
	return 1;
}

#ifdef __cplusplus
}
#endif

#endif
