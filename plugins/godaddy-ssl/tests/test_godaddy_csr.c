/*
 * godaddy-ssl's local key and CSR code (plugins/godaddy-ssl/csr.c): keys
 * are made 0600 and never overwritten, CSRs parse and carry the names, the
 * issued chain is matched to the key, no key text reaches stdout or
 * stderr, and every file appears whole under its name or not at all, even
 * when a run is killed mid-write.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "../csr.c"

static char dir[256];
static char err[512];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "%s/gd-csr-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void path_of(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

/* Whether the CSR's subjectAltName holds DNS name `want`. */
static int csr_has_san(X509_REQ *req, const char *want)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	GENERAL_NAMES *names =
	    X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
	int found = 0;

	for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		int type;
		ASN1_IA5STRING *v = GENERAL_NAME_get0_value(gn, &type);

		found |= type == GEN_DNS &&
		         (size_t)ASN1_STRING_length(v) == strlen(want) &&
		         !memcmp(ASN1_STRING_get0_data(v), want, strlen(want));
	}
	GENERAL_NAMES_free(names);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return found;
}

static X509_REQ *parse_csr(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509_REQ *req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);

	BIO_free(bio);
	return req;
}

START_TEST(ecdsa_key_is_private_and_csr_has_names)
{
	const char *sans[] = {"api.uat.acme.example", "app.uat.acme.example"};
	struct gd_subject subj = {.common_name = "app.uat.acme.example",
	                          .organization = "Acme Corp",
	                          .country = "US",
	                          .sans = sans,
	                          .n_sans = 2};
	char path[512], cn[128];
	struct stat st;
	EVP_PKEY *key, *again;
	X509_REQ *req;
	char *pem;
	int absent;

	make_dir();
	path_of(path, sizeof(path), "sub/dir");
	ck_assert_int_eq(gd_mkdirs(path, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	path_of(path, sizeof(path), "app.key");
	ck_assert_ptr_null(gd_key_load(path, &absent, err, sizeof(err)));
	ck_assert_int_eq(absent, 1);
	umask(0);
	key = gd_key_create(path, "ecdsa-p256", err, sizeof(err));
	umask(022);
	ck_assert_ptr_nonnull(key);
	ck_assert_str_eq(gd_key_type(key), "ecdsa-p256");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	/* Never overwritten: a second create fails, a load finds it. */
	ck_assert_ptr_null(gd_key_create(path, "ecdsa-p256", err, sizeof(err)));
	again = gd_key_load(path, &absent, err, sizeof(err));
	ck_assert_ptr_nonnull(again);
	ck_assert_int_eq(EVP_PKEY_eq(key, again), 1);

	pem = gd_csr_make(key, &subj, err, sizeof(err));
	ck_assert_ptr_nonnull(pem);
	ck_assert_ptr_null(strstr(pem, "PRIVATE"));
	req = parse_csr(pem);
	ck_assert_ptr_nonnull(req);
	ck_assert_int_eq(X509_REQ_verify(req, key), 1);
	X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req),
	                          NID_commonName, cn, sizeof(cn));
	ck_assert_str_eq(cn, "app.uat.acme.example");
	ck_assert(csr_has_san(req, "app.uat.acme.example"));
	ck_assert(csr_has_san(req, "api.uat.acme.example"));
	ck_assert(!csr_has_san(req, "other.acme.example"));
	X509_REQ_free(req);
	free(pem);
	EVP_PKEY_free(again);
	EVP_PKEY_free(key);
	remove_dir();
}
END_TEST

START_TEST(rsa_key_and_wildcard_csr)
{
	struct gd_subject subj = {.common_name = "*.uat.acme.example"};
	char path[512];
	EVP_PKEY *key;
	X509_REQ *req;
	char *pem;

	make_dir();
	path_of(path, sizeof(path), "wildcard.key");
	key = gd_key_create(path, "rsa-3072", err, sizeof(err));
	ck_assert_ptr_nonnull(key);
	ck_assert_str_eq(gd_key_type(key), "rsa-3072");
	pem = gd_csr_make(key, &subj, err, sizeof(err));
	ck_assert_ptr_nonnull(pem);
	req = parse_csr(pem);
	ck_assert_ptr_nonnull(req);
	ck_assert(csr_has_san(req, "*.uat.acme.example"));
	X509_REQ_free(req);
	free(pem);
	EVP_PKEY_free(key);
	remove_dir();
}
END_TEST

START_TEST(key_readable_by_others_is_refused)
{
	char path[512];
	EVP_PKEY *key;
	int absent;

	make_dir();
	path_of(path, sizeof(path), "open.key");
	key = gd_key_create(path, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(key);
	EVP_PKEY_free(key);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_ptr_null(gd_key_load(path, &absent, err, sizeof(err)));
	ck_assert_int_eq(absent, 0);
	ck_assert_ptr_nonnull(strstr(err, "0600"));
	ck_assert_ptr_null(strstr(err, "PRIVATE"));
	/* Not a key at all. */
	ck_assert_int_eq(
	    gd_write_file(path, "garbage\n", 0600, err, sizeof(err)), 0);
	ck_assert_ptr_null(gd_key_load(path, &absent, err, sizeof(err)));
	remove_dir();
}
END_TEST

/* How an order found at GoDaddy is told ours: its CSR carries our key. */
START_TEST(csr_is_matched_to_its_key)
{
	struct gd_subject subj = {.common_name = "app.acme.example"};
	char path[512];
	EVP_PKEY *key, *other;
	char *pem;

	make_dir();
	path_of(path, sizeof(path), "a.key");
	key = gd_key_create(path, NULL, err, sizeof(err));
	path_of(path, sizeof(path), "b.key");
	other = gd_key_create(path, "rsa-3072", err, sizeof(err));
	ck_assert_ptr_nonnull(key);
	ck_assert_ptr_nonnull(other);
	pem = gd_csr_make(key, &subj, err, sizeof(err));
	ck_assert_ptr_nonnull(pem);
	ck_assert_int_eq(gd_csr_for_key(pem, key), 1);
	ck_assert_int_eq(gd_csr_for_key(pem, other), 0);
	ck_assert_int_eq(gd_csr_for_key("MIIBCSR without its PEM lines", key),
	                 -1);
	free(pem);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	remove_dir();
}
END_TEST

/* A self-signed certificate for `key`, valid `days` days. */
static char *self_signed(EVP_PKEY *key, long days)
{
	X509 *x = X509_new();
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out;
	long len;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), days * 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(
	    X509_get_subject_name(x), "CN", MBSTRING_UTF8,
	    (const unsigned char *)"t.example", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	ck_assert_int_gt(X509_sign(x, key, EVP_sha256()), 0);
	PEM_write_bio_X509(bio, x);
	len = BIO_get_mem_data(bio, &data);
	out = strndup(data, (size_t)len);
	BIO_free(bio);
	X509_free(x);
	return out;
}

START_TEST(chain_expiry_and_key_match)
{
	char path[512], *pem, *back;
	EVP_PKEY *key, *other;
	time_t until;
	int match, absent;
	struct stat st;

	make_dir();
	path_of(path, sizeof(path), "a.key");
	key = gd_key_create(path, NULL, err, sizeof(err));
	path_of(path, sizeof(path), "b.key");
	other = gd_key_create(path, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(key);
	ck_assert_ptr_nonnull(other);
	pem = self_signed(key, 10);
	path_of(path, sizeof(path), "a.crt");
	ck_assert_int_eq(gd_write_file(path, pem, 0644, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	back = gd_read_file(path, &absent, err, sizeof(err));
	ck_assert_str_eq(back, pem);
	ck_assert_int_eq(
	    gd_cert_info(back, key, &until, &match, err, sizeof(err)), 0);
	ck_assert_int_eq(match, 1);
	ck_assert(until > time(NULL) + 9 * 86400 &&
	          until <= time(NULL) + 10 * 86400 + 5);
	ck_assert_int_eq(
	    gd_cert_info(back, other, &until, &match, err, sizeof(err)), 0);
	ck_assert_int_eq(match, 0);
	ck_assert_int_eq(gd_cert_info("-----BEGIN CERTIFICATE-----\nAAA\n", key,
	                              &until, &match, err, sizeof(err)),
	                 -1);
	path_of(path, sizeof(path), "missing.crt");
	ck_assert_ptr_null(gd_read_file(path, &absent, err, sizeof(err)));
	ck_assert_int_eq(absent, 1);
	free(back);
	free(pem);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	remove_dir();
}
END_TEST

/* Run every function with stdout and stderr captured: no key text. */
START_TEST(key_never_printed)
{
	char path[512], out[512], *key_text, *captured;
	struct gd_subject subj = {.common_name = "app.acme.example"};
	int saved_out = dup(1), saved_err = dup(2), fd, absent;
	EVP_PKEY *key;
	char *pem;

	make_dir();
	path_of(out, sizeof(out), "captured.txt");
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	fflush(stdout);
	fflush(stderr);
	dup2(fd, 1);
	dup2(fd, 2);
	path_of(path, sizeof(path), "app.key");
	key = gd_key_create(path, NULL, err, sizeof(err));
	EVP_PKEY_free(key);
	key = gd_key_load(path, &absent, err, sizeof(err));
	pem = gd_csr_make(key, &subj, err, sizeof(err));
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(fd);
	close(saved_out);
	close(saved_err);
	ck_assert_ptr_nonnull(pem);
	key_text = gd_read_file(path, &absent, err, sizeof(err));
	ck_assert_ptr_nonnull(key_text);
	ck_assert_ptr_nonnull(strstr(key_text, "PRIVATE KEY"));
	captured = gd_read_file(out, &absent, err, sizeof(err));
	/* An empty capture reads as NULL: nothing was printed at all. */
	ck_assert(!captured || !strstr(captured, "PRIVATE"));
	ck_assert_ptr_null(strstr(pem, strchr(key_text, '\n') + 1));
	free(captured);
	free(key_text);
	free(pem);
	EVP_PKEY_free(key);
	remove_dir();
}
END_TEST

/* Write `text` to `path` as a killed run would have left it. */
static void plant(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* A killed run's half-written temporary key (world-readable, even) does
 * not stop the next one: it is replaced, and the key appears 0600. */
START_TEST(leftover_temp_key_is_replaced)
{
	char path[512], tmp[520];
	struct stat st;
	EVP_PKEY *key, *again;
	int absent;

	make_dir();
	path_of(path, sizeof(path), "app.key");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	plant(tmp, "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49", 0644);
	key = gd_key_create(path, NULL, err, sizeof(err));
	ck_assert_msg(key != NULL, "%s", err);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert(!exists(tmp));
	again = gd_key_load(path, &absent, err, sizeof(err));
	ck_assert_ptr_nonnull(again);
	ck_assert_int_eq(EVP_PKEY_eq(key, again), 1);
	EVP_PKEY_free(again);
	EVP_PKEY_free(key);
	remove_dir();
}
END_TEST

/* The same for a certificate, which replaces the old one in one step. */
START_TEST(leftover_temp_file_is_replaced)
{
	char path[512], tmp[520], *back;
	struct stat st;
	int absent;

	make_dir();
	path_of(path, sizeof(path), "app.crt");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	plant(path, "old chain\n", 0644);
	plant(tmp, "-----BEGIN CERT", 0600);
	ck_assert_int_eq(
	    gd_write_file(path, "new chain\n", 0644, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	ck_assert(!exists(tmp));
	back = gd_read_file(path, &absent, err, sizeof(err));
	ck_assert_str_eq(back, "new chain\n");
	free(back);
	remove_dir();
}
END_TEST

/* A temporary name planted as a symlink is not followed: the file it
 * points to is left alone. */
START_TEST(temp_symlink_not_followed)
{
	char path[512], tmp[520], outside[512], *back;
	EVP_PKEY *key;
	int absent;

	make_dir();
	path_of(outside, sizeof(outside), "outside");
	plant(outside, "untouched\n", 0644);
	path_of(path, sizeof(path), "app.key");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ck_assert_int_eq(symlink(outside, tmp), 0);
	key = gd_key_create(path, NULL, err, sizeof(err));
	ck_assert_msg(key != NULL, "%s", err);
	back = gd_read_file(outside, &absent, err, sizeof(err));
	ck_assert_str_eq(back, "untouched\n");
	free(back);
	EVP_PKEY_free(key);
	remove_dir();
}
END_TEST

/* Runs gd_key_create (key != 0) or gd_write_file of "new" in a child with
 * the kill hook set to `hook`; returns the child's wait status. */
static int killed_write(const char *path, int key, const char *hook)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		setenv("ENVSETUP_TEST_KILL_AFTER_WRITE", hook, 1);
		if (key)
			EVP_PKEY_free(
			    gd_key_create(path, NULL, err, sizeof(err)));
		else
			gd_write_file(path, "new\n", 0644, err, sizeof(err));
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

/* Killed after the temporary file is complete and before the rename (the
 * test hook): the final name is absent (a key) or still the old file (a
 * certificate), never part of the new one; the next write completes. */
START_TEST(kill_before_rename_leaves_final_name_whole)
{
	char path[512], tmp[520], crt[512], *back;
	struct stat st;
	EVP_PKEY *key;
	int status, absent;

	make_dir();
	path_of(path, sizeof(path), "app.key");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	status = killed_write(path, 1, "app.key");
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert(!exists(path));
	ck_assert_int_eq(stat(tmp, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	key = gd_key_create(path, NULL, err, sizeof(err));
	ck_assert_msg(key != NULL, "%s", err);
	ck_assert(!exists(tmp));
	EVP_PKEY_free(key);

	path_of(crt, sizeof(crt), "app.crt");
	plant(crt, "old\n", 0644);
	status = killed_write(crt, 0, ".crt");
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	back = gd_read_file(crt, &absent, err, sizeof(err));
	ck_assert_str_eq(back, "old\n");
	free(back);
	/* A hook for another file does not fire here. */
	status = killed_write(crt, 0, ".csr");
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	back = gd_read_file(crt, &absent, err, sizeof(err));
	ck_assert_str_eq(back, "new\n");
	free(back);
	remove_dir();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("godaddy_csr");
	TCase *tc = tcase_create("csr");
	SRunner *sr = srunner_create(s);
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ecdsa_key_is_private_and_csr_has_names);
	tcase_add_test(tc, rsa_key_and_wildcard_csr);
	tcase_add_test(tc, key_readable_by_others_is_refused);
	tcase_add_test(tc, chain_expiry_and_key_match);
	tcase_add_test(tc, csr_is_matched_to_its_key);
	tcase_add_test(tc, key_never_printed);
	tcase_add_test(tc, leftover_temp_key_is_replaced);
	tcase_add_test(tc, leftover_temp_file_is_replaced);
	tcase_add_test(tc, temp_symlink_not_followed);
	tcase_add_test(tc, kill_before_rename_leaves_final_name_whole);
	suite_add_tcase(s, tc);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
