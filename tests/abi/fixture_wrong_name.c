/* Descriptor name differs from the file name: refused. */
#include "fixture.h"
FIXTURE_PLUGIN("wrong-name", .name = "somebody-else")
