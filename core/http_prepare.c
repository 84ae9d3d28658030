/*
 * Turning a plugin's es_http_request into something curl can send:
 * {{secret:NAME}} substitution (URL-encoded in the url, JSON-escaped in a
 * JSON body, raw elsewhere), the plain-http-only-to-loopback rule, the
 * sorted query SigV4 needs, headers, raw bodies and forms.
 *
 * Everything is checked before anything is sent: an unknown secret, a bad
 * URL or a header with a line break refuses the whole request.
 */
#include "http_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

#define SECRET_OPEN "{{secret:"
#define SECRET_CLOSE "}}"
#define MAX_SECRET_NAME 128

enum { ENC_RAW = 0, ENC_URL = 1, ENC_JSON = 2 };

void es_http_buf_put(struct es_http_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

char *es_http_buf_finish(struct es_http_buf *b)
{
	if (!b->oom && !b->p)
		es_http_buf_put(b, "", 0);
	if (b->oom) {
		/* NULL too: a caller's failure path frees b->p again. */
		free(b->p);
		b->p = NULL;
		return NULL;
	}
	return b->p;
}

static int unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

void es_http_buf_url_encoded(struct es_http_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[3] = {'%', hex[c >> 4], hex[c & 15]};

		if (unreserved(c))
			es_http_buf_put(b, (const char *)&s[i], 1);
		else
			es_http_buf_put(b, e, 3);
	}
}

static void put_json_escaped(struct es_http_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

		if (c == '"' || c == '\\') {
			es_http_buf_put(b, "\\", 1);
			es_http_buf_put(b, (const char *)&s[i], 1);
		} else if (c < 0x20 || c == 0x7f) {
			es_http_buf_put(b, e, 6);
		} else {
			es_http_buf_put(b, (const char *)&s[i], 1);
		}
	}
}

char *es_http_escape(const char *in)
{
	struct es_http_buf b = {0};

	if (!in)
		return NULL;
	es_http_buf_url_encoded(&b, in, strlen(in));
	return es_http_buf_finish(&b);
}

static void mask_add(struct es_http_masks *m, const char *v, size_t n)
{
	char *copy;

	if (!m || n == 0)
		return;
	for (size_t i = 0; i < m->n; i++)
		if (strlen(m->values[i]) == n &&
		    memcmp(m->values[i], v, n) == 0)
			return;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		char **p = realloc(m->values, cap * sizeof(*p));

		if (!p)
			return;
		m->values = p;
		m->cap = cap;
	}
	copy = strndup(v, n);
	if (copy)
		m->values[m->n++] = copy;
}

void es_http_masks_free(struct es_http_masks *m)
{
	for (size_t i = 0; i < m->n; i++) {
		es_wipe(m->values[i], strlen(m->values[i]));
		free(m->values[i]);
	}
	free(m->values);
	free(m->names.p);
	memset(m, 0, sizeof(*m));
}

/* Remember a secret raw, URL-encoded and JSON-escaped: a raw form value
 * is URL-encoded later by the form encoder, and traces show either. */
static void mask_add_forms(struct es_http_masks *m, const char *value)
{
	struct es_http_buf url = {0}, json = {0};
	size_t n = strlen(value);

	if (!m)
		return;
	mask_add(m, value, n);
	es_http_buf_url_encoded(&url, value, n);
	put_json_escaped(&json, value, n);
	if (!url.oom && url.p)
		mask_add(m, url.p, url.len);
	if (!json.oom && json.p)
		mask_add(m, json.p, json.len);
	if (url.p)
		es_wipe(url.p, url.len);
	if (json.p)
		es_wipe(json.p, json.len);
	free(url.p);
	free(json.p);
}

/* Count a substituted secret and keep its name, once (names hold no ','
 * or ' ', so a whole entry is one between ", " separators). */
static void name_add(struct es_http_masks *m, const char *name)
{
	size_t n = strlen(name);
	const char *all = m ? m->names.p : NULL;

	if (!m)
		return;
	m->substituted++;
	for (const char *at = all; at && (at = strstr(at, name)); at += n)
		if ((at == all || at[-1] == ' ') &&
		    (at[n] == ',' || at[n] == '\0'))
			return;
	if (m->names.len > 0)
		es_http_buf_put(&m->names, ", ", 2);
	es_http_buf_put(&m->names, name, n);
}

/* Append the secret's value in `encoding`. */
static void put_secret(struct es_http_buf *b, const char *value, int encoding,
                       struct es_http_masks *masks)
{
	size_t n = strlen(value);

	if (encoding == ENC_URL)
		es_http_buf_url_encoded(b, value, n);
	else if (encoding == ENC_JSON)
		put_json_escaped(b, value, n);
	else
		es_http_buf_put(b, value, n);
	mask_add_forms(masks, value);
}

/* A secret name: 1 to 128 of letters, digits, '_', '-', '.'. */
static int name_ok(const char *name, size_t n)
{
	if (n == 0 || n > MAX_SECRET_NAME)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_-.", name[i]))
			return 0;
	return 1;
}

char *es_http_substitute_n(const char *in, size_t len, int encoding,
                           const struct es_http_hooks *hooks,
                           struct es_http_masks *masks, const char **unknown,
                           size_t *unknown_len)
{
	const size_t open_len = strlen(SECRET_OPEN);
	struct es_http_buf b = {0};
	size_t i = 0;

	*unknown = NULL;
	*unknown_len = 0;
	while (i < len) {
		const char *at = memmem(in + i, len - i, SECRET_OPEN, open_len);
		const char *name, *end, *value = NULL;
		char key[MAX_SECRET_NAME + 1];

		if (!at) {
			es_http_buf_put(&b, in + i, len - i);
			break;
		}
		es_http_buf_put(&b, in + i, (size_t)(at - (in + i)));
		name = at + open_len;
		end = memmem(name, len - (size_t)(name - in), SECRET_CLOSE, 2);
		if (!end) { /* not a reference: keep the text as it is */
			es_http_buf_put(&b, at, len - (size_t)(at - in));
			break;
		}
		if (!name_ok(name, (size_t)(end - name))) {
			/* Not a reference: keep "{{secret:" and go on. */
			es_http_buf_put(&b, at, open_len);
			i = (size_t)(name - in);
			continue;
		}
		memcpy(key, name, (size_t)(end - name));
		key[end - name] = '\0';
		if (hooks && hooks->secret)
			value = hooks->secret(hooks->ctx, key);
		if (!value) {
			*unknown = name;
			*unknown_len = (size_t)(end - name);
			if (b.p) /* it may hold secrets substituted before */
				es_wipe(b.p, b.len);
			free(b.p);
			return NULL;
		}
		put_secret(&b, value, encoding, masks);
		name_add(masks, key);
		i = (size_t)(end + 2 - in);
	}
	return es_http_buf_finish(&b);
}

char *es_http_substitute(const char *in, int encoding,
                         const struct es_http_hooks *hooks,
                         const char **unknown, size_t *unknown_len)
{
	const char *u;
	size_t ulen;
	char *out;

	if (!in)
		return NULL;
	out = es_http_substitute_n(in, strlen(in), encoding, hooks, NULL, &u,
	                           &ulen);
	if (unknown)
		*unknown = u;
	if (unknown_len)
		*unknown_len = ulen;
	return out;
}

/* Substitute one field, or tell hooks->error which name is unknown. */
static char *substitute(const char *in, size_t len, int encoding,
                        const struct es_http_hooks *hooks,
                        struct es_http_prepared *p, const char *where)
{
	const char *unknown;
	size_t ulen;
	char *out = es_http_substitute_n(in, len, encoding, hooks, &p->masks,
	                                 &unknown, &ulen);

	if (!out && unknown) {
		int n = ulen > MAX_SECRET_NAME ? MAX_SECRET_NAME : (int)ulen;

		es_http_error(
		    hooks, &p->masks,
		    "request not sent: unknown secret \"%.*s\" in the %s", n,
		    unknown, where);
	} else if (!out) {
		es_http_error(hooks, &p->masks,
		              "request not sent: out of memory");
	}
	return out;
}

/* ---- headers, body, forms -------------------------------------------- */

static int header_ok(const char *name, const char *value)
{
	if (!name || !*name || !value || strpbrk(value, "\r\n"))
		return 0;
	for (const char *c = name; *c; c++)
		if (*c <= ' ' || *c == ':' || *c == 0x7f)
			return 0;
	return 1;
}

static int add_header(struct es_http_prepared *p, const char *name,
                      const char *value)
{
	size_t n = strlen(name) + strlen(value) + 3;
	char *line = malloc(n);
	struct curl_slist *l = NULL;

	if (line) {
		/* "Name;" is curl's way of sending a header with no value. */
		if (*value)
			snprintf(line, n, "%s: %s", name, value);
		else
			snprintf(line, n, "%s;", name);
		l = curl_slist_append(p->headers, line);
		es_wipe(line, n);
		free(line);
	}
	if (l)
		p->headers = l;
	return l ? 0 : -1;
}

static int prepare_headers(const struct es_http_request *req,
                           const struct es_http_hooks *hooks,
                           struct es_http_prepared *p)
{
	for (size_t i = 0; req->headers && i < req->n_headers; i++) {
		const struct es_http_header *h = &req->headers[i];
		char *v;
		int ok;

		/* curl 7.88 sends its own X-Amz-Date as well as ours, and AWS
		 * would sign the two joined: let curl's be the only one. */
		if (req->aws_sigv4 && h->name &&
		    strcasecmp(h->name, "X-Amz-Date") == 0)
			continue;
		v = h->value ? substitute(h->value, strlen(h->value), 0, hooks,
		                          p, "headers")
		             : NULL;
		ok = v && header_ok(h->name, v) &&
		     add_header(p, h->name, v) == 0;

		if (!ok && (v || !h->value))
			es_http_error(
			    hooks, &p->masks,
			    "%s %s: request not sent: bad header \"%s\"",
			    req->method, es_http_shown_url(p),
			    h->name ? h->name : "(null)");
		if (v)
			es_wipe(v, strlen(v));
		free(v);
		if (!ok)
			return -1;
	}
	if (req->content_type && req->form_kind == ES_FORM_NONE && req->body &&
	    (!header_ok("Content-Type", req->content_type) ||
	     add_header(p, "Content-Type", req->content_type) < 0))
		return -1;
	/* Waiting for "100 Continue" only adds a round trip, so drop curl's
	 * own Expect header ("Expect:" with nothing after the colon removes
	 * it; "Expect;" would send it empty, which some servers answer with
	 * 417). Not with SigV4: curl 7.88 signs the header list as given. */
	if (req->aws_sigv4)
		return 0;
	{
		struct curl_slist *l = curl_slist_append(p->headers, "Expect:");

		if (!l)
			return -1;
		p->headers = l;
	}
	return 0;
}

static int prepare_urlencoded(const struct es_http_request *req,
                              const struct es_http_hooks *hooks,
                              struct es_http_prepared *p)
{
	struct es_http_buf b = {0};

	for (size_t i = 0; i < req->n_form; i++) {
		const struct es_http_header *f = &req->form[i];
		char *v;

		if (!f->name || !f->value)
			goto bad;
		v = substitute(f->value, strlen(f->value), 0, hooks, p, "form");
		if (!v)
			goto fail;
		es_http_buf_put(&b, i ? "&" : "", i ? 1 : 0);
		es_http_buf_url_encoded(&b, f->name, strlen(f->name));
		es_http_buf_put(&b, "=", 1);
		es_http_buf_url_encoded(&b, v, strlen(v));
		es_wipe(v, strlen(v));
		free(v);
	}
	p->body_len = b.len;
	p->body = es_http_buf_finish(&b);
	if (p->body && add_header(p, "Content-Type",
	                          "application/x-www-form-urlencoded") == 0)
		return 0;
	goto fail;
bad:
	es_http_error(hooks, &p->masks,
	              "%s %s: request not sent: form field "
	              "without a name or value",
	              req->method, es_http_shown_url(p));
fail:
	free(b.p);
	return -1;
}

/* The values are substituted once; the mime is made for each attempt. */
static int prepare_multipart(const struct es_http_request *req,
                             const struct es_http_hooks *hooks,
                             struct es_http_prepared *p)
{
	/* + 1: calloc(0, ...) may be NULL, which is not out of memory. */
	p->form_values = calloc(req->n_form + 1, sizeof(*p->form_values));
	if (!p->form_values)
		return -1;
	for (size_t i = 0; i < req->n_form; i++) {
		const struct es_http_header *f = &req->form[i];

		if (!f->name || !f->value) {
			es_http_error(hooks, &p->masks,
			              "%s %s: request not sent: form field "
			              "without a name or value",
			              req->method, es_http_shown_url(p));
			return -1;
		}
		p->form_values[i] =
		    substitute(f->value, strlen(f->value), 0, hooks, p, "form");
		if (!p->form_values[i])
			return -1;
		p->n_form_values++;
	}
	return 0;
}

/* A mime curl has sent stays read to its end: a resend with it (curl
 * 7.88) announces the Content-Length, sends no body, and waits for a reply
 * until the timeout. */
int es_http_renew_mime(CURL *curl, const struct es_http_request *req,
                       struct es_http_prepared *p)
{
	curl_mime_free(p->mime);
	p->mime = NULL;
	if (req->form_kind != ES_FORM_MULTIPART)
		return 0;
	p->mime = curl_mime_init(curl);
	if (!p->mime)
		return -1;
	for (size_t i = 0; i < p->n_form_values; i++) {
		const char *v = p->form_values[i];
		curl_mimepart *part = curl_mime_addpart(p->mime);

		if (!part ||
		    curl_mime_name(part, req->form[i].name) != CURLE_OK ||
		    curl_mime_data(part, v, strlen(v)) != CURLE_OK)
			return -1;
	}
	return 0;
}

static int prepare_body(const struct es_http_request *req,
                        const struct es_http_hooks *hooks,
                        struct es_http_prepared *p)
{
	int enc = req->content_type && strcasestr(req->content_type, "json")
	              ? ENC_JSON
	              : ENC_RAW;

	if (req->form_kind == ES_FORM_URLENCODED ||
	    req->form_kind == ES_FORM_MULTIPART) {
		if (req->n_form > 0 && !req->form)
			return -1;
		return req->form_kind == ES_FORM_URLENCODED
		           ? prepare_urlencoded(req, hooks, p)
		           : prepare_multipart(req, hooks, p);
	}
	if (req->form_kind != ES_FORM_NONE) {
		es_http_error(hooks, &p->masks,
		              "%s %s: request not sent: "
		              "unknown form kind %d",
		              req->method, es_http_shown_url(p),
		              (int)req->form_kind);
		return -1;
	}
	if (!req->body)
		return 0;
	if (memchr(req->body, '\0', req->body_len)) {
		/* Binary body: sent as it is, without substitution. */
		p->body = malloc(req->body_len + 1);
		if (!p->body)
			return -1;
		memcpy(p->body, req->body, req->body_len);
		p->body[req->body_len] = '\0';
		p->body_len = req->body_len;
		return 0;
	}
	p->body = substitute(req->body, req->body_len, enc, hooks, p, "body");
	if (!p->body)
		return -1;
	p->body_len = strlen(p->body);
	return 0;
}

static int prepare_auth(const struct es_http_request *req,
                        const struct es_http_hooks *hooks,
                        struct es_http_prepared *p)
{
	if (req->basic_user) {
		p->user = substitute(req->basic_user, strlen(req->basic_user),
		                     0, hooks, p, "basic_user");
		if (!p->user)
			return -1;
	}
	if (req->basic_password) {
		p->password =
		    substitute(req->basic_password, strlen(req->basic_password),
		               0, hooks, p, "basic_password");
		if (!p->password)
			return -1;
	}
	if (req->aws_sigv4 && (!p->user || !p->password)) {
		es_http_error(hooks, &p->masks,
		              "%s %s: request not sent: "
		              "aws_sigv4 needs basic_user and basic_password",
		              req->method, es_http_shown_url(p));
		return -1;
	}
	return 0;
}

static int method_ok(const char *m)
{
	size_t n = strlen(m);

	if (n == 0 || n > 16)
		return 0;
	for (; *m; m++)
		if (*m < 'A' || *m > 'Z')
			return 0;
	return 1;
}

int es_http_prepare(const struct es_http_request *req,
                    const struct es_http_hooks *hooks,
                    struct es_http_prepared *p)
{
	memset(p, 0, sizeof(*p));
	p->masks.fields = req->secret_fields;
	if (!method_ok(req->method)) {
		es_http_error(hooks, NULL, "request not sent: bad method");
		return -1;
	}
	p->url =
	    substitute(req->url, strlen(req->url), ENC_URL, hooks, p, "url");
	if (!p->url)
		return -1;
	if (es_http_check_url(req, hooks, p) < 0 ||
	    prepare_auth(req, hooks, p) < 0 ||
	    prepare_headers(req, hooks, p) < 0 ||
	    prepare_body(req, hooks, p) < 0) {
		es_http_prepared_free(p);
		return -1;
	}
	return 0;
}

/* Masked on first use: most requests are never shown (no trace, no
 * error, not a write), and masking is a pass over every secret the run
 * holds. */
const char *es_http_shown_url(struct es_http_prepared *p)
{
	if (!p->shown_url)
		p->shown_url = es_http_mask(&p->masks, p->url, strlen(p->url));
	return p->shown_url ? p->shown_url : "(URL not shown: out of memory)";
}

void es_http_free_secret(char *s)
{
	if (s) {
		es_wipe(s, strlen(s));
		free(s);
	}
}

void es_http_prepared_free(struct es_http_prepared *p)
{
	es_http_free_secret(p->url);
	free(p->shown_url);
	curl_slist_free_all(p->headers);
	if (p->body) {
		es_wipe(p->body, p->body_len);
		free(p->body);
	}
	curl_mime_free(p->mime);
	for (size_t i = 0; i < p->n_form_values; i++)
		es_http_free_secret(p->form_values[i]);
	free(p->form_values);
	es_http_free_secret(p->user);
	es_http_free_secret(p->password);
	es_http_masks_free(&p->masks);
	memset(p, 0, sizeof(*p));
}
