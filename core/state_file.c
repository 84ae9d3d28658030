/*
 * The file backend of the state (see state_backend.h): one directory per
 * environment holding state.json, journal.jsonl, secrets.json and lock.
 * Every replacement is atomic (temporary file, fsync, rename, fsync of the
 * directory) so a crash leaves either the old or the new file, never half.
 * The lock itself is in state_file_lock.c.
 */
#include "state_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crashpoint.h"
#include "file_open.h"
#include "file_replace.h"
#include "log.h"

/* A state document is a few hundred KiB at most; anything bigger is not
 * ours, and reading it whole would only exhaust memory. */
#define SNAPSHOT_CAP (16u << 20)
#define JOURNAL_CAP (64u << 20)
#define SECRETS_CAP (4u << 20)

/* ---- small helpers ------------------------------------------------------ */

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = malloc(la + lb + 2);

	if (!p)
		return NULL;
	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

/* Environment names become directory names: no separators, no dot files. */
static int valid_environment(const char *env)
{
	size_t n = env ? strlen(env) : 0;

	if (n == 0 || n > 128 || env[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = env[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return 0;
	}
	return 1;
}

/* Replace `path` by `len` bytes of `data`, mode 0600, atomically. */
static int write_atomic(const char *path, const char *data, size_t len)
{
	int rc = es_file_replace(path, data, len, 0600);

	if (rc < 0) {
		int why = errno; /* the caller reports it (state.h) */

		es_log(ES_LOG_ERROR, NULL, "cannot write %s: %s", path,
		       strerror(why));
		errno = why;
	}
	return rc;
}

/* ---- reading documents ---------------------------------------------- */

/* Whole file into a NUL-terminated buffer; *missing when it does not exist. */
static enum es_state_error read_capped(const char *path, size_t cap, char **out,
                                       size_t *len, int *missing, char *err,
                                       size_t errlen)
{
	int fd = es_open_regular(path, O_RDONLY, 0);
	struct stat sb;
	char *buf;
	size_t got = 0;

	*out = NULL;
	*missing = 0;
	if (fd == -1 && errno == ENOENT) {
		*missing = 1;
		return ES_STATE_OK;
	}
	if (fd == ES_OPEN_NOT_REGULAR) {
		snprintf(err, errlen, "%s: %s", path, es_open_error(fd));
		return ES_STATE_CORRUPT;
	}
	if (fd < 0 || fstat(fd, &sb) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ES_STATE_IO;
	}
	if (!S_ISREG(sb.st_mode) || (size_t)sb.st_size > cap) {
		snprintf(err, errlen, "%s: %s (limit %zu MiB)", path,
		         S_ISREG(sb.st_mode) ? "too large"
		                             : "not a regular file",
		         cap >> 20);
		close(fd);
		return ES_STATE_CORRUPT;
	}
	buf = malloc((size_t)sb.st_size + 1);
	while (buf && got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!buf || got != (size_t)sb.st_size) {
		free(buf);
		snprintf(err, errlen, "%s: cannot read", path);
		return ES_STATE_IO;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return ES_STATE_OK;
}

static size_t line_of(const char *buf, const char *at)
{
	size_t line = 1;

	for (const char *p = buf; p < at; p++)
		line += *p == '\n';
	return line;
}

/* A JSON object of a known major version, or NULL with err set. */
static cJSON *parse_document(const char *path, const char *buf, size_t len,
                             char *err, size_t errlen)
{
	const char *nul = memchr(buf, '\0', len);
	const char *end = NULL;
	cJSON *doc;
	int major;

	if (nul) {
		snprintf(err, errlen, "%s line %zu: binary data (NUL byte)",
		         path, line_of(buf, nul));
		return NULL;
	}
	doc = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (!doc || !cJSON_IsObject(doc)) {
		snprintf(err, errlen, "%s line %zu: %s", path,
		         doc ? 1 : line_of(buf, end ? end : buf),
		         doc ? "not a JSON object" : "not valid JSON");
		cJSON_Delete(doc);
		return NULL;
	}
	major = es_state_format_major(doc);
	if (major < 0)
		snprintf(err, errlen, "%s: format_version missing or malformed",
		         path);
	else if (major != ES_STATE_FORMAT_MAJOR)
		snprintf(err, errlen,
		         "%s: format_version major %d is not supported (this "
		         "envsetup reads %d.x)",
		         path, major, ES_STATE_FORMAT_MAJOR);
	if (major != ES_STATE_FORMAT_MAJOR) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

static enum es_state_error load_document(const char *path, size_t cap,
                                         cJSON **out, char *err, size_t errlen)
{
	char *buf;
	size_t len = 0;
	int missing;
	enum es_state_error e;

	*out = NULL;
	e = read_capped(path, cap, &buf, &len, &missing, err, errlen);
	if (e != ES_STATE_OK || missing)
		return e;
	*out = parse_document(path, buf, len, err, errlen);
	if (len)
		es_wipe(buf, len); /* secrets.json passes here too */
	free(buf);
	return *out ? ES_STATE_OK : ES_STATE_CORRUPT;
}

/* ---- the journal ------------------------------------------------------ */

/* One line; the header record is checked and not returned. *unreadable
 * tells a damaged line (maybe torn) from a readable one we refuse. */
static enum es_state_error journal_line(const char *path, size_t lineno,
                                        const char *line, size_t len,
                                        cJSON *records, int *unreadable,
                                        char *err, size_t errlen)
{
	cJSON *rec;
	const cJSON *type;

	if (memchr(line, '\0', len))
		rec = NULL;
	else
		rec = cJSON_ParseWithLength(line, len);
	type = cJSON_GetObjectItemCaseSensitive(rec, "type");
	*unreadable = !cJSON_IsObject(rec) || !cJSON_IsString(type);
	if (*unreadable) {
		cJSON_Delete(rec);
		snprintf(err, errlen, "%s line %zu: not a journal record", path,
		         lineno);
		return ES_STATE_CORRUPT;
	}
	if (strcmp(type->valuestring, "header") == 0) {
		int major = es_state_format_major(rec);

		cJSON_Delete(rec);
		if (major == ES_STATE_FORMAT_MAJOR)
			return ES_STATE_OK;
		snprintf(
		    err, errlen,
		    "%s line %zu: format_version major %d is not supported "
		    "(this envsetup reads %d.x)",
		    path, lineno, major, ES_STATE_FORMAT_MAJOR);
		return ES_STATE_CORRUPT;
	}
	cJSON_AddItemToArray(records, rec);
	return ES_STATE_OK;
}

/* Cut a torn tail off so the next append starts on a line of its own. */
static void journal_cut(struct es_state_store *st, size_t keep)
{
	int fd;

	if (st->readonly)
		return;
	fd = es_open_regular(st->journal_path, O_WRONLY, 0);
	if (fd < 0 || ftruncate(fd, (off_t)keep) < 0 || fsync(fd) < 0)
		es_log(ES_LOG_WARNING, NULL, "%s: cannot cut the torn line: %s",
		       st->journal_path, es_open_error(fd));
	if (fd >= 0)
		close(fd);
}

static enum es_state_error load_journal(struct es_state_store *st,
                                        cJSON *records, char *err,
                                        size_t errlen)
{
	char *buf;
	size_t len = 0, pos = 0, lineno = 0;
	int missing, unreadable = 0;
	enum es_state_error e;

	e = read_capped(st->journal_path, JOURNAL_CAP, &buf, &len, &missing,
	                err, errlen);
	if (e != ES_STATE_OK || missing)
		return e;
	while (e == ES_STATE_OK && pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		int last = !nl || end + 1 == len;
		/* The last record so far (cJSON keeps it as the first one's
		 * prev): counting the array on each line made a replay of
		 * n records take n^2 steps. */
		const cJSON *tail =
		    records->child ? records->child->prev : NULL;

		lineno++;
		if (end > pos)
			e = journal_line(st->journal_path, lineno, buf + pos,
			                 end - pos, records, &unreadable, err,
			                 errlen);
		if (last && (!nl || unreadable)) {
			if (records->child && records->child->prev != tail)
				cJSON_Delete(cJSON_DetachItemViaPointer(
				    records, records->child->prev));
			/* A write cut short by a crash: the caller was never
			 * told it succeeded, so dropping it loses nothing. */
			es_log(ES_LOG_WARNING, NULL,
			       "%s line %zu: incomplete last record ignored "
			       "(interrupted write)",
			       st->journal_path, lineno);
			journal_cut(st, pos);
			e = ES_STATE_OK;
			break;
		}
		pos = end + 1;
	}
	free(buf);
	return e;
}

static int journal_open(struct es_state_store *st)
{
	struct stat sb;
	int created;

	if (st->journal_fd >= 0)
		return 0;
	created = access(st->journal_path, F_OK) != 0;
	st->journal_fd = es_open_regular(st->journal_path,
	                                 O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (st->journal_fd == ES_OPEN_NOT_REGULAR)
		errno = EINVAL;
	if (st->journal_fd < 0 || fstat(st->journal_fd, &sb) < 0) {
		st->journal_fd = -1;
		return -1;
	}
	st->journal_size = sb.st_size;
	if (created && es_fsync_dir(st->dir) < 0)
		return -1;
	if (sb.st_size == 0) {
		static const char header[] =
		    "{\"type\":\"header\","
		    "\"format_version\":\"" ES_STATE_FORMAT_VERSION "\"}\n";

		if (es_write_all(st->journal_fd, header, sizeof(header) - 1) <
		    0)
			return -1;
		st->journal_size = sizeof(header) - 1;
	}
	return 0;
}

static int file_journal_append(struct es_state_store *st, const cJSON *record)
{
	char *text;
	size_t len;
	int rc = -1;

	if (st->readonly || journal_open(st) < 0)
		return -1;
	text = cJSON_PrintUnformatted(record);
	if (!text)
		return -1;
	len = strlen(text);
	text[len] = '\n'; /* replaces the NUL; length is tracked */
	if (es_write_all(st->journal_fd, text, len + 1) == 0 &&
	    fsync(st->journal_fd) == 0) {
		st->journal_size += (off_t)len + 1;
		rc = 0;
		es_crashpoint("journal record written", st->journal_path);
	} else {
		int why = errno; /* the caller reports it (state.h) */

		/* Never leave half a line for the next record to follow. */
		es_log(ES_LOG_ERROR, NULL, "cannot append to %s: %s",
		       st->journal_path, strerror(why));
		if (ftruncate(st->journal_fd, st->journal_size) < 0)
			es_log(ES_LOG_ERROR, NULL, "%s: cannot undo: %s",
			       st->journal_path, strerror(errno));
		errno = why;
	}
	free(text);
	return rc;
}

/* ---- the table ------------------------------------------------------- */

static void file_close(struct es_state_store *st)
{
	if (!st)
		return;
	es_state_file_unlock(st);
	if (st->journal_fd >= 0)
		close(st->journal_fd);
	free(st->dir);
	free(st->state_path);
	free(st->journal_path);
	free(st->secrets_path);
	free(st->lock_path);
	free(st);
}

static enum es_state_error file_open(const struct es_state_where *where,
                                     const char *customer,
                                     const char *environment, int readonly,
                                     struct es_state_store **out, char *err,
                                     size_t errlen)
{
	const char *dir = where->dir;
	struct es_state_store *st;

	(void)customer; /* the directory is the customer's own */
	*out = NULL;
	if (!dir || !*dir || !valid_environment(environment)) {
		snprintf(err, errlen,
		         "invalid state directory or environment "
		         "name (letters, digits, '-', '_', '.')");
		return ES_STATE_IO;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		goto oom;
	st->lock_fd = st->journal_fd = -1;
	st->readonly = readonly;
	st->dir = join(dir, environment);
	if (!st->dir)
		goto oom;
	st->state_path = join(st->dir, "state.json");
	st->journal_path = join(st->dir, "journal.jsonl");
	st->secrets_path = join(st->dir, "secrets.json");
	st->lock_path = join(st->dir, "lock");
	if (!st->state_path || !st->journal_path || !st->secrets_path ||
	    !st->lock_path)
		goto oom;
	if (!readonly && es_mkdir_p(st->dir, 0700) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", st->dir,
		         strerror(errno));
		file_close(st);
		return ES_STATE_IO;
	}
	*out = st;
	return ES_STATE_OK;
oom:
	file_close(st);
	snprintf(err, errlen, "out of memory");
	return ES_STATE_IO;
}

/* Someone widened the mode by hand: say so, loudly, every run. */
static void secrets_mode_check(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == 0 && (sb.st_mode & 077))
		es_log(ES_LOG_WARNING, NULL,
		       "%s is readable by others (mode %03o): run chmod 600",
		       path, (unsigned)(sb.st_mode & 0777));
}

static enum es_state_error file_load(struct es_state_store *st,
                                     struct es_state_loaded *out, char *err,
                                     size_t errlen)
{
	enum es_state_error e;

	memset(out, 0, sizeof(*out));
	out->journal = cJSON_CreateArray();
	if (!out->journal) {
		snprintf(err, errlen, "out of memory");
		return ES_STATE_IO;
	}
	/* Journal before snapshot: a reader without the lock that races a
	 * writer's snapshot then sees the old journal over the new snapshot,
	 * which replays to the same state, and never the old snapshot with
	 * the emptied journal. */
	e = load_journal(st, out->journal, err, errlen);
	if (e == ES_STATE_OK)
		e = load_document(st->state_path, SNAPSHOT_CAP, &out->snapshot,
		                  err, errlen);
	if (e == ES_STATE_OK)
		e = load_document(st->secrets_path, SECRETS_CAP, &out->secrets,
		                  err, errlen);
	if (e == ES_STATE_OK && out->secrets)
		secrets_mode_check(st->secrets_path);
	return e;
}

static int file_snapshot(struct es_state_store *st, const cJSON *doc)
{
	char *text;
	int rc;

	if (st->readonly)
		return -1;
	text = cJSON_Print(doc);
	if (!text)
		return -1;
	rc = write_atomic(st->state_path, text, strlen(text));
	free(text);
	if (rc < 0)
		return -1;
	/* The snapshot now holds everything: start an empty journal the same
	 * atomic way, so a crash leaves the old journal or the new one. */
	if (st->journal_fd >= 0)
		close(st->journal_fd);
	st->journal_fd = -1;
	return write_atomic(st->journal_path, "", 0);
}

static int file_secrets_save(struct es_state_store *st, const cJSON *doc)
{
	char *text;
	int rc;

	if (st->readonly)
		return -1;
	text = cJSON_Print(doc);
	if (!text)
		return -1;
	rc = write_atomic(st->secrets_path, text, strlen(text));
	es_wipe(text, strlen(text));
	free(text);
	return rc;
}

static const char *file_path(const struct es_state_store *st)
{
	return st->dir;
}

const struct es_state_backend es_state_file_backend = {
    .name = "file",
    .open = file_open,
    .lock = es_state_file_lock,
    .unlock = es_state_file_unlock,
    .load = file_load,
    .journal_append = file_journal_append,
    .snapshot = file_snapshot,
    .secrets_save = file_secrets_save,
    .path = file_path,
    .close = file_close,
    .force_unlock = es_state_file_force_unlock,
};
