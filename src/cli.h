/*
 * cli.h - the command-line front end: the subcommand table and what the subcommands share.
 *
 * Contract: cli_main() is all of main(). Each subcommand is a row { name, run, summary, usage } in
 * cli.c and a file cmd_<name>.c with its run function. A run function gets argv starting at its own
 * name, prints its own output, and returns an exit status (exitcode.h); it never calls exit().
 * Errors go to stderr as one line "rootwarden: <message>"; usage errors add the hint
 * "(see 'rootwarden help CMD')" and return RW_EXIT_USAGE (monitoring commands pass
 * RW_CHECK_UNKNOWN instead).
 */
#ifndef RW_CLI_H
#define RW_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <stdio.h>

#include "buf.h"
#include "catalog.h"
#include "cliopt.h"
#include "err.h"

/* What 'rootwarden help NAME' (and NAME --help) prints: the synopsis and description, the option
 * list made from the command's option table (cliopt.h), then the footer (exit status, notes). */
struct cmd_help {
	const char *synopsis;
	const struct cliopt *options; /* NULL: none */
	const char *footer;           /* NULL: none */
	int (*body)(struct buf *out); /* more text after the synopsis, made from a table; NULL */
};

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const struct cmd_help *help;
};

/* The help text of a command or check kind, appended to out. */
int cli_help_text(const struct cmd_help *h, struct buf *out);
int cli_print_help(const struct cmd_help *h, FILE *fp);

int cli_main(int argc, char **argv);
const struct command *cli_commands(void);
const struct command *cli_find(const char *name);

/* Prints "rootwarden CMD: message (see 'rootwarden help CMD')" and returns status. */
int cli_usage_error(const char *cmd, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Option values shared by the front ends: on a bad value they print the usage error for cmd and
 * return -1 (the caller returns 'status'); on success 0. */
int cli_opt_date(const char *cmd, int status, const char *opt, const char *arg, int32_t *day);
int cli_opt_int(const char *cmd, int status, const char *opt, const char *arg, long min, long max,
                int *out);

/* Prints "rootwarden: e->msg" and returns e->status (RW_EXIT_FAILURE if unset). */
int cli_fail(const struct rw_err *e);

/* The roots directory: the option if given, else $ROOTWARDEN_ROOTS_DIR, else the source tree's
 * roots/ when the program runs from its build directory, else the installed one. */
const char *cli_roots_dir(const char *option);
int cli_load_catalog(const char *option, struct catalog **out, struct rw_err *e);

/* A growable vector of borrowed strings (for repeatable options). */
struct strvec {
	const char **v;
	size_t n;
	size_t cap;
};
int strvec_push(struct strvec *sv, const char *s);
void strvec_free(struct strvec *sv);

/* The subcommands (one file each). */
int cmd_bundle(int argc, char **argv);
int cmd_roots(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_rotation(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_catalog(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_help(int argc, char **argv);
/* "help --completion bash|zsh|words" (cmd_help_completion.c): completion made from the tables. */
int cmd_help_completion(int argc, char **argv);
int cmd_version(int argc, char **argv);

extern const struct cmd_help cmd_bundle_help;
extern const struct cmd_help cmd_roots_help;
extern const struct cmd_help cmd_config_help;
extern const struct cmd_help cmd_sync_help;
extern const struct cmd_help cmd_rotation_help;
extern const struct cmd_help cmd_check_help;
extern const struct cmd_help cmd_catalog_help;
extern const struct cmd_help cmd_probe_help;

#endif
