/*
 * envsetup plugin ABI version.
 *
 * The core accepts a plugin when the plugin's major equals ES_ABI_MAJOR and
 * the plugin's minor is not above ES_ABI_MINOR. A plugin built against an
 * older minor keeps working: every shared struct starts with struct_size and
 * the core treats fields beyond that size as absent.
 *
 * Minor bump: fields appended at the end of a struct, new optional
 * callbacks, new host sub-tables or functions, new enum values.
 * Major bump: anything removed, reordered or retyped.
 *
 * As SQLite says of its extension table: never reorder, never remove, only
 * append. Each appended block is tagged with the minor that added it.
 */
#ifndef ENVSETUP_VERSION_H
#define ENVSETUP_VERSION_H

#define ES_ABI_MAJOR 1
#define ES_ABI_MINOR 1

/* The envsetup release these headers belong to. */
#define ES_VERSION_STRING "0.1.0"

#endif
