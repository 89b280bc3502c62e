/*
 * tempfile.h - temporary files and directories that do not outlive a killed process (after git's
 * tempfile.c), and a sweep of the ones a harder kill left behind.
 *
 * Contract:
 * - tempfile_mkostemp() / tempfile_mkdtemp() create a temp file / directory and register it with
 *   the three signals blocked in between (what save.c and a directory transaction use: no window
 *   in which a signal finds it created but unregistered). tempfile_register(path, is_dir) records
 *   one made some other way, just after creating it; tempfile_unregister(path) forgets it once it
 * was renamed into place or removed. Registering the first one installs handlers for SIGTERM,
 * SIGINT and SIGHUP (a signal that was ignored when the process started stays ignored): on such a
 * signal every registered temp is removed (a directory: its entries, one level, then itself), the
 * default action is restored and the signal raised again, so the process still dies of it. The
 * handler is async-signal-safe (unlink, unlinkat, rmdir, getdents64 on fixed slots) and acts only
 * in the process that registered the paths, never in a forked child (a hook between fork and exec).
 * - At most TEMPFILE_SLOTS temps are registered at once; paths longer than TEMPFILE_PATH_MAX - 1
 *   or a full table make register return -1 (the temp still works; only the signal cleanup is
 *   lost). Both calls are safe from several threads.
 * - SIGKILL, a power cut or an OOM kill cannot be caught: tempfile_sweep_beside(target, before,
 *   &n, e) removes the stale temps of one target. Only ours: a name ".BASENAME.rw-XXXXXX" (exactly
 *   six characters of [A-Za-z0-9] after "rw-", as mkstemp/mkdtemp make them) in the target's
 *   directory, not a symlink, a regular file or a directory, owned by the effective uid, with a
 *   modification time before 'before'. Under the sync lock pass the time the process started;
 *   without a lock (bundle) pass that minus TEMPFILE_SWEEP_GRACE_S, so that a concurrent writer's
 *   temp is left alone. *n (may be NULL) receives how many were removed. A missing directory is
 *   not an error; one that cannot be read is (message names it). Everything else is left alone.
 *   tempfile_sweep_dir(dir, before, &n, e) does the same for every base name at once, for a
 *   directory that holds only files rootwarden writes (the state directory and its parts).
 *
 * State: the registry is process-wide (a signal handler can reach nothing else).
 */
#ifndef RW_TEMPFILE_H
#define RW_TEMPFILE_H

#include <stddef.h>
#include <time.h>

#include "err.h"

#define TEMPFILE_SLOTS 64
#define TEMPFILE_PATH_MAX 4096
#define TEMPFILE_SWEEP_GRACE_S 600

int tempfile_register(const char *path, int is_dir);
void tempfile_unregister(const char *path);

/* mkostemp(tmpl, flags) / mkdtemp(tmpl) and tempfile_register, with SIGTERM, SIGINT and SIGHUP
 * blocked in between, so that no signal finds the temp created but not yet registered. Return
 * and errno as the libc calls; a full registry is not an error (see above). */
int tempfile_mkostemp(char *tmpl, int flags);
char *tempfile_mkdtemp(char *tmpl);

/* Removes every registered temp now (what the signal handler does). For tests and exit paths. */
void tempfile_remove_all(void);

int tempfile_sweep_beside(const char *target, time_t before, size_t *n_removed, struct rw_err *e);
int tempfile_sweep_dir(const char *dir, time_t before, size_t *n_removed, struct rw_err *e);

#endif
