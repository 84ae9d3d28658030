/*
 * Internals shared by the HTTP service's files: http.c (client, retries,
 * responses), http_prepare.c (secret substitution and request building)
 * and http_trace.c (masking and traces). Not part of any contract.
 */
#ifndef ENVSETUP_CORE_HTTP_INTERNAL_H
#define ENVSETUP_CORE_HTTP_INTERNAL_H

#include <curl/curl.h>
#include <stddef.h>

#include "http.h"

/* A growing string; on allocation failure `oom` is set and later puts
 * do nothing, so callers check once, at finish (NULL then). */
struct es_http_buf {
	char *p;
	size_t len, cap;
	int oom;
};

/* Values substituted for {{secret:NAME}} in one request, raw and as
 * encoded, and the names of the reply fields it holds secret, masked in
 * every line this request makes us write; and which secrets it carries,
 * for the origin rule. */
struct es_http_masks {
	char **values;
	size_t n, cap;
	const char *const *fields; /* nullable: the request's secret_fields */
	size_t substituted;        /* {{secret:NAME}} references replaced */
	struct es_http_buf names;  /* their names, ", "-joined, once each */
};

/* A request with secrets substituted and everything checked, ready to be
 * attempted any number of times. */
struct es_http_prepared {
	char *url;       /* substituted; query sorted for SigV4 */
	char *shown_url; /* es_http_shown_url: NULL until first shown */
	struct curl_slist *headers;
	char *body; /* nullable; raw body or encoded form */
	size_t body_len;
	char **form_values; /* multipart: substituted, as req->form */
	size_t n_form_values;
	curl_mime *mime; /* nullable; multipart form, es_http_renew_mime */
	char *user;      /* nullable; basic user or access key id */
	char *password;  /* nullable */
	struct es_http_masks masks;
};

/* 0, or -1 with the reason sent to hooks->error (nothing was sent). */
int es_http_prepare(const struct es_http_request *req,
                    const struct es_http_hooks *hooks,
                    struct es_http_prepared *out);
/* Before every attempt: a new p->mime for a multipart request (freeing
 * the last one), none otherwise. 0, or -1 when out of memory. */
int es_http_renew_mime(CURL *curl, const struct es_http_request *req,
                       struct es_http_prepared *p);
void es_http_prepared_free(struct es_http_prepared *p);
/* The URL masked and redacted, for logs, the journal and errors. */
const char *es_http_shown_url(struct es_http_prepared *p);
/* Wipe and free a string that may hold a secret (NULL is fine). */
void es_http_free_secret(char *s);

void es_http_buf_put(struct es_http_buf *b, const char *s, size_t n);
/* Percent-encoding with upper-case hex, as RFC 3986 and SigV4 want:
 * everything but letters, digits and "-_.~". */
void es_http_buf_url_encoded(struct es_http_buf *b, const char *s, size_t n);
/* The string (malloc'd; "" when nothing was put) or NULL if out of memory. */
char *es_http_buf_finish(struct es_http_buf *b);

/* Check p->url (absolute http(s); plain http only to loopback) and
 * rewrite it for curl, with the query sorted when the request uses SigV4.
 * 0, or -1 with the reason sent to hooks->error. */
int es_http_check_url(const struct es_http_request *req,
                      const struct es_http_hooks *hooks,
                      struct es_http_prepared *p);

/* The origin of an absolute http(s) URL as "scheme://host:port", found
 * by curl's URL API, with the port always written and the host in lower
 * case (malloc'd); NULL when `url` has none. */
char *es_http_origin(const char *url);

/* http_unreachable.c: origins nobody answered at during this run. Note
 * `url`'s origin with the reason; 1 (and the reason) when it was noted;
 * forget them all (es_http_global_cleanup). */
void es_http_unreachable_note(const char *url, const char *why);
int es_http_unreachable(const char *url, char *why, size_t len);
void es_http_unreachable_forget(void);

/* When the prepared request carries credentials ({{secret:NAME}}, basic
 * or SigV4), its origin must be the origin of one of hooks->url_key's
 * values. 0, or -1 with the reason, naming `plugin`, sent to
 * hooks->error. */
int es_http_check_origin(const char *plugin, const struct es_http_request *req,
                         const struct es_http_hooks *hooks,
                         struct es_http_prepared *p);

/* es_http_substitute over `len` bytes, recording what it substituted. */
char *es_http_substitute_n(const char *in, size_t len, int encoding,
                           const struct es_http_hooks *hooks,
                           struct es_http_masks *masks, const char **unknown,
                           size_t *unknown_len);

/* A copy of `text` with the masks, the values of secret query parameters,
 * JSON members and XML elements (m->fields, the well-known credential
 * names and secret-looking names), and every registered secret
 * (es_redact) replaced by "***". `m` is nullable. Never NULL unless out
 * of memory. */
char *es_http_mask(const struct es_http_masks *m, const char *text, size_t len);
void es_http_masks_free(struct es_http_masks *m);

/* Masked, redacted line to hooks->error or hooks->log. */
void es_http_error(const struct es_http_hooks *hooks,
                   const struct es_http_masks *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void es_http_log(const struct es_http_hooks *hooks,
                 const struct es_http_masks *m, enum es_log_level level,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Trace of one attempt (settings.trace): curl's debug callback collects
 * headers and the first bytes of each body; flush logs the bodies. */
#define ES_HTTP_TRACE_BODY 2048
struct es_http_trace {
	const struct es_http_hooks *hooks;
	const struct es_http_masks *masks;
	char sent[ES_HTTP_TRACE_BODY];
	size_t sent_len, sent_total;
	char got[ES_HTTP_TRACE_BODY];
	size_t got_len, got_total;
};

int es_http_trace_cb(CURL *curl, curl_infotype type, char *data, size_t size,
                     void *userp);
void es_http_trace_flush(struct es_http_trace *t);

/* 1 when a header of this name carries credentials (Authorization,
 * X-Api-Key, Cookie and the like). */
int es_http_sensitive_name(const char *name, size_t len);

#endif
