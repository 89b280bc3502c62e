/* lock.c - flock on STATE/lock with a bounded wait. */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "store.h"

#define LOCK_PID_READS 10

struct lock {
	int fd;
	char *path;
};

/* The holder's pid, or 0 when the file does not (yet) say. A holder writes its pid right after
 * it takes the lock, so an empty or partial file is read again a few times (up to ~0.5 s)
 * before the answer is "unknown". */
static long holder_pid(int fd)
{
	for (int i = 0; i < LOCK_PID_READS; i++) {
		struct timespec ts = {0, 50 * 1000000L};
		char b[32] = "", *end = NULL;
		ssize_t n = pread(fd, b, sizeof(b) - 1, 0);
		long pid;

		if (n > 0) {
			b[n] = '\0';
			pid = strtol(b, &end, 10);
			if (pid > 0 && end != b && *end == '\n')
				return pid;
		}
		nanosleep(&ts, NULL);
	}
	return 0;
}

int lock_take(const char *state_dir, double timeout_s, struct lock **out, struct rw_err *e)
{
	struct lock *l = calloc(1, sizeof(*l));
	double deadline = monotonic_seconds() + timeout_s;
	char pid[32];
	int n;

	*out = NULL;
	if (l == NULL || (l->path = store_lock_path(state_dir)) == NULL) {
		free(l);
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", state_dir);
	}
	l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (l->fd < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: cannot open the lock file: %s", l->path,
		        strerror(errno));
		goto fail;
	}
	while (flock(l->fd, LOCK_EX | LOCK_NB) < 0) {
		struct timespec ts = {0, 100 * 1000000L};

		if (errno != EWOULDBLOCK && errno != EINTR) {
			err_set(e, RW_EXIT_FAILURE, "%s: cannot lock: %s", l->path,
			        strerror(errno));
			goto fail;
		}
		if (monotonic_seconds() >= deadline) {
			long holder = holder_pid(l->fd);

			if (holder > 0)
				err_set(e, RW_EXIT_LOCKED,
				        "%s: another sync (pid %ld) holds the lock; waited %gs "
				        "(see "
				        "--lock-timeout)",
				        l->path, holder, timeout_s);
			else
				err_set(e, RW_EXIT_LOCKED,
				        "%s: another sync (pid unknown) holds the lock; waited %gs "
				        "(see --lock-timeout)",
				        l->path, timeout_s);
			goto fail;
		}
		nanosleep(&ts, NULL);
	}
	/* Write first, then cut to length: the file never holds nothing or half a pid. (The reverse
	 * order left a window in which a waiting sync read an empty file.) A longer old pid leaves
	 * digits after the newline until the ftruncate; the reader stops at the newline. */
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (pwrite(l->fd, pid, (size_t)n, 0) != n || ftruncate(l->fd, n) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: cannot write the pid: %s", l->path,
		        strerror(errno));
		goto fail;
	}
	*out = l;
	return 0;
fail:
	lock_release(l);
	return -1;
}

void lock_release(struct lock *l)
{
	if (l == NULL)
		return;
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	free(l);
}
