/* Descriptor claims to be smaller than ABI 2.0's: refused. */
#include "fixture.h"
FIXTURE_PLUGIN("small-struct", .struct_size = 16)
