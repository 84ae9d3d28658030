/*
 * sumologic: the client. The deployment's base URL, HTTP Basic with the
 * access id and key, and how Sumo Logic words its errors; the requests
 * themselves and what their answers mean are the SDK's (client.h). Also
 * what several tasks share: a look-up by name in a paged listing, the
 * collector's name and the removal of what envsetup made.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sumologic.h"

const char *sumo_cfg(struct ctx *c, const char *key)
{
	return c->h->config->get_string(c->call, key);
}

int sumo_teardown(const struct ctx *c)
{
	return c->phase == ES_PHASE_PLAN_DESTROY ||
	       c->phase == ES_PHASE_DESTROY;
}

enum es_status sumo_publish(struct ctx *c, const char *name, const char *value,
                            int secret)
{
	return c->h->output->set(c->call, name, value, secret) ? ES_FAILED
	                                                       : ES_OK;
}

/* Sumo's ErrorResponse {"id": "...", "errors": [{"code", "message"}]}
 * (the OpenAPI description); the Collector Management API answers
 * {"status", "id", "code", "message"} in places, so both are read. */
static const char *error_code(const struct es_json_api *j, const es_json *body)
{
	const char *code = j->get_string(body, "errors[0].code");

	return code ? code : j->get_string(body, "code");
}

static int read_error(const struct es_client *cl, struct es_reply *r)
{
	const struct es_json_api *j = cl->ctx->host->json;
	const char *code = error_code(j, r->json);
	const char *msg = j->get_string(r->json, "errors[0].message");

	/* Sumo's ErrorResponse in a 2xx is no answer to the request. */
	if (r->http_status >= 200 && r->http_status <= 299 && code && msg)
		r->outcome = ES_FAILURE;
	else if (r->http_status >= 200 && r->http_status <= 299)
		return 0;
	if (!msg)
		msg = j->get_string(r->json, "message");
	if (code || msg)
		snprintf(r->message, sizeof(r->message), "%s%s%.*s",
		         code ? code : "", code && msg ? ": " : "",
		         msg ? (int)strcspn(msg, "\r\n") : 0, msg ? msg : "");
	/* Sumo sends its throttle as 429 rate.limit.exceeded; the same code
	 * with another status is still "later". */
	if (code && strcmp(code, "rate.limit.exceeded") == 0)
		r->status = ES_RETRY;
	return 0;
}

/* A collector or source name that is taken: DuplicateResourceName ("A
 * resource with the same name already exists", the Collector API's
 * error table): exists, look it up. */
static int already_exists(const struct es_client *cl, const struct es_reply *r)
{
	const char *code = error_code(cl->ctx->host->json, r->json);

	return code && strcmp(code, "DuplicateResourceName") == 0;
}

/* Reply members that hold secrets: an HTTP source's upload URL. */
static const char *const secret_fields[] = {"url", NULL};

/* api_url, or the deployment's URL key when the file does not set
 * api_url. */
int sumo_open(const struct es_ctx *x, struct ctx *c)
{
	const char *dep;
	char url_key[32] = "api_url";

	memset(c, 0, sizeof(*c));
	c->x = x;
	c->h = x->host;
	c->call = x->call;
	c->phase = x->phase;
	dep = c->h->config->get_string(c->call, "deployment");
	if (dep && strcmp(dep, "us1") != 0 &&
	    !c->h->config->is_explicit(c->call, "api_url"))
		snprintf(url_key, sizeof(url_key), "api_url_%s", dep);
	if (es_client_init(&c->api, x, url_key))
		return -1;
	c->api.provider = "Sumo Logic";
	c->api.auth_key = "access_key";
	c->api.forbidden_hint = "the access key's user needs the "
	                        "Administrator role (Manage Users and Roles, "
	                        "Manage Collectors, Manage Monitors)";
	/* Both halves are secrets; the core fills them in. */
	c->api.basic_user = "{{secret:access_id}}";
	c->api.basic_password = "{{secret:access_key}}";
	c->api.read = read_error;
	c->api.is_conflict = already_exists;
	c->api.secret_fields = secret_fields;
	return 0;
}

const char *sumo_collector_name(struct ctx *c, char *buf, size_t size)
{
	const char *name = sumo_cfg(c, "collector_name");

	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%s-%s", c->h->config->customer(c->call),
		         c->h->config->environment(c->call));
	return buf;
}

enum es_status sumo_write(struct ctx *c, struct es_reply *r, const char *method,
                          es_json *body, const char *intent, const char *path)
{
	enum es_status st =
	    es_client_json(&c->api, r, method, body, intent, "%s", path);

	c->h->json->free(body);
	return st;
}

enum es_status sumo_created(struct ctx *c, struct es_reply *r,
                            enum es_status st, const char *intent,
                            const char *key)
{
	const char *id = c->h->json->get_string(r->json, "id");

	if (st == ES_OK && r->outcome == ES_FOUND && !id)
		st = es_reply_malformed(&c->api, r, intent, "its id");
	else if (st == ES_OK && r->outcome == ES_FOUND &&
	         c->h->state->put(c->call, key, id))
		st = ES_FAILED;
	else if (st == ES_OK && r->outcome != ES_FOUND)
		st = ES_RETRY;
	es_reply_free(r);
	return st;
}

enum es_status sumo_taken_but_missing(struct ctx *c, const char *key,
                                      const char *intent)
{
	c->h->diag->error(c->call, key,
	                  "%s: Sumo Logic says the name is taken, but the "
	                  "look-up finds nothing of that name",
	                  intent);
	return ES_RETRY;
}

enum es_status sumo_find_in_list(struct ctx *c, const char *path,
                                 const char *member, const char *value,
                                 char *id, size_t size, const char *in,
                                 const char *in_value, int *has)
{
	const struct es_json_api *j = c->h->json;
	struct es_pages pg = {
	    .style = ES_PAGE_TOKEN, .next = "next", .param = "token"};
	struct es_reply r;
	enum es_status st = ES_OK;

	id[0] = '\0';
	if (has)
		*has = 0;
	while (st == ES_OK && !id[0] && es_pages_more(&pg)) {
		const es_json *data;

		st = es_client_page(&c->api, &pg, &r, "%s", path);
		data = j->get(r.json, "data");
		if (st == ES_OK && r.outcome == ES_FOUND &&
		    j->kind(data) != ES_JSON_ARRAY)
			st = es_reply_malformed(&c->api, &r, path, "its data");
		for (size_t i = 0; st == ES_OK && i < j->array_size(data);
		     i++) {
			const es_json *item = j->array_item(data, i);
			const char *v = j->get_string(item, member);
			const char *found = j->get_string(item, "id");

			if (!v || strcasecmp(v, value) != 0)
				continue;
			if (!found || !*found)
				st = es_reply_malformed(&c->api, &r, path,
				                        "the item's id");
			else
				snprintf(id, size, "%s", found);
			for (size_t k = 0;
			     in && has && k < j->array_size(j->get(item, in));
			     k++) {
				const char *v2 = j->get_string(
				    j->array_item(j->get(item, in), k), "");

				*has |= v2 && strcmp(v2, in_value) == 0;
			}
			break;
		}
		es_reply_free(&r);
	}
	return st;
}

enum es_status sumo_remove(struct ctx *c, const char *key, const char *kind,
                           const char *name, const char *fmt, ...)
{
	const char *id = c->h->state->get(c->call, key);
	char path[ES_CLIENT_URL_MAX], intent[400];
	struct es_reply r;
	enum es_status st;
	va_list ap;
	int len;

	if (!id)
		return ES_OK; /* never made, or already removed */
	if (!es_claimed(c->x, key)) {
		c->h->log->log(c->call, ES_LOG_INFO,
		               "kept: %s %s was not created by envsetup", kind,
		               name);
		return ES_OK;
	}
	va_start(ap, fmt);
	len = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(path))
		return ES_FAILED;
	st = es_client_call(&c->api, &r, NULL, "%s", path);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !es_reported(c->x, &st, ES_CHANGE_DELETE, kind, name, NULL)) {
		es_reply_free(&r);
		snprintf(intent, sizeof(intent), "delete %s %s", kind, name);
		st = sumo_write(c, &r, "DELETE", NULL, intent, path);
	}
	/* Deleted, or absent already: forget it. */
	if (st == ES_OK && c->phase == ES_PHASE_DESTROY &&
	    es_unclaim(c->x, key, key))
		st = ES_FAILED;
	es_reply_free(&r);
	return st;
}
