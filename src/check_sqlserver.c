/* check_sqlserver.c - placeholder until its issue lands; replaced wholesale by that work. */
#include <stdio.h>

#include "check.h"
#include "exitcode.h"

int check_sqlserver_main(int argc, char **argv)
{
	fprintf(stderr, "rootwarden check sqlserver: not implemented yet\n");
	return RW_CHECK_UNKNOWN;
}
