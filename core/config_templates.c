/*
 * `check` for template directories: every enabled plugin's path key
 * declared ES_FORMAT_TEMPLATES_DIR is read as the templates service would
 * read it (templates.c), and each problem is reported against the key,
 * naming the file and line at fault. The templates the plugin's LIST key
 * `templates` names must be there.
 */
#include <stdio.h>
#include <string.h>

#include "config_internal.h"
#include "templates.h"

struct report_to {
	struct es_diags *d;
	const char *where; /* "mailgun.templates_dir" */
};

static void to_diags(void *arg, const char *file, int line, const char *message)
{
	struct report_to *to = arg;

	es_diags_add(to->d, file, line, to->where, "%s", message);
}

size_t es_config_check_templates(const struct es_plugin_conf *pc,
                                 struct es_diags *d)
{
	const struct es_value *req = es_config_value(pc, "templates");
	size_t problems = 0;
	char where[192];

	if (req && (req->key->type != ES_TYPE_LIST || !req->is_set))
		req = NULL;
	for (size_t i = 0; pc->enabled && i < pc->n_values; i++) {
		const struct es_value *v = &pc->values[i];
		struct report_to to = {.d = d, .where = where};
		size_t found = 0;

		if (v->key->type != ES_TYPE_PATH ||
		    v->key->format != ES_FORMAT_TEMPLATES_DIR || !v->is_set)
			continue;
		snprintf(where, sizeof(where), "%s.%s", pc->name, v->key->name);
		es_templates_free(es_templates_load(
		    v->str, req ? (const char *const *)req->list : NULL,
		    req ? req->n_list : 0, to_diags, &to, &found));
		problems += found;
	}
	return problems;
}
