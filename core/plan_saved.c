/*
 * Applying a saved plan (plan_file.h): Terraform's stale-plan rule. The
 * file is checked on its own (JSON, checksum, versions), then against the
 * world it was made in: the customer file and what it reads (digests),
 * the plugins (versions), the state (serial). Any difference refuses the
 * whole plan before a task runs. While it runs, each task's own plan is
 * made again and must be one the saved plan reviewed (covers()): what was
 * not reviewed is not done.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "plan_file.h"
#include "runner.h"

/* Far above any real plan; refuses a huge file before reading it all. */
#define MAX_PLAN_BYTES (16u * 1024u * 1024u)

struct es_saved_plan {
	char *path;
	cJSON *doc;
	const char *customer, *env, *config, *state_dir;
	const cJSON *files, *absent, *plugins, *tasks;
	double serial;
	/* Per node of the run (bind): downstream of a task with changes. */
	unsigned char *downstream;
};

static const char *str_at(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- reading ---------------------------------------------------------- */

static char *slurp(const char *path, size_t *len, const char **why)
{
	struct stat sb;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n = 0;

	*why = NULL;
	if (fd < 0 || fstat(fd, &sb) < 0)
		*why = strerror(errno);
	else if (!S_ISREG(sb.st_mode))
		*why = "not a regular file";
	else if (sb.st_size == 0)
		*why = "empty";
	else if ((size_t)sb.st_size > MAX_PLAN_BYTES)
		*why = "larger than 16 MiB: not a plan";
	else if (!(buf = malloc((size_t)sb.st_size + 1)))
		*why = "out of memory";
	else if ((n = read(fd, buf, (size_t)sb.st_size)) != sb.st_size)
		*why = n < 0 ? strerror(errno) : "changed while read";
	if (fd >= 0)
		close(fd);
	if (*why) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* The members a saved plan must have, with their types: an edited or
 * foreign document is refused before anything trusts it. */
static const char *shape_problem(struct es_saved_plan *sp)
{
	const cJSON *d = sp->doc, *config, *state, *v;

	config = cJSON_GetObjectItemCaseSensitive(d, "config");
	state = cJSON_GetObjectItemCaseSensitive(d, "state");
	v = cJSON_GetObjectItemCaseSensitive(state, "serial");
	sp->customer = str_at(d, "customer");
	sp->env = str_at(d, "environment");
	sp->config = str_at(config, "path");
	sp->state_dir = str_at(state, "dir");
	sp->files = cJSON_GetObjectItemCaseSensitive(config, "files");
	sp->absent = cJSON_GetObjectItemCaseSensitive(config, "absent");
	sp->plugins = cJSON_GetObjectItemCaseSensitive(d, "plugins");
	sp->tasks = cJSON_GetObjectItemCaseSensitive(d, "tasks");
	if (!sp->customer || !sp->env)
		return "no customer or environment";
	if (!sp->config || !*sp->config || !cJSON_IsArray(sp->files) ||
	    !cJSON_IsArray(sp->absent))
		return "no config digest";
	if (!sp->state_dir || !cJSON_IsNumber(v) || v->valuedouble < 0)
		return "no state serial";
	sp->serial = v->valuedouble;
	if (!cJSON_IsArray(sp->plugins))
		return "no plugin versions";
	if (!cJSON_IsArray(sp->tasks))
		return "no tasks";
	cJSON_ArrayForEach(v, sp->files)
	{
		if (!str_at(v, "path") || !str_at(v, "sha256"))
			return "a config file without path or sha256";
	}
	cJSON_ArrayForEach(v, sp->plugins)
	{
		if (!str_at(v, "name") || !str_at(v, "version"))
			return "a plugin without name or version";
	}
	cJSON_ArrayForEach(v, sp->tasks)
	{
		const cJSON *ch =
		    cJSON_GetObjectItemCaseSensitive(v, "changes");
		const cJSON *c;

		if (!str_at(v, "task") || !str_at(v, "result") ||
		    (ch && !cJSON_IsArray(ch)))
			return "a task without its name or result";
		cJSON_ArrayForEach(c, ch)
		{
			if (!str_at(c, "action") || !str_at(c, "kind") ||
			    !str_at(c, "name"))
				return "a change without action, kind or name";
		}
	}
	return NULL;
}

/* What the file says about itself. 0, or an es_exit code with the reason
 * logged. */
static int self_check(struct es_saved_plan *sp, const char *env)
{
	const cJSON *fv =
	    cJSON_GetObjectItemCaseSensitive(sp->doc, "format_version");
	const char *cmd = str_at(sp->doc, "command"),
	           *sum = str_at(sp->doc, "checksum"),
	           *made_by = str_at(sp->doc, "envsetup_version"), *shape;
	char *now;
	int same;

	if (!cJSON_IsNumber(fv) || !cmd || strcmp(cmd, "plan") != 0) {
		es_log(ES_LOG_ERROR, NULL,
		       "%s: not a saved plan (no format_version, or not "
		       "written by `envsetup plan --out`)",
		       sp->path);
		return ES_EXIT_INPUT;
	}
	if (fv->valuedouble != ES_PLAN_FORMAT_VERSION) {
		es_log(ES_LOG_ERROR, NULL,
		       "%s: plan format_version %g is not supported (this "
		       "envsetup reads %d)",
		       sp->path, fv->valuedouble, ES_PLAN_FORMAT_VERSION);
		return ES_EXIT_INPUT;
	}
	now = es_plan_checksum(sp->doc);
	same = sum && now && strcmp(sum, now) == 0;
	free(now);
	if (!same) {
		es_log(ES_LOG_ERROR, NULL, "%s: %s: make the plan again",
		       sp->path,
		       sum ? "the file was changed after envsetup wrote it "
		             "(its checksum does not match)"
		           : "no checksum");
		return ES_EXIT_INPUT;
	}
	if ((shape = shape_problem(sp))) {
		es_log(ES_LOG_ERROR, NULL, "%s: not a saved plan: %s", sp->path,
		       shape);
		return ES_EXIT_INPUT;
	}
	if (env && strcmp(env, sp->env) != 0) {
		es_log(ES_LOG_ERROR, NULL,
		       "%s is a plan for environment %s, not %s", sp->path,
		       sp->env, env);
		return ES_EXIT_INPUT;
	}
	if (!made_by || strcmp(made_by, ES_VERSION_STRING) != 0) {
		es_log(ES_LOG_ERROR, NULL,
		       "%s was made by envsetup %s; this is %s: plan again",
		       sp->path, made_by ? made_by : "(unknown)",
		       ES_VERSION_STRING);
		return ES_EXIT_STALE;
	}
	return ES_EXIT_OK;
}

int es_saved_plan_read(const char *path, const char *env,
                       struct es_saved_plan **out)
{
	struct es_saved_plan *sp = calloc(1, sizeof(*sp));
	const char *why, *end = NULL;
	size_t len = 0;
	char *text = slurp(path, &len, &why);
	int rc;

	*out = NULL;
	if (!sp || !(sp->path = strdup(path)) || !text) {
		es_log(ES_LOG_ERROR, NULL, "%s: cannot read the plan: %s", path,
		       text || !why ? "out of memory" : why);
		free(text);
		es_saved_plan_free(sp);
		return ES_EXIT_INPUT;
	}
	/* Nothing but blanks after the object: anything appended is an
	 * edit. cJSON wants the terminating NUL inside the length for that. */
	sp->doc = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
	if (!cJSON_IsObject(sp->doc)) {
		es_log(ES_LOG_ERROR, NULL,
		       "%s: not a saved plan: %s at byte %ld", path,
		       sp->doc ? "not a JSON object"
		               : "not JSON (or cut short)",
		       end ? (long)(end - text) : 0L);
		free(text);
		es_saved_plan_free(sp);
		return ES_EXIT_INPUT;
	}
	free(text);
	rc = self_check(sp, env);
	if (rc != ES_EXIT_OK) {
		es_saved_plan_free(sp);
		return rc;
	}
	*out = sp;
	return ES_EXIT_OK;
}

void es_saved_plan_free(struct es_saved_plan *sp)
{
	if (!sp)
		return;
	cJSON_Delete(sp->doc);
	free(sp->downstream);
	free(sp->path);
	free(sp);
}

const char *es_saved_plan_config(const struct es_saved_plan *sp)
{
	return sp->config;
}

const char *es_saved_plan_env(const struct es_saved_plan *sp)
{
	return sp->env;
}

const char *es_saved_plan_state_dir(const struct es_saved_plan *sp)
{
	return *sp->state_dir ? sp->state_dir : NULL;
}

/* ---- the world it was made in -------------------------------------- */

static const cJSON *find_by(const cJSON *arr, const char *member,
                            const char *value)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, arr)
	{
		const char *s = str_at(e, member);

		if (s && strcmp(s, value) == 0)
			return e;
	}
	return NULL;
}

static int in_strings(const cJSON *arr, const char *value)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, arr)
	{
		if (cJSON_IsString(e) && strcmp(e->valuestring, value) == 0)
			return 1;
	}
	return 0;
}

/* One line per file that differs; the count. */
static int files_changed(const struct es_saved_plan *sp, const cJSON *now)
{
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(now, "files"),
	            *absent = cJSON_GetObjectItemCaseSensitive(now, "absent"),
	            *e;
	int n = 0;

	cJSON_ArrayForEach(e, sp->files)
	{
		const cJSON *cur = find_by(files, "path", str_at(e, "path"));

		if (!cur ||
		    strcmp(str_at(cur, "sha256"), str_at(e, "sha256"))) {
			es_log(ES_LOG_ERROR, NULL,
			       "%s: %s %s since the plan was made", sp->path,
			       str_at(e, "path"),
			       cur ? "changed"
			           : "was removed or is no longer read");
			n++;
		}
	}
	cJSON_ArrayForEach(e, files)
	{
		if (find_by(sp->files, "path", str_at(e, "path")))
			continue;
		es_log(ES_LOG_ERROR, NULL,
		       "%s: %s is read now and was not "
		       "when the plan was made",
		       sp->path, str_at(e, "path"));
		n++;
	}
	cJSON_ArrayForEach(e, sp->absent)
	{
		if (!cJSON_IsString(e) || in_strings(absent, e->valuestring))
			continue;
		es_log(ES_LOG_ERROR, NULL,
		       "%s: %s exists now and did not "
		       "when the plan was made",
		       sp->path, e->valuestring);
		n++;
	}
	return n;
}

/* The customer file and what it reads, and the plugins, are those the
 * plan was made from. Logs each difference; returns an es_exit code. */
static int world_check(const struct es_saved_plan *sp,
                       const struct es_config *cfg,
                       const struct es_registry *reg)
{
	char err[512];
	cJSON *now;
	const cJSON *p;
	int changed = 0;

	if (strcmp(cfg->customer_id, sp->customer) != 0) {
		es_log(ES_LOG_ERROR, NULL,
		       "%s was made for customer %s; %s now names customer %s: "
		       "plan again",
		       sp->path, sp->customer, cfg->path, cfg->customer_id);
		return ES_EXIT_STALE;
	}
	now = es_plan_config_digest(cfg, err, sizeof(err));
	if (!now) {
		es_log(ES_LOG_ERROR, NULL, "%s: %s", cfg->path, err);
		return ES_EXIT_INPUT;
	}
	changed = files_changed(sp, now);
	cJSON_Delete(now);
	cJSON_ArrayForEach(p, sp->plugins)
	{
		const struct es_plugin *pl =
		    es_registry_find(reg, str_at(p, "name"));
		const char *v =
		    pl && pl->desc->version ? pl->desc->version : "";

		if (!pl || strcmp(v, str_at(p, "version")) != 0) {
			es_log(
			    ES_LOG_ERROR, NULL,
			    "%s: plugin %s is %s%s; the plan was made with %s",
			    sp->path, str_at(p, "name"), pl ? "version " : "",
			    pl ? v : "not loaded", str_at(p, "version"));
			changed++;
		}
	}
	if (changed) {
		es_log(ES_LOG_ERROR, NULL,
		       "%s: refused: what the plan was made from changed "
		       "since: plan again",
		       sp->path);
		return ES_EXIT_STALE;
	}
	return ES_EXIT_OK;
}

/* ---- the run ----------------------------------------------------------- */

static const cJSON *saved_changes(const struct es_saved_plan *sp,
                                  const char *ref)
{
	return cJSON_GetObjectItemCaseSensitive(find_by(sp->tasks, "task", ref),
	                                        "changes");
}

/* Whether a dependency of node i, however far up, has saved changes: its
 * own plan was then made before those reviewed changes were made, so its
 * details may read differently at apply time. 2 marks a node in progress
 * (the graph has no cycles: es_graph_build refused them). */
static int downstream(struct es_saved_plan *sp, const struct es_run *run,
                      unsigned char *seen, size_t i)
{
	const struct es_node *n = &run->nodes[i];

	if (seen[i])
		return sp->downstream[i];
	seen[i] = 2;
	for (size_t k = 0; k < n->n_deps && !sp->downstream[i]; k++) {
		size_t d = n->deps[k];

		sp->downstream[i] =
		    cJSON_GetArraySize(saved_changes(sp, run->nodes[d].ref)) >
		        0 ||
		    (seen[d] != 2 && downstream(sp, run, seen, d));
	}
	seen[i] = 1;
	return sp->downstream[i];
}

int es_saved_plan_bind(struct es_saved_plan *sp, struct es_run *run)
{
	double serial = (double)es_state_serial(run->state);
	unsigned char *seen = calloc(run->n_nodes + 1, 1);
	const cJSON *t;
	int rc;

	sp->downstream = calloc(run->n_nodes + 1, 1);
	if (!seen || !sp->downstream) {
		free(seen);
		es_log(ES_LOG_ERROR, NULL, "out of memory");
		return ES_EXIT_FAILED;
	}
	/* The state first: after an apply, that is the news. */
	if (serial != sp->serial) {
		free(seen);
		es_log(ES_LOG_ERROR, NULL,
		       "%s: refused: the state of %s/%s changed since the plan "
		       "was made (serial %.0f then, %.0f now: an apply or a "
		       "confirm ran): plan again",
		       sp->path, sp->customer, sp->env, sp->serial, serial);
		return ES_EXIT_STALE;
	}
	rc = world_check(sp, run->cfg, run->reg);
	if (rc != ES_EXIT_OK) {
		free(seen);
		return rc;
	}
	/* Exactly the plan's tasks: its --only/--skip are in the file. */
	cJSON_ArrayForEach(t, sp->tasks)
	{
		if (!es_graph_find(run, str_at(t, "task"))) {
			free(seen);
			es_log(ES_LOG_ERROR, NULL,
			       "%s: task %s is not in %s: not a plan of this "
			       "customer file",
			       sp->path, str_at(t, "task"), run->cfg->path);
			return ES_EXIT_INPUT;
		}
	}
	for (size_t i = 0; i < run->n_nodes; i++)
		run->nodes[i].selected =
		    find_by(sp->tasks, "task", run->nodes[i].ref) != NULL;
	for (size_t i = 0; i < run->n_nodes; i++)
		downstream(sp, run, seen, i);
	free(seen);
	if (!run->opt.json)
		printf(
		    "envsetup apply: the saved plan %s (made %s, state serial "
		    "%.0f)\n\n",
		    sp->path,
		    str_at(sp->doc, "created") ? str_at(sp->doc, "created")
		                               : "?",
		    sp->serial);
	return ES_EXIT_OK;
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Whether saved change `s` reviewed change `c` of a task whose world has
 * not moved since the plan: the same kind and name, the same action (or
 * a saved "unknown"), the same detail (or one "(known after apply)"). */
static int reviewed(const cJSON *s, const cJSON *c)
{
	const char *sa = str_at(s, "action"), *sd = str_at(s, "detail");
	int unknown = strcmp(sa, "unknown") == 0;

	return same(str_at(s, "kind"), str_at(c, "kind")) &&
	       same(str_at(s, "name"), str_at(c, "name")) &&
	       (unknown || strcmp(sa, str_at(c, "action")) == 0) &&
	       (unknown || same(sd, str_at(c, "detail")) ||
	        (sd && strstr(sd, "(known after apply)")));
}

/* How many of `changes` are of `kind` with `action` (NULL: any), counting
 * "unknown" ones as any action when `unknown` is set. */
static int count(const cJSON *changes, const char *kind, const char *action,
                 int unknown)
{
	const cJSON *c;
	int n = 0;

	cJSON_ArrayForEach(c, changes)
	{
		const char *a = str_at(c, "action");

		n += same(str_at(c, "kind"), kind) &&
		     (!action || strcmp(a, action) == 0 ||
		      (unknown && strcmp(a, "unknown") == 0));
	}
	return n;
}

/* A task downstream of reviewed changes was planned before they were
 * made, so it may name what it acts on differently now (aws:dns_records
 * names a record by its config line while the zone does not exist, by
 * its FQDN once it does). It may do no more of a kind and action than
 * reviewed: creating two records where two were reviewed, not three. */
static int reviewed_downstream(const cJSON *saved, const cJSON *now,
                               const cJSON *c)
{
	const char *kind = str_at(c, "kind"), *action = str_at(c, "action");

	if (strcmp(action, "unknown") == 0)
		return count(now, kind, action, 0) <=
		       count(saved, kind, NULL, 0);
	return count(now, kind, action, 0) <= count(saved, kind, action, 1);
}

int es_saved_plan_covers(const struct es_saved_plan *sp,
                         const struct es_run *run, const struct es_node *n,
                         char **why)
{
	const cJSON *saved = saved_changes(sp, n->ref), *c, *s;
	int down = sp->downstream[n - run->nodes];

	*why = NULL;
	/* A task planned as a whole "(known after apply)" read another
	 * plugin's output that did not exist yet: the reviewer saw that it
	 * would act on what that output turns out to be. */
	cJSON_ArrayForEach(s, saved)
	{
		const char *sd = str_at(s, "detail");

		if (strcmp(str_at(s, "action"), "unknown") == 0 && sd &&
		    strstr(sd, "(known after apply)"))
			return 1;
	}
	cJSON_ArrayForEach(c, n->changes)
	{
		int ok = 0;

		/* Recording what the provider holds does less than the
		 * reviewed changes of the task it stands for. */
		if (strcmp(str_at(c, "action"), "resume") == 0 &&
		    cJSON_GetArraySize(saved) > 0)
			continue;
		if (down)
			ok = reviewed_downstream(saved, n->changes, c);
		cJSON_ArrayForEach(s, saved) ok = ok || reviewed(s, c);
		if (ok)
			continue;
		if (asprintf(
		        why,
		        "not applied: its plan changed since the saved "
		        "plan: %s %s %s%s%s%s is not in it; run plan again",
		        str_at(c, "action"), str_at(c, "kind"),
		        str_at(c, "name"), str_at(c, "detail") ? " (" : "",
		        str_at(c, "detail") ? str_at(c, "detail") : "",
		        str_at(c, "detail") ? ")" : "") < 0)
			*why = NULL;
		return 0;
	}
	return 1;
}
