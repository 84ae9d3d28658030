/*
 * envsetup plugin ABI version.
 *
 * The versioning model: a plugin records the ABI it was built against
 * (ES_DESCRIPTOR_HEADER) and the core accepts it when the majors are equal
 * and the plugin's minor is not above the core's. So a plugin only ever
 * meets a core that has every function it was compiled to call: there is
 * no feature detection to write. A plugin built against an older minor
 * keeps working: every shared struct starts with struct_size and the core
 * treats fields beyond that size as absent.
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

/* 2.0: task functions with a phase (es_task.run), optional ops, the
 * provider client (client.h). */
/* 2.1: ES_TYPE_RECORDS keys, es_config_api.get_json, and output
 * references in customer files. */
/* 2.2: the mail host service (es_host.mail: SMTP login check and send),
 * the templates service (es_host.templates) and ES_FORMAT_TEMPLATES_DIR. */
#define ES_ABI_MAJOR 2
#define ES_ABI_MINOR 2

/* The envsetup release these headers belong to. */
#define ES_VERSION_STRING "0.2.0"

#endif
