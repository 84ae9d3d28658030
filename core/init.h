/*
 * `envsetup init`: a new customer file from a shared checklist (init.c).
 */
#ifndef ENVSETUP_CORE_INIT_H
#define ENVSETUP_CORE_INIT_H

/* The checklist init uses without --checklist: $ENVSETUP_CHECKLIST, else
 * share/envsetup/checklists/enterprise.cfg beside the installed program,
 * else the source tree's etc/checklists/enterprise.cfg (malloc'd). */
char *es_checklist_default(void);

/* Write CUSTOMER_ID.cfg in the current directory: checklist_file naming
 * `checklist` (relative to that directory), every question as a
 * commented answer, each plugin of the checklist with its required keys
 * as commented placeholders (their descriptors from `plugin_dir`). Never
 * overwrites. Returns an exit code (0, 1 invalid input, 5 a plugin). */
int es_init_customer(const char *customer_id, const char *checklist,
                     const char *plugin_dir);

#endif
