/* test_lock.c - the sync lock: exclusive, a bounded wait, and the message always names the
 * holder's pid. */
#include "testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "lock.h"

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* The pid is written whole and the file cut to it: a longer old pid leaves no digits behind. */
static void test_pid_replaces_a_longer_one(void **state)
{
	char *dir = tu_tmpdir(), *p = tu_path(dir, "lock"), *text, want[32];
	struct lock *l = NULL;
	struct rw_err e = {{0}, 0};

	tu_writef(p, "123456789012\n");
	assert_int_equal(lock_take(dir, 0, &l, &e), 0);
	text = tu_read(p, NULL);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	assert_string_equal(text, want);
	lock_release(l);
	free(text);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

/* A holder that has the flock but writes its pid a moment later (the old truncate-then-write
 * window): a waiter still names it, because it reads again before giving up. */
static void test_late_pid_is_still_named(void **state)
{
	char *dir = tu_tmpdir(), *p = tu_path(dir, "lock"), want[64];
	int ready[2];
	struct lock *l = NULL;
	struct rw_err e = {{0}, 0};
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(p, O_RDWR | O_CREAT, 0644);
		char b[32];
		int n;

		if (fd < 0 || flock(fd, LOCK_EX) < 0 || ftruncate(fd, 0) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		nap_ms(150);
		n = snprintf(b, sizeof(b), "%ld\n", (long)getpid());
		if (pwrite(fd, b, (size_t)n, 0) != n)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(lock_take(dir, 0, &l, &e), -1);
	assert_int_equal(e.status, RW_EXIT_LOCKED);
	snprintf(want, sizeof(want), "(pid %ld)", (long)pid);
	assert_non_null(strstr(e.msg, want));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(ready[0]);
	close(ready[1]);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

/* A holder that never writes: the message says so instead of leaving the pid out. */
static void test_no_pid_says_unknown(void **state)
{
	char *dir = tu_tmpdir(), *p = tu_path(dir, "lock");
	int fd;
	struct lock *l = NULL;
	struct rw_err e = {{0}, 0};
	pid_t pid;
	int ready[2];
	char c;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(p, O_RDWR | O_CREAT, 0644);
		if (fd < 0 || flock(fd, LOCK_EX) < 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(lock_take(dir, 0, &l, &e), -1);
	assert_int_equal(e.status, RW_EXIT_LOCKED);
	assert_non_null(strstr(e.msg, "(pid unknown)"));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(ready[0]);
	close(ready[1]);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

static void test_exclusive_with_pid(void **state)
{
	char *dir = tu_tmpdir(), msg[64];
	struct lock *l = NULL, *l2 = NULL;
	struct rw_err e = {{0}, 0};
	int fds[2];
	pid_t pid;
	double t0;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	if (pid == 0) { /* a second sync: holds the lock until killed */
		close(fds[0]);
		if (lock_take(dir, 0, &l, &e) < 0)
			_exit(1);
		if (write(fds[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	{
		char c;

		assert_int_equal(read(fds[0], &c, 1), 1);
	}
	assert_int_equal(lock_take(dir, 0, &l2, &e), -1);
	assert_int_equal(e.status, RW_EXIT_LOCKED);
	snprintf(msg, sizeof(msg), "%ld", (long)pid);
	if (strstr(e.msg, msg) == NULL)
		fail_msg("the lock message names no pid %s: %s", msg, e.msg);
	/* a bounded wait gives up */
	t0 = monotonic_seconds();
	assert_int_equal(lock_take(dir, 0.3, &l2, &e), -1);
	assert_true(monotonic_seconds() - t0 >= 0.25);
	/* the holder ends: the lock is free */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(lock_take(dir, 1, &l2, &e), 0);
	lock_release(l2);
	lock_release(NULL);
	close(fds[0]);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_exclusive_with_pid),
	        cmocka_unit_test(test_pid_replaces_a_longer_one),
	        cmocka_unit_test(test_late_pid_is_still_named),
	        cmocka_unit_test(test_no_pid_says_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
