/* A task needs a key the schema does not declare: refused. */
#include "fixture.h"

static const struct es_task need_tasks[] = {
    ES_TASK(.id = "task", .title = "Task", .section = "0", .run = fixture_noop,
            .needs = ES_LIST("no_such_key")),
    ES_TASKS_END,
};

FIXTURE_PLUGIN("undeclared-need", .tasks = need_tasks)
