/* Shared between fake_aws.c (router, SigV4, STS), fake_aws_org.c,
 * fake_aws_iam.c and fake_aws_route53.c. */
#ifndef ENVSETUP_SANDBOX_FAKE_AWS_H
#define ENVSETUP_SANDBOX_FAKE_AWS_H

#include <stddef.h>
#include <time.h>

#include "sandbox.h"

#define FA_IAM_NS "https://iam.amazonaws.com/doc/2010-05-08/"
#define FA_R53_NS "https://route53.amazonaws.com/doc/2013-04-01/"

enum fa_proto { FA_JSON, FA_QUERY, FA_REST };

/* Who signed the request: the management account's keys, or an STS
 * session inside a member account. */
struct fa_caller {
	char account[13];
	int member;
};

const char *fa_management_account(void);
/* XML-escape into buf; returns buf. */
char *fa_esc(const char *in, char *buf, size_t n);
void fa_request_id(char *buf, size_t n);
void fa_iso_time(time_t t, char *buf, size_t n);
/* <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>. */
void fa_xml_error(struct sb_response *resp, int status, const char *ns,
                  const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* {"__type": code, "Message": msg} with the JSON 1.1 content type. */
void fa_json_error(struct sb_response *resp, int status, const char *code,
                   const char *msg);
/* <ActionResponse><ActionResult>result</ActionResult><ResponseMetadata>. */
void fa_query_reply(struct sb_response *resp, const char *ns,
                    const char *action, const char *result);
/* Checks POST, form content type, Action and Version; 0 = answered. */
int fa_query_preamble(const struct sb_request *r, struct sb_response *resp,
                      const char *ns, const char *version);
/* A session key, its derived secret and token for `account`. */
void fa_new_session(const char *account, char akid[21], char secret[41],
                    char token[82]);

void fa_organizations(const struct sb_request *r, const struct fa_caller *who,
                      struct sb_response *resp);
void fa_iam(const struct sb_request *r, const struct fa_caller *who,
            struct sb_response *resp);
/* `path` after /route53, e.g. "/2013-04-01/hostedzone". */
void fa_route53(const struct sb_request *r, const char *path,
                const struct fa_caller *who, struct sb_response *resp);

/* fake_aws_teardown.c: DeleteHostedZone of zone `id` (`owned`: the
 * caller's account holds it), CloseAccount, and IAM's Delete*, Detach*
 * and Remove* calls; each 0 when `action` is not one of them. */
void fa_route53_delete_zone(const char *id, int owned,
                            struct sb_response *resp);
int fa_org_teardown(const char *op, cJSON *in, struct sb_response *resp);
int fa_iam_teardown(const struct sb_request *r, const struct fa_caller *who,
                    struct sb_response *resp, const char *action);

#endif
