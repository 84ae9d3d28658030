/*
 * Request helpers for the fakes: headers, query parameters, form fields
 * (urlencoded and multipart), JSON bodies and HTTP authentication.
 * Everything is parsed lazily from the raw request the server collected,
 * and lives until the server frees the request after the handler.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "sandbox.h"

struct sb_field {
	char *name;
	char *value;
};

struct sb_fields {
	struct sb_field *items;
	size_t n;
	size_t cap;
};

struct sb_request_impl {
	struct MHD_Connection *conn;
	char *raw_query;
	struct sb_fields query;
	struct sb_fields form;
	int form_parsed;
	cJSON *json;
	int json_parsed;
	char *basic_user; /* "user\0password", one allocation */
	char *basic_password;
	int basic_parsed;
};

/* Used by sandbox.c, which builds and frees requests. */
void *sb_request_impl_new(struct MHD_Connection *conn, const char *raw_query);
void sb_request_impl_free(void *impl);
cJSON *sb_request_to_json(const struct sb_request *req);
cJSON *sb_json_text(const char *s);

static int fields_add(struct sb_fields *f, const char *name, size_t name_len,
                      const char *value, size_t value_len)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct sb_field *items =
		    realloc(f->items, cap * sizeof(*items));
		if (!items)
			return -1;
		f->items = items;
		f->cap = cap;
	}
	char *n = strndup(name, name_len);
	char *v = malloc(value_len + 1);
	if (!n || !v) {
		free(n);
		free(v);
		return -1;
	}
	memcpy(v, value, value_len);
	v[value_len] = '\0';
	f->items[f->n].name = n;
	f->items[f->n].value = v;
	f->n++;
	return 0;
}

static void fields_free(struct sb_fields *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->items[i].name);
		free(f->items[i].value);
	}
	free(f->items);
	memset(f, 0, sizeof(*f));
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes %XX and '+' in place; returns the new length. A malformed
 * escape is kept as it is, as browsers and most servers do. */
static size_t url_decode(char *s, size_t len)
{
	size_t out = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			s[out++] = ' ';
		} else if (s[i] == '%' && i + 2 < len &&
		           hex_value((unsigned char)s[i + 1]) >= 0 &&
		           hex_value((unsigned char)s[i + 2]) >= 0) {
			s[out++] =
			    (char)(hex_value((unsigned char)s[i + 1]) * 16 +
			           hex_value((unsigned char)s[i + 2]));
			i += 2;
		} else {
			s[out++] = s[i];
		}
	}
	return out;
}

/* Parses "a=1&b=2" (query strings and urlencoded bodies). */
static int parse_urlencoded(struct sb_fields *f, const char *data, size_t len)
{
	size_t start = 0;
	while (start < len) {
		const char *amp = memchr(data + start, '&', len - start);
		size_t end = amp ? (size_t)(amp - data) : len;
		if (end > start) {
			/* Not strndup: a NUL inside the body must not make
			 * the copy shorter than plen. */
			size_t plen = end - start;
			char *pair = malloc(plen + 1);
			if (!pair)
				return -1;
			memcpy(pair, data + start, plen);
			pair[plen] = '\0';
			char *eq = memchr(pair, '=', plen);
			size_t nlen = eq ? (size_t)(eq - pair) : plen;
			size_t vlen = eq ? plen - nlen - 1 : 0;
			nlen = url_decode(pair, nlen);
			vlen = eq ? url_decode(eq + 1, vlen) : 0;
			int rc =
			    fields_add(f, pair, nlen, eq ? eq + 1 : "", vlen);
			free(pair);
			if (rc < 0)
				return -1;
		}
		start = end + 1;
	}
	return 0;
}

static const void *find_bytes(const void *hay, size_t hay_len,
                              const void *needle, size_t needle_len)
{
	if (needle_len == 0 || hay_len < needle_len)
		return NULL;
	return memmem(hay, hay_len, needle, needle_len);
}

/* The value of a `key=value` or `key="value"` parameter inside a header
 * value such as Content-Type or Content-Disposition, copied into out. */
static int header_param(const char *header, size_t header_len, const char *key,
                        char *out, size_t out_len)
{
	size_t key_len = strlen(key);
	for (size_t i = 0; i + key_len + 1 <= header_len; i++) {
		if (i > 0 && header[i - 1] != ';' && header[i - 1] != ' ' &&
		    header[i - 1] != '\t')
			continue;
		if (strncasecmp(header + i, key, key_len) != 0 ||
		    header[i + key_len] != '=')
			continue;
		const char *v = header + i + key_len + 1;
		size_t left = header_len - (size_t)(v - header), n = 0;
		int quoted = left > 0 && *v == '"';
		if (quoted) {
			v++;
			left--;
		}
		while (n < left && (quoted ? v[n] != '"'
		                           : (v[n] != ';' && v[n] != ' ' &&
		                              v[n] != '\r' && v[n] != '\n')))
			n++;
		if (n == 0 || n >= out_len)
			return -1;
		memcpy(out, v, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

/* One part: headers, a blank line, the value. Parts without a name
 * (or with broken headers) are skipped rather than failing the body. */
static int parse_part(struct sb_fields *f, const char *part, size_t len)
{
	const char *sep = find_bytes(part, len, "\r\n\r\n", 4);
	if (!sep)
		return 0;
	size_t head_len = (size_t)(sep - part);
	const char *value = sep + 4;
	size_t value_len = len - head_len - 4;
	char name[256];
	const char *line = part;
	while (line < part + head_len) {
		const char *eol = find_bytes(
		    line, (size_t)(part + head_len - line), "\r\n", 2);
		size_t line_len = eol ? (size_t)(eol - line)
		                      : (size_t)(part + head_len - line);
		static const char cd[] = "Content-Disposition:";
		if (line_len > sizeof(cd) - 1 &&
		    strncasecmp(line, cd, sizeof(cd) - 1) == 0 &&
		    header_param(line, line_len, "name", name, sizeof(name)) ==
		        0)
			return fields_add(f, name, strlen(name), value,
			                  value_len);
		line += line_len + 2;
	}
	return 0;
}

static int parse_multipart(struct sb_fields *f, const char *content_type,
                           const char *body, size_t len)
{
	char boundary[200] = "--";
	if (header_param(content_type, strlen(content_type), "boundary",
	                 boundary + 2, sizeof(boundary) - 2) < 0)
		return 0;
	size_t blen = strlen(boundary);
	const char *p = find_bytes(body, len, boundary, blen);
	while (p) {
		p += blen;
		size_t left = len - (size_t)(p - body);
		if (left >= 2 && p[0] == '-' && p[1] == '-')
			break; /* closing delimiter */
		if (left < 2 || p[0] != '\r' || p[1] != '\n')
			break;
		p += 2;
		left -= 2;
		const char *next = NULL;
		for (const char *q = p; q && q < body + len;) {
			q = find_bytes(q, len - (size_t)(q - body), boundary,
			               blen);
			if (q && q >= p + 2 && q[-2] == '\r' && q[-1] == '\n') {
				next = q;
				break;
			}
			if (q)
				q++;
		}
		if (!next)
			break; /* truncated body: keep what parsed so far */
		if (parse_part(f, p, (size_t)(next - 2 - p)) < 0)
			return -1;
		p = next;
	}
	return 0;
}

void *sb_request_impl_new(struct MHD_Connection *conn, const char *raw_query)
{
	struct sb_request_impl *impl = calloc(1, sizeof(*impl));
	if (!impl)
		return NULL;
	impl->conn = conn;
	impl->raw_query = strdup(raw_query ? raw_query : "");
	if (!impl->raw_query || parse_urlencoded(&impl->query, impl->raw_query,
	                                         strlen(impl->raw_query)) < 0) {
		sb_request_impl_free(impl);
		return NULL;
	}
	return impl;
}

void sb_request_impl_free(void *p)
{
	struct sb_request_impl *impl = p;
	if (!impl)
		return;
	free(impl->raw_query);
	fields_free(&impl->query);
	fields_free(&impl->form);
	cJSON_Delete(impl->json);
	free(impl->basic_user);
	free(impl);
}

const char *sb_header(const struct sb_request *r, const char *name)
{
	struct sb_request_impl *impl = r->impl;
	if (!impl || !name)
		return NULL;
	return MHD_lookup_connection_value(impl->conn, MHD_HEADER_KIND, name);
}

static const char *fields_get(const struct sb_fields *f, const char *name,
                              size_t index)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->items[i].name, name) == 0 && index-- == 0)
			return f->items[i].value;
	return NULL;
}

const char *sb_query(const struct sb_request *r, const char *name)
{
	struct sb_request_impl *impl = r->impl;
	if (!impl || !name)
		return NULL;
	return fields_get(&impl->query, name, 0);
}

static struct sb_fields *form_fields(const struct sb_request *r)
{
	struct sb_request_impl *impl = r->impl;
	if (!impl)
		return NULL;
	if (impl->form_parsed)
		return &impl->form;
	impl->form_parsed = 1;
	const char *ct = sb_header(r, "Content-Type");
	if (!ct || !r->body || r->body_len == 0)
		return &impl->form;
	int rc = 0;
	if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0)
		rc = parse_urlencoded(&impl->form, r->body, r->body_len);
	else if (strncasecmp(ct, "multipart/form-data", 19) == 0)
		rc = parse_multipart(&impl->form, ct, r->body, r->body_len);
	if (rc < 0)
		fields_free(&impl->form); /* out of memory: no fields */
	return &impl->form;
}

size_t sb_form_count(const struct sb_request *r, const char *name)
{
	struct sb_fields *f = form_fields(r);
	size_t count = 0;
	if (!f || !name)
		return 0;
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->items[i].name, name) == 0)
			count++;
	return count;
}

const char *sb_form(const struct sb_request *r, const char *name, size_t i)
{
	struct sb_fields *f = form_fields(r);
	if (!f || !name)
		return NULL;
	return fields_get(f, name, i);
}

cJSON *sb_json(const struct sb_request *r)
{
	struct sb_request_impl *impl = r->impl;
	if (!impl)
		return NULL;
	if (!impl->json_parsed && r->body && r->body_len > 0)
		impl->json = cJSON_ParseWithLength(r->body, r->body_len);
	impl->json_parsed = 1;
	return impl->json;
}

static int base64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes standard base64 (padding optional) into a new NUL-terminated
 * buffer; NULL on bad input. */
static char *base64_decode(const char *in, size_t *out_len)
{
	size_t len = strlen(in);
	while (len > 0 && in[len - 1] == '=')
		len--;
	char *out = malloc(len * 3 / 4 + 1);
	if (!out)
		return NULL;
	uint32_t acc = 0;
	size_t bits = 0, n = 0;
	for (size_t i = 0; i < len; i++) {
		int v = base64_value((unsigned char)in[i]);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

int sb_basic_auth(const struct sb_request *r, const char **user,
                  const char **password)
{
	struct sb_request_impl *impl = r->impl;
	if (!impl)
		return 0;
	if (!impl->basic_parsed) {
		impl->basic_parsed = 1;
		const char *auth = sb_header(r, "Authorization");
		size_t len = 0;
		if (auth && strncasecmp(auth, "Basic ", 6) == 0) {
			const char *b64 = auth + 6;
			while (*b64 == ' ')
				b64++;
			impl->basic_user = base64_decode(b64, &len);
		}
		char *colon = impl->basic_user
		                  ? memchr(impl->basic_user, ':', len)
		                  : NULL;
		/* A NUL inside the credentials is malformed. */
		if (!colon || strlen(impl->basic_user) != len) {
			free(impl->basic_user);
			impl->basic_user = NULL;
		} else {
			*colon = '\0';
			impl->basic_password = colon + 1;
		}
	}
	if (!impl->basic_user)
		return 0;
	if (user)
		*user = impl->basic_user;
	if (password)
		*password = impl->basic_password;
	return 1;
}

const char *sb_bearer(const struct sb_request *r)
{
	const char *auth = sb_header(r, "Authorization");
	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return NULL;
	auth += 7;
	while (*auth == ' ')
		auth++;
	return *auth ? auth : NULL;
}

/* The request as --record writes it (sandbox.c adds ts, fake, path,
 * status and fault): headers verbatim, the body as text, or base64 when
 * it is not UTF-8 text. */
static enum MHD_Result header_to_json(void *cls, enum MHD_ValueKind kind,
                                      const char *key, const char *value)
{
	cJSON *headers = cls, *old, *name = key ? sb_json_text(key) : NULL;
	(void)kind;
	if (!name)
		return MHD_YES;
	old = cJSON_GetObjectItemCaseSensitive(headers, name->valuestring);
	if (old && cJSON_IsString(old)) {
		/* Repeated header: join as HTTP allows. */
		char *joined = NULL;
		if (asprintf(&joined, "%s, %s", old->valuestring,
		             value ? value : "") >= 0) {
			cJSON_ReplaceItemViaPointer(headers, old,
			                            sb_json_text(joined));
			free(joined);
		}
	} else {
		cJSON_AddItemToObject(headers, name->valuestring,
		                      sb_json_text(value));
	}
	cJSON_Delete(name);
	return MHD_YES;
}

/* Length of the well-formed UTF-8 sequence at s, as strict decoders
 * (Python's among them) define it: no overlongs, no surrogates, nothing
 * past U+10FFFF; 0 when invalid or NUL. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t n = s[0] < 0x80   ? 1
	           : s[0] < 0xc2 ? 0
	           : s[0] < 0xe0 ? 2
	           : s[0] < 0xf0 ? 3
	           : s[0] < 0xf5 ? 4
	                         : 0;
	if (n == 0 || n > left || s[0] == 0)
		return 0;
	for (size_t k = 1; k < n; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

static int is_utf8_text(const char *s, size_t len)
{
	for (size_t i = 0, n; i < len; i += n)
		if (!(n = utf8_len((const unsigned char *)s + i, len - i)))
			return 0;
	return 1;
}

/* A JSON string of s with each invalid byte replaced by U+FFFD, so a
 * path or header with raw bytes cannot make a record line unreadable. */
cJSON *sb_json_text(const char *s)
{
	size_t len = s ? strlen(s) : 0, o = 0;
	char *clean = malloc(len * 3 + 1);
	if (!clean)
		return NULL;
	for (size_t i = 0, n; i < len; i += n) {
		n = utf8_len((const unsigned char *)s + i, len - i);
		if (n) {
			memcpy(clean + o, s + i, n);
			o += n;
		} else {
			memcpy(clean + o, "\xef\xbf\xbd", 3);
			o += 3;
			n = 1;
		}
	}
	clean[o] = '\0';
	cJSON *j = cJSON_CreateString(clean);
	free(clean);
	return j;
}

static char *base64_encode(const char *in, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned char)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)in[i + 2];
		*o++ = tab[(v >> 18) & 63];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? tab[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static void add_body(cJSON *line, const struct sb_request *req)
{
	const char *body = req->body ? req->body : "";
	if (is_utf8_text(body, req->body_len)) {
		cJSON_AddStringToObject(line, "body", body);
		cJSON_AddBoolToObject(line, "body_base64", 0);
		return;
	}
	char *b64 = base64_encode(body, req->body_len);
	cJSON_AddStringToObject(line, "body", b64 ? b64 : "");
	cJSON_AddBoolToObject(line, "body_base64", 1);
	free(b64);
}

cJSON *sb_request_to_json(const struct sb_request *req)
{
	struct sb_request_impl *impl = req->impl;
	cJSON *line = cJSON_CreateObject(), *headers = cJSON_CreateObject();
	if (!line || !headers || !impl) {
		cJSON_Delete(line);
		cJSON_Delete(headers);
		return NULL;
	}
	MHD_get_connection_values(impl->conn, MHD_HEADER_KIND, header_to_json,
	                          headers);
	const char *ct = sb_header(req, "Content-Type");
	cJSON_AddStringToObject(line, "method", req->method);
	cJSON_AddItemToObject(line, "fake_path", sb_json_text(req->path));
	cJSON_AddItemToObject(line, "query", sb_json_text(req->query));
	cJSON_AddItemToObject(line, "headers", headers);
	cJSON_AddItemToObject(line, "content_type",
	                      ct ? sb_json_text(ct) : cJSON_CreateNull());
	add_body(line, req);
	return line;
}
