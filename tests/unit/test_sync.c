/* test_sync.c - sync's steps as units (sync_internal.h): the roots step (pin checks, the store,
 * quarantine), the bundle step's change record, the write-ahead hook record and striking hooks
 * as they succeed, typed degraded results (a configured root with no verified copy), and the
 * whole run's exit statuses. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cert.h"
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

/* The job a sync step runs in (sync_internal.h), over cfg's targets t, with its state directory
 * open; the caller store_free()s j->st. */
static void job_init(struct job *j, const struct config *cfg, struct targets *t,
                     const struct sync_opts *o, struct sync_result *res)
{
	struct rw_err e = {{0}, 0};

	memset(j, 0, sizeof(*j));
	j->t = t;
	j->cfg = cfg;
	j->o = o;
	j->res = res;
	if (store_open(cfg->state_dir, 1, &j->st, &e) < 0)
		fail_msg("%s", e.msg);
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
	job_init(&j, cfg, t, &o, &res);
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

/* The roots step alone (sync_roots): a configured root fetched from a file:// URL that matches
 * its pin is stored (content-addressed) and given to its catalog entry; fetched again it is
 * unchanged; one whose content does not match its pin is quarantined (bytes and report), never
 * stored, and its catalog entry keeps no certificate. The results are typed statuses. */
static void test_roots_step_verifies_and_quarantines(void **state)
{
	char text[4096], *good = tu_path(dir, "good.der"), *bad = tu_path(dir, "bad.der"), *q;
	struct tu_cert *g = tu_root("Step Root", TU_EC_P256), *b = tu_root("Impostor", TU_EC_P256);
	struct config *cfg;
	struct targets *t = NULL;
	struct sync_opts o = {.roots_dir = roots};
	struct sync_result res = {0};
	struct rw_err e = {{0}, 0};
	struct cert *gc, *stored = NULL;
	struct job j;
	size_t gi = 0, bi = 0;

	(void)state;
	gc = cert_from_der(g->der.data, g->der.size, "good", &e);
	assert_non_null(gc);
	tu_write(good, g->der.data, g->der.size);
	tu_write(bad, b->der.data, b->der.size);
	snprintf(text, sizeof(text),
	         "roots = ( { id = \"good\"; name = \"Good Root\"; urls = [\"file://%s\"]; "
	         "sha256 = \"%s\"; },\n"
	         "          { id = \"bad\"; urls = [\"file://%s\"]; sha256 = \"%064d\"; } );\n"
	         "bundles = ( { name = \"r\"; path = \"%s/r.pem\"; profiles = [\"azure-china\"]; "
	         "roots = [\"good\", \"bad\"]; } );\n",
	         good, gc->sha256, bad, 1, dir);
	cfg = load(text);
	assert_int_equal(targets_build(cfg, roots, &t, &e), 0);
	job_init(&j, cfg, t, &o, &res);
	assert_int_equal(fetch_global_init(&e), 0);
	assert_int_equal(fetch_session_new(&j.fs, &e), 0);
	assert_int_equal(sync_roots(&j, &e), 0);
	for (size_t i = 0; i < res.n_roots; i++) {
		if (strcmp(res.roots[i].id, "good") == 0)
			gi = i + 1;
		if (strcmp(res.roots[i].id, "bad") == 0)
			bi = i + 1;
	}
	assert_true(gi && bi);
	assert_int_equal(res.roots[gi - 1].status, SYNC_ROOT_UPDATED);
	assert_true(res.roots[gi - 1].from_config);
	assert_int_equal(res.roots[bi - 1].status, SYNC_ROOT_QUARANTINED);
	assert_non_null(res.roots[bi - 1].reason);
	/* stored under its SHA-256; the impostor only in quarantine */
	assert_int_equal(store_get_root(j.st, gc->sha256, &stored, &e), 0);
	assert_non_null(stored);
	cert_free(stored);
	q = tu_path(dir, "state/quarantine");
	{
		char *qd = NULL, *qj = NULL;

		assert_true(asprintf(&qd, "%s/%s.der", q, res.roots[bi - 1].q_sha256) > 0);
		assert_true(asprintf(&qj, "%s/%s.json", q, res.roots[bi - 1].q_sha256) > 0);
		assert_int_equal(access(qd, R_OK), 0);
		assert_int_equal(access(qj, R_OK), 0);
		assert_int_equal(store_get_root(j.st, res.roots[bi - 1].q_sha256, &stored, &e), 0);
		assert_null(stored);
		free(qd);
		free(qj);
	}
	free(q);
	/* the verified copy is what the bundle step will use; the impostor gives nothing */
	for (size_t i = t->first_config_root; i < t->cat->n_roots; i++) {
		const struct catalog_root *r = &t->cat->roots[i];

		if (strcmp(r->id, "good") == 0) {
			assert_non_null(r->cert);
			assert_string_equal(r->name, "Good Root");
		} else if (strcmp(r->id, "bad") == 0) {
			assert_null(r->cert);
		}
	}
	/* the same content again: unchanged */
	sync_result_free(&res);
	memset(&res, 0, sizeof(res));
	assert_int_equal(sync_roots(&j, &e), 0);
	for (size_t i = 0; i < res.n_roots; i++)
		if (strcmp(res.roots[i].id, "good") == 0)
			assert_int_equal(res.roots[i].status, SYNC_ROOT_UNCHANGED);
	sync_result_free(&res);
	fetch_session_free(j.fs);
	store_free(j.st);
	targets_free(t);
	config_free(cfg);
	cert_free(gc);
	tu_cert_free(g);
	tu_cert_free(b);
	free(good);
	free(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_bundle_step_and_change_record),
	        cmocka_unit_test(test_unavailable_root_degrades),
	        cmocka_unit_test(test_roots_step_verifies_and_quarantines),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
