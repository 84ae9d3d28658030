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

static cJSON *task_entry(cJSON *model, const char *ref)
{
	return es_state_child(es_state_child(model, "tasks"), ref);
}

static int apply_task(cJSON *m, const cJSON *r)
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
	t = task_entry(m, ref);
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
	if (!msg) {
		cJSON_DeleteItemFromObjectCaseSensitive(t, "message");
		return 0;
	}
	return es_state_put_string(t, "message", msg);
}

static int apply_confirm(cJSON *m, const cJSON *r)
{
	const char *ref = es_state_str_member(r, "ref"),
	           *by = es_state_str_member(r, "by");
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(r, "at");
	cJSON *t;

	if (!ref || !by || !cJSON_IsNumber(at))
		return -1;
	t = task_entry(m, ref);
	if (es_state_put_string(t, "confirmed_by", by) < 0)
		return -1;
	return es_state_put(t, "confirmed_at",
	                    cJSON_CreateNumber(at->valuedouble));
}

static int apply_unconfirm(cJSON *m, const cJSON *r)
{
	const char *ref = es_state_str_member(r, "ref");
	cJSON *t;

	if (!ref)
		return -1;
	t = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(m, "tasks"), ref);
	cJSON_DeleteItemFromObjectCaseSensitive(t, "confirmed_by");
	cJSON_DeleteItemFromObjectCaseSensitive(t, "confirmed_at");
	return 0;
}

static int apply_kv_put(cJSON *m, const cJSON *r)
{
	const char *plugin = es_state_str_member(r, "plugin"),
	           *key = es_state_str_member(r, "key");
	const char *value = es_state_str_member(r, "value");

	if (!plugin || !key || !value)
		return -1;
	return es_state_put_string(
	    es_state_child(es_state_child(m, "kv"), plugin), key, value);
}

static int apply_kv_del(cJSON *m, const cJSON *r)
{
	const char *plugin = es_state_str_member(r, "plugin"),
	           *key = es_state_str_member(r, "key");

	if (!plugin || !key)
		return -1;
	cJSON_DeleteItemFromObjectCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetObjectItemCaseSensitive(m, "kv"), plugin),
	    key);
	return 0;
}

/* Outputs: {"value": V} or {"secret": true}, the value in secrets.json. */
static int apply_output(cJSON *m, const cJSON *r)
{
	const char *plugin = es_state_str_member(r, "plugin"),
	           *name = es_state_str_member(r, "name");
	const char *value = es_state_str_member(r, "value");
	int secret =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "secret"));
	cJSON *o = cJSON_CreateObject();

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

static int apply_secret(cJSON *m, const cJSON *r)
{
	const char *plugin = es_state_str_member(r, "plugin"),
	           *name = es_state_str_member(r, "name");

	if (!plugin || !name)
		return -1;
	return es_state_put(
	    es_state_child(es_state_child(m, "secret_names"), plugin), name,
	    cJSON_CreateTrue());
}

static int apply_intent(cJSON *m, const cJSON *r)
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
	return es_state_put(es_state_child(m, "intents"), key, copy);
}

static int apply_result(cJSON *m, const cJSON *r)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
	char key[32];

	if (!cJSON_IsNumber(id))
		return -1;
	snprintf(key, sizeof(key), "%.0f", id->valuedouble);
	cJSON_DeleteItemFromObjectCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(m, "intents"), key);
	return 0;
}

/* Forget the unanswered intents of `ref` that a previous run left. */
static int apply_interrupted_clear(cJSON *m, const cJSON *r)
{
	const char *ref = es_state_str_member(r, "ref");
	cJSON *intents = cJSON_GetObjectItemCaseSensitive(m, "intents");
	cJSON *i = intents ? intents->child : NULL;

	if (!ref)
		return -1;
	while (i) {
		cJSON *next = i->next;
		const char *iref = es_state_str_member(i, "ref");

		if (iref && strcmp(iref, ref) == 0 &&
		    !cJSON_IsFalse(cJSON_GetObjectItem(i, "interrupted")))
			cJSON_Delete(cJSON_DetachItemViaPointer(intents, i));
		i = next;
	}
	return 0;
}

/* An operator's hand change (state_operator.c): what it settles or
 * forgets, then a line in "operator_log", which outlives the journal. */
static int apply_operator(cJSON *m, const cJSON *r)
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

			if ((i->string && strcmp(i->string, target) == 0) ||
			    (iref && strcmp(iref, target) == 0))
				cJSON_Delete(
				    cJSON_DetachItemViaPointer(intents, i));
			i = next;
		}
	} else if (strcmp(action, "forget") == 0) {
		const char *colon = strchr(target, ':');
		char plugin[128];

		if (!colon || colon == target ||
		    (size_t)(colon - target) >= sizeof(plugin))
			return -1;
		snprintf(plugin, sizeof(plugin), "%.*s", (int)(colon - target),
		         target);
		cJSON_DeleteItemFromObjectCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(
		        cJSON_GetObjectItemCaseSensitive(m, "kv"), plugin),
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

static const struct {
	const char *type;
	int (*apply)(cJSON *model, const cJSON *record);
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
int es_state_record_changes(const cJSON *m, const cJSON *r)
{
	const char *type = es_state_str_member(r, "type");
	const cJSON *old;

	if (!type)
		return 1;
	if (strcmp(type, "task") == 0) {
		old = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(m, "tasks"),
		    es_state_str_member(r, "ref"));
		return !old ||
		       !same_string(es_state_str_member(old, "state"),
		                    es_state_str_member(r, "state")) ||
		       !same_string(es_state_str_member(old, "message"),
		                    es_state_str_member(r, "message"));
	}
	if (strcmp(type, "kv_put") == 0 || strcmp(type, "kv_del") == 0) {
		old = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(
		        cJSON_GetObjectItemCaseSensitive(m, "kv"),
		        es_state_str_member(r, "plugin")),
		    es_state_str_member(r, "key"));
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
int es_state_apply_record(cJSON *model, const cJSON *record)
{
	const char *type = es_state_str_member(record, "type");

	for (size_t i = 0;
	     type && i < sizeof(record_types) / sizeof(record_types[0]); i++) {
		int changes;

		if (strcmp(type, record_types[i].type) != 0)
			continue;
		changes = es_state_record_changes(model, record);
		if (record_types[i].apply(model, record) < 0)
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
