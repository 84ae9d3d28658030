/*
 * The barrier: one armed rule `WHEN:METHOD /path-prefix[:nth=N,op=NAME]`.
 * The Nth matching provider request is held, before the fake sees it or
 * after the fake answered, until the test releases it or the client goes
 * away; GET /_sandbox/barrier/wait tells the test when it is held. The
 * held connection's thread sleeps in poll() on its socket (a client that
 * dies closes it: POLLRDHUP) and on a wake-up pipe written by release,
 * reset and shutdown; the server lock is free meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "barrier.h"
#include "faults.h"

enum state { ST_NONE, ST_ARMED, ST_HELD, ST_RELEASED, ST_DROPPED };

static const char *const state_names[] = {"none", "armed", "held", "released",
                                          "dropped"};

static struct {
	pthread_mutex_t *lock;
	pthread_cond_t changed; /* on the server lock, CLOCK_MONOTONIC */
	int wake[2];            /* the held thread polls wake[0] */
	int stopping;
	enum state state;
	enum sb_barrier_hit when;
	struct sb_match match;
	char op[64]; /* "" for any operation */
	long nth, seen;
	char spec[320];
	char request[320]; /* the held request, for the test's messages */
} b = {.wake = {-1, -1}};

int sb_barrier_init(pthread_mutex_t *server_lock)
{
	pthread_condattr_t attr;
	b.lock = server_lock;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&b.changed, &attr);
	pthread_condattr_destroy(&attr);
	return pipe2(b.wake, O_NONBLOCK | O_CLOEXEC);
}

static void set_state(enum state s)
{
	b.state = s;
	pthread_cond_broadcast(&b.changed);
}

static void wake_holder(void)
{
	ssize_t n = write(b.wake[1], "x", 1);
	(void)n; /* a full pipe already wakes it */
}

/* The operation name of a GraphQL request: NAME of the body's
 * "query NAME ..." or "mutation NAME ..." (in `buf`), else NULL. */
static const char *graphql_operation(const struct sb_request *req, char *buf,
                                     size_t size)
{
	const char *q = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(sb_json(req), "query"));
	char kind[16];

	if (!q || size < 64 ||
	    sscanf(q, " %15[a-z] %63[A-Za-z0-9_]", kind, buf) != 2 ||
	    (strcmp(kind, "query") != 0 && strcmp(kind, "mutation") != 0))
		return NULL;
	return buf;
}

/* The operation name of an AWS request: X-Amz-Target after its last '.'
 * (JSON protocol), else the Action parameter (query protocol); of a
 * GraphQL request, its operation's name. */
static const char *operation(const struct sb_request *req, char *buf,
                             size_t size)
{
	const char *target = sb_header(req, "X-Amz-Target");
	const char *action;
	if (target)
		return strrchr(target, '.') ? strrchr(target, '.') + 1 : target;
	action = sb_query(req, "Action");
	if (!action)
		action = sb_form(req, "Action", 0);
	return action ? action : graphql_operation(req, buf, size);
}

enum sb_barrier_hit sb_barrier_check(const struct sb_request *req,
                                     const char *url)
{
	const char *op = NULL;
	char name[64];
	if (b.state != ST_ARMED || !sb_match_hits(&b.match, req->method, url))
		return SB_BARRIER_NONE;
	if (b.op[0] && (!(op = operation(req, name, sizeof(name))) ||
	                strcmp(op, b.op) != 0))
		return SB_BARRIER_NONE;
	if (++b.seen != b.nth)
		return SB_BARRIER_NONE;
	snprintf(b.request, sizeof(b.request), "%s %.200s%s%.60s", req->method,
	         url, op ? " " : "", op ? op : "");
	return b.when;
}

int sb_barrier_hold(int fd)
{
	set_state(ST_HELD);
	fprintf(stderr, "sandbox: barrier holds %s (%s)\n", b.request,
	        b.when == SB_BARRIER_BEFORE ? "before the fake"
	                                    : "after the fake");
	while (b.state == ST_HELD && !b.stopping) {
		struct pollfd p[2] = {{.fd = fd, .events = POLLRDHUP},
		                      {.fd = b.wake[0], .events = POLLIN}};
		char drain[16];
		pthread_mutex_unlock(b.lock);
		int failed = poll(p, 2, -1) < 0 && errno != EINTR;
		while (read(b.wake[0], drain, sizeof(drain)) > 0)
			;
		pthread_mutex_lock(b.lock);
		if (b.state == ST_HELD &&
		    (failed || (p[0].revents &
		                (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))))
			set_state(ST_DROPPED);
	}
	if (b.state == ST_HELD) /* stopping */
		set_state(ST_DROPPED);
	fprintf(stderr, "sandbox: barrier %s %s\n", state_names[b.state],
	        b.request);
	return b.state == ST_RELEASED ? 0 : -1;
}

static int parse_option(char *opt)
{
	char *eq = strchr(opt, '='), *end;
	if (!eq)
		return -1;
	*eq++ = '\0';
	if (strcmp(opt, "op") == 0 && *eq && strlen(eq) < sizeof(b.op)) {
		strcpy(b.op, eq);
		return 0;
	}
	if (strcmp(opt, "nth") != 0)
		return -1;
	errno = 0;
	b.nth = strtol(eq, &end, 10);
	return errno || end == eq || *end || b.nth < 1 ? -1 : 0;
}

/* WHEN:MATCH[:OPTIONS], in place; on error the barrier stays disarmed. */
static const char *parse_spec(char *text)
{
	char *match = strchr(text, ':'), *options, *save = NULL;
	if (!match)
		return "expected WHEN:METHOD /path-prefix[:nth=N,op=NAME]";
	*match++ = '\0';
	if ((options = strchr(match, ':')))
		*options++ = '\0';
	if (strcmp(text, "before") == 0)
		b.when = SB_BARRIER_BEFORE;
	else if (strcmp(text, "after") == 0)
		b.when = SB_BARRIER_AFTER;
	else
		return "WHEN must be 'before' or 'after'";
	if (sb_match_parse(&b.match, match) < 0)
		return "MATCH must be 'METHOD /path-prefix' or '* "
		       "/path-prefix'";
	for (char *opt = options ? strtok_r(options, ",", &save) : NULL; opt;
	     opt = strtok_r(NULL, ",", &save))
		if (parse_option(opt) < 0)
			return "options are nth=N (N >= 1) and op=NAME";
	return NULL;
}

static void reply_status(struct sb_response *resp, int status,
                         const char *message)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "state", state_names[b.state]);
	cJSON_AddStringToObject(j, "spec", b.spec);
	cJSON_AddNumberToObject(j, "seen", (double)b.seen);
	cJSON_AddStringToObject(j, "request", b.request);
	if (message)
		cJSON_AddStringToObject(j, "message", message);
	sb_reply_json(resp, status, j);
}

static void arm(const struct sb_request *req, struct sb_response *resp)
{
	char text[sizeof(b.spec)];
	size_t len = req->body ? strlen(req->body) : 0;
	const char *why;
	if (b.state == ST_HELD) {
		reply_status(resp, 409, "a request is held: release it first");
		return;
	}
	while (len && strchr(" \t\r\n", req->body[len - 1]))
		len--;
	if (len >= sizeof(text)) {
		reply_status(resp, 400, "spec too long");
		return;
	}
	memcpy(text, req->body ? req->body : "", len);
	text[len] = '\0';
	snprintf(b.spec, sizeof(b.spec), "%s", text);
	b.op[0] = b.request[0] = '\0';
	b.nth = 1;
	b.seen = 0;
	why = parse_spec(text);
	set_state(why ? ST_NONE : ST_ARMED);
	reply_status(resp, why ? 400 : 200, why);
}

static long query_ms(const struct sb_request *req)
{
	const char *s = sb_query(req, "timeout_ms");
	char *end;
	long ms = s ? strtol(s, &end, 10) : 10000;
	return s && (*end || ms < 0 || ms > 600000) ? -1 : ms;
}

/* Blocks until the barrier is held (until=held, the default) or over
 * (until=done: released or dropped), or timeout_ms passes (408). */
static void wait_for(const struct sb_request *req, struct sb_response *resp)
{
	const char *until = sb_query(req, "until");
	enum state goal = ST_HELD;
	long ms = query_ms(req);
	struct timespec deadline;
	if (until && strcmp(until, "done") == 0)
		goal = ST_RELEASED;
	else if (until && strcmp(until, "held") != 0)
		ms = -1;
	if (ms < 0) {
		reply_status(resp, 400,
		             "until=held|done, timeout_ms=0..600000");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	long long ns = deadline.tv_nsec + ms % 1000 * 1000000LL;
	deadline.tv_sec += ms / 1000 + (time_t)(ns / 1000000000);
	deadline.tv_nsec = (long)(ns % 1000000000);
	while ((b.state == ST_ARMED ||
	        (goal == ST_RELEASED && b.state == ST_HELD)) &&
	       !b.stopping &&
	       pthread_cond_timedwait(&b.changed, b.lock, &deadline) == 0)
		;
	if (b.stopping)
		reply_status(resp, 503, "the sandbox is stopping");
	else if (b.state == ST_ARMED ||
	         (goal == ST_RELEASED && b.state == ST_HELD))
		reply_status(resp, 408, "not reached before timeout_ms");
	else
		reply_status(resp, b.state == ST_NONE ? 409 : 200,
		             b.state == ST_NONE ? "no barrier armed" : NULL);
}

void sb_barrier_control(const struct sb_request *req, const char *url,
                        struct sb_response *resp)
{
	int get = strcmp(req->method, "GET") == 0;
	int post = strcmp(req->method, "POST") == 0;
	if (strcmp(url, "/_sandbox/barrier") == 0 && post) {
		arm(req, resp);
	} else if (strcmp(url, "/_sandbox/barrier") == 0 && get) {
		reply_status(resp, 200, NULL);
	} else if (strcmp(url, "/_sandbox/barrier/wait") == 0 && get) {
		wait_for(req, resp);
	} else if (strcmp(url, "/_sandbox/barrier/release") == 0 && post) {
		if (b.state == ST_HELD) {
			set_state(ST_RELEASED);
			wake_holder();
		} else if (b.state == ST_ARMED) {
			set_state(ST_NONE);
		}
		reply_status(resp, 200, NULL);
	} else {
		reply_status(resp, 404, "sandbox: no such barrier endpoint");
	}
}

void sb_barrier_reset(void)
{
	if (b.state == ST_HELD) {
		set_state(ST_DROPPED);
		wake_holder();
	} else {
		set_state(ST_NONE);
	}
}

void sb_barrier_shutdown(void)
{
	pthread_mutex_lock(b.lock);
	b.stopping = 1;
	pthread_cond_broadcast(&b.changed);
	wake_holder();
	pthread_mutex_unlock(b.lock);
}
