/*
 * The Jira fake's shared parts: fake_jira.c (auth, routing, the platform
 * API) and fake_jira_jsm.c (Jira Service Management).
 */
#ifndef ENVSETUP_FAKE_JIRA_H
#define ENVSETUP_FAKE_JIRA_H

#include "sandbox.h"

#define P "jira"
#define MAX_SEGMENTS 10
#define SITE "https://your-domain.atlassian.net"

struct route {
	const struct sb_request *req;
	struct sb_response *resp;
	char *seg[MAX_SEGMENTS];
	int n;
};

/* One JSM page of `kind`'s resources (start, limit, isLastPage, values):
 * those whose `filter_attr` equals `filter_value` (all when NULL), each
 * shown by `shape`. */
struct page {
	const char *filter_attr, *filter_value;
	cJSON *(*shape)(const char *id, const cJSON *attrs);
	cJSON *values;
	long start, limit, seen;
};

const char *jf_attr(const cJSON *o, const char *name);
void jf_platform_error(struct sb_response *resp, int status, const char *field,
                       const char *text);
void jf_jsm_error(struct sb_response *resp, int status, const char *key,
                  const char *text);
void jf_no_content(struct sb_response *resp);
void jf_new_number(char *buf, size_t len);
/* Remove every `kind` whose id starts with `prefix` ("ORG/"). */
void jf_drop_prefixed(const char *kind, const char *prefix);
/* A new user ("user") or portal-only customer ("customer"). */
cJSON *jf_add_user(const char *kind, const char *email);
/* A user or customer by accountId (nullable). */
cJSON *jf_account(const char *id);
cJSON *jf_user_json(const cJSON *u);
void jf_reply_page(struct route *rt, const char *kind, struct page *pg);
/* /rest/servicedeskapi/... */
void jf_jsm(struct route *rt);

#endif
