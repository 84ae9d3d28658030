/*
 * The driver of a fuzz target without libFuzzer: runs
 * LLVMFuzzerTestOneInput once on every file under the directories (or
 * files) given, seeds and regressions alike, so every build replays the
 * inputs that once crashed. A crash or sanitizer report fails the test as
 * it would the fuzzer; a clean run prints how many inputs it replayed.
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fuzz.h"

static size_t replayed;

static int replay(const char *path, const struct stat *sb, int type,
                  struct FTW *ftw)
{
	FILE *f;
	uint8_t *buf;
	size_t got;

	/* README.md files say what a corpus is; dotfiles are not inputs. */
	if (type != FTW_F || path[ftw->base] == '.' ||
	    strcmp(path + ftw->base, "README.md") == 0)
		return 0;
	f = fopen(path, "rb");
	buf = malloc((size_t)sb->st_size + 1);
	if (!f || !buf) {
		perror(path);
		exit(1);
	}
	got = fread(buf, 1, (size_t)sb->st_size, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	replayed++;
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (nftw(argv[i], replay, 16, FTW_PHYS) != 0) {
			perror(argv[i]);
			return 1;
		}
	printf("replayed %zu inputs\n", replayed);
	return replayed ? 0 : 1;
}
