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

/* The record set at `type`/`name` of the domain, as GoDaddy lists it:
 * ES_OK with r->json an array; a domain not in the account is the
 * config's fault, a list that cannot be read a failure of the request. */
static enum es_status get_records(struct ctx *c, struct es_reply *r,
                                  const char *type, const char *name)
{
	char path[1024], *n = c->h->http->escape(name);
	enum es_status st;

	if (!n) {
		memset(r, 0, sizeof(*r));
		return ES_FAILED;
	}
	snprintf(path, sizeof(path), "/v1/domains/%s/records/%s/%s", c->domain,
	         type, n);
	c->h->mem_free(n);
	st = es_client_call(&c->api, r, NULL, "%s", path);
	if (st == ES_OK && r->outcome == ES_ABSENT) {
		c->h->diag->error(c->call, "domain",
		                  "%s is not a domain of this GoDaddy account "
		                  "(404); set dns_at_godaddy = false if its "
		                  "DNS is hosted elsewhere",
		                  c->domain);
		st = ES_INVALID_CONFIG;
	} else if (st == ES_OK &&
	           (r->outcome != ES_FOUND ||
	            c->h->json->kind(r->json) != ES_JSON_ARRAY)) {
		st = es_reply_malformed(&c->api, r, path, "a list of records");
	}
	return st;
}

/* PUT replaces the whole set at `type`/`name` with `list`. */
static enum es_status put_records(struct ctx *c, const char *type,
                                  const char *name, const es_json *list,
                                  const char *intent)
{
	char *body = c->h->json->print(list), *n = c->h->http->escape(name);
	struct es_send s = es_json_write("PUT", body, intent);
	struct es_reply r = {0};
	enum es_status st = ES_FAILED;

	if (body && n) {
		es_client_call(&c->api, &r, &s, "/v1/domains/%s/records/%s/%s",
		               c->domain, type, n);
		st = r.status;
	}
	if (st == ES_OK && r.outcome == ES_CONFLICT)
		st = es_client_failure(&c->api, r.http_status, r.message,
		                       intent);
	es_reply_free(&r);
	c->h->mem_free(body);
	c->h->mem_free(n);
	return st;
}

static size_t j_size(struct ctx *c, const es_json *a)
{
	return c->h->json->array_size(a);
}

/* Exactly one record, `target` with `ttl`. */
static int in_place(struct ctx *c, const struct record *rec, const es_json *set,
                    int64_t ttl)
{
	const struct es_json_api *j = c->h->json;
	const es_json *got = j->array_item(set, 0);
	const char *data = j->get_string(got, "data");

	return j->array_size(set) == 1 && data &&
	       same_data(rec->type, data, rec->target) &&
	       (int64_t)j->get_number(got, "ttl", 0) == ttl;
}

static enum es_status sync_record(struct ctx *c, const struct record *rec)
{
	const struct es_json_api *j = c->h->json;
	int64_t ttl = c->h->config->get_int(c->call, "ttl");
	char intent[800];
	es_json *list, *o;
	struct es_reply r;
	enum es_status st = get_records(c, &r, rec->type, rec->name);

	if (st == ES_OK && !in_place(c, rec, r.json, ttl) &&
	    !es_reported(c->x, &st,
	                 j->array_size(r.json) ? ES_CHANGE_UPDATE
	                                       : ES_CHANGE_CREATE,
	                 "dns_record", rec->name, rec->target)) {
		snprintf(intent, sizeof(intent), "set %s %s.%s to %s",
		         rec->type, rec->name, c->domain, rec->target);
		list = j->new_array();
		o = j->new_object();
		st = ES_FAILED;
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
	es_reply_free(&r);
	return st;
}

/* ---- publish_records: records in the common shape, often another
 * plugin's output ("${mailgun.dns_records}") ---------------------------- */

/* `name` relative to the domain, as GoDaddy's paths take it: "@" for the
 * domain itself; a name outside it is taken as already relative. */
static void relative_name(struct ctx *c, const char *name, char *out,
                          size_t len)
{
	size_t n = strlen(name), d = strlen(c->domain);

	n -= n && name[n - 1] == '.';
	if (n == d && strncasecmp(name, c->domain, d) == 0)
		snprintf(out, len, "@");
	else if (n > d + 1 && name[n - d - 1] == '.' &&
	         strncasecmp(name + n - d, c->domain, d) == 0)
		snprintf(out, len, "%.*s", (int)(n - d - 1), name);
	else
		snprintf(out, len, "%.*s", (int)n, name);
}

/* What GoDaddy should hold for one record of the set. */
static es_json *wanted_entry(struct ctx *c, const es_json *rec)
{
	const struct es_json_api *j = c->h->json;
	int64_t ttl = j->get_int64(rec, "ttl", 0);
	int64_t prio = j->get_int64(rec, "priority", -1);
	es_json *o = j->new_object();

	/* GoDaddy refuses a TTL under 600 s: such a record gets the least
	 * it takes. Without one, the plugin's ttl. */
	if (ttl == 0)
		ttl = c->h->config->get_int(c->call, "ttl");
	if (o) {
		j->set_string(o, "data", j->get_string(rec, "value"));
		j->set_int64(o, "ttl", ttl < 600 ? 600 : ttl);
		if (prio >= 0)
			j->set_int64(o, "priority", prio);
	}
	return o;
}

/* A copy of a set's entry (data, ttl, priority) for a PUT. */
static es_json *copy_entry(struct ctx *c, const es_json *e)
{
	const struct es_json_api *j = c->h->json;
	int64_t prio = j->get_int64(e, "priority", -1);
	es_json *o = j->new_object();

	if (o) {
		j->set_string(o, "data", j->get_string(e, "data"));
		j->set_int64(o, "ttl", j->get_int64(e, "ttl", 600));
		if (prio >= 0)
			j->set_int64(o, "priority", prio);
	}
	return o;
}

/* `want` (an entry as wanted_entry makes it) is in `set` as it is. */
static int entry_in(struct ctx *c, const char *type, const es_json *want,
                    const es_json *set)
{
	const struct es_json_api *j = c->h->json;

	for (size_t i = 0; i < j->array_size(set); i++) {
		const es_json *e = j->array_item(set, i);
		const char *data = j->get_string(e, "data");

		if (data &&
		    same_data(type, data, j->get_string(want, "data")) &&
		    j->get_int64(e, "ttl", 0) == j->get_int64(want, "ttl", 0) &&
		    j->get_int64(e, "priority", -1) ==
		        j->get_int64(want, "priority", -1))
			return 1;
	}
	return 0;
}

/* The set at type/rel made to hold `want` (a list of entries). A CNAME
 * set is replaced (one per name); other sets keep what the customer has
 * beside the wanted values (the SPF of a domain, other MX hosts). */
static enum es_status sync_set(struct ctx *c, const char *type, const char *rel,
                               const es_json *want, const char *values)
{
	const struct es_json_api *j = c->h->json;
	int keep = strcmp(type, "CNAME") != 0;
	es_json *list;
	struct es_reply r;
	enum es_status st = get_records(c, &r, type, rel);
	size_t have = st == ES_OK ? j->array_size(r.json) : 0, missing = 0;
	char intent[800], what[300];

	for (size_t i = 0; st == ES_OK && i < j->array_size(want); i++)
		missing += !entry_in(c, type, j->array_item(want, i), r.json);
	snprintf(what, sizeof(what), "%s %s", type, rel);
	if (st != ES_OK || (missing == 0 && (keep || have == 1)) ||
	    es_reported(c->x, &st, have ? ES_CHANGE_UPDATE : ES_CHANGE_CREATE,
	                "dns_record", what, values)) {
		es_reply_free(&r);
		return st;
	}
	list = j->new_array();
	for (size_t i = 0; list && keep && i < have; i++) {
		const es_json *e = j->array_item(r.json, i);
		const char *data = j->get_string(e, "data");
		int wanted = 0;

		for (size_t k = 0; data && k < j->array_size(want); k++)
			wanted |= same_data(
			    type, data,
			    j->get_string(j->array_item(want, k), "data"));
		if (data && !wanted)
			j->add(list, NULL, copy_entry(c, e));
	}
	for (size_t k = 0; list && k < j->array_size(want); k++)
		j->add(list, NULL, copy_entry(c, j->array_item(want, k)));
	es_reply_free(&r);
	snprintf(intent, sizeof(intent), "publish %s %s.%s: %.400s", type, rel,
	         c->domain, values);
	st = list ? put_records(c, type, rel, list, intent) : ES_FAILED;
	j->free(list);
	return st;
}

/* Teardown of sync_set(): take the wanted entries out of the set at
 * `type` `rel`, keeping what others put there. */
static enum es_status unpublish_set(struct ctx *c, const char *type,
                                    const char *rel, const es_json *want,
                                    const char *values)
{
	const struct es_json_api *j = c->h->json;
	es_json *list;
	struct es_reply r;
	enum es_status st = get_records(c, &r, type, rel);
	size_t have = st == ES_OK ? j->array_size(r.json) : 0, ours = 0;
	char intent[800], what[300];

	for (size_t i = 0; st == ES_OK && i < j->array_size(want); i++)
		ours += entry_in(c, type, j->array_item(want, i), r.json);
	snprintf(what, sizeof(what), "%s %s", type, rel);
	if (st != ES_OK || ours == 0 ||
	    es_reported(c->x, &st, ES_CHANGE_DELETE, "dns_record", what,
	                values)) {
		es_reply_free(&r);
		return st;
	}
	list = j->new_array();
	for (size_t i = 0; list && i < have; i++) {
		const es_json *e = j->array_item(r.json, i);
		const char *data = j->get_string(e, "data");
		int wanted = 0;

		for (size_t k = 0; data && k < j->array_size(want); k++)
			wanted |= same_data(
			    type, data,
			    j->get_string(j->array_item(want, k), "data"));
		if (data && !wanted)
			j->add(list, NULL, copy_entry(c, e));
	}
	es_reply_free(&r);
	snprintf(intent, sizeof(intent), "remove %s %s.%s: %.400s", type, rel,
	         c->domain, values);
	st = list ? put_records(c, type, rel, list, intent) : ES_FAILED;
	j->free(list);
	return st;
}

/* Record i of `all` opens its set (no earlier record has its type and
 * name): the set's wanted entries, and their values for messages. */
static int set_of(struct ctx *c, const es_json *all, size_t i, es_json *want,
                  char *values, size_t len)
{
	const struct es_json_api *j = c->h->json;
	const es_json *rec = j->array_item(all, i);
	const char *type = j->get_string(rec, "type");
	char rel[256], other[256];

	relative_name(c, j->get_string(rec, "name"), rel, sizeof(rel));
	values[0] = '\0';
	for (size_t k = 0; k < j->array_size(all); k++) {
		const es_json *o = j->array_item(all, k);

		relative_name(c, j->get_string(o, "name"), other,
		              sizeof(other));
		if (strcmp(j->get_string(o, "type"), type) ||
		    strcasecmp(other, rel))
			continue;
		if (k < i)
			return 0;
		j->add(want, NULL, wanted_entry(c, o));
		snprintf(values + strlen(values), len - strlen(values), "%s%s",
		         *values ? ", " : "", j->get_string(o, "value"));
	}
	return 1;
}

/* Publish publish_records (when the DNS is at GoDaddy) and list them in
 * `out` in the common shape, names fully qualified. */
static enum es_status publish_records(struct ctx *c, es_json *out,
                                      int at_godaddy)
{
	const struct es_json_api *j = c->h->json;
	const es_json *all = c->h->config->get_json(c->call, "publish_records");
	enum es_status st = ES_OK;
	char values[1024], rel[256];

	for (size_t i = 0; st == ES_OK && i < j->array_size(all); i++) {
		const es_json *rec = j->array_item(all, i);
		es_json *want = j->new_array(), *o = j->new_object();
		int64_t prio = j->get_int64(rec, "priority", -1);

		relative_name(c, j->get_string(rec, "name"), rel, sizeof(rel));
		if (!want)
			st = ES_FAILED;
		else if (at_godaddy &&
		         set_of(c, all, i, want, values, sizeof(values)))
			st = sync_set(c, j->get_string(rec, "type"), rel, want,
			              values);
		if (o) {
			j->set_string(o, "type", j->get_string(rec, "type"));
			j->set_string(o, "name", j->get_string(rec, "name"));
			j->set_string(o, "value", j->get_string(rec, "value"));
			if (prio >= 0)
				j->set_int64(o, "priority", prio);
			j->add(out, NULL, o);
		}
		j->free(want);
	}
	return st;
}

/* Teardown of publish_records(): each set loses what envsetup put in it. */
static enum es_status unpublish_records(struct ctx *c)
{
	const struct es_json_api *j = c->h->json;
	const es_json *all = c->h->config->get_json(c->call, "publish_records");
	enum es_status st = ES_OK;
	char values[1024], rel[256];

	for (size_t i = 0; st == ES_OK && i < j->array_size(all); i++) {
		es_json *want = j->new_array();

		relative_name(c, j->get_string(j->array_item(all, i), "name"),
		              rel, sizeof(rel));
		if (!want)
			st = ES_FAILED;
		else if (set_of(c, all, i, want, values, sizeof(values)))
			st = unpublish_set(
			    c, j->get_string(j->array_item(all, i), "type"),
			    rel, want, values);
		j->free(want);
	}
	return st;
}

enum es_status gd_dns_records(const struct es_ctx *x)
{
	struct ctx cs, *c = &cs;
	const struct es_json_api *j = x->host->json;
	char fqdn[512];
	es_json *out;
	enum es_status st;
	int at_godaddy;

	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return gd_destroy(x);
	if (gd_open(x, c))
		return ES_INVALID_CONFIG;
	out = j->new_array();
	st = out ? ES_OK : ES_FAILED;
	at_godaddy = c->h->config->get_bool(c->call, "dns_at_godaddy");
	for (size_t i = 0; st == ES_OK && i < gd_n_items(c, "records"); i++) {
		struct record rec;
		es_json *o;

		/* The schema's pattern lets only well-formed records in. */
		if (gd_parse_record(gd_item(c, "records", i), &rec)) {
			st = ES_INVALID_CONFIG;
			break;
		}
		if (at_godaddy)
			st = sync_record(c, &rec);
		snprintf(fqdn, sizeof(fqdn), "%s%s%s",
		         strcmp(rec.name, "@") ? rec.name : "",
		         strcmp(rec.name, "@") ? "." : "", c->domain);
		if ((o = j->new_object())) {
			j->set_string(o, "type", rec.type);
			j->set_string(o, "name", fqdn);
			j->set_string(o, "value", rec.target);
			j->set_int64(o, "ttl",
			             c->h->config->get_int(c->call, "ttl"));
			j->add(out, NULL, o);
		}
	}
	if (st == ES_OK)
		st = publish_records(c, out, at_godaddy);
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
	int64_t ttl = c->h->config->get_int(c->call, "ttl");
	struct es_reply r;
	enum es_status st = get_records(c, &r, "TXT", "@");
	int have = 0;

	if (!list)
		st = ES_FAILED;
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
	es_reply_free(&r);
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

/* ---- teardown -------------------------------------------------------- */

/* Take `tokens` out of the TXT records at @, keeping the others. */
enum es_status gd_unpublish_txt(struct ctx *c, const char *const *tokens,
                                size_t n)
{
	const struct es_json_api *j = c->h->json;
	es_json *list = j->new_array(), *o;
	char intent[600];
	struct es_reply r;
	enum es_status st = get_records(c, &r, "TXT", "@");
	int ours = 0;

	if (!list)
		st = ES_FAILED;
	for (size_t i = 0; st == ES_OK && i < j->array_size(r.json); i++) {
		const es_json *e = j->array_item(r.json, i);
		const char *data = j->get_string(e, "data");
		int mine = 0;

		for (size_t k = 0; data && k < n; k++)
			mine |= strcmp(data, tokens[k]) == 0;
		ours += mine;
		if (data && !mine && (o = j->new_object())) {
			j->set_string(o, "data", data);
			j->set_number(o, "ttl", j->get_number(e, "ttl", 600));
			j->add(list, NULL, o);
		}
	}
	es_reply_free(&r);
	if (st == ES_OK && ours &&
	    !es_reported(c->x, &st, ES_CHANGE_DELETE, "dns_record", "@",
	                 "the domain-control TXT token")) {
		snprintf(intent, sizeof(intent),
		         "remove the domain-control TXT record at %s",
		         c->domain);
		st = put_records(c, "TXT", "@", list, intent);
	}
	j->free(list);
	return st;
}

/* The records dns_records wrote, when they still hold just that: the set
 * is emptied (this API version has no DELETE). One changed since is the
 * customer's now, and kept. */
enum es_status gd_remove_records(const struct es_ctx *x)
{
	struct ctx cs, *c = &cs;
	int64_t ttl;
	enum es_status st = ES_OK;

	if (gd_open(x, c))
		return ES_INVALID_CONFIG;
	if (!c->h->config->get_bool(c->call, "dns_at_godaddy"))
		return ES_OK; /* a person published them elsewhere */
	ttl = c->h->config->get_int(c->call, "ttl");
	for (size_t i = 0; st == ES_OK && i < gd_n_items(c, "records"); i++) {
		struct record rec;
		struct es_reply r;
		es_json *none;
		char intent[800];

		if (gd_parse_record(gd_item(c, "records", i), &rec))
			continue; /* apply refused it: nothing was written */
		st = get_records(c, &r, rec.type, rec.name);
		if (st == ES_OK && j_size(c, r.json) &&
		    !in_place(c, &rec, r.json, ttl))
			c->h->log->log(c->call, ES_LOG_WARNING,
			               "%s %s.%s is kept: it no longer holds "
			               "what envsetup wrote",
			               rec.type, rec.name, c->domain);
		else if (st == ES_OK && j_size(c, r.json) &&
		         !es_reported(x, &st, ES_CHANGE_DELETE, "dns_record",
		                      rec.name, rec.target)) {
			snprintf(intent, sizeof(intent), "remove %s %s.%s",
			         rec.type, rec.name, c->domain);
			none = c->h->json->new_array();
			st = none ? put_records(c, rec.type, rec.name, none,
			                        intent)
			          : ES_FAILED;
			c->h->json->free(none);
		}
		es_reply_free(&r);
	}
	if (st == ES_OK)
		st = unpublish_records(c);
	return st;
}
