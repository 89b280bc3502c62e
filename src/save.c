#include "save.h"

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
