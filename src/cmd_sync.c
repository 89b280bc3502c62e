/* cmd_sync.c - placeholder until its issue lands; replaced wholesale by that work. */
#include <stdio.h>

#include "cli.h"

const char cmd_sync_usage[] = "rootwarden sync ... (not implemented yet)\n";

int cmd_sync(int argc, char **argv)
{
	fprintf(stderr, "rootwarden sync: not implemented yet\n");
	return RW_EXIT_FAILURE;
}
