/* Valid: must load. */
#include "fixture.h"
FIXTURE_PLUGIN("good", .max_concurrency = 1)
