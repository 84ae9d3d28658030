/* plugins list / describe and check (describe.h). */
#include "describe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "runner.h"

static const char *const type_names[] = {
    [ES_TYPE_STRING] = "string",     [ES_TYPE_INT] = "int",
    [ES_TYPE_BOOL] = "bool",         [ES_TYPE_ENUM] = "enum",
    [ES_TYPE_LIST] = "list",         [ES_TYPE_URL] = "url",
    [ES_TYPE_DURATION] = "duration", [ES_TYPE_PATH] = "path",
};

static void print_and_free(cJSON *doc)
{
	char *text = cJSON_Print(doc);

	if (text)
		puts(text);
	free(text);
	cJSON_Delete(doc);
}

static cJSON *strings(const char *const *list)
{
	cJSON *a = cJSON_CreateArray();

	for (; list && *list; list++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*list));
	return a;
}

static cJSON *plugin_json(const struct es_plugin *p)
{
	const struct es_plugin_descriptor *d = p->desc;
	cJSON *o = cJSON_CreateObject(), *keys, *tasks;

	cJSON_AddStringToObject(o, "name", d->name);
	cJSON_AddStringToObject(o, "version", d->version);
	cJSON_AddStringToObject(o, "description", d->description);
	cJSON_AddStringToObject(o, "abi", "");
	{
		char abi[32];

		snprintf(abi, sizeof(abi), "%u.%u", d->abi_major, d->abi_minor);
		cJSON_ReplaceItemInObject(o, "abi", cJSON_CreateString(abi));
	}
	cJSON_AddNumberToObject(o, "rate_limit_per_min", d->rate_limit_per_min);
	cJSON_AddNumberToObject(o, "max_concurrency",
	                        d->max_concurrency ? d->max_concurrency : 1);
	keys = cJSON_AddArrayToObject(o, "keys");
	for (size_t i = 0; i < p->n_keys; i++) {
		const struct es_key *k = p->keys[i];
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "name", k->name);
		cJSON_AddStringToObject(e, "type", type_names[k->type]);
		cJSON_AddBoolToObject(e, "required",
		                      k->flags & ES_KEY_REQUIRED);
		cJSON_AddBoolToObject(e, "secret", k->flags & ES_KEY_SECRET);
		cJSON_AddBoolToObject(e, "per_environment",
		                      k->flags & ES_KEY_PER_ENV);
		if (k->default_value)
			cJSON_AddStringToObject(e, "default", k->default_value);
		if (k->type == ES_TYPE_ENUM)
			cJSON_AddItemToObject(e, "allowed",
			                      strings(k->allowed));
		if (k->flags & ES_KEY_MIN)
			cJSON_AddNumberToObject(e, "min", (double)k->min);
		if (k->flags & ES_KEY_MAX)
			cJSON_AddNumberToObject(e, "max", (double)k->max);
		if (k->format && es_format_name(k->format))
			cJSON_AddStringToObject(e, "format",
			                        es_format_name(k->format));
		if (k->pattern)
			cJSON_AddStringToObject(e, "pattern", k->pattern);
		if (k->required_when)
			cJSON_AddStringToObject(e, "required_when",
			                        k->required_when);
		cJSON_AddStringToObject(e, "question", k->question);
		if (k->example)
			cJSON_AddStringToObject(e, "example", k->example);
		cJSON_AddItemToArray(keys, e);
	}
	tasks = cJSON_AddArrayToObject(o, "tasks");
	for (size_t i = 0; i < p->n_tasks; i++) {
		const struct es_task *t = p->tasks[i];
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "id", t->id);
		cJSON_AddStringToObject(e, "title", t->title);
		cJSON_AddStringToObject(e, "section", t->section);
		cJSON_AddItemToObject(e, "depends_on", strings(t->depends_on));
		cJSON_AddItemToObject(e, "needs", strings(t->needs));
		cJSON_AddBoolToObject(e, "mutating",
		                      t->flags & ES_TASK_MUTATING);
		cJSON_AddBoolToObject(e, "manual", t->flags & ES_TASK_MANUAL);
		cJSON_AddBoolToObject(e, "long_running",
		                      t->flags & ES_TASK_LONG_RUNNING);
		if (t->question)
			cJSON_AddStringToObject(e, "question", t->question);
		cJSON_AddItemToArray(tasks, e);
	}
	return o;
}

/* The checks beyond the type, as `check` applies them. */
static void print_key_rules(const struct es_key *k)
{
	if (k->flags & ES_KEY_MIN)
		printf(" (min %lld)", (long long)k->min);
	if (k->flags & ES_KEY_MAX)
		printf(" (max %lld)", (long long)k->max);
	if (k->format && es_format_name(k->format))
		printf(" (format %s)", es_format_name(k->format));
	if (k->pattern)
		printf(" (pattern %s)", k->pattern);
	if (k->required_when)
		printf(" (required when %s)", k->required_when);
}

static void print_plugin_text(const struct es_plugin *p)
{
	const struct es_plugin_descriptor *d = p->desc;

	printf("%s %s (ABI %u.%u): %s\n", d->name, d->version, d->abi_major,
	       d->abi_minor, d->description);
	if (d->rate_limit_per_min)
		printf("rate limit: %u requests/minute\n",
		       d->rate_limit_per_min);
	printf("\nKeys:\n");
	for (size_t i = 0; i < p->n_keys; i++) {
		const struct es_key *k = p->keys[i];

		printf("  %-22s %-8s%s%s%s", k->name, type_names[k->type],
		       k->flags & ES_KEY_REQUIRED ? " required" : "",
		       k->flags & ES_KEY_SECRET ? " secret" : "",
		       k->flags & ES_KEY_PER_ENV ? " per-env" : "");
		if (k->default_value)
			printf(" (default %s)", k->default_value);
		print_key_rules(k);
		printf("\n      %s\n", k->question);
	}
	printf("\nTasks:\n");
	for (size_t i = 0; i < p->n_tasks; i++) {
		const struct es_task *t = p->tasks[i];

		printf("  [%s] %-24s %s%s%s\n", t->section, t->id, t->title,
		       t->flags & ES_TASK_MANUAL ? " (manual)" : "",
		       t->flags & ES_TASK_LONG_RUNNING ? " (long-running)"
		                                       : "");
		if (t->question)
			printf("      asks: %s\n", t->question);
	}
}

/* ---- plugins describe --markdown: docs/plugins/<name>.md -------------- */

/*
 * A Markdown reference made from the descriptor alone, the same bytes on
 * every machine (no date, no path), so CI can diff it against the checked-in
 * docs/plugins/<name>.md (tests/docs_check.sh). Descriptor strings are plain
 * text and are escaped to render as written, except that `code spans` in
 * them are kept. Every line of a table is one row: newlines become <br> and
 * `|` is escaped everywhere, code spans included (GFM splits cells first).
 */

/* The closing run of exactly `run` backticks after p, or NULL. */
static const char *md_code_close(const char *p, size_t run)
{
	while ((p = strchr(p, '`'))) {
		size_t n = strspn(p, "`");

		if (n == run)
			return p;
		p += n;
	}
	return NULL;
}

/* Code span content: `|` escaped, line breaks as spaces. */
static void md_code_body(FILE *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '|')
			fputs("\\|", out);
		else
			fputc(s[i] == '\n' || s[i] == '\r' ? ' ' : s[i], out);
	}
}

static int md_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* Descriptor prose (a question, a title, the description). */
static void md_text(FILE *out, const char *s)
{
	for (const char *p = s; p && *p; p++) {
		if (*p == '`') {
			size_t run = strspn(p, "`");
			const char *close = md_code_close(p + run, run);

			if (close) {
				md_code_body(out, p, (size_t)(close - p) + run);
				p = close + run - 1;
			} else {
				for (size_t i = 0; i < run; i++)
					fputs("\\`", out);
				p += run - 1;
			}
			continue;
		}
		switch (*p) {
		case '\n':
			fputs("<br>", out);
			break;
		case '\r':
			break;
		case '\t':
			fputc(' ', out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '_':
			/* snake_case stays: no emphasis inside a word. */
			if (p > s && md_alnum(p[-1]) && md_alnum(p[1])) {
				fputc('_', out);
				break;
			}
			/* fall through */
		case '\\':
		case '*':
		case '[':
		case ']':
		case '~':
		case '$': /* GitHub's math */
		case '|':
			fputc('\\', out);
			fputc(*p, out);
			break;
		default:
			fputc(*p, out);
		}
	}
}

/* A value as a code span, fenced with more backticks than it holds. */
static void md_code(FILE *out, const char *s)
{
	size_t len, longest = 0, fence;
	int pad;

	if (!s)
		return;
	len = strlen(s);
	if (!len) {
		fputs("*empty*", out);
		return;
	}
	for (const char *p = s; (p = strchr(p, '`'));) {
		size_t n = strspn(p, "`");

		if (n > longest)
			longest = n;
		p += n;
	}
	/* GFM strips one space from each end when both ends have one. */
	pad = s[0] == '`' || s[len - 1] == '`' ||
	      (s[0] == ' ' && s[len - 1] == ' ' && strspn(s, " ") < len);
	for (fence = 0; fence <= longest; fence++)
		fputc('`', out);
	fputs(pad ? " " : "", out);
	md_code_body(out, s, len);
	fputs(pad ? " " : "", out);
	for (fence = 0; fence <= longest; fence++)
		fputc('`', out);
}

static void md_codes(FILE *out, const char *const *list)
{
	for (const char *const *l = list; l && *l; l++) {
		fputs(l == list ? "" : ", ", out);
		md_code(out, *l);
	}
}

/* The words whose flag is set, comma separated. */
static void md_flags(FILE *out, uint32_t flags, const uint32_t *bits,
                     const char *const *words, size_t n)
{
	const char *sep = "";

	for (size_t i = 0; i < n; i++) {
		if (flags & bits[i]) {
			fprintf(out, "%s%s", sep, words[i]);
			sep = ", ";
		}
	}
}

/* What `check` holds the value to beyond its type. */
static void md_key_rules(FILE *out, const struct es_key *k)
{
	const char *sep = "";

	if ((k->flags & ES_KEY_MIN) && (k->flags & ES_KEY_MAX)) {
		fprintf(out, "from %lld to %lld", (long long)k->min,
		        (long long)k->max);
		sep = "; ";
	} else if (k->flags & (ES_KEY_MIN | ES_KEY_MAX)) {
		fprintf(out, "at %s %lld",
		        k->flags & ES_KEY_MIN ? "least" : "most",
		        (long long)(k->flags & ES_KEY_MIN ? k->min : k->max));
		sep = "; ";
	}
	if (k->format && es_format_name(k->format)) {
		fprintf(out, "%sformat ", sep);
		md_code(out, es_format_name(k->format));
		sep = "; ";
	}
	if (k->pattern) {
		fprintf(out, "%smatches ", sep);
		md_code(out, k->pattern);
		sep = "; ";
	}
	if (k->required_when) {
		fprintf(out, "%srequired when ", sep);
		md_code(out, k->required_when);
	}
}

/* A section's heading, then `none` when it has no rows (returns 0). */
static int md_heading(FILE *out, const char *title, size_t rows,
                      const char *none)
{
	fprintf(out, "\n## %s\n\n", title);
	if (!rows)
		fprintf(out, "%s\n", none);
	return rows != 0;
}

/* A table's head row and delimiter row; `cols` ends with NULL. */
static void md_table_head(FILE *out, const char *const *cols)
{
	const char *const *c;

	for (c = cols; *c; c++)
		fprintf(out, "| %s ", *c);
	fputs("|\n", out);
	for (c = cols; *c; c++)
		fputs("|---", out);
	fputs("|\n", out);
}

static void md_keys(FILE *out, const struct es_plugin *p)
{
	static const uint32_t bits[] = {ES_KEY_REQUIRED, ES_KEY_SECRET,
	                                ES_KEY_PER_ENV};
	static const char *const words[] = {"required", "secret",
	                                    "per environment"};

	if (!md_heading(out, "Keys", p->n_keys, "The plugin reads no keys."))
		return;
	fprintf(out,
	        "Set in the customer file as `plugins = { %s = { KEY = VALUE; "
	        "}; };` (`docs/config.md`). *required*: `check` asks until it "
	        "is answered; *secret*: a reference, `env:NAME` or "
	        "`file:PATH`, never the value; *per environment*: may be set "
	        "again in `environments = { ENV = { KEY = VALUE; }; };`. "
	        "Defaults and examples are written as in the file.\n\n",
	        p->desc->name);
	md_table_head(out, ES_LIST("key", "type", "flags", "default", "allowed",
	                           "rules", "question", "example"));
	for (size_t i = 0; i < p->n_keys; i++) {
		const struct es_key *k = p->keys[i];

		fputs("| ", out);
		md_code(out, k->name);
		fprintf(out, " | %s | ", type_names[k->type]);
		md_flags(out, k->flags, bits, words, 3);
		fputs(" | ", out);
		if (k->default_value)
			md_code(out, k->default_value);
		fputs(" | ", out);
		if (k->type == ES_TYPE_ENUM)
			md_codes(out, k->allowed);
		fputs(" | ", out);
		md_key_rules(out, k);
		fputs(" | ", out);
		md_text(out, k->question);
		fputs(" | ", out);
		if (k->example)
			md_code(out, k->example);
		fputs(" |\n", out);
	}
}

/* A task's timeout: "1 h", "30 min (default)". */
static void md_timeout(FILE *out, uint32_t s)
{
	static const struct {
		uint32_t seconds;
		const char *unit;
	} units[] = {{86400, "d"}, {3600, "h"}, {60, "min"}, {1, "s"}};
	uint32_t t = s ? s : 1800;
	size_t u = 0;

	while (t % units[u].seconds)
		u++;
	fprintf(out, "%u %s%s", t / units[u].seconds, units[u].unit,
	        s ? "" : " (default)");
}

static void md_tasks(FILE *out, const struct es_plugin *p)
{
	static const uint32_t bits[] = {ES_TASK_MUTATING, ES_TASK_MANUAL,
	                                ES_TASK_LONG_RUNNING};
	static const char *const words[] = {"mutating", "manual",
	                                    "long-running"};

	if (!md_heading(out, "Tasks", p->n_tasks,
	                "The plugin declares no tasks."))
		return;
	fprintf(out,
	        "In the order they run within the plugin, each after its "
	        "dependencies (`plugin:task` is another plugin's). "
	        "*mutating*: changes something at the provider; *manual*: a "
	        "person's task, which waits for `envsetup confirm CUSTOMER.cfg "
	        "%s:TASK --by NAME --env ENV`; *long-running*: polled until "
	        "done, or failed after its timeout.\n\n",
	        p->desc->name);
	md_table_head(out, ES_LIST("task", "title", "section", "depends on",
	                           "needs", "flags", "timeout", "question"));
	for (size_t i = 0; i < p->n_tasks; i++) {
		const struct es_task *t = p->tasks[i];

		fputs("| ", out);
		md_code(out, t->id);
		fputs(" | ", out);
		md_text(out, t->title);
		fputs(" | ", out);
		md_text(out, t->section);
		fputs(" | ", out);
		md_codes(out, t->depends_on);
		fputs(" | ", out);
		md_codes(out, t->needs);
		fputs(" | ", out);
		md_flags(out, t->flags, bits, words, 3);
		fputs(" | ", out);
		if (t->flags & ES_TASK_LONG_RUNNING)
			md_timeout(out, t->timeout_s);
		fputs(" | ", out);
		md_text(out, t->question);
		fputs(" |\n", out);
	}
}

/* The checklist sections of the tasks, each once, in task order. */
static void md_sections(FILE *out, const struct es_plugin *p)
{
	const char *sep = "";

	for (size_t i = 0; i < p->n_tasks; i++) {
		size_t j = 0;

		while (j < i &&
		       strcmp(p->tasks[j]->section, p->tasks[i]->section) != 0)
			j++;
		if (j < i)
			continue;
		fputs(sep, out);
		md_text(out, p->tasks[i]->section);
		sep = ", ";
	}
}

/* Prose as a paragraph of its own: what would start a heading, a list, a
 * quote or a code block is escaped. */
static void md_paragraph(FILE *out, const char *s)
{
	size_t digits;

	if (!s)
		return;
	s += strspn(s, " \t");
	digits = strspn(s, "0123456789");
	if (digits && (s[digits] == '.' || s[digits] == ')')) {
		fprintf(out, "%.*s\\", (int)digits, s);
		s += digits;
	} else if (*s && strchr("#-+=>", *s)) {
		fputc('\\', out);
	}
	md_text(out, s);
}

static void print_plugin_markdown(FILE *out, const struct es_plugin *p)
{
	const struct es_plugin_descriptor *d = p->desc;
	uint32_t conc = d->max_concurrency ? d->max_concurrency : 1;

	fprintf(out,
	        "<!-- Generated from the %s plugin's descriptor by `envsetup "
	        "plugins describe %s --markdown`; do not edit: "
	        "scripts/gen-plugin-docs rewrites it. -->\n# ",
	        d->name, d->name);
	md_text(out, d->name);
	fputs("\n\n", out);
	md_paragraph(out, d->description);
	fputs("\n\n", out);
	md_table_head(out,
	              ES_LIST("version", "plugin ABI", "checklist sections",
	                      "rate limit", "concurrency"));
	fputs("| ", out);
	md_code(out, d->version);
	fprintf(out, " | %u.%u | ", d->abi_major, d->abi_minor);
	md_sections(out, p);
	if (d->rate_limit_per_min)
		fprintf(out, " | %u requests per minute",
		        d->rate_limit_per_min);
	else
		fputs(" | none declared", out);
	fprintf(out, " | %u task%s at a time |\n\n", conc,
	        conc == 1 ? "" : "s");
	fprintf(out,
	        "The descriptor does not declare the outputs, the API calls or "
	        "the design: the plugin's README has them "
	        "(`plugins/%s/README.md` in envsetup's tree).\n",
	        d->name);
	md_keys(out, p);
	md_tasks(out, p);
}

int es_describe_plugin(const char *plugin_dir, const char *name,
                       enum es_describe_format format)
{
	struct es_registry reg = {0};
	struct es_diags d = {0};
	const char *names[] = {name};
	int rc = ES_EXIT_OK;

	if (es_registry_load(&reg, plugin_dir, names, 1, &d)) {
		es_diags_print(&d, stderr);
		rc = ES_EXIT_PLUGIN;
	} else if (format == ES_DESCRIBE_JSON) {
		print_and_free(plugin_json(&reg.plugins[0]));
	} else if (format == ES_DESCRIBE_MARKDOWN) {
		print_plugin_markdown(stdout, &reg.plugins[0]);
	} else {
		print_plugin_text(&reg.plugins[0]);
	}
	es_diags_clear(&d);
	es_registry_free(&reg);
	return rc;
}

int es_describe_list(const char *plugin_dir, int json)
{
	struct es_registry reg = {0};
	struct es_diags d = {0};
	size_t failures = es_registry_load(&reg, plugin_dir, NULL, 0, &d);

	if (json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON *arr = cJSON_AddArrayToObject(doc, "plugins");
		cJSON *bad = cJSON_AddArrayToObject(doc, "refused");

		cJSON_AddStringToObject(doc, "plugin_dir", plugin_dir);
		for (size_t i = 0; i < reg.n_plugins; i++)
			cJSON_AddItemToArray(arr, plugin_json(&reg.plugins[i]));
		for (size_t i = 0; i < d.count; i++) {
			cJSON *e = cJSON_CreateObject();

			cJSON_AddStringToObject(
			    e, "plugin",
			    d.items[i].where ? d.items[i].where : "");
			cJSON_AddStringToObject(e, "reason",
			                        d.items[i].message);
			cJSON_AddItemToArray(bad, e);
		}
		print_and_free(doc);
	} else {
		printf("plugins in %s:\n", plugin_dir);
		for (size_t i = 0; i < reg.n_plugins; i++) {
			const struct es_plugin_descriptor *p =
			    reg.plugins[i].desc;

			printf("  %-14s %-8s %s\n", p->name, p->version,
			       p->description);
		}
		if (d.count) {
			printf("refused:\n");
			for (size_t i = 0; i < d.count; i++)
				printf("  %-14s %s\n",
				       d.items[i].where ? d.items[i].where
				                        : "?",
				       d.items[i].message);
		}
	}
	es_diags_clear(&d);
	es_registry_free(&reg);
	return failures ? ES_EXIT_PLUGIN : ES_EXIT_OK;
}

/* ---- check ----------------------------------------------------------- */

static void add_question(cJSON *arr, const char *id, const char *question,
                         const char *where, int line)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "question", question);
	if (where)
		cJSON_AddStringToObject(o, "file", where);
	if (line)
		cJSON_AddNumberToObject(o, "line", line);
	cJSON_AddItemToArray(arr, o);
}

int es_describe_unanswered(struct es_run *run, int json)
{
	const struct es_config *cfg = run->cfg;
	cJSON *doc = json ? cJSON_CreateObject() : NULL;
	cJSON *secs = doc ? cJSON_AddArrayToObject(doc, "sections") : NULL;
	size_t total = 0, answered = 0;

	if (!doc)
		printf("envsetup check: customer %s, environment %s: the file "
		       "is valid.\n\n",
		       cfg->customer_id, run->env->name);
	for (size_t s = 0; s < cfg->n_sections; s++) {
		const struct es_section *sec = &cfg->sections[s];
		cJSON *qs = NULL;
		int header = 0;

		if (doc) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "section", sec->id);
			cJSON_AddStringToObject(o, "title", sec->title);
			qs = cJSON_AddArrayToObject(o, "unanswered");
			cJSON_AddItemToArray(secs, o);
		}
		for (size_t e = 0; e < sec->n_elements; e++) {
			const struct es_manual_item *it = &sec->elements[e];

			total++;
			if (it->answer) {
				answered++;
				continue;
			}
			if (qs)
				add_question(qs, it->id, it->question, it->file,
				             it->line);
			else {
				if (!header++)
					printf("%s %s\n", sec->id, sec->title);
				printf("  ? %-28s %s\n", it->id, it->question);
			}
		}
		for (size_t p = 0; p < sec->n_plugins; p++) {
			const struct es_plugin_conf *pc =
			    es_config_plugin(cfg, sec->plugins[p]);

			if (!pc || !pc->enabled || !pc->desc)
				continue;
			for (size_t v = 0; v < pc->n_values; v++) {
				const struct es_key *k = pc->values[v].key;
				char id[192];

				if (!es_config_required(pc, &pc->values[v]))
					continue;
				total++;
				if (!es_config_unanswered(pc, k->name)) {
					answered++;
					continue;
				}
				snprintf(id, sizeof(id), "%s.%s", pc->name,
				         k->name);
				if (qs)
					add_question(qs, id, k->question,
					             pc->file, pc->line);
				else {
					if (!header++)
						printf("%s %s\n", sec->id,
						       sec->title);
					printf("  ? %-28s %s\n", id,
					       k->question);
				}
			}
		}
	}
	if (doc) {
		cJSON_AddNumberToObject(doc, "elements", (double)total);
		cJSON_AddNumberToObject(doc, "answered", (double)answered);
		print_and_free(doc);
	} else {
		printf(
		    "%s%zu of %zu elements needed before start are answered.\n",
		    answered < total ? "\n" : "", answered, total);
	}
	return answered < total ? ES_EXIT_PENDING : ES_EXIT_OK;
}
