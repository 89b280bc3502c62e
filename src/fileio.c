#include "fileio.h"

#include <errno.h>
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
