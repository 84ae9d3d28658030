/*
 * What status shows of the checklist, shared by status and report so both
 * say and count the same thing: an item's state as the state records it
 * (a manual gate never done: waiting for a person), counts per section,
 * and long output values as a one-line summary.
 */
#ifndef ENVSETUP_CORE_STATUS_VIEW_H
#define ENVSETUP_CORE_STATUS_VIEW_H

#include <stddef.h>

#include "run.h"

/* The node's state; *text (transfer full, nullable) the recorded message,
 * or the gate's question when it waits for a person. */
enum es_task_state es_status_of(struct es_run *run, const struct es_node *n,
                                char **text);

/* The items of one section by state, as status shows them. In progress,
 * removed and kept count as pending: none of them is done. */
struct es_status_counts {
	int done, waiting, blocked, failed, pending;
};
void es_status_count(struct es_run *run, const struct es_section *sec,
                     struct es_status_counts *counts);

/* Values longer than this, or of several lines, are summarised: a
 * certificate or a list of records would bury the checklist. */
#define ES_OUTPUT_INLINE_MAX 80
int es_output_is_long(const char *value);
/* One line saying what a long value is: "(PEM CERTIFICATE, 22 lines)",
 * "(JSON list of 4 items)", or its start and length. */
void es_output_summarise(const char *value, char *buf, size_t size);

#endif
