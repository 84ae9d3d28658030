/* Required callback apply is NULL: refused. */
#include "fixture.h"

static const struct es_plugin_ops no_apply_ops = {
    .struct_size = sizeof(struct es_plugin_ops),
    .create = fixture_create,
    .destroy_instance = fixture_destroy_instance,
    .plan = fixture_noop,
    .verify = fixture_noop,
};

FIXTURE_PLUGIN("missing-callback", .ops = &no_apply_ops)
