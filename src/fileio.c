#include "fileio.h"

#include <ctype.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_read_all(const char *path, size_t max, struct buf *out, struct rw_err *e)
{
	struct stat st;
	char chunk[65536];
	int fd = -1, rc = -1;
	ssize_t n;

	buf_init(out, max);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err_set(e, RW_EXIT_INPUT, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		err_set(e, RW_EXIT_INPUT, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, RW_EXIT_INPUT, "%s: not a regular file", path);
		goto out;
	}
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

int file_sha256(const char *path, char out[65], struct rw_err *e)
{
	struct buf b;
	unsigned char md[32];
	gnutls_datum_t d = {md, sizeof(md)};
	size_t size = 65;
	int rc = -1;

	if (file_read_all(path, FILEIO_DEFAULT_MAX, &b, e) < 0)
		goto out;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, b.data, b.len, md) < 0 ||
	    gnutls_hex_encode(&d, out, &size) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: cannot hash the file", path);
		goto out;
	}
	for (char *p = out; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	rc = 0;
out:
	buf_free(&b);
	return rc;
}
