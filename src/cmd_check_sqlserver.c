/* cmd_check_sqlserver.c - "rootwarden check sqlserver": does a certificate, its key and mssql.conf
 * meet SQL Server's requirements (rules in sqlcert.h). */
#include <getopt.h>
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

const char check_sqlserver_usage[] =
        "rootwarden check sqlserver --cert FILE [--key FILE] --host FQDN [--host NAME]... "
        "[options]\n"
        "rootwarden check sqlserver [--mssql-conf PATH] [--host FQDN]... [options]\n"
        "\n"
        "Checks a certificate against SQL Server's requirements before the server is restarted:\n"
        "validity, Server Authentication EKU, key usage, host names, key strength, signature "
        "hash,\n"
        "the private key, the chain to a trusted root, the key file's owner and mode (mssql\n"
        "policy) and, from mssql.conf, forceencryption and tlsprotocols.\n"
        "\n"
        "  --cert FILE          the certificate: PEM or DER (then its intermediates) or PKCS#12\n"
        "  --key FILE           its private key (default: mssql.conf's tlskey, or in the PKCS#12)\n"
        "  --password-file F    the PKCS#12 password, on the first line of F\n"
        "  --host NAME          a name clients connect to (repeatable; each must match)\n"
        "  --mssql-conf PATH    read tlscert, tlskey, tlsprotocols, forceencryption from PATH\n"
        "                       (default " MSSQL_CONF_DEFAULT_PATH " when --cert is not given)\n"
        "  --bundle PATH        trust anchors (PEM file or directory; default: the system store)\n"
        "  --at YYYY-MM-DD      check validity at 00:00 UTC of this day (default: now)\n"
        "  --warn-days N        WARN when the certificate expires within N days (default 30)\n"
        "  --service-user NAME  the owner the key file must have (default: mssql)\n"
        "  --no-key-perms       skip the key file's owner, mode, ACL and directory rules\n"
        "  --json               JSON output\n"
        "  --metrics-file PATH  also write rootwarden_check_status to a Prometheus text file\n"
        "                       (atomically; labels check=\"sqlserver\" and target=the --cert\n"
        "                       FILE, else the mssql.conf path)\n"
        "\n"
        "Exit status: 0 all pass, 1 a WARN, 2 a FAIL, 3 could not check (missing or unreadable\n"
        "file, bad password, usage error, the metrics file cannot be written).\n";

int check_sqlserver_main(int argc, char **argv)
{
	enum {
		O_CERT = 256,
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
		O_METRICS,
		O_HELP
	};
	static const struct option opts[] = {
	        {"cert", required_argument, NULL, O_CERT},
	        {"key", required_argument, NULL, O_KEY},
	        {"password-file", required_argument, NULL, O_PASS},
	        {"host", required_argument, NULL, O_HOST},
	        {"mssql-conf", required_argument, NULL, O_CONF},
	        {"bundle", required_argument, NULL, O_BUNDLE},
	        {"at", required_argument, NULL, O_AT},
	        {"warn-days", required_argument, NULL, O_WARN},
	        {"service-user", required_argument, NULL, O_USER},
	        {"no-key-perms", no_argument, NULL, O_NOPERM},
	        {"json", no_argument, NULL, O_JSON},
	        {"metrics-file", required_argument, NULL, O_METRICS},
	        {"help", no_argument, NULL, O_HELP},
	        {NULL, 0, NULL, 0},
	};
	struct sqlcert_opts so = {.check_key_perms = 1};
	struct strvec hosts = {0};
	struct mssql_conf *conf = NULL;
	struct findings f;
	struct rw_err e = {0};
	const char *conf_path = NULL, *metrics = NULL;
	int c, json = 0, rc = RW_CHECK_UNKNOWN;
	int32_t day;
	char *end;

	findings_init(&f);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_CERT:
			so.cert_path = optarg;
			break;
		case O_KEY:
			so.key_path = optarg;
			break;
		case O_PASS:
			so.password_file = optarg;
			break;
		case O_HOST:
			if (strvec_push(&hosts, optarg) < 0) {
				fprintf(stderr, "rootwarden: out of memory\n");
				goto out;
			}
			break;
		case O_CONF:
			conf_path = optarg;
			break;
		case O_BUNDLE:
			so.bundle = optarg;
			break;
		case O_AT:
			if (date_parse(optarg, &day) < 0) {
				rc = cli_usage_error(
				        "check", RW_CHECK_UNKNOWN,
				        "sqlserver: --at: '%s' is not a date (YYYY-MM-DD)", optarg);
				goto out;
			}
			so.at = date_start(day);
			break;
		case O_WARN:
			so.warn_days = (int)strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || so.warn_days < 1 ||
			    so.warn_days > 3650) {
				rc = cli_usage_error("check", RW_CHECK_UNKNOWN,
				                     "sqlserver: --warn-days: '%s' is not 1..3650",
				                     optarg);
				goto out;
			}
			break;
		case O_USER:
			so.service_user = optarg;
			break;
		case O_NOPERM:
			so.check_key_perms = 0;
			break;
		case O_JSON:
			json = 1;
			break;
		case O_METRICS:
			metrics = optarg;
			break;
		case O_HELP:
			fputs(check_sqlserver_usage, stdout);
			rc = RW_CHECK_OK;
			goto out;
		case ':':
			rc = cli_usage_error("check", RW_CHECK_UNKNOWN,
			                     "sqlserver: %s needs a value", argv[optind - 1]);
			goto out;
		default:
			rc = cli_usage_error("check", RW_CHECK_UNKNOWN,
			                     "sqlserver: unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	if (optind < argc) {
		rc = cli_usage_error("check", RW_CHECK_UNKNOWN,
		                     "sqlserver: unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (so.cert_path == NULL && conf_path == NULL)
		conf_path = MSSQL_CONF_DEFAULT_PATH;
	if (conf_path && mssql_conf_read(conf_path, &conf, &e) < 0) {
		rc = check_report(&f, "sqlserver", json, &e);
	} else {
		so.conf = conf;
		so.hosts = hosts.v;
		so.n_hosts = hosts.n;
		if (sqlcert_check(&so, &f, &e) < 0)
			rc = check_report(&f, "sqlserver", json, &e);
		else
			rc = check_report(&f, "sqlserver", json, NULL);
	}
	/* The series is named by what the command line names (stable from run to run): the
	 * certificate given, else the mssql.conf read. Written for UNKNOWN too (not for a usage
	 * error), so a monitor sees a check that could not run. */
	if (metrics) {
		struct rw_err me = {0};

		if (metrics_write_check_status(metrics, "sqlserver",
		                               so.cert_path ? so.cert_path : conf_path, rc,
		                               &me) < 0) {
			cli_fail(&me);
			rc = RW_CHECK_UNKNOWN;
		}
	}
out:
	findings_free(&f);
	mssql_conf_free(conf);
	strvec_free(&hosts);
	return rc;
}
