/* test_plan.c - the step in force, retiring roots and their grace, expiry. (The table over every
 * profile and date lives in test_rotation.c and the golden bundles.) */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

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
	assert_int_equal(plan_step_at(p, day("2099-01-01")), 2);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_step_at),
	        cmocka_unit_test(test_retiring_root_stays_for_the_grace_period),
	        cmocka_unit_test(test_expiry_is_at_the_start_of_the_day),
	        cmocka_unit_test(test_next_step_roots_come_ahead),
	        cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
