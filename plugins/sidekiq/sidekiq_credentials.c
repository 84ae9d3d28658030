/*
 * sidekiq: one basic-auth login per component. The password is generated
 * by the core and never enters the plugin; the state records which user
 * name each component's login was made for, so plan knows without reading
 * the secret. A run killed between the generation and that record loses
 * nothing: generate() keeps a password it already made, and the next
 * apply records it.
 */
#include <stdio.h>
#include <string.h>

#include "sidekiq.h"

/* "login:connec" (state) or "password:connec" (secret output). */
static int item_name(char *out, size_t size, const char *what,
                     const char *component)
{
	return (size_t)snprintf(out, size, "%s:%s", what, component) >= size;
}

static enum es_status one_login(const struct es_ctx *x, const char *component,
                                const char *username)
{
	const struct es_host *h = x->host;
	char key[64], secret[64], output[64];
	const char *made;
	enum es_status st;

	if (item_name(key, sizeof(key), "login", component) ||
	    item_name(secret, sizeof(secret), "password", component) ||
	    item_name(output, sizeof(output), "username", component))
		return ES_INVALID_CONFIG; /* the schema caps the length */
	made = h->state->get(x->call, key);
	if (!made &&
	    es_reported(x, &st, ES_CHANGE_CREATE, "sidekiq_login", component,
	                "a generated 32-character password"))
		return st;
	if (made && strcmp(made, username) != 0) {
		char detail[160];

		snprintf(detail, sizeof(detail),
		         "user %s -> %s, the password kept", made, username);
		if (es_reported(x, &st, ES_CHANGE_UPDATE, "sidekiq_login",
		                component, detail))
			return st;
	}
	if (x->phase == ES_PHASE_PLAN)
		return ES_OK; /* in place */
	/* Apply or verify. generate() returns the kept password when one
	 * exists, so this never rotates it. */
	if (x->phase == ES_PHASE_APPLY &&
	    h->secret->generate(x->call, secret, SIDEKIQ_PASSWORD_LENGTH)) {
		h->diag->error(x->call, NULL,
		               "cannot generate the %s Sidekiq password",
		               component);
		return ES_FAILED;
	}
	if (h->output->set(x->call, output, username, 0))
		return ES_FAILED;
	if (x->phase == ES_PHASE_APPLY && (!made || strcmp(made, username)) &&
	    h->state->put(x->call, key, username))
		return ES_FAILED;
	return ES_OK;
}

enum es_status sidekiq_credentials(const struct es_ctx *x)
{
	const struct es_config_api *conf = x->host->config;
	const char *username = conf->get_string(x->call, "username");
	size_t n = conf->list_size(x->call, "components");
	enum es_status worst = ES_OK;

	for (size_t i = 0; i < n; i++) {
		enum es_status st = one_login(
		    x, conf->list_item(x->call, "components", i), username);

		if (st != ES_OK)
			worst = st;
	}
	return worst;
}
