/*
 * create_account: the member account in the management account's AWS
 * Organization, or in adopt mode the one account_id names.
 *
 * The account whose id is known (account_id in adopt mode, or in state) is
 * read with DescribeAccount: one call, where ListAccounts pages through
 * the whole Organization.
 *
 * CreateAccount has no idempotency token, so nothing is created before
 * every look-up has answered: ListAccounts by e-mail (all pages), then
 * the recorded request id, then the IN_PROGRESS requests by name (a run
 * killed after sending CreateAccount, before recording its id). A look-up
 * whose answer cannot be read is ES_RETRY, never "absent". The request id
 * is put in state the moment it is known; later calls poll it.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws.h"

static int is_adopt(const struct es_ctx *x)
{
	const char *mode = aws_cfg(x, "account_mode");

	return mode && strcmp(mode, "adopt") == 0;
}

const char *aws_account_id(const struct es_ctx *x)
{
	if (is_adopt(x))
		return aws_cfg(x, "account_id");
	return x->host->state->get(x->call, "account_id");
}

/* The account as plans and messages name it. */
static const char *account_name(const struct es_ctx *x)
{
	return aws_cfg(x, is_adopt(x) ? "account_id" : "account_name");
}

/* ---- look-ups ------------------------------------------------------- */

/* A page of ListAccounts, or of ListCreateAccountStatus's IN_PROGRESS
 * requests. */
static es_json *list_body(const struct es_json_api *j, const char *token,
                          int requests)
{
	es_json *o = j->new_object();

	if (requests) {
		es_json *states = j->new_array();

		j->append_string(states, "IN_PROGRESS");
		j->add(o, "States", states);
	}
	j->set_int64(o, "MaxResults", 20);
	if (token)
		j->set_string(o, "NextToken", token);
	return o;
}

/* 1 when an item of a listing is the one wanted: an account by e-mail
 * (AWS keeps its case), a request by account name. */
static int is_match(const struct es_json_api *j, const es_json *item,
                    int requests, const char *want)
{
	const char *name = j->get_string(item, "AccountName");
	const char *email = j->get_string(item, "Email");

	if (requests)
		return name && strcmp(name, want) == 0;
	return email && strcasecmp(email, want) == 0;
}

/*
 * Page through ListAccounts (requests 0) or ListCreateAccountStatus (1)
 * for `want`: 1 with its Id in `id`, 0 when absent, -1 with *st.
 */
static int find_account(struct aws_client *org, int requests, const char *want,
                        char *id, size_t idlen, enum es_status *st)
{
	const struct es_ctx *x = org->api.ctx;
	const struct es_json_api *j = x->host->json;
	const char *op = requests ? "ListCreateAccountStatus" : "ListAccounts";
	const char *list = requests ? "CreateAccountStatuses" : "Accounts";
	struct es_pages pg = {.style = ES_PAGE_TOKEN, .max_pages = 500};
	int found = 0;

	while (!found && es_pages_more(&pg)) {
		const es_json *items;
		const char *token;
		struct es_reply r;
		es_json *body;

		if (es_pages_take(x, &pg, op, &token)) {
			*st = ES_FAILED;
			return -1;
		}
		body = list_body(j, token, requests);
		*st = aws_org(org, &r, op, body, NULL);
		j->free(body);
		items = j->get(r.json, list);
		if (*st == ES_OK &&
		    (r.outcome != ES_FOUND || j->kind(items) != ES_JSON_ARRAY))
			*st = aws_unreadable(org, list);
		for (size_t i = 0;
		     *st == ES_OK && !found && i < j->array_size(items); i++) {
			const es_json *item = j->array_item(items, i);

			if (is_match(j, item, requests, want) &&
			    j->get_string(item, "Id")) {
				snprintf(id, idlen, "%s",
				         j->get_string(item, "Id"));
				found = 1;
			}
		}
		es_pages_next(&pg, j->get_string(r.json, "NextToken"));
		es_reply_free(&r);
		if (*st != ES_OK)
			return -1;
	}
	return found;
}

/*
 * DescribeAccount `account_id`: 1 with its Id in `id` when it is there
 * (and, given `email`, has that e-mail), 0 when not, -1 with *st.
 */
static int describe_account(struct aws_client *org, const char *account_id,
                            const char *email, char *id, size_t idlen,
                            enum es_status *st)
{
	const struct es_json_api *j = org->api.ctx->host->json;
	es_json *body = j->new_object();
	const char *got, *got_email;
	struct es_reply r;
	int found = 0;

	j->set_string(body, "AccountId", account_id);
	*st = aws_org(org, &r, "DescribeAccount", body, NULL);
	j->free(body);
	got = j->get_string(r.json, "Account.Id");
	got_email = j->get_string(r.json, "Account.Email");
	if (*st == ES_OK && r.outcome == ES_FOUND && (!got || !got_email))
		*st = aws_unreadable(org, "Account");
	else if (*st == ES_OK && r.outcome == ES_FOUND &&
	         (!email || strcasecmp(got_email, email) == 0)) {
		snprintf(id, idlen, "%s", got);
		found = 1;
	}
	es_reply_free(&r);
	return *st == ES_OK ? found : -1;
}

/* ---- the account is there -------------------------------------------- */

static enum es_status publish_account(const struct es_ctx *x, const char *id)
{
	const struct es_output_api *out = x->host->output;
	char url[96];

	snprintf(url, sizeof(url), "https://%s.signin.aws.amazon.com/console",
	         id);
	return out->set(x->call, "account_id", id, 0) ||
	               out->set(x->call, "console_url", url, 0)
	           ? ES_FAILED
	           : ES_OK;
}

/* Record the account's id (a change when the state lacks it); verify
 * publishes it. When our creation request made it, note when: AWS needs
 * a few minutes before its role can be assumed (aws_session.c). */
static enum es_status have_account(const struct es_ctx *x, const char *id)
{
	const struct es_state_api *s = x->host->state;
	enum es_status st = ES_OK;
	char now[32];

	if (es_record(x, &st, "account_id", id, "account", account_name(x)))
		return st;
	if (x->phase == ES_PHASE_APPLY &&
	    s->get(x->call, "create_request_id")) {
		snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
		if (s->put(x->call, "account_created_at", now) ||
		    s->del(x->call, "create_request_id"))
			return ES_FAILED;
	}
	return x->phase == ES_PHASE_VERIFY ? publish_account(x, id) : ES_OK;
}

/* ---- creating it ------------------------------------------------------ */

/* CreateAccount's FailureReason: what to do about it. */
static enum es_status creation_failed(const struct es_ctx *x, const char *why)
{
	const char *key = "account_email";
	const char *text = "AWS could not create the account";

	x->host->state->del(x->call, "create_request_id");
	if (!why)
		why = "unknown reason";
	if (strcmp(why, "EMAIL_ALREADY_EXISTS") == 0) {
		text = "another AWS account already uses this e-mail; pick "
		       "another account_email, or set account_mode = adopt";
	} else if (strcmp(why, "INVALID_EMAIL") == 0) {
		text = "AWS does not accept this e-mail address";
	} else if (strcmp(why, "ACCOUNT_LIMIT_EXCEEDED") == 0) {
		key = NULL;
		text = "the Organization has reached its account quota; ask "
		       "AWS Support to raise it";
	} else if (strcmp(why, "CONCURRENT_ACCOUNT_MODIFICATION") == 0 ||
	           strcmp(why, "INTERNAL_FAILURE") == 0) {
		x->host->diag->error(x->call, NULL,
		                     "account creation failed (%s); it will "
		                     "be requested again",
		                     why);
		return ES_RETRY;
	} else if (strstr(why, "PAYMENT_INSTRUMENT") ||
	           strstr(why, "BUSINESS_VALIDATION")) {
		key = NULL;
		text = "the management account's billing details need "
		       "attention in the AWS console";
	}
	x->host->diag->error(x->call, key, "%s (%s)", text, why);
	return ES_FAILED;
}

/* DescribeCreateAccountStatus, and act on its State. */
static enum es_status poll_request(struct aws_client *org, const char *req)
{
	const struct es_ctx *x = org->api.ctx;
	const struct es_json_api *j = x->host->json;
	es_json *body = j->new_object();
	const char *state, *id;
	struct es_reply r;
	enum es_status st;

	j->set_string(body, "CreateAccountRequestId", req);
	st = aws_org(org, &r, "DescribeCreateAccountStatus", body, NULL);
	j->free(body);
	state = j->get_string(r.json, "CreateAccountStatus.State");
	id = j->get_string(r.json, "CreateAccountStatus.AccountId");
	if (st == ES_OK && r.outcome == ES_ABSENT) {
		/* Forgotten by AWS: look the account up afresh. */
		x->host->state->del(x->call, "create_request_id");
		x->host->diag->error(x->call, NULL,
		                     "AWS no longer knows creation request "
		                     "%s; looking the account up again",
		                     req);
		st = ES_RETRY;
	} else if (st == ES_OK &&
	           (!state || (!strcmp(state, "SUCCEEDED") && !id))) {
		st = aws_unreadable(org, "CreateAccountStatus");
	} else if (st == ES_OK && strcmp(state, "SUCCEEDED") == 0) {
		st = have_account(x, id);
	} else if (st == ES_OK && strcmp(state, "FAILED") == 0) {
		st = creation_failed(
		    x,
		    j->get_string(r.json, "CreateAccountStatus.FailureReason"));
	} else if (st == ES_OK) {
		x->host->progress->step(x->call,
		                        "account creation in progress");
		st = aws_poll_again(x);
	}
	es_reply_free(&r);
	return st;
}

static enum es_status request_account(struct aws_client *org)
{
	const struct es_ctx *x = org->api.ctx;
	const struct es_json_api *j = x->host->json;
	es_json *body = j->new_object();
	char intent[160];
	struct es_reply r;
	enum es_status st;
	const char *id;

	j->set_string(body, "Email", aws_cfg(x, "account_email"));
	j->set_string(body, "AccountName", aws_cfg(x, "account_name"));
	j->set_string(body, "RoleName", aws_cfg(x, "role_name"));
	snprintf(intent, sizeof(intent), "create AWS account %s",
	         aws_cfg(x, "account_name"));
	st = aws_org(org, &r, "CreateAccount", body, intent);
	j->free(body);
	id = j->get_string(r.json, "CreateAccountStatus.Id");
	/* Without the request id, the next call finds the request among
	 * those IN_PROGRESS. */
	if (st == ES_OK && (r.outcome != ES_FOUND || !id))
		st = aws_unreadable(org, "CreateAccountStatus.Id");
	else if (st == ES_OK &&
	         x->host->state->put(x->call, "create_request_id", id))
		st = ES_FAILED;
	else if (st == ES_OK) {
		x->host->progress->step(x->call, "account creation requested");
		st = aws_poll_again(x);
	}
	es_reply_free(&r);
	return st;
}

/* ---- teardown --------------------------------------------------------- */

/* An account AWS has closed answers CloseAccount so: done. */
static int already_closed(const struct aws_client *org)
{
	return strcmp(org->code, "AccountAlreadyClosedException") == 0;
}

/*
 * plan --destroy and destroy: close the account envsetup created with
 * Organizations' own CloseAccount (AWS keeps it suspended for 90 days,
 * then deletes it). An adopted account is the customer's: kept.
 */
static enum es_status close_account(struct aws_client *org)
{
	const struct es_ctx *x = org->api.ctx;
	const struct es_json_api *j = x->host->json;
	const char *id = x->host->state->get(x->call, "account_id");
	char found_id[64], intent[160];
	struct es_reply r;
	enum es_status st = ES_OK;
	es_json *body;
	int found;

	if (is_adopt(x)) {
		x->host->diag->error(x->call, "account_mode",
		                     "kept: account %s was adopted "
		                     "(account_mode = adopt)",
		                     aws_cfg(x, "account_id"));
		return ES_UNSUPPORTED;
	}
	if (!id)
		return ES_OK; /* none was made */
	found =
	    describe_account(org, id, NULL, found_id, sizeof(found_id), &st);
	if (found < 0)
		return st;
	if (found &&
	    es_reported(x, &st, ES_CHANGE_DELETE, "account", account_name(x),
	                "closed with CloseAccount; AWS deletes it after 90 "
	                "days"))
		return st;
	if (found) {
		body = j->new_object();
		j->set_string(body, "AccountId", id);
		snprintf(intent, sizeof(intent), "close AWS account %s", id);
		st = aws_org(org, &r, "CloseAccount", body, intent);
		j->free(body);
		es_reply_free(&r);
		if (st != ES_OK && !already_closed(org))
			return st;
	}
	if (x->host->state->del(x->call, "account_id") ||
	    x->host->state->del(x->call, "account_created_at"))
		return ES_FAILED;
	return ES_OK;
}

/* ---- the task ------------------------------------------------------- */

enum es_status aws_create_account(const struct es_ctx *x)
{
	const char *want =
	    aws_cfg(x, is_adopt(x) ? "account_id" : "account_email");
	const char *name = account_name(x), *req, *known;
	struct aws_client org;
	enum es_status st;
	char id[64];
	int found;

	if ((st = aws_client(&org, x, AWS_ORGANIZATIONS)) != ES_OK)
		return st;
	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return close_account(&org);
	if (!want || !name) {
		x->host->diag->error(
		    x->call, is_adopt(x) ? "account_id" : "account_email",
		    "no account to look for");
		return ES_INVALID_CONFIG;
	}
	/* The id known: one DescribeAccount. One recorded in state must
	 * still have the configured e-mail; if not (or gone), the e-mail is
	 * looked up as if none were recorded. */
	known = is_adopt(x) ? want : x->host->state->get(x->call, "account_id");
	found = known ? describe_account(&org, known, is_adopt(x) ? NULL : want,
	                                 id, sizeof(id), &st)
	              : 0;
	if (found == 0 && !is_adopt(x))
		found = find_account(&org, 0, want, id, sizeof(id), &st);
	if (found)
		return found > 0 ? have_account(x, id) : st;
	if (is_adopt(x)) {
		x->host->diag->error(x->call, "account_id",
		                     "account %s is not in this Organization",
		                     want);
		return ES_INVALID_CONFIG;
	}
	req = x->host->state->get(x->call, "create_request_id");
	if (es_reported(x, &st, ES_CHANGE_CREATE, "account", name,
	                req ? "creation requested, waiting for AWS" : want))
		return st;
	if (req)
		return poll_request(&org, req);
	found = find_account(&org, 1, name, id, sizeof(id), &st);
	if (found < 0)
		return st;
	if (found == 0)
		return request_account(&org);
	if (x->host->state->put(x->call, "create_request_id", id))
		return ES_FAILED;
	return poll_request(&org, id);
}
