/* es_data_path: see data_path.h. */
#include "data_path.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *es_data_path(const char *relative)
{
	char exe[PATH_MAX], candidate[PATH_MAX + 64];
	struct stat st;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	/* An install keeps it in share/ beside bin/. */
	if (n > 0 && (exe[n] = '\0', strrchr(exe, '/'))) {
		*strrchr(exe, '/') = '\0';
		snprintf(candidate, sizeof(candidate),
		         "%s/../share/envsetup/%s", exe, relative);
		if (stat(candidate, &st) == 0)
			return realpath(candidate, NULL);
	}
	/* A build tree runs from the sources it was built from. */
	snprintf(candidate, sizeof(candidate), "%s/%s", ES_SOURCE_ETC,
	         relative);
	return strdup(candidate);
}
