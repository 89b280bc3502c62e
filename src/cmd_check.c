/* cmd_check.c - "rootwarden check KIND": the table of check kinds (check.h) on the command line,
 * and the one front end of the kinds that run from a spec (cmd_check_run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli.h"
#include "cmd_check_report.h"

/* Each kind's first usage line and summary, from the table. */
static int kinds_text(struct buf *out)
{
	for (const struct check_kind *k = check_kinds(); k->name; k++) {
		const char *nl = strchr(k->help->synopsis, '\n');

		buf_printf(out, "%s%.*s\n", k == check_kinds() ? "" : "       ",
		           nl ? (int)(nl - k->help->synopsis) : (int)strlen(k->help->synopsis),
		           k->help->synopsis);
	}
	buf_puts(out, "\n");
	for (const struct check_kind *k = check_kinds(); k->name; k++)
		buf_printf(out, "  %-10s %s\n", k->name, k->summary);
	return 0;
}

static const char footer[] = "Exit status as a monitoring plugin: 0 OK, 1 WARNING, 2 CRITICAL, 3 "
                             "UNKNOWN.\n"
                             "Run 'rootwarden check KIND --help' for a check's options.\n";

const struct cmd_help cmd_check_help = {"", NULL, footer, kinds_text};

static const char *kind_names(void)
{
	static char names[256];

	names[0] = '\0';
	for (const struct check_kind *k = check_kinds(); k->name; k++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
		         names[0] ? ", " : "", k->name);
	return names;
}

/* A kind with from_argv: its spec from the command line, the same run() as sync's, the report
 * and the metrics file. argv starts at the kind's name. */
static int cmd_check_run(const struct check_kind *k, int argc, char **argv)
{
	struct check_cli cli = {0, NULL, NULL};
	struct findings f;
	struct rw_err e = {{0}, 0};
	void *spec = NULL;
	int got, rc = RW_CHECK_UNKNOWN;

	findings_init(&f);
	got = k->from_argv(argc, argv, &spec, &cli, &e);
	if (got == CHECK_ARGV_USAGE)
		goto out;
	if (got == 0 && k->run(spec, &f, &e) < 0)
		got = -1;
	/* a check that could not run is exported as UNKNOWN too (not a usage error), so a monitor
	 * sees it; without a target (out of memory) nothing is exported */
	rc = check_report_metrics(&f, k->name, cli.json, got < 0 ? &e : NULL,
	                          cli.target ? cli.metrics : NULL, cli.target);
out:
	if (spec)
		k->free(spec);
	free(cli.target);
	findings_free(&f);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("check", RW_CHECK_UNKNOWN, "give a kind: %s", kind_names());
	for (const struct check_kind *k = check_kinds(); k->name; k++) {
		if (strcmp(k->name, argv[1]) != 0)
			continue;
		for (int i = 2; i < argc; i++)
			if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
				cli_print_help(k->help, stdout);
				return RW_CHECK_OK;
			}
		return k->from_argv ? cmd_check_run(k, argc - 1, argv + 1)
		                    : k->main(argc - 1, argv + 1);
	}
	return cli_usage_error("check", RW_CHECK_UNKNOWN, "unknown check '%s' (kinds: %s)", argv[1],
	                       kind_names());
}
