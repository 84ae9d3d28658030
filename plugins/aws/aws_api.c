/*
 * aws: the clients. One es_client per AWS endpoint, signed by the core
 * with SigV4 from {{secret:...}} credentials, so no key ever enters
 * plugin memory:
 *   Organizations  JSON 1.1  POST / + X-Amz-Target     management keys
 *   STS            query     POST / Action=&Version=   management keys
 *   IAM            query     POST / Action=&Version=   member session
 *   Route 53       REST-XML  /2013-04-01/...           member session
 * and what AWS's error codes say beyond the HTTP status. Sending, the
 * classes of answers and their diagnostics are the SDK's (client.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"

static const struct {
	const char *url_key, *signing_name, *provider;
	const char *version; /* query protocol: the API version */
} services[] = {
    [AWS_ORGANIZATIONS] = {"organizations_url", "organizations",
                           "AWS Organizations", NULL},
    [AWS_STS] = {"sts_url", "sts", "AWS STS", "2011-06-15"},
    [AWS_IAM] = {"iam_url", "iam", "AWS IAM", "2010-05-08"},
    [AWS_ROUTE53] = {"route53_url", "route53", "Amazon Route 53", NULL},
};

/* AssumeRole's reply is traced (-vv) before its values are remembered as
 * secrets, so its fields are masked by name. */
static const char *const sts_secret_fields[] = {
    "AccessKeyId", "SecretAccessKey", "SessionToken", NULL};

static const struct es_http_header session_token = {
    "X-Amz-Security-Token", "{{secret:sts_session_token}}"};

const char *aws_cfg(const struct es_ctx *x, const char *key)
{
	return x->host->config->get_string(x->call, key);
}

enum es_status aws_poll_again(const struct es_ctx *x)
{
	int64_t ms = x->host->config->get_duration_ms(x->call, "poll_interval");

	return es_poll_again(x, ms > 0 ? (uint64_t)ms : 0);
}

/* ---- reading AWS's errors ------------------------------------------- */

static void say_what_code_means(struct aws_client *c, struct es_reply *r);

static void keep_error(struct es_reply *r, const char *code, const char *msg)
{
	struct aws_client *c = r->client->user;

	snprintf(c->code, sizeof(c->code), "%s", code);
	snprintf(r->message, sizeof(r->message), "%s%s%.*s", code,
	         msg ? ": " : "", msg ? (int)strcspn(msg, "\r\n") : 0,
	         msg ? msg : "");
	say_what_code_means(c, r);
}

/* Every answer of IAM, STS and Route 53 is an <OperationResponse>, or an
 * <ErrorResponse>. */
static int is_response(xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	size_t n = root && root->name ? strlen((const char *)root->name) : 0;

	return n > 8 &&
	       strcmp((const char *)root->name + n - 8, "Response") == 0;
}

/* IAM, STS, Route 53: a body that is not AWS's XML (not XML, or a proxy's
 * page) fails the request, so that a malformed 200 is never read as
 * "absent"; an error gives its code, and fails the request even in a
 * 2xx. */
static int read_xml(const struct es_client *cl, struct es_reply *r)
{
	xmlDocPtr doc = aws_xml_reply(r);
	char *code = NULL, *msg = NULL;
	int ok2xx = r->http_status >= 200 && r->http_status <= 299;

	(void)cl;
	if (doc && ok2xx && !is_response(doc)) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (!doc)
		return -1;
	if ((!ok2xx || !strcmp((const char *)xmlDocGetRootElement(doc)->name,
	                       "ErrorResponse")) &&
	    aws_xml_error(doc, &code, &msg) == 0) {
		keep_error(r, code, msg);
		if (ok2xx)
			r->outcome = ES_FAILURE;
	}
	free(code);
	free(msg);
	xmlFreeDoc(doc);
	return 0;
}

/* Organizations: {"__type": "...#Code", "message": ...}; the SDK has
 * already refused a body that is not JSON. */
static int read_json(const struct es_client *cl, struct es_reply *r)
{
	const struct es_json_api *j = cl->ctx->host->json;
	const char *type = j->get_string(r->json, "__type");
	const char *msg = j->get_string(r->json, "message");

	if (!msg)
		msg = j->get_string(r->json, "Message");
	if (type) {
		keep_error(
		    r, strrchr(type, '#') ? strrchr(type, '#') + 1 : type, msg);
		if (r->http_status >= 200 && r->http_status <= 299)
			r->outcome = ES_FAILURE; /* an error in a 2xx */
	}
	return 0;
}

static int code_in(const char *code, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(code, list[i]) == 0)
			return 1;
	return 0;
}

/* A read's "no such thing", answered to a POST. */
static const char *const not_found_codes[] = {
    "NoSuchEntity", "CreateAccountStatusNotFoundException",
    "AccountNotFoundException", NULL};
static const char *const expired_codes[] = {"ExpiredToken",
                                            "ExpiredTokenException", NULL};
/* Rejected keys, which JSON 1.1 services answer with 400. */
static const char *const credential_codes[] = {"AccessDeniedException",
                                               "InvalidClientTokenId",
                                               "SignatureDoesNotMatch",
                                               "UnrecognizedClientException",
                                               "InvalidSignatureException",
                                               "IncompleteSignature",
                                               "MissingAuthenticationToken",
                                               "AuthFailure",
                                               NULL};
/* Worth trying again, though answered with 400. */
static const char *const transient_codes[] = {"Throttling",
                                              "ThrottlingException",
                                              "TooManyRequestsException",
                                              "RequestLimitExceeded",
                                              "PriorRequestNotComplete",
                                              "ConcurrentModification",
                                              "ConcurrentModificationException",
                                              "RequestTimeTooSkewed",
                                              "FinalizingOrganizationException",
                                              NULL};

/*
 * What AWS's error code says beyond the HTTP status (client.h's read hook
 * rule): a read's "no such thing" answered to a POST is absent, throttling
 * and rejected keys come as 400, and an expired session is opened again.
 */
static void say_what_code_means(struct aws_client *c, struct es_reply *r)
{
	const struct es_ctx *x = c->api.ctx;

	if (!r->write && code_in(c->code, not_found_codes)) {
		r->outcome = ES_ABSENT;
	} else if (code_in(c->code, expired_codes)) {
		aws_session_expired(c->instance);
		x->host->diag->error(x->call, NULL,
		                     "the STS session expired; a new one is "
		                     "opened on the next try");
		r->status = ES_RETRY;
	} else if (code_in(c->code, credential_codes)) {
		r->status = ES_INVALID_CONFIG;
	} else if (code_in(c->code, transient_codes)) {
		x->host->diag->retry_after(x->call, 5000);
		r->status = ES_RETRY;
	}
}

/* ---- the three protocols ---------------------------------------------- */

/* Messages name the operation: the query and JSON 1.1 protocols post
 * every operation to the same URL. */
static void name_operation(struct aws_client *c, const char *op)
{
	snprintf(c->provider, sizeof(c->provider), "%s %s",
	         services[c->service].provider, op);
	c->code[0] = '\0';
}

enum es_status aws_org(struct aws_client *c, struct es_reply *r, const char *op,
                       const es_json *body, const char *intent)
{
	const struct es_host *h = c->api.ctx->host;
	char target[96], *text = h->json->print(body);
	const struct es_http_header header = {"X-Amz-Target", target};
	const struct es_send s = {.method = "POST",
	                          .body = text,
	                          .content_type = "application/x-amz-json-1.1",
	                          .intent = intent,
	                          .headers = &header,
	                          .n_headers = 1};
	enum es_status st;

	memset(r, 0, sizeof(*r));
	if (!text)
		return r->status = ES_FAILED;
	snprintf(target, sizeof(target), "AWSOrganizationsV20161128.%s", op);
	name_operation(c, op);
	st = es_client_call(&c->api, r, &s, "/");
	h->mem_free(text);
	return st;
}

#define QUERY_MAX_PARAMS 8

enum es_status aws_query(struct aws_client *c, struct es_reply *r,
                         const char *action,
                         const struct es_http_header *params, size_t n,
                         const char *intent)
{
	struct es_http_header form[QUERY_MAX_PARAMS + 2] = {
	    {"Action", action}, {"Version", services[c->service].version}};
	const struct es_send s = {.method = "POST",
	                          .form_kind = ES_FORM_URLENCODED,
	                          .form = form,
	                          .n_form = n + 2,
	                          .intent = intent};

	memset(r, 0, sizeof(*r));
	if (n > QUERY_MAX_PARAMS) {
		c->api.ctx->host->diag->error(c->api.ctx->call, NULL,
		                              "%s: more than %d parameters",
		                              action, QUERY_MAX_PARAMS);
		return r->status = ES_FAILED;
	}
	memcpy(form + 2, params, n * sizeof(*params));
	name_operation(c, action);
	return es_client_call(&c->api, r, &s, "/");
}

enum es_status aws_rest(struct aws_client *c, struct es_reply *r,
                        const char *op, const char *method, const char *path,
                        const char *xml, const char *intent)
{
	const struct es_send s = {.method = method,
	                          .body = xml,
	                          .content_type =
	                              xml ? "application/xml" : NULL,
	                          .intent = intent};

	name_operation(c, op);
	return es_client_call(&c->api, r, &s, "%s", path);
}

enum es_status aws_unreadable(const struct aws_client *c, const char *missing)
{
	const struct es_ctx *x = c->api.ctx;

	x->host->diag->error(x->call, NULL,
	                     "%s answered without %s; looking again later",
	                     c->provider, missing);
	return ES_RETRY;
}

/* ---- setting a client up ---------------------------------------------- */

enum es_status aws_client(struct aws_client *c, const struct es_ctx *x,
                          enum aws_service service)
{
	int member = service == AWS_IAM || service == AWS_ROUTE53;
	const char *region = aws_cfg(x, "region");
	enum es_status st;

	memset(c, 0, sizeof(*c));
	if (member && (st = aws_session(x)) != ES_OK)
		return st;
	if (es_client_init(&c->api, x, services[service].url_key))
		return ES_INVALID_CONFIG;
	c->service = service;
	c->instance = x->instance;
	snprintf(c->sigv4, sizeof(c->sigv4), "aws:amz:%s:%s",
	         region ? region : "us-east-1", services[service].signing_name);
	snprintf(c->provider, sizeof(c->provider), "%s",
	         services[service].provider);
	c->api.provider = c->provider;
	c->api.auth_key = "access_key_id";
	c->api.aws_sigv4 = c->sigv4;
	c->api.raw_body = service != AWS_ORGANIZATIONS;
	c->api.read = service == AWS_ORGANIZATIONS ? read_json : read_xml;
	c->api.user = c;
	if (member) {
		/* Inside the member account, through the assumed role. */
		c->api.basic_user = "{{secret:sts_access_key_id}}";
		c->api.basic_password = "{{secret:sts_secret_access_key}}";
		c->api.headers = &session_token;
		c->api.n_headers = 1;
		c->api.forbidden_hint = "the role in role_name may lack this "
		                        "permission in the member account";
	} else {
		c->api.basic_user = "{{secret:access_key_id}}";
		c->api.basic_password = "{{secret:secret_access_key}}";
	}
	if (service == AWS_STS)
		c->api.secret_fields = sts_secret_fields;
	return ES_OK;
}
