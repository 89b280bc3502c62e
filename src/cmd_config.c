/* cmd_config.c - placeholder until its issue lands; replaced wholesale by that work. */
#include <stdio.h>

#include "cli.h"

const char cmd_config_usage[] = "rootwarden config ... (not implemented yet)\n";

int cmd_config(int argc, char **argv)
{
	fprintf(stderr, "rootwarden config: not implemented yet\n");
	return RW_EXIT_FAILURE;
}
