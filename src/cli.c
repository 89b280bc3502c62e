#include "cli.h"

#include "date.h"
#include "jsonout.h"
#include "paths.h"

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { H_COMPLETION };
static const struct cliopt help_opts[] = {
        [H_COMPLETION] = {"completion", 0, "SHELL",
                          "print the shell completion made from the program's tables: bash,\n"
                          "zsh, or words (the same facts one per line, for scripts)",
                          0},
        {NULL, 0, NULL, NULL, 0},
};
static const struct cmd_help help_help = {"rootwarden help [COMMAND]\n"
                                          "       rootwarden help --completion bash|zsh|words\n",
                                          help_opts, NULL, NULL};
enum { V_JSON, V_ROOTS };
static const struct cliopt version_opts[] = {
        [V_JSON] = {"json", 0, NULL,
                    "print one JSON document: the version, GnuTLS's version and the\n"
                    "catalog's version and date",
                    0},
        [V_ROOTS] = {"roots-dir", 0, "DIR",
                     "the catalog whose version to print (default: the installed roots)", 0},
        {NULL, 0, NULL, NULL, 0},
};
static const struct cmd_help version_help = {"rootwarden version [--json] [--roots-dir DIR]\n",
                                             version_opts, NULL, NULL};

static const struct command commands[] = {
        {"sync", cmd_sync, "fetch and verify roots, rewrite the bundles that changed, run hooks",
         &cmd_sync_help},
        {"bundle", cmd_bundle, "write the trust bundle of service profiles at a date (offline)",
         &cmd_bundle_help},
        {"rotation", cmd_rotation, "show coming root rotations and whether bundles are ready",
         &cmd_rotation_help},
        {"check", cmd_check,
         "check a bundle, a SQL Server certificate, a private key file or an Entra ID token",
         &cmd_check_help},
        {"probe", cmd_probe, "what a live database server presents over TLS; do bundles accept it",
         &cmd_probe_help},
        {"roots", cmd_roots, "list or show the roots of the catalog", &cmd_roots_help},
        {"catalog", cmd_catalog, "sign, verify or compare catalog archives (signed updates)",
         &cmd_catalog_help},
        {"config", cmd_config, "validate and print the configuration", &cmd_config_help},
        {"help", cmd_help, "show help for rootwarden or for one command", &help_help},
        {"version", cmd_version, "print the version", &version_help},
        {NULL, NULL, NULL, NULL},
};

static const char exit_help[] =
        "Exit status (sync, bundle, roots, config):\n"
        "  0  success (sync: nothing needed changing)\n"
        "  1  failure: an output could not be written, a hook failed\n"
        "  2  usage error\n"
        "  3  bad input: catalog, configuration, certificate, pin, profile, include\n"
        "  4  sync: another sync holds the lock\n"
        "  5  sync: success, at least one bundle was updated\n"
        "  6  sync: degraded: bundles are correct, but a fetch failed, a root was quarantined\n"
        "     or a configured check did not pass\n"
        "Exit status (rotation, check, probe): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n";

const struct command *cli_commands(void)
{
	return commands;
}

const struct command *cli_find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int cli_usage_error(const char *cmd, int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rootwarden %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'rootwarden help %s')\n", cmd);
	return status;
}

int cli_opt_date(const char *cmd, int status, const char *opt, const char *arg, int32_t *day)
{
	if (date_parse(arg, day) == 0)
		return 0;
	cli_usage_error(cmd, status, "%s: '%s' is not a date (YYYY-MM-DD)", opt, arg);
	return -1;
}

int cli_opt_int(const char *cmd, int status, const char *opt, const char *arg, long min, long max,
                int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*arg != '\0' && *end == '\0' && v >= min && v <= max) {
		*out = (int)v;
		return 0;
	}
	cli_usage_error(cmd, status, "%s: '%s' is not %ld..%ld", opt, arg, min, max);
	return -1;
}

int cli_help_text(const struct cmd_help *h, struct buf *out)
{
	buf_puts(out, h->synopsis);
	if (h->body && h->body(out) < 0)
		return -1;
	if (h->options && h->options[0].name) {
		buf_puts(out, "\n");
		if (cliopt_help(out, h->options) < 0)
			return -1;
	}
	if (h->footer) {
		buf_puts(out, "\n");
		buf_puts(out, h->footer);
	}
	return 0;
}

int cli_print_help(const struct cmd_help *h, FILE *fp)
{
	struct buf b;
	int rc;

	buf_init(&b, 0);
	rc = cli_help_text(h, &b);
	if (rc == 0 && b.len)
		fwrite(b.data, 1, b.len, fp);
	buf_free(&b);
	return rc;
}

int cli_fail(const struct rw_err *e)
{
	fprintf(stderr, "rootwarden: %s\n", e->msg[0] ? e->msg : "failed");
	return e->status ? e->status : RW_EXIT_FAILURE;
}

const char *cli_roots_dir(const char *option)
{
	static char exe[PATH_MAX];
	const char *env = getenv("ROOTWARDEN_ROOTS_DIR");
	ssize_t n;
	char *slash;

	if (option != NULL)
		return option;
	if (env != NULL && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			if (strcmp(exe, RW_BUILD_DIR) == 0)
				return RW_ROOTS_SOURCE_DIR;
		}
	}
	return paths_roots_dir();
}

int cli_load_catalog(const char *option, struct catalog **out, struct rw_err *e)
{
	return catalog_load(cli_roots_dir(option), out, e);
}

int strvec_push(struct strvec *sv, const char *s)
{
	if (sv->n + 1 >= sv->cap) {
		size_t ncap = sv->cap ? sv->cap * 2 : 8;
		const char **nv = realloc(sv->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		sv->v = nv;
		sv->cap = ncap;
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
	return 0;
}

void strvec_free(struct strvec *sv)
{
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

static void print_overview(FILE *fp)
{
	fprintf(fp, "usage: rootwarden [-h | --help] [-V | --version] COMMAND [ARGS]\n\n"
	            "Keeps the CA roots and trust bundles of database clients current.\n\n"
	            "Commands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(fp, "  %-10s %s\n", c->name, c->summary);
	fprintf(fp,
	        "\nRun 'rootwarden help COMMAND' (or 'rootwarden COMMAND -h') for a command's "
	        "options.\n\n%s",
	        exit_help);
}

int cmd_help(int argc, char **argv)
{
	const struct command *c;
	struct cliopt_parser p;
	const char *shell = NULL;
	char **ops;
	int o, n;

	cliopt_init(&p, "help", help_opts, argc, argv);
	while ((o = cliopt_next(&p)) >= 0)
		if (o == H_COMPLETION)
			shell = p.arg;
	if (o == CLIOPT_HELP) {
		printf("help - show help for rootwarden or for one command\n\nusage: ");
		cli_print_help(&help_help, stdout);
		return RW_EXIT_OK;
	}
	if (o != CLIOPT_DONE)
		return RW_EXIT_USAGE;
	ops = cliopt_operands(&p, &n);
	if (n > 1 || (shell && n > 0))
		return cli_usage_error("help", RW_EXIT_USAGE, "unexpected argument");
	if (shell) {
		char *cv[] = {"--completion", (char *)shell, NULL};

		return cmd_help_completion(2, cv);
	}
	if (n == 0) {
		print_overview(stdout);
		return RW_EXIT_OK;
	}
	c = cli_find(ops[0]);
	if (c == NULL)
		return cli_usage_error("help", RW_EXIT_USAGE, "unknown command '%s'", ops[0]);
	printf("%s - %s\n\nusage: ", c->name, c->summary);
	cli_print_help(c->help, stdout);
	return RW_EXIT_OK;
}

int cmd_version(int argc, char **argv)
{
	struct cliopt_parser p;
	const char *roots = NULL;
	struct catalog *cat = NULL;
	struct rw_err e = {{0}, 0};
	json_t *doc, *jc;
	int c, n, json = 0;

	cliopt_init(&p, "version", version_opts, argc, argv);
	while ((c = cliopt_next(&p)) >= 0) {
		if (c == V_JSON)
			json = 1;
		else if (c == V_ROOTS)
			roots = p.arg;
	}
	if (c != CLIOPT_DONE)
		return RW_EXIT_USAGE;
	(void)cliopt_operands(&p, &n);
	if (n > 0)
		return cli_usage_error("version", RW_EXIT_USAGE, "unexpected argument");
	if (!json) {
		printf("rootwarden %s (GnuTLS %s)\n", RW_VERSION, gnutls_check_version(NULL));
		return RW_EXIT_OK;
	}
	/* The catalog is information here, not input: one that cannot be read is null. */
	if (cli_load_catalog(roots, &cat, &e) == 0)
		jc = json_pack("{s:I, s:o, s:s}", "version", (json_int_t)cat->version, "date",
		               jsonout_day(cat->date), "path", cat->path);
	else
		jc = json_null();
	catalog_free(cat);
	doc = jsonout_new("version");
	json_object_set_new(doc, "version", json_string(RW_VERSION));
	json_object_set_new(doc, "gnutls", json_string(gnutls_check_version(NULL)));
	json_object_set_new(doc, "catalog", jc);
	return jsonout_print(doc, stdout) < 0 ? RW_EXIT_FAILURE : RW_EXIT_OK;
}

int cli_main(int argc, char **argv)
{
	const struct command *c;
	const char *name;

	/* A file-size limit (ulimit -f, RLIMIT_FSIZE) must be an error of the write that hit it
	 * ("File too large"), not a silent death by SIGXFSZ that leaves a temp file behind. */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2) {
		print_overview(stderr);
		return RW_EXIT_USAGE;
	}
	name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		return cmd_help(1, argv);
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
		return cmd_version(1, argv);
	{
		const char *now = getenv("ROOTWARDEN_NOW");
		int32_t day;

		/* A rehearsal must not silently run for the real today. */
		if (now != NULL && date_parse(now, &day) < 0) {
			fprintf(stderr,
			        "rootwarden: ROOTWARDEN_NOW: '%s' is not a date (YYYY-MM-DD)\n",
			        now);
			return RW_EXIT_INPUT; /* 3, also UNKNOWN for the monitoring commands */
		}
	}
	c = cli_find(name);
	if (c == NULL) {
		fprintf(stderr, "rootwarden: unknown command '%s' (see 'rootwarden --help')\n",
		        name);
		return RW_EXIT_USAGE;
	}
	/* "rootwarden CMD ... --help"; "check KIND --help" is the check family's own. */
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") != 0 && strcmp(argv[i], "-h") != 0)
			continue;
		if (c->run == cmd_check && i > 2)
			break;
		char *hv[] = {"help", (char *)c->name, NULL};

		return cmd_help(2, hv);
	}
	return c->run(argc - 1, argv + 1);
}
