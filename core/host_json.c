/*
 * es_json_api over cJSON. An es_json handle is a cJSON node; roots are
 * owned by the plugin until json_free, children are borrowed.
 *
 * cJSON keeps numbers as doubles, exact only up to 2^53. So that 64-bit
 * ids survive, an integer that may not fit a double is kept as a cJSON
 * raw node holding its digits: set_int64 makes one, and parse turns every
 * integer literal of 16 digits or more into one. Raw nodes are made only
 * here and only for integers, so the readers below take them for numbers
 * and print writes the digits as they came.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "host_tables.h"

#define NODE(j) ((cJSON *)(j))

/* 2^53 has 16 digits: shorter integer literals are exact as doubles. */
#define EXACT_DOUBLE_DIGITS 15

struct number_scan {
	const char *text;
	size_t len, pos;
};

/* The next number literal in the text, skipping strings (member names
 * too): the n-th literal is then the n-th number node of the tree in
 * document order, which is the order cJSON parsed them in. 0 at the end. */
static int next_number(struct number_scan *s, const char **start, size_t *n)
{
	while (s->pos < s->len) {
		char c = s->text[s->pos];

		if (c == '"') {
			for (s->pos++;
			     s->pos < s->len && s->text[s->pos] != '"';
			     s->pos++)
				if (s->text[s->pos] == '\\')
					s->pos++;
			s->pos++;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			*start = s->text + s->pos;
			for (*n = 0; s->pos < s->len && s->text[s->pos] &&
			             strchr("+-.eE0123456789", s->text[s->pos]);
			     s->pos++)
				(*n)++;
			return 1;
		} else {
			s->pos++;
		}
	}
	return 0;
}

/* "-?[0-9]+" too long to be exact as a double. */
static int is_long_integer(const char *s, size_t n)
{
	size_t digits = n - (n > 0 && s[0] == '-');

	if (digits <= EXACT_DOUBLE_DIGITS)
		return 0;
	for (size_t i = n - digits; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static void keep_long_integers(cJSON *node, struct number_scan *s)
{
	const char *lit;
	size_t n;

	for (; node; node = node->next) {
		if (node->child)
			keep_long_integers(node->child, s);
		if (!cJSON_IsNumber(node))
			continue;
		if (!next_number(s, &lit, &n))
			return;
		if (!is_long_integer(lit, n))
			continue;
		/* Freed by cJSON_Delete with the node, like a string's. */
		node->valuestring = cJSON_malloc(n + 1);
		if (!node->valuestring)
			continue;
		memcpy(node->valuestring, lit, n);
		node->valuestring[n] = '\0';
		node->type = cJSON_Raw;
	}
}

static es_json *json_parse(const char *text, size_t len)
{
	struct number_scan scan = {.text = text, .len = len};
	cJSON *root;

	if (!text)
		return NULL;
	root = cJSON_ParseWithLength(text, len);
	keep_long_integers(root, &scan);
	return (es_json *)root;
}

static es_json *json_new_object(void)
{
	return (es_json *)cJSON_CreateObject();
}

static es_json *json_new_array(void)
{
	return (es_json *)cJSON_CreateArray();
}

static void json_free(es_json *root)
{
	cJSON_Delete(NODE(root));
}

static enum es_json_kind json_kind(const es_json *node)
{
	const cJSON *n = (const cJSON *)node;

	if (!n || cJSON_IsInvalid(n))
		return ES_JSON_INVALID;
	if (cJSON_IsNull(n))
		return ES_JSON_NULL;
	if (cJSON_IsBool(n))
		return ES_JSON_BOOL;
	if (cJSON_IsNumber(n) || cJSON_IsRaw(n))
		return ES_JSON_NUMBER;
	if (cJSON_IsString(n))
		return ES_JSON_STRING;
	if (cJSON_IsArray(n))
		return ES_JSON_ARRAY;
	return ES_JSON_OBJECT;
}

/* Walk "a.b[2].c". Member names may not contain '.' or '['. */
es_json *es_json_path(const es_json *node, const char *path)
{
	const cJSON *cur = (const cJSON *)node;
	char name[256];

	if (!cur || !path)
		return NULL;
	while (*path && cur) {
		size_t n = strcspn(path, ".[");

		if (n > 0) {
			if (n >= sizeof(name))
				return NULL;
			memcpy(name, path, n);
			name[n] = '\0';
			cur = cJSON_GetObjectItemCaseSensitive(cur, name);
			path += n;
		}
		while (cur && *path == '[') {
			char *end;
			long idx = strtol(path + 1, &end, 10);

			if (*end != ']' || idx < 0)
				return NULL;
			cur = cJSON_GetArrayItem(cur, (int)idx);
			path = end + 1;
		}
		if (*path == '.')
			path++;
		else if (*path)
			return NULL;
	}
	return (es_json *)cur;
}

static const char *json_get_string(const es_json *node, const char *path)
{
	const cJSON *n = (const cJSON *)es_json_path(node, path);

	return cJSON_IsString(n) ? n->valuestring : NULL;
}

static double json_get_number(const es_json *node, const char *path,
                              double fallback)
{
	const cJSON *n = (const cJSON *)es_json_path(node, path);

	if (cJSON_IsRaw(n))
		return strtod(n->valuestring, NULL);
	return cJSON_IsNumber(n) ? n->valuedouble : fallback;
}

static int64_t json_get_int64(const es_json *node, const char *path,
                              int64_t fallback)
{
	const cJSON *n = (const cJSON *)es_json_path(node, path);
	long long v;
	char *end;
	double d;

	if (cJSON_IsRaw(n)) {
		errno = 0;
		v = strtoll(n->valuestring, &end, 10);
		return errno || *end || end == n->valuestring ? fallback : v;
	}
	if (!cJSON_IsNumber(n))
		return fallback;
	/* [-2^63, 2^63): both ends are exact doubles; NaN fails both. */
	d = n->valuedouble;
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) ||
	    (double)(int64_t)d != d)
		return fallback;
	return (int64_t)d;
}

static int json_get_bool(const es_json *node, const char *path, int fallback)
{
	const cJSON *n = (const cJSON *)es_json_path(node, path);

	return cJSON_IsBool(n) ? cJSON_IsTrue(n) : fallback;
}

static size_t json_array_size(const es_json *array)
{
	const cJSON *n = (const cJSON *)array;

	if (!cJSON_IsArray(n) && !cJSON_IsObject(n))
		return 0;
	return (size_t)cJSON_GetArraySize(n);
}

static es_json *json_array_item(const es_json *array, size_t i)
{
	const cJSON *n = (const cJSON *)array;

	if ((!cJSON_IsArray(n) && !cJSON_IsObject(n)) || i > (size_t)INT32_MAX)
		return NULL;
	return (es_json *)cJSON_GetArrayItem(n, (int)i);
}

static const char *json_name(const es_json *node)
{
	return node ? ((const cJSON *)node)->string : NULL;
}

/* Builders replace an existing member, so plugins can set twice. */
static void json_put(es_json *object, const char *name, cJSON *item)
{
	cJSON *obj = NODE(object);

	if (!item)
		return;
	if (!cJSON_IsObject(obj) || !name) {
		cJSON_Delete(item);
		return;
	}
	if (cJSON_GetObjectItemCaseSensitive(obj, name))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, name, item);
	else
		cJSON_AddItemToObject(obj, name, item);
}

static void json_set_string(es_json *object, const char *name, const char *v)
{
	json_put(object, name, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

static void json_set_number(es_json *object, const char *name, double v)
{
	json_put(object, name, cJSON_CreateNumber(v));
}

static void json_set_bool(es_json *object, const char *name, int v)
{
	json_put(object, name, cJSON_CreateBool(v));
}

/* Raw digits, so the value is printed exactly, past 2^53 too. */
static void json_set_int64(es_json *object, const char *name, int64_t v)
{
	char digits[24];

	snprintf(digits, sizeof(digits), "%lld", (long long)v);
	json_put(object, name, cJSON_CreateRaw(digits));
}

static void json_set_null(es_json *object, const char *name)
{
	json_put(object, name, cJSON_CreateNull());
}

/* Unlike get(), the name is taken whole: "@odata.nextLink". */
static es_json *json_member(const es_json *object, const char *name)
{
	const cJSON *o = (const cJSON *)object;

	if (!cJSON_IsObject(o) || !name)
		return NULL;
	return (es_json *)cJSON_GetObjectItemCaseSensitive(o, name);
}

static void json_add(es_json *parent, const char *name, es_json *child)
{
	cJSON *p = NODE(parent);

	if (!child)
		return;
	if (cJSON_IsArray(p))
		cJSON_AddItemToArray(p, NODE(child));
	else
		json_put(parent, name, NODE(child));
}

static void json_append_string(es_json *array, const char *v)
{
	cJSON *a = NODE(array);

	if (cJSON_IsArray(a) && v)
		cJSON_AddItemToArray(a, cJSON_CreateString(v));
}

static char *json_print(const es_json *node)
{
	return node ? cJSON_PrintUnformatted((const cJSON *)node) : NULL;
}

const struct es_json_api es_host_json = {
    .struct_size = sizeof(struct es_json_api),
    .parse = json_parse,
    .new_object = json_new_object,
    .new_array = json_new_array,
    .free = json_free,
    .kind = json_kind,
    .get = es_json_path,
    .get_string = json_get_string,
    .get_number = json_get_number,
    .get_bool = json_get_bool,
    .array_size = json_array_size,
    .array_item = json_array_item,
    .name = json_name,
    .set_string = json_set_string,
    .set_number = json_set_number,
    .set_bool = json_set_bool,
    .add = json_add,
    .append_string = json_append_string,
    .print = json_print,
    .get_int64 = json_get_int64,
    .set_int64 = json_set_int64,
    .set_null = json_set_null,
    .member = json_member,
};
