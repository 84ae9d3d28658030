/*
 * The HTML report's pictures, drawn here as inline SVG so the page stays
 * one file: the checklist's progress per section (a stacked bar of the
 * status counts) and the last apply's timeline (a bar per task from its
 * start to its end, the time it slept waiting marked at its end).
 */
#include <string.h>

#include "report.h"

#define WIDTH 1000
#define LABEL_W 300
#define PLOT_W 600

static const char *const state_colours[5] = {"#2e9d5b", "#e0a800", "#7b5cc4",
                                             "#d23c3c", "#aab3c2"};

static const char *colour_of(const char *state)
{
	for (size_t i = 0; i < 5; i++)
		if (strcmp(state, es_report_states[i]) == 0)
			return state_colours[i];
	return state_colours[4];
}

static void legend(FILE *out)
{
	for (size_t i = 0; i < 5; i++)
		fprintf(out,
		        "<rect x=\"%zu\" y=\"4\" width=\"12\" height=\"12\" "
		        "fill=\"%s\"/><text x=\"%zu\" y=\"15\">%s</text>\n",
		        LABEL_W + i * 110, state_colours[i],
		        LABEL_W + i * 110 + 16, es_report_states[i]);
}

/* A label cut to fit its column: long titles would run into the bars. */
static void label(FILE *out, double y, const char *a, const char *b)
{
	char text[160];

	snprintf(text, sizeof(text), "%s%s%s", a, *b ? " " : "", b);
	if (strlen(text) > 44)
		strcpy(text + 41, "...");
	fprintf(out, "<text x=\"0\" y=\"%.1f\">", y);
	es_report_html_text(out, text);
	fputs("</text>", out);
}

void es_report_svg_progress(const cJSON *sections, FILE *out)
{
	int rows = cJSON_GetArraySize(sections), row = 0;
	const cJSON *s;

	fprintf(out,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	        "id=\"progress-chart\" width=\"%d\" height=\"%d\" "
	        "viewBox=\"0 0 %d %d\" role=\"img\" font-size=\"13\" "
	        "font-family=\"sans-serif\">\n<title>Checklist progress per "
	        "section: items done, waiting for a person, blocked, failed "
	        "and pending</title>\n",
	        WIDTH, 30 + rows * 26, WIDTH, 30 + rows * 26);
	legend(out);
	cJSON_ArrayForEach(s, sections)
	{
		const cJSON *counts = cJSON_GetObjectItem(s, "counts");
		double y = 28 + row++ * 26, x = LABEL_W, total = 0;

		for (size_t i = 0; i < 5; i++)
			total += es_report_num(counts, es_report_states[i]);
		fputs("<g class=\"section-bar\" data-section=\"", out);
		es_report_html_text(out, es_report_str(s, "id"));
		fputs("\">", out);
		label(out, y + 14, es_report_str(s, "id"),
		      es_report_str(s, "title"));
		fprintf(out,
		        "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"18\" "
		        "fill=\"none\" stroke=\"#d5dae3\"/>",
		        LABEL_W, y, PLOT_W);
		for (size_t i = 0; i < 5 && total > 0; i++) {
			double n = es_report_num(counts, es_report_states[i]),
			       w = n / total * PLOT_W;

			if (n <= 0)
				continue;
			fprintf(out,
			        "<rect class=\"bar-%s\" x=\"%.1f\" y=\"%.1f\" "
			        "width=\"%.1f\" height=\"18\" fill=\"%s\">"
			        "<title>%s: %.0f</title></rect>",
			        es_report_states[i], x, y, w, state_colours[i],
			        es_report_states[i], n);
			x += w;
		}
		fprintf(out,
		        "<text x=\"%d\" y=\"%.1f\">%.0f of %.0f done</text>"
		        "</g>\n",
		        LABEL_W + PLOT_W + 10, y + 14,
		        es_report_num(counts, "done"), total);
	}
	fputs("</svg>\n", out);
}

static void axis(FILE *out, double duration, int height)
{
	for (int i = 0; i <= 4; i++) {
		double x = LABEL_W + PLOT_W * i / 4.0;

		fprintf(out,
		        "<line x1=\"%.1f\" y1=\"22\" x2=\"%.1f\" y2=\"%d\" "
		        "stroke=\"#e6e9ef\"/><text x=\"%.1f\" y=\"16\" "
		        "text-anchor=\"middle\">+%.*fs</text>\n",
		        x, x, height, x, duration < 10 ? 2 : 0,
		        duration * i / 4.0);
	}
}

/* A lighter stretch over a bar: the task slept from `from` to `to`
 * (seconds since the apply started). */
static void wait_rect(FILE *out, double from, double to, double duration,
                      double y)
{
	double x = LABEL_W + from / duration * PLOT_W,
	       w = (to - from) / duration * PLOT_W;

	fprintf(out,
	        "<rect class=\"wait\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
	        "height=\"14\" fill=\"#ffffff\" fill-opacity=\"0.55\">"
	        "<title>waited %.3fs</title></rect>",
	        x, y, w < 1 ? 1 : w, to - from);
}

/* Each recorded wait, cut to the bar (a wait planned past the task's end
 * ended with it). */
static void waits_at(FILE *out, const cJSON *waits, double start, double end,
                     double duration, double y)
{
	const cJSON *w;

	cJSON_ArrayForEach(w, waits)
	{
		const cJSON *f = cJSON_GetArrayItem(w, 0),
		            *t = cJSON_GetArrayItem(w, 1);
		double from, to;

		if (!cJSON_IsNumber(f) || !cJSON_IsNumber(t))
			continue;
		from = f->valuedouble;
		to = t->valuedouble;
		if (from < start)
			from = start;
		if (to > end)
			to = end;
		if (to > from)
			wait_rect(out, from, to, duration, y);
	}
}

void es_report_svg_timeline(const cJSON *apply, FILE *out)
{
	const cJSON *tasks = cJSON_GetObjectItem(apply, "tasks"), *t;
	int rows = cJSON_GetArraySize(tasks), row = 0, height;
	double duration = es_report_num(apply, "duration_s");

	if (!cJSON_IsObject(apply) || !rows) {
		fputs("<p>No apply recorded yet (or only by an envsetup "
		      "older than the timeline).</p>\n",
		      out);
		return;
	}
	if (duration < 0.001)
		duration = 0.001;
	height = 28 + rows * 20;
	fputs("<p class=\"meta\">Started ", out);
	es_report_html_text(out, es_report_str(apply, "started_at"));
	fprintf(out,
	        "; %d task%s; %.2f s in all. The lighter stretches of a "
	        "bar are time spent waiting (polls, retries).</p>\n",
	        rows, rows == 1 ? "" : "s", duration);
	fprintf(out,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	        "id=\"timeline-chart\" width=\"%d\" height=\"%d\" "
	        "viewBox=\"0 0 %d %d\" role=\"img\" font-size=\"12\" "
	        "font-family=\"sans-serif\">\n<title>Timeline of the last "
	        "apply: each task's start, end and waits</title>\n",
	        WIDTH, height, WIDTH, height);
	axis(out, duration, height);
	cJSON_ArrayForEach(t, tasks)
	{
		double y = 26 + row++ * 20, start = es_report_num(t, "start_s"),
		       end = es_report_num(t, "end_s"),
		       waited = es_report_num(t, "waited_s");
		double x = LABEL_W + start / duration * PLOT_W,
		       w = (end - start) / duration * PLOT_W;
		const char *state = es_report_str(t, "state");

		if (w < 2)
			w = 2; /* a task of a millisecond still shows */
		fputs("<g class=\"task-bar\" data-task=\"", out);
		es_report_html_text(out, es_report_str(t, "task"));
		fputs("\">", out);
		label(out, y + 12, es_report_str(t, "task"), "");
		fprintf(out,
		        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		        "height=\"14\" fill=\"%s\"><title>",
		        x, y, w, colour_of(state));
		es_report_html_text(out, es_report_str(t, "task"));
		fprintf(out,
		        ": %s, +%.3fs to +%.3fs, waited %.3fs</title></rect>",
		        state, start, end, waited);
		if (cJSON_GetArraySize(cJSON_GetObjectItem(t, "waits")) > 0)
			waits_at(out, cJSON_GetObjectItem(t, "waits"), start,
			         end, duration, y);
		else if (waited > 0 && end > start)
			/* Recorded before the waits were: their total, at the
			 * bar's end. */
			wait_rect(
			    out,
			    end - (waited < end - start ? waited : end - start),
			    end, duration, y);
		fputs("</g>\n", out);
	}
	fputs("</svg>\n", out);
}
