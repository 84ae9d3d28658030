/*
 * The GoDaddy fake's test CA (see fake_godaddy_ca.h). The CA key lives
 * only in this process: every sandbox run has a different, untrusted CA.
 * Handlers run one at a time under the server's lock, so the lazily made
 * CA needs no locking of its own.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "fake_godaddy_ca.h"

#define CA_NAME "envsetup sandbox test CA"
#define CA_YEARS 10

static struct {
	EVP_PKEY *key;
	X509 *cert;
	char *pem;
	uint64_t next_serial; /* random start, then one per certificate */
} ca;

static void ca_free(void)
{
	EVP_PKEY_free(ca.key);
	X509_free(ca.cert);
	free(ca.pem);
	memset(&ca, 0, sizeof(ca));
}

static X509_REQ *csr_parse(const char *pem)
{
	BIO *bio = pem ? BIO_new_mem_buf(pem, -1) : NULL;
	X509_REQ *req =
	    bio ? PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	return req;
}

static int csr_verifies(X509_REQ *req)
{
	EVP_PKEY *pub = req ? X509_REQ_get0_pubkey(req) : NULL;

	return pub && X509_REQ_verify(req, pub) == 1;
}

int gdca_csr_valid(const char *pem)
{
	X509_REQ *req = csr_parse(pem);
	int ok = csr_verifies(req);

	X509_REQ_free(req);
	/* A rejected CSR is an answer, not an error to keep queued. */
	ERR_clear_error();
	return ok;
}

/* `now` plus `years` calendar years, in UTC. */
static time_t years_after(time_t now, int years)
{
	struct tm tm;

	gmtime_r(&now, &tm);
	tm.tm_year += years;
	return timegm(&tm);
}

/* Sets the next serial: unique for the life of this process. */
static int set_serial(X509 *x, char *dec, size_t len)
{
	BIGNUM *bn = BN_new();
	ASN1_INTEGER *serial = NULL;
	char *text = NULL;
	int ok;

	ok = bn && BN_set_word(bn, (BN_ULONG)ca.next_serial++) &&
	     (serial = BN_to_ASN1_INTEGER(bn, NULL)) &&
	     X509_set_serialNumber(x, serial) && (text = BN_bn2dec(bn)) &&
	     (!dec || strlen(text) < len);
	if (ok && dec)
		memcpy(dec, text, strlen(text) + 1);
	OPENSSL_free(text);
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	return ok ? 0 : -1;
}

static int set_cn(X509_NAME *name, const char *cn)
{
	return X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	                                  (const unsigned char *)cn, -1, -1, 0)
	           ? 0
	           : -1;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok = ext && X509_add_ext(x, ext, -1);

	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* Version, serial, validity and issuer: what every certificate here has. */
static int cert_frame(X509 *x, time_t from, time_t until, char *serial,
                      size_t len)
{
	if (!X509_set_version(x, 2) || set_serial(x, serial, len) ||
	    !ASN1_TIME_set(X509_getm_notBefore(x), from) ||
	    !ASN1_TIME_set(X509_getm_notAfter(x), until))
		return -1;
	return 0;
}

static int ca_make(void)
{
	time_t now = time(NULL);
	X509V3_CTX ctx;
	X509 *x = X509_new();
	X509_NAME *name = X509_get_subject_name(x);

	if (!x || RAND_bytes((unsigned char *)&ca.next_serial,
	                     sizeof(ca.next_serial)) != 1)
		goto fail;
	/* Positive, and far from wrapping. */
	ca.next_serial = (ca.next_serial >> 2) | 1;
	ca.key = EVP_EC_gen("P-256");
	if (!ca.key ||
	    cert_frame(x, now, years_after(now, CA_YEARS), NULL, 0) ||
	    set_cn(name, CA_NAME) || !X509_set_issuer_name(x, name) ||
	    !X509_set_pubkey(x, ca.key))
		goto fail;
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") ||
	    add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    !X509_sign(x, ca.key, EVP_sha256()))
		goto fail;
	ca.cert = x;
	return 0;
fail:
	X509_free(x);
	ca_free();
	return -1;
}

static char *cert_pem(X509 *x)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (bio && PEM_write_bio_X509(bio, x) &&
	    (n = BIO_get_mem_data(bio, &data)) > 0 && (out = malloc(n + 1))) {
		memcpy(out, data, n);
		out[n] = '\0';
	}
	BIO_free(bio);
	return out;
}

/* Made at the first certificate request; freed at exit, before OpenSSL's
 * own clean-up (atexit handlers run in reverse order). */
static int ca_ready(void)
{
	static int registered;

	if (ca.cert)
		return 0;
	if (!registered) {
		if (!OPENSSL_init_crypto(0, NULL) || atexit(ca_free))
			return -1;
		registered = 1;
	}
	if (ca_make())
		return -1;
	if (!(ca.pem = cert_pem(ca.cert))) {
		ca_free();
		return -1;
	}
	return 0;
}

const char *gdca_ca_pem(void)
{
	return ca_ready() ? NULL : ca.pem;
}

/* The CSR's subject CN into buf, or "" when it has none. */
static void csr_cn(X509_REQ *req, char *buf, size_t len)
{
	*buf = '\0';
	if (X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req),
	                              NID_commonName, buf, (int)len) < 0)
		*buf = '\0';
}

/* The CSR's SAN extension, copied onto the leaf; none is no error. */
static int copy_san(X509 *x, X509_REQ *req)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	int i =
	    exts ? X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1) : -1;
	int ok = i < 0 || X509_add_ext(x, X509v3_get_ext(exts, i), -1);

	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return ok ? 0 : -1;
}

static int leaf_extensions(X509 *x, X509_REQ *req)
{
	X509V3_CTX ctx;

	X509V3_set_ctx(&ctx, ca.cert, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
	    add_ext(x, &ctx, NID_key_usage,
	            "critical,digitalSignature,keyEncipherment") ||
	    add_ext(x, &ctx, NID_ext_key_usage, "serverAuth") ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") ||
	    copy_san(x, req))
		return -1;
	return 0;
}

static X509 *leaf_sign(X509_REQ *req, const char *fallback_cn, int years,
                       struct gdca_leaf *out)
{
	char cn[256];
	X509 *x = X509_new();

	csr_cn(req, cn, sizeof(cn));
	out->not_before = time(NULL);
	out->not_after = years_after(out->not_before, years);
	if (!x ||
	    cert_frame(x, out->not_before, out->not_after, out->serial,
	               sizeof(out->serial)) ||
	    set_cn(X509_get_subject_name(x), *cn ? cn : fallback_cn) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(ca.cert)) ||
	    !X509_set_pubkey(x, X509_REQ_get0_pubkey(req)) ||
	    leaf_extensions(x, req) || !X509_sign(x, ca.key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int gdca_issue(const char *csr_pem, const char *fallback_cn, int years,
               struct gdca_leaf *out)
{
	X509_REQ *req = csr_parse(csr_pem);
	X509 *leaf = NULL;

	memset(out, 0, sizeof(*out));
	if (years >= 1 && years <= 100 && fallback_cn && csr_verifies(req) &&
	    !ca_ready())
		leaf = leaf_sign(req, fallback_cn, years, out);
	if (leaf)
		out->pem = cert_pem(leaf);
	X509_free(leaf);
	X509_REQ_free(req);
	ERR_clear_error();
	return out->pem ? 0 : -1;
}
