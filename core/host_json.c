/*
 * es_json_api over cJSON. An es_json handle is a cJSON node; roots are
 * owned by the plugin until json_free, children are borrowed.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "host_tables.h"

#define NODE(j) ((cJSON *)(j))

static es_json *json_parse(const char *text, size_t len)
{
	if (!text)
		return NULL;
	return (es_json *)cJSON_ParseWithLength(text, len);
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
	if (cJSON_IsNumber(n))
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

	return cJSON_IsNumber(n) ? n->valuedouble : fallback;
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
};
