/* Frames between the core and a plugin process (proxy_wire.h). */
#include "proxy_wire.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A frame on the wire: u32 length of what follows, u8 op, fields. */
#define HEADER 4u

static int reserve(struct es_wire *w, size_t more)
{
	size_t cap;
	unsigned char *p;

	if (w->bad)
		return -1;
	if (w->len + more <= w->cap)
		return 0;
	if (w->len + more > ES_WIRE_MAX_FRAME) {
		w->bad = 1;
		return -1;
	}
	cap = w->cap ? w->cap : 256;
	while (cap < w->len + more)
		cap *= 2;
	p = realloc(w->buf, cap);
	if (!p) {
		w->bad = 1;
		return -1;
	}
	w->buf = p;
	w->cap = cap;
	return 0;
}

void es_wire_start(struct es_wire *w, enum es_wire_op op)
{
	w->len = 0;
	w->pos = 0;
	w->bad = 0;
	if (reserve(w, HEADER + 1) < 0)
		return;
	memset(w->buf, 0, HEADER);
	w->buf[HEADER] = (unsigned char)op;
	w->len = HEADER + 1;
}

static void put_u32(struct es_wire *w, uint32_t v)
{
	if (reserve(w, sizeof(v)) < 0)
		return;
	memcpy(w->buf + w->len, &v, sizeof(v));
	w->len += sizeof(v);
}

void es_wire_bytes(struct es_wire *w, const void *p, size_t n)
{
	if (!p) {
		put_u32(w, ES_WIRE_NULL);
		return;
	}
	if (n >= ES_WIRE_MAX_FRAME) {
		w->bad = 1;
		return;
	}
	put_u32(w, (uint32_t)n);
	if (reserve(w, n + 1) < 0)
		return;
	memcpy(w->buf + w->len, p, n);
	w->buf[w->len + n] = '\0';
	w->len += n + 1;
}

void es_wire_str(struct es_wire *w, const char *s)
{
	es_wire_bytes(w, s, s ? strlen(s) : 0);
}

void es_wire_i64(struct es_wire *w, int64_t v)
{
	es_wire_bytes(w, &v, sizeof(v));
}

int es_wire_send(int fd, struct es_wire *w)
{
	uint32_t body;
	size_t off = 0;

	if (w->bad || w->len < HEADER + 1)
		return -1;
	body = (uint32_t)(w->len - HEADER);
	memcpy(w->buf, &body, HEADER);
	while (off < w->len) {
		/* MSG_NOSIGNAL: a plugin process that died is a failed
		 * call, never a SIGPIPE that ends the core. */
		ssize_t n = send(fd, w->buf + off, w->len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static long ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000L +
	       (now.tv_nsec - start->tv_nsec) / 1000000L;
}

/* Exactly n bytes: 1, 0 on time out, -1 on end of file or error. */
static int read_full(int fd, unsigned char *p, size_t n,
                     const struct timespec *start, int timeout_ms)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int wait = -1, ready;
		ssize_t r;

		if (timeout_ms >= 0) {
			long left = timeout_ms - ms_since(start);

			if (left <= 0)
				return 0;
			wait = (int)left;
		}
		ready = poll(&pfd, 1, wait);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			return -1;
		if (ready == 0)
			return 0;
		r = read(fd, p + got, n - got);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 1;
}

int es_wire_recv(int fd, struct es_wire *w, int timeout_ms)
{
	struct timespec start;
	uint32_t body;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &start);
	w->len = 0;
	w->pos = 0;
	w->bad = 0;
	rc = read_full(fd, (unsigned char *)&body, sizeof(body), &start,
	               timeout_ms);
	if (rc <= 0)
		return rc;
	if (body < 1 || body > ES_WIRE_MAX_FRAME ||
	    reserve(w, HEADER + body) < 0)
		return -1;
	/* Once a frame has begun, the rest of it comes at once or the
	 * peer is broken: finish reading it whatever the time. */
	if (read_full(fd, w->buf + HEADER, body, &start, -1) <= 0)
		return -1;
	memcpy(w->buf, &body, HEADER);
	w->len = HEADER + body;
	w->pos = HEADER + 1;
	return 1;
}

enum es_wire_op es_wire_op(const struct es_wire *w)
{
	return w->len > HEADER ? (enum es_wire_op)w->buf[HEADER] : 0;
}

const char *es_wire_get_bytes(struct es_wire *w, size_t *n)
{
	uint32_t len;
	const char *p;

	if (n)
		*n = 0;
	if (w->bad || w->pos + sizeof(len) > w->len) {
		w->bad = 1;
		return NULL;
	}
	memcpy(&len, w->buf + w->pos, sizeof(len));
	w->pos += sizeof(len);
	if (len == ES_WIRE_NULL)
		return NULL;
	if ((size_t)len + 1 > w->len - w->pos) {
		w->bad = 1;
		return NULL;
	}
	p = (const char *)w->buf + w->pos;
	w->pos += (size_t)len + 1;
	if (n)
		*n = len;
	return p;
}

const char *es_wire_get_str(struct es_wire *w)
{
	return es_wire_get_bytes(w, NULL);
}

int64_t es_wire_get_i64(struct es_wire *w)
{
	size_t n;
	const char *p = es_wire_get_bytes(w, &n);
	int64_t v = 0;

	if (p && n == sizeof(v))
		memcpy(&v, p, sizeof(v));
	else
		w->bad = 1;
	return v;
}

void es_wire_free(struct es_wire *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}
