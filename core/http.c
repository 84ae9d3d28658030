/*
 * The HTTP service behind es_http_api (see http.h): one reused curl easy
 * handle per client, retries with backoff, the shared rate limit, the
 * journal around mutating requests, and responses.
 *
 * TLS is always verified. A plugin's `ca_file` is handed to curl as
 * CURLOPT_CAINFO, which REPLACES the system bundle for that client rather
 * than adding to it: that is what curl users expect of --cacert, and a
 * provider behind a private CA is reached only through that CA anyway.
 *
 * Redirects are never followed: a 3xx is a response for the plugin. curl
 * would carry custom credential headers (X-Api-Key and the like) to
 * whatever host a redirect names, and a mutating request must not be
 * replayed elsewhere. A plugin that follows a Location itself makes a new
 * request, which meets the origin rule (http_url.c) like any other: one
 * with credentials goes only to the origin of one of the plugin's URL
 * keys.
 */
#include "http_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "crashpoint.h"
#include "envsetup/version.h"
#include "log.h"
#include "rate_limit.h"

#define MAX_BODY (32u * 1024u * 1024u)
#define DEFAULT_TIMEOUT_MS 30000u
#define DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define DEFAULT_ATTEMPTS 5u
#define DEFAULT_BASE_BACKOFF_MS 500u
#define DEFAULT_MAX_BACKOFF_MS 30000u

struct es_http_client {
	CURL *curl;
	struct es_http_settings s;
	char *plugin;
	char *ca_file;
	struct es_http_clock clock;
	uint64_t rng;
	char errbuf[CURL_ERROR_SIZE];
};

struct es_http_response {
	long status;
	char *body;
	size_t len, cap;
	struct es_http_header *headers; /* owned copies */
	size_t n_headers, cap_headers;
	int too_big;
};

/* ---- global and client ----------------------------------------------- */

int es_http_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void es_http_global_cleanup(void)
{
	es_rate_limit_reset();
	es_http_unreachable_forget();
	curl_global_cleanup();
}

static uint32_t or_default(uint32_t v, uint32_t fallback)
{
	return v ? v : fallback;
}

struct es_http_client *es_http_client_new(const struct es_http_settings *s)
{
	struct es_http_client *c = calloc(1, sizeof(*c));

	if (!c || !s)
		goto fail;
	c->s = *s;
	c->plugin = strdup(s->plugin ? s->plugin : "");
	c->ca_file = s->ca_file ? strdup(s->ca_file) : NULL;
	c->curl = curl_easy_init();
	if (!c->plugin || (s->ca_file && !c->ca_file) || !c->curl)
		goto fail;
	c->s.plugin = c->plugin;
	c->s.ca_file = c->ca_file;
	if (s->clock)
		c->clock = *s->clock;
	c->s.clock = &c->clock;
	c->s.timeout_ms = or_default(s->timeout_ms, DEFAULT_TIMEOUT_MS);
	c->s.connect_timeout_ms =
	    or_default(s->connect_timeout_ms, DEFAULT_CONNECT_TIMEOUT_MS);
	c->s.max_attempts = or_default(s->max_attempts, DEFAULT_ATTEMPTS);
	c->s.base_backoff_ms =
	    or_default(s->base_backoff_ms, DEFAULT_BASE_BACKOFF_MS);
	c->s.max_backoff_ms =
	    or_default(s->max_backoff_ms, DEFAULT_MAX_BACKOFF_MS);
	c->rng = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)c ^
	         ((uint64_t)getpid() << 32);
	return c;
fail:
	es_http_client_free(c);
	return NULL;
}

void es_http_client_free(struct es_http_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->plugin);
	free(c->ca_file);
	free(c);
}

/* ---- responses ------------------------------------------------------- */

static void clear_headers(es_http_response *r)
{
	for (size_t i = 0; i < r->n_headers; i++) {
		free((char *)r->headers[i].name);
		free((char *)r->headers[i].value);
	}
	r->n_headers = 0;
}

void es_http_response_free(es_http_response *r)
{
	if (!r)
		return;
	clear_headers(r);
	free(r->headers);
	free(r->body);
	free(r);
}

es_http_response *es_http_response_copy(const es_http_response *r)
{
	es_http_response *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->status = r->status;
	c->len = c->cap = r->len;
	c->body = malloc(r->len + 1);
	c->headers =
	    calloc(r->n_headers ? r->n_headers : 1, sizeof(*c->headers));
	if (!c->body || !c->headers)
		goto fail;
	memcpy(c->body, r->body ? r->body : "", r->len);
	c->body[r->len] = '\0';
	c->cap_headers = r->n_headers;
	for (; c->n_headers < r->n_headers; c->n_headers++) {
		struct es_http_header *h = &c->headers[c->n_headers];

		h->name = strdup(r->headers[c->n_headers].name);
		h->value = strdup(r->headers[c->n_headers].value);
		if (!h->name || !h->value) {
			c->n_headers++;
			goto fail;
		}
	}
	return c;
fail:
	es_http_response_free(c);
	return NULL;
}

long es_http_response_status(const es_http_response *r)
{
	return r ? r->status : 0;
}

const char *es_http_response_body(const es_http_response *r, size_t *len)
{
	if (len)
		*len = r ? r->len : 0;
	return r && r->body ? r->body : "";
}

/* Last value wins: a repeated header's latest line is the one kept. */
const char *es_http_response_header(const es_http_response *r, const char *name)
{
	if (!r || !name)
		return NULL;
	for (size_t i = r->n_headers; i-- > 0;)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

/* The headers as received, in order (transfer none). */
const struct es_http_header *es_http_response_headers(const es_http_response *r,
                                                      size_t *n)
{
	*n = r ? r->n_headers : 0;
	return r ? r->headers : NULL;
}

static int add_response_header(es_http_response *r, const char *line,
                               size_t len);

es_http_response *es_http_response_new(long status, const char *body,
                                       size_t len)
{
	es_http_response *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->status = status;
	r->body = malloc(len + 1);
	if (!r->body) {
		free(r);
		return NULL;
	}
	if (len)
		memcpy(r->body, body, len);
	r->body[len] = '\0';
	r->len = len;
	r->cap = len + 1;
	return r;
}

int es_http_response_add_header(es_http_response *r, const char *name,
                                const char *value)
{
	char *line = NULL;
	int rc;

	if (asprintf(&line, "%s: %s", name, value) < 0)
		return -1;
	rc = add_response_header(r, line, strlen(line));
	free(line);
	return rc;
}

static size_t on_body(char *data, size_t size, size_t n, void *userp)
{
	es_http_response *r = userp;
	size_t add = size * n;

	if (add > MAX_BODY - r->len) {
		r->too_big = 1;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	if (r->len + add + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *p;

		while (cap < r->len + add + 1)
			cap *= 2;
		p = realloc(r->body, cap);
		if (!p)
			return 0;
		r->body = p;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, add);
	r->len += add;
	r->body[r->len] = '\0';
	return add;
}

static int add_response_header(es_http_response *r, const char *line,
                               size_t len)
{
	const char *colon = memchr(line, ':', len);
	const char *v;
	size_t vlen;

	if (!colon || colon == line)
		return 0; /* folded or malformed line: ignored */
	if (r->n_headers == r->cap_headers) {
		size_t cap = r->cap_headers ? r->cap_headers * 2 : 16;
		struct es_http_header *p =
		    realloc(r->headers, cap * sizeof(*p));

		if (!p)
			return -1;
		r->headers = p;
		r->cap_headers = cap;
	}
	for (v = colon + 1; v < line + len && (*v == ' ' || *v == '\t'); v++)
		;
	vlen = (size_t)(line + len - v);
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	r->headers[r->n_headers].name = strndup(line, (size_t)(colon - line));
	r->headers[r->n_headers].value = strndup(v, vlen);
	if (!r->headers[r->n_headers].name || !r->headers[r->n_headers].value) {
		free((char *)r->headers[r->n_headers].name);
		free((char *)r->headers[r->n_headers].value);
		return -1;
	}
	r->n_headers++;
	return 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *userp)
{
	es_http_response *r = userp;
	size_t len = size * n;

	while (len > 0 && (data[len - 1] == '\r' || data[len - 1] == '\n'))
		len--;
	/* A new status line (after "100 Continue") starts a new header set. */
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
		clear_headers(r);
	else if (len > 0 && add_response_header(r, data, len) < 0)
		return 0;
	return size * n;
}

static void reset_response(es_http_response *r)
{
	clear_headers(r);
	r->status = 0;
	r->len = 0;
	r->too_big = 0;
	if (r->body)
		r->body[0] = '\0';
}

/* ---- one attempt ----------------------------------------------------- */

static void set_method(CURL *curl, const struct es_http_request *req,
                       const struct es_http_prepared *p)
{
	int has_body = p->body || p->mime;

	if (strcmp(req->method, "HEAD") == 0) {
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
		return;
	}
	if (!has_body && (strcmp(req->method, "GET") == 0 ||
	                  strcmp(req->method, "DELETE") == 0)) {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	} else if (p->mime) {
		curl_easy_setopt(curl, CURLOPT_MIMEPOST, p->mime);
	} else {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)p->body_len);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS,
		                 p->body ? p->body : "");
	}
	/* Any verb but a bodiless GET or a POST rides on the above. */
	if (strcmp(req->method, "POST") != 0 &&
	    (strcmp(req->method, "GET") != 0 || has_body))
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
}

static void set_options(struct es_http_client *c,
                        const struct es_http_request *req,
                        const struct es_http_prepared *p, es_http_response *r,
                        struct es_http_trace *t)
{
	CURL *curl = c->curl;
	uint32_t total = req->timeout_ms ? req->timeout_ms : c->s.timeout_ms;
	uint32_t conn =
	    c->s.connect_timeout_ms < total ? c->s.connect_timeout_ms : total;

	/* Reset keeps live connections, the DNS and TLS session caches. */
	curl_easy_reset(curl);
	c->errbuf[0] = '\0';
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(curl, CURLOPT_URL, p->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	/* The default, said out loud: were redirects ever followed, curl
	 * would keep the credentials it adds itself (Basic, SigV4) from
	 * another host; our headers it would not, hence no following. */
	curl_easy_setopt(curl, CURLOPT_UNRESTRICTED_AUTH, 0L);
	/* libcurl sends a request again, unasked, when a reused connection
	 * turns out dead before any answer: a write must never go twice, so
	 * it always gets a connection of its own. */
	if (req->mutating)
		curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)total);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)conn);
	curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT,
	                 "envsetup/" ES_VERSION_STRING);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, p->headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
	set_method(curl, req, p);
	if (req->aws_sigv4) {
		curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, req->aws_sigv4);
		curl_easy_setopt(curl, CURLOPT_USERNAME, p->user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, p->password);
	} else if (p->user || p->password) {
		curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(curl, CURLOPT_USERNAME,
		                 p->user ? p->user : "");
		curl_easy_setopt(curl, CURLOPT_PASSWORD,
		                 p->password ? p->password : "");
	}
	if (c->s.trace) {
		curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
		curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, es_http_trace_cb);
		curl_easy_setopt(curl, CURLOPT_DEBUGDATA, t);
	}
}

/* ---- retry policy ---------------------------------------------------- */

enum outcome {
	OUT_DONE,     /* a response to hand back */
	OUT_RETRY,    /* worth another attempt */
	OUT_NO_REPLY, /* mutating, may have arrived: status 0, no resend */
	OUT_FAIL,     /* permanent: NULL */
};

/* Failures where the request certainly never left: safe to resend. */
static int nothing_sent(CURL *curl, CURLcode rc)
{
	curl_off_t sent = 0;

	if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
	    rc == CURLE_COULDNT_RESOLVE_PROXY)
		return 1;
	/* A timeout or TLS failure while connecting: no request bytes yet. */
	curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &sent);
	return (rc == CURLE_OPERATION_TIMEDOUT ||
	        rc == CURLE_SSL_CONNECT_ERROR) &&
	       sent == 0;
}

static int transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static enum outcome classify(CURL *curl, CURLcode rc, long status, int mutating)
{
	if (rc == CURLE_OK) {
		if (status == 429 || (status >= 500 && !mutating))
			return OUT_RETRY;
		return OUT_DONE;
	}
	if (nothing_sent(curl, rc))
		return OUT_RETRY;
	if (transient(rc))
		return mutating ? OUT_NO_REPLY : OUT_RETRY;
	return OUT_FAIL;
}

/* ---- the clock (http.h: tests replace it) ---------------------------- */

static time_t clock_now(const struct es_http_client *c)
{
	return c->clock.now ? c->clock.now(c->clock.ctx) : time(NULL);
}

static int clock_sleep(const struct es_http_client *c, uint32_t ms,
                       int (*cancelled)(void *), void *cancel_ctx)
{
	if (c->clock.sleep)
		return c->clock.sleep(c->clock.ctx, ms, cancelled, cancel_ctx);
	return es_sleep_cancellable(ms, cancelled, cancel_ctx);
}

static uint64_t next_random(struct es_http_client *c)
{
	/* xorshift64*: jitter needs spread, not secrecy. */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 0x2545F4914F6CDD1DULL;
}

static uint32_t clock_jitter(struct es_http_client *c, uint32_t cap)
{
	if (c->clock.jitter)
		return c->clock.jitter(c->clock.ctx, cap);
	return (uint32_t)(next_random(c) % ((uint64_t)cap + 1));
}

/* Retry-After in seconds or as an HTTP-date; -1 when absent or bad. */
static long retry_after_ms(const struct es_http_client *c,
                           const es_http_response *r)
{
	const char *v = es_http_response_header(r, "Retry-After");
	char *end;
	long secs;

	if (!v || !*v)
		return -1;
	secs = strtol(v, &end, 10);
	/* A day is already far beyond any max_backoff_ms. */
	if (end != v && *end == '\0')
		return secs < 0 ? 0 : (secs > 86400 ? 86400000L : secs * 1000L);
	{
		time_t when = curl_getdate(v, NULL);
		time_t now = clock_now(c);

		if (when == (time_t)-1)
			return -1;
		if (when <= now)
			return 0;
		return when - now > 86400 ? 86400000L
		                          : (long)(when - now) * 1000L;
	}
}

/* Full jitter: uniform in [0, min(max, base * 2^(attempt-1))]. */
static uint32_t backoff_ms(struct es_http_client *c, uint32_t attempt,
                           const es_http_response *r)
{
	uint64_t cap = c->s.base_backoff_ms;
	long hinted = r ? retry_after_ms(c, r) : -1;

	if (hinted >= 0)
		return hinted > (long)c->s.max_backoff_ms ? c->s.max_backoff_ms
		                                          : (uint32_t)hinted;
	for (uint32_t i = 1; i < attempt && cap < c->s.max_backoff_ms; i++)
		cap *= 2;
	if (cap > c->s.max_backoff_ms)
		cap = c->s.max_backoff_ms;
	return clock_jitter(c, (uint32_t)cap);
}

/* ---- the request ----------------------------------------------------- */

struct attempt_state {
	struct es_http_client *c;
	const struct es_http_request *req;
	const struct es_http_hooks *hooks;
	struct es_http_prepared *p;
	struct es_http_trace trace;
	uint64_t intent;
	int journaled;
};

static int hook_cancelled(void *ctx)
{
	const struct es_http_hooks *hooks = ctx;

	return hooks->cancelled && hooks->cancelled(hooks->ctx);
}

static CURLcode attempt(struct attempt_state *a, es_http_response *r)
{
	CURLcode rc;
	char point[512]; /* the crash points' name of the request */
	int armed;

	reset_response(r);
	if (es_http_renew_mime(a->c->curl, a->req, a->p) < 0)
		return CURLE_OUT_OF_MEMORY;
	set_options(a->c, a->req, a->p, r, &a->trace);
	if (a->c->s.trace)
		es_http_log(a->hooks, &a->p->masks, ES_LOG_DEBUG, "%s %s",
		            a->req->method, es_http_shown_url(a->p));
	/* The masked URL is made only when a test counts the points. */
	armed = es_crashpoint_armed();
	if (armed) {
		snprintf(point, sizeof(point), "%s %s", a->req->method,
		         es_http_shown_url(a->p));
		es_crashpoint("request about to be sent:", point);
	}
	rc = curl_easy_perform(a->c->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(a->c->curl, CURLINFO_RESPONSE_CODE,
		                  &r->status);
	if (armed)
		es_crashpoint("reply received:", point);
	if (a->c->s.trace)
		es_http_trace_flush(&a->trace);
	return rc;
}

/* Why an attempt gave no usable answer, for logs and errors. */
static void describe(const struct attempt_state *a, CURLcode rc,
                     const es_http_response *r, char *out, size_t n)
{
	if (rc == CURLE_OK)
		snprintf(out, n, "HTTP %ld", r->status);
	else if (r->too_big)
		snprintf(out, n, "response body larger than %u MiB",
		         MAX_BODY / (1024u * 1024u));
	else
		snprintf(out, n, "%s%s%s", curl_easy_strerror(rc),
		         a->c->errbuf[0] ? ": " : "", a->c->errbuf);
}

static es_http_response *give_up(struct attempt_state *a, es_http_response *r,
                                 CURLcode rc, enum outcome o, uint32_t attempts)
{
	char why[CURL_ERROR_SIZE + 128];

	describe(a, rc, r, why, sizeof(why));
	es_http_error(a->hooks, &a->p->masks, "%s %s: %s (%u attempt%s)",
	              a->req->method, es_http_shown_url(a->p), why, attempts,
	              attempts == 1 ? "" : "s");
	/* Nobody there after every attempt: the next request to that origin
	 * is not tried again this run. */
	if (attempts >= a->c->s.max_attempts && nothing_sent(a->c->curl, rc))
		es_http_unreachable_note(a->p->url, why);
	if (rc == CURLE_OK)
		return r; /* a status is an answer, even a failing one */
	if (o == OUT_NO_REPLY) {
		reset_response(r);
		return r; /* status 0: the plugin must look before resending */
	}
	es_http_response_free(r);
	return NULL;
}

static es_http_response *run(struct attempt_state *a)
{
	es_http_response *r = calloc(1, sizeof(*r));
	const struct es_http_settings *s = &a->c->s;
	char why[CURL_ERROR_SIZE + 128];

	if (!r) {
		es_http_error(a->hooks, NULL, "out of memory");
		return NULL;
	}
	CURLcode rc = CURLE_OK;
	enum outcome o = OUT_FAIL;

	for (uint32_t n = 1;; n++) {
		uint32_t wait;

		if (es_rate_limit_take(s->plugin, s->rate_limit_per_min,
		                       hook_cancelled, (void *)a->hooks) < 0) {
			if (n > 1) /* what the last attempt got stands */
				return give_up(a, r, rc, o, n - 1);
			es_http_error(a->hooks, &a->p->masks,
			              "%s %s: cancelled before sending",
			              a->req->method, es_http_shown_url(a->p));
			es_http_response_free(r);
			return NULL;
		}
		rc = attempt(a, r);
		o = classify(a->c->curl, rc, r->status, a->req->mutating);
		if (o == OUT_DONE && r->status >= 500)
			es_http_error(
			    a->hooks, &a->p->masks,
			    "%s %s: HTTP %ld; not resent: the request "
			    "changes state and may have been applied",
			    a->req->method, es_http_shown_url(a->p), r->status);
		if (o == OUT_DONE)
			return r;
		if (o != OUT_RETRY || n >= s->max_attempts)
			return give_up(a, r, rc, o, n);
		wait = backoff_ms(a->c, n, rc == CURLE_OK ? r : NULL);
		describe(a, rc, r, why, sizeof(why));
		es_http_log(a->hooks, &a->p->masks, ES_LOG_INFO,
		            "%s %s: %s; retrying in %u ms (attempt %u of %u)",
		            a->req->method, es_http_shown_url(a->p), why, wait,
		            n + 1, s->max_attempts);
		if (clock_sleep(a->c, wait, hook_cancelled, (void *)a->hooks) <
		    0)
			return give_up(a, r, rc, o, n);
	}
}

es_http_response *es_http_perform(struct es_http_client *c,
                                  const struct es_http_request *req,
                                  const struct es_http_hooks *hooks)
{
	static const struct es_http_hooks no_hooks;
	struct es_http_prepared p;
	struct attempt_state a = {0};
	char why[CURL_ERROR_SIZE + 128];
	es_http_response *r;

	if (!hooks)
		hooks = &no_hooks;
	if (!c || !req || !req->method || !req->url) {
		es_http_error(hooks, NULL, "malformed HTTP request");
		return NULL;
	}
	if (es_http_prepare(req, hooks, &p) < 0)
		return NULL;
	if (es_http_check_origin(c->s.plugin, req, hooks, &p) < 0) {
		if (hooks->refused)
			hooks->refused(hooks->ctx);
		es_http_prepared_free(&p);
		return NULL;
	}
	a.c = c;
	a.req = req;
	a.hooks = hooks;
	a.p = &p;
	a.trace.hooks = hooks;
	a.trace.masks = &p.masks;
	if (es_http_unreachable(p.url, why, sizeof(why))) {
		es_http_error(hooks, &p.masks,
		              "%s %s: not sent: nobody answered there earlier "
		              "in this run (%s)",
		              req->method, es_http_shown_url(&p), why);
		if (hooks->refused)
			hooks->refused(hooks->ctx);
		es_http_prepared_free(&p);
		return NULL;
	}
	/* No write is sent unless its intent is durable: a run killed after
	 * the send must find the intent and look the write up. */
	if (req->mutating && hooks->intent_begin) {
		a.intent =
		    hooks->intent_begin(hooks->ctx, req->method,
		                        es_http_shown_url(&p), req->intent);
		if (a.intent == 0) {
			es_http_error(hooks, &p.masks,
			              "%s %s: not sent: the state could not "
			              "journal its intent",
			              req->method, es_http_shown_url(&p));
			if (hooks->refused)
				hooks->refused(hooks->ctx);
			es_http_prepared_free(&p);
			return NULL;
		}
		a.journaled = 1;
	}
	r = run(&a);
	if (a.journaled && hooks->intent_end)
		hooks->intent_end(hooks->ctx, a.intent, r ? r->status : 0);
	/* Drop curl's pointers into `p` before freeing it. */
	curl_easy_reset(c->curl);
	es_http_prepared_free(&p);
	return r;
}
