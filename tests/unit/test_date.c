/* test_date.c - calendar days in UTC: strict parsing (what the command line and the catalog
 * accept), round trips, leap years, the day a certificate expires on, ROOTWARDEN_NOW. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "date.h"

static void test_parse_strict(void **state)
{
	static const char *const bad[] = {"2024-2-01",  "2024-02-30",  "2023-02-29",  "2024-13-01",
	                                  "24-02-01",   "2024-02-01x", " 2024-02-01", "",
	                                  "1899-12-31", "2024/02/01",  "2024-00-10",  NULL};
	int32_t d;
	char out[11];

	(void)state;
	for (size_t i = 0; bad[i]; i++)
		if (date_parse(bad[i], &d) == 0)
			fail_msg("'%s' was accepted as a date", bad[i]);
	assert_int_equal(date_parse("1970-01-01", &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(date_parse("2024-02-29", &d), 0);
	date_format(d, out);
	assert_string_equal(out, "2024-02-29");
	assert_int_equal(date_parse("1969-12-31", &d), 0);
	assert_int_equal(d, -1);
	assert_int_equal(date_from_ymd(2025, 5, 12), d + 20221); /* 20220 */
}

static void test_times(void **state)
{
	char t[21];
	int32_t d;

	(void)state;
	/* Baltimore's notAfter 2025-05-12 23:59:00 is on day 2025-05-12 */
	assert_int_equal(date_parse("2025-05-12", &d), 0);
	assert_int_equal(date_of_time(date_start(d) + 86340), d);
	assert_int_equal(date_of_time(date_start(d) - 1), d - 1);
	time_format(date_start(d) + 86340, t);
	assert_string_equal(t, "2025-05-12T23:59:00Z");
	setenv("ROOTWARDEN_NOW", "2020-10-26", 1);
	assert_int_equal(date_parse("2020-10-26", &d), 0);
	assert_int_equal(date_today(), d);
	unsetenv("ROOTWARDEN_NOW");
	assert_int_equal(date_today(), date_of_time(time(NULL)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_strict),
	        cmocka_unit_test(test_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
