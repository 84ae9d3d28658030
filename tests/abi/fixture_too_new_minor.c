/* Built against a newer minor than the core knows: refused. */
#include "fixture.h"
FIXTURE_PLUGIN("too-new-minor", .abi_minor = ES_ABI_MINOR + 1)
