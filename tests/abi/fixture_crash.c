/* Crashes when its entry runs: the probe child must absorb it. */
#include <signal.h>

#include "envsetup/envsetup.h"

ES_PLUGIN_EXPORT const struct es_plugin_descriptor *
envsetup_plugin_entry(uint16_t host_major, uint16_t host_minor)
{
	(void)host_major;
	(void)host_minor;
	raise(SIGSEGV);
	return 0;
}
