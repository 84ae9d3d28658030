/*
 * The crash-point test hook (docs/cli.md, "Test hooks"): every place where
 * a kill leaves a different state behind (a journal record made durable, a
 * state file before and after its rename, a request about to be sent, a
 * reply received, a plugin's file before and after its rename) calls
 * es_crashpoint(). With ENVSETUP_TEST_CRASHPOINT=N the process SIGKILLs
 * itself at the Nth call; with ENVSETUP_TEST_CRASHPOINT=count it prints
 * each point as it passes and their number at exit. Unset (operators
 * never set it), a call costs one load and does nothing.
 */
#ifndef ENVSETUP_CORE_CRASHPOINT_H
#define ENVSETUP_CORE_CRASHPOINT_H

/* The symbol a plugin looks up (dlsym) to make its own file writes crash
 * points; the envsetup binary exports it, and only it. */
#define ES_CRASHPOINT_SYMBOL "es_crashpoint"

/*
 * One crash point: `what` says which window it is ("journal record",
 * "before rename", "request sent", ...), `detail` (may be NULL) names the
 * file or the request: a masked URL, never a secret. Thread-safe: under
 * parallelism the numbering follows the order the points are reached in.
 */
void es_crashpoint(const char *what, const char *detail);
/* Whether ENVSETUP_TEST_CRASHPOINT is set: a caller skips making the
 * detail of its points otherwise. */
int es_crashpoint_armed(void);

#endif
