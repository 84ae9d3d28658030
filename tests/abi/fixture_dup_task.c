/* Two tasks with the same id: refused. */
#include "fixture.h"

static const struct es_task dup_tasks[] = {
    ES_TASK(.id = "same", .title = "First", .section = "0",
            .run = fixture_noop),
    ES_TASK(.id = "same", .title = "Second", .section = "0",
            .run = fixture_noop),
    ES_TASKS_END,
};

FIXTURE_PLUGIN("dup-task", .tasks = dup_tasks)
