/* test_hooks.c - hooks run without a shell, with a clean environment, the event on stdin, a
 * timeout that kills the whole process group, and refusal of hooks others could have changed. */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hooks.h"

static char *script(const char *dir, const char *name, const char *body, mode_t mode)
{
	char *p = tu_path(dir, name);

	tu_writef(p, "#!/bin/sh\n%s\n", body);
	assert_int_equal(chmod(p, mode), 0);
	return p;
}

static struct hook one_hook(char *path)
{
	struct hook h = {0};

	h.argv = calloc(2, sizeof(char *));
	h.argv[0] = path;
	h.path = path;
	h.id = path;
	return h;
}

static const struct hook_env env[] = {
        {"ROOTWARDEN_BUNDLE", "app"},
        {"ROOTWARDEN_ADDED", "AA BB"},
};

static void test_clean_environment_stdin_and_status(void **state)
{
	char *dir = tu_tmpdir();
	char *p = script(dir, "h",
	                 "echo \"ev=$ROOTWARDEN_EVENT b=$ROOTWARDEN_BUNDLE a=$ROOTWARDEN_ADDED "
	                 "secret=${RW_TEST_SECRET:-none} path=$PATH cwd=$(pwd)\"\n"
	                 "cat\nexit 3",
	                 0755);
	struct hook h = one_hook(p);
	struct hook_event ev = {HOOK_EVENT_BUNDLE_UPDATED, env, 2, "{\"bundle\":\"app\"}"};
	struct hook_result r;

	(void)state;
	setenv("RW_TEST_SECRET", "leak", 1);
	assert_int_equal(hook_run(&h, &ev, 10, &r), -1);
	assert_int_equal(r.status, 3);
	assert_string_equal(r.reason, "exit 3");
	assert_non_null(strstr(r.output.data,
	                       "ev=bundle-updated b=app a=AA BB secret=none path=" HOOK_PATH
	                       " cwd=/"));
	assert_non_null(strstr(r.output.data, "{\"bundle\":\"app\"}"));
	hook_result_free(&r);
	unsetenv("RW_TEST_SECRET");
	free(h.argv);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

static void test_another_event_through_the_same_runner(void **state)
{
	char *dir = tu_tmpdir();
	char *p = script(dir, "h", "echo \"$ROOTWARDEN_EVENT\"", 0755);
	struct hook h = one_hook(p);
	struct hook_event ev = {HOOK_EVENT_ROTATION_UPCOMING, NULL, 0, ""};
	struct hook_result r;

	(void)state;
	assert_int_equal(hook_run(&h, &ev, 10, &r), 0);
	assert_string_equal(r.output.data, "rotation-upcoming\n");
	hook_result_free(&r);
	free(h.argv);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

static void test_timeout_kills_the_process_group(void **state)
{
	char *dir = tu_tmpdir(), *pids = tu_path(dir, "pids"), body[512];
	char *p, *text;
	struct hook h;
	struct hook_event ev = {HOOK_EVENT_BUNDLE_UPDATED, env, 2, "{}"};
	struct hook_result r;
	long a = 0, b = 0;

	(void)state;
	snprintf(body, sizeof(body), "echo $$ > %s\nsleep 100 &\necho $! >> %s\nwait", pids, pids);
	p = script(dir, "sleeper", body, 0755);
	h = one_hook(p);
	assert_int_equal(hook_run(&h, &ev, 1, &r), -1);
	assert_int_equal(r.timed_out, 1);
	assert_true(r.seconds < 5);
	assert_non_null(strstr(r.reason, "timed out after 1s"));
	text = tu_read(pids, NULL);
	assert_int_equal(sscanf(text, "%ld %ld", &a, &b), 2);
	usleep(100000);
	/* The background sleep was in the hook's group: it is gone (or a zombie awaiting init). */
	if (kill((pid_t)b, 0) == 0) {
		char stat[64], *s;

		snprintf(stat, sizeof(stat), "/proc/%ld/stat", b);
		s = tu_read(stat, NULL);
		assert_non_null(strstr(s, ") Z "));
		free(s);
	}
	free(text);
	hook_result_free(&r);
	free(h.argv);
	free(p);
	free(pids);
	tu_rmrf(dir);
	free(dir);
}

static void test_refusals(void **state)
{
	char *dir = tu_tmpdir();
	char *ww = script(dir, "ww", "true", 0757), *gw = script(dir, "gw", "true", 0775);
	char *ok = script(dir, "ok", "true", 0755), *why;

	(void)state;
	why = hook_refusal(ww, 0);
	assert_non_null(why);
	assert_non_null(strstr(why, "world-writable"));
	free(why);
	why = hook_refusal(gw, 0);
	assert_non_null(strstr(why, "group-writable"));
	free(why);
	assert_null(hook_refusal(ok, 0));
	assert_int_equal(chmod(dir, 0777), 0);
	why = hook_refusal(dir, 1);
	assert_non_null(strstr(why, "world-writable"));
	free(why);
	free(ww);
	free(gw);
	free(ok);
	tu_rmrf(dir);
	free(dir);
}

static void test_collect_order_and_refused_dir(void **state)
{
	char *dir = tu_tmpdir(), *hd = tu_path(dir, "hooks.d");
	char *own_argv[] = {"true", "x", NULL};
	struct config_hook own = {own_argv, 2};
	struct hooklist l;
	struct rw_err e = {{0}, 0};
	char *a, *b, *c, *hidden;

	(void)state;
	assert_int_equal(mkdir(hd, 0755), 0);
	b = script(hd, "20-b", "true", 0755);
	a = script(hd, "10-a", "true", 0755);
	c = script(hd, "README", "not a hook", 0644);
	hidden = script(hd, ".hidden", "true", 0755);
	assert_int_equal(hooks_collect(&own, 1, hd, &l, &e), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].id, "true x");
	assert_non_null(strstr(l.v[0].path, "/true"));
	assert_null(l.v[0].refused);
	assert_string_equal(l.v[1].path, a);
	assert_string_equal(l.v[2].path, b);
	hooklist_free(&l);

	assert_int_equal(chmod(hd, 0775), 0);
	assert_int_equal(hooks_collect(NULL, 0, hd, &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_non_null(strstr(l.v[0].refused, "group-writable"));
	hooklist_free(&l);

	assert_int_equal(hooks_collect(NULL, 0, "/nonexistent/hooks.d", &l, &e), 0);
	assert_int_equal(l.n, 0);
	free(a);
	free(b);
	free(c);
	free(hidden);
	free(hd);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_clean_environment_stdin_and_status),
	        cmocka_unit_test(test_another_event_through_the_same_runner),
	        cmocka_unit_test(test_timeout_kills_the_process_group),
	        cmocka_unit_test(test_refusals),
	        cmocka_unit_test(test_collect_order_and_refused_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
