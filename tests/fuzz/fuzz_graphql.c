/*
 * Fuzz the SDK's GraphQL reply path (client.h: es_graphql and
 * es_graphql_next_page), which the newrelic (NerdGraph) and braintree
 * plugins read every reply through: the input's first line is the HTTP
 * status, the rest the body, answered by the mock host. Odd-sized inputs
 * are sent as mutations (with an intent). Seeds: tests/fuzz/graphql/.
 */
#include "envsetup/client.h"
#include "envsetup/mock_host.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *body = strchr(text, '\n');
	const struct es_ctx *ctx;
	const struct es_json_api *j;
	struct es_client cl;
	struct es_reply r = {0};
	es_json *vars;

	mock_host_reset();
	if (body)
		*body++ = '\0';
	mock_http_reply("", strtol(text, NULL, 10), body ? body : "", NULL,
	                MOCK_REPLY_ONCE);
	mock_config_string("api_url", "https://api.fuzz.test");
	ctx = mock_ctx(ES_PHASE_APPLY, NULL);
	j = ctx->host->json;
	es_client_init(&cl, ctx, "api_url");
	cl.provider = "Fuzz";
	cl.auth_key = "api_key";
	vars = j->new_object();
	j->set_string(vars, "cursor", "");
	if (es_graphql(&cl, &r, "/graphql", "query { actor { id } }", vars,
	               size % 2 ? "create the thing" : NULL) == ES_OK) {
		es_graphql_next_page(
		    &cl, &r, "data.actor.entitySearch.results.nextCursor", NULL,
		    vars, "cursor");
		es_graphql_next_page(&cl, &r,
		                     "data.search.merchantAccounts.pageInfo."
		                     "endCursor",
		                     "data.search.merchantAccounts.pageInfo."
		                     "hasNextPage",
		                     vars, "cursor");
	}
	es_reply_free(&r);
	j->free(vars);
	mock_host_reset();
	free(text);
	return 0;
}
