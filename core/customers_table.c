/*
 * The customers' summary table (customers_table.h).
 */
#include "customers_table.h"

#include <stdlib.h>
#include <string.h>

#include "runner.h"

const char *es_exit_meaning(int rc)
{
	switch (rc) {
	case ES_EXIT_OK:
		return "done / no changes";
	case ES_EXIT_INPUT:
		return "invalid input";
	case ES_EXIT_PENDING:
		return "pending";
	case ES_EXIT_LOCKED:
		return "state locked by another run";
	case ES_EXIT_FAILED:
		return "a task failed, or interrupted";
	case ES_EXIT_PLUGIN:
		return "a plugin could not be loaded";
	case ES_EXIT_STALE:
		return "the saved plan is stale";
	case ES_EXIT_USAGE:
		return "usage, or not confirmed";
	default:
		return rc > 128 ? "killed by a signal" : "unknown";
	}
}

/* The value after "KIND\t" in the result lines, up to `fields` tabs
 * later, into `out`; "" when absent. */
static void result_field(const char *result, const char *kind, int field,
                         char *out, size_t size)
{
	size_t klen = strlen(kind);
	const char *line = result;

	out[0] = '\0';
	while (line && *line) {
		if (strncmp(line, kind, klen) == 0 && line[klen] == '\t') {
			const char *v = line + klen + 1;
			size_t len;

			for (int f = 0; f < field && v; f++) {
				v = strpbrk(v, "\t\n");
				v = v && *v == '\t' ? v + 1 : NULL;
			}
			if (!v)
				return;
			len = strcspn(v, "\t\n");
			if (len >= size)
				len = size - 1;
			memcpy(out, v, len);
			out[len] = '\0';
			return;
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
}

struct row_text {
	char customer[256], env[128], exit[16], tally[256];
	const char *meaning;
};

static void row_text(const struct es_customer_row *r, struct row_text *t)
{
	const char *base = strrchr(r->file, '/');

	result_field(r->result, "customer", 0, t->customer,
	             sizeof(t->customer));
	result_field(r->result, "customer", 1, t->env, sizeof(t->env));
	result_field(r->result, "tally", 0, t->tally, sizeof(t->tally));
	if (!t->customer[0])
		snprintf(t->customer, sizeof(t->customer), "%s",
		         base ? base + 1 : r->file);
	if (!t->env[0])
		strcpy(t->env, "-");
	if (!t->tally[0])
		strcpy(t->tally, "-");
	if (r->started) {
		snprintf(t->exit, sizeof(t->exit), "%d", r->rc);
		t->meaning = es_exit_meaning(r->rc);
	} else {
		strcpy(t->exit, "-");
		t->meaning = "not started";
	}
}

static int width(int w, const char *s)
{
	int len = (int)strlen(s);

	return len > w ? len : w;
}

void es_customers_print_table(FILE *to, const struct es_customer_row *rows,
                              size_t n, unsigned max_running, unsigned limit)
{
	struct row_text *t = calloc(n, sizeof(*t));
	int wc = 8, we = 11, wm = 7, ok = 0, pending = 0, failed = 0;

	if (!t)
		return;
	for (size_t i = 0; i < n; i++) {
		row_text(&rows[i], &t[i]);
		wc = width(wc, t[i].customer);
		we = width(we, t[i].env);
		wm = width(wm, t[i].meaning);
		if (rows[i].started && rows[i].rc == ES_EXIT_OK)
			ok++;
		else if (rows[i].started && rows[i].rc == ES_EXIT_PENDING)
			pending++;
		else
			failed++;
	}
	fprintf(to, "\nCustomers: %zu (%d done, %d pending, %d failed)\n", n,
	        ok, pending, failed);
	fprintf(to, "  %-*s  %-*s  %-4s  %-*s  %s\n", wc, "CUSTOMER", we,
	        "ENVIRONMENT", "EXIT", wm, "MEANING", "TASKS");
	for (size_t i = 0; i < n; i++)
		fprintf(to, "  %-*s  %-*s  %-4s  %-*s  %s\n", wc, t[i].customer,
		        we, t[i].env, t[i].exit, wm, t[i].meaning, t[i].tally);
	fprintf(to,
	        "At most %u tasks ran at once across the customers "
	        "(--parallelism %u).\n",
	        max_running, limit);
	fflush(to);
	free(t);
}
