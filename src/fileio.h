/*
 * fileio.h - reading whole files with a size limit.
 *
 * Contract: file_read_all() fills a buf (initialised by it, owned by the caller, freed with
 * buf_free even on failure) with the whole file. A file larger than max bytes is an error, as is
 * anything that is not a regular file. Errors name the path.
 */
#ifndef RW_FILEIO_H
#define RW_FILEIO_H

#include <stddef.h>
#include <sys/stat.h>

#include "buf.h"
#include "err.h"

#define FILEIO_DEFAULT_MAX ((size_t)64 << 20)

int file_read_all(const char *path, size_t max, struct buf *out, struct rw_err *e);
/* The same for 'name' relative to the directory open as dirfd (AT_FDCWD: the working directory);
 * errors name 'path' (how the user knows the file). One open, fstat and read for a file that does
 * not change while it is read. */
int file_read_at(int dirfd, const char *name, const char *path, size_t max, struct buf *out,
                 struct rw_err *e);

/* Opens a regular file for reading (O_CLOEXEC) without ever blocking on a FIFO or device; anything
 * else is an error naming the path. Returns the fd (caller closes) and fills *st. */
int file_open_regular(const char *path, struct stat *st, struct rw_err *e);

/* SHA-256 of a whole file (at most FILEIO_DEFAULT_MAX bytes), upper-case hex into out. */
int file_sha256(const char *path, char out[65], struct rw_err *e);

/* A password from a file: its first line, without the line end (a password is never an
 * argument: argv is visible to every user). At most 4 KiB is read, and the buffer it was read
 * into is wiped. An empty first line, or one holding a NUL, is an error naming the path
 * (RW_EXIT_INPUT) unless allow_empty (a PKCS #12 file may have an empty password). *out is
 * malloc'd; the caller wipes it (gnutls_memset) and frees it. */
int file_read_password(const char *path, int allow_empty, char **out, struct rw_err *e);

/*
 * The canonical form of an absolute path, for comparing the places outputs go: "." and empty
 * components removed, ".." resolved, and the longest existing leading part resolved with
 * realpath() (symbolic links followed), so /out/./a.pem, /out//a.pem and /link-to-out/a.pem name
 * the same file. A path that is not absolute is returned as is. malloc'd; NULL when out of memory.
 */
char *path_canonical(const char *path);
/* 1 if path is dir or below it (both canonical), else 0. */
int path_within(const char *path, const char *dir);

#endif
