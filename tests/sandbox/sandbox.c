/*
 * envsetup-sandbox: the server. One libmicrohttpd daemon, a thread per
 * connection so --latency-ms delays overlap, and one global lock around
 * routing, faults, the fakes and the control API (the simplest thing that
 * is obviously correct: fakes need no locking of their own).
 *
 * Usage: envsetup-sandbox --listen 127.0.0.1:PORT [--root NAME]
 *        [--latency-ms N] [--async-polls N] [--faults SPEC] [--record FILE]
 *        [--seed N] [--port-file FILE]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "barrier.h"
#include "faults.h"
#include "sandbox.h"

#define SB_MAX_BODY (16u * 1024 * 1024)
#define SB_MAX_FAKES 32

/* From sandbox_request.c and resources.c (no shared header but sandbox.h). */
void *sb_request_impl_new(struct MHD_Connection *conn, const char *raw_query);
void sb_request_impl_free(void *impl);
cJSON *sb_request_to_json(const struct sb_request *req);
cJSON *sb_json_text(const char *s);
cJSON *sb_resources_list(const char *provider, const char *kind);
void sb_resources_reset(void);

struct options {
	const char *listen;
	const char *root;
	const char *faults;
	const char *record;
	const char *port_file;
	long latency_ms;
	long async_polls;
	unsigned long seed;
};

static struct options opts = {.async_polls = 2, .seed = 1};
static const struct sb_fake *fakes[SB_MAX_FAKES];
static size_t n_fakes;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static cJSON *request_counts;
static FILE *record_file;

/* What the server keeps per request while the body arrives. */
struct exchange {
	char *raw_uri;
	char *body;
	size_t len, cap;
	int started;
	int too_large;
};

void sb_register_fake(const struct sb_fake *fake)
{
	for (size_t i = 0; i < n_fakes; i++) {
		if (strcmp(fakes[i]->name, fake->name) == 0) {
			fprintf(stderr, "sandbox: fake '%s' registered twice\n",
			        fake->name);
			return;
		}
	}
	if (n_fakes == SB_MAX_FAKES) {
		fprintf(stderr, "sandbox: too many fakes, '%s' ignored\n",
		        fake->name);
		return;
	}
	fakes[n_fakes++] = fake;
}

int sb_async_polls(void)
{
	return (int)opts.async_polls;
}

void sb_reply(struct sb_response *resp, int status, const char *content_type,
              const char *fmt, ...)
{
	va_list ap;
	char *body = NULL;
	va_start(ap, fmt);
	if (vasprintf(&body, fmt, ap) < 0)
		body = NULL;
	va_end(ap);
	free(resp->body);
	resp->body = body;
	resp->status = body ? status : 500;
	snprintf(resp->content_type, sizeof(resp->content_type), "%s",
	         content_type ? content_type : "");
}

void sb_reply_json(struct sb_response *resp, int status, cJSON *json)
{
	char *text = json ? cJSON_PrintUnformatted(json) : NULL;
	cJSON_Delete(json);
	free(resp->body);
	resp->body = text;
	resp->status = text ? status : 500;
	snprintf(resp->content_type, sizeof(resp->content_type), "%s",
	         "application/json");
}

void sb_reply_header(struct sb_response *resp, const char *name,
                     const char *value)
{
	if (resp->n_headers >=
	    (int)(sizeof(resp->headers) / sizeof(resp->headers[0])))
		return;
	snprintf(resp->headers[resp->n_headers++], sizeof(resp->headers[0]),
	         "%s: %s", name, value);
}

static void reply_message(struct sb_response *resp, int status,
                          const char *message)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", message);
	sb_reply_json(resp, status, j);
}

static const struct sb_fake *find_fake(const char *name, size_t len)
{
	for (size_t i = 0; i < n_fakes; i++)
		if (strlen(fakes[i]->name) == len &&
		    strncmp(fakes[i]->name, name, len) == 0)
			return fakes[i];
	return NULL;
}

/* /<fake>/rest -> that fake with "/rest"; otherwise the --root fake. */
static const struct sb_fake *route(const char *url, const char **rest)
{
	const char *seg = url + (*url == '/');
	size_t len = strcspn(seg, "/");
	const struct sb_fake *fake = find_fake(seg, len);
	if (fake) {
		*rest = seg[len] ? seg + len : "/";
		return fake;
	}
	*rest = url;
	return opts.root ? find_fake(opts.root, strlen(opts.root)) : NULL;
}

static void count_request(const char *fake, const char *method)
{
	if (!request_counts)
		request_counts = cJSON_CreateObject();
	cJSON *per_fake =
	    cJSON_GetObjectItemCaseSensitive(request_counts, fake);
	if (!per_fake)
		per_fake = cJSON_AddObjectToObject(request_counts, fake);
	cJSON *n = cJSON_GetObjectItemCaseSensitive(per_fake, method);
	if (n)
		cJSON_SetNumberValue(n, n->valuedouble + 1);
	else if (per_fake)
		cJSON_AddNumberToObject(per_fake, method, 1);
}

/* POST /_sandbox/latency with the milliseconds as the body: the benchmark
 * builds state at one latency and checks it at another without restarting
 * (a restart forgets every resource). */
static void set_latency(const struct sb_request *req, struct sb_response *resp)
{
	char text[16] = "";
	char *end;
	long ms = -1;
	if (req->body && req->body_len < sizeof(text)) {
		memcpy(text, req->body, req->body_len);
		errno = 0;
		ms = strtol(text, &end, 10);
		if (errno || end == text || *end || ms > 600000)
			ms = -1;
	}
	if (ms < 0) {
		reply_message(resp, 400,
		              "sandbox: latency needs a number 0..600000 (ms)");
		return;
	}
	opts.latency_ms = ms;
	reply_message(resp, 200, "sandbox latency set");
}

static void control_api(const struct sb_request *req, const char *url,
                        struct sb_response *resp)
{
	int get = strcmp(req->method, "GET") == 0;
	if (strcmp(url, "/_sandbox/resources") == 0 && get) {
		sb_reply_json(resp, 200,
		              sb_resources_list(sb_query(req, "provider"),
		                                sb_query(req, "kind")));
	} else if (strcmp(url, "/_sandbox/requests") == 0 && get) {
		sb_reply_json(resp, 200,
		              request_counts
		                  ? cJSON_Duplicate(request_counts, 1)
		                  : cJSON_CreateObject());
	} else if (strncmp(url, "/_sandbox/barrier", 17) == 0 &&
	           (url[17] == '\0' || url[17] == '/')) {
		sb_barrier_control(req, url, resp);
	} else if (strcmp(url, "/_sandbox/faults") == 0 &&
	           strcmp(req->method, "POST") == 0) {
		char err[400];
		if (sb_faults_parse(req->body ? req->body : "", opts.seed, err,
		                    sizeof(err)) < 0)
			reply_message(resp, 400, err);
		else
			reply_message(resp, 200, "faults replaced");
	} else if (strcmp(url, "/_sandbox/latency") == 0 &&
	           strcmp(req->method, "POST") == 0) {
		set_latency(req, resp);
	} else if (strcmp(url, "/_sandbox/reset") == 0 &&
	           strcmp(req->method, "POST") == 0) {
		sb_resources_reset();
		sb_faults_reset();
		sb_barrier_reset();
		cJSON_Delete(request_counts);
		request_counts = NULL;
		reply_message(resp, 200, "sandbox reset");
	} else {
		reply_message(resp, 404, "sandbox: no such control endpoint");
	}
}

static void unknown_fake(const char *url, struct sb_response *resp)
{
	cJSON *j = cJSON_CreateObject(), *names = cJSON_CreateArray();
	char message[300];
	snprintf(message, sizeof(message), "sandbox: no fake serves '%.200s'",
	         url);
	cJSON_AddItemToObject(j, "message", sb_json_text(message));
	for (size_t i = 0; i < n_fakes; i++)
		cJSON_AddItemToArray(names, cJSON_CreateString(fakes[i]->name));
	cJSON_AddItemToObject(j, "fakes", names);
	sb_reply_json(resp, 404, j);
}

static void injected_fault(const struct sb_fault *f, struct sb_response *resp)
{
	char text[64];
	if (f->kind == SB_FAULT_MALFORMED) {
		/* Cut mid-string: no JSON parser may accept it. */
		sb_reply(resp, 200, "application/json",
		         "{\"message\":\"sandbox: malformed fault\",\"items\":"
		         "[{\"id\":\"trunc");
		return;
	}
	snprintf(text, sizeof(text), "sandbox: injected %d", f->status);
	reply_message(resp, f->status, text);
	if (f->retry_after >= 0) {
		snprintf(text, sizeof(text), "%d", f->retry_after);
		sb_reply_header(resp, "Retry-After", text);
	}
}

/* --record: one JSON line per provider request (see README.md). */
static void record(const struct sb_request *req, const char *url,
                   const char *fake, const struct sb_fault *fault, int status)
{
	char ts[64];
	struct timespec now;
	struct tm tm;
	if (!record_file)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	size_t n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03dZ",
	         (int)(now.tv_nsec / 1000000));
	cJSON *line = sb_request_to_json(req);
	if (!line)
		return;
	cJSON_AddItemToObjectCS(line, "ts", cJSON_CreateString(ts));
	cJSON_AddItemToObject(
	    line, "fake", fake ? cJSON_CreateString(fake) : cJSON_CreateNull());
	cJSON_AddItemToObject(line, "path", sb_json_text(url));
	cJSON_AddNumberToObject(line, "status", status);
	cJSON_AddItemToObject(line, "fault",
	                      fault->kind != SB_FAULT_NONE
	                          ? cJSON_CreateString(fault->name)
	                          : cJSON_CreateNull());
	char *text = cJSON_PrintUnformatted(line);
	if (text) {
		fprintf(record_file, "%s\n", text);
		fflush(record_file);
	}
	free(text);
	cJSON_Delete(line);
}

/* A request to a fake: counted, checked against the fault rules, then
 * answered by the fault or the fake. Returns the delay before replying,
 * or -1 to drop the connection. */
static long provider_request(struct sb_request *req, const char *url,
                             struct sb_response *resp)
{
	const struct sb_fake *fake = route(url, &req->path);
	long delay = opts.latency_ms;
	if (fake)
		count_request(fake->name, req->method);
	struct sb_fault fault = sb_faults_check(req->method, url);
	if (fault.kind == SB_FAULT_RESET)
		delay = -1;
	else if (fault.kind == SB_FAULT_STATUS ||
	         fault.kind == SB_FAULT_MALFORMED)
		injected_fault(&fault, resp);
	else if (fault.kind == SB_FAULT_WRONG_TYPE ||
	         fault.kind == SB_FAULT_ERROR_BODY)
		sb_fault_body(&fault, fake ? fake->name : NULL, url, resp);
	else if (!fake)
		unknown_fake(url, resp);
	else
		fake->handle(req, resp);
	if (fault.kind == SB_FAULT_SLOW)
		delay += fault.delay_ms;
	/* The fake did the work; its answer arrives cut or slowly. */
	if (fault.kind == SB_FAULT_TRUNCATED && resp->body)
		resp->body[strlen(resp->body) / 2] = '\0';
	if (fault.kind == SB_FAULT_SLOW_BODY)
		resp->trickle_ms = fault.delay_ms;
	if (!resp->status && delay >= 0)
		reply_message(resp, 500, "sandbox: the fake gave no reply");
	record(req, url, fake ? fake->name : NULL, &fault,
	       delay < 0 ? 0 : resp->status);
	return delay;
}

/* The client's socket, which the barrier watches while it holds. */
static int connection_fd(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	return info ? info->connect_fd : -1;
}

/* A provider request through the barrier: held before the fake sees it,
 * or after it answered, when it is the one the barrier waits for. A
 * request dropped while held before is not counted nor recorded: the
 * provider never saw it. Returns provider_request()'s delay. */
static long barrier_request(struct MHD_Connection *conn, struct sb_request *req,
                            const char *url, struct sb_response *resp)
{
	enum sb_barrier_hit hit = sb_barrier_check(req, url);
	long delay;
	if (hit == SB_BARRIER_BEFORE &&
	    sb_barrier_hold(connection_fd(conn)) < 0)
		return -1;
	delay = provider_request(req, url, resp);
	if (hit == SB_BARRIER_AFTER && sb_barrier_hold(connection_fd(conn)) < 0)
		return -1;
	return delay;
}

/* Runs one complete request under the lock (which the barrier releases
 * while it holds a request or a test waits for it). */
static long handle(struct MHD_Connection *conn, const char *url,
                   const char *method, struct exchange *ex,
                   struct sb_response *resp)
{
	const char *q = strchr(ex->raw_uri, '?');
	struct sb_request req = {
	    .method = method,
	    .path = url,
	    .query = q ? q + 1 : "",
	    .body = ex->len ? ex->body : NULL,
	    .body_len = ex->len,
	    .impl = sb_request_impl_new(conn, q ? q + 1 : ""),
	};
	long delay = 0;
	if (!req.impl)
		return -1;
	pthread_mutex_lock(&lock);
	if (strncmp(url, "/_sandbox/", 10) == 0)
		control_api(&req, url, resp);
	else
		delay = barrier_request(conn, &req, url, resp);
	pthread_mutex_unlock(&lock);
	sb_request_impl_free(req.impl);
	return delay;
}

/* A body sent in TRICKLE_PIECES pieces, a pause before each (the
 * connection's own thread sleeps: one thread per connection). */
#define TRICKLE_PIECES 4
struct trickle {
	char *body;
	size_t len;
	long pause_ms;
};

static void sleep_ms(long ms);

static ssize_t trickle_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct trickle *t = cls;
	size_t piece = t->len / TRICKLE_PIECES + 1;
	if (pos >= t->len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	sleep_ms(t->pause_ms);
	if (piece > max)
		piece = max;
	if (piece > t->len - pos)
		piece = t->len - (size_t)pos;
	memcpy(buf, t->body + pos, piece);
	return (ssize_t)piece;
}

static void trickle_free(void *cls)
{
	struct trickle *t = cls;
	free(t->body);
	free(t);
}

static struct MHD_Response *trickled(struct sb_response *resp, size_t len)
{
	struct trickle *t = calloc(1, sizeof(*t));
	struct MHD_Response *r;
	if (!t)
		return NULL;
	t->body = resp->body;
	t->len = len;
	t->pause_ms = resp->trickle_ms / TRICKLE_PIECES;
	r = MHD_create_response_from_callback(len, 1024, trickle_read, t,
	                                      trickle_free);
	if (!r)
		free(t);
	return r;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn,
                                  struct sb_response *resp)
{
	size_t len = resp->body ? strlen(resp->body) : 0;
	struct MHD_Response *r =
	    resp->trickle_ms > 0 && len
	        ? trickled(resp, len)
	        : MHD_create_response_from_buffer(len, resp->body,
	                                          MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(resp->body);
		return MHD_NO;
	}
	resp->body = NULL;
	if (resp->content_type[0])
		MHD_add_response_header(r, "Content-Type", resp->content_type);
	for (int i = 0; i < resp->n_headers; i++) {
		char *colon = strchr(resp->headers[i], ':');
		if (!colon)
			continue;
		*colon = '\0';
		const char *value = colon + 1 + (colon[1] == ' ');
		MHD_add_response_header(r, resp->headers[i], value);
	}
	enum MHD_Result rc =
	    MHD_queue_response(conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	return rc;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void *start_exchange(void *cls, const char *uri,
                            struct MHD_Connection *conn)
{
	struct exchange *ex = calloc(1, sizeof(*ex));
	(void)cls;
	(void)conn;
	if (ex && !(ex->raw_uri = strdup(uri ? uri : "/"))) {
		free(ex);
		ex = NULL;
	}
	return ex;
}

static void end_exchange(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct exchange *ex = *req_cls;
	(void)cls;
	(void)conn;
	(void)toe;
	if (ex) {
		free(ex->raw_uri);
		free(ex->body);
		free(ex);
	}
	*req_cls = NULL;
}

static void append_body(struct exchange *ex, const char *data, size_t size)
{
	if (ex->too_large)
		return;
	if (size > SB_MAX_BODY - ex->len) {
		ex->too_large = 1;
		return;
	}
	if (ex->len + size + 1 > ex->cap) {
		size_t cap = ex->cap ? ex->cap : 4096;
		while (cap < ex->len + size + 1)
			cap *= 2;
		char *grown = realloc(ex->body, cap);
		if (!grown) {
			ex->too_large = 1;
			return;
		}
		ex->body = grown;
		ex->cap = cap;
	}
	memcpy(ex->body + ex->len, data, size);
	ex->len += size;
	ex->body[ex->len] = '\0';
}

static enum MHD_Result too_large(struct MHD_Connection *conn)
{
	struct sb_response resp = {0};
	reply_message(&resp, 413, "sandbox: request body over 16 MiB");
	return send_reply(conn, &resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
	struct exchange *ex = *req_cls;
	(void)cls;
	(void)version;
	if (!ex)
		return MHD_NO;
	if (!ex->started) {
		ex->started = 1;
		const char *cl = MHD_lookup_connection_value(
		    conn, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > SB_MAX_BODY)
			return too_large(conn);
		return MHD_YES;
	}
	if (*upload_data_size) {
		append_body(ex, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (ex->too_large)
		return too_large(conn);
	struct sb_response resp = {0};
	long delay = handle(conn, url, method, ex, &resp);
	if (delay > 0)
		sleep_ms(delay);
	if (delay < 0) {
		free(resp.body);
		return MHD_NO;
	}
	return send_reply(conn, &resp);
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: envsetup-sandbox --listen 127.0.0.1:PORT [--root NAME]\n"
	    "       [--latency-ms N] [--async-polls N] [--faults SPEC]\n"
	    "       [--record FILE] [--seed N] [--port-file FILE]\n"
	    "PORT 0 picks a free port; see tests/sandbox/README.md.\n");
}

static int parse_number(const char *opt, const char *s, long max, long *out)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : -1;
	if (!s || errno || end == s || *end || v < 0 || v > max) {
		fprintf(stderr, "envsetup-sandbox: %s needs a number 0..%ld\n",
		        opt, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		long n;
		int rc = 0;
		if (strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		}
		if (!v) {
			fprintf(stderr, "envsetup-sandbox: %s needs a value\n",
			        a);
			return -1;
		}
		i++;
		if (strcmp(a, "--listen") == 0)
			opts.listen = v;
		else if (strcmp(a, "--root") == 0)
			opts.root = v;
		else if (strcmp(a, "--faults") == 0)
			opts.faults = v;
		else if (strcmp(a, "--record") == 0)
			opts.record = v;
		else if (strcmp(a, "--port-file") == 0)
			opts.port_file = v;
		else if (strcmp(a, "--latency-ms") == 0)
			rc = parse_number(a, v, 600000, &opts.latency_ms);
		else if (strcmp(a, "--async-polls") == 0)
			rc = parse_number(a, v, 1000, &opts.async_polls);
		else if (strcmp(a, "--seed") == 0) {
			rc = parse_number(a, v, LONG_MAX, &n);
			opts.seed = (unsigned long)n;
		} else {
			fprintf(stderr, "envsetup-sandbox: unknown option %s\n",
			        a);
			return -1;
		}
		if (rc < 0)
			return -1;
	}
	if (!opts.listen) {
		fprintf(stderr, "envsetup-sandbox: --listen is required\n");
		return -1;
	}
	return 0;
}

union address {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

/* "127.x.y.z:PORT" or "[::1]:PORT"; anything off loopback is refused so
 * the sandbox can never be reached from another machine. */
static int parse_listen(const char *text, union address *addr)
{
	char host[64];
	const char *colon = strrchr(text, ':');
	long port;
	memset(addr, 0, sizeof(*addr));
	if (!colon || (size_t)(colon - text) >= sizeof(host) ||
	    parse_number("--listen port", colon + 1, 65535, &port) < 0)
		return -1;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		addr->v6.sin6_family = AF_INET6;
		addr->v6.sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &addr->v6.sin6_addr) != 1 ||
		    !IN6_IS_ADDR_LOOPBACK(&addr->v6.sin6_addr))
			return -1;
		return 0;
	}
	addr->v4.sin_family = AF_INET;
	addr->v4.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &addr->v4.sin_addr) != 1 ||
	    (ntohl(addr->v4.sin_addr.s_addr) >> 24) != 127)
		return -1;
	return 0;
}

/* Written to a temporary name and renamed, so a reader never sees a
 * half-written port. */
static int write_port_file(const char *path, unsigned port)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	int ok = fprintf(f, "%u\n", port) > 0;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		remove(tmp);
		return -1;
	}
	return 0;
}

static struct MHD_Daemon *start_daemon(union address *addr)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
	                 MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
	if (addr->sa.sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	return MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
	    &addr->sa, MHD_OPTION_URI_LOG_CALLBACK, start_exchange, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, end_exchange, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_END);
}

static int configure(int argc, char **argv, union address *addr)
{
	char err[512];
	if (parse_args(argc, argv) < 0) {
		usage(stderr);
		return -1;
	}
	if (parse_listen(opts.listen, addr) < 0) {
		fprintf(stderr,
		        "envsetup-sandbox: --listen %s refused: give "
		        "127.x.x.x:PORT or [::1]:PORT (loopback only)\n",
		        opts.listen);
		return -1;
	}
	if (opts.root && !find_fake(opts.root, strlen(opts.root))) {
		fprintf(stderr, "envsetup-sandbox: --root %s: no such fake\n",
		        opts.root);
		return -1;
	}
	if (sb_faults_parse(opts.faults, opts.seed, err, sizeof(err)) < 0) {
		fprintf(stderr, "envsetup-sandbox: --faults: %s\n", err);
		return -1;
	}
	if (sb_barrier_init(&lock) < 0) {
		fprintf(stderr, "envsetup-sandbox: barrier: %s\n",
		        strerror(errno));
		return -1;
	}
	if (opts.record && !(record_file = fopen(opts.record, "a"))) {
		fprintf(stderr, "envsetup-sandbox: --record %s: %s\n",
		        opts.record, strerror(errno));
		return -1;
	}
	return 0;
}

static void shutdown_all(struct MHD_Daemon *daemon)
{
	if (daemon)
		MHD_stop_daemon(daemon);
	if (record_file)
		fclose(record_file);
	sb_faults_free();
	sb_resources_reset();
	cJSON_Delete(request_counts);
}

int main(int argc, char **argv)
{
	union address addr;
	sigset_t stop;
	int sig;
	if (configure(argc, argv, &addr) < 0) {
		shutdown_all(NULL);
		return 2;
	}
	/* Block the stop signals before any thread exists, so only sigwait
	 * below sees them. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	struct MHD_Daemon *daemon = start_daemon(&addr);
	if (!daemon) {
		fprintf(stderr, "envsetup-sandbox: cannot listen on %s\n",
		        opts.listen);
		shutdown_all(NULL);
		return 1;
	}
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = info ? info->port : 0;
	char host[64];
	inet_ntop(addr.sa.sa_family,
	          addr.sa.sa_family == AF_INET6 ? (void *)&addr.v6.sin6_addr
	                                        : (void *)&addr.v4.sin_addr,
	          host, sizeof(host));
	printf(addr.sa.sa_family == AF_INET6 ? "listening on [%s]:%u\n"
	                                     : "listening on %s:%u\n",
	       host, port);
	fflush(stdout);
	if (opts.port_file && write_port_file(opts.port_file, port) < 0) {
		fprintf(stderr, "envsetup-sandbox: cannot write %s\n",
		        opts.port_file);
		shutdown_all(daemon);
		return 1;
	}
	sigwait(&stop, &sig);
	sb_barrier_shutdown();
	shutdown_all(daemon);
	return 0;
}
