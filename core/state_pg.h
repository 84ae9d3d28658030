/*
 * Private declarations of the PostgreSQL backend (state_pg.c: connection
 * and lock; state_pg_rows.c: the rows it reads and writes). Not a
 * contract: state_backend.h is.
 */
#ifndef ENVSETUP_CORE_STATE_PG_H
#define ENVSETUP_CORE_STATE_PG_H

#include <stdint.h>

#include <libpq-fe.h>

#include "state_internal.h"

/* One open customer x environment; state.c hands it back as the
 * opaque struct es_state_store of this backend only. */
struct pg_store {
	PGconn *conn;
	char *customer, *environment;
	char label[300]; /* "postgresql:CUSTOMER/ENV", for people */
	char key[24];    /* the advisory lock's key, as text */
	int readonly;
	int locked;
};

static inline struct pg_store *es_pg_store(struct es_state_store *st)
{
	return (struct pg_store *)(void *)st;
}

/* Run `sql` with `n` text parameters: its result, or NULL with the
 * server's message logged under the store's label and errno EIO. */
PGresult *es_pg_run(struct pg_store *st, const char *sql, int n,
                    const char *const *params);
/* es_pg_run without the result: 0/-1. */
int es_pg_run_ok(struct pg_store *st, const char *sql, int n,
                 const char *const *params);
/* libpq's message `text` on one line into `out`. */
void es_pg_message(const char *text, char *out, size_t len);
/* End an open transaction after a failure. */
void es_pg_rollback(struct pg_store *st);

/* The backend's load, journal_append, snapshot and secrets_save
 * (state_backend.h), in state_pg_rows.c. */
enum es_state_error es_state_pg_load(struct es_state_store *st,
                                     struct es_state_loaded *out, char *err,
                                     size_t errlen);
int es_state_pg_journal_append(struct es_state_store *st, const cJSON *record);
int es_state_pg_snapshot(struct es_state_store *st, const cJSON *doc);
int es_state_pg_secrets_save(struct es_state_store *st, const cJSON *doc);

#endif
