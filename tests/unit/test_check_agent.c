/* test_check_agent.c - the checks sync runs from the configuration: status and one-line summary
 * for kind "key" and kind "sqlserver", and configuration errors. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "check.h"
#include "config.h"

static void test_key_kind(void **state)
{
	char tmpl[] = "rwagent.XXXXXX";
	char *dir, *k, *paths[1];
	struct config_check cc = {0};
	struct rw_err e = {0};
	gnutls_datum_t pem = tu_key_pem(tu_key(TU_EC_P256));
	int status = -1;
	char *summary = NULL;

	assert_non_null(mkdtemp(tmpl));
	dir = realpath(tmpl, NULL);
	chmod(dir, 0755);
	k = tu_path(dir, "db.key");
	tu_write(k, pem.data, pem.size);
	gnutls_free(pem.data);
	chmod(k, 0644);
	paths[0] = k;
	cc.kind = "key";
	cc.name = "pg-key";
	cc.paths = paths;
	cc.n_paths = 1;
	cc.policy = "strict";
	assert_int_equal(check_run_configured(&cc, &status, &summary, &e), 0);
	assert_int_equal(status, RW_CHECK_CRITICAL);
	assert_non_null(strstr(summary, "CRITICAL: 1 FAIL (mode)"));
	assert_null(strchr(summary, '\n'));
	free(summary);

	/* a missing file: UNKNOWN, not an agent error */
	paths[0] = "/nonexistent/db.key";
	assert_int_equal(check_run_configured(&cc, &status, &summary, &e), 0);
	assert_int_equal(status, RW_CHECK_UNKNOWN);
	assert_non_null(strstr(summary, "UNKNOWN"));
	free(summary);

	/* a bad policy is a configuration error */
	cc.policy = "oracle";
	cc.line = 12;
	assert_int_equal(check_run_configured(&cc, &status, &summary, &e), -1);
	assert_non_null(strstr(e.msg, "line 12"));
	cc.kind = "nosuch";
	assert_int_equal(check_run_configured(&cc, &status, &summary, &e), -1);
	assert_non_null(strstr(e.msg, "unknown kind"));
	tu_rmrf(dir);
	free(dir);
	free(k);
}

static void test_sqlserver_kind(void **state)
{
	char *dir = tu_tmpdir(), *conf = tu_path(dir, "mssql.conf");
	struct config_check cc = {0};
	struct rw_err e = {0};
	int status = -1;
	char *summary = NULL;

	/* mssql.conf without tlscert: could not check */
	tu_writef(conf, "[network]\nforceencryption = 1\n");
	cc.kind = "sqlserver";
	cc.name = "mssql";
	cc.mssql_conf = conf;
	assert_int_equal(check_run_configured(&cc, &status, &summary, &e), 0);
	assert_int_equal(status, RW_CHECK_UNKNOWN);
	assert_non_null(strstr(summary, "tlscert is not set"));
	free(summary);
	/* a malformed mssql.conf: UNKNOWN with file:line */
	tu_writef(conf, "[network]\nforceencryption\n");
	assert_int_equal(check_run_configured(&cc, &status, &summary, &e), 0);
	assert_int_equal(status, RW_CHECK_UNKNOWN);
	assert_non_null(strstr(summary, "mssql.conf:2: "));
	free(summary);
	tu_rmrf(dir);
	free(dir);
	free(conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_key_kind),
	        cmocka_unit_test(test_sqlserver_kind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
