/*
 * Opening the files envsetup keeps (state.json, journal.jsonl,
 * secrets.json, the lock, the run log): a FIFO, device or socket put in
 * their place must not hang a run, nor a symlink send a write elsewhere.
 */
#ifndef ENVSETUP_CORE_FILE_OPEN_H
#define ENVSETUP_CORE_FILE_OPEN_H

#include <sys/types.h>

#define ES_OPEN_NOT_REGULAR (-2)

/*
 * open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, mode),
 * then refuse anything but a regular file; O_NONBLOCK is cleared again.
 * Returns the descriptor, -1 with errno set, or ES_OPEN_NOT_REGULAR
 * (nothing left open). A symlink fails with ELOOP.
 */
int es_open_regular(const char *path, int flags, mode_t mode);

/* Why es_open_regular returned `rc` ("not a regular file", or errno's). */
const char *es_open_error(int rc);

#endif
