/* cmd_check_sqlserver.c - "rootwarden check sqlserver": does a certificate, its key and mssql.conf
 * meet SQL Server's requirements (rules in sqlcert.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_spec.h"
#include "cli.h"
#include "date.h"
#include "mssql_conf.h"

static const char synopsis[] =
        "rootwarden check sqlserver --cert FILE [--key FILE] --host FQDN [--host NAME]... "
        "[options]\n"
        "rootwarden check sqlserver [--mssql-conf PATH] [--host FQDN]... [options]\n"
        "\n"
        "Checks a certificate against SQL Server's requirements before the server is restarted:\n"
        "validity, Server Authentication EKU, key usage, host names, key strength, signature\n"
        "hash, the private key, the chain to a trusted root, the key file's owner and mode\n"
        "(mssql policy) and, from mssql.conf, forceencryption and tlsprotocols.\n";

enum {
	O_CERT,
	O_KEY,
	O_PASS,
	O_HOST,
	O_CONF,
	O_BUNDLE,
	O_AT,
	O_WARN,
	O_USER,
	O_NOPERM,
	O_JSON,
	O_METRICS
};
static const struct cliopt opts[] = {
        [O_CERT] = {"cert", 0, "FILE",
                    "the certificate: PEM or DER (then its intermediates) or PKCS#12", 0},
        [O_KEY] = {"key", 0, "FILE",
                   "its private key (default: mssql.conf's tlskey, or in the PKCS#12)", 0},
        [O_PASS] = {"password-file", 0, "F", "the PKCS#12 password, on the first line of F", 0},
        [O_HOST] = {"host", 0, "NAME", "a name clients connect to (repeatable; each must match)",
                    1},
        [O_CONF] = {"mssql-conf", 0, "PATH",
                    "read tlscert, tlskey, tlsprotocols, forceencryption from PATH\n"
                    "(default " MSSQL_CONF_DEFAULT_PATH " when --cert is not given)",
                    0},
        [O_BUNDLE] = {"bundle", 0, "PATH",
                      "trust anchors (PEM file or directory; default: the system store)", 0},
        [O_AT] = {"at", 0, "YYYY-MM-DD", "check validity at 00:00 UTC of this day (default: now)",
                  0},
        [O_WARN] = {"warn-days", 0, "N",
                    "WARN when the certificate expires within N days (default 30)", 0},
        [O_USER] = {"service-user", 'u', "NAME",
                    "the owner the key file must have (default: mssql)", 0},
        [O_NOPERM] = {"no-key-perms", 0, NULL,
                      "skip the key file's owner, mode, ACL and directory rules", 0},
        [O_JSON] = {"json", 0, NULL, "JSON output", 0},
        [O_METRICS] = {"metrics-file", 0, "PATH",
                       "also write rootwarden_check_status to a Prometheus text file\n"
                       "(atomically; labels check=\"sqlserver\" and target=the --cert\n"
                       "FILE, else the mssql.conf path)",
                       0},
        {NULL, 0, NULL, NULL, 0},
};

static const char footer[] =
        "Exit status: 0 all pass, 1 a WARN, 2 a FAIL, 3 could not check (missing or unreadable\n"
        "file, bad password, usage error, the metrics file cannot be written).\n";

const struct cmd_help check_sqlserver_help = {synopsis, opts, footer, NULL};

int check_sqlserver_from_argv(int argc, char **argv, void **spec, struct check_cli *cli,
                              struct rw_err *e)
{
	struct sqlserver_spec *s = calloc(1, sizeof(*s));
	struct strvec hosts = {0};
	int32_t day;
	int c, n;
	struct cliopt_parser p;

	if ((*spec = s) == NULL)
		return err_set(e, RW_EXIT_FAILURE, "check sqlserver: out of memory");
	s->check_key_perms = 1;
	cliopt_init(&p, "check sqlserver", opts, argc, argv);
	while ((c = cliopt_next(&p)) >= 0) {
		switch (c) {
		case O_CERT:
			s->cert = p.arg;
			break;
		case O_KEY:
			s->key = p.arg;
			break;
		case O_PASS:
			s->password_file = p.arg;
			break;
		case O_HOST:
			if (strvec_push(&hosts, p.arg) < 0) /* hosts.v stays the spec's */
				return err_set(e, RW_EXIT_FAILURE,
				               "check sqlserver: out of memory");
			s->hosts_owned = hosts.v; /* freed with the spec from here on */
			break;
		case O_CONF:
			s->mssql_conf = p.arg;
			break;
		case O_BUNDLE:
			s->bundle = p.arg;
			break;
		case O_AT:
			if (date_parse(p.arg, &day) < 0)
				return cli_usage_error(
				        "check", CHECK_ARGV_USAGE,
				        "sqlserver: --at: '%s' is not a date (YYYY-MM-DD)", p.arg);
			s->at = date_start(day);
			break;
		case O_WARN:
			if (cli_opt_int("check", CHECK_ARGV_USAGE, "sqlserver: --warn-days", p.arg,
			                1, 3650, &s->warn_days) < 0)
				return CHECK_ARGV_USAGE;
			break;
		case O_USER:
			s->service_user = p.arg;
			break;
		case O_NOPERM:
			s->check_key_perms = 0;
			break;
		case O_JSON:
			cli->json = 1;
			break;
		case O_METRICS:
			cli->metrics = p.arg;
			break;
		}
	}
	s->hosts = hosts.v;
	s->n_hosts = hosts.n;
	if (c != CLIOPT_DONE)
		return CHECK_ARGV_USAGE;
	(void)cliopt_operands(&p, &n);
	if (n > 0)
		return cli_usage_error(
		        "check", CHECK_ARGV_USAGE,
		        "sqlserver: unexpected argument (an operand this command does "
		        "not take; not shown, it may be a secret)");
	if (s->cert == NULL && s->mssql_conf == NULL)
		s->mssql_conf = MSSQL_CONF_DEFAULT_PATH;
	/* The series is named by what the command line names (stable from run to run): the
	 * certificate given, else the mssql.conf read. */
	if ((cli->target = strdup(s->cert ? s->cert : s->mssql_conf)) == NULL)
		return err_set(e, RW_EXIT_FAILURE, "check sqlserver: out of memory");
	return 0;
}
