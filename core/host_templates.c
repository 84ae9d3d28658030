/*
 * The templates service (host.h, es_templates_api): a plugin's template
 * directory key read by the core's reader (templates.c), once per call,
 * and freed when the call ends (es_call_release).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_tables.h"
#include "run.h"
#include "templates.h"

/* What one call read: the key, and its set (NULL when it failed). */
struct es_call_templates {
	char *key;
	struct es_template_set *set;
};

struct report_to {
	es_call *call;
	const char *where;
};

static void to_call_diags(void *arg, const char *file, int line,
                          const char *message)
{
	struct report_to *to = arg;

	es_diags_add(&to->call->diags, file, line, to->where, "%s", message);
}

void es_host_templates_release(es_call *call)
{
	if (!call->templates)
		return;
	es_templates_free(call->templates->set);
	free(call->templates->key);
	free(call->templates);
	call->templates = NULL;
}

/* The set of `key` for this call, read on first use; NULL with *unset 1
 * when the key has no value, NULL with *unset 0 after a diagnostic. */
static struct es_template_set *set_of(es_call *call, const char *key,
                                      int *unset)
{
	const struct es_plugin_conf *pc = call->inst->conf;
	const struct es_value *v = es_config_value(pc, key);
	const struct es_value *req = es_config_value(pc, "templates");
	char where[192];
	struct report_to to = {.call = call, .where = where};
	size_t problems = 0;

	*unset = 0;
	snprintf(where, sizeof(where), "%s.%s", call->inst->plugin->name,
	         key ? key : "(null)");
	if (!v || v->key->type != ES_TYPE_PATH ||
	    v->key->format != ES_FORMAT_TEMPLATES_DIR) {
		es_diags_add(&call->diags, NULL, 0, where,
		             "not a key declared ES_FORMAT_TEMPLATES_DIR");
		return NULL;
	}
	if (!v->is_set || !v->str) {
		*unset = 1;
		return NULL;
	}
	if (call->templates && !strcmp(call->templates->key, key))
		return call->templates->set;
	es_host_templates_release(call);
	if (!(call->templates = calloc(1, sizeof(*call->templates))) ||
	    !(call->templates->key = strdup(key))) {
		es_host_templates_release(call);
		es_diags_add(&call->diags, NULL, 0, where, "out of memory");
		return NULL;
	}
	if (req && (req->key->type != ES_TYPE_LIST || !req->is_set))
		req = NULL;
	call->templates->set = es_templates_load(
	    v->str, req ? (const char *const *)req->list : NULL,
	    req ? req->n_list : 0, to_call_diags, &to, &problems);
	return call->templates->set;
}

static long templates_count(es_call *call, const char *key)
{
	int unset;
	struct es_template_set *set = set_of(call, key, &unset);

	if (!set)
		return unset ? 0 : -1;
	return (long)es_templates_count(set);
}

static const struct es_template *templates_get(es_call *call, const char *key,
                                               size_t i)
{
	int unset;

	return es_templates_get(set_of(call, key, &unset), i);
}

const struct es_templates_api es_host_templates = {
    .struct_size = sizeof(es_host_templates),
    .count = templates_count,
    .get = templates_get,
};
