/* test_sync.c - sync's steps as units (sync_internal.h): the bundle step's change record, the
 * write-ahead hook record and striking hooks as they succeed, typed degraded results (a
 * configured root with no verified copy), and the whole run's exit statuses. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "sync_internal.h"

static char *dir, *roots;

static int safe_tree;

static int setup(void **state)
{
	(void)state;
	safe_tree = tu_safe_tmpdir();
	dir = tu_tmpdir();
	chmod(dir, 0755);
	roots = tu_source("roots");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmrf(dir);
	free(dir);
	free(roots);
	return 0;
}

static struct config *load(const char *extra)
{
	char *p = tu_path(dir, "rw.conf");
	struct config *cfg = NULL;
	struct rw_err e = {{0}, 0};

	tu_writef(p,
	          "state_dir = \"%s/state\";\nhooks_dir = \"%s/hooks.d\";\n"
	          "fetch = { catalog_roots = false; };\n%s",
	          dir, dir, extra);
	if (config_load(p, &cfg, &e) < 0)
		fail_msg("%s", e.msg);
	free(p);
	return cfg;
}

static void test_bundle_step_and_change_record(void **state)
{
	char text[2048], *hook = tu_path(dir, "hook.sh"), *log = tu_path(dir, "hook.log");
	struct config *cfg;
	struct targets *t = NULL;
	struct sync_opts o = {.roots_dir = roots, .offline = 1};
	struct sync_result res = {0};
	struct rw_err e = {{0}, 0};
	struct job j;
	json_t *rec = NULL;

	(void)state;
	if (!safe_tree)
		skip();
	/* the hook records whether its own pending record existed while it ran */
	tu_writef(hook, "#!/bin/sh\ntest -s '%s/state/hooks/app.json' && echo pending >>'%s'\n",
	          dir, log);
	chmod(hook, 0755);
	snprintf(text, sizeof(text),
	         "bundles = ( { name = \"app\"; path = \"%s/app.pem\"; profiles = "
	         "[\"azure-mysql-flexible\"]; hooks = ( [\"%s\"] ); } );\n",
	         dir, hook);
	cfg = load(text);
	assert_int_equal(targets_build(cfg, roots, &t, &e), 0);
	memset(&j, 0, sizeof(j));
	j.t = t;
	j.cfg = cfg;
	j.o = &o;
	j.res = &res;
	assert_int_equal(store_open(cfg->state_dir, 1, &j.st, &e), 0);
	res.bundles = calloc(2, sizeof(*res.bundles));
	res.n_bundles = 1;
	sync_bundle(&j, 0, &res.bundles[0]);
	assert_int_equal(res.bundles[0].status, SYNC_BUNDLE_UPDATED);
	assert_int_equal(res.bundles[0].added.n, res.bundles[0].roots.n);
	assert_true(res.bundles[0].roots.n >= 2);
	assert_non_null(res.bundles[0].roots.v[0].id); /* catalog roots carry their id */
	/* the record was written before the rename, with the hook pending */
	assert_int_equal(store_json_get(j.st, "hooks", "app", &rec, &e), 0);
	assert_non_null(rec);
	assert_int_equal(json_array_size(json_object_get(rec, "pending")), 1);
	assert_true(json_is_array(json_object_get(json_object_get(rec, "document"), "added")));
	json_decref(rec);
	/* running it strikes the hook; the record is gone */
	sync_events_run(&j, 0, &res.bundles[0]);
	assert_int_equal(res.bundles[0].n_hooks, 1);
	assert_true(res.bundles[0].hooks[0].ok);
	assert_int_equal(store_json_get(j.st, "hooks", "app", &rec, &e), 0);
	assert_null(rec);
	{
		char *l = tu_read(log, NULL);

		assert_string_equal(l, "pending\n");
		free(l);
	}
	/* a second bundle step: unchanged, no record */
	sync_result_free(&res);
	memset(&res, 0, sizeof(res));
	res.bundles = calloc(2, sizeof(*res.bundles));
	res.n_bundles = 1;
	sync_bundle(&j, 0, &res.bundles[0]);
	assert_int_equal(res.bundles[0].status, SYNC_BUNDLE_UNCHANGED);
	assert_int_equal(store_json_get(j.st, "hooks", "app", &rec, &e), 0);
	assert_null(rec);
	sync_result_free(&res);
	store_free(j.st);
	targets_free(t);
	config_free(cfg);
	free(hook);
	free(log);
}

/* A configured URL root with no verified copy yet is left out, the run is degraded (typed: the
 * bundle's n_unavailable), and the bundle is still written from the catalog's roots. */
static void test_unavailable_root_degrades(void **state)
{
	char text[2048];
	struct config *cfg;
	struct targets *t = NULL;
	struct sync_opts o = {.roots_dir = roots, .offline = 1};
	struct sync_result res;
	struct rw_err e = {{0}, 0};

	(void)state;
	snprintf(text, sizeof(text),
	         "roots = ( { id = \"later\"; urls = [\"https://127.0.0.1:9/x.pem\"]; sha256 = "
	         "\"%064d\"; } );\n"
	         "bundles = ( { name = \"b2\"; path = \"%s/b2.pem\"; profiles = [\"azure-china\"]; "
	         "roots = [\"later\"]; } );\n",
	         1, dir);
	cfg = load(text);
	assert_int_equal(targets_build(cfg, roots, &t, &e), 0);
	assert_int_equal(sync_run(cfg, &o, &res, &e), RW_EXIT_DEGRADED);
	assert_int_equal(res.n_bundles, 1);
	assert_int_equal(res.bundles[0].n_unavailable, 1);
	assert_int_equal(res.bundles[0].status, SYNC_BUNDLE_UPDATED);
	assert_int_equal(access(res.bundles[0].path, R_OK), 0);
	sync_result_free(&res);
	/* nothing changed, still degraded: the root is still missing */
	assert_int_equal(sync_run(cfg, &o, &res, &e), RW_EXIT_DEGRADED);
	sync_result_free(&res);
	targets_free(t);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_bundle_step_and_change_record),
	        cmocka_unit_test(test_unavailable_root_degrades),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
