/*
 * Secret references (see config.h): `env:NAME` or `file:PATH`. The value
 * never appears in an error message; only the reference, a mode or a size.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

#define SECRET_MAX_BYTES (64u * 1024u)
/* Shorter values could not be masked in logs without mangling them. */
#define SECRET_MIN_BYTES 4u

static int env_name_valid(const char *name)
{
	if (!*name || (*name >= '0' && *name <= '9'))
		return 0;
	for (; *name; name++)
		if (!((*name >= 'A' && *name <= 'Z') ||
		      (*name >= 'a' && *name <= 'z') ||
		      (*name >= '0' && *name <= '9') || *name == '_'))
			return 0;
	return 1;
}

static char *from_env(const char *name, char *err, size_t errlen)
{
	const char *v;
	char *copy;

	if (!env_name_valid(name)) {
		snprintf(err, errlen,
		         "'%s' is not a valid environment "
		         "variable name",
		         name);
		return NULL;
	}
	v = getenv(name);
	if (!v || !*v) {
		snprintf(err, errlen, "environment variable %s is %s", name,
		         v ? "empty" : "not set");
		return NULL;
	}
	copy = strdup(v);
	if (!copy)
		snprintf(err, errlen, "out of memory");
	return copy;
}

/* Read at most SECRET_MAX_BYTES + 1 bytes; NULL with err on failure. */
static char *read_secret_fd(int fd, const char *path, size_t *len, char *err,
                            size_t errlen)
{
	char *buf = malloc(SECRET_MAX_BYTES + 2);
	size_t got = 0;

	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	while (got <= SECRET_MAX_BYTES) {
		ssize_t r = read(fd, buf + got, SECRET_MAX_BYTES + 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "cannot read %s: %s", path,
			         strerror(errno));
			es_wipe(buf, got);
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* Checks that need the open file: type, permissions, size. */
static int check_secret_file(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;
	mode_t mode;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		return -1;
	}
	mode = st.st_mode & 07777;
	if (mode != 0600 && mode != 0400) {
		snprintf(err, errlen,
		         "%s has mode %04o; a secret file must "
		         "be 0600 or 0400 (chmod 600 %s)",
		         path, (unsigned)mode, path);
		return -1;
	}
	if ((uintmax_t)st.st_size > SECRET_MAX_BYTES) {
		snprintf(err, errlen, "%s is larger than %u bytes", path,
		         SECRET_MAX_BYTES);
		return -1;
	}
	return 0;
}

/* A relative PATH is relative to the config's directory. */
static int secret_file_path(const char *ref_path, const char *base_dir,
                            char *path, size_t size)
{
	int relative = ref_path[0] != '/' && base_dir;

	return (size_t)snprintf(path, size, "%s%s%s", relative ? base_dir : "",
	                        relative ? "/" : "", ref_path) >= size;
}

static char *from_file(const char *ref_path, const char *base_dir, char *err,
                       size_t errlen)
{
	char path[PATH_MAX];
	size_t len = 0;
	char *buf;
	int fd;

	if (!*ref_path) {
		snprintf(err, errlen, "file: needs a path");
		return NULL;
	}
	if (secret_file_path(ref_path, base_dir, path, sizeof(path))) {
		snprintf(err, errlen, "secret file path too long");
		return NULL;
	}
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path,
		         strerror(errno));
		return NULL;
	}
	if (check_secret_file(fd, path, err, errlen) < 0) {
		close(fd);
		return NULL;
	}
	buf = read_secret_fd(fd, path, &len, err, errlen);
	close(fd);
	if (!buf)
		return NULL;
	if (len > SECRET_MAX_BYTES || memchr(buf, '\0', len)) {
		snprintf(err, errlen, "%s is %s", path,
		         len > SECRET_MAX_BYTES ? "too large"
		                                : "binary (has a NUL byte)");
		es_wipe(buf, len);
		free(buf);
		return NULL;
	}
	/* Editors add a final newline; it is never part of the secret. */
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len && buf[len - 1] == '\r')
		buf[--len] = '\0';
	return buf;
}

int es_secret_absent(const char *ref, const char *base_dir)
{
	char path[PATH_MAX];
	const char *v;
	struct stat st;

	if (ref && strncmp(ref, "env:", 4) == 0) {
		v = getenv(ref + 4);
		return env_name_valid(ref + 4) && (!v || !*v);
	}
	if (!ref || strncmp(ref, "file:", 5) != 0 || !ref[5])
		return 0;
	if (secret_file_path(ref + 5, base_dir, path, sizeof(path)))
		return 0;
	return lstat(path, &st) < 0 && errno == ENOENT;
}

/* A secret goes into HTTP headers and URLs: a CR or LF in it would add a
 * header of the holder's choosing. 1 (said, the value not shown) when it
 * holds a control character. */
static int control_char_at(const char *v, char *err, size_t errlen,
                           const char *ref)
{
	for (size_t i = 0; v[i]; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c == 0x7f) {
			snprintf(err, errlen,
			         "the secret from %s has a control character "
			         "(byte %zu, 0x%02x): a secret is one line of "
			         "printable text",
			         ref, i + 1, c);
			return 1;
		}
	}
	return 0;
}

char *es_secret_resolve(const char *ref, const char *base_dir, char *err,
                        size_t errlen)
{
	char *v = NULL;

	if (!err || !errlen)
		return NULL;
	err[0] = '\0';
	if (!ref) {
		snprintf(err, errlen, "no secret reference");
		return NULL;
	}
	if (strncmp(ref, "env:", 4) == 0)
		v = from_env(ref + 4, err, errlen);
	else if (strncmp(ref, "file:", 5) == 0)
		v = from_file(ref + 5, base_dir, err, errlen);
	else
		snprintf(err, errlen,
		         "a secret must be a reference, env:NAME "
		         "or file:PATH; the literal value is refused");
	if (v && control_char_at(v, err, errlen, ref)) {
		es_wipe(v, strlen(v));
		free(v);
		v = NULL;
	}
	if (v && strlen(v) < SECRET_MIN_BYTES) {
		snprintf(err, errlen,
		         "the secret from %s is shorter than %u "
		         "bytes, too short to redact safely",
		         ref, SECRET_MIN_BYTES);
		es_wipe(v, strlen(v));
		free(v);
		v = NULL;
	}
	return v;
}
