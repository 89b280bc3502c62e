/* main.c - the only thing outside the library: hand the command line to the front end. */
#include "cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
