/*
 * The frames between the core and a plugin process (core/proxy_wire.c)
 * and the host values on them (core/proxy_codec.c), over a real
 * socketpair: what goes in comes out, a plugin's short struct reads as
 * absent past its size, and a peer that sends garbage, a truncated or an
 * oversized frame, or nothing, is an error or a time-out, never a crash.
 */
#include <check.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "proxy_codec.h"
#include "proxy_wire.h"

static int fds[2];
static struct es_wire out, in;

static void setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
}

static void teardown(void)
{
	close(fds[0]);
	close(fds[1]);
	es_wire_free(&out);
	es_wire_free(&in);
}

/* Send `out` on one end, read it on the other. */
static void cross(void)
{
	ck_assert_int_eq(es_wire_send(fds[0], &out), 0);
	ck_assert_int_eq(es_wire_recv(fds[1], &in, 1000), 1);
}

START_TEST(fields_round_trip)
{
	static const char bin[] = {'a', '\0', 'b'};
	size_t n;

	es_wire_start(&out, ES_H_STATE_PUT);
	es_wire_str(&out, "domain_id");
	es_wire_str(&out, NULL);
	es_wire_str(&out, "");
	es_wire_bytes(&out, bin, sizeof(bin));
	es_wire_i64(&out, INT64_MIN);
	cross();
	ck_assert_int_eq(es_wire_op(&in), ES_H_STATE_PUT);
	ck_assert_str_eq(es_wire_get_str(&in), "domain_id");
	ck_assert_ptr_null(es_wire_get_str(&in));
	ck_assert_str_eq(es_wire_get_str(&in), "");
	ck_assert_mem_eq(es_wire_get_bytes(&in, &n), bin, sizeof(bin));
	ck_assert_uint_eq(n, sizeof(bin));
	ck_assert(es_wire_get_i64(&in) == INT64_MIN);
	ck_assert_int_eq(in.bad, 0);
	/* Reading past the last field is flagged, not a crash. */
	ck_assert_ptr_null(es_wire_get_str(&in));
	ck_assert_int_eq(in.bad, 1);
}
END_TEST

START_TEST(wrong_field_size_is_bad)
{
	es_wire_start(&out, ES_C_DONE);
	es_wire_str(&out, "not a number");
	cross();
	ck_assert(es_wire_get_i64(&in) == 0);
	ck_assert_int_eq(in.bad, 1);
}
END_TEST

START_TEST(time_out_and_end_of_file)
{
	ck_assert_int_eq(es_wire_recv(fds[1], &in, 50), 0);
	close(fds[0]);
	ck_assert_int_eq(es_wire_recv(fds[1], &in, 1000), -1);
	/* Sending to a closed peer fails; it raises no SIGPIPE. */
	es_wire_start(&out, ES_P_REPLY);
	ck_assert_int_eq(es_wire_send(fds[1], &out), -1);
	fds[0] = dup(fds[1]); /* for teardown */
}
END_TEST

START_TEST(garbage_frames_are_refused)
{
	uint32_t len = 0;

	/* An empty frame, an oversized one, and a truncated one. */
	ck_assert_int_eq(write(fds[0], &len, sizeof(len)), sizeof(len));
	ck_assert_int_eq(es_wire_recv(fds[1], &in, 1000), -1);
	len = ES_WIRE_MAX_FRAME + 1;
	ck_assert_int_eq(write(fds[0], &len, sizeof(len)), sizeof(len));
	ck_assert_int_eq(es_wire_recv(fds[1], &in, 1000), -1);
	len = 100;
	ck_assert_int_eq(write(fds[0], &len, sizeof(len)), sizeof(len));
	ck_assert_int_eq(write(fds[0], "xyz", 3), 3);
	close(fds[0]);
	ck_assert_int_eq(es_wire_recv(fds[1], &in, 1000), -1);
	fds[0] = dup(fds[1]);
}
END_TEST

START_TEST(field_length_past_the_frame_is_bad)
{
	uint32_t huge = 1000;

	es_wire_start(&out, ES_H_LOG);
	es_wire_i64(&out, 2);
	/* A field that claims more bytes than the frame holds. */
	es_wire_bytes(&out, &huge, sizeof(huge));
	out.len -= sizeof(huge) + 1 + sizeof(uint32_t);
	memcpy(out.buf + out.len, &huge, sizeof(huge));
	out.len += sizeof(huge);
	cross();
	es_wire_get_i64(&in);
	ck_assert_ptr_null(es_wire_get_str(&in));
	ck_assert_int_eq(in.bad, 1);
}
END_TEST

START_TEST(http_request_round_trip)
{
	static const struct es_http_header headers[] = {{"Accept", "a/b"},
	                                                {"X-Id", "7"}};
	static const struct es_http_header form[] = {{"name", "x"}};
	static const char *const fields[] = {"SessionToken", NULL};
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = "POST",
	    .url = "https://api.example/v1?q={{secret:token}}",
	    .headers = headers,
	    .n_headers = 2,
	    .body = "{\"a\":1}",
	    .body_len = 7,
	    .content_type = "application/json",
	    .form_kind = ES_FORM_URLENCODED,
	    .form = form,
	    .n_form = 1,
	    .basic_user = "u",
	    .mutating = 1,
	    .intent = "create x",
	    .timeout_ms = 1234,
	    .secret_fields = fields,
	};
	struct es_wire_http_request got;

	es_wire_start(&out, ES_H_HTTP);
	es_wire_put_http_request(&out, &req);
	cross();
	ck_assert_int_eq(es_wire_get_http_request(&in, &got), 0);
	ck_assert_uint_eq(got.req.struct_size, sizeof(req));
	ck_assert_str_eq(got.req.method, "POST");
	ck_assert_str_eq(got.req.url, req.url);
	ck_assert_uint_eq(got.req.n_headers, 2);
	ck_assert_str_eq(got.req.headers[1].name, "X-Id");
	ck_assert_str_eq(got.req.headers[1].value, "7");
	ck_assert_uint_eq(got.req.body_len, 7);
	ck_assert_str_eq(got.req.body, "{\"a\":1}");
	ck_assert_int_eq(got.req.form_kind, ES_FORM_URLENCODED);
	ck_assert_str_eq(got.req.form[0].value, "x");
	ck_assert_str_eq(got.req.basic_user, "u");
	ck_assert_ptr_null(got.req.basic_password);
	ck_assert_ptr_null(got.req.aws_sigv4);
	ck_assert_int_eq(got.req.mutating, 1);
	ck_assert_str_eq(got.req.intent, "create x");
	ck_assert_uint_eq(got.req.timeout_ms, 1234);
	ck_assert_str_eq(got.req.secret_fields[0], "SessionToken");
	ck_assert_ptr_null(got.req.secret_fields[1]);
	es_wire_http_request_release(&got);
}
END_TEST

START_TEST(short_request_reads_absent_past_its_size)
{
	struct es_http_request req = {
	    .struct_size = offsetof(struct es_http_request, secret_fields),
	    .method = "GET",
	    .url = "https://api.example/",
	};
	struct es_wire_http_request got;

	/* What lies past a plugin's struct_size is not its memory. */
	req.secret_fields = (const char *const *)(uintptr_t)0x1;
	es_wire_start(&out, ES_H_HTTP);
	es_wire_put_http_request(&out, &req);
	cross();
	ck_assert_int_eq(es_wire_get_http_request(&in, &got), 0);
	ck_assert_uint_eq(got.req.struct_size, req.struct_size);
	ck_assert_ptr_null(got.req.secret_fields);
	es_wire_http_request_release(&got);
	/* A NULL request stays NULL, for the core to refuse. */
	es_wire_start(&out, ES_H_HTTP);
	es_wire_put_http_request(&out, NULL);
	cross();
	ck_assert_int_eq(es_wire_get_http_request(&in, &got), 0);
	ck_assert_uint_eq(got.req.struct_size, 0);
	es_wire_http_request_release(&got);
}
END_TEST

START_TEST(http_response_round_trip)
{
	es_http_response *r = es_http_response_new(409, "{\"e\":1}", 7), *got;
	size_t len;

	ck_assert_int_eq(es_http_response_add_header(r, "Retry-After", "3"), 0);
	ck_assert_int_eq(es_http_response_add_header(r, "X-A", "b"), 0);
	es_wire_start(&out, ES_P_REPLY);
	es_wire_put_http_response(&out, r);
	cross();
	got = es_wire_get_http_response(&in);
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(es_http_response_status(got), 409);
	ck_assert_str_eq(es_http_response_body(got, &len), "{\"e\":1}");
	ck_assert_uint_eq(len, 7);
	ck_assert_str_eq(es_http_response_header(got, "retry-after"), "3");
	ck_assert_str_eq(es_http_response_header(got, "X-A"), "b");
	es_http_response_free(got);
	es_http_response_free(r);
	/* "No answer" stays NULL. */
	es_wire_start(&out, ES_P_REPLY);
	es_wire_put_http_response(&out, NULL);
	cross();
	ck_assert_ptr_null(es_wire_get_http_response(&in));
}
END_TEST

START_TEST(mail_and_template_round_trip)
{
	struct es_mail_server s = {.struct_size = sizeof(s),
	                           .host = "smtp.example",
	                           .port = 587,
	                           .security = ES_MAIL_STARTTLS,
	                           .password = "{{secret:password}}"};
	struct es_mail_message m = {.struct_size = sizeof(m),
	                            .from = "a@example",
	                            .to = "b@example",
	                            .subject = "Hi",
	                            .text = "line\n"};
	static const char *const vars[] = {"name", "url", NULL};
	struct es_template t = {.struct_size = sizeof(t),
	                        .name = "welcome",
	                        .subject = "Hi {{name}}",
	                        .html = "<p>{{url}}</p>",
	                        .variables = vars,
	                        .n_variables = 2,
	                        .digest = "abc"};
	struct es_mail_server gs;
	struct es_mail_message gm;
	struct es_template *gt;
	int has_msg;

	es_wire_start(&out, ES_H_MAIL_SEND);
	es_wire_put_mail(&out, &s, &m);
	cross();
	es_wire_get_mail(&in, &gs, &gm, &has_msg);
	ck_assert_int_eq(in.bad, 0);
	ck_assert_int_eq(has_msg, 1);
	ck_assert_str_eq(gs.host, "smtp.example");
	ck_assert_uint_eq(gs.port, 587);
	ck_assert_ptr_null(gs.username);
	ck_assert_str_eq(gs.password, "{{secret:password}}");
	ck_assert_str_eq(gm.text, "line\n");
	ck_assert_ptr_null(gm.intent);

	es_wire_start(&out, ES_P_REPLY);
	es_wire_put_template(&out, &t);
	cross();
	gt = es_wire_get_template(&in);
	ck_assert_ptr_nonnull(gt);
	ck_assert_str_eq(gt->name, "welcome");
	ck_assert_ptr_null(gt->text);
	ck_assert_uint_eq(gt->n_variables, 2);
	ck_assert_str_eq(gt->variables[1], "url");
	ck_assert_ptr_null(gt->variables[2]);
	es_wire_template_free(gt);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("proxy_wire");
	TCase *tc = tcase_create("wire");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fields_round_trip);
	tcase_add_test(tc, wrong_field_size_is_bad);
	tcase_add_test(tc, time_out_and_end_of_file);
	tcase_add_test(tc, garbage_frames_are_refused);
	tcase_add_test(tc, field_length_past_the_frame_is_bad);
	tcase_add_test(tc, http_request_round_trip);
	tcase_add_test(tc, short_request_reads_absent_past_its_size);
	tcase_add_test(tc, http_response_round_trip);
	tcase_add_test(tc, mail_and_template_round_trip);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
