/*
 * sync_internal.h - what the files of the sync job share (sync.c, sync_roots.c,
 * sync_bundles.c, sync_events.c, sync_report.c). Not for other modules: they use sync.h.
 *
 * One run is a struct job; each step fills its part of j->res and never prints. A step that
 * cannot do its work records why in the result (a typed status, or a run problem) and the run
 * goes on, so that every bundle that can be made right is.
 */
#ifndef RW_SYNC_INTERNAL_H
#define RW_SYNC_INTERNAL_H

#include <jansson.h>

#include "fetch.h"
#include "store.h"
#include "sync.h"
#include "target.h"

struct job {
	struct targets *t;
	const struct config *cfg; /* t->cfg */
	const struct sync_opts *o;
	struct sync_result *res;
	struct store *st;
	struct fetch_session *fs; /* one connection cache for the run */
};

/* A run problem (sync.h: each makes the run degraded). */
void sync_problem(struct sync_result *res, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
char *sync_strdup(const char *s);

/* sync_catalog.c: the signed catalog channel (before the targets are built), and its event. */
void sync_catalog(struct job *j, long long shipped_version);
void sync_catalog_events(struct job *j);

/* sync_roots.c: fetch, verify and store every root that has URLs (step 3). */
int sync_roots(struct job *j, struct rw_err *e);

/* sync_bundles.c: build and write bundle bi (step 4); a change that rewrote the file has its
 * pending hooks recorded before the rename (sync_events_record). */
void sync_bundle(struct job *j, size_t bi, struct sync_bundle_result *br);

/* sync_events.c */
/* The hooks still pending from earlier runs of bundle bi (step 2). */
void sync_events_pending(struct job *j, size_t bi, struct sync_bundle_result *br);
/* Before the rename of a changed bundle: records its change and every hook as pending. */
int sync_events_record(struct job *j, size_t bi, struct sync_bundle_result *br, struct rw_err *e);
/* After the rename: runs the recorded hooks, striking each that succeeds (step 5). */
void sync_events_run(struct job *j, size_t bi, struct sync_bundle_result *br);
/* rotation-upcoming for every bundle (step 6). */
void sync_events_rotation(struct job *j);
/* Events of no bundle, for hooks_dir's hooks (a key set, the catalog), recorded in
 * STATE/hooks/@NAME.json. _record() writes a new event (its hook document and environment
 * variables, borrowed) with every hook pending — before what it announces is put in place;
 * sync_events_global() runs whatever is pending, struck hook by hook (results into *hooks). */
int sync_events_global_record(struct job *j, const char *name, json_t *env, json_t *doc,
                              struct rw_err *e);
void sync_events_global(struct job *j, const char *name, const char *event,
                        struct sync_hook_result **hooks, size_t *n_hooks);
/* signing-keys-changed: _record() is jwks_sync's before_commit (the change, recorded before the
 * new key set is stored); sync_events_jwks() runs whatever of it is pending. */
int sync_events_jwks_record(struct job *j, const char *name, const char *url,
                            const struct jwks_change *c, struct rw_err *e);
void sync_events_jwks(struct job *j, struct sync_jwks_result *jr);

#endif
