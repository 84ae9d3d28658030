/*
 * The sandbox's SigV4 verifier (tests/sandbox/sigv4_check.c), which the
 * aws fake trusts to accept exactly what AWS would: SHA-256 and HMAC test
 * vectors, and signatures from AWS's published SigV4 test suite.
 */
#include <check.h>
#include <string.h>
#include <strings.h>

#include "../sandbox/sigv4_check.c"

static const char secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

static const char *headers(void *ctx, const char *name)
{
	const char *const *h = ctx;

	for (; *h != NULL; h += 2)
		if (strcasecmp(h[0], name) == 0)
			return h[1];
	return NULL;
}

START_TEST(sha256_and_hmac_vectors)
{
	unsigned char d[32];
	char hex[65];

	sv4_sha256("abc", 3, d);
	sv4_hex(d, 32, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	                      "b00361a396177a9cb410ff61f20015ad");
	sv4_sha256("", 0, d);
	sv4_hex(d, 32, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	                      "27ae41e4649b934ca495991b7852b855");
	/* 56 bytes: padding spills into a second block. */
	sv4_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	           56, d);
	sv4_hex(d, 32, hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039"
	                      "a33ce45964ff2167f6ecedd419db06c1");
	/* RFC 4231 test case 2. */
	sv4_hmac("Jefe", 4, "what do ya want for nothing?", 28, d);
	sv4_hex(d, 32, hex);
	ck_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c7"
	                      "5a003f089d2739839dec58b964ec3843");
}
END_TEST

static void sign(const char *auth_header, const char *method, const char *query,
                 const char **hdrs, const char *body, char out[65],
                 struct sv4_auth *a)
{
	struct sv4_input in = {
	    .method = method,
	    .path = "/",
	    .query = query,
	    .body = body,
	    .body_len = strlen(body),
	    .amz_date = "20150830T123600Z",
	    .header = headers,
	    .ctx = (void *)hdrs,
	};

	ck_assert_int_eq(sv4_parse_auth(auth_header, a), 0);
	ck_assert_int_eq(sv4_signature(secret, a, &in, out), 0);
}

START_TEST(aws_test_suite)
{
	const char *h[] = {"host", "example.amazonaws.com", "x-amz-date",
	                   "20150830T123600Z", NULL};
	struct sv4_auth a;
	char sig[65];

	/* get-vanilla */
	sign("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
	     "service/aws4_request, SignedHeaders=host;x-amz-date, Signature="
	     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	     "GET", "", h, "", sig, &a);
	ck_assert_str_eq(sig, a.signature);
	ck_assert_str_eq(a.akid, "AKIDEXAMPLE");
	ck_assert_str_eq(a.service, "service");
	/* get-vanilla-query-order-key: the verifier sorts the query. */
	sign("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
	     "service/aws4_request, SignedHeaders=host;x-amz-date, Signature="
	     "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
	     "GET", "Param2=value2&Param1=value1", h, "", sig, &a);
	ck_assert_str_eq(sig, a.signature);
	/* A changed body no longer matches. */
	sign("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
	     "service/aws4_request, SignedHeaders=host;x-amz-date, Signature="
	     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	     "GET", "", h, "x", sig, &a);
	ck_assert(!sv4_equal(sig, a.signature));
}
END_TEST

START_TEST(malformed_authorization)
{
	struct sv4_auth a;
	const char *h[] = {"host", "x", NULL};
	struct sv4_input in = {.method = "GET",
	                       .path = "/",
	                       .query = "",
	                       .body = "",
	                       .amz_date = "20150830T123600Z",
	                       .header = headers,
	                       .ctx = (void *)h};
	char sig[65];

	ck_assert_int_ne(sv4_parse_auth(NULL, &a), 0);
	ck_assert_int_ne(sv4_parse_auth("Basic abc", &a), 0);
	ck_assert_int_ne(sv4_parse_auth("AWS4-HMAC-SHA256 Credential=A/B", &a),
	                 0);
	ck_assert_int_ne(
	    sv4_parse_auth("AWS4-HMAC-SHA256 Credential=AK/2015083"
	                   "0/r/s/aws4_request, SignedHeaders=host,"
	                   " Signature=abc",
	                   &a),
	    0);
	/* A signed header that did not arrive fails the check. */
	ck_assert_int_eq(
	    sv4_parse_auth("AWS4-HMAC-SHA256 Credential=AK/20150830"
	                   "/r/s/aws4_request, SignedHeaders=host;"
	                   "x-amz-date, Signature=5fa00fa31553b73e"
	                   "bf1942676e86291e8372ff2a2260956d9b8aae"
	                   "1d763fbf31",
	                   &a),
	    0);
	ck_assert_int_ne(sv4_signature(secret, &a, &in, sig), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("aws_sigv4");
	TCase *tc = tcase_create("sigv4");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, sha256_and_hmac_vectors);
	tcase_add_test(tc, aws_test_suite);
	tcase_add_test(tc, malformed_authorization);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
