/* fuzz_config.c - the configuration file (config.h: config_load, through libconfig). */
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c = NULL;
	struct rw_err e = {{0}, 0};

	if (config_load(fuzz_file("rootwarden.conf", data, size), &c, &e) == 0)
		config_free(c);
	return 0;
}
