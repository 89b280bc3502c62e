/* test_metrics.c - the Prometheus text file: HELP/TYPE once per family, label escaping, values,
 * bad names refused, replace-on-same-labels, atomic writes that leave an unchanged file alone,
 * and the one-call check-status helper. The file is parsed back line by line. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "metrics.h"

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = tu_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmrf(dir);
	free(dir);
	return 0;
}

/* A parsed sample: name, labels (unescaped), value text. */
struct parsed {
	char name[128];
	char labels[8][2][256];
	int n_labels;
	char value[64];
};

/* Parses one sample line of the text format, undoing the escapes; 0 or -1. */
static int parse_sample(const char *line, struct parsed *p)
{
	const char *s = line;
	size_t n = 0;

	memset(p, 0, sizeof(*p));
	while (*s && *s != '{' && *s != ' ' && n + 1 < sizeof(p->name))
		p->name[n++] = *s++;
	if (*s == '{') {
		s++;
		while (*s != '}') {
			char *k = p->labels[p->n_labels][0], *v = p->labels[p->n_labels][1];

			n = 0;
			while (*s && *s != '=')
				k[n++] = *s++;
			if (*s++ != '=' || *s++ != '"')
				return -1;
			n = 0;
			while (*s && *s != '"') {
				if (*s == '\\') {
					s++;
					if (*s == 'n')
						v[n++] = '\n';
					else if (*s == '\\' || *s == '"')
						v[n++] = *s;
					else
						return -1; /* no other escape is valid */
					s++;
					continue;
				}
				if (*s == '\n')
					return -1;
				v[n++] = *s++;
			}
			if (*s++ != '"')
				return -1;
			p->n_labels++;
			if (*s == ',')
				s++;
			else if (*s != '}')
				return -1;
		}
		s++;
	}
	if (*s++ != ' ')
		return -1;
	snprintf(p->value, sizeof(p->value), "%s", s);
	return 0;
}

static void test_render_and_parse_back(void **state)
{
	struct metrics *m = metrics_new();
	struct rw_err e = {{0}, 0};
	char *path = tu_path(dir, "rw.prom"), *text, *save = NULL;
	const char *weird = "a \"quoted\" back\\slash\nnew line";
	int helps = 0, types = 0, samples = 0, seen_weird = 0;

	(void)state;
	assert_non_null(m);
	assert_int_equal(metrics_add(m, &e, M_ROOT_NOT_AFTER, 2147212800.0, "root",
	                             "digicert-global-root-g2", "bundle", "app", NULL),
	                 0);
	assert_int_equal(metrics_add(m, &e, M_ROOT_NOT_AFTER, 1747094340.0, "root",
	                             "baltimore-cybertrust-root", "bundle", weird, NULL),
	                 0);
	assert_int_equal(metrics_add(m, &e, M_BUNDLE_ROOTS, 2, "bundle", "app", NULL), 0);
	assert_int_equal(
	        metrics_add(m, &e, M_BUNDLE_LAST_CHANGE, 1700000000, "bundle", "app", NULL), 0);
	assert_int_equal(metrics_add(m, &e, M_SYNC_LAST_SUCCESS, 1700000001, NULL), 0);
	assert_int_equal(metrics_add(m, &e, M_FETCH_FAILURES, 3, "root", "x", NULL), 0);
	assert_int_equal(metrics_add(m, &e, M_QUARANTINED, 0, NULL), 0);
	assert_int_equal(metrics_add(m, &e, M_ROTATION_NEXT_STEP, 1751328000, "profile",
	                             "azure-mysql-flexible", NULL),
	                 0);
	assert_int_equal(metrics_add(m, &e, M_CHECK_STATUS, 1, "check", "rotation", NULL), 0);
	/* Same labels again: replaced, not duplicated. */
	assert_int_equal(metrics_add(m, &e, M_BUNDLE_ROOTS, 3, "bundle", "app", NULL), 0);
	assert_int_equal(metrics_write(m, path, NULL, &e), SAVE_WRITTEN);
	text = tu_read(path, NULL);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct parsed p;

		if (strncmp(line, "# HELP ", 7) == 0) {
			helps++;
			assert_true(strlen(line) > 7 + strlen("rootwarden_ "));
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			types++;
			assert_true(strstr(line, " gauge") || strstr(line, " counter"));
			if (strstr(line, M_FETCH_FAILURES))
				assert_non_null(strstr(line, " counter"));
			continue;
		}
		assert_int_equal(parse_sample(line, &p), 0);
		samples++;
		assert_int_equal(strncmp(p.name, "rootwarden_", 11), 0);
		if (strcmp(p.name, M_BUNDLE_ROOTS) == 0)
			assert_string_equal(p.value, "3");
		if (strcmp(p.name, M_ROOT_NOT_AFTER) == 0 && strcmp(p.labels[1][1], weird) == 0) {
			seen_weird = 1;
			assert_string_equal(p.labels[0][0], "root");
			assert_string_equal(p.labels[1][0], "bundle");
			assert_string_equal(p.value, "1747094340");
		}
		if (strcmp(p.name, M_SYNC_LAST_SUCCESS) == 0) {
			assert_int_equal(p.n_labels, 0);
			assert_string_equal(p.value, "1700000001");
		}
	}
	assert_int_equal(helps, 8);
	assert_int_equal(types, 8);
	assert_int_equal(samples, 9);
	assert_true(seen_weird);
	free(text);
	metrics_free(m);
	free(path);
}

static void test_bad_names_refused(void **state)
{
	struct metrics *m = metrics_new();
	struct rw_err e = {{0}, 0};

	(void)state;
	assert_int_equal(metrics_add_family(m, "9starts_with_digit", METRIC_GAUGE, "h", &e), -1);
	assert_int_equal(metrics_add_family(m, "has-dash", METRIC_GAUGE, "h", &e), -1);
	assert_int_equal(metrics_add(m, &e, "rootwarden_undeclared", 1, NULL), -1);
	assert_non_null(strstr(e.msg, "not declared"));
	assert_int_equal(metrics_add(m, &e, M_BUNDLE_ROOTS, 1, "bad-label", "x", NULL), -1);
	assert_int_equal(metrics_add(m, &e, M_BUNDLE_ROOTS, 1, "__reserved", "x", NULL), -1);
	assert_int_equal(metrics_add(m, &e, M_BUNDLE_ROOTS, 1, "a", "x", "a", "y", NULL), -1);
	/* A family of one's own, declared once; redeclaring differently is refused. */
	assert_int_equal(metrics_add_family(m, "rootwarden_custom_seconds", METRIC_GAUGE,
	                                    "A custom gauge.", &e),
	                 0);
	assert_int_equal(metrics_add_family(m, "rootwarden_custom_seconds", METRIC_GAUGE,
	                                    "A custom gauge.", &e),
	                 0);
	assert_int_equal(metrics_add_family(m, "rootwarden_custom_seconds", METRIC_COUNTER,
	                                    "A custom gauge.", &e),
	                 -1);
	assert_int_equal(metrics_add(m, &e, "rootwarden_custom_seconds", 0.25, NULL), 0);
	{
		char *t = metrics_render(m);

		assert_non_null(strstr(t, "rootwarden_custom_seconds 0.25\n"));
		free(t);
	}
	metrics_free(m);
}

static void test_atomic_and_unchanged(void **state)
{
	struct metrics *m = metrics_new();
	struct rw_err e = {{0}, 0};
	char *path = tu_path(dir, "atomic.prom"), *bad = tu_path(dir, "no/such/dir/x.prom");
	struct stat st1, st2;
	char *text;

	(void)state;
	assert_int_equal(metrics_add(m, &e, M_QUARANTINED, 1, NULL), 0);
	assert_int_equal(metrics_write(m, path, NULL, &e), SAVE_WRITTEN);
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(st1.st_mode & 07777, 0644);
	{
		struct timeval old[2] = {{1000000000, 0}, {1000000000, 0}};

		assert_int_equal(utimes(path, old), 0);
		assert_int_equal(stat(path, &st1), 0);
	}
	/* The same content: not rewritten (node_exporter sees a stable mtime). */
	assert_int_equal(metrics_write(m, path, NULL, &e), SAVE_UNCHANGED);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_mtime, st2.st_mtime);
	assert_int_equal(st1.st_ino, st2.st_ino);
	/* New content replaces the file in one rename (a new inode, never a partial file). */
	assert_int_equal(metrics_add(m, &e, M_QUARANTINED, 2, NULL), 0);
	assert_int_equal(metrics_write(m, path, NULL, &e), SAVE_WRITTEN);
	assert_int_equal(stat(path, &st2), 0);
	assert_true(st1.st_ino != st2.st_ino);
	text = tu_read(path, NULL);
	assert_non_null(strstr(text, "rootwarden_quarantined_roots 2\n"));
	free(text);
	/* A directory that is not there: an error naming the path, nothing written. */
	assert_int_equal(metrics_write(m, bad, NULL, &e), SAVE_ERROR);
	assert_non_null(strstr(e.msg, "no/such/dir"));
	metrics_free(m);
	free(path);
	free(bad);
}

static void test_check_status_helper(void **state)
{
	struct rw_err e = {{0}, 0};
	char *path = tu_path(dir, "check.prom"), *text;

	(void)state;
	assert_int_equal(metrics_write_check_status(path, "sqlserver", "db1.example.com", 2, &e),
	                 0);
	text = tu_read(path, NULL);
	assert_string_equal(text, "# HELP rootwarden_check_status Status of a rootwarden check: 0 "
	                          "OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
	                          "# TYPE rootwarden_check_status gauge\n"
	                          "rootwarden_check_status{check=\"sqlserver\",target=\"db1."
	                          "example.com\"} 2\n");
	free(text);
	assert_int_equal(metrics_write_check_status(path, "key", NULL, 0, &e), 0);
	text = tu_read(path, NULL);
	assert_non_null(strstr(text, "rootwarden_check_status{check=\"key\"} 0\n"));
	free(text);
	free(path);
}

/* metrics_write_over replaces only its own families: a large file's other series (thousands of
 * root expiry gauges) are kept whole, line for line, and the replaced family appears once. */
static void test_write_over_keeps_the_other_series(void **state)
{
	struct rw_err e = {{0}, 0};
	char *path = tu_path(dir, "over.prom"), *text, line[160];
	struct metrics *full = metrics_new(), *st = metrics_new();

	(void)state;
	for (int i = 0; i < 3000; i++) {
		snprintf(line, sizeof(line), "root-%04d", i);
		assert_int_equal(metrics_add(full, &e, M_ROOT_NOT_AFTER, 1.9e9 + i, "root", line,
		                             "bundle", "app", NULL),
		                 0);
	}
	assert_int_equal(metrics_add(full, &e, M_SYNC_STATUS, 0, NULL), 0);
	assert_int_not_equal(metrics_write(full, path, NULL, &e), SAVE_ERROR);
	assert_int_equal(metrics_add(st, &e, M_SYNC_STATUS, 3, NULL), 0);
	assert_int_not_equal(metrics_write_over(st, path, NULL, &e), SAVE_ERROR);
	text = tu_read(path, NULL);
	assert_non_null(
	        strstr(text, "rootwarden_root_not_after_timestamp_seconds{root=\"root-0000\""));
	assert_non_null(
	        strstr(text, "rootwarden_root_not_after_timestamp_seconds{root=\"root-2999\""));
	assert_non_null(strstr(text, "\nrootwarden_sync_exit_status 3\n"));
	assert_null(strstr(text, "rootwarden_sync_exit_status 0"));
	assert_non_null(strstr(text, "# TYPE rootwarden_sync_exit_status gauge\n"));
	assert_null(strstr(strstr(text, "# TYPE rootwarden_sync_exit_status") + 1,
	                   "# TYPE rootwarden_sync_exit_status"));
	assert_true(strlen(text) > 3000 * 60);
	free(text);
	metrics_free(full);
	metrics_free(st);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_render_and_parse_back),
	        cmocka_unit_test(test_bad_names_refused),
	        cmocka_unit_test(test_atomic_and_unchanged),
	        cmocka_unit_test(test_check_status_helper),
	        cmocka_unit_test(test_write_over_keeps_the_other_series),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
