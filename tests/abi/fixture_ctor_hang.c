/* Never returns from its constructor: the probe must give up on it. */
#include <unistd.h>

#include "envsetup/envsetup.h"

__attribute__((constructor)) static void hang(void)
{
	for (;;)
		pause();
}

ES_PLUGIN_EXPORT const struct es_plugin_descriptor *
envsetup_plugin_entry(uint16_t host_major, uint16_t host_minor)
{
	(void)host_major;
	(void)host_minor;
	return 0;
}
