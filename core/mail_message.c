/*
 * Preparing an SMTP call (mail_message.h). Everything is checked before
 * anything connects: a line break in a header field, an address without
 * '@', an unknown secret or a server the config does not name refuses the
 * call, so no input can inject an SMTP command or a header.
 */
#include "mail_message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

static const char *security_name(enum es_mail_security s)
{
	return s == ES_MAIL_TLS ? "implicit TLS" : "STARTTLS";
}

/* A host name or address as written in a URL authority: no user info,
 * path, port or space can ride in it. */
static int host_ok(const char *h)
{
	size_t n = h ? strlen(h) : 0;

	if (n == 0 || n > 253)
		return 0;
	for (const char *c = h; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
		    !(*c >= '0' && *c <= '9') && !strchr(".-_", *c))
			return 0;
	return 1;
}

/* A bare address: one '@', something either side, nothing that SMTP or
 * a header would read as syntax. */
static int address_ok(const char *a)
{
	const char *at = a ? strchr(a, '@') : NULL;

	if (!at || at == a || !at[1] || strchr(at + 1, '@') || strlen(a) > 254)
		return 0;
	for (const char *c = a; *c; c++)
		if ((unsigned char)*c <= ' ' || strchr("<>()[],;:\\\"", *c) ||
		    *c == 0x7f)
			return 0;
	return 1;
}

static int subject_ok(const char *s)
{
	if (!s || strlen(s) > 900)
		return 0;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < ' ' || (unsigned char)*c >= 0x7f)
			return 0;
	return 1;
}

static const char *check_input(const struct es_mail_server *server,
                               const struct es_mail_message *msg)
{
	if (!server || server->struct_size < sizeof(*server))
		return "malformed mail request from the plugin";
	if (!host_ok(server->host))
		return "bad host name";
	if (server->port < 1 || server->port > 65535)
		return "port out of range 1..65535";
	if (server->security != ES_MAIL_STARTTLS &&
	    server->security != ES_MAIL_TLS)
		return "unknown security";
	if (!msg)
		return NULL;
	if (msg->struct_size < sizeof(*msg))
		return "malformed mail message from the plugin";
	if (!address_ok(msg->from))
		return "bad sender address";
	if (!address_ok(msg->to))
		return "bad recipient address";
	if (!subject_ok(msg->subject))
		return "bad subject (one line of printable ASCII)";
	if (!msg->text)
		return "no text";
	return NULL;
}

static char *substitute(const char *in, const struct es_mail_hooks *hooks,
                        struct es_mail_prepared *p, const char *where)
{
	const char *unknown;
	size_t ulen;
	char *out = es_http_substitute_n(in, strlen(in), 0, hooks->http,
	                                 &p->masks, &unknown, &ulen);

	if (!out)
		es_http_error(hooks->http, &p->masks,
		              "%s: not sent: %s \"%.*s\" in the %s",
		              p->shown_server,
		              unknown ? "unknown secret" : "out of memory",
		              unknown ? (int)(ulen > 128 ? 128 : ulen) : 0,
		              unknown ? unknown : "", where);
	return out;
}

/* Credentials go only to a host and port the plugin's config names. */
static int check_server(const struct es_mail_server *server,
                        const struct es_mail_hooks *hooks, const char *plugin,
                        struct es_mail_prepared *p)
{
	struct es_http_buf keys = {0};
	const char *value, *name = NULL, *host_key = NULL;
	char *list;

	for (size_t i = 0;
	     hooks->host_key && !host_key &&
	     (value = hooks->host_key(hooks->http->ctx, i, &name));
	     i++)
		if (strcasecmp(value, server->host) == 0)
			host_key = name;
	if (host_key && hooks->port_key &&
	    hooks->port_key(hooks->http->ctx, (int64_t)server->port))
		return 0;
	for (size_t i = 0;
	     hooks->host_key &&
	     (value = hooks->host_key(hooks->http->ctx, i, &name));
	     i++) {
		if (keys.len)
			es_http_buf_put(&keys, ", ", 2);
		es_http_buf_put(&keys, name, strlen(name));
		es_http_buf_put(&keys, " = ", 3);
		es_http_buf_put(&keys, value, strlen(value));
	}
	list = es_http_buf_finish(&keys);
	es_http_error(hooks->http, &p->masks,
	              "%s: not sent: refusing to send %s to %s:%u: %s of %s "
	              "(%s)",
	              p->shown_server,
	              p->masks.names.p && p->masks.names.len ? p->masks.names.p
	                                                     : "the login",
	              server->host, server->port,
	              host_key ? "not the port of any port key"
	                       : "not the host of any host key",
	              plugin ? plugin : "the plugin",
	              list && *list ? list
	                            : "it has no string key with a value");
	free(list);
	if (hooks->http->refused)
		hooks->http->refused(hooks->http->ctx);
	return -1;
}

/* "\n" and "\r\n" line ends both become CRLF; a lone "\r" too. */
static void put_text(struct es_http_buf *b, const char *t)
{
	for (; *t; t++) {
		if (*t == '\r' && t[1] == '\n')
			continue;
		if (*t == '\r' || *t == '\n')
			es_http_buf_put(b, "\r\n", 2);
		else
			es_http_buf_put(b, t, 1);
	}
}

static int build_message(const struct es_mail_message *msg,
                         struct es_mail_prepared *p)
{
	struct es_http_buf b = {0};
	unsigned char rnd[12];
	char date[64], id[2 * sizeof(rnd) + 1];
	time_t now = time(NULL);
	struct tm tm;
	char *head = NULL;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (asprintf(&head,
	             "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: %s\r\n"
	             "Message-ID: <%s.envsetup@%s>\r\nMIME-Version: 1.0\r\n"
	             "Content-Type: text/plain; charset=UTF-8\r\n"
	             "Content-Transfer-Encoding: 8bit\r\n\r\n",
	             date, msg->from, msg->to, msg->subject, id,
	             strchr(msg->from, '@') + 1) < 0)
		return -1;
	es_http_buf_put(&b, head, strlen(head));
	free(head);
	put_text(&b, msg->text);
	if (b.len < 2 || b.p[b.len - 1] != '\n')
		es_http_buf_put(&b, "\r\n", 2);
	p->message_len = b.len;
	p->message = es_http_buf_finish(&b);
	if (asprintf(&p->mail_from, "<%s>", msg->from) < 0)
		p->mail_from = NULL;
	if (asprintf(&p->rcpt_to, "<%s>", msg->to) < 0)
		p->rcpt_to = NULL;
	return p->message && p->mail_from && p->rcpt_to ? 0 : -1;
}

int es_mail_prepare(const struct es_mail_server *server,
                    const struct es_mail_message *msg,
                    const struct es_mail_hooks *hooks, const char *plugin,
                    struct es_mail_prepared *p)
{
	const char *why = check_input(server, msg);
	const char *scheme;

	memset(p, 0, sizeof(*p));
	if (why) {
		es_http_error(hooks->http, NULL, "SMTP call not made: %s", why);
		return -1;
	}
	scheme = server->security == ES_MAIL_TLS ? "smtps" : "smtp";
	if (asprintf(&p->url, "%s://%s:%u", scheme, server->host,
	             server->port) < 0)
		p->url = NULL;
	if (asprintf(&p->shown_server, "smtp %s:%u (%s)", server->host,
	             server->port, security_name(server->security)) < 0)
		p->shown_server = NULL;
	p->shown_url = p->url ? strdup(p->url) : NULL;
	if (!p->url || !p->shown_server || !p->shown_url)
		goto oom;
	if (server->username &&
	    !(p->user = substitute(server->username, hooks, p, "username")))
		goto fail;
	if (server->password &&
	    !(p->password = substitute(server->password, hooks, p, "password")))
		goto fail;
	if ((p->user || p->password) && check_server(server, hooks, plugin, p))
		goto fail;
	if (msg && build_message(msg, p) < 0)
		goto oom;
	return 0;
oom:
	es_http_error(hooks->http, NULL, "SMTP call not made: out of memory");
fail:
	es_mail_prepared_free(p);
	return -1;
}

void es_mail_prepared_free(struct es_mail_prepared *p)
{
	free(p->url);
	free(p->shown_url);
	free(p->shown_server);
	es_http_free_secret(p->user);
	es_http_free_secret(p->password);
	free(p->mail_from);
	free(p->rcpt_to);
	free(p->message);
	es_http_masks_free(&p->masks);
	memset(p, 0, sizeof(*p));
}
