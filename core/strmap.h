/*
 * A map from strings to pointers (open addressing, the keys copied), for
 * the look-ups that grow with a customer: task references in the run's
 * graph, checklist ids while a file loads, the state model's keyed maps.
 * glibc's hsearch_r has a fixed size and no removal, which those need.
 */
#ifndef ENVSETUP_CORE_STRMAP_H
#define ENVSETUP_CORE_STRMAP_H

#include <stddef.h>

struct es_strmap_slot;

struct es_strmap {
	struct es_strmap_slot *slots;
	size_t cap;  /* a power of two, 0 before the first put */
	size_t used; /* live keys */
	size_t dead; /* removed keys' slots, reused or dropped on growth */
};

#define ES_STRMAP_INIT                                                         \
	{                                                                      \
		NULL, 0, 0, 0                                                  \
	}

/* The value of `key`, or NULL. */
void *es_strmap_get(const struct es_strmap *m, const char *key);
/* Set `key` (copied) to `value` (not NULL), replacing any. 0, or -1 out
 * of memory (the map unchanged). */
int es_strmap_put(struct es_strmap *m, const char *key, void *value);
/* Forget `key`; nothing when absent. */
void es_strmap_del(struct es_strmap *m, const char *key);
/* Forget every key, keep nothing. */
void es_strmap_free(struct es_strmap *m);

#endif
