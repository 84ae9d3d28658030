/*
 * The SDK's provider client (include/envsetup/client.h) through the mock
 * host: how answers are classified, the phase rules, polling, the four
 * paging styles and GraphQL's errors in a 200. Every plugin relies on
 * these rules, so each is pinned here once.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "envsetup/client.h"
#include "mock_host.h"

#define API "https://api.example.test"

static struct es_client cl;

static void setup(void)
{
	mock_host_reset();
	mock_config_string("api_url", API "//");
	ck_assert_int_eq(
	    es_client_init(&cl, mock_ctx(ES_PHASE_APPLY, NULL), "api_url"), 0);
	cl.provider = "Example";
	cl.auth_key = "api_key";
}

static void teardown(void)
{
	mock_host_reset();
}

/* The status and outcome of one GET of `path` answered `status`, `body`. */
static enum es_status get(long status, const char *body,
                          enum es_outcome *outcome)
{
	struct es_reply r;
	enum es_status st;

	mock_http_reply("GET " API "/thing\n", status, body, NULL,
	                MOCK_REPLY_ALWAYS);
	st = es_client_call(&cl, &r, NULL, "/thing");
	*outcome = r.outcome;
	es_reply_free(&r);
	return st;
}

START_TEST(base_url_is_trimmed)
{
	ck_assert_str_eq(cl.base, API);
}
END_TEST

START_TEST(answers_are_classified)
{
	enum es_outcome o;

	ck_assert_int_eq(get(200, "{\"id\": 1}", &o), ES_OK);
	ck_assert_int_eq(o, ES_FOUND);
	mock_host_reset();
	setup();
	ck_assert_int_eq(get(404, "{\"message\": \"no\"}", &o), ES_OK);
	ck_assert_int_eq(o, ES_ABSENT);
	mock_host_reset();
	setup();
	ck_assert_int_eq(get(409, "{}", &o), ES_OK);
	ck_assert_int_eq(o, ES_CONFLICT);
	mock_host_reset();
	setup();
	ck_assert_int_eq(get(500, "{}", &o), ES_RETRY);
	ck_assert_int_eq(o, ES_FAILURE);
	mock_host_reset();
	setup();
	ck_assert_int_eq(get(400, "{\"message\": \"bad\"}", &o), ES_FAILED);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "Example answered 400"));
}
END_TEST

/* A body that does not parse says nothing, whatever its status: never
 * found, never absent. */
START_TEST(unparsable_bodies_are_failures_not_absent)
{
	enum es_outcome o;

	ck_assert_int_eq(get(200, "<html>oops", &o), ES_RETRY);
	ck_assert_int_eq(o, ES_FAILURE);
	mock_host_reset();
	setup();
	ck_assert_int_eq(get(404, "<html>Not Found</html>", &o), ES_RETRY);
	ck_assert_int_eq(o, ES_FAILURE);
	mock_host_reset();
	setup();
	ck_assert_int_eq(get(200, "", &o), ES_RETRY); /* a cut answer */
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "does not parse"));
}
END_TEST

START_TEST(rejected_credentials_name_the_key)
{
	enum es_outcome o;

	ck_assert_int_eq(get(401, "{\"message\": \"nope\"}", &o),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "api_key");
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "nope"));
}
END_TEST

START_TEST(no_answer_is_a_retry)
{
	enum es_outcome o;
	struct es_reply r;

	/* No scripted reply: the mock answers NULL, as for a request that
	 * never got an answer. */
	ck_assert_int_eq(es_client_call(&cl, &r, NULL, "/nothing"), ES_RETRY);
	ck_assert_int_eq(r.outcome, ES_FAILURE);
	es_reply_free(&r);
	ck_assert_int_eq(get(0, NULL, &o), ES_RETRY); /* a lost write */
}
END_TEST

START_TEST(a_write_carries_its_intent)
{
	struct es_send s = {.method = "POST",
	                    .body = "{}",
	                    .content_type = "application/json",
	                    .intent = "create thing"};
	struct es_reply r;

	mock_http_reply("POST " API "/things\n", 201, "{\"id\": \"t1\"}", NULL,
	                MOCK_REPLY_ALWAYS);
	ck_assert_int_eq(es_client_call(&cl, &r, &s, "/things"), ES_OK);
	ck_assert(r.write);
	es_reply_free(&r);
	ck_assert(mock_http_sent(0)->mutating);
	ck_assert_str_eq(mock_http_sent(0)->intent, "create thing");
}
END_TEST

/* What a provider's own error code means, said by the read hook. */
static int read_codes(const struct es_client *c, struct es_reply *r)
{
	const char *code = c->ctx->host->json->get_string(r->json, "code");

	if (code && !strcmp(code, "NoSuchEntity") && !r->write)
		r->outcome = ES_ABSENT;
	else if (code && !strcmp(code, "Throttling"))
		r->status = ES_RETRY;
	else if (code && !strcmp(code, "InvalidClientTokenId"))
		r->status = ES_INVALID_CONFIG;
	else if (code && !strcmp(code, "InternalFailure"))
		r->outcome = ES_FAILURE; /* even in a 200 */
	return 0;
}

START_TEST(the_read_hook_says_what_error_codes_mean)
{
	enum es_outcome o;

	cl.read = read_codes;
	ck_assert_int_eq(get(400, "{\"code\": \"NoSuchEntity\"}", &o), ES_OK);
	ck_assert_int_eq(o, ES_ABSENT);
	mock_host_reset();
	setup();
	cl.read = read_codes;
	ck_assert_int_eq(get(400, "{\"code\": \"Throttling\"}", &o), ES_RETRY);
	mock_host_reset();
	setup();
	cl.read = read_codes;
	ck_assert_int_eq(get(400, "{\"code\": \"InvalidClientTokenId\"}", &o),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "api_key");
}
END_TEST

/* The provider's error shape in a 200 is a failed request, looked at again
 * later, with a reason naming the provider: never "found". */
START_TEST(an_error_in_a_200_is_a_failure)
{
	enum es_outcome o;

	cl.read = read_codes;
	ck_assert_int_eq(get(200,
	                     "{\"code\": \"InternalFailure\", "
	                     "\"message\": \"try later\"}",
	                     &o),
	                 ES_RETRY);
	ck_assert_int_eq(o, ES_FAILURE);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "answered 200 with an "
	                                               "error: try later"));
}
END_TEST

static int reauths;

static int reauth(const struct es_client *c)
{
	(void)c;
	reauths++;
	return 0;
}

START_TEST(reauth_sends_once_more_after_a_401)
{
	struct es_reply r;

	cl.reauth = reauth;
	reauths = 0;
	mock_http_reply("GET " API "/thing\n", 401, "{}", NULL,
	                MOCK_REPLY_ONCE);
	mock_http_reply("GET " API "/thing\n", 200, "{\"ok\": true}", NULL,
	                MOCK_REPLY_ONCE);
	ck_assert_int_eq(es_client_call(&cl, &r, NULL, "/thing"), ES_OK);
	ck_assert_int_eq(r.outcome, ES_FOUND);
	es_reply_free(&r);
	ck_assert_int_eq(reauths, 1);
	ck_assert_uint_eq(mock_http_count(), 2);
}
END_TEST

START_TEST(es_reported_follows_the_phase)
{
	enum es_status st = ES_FAILED;

	ck_assert(es_reported(mock_ctx(ES_PHASE_PLAN, NULL), &st,
	                      ES_CHANGE_CREATE, "thing", "t1", NULL));
	ck_assert_int_eq(st, ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert(es_reported(mock_ctx(ES_PHASE_VERIFY, NULL), &st,
	                      ES_CHANGE_CREATE, "thing", "t1", "why"));
	ck_assert_int_eq(st, ES_FAILED);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "thing t1 is not"));
	ck_assert(!es_reported(mock_ctx(ES_PHASE_APPLY, NULL), &st,
	                       ES_CHANGE_CREATE, "thing", "t1", NULL));
	ck_assert(es_reported(mock_ctx(ES_PHASE_PLAN_DESTROY, NULL), &st,
	                      ES_CHANGE_DELETE, "thing", "t1", NULL));
	ck_assert_uint_eq(mock_plan_count(), 2);
	ck_assert(!es_reported(mock_ctx(ES_PHASE_DESTROY, NULL), &st,
	                       ES_CHANGE_DELETE, "thing", "t1", NULL));
}
END_TEST

/* Found at the provider, missing from the state: a change, then recorded;
 * never "in place". */
START_TEST(es_record_records_what_the_provider_holds)
{
	enum es_status st = ES_FAILED;

	ck_assert(es_record(mock_ctx(ES_PHASE_PLAN, NULL), &st, "thing_id",
	                    "t1", "thing", "t1"));
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert(es_record(mock_ctx(ES_PHASE_VERIFY, NULL), &st, "thing_id",
	                    "t1", "thing", "t1"));
	ck_assert_int_eq(st, ES_FAILED);
	ck_assert(!es_record(mock_ctx(ES_PHASE_APPLY, NULL), &st, "thing_id",
	                     "t1", "thing", "t1"));
	ck_assert_str_eq(mock_state("thing_id"), "t1");
	ck_assert(!es_record(mock_ctx(ES_PHASE_PLAN, NULL), &st, "thing_id",
	                     "t1", "thing", "t1"));
	ck_assert_uint_eq(mock_plan_count(), 1);
}
END_TEST

START_TEST(poll_intervals_are_clamped)
{
	const struct es_ctx *x = mock_ctx(ES_PHASE_APPLY, NULL);

	ck_assert_int_eq(es_poll_again(x, 10), ES_IN_PROGRESS);
	ck_assert_uint_eq(mock_retry_after(), ES_POLL_MIN_MS);
	es_poll_again(x, 86400000);
	ck_assert_uint_eq(mock_retry_after(), ES_POLL_MAX_MS);
	es_poll_again(x, 0);
	ck_assert_uint_eq(mock_retry_after(), ES_POLL_DEFAULT_MS);
	es_poll_again(x, 30000);
	ck_assert_uint_eq(mock_retry_after(), 30000);
}
END_TEST

/* Count the items over every page of a listing. */
static size_t list_all(struct es_pages *pg, const char *items,
                       enum es_status *st)
{
	size_t n = 0;
	struct es_reply r;

	while (es_pages_more(pg)) {
		*st = es_client_page(&cl, pg, &r, "/items?limit=2");
		if (*st == ES_OK)
			n += mock_host()->json->array_size(
			    mock_host()->json->get(r.json, items));
		es_reply_free(&r);
		if (*st != ES_OK)
			break;
	}
	return n;
}

START_TEST(pages_by_token)
{
	struct es_pages pg = {
	    .style = ES_PAGE_TOKEN, .next = "next", .param = "cursor"};
	enum es_status st;

	mock_http_reply("GET " API "/items?limit=2&cursor=b+\n", 200,
	                "{\"items\": [3]}", NULL, MOCK_REPLY_ALWAYS);
	mock_http_reply("GET " API "/items?limit=2\n", 200,
	                "{\"items\": [1, 2], \"next\": \"b+\"}", NULL,
	                MOCK_REPLY_ALWAYS);
	ck_assert_uint_eq(list_all(&pg, "items", &st), 3);
	ck_assert_int_eq(st, ES_OK);
	ck_assert_uint_eq(mock_http_count(), 2);
}
END_TEST

START_TEST(pages_by_next_link)
{
	struct es_pages pg = {.style = ES_PAGE_LINK, .next = "@odata.nextLink"};
	enum es_status st;

	mock_http_reply("GET " API "/items?$skiptoken=x\n", 200,
	                "{\"value\": [3, 4]}", NULL, MOCK_REPLY_ALWAYS);
	mock_http_reply("GET " API "/items?limit=2\n", 200,
	                "{\"value\": [1, 2], \"@odata.nextLink\": \"" API
	                "/items?$skiptoken=x\"}",
	                NULL, MOCK_REPLY_ALWAYS);
	ck_assert_uint_eq(list_all(&pg, "value", &st), 4);
	ck_assert_uint_eq(mock_http_count(), 2);
}
END_TEST

START_TEST(pages_by_number_until_a_short_page)
{
	struct es_pages pg = {.style = ES_PAGE_NUMBER,
	                      .param = "page",
	                      .items = "items",
	                      .page_size = 2};
	enum es_status st;

	mock_http_reply("limit=2&page=1\n", 200, "{\"items\": [1, 2]}", NULL,
	                MOCK_REPLY_ALWAYS);
	mock_http_reply("limit=2&page=2\n", 200, "{\"items\": [3]}", NULL,
	                MOCK_REPLY_ALWAYS);
	ck_assert_uint_eq(list_all(&pg, "items", &st), 3);
	ck_assert_uint_eq(mock_http_count(), 2);
}
END_TEST

START_TEST(pages_by_offset_until_the_last_page)
{
	struct es_pages pg = {.style = ES_PAGE_OFFSET,
	                      .param = "start",
	                      .items = "values",
	                      .next = "isLastPage"};
	enum es_status st;

	/* The offset advances by what the page held, not by the limit. */
	mock_http_reply("GET " API "/items?limit=2\n", 200,
	                "{\"values\": [1, 2, 3], \"isLastPage\": false}", NULL,
	                MOCK_REPLY_ALWAYS);
	mock_http_reply("GET " API "/items?limit=2&start=3\n", 200,
	                "{\"values\": [4, 5], \"isLastPage\": false}", NULL,
	                MOCK_REPLY_ALWAYS);
	mock_http_reply("GET " API "/items?limit=2&start=5\n", 200,
	                "{\"values\": [6, 7], \"isLastPage\": true}", NULL,
	                MOCK_REPLY_ALWAYS);
	ck_assert_uint_eq(list_all(&pg, "values", &st), 7);
	ck_assert_int_eq(st, ES_OK);
	ck_assert_uint_eq(mock_http_count(), 3);
}
END_TEST

START_TEST(pages_by_offset_until_a_short_or_empty_page)
{
	struct es_pages pg = {.style = ES_PAGE_OFFSET,
	                      .param = "offset",
	                      .items = "items",
	                      .page_size = 2};
	struct es_pages no_size = {
	    .style = ES_PAGE_OFFSET, .param = "offset", .items = "items"};
	enum es_status st;

	mock_http_reply("GET " API "/items?limit=2\n", 200,
	                "{\"items\": [1, 2]}", NULL, MOCK_REPLY_ALWAYS);
	mock_http_reply("GET " API "/items?limit=2&offset=2\n", 200,
	                "{\"items\": [3]}", NULL, MOCK_REPLY_ALWAYS);
	mock_http_reply("GET " API "/items?limit=2&offset=3\n", 200,
	                "{\"items\": []}", NULL, MOCK_REPLY_ALWAYS);
	ck_assert_uint_eq(list_all(&pg, "items", &st), 3);
	ck_assert_uint_eq(mock_http_count(), 2);
	/* Without page_size nor `next`, only an empty page ends it. */
	ck_assert_uint_eq(list_all(&no_size, "items", &st), 3);
	ck_assert_int_eq(st, ES_OK);
	ck_assert_uint_eq(mock_http_count(), 5);
}
END_TEST

START_TEST(a_listing_without_end_gives_up)
{
	struct es_pages pg = {.style = ES_PAGE_TOKEN,
	                      .next = "next",
	                      .param = "cursor",
	                      .max_pages = 3};
	enum es_status st;

	mock_http_reply("GET " API "/items", 200,
	                "{\"items\": [1], \"next\": \"again\"}", NULL,
	                MOCK_REPLY_ALWAYS);
	list_all(&pg, "items", &st);
	ck_assert_int_eq(st, ES_FAILED);
	ck_assert_uint_eq(mock_http_count(), 3);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "more than 3 pages"));
}
END_TEST

static enum es_status graphql(const char *answer)
{
	struct es_reply r;
	enum es_status st;

	mock_http_reply("POST " API "/graphql\n", 200, answer, NULL,
	                MOCK_REPLY_ALWAYS);
	st = es_graphql(&cl, &r, "/graphql", "{ actor { user { name } } }",
	                NULL, NULL);
	es_reply_free(&r);
	return st;
}

START_TEST(graphql_errors_in_a_200_are_failures)
{
	ck_assert_int_eq(graphql("{\"data\": {\"actor\": {}}}"), ES_OK);
	ck_assert_ptr_nonnull(strstr(mock_http_sent(0)->body, "\"query\""));
	mock_host_reset();
	setup();
	ck_assert_int_eq(graphql("{\"errors\": [{\"message\": \"slow down\", "
	                         "\"extensions\": {\"code\": "
	                         "\"TOO_MANY_REQUESTS\"}}]}"),
	                 ES_RETRY);
	mock_host_reset();
	setup();
	ck_assert_int_eq(graphql("{\"errors\": [{\"message\": \"bad key\", "
	                         "\"extensions\": {\"errorClass\": "
	                         "\"BAD_API_KEY\"}}]}"),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "api_key");
	mock_host_reset();
	setup();
	ck_assert_int_eq(graphql("{\"data\": null, \"errors\": [{\"message\": "
	                         "\"Cannot query field\"}]}"),
	                 ES_FAILED);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "Cannot query field"));
}
END_TEST

START_TEST(graphql_throttles_and_server_errors_are_retried)
{
	/* Braintree's "too many requests" and its server error, as
	 * errorClass; the standard place, extensions.code, too. */
	ck_assert_int_eq(graphql("{\"errors\": [{\"message\": \"slow\", "
	                         "\"extensions\": {\"errorClass\": "
	                         "\"RESOURCE_LIMIT\"}}]}"),
	                 ES_RETRY);
	mock_host_reset();
	setup();
	ck_assert_int_eq(graphql("{\"errors\": [{\"message\": \"oops\", "
	                         "\"extensions\": {\"code\": "
	                         "\"INTERNAL\"}}]}"),
	                 ES_RETRY);
	ck_assert_ptr_nonnull(strstr(mock_diag_text(), "INTERNAL: oops"));
	/* NerdGraph's: its server errors as errorClass, a rejected key as
	 * error_code beside an errorClass. */
	mock_host_reset();
	setup();
	ck_assert_int_eq(graphql("{\"errors\": [{\"message\": \"later\", "
	                         "\"extensions\": {\"errorClass\": "
	                         "\"INTERNAL_SERVER_ERROR\"}}]}"),
	                 ES_RETRY);
	mock_host_reset();
	setup();
	ck_assert_int_eq(graphql("{\"errors\": [{\"message\": \"Invalid "
	                         "API key\", \"extensions\": {\"errorClass\": "
	                         "\"SERVER_ERROR\", \"error_code\": "
	                         "\"BAD_API_KEY\"}}]}"),
	                 ES_INVALID_CONFIG);
	ck_assert_str_eq(mock_diag_key(), "api_key");
	/* An auth code among them still wins. */
	mock_host_reset();
	setup();
	ck_assert_int_eq(graphql("{\"errors\": [{\"extensions\": {\"code\": "
	                         "\"INTERNAL\"}}, {\"extensions\": "
	                         "{\"code\": \"UNAUTHENTICATED\"}}]}"),
	                 ES_INVALID_CONFIG);
}
END_TEST

START_TEST(graphql_pages_by_cursor)
{
	const struct es_json_api *j = mock_host()->json;
	es_json *vars = j->new_object();
	struct es_reply r;

	mock_http_reply(
	    "POST " API "/graphql\n", 200,
	    "{\"data\": {\"list\": {\"pageInfo\": {\"hasNextPage\": "
	    "true, \"endCursor\": \"c2\"}}}}",
	    NULL, MOCK_REPLY_ALWAYS);
	ck_assert_int_eq(es_graphql(&cl, &r, "/graphql", "query", vars, NULL),
	                 ES_OK);
	ck_assert(es_graphql_next_page(&cl, &r, "data.list.pageInfo.endCursor",
	                               "data.list.pageInfo.hasNextPage", vars,
	                               "after"));
	ck_assert_str_eq(j->get_string(vars, "after"), "c2");
	es_reply_free(&r);
	j->free(vars);
}
END_TEST

START_TEST(teardown_target_sends_only_what_envsetup_made)
{
	const struct es_ctx *x = mock_ctx(ES_PHASE_DESTROY, NULL);
	enum es_status st = ES_FAILED;

	/* Nothing recorded: nothing to send. */
	ck_assert_ptr_null(es_teardown_target(x, &st, "hook", NULL, "webhook"));
	ck_assert_int_eq(st, ES_OK);
	/* Recorded without a claim: there before envsetup, kept. */
	mock_state_set("hook", "wh-1");
	ck_assert_ptr_null(es_teardown_target(x, &st, "hook", NULL, "webhook"));
	ck_assert_int_eq(st, ES_OK);
	/* Claimed for something else: kept too. */
	mock_state_set("made:hook", "https://other.example");
	ck_assert_ptr_null(es_teardown_target(
	    x, &st, "hook", "https://mine.example", "webhook"));
	mock_state_set("made:hook", "https://mine.example");
	ck_assert_str_eq(es_teardown_target(x, &st, "hook",
	                                    "https://mine.example", "webhook"),
	                 "wh-1");
	/* plan --destroy records the delete and sends nothing. */
	x = mock_ctx(ES_PHASE_PLAN_DESTROY, NULL);
	ck_assert_ptr_null(es_teardown_target(
	    x, &st, "hook", "https://mine.example", "webhook"));
	ck_assert_int_eq(st, ES_OK);
	ck_assert_uint_eq(mock_plan_count(), 1);
	ck_assert_int_eq(mock_plan(0)->change, ES_CHANGE_DELETE);
	ck_assert_uint_eq(mock_http_count(), 0);
}
END_TEST

START_TEST(json_find_and_list_equals_and_records_add)
{
	const struct es_ctx *x = mock_ctx(ES_PHASE_APPLY, NULL);
	const struct es_json_api *j = mock_host()->json;
	const char *text = "[{\"url\": \"a\", \"id\": 1}, "
	                   "{\"url\": \"b\", \"id\": 2}]";
	es_json *list = j->parse(text, strlen(text)), *events, *records;
	char *printed;

	ck_assert_int_eq(
	    j->get_int64(es_json_find(x, list, "url", "b"), "id", 0), 2);
	ck_assert_ptr_null(es_json_find(x, list, "url", "c"));
	ck_assert_ptr_null(es_json_find(x, list, "url", NULL));
	j->free(list);

	mock_config_list("events", "bounce", "delivery", NULL);
#define PARSE(text) j->parse(text, strlen(text))
	events = PARSE("[\"delivery\", \"bounce\"]");
	ck_assert(es_config_list_equals(x, "events", events));
	j->free(events);
	events = PARSE("[\"delivery\", \"delivery\"]");
	ck_assert(!es_config_list_equals(x, "events", events));
	j->free(events);
	events = PARSE("[\"delivery\"]");
	ck_assert(!es_config_list_equals(x, "events", events));
	j->free(events);

	records = j->new_array();
	es_records_add(x, records, "CNAME", "mail.acme.example", "sp.example");
	printed = j->print(records);
	ck_assert_str_eq(printed, "[{\"type\":\"CNAME\",\"name\":"
	                          "\"mail.acme.example\",\"value\":"
	                          "\"sp.example\"}]");
	mock_host()->mem_free(printed);
	j->free(records);
#undef PARSE
}
END_TEST

START_TEST(await_state_reports_publishes_and_polls)
{
	const char *wait = "waiting for DNS";

	/* Not done: plan records it and publishes nothing. */
	ck_assert_int_eq(es_await_state(mock_ctx(ES_PHASE_PLAN, NULL), "domain",
	                                "d.example", "domain_state", "pending",
	                                "verified", 60000, wait),
	                 ES_OK);
	ck_assert_str_eq(mock_plan(0)->detail, "pending -> verified");
	ck_assert_ptr_null(mock_output("domain_state", NULL));
	/* verify fails; apply publishes and polls again. */
	ck_assert_int_eq(es_await_state(mock_ctx(ES_PHASE_VERIFY, NULL),
	                                "domain", "d.example", "domain_state",
	                                "pending", "verified", 60000, wait),
	                 ES_FAILED);
	ck_assert_int_eq(es_await_state(mock_ctx(ES_PHASE_APPLY, NULL),
	                                "domain", "d.example", "domain_state",
	                                "pending", "verified", 60000, wait),
	                 ES_IN_PROGRESS);
	ck_assert_uint_eq(mock_retry_after(), 60000);
	ck_assert_str_eq(mock_output("domain_state", NULL), "pending");
	/* Done: published, nothing recorded. */
	ck_assert_int_eq(es_await_state(mock_ctx(ES_PHASE_VERIFY, NULL),
	                                "domain", "d.example", "domain_state",
	                                "verified", "verified", 60000, wait),
	                 ES_OK);
	ck_assert_str_eq(mock_output("domain_state", NULL), "verified");
	ck_assert_uint_eq(mock_plan_count(), 1);
}
END_TEST

/* Collects the names es_templates_each hands over; stops at "stop". */
static enum es_status note_template(void *arg, const struct es_template *t)
{
	char *seen = arg;

	strcat(seen, t->name);
	strcat(seen, " ");
	return strcmp(t->name, "stop") == 0 ? ES_RETRY : ES_OK;
}

START_TEST(templates_are_handed_over_in_order_until_one_is_not_ok)
{
	const struct es_ctx *x = mock_ctx(ES_PHASE_APPLY, NULL);
	char seen[64] = "";

	/* Unset: nothing, and fine. */
	ck_assert_int_eq(
	    es_templates_each(x, "templates_dir", note_template, seen), ES_OK);
	ck_assert_str_eq(seen, "");
	mock_template("templates_dir", "a", "A", "<p>a</p>", NULL);
	mock_template("templates_dir", "stop", "S", "<p>s</p>", "s");
	mock_template("templates_dir", "z", "Z", "<p>z</p>", NULL);
	ck_assert_int_eq(
	    es_templates_each(x, "templates_dir", note_template, seen),
	    ES_RETRY);
	ck_assert_str_eq(seen, "a stop ");
	/* A directory that does not read: ES_INVALID_CONFIG, none handed. */
	seen[0] = '\0';
	mock_templates_broken("templates_dir");
	ck_assert_int_eq(
	    es_templates_each(x, "templates_dir", note_template, seen),
	    ES_INVALID_CONFIG);
	ck_assert_str_eq(seen, "");
}
END_TEST

START_TEST(json_bodies_are_printed_and_sent)
{
	const struct es_json_api *j = mock_host()->json;
	es_json *body = j->new_object();
	const struct mock_request *req;
	struct es_reply r;

	j->set_string(body, "name", "x");
	mock_http_reply("POST " API "/things/7\n", 200, "{\"id\": 1}", NULL,
	                MOCK_REPLY_ALWAYS);
	ck_assert_int_eq(
	    es_client_json(&cl, &r, "POST", body, "make x", "/things/%d", 7),
	    ES_OK);
	es_reply_free(&r);
	req = mock_http_find("POST " API "/things/7\n", 0);
	ck_assert_str_eq(req->body, "{\"name\":\"x\"}");
	ck_assert_str_eq(req->content_type, "application/json");
	ck_assert_str_eq(req->intent, "make x");
	/* The body is borrowed: still the caller's. */
	ck_assert_str_eq(j->get_string(body, "name"), "x");
	j->free(body);
	mock_http_reply("DELETE " API "/things/7\n", 204, NULL, NULL,
	                MOCK_REPLY_ALWAYS);
	ck_assert_int_eq(
	    es_client_json(&cl, &r, "DELETE", NULL, "drop x", "/things/%d", 7),
	    ES_OK);
	ck_assert_ptr_null(
	    mock_http_find("DELETE " API "/things/7\n", 0)->body);
	es_reply_free(&r);
}
END_TEST

START_TEST(escape_into_fits_or_says_so)
{
	const struct es_ctx *x = mock_ctx(ES_PHASE_APPLY, NULL);
	char buf[8];

	ck_assert_int_eq(
	    es_escape_into(x, "domain", "a.example", buf, sizeof(buf)), -1);
	ck_assert_str_eq(mock_diag_key(), "domain");
	ck_assert_int_eq(es_escape_into(x, "domain", "a.ex", buf, sizeof(buf)),
	                 0);
	ck_assert_str_eq(buf, "a.ex");
	ck_assert_int_eq(es_escape_into(x, "domain", NULL, buf, sizeof(buf)),
	                 -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("client");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, base_url_is_trimmed);
	tcase_add_test(tc, answers_are_classified);
	tcase_add_test(tc, unparsable_bodies_are_failures_not_absent);
	tcase_add_test(tc, rejected_credentials_name_the_key);
	tcase_add_test(tc, no_answer_is_a_retry);
	tcase_add_test(tc, a_write_carries_its_intent);
	tcase_add_test(tc, the_read_hook_says_what_error_codes_mean);
	tcase_add_test(tc, an_error_in_a_200_is_a_failure);
	tcase_add_test(tc, reauth_sends_once_more_after_a_401);
	tcase_add_test(tc, es_reported_follows_the_phase);
	tcase_add_test(tc, es_record_records_what_the_provider_holds);
	tcase_add_test(tc, poll_intervals_are_clamped);
	tcase_add_test(tc, pages_by_token);
	tcase_add_test(tc, pages_by_next_link);
	tcase_add_test(tc, pages_by_number_until_a_short_page);
	tcase_add_test(tc, pages_by_offset_until_the_last_page);
	tcase_add_test(tc, pages_by_offset_until_a_short_or_empty_page);
	tcase_add_test(tc, a_listing_without_end_gives_up);
	tcase_add_test(tc, graphql_errors_in_a_200_are_failures);
	tcase_add_test(tc, graphql_throttles_and_server_errors_are_retried);
	tcase_add_test(tc, graphql_pages_by_cursor);
	tcase_add_test(tc, teardown_target_sends_only_what_envsetup_made);
	tcase_add_test(tc, json_find_and_list_equals_and_records_add);
	tcase_add_test(tc, await_state_reports_publishes_and_polls);
	tcase_add_test(tc, json_bodies_are_printed_and_sent);
	tcase_add_test(tc,
	               templates_are_handed_over_in_order_until_one_is_not_ok);
	tcase_add_test(tc, escape_into_fits_or_says_so);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
