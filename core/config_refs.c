/*
 * Output references in the customer file (refs.h): the parser, and what
 * `check` refuses before anything runs. Only descriptors are needed, so
 * the checks sit with the config's other checks and are reported with
 * them, in one pass, as file:line: plugin.key.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refs.h"

/* ---- parsing ---------------------------------------------------------- */

static int plugin_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-';
}

int es_value_has_refs(const struct es_value *v)
{
	if (!v || !v->is_set)
		return 0;
	if (v->refs != ES_REFS_UNKNOWN)
		return v->refs == ES_REFS_SOME;
	for (size_t i = 0; i < v->n_list; i++)
		if (es_ref_present(v->list[i]))
			return 1;
	return es_ref_present(v->str);
}

void es_value_mark_refs(struct es_value *v)
{
	v->refs = ES_REFS_UNKNOWN;
	v->refs = es_value_has_refs(v) ? ES_REFS_SOME : ES_REFS_NONE;
}

int es_ref_present(const char *s)
{
	return s && strstr(s, "${") != NULL;
}

static int snake_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

/* One "${plugin.output[:item]}" at s (which starts with "${"). Returns
 * its length, or 0 when malformed. The output's name is snake_case; an
 * item after ':' is anything but blanks, braces and '$'. */
static size_t parse_one(const char *s, struct es_ref *r)
{
	const char *p = s + 2, *end = strchr(p, '}'), *dot, *colon, *q;

	if (!end || !(*p >= 'a' && *p <= 'z'))
		return 0;
	for (dot = p; dot < end && plugin_char(*dot); dot++)
		;
	if (dot == end || *dot != '.' || (size_t)(dot - p) >= sizeof(r->plugin))
		return 0;
	colon = memchr(dot + 1, ':', (size_t)(end - dot - 1));
	if (!colon)
		colon = end;
	q = dot + 1;
	if (q == colon || !(*q >= 'a' && *q <= 'z'))
		return 0;
	for (; q < colon; q++)
		if (!snake_char(*q))
			return 0;
	if (colon < end && colon + 1 == end)
		return 0;
	for (q = colon + 1; q < end; q++)
		if (*q == ' ' || *q == '\t' || *q == '{' || *q == '$')
			return 0;
	if ((size_t)(end - dot - 1) >= sizeof(r->output))
		return 0;
	snprintf(r->plugin, sizeof(r->plugin), "%.*s", (int)(dot - p), p);
	snprintf(r->output, sizeof(r->output), "%.*s", (int)(end - dot - 1),
	         dot + 1);
	r->start = 0;
	r->len = (size_t)(end - s) + 1;
	return r->len;
}

int es_ref_scan(const char *s, struct es_ref *out, size_t max, char *err,
                size_t errlen)
{
	size_t count = 0;

	for (const char *p = s ? strstr(s, "${") : NULL; p;
	     p = strstr(p, "${")) {
		struct es_ref r;
		size_t len = parse_one(p, &r);

		if (!len) {
			const char *close = strchr(p, '}');
			int shown =
			    close ? (int)(close - p) + 1 : (int)strlen(p);

			snprintf(err, errlen,
			         "malformed reference '%.*s': write "
			         "${plugin.output} (or ${plugin.output:item})",
			         shown > 80 ? 80 : shown, p);
			return -1;
		}
		if (count == max) {
			snprintf(err, errlen, "more than %zu references", max);
			return -1;
		}
		r.start = (size_t)(p - s);
		out[count++] = r;
		p += len;
	}
	return (int)count;
}

int es_ref_whole(const char *s, struct es_ref *ref)
{
	char err[16];
	struct es_ref r[2];

	if (es_ref_scan(s, r, 2, err, sizeof(err)) != 1 || r[0].start != 0 ||
	    r[0].len != strlen(s))
		return 0;
	*ref = r[0];
	return 1;
}

const char *es_ref_name(const struct es_ref *r, char *buf, size_t len)
{
	snprintf(buf, len, "%.63s.%.255s", r->plugin, r->output);
	return buf;
}

char *es_ref_expand(const char *s,
                    char *(*lookup)(void *arg, const struct es_ref *r),
                    void *arg, struct es_ref *missing)
{
	struct es_ref refs[ES_REF_MAX];
	char err[256], *out = NULL;
	size_t size = 0, at = 0;
	int n = es_ref_scan(s, refs, ES_REF_MAX, err, sizeof(err));
	FILE *f;

	memset(missing, 0, sizeof(*missing));
	if (n < 0 || !(f = open_memstream(&out, &size)))
		return NULL;
	for (int i = 0; i < n; i++) {
		char *v = lookup(arg, &refs[i]);

		if (!v) {
			*missing = refs[i];
			fclose(f);
			free(out);
			return NULL;
		}
		fwrite(s + at, 1, refs[i].start - at, f);
		fputs(v, f);
		free(v);
		at = refs[i].start + refs[i].len;
	}
	fputs(s + at, f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---- the checks -------------------------------------------------------- */

/* Where a text sits decides what it may read. */
enum place {
	IN_TEXT,   /* inside a string: STRING outputs, not secret */
	AS_SPLICE, /* an item of a records value: a whole RECORDS output */
	AS_SECRET, /* a secret key's whole value: a SECRET output */
};

struct checker {
	const struct es_config *c;
	const struct es_plugin_descriptor *const *descs;
	size_t n_descs;
	struct es_diags *d;
	const struct es_plugin_conf *pc;
	const struct es_value *v;
	size_t problems;
};

static void problem(struct checker *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void problem(struct checker *k, const char *fmt, ...)
{
	char text[1024], where[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(where, sizeof(where), "%s.%s", k->pc->name, k->v->key->name);
	es_diags_add(k->d, k->v->file ? k->v->file : k->pc->file,
	             k->v->file ? k->v->line : k->pc->line, where, "%s", text);
	k->problems++;
}

static const struct es_plugin_descriptor *desc_of(const struct checker *k,
                                                  const char *name)
{
	for (size_t i = 0; k->descs && i < k->n_descs; i++)
		if (k->descs[i] && k->descs[i]->name &&
		    strcmp(k->descs[i]->name, name) == 0)
			return k->descs[i];
	return NULL;
}

/* The descriptor's outputs, walked with their own struct_size (the
 * loader checked them). */
static const struct es_output *output_at(const struct es_plugin_descriptor *d,
                                         size_t i)
{
	const struct es_output *first = d->outputs;

	if (!first || first->struct_size == 0)
		return NULL;
	first = (const struct es_output *)((const char *)first +
	                                   i * first->struct_size);
	return first->name ? first : NULL;
}

static void output_names(const struct es_plugin_descriptor *d, char *out,
                         size_t len, const char **names, size_t max)
{
	const struct es_output *o;
	size_t i;

	out[0] = '\0';
	for (i = 0; (o = output_at(d, i)) && i + 1 < max; i++) {
		names[i] = o->name;
		if (i)
			strncat(out, ", ", len - strlen(out) - 1);
		strncat(out, o->name, len - strlen(out) - 1);
	}
	names[i] = NULL;
}

/* The declared output a reference names, or NULL after a problem. */
static const struct es_output *find_output(struct checker *k,
                                           const struct es_ref *r)
{
	const struct es_plugin_descriptor *d = desc_of(k, r->plugin);
	const struct es_plugin_conf *producer =
	    es_config_plugin(k->c, r->plugin);
	const char *names[64], *close;
	char list[1024], name[320];
	size_t n = strcspn(r->output, ":");

	es_ref_name(r, name, sizeof(name));
	if (!producer || !d) {
		for (size_t i = 0; i < k->c->n_plugins && i < 63; i++)
			names[i] = k->c->plugins[i].name;
		names[k->c->n_plugins < 63 ? k->c->n_plugins : 63] = NULL;
		close = es_closest_match(r->plugin, names);
		problem(k, "${%s} names plugin '%s', which %s%s%s%s", name,
		        r->plugin,
		        producer ? "is not installed"
		                 : "this file does not configure",
		        close && !producer ? " (did you mean '" : "",
		        close && !producer ? close : "",
		        close && !producer ? "'?)" : "");
		return NULL;
	}
	if (!producer->enabled) {
		problem(k,
		        "${%s} reads an output of plugin %s, which is disabled "
		        "(enabled = false): it will never publish it",
		        name, r->plugin);
		return NULL;
	}
	for (size_t i = 0; output_at(d, i); i++) {
		const struct es_output *o = output_at(d, i);
		int per_item = (o->flags & ES_OUTPUT_PER_ITEM) != 0;

		if (strlen(o->name) != n || strncmp(o->name, r->output, n) != 0)
			continue;
		if (per_item != (r->output[n] == ':')) {
			problem(k,
			        per_item
			            ? "${%s}: %s.%s is one output per item: "
			              "name one, ${%s.%s:ITEM}"
			            : "${%s}: %s.%s is not per item: write "
			              "${%s.%s}",
			        name, r->plugin, o->name, r->plugin, o->name);
			return NULL;
		}
		return o;
	}
	output_names(d, list, sizeof(list), names, 64);
	close = es_closest_match(r->output, names);
	problem(k,
	        "${%s}: plugin %s declares no output '%.*s' (it has: %s)%s%s%s",
	        name, r->plugin, (int)n, r->output, *list ? list : "none",
	        close ? "; did you mean '" : "", close ? close : "",
	        close ? "'?" : "");
	return NULL;
}

/* The output `r` names fits where it is read. */
static void check_fit(struct checker *k, const struct es_ref *r,
                      const struct es_output *o, enum place place)
{
	int secret = (o->flags & ES_OUTPUT_SECRET) != 0;
	char name[320];

	es_ref_name(r, name, sizeof(name));
	if (place == AS_SECRET && (!secret || o->type != ES_OUTPUT_STRING))
		problem(k,
		        "a secret key takes env:NAME, file:PATH or a secret "
		        "output; %s is not one",
		        name);
	else if (place != AS_SECRET && secret)
		problem(k,
		        "%s is a secret output: it may only feed a secret key "
		        "(here its value would be stored or shown in clear)",
		        name);
	else if (place == AS_SPLICE && o->type != ES_OUTPUT_RECORDS)
		problem(k,
		        "%s is not a list of DNS records: a records key reads "
		        "RECORDS outputs only",
		        name);
	else if (place == IN_TEXT && o->type != ES_OUTPUT_STRING)
		problem(k,
		        "%s is %s, not a string: only string outputs go inside "
		        "a string (a records key takes a records output whole)",
		        name,
		        o->type == ES_OUTPUT_RECORDS ? "a list of DNS records"
		                                     : "a JSON document");
}

static void check_text(struct checker *k, const char *s, enum place place)
{
	struct es_ref refs[ES_REF_MAX];
	char err[256];
	int n;

	if (!es_ref_present(s))
		return;
	n = es_ref_scan(s, refs, ES_REF_MAX, err, sizeof(err));
	if (n < 0) {
		problem(k, "%s", err);
		return;
	}
	if (place != IN_TEXT && (n != 1 || refs[0].len != strlen(s))) {
		problem(k, "%s",
		        place == AS_SECRET
		            ? "a secret key's reference must be the whole "
		              "value: \"${plugin.output}\""
		            : "an item of a records list is a group or one "
		              "whole reference \"${plugin.output}\"");
		return;
	}
	for (int i = 0; i < n; i++) {
		const struct es_output *o = find_output(k, &refs[i]);

		if (o)
			check_fit(k, &refs[i], o, place);
	}
}

/* A records value is JSON (config_records.c): strings are splices, the
 * members of records may hold references inside their text. */
static void check_records(struct checker *k, const char *json)
{
	cJSON *doc = cJSON_Parse(json), *item, *m;

	cJSON_ArrayForEach(item, doc)
	{
		if (cJSON_IsString(item))
			check_text(k, item->valuestring, AS_SPLICE);
		cJSON_ArrayForEach(m, item)
		{
			if (cJSON_IsString(m))
				check_text(k, m->valuestring, IN_TEXT);
		}
	}
	cJSON_Delete(doc);
}

static void check_value(struct checker *k)
{
	const struct es_value *v = k->v;
	const struct es_key *key = v->key;

	if (key->flags & ES_KEY_SECRET) {
		if (es_ref_present(v->str))
			check_text(k, v->str, AS_SECRET);
		return;
	}
	switch (key->type) {
	case ES_TYPE_STRING:
		check_text(k, v->str, IN_TEXT);
		return;
	case ES_TYPE_LIST:
		for (size_t i = 0; i < v->n_list; i++)
			check_text(k, v->list[i], IN_TEXT);
		return;
	case ES_TYPE_RECORDS:
		check_records(k, v->str);
		return;
	default:
		if (es_ref_present(v->str))
			problem(k, "only string, list, records and secret keys "
			           "may hold a reference ${plugin.output}");
		return;
	}
}

size_t es_refs_check(const struct es_config *c,
                     const struct es_plugin_descriptor *const *descs,
                     size_t n_descs, struct es_diags *d)
{
	struct checker k = {.c = c, .descs = descs, .n_descs = n_descs, .d = d};

	for (size_t p = 0; c && p < c->n_plugins; p++) {
		k.pc = &c->plugins[p];
		/* A disabled plugin runs nothing, so reads nothing. */
		if (!k.pc->enabled)
			continue;
		for (size_t i = 0; i < k.pc->n_values; i++) {
			k.v = &k.pc->values[i];
			if (k.v->is_set && !k.v->from_default)
				check_value(&k);
		}
	}
	return k.problems;
}
