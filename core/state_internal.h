/*
 * Private declarations shared by the files of the state; not a contract
 * (state.h and state_backend.h are). Two groups: the model and its
 * records (state.c, state_records.c), and the file backend's store
 * (state_file.c, state_file_lock.c).
 */
#ifndef ENVSETUP_CORE_STATE_INTERNAL_H
#define ENVSETUP_CORE_STATE_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "secret_seal.h"
#include "state_backend.h"

/* ---- the model and its records (state_records.c) ---------------------- */

/* One open state (state.c); state_operator.c edits it too. */
struct es_state {
	pthread_mutex_t lock;
	const struct es_state_backend *be;
	struct es_state_store *store;
	int readonly;
	char *customer;
	cJSON *model;   /* state.json, current */
	cJSON *secrets; /* secrets.json, current */
	/* secrets.json as read when it is sealed and no key opened it yet
	 * (secret_seal.h): the secrets are then out of reach, not empty. */
	cJSON *sealed;
	unsigned char key[ES_SEAL_KEY_BYTES];
	int has_key;     /* secrets.json is written sealed */
	int sealed_said; /* the sealed file without a key was reported */
	uint64_t next_intent;
	int changed; /* something was written: close() snapshots */
};

/* Journal `record` (transfer full), then apply it to the model: nothing
 * is acknowledged that a crash could lose. Called under s->lock. 0/-1. */
int es_state_commit(struct es_state *s, cJSON *record);

/* A string member of `o`, NULL when absent or not a string. */
const char *es_state_str_member(const cJSON *o, const char *name);
/* The object member `name` of `parent`, created when missing. */
cJSON *es_state_child(cJSON *parent, const char *name);
/* Replace member `name` by `item` (transfer full). 0/-1. */
int es_state_put(cJSON *parent, const char *name, cJSON *item);
int es_state_put_string(cJSON *parent, const char *name, const char *value);

/* A record of `type` with string members given as name/value pairs,
 * NULL-terminated; a NULL value leaves its member out. */
cJSON *es_state_record_new(const char *type, ...);
/* Add a number member to `r`; on failure `r` is freed and NULL returned. */
cJSON *es_state_with_number(cJSON *r, const char *name, double v);
/* 0 applied, 1 unknown type (a newer minor: skipped), -1 malformed. */
/* Whether `record` changes what the model says, not only when (the
 * serial's and the journal's rule, state_records.c). */
int es_state_record_changes(const cJSON *model, const cJSON *record);
int es_state_apply_record(cJSON *model, const cJSON *record);

/* The task state of a name, -1 when unknown (state.c). */
int es_state_task_state_parse(const char *name);

/* ---- the file backend (state_file.c, state_file_lock.c) --------------- */

struct es_state_store {
	char *dir;
	char *state_path, *journal_path, *secrets_path, *lock_path;
	int readonly;
	int lock_fd;
	int journal_fd;
	off_t journal_size;
};

/* The backend's lock() and unlock() (see state_backend.h). */
enum es_state_error es_state_file_lock(struct es_state_store *st, int wait_s,
                                       char *err, size_t errlen);
void es_state_file_unlock(struct es_state_store *st);
enum es_state_error es_state_file_force_unlock(struct es_state_store *st,
                                               const char *lock_id, char *msg,
                                               size_t len);

#endif
