/*
 * The AWS wire protocols the plugin speaks, all signed by the core with
 * SigV4 (CURLOPT_AWS_SIGV4) from {{secret:...}} credentials, so no key
 * ever enters plugin memory:
 *   Organizations  JSON 1.1   POST / + X-Amz-Target
 *   STS, IAM       query      POST / Action=..&Version=..
 *   Route 53       REST-XML   /2013-04-01/...
 * and the one place where an AWS error becomes an es_status.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws.h"

#define ORG_TARGET_PREFIX "AWSOrganizationsV20161128."
#define STS_VERSION "2011-06-15"
#define IAM_VERSION "2010-05-08"

static const char *const url_keys[] = {"organizations_url", "sts_url",
                                       "iam_url", "route53_url"};
static const char *const sigv4_services[] = {"organizations", "sts", "iam",
                                             "route53"};

char *aws_strdupf(const char *fmt, ...)
{
	va_list ap;
	char *out = NULL;

	va_start(ap, fmt);
	if (vasprintf(&out, fmt, ap) < 0)
		out = NULL;
	va_end(ap);
	return out;
}

char *aws_uri_encode(const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out, *o;

	if (in == NULL)
		return NULL;
	out = malloc(strlen(in) * 3 + 1);
	if (out == NULL)
		return NULL;
	o = out;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-_.~", *p) != NULL) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

uint32_t aws_poll_ms(es_call *call, struct aws *a)
{
	int64_t ms = a->host->config->get_duration_ms(call, "poll_interval");
	return ms <= 0 ? 15000u : ms > 600000 ? 600000u : (uint32_t)ms;
}

void aws_reply_clear(struct aws_reply *r)
{
	free(r->body);
	free(r->code);
	free(r->message);
	free(r->location);
	memset(r, 0, sizeof(*r));
}

int aws_ok(const struct aws_reply *r)
{
	return r->status >= 200 && r->status < 300;
}

int aws_is(const struct aws_reply *r, const char *code)
{
	return !aws_ok(r) && r->code != NULL && strcmp(r->code, code) == 0;
}

/* "https://iam.amazonaws.com/" + "/x" without a doubled slash. */
static char *endpoint(es_call *call, struct aws *a, enum aws_service svc,
                      const char *rest)
{
	const char *base = a->host->config->get_string(call, url_keys[svc]);
	size_t n;

	if (base == NULL)
		return NULL;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	return aws_strdupf("%.*s%s", (int)n, base, rest);
}

static void json_error(struct aws *a, struct aws_reply *r)
{
	const struct es_json_api *j = a->host->json;
	es_json *doc = j->parse(r->body, r->len);
	const char *type, *msg;

	if (doc == NULL)
		return;
	type = j->get_string(doc, "__type");
	if (type != NULL) {
		const char *hash = strrchr(type, '#');
		r->code = strdup(hash != NULL ? hash + 1 : type);
	}
	msg = j->get_string(doc, "message");
	if (msg == NULL)
		msg = j->get_string(doc, "Message");
	if (msg != NULL)
		r->message = strdup(msg);
	j->free(doc);
}

/* Send and copy the answer into `out`; the error code is parsed with the
 * service's protocol. */
static int perform(es_call *call, struct aws *a, enum aws_service svc,
                   const struct es_http_request *req, struct aws_reply *out)
{
	const struct es_http_api *http = a->host->http;
	es_http_response *resp;
	const char *body, *loc;
	size_t len = 0;

	memset(out, 0, sizeof(*out));
	resp = http->request(call, req);
	if (resp == NULL)
		return -1;
	out->status = http->status(resp);
	body = http->body(resp, &len);
	out->body = malloc(len + 1);
	loc = http->header(resp, "Location");
	if (loc != NULL)
		out->location = strdup(loc);
	if (out->body != NULL) {
		if (len > 0)
			memcpy(out->body, body, len);
		out->body[len] = '\0';
		out->len = len;
	}
	http->response_free(resp);
	if (out->body == NULL)
		return -1;
	if (!aws_ok(out)) {
		if (svc == AWS_ORGANIZATIONS)
			json_error(a, out);
		else
			aws_xml_error(out->body, out->len, &out->code,
			              &out->message);
	}
	return 0;
}

/* Fill the signing part of `req`. `scope` must hold 64 bytes. */
static void sign(es_call *call, struct aws *a, enum aws_service svc,
                 enum aws_creds creds, struct es_http_request *req, char *scope,
                 size_t scope_len)
{
	const char *region = a->host->config->get_string(call, "region");

	snprintf(scope, scope_len, "aws:amz:%s:%s",
	         region != NULL ? region : "us-east-1", sigv4_services[svc]);
	req->aws_sigv4 = scope;
	if (creds == AWS_MEMBER) {
		req->basic_user = "{{secret:sts_access_key_id}}";
		req->basic_password = "{{secret:sts_secret_access_key}}";
	} else {
		req->basic_user = "{{secret:access_key_id}}";
		req->basic_password = "{{secret:secret_access_key}}";
	}
}

static const struct es_http_header session_header = {
    "X-Amz-Security-Token", "{{secret:sts_session_token}}"};

int aws_json_call(es_call *call, struct aws *a, const char *op,
                  const char *json, int mutating, const char *intent,
                  struct aws_reply *out)
{
	char scope[96], *url = endpoint(call, a, AWS_ORGANIZATIONS, "/");
	char *target = aws_strdupf(ORG_TARGET_PREFIX "%s", op);
	struct es_http_header headers[1] = {{"X-Amz-Target", target}};
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = "POST",
	    .url = url,
	    .headers = headers,
	    .n_headers = 1,
	    .body = json,
	    .body_len = strlen(json),
	    .content_type = "application/x-amz-json-1.1",
	    .mutating = mutating,
	    .intent = intent,
	};
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (url != NULL && target != NULL) {
		sign(call, a, AWS_ORGANIZATIONS, AWS_MANAGEMENT, &req, scope,
		     sizeof(scope));
		rc = perform(call, a, AWS_ORGANIZATIONS, &req, out);
	}
	free(url);
	free(target);
	return rc;
}

/* A query value is encoded here unless it is a whole {{secret:...}}
 * reference: the core substitutes those raw into the body, and the
 * generated secrets use only form-safe characters. */
static char *query_value(const char *v)
{
	size_t n = strlen(v);

	if (n > 11 && strncmp(v, "{{secret:", 9) == 0 &&
	    strcmp(v + n - 2, "}}") == 0)
		return strdup(v);
	return aws_uri_encode(v);
}

static char *query_body(const char *action, const char *version,
                        const char *const *params)
{
	char *body = aws_strdupf("Action=%s&Version=%s", action, version);

	for (size_t i = 0; body != NULL && params != NULL && params[i] != NULL;
	     i += 2) {
		char *v =
		    params[i + 1] != NULL ? query_value(params[i + 1]) : NULL;
		char *next = v != NULL
		                 ? aws_strdupf("%s&%s=%s", body, params[i], v)
		                 : NULL;
		free(v);
		free(body);
		body = next;
		if (params[i + 1] == NULL)
			break;
	}
	return body;
}

int aws_query_call(es_call *call, struct aws *a, enum aws_service svc,
                   enum aws_creds creds, const char *action,
                   const char *const *params, int mutating, const char *intent,
                   struct aws_reply *out)
{
	char scope[96], *url = endpoint(call, a, svc, "/");
	char *body = query_body(
	    action, svc == AWS_STS ? STS_VERSION : IAM_VERSION, params);
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = "POST",
	    .url = url,
	    .headers = creds == AWS_MEMBER ? &session_header : NULL,
	    .n_headers = creds == AWS_MEMBER ? 1 : 0,
	    .body = body,
	    .body_len = body != NULL ? strlen(body) : 0,
	    .content_type = "application/x-www-form-urlencoded; charset=utf-8",
	    .mutating = mutating,
	    .intent = intent,
	};
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (url != NULL && body != NULL) {
		sign(call, a, svc, creds, &req, scope, sizeof(scope));
		rc = perform(call, a, svc, &req, out);
	}
	free(url);
	free(body);
	return rc;
}

int aws_rest_call(es_call *call, struct aws *a, const char *method,
                  const char *path_and_query, const char *xml, int mutating,
                  const char *intent, struct aws_reply *out)
{
	char scope[96], *url = endpoint(call, a, AWS_ROUTE53, path_and_query);
	struct es_http_request req = {
	    .struct_size = sizeof(req),
	    .method = method,
	    .url = url,
	    .headers = &session_header,
	    .n_headers = 1,
	    .body = xml,
	    .body_len = xml != NULL ? strlen(xml) : 0,
	    .content_type = xml != NULL ? "application/xml" : NULL,
	    .mutating = mutating,
	    .intent = intent,
	};
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (url != NULL) {
		/* Route 53 acts inside the member account, like IAM. */
		sign(call, a, AWS_ROUTE53, AWS_MEMBER, &req, scope,
		     sizeof(scope));
		rc = perform(call, a, AWS_ROUTE53, &req, out);
	}
	free(url);
	return rc;
}

static int code_in(const char *code, const char *const *list)
{
	for (size_t i = 0; code != NULL && list[i] != NULL; i++)
		if (strcmp(code, list[i]) == 0)
			return 1;
	return 0;
}

static const char *const credential_codes[] = {"AccessDenied",
                                               "AccessDeniedException",
                                               "InvalidClientTokenId",
                                               "SignatureDoesNotMatch",
                                               "UnrecognizedClientException",
                                               "InvalidSignatureException",
                                               "IncompleteSignature",
                                               "MissingAuthenticationToken",
                                               "AuthFailure",
                                               NULL};
static const char *const transient_codes[] = {"Throttling",
                                              "ThrottlingException",
                                              "TooManyRequestsException",
                                              "RequestLimitExceeded",
                                              "PriorRequestNotComplete",
                                              "ServiceUnavailable",
                                              "ServiceFailure",
                                              "ServiceException",
                                              "InternalFailure",
                                              "ConcurrentModification",
                                              "ConcurrentModificationException",
                                              "RequestTimeTooSkewed",
                                              "FinalizingOrganizationException",
                                              NULL};

enum es_status aws_fail(es_call *call, struct aws *a, const struct aws_reply *r,
                        const char *what)
{
	const struct es_diag_api *d = a->host->diag;
	const char *code = r->code != NULL ? r->code : "";
	const char *msg = r->message != NULL ? r->message : "";

	if (r->status == 0) {
		d->error(call, NULL, "%s: no answer from AWS", what);
		return ES_RETRY;
	}
	if (strcmp(code, "ExpiredToken") == 0 ||
	    strcmp(code, "ExpiredTokenException") == 0) {
		/* The STS session ran out: take a new one next time. */
		a->session_ready = 0;
		d->error(call, NULL, "%s: the STS session expired", what);
		return ES_RETRY;
	}
	if (code_in(code, credential_codes) || r->status == 403 ||
	    r->status == 401) {
		d->error(call, "access_key_id",
		         "%s: AWS refused the credentials (%s%s%s, HTTP %ld)",
		         what, *code ? code : "no code", *msg ? ": " : "", msg,
		         r->status);
		return ES_INVALID_CONFIG;
	}
	if (code_in(code, transient_codes) || r->status == 429 ||
	    r->status >= 500) {
		d->error(call, NULL, "%s: %s (HTTP %ld), will retry", what,
		         *code ? code : "server error", r->status);
		d->retry_after(call, 5000);
		return ES_RETRY;
	}
	d->error(call, NULL, "%s: %s%s%s (HTTP %ld)", what,
	         *code ? code : "error", *msg ? ": " : "", msg, r->status);
	return ES_FAILED;
}
