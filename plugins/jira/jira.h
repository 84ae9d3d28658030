/*
 * Internals of the jira plugin, shared by its source files:
 *   jira.c          schema, tasks, outputs, validate, descriptor
 *   jira_api.c      the client for the Jira site: base URL, Basic auth,
 *                   Jira's two error shapes, user and service desk look-ups
 *   jira_project.c  credentials, the service-desk project, agent roles,
 *                   request types
 *   jira_org.c      the JSM organisation and its customers
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_JIRA_H
#define ENVSETUP_PLUGIN_JIRA_H

#include <stddef.h>

#include "envsetup/envsetup.h"

/* ---- one task call -------------------------------------------------- */

struct ctx {
	const struct es_ctx *x;
	const struct es_host *h;
	es_call *call;
	enum es_phase phase;
	/* The site: the platform API (/rest/api/3) and Jira Service
	 * Management's (/rest/servicedeskapi) share its origin and its
	 * Basic credentials (e-mail + API token). */
	struct es_client api;
	const char *key; /* project_key */
};

/* Set up `c` for task call `x`: 0, or -1 with a diagnostic. */
int jira_open(const struct es_ctx *x, struct ctx *c);
const char *jira_cfg(struct ctx *c, const char *key);
enum es_status jira_publish(struct ctx *c, const char *name, const char *value);

/* The accountId of the Jira user whose e-mail is exactly `email`
 * (user search matches prefixes): *id is set (empty when there is none)
 * and the status of the look-up returned. */
enum es_status jira_find_user(struct ctx *c, const char *email, char *id,
                              size_t size);

/* The JSM service desk of project_key: *id is set (empty when JSM has none
 * for it yet) and the status of the look-up returned. */
enum es_status jira_find_service_desk(struct ctx *c, char *id, size_t size);

/* The next page of JSM listing `path` (its items, "values", at *values;
 * NULL when the listing is absent) into *r, which the caller frees. JSM
 * pages with start/limit and says isLastPage: `pg` starts as
 * JIRA_JSM_PAGES, the SDK's offset paging. */
#define JIRA_JSM_PAGES                                                         \
	{                                                                      \
		.style = ES_PAGE_OFFSET, .param = "start", .items = "values",  \
		.next = "isLastPage"                                           \
	}
enum es_status jira_jsm_page(struct ctx *c, struct es_pages *pg,
                             struct es_reply *r, const char *path,
                             const es_json **values);

/* Jira's ids are strings in some answers and numbers in others
 * (getProject "10000", createProject 10000): the text at `path`, or NULL. */
const char *jira_id(struct ctx *c, const es_json *node, const char *path,
                    char *buf, size_t size);

/* ---- tasks: one function serves plan, apply, verify and teardown ----- */

enum es_status jira_verify_credentials(const struct es_ctx *x);
enum es_status jira_service_desk_project(const struct es_ctx *x);
enum es_status jira_agent_roles(const struct es_ctx *x);
enum es_status jira_request_types(const struct es_ctx *x);
enum es_status jira_organization(const struct es_ctx *x);
enum es_status jira_customers(const struct es_ctx *x);

#endif
