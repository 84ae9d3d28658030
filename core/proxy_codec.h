/*
 * The host table's structured values on the wire (proxy_wire.h): HTTP
 * requests and responses, SMTP servers and messages, e-mail templates.
 * The plugin process encodes what the plugin handed it and decodes what
 * the core answered; the core does the reverse. A struct's struct_size
 * travels with it, and fields past the plugin's size are sent as absent,
 * so the core judges a short struct exactly as it does in-process.
 */
#ifndef ENVSETUP_CORE_PROXY_CODEC_H
#define ENVSETUP_CORE_PROXY_CODEC_H

#include "envsetup/host.h"
#include "proxy_wire.h"

/* A request decoded in the core: `req` points into `w` and into the
 * arrays here, valid until es_wire_http_request_release. */
struct es_wire_http_request {
	struct es_http_request req;
	struct es_http_header *headers, *form;
	const char **secret_fields;
};

void es_wire_put_http_request(struct es_wire *w,
                              const struct es_http_request *req);
/* 0, or -1 when the frame is malformed. */
int es_wire_get_http_request(struct es_wire *w,
                             struct es_wire_http_request *out);
void es_wire_http_request_release(struct es_wire_http_request *r);

/* A response (nullable: "no answer") and back: a response the HTTP
 * service's accessors read (transfer full), or NULL. */
void es_wire_put_http_response(struct es_wire *w, const es_http_response *r);
es_http_response *es_wire_get_http_response(struct es_wire *w);

/* msg nullable (check_login). */
void es_wire_put_mail(struct es_wire *w, const struct es_mail_server *server,
                      const struct es_mail_message *msg);
/* Pointers into w; *has_msg says whether a message came. */
void es_wire_get_mail(struct es_wire *w, struct es_mail_server *server,
                      struct es_mail_message *msg, int *has_msg);

/* A template (nullable) and back: a copy the plugin process keeps until
 * the callback ends (es_wire_template_free), or NULL. */
void es_wire_put_template(struct es_wire *w, const struct es_template *t);
struct es_template *es_wire_get_template(struct es_wire *w);
void es_wire_template_free(struct es_template *t);

#endif
