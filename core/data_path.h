/*
 * envsetup's shared data (the checklist, platform mappings): where a file
 * of it is, installed or in the source tree a build runs from.
 */
#ifndef ENVSETUP_CORE_DATA_PATH_H
#define ENVSETUP_CORE_DATA_PATH_H

/* `relative` ("checklists/enterprise.cfg") under share/envsetup beside the
 * installed program when it is there, else under the source tree's etc/
 * (malloc'd, NULL when out of memory). */
char *es_data_path(const char *relative);

#endif
