#include "fileio.h"

#include <ctype.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_open_regular(const char *path, struct stat *st, struct rw_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), flags;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer (a monitoring check that hangs is
	 * worse than one that fails); it is cleared once the file is known to be regular. */
	if (fd < 0) {
		err_set(e, RW_EXIT_INPUT, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0) {
		err_set(e, RW_EXIT_INPUT, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		err_set(e, RW_EXIT_INPUT, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		(void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	return fd;
}

/* Reads a regular file in chunks, at most max bytes, handing each chunk to fn (which returns -1
 * with e set to stop). The one read loop of this file. */
static int read_chunks(const char *path, size_t max, int (*fn)(void *ctx, const void *p, size_t n),
                       void *ctx, struct rw_err *e)
{
	struct stat st;
	char chunk[65536];
	size_t total = 0;
	int fd, rc = -1;
	ssize_t n;

	fd = file_open_regular(path, &st, e);
	if (fd < 0)
		return -1;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(e, RW_EXIT_INPUT, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if ((size_t)st.st_size > max || total > max) {
			err_set(e, RW_EXIT_INPUT, "%s: larger than the limit of %zu bytes", path,
			        max);
			goto out;
		}
		if (fn(ctx, chunk, (size_t)n) < 0) {
			err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
			goto out;
		}
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

int file_read_all(const char *path, size_t max, struct buf *out, struct rw_err *e)
{
	return file_read_at(AT_FDCWD, path, path, max, out, e);
}

/* One open, one fstat and (for a file that does not grow meanwhile) one read into a buffer of the
 * file's size: the directory reader calls this for every one of 10,000 small files. O_NONBLOCK is
 * left set: it changes nothing for a regular file. */
int file_read_at(int dirfd, const char *name, const char *path, size_t max, struct buf *out,
                 struct rw_err *e)
{
	struct stat st;
	size_t cap, total = 0;
	char *data = NULL;
	int fd, rc = -1;
	ssize_t n;

	buf_init(out, 0);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return err_set(e, RW_EXIT_INPUT, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		err_set(e, RW_EXIT_INPUT, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, RW_EXIT_INPUT, "%s: not a regular file", path);
		goto out;
	}
	if ((size_t)st.st_size > max)
		goto too_big;
	cap = (size_t)st.st_size + 1; /* +1: the read that sees the end, and the NUL */
	for (;;) {
		if (data == NULL || total == cap) {
			char *nd;

			if (data != NULL)
				cap = cap > max / 2 ? max + 1 : cap * 2;
			if ((nd = realloc(data, cap + 1)) == NULL) {
				err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
				goto out;
			}
			data = nd;
		}
		n = read(fd, data + total, cap - total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(e, RW_EXIT_INPUT, "%s: %s", path, strerror(errno));
			goto out;
		}
		total += (size_t)n;
		if (total > max)
			goto too_big;
		/* The size fstat gave, or the end (a file that grew meanwhile is read to its end).
		 */
		if (n == 0 || total == (size_t)st.st_size)
			break;
	}
	data[total] = '\0';
	out->data = data;
	out->len = total;
	out->cap = cap + 1;
	data = NULL;
	rc = 0;
	goto out;
too_big:
	err_set(e, RW_EXIT_INPUT, "%s: larger than the limit of %zu bytes", path, max);
out:
	free(data);
	close(fd);
	return rc;
}

static int hash_chunk(void *ctx, const void *p, size_t n)
{
	return gnutls_hash(ctx, p, n) < 0 ? -1 : 0;
}

/* Streamed in chunks: the bundle of 10,000 roots is 12 MB and need not be in memory a second time.
 * The checks and messages are those of file_read_all(). */
int file_sha256(const char *path, char out[65], struct rw_err *e)
{
	unsigned char md[32];
	gnutls_datum_t d = {md, sizeof(md)};
	gnutls_hash_hd_t h = NULL;
	size_t size = 65;

	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return err_set(e, RW_EXIT_FAILURE, "%s: cannot hash the file", path);
	if (read_chunks(path, FILEIO_DEFAULT_MAX, hash_chunk, h, e) < 0) {
		gnutls_hash_deinit(h, NULL);
		return -1;
	}
	gnutls_hash_deinit(h, md);
	if (gnutls_hex_encode(&d, out, &size) < 0)
		return err_set(e, RW_EXIT_FAILURE, "%s: cannot hash the file", path);
	for (char *p = out; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return 0;
}

/* Appends component c (len l) to the canonical path in out (length *n), lexically. */
static void push_component(char *out, size_t *n, const char *c, size_t l)
{
	if (l == 0 || (l == 1 && c[0] == '.'))
		return;
	if (l == 2 && c[0] == '.' && c[1] == '.') {
		while (*n > 1 && out[*n - 1] != '/')
			(*n)--; /* drop the last component */
		if (*n > 1)
			(*n)--; /* and its slash */
		out[*n] = '\0';
		return;
	}
	if (out[*n - 1] != '/')
		out[(*n)++] = '/';
	memcpy(out + *n, c, l);
	*n += l;
	out[*n] = '\0';
}

char *path_canonical(const char *path)
{
	char *abs = NULL, *res = NULL, *real = NULL;
	size_t len, cut, n;

	if (path == NULL)
		return NULL;
	if (path[0] != '/') { /* relative: from the working directory */
		char *cwd = getcwd(NULL, 0);

		if (cwd == NULL || asprintf(&abs, "%s/%s", cwd, path) < 0)
			abs = NULL;
		free(cwd);
	} else {
		abs = strdup(path);
	}
	if (abs == NULL)
		return NULL;
	/* The longest leading part that exists, resolved by realpath() as the kernel resolves it
	 * (symbolic links first, then ".." from where they lead); the rest, which does not exist
	 * and so holds no link, is applied to the text. */
	len = strlen(abs);
	for (cut = len;; cut--) {
		if (cut == 0 || abs[cut] == '/' || abs[cut] == '\0') {
			char saved = abs[cut];

			abs[cut] = '\0';
			real = realpath(cut == 0 ? "/" : abs, NULL);
			abs[cut] = saved;
			if (real != NULL || cut == 0)
				break;
		}
	}
	if (real == NULL && (real = strdup("/")) == NULL)
		goto out;
	if ((res = malloc(strlen(real) + len - cut + 2)) == NULL)
		goto out;
	strcpy(res, real);
	n = strlen(res);
	for (const char *p = abs + cut; *p;) {
		const char *q;

		while (*p == '/')
			p++;
		q = p;
		while (*q && *q != '/')
			q++;
		push_component(res, &n, p, (size_t)(q - p));
		p = q;
	}
out:
	free(real);
	free(abs);
	return res;
}

int path_within(const char *path, const char *dir)
{
	size_t l = strlen(dir);

	if (l == 1 && dir[0] == '/')
		return 1;
	return strncmp(path, dir, l) == 0 && (path[l] == '\0' || path[l] == '/');
}

int file_read_password(const char *path, int allow_empty, char **out, struct rw_err *e)
{
	struct buf b;
	size_t n;
	int rc = -1;

	*out = NULL;
	if (file_read_all(path, 4096, &b, e) < 0)
		goto out;
	{
		const char *nl = b.data ? memchr(b.data, '\n', b.len) : NULL;

		n = nl ? (size_t)(nl - b.data) : b.len;
		if (n > 0 && b.data[n - 1] == '\r')
			n--;
	}
	if ((n > 0 && memchr(b.data, '\0', n) != NULL) || (n == 0 && !allow_empty)) {
		err_set(e, RW_EXIT_INPUT, "%s: no password on its first line", path);
		goto out;
	}
	if ((*out = strndup(b.data ? b.data : "", n)) == NULL) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
		goto out;
	}
	rc = 0;
out:
	if (b.data)
		gnutls_memset(b.data, 0, b.cap);
	buf_free(&b);
	return rc;
}
