/*
 * assume_role: the STS session inside the member account, which IAM and
 * Route 53 act through. Its keys are only remembered (the core's memory,
 * redacted from every output) as sts_access_key_id, sts_secret_access_key
 * and sts_session_token, once per run: every task that needs the session
 * opens it, so a run that starts after this task was done works too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"

static void role_arn(const struct es_ctx *x, const char *account, char *buf,
                     size_t n)
{
	snprintf(buf, n, "arn:aws:iam::%s:role/%s", account,
	         aws_cfg(x, "role_name"));
}

/* "envsetup-<customer>" cut to RoleSessionName's [\w+=,.@-]{2,64}. */
static void session_name(const struct es_ctx *x, char *buf, size_t n)
{
	const char *customer = x->host->config->customer(x->call);

	snprintf(buf, n, "envsetup-%s", customer ? customer : "run");
	for (char *p = buf; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_+=,.@-", *p)))
			*p = '-';
}

/* Remember Credentials/<field> as secret `name`; 0 on success. */
static int remember(const struct es_ctx *x, xmlNodePtr creds, const char *field,
                    const char *name)
{
	char *v = aws_xml_get(creds, field);
	int rc = v && *v ? x->host->secret->remember(x->call, name, v) : -1;

	if (v)
		x->host->wipe(v, strlen(v));
	free(v);
	return rc;
}

static enum es_status keep_session(const struct aws_client *sts,
                                   const struct es_reply *r)
{
	const struct es_ctx *x = sts->api.ctx;
	xmlDocPtr doc = aws_xml_reply(r);
	xmlNodePtr creds = aws_xml_path(xmlDocGetRootElement(doc),
	                                "AssumeRoleResult/Credentials");
	enum es_status st = ES_OK;

	if (r->outcome != ES_FOUND || !creds ||
	    remember(x, creds, "AccessKeyId", "sts_access_key_id") ||
	    remember(x, creds, "SecretAccessKey", "sts_secret_access_key") ||
	    remember(x, creds, "SessionToken", "sts_session_token"))
		st = aws_unreadable(sts, "usable Credentials");
	xmlFreeDoc(doc);
	return st;
}

/* AWS needs a few minutes after CreateAccount before the new account's
 * role can be assumed: within that window AccessDenied is worth a retry. */
static enum es_status denied(const struct es_ctx *x, const char *arn)
{
	const char *at = x->host->state->get(x->call, "account_created_at");
	/* Written by this plugin as seconds; anything else reads as 0. */
	long long t = at ? strtoll(at, NULL, 10) : 0;

	if (t > 0 && (long long)time(NULL) - t < 15 * 60) {
		x->host->diag->error(x->call, NULL,
		                     "%s is not assumable yet; AWS is still "
		                     "setting up the new account",
		                     arn);
		aws_poll_again(x); /* only for its delay */
		return ES_RETRY;
	}
	x->host->diag->error(x->call, "role_name",
	                     "the management account may not assume %s", arn);
	return ES_INVALID_CONFIG;
}

/* AssumeRole into account `id` and remember the session's keys. */
static enum es_status open_session(const struct es_ctx *x, const char *id)
{
	char arn[192], name[65];
	struct es_http_header params[] = {{"RoleArn", arn},
	                                  {"RoleSessionName", name},
	                                  {"DurationSeconds", "3600"}};
	struct aws_client sts;
	struct es_reply r;
	enum es_status st;

	if (!id) {
		x->host->diag->error(x->call, NULL,
		                     "the infrastructure account does not "
		                     "exist yet");
		return ES_FAILED;
	}
	if ((st = aws_client(&sts, x, AWS_STS)) != ES_OK)
		return st;
	role_arn(x, id, arn, sizeof(arn));
	session_name(x, name, sizeof(name));
	st = aws_query(&sts, &r, "AssumeRole", params, 3, NULL);
	if (st != ES_OK && strcmp(sts.code, "AccessDenied") == 0)
		st = denied(x, arn);
	else if (st == ES_OK)
		st = keep_session(&sts, &r);
	/* The reply held the session's secrets: do not leave them on the
	 * heap. The body is the core's, and ours until freed. */
	if (r.body)
		x->host->wipe((char *)r.body, r.body_len);
	es_reply_free(&r);
	return st;
}

enum es_status aws_session(const struct es_ctx *x)
{
	struct aws *a = x->instance;
	enum es_status st;

	if (!a)
		return open_session(x, aws_account_id(x));
	pthread_mutex_lock(&a->lock);
	st = a->session_open ? ES_OK : open_session(x, aws_account_id(x));
	if (st == ES_OK)
		a->session_open = 1;
	pthread_mutex_unlock(&a->lock);
	return st;
}

void aws_session_expired(struct aws *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->session_open = 0;
	pthread_mutex_unlock(&a->lock);
}

/* ---- the task ------------------------------------------------------- */

enum es_status aws_assume_role(const struct es_ctx *x)
{
	const char *id = aws_account_id(x);
	enum es_status st;
	char arn[192];

	/* A session is no resource: the tasks that remove what lives in
	 * the account open theirs. */
	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return ES_OK;
	if (!id &&
	    es_reported(x, &st, ES_CHANGE_UNKNOWN, "sts_session",
	                aws_cfg(x, "role_name"), "once the account exists"))
		return st;
	/* A session changes nothing at AWS: plan has nothing to show. */
	if (x->phase == ES_PHASE_PLAN)
		return ES_OK;
	st = aws_session(x);
	if (st != ES_OK || x->phase != ES_PHASE_VERIFY)
		return st;
	role_arn(x, id, arn, sizeof(arn));
	return x->host->output->set(x->call, "role_arn", arn, 0) ? ES_FAILED
	                                                         : ES_OK;
}
