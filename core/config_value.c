/*
 * Typing one plugin value (see config.h): the single parser used for the
 * file's values, per-environment overrides, defaults and reserved keys,
 * and the close-match suggestions used in every "unknown" message.
 */
#include <arpa/inet.h>
#include <libconfig.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"
#include "numbers.h"
#include "refs.h"

/* ---- closest match -------------------------------------------------- */

/* Optimal string alignment distance: a swap ("domian") counts as one. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *d;
	size_t r;

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	d = malloc((la + 1) * (lb + 1) * sizeof(*d));
	if (!d)
		return SIZE_MAX;
#define D(i, j) d[(i) * (lb + 1) + (j)]
	for (size_t i = 0; i <= la; i++)
		D(i, 0) = i;
	for (size_t j = 0; j <= lb; j++)
		D(0, j) = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = D(i - 1, j) + 1;

			if (D(i, j - 1) + 1 < best)
				best = D(i, j - 1) + 1;
			if (D(i - 1, j - 1) + cost < best)
				best = D(i - 1, j - 1) + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && D(i - 2, j - 2) + 1 < best)
				best = D(i - 2, j - 2) + 1;
			D(i, j) = best;
		}
	}
	r = D(la, lb);
#undef D
	free(d);
	return r;
}

const char *es_closest_match(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (; word && candidates && *candidates; candidates++) {
		size_t dist = edit_distance(word, *candidates);

		/* Never suggest a word that shares almost nothing with it. */
		if (dist < best_d && dist < strlen(*candidates)) {
			best = *candidates;
			best_d = dist;
		}
	}
	return best;
}

void es_value_clear(struct es_value *v)
{
	free(v->str);
	for (size_t i = 0; i < v->n_list; i++)
		free(v->list[i]);
	free(v->list);
	free(v->file);
	v->str = NULL;
	v->list = NULL;
	v->file = NULL;
	v->n_list = 0;
	v->is_set = 0;
}

static int is_loopback_host(const char *host, int bracketed)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (bracketed)
		return inet_pton(AF_INET6, host, &a6) == 1 &&
		       IN6_IS_ADDR_LOOPBACK(&a6);
	if (strcasecmp(host, "localhost") == 0 ||
	    strcasecmp(host, "localhost.") == 0)
		return 1;
	return inet_pton(AF_INET, host, &a4) == 1 &&
	       (ntohl(a4.s_addr) >> 24) == 127;
}

static int valid_port(const char *p, size_t n)
{
	unsigned long port = 0;

	if (n == 0 || n > 5)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		port = port * 10 + (unsigned long)(p[i] - '0');
	}
	return port >= 1 && port <= 65535;
}

/* NULL when `url` is acceptable, else why not. */
static const char *url_problem(const char *url)
{
	char host[256];
	const char *p, *auth_end, *host_end, *rest;
	int https = strncasecmp(url, "https://", 8) == 0, bracketed = 0;

	if (!https && strncasecmp(url, "http://", 7) != 0)
		return "must start with https://";
	for (p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return "must not contain spaces or control characters";
	p = url + (https ? 8 : 7);
	auth_end = p + strcspn(p, "/?#");
	if (memchr(p, '@', (size_t)(auth_end - p)))
		return "must not carry credentials (user@host); use a secret "
		       "key";
	if (*p == '[') {
		bracketed = 1;
		host_end = memchr(p, ']', (size_t)(auth_end - p));
		if (!host_end)
			return "has an unclosed '[' in its host";
		p++;
		rest = host_end + 1;
	} else {
		host_end = memchr(p, ':', (size_t)(auth_end - p));
		host_end = host_end ? host_end : auth_end;
		rest = host_end;
	}
	if (host_end == p || (size_t)(host_end - p) >= sizeof(host))
		return "has no valid host";
	memcpy(host, p, (size_t)(host_end - p));
	host[host_end - p] = '\0';
	if (rest < auth_end &&
	    (*rest != ':' ||
	     !valid_port(rest + 1, (size_t)(auth_end - rest - 1))))
		return "has an invalid port";
	if (bracketed && !strchr(host, ':'))
		return "has an invalid IPv6 address";
	if (!https && !is_loopback_host(host, bracketed))
		return "uses http://, which is allowed only to loopback "
		       "(127.0.0.0/8, localhost, [::1]); use https://";
	return NULL;
}

/* env:NAME (a valid variable name) or file:PATH (non-empty). */
static int secret_ref_form(const char *s)
{
	if (strncmp(s, "file:", 5) == 0)
		return s[5] != '\0';
	if (strncmp(s, "env:", 4) != 0 || !s[4] || (s[4] >= '0' && s[4] <= '9'))
		return 0;
	for (s += 4; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int set_list(const struct es_raw_value *r, struct es_value *v,
                    int from_default)
{
	int n = r->agg ? config_setting_length(r->agg) : 1;

	if (!r->agg && !(from_default && r->type == CONFIG_TYPE_STRING))
		return -1;
	v->list = calloc((size_t)n + 1, sizeof(*v->list));
	if (!v->list)
		return -1;
	for (int i = 0; i < n; i++) {
		const char *s =
		    r->agg ? config_setting_get_string_elem(r->agg, i) : r->s;

		if (!s || !(v->list[v->n_list] = strdup(s)))
			return -1;
		v->n_list++;
	}
	return 0;
}

static void allowed_text(const struct es_key *k, char *out, size_t len)
{
	out[0] = '\0';
	for (const char *const *a = k->allowed; a && *a; a++) {
		if (a != k->allowed)
			strncat(out, ", ", len - strlen(out) - 1);
		strncat(out, *a, len - strlen(out) - 1);
	}
}

static int set_enum(const struct es_key *k, const char *s, struct es_value *v,
                    char *err, size_t errlen)
{
	char allowed[512];
	const char *close;

	for (const char *const *a = k->allowed; a && *a; a++)
		if (strcmp(*a, s) == 0)
			return (v->str = strdup(s)) ? 0 : -1;
	allowed_text(k, allowed, sizeof(allowed));
	close = es_closest_match(s, k->allowed);
	snprintf(err, errlen, "'%s' is not allowed; use one of: %s%s%s%s", s,
	         allowed, close ? " (did you mean '" : "", close ? close : "",
	         close ? "'?)" : "");
	return -1;
}

/* ES_KEY_MIN / ES_KEY_MAX: either bound may stand alone. */
static int bounds_problem(const struct es_key *k, long long n, char *err,
                          size_t errlen)
{
	int low = (k->flags & ES_KEY_MIN) && n < k->min;
	int high = (k->flags & ES_KEY_MAX) && n > k->max;

	if (!low && !high)
		return 0;
	if ((k->flags & ES_KEY_MIN) && (k->flags & ES_KEY_MAX))
		snprintf(err, errlen, "%lld is out of range [%lld, %lld]", n,
		         (long long)k->min, (long long)k->max);
	else if (low)
		snprintf(err, errlen, "%lld is too small: the minimum is %lld",
		         n, (long long)k->min);
	else
		snprintf(err, errlen, "%lld is too large: the maximum is %lld",
		         n, (long long)k->max);
	return -1;
}

/* A duration, as "500ms" or whole seconds, more than 0 and within the
 * key's ES_KEY_MAX (milliseconds): a 0 or a value past what the key is
 * used at would silently mean something else. */
static int set_duration(const struct es_key *k, const struct es_raw_value *r,
                        struct es_value *v, char *err, size_t errlen)
{
	enum es_number_error e = ES_NUMBER_INVALID;
	char written[64];

	if (r->type == CONFIG_TYPE_INT || r->type == CONFIG_TYPE_INT64) {
		snprintf(written, sizeof(written), "%lld", (long long)r->i);
		e = r->i < 0                  ? ES_NUMBER_INVALID
		    : r->i > INT64_MAX / 1000 ? ES_NUMBER_RANGE
		                              : ES_NUMBER_OK;
		v->i = e == ES_NUMBER_OK ? r->i * 1000 : 0;
	} else if (r->type == CONFIG_TYPE_STRING) {
		snprintf(written, sizeof(written), "\"%.48s\"", r->s);
		e = es_parse_duration_ms(r->s, &v->i);
	}
	if (e == ES_NUMBER_INVALID) {
		snprintf(err, errlen,
		         "expected a duration: \"500ms\", "
		         "\"30s\", \"5m\", \"2h\", \"1d\" or whole seconds");
		return -1;
	}
	if (e == ES_NUMBER_RANGE ||
	    ((k->flags & ES_KEY_MAX) && v->i > k->max)) {
		snprintf(err, errlen, "%s is too long: at most %lldms", written,
		         (k->flags & ES_KEY_MAX) ? (long long)k->max
		                                 : (long long)INT64_MAX);
		return -1;
	}
	if (v->i == 0 || ((k->flags & ES_KEY_MIN) && v->i < k->min)) {
		snprintf(
		    err, errlen, "%s is too short: at least %lldms", written,
		    (k->flags & ES_KEY_MIN) && k->min > 1 ? (long long)k->min
		                                          : 1LL);
		return -1;
	}
	return 0;
}

/* Format and pattern hold for each item of a list. */
static int check_items(const struct es_key *k, const struct es_value *v,
                       char *err, size_t errlen)
{
	/* An item that reads an output is checked once resolved (refs.c). */
	for (size_t i = 0; i < v->n_list; i++)
		if (!es_ref_present(v->list[i]) &&
		    es_value_check_text(k, v->list[i], i + 1, err, errlen) < 0)
			return -1;
	return 0;
}

/* Type `r` by key `k` into `v`. -1 with the reason in err (never the
 * value of a secret key). */
int es_value_parse(const struct es_key *k, const struct es_raw_value *r,
                   struct es_value *v, int from_default, char *err,
                   size_t errlen)
{
	int is_string = r->type == CONFIG_TYPE_STRING;
	int is_int = r->type == CONFIG_TYPE_INT || r->type == CONFIG_TYPE_INT64;
	const char *why;

	snprintf(err, errlen, "out of memory");
	if (k->flags & ES_KEY_SECRET) {
		/* "${plugin.output}": a secret output, checked by refs. */
		if (is_string &&
		    (secret_ref_form(r->s) || es_ref_present(r->s)))
			return (v->str = strdup(r->s)) ? 0 : -1;
		snprintf(err, errlen,
		         "secret keys take a reference, env:NAME, file:PATH or "
		         "${plugin.output}; a literal value is refused (not "
		         "shown)");
		return -1;
	}
	switch (k->type) {
	case ES_TYPE_STRING:
		if (is_string) {
			if (!es_ref_present(r->s) &&
			    es_value_check_text(k, r->s, 0, err, errlen) < 0)
				return -1;
			return (v->str = strdup(r->s)) ? 0 : -1;
		}
		snprintf(err, errlen, "expected a string: \"...\"");
		return -1;
	case ES_TYPE_INT:
		if (!is_int) {
			snprintf(err, errlen, "expected an integer");
			return -1;
		}
		if (bounds_problem(k, r->i, err, errlen) < 0)
			return -1;
		v->i = r->i;
		return 0;
	case ES_TYPE_BOOL:
		if (r->type == CONFIG_TYPE_BOOL) {
			v->i = r->i != 0;
			return 0;
		}
		snprintf(err, errlen, "expected true or false");
		return -1;
	case ES_TYPE_ENUM:
		if (is_string)
			return set_enum(k, r->s, v, err, errlen);
		snprintf(err, errlen,
		         "expected a string, one of the allowed "
		         "values");
		return -1;
	case ES_TYPE_LIST:
		if (set_list(r, v, from_default) == 0)
			return check_items(k, v, err, errlen);
		snprintf(err, errlen,
		         "expected a list of strings: "
		         "[ \"a\", \"b\" ]");
		return -1;
	case ES_TYPE_URL:
		why = is_string ? url_problem(r->s) : "must be a string";
		if (!why)
			return (v->str = strdup(r->s)) ? 0 : -1;
		snprintf(err, errlen, "URL %s", why);
		return -1;
	case ES_TYPE_PATH:
		if (!is_string || !*r->s) {
			snprintf(err, errlen, "expected a path: \"dir/file\"");
			return -1;
		}
		if (r->s[0] == '/' || !r->base_dir)
			return (v->str = strdup(r->s)) ? 0 : -1;
		return asprintf(&v->str, "%s/%s", r->base_dir, r->s) < 0 ? -1
		                                                         : 0;
	case ES_TYPE_RECORDS:
		v->str = es_records_parse(is_string ? r->s : NULL, r->agg, err,
		                          errlen);
		return v->str ? 0 : -1;
	case ES_TYPE_DURATION:
		return set_duration(k, r, v, err, errlen);
	}
	snprintf(err, errlen, "the plugin's schema has an unknown type %d",
	         (int)k->type);
	return -1;
}
