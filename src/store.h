/*
 * store.h - the agent's state directory.
 *
 * Layout (every file written through save.h, so each is complete or untouched):
 *   STATE/lock                    the sync lock (lock.h)
 *   STATE/roots/SHA256.der        verified roots, content-addressed by the SHA-256 of the DER
 *   STATE/fetch/ROOT-ID.json      fetch metadata of a root: url, etag, last_modified, sha256, time
 *   STATE/quarantine/SHA256.der   downloaded content that failed its pin (never used)
 *   STATE/quarantine/SHA256.json  its report: root, url, reason, subject, issuer, sha256, not_after
 *   STATE/bundles/NAME.json       what each bundle last held (sha256 list) and when it changed
 *   STATE/hooks/NAME.json         a bundle change whose hooks have not all succeeded yet: written
 *                                 before the bundle's rename, struck hook by hook (sync_events.c)
 *   STATE/sync/counters.json      fetch failures per root, over all runs
 *   STATE/rotation-announced.json the rotation-upcoming events already raised (rotation.h)
 *   STATE/catalog/current/        the last catalog accepted from the signed channel (unpacked)
 *   STATE/catalog/previous/       the one before, only while a new one is being put in place
 *   STATE/catalog/accepted.json   version, archive SHA-256, source, etag of what was accepted
 *   STATE/cache/verify-cache.bin  self-signature verdicts by SHA-256 (verifycache.h)
 *   STATE/jwks/NAME.json          an Entra ID key set as served; NAME.meta its fetch record
 *                                 (jwks_sync.h)
 *   STATE/sync/last-success.json  when the last successful run started (sync.c)
 *
 * Every file under STATE is read and written through this module, and no other module builds a
 * path below STATE: the lock file's path comes from store_lock_path() (lock.h takes the flock
 * on it), the key sets' from store_jwks_path(), and the directory an accepted catalog archive
 * is unpacked into from store_catalog_dir() (store_catalog_install() puts it in place).
 *
 * Contract: store_open() returns a handle the caller frees with store_free() (safe with NULL);
 * with create, missing directories are made (0755; the state dir itself 0750). JSON documents
 * returned are owned by the caller (json_decref). A document that is absent is not an error
 * (*out = NULL); one that is unreadable or not JSON is an error naming its path. Names (root ids,
 * bundle names) are restricted by config.c to [A-Za-z0-9._-], so they are safe as file names.
 */
#ifndef RW_STORE_H
#define RW_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "cert.h"
#include "err.h"

struct store;

int store_open(const char *state_dir, int create, struct store **out, struct rw_err *e);
void store_free(struct store *st);
const char *store_dir(const struct store *st);
/* Removes our stale temps (tempfile.h: ".NAME.rw-XXXXXX" older than before) in STATE and in each
 * of its subdirectories (one level; symlinks not followed), left by a run that was killed while
 * writing a state file. Only under the sync lock. *n (may be NULL): how many. -1 with e when a
 * directory cannot be read (the others are still swept). */
int store_sweep_temps(const struct store *st, time_t before, size_t *n, struct rw_err *e);

/* malloc'd path STATE/roots/SHA256.der (whether or not it exists). */
char *store_root_path(const struct store *st, const char *sha256);
/* Stores c's DER under its SHA-256; 1 when newly written, 0 when already there, -1 on error. */
int store_put_root(struct store *st, const struct cert *c, struct rw_err *e);
/* Reads a stored root; *out = NULL when absent. The file's SHA-256 is checked again. */
int store_get_root(const struct store *st, const char *sha256, struct cert **out, struct rw_err *e);

/* The verification cache (verifycache.h) is loaded by store_open() and used by store_get_root().
 * It is not used at all where it would be refused (a state directory that others can write, or
 * below one); a refused or corrupt cache file is reported by the next store_verifycache_save().
 * store_verifycache_note() records a verified root for the next run; store_verifycache_save()
 * writes STATE/cache/verify-cache.bin through save.h (unchanged content is not rewritten) and
 * returns 0, 1 with a warning in e (the old file was ignored or refused), or -1 with e. */
void store_verifycache_note(struct store *st, const struct cert *c);
/* The cache store_open loaded, for reading (NULL: none is used); owned by st. */
const struct verifycache *store_verify_cache(const struct store *st);
int store_verifycache_save(struct store *st, struct rw_err *e);

/* Quarantines content that failed a pin: the bytes and a JSON report (doc is borrowed). */
int store_quarantine(struct store *st, const char *sha256, const void *data, size_t len,
                     json_t *report, struct rw_err *e);

/* JSON documents by kind ("fetch", "bundles", "hooks", "sync") and name; kind NULL: a document
 * at the top of STATE (STATE/NAME.json). */
int store_json_get(const struct store *st, const char *kind, const char *name, json_t **out,
                   struct rw_err *e);
int store_json_put(struct store *st, const char *kind, const char *name, json_t *doc,
                   struct rw_err *e);
/* Removes a document; absent is fine. */
int store_json_remove(struct store *st, const char *kind, const char *name, struct rw_err *e);

/* ---- numbers read back from state: ranges checked, arithmetic saturated ---------------------
 * State files are ours, but a crash, an editor or a disk can leave anything in them; a number read
 * back never makes arithmetic overflow (signed overflow is undefined behaviour) or goes negative.
 *
 * store_int_field(): obj.key as an integer in [min, max]: 1 and *out set when it is one, 0 and
 * *out = dflt when absent, -1 and *out = dflt when it is of another type or out of range.
 * store_sat_add(): a + b clamped to [0, INT64_MAX] (counters only count up).
 * store_counters_get(): STATE/sync/counters.json as an object whose "fetch_failures" is an object
 * of integers in [0, INT64_MAX] (never NULL on success: an empty one when absent). A member of
 * another type or range is dropped, as is a document that is not an object or not JSON at all;
 * then it returns 1 with e naming the file and what was dropped (a note for the run, not a
 * failure). Caller json_decref's *out.
 * store_counter_add(): counters.group.key += delta (saturated; created when absent); *total
 * (may be NULL) receives the new value. 0, or -1 when out of memory. */
int store_int_field(const json_t *obj, const char *key, long long min, long long max,
                    long long dflt, long long *out);
long long store_sat_add(long long a, long long b);
int store_counters_get(const struct store *st, json_t **out, struct rw_err *e);
int store_counter_add(json_t *counters, const char *group, const char *key, long long delta,
                      long long *total);

/* malloc'd STATE/lock (whether or not it exists); NULL when out of memory. */
char *store_lock_path(const char *state_dir);

/* The key sets sync keeps (jwks_sync.h): STATE/jwks/NAME.EXT, EXT "json" (the key set byte for
 * byte as served) or "meta" (its fetch record). NAME is checked by the caller (jwks_name_ok).
 * store_jwks_path(): malloc'd path (whether or not it exists), for a reader that has only the
 * state directory (check token); NULL when out of memory.
 * store_jwks_get(): the file's bytes into out (initialised here; the caller buf_free's it):
 * 1 when read, 0 when absent (out empty), -1 with e naming the file (unreadable, over max).
 * store_jwks_put(): writes data through save.h (STATE/jwks made when missing); SAVE_WRITTEN,
 * SAVE_UNCHANGED (the same bytes were there) or SAVE_ERROR with e. */
char *store_jwks_path(const char *state_dir, const char *name, const char *ext);
int store_jwks_get(const struct store *st, const char *name, const char *ext, size_t max,
                   struct buf *out, struct rw_err *e);
int store_jwks_put(struct store *st, const char *name, const char *ext, const void *data,
                   size_t len, struct rw_err *e);

/* malloc'd STATE/catalog/WHICH ("current", "previous"). */
char *store_catalog_dir(const struct store *st, const char *which);
/* Puts an unpacked, verified catalog directory (below STATE/catalog) in place as "current":
 * the old current is moved to "previous", the new one renamed in, the directory fsync'd, then
 * "previous" removed; on failure the old current stays in use. */
int store_catalog_install(struct store *st, const char *unpacked, struct rw_err *e);

#endif
