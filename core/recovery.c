/*
 * `envsetup state show|resolve|force-unlock` (docs/recovery.md): the way
 * out when the state and the world disagree. show reads the state like
 * status does (no lock); resolve writes under the lock, so it is refused
 * while a run holds it; force-unlock works on the lock alone; migrate
 * moves the state between backends (state_migrate.c). What
 * each changes is journaled by state_operator.c with who and when.
 */
#include "recovery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static const char *member(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

/* What the text form prints is redacted and has no control character:
 * messages and URLs came from providers and config. */
static void clean_strings(cJSON *node)
{
	for (cJSON *c = node; c; c = c->next) {
		if (cJSON_IsString(c)) {
			char *clean = es_redact(c->valuestring);

			if (clean) {
				es_text_printable(clean);
				cJSON_SetValuestring(c, clean);
			} else {
				cJSON_SetValuestring(c, "?");
			}
			free(clean);
		}
		clean_strings(c->child);
	}
}

/* Whether "plugin:key" (key may be NULL) is what the operator asked for:
 * everything with no filter, a plugin's things, or one thing by name. */
static int wanted(const char *filter, const char *plugin, const char *key)
{
	size_t n;

	if (!filter)
		return 1;
	n = strlen(plugin);
	if (!strchr(filter, ':'))
		return strcmp(filter, plugin) == 0;
	return key && strncmp(filter, plugin, n) == 0 && filter[n] == ':' &&
	       strcmp(filter + n + 1, key) == 0;
}

/* The same for a "plugin:key" name (task refs, intents' refs). */
static int wanted_ref(const char *filter, const char *ref)
{
	const char *colon = ref ? strchr(ref, ':') : NULL;
	char plugin[128];

	if (!filter)
		return 1;
	if (!colon || (size_t)(colon - ref) >= sizeof(plugin))
		return ref && strcmp(filter, ref) == 0;
	snprintf(plugin, sizeof(plugin), "%.*s", (int)(colon - ref), ref);
	return wanted(filter, plugin, colon + 1);
}

/* Drop from `obj` (name -> item) what the filter leaves out. */
static void keep_refs(cJSON *obj, const char *filter, const char *ref_name)
{
	cJSON *i = obj ? obj->child : NULL;

	while (i) {
		cJSON *next = i->next;
		const char *ref = ref_name ? member(i, ref_name) : i->string;

		if (!wanted_ref(filter, ref))
			cJSON_Delete(cJSON_DetachItemViaPointer(obj, i));
		i = next;
	}
}

/* plugin -> {name -> item}: keep the filter's. */
static void keep_grouped(cJSON *obj, const char *filter)
{
	cJSON *p = obj ? obj->child : NULL;

	while (p) {
		cJSON *next = p->next, *k = p->child;

		while (k) {
			cJSON *knext = k->next;

			if (!wanted(filter, p->string, k->string))
				cJSON_Delete(cJSON_DetachItemViaPointer(p, k));
			k = knext;
		}
		if (!p->child)
			cJSON_Delete(cJSON_DetachItemViaPointer(obj, p));
		p = next;
	}
}

static int count(const cJSON *obj)
{
	int n = 0;
	const cJSON *i;

	cJSON_ArrayForEach(i, obj)
	{
		n += cJSON_IsObject(i) && i->string &&
		             !cJSON_GetObjectItem(i, "state") &&
		             !cJSON_GetObjectItem(i, "ref")
		         ? cJSON_GetArraySize(i) /* a plugin's group */
		         : 1;
	}
	return n;
}

static void iso(const cJSON *epoch, char *buf, size_t len)
{
	time_t t = cJSON_IsNumber(epoch) ? (time_t)epoch->valuedouble : 0;
	struct tm tm;

	snprintf(buf, len, "?");
	if (t > 0 && gmtime_r(&t, &tm))
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *str_or(const cJSON *o, const char *name, const char *dflt)
{
	const char *v = member(o, name);

	return v ? v : dflt;
}

static void print_text(const struct es_run *run, cJSON *doc)
{
	const cJSON *t, *p, *k, *i;
	char when[32];

	printf("envsetup state: customer %s, environment %s\n%s (serial "
	       "%.0f)\n",
	       run->cfg->customer_id, run->env->name, es_state_path(run->state),
	       (double)es_state_serial(run->state));
	printf("\ntasks\n");
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(doc, "tasks"))
	{
		iso(cJSON_GetObjectItem(t, "updated"), when, sizeof(when));
		printf("  %-40s %-11s %s  %s%s%s\n", t->string,
		       str_or(t, "state", "pending"), when,
		       str_or(t, "message", ""),
		       member(t, "confirmed_by") ? "  confirmed by " : "",
		       str_or(t, "confirmed_by", ""));
	}
	printf("\nrecorded ids and keys (PLUGIN:KEY)\n");
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(doc, "kv"))
	    cJSON_ArrayForEach(k, p)
	        printf("  %s:%s = %s\n", p->string, k->string,
	               cJSON_IsString(k) ? k->valuestring : "?");
	printf("\noutputs\n");
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(doc, "outputs"))
	    cJSON_ArrayForEach(k, p)
	        printf("  %s.%s = %s\n", p->string, k->string,
	               member(k, "value") ? member(k, "value")
	                                  : "*** (secret, in secrets.json)");
	printf("\nopen intents (change requests sent, never answered)\n");
	cJSON_ArrayForEach(i, cJSON_GetObjectItem(doc, "intents"))
	{
		iso(cJSON_GetObjectItem(i, "at"), when, sizeof(when));
		printf("  %s  %s  %s %s%s%s%s  sent %s\n", i->string,
		       str_or(i, "ref", "?"), str_or(i, "method", "?"),
		       str_or(i, "url", "?"), member(i, "intent") ? " (" : "",
		       str_or(i, "intent", ""), member(i, "intent") ? ")" : "",
		       when);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItem(doc, "intents")))
		printf("  check each at the provider, then: envsetup state "
		       "resolve %s --env %s ID --by NAME\n  (or run apply: it "
		       "looks up what the request may have made)\n",
		       run->cfg->path, run->env->name);
	printf("\noperator log\n");
	cJSON_ArrayForEach(i, cJSON_GetObjectItem(doc, "operator_log"))
	{
		iso(cJSON_GetObjectItem(i, "at"), when, sizeof(when));
		printf("  %s  %s by %s: %s %s\n", when,
		       str_or(i, "action", "?"), str_or(i, "by", "?"),
		       str_or(i, "target", "?"), str_or(i, "detail", ""));
	}
}

/* intents: id -> intent, as an array in id order (ids are numbers). */
static void intents_as_array(cJSON *doc)
{
	cJSON *obj = cJSON_DetachItemFromObject(doc, "intents");
	cJSON *arr = cJSON_AddArrayToObject(doc, "intents"), *i;

	while (obj && arr && (i = obj->child) != NULL)
		cJSON_AddItemToArray(arr, cJSON_DetachItemViaPointer(obj, i));
	cJSON_Delete(obj);
}

int es_run_state_show(struct es_run *run, const char *filter, int json)
{
	cJSON *doc = es_state_document(run->state), *out;
	static const char *const parts[] = {
	    "tasks", "kv", "outputs", "intents", "operator_log", NULL};
	int found = 0;

	if (!doc)
		return ES_EXIT_INPUT;
	keep_refs(cJSON_GetObjectItem(doc, "tasks"), filter, NULL);
	keep_grouped(cJSON_GetObjectItem(doc, "kv"), filter);
	keep_grouped(cJSON_GetObjectItem(doc, "outputs"), filter);
	keep_refs(cJSON_GetObjectItem(doc, "intents"), filter, "ref");
	keep_refs(cJSON_GetObjectItem(doc, "operator_log"), filter, "target");
	for (int p = 0; parts[p]; p++)
		found += count(cJSON_GetObjectItem(doc, parts[p]));
	if (filter && !found) {
		es_log(ES_LOG_ERROR, NULL,
		       "%s: nothing in the state of environment %s is named "
		       "'%s' (PLUGIN or PLUGIN:KEY)",
		       run->cfg->path, run->env->name, filter);
		cJSON_Delete(doc);
		return ES_EXIT_INPUT;
	}
	if (!json) {
		clean_strings(doc);
		print_text(run, doc);
		cJSON_Delete(doc);
		return ES_EXIT_OK;
	}
	intents_as_array(doc);
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "format_version", 1);
	cJSON_AddStringToObject(out, "command", "state show");
	cJSON_AddStringToObject(out, "customer", run->cfg->customer_id);
	cJSON_AddStringToObject(out, "environment", run->env->name);
	cJSON_AddStringToObject(out, "state", es_state_path(run->state));
	cJSON_AddNumberToObject(out, "serial",
	                        (double)es_state_serial(run->state));
	for (int p = 0; parts[p]; p++) {
		cJSON *part = cJSON_DetachItemFromObject(doc, parts[p]);

		cJSON_AddItemToObject(out, parts[p],
		                      part ? part
		                           : (strcmp(parts[p], "operator_log")
		                                  ? cJSON_CreateObject()
		                                  : cJSON_CreateArray()));
	}
	cJSON_Delete(doc);
	es_render_json(out);
	return ES_EXIT_OK;
}

int es_run_state_resolve(struct es_run *run, const char *target, const char *as,
                         const char *by)
{
	enum es_resolve_as how = as && strcmp(as, "forget") == 0
	                             ? ES_RESOLVE_FORGET
	                             : ES_RESOLVE_DONE;
	char err[512];

	if (es_state_resolve(run->state, target, how, by, err, sizeof(err)) <
	    0) {
		es_log(ES_LOG_ERROR, NULL, "state resolve %s: %s", target, err);
		return ES_EXIT_INPUT;
	}
	printf(how == ES_RESOLVE_FORGET
	           ? "%s forgotten by %s (journaled): the next plan looks it "
	             "up at the provider\n"
	           : "%s settled by %s as checked by hand (journaled)\n",
	       target, by);
	es_log(ES_LOG_INFO, NULL,
	       how == ES_RESOLVE_FORGET
	           ? "%s forgotten by %s (journaled): the next plan looks it "
	             "up at the provider"
	           : "%s settled by %s as checked (journaled)",
	       target, by);
	return ES_EXIT_OK;
}

int es_run_state_force_unlock(struct es_run *run, const char *lock_id,
                              const char *by)
{
	struct es_state_where where;
	char msg[1024], *conn;
	enum es_state_error e = ES_STATE_IO;

	if (es_state_where_of(run->cfg, run->opt.state_dir, &where, &conn, msg,
	                      sizeof(msg)) == 0)
		e = es_state_force_unlock_at(&where, run->cfg->customer_id,
		                             run->env->name, lock_id, by, msg,
		                             sizeof(msg));
	es_state_where_free(conn);
	if (e != ES_STATE_OK) {
		es_log(ES_LOG_ERROR, NULL, "state force-unlock: %s", msg);
		return e == ES_STATE_LOCKED ? ES_EXIT_LOCKED : ES_EXIT_INPUT;
	}
	es_text_printable(msg);
	printf("state force-unlock by %s: %s\n", by, msg);
	return ES_EXIT_OK;
}

int es_run_state_migrate(struct es_run *run, const char *to)
{
	struct es_state_where from, dest;
	char msg[1024], why[512], *conn, *key = NULL;
	enum es_state_error e = ES_STATE_IO;

	if (es_state_where_of(run->cfg, run->opt.state_dir, &from, &conn, msg,
	                      sizeof(msg)) < 0) {
		es_log(ES_LOG_ERROR, NULL, "state migrate: %s", msg);
		return ES_EXIT_INPUT;
	}
	dest = from;
	dest.backend = to;
	if (strcmp(to, "postgresql") == 0 && !conn)
		snprintf(msg, sizeof(msg),
		         "%s: customer.state_connection: needed to reach "
		         "PostgreSQL (env:NAME or file:PATH)",
		         run->cfg->path);
	else if (run->cfg->state_key &&
	         !(key = es_state_key_of(run->cfg, why, sizeof(why))))
		snprintf(msg, sizeof(msg), "%s: customer.state_key: %s",
		         run->cfg->path, why);
	else
		e = es_state_migrate(&from, &dest, run->cfg->customer_id,
		                     run->env->name, key, run->opt.lock_wait_s,
		                     msg, sizeof(msg));
	if (key) {
		es_wipe(key, strlen(key));
		free(key);
	}
	es_state_where_free(conn);
	if (e != ES_STATE_OK) {
		es_log(ES_LOG_ERROR, NULL, "state migrate: %s", msg);
		return e == ES_STATE_LOCKED ? ES_EXIT_LOCKED : ES_EXIT_INPUT;
	}
	es_text_printable(msg);
	printf("state migrate: %s\n", msg);
	return ES_EXIT_OK;
}
