/*
 * Private to the config layer (config.c, config_file.c, config_schema.c,
 * config_value.c): what those files share beyond config.h.
 */
#ifndef ENVSETUP_CORE_CONFIG_INTERNAL_H
#define ENVSETUP_CORE_CONFIG_INTERNAL_H

#include <libconfig.h>

#include "config.h"

/* Refuse hostile files (missing, empty, binary, too large, not regular)
 * and @include problems (missing, cycles, too deep) before libconfig
 * parses anything. On success *dir is the config's directory, absolute
 * (transfer full). 0 or -1 after one diagnostic per problem. */
int es_config_check_files(const char *path, struct es_diags *d, char **dir);

/* Free what es_config_bind attached to a plugin group (values, resolved
 * secrets, ca_file) and wipe the secrets. */
void es_config_unbind(struct es_plugin_conf *pc);

/* A value before typing: from a setting, or from a default's text. */
struct es_raw_value {
	int type;                    /* CONFIG_TYPE_* */
	const char *s;               /* STRING */
	long long i;                 /* INT, INT64, BOOL */
	const config_setting_t *agg; /* ARRAY, LIST */
	const char *base_dir;        /* for ES_TYPE_PATH; nullable */
};

/* Type `r` by key `k` into `v` (str, i or list). `from_default` lets a
 * LIST default be one bare string. -1 with the reason in err, which never
 * holds the value of a secret key. */
int es_value_parse(const struct es_key *k, const struct es_raw_value *r,
                   struct es_value *v, int from_default, char *err,
                   size_t errlen);

/* Check a STRING value or one LIST item (`item`, 1-based; 0 for a
 * string) against the key's format and pattern. -1 with the reason in
 * err, which quotes the value (secret keys take neither rule). */
int es_value_check_text(const struct es_key *k, const char *s, size_t item,
                        char *err, size_t errlen);

/* Free a value's strings and mark it unset. */
void es_value_clear(struct es_value *v);

#endif
