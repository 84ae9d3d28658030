/*
 * Private to the Mailgun fake: fake_mailgun.c routes every DELETE to
 * fake_mailgun_delete.c, which removes what envsetup destroy asks for.
 */
#ifndef ENVSETUP_SANDBOX_FAKE_MAILGUN_H
#define ENVSETUP_SANDBOX_FAKE_MAILGUN_H

#include "sandbox.h"

/* DELETE of the path split into `seg` (n segments), credentials checked. */
void fake_mailgun_delete(char *const *seg, int n, struct sb_response *resp);

#endif
