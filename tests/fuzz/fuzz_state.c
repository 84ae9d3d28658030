/*
 * Fuzz the state store's reader: state.json, journal.jsonl and
 * secrets.json of one environment, as a run opens them (es_state_open:
 * read, torn-record cut, journal replay), secrets.json unsealed with a
 * state_key, read back, and closed (which writes a snapshot when the
 * replay changed anything).
 *
 * Input: the files' bodies, each after a line "--- NAME" (NAME one of
 * the three); text before the first such line is state.json. A file with
 * no section is absent. Seeds: tests/fuzz/state/.
 */
#include <sys/stat.h>

#include "fuzz.h"
#include "state.h"

static const char *const files[] = {"state.json", "journal.jsonl",
                                    "secrets.json"};

static void count_output(const struct es_output_entry *e, void *arg)
{
	(void)e;
	++*(size_t *)arg;
}

/* The file a "--- NAME\n" line at `at` names (NULL: none); *after
 * gets where its body starts. */
static const char *section(const char *at, const char **after)
{
	if (strncmp(at, "--- ", 4) != 0)
		return NULL;
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		size_t len = strlen(files[i]);

		if (strncmp(at + 4, files[i], len) == 0 &&
		    at[4 + len] == '\n') {
			*after = at + 4 + len + 1;
			return files[i];
		}
	}
	return NULL;
}

/* Write each section of `text` to its file under env_dir. */
static void write_sections(const char *env_dir, const char *text)
{
	const char *at = text, *name = section(text, &at);

	if (!name) {
		name = files[0];
		if (!*text || strncmp(text, "--- ", 4) == 0)
			return;
	}
	for (;;) {
		const char *next = strstr(at, "\n--- ");

		fuzz_write(env_dir, name, at,
		           next ? (size_t)(next - at) : strlen(at));
		if (!next || !(name = section(next + 1, &at)))
			return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_scratch_dir();
	char env_dir[1024], path[1100], err[512];
	char *text = fuzz_text(data, size), *v;
	struct es_state *s = NULL;
	size_t n = 0;

	snprintf(env_dir, sizeof(env_dir), "%s/uat", dir);
	mkdir(env_dir, 0700);
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		snprintf(path, sizeof(path), "%s/%s", env_dir, files[i]);
		unlink(path);
	}
	write_sections(env_dir, text);
	free(text);
	if (es_state_open(dir, "acme", "uat", 0, &s, err, sizeof(err)) !=
	    ES_STATE_OK)
		return 0;
	/* A sealed secrets.json is opened with the customer's state_key. */
	(void)es_state_secrets_key(s, "fuzz-state-key", err, sizeof(err));
	es_state_outputs_each(s, count_output, &n);
	free(es_state_kv_get(s, "mailgun", "domain_id"));
	v = NULL;
	(void)es_state_task_get(s, "mailgun:domain", &v, NULL);
	free(v);
	(void)es_state_interrupted(s, "mailgun:domain");
	es_state_close(s);
	return 0;
}
