/*
 * The URL rules of the HTTP service: absolute http(s) only, plain http
 * only to a loopback address (the config layer checks too; this is the
 * last line), credentials only to the origins of the plugin's URL keys,
 * and for SigV4 the query in canonical form, because curl 7.88 signs the
 * query exactly as it is sent and does not sort it.
 */
#include "http_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_loopback(const char *host)
{
	unsigned char a4[4], a6[16];
	char inner[64];
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, a4) == 1)
		return a4[0] == 127;
	if (n > 2 && n < sizeof(inner) + 2 && host[0] == '[' &&
	    host[n - 1] == ']') {
		memcpy(inner, host + 1, n - 2);
		inner[n - 2] = '\0';
		return inet_pton(AF_INET6, inner, a6) == 1 &&
		       memcmp(a6, &in6addr_loopback, 16) == 0;
	}
	return 0;
}

struct query_item {
	char *name;
	char *value;
};

static int cmp_query(const void *a, const void *b)
{
	const struct query_item *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode %XX ('+' stays a literal plus, as AWS reads it), re-encode. */
static char *aws_reencode(const char *s, size_t n)
{
	struct es_http_buf raw = {0}, out = {0};
	char *r;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		}
		es_http_buf_put(&raw, &c, 1);
	}
	r = es_http_buf_finish(&raw);
	if (!r)
		return NULL;
	es_http_buf_url_encoded(&out, r, raw.len);
	free(r);
	return es_http_buf_finish(&out);
}

/* SigV4 signs the query as sent, and curl 7.88 does not sort it: send it
 * in canonical form (each part re-encoded, sorted by name then value). */
static char *canonical_query(const char *q)
{
	struct query_item *items = NULL;
	size_t n = 0, cap = 0;
	struct es_http_buf out = {0};
	int ok = 1;

	while (ok && *q) {
		size_t len = strcspn(q, "&");
		const char *eq = memchr(q, '=', len);
		size_t nlen = eq ? (size_t)(eq - q) : len;

		if (len > 0) {
			if (n == cap) {
				struct query_item *p;

				cap = cap ? cap * 2 : 8;
				p = realloc(items, cap * sizeof(*p));
				ok = p != NULL;
				if (!ok)
					break;
				items = p;
			}
			items[n].name = aws_reencode(q, nlen);
			items[n].value =
			    eq ? aws_reencode(eq + 1, len - nlen - 1)
			       : strdup("");
			ok = items[n].name && items[n].value;
			n++;
		}
		q += len + (q[len] == '&');
	}
	if (ok && n > 1)
		qsort(items, n, sizeof(*items), cmp_query);
	for (size_t i = 0; i < n; i++) {
		if (ok) {
			es_http_buf_put(&out, i ? "&" : "", i ? 1 : 0);
			es_http_buf_put(&out, items[i].name,
			                strlen(items[i].name));
			es_http_buf_put(&out, "=", 1);
			es_http_buf_put(&out, items[i].value,
			                strlen(items[i].value));
		}
		free(items[i].name);
		free(items[i].value);
	}
	free(items);
	if (!ok) {
		free(out.p);
		return NULL;
	}
	return es_http_buf_finish(&out);
}

static char *whole_url(CURLU *u)
{
	char *url = NULL, *out = NULL;

	if (curl_url_get(u, CURLUPART_URL, &url, 0) == CURLUE_OK)
		out = strdup(url);
	curl_free(url);
	return out;
}

/* The URL with its query in canonical SigV4 form. Built as a string:
 * curl_url_set(CURLUPART_QUERY) lower-cases %XX, which AWS would not. */
static char *sorted_url(CURLU *u)
{
	char *q = NULL, *sorted = NULL, *base = NULL, *out = NULL;

	if (curl_url_get(u, CURLUPART_QUERY, &q, 0) != CURLUE_OK)
		return whole_url(u); /* no query */
	sorted = canonical_query(q);
	if (sorted && curl_url_set(u, CURLUPART_QUERY, NULL, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &base, 0) == CURLUE_OK &&
	    asprintf(&out, "%s?%s", base, sorted) < 0)
		out = NULL;
	curl_free(base);
	free(sorted);
	curl_free(q);
	return out;
}

/* Absolute http(s) only; plain http only to loopback. */
int es_http_check_url(const struct es_http_request *req,
                      const struct es_http_hooks *hooks,
                      struct es_http_prepared *p)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *url = NULL;
	const char *why = NULL;

	if (!u || curl_url_set(u, CURLUPART_URL, p->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		why = "not an absolute http(s) URL";
	else if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)
		why = "only http and https are allowed";
	else if (strcmp(scheme, "http") == 0 && !is_loopback(host))
		why = "plain http is allowed only to a loopback address "
		      "(127.0.0.0/8, localhost, ::1); use https";
	else if (!(url = req->aws_sigv4 ? sorted_url(u) : whole_url(u)))
		why = "cannot rebuild the URL";
	if (why) {
		es_http_error(hooks, &p->masks, "%s %s: request not sent: %s",
		              req->method, es_http_shown_url(p), why);
	} else {
		free(p->url);
		p->url = url;
	}
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return why ? -1 : 0;
}

/* ---- origins ---------------------------------------------------------- */

char *es_http_origin(const char *url)
{
	CURLU *u = url ? curl_url() : NULL;
	char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
	        CURLUE_OK &&
	    (strcmp(scheme, "https") == 0 || strcmp(scheme, "http") == 0) &&
	    asprintf(&out, "%s://%s:%s", scheme, host, port) < 0)
		out = NULL;
	for (char *c = out; c && *c; c++)
		*c = (char)tolower((unsigned char)*c);
	curl_free(port);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return out;
}

/* An origin as people write it: without the scheme's default port. */
static void put_origin(struct es_http_buf *b, const char *origin)
{
	size_t n = strlen(origin);

	if ((strncmp(origin, "https:", 6) == 0 && n > 4 &&
	     strcmp(origin + n - 4, ":443") == 0) ||
	    (strncmp(origin, "http:", 5) == 0 && n > 3 &&
	     strcmp(origin + n - 3, ":80") == 0))
		n = (size_t)(strrchr(origin, ':') - origin);
	es_http_buf_put(b, origin, n);
}

/* What the request carries, for the refusal: the secrets' names, or the
 * kind of credentials given in clear. NULL when it carries none. */
static const char *credentials(const struct es_http_request *req,
                               const struct es_http_prepared *p)
{
	if (p->masks.substituted > 0)
		return p->masks.names.p && !p->masks.names.oom
		           ? p->masks.names.p
		           : "secrets";
	if (req->aws_sigv4)
		return "AWS SigV4 credentials";
	if (req->basic_user || req->basic_password)
		return "HTTP Basic credentials";
	return NULL;
}

int es_http_check_origin(const char *plugin, const struct es_http_request *req,
                         const struct es_http_hooks *hooks,
                         struct es_http_prepared *p)
{
	const char *what = credentials(req, p), *value, *name = NULL;
	struct es_http_buf keys = {0}, shown = {0};
	char *origin, *list, *where;
	int ok = 0;

	if (!what)
		return 0;
	origin = es_http_origin(p->url);
	for (size_t i = 0; origin && !ok && hooks->url_key &&
	                   (value = hooks->url_key(hooks->ctx, i, &name));
	     i++) {
		char *o = es_http_origin(value);

		ok = o && strcmp(o, origin) == 0;
		if (o && !ok) {
			es_http_buf_put(&keys, keys.len ? ", " : "",
			                keys.len ? 2 : 0);
			es_http_buf_put(&keys, name ? name : "?",
			                strlen(name ? name : "?"));
			es_http_buf_put(&keys, " = ", 3);
			put_origin(&keys, o);
		}
		free(o);
	}
	if (origin)
		put_origin(&shown, origin);
	where = es_http_buf_finish(&shown);
	list = es_http_buf_finish(&keys);
	if (!ok)
		es_http_error(hooks, &p->masks,
		              "%s %s: request not sent: refusing to send %s to "
		              "%s: not the origin of any URL key of %s (%s)",
		              req->method, es_http_shown_url(p), what,
		              where && *where ? where : "an unknown origin",
		              plugin ? plugin : "the plugin",
		              list && *list ? list
		                            : "it has no URL key with a value");
	free(where);
	free(list);
	free(origin);
	return ok ? 0 : -1;
}
