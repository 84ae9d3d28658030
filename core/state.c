/*
 * Durable state (see state.h): open, close, and the operations of state.h.
 * The model is the snapshot document itself, kept current in memory.
 * Every mutation is first made a journal record (state_records.c),
 * appended durably by the backend, then applied to the model by the same
 * function that replays the journal at open.
 *
 * Secret values never enter a record: they go to the secrets document
 * (saved atomically before the call returns) and the journal only notes
 * that a secret of that name exists.
 */
#include "state.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "secret_seal.h"
#include "state_internal.h"

static const char *const task_state_names[] = {
    [ES_TS_PENDING] = "pending",         [ES_TS_DONE] = "done",
    [ES_TS_FAILED] = "failed",           [ES_TS_WAITING] = "waiting",
    [ES_TS_IN_PROGRESS] = "in-progress", [ES_TS_BLOCKED] = "blocked",
    [ES_TS_REMOVED] = "removed",         [ES_TS_KEPT] = "kept",
};
#define N_TASK_STATES (sizeof(task_state_names) / sizeof(task_state_names[0]))

const char *es_task_state_name(enum es_task_state s)
{
	if ((unsigned)s >= N_TASK_STATES)
		return "unknown";
	return task_state_names[s];
}

int es_state_task_state_parse(const char *name)
{
	for (size_t i = 0; name && i < N_TASK_STATES; i++)
		if (strcmp(name, task_state_names[i]) == 0)
			return (int)i;
	return -1;
}

int es_state_format_major(const cJSON *doc)
{
	const cJSON *v =
	    cJSON_GetObjectItemCaseSensitive(doc, "format_version");
	char *end;
	long major;

	if (cJSON_IsNumber(v))
		return v->valuedouble >= 0 && v->valuedouble < 1000
		           ? (int)v->valuedouble
		           : -1;
	if (!cJSON_IsString(v) || !v->valuestring[0])
		return -1;
	major = strtol(v->valuestring, &end, 10);
	if (end == v->valuestring || (*end && *end != '.') || major < 0 ||
	    major >= 1000)
		return -1;
	return (int)major;
}

/* Overwrite every string of a tree that may hold secrets. */
static void wipe_strings(cJSON *node)
{
	for (cJSON *c = node; c; c = c->next) {
		if (cJSON_IsString(c) && c->valuestring)
			es_wipe(c->valuestring, strlen(c->valuestring));
		wipe_strings(c->child);
	}
}

void es_state_wipe_delete(cJSON *node)
{
	if (node)
		wipe_strings(node->child);
	cJSON_Delete(node);
}

/* Why this thread's last write failed, and how many failed (state.h):
 * a task runs on one thread, so its runner finds its own failures. */
static _Thread_local char write_error[256];
static _Thread_local unsigned long write_failures;

static void write_failed(int why)
{
	snprintf(write_error, sizeof(write_error), "state: %s",
	         why ? strerror(why) : "out of memory");
	write_failures++;
}

const char *es_state_write_error(void)
{
	return write_error[0] ? write_error : "state: write failed";
}

unsigned long es_state_write_failures(void)
{
	return write_failures;
}

/* Journal first, then the model: nothing is acknowledged that a crash
 * could lose. A record that changes nothing a crash could lose (the
 * serial's rule, state_records.c: a task done again "no changes", an
 * output or id recorded again with its value; only a timestamp is new)
 * costs no journal line and no fsync: the model takes it, and the
 * snapshot at close writes it. Takes `record` (transfer full). Called
 * under the lock. */
int es_state_commit(struct es_state *s, cJSON *record)
{
	int rc = -1;

	errno = 0;
	if (record && !s->readonly &&
	    !es_state_record_changes(&s->index, s->model, record)) {
		rc = es_state_apply_record(&s->index, s->model, record) == 0
		         ? 0
		         : -1;
		s->changed |= rc == 0;
	} else if (record && !s->readonly &&
	           s->be->journal_append(s->store, record) == 0) {
		s->changed = 1;
		rc = es_state_apply_record(&s->index, s->model, record) == 0
		         ? 0
		         : -1;
	}
	if (rc < 0 && !s->readonly)
		write_failed(errno);
	cJSON_Delete(record);
	return rc;
}

/* Task `ref`'s entry in the model, or NULL. Under s->lock. */
static cJSON *task_of(struct es_state *s, const char *ref)
{
	return es_state_index_find(
	    &s->index, cJSON_GetObjectItemCaseSensitive(s->model, "tasks"),
	    ES_INDEX_TASKS, ref);
}

/* Intent `key` (its id) in the model, or NULL. Under s->lock. */
static cJSON *intent_of(struct es_state *s, const char *key)
{
	return es_state_index_find(
	    &s->index, cJSON_GetObjectItemCaseSensitive(s->model, "intents"),
	    ES_INDEX_INTENTS, key);
}

static int same_text(const char *x, const char *y)
{
	return x == y || (x && y && strcmp(x, y) == 0);
}

/* ---- open and close --------------------------------------------------- */

static void state_free(struct es_state *s)
{
	if (!s)
		return;
	if (s->store) {
		s->be->unlock(s->store);
		s->be->close(s->store);
	}
	es_state_index_reset(&s->index);
	cJSON_Delete(s->model);
	es_state_wipe_delete(s->secrets);
	cJSON_Delete(s->sealed);
	es_wipe(s->key, sizeof(s->key));
	free(s->customer);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static cJSON *document_new(void)
{
	cJSON *d = cJSON_CreateObject();

	if (d && !cJSON_AddStringToObject(d, "format_version",
	                                  ES_STATE_FORMAT_VERSION)) {
		cJSON_Delete(d);
		d = NULL;
	}
	return d;
}

/* The members state.c relies on exist and have the right type. */
static int model_check(cJSON *doc, const char *const *members, char *what,
                       size_t len)
{
	for (size_t i = 0; members[i]; i++) {
		cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, members[i]);

		if (m && !cJSON_IsObject(m)) {
			snprintf(what, len, "'%s' is not an object",
			         members[i]);
			return -1;
		}
		if (!es_state_child(doc, members[i])) {
			snprintf(what, len, "out of memory");
			return -1;
		}
	}
	return 0;
}

static const char *const model_members[] = {
    "tasks", "kv", "outputs", "secret_names", "intents", NULL,
};
static const char *const secrets_members[] = {"secrets", "outputs", NULL};

/* Snapshot, then the journal over it; marks what the last run left open. */
static enum es_state_error state_build(struct es_state *s,
                                       struct es_state_loaded *ld, char *err,
                                       size_t errlen)
{
	const char *path = s->be->path(s->store), *owner;
	const cJSON *next;
	char what[128];
	int i = 0;
	cJSON *rec, *in;

	es_state_index_reset(&s->index);
	s->model = ld->snapshot ? ld->snapshot : document_new();
	if (es_sealed(ld->secrets)) {
		s->sealed = ld->secrets;
		ld->secrets = NULL;
	}
	s->secrets = ld->secrets ? ld->secrets : document_new();
	ld->snapshot = ld->secrets = NULL;
	if (!s->model || !s->secrets ||
	    model_check(s->model, model_members, what, sizeof(what)) < 0 ||
	    model_check(s->secrets, secrets_members, what, sizeof(what)) < 0) {
		snprintf(err, errlen, "%s: state.json or secrets.json: %s",
		         path, s->model && s->secrets ? what : "out of memory");
		return ES_STATE_CORRUPT;
	}
	owner = es_state_str_member(s->model, "customer");
	if (owner && strcmp(owner, s->customer) != 0) {
		snprintf(
		    err, errlen,
		    "%s belongs to customer '%s', not '%s': check state_dir",
		    path, owner, s->customer);
		return ES_STATE_CORRUPT;
	}
	next = cJSON_GetObjectItemCaseSensitive(s->model, "next_intent_id");
	s->next_intent = cJSON_IsNumber(next) && next->valuedouble >= 1 &&
	                         next->valuedouble < 9e15
	                     ? (uint64_t)next->valuedouble
	                     : 1;
	cJSON_ArrayForEach(rec, ld->journal)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
		int rc = es_state_apply_record(&s->index, s->model, rec);

		i++;
		if (rc < 0) {
			snprintf(err, errlen,
			         "%s/journal.jsonl: record %d (type '%s') is "
			         "malformed",
			         path, i,
			         es_state_str_member(rec, "type")
			             ? es_state_str_member(rec, "type")
			             : "?");
			return ES_STATE_CORRUPT;
		}
		if (rc > 0)
			es_log(
			    ES_LOG_WARNING, NULL,
			    "%s/journal.jsonl: record %d of unknown type '%s' "
			    "skipped",
			    path, i, es_state_str_member(rec, "type"));
		if (cJSON_IsNumber(id) && id->valuedouble < 9e15 &&
		    id->valuedouble >= (double)s->next_intent)
			s->next_intent = (uint64_t)id->valuedouble + 1;
	}
	/* A run still pointed at where the state was moved from: starting
	 * afresh there would create everything again. */
	if (es_state_str_member(s->model, "moved_to")) {
		snprintf(err, errlen,
		         "%s was moved to the %s state backend (envsetup state "
		         "migrate): set customer.state_backend = \"%s\"",
		         path, es_state_str_member(s->model, "moved_to"),
		         es_state_str_member(s->model, "moved_to"));
		return ES_STATE_CORRUPT;
	}
	cJSON_ArrayForEach(in, cJSON_GetObjectItem(s->model, "intents"))
	    es_state_put(in, "interrupted", cJSON_CreateTrue());
	return ES_STATE_OK;
}

const struct es_state_backend *es_state_backend_find(const char *name)
{
	if (!name || strcmp(name, es_state_file_backend.name) == 0)
		return &es_state_file_backend;
	if (strcmp(name, es_state_pg_backend.name) == 0)
		return &es_state_pg_backend;
	return NULL;
}

enum es_state_error es_state_open_at(const struct es_state_where *where,
                                     const char *customer,
                                     const char *environment, int wait_s,
                                     int readonly, struct es_state **out,
                                     char *err, size_t errlen)
{
	struct es_state_loaded ld = {0};
	struct es_state *s;
	enum es_state_error e;

	if (!out || !err || errlen == 0)
		return ES_STATE_IO;
	*out = NULL;
	err[0] = '\0';
	if (!customer || !*customer) {
		snprintf(err, errlen, "state: no customer id");
		return ES_STATE_IO;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->customer = strdup(customer))) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return ES_STATE_IO;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->be = where ? es_state_backend_find(where->backend) : NULL;
	s->readonly = readonly;
	if (!s->be) {
		snprintf(err, errlen, "state: no state backend '%s'",
		         where ? where->backend : "");
		state_free(s);
		return ES_STATE_IO;
	}
	e = s->be->open(where, customer, environment, readonly, &s->store, err,
	                errlen);
	if (e == ES_STATE_OK && !readonly)
		e = s->be->lock(s->store, wait_s < 0 ? 0 : wait_s, err, errlen);
	if (e == ES_STATE_OK)
		e = s->be->load(s->store, &ld, err, errlen);
	if (e == ES_STATE_OK)
		e = state_build(s, &ld, err, errlen);
	cJSON_Delete(ld.snapshot);
	cJSON_Delete(ld.journal);
	es_state_wipe_delete(ld.secrets);
	if (e != ES_STATE_OK) {
		state_free(s);
		return e;
	}
	*out = s;
	return ES_STATE_OK;
}

enum es_state_error es_state_open(const char *dir, const char *customer,
                                  const char *environment, int wait_s,
                                  struct es_state **out, char *err,
                                  size_t errlen)
{
	struct es_state_where where = {.dir = dir};

	return es_state_open_at(&where, customer, environment, wait_s, 0, out,
	                        err, errlen);
}

enum es_state_error es_state_open_readonly(const char *dir,
                                           const char *customer,
                                           const char *environment,
                                           struct es_state **out, char *err,
                                           size_t errlen)
{
	struct es_state_where where = {.dir = dir};

	return es_state_open_at(&where, customer, environment, 0, 1, out, err,
	                        errlen);
}

static int snapshot(struct es_state *s)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (es_state_put_string(s->model, "format_version",
	                        ES_STATE_FORMAT_VERSION) < 0 ||
	    es_state_put_string(s->model, "customer", s->customer) < 0 ||
	    es_state_put_string(s->model, "written", when) < 0 ||
	    es_state_put(s->model, "next_intent_id",
	                 cJSON_CreateNumber((double)s->next_intent)) < 0)
		return -1;
	return s->be->snapshot(s->store, s->model);
}

int es_state_close(struct es_state *s)
{
	int rc = 0;

	if (!s)
		return -1;
	pthread_mutex_lock(&s->lock);
	/* A run that wrote nothing (plan) leaves the files as they were. */
	if (!s->readonly && s->changed)
		rc = snapshot(s);
	pthread_mutex_unlock(&s->lock);
	state_free(s);
	return rc;
}

const char *es_state_path(const struct es_state *s)
{
	return s ? s->be->path(s->store) : NULL;
}

uint64_t es_state_serial(struct es_state *s)
{
	const cJSON *v;
	uint64_t serial = 0;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->lock);
	v = cJSON_GetObjectItemCaseSensitive(s->model, "serial");
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 9e15)
		serial = (uint64_t)v->valuedouble;
	pthread_mutex_unlock(&s->lock);
	return serial;
}

/* ---- tasks and confirmations ---------------------------------------- */

static double now_s(void)
{
	return (double)time(NULL);
}

int es_state_task_set(struct es_state *s, const char *ref,
                      enum es_task_state st, const char *message)
{
	return es_state_task_set_timed(s, ref, st, message, NULL);
}

int es_state_task_set_timed(struct es_state *s, const char *ref,
                            enum es_task_state st, const char *message,
                            const struct es_task_timing *timing)
{
	cJSON *r;
	int rc;

	if (!s || !ref || (unsigned)st >= N_TASK_STATES)
		return -1;
	r = es_state_with_number(
	    es_state_record_new("task", "ref", ref, "state",
	                        task_state_names[st], "message", message, NULL),
	    "at", now_s());
	if (timing)
		r = es_state_with_number(
		    es_state_with_number(
		        es_state_with_number(
		            es_state_with_number(r, "run_started",
		                                 timing->run_started),
		            "started", timing->started),
		        "finished", timing->finished),
		    "waited", timing->waited);
	if (timing && timing->n_waits)
		r = es_state_with_waits(r, timing->waits, timing->n_waits);
	pthread_mutex_lock(&s->lock);
	rc = es_state_commit(s, r);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int es_state_task_timing(struct es_state *s, const char *ref,
                         struct es_task_timing *out)
{
	static const char *const names[] = {"run_started", "started",
	                                    "finished", "waited"};
	double v[4];
	const cJSON *t;
	int rc = 0, n_waits = 0;

	if (!s || !ref || !out)
		return -1;
	pthread_mutex_lock(&s->lock);
	t = task_of(s, ref);
	for (size_t i = 0; i < 4 && rc == 0; i++) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(t, names[i]);

		if (cJSON_IsNumber(n))
			v[i] = n->valuedouble;
		else
			rc = -1;
	}
	if (rc == 0 && cJSON_GetObjectItemCaseSensitive(t, "waits"))
		n_waits = es_state_waits_parse(
		    cJSON_GetObjectItemCaseSensitive(t, "waits"), out->waits,
		    ES_TASK_WAITS);
	pthread_mutex_unlock(&s->lock);
	if (rc == 0) {
		out->run_started = v[0];
		out->started = v[1];
		out->finished = v[2];
		out->waited = v[3];
		out->n_waits = n_waits > 0 ? (unsigned)n_waits : 0;
	}
	return rc;
}

enum es_task_state es_state_task_get(struct es_state *s, const char *ref,
                                     char **message, time_t *updated)
{
	const cJSON *t, *at;
	const char *msg;
	int st = ES_TS_PENDING;

	if (message)
		*message = NULL;
	if (updated)
		*updated = 0;
	if (!s || !ref)
		return ES_TS_PENDING;
	pthread_mutex_lock(&s->lock);
	t = task_of(s, ref);
	if (es_state_task_state_parse(es_state_str_member(t, "state")) >= 0)
		st = es_state_task_state_parse(es_state_str_member(t, "state"));
	msg = es_state_str_member(t, "message");
	if (message && msg)
		*message = strdup(msg);
	at = cJSON_GetObjectItemCaseSensitive(t, "updated");
	if (updated && cJSON_IsNumber(at))
		*updated = (time_t)at->valuedouble;
	pthread_mutex_unlock(&s->lock);
	return (enum es_task_state)st;
}

int es_state_confirm(struct es_state *s, const char *ref, const char *by)
{
	int rc;

	if (!s || !ref || !by)
		return -1;
	pthread_mutex_lock(&s->lock);
	rc = es_state_commit(
	    s, es_state_with_number(
	           es_state_record_new("confirm", "ref", ref, "by", by, NULL),
	           "at", now_s()));
	pthread_mutex_unlock(&s->lock);
	return rc;
}

char *es_state_confirmation(struct es_state *s, const char *ref)
{
	const cJSON *t, *at;
	const char *by;
	char when[32] = "?", *out = NULL;

	if (!s || !ref)
		return NULL;
	pthread_mutex_lock(&s->lock);
	t = task_of(s, ref);
	by = es_state_str_member(t, "confirmed_by");
	at = cJSON_GetObjectItemCaseSensitive(t, "confirmed_at");
	if (by) {
		if (cJSON_IsNumber(at)) {
			time_t tt = (time_t)at->valuedouble;
			struct tm tm;

			if (gmtime_r(&tt, &tm))
				strftime(when, sizeof(when),
				         "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		size_t len = strlen(by) + strlen(when) + 5;

		out = malloc(len);
		if (out)
			snprintf(out, len, "%s at %s", by, when);
	}
	pthread_mutex_unlock(&s->lock);
	return out;
}

int es_state_unconfirm(struct es_state *s, const char *ref)
{
	int rc;

	if (!s || !ref)
		return -1;
	pthread_mutex_lock(&s->lock);
	rc = es_state_commit(
	    s, es_state_record_new("unconfirm", "ref", ref, NULL));
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* ---- key/values --------------------------------------------------------- */

char *es_state_kv_get(struct es_state *s, const char *plugin, const char *key)
{
	const cJSON *v;
	char *out = NULL, path[160];

	if (!s || !plugin || !key)
		return NULL;
	pthread_mutex_lock(&s->lock);
	es_state_index_kv_path(path, plugin);
	v = es_state_index_find(
	    &s->index,
	    cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetObjectItemCaseSensitive(s->model, "kv"), plugin),
	    path, key);
	if (cJSON_IsString(v))
		out = strdup(v->valuestring);
	pthread_mutex_unlock(&s->lock);
	return out;
}

int es_state_kv_put(struct es_state *s, const char *plugin, const char *key,
                    const char *value)
{
	int rc;

	if (!s || !plugin || !key || !value)
		return -1;
	pthread_mutex_lock(&s->lock);
	rc = es_state_commit(s, es_state_record_new("kv_put", "plugin", plugin,
	                                            "key", key, "value", value,
	                                            NULL));
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int es_state_kv_del(struct es_state *s, const char *plugin, const char *key)
{
	int rc;

	if (!s || !plugin || !key)
		return -1;
	pthread_mutex_lock(&s->lock);
	rc = es_state_commit(s, es_state_record_new("kv_del", "plugin", plugin,
	                                            "key", key, NULL));
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* ---- secrets and outputs -------------------------------------------- */

/* 1 (said once) when secrets.json is sealed and no key opened it. */
static int sealed_shut(struct es_state *s)
{
	if (!s->sealed)
		return 0;
	if (!s->sealed_said++)
		es_log(ES_LOG_ERROR, NULL,
		       "%s/secrets.json is sealed: set customer.state_key to "
		       "the key it was sealed with",
		       s->be->path(s->store));
	return 1;
}

int es_state_secrets_key(struct es_state *s, const char *secret, char *err,
                         size_t errlen)
{
	cJSON *doc;

	pthread_mutex_lock(&s->lock);
	es_seal_key(secret, s->key);
	s->has_key = 1;
	if (s->sealed) {
		doc = es_unseal(s->sealed, s->key, s->customer, err, errlen);
		if (!doc) {
			pthread_mutex_unlock(&s->lock);
			return -1;
		}
		es_state_wipe_delete(s->secrets);
		s->secrets = doc;
		cJSON_Delete(s->sealed);
		s->sealed = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* Set (value) or remove (NULL) secrets.json/section/plugin/name, saved
 * atomically before the model changes: a failed save changes nothing. */
static int secrets_update(struct es_state *s, const char *section,
                          const char *plugin, const char *name,
                          const char *value)
{
	cJSON *copy, *group, *sealed;

	if (s->readonly || sealed_shut(s))
		return -1;
	copy = cJSON_Duplicate(s->secrets, 1);
	group = es_state_child(es_state_child(copy, section), plugin);
	if (!group) {
		es_state_wipe_delete(copy);
		return -1;
	}
	if (value) {
		if (es_state_put_string(group, name, value) < 0) {
			es_state_wipe_delete(copy);
			return -1;
		}
	} else {
		cJSON *old =
		    cJSON_DetachItemFromObjectCaseSensitive(group, name);

		wipe_strings(old);
		cJSON_Delete(old);
	}
	errno = 0;
	sealed = s->has_key ? es_seal(copy, s->key, s->customer) : NULL;
	if ((s->has_key && !sealed) ||
	    s->be->secrets_save(s->store, sealed ? sealed : copy) < 0) {
		write_failed(errno);
		cJSON_Delete(sealed);
		es_state_wipe_delete(copy);
		return -1;
	}
	cJSON_Delete(sealed);
	es_state_wipe_delete(s->secrets);
	s->secrets = copy;
	return 0;
}

static const char *secret_lookup(struct es_state *s, const char *section,
                                 const char *plugin, const char *name)
{
	if (sealed_shut(s))
		return NULL;
	return es_state_str_member(
	    cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetObjectItemCaseSensitive(s->secrets, section), plugin),
	    name);
}

int es_state_output_set(struct es_state *s, const char *plugin,
                        const char *name, const char *value, int secret)
{
	int rc = -1;
	const cJSON *prev;
	cJSON *r;

	if (!s || !plugin || !name || !value)
		return -1;
	pthread_mutex_lock(&s->lock);
	/* Every run publishes its outputs again: the same secret, still
	 * secret, is no change (a public value is compared in commit). */
	prev = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetObjectItemCaseSensitive(s->model, "outputs"), plugin),
	    name);
	if (secret &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(prev, "secret")) &&
	    same_text(secret_lookup(s, "outputs", plugin, name), value)) {
		rc = 0;
	} else if (secret) {
		r = es_state_record_new("output", "plugin", plugin, "name",
		                        name, NULL);
		if (r && !cJSON_AddTrueToObject(r, "secret")) {
			cJSON_Delete(r);
			r = NULL;
		}
		if (r && secrets_update(s, "outputs", plugin, name, value) == 0)
			rc = es_state_commit(s, r);
		else
			cJSON_Delete(r);
	} else {
		rc = es_state_commit(
		    s, es_state_record_new("output", "plugin", plugin, "name",
		                           name, "value", value, NULL));
		/* A value once secret and now public: drop the secret copy. */
		if (rc == 0 && secret_lookup(s, "outputs", plugin, name))
			secrets_update(s, "outputs", plugin, name, NULL);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int entry_order(const void *a, const void *b)
{
	const struct es_output_entry *x = a, *y = b;
	int c = strcmp(x->plugin, y->plugin);

	return c ? c : strcmp(x->name, y->name);
}

/* Copies of the outputs, sorted, so `fn` runs without the lock held and
 * may call back into the state. */
static struct es_output_entry *outputs_copy(struct es_state *s, size_t *n)
{
	const cJSON *plugins = cJSON_GetObjectItem(s->model, "outputs"), *p, *o;
	struct es_output_entry *e;
	size_t cap = 0, i = 0;

	cJSON_ArrayForEach(p, plugins) cap += (size_t)cJSON_GetArraySize(p);
	e = calloc(cap ? cap : 1, sizeof(*e));
	if (!e)
		return NULL;
	cJSON_ArrayForEach(p, plugins)
	{
		cJSON_ArrayForEach(o, p)
		{
			const char *v = es_state_str_member(o, "value");

			if (i == cap || !o->string)
				break;
			e[i].plugin = strdup(p->string);
			e[i].name = strdup(o->string);
			e[i].value = v ? strdup(v) : NULL;
			e[i].secret =
			    cJSON_IsTrue(cJSON_GetObjectItem(o, "secret"));
			if (!e[i].plugin || !e[i].name || (v && !e[i].value)) {
				free((char *)e[i].plugin);
				free((char *)e[i].name);
				free((char *)e[i].value);
				continue;
			}
			i++;
		}
	}
	if (i > 1) /* none: e may be NULL */
		qsort(e, i, sizeof(*e), entry_order);
	*n = i;
	return e;
}

void es_state_outputs_each(struct es_state *s,
                           void (*fn)(const struct es_output_entry *, void *),
                           void *arg)
{
	struct es_output_entry *e;
	size_t n = 0;

	if (!s || !fn)
		return;
	pthread_mutex_lock(&s->lock);
	e = outputs_copy(s, &n);
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; e && i < n; i++)
		fn(&e[i], arg);
	for (size_t i = 0; e && i < n; i++) {
		free((char *)e[i].plugin);
		free((char *)e[i].name);
		free((char *)e[i].value);
	}
	free(e);
}

char *es_state_secret_get(struct es_state *s, const char *plugin,
                          const char *name)
{
	const char *v;
	char *out = NULL;

	if (!s || !plugin || !name)
		return NULL;
	pthread_mutex_lock(&s->lock);
	v = secret_lookup(s, "secrets", plugin, name);
	if (!v)
		v = secret_lookup(s, "outputs", plugin, name);
	if (v)
		out = strdup(v);
	pthread_mutex_unlock(&s->lock);
	return out;
}

int es_state_secret_put(struct es_state *s, const char *plugin,
                        const char *name, const char *value)
{
	int rc = -1;

	if (!s || !plugin || !name || !value)
		return -1;
	pthread_mutex_lock(&s->lock);
	if (secrets_update(s, "secrets", plugin, name, value) == 0)
		rc = es_state_commit(s, es_state_record_new("secret", "plugin",
		                                            plugin, "name",
		                                            name, NULL));
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* ---- intents ----------------------------------------------------------- */

uint64_t es_state_intent_begin(struct es_state *s, const char *ref,
                               const char *method, const char *url,
                               const char *intent)
{
	uint64_t id = 0;
	char key[32];
	cJSON *r;

	if (!s || !ref || !method || !url)
		return 0;
	pthread_mutex_lock(&s->lock);
	r = es_state_record_new("intent", "ref", ref, "method", method, "url",
	                        url, "intent", intent, NULL);
	r = es_state_with_number(
	    es_state_with_number(r, "id", (double)s->next_intent), "at",
	    now_s());
	if (es_state_commit(s, r) == 0) {
		id = s->next_intent++;
		snprintf(key, sizeof(key), "%llu", (unsigned long long)id);
		es_state_put(intent_of(s, key), "interrupted",
		             cJSON_CreateFalse());
	}
	pthread_mutex_unlock(&s->lock);
	return id;
}

int es_state_intent_end(struct es_state *s, uint64_t id, long http_status)
{
	char key[32];
	int rc = -1;

	if (!s || id == 0)
		return -1;
	snprintf(key, sizeof(key), "%llu", (unsigned long long)id);
	pthread_mutex_lock(&s->lock);
	if (intent_of(s, key)) {
		cJSON *r = es_state_with_number(
		    es_state_record_new("result", NULL), "id", (double)id);

		r = es_state_with_number(r, "status", (double)http_status);
		rc = es_state_commit(s, es_state_with_number(r, "at", now_s()));
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int has_interrupted(const struct es_state *s, const char *ref)
{
	const cJSON *i;

	cJSON_ArrayForEach(i, cJSON_GetObjectItem(s->model, "intents"))
	{
		const char *iref = es_state_str_member(i, "ref");

		if (iref && strcmp(iref, ref) == 0 &&
		    cJSON_IsTrue(cJSON_GetObjectItem(i, "interrupted")))
			return 1;
	}
	return 0;
}

int es_state_interrupted(struct es_state *s, const char *ref)
{
	int found;

	if (!s || !ref)
		return 0;
	pthread_mutex_lock(&s->lock);
	found = has_interrupted(s, ref);
	pthread_mutex_unlock(&s->lock);
	return found;
}

int es_state_interrupted_clear(struct es_state *s, const char *ref)
{
	int rc = 0;

	if (!s || !ref)
		return -1;
	pthread_mutex_lock(&s->lock);
	/* Every finished task clears: spare the fsync when nothing is set. */
	if (has_interrupted(s, ref))
		rc = es_state_commit(s, es_state_record_new("interrupted_clear",
		                                            "ref", ref, NULL));
	pthread_mutex_unlock(&s->lock);
	return rc;
}
