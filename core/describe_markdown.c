/*
 * `plugins describe NAME --markdown` (describe.h): docs/plugins/<name>.md.
 * A Markdown reference made from the descriptor alone, the same bytes on
 * every machine (no date, no path), so CI can diff it against the checked-in
 * docs/plugins/<name>.md (tests/docs_check.sh). Descriptor strings are plain
 * text and are escaped to render as written, except that `code spans` in
 * them are kept. Every line of a table is one row: newlines become <br> and
 * `|` is escaped everywhere, code spans included (GFM splits cells first).
 */
#include <stdio.h>
#include <string.h>

#include "describe.h"

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
		fprintf(out, " | %s | ", es_key_type_name(k->type));
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
	                                ES_TASK_LONG_RUNNING, ES_TASK_TEARDOWN};
	static const char *const words[] = {"mutating", "manual",
	                                    "long-running", "teardown"};

	if (!md_heading(out, "Tasks", p->n_tasks,
	                "The plugin declares no tasks."))
		return;
	fprintf(
	    out,
	    "In the order they run within the plugin, each after its "
	    "dependencies (`plugin:task` is another plugin's). "
	    "*mutating*: changes something at the provider; *manual*: a "
	    "person's task, which waits for `envsetup confirm CUSTOMER.cfg "
	    "%s:TASK --by NAME --env ENV`; *long-running*: polled until "
	    "done, or failed after its timeout; *teardown*: `envsetup destroy` "
	    "removes what it made.\n\n",
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
		md_flags(out, t->flags, bits, words, 4);
		fputs(" | ", out);
		if (t->flags & ES_TASK_LONG_RUNNING)
			md_timeout(out, t->timeout_s);
		fputs(" | ", out);
		md_text(out, t->question);
		fputs(" |\n", out);
	}
}

static void md_outputs(FILE *out, const struct es_plugin *p)
{
	static const uint32_t bits[] = {ES_OUTPUT_SECRET, ES_OUTPUT_PER_ITEM};
	static const char *const words[] = {"secret", "one per item"};

	if (!md_heading(out, "Outputs", p->n_outputs,
	                "The descriptor declares no outputs."))
		return;
	fprintf(
	    out,
	    "What the plugin publishes, shown by `envsetup status` and read "
	    "by other plugins as `${%s.NAME}`. *secret*: kept in the 0600 "
	    "secrets file and masked; *one per item*: published as "
	    "`NAME:ITEM`.\n\n",
	    p->desc->name);
	md_table_head(out, ES_LIST("output", "type", "flags", "published by",
	                           "what it is"));
	for (size_t i = 0; i < p->n_outputs; i++) {
		const struct es_output *o = p->outputs[i];

		fputs("| ", out);
		md_code(out, o->name);
		fputs(" | ", out);
		md_text(out, es_output_type_name(o->type));
		fputs(" | ", out);
		md_flags(out, o->flags, bits, words, 2);
		fputs(" | ", out);
		md_code(out, o->task);
		fputs(" | ", out);
		md_text(out, o->description);
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

void es_describe_markdown(FILE *out, const struct es_plugin *p)
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
	        "The descriptor does not declare the API calls or the design: "
	        "the plugin's README has them (`plugins/%s/README.md` in "
	        "envsetup's tree).\n",
	        d->name);
	md_keys(out, p);
	md_tasks(out, p);
	md_outputs(out, p);
}
