/*
 * The New Relic NerdGraph fake, shared by fake_newrelic.c (routing,
 * API-Key, injected errors, entities, keys), fake_newrelic_users.c (the
 * organisation and its users) and fake_newrelic_alerts.c (policies,
 * conditions, destinations, channels, workflows).
 */
#ifndef ENVSETUP_SANDBOX_FAKE_NEWRELIC_H
#define ENVSETUP_SANDBOX_FAKE_NEWRELIC_H

#include "sandbox.h"

#define NR "newrelic"

/* {"data": data} with HTTP 200 (data transfer full). */
void nr_answer(struct sb_response *resp, cJSON *data);
/* NerdGraph's error in a 200: {"data": null, "errors": [{"message",
 * "extensions": {"errorClass"}}]}. */
void nr_error(struct sb_response *resp, const char *cls, const char *text);
/* {k1: {k2: ... {kn: leaf}}} for path "k1.k2...kn" (leaf transfer
 * full). */
cJSON *nr_nest(cJSON *leaf, const char *path);
/* String variable `name` (nullable), and the account check: 1 when the
 * variable accountId is the sandbox's account, else the error is sent. */
const char *nr_var(const cJSON *vars, const char *name);
int nr_account_ok(const cJSON *vars, struct sb_response *resp);
/* Copy of attrs member `name` (a string, number or bool; null if none). */
cJSON *nr_attr(const cJSON *attrs, const char *name);

const char *nr_env_or(const char *name, const char *fallback);
long nr_account_id(void); /* SANDBOX_NEWRELIC_ACCOUNT_ID */

static inline const cJSON *nr_member(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

/* fake_newrelic_users.c: the seeded organisation, and one function per
 * operation. */
void nr_seed(void);
void nr_whoami(const cJSON *vars, struct sb_response *resp);
void nr_auth_domains(const cJSON *vars, struct sb_response *resp);
void nr_find_user(const cJSON *vars, struct sb_response *resp);
void nr_find_group(const cJSON *vars, struct sb_response *resp);
void nr_create_user(const cJSON *vars, struct sb_response *resp);
void nr_add_to_groups(const cJSON *vars, struct sb_response *resp);
void nr_delete_user(const cJSON *vars, struct sb_response *resp);

/* fake_newrelic_alerts.c: 1 when it answered operation `op`. */
int nr_alerts_handle(const char *op, const cJSON *vars,
                     struct sb_response *resp);

#endif
