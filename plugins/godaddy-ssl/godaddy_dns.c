/*
 * godaddy-ssl: the dns_records task, and the domain-control TXT record
 * validate_domain publishes when the DNS is at GoDaddy.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "godaddy_ssl.h"

/* ---- dns_records ---------------------------------------------------- */

/* "app.uat=CNAME:lb.example.net" */
int gd_parse_record(const char *s, struct record *rec)
{
	const char *eq = s ? strchr(s, '=') : NULL;
	const char *colon = eq ? strchr(eq, ':') : NULL;
	static const char *const types[] = {"A", "AAAA", "CNAME", "TXT", NULL};
	size_t i = 0;

	if (!colon || eq == s || (size_t)(eq - s) >= sizeof(rec->name) ||
	    (size_t)(colon - eq - 1) >= sizeof(rec->type) || !colon[1] ||
	    strlen(colon + 1) >= sizeof(rec->target))
		return -1;
	snprintf(rec->name, sizeof(rec->name), "%.*s", (int)(eq - s), s);
	snprintf(rec->type, sizeof(rec->type), "%.*s", (int)(colon - eq - 1),
	         eq + 1);
	snprintf(rec->target, sizeof(rec->target), "%s", colon + 1);
	while (types[i] && strcasecmp(types[i], rec->type))
		i++;
	if (!types[i] || strpbrk(rec->name, "/?#% "))
		return -1;
	snprintf(rec->type, sizeof(rec->type), "%s", types[i]);
	return 0;
}

/* Data equal, ignoring case and a trailing dot for host names. */
static int same_data(const char *type, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (strcmp(type, "TXT") == 0)
		return strcmp(a, b) == 0;
	la -= la && a[la - 1] == '.';
	lb -= lb && b[lb - 1] == '.';
	return la == lb && strncasecmp(a, b, la) == 0;
}

static enum es_status put_records(struct ctx *c, const char *type,
                                  const char *name, es_json *list,
                                  const char *intent)
{
	char *body = c->h->json->print(list), *n = c->h->http->escape(name);
	struct reply r;
	enum es_status st = ES_FAILED;

	if (body && n)
		st = gd_api(c, &r, "PUT", body, intent,
		            "/v1/domains/%s/records/%s/%s", c->domain, type, n);
	if (st == ES_OK && r.conflict)
		st = gd_failure(c, &r, intent);
	if (st == ES_OK)
		gd_reply_free(c, &r);
	c->h->mem_free(body);
	c->h->mem_free(n);
	return st;
}

static enum es_status sync_record(struct ctx *c, const struct record *rec)
{
	const struct es_json_api *j = c->h->json;
	int64_t ttl = c->h->config->get_int(c->call, "ttl");
	char *name = c->h->http->escape(rec->name), intent[800];
	es_json *list, *o;
	struct reply r;
	const es_json *got;
	enum es_status st;

	if (!name)
		return ES_FAILED;
	st = gd_api(c, &r, "GET", NULL, NULL, "/v1/domains/%s/records/%s/%s",
	            c->domain, rec->type, name);
	c->h->mem_free(name);
	if (st != ES_OK)
		return st;
	got = j->array_item(r.json, 0);
	if (r.absent) {
		c->h->diag->error(c->call, "domain",
		                  "%s is not a domain of this GoDaddy account "
		                  "(404); set dns_at_godaddy = false if its "
		                  "DNS is hosted elsewhere",
		                  c->domain);
		st = ES_INVALID_CONFIG;
	} else if (!(j->array_size(r.json) == 1 &&
	             same_data(rec->type,
	                       j->get_string(got, "data")
	                           ? j->get_string(got, "data")
	                           : "",
	                       rec->target) &&
	             (int64_t)j->get_number(got, "ttl", 0) == ttl) &&
	           !gd_reported(c, &st,
	                        j->array_size(r.json) ? ES_CHANGE_UPDATE
	                                              : ES_CHANGE_CREATE,
	                        "dns_record", rec->name, rec->target)) {
		snprintf(intent, sizeof(intent), "set %s %s.%s to %s",
		         rec->type, rec->name, c->domain, rec->target);
		list = j->new_array();
		o = j->new_object();
		if (list && o) {
			j->set_string(o, "data", rec->target);
			j->set_number(o, "ttl", (double)ttl);
			j->add(list, NULL, o);
			o = NULL;
			st = put_records(c, rec->type, rec->name, list, intent);
		}
		j->free(o);
		j->free(list);
	}
	gd_reply_free(c, &r);
	return st;
}

enum es_status gd_dns_records(struct ctx *c)
{
	const struct es_json_api *j = c->h->json;
	es_json *out = j->new_array();
	enum es_status st = out ? ES_OK : ES_FAILED;
	int at_godaddy = c->h->config->get_bool(c->call, "dns_at_godaddy");

	for (size_t i = 0; st == ES_OK && i < gd_n_items(c, "records"); i++) {
		struct record rec;
		es_json *o;

		if (gd_parse_record(gd_item(c, "records", i), &rec))
			return j->free(out), ES_INVALID_CONFIG;
		if (at_godaddy)
			st = sync_record(c, &rec);
		if ((o = j->new_object())) {
			j->set_string(o, "name", rec.name);
			j->set_string(o, "type", rec.type);
			j->set_string(o, "data", rec.target);
			j->add(out, NULL, o);
		}
	}
	/* Elsewhere-hosted DNS: the output is what a person publishes. */
	if (st == ES_OK && c->phase == ES_PHASE_VERIFY) {
		char *text = j->print(out);

		if (!text || c->h->output->set(c->call, "dns_records", text, 0))
			st = ES_FAILED;
		c->h->mem_free(text);
	}
	j->free(out);
	return st;
}

/* Add `token` to the TXT records at @ of the domain, keeping the others:
 * the PUT replaces the whole set (SPF and the like live there too). */
enum es_status gd_publish_txt(struct ctx *c, const char *token)
{
	const struct es_json_api *j = c->h->json;
	es_json *list = j->new_array(), *o;
	char intent[600];
	struct reply r;
	int64_t ttl = c->h->config->get_int(c->call, "ttl");
	enum es_status st =
	    list ? gd_api(c, &r, "GET", NULL, NULL,
	                  "/v1/domains/%s/records/TXT/@", c->domain)
	         : ES_FAILED;
	int have = 0;

	for (size_t i = 0; st == ES_OK && i < j->array_size(r.json); i++) {
		const es_json *e = j->array_item(r.json, i);
		const char *data = j->get_string(e, "data");

		have |= data && strcmp(data, token) == 0;
		if (data && (o = j->new_object())) {
			j->set_string(o, "data", data);
			j->set_number(o, "ttl", j->get_number(e, "ttl", ttl));
			j->add(list, NULL, o);
		}
	}
	if (st == ES_OK)
		gd_reply_free(c, &r);
	if (st == ES_OK && !have && (o = j->new_object())) {
		j->set_string(o, "data", token);
		j->set_number(o, "ttl", (double)ttl);
		j->add(list, NULL, o);
		snprintf(intent, sizeof(intent),
		         "publish the domain-control TXT record at %s",
		         c->domain);
		st = put_records(c, "TXT", "@", list, intent);
	}
	j->free(list);
	return st;
}
