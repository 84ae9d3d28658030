/*
 * The barrier, private to the sandbox server: hold the reply to one chosen
 * request and tell the test it is in flight, so a test can kill its client
 * at that exact point instead of after a sleep. The control API and the
 * spec grammar are documented in tests/sandbox/README.md.
 *
 * Every function is called with the server's lock held (the one given to
 * sb_barrier_init); sb_barrier_hold() and the wait endpoint release it
 * while they block, so the rest of the sandbox keeps serving.
 */
#ifndef ENVSETUP_SANDBOX_BARRIER_H
#define ENVSETUP_SANDBOX_BARRIER_H

#include <pthread.h>

#include "sandbox.h"

enum sb_barrier_hit {
	SB_BARRIER_NONE = 0,
	SB_BARRIER_BEFORE, /* hold before the fake sees the request */
	SB_BARRIER_AFTER,  /* hold after the fake answered, before the reply */
};

/* Returns -1 (errno set) if the wake-up pipe cannot be made. */
int sb_barrier_init(pthread_mutex_t *server_lock);
/* Counts a provider request (`url` with the fake's prefix) against the
 * armed barrier; the matching occurrence that fires says when to hold. */
enum sb_barrier_hit sb_barrier_check(const struct sb_request *req,
                                     const char *url);
/* Holds the request whose client is on socket `fd` until the test
 * releases it (returns 0) or the client goes away, the sandbox is reset or
 * it stops (returns -1: drop the connection without a reply). */
int sb_barrier_hold(int fd);
/* The /_sandbox/barrier... endpoints. */
void sb_barrier_control(const struct sb_request *req, const char *url,
                        struct sb_response *resp);
/* POST /_sandbox/reset: a held request is dropped, the barrier disarmed. */
void sb_barrier_reset(void);
/* Before the daemon stops: wakes every waiter and drops a held request. */
void sb_barrier_shutdown(void);

#endif
