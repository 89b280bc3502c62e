/* cmd_rotation.c - placeholder until its issue lands; replaced wholesale by that work. */
#include <stdio.h>

#include "cli.h"

const char cmd_rotation_usage[] = "rootwarden rotation ... (not implemented yet)\n";

int cmd_rotation(int argc, char **argv)
{
	fprintf(stderr, "rootwarden rotation: not implemented yet\n");
	return RW_EXIT_FAILURE;
}
