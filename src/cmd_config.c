/* cmd_config.c - "rootwarden config check": validate and print the effective configuration. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "target.h"

const char cmd_config_usage[] =
        "rootwarden config check [--config PATH | --default-config] [--roots-dir DIR] [--quiet]\n"
        "\n"
        "Validates the configuration (unknown keys, wrong types, duplicate names, relative paths,\n"
        "unknown formats and profiles are errors naming file:line) and prints the effective\n"
        "configuration, every default filled in, on standard output.\n"
        "\n"
        "  --config PATH      the configuration (default: " CONFIG_DEFAULT_PATH ")\n"
        "  --default-config   the embedded default that 'sync --default-config' uses\n"
        "  --roots-dir DIR    the catalog to check profile names against\n"
        "  --quiet            print nothing; only the exit status (0 valid, 3 invalid)\n";

int cmd_config(int argc, char **argv)
{
	enum { O_CONFIG = 256, O_DEFAULT, O_ROOTS };
	static const struct option opts[] = {
	        {"config", required_argument, NULL, O_CONFIG},
	        {"default-config", no_argument, NULL, O_DEFAULT},
	        {"roots-dir", required_argument, NULL, O_ROOTS},
	        {"quiet", no_argument, NULL, 'q'},
	        {NULL, 0, NULL, 0},
	};
	const char *path = NULL, *roots = NULL;
	int use_default = 0, quiet = 0, c, rc;
	struct config *cfg = NULL;
	struct targets *t = NULL;
	struct rw_err e = {{0}, 0};

	if (argc < 2 || strcmp(argv[1], "check") != 0)
		return cli_usage_error("config", RW_EXIT_USAGE, "expected 'check'");
	argc--;
	argv++;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":q", opts, NULL)) != -1) {
		switch (c) {
		case O_CONFIG:
			path = optarg;
			break;
		case O_DEFAULT:
			use_default = 1;
			break;
		case O_ROOTS:
			roots = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case ':':
			return cli_usage_error("config", RW_EXIT_USAGE, "%s needs a value",
			                       argv[optind - 1]);
		default:
			return cli_usage_error("config", RW_EXIT_USAGE, "unknown option '%s'",
			                       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("config", RW_EXIT_USAGE, "unexpected argument '%s'",
		                       argv[optind]);
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
