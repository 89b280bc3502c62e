/* check_sqlserver.c - the sqlserver check kind: its spec from the configuration, run and freed
 * (rules in sqlcert.h; the spec from the command line is made in cmd_check_sqlserver.c). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_spec.h"
#include "config.h"
#include "mssql_conf.h"
#include "sqlcert.h"

int check_sqlserver_from_config(const struct config *cfg, const struct catalog *cat,
                                const struct config_check *cc, void **spec, struct rw_err *e)
{
	struct sqlserver_spec *s = calloc(1, sizeof(*s));

	(void)cfg;
	(void)cat;

	if (s == NULL)
		return err_set(e, RW_EXIT_FAILURE, "check '%s': out of memory", cc->name);
	s->mssql_conf = config_check_str(cc, "mssql_conf");
	s->cert = config_check_str(cc, "cert");
	s->key = config_check_str(cc, "key");
	s->bundle = config_check_str(cc, "bundle");
	s->service_user = config_check_str(cc, "service_user");
	s->hosts = (const char *const *)config_check_strv(cc, "hosts", &s->n_hosts);
	s->check_key_perms = 1;
	if (s->mssql_conf == NULL && s->cert == NULL)
		s->mssql_conf = MSSQL_CONF_DEFAULT_PATH;
	*spec = s;
	return 0;
}

int check_sqlserver_run(const void *spec, struct findings *f, struct rw_err *e)
{
	const struct sqlserver_spec *s = spec;
	struct sqlcert_opts so = {0};
	struct mssql_conf *conf = NULL;
	int rc;

	if (s->mssql_conf && mssql_conf_read(s->mssql_conf, &conf, e) < 0)
		return -1;
	so.cert_path = s->cert;
	so.key_path = s->key;
	so.bundle = s->bundle;
	so.password_file = s->password_file;
	so.hosts = s->hosts;
	so.n_hosts = s->n_hosts;
	so.at = s->at;
	so.warn_days = s->warn_days;
	so.conf = conf;
	so.check_key_perms = s->check_key_perms;
	so.service_user = s->service_user;
	rc = sqlcert_check(&so, f, e);
	mssql_conf_free(conf);
	return rc;
}

void check_sqlserver_free(void *spec)
{
	struct sqlserver_spec *s = spec;

	if (s)
		free(s->hosts_owned);
	free(s);
}
