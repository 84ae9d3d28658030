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

struct fixture {
	const struct es_host *host;
};

static struct fixture fixture_instance;

static enum es_status fixture_create(const struct es_host *host, es_call *call,
                                     void **state)
{
	(void)call;
	fixture_instance.host = host;
	*state = &fixture_instance;
	return ES_OK;
}

static void fixture_destroy_instance(void *state)
{
	(void)state;
}

static enum es_status fixture_noop(es_call *call, void *state,
                                   const char *task_id)
{
	(void)call;
	(void)state;
	(void)task_id;
	return ES_OK;
}

static const struct es_plugin_ops fixture_ops = {
    .struct_size = sizeof(struct es_plugin_ops),
    .create = fixture_create,
    .destroy_instance = fixture_destroy_instance,
    .plan = fixture_noop,
    .apply = fixture_noop,
    .verify = fixture_noop,
};

static const struct es_key fixture_keys[] = {
    ES_KEY(.name = "greeting", .type = ES_TYPE_STRING,
           .question = "What should the fixture say?"),
    ES_KEYS_END,
};

static const struct es_task fixture_tasks[] = {
    ES_TASK(.id = "only_task", .title = "Do nothing", .section = "0"),
    ES_TASKS_END,
};

#define FIXTURE_PLUGIN(plugin_name, ...)                                       \
	static const struct es_plugin_descriptor fixture_descriptor = {        \
	    ES_DESCRIPTOR_HEADER, .name = plugin_name,                         \
	    .version = "0.0.1",   .description = "ABI test fixture",           \
	    .keys = fixture_keys, .tasks = fixture_tasks,                      \
	    .ops = &fixture_ops,  __VA_ARGS__};                                \
	ES_PLUGIN_DEFINE(fixture_descriptor)

#endif
