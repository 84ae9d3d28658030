/*
 * `envsetup report --format md` (the default): the report document
 * (report.h) as Markdown tables, one per section, then the certificates
 * and the outputs.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "report.h"

/* Table cells: a '|' or a newline would break the Markdown table. */
static void cell(FILE *out, const char *s)
{
	char *clean = es_redact(s ? s : "");

	for (const char *p = clean ? clean : ""; *p; p++) {
		if (*p == '|')
			fputs("\\|", out);
		else if (*p == '\n' || *p == '\r')
			fputc(' ', out);
		else
			fputc(*p, out);
	}
	free(clean);
}

/* `text` as it is, each %s replaced by the next argument through cell(). */
static void md(FILE *out, const char *text, ...)
{
	va_list ap;

	va_start(ap, text);
	es_report_vfill(out, cell, text, ap);
	va_end(ap);
}

static void section(FILE *out, const cJSON *sec, int *waiting)
{
	const cJSON *els = cJSON_GetObjectItem(sec, "elements"), *e, *it;

	md(out, "\n## %s %s\n\n", es_report_str(sec, "id"),
	   es_report_str(sec, "title"));
	if (cJSON_GetArraySize(els)) {
		fputs("| element needed before start | answer |\n|---|---|\n",
		      out);
		cJSON_ArrayForEach(e, els)
		{
			const cJSON *a = cJSON_GetObjectItem(e, "answer");

			md(out, "| %s | %s |\n", es_report_str(e, "question"),
			   a ? a->valuestring : "**unanswered**");
		}
		fputc('\n', out);
	}
	fputs("| task | state | detail |\n|---|---|---|\n", out);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(sec, "items"))
	{
		const char *state = es_report_str(it, "state");

		*waiting += strcmp(state, "waiting") == 0;
		md(out, "| %s (`%s`) | %s | %s", es_report_str(it, "title"),
		   es_report_str(it, "task"), state,
		   es_report_str(it, "message"));
		if (cJSON_GetObjectItem(it, "owner"))
			md(out, " (owner: %s)", es_report_str(it, "owner"));
		if (cJSON_GetObjectItem(it, "confirmed"))
			md(out, " (confirmed by %s)",
			   es_report_str(it, "confirmed"));
		fputs(" |\n", out);
	}
}

void es_report_markdown(const cJSON *doc, FILE *out)
{
	const cJSON *s, *c, *o;
	int waiting = 0;

	md(out,
	   "# Enterprise environment: %s, %s\n\nReport made by envsetup "
	   "%s on %s.\n",
	   es_report_str(doc, "customer_name"),
	   es_report_str(doc, "environment"),
	   es_report_str(doc, "envsetup_version"),
	   es_report_str(doc, "generated_at"));
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(doc, "sections"))
	    section(out, s, &waiting);
	if (cJSON_GetArraySize(cJSON_GetObjectItem(doc, "certificates")))
		fputs("\n## Certificates\n\n| domain | expires | days left "
		      "|\n|---|---|---|\n",
		      out);
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "certificates"))
	{
		md(out, "| %s | %s | ", es_report_str(c, "domain"),
		   es_report_str(c, "expires_at"));
		if (cJSON_GetObjectItem(c, "days_left"))
			fprintf(out, "%.0f", es_report_num(c, "days_left"));
		fputs(" |\n", out);
	}
	fputs("\n## Outputs\n\n| plugin | name | value |\n|---|---|---|\n",
	      out);
	cJSON_ArrayForEach(o, cJSON_GetObjectItem(doc, "outputs"))
	    md(out, "| %s | %s | %s |\n", es_report_str(o, "plugin"),
	       es_report_str(o, "name"), es_report_output_shown(o));
	fprintf(out, "\n%d item%s wait for a person.\n", waiting,
	        waiting == 1 ? "" : "s");
}
