/* test_jsonout.c - the one JSON convention (jsonout.h, docs/json.md): the header comes first and
 * keeps its place when set, status names come from one table per family, "no value" is null,
 * roots have the root shape, and the printed document is one object with a newline. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "exitcode.h"
#include "jsonout.h"

static void assert_status(json_t *doc, int code, const char *text)
{
	json_t *st = json_object_get(doc, "status");

	assert_int_equal(json_object_size(st), 2);
	assert_int_equal(json_integer_value(json_object_get(st, "code")), code);
	assert_string_equal(json_string_value(json_object_get(st, "text")), text);
}

static void test_header_first(void **state)
{
	json_t *doc = jsonout_new("sync");
	const char *want[] = {"schema", "status", "error", "bundles"};
	size_t i = 0;
	const char *k;
	json_t *v;

	(void)state;
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "schema")), "rootwarden/sync/1");
	assert_true(json_is_null(json_object_get(doc, "error")));
	assert_status(doc, 0, "ok");
	json_object_set_new(doc, "bundles", json_array());
	/* set after the body: the header keeps its place (readers see schema first) */
	assert_int_equal(jsonout_set_exit(doc, RW_EXIT_INPUT, "rw.conf:3: bad"), 0);
	json_object_foreach(doc, k, v)
	{
		assert_true(i < 4);
		assert_string_equal(k, want[i++]);
	}
	assert_status(doc, 3, "bad-input");
	assert_string_equal(json_string_value(json_object_get(doc, "error")), "rw.conf:3: bad");
	json_decref(doc);
}

static void test_status_names(void **state)
{
	static const char *const agent[] = {"ok",     "failed",  "usage",   "bad-input",
	                                    "locked", "changed", "degraded"};
	static const char *const check[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
	json_t *doc = jsonout_new("rotation");

	(void)state;
	for (int c = 0; c <= RW_EXIT_DEGRADED; c++)
		assert_string_equal(jsonout_exit_text(c), agent[c]);
	assert_string_equal(jsonout_exit_text(99), "failed");
	assert_string_equal(jsonout_exit_text(-1), "failed");
	for (int c = 0; c <= RW_CHECK_UNKNOWN; c++) {
		assert_int_equal(jsonout_set_check(doc, c, NULL), 0);
		assert_status(doc, c, check[c]);
	}
	assert_int_equal(jsonout_set_status(doc, 1, "differ", NULL), 0);
	assert_status(doc, 1, "differ");
	json_decref(doc);
}

static void test_values(void **state)
{
	json_t *v;

	(void)state;
	v = jsonout_str(NULL);
	assert_true(json_is_null(v));
	json_decref(v);
	v = jsonout_time(0);
	assert_true(json_is_null(v));
	json_decref(v);
	v = jsonout_time(1747094340); /* 2025-05-12 23:59:00 UTC */
	assert_string_equal(json_string_value(v), "2025-05-12T23:59:00Z");
	json_decref(v);
	v = jsonout_day(-1);
	assert_true(json_is_null(v));
	json_decref(v);
	v = jsonout_day(0);
	assert_string_equal(json_string_value(v), "1970-01-01");
	json_decref(v);
}

static void test_catalog_roots(void **state)
{
	char *roots = tu_source("roots");
	struct catalog *cat = NULL;
	struct rw_err e = {{0}, 0};
	long ri;
	size_t v[1];
	json_t *a, *r;

	(void)state;
	assert_int_equal(catalog_load(roots, &cat, &e), 0);
	ri = catalog_root_index(cat, "baltimore-cybertrust-root");
	assert_true(ri >= 0);
	v[0] = (size_t)ri;
	a = jsonout_catalog_roots(cat, v, 1);
	assert_int_equal(json_array_size(a), 1);
	r = json_array_get(a, 0);
	assert_string_equal(json_string_value(json_object_get(r, "id")),
	                    "baltimore-cybertrust-root");
	assert_string_equal(json_string_value(json_object_get(r, "name")),
	                    "Baltimore CyberTrust Root");
	assert_string_equal(json_string_value(json_object_get(r, "sha256")), cat->roots[ri].sha256);
	assert_string_equal(json_string_value(json_object_get(r, "not_after")),
	                    "2025-05-12T23:59:00Z");
	json_decref(a);
	/* a certificate outside the catalog: id null, name its label */
	r = jsonout_cert_root(cat->roots[ri].cert, cat, -1);
	assert_true(json_is_null(json_object_get(r, "id")));
	assert_non_null(json_string_value(json_object_get(r, "name")));
	json_decref(r);
	catalog_free(cat);
	free(roots);
}

static void test_print(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	json_t *doc = jsonout_new("version");

	(void)state;
	assert_non_null(fp);
	json_object_set_new(doc, "version", json_string("x"));
	assert_int_equal(jsonout_print(doc, fp), 0); /* takes doc */
	fclose(fp);
	assert_non_null(strstr(buf, "{\n  \"schema\": \"rootwarden/version/1\",\n  \"status\""));
	assert_int_equal(buf[len - 1], '\n');
	assert_int_equal(buf[len - 2], '}');
	free(buf);
	assert_int_equal(jsonout_print(NULL, stdout), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_header_first), cmocka_unit_test(test_status_names),
	        cmocka_unit_test(test_values),       cmocka_unit_test(test_catalog_roots),
	        cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
