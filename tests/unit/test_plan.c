/* test_plan.c - the step in force, retiring roots and their grace, expiry. (The table over every
 * profile and date lives in test_rotation.c and the golden bundles.) */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "date.h"
#include "plan.h"

static struct catalog *cat;

static int setup(void **state)
{
	struct rw_err e = {{0}, 0};
	char *roots = tu_source("roots");

	(void)state;
	if (catalog_load(roots, &cat, &e) < 0)
		fail_msg("%s", e.msg);
	free(roots);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	catalog_free(cat);
	return 0;
}

static int32_t day(const char *s)
{
	int32_t d;

	assert_int_equal(date_parse(s, &d), 0);
	return d;
}

static int ahead;

static enum plan_role role(const char *profile, const char *date, int grace, const char *root,
                           int *expired)
{
	const char *p[] = {profile};
	struct plan_opts o = {day(date), grace, 0, ahead};
	struct plan pl;
	struct rw_err e = {{0}, 0};
	long ri = catalog_root_index(cat, root);
	enum plan_role r;

	assert_true(ri >= 0);
	assert_int_equal(plan_build(cat, p, 1, &o, &pl, &e), 0);
	r = (enum plan_role)pl.role[ri];
	if (expired)
		*expired = pl.expired[ri];
	plan_free(&pl);
	return r;
}

static void test_step_at(void **state)
{
	const struct catalog_profile *p = catalog_profile(cat, "azure-mysql-single");

	(void)state;
	assert_int_equal(plan_step_at(p, day("2000-05-11")), -1);
	assert_int_equal(plan_step_at(p, day("2000-05-12")), 0);
	assert_int_equal(plan_step_at(p, day("2020-10-25")), 0);
	assert_int_equal(plan_step_at(p, day("2020-10-26")), 1);
	assert_int_equal(plan_step_at(p, day("2022-10-01")), 2);
	assert_int_equal(plan_step_at(p, day("2023-07-09")), 2);
	assert_int_equal(plan_step_at(p, day("2023-07-10")), 3);
	assert_int_equal(plan_step_at(p, day("2099-01-01")), 3);
}

static void test_retiring_root_stays_for_the_grace_period(void **state)
{
	const char *b = "baltimore-cybertrust-root";

	(void)state;
	assert_int_equal(role("azure-mysql-single", "2022-09-30", 30, b, NULL), PLAN_REQUIRED);
	assert_int_equal(role("azure-mysql-single", "2022-10-01", 30, b, NULL), PLAN_RETIRING);
	assert_int_equal(role("azure-mysql-single", "2022-10-30", 30, b, NULL), PLAN_RETIRING);
	assert_int_equal(role("azure-mysql-single", "2022-10-31", 30, b, NULL), PLAN_NONE);
	assert_int_equal(role("azure-mysql-single", "2022-10-01", 0, b, NULL), PLAN_NONE);
	assert_int_equal(role("azure-mysql-single", "2022-10-11", 10, b, NULL), PLAN_NONE);
	assert_int_equal(role("azure-mysql-single", "2022-10-10", 10, b, NULL), PLAN_RETIRING);
}

static void test_expiry_is_at_the_start_of_the_day(void **state)
{
	int expired = -1;
	const char *b = "baltimore-cybertrust-root";

	(void)state;
	/* Baltimore's notAfter is 2025-05-12 23:59:00 UTC */
	assert_int_equal(role("azure-government", "2025-05-11", 30, b, &expired), PLAN_REQUIRED);
	assert_int_equal(expired, 0);
	assert_int_equal(role("azure-government", "2025-05-12", 30, b, &expired), PLAN_RETIRING);
	assert_int_equal(expired, 0);
	assert_int_equal(role("azure-government", "2025-05-13", 30, b, &expired), PLAN_RETIRING);
	assert_int_equal(expired, 1);
}

static void test_next_step_roots_come_ahead(void **state)
{
	const char *g2 = "digicert-global-root-g2", *b = "baltimore-cybertrust-root";

	(void)state;
	/* the 2020-10-26 step adds G2; 90 days ahead is 2020-07-28 */
	ahead = 90;
	assert_int_equal(role("azure-mysql-single", "2020-07-27", 30, g2, NULL), PLAN_NONE);
	assert_int_equal(role("azure-mysql-single", "2020-07-28", 30, g2, NULL), PLAN_UPCOMING);
	assert_int_equal(role("azure-mysql-single", "2020-10-25", 30, g2, NULL), PLAN_UPCOMING);
	assert_int_equal(role("azure-mysql-single", "2020-10-26", 30, g2, NULL), PLAN_REQUIRED);
	/* a root the next step drops is not affected by ahead */
	assert_int_equal(role("azure-mysql-single", "2022-09-30", 30, b, NULL), PLAN_REQUIRED);
	ahead = 0;
	assert_int_equal(role("azure-mysql-single", "2020-10-25", 30, g2, NULL), PLAN_NONE);
	assert_string_equal(plan_role_name(PLAN_UPCOMING), "upcoming");
}

static void test_errors(void **state)
{
	const char *p[] = {"nope"}, *q[] = {"azure-germany"};
	struct plan_opts o = {day("2024-01-01"), 30, 0, 0};
	struct plan pl;
	struct rw_err e = {{0}, 0};

	(void)state;
	assert_int_equal(plan_build(cat, p, 1, &o, &pl, &e), -1);
	assert_non_null(strstr(e.msg, "unknown profile 'nope'"));
	o.day = day("2009-11-04");
	assert_int_equal(plan_build(cat, q, 1, &o, &pl, &e), -1);
	assert_non_null(strstr(e.msg, "has no timeline before 2009-11-05"));
	assert_string_equal(plan_role_name(PLAN_RETIRING), "retiring");
}

/* A copy of the shipped roots whose catalog.conf has 'from' replaced by 'to', loaded. */
static struct catalog *modified(const char *from, const char *to, char **dirp)
{
	char *src = tu_source("roots"), *dir = tu_tmpdir(), *conf, *text, *pos, *out;
	char *argv[] = {"sh", "-c", NULL, NULL};
	struct catalog *c = NULL;
	struct rw_err e = {{0}, 0};

	assert_true(asprintf(&argv[2], "cp '%s'/* '%s'/", src, dir) > 0);
	assert_int_equal(tu_run(argv, NULL), 0);
	conf = tu_path(dir, "catalog.conf");
	text = tu_read(conf, NULL);
	pos = strstr(text, from);
	assert_non_null(pos);
	out = calloc(strlen(text) + strlen(to) + 1, 1);
	memcpy(out, text, (size_t)(pos - text));
	strcat(out, to);
	strcat(out, pos + strlen(from));
	tu_write(conf, out, strlen(out));
	if (catalog_load(dir, &c, &e) < 0)
		fail_msg("%s", e.msg);
	free(argv[2]);
	free(out);
	free(text);
	free(conf);
	free(src);
	*dirp = dir;
	return c;
}

/* Dates that moved: the earliest published date adds, the latest drops. */
static void test_moved_date_adds_early_drops_late(void **state)
{
	struct catalog *saved = cat;
	char *dir;
	const char *b = "baltimore-cybertrust-root", *g2 = "digicert-global-root-g2";

	(void)state;
	/* published first for 2022-12-01, then moved earlier to 2022-10-01, then later to
	 * 2023-01-15 */
	cat = modified("{ from = \"2022-10-01\"; required = [ \"digicert-global-root-g2\" ];",
	               "{ dates = ( { date = \"2022-12-01\"; source = \"first\"; },"
	               " { date = \"2022-10-01\"; source = \"second\"; },"
	               " { date = \"2023-01-15\"; source = \"third\"; } );"
	               " required = [ \"digicert-global-root-g2\" ];",
	               &dir);
	assert_int_equal(
	        plan_step_at(catalog_profile(cat, "azure-mysql-single"), day("2022-10-01")), 2);
	assert_int_equal(role("azure-mysql-single", "2022-10-01", 30, g2, NULL), PLAN_REQUIRED);
	/* Baltimore stays until the latest date + grace, not the earliest + grace */
	assert_int_equal(role("azure-mysql-single", "2022-10-31", 30, b, NULL), PLAN_RETIRING);
	assert_int_equal(role("azure-mysql-single", "2023-02-13", 30, b, NULL), PLAN_RETIRING);
	assert_int_equal(role("azure-mysql-single", "2023-02-14", 30, b, NULL), PLAN_NONE);
	assert_int_equal(role("azure-mysql-single", "2023-01-15", 0, b, NULL), PLAN_NONE);
	assert_int_equal(role("azure-mysql-single", "2023-01-14", 0, b, NULL), PLAN_RETIRING);
	/* the day Baltimore leaves is a change day, and its cause names every published date */
	{
		const struct catalog_profile *p = catalog_profile(cat, "azure-mysql-single");
		int32_t v[64];
		size_t n = plan_profile_days(cat, p, 30, 0, v, 64), found = 0;
		struct buf why;

		for (size_t i = 0; i < n && i < 64; i++)
			found += v[i] == day("2023-02-14");
		assert_true(found >= 1);
		buf_init(&why, 0);
		plan_day_causes(cat, p, day("2023-02-14"), 30, 0, &why);
		assert_non_null(why.data);
		assert_string_equal(
		        why.data, "azure-mysql-single step 2022-10-01 (published dates 2022-12-01, "
		                  "2022-10-01, 2023-01-15; dropping after the latest, 2023-01-15) "
		                  "+ 30 days of grace");
		buf_free(&why);
	}
	catalog_free(cat);
	cat = saved;
	tu_rmrf(dir);
	free(dir);
}

/* A profile that became another wants both; one that ended wants nothing and says so. */
static void test_becomes_and_ends(void **state)
{
	const char *mr = "microsoft-rsa-root-2017", *ca = "digicert-global-root-ca";
	const char *q[] = {"azure-germany"}, *both[] = {"azure-germany", "azure-china"};
	struct plan_opts o = {day("2024-01-01"), 30, 0, 0};
	struct plan pl;
	struct rw_err e = {{0}, 0};
	size_t n = 0;

	(void)state;
	/* MySQL Single became MySQL Flexible on 2024-09-16: Flexible's 2025 roots come too */
	assert_int_equal(role("azure-mysql-single", "2025-06-30", 30, mr, NULL), PLAN_NONE);
	assert_int_equal(role("azure-mysql-single", "2025-07-01", 30, mr, NULL), PLAN_REQUIRED);
	/* PostgreSQL Single became PostgreSQL Flexible on 2025-03-28 */
	assert_int_equal(role("azure-postgres-single", "2025-03-27", 30, ca, NULL), PLAN_NONE);
	assert_int_equal(role("azure-postgres-single", "2025-03-28", 30, ca, NULL), PLAN_REQUIRED);
	/* Azure Germany ended on 2021-10-29 */
	assert_int_equal(plan_build(cat, q, 1, &o, &pl, &e), 0);
	for (size_t ri = 0; ri < pl.n; ri++)
		n += pl.role[ri] != PLAN_NONE;
	assert_int_equal(n, 0);
	assert_int_equal(pl.n_ended, 1);
	assert_string_equal(pl.first_ended->id, "azure-germany");
	plan_free(&pl);
	assert_int_equal(plan_build(cat, both, 2, &o, &pl, &e), 0);
	assert_int_equal(pl.role[catalog_root_index(cat, ca)], PLAN_REQUIRED);
	assert_int_equal(pl.n_ended, 1);
	plan_free(&pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_moved_date_adds_early_drops_late),
	        cmocka_unit_test(test_becomes_and_ends),
	        cmocka_unit_test(test_step_at),
	        cmocka_unit_test(test_retiring_root_stays_for_the_grace_period),
	        cmocka_unit_test(test_expiry_is_at_the_start_of_the_day),
	        cmocka_unit_test(test_next_step_roots_come_ahead),
	        cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
