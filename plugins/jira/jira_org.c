/*
 * jira: the customer's side of the desk in Jira Service Management. The
 * organisation (found by name, created once, linked to the project's
 * service desk) and its customers (found by e-mail, portal-only accounts
 * made for new ones, added to the organisation). Teardown removes only
 * what es_claim() recorded that envsetup made.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jira.h"

#define ID_MAX 128

/* ---- organization --------------------------------------------------- */

/* The id of the organisation named `name` (empty when there is none):
 * JSM documents no uniqueness for names, so this look-up is what keeps a
 * second one from being made. */
static enum es_status find_org(struct ctx *c, const char *name, char *id,
                               size_t size)
{
	const struct es_json_api *j = c->h->json;
	struct es_pages pg = JIRA_JSM_PAGES;
	const es_json *values;
	struct es_reply r;
	enum es_status st = ES_OK;

	id[0] = '\0';
	while (st == ES_OK && !id[0] && es_pages_more(&pg)) {
		st = jira_jsm_page(
		    c, &pg, &r, "/rest/servicedeskapi/organization", &values);
		for (size_t i = 0; st == ES_OK && i < j->array_size(values);
		     i++) {
			const es_json *o = j->array_item(values, i);
			const char *n = j->get_string(o, "name");

			if (n && strcmp(n, name) == 0 &&
			    !jira_id(c, o, "id", id, size))
				st = es_reply_malformed(
				    &c->api, &r, "organization list",
				    "the organisation's id");
		}
		es_reply_free(&r);
	}
	return st;
}

static enum es_status create_org(struct ctx *c, const char *name)
{
	const struct es_json_api *j = c->h->json;
	es_json *o = j->new_object();
	char intent[320], id[ID_MAX], *body;
	struct es_send s;
	struct es_reply r;
	enum es_status st;

	j->set_string(o, "name", name);
	body = j->print(o);
	j->free(o);
	if (!body || es_claim(c->x, "organization_id", name)) {
		c->h->mem_free(body);
		return ES_FAILED;
	}
	snprintf(intent, sizeof(intent), "create organization %s", name);
	s = es_json_write("POST", body, intent);
	st = es_client_call(&c->api, &r, &s,
	                    "/rest/servicedeskapi/organization");
	c->h->mem_free(body);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !jira_id(c, r.json, "id", id, sizeof(id)))
		st = es_reply_malformed(&c->api, &r, intent,
		                        "the organisation's id");
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    c->h->state->put(c->call, "organization_id", id))
		st = ES_FAILED;
	es_reply_free(&r);
	return st;
}

/* The organisation is one of service desk `sd`'s? Else report, and add. */
static enum es_status link_org(struct ctx *c, const char *sd, const char *id,
                               const char *name)
{
	const struct es_json_api *j = c->h->json;
	struct es_pages pg = JIRA_JSM_PAGES;
	const es_json *values;
	char intent[400] = "", body[96] = "", have[ID_MAX], path[256];
	struct es_send s = es_json_write("POST", body, intent);
	struct es_reply r;
	enum es_status st = ES_OK;
	int linked = 0;

	snprintf(path, sizeof(path),
	         "/rest/servicedeskapi/servicedesk/%s/organization", sd);
	while (st == ES_OK && !linked && es_pages_more(&pg)) {
		st = jira_jsm_page(c, &pg, &r, path, &values);
		for (size_t i = 0; st == ES_OK && i < j->array_size(values);
		     i++)
			linked |= jira_id(c, j->array_item(values, i), "id",
			                  have, sizeof(have)) &&
			          strcmp(have, id) == 0;
		es_reply_free(&r);
	}
	if (st != ES_OK || linked ||
	    es_reported(c->x, &st, ES_CHANGE_UPDATE, "organization", name,
	                "add to the service desk of the project"))
		return st;
	snprintf(intent, sizeof(intent),
	         "add organization %s to service desk %s", name, sd);
	snprintf(body, sizeof(body), "{\"organizationId\":%s}", id);
	st = es_client_call(&c->api, &r, &s,
	                    "/rest/servicedeskapi/servicedesk/%s/organization",
	                    sd);
	es_reply_free(&r);
	return st;
}

/* Teardown: DELETE the organisation envsetup created (the state id and
 * its marker); an adopted one is kept. */
static enum es_status destroy_org(struct ctx *c, const char *name)
{
	const char *mine = c->h->state->get(c->call, "organization_id");
	char intent[320];
	struct es_send del = {.method = "DELETE", .intent = intent};
	struct es_reply r;
	enum es_status st = ES_OK;

	if (!mine || !es_claimed(c->x, "organization_id")) {
		c->h->log->log(c->call, ES_LOG_INFO,
		               "kept: organization %s was not created by "
		               "envsetup",
		               name);
		return ES_OK;
	}
	st = es_client_call(&c->api, &r, NULL,
	                    "/rest/servicedeskapi/organization/%s", mine);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !es_reported(c->x, &st, ES_CHANGE_DELETE, "organization", name,
	                 "with its memberships")) {
		es_reply_free(&r);
		snprintf(intent, sizeof(intent), "delete organization %s",
		         name);
		st = es_client_call(&c->api, &r, &del,
		                    "/rest/servicedeskapi/organization/%s",
		                    mine);
	}
	if (st == ES_OK && c->phase == ES_PHASE_DESTROY &&
	    es_unclaim(c->x, "organization_id", "organization_id"))
		st = ES_FAILED;
	es_reply_free(&r);
	return st;
}

enum es_status jira_organization(const struct es_ctx *x)
{
	struct ctx c;
	const char *name;
	char id[ID_MAX], sd[ID_MAX];
	enum es_status st;

	if (jira_open(x, &c))
		return ES_INVALID_CONFIG;
	name = jira_cfg(&c, "organization_name");
	if (!name)
		return ES_OK; /* no organisation wanted */
	if (c.phase >= ES_PHASE_PLAN_DESTROY)
		return destroy_org(&c, name);
	if ((st = find_org(&c, name, id, sizeof(id))))
		return st;
	if (!id[0]) {
		if (es_reported(x, &st, ES_CHANGE_CREATE, "organization", name,
		                "linked to the service desk"))
			return st;
		if ((st = create_org(&c, name)) ||
		    !c.h->state->get(c.call, "organization_id"))
			return st;
		snprintf(id, sizeof(id), "%s",
		         c.h->state->get(c.call, "organization_id"));
	} else if (es_record(x, &st, "organization_id", id, "organization",
	                     name)) {
		return st;
	}
	if ((st = jira_find_service_desk(&c, sd, sizeof(sd))))
		return st;
	if (!sd[0]) {
		if (!es_reported(x, &st, ES_CHANGE_UPDATE, "organization", name,
		                 "add to the service desk of the project"))
			c.h->diag->error(c.call, "project_key",
			                 "project %s has no service desk",
			                 c.key);
		return c.phase == ES_PHASE_APPLY ? ES_FAILED : st;
	}
	st = link_org(&c, sd, id, name);
	if (st == ES_OK && c.phase == ES_PHASE_VERIFY)
		st = jira_publish(&c, "organization_id", id);
	return st;
}

/* ---- customers ------------------------------------------------------ */

/* 1 when `email` is in `members` (the e-mails list_members() found). */
static int is_member(struct ctx *c, const es_json *members, const char *email)
{
	const struct es_json_api *j = c->h->json;

	for (size_t i = 0; i < j->array_size(members); i++) {
		const char *m = j->get_string(j->array_item(members, i), "");

		if (m && strcasecmp(m, email) == 0)
			return 1;
	}
	return 0;
}

/* Every member of organisation `org` into `out` (a JSON array). */
static enum es_status list_members(struct ctx *c, const char *org, es_json *out)
{
	const struct es_json_api *j = c->h->json;
	struct es_pages pg = JIRA_JSM_PAGES;
	const es_json *values;
	char path[256];
	struct es_reply r;
	enum es_status st = ES_OK;

	snprintf(path, sizeof(path),
	         "/rest/servicedeskapi/organization/%s/user", org);
	while (st == ES_OK && es_pages_more(&pg)) {
		st = jira_jsm_page(c, &pg, &r, path, &values);
		for (size_t i = 0; st == ES_OK && i < j->array_size(values);
		     i++) {
			const char *m = j->get_string(j->array_item(values, i),
			                              "emailAddress");

			if (m) /* hidden by the person's privacy settings */
				j->append_string(out, m);
		}
		es_reply_free(&r);
	}
	return st;
}

/* The accountId of customer `email`: found by user search, else a new
 * portal-only account (JSM's 409 under strictConflictStatusCode says one
 * exists after all: an earlier create whose answer was lost). */
static enum es_status customer_account(struct ctx *c, const char *email,
                                       char *id, size_t size)
{
	const struct es_json_api *j = c->h->json;
	char marker[300], intent[320], *body;
	es_json *o;
	struct es_send s;
	struct es_reply r;
	enum es_status st = jira_find_user(c, email, id, size);

	snprintf(marker, sizeof(marker), "customer:%s", email);
	if (st != ES_OK)
		return st;
	if (id[0]) {
		/* A kill between the create's answer and the put: record the
		 * account envsetup made, so teardown removes it. */
		if (es_claimed(c->x, marker) &&
		    !c->h->state->get(c->call, marker) &&
		    c->h->state->put(c->call, marker, id))
			return ES_FAILED;
		return ES_OK;
	}
	o = j->new_object();
	j->set_string(o, "email", email);
	j->set_string(o, "displayName", email);
	body = j->print(o);
	j->free(o);
	if (!body || es_claim(c->x, marker, NULL)) {
		c->h->mem_free(body);
		return ES_FAILED;
	}
	snprintf(intent, sizeof(intent), "create customer %s", email);
	s = es_json_write("POST", body, intent);
	st = es_client_call(
	    &c->api, &r, &s,
	    "/rest/servicedeskapi/customer?strictConflictStatusCode=true");
	c->h->mem_free(body);
	if (st == ES_OK && r.outcome == ES_CONFLICT) {
		st = jira_find_user(c, email, id, size);
		if (st == ES_OK && !id[0]) {
			c->h->diag->error(c->call, "customers",
			                  "%s: Jira says the customer exists, "
			                  "but user search does not show them",
			                  intent);
			st = ES_FAILED;
		}
	} else if (st == ES_OK) {
		const char *account = j->get_string(r.json, "accountId");

		if (!account)
			st = es_reply_malformed(&c->api, &r, intent,
			                        "the customer's accountId");
		else
			snprintf(id, size, "%s", account);
	}
	if (st == ES_OK && c->h->state->put(c->call, marker, id))
		st = ES_FAILED;
	es_reply_free(&r);
	return st;
}

/* Add customer `email` to organisation `org`. */
static enum es_status add_customer(struct ctx *c, const char *org,
                                   const char *email)
{
	char id[ID_MAX], marker[300], intent[400] = "", body[300] = "";
	struct es_send s = es_json_write("POST", body, intent);
	struct es_reply r;
	enum es_status st = customer_account(c, email, id, sizeof(id));

	if (st != ES_OK)
		return st;
	snprintf(marker, sizeof(marker), "member:%s", email);
	if (es_claim(c->x, marker, NULL))
		return ES_FAILED;
	snprintf(intent, sizeof(intent), "add customer %s to organization %s",
	         email, jira_cfg(c, "organization_name"));
	snprintf(body, sizeof(body), "{\"accountIds\":[\"%s\"]}", id);
	st = es_client_call(&c->api, &r, &s,
	                    "/rest/servicedeskapi/organization/%s/user", org);
	es_reply_free(&r);
	return st;
}

/* Teardown of one customer: out of the organisation when envsetup put them
 * in, and the account deleted when envsetup made it. */
static enum es_status remove_customer(struct ctx *c, const char *org,
                                      const char *email)
{
	char marker[300], member[300], intent[400] = "", body[300] = "";
	struct es_send s = es_json_write("DELETE", body, intent);
	const char *id;
	struct es_reply r;
	enum es_status st = ES_OK;

	snprintf(marker, sizeof(marker), "customer:%s", email);
	snprintf(member, sizeof(member), "member:%s", email);
	id = c->h->state->get(c->call, marker);
	if (org && id && es_claimed(c->x, member) &&
	    !es_reported(c->x, &st, ES_CHANGE_DELETE, "customer", email,
	                 "from the organisation")) {
		snprintf(intent, sizeof(intent),
		         "remove customer %s from organization %s", email,
		         jira_cfg(c, "organization_name"));
		snprintf(body, sizeof(body), "{\"accountIds\":[\"%s\"]}", id);
		st = es_client_call(&c->api, &r, &s,
		                    "/rest/servicedeskapi/organization/%s/user",
		                    org);
		es_reply_free(&r);
		if (st == ES_OK && es_unclaim(c->x, member, NULL))
			st = ES_FAILED;
	}
	if (st != ES_OK || !id || !es_claimed(c->x, marker))
		return st;
	st = es_client_call(&c->api, &r, NULL, "/rest/api/3/user?accountId=%s",
	                    id);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !es_reported(c->x, &st, ES_CHANGE_DELETE, "customer_account", email,
	                 "made by envsetup")) {
		es_reply_free(&r);
		snprintf(intent, sizeof(intent), "delete customer account %s",
		         email);
		s = es_json_write("DELETE", NULL, intent);
		st = es_client_call(&c->api, &r, &s,
		                    "/rest/api/3/user?accountId=%s", id);
	}
	if (st == ES_OK && c->phase == ES_PHASE_DESTROY &&
	    es_unclaim(c->x, marker, marker))
		st = ES_FAILED;
	es_reply_free(&r);
	return st;
}

enum es_status jira_customers(const struct es_ctx *x)
{
	struct ctx c;
	const char *org;
	size_t n;
	es_json *members;
	enum es_status st = ES_OK;

	if (jira_open(x, &c))
		return ES_INVALID_CONFIG;
	n = c.h->config->list_size(c.call, "customers");
	org = c.h->state->get(c.call, "organization_id");
	for (size_t i = 0; c.phase >= ES_PHASE_PLAN_DESTROY && i < n; i++)
		if ((st = remove_customer(
		         &c, org,
		         c.h->config->list_item(c.call, "customers", i))))
			return st;
	if (c.phase >= ES_PHASE_PLAN_DESTROY || n == 0)
		return st;
	members = c.h->json->new_array();
	if (!members)
		return ES_FAILED;
	/* No organisation yet (a first plan): every customer is to add. */
	if (org)
		st = list_members(&c, org, members);
	for (size_t i = 0; st == ES_OK && i < n; i++) {
		const char *email =
		    c.h->config->list_item(c.call, "customers", i);

		if (is_member(&c, members, email) ||
		    es_reported(x, &st, ES_CHANGE_CREATE, "customer", email,
		                "in the organisation"))
			continue;
		if (!org) {
			c.h->diag->error(c.call, "organization_name",
			                 "organization %s is not recorded",
			                 jira_cfg(&c, "organization_name"));
			st = ES_FAILED;
		} else {
			st = add_customer(&c, org, email);
		}
	}
	c.h->json->free(members);
	return st;
}
