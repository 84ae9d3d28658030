/*
 * AWS Signature Version 4, recomputed on the receiving side, for the aws
 * fake. Self-contained (SHA-256 and HMAC per FIPS 180-4 / RFC 2104), so
 * the sandbox links no crypto library.
 */
#ifndef ENVSETUP_SANDBOX_SIGV4_CHECK_H
#define ENVSETUP_SANDBOX_SIGV4_CHECK_H

#include <stddef.h>

void sv4_sha256(const void *data, size_t len, unsigned char out[32]);
void sv4_hmac(const void *key, size_t klen, const void *msg, size_t mlen,
              unsigned char out[32]);
/* Lower-case hex of `n` bytes into out (2n+1 bytes). */
void sv4_hex(const unsigned char *in, size_t n, char *out);

/* "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
 *  SignedHeaders=a;b, Signature=hex" */
struct sv4_auth {
	char akid[129];
	char date[9];
	char region[33];
	char service[33];
	char signed_headers[1024];
	char signature[65];
};

/* 0 when `header` is a well-formed SigV4 Authorization value. */
int sv4_parse_auth(const char *header, struct sv4_auth *out);

/* Header value by lower-case name (nullable). */
typedef const char *(*sv4_header_fn)(void *ctx, const char *name);

struct sv4_input {
	const char *method;
	const char *path;  /* as received, e.g. "/aws/iam/" */
	const char *query; /* raw, without '?' ("" when none) */
	const char *body;
	size_t body_len;
	const char *amz_date; /* X-Amz-Date, "20150830T123600Z" */
	sv4_header_fn header;
	void *ctx;
};

/*
 * The signature `secret` gives `in` under `auth`'s scope and signed
 * headers, as lower-case hex into out[65]. -1 when a signed header is
 * missing or an input is malformed.
 */
int sv4_signature(const char *secret, const struct sv4_auth *auth,
                  const struct sv4_input *in, char out[65]);

/* Constant-time comparison of two NUL-terminated strings. */
int sv4_equal(const char *x, const char *y);

#endif
