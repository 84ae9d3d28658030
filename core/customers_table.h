/*
 * The table `envsetup COMMAND A.cfg B.cfg ...` ends with (customers.h): a
 * row per customer with its environment, exit code and what it means, and
 * its run's counts.
 */
#ifndef ENVSETUP_CORE_CUSTOMERS_TABLE_H
#define ENVSETUP_CORE_CUSTOMERS_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct es_customer_row {
	const char *file;
	/* What the child said of itself, lines "customer\tID\tENV" and
	 * "tally\tCOUNTS" (customers.c), or NULL. */
	const char *result;
	int rc;
	int started; /* 0: not started (interrupted, or no process) */
};

/* `max_running`: the most tasks that ran at once across the customers,
 * against `limit` (--parallelism). */
void es_customers_print_table(FILE *to, const struct es_customer_row *rows,
                              size_t n, unsigned max_running, unsigned limit);

/* What an exit code means, in a few words (docs/cli.md, Exit codes). */
const char *es_exit_meaning(int rc);

#endif
