/* Valid: must load. */
#include "fixture.h"
FIXTURE_PLUGIN("good", .flags = 0)
