/* test_cli.c - the program as a user runs it: commands, exit statuses, and that bad input changes
 * no file. Runs the built binary ($RW_BINARY). */
#include "exitcode.h"
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "cli.h"

static const char *bin(void)
{
	const char *b = getenv("RW_BINARY");

	if (b == NULL)
		fail_msg("RW_BINARY is not set (run the tests through ctest)");
	return b;
}

static int setup(void **state)
{
	*state = tu_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	tu_rmrf(*state);
	free(*state);
	return 0;
}

/* Runs rootwarden with up to 12 arguments (NULL-terminated), returns status; *out captured. */
static int rw(char **out, ...)
{
	char *argv[16];
	va_list ap;
	int n = 0;

	argv[n++] = (char *)bin();
	va_start(ap, out);
	while (n < 15 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return tu_run(argv, out);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void test_issue_examples(void **state)
{
	char *x = tu_path(*state, "x.pem"), *out, *pem;

	assert_int_equal(rw(&out, "bundle", "--profile", "azure-mysql-single", "--at", "2020-11-01",
	                    "--output", x, NULL),
	                 0);
	assert_non_null(strstr(out, "written, 2 roots"));
	assert_non_null(strstr(out, "file SHA-256 "));
	free(out);
	pem = tu_read(x, NULL);
	assert_int_equal(count(pem, "-----BEGIN CERTIFICATE-----"), 2);
	assert_non_null(strstr(pem, "# Baltimore CyberTrust Root\n# SHA-256: 16AF57A9F676B0AB"));
	assert_non_null(strstr(pem, "# DigiCert Global Root G2\n# SHA-256: CB3CCBB76031E5E0"));
	assert_non_null(strstr(pem, "# Not after: 2025-05-12T23:59:00Z"));
	free(pem);

	assert_int_equal(rw(&out, "bundle", "--profile", "azure-mysql-single", "--at", "2019-06-01",
	                    "--output", x, NULL),
	                 0);
	free(out);
	pem = tu_read(x, NULL);
	assert_int_equal(count(pem, "BEGIN CERTIFICATE"), 1);
	assert_non_null(strstr(pem, "# Baltimore CyberTrust Root"));
	free(pem);

	assert_int_equal(rw(&out, "bundle", "--profile", "azure-mysql-single", "--at", "2023-06-01",
	                    "--output", x, NULL),
	                 0);
	free(out);
	pem = tu_read(x, NULL);
	assert_int_equal(count(pem, "BEGIN CERTIFICATE"), 1);
	assert_non_null(strstr(pem, "# DigiCert Global Root G2"));
	free(pem);

	/* a user's mode is kept when --mode is not given; an unsafe --mode is refused */
	chmod(x, 0600);
	assert_int_equal(rw(&out, "bundle", "--profile", "azure-mysql-single", "--at", "2020-11-01",
	                    "--output", x, NULL),
	                 0);
	free(out);
	{
		struct stat st;

		assert_int_equal(stat(x, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
	}
	assert_int_equal(rw(&out, "bundle", "--profile", "azure-mysql-single", "--mode", "0664",
	                    "--output", x, NULL),
	                 2);
	free(out);
	assert_int_equal(rw(&out, "bundle", "--profile", "azure-mysql-single", "--at", "2023-06-01",
	                    "--output", x, NULL),
	                 0);
	free(out);

	/* the same again: unchanged, said so */
	assert_int_equal(rw(&out, "bundle", "--profile", "azure-mysql-single", "--at", "2023-06-01",
	                    "--output", x, NULL),
	                 0);
	assert_non_null(strstr(out, "unchanged"));
	free(out);
	free(x);
}

static void test_bad_input_changes_nothing(void **state)
{
	char *x = tu_path(*state, "x.pem"), *out, *before, *after, *leaf = tu_path(*state, "l.pem");
	char *nodir = tu_path(*state, "missing/x.pem");
	struct tu_cert_opts o;
	struct tu_cert *lc;
	struct stat st;

	tu_write(x, "precious\n", 9);
	before = tu_read(x, NULL);

	/* a date that is not a date: usage error, 2 */
	assert_int_equal(rw(&out, "bundle", "--profile", "azure-china", "--at", "2021-02-30",
	                    "--output", x, NULL),
	                 2);
	assert_non_null(strstr(out, "--at: '2021-02-30' is not a date"));
	assert_int_equal(count(out, "\n"), 1);
	free(out);
	/* an unknown profile: bad input, 3 */
	assert_int_equal(rw(&out, "bundle", "--profile", "azure-mars", "--output", x, NULL), 3);
	assert_non_null(strstr(out, "unknown profile 'azure-mars'"));
	free(out);
	/* an unreadable include: 3, names the path */
	assert_int_equal(rw(&out, "bundle", "--profile", "azure-china", "--include",
	                    "/nonexistent/roots", "--output", x, NULL),
	                 3);
	assert_non_null(strstr(out, "/nonexistent/roots: No such file or directory"));
	free(out);
	/* an include that is a leaf */
	tu_cert_opts_init(&o, "leaf.example");
	lc = tu_make(&o);
	tu_write(leaf, lc->pem.data, lc->pem.size);
	assert_int_equal(rw(&out, "bundle", "--profile", "azure-china", "--include", leaf,
	                    "--output", x, NULL),
	                 3);
	assert_non_null(strstr(out, "l.pem:1: leaf.example is not a root"));
	free(out);
	/* a broken catalog */
	assert_int_equal(rw(&out, "bundle", "--profile", "azure-china", "--roots-dir", *state,
	                    "--output", x, NULL),
	                 3);
	assert_non_null(strstr(out, "catalog.conf: No such file or directory"));
	free(out);
	after = tu_read(x, NULL);
	assert_string_equal(before, after);
	/* an output directory that does not exist: 1, nothing created */
	assert_int_equal(rw(&out, "bundle", "--profile", "azure-china", "--output", nodir, NULL),
	                 1);
	assert_non_null(strstr(out, "missing/x.pem: cannot create a temporary file"));
	assert_int_equal(stat(nodir, &st), -1);
	free(out);
	/* usage errors */
	assert_int_equal(rw(&out, "bundle", "--output", x, NULL), 2);
	assert_non_null(strstr(out, "(see 'rootwarden help bundle')"));
	free(out);
	assert_int_equal(rw(&out, "bundle", "--profile", "azure-china", "--bogus", NULL), 2);
	free(out);
	assert_int_equal(rw(&out, "frobnicate", NULL), 2);
	free(out);
	tu_cert_free(lc);
	free(before);
	free(after);
	free(x);
	free(leaf);
	free(nodir);
}

static void test_all_profiles_into_a_directory_and_stdout(void **state)
{
	char *dir = tu_path(*state, "out"), *out, *f, *pem;

	mkdir(dir, 0755);
	assert_int_equal(
	        rw(&out, "bundle", "--all", "--at", "2025-08-01", "--output-dir", dir, NULL), 0);
	/* every profile but azure-germany, which ended on 2021-10-29 (skipped, said on stderr) */
	assert_int_equal(count(out, " written, "), 14);
	free(out);
	f = tu_path(dir, "azure-mysql-flexible.pem");
	pem = tu_read(f, NULL);
	assert_int_equal(count(pem, "BEGIN CERTIFICATE"), 3);
	free(pem);
	free(f);

	assert_int_equal(rw(&out, "bundle", "--profile", "azure-germany", "--at", "2021-10-28",
	                    "--output", "-", NULL),
	                 0);
	assert_true(strncmp(out, "# D-TRUST Root Class 3 CA 2 2009\n", 33) == 0);
	assert_int_equal(count(out, "BEGIN CERTIFICATE"), 1);
	free(out);
	/* Microsoft Cloud Germany closed on 2021-10-29: nothing to write from then on */
	assert_int_equal(rw(&out, "bundle", "--profile", "azure-germany", "--at", "2021-10-29",
	                    "--output", "-", NULL),
	                 RW_EXIT_INPUT);
	assert_non_null(strstr(out, "profile 'azure-germany' ended on 2021-10-29"));
	free(out);
	free(dir);
}

static void test_help_version_and_roots(void **state)
{
	char *out;
	json_t *j;
	json_error_t je;

	(void)state;
	assert_int_equal(rw(&out, "--help", NULL), 0);
	assert_non_null(strstr(out, "bundle"));
	assert_non_null(strstr(out, "Exit status"));
	free(out);
	assert_int_equal(rw(&out, "help", "bundle", NULL), 0);
	assert_non_null(strstr(out, "--exclude SHA256"));
	free(out);
	assert_int_equal(rw(&out, "bundle", "--help", NULL), 0);
	assert_non_null(strstr(out, "--include PATH"));
	free(out);
	assert_int_equal(rw(&out, "--version", NULL), 0);
	assert_non_null(strstr(out, "rootwarden "));
	free(out);

	assert_int_equal(rw(&out, "roots", "list", "--json", NULL), 0);
	j = json_loads(out, 0, &je);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "schema")),
	                    "rootwarden/roots-list/1");
	assert_int_equal(json_array_size(json_object_get(j, "roots")), 9);
	assert_string_equal(json_string_value(json_object_get(
	                            json_array_get(json_object_get(j, "roots"), 0), "id")),
	                    "baltimore-cybertrust-root");
	assert_string_equal(json_string_value(json_object_get(
	                            json_array_get(json_object_get(j, "roots"), 0), "not_after")),
	                    "2025-05-12T23:59:00Z");
	json_decref(j);
	free(out);
	assert_int_equal(rw(&out, "roots", "list", NULL), 0);
	assert_non_null(strstr(out, "azure-mysql-single, azure-postgres-single, azure-government"));
	free(out);
	assert_int_equal(rw(&out, "roots", "show", "digicert-global-root-g2", NULL), 0);
	assert_non_null(strstr(out, "SPKI SHA-256: 8BB593A93BE1D0E8"));
	assert_non_null(strstr(out, "used by:     azure-mysql-single from 2020-10-26 (required)"));
	free(out);
	assert_int_equal(rw(&out, "roots", "show", "nope", NULL), 3);
	free(out);
}

static void test_reproducible_across_environment(void **state)
{
	char *a = tu_path(*state, "a.pem"), *b = tu_path(*state, "b.pem"), *x, *y, *out;
	char *argv_a[] = {"env",      "TZ=UTC", "LC_ALL=C", (char *)bin(),
	                  "bundle",   "--all",  "--at",     "2022-10-15",
	                  "--output", a,        "--quiet",  NULL};
	char *argv_b[] = {"env",
	                  "TZ=Asia/Kathmandu",
	                  "LC_ALL=C.UTF-8",
	                  (char *)bin(),
	                  "bundle",
	                  "--profile",
	                  "azure-all-roots",
	                  "--profile",
	                  "azure-cache-redis",
	                  "--profile",
	                  "azure-cosmos-db",
	                  "--profile",
	                  "azure-mariadb",
	                  "--profile",
	                  "azure-sql",
	                  "--profile",
	                  "azure-china-mysql-flexible",
	                  "--profile",
	                  "azure-china",
	                  "--profile",
	                  "azure-mysql-single",
	                  "--profile",
	                  "azure-mysql-flexible",
	                  "--profile",
	                  "azure-postgres-single",
	                  "--profile",
	                  "azure-postgres-flexible",
	                  "--profile",
	                  "azure-government",
	                  "--profile",
	                  "azure-government-mysql-flexible",
	                  "--profile",
	                  "azure-china-postgres-flexible",
	                  "--at",
	                  "2022-10-15",
	                  "--output",
	                  b,
	                  "--quiet",
	                  NULL};

	assert_int_equal(tu_run(argv_a, &out), 0);
	free(out);
	assert_int_equal(tu_run(argv_b, &out), 0);
	free(out);
	x = tu_read(a, NULL);
	y = tu_read(b, NULL);
	assert_string_equal(x, y);
	free(x);
	free(y);
	free(a);
	free(b);
}

/* A usage error about the command line's shape names the option, never a value or an operand:
 * either may be a secret typed in the wrong place (a token, a password). (A value that is checked
 * and refused, such as a malformed date, is quoted: it was given for that option.) */
static void test_option_errors_never_echo_values(void **state)
{
	static const char *const cases[][3] = {
	        {"sync", "--dry-run=hunter2", NULL},
	        {"sync", "-chunter2", NULL},
	        {"sync", "--no-such-option=hunter2", NULL},
	        {"check", "token", "--token=hunter2"},
	        {"check", "token", "hunter2"},
	        {"rotation", "hunter2", NULL},
	};
	char *out = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = rw(&out, cases[i][0], cases[i][1], cases[i][2], NULL);

		assert_true(rc == RW_EXIT_USAGE || rc == RW_CHECK_UNKNOWN);
		if (strstr(out, "hunter2") != NULL)
			fail_msg("'%s %s %s' echoed the value: %s", cases[i][0], cases[i][1],
			         cases[i][2] ? cases[i][2] : "", out);
		free(out);
		out = NULL;
	}
}

/* An option with a value given twice is a usage error (which one would win is a guess), unless
 * it is repeatable; the message names the option, never a value. */
static void test_an_option_given_twice(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(rw(&out, "bundle", "--output=hunter2", "--output=x", NULL), RW_EXIT_USAGE);
	assert_non_null(strstr(out, "--output given twice"));
	assert_null(strstr(out, "hunter2"));
	free(out);
	out = NULL;
	/* repeatable: no such error (this run stops later, without a certificate) */
	(void)rw(&out, "check", "sqlserver", "--host", "a.example", "--host", "b.example", NULL);
	assert_null(strstr(out, "given twice"));
	free(out);
}

/* One table per command: a short option means the same long option in every command and check
 * kind (no "-p" for --profile here and --policy there), and no table lists a name twice. */
static void check_table(const char *who, const struct cliopt *t, const char *longs[128])
{
	for (size_t i = 0; t && t[i].name; i++) {
		for (size_t k = 0; k < i; k++) {
			if (strcmp(t[k].name, t[i].name) == 0)
				fail_msg("%s: --%s is listed twice", who, t[i].name);
			if (t[i].short_name && t[k].short_name == t[i].short_name)
				fail_msg("%s: -%c is listed twice", who, t[i].short_name);
		}
		assert_non_null(t[i].help);
		/* the flag the parser and the completions use, and the help, say the same */
		if (t[i].repeatable != (strstr(t[i].help, "repeatable") != NULL))
			fail_msg("%s: --%s: repeatable is %d but its help %s", who, t[i].name,
			         t[i].repeatable, t[i].repeatable ? "does not say so" : "says so");
		assert_true(!t[i].repeatable || t[i].metavar != NULL);
		if (t[i].short_name == 0)
			continue;
		assert_true(t[i].short_name != 'h'); /* -h is --help everywhere */
		if (longs[(int)t[i].short_name] == NULL)
			longs[(int)t[i].short_name] = t[i].name;
		else if (strcmp(longs[(int)t[i].short_name], t[i].name) != 0)
			fail_msg("%s: -%c is --%s here but --%s elsewhere", who, t[i].short_name,
			         t[i].name, longs[(int)t[i].short_name]);
	}
}

static void test_short_options_mean_one_thing(void **state)
{
	const char *longs[128] = {0};

	(void)state;
	for (const struct command *c = cli_commands(); c->name; c++)
		check_table(c->name, c->help->options, longs);
	for (const struct check_kind *k = check_kinds(); k->name; k++)
		check_table(k->name, k->help->options, longs);
	assert_string_equal(longs['p'], "profile");
	assert_string_equal(longs['c'], "config");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_short_options_mean_one_thing),
	        cmocka_unit_test(test_an_option_given_twice),
	        cmocka_unit_test(test_option_errors_never_echo_values),
	        cmocka_unit_test_setup_teardown(test_issue_examples, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_input_changes_nothing, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_all_profiles_into_a_directory_and_stdout,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_help_version_and_roots, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reproducible_across_environment, setup,
	                                        teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
