/*
 * The customer file's first line of defence (see config.h): refuse what
 * is not a small UTF-8 text file, and walk its @include lines by real
 * path, so a missing include, a cycle or a hostile included file gives one
 * clear diagnostic before libconfig parses anything.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_internal.h"
#include "numbers.h"

/* libconfig itself gives up at 10; stop earlier with a clearer message. */
#define MAX_INCLUDE_DEPTH 8
#define MAX_INCLUDED_FILES 64

/* ---- reading a file safely ------------------------------------------ */

static int line_at(const char *buf, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off; i++)
		line += buf[i] == '\n';
	return line;
}

/* Length of the UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0)
		len = 2, cp = s[0] & 0x1F;
	else if ((s[0] & 0xF0) == 0xE0)
		len = 3, cp = s[0] & 0x0F;
	else if ((s[0] & 0xF8) == 0xF0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values past Unicode are refused. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* Where an include's problem is reported: at the @include line, or at
 * the file itself for the top-level file. */
struct origin {
	const char *file;
	int line;
	const char *name; /* as written after @include; NULL: top level */
};

static void file_problem(struct es_diags *d, const struct origin *o,
                         const char *path, const char *what)
{
	if (o->name)
		es_diags_add(d, o->file, o->line, NULL, "@include \"%s\": %s",
		             o->name, what);
	else
		es_diags_add(d, path, 0, NULL, "%s", what);
}

static int check_text(const char *buf, size_t len, const char *path,
                      const struct origin *o, struct es_diags *d)
{
	char what[160];
	size_t i = 0, blank = 1;

	while (i < len) {
		size_t n;

		if (buf[i] == '\0') {
			snprintf(what, sizeof(what),
			         "binary data (NUL byte on line %d), not a "
			         "config file",
			         line_at(buf, i));
			file_problem(d, o, path, what);
			return -1;
		}
		n = utf8_seq((const unsigned char *)buf + i, len - i);
		if (!n) {
			snprintf(what, sizeof(what),
			         "not UTF-8 text (invalid byte on line %d)",
			         line_at(buf, i));
			file_problem(d, o, path, what);
			return -1;
		}
		if (!strchr(" \t\r\n", buf[i]))
			blank = 0;
		i += n;
	}
	if (blank) {
		file_problem(d, o, path, "file is empty");
		return -1;
	}
	return 0;
}

/* ---- strings after escapes ------------------------------------------- */

/* "mailgun.webhook_events[2]": where a setting is, "plugins." dropped as
 * in every other message. */
static void setting_key(const config_setting_t *s, char *out, size_t len)
{
	const config_setting_t *parent = config_setting_parent(s);
	size_t used;

	out[0] = '\0';
	if (!parent)
		return;
	setting_key(parent, out, len);
	if (!strcmp(out, "plugins"))
		out[0] = '\0';
	used = strlen(out);
	if (config_setting_name(s))
		snprintf(out + used, len - used, "%s%s", used ? "." : "",
		         config_setting_name(s));
	else
		snprintf(out + used, len - used, "[%d]",
		         config_setting_index(s));
}

size_t es_config_check_strings(const config_setting_t *s, const char *file,
                               struct es_diags *d)
{
	const unsigned char *v;
	char key[256];
	size_t len;

	if (config_setting_is_aggregate(s)) {
		size_t problems = 0;

		for (int i = 0; i < config_setting_length(s); i++)
			problems += es_config_check_strings(
			    config_setting_get_elem(s, i), file, d);
		return problems;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return 0;
	v = (const unsigned char *)config_setting_get_string(s);
	len = strlen((const char *)v);
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(v + i, len - i);
		const char *src = config_setting_source_file(s);

		if (n && (v[i] >= 0x20 || v[i] == '\t' || v[i] == '\n') &&
		    v[i] != 0x7f) {
			i += n;
			continue;
		}
		setting_key(s, key, sizeof(key));
		if (n)
			es_diags_add(
			    d, src ? src : file,
			    (int)config_setting_source_line(s), key,
			    "has a control character (0x%02x, byte %zu): "
			    "write text, not terminal or control codes",
			    v[i], i + 1);
		else
			es_diags_add(
			    d, src ? src : file,
			    (int)config_setting_source_line(s), key,
			    "byte %zu (0x%02x) is not UTF-8 text: write "
			    "the character itself, not an escape such "
			    "as \"\\xff\"",
			    i + 1, v[i]);
		return 1;
	}
	return 0;
}

/* ---- integers past 64 bits --------------------------------------------- */

/* libconfig 1.5 reads an integer literal past 64 bits as -1 or a wrapped
 * value without a word; find such literals first, with the setting they
 * belong to (the group path as written, "plugins." dropped as elsewhere). */
struct number_scan {
	const char *path;
	struct es_diags *d;
	char groups[8][64]; /* open groups and lists, by name ("" unnamed) */
	int depth;
	char name[64]; /* the last setting name read */
};

static void scan_key(const struct number_scan *ns, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i <= ns->depth && i <= 8; i++) {
		const char *part =
		    i < ns->depth && i < 8 ? ns->groups[i] : ns->name;

		if (i == ns->depth || i == 8)
			part = ns->name;
		if (!*part || (i == 0 && ns->depth && !strcmp(part, "plugins")))
			continue;
		if (o < len)
			o += (size_t)snprintf(out + o, len - o, "%s%s",
			                      o ? "." : "", part);
	}
}

/* The literal at buf[*i]: refused when it is an integer past 64 bits. */
static int scan_number(struct number_scan *ns, const char *buf, size_t len,
                       size_t *i, int line)
{
	size_t start = *i, end = start;
	int hex, is_float = 0;
	char text[96], key[256];
	int64_t n;

	if (buf[end] == '-' || buf[end] == '+')
		end++;
	hex = end + 1 < len && buf[end] == '0' &&
	      (buf[end + 1] == 'x' || buf[end + 1] == 'X');
	if (hex)
		end += 2;
	while (end < len &&
	       (isxdigit((unsigned char)buf[end]) ||
	        (!hex && strchr(".eE", buf[end])) ||
	        (!hex && end > start && strchr("eE", buf[end - 1]) &&
	         strchr("+-", buf[end])))) {
		is_float |= !hex && strchr(".eE", buf[end]) != NULL;
		end++;
	}
	*i = end;
	while (*i < len && (buf[*i] == 'L' || buf[*i] == 'l'))
		(*i)++;
	if (is_float)
		return 0;
	if (end - start >= sizeof(text)) {
		snprintf(text, sizeof(text), "%.64s...", buf + start);
	} else {
		memcpy(text, buf + start, end - start);
		text[end - start] = '\0';
		if (hex ? strspn(text + 2, "0") + 16 >= strlen(text + 2)
		        : es_parse_int64(text, &n) != ES_NUMBER_RANGE)
			return 0;
	}
	scan_key(ns, key, sizeof(key));
	es_diags_add(ns->d, ns->path, line, key[0] ? key : NULL,
	             "%s is out of range: a whole number is at least "
	             "-9223372036854775808 and at most 9223372036854775807",
	             text);
	return -1;
}

/* Past a string or comment starting at buf[*i]; lines counted. */
static int skip_text(const char *buf, size_t len, size_t *i, int *line)
{
	size_t j = *i;

	if (buf[j] == '"') {
		for (j++; j < len && buf[j] != '"'; j++) {
			*line += buf[j] == '\n';
			if (buf[j] == '\\' && j + 1 < len)
				j++;
		}
	} else if (buf[j] == '#' ||
	           (buf[j] == '/' && j + 1 < len && buf[j + 1] == '/')) {
		while (j < len && buf[j] != '\n')
			j++;
		*i = j;
		return 1;
	} else if (buf[j] == '/' && j + 1 < len && buf[j + 1] == '*') {
		for (j += 2;
		     j + 1 < len && !(buf[j] == '*' && buf[j + 1] == '/'); j++)
			*line += buf[j] == '\n';
		j++;
	} else {
		return 0;
	}
	*i = j + 1;
	return 1;
}

static int check_numbers(const char *buf, size_t len, const char *path,
                         struct es_diags *d)
{
	struct number_scan ns = {.path = path, .d = d};
	size_t i = 0;
	int line = 1, rc = 0;

	while (i < len) {
		unsigned char c = (unsigned char)buf[i];

		if (skip_text(buf, len, &i, &line))
			continue;
		if (isalpha(c) || c == '*' || c == '_') {
			size_t n = 0;

			while (i < len && (isalnum((unsigned char)buf[i]) ||
			                   strchr("_*-", buf[i]))) {
				if (n + 1 < sizeof(ns.name))
					ns.name[n++] = buf[i];
				i++;
			}
			ns.name[n] = '\0';
			continue;
		}
		if (isdigit(c) || ((c == '-' || c == '+') && i + 1 < len &&
		                   isdigit((unsigned char)buf[i + 1]))) {
			if (scan_number(&ns, buf, len, &i, line) < 0)
				rc = -1;
			continue;
		}
		if (strchr("{([", c) && c) {
			if (ns.depth < 8)
				memcpy(ns.groups[ns.depth], ns.name,
				       sizeof(ns.name));
			ns.depth++;
			ns.name[0] = '\0';
		} else if (strchr("})]", c) && c && ns.depth > 0) {
			ns.depth--;
		}
		line += c == '\n';
		i++;
	}
	return rc;
}

/* Read at most ES_CONFIG_MAX_BYTES + 1 bytes (one past the limit, to
 * notice a file that grew), into a buffer sized from `size_hint` (the
 * file's size when opened) and grown as needed, never the limit up front:
 * every load reads the customer file, its includes and the checklist. */
static char *read_bounded(int fd, size_t size_hint, size_t *len)
{
	size_t cap = size_hint < ES_CONFIG_MAX_BYTES ? size_hint + 2
	                                             : ES_CONFIG_MAX_BYTES + 2;
	char *buf = malloc(cap);
	size_t got = 0;

	if (!buf)
		return NULL;
	while (got <= ES_CONFIG_MAX_BYTES) {
		ssize_t r;

		if (got + 1 >= cap) {
			size_t bigger = cap * 2 < ES_CONFIG_MAX_BYTES + 2
			                    ? cap * 2
			                    : ES_CONFIG_MAX_BYTES + 2;
			char *grown = realloc(buf, bigger);

			if (!grown) {
				free(buf);
				return NULL;
			}
			buf = grown;
			cap = bigger;
		}
		r = read(fd, buf + got, cap - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* Open, stat and read `path`, refusing anything that is not a small text
 * file. Returns the NUL-terminated text (free()) or NULL after one
 * diagnostic. */
static char *read_text_file(const char *path, const struct origin *o,
                            struct es_diags *d, size_t *len)
{
	char what[256];
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(what, sizeof(what), "cannot open: %s",
		         strerror(errno));
		file_problem(d, o, path, what);
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		file_problem(d, o, path,
		             S_ISDIR(st.st_mode)
		                 ? "is a directory, not a config file"
		                 : "not a regular file");
		close(fd);
		return NULL;
	}
	if ((uintmax_t)st.st_size > ES_CONFIG_MAX_BYTES) {
		snprintf(what, sizeof(what),
		         "file is too large (%jd bytes; the limit is %u)",
		         (intmax_t)st.st_size, ES_CONFIG_MAX_BYTES);
		file_problem(d, o, path, what);
		close(fd);
		return NULL;
	}
	buf = read_bounded(fd, (size_t)st.st_size, len);
	close(fd);
	if (!buf) {
		file_problem(d, o, path, "out of memory");
		return NULL;
	}
	if (*len > ES_CONFIG_MAX_BYTES) {
		snprintf(what, sizeof(what),
		         "file is too large (the limit is %u bytes)",
		         ES_CONFIG_MAX_BYTES);
		file_problem(d, o, path, what);
	} else if (check_text(buf, *len, path, o, d) == 0 &&
	           check_numbers(buf, *len, path, d) == 0) {
		return buf;
	}
	free(buf);
	return NULL;
}

/* ---- @include pre-scan ---------------------------------------------- */

/* libconfig would recurse into a self-include until its own depth limit
 * and report a confusing error; walk the includes first, by real path. */
struct include_walk {
	const char *incdir;
	char *stack[MAX_INCLUDE_DEPTH + 2]; /* real paths, outermost first */
	int depth;
	size_t files;
	struct es_diags *d;
};

/* The name in `@include "name"` when the line is one (libconfig's rule:
 * optional blanks, then the directive). 1 when found. */
static int include_name(const char *line, size_t n, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (n - i < 9 || strncmp(line + i, "@include", 8) != 0)
		return 0;
	i += 8;
	if (line[i] != ' ' && line[i] != '\t')
		return 0;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i >= n || line[i++] != '"')
		return 0;
	while (i < n && line[i] != '"' && o + 1 < outlen) {
		if (line[i] == '\\' && i + 1 < n)
			i++;
		out[o++] = line[i++];
	}
	out[o] = '\0';
	return i < n && line[i] == '"';
}

static int scan_file(struct include_walk *w, const char *path,
                     const struct origin *o);

static void report_cycle(struct include_walk *w, const struct origin *o,
                         const char *real)
{
	char chain[1024] = "";
	int start = 0;

	while (start < w->depth && strcmp(w->stack[start], real) != 0)
		start++;
	for (int i = start; i < w->depth; i++) {
		strncat(chain, w->stack[i], sizeof(chain) - strlen(chain) - 1);
		strncat(chain, " -> ", sizeof(chain) - strlen(chain) - 1);
	}
	strncat(chain, real, sizeof(chain) - strlen(chain) - 1);
	es_diags_add(w->d, o->file, o->line, NULL,
	             "@include \"%s\": include cycle: %s", o->name, chain);
}

static int visit_include(struct include_walk *w, const char *from, int line,
                         const char *name)
{
	struct origin o = {from, line, name};
	char full[PATH_MAX], real[PATH_MAX];
	int rc;

	/* libconfig 1.5 always prefixes the include directory. */
	if ((size_t)snprintf(full, sizeof(full), "%s/%s", w->incdir, name) >=
	    sizeof(full)) {
		file_problem(w->d, &o, full, "path too long");
		return -1;
	}
	if (!realpath(full, real)) {
		char what[PATH_MAX + 128];

		snprintf(what, sizeof(what), "cannot open %s: %s", full,
		         strerror(errno));
		file_problem(w->d, &o, full, what);
		return -1;
	}
	for (int i = 0; i < w->depth; i++) {
		if (strcmp(w->stack[i], real) == 0) {
			report_cycle(w, &o, real);
			return -1;
		}
	}
	if (w->depth >= MAX_INCLUDE_DEPTH) {
		file_problem(w->d, &o, full, "includes nested too deep");
		return -1;
	}
	w->stack[w->depth] = strdup(real);
	if (!w->stack[w->depth]) {
		file_problem(w->d, &o, full, "out of memory");
		return -1;
	}
	w->depth++;
	rc = scan_file(w, full, &o);
	free(w->stack[--w->depth]);
	return rc;
}

static int scan_includes(struct include_walk *w, const char *path,
                         const char *buf, size_t len)
{
	int rc = 0, line = 1;

	for (size_t i = 0; i < len; line++) {
		const char *eol = memchr(buf + i, '\n', len - i);
		size_t n = eol ? (size_t)(eol - (buf + i)) : len - i;
		char name[PATH_MAX];

		if (include_name(buf + i, n, name, sizeof(name)) &&
		    visit_include(w, path, line, name) < 0)
			rc = -1;
		i += n + 1;
	}
	return rc;
}

static int scan_file(struct include_walk *w, const char *path,
                     const struct origin *o)
{
	size_t len;
	char *buf;
	int rc;

	if (++w->files > MAX_INCLUDED_FILES) {
		file_problem(w->d, o, path, "too many included files");
		return -1;
	}
	buf = read_text_file(path, o, w->d, &len);
	if (!buf)
		return -1;
	rc = scan_includes(w, path, buf, len);
	free(buf);
	return rc;
}

void (*es_config_checked_hook)(const char *path);

/* Check the file and everything it includes. On success *dir is the
 * config's directory, absolute, and *text the file's checked text (both
 * free()). */
static int check_files(const char *path, struct es_diags *d, char **dir,
                       char **text)
{
	struct origin top = {NULL, 0, NULL};
	struct include_walk w = {.d = d, .files = 1};
	char real[PATH_MAX], parent[PATH_MAX];
	size_t len;
	char *buf = read_text_file(path, &top, d, &len);
	int rc;

	if (!buf)
		return -1;
	if (!realpath(path, real)) {
		es_diags_add(d, path, 0, NULL, "cannot resolve path: %s",
		             strerror(errno));
		free(buf);
		return -1;
	}
	memcpy(parent, real, sizeof(parent));
	*dir = strdup(dirname(parent));
	w.stack[0] = real;
	w.depth = 1;
	w.incdir = *dir;
	rc = *dir ? scan_includes(&w, path, buf, len) : -1;
	if (!*dir)
		es_diags_add(d, path, 0, NULL, "out of memory");
	if (rc < 0)
		free(buf);
	else
		*text = buf;
	return rc;
}

/* Name `file` as the source of every setting under `s` that has none:
 * libconfig names only included files' settings when it reads a string.
 * (`file` is a public member libconfig has no setter for.) */
static void name_source(config_setting_t *s, const char *file)
{
	if (!s->file)
		s->file = file;
	for (int i = 0;
	     config_setting_is_aggregate(s) && i < config_setting_length(s);
	     i++)
		name_source(config_setting_get_elem(s, (unsigned)i), file);
}

int es_libconfig_parse(config_t *cf, const char *path, struct es_diags *d,
                       char **dir)
{
	char *text = NULL, *name;

	*dir = NULL;
	if (check_files(path, d, dir, &text) < 0)
		goto fail;
	if (es_config_checked_hook)
		es_config_checked_hook(path);
	config_set_include_dir(cf, *dir);
	/* The text just checked, not the path opened again: a file swapped
	 * meanwhile (for a FIFO, another file) is never read. */
	if (!config_read_string(cf, text)) {
		es_diags_add(
		    d, config_error_file(cf) ? config_error_file(cf) : path,
		    config_error_line(cf), NULL, "%s", config_error_text(cf));
		goto fail;
	}
	free(text);
	text = NULL;
	/* The name outlives no setting: the root's hook, freed with it. */
	name = strdup(path);
	if (!name) {
		es_diags_add(d, path, 0, NULL, "out of memory");
		goto fail;
	}
	config_set_destructor(cf, free);
	config_setting_set_hook(config_root_setting(cf), name);
	name_source(config_root_setting(cf), name);
	if (es_config_check_strings(config_root_setting(cf), path, d))
		goto fail;
	return 0;
fail:
	free(text);
	free(*dir);
	*dir = NULL;
	return -1;
}

config_t *es_libconfig_read(const char *path, struct es_diags *d)
{
	char *dir = NULL;
	config_t *cf = calloc(1, sizeof(*cf));

	if (!cf) {
		es_diags_add(d, path, 0, NULL, "out of memory");
		return NULL;
	}
	config_init(cf);
	if (es_libconfig_parse(cf, path, d, &dir) < 0) {
		config_destroy(cf);
		free(cf);
		cf = NULL;
	}
	free(dir);
	return cf;
}
