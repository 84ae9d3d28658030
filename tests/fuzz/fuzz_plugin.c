/*
 * Fuzz one plugin's reply handling through the host's HTTP table, as the
 * plugin's unit tests drive it: the SDK's mock host (mock_host.h) answers
 * each request with the next reply of the input. Built once per plugin
 * (tests/fuzz/CMakeLists.txt) from the plugin's own sources: this file is
 * the same for all of them.
 *
 * Input, text:
 *   PLUGIN TASK PHASE          (PHASE: plan apply verify plan-destroy
 *                               destroy; PLUGIN is informative)
 *   state KEY VALUE            (any number: state the task starts with)
 *   config KEY VALUE           (any number: overrides a schema default;
 *                               a list's items separated by ',')
 *   --- STATUS                 (one per reply, in the order requests come)
 *   Header: value              (any number)
 *                              (an empty line)
 *   body...
 * Requests past the last reply get no answer (a transport failure).
 * Every other config key holds its schema default, else its example,
 * else a plausible value of its type. Seeds: tests/fuzz/plugin/<name>/.
 */
#include "envsetup/mock_host.h"
#include "envsetup/plugin.h"
#include "fuzz.h"

const struct es_plugin_descriptor *envsetup_plugin_entry(uint16_t host_major,
                                                         uint16_t host_minor);

#define MAX_ITEMS 8

/* mock_config_list() with up to MAX_ITEMS items. */
static void config_list(const char *key, char **items, size_t n)
{
	char *v[MAX_ITEMS] = {0};

	for (size_t i = 0; i < n && i < MAX_ITEMS; i++)
		v[i] = items[i];
	mock_config_list(key, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
	                 (const char *)NULL);
}

/* "30s", "5m", "250ms", "2h", "1d" or a bare number of ms. */
static int64_t duration_ms(const char *text)
{
	char *unit;
	long long n = strtoll(text, &unit, 10);

	if (strcmp(unit, "s") == 0)
		return n * 1000;
	if (strcmp(unit, "m") == 0)
		return n * 60000;
	if (strcmp(unit, "h") == 0)
		return n * 3600000;
	if (strcmp(unit, "d") == 0)
		return n * 86400000;
	return n;
}

/* Set `key` from `text` as its type reads. `text` (writable, kept until
 * the next mock_host_reset) is a list's items: quoted strings as a
 * schema writes them ([ "a", "b" ]), or else separated by ','. */
static void config_set(const struct es_key *k, char *text)
{
	char *items[MAX_ITEMS];
	size_t n = 0;

	switch (k->type) {
	case ES_TYPE_INT:
		mock_config_int(k->name, strtoll(text, NULL, 10));
		break;
	case ES_TYPE_BOOL:
		mock_config_bool(k->name, strcmp(text, "true") == 0);
		break;
	case ES_TYPE_DURATION:
		mock_config_duration(k->name, duration_ms(text));
		break;
	case ES_TYPE_RECORDS:
		/* The mock aborts on JSON it cannot parse: one fixed record. */
		mock_config_json(k->name, "[{\"type\":\"TXT\",\"name\":\"@\","
		                          "\"value\":\"v=spf1 -all\"}]");
		break;
	case ES_TYPE_LIST:
		if (strchr(text, '"')) {
			for (char *q = strchr(text, '"'); q && n < MAX_ITEMS;
			     q = strchr(q + 1, '"')) {
				items[n++] = q + 1;
				if (!(q = strchr(q + 1, '"')))
					break;
				*q = '\0';
			}
		} else {
			for (char *p = text; p && *p && n < MAX_ITEMS;) {
				items[n++] = p;
				if ((p = strchr(p, ',')))
					*p++ = '\0';
			}
		}
		config_list(k->name, items, n);
		break;
	default:
		mock_config_string(k->name, text);
		break;
	}
}

/* Keep `s` until the next reset (the mock borrows strings). */
static char *kept[256];
static size_t n_kept;

static char *keep(const char *s)
{
	char *copy = strdup(s);

	if (!copy || n_kept == sizeof(kept) / sizeof(*kept))
		abort();
	kept[n_kept++] = copy;
	return copy;
}

static void config_defaults(const struct es_plugin_descriptor *d)
{
	for (const struct es_key *k = d->keys; k && k->name; k++) {
		const char *v =
		    k->default_value ? k->default_value : k->example;

		if (!v && k->allowed)
			v = k->allowed[0];
		if (!v)
			v = k->type == ES_TYPE_URL    ? "https://api.fuzz.test"
			    : k->type == ES_TYPE_INT  ? "1"
			    : k->type == ES_TYPE_BOOL ? "true"
			    : k->type == ES_TYPE_DURATION ? "1s"
			    : k->type == ES_TYPE_LIST     ? "fuzz"
			                                  : "fuzz.acme.example";
		config_set(k, keep(v));
	}
}

static const struct es_key *key_named(const struct es_plugin_descriptor *d,
                                      const char *name)
{
	for (const struct es_key *k = d->keys; k && k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/* The task named `id`, or else one picked by its bytes: a mutated name
 * still runs some task. NULL when the plugin has none with a function. */
static const struct es_task *task_named(const struct es_plugin_descriptor *d,
                                        const char *id)
{
	size_t n = 0, pick = 0;

	for (const struct es_task *t = d->tasks; t && t->id; t++) {
		if (t->run && strcmp(t->id, id) == 0)
			return t;
		n += t->run != NULL;
	}
	for (const char *p = id; *p; p++)
		pick = pick * 31 + (unsigned char)*p;
	for (const struct es_task *t = d->tasks; n && t && t->id; t++)
		if (t->run && pick-- % n == 0)
			return t;
	for (const struct es_task *t = d->tasks; t && t->id; t++)
		if (t->run)
			return t;
	return NULL;
}

static enum es_phase phase_named(const char *name)
{
	static const char *const names[] = {"plan", "apply", "verify",
	                                    "plan-destroy", "destroy"};

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strcmp(names[i], name) == 0)
			return (enum es_phase)i;
	return ES_PHASE_PLAN;
}

/* Cut the line at *at, move *at past it, return it. */
static char *line(char **at)
{
	char *s = *at, *nl = strchr(s, '\n');

	if (nl) {
		*nl = '\0';
		*at = nl + 1;
	} else {
		*at = s + strlen(s);
	}
	return s;
}

/* Queue the replies ("--- STATUS" sections) from `at` on. */
static void script_replies(char *at)
{
	while (strncmp(at, "--- ", 4) == 0) {
		long status = strtol(line(&at) + 4, NULL, 10);
		char *headers = NULL, *body = at, *next;

		if (*at == '\n') {
			body = at + 1;
		} else if ((next = strstr(at, "\n\n"))) {
			headers = at;
			*next = '\0';
			body = next + 2;
		} else {
			headers = at;
			body = at + strlen(at);
		}
		next = strstr(body, "\n--- ");
		if (next)
			*next = '\0';
		mock_http_reply("", status, body, headers, MOCK_REPLY_ONCE);
		if (!next)
			return;
		at = next + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct es_plugin_descriptor *d =
	    envsetup_plugin_entry(ES_ABI_MAJOR, ES_ABI_MINOR);
	char *text = fuzz_text(data, size), *at = text, *first, *word;
	const char *task_id = "", *phase = "plan";
	const struct es_task *task;
	void *instance = NULL;

	mock_host_reset();
	config_defaults(d);
	first = line(&at);
	word = strtok(first, " ");
	if (word && (word = strtok(NULL, " "))) {
		task_id = word;
		if ((word = strtok(NULL, " ")))
			phase = word;
	}
	while (*at && strncmp(at, "--- ", 4) != 0) {
		char *l = line(&at), *kind = strtok(l, " ");
		char *key = strtok(NULL, " "), *value = strtok(NULL, "");
		const struct es_key *k;

		if (!kind || !key)
			continue;
		if (strcmp(kind, "state") == 0)
			mock_state_set(key, value ? value : "");
		else if (strcmp(kind, "config") == 0 && (k = key_named(d, key)))
			config_set(k, value ? value : (char *)"");
	}
	script_replies(at);
	task = task_named(d, task_id);
	if (task &&
	    (!d->ops || !d->ops->create ||
	     d->ops->create(mock_ctx(ES_PHASE_PLAN, NULL), &instance) == ES_OK))
		mock_run_task(d, task->id, phase_named(phase), instance);
	if (instance && d->ops->destroy_instance)
		d->ops->destroy_instance(instance);
	mock_host_reset();
	free(text);
	while (n_kept)
		free(kept[--n_kept]);
	return 0;
}
