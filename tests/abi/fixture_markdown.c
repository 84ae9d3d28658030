/*
 * Valid: loads. Its strings hold what a Markdown table must not take as
 * written (pipes, newlines, HTML, emphasis, backticks), so the docs check
 * (tests/docs_check.sh) can compare `plugins describe markdown --markdown`
 * with tests/data/docs/markdown.md.
 */
#include "fixture.h"

static const struct es_key markdown_keys[] = {
    ES_KEY(.name = "mode", .type = ES_TYPE_ENUM, .default_value = "create",
           .allowed = ES_LIST("create", "adopt", "a|b"),
           .question = "Create | adopt?"),
    ES_KEY(.name = "host", .type = ES_TYPE_STRING, .flags = ES_KEY_PER_ENV,
           .format = ES_FORMAT_HOSTNAME, .required_when = "mode=adopt",
           .question = "Which host?\nSecond line, <b>not bold</b> & "
                       "*not emphasis* _nor this_ [not a link](x) $math$",
           .example = "a|b.example"),
    ES_KEY(.name = "tag", .type = ES_TYPE_STRING, .default_value = "`tick`",
           .pattern = "^(`tick`|x\\|y)$",
           .question = "Keeps `code | spans`, escapes ``unmatched ones and "
                       "a\\backslash, keeps snake_case"),
    ES_KEY(.name = "count", .type = ES_TYPE_INT, .flags = ES_KEY_MIN, .min = 1,
           .default_value = "2", .question = "At least one?"),
    ES_KEY(.name = "limit", .type = ES_TYPE_INT, .flags = ES_KEY_MAX, .max = 10,
           .question = "At most ten?"),
    ES_KEY(.name = "token", .type = ES_TYPE_STRING,
           .flags = ES_KEY_REQUIRED | ES_KEY_SECRET, .default_value = "",
           .question = "A secret", .example = "env:TOKEN"),
    ES_KEYS_END,
};

static const struct es_task markdown_tasks[] = {
    ES_TASK(.id = "first", .title = "First | one", .section = "2.1",
            .needs = ES_LIST("mode", "host"), .flags = ES_TASK_MUTATING,
            .run = fixture_noop),
    ES_TASK(.id = "ask", .title = "Ask", .section = "2.1",
            .depends_on = ES_LIST("first", "aws:create_account"),
            .flags = ES_TASK_MANUAL, .question = "Done?\nSay | yes"),
    ES_TASK(.id = "wait", .title = "Wait", .section = "1",
            .depends_on = ES_LIST("first"),
            .flags = ES_TASK_MUTATING | ES_TASK_LONG_RUNNING,
            .run = fixture_noop),
    ES_TASK(.id = "wait_longer", .title = "Wait longer", .section = "2.1",
            .flags = ES_TASK_LONG_RUNNING, .timeout_s = 5400,
            .run = fixture_noop),
    ES_TASK(.id = "wait_odd", .title = "Wait 90 s", .section = "3",
            .flags = ES_TASK_LONG_RUNNING, .timeout_s = 90,
            .run = fixture_noop),
    ES_TASKS_END,
};

static const struct es_output markdown_outputs[] = {
    ES_OUTPUT(.name = "records", .type = ES_OUTPUT_RECORDS,
              .flags = ES_OUTPUT_SECRET | ES_OUTPUT_PER_ITEM, .task = "first",
              .description = "Records | pipes\nand <b>not bold</b>"),
    ES_OUTPUT(.name = "plain", .type = ES_OUTPUT_STRING, .task = "wait",
              .description = "A `code` span"),
    ES_OUTPUTS_END,
};

FIXTURE_PLUGIN("markdown", .keys = markdown_keys, .tasks = markdown_tasks,
               .description = "1. Not a list | a pipe\nand a second line",
               .outputs = markdown_outputs, .max_concurrency = 3,
               .rate_limit_per_min = 120)
