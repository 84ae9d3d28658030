/*
 * The customer file: one libconfig file per customer, the answers to the
 * checklist's "elements needed before start".
 *
 *   customer = { id = "acme"; name = "Acme Corp"; state_dir = "state/acme"; };
 *   environments = {
 *     uat        = { domain = "uat.acme.example"; };
 *     production = { domain = "acme.example"; };
 *   };
 *   checklist = (
 *     { section = "1"; title = "Infrastructure";
 *       plugins = [ "aws", "godaddy-ssl" ];
 *       elements = ( { id = "infra_provider";
 *                      question = "Which infrastructure do you want to use?";
 *                      answer = "aws"; } );
 *       manual = ( { id = "vpn_access"; title = "Provide VPN access";
 *                    question = "Who provides VPN access, and how?";
 *                    owner = "customer IT"; } ); },
 *     ...
 *   );
 *   plugins = {
 *     mailgun = { enabled = true; api_key = "env:MAILGUN_API_KEY";
 *                 domain = "mail.acme.example";
 *                 environments = { uat = { domain = "mail.uat.acme.example"; };
 * }; };
 *   };
 *
 * Usually the checklist is shared instead (docs/config.md): the file says
 * checklist_file = "../checklists/enterprise.cfg"; and holds `answers`
 * (id = "answer"), its `checklist` changes by section and a `drop` list;
 * es_config_load merges them, so consumers see one checklist either way
 * (config_checklist.c), with the choices applied (config_choices.c).
 *
 * Reserved keys in every plugin group, handled by the core:
 *   enabled (bool, default true), rate_limit_per_min (int), max_concurrency
 *   (int), http_timeout (duration, default "30s"), ca_file (string path),
 *   protect (bool), isolation ("in-process" or "process"), task_timeout
 *   (duration), memory_limit (int, MiB), cpu_limit (duration),
 *   environments (group of per-environment overrides for ES_KEY_PER_ENV keys).
 *
 * Loading never crashes and never stops at the first problem: every
 * problem goes to the es_diags sink with file, line and key.
 */
#ifndef ENVSETUP_CORE_CONFIG_H
#define ENVSETUP_CORE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "envsetup/plugin.h"

/* Files larger than this are refused before parsing. */
#define ES_CONFIG_MAX_BYTES (4u * 1024u * 1024u)

/* One answer an element with `choices` can take, and what it brings into
 * the run: the plugins it runs and the manual items it keeps. Plugins and
 * items named only by the other choices of the element leave the run. */
struct es_choice {
	char **answers; /* NULL-terminated; matched as es_choice_matches says */
	char **plugins; /* NULL-terminated plugin names */
	char **manual;  /* NULL-terminated manual item ids */
	char *file;
	int line;
};

/* A person's item in the checklist: an element to answer before start
 * (has `answer` when answered) or a manual task to confirm. */
struct es_manual_item {
	char *id;    /* unique across the file */
	char *title; /* nullable for elements */
	char *question;
	char *owner;  /* nullable */
	char *answer; /* elements only; NULL: unanswered */
	char *
	    *depends_on; /* NULL-terminated; "plugin:task" or "checklist:id" */
	char *file;
	int line;
	/* Elements only: the answers that drive plugins (NULL: a free
	 * answer), and where the answer was written when it came from the
	 * customer's `answers` group (NULL: at file:line). */
	struct es_choice *choices;
	size_t n_choices;
	char *answer_file;
	int answer_line;
};

struct es_section {
	char *id; /* "1", "4.4" */
	char *title;
	char **plugins; /* names, in run order */
	size_t n_plugins;
	struct es_manual_item *elements;
	size_t n_elements;
	struct es_manual_item *manual;
	size_t n_manual;
	char *file;
	int line;
};

/* One resolved value of a plugin key for the selected environment. */
struct es_value {
	const struct es_key *key; /* from the plugin's schema */
	int is_set;               /* set in the file or by a default */
	int from_default;
	char *str;   /* STRING, ENUM, URL; secret keys: the reference
	                ("env:NAME"), never the value */
	int64_t i;   /* INT, DURATION (ms), BOOL (0/1) */
	char **list; /* LIST */
	size_t n_list;
	char *file; /* where it was set; NULL for defaults */
	int line;
	/* A secret reference to nothing yet (an unset variable, a missing
	 * file), bound with secrets_optional: unanswered. */
	int secret_absent;
	/* Whether it holds a ${plugin.output} reference, marked once by
	 * es_config_bind (so a read of item i of a long list does not scan
	 * the whole list again): ES_REFS_UNKNOWN until then. */
	enum { ES_REFS_UNKNOWN = 0, ES_REFS_NONE, ES_REFS_SOME } refs;
};

enum es_isolation {
	ES_ISOLATION_DEFAULT = 0, /* in-process for the bundled plugins */
	ES_ISOLATION_IN_PROCESS,
	ES_ISOLATION_PROCESS,
};

struct es_plugin_conf {
	char *name;
	int enabled;
	const struct es_plugin_descriptor *desc; /* set by es_config_bind */
	struct es_value *values; /* one per schema key, schema order */
	size_t n_values;
	/* reserved keys */
	int64_t rate_limit_per_min; /* -1: the descriptor's */
	int64_t max_concurrency;    /* -1: the descriptor's */
	int64_t http_timeout_ms;
	char *ca_file; /* nullable */
	/* `protect = true`: destroy keeps everything of this plugin. */
	int protect;
	/* `isolation`, as written (ES_ISOLATION_DEFAULT when not), and the
	 * limits of a plugin process (0: none). */
	enum es_isolation isolation;
	int64_t task_timeout_ms;
	int64_t memory_limit_mb;
	int64_t cpu_limit_s;
	char *file;
	int line;
};

struct es_environment {
	char *name;
	char **names;  /* NULL-terminated setting names in the group */
	char **values; /* matching string values (numbers printed) */
	char *file;
	int line;
};

struct es_config {
	char *path;
	char *customer_id;
	char *customer_name;
	char *state_dir; /* absolute, or relative to the config's directory */
	/* customer.state_key: the reference (env:/file:) of the key that
	 * seals secrets.json (secret_seal.h), or NULL. */
	char *state_key;
	/* customer.state_backend: "file" or "postgresql" (docs/state.md),
	 * and state_connection: the reference (env:/file:) of the libpq
	 * connection string, or NULL. */
	char *state_backend;
	char *state_connection;
	struct es_environment *envs;
	size_t n_envs;
	struct es_section *sections;
	size_t n_sections;
	struct es_plugin_conf *plugins; /* every group under `plugins` */
	size_t n_plugins;
	void *impl; /* libconfig's config_t, kept for line numbers */
	/* Set before es_config_bind by the commands that need no secret
	 * (check, status, report, confirm): a reference to an unset variable
	 * or a missing file is an unanswered element, not a problem. */
	int secrets_optional;
};

/*
 * Parse `path`. Structural problems (missing customer, duplicate ids,
 * unreadable, empty, binary, too large, a directory, an @include cycle)
 * go to `d`. Returns the config (transfer full, es_config_free) or NULL
 * when nothing usable could be read; check d->count either way.
 */
struct es_config *es_config_load(const char *path, struct es_diags *d);

/*
 * Check every plugin group against its descriptor and resolve the values
 * for environment `env` (must be one of the file's environments). `descs`
 * holds the descriptors of the plugins named in the file, looked up by
 * name; a group with no descriptor is an error ("no plugin named X in
 * PLUGIN_DIR"). Unknown keys get a close-match suggestion ("did you mean
 * domain?"); secret keys must be `env:NAME` or `file:PATH`; secret
 * references are resolved here (env set, file present with mode 0600 or
 * 0400) and their values registered with es_redact_add(). Missing required
 * keys are not errors here: they are unanswered elements
 * (es_config_unanswered). Returns the number of problems added to `d`.
 */
size_t es_config_bind(struct es_config *c, const char *env,
                      const struct es_plugin_descriptor *const *descs,
                      size_t n_descs, struct es_diags *d);

struct es_plugin_conf *es_config_plugin(const struct es_config *c,
                                        const char *name);
const struct es_value *es_config_value(const struct es_plugin_conf *pc,
                                       const char *key);
const struct es_environment *es_config_env(const struct es_config *c,
                                           const char *name);
/* Value of `name` in the environment group (nullable, transfer none). */
const char *es_config_env_value(const struct es_environment *e,
                                const char *name);

/* The resolved value of a secret key (transfer none, valid until
 * es_config_free, wiped then), or NULL. */
const char *es_config_secret(const struct es_plugin_conf *pc, const char *key);

/* 1 if `key` of an enabled plugin is required (ES_KEY_REQUIRED, or its
 * required_when holds) and has no value. */
int es_config_unanswered(const struct es_plugin_conf *pc, const char *key);

/* 1 if value `v` of `pc` is required: ES_KEY_REQUIRED, or required_when
 * "other=value" and other's bound value (a default, an environment's
 * override) equals value. */
int es_config_required(const struct es_plugin_conf *pc,
                       const struct es_value *v);

/* The loader's check of one schema entry beyond its type: bounds carry
 * their ES_KEY_MIN/MAX flags, format and pattern sit on string or list
 * keys, the pattern compiles and is anchored (^...$), required_when names
 * another key of `keys` (n entries) and a value it can take. -1 with the
 * reason in err ("key 'domain' has a pattern that ..."). */
int es_key_schema_check(const struct es_key *k,
                        const struct es_key *const *keys, size_t n, char *err,
                        size_t errlen);

/* "hostname", "email", "guid" ("none" for 0); NULL for an unknown one. */
const char *es_format_name(enum es_format f);

void es_config_free(struct es_config *c);

/* A shared checklist file alone (its sections; no customer, no plugins),
 * for `envsetup init`. NULL or problems in d, as es_config_load. */
struct es_config *es_config_load_checklist(const char *path,
                                           struct es_diags *d);

/* 1 if `answer` picks choice `ch`: it begins with one of the choice's
 * answers, case aside, followed by the end or a character that is not a
 * letter or digit ("AWS, new account" picks "AWS", "AWSome" does not). */
int es_choice_matches(const struct es_choice *ch, const char *answer);
/* The choice an element's answer picks, or NULL. */
const struct es_choice *es_choice_of(const struct es_manual_item *it);
/* 1 when element `it` is unanswered and its choices' enabled plugin groups
 * are not those of one answer (mailgun and mandrill both there, say): until
 * it is answered they all run. `names` gets them ("mailgun, mandrill"). */
int es_choices_mixed(const struct es_config *c, const struct es_manual_item *it,
                     char *names, size_t len);

/* Closest of `candidates` (NULL-terminated) to `word` within edit
 * distance 2, or NULL. */
const char *es_closest_match(const char *word, const char *const *candidates);

/* Resolve `env:NAME` / `file:PATH` (relative to `base_dir`, nullable).
 * Returns a malloc'd value or NULL with a reason in err. */
/* 1 when `ref` names a variable that is unset or empty, or a file that
 * does not exist: the value is still to come, the reference is fine. */
int es_secret_absent(const char *ref, const char *base_dir);
char *es_secret_resolve(const char *ref, const char *base_dir, char *err,
                        size_t errlen);

/* ---- platform mappings (config_platform.c) ---------------------------- */

/* One platform setting: `name` in `file` (a .env or .json file of the
 * export), from `from`: output:PLUGIN.NAME, key:PLUGIN.KEY, value:TEXT or
 * environment:NAME. It applies when plugin `when` (default: the PLUGIN
 * of `from`) is enabled. In a .json file, `name` is a dotted path
 * ("system.smtp.address", "payment_gateways[0].name") and `type` says
 * how the text becomes JSON. An `optional` setting without
 * a value is left out; any other makes the export wait for apply. */
struct es_platform_setting {
	char *file, *name, *from, *when, *type; /* when, type nullable */
	int optional; /* no value yet: left out, not missing */
	int line;
};

struct es_platform {
	char *path, *name;
	struct es_platform_setting *settings;
	size_t n_settings;
};

/* Read and check a mapping; NULL with every problem (file:line) in d. */
struct es_platform *es_platform_load(const char *path, struct es_diags *d);
void es_platform_free(struct es_platform *p);

#endif
