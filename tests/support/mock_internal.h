/* Private to the mock host's files (mock_host.c, mock_templates.c). */
#ifndef ENVSETUP_MOCK_INTERNAL_H
#define ENVSETUP_MOCK_INTERNAL_H

#include "envsetup/host.h"

extern const struct es_templates_api mock_templates_api;
void mock_templates_reset(void);

#endif
