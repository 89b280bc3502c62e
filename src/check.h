/*
 * check.h - the check kinds, one table for the command line and for sync.
 *
 * Contract:
 * - Each kind is one row of the table in check.c and one file pair: check_<kind>.c
 *   (from_config, run, free: no printing) and cmd_check_<kind>.c (its option table and
 *   from_argv, or its own front end: it prints usage errors). The spec both make is in
 *   check_spec.h. Adding a kind is adding its files and a row.
 * - A row lists the settings the kind takes in the configuration's checks = ( { kind = ...; } )
 *   (name, type, required). config.c refuses a check whose kind is not in the table, a key the
 *   row does not list, a value of the wrong type, a relative path, a missing required key:
 *   "file:line: ...", RW_EXIT_INPUT.
 * - from_config() validates what types cannot (a policy name, a URL, a profile the catalog cat
 *   knows) and returns the kind's own spec (*spec, freed with the row's free). cat is the
 *   targets' catalog (borrowed; it outlives the spec; NULL only where no kind needs it). It runs
 * when the target model is built (target.h), so `config check` and `sync` refuse the same
 * configurations at load, with "file:line: ...".
 * - run() performs the check from a spec: 0 with the findings filled (findings.h), or -1 with e
 *   when it could not check (a missing file, an unreachable server): the caller reports UNKNOWN
 *   with e's message. It never prints.
 * - from_argv() is the command line's from_config(): argv starts at the kind's name, and it
 *   returns the same kind of spec for run(), so "rootwarden check KIND" and checks = (...) in
 *   sync run one function. It also fills struct check_cli (--json, --metrics-file and the
 *   metrics series' target label). 0: *spec made; -1 with e: the check cannot run (a token
 *   that cannot be read), reported UNKNOWN like a run() failure; CHECK_ARGV_USAGE: a usage
 *   error, already printed (cliopt), reported as UNKNOWN with nothing else. On -1 and
 *   CHECK_ARGV_USAGE *spec may be set all the same: the caller frees it with the row's free.
 *   It lives in the kind's cmd_check_<kind>.c, since a usage error prints.
 * - main() replaces from_argv for a kind whose command-line report is more than its findings
 *   (bundle: the bundle's roots and readiness; probe: the server's protocol and chain
 *   document): it parses, runs and prints, and returns a monitoring-plugin status (enum
 *   rw_check_exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). A row has one of the two.
 * - cmd_check_run() (cmd_check.c) is the one front end of the rows with from_argv: from_argv,
 *   run, the report and the metrics file (cmd_check_report.h), free.
 */
#ifndef RW_CHECK_H
#define RW_CHECK_H

#include <stddef.h>

#include "err.h"
#include "findings.h"

struct catalog;
struct config;
struct config_check;
struct cmd_help;

enum check_key_type {
	CHECK_KEY_STRING,  /* a non-empty string */
	CHECK_KEY_PATH,    /* an absolute path */
	CHECK_KEY_STRINGS, /* a list of non-empty strings */
	CHECK_KEY_PATHS,   /* a list of absolute paths */
};

struct check_key {
	const char *name;
	enum check_key_type type;
	int required;
};

/* What the command line adds around a check (from_argv fills it). */
struct check_cli {
	int json;            /* --json */
	const char *metrics; /* --metrics-file, borrowed from argv; NULL: none */
	char *target;        /* malloc'd: the series' target label; NULL: no metrics written */
};

#define CHECK_ARGV_USAGE (-2) /* from_argv: a usage error, already printed */

struct check_kind {
	const char *name;
	const char *summary;
	const struct cmd_help *help;  /* for 'check KIND --help' (cli.h) */
	const struct check_key *keys; /* its settings in checks = (...); ends with name NULL */
	int (*from_config)(const struct config *cfg, const struct catalog *cat,
	                   const struct config_check *cc, void **spec, struct rw_err *e);
	int (*from_argv)(int argc, char **argv, void **spec, struct check_cli *cli,
	                 struct rw_err *e);
	int (*run)(const void *spec, struct findings *f, struct rw_err *e);
	void (*free)(void *spec);
	int (*main)(int argc, char **argv); /* only where from_argv is NULL (see above) */
};

/* The table, ended by a row with name NULL; a kind by name, or NULL. */
const struct check_kind *check_kinds(void);
const struct check_kind *check_kind_find(const char *name);

/* The kinds' rows' functions (two files each: cmd_check_<kind>.c, check_<kind>.c). */
int check_bundle_main(int argc, char **argv);
int check_sqlserver_from_argv(int argc, char **argv, void **spec, struct check_cli *cli,
                              struct rw_err *e);
int check_key_from_argv(int argc, char **argv, void **spec, struct check_cli *cli,
                        struct rw_err *e);
int check_token_from_argv(int argc, char **argv, void **spec, struct check_cli *cli,
                          struct rw_err *e);
extern const struct cmd_help check_bundle_help;
extern const struct cmd_help check_sqlserver_help;
extern const struct cmd_help check_key_help;
extern const struct cmd_help check_token_help;

int check_sqlserver_from_config(const struct config *cfg, const struct catalog *cat,
                                const struct config_check *cc, void **spec, struct rw_err *e);
int check_sqlserver_run(const void *spec, struct findings *f, struct rw_err *e);
void check_sqlserver_free(void *spec);
int check_key_from_config(const struct config *cfg, const struct catalog *cat,
                          const struct config_check *cc, void **spec, struct rw_err *e);
int check_key_run(const void *spec, struct findings *f, struct rw_err *e);
void check_key_free(void *spec);
int check_token_from_config(const struct config *cfg, const struct catalog *cat,
                            const struct config_check *cc, void **spec, struct rw_err *e);
int check_token_run(const void *spec, struct findings *f, struct rw_err *e);
void check_token_free(void *spec);
int check_probe_main(int argc, char **argv);
int check_probe_from_config(const struct config *cfg, const struct catalog *cat,
                            const struct config_check *cc, void **spec, struct rw_err *e);
int check_probe_run(const void *spec, struct findings *f, struct rw_err *e);
void check_probe_free(void *spec);

/*
 * Runs a configured check (its spec from from_config): on return *status is the monitoring
 * status (UNKNOWN when it could not check) and *summary a malloc'd one-line summary the caller
 * frees ("CRITICAL: 1 FAIL (eku), 2 WARN (forceencryption, tlsprotocols), 9 PASS"). -1 only
 * when out of memory.
 */
int check_run_spec(const struct check_kind *k, const void *spec, int *status, char **summary,
                   struct rw_err *e);

#endif
