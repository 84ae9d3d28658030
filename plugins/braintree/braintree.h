/*
 * Internals of the braintree plugin, shared by its source files:
 *   braintree.c           schema, tasks, outputs, descriptor
 *   braintree_api.c       the client for Braintree's GraphQL API: the
 *                         gateway's URL, HTTP Basic with the API keys,
 *                         Braintree-Version, Braintree's error shape
 *   braintree_merchant.c  credentials (ping) and the merchant accounts
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_BRAINTREE_H
#define ENVSETUP_PLUGIN_BRAINTREE_H

#include "envsetup/envsetup.h"

/* The API version every request pins (Braintree-Version), so a change of
 * Braintree's defaults never changes what the plugin reads. */
#define BT_DEFAULT_API_VERSION "2019-01-01"

/* ---- one task call -------------------------------------------------- */

struct ctx {
	const struct es_ctx *x;
	const struct es_host *h;
	es_call *call;
	enum es_phase phase;
	struct es_client api; /* POST {url}/graphql, Basic public:private */
	struct es_http_header version; /* Braintree-Version: api_version */
};

/* Set up `c` for task call `x`: 0, or -1 with a diagnostic. */
int bt_open(const struct es_ctx *x, struct ctx *c);
const char *bt_cfg(struct ctx *c, const char *key);

/*
 * One GraphQL query (no intent: the plugin only reads) through the SDK's
 * es_graphql(), which maps Braintree's error classes too: RESOURCE_LIMIT
 * (its "too many requests") and INTERNAL (its server error) are ES_RETRY,
 * like a 429 and a 5xx. A failure names the query (`what`).
 */
enum es_status bt_query(struct ctx *c, struct es_reply *r, const char *query,
                        const es_json *variables, const char *what);

/* ---- tasks: one function serves every phase ------------------------- */

enum es_status bt_verify_credentials(const struct es_ctx *x);
enum es_status bt_merchant_accounts(const struct es_ctx *x);

#endif
