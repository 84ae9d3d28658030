/*
 * hosted_zone: the customer's public Route 53 zone inside the member
 * account, and its name servers for the registrar.
 *
 * A zone name can exist twice (CallerReference is the only idempotency
 * token), so the zone is always looked up by name first, ours (with our
 * CallerReference) before another. The fixed CallerReference makes
 * Route 53 refuse a blind second create after a lost answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws.h"

#define API "/2013-04-01"
#define R53_NS "https://route53.amazonaws.com/doc/2013-04-01/"

int aws_same_name(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (na > 0 && a[na - 1] == '.')
		na--;
	if (nb > 0 && b[nb - 1] == '.')
		nb--;
	return na == nb && strncasecmp(a, b, na) == 0;
}

/* "envsetup-<customer>-<zone>", at most Route 53's 128 characters. */
static void caller_reference(const struct es_ctx *x, const char *zone,
                             char buf[129])
{
	const char *customer = x->host->config->customer(x->call);

	snprintf(buf, 129, "envsetup-%s-%s", customer ? customer : "", zone);
}

/* "/hostedzone/Z123" -> "Z123" (botocore's fix_route53_ids). */
static const char *strip_prefix(const char *id)
{
	const char *slash = id ? strrchr(id, '/') : NULL;

	return slash ? slash + 1 : id;
}

/* 2 when `hz` is our public zone `zone`, 1 another's, 0 not it. */
static int zone_match(xmlNodePtr hz, const char *zone, const char *ref)
{
	char *name = aws_xml_get(hz, "Name");
	char *private_zone = aws_xml_get(hz, "Config/PrivateZone");
	char *their_ref = aws_xml_get(hz, "CallerReference");
	int match = name && aws_same_name(name, zone) &&
	            !(private_zone && strcmp(private_zone, "true") == 0);

	if (match && their_ref && strcmp(their_ref, ref) == 0)
		match = 2;
	free(name);
	free(private_zone);
	free(their_ref);
	return match;
}

int aws_find_zone(struct aws_client *r53, const char *zone, char *id,
                  size_t idlen, enum es_status *st)
{
	const struct es_ctx *x = r53->api.ctx;
	char path[1024], ref[129], *dnsname;
	xmlNodePtr zones = NULL;
	xmlDocPtr doc = NULL;
	struct es_reply r;
	int best = 0;

	caller_reference(x, zone, ref);
	snprintf(path, sizeof(path), "%s%s", zone,
	         zone[0] && zone[strlen(zone) - 1] == '.' ? "" : ".");
	dnsname = x->host->http->escape(path);
	snprintf(path, sizeof(path),
	         API "/hostedzonesbyname?dnsname=%s&maxitems=10",
	         dnsname ? dnsname : "");
	x->host->mem_free(dnsname);
	*st =
	    aws_rest(r53, &r, "ListHostedZonesByName", "GET", path, NULL, NULL);
	if (*st == ES_OK && r.outcome == ES_FOUND) {
		doc = aws_xml_reply(&r);
		zones = aws_xml_path(xmlDocGetRootElement(doc), "HostedZones");
	}
	if (*st == ES_OK && !zones)
		*st = aws_unreadable(r53, "HostedZones");
	for (xmlNodePtr hz = aws_xml_child(zones, "HostedZone");
	     *st == ES_OK && hz && best < 2;
	     hz = aws_xml_next(hz, "HostedZone")) {
		int match = zone_match(hz, zone, ref);
		char *full;

		if (match <= best)
			continue;
		full = aws_xml_get(hz, "Id");
		snprintf(id, idlen, "%s", full ? strip_prefix(full) : "");
		free(full);
		best = *id ? match : best;
	}
	xmlFreeDoc(doc);
	es_reply_free(&r);
	return *st != ES_OK ? -1 : best > 0;
}

/* The NS records that delegate the zone from its parent, in the common
 * shape another plugin publishes ("${aws.delegation}"). */
static int add_delegation(const struct es_ctx *x, es_json *records,
                          const char *ns)
{
	const struct es_json_api *j = x->host->json;
	es_json *o = j->new_object();

	if (!o)
		return -1;
	j->set_string(o, "type", "NS");
	j->set_string(o, "name", aws_cfg(x, "hosted_zone"));
	j->set_string(o, "value", ns);
	j->add(records, NULL, o);
	return 0;
}

/* Outputs zone_id, name_servers and delegation (from GetHostedZone's
 * DelegationSet). */
static enum es_status publish_zone(struct aws_client *r53, const char *id)
{
	const struct es_ctx *x = r53->api.ctx;
	const struct es_json_api *j = x->host->json;
	es_json *records = j->new_array();
	xmlNodePtr ns = NULL;
	char path[256], list[2048] = "", *text = NULL;
	xmlDocPtr doc = NULL;
	struct es_reply r;
	enum es_status st;
	size_t at = 0;

	snprintf(path, sizeof(path), API "/hostedzone/%s", id);
	st = aws_rest(r53, &r, "GetHostedZone", "GET", path, NULL, NULL);
	if (st == ES_OK && r.outcome == ES_FOUND) {
		doc = aws_xml_reply(&r);
		ns = aws_xml_child(aws_xml_path(xmlDocGetRootElement(doc),
		                                "DelegationSet/NameServers"),
		                   "NameServer");
	}
	if (st == ES_OK && !ns)
		st = aws_unreadable(r53, "DelegationSet/NameServers");
	for (; ns && at < sizeof(list); ns = aws_xml_next(ns, "NameServer")) {
		char *v = aws_xml_text(ns);

		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s",
		                       at ? "," : "", v ? v : "");
		if (!v || add_delegation(x, records, v) < 0)
			st = ES_FAILED;
		free(v);
	}
	xmlFreeDoc(doc);
	es_reply_free(&r);
	text = records ? j->print(records) : NULL;
	if (st == ES_OK &&
	    (!text || x->host->output->set(x->call, "zone_id", id, 0) ||
	     x->host->output->set(x->call, "name_servers", list, 0) ||
	     x->host->output->set(x->call, "delegation", text, 0)))
		st = ES_FAILED;
	x->host->mem_free(text);
	j->free(records);
	return st;
}

static enum es_status create_zone(struct aws_client *r53, const char *zone)
{
	const struct es_ctx *x = r53->api.ctx;
	char ref[129], intent[320], *xml = NULL, *name, *eref, *full = NULL;
	struct es_reply r = {0};
	enum es_status st = ES_FAILED;
	xmlDocPtr doc;
	size_t len;
	FILE *f;

	caller_reference(x, zone, ref);
	snprintf(intent, sizeof(intent), "create hosted zone %s", zone);
	name = aws_xml_escape(zone);
	eref = aws_xml_escape(ref);
	f = name && eref ? open_memstream(&xml, &len) : NULL;
	if (f) {
		fprintf(f,
		        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		        "<CreateHostedZoneRequest xmlns=\"" R53_NS "\">"
		        "<Name>%s</Name><CallerReference>%s</CallerReference>"
		        "<HostedZoneConfig><Comment>envsetup</Comment>"
		        "<PrivateZone>false</PrivateZone></HostedZoneConfig>"
		        "</CreateHostedZoneRequest>",
		        name, eref);
		fclose(f);
		st = aws_rest(r53, &r, "CreateHostedZone", "POST",
		              API "/hostedzone", xml, intent);
	}
	if (st == ES_OK && r.outcome == ES_CONFLICT) {
		x->host->diag->error(
		    x->call, "hosted_zone",
		    "a zone %s was created with this "
		    "CallerReference and is gone now; Route 53 "
		    "will not reuse it",
		    zone);
		st = ES_FAILED;
	} else if (st == ES_OK) {
		doc = aws_xml_reply(&r);
		full = aws_xml_get(xmlDocGetRootElement(doc), "HostedZone/Id");
		xmlFreeDoc(doc);
		/* Without the id, the next call finds the zone by name. */
		if (!full || !*strip_prefix(full))
			st = aws_unreadable(r53, "HostedZone/Id");
		else
			es_record(x, &st, "zone_id", strip_prefix(full),
			          "hosted_zone", zone);
	}
	free(full);
	free(name);
	free(eref);
	free(xml);
	es_reply_free(&r);
	return st;
}

/* Teardown: the zone whose id the state recorded (its records went with
 * the dns_records task; Route 53 refuses a zone that still has others). */
static enum es_status remove_zone(struct aws_client *r53, const char *zone)
{
	const struct es_ctx *x = r53->api.ctx;
	const char *id = x->host->state->get(x->call, "zone_id");
	char path[256], intent[320];
	struct es_reply r;
	enum es_status st;

	if (!id)
		return ES_OK; /* none was made */
	snprintf(path, sizeof(path), API "/hostedzone/%s", id);
	st = aws_rest(r53, &r, "GetHostedZone", "GET", path, NULL, NULL);
	if (st == ES_OK && r.outcome == ES_FOUND &&
	    !es_reported(x, &st, ES_CHANGE_DELETE, "hosted_zone", zone, id)) {
		es_reply_free(&r);
		snprintf(intent, sizeof(intent), "delete hosted zone %s", zone);
		st = aws_rest(r53, &r, "DeleteHostedZone", "DELETE", path, NULL,
		              intent);
	} else if (st != ES_OK || r.outcome == ES_FOUND) {
		es_reply_free(&r); /* failed, or planned */
		return st;
	}
	es_reply_free(&r);
	if (st == ES_OK && x->host->state->del(x->call, "zone_id"))
		st = ES_FAILED;
	return st;
}

enum es_status aws_hosted_zone(const struct es_ctx *x)
{
	const char *zone = aws_cfg(x, "hosted_zone");
	struct aws_client r53;
	enum es_status st = ES_OK;
	char id[128];
	int found;

	if (!zone)
		return ES_OK; /* no DNS wanted */
	if (x->phase == ES_PHASE_PLAN && !aws_account_id(x)) {
		es_reported(x, &st, ES_CHANGE_CREATE, "hosted_zone", zone,
		            "in the new account");
		return st;
	}
	if (x->phase >= ES_PHASE_PLAN_DESTROY && !aws_account_id(x))
		return ES_OK; /* no account: nothing was made in it */
	if ((st = aws_client(&r53, x, AWS_ROUTE53)) != ES_OK)
		return st;
	if (x->phase >= ES_PHASE_PLAN_DESTROY)
		return remove_zone(&r53, zone);
	found = aws_find_zone(&r53, zone, id, sizeof(id), &st);
	if (found < 0)
		return st;
	if (found) {
		if (es_record(x, &st, "zone_id", id, "hosted_zone", zone))
			return st;
		return x->phase == ES_PHASE_VERIFY ? publish_zone(&r53, id)
		                                   : ES_OK;
	}
	if (es_reported(x, &st, ES_CHANGE_CREATE, "hosted_zone", zone, NULL))
		return st;
	return create_zone(&r53, zone);
}
