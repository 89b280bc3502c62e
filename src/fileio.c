#include "fileio.h"

#include <ctype.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <fcntl.h>
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

int file_read_all(const char *path, size_t max, struct buf *out, struct rw_err *e)
{
	struct stat st;
	char chunk[65536];
	int fd = -1, rc = -1;
	ssize_t n;

	buf_init(out, max);
	fd = file_open_regular(path, &st, e);
	if (fd < 0)
		goto out;
	if ((size_t)st.st_size > out->max) {
		err_set(e, RW_EXIT_INPUT, "%s: larger than the limit of %zu bytes", path, out->max);
		goto out;
	}
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
		if (buf_append(out, chunk, (size_t)n) < 0) {
			err_set(e, RW_EXIT_INPUT, "%s: larger than the limit of %zu bytes", path,
			        out->max);
			goto out;
		}
	}
	if (out->data == NULL && buf_append(out, "", 0) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Streamed in chunks: the bundle of 10,000 roots is 12 MB and need not be in memory a second time.
 * The checks and messages are those of file_read_all(). */
int file_sha256(const char *path, char out[65], struct rw_err *e)
{
	unsigned char md[32], chunk[65536];
	gnutls_datum_t d = {md, sizeof(md)};
	gnutls_hash_hd_t h = NULL;
	struct stat st;
	size_t size = 65, total = 0;
	ssize_t n;
	int fd = -1, rc = -1;

	fd = file_open_regular(path, &st, e);
	if (fd < 0)
		goto out;
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: cannot hash the file", path);
		goto out;
	}
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
		if ((size_t)st.st_size > FILEIO_DEFAULT_MAX || total > FILEIO_DEFAULT_MAX) {
			err_set(e, RW_EXIT_INPUT, "%s: larger than the limit of %zu bytes", path,
			        FILEIO_DEFAULT_MAX);
			goto out;
		}
		if (gnutls_hash(h, chunk, (size_t)n) < 0) {
			err_set(e, RW_EXIT_FAILURE, "%s: cannot hash the file", path);
			goto out;
		}
	}
	gnutls_hash_deinit(h, md);
	h = NULL;
	if (gnutls_hex_encode(&d, out, &size) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: cannot hash the file", path);
		goto out;
	}
	for (char *p = out; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	rc = 0;
out:
	if (h != NULL)
		gnutls_hash_deinit(h, NULL);
	if (fd >= 0)
		close(fd);
	return rc;
}
