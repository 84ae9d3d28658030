/*
 * What a key's value must look like beyond its type (see config.h): the
 * formats of es_key.format, the author's pattern, bounds, and when a key
 * becomes required (required_when). The same rules are checked twice: on
 * the schema when a plugin loads (es_key_schema_check), and on the values
 * when a customer file is bound (es_value_check_text, config_value.c).
 */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"
#include "numbers.h"

static const char *const format_names[] = {
    [ES_FORMAT_NONE] = "none",
    [ES_FORMAT_HOSTNAME] = "hostname",
    [ES_FORMAT_EMAIL] = "email",
    [ES_FORMAT_GUID] = "guid",
    [ES_FORMAT_TEMPLATES_DIR] = "templates_dir",
};

const char *es_format_name(enum es_format f)
{
	if ((unsigned)f >= sizeof(format_names) / sizeof(format_names[0]))
		return NULL;
	return format_names[f];
}

/* ---- formats -------------------------------------------------------- */

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* RFC 1123 host name of at least two labels. '*' and '_' are refused: a
 * wildcard common name or a DNS record name is a pattern, not a host. The
 * last label must not be all digits, so an IPv4 address is not taken for
 * a host name (RFC 3696 section 2). */
static int is_hostname(const char *s)
{
	size_t n = strlen(s), label = 0, dots = 0;
	int digits_only = 1;

	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			digits_only = 1;
			dots++;
			continue;
		}
		if (!is_alnum(s[i]) && (s[i] != '-' || label == 0))
			return 0;
		if (++label > 63)
			return 0;
		if (s[i] < '0' || s[i] > '9')
			digits_only = 0;
	}
	return dots > 0 && label > 0 && s[n - 1] != '-' && !digits_only;
}

/* local@host: the local part (at most 64 bytes, RFC 5321) has no space,
 * control character or second '@'; quoted local parts are not accepted. */
static int is_email(const char *s)
{
	const char *at = strchr(s, '@');

	if (!at || at == s || at - s > 64)
		return 0;
	for (const char *p = s; p < at; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return 0;
	return !strchr(at + 1, '@') && is_hostname(at + 1);
}

/* 8-4-4-4-12 hex digits, no braces: how Azure prints tenant and
 * subscription ids. */
static int is_guid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strlen(s) != sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == '-' ? s[i] != '-' : !is_hex(s[i]))
			return 0;
	return 1;
}

static const char *format_problem(enum es_format f, const char *s)
{
	switch (f) {
	case ES_FORMAT_NONE:
		return NULL;
	case ES_FORMAT_HOSTNAME:
		return is_hostname(s) ? NULL : "is not a host name";
	case ES_FORMAT_EMAIL:
		return is_email(s) ? NULL : "is not an e-mail address";
	case ES_FORMAT_GUID:
		return is_guid(s) ? NULL
		                  : "is not a GUID (8-4-4-4-12 hex digits)";
	case ES_FORMAT_TEMPLATES_DIR: /* its files: config_templates.c */
		return NULL;
	}
	return "cannot be checked: the plugin's schema has an unknown format";
}

/* ---- patterns ------------------------------------------------------- */

/* Compiled on each use: a schema has a handful of patterns and a file a
 * handful of values, and nothing has to be cached or freed. */
static int pattern_matches(const char *pattern, const char *s, char *err,
                           size_t errlen)
{
	regex_t re;
	int rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);

	if (rc != 0) {
		char why[128];

		regerror(rc, &re, why, sizeof(why));
		snprintf(err, errlen,
		         "the plugin's pattern %s does not compile: %s",
		         pattern, why);
		return -1;
	}
	rc = regexec(&re, s, 0, NULL, 0);
	regfree(&re);
	return rc == 0 ? 1 : 0;
}

/* The pattern must match the whole value, so it must start with '^', end
 * with an unescaped '$' and have no '|' outside parentheses ("^a|b$"
 * matches "xb"). NULL, or what is wrong. */
static const char *pattern_unanchored(const char *p)
{
	size_t n = strlen(p);
	int depth = 0, last_is_anchor = 0;

	if (n == 0 || p[0] != '^')
		return "must start with ^";
	for (size_t i = 0; i < n; i++) {
		last_is_anchor = 0;
		if (p[i] == '\\' && i + 1 < n) {
			i++;
		} else if (p[i] == '[') {
			/* A bracket expression: ']' first is literal, and
			 * [:class:] holds a ']' of its own. */
			i += (p[i + 1] == '^') + 1;
			if (p[i] == ']')
				i++;
			while (i < n && p[i] != ']') {
				if (p[i] == '[' && p[i + 1] &&
				    strchr(":.=", p[i + 1])) {
					size_t j = i + 2;

					while (j + 1 < n &&
					       !(p[j] == p[i + 1] &&
					         p[j + 1] == ']'))
						j++;
					if (j + 1 >= n)
						return "has an unclosed [";
					i = j + 1;
				}
				i++;
			}
			if (i >= n)
				return "has an unclosed [";
		} else if (p[i] == '(') {
			depth++;
		} else if (p[i] == ')') {
			depth--;
		} else if (p[i] == '|' && depth == 0) {
			return "has a '|' outside parentheses; write ^(a|b)$";
		} else if (p[i] == '$') {
			last_is_anchor = 1;
		}
	}
	return last_is_anchor ? NULL : "must end with $";
}

/* ---- values --------------------------------------------------------- */

int es_value_check_text(const struct es_key *k, const char *s, size_t item,
                        char *err, size_t errlen)
{
	const char *why = format_problem(k->format, s);
	char prefix[32] = "";

	if (item)
		snprintf(prefix, sizeof(prefix), "item %zu: ", item);
	if (why) {
		snprintf(err, errlen, "%s'%.200s' %s", prefix, s, why);
		return -1;
	}
	if (!k->pattern)
		return 0;
	switch (pattern_matches(k->pattern, s, err, errlen)) {
	case 1:
		return 0;
	case 0:
		snprintf(err, errlen,
		         "%s'%.200s' does not match the pattern %s", prefix, s,
		         k->pattern);
		return -1;
	default:
		return -1;
	}
}

/* ---- required_when -------------------------------------------------- */

/* Split "name=value"; 0 when `rule` has that form with a short name. */
static int split_rule(const char *rule, char *name, size_t len,
                      const char **value)
{
	const char *eq = strchr(rule, '=');

	if (!eq || eq == rule || (size_t)(eq - rule) >= len)
		return -1;
	memcpy(name, rule, (size_t)(eq - rule));
	name[eq - rule] = '\0';
	*value = eq + 1;
	return 0;
}

/* 1 when the typed value `v` equals `text` as it would be written. */
static int value_equals(const struct es_value *v, const char *text)
{
	int64_t n;

	if (!v->is_set)
		return 0;
	switch (v->key->type) {
	case ES_TYPE_STRING:
	case ES_TYPE_ENUM:
		return v->str && strcmp(v->str, text) == 0;
	case ES_TYPE_BOOL:
		return (v->i && !strcasecmp(text, "true")) ||
		       (!v->i && !strcasecmp(text, "false"));
	case ES_TYPE_INT:
		return es_parse_int64(text, &n) == ES_NUMBER_OK && n == v->i;
	default:
		return 0;
	}
}

int es_config_required(const struct es_plugin_conf *pc,
                       const struct es_value *v)
{
	const char *rule = v ? v->key->required_when : NULL;
	const struct es_value *other;
	const char *value;
	char name[128];

	if (!v)
		return 0;
	if (v->key->flags & ES_KEY_REQUIRED)
		return 1;
	if (!rule || split_rule(rule, name, sizeof(name), &value) < 0)
		return 0;
	other = es_config_value(pc, name);
	return other && other != v && value_equals(other, value);
}

/* ---- schema checks at load time -------------------------------------- */

static int key_problem(char *err, size_t errlen, const struct es_key *k,
                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int key_problem(char *err, size_t errlen, const struct es_key *k,
                       const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "key '%s' %s", k->name, text);
	return -1;
}

static int check_bounds(const struct es_key *k, char *err, size_t errlen)
{
	int has_min = (k->flags & ES_KEY_MIN) != 0;
	int has_max = (k->flags & ES_KEY_MAX) != 0;

	if ((has_min || has_max) && k->type != ES_TYPE_INT &&
	    k->type != ES_TYPE_DURATION)
		return key_problem(err, errlen, k,
		                   "has ES_KEY_MIN/ES_KEY_MAX but is not an "
		                   "int or a duration");
	/* ABI 1 applied min/max when min < max; a schema still written that
	 * way would silently lose its bounds. */
	if ((k->min && !has_min) || (k->max && !has_max))
		return key_problem(err, errlen, k,
		                   "sets .%s without its flag ES_KEY_MIN or "
		                   "ES_KEY_MAX",
		                   k->min && !has_min ? "min" : "max");
	if (has_min && has_max && k->min > k->max)
		return key_problem(err, errlen, k, "has min above max");
	return 0;
}

static int check_text_rules(const struct es_key *k, char *err, size_t errlen)
{
	int text = k->type == ES_TYPE_STRING || k->type == ES_TYPE_LIST;
	const char *why;
	char detail[192];
	regex_t re;
	int rc;

	int templates = k->format == ES_FORMAT_TEMPLATES_DIR;

	if (templates != (k->type == ES_TYPE_PATH && k->format != 0))
		return key_problem(err, errlen, k,
		                   "has format templates_dir, which only path "
		                   "keys take (and a path key no other)");
	if (templates && k->pattern)
		return key_problem(err, errlen, k,
		                   "is a templates directory with a pattern");
	if (templates)
		return 0;
	if ((k->format || k->pattern) && (!text || (k->flags & ES_KEY_SECRET)))
		return key_problem(err, errlen, k,
		                   "has a format or pattern, which only "
		                   "string and list keys that are not secret "
		                   "take");
	if (k->format && !es_format_name(k->format))
		return key_problem(err, errlen, k, "has an unknown format");
	if (!k->pattern)
		return 0;
	rc = regcomp(&re, k->pattern, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		regerror(rc, &re, detail, sizeof(detail));
		return key_problem(err, errlen, k,
		                   "has a pattern that does not compile: %s",
		                   detail);
	}
	regfree(&re);
	why = pattern_unanchored(k->pattern);
	if (why)
		return key_problem(err, errlen, k, "has a pattern that %s",
		                   why);
	return 0;
}

static int check_required_when(const struct es_key *k,
                               const struct es_key *const *keys, size_t n,
                               char *err, size_t errlen)
{
	const struct es_key *other = NULL;
	const char *value;
	char name[128];
	int64_t number;

	if (!k->required_when)
		return 0;
	if (split_rule(k->required_when, name, sizeof(name), &value) < 0)
		return key_problem(err, errlen, k,
		                   "has required_when '%s'; write "
		                   "\"other_key=value\"",
		                   k->required_when);
	for (size_t i = 0; i < n; i++)
		if (keys[i] != k && strcmp(keys[i]->name, name) == 0)
			other = keys[i];
	if (!other)
		return key_problem(err, errlen, k,
		                   "has required_when naming '%s', not another "
		                   "key of this plugin",
		                   name);
	if (other->flags & ES_KEY_SECRET)
		return key_problem(
		    err, errlen, k,
		    "has required_when naming '%s', a secret key", name);
	switch (other->type) {
	case ES_TYPE_STRING:
		return 0;
	case ES_TYPE_ENUM:
		for (const char *const *a = other->allowed; a && *a; a++)
			if (strcmp(*a, value) == 0)
				return 0;
		return key_problem(err, errlen, k,
		                   "has required_when with '%s', not one of "
		                   "the allowed values",
		                   value);
	case ES_TYPE_BOOL:
		if (!strcasecmp(value, "true") || !strcasecmp(value, "false"))
			return 0;
		return key_problem(err, errlen, k,
		                   "has required_when with '%s'; a bool key is "
		                   "true or false",
		                   value);
	case ES_TYPE_INT:
		if (es_parse_int64(value, &number) == ES_NUMBER_OK)
			return 0;
		return key_problem(
		    err, errlen, k,
		    "has required_when with '%s', not an integer", value);
	default:
		return key_problem(err, errlen, k,
		                   "has required_when naming '%s'; name a "
		                   "string, enum, bool or int key",
		                   name);
	}
}

int es_key_schema_check(const struct es_key *k,
                        const struct es_key *const *keys, size_t n, char *err,
                        size_t errlen)
{
	if (check_bounds(k, err, errlen) < 0 ||
	    check_text_rules(k, err, errlen) < 0 ||
	    check_required_when(k, keys, n, err, errlen) < 0)
		return -1;
	return 0;
}
