/*
 * The mail service (core/mail*.c) against real SMTP servers on loopback:
 * tests/support/smtp_server.py (aiosmtpd) with a private CA this test
 * makes (tests/support/smtp_test_ca.sh), started once for the process:
 * STARTTLS with AUTH, implicit TLS with AUTH, and STARTTLS without AUTH.
 * Each server reports its port through a fifo, so nothing waits on time.
 */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mail.h"

#define PASSWORD "pw-Zq7!sm+tp/secret"
/* base64 of "\0mailer\0" PASSWORD: what AUTH PLAIN carries. */
#define PLAIN_B64 "AG1haWxlcgBwdy1acTchc20rdHAvc2VjcmV0"

struct smtp_server {
	pid_t pid;
	unsigned port;
	char dir[512];
};

static char work[256], support[256];
static struct smtp_server starttls, implicit, noauth;

/* ---- what the hooks saw ----------------------------------------------- */

static char errors[8][1024], logs[64][512];
static size_t n_errors, n_logs, intents, intent_ends, refusals;
static int cancelled;
static long intent_status;
static const char *allowed_host = "127.0.0.1";
static unsigned allowed_port;

static const char *h_secret(void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, "password") == 0 ? PASSWORD : NULL;
}

static void h_error(void *ctx, const char *msg)
{
	(void)ctx;
	if (n_errors < 8)
		snprintf(errors[n_errors++], sizeof(errors[0]), "%s", msg);
}

static void h_log(void *ctx, enum es_log_level level, const char *msg)
{
	(void)ctx;
	(void)level;
	if (n_logs < 64)
		snprintf(logs[n_logs++], sizeof(logs[0]), "%s", msg);
}

static uint64_t h_intent_begin(void *ctx, const char *method, const char *url,
                               const char *intent)
{
	(void)ctx;
	(void)method;
	(void)url;
	(void)intent;
	return ++intents;
}

static void h_intent_end(void *ctx, uint64_t id, long status)
{
	(void)ctx;
	(void)id;
	intent_ends++;
	intent_status = status;
}

static void h_refused(void *ctx)
{
	(void)ctx;
	refusals++;
}

static int h_cancelled(void *ctx)
{
	(void)ctx;
	return cancelled;
}

static const char *h_host_key(void *ctx, size_t i, const char **name)
{
	(void)ctx;
	*name = "host";
	return i == 0 ? allowed_host : NULL;
}

static int h_port_key(void *ctx, int64_t port)
{
	(void)ctx;
	return port == (int64_t)allowed_port;
}

static const struct es_http_hooks http_hooks = {
    .secret = h_secret,
    .intent_begin = h_intent_begin,
    .intent_end = h_intent_end,
    .log = h_log,
    .error = h_error,
    .refused = h_refused,
    .cancelled = h_cancelled,
};
static const struct es_mail_hooks hooks = {
    .http = &http_hooks, .host_key = h_host_key, .port_key = h_port_key};

static char ca[600], other_ca[600];

static void reset(unsigned port)
{
	n_errors = n_logs = intents = intent_ends = refusals = 0;
	cancelled = 0;
	intent_status = -1;
	allowed_host = "127.0.0.1";
	allowed_port = port;
}

static struct es_mail_server server_at(unsigned port, enum es_mail_security sec)
{
	struct es_mail_server s = {.struct_size = sizeof(s),
	                           .host = "127.0.0.1",
	                           .port = port,
	                           .security = sec,
	                           .username = "mailer",
	                           .password = "{{secret:password}}",
	                           .timeout_ms = 20000};
	return s;
}

static enum es_mail_result run(const struct es_mail_server *s,
                               const struct es_mail_message *msg,
                               const char *ca_file, int trace)
{
	struct es_mail_settings set = {
	    .plugin = "smtp", .ca_file = ca_file, .trace = trace};

	return es_mail_perform(&set, s, msg, &hooks);
}

/* ---- the servers ------------------------------------------------------ */

static size_t lines_in(const struct smtp_server *srv, const char *file,
                       const char *prefix)
{
	char path[700], line[512];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", srv->dir, file);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	if (f)
		fclose(f);
	return n;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, 65536);

	if (f && buf)
		buf[fread(buf, 1, 65535, f)] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static void start(struct smtp_server *srv, const char *name, const char *flag)
{
	char fifo[600], cert[600], key[600], pw[600], script[600];
	FILE *f;

	snprintf(srv->dir, sizeof(srv->dir), "%s/%s", work, name);
	mkdir(srv->dir, 0700);
	snprintf(fifo, sizeof(fifo), "%s/ready", srv->dir);
	snprintf(cert, sizeof(cert), "%s/certs/server.pem", work);
	snprintf(key, sizeof(key), "%s/certs/server.key", work);
	snprintf(pw, sizeof(pw), "%s/password", work);
	snprintf(script, sizeof(script), "%s/smtp_server.sh", support);
	if (mkfifo(fifo, 0600) != 0)
		abort();
	srv->pid = fork();
	if (srv->pid == 0) {
		char log[600];
		int fd;

		/* Its tracebacks (a client that refused its certificate) go
		 * to a file beside its mail, not into the test's output. */
		snprintf(log, sizeof(log), "%s/server.log", srv->dir);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl("/bin/bash", "bash", script, "--dir", srv->dir, "--cert",
		      cert, "--key", key, "--user", "mailer", "--password-file",
		      pw, "--ready", fifo, flag, (char *)NULL);
		_exit(127);
	}
	/* Blocks until the server has its socket listening. */
	f = fopen(fifo, "r");
	if (!f || fscanf(f, "%u", &srv->port) != 1) {
		fprintf(stderr, "test_mail: the %s SMTP server did not start\n",
		        name);
		exit(1);
	}
	fclose(f);
}

static void stop(struct smtp_server *srv)
{
	if (srv->pid > 0) {
		kill(srv->pid, SIGTERM);
		waitpid(srv->pid, NULL, 0);
	}
}

static void make_world(void)
{
	const char *data = getenv("ES_TEST_DATA");
	const char *tmp = getenv("TMPDIR");
	char cmd[1400];
	FILE *f;

	snprintf(support, sizeof(support), "%s/../support",
	         data ? data : "tests/data");
	snprintf(work, sizeof(work), "%s/test_mail.XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(work))
		abort();
	snprintf(cmd, sizeof(cmd), "bash '%s/smtp_test_ca.sh' '%s/certs'",
	         support, work);
	if (system(cmd) != 0)
		abort();
	snprintf(ca, sizeof(ca), "%s/certs/ca.pem", work);
	snprintf(other_ca, sizeof(other_ca), "%s/certs/other-ca.pem", work);
	snprintf(cmd, sizeof(cmd), "%s/password", work);
	f = fopen(cmd, "w");
	if (!f)
		abort();
	fputs(PASSWORD "\n", f);
	fclose(f);
	start(&starttls, "starttls", "--relay-domain=example.test");
	start(&implicit, "implicit", "--tls");
	start(&noauth, "noauth", "--no-auth");
}

/* A port nothing listens on: bound by us, then closed. */
static unsigned free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		abort();
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* ---- the login check -------------------------------------------------- */

START_TEST(login_accepted_after_auth)
{
	struct es_mail_server s = server_at(starttls.port, ES_MAIL_STARTTLS);
	size_t before = lines_in(&starttls, "auth.log", "ok mailer");

	reset(starttls.port);
	ck_assert_int_eq(run(&s, NULL, ca, 0), ES_MAIL_OK);
	ck_assert_uint_eq(n_errors, 0);
	/* The server saw the login: AUTH happened, not only a NOOP. */
	ck_assert_uint_eq(lines_in(&starttls, "auth.log", "ok mailer"),
	                  before + 1);
	ck_assert_uint_eq(intents, 0); /* a check journals nothing */
}
END_TEST

START_TEST(wrong_password_is_535)
{
	struct es_mail_server s = server_at(starttls.port, ES_MAIL_STARTTLS);

	s.password = "wrong-password";
	reset(starttls.port);
	ck_assert_int_eq(run(&s, NULL, ca, 0), ES_MAIL_AUTH_FAILED);
	ck_assert_uint_eq(n_errors, 1);
	ck_assert_ptr_nonnull(strstr(errors[0], "login refused: 535"));
	ck_assert_ptr_nonnull(strstr(errors[0], "smtp 127.0.0.1:"));
}
END_TEST

START_TEST(wrong_ca_fails_before_auth)
{
	struct es_mail_server s = server_at(starttls.port, ES_MAIL_STARTTLS);
	size_t before = lines_in(&starttls, "auth.log", "");

	reset(starttls.port);
	ck_assert_int_eq(run(&s, NULL, other_ca, 0), ES_MAIL_TLS_FAILED);
	ck_assert_ptr_nonnull(strstr(errors[0], "TLS failed"));
	/* The system's CAs do not know the private one either. */
	reset(starttls.port);
	ck_assert_int_eq(run(&s, NULL, NULL, 0), ES_MAIL_TLS_FAILED);
	ck_assert_uint_eq(lines_in(&starttls, "auth.log", ""), before);
}
END_TEST

START_TEST(connection_refused)
{
	unsigned port = free_port();
	struct es_mail_server s = server_at(port, ES_MAIL_STARTTLS);

	reset(port);
	ck_assert_int_eq(run(&s, NULL, ca, 0), ES_MAIL_REFUSED);
	ck_assert_ptr_nonnull(strstr(errors[0], "cannot connect"));
}
END_TEST

START_TEST(implicit_tls)
{
	struct es_mail_server s = server_at(implicit.port, ES_MAIL_TLS);

	reset(implicit.port);
	ck_assert_int_eq(run(&s, NULL, ca, 0), ES_MAIL_OK);
	ck_assert_uint_eq(lines_in(&implicit, "auth.log", "ok mailer"), 1);
	/* The same server reached with the wrong CA. */
	reset(implicit.port);
	ck_assert_int_eq(run(&s, NULL, other_ca, 0), ES_MAIL_TLS_FAILED);
}
END_TEST

START_TEST(no_auth_offered_is_not_a_login)
{
	struct es_mail_server s = server_at(noauth.port, ES_MAIL_STARTTLS);

	reset(noauth.port);
	ck_assert_int_eq(run(&s, NULL, ca, 0), ES_MAIL_AUTH_FAILED);
	ck_assert_msg(strstr(errors[0], "offered no AUTH"), "%s", errors[0]);
}
END_TEST

START_TEST(timeout_when_the_server_never_greets)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct es_mail_server s;

	/* Listening, never accepting: the kernel completes the connect and
	 * no greeting ever comes. */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	s = server_at(ntohs(a.sin_port), ES_MAIL_STARTTLS);
	s.timeout_ms = 300;
	reset(ntohs(a.sin_port));
	ck_assert_int_eq(run(&s, NULL, ca, 0), ES_MAIL_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(errors[0], "no answer within 300 ms"));
	/* The operator's interrupt does not wait for the timeout. */
	s.timeout_ms = 600000;
	reset(ntohs(a.sin_port));
	cancelled = 1;
	ck_assert_int_eq(run(&s, NULL, ca, 0), ES_MAIL_FAILED);
	ck_assert_ptr_nonnull(strstr(errors[0], "cancelled by the operator"));
	close(fd);
}
END_TEST

/* ---- the credentials rule and bad input -------------------------------- */

START_TEST(credentials_only_to_the_configured_server)
{
	struct es_mail_server s = server_at(starttls.port, ES_MAIL_STARTTLS);
	size_t before = lines_in(&starttls, "auth.log", "");

	reset(starttls.port);
	allowed_host = "smtp.acme.example";
	ck_assert_int_eq(run(&s, NULL, ca, 0), ES_MAIL_NOT_SENT);
	ck_assert_uint_eq(refusals, 1);
	ck_assert_ptr_nonnull(strstr(errors[0], "refusing to send password"));
	ck_assert_ptr_nonnull(strstr(errors[0], "host = smtp.acme.example"));

	reset(starttls.port);
	allowed_port = starttls.port + 1;
	ck_assert_int_eq(run(&s, NULL, ca, 0), ES_MAIL_NOT_SENT);
	ck_assert_ptr_nonnull(strstr(errors[0], "not the port of any port"));
	ck_assert_uint_eq(lines_in(&starttls, "auth.log", ""), before);
}
END_TEST

START_TEST(bad_input_is_refused_unsent)
{
	struct es_mail_server s = server_at(starttls.port, ES_MAIL_STARTTLS);
	struct es_mail_message msg = {.struct_size = sizeof(msg),
	                              .from = "ops@example.test",
	                              .to = "test@example.test",
	                              .subject = "hi\r\nBcc: x@evil.test",
	                              .text = "x"};

	reset(starttls.port);
	ck_assert_int_eq(run(&s, &msg, ca, 0), ES_MAIL_NOT_SENT);
	ck_assert_ptr_nonnull(strstr(errors[0], "bad subject"));
	msg.subject = "hi";
	msg.to = "<x@example.test>\r\nRCPT TO:<y@evil.test>";
	ck_assert_int_eq(run(&s, &msg, ca, 0), ES_MAIL_NOT_SENT);
	s.host = "127.0.0.1/x";
	ck_assert_int_eq(run(&s, NULL, ca, 0), ES_MAIL_NOT_SENT);
	s = server_at(starttls.port, ES_MAIL_STARTTLS);
	s.password = "{{secret:nope}}";
	reset(starttls.port);
	ck_assert_int_eq(run(&s, NULL, ca, 0), ES_MAIL_NOT_SENT);
	ck_assert_ptr_nonnull(strstr(errors[0], "unknown secret \"nope\""));
	ck_assert_uint_eq(intents, 0);
}
END_TEST

/* ---- sending ---------------------------------------------------------- */

START_TEST(message_arrives_once)
{
	struct es_mail_server s = server_at(starttls.port, ES_MAIL_STARTTLS);
	struct es_mail_message msg = {.struct_size = sizeof(msg),
	                              .from = "ops@example.test",
	                              .to = "test@example.test",
	                              .subject = "envsetup test",
	                              .text = "line one\n.\nline three",
	                              .intent = "send the test message"};
	size_t before = lines_in(&starttls, "received.log", "");
	char path[700], *mail;

	reset(starttls.port);
	ck_assert_int_eq(run(&s, &msg, ca, 0), ES_MAIL_OK);
	ck_assert_uint_eq(lines_in(&starttls, "received.log",
	                           "ops@example.test -> test@example.test"),
	                  1);
	ck_assert_uint_eq(lines_in(&starttls, "received.log", ""), before + 1);
	ck_assert_uint_eq(intents, 1); /* journaled */
	ck_assert_uint_eq(intent_ends, 1);
	ck_assert_int_eq(intent_status, 250);
	snprintf(path, sizeof(path), "%s/mail-%zu.eml", starttls.dir,
	         before + 1);
	mail = read_file(path);
	ck_assert_ptr_nonnull(strstr(mail, "Subject: envsetup test\r\n"));
	ck_assert_ptr_nonnull(strstr(mail, "To: test@example.test\r\n"));
	/* A lone dot is stuffed on the wire and arrives as it was. */
	ck_assert_ptr_nonnull(strstr(mail, "line one\r\n.\r\nline three"));
	free(mail);
}
END_TEST

START_TEST(relay_denied_is_rejected)
{
	struct es_mail_server s = server_at(starttls.port, ES_MAIL_STARTTLS);
	struct es_mail_message msg = {.struct_size = sizeof(msg),
	                              .from = "ops@example.test",
	                              .to = "someone@elsewhere.test",
	                              .subject = "x",
	                              .text = "x"};
	size_t before = lines_in(&starttls, "received.log", "");

	reset(starttls.port);
	ck_assert_int_eq(run(&s, &msg, ca, 0), ES_MAIL_REJECTED);
	ck_assert_ptr_nonnull(strstr(errors[0], "the recipient (RCPT TO)"));
	ck_assert_ptr_nonnull(strstr(errors[0], "550 5.7.1 Relaying denied"));
	ck_assert_uint_eq(lines_in(&starttls, "received.log", ""), before);
}
END_TEST

START_TEST(trace_never_shows_the_login)
{
	struct es_mail_server s = server_at(starttls.port, ES_MAIL_STARTTLS);
	int saw_auth = 0;

	reset(starttls.port);
	ck_assert_int_eq(run(&s, NULL, ca, 1), ES_MAIL_OK);
	ck_assert_uint_gt(n_logs, 3);
	for (size_t i = 0; i < n_logs; i++) {
		ck_assert_ptr_null(strstr(logs[i], PASSWORD));
		ck_assert_ptr_null(strstr(logs[i], PLAIN_B64));
		saw_auth |= strcmp(logs[i], "SMTP > AUTH PLAIN") == 0;
	}
	ck_assert_int_eq(saw_auth, 1);
	/* A wrong password is masked the same way. */
	s.password = "{{secret:password}}-not";
	reset(starttls.port);
	ck_assert_int_eq(run(&s, NULL, ca, 1), ES_MAIL_AUTH_FAILED);
	for (size_t i = 0; i < n_logs; i++)
		ck_assert_ptr_null(strstr(logs[i], PASSWORD));
	for (size_t i = 0; i < n_errors; i++)
		ck_assert_ptr_null(strstr(errors[i], PASSWORD));
}
END_TEST

int main(void)
{
	Suite *su = suite_create("mail");
	TCase *tc = tcase_create("smtp");
	SRunner *sr;
	int failed;

	es_http_global_init();
	make_world();
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, login_accepted_after_auth);
	tcase_add_test(tc, wrong_password_is_535);
	tcase_add_test(tc, wrong_ca_fails_before_auth);
	tcase_add_test(tc, connection_refused);
	tcase_add_test(tc, implicit_tls);
	tcase_add_test(tc, no_auth_offered_is_not_a_login);
	tcase_add_test(tc, timeout_when_the_server_never_greets);
	tcase_add_test(tc, credentials_only_to_the_configured_server);
	tcase_add_test(tc, bad_input_is_refused_unsent);
	tcase_add_test(tc, message_arrives_once);
	tcase_add_test(tc, relay_denied_is_rejected);
	tcase_add_test(tc, trace_never_shows_the_login);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	/* One process: the servers and what they logged are shared. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	stop(&starttls);
	stop(&implicit);
	stop(&noauth);
	es_http_global_cleanup();
	if (!failed) { /* kept on failure, to read the servers' logs */
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
		if (system(cmd) != 0)
			failed = 1;
	}
	return failed != 0;
}
