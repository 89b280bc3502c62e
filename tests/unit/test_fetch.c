/* test_fetch.c - what fetch refuses without a network: other schemes, bodies over the cap;
 * file:// mirrors work. (HTTPS behaviour is covered by tests/integration/test_sync.sh.) */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch.h"

static struct fetch_opts opts(size_t max)
{
	struct fetch_opts o = {2, 5, max, 0, 0, NULL, NULL, NULL};

	return o;
}

static void test_file_mirror_and_size_cap(void **state)
{
	char *dir = tu_tmpdir(), *p = tu_path(dir, "root.der"), *url = NULL;
	struct fetch_opts o = opts(1024);
	struct fetch_result r;
	struct fetch_session *fs = NULL;
	struct rw_err e = {{0}, 0};
	char big[4096];

	(void)state;
	assert_int_equal(fetch_global_init(&e), 0);
	tu_writef(p, "hello");
	assert_true(asprintf(&url, "file://%s", p) > 0);
	assert_int_equal(fetch_session_new(&fs, &e), 0);
	assert_int_equal(fetch_url_in(fs, url, &o, &r, &e), FETCH_OK);
	assert_int_equal(r.body.len, 5);
	assert_memory_equal(r.body.data, "hello", 5);
	fetch_result_free(&r);

	memset(big, 'A', sizeof(big));
	tu_write(p, big, sizeof(big));
	assert_int_equal(fetch_url_in(fs, url, &o, &r, &e), FETCH_ERROR);
	assert_int_equal(r.body.len, 0);
	assert_non_null(strstr(e.msg, url));
	assert_non_null(strstr(e.msg, "larger than max_bytes (1024)"));
	fetch_result_free(&r);
	fetch_session_free(fs);

	unlink(p);
	assert_int_equal(fetch_url(url, &o, &r, &e), FETCH_ERROR);
	assert_true(strncmp(e.msg, url, strlen(url)) == 0);
	fetch_result_free(&r);
	free(url);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

static void test_only_https_and_file(void **state)
{
	struct fetch_opts o = opts(1024);
	struct fetch_result r;
	struct rw_err e = {{0}, 0};

	(void)state;
	assert_int_equal(fetch_url("http://127.0.0.1:9/x.crt", &o, &r, &e), FETCH_ERROR);
	assert_non_null(strstr(e.msg, "http://127.0.0.1:9/x.crt: only https:// and file://"));
	fetch_result_free(&r);
	assert_int_equal(fetch_url("ftp://127.0.0.1/x.crt", &o, &r, &e), FETCH_ERROR);
	fetch_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_file_mirror_and_size_cap),
	        cmocka_unit_test(test_only_https_and_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
