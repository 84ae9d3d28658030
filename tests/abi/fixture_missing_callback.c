/* A task with no function: refused. */
#include "fixture.h"

static const struct es_task no_run_tasks[] = {
    ES_TASK(.id = "only_task", .title = "Do nothing", .section = "0"),
    ES_TASKS_END,
};

FIXTURE_PLUGIN("missing-callback", .tasks = no_run_tasks)
