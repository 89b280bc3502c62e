/* cmd_check_key.c - "rootwarden check key": is a private key file owned and protected as its server
 * needs (rules in keyperm.h). */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "cmd_check_report.h"
#include "cli.h"
#include "keyperm.h"
#include "metrics.h"

static const char synopsis[] =
        "rootwarden check key PATH... --policy mssql|postgresql|mysql|strict [options]\n"
        "\n"
        "Checks that each private key file is a regular file, owned and protected as its server\n"
        "needs, with no POSIX ACL entry or parent directory letting anyone else read or replace\n"
        "it, and that it parses as a private key. Every finding names the command that fixes it.\n";

enum { O_POLICY, O_USER, O_FOLLOW, O_JSON, O_METRICS };
static const struct cliopt opts[] = {
        [O_POLICY] = {"policy", 0, "P",
                      "postgresql: owned by the service user with no group/other access,\n"
                      "  or owned by root with at most group read\n"
                      "mssql: owned by the service user, mode 0400 or 0600\n"
                      "mysql: owned by the service user, no access for others\n"
                      "strict: any owner, no group or other access",
                      0},
        [O_USER] = {"service-user", 'u', "NAME",
                    "the service user (default: postgres, mssql, mysql by policy)", 0},
        [O_FOLLOW] = {"follow", 0, NULL,
                      "follow a symbolic link (both the link and the target are reported)", 0},
        [O_JSON] = {"json", 0, NULL, "JSON output", 0},
        [O_METRICS] = {"metrics-file", 0, "PATH",
                       "also write rootwarden_check_status to a Prometheus text file\n"
                       "(atomically; labels check=\"key\" and target=the key paths as\n"
                       "given, joined with \",\")",
                       0},
        {NULL, 0, NULL, NULL, 0},
};

static const char footer[] =
        "Exit status: 0 all pass, 1 a WARN, 2 a FAIL, 3 could not check (missing file, usage,\n"
        "the metrics file cannot be written).\n";

const struct cmd_help check_key_help = {synopsis, opts, footer, NULL};

int check_key_main(int argc, char **argv)
{
	struct keyperm_opts ko = {0};
	struct findings f;
	struct rw_err e = {0};
	const char *policy = NULL, *metrics = NULL;
	int c, json = 0, failed = 0, rc = RW_CHECK_UNKNOWN, n_keys;
	struct cliopt_parser p;
	struct buf target;
	char **keys;

	cliopt_init(&p, "check key", opts, argc, argv);
	while ((c = cliopt_next(&p)) >= 0) {
		switch (c) {
		case O_POLICY:
			policy = p.arg;
			break;
		case O_USER:
			ko.service_user = p.arg;
			break;
		case O_FOLLOW:
			ko.follow = 1;
			break;
		case O_JSON:
			json = 1;
			break;
		case O_METRICS:
			metrics = p.arg;
			break;
		}
	}
	if (c != CLIOPT_DONE)
		return RW_CHECK_UNKNOWN;
	keys = cliopt_operands(&p, &n_keys);
	if (policy == NULL)
		return cli_usage_error("check", RW_CHECK_UNKNOWN,
		                       "key: give --policy mssql|postgresql|mysql|strict");
	if (keyperm_policy_parse(policy, &ko.policy) < 0)
		return cli_usage_error(
		        "check", RW_CHECK_UNKNOWN,
		        "key: --policy: '%s' is not mssql, postgresql, mysql or strict", policy);
	if (n_keys == 0)
		return cli_usage_error("check", RW_CHECK_UNKNOWN, "key: give the key file's path");
	findings_init(&f);
	for (int i = 0; i < n_keys && !failed; i++)
		failed = keyperm_check(keys[i], &ko, &f, &e) < 0;
	/* The metrics target: the key paths as given, joined with ",". Written for UNKNOWN too
	 * (not for a usage error), so a monitor sees a check that could not run. */
	buf_init(&target, 0);
	for (int i = 0; i < n_keys; i++)
		if ((i && buf_puts(&target, ",") < 0) || buf_puts(&target, keys[i]) < 0) {
			fprintf(stderr, "rootwarden: out of memory\n");
			goto out;
		}
	rc = check_report_metrics(&f, "key", json, failed ? &e : NULL, metrics, target.data);
out:
	buf_free(&target);
	findings_free(&f);
	return rc;
}
