/*
 * jira: the client. The customer's site URL, HTTP Basic with the account's
 * e-mail and API token, and how Jira words its errors; the requests
 * themselves and what their answers mean are the SDK's (client.h). Also
 * the two look-ups several tasks share: a user by e-mail and the project's
 * service desk.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jira.h"

#define PAGE_SIZE "50"

const char *jira_cfg(struct ctx *c, const char *key)
{
	return c->h->config->get_string(c->call, key);
}

enum es_status jira_publish(struct ctx *c, const char *name, const char *value)
{
	return c->h->output->set(c->call, name, value, 0) ? ES_FAILED : ES_OK;
}

/* The platform's ErrorCollection {"errorMessages": [...], "errors":
 * {"field": "text"}} or JSM's ErrorResponse {"errorMessage": "..."}. */
static int read_error(const struct es_client *cl, struct es_reply *r)
{
	const struct es_json_api *j = cl->ctx->host->json;
	const es_json *errors = j->get(r->json, "errors");
	const char *msg = j->get_string(r->json, "errorMessage");

	if (!msg)
		msg = j->get_string(r->json, "errorMessages[0]");
	if (!msg && j->kind(errors) == ES_JSON_OBJECT &&
	    j->array_size(errors) > 0)
		msg = j->get_string(j->array_item(errors, 0), "");
	if (msg)
		snprintf(r->message, sizeof(r->message), "%.*s",
		         (int)strcspn(msg, "\r\n"), msg);
	/* Jira's error body in a 2xx is no answer to the request. */
	if (r->http_status >= 200 && r->http_status <= 299 &&
	    (j->get_string(r->json, "errorMessage") ||
	     j->get_string(r->json, "errorMessages[0]")))
		r->outcome = ES_FAILURE;
	return 0;
}

/* createProject answers 400 with errors.projectKey ("Project 'X' uses this
 * project key.") or errors.projectName ("A project with that name already
 * exists."); JSM's createCustomer answers 409 with
 * strictConflictStatusCode, which the SDK knows. */
static int already_exists(const struct es_client *cl, const struct es_reply *r)
{
	const struct es_json_api *j = cl->ctx->host->json;

	return r->http_status == 400 && (j->get(r->json, "errors.projectKey") ||
	                                 j->get(r->json, "errors.projectName"));
}

int jira_open(const struct es_ctx *x, struct ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->x = x;
	c->h = x->host;
	c->call = x->call;
	c->phase = x->phase;
	if (es_client_init(&c->api, x, "site_url"))
		return -1;
	c->api.provider = "Jira";
	c->api.auth_key = "api_token";
	c->api.forbidden_hint = "the account behind email must be a Jira "
	                        "administrator (and a JSM agent for "
	                        "organisations and customers)";
	/* The e-mail is no secret; the core fills the token in. */
	c->api.basic_user = jira_cfg(c, "email");
	c->api.basic_password = "{{secret:api_token}}";
	c->api.read = read_error;
	c->api.is_conflict = already_exists;
	c->key = jira_cfg(c, "project_key");
	return 0;
}

enum es_status jira_find_user(struct ctx *c, const char *email, char *id,
                              size_t size)
{
	const struct es_json_api *j = c->h->json;
	char *q = c->h->http->escape(email);
	struct es_reply r;
	enum es_status st;

	id[0] = '\0';
	if (!q)
		return ES_FAILED;
	st = es_client_call(
	    &c->api, &r, NULL,
	    "/rest/api/3/user/search?query=%s&maxResults=" PAGE_SIZE, q);
	c->h->mem_free(q);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    j->kind(r.json) != ES_JSON_ARRAY)
		st = es_reply_malformed(&c->api, &r, "user search",
		                        "a list of users");
	/* The search matches prefixes of names and e-mails: only an exact
	 * e-mail is the person. */
	for (size_t i = 0; st == ES_OK && i < j->array_size(r.json); i++) {
		const es_json *u = j->array_item(r.json, i);
		const char *mail = j->get_string(u, "emailAddress");
		const char *account = j->get_string(u, "accountId");

		if (mail && account && strcasecmp(mail, email) == 0) {
			snprintf(id, size, "%s", account);
			break;
		}
	}
	es_reply_free(&r);
	return st;
}

enum es_status jira_jsm_page(struct ctx *c, struct es_pages *pg,
                             struct es_reply *r, const char *path,
                             const es_json **values)
{
	const struct es_json_api *j = c->h->json;
	enum es_status st = es_client_page(&c->api, pg, r, "%s?limit=50", path);

	*values = NULL;
	if (st != ES_OK || r->outcome != ES_FOUND)
		return st;
	*values = j->get(r->json, "values");
	if (j->kind(*values) != ES_JSON_ARRAY) {
		*values = NULL;
		pg->done = 1;
		return es_reply_malformed(&c->api, r, path, "its values");
	}
	return ES_OK;
}

enum es_status jira_find_service_desk(struct ctx *c, char *id, size_t size)
{
	const struct es_json_api *j = c->h->json;
	struct es_pages pg = JIRA_JSM_PAGES;
	const es_json *values;
	struct es_reply r;
	enum es_status st = ES_OK;

	id[0] = '\0';
	while (st == ES_OK && !id[0] && es_pages_more(&pg)) {
		st = jira_jsm_page(c, &pg, &r,
		                   "/rest/servicedeskapi/servicedesk", &values);
		for (size_t i = 0; st == ES_OK && i < j->array_size(values);
		     i++) {
			const es_json *sd = j->array_item(values, i);
			const char *key = j->get_string(sd, "projectKey");

			if (key && strcmp(key, c->key) == 0 &&
			    !jira_id(c, sd, "id", id, size))
				st = es_reply_malformed(&c->api, &r,
				                        "service desk list",
				                        "the desk's id");
		}
		es_reply_free(&r);
	}
	return st;
}

const char *jira_id(struct ctx *c, const es_json *node, const char *path,
                    char *buf, size_t size)
{
	const char *s = c->h->json->get_string(node, path);
	int64_t n = c->h->json->get_int64(node, path, -1);

	if (s && *s)
		snprintf(buf, size, "%s", s);
	else if (n >= 0)
		snprintf(buf, size, "%lld", (long long)n);
	else
		return NULL;
	return buf;
}
