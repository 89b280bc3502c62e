/* cmd_check.c - "rootwarden check KIND": a table of checks, one front end each
 * (cmd_check_<kind>.c). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cli.h"

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
		return k->main(argc - 1, argv + 1);
	}
	return cli_usage_error("check", RW_CHECK_UNKNOWN, "unknown check '%s' (kinds: %s)", argv[1],
	                       kind_names());
}
