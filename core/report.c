/*
 * `envsetup report`: the checklist as a Markdown document to hand to the
 * customer and the team: every section's answers, every task's state, the
 * questions still waiting for a person, and the outputs (secret ones
 * named, never shown). Reads only the config and the state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "runner.h"

/* Table cells: a '|' or a newline would break the Markdown table. */
static void cell(FILE *out, const char *s)
{
	char *clean = es_redact(s ? s : "");

	for (const char *p = clean ? clean : ""; *p; p++) {
		if (*p == '|')
			fputs("\\|", out);
		else if (*p == '\n' || *p == '\r')
			fputc(' ', out);
		else
			fputc(*p, out);
	}
	free(clean);
}

static void report_output(const struct es_output_entry *o, void *arg)
{
	FILE *out = arg;

	fputs("| ", out);
	cell(out, o->plugin);
	fputs(" | ", out);
	cell(out, o->name);
	fputs(" | ", out);
	if (o->secret)
		fputs("secret (in the 0600 secrets file)", out);
	else
		cell(out, o->value);
	fputs(" |\n", out);
}

static void report_section(struct es_run *run, const struct es_section *sec,
                           FILE *out, int *waiting)
{
	fprintf(out, "\n## %s %s\n\n", sec->id, sec->title);
	if (sec->n_elements) {
		fputs("| element needed before start | answer |\n|---|---|\n",
		      out);
		for (size_t e = 0; e < sec->n_elements; e++) {
			fputs("| ", out);
			cell(out, sec->elements[e].question);
			fputs(" | ", out);
			cell(out, sec->elements[e].answer
			              ? sec->elements[e].answer
			              : "**unanswered**");
			fputs(" |\n", out);
		}
		fputc('\n', out);
	}
	fputs("| task | state | detail |\n|---|---|---|\n", out);
	for (size_t i = 0; i < run->n_nodes; i++) {
		const struct es_node *n = &run->nodes[i];
		enum es_task_state st;
		char *msg = NULL;

		if (n->section != sec)
			continue;
		st = es_state_task_get(run->state, n->ref, &msg, NULL);
		if (st == ES_TS_PENDING && n->question)
			st = ES_TS_WAITING;
		*waiting += st == ES_TS_WAITING;
		fputs("| ", out);
		cell(out, n->title);
		fprintf(out, " (`%s`) | %s | ", n->ref, es_task_state_name(st));
		cell(out, msg ? msg : (st == ES_TS_WAITING ? n->question : ""));
		if (n->owner) {
			fputs(" (owner: ", out);
			cell(out, n->owner);
			fputc(')', out);
		}
		fputs(" |\n", out);
		free(msg);
	}
}

int es_run_report(struct es_run *run, FILE *out)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int waiting = 0;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M UTC", &tm);
	fprintf(out, "# Enterprise environment: ");
	cell(out, run->cfg->customer_name ? run->cfg->customer_name
	                                  : run->cfg->customer_id);
	fprintf(out, ", %s\n\nReport made by envsetup %s on %s.\n",
	        run->env->name, ES_VERSION_STRING, stamp);
	for (size_t s = 0; s < run->cfg->n_sections; s++)
		report_section(run, &run->cfg->sections[s], out, &waiting);
	fputs("\n## Outputs\n\n| plugin | name | value |\n|---|---|---|\n",
	      out);
	es_state_outputs_each(run->state, report_output, out);
	fprintf(out, "\n%d item%s wait for a person.\n", waiting,
	        waiting == 1 ? "" : "s");
	return ES_EXIT_OK;
}
