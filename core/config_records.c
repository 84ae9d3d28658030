/*
 * ES_TYPE_RECORDS values (refs.h): DNS records a plugin publishes, in the
 * common shape {type, name, value[, priority, ttl]}. One set of rules
 * serves the customer file's groups (at `check`) and the records another
 * plugin's output holds (when a reference is resolved), so a record that
 * reaches a plugin always looks the same.
 */
#include <ctype.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "numbers.h"
#include "refs.h"

static const char *const record_types[] = {"A",  "AAAA", "CNAME", "MX",
                                           "NS", "TXT",  NULL};
static const char *const members[] = {"type",     "name", "value",
                                      "priority", "ttl",  NULL};

/* A number, or a string of digits (Mailgun writes priorities "10"), in
 * [min, max]; -1 when neither. */
static long long number_of(const cJSON *m, long long min, long long max)
{
	int64_t n;

	if (cJSON_IsNumber(m)) {
		/* Compared as a double first: a cast of one past 64 bits is
		 * undefined. */
		if (!(m->valuedouble >= (double)min &&
		      m->valuedouble <= (double)max))
			return -1;
		n = (int64_t)m->valuedouble;
		if ((double)n != m->valuedouble)
			return -1;
	} else if (!cJSON_IsString(m) ||
	           !isdigit((unsigned char)*m->valuestring) ||
	           es_parse_int64(m->valuestring, &n) != ES_NUMBER_OK) {
		return -1;
	}
	return n < min || n > max ? -1 : n;
}

static const char *text_of(const cJSON *rec, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(rec, name);

	return cJSON_IsString(m) && *m->valuestring ? m->valuestring : NULL;
}

int es_record_normalize(const cJSON *in, cJSON *out, int strict, char *err,
                        size_t errlen)
{
	const char *type = text_of(in, "type"), *name = text_of(in, "name");
	const char *value = text_of(in, "value");
	const cJSON *prio = cJSON_GetObjectItemCaseSensitive(in, "priority");
	const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(in, "ttl"), *m;
	long long p = -1, t = -1;
	size_t i = 0;
	cJSON *o;

	if (!cJSON_IsObject(in) || !type || !name || !value) {
		snprintf(err, errlen,
		         "a record needs type, name and value (strings)");
		return -1;
	}
	while (record_types[i] && strcasecmp(record_types[i], type))
		i++;
	if (!record_types[i]) {
		snprintf(err, errlen,
		         "record type '%.16s' is not one of A, AAAA, CNAME, "
		         "MX, NS, TXT",
		         type);
		return -1;
	}
	if ((prio && (p = number_of(prio, 0, 65535)) < 0) ||
	    (ttl && (t = number_of(ttl, 1, 2147483647)) < 0)) {
		snprintf(err, errlen,
		         "record %s %.128s: priority is 0 to 65535 and ttl 1 "
		         "to 2147483647 seconds",
		         record_types[i], name);
		return -1;
	}
	if (!strcmp(record_types[i], "MX") && p < 0) {
		snprintf(err, errlen, "MX record %.128s needs a priority",
		         name);
		return -1;
	}
	cJSON_ArrayForEach(m, in)
	{
		size_t k = 0;

		while (members[k] && strcmp(members[k], m->string))
			k++;
		if (strict && !members[k]) {
			snprintf(err, errlen,
			         "record %.128s: unknown member '%.32s' (type, "
			         "name, value, priority, ttl)",
			         name, m->string);
			return -1;
		}
	}
	if (!(o = cJSON_CreateObject()))
		return -1;
	cJSON_AddStringToObject(o, "type", record_types[i]);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "value", value);
	if (p >= 0)
		cJSON_AddNumberToObject(o, "priority", (double)p);
	if (t >= 0)
		cJSON_AddNumberToObject(o, "ttl", (double)t);
	cJSON_AddItemToArray(out, o);
	return 0;
}

/* A group of the customer file as JSON, members as they are typed. */
static cJSON *group_json(const config_setting_t *g)
{
	cJSON *o = cJSON_CreateObject();

	for (int i = 0; o && i < config_setting_length(g); i++) {
		const config_setting_t *m =
		    config_setting_get_elem(g, (unsigned)i);
		int type = config_setting_type(m);

		if (type == CONFIG_TYPE_STRING)
			cJSON_AddStringToObject(o, config_setting_name(m),
			                        config_setting_get_string(m));
		else if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
			cJSON_AddNumberToObject(
			    o, config_setting_name(m),
			    (double)config_setting_get_int64(m));
		else
			cJSON_AddTrueToObject(o, config_setting_name(m));
	}
	return o;
}

static int group_has_refs(const cJSON *g)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, g)
	{
		if (cJSON_IsString(m) && es_ref_present(m->valuestring))
			return 1;
	}
	return 0;
}

/* One item: a reference stays a string (resolved at run time), a group
 * is checked now. A group whose text holds a reference is checked for
 * its shape only: its value is known at run time. */
static int add_item(cJSON *out, const config_setting_t *s, char *err,
                    size_t errlen)
{
	struct es_ref ref;
	cJSON *g, *m, *scratch;
	int rc;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *text = config_setting_get_string(s);

		if (!es_ref_whole(text, &ref)) {
			snprintf(
			    err, errlen,
			    "'%.80s' is not a reference: a records item is "
			    "a group { type = ...; name = ...; value = ...; "
			    "} or \"${plugin.output}\"",
			    text);
			return -1;
		}
		cJSON_AddItemToArray(out, cJSON_CreateString(text));
		return 0;
	}
	if (!config_setting_is_group(s)) {
		snprintf(err, errlen,
		         "a records item is a group { type = \"TXT\"; name = "
		         "...; value = ...; } or \"${plugin.output}\"");
		return -1;
	}
	if (!(g = group_json(s)) || !(scratch = cJSON_CreateArray())) {
		cJSON_Delete(g);
		return -1;
	}
	rc = es_record_normalize(g, scratch, 1, err, errlen);
	/* group_json marks a member of another type as true. */
	cJSON_ArrayForEach(m, g)
	{
		if (!cJSON_IsTrue(m))
			continue;
		snprintf(
		    err, errlen, "record member '%.32s' must be %s", m->string,
		    strcmp(m->string, "priority") && strcmp(m->string, "ttl")
		        ? "a string"
		        : "a number");
		rc = -1;
	}
	/* A group that reads no output is final now, in normal form; one
	 * that does is normalised again once resolved (refs.c). */
	if (rc == 0 && !group_has_refs(g)) {
		cJSON_AddItemToArray(out,
		                     cJSON_DetachItemFromArray(scratch, 0));
		cJSON_Delete(g);
	} else if (rc == 0) {
		cJSON_AddItemToArray(out, g);
	} else {
		cJSON_Delete(g);
	}
	cJSON_Delete(scratch);
	return rc;
}

char *es_records_parse(const char *text, const void *list, char *err,
                       size_t errlen)
{
	const config_setting_t *s = list;
	cJSON *out = cJSON_CreateArray();
	char *json = NULL;
	int rc = 0;

	snprintf(err, errlen, "out of memory");
	if (!out)
		return NULL;
	if (text && es_ref_whole(text, &(struct es_ref){0}))
		cJSON_AddItemToArray(out, cJSON_CreateString(text));
	else if (s && !text)
		for (int i = 0; rc == 0 && i < config_setting_length(s); i++)
			rc = add_item(out,
			              config_setting_get_elem(s, (unsigned)i),
			              err, errlen);
	else if (text && es_ref_present(text) &&
	         es_ref_scan(text, &(struct es_ref){0}, 1, err, errlen) >= 0) {
		snprintf(err, errlen,
		         "a records value is one reference alone, "
		         "\"${plugin.output}\", or a list ( ... )");
		rc = -1;
	} else if (text && es_ref_present(text)) {
		rc = -1; /* es_ref_scan said what is malformed */
	} else {
		snprintf(
		    err, errlen,
		    "expected a list of records ( { type = \"TXT\"; name = "
		    "\"x\"; value = \"y\"; }, ... ) or \"${plugin.output}\"");
		rc = -1;
	}
	if (rc == 0)
		json = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	return json;
}
