/* cmd_config.c - "rootwarden config check": validate and print the effective configuration. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "jsonout.h"
#include "target.h"

static const char synopsis[] =
        "rootwarden config check [--config PATH | --default-config] [--roots-dir DIR] [--quiet]\n"
        "                        [--json]\n"
        "\n"
        "Validates the configuration exactly as sync loads it (unknown keys, wrong types,\n"
        "duplicate names, relative paths, unknown formats and profiles, root files that are not\n"
        "a pinned root, check settings, two bundles writing one file, outputs inside state_dir\n"
        "are errors naming file:line) and prints the effective configuration, every default\n"
        "filled in, on standard output.\n";

enum { O_CONFIG, O_DEFAULT, O_ROOTS, O_QUIET, O_JSON };
static const struct cliopt opts[] = {
        [O_CONFIG] = {"config", 'c', "PATH",
                      "the configuration (default: " CONFIG_DEFAULT_PATH_HELP ")", 0},
        [O_DEFAULT] = {"default-config", 0, NULL,
                       "the embedded default that 'sync --default-config' uses", 0},
        [O_ROOTS] = {"roots-dir", 0, "DIR", "the catalog to check profile names against", 0},
        [O_QUIET] = {"quiet", 'q', NULL, "print nothing; only the exit status (0 valid, 3 invalid)",
                     0},
        [O_JSON] = {"json", 0, NULL,
                    "print one JSON report instead: valid or the error (file:line), and\n"
                    "the bundles and checks the configuration resolves to",
                    0},
        {NULL, 0, NULL, NULL, 0},
};

const struct cmd_help cmd_config_help = {synopsis, opts, NULL, NULL};

static json_t *strs(const char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* What the configuration resolves to, as data (never a password, never a hook's arguments:
 * only the program each hook runs). */
static void resolved_json(json_t *doc, const struct config *cfg, const struct targets *t)
{
	json_t *bundles = json_array(), *checks = json_array();

	json_object_set_new(doc, "state_dir", jsonout_str(t->state_dir));
	json_object_set_new(doc, "hooks_dir", jsonout_str(cfg->hooks_dir));
	json_object_set_new(doc, "metrics_file", jsonout_str(t->metrics_file));
	json_object_set_new(doc, "catalog",
	                    json_pack("{s:I, s:o, s:o, s:s}", "version",
	                              (json_int_t)t->cat->version, "date",
	                              jsonout_day(t->cat->date), "path", jsonout_str(t->cat->path),
	                              "source", t->catalog_from_channel ? "channel" : "shipped"));
	for (size_t i = 0; i < t->n_bundles; i++) {
		const struct target_bundle *b = &t->bundles[i];
		json_t *hooks = json_array(), *o;
		char mode[8];

		for (size_t k = 0; k < b->n_hooks; k++)
			json_array_append_new(hooks, json_string(b->hooks[k].argv[0]));
		snprintf(mode, sizeof(mode), "%04o", (unsigned)(b->save.mode & 07777));
		o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:o}", "name", b->name,
		              "path", b->given_path ? b->given_path : b->path, "format",
		              b->format->name, "profiles",
		              strs((const char *const *)b->profiles, b->n_profiles), "roots",
		              jsonout_catalog_roots(t->cat, b->roots, b->n_roots), "include",
		              strs(b->includes, b->n_includes), "exclude",
		              strs(b->excludes, b->n_excludes), "mode", mode, "hooks", hooks,
		              "line", b->line > 0 ? json_integer(b->line) : json_null());
		json_array_append_new(bundles, o);
	}
	for (size_t i = 0; i < t->n_checks; i++)
		json_array_append_new(
		        checks, json_pack("{s:s, s:s, s:i}", "name", t->checks[i].name, "kind",
		                          t->checks[i].kind->name, "line", t->checks[i].line));
	json_object_set_new(doc, "bundles", bundles);
	json_object_set_new(doc, "checks", checks);
}

int cmd_config(int argc, char **argv)
{
	struct cliopt_parser p;
	int n;
	const char *path = NULL, *roots = NULL;
	int use_default = 0, quiet = 0, json = 0, c, rc;
	json_t *doc = NULL;
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
		case O_JSON:
			json = 1;
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
	if (json) {
		doc = jsonout_new("config-check");
		json_object_set_new(doc, "config",
		                    use_default ? json_null()
		                                : json_string(path ? path : CONFIG_DEFAULT_PATH));
		json_object_set_new(doc, "default_config", json_boolean(use_default));
		json_object_set_new(doc, "valid", json_false());
	}
	rc = use_default ? config_load_default(&cfg, &e)
	                 : config_load(path ? path : CONFIG_DEFAULT_PATH, &cfg, &e);
	/* The same model sync builds at load: what it refuses, this refuses. */
	if (rc < 0 ||
	    targets_build(cfg, cli_roots_dir(roots ? roots : cfg->roots_dir), &t, &e) < 0) {
		rc = cli_fail(&e);
		if (doc) /* the error names file:line */
			jsonout_set_exit(doc, rc, e.msg);
		goto out;
	}
	rc = RW_EXIT_OK;
	if (doc) {
		json_object_set_new(doc, "valid", json_true());
		resolved_json(doc, cfg, t);
	} else if (!quiet) {
		config_print(cfg, stdout);
	}
out:
	if (doc && jsonout_print(doc, stdout) < 0) {
		fprintf(stderr, "rootwarden: out of memory\n");
		rc = RW_EXIT_FAILURE;
	}
	targets_free(t);
	config_free(cfg);
	return rc;
}
