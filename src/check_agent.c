/* check_agent.c - the configured checks that sync runs (config.h struct config_check). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "findings.h"
#include "keyperm.h"
#include "mssql_conf.h"
#include "sqlcert.h"

static int run_sqlserver(const struct config_check *cc, struct findings *f, struct rw_err *e)
{
	struct sqlcert_opts so = {.check_key_perms = 1};
	struct mssql_conf *conf = NULL;
	const char *conf_path = cc->mssql_conf;
	int rc;

	if (conf_path == NULL && cc->cert == NULL)
		conf_path = MSSQL_CONF_DEFAULT_PATH;
	if (conf_path && mssql_conf_read(conf_path, &conf, e) < 0)
		return -1;
	so.cert_path = cc->cert;
	so.key_path = cc->key;
	so.bundle = cc->bundle;
	so.hosts = (const char *const *)cc->hosts;
	so.n_hosts = cc->n_hosts;
	so.conf = conf;
	so.service_user = cc->service_user;
	rc = sqlcert_check(&so, f, e);
	mssql_conf_free(conf);
	return rc;
}

static int run_key(const struct config_check *cc, struct findings *f, struct rw_err *e)
{
	struct keyperm_opts ko = {.service_user = cc->service_user};

	if (cc->policy == NULL || keyperm_policy_parse(cc->policy, &ko.policy) < 0)
		return err_set(e, RW_EXIT_INPUT,
		               "check '%s' (line %d): policy must be mssql, postgresql, mysql or "
		               "strict",
		               cc->name ? cc->name : "key", cc->line);
	for (size_t i = 0; i < cc->n_paths; i++)
		if (keyperm_check(cc->paths[i], &ko, f, e) < 0)
			return -1;
	return 0;
}

int check_run_configured(const struct config_check *cc, int *status, char **summary,
                         struct rw_err *e)
{
	struct findings f;
	struct rw_err ce = {0};
	int r;

	*status = RW_CHECK_UNKNOWN;
	*summary = NULL;
	findings_init(&f);
	if (cc->kind && strcmp(cc->kind, "sqlserver") == 0) {
		r = run_sqlserver(cc, &f, &ce);
	} else if (cc->kind && strcmp(cc->kind, "key") == 0) {
		r = run_key(cc, &f, &ce);
		if (r < 0 && ce.status == RW_EXIT_INPUT) {
			/* a configuration error, not a failed check */
			findings_free(&f);
			*e = ce;
			return -1;
		}
	} else {
		findings_free(&f);
		return err_set(e, RW_EXIT_INPUT, "check '%s' (line %d): unknown kind '%s'",
		               cc->name ? cc->name : "?", cc->line, cc->kind ? cc->kind : "");
	}
	if (r < 0) {
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
		return err_set(e, RW_EXIT_FAILURE, "check '%s': out of memory",
		               cc->name ? cc->name : cc->kind);
	return 0;
}
