/*
 * The state model's index (state_index.h): one string map from
 * "PATH\x1fKEY" to the entry's cJSON node, filled per map on first use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_index.h"

#define SEP "\x1f" /* a byte neither paths nor keys contain */

void es_state_index_kv_path(char *path, const char *plugin)
{
	snprintf(path, 160, "kv" SEP "%s", plugin);
}

static char *entry_key(const char *path, const char *key)
{
	size_t lp = strlen(path), lk = strlen(key);
	char *k = malloc(lp + lk + 2);

	if (k) {
		memcpy(k, path, lp);
		k[lp] = SEP[0];
		memcpy(k + lp + 1, key, lk + 1);
	}
	return k;
}

/* Index `map`'s entries the first time `path` is used (or again when
 * another object now stands there: a hand-edited member that was not an
 * object, which had no entries). 0/-1. */
static int ensure_indexed(struct es_state_index *ix, cJSON *map,
                          const char *path)
{
	void *known = es_strmap_get(&ix->maps, path);
	cJSON *e;

	if (known == map)
		return 0;
	if (known)
		es_state_index_reset(ix);
	cJSON_ArrayForEach(e, map)
	{
		char *k = e->string ? entry_key(path, e->string) : NULL;
		int rc = k && !es_strmap_get(&ix->entries, k) /* first wins,
		                                                  as cJSON's */
		             ? es_strmap_put(&ix->entries, k, e)
		             : 0;

		free(k);
		if (rc < 0 || (e->string && !k)) {
			es_state_index_reset(ix);
			return -1;
		}
	}
	if (es_strmap_put(&ix->maps, path, map) < 0) {
		es_state_index_reset(ix);
		return -1;
	}
	return 0;
}

cJSON *es_state_index_find(struct es_state_index *ix, cJSON *map,
                           const char *path, const char *key)
{
	char *k;
	cJSON *e;

	if (!map || !key)
		return NULL;
	if (ensure_indexed(ix, map, path) < 0)
		return cJSON_GetObjectItemCaseSensitive(map, key);
	k = entry_key(path, key);
	if (!k)
		return cJSON_GetObjectItemCaseSensitive(map, key);
	e = es_strmap_get(&ix->entries, k);
	free(k);
	return e;
}

int es_state_index_put(struct es_state_index *ix, cJSON *map, const char *path,
                       const char *key, cJSON *item)
{
	cJSON *old;
	char *k, *name;

	if (!map || !item || ensure_indexed(ix, map, path) < 0)
		goto fail;
	k = entry_key(path, key);
	name = strdup(key);
	if (!k || !name) {
		free(k);
		free(name);
		goto fail;
	}
	/* cJSON's replace by pointer keeps no name: the item carries it. */
	if (!(item->type & cJSON_StringIsConst))
		free(item->string);
	item->string = name;
	item->type &= ~cJSON_StringIsConst;
	old = es_strmap_get(&ix->entries, k);
	if (es_strmap_put(&ix->entries, k, item) < 0) {
		free(k);
		goto fail;
	}
	free(k);
	if (old)
		cJSON_ReplaceItemViaPointer(map, old, item);
	else
		cJSON_AddItemToArray(map, item); /* O(1): keeps the name */
	return 0;
fail:
	cJSON_Delete(item);
	return -1;
}

void es_state_index_remove(struct es_state_index *ix, cJSON *map,
                           const char *path, const char *key)
{
	cJSON *e = es_state_index_find(ix, map, path, key);
	char *k;

	if (!e)
		return;
	k = entry_key(path, key);
	if (k) {
		es_strmap_del(&ix->entries, k);
		free(k);
		cJSON_Delete(cJSON_DetachItemViaPointer(map, e));
	} else {
		/* No memory to name it: forget every map rather than keep
		 * a pointer to a freed node. */
		es_state_index_reset(ix);
		cJSON_Delete(cJSON_DetachItemViaPointer(map, e));
	}
}

void es_state_index_reset(struct es_state_index *ix)
{
	es_strmap_free(&ix->entries);
	es_strmap_free(&ix->maps);
}
