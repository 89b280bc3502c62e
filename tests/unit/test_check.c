/* test_check.c - the check-kind table as sync uses it: settings read from a configuration file,
 * validated at load (a bad policy or an unknown key is a configuration error naming file:line),
 * then run to a status and a one-line summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "check.h"
#include "config.h"

/* Loads a configuration holding one check (text), and makes the kind's spec from it. */
static int load_check(const char *dir, const char *check, struct config **cfg, void **spec,
                      const struct check_kind **kind, struct rw_err *e)
{
	char *path = tu_path(dir, "rootwarden.conf");
	int rc;

	tu_writef(path, "state_dir = \"%s/state\";\nchecks = ( %s );\n", dir, check);
	*spec = NULL;
	*kind = NULL;
	rc = config_load(path, cfg, e);
	free(path);
	if (rc < 0)
		return -1;
	assert_int_equal((*cfg)->n_checks, 1);
	*kind = check_kind_find((*cfg)->checks[0].kind);
	assert_non_null(*kind);
	return (*kind)->from_config(*cfg, NULL, &(*cfg)->checks[0], spec, e);
}

static void test_key_kind(void **state)
{
	char *dir = tu_tmpdir(), *k = tu_path(dir, "db.key"), check[1024];
	gnutls_datum_t pem = tu_key_pem(tu_key(TU_EC_P256));
	struct config *cfg = NULL;
	const struct check_kind *kind;
	struct rw_err e = {0};
	void *spec = NULL;
	int status = -1;
	char *summary = NULL;

	chmod(dir, 0755);
	tu_write(k, pem.data, pem.size);
	gnutls_free(pem.data);
	chmod(k, 0644);
	snprintf(check, sizeof(check),
	         "{ kind = \"key\"; name = \"pg-key\"; paths = [\"%s\"]; policy = \"strict\"; }",
	         k);
	assert_int_equal(load_check(dir, check, &cfg, &spec, &kind, &e), 0);
	assert_int_equal(check_run_spec(kind, spec, &status, &summary, &e), 0);
	assert_int_equal(status, RW_CHECK_CRITICAL);
	assert_non_null(strstr(summary, "CRITICAL: 1 FAIL (mode)"));
	assert_null(strchr(summary, '\n'));
	free(summary);
	kind->free(spec);
	config_free(cfg);

	/* a missing file: UNKNOWN at run time, not an agent error */
	snprintf(check, sizeof(check),
	         "{ kind = \"key\"; paths = [\"/nonexistent/db.key\"]; policy = \"strict\"; }");
	assert_int_equal(load_check(dir, check, &cfg, &spec, &kind, &e), 0);
	assert_int_equal(check_run_spec(kind, spec, &status, &summary, &e), 0);
	assert_int_equal(status, RW_CHECK_UNKNOWN);
	assert_non_null(strstr(summary, "UNKNOWN"));
	free(summary);
	kind->free(spec);
	config_free(cfg);

	/* a bad policy is a configuration error at load, naming the line */
	assert_int_equal(
	        load_check(dir, "{ kind = \"key\";\n paths = [\"/k\"]; policy = \"nonsense\"; }",
	                   &cfg, &spec, &kind, &e),
	        -1);
	assert_int_equal(e.status, RW_EXIT_INPUT);
	assert_non_null(strstr(e.msg, "rootwarden.conf:3: check")); /* the policy's line */
	assert_non_null(strstr(e.msg, "nonsense"));
	config_free(cfg);
	cfg = NULL;
	/* a missing required key, an unknown key, an unknown kind, a relative path */
	assert_int_equal(
	        load_check(dir, "{ kind = \"key\"; paths = [\"/k\"]; }", &cfg, &spec, &kind, &e),
	        -1);
	assert_non_null(strstr(e.msg, "needs 'policy'"));
	assert_int_equal(load_check(dir,
	                            "{ kind = \"key\"; paths = [\"/k\"]; policy = \"strict\"; "
	                            "hosts = [\"x\"]; }",
	                            &cfg, &spec, &kind, &e),
	                 -1);
	assert_non_null(strstr(e.msg, "hosts"));
	assert_int_equal(load_check(dir, "{ kind = \"nosuch\"; }", &cfg, &spec, &kind, &e), -1);
	assert_non_null(strstr(e.msg, "check kind 'nosuch' is not one of"));
	assert_int_equal(
	        load_check(dir, "{ kind = \"key\"; paths = [\"db.key\"]; policy = \"strict\"; }",
	                   &cfg, &spec, &kind, &e),
	        -1);
	assert_non_null(strstr(e.msg, "absolute"));
	assert_non_null(strstr(e.msg, "rootwarden.conf:2:"));
	tu_rmrf(dir);
	free(dir);
	free(k);
}

static void test_sqlserver_kind(void **state)
{
	char *dir = tu_tmpdir(), *conf = tu_path(dir, "mssql.conf"), check[1024];
	struct config *cfg = NULL;
	const struct check_kind *kind;
	struct rw_err e = {0};
	void *spec = NULL;
	int status = -1;
	char *summary = NULL;

	snprintf(check, sizeof(check),
	         "{ kind = \"sqlserver\"; name = \"mssql\"; mssql_conf = \"%s\"; }", conf);
	assert_int_equal(load_check(dir, check, &cfg, &spec, &kind, &e), 0);
	/* mssql.conf without tlscert: could not check */
	tu_writef(conf, "[network]\nforceencryption = 1\n");
	assert_int_equal(check_run_spec(kind, spec, &status, &summary, &e), 0);
	assert_int_equal(status, RW_CHECK_UNKNOWN);
	assert_non_null(strstr(summary, "tlscert is not set"));
	free(summary);
	/* a malformed mssql.conf: UNKNOWN with file:line */
	tu_writef(conf, "[network]\nforceencryption\n");
	assert_int_equal(check_run_spec(kind, spec, &status, &summary, &e), 0);
	assert_int_equal(status, RW_CHECK_UNKNOWN);
	assert_non_null(strstr(summary, "mssql.conf:2: "));
	free(summary);
	kind->free(spec);
	config_free(cfg);
	tu_rmrf(dir);
	free(dir);
	free(conf);
}

/* The command line makes the same spec as the configuration: the row's from_argv, then the same
 * run, gives sync's verdict and summary; the metrics target is the paths as given; two key
 * paths are two keys checked (the parser's operand array is not kept past from_argv). */
static void test_key_from_argv_is_sync_s_check(void **state)
{
	char *dir = tu_tmpdir(), *k = tu_path(dir, "db.key"), *k2 = tu_path(dir, "ok.key");
	gnutls_datum_t pem = tu_key_pem(tu_key(TU_EC_P256));
	const struct check_kind *kind = check_kind_find("key");
	struct check_cli cli = {0, NULL, NULL};
	struct rw_err e = {0};
	void *spec = NULL;
	int status = -1;
	char *summary = NULL, *want;

	(void)state;
	chmod(dir, 0755);
	tu_write(k, pem.data, pem.size);
	tu_write(k2, pem.data, pem.size);
	gnutls_free(pem.data);
	chmod(k, 0644);
	chmod(k2, 0600);
	char *argv[] = {"key", "--policy", "strict", "--json", k2, k, NULL};
	assert_int_equal(kind->from_argv(6, argv, &spec, &cli, &e), 0);
	assert_int_equal(cli.json, 1);
	assert_int_equal(asprintf(&want, "%s,%s", k2, k) > 0, 1);
	assert_string_equal(cli.target, want);
	assert_int_equal(check_run_spec(kind, spec, &status, &summary, &e), 0);
	assert_int_equal(status, RW_CHECK_CRITICAL); /* the second key's mode, not the first's */
	assert_non_null(strstr(summary, "CRITICAL: 1 FAIL (mode)"));
	free(summary);
	kind->free(spec);
	free(cli.target);
	free(want);

	/* a usage error is that, not a check that could not run */
	char *bad[] = {"key", "--policy", "nonsense", k, NULL};
	spec = NULL;
	cli = (struct check_cli){0, NULL, NULL};
	assert_int_equal(kind->from_argv(4, bad, &spec, &cli, &e), CHECK_ARGV_USAGE);
	assert_null(cli.target);
	kind->free(spec);
	tu_rmrf(dir);
	free(dir);
	free(k);
	free(k2);
}

/* Every kind sync can run has all three functions; every row has one command-line entry (a spec
 * from argv for the common front end, or a front end of its own), and can be found by name. */
static void test_table(void **state)
{
	size_t n = 0;

	for (const struct check_kind *k = check_kinds(); k->name; k++, n++) {
		assert_ptr_equal(check_kind_find(k->name), k);
		assert_true((k->from_argv != NULL) != (k->main != NULL));
		if (k->from_argv) {
			assert_non_null(k->run);
			assert_non_null(k->free);
		}
		assert_non_null(k->help);
		assert_non_null(k->keys);
		if (k->from_config) {
			assert_non_null(k->run);
			assert_non_null(k->free);
		}
	}
	assert_true(n >= 3);
	assert_null(check_kind_find("nosuch"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_key_kind),
	        cmocka_unit_test(test_sqlserver_kind),
	        cmocka_unit_test(test_key_from_argv_is_sync_s_check),
	        cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
