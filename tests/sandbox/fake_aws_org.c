/*
 * Fake AWS Organizations (JSON 1.1, X-Amz-Target AWSOrganizationsV20161128.*)
 * for the management account: CreateAccount, DescribeCreateAccountStatus
 * (the account appears after sb_async_polls() describes, or the request
 * fails with EMAIL_ALREADY_EXISTS), ListAccounts, DescribeAccount,
 * ListCreateAccountStatus.
 * See fake_aws.c for authentication.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_aws.h"

static const char *org_target(const struct sb_request *r)
{
	const char *t = sb_header(r, "x-amz-target");
	static const char prefix[] = "AWSOrganizationsV20161128.";

	if (t == NULL || strncmp(t, prefix, sizeof(prefix) - 1) != 0)
		return NULL;
	return t + sizeof(prefix) - 1;
}

static cJSON *status_json(const char *id, cJSON *attrs)
{
	cJSON *s = cJSON_CreateObject();
	static const char *const fields[] = {"AccountName", "State",
	                                     "AccountId", "FailureReason"};

	cJSON_AddStringToObject(s, "Id", id);
	for (size_t i = 0; i < 4; i++) {
		cJSON *v = cJSON_GetObjectItem(attrs, fields[i]);
		if (cJSON_IsString(v))
			cJSON_AddStringToObject(s, fields[i], v->valuestring);
	}
	cJSON_AddNumberToObject(
	    s, "RequestedTimestamp",
	    cJSON_GetNumberValue(cJSON_GetObjectItem(attrs, "Requested")));
	return s;
}

struct page {
	cJSON *list;
	long skip, max, seen;
	const char *kind;
	const char *state_filter; /* ListCreateAccountStatus IN_PROGRESS */
	cJSON *states;
};

/* An Account structure, as ListAccounts and DescribeAccount give it. */
static cJSON *account_json(const char *id, cJSON *attrs)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "Id", id);
	for (const char *const *f =
	         (const char *const[]){"Arn", "Email", "Name", "Status",
	                               "JoinedMethod", NULL};
	     *f != NULL; f++) {
		cJSON *v = cJSON_GetObjectItem(attrs, *f);
		if (cJSON_IsString(v))
			cJSON_AddStringToObject(a, *f, v->valuestring);
	}
	cJSON_AddNumberToObject(a, "JoinedTimestamp", 1.7e9);
	return a;
}

static void add_account(const char *id, cJSON *attrs, void *arg)
{
	struct page *p = arg;

	if (p->seen++ < p->skip || cJSON_GetArraySize(p->list) >= p->max)
		return;
	cJSON_AddItemToArray(p->list, account_json(id, attrs));
}

/* DescribeAccount: one account by its 12-digit id. */
static void org_describe_account(cJSON *in, struct sb_response *resp)
{
	const char *id =
	    cJSON_GetStringValue(cJSON_GetObjectItem(in, "AccountId"));
	cJSON *acct, *out;

	if (id == NULL || strlen(id) != 12 || strspn(id, "0123456789") != 12) {
		fa_json_error(resp, 400, "InvalidInputException",
		              "You provided a value that does not match the "
		              "required pattern.");
		return;
	}
	acct = sb_resource_find("aws", "account", id);
	if (acct == NULL) {
		fa_json_error(resp, 400, "AccountNotFoundException",
		              "You specified an account that doesn't exist.");
		return;
	}
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "Account", account_json(id, acct));
	sb_reply_json(resp, 200, out);
}

static void add_status(const char *id, cJSON *attrs, void *arg)
{
	struct page *p = arg;
	const char *state =
	    cJSON_GetStringValue(cJSON_GetObjectItem(attrs, "State"));
	cJSON *s;
	int wanted = cJSON_GetArraySize(p->states) == 0;

	cJSON_ArrayForEach(
	    s, p->states) if (cJSON_IsString(s) && state != NULL &&
	                      strcmp(s->valuestring, state) == 0) wanted = 1;
	if (!wanted || p->seen++ < p->skip ||
	    cJSON_GetArraySize(p->list) >= p->max)
		return;
	cJSON_AddItemToArray(p->list, status_json(id, attrs));
}

static void org_list(cJSON *in, struct sb_response *resp, int statuses)
{
	struct page p = {.list = cJSON_CreateArray(), .max = 20};
	cJSON *out = cJSON_CreateObject(),
	      *mr = cJSON_GetObjectItem(in, "MaxResults");
	const char *tok =
	    cJSON_GetStringValue(cJSON_GetObjectItem(in, "NextToken"));
	char next[32];

	if (mr != NULL && (!cJSON_IsNumber(mr) || mr->valuedouble < 1 ||
	                   mr->valuedouble > 20)) {
		cJSON_Delete(p.list);
		cJSON_Delete(out);
		fa_json_error(resp, 400, "InvalidInputException",
		              "MaxResults must be between 1 and 20");
		return;
	}
	if (mr != NULL)
		p.max = (long)mr->valuedouble;
	if (tok != NULL && (sscanf(tok, "sbxtok-%ld", &p.skip) != 1 ||
	                    p.skip < 0 || p.skip > 1000000)) {
		cJSON_Delete(p.list);
		cJSON_Delete(out);
		fa_json_error(resp, 400, "InvalidInputException",
		              "The NextToken is not valid");
		return;
	}
	p.states = cJSON_GetObjectItem(in, "States");
	sb_resource_each("aws", statuses ? "create_account_status" : "account",
	                 statuses ? add_status : add_account, &p);
	cJSON_AddItemToObject(
	    out, statuses ? "CreateAccountStatuses" : "Accounts", p.list);
	if (p.seen > p.skip + p.max) {
		snprintf(next, sizeof(next), "sbxtok-%ld", p.skip + p.max);
		cJSON_AddStringToObject(out, "NextToken", next);
	}
	sb_reply_json(resp, 200, out);
}

static int email_ok(const char *e)
{
	const char *at = e != NULL ? strchr(e, '@') : NULL;
	size_t n = e != NULL ? strlen(e) : 0;

	return at != NULL && n >= 6 && n <= 64 && at > e &&
	       strchr(at + 1, '@') == NULL && strchr(at, '.') != NULL &&
	       strpbrk(e, " \t\r\n") == NULL && e[n - 1] != '.';
}

static void org_create(cJSON *in, struct sb_response *resp)
{
	const char *email =
	    cJSON_GetStringValue(cJSON_GetObjectItem(in, "Email"));
	const char *name =
	    cJSON_GetStringValue(cJSON_GetObjectItem(in, "AccountName"));
	const char *role =
	    cJSON_GetStringValue(cJSON_GetObjectItem(in, "RoleName"));
	static unsigned counter;
	char id[40];
	cJSON *attrs, *out;

	if (!email_ok(email) || name == NULL || *name == '\0' ||
	    strlen(name) > 50 || (role != NULL && strlen(role) > 64)) {
		fa_json_error(resp, 400, "ConstraintViolationException",
		              "Email (6-64, an address) and AccountName (1-50) "
		              "are required");
		return;
	}
	snprintf(id, sizeof(id), "car-sbx%08x%04x", (unsigned)time(NULL),
	         ++counter);
	attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "Email", email);
	cJSON_AddStringToObject(attrs, "AccountName", name);
	cJSON_AddStringToObject(attrs, "RoleName",
	                        role != NULL ? role
	                                     : "OrganizationAccountAccessRole");
	cJSON_AddStringToObject(attrs, "State", "IN_PROGRESS");
	cJSON_AddNumberToObject(attrs, "Requested", (double)time(NULL));
	cJSON_AddNumberToObject(attrs, "polls", 0);
	attrs = sb_resource_add("aws", "create_account_status", id, attrs);
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "CreateAccountStatus",
	                      status_json(id, attrs));
	sb_reply_json(resp, 200, out);
}

/* The account appears once the request has been described enough. */
static void finish_creation(cJSON *st)
{
	const char *email =
	    cJSON_GetStringValue(cJSON_GetObjectItem(st, "Email"));
	static unsigned long long next = 200000000000ULL;
	char id[16], arn[128];
	cJSON *acct;

	if (sb_resource_find_by("aws", "account", "Email", email) != NULL) {
		cJSON_ReplaceItemInObject(st, "State",
		                          cJSON_CreateString("FAILED"));
		cJSON_AddStringToObject(st, "FailureReason",
		                        "EMAIL_ALREADY_EXISTS");
		return;
	}
	do
		snprintf(id, sizeof(id), "%012llu", next++);
	while (sb_resource_find("aws", "account", id) != NULL);
	snprintf(arn, sizeof(arn),
	         "arn:aws:organizations::%s:account/o-sandbox0001/%s",
	         fa_management_account(), id);
	acct = cJSON_CreateObject();
	cJSON_AddStringToObject(acct, "Arn", arn);
	cJSON_AddStringToObject(acct, "Email", email);
	cJSON_AddStringToObject(
	    acct, "Name",
	    cJSON_GetStringValue(cJSON_GetObjectItem(st, "AccountName")));
	cJSON_AddStringToObject(acct, "Status", "ACTIVE");
	cJSON_AddStringToObject(acct, "JoinedMethod", "CREATED");
	cJSON_AddStringToObject(
	    acct, "RoleName",
	    cJSON_GetStringValue(cJSON_GetObjectItem(st, "RoleName")));
	sb_resource_add("aws", "account", id, acct);
	cJSON_ReplaceItemInObject(st, "State", cJSON_CreateString("SUCCEEDED"));
	cJSON_AddStringToObject(st, "AccountId", id);
}

static void org_describe(cJSON *in, struct sb_response *resp)
{
	const char *id = cJSON_GetStringValue(
	    cJSON_GetObjectItem(in, "CreateAccountRequestId"));
	cJSON *st = id != NULL
	                ? sb_resource_find("aws", "create_account_status", id)
	                : NULL;
	cJSON *polls, *out;

	if (id == NULL) {
		fa_json_error(resp, 400, "InvalidInputException",
		              "CreateAccountRequestId is required");
		return;
	}
	if (st == NULL) {
		fa_json_error(resp, 400, "CreateAccountStatusNotFoundException",
		              "We can't find a create account request with the "
		              "CreateAccountRequestId that you specified.");
		return;
	}
	polls = cJSON_GetObjectItem(st, "polls");
	cJSON_SetNumberValue(polls, polls->valuedouble + 1);
	if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(st, "State")),
	           "IN_PROGRESS") == 0 &&
	    polls->valuedouble >= sb_async_polls())
		finish_creation(st);
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "CreateAccountStatus", status_json(id, st));
	sb_reply_json(resp, 200, out);
}

void fa_organizations(const struct sb_request *r, const struct fa_caller *who,
                      struct sb_response *resp)
{
	const char *op = org_target(r);
	const char *ct = sb_header(r, "content-type");
	cJSON *in = sb_json(r);

	if (strcmp(r->method, "POST") != 0 ||
	    strcmp(r->path, "/organizations/") != 0 || op == NULL) {
		fa_json_error(
		    resp, 400, "UnknownOperationException",
		    "POST / with X-Amz-Target AWSOrganizationsV20161128.*");
		return;
	}
	if (ct == NULL || strncmp(ct, "application/x-amz-json-1.1", 26) != 0 ||
	    !cJSON_IsObject(in)) {
		fa_json_error(resp, 400, "SerializationException",
		              "expected an application/x-amz-json-1.1 object");
		return;
	}
	if (who->member) {
		fa_json_error(
		    resp, 400, "AccessDeniedException",
		    "You don't have permissions to access this resource.");
		return;
	}
	if (strcmp(op, "CreateAccount") == 0)
		org_create(in, resp);
	else if (strcmp(op, "DescribeCreateAccountStatus") == 0)
		org_describe(in, resp);
	else if (strcmp(op, "ListAccounts") == 0)
		org_list(in, resp, 0);
	else if (strcmp(op, "DescribeAccount") == 0)
		org_describe_account(in, resp);
	else if (strcmp(op, "ListCreateAccountStatus") == 0)
		org_list(in, resp, 1);
	else if (!fa_org_teardown(op, in, resp))
		fa_json_error(resp, 400, "UnknownOperationException", op);
}
