/* test_confutil.c - configuration and catalog files are size-capped before libconfig parses them
 * (its parser slows down with the square of a line's length: 8 MB took 26 s, 70 MB minutes). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "config.h"
#include "confutil.h"

/* A file of exactly size bytes: comment lines of 64 bytes (short lines parse fast). */
static void write_sized(const char *path, size_t size)
{
	char *b = malloc(size);

	assert_non_null(b);
	memset(b, '#', size);
	for (size_t i = 63; i < size; i += 64)
		b[i] = '\n';
	b[size - 1] = '\n';
	tu_write(path, b, size);
	free(b);
}

static void test_configuration_over_1mib_is_refused(void **state)
{
	char *dir = tu_tmpdir(), *p = tu_path(dir, "rootwarden.conf"), want[512];
	struct config *c = NULL;
	struct rw_err e = {{0}, 0};

	write_sized(p, CONF_CONFIG_MAX + 1);
	assert_int_equal(config_load(p, &c, &e), -1);
	assert_null(c);
	assert_int_equal(e.status, RW_EXIT_INPUT);
	snprintf(want, sizeof(want), "%s: too large (%zu bytes, limit %zu)", p, CONF_CONFIG_MAX + 1,
	         CONF_CONFIG_MAX);
	assert_string_equal(e.msg, want);
	/* At the limit it is parsed (and judged on its contents, not its size). */
	write_sized(p, CONF_CONFIG_MAX);
	err_clear(&e);
	if (config_load(p, &c, &e) < 0)
		assert_null(strstr(e.msg, "too large"));
	config_free(c);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

static void test_catalog_over_4mib_is_refused(void **state)
{
	char *dir = tu_tmpdir(), *p = tu_path(dir, "catalog.conf");
	struct catalog *cat = NULL;
	struct rw_err e = {{0}, 0};

	write_sized(p, CONF_CATALOG_MAX + 1);
	assert_int_equal(catalog_load(dir, &cat, &e), -1);
	assert_int_equal(e.status, RW_EXIT_INPUT);
	assert_non_null(strstr(e.msg, "catalog.conf: too large ("));
	assert_non_null(strstr(e.msg, "limit 4194304)"));
	/* A catalog between the two limits is not refused for its size. */
	write_sized(p, CONF_CONFIG_MAX * 2);
	err_clear(&e);
	if (catalog_load(dir, &cat, &e) < 0)
		assert_null(strstr(e.msg, "too large"));
	catalog_free(cat);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_configuration_over_1mib_is_refused),
	        cmocka_unit_test(test_catalog_over_4mib_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
