/*
 * Injected faults (--faults SPEC), private to the sandbox server. The
 * grammar is documented in tests/sandbox/README.md.
 */
#ifndef ENVSETUP_SANDBOX_FAULTS_H
#define ENVSETUP_SANDBOX_FAULTS_H

#include <stddef.h>

enum sb_fault_kind {
	SB_FAULT_NONE = 0,
	SB_FAULT_STATUS,     /* 429, 500, 502, 503 with a JSON body */
	SB_FAULT_RESET,      /* close the connection without a reply */
	SB_FAULT_SLOW,       /* delay, then answer normally */
	SB_FAULT_MALFORMED,  /* 200 with a truncated JSON body */
	SB_FAULT_TRUNCATED,  /* the fake's answer, its body cut in half */
	SB_FAULT_SLOW_BODY,  /* the fake's answer, its body sent over ms */
	SB_FAULT_WRONG_TYPE, /* 200 text/html: a proxy's page */
	SB_FAULT_ERROR_BODY, /* 200 with the provider's own error shape */
};

struct sb_fault {
	enum sb_fault_kind kind;
	int status;      /* SB_FAULT_STATUS */
	int retry_after; /* seconds, < 0 when not sent */
	int delay_ms;    /* SB_FAULT_SLOW, SB_FAULT_SLOW_BODY */
	char name[16];   /* the rule's KIND as written, for the record */
};

/* A request matcher, `METHOD /path-prefix` or `* /path-prefix`, shared by
 * the fault rules and the barrier (barrier.c). */
struct sb_match {
	char method[16]; /* "*" for any */
	char prefix[256];
};

/* Parses MATCH into m; -1 when it is not 'METHOD /path-prefix'. */
int sb_match_parse(struct sb_match *m, const char *match);
/* 1 when the request (path with the fake's prefix) matches. */
int sb_match_hits(const struct sb_match *m, const char *method,
                  const char *path);

/* Parses SPEC, replacing any earlier rules. On error returns -1 and writes
 * a message naming the rule into err. */
int sb_faults_parse(const char *spec, unsigned long seed, char *err,
                    size_t err_len);
/* Counts the request against every rule and returns the first rule that
 * fires (kind SB_FAULT_NONE when none does). `path` includes the fake's
 * prefix. Callers hold the server's lock. */
struct sb_fault sb_faults_check(const char *method, const char *path);
/* Forgets the rules' counters (and reseeds), for POST /_sandbox/reset. */
void sb_faults_reset(void);
void sb_faults_free(void);

struct sb_response;
/* The answer of an SB_FAULT_WRONG_TYPE or SB_FAULT_ERROR_BODY rule to a
 * request for `fake` (nullable) at `path` (with the fake's prefix):
 * fault_bodies.c. */
void sb_fault_body(const struct sb_fault *f, const char *fake, const char *path,
                   struct sb_response *resp);

#endif
