/*
 * crashpoint.h - named places where a test build can be made to die, for the crash-point tests.
 *
 * Contract: crashpoint(name) does nothing in a normal build. In a build configured with
 * -DRW_CRASHPOINTS=ON it sends SIGKILL to the process when the environment variable
 * ROOTWARDEN_CRASH_AT is exactly name, or "name:N" and this is the Nth time (1-based) that this
 * process passes that point. Only one point is armed per run. It never prints and never fails.
 *
 * The names (a test that loops over them keeps this list; add a row when you add a call):
 *   save-after-temp-written   save.c: the temp file holds every byte (flushed), nothing synced
 *   save-after-fsync          save.c: the temp file is fsync'd, not yet renamed
 *   save-after-rename         save.c: the temp file is the target, the directory not fsync'd
 *   save-after-dir-fsync      save.c: the directory is fsync'd; the write is durable
 *   save-dir-after-file       save.c (save_dir): one more file of the new set is written (":N"
 *                             arms the Nth), the set is not complete
 *   save-dir-after-temp-written  save.c, directory transaction: every file of the new set is
 *                             written in the hidden sibling directory, nothing synced
 *   save-dir-after-fsync      save.c, directory transaction: the new set is synced, not swapped in
 *   save-dir-after-rename     save.c, directory transaction: the new set is the target, the old
 *                             set not yet removed, the parent not fsync'd
 *   save-dir-after-dir-fsync  save.c, directory transaction: the parent is fsync'd, the old set
 *                             not yet removed
 *   hook-before               hooks.c: a hook is about to be started
 *   hook-during               hooks.c: a hook has been started and is running (not yet waited for)
 *   hook-after                hooks.c: a hook has exited and been reaped, its result not yet used
 *   sync-after-record         sync_events.c: a change's pending hooks are recorded, the bundle not
 *                             yet renamed into place
 *   sync-after-state          sync_bundles.c: the bundle and its state record are written, no
 *                             hook has run
 *   sync-after-strike         sync_events.c: a hook succeeded and was struck from the record
 *   sync-before-counters      sync.c: every hook ran, the counters are not yet kept
 *   jwks-after-store          jwks_sync.c: a changed key set is stored (its event recorded
 *                             before), no hook has heard of it
 */
#ifndef RW_CRASHPOINT_H
#define RW_CRASHPOINT_H

#define CRASHPOINT_ENV "ROOTWARDEN_CRASH_AT"

#ifdef RW_CRASHPOINTS
void crashpoint(const char *name);
#else
static inline void crashpoint(const char *name)
{
	(void)name;
}
#endif

#endif
