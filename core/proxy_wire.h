/*
 * The messages between the core and a plugin running in its own process
 * (isolation = "process"): length-prefixed frames over a socketpair, each
 * an operation code and positional fields. A field is a 32-bit length and
 * that many bytes, stored with a NUL after them so a string or a body can
 * be read in place; a NULL string has the length ES_WIRE_NULL. Both ends
 * are the same executable on the same machine, so integers travel in host
 * byte order.
 */
#ifndef ENVSETUP_CORE_PROXY_WIRE_H
#define ENVSETUP_CORE_PROXY_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define ES_WIRE_NULL UINT32_MAX
/* Above any reply the HTTP service keeps, below what would hurt. */
#define ES_WIRE_MAX_FRAME (256u * 1024u * 1024u)

/* Operation codes. The core sends P_*; the plugin process sends H_* host
 * calls and C_DONE, the end of a callback. H_* calls marked one-way get no
 * reply; every other one gets exactly one P_REPLY. */
enum es_wire_op {
	ES_P_CREATE = 1, /* i64 validate: create(), then validate() */
	ES_P_RUN,        /* i64 task index, i64 phase */
	ES_P_DESTROY,    /* destroy_instance(), then exit */
	ES_P_REPLY,
	ES_C_DONE, /* i64 status */

	ES_H_LOG,         /* one-way: i64 level, str text */
	ES_H_DIAG_ERROR,  /* one-way: str key, str text */
	ES_H_RETRY_AFTER, /* one-way: i64 ms */
	ES_H_ASK,         /* one-way: str text */
	ES_H_PLAN_CHANGE, /* one-way: i64 change, str kind, name, detail */
	ES_H_STEP,        /* one-way: str text */

	ES_H_CFG_IS_SET, /* str key -> i64 */
	ES_H_CFG_STRING, /* str key -> str */
	ES_H_CFG_INT,
	ES_H_CFG_BOOL,
	ES_H_CFG_DURATION,
	ES_H_CFG_LIST_SIZE,
	ES_H_CFG_LIST_ITEM, /* str key, i64 i -> str */
	ES_H_CFG_CUSTOMER,  /* -> str */
	ES_H_CFG_ENVIRONMENT,
	ES_H_CFG_ENV_VALUE, /* str name -> str */
	ES_H_CFG_IS_EXPLICIT,
	ES_H_CFG_JSON, /* str key -> str (printed JSON) */

	ES_H_HTTP, /* the request -> the response (proxy_codec.c) */

	ES_H_STATE_GET, /* str key -> str */
	ES_H_STATE_PUT, /* str key, str value -> i64 */
	ES_H_STATE_DEL,
	ES_H_STATE_INTERRUPTED, /* -> i64 */
	ES_H_OUTPUT_SET,        /* str name, str value, i64 secret -> i64 */
	ES_H_SECRET_GET,        /* str name, i64 buflen -> i64 rc, len, str */
	ES_H_SECRET_REMEMBER,   /* str name, str value -> i64 */
	ES_H_SECRET_GENERATE,   /* str name, i64 length -> i64 */
	ES_H_CANCELLED,         /* -> i64 */
	ES_H_SLEEP,             /* i64 ms -> (empty) */
	ES_H_CONFIRMED,         /* -> i64 */
	ES_H_MAIL_CHECK,        /* the server -> i64 */
	ES_H_MAIL_SEND,         /* the server, the message -> i64 */
	ES_H_TPL_COUNT,         /* str key -> i64 */
	ES_H_TPL_GET,           /* str key, i64 i -> the template */
};

/* One frame being built or read. */
struct es_wire {
	unsigned char *buf;
	size_t len, cap;
	size_t pos; /* reading: the next field */
	int bad;    /* out of memory, or a field read past the end */
};

/* Start a frame for `op` (reuses w's buffer). */
void es_wire_start(struct es_wire *w, enum es_wire_op op);
void es_wire_str(struct es_wire *w, const char *s); /* nullable */
void es_wire_bytes(struct es_wire *w, const void *p, size_t n);
void es_wire_i64(struct es_wire *w, int64_t v);
/* 0, or -1 when the peer is gone or the frame could not be built. */
int es_wire_send(int fd, struct es_wire *w);

/* Read one frame, waiting at most timeout_ms (-1: for ever): 1 read, 0
 * the time ran out, -1 the peer closed or sent garbage. */
int es_wire_recv(int fd, struct es_wire *w, int timeout_ms);
enum es_wire_op es_wire_op(const struct es_wire *w);
/* Fields in order; pointers into w's buffer, valid until it is reused.
 * A field missing or of the wrong size sets w->bad and reads as
 * NULL or 0. */
const char *es_wire_get_str(struct es_wire *w);
const char *es_wire_get_bytes(struct es_wire *w, size_t *n);
int64_t es_wire_get_i64(struct es_wire *w);
void es_wire_free(struct es_wire *w);

#endif
