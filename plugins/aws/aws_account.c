/*
 * The infrastructure account (AWS Organizations) and the STS session in it.
 *
 * CreateAccount has no idempotency token, so apply() always looks before
 * it creates: the recorded request id, then ListAccounts by e-mail, then
 * the IN_PROGRESS requests by name (a run killed after sending
 * CreateAccount but before recording its id). The request id is put in
 * state the moment it is known; later calls only poll it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws.h"

#define ACCOUNT_MAX_PAGES 500

static int is_adopt(es_call *call, struct aws *a)
{
	const char *m = a->host->config->get_string(call, "account_mode");
	return m != NULL && strcmp(m, "adopt") == 0;
}

const char *aws_account_id(es_call *call, struct aws *a)
{
	if (is_adopt(call, a))
		return a->host->config->get_string(call, "account_id");
	return a->host->state->get(call, "account_id");
}

/* A JSON body with MaxResults, an optional NextToken and, for
 * ListCreateAccountStatus, States = [IN_PROGRESS]. */
static char *page_body(struct aws *a, const char *token, int in_progress)
{
	const struct es_json_api *j = a->host->json;
	es_json *o = j->new_object();
	char *text;

	if (o == NULL)
		return NULL;
	if (in_progress) {
		es_json *states = j->new_array();
		if (states != NULL) {
			j->append_string(states, "IN_PROGRESS");
			j->add(o, "States", states);
		}
	}
	j->set_number(o, "MaxResults", 20);
	if (token != NULL)
		j->set_string(o, "NextToken", token);
	text = j->print(o);
	j->free(o);
	return text;
}

/*
 * Page through ListAccounts (in_progress 0: match Email or Id) or
 * ListCreateAccountStatus (1: match AccountName of IN_PROGRESS requests).
 * Returns 1 with *found (malloc'd Id) set, 0 when absent, or -1 with *st.
 */
static int search(es_call *call, struct aws *a, int in_progress,
                  const char *match, enum es_status *st, char **found)
{
	const struct es_json_api *j = a->host->json;
	const char *op =
	    in_progress ? "ListCreateAccountStatus" : "ListAccounts";
	const char *list = in_progress ? "CreateAccountStatuses" : "Accounts";
	char *token = NULL;
	int result = 0;

	*found = NULL;
	for (int page = 0; page < ACCOUNT_MAX_PAGES && result == 0; page++) {
		struct aws_reply r = {0};
		char *body = page_body(a, token, in_progress);
		es_json *doc;

		free(token);
		token = NULL;
		if (body == NULL ||
		    aws_json_call(call, a, op, body, 0, NULL, &r) != 0 ||
		    !aws_ok(&r)) {
			*st = body == NULL ? ES_FAILED
			                   : aws_fail(call, a, &r, op);
			free(body);
			aws_reply_clear(&r);
			return -1;
		}
		free(body);
		doc = j->parse(r.body, r.len);
		aws_reply_clear(&r);
		es_json *items = j->get(doc, list);
		for (size_t i = 0; i < j->array_size(items); i++) {
			es_json *it = j->array_item(items, i);
			const char *email = j->get_string(it, "Email");
			const char *name = j->get_string(it, "AccountName");
			const char *id = j->get_string(it, "Id");
			int hit =
			    in_progress
			        ? name != NULL && strcmp(name, match) == 0
			        : (email != NULL &&
			           strcasecmp(email, match) == 0) ||
			              (id != NULL && strcmp(id, match) == 0);
			if (hit && id != NULL) {
				*found = strdup(id);
				result = *found != NULL ? 1 : -1;
				break;
			}
		}
		const char *next = j->get_string(doc, "NextToken");
		if (result == 0 && next != NULL && *next != '\0')
			token = strdup(next);
		j->free(doc);
		if (token == NULL)
			break;
	}
	free(token);
	if (result < 0)
		*st = ES_FAILED;
	return result;
}

static void publish(es_call *call, struct aws *a, const char *id)
{
	char *url = aws_strdupf("https://%s.signin.aws.amazon.com/console", id);

	a->host->output->set(call, "account_id", id, 0);
	if (url != NULL)
		a->host->output->set(call, "console_url", url, 0);
	free(url);
}

/* The configured value for matching: e-mail (create) or id (adopt). */
static const char *wanted(es_call *call, struct aws *a)
{
	return a->host->config->get_string(
	    call, is_adopt(call, a) ? "account_id" : "account_email");
}

enum es_status aws_account_plan(es_call *call, struct aws *a)
{
	enum es_status st = ES_OK;
	const char *want = wanted(call, a);
	char *found = NULL;
	int r;

	if (want == NULL)
		return ES_INVALID_CONFIG;
	r = search(call, a, 0, want, &st, &found);
	if (r < 0)
		return st;
	free(found);
	if (r == 1)
		return ES_OK;
	if (is_adopt(call, a)) {
		a->host->diag->error(call, "account_id",
		                     "account %s is not in this Organization",
		                     want);
		return ES_INVALID_CONFIG;
	}
	const char *req = a->host->state->get(call, "create_request_id");
	a->host->plan->change(
	    call, ES_CHANGE_CREATE, "account",
	    a->host->config->get_string(call, "account_name"),
	    req != NULL ? "creation requested, waiting for AWS" : want);
	return ES_OK;
}

static enum es_status done(es_call *call, struct aws *a, const char *id,
                           int created)
{
	char now[32];

	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	if (a->host->state->put(call, "account_id", id) != 0 ||
	    (created && a->host->state->put(call, "account_created_at", now)))
		return ES_RETRY;
	a->host->state->del(call, "create_request_id");
	publish(call, a, id);
	return ES_OK;
}

static enum es_status failed(es_call *call, struct aws *a, const char *why)
{
	const char *key = "account_email";
	const char *text = "AWS could not create the account";

	a->host->state->del(call, "create_request_id");
	if (why == NULL)
		why = "unknown reason";
	if (strcmp(why, "EMAIL_ALREADY_EXISTS") == 0)
		text = "another AWS account already uses this e-mail; pick "
		       "another account_email, or set account_mode = adopt";
	else if (strcmp(why, "INVALID_EMAIL") == 0)
		text = "AWS does not accept this e-mail address";
	else if (strcmp(why, "ACCOUNT_LIMIT_EXCEEDED") == 0) {
		key = NULL;
		text = "the Organization has reached its account quota; ask "
		       "AWS Support to raise it";
	} else if (strcmp(why, "CONCURRENT_ACCOUNT_MODIFICATION") == 0 ||
	           strcmp(why, "INTERNAL_FAILURE") == 0) {
		a->host->diag->error(call, NULL,
		                     "account creation failed "
		                     "(%s); it will be requested again",
		                     why);
		return ES_RETRY;
	} else if (strstr(why, "PAYMENT_INSTRUMENT") != NULL ||
	           strstr(why, "BUSINESS_VALIDATION") != NULL) {
		key = NULL;
		text = "the management account's billing details need "
		       "attention in the AWS console";
	}
	a->host->diag->error(call, key, "%s (%s)", text, why);
	return ES_FAILED;
}

/* DescribeCreateAccountStatus and act on its State. */
static enum es_status poll_request(es_call *call, struct aws *a,
                                   const char *req_id)
{
	const struct es_json_api *j = a->host->json;
	char *body = aws_strdupf("{\"CreateAccountRequestId\":\"%s\"}", req_id);
	struct aws_reply r = {0};
	enum es_status st;

	if (body == NULL)
		return ES_FAILED;
	if (aws_json_call(call, a, "DescribeCreateAccountStatus", body, 0, NULL,
	                  &r) != 0 ||
	    !aws_ok(&r)) {
		free(body);
		if (aws_is(&r, "CreateAccountStatusNotFoundException")) {
			/* Forgotten by AWS: look up from scratch next time. */
			a->host->state->del(call, "create_request_id");
			aws_reply_clear(&r);
			return ES_RETRY;
		}
		st = aws_fail(call, a, &r, "DescribeCreateAccountStatus");
		aws_reply_clear(&r);
		return st;
	}
	free(body);
	es_json *doc = j->parse(r.body, r.len);
	aws_reply_clear(&r);
	const char *state = j->get_string(doc, "CreateAccountStatus.State");
	const char *id = j->get_string(doc, "CreateAccountStatus.AccountId");
	if (state != NULL && strcmp(state, "SUCCEEDED") == 0 && id != NULL)
		st = done(call, a, id, 1);
	else if (state != NULL && strcmp(state, "FAILED") == 0)
		st = failed(
		    call, a,
		    j->get_string(doc, "CreateAccountStatus.FailureReason"));
	else {
		a->host->progress->step(call, "account creation in progress");
		a->host->diag->retry_after(call, aws_poll_ms(call, a));
		st = ES_IN_PROGRESS;
	}
	j->free(doc);
	return st;
}

static enum es_status create(es_call *call, struct aws *a)
{
	const struct es_config_api *c = a->host->config;
	const struct es_json_api *j = a->host->json;
	const char *name = c->get_string(call, "account_name");
	es_json *o = j->new_object();
	char *body, *intent;
	struct aws_reply r = {0};
	enum es_status st = ES_IN_PROGRESS;

	if (o == NULL)
		return ES_FAILED;
	j->set_string(o, "Email", c->get_string(call, "account_email"));
	j->set_string(o, "AccountName", name);
	j->set_string(o, "RoleName", c->get_string(call, "role_name"));
	body = j->print(o);
	j->free(o);
	intent = aws_strdupf("create AWS account %s", name);
	if (body == NULL || intent == NULL ||
	    aws_json_call(call, a, "CreateAccount", body, 1, intent, &r) != 0 ||
	    !aws_ok(&r)) {
		st = body == NULL || intent == NULL
		         ? ES_FAILED
		         : aws_fail(call, a, &r, "CreateAccount");
		free(body);
		free(intent);
		aws_reply_clear(&r);
		return st;
	}
	free(body);
	free(intent);
	es_json *doc = j->parse(r.body, r.len);
	aws_reply_clear(&r);
	const char *id = j->get_string(doc, "CreateAccountStatus.Id");
	if (id == NULL || a->host->state->put(call, "create_request_id", id)) {
		a->host->diag->error(call, NULL,
		                     "CreateAccount answered "
		                     "without a request id");
		st = ES_RETRY;
	} else {
		a->host->progress->step(call, "account creation requested");
		a->host->diag->retry_after(call, aws_poll_ms(call, a));
	}
	j->free(doc);
	return st;
}

enum es_status aws_account_apply(es_call *call, struct aws *a)
{
	enum es_status st = ES_OK;
	const char *want = wanted(call, a);
	const char *req;
	char *found = NULL;
	int r;

	if (want == NULL)
		return ES_INVALID_CONFIG;
	req = a->host->state->get(call, "create_request_id");
	if (req != NULL && !is_adopt(call, a)) {
		char *copy = strdup(req);
		st = copy != NULL ? poll_request(call, a, copy) : ES_FAILED;
		free(copy);
		return st;
	}
	r = search(call, a, 0, want, &st, &found);
	if (r == 1) {
		st = done(call, a, found, 0);
		free(found);
		return st;
	}
	if (r < 0)
		return st;
	if (is_adopt(call, a))
		return aws_account_plan(call, a);
	/* A request sent by a run that died before recording it. */
	r = search(call, a, 1,
	           a->host->config->get_string(call, "account_name"), &st,
	           &found);
	if (r < 0)
		return st;
	if (r == 1) {
		int bad = a->host->state->put(call, "create_request_id", found);
		st = bad ? ES_RETRY : poll_request(call, a, found);
		free(found);
		return st;
	}
	return create(call, a);
}

enum es_status aws_account_verify(es_call *call, struct aws *a)
{
	enum es_status st = ES_OK;
	const char *id = aws_account_id(call, a);
	char *copy, *found = NULL;
	int r;

	if (id == NULL) {
		a->host->diag->error(call, NULL, "no account recorded yet");
		return ES_FAILED;
	}
	copy = strdup(id);
	if (copy == NULL)
		return ES_FAILED;
	r = search(call, a, 0, copy, &st, &found);
	if (r == 0) {
		a->host->diag->error(call, NULL,
		                     "account %s is not in the "
		                     "Organization any more",
		                     copy);
		st = ES_FAILED;
	}
	free(copy);
	free(found);
	return r < 0 ? st : r == 1 ? ES_OK : ES_FAILED;
}

/* ------------------------------------------------------------- session */

static char *role_arn(es_call *call, struct aws *a, const char *id)
{
	return aws_strdupf("arn:aws:iam::%s:role/%s", id,
	                   a->host->config->get_string(call, "role_name"));
}

/* "envsetup-<customer>" cut to RoleSessionName's [\w+=,.@-]{2,64}. */
static void session_name(es_call *call, struct aws *a, char *buf, size_t n)
{
	const char *cust = a->host->config->customer(call);

	snprintf(buf, n, "envsetup-%s", cust != NULL ? cust : "run");
	for (char *p = buf; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_+=,.@-", *p)))
			*p = '-';
}

static int remember(es_call *call, struct aws *a, xmlNodePtr creds,
                    const char *field, const char *name)
{
	char *v = aws_xml_get(creds, field);
	int rc = v != NULL && *v != '\0'
	             ? a->host->secret->remember(call, name, v)
	             : -1;

	if (v != NULL) {
		a->host->wipe(v, strlen(v));
		free(v);
	}
	return rc;
}

/* AWS needs a few minutes after CreateAccount before its role can be
 * assumed: within that window AccessDenied is worth retrying. */
static int fresh(es_call *call, struct aws *a)
{
	const char *at = a->host->state->get(call, "account_created_at");
	long long t = at != NULL ? atoll(at) : 0;

	return t > 0 && (long long)time(NULL) - t < 15 * 60;
}

enum es_status aws_session(es_call *call, struct aws *a)
{
	const char *id = aws_account_id(call, a);
	char sess[65], *arn;
	struct aws_reply r = {0};
	enum es_status st = ES_OK;

	if (a->session_ready)
		return ES_OK;
	if (id == NULL) {
		a->host->diag->error(call, NULL,
		                     "the infrastructure account "
		                     "does not exist yet");
		return ES_FAILED;
	}
	arn = role_arn(call, a, id);
	session_name(call, a, sess, sizeof(sess));
	const char *params[] = {
	    "RoleArn", arn, "RoleSessionName", sess, "DurationSeconds",
	    "3600",    NULL};
	if (arn == NULL ||
	    aws_query_call(call, a, AWS_STS, AWS_MANAGEMENT, "AssumeRole",
	                   params, 0, NULL, &r) != 0 ||
	    !aws_ok(&r)) {
		if (arn != NULL && aws_is(&r, "AccessDenied") &&
		    fresh(call, a)) {
			a->host->diag->error(call, NULL,
			                     "%s is not assumable "
			                     "yet; AWS is still setting up the "
			                     "new account",
			                     arn);
			a->host->diag->retry_after(call, aws_poll_ms(call, a));
			st = ES_RETRY;
		} else if (arn != NULL && aws_is(&r, "AccessDenied")) {
			a->host->diag->error(call, "role_name",
			                     "the management account may not "
			                     "assume %s",
			                     arn);
			st = ES_INVALID_CONFIG;
		} else {
			st = arn == NULL ? ES_FAILED
			                 : aws_fail(call, a, &r, "AssumeRole");
		}
		free(arn);
		aws_reply_clear(&r);
		return st;
	}
	free(arn);
	xmlDocPtr doc = aws_xml_parse(r.body, r.len);
	xmlNodePtr creds = aws_xml_path(xmlDocGetRootElement(doc),
	                                "AssumeRoleResult/Credentials");
	if (creds == NULL ||
	    remember(call, a, creds, "AccessKeyId", "sts_access_key_id") ||
	    remember(call, a, creds, "SecretAccessKey",
	             "sts_secret_access_key") ||
	    remember(call, a, creds, "SessionToken", "sts_session_token")) {
		a->host->diag->error(call, NULL,
		                     "AssumeRole answered without "
		                     "usable credentials");
		st = ES_RETRY;
	} else {
		a->session_ready = 1;
	}
	/* The reply held the session's secret: do not leave it on the heap. */
	if (r.body != NULL)
		a->host->wipe(r.body, r.len);
	aws_reply_clear(&r);
	xmlFreeDoc(doc);
	return st;
}

enum es_status aws_role_plan(es_call *call, struct aws *a)
{
	if (aws_account_id(call, a) == NULL)
		a->host->plan->change(
		    call, ES_CHANGE_UNKNOWN, "sts_session",
		    a->host->config->get_string(call, "role_name"),
		    "once the account exists");
	return ES_OK;
}

enum es_status aws_role_apply(es_call *call, struct aws *a)
{
	enum es_status st = aws_session(call, a);
	const char *id = aws_account_id(call, a);

	if (st == ES_OK && id != NULL) {
		char *arn = role_arn(call, a, id);
		if (arn != NULL)
			a->host->output->set(call, "role_arn", arn, 0);
		free(arn);
	}
	return st;
}
