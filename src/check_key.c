/* check_key.c - "rootwarden check key": is a private key file owned and protected as its server
 * needs (rules in keyperm.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "check_report.h"
#include "cli.h"
#include "keyperm.h"

const char check_key_usage[] =
        "rootwarden check key PATH... --policy mssql|postgresql|mysql|strict [options]\n"
        "\n"
        "Checks that each private key file is a regular file, owned and protected as its server\n"
        "needs, with no POSIX ACL entry or parent directory letting anyone else read or replace\n"
        "it, and that it parses as a private key. Every finding names the command that fixes it.\n"
        "\n"
        "  --policy P          postgresql: owned by the service user with no group/other access,\n"
        "                        or owned by root with at most group read\n"
        "                      mssql: owned by the service user, mode 0400 or 0600\n"
        "                      mysql: owned by the service user, no access for others\n"
        "                      strict: any owner, no group or other access\n"
        "  --service-user NAME the service user (default: postgres, mssql, mysql by policy)\n"
        "  --follow            follow a symbolic link (both the link and the target are reported)\n"
        "  --json              JSON output\n"
        "\n"
        "Exit status: 0 all pass, 1 a WARN, 2 a FAIL, 3 could not check (missing file, usage).\n";

int check_key_main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"policy", required_argument, NULL, 'p'},
	        {"service-user", required_argument, NULL, 'u'},
	        {"follow", no_argument, NULL, 'f'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct keyperm_opts ko = {0};
	struct findings f;
	struct rw_err e = {0};
	const char *policy = NULL;
	int c, json = 0, rc = RW_CHECK_UNKNOWN;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:u:fjh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			policy = optarg;
			break;
		case 'u':
			ko.service_user = optarg;
			break;
		case 'f':
			ko.follow = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(check_key_usage, stdout);
			return RW_CHECK_OK;
		case ':':
			return cli_usage_error("check", RW_CHECK_UNKNOWN, "key: %s needs a value",
			                       argv[optind - 1]);
		default:
			return cli_usage_error("check", RW_CHECK_UNKNOWN,
			                       "key: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (policy == NULL)
		return cli_usage_error("check", RW_CHECK_UNKNOWN,
		                       "key: give --policy mssql|postgresql|mysql|strict");
	if (keyperm_policy_parse(policy, &ko.policy) < 0)
		return cli_usage_error(
		        "check", RW_CHECK_UNKNOWN,
		        "key: --policy: '%s' is not mssql, postgresql, mysql or strict", policy);
	if (optind >= argc)
		return cli_usage_error("check", RW_CHECK_UNKNOWN, "key: give the key file's path");
	findings_init(&f);
	for (int i = optind; i < argc; i++)
		if (keyperm_check(argv[i], &ko, &f, &e) < 0) {
			rc = check_report(&f, "key", json, &e);
			goto out;
		}
	rc = check_report(&f, "key", json, NULL);
out:
	findings_free(&f);
	return rc;
}
