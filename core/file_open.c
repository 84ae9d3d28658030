/* Opening envsetup's own files safely (see file_open.h). */
#include "file_open.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int es_open_regular(const char *path, int flags, mode_t mode)
{
	/* Without O_NONBLOCK, opening a FIFO waits for its other end. */
	int fd = open(
	    path, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, mode);
	struct stat sb;
	int fl;

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0) {
		int why = errno;

		close(fd);
		errno = why;
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return ES_OPEN_NOT_REGULAR;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int why = errno;

		close(fd);
		errno = why;
		return -1;
	}
	return fd;
}

const char *es_open_error(int rc)
{
	if (rc == ES_OPEN_NOT_REGULAR)
		return "not a regular file (a FIFO, device, socket or "
		       "directory)";
	return strerror(errno);
}
