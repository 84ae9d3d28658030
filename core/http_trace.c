/*
 * What the HTTP service writes about a request: errors, retry notes and,
 * with settings.trace, the request and response headers and the first
 * 2 KiB of each body. Every line is masked here (the secrets this request
 * substituted, credential headers, the values of secret JSON members, XML
 * elements and query parameters) and then passed through es_redact()
 * before it leaves. A field is secret when the request names it
 * (secret_fields), when it is a well-known credential, or when its name
 * looks like one: a reply carries secrets nothing has registered yet (an
 * STS session is remembered only after its reply was traced).
 */
#include "http_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

#define MASK "***"

/* Always masked, however the word list below may be tuned. */
static const char *const well_known_fields[] = {
    "SecretAccessKey", "SessionToken",
    "access_token",    "refresh_token",
    "id_token",        "client_secret",
    "password",        "api_key",
    "apiKey",          NULL,
};

/* Substrings of header, field and parameter names that carry secrets. */
static const char *const sensitive_words[] = {
    "auth", "key",    "token",     "secret",     "passw",
    "pwd",  "cookie", "signature", "credential", "session",
};

int es_http_sensitive_name(const char *name, size_t len)
{
	char low[128];

	if (len >= sizeof(low))
		len = sizeof(low) - 1;
	for (size_t i = 0; i < len; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[len] = '\0';
	for (size_t i = 0;
	     i < sizeof(sensitive_words) / sizeof(*sensitive_words); i++)
		if (strstr(low, sensitive_words[i]))
			return 1;
	return 0;
}

/* Names compare without case: "Password" is as secret as "password". */
static int in_list(const char *name, size_t len, const char *const *list)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strlen(list[i]) == len &&
		    strncasecmp(list[i], name, len) == 0)
			return 1;
	return 0;
}

/* A JSON member or XML element whose value is masked; `fields` is the
 * request's secret_fields (nullable, NULL-terminated). */
static int secret_field(const char *name, size_t len, const char *const *fields)
{
	return len > 0 && (in_list(name, len, fields) ||
	                   in_list(name, len, well_known_fields) ||
	                   es_http_sensitive_name(name, len));
}

/* Replace every occurrence of `v` in `s` with MASK; returns the new
 * string (s freed) or NULL when out of memory. */
static char *replace_all(char *s, const char *v)
{
	size_t vlen = strlen(v), n = 0, len = strlen(s);
	char *at, *out, *w;
	const char *r;

	for (at = strstr(s, v); at; at = strstr(at + vlen, v))
		n++;
	if (n == 0)
		return s;
	out = malloc(len - n * vlen + n * strlen(MASK) + 1);
	if (!out) {
		free(s);
		return NULL;
	}
	for (r = s, w = out; (at = strstr(r, v)) != NULL; r = at + vlen) {
		memcpy(w, r, (size_t)(at - r));
		w += at - r;
		memcpy(w, MASK, strlen(MASK));
		w += strlen(MASK);
	}
	strcpy(w, r);
	es_wipe(s, len);
	free(s);
	return out;
}

/* Mask the longest values first, so a value containing another is not
 * left half visible. */
static char *mask_values(char *s, const struct es_http_masks *m)
{
	int *done;

	if (!m || m->n == 0)
		return s;
	done = calloc(m->n, sizeof(*done));
	if (!done) {
		free(s);
		return NULL;
	}
	for (size_t k = 0; k < m->n && s; k++) {
		size_t best = m->n;

		for (size_t i = 0; i < m->n; i++)
			if (!done[i] &&
			    (best == m->n ||
			     strlen(m->values[i]) > strlen(m->values[best])))
				best = i;
		done[best] = 1;
		s = replace_all(s, m->values[best]);
	}
	free(done);
	return s;
}

static void put_mask(char *out, size_t *w)
{
	memcpy(out + *w, MASK, strlen(MASK));
	*w += strlen(MASK);
}

/* "name": "value" with a secret name: value becomes ***. */
static size_t json_field(const char *s, size_t i, const char *const *fields,
                         char *out, size_t *w)
{
	size_t name_end, j;

	if (s[i] != '"')
		return 0;
	for (name_end = i + 1; s[name_end] && s[name_end] != '"'; name_end++)
		if (s[name_end] == '\\' && s[name_end + 1])
			name_end++;
	if (s[name_end] != '"' ||
	    !secret_field(s + i + 1, name_end - i - 1, fields))
		return 0;
	for (j = name_end + 1; s[j] == ' ' || s[j] == '\t'; j++)
		;
	if (s[j] != ':')
		return 0;
	for (j++; s[j] == ' ' || s[j] == '\t' || s[j] == '\n'; j++)
		;
	if (s[j] != '"')
		return 0;
	memcpy(out + *w, s + i, j + 1 - i);
	*w += j + 1 - i;
	for (j++; s[j] && s[j] != '"'; j++)
		if (s[j] == '\\' && s[j + 1])
			j++;
	put_mask(out, w);
	return j - i; /* the closing quote is copied by the caller */
}

static int xml_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' ||
	       c == ':';
}

/* <Name attr="v">text</Name> with a secret name (a namespace prefix
 * aside): the text, or a CDATA section, becomes ***. An element holding
 * elements is not masked whole: its children are looked at in turn. */
static size_t xml_element(const char *s, size_t i, const char *const *fields,
                          char *out, size_t *w)
{
	size_t name = i + 1, name_end, local, j;

	if (s[i] != '<')
		return 0;
	for (name_end = name; xml_name_char(s[name_end]); name_end++)
		;
	for (local = name_end; local > name && s[local - 1] != ':'; local--)
		;
	if (!secret_field(s + local, name_end - local, fields))
		return 0;
	for (j = name_end; s[j] && s[j] != '>'; j++) {
		if (s[j] == '"' || s[j] == '\'') {
			const char *q = strchr(s + j + 1, s[j]);

			if (!q)
				return 0;
			j = (size_t)(q - s);
		}
	}
	if (s[j] != '>' || s[j - 1] == '/')
		return 0;
	j++;
	if (strncmp(s + j, "<![CDATA[", 9) == 0) {
		const char *end = strstr(s + j + 9, "]]>");

		memcpy(out + *w, s + i, j + 9 - i);
		*w += j + 9 - i;
		put_mask(out, w);
		return end ? (size_t)(end - s) - i : strlen(s + i);
	}
	if (s[j] == '<' || s[j] == '\0')
		return 0;
	memcpy(out + *w, s + i, j - i);
	*w += j - i;
	put_mask(out, w);
	while (s[j] && s[j] != '<')
		j++;
	return j - i;
}

/* ?name=value or &name=value with a secret-looking name. */
static size_t query_param(const char *s, size_t i, char *out, size_t *w)
{
	size_t name = i + 1, eq, j;

	if ((s[i] != '?' && s[i] != '&') || !s[name])
		return 0;
	for (eq = name; s[eq] && !strchr("=&# \r\n", s[eq]); eq++)
		;
	if (s[eq] != '=' || !es_http_sensitive_name(s + name, eq - name))
		return 0;
	memcpy(out + *w, s + i, eq + 1 - i);
	*w += eq + 1 - i;
	for (j = eq + 1; s[j] && !strchr("&# \r\n", s[j]); j++)
		;
	put_mask(out, w);
	return j - i;
}

static char *mask_fields(char *s, const char *const *fields)
{
	size_t len = strlen(s), w = 0;
	/* A mask adds at most 3 bytes where it consumed 3 or more ("<a>",
	 * "&a=", "\"a\":\""), so twice the text bounds the result. */
	char *out = malloc(len * 2 + 4);

	if (!out) {
		free(s);
		return NULL;
	}
	for (size_t i = 0; i < len;) {
		size_t used = json_field(s, i, fields, out, &w);

		if (!used)
			used = xml_element(s, i, fields, out, &w);
		if (!used)
			used = query_param(s, i, out, &w);
		if (used) {
			i += used;
			continue;
		}
		out[w++] = s[i++];
	}
	out[w] = '\0';
	es_wipe(s, len);
	free(s);
	return out;
}

char *es_http_mask(const struct es_http_masks *m, const char *text, size_t len)
{
	char *s = malloc(len + 1), *r;

	if (!s)
		return NULL;
	/* One log entry stays one line: control bytes become ' ' or '.'. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		else if (c < 0x20 || c == 0x7f)
			c = '.';
		s[i] = (char)c;
	}
	s[len] = '\0';
	s = mask_values(s, m);
	if (s)
		s = mask_fields(s, m ? m->fields : NULL);
	if (!s)
		return NULL;
	r = es_redact(s);
	es_wipe(s, strlen(s));
	free(s);
	return r;
}

static char *format(const struct es_http_masks *m, const char *fmt, va_list ap)
{
	char *raw = NULL, *out;
	int n = vasprintf(&raw, fmt, ap);

	if (n < 0)
		return NULL;
	out = es_http_mask(m, raw, (size_t)n);
	es_wipe(raw, (size_t)n);
	free(raw);
	return out;
}

void es_http_error(const struct es_http_hooks *hooks,
                   const struct es_http_masks *m, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!hooks || !hooks->error)
		return;
	va_start(ap, fmt);
	msg = format(m, fmt, ap);
	va_end(ap);
	hooks->error(hooks->ctx, msg ? msg : "HTTP request failed");
	free(msg);
}

void es_http_log(const struct es_http_hooks *hooks,
                 const struct es_http_masks *m, enum es_log_level level,
                 const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!hooks || !hooks->log)
		return;
	va_start(ap, fmt);
	msg = format(m, fmt, ap);
	va_end(ap);
	if (msg)
		hooks->log(hooks->ctx, level, msg);
	free(msg);
}

/* One header line; credential headers keep their name only. */
static void trace_header(struct es_http_trace *t, char dir, const char *line,
                         size_t len)
{
	const char *colon = memchr(line, ':', len);

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	if (len == 0)
		return;
	if (colon && es_http_sensitive_name(line, (size_t)(colon - line)))
		es_http_log(t->hooks, t->masks, ES_LOG_DEBUG, "%c %.*s: " MASK,
		            dir, (int)(colon - line), line);
	else
		es_http_log(t->hooks, t->masks, ES_LOG_DEBUG, "%c %.*s", dir,
		            (int)len, line);
}

static void keep(char *dst, size_t *dst_len, size_t *total, const char *data,
                 size_t size)
{
	size_t room = ES_HTTP_TRACE_BODY - *dst_len;
	size_t n = size < room ? size : room;

	memcpy(dst + *dst_len, data, n);
	*dst_len += n;
	*total += size;
}

int es_http_trace_cb(CURL *curl, curl_infotype type, char *data, size_t size,
                     void *userp)
{
	struct es_http_trace *t = userp;
	size_t i = 0;

	(void)curl;
	switch (type) {
	case CURLINFO_HEADER_OUT: /* the whole block at once */
		while (i < size) {
			const char *nl = memchr(data + i, '\n', size - i);
			size_t n =
			    nl ? (size_t)(nl - (data + i)) + 1 : size - i;

			trace_header(t, '>', data + i, n);
			i += n;
		}
		break;
	case CURLINFO_HEADER_IN: /* one line per call */
		trace_header(t, '<', data, size);
		break;
	case CURLINFO_DATA_OUT:
		keep(t->sent, &t->sent_len, &t->sent_total, data, size);
		break;
	case CURLINFO_DATA_IN:
		keep(t->got, &t->got_len, &t->got_total, data, size);
		break;
	default:
		break;
	}
	return 0;
}

static int word_end(char c)
{
	return isspace((unsigned char)c) || strchr("\"'<>&=,;{}[]()", c);
}

/* A body cut at the trace limit may end inside a secret, where no mask
 * would match: drop a tail that begins one of the values to mask, and
 * the cut word, which may begin a secret es_redact() holds. */
static size_t safe_cut(const struct es_http_masks *m, const char *data,
                       size_t len)
{
	for (size_t i = 0; m && i < m->n; i++) {
		size_t vlen = strlen(m->values[i]);

		for (size_t k = vlen - 1 < len ? vlen - 1 : len; k > 0; k--) {
			if (memcmp(data + len - k, m->values[i], k) == 0) {
				len -= k;
				break;
			}
		}
	}
	while (len > 0 && !word_end(data[len - 1]))
		len--;
	return len;
}

static void trace_body(struct es_http_trace *t, char dir, const char *data,
                       size_t len, size_t total)
{
	char *shown;

	if (total == 0 || !t->hooks || !t->hooks->log)
		return;
	if (total > len)
		len = safe_cut(t->masks, data, len);
	shown = es_http_mask(t->masks, data, len);
	if (shown)
		es_http_log(t->hooks, NULL, ES_LOG_DEBUG,
		            "%c body (%zu bytes%s): %s", dir, total,
		            total > len ? ", start shown" : "", shown);
	free(shown);
}

void es_http_trace_flush(struct es_http_trace *t)
{
	trace_body(t, '>', t->sent, t->sent_len, t->sent_total);
	trace_body(t, '<', t->got, t->got_len, t->got_total);
	es_wipe(t->sent, sizeof(t->sent));
	es_wipe(t->got, sizeof(t->got));
	t->sent_len = t->sent_total = 0;
	t->got_len = t->got_total = 0;
}
