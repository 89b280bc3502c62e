/* check.c - the table of check kinds (check.h) and running one configured check. */
#include "check.h"

#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct check_key bundle_keys[] = {{NULL, 0, 0}};

static const struct check_key sqlserver_keys[] = {
        {"mssql_conf", CHECK_KEY_PATH, 0},
        {"cert", CHECK_KEY_PATH, 0},
        {"key", CHECK_KEY_PATH, 0},
        {"bundle", CHECK_KEY_PATH, 0},
        {"hosts", CHECK_KEY_STRINGS, 0},
        {"service_user", CHECK_KEY_STRING, 0},
        {NULL, 0, 0},
};

static const struct check_key key_keys[] = {
        {"paths", CHECK_KEY_PATHS, 1},
        {"policy", CHECK_KEY_STRING, 1},
        {"service_user", CHECK_KEY_STRING, 0},
        {NULL, 0, 0},
};

static const struct check_key token_keys[] = {
        {"token_file", CHECK_KEY_PATH, 1},
        {"tenant", CHECK_KEY_STRING, 1},
        {"cloud", CHECK_KEY_STRING, 0},
        {"jwks", CHECK_KEY_STRING, 0},
        {NULL, 0, 0},
};

static const struct check_key probe_keys[] = {
        {"url", CHECK_KEY_STRING, 1},
        {"profile", CHECK_KEY_STRING, 0},
        {"bundle", CHECK_KEY_PATH, 0},
        {"password_file", CHECK_KEY_PATH, 0},
        {NULL, 0, 0},
};

static const struct check_kind kinds[] = {
        {"bundle", "does a bundle hold what its profiles need at a date", &check_bundle_help,
         bundle_keys, NULL, NULL, NULL, NULL, check_bundle_main},
        {"sqlserver", "does a certificate meet SQL Server's requirements", &check_sqlserver_help,
         sqlserver_keys, check_sqlserver_from_config, check_sqlserver_from_argv,
         check_sqlserver_run, check_sqlserver_free, NULL},
        {"key", "is a private key file owned and protected as its server needs", &check_key_help,
         key_keys, check_key_from_config, check_key_from_argv, check_key_run, check_key_free, NULL},
        {"token", "will MySQL Flexible Server accept this Entra ID access token", &check_token_help,
         token_keys, check_token_from_config, check_token_from_argv, check_token_run,
         check_token_free, NULL},
        {"probe", "what a live server presents over TLS, and whether bundles accept it",
         &cmd_probe_help, probe_keys, check_probe_from_config, NULL, check_probe_run,
         check_probe_free, check_probe_main},
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

const struct check_kind *check_kinds(void)
{
	return kinds;
}

const struct check_kind *check_kind_find(const char *name)
{
	for (const struct check_kind *k = kinds; name && k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

int check_run_spec(const struct check_kind *k, const void *spec, int *status, char **summary,
                   struct rw_err *e)
{
	struct findings f;
	struct rw_err ce = {{0}, 0};

	findings_init(&f);
	*summary = NULL;
	if (k->run(spec, &f, &ce) < 0) {
		/* could not check: UNKNOWN with the reason, not an agent failure */
		*status = RW_CHECK_UNKNOWN;
		if (asprintf(summary, "UNKNOWN: %s", ce.msg) < 0)
			*summary = NULL;
	} else {
		*status = findings_status(&f);
		*summary = findings_summary(&f);
	}
	findings_free(&f);
	if (*summary == NULL)
		return err_set(e, RW_EXIT_FAILURE, "check %s: out of memory", k->name);
	return 0;
}
