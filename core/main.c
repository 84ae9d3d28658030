/*
 * envsetup command line. Parses arguments, loads the customer file and
 * the plugins it names, binds the config, then hands over to the runner.
 * Exit codes are listed in runner.h and in `envsetup --help`.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "customers.h"
#include "describe.h"
#include "events.h"
#include "file_open.h"
#include "file_replace.h"
#include "init.h"
#include "jobserver.h"
#include "log.h"
#include "numbers.h"
#include "plan_file.h"
#include "plugin_proxy.h"
#include "recovery.h"
#include "runner.h"
#include "sleep.h"

static volatile sig_atomic_t cancelled;

/* Also wakes a task waiting for a token of the invocation's jobserver:
 * a cancelled run starts nothing more (jobserver.h). */
static void on_signal(int sig)
{
	/* Both only write(2) a byte to a pipe: async-signal-safe, which
	 * clang-tidy cannot see through the call. */
	es_jobserver_wake(); // NOLINT(bugprone-signal-handler,cert-sig30-c)
	if (cancelled) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	cancelled = 1;
	/* a retry's or the rate limit's wait: now */
	es_wake_sleepers(); // NOLINT(bugprone-signal-handler,cert-sig30-c)
}

static const char usage_text[] =
    "usage: envsetup COMMAND [OPTIONS] CUSTOMER.cfg...\n"
    "\n"
    "Commands:\n"
    "  check    validate the file; list the questions still unanswered\n"
    "  plan     show what apply would change (read-only); --out FILE\n"
    "           saves it for apply\n"
    "  apply    make the changes, in checklist order, resuming where the\n"
    "           last run stopped; apply PLANFILE makes exactly a saved\n"
    "           plan's changes, or refuses if it is stale\n"
    "  status   the checklist with each item's state, and the outputs\n"
    "  report   the checklist, answers, states, outputs and certificate\n"
    "           expiry: --format md (default), html (one page with the\n"
    "           progress and the last apply's timeline) or json\n"
    "  confirm  CUSTOMER.cfg TASK --by NAME: record a person's sign-off\n"
    "  init     CUSTOMER_ID [--checklist FILE]: write CUSTOMER_ID.cfg, the\n"
    "           shared checklist's questions and the plugins' keys to fill\n"
    "  destroy  remove what envsetup made (reverse order; adopted and\n"
    "           protected resources are kept), resuming where the last\n"
    "           run stopped; asks for the customer id unless --yes\n"
    "  export   CUSTOMER.cfg --target mnoe3|mnoe4 --env ENV --out DIR: the\n"
    "           platform's settings from the outputs (secrets in 0600 files)\n"
    "  graph    the task graph (tasks, manual gates, output references) as\n"
    "           Graphviz DOT\n"
    "  plugins list | plugins describe NAME [--json | --markdown]\n"
    "  state    show | resolve | force-unlock | migrate: read the state,\n"
    "           settle what a killed run left, remove a dead run's lock,\n"
    "           move it to another backend ('envsetup state --help';\n"
    "           docs/recovery.md, docs/state.md)\n"
    "\n"
    "Options:\n"
    "  -e, --env ENV          environment (required for apply and confirm;\n"
    "                         others default to the file's first)\n"
    "      --only LIST        only these plugins or plugin:task (comma list)\n"
    "      --skip LIST        all but these\n"
    "      --plugin-dir DIR   where <name>.so plugins are\n"
    "      --state-dir DIR    override the file's customer.state_dir\n"
    "  -p, --parallelism N    tasks at once (default 10), shared by the\n"
    "                         customers of one invocation; each plugin has\n"
    "                         its own limit too\n"
    "      --customers N      customers at once when several files (or a\n"
    "                         folder of them) are given (default 10)\n"
    "      --lock-timeout S   wait up to S seconds for another run's lock\n"
    "      --max-poll-interval MS  longest wait between polls (default 60000)\n"
    "      --by NAME          who confirms (confirm) or changes the state by\n"
    "                         hand (state resolve, state force-unlock)\n"
    "      --as done|forget   state resolve: settle an intent checked by\n"
    "                         hand (done), or drop a recorded id (forget)\n"
    "      --to postgresql|file  state migrate: the backend to move the\n"
    "                         state to (docs/state.md)\n"
    "      --out FILE         plan: save the plan for 'apply FILE'\n"
    "      --checklist FILE   the shared checklist init names (default: the\n"
    "                         installed etc/checklists/enterprise.cfg)\n"
    "      --destroy          plan: what destroy would remove\n"
    "      --yes              destroy: do not ask for the customer id\n"
    "      --format FORMAT    report: md (default), html or json\n"
    "      --output PLUGIN.NAME  status: print that output in full (a\n"
    "                         secret one stays in secrets.json)\n"
    "      --output json      plan, apply, destroy: newline-delimited JSON\n"
    "                         events as the run goes (docs/events.md)\n"
    "      --json             machine-readable output (plan, apply, status,\n"
    "                         check, plugins, state show)\n"
    "      --no-color         no live lines on a terminal: plain line-by-line\n"
    "                         output, as when stdout is not a terminal\n"
    "      --markdown         plugins describe: the reference checked in as\n"
    "                         docs/plugins/NAME.md\n"
    "  -v, --verbose          more detail; -vv adds redacted HTTP traces\n"
    "  -q, --quiet            errors only\n"
    "  -h, --help             this text\n"
    "      --version          versions of envsetup and its plugin ABI\n"
    "\n"
    "Exit codes: 0 done / no changes; 1 invalid input (config, state,\n"
    "arguments); 2 pending (plan: changes; check: unanswered questions;\n"
    "apply: items wait for a person or are blocked); 3 state locked by\n"
    "another run; 4 a task failed; 5 a plugin could not be loaded; 6 the\n"
    "saved plan is stale (plan again); 64 usage, or destroy not confirmed.\n";

static const char state_usage_text[] =
    "usage: envsetup state COMMAND CUSTOMER.cfg --env ENV ...\n"
    "\n"
    "The way out when the state and the world disagree (docs/recovery.md).\n"
    "Every change is journaled with --by and the time, never silently.\n"
    "\n"
    "  state show CUSTOMER.cfg --env ENV [PLUGIN[:KEY]] [--json]\n"
    "      tasks and their messages, recorded ids and keys, outputs (secret\n"
    "      ones masked), the operator log, and the open intents: change\n"
    "      requests sent and never answered (a run killed meanwhile)\n"
    "  state resolve CUSTOMER.cfg --env ENV INTENT-ID|TASK --by NAME\n"
    "      [--as done]: you checked at the provider what an open intent (or\n"
    "      every one of TASK) did; settle it. Refused while a run holds the\n"
    "      lock.\n"
    "  state resolve CUSTOMER.cfg --env ENV PLUGIN:KEY --by NAME --as forget\n"
    "      drop a recorded id (the resource was deleted or is not ours):\n"
    "      the next plan looks it up and records it, or creates it\n"
    "  state force-unlock CUSTOMER.cfg --env ENV LOCK-ID --by NAME\n"
    "      remove a lock left behind, LOCK-ID as the lock error names it\n"
    "      (PID@HOST@STARTED); refused when it is not the lock's id or\n"
    "      that pid is alive on this host\n"
    "  state migrate CUSTOMER.cfg --env ENV --to postgresql|file\n"
    "      move the state, journal and secrets from the backend the file\n"
    "      names (customer.state_backend) to the other one, holding both\n"
    "      locks; then set state_backend to it (docs/state.md)\n"
    "\n"
    "Exit codes: 0 done; 1 nothing by that name, or bad state, or the\n"
    "state backend unreachable; 3 locked by a run, or force-unlock\n"
    "refused; 64 usage.\n";

struct cli {
	const char *command;
	const char *env;
	const char *plugin_dir;
	const char *state_dir;
	const char *by;
	const char *out;
	const char *output;    /* status --output PLUGIN.NAME */
	const char *target;    /* export --target NAME */
	const char *format;    /* report --format md|html|json */
	const char *checklist; /* init */
	const char *as;        /* state resolve --as done|forget */
	const char *to;        /* state migrate --to postgresql|file */
	int help;
	char **only, **skip;
	size_t n_only, n_skip;
	unsigned parallelism;
	unsigned customers; /* --customers */
	int lock_wait_s;
	int json, markdown;
	int destroy, yes; /* plan --destroy; destroy --yes */
	int events;       /* --output json */
	int no_color;
	int verbosity;
	char **args;
	size_t n_args;
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "envsetup: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'envsetup --help'.\n");
	return ES_EXIT_USAGE;
}

/* Split "a,b" into the NULL-terminated list. */
/* A comma list of names; -1 when an item is empty (`--only ''` would
 * otherwise select everything). */
static int add_list(char ***list, size_t *n, const char *value)
{
	char *copy, *save = NULL;
	size_t len = strlen(value);

	if (!len || value[0] == ',' || value[len - 1] == ',' ||
	    strstr(value, ",,"))
		return -1;
	copy = strdup(value);
	if (!copy)
		return -1;
	for (char *tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char **grown = realloc(*list, (*n + 2) * sizeof(*grown));

		if (!grown)
			break;
		*list = grown;
		(*list)[(*n)++] = strdup(tok);
		(*list)[*n] = NULL;
	}
	free(copy);
	return 0;
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	int64_t v;

	if (!s || *s < '0' || *s > '9' ||
	    es_parse_int64(s, &v) != ES_NUMBER_OK || (uint64_t)v > max)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

/* A count from 1 to `max`; -1 (said) otherwise. */
static int parse_count(const char *option, const char *arg, unsigned max,
                       unsigned *out)
{
	unsigned long num;

	if (parse_uint(arg, max, &num) == 0 && num > 0) {
		*out = (unsigned)num;
		return 0;
	}
	fprintf(stderr,
	        "envsetup: %s takes 1 to %u, not '%s'\nTry 'envsetup "
	        "--help'.\n",
	        option, max, arg);
	return -1;
}

static int parse_args(int argc, char **argv, struct cli *cli)
{
	enum {
		OPT_ONLY = 256,
		OPT_SKIP,
		OPT_PLUGIN_DIR,
		OPT_STATE_DIR,
		OPT_LOCK,
		OPT_POLL,
		OPT_BY,
		OPT_JSON,
		OPT_MARKDOWN,
		OPT_VERSION,
		OPT_OUT,
		OPT_CHECKLIST,
		OPT_DESTROY,
		OPT_YES,
		OPT_OUTPUT,
		OPT_TARGET,
		OPT_FORMAT,
		OPT_NO_COLOR,
		OPT_AS,
		OPT_CUSTOMERS,
		OPT_TO
	};
	static const struct option opts[] = {
	    {"env", required_argument, NULL, 'e'},
	    {"only", required_argument, NULL, OPT_ONLY},
	    {"skip", required_argument, NULL, OPT_SKIP},
	    {"plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR},
	    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
	    {"parallelism", required_argument, NULL, 'p'},
	    {"customers", required_argument, NULL, OPT_CUSTOMERS},
	    {"lock-timeout", required_argument, NULL, OPT_LOCK},
	    {"max-poll-interval", required_argument, NULL, OPT_POLL},
	    {"by", required_argument, NULL, OPT_BY},
	    {"out", required_argument, NULL, OPT_OUT},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"markdown", no_argument, NULL, OPT_MARKDOWN},
	    {"destroy", no_argument, NULL, OPT_DESTROY},
	    {"yes", no_argument, NULL, OPT_YES},
	    {"output", required_argument, NULL, OPT_OUTPUT},
	    {"target", required_argument, NULL, OPT_TARGET},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"no-color", no_argument, NULL, OPT_NO_COLOR},
	    {"as", required_argument, NULL, OPT_AS},
	    {"to", required_argument, NULL, OPT_TO},
	    {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {"checklist", required_argument, NULL, OPT_CHECKLIST},
	    {0},
	};
	unsigned long num;
	int c;

	cli->verbosity = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":e:p:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			cli->env = optarg;
			break;
		case OPT_ONLY:
		case OPT_SKIP:
			if (add_list(c == OPT_ONLY ? &cli->only : &cli->skip,
			             c == OPT_ONLY ? &cli->n_only
			                           : &cli->n_skip,
			             optarg) < 0)
				return usage_error(
				    "--only and --skip take a comma list of "
				    "names (plugin, plugin:task, checklist, "
				    "checklist:ID); '%s' has an empty one",
				    optarg);
			break;
		case OPT_PLUGIN_DIR:
			cli->plugin_dir = optarg;
			break;
		case OPT_STATE_DIR:
			cli->state_dir = optarg;
			break;
		case 'p':
			if (parse_count("--parallelism", optarg, 64,
			                &cli->parallelism))
				return ES_EXIT_USAGE;
			break;
		case OPT_CUSTOMERS:
			if (parse_count("--customers", optarg, 256,
			                &cli->customers))
				return ES_EXIT_USAGE;
			break;
		case OPT_LOCK:
			if (parse_uint(optarg, 86400, &num) < 0)
				return usage_error(
				    "--lock-timeout takes seconds, not '%s'",
				    optarg);
			cli->lock_wait_s = (int)num;
			break;
		case OPT_POLL:
			if (parse_uint(optarg, 3600000, &num) < 0 || num == 0)
				return usage_error("--max-poll-interval takes "
				                   "milliseconds, not '%s'",
				                   optarg);
			es_max_poll_ms = (uint32_t)num;
			break;
		case OPT_BY:
			cli->by = optarg;
			break;
		case OPT_OUT:
			cli->out = optarg;
			break;
		case OPT_JSON:
			cli->json = 1;
			break;
		case OPT_MARKDOWN:
			cli->markdown = 1;
			break;
		case OPT_CHECKLIST:
			cli->checklist = optarg;
			break;
		case OPT_DESTROY:
			cli->destroy = 1;
			break;
		case OPT_YES:
			cli->yes = 1;
			break;
		case OPT_OUTPUT:
			/* An output's name always has a dot (PLUGIN.NAME);
			 * "json" is the event stream. */
			if (strcmp(optarg, "json") == 0)
				cli->events = 1;
			else
				cli->output = optarg;
			break;
		case OPT_NO_COLOR:
			cli->no_color = 1;
			break;
		case OPT_TARGET:
			cli->target = optarg;
			break;
		case OPT_FORMAT:
			cli->format = optarg;
			break;
		case OPT_AS:
			if (strcmp(optarg, "done") && strcmp(optarg, "forget"))
				return usage_error("--as takes done or forget, "
				                   "not '%s'",
				                   optarg);
			cli->as = optarg;
			break;
		case OPT_TO:
			if (strcmp(optarg, "postgresql") &&
			    strcmp(optarg, "file"))
				return usage_error("--to takes postgresql or "
				                   "file, not '%s'",
				                   optarg);
			cli->to = optarg;
			break;
		case 'v':
			cli->verbosity++;
			break;
		case 'q':
			cli->verbosity = 0;
			break;
		case 'h':
			cli->help = 1;
			break;
		case OPT_VERSION:
			printf("envsetup %s (plugin ABI %d.%d)\n",
			       ES_VERSION_STRING, ES_ABI_MAJOR, ES_ABI_MINOR);
			exit(0);
		case ':':
			return usage_error("option '%s' needs a value",
			                   argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'",
			                   argv[optind - 1]);
		}
	}
	if (cli->help) {
		fputs(optind < argc && strcmp(argv[optind], "state") == 0
		          ? state_usage_text
		          : usage_text,
		      stdout);
		exit(0);
	}
	if (optind >= argc)
		return usage_error("%s", "no command given");
	cli->command = argv[optind++];
	cli->args = argv + optind;
	cli->n_args = (size_t)(argc - optind);
	if (cli->markdown &&
	    (cli->json || strcmp(cli->command, "plugins") || cli->n_args != 2 ||
	     strcmp(cli->args[0], "describe")))
		return usage_error("%s",
		                   "--markdown goes with 'plugins describe "
		                   "NAME' alone");
	if (cli->out && strcmp(cli->command, "export") &&
	    (strcmp(cli->command, "plan") || cli->n_args != 1))
		return usage_error("%s", "--out goes with 'plan' and one "
		                         "customer file");
	if (cli->destroy && strcmp(cli->command, "plan"))
		return usage_error("%s", "--destroy goes with 'plan' "
		                         "(envsetup destroy removes)");
	/* A saved plan is applied by `apply FILE`: a teardown plan must
	 * never be mistaken for one. */
	if (cli->out && cli->destroy)
		return usage_error("%s", "--out does not go with --destroy: "
		                         "review with plan --destroy, then run "
		                         "destroy");
	if (cli->yes && strcmp(cli->command, "destroy"))
		return usage_error("%s", "--yes goes with 'destroy'");
	if (!strcmp(cli->command, "export") &&
	    (!cli->target || !cli->out || !cli->env || cli->n_args != 1))
		return usage_error("%s", "export takes one customer file, "
		                         "--target NAME (mnoe3, mnoe4), --env "
		                         "ENV and --out DIR");
	if (cli->target && strcmp(cli->command, "export"))
		return usage_error("%s", "--target goes with 'export'");
	if (cli->format && strcmp(cli->command, "report"))
		return usage_error("%s", "--format goes with 'report'");
	if (cli->format && strcmp(cli->format, "md") &&
	    strcmp(cli->format, "html") && strcmp(cli->format, "json"))
		return usage_error("report --format takes md, html or json, "
		                   "not '%s'",
		                   cli->format);
	if (cli->events &&
	    ((strcmp(cli->command, "plan") && strcmp(cli->command, "apply") &&
	      strcmp(cli->command, "destroy")) ||
	     cli->json))
		return usage_error("%s",
		                   "--output json goes with 'plan', "
		                   "'apply' and 'destroy', without --json");
	if (cli->as && (strcmp(cli->command, "state") || cli->n_args < 1 ||
	                strcmp(cli->args[0], "resolve")))
		return usage_error("%s", "--as goes with 'state resolve'");
	if (cli->to && (strcmp(cli->command, "state") || cli->n_args < 1 ||
	                strcmp(cli->args[0], "migrate")))
		return usage_error("%s", "--to goes with 'state migrate'");
	if (cli->output &&
	    (strcmp(cli->command, "status") || cli->json || cli->n_args != 1))
		return usage_error("%s", "--output PLUGIN.NAME goes with "
		                         "'status' and one customer file");
	return 0;
}

/* ---- one customer file --------------------------------------------- */

struct loaded {
	struct es_config *cfg;
	struct es_registry reg;
	const char *env;
};

/* Load the file and its plugins and bind the config. Returns an exit
 * code; on success `l` is ready. */
static int needs_no_secret(const char *command)
{
	static const char *const readers[] = {
	    "check", "status", "report", "confirm", "graph", "state", NULL};

	for (const char *const *r = readers; *r; r++)
		if (strcmp(command, *r) == 0)
			return 1;
	return 0;
}

static int load_customer(const struct cli *cli, const char *path,
                         const char *plugin_dir, struct loaded *l)
{
	struct es_diags d = {0};
	const struct es_plugin_descriptor **descs = NULL;
	const char **names = NULL;
	size_t n = 0;
	int rc = ES_EXIT_OK;

	memset(l, 0, sizeof(*l));
	l->cfg = es_config_load(path, &d);
	if (!l->cfg || d.count) {
		es_diags_print(&d, stderr);
		es_diags_clear(&d);
		return ES_EXIT_INPUT;
	}
	l->env =
	    cli->env ? cli->env : (l->cfg->n_envs ? l->cfg->envs[0].name : "");
	names = calloc(l->cfg->n_plugins + 1, sizeof(*names));
	descs = calloc(l->cfg->n_plugins + 1, sizeof(*descs));
	if (!names || !descs) {
		rc = ES_EXIT_INPUT;
		goto out;
	}
	for (size_t i = 0; i < l->cfg->n_plugins; i++)
		names[n++] = l->cfg->plugins[i].name;
	es_registry_load(&l->reg, plugin_dir, names, n, &d);
	/* A disabled plugin that cannot load is a warning, not a stop. */
	for (size_t i = 0; i < d.count; i++) {
		const struct es_plugin_conf *pc =
		    d.items[i].where
		        ? es_config_plugin(l->cfg, d.items[i].where)
		        : NULL;
		int fatal = !pc || pc->enabled;

		es_log(fatal ? ES_LOG_ERROR : ES_LOG_WARNING, NULL,
		       "%s%s%s: %s", d.items[i].file ? d.items[i].file : "",
		       d.items[i].file ? ": " : "",
		       d.items[i].where ? d.items[i].where : "plugin",
		       d.items[i].message);
		if (fatal)
			rc = ES_EXIT_PLUGIN;
	}
	es_diags_clear(&d);
	if (rc)
		goto out;
	n = 0;
	for (size_t i = 0; i < l->reg.n_plugins; i++)
		descs[n++] = l->reg.plugins[i].desc;
	/* Reading the checklist and the state needs no provider's key: only
	 * plan, apply and destroy call providers. */
	l->cfg->secrets_optional = needs_no_secret(cli->command);
	if (es_config_bind(l->cfg, l->env, descs, n, &d) || d.count) {
		es_diags_print(&d, stderr);
		rc = ES_EXIT_INPUT;
	}
out:
	es_diags_clear(&d);
	free(names);
	free(descs);
	return rc;
}

static void unload_customer(struct loaded *l)
{
	es_config_free(l->cfg);
	es_registry_free(&l->reg);
}

/* apply PLANFILE: the plan names the customer file, the environment and
 * the state directory, and holds its own selection of tasks. */
static int open_saved_plan(const struct cli *cli, const char *path,
                           struct es_saved_plan **sp, struct cli *planned)
{
	int rc;

	if (cli->n_only || cli->n_skip || cli->state_dir)
		return usage_error("apply %s: a saved plan holds its tasks and "
		                   "state: --only, --skip and --state-dir go "
		                   "with plan",
		                   path);
	rc = es_saved_plan_read(path, cli->env, sp);
	if (rc)
		return rc;
	*planned = *cli;
	planned->env = es_saved_plan_env(*sp);
	planned->state_dir = es_saved_plan_state_dir(*sp);
	return ES_EXIT_OK;
}

static int run_command(const struct cli *cli, const char *path,
                       const char *plugin_dir)
{
	struct loaded l;
	struct es_run run;
	struct es_run_options opt = {0};
	struct es_saved_plan *sp = NULL;
	struct cli planned;
	int is_destroy = strcmp(cli->command, "destroy") == 0;
	int is_apply = strcmp(cli->command, "apply") == 0 || is_destroy;
	int is_confirm = strcmp(cli->command, "confirm") == 0;
	int is_report = strcmp(cli->command, "report") == 0;
	int is_status = strcmp(cli->command, "status") == 0 || is_report;
	int is_check = strcmp(cli->command, "check") == 0;
	int is_export = strcmp(cli->command, "export") == 0;
	int is_graph = strcmp(cli->command, "graph") == 0;
	const char *state_cmd =
	    strcmp(cli->command, "state") == 0 ? cli->args[0] : NULL;
	int is_show = state_cmd && strcmp(state_cmd, "show") == 0;
	int is_unlock = state_cmd && strcmp(state_cmd, "force-unlock") == 0;
	int is_migrate = state_cmd && strcmp(state_cmd, "migrate") == 0;
	enum es_state_mode mode;
	int rc;

	if (is_apply && !is_destroy && es_plan_file_is_plan(path)) {
		rc = open_saved_plan(cli, path, &sp, &planned);
		if (rc)
			return rc;
		cli = &planned;
		path = es_saved_plan_config(sp);
	} else if ((is_apply || is_confirm || (state_cmd && !is_show)) &&
	           !cli->env) {
		return usage_error("%s needs --env (uat, production, ...): it "
		                   "changes things",
		                   cli->command);
	}
	rc = load_customer(cli, path, plugin_dir, &l);
	/* The summary table names a file that does not load by its path. */
	if (l.cfg && rc != ES_EXIT_INPUT)
		es_customer_identify(l.cfg->customer_id, l.env);
	if (rc) {
		unload_customer(&l);
		es_saved_plan_free(sp);
		return rc;
	}
	if (is_destroy &&
	    (rc = es_destroy_confirmed(l.cfg, l.env, cli->yes)) != 0) {
		unload_customer(&l);
		return rc;
	}
	opt.env = l.env;
	opt.only = (const char *const *)cli->only;
	opt.skip = (const char *const *)cli->skip;
	opt.parallelism = cli->parallelism;
	opt.json = cli->json;
	opt.events = cli->events;
	/* Live lines only where a person watches, and only around the
	 * per-task lines of plain output. */
	opt.live = isatty(STDOUT_FILENO) && !cli->no_color && !cli->json &&
	           !cli->events && es_log_verbosity() > 0;
	opt.lock_wait_s = cli->lock_wait_s;
	opt.state_dir = cli->state_dir;
	opt.cancelled = &cancelled;
	opt.plan_out = cli->out;
	opt.saved_plan = sp;
	mode = is_check || is_unlock || is_migrate ? ES_STATE_NONE
	       : is_status || is_export || is_graph || is_show
	           ? ES_STATE_READONLY
	           : ES_STATE_LOCKED_RW;
	rc = es_run_open(&run, l.cfg, &l.reg, &opt, mode,
	                 !is_status && !is_confirm && !is_export && !is_graph &&
	                     !state_cmd);
	if (rc == ES_EXIT_OK && sp)
		rc = es_saved_plan_bind(sp, &run);
	/* The run log is of the runs that change things: plan writes
	 * nothing but the lock (docs/cli.md). */
	if (rc == ES_EXIT_OK && run.state && mode == ES_STATE_LOCKED_RW &&
	    strcmp(cli->command, "plan") != 0) {
		char log_path[4096];
		int log_rc;

		/* A shared database's runs still log on the machine that
		 * ran them: <state_dir>/<env>/envsetup.log. */
		if (strcmp(l.cfg->state_backend, "file") != 0) {
			snprintf(log_path, sizeof(log_path), "%s/%s",
			         opt.state_dir ? opt.state_dir
			                       : l.cfg->state_dir,
			         l.env);
			es_mkdir_p(log_path, 0700);
		} else {
			snprintf(log_path, sizeof(log_path), "%s",
			         es_state_path(run.state));
		}
		snprintf(log_path + strlen(log_path),
		         sizeof(log_path) - strlen(log_path), "/envsetup.log");
		log_rc = es_log_open_file(log_path);
		if (log_rc < 0)
			es_log(ES_LOG_WARNING, NULL,
			       "%s: %s; this run is not logged there", log_path,
			       es_open_error(log_rc));
		es_log(ES_LOG_DEBUG, NULL, "envsetup %s %s --env %s",
		       cli->command, path, l.env);
	}
	if (rc == ES_EXIT_OK && (is_apply || !strcmp(cli->command, "plan")))
		es_events_run_start(&run, cli->destroy ? "plan --destroy"
		                                       : cli->command);
	if (rc == ES_EXIT_OK) {
		if (is_check)
			rc = es_describe_unanswered(&run, cli->json);
		else if (strcmp(cli->command, "plan") == 0)
			rc = cli->destroy ? es_run_plan_destroy(&run)
			                  : es_run_plan(&run);
		else if (is_destroy)
			rc = es_run_destroy(&run);
		else if (is_apply)
			rc = es_run_apply(&run);
		else if (is_report)
			rc = es_run_report(&run,
			                   cli->format ? cli->format
			                   : cli->json ? "json"
			                               : NULL,
			                   stdout);
		else if (is_graph)
			rc = es_render_graph(&run);
		else if (is_export)
			rc = es_run_export(&run, cli->target, cli->out);
		else if (is_status && cli->output)
			rc = es_render_output(&run, cli->output);
		else if (is_status)
			es_render_status(&run);
		else if (is_confirm)
			rc = es_run_confirm(&run, cli->args[1], cli->by);
		else if (is_show)
			rc = es_run_state_show(
			    &run, cli->n_args > 2 ? cli->args[2] : NULL,
			    cli->json);
		else if (is_unlock)
			rc = es_run_state_force_unlock(&run, cli->args[2],
			                               cli->by);
		else if (is_migrate)
			rc = es_run_state_migrate(&run, cli->to);
		else if (state_cmd)
			rc = es_run_state_resolve(&run, cli->args[2], cli->as,
			                          cli->by);
		es_customer_tally(&run);
	}
	es_run_close(&run);
	es_log_close_file();
	unload_customer(&l);
	es_saved_plan_free(sp);
	return rc;
}

static int plugins_command(const struct cli *cli, const char *plugin_dir)
{
	if (cli->n_args >= 1 && strcmp(cli->args[0], "list") == 0)
		return es_describe_list(plugin_dir, cli->json);
	if (cli->n_args == 2 && strcmp(cli->args[0], "describe") == 0)
		return es_describe_plugin(plugin_dir, cli->args[1],
		                          cli->markdown ? ES_DESCRIBE_MARKDOWN
		                                        : cli->json);
	return usage_error("%s", "plugins takes 'list' or 'describe NAME'");
}

static int init_command(const struct cli *cli, const char *plugin_dir)
{
	char *checklist;
	int rc;

	if (cli->n_args != 1)
		return usage_error("%s", "usage: envsetup init CUSTOMER_ID "
		                         "[--checklist FILE]");
	checklist =
	    cli->checklist ? strdup(cli->checklist) : es_checklist_default();
	rc = checklist ? es_init_customer(cli->args[0], checklist, plugin_dir)
	               : ES_EXIT_INPUT;
	free(checklist);
	return rc;
}

/* envsetup state SUB CUSTOMER.cfg [ARG]: each sub-command's shape. */
static int state_args_check(const struct cli *cli)
{
	const char *sub = cli->n_args ? cli->args[0] : "";

	if (strcmp(sub, "show") == 0 && (cli->n_args == 2 || cli->n_args == 3))
		return ES_EXIT_OK;
	if (strcmp(sub, "show") == 0)
		return usage_error("%s",
		                   "usage: envsetup state show "
		                   "CUSTOMER.cfg --env ENV [PLUGIN[:KEY]]");
	if (strcmp(sub, "resolve") && strcmp(sub, "force-unlock") &&
	    strcmp(sub, "migrate"))
		return usage_error("state takes show, resolve, force-unlock or "
		                   "migrate, not '%s' (envsetup state --help)",
		                   sub);
	if (cli->json)
		return usage_error("%s", "--json goes with 'state show'");
	if (strcmp(sub, "migrate") == 0)
		return cli->n_args == 2 && cli->to
		           ? ES_EXIT_OK
		           : usage_error("%s", "usage: envsetup state migrate "
		                               "CUSTOMER.cfg --env ENV --to "
		                               "postgresql|file");
	if (cli->n_args != 3 || !cli->by || !*cli->by)
		return usage_error(
		    "%s", strcmp(sub, "resolve") == 0
		              ? "usage: envsetup state resolve CUSTOMER.cfg "
		                "--env ENV INTENT-ID|TASK|PLUGIN:KEY --by NAME "
		                "[--as done|forget]"
		              : "usage: envsetup state force-unlock "
		                "CUSTOMER.cfg --env ENV LOCK-ID --by NAME");
	return ES_EXIT_OK;
}

struct customer_ctx {
	const struct cli *cli;
	const char *plugin_dir;
};

static int run_customer(void *arg, const char *path)
{
	const struct customer_ctx *c = arg;

	return run_command(c->cli, path, c->plugin_dir);
}

/* One customer file runs here, as it always has; several (or a folder)
 * run in a process each (customers.h). */
static int customers_command(const struct cli *cli, const char *plugin_dir)
{
	struct customer_ctx ctx = {cli, plugin_dir};
	struct es_customers_options opt = {0};
	char **files;
	size_t n;
	int rc;

	/* `apply FILE.plan`: a saved plan, whatever FILE is (a folder named
	 * so is refused as a plan, not read as a folder of customers). */
	if (cli->n_args == 1 && strcmp(cli->command, "apply") == 0 &&
	    es_plan_file_is_plan(cli->args[0]))
		return run_command(cli, cli->args[0], plugin_dir);
	rc = es_customers_expand(cli->args, cli->n_args, &files, &n);

	if (rc)
		return rc;
	if (n > 1 && (cli->out || cli->output))
		rc = usage_error("%s with --out or --output PLUGIN.NAME takes "
		                 "one customer file",
		                 cli->command);
	else if (n == 1)
		rc = run_command(cli, files[0], plugin_dir);
	else {
		opt.at_once = cli->customers;
		opt.parallelism = cli->parallelism;
		/* destroy asks each customer's id on the terminal */
		opt.interactive =
		    strcmp(cli->command, "destroy") == 0 && !cli->yes;
		opt.events = cli->events;
		/* Documents a program reads: no "==> FILE <==" in them. */
		opt.machine = cli->events || cli->json ||
		              strcmp(cli->command, "graph") == 0 ||
		              (cli->format && strcmp(cli->format, "md") != 0);
		opt.cancelled = &cancelled;
		/* Probed once here, not once in every customer's process. */
		es_registry_probe_all(plugin_dir);
		rc = es_customers_run(files, n, &opt, run_customer, &ctx);
	}
	es_customers_free(files, n);
	return rc;
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	char *plugin_dir;
	int rc;

	/* A plugin process the core started (plugin_proxy.h). */
	if (argc > 1 && strcmp(argv[1], ES_PLUGIN_PROCESS_ARG) == 0)
		return es_plugin_process_main(argc, argv);
	rc = parse_args(argc, argv, &cli);
	if (rc)
		goto out;
	es_log_set_verbosity(cli.verbosity);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	plugin_dir = cli.plugin_dir ? strdup(cli.plugin_dir)
	                            : es_plugin_dir_default(argv[0]);
	if (es_http_global_init() < 0) {
		fprintf(stderr, "envsetup: cannot initialise libcurl\n");
		free(plugin_dir);
		rc = ES_EXIT_FAILED;
		goto out;
	}
	if (strcmp(cli.command, "plugins") == 0) {
		rc = plugins_command(&cli, plugin_dir);
	} else if (strcmp(cli.command, "init") == 0) {
		rc = init_command(&cli, plugin_dir);
	} else if (strcmp(cli.command, "state") == 0) {
		rc = state_args_check(&cli);
		if (rc == ES_EXIT_OK)
			rc = run_command(&cli, cli.args[1], plugin_dir);
	} else if (!strcmp(cli.command, "check") ||
	           !strcmp(cli.command, "plan") ||
	           !strcmp(cli.command, "apply") ||
	           !strcmp(cli.command, "destroy") ||
	           !strcmp(cli.command, "status") ||
	           !strcmp(cli.command, "confirm") ||
	           !strcmp(cli.command, "export") ||
	           !strcmp(cli.command, "graph") ||
	           !strcmp(cli.command, "report")) {
		if (cli.n_args == 0)
			rc = usage_error("%s needs a customer file",
			                 cli.command);
		else if (!strcmp(cli.command, "confirm") &&
		         (cli.n_args != 2 || !cli.by || !*cli.by))
			rc = usage_error("%s",
			                 "usage: envsetup confirm CUSTOMER.cfg "
			                 "TASK --by NAME --env ENV");
		else if (!strcmp(cli.command, "confirm"))
			rc = run_command(&cli, cli.args[0], plugin_dir);
		else
			rc = customers_command(&cli, plugin_dir);
	} else {
		rc = usage_error("unknown command '%s'", cli.command);
	}
	es_http_global_cleanup();
	es_redact_clear();
	free(plugin_dir);
out:
	free_list(cli.only, cli.n_only);
	free_list(cli.skip, cli.n_skip);
	return rc;
}
