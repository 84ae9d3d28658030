/*
 * String map: linear probing over a power-of-two table, grown at half
 * full, so a look-up costs a hash and a comparison or two whatever the
 * number of keys.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

struct es_strmap_slot {
	char *key;   /* NULL: never used */
	void *value; /* NULL with a key: removed */
};

/* FNV-1a: short keys, no adversary (they come from the operator's own
 * files and state). */
static size_t hash_of(const char *key)
{
	uint64_t h = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 32));
}

/* The slot holding `key`, or the first free one on its probe path
 * (NULL when the table is empty). */
static struct es_strmap_slot *slot_of(const struct es_strmap *m,
                                      const char *key)
{
	struct es_strmap_slot *reuse = NULL;

	if (!m->cap)
		return NULL;
	for (size_t i = hash_of(key) & (m->cap - 1);;
	     i = (i + 1) & (m->cap - 1)) {
		struct es_strmap_slot *s = &m->slots[i];

		if (!s->key)
			return reuse ? reuse : s;
		if (!s->value) {
			if (!reuse)
				reuse = s;
		} else if (strcmp(s->key, key) == 0) {
			return s;
		}
	}
}

void *es_strmap_get(const struct es_strmap *m, const char *key)
{
	const struct es_strmap_slot *s = slot_of(m, key);

	return s && s->key && s->value && strcmp(s->key, key) == 0 ? s->value
	                                                           : NULL;
}

static int grow(struct es_strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct es_strmap old = *m;

	if (m->used * 4 < m->cap) /* mostly removed keys: same size */
		cap = m->cap;
	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots) {
		*m = old;
		return -1;
	}
	m->cap = cap;
	m->used = m->dead = 0;
	for (size_t i = 0; i < old.cap; i++) {
		struct es_strmap_slot *s = &old.slots[i];

		if (s->key && s->value) {
			*slot_of(m, s->key) = *s;
			m->used++;
		} else {
			free(s->key);
		}
	}
	free(old.slots);
	return 0;
}

int es_strmap_put(struct es_strmap *m, const char *key, void *value)
{
	struct es_strmap_slot *s;
	char *copy;

	if (!value)
		return -1;
	s = slot_of(m, key);
	if (s && s->key && s->value && strcmp(s->key, key) == 0) {
		s->value = value;
		return 0;
	}
	if ((m->used + m->dead + 1) * 2 > m->cap) {
		if (grow(m) < 0)
			return -1;
		s = slot_of(m, key);
	}
	copy = strdup(key);
	if (!copy)
		return -1;
	if (s->key) { /* a removed key's slot */
		free(s->key);
		m->dead--;
	}
	s->key = copy;
	s->value = value;
	m->used++;
	return 0;
}

void es_strmap_del(struct es_strmap *m, const char *key)
{
	struct es_strmap_slot *s = slot_of(m, key);

	if (s && s->key && s->value && strcmp(s->key, key) == 0) {
		s->value = NULL; /* keeps the probe path of later keys */
		m->used--;
		m->dead++;
	}
}

void es_strmap_free(struct es_strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	*m = (struct es_strmap)ES_STRMAP_INIT;
}
