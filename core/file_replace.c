/* es_file_replace: see file_replace.h. */
#include "file_replace.h"

#include "crashpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int es_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO; /* no progress and no reason given */
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int es_mkdir_p(const char *path, mode_t mode)
{
	char *p = strdup(path);
	int rc = 0;

	if (!p)
		return -1;
	for (char *s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;

		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			rc = -1;
		*s = saved;
		if (saved == '\0')
			break;
	}
	free(p);
	return rc;
}

int es_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* The rename is durable only once the folder's entry is. */
static int fsync_folder_of(const char *path)
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", path);
	return es_fsync_dir(dirname(copy));
}

int es_file_replace(const char *path, const char *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	int fd, saved, ok;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* mkostemp creates with O_EXCL (so never through a planted
	 * symlink) and mode 0600; fchmod then sets the wanted mode. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = fchmod(fd, mode) == 0 && es_write_all(fd, data, len) == 0 &&
	     fsync(fd) == 0;
	saved = errno;
	ok = close(fd) == 0 && ok;
	if (ok)
		es_crashpoint("file written, before its rename", path);
	if (ok && rename(tmp, path) == 0) {
		if (fsync_folder_of(path) < 0)
			return -1;
		es_crashpoint("file renamed into place", path);
		return 0;
	}
	saved = ok ? errno : saved;
	unlink(tmp);
	errno = saved;
	return -1;
}
