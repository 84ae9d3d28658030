/*
 * dns_records: the component URLs of the environment in the hosted zone.
 *
 * Each record is compared with ListResourceRecordSets; what differs is
 * written with UPSERT, which is idempotent, in one change batch. Its
 * change id is kept in state and polled with GetChange until INSYNC, so a
 * run that stops while Route 53 propagates polls the same change.
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

/* 1 when Route 53's <TTL> text is exactly `ttl`: "300s" or a number
 * too large for a long is a different TTL, never a truncated equal one. */
static int same_ttl(const char *text, long ttl)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	return end != text && *end == '\0' && errno == 0 && v == ttl;
}

/* Compare a record with Route 53: 0 in place, 1 absent, 2 different (the
 * current value in `was`), -1 with *st. */
static int rec_state(struct aws_client *r53, const char *zone_id,
                     const struct rec *want, const char *type, long ttl,
                     char *was, size_t waslen, enum es_status *st)
{
	const struct es_ctx *x = r53->api.ctx;
	char path[1024], *name = x->host->http->escape(want->fqdn);
	char *rname = NULL, *rtype = NULL, *rttl = NULL, *value = NULL;
	xmlNodePtr sets = NULL, rrs;
	xmlDocPtr doc = NULL;
	struct es_reply r;
	int result = 1;

	snprintf(path, sizeof(path),
	         API "/hostedzone/%s/rrset?maxitems=1&name=%s&type=%s", zone_id,
	         name ? name : "", type);
	x->host->mem_free(name);
	*st = aws_rest(r53, &r, "ListResourceRecordSets", "GET", path, NULL,
	               NULL);
	if (*st == ES_OK && r.outcome == ES_FOUND) {
		doc = aws_xml_reply(&r);
		sets = aws_xml_path(xmlDocGetRootElement(doc),
		                    "ResourceRecordSets");
	}
	if (*st == ES_OK && !sets)
		*st = aws_unreadable(r53, "ResourceRecordSets");
	/* The listing starts at the name: its first set may be another's. */
	rrs = aws_xml_child(sets, "ResourceRecordSet");
	rname = aws_xml_get(rrs, "Name");
	rtype = aws_xml_get(rrs, "Type");
	if (*st == ES_OK && rname && rtype &&
	    aws_same_name(rname, want->fqdn) && strcmp(rtype, type) == 0) {
		xmlNodePtr one = aws_xml_path(rrs, "ResourceRecords/"
		                                   "ResourceRecord");

		rttl = aws_xml_get(rrs, "TTL");
		value = aws_xml_get(one, "Value");
		result = value && aws_same_name(value, want->value) &&
		                 !aws_xml_next(one, "ResourceRecord") && rttl &&
		                 same_ttl(rttl, ttl)
		             ? 0
		             : 2;
		snprintf(was, waslen, "%s", value ? value : "(alias)");
	}
	free(rname);
	free(rtype);
	free(rttl);
	free(value);
	xmlFreeDoc(doc);
	es_reply_free(&r);
	return *st != ES_OK ? -1 : result;
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

/* Compare every record; apply sends what differs in one batch. */
static enum es_status compare(struct aws_client *r53, const char *zid,
                              const char *zone, const char *type, long ttl)
{
	const struct es_ctx *x = r53->api.ctx;
	const struct es_config_api *conf = x->host->config;
	size_t n = conf->list_size(x->call, "records"), ntodo = 0;
	struct rec *todo = calloc(n, sizeof(*todo));
	enum es_status st = todo ? ES_OK : ES_FAILED;

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
		r = rec_state(r53, zid, &todo[ntodo], type, ttl, was,
		              sizeof(was), &st);
		if (r <= 0)
			continue;
		snprintf(detail, sizeof(detail), "%s %s%s%s", type, was,
		         *was ? " -> " : "", todo[ntodo].value);
		if (!es_reported(x, &st,
		                 r == 1 ? ES_CHANGE_CREATE : ES_CHANGE_UPDATE,
		                 "record", todo[ntodo].fqdn, detail))
			ntodo++;
	}
	if (st == ES_OK && ntodo > 0)
		st = submit(r53, zid, todo, ntodo, type, ttl, "UPSERT");
	free(todo);
	return st;
}

/* Teardown: DELETE, in one batch, each configured record that holds
 * just what envsetup wrote (a record someone changed since is kept). */
static enum es_status remove_records(struct aws_client *r53, const char *zid,
                                     const char *zone, const char *type,
                                     long ttl)
{
	const struct es_ctx *x = r53->api.ctx;
	const struct es_config_api *conf = x->host->config;
	size_t n = conf->list_size(x->call, "records"), ntodo = 0;
	struct rec *todo = calloc(n, sizeof(*todo));
	enum es_status st = todo ? ES_OK : ES_FAILED;

	for (size_t i = 0; st == ES_OK && i < n; i++) {
		const char *item = conf->list_item(x->call, "records", i);
		char was[512] = "";
		int r;

		if (rec_parse(item, zone, type, &todo[ntodo]))
			continue; /* apply refused it: nothing was written */
		r = rec_state(r53, zid, &todo[ntodo], type, ttl, was,
		              sizeof(was), &st);
		if (r == 2)
			x->host->log->log(x->call, ES_LOG_WARNING,
			                  "record %s is kept: it holds %s, not "
			                  "what envsetup wrote",
			                  todo[ntodo].fqdn, was);
		if (r == 0 && !es_reported(x, &st, ES_CHANGE_DELETE, "record",
		                           todo[ntodo].fqdn, todo[ntodo].value))
			ntodo++;
	}
	if (st == ES_OK && ntodo > 0)
		st = submit(r53, zid, todo, ntodo, type, ttl, "DELETE");
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
