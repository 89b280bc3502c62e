#include "save.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crashpoint.h"
#include "tempfile.h"

struct save {
	char *target; /* the file that will be replaced */
	char *dir;
	char *tmp; /* NULL for stdout */
	FILE *fp;
	int fd;
	int write_errno;
	int renamed;     /* the temp file is now the target: do not unlink it */
	int passthrough; /* a device or FIFO, written straight (no temp, no rename) */
	struct save_opts opts;
};

void save_opts_init(struct save_opts *o)
{
	o->mode = 0644;
	o->uid = (uid_t)-1;
	o->gid = (gid_t)-1;
	o->before_commit = NULL;
	o->commit_arg = NULL;
	o->committed = NULL;
}

static void save_free(struct save *s)
{
	if (s == NULL)
		return;
	if (s->fp != NULL && s->fp != stdout)
		fclose(s->fp);
	if (s->tmp != NULL && !s->renamed) {
		unlink(s->tmp);
		tempfile_unregister(s->tmp);
	}
	free(s->tmp);
	free(s->target);
	free(s->dir);
	free(s);
}

const char *save_target(const struct save *s)
{
	return s->target;
}

static char *resolve_target(const char *path)
{
	struct stat st;
	char *real;

	char link[4096], *copy, *out = NULL;
	ssize_t n;

	if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
		return strdup(path);
	real = realpath(path, NULL);
	if (real != NULL)
		return real;
	/* A dangling link: write the file it names, so the link stays a link. */
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return strdup(path);
	link[n] = '\0';
	if (link[0] == '/')
		return strdup(link);
	copy = strdup(path);
	if (copy != NULL && asprintf(&out, "%s/%s", dirname(copy), link) < 0)
		out = NULL;
	free(copy);
	return out;
}

struct save *save_open(const char *path, const struct save_opts *o, struct rw_err *e)
{
	struct save *s = calloc(1, sizeof(*s));
	char *copy = NULL, *base;
	struct stat st;
	int fd;

	if (s == NULL)
		goto oom;
	s->fd = -1;
	if (o)
		s->opts = *o;
	else
		save_opts_init(&s->opts);
	if (strcmp(path, "-") == 0) {
		s->fp = stdout;
		if ((s->target = strdup("-")) == NULL)
			goto oom;
		return s;
	}
	if ((s->target = resolve_target(path)) == NULL || (copy = strdup(s->target)) == NULL ||
	    (s->dir = strdup(dirname(copy))) == NULL)
		goto oom;
	free(copy);
	copy = strdup(s->target);
	if (copy == NULL)
		goto oom;
	base = basename(copy);
	if (stat(s->target, &st) == 0 && S_ISDIR(st.st_mode)) {
		err_set(e, RW_EXIT_FAILURE, "%s: is a directory", path);
		goto fail;
	}
	/* A device or FIFO (/dev/null, /dev/stdout, a pipe) is written through, never replaced by a
	 * regular file: renaming a temp over /dev/null would break the whole machine. */
	if (stat(s->target, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISSOCK(st.st_mode) || (s->fp = fopen(s->target, "we")) == NULL) {
			err_set(e, RW_EXIT_FAILURE,
			        "%s: not a regular file, and cannot be written: %s", path,
			        S_ISSOCK(st.st_mode) ? "a socket" : strerror(errno));
			goto fail;
		}
		s->passthrough = 1;
		free(copy);
		return s;
	}
	if (asprintf(&s->tmp, "%s/.%s.rw-XXXXXX", s->dir, base) < 0) {
		s->tmp = NULL;
		goto oom;
	}
	fd = tempfile_mkostemp(s->tmp, O_CLOEXEC); /* registered: removed on SIGTERM/INT/HUP */
	if (fd < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: cannot create a temporary file in %s: %s", path,
		        s->dir, strerror(errno));
		free(s->tmp);
		s->tmp = NULL;
		goto fail;
	}
	s->fd = fd;
	s->fp = fdopen(fd, "w");
	if (s->fp == NULL) {
		close(fd);
		goto oom;
	}
	setvbuf(s->fp, NULL, _IOFBF, 1 << 16);
	free(copy);
	return s;
oom:
	err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
fail:
	free(copy);
	save_free(s);
	return NULL;
}

int save_write(struct save *s, const void *p, size_t n)
{
	if (s->write_errno)
		return -1;
	if (n && fwrite(p, 1, n, s->fp) != n) {
		s->write_errno = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

int save_printf(struct save *s, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (s->write_errno)
		return -1;
	va_start(ap, fmt);
	r = vfprintf(s->fp, fmt, ap);
	va_end(ap);
	if (r < 0) {
		s->write_errno = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

void save_discard(struct save *s)
{
	save_free(s);
}

/* 1 if the file at path has exactly the bytes of fd (from offset 0), 0 if not; *tfd receives an
 * open read-only descriptor of the target when it exists (caller closes). */
static int same_content(const char *path, int fd, int *tfd)
{
	char a[65536], b[65536];
	struct stat sa, sb;
	off_t off = 0;

	*tfd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (*tfd < 0)
		return 0;
	if (fstat(*tfd, &sb) < 0 || fstat(fd, &sa) < 0 || !S_ISREG(sb.st_mode) ||
	    sa.st_size != sb.st_size)
		return 0;
	while (off < sa.st_size) {
		ssize_t x = pread(fd, a, sizeof(a), off), y;

		if (x <= 0)
			return 0;
		y = pread(*tfd, b, (size_t)x, off);
		if (y != x || memcmp(a, b, (size_t)x) != 0)
			return 0;
		off += x;
	}
	return 1;
}

/* An unchanged file keeps its bytes and mtime, but takes the mode and owner asked for. */
static int fix_mode_owner(int tfd, const char *path, const struct save_opts *o, struct rw_err *e)
{
	struct stat st;

	if (fstat(tfd, &st) < 0)
		return err_set(e, RW_EXIT_FAILURE, "%s: %s", path, strerror(errno));
	if ((st.st_mode & 07777) != o->mode && fchmod(tfd, o->mode) < 0)
		return err_set(e, RW_EXIT_FAILURE, "%s: cannot set mode %04o: %s", path,
		               (unsigned)o->mode, strerror(errno));
	if (((o->uid != (uid_t)-1 && st.st_uid != o->uid) ||
	     (o->gid != (gid_t)-1 && st.st_gid != o->gid)) &&
	    fchown(tfd, o->uid, o->gid) < 0)
		return err_set(e, RW_EXIT_FAILURE, "%s: cannot set owner or group: %s", path,
		               strerror(errno));
	return 0;
}

int save_finish(struct save *s, struct rw_err *e)
{
	int rc = SAVE_ERROR, tfd = -1, dfd = -1;

	if (s->tmp == NULL) { /* stdout, or a device or FIFO written through */
		if (fflush(s->fp) != 0 || s->write_errno) {
			err_set(e, RW_EXIT_FAILURE, "%s: %s",
			        s->passthrough ? s->target : "standard output",
			        strerror(s->write_errno ? s->write_errno : errno));
			goto out;
		}
		rc = SAVE_WRITTEN;
		goto out;
	}
	if (fflush(s->fp) != 0 && !s->write_errno)
		s->write_errno = errno ? errno : EIO;
	if (s->write_errno) {
		err_set(e, RW_EXIT_FAILURE, "%s: write failed: %s (the file was left as it was)",
		        s->target, strerror(s->write_errno));
		goto out;
	}
	crashpoint("save-after-temp-written");
	if (same_content(s->target, s->fd, &tfd)) {
		rc = fix_mode_owner(tfd, s->target, &s->opts, e) < 0 ? SAVE_ERROR : SAVE_UNCHANGED;
		goto out;
	}
	if (fchmod(s->fd, s->opts.mode) < 0 ||
	    ((s->opts.uid != (uid_t)-1 || s->opts.gid != (gid_t)-1) &&
	     fchown(s->fd, s->opts.uid, s->opts.gid) < 0)) {
		err_set(e, RW_EXIT_FAILURE, "%s: cannot set mode or owner: %s", s->target,
		        strerror(errno));
		goto out;
	}
	if (fsync(s->fd) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: fsync failed: %s (the file was left as it was)",
		        s->target, strerror(errno));
		goto out;
	}
	crashpoint("save-after-fsync");
	if (s->opts.before_commit && s->opts.before_commit(s->opts.commit_arg, s->target, e) < 0) {
		if (strncmp(e->msg, s->target, strlen(s->target)) != 0)
			err_prefix(e, s->target);
		goto out;
	}
	if (rename(s->tmp, s->target) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: rename failed: %s (the file was left as it was)",
		        s->target, strerror(errno));
		goto out;
	}
	s->renamed = 1;
	if (s->opts.committed)
		*s->opts.committed = 1;
	tempfile_unregister(s->tmp);
	crashpoint("save-after-rename");
	dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: fsync of the directory failed: %s", s->dir,
		        strerror(errno));
		goto out;
	}
	crashpoint("save-after-dir-fsync");
	rc = SAVE_WRITTEN;
out:
	if (tfd >= 0)
		close(tfd);
	if (dfd >= 0)
		close(dfd);
	save_free(s);
	return rc;
}

int save_bytes(const char *path, const void *p, size_t n, const struct save_opts *o,
               struct rw_err *e)
{
	struct save *s = save_open(path, o, e);

	if (s == NULL)
		return SAVE_ERROR;
	save_write(s, p, n);
	return save_finish(s, e);
}

/* ---- the directory transaction ---------------------------------------------------------------
 */

static mode_t dir_mode(mode_t m)
{
	return m | ((m & 0444) >> 2);
}

static int owner_differs(const struct stat *st, const struct save_opts *o)
{
	return (o->uid != (uid_t)-1 && st->st_uid != o->uid) ||
	       (o->gid != (gid_t)-1 && st->st_gid != o->gid);
}

/* 1 when the file at dfd/name has the bytes, mode and owner wanted. */
static int file_same(int dfd, const struct save_dir_entry *en, const struct save_opts *o)
{
	char buf[65536];
	struct stat st;
	size_t off = 0;
	int fd = openat(dfd, en->name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), same = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != en->len ||
	    (st.st_mode & 07777) != o->mode || owner_differs(&st, o))
		goto out;
	while (off < en->len) {
		size_t want = en->len - off < sizeof(buf) ? en->len - off : sizeof(buf);
		ssize_t r = pread(fd, buf, want, (off_t)off);

		if (r <= 0 || memcmp(buf, (const char *)en->data + off, (size_t)r) != 0)
			goto out;
		off += (size_t)r;
	}
	same = 1;
out:
	close(fd);
	return same;
}

/* Looks at the existing directory: *same = 1 when it already holds exactly the entries; -1 when
 * it holds something this writer never makes (a subdirectory, a device). */
static int dir_compare(const char *path, const struct save_dir_entry *v, size_t n,
                       const struct save_opts *o, int *same, struct rw_err *e)
{
	struct stat st;
	struct dirent *de;
	size_t count = 0;
	int dfd, all = 1;
	DIR *d;

	*same = 0;
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(e, RW_EXIT_FAILURE, "%s: %s", path, strerror(errno));
	if (fstat(dfd, &st) < 0 || (st.st_mode & 07777) != dir_mode(o->mode) ||
	    owner_differs(&st, o))
		all = 0;
	d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return err_set(e, RW_EXIT_FAILURE, "%s: %s", path, strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
			err_set(e, RW_EXIT_FAILURE,
			        "%s: holds '%s', which is not a file; not replaced", path,
			        de->d_name);
			closedir(d);
			return -1;
		}
		count++;
	}
	if (count != n)
		all = 0;
	for (size_t i = 0; all && i < n; i++)
		all = file_same(dirfd(d), &v[i], o);
	closedir(d);
	*same = all;
	return 0;
}

/* Removes the files of a directory this process made or swapped out, then the directory. */
static void dir_remove(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);

	if (d != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(path);
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t r = write(fd, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static int valid_entry_name(const char *name)
{
	return name[0] != '\0' && name[0] != '.' && strchr(name, '/') == NULL;
}

/* Fills the new directory; -1 with a message. A file of the old directory (old_dfd, or -1) that
 * already has the bytes, mode and owner wanted is hard-linked instead of written: files are never
 * changed in place, so sharing one is safe, and a sync that changes one root of 10,000 writes one
 * file, not 10,000. */
static int dir_fill(int dfd, int old_dfd, const char *path, const struct save_dir_entry *v,
                    size_t n, const struct save_opts *o, struct rw_err *e)
{
	for (size_t i = 0; i < n; i++) {
		int fd;

		if (old_dfd >= 0 && file_same(old_dfd, &v[i], o) &&
		    linkat(old_dfd, v[i].name, dfd, v[i].name, 0) == 0)
			continue;
		fd = openat(dfd, v[i].name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		            0600);

		if (fd < 0)
			return err_set(e, RW_EXIT_FAILURE, "%s/%s: cannot create: %s", path,
			               v[i].name, strerror(errno));
		if (write_all(fd, v[i].data, v[i].len) < 0 || fchmod(fd, o->mode) < 0 ||
		    ((o->uid != (uid_t)-1 || o->gid != (gid_t)-1) &&
		     fchown(fd, o->uid, o->gid) < 0)) {
			int er = errno ? errno : EIO;

			close(fd);
			return err_set(e, RW_EXIT_FAILURE,
			               "%s/%s: write failed: %s (the directory was left as it was)",
			               path, v[i].name, strerror(er));
		}
		if (close(fd) < 0)
			return err_set(e, RW_EXIT_FAILURE,
			               "%s/%s: write failed: %s (the directory was left as it was)",
			               path, v[i].name, strerror(errno));
		crashpoint("save-dir-after-file");
	}
	crashpoint("save-dir-after-temp-written");
	/* One flush of the file system instead of one fsync per file (10,000 roots: 10,000 waits).
	 */
	if (syncfs(dfd) < 0 || fchmod(dfd, dir_mode(o->mode)) < 0 ||
	    ((o->uid != (uid_t)-1 || o->gid != (gid_t)-1) && fchown(dfd, o->uid, o->gid) < 0) ||
	    fsync(dfd) < 0)
		return err_set(e, RW_EXIT_FAILURE, "%s: %s (the directory was left as it was)",
		               path, strerror(errno));
	return 0;
}

/* Puts the directory tmp at target; on return *old names what must be removed (or NULL). */
static int dir_swap(const char *tmp, const char *target, const char *parent, const char *base,
                    int exists, char **old, struct rw_err *e)
{
	*old = NULL;
	if (!exists) {
		if (rename(tmp, target) < 0)
			return err_set(e, RW_EXIT_FAILURE, "%s: rename failed: %s", target,
			               strerror(errno));
		return 0;
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_EXCHANGE) == 0) {
		*old = strdup(tmp);
		return 0;
	}
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return err_set(e, RW_EXIT_FAILURE,
		               "%s: cannot swap in the new directory: %s (it was left as it was)",
		               target, strerror(errno));
	/* No exchange on this file system: the old one aside (named as our temps are, so that a
	 * later sweep removes it if a kill leaves it behind), the new one in. */
	if (asprintf(old, "%s/.%s.rw-XXXXXX", parent, base) < 0 || mkdtemp(*old) == NULL) {
		if (*old && errno != ENOMEM)
			err_set(e, RW_EXIT_FAILURE, "%s: %s", parent, strerror(errno));
		else
			err_set(e, RW_EXIT_FAILURE, "%s: out of memory", target);
		free(*old);
		*old = NULL;
		return -1;
	}
	if (rename(target, *old) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: cannot move aside: %s (it was left as it was)",
		        target, strerror(errno));
		rmdir(*old);
		free(*old);
		*old = NULL;
		return -1;
	}
	if (rename(tmp, target) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: rename failed: %s (the old directory is back)",
		        target, strerror(errno));
		rename(*old, target);
		free(*old);
		*old = NULL;
		return -1;
	}
	return 0;
}

int save_dir(const char *path, const struct save_dir_entry *v, size_t n, const struct save_opts *o,
             struct rw_err *e)
{
	struct save_opts opts;
	char *target = NULL, *copy = NULL, *parent = NULL, *tmp = NULL, *old = NULL;
	const char *base;
	struct stat st;
	int rc = SAVE_ERROR, dfd = -1, pfd = -1, old_dfd = -1, exists = 0, same, swapped = 0;

	if (o)
		opts = *o;
	else
		save_opts_init(&opts);
	if (strcmp(path, "-") == 0)
		return err_set(e, RW_EXIT_USAGE,
		               "-: a directory format cannot go to standard output");
	for (size_t i = 0; i < n; i++)
		if (!valid_entry_name(v[i].name))
			return err_set(e, RW_EXIT_FAILURE, "%s: bad file name '%s'", path,
			               v[i].name);
	if ((target = resolve_target(path)) == NULL || (copy = strdup(target)) == NULL ||
	    (parent = strdup(dirname(copy))) == NULL) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
		goto out;
	}
	free(copy);
	if ((copy = strdup(target)) == NULL) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
		goto out;
	}
	base = basename(copy);
	if (lstat(target, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			err_set(e, RW_EXIT_FAILURE, "%s: is not a directory", path);
			goto out;
		}
		exists = 1;
		if (dir_compare(target, v, n, &opts, &same, e) < 0)
			goto out;
		if (same) {
			rc = SAVE_UNCHANGED;
			goto out;
		}
	} else if (errno != ENOENT) {
		err_set(e, RW_EXIT_FAILURE, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (asprintf(&tmp, "%s/.%s.rw-XXXXXX", parent, base) < 0) {
		tmp = NULL;
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
		goto out;
	}
	if (tempfile_mkdtemp(tmp) == NULL) { /* registered: removed on SIGTERM/INT/HUP */
		err_set(e, RW_EXIT_FAILURE, "%s: cannot create a temporary directory in %s: %s",
		        path, parent, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (exists)
		old_dfd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fill(dfd, old_dfd, target, v, n, &opts, e) < 0)
		goto out;
	crashpoint("save-dir-after-fsync");
	/* the write-ahead record (save_opts.before_commit), as for a file */
	if (opts.before_commit && opts.before_commit(opts.commit_arg, target, e) < 0)
		goto out;
	if (dir_swap(tmp, target, parent, base, exists, &old, e) < 0)
		goto out;
	swapped = 1;
	/* tmp now holds the old set (exchanged, still registered: a signal may remove it) or is
	 * gone (renamed into place, or the fallback's): no longer ours to clean up then. */
	if (old == NULL || strcmp(old, tmp) != 0)
		tempfile_unregister(tmp);
	if (opts.committed)
		*opts.committed = 1;
	crashpoint("save-dir-after-rename");
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0 || fsync(pfd) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: fsync of the directory failed: %s", parent,
		        strerror(errno));
		goto out;
	}
	crashpoint("save-dir-after-dir-fsync");
	rc = SAVE_WRITTEN;
out:
	if (dfd >= 0)
		close(dfd);
	if (pfd >= 0)
		close(pfd);
	if (old_dfd >= 0)
		close(old_dfd);
	if (old != NULL)
		dir_remove(old);
	else if (tmp != NULL && !swapped)
		dir_remove(tmp);
	if (tmp != NULL)
		tempfile_unregister(tmp);
	free(old);
	free(tmp);
	free(copy);
	free(parent);
	free(target);
	return rc;
}
