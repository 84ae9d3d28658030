/* Private to the mock host's files (mock_host.c, mock_host_mail.c,
 * mock_templates.c); not part of the SDK. */
#ifndef ENVSETUP_MOCK_HOST_INTERNAL_H
#define ENVSETUP_MOCK_HOST_INTERNAL_H

#include <stdio.h>

#include "envsetup/host.h"

/* The mail sub-table (mock_host_mail.c) and its reset. */
extern const struct es_mail_api mock_mail_api;
void mock_mail_forget(void);

/* The templates sub-table (mock_templates.c) and its reset. */
extern const struct es_templates_api mock_templates_api;
void mock_templates_reset(void);

#endif
