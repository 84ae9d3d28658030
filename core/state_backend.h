/*
 * Storage behind core/state.c. state.c keeps the model in memory and
 * speaks only to this table: the files (state_file.c) or a shared
 * PostgreSQL database (state_pg.c: advisory lock keyed by customer x
 * environment, journal as rows) serve the same callers. Records and documents
 * cross as cJSON trees: the backend decides how they are stored, state.c what
 * they mean.
 *
 * A store is used under the state's mutex: backends need no locking of
 * their own for one store.
 */
#ifndef ENVSETUP_CORE_STATE_BACKEND_H
#define ENVSETUP_CORE_STATE_BACKEND_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "state.h"

/* Major version of every document and record this code reads and writes.
 * A newer minor only adds members and record types older code may skip. */
#define ES_STATE_FORMAT_MAJOR 1
#define ES_STATE_FORMAT_VERSION "1.0"

struct es_state_store; /* backend-private */

/* What load() hands back (all transfer full, each nullable). */
struct es_state_loaded {
	cJSON *snapshot; /* object, NULL when none was ever written */
	cJSON *journal;  /* array of records in append order, never NULL */
	cJSON *secrets;  /* object, NULL when none */
};

struct es_state_backend {
	const char *name;
	/* Prepare (read-write: create) the storage of one customer x
	 * environment at `where` (borrowed, state.h). */
	enum es_state_error (*open)(const struct es_state_where *where,
	                            const char *customer,
	                            const char *environment, int readonly,
	                            struct es_state_store **out, char *err,
	                            size_t errlen);
	/* Take the exclusive lock, waiting up to wait_s; `err` names the
	 * holder on ES_STATE_LOCKED. Held until unlock() or process death. */
	enum es_state_error (*lock)(struct es_state_store *st, int wait_s,
	                            char *err, size_t errlen);
	void (*unlock)(struct es_state_store *st);
	/* Snapshot, journal since it, secrets. A torn last journal record is
	 * dropped with a warning (and cut off when read-write); any other
	 * damage is ES_STATE_CORRUPT with the place, storage untouched. */
	enum es_state_error (*load)(struct es_state_store *st,
	                            struct es_state_loaded *out, char *err,
	                            size_t errlen);
	/* Durably append one record (transfer none) before returning. 0/-1. */
	int (*journal_append)(struct es_state_store *st, const cJSON *record);
	/* Atomically replace the snapshot, then empty the journal. 0/-1. */
	int (*snapshot)(struct es_state_store *st, const cJSON *doc);
	/* Atomically replace the secrets (owner-only access). 0/-1. */
	int (*secrets_save)(struct es_state_store *st, const cJSON *doc);
	/* Where the state lives, for people (transfer none). */
	const char *(*path)(const struct es_state_store *st);
	void (*close)(struct es_state_store *st);
	/* Remove a lock whose holder is gone (es_state_force_unlock):
	 * refuses unless `lock_id` is the holder's and it is not alive. */
	enum es_state_error (*force_unlock)(struct es_state_store *st,
	                                    const char *lock_id, char *msg,
	                                    size_t len);
};

extern const struct es_state_backend es_state_file_backend;
extern const struct es_state_backend es_state_pg_backend; /* state_pg.c */

/* The backend of that name ("file" when NULL), NULL when unknown. */
const struct es_state_backend *es_state_backend_find(const char *name);

/* Major version of a "format_version" member ("1.0" or 1); -1 when
 * missing or malformed. Shared by backends and state.c. */
int es_state_format_major(const cJSON *doc);

#endif
