/* test_check_bundle.c - "rootwarden check bundle" on hand-made bundles, run as a user runs it:
 * an empty file, garbage, one root, duplicates, an expired root, a leaf certificate, roots
 * missing for a profile (the Baltimore example), JSON, metrics and usage errors; and
 * "rootwarden rotation --config" over bundles on disk. Certificates are generated here; the
 * shipped catalog roots are used only as the real-world inputs of the profile checks. */
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *dir, *roots;
static struct tu_cert *root_a, *root_b, *expired, *leaf;

static int setup(void **state)
{
	struct tu_cert_opts o;
	time_t now = time(NULL);

	(void)state;
	dir = tu_tmpdir();
	roots = tu_source("roots");
	root_a = tu_root("Test Root A", TU_EC_P256);
	root_b = tu_root("Test Root B", TU_EC_P384);
	tu_cert_opts_init(&o, "Test Expired Root");
	o.ca = 1;
	o.key_usage = GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN;
	o.not_before = now - 400 * 86400;
	o.not_after = now - 30 * 86400;
	expired = tu_make(&o);
	tu_cert_opts_init(&o, "db.example.com");
	o.issuer = root_a->crt;
	o.issuer_key = root_a->key;
	o.key_usage = GNUTLS_KEY_DIGITAL_SIGNATURE;
	leaf = tu_make(&o);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_cert_free(root_a);
	tu_cert_free(root_b);
	tu_cert_free(expired);
	tu_cert_free(leaf);
	tu_rmrf(dir);
	free(dir);
	free(roots);
	return 0;
}

/* Writes the PEM of each cert (NULL-terminated) into dir/name, like `cat a.pem b.pem`. */
static char *bundle(const char *name, ...)
{
	char *path = tu_path(dir, name);
	FILE *fp = fopen(path, "w");
	va_list ap;
	struct tu_cert *c;

	assert_non_null(fp);
	va_start(ap, name);
	while ((c = va_arg(ap, struct tu_cert *)) != NULL)
		fwrite(c->pem.data, 1, c->pem.size, fp);
	va_end(ap);
	fclose(fp);
	return path;
}

/* Concatenates shipped catalog roots (by id) into dir/name. */
static char *catalog_bundle(const char *name, const char *id1, const char *id2)
{
	char *path = tu_path(dir, name);
	FILE *fp = fopen(path, "w");
	const char *ids[] = {id1, id2};

	assert_non_null(fp);
	for (size_t i = 0; i < 2 && ids[i]; i++) {
		char *rel = NULL, *src, *text;

		assert_true(asprintf(&rel, "roots/%s.pem", ids[i]) > 0);
		src = tu_source(rel);
		text = tu_read(src, NULL);
		fputs(text, fp);
		free(text);
		free(src);
		free(rel);
	}
	fclose(fp);
	return path;
}

/* Runs rootwarden check bundle PATH [args...] (NULL-terminated); returns the status. */
static int check(char **out, const char *path, ...)
{
	char *argv[32];
	int n = 0, st;
	va_list ap;
	const char *a;

	argv[n++] = getenv("RW_BINARY");
	argv[n++] = "check";
	argv[n++] = "bundle";
	argv[n++] = "--roots-dir";
	argv[n++] = roots;
	if (path)
		argv[n++] = (char *)path;
	va_start(ap, path);
	while ((a = va_arg(ap, const char *)) != NULL && n < 31)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	assert_non_null(argv[0]);
	st = tu_run(argv, out);
	return st;
}

static void test_empty_file_is_critical(void **state)
{
	char *p = tu_path(dir, "empty.pem"), *out;

	(void)state;
	tu_write(p, "", 0);
	assert_int_equal(check(&out, p, NULL), 2);
	assert_non_null(strstr(out, "CRITICAL"));
	assert_non_null(strstr(out, "empty.pem: empty file"));
	free(out);
	free(p);
}

static void test_garbage_is_unknown(void **state)
{
	char *p = tu_path(dir, "garbage.pem"), *t = tu_path(dir, "trunc.pem"), *out;
	char *half;

	(void)state;
	tu_writef(p, "this is not a certificate\x01\x02\xff\n");
	assert_int_equal(check(&out, p, NULL), 3);
	assert_non_null(strstr(out, "UNKNOWN"));
	assert_non_null(strstr(out, "garbage.pem"));
	free(out);
	/* A truncated PEM block: UNKNOWN naming the file and line. */
	half = strndup((const char *)root_a->pem.data, root_a->pem.size / 2);
	tu_writef(t, "%s", half);
	assert_int_equal(check(&out, t, NULL), 3);
	assert_non_null(strstr(out, "trunc.pem:1: truncated PEM block"));
	free(out);
	free(half);
	/* Not there at all. */
	free(p);
	p = tu_path(dir, "absent.pem");
	assert_int_equal(check(&out, p, NULL), 3);
	assert_non_null(strstr(out, "absent.pem"));
	free(out);
	free(t);
	free(p);
}

static void test_one_root_is_ok(void **state)
{
	char *p = bundle("one.pem", root_a, NULL), *out;

	(void)state;
	assert_int_equal(check(&out, p, NULL), 0);
	assert_non_null(strstr(out, "OK - "));
	assert_non_null(strstr(out, "1 certificate"));
	assert_non_null(strstr(out, "#1 Test Root A"));
	assert_null(strstr(out, "flags:"));
	free(out);
	free(p);
}

static void test_duplicates_are_flagged(void **state)
{
	char *p = bundle("dup.pem", root_a, root_b, root_a, NULL), *out;

	(void)state;
	assert_int_equal(check(&out, p, NULL), 0);
	assert_non_null(strstr(out, "3 certificates"));
	assert_non_null(strstr(out, "duplicate of #1"));
	free(out);
	free(p);
}

static void test_expired_roots(void **state)
{
	char *some = bundle("some-expired.pem", root_a, expired, NULL);
	char *all = bundle("all-expired.pem", expired, NULL), *out;

	(void)state;
	assert_int_equal(check(&out, some, NULL), 1);
	assert_non_null(strstr(out, "WARNING"));
	assert_non_null(strstr(out, "1 expired certificate"));
	free(out);
	assert_int_equal(check(&out, all, NULL), 2);
	assert_non_null(strstr(out, "every certificate in it has expired"));
	free(out);
	free(some);
	free(all);
}

/* An intermediate CA in a trust bundle: unsupported (it rotates without notice), WARNING. */
static void test_intermediate_is_warning(void **state)
{
	struct tu_cert_opts o;
	struct tu_cert *ica;
	char *p, *out;

	(void)state;
	tu_cert_opts_init(&o, "Test Issuing CA 01");
	o.ca = 1;
	o.key_usage = GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN;
	o.issuer = root_a->crt;
	o.issuer_key = root_a->key;
	o.key = TU_EC_P384;
	ica = tu_make(&o);
	p = bundle("ica.pem", root_a, ica, NULL);
	assert_int_equal(check(&out, p, NULL), 1);
	assert_non_null(strstr(out, "intermediate CA: CA but not a self-signed root"));
	assert_non_null(strstr(out, "1 intermediate CA certificate (CA, not a self-signed root)"));
	free(out);
	/* the root alone is fine */
	free(p);
	p = bundle("root-only.pem", root_a, NULL);
	assert_int_equal(check(&out, p, NULL), 0);
	free(out);
	free(p);
	tu_cert_free(ica);
}

static void test_leaf_is_warning(void **state)
{
	char *p = bundle("leaf.pem", root_a, leaf, NULL), *out;

	(void)state;
	assert_int_equal(check(&out, p, NULL), 1);
	assert_non_null(strstr(out, "not a CA certificate"));
	assert_non_null(strstr(out, "1 certificate is not a CA"));
	free(out);
	free(p);
}

/* The example, exactly. */
static void test_baltimore_only_for_mysql_single(void **state)
{
	char *p = catalog_bundle("baltimore.pem", "baltimore-cybertrust-root", NULL), *out;
	char *both =
	        catalog_bundle("both.pem", "baltimore-cybertrust-root", "digicert-global-root-g2");

	(void)state;
	assert_int_equal(
	        check(&out, p, "--profile", "azure-mysql-single", "--at", "2023-01-01", NULL), 2);
	assert_non_null(strstr(out, "CRITICAL"));
	assert_non_null(strstr(out, "missing DigiCert Global Root G2, required now"));
	free(out);
	assert_int_equal(
	        check(&out, p, "--profile", "azure-mysql-single", "--at", "2020-11-01", NULL), 1);
	assert_non_null(strstr(out, "WARNING"));
	assert_non_null(strstr(out, "transition: DigiCert Global Root G2 needed"));
	/* Baltimore is SHA-1-signed: flagged, informational. */
	assert_non_null(strstr(out, "SHA-1-signed root"));
	free(out);
	/* The combined file Microsoft asked for: OK then. */
	assert_int_equal(
	        check(&out, both, "--profile", "azure-mysql-single", "--at", "2020-11-01", NULL),
	        0);
	free(out);
	/* Two profiles: each reported; the worst wins. */
	assert_int_equal(check(&out, both, "--profile", "azure-mysql-single", "--profile",
	                       "azure-mysql-flexible", "--at", "2020-11-01", NULL),
	                 2);
	assert_non_null(strstr(out, "profile azure-mysql-single: OK"));
	assert_non_null(strstr(out, "profile azure-mysql-flexible: CRITICAL"));
	assert_non_null(strstr(out, "missing DigiCert Global Root CA, required now"));
	free(out);
	free(p);
	free(both);
}

static void test_json_and_metrics(void **state)
{
	char *p = catalog_bundle("j.pem", "baltimore-cybertrust-root", NULL), *out;
	char *m = tu_path(dir, "check.prom"), *text;
	json_t *j, *certs, *prof;
	json_error_t je;

	(void)state;
	assert_int_equal(check(&out, p, "--profile", "azure-mysql-single", "--at", "2023-01-01",
	                       "--json", "--metrics-file", m, NULL),
	                 2);
	j = json_loads(out, 0, &je);
	if (j == NULL)
		fail_msg("not JSON: %s\n%s", je.text, out);
	assert_string_equal(json_string_value(json_object_get(j, "schema")),
	                    "rootwarden/check-bundle/1");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "status"), "code")),
	                 2);
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(j, "status"), "text")),
	        "CRITICAL");
	assert_true(json_is_null(json_object_get(j, "error")));
	certs = json_object_get(j, "certificates");
	assert_int_equal(json_array_size(certs), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(certs, 0), "id")),
	                    "baltimore-cybertrust-root");
	assert_true(json_is_true(json_object_get(json_array_get(certs, 0), "sha1_signed")));
	prof = json_array_get(json_object_get(j, "profiles"), 0);
	assert_string_equal(json_string_value(json_object_get(
	                            json_array_get(json_object_get(prof, "missing_now"), 0), "id")),
	                    "digicert-global-root-g2");
	json_decref(j);
	free(out);
	text = tu_read(m, NULL);
	assert_non_null(strstr(text, "rootwarden_check_status{check=\"bundle\",target=\""));
	assert_non_null(strstr(text, "j.pem\"} 2\n"));
	assert_non_null(strstr(text, "# TYPE rootwarden_check_bundle_certificates gauge\n"));
	free(text);
	free(m);
	free(p);
}

static void test_usage_errors_are_unknown(void **state)
{
	char *p = bundle("u.pem", root_a, NULL), *out;

	(void)state;
	assert_int_equal(check(&out, NULL, NULL), 3);
	free(out);
	assert_int_equal(check(&out, p, "--profile", "no-such-profile", NULL), 3);
	assert_non_null(strstr(out, "no-such-profile"));
	free(out);
	assert_int_equal(check(&out, p, "--at", "2023-02-30", NULL), 3);
	free(out);
	assert_int_equal(check(&out, p, "--bogus", NULL), 3);
	free(out);
	free(p);
}

/* rootwarden rotation over a configuration's bundles. */
static void test_rotation_with_config(void **state)
{
	char *balt = catalog_bundle("cfg-balt.pem", "baltimore-cybertrust-root", NULL);
	char *both = catalog_bundle("cfg-both.pem", "baltimore-cybertrust-root",
	                            "digicert-global-root-g2");
	char *conf = tu_path(dir, "rw.conf"), *state_dir = tu_path(dir, "state"), *out;
	char *argv[] = {
	        getenv("RW_BINARY"), "rotation", "--config", conf, "--roots-dir", roots, "--at",
	        "2020-11-01",        NULL,       NULL,       NULL};

	(void)state;
	tu_writef(conf,
	          "state_dir = \"%s\";\n"
	          "bundles = (\n"
	          "  { name = \"both\"; path = \"%s\"; profiles = [\"azure-mysql-single\"]; },\n"
	          "  { name = \"balt\"; path = \"%s\"; profiles = [\"azure-mysql-single\"]; }\n"
	          ");\n",
	          state_dir, both, balt);
	assert_int_equal(tu_run(argv, &out), 1);
	assert_non_null(strstr(out, "bundle both: OK"));
	assert_non_null(strstr(out, "bundle balt: WARNING"));
	assert_non_null(strstr(out, "transition: DigiCert Global Root G2 needed"));
	assert_non_null(strstr(out, "sync on 2022-10-31 (in 729 days): remove Baltimore"));
	free(out);
	argv[7] = "2023-01-01";
	assert_int_equal(tu_run(argv, &out), 2);
	assert_non_null(strstr(out, "bundle balt: CRITICAL"));
	free(out);
	/* --profile narrows the bundles to those using it: none here, so the profiles decide. */
	argv[8] = "--profile";
	argv[9] = "azure-china";
	assert_int_equal(tu_run(argv, &out), 0);
	assert_null(strstr(out, "bundle balt"));
	free(out);
	/* JSON, and usage errors are UNKNOWN. */
	{
		char *jv[] = {getenv("RW_BINARY"),
		              "rotation",
		              "--config",
		              conf,
		              "--roots-dir",
		              roots,
		              "--at",
		              "2020-11-01",
		              "--json",
		              NULL};
		char *bad1[] = {getenv("RW_BINARY"), "rotation", "--warn-days", "-1", NULL};
		char *bad2[] = {getenv("RW_BINARY"), "rotation", "--profile", "nope",
		                "--roots-dir",       roots,      NULL};
		json_t *j;

		assert_int_equal(tu_run(jv, &out), 1);
		j = json_loads(out, 0, NULL);
		assert_non_null(j);
		assert_int_equal(json_array_size(json_object_get(j, "bundles")), 2);
		assert_string_equal(
		        json_string_value(json_object_get(
		                json_object_get(json_array_get(json_object_get(j, "bundles"), 1),
		                                "status"),
		                "text")),
		        "WARNING");
		json_decref(j);
		free(out);
		assert_int_equal(tu_run(bad1, &out), 3);
		free(out);
		assert_int_equal(tu_run(bad2, &out), 3);
		assert_non_null(strstr(out, "unknown profile 'nope'"));
		free(out);
	}
	free(balt);
	free(both);
	free(conf);
	free(state_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_empty_file_is_critical),
	        cmocka_unit_test(test_garbage_is_unknown),
	        cmocka_unit_test(test_one_root_is_ok),
	        cmocka_unit_test(test_duplicates_are_flagged),
	        cmocka_unit_test(test_expired_roots),
	        cmocka_unit_test(test_leaf_is_warning),
	        cmocka_unit_test(test_intermediate_is_warning),
	        cmocka_unit_test(test_baltimore_only_for_mysql_single),
	        cmocka_unit_test(test_json_and_metrics),
	        cmocka_unit_test(test_usage_errors_are_unknown),
	        cmocka_unit_test(test_rotation_with_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
