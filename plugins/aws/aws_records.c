/*
 * dns_records: the component URLs of the environment in the hosted zone.
 *
 * The zone's record sets are read with ListResourceRecordSets, 300 a
 * page, and each record compared with them; what differs is written with
 * UPSERT, which is idempotent, in change batches within Route 53's caps
 * (batch_size). A batch's change id is kept in state and polled with
 * GetChange until INSYNC, so a run that stops while Route 53 propagates
 * polls the same change; then the next batch goes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws.h"

#define API "/2013-04-01"
#define R53_NS "https://route53.amazonaws.com/doc/2013-04-01/"

/* One wanted record. */
struct rec {
	char fqdn[300];  /* "app.acme.example." */
	char value[512]; /* as Route 53 stores it (TXT quoted) */
};

/* "app=lb.example.net" in zone "acme.example"; "@" is the apex, a name
 * ending in the zone or in '.' is already whole. 0, or -1 when too long. */
static int rec_parse(const char *item, const char *zone, const char *type,
                     struct rec *out)
{
	const char *eq = strchr(item, '=');
	int n = eq ? (int)(eq - item) : 0, zl = (int)strlen(zone), len;
	int dotted = zl > 0 && zone[zl - 1] == '.';

	zl -= dotted; /* the zone's length without its trailing dot */
	if (n == 1 && item[0] == '@')
		len = snprintf(out->fqdn, sizeof(out->fqdn), "%.*s.", zl, zone);
	else if (n > 0 && item[n - 1] == '.')
		len = snprintf(out->fqdn, sizeof(out->fqdn), "%.*s", n, item);
	else if (n > zl && item[n - zl - 1] == '.' &&
	         strncasecmp(item + n - zl, zone, (size_t)zl) == 0)
		len = snprintf(out->fqdn, sizeof(out->fqdn), "%.*s.", n, item);
	else
		len = snprintf(out->fqdn, sizeof(out->fqdn), "%.*s.%.*s.", n,
		               item, zl, zone);
	if (!eq || len < 0 || (size_t)len >= sizeof(out->fqdn))
		return -1;
	len = snprintf(
	    out->value, sizeof(out->value),
	    strcmp(type, "TXT") == 0 && eq[1] != '"' ? "\"%s\"" : "%s", eq + 1);
	return len < 0 || (size_t)len >= sizeof(out->value) ? -1 : 0;
}

/* Route 53's <TTL> text as a number, or -1 when it is not exactly one
 * ("300s", or too large for a long): a different TTL, never a truncated
 * equal one. */
static long ttl_value(const char *text)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	return end != text && *end == '\0' && errno == 0 && v >= 0 ? v : -1;
}

/* A record set of the wanted type, as the zone's listing holds it. */
struct held {
	char *name;
	char *value; /* its first value; NULL for an alias */
	long ttl;
	int n_values;
};

/* Every set of one type in the zone, sorted by name (held_cmp). */
struct zone_sets {
	struct held *v;
	size_t n, cap;
};

/* ListResourceRecordSets' largest page, and a bound on the pages read
 * (300,000 record sets: ten times Route 53's default quota). */
#define LIST_PAGE 300
#define LIST_MAX_PAGES 1000

/* Names compared as Route 53 does: case and a trailing dot aside. */
static int name_cmp(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	int c;

	na -= na > 0 && a[na - 1] == '.';
	nb -= nb > 0 && b[nb - 1] == '.';
	c = strncasecmp(a, b, na < nb ? na : nb);
	return c ? c : (na > nb) - (na < nb);
}

static int held_cmp(const void *x, const void *y)
{
	return name_cmp(((const struct held *)x)->name,
	                ((const struct held *)y)->name);
}

static void sets_free(struct zone_sets *z)
{
	for (size_t i = 0; i < z->n; i++) {
		free(z->v[i].name);
		free(z->v[i].value);
	}
	free(z->v);
	memset(z, 0, sizeof(*z));
}

/* Keep the sets of `type` on one page. 0, or -1 out of memory. */
static int sets_add_page(struct zone_sets *z, xmlNodePtr sets, const char *type)
{
	for (xmlNodePtr rrs = aws_xml_child(sets, "ResourceRecordSet"); rrs;
	     rrs = aws_xml_next(rrs, "ResourceRecordSet")) {
		char *rtype = aws_xml_get(rrs, "Type"), *ttl;
		xmlNodePtr one = aws_xml_path(rrs, "ResourceRecords/"
		                                   "ResourceRecord");
		struct held *h;
		int same = rtype && strcmp(rtype, type) == 0;

		free(rtype);
		if (!same)
			continue;
		if (z->n == z->cap) {
			size_t cap = z->cap ? 2 * z->cap : 64;
			struct held *v = realloc(z->v, cap * sizeof(*v));

			if (!v)
				return -1;
			z->v = v;
			z->cap = cap;
		}
		h = &z->v[z->n];
		memset(h, 0, sizeof(*h));
		h->name = aws_xml_get(rrs, "Name");
		if (!h->name)
			continue; /* a set without a name matches nothing */
		h->value = aws_xml_get(one, "Value");
		ttl = aws_xml_get(rrs, "TTL");
		h->ttl = ttl ? ttl_value(ttl) : -1;
		free(ttl);
		for (; one; one = aws_xml_next(one, "ResourceRecord"))
			h->n_values++;
		z->n++;
	}
	return 0;
}

/*
 * The zone's record sets of `type`: ListResourceRecordSets a page of 300
 * at a time (NextRecordName/NextRecordType), one request for a zone of up
 * to 300 sets where asking for each record was one request a record.
 * 0, or -1 with *st.
 */
static int read_sets(struct aws_client *r53, const char *zone_id,
                     const char *type, struct zone_sets *z, enum es_status *st)
{
	const struct es_ctx *x = r53->api.ctx;
	char *next_name = NULL, *next_type = NULL;
	int page;

	*st = ES_OK;
	for (page = 0; *st == ES_OK && page < LIST_MAX_PAGES; page++) {
		char path[1024], *name = NULL, *truncated = NULL;
		xmlNodePtr root = NULL, sets = NULL;
		xmlDocPtr doc = NULL;
		struct es_reply r;

		if (next_name)
			name = x->host->http->escape(next_name);
		snprintf(path, sizeof(path),
		         API "/hostedzone/%s/rrset?maxitems=%d%s%s%s%s",
		         zone_id, LIST_PAGE, name ? "&name=" : "",
		         name ? name : "", next_type ? "&type=" : "",
		         next_type ? next_type : "");
		x->host->mem_free(name);
		free(next_name);
		free(next_type);
		next_name = next_type = NULL;
		*st = aws_rest(r53, &r, "ListResourceRecordSets", "GET", path,
		               NULL, NULL);
		if (*st == ES_OK && r.outcome == ES_FOUND) {
			doc = aws_xml_reply(&r);
			root = xmlDocGetRootElement(doc);
			sets = aws_xml_path(root, "ResourceRecordSets");
		}
		if (*st == ES_OK && !sets)
			*st = aws_unreadable(r53, "ResourceRecordSets");
		else if (*st == ES_OK && sets_add_page(z, sets, type) < 0)
			*st = ES_FAILED;
		truncated =
		    *st == ES_OK ? aws_xml_get(root, "IsTruncated") : NULL;
		if (truncated && strcmp(truncated, "true") == 0) {
			next_name = aws_xml_get(root, "NextRecordName");
			next_type = aws_xml_get(root, "NextRecordType");
			if (!next_name)
				*st = aws_unreadable(r53, "NextRecordName");
		}
		free(truncated);
		xmlFreeDoc(doc);
		es_reply_free(&r);
		if (*st == ES_OK && !next_name)
			break;
	}
	free(next_name);
	free(next_type);
	if (*st == ES_OK && page == LIST_MAX_PAGES) {
		x->host->diag->error(x->call, NULL,
		                     "hosted zone %s: more than %d pages of "
		                     "record sets",
		                     zone_id, LIST_MAX_PAGES);
		*st = ES_FAILED;
	}
	if (*st != ES_OK)
		return -1;
	if (z->n > 1) /* none: z->v is NULL */
		qsort(z->v, z->n, sizeof(*z->v), held_cmp);
	return 0;
}

/* A wanted record against the zone's sets: 0 in place, 1 absent, 2
 * different (the current value in `was`). */
static int rec_state(const struct zone_sets *z, const struct rec *want,
                     long ttl, char *was, size_t waslen)
{
	const struct held key = {.name = (char *)want->fqdn};
	const struct held *h =
	    z->n ? bsearch(&key, z->v, z->n, sizeof(*z->v), held_cmp) : NULL;

	if (!h)
		return 1;
	snprintf(was, waslen, "%s", h->value ? h->value : "(alias)");
	return h->value && aws_same_name(h->value, want->value) &&
	               h->n_values == 1 && h->ttl == ttl
	           ? 0
	           : 2;
}

/* GetChange: ES_OK once INSYNC (or forgotten by Route 53: the records
 * are compared again), ES_IN_PROGRESS while PENDING. */
static enum es_status change_status(struct aws_client *r53, const char *id)
{
	const struct es_ctx *x = r53->api.ctx;
	char path[256], *status = NULL;
	struct es_reply r;
	enum es_status st;

	snprintf(path, sizeof(path), API "/change/%s", id);
	st = aws_rest(r53, &r, "GetChange", "GET", path, NULL, NULL);
	if (st == ES_OK && r.outcome == ES_FOUND) {
		xmlDocPtr doc = aws_xml_reply(&r);

		status =
		    aws_xml_get(xmlDocGetRootElement(doc), "ChangeInfo/Status");
		xmlFreeDoc(doc);
		if (!status)
			st = aws_unreadable(r53, "ChangeInfo/Status");
	}
	if (st == ES_OK && (r.outcome == ES_ABSENT ||
	                    (status && strcmp(status, "INSYNC") == 0))) {
		if (x->host->state->del(x->call, "change_id"))
			st = ES_FAILED;
	} else if (st == ES_OK) {
		x->host->progress->step(x->call, "DNS change %s propagating",
		                        id);
		st = aws_poll_again(x);
	}
	free(status);
	es_reply_free(&r);
	return st;
}

/* POST one change batch of `action` (UPSERT, DELETE) for `todo`, record
 * its id and poll it. */
static enum es_status submit(struct aws_client *r53, const char *zone_id,
                             const struct rec *todo, size_t n, const char *type,
                             long ttl, const char *action)
{
	const struct es_ctx *x = r53->api.ctx;
	char path[256], intent[96], *xml = NULL, *id = NULL;
	struct es_reply r = {0};
	enum es_status st = ES_FAILED;
	size_t len;
	FILE *f = open_memstream(&xml, &len);

	snprintf(path, sizeof(path), API "/hostedzone/%s/rrset/", zone_id);
	snprintf(intent, sizeof(intent), "%s %zu %s record(s)", action, n,
	         type);
	for (size_t i = 0; f && i <= n; i++) {
		char *name = i < n ? aws_xml_escape(todo[i].fqdn) : NULL;
		char *value = i < n ? aws_xml_escape(todo[i].value) : NULL;

		if (i == 0)
			fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
			      "<ChangeResourceRecordSetsRequest xmlns=\"" R53_NS
			      "\"><ChangeBatch><Comment>envsetup</Comment>"
			      "<Changes>",
			      f);
		if (name && value)
			fprintf(f,
			        "<Change><Action>%s</Action>"
			        "<ResourceRecordSet><Name>%s</Name><Type>%s"
			        "</Type><TTL>%ld</TTL><ResourceRecords>"
			        "<ResourceRecord><Value>%s</Value>"
			        "</ResourceRecord></ResourceRecords>"
			        "</ResourceRecordSet></Change>",
			        action, name, type, ttl, value);
		if (i == n)
			fputs("</Changes></ChangeBatch>"
			      "</ChangeResourceRecordSetsRequest>",
			      f);
		free(name);
		free(value);
	}
	if (f && fclose(f) == 0)
		st = aws_rest(r53, &r, "ChangeResourceRecordSets", "POST", path,
		              xml, intent);
	if (st == ES_OK) {
		xmlDocPtr doc = aws_xml_reply(&r);

		id = aws_xml_get(xmlDocGetRootElement(doc), "ChangeInfo/Id");
		xmlFreeDoc(doc);
	}
	/* UPSERT is idempotent: without the id, the next call compares the
	 * records again and sends what still differs. */
	if (st == ES_OK && (!id || !*id)) {
		st = aws_unreadable(r53, "ChangeInfo/Id");
	} else if (st == ES_OK) {
		const char *change =
		    strrchr(id, '/') ? strrchr(id, '/') + 1 : id;

		st = x->host->state->put(x->call, "change_id", change)
		         ? ES_FAILED
		         : change_status(r53, change);
	}
	free(id);
	free(xml);
	es_reply_free(&r);
	return st;
}

/* Plan for records whose zone does not exist yet: every one is new. */
static enum es_status plan_new_records(const struct es_ctx *x, const char *type)
{
	const struct es_config_api *conf = x->host->config;
	enum es_status st = ES_OK;

	for (size_t i = 0; i < conf->list_size(x->call, "records"); i++)
		es_reported(x, &st, ES_CHANGE_CREATE, "record",
		            conf->list_item(x->call, "records", i), type);
	return st;
}

/* The zone's id: recorded by hosted_zone, else looked up. 1, 0 absent,
 * -1 with *st. */
static int recorded_zone_id(struct aws_client *r53, const char *zone, char *id,
                            size_t idlen, enum es_status *st)
{
	const struct es_ctx *x = r53->api.ctx;
	const char *known = x->host->state->get(x->call, "zone_id");

	if (!known)
		return aws_find_zone(r53, zone, id, idlen, st);
	snprintf(id, idlen, "%s", known);
	return 1;
}

/*
 * How many of `todo` one change batch takes: Route 53 caps a request at
 * 1000 ResourceRecord elements and 32,000 characters of Value elements
 * (one record each here). The rest go in the next batch, once this one
 * is INSYNC.
 */
#define BATCH_RECORDS 1000
#define BATCH_VALUE_CHARS 32000

static size_t batch_size(const struct rec *todo, size_t n)
{
	size_t take = 0, chars = 0;

	while (take < n && take < BATCH_RECORDS &&
	       chars + strlen(todo[take].value) <= BATCH_VALUE_CHARS)
		chars += strlen(todo[take++].value);
	return take;
}

/* Send `todo` a batch at a time while each is INSYNC at once; one still
 * propagating is polled, and the next call compares again and goes on
 * with what still differs. */
static enum es_status submit_all(struct aws_client *r53, const char *zid,
                                 const struct rec *todo, size_t n,
                                 const char *type, long ttl, const char *action,
                                 enum es_status st)
{
	for (size_t off = 0, take; st == ES_OK && off < n; off += take) {
		take = batch_size(todo + off, n - off);
		st = submit(r53, zid, todo + off, take, type, ttl, action);
	}
	return st;
}

/* Compare every record; apply sends what differs, a batch at a time. */
static enum es_status compare(struct aws_client *r53, const char *zid,
                              const char *zone, const char *type, long ttl)
{
	const struct es_ctx *x = r53->api.ctx;
	const struct es_config_api *conf = x->host->config;
	size_t n = conf->list_size(x->call, "records"), ntodo = 0;
	struct rec *todo = calloc(n, sizeof(*todo));
	struct zone_sets held = {0};
	enum es_status st = todo ? ES_OK : ES_FAILED;

	if (st == ES_OK)
		read_sets(r53, zid, type, &held, &st);
	for (size_t i = 0; st == ES_OK && i < n; i++) {
		const char *item = conf->list_item(x->call, "records", i);
		char was[512] = "", detail[1100];
		int r = -1;

		if (rec_parse(item, zone, type, &todo[ntodo])) {
			x->host->diag->error(x->call, "records",
			                     "\"%s\" is too long", item);
			st = ES_FAILED;
			break;
		}
		r = rec_state(&held, &todo[ntodo], ttl, was, sizeof(was));
		if (r == 0)
			continue;
		snprintf(detail, sizeof(detail), "%s %s%s%s", type, was,
		         *was ? " -> " : "", todo[ntodo].value);
		if (!es_reported(x, &st,
		                 r == 1 ? ES_CHANGE_CREATE : ES_CHANGE_UPDATE,
		                 "record", todo[ntodo].fqdn, detail))
			ntodo++;
	}
	st = submit_all(r53, zid, todo, ntodo, type, ttl, "UPSERT", st);
	sets_free(&held);
	free(todo);
	return st;
}

/* Teardown: DELETE, a batch at a time, each configured record that holds
 * just what envsetup wrote (a record someone changed since is kept). */
static enum es_status remove_records(struct aws_client *r53, const char *zid,
                                     const char *zone, const char *type,
                                     long ttl)
{
	const struct es_ctx *x = r53->api.ctx;
	const struct es_config_api *conf = x->host->config;
	size_t n = conf->list_size(x->call, "records"), ntodo = 0;
	struct rec *todo = calloc(n, sizeof(*todo));
	struct zone_sets held = {0};
	enum es_status st = todo ? ES_OK : ES_FAILED;

	if (st == ES_OK)
		read_sets(r53, zid, type, &held, &st);
	for (size_t i = 0; st == ES_OK && i < n; i++) {
		const char *item = conf->list_item(x->call, "records", i);
		char was[512] = "";
		int r;

		if (rec_parse(item, zone, type, &todo[ntodo]))
			continue; /* apply refused it: nothing was written */
		r = rec_state(&held, &todo[ntodo], ttl, was, sizeof(was));
		if (r == 2)
			x->host->log->log(x->call, ES_LOG_WARNING,
			                  "record %s is kept: it holds %s, not "
			                  "what envsetup wrote",
			                  todo[ntodo].fqdn, was);
		if (r == 0 && !es_reported(x, &st, ES_CHANGE_DELETE, "record",
		                           todo[ntodo].fqdn, todo[ntodo].value))
			ntodo++;
	}
	st = submit_all(r53, zid, todo, ntodo, type, ttl, "DELETE", st);
	sets_free(&held);
	free(todo);
	return st;
}

enum es_status aws_dns_records(const struct es_ctx *x)
{
	const char *zone = aws_cfg(x, "hosted_zone");
	const char *type = aws_cfg(x, "record_type");
	const char *pending = x->host->state->get(x->call, "change_id");
	long ttl = (long)x->host->config->get_int(x->call, "ttl");
	struct aws_client r53;
	enum es_status st;
	char zid[128];
	int found;

	if (!type)
		type = "CNAME";
	if (!zone || x->host->config->list_size(x->call, "records") == 0)
		return ES_OK;
	if (x->phase == ES_PHASE_PLAN && !aws_account_id(x))
		return plan_new_records(x, type);
	if (x->phase >= ES_PHASE_PLAN_DESTROY &&
	    (!aws_account_id(x) || !x->host->state->get(x->call, "zone_id")))
		return ES_OK; /* no zone of ours: no record was written */
	if ((st = aws_client(&r53, x, AWS_ROUTE53)) != ES_OK)
		return st;
	if ((x->phase == ES_PHASE_APPLY || x->phase == ES_PHASE_DESTROY) &&
	    pending && (st = change_status(&r53, pending)) != ES_OK)
		return st;
	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return remove_records(&r53,
		                      x->host->state->get(x->call, "zone_id"),
		                      zone, type, ttl);
	found = recorded_zone_id(&r53, zone, zid, sizeof(zid), &st);
	if (found < 0)
		return st;
	if (found)
		return compare(&r53, zid, zone, type, ttl);
	/* In plan, the zone comes with this run's hosted_zone task. */
	if (x->phase == ES_PHASE_PLAN)
		return plan_new_records(x, type);
	x->host->diag->error(x->call, "hosted_zone", "no hosted zone %s yet",
	                     zone);
	return ES_FAILED;
}
