/*
 * Writing saved plans (plan_file.h). render.c builds the plan document
 * (tasks and their changes, the summary); this adds what lets `apply
 * FILE` tell whether the world it was made in still holds: the config
 * digest, the state serial, the plugin and envsetup versions. The same
 * document is what `plan --json` prints, so there is one format.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file_replace.h"
#include "log.h"
#include "plan_file.h"
#include "runner.h"

int es_plan_file_header(struct es_run *run, cJSON *doc)
{
	const char *dir =
	    run->opt.state_dir ? run->opt.state_dir : run->cfg->state_dir;
	char err[PATH_MAX + 128], real[PATH_MAX], when[32];
	time_t now = time(NULL);
	struct tm tm;
	cJSON *digest = es_plan_config_digest(run->cfg, err, sizeof(err));
	cJSON *state, *plugins;

	if (!digest) {
		es_log(ES_LOG_ERROR, NULL, "%s: %s", run->cfg->path, err);
		return -1;
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(doc, "envsetup_version", ES_VERSION_STRING);
	cJSON_AddStringToObject(doc, "created", when);
	cJSON_AddItemToObject(doc, "config", digest);
	/* The state directory as opened, so that `apply FILE` opens the
	 * same one whatever --state-dir the plan was made with. */
	state = cJSON_AddObjectToObject(doc, "state");
	cJSON_AddStringToObject(state, "dir",
	                        dir && realpath(dir, real) ? real : "");
	cJSON_AddNumberToObject(state, "serial",
	                        (double)es_state_serial(run->state));
	plugins = cJSON_AddArrayToObject(doc, "plugins");
	for (size_t i = 0; i < run->n_instances; i++) {
		const struct es_plugin *p = run->instances[i].plugin;
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", p->name);
		cJSON_AddStringToObject(
		    o, "version", p->desc->version ? p->desc->version : "");
		cJSON_AddItemToArray(plugins, o);
	}
	return 0;
}

/* Every string of the tree through redaction: messages and questions
 * come from plugins and people, and a plan file outlives the run. */
static void redact_tree(cJSON *node)
{
	for (cJSON *c = node ? node->child : NULL; c; c = c->next) {
		if (cJSON_IsString(c) && es_redact_contains(c->valuestring)) {
			char *clean = es_redact(c->valuestring);

			cJSON_SetValuestring(c, clean ? clean : "***");
			free(clean);
		}
		redact_tree(c);
	}
}

char *es_plan_checksum(cJSON *doc)
{
	cJSON *old = cJSON_DetachItemFromObjectCaseSensitive(doc, "checksum");
	char *text = cJSON_PrintUnformatted(doc), hex[ES_SHA256_HEX];
	char *out = NULL;

	if (old)
		cJSON_AddItemToObject(doc, "checksum", old);
	if (text && es_sha256_hex(text, strlen(text), hex) == 0 &&
	    (out = malloc(sizeof("sha256:") + ES_SHA256_HEX)))
		sprintf(out, "sha256:%s", hex);
	free(text);
	return out;
}

/* ---- writing ---------------------------------------------------------- */

/* A text file ends with a newline. */
static int append_newline(char **text)
{
	size_t n = strlen(*text);
	char *grown = realloc(*text, n + 2);

	if (!grown)
		return -1;
	grown[n] = '\n';
	grown[n + 1] = '\0';
	*text = grown;
	return 0;
}

/* The first bytes of `path` after blanks, or 0 (absent, empty). */
static int first_char(const char *path)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;

	if (fd >= 0)
		close(fd);
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' &&
		    buf[i] != '\r')
			return (unsigned char)buf[i];
	return 0;
}

int es_plan_file_is_plan(const char *path)
{
	size_t n = strlen(path);
	struct stat sb;

	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    first_char(path) == '{')
		return 1;
	return (n > 5 && strcmp(path + n - 5, ".plan") == 0) ||
	       (n > 5 && strcmp(path + n - 5, ".json") == 0);
}

int es_plan_file_finish(struct es_run *run, cJSON *doc, int failed)
{
	const char *out = run->opt.plan_out;
	struct stat sb;
	char *sum, *text;
	int rc = ES_EXIT_OK;

	redact_tree(doc);
	sum = es_plan_checksum(doc);
	if (!sum || !cJSON_AddStringToObject(doc, "checksum", sum)) {
		free(sum);
		es_log(ES_LOG_ERROR, NULL, "out of memory");
		return ES_EXIT_FAILED;
	}
	free(sum);
	if (!out)
		return ES_EXIT_OK;
	if (failed) {
		es_log(ES_LOG_ERROR, NULL,
		       "%s: not written: a plan with failed tasks cannot be "
		       "applied",
		       out);
		return ES_EXIT_OK;
	}
	/* A typo must not overwrite the customer file: only a plan is
	 * replaced. */
	if (stat(out, &sb) == 0 &&
	    (!S_ISREG(sb.st_mode) || first_char(out) != '{')) {
		es_log(ES_LOG_ERROR, NULL,
		       "%s: not written: it exists and is not a saved plan",
		       out);
		return ES_EXIT_INPUT;
	}
	text = cJSON_Print(doc);
	/* 0600: a plan names the customer's resources. */
	if (!text || es_redact_contains(text) || append_newline(&text) < 0 ||
	    es_file_replace(out, text, strlen(text), 0600) < 0) {
		es_log(ES_LOG_ERROR, NULL, "%s: cannot write the plan: %s", out,
		       !text                      ? "out of memory"
		       : es_redact_contains(text) ? "it would hold a secret"
		                                  : strerror(errno));
		rc = ES_EXIT_INPUT;
	}
	free(text);
	return rc;
}
