/*
 * The run's side of secrets at rest (secret_seal.h): resolve
 * customer.state_key and open the environment's secrets.json with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "runner.h"
#include "state.h"

/* Unseal secrets.json with customer.state_key. A read-only run (status,
 * report) needs no secret: a key it cannot read is no reason to stop. */
int es_run_open_secrets(struct es_run *run, const struct es_config *cfg,
                        enum es_state_mode mode)
{
	char err[512], *key;

	if (!cfg->state_key)
		return 0;
	key = es_state_key_of(cfg, err, sizeof(err));
	if (!key) {
		if (mode != ES_STATE_LOCKED_RW)
			return 0;
		es_log(ES_LOG_ERROR, NULL, "%s: customer.state_key: %s",
		       cfg->path, err);
		return -1;
	}
	es_redact_add(key);
	if (es_state_secrets_key(run->state, key, err, sizeof(err)) < 0) {
		es_log(ES_LOG_ERROR, NULL, "%s/secrets.json: %s",
		       es_state_path(run->state), err);
		es_wipe(key, strlen(key));
		free(key);
		return -1;
	}
	es_wipe(key, strlen(key));
	free(key);
	return 0;
}
