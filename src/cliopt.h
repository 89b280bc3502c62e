/*
 * cliopt.h - command-line options from one table per command: the parser, the option list of
 * --help and of the man page (tests/integration/test_manpage.sh checks the page against the
 * help the tables produce), and the shell completion all come from the same rows.
 *
 * Contract:
 * - A table is an array of struct cliopt ended by a row with name NULL. A command keeps an enum
 *   in the same order, so the index cliopt_next() returns names the option.
 * - cliopt_next() walks argv (argv[0] is the command's own name) like getopt_long: it returns the
 *   row index of the next option (its value, for a row with a metavar, in p->arg), CLIOPT_DONE
 *   when only operands are left (from p->optind), CLIOPT_HELP for --help / -h (whatever the
 *   table), or CLIOPT_ERROR after printing the usage error "rootwarden CMD: ... (see 'rootwarden
 *   help CMD')". An option with a value given twice is such an error unless its row is
 *   repeatable (which of two --output values would win is not a guess to make for the user).
 * Operands and options may be mixed; "--" ends the options. A message names an option, never its
 * value nor an operand (either may be a secret given by mistake).
 * - cliopt_help() appends the option list: one entry per row, "  -x, --name METAVAR  help", the
 *   help wrapped at the column of the first line; help text may hold '\n' for a new line.
 * - Short options are one letter with one meaning across every command (a unit test walks every
 *   table); none is hidden: each is a row, so it is in --help and in the man page (which
 *   test_manpage.sh checks section by section). The two that are no row, -h (--help, in every
 *   command) and -V (rootwarden --version), are in the overview's usage line and the man page.
 */
#ifndef RW_CLIOPT_H
#define RW_CLIOPT_H

#include "buf.h"

struct cliopt {
	const char *name;    /* long name, without "--" */
	char short_name;     /* 0: none */
	const char *metavar; /* the value's name ("PATH"); NULL: a flag */
	const char *help;
	int repeatable; /* may be given more than once (its values accumulate) */
};

enum { CLIOPT_DONE = -1, CLIOPT_HELP = -2, CLIOPT_ERROR = -3 };

struct cliopt_parser {
	const char *cmd; /* for messages: "sync", "check key" */
	const struct cliopt *opts;
	int optind; /* next argv element; after CLIOPT_DONE the first operand */
	const char *arg;
	unsigned long long seen; /* rows (below 64) with a value already given */
	/* the operands seen so far, in order (argv is not reordered); at most 256 */
	char **argv;
	int argc;
	int n_operands;
	char *operands[256];
};

void cliopt_init(struct cliopt_parser *p, const char *cmd, const struct cliopt *opts, int argc,
                 char **argv);
int cliopt_next(struct cliopt_parser *p);
/* The operands (argv elements that are not options), in order; valid after CLIOPT_DONE. */
char **cliopt_operands(struct cliopt_parser *p, int *n);
int cliopt_help(struct buf *out, const struct cliopt *opts);

#endif
