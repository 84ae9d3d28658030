/*
 * SigV4 verification for the aws fake: rebuild the canonical request from
 * what arrived (method, path as received, query sorted and re-encoded,
 * the signed headers, the payload hash), then the string to sign and the
 * derived key, exactly as AWS documents it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigv4_check.h"

/* ------------------------------------------------------------- SHA-256 */

struct sha256 {
	uint32_t h[8];
	unsigned char buf[64];
	size_t fill;
	uint64_t total;
};

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(struct sha256 *s, const unsigned char *p)
{
	uint32_t w[64], v[8];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 =
		    ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 =
		    ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, s->h, sizeof(v));
	for (int i = 0; i < 64; i++) {
		uint32_t S1 = ROR(v[4], 6) ^ ROR(v[4], 11) ^ ROR(v[4], 25);
		uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
		uint32_t t1 = v[7] + S1 + ch + K[i] + w[i];
		uint32_t S0 = ROR(v[0], 2) ^ ROR(v[0], 13) ^ ROR(v[0], 22);
		uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
		memmove(v + 1, v, 7 * sizeof(uint32_t));
		v[4] += t1;
		v[0] = t1 + S0 + maj;
	}
	for (int i = 0; i < 8; i++)
		s->h[i] += v[i];
}

static void sha_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
	                               0xa54ff53a, 0x510e527f, 0x9b05688c,
	                               0x1f83d9ab, 0x5be0cd19};
	memcpy(s->h, iv, sizeof(iv));
	s->fill = 0;
	s->total = 0;
}

static void sha_update(struct sha256 *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	s->total += len;
	while (len > 0) {
		size_t n = 64 - s->fill < len ? 64 - s->fill : len;
		memcpy(s->buf + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill == 64) {
			sha_block(s, s->buf);
			s->fill = 0;
		}
	}
}

static void sha_final(struct sha256 *s, unsigned char out[32])
{
	uint64_t bits = s->total * 8;
	unsigned char pad = 0x80, zero = 0, len[8];

	sha_update(s, &pad, 1);
	while (s->fill != 56)
		sha_update(s, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha_update(s, len, 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(s->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)s->h[i];
	}
}

void sv4_sha256(const void *data, size_t len, unsigned char out[32])
{
	struct sha256 s;

	sha_init(&s);
	sha_update(&s, data, len);
	sha_final(&s, out);
}

void sv4_hmac(const void *key, size_t klen, const void *msg, size_t mlen,
              unsigned char out[32])
{
	unsigned char k[64] = {0}, pad[64], inner[32];
	struct sha256 s;

	if (klen > 64)
		sv4_sha256(key, klen, k);
	else
		memcpy(k, key, klen);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sha_init(&s);
	sha_update(&s, pad, 64);
	sha_update(&s, msg, mlen);
	sha_final(&s, inner);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sha_init(&s);
	sha_update(&s, pad, 64);
	sha_update(&s, inner, 32);
	sha_final(&s, out);
}

void sv4_hex(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
	out[2 * n] = '\0';
}

int sv4_equal(const char *x, const char *y)
{
	size_t nx = strlen(x), ny = strlen(y);
	unsigned char diff = nx != ny;

	for (size_t i = 0; i < nx && i < ny; i++)
		diff |= (unsigned char)(x[i] ^ y[i]);
	return diff == 0;
}

/* ------------------------------------------------------ Authorization */

/* Copy the value after `key` up to one of `stops` into out. */
static int field(const char *h, const char *key, const char *stops, char *out,
                 size_t n)
{
	const char *p = strstr(h, key);
	size_t len;

	if (p == NULL)
		return -1;
	p += strlen(key);
	len = strcspn(p, stops);
	if (len == 0 || len >= n)
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

int sv4_parse_auth(const char *h, struct sv4_auth *out)
{
	char cred[256];
	char *parts[5], *save = NULL;
	int n = 0;

	memset(out, 0, sizeof(*out));
	if (h == NULL || strncmp(h, "AWS4-HMAC-SHA256 ", 17) != 0)
		return -1;
	if (field(h, "Credential=", ", ", cred, sizeof(cred)) ||
	    field(h, "SignedHeaders=", ", ", out->signed_headers,
	          sizeof(out->signed_headers)) ||
	    field(h, "Signature=", ", ", out->signature,
	          sizeof(out->signature)))
		return -1;
	for (char *t = strtok_r(cred, "/", &save); t != NULL && n < 5;
	     t = strtok_r(NULL, "/", &save))
		parts[n++] = t;
	if (n != 5 || strcmp(parts[4], "aws4_request") != 0 ||
	    strlen(parts[0]) >= sizeof(out->akid) || strlen(parts[1]) != 8 ||
	    strlen(parts[2]) >= sizeof(out->region) ||
	    strlen(parts[3]) >= sizeof(out->service) ||
	    strlen(out->signature) != 64)
		return -1;
	strcpy(out->akid, parts[0]);
	strcpy(out->date, parts[1]);
	strcpy(out->region, parts[2]);
	strcpy(out->service, parts[3]);
	return 0;
}

/* --------------------------------------------------- canonical request */

struct buf {
	char *p;
	size_t len, cap;
	int failed;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode %XX (and '+' kept literal, as AWS does for the query), then
 * encode per RFC 3986 with only A-Za-z0-9-_.~ unescaped. */
static void put_reencoded(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char enc[3];

		if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			c = (unsigned char)(hexval(s[i + 1]) * 16 +
			                    hexval(s[i + 2]));
			i += 2;
		}
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-_.~", c) != NULL) {
			put(b, (const char *)&c, 1);
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[c >> 4];
		enc[2] = hex[c & 15];
		put(b, enc, 3);
	}
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Each "k=v" re-encoded, then sorted, joined with '&'. */
static void put_query(struct buf *b, const char *query)
{
	char *items[256] = {0};
	size_t n = 0;
	const char *p = query;

	while (p != NULL && *p != '\0' && n < 256) {
		size_t len = strcspn(p, "&");
		const char *eq = memchr(p, '=', len);
		struct buf one = {0};
		size_t klen = eq != NULL ? (size_t)(eq - p) : len;

		if (len > 0) {
			put_reencoded(&one, p, klen);
			put(&one, "=", 1);
			if (eq != NULL)
				put_reencoded(&one, eq + 1, len - klen - 1);
			if (!one.failed && one.p != NULL)
				items[n++] = one.p;
			else
				free(one.p);
		}
		p += len;
		if (*p == '&')
			p++;
	}
	qsort(items, n, sizeof(*items), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			put(b, "&", 1);
		puts_(b, items[i]);
		free(items[i]);
	}
}

/* value trimmed, inner runs of spaces collapsed */
static void put_header_value(struct buf *b, const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < n; i++) {
		if ((v[i] == ' ' || v[i] == '\t') && i > 0 &&
		    (v[i - 1] == ' ' || v[i - 1] == '\t'))
			continue;
		put(b, v[i] == '\t' ? " " : v + i, 1);
	}
}

static int put_headers(struct buf *b, const struct sv4_auth *auth,
                       const struct sv4_input *in)
{
	char names[sizeof(auth->signed_headers)];
	char *save = NULL;

	strcpy(names, auth->signed_headers);
	for (char *h = strtok_r(names, ";", &save); h != NULL;
	     h = strtok_r(NULL, ";", &save)) {
		const char *v = in->header(in->ctx, h);
		if (v == NULL)
			return -1;
		puts_(b, h);
		put(b, ":", 1);
		put_header_value(b, v);
		put(b, "\n", 1);
	}
	return 0;
}

int sv4_signature(const char *secret, const struct sv4_auth *auth,
                  const struct sv4_input *in, char out[65])
{
	struct buf creq = {0}, sts = {0};
	unsigned char hash[32], k[32];
	char hex[65], *key;
	int rc = -1;

	if (in->amz_date == NULL || strlen(in->amz_date) != 16)
		return -1;
	puts_(&creq, in->method);
	put(&creq, "\n", 1);
	puts_(&creq, in->path);
	put(&creq, "\n", 1);
	put_query(&creq, in->query);
	put(&creq, "\n", 1);
	if (put_headers(&creq, auth, in) != 0)
		goto out;
	put(&creq, "\n", 1);
	puts_(&creq, auth->signed_headers);
	put(&creq, "\n", 1);
	sv4_sha256(in->body != NULL ? in->body : "", in->body_len, hash);
	sv4_hex(hash, 32, hex);
	puts_(&creq, hex);
	if (creq.failed)
		goto out;

	sv4_sha256(creq.p, creq.len, hash);
	sv4_hex(hash, 32, hex);
	puts_(&sts, "AWS4-HMAC-SHA256\n");
	puts_(&sts, in->amz_date);
	put(&sts, "\n", 1);
	puts_(&sts, auth->date);
	put(&sts, "/", 1);
	puts_(&sts, auth->region);
	put(&sts, "/", 1);
	puts_(&sts, auth->service);
	puts_(&sts, "/aws4_request\n");
	puts_(&sts, hex);
	if (sts.failed)
		goto out;

	if (asprintf(&key, "AWS4%s", secret) < 0)
		goto out;
	sv4_hmac(key, strlen(key), auth->date, strlen(auth->date), k);
	memset(key, 0, strlen(key));
	free(key);
	sv4_hmac(k, 32, auth->region, strlen(auth->region), k);
	sv4_hmac(k, 32, auth->service, strlen(auth->service), k);
	sv4_hmac(k, 32, "aws4_request", 12, k);
	sv4_hmac(k, 32, sts.p, sts.len, hash);
	sv4_hex(hash, 32, out);
	rc = 0;
out:
	free(creq.p);
	free(sts.p);
	return rc;
}
