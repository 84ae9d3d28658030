/* Descriptor claims to be smaller than ABI 1.0's: refused. */
#include "fixture.h"
FIXTURE_PLUGIN("small-struct", .struct_size = 16)
