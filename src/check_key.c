/* check_key.c - placeholder until its issue lands; replaced wholesale by that work. */
#include <stdio.h>

#include "check.h"
#include "exitcode.h"

int check_key_main(int argc, char **argv)
{
	fprintf(stderr, "rootwarden check key: not implemented yet\n");
	return RW_CHECK_UNKNOWN;
}
