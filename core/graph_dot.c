/*
 * envsetup graph CUSTOMER.cfg: the run's task graph as Graphviz DOT, as
 * `terraform graph` prints its own (runner.h). One cluster per checklist
 * section; a box per API task, a note per manual gate (its question is
 * what a person answers), grey when the state holds it done. An edge
 * points from a task to what it waits on; a dashed edge is an output
 * reference, labelled with the key that reads it ("publish_records").
 * Pipe it to `dot -Tsvg`.
 */
#include <stdio.h>
#include <string.h>

#include "refs_run.h"
#include "runner.h"
#include "state.h"

/* A DOT string: quotes and backslashes escaped, line breaks as \n. */
static void dot_string(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if (*s == '\n')
			fputs("\\n", stdout);
		else
			putchar(*s);
	}
	putchar('"');
}

static void node_line(struct es_run *run, size_t i)
{
	const struct es_node *n = &run->nodes[i];
	enum es_task_state st =
	    run->state ? es_state_task_get(run->state, n->ref, NULL, NULL)
	               : ES_TS_PENDING;
	char label[512];

	snprintf(label, sizeof(label), "%s\n%s", n->ref,
	         n->title ? n->title : "");
	printf("    n%zu [label=", i);
	dot_string(label);
	printf(", shape=%s%s];\n", n->question ? "note" : "box",
	       st == ES_TS_DONE ? ", style=filled, fillcolor=lightgrey" : "");
}

int es_render_graph(struct es_run *run)
{
	printf("digraph envsetup {\n  rankdir=LR;\n  label=");
	dot_string(run->cfg->customer_id);
	printf(";\n  node [fontsize=10];\n");
	for (size_t s = 0; s < run->cfg->n_sections; s++) {
		const struct es_section *sec = &run->cfg->sections[s];
		char label[256];
		int any = 0;

		for (size_t i = 0; i < run->n_nodes; i++) {
			if (run->nodes[i].section != sec)
				continue;
			if (!any++) {
				snprintf(label, sizeof(label), "%s %s", sec->id,
				         sec->title);
				printf("  subgraph cluster_%zu {\n    label=",
				       s);
				dot_string(label);
				printf(";\n");
			}
			node_line(run, i);
		}
		if (any)
			printf("  }\n");
	}
	for (size_t i = 0; i < run->n_nodes; i++)
		for (size_t k = 0; k < run->nodes[i].n_deps; k++) {
			size_t to = run->nodes[i].deps[k];
			const struct es_value *v =
			    es_refs_edge_value(run, i, to);

			printf("  n%zu -> n%zu", i, to);
			if (v) {
				printf(" [style=dashed, label=");
				dot_string(v->key->name);
				printf("]");
			}
			printf(";\n");
		}
	printf("}\n");
	return ES_EXIT_OK;
}
