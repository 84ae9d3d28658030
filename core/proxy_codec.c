/* Structured host values on the wire (proxy_codec.h). */
#include "proxy_codec.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

/* The plugin's struct, as far as its struct_size reaches, in a full one
 * whose other fields are zero: what the core reads as absent. */
#define COPY_SIZED(full, given)                                                \
	do {                                                                   \
		memset(&(full), 0, sizeof(full));                              \
		memcpy(&(full), (given),                                       \
		       (given)->struct_size < sizeof(full)                     \
		           ? (given)->struct_size                              \
		           : sizeof(full));                                    \
	} while (0)

static void put_pairs(struct es_wire *w, const struct es_http_header *p,
                      size_t n)
{
	if (!p)
		n = 0;
	es_wire_i64(w, (int64_t)n);
	for (size_t i = 0; i < n; i++) {
		es_wire_str(w, p[i].name);
		es_wire_str(w, p[i].value);
	}
}

static struct es_http_header *get_pairs(struct es_wire *w, size_t *n)
{
	int64_t count = es_wire_get_i64(w);
	struct es_http_header *p;

	*n = 0;
	/* Each pair takes at least two length words on the wire. */
	if (count <= 0 || (uint64_t)count > (w->len - w->pos) / 8)
		return NULL;
	p = calloc((size_t)count, sizeof(*p));
	if (!p) {
		w->bad = 1;
		return NULL;
	}
	for (int64_t i = 0; i < count; i++) {
		p[i].name = es_wire_get_str(w);
		p[i].value = es_wire_get_str(w);
	}
	*n = (size_t)count;
	return p;
}

void es_wire_put_http_request(struct es_wire *w,
                              const struct es_http_request *given)
{
	struct es_http_request r;
	size_t n_fields = 0;

	if (!given) {
		es_wire_i64(w, 0);
		return;
	}
	COPY_SIZED(r, given);
	es_wire_i64(w, r.struct_size);
	es_wire_str(w, r.method);
	es_wire_str(w, r.url);
	put_pairs(w, r.headers, r.n_headers);
	es_wire_bytes(w, r.body, r.body ? r.body_len : 0);
	es_wire_str(w, r.content_type);
	es_wire_i64(w, r.form_kind);
	put_pairs(w, r.form, r.n_form);
	es_wire_str(w, r.basic_user);
	es_wire_str(w, r.basic_password);
	es_wire_str(w, r.aws_sigv4);
	es_wire_i64(w, r.mutating);
	es_wire_str(w, r.intent);
	es_wire_i64(w, r.timeout_ms);
	while (r.secret_fields && r.secret_fields[n_fields])
		n_fields++;
	es_wire_i64(w, (int64_t)n_fields);
	for (size_t i = 0; i < n_fields; i++)
		es_wire_str(w, r.secret_fields[i]);
}

int es_wire_get_http_request(struct es_wire *w,
                             struct es_wire_http_request *out)
{
	struct es_http_request *r = &out->req;
	int64_t size = es_wire_get_i64(w), n_fields;

	memset(out, 0, sizeof(*out));
	if (size <= 0)
		return w->bad ? -1 : 0; /* a NULL request: the core says so */
	r->struct_size =
	    size < (int64_t)sizeof(*r) ? (uint32_t)size : (uint32_t)sizeof(*r);
	r->method = es_wire_get_str(w);
	r->url = es_wire_get_str(w);
	out->headers = get_pairs(w, &r->n_headers);
	r->headers = out->headers;
	r->body = es_wire_get_bytes(w, &r->body_len);
	r->content_type = es_wire_get_str(w);
	r->form_kind = (enum es_form_kind)es_wire_get_i64(w);
	out->form = get_pairs(w, &r->n_form);
	r->form = out->form;
	r->basic_user = es_wire_get_str(w);
	r->basic_password = es_wire_get_str(w);
	r->aws_sigv4 = es_wire_get_str(w);
	r->mutating = (int)es_wire_get_i64(w);
	r->intent = es_wire_get_str(w);
	r->timeout_ms = (uint32_t)es_wire_get_i64(w);
	n_fields = es_wire_get_i64(w);
	if (n_fields > 0 && (uint64_t)n_fields <= (w->len - w->pos) / 4) {
		out->secret_fields =
		    calloc((size_t)n_fields + 1, sizeof(*out->secret_fields));
		for (int64_t i = 0; out->secret_fields && i < n_fields; i++)
			out->secret_fields[i] = es_wire_get_str(w);
		r->secret_fields = out->secret_fields;
	}
	return w->bad ? -1 : 0;
}

void es_wire_http_request_release(struct es_wire_http_request *r)
{
	free(r->headers);
	free(r->form);
	free(r->secret_fields);
	memset(r, 0, sizeof(*r));
}

void es_wire_put_http_response(struct es_wire *w, const es_http_response *r)
{
	const struct es_http_header *h;
	const char *body;
	size_t n, len;

	es_wire_i64(w, r != NULL);
	if (!r)
		return;
	es_wire_i64(w, es_http_response_status(r));
	body = es_http_response_body(r, &len);
	es_wire_bytes(w, body, len);
	h = es_http_response_headers(r, &n);
	put_pairs(w, h, n);
}

es_http_response *es_wire_get_http_response(struct es_wire *w)
{
	es_http_response *r;
	struct es_http_header *h;
	const char *body;
	long status;
	size_t len, n;

	if (!es_wire_get_i64(w))
		return NULL;
	status = (long)es_wire_get_i64(w);
	body = es_wire_get_bytes(w, &len);
	h = get_pairs(w, &n);
	r = w->bad ? NULL : es_http_response_new(status, body, len);
	for (size_t i = 0; r && i < n; i++) {
		if (!h[i].name || !h[i].value ||
		    es_http_response_add_header(r, h[i].name, h[i].value) < 0) {
			es_http_response_free(r);
			r = NULL;
		}
	}
	free(h);
	return r;
}

void es_wire_put_mail(struct es_wire *w, const struct es_mail_server *server,
                      const struct es_mail_message *msg)
{
	struct es_mail_server s = {0};
	struct es_mail_message m = {0};

	if (server)
		COPY_SIZED(s, server);
	es_wire_i64(w, s.struct_size);
	es_wire_str(w, s.host);
	es_wire_i64(w, s.port);
	es_wire_i64(w, s.security);
	es_wire_str(w, s.username);
	es_wire_str(w, s.password);
	es_wire_i64(w, s.timeout_ms);
	es_wire_i64(w, msg != NULL);
	if (!msg)
		return;
	COPY_SIZED(m, msg);
	es_wire_i64(w, m.struct_size);
	es_wire_str(w, m.from);
	es_wire_str(w, m.to);
	es_wire_str(w, m.subject);
	es_wire_str(w, m.text);
	es_wire_str(w, m.intent);
}

void es_wire_get_mail(struct es_wire *w, struct es_mail_server *s,
                      struct es_mail_message *m, int *has_msg)
{
	memset(s, 0, sizeof(*s));
	memset(m, 0, sizeof(*m));
	s->struct_size = (uint32_t)es_wire_get_i64(w);
	s->host = es_wire_get_str(w);
	s->port = (uint32_t)es_wire_get_i64(w);
	s->security = (enum es_mail_security)es_wire_get_i64(w);
	s->username = es_wire_get_str(w);
	s->password = es_wire_get_str(w);
	s->timeout_ms = (uint32_t)es_wire_get_i64(w);
	*has_msg = (int)es_wire_get_i64(w);
	if (!*has_msg)
		return;
	m->struct_size = (uint32_t)es_wire_get_i64(w);
	m->from = es_wire_get_str(w);
	m->to = es_wire_get_str(w);
	m->subject = es_wire_get_str(w);
	m->text = es_wire_get_str(w);
	m->intent = es_wire_get_str(w);
}

void es_wire_put_template(struct es_wire *w, const struct es_template *t)
{
	es_wire_i64(w, t != NULL);
	if (!t)
		return;
	es_wire_str(w, t->name);
	es_wire_str(w, t->subject);
	es_wire_str(w, t->description);
	es_wire_str(w, t->html);
	es_wire_str(w, t->text);
	es_wire_str(w, t->digest);
	es_wire_i64(w, (int64_t)t->n_variables);
	for (size_t i = 0; i < t->n_variables; i++)
		es_wire_str(w, t->variables[i]);
}

static char *dup_field(struct es_wire *w)
{
	const char *s = es_wire_get_str(w);

	return s ? strdup(s) : NULL;
}

struct es_template *es_wire_get_template(struct es_wire *w)
{
	struct es_template *t;
	char **vars;
	int64_t n;

	if (!es_wire_get_i64(w) || !(t = calloc(1, sizeof(*t))))
		return NULL;
	t->struct_size = sizeof(*t);
	t->name = dup_field(w);
	t->subject = dup_field(w);
	t->description = dup_field(w);
	t->html = dup_field(w);
	t->text = dup_field(w);
	t->digest = dup_field(w);
	n = es_wire_get_i64(w);
	if (n < 0 || (uint64_t)n > (w->len - w->pos) / 4)
		n = 0;
	vars = calloc((size_t)n + 1, sizeof(*vars));
	for (int64_t i = 0; vars && i < n; i++)
		vars[i] = dup_field(w);
	t->variables = (const char *const *)vars;
	t->n_variables = vars ? (size_t)n : 0;
	if (w->bad || !vars) {
		es_wire_template_free(t);
		return NULL;
	}
	return t;
}

void es_wire_template_free(struct es_template *t)
{
	if (!t)
		return;
	for (size_t i = 0; t->variables && i < t->n_variables; i++)
		free((char *)t->variables[i]);
	free((void *)t->variables);
	free((char *)t->name);
	free((char *)t->subject);
	free((char *)t->description);
	free((char *)t->html);
	free((char *)t->text);
	free((char *)t->digest);
	free(t);
}
