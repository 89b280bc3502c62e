/*
 * save.h - every file rootwarden writes goes through here, as a transaction.
 *
 * Contract (three verbs, after p11-kit's save API):
 *   s = save_open(path, opts, e);      a temporary file beside the target (same directory)
 *   save_write(s, ...) / save_printf   buffered; an error is remembered and reported at finish
 *   r = save_finish(s, e)  or  save_discard(s)
 * save_finish() always consumes s. It returns SAVE_UNCHANGED when the new bytes equal the target's
 * (the target is not touched; its mtime stays, only a differing mode or owner is corrected),
 * SAVE_WRITTEN after: fchmod/fchown of the temp file, fsync, rename over the target, fsync of the
 * directory; SAVE_ERROR with a message naming the path. On every failure and on discard the
 * temporary file is removed, so the target is always the complete old or the complete new file,
 * even if the process is killed (a killed process can leave a ".NAME.rw-XXXXXX" temp file, never a
 * partial target). A target that is a symbolic link is written through: the link stays and the file
 * it points to is replaced. The path "-" writes to standard output, and an existing character
 * device (/dev/null, /dev/stdout) is written straight to (no transaction: it is never replaced);
 * a FIFO, a block device or a socket is refused.
 */
/*
 * The directory transaction (directory formats, emit.h):
 *   r = save_dir(path, entries, n, opts, e)
 * makes the directory at path hold exactly the n files given (plain names, no '/', none hidden),
 * each with opts' mode and owner; the directory gets the mode with x added wherever r is set.
 * SAVE_UNCHANGED when every file already has those bytes, mode and owner and there is no other
 * entry: nothing is touched (mtimes stay). Otherwise the new set is built in a hidden sibling
 * directory ".NAME.rw-XXXXXX" (new files written, files the old set already has with the same
 * bytes, mode and owner hard-linked from it; one syncfs() for all of them, the directory
 * fsynced), then swapped with the old directory in one step, renameat2(RENAME_EXCHANGE) (a new
 * directory is simply renamed into place), the parent is fsynced, and the old set is removed.
 * Why a swap and not per-file renames: a reader that looks up several names (a hashed directory
 * holds name.0 and name.1; a tool lists the folder) must never see half-old, half-new contents,
 * and stale files must not linger; the swap keeps path a real directory (no symlink appears where
 * the user made a folder). On a file system without RENAME_EXCHANGE the old directory is renamed
 * aside and the new one renamed in: a reader may then find path missing for that instant, never
 * mixed. Every failure before the swap removes the temporary directory and leaves the old one
 * whole; a killed process can leave a ".NAME.rw-XXXXXX" directory, never a partial target. A path
 * that is a symlink is written through (the link stays). An existing directory holding a
 * subdirectory or a special file is refused, not replaced (it is not a set this writer made).
 */
#ifndef RW_SAVE_H
#define RW_SAVE_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

enum save_result {
	SAVE_ERROR = -1,
	SAVE_UNCHANGED = 0,
	SAVE_WRITTEN = 1,
};

struct save_opts {
	mode_t mode; /* default 0644 */
	uid_t uid;   /* (uid_t)-1: leave as created */
	gid_t gid;   /* (gid_t)-1: leave as created */
	/* Called by save_finish() when the new content differs, after the temp file is complete and
	 * fsync'd and just before the rename that makes it the target: a write-ahead record (sync's
	 * pending hooks) goes there. Returning -1 (with e) abandons the write, the target
	 * untouched. NULL: none. */
	int (*before_commit)(void *arg, const char *target, struct rw_err *e);
	void *commit_arg;
	/* Set to 1 by save_finish() once the rename made the new file the target, even when a later
	 * step (the directory's fsync) fails. NULL: not wanted. */
	int *committed;
};

struct save;

void save_opts_init(struct save_opts *o);
struct save *save_open(const char *path, const struct save_opts *o, struct rw_err *e);
int save_write(struct save *s, const void *p, size_t n);
int save_printf(struct save *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int save_finish(struct save *s, struct rw_err *e);
void save_discard(struct save *s);
/* The target path as it will be written (after following a symlink). */
const char *save_target(const struct save *s);

/* Convenience: open, write all bytes, finish. */
int save_bytes(const char *path, const void *p, size_t n, const struct save_opts *o,
               struct rw_err *e);

struct save_dir_entry {
	const char *name;
	const void *data;
	size_t len;
};

int save_dir(const char *path, const struct save_dir_entry *v, size_t n, const struct save_opts *o,
             struct rw_err *e);

#endif
