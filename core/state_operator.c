/*
 * Recovery (state.h, docs/recovery.md): what an operator changes by hand
 * when the state and the world disagree. Settling an interrupted write,
 * forgetting a recorded id and removing a stale lock each become one
 * "operator" journal record naming who and when (state_records.c keeps
 * it in state.json's "operator_log"), so no hand change is silent and a
 * saved plan made before it is stale (the serial moves).
 */
#include "state.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_internal.h"

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* What settling `target` drops, for the log: "METHOD URL (intent)" of
 * the first open intent it names, and how many. Under s->lock. */
static int open_intents(struct es_state *s, const char *target, char *what,
                        size_t len)
{
	const cJSON *i;
	int n = 0;

	cJSON_ArrayForEach(i, cJSON_GetObjectItem(s->model, "intents"))
	{
		const char *ref = es_state_str_member(i, "ref");

		if (strcmp(i->string, target) != 0 &&
		    (!ref || strcmp(ref, target) != 0))
			continue;
		if (n++ == 0)
			snprintf(what, len, "%s: %s %s%s%s%s", ref ? ref : "?",
			         es_state_str_member(i, "method"),
			         es_state_str_member(i, "url"),
			         es_state_str_member(i, "intent") ? " (" : "",
			         es_state_str_member(i, "intent")
			             ? es_state_str_member(i, "intent")
			             : "",
			         es_state_str_member(i, "intent") ? ")" : "");
	}
	return n;
}

/* The recorded value of "plugin:key", NULL when none. Under s->lock. */
static const char *recorded(struct es_state *s, const char *target)
{
	const char *colon = strchr(target, ':');
	char plugin[128];

	if (!colon || colon == target || !colon[1] ||
	    (size_t)(colon - target) >= sizeof(plugin))
		return NULL;
	snprintf(plugin, sizeof(plugin), "%.*s", (int)(colon - target), target);
	return es_state_str_member(
	    cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetObjectItemCaseSensitive(s->model, "kv"), plugin),
	    colon + 1);
}

static cJSON *operator_record(const char *action, const char *target,
                              const char *detail, const char *by)
{
	return es_state_with_number(
	    es_state_record_new("operator", "action", action, "target", target,
	                        "detail", detail, "by", by, (const char *)NULL),
	    "at", (double)time(NULL));
}

int es_state_resolve(struct es_state *s, const char *target,
                     enum es_resolve_as as, const char *by, char *err,
                     size_t errlen)
{
	char what[1024] = "";
	const char *value;
	int rc = -1;

	if (!s || !target || !*target || !by || !*by || s->readonly) {
		snprintf(err, errlen, "state: not open for writing");
		return -1;
	}
	pthread_mutex_lock(&s->lock);
	if (as == ES_RESOLVE_DONE) {
		int n = open_intents(s, target, what, sizeof(what));

		if (n == 0)
			snprintf(err, errlen,
			         "no open intent %s '%s' (state show lists "
			         "them)",
			         all_digits(target) ? "numbered" : "of task",
			         target);
		else
			rc = es_state_commit(
			    s, operator_record("resolve", target, what, by));
		if (n > 1)
			snprintf(what + strlen(what),
			         sizeof(what) - strlen(what), " and %d more",
			         n - 1);
	} else if ((value = recorded(s, target)) == NULL) {
		snprintf(err, errlen,
		         "no recorded key '%s' (PLUGIN:KEY as state show "
		         "lists them)",
		         target);
	} else {
		snprintf(what, sizeof(what), "was %s", value);
		rc = es_state_commit(
		    s, operator_record("forget", target, what, by));
	}
	if (rc < 0 && what[0])
		snprintf(err, errlen, "%s", es_state_write_error());
	pthread_mutex_unlock(&s->lock);
	return rc;
}

cJSON *es_state_document(struct es_state *s)
{
	cJSON *doc;

	if (!s)
		return NULL;
	pthread_mutex_lock(&s->lock);
	doc = cJSON_Duplicate(s->model, 1);
	pthread_mutex_unlock(&s->lock);
	return doc;
}

enum es_state_error es_state_force_unlock(const char *dir, const char *customer,
                                          const char *environment,
                                          const char *lock_id, const char *by,
                                          char *msg, size_t len)
{
	struct es_state_where where = {.dir = dir};

	return es_state_force_unlock_at(&where, customer, environment, lock_id,
	                                by, msg, len);
}

enum es_state_error es_state_force_unlock_at(const struct es_state_where *where,
                                             const char *customer,
                                             const char *environment,
                                             const char *lock_id,
                                             const char *by, char *msg,
                                             size_t len)
{
	const struct es_state_backend *be =
	    es_state_backend_find(where->backend);
	struct es_state_store *store = NULL;
	struct es_state *s = NULL;
	enum es_state_error e;
	char removed[1024], err[1024];

	if (!be) {
		snprintf(msg, len, "no state backend '%s'", where->backend);
		return ES_STATE_IO;
	}
	e = be->open(where, customer, environment, 1, &store, msg, len);
	if (e == ES_STATE_OK)
		e = be->force_unlock(store, lock_id, removed, sizeof(removed));
	if (store)
		be->close(store);
	if (e != ES_STATE_OK) {
		if (store)
			snprintf(msg, len, "%s", removed);
		return e;
	}
	/* Journal who removed it: the lock is free now, so take it. */
	e = es_state_open_at(where, customer, environment, 0, 0, &s, err,
	                     sizeof(err));
	if (e == ES_STATE_OK) {
		pthread_mutex_lock(&s->lock);
		if (es_state_commit(s, operator_record("force-unlock", lock_id,
		                                       removed, by)) < 0)
			e = ES_STATE_IO;
		pthread_mutex_unlock(&s->lock);
		if (es_state_close(s) < 0)
			e = ES_STATE_IO;
	}
	if (e != ES_STATE_OK)
		snprintf(msg, len, "%s; but not journaled: %s", removed,
		         e == ES_STATE_IO ? es_state_write_error() : err);
	else
		snprintf(msg, len, "%s", removed);
	return ES_STATE_OK;
}
