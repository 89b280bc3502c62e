/* test_lock.c - the sync lock: one holder at a time, the holder's pid in the message, a wait
 * that gives up after its timeout, and release. */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "date.h"
#include "lock.h"

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
