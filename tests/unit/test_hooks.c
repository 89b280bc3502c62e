/* test_hooks.c - hooks run without a shell, with a clean environment, the event on stdin, a
 * timeout that kills the whole process group, and refusal of hooks others could have changed. */
#include "testutil.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hooks.h"

/* Hooks must live where nobody else can swap them: every directory up to "/" owned by root or
 * us and not group/world-writable. /tmp is not such a place, so the tests' temporary
 * directories go under the current directory (ctest runs us in the build tree) when it
 * qualifies; main() sets TMPDIR accordingly. */
static int safe_tree;

/* poll() as hooks.c sees it: fails with ENOMEM while poll_fails is set (a failure the runner
 * must not mistake for a finished hook), else the real one. */
static int poll_fails;

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	static int (*real_poll)(struct pollfd *, nfds_t, int);

	if (poll_fails) {
		errno = ENOMEM;
		return -1;
	}
	if (real_poll == NULL)
		*(void **)&real_poll = dlsym(RTLD_NEXT, "poll");
	return real_poll(fds, n, timeout);
}

static void need_safe_tree(void)
{
	if (!safe_tree)
		skip();
}

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
	/* One write of both pids, so a hook killed early cannot leave half of them. */
	snprintf(body, sizeof(body), "sleep 100 &\necho $$ $! > %s\nwait", pids);
	p = script(dir, "sleeper", body, 0755);
	h = one_hook(p);
	assert_int_equal(hook_run(&h, &ev, 1, &r), -1);
	assert_int_equal(r.timed_out, 1);
	/* Killed at the timeout, not after the 100 s sleep (loose: the machine may be loaded). */
	assert_true(r.seconds < 30);
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

/* ~3,000 roots added: the list is far over the kernel's 128 KiB per environment string, so an
 * uncapped variable makes every exec fail with E2BIG, forever. The hook runs; the variable is cut
 * on a whole entry and says so; stdin has everything. */
static void test_large_lists_are_capped_not_fatal(void **state)
{
	enum { ENTRIES = 3000, HEX = 64 };
	char *dir = tu_tmpdir(), *added = malloc(ENTRIES * (HEX + 1)), *json, *p, *out;
	struct hook_env big[] = {{"ROOTWARDEN_BUNDLE", "app"}, {"ROOTWARDEN_ADDED", added}};
	struct hook_event ev = {HOOK_EVENT_BUNDLE_UPDATED, big, 2, NULL};
	struct hook_result r;
	struct hook h;
	long len = -1, in = -1;
	char flag[8] = "", one[8] = "", last[HEX + 2] = "";
	size_t off = 0;

	(void)state;
	need_safe_tree();
	for (int i = 0; i < ENTRIES; i++) {
		for (int k = 0; k < HEX; k++)
			added[off++] = "0123456789ABCDEF"[(i >> (k % 12)) & 15];
		added[off++] = i + 1 < ENTRIES ? ' ' : '\0';
	}
	assert_int_equal(asprintf(&json, "{\"added_sha256\":\"%s\"}", added),
	                 (int)strlen(added) + 19);
	ev.input = json;
	p = script(dir, "h",
	           "printf '%s %s %s %s ' \"${#ROOTWARDEN_ADDED}\" \"$ROOTWARDEN_TRUNCATED\" "
	           "\"$ROOTWARDEN_ADDED_TRUNCATED\" \"${ROOTWARDEN_ADDED##* }\"\nwc -c",
	           0755);
	h = one_hook(p);
	assert_int_equal(hook_run(&h, &ev, 20, &r), 0);
	out = r.output.data;
	assert_int_equal(sscanf(out, "%ld %7s %7s %65s %ld", &len, flag, one, last, &in), 5);
	assert_true(len > 0 && (size_t)len <= HOOK_ENV_VALUE_MAX);
	assert_int_equal((len + 1) % (HEX + 1), 0); /* whole entries only */
	assert_int_equal(strlen(last), HEX);
	assert_memory_equal(last, added + len - HEX, HEX);
	assert_string_equal(flag, "1");
	assert_string_equal(one, "1");
	assert_int_equal(in, (long)strlen(json)); /* the full list on stdin */
	hook_result_free(&r);
	/* A small list is passed whole and nothing says it was cut. */
	big[1].value = "AA BB";
	assert_int_equal(hook_run(&h, &ev, 20, &r), 0);
	assert_non_null(strstr(r.output.data, "5   BB "));
	hook_result_free(&r);
	free(h.argv);
	free(p);
	free(json);
	free(added);
	tu_rmrf(dir);
	free(dir);
}

/* A hook that starts a daemon with setsid (out of its process group) leaves nothing behind: the
 * daemon re-parents to us as subreaper, is killed, and is named in the result. */
static void test_setsid_daemon_is_killed_and_reported(void **state)
{
	char *dir = tu_tmpdir(), *pidf = tu_path(dir, "pid"), body[512], *p, *text, want[64];
	struct hook_event ev = {HOOK_EVENT_BUNDLE_UPDATED, env, 2, "{}"};
	struct hook_result r;
	struct hook h;
	long pid = 0;
	pid_t mine;

	(void)state;
	need_safe_tree();
	snprintf(body, sizeof(body),
	         "setsid sleep 1000 </dev/null >/dev/null 2>&1 &\necho $! > %s\nexit 0", pidf);
	p = script(dir, "daemonizer", body, 0755);
	h = one_hook(p);
	/* A child we already had is not the hook's: it survives. */
	mine = fork();
	assert_true(mine >= 0);
	if (mine == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(hook_run(&h, &ev, 10, &r), 0);
	assert_int_equal(kill(mine, 0), 0);
	kill(mine, SIGKILL);
	waitpid(mine, NULL, 0);
	assert_string_equal(r.reason, "exit 0");
	text = tu_read(pidf, NULL);
	assert_int_equal(sscanf(text, "%ld", &pid), 1);
	/* Gone, and reaped (not even a zombie). */
	assert_int_equal(kill((pid_t)pid, 0), -1);
	assert_non_null(r.left_behind);
	/* argv[0] is "sleep"; "setsid" or "sh" when the hook exited before the exec (its command
	 * name). */
	snprintf(want, sizeof(want), "killed: %ld (s", pid);
	if (strstr(r.left_behind, want) == NULL)
		fail_msg("left_behind: %s (want %s)", r.left_behind, want);
	assert_non_null(strstr(r.output.data, want));
	hook_result_free(&r);
	/* A hook that leaves nothing: nothing reported. */
	free(p);
	free(h.argv);
	p = script(dir, "quiet", "exit 0", 0755);
	h = one_hook(p);
	assert_int_equal(hook_run(&h, &ev, 10, &r), 0);
	assert_null(r.left_behind);
	hook_result_free(&r);
	free(text);
	free(h.argv);
	free(p);
	free(pidf);
	tu_rmrf(dir);
	free(dir);
}

static void test_refusals(void **state)
{
	char *dir, *ww, *gw, *ok, *why;

	(void)state;
	need_safe_tree();
	dir = tu_tmpdir();
	ww = script(dir, "ww", "true", 0757);
	gw = script(dir, "gw", "true", 0775);
	ok = script(dir, "ok", "true", 0755);
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
	char *dir, *hd;
	char *own_argv[] = {"true", "x", NULL};
	struct config_hook own = {own_argv, 2};
	struct hooklist l;
	struct rw_err e = {{0}, 0};
	char *a, *b, *c, *hidden;

	(void)state;
	need_safe_tree();
	dir = tu_tmpdir();
	hd = tu_path(dir, "hooks.d");
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

static void test_inherited_fds_are_closed(void **state)
{
	char *dir = tu_tmpdir(), *p;
	struct hook h;
	struct hook_event ev = {HOOK_EVENT_BUNDLE_UPDATED, NULL, 0, ""};
	struct hook_result r;
	int fd = open("/dev/null", O_RDONLY); /* no O_CLOEXEC: as from cron or a wrapper shell */

	(void)state;
	assert_true(fd >= 0);
	/* A high number, away from anything sh opens for itself. */
	assert_int_equal(dup2(fd, 47), 47);
	p = script(dir, "fds",
	           "if [ -e /proc/self/fd/47 ]; then echo fd47=open; else echo fd47=closed; fi\n"
	           "ls /proc/self/fd | sort -n | tr '\\n' ' '",
	           0755);
	h = one_hook(p);
	assert_int_equal(hook_run(&h, &ev, 10, &r), 0);
	assert_non_null(strstr(r.output.data, "fd47=closed"));
	/* ls sees 0-2 and the directory it reads, nothing else of ours. */
	assert_string_equal(strstr(r.output.data, "\n") + 1, "0 1 2 3 ");
	hook_result_free(&r);
	close(47);
	close(fd);
	free(h.argv);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

static void test_poll_failure_is_a_failure(void **state)
{
	char *dir = tu_tmpdir(), *p;
	struct hook h;
	struct hook_event ev = {HOOK_EVENT_BUNDLE_UPDATED, NULL, 0, ""};
	struct hook_result r;
	int rc;

	(void)state;
	p = script(dir, "slow", "sleep 30\nexit 0", 0755);
	h = one_hook(p);
	poll_fails = 1;
	rc = hook_run(&h, &ev, 60, &r);
	poll_fails = 0;
	assert_int_equal(rc, -1);
	assert_int_not_equal(r.status, 0);
	assert_non_null(r.reason);
	assert_non_null(strstr(r.reason, "poll"));
	assert_non_null(strstr(r.reason, "process group killed"));
	hook_result_free(&r);
	free(h.argv);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

static void test_symlinks_and_parent_directories(void **state)
{
	char *dir, *ww, *gw, *safe, *evil, *gevil, *okhook, *l1, *l2, *l3, *why, *real = NULL;
	struct hooklist l;
	struct rw_err e = {{0}, 0};
	struct hook_event ev = {HOOK_EVENT_BUNDLE_UPDATED, NULL, 0, ""};
	struct hook_result r;
	char *hd;

	(void)state;
	need_safe_tree();
	dir = tu_tmpdir();
	ww = tu_path(dir, "sticky");
	gw = tu_path(dir, "group");
	safe = tu_path(dir, "safe");
	hd = tu_path(dir, "hooks.d");
	assert_int_equal(mkdir(ww, 0755), 0);
	assert_int_equal(chmod(ww, 01777), 0); /* like /tmp */
	assert_int_equal(mkdir(gw, 0755), 0);
	assert_int_equal(chmod(gw, 0775), 0);
	assert_int_equal(mkdir(safe, 0755), 0);
	assert_int_equal(mkdir(hd, 0755), 0);
	evil = script(ww, "hook", "echo ran", 0755);
	gevil = script(gw, "hook", "echo ran", 0755);
	okhook = script(safe, "hook", "echo safe-ran", 0755);
	l1 = tu_path(hd, "10-sticky");
	l2 = tu_path(hd, "20-group");
	l3 = tu_path(hd, "30-safe");
	assert_int_equal(symlink(evil, l1), 0);
	assert_int_equal(symlink(gevil, l2), 0);
	assert_int_equal(symlink(okhook, l3), 0);

	/* The file itself is fine; the directory it really lives in is not. */
	why = hook_refusal(l1, 0);
	assert_non_null(why);
	assert_non_null(strstr(why, ww));
	assert_non_null(strstr(why, "world-writable (mode 1777)"));
	free(why);
	why = hook_refusal(evil, 0);
	assert_non_null(why);
	assert_non_null(strstr(why, ww));
	free(why);
	why = hook_refusal(l2, 0);
	assert_non_null(why);
	assert_non_null(strstr(why, gw));
	assert_non_null(strstr(why, "group-writable (mode 0775)"));
	free(why);
	assert_null(hook_check(l3, 0, &real));
	assert_string_equal(real, okhook); /* what runs is the real path */
	free(real);
	/* hooks_dir under a writable directory is refused as a whole. */
	why = hook_refusal(ww, 1);
	assert_non_null(strstr(why, "world-writable"));
	free(why);

	assert_int_equal(hooks_collect(NULL, 0, hd, &l, &e), 0);
	assert_int_equal(l.n, 3);
	assert_non_null(l.v[0].refused);
	assert_non_null(strstr(l.v[0].refused, ww));
	assert_int_equal(hook_run(&l.v[0], &ev, 10, &r), -1);
	assert_int_equal(r.ran, 0);
	assert_int_equal(r.output.len, 0);
	hook_result_free(&r);
	assert_non_null(strstr(l.v[1].refused, gw));
	assert_null(l.v[2].refused);
	assert_string_equal(l.v[2].argv[0], l3);  /* the name stays as listed ... */
	assert_string_equal(l.v[2].path, okhook); /* ... the real file runs */
	assert_int_equal(hook_run(&l.v[2], &ev, 10, &r), 0);
	assert_string_equal(r.output.data, "safe-ran\n");
	hook_result_free(&r);
	hooklist_free(&l);

	free(ww);
	free(gw);
	free(safe);
	free(hd);
	free(evil);
	free(gevil);
	free(okhook);
	free(l1);
	free(l2);
	free(l3);
	tu_rmrf(dir);
	free(dir);
}

static void test_relative_argv0_is_refused(void **state)
{
	char *own_argv[] = {"bin/true", NULL};
	char *own_argv2[] = {"./true", NULL};
	struct config_hook own[] = {{own_argv, 1}, {own_argv2, 1}};
	struct hooklist l;
	struct rw_err e = {{0}, 0};
	char *cwd = getcwd(NULL, 0);

	(void)state;
	/* Even where the relative path would name a real executable. */
	assert_int_equal(chdir("/usr"), 0);
	assert_int_equal(hooks_collect(own, 2, NULL, &l, &e), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(l.n, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_null(l.v[i].path);
		assert_non_null(l.v[i].refused);
		assert_non_null(
		        strstr(l.v[i].refused,
		               "argv[0] must be absolute or a bare command name found in PATH"));
	}
	hooklist_free(&l);
	free(cwd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_clean_environment_stdin_and_status),
	        cmocka_unit_test(test_another_event_through_the_same_runner),
	        cmocka_unit_test(test_timeout_kills_the_process_group),
	        cmocka_unit_test(test_refusals),
	        cmocka_unit_test(test_collect_order_and_refused_dir),
	        cmocka_unit_test(test_inherited_fds_are_closed),
	        cmocka_unit_test(test_poll_failure_is_a_failure),
	        cmocka_unit_test(test_symlinks_and_parent_directories),
	        cmocka_unit_test(test_relative_argv0_is_refused),
	        cmocka_unit_test(test_large_lists_are_capped_not_fatal),
	        cmocka_unit_test(test_setsid_daemon_is_killed_and_reported),
	};
	safe_tree = tu_safe_tmpdir();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
