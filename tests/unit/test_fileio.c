/* test_fileio.c - canonical paths: the spellings of one file compare equal (bundle and metrics
 * paths are compared this way, so two bundles cannot write one file under two names). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

static void expect(const char *in, const char *want)
{
	char *got = path_canonical(in);

	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("path_canonical(%s) = %s, want %s", in, got, want);
	free(got);
}

static void test_lexical(void **state)
{
	(void)state;
	/* below a directory that does not exist: resolved by the text alone */
	expect("/nonexistent-rw/a.pem", "/nonexistent-rw/a.pem");
	expect("/nonexistent-rw/./a.pem", "/nonexistent-rw/a.pem");
	expect("/nonexistent-rw//x/../a.pem", "/nonexistent-rw/a.pem");
	expect("/nonexistent-rw/x/y/../../a.pem", "/nonexistent-rw/a.pem");
	expect("/../nonexistent-rw/a.pem", "/nonexistent-rw/a.pem");
	expect("/nonexistent-rw/", "/nonexistent-rw");
	expect("/", "/");
	{ /* relative: from the working directory */
		char *cwd = getcwd(NULL, 0), *want = NULL, *real = realpath(cwd, NULL);

		assert_true(asprintf(&want, "%s/relative-rw/a.pem", real) > 0);
		expect("relative-rw/a.pem", want);
		free(want);
		free(real);
		free(cwd);
	}
}

static void test_symlinks(void **state)
{
	char *dir = tu_tmpdir(), *real = tu_path(dir, "real"), *link = tu_path(dir, "link");
	char *a = tu_path(real, "a.pem"), *via = tu_path(link, "a.pem"), *want;

	(void)state;
	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink(real, link), 0);
	want = realpath(real, NULL);
	assert_non_null(want);
	{
		char *x = path_canonical(via), *y = path_canonical(a);

		assert_string_equal(x, y);
		assert_int_equal(strncmp(x, want, strlen(want)), 0);
		assert_true(path_within(x, want));
		free(x);
		free(y);
	}
	{ /* link/.. is where the link leads, then up: real/.., not the link's own parent */
		char *sub = tu_path(real, "sub"), *link2 = tu_path(dir, "l2"), *via2, *want2;

		assert_int_equal(mkdir(sub, 0755), 0);
		assert_int_equal(symlink(sub, link2), 0);
		via2 = tu_path(link2, "../a.pem");
		want2 = path_canonical(a);
		expect(via2, want2);
		free(want2);
		free(via2);
		free(link2);
		free(sub);
	}
	assert_false(path_within("/a/bc", "/a/b"));
	assert_true(path_within("/a/b", "/a/b"));
	assert_true(path_within("/a/b/c", "/a/b"));
	tu_rmrf(dir);
	free(want);
	free(dir);
	free(real);
	free(link);
	free(a);
	free(via);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lexical),
	        cmocka_unit_test(test_symlinks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
