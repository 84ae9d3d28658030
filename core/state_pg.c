/*
 * The PostgreSQL backend of the state (see state_backend.h, docs/state.md):
 * operators on several machines share one customer's state through one
 * database, the way Terraform's `pg` backend does. Four tables, created
 * when missing, each keyed by customer x environment:
 *   envsetup_state    the snapshot (state.json's document)
 *   envsetup_journal  one row per record, in append order (seq)
 *   envsetup_secrets  the secrets document, always sealed (secret_seal.h)
 *   envsetup_lock     who holds the lock: host, pid, user, since
 * The lock itself is a session advisory lock on a stable 64-bit key of
 * customer x environment: the server frees it when the holder's session
 * ends, however it ends, so a crashed run never leaves it behind.
 * Every write is one committed statement or transaction before the call
 * returns; the connection is never re-made, because a new session would
 * not hold the lock.
 */
#include "state_pg.h"

#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOCK_POLL_NS 100000000L
/* Serialises the CREATE TABLEs of processes starting together. */
#define SCHEMA_LOCK_KEY "4594181245213966931"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS envsetup_state ("
    " customer text NOT NULL, environment text NOT NULL,"
    " snapshot text NOT NULL, written timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (customer, environment));"
    "CREATE TABLE IF NOT EXISTS envsetup_journal ("
    " customer text NOT NULL, environment text NOT NULL,"
    " seq bigserial NOT NULL, record text NOT NULL,"
    " PRIMARY KEY (customer, environment, seq));"
    "CREATE TABLE IF NOT EXISTS envsetup_secrets ("
    " customer text NOT NULL, environment text NOT NULL,"
    " sealed text NOT NULL, PRIMARY KEY (customer, environment));"
    "CREATE TABLE IF NOT EXISTS envsetup_lock ("
    " customer text NOT NULL, environment text NOT NULL,"
    " host text NOT NULL, pid integer NOT NULL, username text NOT NULL,"
    " since text NOT NULL, command text, backend_pid integer NOT NULL,"
    " PRIMARY KEY (customer, environment));";

int64_t es_state_pg_lock_key(const char *customer, const char *environment)
{
	/* FNV-1a over "envsetup-state", customer, environment, each ended
	 * by its NUL so that ("ab","c") and ("a","bc") differ. */
	const char *parts[] = {"envsetup-state", customer, environment};
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < 3; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];

		do {
			h ^= *p;
			h *= 1099511628211ULL;
		} while (*p++);
	}
	return (int64_t)h;
}

/* libpq's message on one line (it ends in a newline, may hold several). */
void es_pg_message(const char *text, char *out, size_t len)
{
	size_t n = 0;

	for (const char *p = text ? text : ""; *p && n + 1 < len; p++) {
		if (*p == '\n' || *p == '\t') {
			if (n && out[n - 1] != ' ' && p[1])
				out[n++] = ' ';
			continue;
		}
		out[n++] = *p;
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* Run `sql` with text parameters; NULL (logged, errno EIO) on failure. */
PGresult *es_pg_run(struct pg_store *st, const char *sql, int n,
                    const char *const *params)
{
	/* Without parameters, PQexec: it runs several statements. */
	PGresult *r =
	    n ? PQexecParams(st->conn, sql, n, NULL, params, NULL, NULL, 0)
	      : PQexec(st->conn, sql);
	ExecStatusType t = PQresultStatus(r);
	char why[512];

	if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK)
		return r;
	es_pg_message(PQerrorMessage(st->conn), why, sizeof(why));
	es_log(ES_LOG_ERROR, NULL, "%s: %s", st->label, why);
	PQclear(r);
	errno = EIO;
	return NULL;
}

int es_pg_run_ok(struct pg_store *st, const char *sql, int n,
                 const char *const *params)
{
	PGresult *r = es_pg_run(st, sql, n, params);

	PQclear(r);
	return r ? 0 : -1;
}

void es_pg_rollback(struct pg_store *st)
{
	if (PQtransactionStatus(st->conn) != PQTRANS_IDLE)
		PQclear(PQexec(st->conn, "ROLLBACK"));
}

/* ---- the lock ----------------------------------------------------------- */

/* What the lock row says, one string per column, or -1 when no row. */
struct holder {
	char host[256], pid[16], user[64], since[32], command[512];
	char backend_pid[16];
};

static int holder_read(struct pg_store *st, struct holder *h)
{
	const char *p[] = {st->customer, st->environment};
	PGresult *r = es_pg_run(st,
	                        "SELECT host, pid, username, since, "
	                        "coalesce(command, ''), backend_pid "
	                        "FROM envsetup_lock "
	                        "WHERE customer = $1 AND environment = $2",
	                        2, p);
	int found = r && PQntuples(r) == 1;

	if (found) {
		snprintf(h->host, sizeof(h->host), "%s", PQgetvalue(r, 0, 0));
		snprintf(h->pid, sizeof(h->pid), "%s", PQgetvalue(r, 0, 1));
		snprintf(h->user, sizeof(h->user), "%s", PQgetvalue(r, 0, 2));
		snprintf(h->since, sizeof(h->since), "%s", PQgetvalue(r, 0, 3));
		snprintf(h->command, sizeof(h->command), "%s",
		         PQgetvalue(r, 0, 4));
		snprintf(h->backend_pid, sizeof(h->backend_pid), "%s",
		         PQgetvalue(r, 0, 5));
	}
	PQclear(r);
	return found ? 0 : -1;
}

static void holder_describe(const struct holder *h, char *out, size_t len)
{
	snprintf(out, len, "pid %s on %s (user %s) since %s%s%s%s", h->pid,
	         h->host, h->user, h->since, h->command[0] ? " (" : "",
	         h->command, h->command[0] ? ")" : "");
}

/* "PID@HOST@SINCE", as for files: what force-unlock must be given. */
static void holder_id(const struct holder *h, char *out, size_t len)
{
	snprintf(out, len, "%s@%s@%s", h->pid, h->host, h->since);
}

static int holder_write(struct pg_store *st, const char *host)
{
	char pid[16], since[32], user[64] = "?", *cmd = es_state_own_command();
	const struct passwd *pw = getpwuid(geteuid());
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	gmtime_r(&now, &tm);
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (pw)
		snprintf(user, sizeof(user), "%s", pw->pw_name);
	{
		const char *p[] = {st->customer, st->environment, host, pid,
		                   user,         since,           cmd};

		rc = es_pg_run_ok(
		    st,
		    "INSERT INTO envsetup_lock VALUES "
		    "($1, $2, $3, $4::integer, $5, $6, $7, "
		    "pg_backend_pid()) "
		    "ON CONFLICT (customer, environment) DO UPDATE SET "
		    "host = $3, pid = $4::integer, username = $5, "
		    "since = $6, command = $7, "
		    "backend_pid = pg_backend_pid()",
		    7, p);
	}
	free(cmd);
	return rc;
}

static int try_lock(struct pg_store *st, int *got)
{
	const char *p[] = {st->key};
	PGresult *r =
	    es_pg_run(st, "SELECT pg_try_advisory_lock($1::bigint)", 1, p);

	if (!r)
		return -1;
	*got = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return 0;
}

static enum es_state_error pg_lock(struct es_state_store *store, int wait_s,
                                   char *err, size_t errlen)
{
	struct pg_store *st = es_pg_store(store);
	struct timespec start, now, pause = {0, LOCK_POLL_NS};
	char host[256] = "unknown", who[1024], id[400];
	struct holder h;
	int got = 0;

	gethostname(host, sizeof(host) - 1);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (try_lock(st, &got) < 0) {
			snprintf(err, errlen, "%s: cannot take the lock",
			         st->label);
			return ES_STATE_IO;
		}
		if (got)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000000000L +
		        (now.tv_nsec - start.tv_nsec) >=
		    wait_s * 1000000000L) {
			if (holder_read(st, &h) < 0) {
				snprintf(err, errlen,
				         "state %s is locked by another run "
				         "(holder not recorded yet)",
				         st->label);
				return ES_STATE_LOCKED;
			}
			holder_describe(&h, who, sizeof(who));
			holder_id(&h, id, sizeof(id));
			snprintf(
			    err, errlen,
			    "state %s is locked by %s (lock id %s; if that "
			    "run is gone: envsetup state force-unlock)",
			    st->label, who, id);
			return ES_STATE_LOCKED;
		}
		nanosleep(&pause, NULL);
	}
	st->locked = 1;
	/* The lock was free yet a holder is on record: its session ended
	 * without a clean release (killed, or the network went away). */
	if (holder_read(st, &h) == 0) {
		holder_describe(&h, who, sizeof(who));
		es_log(ES_LOG_WARNING, NULL,
		       "%s: taking over the stale lock of %s (its session "
		       "ended)",
		       st->label, who);
	}
	if (holder_write(st, host) < 0) {
		snprintf(err, errlen, "%s: cannot record the lock's holder",
		         st->label);
		return ES_STATE_IO;
	}
	return ES_STATE_OK;
}

static void pg_unlock(struct es_state_store *store)
{
	struct pg_store *st = es_pg_store(store);
	const char *p[] = {st->customer, st->environment};
	const char *k[] = {st->key};

	if (!st->locked || PQstatus(st->conn) != CONNECTION_OK)
		return;
	/* No holder row means "released cleanly": not stale. */
	es_pg_run_ok(st,
	             "DELETE FROM envsetup_lock WHERE customer = $1 AND "
	             "environment = $2 AND backend_pid = pg_backend_pid()",
	             2, p);
	es_pg_run_ok(st, "SELECT pg_advisory_unlock($1::bigint)", 1, k);
	st->locked = 0;
}

/* Whether the holder may still run: on this host its pid answers. */
static int holder_alive_here(const struct holder *h, const char *host)
{
	long pid = strtol(h->pid, NULL, 10);

	if (strcmp(h->host, host) != 0 || pid < 1)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

/* The lock is still held by a session whose run is gone (another host
 * unreachable, a half-open connection): end that session. */
static int end_holding_session(struct pg_store *st, char *how, size_t len)
{
	const char *p[] = {st->key};
	PGresult *r =
	    es_pg_run(st,
	              "SELECT pid, pg_terminate_backend(pid) FROM pg_locks "
	              "WHERE locktype = 'advisory' AND granted AND "
	              "objsubid = 1 AND classid::bigint = "
	              "(($1::bigint >> 32) & 4294967295) AND "
	              "objid::bigint = ($1::bigint & 4294967295)",
	              1, p);
	int ended = r && PQntuples(r) == 1 && PQgetvalue(r, 0, 1)[0] == 't';

	if (ended)
		snprintf(how, len, "; its session (server pid %s) was ended",
		         PQgetvalue(r, 0, 0));
	PQclear(r);
	return ended ? 0 : -1;
}

static enum es_state_error pg_force_unlock(struct es_state_store *store,
                                           const char *lock_id, char *msg,
                                           size_t len)
{
	struct pg_store *st = es_pg_store(store);
	const char *p[] = {st->customer, st->environment};
	char host[256] = "unknown", who[1024], id[400], how[128] = "";
	struct holder h;
	int free_now = 0;

	gethostname(host, sizeof(host) - 1);
	if (holder_read(st, &h) < 0) {
		snprintf(msg, len,
		         "%s names no holder: it was released cleanly or its "
		         "run is starting; nothing to remove",
		         st->label);
		return ES_STATE_IO;
	}
	holder_describe(&h, who, sizeof(who));
	holder_id(&h, id, sizeof(id));
	if (strcmp(lock_id, id) != 0) {
		snprintf(msg, len,
		         "refused: '%s' is not the id of the lock of %s (lock "
		         "id %s)",
		         lock_id, st->label, id);
		return ES_STATE_LOCKED;
	}
	if (holder_alive_here(&h, host)) {
		snprintf(msg, len,
		         "refused: the holder, %s, is alive on this host: stop "
		         "it or wait for it (a dead run's lock is freed by the "
		         "server anyway)",
		         who);
		return ES_STATE_LOCKED;
	}
	if (try_lock(st, &free_now) < 0 ||
	    (!free_now && end_holding_session(st, how, sizeof(how)) < 0)) {
		snprintf(
		    msg, len,
		    "%s: the lock's session is still open and could not be "
		    "ended (the role needs pg_signal_backend or to own it)",
		    st->label);
		return ES_STATE_IO;
	}
	if (es_pg_run_ok(st,
	                 "DELETE FROM envsetup_lock WHERE customer = $1 AND "
	                 "environment = $2",
	                 2, p) < 0) {
		snprintf(msg, len, "%s: cannot clear the holder", st->label);
		return ES_STATE_IO;
	}
	if (free_now) {
		const char *k[] = {st->key};

		es_pg_run_ok(st, "SELECT pg_advisory_unlock($1::bigint)", 1, k);
	}
	snprintf(msg, len, "removed the lock of %s (lock id %s)%s", who, id,
	         how);
	return ES_STATE_OK;
}

/* ---- open and close ----------------------------------------------------- */

static void pg_close(struct es_state_store *store)
{
	struct pg_store *st = es_pg_store(store);

	if (!st)
		return;
	pg_unlock(store);
	PQfinish(st->conn);
	free(st->customer);
	free(st->environment);
	free(st);
}

static enum es_state_error pg_open(const struct es_state_where *where,
                                   const char *customer,
                                   const char *environment, int readonly,
                                   struct es_state_store **out, char *err,
                                   size_t errlen)
{
	/* The connection string's own settings override these defaults. */
	const char *keys[] = {"connect_timeout", "fallback_application_name",
	                      "dbname", NULL};
	const char *values[] = {
	    "10", "envsetup", where->connection ? where->connection : "", NULL};
	struct pg_store *st = calloc(1, sizeof(*st));
	char why[512];

	*out = NULL;
	if (!st || !(st->customer = strdup(customer)) ||
	    !(st->environment = strdup(environment))) {
		snprintf(err, errlen, "out of memory");
		pg_close((struct es_state_store *)(void *)st);
		return ES_STATE_IO;
	}
	st->readonly = readonly;
	snprintf(st->label, sizeof(st->label), "postgresql:%s/%s", customer,
	         environment);
	snprintf(st->key, sizeof(st->key), "%" PRId64,
	         es_state_pg_lock_key(customer, environment));
	st->conn = PQconnectdbParams(keys, values, 1);
	if (PQstatus(st->conn) != CONNECTION_OK) {
		/* libpq names host, port and user, never the password. */
		es_pg_message(PQerrorMessage(st->conn), why, sizeof(why));
		snprintf(err, errlen,
		         "customer.state_connection: cannot connect to "
		         "PostgreSQL: %s",
		         why);
		pg_close((struct es_state_store *)(void *)st);
		return ES_STATE_IO;
	}
	/* Durable before return, whatever the server's default; and no
	 * NOTICE ("relation already exists") on the operator's terminal. */
	if (es_pg_run_ok(st,
	                 "SET synchronous_commit TO on;"
	                 "SET client_min_messages TO warning",
	                 0, NULL) < 0 ||
	    (!readonly &&
	     (es_pg_run_ok(st, "BEGIN", 0, NULL) < 0 ||
	      es_pg_run_ok(st,
	                   "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ")",
	                   0, NULL) < 0 ||
	      es_pg_run_ok(st, schema_sql, 0, NULL) < 0 ||
	      es_pg_run_ok(st, "COMMIT", 0, NULL) < 0))) {
		snprintf(err, errlen, "%s: cannot create the state's tables",
		         st->label);
		pg_close((struct es_state_store *)(void *)st);
		return ES_STATE_IO;
	}
	*out = (struct es_state_store *)(void *)st;
	return ES_STATE_OK;
}

static const char *pg_path(const struct es_state_store *store)
{
	return ((const struct pg_store *)(const void *)store)->label;
}

/* ---- the backend table (reading and writing: state_pg_rows.c) ---------- */

const struct es_state_backend es_state_pg_backend = {
    .name = "postgresql",
    .open = pg_open,
    .lock = pg_lock,
    .unlock = pg_unlock,
    .load = es_state_pg_load,
    .journal_append = es_state_pg_journal_append,
    .snapshot = es_state_pg_snapshot,
    .secrets_save = es_state_pg_secrets_save,
    .path = pg_path,
    .close = pg_close,
    .force_unlock = pg_force_unlock,
};
