/*
 * The Sumo Logic fake's shared parts: fake_sumologic.c (auth, the rate
 * limit, errors, routing, users, roles, monitors) and
 * fake_sumologic_collectors.c (the Collector Management API: hosted
 * collectors and their sources).
 */
#ifndef ENVSETUP_FAKE_SUMOLOGIC_H
#define ENVSETUP_FAKE_SUMOLOGIC_H

#include "sandbox.h"

#define P "sumologic"

/* The environment variable's value, or `def` when unset or empty. */
const char *sf_env_or(const char *name, const char *def);
/* String member `name` of `o` (nullable). */
const char *sf_str(const cJSON *o, const char *name);
/* Sumo's ErrorResponse {"id", "errors": [{"code", "message"}]}. */
void sf_error(struct sb_response *resp, int status, const char *code,
              const char *message);
void sf_not_found(struct sb_response *resp);
/* /v1/collectors... */
void sf_collectors(const struct sb_request *req, struct sb_response *resp);

#endif
