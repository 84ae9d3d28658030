/*
 * Durable files. Replacing a file so that a reader, or a crash, never
 * sees half of it:
 * the bytes go to a temporary file beside it (O_NOFOLLOW, the mode set
 * whatever the umask), which is fsynced, renamed over the file, and the
 * folder fsynced. State, journal, secrets, saved plans and exports all
 * use it.
 */
#ifndef ENVSETUP_FILE_REPLACE_H
#define ENVSETUP_FILE_REPLACE_H

#include <stddef.h>
#include <sys/types.h>

/* All `len` bytes to fd (retrying short writes and EINTR): 0 or -1. */
int es_write_all(int fd, const char *buf, size_t len);
/* Make `path` and its missing parents with `mode` (mkdir -p): 0 or -1. */
int es_mkdir_p(const char *path, mode_t mode);
/* fsync the folder `dir`, so an entry created or renamed in it lasts. */
int es_fsync_dir(const char *dir);

/* 0, or -1 with errno set and the old file (if any) untouched. */
int es_file_replace(const char *path, const char *data, size_t len,
                    mode_t mode);

#endif
