/*
 * What the `wrongtype` and `errorbody` fault rules answer instead of the
 * fake: a proxy's HTML page with 200, or a 200 carrying the provider's own
 * error shape (as eWAY, Braintree and NerdGraph send every error, and as a
 * misbehaving gateway may send any), one shape per fake, so that every
 * client's error reading is tried on a status that says "fine".
 */
#include <stdio.h>
#include <string.h>

#include "faults.h"
#include "sandbox.h"

#define MESSAGE "sandbox: injected error in a 200"

struct error_shape {
	const char *fake;
	const char *path_prefix; /* nullable: any path of the fake */
	const char *content_type;
	const char *body;
};

/* The providers' error bodies, as their fakes send them (see README.md). */
static const struct error_shape shapes[] = {
    {"aws", "/aws/organizations", "application/x-amz-json-1.1",
     "{\"__type\":\"ServiceException\",\"Message\":\"" MESSAGE "\"}"},
    {"aws", NULL, "text/xml",
     "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable"
     "</Code><Message>" MESSAGE "</Message></Error><RequestId>0"
     "</RequestId></ErrorResponse>"},
    {"azure", "/azure/login", "application/json",
     "{\"error\":\"temporarily_unavailable\",\"error_description\":"
     "\"" MESSAGE "\",\"error_codes\":[0]}"},
    {"azure", NULL, "application/json",
     "{\"error\":{\"code\":\"InternalServerError\",\"message\":"
     "\"" MESSAGE "\"}}"},
    {"braintree", NULL, "application/json",
     "{\"data\":null,\"errors\":[{\"message\":\"" MESSAGE "\","
     "\"extensions\":{\"errorClass\":\"INTERNAL\"}}]}"},
    {"eway", NULL, "application/json", "{\"Errors\":\"S5000\"}"},
    {"godaddy", NULL, "application/json",
     "{\"code\":\"INTERNAL_SERVER_ERROR\",\"message\":\"" MESSAGE "\"}"},
    {"intercom", NULL, "application/json",
     "{\"type\":\"error.list\",\"request_id\":\"sandbox\",\"errors\":"
     "[{\"code\":\"server_error\",\"message\":\"" MESSAGE "\"}]}"},
    {"jira", NULL, "application/json",
     "{\"errorMessages\":[\"" MESSAGE "\"],\"errors\":{}}"},
    {"mailgun", NULL, "application/json", "{\"message\":\"" MESSAGE "\"}"},
    {"mandrill", NULL, "application/json",
     "{\"status\":\"error\",\"code\":-1,\"name\":\"GeneralError\","
     "\"message\":\"" MESSAGE "\"}"},
    {"newrelic", NULL, "application/json",
     "{\"data\":null,\"errors\":[{\"message\":\"" MESSAGE "\","
     "\"extensions\":{\"errorClass\":\"INTERNAL_SERVER_ERROR\"}}]}"},
    {"sparkpost", NULL, "application/json",
     "{\"errors\":[{\"message\":\"" MESSAGE "\",\"code\":\"1902\"}]}"},
    {"splunk", NULL, "application/json",
     "{\"messages\":[{\"type\":\"ERROR\",\"text\":\"" MESSAGE "\"}]}"},
    {"acs", NULL, "application/json",
     "{\"code\":\"500-internal-server-error\",\"message\":\"" MESSAGE "\"}"},
    {"sumologic", NULL, "application/json",
     "{\"id\":\"SANDBOX\",\"errors\":[{\"code\":\"internal.error\","
     "\"message\":\"" MESSAGE "\"}]}"},
};

void sb_fault_body(const struct sb_fault *f, const char *fake, const char *path,
                   struct sb_response *resp)
{
	if (f->kind == SB_FAULT_WRONG_TYPE) {
		sb_reply(resp, 200, "text/html",
		         "<!DOCTYPE html><html><head><title>Gateway</title>"
		         "</head><body><p>The service is being updated.</p>"
		         "</body></html>");
		return;
	}
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct error_shape *e = &shapes[i];
		if (fake && strcmp(e->fake, fake) == 0 &&
		    (!e->path_prefix || strncmp(path, e->path_prefix,
		                                strlen(e->path_prefix)) == 0)) {
			sb_reply(resp, 200, e->content_type, "%s", e->body);
			return;
		}
	}
	sb_reply(resp, 200, "application/json",
	         "{\"message\":\"" MESSAGE "\"}");
}
