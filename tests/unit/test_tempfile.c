/* test_tempfile.c - a signal that ends a write removes its temp; the sweep removes only our own
 * stale temps beside a target. */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "save.h"
#include "tempfile.h"

/* How many entries of dir start with prefix. */
static int count_prefix(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

/* A child writes a bundle (temp open, bytes written, not finished) and is sent sig. */
static void killed_mid_write(int sig)
{
	char *dir = tu_tmpdir(), *target = tu_path(dir, "a.pem"), *text;
	int ready[2], st = 0;
	pid_t pid;
	char c;

	tu_writef(target, "old\n");
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rw_err e = {{0}, 0};
		struct save *s = save_open(target, NULL, &e);

		if (s == NULL || save_write(s, "new, half written", 17) < 0 ||
		    write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(count_prefix(dir, ".a.pem.rw-"), 1);
	kill(pid, sig);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	/* It still dies of the signal (a supervisor sees what happened) ... */
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), sig);
	/* ... and leaves nothing behind; the target is the old file. */
	assert_int_equal(count_prefix(dir, ".a.pem.rw-"), 0);
	text = tu_read(target, NULL);
	assert_string_equal(text, "old\n");
	free(text);
	close(ready[0]);
	close(ready[1]);
	free(target);
	tu_rmrf(dir);
	free(dir);
}

/* nohup: a signal ignored when the process started stays ignored (first test: nothing installed
 * yet in this process). */
static void test_ignored_signal_stays_ignored(void **state)
{
	char *dir = tu_tmpdir(), *p = tu_path(dir, ".c.pem.rw-XXXXXX");
	int st = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd;

		signal(SIGHUP, SIG_IGN);
		if ((fd = tempfile_mkostemp(p, O_CLOEXEC)) < 0)
			_exit(1);
		raise(SIGHUP);
		_exit(access(p, F_OK) == 0 ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

static void test_sigterm_mid_write_leaves_no_temp(void **state)
{
	killed_mid_write(SIGTERM);
}

static void test_sigint_and_sighup_too(void **state)
{
	killed_mid_write(SIGINT);
	killed_mid_write(SIGHUP);
}

/* A registered directory (a directory transaction's staging dir) goes with its entries. */
static void test_registered_directory_is_removed(void **state)
{
	char *dir = tu_tmpdir(), *tmpl = tu_path(dir, ".out.rw-XXXXXX");
	int st = 0;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *f;

		if (tempfile_mkdtemp(tmpl) == NULL)
			_exit(1);
		f = tu_path(tmpl, "a.pem");
		tu_writef(f, "x");
		raise(SIGTERM);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
	/* The template was filled in by the child: nothing of that pattern is left. */
	assert_int_equal(count_prefix(dir, ".out.rw-"), 0);
	free(tmpl);
	tu_rmrf(dir);
	free(dir);
}

/* A forked child (a hook between fork and exec) that is killed does not remove its parent's
 * temps: the parent is still writing them. */
static void test_forked_child_leaves_parent_temps(void **state)
{
	char *dir = tu_tmpdir(), *p = tu_path(dir, ".b.pem.rw-AAAAAA");
	int st = 0;
	pid_t pid;

	tu_writef(p, "x");
	assert_int_equal(tempfile_register(p, 0), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		raise(SIGTERM);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(access(p, F_OK), 0);
	tempfile_unregister(p);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

static void make_old(const char *path)
{
	struct timeval tv[2] = {{1000000000, 0}, {1000000000, 0}};

	assert_int_equal(lutimes(path, tv), 0);
}

static void test_sweep_removes_only_our_stale_temps(void **state)
{
	char *dir = tu_tmpdir();
	const char *stale[] = {".a.pem.rw-AbC123", ".a.pem.rw-zzzzzz"};
	const char *kept[] = {".a.pem.rw-AbC12",   /* five characters: not mkstemp's */
	                      ".a.pem.rw-AbC1234", /* seven */
	                      ".a.pem.rw-AbC_23",  /* not [A-Za-z0-9] */
	                      ".b.pem.rw-AbC123",  /* another target's */
	                      "a.pem.rw-AbC123",   /* not hidden */
	                      ".a.pem.tmp-AbC123", /* someone else's convention */
	                      "a.pem"};
	char *p, *fresh, *link, *sdir, *inner, *foreign = NULL;
	size_t n = 99;
	struct rw_err e = {{0}, 0};

	for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++) {
		p = tu_path(dir, stale[i]);
		tu_writef(p, "stale");
		make_old(p);
		free(p);
	}
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		p = tu_path(dir, kept[i]);
		tu_writef(p, "keep");
		make_old(p);
		free(p);
	}
	/* A stale staging directory (a killed directory transaction). */
	sdir = tu_path(dir, ".a.pem.rw-D1r2ab");
	assert_int_equal(mkdir(sdir, 0755), 0);
	inner = tu_path(sdir, "x.pem");
	tu_writef(inner, "x");
	make_old(sdir);
	/* A fresh temp: a writer that is still running. */
	fresh = tu_path(dir, ".a.pem.rw-Fresh1");
	tu_writef(fresh, "in progress");
	/* A symlink with our name: never followed, never removed. */
	link = tu_path(dir, ".a.pem.rw-L1nk00");
	assert_int_equal(symlink("/etc/passwd", link), 0);
	make_old(link);
	/* Someone else's file with our name (root can make one). */
	if (geteuid() == 0) {
		foreign = tu_path(dir, ".a.pem.rw-Other1");
		tu_writef(foreign, "theirs");
		assert_int_equal(chown(foreign, 4242, 4242), 0);
		make_old(foreign);
	}

	p = tu_path(dir, "a.pem");
	assert_int_equal(tempfile_sweep_beside(p, time(NULL) - 60, &n, &e), 0);
	free(p);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++) {
		p = tu_path(dir, stale[i]);
		assert_int_equal(access(p, F_OK), -1);
		free(p);
	}
	assert_int_equal(access(sdir, F_OK), -1);
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		p = tu_path(dir, kept[i]);
		assert_int_equal(access(p, F_OK), 0);
		free(p);
	}
	assert_int_equal(access(fresh, F_OK), 0);
	assert_int_equal(access("/etc/passwd", F_OK), 0);
	assert_int_equal(lstat(link, &(struct stat){0}), 0);
	if (foreign)
		assert_int_equal(access(foreign, F_OK), 0);

	/* A directory that is not there: nothing to sweep, no error. */
	p = tu_path(dir, "missing/a.pem");
	assert_int_equal(tempfile_sweep_beside(p, time(NULL), &n, &e), 0);
	assert_int_equal(n, 0);
	free(p);
	free(foreign);
	free(link);
	free(fresh);
	free(inner);
	free(sdir);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ignored_signal_stays_ignored),
	        cmocka_unit_test(test_sigterm_mid_write_leaves_no_temp),
	        cmocka_unit_test(test_sigint_and_sighup_too),
	        cmocka_unit_test(test_registered_directory_is_removed),
	        cmocka_unit_test(test_forked_child_leaves_parent_temps),
	        cmocka_unit_test(test_sweep_removes_only_our_stale_temps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
