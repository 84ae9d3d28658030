/*
 * `envsetup state migrate` (state.h, docs/state.md): move one customer x
 * environment's snapshot, journal and secrets from one backend to another
 * under both locks. Nothing is lost at any point a crash could hit:
 *   1. the target gets the snapshot marked "moved_to" the source, so no
 *      run uses the half-copied target;
 *   2. the journal records follow in order, then the secrets (sealed with
 *      state_key when the target is PostgreSQL);
 *   3. what the target now holds is read back and compared;
 *   4. the source is marked moved to the target (a run still pointed at
 *      it refuses to start instead of creating everything again), then
 *      the target's mark is lifted.
 * A migration cut short is run again: a target marked moved, or a source
 * already moved to that target, is overwritten from the source.
 */
#include "state_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "secret_seal.h"

struct side {
	const struct es_state_backend *be;
	struct es_state_store *store;
	struct es_state_loaded ld;
};

static void side_close(struct side *s)
{
	if (s->store) {
		s->be->unlock(s->store);
		s->be->close(s->store);
	}
	cJSON_Delete(s->ld.snapshot);
	cJSON_Delete(s->ld.journal);
	es_state_wipe_delete(s->ld.secrets);
	memset(&s->ld, 0, sizeof(s->ld));
}

static enum es_state_error side_open(struct side *s,
                                     const struct es_state_where *w,
                                     const char *customer, const char *env,
                                     int wait_s, char *err, size_t errlen)
{
	enum es_state_error e;

	s->be = es_state_backend_find(w->backend);
	if (!s->be) {
		snprintf(err, errlen, "no state backend '%s'", w->backend);
		return ES_STATE_IO;
	}
	e = s->be->open(w, customer, env, 0, &s->store, err, errlen);
	if (e == ES_STATE_OK)
		e = s->be->lock(s->store, wait_s, err, errlen);
	if (e == ES_STATE_OK)
		e = s->be->load(s->store, &s->ld, err, errlen);
	return e;
}

/* Where the side's state says it was moved to, NULL when it is here:
 * the snapshot's mark, then the journal's moves, the last one winning. */
static const char *moved_to(const struct es_state_loaded *ld)
{
	const char *to = es_state_str_member(ld->snapshot, "moved_to");
	const cJSON *r;

	cJSON_ArrayForEach(r, ld->journal)
	{
		const char *type = es_state_str_member(r, "type");

		if (type && strcmp(type, "moved") == 0)
			to = es_state_str_member(r, "to");
	}
	return to;
}

static int holds_state(const struct es_state_loaded *ld)
{
	return ld->snapshot || ld->secrets || cJSON_GetArraySize(ld->journal);
}

/* The source's journal without its moves: where it was is not state. */
static cJSON *journal_to_copy(const cJSON *journal)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *r;

	cJSON_ArrayForEach(r, journal)
	{
		const char *type = es_state_str_member(r, "type");

		if (out && !(type && strcmp(type, "moved") == 0) &&
		    !cJSON_AddItemToArray(out, cJSON_Duplicate(r, 1))) {
			cJSON_Delete(out);
			out = NULL;
		}
	}
	return out;
}

/* The source's snapshot (or a new one), marked as living at `where`. */
static cJSON *snapshot_to_copy(const cJSON *snap, const char *customer,
                               const char *where)
{
	cJSON *d = snap ? cJSON_Duplicate(snap, 1) : cJSON_CreateObject();

	if (!d ||
	    (!snap && (es_state_put_string(d, "format_version",
	                                   ES_STATE_FORMAT_VERSION) < 0 ||
	               es_state_put_string(d, "customer", customer) < 0))) {
		cJSON_Delete(d);
		return NULL;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(d, "moved_to");
	if (where && es_state_put_string(d, "moved_to", where) < 0) {
		cJSON_Delete(d);
		return NULL;
	}
	return d;
}

/* The secrets as the target stores them: sealed when a key is given
 * (the PostgreSQL backend takes nothing else), else as they are. */
static cJSON *secrets_to_copy(const cJSON *secrets, const char *customer,
                              const char *key, int need_sealed, char *err,
                              size_t errlen)
{
	unsigned char k[ES_SEAL_KEY_BYTES];
	cJSON *plain, *out;

	if (secrets && es_sealed(secrets))
		return cJSON_Duplicate(secrets, 1);
	if (!key && need_sealed) {
		snprintf(err, errlen,
		         "the target stores secrets sealed only: set "
		         "customer.state_key");
		return NULL;
	}
	plain = secrets ? cJSON_Duplicate(secrets, 1) : cJSON_CreateObject();
	if (plain && !secrets &&
	    es_state_put_string(plain, "format_version",
	                        ES_STATE_FORMAT_VERSION) < 0) {
		cJSON_Delete(plain);
		plain = NULL;
	}
	if (!key || !plain)
		return plain;
	es_seal_key(key, k);
	out = es_seal(plain, k, customer);
	es_wipe(k, sizeof(k));
	es_state_wipe_delete(plain);
	if (!out)
		snprintf(err, errlen, "cannot seal the secrets");
	return out;
}

static cJSON *moved_record(const char *to)
{
	return es_state_with_number(
	    es_state_record_new("moved", "to", to, (const char *)NULL), "at",
	    (double)time(NULL));
}

/* Write the copies to the target, read them back and compare. */
static int copy_to(struct side *dst, const cJSON *snap, const cJSON *journal,
                   const cJSON *secrets, char *err, size_t errlen)
{
	struct es_state_loaded back = {0};
	const cJSON *r;
	int rc = dst->be->snapshot(dst->store, snap);

	cJSON_ArrayForEach(r, journal)
	{
		if (rc == 0)
			rc = dst->be->journal_append(dst->store, r);
	}
	if (rc == 0 && secrets)
		rc = dst->be->secrets_save(dst->store, secrets);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot write the copy (%s)",
		         dst->be->path(dst->store), es_state_write_error());
		return -1;
	}
	if (dst->be->load(dst->store, &back, err, errlen) != ES_STATE_OK)
		rc = -1;
	else if (!cJSON_Compare(back.snapshot, snap, 1) ||
	         !cJSON_Compare(back.journal, journal, 1) ||
	         (secrets && !cJSON_Compare(back.secrets, secrets, 1))) {
		snprintf(err, errlen,
		         "%s: what was read back differs from "
		         "what was written",
		         dst->be->path(dst->store));
		rc = -1;
	}
	cJSON_Delete(back.snapshot);
	cJSON_Delete(back.journal);
	es_state_wipe_delete(back.secrets);
	return rc;
}

static enum es_state_error migrate(struct side *src, struct side *dst,
                                   const char *customer, const char *key,
                                   char *msg, size_t len)
{
	const char *src_moved = moved_to(&src->ld);
	int need_sealed = dst->be == &es_state_pg_backend;
	cJSON *snap, *journal, *secrets, *mark;
	int rc = -1;

	if (src_moved && strcmp(src_moved, dst->be->name) != 0) {
		snprintf(msg, len, "%s was moved to the %s backend already",
		         src->be->path(src->store), src_moved);
		return ES_STATE_IO;
	}
	if (holds_state(&dst->ld) && !moved_to(&dst->ld)) {
		snprintf(msg, len,
		         "%s already holds a state of this customer and "
		         "environment: nothing moved",
		         dst->be->path(dst->store));
		return ES_STATE_IO;
	}
	snap = snapshot_to_copy(src->ld.snapshot, customer, src->be->name);
	journal = journal_to_copy(src->ld.journal);
	secrets = secrets_to_copy(src->ld.secrets, customer, key, need_sealed,
	                          msg, len);
	if (!snap || !journal || !secrets)
		snprintf(msg + strlen(msg), len - strlen(msg), "%s",
		         msg[0] ? "" : "out of memory");
	else if (copy_to(dst, snap, journal, secrets, msg, len) == 0) {
		/* The source first: a crash between the two leaves both
		 * marked, and migrate again finishes the move. */
		mark = moved_record(dst->be->name);
		rc = mark ? src->be->journal_append(src->store, mark) : -1;
		cJSON_Delete(mark);
		mark = rc == 0 ? moved_record(NULL) : NULL;
		rc = mark ? dst->be->journal_append(dst->store, mark) : -1;
		cJSON_Delete(mark);
		if (rc < 0)
			snprintf(msg, len, "cannot mark the move: %s",
			         es_state_write_error());
		else
			snprintf(msg, len,
			         "moved %s to %s: the snapshot, %d journal "
			         "records and the secrets%s; now set "
			         "customer.state_backend = \"%s\"",
			         src->be->path(src->store),
			         dst->be->path(dst->store),
			         cJSON_GetArraySize(journal),
			         es_sealed(secrets) ? " (sealed)" : "",
			         dst->be->name);
	}
	cJSON_Delete(snap);
	cJSON_Delete(journal);
	es_state_wipe_delete(secrets);
	return rc == 0 ? ES_STATE_OK : ES_STATE_IO;
}

enum es_state_error es_state_migrate(const struct es_state_where *from,
                                     const struct es_state_where *to,
                                     const char *customer,
                                     const char *environment, const char *key,
                                     int wait_s, char *msg, size_t len)
{
	struct side src = {0}, dst = {0};
	enum es_state_error e;

	msg[0] = '\0';
	if (es_state_backend_find(from->backend) ==
	    es_state_backend_find(to->backend)) {
		snprintf(msg, len, "the state is in the %s backend already",
		         from->backend ? from->backend : "file");
		return ES_STATE_IO;
	}
	e = side_open(&src, from, customer, environment, wait_s, msg, len);
	if (e == ES_STATE_OK)
		e = side_open(&dst, to, customer, environment, wait_s, msg,
		              len);
	if (e == ES_STATE_OK)
		e = migrate(&src, &dst, customer, key, msg, len);
	side_close(&dst);
	side_close(&src);
	return e;
}
