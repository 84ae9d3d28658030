/* Another major ABI: refused. */
#include "fixture.h"
FIXTURE_PLUGIN("bad-major", .abi_major = ES_ABI_MAJOR + 1)
