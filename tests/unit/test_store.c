/* test_store.c - the state directory: content-addressed verified roots, JSON metadata,
 * quarantine; a tampered stored root is not trusted. */
#include "testutil.h"

#include <fcntl.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "save.h"
#include "store.h"

static struct cert *make_root(const char *cn)
{
	struct tu_cert *t = tu_root(cn, TU_EC_P256);
	struct rw_err e = {{0}, 0};
	struct cert *c = cert_from_der(t->der.data, t->der.size, cn, &e);

	assert_non_null(c);
	tu_cert_free(t);
	return c;
}

static void test_roots_are_content_addressed(void **state)
{
	char *dir = tu_tmpdir(), *sd = tu_path(dir, "state/sub"), *p;
	struct store *st = NULL;
	struct rw_err e = {{0}, 0};
	struct cert *c = make_root("store test root"), *back = NULL;
	struct stat sb;

	(void)state;
	assert_int_equal(store_open(sd, 1, &st, &e), 0);
	assert_int_equal(stat(sd, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0750);
	assert_int_equal(store_get_root(st, c->sha256, &back, &e), 0);
	assert_null(back);
	assert_int_equal(store_put_root(st, c, &e), 1);
	assert_int_equal(store_put_root(st, c, &e), 0); /* already there: not rewritten */
	assert_int_equal(store_get_root(st, c->sha256, &back, &e), 0);
	assert_non_null(back);
	assert_int_equal(back->der_len, c->der_len);
	assert_memory_equal(back->der, c->der, c->der_len);
	cert_free(back);
	back = NULL;

	/* A file whose bytes no longer hash to its name is refused. */
	p = store_root_path(st, c->sha256);
	{
		struct cert *other = make_root("another root");

		tu_write(p, other->der, other->der_len);
		cert_free(other);
	}
	assert_int_equal(store_get_root(st, c->sha256, &back, &e), -1);
	assert_null(back);
	assert_non_null(strstr(e.msg, p));
	free(p);
	cert_free(c);
	store_free(st);
	free(sd);
	tu_rmrf(dir);
	free(dir);
}

static void test_json_documents_and_quarantine(void **state)
{
	char *dir = tu_tmpdir(), *q;
	struct store *st = NULL;
	struct rw_err e = {{0}, 0};
	json_t *doc = json_pack("{s:s, s:s}", "url", "https://x/r.crt", "etag", "\"abc\""), *back;
	struct cert *c = make_root("quarantined root");

	(void)state;
	assert_int_equal(store_open(dir, 1, &st, &e), 0);
	assert_int_equal(store_json_get(st, "fetch", "r1", &back, &e), 0);
	assert_null(back);
	assert_int_equal(store_json_put(st, "fetch", "r1", doc, &e), 0);
	assert_int_equal(store_json_get(st, "fetch", "r1", &back, &e), 0);
	assert_true(json_equal(doc, back));
	json_decref(back);
	assert_int_equal(store_json_remove(st, "fetch", "r1", &e), 0);
	assert_int_equal(store_json_remove(st, "fetch", "r1", &e), 0);

	assert_int_equal(store_quarantine(st, c->sha256, c->der, c->der_len, doc, &e), 0);
	q = malloc(strlen(dir) + 100);
	sprintf(q, "%s/quarantine/%s.json", dir, c->sha256);
	assert_int_equal(access(q, R_OK), 0);
	sprintf(q, "%s/roots/%s.der", dir, c->sha256);
	assert_int_equal(access(q, F_OK), -1);

	/* A broken document is an error naming its path. */
	sprintf(q, "%s/hooks/app.json", dir);
	tu_writef(q, "{ not json");
	assert_int_equal(store_json_get(st, "hooks", "app", &back, &e), -1);
	assert_non_null(strstr(e.msg, "hooks/app.json:1:"));
	free(q);
	json_decref(doc);
	cert_free(c);
	store_free(st);
	tu_rmrf(dir);
	free(dir);
}

/* counters.json holding INT64_MAX plus one more failure: saturates (no signed overflow, which
 * UBSan reports and which exported -9.22e18); garbage types and negatives are dropped, named. */
static void test_counters_are_validated_and_saturate(void **state)
{
	char *dir = tu_tmpdir(), *p;
	struct store *st = NULL;
	struct rw_err e = {{0}, 0};
	json_t *doc = NULL;
	long long total = 0, n = 0;

	assert_int_equal(store_open(dir, 1, &st, &e), 0);
	p = tu_path(dir, "sync/counters.json");
	tu_writef(p, "{\"fetch_failures\": {\"max\": 9223372036854775807, \"text\": \"12\", "
	             "\"neg\": -5, \"real\": 1.5, \"bool\": true, \"ok\": 7}}");
	assert_int_equal(store_counters_get(st, &doc, &e), 1);
	assert_non_null(strstr(e.msg,
	                       "sync/counters.json: not a count in [0, 9223372036854775807], "
	                       "dropped:"));
	assert_non_null(strstr(e.msg, "fetch_failures.text"));
	assert_non_null(strstr(e.msg, "fetch_failures.neg"));
	assert_null(strstr(e.msg, "fetch_failures.ok"));
	assert_int_equal(store_counter_add(doc, "fetch_failures", "max", 1, &total), 0);
	assert_true(total == INT64_MAX);
	assert_int_equal(store_counter_add(doc, "fetch_failures", "ok", 2, &total), 0);
	assert_int_equal(total, 9);
	assert_int_equal(store_counter_add(doc, "fetch_failures", "text", 1, &total), 0);
	assert_int_equal(total, 1);
	assert_int_equal(store_int_field(json_object_get(doc, "fetch_failures"), "neg", 0,
	                                 INT64_MAX, -1, &n),
	                 0);
	json_decref(doc);

	/* Not an object, not JSON, absent: an empty set of counters, never an error. */
	tu_writef(p, "[1, 2]");
	err_clear(&e);
	assert_int_equal(store_counters_get(st, &doc, &e), 1);
	assert_true(json_is_object(json_object_get(doc, "fetch_failures")));
	json_decref(doc);
	tu_writef(p, "{\"fetch_failures\": 99999999999999999999999}");
	err_clear(&e);
	assert_int_equal(store_counters_get(st, &doc, &e), 1);
	assert_non_null(strstr(e.msg, "counters start again"));
	json_decref(doc);
	tu_writef(p, "{\"fetch_failures\": [3]}");
	err_clear(&e);
	assert_int_equal(store_counters_get(st, &doc, &e), 1);
	assert_int_equal(json_object_size(json_object_get(doc, "fetch_failures")), 0);
	json_decref(doc);
	unlink(p);
	assert_int_equal(store_counters_get(st, &doc, &e), 0);
	assert_int_equal(json_object_size(json_object_get(doc, "fetch_failures")), 0);
	json_decref(doc);

	/* Saturation both ways. */
	assert_true(store_sat_add(INT64_MAX, INT64_MAX) == INT64_MAX);
	assert_true(store_sat_add(INT64_MAX - 1, 1) == INT64_MAX);
	assert_true(store_sat_add(5, -10) == 0);
	assert_true(store_sat_add(-3, 2) == 2);
	free(p);
	store_free(st);
	tu_rmrf(dir);
	free(dir);
}

/* A run killed while writing state files leaves ".NAME.rw-XXXXXX" temps in STATE and its
 * subdirectories; the next run (under the lock) removes the stale ones of any name, and nothing
 * else: not a fresh temp, not a name that only looks similar, not a file of the store. */
static void test_stale_state_temps_are_swept(void **state)
{
	char *dir = tu_tmpdir(), *p[6];
	const char *names[6] = {"hooks/.a.json.rw-Ab12Cd",
	                        "sync/.counters.json.rw-XyZ987",
	                        ".rotation-announced.json.rw-q1w2e3",
	                        "hooks/.b.json.rw-fresh1",
	                        "hooks/.b.json.rw-toolong1",
	                        "hooks/b.json"};
	struct store *st = NULL;
	struct rw_err e = {{0}, 0};
	struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
	size_t n = 0;

	(void)state;
	assert_int_equal(store_open(dir, 1, &st, &e), 0);
	for (int i = 0; i < 6; i++) {
		p[i] = tu_path(dir, names[i]);
		tu_writef(p[i], "x");
		if (i != 3) /* all stale but the fresh one */
			assert_int_equal(utimensat(AT_FDCWD, p[i], old, 0), 0);
	}
	assert_int_equal(store_sweep_temps(st, time(NULL) - 60, &n, &e), 0);
	assert_int_equal(n, 3);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(access(p[i], F_OK) == 0, i >= 3);
		free(p[i]);
	}
	store_free(st);
	tu_rmrf(dir);
	free(dir);
}

/* The key sets and the lock live where store.h says, built by the store alone: a key set absent
 * reads as absent, is written through save.h (the same bytes again write nothing), reads back
 * byte for byte, and a copy over the caller's cap is an error naming the file. */
static void test_key_sets_and_lock_path(void **state)
{
	char *dir = tu_tmpdir(), *sd = tu_path(dir, "state"), *p, *want;
	struct store *st = NULL;
	struct rw_err e = {{0}, 0};
	struct buf b;
	static const char doc[] = "{\"keys\": []}";

	(void)state;
	assert_int_equal(store_open(sd, 1, &st, &e), 0);
	assert_int_equal(store_jwks_get(st, "public", "json", 1024, &b, &e), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(store_jwks_put(st, "public", "json", doc, strlen(doc), &e), SAVE_WRITTEN);
	assert_int_equal(store_jwks_put(st, "public", "json", doc, strlen(doc), &e),
	                 SAVE_UNCHANGED);
	assert_int_equal(store_jwks_get(st, "public", "json", 1024, &b, &e), 1);
	assert_int_equal(b.len, strlen(doc));
	assert_memory_equal(b.data, doc, b.len);
	buf_free(&b);
	p = store_jwks_path(sd, "public", "json");
	want = tu_path(sd, "jwks/public.json");
	assert_string_equal(p, want);
	assert_int_equal(access(p, R_OK), 0);
	assert_int_equal(store_jwks_get(st, "public", "json", 4, &b, &e), -1);
	assert_non_null(strstr(e.msg, p));
	free(p);
	free(want);
	p = store_lock_path(sd);
	want = tu_path(sd, "lock");
	assert_string_equal(p, want);
	free(p);
	free(want);
	store_free(st);
	tu_rmrf(dir);
	free(sd);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_roots_are_content_addressed),
	        cmocka_unit_test(test_json_documents_and_quarantine),
	        cmocka_unit_test(test_counters_are_validated_and_saturate),
	        cmocka_unit_test(test_stale_state_temps_are_swept),
	        cmocka_unit_test(test_key_sets_and_lock_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
