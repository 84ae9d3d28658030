/* Sealing the secrets document: see secret_seal.h. */
#include "secret_seal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "log.h"

#define NONCE_BYTES 12
#define TAG_BYTES 16

void es_seal_key(const char *secret, unsigned char *key)
{
	SHA256((const unsigned char *)secret, strlen(secret), key);
}

int es_sealed(const cJSON *doc)
{
	return cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "sealed"));
}

static char *b64(const unsigned char *in, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

/* Decoded bytes of member `name` into a malloc'd buffer; -1 if absent or
 * not base64. */
static int unb64(const cJSON *o, const char *name, unsigned char **out,
                 size_t *len)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
	size_t in, pad = 0;
	int n;

	if (!cJSON_IsString(m) || (in = strlen(m->valuestring)) % 4)
		return -1;
	*out = malloc(in / 4 * 3 + 1);
	if (!*out)
		return -1;
	n = EVP_DecodeBlock(*out, (const unsigned char *)m->valuestring,
	                    (int)in);
	if (n < 0) {
		/* NULL too: es_unseal frees every buffer once at its end. */
		free(*out);
		*out = NULL;
		return -1;
	}
	pad = in && m->valuestring[in - 1] == '=';
	pad += in > 1 && m->valuestring[in - 2] == '=';
	*len = (size_t)n - pad;
	return 0;
}

/* AES-256-GCM one shot: encrypt (enc 1) or decrypt (enc 0, `tag` checked).
 * Returns 0, or -1 (a wrong key or altered data when decrypting). */
static int gcm(int enc, const unsigned char *key, const unsigned char *nonce,
               const char *aad, const unsigned char *in, size_t len,
               unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	ok = ctx &&
	     EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_BYTES,
	                         NULL) &&
	     EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) &&
	     EVP_CipherUpdate(ctx, NULL, &n, (const unsigned char *)aad,
	                      (int)strlen(aad)) &&
	     EVP_CipherUpdate(ctx, out, &n, in, (int)len) &&
	     (enc ||
	      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, tag)) &&
	     EVP_CipherFinal_ex(ctx, out + n, &n) &&
	     (!enc ||
	      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, tag));
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

cJSON *es_seal(const cJSON *doc, const unsigned char *key, const char *customer)
{
	unsigned char nonce[NONCE_BYTES], tag[TAG_BYTES], *data = NULL;
	char *text = cJSON_PrintUnformatted(doc), *n64 = NULL, *d64 = NULL,
	     *t64 = NULL;
	size_t len = text ? strlen(text) : 0;
	cJSON *out = NULL, *s;

	if (text && RAND_bytes(nonce, sizeof(nonce)) == 1 &&
	    (data = malloc(len + 1)) &&
	    gcm(1, key, nonce, customer, (unsigned char *)text, len, data,
	        tag) == 0 &&
	    (n64 = b64(nonce, sizeof(nonce))) && (d64 = b64(data, len)) &&
	    (t64 = b64(tag, sizeof(tag))) && (out = cJSON_CreateObject())) {
		cJSON_AddStringToObject(out, "format_version", "1.0");
		s = cJSON_AddObjectToObject(out, "sealed");
		cJSON_AddStringToObject(s, "alg", "AES-256-GCM");
		cJSON_AddStringToObject(s, "kdf", "SHA-256");
		cJSON_AddStringToObject(s, "nonce", n64);
		cJSON_AddStringToObject(s, "data", d64);
		cJSON_AddStringToObject(s, "tag", t64);
	}
	if (text)
		es_wipe(text, len);
	free(text);
	free(data);
	free(n64);
	free(d64);
	free(t64);
	return out;
}

cJSON *es_unseal(const cJSON *sealed, const unsigned char *key,
                 const char *customer, char *err, size_t errlen)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(sealed, "sealed");
	const cJSON *alg = cJSON_GetObjectItemCaseSensitive(s, "alg");
	unsigned char *nonce = NULL, *data = NULL, *tag = NULL, *plain = NULL;
	size_t nlen = 0, dlen = 0, tlen = 0;
	cJSON *doc = NULL;

	if (!cJSON_IsString(alg) || strcmp(alg->valuestring, "AES-256-GCM") ||
	    unb64(s, "nonce", &nonce, &nlen) || nlen != NONCE_BYTES ||
	    unb64(s, "data", &data, &dlen) || unb64(s, "tag", &tag, &tlen) ||
	    tlen != TAG_BYTES || !(plain = malloc(dlen + 1)))
		snprintf(err, errlen,
		         "not a sealed secrets document this "
		         "envsetup reads (AES-256-GCM)");
	else if (gcm(0, key, nonce, customer, data, dlen, plain, tag) < 0)
		snprintf(err, errlen,
		         "customer.state_key does not open it (a different "
		         "key, or the file was altered)");
	else {
		plain[dlen] = '\0';
		doc = cJSON_Parse((char *)plain);
		if (!doc)
			snprintf(err, errlen, "its sealed content is not JSON");
		es_wipe(plain, dlen);
	}
	free(nonce);
	free(data);
	free(tag);
	free(plain);
	return doc;
}
