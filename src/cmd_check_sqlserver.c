/* cmd_check_sqlserver.c - "rootwarden check sqlserver": does a certificate, its key and mssql.conf
 * meet SQL Server's requirements (rules in sqlcert.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cmd_check_report.h"
#include "cli.h"
#include "date.h"
#include "metrics.h"
#include "mssql_conf.h"
#include "sqlcert.h"

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

int check_sqlserver_main(int argc, char **argv)
{
	struct sqlcert_opts so = {.check_key_perms = 1};
	struct strvec hosts = {0};
	struct mssql_conf *conf = NULL;
	struct findings f;
	struct rw_err e = {0};
	const char *conf_path = NULL, *metrics = NULL;
	int c, json = 0, rc = RW_CHECK_UNKNOWN;
	const char *target;
	int32_t day;
	char *end;
	struct cliopt_parser p;
	int n;

	findings_init(&f);
	cliopt_init(&p, "check sqlserver", opts, argc, argv);
	while ((c = cliopt_next(&p)) >= 0) {
		switch (c) {
		case O_CERT:
			so.cert_path = p.arg;
			break;
		case O_KEY:
			so.key_path = p.arg;
			break;
		case O_PASS:
			so.password_file = p.arg;
			break;
		case O_HOST:
			if (strvec_push(&hosts, p.arg) < 0) {
				fprintf(stderr, "rootwarden: out of memory\n");
				goto out;
			}
			break;
		case O_CONF:
			conf_path = p.arg;
			break;
		case O_BUNDLE:
			so.bundle = p.arg;
			break;
		case O_AT:
			if (date_parse(p.arg, &day) < 0) {
				rc = cli_usage_error(
				        "check", RW_CHECK_UNKNOWN,
				        "sqlserver: --at: '%s' is not a date (YYYY-MM-DD)", p.arg);
				goto out;
			}
			so.at = date_start(day);
			break;
		case O_WARN:
			so.warn_days = (int)strtol(p.arg, &end, 10);
			if (*p.arg == '\0' || *end != '\0' || so.warn_days < 1 ||
			    so.warn_days > 3650) {
				rc = cli_usage_error("check", RW_CHECK_UNKNOWN,
				                     "sqlserver: --warn-days: '%s' is not 1..3650",
				                     p.arg);
				goto out;
			}
			break;
		case O_USER:
			so.service_user = p.arg;
			break;
		case O_NOPERM:
			so.check_key_perms = 0;
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
		goto out;
	(void)cliopt_operands(&p, &n);
	if (n > 0) {
		rc = cli_usage_error("check", RW_CHECK_UNKNOWN,
		                     "sqlserver: unexpected argument (an operand this command does "
		                     "not take; not shown, it may be a secret)");
		goto out;
	}
	if (so.cert_path == NULL && conf_path == NULL)
		conf_path = MSSQL_CONF_DEFAULT_PATH;
	/* The series is named by what the command line names (stable from run to run): the
	 * certificate given, else the mssql.conf read. Written for UNKNOWN too (not for a usage
	 * error), so a monitor sees a check that could not run. */
	target = so.cert_path ? so.cert_path : conf_path;
	if (conf_path && mssql_conf_read(conf_path, &conf, &e) < 0) {
		rc = check_report_metrics(&f, "sqlserver", json, &e, metrics, target);
	} else {
		so.conf = conf;
		so.hosts = hosts.v;
		so.n_hosts = hosts.n;
		rc = check_report_metrics(&f, "sqlserver", json,
		                          sqlcert_check(&so, &f, &e) < 0 ? &e : NULL, metrics,
		                          target);
	}
out:
	findings_free(&f);
	mssql_conf_free(conf);
	strvec_free(&hosts);
	return rc;
}
