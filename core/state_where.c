/*
 * Where a customer's state lives (state.h's struct es_state_where), from
 * its config: customer.state_backend, state_dir (or --state-dir) and the
 * resolved state_connection. The connection string is a secret (it may
 * hold a password): it is registered for redaction and never printed;
 * errors name the key, not the value.
 */
#include "runner.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

/* A reference of the customer block, relative to the file's folder. */
static char *resolve(const struct es_config *cfg, const char *ref, char *err,
                     size_t errlen)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", cfg->path);
	return es_secret_resolve(ref, dirname(dir), err, errlen);
}

char *es_state_key_of(const struct es_config *cfg, char *err, size_t errlen)
{
	return cfg->state_key ? resolve(cfg, cfg->state_key, err, errlen)
	                      : NULL;
}

int es_state_where_of(const struct es_config *cfg, const char *state_dir,
                      struct es_state_where *where, char **connection,
                      char *err, size_t errlen)
{
	*connection = NULL;
	where->backend = cfg->state_backend;
	where->dir = state_dir ? state_dir : cfg->state_dir;
	where->connection = NULL;
	if (!cfg->state_connection)
		return 0;
	*connection = resolve(cfg, cfg->state_connection, err, errlen);
	if (!*connection) {
		char why[512];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "%s: customer.state_connection: %s",
		         cfg->path, why);
		return -1;
	}
	es_redact_add(*connection);
	where->connection = *connection;
	return 0;
}

void es_state_where_free(char *connection)
{
	if (connection)
		es_wipe(connection, strlen(connection));
	free(connection);
}
