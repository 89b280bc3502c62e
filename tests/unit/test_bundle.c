/* test_bundle.c - what goes into a bundle: golden files for every profile around each rotation
 * step, reproducible bytes whatever the input order or time zone, includes and excludes. */
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "bundle.h"
#include "catalog.h"
#include "date.h"
#include "emit.h"
#include "plan.h"
#include "save.h"

struct fx {
	struct catalog *cat;
	char *dir;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct rw_err e = {{0}, 0};
	char *roots = tu_source("roots");

	if (catalog_load(roots, &f->cat, &e) < 0)
		fail_msg("%s", e.msg);
	free(roots);
	f->dir = tu_tmpdir();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	catalog_free(f->cat);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Builds and writes a bundle to path; returns the build result (0 / -1). */
static int build_to(struct fx *f, const struct bundle_spec *spec, const char *path,
                    struct rw_err *e)
{
	struct bundle b;
	struct emit_opts o;

	if (bundle_build(f->cat, spec, &b, e) < 0)
		return -1;
	emit_opts_init(&o);
	assert_true(emit_pem(&b, path, &o, e) >= 0);
	bundle_free(&b);
	return 0;
}

static void test_golden_bundles(void **state)
{
	struct fx *f = *state;
	char *manifest = tu_source("tests/golden/bundles/MANIFEST");
	char *text = tu_read(manifest, NULL), *save_ptr = NULL;
	size_t checked = 0, refused = 0;

	for (char *line = strtok_r(text, "\n", &save_ptr); line;
	     line = strtok_r(NULL, "\n", &save_ptr)) {
		char profile[128], date[16], flag[16] = "", rel[256], *golden, *got, *want, *out;
		const char *profiles[1];
		struct bundle_spec spec;
		struct rw_err e = {{0}, 0};
		int n;

		if (line[0] == '#')
			continue;
		n = sscanf(line, "%127s %15s %15s", profile, date, flag);
		assert_true(n >= 2);
		bundle_spec_init(&spec);
		profiles[0] = profile;
		spec.profiles = profiles;
		spec.n_profiles = 1;
		assert_int_equal(date_parse(date, &spec.day), 0);
		snprintf(rel, sizeof(rel), "%s@%s.pem", profile, date);
		out = tu_path(f->dir, rel);
		if (strcmp(flag, "error") == 0) {
			if (build_to(f, &spec, out, &e) == 0)
				fail_msg("%s at %s should be refused", profile, date);
			assert_int_equal(e.status, RW_EXIT_INPUT);
			refused++;
			free(out);
			continue;
		}
		if (build_to(f, &spec, out, &e) < 0)
			fail_msg("%s at %s: %s", profile, date, e.msg);
		snprintf(rel, sizeof(rel), "tests/golden/bundles/%s@%s.pem", profile, date);
		golden = tu_source(rel);
		want = tu_read(golden, NULL);
		got = tu_read(out, NULL);
		if (strcmp(want, got) != 0)
			fail_msg("%s differs from %s", out, golden);
		checked++;
		free(golden);
		free(want);
		free(got);
		free(out);
	}
	assert_true(checked >= 30);
	/* every "error" line was refused: no timeline yet, or the profile had ended */
	assert_true(refused >= 5);
	free(text);
	free(manifest);
}

/* Whether step k of q leaves out a root that step k - 1 wrote. */
static int step_drops(const struct catalog_profile *q, size_t k)
{
	const struct catalog_step *s = &q->steps[k], *prev = &q->steps[k - 1];

	for (size_t i = 0; i < prev->n_required + prev->n_optional; i++) {
		size_t r = i < prev->n_required ? prev->required[i]
		                                : prev->optional[i - prev->n_required];
		int kept = 0;

		for (size_t j = 0; j < s->n_required; j++)
			kept |= s->required[j] == r;
		for (size_t j = 0; j < s->n_optional; j++)
			kept |= s->optional[j] == r;
		if (!kept)
			return 1;
	}
	return 0;
}

/* Appends to missing each of "ID DAY-1" and "ID DAY" that MANIFEST (lines) lacks. */
static void want_around(const char *lines, const char *id, int32_t day, struct buf *missing)
{
	for (int32_t d = day - 1; d <= day; d++) {
		char ds[11], want[192];

		date_format(d, ds);
		snprintf(want, sizeof(want), "\n%s %s", id, ds);
		if (strstr(lines, want) == NULL &&
		    (missing->len == 0 || !strstr(missing->data, want + 1)))
			buf_printf(missing, "%s %s\n", id, ds);
	}
}

/* MANIFEST has a golden bundle (or an "error" line) for every profile on the day before and the
 * day of each step (its earliest date), of the end of the grace period of each step that drops a
 * root (latest date + 30 days), of 'becomes' and 'ends', and of the same days of the profile it
 * became from then on: a catalog change cannot skip its goldens. */
static void test_goldens_cover_every_step(void **state)
{
	struct fx *f = *state;
	char *manifest = tu_source("tests/golden/bundles/MANIFEST");
	char *text = tu_read(manifest, NULL), *lines = NULL;
	struct buf missing;

	buf_init(&missing, 0);
	assert_true(asprintf(&lines, "\n%s", text) > 0);
	for (size_t i = 0; i < f->cat->n_profiles; i++) {
		const struct catalog_profile *p = &f->cat->profiles[i], *q = p;
		int32_t bound = INT32_MIN;

		for (int depth = 0; q != NULL && depth < 8; depth++) {
			for (size_t k = 0; k < q->n_steps; k++) {
				if (q->steps[k].from >= bound)
					want_around(lines, p->id, q->steps[k].from, &missing);
				if (k > 0 && step_drops(q, k) &&
				    q->steps[k].latest + PLAN_DEFAULT_GRACE_DAYS >= bound)
					want_around(lines, p->id,
					            q->steps[k].latest + PLAN_DEFAULT_GRACE_DAYS,
					            &missing);
			}
			if (q->ends.day >= 0)
				want_around(lines, p->id, q->ends.day, &missing);
			if (q->becomes.day < 0)
				break;
			want_around(lines, p->id, q->becomes.day, &missing);
			bound = q->becomes.day;
			q = catalog_profile(f->cat, q->becomes.target);
		}
	}
	if (missing.len) {
		fputs(missing.data, stderr);
		fail_msg("tests/golden/bundles/MANIFEST lacks the lines above (add them, then run "
		         "regen.sh)");
	}
	buf_free(&missing);
	free(lines);
	free(text);
	free(manifest);
}

static void test_rotation_examples_of_the_issue(void **state)
{
	struct fx *f = *state;
	const char *p[] = {"azure-mysql-single"};
	struct {
		const char *date;
		const char *names[3];
	} cases[] = {
	        {"2019-06-01", {"Baltimore CyberTrust Root", NULL}},
	        {"2020-11-01", {"Baltimore CyberTrust Root", "DigiCert Global Root G2", NULL}},
	        {"2023-06-01", {"DigiCert Global Root G2", NULL}},
	};

	for (size_t i = 0; i < 3; i++) {
		struct bundle_spec spec;
		struct bundle b;
		struct rw_err e = {{0}, 0};
		size_t n = 0;

		bundle_spec_init(&spec);
		spec.profiles = p;
		spec.n_profiles = 1;
		date_parse(cases[i].date, &spec.day);
		assert_int_equal(bundle_build(f->cat, &spec, &b, &e), 0);
		while (cases[i].names[n])
			n++;
		assert_int_equal(b.certs.n, n);
		for (size_t k = 0; k < n; k++)
			assert_string_equal(b.certs.v[k]->label, cases[i].names[k]);
		bundle_free(&b);
	}
}

static void test_union_of_profiles_and_strongest_role(void **state)
{
	struct fx *f = *state;
	const char *p[] = {"azure-mysql-flexible", "azure-postgres-single"};
	struct bundle_spec spec;
	struct bundle b;
	struct rw_err e = {{0}, 0};

	bundle_spec_init(&spec);
	spec.profiles = p;
	spec.n_profiles = 2;
	date_parse("2025-08-01", &spec.day);
	assert_int_equal(bundle_build(f->cat, &spec, &b, &e), 0);
	/* Global Root CA, G2, G3, MS RSA, MS ECC: the union, each once */
	assert_int_equal(b.certs.n, 5);
	assert_int_equal(b.plan.role[catalog_root_index(f->cat, "digicert-global-root-g2")],
	                 PLAN_REQUIRED);
	assert_int_equal(b.plan.role[catalog_root_index(f->cat, "digicert-global-root-g3")],
	                 PLAN_OPTIONAL);
	bundle_free(&b);
}

/* Writes the roots in r[] to a directory as one file each, named so that their byte order is
 * the reverse of 'order'. */
static void test_reproducible_whatever_input_order_and_zone(void **state)
{
	struct fx *f = *state;
	struct tu_cert *r[12];
	char *d1 = tu_path(f->dir, "in1"), *d2 = tu_path(f->dir, "in2"), *cat2;
	char *o1 = tu_path(f->dir, "o1.pem"), *o2 = tu_path(f->dir, "o2.pem");
	char *o3 = tu_path(f->dir, "o3.pem"), *a, *b, *c;
	const char *p[] = {"azure-postgres-flexible"};
	const char *inc1[] = {d1}, *inc2[2];
	struct bundle_spec spec;
	struct rw_err e = {{0}, 0};
	char name[64];
	size_t total = 0;
	char *concat;

	mkdir(d1, 0755);
	mkdir(d2, 0755);
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "Local Root %02d", (i * 7) % 12);
		r[i] = tu_root(name, i % 2 ? TU_EC_P256 : TU_RSA_2048);
		total += r[i]->pem.size;
	}
	for (int i = 0; i < 12; i++) {
		char *p1, *p2;

		snprintf(name, sizeof(name), "%02d.pem", i);
		p1 = tu_path(d1, name);
		tu_write(p1, r[i]->pem.data, r[i]->pem.size);
		snprintf(name, sizeof(name), "%02d.der", 11 - i);
		p2 = tu_path(d2, name);
		tu_write(p2, r[i]->der.data, r[i]->der.size);
		free(p1);
		free(p2);
	}
	/* a third form: one file, reversed order, with a duplicate */
	concat = malloc(total + r[3]->pem.size);
	total = 0;
	for (int i = 11; i >= 0; i--) {
		memcpy(concat + total, r[i]->pem.data, r[i]->pem.size);
		total += r[i]->pem.size;
	}
	memcpy(concat + total, r[3]->pem.data, r[3]->pem.size);
	total += r[3]->pem.size;
	cat2 = tu_path(f->dir, "all.pem");
	tu_write(cat2, concat, total);

	bundle_spec_init(&spec);
	spec.profiles = p;
	spec.n_profiles = 1;
	spec.day = date_today(); /* the generated roots are valid around today */
	spec.includes = inc1;
	spec.n_includes = 1;
	assert_int_equal(build_to(f, &spec, o1, &e), 0);

	setenv("TZ", "Pacific/Kiritimati", 1);
	tzset();
	inc2[0] = cat2;
	inc2[1] = d2;
	spec.includes = inc2;
	spec.n_includes = 2;
	assert_int_equal(build_to(f, &spec, o2, &e), 0);
	setenv("TZ", "America/St_Johns", 1);
	tzset();
	spec.n_includes = 1;
	inc2[0] = d2;
	assert_int_equal(build_to(f, &spec, o3, &e), 0);
	setenv("TZ", "UTC", 1);
	tzset();

	a = tu_read(o1, NULL);
	b = tu_read(o2, NULL);
	c = tu_read(o3, NULL);
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	/* 12 local roots + G2 + MS RSA + Global Root CA (optional) */
	{
		size_t blocks = 0;

		for (char *q = a; (q = strstr(q, "BEGIN CERTIFICATE")); q++)
			blocks++;
		assert_int_equal(blocks, 15);
	}
	for (int i = 0; i < 12; i++)
		tu_cert_free(r[i]);
	free(a);
	free(b);
	free(c);
	free(concat);
	free(cat2);
	free(d1);
	free(d2);
	free(o1);
	free(o2);
	free(o3);
}

static void test_includes_must_be_roots_and_expired_are_dropped(void **state)
{
	struct fx *f = *state;
	struct tu_cert_opts o;
	struct tu_cert *leaf, *old;
	char *lp = tu_path(f->dir, "leaf.pem"), *xp = tu_path(f->dir, "old.pem");
	const char *p[] = {"azure-china"}, *inc[1];
	struct bundle_spec spec;
	struct bundle b;
	struct rw_err e = {{0}, 0};

	tu_cert_opts_init(&o, "leaf.example.com");
	leaf = tu_make(&o);
	tu_write(lp, leaf->pem.data, leaf->pem.size);
	tu_cert_opts_init(&o, "Expired Local Root");
	o.ca = 1;
	o.not_before = time(NULL) - 100 * 86400;
	o.not_after = time(NULL) - 2 * 86400;
	old = tu_make(&o);
	tu_write(xp, old->pem.data, old->pem.size);

	bundle_spec_init(&spec);
	spec.profiles = p;
	spec.n_profiles = 1;
	inc[0] = lp;
	spec.includes = inc;
	spec.n_includes = 1;
	assert_int_equal(bundle_build(f->cat, &spec, &b, &e), -1);
	assert_int_equal(e.status, RW_EXIT_INPUT);
	assert_non_null(strstr(e.msg, "leaf.pem:1: leaf.example.com is not a root"));

	inc[0] = xp;
	assert_int_equal(bundle_build(f->cat, &spec, &b, &e), 0);
	assert_int_equal(b.certs.n, 1);
	assert_int_equal(b.n_notes, 1);
	assert_non_null(strstr(b.notes[0], "dropped Expired Local Root"));
	bundle_free(&b);
	spec.keep_expired = 1;
	assert_int_equal(bundle_build(f->cat, &spec, &b, &e), 0);
	assert_int_equal(b.certs.n, 2);
	bundle_free(&b);
	tu_cert_free(leaf);
	tu_cert_free(old);
	free(lp);
	free(xp);
}

static void test_excluding_a_required_root_is_refused(void **state)
{
	struct fx *f = *state;
	const char *p[] = {"azure-mysql-single"};
	const char *ex[] = {
	        "cb:3c:cb:b7:60:31:e5:e0:13:8f:8d:d3:9a:23:f9:de:47:ff:c3:5e:43:c1:14:4c:"
	        "ea:27:d4:6a:5a:b1:cb:5f"};
	const char *ex_opt[] = {"31AD6648F8104138C738F39EA4320133393E3A18CC02296EF97C2AC9EF6731D0"};
	const char *bad[] = {"12345"};
	const char *pg[] = {"azure-postgres-single"};
	struct bundle_spec spec;
	struct bundle b;
	struct rw_err e = {{0}, 0};

	bundle_spec_init(&spec);
	spec.profiles = p;
	spec.n_profiles = 1;
	date_parse("2020-11-01", &spec.day);
	spec.excludes = ex;
	spec.n_excludes = 1;
	assert_int_equal(bundle_build(f->cat, &spec, &b, &e), -1);
	assert_string_equal(e.msg, "bundle azure-mysql-single at 2020-11-01 lacks required roots: "
	                           "DigiCert Global Root G2 (excluded)");
	spec.excludes = bad;
	assert_int_equal(bundle_build(f->cat, &spec, &b, &e), -1);
	assert_non_null(strstr(e.msg, "not a SHA-256 fingerprint"));

	/* an optional root may be excluded */
	spec.profiles = pg;
	date_parse("2023-01-01", &spec.day);
	spec.excludes = ex_opt;
	assert_int_equal(bundle_build(f->cat, &spec, &b, &e), 0);
	assert_int_equal(b.certs.n, 3);
	assert_null(certlist_find(&b.certs, ex_opt[0]));
	bundle_free(&b);
}

static void test_unknown_profile_and_no_timeline(void **state)
{
	struct fx *f = *state;
	const char *p[] = {"azure-nowhere"}, *q[] = {"azure-mysql-flexible"};
	struct bundle_spec spec;
	struct bundle b;
	struct rw_err e = {{0}, 0};

	bundle_spec_init(&spec);
	spec.profiles = p;
	spec.n_profiles = 1;
	assert_int_equal(bundle_build(f->cat, &spec, &b, &e), -1);
	assert_non_null(strstr(e.msg, "unknown profile 'azure-nowhere'"));
	spec.profiles = q;
	date_parse("2000-01-01", &spec.day);
	assert_int_equal(bundle_build(f->cat, &spec, &b, &e), -1);
	assert_non_null(strstr(e.msg, "profile 'azure-mysql-flexible' has no timeline before "
	                              "2006-11-10"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_goldens_cover_every_step),
	        cmocka_unit_test(test_golden_bundles),
	        cmocka_unit_test(test_rotation_examples_of_the_issue),
	        cmocka_unit_test(test_union_of_profiles_and_strongest_role),
	        cmocka_unit_test(test_reproducible_whatever_input_order_and_zone),
	        cmocka_unit_test(test_includes_must_be_roots_and_expired_are_dropped),
	        cmocka_unit_test(test_excluding_a_required_root_is_refused),
	        cmocka_unit_test(test_unknown_profile_and_no_timeline),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
