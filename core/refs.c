/*
 * Output references during a run (refs.h, refs_run.h): the task-graph
 * edges they imply, and their resolution before a task is called.
 *
 * A task reads the references of the keys its `needs` lists, and only
 * those: the edge "producer before consumer" is drawn from the same list,
 * so a plugin can never read an output whose task was not ordered before
 * it. Values are resolved once per task call, from the state's outputs,
 * into the es_call (so two tasks of one instance never share them), and
 * the host's config table reads them from there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_tables.h"
#include "log.h"
#include "refs_run.h"

/* One key's value as the task sees it. */
struct resolved {
	const struct es_value *bound; /* the config's, with references */
	struct es_value v;            /* the same, references replaced */
	es_json *json;                /* RECORDS: parsed on first get_json */
};

struct es_refs_call {
	struct resolved *items;
	size_t n;
};

/* ---- the references of a value ----------------------------------------- */

static size_t scan_into(const char *s, struct es_ref *out, size_t n, size_t max)
{
	char err[256];
	int k;

	if (!es_ref_present(s) || n >= max)
		return n;
	k = es_ref_scan(s, out + n, max - n, err, sizeof(err));
	return k > 0 ? n + (size_t)k : n;
}

/* Every reference of `v`, up to max (check refused the malformed). */
static size_t value_refs(const struct es_value *v, struct es_ref *out,
                         size_t max)
{
	size_t n = 0;
	cJSON *doc, *item, *m;

	if (!v || !v->is_set)
		return 0;
	if (v->key->type == ES_TYPE_LIST && !(v->key->flags & ES_KEY_SECRET)) {
		for (size_t i = 0; i < v->n_list; i++)
			n = scan_into(v->list[i], out, n, max);
		return n;
	}
	if (v->key->type != ES_TYPE_RECORDS || (v->key->flags & ES_KEY_SECRET))
		return scan_into(v->str, out, 0, max);
	if (!es_ref_present(v->str) || !(doc = cJSON_Parse(v->str)))
		return 0;
	cJSON_ArrayForEach(item, doc)
	{
		if (cJSON_IsString(item))
			n = scan_into(item->valuestring, out, n, max);
		cJSON_ArrayForEach(m, item)
		{
			if (cJSON_IsString(m))
				n = scan_into(m->valuestring, out, n, max);
		}
	}
	cJSON_Delete(doc);
	return n;
}

/* The node of the task that publishes what `r` names, or -1. */
static long producer_of(struct es_run *run, const struct es_ref *r)
{
	const struct es_plugin *p = es_registry_find(run->reg, r->plugin);
	const struct es_output *o = p ? es_plugin_output(p, r->output) : NULL;
	char ref[256];
	struct es_node *n;

	if (!o)
		return -1;
	snprintf(ref, sizeof(ref), "%s:%s", r->plugin, o->task);
	n = es_graph_find(run, ref);
	return n ? (long)(n - run->nodes) : -1;
}

/* ---- the graph ----------------------------------------------------------- */

void es_refs_producers(struct es_run *run, size_t idx,
                       void (*fn)(struct es_run *run, size_t idx,
                                  size_t producer, void *arg),
                       void *arg)
{
	const struct es_node *n = &run->nodes[idx];
	struct es_ref refs[ES_REF_MAX * 4];

	if (n->kind != ES_NODE_PLUGIN_TASK)
		return;
	for (const char *const *k = n->task->needs; k && *k; k++) {
		size_t count = value_refs(es_config_value(n->inst->conf, *k),
		                          refs, sizeof(refs) / sizeof(refs[0]));

		for (size_t i = 0; i < count; i++) {
			long p = producer_of(run, &refs[i]);
			int have = 0;

			for (size_t d = 0; p >= 0 && d < n->n_deps; d++)
				have |= n->deps[d] == (size_t)p;
			if (p >= 0 && !have)
				fn(run, idx, (size_t)p, arg);
		}
	}
}

const struct es_value *es_refs_edge_value(struct es_run *run, size_t from,
                                          size_t to)
{
	const struct es_node *n = &run->nodes[from];
	struct es_ref refs[ES_REF_MAX * 4];

	if (n->kind != ES_NODE_PLUGIN_TASK)
		return NULL;
	for (const char *const *k = n->task->needs; k && *k; k++) {
		const struct es_value *v = es_config_value(n->inst->conf, *k);
		size_t count =
		    value_refs(v, refs, sizeof(refs) / sizeof(refs[0]));

		for (size_t i = 0; i < count; i++)
			if (producer_of(run, &refs[i]) == (long)to)
				return v;
	}
	return NULL;
}

/* ---- resolution ---------------------------------------------------------- */

struct lookup {
	struct es_call *call;
	int secret; /* a secret key's reference: read the secrets file */
};

struct wanted {
	const struct es_ref *r;
	char *value;
};

static void match_output(const struct es_output_entry *e, void *arg)
{
	struct wanted *w = arg;

	if (!w->value && e->value && !e->secret &&
	    strcmp(e->plugin, w->r->plugin) == 0 &&
	    strcmp(e->name, w->r->output) == 0)
		w->value = strdup(e->value);
}

/* The published value of `r` (transfer full), or NULL: not yet. */
static char *lookup_output(void *arg, const struct es_ref *r)
{
	struct lookup *l = arg;
	struct es_state *s = l->call->inst->run->state;
	struct wanted w = {r, NULL};

	if (!s)
		return NULL;
	if (l->secret)
		return es_state_secret_get(s, r->plugin, r->output);
	es_state_outputs_each(s, match_output, &w);
	return w.value;
}

/* A RECORDS value with its references replaced, in normal form. */
static int resolve_records(struct lookup *l, const char *json, char **out,
                           struct es_ref *missing, char *err, size_t errlen)
{
	cJSON *doc = cJSON_Parse(json), *all = cJSON_CreateArray(), *item, *m;
	int rc = doc && all ? 0 : -1;

	cJSON_ArrayForEach(item, doc)
	{
		char *text = NULL;
		cJSON *list = NULL, *rec;

		if (rc != 0)
			break;
		if (cJSON_IsString(item)) {
			/* A splice: the output's records, one by one. */
			text = es_ref_expand(item->valuestring, lookup_output,
			                     l, missing);
			list = text ? cJSON_Parse(text) : NULL;
			rc = !text ? (missing->plugin[0] ? 1 : -1)
			     : cJSON_IsArray(list) ? 0
			                           : -1;
			if (rc < 0 && text)
				snprintf(err, errlen,
				         "%.200s is not a list of records",
				         item->valuestring);
			cJSON_ArrayForEach(rec, list)
			{
				if (rc == 0)
					rc = es_record_normalize(rec, all, 0,
					                         err, errlen);
			}
		} else {
			cJSON_ArrayForEach(m, item)
			{
				if (rc != 0 || !cJSON_IsString(m))
					continue;
				text = es_ref_expand(m->valuestring,
				                     lookup_output, l, missing);
				rc = text ? 0 : missing->plugin[0] ? 1 : -1;
				if (text)
					cJSON_SetValuestring(m, text);
				free(text);
				text = NULL;
			}
			if (rc == 0)
				rc = es_record_normalize(item, all, 1, err,
				                         errlen);
		}
		free(text);
		cJSON_Delete(list);
	}
	*out = rc == 0 ? cJSON_PrintUnformatted(all) : NULL;
	cJSON_Delete(doc);
	cJSON_Delete(all);
	return rc == 0 && !*out ? -1 : rc;
}

/* `bound` with its references replaced into *out. 0; 1 with *missing
 * (not published yet); -1 with the reason in err. */
static int resolve_value(struct es_call *call, const struct es_value *bound,
                         struct es_value *out, struct es_ref *missing,
                         char *err, size_t errlen)
{
	const struct es_key *k = bound->key;
	struct lookup l = {call, (k->flags & ES_KEY_SECRET) != 0};
	char *secret;

	memset(out, 0, sizeof(*out));
	out->key = k;
	out->is_set = 1;
	out->line = bound->line;
	snprintf(err, errlen, "out of memory");
	if (l.secret) {
		/* Used as {{secret:KEY}} and through secret->get, like a
		 * secret of the file; never stored by this plugin. */
		if (!es_ref_whole(bound->str, missing))
			return -1;
		secret = lookup_output(&l, missing);
		if (!secret)
			return 1;
		es_instance_remember(call->inst, k->name, secret);
		es_wipe(secret, strlen(secret));
		free(secret);
		return (out->str = strdup(bound->str)) ? 0 : -1;
	}
	if (k->type == ES_TYPE_RECORDS)
		return resolve_records(&l, bound->str, &out->str, missing, err,
		                       errlen);
	if (k->type == ES_TYPE_LIST) {
		if (!(out->list = calloc(bound->n_list + 1, sizeof(char *))))
			return -1;
		for (; out->n_list < bound->n_list; out->n_list++) {
			char *s = es_ref_expand(bound->list[out->n_list],
			                        lookup_output, &l, missing);

			if (!s)
				return missing->plugin[0] ? 1 : -1;
			out->list[out->n_list] = s;
			if (es_value_check_text(k, s, out->n_list + 1, err,
			                        errlen) < 0) {
				out->n_list++;
				return -1;
			}
		}
		return 0;
	}
	out->str = es_ref_expand(bound->str, lookup_output, &l, missing);
	if (!out->str)
		return missing->plugin[0] ? 1 : -1;
	return es_value_check_text(k, out->str, 0, err, errlen) < 0 ? -1 : 0;
}

static struct resolved *add_item(struct es_call *call,
                                 const struct es_value *bound)
{
	struct es_refs_call *rc = call->refs;
	struct resolved *grown;

	if (!rc && !(rc = call->refs = calloc(1, sizeof(*rc))))
		return NULL;
	grown = realloc(rc->items, (rc->n + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	rc->items = grown;
	memset(&grown[rc->n], 0, sizeof(grown[0]));
	grown[rc->n].bound = bound;
	return &grown[rc->n++];
}

static struct resolved *find_item(struct es_call *call,
                                  const struct es_value *bound)
{
	for (size_t i = 0; call->refs && i < call->refs->n; i++)
		if (call->refs->items[i].bound == bound)
			return &call->refs->items[i];
	return NULL;
}

int es_refs_resolve(struct es_call *call, cJSON *unknown)
{
	const struct es_node *n = call->node;
	int pending = 0;

	for (const char *const *k = n->task->needs; k && *k; k++) {
		const struct es_value *bound =
		    es_config_value(call->inst->conf, *k);
		struct resolved *item;
		struct es_ref missing;
		char err[512], name[320], text[400];
		int rc;

		if (!es_value_has_refs(bound) || find_item(call, bound))
			continue;
		if (!(item = add_item(call, bound)))
			return -1;
		rc = resolve_value(call, bound, &item->v, &missing, err,
		                   sizeof(err));
		if (rc == 1) {
			cJSON *c = cJSON_CreateObject();

			/* Plan shows the value as not known yet; apply
			 * never gets here once the producer ran. */
			snprintf(text, sizeof(text), "${%s}",
			         es_ref_name(&missing, name, sizeof(name)));
			cJSON_AddStringToObject(c, "action", "unknown");
			cJSON_AddStringToObject(c, "kind", *k);
			cJSON_AddStringToObject(c, "name", text);
			cJSON_AddStringToObject(c, "detail",
			                        "(known after apply)");
			if (unknown)
				cJSON_AddItemToArray(unknown, c);
			else
				cJSON_Delete(c);
			es_value_clear(&item->v);
			pending++;
		} else if (rc < 0) {
			snprintf(text, sizeof(text), "%s.%s",
			         call->inst->plugin->name, *k);
			es_diags_add(&call->diags, bound->file, bound->line,
			             text, "once resolved: %s", err);
			return -1;
		}
	}
	return pending;
}

/* ---- what the host's config table reads ---------------------------------- */

const struct es_value *es_refs_value(struct es_call *call,
                                     const struct es_value *bound)
{
	const struct resolved *item;

	if (!es_value_has_refs(bound))
		return bound;
	item = find_item(call, bound);
	if (item && item->v.is_set)
		return &item->v;
	/* Not resolved for this call: a task that does not list the key in
	 * its needs, or create/validate, which run before any producer. */
	if (call->node)
		es_log(
		    ES_LOG_WARNING, call->prefix,
		    "reads %s, which holds a reference to an output, without "
		    "listing it in the task's needs: read as unset",
		    bound->key->name);
	return NULL;
}

const es_json *es_refs_json(struct es_call *call, const char *key)
{
	const struct es_value *bound = es_config_value(call->inst->conf, key);
	const struct es_value *v = es_refs_value(call, bound);
	struct resolved *item;

	if (!v || !v->is_set || !v->str || v->key->type != ES_TYPE_RECORDS ||
	    (v->key->flags & ES_KEY_SECRET))
		return NULL;
	item = find_item(call, bound);
	if (!item && !(item = add_item(call, bound)))
		return NULL;
	if (!item->json)
		item->json = es_host_json.parse(v->str, strlen(v->str));
	return item->json;
}

void es_refs_release(struct es_call *call)
{
	for (size_t i = 0; call->refs && i < call->refs->n; i++) {
		es_value_clear(&call->refs->items[i].v);
		es_host_json.free(call->refs->items[i].json);
	}
	if (call->refs)
		free(call->refs->items);
	free(call->refs);
	call->refs = NULL;
}
