/*
 * Secrets at rest: the secrets document sealed with AES-256-GCM (OpenSSL's
 * libcrypto, already linked for plan digests) under a key the operator
 * keeps outside the state directory (customer.state_key, docs/config.md).
 * A copy of the state directory then holds no usable secret.
 *
 *   {"format_version": "1.0",
 *    "sealed": {"alg": "AES-256-GCM", "kdf": "SHA-256",
 *               "nonce": B64, "data": B64, "tag": B64}}
 *
 * The key is SHA-256 of the state_key's value (a random value is
 * expected: `openssl rand -base64 32`); every seal draws a new 96-bit
 * nonce; the customer id is authenticated data, so one customer's file
 * does not open as another's.
 */
#ifndef ENVSETUP_CORE_SECRET_SEAL_H
#define ENVSETUP_CORE_SECRET_SEAL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define ES_SEAL_KEY_BYTES 32

/* The key of `secret` (its SHA-256) into key[ES_SEAL_KEY_BYTES]. */
void es_seal_key(const char *secret, unsigned char *key);

/* 1 when `doc` is a sealed document. */
int es_sealed(const cJSON *doc);

/* `doc` sealed (transfer full), or NULL (out of memory, no randomness). */
cJSON *es_seal(const cJSON *doc, const unsigned char *key,
               const char *customer);

/* The document inside `sealed` (transfer full), or NULL with the reason in
 * err: a wrong key and an altered file are the same failure, by design. */
cJSON *es_unseal(const cJSON *sealed, const unsigned char *key,
                 const char *customer, char *err, size_t errlen);

#endif
