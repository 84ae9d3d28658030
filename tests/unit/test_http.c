/*
 * The HTTP service (core/http*.c) against a libmicrohttpd server started
 * inside each test on 127.0.0.1, which records every request and answers
 * from a scripted list of steps.
 */
#include <arpa/inet.h>
#include <check.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "http_internal.h"
#include "log.h"
#include "rate_limit.h"

#include "../sandbox/sigv4_check.c"

/* ---- the scripted server --------------------------------------------- */

struct step {
	unsigned status;
	const char *body;        /* nullable */
	size_t big;              /* nonzero: a body of this many 'x' */
	const char *retry_after; /* nullable */
	const char *location;    /* nullable: a Location header */
	int hang_up;             /* close without answering */
	unsigned delay_ms;       /* before answering */
};

struct seen {
	char method[16];
	char uri[2048]; /* raw, with the query */
	char headers[8192];
	char *body;
	size_t body_len;
	double at;
	int started;
};

#define MAX_STEPS 16
#define MAX_SEEN 64

struct server {
	struct MHD_Daemon *d;
	unsigned short port;
	struct step steps[MAX_STEPS];
	size_t n_steps;
	pthread_mutex_t lock;
	struct seen seen[MAX_SEEN];
	size_t n_seen;
	char *big;
	int connections; /* TCP connections accepted */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct seen *s = calloc(1, sizeof(*s));

	(void)cls;
	(void)con;
	if (s)
		snprintf(s->uri, sizeof(s->uri), "%s", uri);
	return s;
}

static enum MHD_Result add_header_line(void *cls, enum MHD_ValueKind kind,
                                       const char *key, const char *value)
{
	struct seen *s = cls;
	size_t n = strlen(s->headers);

	(void)kind;
	snprintf(s->headers + n, sizeof(s->headers) - n, "%s: %s\n", key,
	         value ? value : "");
	return MHD_YES;
}

static struct step next_step(struct server *srv, const struct seen *s)
{
	struct step st = {.status = 200, .body = "{}"};

	pthread_mutex_lock(&srv->lock);
	if (srv->n_seen < MAX_SEEN) {
		srv->seen[srv->n_seen] = *s;
		if (s->body) {
			srv->seen[srv->n_seen].body = malloc(s->body_len + 1);
			memcpy(srv->seen[srv->n_seen].body, s->body,
			       s->body_len);
			srv->seen[srv->n_seen].body[s->body_len] = '\0';
		}
		if (srv->n_seen < srv->n_steps)
			st = srv->steps[srv->n_seen];
		else if (srv->n_steps > 0)
			st = srv->steps[srv->n_steps - 1];
		srv->n_seen++;
	}
	pthread_mutex_unlock(&srv->lock);
	return st;
}

static enum MHD_Result answer(struct server *srv, struct MHD_Connection *con,
                              const struct step *st)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;

	if (st->delay_ms)
		usleep(st->delay_ms * 1000u);
	if (st->hang_up)
		return MHD_NO;
	if (st->big)
		resp = MHD_create_response_from_buffer(st->big, srv->big,
		                                       MHD_RESPMEM_PERSISTENT);
	else
		resp = MHD_create_response_from_buffer(
		    strlen(st->body ? st->body : ""),
		    (void *)(st->body ? st->body : ""), MHD_RESPMEM_PERSISTENT);
	if (st->retry_after)
		MHD_add_response_header(resp, "Retry-After", st->retry_after);
	if (st->location)
		MHD_add_response_header(resp, "Location", st->location);
	MHD_add_response_header(resp, "X-Dup", "first");
	MHD_add_response_header(resp, "x-dup", "last");
	MHD_add_response_header(resp, "Content-Type", "application/json");
	rc = MHD_queue_response(con, st->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
	struct server *srv = cls;
	struct seen *s = *con_cls;
	struct step st;

	(void)url;
	(void)version;
	if (!s)
		return MHD_NO;
	if (!s->started) { /* headers only: the body, if any, comes next */
		s->started = 1;
		return MHD_YES;
	}
	if (*data_size > 0) {
		char *p = realloc(s->body, s->body_len + *data_size + 1);

		if (!p)
			return MHD_NO;
		memcpy(p + s->body_len, data, *data_size);
		s->body = p;
		s->body_len += *data_size;
		s->body[s->body_len] = '\0';
		*data_size = 0;
		return MHD_YES;
	}
	if (s->method[0])
		return MHD_YES; /* already answered */
	snprintf(s->method, sizeof(s->method), "%s", method);
	s->at = now_s();
	MHD_get_connection_values(con, MHD_HEADER_KIND, add_header_line, s);
	st = next_step(srv, s);
	return answer(srv, con, &st);
}

static void on_done(void *cls, struct MHD_Connection *con, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
	struct seen *s = *con_cls;

	(void)cls;
	(void)con;
	(void)toe;
	if (s) {
		free(s->body);
		free(s);
	}
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *con,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
	struct server *srv = cls;

	(void)con;
	(void)socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		pthread_mutex_lock(&srv->lock);
		srv->connections++;
		pthread_mutex_unlock(&srv->lock);
	}
}

static struct server *server_start_opts(const char *key, const char *cert)
{
	struct server *srv = calloc(1, sizeof(*srv));
	struct sockaddr_in sa = {.sin_family = AF_INET};
	const union MHD_DaemonInfo *info;
	/* A thread per connection: a slow answer must not stall the next. */
	unsigned flags =
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;

	ck_assert_ptr_nonnull(srv);
	pthread_mutex_init(&srv->lock, NULL);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (key)
		flags |= MHD_USE_TLS;
	srv->d = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, &sa,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
	    key ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, key,
	    MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_END);
	ck_assert_ptr_nonnull(srv->d);
	info = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
	ck_assert_ptr_nonnull(info);
	srv->port = info->port;
	return srv;
}

static struct server *server_start(void)
{
	return server_start_opts(NULL, NULL);
}

static void server_script(struct server *srv, const struct step *steps,
                          size_t n)
{
	ck_assert_uint_le(n, MAX_STEPS);
	memcpy(srv->steps, steps, n * sizeof(*steps));
	srv->n_steps = n;
}

static size_t server_seen(struct server *srv)
{
	size_t n;

	pthread_mutex_lock(&srv->lock);
	n = srv->n_seen;
	pthread_mutex_unlock(&srv->lock);
	return n;
}

static void server_stop(struct server *srv)
{
	MHD_stop_daemon(srv->d);
	for (size_t i = 0; i < srv->n_seen; i++)
		free(srv->seen[i].body);
	free(srv->big);
	free(srv);
}

static char *url_of(const struct server *srv, const char *scheme,
                    const char *host, const char *path)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s://%s:%u%s", scheme, host,
	         (unsigned)srv->port, path);
	return buf;
}

/* ---- hooks that record what the service said --------------------------- */

static char *logged[256];
static size_t n_logged;
static char *errors[32];
static size_t n_errors;
static int intents_begun, intents_ended;
static long intent_status = -1;
static char intent_url[512], intent_method[16], intent_text[128];

static const char secret_value[] = "s3cr3t Val/ue+&\"q\\z";

static const char *hook_secret(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, "api_key") == 0)
		return secret_value;
	if (strcmp(name, "user") == 0)
		return "alice";
	return NULL;
}

static uint64_t hook_begin(void *ctx, const char *method, const char *url,
                           const char *intent)
{
	(void)ctx;
	intents_begun++;
	snprintf(intent_method, sizeof(intent_method), "%s", method);
	snprintf(intent_url, sizeof(intent_url), "%s", url);
	snprintf(intent_text, sizeof(intent_text), "%s", intent ? intent : "");
	return 42;
}

static void hook_end(void *ctx, uint64_t id, long status)
{
	(void)ctx;
	ck_assert_uint_eq(id, 42);
	intents_ended++;
	intent_status = status;
}

static void hook_log(void *ctx, enum es_log_level level, const char *msg)
{
	(void)ctx;
	(void)level;
	if (n_logged < sizeof(logged) / sizeof(*logged))
		logged[n_logged++] = strdup(msg);
}

static void hook_error(void *ctx, const char *msg)
{
	(void)ctx;
	if (n_errors < sizeof(errors) / sizeof(*errors))
		errors[n_errors++] = strdup(msg);
}

static int cancel_now;

static int hook_cancelled(void *ctx)
{
	(void)ctx;
	return cancel_now;
}

/* The plugin's URL keys, as the core hands them: credentials may go to
 * their origins only. Tests that send credentials name their server. */
#define MAX_URL_KEYS 4
static struct {
	const char *name;
	char value[512];
} url_keys[MAX_URL_KEYS];
static size_t n_url_keys;
static int n_refused;

static void url_key(const char *name, const char *value)
{
	ck_assert_uint_lt(n_url_keys, MAX_URL_KEYS);
	url_keys[n_url_keys].name = name;
	snprintf(url_keys[n_url_keys].value, sizeof(url_keys[n_url_keys].value),
	         "%s", value);
	n_url_keys++;
}

static const char *hook_url_key(void *ctx, size_t i, const char **name)
{
	(void)ctx;
	if (i >= n_url_keys)
		return NULL;
	*name = url_keys[i].name;
	return url_keys[i].value;
}

static void hook_refused(void *ctx)
{
	(void)ctx;
	n_refused++;
}

static const struct es_http_hooks hooks = {
    .cancelled = hook_cancelled,
    .secret = hook_secret,
    .intent_begin = hook_begin,
    .intent_end = hook_end,
    .log = hook_log,
    .error = hook_error,
    .url_key = hook_url_key,
    .refused = hook_refused,
};

static int any_line_contains(char **lines, size_t n, const char *needle)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(lines[i], needle))
			return 1;
	return 0;
}

static size_t lines_containing(char **lines, size_t n, const char *needle)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += strstr(lines[i], needle) != NULL;
	return count;
}

static struct es_http_client *fast_client(const char *plugin, int trace)
{
	struct es_http_settings s = {
	    .plugin = plugin,
	    .max_attempts = 3,
	    .base_backoff_ms = 10,
	    .max_backoff_ms = 2000,
	    .timeout_ms = 10000,
	    .trace = trace,
	};
	struct es_http_client *c = es_http_client_new(&s);

	ck_assert_ptr_nonnull(c);
	return c;
}

/* ---- a clock that records the waits instead of sleeping them ----------- */

#define MAX_WAITS 64

static struct {
	time_t now;     /* 0: the real time */
	int real_sleep; /* sleep through es_sleep_cancellable */
	int jitter_max; /* jitter answers the cap it was asked for */
	uint32_t slept[MAX_WAITS];
	int sleep_rc[MAX_WAITS];
	size_t n_slept;
	uint32_t caps[MAX_WAITS];
	size_t n_caps;
} fake;

static time_t fake_now(void *ctx)
{
	(void)ctx;
	return fake.now ? fake.now : time(NULL);
}

static int fake_sleep(void *ctx, uint32_t ms, int (*cancelled)(void *),
                      void *cancel_ctx)
{
	int rc = fake.real_sleep
	             ? es_sleep_cancellable(ms, cancelled, cancel_ctx)
	             : 0;

	(void)ctx;
	ck_assert_uint_lt(fake.n_slept, MAX_WAITS);
	fake.slept[fake.n_slept] = ms;
	fake.sleep_rc[fake.n_slept++] = rc;
	return rc;
}

static uint32_t fake_jitter(void *ctx, uint32_t cap)
{
	(void)ctx;
	ck_assert_uint_lt(fake.n_caps, MAX_WAITS);
	fake.caps[fake.n_caps++] = cap;
	return cap;
}

static const struct es_http_clock fake_clock = {
    .now = fake_now,
    .sleep = fake_sleep,
};

static const struct es_http_clock fake_clock_max_jitter = {
    .now = fake_now,
    .sleep = fake_sleep,
    .jitter = fake_jitter,
};

static struct es_http_client *clocked_client(const char *plugin,
                                             uint32_t attempts, uint32_t base,
                                             uint32_t max,
                                             const struct es_http_clock *clk)
{
	struct es_http_settings s = {
	    .plugin = plugin,
	    .max_attempts = attempts,
	    .base_backoff_ms = base,
	    .max_backoff_ms = max,
	    .timeout_ms = 10000,
	    .clock = clk,
	};
	struct es_http_client *c = es_http_client_new(&s);

	ck_assert_ptr_nonnull(c);
	return c;
}

static struct es_http_request get_request(const char *url)
{
	struct es_http_request r = {
	    .struct_size = sizeof(r),
	    .method = "GET",
	    .url = url,
	};

	return r;
}

static void setup(void)
{
	es_http_global_init();
	es_rate_limit_reset();
}

static void teardown(void)
{
	for (size_t i = 0; i < n_logged; i++)
		free(logged[i]);
	for (size_t i = 0; i < n_errors; i++)
		free(errors[i]);
	n_logged = n_errors = 0;
	intents_begun = intents_ended = 0;
	intent_status = -1;
	cancel_now = 0;
	n_url_keys = 0;
	n_refused = 0;
	memset(&fake, 0, sizeof(fake));
	es_http_global_cleanup();
}

/* ---- basic requests and retries ----------------------------------------- */

START_TEST(get_ok)
{
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-get", 0);
	struct es_http_request req =
	    get_request(url_of(srv, "http", "127.0.0.1", "/v1/x?a=1"));
	es_http_response *r = es_http_perform(c, &req, &hooks);
	size_t len;

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(es_http_response_status(r), 200);
	ck_assert_str_eq(es_http_response_body(r, &len), "{}");
	ck_assert_uint_eq(len, 2);
	/* Case-insensitive lookup; the last of repeated headers wins. */
	ck_assert_str_eq(es_http_response_header(r, "X-DUP"), "last");
	ck_assert_ptr_null(es_http_response_header(r, "X-Missing"));
	ck_assert_uint_eq(server_seen(srv), 1);
	ck_assert_str_eq(srv->seen[0].method, "GET");
	ck_assert_str_eq(srv->seen[0].uri, "/v1/x?a=1");
	ck_assert_int_eq(intents_begun, 0);
	es_http_response_free(r);
	/* The same handle again: keep-alive reuse must not break it. */
	r = es_http_perform(c, &req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 200);
	es_http_response_free(r);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

START_TEST(retry_after_429)
{
	static const struct step steps[] = {
	    {.status = 429, .body = "slow down", .retry_after = "1"},
	    {.status = 200, .body = "ok"},
	};
	struct server *srv = server_start();
	struct es_http_client *c =
	    clocked_client("t-429", 3, 10, 2000, &fake_clock_max_jitter);
	struct es_http_request req =
	    get_request(url_of(srv, "http", "localhost", "/limited"));
	es_http_response *r;

	server_script(srv, steps, 2);
	r = es_http_perform(c, &req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 200);
	ck_assert_uint_eq(server_seen(srv), 2);
	/* The server's word, not the jittered backoff. */
	ck_assert_uint_eq(fake.n_slept, 1);
	ck_assert_uint_eq(fake.slept[0], 1000);
	ck_assert_uint_eq(fake.n_caps, 0);
	ck_assert_uint_eq(
	    lines_containing(logged, n_logged, "retrying in 1000 ms"), 1);
	es_http_response_free(r);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

START_TEST(retry_after_http_date_and_garbage)
{
	static const struct step steps[] = {
	    {.status = 429, .retry_after = "Wed, 21 Oct 2015 07:28:00 GMT"},
	    {.status = 503, .retry_after = "Wed, 21 Oct 2015 07:27:00 GMT"},
	    {.status = 429, .retry_after = "soon"},
	    {.status = 204, .body = ""},
	};
	struct server *srv = server_start();
	struct es_http_client *c =
	    clocked_client("t-date", 4, 10, 2000, &fake_clock_max_jitter);
	struct es_http_request req =
	    get_request(url_of(srv, "http", "127.0.0.1", "/d"));
	es_http_response *r;
	size_t len = 99;

	/* 07:27:58 GMT that day: the first date is 2 s ahead. */
	fake.now = 1445412478;
	server_script(srv, steps, 4);
	r = es_http_perform(c, &req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 204);
	ck_assert_str_eq(es_http_response_body(r, &len), "");
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(n_logged, 3);
	/* A date ahead: until then. A date past: no wait. Unreadable: the
	 * jittered backoff of the third attempt, capped at base * 4. */
	ck_assert_uint_eq(fake.n_slept, 3);
	ck_assert_uint_eq(fake.slept[0], 2000);
	ck_assert_uint_eq(fake.slept[1], 0);
	ck_assert_uint_eq(fake.n_caps, 1);
	ck_assert_uint_eq(fake.caps[0], 40);
	ck_assert_uint_eq(fake.slept[2], 40);
	ck_assert_ptr_nonnull(
	    strstr(logged[0], "HTTP 429; retrying in 2000 ms"));
	ck_assert_ptr_nonnull(strstr(logged[1], "HTTP 503; retrying in 0 ms"));
	ck_assert_ptr_nonnull(strstr(logged[2], "HTTP 429; retrying in 40 ms"));
	es_http_response_free(r);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

START_TEST(get_503_twice_then_ok)
{
	static const struct step steps[] = {
	    {.status = 503},
	    {.status = 503},
	    {.status = 200, .body = "y"},
	};
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-503", 0);
	struct es_http_request req =
	    get_request(url_of(srv, "http", "127.0.0.1", "/flaky"));
	es_http_response *r;

	server_script(srv, steps, 3);
	r = es_http_perform(c, &req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 200);
	ck_assert_str_eq(es_http_response_body(r, NULL), "y");
	ck_assert_uint_eq(server_seen(srv), 3);
	ck_assert_uint_eq(n_errors, 0);
	es_http_response_free(r);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

START_TEST(get_503_until_attempts_run_out)
{
	static const struct step steps[] = {{.status = 503, .body = "no"}};
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-503b", 0);
	struct es_http_request req =
	    get_request(url_of(srv, "http", "127.0.0.1", "/down"));
	es_http_response *r;

	server_script(srv, steps, 1);
	r = es_http_perform(c, &req, &hooks);
	/* A status is an answer: the last one comes back, with a diagnostic. */
	ck_assert_int_eq(es_http_response_status(r), 503);
	ck_assert_uint_eq(server_seen(srv), 3);
	ck_assert_uint_eq(n_errors, 1);
	ck_assert_ptr_nonnull(strstr(errors[0], "GET http://127.0.0.1:"));
	ck_assert_ptr_nonnull(strstr(errors[0], "HTTP 503 (3 attempts)"));
	es_http_response_free(r);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

START_TEST(mutating_503_not_resent)
{
	static const struct step steps[] = {{.status = 503}};
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-post", 0);
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = "POST",
	    .url = url_of(srv, "http", "127.0.0.1",
	                  "/domains?token={{secret:api_key}}"),
	    .body = "{\"name\":\"mail.acme.com\"}",
	    .body_len = 24,
	    .content_type = "application/json",
	    .mutating = 1,
	    .intent = "create domain mail.acme.com",
	};
	es_http_response *r;

	url_key("api_url", req.url);
	server_script(srv, steps, 1);
	r = es_http_perform(c, &req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 503);
	ck_assert_uint_eq(server_seen(srv), 1);
	ck_assert_str_eq(srv->seen[0].body, "{\"name\":\"mail.acme.com\"}");
	ck_assert_ptr_nonnull(
	    strstr(srv->seen[0].headers, "Content-Type: application/json"));
	ck_assert_int_eq(intents_begun, 1);
	ck_assert_int_eq(intents_ended, 1);
	ck_assert_int_eq(intent_status, 503);
	ck_assert_str_eq(intent_method, "POST");
	ck_assert_str_eq(intent_text, "create domain mail.acme.com");
	/* The journal gets the URL with the secret masked. */
	ck_assert_ptr_nonnull(strstr(intent_url, "/domains?token=***"));
	ck_assert_ptr_null(strstr(intent_url, "s3cr3t"));
	es_http_response_free(r);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

START_TEST(mutating_hang_up_gives_status_0)
{
	static const struct step steps[] = {{.hang_up = 1}};
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-hang", 0);
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = "PUT",
	    .url = url_of(srv, "http", "127.0.0.1", "/thing"),
	    .body = "x=1",
	    .body_len = 3,
	    .mutating = 1,
	};
	es_http_response *r;

	server_script(srv, steps, 1);
	r = es_http_perform(c, &req, &hooks);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(es_http_response_status(r), 0);
	ck_assert_uint_eq(server_seen(srv), 1);
	ck_assert_str_eq(srv->seen[0].method, "PUT");
	ck_assert_int_eq(intents_ended, 1);
	ck_assert_int_eq(intent_status, 0);
	ck_assert_uint_eq(n_errors, 1);
	es_http_response_free(r);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

START_TEST(timeouts_retried_only_when_not_mutating)
{
	static const struct step steps[] = {{.status = 200, .delay_ms = 700}};
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-timeout", 0);
	struct es_http_request req =
	    get_request(url_of(srv, "http", "127.0.0.1", "/slow"));
	es_http_response *r;

	server_script(srv, steps, 1);
	req.timeout_ms = 200;
	req.n_headers = 0;
	ck_assert_ptr_null(es_http_perform(c, &req, &hooks));
	ck_assert_uint_eq(server_seen(srv), 3);
	ck_assert_uint_eq(n_errors, 1);
	ck_assert_ptr_nonnull(strstr(errors[0], "Timeout"));
	req.method = "DELETE";
	req.mutating = 1;
	r = es_http_perform(c, &req, &hooks);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(es_http_response_status(r), 0);
	ck_assert_uint_eq(server_seen(srv), 4);
	ck_assert_str_eq(srv->seen[3].method, "DELETE");
	es_http_response_free(r);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

static uint64_t hook_begin_fails(void *ctx, const char *method, const char *url,
                                 const char *intent)
{
	(void)ctx;
	(void)method;
	(void)url;
	(void)intent;
	intents_begun++;
	return 0; /* the journal could not take it (a full disk) */
}

/* No write is sent unless its intent is durable; a read still goes. */
START_TEST(a_write_whose_intent_cannot_be_journaled_is_not_sent)
{
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-nojournal", 0);
	struct es_http_hooks no_journal = hooks;
	struct es_http_request req =
	    get_request(url_of(srv, "http", "127.0.0.1", "/v1/x"));
	es_http_response *r;

	no_journal.intent_begin = hook_begin_fails;
	req.method = "POST";
	req.mutating = 1;
	req.intent = "create x";
	ck_assert_ptr_null(es_http_perform(c, &req, &no_journal));
	ck_assert_uint_eq(server_seen(srv), 0);
	ck_assert_int_eq(intents_begun, 1);
	ck_assert_int_eq(n_refused, 1);
	ck_assert_ptr_nonnull(strstr(errors[0], "could not journal"));
	req.method = "GET";
	req.mutating = 0;
	r = es_http_perform(c, &req, &no_journal);
	ck_assert_int_eq(es_http_response_status(r), 200);
	es_http_response_free(r);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

/* A secret that holds another is masked whole, whichever came first. */
START_TEST(a_secret_holding_another_is_masked_whole)
{
	char *out;

	es_redact_add("abcd1234");
	es_redact_add("abcd1234XYZW");
	out = es_redact("token=abcd1234XYZW and abcd1234");
	ck_assert_str_eq(out, "token=*** and ***");
	free(out);
}
END_TEST

/* libcurl resends a request, unasked, when a reused connection turns out
 * dead before the answer: a write therefore never reuses one. Reads do. */
START_TEST(a_write_never_reuses_a_connection)
{
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-fresh", 0);
	struct es_http_request req =
	    get_request(url_of(srv, "http", "127.0.0.1", "/v1/x"));
	es_http_response *r;

	for (int i = 0; i < 2; i++) {
		r = es_http_perform(c, &req, &hooks);
		ck_assert_int_eq(es_http_response_status(r), 200);
		es_http_response_free(r);
	}
	ck_assert_int_eq(srv->connections, 1);
	req.method = "POST";
	req.mutating = 1;
	req.intent = "create x";
	for (int i = 0; i < 2; i++) {
		r = es_http_perform(c, &req, &hooks);
		ck_assert_int_eq(es_http_response_status(r), 200);
		es_http_response_free(r);
	}
	ck_assert_int_eq(srv->connections, 3);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

START_TEST(cancel_stops_retry_wait)
{
	static const struct step steps[] = {
	    {.status = 429, .retry_after = "30"},
	};
	struct server *srv = server_start();
	struct es_http_client *c =
	    clocked_client("t-cancel", 3, 10, 2000, &fake_clock);
	struct es_http_request req =
	    get_request(url_of(srv, "http", "127.0.0.1", "/x"));
	es_http_response *r;

	server_script(srv, steps, 1);
	fake.real_sleep = 1;
	cancel_now = 1;
	r = es_http_perform(c, &req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 429);
	ck_assert_uint_eq(server_seen(srv), 1);
	/* One wait was begun (Retry-After 30 s capped at max_backoff_ms),
	 * the real sleep saw the cancel, and nothing came after it. */
	ck_assert_uint_eq(fake.n_slept, 1);
	ck_assert_uint_eq(fake.slept[0], 2000);
	ck_assert_int_eq(fake.sleep_rc[0], -1);
	es_http_response_free(r);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

/* A wait woken by es_wake_sleepers (what the signal handler calls after
 * setting the flag) ends at once: a wait of an hour, so that a wake-up
 * lost shows as the test's timeout. The flag is looked at first, then the
 * wait begins: the wake comes after that look, and the pipe's byte stays,
 * so it is seen even if it lands before the wait proper. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t looked;
	int looks, cancel;
} waker = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

static int waker_cancelled(void *ctx)
{
	int c;

	(void)ctx;
	pthread_mutex_lock(&waker.lock);
	waker.looks++;
	c = waker.cancel;
	pthread_cond_broadcast(&waker.looked);
	pthread_mutex_unlock(&waker.lock);
	return c;
}

static void *sleep_an_hour(void *rc)
{
	*(int *)rc = es_sleep_cancellable(3600u * 1000u, waker_cancelled, NULL);
	return NULL;
}

START_TEST(a_wait_ends_when_woken)
{
	pthread_t t;
	int rc = 0;

	ck_assert_int_eq(pthread_create(&t, NULL, sleep_an_hour, &rc), 0);
	pthread_mutex_lock(&waker.lock);
	while (waker.looks == 0)
		pthread_cond_wait(&waker.looked, &waker.lock);
	waker.cancel = 1;
	pthread_mutex_unlock(&waker.lock);
	es_wake_sleepers();
	pthread_join(t, NULL);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(waker.looks, 2); /* once before, once woken */
}
END_TEST

/* Woken with the flag unset (a parent's pipe): the wait goes on to its
 * end, without spinning on the pipe that stays readable: it looks at the
 * flag before, once woken and at its end (a spinning one: thousands). */
START_TEST(a_wait_woken_but_not_cancelled_sleeps_on)
{
	ck_assert_int_eq(es_sleep_cancellable(1, waker_cancelled, NULL), 0);
	es_wake_sleepers();
	waker.looks = 0;
	ck_assert_int_eq(es_sleep_cancellable(20, waker_cancelled, NULL), 0);
	ck_assert_int_le(waker.looks, 3);
}
END_TEST

/* A port nothing listens on: bound once, then closed. */
static unsigned short closed_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

START_TEST(connection_refused_retried_then_null)
{
	struct es_http_client *c = fast_client("t-refused", 0);
	char url[128];
	struct es_http_request req;
	es_http_response *r;

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/x",
	         (unsigned)closed_port());
	req = get_request(url);
	req.method = "POST"; /* nothing was sent: even a mutating one retries */
	req.mutating = 1;
	r = es_http_perform(c, &req, &hooks);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(lines_containing(logged, n_logged, "retrying in"), 2);
	ck_assert_uint_eq(n_errors, 1);
	ck_assert_ptr_nonnull(strstr(errors[0], "POST http://127.0.0.1:"));
	ck_assert_ptr_nonnull(strstr(errors[0], "(3 attempts)"));
	ck_assert_int_eq(intent_status, 0);
	es_http_client_free(c);
}
END_TEST

START_TEST(plain_http_to_remote_refused_unsent)
{
	struct es_http_client *c =
	    clocked_client("t-remote", 3, 10, 2000, &fake_clock);
	struct es_http_request req = get_request("http://192.0.2.1/v3/domains");
	es_http_response *r = es_http_perform(c, &req, &hooks);

	ck_assert_ptr_null(r);
	/* Refused before any attempt: nothing to retry, so no wait. */
	ck_assert_uint_eq(fake.n_slept, 0);
	ck_assert_uint_eq(n_logged, 0);
	ck_assert_uint_eq(n_errors, 1);
	ck_assert_ptr_nonnull(
	    strstr(errors[0], "GET http://192.0.2.1/v3/domains"));
	ck_assert_ptr_nonnull(strstr(errors[0], "plain http is allowed only"));
	/* Other schemes are refused too. */
	req.url = "ftp://127.0.0.1/x";
	ck_assert_ptr_null(es_http_perform(c, &req, &hooks));
	req.url = "file:///etc/passwd";
	ck_assert_ptr_null(es_http_perform(c, &req, &hooks));
	req.url = "not a url";
	ck_assert_ptr_null(es_http_perform(c, &req, &hooks));
	ck_assert_uint_eq(n_errors, 4);
	es_http_client_free(c);
}
END_TEST

START_TEST(body_size_cap)
{
	static const struct step steps[] = {
	    {.status = 200, .big = 1024 * 1024},
	    {.status = 200, .big = 33u * 1024 * 1024},
	};
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-big", 0);
	struct es_http_request req =
	    get_request(url_of(srv, "http", "127.0.0.1", "/big"));
	es_http_response *r;
	size_t len;

	srv->big = malloc(33u * 1024 * 1024);
	ck_assert_ptr_nonnull(srv->big);
	memset(srv->big, 'x', 33u * 1024 * 1024);
	server_script(srv, steps, 2);
	r = es_http_perform(c, &req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 200);
	ck_assert_uint_eq(strlen(es_http_response_body(r, &len)), 1024 * 1024);
	ck_assert_uint_eq(len, 1024 * 1024);
	es_http_response_free(r);
	r = es_http_perform(c, &req, &hooks);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(n_errors, 1);
	ck_assert_ptr_nonnull(strstr(errors[0], "larger than 32 MiB"));
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

START_TEST(rate_limit_spaces_requests)
{
	struct server *srv = server_start();
	struct es_http_settings s = {
	    .plugin = "t-rate",
	    .rate_limit_per_min = 120,
	};
	struct es_http_client *c = es_http_client_new(&s);
	struct es_http_client *c2 = es_http_client_new(&s);
	struct es_http_request req =
	    get_request(url_of(srv, "http", "127.0.0.1", "/r"));
	double t0 = now_s();

	/* 120/min with a burst of 2: two at once, then one per 500 ms. Two
	 * clients of one plugin share the bucket. The limiter keeps its own
	 * clock (rate_limit.c), so only lower bounds are asserted: a token
	 * is never early, and a loaded machine only makes a send later. */
	for (int i = 0; i < 6; i++) {
		es_http_response *r =
		    es_http_perform(i % 2 ? c2 : c, &req, &hooks);

		ck_assert_int_eq(es_http_response_status(r), 200);
		es_http_response_free(r);
	}
	ck_assert_uint_eq(server_seen(srv), 6);
	for (size_t i = 2; i < 6; i++)
		ck_assert_msg(srv->seen[i].at - t0 >=
		                  0.5 * (double)(i - 1) - 0.02,
		              "request %zu sent after %.3f s", i + 1,
		              srv->seen[i].at - t0);
	es_http_client_free(c);
	es_http_client_free(c2);
	server_stop(srv);
}
END_TEST

START_TEST(backoff_doubles_up_to_the_cap)
{
	static const struct step steps[] = {
	    {.status = 503},
	    {.status = 503},
	    {.status = 503},
	    {.status = 503},
	    {.status = 503},
	    {.status = 429, .retry_after = "86400"},
	    {.status = 200, .body = "ok"},
	};
	struct server *srv = server_start();
	struct es_http_client *c =
	    clocked_client("t-caps", 7, 100, 1000, &fake_clock_max_jitter);
	struct es_http_request req =
	    get_request(url_of(srv, "http", "127.0.0.1", "/caps"));
	static const uint32_t want[] = {100, 200, 400, 800, 1000};
	es_http_response *r;

	server_script(srv, steps, 7);
	r = es_http_perform(c, &req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 200);
	ck_assert_uint_eq(server_seen(srv), 7);
	/* base * 2^(n-1), at most max_backoff_ms; the jitter drew from
	 * [0, cap] and here answered the cap. */
	ck_assert_uint_eq(fake.n_caps, 5);
	for (size_t i = 0; i < 5; i++) {
		ck_assert_uint_eq(fake.caps[i], want[i]);
		ck_assert_uint_eq(fake.slept[i], want[i]);
	}
	/* A day of Retry-After is honoured only up to max_backoff_ms. */
	ck_assert_uint_eq(fake.n_slept, 6);
	ck_assert_uint_eq(fake.slept[5], 1000);
	es_http_response_free(r);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

START_TEST(jitter_stays_within_the_cap)
{
	static const struct step steps[] = {{.status = 503}};
	struct server *srv = server_start();
	/* The real jitter, with only the sleeps recorded. */
	struct es_http_client *c =
	    clocked_client("t-jitter", 41, 8, 64, &fake_clock);
	struct es_http_request req =
	    get_request(url_of(srv, "http", "127.0.0.1", "/jitter"));
	es_http_response *r;
	size_t below_cap = 0, distinct = 0;

	server_script(srv, steps, 1);
	r = es_http_perform(c, &req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 503);
	ck_assert_uint_eq(fake.n_slept, 40);
	for (size_t i = 0; i < fake.n_slept; i++) {
		uint32_t cap = i < 3 ? 8u << i : 64u;
		int seen_before = 0;

		ck_assert_msg(fake.slept[i] <= cap, "wait %zu: %u ms > %u",
		              i + 1, fake.slept[i], cap);
		below_cap += fake.slept[i] < cap;
		for (size_t k = 0; k < i; k++)
			seen_before |= fake.slept[k] == fake.slept[i];
		distinct += !seen_before;
	}
	/* Full jitter spreads the waits: 40 draws from [0, 64] all at the
	 * cap, or all alike, would mean no jitter at all. */
	ck_assert_uint_gt(below_cap, 0);
	ck_assert_uint_gt(distinct, 5);
	es_http_response_free(r);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

/* ---- bodies, forms and secrets ------------------------------------------ */

START_TEST(urlencoded_form_with_repeated_names)
{
	static const struct es_http_header form[] = {
	    {"name", "mail.acme.com"},
	    {"tag", "a b"},
	    {"tag", "c&d=e"},
	};
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-form", 0);
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = "POST",
	    .url = url_of(srv, "http", "127.0.0.1", "/v3/domains"),
	    .form_kind = ES_FORM_URLENCODED,
	    .form = form,
	    .n_form = 3,
	};
	es_http_response *r = es_http_perform(c, &req, &hooks);

	ck_assert_int_eq(es_http_response_status(r), 200);
	ck_assert_str_eq(srv->seen[0].body,
	                 "name=mail.acme.com&tag=a%20b&tag=c%26d%3De");
	ck_assert_ptr_nonnull(
	    strstr(srv->seen[0].headers,
	           "Content-Type: application/x-www-form-urlencoded"));
	es_http_response_free(r);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

START_TEST(multipart_form_with_repeated_names)
{
	static const struct es_http_header form[] = {
	    {"name", "mail.acme.com"},
	    {"tag", "first"},
	    {"tag", "sec ond"},
	};
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-mime", 0);
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = "PUT",
	    .url = url_of(srv, "http", "127.0.0.1", "/v3/domains/x"),
	    .form_kind = ES_FORM_MULTIPART,
	    .form = form,
	    .n_form = 3,
	};
	es_http_response *r = es_http_perform(c, &req, &hooks);
	const char *b;

	ck_assert_int_eq(es_http_response_status(r), 200);
	ck_assert_str_eq(srv->seen[0].method, "PUT");
	ck_assert_ptr_nonnull(
	    strstr(srv->seen[0].headers,
	           "Content-Type: multipart/form-data; boundary="));
	b = srv->seen[0].body;
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(
	    strstr(b, "name=\"name\"\r\n\r\nmail.acme.com\r\n"));
	b = strstr(b, "name=\"tag\"\r\n\r\nfirst\r\n");
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(strstr(b, "name=\"tag\"\r\n\r\nsec ond\r\n"));
	es_http_response_free(r);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

/* A 429 refuses a request unseen, so the resend must carry all of it:
 * curl consumes a mime or postfields body while sending it. */
static void assert_resent_whole(struct es_http_request *req,
                                const char *const *parts, size_t n_parts)
{
	static const struct step steps[] = {
	    {.status = 429, .body = "slow down", .retry_after = "0"},
	    {.status = 200, .body = "ok"},
	};
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-429-body", 0);
	es_http_response *r;

	server_script(srv, steps, 2);
	req->url = url_of(srv, "http", "127.0.0.1", "/v3/domains");
	url_key("api_url", req->url);
	/* Without the fix the resend waits for a body that never comes. */
	req->timeout_ms = 3000;
	r = es_http_perform(c, req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 200);
	ck_assert_uint_eq(server_seen(srv), 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_str_eq(srv->seen[i].method, "POST");
		ck_assert_ptr_nonnull(srv->seen[i].body);
		for (size_t k = 0; k < n_parts; k++)
			ck_assert_msg(strstr(srv->seen[i].body, parts[k]),
			              "attempt %zu lacks \"%s\": %s", i + 1,
			              parts[k], srv->seen[i].body);
	}
	ck_assert_uint_eq(srv->seen[1].body_len, srv->seen[0].body_len);
	ck_assert_uint_eq(n_errors, 0);
	es_http_response_free(r);
	es_http_client_free(c);
	server_stop(srv);
}

START_TEST(retry_429_resends_json_body)
{
	static const char body[] = "{\"name\":\"mail.acme.com\"}";
	static const char *const parts[] = {body};
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = "POST",
	    .body = body,
	    .body_len = sizeof(body) - 1,
	    .content_type = "application/json",
	    .mutating = 1,
	};

	assert_resent_whole(&req, parts, 1);
}
END_TEST

/* Form values go through substitution too: a resend must not lose them. */
static void assert_form_resent_whole(enum es_form_kind kind,
                                     const char *const *parts, size_t n_parts)
{
	static const struct es_http_header form[] = {
	    {"name", "mail.acme.com"},
	    {"key", "{{secret:api_key}}"},
	};
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = "POST",
	    .form_kind = kind,
	    .form = form,
	    .n_form = 2,
	    .mutating = 1,
	};

	assert_resent_whole(&req, parts, n_parts);
}

START_TEST(retry_429_resends_urlencoded_form)
{
	static const char *const parts[] = {
	    "name=mail.acme.com&key=s3cr3t%20Val%2Fue%2B%26%22q%5Cz"};

	assert_form_resent_whole(ES_FORM_URLENCODED, parts, 1);
}
END_TEST

START_TEST(retry_429_resends_multipart_form)
{
	static const char *const parts[] = {
	    "name=\"name\"\r\n\r\nmail.acme.com\r\n",
	    "name=\"key\"\r\n\r\ns3cr3t Val/ue+&\"q\\z\r\n",
	};

	assert_form_resent_whole(ES_FORM_MULTIPART, parts, 2);
}
END_TEST

static void assert_no_secret_in(char **lines, size_t n)
{
	char *url = es_http_escape(secret_value);

	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(!strstr(lines[i], secret_value), "leak: %s",
		              lines[i]);
		ck_assert_msg(!strstr(lines[i], url), "leak: %s", lines[i]);
		ck_assert_msg(!strstr(lines[i], "s3cr3t"), "leak: %s",
		              lines[i]);
	}
	free(url);
}

START_TEST(secrets_substituted_and_masked)
{
	static const struct es_http_header headers[] = {
	    {"X-Api-Key", "{{secret:api_key}}"},
	    {"X-Note", "k={{secret:api_key}};"},
	};
	static const struct es_http_header form[] = {
	    {"password", "{{secret:api_key}}"},
	    {"who", "{{secret:user}}"},
	};
	static const char body[] = "{\"key\":\"{{secret:api_key}}\",\"n\":1}";
	static const struct step steps[] = {
	    {.status = 200, .body = "{\"token\":\"zz-top\"}"}};
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-secret", 1);
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = "POST",
	    .url = url_of(srv, "http", "127.0.0.1",
	                  "/p/{{secret:user}}?q={{secret:api_key}}&x=1"),
	    .headers = headers,
	    .n_headers = 2,
	    .body = body,
	    .body_len = sizeof(body) - 1,
	    .content_type = "application/json; charset=utf-8",
	    .basic_user = "{{secret:user}}",
	    .basic_password = "{{secret:api_key}}",
	};
	char *esc = es_http_escape(secret_value);
	char expect[256];
	es_http_response *r;

	url_key("api_url", req.url);
	server_script(srv, steps, 1);
	r = es_http_perform(c, &req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 200);
	/* URL-encoded in the url. */
	snprintf(expect, sizeof(expect), "/p/alice?q=%s&x=1", esc);
	ck_assert_str_eq(srv->seen[0].uri, expect);
	/* Raw in header values. */
	snprintf(expect, sizeof(expect), "X-Api-Key: %s\n", secret_value);
	ck_assert_ptr_nonnull(strstr(srv->seen[0].headers, expect));
	snprintf(expect, sizeof(expect), "X-Note: k=%s;\n", secret_value);
	ck_assert_ptr_nonnull(strstr(srv->seen[0].headers, expect));
	/* JSON-escaped in a JSON body. */
	ck_assert_str_eq(srv->seen[0].body,
	                 "{\"key\":\"s3cr3t Val/ue+&\\\"q\\\\z\",\"n\":1}");
	/* Basic auth with the substituted password. */
	ck_assert_ptr_nonnull(
	    strstr(srv->seen[0].headers, "Authorization: Basic "));
	/* The trace was written, and shows no secret in any form. */
	ck_assert_uint_gt(n_logged, 5);
	ck_assert(any_line_contains(logged, n_logged, "X-Api-Key: ***"));
	ck_assert(any_line_contains(logged, n_logged, "Authorization: ***"));
	ck_assert(any_line_contains(logged, n_logged, "\"key\":\"***\""));
	ck_assert(any_line_contains(logged, n_logged, "\"token\":\"***\""));
	ck_assert(!any_line_contains(logged, n_logged, "zz-top"));
	assert_no_secret_in(logged, n_logged);
	es_http_response_free(r);

	/* Form values: raw to the encoder, which encodes them. */
	req.body = NULL;
	req.headers = NULL;
	req.n_headers = 0;
	req.form_kind = ES_FORM_URLENCODED;
	req.form = form;
	req.n_form = 2;
	r = es_http_perform(c, &req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 200);
	snprintf(expect, sizeof(expect), "password=%s&who=alice", esc);
	ck_assert_str_eq(srv->seen[1].body, expect);
	assert_no_secret_in(logged, n_logged);
	assert_no_secret_in(errors, n_errors);
	es_http_response_free(r);
	free(esc);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

/* An STS AssumeRole reply, as the sandbox and AWS send it. */
static const char sts_reply[] =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/"
    "2011-06-15/\"><AssumeRoleResult><Credentials>\n"
    "  <AccessKeyId>ASIAEXAMPLE000000001</AccessKeyId>\n"
    "  <SecretAccessKey>sts/Secret+Key=0001</SecretAccessKey>\n"
    "  <SessionToken>SBX1111111111111sessiontoken0001</SessionToken>\n"
    "  <Expiration>2026-01-01T00:00:00Z</Expiration>\n"
    "</Credentials></AssumeRoleResult></AssumeRoleResponse>";

/* Each value the masking must hide, and the text it must keep. */
static void assert_masked(const char *shown, const char *const *hidden,
                          const char *const *kept)
{
	for (size_t i = 0; hidden[i]; i++)
		ck_assert_msg(!strstr(shown, hidden[i]), "\"%s\" shown in %s",
		              hidden[i], shown);
	for (size_t i = 0; kept[i]; i++)
		ck_assert_msg(strstr(shown, kept[i]), "\"%s\" lost in %s",
		              kept[i], shown);
}

START_TEST(mask_reply_fields_json_and_xml)
{
	static const char json[] =
	    "{\"access_token\":\"at-0001\",\"refresh_token\": \"rt-0002\","
	    "\"id_token\":\"it-0003\",\"client_secret\":\"cs-0004\","
	    "\"user\":{\"password\":\"pw-0005\",\"Password\":\"pw-0006\"},"
	    "\"api_key\":\"ak-0007\",\"apiKey\":\"ak-0008\","
	    "\"SecretAccessKey\":\"sk-0009\",\"SessionToken\":\"st-0010\","
	    "\"plan\":\"basic\",\"ttl\":3600,\"pin\":\"pn-0011\","
	    "\"note\":\"reg-istered-0012\"}";
	static const char xml[] =
	    "<r><sts:SessionToken>st-0013</sts:SessionToken>"
	    "<Password kind=\"a>b\">pw-0014</Password>"
	    "<client_secret><![CDATA[cs<0015]]></client_secret>"
	    "<Pin>pn-0016</Pin><Name>mail.acme.com</Name>"
	    "<Note>reg-istered-0012</Note><Password/><apiKey></apiKey>"
	    "<id_token>it-0017";
	static const char unnamed[] = "{\"pin\":\"pn-1\"}<Pin>pn-2</Pin>";
	static const char *const fields[] = {"pin", NULL};
	static const char *const hidden_json[] = {
	    "at-0001", "rt-0002",     "it-0003", "cs-0004", "pw-0005",
	    "pw-0006", "ak-0007",     "ak-0008", "sk-0009", "st-0010",
	    "pn-0011", "reg-istered", NULL};
	static const char *const kept_json[] = {"\"access_token\":\"***\"",
	                                        "\"Password\":\"***\"",
	                                        "\"pin\":\"***\"",
	                                        "\"plan\":\"basic\"",
	                                        "\"ttl\":3600",
	                                        NULL};
	static const char *const hidden_xml[] = {
	    "st-0013",     "pw-0014", "0015", "pn-0016",
	    "reg-istered", "it-0017", NULL};
	static const char *const kept_xml[] = {
	    "<sts:SessionToken>***</sts:SessionToken>",
	    "<Password kind=\"a>b\">***</Password>",
	    "<client_secret><![CDATA[***]]></client_secret>",
	    "<Pin>***</Pin>",
	    "<Name>mail.acme.com</Name>",
	    "<Password/><apiKey></apiKey>",
	    "<id_token>***",
	    NULL};
	static const char *const hidden_sts[] = {"sts/Secret+Key=0001",
	                                         "sessiontoken0001", NULL};
	static const char *const kept_sts[] = {
	    "<SecretAccessKey>***</SecretAccessKey>",
	    "<SessionToken>***</SessionToken>",
	    "<Expiration>2026-01-01T00:00:00Z</Expiration>", NULL};
	struct es_http_masks m = {.fields = fields};
	char *shown;

	/* A value the registry holds, as es_secret_api.remember puts it. */
	es_redact_add("reg-istered-0012");
	shown = es_http_mask(&m, json, strlen(json));
	ck_assert_ptr_nonnull(shown);
	assert_masked(shown, hidden_json, kept_json);
	free(shown);
	shown = es_http_mask(&m, xml, strlen(xml));
	ck_assert_ptr_nonnull(shown);
	assert_masked(shown, hidden_xml, kept_xml);
	free(shown);
	/* Without the request's list its names are plain fields; the
	 * well-known names need no list. */
	shown = es_http_mask(NULL, unnamed, sizeof(unnamed) - 1);
	ck_assert_str_eq(shown, unnamed);
	free(shown);
	shown = es_http_mask(NULL, sts_reply, strlen(sts_reply));
	assert_masked(shown, hidden_sts, kept_sts);
	free(shown);
	es_redact_clear();
}
END_TEST

START_TEST(trace_masks_reply_bodies)
{
	static const char *const fields[] = {"ReplyOnly", NULL};
	static struct step steps[] = {{.status = 200}, {.status = 200}};
	static char big[4096];
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-trace-reply", 1);
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = "POST",
	    .url = url_of(srv, "http", "127.0.0.1", "/aws/sts/"),
	    .body = "Action=AssumeRole",
	    .body_len = 17,
	    .content_type = "application/x-www-form-urlencoded",
	    .secret_fields = fields,
	};
	static const char *const hidden[] = {"sts/Secret+Key=0001",
	                                     "sessiontoken0001", "ro-0001",
	                                     "remember-", NULL};
	es_http_response *r;
	int n;

	/* The second reply is cut by the trace inside a value the registry
	 * holds: no prefix of it may show either. */
	n = snprintf(big, sizeof(big), "<R><ReplyOnly>ro-0001</ReplyOnly>");
	memset(big + n, 'p', ES_HTTP_TRACE_BODY - 12 - (size_t)n);
	snprintf(big + ES_HTTP_TRACE_BODY - 12,
	         sizeof(big) - ES_HTTP_TRACE_BODY,
	         " remember-me-0002 tail</R>");
	es_redact_add("remember-me-0002");
	steps[0].body = sts_reply;
	steps[1].body = big;
	server_script(srv, steps, 2);
	for (int i = 0; i < 2; i++) {
		r = es_http_perform(c, &req, &hooks);
		ck_assert_int_eq(es_http_response_status(r), 200);
		es_http_response_free(r);
	}
	ck_assert(any_line_contains(logged, n_logged,
	                            "<SessionToken>***</SessionToken>"));
	ck_assert(
	    any_line_contains(logged, n_logged, "<ReplyOnly>***</ReplyOnly>"));
	ck_assert(any_line_contains(logged, n_logged, "start shown"));
	for (size_t i = 0; i < n_logged; i++)
		for (size_t k = 0; hidden[k]; k++)
			ck_assert_msg(!strstr(logged[i], hidden[k]),
			              "\"%s\" in %s", hidden[k], logged[i]);
	es_redact_clear();
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

START_TEST(unknown_secret_not_sent)
{
	static const struct es_http_header headers[] = {
	    {"Authorization", "Bearer {{secret:missing_token}}"},
	};
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-unknown", 0);
	struct es_http_request req =
	    get_request(url_of(srv, "http", "127.0.0.1", "/x"));
	const char *unknown;
	size_t ulen;

	req.headers = headers;
	req.n_headers = 1;
	req.mutating = 1;
	ck_assert_ptr_null(es_http_perform(c, &req, &hooks));
	ck_assert_uint_eq(server_seen(srv), 0);
	ck_assert_int_eq(intents_begun, 0);
	ck_assert_uint_eq(n_errors, 1);
	ck_assert_ptr_nonnull(strstr(errors[0], "\"missing_token\""));
	/* The same through the public substitution function. */
	ck_assert_ptr_null(es_http_substitute(
	    "a{{secret:api_key}}b{{secret:nope}}", 0, &hooks, &unknown, &ulen));
	ck_assert_uint_eq(ulen, 4);
	ck_assert_int_eq(strncmp(unknown, "nope}}", 6), 0);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

START_TEST(substitute_and_escape)
{
	const char *unknown;
	size_t ulen;
	char *s;

	s = es_http_substitute("u={{secret:user}}&k={{secret:api_key}}", 1,
	                       &hooks, &unknown, &ulen);
	ck_assert_str_eq(s, "u=alice&k=s3cr3t%20Val%2Fue%2B%26%22q%5Cz");
	free(s);
	s = es_http_substitute("\"{{secret:api_key}}\"", 2, &hooks, &unknown,
	                       &ulen);
	ck_assert_str_eq(s, "\"s3cr3t Val/ue+&\\\"q\\\\z\"");
	free(s);
	/* Unterminated or absent references are plain text. */
	s = es_http_substitute("{{secret:user} {{other}}", 0, &hooks, &unknown,
	                       &ulen);
	ck_assert_str_eq(s, "{{secret:user} {{other}}");
	free(s);
	s = es_http_escape("a b/~é");
	ck_assert_str_eq(s, "a%20b%2F~%C3%A9");
	free(s);
	s = es_http_substitute("{{secret:}}{{secret:a b}}", 0, &hooks, &unknown,
	                       &ulen);
	ck_assert_str_eq(s, "{{secret:}}{{secret:a b}}");
	free(s);
	ck_assert_ptr_null(
	    es_http_substitute("{{secret:x.y-z}}", 0, &hooks, &unknown, &ulen));
	ck_assert_uint_eq(ulen, 5);
}
END_TEST

START_TEST(header_injection_refused)
{
	static const struct es_http_header headers[] = {
	    {"X-Evil", "a\r\nX-Injected: 1"},
	};
	struct es_http_client *c = fast_client("t-inject", 0);
	struct es_http_request req = get_request("http://127.0.0.1:1/x");

	req.headers = headers;
	req.n_headers = 1;
	ck_assert_ptr_null(es_http_perform(c, &req, &hooks));
	ck_assert_ptr_nonnull(strstr(errors[0], "bad header \"X-Evil\""));
	es_http_client_free(c);
}
END_TEST

/* ---- AWS SigV4 ---------------------------------------------------------- */

static const char aws_secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

static void hmac_str(const unsigned char *key, size_t klen, const char *msg,
                     unsigned char out[32])
{
	sv4_hmac(key, klen, msg, strlen(msg), out);
}

/* Header value from the server's "name: value\n" record (trimmed). */
static void header_value(const char *headers, const char *name, char *out,
                         size_t n)
{
	size_t nlen = strlen(name);
	const char *line = headers;

	out[0] = '\0';
	while (line && *line) {
		const char *end = strchr(line, '\n');

		if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
			const char *v = line + nlen + 1;

			while (*v == ' ')
				v++;
			snprintf(out, n, "%.*s", (int)(end - v), v);
			return;
		}
		line = end ? end + 1 : NULL;
	}
}

/*
 * The signature AWS would expect, computed here from the SigV4 spec
 * (canonical request, string to sign, derived key) over what the server
 * received, independently of libcurl.
 */
static void expected_signature(const struct seen *s, const char *signed_hdrs,
                               const char *date, const char *scope,
                               char out[65])
{
	char creq[8192], sts[1024], hex[65], list[1024], value[1024];
	unsigned char h[32], k[32];
	const char *q = strchr(s->uri, '?');
	char *tok, *save = NULL;
	int n;

	n = snprintf(creq, sizeof(creq), "%s\n%.*s\n%s\n", s->method,
	             (int)(q ? q - s->uri : (long)strlen(s->uri)), s->uri,
	             q ? q + 1 : "");
	snprintf(list, sizeof(list), "%s", signed_hdrs);
	for (tok = strtok_r(list, ";", &save); tok;
	     tok = strtok_r(NULL, ";", &save)) {
		header_value(s->headers, tok, value, sizeof(value));
		n += snprintf(creq + n, sizeof(creq) - (size_t)n, "%s:%s\n",
		              tok, value);
	}
	sv4_sha256(s->body ? s->body : "", s->body_len, h);
	sv4_hex(h, 32, hex);
	snprintf(creq + n, sizeof(creq) - (size_t)n, "\n%s\n%s", signed_hdrs,
	         hex);
	sv4_sha256(creq, strlen(creq), h);
	sv4_hex(h, 32, hex);
	snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256\n%s\n%s\n%s", date, scope,
	         hex);
	snprintf(value, sizeof(value), "AWS4%s", aws_secret);
	snprintf(list, sizeof(list), "%.8s", date);
	hmac_str((unsigned char *)value, strlen(value), list, k);
	hmac_str(k, 32, "us-east-1", k);
	hmac_str(k, 32, "iam", k);
	hmac_str(k, 32, "aws4_request", k);
	hmac_str(k, 32, sts, h);
	sv4_hex(h, 32, out);
}

START_TEST(aws_sigv4_sorted_query_and_signature)
{
	static const struct es_http_header headers[] = {
	    {"X-Amz-Target", "ListUsers"},
	    {"X-Amz-Date", "20150830T123600Z"},
	};
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-aws", 0);
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = "POST",
	    .url = url_of(srv, "http", "127.0.0.1",
	                  "/aws/iam/?Version=2010-05-08&Action=ListUsers"
	                  "&Marker=b%2fc&Marker=a+b&Flag"),
	    .headers = headers,
	    .n_headers = 1,
	    .body = "Action=ListUsers",
	    .body_len = 16,
	    .content_type = "application/x-www-form-urlencoded",
	    .basic_user = "AKIDEXAMPLE",
	    .basic_password = aws_secret,
	    .aws_sigv4 = "aws:amz:us-east-1:iam",
	};
	es_http_response *r;
	char auth[1024], date[64], want[65], scope[128];
	struct sv4_auth a;

	url_key("iam_url", req.url);
	r = es_http_perform(c, &req, &hooks);

	ck_assert_int_eq(es_http_response_status(r), 200);
	/* Sorted by encoded name then value, each part re-encoded. */
	ck_assert_str_eq(srv->seen[0].uri,
	                 "/aws/iam/?Action=ListUsers&Flag=&Marker=a%2Bb"
	                 "&Marker=b%2Fc&Version=2010-05-08");
	header_value(srv->seen[0].headers, "Authorization", auth, sizeof(auth));
	ck_assert_int_eq(sv4_parse_auth(auth, &a), 0);
	ck_assert_str_eq(a.akid, "AKIDEXAMPLE");
	/* libcurl 7.88 would send a second X-Amz-Date beside the caller's:
	 * the service drops the caller's, and the date is curl's. */
	ck_assert_ptr_null(strstr(srv->seen[0].headers, "20150830T123600Z"));
	header_value(srv->seen[0].headers, "X-Amz-Date", date, sizeof(date));
	ck_assert_uint_eq(strlen(date), 16);
	ck_assert_int_eq(strncmp(date, a.date, 8), 0);
	ck_assert_ptr_nonnull(strstr(a.signed_headers, "x-amz-target"));
	snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", a.date,
	         a.region, a.service);
	expected_signature(&srv->seen[0], a.signed_headers, date, scope, want);
	ck_assert_str_eq(a.signature, want);
	es_http_response_free(r);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

/* ---- credentials only to the origins of the URL keys ------------------- */

START_TEST(origins_normalised_by_curl)
{
	static const char *const cases[][2] = {
	    {"https://API.Example.com/v3?x=1#f", "https://api.example.com:443"},
	    {"https://api.example.com:443", "https://api.example.com:443"},
	    {"http://127.1:8080/x", "http://127.0.0.1:8080"},
	    {"http://localhost/", "http://localhost:80"},
	    {"https://[::1]:8443/a", "https://[::1]:8443"},
	    {"http://127.0.0.1:8080@evil.example/x", "http://evil.example:80"},
	    {"https://u:p@api.example.com/", "https://api.example.com:443"},
	};
	static const char *const none[] = {"ftp://example.com/", "/relative",
	                                   "not a url", "file:///etc/passwd"};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *o = es_http_origin(cases[i][0]);

		ck_assert_msg(o && strcmp(o, cases[i][1]) == 0, "%s gave %s",
		              cases[i][0], o ? o : "NULL");
		free(o);
	}
	for (size_t i = 0; i < sizeof(none) / sizeof(*none); i++)
		ck_assert_ptr_null(es_http_origin(none[i]));
	ck_assert_ptr_null(es_http_origin(NULL));
}
END_TEST

/* `req` to `url` is refused unsent, naming what it carries and where. */
static void assert_refused(struct es_http_client *c,
                           struct es_http_request *req, const char *url,
                           const char *what, const char *where)
{
	size_t errors_before = n_errors;
	int refused_before = n_refused;

	req->url = url;
	ck_assert_ptr_null(es_http_perform(c, req, &hooks));
	ck_assert_int_eq(n_refused, refused_before + 1);
	ck_assert_uint_eq(n_errors, errors_before + 1);
	ck_assert_msg(strstr(errors[errors_before], what), "no \"%s\" in %s",
	              what, errors[errors_before]);
	ck_assert_msg(strstr(errors[errors_before], where), "no \"%s\" in %s",
	              where, errors[errors_before]);
	ck_assert_ptr_nonnull(strstr(errors[errors_before],
	                             "not the origin of any URL key of "
	                             "t-origin"));
}

START_TEST(credentials_only_to_url_key_origins)
{
	static const struct es_http_header api_key[] = {
	    {"X-Api-Key", "{{secret:api_key}}"},
	};
	static const struct es_http_header form[] = {
	    {"who", "{{secret:user}}"},
	};
	struct server *api = server_start(), *other = server_start();
	struct es_http_client *c = fast_client("t-origin", 0);
	struct es_http_request req = get_request("");
	char api_url[512], other_port[512], other_host[512], other_scheme[512];
	char want[1024], origin[64];
	es_http_response *r;

	snprintf(api_url, sizeof(api_url), "%s",
	         url_of(api, "HTTP", "127.0.0.1", "/v3"));
	snprintf(other_port, sizeof(other_port), "%s",
	         url_of(other, "http", "127.0.0.1", "/v3/x"));
	snprintf(other_host, sizeof(other_host), "%s",
	         url_of(api, "http", "localhost", "/v3/x"));
	snprintf(other_scheme, sizeof(other_scheme), "%s",
	         url_of(api, "https", "127.0.0.1", "/v3/x"));
	url_key("api_url", api_url);
	url_key("webhook_url", "https://app.acme.example/hooks");

	/* A secret to the origin of a URL key goes, whatever the path. */
	req.headers = api_key;
	req.n_headers = 1;
	req.url = url_of(api, "http", "127.0.0.1", "/elsewhere/x");
	r = es_http_perform(c, &req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 200);
	es_http_response_free(r);
	ck_assert_uint_eq(server_seen(api), 1);

	/* The same secret to another port, host or scheme: refused. */
	snprintf(origin, sizeof(origin), "http://127.0.0.1:%u",
	         (unsigned)other->port);
	snprintf(want, sizeof(want),
	         "refusing to send api_key to %s: not the origin of any URL "
	         "key of t-origin (api_url = http://127.0.0.1:%u, "
	         "webhook_url = https://app.acme.example)",
	         origin, (unsigned)api->port);
	assert_refused(c, &req, other_port, want, "GET http://127.0.0.1:");
	snprintf(origin, sizeof(origin), "to http://localhost:%u",
	         (unsigned)api->port);
	assert_refused(c, &req, other_host, "api_key", origin);
	snprintf(origin, sizeof(origin), "to https://127.0.0.1:%u",
	         (unsigned)api->port);
	assert_refused(c, &req, other_scheme, "api_key", origin);

	/* Wherever the secret sits: the URL, the body, a form, Basic. */
	req.headers = NULL;
	req.n_headers = 0;
	snprintf(want, sizeof(want), "%s?key={{secret:api_key}}", other_port);
	assert_refused(c, &req, want, "send api_key to", "http://127.0.0.1");
	req.method = "POST";
	req.body = "{\"k\":\"{{secret:api_key}}\"}";
	req.body_len = strlen(req.body);
	req.content_type = "application/json";
	req.mutating = 1;
	assert_refused(c, &req, other_port, "send api_key to", "127.0.0.1");
	req.body = NULL;
	req.body_len = 0;
	req.content_type = NULL;
	req.form_kind = ES_FORM_MULTIPART;
	req.form = form;
	req.n_form = 1;
	assert_refused(c, &req, other_port, "send user to", "127.0.0.1");
	req.form_kind = ES_FORM_NONE;
	req.form = NULL;
	req.n_form = 0;
	req.basic_user = "{{secret:user}}";
	req.basic_password = "{{secret:api_key}}";
	assert_refused(c, &req, other_port, "send user, api_key to",
	               "127.0.0.1");
	/* Credentials given in clear count as well. */
	req.basic_user = "AKIDEXAMPLE";
	req.basic_password = "literal";
	assert_refused(c, &req, other_port, "send HTTP Basic credentials to",
	               "127.0.0.1");
	req.aws_sigv4 = "aws:amz:us-east-1:iam";
	assert_refused(c, &req, other_port, "send AWS SigV4 credentials to",
	               "127.0.0.1");

	/* Nothing reached the other server, nothing was journaled, and no
	 * diagnostic shows the secret. */
	ck_assert_uint_eq(server_seen(other), 0);
	ck_assert_uint_eq(server_seen(api), 1);
	ck_assert_int_eq(intents_begun, 0);
	ck_assert_uint_eq(n_logged, 0);
	assert_no_secret_in(errors, n_errors);

	/* A request without credentials goes anywhere (a pre-signed
	 * download URL, say). */
	req = get_request(other_port);
	r = es_http_perform(c, &req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 200);
	es_http_response_free(r);
	ck_assert_uint_eq(server_seen(other), 1);
	ck_assert_int_eq(n_refused, 9);
	es_http_client_free(c);
	server_stop(api);
	server_stop(other);
}
END_TEST

START_TEST(credentials_refused_without_url_keys)
{
	static const struct es_http_header auth[] = {
	    {"Authorization", "Bearer {{secret:api_key}}"},
	};
	struct server *srv = server_start();
	struct es_http_client *c = fast_client("t-no-keys", 0);
	struct es_http_request req =
	    get_request(url_of(srv, "http", "127.0.0.1", "/x"));
	struct es_http_hooks no_key_hook = hooks;

	req.headers = auth;
	req.n_headers = 1;
	/* The hook answers none, or there is no hook: nowhere to send. */
	ck_assert_ptr_null(es_http_perform(c, &req, &hooks));
	no_key_hook.url_key = NULL;
	no_key_hook.refused = NULL;
	ck_assert_ptr_null(es_http_perform(c, &req, &no_key_hook));
	ck_assert_uint_eq(n_errors, 2);
	ck_assert_ptr_nonnull(
	    strstr(errors[0], "(it has no URL key with a value)"));
	ck_assert_uint_eq(server_seen(srv), 0);
	/* A URL key that is not an http(s) URL names no origin. */
	url_key("api_url", "not a url");
	ck_assert_ptr_null(es_http_perform(c, &req, &hooks));
	ck_assert_uint_eq(server_seen(srv), 0);
	ck_assert_int_eq(n_refused, 2);
	es_http_client_free(c);
	server_stop(srv);
}
END_TEST

START_TEST(redirect_does_not_carry_credentials)
{
	static const struct es_http_header auth[] = {
	    {"Authorization", "Bearer {{secret:api_key}}"},
	};
	struct server *api = server_start(), *other = server_start();
	struct es_http_client *c = fast_client("t-origin", 0);
	char thing[512], elsewhere[512];
	struct es_http_request req = get_request(thing);
	struct step steps[1] = {{.status = 302, .body = ""}};
	es_http_response *r;

	snprintf(thing, sizeof(thing), "%s",
	         url_of(api, "http", "127.0.0.1", "/v1/thing"));
	snprintf(elsewhere, sizeof(elsewhere), "%s",
	         url_of(other, "http", "127.0.0.1", "/collect"));
	steps[0].location = elsewhere;
	server_script(api, steps, 1);
	url_key("api_url", req.url);
	req.headers = auth;
	req.n_headers = 1;
	req.basic_user = "{{secret:user}}";
	req.basic_password = "{{secret:api_key}}";
	/* curl does not follow: the 3xx is the plugin's answer. */
	r = es_http_perform(c, &req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 302);
	ck_assert_str_eq(es_http_response_header(r, "Location"), elsewhere);
	es_http_response_free(r);
	ck_assert_uint_eq(server_seen(api), 1);
	ck_assert_uint_eq(server_seen(other), 0);
	/* The plugin following it with the same credentials is refused... */
	req.url = elsewhere;
	ck_assert_ptr_null(es_http_perform(c, &req, &hooks));
	ck_assert_uint_eq(server_seen(other), 0);
	ck_assert_int_eq(n_refused, 1);
	/* ...without them, it goes. */
	req.headers = NULL;
	req.n_headers = 0;
	req.basic_user = req.basic_password = NULL;
	r = es_http_perform(c, &req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 200);
	es_http_response_free(r);
	ck_assert_uint_eq(server_seen(other), 1);
	ck_assert_ptr_null(strstr(other->seen[0].headers, "Authorization"));
	es_http_client_free(c);
	server_stop(api);
	server_stop(other);
}
END_TEST

/* ---- TLS ----------------------------------------------------------------- */

static char tls_dir[] = "/tmp/es-http-tls-XXXXXX";

static char *slurp(const char *dir, const char *name)
{
	char path[256];
	FILE *f;
	char *buf = calloc(1, 65536);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(buf);
	fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

/* A CA and a server certificate for localhost/127.0.0.1, made now. */
static int make_certs(void)
{
	char cmd[2048];

	if (!mkdtemp(tls_dir))
		return -1;
	snprintf(
	    cmd, sizeof(cmd),
	    "cd %s && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n"
	    "basicConstraints=CA:FALSE\\n' > srv.ext && "
	    "openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:prime256v1 "
	    "-nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=es-test-ca "
	    "2>/dev/null && "
	    "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
	    "-nodes -keyout srv.key -out srv.csr -subj /CN=localhost "
	    "2>/dev/null && "
	    "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -out srv.pem -days 2 -extfile srv.ext "
	    "2>/dev/null",
	    tls_dir);
	return system(cmd) == 0 ? 0 : -1;
}

START_TEST(tls_verified_with_private_ca)
{
	struct server *srv;
	struct es_http_client *plain, *with_ca;
	struct es_http_settings s = {.plugin = "t-tls", .max_attempts = 1};
	char *key, *cert, ca[300], url[128];
	struct es_http_request req;
	es_http_response *r;

	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		printf("tls_verified_with_private_ca: skipped, libmicrohttpd "
		       "has no TLS\n");
		return;
	}
	if (make_certs() < 0) {
		printf("tls_verified_with_private_ca: skipped, the openssl "
		       "command failed\n");
		return;
	}
	key = slurp(tls_dir, "srv.key");
	cert = slurp(tls_dir, "srv.pem");
	srv = server_start_opts(key, cert);
	snprintf(ca, sizeof(ca), "%s/ca.pem", tls_dir);
	snprintf(url, sizeof(url), "https://localhost:%u/secure",
	         (unsigned)srv->port);
	req = get_request(url);
	plain = es_http_client_new(&s);
	s.ca_file = ca;
	with_ca = es_http_client_new(&s);

	ck_assert_ptr_null(es_http_perform(plain, &req, &hooks));
	ck_assert_uint_eq(n_errors, 1);
	ck_assert_msg(strstr(errors[0], "certificate") ||
	                  strstr(errors[0], "SSL"),
	              "%s", errors[0]);
	r = es_http_perform(with_ca, &req, &hooks);
	ck_assert_int_eq(es_http_response_status(r), 200);
	ck_assert_uint_eq(server_seen(srv), 1);
	es_http_response_free(r);
	es_http_client_free(plain);
	es_http_client_free(with_ca);
	server_stop(srv);
	free(key);
	free(cert);
	snprintf(ca, sizeof(ca), "rm -rf %s", tls_dir);
	ck_assert_int_eq(system(ca), 0);
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("http");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, get_ok);
	tcase_add_test(tc, a_write_never_reuses_a_connection);
	tcase_add_test(tc,
	               a_write_whose_intent_cannot_be_journaled_is_not_sent);
	tcase_add_test(tc, a_secret_holding_another_is_masked_whole);
	tcase_add_test(tc, retry_after_429);
	tcase_add_test(tc, retry_after_http_date_and_garbage);
	tcase_add_test(tc, get_503_twice_then_ok);
	tcase_add_test(tc, get_503_until_attempts_run_out);
	tcase_add_test(tc, mutating_503_not_resent);
	tcase_add_test(tc, mutating_hang_up_gives_status_0);
	tcase_add_test(tc, timeouts_retried_only_when_not_mutating);
	tcase_add_test(tc, cancel_stops_retry_wait);
	tcase_add_test(tc, a_wait_ends_when_woken);
	tcase_add_test(tc, a_wait_woken_but_not_cancelled_sleeps_on);
	tcase_add_test(tc, connection_refused_retried_then_null);
	tcase_add_test(tc, plain_http_to_remote_refused_unsent);
	tcase_add_test(tc, body_size_cap);
	tcase_add_test(tc, rate_limit_spaces_requests);
	tcase_add_test(tc, backoff_doubles_up_to_the_cap);
	tcase_add_test(tc, jitter_stays_within_the_cap);
	tcase_add_test(tc, urlencoded_form_with_repeated_names);
	tcase_add_test(tc, multipart_form_with_repeated_names);
	tcase_add_test(tc, retry_429_resends_json_body);
	tcase_add_test(tc, retry_429_resends_urlencoded_form);
	tcase_add_test(tc, retry_429_resends_multipart_form);
	tcase_add_test(tc, secrets_substituted_and_masked);
	tcase_add_test(tc, mask_reply_fields_json_and_xml);
	tcase_add_test(tc, trace_masks_reply_bodies);
	tcase_add_test(tc, unknown_secret_not_sent);
	tcase_add_test(tc, substitute_and_escape);
	tcase_add_test(tc, header_injection_refused);
	tcase_add_test(tc, aws_sigv4_sorted_query_and_signature);
	tcase_add_test(tc, origins_normalised_by_curl);
	tcase_add_test(tc, credentials_only_to_url_key_origins);
	tcase_add_test(tc, credentials_refused_without_url_keys);
	tcase_add_test(tc, redirect_does_not_carry_credentials);
	tcase_add_test(tc, tls_verified_with_private_ca);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(http_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
