/*
 * godaddy-ssl: the local half of a certificate, with libcrypto: the private
 * key (made once, kept 0600, never logged or sent), the CSR sent with the
 * order, and the issued chain written next to the key.
 *
 * Plain C with no host table, so tests/test_godaddy_csr.c can use it
 * directly. Functions return 0 on success, or -1 with a one-line reason
 * in `err` (never key material).
 */
#ifndef GODADDY_SSL_CSR_H
#define GODADDY_SSL_CSR_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

/* What goes into the CSR besides the key. Nullable fields are left out. */
struct gd_subject {
	const char *common_name;
	const char *organization; /* nullable */
	const char *country;      /* nullable: two letters */
	const char *const *sans;  /* DNS names; the CN is always added too */
	size_t n_sans;
};

/* Make every missing directory of `dir` with mode 0700. */
int gd_mkdirs(const char *dir, char *err, size_t errlen);

/* The private key at `path` (transfer full, EVP_PKEY_free), or NULL with
 * *absent set when there is none. */
EVP_PKEY *gd_key_load(const char *path, int *absent, char *err, size_t errlen);

/* Generate a key, "ecdsa-p256" or "rsa-3072", and write it to `path`,
 * 0600, atomically like gd_write_file(), except that an existing key is
 * never overwritten (that call fails): a new key would orphan the
 * certificate ordered for the old one. */
EVP_PKEY *gd_key_create(const char *path, const char *key_type, char *err,
                        size_t errlen);

/* The key's algorithm as the schema names it ("ecdsa-p256", "rsa-3072"),
 * or "other". */
const char *gd_key_type(EVP_PKEY *key);

/* A signed PEM CSR for `subj` (transfer full, free()). */
char *gd_csr_make(EVP_PKEY *key, const struct gd_subject *subj, char *err,
                  size_t errlen);

/* Whether the PEM CSR `csr` carries `key`'s public key: 1 yes, 0 it
 * carries another key, -1 it cannot be read. */
int gd_csr_for_key(const char *csr, EVP_PKEY *key);

/* Write `text` to `path` with `mode`, atomically: to "<path>.tmp" (a
 * killed run's leftover there is replaced), fsync, rename, fsync of the
 * directory, so `path` holds the old file or the whole new one, never part.
 * Replaces what was there. ENVSETUP_TEST_KILL_AFTER_WRITE (docs/cli.md)
 * kills the process between the fsync and the rename. */
int gd_write_file(const char *path, const char *text, unsigned mode, char *err,
                  size_t errlen);

/* Read a whole small text file (transfer full, free()), or NULL with
 * *absent set when it does not exist. */
char *gd_read_file(const char *path, int *absent, char *err, size_t errlen);

/* The first certificate of a PEM chain: its notAfter and whether its
 * public key is `key`'s (when key is not NULL). */
int gd_cert_info(const char *pem, EVP_PKEY *key, time_t *not_after,
                 int *matches_key, char *err, size_t errlen);

#endif
