/*
 * Many customers at once (customers.h): the parent forks a child per
 * customer file, collects each child's stdout, stderr and a result line
 * through three pipes, prints them as one block when the child ends, and
 * forwards SIGINT and SIGTERM to every child, which stops the way a single
 * run stops. The parent itself never loads a customer: it holds no secret.
 */
#include "customers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "customers_table.h"
#include "jobserver.h"
#include "log.h"
#include "runner.h"

int es_worse_exit(int a, int b)
{
	int rank_a = a == ES_EXIT_OK ? 0 : a == ES_EXIT_PENDING ? 1 : 2;
	int rank_b = b == ES_EXIT_OK ? 0 : b == ES_EXIT_PENDING ? 1 : 2;

	if (rank_a != rank_b)
		return rank_a > rank_b ? a : b;
	return a > b ? a : b;
}

/* ---- the files ----------------------------------------------------- */

static int add_file(char ***files, size_t *n, char *path)
{
	char **grown = path ? realloc(*files, (*n + 1) * sizeof(*grown)) : NULL;

	if (!grown) {
		free(path);
		return -1;
	}
	*files = grown;
	(*files)[(*n)++] = path;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_cfg(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 4 && strcmp(name + len - 4, ".cfg") == 0;
}

static int add_folder(const char *dir, char ***files, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t first = *n;
	char *path;

	if (!d) {
		es_log(ES_LOG_ERROR, NULL, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (!is_cfg(e->d_name))
			continue;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0 ||
		    add_file(files, n, path) < 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	if (*n == first) {
		es_log(ES_LOG_ERROR, NULL, "%s: no customer file (*.cfg) in it",
		       dir);
		return -1;
	}
	if (*n - first > 1) /* none: *files may be NULL */
		qsort(*files + first, *n - first, sizeof(**files), by_name);
	return 0;
}

int es_customers_expand(char *const *args, size_t n_args, char ***files,
                        size_t *n_files)
{
	*files = NULL;
	*n_files = 0;
	for (size_t i = 0; i < n_args; i++) {
		struct stat st;
		int rc = stat(args[i], &st) == 0 && S_ISDIR(st.st_mode)
		             ? add_folder(args[i], files, n_files)
		             : add_file(files, n_files, strdup(args[i]));

		if (rc < 0) {
			es_customers_free(*files, *n_files);
			*files = NULL;
			*n_files = 0;
			return ES_EXIT_INPUT;
		}
	}
	return ES_EXIT_OK;
}

void es_customers_free(char **files, size_t n_files)
{
	for (size_t i = 0; i < n_files; i++)
		free(files[i]);
	free(files);
}

/* ---- in a child: the result line ----------------------------------- */

static int result_fd = -1;

static void put_result(const char *kind, const char *text)
{
	char line[1024];
	int len = snprintf(line, sizeof(line), "%s\t%s\n", kind, text);
	ssize_t wrote;

	if (result_fd < 0 || len < 0 || (size_t)len >= sizeof(line))
		return;
	wrote = write(result_fd, line, (size_t)len);
	(void)wrote; /* the table then shows the file name, no count */
}

void es_customer_identify(const char *customer_id, const char *env)
{
	char text[600];

	snprintf(text, sizeof(text), "%s\t%s", customer_id ? customer_id : "",
	         env ? env : "");
	put_result("customer", text);
}

/* "38 done, 29 changed, 18 waiting for person": the run's summary
 * counts that are not 0, as the events' summary names them. */
void es_customer_tally(const struct es_run *run)
{
	char text[512] = "";
	size_t used = 0;
	const cJSON *c;

	if (result_fd < 0 || !run->counts)
		return;
	cJSON_ArrayForEach(c, run->counts)
	{
		int wrote;

		if (!cJSON_IsNumber(c) || c->valuedouble == 0)
			continue;
		wrote = snprintf(text + used, sizeof(text) - used, "%s%d %s",
		                 used ? ", " : "", c->valueint, c->string);
		if (wrote < 0 || (size_t)wrote >= sizeof(text) - used)
			break;
		for (char *u = text + used; *u; u++)
			if (*u == '_')
				*u = ' ';
		used += (size_t)wrote;
	}
	put_result("tally", text[0] ? text : "nothing");
}

/* ---- in the parent -------------------------------------------------- */

enum { OUT, ERR, RESULT, N_PIPES };

struct buffer {
	char *data;
	size_t len;
};

struct child {
	const char *file;
	pid_t pid;
	int fd[N_PIPES]; /* read ends; -1 once at end of file */
	struct buffer buf[N_PIPES];
	int started, reaped, done;
	int rc;
};

static volatile sig_atomic_t signals_taken[2]; /* SIGINT, SIGTERM */
static volatile sig_atomic_t *parent_cancelled;

static void on_parent_signal(int sig)
{
	signals_taken[sig == SIGTERM]++;
	*parent_cancelled = 1;
}

static void on_child_exit(int sig)
{
	(void)sig; /* only wakes ppoll() */
}

static void append(struct buffer *b, const char *data, size_t len)
{
	char *grown = realloc(b->data, b->len + len + 1);

	if (!grown)
		return; /* out of memory: the output is cut, never garbled */
	memcpy(grown + b->len, data, len);
	b->data = grown;
	b->len += len;
	b->data[b->len] = '\0';
}

/* --output json: the complete lines so far, each written whole. */
static void forward_lines(struct buffer *b, int flush_all)
{
	char *end = b->len ? memrchr(b->data, '\n', b->len) : NULL;
	size_t whole = end ? (size_t)(end - b->data) + 1 : 0;

	if (flush_all && b->len > whole) {
		append(b, "\n", 1);
		whole = b->len;
	}
	if (!whole)
		return;
	fwrite(b->data, 1, whole, stdout);
	fflush(stdout);
	memmove(b->data, b->data + whole, b->len - whole);
	b->len -= whole;
}

static void print_block(FILE *to, const struct child *c, struct buffer *b,
                        int header)
{
	if (!b->len)
		return;
	if (header)
		fprintf(to, "==> %s <==\n", c->file);
	fwrite(b->data, 1, b->len, to);
	if (b->data[b->len - 1] != '\n')
		fputc('\n', to);
	fflush(to);
}

static void close_pipes(int p[N_PIPES][2])
{
	for (int k = 0; k < N_PIPES; k++)
		for (int e = 0; e < 2; e++)
			if (p[k][e] >= 0)
				close(p[k][e]);
}

struct driver {
	struct child *kids;
	size_t n;
	const struct es_customers_options *opt;
	sigset_t open_mask; /* the mask before: what the child gets back */
	struct sigaction before[3]; /* SIGINT, SIGTERM, SIGCHLD */
	es_customer_fn fn;
	void *ctx;
	pid_t parent;
};

static const int watched[3] = {SIGINT, SIGTERM, SIGCHLD};

/* In the child: back to a single run's signals and output, then run. */
static void child_main(struct driver *dr, size_t index, int p[N_PIPES][2])
{
	int rc, in;

	for (int k = 0; k < 3; k++)
		sigaction(watched[k], &dr->before[k], NULL);
	if (dr->opt->interactive) {
		/* Each child reads its own answer: a buffered stdin would
		 * take the next customers' lines from a pipe as well. */
		setvbuf(stdin, NULL, _IONBF, 0);
	} else {
		/* The parent forwards a terminal's Ctrl-C: in its own group,
		 * the child takes it once, as a single run would. */
		setpgid(0, 0);
		dup2(p[OUT][1], STDOUT_FILENO);
		dup2(p[ERR][1], STDERR_FILENO);
		in = open("/dev/null", O_RDONLY);
		if (in >= 0 && in != STDIN_FILENO) {
			dup2(in, STDIN_FILENO);
			close(in);
		}
	}
#ifdef __linux__
	/* The parent killed: stop too (pending until the mask opens). */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != dr->parent)
		raise(SIGTERM);
#endif
	result_fd = fcntl(p[RESULT][1], F_DUPFD_CLOEXEC, 3);
	close_pipes(p);
	for (size_t i = 0; i < dr->n; i++)
		for (int k = 0; k < N_PIPES; k++)
			if (dr->kids[i].fd[k] >= 0)
				close(dr->kids[i].fd[k]);
	if (es_jobserver_enter_child(index) < 0)
		es_log(ES_LOG_WARNING, NULL,
		       "no cancellation pipe (%s): Ctrl-C waits for a token",
		       strerror(errno));
	sigprocmask(SIG_SETMASK, &dr->open_mask, NULL);
	rc = dr->fn(dr->ctx, dr->kids[index].file);
	fflush(NULL);
	_exit(rc);
}

static int start_child(struct driver *dr, size_t index)
{
	struct child *c = &dr->kids[index];
	int p[N_PIPES][2] = {{-1, -1}, {-1, -1}, {-1, -1}};

	for (int k = 0; k < N_PIPES; k++)
		if ((k == RESULT || !dr->opt->interactive) &&
		    pipe2(p[k], O_CLOEXEC) < 0)
			goto failed;
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	if (c->pid < 0)
		goto failed;
	if (c->pid == 0)
		child_main(dr, index, p);
	c->started = 1;
	for (int k = 0; k < N_PIPES; k++) {
		c->fd[k] = p[k][0];
		p[k][0] = -1;
		if (c->fd[k] >= 0)
			fcntl(c->fd[k], F_SETFL, O_NONBLOCK);
	}
	close_pipes(p);
	return 0;
failed:
	es_log(ES_LOG_ERROR, NULL, "%s: cannot start its process: %s", c->file,
	       strerror(errno));
	close_pipes(p);
	c->rc = ES_EXIT_FAILED;
	c->done = 1;
	return -1;
}

/* Forward each signal the parent took to every running child, once. A
 * terminal's Ctrl-C reaches an interactive child itself. */
static void forward_signals(struct driver *dr, unsigned forwarded[2])
{
	for (int k = 0; k < 2; k++) {
		for (; forwarded[k] < (unsigned)signals_taken[k];
		     forwarded[k]++) {
			size_t reached = 0;

			if (k == 0 && dr->opt->interactive)
				continue;
			for (size_t i = 0; i < dr->n; i++)
				if (dr->kids[i].started &&
				    !dr->kids[i].reaped &&
				    kill(dr->kids[i].pid,
				         k ? SIGTERM : SIGINT) == 0)
					reached++;
			es_log(ES_LOG_WARNING, NULL,
			       "interrupted: passing %s to %zu customer%s; "
			       "no other starts",
			       k ? "SIGTERM" : "SIGINT", reached,
			       reached == 1 ? "" : "s");
		}
	}
}

static void read_ready(struct driver *dr, struct child *c, int k)
{
	char chunk[65536];
	ssize_t got;

	while ((got = read(c->fd[k], chunk, sizeof(chunk))) > 0) {
		append(&c->buf[k], chunk, (size_t)got);
		if (k == OUT && dr->opt->events)
			forward_lines(&c->buf[k], 0);
	}
	if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
		close(c->fd[k]);
		c->fd[k] = -1;
	}
}

static void reap(struct driver *dr)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < dr->n; i++) {
			struct child *c = &dr->kids[i];

			if (!c->started || c->pid != pid)
				continue;
			c->reaped = 1;
			c->rc = WIFEXITED(status) ? WEXITSTATUS(status)
			                          : 128 + WTERMSIG(status);
		}
	}
}

/* A child reaped with its pipes drained: its block, its tokens back. */
static int finish_child(struct driver *dr, size_t index)
{
	struct child *c = &dr->kids[index];

	for (int k = 0; k < N_PIPES; k++)
		if (c->fd[k] >= 0)
			return 0;
	if (!c->reaped)
		return 0;
	es_jobserver_child_ended(index);
	if (dr->opt->events)
		forward_lines(&c->buf[OUT], 1);
	else
		print_block(stdout, c, &c->buf[OUT], !dr->opt->machine);
	print_block(stderr, c, &c->buf[ERR], 1);
	c->done = 1;
	return 1;
}

/* Wait for output, a child's end or a signal, and handle what came. */
static void wait_for_children(struct driver *dr)
{
	struct pollfd fds[3 * 256];
	struct child *owner[3 * 256];
	int kind[3 * 256];
	nfds_t nfds = 0;

	for (size_t i = 0; i < dr->n; i++)
		for (int k = 0; k < N_PIPES; k++)
			if (!dr->kids[i].done && dr->kids[i].fd[k] >= 0 &&
			    nfds < sizeof(fds) / sizeof(fds[0])) {
				fds[nfds].fd = dr->kids[i].fd[k];
				fds[nfds].events = POLLIN;
				owner[nfds] = &dr->kids[i];
				kind[nfds++] = k;
			}
	sigset_t waiting = dr->open_mask;

	for (int k = 0; k < 3; k++)
		sigdelset(&waiting, watched[k]);
	if (ppoll(fds, nfds, NULL, &waiting) > 0)
		for (nfds_t f = 0; f < nfds; f++)
			if (fds[f].revents)
				read_ready(dr, owner[f], kind[f]);
	reap(dr);
}

static int run_all(struct driver *dr)
{
	const struct es_customers_options *o = dr->opt;
	unsigned at_once = o->interactive ? 1
	                   : o->at_once   ? o->at_once
	                                  : ES_DEFAULT_CUSTOMERS;
	unsigned forwarded[2] = {0, 0};
	size_t next = 0, running = 0;
	int rc = ES_EXIT_OK;

	for (;;) {
		while (!*o->cancelled && running < at_once && next < dr->n)
			if (start_child(dr, next++) == 0)
				running++;
		if (running == 0)
			break;
		forward_signals(dr, forwarded);
		wait_for_children(dr);
		forward_signals(dr, forwarded);
		for (size_t i = 0; i < dr->n; i++)
			if (dr->kids[i].started && !dr->kids[i].done &&
			    finish_child(dr, i))
				running--;
	}
	for (size_t i = 0; i < dr->n; i++) {
		if (!dr->kids[i].started && !dr->kids[i].done)
			dr->kids[i].rc = ES_EXIT_FAILED; /* interrupted */
		rc = es_worse_exit(rc, dr->kids[i].rc);
	}
	return rc;
}

static void print_table(const struct driver *dr, unsigned tokens)
{
	struct es_customer_row *rows = calloc(dr->n, sizeof(*rows));

	if (!rows)
		return;
	for (size_t i = 0; i < dr->n; i++) {
		rows[i].file = dr->kids[i].file;
		rows[i].result = dr->kids[i].buf[RESULT].data;
		rows[i].rc = dr->kids[i].rc;
		rows[i].started = dr->kids[i].started;
	}
	es_customers_print_table(dr->opt->machine ? stderr : stdout, rows,
	                         dr->n, es_jobserver_max_running(), tokens);
	free(rows);
}

int es_customers_run(char *const *files, size_t n_files,
                     const struct es_customers_options *opt, es_customer_fn fn,
                     void *ctx)
{
	struct driver dr = {
	    .n = n_files, .opt = opt, .fn = fn, .ctx = ctx, .parent = getpid()};
	unsigned tokens =
	    opt->parallelism ? opt->parallelism : ES_DEFAULT_PARALLELISM;
	struct sigaction sa = {0};
	sigset_t block;
	int rc;

	dr.kids = calloc(n_files, sizeof(*dr.kids));
	if (!dr.kids)
		return ES_EXIT_FAILED;
	for (size_t i = 0; i < n_files; i++) {
		dr.kids[i].file = files[i];
		for (int k = 0; k < N_PIPES; k++)
			dr.kids[i].fd[k] = -1;
	}
	if (es_jobserver_open(tokens, n_files) < 0) {
		es_log(ES_LOG_ERROR, NULL, "cannot share --parallelism: %s",
		       strerror(errno));
		free(dr.kids);
		return ES_EXIT_FAILED;
	}
	/* The signals are taken only inside ppoll(): none is lost between
	 * looking at the flags and waiting. */
	sigemptyset(&block);
	for (int k = 0; k < 3; k++)
		sigaddset(&block, watched[k]);
	sigprocmask(SIG_BLOCK, &block, &dr.open_mask);
	parent_cancelled = opt->cancelled;
	sigemptyset(&sa.sa_mask);
	for (int k = 0; k < 3; k++) {
		sa.sa_handler = k < 2 ? on_parent_signal : on_child_exit;
		sigaction(watched[k], &sa, &dr.before[k]);
	}
	rc = run_all(&dr);
	for (int k = 0; k < 3; k++)
		sigaction(watched[k], &dr.before[k], NULL);
	sigprocmask(SIG_SETMASK, &dr.open_mask, NULL);
	if (es_log_verbosity() > 0)
		print_table(&dr, tokens);
	es_jobserver_close();
	for (size_t i = 0; i < n_files; i++)
		for (int k = 0; k < N_PIPES; k++)
			free(dr.kids[i].buf[k].data);
	free(dr.kids);
	return rc;
}
