/*
 * The SparkPost fake's parts (fake_sparkpost.c and the webhook target
 * client fake_sparkpost_target.c), private to the sandbox.
 */
#ifndef ENVSETUP_SANDBOX_FAKE_SPARKPOST_H
#define ENVSETUP_SANDBOX_FAKE_SPARKPOST_H

#include <stddef.h>

#include "sandbox.h"

#define SPF_PROVIDER "sparkpost"

/* SparkPost's error shape {"errors": [{message, code, description}]}
 * (code and description nullable). */
void spf_error(struct sb_response *resp, int status, const char *code,
               const char *message, const char *description);
void spf_not_found(struct sb_response *resp, const char *what); /* 1600 */
void spf_conflict(struct sb_response *resp, const char *what);  /* 1602 */
void spf_missing(struct sb_response *resp, const char *what);   /* 1400 */
/* {"results": v}, v transfer full. */
void spf_results(struct sb_response *resp, int status, cJSON *v);
const char *spf_str(const cJSON *o, const char *name);
void spf_now(char *buf, size_t len); /* "2026-12-06T22:00:00+00:00" */

/* fake_sparkpost_content.c: /templates and /webhooks, `rest` the path
 * after them ("" or "/id..."), `in` the JSON body (nullable). */
void spf_templates(const struct sb_request *req, const char *rest,
                   const cJSON *in, struct sb_response *resp);
void spf_webhooks(const struct sb_request *req, const char *rest,
                  const cJSON *in, struct sb_response *resp);

/* POST a sample batch to webhook target `url` (loopback only): 0 when it
 * answered 200, else -1 with why in `why`. */
int sp_target_post(const char *url, char *why, size_t size);

#endif
