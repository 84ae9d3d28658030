/*
 * Fake AWS: Organizations (JSON 1.1), STS and IAM (query), Route 53
 * (REST-XML) under /aws/organizations, /aws/sts, /aws/iam, /aws/route53.
 *
 * Every request must carry a valid SigV4 signature, recomputed here over
 * the path as received (with the /aws/<service> prefix), the sorted query,
 * the signed headers and the payload hash. Credentials:
 *   SANDBOX_AWS_ACCESS_KEY_ID     default AKIASANDBOX000000001
 *   SANDBOX_AWS_SECRET_ACCESS_KEY default
 * sandbox/secret/key/0000000000000000000000 SANDBOX_AWS_ACCOUNT_ID        the
 * management account, default 111111111111 SANDBOX_AWS_REGION signing region,
 * default us-east-1 AssumeRole hands out ASIA... keys whose secret and session
 * token are derived (HMAC) from the management secret, so no session is stored.
 *
 * Resources (provider "aws"): account, create_account_status, iam_group,
 * iam_user, login_profile (never the password), hosted_zone, record,
 * change. CreateAccount succeeds after sb_async_polls() describes, a
 * Route 53 change is INSYNC after sb_async_polls() GetChange calls.
 *
 * This file: router, response helpers, credentials, SigV4 check, STS.
 * fake_aws_org.c, fake_aws_iam.c, fake_aws_route53.c: the services.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fake_aws.h"
#include "sigv4_check.h"

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v != NULL && *v != '\0' ? v : def;
}

const char *fa_management_account(void)
{
	return env_or("SANDBOX_AWS_ACCOUNT_ID", "111111111111");
}

static const char *master_akid(void)
{
	return env_or("SANDBOX_AWS_ACCESS_KEY_ID", "AKIASANDBOX000000001");
}

static const char *master_secret(void)
{
	return env_or("SANDBOX_AWS_SECRET_ACCESS_KEY",
	              "sandbox/secret/key/0000000000000000000000");
}

/* --------------------------------------------------------------- output */

char *fa_esc(const char *in, char *buf, size_t n)
{
	size_t o = 0;

	for (; in != NULL && *in != '\0' && o + 7 < n; in++) {
		const char *rep = *in == '&'   ? "&amp;"
		                  : *in == '<' ? "&lt;"
		                  : *in == '>' ? "&gt;"
		                  : *in == '"' ? "&quot;"
		                               : NULL;
		if (rep != NULL) {
			memcpy(buf + o, rep, strlen(rep));
			o += strlen(rep);
		} else {
			buf[o++] = *in;
		}
	}
	buf[o] = '\0';
	return buf;
}

void fa_request_id(char *buf, size_t n)
{
	static unsigned counter;
	snprintf(buf, n, "5a1d0000-0000-4000-8000-%012u", ++counter);
}

void fa_iso_time(time_t t, char *buf, size_t n)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

void fa_xml_error(struct sb_response *resp, int status, const char *ns,
                  const char *code, const char *fmt, ...)
{
	char msg[512], esc[1024], rid[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fa_request_id(rid, sizeof(rid));
	sb_reply(resp, status, "text/xml",
	         "<ErrorResponse xmlns=\"%s\"><Error><Type>%s</Type>"
	         "<Code>%s</Code><Message>%s</Message></Error>"
	         "<RequestId>%s</RequestId></ErrorResponse>",
	         ns, status >= 500 ? "Receiver" : "Sender", code,
	         fa_esc(msg, esc, sizeof(esc)), rid);
	sb_reply_header(resp, "x-amzn-RequestId", rid);
}

void fa_json_error(struct sb_response *resp, int status, const char *code,
                   const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	char rid[64];

	cJSON_AddStringToObject(o, "__type", code);
	cJSON_AddStringToObject(o, "Message", msg);
	fa_request_id(rid, sizeof(rid));
	sb_reply_json(resp, status, o);
	snprintf(resp->content_type, sizeof(resp->content_type),
	         "application/x-amz-json-1.1");
	sb_reply_header(resp, "x-amzn-RequestId", rid);
}

/* The query-protocol success envelope around `result` (may be ""). */
void fa_query_reply(struct sb_response *resp, const char *ns,
                    const char *action, const char *result)
{
	char rid[64];

	fa_request_id(rid, sizeof(rid));
	if (*result != '\0')
		sb_reply(resp, 200, "text/xml",
		         "<%sResponse xmlns=\"%s\"><%sResult>%s</%sResult>"
		         "<ResponseMetadata><RequestId>%s</RequestId>"
		         "</ResponseMetadata></%sResponse>",
		         action, ns, action, result, action, rid, action);
	else
		sb_reply(resp, 200, "text/xml",
		         "<%sResponse xmlns=\"%s\"><ResponseMetadata>"
		         "<RequestId>%s</RequestId></ResponseMetadata>"
		         "</%sResponse>",
		         action, ns, rid, action);
}

/* --------------------------------------------------------- credentials */

/* Secret and token of a session key, derived from the master secret. */
static void session_secret(const char *akid, char out[41])
{
	unsigned char mac[32];
	char msg[200], hex[65];

	snprintf(msg, sizeof(msg), "sts-secret:%s", akid);
	sv4_hmac(master_secret(), strlen(master_secret()), msg, strlen(msg),
	         mac);
	sv4_hex(mac, 32, hex);
	memcpy(out, hex, 40);
	out[40] = '\0';
}

static void session_token(const char *akid, const char *account, char out[82])
{
	unsigned char mac[32];
	char msg[200], hex[65];

	snprintf(msg, sizeof(msg), "sts-token:%s:%s", akid, account);
	sv4_hmac(master_secret(), strlen(master_secret()), msg, strlen(msg),
	         mac);
	sv4_hex(mac, 32, hex);
	snprintf(out, 82, "SBX1%s%s", account, hex);
}

void fa_new_session(const char *account, char akid[21], char secret[41],
                    char token[82])
{
	static unsigned long long counter;

	snprintf(akid, 21, "ASIA%016llX",
	         (unsigned long long)time(NULL) * 1000 + ++counter);
	session_secret(akid, secret);
	session_token(akid, account, token);
}

static const char *hdr(void *ctx, const char *name)
{
	return sb_header(ctx, name);
}

/* 1 if the signature of `r` over `path` verifies with `secret`. */
static int signature_ok(const struct sb_request *r, const struct sv4_auth *a,
                        const char *path, const char *secret)
{
	struct sv4_input in = {
	    .method = r->method,
	    .path = path,
	    .query = r->query,
	    .body = r->body,
	    .body_len = r->body_len,
	    .amz_date = sb_header(r, "x-amz-date"),
	    .header = hdr,
	    .ctx = (void *)r,
	};
	char sig[65];

	return sv4_signature(secret, a, &in, sig) == 0 &&
	       sv4_equal(sig, a->signature);
}

static int skewed(const char *amz_date)
{
	struct tm tm = {0};
	const char *end;

	if (amz_date == NULL || strlen(amz_date) != 16)
		return 1;
	end = strptime(amz_date, "%Y%m%dT%H%M%SZ", &tm);
	if (end == NULL || *end != '\0')
		return 1;
	return labs((long)(timegm(&tm) - time(NULL))) > 15 * 60;
}

/*
 * Check the SigV4 signature of `r` for `service`; on success fill the
 * caller's account and return 0, else answer in the service's error shape.
 */
static int authenticate(const struct sb_request *r, enum fa_proto proto,
                        const char *ns, const char *service,
                        struct fa_caller *who, struct sb_response *resp)
{
	const char *auth_h = sb_header(r, "authorization");
	const char *token = sb_header(r, "x-amz-security-token");
	const char *date = sb_header(r, "x-amz-date");
	char secret[128], path[1024];
	const char *bad_code = NULL, *why = NULL;
	struct sv4_auth a;
	int status = proto == FA_JSON ? 400 : 403;

	memset(who, 0, sizeof(*who));
	if (auth_h == NULL) {
		bad_code = "MissingAuthenticationToken";
		why = "Request is missing Authentication Token";
	} else if (sv4_parse_auth(auth_h, &a) != 0 || date == NULL ||
	           strncmp(date, a.date, 8) != 0 ||
	           strstr(a.signed_headers, "host") == NULL ||
	           strstr(a.signed_headers, "x-amz-date") == NULL) {
		bad_code = "IncompleteSignature";
		why = "Authorization header or X-Amz-Date is malformed";
		status = 400;
	} else if (skewed(date)) {
		bad_code = "RequestExpired";
		why = "Signature expired or X-Amz-Date too far from now";
		status = 400;
	} else if (strcmp(a.region,
	                  env_or("SANDBOX_AWS_REGION", "us-east-1")) != 0 ||
	           strcmp(a.service, service) != 0) {
		bad_code = "SignatureDoesNotMatch";
		why = "Credential should be scoped to a valid region and "
		      "service";
	}
	if (bad_code == NULL && strcmp(a.akid, master_akid()) == 0) {
		snprintf(secret, sizeof(secret), "%s", master_secret());
		snprintf(who->account, sizeof(who->account), "%s",
		         fa_management_account());
	} else if (bad_code == NULL && strncmp(a.akid, "ASIA", 4) == 0 &&
	           token != NULL && strlen(token) == 80) {
		char want[82], account[13];
		memcpy(account, token + 4, 12);
		account[12] = '\0';
		session_token(a.akid, account, want);
		if (!sv4_equal(want, token) ||
		    sb_resource_find("aws", "account", account) == NULL) {
			bad_code = proto == FA_JSON
			               ? "UnrecognizedClientException"
			               : "InvalidClientTokenId";
			why = "The security token included in the request is "
			      "invalid.";
		}
		session_secret(a.akid, secret);
		snprintf(who->account, sizeof(who->account), "%s", account);
		who->member = 1;
	} else if (bad_code == NULL) {
		bad_code = proto == FA_JSON ? "UnrecognizedClientException"
		                            : "InvalidClientTokenId";
		why = "The security token included in the request is invalid.";
	}
	if (bad_code == NULL) {
		snprintf(path, sizeof(path), "/aws%s", r->path);
		if (!signature_ok(r, &a, path, secret) &&
		    !signature_ok(r, &a, r->path, secret)) {
			bad_code = proto == FA_JSON
			               ? "InvalidSignatureException"
			               : "SignatureDoesNotMatch";
			why = "The request signature we calculated does not "
			      "match the signature you provided.";
		}
	}
	memset(secret, 0, sizeof(secret));
	if (bad_code == NULL)
		return 0;
	if (proto == FA_JSON)
		fa_json_error(resp, 400, bad_code, why);
	else
		fa_xml_error(resp, status, ns, bad_code, "%s", why);
	return -1;
}

/* ------------------------------------------------------------------ STS */

#define STS_NS "https://sts.amazonaws.com/doc/2011-06-15/"

static void sts(const struct sb_request *r, const struct fa_caller *who,
                struct sb_response *resp)
{
	const char *arn = sb_form(r, "RoleArn", 0);
	const char *sess = sb_form(r, "RoleSessionName", 0);
	const char *dur = sb_form(r, "DurationSeconds", 0);
	const char *action = sb_form(r, "Action", 0);
	char account[13] = "", role[65] = "", akid[21], secret[41], token[82];
	char result[1024], exp[40], esc[256];
	cJSON *acct;
	long d = dur != NULL ? atol(dur) : 3600;

	if (!fa_query_preamble(r, resp, STS_NS, "2011-06-15"))
		return;
	if (strcmp(action, "AssumeRole") != 0) {
		fa_xml_error(resp, 400, STS_NS, "InvalidAction",
		             "Could not find operation %s for version "
		             "2011-06-15",
		             action);
		return;
	}
	if (arn == NULL || sess == NULL || strlen(sess) < 2 ||
	    strlen(sess) > 64 || d < 900 || d > 43200 ||
	    sscanf(arn, "arn:aws:iam::%12[0-9]:role/%64[A-Za-z0-9_+=,.@-]",
	           account, role) != 2) {
		fa_xml_error(resp, 400, STS_NS, "ValidationError",
		             "RoleArn, RoleSessionName (2-64) and "
		             "DurationSeconds (900-43200) must be valid");
		return;
	}
	acct = sb_resource_find("aws", "account", account);
	if (acct == NULL || who->member ||
	    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(acct, "RoleName")),
	           role) != 0) {
		fa_xml_error(resp, 403, STS_NS, "AccessDenied",
		             "User: arn:aws:iam::%s:user/sandbox is not "
		             "authorized to perform: sts:AssumeRole on "
		             "resource: %s",
		             who->account, arn);
		return;
	}
	fa_new_session(account, akid, secret, token);
	fa_iso_time(time(NULL) + d, exp, sizeof(exp));
	snprintf(result, sizeof(result),
	         "<Credentials><AccessKeyId>%s</AccessKeyId>"
	         "<SecretAccessKey>%s</SecretAccessKey>"
	         "<SessionToken>%s</SessionToken>"
	         "<Expiration>%s</Expiration></Credentials>"
	         "<AssumedRoleUser><AssumedRoleId>AROASANDBOX00000001:%s"
	         "</AssumedRoleId><Arn>arn:aws:sts::%s:assumed-role/%s/%s"
	         "</Arn></AssumedRoleUser>",
	         akid, secret, token, exp, fa_esc(sess, esc, sizeof(esc)),
	         account, role, esc);
	fa_query_reply(resp, STS_NS, "AssumeRole", result);
	memset(secret, 0, sizeof(secret));
}

/* Action and Version of a query request; answers and returns 0 if bad. */
int fa_query_preamble(const struct sb_request *r, struct sb_response *resp,
                      const char *ns, const char *version)
{
	const char *ct = sb_header(r, "content-type");
	const char *action = sb_form(r, "Action", 0);
	const char *v = sb_form(r, "Version", 0);

	if (strcmp(r->method, "POST") != 0 || ct == NULL ||
	    strncmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
		fa_xml_error(resp, 400, ns, "InvalidRequest",
		             "POST an application/x-www-form-urlencoded body");
		return 0;
	}
	if (action == NULL || v == NULL) {
		fa_xml_error(resp, 400, ns, "MissingAction",
		             "Action and Version are required");
		return 0;
	}
	if (strcmp(v, version) != 0) {
		fa_xml_error(resp, 400, ns, "InvalidParameterValue",
		             "Version must be %s", version);
		return 0;
	}
	return 1;
}

/* --------------------------------------------------------------- router */

static void handle(const struct sb_request *r, struct sb_response *resp)
{
	static const struct {
		const char *prefix, *service, *ns;
		enum fa_proto proto;
	} svcs[] = {
	    {"/organizations", "organizations", "", FA_JSON},
	    {"/sts", "sts", STS_NS, FA_QUERY},
	    {"/iam", "iam", FA_IAM_NS, FA_QUERY},
	    {"/route53", "route53", FA_R53_NS, FA_REST},
	};
	struct fa_caller who;

	for (size_t i = 0; i < sizeof(svcs) / sizeof(*svcs); i++) {
		size_t n = strlen(svcs[i].prefix);
		if (strncmp(r->path, svcs[i].prefix, n) != 0 ||
		    (r->path[n] != '/' && r->path[n] != '\0'))
			continue;
		if (authenticate(r, svcs[i].proto, svcs[i].ns, svcs[i].service,
		                 &who, resp) != 0)
			return;
		switch (i) {
		case 0:
			fa_organizations(r, &who, resp);
			return;
		case 1:
			sts(r, &who, resp);
			return;
		case 2:
			fa_iam(r, &who, resp);
			return;
		default:
			fa_route53(r, r->path + n, &who, resp);
			return;
		}
	}
	sb_reply(resp, 404, "text/plain",
	         "no such AWS service in the sandbox: %s\n", r->path);
}

static const struct sb_fake fake_aws = {.name = "aws", .handle = handle};
SB_REGISTER_FAKE(fake_aws)
