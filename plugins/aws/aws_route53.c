/*
 * Route 53 inside the member account: the customer's hosted zone and the
 * component URLs of the environment.
 *
 * A zone name can exist twice (CallerReference is the only idempotency
 * token), so the zone is always looked up by name first. Records are
 * written with UPSERT, which is idempotent, in one change batch; its
 * change id is kept in state and polled with GetChange until INSYNC.
 * Query strings are written sorted and encoded: curl 7.88 signs them as
 * they are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws.h"

#define API "/2013-04-01"
#define R53_NS "https://route53.amazonaws.com/doc/2013-04-01/"

/* "acme.example" -> "acme.example." (malloc'd). */
static char *with_dot(const char *name)
{
	size_t n = strlen(name);
	return aws_strdupf("%s%s", name,
	                   n > 0 && name[n - 1] == '.' ? "" : ".");
}

/* Names compare case-insensitively, trailing dot or not. */
static int same_name(const char *x, const char *y)
{
	size_t nx = strlen(x), ny = strlen(y);

	if (nx > 0 && x[nx - 1] == '.')
		nx--;
	if (ny > 0 && y[ny - 1] == '.')
		ny--;
	return nx == ny && strncasecmp(x, y, nx) == 0;
}

/* "/hostedzone/Z123" -> "Z123" (botocore's fix_route53_ids). */
static const char *strip_prefix(const char *id)
{
	const char *slash = id != NULL ? strrchr(id, '/') : NULL;
	return slash != NULL ? slash + 1 : id;
}

/* GET and parse; -1 with *st on failure. */
static int get_xml(es_call *call, struct aws *a, const char *path,
                   xmlDocPtr *doc, enum es_status *st, const char *what)
{
	struct aws_reply r = {0};

	*doc = NULL;
	if (aws_rest_call(call, a, "GET", path, NULL, 0, NULL, &r) != 0 ||
	    !aws_ok(&r)) {
		*st = aws_fail(call, a, &r, what);
		aws_reply_clear(&r);
		return -1;
	}
	*doc = aws_xml_parse(r.body, r.len);
	aws_reply_clear(&r);
	if (*doc == NULL) {
		a->host->diag->error(call, NULL, "%s: unreadable reply", what);
		*st = ES_RETRY;
		return -1;
	}
	return 0;
}

/* The public zone named `zone`: 1 with *id (malloc'd, no prefix), 0
 * absent, -1 with *st. */
static int find_zone(es_call *call, struct aws *a, const char *zone, char **id,
                     enum es_status *st)
{
	char *fqdn = with_dot(zone);
	char *enc = fqdn != NULL ? aws_uri_encode(fqdn) : NULL;
	char *path = enc != NULL ? aws_strdupf(API "/hostedzonesbyname?"
	                                           "dnsname=%s&maxitems=10",
	                                       enc)
	                         : NULL;
	xmlDocPtr doc = NULL;
	int found = 0;

	*id = NULL;
	free(enc);
	if (path == NULL ||
	    get_xml(call, a, path, &doc, st, "ListHostedZonesByName") != 0) {
		if (path == NULL)
			*st = ES_FAILED;
		free(fqdn);
		free(path);
		return -1;
	}
	xmlNodePtr hz = aws_xml_child(
	    aws_xml_path(xmlDocGetRootElement(doc), "HostedZones"),
	    "HostedZone");
	for (; hz != NULL && !found; hz = aws_xml_next(hz, "HostedZone")) {
		char *name = aws_xml_get(hz, "Name");
		char *priv = aws_xml_get(hz, "Config/PrivateZone");
		if (name != NULL && same_name(name, fqdn) &&
		    (priv == NULL || strcmp(priv, "true") != 0)) {
			char *full = aws_xml_get(hz, "Id");
			*id = full != NULL ? strdup(strip_prefix(full)) : NULL;
			free(full);
			found = *id != NULL ? 1 : -1;
		}
		free(name);
		free(priv);
	}
	xmlFreeDoc(doc);
	free(fqdn);
	free(path);
	if (found < 0)
		*st = ES_FAILED;
	return found;
}

/* Outputs zone_id and name_servers from a reply holding DelegationSet. */
static void publish_zone(es_call *call, struct aws *a, const char *id,
                         xmlDocPtr doc)
{
	xmlNodePtr ns = aws_xml_child(aws_xml_path(xmlDocGetRootElement(doc),
	                                           "DelegationSet/NameServers"),
	                              "NameServer");
	char *list = strdup("");

	for (; ns != NULL && list != NULL;
	     ns = aws_xml_next(ns, "NameServer")) {
		char *v = aws_xml_text(ns);
		char *next =
		    v != NULL ? aws_strdupf("%s%s%s", list, *list ? "," : "", v)
		              : NULL;
		free(v);
		free(list);
		list = next;
	}
	a->host->output->set(call, "zone_id", id, 0);
	if (list != NULL && *list != '\0')
		a->host->output->set(call, "name_servers", list, 0);
	free(list);
}

static enum es_status zone_known(es_call *call, struct aws *a, const char *id)
{
	char *path = aws_strdupf(API "/hostedzone/%s", id);
	enum es_status st = ES_OK;
	xmlDocPtr doc;

	if (path == NULL)
		return ES_FAILED;
	if (a->host->state->put(call, "zone_id", id) != 0)
		st = ES_RETRY;
	else if (get_xml(call, a, path, &doc, &st, "GetHostedZone") == 0) {
		publish_zone(call, a, id, doc);
		xmlFreeDoc(doc);
	}
	free(path);
	return st;
}

/* CallerReference: "envsetup-<customer>-<zone>", so a retried create
 * after a lost answer is refused instead of making a second zone. */
static char *caller_reference(es_call *call, struct aws *a, const char *zone)
{
	const char *cust = a->host->config->customer(call);
	char *ref =
	    aws_strdupf("envsetup-%s-%s", cust != NULL ? cust : "", zone);

	if (ref != NULL && strlen(ref) > 128)
		ref[128] = '\0';
	return ref;
}

static enum es_status create_zone(es_call *call, struct aws *a,
                                  const char *zone)
{
	char *ref = caller_reference(call, a, zone);
	char *ename = aws_xml_escape(zone), *eref = aws_xml_escape(ref);
	char *xml =
	    ename != NULL && eref != NULL
	        ? aws_strdupf(
	              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	              "<CreateHostedZoneRequest xmlns=\"" R53_NS "\">"
	              "<Name>%s</Name><CallerReference>%s</CallerReference>"
	              "<HostedZoneConfig><Comment>envsetup</Comment>"
	              "<PrivateZone>false</PrivateZone></HostedZoneConfig>"
	              "</CreateHostedZoneRequest>",
	              ename, eref)
	        : NULL;
	char *intent = aws_strdupf("create hosted zone %s", zone);
	struct aws_reply r = {0};
	enum es_status st = ES_OK;

	free(ref);
	free(ename);
	free(eref);
	if (xml == NULL || intent == NULL ||
	    aws_rest_call(call, a, "POST", API "/hostedzone", xml, 1, intent,
	                  &r) != 0 ||
	    !aws_ok(&r)) {
		if (aws_is(&r, "HostedZoneAlreadyExists"))
			a->host->diag->error(call, "hosted_zone",
			                     "a zone %s was created with this "
			                     "CallerReference and is gone now; "
			                     "Route 53 will not reuse it",
			                     zone);
		st = xml == NULL || intent == NULL ? ES_FAILED
		     : aws_is(&r, "HostedZoneAlreadyExists")
		         ? ES_FAILED
		         : aws_fail(call, a, &r, "CreateHostedZone");
	} else {
		xmlDocPtr doc = aws_xml_parse(r.body, r.len);
		char *full =
		    aws_xml_get(xmlDocGetRootElement(doc), "HostedZone/Id");
		const char *id = strip_prefix(full);
		if (id == NULL || *id == '\0' ||
		    a->host->state->put(call, "zone_id", id) != 0) {
			a->host->diag->error(call, NULL,
			                     "CreateHostedZone "
			                     "answered without an id");
			st = ES_RETRY;
		} else {
			publish_zone(call, a, id, doc);
		}
		free(full);
		xmlFreeDoc(doc);
	}
	aws_reply_clear(&r);
	free(xml);
	free(intent);
	return st;
}

/* mode 0 plan, 1 apply, 2 verify. */
static enum es_status run_zone(es_call *call, struct aws *a, int mode)
{
	const char *zone = a->host->config->get_string(call, "hosted_zone");
	enum es_status st;
	char *id = NULL;
	int r;

	if (zone == NULL)
		return ES_OK; /* no DNS wanted */
	if (mode == 0 && aws_account_id(call, a) == NULL) {
		a->host->plan->change(call, ES_CHANGE_CREATE, "hosted_zone",
		                      zone, "in the new account");
		return ES_OK;
	}
	st = aws_session(call, a);
	if (st != ES_OK)
		return st;
	r = find_zone(call, a, zone, &id, &st);
	if (r < 0)
		return st;
	if (r == 1) {
		st = mode == 1 ? zone_known(call, a, id) : ES_OK;
		free(id);
		return st;
	}
	if (mode == 0) {
		a->host->plan->change(call, ES_CHANGE_CREATE, "hosted_zone",
		                      zone, NULL);
		return ES_OK;
	}
	if (mode == 2) {
		a->host->diag->error(call, "hosted_zone",
		                     "no public hosted "
		                     "zone %s in the account",
		                     zone);
		return ES_FAILED;
	}
	return create_zone(call, a, zone);
}

enum es_status aws_zone_plan(es_call *call, struct aws *a)
{
	return run_zone(call, a, 0);
}

enum es_status aws_zone_apply(es_call *call, struct aws *a)
{
	return run_zone(call, a, 1);
}

enum es_status aws_zone_verify(es_call *call, struct aws *a)
{
	return run_zone(call, a, 2);
}

/* --------------------------------------------------------------- records */

/* One wanted record. */
struct rec {
	char *fqdn;  /* "app.acme.example." */
	char *value; /* as Route 53 stores it (TXT quoted) */
};

static void rec_free(struct rec *r)
{
	free(r->fqdn);
	free(r->value);
}

/* "app=lb.example.net" in zone "acme.example"; "@" is the apex. */
static int rec_parse(const char *item, const char *zone, const char *type,
                     struct rec *out)
{
	const char *eq = strchr(item, '=');
	size_t n = eq != NULL ? (size_t)(eq - item) : 0;
	char *name = n > 0 ? strndup(item, n) : NULL;

	memset(out, 0, sizeof(*out));
	if (name == NULL)
		return -1;
	if (strcmp(name, "@") == 0)
		out->fqdn = with_dot(zone);
	else if (name[n - 1] == '.')
		out->fqdn = strdup(name);
	else {
		size_t zl = strlen(zone);
		char *zone_dot = with_dot(zone);
		int inside = n > zl && name[n - zl - 1] == '.' &&
		             same_name(name + n - zl, zone);
		out->fqdn = inside ? with_dot(name)
		            : zone_dot != NULL
		                ? aws_strdupf("%s.%s", name, zone_dot)
		                : NULL;
		free(zone_dot);
	}
	free(name);
	if (strcmp(type, "TXT") == 0 && eq[1] != '"')
		out->value = aws_strdupf("\"%s\"", eq + 1);
	else
		out->value = strdup(eq + 1);
	return out->fqdn != NULL && out->value != NULL ? 0 : -1;
}

/* Compare a record with Route 53: 0 in place, 1 absent, 2 different (the
 * current value in *was), -1 with *st. */
static int rec_state(es_call *call, struct aws *a, const char *zone_id,
                     const struct rec *want, const char *type, long ttl,
                     char **was, enum es_status *st)
{
	char *enc = aws_uri_encode(want->fqdn);
	char *path = enc != NULL ? aws_strdupf(API "/hostedzone/%s/rrset?"
	                                           "maxitems=1&name=%s&type=%s",
	                                       zone_id, enc, type)
	                         : NULL;
	xmlDocPtr doc;
	int result = 1;

	*was = NULL;
	free(enc);
	if (path == NULL ||
	    get_xml(call, a, path, &doc, st, "ListResourceRecordSets") != 0) {
		if (path == NULL)
			*st = ES_FAILED;
		free(path);
		return -1;
	}
	free(path);
	xmlNodePtr rrs = aws_xml_child(
	    aws_xml_path(xmlDocGetRootElement(doc), "ResourceRecordSets"),
	    "ResourceRecordSet");
	char *name = aws_xml_get(rrs, "Name");
	char *rtype = aws_xml_get(rrs, "Type");
	if (name != NULL && rtype != NULL && same_name(name, want->fqdn) &&
	    strcmp(rtype, type) == 0) {
		char *ttl_s = aws_xml_get(rrs, "TTL");
		char *value =
		    aws_xml_get(rrs, "ResourceRecords/ResourceRecord/Value");
		int same_value = value != NULL && same_name(value, want->value);
		int more =
		    aws_xml_next(
		        aws_xml_path(rrs, "ResourceRecords/ResourceRecord"),
		        "ResourceRecord") != NULL;
		result =
		    same_value && !more && ttl_s != NULL && atol(ttl_s) == ttl
		        ? 0
		        : 2;
		if (result == 2)
			*was = value != NULL ? value : strdup("(alias)");
		else
			free(value);
		free(ttl_s);
	}
	free(name);
	free(rtype);
	xmlFreeDoc(doc);
	return result;
}

/* The change batch UPSERTing every record in `todo` (malloc'd XML). */
static char *change_batch(const struct rec *todo, size_t n, const char *type,
                          long ttl)
{
	char *xml =
	    aws_strdupf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	                "<ChangeResourceRecordSetsRequest xmlns=\"" R53_NS
	                "\"><ChangeBatch>"
	                "<Comment>envsetup</Comment><Changes>");

	for (size_t i = 0; xml != NULL && i < n; i++) {
		char *name = aws_xml_escape(todo[i].fqdn);
		char *value = aws_xml_escape(todo[i].value);
		char *next =
		    name != NULL && value != NULL
		        ? aws_strdupf(
		              "%s<Change><Action>UPSERT</"
		              "Action><ResourceRecordSet>"
		              "<Name>%s</Name><Type>%s</Type><TTL>%ld</TTL>"
		              "<ResourceRecords><ResourceRecord><Value>%s</"
		              "Value>"
		              "</ResourceRecord></ResourceRecords>"
		              "</ResourceRecordSet></Change>",
		              xml, name, type, ttl, value)
		        : NULL;
		free(name);
		free(value);
		free(xml);
		xml = next;
	}
	if (xml != NULL) {
		char *done = aws_strdupf("%s</Changes></ChangeBatch>"
		                         "</ChangeResourceRecordSetsRequest>",
		                         xml);
		free(xml);
		xml = done;
	}
	return xml;
}

/* GetChange: ES_OK once INSYNC, ES_IN_PROGRESS while PENDING. */
static enum es_status change_status(es_call *call, struct aws *a,
                                    const char *change_id)
{
	char *path = aws_strdupf(API "/change/%s", change_id);
	enum es_status st = ES_IN_PROGRESS;
	xmlDocPtr doc;

	if (path == NULL)
		return ES_FAILED;
	if (get_xml(call, a, path, &doc, &st, "GetChange") != 0) {
		free(path);
		return st;
	}
	free(path);
	char *status =
	    aws_xml_get(xmlDocGetRootElement(doc), "ChangeInfo/Status");
	if (status != NULL && strcmp(status, "INSYNC") == 0) {
		a->host->state->del(call, "change_id");
		st = ES_OK;
	} else {
		a->host->progress->step(call, "DNS change %s propagating",
		                        change_id);
		a->host->diag->retry_after(call, aws_poll_ms(call, a));
	}
	free(status);
	xmlFreeDoc(doc);
	return st;
}

static enum es_status submit(es_call *call, struct aws *a, const char *zone_id,
                             const struct rec *todo, size_t n, const char *type,
                             long ttl)
{
	char *xml = change_batch(todo, n, type, ttl);
	char *path = aws_strdupf(API "/hostedzone/%s/rrset/", zone_id);
	char *intent = aws_strdupf("upsert %zu %s record(s)", n, type);
	struct aws_reply r = {0};
	enum es_status st;

	if (xml == NULL || path == NULL || intent == NULL ||
	    aws_rest_call(call, a, "POST", path, xml, 1, intent, &r) != 0 ||
	    !aws_ok(&r)) {
		st = xml == NULL || path == NULL || intent == NULL
		         ? ES_FAILED
		         : aws_fail(call, a, &r, "ChangeResourceRecordSets");
	} else {
		xmlDocPtr doc = aws_xml_parse(r.body, r.len);
		char *full =
		    aws_xml_get(xmlDocGetRootElement(doc), "ChangeInfo/Id");
		const char *id = strip_prefix(full);
		st = id != NULL && *id != '\0' &&
		             a->host->state->put(call, "change_id", id) == 0
		         ? change_status(call, a, id)
		         : ES_RETRY;
		free(full);
		xmlFreeDoc(doc);
	}
	aws_reply_clear(&r);
	free(xml);
	free(path);
	free(intent);
	return st;
}

/* The zone id: recorded by hosted_zone, else looked up. */
static char *zone_id(es_call *call, struct aws *a, const char *zone,
                     enum es_status *st)
{
	const char *known = a->host->state->get(call, "zone_id");
	char *id = NULL;

	if (known != NULL)
		return strdup(known);
	if (find_zone(call, a, zone, &id, st) == 0)
		*st = ES_FAILED; /* absent: the caller says what that means */
	return id;
}

/* mode 0 plan, 1 apply, 2 verify. */
static enum es_status run_records(es_call *call, struct aws *a, int mode)
{
	const struct es_config_api *c = a->host->config;
	const char *zone = c->get_string(call, "hosted_zone");
	const char *type = c->get_string(call, "record_type");
	long ttl = (long)c->get_int(call, "ttl");
	size_t n = c->list_size(call, "records"), ntodo = 0;
	enum es_status st = ES_OK;
	struct rec *todo;
	char *zid;

	if (zone == NULL || n == 0)
		return ES_OK;
	if (type == NULL)
		type = "CNAME";
	if (mode == 0 && aws_account_id(call, a) == NULL) {
		for (size_t i = 0; i < n; i++)
			a->host->plan->change(call, ES_CHANGE_CREATE, "record",
			                      c->list_item(call, "records", i),
			                      type);
		return ES_OK;
	}
	st = aws_session(call, a);
	if (st != ES_OK)
		return st;
	const char *pending = a->host->state->get(call, "change_id");
	if (mode == 1 && pending != NULL) {
		char *copy = strdup(pending);
		st = copy != NULL ? change_status(call, a, copy) : ES_FAILED;
		free(copy);
		if (st != ES_OK)
			return st;
	}
	zid = zone_id(call, a, zone, &st);
	if (zid == NULL) {
		if (mode == 0 && st == ES_FAILED) {
			/* The zone comes with this run's hosted_zone task. */
			for (size_t i = 0; i < n; i++)
				a->host->plan->change(
				    call, ES_CHANGE_CREATE, "record",
				    c->list_item(call, "records", i), type);
			return ES_OK;
		}
		if (st == ES_FAILED)
			a->host->diag->error(call, "hosted_zone",
			                     "no hosted zone %s yet", zone);
		return st == ES_OK ? ES_FAILED : st;
	}
	todo = calloc(n, sizeof(*todo));
	for (size_t i = 0; todo != NULL && st == ES_OK && i < n; i++) {
		struct rec want;
		char *was = NULL;
		int r = -1;

		if (rec_parse(c->list_item(call, "records", i), zone, type,
		              &want) != 0) {
			rec_free(&want);
			st = ES_FAILED;
			break;
		}
		r = rec_state(call, a, zid, &want, type, ttl, &was, &st);
		if (r > 0 && mode == 0) {
			char *detail =
			    aws_strdupf("%s %s%s%s", type, was ? was : "",
			                was ? " -> " : "", want.value);
			a->host->plan->change(
			    call, r == 1 ? ES_CHANGE_CREATE : ES_CHANGE_UPDATE,
			    "record", want.fqdn, detail);
			free(detail);
		} else if (r > 0 && mode == 2) {
			a->host->diag->error(call, "records",
			                     "%s %s is %s, "
			                     "not %s",
			                     type, want.fqdn,
			                     was ? was : "absent", want.value);
			st = ES_FAILED;
		}
		free(was);
		if (r > 0 && mode == 1)
			todo[ntodo++] = want;
		else
			rec_free(&want);
	}
	if (todo == NULL)
		st = ES_FAILED;
	else if (st == ES_OK && ntodo > 0)
		st = submit(call, a, zid, todo, ntodo, type, ttl);
	for (size_t i = 0; todo != NULL && i < ntodo; i++)
		rec_free(&todo[i]);
	free(todo);
	free(zid);
	return st;
}

enum es_status aws_records_plan(es_call *call, struct aws *a)
{
	return run_records(call, a, 0);
}

enum es_status aws_records_apply(es_call *call, struct aws *a)
{
	return run_records(call, a, 1);
}

enum es_status aws_records_verify(es_call *call, struct aws *a)
{
	return run_records(call, a, 2);
}
