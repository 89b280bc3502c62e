/* test_target.c - the one model every engine reads: the cases a new user hit when four places
 * derived their own (issue "one model"): a missing root file, a bad check policy, a configured
 * local root's name and expiry, path aliases, outputs inside the state directory, profile bundles
 * of the embedded default. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "config.h"
#include "date.h"
#include "rotation.h"
#include "target.h"

static char *dir, *roots;

static int setup(void **state)
{
	(void)state;
	dir = tu_tmpdir();
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

/* Loads configuration text (with each "%s" replaced by the temp dir) and builds the targets. */
static int build(const char *text, struct config **cfg, struct targets **t, struct rw_err *e)
{
	char *p = tu_path(dir, "rootwarden.conf"), buf[8192];
	size_t n = 0;
	int rc;

	for (const char *s = text; *s && n + strlen(dir) + 2 < sizeof(buf); s++) {
		if (s[0] == '%' && s[1] == 's') {
			memcpy(buf + n, dir, strlen(dir));
			n += strlen(dir);
			s++;
		} else {
			buf[n++] = *s;
		}
	}
	tu_write(p, buf, n);
	*cfg = NULL;
	*t = NULL;
	memset(e, 0, sizeof(*e));
	rc = config_load(p, cfg, e);
	free(p);
	if (rc == 0)
		rc = targets_build(*cfg, roots, t, e);
	return rc;
}

static void expect_refused(const char *fmt, const char *words)
{
	struct config *cfg;
	struct targets *t;
	struct rw_err e;

	assert_int_equal(build(fmt, &cfg, &t, &e), -1);
	assert_null(t);
	assert_int_equal(e.status, RW_EXIT_INPUT);
	if (strstr(e.msg, words) == NULL)
		fail_msg("expected '%s' in '%s'", words, e.msg);
	assert_non_null(strstr(e.msg, "rootwarden.conf"));
	config_free(cfg);
}

static void test_missing_root_file_is_refused_at_load(void **state)
{
	(void)state;
	expect_refused("state_dir = \"%s/state\";\n"
	               "roots = ( { id = \"mine\"; file = \"%s/nonexistent.pem\"; } );\n",
	               "root 'mine'");
}

static void test_bad_policy_is_refused_at_load(void **state)
{
	(void)state;
	expect_refused(
	        "state_dir = \"%s/state\";\n"
	        "checks = ( { kind = \"key\"; paths = [\"/k\"]; policy = \"nonsense\"; } );\n",
	        "nonsense");
}

static void test_path_aliases_and_state_dir(void **state)
{
	(void)state;
	expect_refused(
	        "state_dir = \"%s/state\";\nbundles = (\n"
	        " { name = \"a\"; path = \"%s/a.pem\"; profiles = [\"azure-china\"]; },\n"
	        " { name = \"b\"; path = \"%s/./a.pem\"; profiles = [\"azure-china\"]; } );\n",
	        "as bundle 'a' does");
	expect_refused(
	        "state_dir = \"%s/state\";\nbundles = (\n"
	        " { name = \"a\"; path = \"%s/x/../a.pem\"; profiles = [\"azure-china\"]; },\n"
	        " { name = \"b\"; path = \"%s//a.pem\"; profiles = [\"azure-china\"]; } );\n",
	        "as bundle 'a' does");
	/* a symlinked directory: two spellings of one file */
	{
		char *real = tu_path(dir, "real"), *link = tu_path(dir, "link");

		assert_int_equal(mkdir(real, 0755), 0);
		assert_int_equal(symlink(real, link), 0);
		expect_refused("state_dir = \"%s/state\";\nbundles = (\n"
		               " { name = \"a\"; path = \"%s/real/a.pem\"; profiles = "
		               "[\"azure-china\"]; },\n"
		               " { name = \"b\"; path = \"%s/link/a.pem\"; profiles = "
		               "[\"azure-china\"]; } );\n",
		               "as bundle 'a' does");
		free(real);
		free(link);
	}
	/* a bundle at STATE/lock would replace the lock's inode on every run */
	expect_refused(
	        "state_dir = \"%s/state\";\nbundles = (\n"
	        " { name = \"a\"; path = \"%s/state/lock\"; profiles = [\"azure-china\"]; } );\n",
	        "inside state_dir");
	expect_refused("state_dir = \"%s/state\";\nmetrics_file = \"%s/state/m.prom\";\n",
	               "metrics_file");
	expect_refused("state_dir = \"%s/state\";\n"
	               "bundles = ( { name = \"a\"; path = \"%s/a.pem\"; profiles = "
	               "[\"azure-nowhere\"]; } );\n",
	               "unknown profile 'azure-nowhere'");
	expect_refused(
	        "state_dir = \"%s/state\";\n"
	        "bundles = ( { name = \"a\"; path = \"%s/a.pem\"; profiles = [\"azure-china\"];\n"
	        " owner = \"no-such-user-rw\"; } );\n",
	        "owner 'no-such-user-rw' is not a user");
}

/* A local root keeps its configured name in the bundle, and rotation sees what sync writes:
 * the same number of roots, and the local root's expiry as a coming change. */
static void test_local_root_name_and_rotation_agree(void **state)
{
	struct tu_cert_opts o;
	struct tu_cert *c;
	char *pem = tu_path(dir, "private.pem");
	struct config *cfg;
	struct targets *t;
	struct rw_err e;
	struct bundle_spec spec;
	struct bundle b;
	struct rotation_target rt;
	struct rotation_opts ro;
	struct rotation_roots w;
	struct rotation_changes ch;
	int found = 0;

	(void)state;
	tu_cert_opts_init(&o, "corp-root.internal");
	o.ca = 1;
	o.key_usage = GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN;
	o.not_after = time(NULL) + 40 * 86400;
	c = tu_make(&o);
	tu_write(pem, c->pem.data, c->pem.size);
	assert_int_equal(build("state_dir = \"%s/state\";\n"
	                       "roots = ( { id = \"corp\"; name = \"My Private Root\"; file = "
	                       "\"%s/private.pem\"; } );\n"
	                       "bundles = ( { name = \"app\"; path = \"%s/app.pem\"; profiles = "
	                       "[\"azure-mysql-flexible\"]; roots = [\"corp\"]; } );\n",
	                       &cfg, &t, &e),
	                 0);
	assert_int_equal(t->n_bundles, 1);
	targets_bundle_spec(t, 0, date_today(), &spec);
	assert_int_equal(bundle_build(t->cat, &spec, &b, &e), 0);
	for (size_t i = 0; i < b.certs.n; i++)
		found += strcmp(b.certs.v[i]->label, "My Private Root") == 0;
	assert_int_equal(found, 1);
	targets_rotation_target(t, 0, &rt);
	targets_rotation_opts(t, &ro);
	assert_int_equal(rotation_written(t->cat, &rt, ro.day, &ro, &w, &e), 0);
	assert_int_equal(w.n, b.certs.n); /* what sync writes, rotation says */
	assert_int_equal(rotation_changes(t->cat, &rt, &ro, &ch, &e), 0);
	found = 0;
	for (size_t i = 0; i < ch.n; i++)
		for (size_t k = 0; k < ch.v[i].removed.n; k++)
			found += strcmp(t->cat->roots[ch.v[i].removed.v[k]].id, "corp") == 0;
	assert_int_equal(found, 1); /* its expiry is a coming change */
	rotation_changes_free(&ch);
	rotation_roots_free(&w);
	bundle_free(&b);
	targets_free(t);
	config_free(cfg);
	tu_cert_free(c);
	free(pem);
}

static void test_embedded_default_has_a_bundle_per_profile(void **state)
{
	struct config *cfg = NULL;
	struct targets *t = NULL;
	struct rw_err e = {{0}, 0};

	(void)state;
	assert_int_equal(config_load_default(&cfg, &e), 0);
	assert_int_equal(targets_build(cfg, roots, &t, &e), 0);
	/* one per profile that has not ended (Azure Germany closed on 2021-10-29) */
	for (size_t i = 0, k = 0; i < t->cat->n_profiles; i++) {
		const char *id = t->cat->profiles[i].id;
		char want[256];
		size_t n;

		if (catalog_profile_ended(&t->cat->profiles[i], date_today()))
			continue;
		assert_true(k < t->n_bundles);
		assert_string_equal(t->bundles[k].name, id);
		n = strlen(t->bundles[k].path);
		snprintf(want, sizeof(want), "/out/%s.pem", id);
		assert_true(n > strlen(want) &&
		            strcmp(t->bundles[k].path + n - strlen(want), want) == 0);
		assert_string_equal(t->bundles[k].format->name, "pem");
		k++;
		if (i + 1 == t->cat->n_profiles)
			assert_int_equal(k, t->n_bundles);
	}
	assert_true(t->n_bundles >= 10);
	for (size_t k = 0; k < t->n_bundles; k++)
		assert_string_not_equal(t->bundles[k].name, "azure-germany");
	targets_free(t);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_missing_root_file_is_refused_at_load),
	        cmocka_unit_test(test_bad_policy_is_refused_at_load),
	        cmocka_unit_test(test_path_aliases_and_state_dir),
	        cmocka_unit_test(test_local_root_name_and_rotation_agree),
	        cmocka_unit_test(test_embedded_default_has_a_bundle_per_profile),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
