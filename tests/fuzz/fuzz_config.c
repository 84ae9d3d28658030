/*
 * Fuzz the customer-file loader: the input is a customer file's body,
 * loaded as `envsetup check` loads it (es_config_load: libconfig, the
 * structure, the checklist, answers and drops), then bound, for its
 * first environment as `envsetup` does without --env, against the mailgun
 * plugin's schema (es_config_bind: types, ranges, patterns, secret
 * references). Seeds: tests/fuzz/config/.
 */
#include "config.h"
#include "envsetup/plugin.h"
#include "fuzz.h"
#include "log.h"

/* The mailgun plugin, compiled in: its schema has a key of most types. */
const struct es_plugin_descriptor *envsetup_plugin_entry(uint16_t host_major,
                                                         uint16_t host_minor);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct es_plugin_descriptor *descs[] = {
	    envsetup_plugin_entry(ES_ABI_MAJOR, ES_ABI_MINOR)};
	const char *dir = fuzz_scratch_dir();
	char path[1024];
	struct es_diags d = {0};
	struct es_config *c;

	fuzz_write(dir, "customer.cfg", data, size);
	snprintf(path, sizeof(path), "%s/customer.cfg", dir);
	c = es_config_load(path, &d);
	if (c && !d.count && c->n_envs)
		es_config_bind(c, c->envs[0].name, descs, 1, &d);
	es_config_free(c);
	es_diags_clear(&d);
	es_redact_clear();
	return 0;
}
