/* test_rotation.c - the rotation analysis over the shipped catalog: for every profile, the roots
 * required and the roots sync writes before, on and after each step, around Baltimore's expiry,
 * on a leap day and in another time zone; the grace and successor rules; bundle readiness
 * verdicts (the Baltimore example); the rotation-upcoming record (once, not twice); and
 * the golden rotation reports. */
#include "testutil.h"

#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bundle.h"
#include "catalog.h"
#include "date.h"
#include "plan.h"
#include "rotation.h"
#include "store.h"

#define B "baltimore-cybertrust-root"
#define CA "digicert-global-root-ca"
#define G2 "digicert-global-root-g2"
#define G3 "digicert-global-root-g3"
#define DT "d-trust-root-class-3-ca-2-2009"
#define R5 "digicert-tls-rsa4096-root-g5"
#define E5 "digicert-tls-ecc-p384-root-g5"
#define ALL B " " CA " " G2 " " G3 " " R5 " " E5 " " MR " " ME
#define MR "microsoft-rsa-root-2017"
#define ME "microsoft-ecc-root-2017"

static struct catalog *cat;
static char *dir;

static int setup(void **state)
{
	struct rw_err e = {{0}, 0};
	char *roots = tu_source("roots");

	(void)state;
	if (catalog_load(roots, &cat, &e) < 0)
		fail_msg("%s", e.msg);
	free(roots);
	dir = tu_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	catalog_free(cat);
	tu_rmrf(dir);
	free(dir);
	return 0;
}

static int32_t day(const char *s)
{
	int32_t d;

	if (date_parse(s, &d) < 0)
		fail_msg("bad date %s", s);
	return d;
}

/* "id id id" sorted by catalog index, as the library returns them. */
static char *ids_text(const struct rotation_roots *r)
{
	static char out[1024];

	out[0] = '\0';
	for (size_t i = 0; i < r->n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? " " : "",
		         cat->roots[r->v[i]].id);
	return out;
}

/* Normalises a space-separated id list to catalog order. */
static char *canon(const char *ids)
{
	static char out[1024];
	struct rotation_roots r = {0};
	char tmp[1024], *save = NULL;
	size_t *v = calloc(cat->n_roots, sizeof(*v));

	snprintf(tmp, sizeof(tmp), "%s", ids);
	r.v = v;
	for (char *t = strtok_r(tmp, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		long ri = catalog_root_index(cat, t);

		if (ri < 0)
			fail_msg("unknown root %s in the test table", t);
		r.v[r.n++] = (size_t)ri;
	}
	for (size_t i = 0; i < r.n; i++)
		for (size_t k = i + 1; k < r.n; k++)
			if (r.v[k] < r.v[i]) {
				size_t x = r.v[i];

				r.v[i] = r.v[k];
				r.v[k] = x;
			}
	snprintf(out, sizeof(out), "%s", ids_text(&r));
	free(v);
	return out;
}

/* Every profile around each of its steps, Baltimore's expiry (2025-05-12, notAfter 23:59 UTC:
 * still valid that day, expired on the 13th), a leap day, and the grace end (30 days). Once a
 * service has become another, what it requires includes what its successor requires. */
static const struct row {
	const char *profile, *date;
	const char *required; /* NULL: no timeline on that day */
	const char *written;
} table[] = {
        {"azure-mysql-single", "2000-05-11", NULL, NULL},
        {"azure-mysql-single", "2000-05-12", B, B},
        {"azure-mysql-single", "2000-05-13", B, B},
        {"azure-mysql-single", "2020-10-25", B, B},
        {"azure-mysql-single", "2020-10-26", B " " G2, B " " G2},
        {"azure-mysql-single", "2020-10-27", B " " G2, B " " G2},
        {"azure-mysql-single", "2021-02-15", B " " G2, B " " G2},
        {"azure-mysql-single", "2022-09-30", B " " G2, B " " G2},
        {"azure-mysql-single", "2022-10-01", G2, B " " G2},
        {"azure-mysql-single", "2022-10-02", G2, B " " G2},
        {"azure-mysql-single", "2022-10-30", G2, B " " G2},
        {"azure-mysql-single", "2022-10-31", G2, G2},
        /* in-place auto-migration: keep Baltimore, G2 and DigiCert Global Root CA */
        {"azure-mysql-single", "2023-07-09", G2, G2},
        {"azure-mysql-single", "2023-07-10", B " " G2 " " CA, B " " G2 " " CA},
        {"azure-mysql-single", "2024-02-29", B " " G2 " " CA, B " " G2 " " CA},
        /* retired 2024-09-16: it became azure-mysql-flexible, whose roots it also wants */
        {"azure-mysql-single", "2024-09-16", B " " G2 " " CA, B " " G2 " " CA},
        {"azure-mysql-single", "2025-05-11", B " " G2 " " CA, B " " G2 " " CA},
        {"azure-mysql-single", "2025-05-13", B " " G2 " " CA, G2 " " CA},
        {"azure-mysql-single", "2025-07-01", B " " G2 " " CA " " MR, G2 " " CA " " MR},
        {"azure-postgres-single", "2000-05-11", NULL, NULL},
        {"azure-postgres-single", "2000-05-12", B, B},
        {"azure-postgres-single", "2020-10-25", B, B},
        {"azure-postgres-single", "2020-10-26", B " " G2, B " " G2},
        {"azure-postgres-single", "2020-10-27", B " " G2, B " " G2},
        /* the deadline moved to 2021-02-15: same roots */
        {"azure-postgres-single", "2021-02-15", B " " G2, B " " G2},
        {"azure-postgres-single", "2022-11-30", B " " G2, B " " G2},
        {"azure-postgres-single", "2022-12-01", G2, B " " G2 " " G3 " " MR " " ME},
        {"azure-postgres-single", "2022-12-02", G2, B " " G2 " " G3 " " MR " " ME},
        {"azure-postgres-single", "2022-12-30", G2, B " " G2 " " G3 " " MR " " ME},
        {"azure-postgres-single", "2022-12-31", G2, G2 " " G3 " " MR " " ME},
        {"azure-postgres-single", "2024-02-29", G2, G2 " " G3 " " MR " " ME},
        /* retired 2025-03-28 (first published as 2025-03-31): became azure-postgres-flexible */
        {"azure-postgres-single", "2025-03-27", G2, G2 " " G3 " " MR " " ME},
        {"azure-postgres-single", "2025-03-28", CA " " G2 " " MR, CA " " G2 " " G3 " " MR " " ME},
        {"azure-postgres-single", "2025-05-13", CA " " G2 " " MR, CA " " G2 " " G3 " " MR " " ME},
        {"azure-mysql-flexible", "2006-11-09", NULL, NULL},
        {"azure-mysql-flexible", "2006-11-10", CA, CA},
        {"azure-mysql-flexible", "2006-11-11", CA, CA},
        {"azure-mysql-flexible", "2024-02-29", CA, CA},
        {"azure-mysql-flexible", "2025-05-11", CA, CA},
        {"azure-mysql-flexible", "2025-05-13", CA, CA},
        {"azure-mysql-flexible", "2025-06-30", CA, CA},
        {"azure-mysql-flexible", "2025-07-01", CA " " G2 " " MR, CA " " G2 " " MR},
        {"azure-mysql-flexible", "2025-07-02", CA " " G2 " " MR, CA " " G2 " " MR},
        /* the later published dates (2025-09-01, 2026-09-01) change nothing: nothing drops */
        {"azure-mysql-flexible", "2026-09-01", CA " " G2 " " MR, CA " " G2 " " MR},
        {"azure-mysql-flexible", "2026-10-01", CA " " G2 " " MR, CA " " G2 " " MR},
        /* DigiCert Global Root CA: notAfter 2031-11-10 00:00:00 - expired from the 11th. */
        {"azure-mysql-flexible", "2031-11-10", CA " " G2 " " MR, CA " " G2 " " MR},
        {"azure-mysql-flexible", "2031-11-11", CA " " G2 " " MR, G2 " " MR},
        {"azure-postgres-flexible", "2019-12-17", NULL, NULL},
        /* DigiCert Global Root CA is required for read replicas */
        {"azure-postgres-flexible", "2019-12-18", CA " " G2 " " MR, CA " " G2 " " MR},
        {"azure-postgres-flexible", "2019-12-19", CA " " G2 " " MR, CA " " G2 " " MR},
        {"azure-postgres-flexible", "2024-02-29", CA " " G2 " " MR, CA " " G2 " " MR},
        {"azure-postgres-flexible", "2025-05-12", CA " " G2 " " MR, CA " " G2 " " MR},
        /* intermediate rotations: same roots */
        {"azure-postgres-flexible", "2025-11-11", CA " " G2 " " MR, CA " " G2 " " MR},
        {"azure-postgres-flexible", "2026-02-28", CA " " G2 " " MR, CA " " G2 " " MR},
        {"azure-government", "2000-05-11", NULL, NULL},
        {"azure-government", "2000-05-12", B, B},
        {"azure-government", "2020-10-25", B, B},
        {"azure-government", "2020-10-26", B " " G2, B " " G2},
        {"azure-government", "2020-10-27", B " " G2, B " " G2},
        {"azure-government", "2024-02-29", B " " G2, B " " G2},
        {"azure-government", "2025-05-11", B " " G2, B " " G2},
        /* The step drops Baltimore the day it expires: retiring (grace) on the 12th, expired
         * from the 13th, so dropped then although the grace runs to 2025-06-11. */
        {"azure-government", "2025-05-12", G2, B " " G2},
        {"azure-government", "2025-05-13", G2, G2},
        {"azure-government", "2025-06-11", G2, G2},
        {"azure-government-mysql-flexible", "2013-07-31", NULL, NULL},
        {"azure-government-mysql-flexible", "2013-08-01", G2, G2},
        {"azure-government-mysql-flexible", "2013-08-02", G2, G2},
        {"azure-government-mysql-flexible", "2024-02-29", G2, G2},
        {"azure-china", "2006-11-09", NULL, NULL},
        {"azure-china", "2006-11-10", CA, CA},
        {"azure-china", "2006-11-11", CA, CA},
        {"azure-china", "2024-02-29", CA, CA},
        {"azure-china-postgres-flexible", "2019-12-17", NULL, NULL},
        {"azure-china-postgres-flexible", "2019-12-18", CA " " MR, CA " " G2 " " MR},
        {"azure-china-postgres-flexible", "2019-12-19", CA " " MR, CA " " G2 " " MR},
        {"azure-china-postgres-flexible", "2024-02-29", CA " " MR, CA " " G2 " " MR},
        {"azure-china-postgres-flexible", "2026-02-16", CA " " MR, CA " " G2 " " MR},
        {"azure-china-postgres-flexible", "2026-02-17", CA " " G2 " " MR, CA " " G2 " " MR},
        {"azure-china-postgres-flexible", "2026-02-18", CA " " G2 " " MR, CA " " G2 " " MR},
        {"azure-germany", "2009-11-04", NULL, NULL},
        {"azure-germany", "2009-11-05", DT, DT},
        {"azure-germany", "2009-11-06", DT, DT},
        {"azure-germany", "2021-10-28", DT, DT},
        /* Microsoft Cloud Germany closed on 2021-10-29: nothing required, nothing written */
        {"azure-germany", "2021-10-29", "", ""},
        {"azure-germany", "2024-02-29", "", ""},
        {"azure-china-mysql-flexible", "2006-11-09", NULL, NULL},
        {"azure-china-mysql-flexible", "2006-11-10", CA, CA},
        {"azure-china-mysql-flexible", "2026-03-08", CA, CA},
        {"azure-china-mysql-flexible", "2026-03-09", CA " " G2, CA " " G2},
        {"azure-sql", "2000-05-12", B, B},
        {"azure-sql", "2020-10-25", B, B},
        {"azure-sql", "2020-10-26", B " " G2, B " " G2},
        {"azure-sql", "2020-11-30", B " " G2, B " " G2},
        {"azure-sql", "2025-05-13", B " " G2, G2},
        {"azure-mariadb", "2020-10-25", B, B},
        {"azure-mariadb", "2020-10-26", B " " G2, B " " G2},
        {"azure-mariadb", "2023-03-01", B " " G2, B " " G2},
        {"azure-mariadb", "2025-05-13", B " " G2, G2},
        /* retired (servers deleted) 2025-09-19: nothing to write from then on */
        {"azure-mariadb", "2025-09-18", B " " G2, G2},
        {"azure-mariadb", "2025-09-19", "", ""},
        {"azure-cosmos-db", "2022-06-30", B, B},
        {"azure-cosmos-db", "2022-07-01", B " " G2, B " " G2 " " CA " " MR " " ME},
        {"azure-cosmos-db", "2022-10-30", B " " G2, B " " G2 " " CA " " MR " " ME},
        {"azure-cosmos-db", "2022-10-31", G2, B " " G2 " " CA " " MR " " ME},
        {"azure-cosmos-db", "2022-11-30", G2, G2 " " CA " " MR " " ME},
        {"azure-cache-redis", "2022-04-30", B, B},
        {"azure-cache-redis", "2022-05-01", B " " G2, B " " G2},
        {"azure-cache-redis", "2025-05-13", B " " G2, G2},
        {"azure-all-roots", "2013-07-31", NULL, NULL},
        {"azure-all-roots", "2013-08-01", B " " CA " " G2 " " G3, B " " CA " " G2 " " G3 " " DT},
        {"azure-all-roots", "2019-12-18", B " " CA " " G2 " " G3 " " MR " " ME,
         B " " CA " " G2 " " G3 " " MR " " ME " " DT},
        {"azure-all-roots", "2021-01-14", B " " CA " " G2 " " G3 " " MR " " ME,
         B " " CA " " G2 " " G3 " " MR " " ME " " DT},
        {"azure-all-roots", "2021-01-15", ALL, ALL " " DT},
        {"azure-all-roots", "2025-05-13", ALL, CA " " G2 " " G3 " " R5 " " E5 " " MR " " ME " " DT},
        /* D-TRUST: notAfter 2029-11-05 08:35:58 - optional here, expired from the 6th. */
        {"azure-all-roots", "2029-11-05", ALL, CA " " G2 " " G3 " " R5 " " E5 " " MR " " ME " " DT},
        {"azure-all-roots", "2029-11-06", ALL, CA " " G2 " " G3 " " R5 " " E5 " " MR " " ME},
};

static void check_table(const char *tz)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct row *r = &table[i];
		const char *profiles[] = {r->profile};
		struct rotation_target t = {r->profile, NULL, profiles, 1, NULL, 0, NULL, 0, NULL};
		struct rotation_opts o;
		struct rotation_profile p;
		struct rotation_roots w;
		struct rw_err e = {{0}, 0};
		char want[1024];

		rotation_opts_init(&o);
		o.day = day(r->date);
		assert_int_equal(rotation_profile_assess(cat, r->profile, &o, &p, &e), 0);
		if (r->required == NULL) {
			if (p.verdict != RW_CHECK_UNKNOWN || p.current != -1)
				fail_msg("%s at %s (TZ=%s): expected no timeline", r->profile,
				         r->date, tz);
			assert_int_equal(rotation_written(cat, &t, o.day, &o, &w, &e), -1);
			rotation_profile_free(&p);
			continue;
		}
		snprintf(want, sizeof(want), "%s", canon(r->required));
		if (strcmp(ids_text(&p.required_now), want) != 0)
			fail_msg("%s at %s (TZ=%s): required [%s], expected [%s]", r->profile,
			         r->date, tz, ids_text(&p.required_now), want);
		rotation_profile_free(&p);
		assert_int_equal(rotation_written(cat, &t, o.day, &o, &w, &e), 0);
		snprintf(want, sizeof(want), "%s", canon(r->written));
		if (strcmp(ids_text(&w), want) != 0)
			fail_msg("%s at %s (TZ=%s): written [%s], expected [%s]", r->profile,
			         r->date, tz, ids_text(&w), want);
		rotation_roots_free(&w);
	}
}

static void test_table_utc(void **state)
{
	(void)state;
	check_table("UTC");
}

static void test_table_other_time_zones(void **state)
{
	/* POSIX TZ strings, so no tzdata is needed: UTC+14 (Kiritimati), US Pacific with DST,
	 * UTC+5:30 (India). */
	const char *zones[] = {"<+14>-14", "PST8PDT,M3.2.0,M11.1.0", "IST-5:30"};
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		time_t t0 = date_start(day("2024-02-29"));
		struct tm lt;

		setenv("TZ", zones[i], 1);
		tzset();
		/* The zone is in effect: local time of 00:00 UTC is not 00:00. */
		assert_non_null(localtime_r(&t0, &lt));
		assert_true(lt.tm_hour != 0 || lt.tm_min != 0);
		check_table(zones[i]);
	}
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
}

/* Every step of every profile: the step's required roots on its day and the day after, the
 * previous step's the day before; the previous step's roots are still written on the step day
 * (grace) unless expired. Derived from the catalog data, so a new step is covered too. */
static void test_every_step_sweep(void **state)
{
	(void)state;
	for (size_t pi = 0; pi < cat->n_profiles; pi++) {
		const struct catalog_profile *p = &cat->profiles[pi];
		const char *profiles[] = {p->id};
		struct rotation_target t = {p->id, NULL, profiles, 1, NULL, 0, NULL, 0, NULL};

		for (size_t s = 0; s < p->n_steps; s++) {
			for (int delta = -1; delta <= 1; delta++) {
				const struct catalog_step *want =
				        delta < 0 ? (s ? &p->steps[s - 1] : NULL) : &p->steps[s];
				struct rotation_opts o;
				struct rotation_profile rp;
				struct rotation_roots w;
				struct rw_err e = {{0}, 0};

				rotation_opts_init(&o);
				o.day = p->steps[s].from + delta;
				assert_int_equal(rotation_profile_assess(cat, p->id, &o, &rp, &e),
				                 0);
				if (want == NULL) {
					assert_int_equal(rp.verdict, RW_CHECK_UNKNOWN);
					rotation_profile_free(&rp);
					continue;
				}
				assert_int_equal(rp.required_now.n, want->n_required);
				for (size_t k = 0; k < want->n_required; k++)
					assert_true(rotation_roots_has(&rp.required_now,
					                               want->required[k]));
				rotation_profile_free(&rp);
				assert_int_equal(rotation_written(cat, &t, o.day, &o, &w, &e), 0);
				for (size_t k = 0; k < want->n_required; k++) {
					const struct cert *c = cat->roots[want->required[k]].cert;

					if (!cert_is_expired(c, date_start(o.day)))
						assert_true(
						        rotation_roots_has(&w, want->required[k]));
				}
				if (delta >= 0 && s > 0)
					for (size_t k = 0; k < p->steps[s - 1].n_required; k++) {
						size_t ri = p->steps[s - 1].required[k];

						if (!cert_is_expired(cat->roots[ri].cert,
						                     date_start(o.day)))
							assert_true(rotation_roots_has(&w, ri));
					}
				rotation_roots_free(&w);
			}
		}
	}
}

static int written_has(const char *profile, const char *date, int grace, const char *root)
{
	const char *profiles[] = {profile};
	struct rotation_target t = {profile, NULL, profiles, 1, NULL, 0, NULL, 0, NULL};
	struct rotation_opts o;
	struct rotation_roots w;
	struct rw_err e = {{0}, 0};
	int has;

	rotation_opts_init(&o);
	o.day = day(date);
	o.grace_days = grace;
	assert_int_equal(rotation_written(cat, &t, o.day, &o, &w, &e), 0);
	has = rotation_roots_has(&w, (size_t)catalog_root_index(cat, root));
	rotation_roots_free(&w);
	return has;
}

static void test_grace_period(void **state)
{
	(void)state;
	/* Baltimore leaves azure-mysql-single's bundle grace days after the 2022-10-01 step. */
	assert_true(written_has("azure-mysql-single", "2022-10-01", 0, B) == 0);
	assert_true(written_has("azure-mysql-single", "2022-09-30", 0, B));
	assert_true(written_has("azure-mysql-single", "2022-10-30", 30, B));
	assert_false(written_has("azure-mysql-single", "2022-10-31", 30, B));
	assert_true(written_has("azure-mysql-single", "2022-11-29", 60, B));
	assert_false(written_has("azure-mysql-single", "2022-11-30", 60, B));
	/* The successor is there the whole time. */
	assert_true(written_has("azure-mysql-single", "2022-10-01", 30, G2));
}

static void test_changes_list_dates(void **state)
{
	const char *profiles[] = {"azure-mysql-single"};
	struct rotation_target t = {"app", NULL, profiles, 1, NULL, 0, NULL, 0, NULL};
	struct rotation_opts o;
	struct rotation_changes ch;
	struct rw_err e = {{0}, 0};
	char d[11];

	(void)state;
	rotation_opts_init(&o);
	o.day = day("2020-01-01");
	assert_int_equal(rotation_changes(cat, &t, &o, &ch, &e), 0);
	assert_true(ch.n >= 2);
	date_format(ch.v[0].day, d);
	assert_string_equal(d, "2020-10-26");
	assert_string_equal(ids_text(&ch.v[0].added), G2);
	assert_int_equal(ch.v[0].removed.n, 0);
	date_format(ch.v[1].day, d);
	assert_string_equal(d, "2022-10-31");
	assert_string_equal(ids_text(&ch.v[1].removed), B);
	assert_non_null(strstr(ch.v[1].cause, "grace"));
	rotation_changes_free(&ch);
}

static void test_successor_rule(void **state)
{
	const char *profiles[] = {"azure-mysql-single"};
	const char *excl[] = {"CB3CCBB76031E5E0138F8DD39A23F9DE47FFC35E43C1144CEA27D46A5AB1CB5F"};
	const char *dates[] = {"2020-11-01", "2022-10-05", "2023-06-01"};
	struct bundle_spec spec;
	struct bundle b;
	struct rw_err e = {{0}, 0};

	(void)state;
	/* A bundle without its successor (G2) is refused, during the transition, during the
	 * grace period (Baltimore still in) and after. */
	for (size_t i = 0; i < 3; i++) {
		bundle_spec_init(&spec);
		spec.profiles = profiles;
		spec.n_profiles = 1;
		spec.day = day(dates[i]);
		spec.excludes = excl;
		spec.n_excludes = 1;
		assert_int_equal(bundle_build(cat, &spec, &b, &e), -1);
		assert_int_equal(e.status, RW_EXIT_INPUT);
		assert_non_null(strstr(e.msg, "DigiCert Global Root G2"));
	}
}

/* ---- bundle readiness ---- */

static char *bundle_file(const char *name, const char *const *roots, size_t n)
{
	char *path = tu_path(dir, name);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	for (size_t i = 0; i < n; i++) {
		char *rel = NULL, *src, *text;

		assert_true(asprintf(&rel, "roots/%s.pem", roots[i]) > 0);
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

static int verdict_of(const char *path, const char *profile, const char *date, int warn,
                      struct rotation_bundle *out)
{
	const char *profiles[] = {profile};
	static struct rotation_target t;
	struct rotation_opts o;
	struct rw_err e = {{0}, 0};

	t.name = "b";
	t.path = path;
	t.profiles = profiles;
	t.n_profiles = 1;
	rotation_opts_init(&o);
	o.day = day(date);
	o.warn_days = warn;
	if (rotation_bundle_assess(cat, &t, &o, out, &e) < 0)
		fail_msg("%s", e.msg);
	out->target = NULL; /* t's profiles array dies with this frame */
	return out->verdict;
}

static void test_bundle_readiness(void **state)
{
	const char *only_b[] = {B}, *b_g2[] = {B, G2}, *only_g2[] = {G2};
	char *pb = bundle_file("b.pem", only_b, 1), *pbg = bundle_file("bg.pem", b_g2, 2);
	char *pg = bundle_file("g.pem", only_g2, 1), *absent = tu_path(dir, "absent.pem");
	struct rotation_bundle rb;

	(void)state;
	/* The example. */
	assert_int_equal(verdict_of(pb, "azure-mysql-single", "2023-01-01", 90, &rb),
	                 RW_CHECK_CRITICAL);
	assert_string_equal(ids_text(&rb.missing_now), G2);
	rotation_bundle_free(&rb);
	assert_int_equal(verdict_of(pb, "azure-mysql-single", "2020-11-01", 90, &rb),
	                 RW_CHECK_WARNING);
	assert_string_equal(ids_text(&rb.transition_now), G2);
	assert_int_equal(rb.missing_now.n, 0);
	assert_string_equal(rb.reasons.v[0], "transition: DigiCert Global Root G2 needed");
	rotation_bundle_free(&rb);
	/* Before the transition: OK, unless the step is inside the window. */
	assert_int_equal(verdict_of(pb, "azure-mysql-single", "2020-06-01", 90, &rb), RW_CHECK_OK);
	assert_string_equal(ids_text(&rb.missing_next), G2);
	rotation_bundle_free(&rb);
	assert_int_equal(verdict_of(pb, "azure-mysql-single", "2020-09-01", 90, &rb),
	                 RW_CHECK_WARNING);
	rotation_bundle_free(&rb);
	/* The combined file is ready for everything. */
	assert_int_equal(verdict_of(pbg, "azure-mysql-single", "2020-09-01", 90, &rb), RW_CHECK_OK);
	rotation_bundle_free(&rb);
	assert_int_equal(verdict_of(pbg, "azure-mysql-single", "2022-08-01", 90, &rb), RW_CHECK_OK);
	rotation_bundle_free(&rb);
	/* Baltimore-only before the 2022 step, step within the window: WARNING (not ready). */
	assert_int_equal(verdict_of(pb, "azure-mysql-single", "2022-08-01", 90, &rb),
	                 RW_CHECK_WARNING);
	rotation_bundle_free(&rb);
	/* Azure Government: Baltimore + G2 rides through Baltimore's expiry; Baltimore alone is
	 * CRITICAL the day the step drops it, and after its expiry it holds only expired roots. */
	assert_int_equal(verdict_of(pbg, "azure-government", "2025-04-01", 90, &rb), RW_CHECK_OK);
	rotation_bundle_free(&rb);
	assert_int_equal(verdict_of(pb, "azure-government", "2025-05-12", 90, &rb),
	                 RW_CHECK_CRITICAL);
	rotation_bundle_free(&rb);
	assert_int_equal(verdict_of(pb, "azure-government", "2025-05-13", 0, &rb),
	                 RW_CHECK_CRITICAL);
	rotation_bundle_free(&rb);
	/* G2 alone for azure-mysql-single during the transition: Baltimore is what servers still
	 * chain to, so missing it is CRITICAL. */
	assert_int_equal(verdict_of(pg, "azure-mysql-single", "2020-11-01", 90, &rb),
	                 RW_CHECK_CRITICAL);
	assert_string_equal(ids_text(&rb.missing_now), B);
	rotation_bundle_free(&rb);
	/* Leap day, during the in-place auto-migration (from 2023-07-10): G2 alone lacks what
	 * migrated servers chain to (DigiCert Global Root CA) and Baltimore - a transition, so
	 * WARNING while Single Servers still run. */
	assert_int_equal(verdict_of(pg, "azure-mysql-single", "2024-02-29", 90, &rb),
	                 RW_CHECK_WARNING);
	assert_string_equal(ids_text(&rb.transition_now), B " " CA);
	rotation_bundle_free(&rb);
	/* The retirement (2024-09-16) inside the window: not ready for it. */
	assert_int_equal(verdict_of(pg, "azure-mysql-single", "2024-08-01", 90, &rb),
	                 RW_CHECK_WARNING);
	rotation_bundle_free(&rb);
	/* After the retirement the servers are Flexible Servers: a G2-only file is CRITICAL. */
	assert_int_equal(verdict_of(pg, "azure-mysql-single", "2024-10-01", 90, &rb),
	                 RW_CHECK_CRITICAL);
	assert_string_equal(ids_text(&rb.missing_now), CA);
	rotation_bundle_free(&rb);
	/* A file that is not there. */
	assert_int_equal(verdict_of(absent, "azure-mysql-single", "2024-02-29", 90, &rb),
	                 RW_CHECK_UNKNOWN);
	assert_false(rb.readable);
	assert_non_null(strstr(rb.error, "absent.pem"));
	rotation_bundle_free(&rb);
	free(pb);
	free(pbg);
	free(pg);
	free(absent);
}

static void test_profile_verdicts(void **state)
{
	struct rotation_opts o;
	struct rotation_profile p;
	struct rw_err e = {{0}, 0};
	const struct {
		const char *profile, *date;
		int verdict;
		long days;
	} rows[] = {
	        {"azure-mysql-single", "2022-08-01", RW_CHECK_WARNING, 61},
	        {"azure-mysql-single", "2022-06-01", RW_CHECK_OK, 122},
	        {"azure-mysql-single", "2023-01-01", RW_CHECK_OK, -1},
	        {"azure-mysql-single", "1999-01-01", RW_CHECK_UNKNOWN, -1},
	        {"azure-government", "2025-04-01", RW_CHECK_WARNING, 41},
	        /* it ends on 2021-10-29: WARNING before, nothing to judge after */
	        {"azure-germany", "2021-10-01", RW_CHECK_WARNING, -1},
	        {"azure-germany", "2029-12-01", RW_CHECK_OK, -1},
	        /* retired with migration: WARNING ahead of the date */
	        {"azure-mysql-single", "2024-08-01", RW_CHECK_WARNING, -1},
	        {"azure-mysql-single", "2024-10-01", RW_CHECK_OK, -1},
	        /* after it, the next step of the profile it became counts */
	        {"azure-postgres-single", "2025-06-01", RW_CHECK_OK, -1},
	        {"azure-postgres-single", "2025-09-01", RW_CHECK_WARNING, -1},
	        /* every root the step requires expired: D-TRUST in azure-all-roots is optional */
	        {"azure-all-roots", "2030-01-01", RW_CHECK_OK, -1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		rotation_opts_init(&o);
		o.day = day(rows[i].date);
		assert_int_equal(rotation_profile_assess(cat, rows[i].profile, &o, &p, &e), 0);
		if (p.verdict != rows[i].verdict)
			fail_msg("%s at %s: verdict %d, expected %d", rows[i].profile, rows[i].date,
			         p.verdict, rows[i].verdict);
		if (rows[i].days >= 0)
			assert_int_equal(p.days_to_next, rows[i].days);
		rotation_profile_free(&p);
	}
	rotation_opts_init(&o);
	assert_int_equal(rotation_profile_assess(cat, "no-such-profile", &o, &p, &e), -1);
	assert_non_null(strstr(e.msg, "no-such-profile"));
}

/* ---- rotation-upcoming ---- */

static void test_event_fires_once(void **state)
{
	const char *profiles[] = {"azure-mysql-single"};
	const char *profiles2[] = {"azure-postgres-single"};
	struct rotation_target t[] = {
	        {"app", "/etc/app/ca.pem", profiles, 1, NULL, 0, NULL, 0, NULL},
	        {"pg", "/etc/pg/ca.pem", profiles2, 1, NULL, 0, NULL, 0, NULL},
	};
	struct rotation_opts o;
	struct rotation_events ev;
	struct rw_err e = {{0}, 0};
	char *state_dir = tu_path(dir, "state"), *rec;
	struct store *st = NULL;
	json_t *j;

	(void)state;
	assert_int_equal(mkdir(state_dir, 0755), 0);
	assert_int_equal(store_open(state_dir, 1, &st, &e), 0);
	rotation_opts_init(&o);
	/* 91 days before Baltimore leaves app's bundle: not yet. */
	o.day = day("2022-08-01");
	assert_int_equal(rotation_due_events(cat, t, 1, &o, st, &ev, &e), 0);
	assert_int_equal(ev.n, 0);
	rotation_events_free(&ev);
	/* 90 days before: due, once. */
	o.day = day("2022-08-02");
	assert_int_equal(rotation_due_events(cat, t, 2, &o, st, &ev, &e), 0);
	assert_int_equal(ev.n, 1);
	assert_string_equal(ev.v[0].key, "app|2022-10-31|+|-" B);
	assert_int_equal(ev.v[0].days, 90);
	j = rotation_event_json(cat, &ev.v[0]);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "event")), "rotation-upcoming");
	assert_string_equal(json_string_value(json_object_get(j, "date")), "2022-10-31");
	assert_int_equal(json_array_size(json_object_get(j, "removed")), 1);
	json_decref(j);
	assert_int_equal(rotation_mark_announced(st, &ev.v[0], &o, &e), 0);
	rotation_events_free(&ev);
	/* The same day again, and the days after: not again. */
	for (int k = 0; k < 3; k++) {
		o.day = day("2022-08-02") + k * 10;
		assert_int_equal(rotation_due_events(cat, t, 1, &o, st, &ev, &e), 0);
		assert_int_equal(ev.n, 0);
		rotation_events_free(&ev);
	}
	/* pg's own step (2022-12-01 adds the optional roots) is its own event. */
	o.day = day("2022-09-15");
	assert_int_equal(rotation_due_events(cat, t, 2, &o, st, &ev, &e), 0);
	assert_int_equal(ev.n, 1);
	assert_string_equal(ev.v[0].target->name, "pg");
	assert_string_equal(ev.v[0].key, "pg|2022-12-01|+" G3 "," MR "," ME "|-");
	assert_int_equal(rotation_mark_announced(st, &ev.v[0], &o, &e), 0);
	rotation_events_free(&ev);
	assert_int_equal(rotation_due_events(cat, t, 2, &o, st, &ev, &e), 0);
	assert_int_equal(ev.n, 0);
	rotation_events_free(&ev);
	/* The record is JSON and lists both. */
	rec = tu_path(state_dir, ROTATION_STATE_NAME ".json");
	j = json_load_file(rec, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "announced")), 2);
	json_decref(j);
	/* A corrupt record is an error naming it, not a silent re-announcement. */
	tu_writef(rec, "{not json");
	assert_int_equal(rotation_due_events(cat, t, 2, &o, st, &ev, &e), -1);
	assert_non_null(strstr(e.msg, ROTATION_STATE_NAME ".json"));
	free(rec);
	store_free(st);
	free(state_dir);
}

/* ---- golden reports ---- */

static void golden(const char *at, int json, const char *name, int want_status)
{
	char *bin = getenv("RW_BINARY"), *roots = tu_source("roots"), *out = NULL;
	char *gpath, *rel = NULL, *want;
	char *argv[] = {
	        bin, "rotation", "--at", (char *)at, "--roots-dir", roots, json ? "--json" : NULL,
	        NULL};
	int st;

	assert_non_null(bin);
	st = tu_run(argv, &out);
	assert_true(asprintf(&rel, "tests/golden/rotation/%s", name) > 0);
	gpath = tu_source(rel);
	if (getenv("RW_UPDATE_GOLDEN"))
		tu_write(gpath, out, strlen(out));
	want = tu_read(gpath, NULL);
	if (strcmp(out, want) != 0)
		fail_msg("%s differs from the output of 'rootwarden rotation --at %s%s'", gpath, at,
		         json ? " --json" : "");
	assert_int_equal(st, want_status);
	free(want);
	free(gpath);
	free(rel);
	free(out);
	free(roots);
}

static void test_golden_reports(void **state)
{
	(void)state;
	golden("2020-11-01", 0, "all@2020-11-01.txt", RW_CHECK_WARNING);
	golden("2020-11-01", 1, "all@2020-11-01.json", RW_CHECK_WARNING);
	golden("2025-04-01", 0, "all@2025-04-01.txt", RW_CHECK_WARNING);
	golden("2025-04-01", 1, "all@2025-04-01.json", RW_CHECK_WARNING);
	/* MySQL Single Server's retirement two weeks ahead */
	golden("2024-09-01", 0, "all@2024-09-01.txt", RW_CHECK_WARNING);
	/* the day before China's PostgreSQL step (published dates 2026-02-17 and 2026-03-09) */
	golden("2026-02-16", 0, "all@2026-02-16.txt", RW_CHECK_WARNING);
	golden("2026-02-16", 1, "all@2026-02-16.json", RW_CHECK_WARNING);
	/* a day the shipped catalog (2026-12-01) is old: said once, in the header */
	golden("2027-06-01", 0, "all@2027-06-01.txt", RW_CHECK_OK);
}

/* Rotation reports around every step: for each line of the bundle goldens' MANIFEST (which
 * test_bundle keeps covering the day before and the day of every step, grace end, becomes and
 * ends of every profile), 'rootwarden rotation --profile P --at D' and its exit status, one
 * golden file per profile (tests/golden/rotation/profile-P.txt). */
static void test_golden_profile_reports(void **state)
{
	char *bin = getenv("RW_BINARY"), *roots = tu_source("roots");
	char *manifest = tu_source("tests/golden/bundles/MANIFEST");
	char *text = tu_read(manifest, NULL), *save_ptr = NULL;
	char current[128] = "";
	struct buf got;
	size_t files = 0;

	(void)state;
	assert_non_null(bin);
	buf_init(&got, 0);
	for (char *line = strtok_r(text, "\n", &save_ptr);;
	     line = strtok_r(NULL, "\n", &save_ptr)) {
		char profile[128] = "", date[16] = "";

		if (line && (line[0] == '#' || sscanf(line, "%127s %15s", profile, date) != 2))
			continue;
		if (current[0] && (line == NULL || strcmp(profile, current) != 0)) {
			char *rel = NULL, *gpath, *want;

			assert_true(asprintf(&rel, "tests/golden/rotation/profile-%s.txt",
			                     current) > 0);
			gpath = tu_source(rel);
			if (getenv("RW_UPDATE_GOLDEN"))
				tu_write(gpath, got.data, got.len);
			want = tu_read(gpath, NULL);
			if (strcmp(got.data, want) != 0)
				fail_msg("%s differs from the reports of 'rootwarden rotation "
				         "--profile %s' "
				         "on its MANIFEST days",
				         gpath, current);
			files++;
			free(want);
			free(gpath);
			free(rel);
			buf_free(&got);
			buf_init(&got, 0);
		}
		if (line == NULL)
			break;
		snprintf(current, sizeof(current), "%s", profile);
		{
			char *argv[] = {bin,  "rotation",    "--profile", profile, "--at",
			                date, "--roots-dir", roots,       NULL};
			char *out = NULL;
			int st = tu_run(argv, &out);

			buf_printf(&got,
			           "== rootwarden rotation --profile %s --at %s (exit %d)\n%s",
			           profile, date, st, out ? out : "");
			free(out);
		}
	}
	assert_true(files >= 15);
	buf_free(&got);
	free(text);
	free(manifest);
	free(roots);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_table_utc),
	        cmocka_unit_test(test_table_other_time_zones),
	        cmocka_unit_test(test_every_step_sweep),
	        cmocka_unit_test(test_grace_period),
	        cmocka_unit_test(test_changes_list_dates),
	        cmocka_unit_test(test_successor_rule),
	        cmocka_unit_test(test_bundle_readiness),
	        cmocka_unit_test(test_profile_verdicts),
	        cmocka_unit_test(test_event_fires_once),
	        cmocka_unit_test(test_golden_reports),
	        cmocka_unit_test(test_golden_profile_reports),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
