/* test_catalog.c - the shipped catalog loads and matches the published pins; a broken catalog is
 * refused as a whole with file:line. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "date.h"

static const struct {
	const char *id, *sha256;
} published[] = {
        {"baltimore-cybertrust-root",
         "16AF57A9F676B0AB126095AA5EBADEF22AB31119D644AC95CD4B93DBF3F26AEB"},
        {"digicert-global-root-ca",
         "4348A0E9444C78CB265E058D5E8944B4D84F9662BD26DB257F8934A443C70161"},
        {"digicert-global-root-g2",
         "CB3CCBB76031E5E0138F8DD39A23F9DE47FFC35E43C1144CEA27D46A5AB1CB5F"},
        {"digicert-global-root-g3",
         "31AD6648F8104138C738F39EA4320133393E3A18CC02296EF97C2AC9EF6731D0"},
        {"d-trust-root-class-3-ca-2-2009",
         "49E7A442ACF0EA6287050054B52564B650E4F49E42E348D6AA38E039E957B1C1"},
        {"microsoft-rsa-root-2017",
         "C741F70F4B2A8D88BF2E71C14122EF53EF10EBA0CFA5E64CFA20F418853073E0"},
        {"microsoft-ecc-root-2017",
         "358DF39D764AF9E1B766E9C972DF352EE15CFAC227AF6AD1D70E8E4A6EDCBA02"},
        {"digicert-tls-rsa4096-root-g5",
         "371A00DC0533B3721A7EEB40E8419E70799D2B0A0F2C1D80693165F7CEC4AD75"},
        {"digicert-tls-ecc-p384-root-g5",
         "018E13F0772532CF809BD1B17281867283FC48C6E13BE9C69812854A490C1B05"},
};

static void test_shipped_catalog_matches_reference(void **state)
{
	struct catalog *cat = NULL;
	struct rw_err e = {{0}, 0};
	char *dir = tu_source("roots");
	char d[11];
	const char *profiles[] = {"azure-mysql-single",
	                          "azure-postgres-single",
	                          "azure-mysql-flexible",
	                          "azure-postgres-flexible",
	                          "azure-government",
	                          "azure-government-mysql-flexible",
	                          "azure-china",
	                          "azure-china-postgres-flexible",
	                          "azure-germany",
	                          "azure-china-mysql-flexible",
	                          "azure-sql",
	                          "azure-mariadb",
	                          "azure-cosmos-db",
	                          "azure-cache-redis",
	                          "azure-all-roots"};

	(void)state;
	assert_int_equal(catalog_load(dir, &cat, &e), 0);
	assert_int_equal(cat->n_roots, 9);
	assert_true(cat->version >= 2);
	assert_true(cat->date > 0);
	for (size_t i = 0; i < sizeof(published) / sizeof(published[0]); i++) {
		long ri = catalog_root_index(cat, published[i].id);

		assert_true(ri >= 0);
		assert_string_equal(cat->roots[ri].sha256, published[i].sha256);
		assert_string_equal(cat->roots[ri].cert->sha256, published[i].sha256);
		assert_string_equal(cat->roots[ri].cert->spki_sha256, cat->roots[ri].spki_sha256);
		assert_true(cat->roots[ri].n_urls >= 1);
	}
	date_format(date_of_time(cat->roots[catalog_root_index(cat, "baltimore-cybertrust-root")]
	                                 .cert->not_after),
	            d);
	assert_string_equal(d, "2025-05-12");
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		assert_non_null(catalog_profile(cat, profiles[i]));
	assert_null(catalog_profile(cat, "azure-nowhere"));
	catalog_free(cat);
	free(dir);
}

/* A writable copy of the shipped roots directory whose catalog.conf has 'from' replaced by 'to'. */
static char *broken_copy(const char *from, const char *to)
{
	char *src = tu_source("roots"), *dir = tu_tmpdir(), *conf, *text, *pos, *out;
	char *argv[] = {"cp", "-r", NULL, NULL, NULL};
	char srcdot[4096];

	snprintf(srcdot, sizeof(srcdot), "%s/.", src);
	argv[2] = srcdot;
	argv[3] = dir;
	assert_int_equal(tu_run(argv, NULL), 0);
	conf = tu_path(dir, "catalog.conf");
	text = tu_read(conf, NULL);
	pos = strstr(text, from);
	if (pos == NULL)
		fail_msg("'%s' not found in catalog.conf", from);
	out = malloc(strlen(text) + strlen(to) + 1);
	memcpy(out, text, (size_t)(pos - text));
	strcpy(out + (pos - text), to);
	strcat(out, pos + strlen(from));
	tu_write(conf, out, strlen(out));
	free(out);
	free(text);
	free(conf);
	free(src);
	return dir;
}

/* Loads a broken copy and checks the message contains each expected fragment. */
static void expect_refused(const char *from, const char *to, const char *want1, const char *want2)
{
	char *dir = broken_copy(from, to);
	struct catalog *cat = NULL;
	struct rw_err e = {{0}, 0};

	assert_int_equal(catalog_load(dir, &cat, &e), -1);
	assert_null(cat);
	assert_int_equal(e.status, RW_EXIT_INPUT);
	if (strstr(e.msg, want1) == NULL || (want2 && strstr(e.msg, want2) == NULL))
		fail_msg("message '%s' lacks '%s' / '%s'", e.msg, want1, want2 ? want2 : "");
	tu_rmrf(dir);
	free(dir);
}

static void test_pin_mismatch_refuses_whole_catalog(void **state)
{
	(void)state;
	/* a wrong SHA-256 pin with the right key pin: the file reads as a re-issue of the root
	 * with the same key, refused in words of its own (not those of a substitution) */
	expect_refused(
	        "sha256 = \"CB3CCBB76031E5E0138F8DD39A23F9DE47FFC35E43C1144CEA27D46A5AB1CB5F\"",
	        "sha256 = \"CB3CCBB76031E5E0138F8DD39A23F9DE47FFC35E43C1144CEA27D46A5AB1CB50\"",
	        "root 'digicert-global-root-g2' was re-issued with the same key",
	        "digicert-global-root-g2.pem");
	/* a wrong SPKI pin */
	expect_refused("spki_sha256 = "
	               "\"8BB593A93BE1D0E8A822BB887C547890C3E706AAD2DAB76254F97FB36B82FC26\"",
	               "spki_sha256 = "
	               "\"0BB593A93BE1D0E8A822BB887C547890C3E706AAD2DAB76254F97FB36B82FC26\"",
	               "root 'digicert-global-root-g2' does not match its SPKI SHA-256 pin", NULL);
	/* the file of another root */
	expect_refused("file = \"digicert-global-root-g3.pem\"",
	               "file = \"digicert-global-root-g2.pem\"",
	               "root 'digicert-global-root-g3' does not match its SHA-256 pin", NULL);
	/* a missing file */
	expect_refused("file = \"digicert-global-root-g3.pem\"", "file = \"nowhere.pem\"",
	               "root 'digicert-global-root-g3'", "nowhere.pem: No such file");
}

static void test_schema_errors_name_file_and_line(void **state)
{
	(void)state;
	expect_refused("    name = \"DigiCert Global Root G3\";",
	               "    name = \"DigiCert Global Root G3\";\n    colour = \"blue\";",
	               "catalog.conf:", "unknown key 'colour' in root 'digicert-global-root-g3'");
	expect_refused("catalog_version = 3;", "catalog_version = \"1\";",
	               "catalog.conf:", "'catalog_version' in the catalog must be an integer");
	expect_refused(
	        "required = [ \"digicert-global-root-ca\" ];\n        note = \"Single Server "
	        "documentation for Azure China",
	        "required = [ \"digicert-global-root-cb\" ];\n        note = \"Single Server "
	        "documentation for Azure China",
	        "names unknown root 'digicert-global-root-cb'", "profile 'azure-china'");
	expect_refused("{ from = \"2022-10-01\";", "{ from = \"2019-10-01\";",
	               "is out of date order", "profile 'azure-mysql-single'");
	expect_refused("{ from = \"2022-10-01\";", "{ from = \"2022-10-32\";", "is not a date",
	               NULL);
	expect_refused("id = \"azure-germany\";", "id = \"azure-china\";",
	               "profile 'azure-china' is defined twice", NULL);
	expect_refused("catalog_version = 3;", "catalog_version = = 1;",
	               "catalog.conf:", "syntax error");
}

static void test_line_numbers_are_exact(void **state)
{
	char *dir = broken_copy("catalog_version = 3;", "catalog_version = 3;\nbogus = 3;");
	char *conf = tu_path(dir, "catalog.conf"), *text = tu_read(conf, NULL), *pos, want[64];
	struct catalog *cat = NULL;
	struct rw_err e = {{0}, 0};
	int line = 1;

	(void)state;
	pos = strstr(text, "bogus = 3;");
	for (char *p = text; p < pos; p++)
		line += *p == '\n';
	snprintf(want, sizeof(want), "catalog.conf:%d: unknown key 'bogus'", line);
	assert_int_equal(catalog_load(dir, &cat, &e), -1);
	assert_non_null(strstr(e.msg, want));
	tu_rmrf(dir);
	free(dir);
	free(conf);
	free(text);
}

/* The data the issue asks for, as loaded: moved dates, retirements, an end. */
static void test_moved_dates_retirements_and_ends(void **state)
{
	struct catalog *cat = NULL;
	struct rw_err e = {{0}, 0};
	char *dir = tu_source("roots");
	const struct catalog_profile *p;
	char d[11];

	(void)state;
	assert_int_equal(catalog_load(dir, &cat, &e), 0);
	/* MySQL Flexible's transition: July 2025, then September 2025, then September 2026 */
	p = catalog_profile(cat, "azure-mysql-flexible");
	assert_int_equal(p->steps[1].n_dates, 3);
	date_format(p->steps[1].from, d);
	assert_string_equal(d, "2025-07-01");
	date_format(p->steps[1].latest, d);
	assert_string_equal(d, "2026-09-01");
	date_format(p->steps[1].dates[1].day, d);
	assert_string_equal(d, "2025-09-01");
	assert_non_null(
	        strstr(p->steps[1].dates[0].source, "concepts-root-certificate-rotation.md"));
	/* a single-date step: from == latest */
	assert_int_equal(p->steps[0].from, p->steps[0].latest);
	/* Single Servers became Flexible Servers */
	p = catalog_profile(cat, "azure-mysql-single");
	assert_string_equal(p->becomes.target, "azure-mysql-flexible");
	date_format(p->becomes.day, d);
	assert_string_equal(d, "2024-09-16");
	assert_null(catalog_profile_successor(cat, p, p->becomes.day - 1));
	assert_ptr_equal(catalog_profile_successor(cat, p, p->becomes.day),
	                 catalog_profile(cat, "azure-mysql-flexible"));
	p = catalog_profile(cat, "azure-postgres-single");
	date_format(p->becomes.day, d);
	assert_string_equal(d, "2025-03-28");
	/* Azure Germany ended */
	p = catalog_profile(cat, "azure-germany");
	date_format(p->ends.day, d);
	assert_string_equal(d, "2021-10-29");
	assert_false(catalog_profile_ended(p, p->ends.day - 1));
	assert_true(catalog_profile_ended(p, p->ends.day));
	catalog_free(cat);
	free(dir);
}

static void test_new_keys_are_checked(void **state)
{
	(void)state;
	expect_refused("id = \"azure-china\";",
	               "id = \"azure-china\"; becomes = { profile = \"azure-nowhere\"; "
	               "from = \"2024-09-16\"; };",
	               "catalog.conf:", "becomes unknown profile 'azure-nowhere'");
	/* both 'from' and 'dates' */
	expect_refused("{ from = \"2022-10-31\"; required = [ \"digicert-global-root-g2\" ];",
	               "{ from = \"2022-10-31\"; dates = ( { date = \"2022-11-01\"; source = "
	               "\"x\"; } ); required = [ \"digicert-global-root-g2\" ];",
	               "needs either 'from' (one date) or 'dates'", "not both");
	/* a published date that is not a date */
	expect_refused("{ date = \"2025-09-01\";", "{ date = \"2025-09-31\";",
	               "catalog.conf:", "'2025-09-31' is not a date");
	/* a step whose latest date reaches past the next step's earliest */
	expect_refused("{ date = \"2021-02-15\";", "{ date = \"2022-10-01\";",
	               "catalog.conf:", "out of date order");
	/* ends before the profile's first step */
	expect_refused("ends = { from = \"2021-10-29\";", "ends = { from = \"2001-10-29\";",
	               "profile 'azure-germany' ends before its first step", NULL);
	/* catalog_date */
	expect_refused("catalog_date = \"2026-12-01\";", "catalog_date = \"2026-13-01\";",
	               "catalog_date '2026-13-01' is not a date", NULL);
	/* a cycle of 'becomes' */
	expect_refused("id = \"azure-mysql-flexible\";",
	               "id = \"azure-mysql-flexible\"; becomes = { profile = "
	               "\"azure-mysql-single\"; from = \"2024-09-16\"; };",
	               "its 'becomes' chain comes back to itself", NULL);
}

/* A root re-issued with the same key is told apart from a substitution, and neither is trusted. */
static void test_reissued_root_is_not_a_substitution(void **state)
{
	struct tu_cert_opts o;
	struct tu_cert *orig, *reissue, *other;
	struct cert *co, *cr, *cx;
	struct catalog_root r;
	struct rw_err e = {{0}, 0};

	(void)state;
	tu_cert_opts_init(&o, "Test Re-issue Root");
	o.ca = 1;
	o.key_usage = GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN;
	o.key = TU_EC_P256;
	o.serial = 1;
	orig = tu_make(&o);
	o.serial = 2; /* same (cached) key, another certificate */
	reissue = tu_make(&o);
	o.fresh_key = 1; /* another key */
	other = tu_make(&o);
	co = cert_from_der(orig->der.data, orig->der.size, "orig.pem", &e);
	cr = cert_from_der(reissue->der.data, reissue->der.size, "reissue.pem", &e);
	cx = cert_from_der(other->der.data, other->der.size, "other.pem", &e);
	assert_non_null(co);
	assert_non_null(cr);
	assert_non_null(cx);
	memset(&r, 0, sizeof(r));
	r.id = "test-root";
	snprintf(r.sha256, sizeof(r.sha256), "%s", co->sha256);
	snprintf(r.spki_sha256, sizeof(r.spki_sha256), "%s", co->spki_sha256);
	assert_int_equal(catalog_root_classify(&r, co), CATALOG_MATCH_SAME);
	assert_int_equal(catalog_root_matches(&r, co, &e), 0);
	assert_int_equal(catalog_root_classify(&r, cr), CATALOG_MATCH_REISSUED);
	assert_int_equal(catalog_root_matches(&r, cr, &e), -1);
	assert_non_null(strstr(e.msg, "re-issued with the same key"));
	assert_null(strstr(e.msg, "does not match"));
	assert_int_equal(catalog_root_classify(&r, cx), CATALOG_MATCH_OTHER);
	assert_int_equal(catalog_root_matches(&r, cx, &e), -1);
	assert_non_null(strstr(e.msg, "does not match its SHA-256 pin"));
	/* without an SPKI pin a re-issue cannot be recognised: another certificate */
	r.spki_sha256[0] = '\0';
	assert_int_equal(catalog_root_classify(&r, cr), CATALOG_MATCH_OTHER);
	/* the SHA-256 pin matches but the SPKI pin names another key: the entry is inconsistent */
	snprintf(r.spki_sha256, sizeof(r.spki_sha256), "%s", cx->spki_sha256);
	assert_int_equal(catalog_root_classify(&r, co), CATALOG_MATCH_KEY_MISMATCH);
	cert_free(co);
	cert_free(cr);
	cert_free(cx);
	tu_cert_free(orig);
	tu_cert_free(reissue);
	tu_cert_free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_moved_dates_retirements_and_ends),
	        cmocka_unit_test(test_new_keys_are_checked),
	        cmocka_unit_test(test_reissued_root_is_not_a_substitution),
	        cmocka_unit_test(test_shipped_catalog_matches_reference),
	        cmocka_unit_test(test_pin_mismatch_refuses_whole_catalog),
	        cmocka_unit_test(test_schema_errors_name_file_and_line),
	        cmocka_unit_test(test_line_numbers_are_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
