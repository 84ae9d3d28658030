/*
 * The digest of a customer file, for saved plans (plan_file.h): the
 * SHA-256 of every file whose content a plan was made from. Those are the
 * customer file, each file it @includes (every file libconfig read a
 * setting from), and the files the enabled plugins' path keys name for
 * the environment (mailgun's templates_dir): a changed template changes
 * the plan as surely as a changed key does.
 *
 * Secret values are never read here: `env:`/`file:` references are kept
 * in the customer file as references, and files only their owner may
 * read (private keys, secrets) are left out of a path key's directory.
 * A rotated secret therefore does not make a plan stale; what it is used
 * for is planned again at apply time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>
#include <openssl/evp.h>

#include "plan_file.h"

/* More entries than this in one path key's directory is not a template
 * folder: refuse rather than read a whole tree. */
#define MAX_DIR_FILES 1000

static void to_hex(const unsigned char *md, unsigned n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * n] = '\0';
}

int es_sha256_hex(const void *buf, size_t len, char out[ES_SHA256_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL) || n != 32)
		return -1;
	to_hex(md, n, out);
	return 0;
}

/* SHA-256 of a file's bytes, read in pieces (templates may be large). */
static int file_sha256(const char *path, char out[ES_SHA256_HEX], char *err,
                       size_t errlen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), rc = -1;
	ssize_t got = 0;

	if (fd < 0 || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		         fd < 0 ? strerror(errno) : "no SHA-256");
		goto out;
	}
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		if (!EVP_DigestUpdate(ctx, buf, (size_t)got))
			break;
	if (got != 0 || !EVP_DigestFinal_ex(ctx, md, &n) || n != 32) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		         got < 0 ? strerror(errno) : "digest failed");
		goto out;
	}
	to_hex(md, n, out);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* ---- the list of files --------------------------------------------- */

struct files {
	char **paths;
	size_t n;
	int oom;
};

static void add_path(struct files *f, const char *path)
{
	char real[PATH_MAX], **grown;
	const char *p = realpath(path, real) ? real : path;

	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->paths[i], p) == 0)
			return;
	grown = realloc(f->paths, (f->n + 1) * sizeof(*grown));
	if (!grown || !(grown[f->n] = strdup(p))) {
		if (grown)
			f->paths = grown;
		f->oom = 1;
		return;
	}
	f->paths = grown;
	f->n++;
}

/* Every file libconfig read a setting from: the customer file and what it
 * @includes (an include that sets nothing cannot change a plan). */
static void add_sources(struct files *f, const config_setting_t *s)
{
	const char *file = config_setting_source_file(s);
	int n = config_setting_is_aggregate(s) ? config_setting_length(s) : 0;

	if (file)
		add_path(f, file);
	for (int i = 0; i < n; i++)
		add_sources(f, config_setting_get_elem(s, (unsigned)i));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A regular file others may read; private ones hold keys and secrets. */
static int public_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	       (sb.st_mode & 0044);
}

/* The public regular files of `path`, and (depth 1) those of its
 * folders: a template directory holds <name>/template.cfg and bodies.
 * Symbolic links to folders are not followed. */
static int add_dir_files(struct files *f, const char *path, int depth,
                         size_t first, char *err, size_t errlen)
{
	struct dirent *e;
	DIR *dir = opendir(path);
	int rc = 0;

	if (!dir) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		         strerror(errno));
		return -1;
	}
	while (rc == 0 && (e = readdir(dir)) && !f->oom) {
		char full[PATH_MAX];
		struct stat sb;

		if (e->d_name[0] == '.' ||
		    (size_t)snprintf(full, sizeof(full), "%s/%s", path,
		                     e->d_name) >= sizeof(full))
			continue;
		if (depth > 0 && lstat(full, &sb) == 0 && S_ISDIR(sb.st_mode))
			rc = add_dir_files(f, full, depth - 1, first, err,
			                   errlen);
		else if (!public_file(full))
			continue;
		else if (f->n - first >= MAX_DIR_FILES) {
			snprintf(err, errlen,
			         "%s holds more than %d files: not a template "
			         "folder",
			         path, MAX_DIR_FILES);
			rc = -1;
		} else
			add_path(f, full);
	}
	closedir(dir);
	return rc;
}

/* A path key's target: the file, or the files of the directory and its
 * folders (templates_dir). A missing one is listed as absent, so its
 * appearing makes the plan stale too. */
static int add_path_key(struct files *f, const char *path, cJSON *absent,
                        char *err, size_t errlen)
{
	struct stat sb;
	size_t first = f->n;

	if (stat(path, &sb) < 0) {
		cJSON_AddItemToArray(absent, cJSON_CreateString(path));
		return 0;
	}
	if (!S_ISDIR(sb.st_mode)) {
		if (public_file(path))
			add_path(f, path);
		return 0;
	}
	if (add_dir_files(f, path, 1, first, err, errlen) < 0)
		return -1;
	qsort(f->paths + first, f->n - first, sizeof(*f->paths), by_name);
	return 0;
}

static int add_path_keys(struct files *f, const struct es_config *cfg,
                         cJSON *absent, char *err, size_t errlen)
{
	for (size_t p = 0; p < cfg->n_plugins; p++) {
		const struct es_plugin_conf *pc = &cfg->plugins[p];

		for (size_t i = 0; pc->enabled && i < pc->n_values; i++) {
			const struct es_value *v = &pc->values[i];

			if (v->key && v->key->type == ES_TYPE_PATH &&
			    v->is_set && v->str &&
			    add_path_key(f, v->str, absent, err, errlen) < 0)
				return -1;
		}
	}
	return 0;
}

static void files_free(struct files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->paths[i]);
	free(f->paths);
}

/* ---- the digest ------------------------------------------------------ */

/* {"path", "sha256", "files": [{"path", "sha256"}], "absent": [...]}:
 * sha256 is that of the files' `sha256sum`-style listing
 * ("HEX  PATH\n" each, in this order), so it can be checked by hand. */
cJSON *es_plan_config_digest(const struct es_config *cfg, char *err,
                             size_t errlen)
{
	struct files f = {0};
	cJSON *doc = cJSON_CreateObject(), *list = cJSON_CreateArray();
	cJSON *absent = cJSON_CreateArray();
	char *listing = NULL, hex[ES_SHA256_HEX];
	size_t len = 0;
	FILE *mem = open_memstream(&listing, &len);
	int rc = -1;

	if (!doc || !list || !absent || !mem) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	add_path(&f, cfg->path);
	add_sources(&f, config_root_setting((const config_t *)cfg->impl));
	/* The customer file first, then what it includes by name. */
	if (f.n > 1)
		qsort(f.paths + 1, f.n - 1, sizeof(*f.paths), by_name);
	if (add_path_keys(&f, cfg, absent, err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < f.n && !f.oom; i++) {
		cJSON *e = cJSON_CreateObject();

		if (file_sha256(f.paths[i], hex, err, errlen) < 0) {
			cJSON_Delete(e);
			goto out;
		}
		cJSON_AddStringToObject(e, "path", f.paths[i]);
		cJSON_AddStringToObject(e, "sha256", hex);
		cJSON_AddItemToArray(list, e);
		fprintf(mem, "%s  %s\n", hex, f.paths[i]);
	}
	rc = fclose(mem);
	mem = NULL;
	if (f.oom || rc != 0 || es_sha256_hex(listing, len, hex) < 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	cJSON_AddStringToObject(doc, "path", f.paths[0]);
	cJSON_AddStringToObject(doc, "sha256", hex);
	cJSON_AddItemToObject(doc, "files", list);
	cJSON_AddItemToObject(doc, "absent", absent);
	list = absent = NULL;
out:
	if (mem)
		fclose(mem);
	free(listing);
	files_free(&f);
	cJSON_Delete(list);
	cJSON_Delete(absent);
	if (rc < 0) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}
