/*
 * The smallest valid plugin, for ABI tests. Each fixture_<name>.c defines
 * it with one field overridden to break one rule, e.g.
 *   FIXTURE_PLUGIN("too-new-minor", .abi_minor = ES_ABI_MINOR + 1)
 * Designated initialisers given later override the defaults.
 */
#ifndef ENVSETUP_TEST_FIXTURE_H
#define ENVSETUP_TEST_FIXTURE_H

#include "envsetup/envsetup.h"

#pragma GCC diagnostic ignored "-Woverride-init"

static enum es_status fixture_noop(const struct es_ctx *ctx)
{
	(void)ctx;
	return ES_OK;
}

static const struct es_key fixture_keys[] = {
    ES_KEY(.name = "greeting", .type = ES_TYPE_STRING,
           .question = "What should the fixture say?"),
    ES_KEYS_END,
};

static const struct es_task fixture_tasks[] = {
    ES_TASK(.id = "only_task", .title = "Do nothing", .section = "0",
            .run = fixture_noop),
    ES_TASKS_END,
};

#define FIXTURE_PLUGIN(plugin_name, ...)                                       \
	static const struct es_plugin_descriptor fixture_descriptor = {        \
	    ES_DESCRIPTOR_HEADER, .name = plugin_name,                         \
	    .version = "0.0.1",   .description = "ABI test fixture",           \
	    .keys = fixture_keys, .tasks = fixture_tasks,                      \
	    __VA_ARGS__};                                                      \
	ES_PLUGIN_DEFINE(fixture_descriptor)

#endif
