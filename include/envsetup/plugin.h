/*
 * envsetup plugin ABI: what a plugin declares and the callbacks it provides.
 *
 * A plugin is a shared object `<name>.so` exporting exactly one symbol,
 * envsetup_plugin_entry(), defined with ES_PLUGIN_DEFINE(). The entry
 * returns a const descriptor naming the plugin, its config schema (the
 * checklist's "elements needed before start") and its tasks (the
 * checklist's "tasks to accomplish"), each with the one function that
 * plans, applies and verifies it. Optional callbacks make and release
 * instance state and check the config beyond the schema.
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
 * client.h is the provider client every plugin talks through;
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
	/* Call me again later (an answer that did not parse, a write whose
	 * outcome is unknown): the core calls the task function again after
	 * es_diag_api.retry_after() or a backoff, at most 5 times and within
	 * the task's timeout. */
	ES_RETRY = 1,
	/* Permanent failure: the task is marked failed, dependants are held. */
	ES_FAILED = 2,
	/* The config cannot work (cross-field rule, rejected credentials). */
	ES_INVALID_CONFIG = 3,
	/* The callback or task is not supported by this plugin. */
	ES_UNSUPPORTED = 4,
	/* Long-running work started and not finished (certificate issuance,
	 * account creation): the core calls the task's apply again after
	 * retry_after, until the task's timeout. It must therefore poll, not
	 * restart. */
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
	/* Since 2.1: DNS records to publish, read with es_config_api.get_json
	 * as a JSON array of {type, name, value[, priority, ttl]} (type upper
	 * case; name fully qualified or relative to the zone, "@" its apex;
	 * priority and ttl numbers). Written as a list of groups
	 * ( { type = "TXT"; name = "x"; value = "y"; ttl = 600; } ), whose
	 * items may also be "${plugin.output}" references to RECORDS outputs
	 * spliced in, or as one such reference alone. */
	ES_TYPE_RECORDS = 9,
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
 * given alone. ES_TYPE_DURATION: the same, in milliseconds (a duration is
 * at least 1 ms whatever its min). */
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
	/* Since 2.2, for ES_TYPE_PATH keys only: a shared e-mail template
	 * directory (docs/templates.md), read through es_host.templates.
	 * `check` reads every template in it and reports, against the key,
	 * each file at fault: an unparsable template.cfg, a {{variable}} not
	 * declared, a file that is not a regular file inside the directory
	 * (FIFO, symbolic link), and each template the plugin's LIST key
	 * `templates` names that is missing ("platform" there stands for the
	 * platform's fourteen system notification templates). */
	ES_FORMAT_TEMPLATES_DIR = 4,
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
	int64_t min,
	    max; /* INT, DURATION (ms): bounds flagged ES_KEY_MIN/MAX */
	const char *question;  /* the checklist question it answers */
	const char *example;   /* nullable */
	enum es_format format; /* STRING and LIST items (PATH: TEMPLATES_DIR);
	                          0: any */
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

/*
 * Which pass over the tasks a call belongs to. One function per task
 * serves all three, walking the same look-ups in each, so they cannot
 * drift apart (client.h's es_reported() writes the rule once).
 */
enum es_phase {
	ES_PHASE_PLAN = 0,   /* read-only (may GET): record what apply would
	                        change with es_plan_api.change(); recording
	                        nothing means the task is in place */
	ES_PHASE_APPLY = 1,  /* make it so. Idempotent: look up before create,
	                        so a re-run after a crash or a lost answer
	                        finds what the last run made */
	ES_PHASE_VERIFY = 2, /* read-only: ES_OK ticks the checklist item;
	                        ES_FAILED with a diagnostic says what is
	                        missing */
	/*
	 * Teardown (`envsetup plan --destroy`, `envsetup destroy`): one task
	 * at a time, each after every task that depends on it (records
	 * before their zone, users before their account). Both phases
	 * return ES_UNSUPPORTED, with diag->error() saying why, for what the
	 * task did not make and must keep (an adopted account): the core
	 * records the task "kept". A plugin whose config says
	 * `protect = true` is not called at all.
	 */
	ES_PHASE_PLAN_DESTROY = 3, /* read-only: record ES_CHANGE_DELETE for
	                              what destroy would remove */
	/* Remove what this task made, found by the ids its state recorded,
	 * never by a guessed name; delete each state key once its resource
	 * is gone. Look up before each DELETE (an absent one is done), so a
	 * run killed after the provider answered sends none twice. ES_OK:
	 * removed, also for a task never applied. ES_IN_PROGRESS: a
	 * long-running delete, polled. ES_NEEDS_PERSON with diag->ask():
	 * only a person can remove it; gate->confirmed() says they did. */
	ES_PHASE_DESTROY = 4,
};

/*
 * What every task function and every optional callback receives. Owned by
 * the core (transfer none) and valid only during the call. `host` lives
 * until exit, so a plugin never needs to keep it.
 */
struct es_ctx {
	uint32_t struct_size;       /* sizeof(struct es_ctx) of the core */
	const struct es_host *host; /* the services the core lends */
	es_call *call;              /* pass to every host function */
	enum es_phase phase;        /* task functions only */
	void *instance;             /* what ops->create made (nullable) */
	const struct es_task *task; /* task functions only (nullable) */
};

/*
 * A task's function: plan, apply or verify one task (ctx->phase).
 * Returns ES_OK; ES_RETRY ("call me again later": the core calls it again
 * after es_diag_api.retry_after, counted against the task's timeout);
 * ES_IN_PROGRESS (ES_TASK_LONG_RUNNING apply only: poll again later);
 * ES_NEEDS_PERSON with es_diag_api.ask(); or a failure. Transport retries
 * (429, 5xx, resets) are the HTTP service's, never the plugin's.
 */
typedef enum es_status (*es_task_fn)(const struct es_ctx *ctx);

/* ---------------------------------------------------------------------
 * Outputs: what the plugin publishes (es_output_api.set) for people, the
 * platform and other plugins (`${plugin.name}` in a customer file).
 *
 * References (since 2.1): a customer file's value may read another
 * plugin's output: "${mailgun.smtp_host}" inside a string (STRING outputs
 * only), "${godaddy-ssl.status:app.acme.example}" for one item of a
 * per-item output, or "${mailgun.dns_records}" as a whole ES_TYPE_RECORDS
 * value (RECORDS outputs only). A SECRET output may only be the whole
 * value of an ES_KEY_SECRET key, read like any secret. `check` refuses an
 * unknown plugin or output, a disabled plugin, a wrong type and a cycle.
 * A task reads only the references of the keys in its `needs`: each adds
 * the edge "the publishing task runs before this one" to the task graph,
 * and the core resolves them before calling the task. Until the output
 * exists, plan does not call the task and shows it as "(known after
 * apply)"; the plugin never sees a reference's text.
 * ------------------------------------------------------------------- */

enum es_output_type {
	ES_OUTPUT_STRING = 1,
	ES_OUTPUT_JSON = 2,    /* a JSON document */
	ES_OUTPUT_RECORDS = 3, /* JSON: DNS records to publish, a list of
	                          {type, name, value[, priority, ttl]} */
};

/* Output flags. */
#define ES_OUTPUT_SECRET (1u << 0) /* kept 0600, masked, never logged */
/* One output per item, named "NAME:ITEM" ("key_path:app.acme.example"). */
#define ES_OUTPUT_PER_ITEM (1u << 1)

/* One output. Arrays end with an entry whose `name` is NULL. */
struct es_output {
	uint32_t struct_size; /* sizeof(struct es_output); use ES_OUTPUT() */
	const char *name;     /* snake_case */
	enum es_output_type type;
	uint32_t flags;          /* ES_OUTPUT_* */
	const char *task;        /* the task that publishes it */
	const char *description; /* one line: what it is for */
};

/* Task flags. */
#define ES_TASK_MUTATING (1u << 0)     /* changes something at the provider */
#define ES_TASK_MANUAL (1u << 1)       /* a person's task; no function runs */
#define ES_TASK_LONG_RUNNING (1u << 2) /* apply may return ES_IN_PROGRESS */
/* `run` handles ES_PHASE_PLAN_DESTROY and ES_PHASE_DESTROY. Without it,
 * teardown never calls the task (its apply code would run) and reports
 * what it made as kept. */
#define ES_TASK_TEARDOWN (1u << 3)

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
	/* Required unless ES_TASK_MANUAL (which must leave it NULL). */
	es_task_fn run;
};

/* ---------------------------------------------------------------------
 * Instance callbacks: all optional
 * ------------------------------------------------------------------- */

/*
 * A plugin with nothing to keep between calls sets no ops at all. The core
 * never runs two task functions of one instance at once unless the
 * descriptor's max_concurrency is above 1.
 */
struct es_plugin_ops {
	uint32_t struct_size; /* sizeof(struct es_plugin_ops) */

	/* Allocate the instance state for one customer environment (a token
	 * cache, a parsed file). No network. *instance (transfer full) is
	 * handed to every later call as ctx->instance and released with
	 * destroy_instance(). */
	enum es_status (*create)(const struct es_ctx *ctx, void **instance);

	/* Release what create() allocated. Accepts partial state. */
	void (*destroy_instance)(void *instance);

	/* Offline cross-field checks beyond the schema (formats, patterns,
	 * required_when are the schema's), reported with es_diag_api.error()
	 * naming the key: `check` shows them with the file and line. No
	 * network, no side effects. */
	enum es_status (*validate)(const struct es_ctx *ctx);
};

struct es_plugin_descriptor {
	uint32_t struct_size;    /* sizeof(struct es_plugin_descriptor) */
	uint16_t abi_major;      /* ES_ABI_MAJOR the plugin was built against */
	uint16_t abi_minor;      /* ES_ABI_MINOR the plugin was built against */
	const char *name;        /* equals the file's basename: "mailgun" */
	const char *version;     /* the plugin's own semver */
	const char *description; /* one line */
	const struct es_key *keys;       /* schema, NULL-name terminated */
	const struct es_task *tasks;     /* NULL-id terminated */
	const struct es_plugin_ops *ops; /* nullable: no instance state */
	/* Tasks of one instance at once (0: 1). Above 1 the plugin promises
	 * its task functions may overlap; the operator may lower it. */
	uint32_t max_concurrency;
	uint32_t
	    rate_limit_per_min; /* the provider's documented limit; 0: none */
	/* nullable, NULL-name terminated: what es_output_api.set publishes.
	 * A plugin that declares outputs publishes no others. */
	const struct es_output *outputs;
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
#define ES_OUTPUT(...)                                                         \
	{                                                                      \
		.struct_size = sizeof(struct es_output), __VA_ARGS__           \
	}
#define ES_OUTPUTS_END                                                         \
	{                                                                      \
		0                                                              \
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

/*
 * The descriptor `ident` and the entry in one, the optional callbacks
 * inline (ES_OPS: a static compound literal):
 *
 *   ES_PLUGIN(mailgun, .name = "mailgun", .version = "2.0.0",
 *             .description = "...", .keys = mailgun_keys,
 *             .tasks = mailgun_tasks, .outputs = mailgun_outputs,
 *             .ops = ES_OPS(.validate = mailgun_validate))
 */
#define ES_OPS(...)                                                            \
	(&(const struct es_plugin_ops){                                        \
	    .struct_size = sizeof(struct es_plugin_ops), __VA_ARGS__})
#define ES_PLUGIN(ident, ...)                                                  \
	static const struct es_plugin_descriptor ident = {                     \
	    ES_DESCRIPTOR_HEADER, __VA_ARGS__};                                \
	ES_PLUGIN_DEFINE(ident)

#ifdef __cplusplus
}
#endif

#endif
