/*
 * Internals of the eway plugin, shared by its source files:
 *   eway.c              schema, tasks, outputs, descriptor
 *   eway_api.c          the client for eWAY's Rapid API: the gateway's
 *                       URL, HTTP Basic with the API key and password,
 *                       eWAY's error codes
 *   eway_credentials.c  the credential check and the published outputs
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_EWAY_H
#define ENVSETUP_PLUGIN_EWAY_H

#include "envsetup/envsetup.h"

/* ---- one task call -------------------------------------------------- */

struct ctx {
	const struct es_ctx *x;
	const struct es_host *h;
	es_call *call;
	enum es_phase phase;
	const char *url_key;  /* "api_url" or "sandbox_api_url" */
	struct es_client api; /* {url}/..., Basic api_key:api_password */
};

/* Set up `c` for task call `x`: 0, or -1 with a diagnostic. */
int eway_open(const struct es_ctx *x, struct ctx *c);
const char *eway_cfg(struct ctx *c, const char *key);

/*
 * eWAY answers its own errors with HTTP 200 and a comma-separated
 * "Errors" member ("V6021,V6022"; Rapid "Response and Error Codes").
 * ES_OK when it is absent or empty; S5029 (its "API Rate Limit
 * Exceeded") is ES_RETRY; any other code fails, naming the request
 * `what` and the codes.
 */
enum es_status eway_errors_in_200(struct ctx *c, const struct es_reply *r,
                                  const char *what);

/* ---- tasks: one function serves every phase ------------------------- */

enum es_status eway_verify_credentials(const struct es_ctx *x);

#endif
