/*
 * splunk: the clients. The management REST API (management_url, port
 * 8089) takes form-encoded POSTs, answers JSON with output_mode=json and
 * words its errors {"messages": [{"type": "ERROR", "text": "..."}]}; a
 * create of a name that exists answers 409. Splunk Cloud's Admin Config
 * Service (acs_url/{stack}/adminconfig/v2) takes JSON and a token only.
 * Both authenticate with a Bearer token (auth_token), or the REST API
 * with HTTP Basic (username, password). Self-signed management
 * certificates are trusted through the plugin's `ca_file`, which the core
 * hands to curl: verification stays on.
 */
#include <stdio.h>
#include <string.h>

#include "splunk.h"

const char *sp_cfg(struct ctx *c, const char *key)
{
	return c->h->config->get_string(c->call, key);
}

enum es_status sp_publish(struct ctx *c, const char *name, const char *value,
                          int secret)
{
	return c->h->output->set(c->call, name, value, secret) ? ES_FAILED
	                                                       : ES_OK;
}

const char *sp_role(struct ctx *c, char *buf, size_t size)
{
	const char *role = sp_cfg(c, "role");

	if (role)
		snprintf(buf, size, "%s", role);
	else
		snprintf(buf, size, "%s_user", c->index);
	return buf;
}

void sp_form_add(struct sp_form *f, const char *name, const char *value)
{
	if (f->n < SP_FORM_MAX)
		f->f[f->n++] = (struct es_http_header){name, value};
}

/* Splunk's {"messages": [{"type", "text"}]}: the first ERROR's text. */
/* ACS's errors are {"code", "message"}; in a 2xx too they are an error,
 * never a create under way (which would be polled for until the task's
 * deadline). */
static int read_acs_error(const struct es_client *cl, struct es_reply *r)
{
	const struct es_json_api *j = cl->ctx->host->json;
	const char *code = j->get_string(r->json, "code");
	const char *msg = j->get_string(r->json, "message");

	if (code || msg)
		snprintf(r->message, sizeof(r->message), "%s%s%.*s",
		         code ? code : "", code && msg ? ": " : "",
		         msg ? (int)strcspn(msg, "\r\n") : 0, msg ? msg : "");
	if (r->http_status >= 200 && r->http_status <= 299 && code && msg &&
	    !j->get(r->json, "name"))
		r->outcome = ES_FAILURE;
	return 0;
}

static int read_messages(const struct es_client *cl, struct es_reply *r)
{
	const struct es_json_api *j = cl->ctx->host->json;
	const es_json *msgs = j->get(r->json, "messages");

	for (size_t i = 0; i < j->array_size(msgs); i++) {
		const es_json *m = j->array_item(msgs, i);
		const char *type = j->get_string(m, "type");
		const char *text = j->get_string(m, "text");

		if (text && type && strcmp(type, "ERROR") == 0) {
			snprintf(r->message, sizeof(r->message), "%.*s",
			         (int)strcspn(text, "\r\n"), text);
			/* splunkd's error in a 2xx is still an error. */
			if (r->http_status >= 200 && r->http_status <= 299)
				r->outcome = ES_FAILURE;
			break;
		}
	}
	return 0;
}

/* Reply members that hold secrets: an HEC token. */
static const char *const secret_fields[] = {"token", NULL};

static void set_auth(struct ctx *c, struct es_client *cl)
{
	if (c->h->config->is_set(c->call, "auth_token")) {
		cl->headers = &c->auth_header;
		cl->n_headers = 1;
		cl->auth_key = "auth_token";
	} else {
		/* The user name is no secret; the core fills the password. */
		cl->basic_user = sp_cfg(c, "username");
		cl->basic_password = "{{secret:password}}";
		cl->auth_key = "password";
	}
	cl->secret_fields = secret_fields;
}

int sp_open(const struct es_ctx *x, struct ctx *c)
{
	const char *mode;

	memset(c, 0, sizeof(*c));
	c->x = x;
	c->h = x->host;
	c->call = x->call;
	c->phase = x->phase;
	c->auth_header = (struct es_http_header){
	    "Authorization", "Bearer {{secret:auth_token}}"};
	if (es_client_init(&c->rest, x, "management_url"))
		return -1;
	c->rest.provider = "Splunk";
	c->rest.forbidden_hint = "the account needs the admin role (sc_admin "
	                         "on Splunk Cloud)";
	c->rest.read = read_messages;
	set_auth(c, &c->rest);
	c->index = sp_cfg(c, "index");
	mode = sp_cfg(c, "mode");
	c->cloud = mode && strcmp(mode, "cloud") == 0;
	if (c->cloud) {
		char url[ES_CLIENT_URL_MAX];
		const char *acs = sp_cfg(c, "acs_url");

		if (!acs || !sp_cfg(c, "stack"))
			return es_client_init_url(&c->acs, x, "stack", NULL);
		snprintf(url, sizeof(url), "%s/%s/adminconfig/v2", acs,
		         sp_cfg(c, "stack"));
		if (es_client_init_url(&c->acs, x, "acs_url", url))
			return -1;
		c->acs.provider = "Splunk Cloud ACS";
		c->acs.read = read_acs_error;
		c->acs.forbidden_hint = "the token's user needs the sc_admin "
		                        "role";
		set_auth(c, &c->acs);
	}
	return 0;
}

/* Percent-encoded `name` into buf, for a path segment: 0, or -1. */
static int escaped(struct ctx *c, const char *name, char *buf, size_t size)
{
	char *e = c->h->http->escape(name);
	int n = e ? snprintf(buf, size, "%s", e) : -1;

	c->h->mem_free(e);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

enum es_status sp_get_entity(struct ctx *c, struct es_reply *r,
                             const char *collection, const char *name,
                             const es_json **content)
{
	char seg[SP_NAME_MAX * 3], what[SP_NAME_MAX + 200];
	enum es_status st;

	*content = NULL;
	memset(r, 0, sizeof(*r));
	if (escaped(c, name, seg, sizeof(seg))) {
		c->h->diag->error(c->call, NULL, "name too long: %s", name);
		r->outcome = ES_FAILURE;
		return r->status = ES_FAILED;
	}
	st = es_client_call(&c->rest, r, NULL, "%s/%s?output_mode=json",
	                    collection, seg);
	if (st != ES_OK || r->outcome != ES_FOUND)
		return st;
	*content = c->h->json->get(r->json, "entry[0].content");
	if (c->h->json->kind(*content) != ES_JSON_OBJECT) {
		*content = NULL;
		snprintf(what, sizeof(what), "GET %s/%s", collection, name);
		return es_reply_malformed(&c->rest, r, what, "its entry");
	}
	return ES_OK;
}

enum es_status sp_post(struct ctx *c, struct es_reply *r,
                       const char *collection, const char *entity,
                       const struct sp_form *form, const char *intent)
{
	char seg[SP_NAME_MAX * 3];
	struct es_send s = {.method = "POST",
	                    .form_kind = ES_FORM_URLENCODED,
	                    .form = form->f,
	                    .n_form = form->n,
	                    .intent = intent};

	if (!entity)
		return es_client_call(&c->rest, r, &s, "%s?output_mode=json",
		                      collection);
	if (escaped(c, entity, seg, sizeof(seg))) {
		memset(r, 0, sizeof(*r));
		c->h->diag->error(c->call, NULL, "name too long: %s", entity);
		r->outcome = ES_FAILURE;
		return r->status = ES_FAILED;
	}
	return es_client_call(&c->rest, r, &s, "%s/%s?output_mode=json",
	                      collection, seg);
}

enum es_status sp_delete_entity(struct ctx *c, const char *collection,
                                const char *name, const char *kind)
{
	char seg[SP_NAME_MAX * 3], intent[SP_NAME_MAX + 64];
	struct es_send del = {.method = "DELETE", .intent = intent};
	const es_json *content;
	struct es_reply r;
	enum es_status st = sp_get_entity(c, &r, collection, name, &content);

	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !es_reported(c->x, &st, ES_CHANGE_DELETE, kind, name,
	                 "made by envsetup")) {
		es_reply_free(&r);
		snprintf(intent, sizeof(intent), "delete %s %s", kind, name);
		if (escaped(c, name, seg, sizeof(seg)))
			return ES_FAILED;
		st = es_client_call(&c->rest, &r, &del,
		                    "%s/%s?output_mode=json", collection, seg);
	}
	es_reply_free(&r);
	return st;
}

int sp_list_has(struct ctx *c, const es_json *list, const char *value)
{
	const char *one = c->h->json->get_string(list, "");

	if (one)
		return strcmp(one, value) == 0;
	return es_json_find(c->x, list, "", value) != NULL;
}

enum es_status sp_teardown(struct ctx *c, const char *key, const char *kind,
                           enum es_status (*remove)(struct ctx *c,
                                                    const char *name))
{
	const char *name = c->h->state->get(c->call, key);
	enum es_status st;

	if (!name)
		return ES_OK; /* never made, or removed already */
	if (!es_claimed(c->x, key)) {
		c->h->log->log(c->call, ES_LOG_INFO,
		               "kept: %s %s was not created by envsetup", kind,
		               name);
		return ES_OK;
	}
	st = remove(c, name);
	if (st == ES_OK && c->phase == ES_PHASE_DESTROY &&
	    es_unclaim(c->x, key, key))
		st = ES_FAILED;
	return st;
}

enum es_status sp_exists_after_all(struct ctx *c, const char *kind,
                                   const char *name)
{
	c->h->log->log(c->call, ES_LOG_INFO,
	               "Splunk says %s %s exists: looking it up to update it",
	               kind, name);
	c->h->diag->retry_after(c->call, ES_POLL_MIN_MS);
	return ES_RETRY;
}
