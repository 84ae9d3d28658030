/*
 * An index over the state model's keyed maps that grow with a customer:
 * "tasks" (one entry per task and manual item), "intents" (one per
 * unanswered request) and each plugin's "kv" (one per recorded provider
 * id). cJSON objects are lists, so finding an entry walks them: a journal
 * of 40k records or 20k checklist items made open and apply quadratic.
 * With the index each look-up, insertion and removal costs a hash.
 *
 * The index only knows what goes through it: every change to an entry of
 * those maps (state_records.c) uses these functions, and the index is
 * reset whenever the model is replaced or freed (state.c).
 */
#ifndef ENVSETUP_CORE_STATE_INDEX_H
#define ENVSETUP_CORE_STATE_INDEX_H

#include <cjson/cJSON.h>

#include "strmap.h"

struct es_state_index {
	struct es_strmap entries; /* "PATH\x1fKEY" -> the entry's node */
	struct es_strmap maps;    /* "PATH" -> its map, once indexed */
};

#define ES_STATE_INDEX_INIT                                                    \
	{                                                                      \
		ES_STRMAP_INIT, ES_STRMAP_INIT                                 \
	}

/* The maps, named by their path in the model. */
#define ES_INDEX_TASKS "tasks"
#define ES_INDEX_INTENTS "intents"
/* "kv\x1fPLUGIN": `path` must hold at least 160 bytes. */
void es_state_index_kv_path(char *path, const char *plugin);

/* Entry `key` of `map` (the object at `path`), or NULL. The first use of
 * a map indexes its entries (once). */
cJSON *es_state_index_find(struct es_state_index *ix, cJSON *map,
                           const char *path, const char *key);
/* Put `item` (transfer full) as entry `key` of `map`, replacing any.
 * 0/-1 (item freed). */
int es_state_index_put(struct es_state_index *ix, cJSON *map, const char *path,
                       const char *key, cJSON *item);
/* Remove (and free) entry `key` of `map`, if any. */
void es_state_index_remove(struct es_state_index *ix, cJSON *map,
                           const char *path, const char *key);
/* Drop everything: the model is replaced or freed. */
void es_state_index_reset(struct es_state_index *ix);

#endif
