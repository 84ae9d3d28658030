/*
 * Internals of the aws plugin, shared by its source files:
 *   aws.c          schema, tasks, validate, descriptor, the session cache
 *   aws_api.c      the clients for the four AWS endpoints and their errors
 *   aws_xml.c      the XML reader/escaper (libxml2, no network, no entities)
 *   aws_account.c  create_account: the member account (Organizations)
 *   aws_session.c  assume_role: the STS session inside it
 *   aws_iam.c      iam_groups, iam_users
 *   aws_zone.c     hosted_zone
 *   aws_records.c  dns_records
 * Nothing here is exported: the .so exports envsetup_plugin_entry only.
 */
#ifndef ENVSETUP_PLUGIN_AWS_H
#define ENVSETUP_PLUGIN_AWS_H

#include <stddef.h>

#include <libxml/tree.h>

#include <pthread.h>

#include "envsetup/envsetup.h"

/* ---- instance: one customer environment ------------------------------ */

/* The STS session lives only in the core's memory ({{secret:sts_*}}),
 * for this run: opened once, not once per task and phase. Tasks overlap
 * (max_concurrency): `lock` makes one of them open it while the others
 * wait, so no two AssumeRole answers mix their three keys. */
struct aws {
	pthread_mutex_t lock;
	int session_open;
};

/* ---- xml ------------------------------------------------------------- */

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
/* The error code and message of a parsed AWS XML error: ErrorResponse/
 * Error/{Code,Message}, or Route 53's <InvalidChangeBatch><messages>.
 * *code and *message are malloc'd (either may be NULL). 0 if found. */
int aws_xml_error(xmlDocPtr doc, char **code, char **message);
/* `in` with & < > " ' escaped for element text (malloc'd). */
char *aws_xml_escape(const char *in);
/* The body of an answer, parsed (NULL: not XML). Free with xmlFreeDoc().
 * The client's read hook has already refused a 2xx that does not parse. */
xmlDocPtr aws_xml_reply(const struct es_reply *r);

/* ---- the clients (aws_api.c) ----------------------------------------- */

enum aws_service {
	AWS_ORGANIZATIONS = 0, /* JSON 1.1, the management account's keys */
	AWS_STS,               /* query protocol, the management account's */
	AWS_IAM,               /* query protocol, the member session's */
	AWS_ROUTE53,           /* REST-XML, the member session's */
};

/* The SDK's client for one AWS endpoint, and what AWS's protocols need
 * beside it. Set up in place (api points into it); never copied. */
struct aws_client {
	struct es_client api;
	enum aws_service service;
	struct aws *instance; /* its session is closed when it expires */
	char sigv4[96];       /* "aws:amz:us-east-1:iam" */
	/* Every query and JSON 1.1 operation is a POST to the same URL, so
	 * the messages name it: "AWS IAM GetUser". */
	char provider[96];
	char code[64]; /* the last answer's AWS error code ("" for none) */
};

/* Set up `c` for `service`. The member services (IAM, Route 53) open the
 * STS session first. ES_OK, or the status to return (diagnosed). */
enum es_status aws_client(struct aws_client *c, const struct es_ctx *x,
                          enum aws_service service);

/* Organizations: POST / with X-Amz-Target `op` and the JSON `body`. */
enum es_status aws_org(struct aws_client *c, struct es_reply *r, const char *op,
                       const es_json *body, const char *intent);
/* STS, IAM: POST / with Action `action`, the service's Version and the
 * form fields `params` (values raw; {{secret:...}} filled by the core). */
enum es_status aws_query(struct aws_client *c, struct es_reply *r,
                         const char *action,
                         const struct es_http_header *params, size_t n,
                         const char *intent);
/* Route 53: `method` base + `path` (query sorted and encoded), `xml` body
 * (nullable); `op` names it in messages. */
enum es_status aws_rest(struct aws_client *c, struct es_reply *r,
                        const char *op, const char *method, const char *path,
                        const char *xml, const char *intent);

/* A 2xx answer without `missing`, the element the call is about:
 * ES_RETRY, as for a body that does not parse, so that a look-up never
 * reads as "absent" and leads to a second create. */
enum es_status aws_unreadable(const struct aws_client *c, const char *missing);

/* ---- shared by the tasks ---------------------------------------------- */

const char *aws_cfg(const struct es_ctx *x, const char *key);
/* The member account id: config (adopt) or state (create); nullable. */
const char *aws_account_id(const struct es_ctx *x);
/* Open the STS session inside the member account, once per run. */
enum es_status aws_session(const struct es_ctx *x);
/* AWS said the session expired: the next aws_session opens a new one. */
void aws_session_expired(struct aws *a);
/* poll_interval as es_poll_again() takes it. */
enum es_status aws_poll_again(const struct es_ctx *x);
/* 1 when a, b name the same DNS name (case, trailing dot ignored). */
int aws_same_name(const char *a, const char *b);
/* The public zone named `zone`, ours (our CallerReference) before
 * another: 1 with id (no "/hostedzone/") in buf, 0 absent, -1 with *st. */
int aws_find_zone(struct aws_client *r53, const char *zone, char *id,
                  size_t idlen, enum es_status *st);

/* ---- tasks: one function serves plan, apply and verify --------------- */

enum es_status aws_create_account(const struct es_ctx *x); /* long-running */
enum es_status aws_assume_role(const struct es_ctx *x);
enum es_status aws_iam_groups(const struct es_ctx *x);
enum es_status aws_iam_users(const struct es_ctx *x);
enum es_status aws_hosted_zone(const struct es_ctx *x);
enum es_status aws_dns_records(const struct es_ctx *x); /* long-running */

#endif
