/* Loads, but its tasks depend on each other: a run refuses the graph. */
#include "fixture.h"

static const struct es_task cycle_tasks[] = {
    ES_TASK(.id = "first", .title = "First", .section = "0",
            .run = fixture_noop, .depends_on = ES_LIST("second")),
    ES_TASK(.id = "second", .title = "Second", .section = "0",
            .run = fixture_noop, .depends_on = ES_LIST("first")),
    ES_TASKS_END,
};

FIXTURE_PLUGIN("cycle", .tasks = cycle_tasks)
