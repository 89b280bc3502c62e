/*
 * check_spec.h - the specs of the check kinds that run from both the configuration and the
 * command line (check.h): each is made by from_config() in check_<kind>.c or by from_argv() in
 * cmd_check_<kind>.c, run by the kind's run() and freed by its free(), all in check_<kind>.c.
 *
 * Contract: strings are borrowed (from the configuration or from argv, both of which outlive the
 * spec) unless a field says it is owned. Only the kind's two files use its struct.
 */
#ifndef RW_CHECK_SPEC_H
#define RW_CHECK_SPEC_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "fetch.h"
#include "keyperm.h"
#include "token_check.h"

struct key_spec {
	struct keyperm_opts ko;
	char *const *paths;
	size_t n_paths;
	char **paths_owned; /* owned array (strings borrowed), when paths came from argv */
};

struct sqlserver_spec {
	const char *mssql_conf; /* NULL: no mssql.conf rules (a --cert given alone) */
	const char *cert, *key, *bundle, *service_user, *password_file;
	const char *const *hosts;
	size_t n_hosts;
	const char **hosts_owned; /* owned array (strings borrowed), when hosts came from argv */
	time_t at;                /* 0: now */
	int warn_days;            /* 0: the default */
	int check_key_perms;
};

/* A token check. From the configuration: token_file, tenant, cloud, jwks, state_dir, ca_file
 * (token_check_configured()). From the command line (cli set): the token already read into
 * the owned, zeroed-on-free tok, with opts and fo as given. */
struct token_spec {
	const char *token_file, *tenant, *cloud, *jwks, *state_dir, *ca_file;
	int cli;
	struct buf tok; /* owned; the token (cli only) */
	struct token_opts opts;
	struct fetch_opts fo;
};

#endif
