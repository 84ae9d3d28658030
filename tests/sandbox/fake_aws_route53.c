/*
 * Fake Route 53 (REST-XML, 2013-04-01), acting in the account of whoever
 * signed: hosted zones (ids "Z..."), record sets (ids "<zone>/<name>/<type>")
 * and changes ("C...", INSYNC after sb_async_polls() GetChange calls).
 * Request bodies are read with a small tag reader: the fake only needs
 * the few elements AWS documents for these calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fake_aws.h"

#define NS FA_R53_NS
#define API "/2013-04-01"

/* Decoded text of the first <name>...</name> in [p, end); *after points
 * past it. NULL when absent. */
static char *tag(const char *p, const char *end, const char *name,
                 const char **after)
{
	char open[64], close[64];
	const char *s, *e;
	char *out, *o;

	snprintf(open, sizeof(open), "<%s>", name);
	snprintf(close, sizeof(close), "</%s>", name);
	s = p != NULL ? strstr(p, open) : NULL;
	if (s == NULL || s >= end)
		return NULL;
	s += strlen(open);
	e = strstr(s, close);
	if (e == NULL || e > end)
		return NULL;
	if (after != NULL)
		*after = e + strlen(close);
	out = o = malloc((size_t)(e - s) + 1);
	if (out == NULL)
		return NULL;
	while (s < e) {
		static const char *const ent[][2] = {{"&amp;", "&"},
		                                     {"&lt;", "<"},
		                                     {"&gt;", ">"},
		                                     {"&quot;", "\""},
		                                     {"&apos;", "'"}};
		size_t k;
		for (k = 0; k < 5; k++)
			if (strncmp(s, ent[k][0], strlen(ent[k][0])) == 0)
				break;
		if (k < 5) {
			*o++ = ent[k][1][0];
			s += strlen(ent[k][0]);
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

/* Lower-case, with the trailing dot. */
static void fqdn(const char *in, char *out, size_t n)
{
	size_t i = 0;

	for (; in[i] != '\0' && i + 2 < n; i++)
		out[i] =
		    (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 : in[i]);
	if (i == 0 || out[i - 1] != '.')
		out[i++] = '.';
	out[i] = '\0';
}

static cJSON *own_zone(const struct fa_caller *who, const char *id)
{
	cJSON *z = sb_resource_find("aws", "hosted_zone", id);
	const char *acct =
	    cJSON_GetStringValue(cJSON_GetObjectItem(z, "account"));

	return z != NULL && acct != NULL && strcmp(acct, who->account) == 0
	           ? z
	           : NULL;
}

static void zone_xml(FILE *f, const char *id, cJSON *z)
{
	char esc[1100];

	fprintf(f, "<HostedZone><Id>/hostedzone/%s</Id><Name>%s</Name>", id,
	        fa_esc(cJSON_GetStringValue(cJSON_GetObjectItem(z, "Name")),
	               esc, sizeof(esc)));
	fprintf(f, "<CallerReference>%s</CallerReference><Config><Comment>",
	        fa_esc(cJSON_GetStringValue(
	                   cJSON_GetObjectItem(z, "CallerReference")),
	               esc, sizeof(esc)));
	fprintf(f,
	        "%s</Comment><PrivateZone>false</PrivateZone></Config>"
	        "<ResourceRecordSetCount>2</ResourceRecordSetCount>"
	        "</HostedZone>",
	        fa_esc(cJSON_GetStringValue(cJSON_GetObjectItem(z, "Comment")),
	               esc, sizeof(esc)));
}

static void delegation_xml(FILE *f, cJSON *z)
{
	cJSON *ns;

	fputs("<DelegationSet><NameServers>", f);
	cJSON_ArrayForEach(ns, cJSON_GetObjectItem(z, "name_servers"))
	    fprintf(f, "<NameServer>%s</NameServer>", ns->valuestring);
	fputs("</NameServers></DelegationSet>", f);
}

static void change_xml(FILE *f, const char *id, cJSON *c, const char *status)
{
	fprintf(f,
	        "<ChangeInfo><Id>/change/%s</Id><Status>%s</Status>"
	        "<SubmittedAt>%s</SubmittedAt></ChangeInfo>",
	        id, status,
	        cJSON_GetStringValue(cJSON_GetObjectItem(c, "Submitted")));
}

static cJSON *new_change(char *id, size_t n, const char *zone)
{
	static unsigned counter;
	char when[40];
	cJSON *c = cJSON_CreateObject();

	snprintf(id, n, "C0SBX%010u", ++counter);
	fa_iso_time(time(NULL), when, sizeof(when));
	cJSON_AddStringToObject(c, "Submitted", when);
	cJSON_AddNumberToObject(c, "polls", 0);
	cJSON_AddStringToObject(c, "zone", zone); /* gone with the zone */
	return sb_resource_add("aws", "change", id, c);
}

/* Body builder: open_memstream, then reply. */
struct out {
	char *buf;
	size_t len;
	FILE *f;
};

static int out_open(struct out *o, struct sb_response *resp)
{
	o->buf = NULL;
	o->f = open_memstream(&o->buf, &o->len);
	if (o->f == NULL)
		fa_xml_error(resp, 500, NS, "InternalFailure", "out of memory");
	return o->f != NULL;
}

static void out_reply(struct out *o, struct sb_response *resp, int status)
{
	fclose(o->f);
	sb_reply(resp, status, "text/xml", "<?xml version=\"1.0\"?>\n%s",
	         o->buf);
	free(o->buf);
}

static void create_zone(const struct sb_request *r, const struct fa_caller *who,
                        struct sb_response *resp)
{
	const char *body = r->body != NULL ? r->body : "";
	const char *end = body + r->body_len;
	char *name = tag(body, end, "Name", NULL);
	char *ref = tag(body, end, "CallerReference", NULL);
	char *comment = tag(body, end, "Comment", NULL);
	char zname[1100], id[40];
	static unsigned counter;
	struct out o;

	if (strstr(body, "<CreateHostedZoneRequest xmlns=\"" NS "\">") ==
	        NULL ||
	    name == NULL || *name == '\0' || strlen(name) > 1024 ||
	    ref == NULL || *ref == '\0' || strlen(ref) > 128) {
		fa_xml_error(resp, 400, NS, "InvalidInput",
		             "CreateHostedZoneRequest needs Name and "
		             "CallerReference (1-128)");
	} else if (sb_resource_find_by("aws", "hosted_zone", "ref_key",
	                               (snprintf(zname, sizeof(zname), "%s/%s",
	                                         who->account, ref),
	                                zname)) != NULL) {
		fa_xml_error(resp, 409, NS, "HostedZoneAlreadyExists",
		             "A hosted zone has already been created with the "
		             "specified caller reference.");
	} else if (strchr(name, '.') == NULL || strpbrk(name, " /\\") != NULL) {
		fa_xml_error(resp, 400, NS, "InvalidDomainName",
		             "%s is not a valid domain name", name);
	} else if (out_open(&o, resp)) {
		cJSON *z = cJSON_CreateObject(), *ns = cJSON_CreateArray();
		char change_id[40];
		cJSON_AddStringToObject(z, "ref_key", zname);
		fqdn(name, zname, sizeof(zname));
		snprintf(id, sizeof(id), "Z0SBX%010u", ++counter);
		cJSON_AddStringToObject(z, "account", who->account);
		cJSON_AddStringToObject(z, "Name", zname);
		cJSON_AddStringToObject(z, "CallerReference", ref);
		cJSON_AddStringToObject(z, "Comment", comment ? comment : "");
		for (int i = 1; i <= 4; i++) {
			char host[64];
			snprintf(host, sizeof(host),
			         "ns-%u-%d.sandbox-dns.test", counter, i);
			cJSON_AddItemToArray(ns, cJSON_CreateString(host));
		}
		cJSON_AddItemToObject(z, "name_servers", ns);
		z = sb_resource_add("aws", "hosted_zone", id, z);
		cJSON *c = new_change(change_id, sizeof(change_id), id);
		fprintf(o.f, "<CreateHostedZoneResponse xmlns=\"%s\">", NS);
		zone_xml(o.f, id, z);
		change_xml(o.f, change_id, c, "PENDING");
		delegation_xml(o.f, z);
		fputs("</CreateHostedZoneResponse>", o.f);
		snprintf(zname, sizeof(zname),
		         "https://route53.amazonaws.com" API "/hostedzone/%s",
		         id);
		sb_reply_header(resp, "Location", zname);
		out_reply(&o, resp, 201);
	}
	free(name);
	free(ref);
	free(comment);
}

static void get_zone(const char *id, const struct fa_caller *who,
                     struct sb_response *resp)
{
	cJSON *z = own_zone(who, id);
	struct out o;

	if (z == NULL) {
		fa_xml_error(resp, 404, NS, "NoSuchHostedZone",
		             "No hosted zone found with ID: %s", id);
		return;
	}
	if (!out_open(&o, resp))
		return;
	fprintf(o.f, "<GetHostedZoneResponse xmlns=\"%s\">", NS);
	zone_xml(o.f, id, z);
	delegation_xml(o.f, z);
	fputs("</GetHostedZoneResponse>", o.f);
	out_reply(&o, resp, 200);
}

/* Listing: matching resources collected, then sorted by `key`. */
struct listing {
	const struct fa_caller *who;
	const char *zone; /* records of this zone; NULL: zones */
	struct item {
		const char *id;
		cJSON *attrs;
		char key[1200];
	} * items; /* grown as found: no zone's listing is cut short */
	size_t n, cap;
	int oom;
};

static void listing_free(struct listing *l)
{
	if (l != NULL)
		free(l->items);
	free(l);
}

static void collect(const char *id, cJSON *attrs, void *arg)
{
	struct listing *l = arg;
	const char *owner = cJSON_GetStringValue(
	    cJSON_GetObjectItem(attrs, l->zone != NULL ? "zone" : "account"));
	const char *want = l->zone != NULL ? l->zone : l->who->account;

	if (l->oom || owner == NULL || strcmp(owner, want) != 0)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct item *grown = realloc(l->items, cap * sizeof(*grown));

		if (grown == NULL) {
			l->oom = 1;
			return;
		}
		l->items = grown;
		l->cap = cap;
	}
	l->items[l->n].id = id;
	l->items[l->n].attrs = attrs;
	snprintf(l->items[l->n].key, sizeof(l->items[0].key), "%s %s",
	         cJSON_GetStringValue(cJSON_GetObjectItem(attrs, "Name")),
	         l->zone != NULL
	             ? cJSON_GetStringValue(cJSON_GetObjectItem(attrs, "Type"))
	             : "");
	l->n++;
}

static int by_key(const void *x, const void *y)
{
	return strcmp(((const struct item *)x)->key,
	              ((const struct item *)y)->key);
}

static long max_items(const struct sb_request *r)
{
	const char *m = sb_query(r, "maxitems");
	long v = m != NULL ? atol(m) : 100;
	return v < 1 ? 1 : v > 300 ? 300 : v;
}

static void list_zones(const struct sb_request *r, const struct fa_caller *who,
                       struct sb_response *resp)
{
	const char *dns = sb_query(r, "dnsname");
	struct listing *l = calloc(1, sizeof(*l));
	char start[1100] = "", esc[1100];
	long max = max_items(r), shown = 0;
	struct out o;

	if (l == NULL || !out_open(&o, resp)) {
		listing_free(l);
		return;
	}
	if (dns != NULL)
		fqdn(dns, start, sizeof(start));
	l->who = who;
	sb_resource_each("aws", "hosted_zone", collect, l);
	if (l->n > 1) /* no items: NULL, which qsort may not take */
		qsort(l->items, l->n, sizeof(l->items[0]), by_key);
	fprintf(o.f,
	        "<ListHostedZonesByNameResponse xmlns=\"%s\"><HostedZones>",
	        NS);
	for (size_t i = 0; i < l->n && shown < max; i++)
		if (strcmp(l->items[i].key, start) >= 0) {
			zone_xml(o.f, l->items[i].id, l->items[i].attrs);
			shown++;
		}
	fprintf(o.f,
	        "</HostedZones>%s%s%s<IsTruncated>false</IsTruncated>"
	        "<MaxItems>%ld</MaxItems></ListHostedZonesByNameResponse>",
	        dns ? "<DNSName>" : "",
	        dns ? fa_esc(dns, esc, sizeof(esc)) : "",
	        dns ? "</DNSName>" : "", max);
	out_reply(&o, resp, 200);
	listing_free(l);
}

static void list_records(const struct sb_request *r, const char *zone_id,
                         const struct fa_caller *who, struct sb_response *resp)
{
	const char *name = sb_query(r, "name"), *type = sb_query(r, "type");
	struct listing *l;
	char start[1200] = "", esc[1100];
	long max = max_items(r), shown = 0;
	struct out o;
	size_t i;
	cJSON *v;

	if (own_zone(who, zone_id) == NULL) {
		fa_xml_error(resp, 404, NS, "NoSuchHostedZone",
		             "No hosted zone found with ID: %s", zone_id);
		return;
	}
	if (type != NULL && name == NULL) {
		fa_xml_error(resp, 400, NS, "InvalidInput",
		             "The input is not valid: type without name");
		return;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL || !out_open(&o, resp)) {
		listing_free(l);
		return;
	}
	if (name != NULL) {
		fqdn(name, start, 1100);
		strcat(start, " ");
		strncat(start, type != NULL ? type : "", 16);
	}
	l->who = who;
	l->zone = zone_id;
	sb_resource_each("aws", "record", collect, l);
	if (l->n > 1) /* no items: NULL, which qsort may not take */
		qsort(l->items, l->n, sizeof(l->items[0]), by_key);
	fprintf(o.f,
	        "<ListResourceRecordSetsResponse xmlns=\"%s\">"
	        "<ResourceRecordSets>",
	        NS);
	for (i = 0; i < l->n && shown < max; i++) {
		cJSON *a = l->items[i].attrs;
		if (strcmp(l->items[i].key, start) < 0)
			continue;
		shown++;
		fprintf(
		    o.f,
		    "<ResourceRecordSet><Name>%s</Name><Type>%s</Type>"
		    "<TTL>%d</TTL><ResourceRecords>",
		    fa_esc(cJSON_GetStringValue(cJSON_GetObjectItem(a, "Name")),
		           esc, sizeof(esc)),
		    cJSON_GetStringValue(cJSON_GetObjectItem(a, "Type")),
		    (int)cJSON_GetNumberValue(cJSON_GetObjectItem(a, "TTL")));
		cJSON_ArrayForEach(v, cJSON_GetObjectItem(a, "values"))
		    fprintf(o.f,
		            "<ResourceRecord><Value>%s</Value>"
		            "</ResourceRecord>",
		            fa_esc(v->valuestring, esc, sizeof(esc)));
		fputs("</ResourceRecords></ResourceRecordSet>", o.f);
	}
	/* More after this page: where the next one starts, as Route 53
	 * says it (NextRecordName, NextRecordType). */
	for (; i < l->n && strcmp(l->items[i].key, start) < 0; i++)
		;
	fputs("</ResourceRecordSets>", o.f);
	if (i < l->n) {
		cJSON *a = l->items[i].attrs;

		fprintf(
		    o.f,
		    "<IsTruncated>true</IsTruncated>"
		    "<NextRecordName>%s</NextRecordName>"
		    "<NextRecordType>%s</NextRecordType>",
		    fa_esc(cJSON_GetStringValue(cJSON_GetObjectItem(a, "Name")),
		           esc, sizeof(esc)),
		    cJSON_GetStringValue(cJSON_GetObjectItem(a, "Type")));
	} else {
		fputs("<IsTruncated>false</IsTruncated>", o.f);
	}
	fprintf(o.f,
	        "<MaxItems>%ld</MaxItems></ListResourceRecordSetsResponse>",
	        max);
	out_reply(&o, resp, 200);
	listing_free(l);
}

/* One parsed <Change>. */
struct change {
	char *action, *name, *type, *ttl;
	cJSON *values;
	char fqdn[1100];
	char id[1200];
};

static void change_free(struct change *c)
{
	free(c->action);
	free(c->name);
	free(c->type);
	free(c->ttl);
	cJSON_Delete(c->values);
}

static const char *const rr_types[] = {"SOA",  "A",     "TXT", "NS",  "CNAME",
                                       "MX",   "NAPTR", "PTR", "SRV", "SPF",
                                       "AAAA", "CAA",   "DS",  NULL};

/* Parse the <Change> at *p; returns an error message or NULL. */
static const char *parse_change(const char **p, const char *end,
                                const char *zone_id, const char *zone_name,
                                struct change *c)
{
	const char *after = NULL, *v;
	char *block = tag(*p, end, "Change", &after);
	const char *bend;
	size_t zl = strlen(zone_name), nl;
	int type_ok = 0;

	memset(c, 0, sizeof(*c));
	if (block == NULL)
		return "";
	*p = after;
	bend = block + strlen(block);
	c->action = tag(block, bend, "Action", NULL);
	c->name = tag(block, bend, "Name", NULL);
	c->type = tag(block, bend, "Type", NULL);
	c->ttl = tag(block, bend, "TTL", NULL);
	c->values = cJSON_CreateArray();
	v = block;
	for (char *val; (val = tag(v, bend, "Value", &v)) != NULL; free(val))
		cJSON_AddItemToArray(c->values, cJSON_CreateString(val));
	free(block);
	for (size_t i = 0; c->type != NULL && rr_types[i] != NULL; i++)
		type_ok |= strcmp(c->type, rr_types[i]) == 0;
	if (c->action == NULL || (strcmp(c->action, "CREATE") != 0 &&
	                          strcmp(c->action, "UPSERT") != 0 &&
	                          strcmp(c->action, "DELETE") != 0))
		return "Action must be CREATE, DELETE or UPSERT";
	if (c->name == NULL || !type_ok)
		return "ResourceRecordSet needs a Name and a valid Type";
	if (c->ttl == NULL || strspn(c->ttl, "0123456789") != strlen(c->ttl) ||
	    *c->ttl == '\0' || cJSON_GetArraySize(c->values) == 0)
		return "ResourceRecordSet needs a TTL and ResourceRecords";
	fqdn(c->name, c->fqdn, sizeof(c->fqdn));
	nl = strlen(c->fqdn);
	if (!(nl == zl || (nl > zl && c->fqdn[nl - zl - 1] == '.')) ||
	    strcmp(c->fqdn + nl - zl, zone_name) != 0)
		return "RRSet is not permitted in this zone";
	if (strcmp(c->type, "CNAME") == 0 &&
	    (nl == zl || cJSON_GetArraySize(c->values) != 1))
		return "CNAME needs one value and is not permitted at the apex";
	snprintf(c->id, sizeof(c->id), "%s/%s/%s", zone_id, c->fqdn, c->type);
	return NULL;
}

static void change_records(const struct sb_request *r, const char *zone_id,
                           const struct fa_caller *who,
                           struct sb_response *resp)
{
	const char *body = r->body != NULL ? r->body : "";
	const char *end = body + r->body_len, *p = body, *err = NULL;
	cJSON *z = own_zone(who, zone_id);
	struct change *ch = NULL;
	size_t n = 0, cap = 0, records = 0, value_chars = 0;
	char change_id[40], msg[1300];
	struct out o;

	if (z == NULL) {
		fa_xml_error(resp, 404, NS, "NoSuchHostedZone",
		             "No hosted zone found with ID: %s", zone_id);
		return;
	}
	if (strstr(body, "<ChangeResourceRecordSetsRequest xmlns=\"" NS
	                 "\">") == NULL) {
		fa_xml_error(resp, 400, NS, "InvalidInput",
		             "expected ChangeResourceRecordSetsRequest");
		return;
	}
	/* Every change of the batch (~2.4 KB each: on the heap), within
	 * Route 53's caps on one request: 1000 ResourceRecord elements, and
	 * 32,000 characters in all Value elements. */
	while (err == NULL) {
		if (n == cap) {
			size_t more = cap ? 2 * cap : 64;
			struct change *grown = realloc(ch, more * sizeof(*ch));

			if (grown == NULL) {
				err = "out of memory";
				break;
			}
			ch = grown;
			cap = more;
		}
		err = parse_change(
		    &p, end, zone_id,
		    cJSON_GetStringValue(cJSON_GetObjectItem(z, "Name")),
		    &ch[n]);
		if (err == NULL || *err != '\0')
			n++;
	}
	if (err != NULL && *err == '\0')
		err = n == 0 ? "Changes must hold at least one Change" : NULL;
	for (size_t i = 0; err == NULL && i < n; i++) {
		cJSON *v;

		cJSON_ArrayForEach(v, ch[i].values)
		{
			records++;
			value_chars += strlen(v->valuestring);
		}
	}
	if (err == NULL && records > 1000)
		err = "Number of records limit of 1000 exceeded.";
	else if (err == NULL && value_chars > 32000)
		err = "Number of characters limit of 32000 exceeded.";
	for (size_t i = 0; err == NULL && i < n; i++) {
		cJSON *have = sb_resource_find("aws", "record", ch[i].id);
		if (strcmp(ch[i].action, "CREATE") == 0 && have != NULL)
			err = "Tried to create resource record set but it "
			      "already exists";
		if (strcmp(ch[i].action, "DELETE") == 0 && have == NULL)
			err = "Tried to delete resource record set but it was "
			      "not found";
	}
	if (err != NULL) {
		char rid[64];
		fa_request_id(rid, sizeof(rid));
		snprintf(msg, sizeof(msg), "%s", err);
		sb_reply(
		    resp, 400, "text/xml",
		    "<InvalidChangeBatch xmlns=\"%s\"><messages><Message>%s"
		    "</Message></messages><RequestId>%s</RequestId>"
		    "</InvalidChangeBatch>",
		    NS, msg, rid);
	} else if (out_open(&o, resp)) {
		for (size_t i = 0; i < n; i++) {
			sb_resource_delete("aws", "record", ch[i].id);
			if (strcmp(ch[i].action, "DELETE") == 0)
				continue;
			cJSON *a = cJSON_CreateObject();
			cJSON_AddStringToObject(a, "zone", zone_id);
			cJSON_AddStringToObject(a, "Name", ch[i].fqdn);
			cJSON_AddStringToObject(a, "Type", ch[i].type);
			cJSON_AddNumberToObject(a, "TTL", atof(ch[i].ttl));
			cJSON_AddItemToObject(a, "values", ch[i].values);
			ch[i].values = NULL;
			sb_resource_add("aws", "record", ch[i].id, a);
		}
		cJSON *c = new_change(change_id, sizeof(change_id), zone_id);
		fprintf(o.f, "<ChangeResourceRecordSetsResponse xmlns=\"%s\">",
		        NS);
		change_xml(o.f, change_id, c, "PENDING");
		fputs("</ChangeResourceRecordSetsResponse>", o.f);
		out_reply(&o, resp, 200);
	}
	for (size_t i = 0; i < n; i++)
		change_free(&ch[i]);
	free(ch);
}

static void get_change(const char *id, struct sb_response *resp)
{
	cJSON *c = sb_resource_find("aws", "change", id), *polls;
	struct out o;

	if (c == NULL) {
		fa_xml_error(resp, 404, NS, "NoSuchChange",
		             "A change with the specified change ID does not "
		             "exist.");
		return;
	}
	polls = cJSON_GetObjectItem(c, "polls");
	cJSON_SetNumberValue(polls, polls->valuedouble + 1);
	if (!out_open(&o, resp))
		return;
	fprintf(o.f, "<GetChangeResponse xmlns=\"%s\">", NS);
	change_xml(o.f, id, c,
	           polls->valuedouble >= sb_async_polls() ? "INSYNC"
	                                                  : "PENDING");
	fputs("</GetChangeResponse>", o.f);
	out_reply(&o, resp, 200);
}

void fa_route53(const struct sb_request *r, const char *path,
                const struct fa_caller *who, struct sb_response *resp)
{
	int get = strcmp(r->method, "GET") == 0;
	int post = strcmp(r->method, "POST") == 0;
	char id[64], rest[64] = "";

	if (get && strcmp(path, API "/hostedzonesbyname") == 0) {
		list_zones(r, who, resp);
	} else if (post && strcmp(path, API "/hostedzone") == 0) {
		create_zone(r, who, resp);
	} else if (get &&
	           sscanf(path, API "/change/%63[A-Za-z0-9]%63s", id, rest) >=
	               1 &&
	           *rest == '\0') {
		get_change(id, resp);
	} else if (sscanf(path, API "/hostedzone/%63[A-Za-z0-9]%63s", id,
	                  rest) >= 1) {
		if (get && *rest == '\0')
			get_zone(id, who, resp);
		else if (strcmp(r->method, "DELETE") == 0 && *rest == '\0')
			fa_route53_delete_zone(id, own_zone(who, id) != NULL,
			                       resp);
		else if (get && strcmp(rest, "/rrset") == 0)
			list_records(r, id, who, resp);
		else if (post && (strcmp(rest, "/rrset/") == 0 ||
		                  strcmp(rest, "/rrset") == 0))
			change_records(r, id, who, resp);
		else
			fa_xml_error(resp, 404, NS, "UnknownOperation", "%s %s",
			             r->method, path);
	} else {
		fa_xml_error(resp, 404, NS, "UnknownOperation", "%s %s",
		             r->method, path);
	}
}
