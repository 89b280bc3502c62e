/* cmd_config.c - "rootwarden config check": validate and print the effective configuration. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "target.h"

static const char synopsis[] =
        "rootwarden config check [--config PATH | --default-config] [--roots-dir DIR] [--quiet]\n"
        "\n"
        "Validates the configuration exactly as sync loads it (unknown keys, wrong types,\n"
        "duplicate names, relative paths, unknown formats and profiles, root files that are not\n"
        "a pinned root, check settings, two bundles writing one file, outputs inside state_dir\n"
        "are errors naming file:line) and prints the effective configuration, every default\n"
        "filled in, on standard output.\n";

enum { O_CONFIG, O_DEFAULT, O_ROOTS, O_QUIET };
static const struct cliopt opts[] = {
        [O_CONFIG] = {"config", 'c', "PATH",
                      "the configuration (default: " CONFIG_DEFAULT_PATH_HELP ")"},
        [O_DEFAULT] = {"default-config", 0, NULL,
                       "the embedded default that 'sync --default-config' uses"},
        [O_ROOTS] = {"roots-dir", 0, "DIR", "the catalog to check profile names against"},
        [O_QUIET] = {"quiet", 'q', NULL,
                     "print nothing; only the exit status (0 valid, 3 invalid)"},
        {NULL, 0, NULL, NULL},
};

const struct cmd_help cmd_config_help = {synopsis, opts, NULL, NULL};

int cmd_config(int argc, char **argv)
{
	struct cliopt_parser p;
	int n;
	const char *path = NULL, *roots = NULL;
	int use_default = 0, quiet = 0, c, rc;
	struct config *cfg = NULL;
	struct targets *t = NULL;
	struct rw_err e = {{0}, 0};

	if (argc < 2 || strcmp(argv[1], "check") != 0)
		return cli_usage_error("config", RW_EXIT_USAGE, "expected 'check'");
	argc--;
	argv++;
	cliopt_init(&p, "config", opts, argc, argv);
	while ((c = cliopt_next(&p)) >= 0) {
		switch (c) {
		case O_CONFIG:
			path = p.arg;
			break;
		case O_DEFAULT:
			use_default = 1;
			break;
		case O_ROOTS:
			roots = p.arg;
			break;
		case O_QUIET:
			quiet = 1;
			break;
		}
	}
	if (c != CLIOPT_DONE)
		return RW_EXIT_USAGE;
	(void)cliopt_operands(&p, &n);
	if (n > 0)
		return cli_usage_error("config", RW_EXIT_USAGE,
		                       "unexpected argument (an operand this command does not "
		                       "take; not shown, it may be a secret)");
	if (path && use_default)
		return cli_usage_error("config", RW_EXIT_USAGE,
		                       "--config and --default-config exclude each other");
	rc = use_default ? config_load_default(&cfg, &e)
	                 : config_load(path ? path : CONFIG_DEFAULT_PATH, &cfg, &e);
	/* The same model sync builds at load: what it refuses, this refuses. */
	if (rc < 0 ||
	    targets_build(cfg, cli_roots_dir(roots ? roots : cfg->roots_dir), &t, &e) < 0) {
		rc = cli_fail(&e);
		goto out;
	}
	if (!quiet)
		config_print(cfg, stdout);
	rc = RW_EXIT_OK;
out:
	targets_free(t);
	config_free(cfg);
	return rc;
}
