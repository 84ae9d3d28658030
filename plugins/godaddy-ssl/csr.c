/*
 * godaddy-ssl: private key, CSR and certificate files with libcrypto.
 * See csr.h. The key never leaves this file's callers as text: it is read
 * from and written to its 0600 file only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_DEFAULT */
#endif
#include "csr.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define TEXT_FILE_MAX (256 * 1024)

static int set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* clang-tidy 14's analyzer loses the va_start above. */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int gd_mkdirs(const char *dir, char *err, size_t errlen)
{
	char buf[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(buf))
		return set_err(err, errlen, "unusable directory name");
	memcpy(buf, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return set_err(err, errlen, "cannot create %s: %s", buf,
			               strerror(errno));
		buf[i] = i < n ? '/' : '\0';
	}
	return 0;
}

/*
 * Test hook (docs/cli.md): with ENVSETUP_TEST_KILL_AFTER_WRITE=TEXT the
 * process SIGKILLs itself once a temporary file whose final name contains
 * TEXT is complete and before it gets that name, so the kill tests can
 * prove that the next run ignores and replaces what a killed one left.
 */
static void kill_point(const char *path)
{
	const char *at = getenv("ENVSETUP_TEST_KILL_AFTER_WRITE");
	const char *base = strrchr(path, '/');

	if (at && *at && strstr(base ? base + 1 : path, at))
		raise(SIGKILL);
}

/*
 * The core's crash-point hook (ENVSETUP_TEST_CRASHPOINT, docs/cli.md)
 * counts this plugin's file writes too, so the exhaustive crash tests kill
 * between a file's write and its rename and after it. The host table has
 * no test calls, so the hook is looked up by name in the envsetup binary,
 * and only when the variable is set: under another host (the unit tests'
 * mock) it is absent and nothing happens.
 */
static void crash_point(const char *what, const char *path)
{
	static void (*hook)(const char *, const char *);

	if (!getenv("ENVSETUP_TEST_CRASHPOINT"))
		return;
	if (!hook)
		*(void **)&hook = dlsym(RTLD_DEFAULT, "es_crashpoint");
	if (hook)
		hook(what, path);
}

/* fsync the directory holding `path`, so the new name survives a crash. */
static int sync_parent(const char *path)
{
	char dir[4200];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	int fd, rc;

	if (n >= sizeof(dir))
		return -1;
	if (!slash)
		strcpy(dir, ".");
	else if (n == 0)
		strcpy(dir, "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)n, path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Write all of `data`, through short writes and signals. */
static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Every file this plugin writes goes through here: `data` is written to
 * "<path>.tmp" in the same directory, fsynced, given its final name and
 * the directory fsynced, so a run killed at any point leaves either no
 * file or a complete one under `path`. The temporary name is fixed so the
 * next run replaces a killed run's leftover instead of adding to it; two
 * applies never write at once (the core's state lock). With `keep_existing`
 * the final name is taken with link(), which fails on an existing file
 * where rename() would replace it.
 */
static int write_atomically(const char *path, const char *data, size_t len,
                            unsigned mode, int keep_existing, char *err,
                            size_t errlen)
{
	char tmp[4200];
	int fd, ok;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return set_err(err, errlen, "path too long: %s", path);
	if (unlink(tmp) < 0 && errno != ENOENT)
		return set_err(err, errlen, "cannot remove %s: %s", tmp,
		               strerror(errno));
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	          mode);
	if (fd < 0)
		return set_err(err, errlen, "cannot create %s: %s", tmp,
		               strerror(errno));
	/* The umask may have narrowed `mode` only; make it exactly that. */
	ok = fchmod(fd, mode) == 0 && write_all(fd, data, len) == 0 &&
	     fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok) {
		unlink(tmp);
		return set_err(err, errlen, "cannot write %s", tmp);
	}
	kill_point(path);
	crash_point("file written, before its rename", path);
	if (keep_existing ? link(tmp, path) < 0 : rename(tmp, path) < 0) {
		set_err(err, errlen, "cannot create %s: %s", path,
		        strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (keep_existing)
		unlink(tmp);
	if (sync_parent(path) < 0)
		return set_err(err, errlen, "cannot sync the directory of %s",
		               path);
	crash_point("file renamed into place", path);
	return 0;
}

EVP_PKEY *gd_key_load(const char *path, int *absent, char *err, size_t errlen)
{
	EVP_PKEY *key = NULL;
	struct stat st;
	FILE *f;
	int fd;

	*absent = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		*absent = errno == ENOENT;
		set_err(err, errlen, "cannot open %s: %s", path,
		        strerror(errno));
		return NULL;
	}
	/* A key others can read is no longer private: refuse to use it. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		set_err(err, errlen,
		        "%s must be a regular file of mode 0600 (chmod 600 it)",
		        path);
		close(fd);
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		set_err(err, errlen, "cannot read %s", path);
		return NULL;
	}
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!key)
		set_err(err, errlen, "%s holds no readable private key", path);
	return key;
}

static EVP_PKEY *generate(const char *key_type)
{
	if (key_type && strcmp(key_type, "rsa-3072") == 0)
		return EVP_RSA_gen(3072);
	return EVP_EC_gen("P-256");
}

/* The key as PEM in a buffer that libcrypto wipes when the BIO is freed. */
static BIO *key_pem(EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_secmem());

	if (bio &&
	    !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) {
		BIO_free(bio);
		bio = NULL;
	}
	return bio;
}

EVP_PKEY *gd_key_create(const char *path, const char *key_type, char *err,
                        size_t errlen)
{
	EVP_PKEY *key = generate(key_type);
	BIO *pem = key ? key_pem(key) : NULL;
	char *data = NULL;
	long len = pem ? BIO_get_mem_data(pem, &data) : 0;

	if (!key || len <= 0) {
		set_err(err, errlen, "libcrypto could not generate a %s key",
		        key_type ? key_type : "ecdsa-p256");
		BIO_free(pem);
		EVP_PKEY_free(key);
		return NULL;
	}
	/* Never replace a key: the certificate ordered for it would be
	 * orphaned. */
	if (write_atomically(path, data, (size_t)len, 0600, 1, err, errlen)) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	BIO_free(pem);
	return key;
}

const char *gd_key_type(EVP_PKEY *key)
{
	if (EVP_PKEY_is_a(key, "EC") && EVP_PKEY_get_bits(key) == 256)
		return "ecdsa-p256";
	if (EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) == 3072)
		return "rsa-3072";
	return "other";
}

static int add_dns_name(GENERAL_NAMES *names, const char *dns)
{
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

	if (!gn || !ia5 || !ASN1_STRING_set(ia5, dns, (int)strlen(dns))) {
		GENERAL_NAME_free(gn);
		ASN1_IA5STRING_free(ia5);
		return -1;
	}
	GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
	if (!sk_GENERAL_NAME_push(names, gn)) {
		GENERAL_NAME_free(gn);
		return -1;
	}
	return 0;
}

/* subjectAltName: the CN first, then each SAN once. */
static int add_sans(X509_REQ *req, const struct gd_subject *s)
{
	GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
	STACK_OF(X509_EXTENSION) *exts = NULL;
	int bad = !names || add_dns_name(names, s->common_name);

	for (size_t i = 0; !bad && i < s->n_sans; i++) {
		int seen = strcmp(s->sans[i], s->common_name) == 0;

		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(s->sans[i], s->sans[k]) == 0;
		if (!seen)
			bad = add_dns_name(names, s->sans[i]);
	}
	bad = bad ||
	      !X509V3_add1_i2d(&exts, NID_subject_alt_name, names, 0,
	                       X509V3_ADD_DEFAULT) ||
	      !X509_REQ_add_extensions(req, exts);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	GENERAL_NAMES_free(names);
	return bad ? -1 : 0;
}

static int add_entry(X509_NAME *name, const char *field, const char *value)
{
	return !value || X509_NAME_add_entry_by_txt(
	                     name, field, MBSTRING_UTF8,
	                     (const unsigned char *)value, -1, -1, 0);
}

static char *csr_pem(X509_REQ *req)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL, *out = NULL;
	long len;

	if (bio && PEM_write_bio_X509_REQ(bio, req) &&
	    (len = BIO_get_mem_data(bio, &data)) > 0 &&
	    (out = malloc((size_t)len + 1))) {
		memcpy(out, data, (size_t)len);
		out[len] = '\0';
	}
	BIO_free(bio);
	return out;
}

char *gd_csr_make(EVP_PKEY *key, const struct gd_subject *subj, char *err,
                  size_t errlen)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	char *pem = NULL;

	if (req && name && X509_REQ_set_version(req, X509_REQ_VERSION_1) &&
	    add_entry(name, "C", subj->country) &&
	    add_entry(name, "O", subj->organization) &&
	    add_entry(name, "CN", subj->common_name) &&
	    X509_REQ_set_subject_name(req, name) &&
	    X509_REQ_set_pubkey(req, key) && add_sans(req, subj) == 0 &&
	    X509_REQ_sign(req, key, EVP_sha256()) > 0)
		pem = csr_pem(req);
	if (!pem)
		set_err(err, errlen, "could not make the CSR for %s",
		        subj->common_name);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return pem;
}

int gd_csr_for_key(const char *csr, EVP_PKEY *key)
{
	BIO *bio = BIO_new_mem_buf(csr, -1);
	X509_REQ *req =
	    bio ? PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL) : NULL;
	EVP_PKEY *pub = req ? X509_REQ_get0_pubkey(req) : NULL;
	int same = pub ? EVP_PKEY_eq(pub, key) == 1 : -1;

	X509_REQ_free(req);
	BIO_free(bio);
	return same;
}

int gd_write_file(const char *path, const char *text, unsigned mode, char *err,
                  size_t errlen)
{
	return write_atomically(path, text, strlen(text), mode, 0, err, errlen);
}

char *gd_read_file(const char *path, int *absent, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;

	*absent = !f && errno == ENOENT;
	if (!f) {
		set_err(err, errlen, "cannot open %s: %s", path,
		        strerror(errno));
		return NULL;
	}
	buf = malloc(TEXT_FILE_MAX);
	if (buf)
		len = fread(buf, 1, TEXT_FILE_MAX, f);
	fclose(f);
	if (!buf || len == 0 || len == TEXT_FILE_MAX) {
		free(buf);
		set_err(err, errlen, "%s is empty or too large", path);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

int gd_cert_info(const char *pem, EVP_PKEY *key, time_t *not_after,
                 int *matches_key, char *err, size_t errlen)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	struct tm tm;
	int rc = -1;

	if (cert && ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm)) {
		*not_after = timegm(&tm);
		if (matches_key)
			*matches_key =
			    key &&
			    EVP_PKEY_eq(X509_get0_pubkey(cert), key) == 1;
		rc = 0;
	} else {
		set_err(err, errlen, "no readable certificate");
	}
	X509_free(cert);
	BIO_free(bio);
	return rc;
}
