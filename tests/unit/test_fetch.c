/* test_fetch.c - what fetch refuses without a network: other schemes, bodies over the cap;
 * file:// mirrors work. (HTTPS behaviour is covered by tests/integration/test_sync.sh.) */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "date.h"
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

struct seen {
	size_t calls, last_done;
	int order_ok;
	unsigned char got[32];
};

static void on_progress(void *ctx, size_t i, const struct fetch_result *r, size_t done,
                        size_t total)
{
	struct seen *s = ctx;

	s->calls++;
	if (done != s->last_done + 1 || i >= total || s->got[i])
		s->order_ok = 0;
	s->got[i] = 1;
	s->last_done = done;
}

/* file:// requests in parallel: each result in its own slot, progress once per request. */
static void test_many_files(void **state)
{
	char *dir = tu_tmpdir(), *urls[5];
	struct fetch_req reqs[5];
	struct fetch_result out[5];
	struct fetch_opts o = opts(1024);
	struct fetch_phase ph = {10, 0, 2};
	struct seen seen = {0, 0, 1, {0}};
	struct rw_err e = {{0}, 0};

	for (int i = 0; i < 5; i++) {
		char name[16], *p;

		snprintf(name, sizeof(name), "r%d", i);
		p = tu_path(dir, name);
		if (i != 3)
			tu_writef(p, "body %d", i);
		assert_true(asprintf(&urls[i], "file://%s", p) > 0);
		free(p);
		reqs[i] = (struct fetch_req){urls[i], NULL, NULL};
	}
	reqs[4].url = "ftp://127.0.0.1/x";
	assert_int_equal(fetch_many(reqs, 5, &o, &ph, out, on_progress, &seen, &e), 0);
	assert_int_equal(seen.calls, 5);
	assert_true(seen.order_ok);
	for (int i = 0; i < 3; i++) {
		char want[16];

		snprintf(want, sizeof(want), "body %d", i);
		assert_int_equal(out[i].status, FETCH_OK);
		assert_int_equal(out[i].body.len, strlen(want));
		assert_memory_equal(out[i].body.data, want, strlen(want));
	}
	assert_int_equal(out[3].status, FETCH_ERROR);
	assert_true(strncmp(out[3].err.msg, urls[3], strlen(urls[3])) == 0);
	assert_int_equal(out[4].status, FETCH_ERROR);
	assert_non_null(strstr(out[4].err.msg, "only https:// and file://"));
	for (int i = 0; i < 5; i++) {
		fetch_result_free(&out[i]);
		free(urls[i]);
	}
	tu_rmrf(dir);
	free(dir);
}

/* Ten URLs whose server never answers (a socket that listens and never accepts: the TLS
 * handshake hangs). One after another they would take 10 x (retries + 1) x timeout; in parallel,
 * with one deadline for the phase, they all end at the deadline, each saying so. */
static void test_hanging_urls_end_at_the_deadline(void **state)
{
	enum { N = 10 };
	struct sockaddr_in a = {0};
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char *urls[N];
	struct fetch_req reqs[N];
	struct fetch_result out[N];
	/* connect 20 s, total 30 s per attempt, 2 retries: 90 s per URL, 900 s one by one. */
	struct fetch_opts o = {20, 30, 4096, 2, 100, NULL, NULL, NULL};
	struct fetch_phase ph = {2, 0, 4};
	struct seen seen = {0, 0, 1, {0}};
	struct rw_err e = {{0}, 0};
	double t0;

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 64), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
	for (int i = 0; i < N; i++) {
		assert_true(asprintf(&urls[i], "https://127.0.0.1:%d/root%d.pem", ntohs(a.sin_port),
		                     i) > 0);
		reqs[i] = (struct fetch_req){urls[i], NULL, NULL};
	}
	t0 = monotonic_seconds();
	assert_int_equal(fetch_many(reqs, N, &o, &ph, out, on_progress, &seen, &e), 0);
	/* Not a timing test: the bound is one attempt's timeout, 15 x the deadline. */
	assert_true(monotonic_seconds() - t0 < 30);
	assert_int_equal(seen.calls, N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(out[i].status, FETCH_ERROR);
		assert_true(strncmp(out[i].err.msg, urls[i], strlen(urls[i])) == 0);
		assert_non_null(
		        strstr(out[i].err.msg, "not finished within the fetch deadline of 2s"));
		fetch_result_free(&out[i]);
		free(urls[i]);
	}
	close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_file_mirror_and_size_cap),
	        cmocka_unit_test(test_only_https_and_file),
	        cmocka_unit_test(test_many_files),
	        cmocka_unit_test(test_hanging_urls_end_at_the_deadline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
