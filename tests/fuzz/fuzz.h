/*
 * What the fuzz targets share: the libFuzzer entry points they define, and
 * a private scratch directory for targets that feed files to the core.
 * Header-only: each target is one file.
 */
#ifndef ENVSETUP_TESTS_FUZZ_H
#define ENVSETUP_TESTS_FUZZ_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A directory of this process's own under $TMPDIR, made once, removed at
 * exit by the target that made it. Aborts when it cannot be made: a fuzz
 * run without it would test nothing. */
static inline const char *fuzz_scratch_dir(void)
{
	static char dir[512];
	const char *tmp = getenv("TMPDIR");

	if (dir[0])
		return dir;
	snprintf(dir, sizeof(dir), "%s/es-fuzz-XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("fuzz: mkdtemp");
		abort();
	}
	return dir;
}

/* Write `len` bytes to dir/name (0600), replacing it. Aborts on failure. */
static inline void fuzz_write(const char *dir, const char *name,
                              const void *data, size_t len)
{
	char path[1024];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		abort(); /* the fuzzer's own temporary folder: short */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len)) {
		perror(path);
		abort();
	}
	close(fd);
}

/* A NUL-terminated copy of the input (malloc'd). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
