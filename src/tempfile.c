/* tempfile.c - registered temps removed on SIGTERM/SIGINT/SIGHUP; a sweep of stale ones. */
#include "tempfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { SLOT_FREE = 0, SLOT_BUSY = 1, SLOT_LIVE = 2 };

struct slot {
	int state; /* SLOT_*, changed with atomics; the handler acts on SLOT_LIVE only */
	int is_dir;
	char path[TEMPFILE_PATH_MAX];
};

static struct slot slots[TEMPFILE_SLOTS];
static pid_t owner; /* the process whose temps these are */
static int installed;

static const int caught[] = {SIGTERM, SIGINT, SIGHUP};

/* Entries of a directory, one level, then the directory: only async-signal-safe calls. */
static void remove_dir(const char *path)
{
	char b[4096];
	long n;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0) {
		while ((n = syscall(SYS_getdents64, fd, b, sizeof(b))) > 0) {
			for (long off = 0; off < n;) {
				/* struct linux_dirent64: ino(8) off(8) reclen(2) type(1) name */
				unsigned short reclen;
				const char *name = b + off + 19;

				memcpy(&reclen, b + off + 16, sizeof(reclen));
				if (reclen == 0)
					break;
				if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
				    unlinkat(fd, name, 0) < 0 && errno == EISDIR)
					unlinkat(fd, name, AT_REMOVEDIR);
				off += reclen;
			}
		}
		close(fd);
	}
	rmdir(path);
}

void tempfile_remove_all(void)
{
	if (owner != getpid())
		return;
	for (size_t i = 0; i < TEMPFILE_SLOTS; i++) {
		struct slot *s = &slots[i];

		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != SLOT_LIVE)
			continue;
		if (s->is_dir)
			remove_dir(s->path);
		else
			unlink(s->path);
	}
}

static void on_signal(int sig)
{
	int saved = errno;

	tempfile_remove_all();
	signal(sig, SIG_DFL);
	errno = saved;
	raise(sig); /* delivered when the handler returns: the process dies of it as it would have
	             */
}

static void install(void)
{
	if (__atomic_exchange_n(&installed, 1, __ATOMIC_ACQ_REL))
		return;
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++) {
		struct sigaction sa, old;

		if (sigaction(caught[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue; /* nohup and friends: ignored stays ignored */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		for (size_t k = 0; k < sizeof(caught) / sizeof(caught[0]); k++)
			sigaddset(&sa.sa_mask, caught[k]);
		sigaction(caught[i], &sa, NULL);
	}
}

int tempfile_register(const char *path, int is_dir)
{
	size_t len = strlen(path);

	if (len >= TEMPFILE_PATH_MAX)
		return -1;
	__atomic_store_n(&owner, getpid(), __ATOMIC_RELEASE);
	install();
	for (size_t i = 0; i < TEMPFILE_SLOTS; i++) {
		struct slot *s = &slots[i];
		int expect = SLOT_FREE;

		if (!__atomic_compare_exchange_n(&s->state, &expect, SLOT_BUSY, 0, __ATOMIC_ACQ_REL,
		                                 __ATOMIC_ACQUIRE))
			continue;
		memcpy(s->path, path, len + 1);
		s->is_dir = is_dir;
		__atomic_store_n(&s->state, SLOT_LIVE, __ATOMIC_RELEASE);
		return 0;
	}
	return -1;
}

void tempfile_unregister(const char *path)
{
	for (size_t i = 0; i < TEMPFILE_SLOTS; i++) {
		struct slot *s = &slots[i];
		int expect = SLOT_LIVE;

		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != SLOT_LIVE ||
		    strcmp(s->path, path) != 0)
			continue;
		if (__atomic_compare_exchange_n(&s->state, &expect, SLOT_BUSY, 0, __ATOMIC_ACQ_REL,
		                                __ATOMIC_ACQUIRE)) {
			s->path[0] = '\0';
			__atomic_store_n(&s->state, SLOT_FREE, __ATOMIC_RELEASE);
			return;
		}
	}
}

static void block_caught(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		sigaddset(&set, caught[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

int tempfile_mkostemp(char *tmpl, int flags)
{
	sigset_t old;
	int fd, saved;

	install(); /* before the first temp exists, not after */
	block_caught(&old);
	fd = mkostemp(tmpl, flags);
	saved = errno;
	if (fd >= 0)
		tempfile_register(tmpl, 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return fd;
}

char *tempfile_mkdtemp(char *tmpl)
{
	sigset_t old;
	char *r;
	int saved;

	install();
	block_caught(&old);
	r = mkdtemp(tmpl);
	saved = errno;
	if (r != NULL)
		tempfile_register(tmpl, 1);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return r;
}

/* name is ".BASE.rw-" followed by exactly six of [A-Za-z0-9]; base NULL: any non-empty BASE. */
static int is_our_temp_name(const char *name, const char *base)
{
	size_t nl = strlen(name), bl = base ? strlen(base) : (nl >= 12 ? nl - 11 : 0);

	if (bl == 0 || nl != 1 + bl + 4 + 6 || name[0] != '.' ||
	    (base && strncmp(name + 1, base, bl) != 0) || strncmp(name + 1 + bl, ".rw-", 4) != 0)
		return 0;
	for (const char *p = name + 1 + bl + 4; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

/* A stale directory temp: its plain entries, then itself (what a directory transaction makes is
 * flat; anything deeper makes rmdir fail and the directory stays). */
static int remove_stale_dir(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	return unlinkat(dfd, name, AT_REMOVEDIR);
}

/* The sweep of one directory: our stale temps of base (NULL: of any name). */
static int sweep(const char *dir, const char *base, time_t before, size_t *n_removed,
                 struct rw_err *e)
{
	DIR *d = NULL;
	struct dirent *de;
	size_t n = 0;
	int rc = -1;

	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			rc = 0;
		else
			err_set(e, RW_EXIT_FAILURE, "%s: cannot read the directory: %s", dir,
			        strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		int r;

		if (!is_our_temp_name(de->d_name, base))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (st.st_uid != geteuid() || st.st_mtime >= before ||
		    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
			continue;
		if (S_ISDIR(st.st_mode))
			r = remove_stale_dir(dirfd(d), de->d_name);
		else
			r = unlinkat(dirfd(d), de->d_name, 0);
		if (r == 0)
			n++;
	}
	rc = 0;
out:
	if (d)
		closedir(d);
	if (n_removed)
		*n_removed += n;
	return rc;
}

int tempfile_sweep_beside(const char *target, time_t before, size_t *n_removed, struct rw_err *e)
{
	char *dcopy = strdup(target), *bcopy = strdup(target);
	int rc = -1;

	if (n_removed)
		*n_removed = 0;
	if (dcopy == NULL || bcopy == NULL)
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", target);
	else
		rc = sweep(dirname(dcopy), basename(bcopy), before, n_removed, e);
	free(dcopy);
	free(bcopy);
	return rc;
}

int tempfile_sweep_dir(const char *dir, time_t before, size_t *n_removed, struct rw_err *e)
{
	if (n_removed)
		*n_removed = 0;
	return sweep(dir, NULL, before, n_removed, e);
}
