/*
 * Finding and loading plugins. A plugin is `<dir>/<name>.so`, a regular
 * file (no symlinks). Each is first probed in a child process, so a
 * shared object that crashes in its constructor or entry cannot take down
 * `plugins list` or a run, then loaded in-process with
 * dlopen(RTLD_NOW | RTLD_LOCAL) and its descriptor checked:
 *  - ABI major equal, minor not above the core's;
 *  - struct_size large enough for every ABI 2.0 field it must have; ops
 *    optional, create and destroy_instance both or neither;
 *  - name equal to the file's basename, unique, well-formed;
 *  - keys and tasks well-formed: unique names/ids, types known, enum keys
 *    with allowed values, reserved names unused, `needs` naming keys of
 *    the schema, in-plugin dependencies existing, manual tasks with a
 *    question and no function, every other task with its function;
 *  - outputs, when declared: unique snake_case names, a known type, the
 *    task that publishes them.
 * Cross-plugin dependencies and cycles are checked by the task graph.
 */
#ifndef ENVSETUP_CORE_LOADER_H
#define ENVSETUP_CORE_LOADER_H

#include <stddef.h>

#include "diag.h"
#include "envsetup/plugin.h"

struct es_plugin {
	char *name;
	char *path;
	void *handle; /* dlopen handle; never closed before exit */
	/* The checked file, open read-only until exit (0: none): what a
	 * plugin process loads (plugin_proxy.h). */
	int file_fd;
	const struct es_plugin_descriptor *desc;
	/* The schema and tasks as pointer arrays (the plugin's arrays are
	 * walked with their own struct_size as stride). */
	const struct es_key **keys;
	size_t n_keys;
	const struct es_task **tasks;
	size_t n_tasks;
	const struct es_output **outputs; /* what it declares publishing */
	size_t n_outputs;
};

struct es_registry {
	char *dir;
	struct es_plugin *plugins;
	size_t n_plugins;
};

/* The plugin directory: --plugin-dir, else $ENVSETUP_PLUGIN_DIR, else the
 * first that exists of plugins/, ../plugins/ (a build tree) and
 * ../lib/envsetup/plugins/ beside the executable, else the configured
 * install directory. Returns a malloc'd path. */
char *es_plugin_dir_default(const char *argv0);
/* 1 when `dir` is the one beside the executable or the install's, where
 * the bundled plugins are (their default isolation is in-process). */
int es_plugin_dir_is_bundled(const char *dir);

/*
 * Load the plugins named in `names` (NULL: every *.so in dir, for
 * `plugins list`). Problems go to `d`, one per plugin; the plugins that
 * passed are in the registry. Returns the number of failures.
 */
size_t es_registry_load(struct es_registry *r, const char *dir,
                        const char *const *names, size_t n_names,
                        struct es_diags *d);
/*
 * Probe every plugin in `dir` now, so that processes forked afterwards
 * (one per customer) find the verdicts and probe none again. Problems are
 * reported when a registry loads the plugin.
 */
void es_registry_probe_all(const char *dir);
/* dlopen(RTLD_NOW | RTLD_LOCAL) `path` and check its descriptor, without
 * the probe or the file checks (the core made them before starting the
 * plugin process that calls this): 0, or -1 with the reason in err. */
int es_plugin_open(struct es_plugin *p, const char *path, const char *name,
                   char *err, size_t errlen);
const struct es_plugin *es_registry_find(const struct es_registry *r,
                                         const char *name);
/* A plugin, key or task name: lower-case letters, digits and '_' (and '-'
 * with allow_dash), starting with a letter. */
int es_valid_name(const char *s, int allow_dash);
/* descriptor.c: every rule above on p->desc; fills p's key, task and
 * output arrays. 0, or -1 with the reason in err. */
int es_descriptor_check(struct es_plugin *p, const char *expected_name,
                        char *err, size_t errlen);
const struct es_key *es_plugin_key(const struct es_plugin *p, const char *name);
const struct es_task *es_plugin_task(const struct es_plugin *p, const char *id);
/* The declared output that publishes `name` ("dns_records", or
 * "key_path:app.acme.example" for a per-item output), or NULL. */
const struct es_output *es_plugin_output(const struct es_plugin *p,
                                         const char *name);
void es_registry_free(struct es_registry *r);

/* An optional callback of `ops` the plugin provides (inside its size). */
#define ES_OPS_HAS(ops, f)                                                     \
	((ops) != NULL &&                                                      \
	 (ops)->struct_size >=                                                 \
	     offsetof(struct es_plugin_ops, f) + sizeof((ops)->f) &&           \
	 (ops)->f != NULL)

/* The reserved key names every plugin group may use. */
extern const char *const es_reserved_keys[];

#endif
