/*
 * The mail service (mail.h): one SMTP dialogue through libcurl per call.
 *
 * The login check is libcurl's own SMTP sequence with no recipient and no
 * upload: connect, STARTTLS (CURLUSESSL_ALL: required) or implicit TLS,
 * EHLO, AUTH with the username and password, then the custom command NOOP
 * in place of a transfer, and QUIT when the connection closes (it is never
 * kept: CURLOPT_FORBID_REUSE). libcurl skips AUTH silently when the
 * server offers none, so the dialogue is watched through the debug
 * callback and a check passes only when the server said 235.
 *
 * The same watch tells which command a refusal answered (RCPT: relay
 * denied) and gives the trace, in which AUTH lines are never shown.
 */
#include "mail.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_internal.h"
#include "mail_message.h"

#define DEFAULT_TIMEOUT_MS 30000u
#define DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define REPLY_MAX 256

/* What the server said, as the debug callback saw it. */
struct dialogue {
	const struct es_http_hooks *hooks;
	const struct es_http_masks *masks;
	int trace;
	char last_verb[8]; /* of the last command sent: "RCPT" */
	int in_auth;       /* from AUTH to its final reply */
	int authenticated; /* the server said 235 */
	int auth_offered;  /* an EHLO line "AUTH ..." */
	long code;         /* the last final reply */
	/* The first refusal (4xx/5xx final reply): what it answered. */
	char failed_verb[8];
	long failed_code;
	char failed_reply[REPLY_MAX];
};

struct upload {
	const char *data;
	size_t len, at;
};

static size_t read_upload(char *buf, size_t size, size_t n, void *userp)
{
	struct upload *u = userp;
	size_t room = size * n, left = u->len - u->at;
	size_t take = left < room ? left : room;

	memcpy(buf, u->data + u->at, take);
	u->at += take;
	return take;
}

/* The operator's interrupt ends a call that waits on a slow server. */
static int on_progress(void *userp, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
	const struct es_http_hooks *h = userp;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return h->cancelled && h->cancelled(h->ctx);
}

static size_t discard(char *data, size_t size, size_t n, void *userp)
{
	(void)data;
	(void)userp;
	return size * n;
}

/* ---- watching the dialogue ------------------------------------------- */

static void sent_line(struct dialogue *d, const char *line, size_t len)
{
	size_t v = 0;

	if (d->in_auth) { /* an AUTH LOGIN continuation: credentials */
		if (d->trace)
			es_http_log(d->hooks, d->masks, ES_LOG_DEBUG,
			            "SMTP > ***");
		return;
	}
	while (v < len && v < sizeof(d->last_verb) - 1 &&
	       isalpha((unsigned char)line[v])) {
		d->last_verb[v] = (char)toupper((unsigned char)line[v]);
		v++;
	}
	d->last_verb[v] = '\0';
	d->in_auth = strcmp(d->last_verb, "AUTH") == 0;
	if (!d->trace)
		return;
	if (d->in_auth) /* the mechanism, never the initial response */
		es_http_log(d->hooks, d->masks, ES_LOG_DEBUG,
		            "SMTP > AUTH %.*s",
		            (int)strcspn(line + v + (v < len), " \r\n"),
		            line + v + (v < len));
	else
		es_http_log(d->hooks, d->masks, ES_LOG_DEBUG, "SMTP > %.*s",
		            (int)strcspn(line, "\r\n"), line);
}

static void got_line(struct dialogue *d, const char *line, size_t len)
{
	int final = len < 4 || line[3] != '-';
	long code;

	if (len < 3 || !isdigit((unsigned char)line[0]) ||
	    !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]))
		return;
	code = strtol(line, NULL, 10);
	if (d->trace)
		es_http_log(d->hooks, d->masks, ES_LOG_DEBUG, "SMTP < %.*s",
		            (int)len, line);
	if (len > 8 && strcmp(d->last_verb, "EHLO") == 0 &&
	    strncasecmp(line + 4, "AUTH", 4) == 0 &&
	    (line[8] == ' ' || line[8] == '='))
		d->auth_offered = 1;
	/* 334 asks for more AUTH; QUIT's reply says nothing of the call. */
	if (!final || code == 334 || strcmp(d->last_verb, "QUIT") == 0)
		return;
	d->code = code;
	if (d->in_auth) {
		d->in_auth = 0;
		d->authenticated = code == 235;
	}
	if (code >= 400 && d->failed_code == 0) {
		d->failed_code = code;
		snprintf(d->failed_verb, sizeof(d->failed_verb), "%s",
		         d->last_verb);
		snprintf(d->failed_reply, sizeof(d->failed_reply), "%.*s",
		         (int)len, line);
	}
}

static int on_debug(CURL *curl, curl_infotype type, char *data, size_t size,
                    void *userp)
{
	struct dialogue *d = userp;
	void (*each)(struct dialogue *, const char *, size_t);

	(void)curl;
	if (type == CURLINFO_HEADER_OUT)
		each = sent_line;
	else if (type == CURLINFO_HEADER_IN)
		each = got_line;
	else
		return 0; /* the message itself, TLS records, curl's notes */
	while (size > 0) {
		const char *nl = memchr(data, '\n', size);
		size_t n = nl ? (size_t)(nl - data) + 1 : size;
		size_t len = n;

		while (len > 0 &&
		       (data[len - 1] == '\n' || data[len - 1] == '\r'))
			len--;
		each(d, data, len);
		data += n;
		size -= n;
	}
	return 0;
}

/* ---- outcomes -------------------------------------------------------- */

static int tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return 1;
	default:
		return 0;
	}
}

static enum es_mail_result classify(CURLcode rc, const struct dialogue *d,
                                    int login_check, int credentials)
{
	if (rc == CURLE_OK)
		return login_check && credentials && !d->authenticated
		           ? ES_MAIL_AUTH_FAILED
		           : ES_MAIL_OK;
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
		return ES_MAIL_REFUSED;
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return ES_MAIL_TIMEOUT;
	if (tls_error(rc))
		return ES_MAIL_TLS_FAILED;
	if (rc == CURLE_LOGIN_DENIED || strcmp(d->failed_verb, "AUTH") == 0)
		return ES_MAIL_AUTH_FAILED;
	if (d->failed_code >= 500 && (strcmp(d->failed_verb, "MAIL") == 0 ||
	                              strcmp(d->failed_verb, "RCPT") == 0))
		return ES_MAIL_REJECTED;
	return ES_MAIL_FAILED;
}

static void explain(const struct es_mail_hooks *hooks,
                    const struct es_http_masks *m, const char *server,
                    enum es_mail_result res, CURLcode rc,
                    const struct dialogue *d, const char *errbuf,
                    uint32_t timeout_ms)
{
	const struct es_http_hooks *h = hooks->http;
	const char *why = errbuf && *errbuf ? errbuf : curl_easy_strerror(rc);

	switch (res) {
	case ES_MAIL_OK:
	case ES_MAIL_NOT_SENT:
		return;
	case ES_MAIL_REFUSED:
		es_http_error(h, m, "%s: cannot connect: %s", server, why);
		return;
	case ES_MAIL_TLS_FAILED:
		es_http_error(h, m,
		              "%s: TLS failed: %s (TLS is required; is ca_file "
		              "the CA that signed the server's certificate?)",
		              server, why);
		return;
	case ES_MAIL_AUTH_FAILED:
		if (d->failed_code)
			es_http_error(h, m, "%s: login refused: %s", server,
			              d->failed_reply);
		else if (rc != CURLE_OK)
			es_http_error(h, m, "%s: login refused: %s", server,
			              why);
		else
			es_http_error(h, m,
			              "%s: the server %s, so the login could "
			              "not be checked",
			              server,
			              d->auth_offered ? "did not complete AUTH"
			                              : "offered no AUTH");
		return;
	case ES_MAIL_REJECTED:
		es_http_error(h, m, "%s: %s refused: %s", server,
		              strcmp(d->failed_verb, "RCPT") == 0
		                  ? "the recipient (RCPT TO)"
		                  : "the sender (MAIL FROM)",
		              d->failed_reply);
		return;
	case ES_MAIL_TIMEOUT:
		es_http_error(h, m, "%s: no answer within %u ms: %s", server,
		              timeout_ms, why);
		return;
	case ES_MAIL_FAILED:
		if (rc == CURLE_ABORTED_BY_CALLBACK)
			why = "cancelled by the operator";
		es_http_error(h, m, "%s: %s%s%s", server, why,
		              d->failed_code ? "; the server said: " : "",
		              d->failed_code ? d->failed_reply : "");
		return;
	}
}

/* ---- the call -------------------------------------------------------- */

struct mail_call {
	const struct es_mail_settings *s;
	const struct es_mail_server *server;
	const struct es_mail_message *msg;
	const struct es_mail_hooks *hooks;
	struct es_mail_prepared p;
	struct dialogue d;
	char errbuf[CURL_ERROR_SIZE];
	uint32_t timeout_ms;
};

static CURLcode perform(struct mail_call *c, struct curl_slist *rcpt,
                        struct upload *up)
{
	CURL *curl = curl_easy_init();
	uint32_t conn = c->s->connect_timeout_ms ? c->s->connect_timeout_ms
	                                         : DEFAULT_CONNECT_TIMEOUT_MS;
	CURLcode rc;

	if (!curl)
		return CURLE_OUT_OF_MEMORY;
	if (conn > c->timeout_ms)
		conn = c->timeout_ms;
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(curl, CURLOPT_URL, c->p.url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->s->ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->s->ca_file);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)conn);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	/* Closing after the call is what sends QUIT. */
	curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
	if (c->p.user)
		curl_easy_setopt(curl, CURLOPT_USERNAME, c->p.user);
	if (c->p.password)
		curl_easy_setopt(curl, CURLOPT_PASSWORD, c->p.password);
	curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &c->d);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, (void *)c->hooks->http);
	if (up) {
		curl_easy_setopt(curl, CURLOPT_MAIL_FROM, c->p.mail_from);
		curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
		curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
		curl_easy_setopt(curl, CURLOPT_READDATA, up);
		curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
		                 (curl_off_t)up->len);
	} else {
		/* No recipient, no upload: after AUTH, one NOOP. */
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "NOOP");
	}
	rc = curl_easy_perform(curl);
	curl_easy_cleanup(curl);
	return rc;
}

/* -1 when refused before connecting; otherwise *rc is curl's result. */
static int send_message(struct mail_call *c, CURLcode *rc)
{
	const struct es_http_hooks *h = c->hooks->http;
	struct curl_slist *rcpt = curl_slist_append(NULL, c->p.rcpt_to);
	struct upload up = {c->p.message, c->p.message_len, 0};
	uint64_t intent = 0;

	if (!rcpt)
		return -1;
	if (h->intent_begin) {
		intent = h->intent_begin(h->ctx, "SMTP", c->p.shown_url,
		                         c->msg->intent);
		if (intent == 0) {
			es_http_error(h, &c->p.masks,
			              "%s: not sent: the state could not "
			              "journal its intent",
			              c->p.shown_server);
			curl_slist_free_all(rcpt);
			return -1;
		}
	}
	*rc = perform(c, rcpt, &up);
	/* The last reply, or 0 when none came: the message may be gone. */
	if (intent && h->intent_end)
		h->intent_end(h->ctx, intent, c->d.code);
	curl_slist_free_all(rcpt);
	return 0;
}

enum es_mail_result es_mail_perform(const struct es_mail_settings *s,
                                    const struct es_mail_server *server,
                                    const struct es_mail_message *msg,
                                    const struct es_mail_hooks *hooks)
{
	struct mail_call c = {0};
	enum es_mail_result res;
	CURLcode rc;

	c.s = s;
	c.server = server;
	c.msg = msg;
	c.hooks = hooks;
	if (es_mail_prepare(server, msg, hooks, s->plugin, &c.p) < 0)
		return ES_MAIL_NOT_SENT;
	c.timeout_ms = server->timeout_ms ? server->timeout_ms
	               : s->timeout_ms    ? s->timeout_ms
	                                  : DEFAULT_TIMEOUT_MS;
	c.d.hooks = hooks->http;
	c.d.masks = &c.p.masks;
	c.d.trace = s->trace;
	if (!msg) {
		rc = perform(&c, NULL, NULL);
	} else if (send_message(&c, &rc) < 0) {
		es_mail_prepared_free(&c.p);
		return ES_MAIL_NOT_SENT;
	}
	res = classify(rc, &c.d, msg == NULL, c.p.user || c.p.password);
	explain(hooks, &c.p.masks, c.p.shown_server, res, rc, &c.d, c.errbuf,
	        c.timeout_ms);
	if (res == ES_MAIL_OK && s->trace)
		es_http_log(hooks->http, &c.p.masks, ES_LOG_DEBUG, "%s: %s",
		            c.p.shown_server,
		            msg ? "message sent" : "login accepted");
	es_mail_prepared_free(&c.p);
	return res;
}
