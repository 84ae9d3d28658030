/*
 * Reading the shared e-mail template directory (templates.h): the walk
 * over <dir>/<name>/, the three files of a template read safely, and the
 * required names. template.cfg and the {{variables}} are template_cfg.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan_file.h"
#include "template_cfg.h"
#include "templates.h"

/* More entries than this is not a template folder: refuse rather than
 * read a whole tree. */
#define MAX_TEMPLATES 1000

const char *const es_platform_templates[] = {
    "confirmation-instructions",
    "reconfirmation-instructions",
    "email-change",
    "reset-password-instructions",
    "unlock-instructions",
    "password-change",
    "organization-invite-new-user",
    "organization-invite-existing-user",
    "deletion-request-instructions",
    "registration-instructions",
    "request-access",
    "access-denied",
    "access-approved",
    "access-approved-all",
    NULL,
};

struct es_template_set {
	struct es_template *items;
	size_t n;
};

void es_template_problem(struct es_template_reader *r, const char *file,
                         int line, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	r->report(r->arg, file, line, text);
	r->problems++;
}

/* ---- names ---------------------------------------------------------- */

/* The names every provider takes as they are: Mandrill makes a slug of
 * the name and Mailgun lower-cases it, so only a-z, 0-9, '-' and '_'. */
static int valid_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= ES_TEMPLATE_NAME_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- one file ------------------------------------------------------- */

/* 1 when `s` (len bytes) is valid UTF-8: providers take JSON and form
 * fields in UTF-8, and a Latin-1 file would reach them garbled. */
static int valid_utf8(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t more = s[i] < 0x80             ? 0
		              : (s[i] & 0xe0) == 0xc0 ? 1
		              : (s[i] & 0xf0) == 0xe0 ? 2
		              : (s[i] & 0xf8) == 0xf0 ? 3
		                                      : 4;

		if (more == 4 || i + more >= len)
			return 0;
		for (size_t k = 1; k <= more; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += more + 1;
	}
	return 1;
}

/* The text of file `name` in the template folder `dfd` (transfer full),
 * or NULL: absent (*absent set, nothing reported) or refused (reported).
 * Never follows a link and never waits: a FIFO is refused by its type
 * before anything is read. */
static char *read_text(struct es_template_reader *r, int dfd, const char *path,
                       const char *name, int *absent)
{
	int fd =
	    openat(dfd, name,
	           O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	struct stat sb;
	char *text = NULL;
	size_t got = 0;
	ssize_t n = 1;

	*absent = 0;
	if (fd < 0 && errno == ENOENT) {
		*absent = 1;
		return NULL;
	}
	if (fd < 0 && errno == ELOOP) {
		es_template_problem(r, path, 0,
		                    "is a symbolic link: template files must "
		                    "be regular files inside the directory");
		return NULL;
	}
	if (fd < 0 || fstat(fd, &sb) < 0) {
		es_template_problem(r, path, 0, "cannot be read: %s",
		                    strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(sb.st_mode))
		es_template_problem(r, path, 0,
		                    "is not a regular file (a FIFO, device or "
		                    "directory): it is not read");
	else if (sb.st_size > ES_TEMPLATE_FILE_MAX)
		es_template_problem(r, path, 0, "is larger than %d bytes",
		                    ES_TEMPLATE_FILE_MAX);
	else if (!(text = malloc((size_t)sb.st_size + 2)))
		es_template_problem(r, path, 0, "out of memory");
	else
		while (n > 0 && got <= (size_t)sb.st_size) {
			n = read(fd, text + got, (size_t)sb.st_size + 1 - got);
			got += n > 0 ? (size_t)n : 0;
		}
	close(fd);
	if (!text)
		return NULL;
	text[got] = '\0';
	if (n < 0)
		es_template_problem(r, path, 0, "cannot be read: %s",
		                    strerror(errno));
	else if (got > (size_t)sb.st_size || memchr(text, '\0', got) ||
	         !valid_utf8((const unsigned char *)text, got))
		es_template_problem(r, path, 0,
		                    "is not UTF-8 text (or grew while read)");
	else
		return text;
	free(text);
	return NULL;
	return text;
}

/* ---- one template --------------------------------------------------- */

static void template_clear(struct es_template *t)
{
	free((char *)t->name);
	free((char *)t->subject);
	free((char *)t->description);
	free((char *)t->html);
	free((char *)t->text);
	for (size_t i = 0; t->variables && i < t->n_variables; i++)
		free((char *)t->variables[i]);
	free((void *)t->variables);
	free((char *)t->digest);
	memset(t, 0, sizeof(*t));
}

/* Only these three files: a stray body.htm is a typo, not a choice. */
static void check_entries(struct es_template_reader *r, int dfd,
                          const char *folder)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return; /* the files' own reads report why */
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, "template.cfg") &&
		    strcmp(e->d_name, "body.html") &&
		    strcmp(e->d_name, "body.txt"))
			es_template_problem(
			    r, folder, 0,
			    "holds '%s': a template folder holds "
			    "template.cfg, body.html and body.txt "
			    "only",
			    e->d_name);
	closedir(d);
}

static char *digest_of(const struct es_template *t)
{
	size_t ls = strlen(t->subject) + 1, lh = strlen(t->html) + 1,
	       lt = t->text ? strlen(t->text) + 1 : 0;
	char *buf = malloc(ls + lh + lt + 1), *hex = malloc(ES_SHA256_HEX);

	if (buf && hex) {
		memcpy(buf, t->subject, ls);
		memcpy(buf + ls, t->html, lh);
		if (t->text)
			memcpy(buf + ls + lh, t->text, lt);
		if (es_sha256_hex(buf, ls + lh + lt, hex) == 0) {
			free(buf);
			return hex;
		}
	}
	free(buf);
	free(hex);
	return NULL;
}

/* Template folder `name` of `dirfd` into *t: 0, or -1 after problems. */
static int load_one(struct es_template_reader *r, int dirfd, const char *name,
                    struct es_template *t)
{
	static const char *const files[] = {"template.cfg", "body.html",
	                                    "body.txt"};
	char folder[4096], path[3][4200];
	char *text[3] = {NULL, NULL, NULL};
	size_t before = r->problems;
	int dfd, absent;

	memset(t, 0, sizeof(*t));
	t->struct_size = sizeof(*t);
	snprintf(folder, sizeof(folder), "%s/%s", r->dir, name);
	dfd = openat(dirfd, name,
	             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		es_template_problem(r, folder, 0,
		                    "%s: a template is a folder <name>/ with "
		                    "template.cfg and body.html "
		                    "(docs/templates.md)",
		                    errno == ELOOP || errno == ENOTDIR
		                        ? "not a folder (or a symbolic link)"
		                        : strerror(errno));
		return -1;
	}
	if (!valid_name(name)) {
		es_template_problem(r, folder, 0,
		                    "'%s' is no template name: a-z, 0-9, - and "
		                    "_, at most %d bytes",
		                    name, ES_TEMPLATE_NAME_MAX);
		close(dfd);
		return -1;
	}
	check_entries(r, dfd, folder);
	for (int i = 0; i < 3; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/%s", folder, files[i]);
		text[i] = read_text(r, dfd, path[i], files[i], &absent);
		if (absent && i < 2)
			es_template_problem(r, path[i], 0, "is missing");
		else if (text[i] && !text[i][strspn(text[i], " \t\r\n")])
			es_template_problem(r, path[i], 0, "is empty");
	}
	close(dfd);
	t->name = strdup(name);
	t->html = text[1];
	t->text = text[2];
	if (text[0])
		es_template_cfg_parse(r, path[0], text[0], t);
	if (t->subject && t->html)
		es_template_vars_check(r, path[1], t->html, 1, t);
	if (t->subject && t->text)
		es_template_vars_check(r, path[2], t->text, 1, t);
	free(text[0]);
	if (r->problems == before && t->name && t->subject)
		t->digest = digest_of(t);
	if (r->problems == before && !t->digest)
		es_template_problem(r, folder, 0, "out of memory");
	return r->problems == before ? 0 : -1;
}

/* ---- the directory -------------------------------------------------- */

/* The template folder names of `dirfd`, sorted (transfer full). */
static char **list_names(struct es_template_reader *r, int dirfd, size_t *n)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **names = calloc(MAX_TEMPLATES, sizeof(char *));
	struct dirent *e;

	*n = 0;
	if (!d || !names) {
		es_template_problem(r, r->dir, 0, "cannot be listed: %s",
		                    strerror(errno));
		if (d)
			closedir(d);
		else if (fd >= 0)
			close(fd);
		free(names);
		return NULL;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (*n == MAX_TEMPLATES) {
			es_template_problem(r, r->dir, 0,
			                    "holds more than %d entries: not a "
			                    "template directory",
			                    MAX_TEMPLATES);
			break;
		}
		if (!(names[*n] = strdup(e->d_name)))
			break;
		(*n)++;
	}
	closedir(d);
	if (*n > 1) /* none: names may be NULL */
		qsort(names, *n, sizeof(*names), by_name);
	return names;
}

/* Required names are looked up among the folders, loaded or not: a
 * broken template is reported once, for what is wrong with it. */
static void require(struct es_template_reader *r, char **names, size_t n,
                    const char *name, const char *why)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return;
	es_template_problem(r, r->dir, 0,
	                    "has no template '%s' (%s): add the folder %s/ "
	                    "with template.cfg and body.html",
	                    name, why, name);
}

static void check_required(struct es_template_reader *r, char **names, size_t n,
                           const char *const *required, size_t n_required)
{
	for (size_t i = 0; i < n_required; i++) {
		if (strcmp(required[i], "platform") != 0) {
			require(r, names, n, required[i],
			        "listed in templates");
			continue;
		}
		for (size_t k = 0; es_platform_templates[k]; k++)
			require(r, names, n, es_platform_templates[k],
			        "the platform sends it");
	}
}

struct es_template_set *es_templates_load(const char *dir,
                                          const char *const *required,
                                          size_t n_required,
                                          es_template_report report, void *arg,
                                          size_t *problems)
{
	struct es_template_reader r = {
	    .dir = dir, .report = report, .arg = arg};
	struct es_template_set *s = calloc(1, sizeof(*s));
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0;

	if (dirfd < 0)
		es_template_problem(&r, dir, 0,
		                    "is not a readable directory: %s",
		                    strerror(errno));
	else
		names = list_names(&r, dirfd, &n);
	if (s && names && (s->items = calloc(n + 1, sizeof(*s->items))))
		for (size_t i = 0; i < n; i++)
			if (load_one(&r, dirfd, names[i], &s->items[s->n]) == 0)
				s->n++;
			else
				template_clear(&s->items[s->n]);
	else if (r.problems == 0)
		es_template_problem(&r, dir, 0, "out of memory");
	if (names)
		check_required(&r, names, n, required, n_required);
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	if (dirfd >= 0)
		close(dirfd);
	*problems = r.problems;
	if (r.problems) {
		es_templates_free(s);
		return NULL;
	}
	return s;
}

size_t es_templates_count(const struct es_template_set *set)
{
	return set ? set->n : 0;
}

const struct es_template *es_templates_get(const struct es_template_set *set,
                                           size_t i)
{
	return set && i < set->n ? &set->items[i] : NULL;
}

void es_templates_free(struct es_template_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		template_clear(&set->items[i]);
	free(set->items);
	free(set);
}
