/* cmd_check_key.c - "rootwarden check key": is a private key file owned and protected as its server
 * needs (rules in keyperm.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "check_spec.h"
#include "cli.h"
#include "keyperm.h"

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

int check_key_from_argv(int argc, char **argv, void **spec, struct check_cli *cli, struct rw_err *e)
{
	struct key_spec *s = calloc(1, sizeof(*s));
	const char *policy = NULL;
	int c, n_keys;
	struct cliopt_parser p;
	struct buf target;
	char **keys;

	if ((*spec = s) == NULL)
		return err_set(e, RW_EXIT_FAILURE, "check key: out of memory");
	cliopt_init(&p, "check key", opts, argc, argv);
	while ((c = cliopt_next(&p)) >= 0) {
		switch (c) {
		case O_POLICY:
			policy = p.arg;
			break;
		case O_USER:
			s->ko.service_user = p.arg;
			break;
		case O_FOLLOW:
			s->ko.follow = 1;
			break;
		case O_JSON:
			cli->json = 1;
			break;
		case O_METRICS:
			cli->metrics = p.arg;
			break;
		}
	}
	if (c != CLIOPT_DONE)
		return CHECK_ARGV_USAGE;
	keys = cliopt_operands(&p, &n_keys); /* the parser's array: copied, it ends here */
	if (n_keys > 0 && (s->paths_owned = calloc((size_t)n_keys, sizeof(char *))) == NULL)
		return err_set(e, RW_EXIT_FAILURE, "check key: out of memory");
	for (int i = 0; i < n_keys; i++)
		s->paths_owned[i] = keys[i];
	s->paths = s->paths_owned;
	s->n_paths = (size_t)n_keys;
	if (policy == NULL)
		return cli_usage_error("check", CHECK_ARGV_USAGE,
		                       "key: give --policy mssql|postgresql|mysql|strict");
	if (keyperm_policy_parse(policy, &s->ko.policy) < 0)
		return cli_usage_error(
		        "check", CHECK_ARGV_USAGE,
		        "key: --policy: '%s' is not mssql, postgresql, mysql or strict", policy);
	if (n_keys == 0)
		return cli_usage_error("check", CHECK_ARGV_USAGE, "key: give the key file's path");
	/* The metrics target: the key paths as given, joined with ",". */
	buf_init(&target, 0);
	for (int i = 0; i < n_keys; i++)
		if ((i && buf_puts(&target, ",") < 0) || buf_puts(&target, s->paths[i]) < 0) {
			buf_free(&target);
			return err_set(e, RW_EXIT_FAILURE, "check key: out of memory");
		}
	cli->target = target.data; /* the buffer's string, now the caller's */
	return 0;
}
