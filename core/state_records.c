/*
 * Journal records: how each mutation of the state is written as a record
 * and what each record does to the in-memory model. Live changes (state.c,
 * through commit()) and the replay of the journal at open both go through
 * es_state_apply_record(), so what a run saw and what the next run loads
 * cannot drift apart. Also the small cJSON helpers both sides edit the
 * model with.
 */
#include "state_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- cJSON helpers ---------------------------------------------------- */

const char *es_state_str_member(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The object member `name` of `parent`, created when missing. */
cJSON *es_state_child(cJSON *parent, const char *name)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(parent, name);

	if (cJSON_IsObject(c))
		return c;
	cJSON_DeleteItemFromObjectCaseSensitive(parent, name);
	c = cJSON_CreateObject();
	if (c && !cJSON_AddItemToObject(parent, name, c)) {
		cJSON_Delete(c);
		c = NULL;
	}
	return c;
}

/* Replace member `name` by `item` (transfer full). 0/-1. */
int es_state_put(cJSON *parent, const char *name, cJSON *item)
{
	if (!parent || !item) {
		cJSON_Delete(item);
		return -1;
	}
	if (cJSON_GetObjectItemCaseSensitive(parent, name))
		return cJSON_ReplaceItemInObjectCaseSensitive(parent, name,
		                                              item)
		           ? 0
		           : -1;
	if (!cJSON_AddItemToObject(parent, name, item)) {
		cJSON_Delete(item);
		return -1;
	}
	return 0;
}

int es_state_put_string(cJSON *parent, const char *name, const char *value)
{
	return es_state_put(parent, name, cJSON_CreateString(value));
}

/* ---- records: what each one does to the model ------------------------ */

/* The entry of task `ref`, created when missing. */
static cJSON *task_entry(struct es_state_index *ix, cJSON *model,
                         const char *ref)
{
	cJSON *tasks = es_state_child(model, "tasks");
	cJSON *t = es_state_index_find(ix, tasks, ES_INDEX_TASKS, ref);

	if (cJSON_IsObject(t))
		return t;
	t = cJSON_CreateObject();
	return es_state_index_put(ix, tasks, ES_INDEX_TASKS, ref, t) == 0
	           ? t
	           : NULL;
}

/* The kv map of `plugin` and its index path. */
static cJSON *kv_map(cJSON *model, const char *plugin, char path[160],
                     int create)
{
	es_state_index_kv_path(path, plugin);
	if (create)
		return es_state_child(es_state_child(model, "kv"), plugin);
	return cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(model, "kv"), plugin);
}

static int apply_task(struct es_state_index *ix, cJSON *m, const cJSON *r)
{
	static const char *const timing[] = {"run_started", "started",
	                                     "finished", "waited"};
	const char *ref = es_state_str_member(r, "ref"),
	           *msg = es_state_str_member(r, "message");
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(r, "at");
	cJSON *t;

	if (!ref ||
	    es_state_task_state_parse(es_state_str_member(r, "state")) < 0 ||
	    !cJSON_IsNumber(at))
		return -1;
	t = task_entry(ix, m, ref);
	if (es_state_put_string(t, "state", es_state_str_member(r, "state")) <
	        0 ||
	    es_state_put(t, "updated", cJSON_CreateNumber(at->valuedouble)) < 0)
		return -1;
	/* The timing of the last apply (optional: plain task records, and
	 * those of older cores, keep the one the task had). */
	for (size_t i = 0; i < sizeof(timing) / sizeof(timing[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, timing[i]);

		if (cJSON_IsNumber(v) &&
		    es_state_put(t, timing[i],
		                 cJSON_CreateNumber(v->valuedouble)) < 0)
			return -1;
	}
	/* A new timing replaces the last apply's waits, even with none. */
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r, "started"))) {
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(r, "waits");
		double waits[ES_TASK_WAITS][2];

		if (w && es_state_waits_parse(w, waits, ES_TASK_WAITS) < 0)
			return -1;
		cJSON_DeleteItemFromObjectCaseSensitive(t, "waits");
		if (w && es_state_put(t, "waits", cJSON_Duplicate(w, 1)) < 0)
			return -1;
	}
	if (!msg) {
		cJSON_DeleteItemFromObjectCaseSensitive(t, "message");
		return 0;
	}
	return es_state_put_string(t, "message", msg);
}

static int apply_confirm(struct es_state_index *ix, cJSON *m, const cJSON *r)
{
	const char *ref = es_state_str_member(r, "ref"),
	           *by = es_state_str_member(r, "by");
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(r, "at");
	cJSON *t;

	if (!ref || !by || !cJSON_IsNumber(at))
		return -1;
	t = task_entry(ix, m, ref);
	if (es_state_put_string(t, "confirmed_by", by) < 0)
		return -1;
	return es_state_put(t, "confirmed_at",
	                    cJSON_CreateNumber(at->valuedouble));
}

static int apply_unconfirm(struct es_state_index *ix, cJSON *m, const cJSON *r)
{
	const char *ref = es_state_str_member(r, "ref");
	cJSON *t;

	if (!ref)
		return -1;
	t = es_state_index_find(ix,
	                        cJSON_GetObjectItemCaseSensitive(m, "tasks"),
	                        ES_INDEX_TASKS, ref);
	cJSON_DeleteItemFromObjectCaseSensitive(t, "confirmed_by");
	cJSON_DeleteItemFromObjectCaseSensitive(t, "confirmed_at");
	return 0;
}

static int apply_kv_put(struct es_state_index *ix, cJSON *m, const cJSON *r)
{
	const char *plugin = es_state_str_member(r, "plugin"),
	           *key = es_state_str_member(r, "key");
	const char *value = es_state_str_member(r, "value");

	char path[160];

	if (!plugin || !key || !value)
		return -1;
	return es_state_index_put(ix, kv_map(m, plugin, path, 1), path, key,
	                          cJSON_CreateString(value));
}

static int apply_kv_del(struct es_state_index *ix, cJSON *m, const cJSON *r)
{
	const char *plugin = es_state_str_member(r, "plugin"),
	           *key = es_state_str_member(r, "key");

	char path[160];

	if (!plugin || !key)
		return -1;
	es_state_index_remove(ix, kv_map(m, plugin, path, 0), path, key);
	return 0;
}

/* Outputs: {"value": V} or {"secret": true}, the value in secrets.json. */
static int apply_output(struct es_state_index *ix, cJSON *m, const cJSON *r)
{
	const char *plugin = es_state_str_member(r, "plugin"),
	           *name = es_state_str_member(r, "name");
	const char *value = es_state_str_member(r, "value");
	int secret =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "secret"));
	cJSON *o = cJSON_CreateObject();

	(void)ix; /* no entry of an indexed map */
	if (!plugin || !name || secret == !!value || !o) {
		cJSON_Delete(o);
		return -1;
	}
	if (secret ? !cJSON_AddTrueToObject(o, "secret")
	           : !cJSON_AddStringToObject(o, "value", value)) {
		cJSON_Delete(o);
		return -1;
	}
	return es_state_put(
	    es_state_child(es_state_child(m, "outputs"), plugin), name, o);
}

static int apply_secret(struct es_state_index *ix, cJSON *m, const cJSON *r)
{
	const char *plugin = es_state_str_member(r, "plugin"),
	           *name = es_state_str_member(r, "name");

	(void)ix; /* no entry of an indexed map */
	if (!plugin || !name)
		return -1;
	return es_state_put(
	    es_state_child(es_state_child(m, "secret_names"), plugin), name,
	    cJSON_CreateTrue());
}

static int apply_intent(struct es_state_index *ix, cJSON *m, const cJSON *r)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
	char key[32];
	cJSON *copy;

	if (!cJSON_IsNumber(id) || id->valuedouble < 1 ||
	    !es_state_str_member(r, "ref") ||
	    !es_state_str_member(r, "method") || !es_state_str_member(r, "url"))
		return -1;
	copy = cJSON_Duplicate(r, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "type");
	snprintf(key, sizeof(key), "%.0f", id->valuedouble);
	return es_state_index_put(ix, es_state_child(m, "intents"),
	                          ES_INDEX_INTENTS, key, copy);
}

static int apply_result(struct es_state_index *ix, cJSON *m, const cJSON *r)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
	char key[32];

	if (!cJSON_IsNumber(id))
		return -1;
	snprintf(key, sizeof(key), "%.0f", id->valuedouble);
	es_state_index_remove(ix,
	                      cJSON_GetObjectItemCaseSensitive(m, "intents"),
	                      ES_INDEX_INTENTS, key);
	return 0;
}

/* Forget the unanswered intents of `ref` that a previous run left. */
static int apply_interrupted_clear(struct es_state_index *ix, cJSON *m,
                                   const cJSON *r)
{
	const char *ref = es_state_str_member(r, "ref");
	cJSON *intents = cJSON_GetObjectItemCaseSensitive(m, "intents");
	cJSON *i = intents ? intents->child : NULL;

	if (!ref)
		return -1;
	while (i) {
		cJSON *next = i->next;
		const char *iref = es_state_str_member(i, "ref");

		if (iref && strcmp(iref, ref) == 0 && i->string &&
		    !cJSON_IsFalse(cJSON_GetObjectItem(i, "interrupted")))
			es_state_index_remove(ix, intents, ES_INDEX_INTENTS,
			                      i->string);
		i = next;
	}
	return 0;
}

/* An operator's hand change (state_operator.c): what it settles or
 * forgets, then a line in "operator_log", which outlives the journal. */
static int apply_operator(struct es_state_index *ix, cJSON *m, const cJSON *r)
{
	const char *action = es_state_str_member(r, "action"),
	           *target = es_state_str_member(r, "target"),
	           *by = es_state_str_member(r, "by");
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(r, "at");
	cJSON *log = cJSON_GetObjectItemCaseSensitive(m, "operator_log"), *e;

	if (!action || !target || !by || !cJSON_IsNumber(at))
		return -1;
	if (strcmp(action, "resolve") == 0) {
		cJSON *intents = cJSON_GetObjectItemCaseSensitive(m, "intents");
		cJSON *i = intents ? intents->child : NULL;

		while (i) {
			cJSON *next = i->next;
			const char *iref = es_state_str_member(i, "ref");

			if (i->string && (strcmp(i->string, target) == 0 ||
			                  (iref && strcmp(iref, target) == 0)))
				es_state_index_remove(
				    ix, intents, ES_INDEX_INTENTS, i->string);
			i = next;
		}
	} else if (strcmp(action, "forget") == 0) {
		const char *colon = strchr(target, ':');
		char plugin[128];

		if (!colon || colon == target ||
		    (size_t)(colon - target) >= sizeof(plugin))
			return -1;
		char path[160];

		snprintf(plugin, sizeof(plugin), "%.*s", (int)(colon - target),
		         target);
		es_state_index_remove(ix, kv_map(m, plugin, path, 0), path,
		                      colon + 1);
	}
	if (!cJSON_IsArray(log)) {
		cJSON_DeleteItemFromObjectCaseSensitive(m, "operator_log");
		log = cJSON_AddArrayToObject(m, "operator_log");
	}
	e = cJSON_Duplicate(r, 1);
	if (!log || !e) {
		cJSON_Delete(e);
		return -1;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(e, "type");
	cJSON_AddItemToArray(log, e);
	return 0;
}

/* `envsetup state migrate` (state_migrate.c): the state now lives in
 * another backend ("to"), or, without "to", is here again. */
static int apply_moved(struct es_state_index *ix, cJSON *m, const cJSON *r)
{
	(void)ix; /* where the state lives indexes nothing */
	const char *to = es_state_str_member(r, "to");

	if (!to) {
		cJSON_DeleteItemFromObjectCaseSensitive(m, "moved_to");
		return 0;
	}
	return es_state_put_string(m, "moved_to", to);
}

static const struct {
	const char *type;
	int (*apply)(struct es_state_index *ix, cJSON *model,
	             const cJSON *record);
} record_types[] = {
    {"task", apply_task},
    {"confirm", apply_confirm},
    {"unconfirm", apply_unconfirm},
    {"kv_put", apply_kv_put},
    {"kv_del", apply_kv_del},
    {"output", apply_output},
    {"secret", apply_secret},
    {"intent", apply_intent},
    {"result", apply_result},
    {"interrupted_clear", apply_interrupted_clear},
    {"operator", apply_operator},
    {"moved", apply_moved},
};

/* ---- the serial -------------------------------------------------------- */

static int same_string(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/*
 * Whether `r` would change what the model says, not only when. A saved
 * plan is stale once the serial moves (plan_file.c), so an apply that
 * changes nothing (every task re-recorded "done", "no changes") must not
 * move it: a record that only refreshes a timestamp does not count.
 * Secrets count always: their values live in secrets.json, not here.
 */
int es_state_record_changes(struct es_state_index *ix, cJSON *m, const cJSON *r)
{
	const char *type = es_state_str_member(r, "type");
	const cJSON *old;
	char path[160];

	if (!type)
		return 1;
	/* Where the state is stored is not what it says. */
	if (strcmp(type, "moved") == 0)
		return 0;
	if (strcmp(type, "task") == 0) {
		old = es_state_index_find(
		    ix, cJSON_GetObjectItemCaseSensitive(m, "tasks"),
		    ES_INDEX_TASKS, es_state_str_member(r, "ref"));
		return !old ||
		       !same_string(es_state_str_member(old, "state"),
		                    es_state_str_member(r, "state")) ||
		       !same_string(es_state_str_member(old, "message"),
		                    es_state_str_member(r, "message"));
	}
	if (strcmp(type, "kv_put") == 0 || strcmp(type, "kv_del") == 0) {
		old = es_state_str_member(r, "plugin")
		          ? es_state_index_find(
		                ix,
		                kv_map(m, es_state_str_member(r, "plugin"),
		                       path, 0),
		                path, es_state_str_member(r, "key"))
		          : NULL;
		return !same_string(cJSON_IsString(old) ? old->valuestring
		                                        : NULL,
		                    es_state_str_member(r, "value"));
	}
	if (strcmp(type, "output") == 0 &&
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "secret"))) {
		old = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(
		        cJSON_GetObjectItemCaseSensitive(m, "outputs"),
		        es_state_str_member(r, "plugin")),
		    es_state_str_member(r, "name"));
		return !same_string(es_state_str_member(old, "value"),
		                    es_state_str_member(r, "value"));
	}
	return 1;
}

/* Count a change in the model's "serial" (absent: 0). The journal's
 * replay at open goes through here too, so the serial a run leaves is
 * the one the next run loads. */
static int bump_serial(cJSON *m)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(m, "serial");
	double next =
	    cJSON_IsNumber(s) && s->valuedouble >= 0 && s->valuedouble < 9e15
	        ? s->valuedouble + 1
	        : 1;

	return es_state_put(m, "serial", cJSON_CreateNumber(next));
}

/* 0 applied, 1 unknown type (a newer minor: skipped), -1 malformed. */
int es_state_apply_record(struct es_state_index *ix, cJSON *model,
                          const cJSON *record)
{
	const char *type = es_state_str_member(record, "type");

	for (size_t i = 0;
	     type && i < sizeof(record_types) / sizeof(record_types[0]); i++) {
		int changes;

		if (strcmp(type, record_types[i].type) != 0)
			continue;
		changes = es_state_record_changes(ix, model, record);
		if (record_types[i].apply(ix, model, record) < 0)
			return -1;
		return changes && bump_serial(model) < 0 ? -1 : 0;
	}
	return type ? 1 : -1;
}

/* A record of `type` with string members given as name/value pairs,
 * NULL-terminated; a NULL value leaves its member out. */
cJSON *es_state_record_new(const char *type, ...)
{
	cJSON *r = cJSON_CreateObject();
	va_list ap;
	const char *name;

	if (!r || !cJSON_AddStringToObject(r, "type", type)) {
		cJSON_Delete(r);
		return NULL;
	}
	va_start(ap, type);
	while ((name = va_arg(ap, const char *))) {
		const char *value = va_arg(ap, const char *);

		if (value && !cJSON_AddStringToObject(r, name, value)) {
			cJSON_Delete(r);
			r = NULL;
			break;
		}
	}
	va_end(ap);
	return r;
}

cJSON *es_state_with_number(cJSON *r, const char *name, double v)
{
	if (r && !cJSON_AddNumberToObject(r, name, v)) {
		cJSON_Delete(r);
		return NULL;
	}
	return r;
}

cJSON *es_state_with_waits(cJSON *r, const double (*waits)[2], unsigned n)
{
	cJSON *list = r ? cJSON_AddArrayToObject(r, "waits") : NULL;

	for (unsigned i = 0; list && i < n; i++) {
		cJSON *w = cJSON_CreateDoubleArray(waits[i], 2);

		if (!w || !cJSON_AddItemToArray(list, w)) {
			cJSON_Delete(w);
			list = NULL;
		}
	}
	if (r && !list) {
		cJSON_Delete(r);
		return NULL;
	}
	return r;
}

int es_state_waits_parse(const cJSON *list, double (*waits)[2], unsigned max)
{
	const cJSON *w;
	unsigned n = 0;

	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) > (int)max)
		return -1;
	cJSON_ArrayForEach(w, list)
	{
		const cJSON *from = cJSON_GetArrayItem(w, 0),
		            *to = cJSON_GetArrayItem(w, 1);

		if (cJSON_GetArraySize(w) != 2 || !cJSON_IsNumber(from) ||
		    !cJSON_IsNumber(to) || to->valuedouble < from->valuedouble)
			return -1;
		waits[n][0] = from->valuedouble;
		waits[n][1] = to->valuedouble;
		n++;
	}
	return (int)n;
}
