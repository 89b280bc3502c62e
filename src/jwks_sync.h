/*
 * jwks_sync.h - keeping a copy of an Entra ID signing key set in the state directory, for sync;
 * and fetching one for a check.
 *
 * Layout (read and written through store.h, store_jwks_get / store_jwks_put):
 *   STATE/jwks/NAME.json   the last good key set, byte for byte as served (validated by jwks.h)
 *   STATE/jwks/NAME.meta   JSON: url, etag, last_modified, sha256 (of NAME.json), kids (sorted),
 *                          last_change (when the kid list last changed, YYYY-MM-DDTHH:MM:SSZ),
 *                          fetched (when it was last rewritten)
 * NAME is the key set's name, restricted to [A-Za-z0-9._-] (1..64); "check token" reads
 * STATE/jwks/CLOUD.json by default, so the name of a cloud's key set is its cloud name
 * ("public", "government", "china").
 *
 * Contract:
 * - jwks_sync() fetches o->url with fetch.h's rules (HTTPS or file://, redirects only to HTTPS,
 *   the size cap min(fo->max_bytes, JWKS_MAX_BYTES), timeouts, retries), conditionally (the
 *   stored etag / last_modified, only when the stored copy still parses and came from the same
 *   URL). A 304 or identical bytes write nothing. A body that does not validate, or a failed
 *   fetch, leaves the stored copy as it was: the record says JWKS_SYNC_FAILED with the reason
 *   (starting with the URL), and describes the copy kept. With o->dry_run nothing is written.
 * - It returns 0 with *out filled (release with jwks_change_free, also after -1) whatever the
 *   fetch did; -1 with e only when the state cannot be written or read back, a bad name, or out
 *   of memory.
 * - A change record: changed is 1 when the kid list differs from the previous good copy (never on
 *   the first copy: first = 1 then, and added holds every kid); added / removed are sorted.
 */
#ifndef RW_JWKS_SYNC_H
#define RW_JWKS_SYNC_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "err.h"
#include "fetch.h"
#include "jwks.h"
#include "metrics.h"
#include "store.h"

/* The hook event of a change in a key set (hooks.h struct hook_event .event). */
#define HOOK_EVENT_SIGNING_KEYS_CHANGED "signing-keys-changed"
#define M_JWKS_KEYS "rootwarden_jwks_keys"
#define M_JWKS_LAST_CHANGE "rootwarden_jwks_last_change_timestamp_seconds"
#define M_JWKS_FETCH_FAILED "rootwarden_jwks_fetch_failed"

enum jwks_sync_status {
	JWKS_SYNC_UNCHANGED = 0, /* 304, or the same bytes / same kids */
	JWKS_SYNC_UPDATED = 1,   /* a new copy was stored */
	JWKS_SYNC_FAILED = 2,    /* fetch or validation failed; the previous copy (if any) kept */
};

struct jwks_change;

struct jwks_sync_opts {
	const char *name;            /* the key set's name (file name under STATE/jwks) */
	const char *url;             /* where to fetch it */
	const struct fetch_opts *fo; /* timeouts, cap, retries, CA; etag fields are ignored */
	struct fetch_session *fs;    /* NULL: a fresh handle */
	int dry_run;
	time_t now; /* 0: time(NULL) */
	/* Called when the kids changed, before anything is stored (a write-ahead record of the
	 * event); -1 (with e) stores nothing. NULL: none. */
	int (*before_commit)(void *arg, const struct jwks_change *c, struct rw_err *e);
	void *commit_arg;
};

struct jwks_change {
	enum jwks_sync_status status;
	int first;   /* there was no good copy before this one */
	int changed; /* the kid list differs from the previous good copy (0 when first) */
	char **added;
	size_t n_added;
	char **removed;
	size_t n_removed;
	char **kids; /* the kept copy's kids, sorted (empty when there is no copy) */
	size_t n_kids;
	time_t last_change; /* when the kid list last changed (0: no copy) */
	char *reason;       /* JWKS_SYNC_FAILED: why, starting with the URL; else NULL */
	long long bytes;    /* body bytes received */
	unsigned files_written;
};

/* st: the run's state directory (store.h), borrowed. */
int jwks_sync(struct store *st, const struct jwks_sync_opts *o, struct jwks_change *out,
              struct rw_err *e);
void jwks_change_free(struct jwks_change *c);

/*
 * For sync's report, hooks and metrics (nothing here runs a hook or writes a file):
 * - jwks_change_json(): the hook's stdin document (and the JSON report's entry) for a change:
 *   {"event": "signing-keys-changed", "jwks": NAME, "url": URL, "added": [...], "removed": [...],
 *    "kids": [...], "count": N, "last_change": "YYYY-MM-DDTHH:MM:SSZ"} (caller json_decref's;
 *   NULL when out of memory).
 * - jwks_kids_joined(): kids joined by single spaces, for ROOTWARDEN_ADDED / ROOTWARDEN_REMOVED
 *   (malloc'd; "" for none; NULL when out of memory). Kids hold no spaces (jwks.h).
 * - jwks_change_metrics(): adds, labelled jwks=NAME, rootwarden_jwks_keys (the kept copy's key
 *   count), rootwarden_jwks_last_change_timestamp_seconds (when its kid list last changed;
 *   omitted while there is no copy) and rootwarden_jwks_fetch_failed (1 when this run's fetch or
 *   validation failed, else 0), declaring the families.
 */
json_t *jwks_change_json(const char *name, const char *url, const struct jwks_change *c);
char *jwks_kids_joined(char *const *kids, size_t n);
int jwks_change_metrics(struct metrics *m, const char *name, const struct jwks_change *c,
                        struct rw_err *e);

/* 1 when name is a valid key set name. */
int jwks_name_ok(const char *name);
/* malloc'd STATE/jwks/NAME.json, from store.h store_jwks_path (NULL when out of memory). */
char *jwks_state_path(const char *state_dir, const char *name);
/* The https:// (or file://) URL the kept copy STATE/jwks/NAME.json came from, as its .meta
 * records it (malloc'd); NULL when there is no readable record (or out of memory). */
char *jwks_state_url(const char *state_dir, const char *name);

/* Fetches and validates a key set for a check (nothing stored; fo's etag fields ignored). */
int jwks_fetch(const char *url, const struct fetch_opts *fo, struct jwks **out, struct rw_err *e);

#endif
