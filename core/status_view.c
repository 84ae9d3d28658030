/*
 * The checklist as status shows it (status_view.h): one reading of the
 * state for status and report.
 */
#include <stdlib.h>
#include <string.h>

#include "status_view.h"

enum es_task_state es_status_of(struct es_run *run, const struct es_node *n,
                                char **text)
{
	char *msg = NULL;
	enum es_task_state st =
	    es_state_task_get(run->state, n->ref, &msg, NULL);

	if (st == ES_TS_PENDING && n->question)
		st = ES_TS_WAITING;
	if (st == ES_TS_WAITING && !msg && n->question)
		msg = strdup(n->question);
	if (text)
		*text = msg;
	else
		free(msg);
	return st;
}

void es_status_count(struct es_run *run, const struct es_section *sec,
                     struct es_status_counts *counts)
{
	memset(counts, 0, sizeof(*counts));
	for (size_t i = 0; i < run->n_nodes; i++) {
		enum es_task_state st;

		if (run->nodes[i].section != sec)
			continue;
		st = es_status_of(run, &run->nodes[i], NULL);
		(*(st == ES_TS_DONE      ? &counts->done
		   : st == ES_TS_WAITING ? &counts->waiting
		   : st == ES_TS_BLOCKED ? &counts->blocked
		   : st == ES_TS_FAILED  ? &counts->failed
		                         : &counts->pending))++;
	}
}

int es_output_is_long(const char *value)
{
	return value &&
	       (strlen(value) > ES_OUTPUT_INLINE_MAX || strchr(value, '\n'));
}

void es_output_summarise(const char *value, char *buf, size_t size)
{
	size_t lines = 1, len = strlen(value), head;
	cJSON *json;

	for (const char *c = value; *c; c++)
		lines += *c == '\n' && c[1];
	if (strncmp(value, "-----BEGIN ", 11) == 0) {
		size_t label = strcspn(value + 11, "-");

		snprintf(buf, size, "(PEM %.*s, %zu lines)", (int)label,
		         value + 11, lines);
		return;
	}
	json = (value[0] == '[' || value[0] == '{') ? cJSON_Parse(value) : NULL;
	if (json) {
		int n = cJSON_GetArraySize(json);

		snprintf(buf, size, "(JSON %s of %d %s%s)",
		         cJSON_IsArray(json) ? "list" : "object", n,
		         cJSON_IsArray(json) ? "item" : "key",
		         n == 1 ? "" : "s");
		cJSON_Delete(json);
		return;
	}
	head = strcspn(value, "\n");
	snprintf(buf, size, "%.*s... (%zu characters, %zu line%s)",
	         (int)(head < 40 ? head : 40), value, len, lines,
	         lines == 1 ? "" : "s");
}
