/*
 * Many customers in one invocation (`envsetup apply a.cfg b.cfg ...`,
 * or a folder of them): one process per customer, like Ansible's forks,
 * at most --customers at a time, sharing --parallelism through the
 * jobserver (jobserver.h). Each child loads, runs and holds only its own
 * customer (its secrets, state and lock); one that fails, or finds its
 * lock held, fails alone. The parent prints each customer's output as one
 * block when it ends (as `make --output-sync` does), or with --output json
 * forwards its event lines as they come, whole; then a table of the
 * customers and the worst exit code (docs/cli.md, Several customers).
 */
#ifndef ENVSETUP_CORE_CUSTOMERS_H
#define ENVSETUP_CORE_CUSTOMERS_H

#include <signal.h>
#include <stddef.h>

#include "run.h"

/* Customers at once (--customers). */
#define ES_DEFAULT_CUSTOMERS 10

struct es_customers_options {
	unsigned at_once;     /* --customers; 0: ES_DEFAULT_CUSTOMERS */
	unsigned parallelism; /* tokens; 0: ES_DEFAULT_PARALLELISM */
	/* The command asks on the terminal (destroy without --yes): one
	 * customer at a time, with the terminal, its output not collected. */
	int interactive;
	int events;  /* --output json: forward each line as it comes */
	int machine; /* stdout is for a program: no headers, table on stderr */
	volatile sig_atomic_t *cancelled; /* main.c's flag, set on a signal */
};

/* Runs one customer file in the child; returns its exit code. */
typedef int (*es_customer_fn)(void *ctx, const char *path);

/* The customer files the arguments name: a file as given, a folder as
 * every *.cfg in it, sorted. ES_EXIT_OK, or ES_EXIT_INPUT (said). */
int es_customers_expand(char *const *args, size_t n_args, char ***files,
                        size_t *n_files);
void es_customers_free(char **files, size_t n_files);

/* Run `fn` for each file in its own process; the worst exit code. */
int es_customers_run(char *const *files, size_t n_files,
                     const struct es_customers_options *opt, es_customer_fn fn,
                     void *ctx);

/* In a child: what the summary table shows of this customer, its id and
 * environment once its file loaded, then its run's summary counts (plan,
 * apply, destroy: es_run_keep_counts). No-ops outside a child. */
void es_customer_identify(const char *customer_id, const char *env);
void es_customer_tally(const struct es_run *run);

/* Of two exit codes, the one to report: any error wins over pending (2),
 * which wins over done (0); between errors, the higher. */
int es_worse_exit(int a, int b);

#endif
