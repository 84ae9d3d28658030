/*
 * jira: the site and the service-desk project. Checks the credentials,
 * finds or creates the project (and brings its name and lead in line),
 * gives the agents their project role and checks the portal's request
 * types. Teardown removes the project and the role memberships only when
 * es_claim() recorded that envsetup made them.
 */
#include <stdio.h>
#include <string.h>

#include "jira.h"

#define ID_MAX 128

/* ---- verify_credentials --------------------------------------------- */

enum es_status jira_verify_credentials(const struct es_ctx *x)
{
	struct ctx c;
	struct es_reply r;
	enum es_status st;

	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return ES_OK; /* a check made nothing */
	if (jira_open(x, &c))
		return ES_INVALID_CONFIG;
	st = es_client_call(&c.api, &r, NULL, "/rest/api/3/myself");
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !c.h->json->get_string(r.json, "accountId"))
		st = es_reply_malformed(&c.api, &r, "GET /rest/api/3/myself",
		                        "the account's id");
	es_reply_free(&r);
	return st; /* a 401 is ES_INVALID_CONFIG naming api_token */
}

/* ---- service_desk_project ------------------------------------------- */

/* The accountId of the project lead, or ES_INVALID_CONFIG naming the key
 * when no Jira user has that e-mail. */
static enum es_status lead_account(struct ctx *c, char *id, size_t size)
{
	const char *lead = jira_cfg(c, "project_lead");
	enum es_status st = jira_find_user(c, lead, id, size);

	if (st == ES_OK && !id[0]) {
		c->h->diag->error(c->call, "project_lead",
		                  "no Jira user of %s has the e-mail %s",
		                  c->api.base, lead);
		st = ES_INVALID_CONFIG;
	}
	return st;
}

/* verify: publish what the platform needs to reach the desk. */
static enum es_status publish_project(struct ctx *c, const char *project_id)
{
	char sd[ID_MAX], portal[ES_CLIENT_URL_MAX + ID_MAX + 64];
	enum es_status st = jira_find_service_desk(c, sd, sizeof(sd));

	if (st != ES_OK)
		return st;
	if (!sd[0]) {
		c->h->diag->error(c->call, "project_key",
		                  "project %s has no service desk: is it a "
		                  "service_desk project?",
		                  c->key);
		return ES_FAILED;
	}
	snprintf(portal, sizeof(portal), "%s/servicedesk/customer/portal/%s",
	         c->api.base, sd);
	if (jira_publish(c, "project_id", project_id) ||
	    jira_publish(c, "project_key", c->key) ||
	    jira_publish(c, "service_desk_id", sd) ||
	    jira_publish(c, "portal_url", portal))
		return ES_FAILED;
	return ES_OK;
}

/* PUT the name and lead the config wants. */
static enum es_status update_project(struct ctx *c, const char *lead_id)
{
	const struct es_json_api *j = c->h->json;
	es_json *o = j->new_object();
	char intent[320], *body;
	struct es_send s;
	struct es_reply r;
	enum es_status st;

	j->set_string(o, "name", jira_cfg(c, "project_name"));
	j->set_string(o, "leadAccountId", lead_id);
	body = j->print(o);
	j->free(o);
	snprintf(intent, sizeof(intent), "update project %s", c->key);
	s = es_json_write("PUT", body, intent);
	st = body ? es_client_call(&c->api, &r, &s, "/rest/api/3/project/%s",
	                           c->key)
	          : ES_FAILED;
	if (body)
		es_reply_free(&r);
	c->h->mem_free(body);
	return st;
}

/* POST the project and record its id. "Already exists" is an earlier
 * create whose answer was lost (look the key up again and record it), or
 * another project holding the name (the key stays absent: fail). */
static enum es_status create_project(struct ctx *c, const char *lead_id)
{
	const struct es_json_api *j = c->h->json;
	es_json *o = j->new_object();
	char intent[320], id[ID_MAX], *body;
	struct es_send s;
	struct es_reply r;
	enum es_status st;

	j->set_string(o, "key", c->key);
	j->set_string(o, "name", jira_cfg(c, "project_name"));
	j->set_string(o, "projectTypeKey", "service_desk");
	j->set_string(o, "projectTemplateKey", jira_cfg(c, "project_template"));
	j->set_string(o, "leadAccountId", lead_id);
	j->set_string(o, "assigneeType", "UNASSIGNED");
	body = j->print(o);
	j->free(o);
	if (!body || es_claim(c->x, "project_id", c->key)) {
		c->h->mem_free(body);
		return ES_FAILED;
	}
	snprintf(intent, sizeof(intent), "create project %s", c->key);
	s = es_json_write("POST", body, intent);
	st = es_client_call(&c->api, &r, &s, "/rest/api/3/project");
	c->h->mem_free(body);
	if (st == ES_OK && r.outcome == ES_CONFLICT) {
		es_reply_free(&r);
		st = es_client_call(&c->api, &r, NULL, "/rest/api/3/project/%s",
		                    c->key);
		if (st == ES_OK && r.outcome == ES_ABSENT) {
			c->h->diag->error(c->call, "project_name",
			                  "create project %s: Jira says a "
			                  "project named \"%s\" already exists "
			                  "under another key",
			                  c->key, jira_cfg(c, "project_name"));
			st = ES_FAILED;
		}
	}
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !jira_id(c, r.json, "id", id, sizeof(id)))
		st =
		    es_reply_malformed(&c->api, &r, intent, "the project's id");
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    c->h->state->put(c->call, "project_id", id))
		st = ES_FAILED;
	es_reply_free(&r);
	return st;
}

/* Teardown: DELETE the project only when envsetup created the one the
 * state records; an adopted project is kept. */
static enum es_status destroy_project(struct ctx *c)
{
	const char *mine = c->h->state->get(c->call, "project_id");
	char id[ID_MAX], intent[320];
	struct es_send del = {.method = "DELETE", .intent = intent};
	struct es_reply r;
	enum es_status st;

	st =
	    es_client_call(&c->api, &r, NULL, "/rest/api/3/project/%s", c->key);
	if (st != ES_OK) {
		/* the client said why */
	} else if (r.outcome == ES_ABSENT) {
		if (c->phase == ES_PHASE_DESTROY &&
		    es_unclaim(c->x, "project_id", "project_id"))
			st = ES_FAILED;
	} else if (!mine || !es_claimed(c->x, "project_id") ||
	           !jira_id(c, r.json, "id", id, sizeof(id)) ||
	           strcmp(mine, id) != 0) {
		c->h->log->log(c->call, ES_LOG_INFO,
		               "kept: project %s was not created by envsetup",
		               c->key);
	} else if (!es_reported(c->x, &st, ES_CHANGE_DELETE, "project", c->key,
	                        "with its requests")) {
		es_reply_free(&r);
		snprintf(intent, sizeof(intent), "delete project %s", c->key);
		st = es_client_call(&c->api, &r, &del, "/rest/api/3/project/%s",
		                    c->key);
		if (st == ES_OK && es_unclaim(c->x, "project_id", "project_id"))
			st = ES_FAILED;
	}
	es_reply_free(&r);
	return st;
}

/* Name and lead as the config wants them? Else report, and update. */
static enum es_status align_project(struct ctx *c, const es_json *project,
                                    const char *lead_id)
{
	const struct es_json_api *j = c->h->json;
	const char *name = j->get_string(project, "name");
	const char *lead = j->get_string(project, "lead.accountId");
	const char *want = jira_cfg(c, "project_name");
	char detail[400];
	enum es_status st = ES_OK;

	if (name && lead && strcmp(name, want) == 0 &&
	    strcmp(lead, lead_id) == 0)
		return ES_OK;
	snprintf(detail, sizeof(detail), "name \"%s\" -> \"%s\"%s",
	         name ? name : "", want,
	         lead && strcmp(lead, lead_id) == 0 ? "" : ", new lead");
	if (!es_reported(c->x, &st, ES_CHANGE_UPDATE, "project", c->key,
	                 detail))
		st = update_project(c, lead_id);
	return st;
}

enum es_status jira_service_desk_project(const struct es_ctx *x)
{
	char lead_id[ID_MAX], id[ID_MAX];
	struct ctx c;
	struct es_reply r;
	enum es_status st;

	if (jira_open(x, &c))
		return ES_INVALID_CONFIG;
	if (c.phase >= ES_PHASE_PLAN_DESTROY)
		return destroy_project(&c);
	if ((st = lead_account(&c, lead_id, sizeof(lead_id))))
		return st;
	st = es_client_call(&c.api, &r, NULL, "/rest/api/3/project/%s", c.key);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !jira_id(&c, r.json, "id", id, sizeof(id)))
		st = es_reply_malformed(&c.api, &r, "GET project", "its id");
	if (st == ES_OK && r.outcome == ES_FOUND) {
		/* Found: its id is recorded (a change when the state lacks
		 * it), then name and lead are aligned. */
		if (!es_record(x, &st, "project_id", id, "project", c.key))
			st = align_project(&c, r.json, lead_id);
		if (st == ES_OK && c.phase == ES_PHASE_VERIFY)
			st = publish_project(&c, id);
	} else if (st == ES_OK &&
	           !es_reported(x, &st, ES_CHANGE_CREATE, "project", c.key,
	                        "service_desk")) {
		st = create_project(&c, lead_id);
	}
	es_reply_free(&r);
	return st;
}

/* ---- agent_roles ---------------------------------------------------- */

/* The id of role `name` in the project's role map {name: ".../role/ID"}:
 * 1 found, 0 not, -1 the map is not one. */
static int role_id(struct ctx *c, const es_json *roles, const char *name,
                   char *id, size_t size)
{
	const struct es_json_api *j = c->h->json;
	const char *url, *slash;

	if (j->kind(roles) != ES_JSON_OBJECT)
		return -1;
	url = j->get_string(j->member(roles, name), "");
	slash = url ? strrchr(url, '/') : NULL;
	if (!slash || !slash[1])
		return 0;
	snprintf(id, size, "%s", slash + 1);
	return 1;
}

/* 1 when `account` is among the role's user actors. */
static int is_actor(struct ctx *c, const es_json *role, const char *account)
{
	return es_json_find(c->x, c->h->json->get(role, "actors"),
	                    "actorUser.accountId", account) != NULL;
}

/* Add (apply) or remove (destroy) `account` as an actor of the role. */
static enum es_status change_actor(struct ctx *c, const char *role,
                                   const char *email, const char *account)
{
	char intent[400], marker[300], body[300];
	struct es_send s;
	struct es_reply r;
	enum es_status st;
	int add = c->phase == ES_PHASE_APPLY;

	snprintf(marker, sizeof(marker), "agent:%s", email);
	snprintf(intent, sizeof(intent), "%s agent %s %s role %s of project %s",
	         add ? "add" : "remove", email, add ? "to" : "from", role,
	         c->key);
	if (add && es_claim(c->x, marker, NULL))
		return ES_FAILED;
	if (add) {
		snprintf(body, sizeof(body), "{\"user\":[\"%s\"]}", account);
		s = es_json_write("POST", body, intent);
		st = es_client_call(&c->api, &r, &s,
		                    "/rest/api/3/project/%s/role/%s", c->key,
		                    role);
	} else {
		s = es_json_write("DELETE", NULL, intent);
		st = es_client_call(&c->api, &r, &s,
		                    "/rest/api/3/project/%s/role/%s?user=%s",
		                    c->key, role, account);
		if (st == ES_OK && es_unclaim(c->x, marker, NULL))
			st = ES_FAILED;
	}
	es_reply_free(&r);
	return st;
}

/* One agent: in the role (verify), added (apply) or, in teardown, taken
 * out again when envsetup put them there. */
static enum es_status sync_agent(struct ctx *c, const char *role,
                                 const es_json *members, const char *email)
{
	char account[ID_MAX], marker[300];
	int teardown = c->phase >= ES_PHASE_PLAN_DESTROY;
	enum es_status st = jira_find_user(c, email, account, sizeof(account));

	snprintf(marker, sizeof(marker), "agent:%s", email);
	if (st != ES_OK)
		return st;
	if (!account[0] && !teardown) {
		c->h->diag->error(c->call, "agents",
		                  "no Jira user has the e-mail %s: invite them "
		                  "to the site first",
		                  email);
		return ES_INVALID_CONFIG;
	}
	if (teardown) {
		if (!account[0] || !es_claimed(c->x, marker) ||
		    !is_actor(c, members, account))
			return c->phase == ES_PHASE_DESTROY &&
			               es_unclaim(c->x, marker, NULL)
			           ? ES_FAILED
			           : ES_OK;
		if (!es_reported(c->x, &st, ES_CHANGE_DELETE, "role_actor",
		                 email, jira_cfg(c, "agent_role")))
			st = change_actor(c, role, email, account);
		return st;
	}
	if (is_actor(c, members, account))
		return ES_OK;
	if (!es_reported(c->x, &st, ES_CHANGE_CREATE, "role_actor", email,
	                 jira_cfg(c, "agent_role")))
		st = change_actor(c, role, email, account);
	return st;
}

enum es_status jira_agent_roles(const struct es_ctx *x)
{
	struct ctx c;
	char role[ID_MAX];
	const char *name;
	size_t n;
	struct es_reply roles, members = {0};
	enum es_status st;
	int found;

	if (jira_open(x, &c))
		return ES_INVALID_CONFIG;
	name = jira_cfg(&c, "agent_role");
	n = c.h->config->list_size(c.call, "agents");
	if (n == 0)
		return ES_OK; /* no agents to place */
	st = es_client_call(&c.api, &roles, NULL, "/rest/api/3/project/%s/role",
	                    c.key);
	if (st == ES_OK && roles.outcome == ES_ABSENT) {
		es_reply_free(&roles);
		if (c.phase >= ES_PHASE_PLAN_DESTROY)
			return ES_OK; /* gone with the project */
		/* No project yet (a first plan): every agent is to add. */
		for (size_t i = 0; i < n; i++)
			if (es_reported(
			        x, &st, ES_CHANGE_CREATE, "role_actor",
			        c.h->config->list_item(c.call, "agents", i),
			        name) &&
			    st != ES_OK)
				return st;
		if (c.phase == ES_PHASE_APPLY) {
			c.h->diag->error(c.call, "project_key",
			                 "project %s is not there", c.key);
			return ES_FAILED;
		}
		return ES_OK;
	}
	found =
	    st == ES_OK ? role_id(&c, roles.json, name, role, sizeof(role)) : 0;
	if (found < 0)
		st = es_reply_malformed(&c.api, &roles, "GET project roles",
		                        "a map of roles");
	else if (st == ES_OK && !found) {
		c.h->diag->error(c.call, "agent_role",
		                 "project %s has no role \"%s\"", c.key, name);
		st = ES_INVALID_CONFIG;
	}
	es_reply_free(&roles);
	if (st == ES_OK)
		st = es_client_call(&c.api, &members, NULL,
		                    "/rest/api/3/project/%s/role/%s", c.key,
		                    role);
	for (size_t i = 0; st == ES_OK && i < n; i++)
		st = sync_agent(&c, role, members.json,
		                c.h->config->list_item(c.call, "agents", i));
	es_reply_free(&members);
	return st;
}
