/*
 * The resource store every fake keeps its state in: one list, in creation
 * order, of {provider, kind, id, attrs}. Keeping it a plain JSON array makes
 * GET /_sandbox/resources a copy, and lets tests count duplicates: adding
 * an id twice keeps both. Callers hold the server's lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"

static cJSON *store;

struct id_counter {
	char prefix[32];
	unsigned long next;
};
static struct id_counter counters[64];
static size_t n_counters;

/* Used by sandbox.c for the control API. */
cJSON *sb_resources_list(const char *provider, const char *kind);
void sb_resources_reset(void);

static cJSON *the_store(void)
{
	if (!store)
		store = cJSON_CreateArray();
	return store;
}

static const char *field(const cJSON *item, const char *name)
{
	return cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(item, name));
}

static int is(const cJSON *item, const char *provider, const char *kind)
{
	const char *p = field(item, "provider"), *k = field(item, "kind");
	return p && k && (!provider || strcmp(p, provider) == 0) &&
	       (!kind || strcmp(k, kind) == 0);
}

cJSON *sb_resource_add(const char *provider, const char *kind, const char *id,
                       cJSON *attrs)
{
	cJSON *all = the_store(), *item = cJSON_CreateObject();
	if (!attrs)
		attrs = cJSON_CreateObject();
	if (!all || !item || !attrs || !provider || !kind || !id ||
	    !cJSON_AddStringToObject(item, "provider", provider) ||
	    !cJSON_AddStringToObject(item, "kind", kind) ||
	    !cJSON_AddStringToObject(item, "id", id)) {
		cJSON_Delete(item);
		cJSON_Delete(attrs);
		return NULL;
	}
	cJSON_AddItemToObject(item, "attrs", attrs);
	cJSON_AddItemToArray(all, item);
	return attrs;
}

static cJSON *find_item(const char *provider, const char *kind, const char *id)
{
	cJSON *item;
	cJSON_ArrayForEach(item, the_store())
	{
		const char *item_id = field(item, "id");
		if (is(item, provider, kind) && item_id && id &&
		    strcmp(item_id, id) == 0)
			return item;
	}
	return NULL;
}

cJSON *sb_resource_find(const char *provider, const char *kind, const char *id)
{
	if (!provider || !kind)
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(find_item(provider, kind, id),
	                                        "attrs");
}

cJSON *sb_resource_find_by(const char *provider, const char *kind,
                           const char *attr, const char *value)
{
	cJSON *item;
	if (!provider || !kind || !attr || !value)
		return NULL;
	cJSON_ArrayForEach(item, the_store())
	{
		cJSON *attrs = cJSON_GetObjectItemCaseSensitive(item, "attrs");
		const char *v = field(attrs, attr);
		if (is(item, provider, kind) && v && strcmp(v, value) == 0)
			return attrs;
	}
	return NULL;
}

int sb_resource_delete(const char *provider, const char *kind, const char *id)
{
	if (!provider || !kind)
		return 0;
	cJSON *item = find_item(provider, kind, id);
	if (!item)
		return 0;
	cJSON_Delete(cJSON_DetachItemViaPointer(the_store(), item));
	return 1;
}

void sb_resource_each(const char *provider, const char *kind,
                      void (*fn)(const char *id, cJSON *attrs, void *arg),
                      void *arg)
{
	cJSON *item;
	if (!provider || !kind || !fn)
		return;
	cJSON_ArrayForEach(item, the_store())
	{
		if (is(item, provider, kind))
			fn(field(item, "id"),
			   cJSON_GetObjectItemCaseSensitive(item, "attrs"),
			   arg);
	}
}

cJSON *sb_resources_list(const char *provider, const char *kind)
{
	cJSON *out = cJSON_CreateArray(), *item;
	if (!out)
		return NULL;
	cJSON_ArrayForEach(item, the_store())
	{
		if (!is(item, provider, kind))
			continue;
		cJSON *copy = cJSON_Duplicate(item, 1);
		if (!copy) {
			cJSON_Delete(out);
			return NULL;
		}
		cJSON_AddItemToArray(out, copy);
	}
	return out;
}

void sb_resources_reset(void)
{
	cJSON_Delete(store);
	store = NULL;
	n_counters = 0;
}

void sb_new_id(char *buf, size_t len, const char *prefix)
{
	struct id_counter *c = NULL;
	if (!buf || len == 0)
		return;
	if (!prefix)
		prefix = "";
	for (size_t i = 0; i < n_counters && !c; i++)
		if (strcmp(counters[i].prefix, prefix) == 0)
			c = &counters[i];
	if (!c && n_counters < sizeof(counters) / sizeof(counters[0]) &&
	    strlen(prefix) < sizeof(counters[0].prefix)) {
		c = &counters[n_counters++];
		snprintf(c->prefix, sizeof(c->prefix), "%s", prefix);
		c->next = 1;
	}
	/* Past 64 prefixes (or a huge one) fall back to one shared counter
	 * so ids stay unique anyway. */
	static unsigned long overflow = 1;
	unsigned long n = c ? c->next++ : 100000 + overflow++;
	snprintf(buf, len, "%s%04lu", prefix, n);
}

int sb_injected_error(const char *provider, const char *id, int limit)
{
	cJSON *counter = sb_resource_find(provider, "injected_error", id);
	cJSON *sent;

	if (!counter) {
		counter = cJSON_CreateObject();
		cJSON_AddNumberToObject(counter, "sent", 0);
		counter =
		    sb_resource_add(provider, "injected_error", id, counter);
	}
	sent = cJSON_GetObjectItemCaseSensitive(counter, "sent");
	if (cJSON_GetNumberValue(sent) >= limit)
		return 0;
	cJSON_SetNumberValue(sent, cJSON_GetNumberValue(sent) + 1);
	return 1;
}
