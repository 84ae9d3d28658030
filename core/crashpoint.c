/*
 * ENVSETUP_TEST_CRASHPOINT (crashpoint.h): the exhaustive crash tests'
 * hook, in the spirit of SQLite's. A run with "count" lists its points;
 * the suite (tests/integration/crashpoints.sh) then kills a run at each
 * in turn and checks that one apply converges. Killing the process from
 * inside, at a numbered point, lands every kill exactly in the window it
 * names, which no signal sent from outside can promise.
 */
#include "crashpoint.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum mode { OFF, COUNT, KILL };

static pthread_once_t once = PTHREAD_ONCE_INIT;
static enum mode mode = OFF;
static uint64_t kill_at;
static atomic_uint_fast64_t passed;

static void report_count(void)
{
	fprintf(stderr, "crashpoints: %" PRIuFAST64 "\n",
	        (uint_fast64_t)atomic_load(&passed));
}

static void read_setting(void)
{
	const char *v = getenv("ENVSETUP_TEST_CRASHPOINT");
	char *end;
	unsigned long long n;

	if (!v || !*v)
		return;
	if (strcmp(v, "count") == 0) {
		mode = COUNT;
		atexit(report_count);
		return;
	}
	n = strtoull(v, &end, 10);
	if (*end || n == 0 || v[0] == '-') {
		/* A test that meant to kill must not pass by not killing. */
		fprintf(stderr,
		        "ENVSETUP_TEST_CRASHPOINT=%s: not \"count\" nor a "
		        "point number from 1\n",
		        v);
		exit(64);
	}
	kill_at = n;
	mode = KILL;
}

int es_crashpoint_armed(void)
{
	pthread_once(&once, read_setting);
	return mode != OFF;
}

void es_crashpoint(const char *what, const char *detail)
{
	uint_fast64_t n;

	pthread_once(&once, read_setting);
	if (mode == OFF)
		return;
	n = atomic_fetch_add(&passed, 1) + 1;
	if (mode == COUNT) {
		fprintf(stderr, "crashpoint %" PRIuFAST64 ": %s%s%s\n", n, what,
		        detail ? " " : "", detail ? detail : "");
		return;
	}
	if (n != kill_at)
		return;
	/* Say where, so a failing case names its window; stderr is
	 * unbuffered, so the line is out before the kill. */
	fprintf(stderr, "crashpoint %" PRIuFAST64 ": %s%s%s: killed\n", n, what,
	        detail ? " " : "", detail ? detail : "");
	raise(SIGKILL);
}
