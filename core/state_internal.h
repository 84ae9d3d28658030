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
#include "state_index.h"

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
	struct es_state_index index; /* over model (state_index.h) */
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
/* r with "waits": [[from, to], ...] added (NULL, r freed, on failure). */
cJSON *es_state_with_waits(cJSON *r, const double (*waits)[2], unsigned n);
/* A record's or task's "waits" into waits[max]: how many, -1 when not a
 * list of at most max [from, to] pairs. */
int es_state_waits_parse(const cJSON *list, double (*waits)[2], unsigned max);
/* 0 applied, 1 unknown type (a newer minor: skipped), -1 malformed. */
int es_state_apply_record(struct es_state_index *ix, cJSON *model,
                          const cJSON *record);
/* Whether `record` changes what the model says, not only when (the
 * serial's and the journal's rule, state_records.c). */
int es_state_record_changes(struct es_state_index *ix, cJSON *model,
                            const cJSON *record);

/* Overwrite the strings of a tree that may hold secrets, then free it. */
void es_state_wipe_delete(cJSON *node);

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

/* This process's command line, redacted, malloc'd or NULL: it names the
 * lock's holder for whoever waits (every backend records it). */
char *es_state_own_command(void);

/* The backend's lock() and unlock() (see state_backend.h). */
enum es_state_error es_state_file_lock(struct es_state_store *st, int wait_s,
                                       char *err, size_t errlen);
void es_state_file_unlock(struct es_state_store *st);
enum es_state_error es_state_file_force_unlock(struct es_state_store *st,
                                               const char *lock_id, char *msg,
                                               size_t len);

/* ---- the PostgreSQL backend (state_pg.c; the rest in state_pg.h) ------ */

/* The advisory lock's key of customer x environment: stable across
 * versions and hosts (FNV-1a 64 of both names). */
int64_t es_state_pg_lock_key(const char *customer, const char *environment);

#endif
