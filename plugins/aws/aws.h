/*
 * Internals of the aws plugin, shared by its source files:
 *   aws.c          schema, tasks, descriptor, per-task dispatch table
 *   aws_api.c      the three AWS wire protocols and the error mapping
 *   aws_xml.c      the XML reader/escaper (libxml2, no network, no entities)
 *   aws_account.c  Organizations account + STS session
 *   aws_iam.c      IAM groups and users
 *   aws_route53.c  hosted zone and records
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_AWS_H
#define ENVSETUP_PLUGIN_AWS_H

#include <stddef.h>

#include <libxml/tree.h>

#include "envsetup/host.h"

/* One customer environment. */
struct aws {
	const struct es_host *host;
	/* 1 once STS credentials for the member account were remembered in
	 * this run (they live only in the core's memory). */
	int session_ready;
};

/* ------------------------------------------------------------------ xml */

/* Parse a reply without network access or entity expansion (NULL if not
 * well-formed XML). Free with xmlFreeDoc(). */
xmlDocPtr aws_xml_parse(const char *text, size_t len);
/* Follow "A/B/C" by element local names from `from` (its children first
 * step); NULL when a step is missing. */
xmlNodePtr aws_xml_path(xmlNodePtr from, const char *path);
/* First element named `name` anywhere below `from` (depth first). */
xmlNodePtr aws_xml_find(xmlNodePtr from, const char *name);
/* The text of an element (malloc'd, "" for empty) or NULL. */
char *aws_xml_text(xmlNodePtr node);
/* aws_xml_text(aws_xml_path(from, path)). */
char *aws_xml_get(xmlNodePtr from, const char *path);
/* Next sibling element named `name` after `node` (NULL: none). */
xmlNodePtr aws_xml_next(xmlNodePtr node, const char *name);
/* First child element named `name` of `parent`. */
xmlNodePtr aws_xml_child(xmlNodePtr parent, const char *name);
/* The error code and message of an AWS XML error body: ErrorResponse/
 * Error/{Code,Message}, or Route 53's <InvalidChangeBatch><messages>.
 * *code and *message are malloc'd (either may be NULL). 0 if found. */
int aws_xml_error(const char *text, size_t len, char **code, char **message);
/* `in` with & < > " ' escaped for element text (malloc'd). */
char *aws_xml_escape(const char *in);

/* ------------------------------------------------------------------ api */

enum aws_service {
	AWS_ORGANIZATIONS = 0,
	AWS_STS,
	AWS_IAM,
	AWS_ROUTE53,
};

/* Which credentials sign a call. */
enum aws_creds {
	AWS_MANAGEMENT = 0, /* the configured access keys */
	AWS_MEMBER,         /* the STS session inside the member account */
};

/* A finished call: the status, the body, and the error code when not 2xx. */
struct aws_reply {
	long status; /* 0: no answer */
	char *body;  /* malloc'd, NUL-terminated, nullable */
	size_t len;
	char *code;     /* error code ("NoSuchEntity"), nullable */
	char *message;  /* error message, nullable */
	char *location; /* Location header, nullable */
};

void aws_reply_clear(struct aws_reply *r);
int aws_ok(const struct aws_reply *r);
/* 1 when the reply is the error `code`. */
int aws_is(const struct aws_reply *r, const char *code);

/* Organizations JSON 1.1: POST / with X-Amz-Target and `json` as body. */
int aws_json_call(es_call *call, struct aws *a, const char *op,
                  const char *json, int mutating, const char *intent,
                  struct aws_reply *out);
/* Query protocol (STS, IAM): POST / with Action, Version and the
 * name/value pairs `params` (NULL-terminated, values raw: encoded here,
 * except "{{secret:...}}" references which the core fills in). */
int aws_query_call(es_call *call, struct aws *a, enum aws_service svc,
                   enum aws_creds creds, const char *action,
                   const char *const *params, int mutating, const char *intent,
                   struct aws_reply *out);
/* Route 53 REST-XML: `path_and_query` after the endpoint, query already
 * sorted and encoded; `xml` body or NULL. */
int aws_rest_call(es_call *call, struct aws *a, const char *method,
                  const char *path_and_query, const char *xml, int mutating,
                  const char *intent, struct aws_reply *out);

/* The status for a failed reply, with a diagnostic naming the key at
 * fault: credentials -> ES_INVALID_CONFIG, throttling/5xx/concurrency ->
 * ES_RETRY, the rest ES_FAILED. `what` says what was being done. */
enum es_status aws_fail(es_call *call, struct aws *a, const struct aws_reply *r,
                        const char *what);

/* Percent-encode for a query value (RFC 3986 unreserved kept; malloc'd). */
char *aws_uri_encode(const char *in);
/* The poll_interval key in ms, kept within 1 ms .. 10 min. */
uint32_t aws_poll_ms(es_call *call, struct aws *a);
/* printf into a malloc'd string (NULL on failure). */
char *aws_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---------------------------------------------------------------- tasks */

typedef enum es_status (*aws_task_fn)(es_call *call, struct aws *a);

/* The member account id: state (create) or config (adopt); nullable,
 * transfer none (valid until the end of the callback). */
const char *aws_account_id(es_call *call, struct aws *a);
/* Make sure {{secret:sts_*}} hold credentials inside the member account. */
enum es_status aws_session(es_call *call, struct aws *a);

enum es_status aws_account_plan(es_call *call, struct aws *a);
enum es_status aws_account_apply(es_call *call, struct aws *a);
enum es_status aws_account_verify(es_call *call, struct aws *a);
enum es_status aws_role_plan(es_call *call, struct aws *a);
enum es_status aws_role_apply(es_call *call, struct aws *a);

enum es_status aws_groups_plan(es_call *call, struct aws *a);
enum es_status aws_groups_apply(es_call *call, struct aws *a);
enum es_status aws_groups_verify(es_call *call, struct aws *a);
enum es_status aws_users_plan(es_call *call, struct aws *a);
enum es_status aws_users_apply(es_call *call, struct aws *a);
enum es_status aws_users_verify(es_call *call, struct aws *a);

enum es_status aws_zone_plan(es_call *call, struct aws *a);
enum es_status aws_zone_apply(es_call *call, struct aws *a);
enum es_status aws_zone_verify(es_call *call, struct aws *a);
enum es_status aws_records_plan(es_call *call, struct aws *a);
enum es_status aws_records_apply(es_call *call, struct aws *a);
enum es_status aws_records_verify(es_call *call, struct aws *a);

#endif
