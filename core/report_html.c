/*
 * `envsetup report --format html`: the report document (report.h) as one
 * self-contained page: inline CSS (with a print layout), inline SVG
 * pictures made here (report_svg.c), no script and no external asset, so
 * the file can be mailed, archived or printed as it is. Every text passes
 * through es_redact() and is escaped.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "report.h"

static const char style[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe "
    "UI',sans-serif;color:#1d2330;margin:2em auto;max-width:1100px;"
    "padding:0 1em}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;"
    "border-bottom:2px solid #d5dae3;padding-bottom:.2em}\n"
    "h3{margin:1.2em 0 .4em}.meta{color:#5a6475}\n"
    "table{border-collapse:collapse;width:100%;margin:.4em 0 1em}\n"
    "th,td{border:1px solid #d5dae3;padding:.3em .5em;text-align:left;"
    "vertical-align:top}th{background:#f2f4f8}\n"
    "code{font-size:.9em;color:#3b4456}\n"
    ".state{display:inline-block;padding:0 .5em;border-radius:.7em;"
    "font-size:.85em;font-weight:600;white-space:nowrap}\n"
    ".state-done{background:#d9f2e1;color:#17613a}"
    ".state-waiting{background:#fff0c7;color:#7a5600}"
    ".state-blocked{background:#e8e1f5;color:#4b3380}"
    ".state-failed{background:#fbdcdc;color:#8c1d1d}"
    ".state-pending,.state-in_progress,.state-removed,.state-kept"
    "{background:#e6e9ef;color:#3b4456}\n"
    ".unanswered{color:#8c1d1d;font-weight:600}svg{max-width:100%;"
    "height:auto}\n"
    "@media print{body{margin:0;max-width:none;font-size:11px}"
    "section,table,svg{break-inside:avoid}h2{break-after:avoid}"
    "th{background:none}a{color:inherit}}\n";

void es_report_html_text(FILE *out, const char *s)
{
	static const char specials[] = "&<>\"'";
	static const char *const entities[] = {"&amp;", "&lt;", "&gt;",
	                                       "&quot;", "&#39;"};
	char *clean = es_redact(s ? s : "");

	for (const char *p = clean ? clean : ""; *p; p++) {
		const char *special = strchr(specials, *p);

		if (special)
			fputs(entities[special - specials], out);
		else
			fputc(*p, out);
	}
	free(clean);
}

void es_report_markup(FILE *out, const char *markup, ...)
{
	va_list ap;

	va_start(ap, markup);
	es_report_vfill(out, es_report_html_text, markup, ap);
	va_end(ap);
}

static void elements(FILE *out, const cJSON *els)
{
	const cJSON *e;

	if (!cJSON_GetArraySize(els))
		return;
	fputs("<h3>Elements needed before start</h3>\n<table class="
	      "\"elements\"><tr><th>question</th><th>answer</th></tr>\n",
	      out);
	cJSON_ArrayForEach(e, els)
	{
		es_report_markup(out, "<tr><td>%s</td><td>",
		                 es_report_str(e, "question"));
		if (cJSON_GetObjectItem(e, "answer"))
			es_report_markup(out, "%s", es_report_str(e, "answer"));
		else
			fputs("<span class=\"unanswered\">unanswered</span>",
			      out);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void items(FILE *out, const cJSON *list)
{
	const cJSON *it;

	fputs("<h3>Tasks to accomplish</h3>\n<table class=\"items\"><tr><th>"
	      "item</th><th>state</th><th>detail</th><th>owner</th><th>"
	      "confirmed by</th></tr>\n",
	      out);
	cJSON_ArrayForEach(it, list)
	{
		const char *task = es_report_str(it, "task"),
		           *state = es_report_str(it, "state");

		es_report_markup(
		    out,
		    "<tr data-task=\"%s\"><td>%s<br><code>%s</code></td>"
		    "<td><span class=\"state state-%s\">%s</span></td>"
		    "<td>%s</td><td>%s</td><td>%s</td></tr>\n",
		    task, es_report_str(it, "title"), task, state, state,
		    es_report_str(it, "message"), es_report_str(it, "owner"),
		    es_report_str(it, "confirmed"));
	}
	fputs("</table>\n", out);
}

static void sections(FILE *out, const cJSON *list)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, list)
	{
		const char *id = es_report_str(s, "id");

		es_report_markup(out,
		                 "<section class=\"checklist-section\" "
		                 "data-section=\"%s\">\n<h2>%s %s</h2>\n",
		                 id, id, es_report_str(s, "title"));
		elements(out, cJSON_GetObjectItem(s, "elements"));
		items(out, cJSON_GetObjectItem(s, "items"));
		fputs("</section>\n", out);
	}
}

/* Every element without an answer, with its section: what to ask for. */
static void unanswered(FILE *out, const cJSON *list)
{
	const cJSON *s, *e;
	int n = 0;

	fputs("<section id=\"unanswered\">\n<h2>Questions still "
	      "unanswered</h2>\n<ul>\n",
	      out);
	cJSON_ArrayForEach(s, list)
	{
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(s, "elements"))
		{
			if (cJSON_GetObjectItem(e, "answer"))
				continue;
			n++;
			es_report_markup(out, "<li>%s: %s</li>\n",
			                 es_report_str(s, "id"),
			                 es_report_str(e, "question"));
		}
	}
	fprintf(out, "</ul>\n%s</section>\n",
	        n ? "" : "<p>None: every element is answered.</p>\n");
}

static void certificates(FILE *out, const cJSON *list)
{
	const cJSON *c;

	if (!cJSON_GetArraySize(list))
		return;
	fputs("<section id=\"certificates\">\n<h2>Certificates</h2>\n<table>"
	      "<tr><th>domain</th><th>expires</th><th>days left</th></tr>\n",
	      out);
	cJSON_ArrayForEach(c, list)
	{
		es_report_markup(out, "<tr><td>%s</td><td>%s</td><td>",
		                 es_report_str(c, "domain"),
		                 es_report_str(c, "expires_at"));
		if (cJSON_GetObjectItem(c, "days_left"))
			fprintf(out, "%.0f", es_report_num(c, "days_left"));
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n</section>\n", out);
}

static void outputs(FILE *out, const cJSON *list)
{
	const cJSON *o;

	fputs("<section id=\"outputs\">\n<h2>Outputs</h2>\n<table><tr><th>"
	      "plugin</th><th>name</th><th>value</th></tr>\n",
	      out);
	cJSON_ArrayForEach(o, list) es_report_markup(
	    out,
	    "<tr><td>%s</td><td><code>%s</code></td><td>%s"
	    "</td></tr>\n",
	    es_report_str(o, "plugin"), es_report_str(o, "name"),
	    es_report_output_shown(o));
	fputs("</table>\n</section>\n", out);
}

void es_report_html(const cJSON *doc, FILE *out)
{
	const cJSON *secs = cJSON_GetObjectItem(doc, "sections");
	const char *who = es_report_str(doc, "customer_name"),
	           *env = es_report_str(doc, "environment");

	es_report_markup(out,
	                 "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	                 "<meta charset=\"utf-8\">\n<title>Enterprise "
	                 "environment: %s, %s</title>\n<style>\n",
	                 who, env);
	fputs(style, out);
	es_report_markup(out,
	                 "</style>\n</head>\n<body>\n<h1>Enterprise "
	                 "environment: %s, %s</h1>\n<p class=\"meta\">Report "
	                 "made by envsetup %s on %s.</p>\n<section "
	                 "id=\"progress\">\n<h2>Progress by section</h2>\n",
	                 who, env, es_report_str(doc, "envsetup_version"),
	                 es_report_str(doc, "generated_at"));
	es_report_svg_progress(secs, out);
	fputs("</section>\n<section id=\"timeline\">\n<h2>Last "
	      "apply</h2>\n",
	      out);
	es_report_svg_timeline(cJSON_GetObjectItem(doc, "last_apply"), out);
	fputs("</section>\n", out);
	unanswered(out, secs);
	sections(out, secs);
	certificates(out, cJSON_GetObjectItem(doc, "certificates"));
	outputs(out, cJSON_GetObjectItem(doc, "outputs"));
	fputs("</body>\n</html>\n", out);
}
