/* Plugin discovery, probing and loading (loader.h); the descriptor checks
 * are descriptor.c's. */
#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "envsetup/version.h"
#include "log.h"

/* The directory of the plugins that came with this executable: beside it
 * (a build tree, a relocated install), else the configured install
 * directory. malloc'd. */
static char *bundled_dir(void)
{
	char exe[PATH_MAX], candidate[PATH_MAX + 16];
	ssize_t n;
	struct stat st;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			/* Build tree (build/core/envsetup, build/plugins), then
			 * a relocated install (bin/, lib/envsetup/plugins, as
			 * core/CMakeLists.txt computes it). */
			static const char *const beside[] = {
			    "plugins",
			    "../plugins",
			    ES_PLUGIN_DIR_BESIDE_BIN,
			};

			*slash = '\0';
			for (size_t i = 0; i < sizeof(beside) / sizeof(*beside);
			     i++) {
				snprintf(candidate, sizeof(candidate), "%s/%s",
				         exe, beside[i]);
				if (stat(candidate, &st) == 0 &&
				    S_ISDIR(st.st_mode))
					return realpath(candidate, NULL);
			}
		}
	}
	return strdup(ES_PLUGIN_INSTALL_DIR);
}

char *es_plugin_dir_default(const char *argv0)
{
	const char *env = getenv("ENVSETUP_PLUGIN_DIR");

	(void)argv0;
	if (env && *env)
		return strdup(env);
	return bundled_dir();
}

int es_plugin_dir_is_bundled(const char *dir)
{
	char *bundled = bundled_dir();
	char *real = dir ? realpath(dir, NULL) : NULL;
	char *installed = realpath(ES_PLUGIN_INSTALL_DIR, NULL);
	char *real_bundled = bundled ? realpath(bundled, NULL) : NULL;
	int yes = real && ((real_bundled && !strcmp(real, real_bundled)) ||
	                   (installed && !strcmp(real, installed)));

	free(bundled);
	free(real);
	free(installed);
	free(real_bundled);
	return yes;
}

/* dlopen + entry + checks; used in the probe child, for real, and in a
 * plugin process (es_plugin_open). */
static int open_plugin(struct es_plugin *p, const char *path, const char *name,
                       char *err, size_t errlen)
{
	es_plugin_entry_fn entry;
	void *sym;

	p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!p->handle) {
		snprintf(err, errlen, "cannot load: %s", dlerror());
		return -1;
	}
	sym = dlsym(p->handle, ES_PLUGIN_ENTRY_SYMBOL);
	if (!sym) {
		snprintf(err, errlen, "no %s symbol: not an envsetup plugin",
		         ES_PLUGIN_ENTRY_SYMBOL);
		return -1;
	}
	*(void **)&entry = sym;
	p->desc = entry(ES_ABI_MAJOR, ES_ABI_MINOR);
	if (!p->desc) {
		snprintf(err, errlen,
		         "refused to serve ABI %d.%d (entry returned NULL)",
		         ES_ABI_MAJOR, ES_ABI_MINOR);
		return -1;
	}
	return es_descriptor_check(p, name, err, errlen);
}

int es_plugin_open(struct es_plugin *p, const char *path, const char *name,
                   char *err, size_t errlen)
{
	return open_plugin(p, path, name, err, errlen);
}

static void plugin_release(struct es_plugin *p)
{
	free(p->name);
	free(p->path);
	free(p->keys);
	free(p->tasks);
	free(p->outputs);
	if (p->file_fd > STDERR_FILENO)
		close(p->file_fd);
	/* The handle stays open: descriptor strings live in it until exit. */
	memset(p, 0, sizeof(*p));
}

/* A plugin runs with envsetup's keys: only its owner (or root) may be able
 * to change it or its directory. A group-writable one is fine when the
 * group is the user's own (Debian gives each user a private group and
 * umask 002, so a build tree's files are g+w). NULL, or why not. */
static const char *untrusted(const struct stat *st, char *why, size_t len)
{
	int group_risk = (st->st_mode & S_IWGRP) && st->st_gid != getegid();

	if ((st->st_mode & S_IWOTH) || group_risk) {
		snprintf(why, len,
		         "writable by %s (mode %04o): anyone who can write it "
		         "runs code with your credentials; chmod go-w",
		         (st->st_mode & S_IWOTH) ? "everyone" : "its group",
		         (unsigned)(st->st_mode & 07777));
		return why;
	}
	if (st->st_uid != geteuid() && st->st_uid != 0) {
		snprintf(why, len,
		         "owned by uid %u, neither you (uid %u) nor root",
		         (unsigned)st->st_uid, (unsigned)geteuid());
		return why;
	}
	return NULL;
}

/* How long loading a plugin (its constructors and entry) may take. */
#define PROBE_TIMEOUT_MS 10000

/* The child's report, read until it closes the pipe or the time is up:
 * 1 when it came, 0 when the time ran out. */
static int read_report(int fd, char *buf, size_t len)
{
	struct timespec start, now;
	size_t got = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long spent;
		ssize_t n;
		int ready;

		clock_gettime(CLOCK_MONOTONIC, &now);
		spent = (now.tv_sec - start.tv_sec) * 1000L +
		        (now.tv_nsec - start.tv_nsec) / 1000000L;
		if (spent >= PROBE_TIMEOUT_MS)
			break;
		ready = poll(&pfd, 1, (int)(PROBE_TIMEOUT_MS - spent));
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			break;
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (got += (size_t)n) >= len - 1) {
			buf[got] = '\0';
			return 1;
		}
	}
	buf[got] = '\0';
	return 0;
}

/* Probe in a child: a crash, an exit or a hang there is a refusal, not
 * ours. The child says "+" when the plugin loaded, else "-" and why. */
static int probe(const char *path, const char *name, char *err, size_t errlen)
{
	int fds[2], status, reported;
	char report[512];
	pid_t pid;

	if (getenv("ENVSETUP_NO_PROBE"))
		return 0;
	if (pipe(fds) < 0)
		return 0; /* cannot probe: fall back to in-process checks */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	if (pid == 0) {
		struct es_plugin p = {0};
		char msg[512] = "";
		int rc;

		close(fds[0]);
		/* Die by the signal itself, so the parent can name it, even
		 * when a sanitizer runtime installed handlers of its own. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		rc = open_plugin(&p, path, name, msg + 1, sizeof(msg) - 1);
		msg[0] = rc < 0 ? '-' : '+';
		if (write(fds[1], msg, rc < 0 ? strlen(msg) : 1) < 0)
			rc = -2;
		_exit(rc < 0 ? 1 : 0);
	}
	close(fds[1]);
	reported = read_report(fds[0], report, sizeof(report));
	close(fds[0]);
	if (!reported)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!reported) {
		snprintf(
		    err, errlen,
		    "did not finish loading within %d s (its constructor or "
		    "entry hangs)",
		    PROBE_TIMEOUT_MS / 1000);
		return -1;
	}
	if (WIFSIGNALED(status)) {
		snprintf(err, errlen, "crashed while loading (signal %d, %s)",
		         WTERMSIG(status), strsignal(WTERMSIG(status)));
		return -1;
	}
	if (report[0] == '+' && WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	if (report[0] == '-' && report[1])
		snprintf(err, errlen, "%s", report + 1);
	else if (WIFEXITED(status))
		snprintf(err, errlen,
		         "exited (status %d) while loading, before its entry "
		         "returned: a plugin must not end the program",
		         WEXITSTATUS(status));
	else
		snprintf(err, errlen, "failed to load");
	return -1;
}

/*
 * The verdicts of this process's probes: each plugin file is probed once
 * an invocation, however many customers (registries) load it. Keyed by the
 * file's identity, so a file replaced meanwhile is probed again.
 */
struct probed {
	char *path, *err; /* err: NULL when it loaded */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

static pthread_mutex_t probed_lock = PTHREAD_MUTEX_INITIALIZER;
static struct probed *probed;
static size_t n_probed;

static int probed_file(const struct probed *p, const char *path,
                       const struct stat *st)
{
	return strcmp(p->path, path) == 0 && p->dev == st->st_dev &&
	       p->ino == st->st_ino && p->size == st->st_size &&
	       p->mtime.tv_sec == st->st_mtim.tv_sec &&
	       p->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static int probe_once(const char *path, const struct stat *st, const char *name,
                      char *err, size_t errlen)
{
	struct probed *grown;
	int rc;

	pthread_mutex_lock(&probed_lock);
	for (size_t i = 0; i < n_probed; i++) {
		if (probed_file(&probed[i], path, st)) {
			rc = probed[i].err ? -1 : 0;
			if (probed[i].err)
				snprintf(err, errlen, "%s", probed[i].err);
			pthread_mutex_unlock(&probed_lock);
			return rc;
		}
	}
	pthread_mutex_unlock(&probed_lock);
	es_log(ES_LOG_DEBUG, name, "probing %s in a child process", path);
	rc = probe(path, name, err, errlen);
	pthread_mutex_lock(&probed_lock);
	grown = realloc(probed, (n_probed + 1) * sizeof(*grown));
	if (grown) {
		struct probed *p = &grown[n_probed];

		probed = grown;
		p->path = strdup(path);
		p->err = rc < 0 ? strdup(err) : NULL;
		p->dev = st->st_dev;
		p->ino = st->st_ino;
		p->size = st->st_size;
		p->mtime = st->st_mtim;
		/* Out of memory: not kept, probed again next time. */
		if (p->path && (rc == 0 || p->err))
			n_probed++;
		else {
			free(p->path);
			free(p->err);
		}
	}
	pthread_mutex_unlock(&probed_lock);
	return rc;
}

/* The plugin directory, as untrusted() judges its files. */
static const char *untrusted_dir(const struct es_registry *r, char *why,
                                 size_t len)
{
	char inner[256];
	struct stat st;

	if (stat(r->dir, &st) < 0 || !untrusted(&st, inner, sizeof(inner)))
		return NULL;
	snprintf(why, len, "its directory %s is %s", r->dir, inner);
	return why;
}

static int same_file(int fd, const struct stat *checked)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_dev == checked->st_dev &&
	       st.st_ino == checked->st_ino;
}

static int load_one(struct es_registry *r, const char *name, struct es_diags *d)
{
	char path[PATH_MAX], err[512] = "";
	struct es_plugin p = {0};
	struct stat st;

	if (!es_valid_name(name, 1)) {
		es_diags_add(d, NULL, 0, name, "not a valid plugin name");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.so", r->dir, name);
	if (lstat(path, &st) < 0) {
		es_diags_add(d, path, 0, name, "no plugin named '%s' in %s",
		             name, r->dir);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		es_diags_add(d, path, 0, name,
		             "not a regular file (symlinks are refused)");
		return -1;
	}
	if (untrusted(&st, err, sizeof(err)) ||
	    untrusted_dir(r, err, sizeof(err))) {
		es_diags_add(d, path, 0, name, "refused: %s", err);
		return -1;
	}
	if (es_registry_find(r, name)) {
		es_diags_add(d, path, 0, name, "plugin loaded twice");
		return -1;
	}
	/* The file just judged, held open: a plugin process started later
	 * in the run loads this very file, whatever the path names then. */
	p.file_fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (p.file_fd < 0 || !same_file(p.file_fd, &st)) {
		es_diags_add(d, path, 0, name,
		             "refused: replaced while it was checked");
		plugin_release(&p);
		return -1;
	}
	if (probe_once(path, &st, name, err, sizeof(err)) < 0 ||
	    open_plugin(&p, path, name, err, sizeof(err)) < 0) {
		es_diags_add(d, path, 0, name, "%s", err);
		plugin_release(&p);
		return -1;
	}
	p.name = strdup(name);
	p.path = strdup(path);
	{
		struct es_plugin *grown =
		    realloc(r->plugins, (r->n_plugins + 1) * sizeof(*grown));

		if (!grown || !p.name || !p.path) {
			es_diags_add(d, path, 0, name, "out of memory");
			plugin_release(&p);
			if (grown)
				r->plugins = grown;
			return -1;
		}
		r->plugins = grown;
	}
	r->plugins[r->n_plugins++] = p;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The plugin names (files NAME.so) in `dir`, sorted (free each, then the
 * list). 0, or -1 when it cannot be read (errno). */
static int list_plugins(const char *dir, char ***found, size_t *n_found)
{
	DIR *dh = opendir(dir);
	struct dirent *de;

	*found = NULL;
	*n_found = 0;
	if (!dh)
		return -1;
	while ((de = readdir(dh)) != NULL) {
		size_t len = strlen(de->d_name);
		char **grown;

		if (len < 4 || strcmp(de->d_name + len - 3, ".so") != 0)
			continue;
		grown = realloc(*found, (*n_found + 1) * sizeof(**found));
		if (!grown)
			break;
		*found = grown;
		(*found)[*n_found] = strndup(de->d_name, len - 3);
		if ((*found)[*n_found])
			(*n_found)++;
	}
	closedir(dh);
	if (*n_found > 1) /* none: *found is NULL */
		qsort(*found, *n_found, sizeof(**found), cmp_str);
	return 0;
}

void es_registry_probe_all(const char *dir)
{
	struct es_registry r = {0};
	char **found, path[PATH_MAX], err[512];
	size_t n_found;
	struct stat st;

	r.dir = strdup(dir);
	if (!r.dir || list_plugins(dir, &found, &n_found) < 0) {
		free(r.dir);
		return;
	}
	for (size_t i = 0; i < n_found; i++) {
		snprintf(path, sizeof(path), "%s/%s.so", dir, found[i]);
		/* What load_one() refuses unprobed stays unprobed. */
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    !untrusted(&st, err, sizeof(err)) &&
		    !untrusted_dir(&r, err, sizeof(err)))
			(void)probe_once(path, &st, found[i], err, sizeof(err));
		free(found[i]);
	}
	free(found);
	es_registry_free(&r);
}

size_t es_registry_load(struct es_registry *r, const char *dir,
                        const char *const *names, size_t n_names,
                        struct es_diags *d)
{
	size_t failures = 0;

	free(r->dir);
	r->dir = strdup(dir);
	if (names) {
		for (size_t i = 0; i < n_names; i++)
			failures += load_one(r, names[i], d) < 0;
		return failures;
	}

	char **found = NULL;
	size_t n_found;

	if (list_plugins(dir, &found, &n_found) < 0) {
		es_diags_add(d, dir, 0, NULL,
		             "cannot open plugin directory: %s",
		             strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < n_found; i++) {
		failures += load_one(r, found[i], d) < 0;
		free(found[i]);
	}
	free(found);
	return failures;
}

const struct es_plugin *es_registry_find(const struct es_registry *r,
                                         const char *name)
{
	for (size_t i = 0; i < r->n_plugins; i++)
		if (strcmp(r->plugins[i].name, name) == 0)
			return &r->plugins[i];
	return NULL;
}

void es_registry_free(struct es_registry *r)
{
	for (size_t i = 0; i < r->n_plugins; i++)
		plugin_release(&r->plugins[i]);
	free(r->plugins);
	free(r->dir);
	memset(r, 0, sizeof(*r));
}
