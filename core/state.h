/*
 * Durable state for one customer x environment.
 *
 * Layout of a state directory (<state_dir>/<environment>/):
 *   state.json    snapshot: tasks, per-plugin key/values, public outputs
 *   journal.jsonl append-only; every record fsynced before the call returns
 *   secrets.json  mode 0600: generated secrets and secret outputs
 *   lock          holder: pid, host, start time (flock'ed while held)
 *
 * Every mutation is appended to the journal first, so a SIGKILL at any
 * point loses nothing that was acknowledged. Opening replays the journal
 * over the snapshot; closing writes a new snapshot atomically (write,
 * fsync, rename, fsync dir) and truncates the journal.
 *
 * The storage is behind struct es_state_backend: the files above, or a
 * shared PostgreSQL database (state_pg.c, docs/state.md) chosen by the
 * customer's state_backend. All functions are thread-safe (one mutex per
 * state).
 */
#ifndef ENVSETUP_CORE_STATE_H
#define ENVSETUP_CORE_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum es_task_state {
	ES_TS_PENDING = 0, /* never done, or changes pending */
	ES_TS_DONE,        /* applied and verified */
	ES_TS_FAILED,
	ES_TS_WAITING,     /* waiting for a person */
	ES_TS_IN_PROGRESS, /* long-running, started */
	ES_TS_BLOCKED,     /* a dependency is not done */
	/* `envsetup destroy` (core/teardown.c). Appended: older state files
	 * never hold them, and they read as unknown in older cores. */
	ES_TS_REMOVED, /* what envsetup made for the task is gone */
	ES_TS_KEPT,    /* left in place on purpose: adopted or protected */
};

const char *es_task_state_name(enum es_task_state s);

struct es_state;

/* Why es_state_open failed. */
enum es_state_error {
	ES_STATE_OK = 0,
	ES_STATE_LOCKED,  /* held by a live run: holder named in err */
	ES_STATE_CORRUPT, /* state.json or journal unreadable: file and
	                     line/offset in err */
	ES_STATE_IO,
};

/* Where a customer's state lives (docs/state.md): the customer's
 * state_backend, state_dir and resolved state_connection (all borrowed). */
struct es_state_where {
	const char *backend;    /* "file" (also when NULL) or "postgresql" */
	const char *dir;        /* file: the state directory */
	const char *connection; /* postgresql: libpq connection string, a
	                           secret: never printed or logged */
};

/* es_state_open and es_state_open_readonly with the storage named by
 * `where` rather than a directory of files. */
enum es_state_error es_state_open_at(const struct es_state_where *where,
                                     const char *customer,
                                     const char *environment, int wait_s,
                                     int readonly, struct es_state **out,
                                     char *err, size_t errlen);

/*
 * Open (creating the directory 0700 if needed) and lock the state of
 * `customer`/`environment` under `dir`. Waits up to `wait_s` seconds for
 * another run's lock. A lock file whose holder process no longer exists is
 * reported in the log as stale and taken over. A truncated last journal
 * line (torn write) is ignored with a warning; any other corruption fails
 * with ES_STATE_CORRUPT and nothing is overwritten.
 */
enum es_state_error es_state_open(const char *dir, const char *customer,
                                  const char *environment, int wait_s,
                                  struct es_state **out, char *err,
                                  size_t errlen);
/* Open without the lock, read-only (status, report). */
enum es_state_error es_state_open_readonly(const char *dir,
                                           const char *customer,
                                           const char *environment,
                                           struct es_state **out, char *err,
                                           size_t errlen);
/* Open secrets.json with the customer's state_key (secret_seal.h): a
 * sealed file is unsealed, and from now on it is written sealed (a plain
 * one is sealed at its next write). -1 with the reason in err when the key
 * does not open it. Without a key a sealed file's secrets are out of
 * reach: reading or writing one fails, naming customer.state_key. */
int es_state_secrets_key(struct es_state *s, const char *secret, char *err,
                         size_t errlen);
/* Snapshot (unless read-only or nothing was written since open), release
 * the lock, free. */
int es_state_close(struct es_state *s);

/* Tasks, keyed "plugin:task" or "checklist:id". */
int es_state_task_set(struct es_state *s, const char *ref,
                      enum es_task_state st, const char *message);
enum es_task_state es_state_task_get(struct es_state *s, const char *ref,
                                     char **message /* malloc'd, nullable */,
                                     time_t *updated /* nullable */);
/*
 * When a task last ran in an apply, for the report's timeline: wall-clock
 * seconds (with fractions) of the apply's start, the task's start and end,
 * how long of that it slept waiting (polls, retries), and when: up to
 * ES_TASK_WAITS intervals [from, to] in wall-clock seconds (more waits
 * than that extend the last one). Added in state format 1 as optional
 * members of a task: a state written before has none, and
 * es_state_task_timing then returns -1 (one without waits: n_waits 0).
 */
#define ES_TASK_WAITS 16
struct es_task_timing {
	double run_started, started, finished, waited;
	unsigned n_waits;
	double waits[ES_TASK_WAITS][2];
};
/* es_state_task_set, with the task's timing in the same durable record. */
int es_state_task_set_timed(struct es_state *s, const char *ref,
                            enum es_task_state st, const char *message,
                            const struct es_task_timing *timing);
/* 0 and *out filled when the task has a timing, -1 when not. */
int es_state_task_timing(struct es_state *s, const char *ref,
                         struct es_task_timing *out);
/* A person's sign-off. `by` is free text. */
int es_state_confirm(struct es_state *s, const char *ref, const char *by);
/* malloc'd "NAME at ISO-TIME" or NULL. */
char *es_state_confirmation(struct es_state *s, const char *ref);
int es_state_unconfirm(struct es_state *s, const char *ref);

/* Per-plugin key/values (provider ids). get: malloc'd or NULL. */
char *es_state_kv_get(struct es_state *s, const char *plugin, const char *key);
int es_state_kv_put(struct es_state *s, const char *plugin, const char *key,
                    const char *value);
int es_state_kv_del(struct es_state *s, const char *plugin, const char *key);

/* Outputs. Secret ones go to secrets.json only. */
int es_state_output_set(struct es_state *s, const char *plugin,
                        const char *name, const char *value, int secret);
struct es_output_entry {
	const char *plugin, *name, *value; /* value NULL for secret outputs */
	int secret;
};
/* Calls fn for each output, in plugin then name order. */
void es_state_outputs_each(struct es_state *s,
                           void (*fn)(const struct es_output_entry *, void *),
                           void *arg);

/* Generated secrets (and secret output values): malloc'd or NULL. */
char *es_state_secret_get(struct es_state *s, const char *plugin,
                          const char *name);
int es_state_secret_put(struct es_state *s, const char *plugin,
                        const char *name, const char *value);

/* Journal of mutating HTTP calls. url must already be redacted. */
uint64_t es_state_intent_begin(struct es_state *s, const char *ref,
                               const char *method, const char *url,
                               const char *intent);
int es_state_intent_end(struct es_state *s, uint64_t id, long http_status);
/* 1 when a previous run recorded an intent for `ref` and no result. */
int es_state_interrupted(struct es_state *s, const char *ref);
/* Forget the interrupted marks of `ref` once its task has run to the end. */
int es_state_interrupted_clear(struct es_state *s, const char *ref);

/* Every write above returns -1 when the journal or secrets file could not
 * be written durably. Why the calling thread's last write failed
 * ("state: No space left on device"), and how many of its writes failed
 * so far: a task's runner compares the count before and after the task,
 * so a write the plugin did not check still fails the task. */
const char *es_state_write_error(void);
unsigned long es_state_write_failures(void);

/* ---- recovery (state_operator.c, docs/recovery.md) -------------------
 * What an operator changes by hand when the state and the world disagree.
 * Each is one journal record naming who (`by`) and when, also kept in
 * state.json's "operator_log"; a read-only state refuses them. */
enum es_resolve_as {
	ES_RESOLVE_DONE,   /* an open intent (id, or every one of a task
	                      ref) was checked by hand: settle it */
	ES_RESOLVE_FORGET, /* drop a recorded "plugin:key": the next plan
	                      looks the resource up again */
};
/* 0, or -1 with the reason in `err` (nothing matches, write failed). */
int es_state_resolve(struct es_state *s, const char *target,
                     enum es_resolve_as as, const char *by, char *err,
                     size_t errlen);
/* What state.json says (secret values are never in it), for `state
 * show`: a copy, transfer full; NULL when out of memory. */
struct cJSON *es_state_document(struct es_state *s);
/* Remove the lock of `environment` left by a run that is gone, when
 * `lock_id` ("PID@HOST@STARTED", as the lock error names it) is the
 * lock's and, on this host, that pid is not alive; then journal who did
 * it. ES_STATE_OK with what was removed in `msg`; otherwise
 * ES_STATE_LOCKED (refused: holder alive or another id) or ES_STATE_IO
 * (no lock to remove), the reason in `msg`. */
enum es_state_error es_state_force_unlock(const char *dir, const char *customer,
                                          const char *environment,
                                          const char *lock_id, const char *by,
                                          char *msg, size_t len);

/* es_state_force_unlock for the storage named by `where`. The postgresql
 * backend also ends the session that still holds the lock when its
 * holder is not alive here (docs/state.md). */
enum es_state_error es_state_force_unlock_at(const struct es_state_where *where,
                                             const char *customer,
                                             const char *environment,
                                             const char *lock_id,
                                             const char *by, char *msg,
                                             size_t len);

/* Move the state, journal and secrets of customer x environment from
 * `from` to `to` holding both locks (waiting up to wait_s), and mark the
 * source as moved so that a run still pointed at it refuses to start
 * (state_migrate.c, docs/state.md). `key` (nullable) is the state_key
 * that seals the secrets; a postgresql target needs it. ES_STATE_OK with
 * a summary in `msg`, or the error with the reason there. */
enum es_state_error es_state_migrate(const struct es_state_where *from,
                                     const struct es_state_where *to,
                                     const char *customer,
                                     const char *environment, const char *key,
                                     int wait_s, char *msg, size_t len);

/* Directory of this state (for the run log), transfer none. */
const char *es_state_path(const struct es_state *s);

/* How many times what the state says has changed since it was first
 * written (a record that only refreshes a timestamp does not count):
 * a saved plan holds the serial it was made at, and is stale once it
 * moved. Persisted in state.json as "serial". */
uint64_t es_state_serial(struct es_state *s);

#endif
