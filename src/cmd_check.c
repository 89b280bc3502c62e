/* cmd_check.c - "rootwarden check KIND": a table of checks, one front end each
 * (cmd_check_<kind>.c). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cli.h"

static const struct check_kind kinds[] = {
        {"bundle", check_bundle_main, "does a PEM bundle hold what its profiles need",
         check_bundle_usage},
        {"sqlserver", check_sqlserver_main, "does a certificate meet SQL Server's requirements",
         check_sqlserver_usage},
        {"key", check_key_main, "is a private key file owned and protected as its server needs",
         check_key_usage},
        {"token", check_token_main, "will MySQL Flexible Server accept this Entra ID access token",
         check_token_usage},
        {NULL, NULL, NULL, NULL},
};

const char cmd_check_usage[] =
        "rootwarden check bundle PATH [--profile P]... [--at DATE] [--warn-days N] [--json]\n"
        "                        [--metrics-file PATH] [--roots-dir DIR]\n"
        "       rootwarden check sqlserver (--cert FILE --host FQDN... | --mssql-conf PATH) [...]\n"
        "       rootwarden check key PATH... --policy mssql|postgresql|mysql|strict [...]\n"
        "       rootwarden check token --tenant TID [--token-file F | --token-env VAR] [...]\n"
        "\n"
        "  bundle     does a PEM bundle hold what its profiles need at a date\n"
        "  sqlserver  does a certificate meet SQL Server's requirements\n"
        "  key        is a private key file owned and protected as its server needs\n"
        "  token      will MySQL Flexible Server accept this Entra ID access token\n"
        "\n"
        "Exit status as a monitoring plugin: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
        "Run 'rootwarden check KIND --help' for a check's options.\n";

int cmd_check(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("check", RW_CHECK_UNKNOWN,
		                       "give bundle, sqlserver, key or token");
	for (const struct check_kind *k = kinds; k->name; k++) {
		if (strcmp(k->name, argv[1]) != 0)
			continue;
		for (int i = 2; i < argc; i++)
			if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
				fputs(k->usage, stdout);
				return RW_CHECK_OK;
			}
		return k->run(argc - 1, argv + 1);
	}
	return cli_usage_error("check", RW_CHECK_UNKNOWN, "unknown check '%s'", argv[1]);
}
