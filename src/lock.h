/*
 * lock.h - the sync lock: an flock(2) on STATE/lock (its path from store.h store_lock_path), so
 * that two syncs never interleave.
 *
 * Contract: lock_take() waits up to timeout_s seconds (0: do not wait) for the exclusive lock and
 * then writes its pid into the lock file (the one file not written through save.h: the lock
 * lives on the inode, which a rename would replace). When the lock is held by another process it
 * fails with RW_EXIT_LOCKED and a message naming the holder's pid ("pid N"; "pid unknown" when
 * the file still does not hold one after ~0.5 s of reading again). The pid is written whole
 * before the file is cut to its length, so a reader never sees an empty file from a holder that
 * has written once. The lock is released by
 * lock_release() or when the process exits; lock_release(NULL) is a no-op.
 */
#ifndef RW_LOCK_H
#define RW_LOCK_H

#include "err.h"

struct lock;

int lock_take(const char *state_dir, double timeout_s, struct lock **out, struct rw_err *e);
void lock_release(struct lock *l);

#endif
