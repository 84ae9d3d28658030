/*
 * The task graph of a run: plugin tasks and checklist manual items, in
 * the checklist's order (section by section; within a section the manual
 * items, then each plugin's tasks in the order it declares them), with
 * edges from `depends_on`. The order is also the scheduling tie-break, so
 * runs are reproducible.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refs_run.h"
#include "run.h"

static struct es_node *add_node(struct es_run *run, const char *ref)
{
	struct es_node *n;

	if (run->n_nodes == run->cap_nodes) {
		size_t cap = run->cap_nodes ? run->cap_nodes * 2 : 64;
		struct es_node *grown =
		    realloc(run->nodes, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		run->nodes = grown;
		run->cap_nodes = cap;
	}
	n = &run->nodes[run->n_nodes];
	memset(n, 0, sizeof(*n));
	n->ref = strdup(ref);
	n->selected = 1;
	if (!n->ref ||
	    es_strmap_put(&run->node_of_ref, ref,
	                  (void *)(uintptr_t)(run->n_nodes + 1)) < 0) {
		free(n->ref);
		return NULL;
	}
	run->n_nodes++;
	return n;
}

static struct es_instance *find_instance(struct es_run *run, const char *name)
{
	for (size_t i = 0; i < run->n_instances; i++)
		if (strcmp(run->instances[i].plugin->name, name) == 0)
			return &run->instances[i];
	return NULL;
}

struct es_node *es_graph_find(struct es_run *run, const char *ref)
{
	uintptr_t at = (uintptr_t)es_strmap_get(&run->node_of_ref, ref);

	return at ? &run->nodes[at - 1] : NULL;
}

static int add_dep(struct es_node *n, size_t dep)
{
	size_t *grown = realloc(n->deps, (n->n_deps + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	n->deps = grown;
	n->deps[n->n_deps++] = dep;
	return 0;
}

/* Resolve "task", "plugin:task" or "checklist:id" relative to `plugin`. */
static size_t resolve_deps(struct es_run *run, size_t idx,
                           const char *const *deps, const char *plugin,
                           const char *file, int line, struct es_diags *d)
{
	size_t problems = 0;

	for (; deps && *deps; deps++) {
		char ref[256];
		struct es_node *target;

		if (strchr(*deps, ':') || !plugin)
			snprintf(ref, sizeof(ref), "%s", *deps);
		else
			snprintf(ref, sizeof(ref), "%s:%s", plugin, *deps);
		target = es_graph_find(run, ref);
		if (!target) {
			es_diags_add(
			    d, file, line, run->nodes[idx].ref,
			    "depends on '%s', which is not part of this "
			    "run (unknown, or its plugin is disabled)",
			    ref);
			problems++;
			continue;
		}
		if (add_dep(&run->nodes[idx], (size_t)(target - run->nodes)) <
		    0)
			problems++;
	}
	return problems;
}

/* The edge an output reference implies: the producing task first. */
static void add_ref_dep(struct es_run *run, size_t idx, size_t producer,
                        void *problems)
{
	if (add_dep(&run->nodes[idx], producer) < 0)
		(*(size_t *)problems)++;
}

/* A cycle through an output reference is reported at the value that
 * reads it, so `check` names the line to change. */
static void cycle_site(struct es_run *run, const size_t *path, size_t n,
                       const char **file, int *line, char *where, size_t len)
{
	for (size_t s = 0; s < n; s++) {
		const struct es_value *v =
		    es_refs_edge_value(run, path[s], path[(s + 1) % n]);

		if (v) {
			*file = v->file;
			*line = v->line;
			snprintf(where, len, "%s.%s",
			         run->nodes[path[s]].inst->plugin->name,
			         v->key->name);
			return;
		}
	}
}

/* Depth-first search for a cycle; colour 1 = on the stack. */
static int find_cycle(struct es_run *run, size_t i, unsigned char *colour,
                      size_t *stack, size_t depth, struct es_diags *d)
{
	colour[i] = 1;
	stack[depth] = i;
	for (size_t k = 0; k < run->nodes[i].n_deps; k++) {
		size_t j = run->nodes[i].deps[k];

		if (colour[j] == 1) {
			char path[1024] = "";
			size_t start = 0;

			while (stack[start] != j)
				start++;
			for (size_t s = start; s <= depth; s++) {
				strncat(path, run->nodes[stack[s]].ref,
				        sizeof(path) - strlen(path) - 1);
				strncat(path, " -> ",
				        sizeof(path) - strlen(path) - 1);
			}
			const char *file = NULL;
			int line = 0;
			char where[192];

			snprintf(where, sizeof(where), "%s", run->nodes[j].ref);
			strncat(path, run->nodes[j].ref,
			        sizeof(path) - strlen(path) - 1);
			cycle_site(run, stack + start, depth - start + 1, &file,
			           &line, where, sizeof(where));
			es_diags_add(d, file, line, where,
			             "dependency cycle: %s", path);
			return 1;
		}
		if (colour[j] == 0 &&
		    find_cycle(run, j, colour, stack, depth + 1, d))
			return 1;
	}
	colour[i] = 2;
	return 0;
}

static size_t add_section_nodes(struct es_run *run,
                                const struct es_section *sec,
                                struct es_diags *d)
{
	char ref[256];
	size_t problems = 0;

	for (size_t m = 0; m < sec->n_manual; m++) {
		const struct es_manual_item *item = &sec->manual[m];
		struct es_node *n;

		snprintf(ref, sizeof(ref), "checklist:%s", item->id);
		n = add_node(run, ref);
		if (!n)
			return problems + 1;
		n->kind = ES_NODE_MANUAL;
		n->section = sec;
		n->item = item;
		n->title = item->title ? item->title : item->question;
		n->question = item->question;
		n->owner = item->owner;
	}
	for (size_t p = 0; p < sec->n_plugins; p++) {
		struct es_instance *inst = find_instance(run, sec->plugins[p]);

		if (!inst)
			continue; /* disabled: its tasks are not part of the run
			           */
		for (size_t t = 0; t < inst->plugin->n_tasks; t++) {
			const struct es_task *task = inst->plugin->tasks[t];
			struct es_node *n;

			snprintf(ref, sizeof(ref), "%s:%s", inst->plugin->name,
			         task->id);
			n = add_node(run, ref);
			if (!n) {
				es_diags_add(d, NULL, 0, ref, "out of memory");
				return problems + 1;
			}
			n->kind = ES_NODE_PLUGIN_TASK;
			n->section = sec;
			n->inst = inst;
			n->task = task;
			n->title = task->title;
			if (task->flags & ES_TASK_MANUAL)
				n->question = task->question;
		}
	}
	return problems;
}

size_t es_graph_build(struct es_run *run, struct es_diags *d)
{
	size_t problems = 0;

	for (size_t s = 0; s < run->cfg->n_sections; s++)
		problems += add_section_nodes(run, &run->cfg->sections[s], d);
	for (size_t i = 0; i < run->n_nodes; i++) {
		struct es_node *n = &run->nodes[i];

		if (n->kind == ES_NODE_PLUGIN_TASK) {
			problems += resolve_deps(
			    run, i, n->task->depends_on, n->inst->plugin->name,
			    n->inst->conf->file, n->inst->conf->line, d);
			es_refs_producers(run, i, add_ref_dep, &problems);
		} else
			problems += resolve_deps(
			    run, i, (const char *const *)n->item->depends_on,
			    NULL, n->item->file, n->item->line, d);
	}
	if (problems == 0 && run->n_nodes > 0) {
		unsigned char *colour = calloc(run->n_nodes, 1);
		size_t *stack = calloc(run->n_nodes, sizeof(*stack));

		if (!colour || !stack) {
			problems++;
		} else {
			for (size_t i = 0; i < run->n_nodes && !problems; i++)
				if (colour[i] == 0)
					problems += (size_t)find_cycle(
					    run, i, colour, stack, 0, d);
		}
		free(colour);
		free(stack);
	}
	return problems;
}

/* "mailgun" matches every mailgun task; "mailgun:create_domain" one;
 * "checklist" every manual item of the checklist. */
static int matches(const struct es_node *n, const char *pattern)
{
	size_t len = strlen(pattern);

	if (strcmp(n->ref, pattern) == 0)
		return 1;
	return !strchr(pattern, ':') && strncmp(n->ref, pattern, len) == 0 &&
	       n->ref[len] == ':';
}

static size_t check_patterns(struct es_run *run, const char *const *list,
                             const char *option, struct es_diags *d)
{
	size_t problems = 0;

	for (; list && *list; list++) {
		int found = 0;

		for (size_t i = 0; i < run->n_nodes && !found; i++)
			found = matches(&run->nodes[i], *list);
		if (!found) {
			es_diags_add(
			    d, NULL, 0, option,
			    "'%s' names no plugin or task of this run "
			    "(see `envsetup status` for the task list)",
			    *list);
			problems++;
		}
	}
	return problems;
}

size_t es_graph_select(struct es_run *run, struct es_diags *d)
{
	size_t problems = check_patterns(run, run->opt.only, "--only", d) +
	                  check_patterns(run, run->opt.skip, "--skip", d);
	size_t selected = 0;

	for (size_t i = 0; i < run->n_nodes; i++) {
		struct es_node *n = &run->nodes[i];
		int sel = run->opt.only && run->opt.only[0] ? 0 : 1;

		for (const char *const *p = run->opt.only; p && *p; p++)
			sel |= matches(n, *p);
		for (const char *const *p = run->opt.skip; p && *p; p++)
			if (matches(n, *p))
				sel = 0;
		n->selected = sel;
		selected += sel;
	}
	/* "No changes" for a run that looked at nothing would be a lie. */
	if (!selected && !problems && run->n_nodes &&
	    (run->opt.only || run->opt.skip)) {
		es_diags_add(d, NULL, 0, "--skip",
		             "--only and --skip leave no task to run");
		problems++;
	}
	return problems;
}

void es_graph_free(struct es_run *run)
{
	for (size_t i = 0; i < run->n_nodes; i++) {
		free(run->nodes[i].ref);
		free(run->nodes[i].deps);
		free(run->nodes[i].message);
		cJSON_Delete(run->nodes[i].changes);
	}
	free(run->nodes);
	run->nodes = NULL;
	run->n_nodes = run->cap_nodes = 0;
	es_strmap_free(&run->node_of_ref);
}
