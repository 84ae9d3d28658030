/*
 * envsetup plugin ABI: what a plugin declares and the callbacks it provides.
 *
 * A plugin is a shared object `<name>.so` exporting exactly one symbol,
 * envsetup_plugin_entry(), defined with ES_PLUGIN_DEFINE(). The entry
 * returns a const descriptor naming the plugin, its config schema (the
 * checklist's "elements needed before start"), its tasks (the checklist's
 * "tasks to accomplish") and its callbacks.
 *
 * Rules every plugin follows:
 *  - The entry function is pure: no allocation, no I/O, no host calls. The
 *    core runs it for `plugins list` and `plugins describe` without
 *    creating an instance.
 *  - The core validates the whole config file against every enabled
 *    plugin's schema before any callback runs. A callback never sees an
 *    unknown key, a value of the wrong type or a literal secret.
 *  - Plugins never link core symbols; everything goes through the host
 *    table (host.h). They are loaded RTLD_LOCAL and built -Wl,-z,defs.
 *  - Everything a plugin hands the core is borrowed unless a function says
 *    (transfer full). Descriptor, schema and task arrays are static const
 *    and must live as long as the shared object; the core never unloads a
 *    plugin before exit.
 *
 * docs/plugin-abi.md walks through plugins/mailgun as the worked example.
 */
#ifndef ENVSETUP_PLUGIN_H
#define ENVSETUP_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "envsetup/version.h"

#ifdef __cplusplus
extern "C" {
#endif

struct es_host; /* host.h */

/*
 * One callback invocation: which plugin instance, which task, which run.
 * Opaque; every host function takes it, so the core can attribute logs,
 * state and HTTP traffic without thread-local tricks, and so the host table
 * can later be proxied to a plugin running in a child process.
 * Valid only for the duration of the callback it was passed to.
 */
typedef struct es_call es_call;

/* What a callback reports. Details go to the diagnostics sink (host.h). */
enum es_status {
	ES_OK = 0,
	/* Transient failure (network, 5xx, rate limit): the core retries the
	 * callback with backoff; es_diag_api.retry_after() may set the delay.
	 */
	ES_RETRY = 1,
	/* Permanent failure: the task is marked failed, dependants are held. */
	ES_FAILED = 2,
	/* The config cannot work (cross-field rule, rejected credentials). */
	ES_INVALID_CONFIG = 3,
	/* The callback or task is not supported by this plugin. */
	ES_UNSUPPORTED = 4,
	/* Long-running work started and not finished (certificate issuance,
	 * account creation): the core calls apply() again after retry_after,
	 * until the task's timeout. apply() must therefore poll, not restart.
	 */
	ES_IN_PROGRESS = 5,
	/* A person must act first; the question was given with
	 * es_diag_api.ask(). The task waits until `envsetup confirm`. */
	ES_NEEDS_PERSON = 6,
};

/* ---------------------------------------------------------------------
 * Config schema
 * ------------------------------------------------------------------- */

enum es_type {
	ES_TYPE_STRING = 1,
	ES_TYPE_INT = 2, /* 64-bit; min/max apply when min < max */
	ES_TYPE_BOOL = 3,
	ES_TYPE_ENUM = 4, /* one of `allowed` */
	ES_TYPE_LIST = 5, /* list of strings: [ "a", "b" ] */
	ES_TYPE_URL = 6,  /* https:// anywhere; http:// only to loopback */
	ES_TYPE_DURATION =
	    7,            /* "30s", "5m", "2h", "1d"; read as milliseconds */
	ES_TYPE_PATH = 8, /* a file or directory; relative paths are taken
	                     from the customer file's directory and the
	                     plugin reads the absolute path */
};

/* Key flags. */
#define ES_KEY_REQUIRED (1u << 0)
/* The value is a reference, `env:NAME` or `file:PATH` (0600/0400); a
 * literal is refused. Plugins read it only through es_secret_api, or let
 * the core substitute `{{secret:KEY}}` inside an HTTP request. */
#define ES_KEY_SECRET (1u << 1)
/* The key may be overridden per environment:
 * `environments = { uat = { key = ...; }; }` inside the plugin's group. */
#define ES_KEY_PER_ENV (1u << 2)
/* ES_TYPE_INT: `min` is a lower bound, `max` an upper bound. Either may be
 * given alone. */
#define ES_KEY_MIN (1u << 3)
#define ES_KEY_MAX (1u << 4)

/* What a string value (or each item of a list) must look like. The core
 * checks it at `check`, so plugins carry no validators of their own. */
enum es_format {
	ES_FORMAT_NONE = 0,
	ES_FORMAT_HOSTNAME =
	    1,               /* "mail.acme.example": RFC 1123 labels, a dot */
	ES_FORMAT_EMAIL = 2, /* "ops@acme.example": local part, @, host */
	ES_FORMAT_GUID = 3,  /* 8-4-4-4-12 hex digits */
};

/*
 * One config key. Arrays end with an entry whose `name` is NULL.
 * The same table drives validation, `check` questions, `plugins describe`
 * and docs/plugins/<name>.md.
 */
struct es_key {
	uint32_t struct_size; /* sizeof(struct es_key); use ES_KEY() */
	const char *name;     /* snake_case */
	enum es_type type;
	uint32_t flags;             /* ES_KEY_* */
	const char *default_value;  /* as written in the config; NULL: none */
	const char *const *allowed; /* ES_TYPE_ENUM: NULL-terminated */
	int64_t min, max;     /* ES_TYPE_INT: bounds flagged ES_KEY_MIN/MAX */
	const char *question; /* the checklist question it answers */
	const char *example;  /* nullable */
	/* Since ABI 1.1. */
	enum es_format format; /* STRING and LIST items; 0: any */
	/* nullable: a POSIX extended regular expression the whole value (each
	 * list item) must match, e.g. "^[a-z][a-z0-9-]*$". */
	const char *pattern;
	/* nullable: "other_key=value": the key is required when other_key (of
	 * the same plugin) has that value, e.g. "account_mode=adopt". */
	const char *required_when;
};

/* ---------------------------------------------------------------------
 * Tasks
 * ------------------------------------------------------------------- */

/* Task flags. */
#define ES_TASK_MUTATING (1u << 0)     /* changes something at the provider */
#define ES_TASK_MANUAL (1u << 1)       /* a person's task; no callbacks run */
#define ES_TASK_LONG_RUNNING (1u << 2) /* apply may return ES_IN_PROGRESS */

/*
 * One task: a checklist item this plugin accomplishes. Arrays end with an
 * entry whose `id` is NULL. Tasks run in array order within the plugin,
 * after their dependencies.
 */
struct es_task {
	uint32_t struct_size; /* sizeof(struct es_task); use ES_TASK() */
	const char *id;       /* snake_case, unique in the plugin */
	const char *title;    /* "Create the sending domain" */
	const char *section;  /* checklist section, "4.4" */
	const char *const
	    *depends_on;          /* NULL-terminated: "task" or "plugin:task" */
	const char *const *needs; /* NULL-terminated config keys it reads */
	uint32_t flags;           /* ES_TASK_* */
	const char *question;     /* ES_TASK_MANUAL: what the person is asked */
	uint32_t timeout_s; /* ES_TASK_LONG_RUNNING: give up after; 0: 1800 */
};

/* ---------------------------------------------------------------------
 * Callbacks
 * ------------------------------------------------------------------- */

/*
 * All callbacks but create() receive the instance state create() returned.
 * The core never calls one instance concurrently unless the descriptor sets
 * ES_PLUGIN_THREAD_SAFE. Callbacks may block on host HTTP calls; they should
 * check es_progress_api.cancelled() in loops.
 */
struct es_plugin_ops {
	uint32_t struct_size; /* sizeof(struct es_plugin_ops) */

	/* Required. Allocate the instance state for one customer environment.
	 * `host` (transfer none) lives until exit; keep the pointer. No
	 * network. *state (transfer full) is released with destroy_instance().
	 */
	enum es_status (*create)(const struct es_host *host, es_call *call,
	                         void **state);

	/* Required. Release what create() allocated. Accepts partial state. */
	void (*destroy_instance)(void *state);

	/* Optional. Offline cross-field checks beyond the schema, reported with
	 * es_diag_api.error(). No network, no side effects. */
	enum es_status (*validate)(es_call *call, void *state);

	/* Required. Read-only: may GET. Describe what apply() would change with
	 * es_plan_api.change(); no change recorded means the task is in place.
	 */
	enum es_status (*plan)(es_call *call, void *state, const char *task_id);

	/* Required. Perform one task. Idempotent: look up before create, so a
	 * re-run after a crash finds what the last run made. */
	enum es_status (*apply)(es_call *call, void *state,
	                        const char *task_id);

	/* Required. Read-only: does the desired state hold? ES_OK ticks the
	 * checklist item; ES_FAILED with a diagnostic says what is missing. */
	enum es_status (*verify)(es_call *call, void *state,
	                         const char *task_id);

	/* Optional. Undo one task (teardown runs in reverse order). Must accept
	 * a task that was never applied. */
	enum es_status (*destroy)(es_call *call, void *state,
	                          const char *task_id);
};

/* Descriptor flags. THREAD_SAFE: tasks of one instance may overlap. */
#define ES_PLUGIN_THREAD_SAFE (1u << 0)

struct es_plugin_descriptor {
	uint32_t struct_size;    /* sizeof(struct es_plugin_descriptor) */
	uint16_t abi_major;      /* ES_ABI_MAJOR the plugin was built against */
	uint16_t abi_minor;      /* ES_ABI_MINOR the plugin was built against */
	const char *name;        /* equals the file's basename: "mailgun" */
	const char *version;     /* the plugin's own semver */
	const char *description; /* one line */
	const struct es_key *keys;   /* schema, NULL-name terminated */
	const struct es_task *tasks; /* NULL-id terminated */
	const struct es_plugin_ops *ops;
	uint32_t flags;           /* ES_PLUGIN_* */
	uint32_t max_concurrency; /* tasks at once for this plugin; 0: 1 */
	uint32_t
	    rate_limit_per_min; /* the provider's documented limit; 0: none */
};

/* ---------------------------------------------------------------------
 * Defining a plugin
 * ------------------------------------------------------------------- */

#if defined(__GNUC__)
#define ES_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define ES_PLUGIN_EXPORT
#endif

#define ES_PLUGIN_ENTRY_SYMBOL "envsetup_plugin_entry"

/*
 * The entry function. `host_major`/`host_minor` is the core's ABI; a plugin
 * that cannot serve that core returns NULL. Pure: see the rules above.
 */
typedef const struct es_plugin_descriptor *(*es_plugin_entry_fn)(
    uint16_t host_major, uint16_t host_minor);

/* Fill struct_size for array entries: ES_KEY(.name = "x", ...). */
#define ES_KEY(...)                                                            \
	{                                                                      \
		.struct_size = sizeof(struct es_key), __VA_ARGS__              \
	}
#define ES_TASK(...)                                                           \
	{                                                                      \
		.struct_size = sizeof(struct es_task), __VA_ARGS__             \
	}
#define ES_KEYS_END                                                            \
	{                                                                      \
		0                                                              \
	}
#define ES_TASKS_END                                                           \
	{                                                                      \
		0                                                              \
	}
/* NULL-terminated string lists for depends_on, needs and allowed. */
#define ES_LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

/*
 * Define the entry function returning `descriptor` (a static const struct
 * es_plugin_descriptor). The ABI numbers are the ones this file carries, so
 * an author cannot get them wrong:
 *
 *   static const struct es_plugin_descriptor mailgun = {
 *       ES_DESCRIPTOR_HEADER, .name = "mailgun", ... };
 *   ES_PLUGIN_DEFINE(mailgun)
 */
#define ES_DESCRIPTOR_HEADER                                                   \
	.struct_size = sizeof(struct es_plugin_descriptor),                    \
	.abi_major = ES_ABI_MAJOR, .abi_minor = ES_ABI_MINOR

#define ES_PLUGIN_DEFINE(descriptor)                                           \
	ES_PLUGIN_EXPORT const struct es_plugin_descriptor *                   \
	envsetup_plugin_entry(uint16_t host_major, uint16_t host_minor)        \
	{                                                                      \
		(void)host_minor;                                              \
		return host_major == ES_ABI_MAJOR ? &(descriptor) : NULL;      \
	}

#ifdef __cplusplus
}
#endif

#endif
