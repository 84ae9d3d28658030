/*
 * The rows of the PostgreSQL backend (state_pg.c, docs/state.md): load
 * reads the snapshot, the journal and the sealed secrets in one
 * consistent read; every write is committed before it returns. The
 * documents are stored as the JSON text the file backend writes, so a
 * migration (state_migrate.c) moves them byte for byte.
 */
#include "state_pg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "secret_seal.h"

/* SQLSTATE undefined_table: a read-only open of a database no run wrote
 * to yet, which holds no state rather than a broken one. */
#define UNDEFINED_TABLE "42P01"

/* A document of the state: a JSON object of a major version we read. */
static cJSON *parse_document(const struct pg_store *st, const char *table,
                             const char *text, char *err, size_t errlen)
{
	cJSON *doc = cJSON_Parse(text);
	int major = es_state_format_major(doc);

	if (!cJSON_IsObject(doc))
		snprintf(err, errlen, "%s: %s: not a JSON object", st->label,
		         table);
	else if (major != ES_STATE_FORMAT_MAJOR)
		snprintf(err, errlen,
		         "%s: %s: format_version %s (this envsetup reads %d.x)",
		         st->label, table,
		         major < 0 ? "missing" : "not supported",
		         ES_STATE_FORMAT_MAJOR);
	else
		return doc;
	cJSON_Delete(doc);
	return NULL;
}

/* One row's text of `sql` (customer, environment): *text NULL when none. */
static enum es_state_error one_text(struct pg_store *st, const char *sql,
                                    char **text, int *no_table)
{
	const char *p[] = {st->customer, st->environment};
	PGresult *r = PQexecParams(st->conn, sql, 2, NULL, p, NULL, NULL, 0);
	char why[512];

	*text = NULL;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

		*no_table = state && strcmp(state, UNDEFINED_TABLE) == 0;
		if (*no_table) {
			PQclear(r);
			return ES_STATE_OK;
		}
		es_pg_message(PQresultErrorMessage(r), why, sizeof(why));
		es_log(ES_LOG_ERROR, NULL, "%s: %s", st->label, why);
		PQclear(r);
		return ES_STATE_IO;
	}
	if (PQntuples(r) == 1 && !(*text = strdup(PQgetvalue(r, 0, 0)))) {
		PQclear(r);
		return ES_STATE_IO;
	}
	PQclear(r);
	return ES_STATE_OK;
}

static enum es_state_error load_journal(struct pg_store *st, cJSON *records,
                                        char *err, size_t errlen)
{
	const char *p[] = {st->customer, st->environment};
	PGresult *r = es_pg_run(st,
	                        "SELECT seq, record FROM envsetup_journal "
	                        "WHERE customer = $1 AND environment = $2 "
	                        "ORDER BY seq",
	                        2, p);

	if (!r) {
		snprintf(err, errlen, "%s: cannot read the journal", st->label);
		return ES_STATE_IO;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		cJSON *rec = cJSON_Parse(PQgetvalue(r, i, 1));

		if (!cJSON_IsObject(rec) ||
		    !cJSON_IsString(cJSON_GetObjectItem(rec, "type"))) {
			/* Rows are whole (a transaction), so never torn. */
			snprintf(err, errlen,
			         "%s: envsetup_journal seq %s: not a journal "
			         "record",
			         st->label, PQgetvalue(r, i, 0));
			cJSON_Delete(rec);
			PQclear(r);
			return ES_STATE_CORRUPT;
		}
		cJSON_AddItemToArray(records, rec);
	}
	PQclear(r);
	return ES_STATE_OK;
}

enum es_state_error es_state_pg_load(struct es_state_store *store,
                                     struct es_state_loaded *out, char *err,
                                     size_t errlen)
{
	struct pg_store *st = es_pg_store(store);
	enum es_state_error e;
	char *snap = NULL, *secrets = NULL;
	int no_table = 0;

	memset(out, 0, sizeof(*out));
	out->journal = cJSON_CreateArray();
	if (!out->journal) {
		snprintf(err, errlen, "out of memory");
		return ES_STATE_IO;
	}
	/* One snapshot of the database: a writer's snapshot-and-truncate is
	 * seen whole or not at all. */
	if (es_pg_run_ok(st, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	                 0, NULL) < 0) {
		snprintf(err, errlen, "%s: cannot read the state", st->label);
		return ES_STATE_IO;
	}
	e = one_text(st,
	             "SELECT snapshot FROM envsetup_state "
	             "WHERE customer = $1 AND environment = $2",
	             &snap, &no_table);
	if (e == ES_STATE_OK && !no_table)
		e = one_text(st,
		             "SELECT sealed FROM envsetup_secrets "
		             "WHERE customer = $1 AND environment = $2",
		             &secrets, &no_table);
	if (e == ES_STATE_OK && !no_table)
		e = load_journal(st, out->journal, err, errlen);
	else if (e != ES_STATE_OK)
		snprintf(err, errlen, "%s: cannot read the state", st->label);
	es_pg_rollback(st);
	if (e == ES_STATE_OK && snap &&
	    !(out->snapshot =
	          parse_document(st, "envsetup_state", snap, err, errlen)))
		e = ES_STATE_CORRUPT;
	if (e == ES_STATE_OK && secrets &&
	    !(out->secrets =
	          parse_document(st, "envsetup_secrets", secrets, err, errlen)))
		e = ES_STATE_CORRUPT;
	free(snap);
	if (secrets)
		es_wipe(secrets, strlen(secrets));
	free(secrets);
	return e;
}

/* Run `sql` with (customer, environment, the JSON text of `doc`): one
 * statement, or several in one transaction when `sql2` is given too,
 * run with (customer, environment). 0/-1, errno EIO. */
static int write_doc(struct es_state_store *store, const cJSON *doc, int pretty,
                     const char *sql, const char *sql2)
{
	struct pg_store *st = es_pg_store(store);
	char *text;
	int rc;

	if (st->readonly)
		return -1;
	text = pretty ? cJSON_Print(doc) : cJSON_PrintUnformatted(doc);
	if (!text)
		return -1;
	{
		const char *p[] = {st->customer, st->environment, text};

		rc = sql2 ? es_pg_run_ok(st, "BEGIN", 0, NULL) < 0 ||
		                    es_pg_run_ok(st, sql, 3, p) < 0 ||
		                    es_pg_run_ok(st, sql2, 2, p) < 0 ||
		                    es_pg_run_ok(st, "COMMIT", 0, NULL) < 0
		                ? -1
		                : 0
		          : es_pg_run_ok(st, sql, 3, p);
	}
	if (rc < 0)
		es_pg_rollback(st);
	free(text);
	if (rc < 0)
		errno = EIO;
	return rc;
}

int es_state_pg_journal_append(struct es_state_store *store,
                               const cJSON *record)
{
	/* Autocommit: committed (synchronous_commit on) on return. */
	return write_doc(store, record, 0,
	                 "INSERT INTO envsetup_journal "
	                 "(customer, environment, record) VALUES ($1, $2, $3)",
	                 NULL);
}

int es_state_pg_snapshot(struct es_state_store *store, const cJSON *doc)
{
	/* The new snapshot and the empty journal, or neither. */
	return write_doc(
	    store, doc, 1,
	    "INSERT INTO envsetup_state "
	    "(customer, environment, snapshot) VALUES ($1, $2, $3) "
	    "ON CONFLICT (customer, environment) DO UPDATE "
	    "SET snapshot = $3, written = now()",
	    "DELETE FROM envsetup_journal "
	    "WHERE customer = $1 AND environment = $2");
}

int es_state_pg_secrets_save(struct es_state_store *store, const cJSON *doc)
{
	/* A shared database is read by more people than the files of one
	 * machine: secret values go there sealed or not at all. */
	if (!es_sealed(doc)) {
		es_log(ES_LOG_ERROR, NULL,
		       "%s: secrets are stored in PostgreSQL sealed only: set "
		       "customer.state_key",
		       es_pg_store(store)->label);
		errno = EPERM;
		return -1;
	}
	return write_doc(store, doc, 0,
	                 "INSERT INTO envsetup_secrets "
	                 "(customer, environment, sealed) VALUES ($1, $2, $3) "
	                 "ON CONFLICT (customer, environment) DO UPDATE "
	                 "SET sealed = $3",
	                 NULL);
}
