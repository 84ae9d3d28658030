/* Plugin discovery, probing and loading (loader.h); the descriptor checks
 * are descriptor.c's. */
#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "envsetup/version.h"

char *es_plugin_dir_default(const char *argv0)
{
	const char *env = getenv("ENVSETUP_PLUGIN_DIR");
	char exe[PATH_MAX], candidate[PATH_MAX + 16];
	ssize_t n;
	struct stat st;

	(void)argv0;
	if (env && *env)
		return strdup(env);
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

/* dlopen + entry + checks; used both in the probe child and for real. */
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

static void plugin_release(struct es_plugin *p)
{
	free(p->name);
	free(p->path);
	free(p->keys);
	free(p->tasks);
	free(p->outputs);
	/* The handle stays open: descriptor strings live in it until exit. */
	memset(p, 0, sizeof(*p));
}

/* Probe in a child: a crash there is a refusal, not our crash. The child
 * reports its error text through a pipe. */
static int probe(const char *path, const char *name, char *err, size_t errlen)
{
	int fds[2], status;
	pid_t pid;
	ssize_t n;

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
		rc = open_plugin(&p, path, name, msg, sizeof(msg));
		if (rc < 0 && write(fds[1], msg, strlen(msg)) < 0)
			rc = -2;
		_exit(rc < 0 ? 1 : 0);
	}
	close(fds[1]);
	n = read(fds[0], err, errlen - 1);
	err[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		snprintf(err, errlen, "crashed while loading (signal %d, %s)",
		         WTERMSIG(status), strsignal(WTERMSIG(status)));
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		if (!*err)
			snprintf(err, errlen, "failed to load");
		return -1;
	}
	return 0;
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
	if (es_registry_find(r, name)) {
		es_diags_add(d, path, 0, name, "plugin loaded twice");
		return -1;
	}
	if (probe(path, name, err, sizeof(err)) < 0 ||
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

	DIR *dh = opendir(dir);
	char **found = NULL;
	size_t n_found = 0;
	struct dirent *de;

	if (!dh) {
		es_diags_add(d, dir, 0, NULL,
		             "cannot open plugin directory: %s",
		             strerror(errno));
		return 1;
	}
	while ((de = readdir(dh)) != NULL) {
		size_t len = strlen(de->d_name);
		char **grown;

		if (len < 4 || strcmp(de->d_name + len - 3, ".so") != 0)
			continue;
		grown = realloc(found, (n_found + 1) * sizeof(*found));
		if (!grown)
			break;
		found = grown;
		found[n_found] = strndup(de->d_name, len - 3);
		if (found[n_found])
			n_found++;
	}
	closedir(dh);
	qsort(found, n_found, sizeof(*found), cmp_str);
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
