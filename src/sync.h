/*
 * sync.h - the scheduled job: lock, fetch and verify roots, rebuild bundles, run hooks.
 *
 * Steps (each documented in docs/sync.md):
 *   1. build the targets (target.h) from the configuration and the catalog - a configuration
 *      that config check refuses is refused here, before anything is created or locked;
 *   2. take the lock in the state dir (lock.h) - not in a dry run, which writes nothing;
 *   3. with a signed catalog channel configured (not offline), judge the published catalog
 *      (sync_catalog.c); an accepted one is recorded for catalog-updated, installed, and the
 *      targets are built again from it;
 *   4. fetch every root that has URLs, in parallel (fetch.h fetch_many) within one deadline for
 *      the whole phase (fetch.deadline) (unless offline; catalog roots only when
 *      cfg->fetch.catalog_roots): a match with the pins is stored (store.h), a mismatch is
 *      quarantined and never used, a failed fetch keeps the last good or shipped copy;
 *   5. build each bundle for today (bundle_build) and write it through its emit format and
 *      save.h (an unchanged file is not touched); the hooks a change makes due are recorded
 *      (fsync'd) before the rename that puts the new file in place (save_opts.before_commit);
 *   6. hooks: a bundle that changed now runs every hook; any other runs what an earlier run left
 *      pending (STATE/hooks/NAME.json, sync_events.c) - each hook is struck from the record when
 *      it succeeds, so a run that dies leaves the rest for the next run; a pending hook that no
 *      longer exists under its name makes every hook of the bundle run;
 *   7. raise ROOTWARDEN_EVENT=rotation-upcoming to a bundle's hooks once per coming change of that
 *      bundle, warn_days ahead (rotation.h keeps the record; an event whose hooks fail is raised
 *      again on the next run), and run what is pending of catalog-updated;
 *   8. keep the configured Entra ID signing key sets (jwks_sync.h; not offline) and raise
 *      signing-keys-changed to hooks_dir's hooks when their kids change (pending ones run also
 *      offline); then run the configured checks (check.h); one that is not OK makes the run
 *      degraded;
 *   9. keep the counters that metrics need in the state dir (store.h): fetch failures, and the
 *      last success when o->record_success.
 *
 * The code: sync.c (orchestration, final status), sync_catalog.c (the signed channel),
 * sync_roots.c (fetch, verify, store), sync_bundles.c (select, emit, save), sync_events.c (change
 * records, hooks, rotation-upcoming, events of no bundle), sync_report.c (the result as JSON).
 *
 * Contract: sync_run() fills *res (the caller frees it with sync_result_free, also on failure)
 * and returns the exit status of the run (RW_EXIT_OK, _CHANGED, _DEGRADED, _FAILURE). It returns
 * -1 with e set when the run could not start (bad catalog or configuration: RW_EXIT_INPUT; lock
 * held: RW_EXIT_LOCKED; state dir unusable: RW_EXIT_FAILURE); no output is changed then.
 * Nothing is printed: the results say everything (one entry per root and per bundle) so that a
 * front end can report them as text or JSON and a metrics writer can export them.
 */
#ifndef RW_SYNC_H
#define RW_SYNC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cert.h"
#include "config.h"
#include "rootref.h"
#include "target.h"
#include "err.h"
#include "jwks_sync.h"

struct sync_opts {
	const char *roots_dir; /* the catalog directory (resolved by the caller) */
	int dry_run;           /* fetch and plan; write nothing, run no hook */
	int offline;           /* fetch nothing */
	double lock_timeout_s; /* 0: do not wait */
	int record_success;    /* keep the last success time in the state dir (for metrics) */
	/* Called as each fetch finishes (NULL: none): the root, the URL, NULL or the error, the
	 * seconds since the fetch phase began, and how many of how many are done. */
	void (*progress)(void *ctx, const char *root, const char *url, const char *error,
	                 double seconds, size_t done, size_t total);
	void *progress_ctx;
};

enum sync_root_status {
	SYNC_ROOT_SKIPPED = 0, /* no URL, offline, or catalog fetching disabled */
	SYNC_ROOT_UNCHANGED,   /* fetched (or 304): the same verified content */
	SYNC_ROOT_UPDATED,     /* a verified copy stored for the first time */
	SYNC_ROOT_QUARANTINED, /* content failed its pin: quarantined, not used */
	SYNC_ROOT_FAILED,      /* every URL failed; the last good or shipped copy stays */
};

enum sync_bundle_status {
	SYNC_BUNDLE_UNCHANGED = 0,
	SYNC_BUNDLE_UPDATED, /* written (dry run: would be written) */
	SYNC_BUNDLE_FAILED,  /* could not be built or written; the old file is intact */
};

struct sync_root_result {
	char *id;
	long long failures_total; /* fetch failures over all runs (kept in the state dir) */
	int from_config;          /* a root of the configuration, not of the catalog */
	enum sync_root_status status;
	char *url;       /* the URL that answered last (or failed last) */
	char *reason;    /* why it failed / was quarantined, or NULL */
	int failures;    /* URLs that failed in this run */
	long long bytes; /* body bytes received */
	int have_copy;   /* a verified or shipped copy is available */
	/* When quarantined: what was served instead. */
	char q_sha256[CERT_HEX_LEN + 1];
	char *q_subject;
	char *q_issuer;
	time_t q_not_after;
};

struct sync_hook_result {
	char *id;
	char *event; /* NULL: bundle-updated; else e.g. "rotation-upcoming 2022-10-31" */
	int ok;
	int retry; /* a retry of a hook that failed in an earlier run */
	int timed_out;
	int refused;
	int status; /* exit status, -1 if it did not exit */
	char *reason;
	char *output;
	char *left_behind; /* processes the hook left running, killed (hooks.h), or NULL */
};

struct sync_bundle_result {
	char *name;
	char *path;
	char *format;
	enum sync_bundle_status status;
	char *reason;
	struct rootrefs roots; /* what the bundle holds now (or would hold) */
	struct rootrefs added;
	struct rootrefs removed;
	size_t n_unavailable; /* configuration roots it names that have no verified copy yet */
	time_t last_change;   /* when its contents last changed (0: unknown) */
	struct sync_hook_result *hooks;
	size_t n_hooks;
	char **notes;
	size_t n_notes;
};

/* The signed catalog channel's step (config "catalog"; sync_catalog.c). */
#define HOOK_EVENT_CATALOG_UPDATED "catalog-updated"
struct sync_catalog_result {
	int configured;
	char *url;
	int verdict;       /* enum catalog_update_verdict: "same" also for a 304 */
	int fetch_failed;  /* the archive or its signature could not be fetched */
	int updated;       /* a new catalog was accepted and put in place */
	long long version; /* of the archive judged, 0 when none was read */
	long long in_use_version;
	int in_use_from_channel; /* this run's catalog is the channel's (else the shipped one) */
	int32_t in_use_date;     /* its catalog_date, -1 when none */
	char *reason;            /* a refusal or failure, starting with the URL */
	struct sync_hook_result *hooks;
	size_t n_hooks;
};

/* 1 when the catalog channel had a problem this run (not configured: 0): its archive or
 * signature could not be fetched, or it was refused. The run is then degraded. */
int sync_catalog_problem(const struct sync_catalog_result *c);

/* An Entra ID signing key set kept in the state dir (config "jwks"; jwks_sync.h). */
struct sync_jwks_result {
	char *name;
	char *url;
	struct jwks_change change; /* status, kids added / removed, count, last change, reason */
	struct sync_hook_result *hooks; /* signing-keys-changed (hooks_dir's hooks) */
	size_t n_hooks;
};

/* A configured check (config "checks"), run by sync after the bundles. */
struct sync_check_result {
	char *name;
	char *kind;
	int status; /* monitoring-plugin status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN */
	char *summary;
};

struct sync_result {
	struct sync_catalog_result catalog;
	struct sync_check_result *checks;
	size_t n_checks;
	struct sync_jwks_result *jwks;
	size_t n_jwks;
	/* Run-level problems, each one line naming what it is about: a state record that could not
	 * be written, a hook retry that would be lost, rotation-upcoming not raised. Each makes the
	 * run degraded. */
	char **problems;
	size_t n_problems;
	time_t last_success; /* this run's start when it succeeded, else 0 */
	struct sync_root_result *roots;
	size_t n_roots;
	struct sync_bundle_result *bundles;
	size_t n_bundles;
	int status; /* the exit status */
	int dry_run, offline;
	long long bytes;        /* body bytes fetched in total */
	unsigned files_written; /* bundles and state files */
	unsigned hooks_run;
	double seconds;
	time_t started;
};

/* sync_run() builds the targets (target.h) itself, under the lock and after the catalog step,
 * from the configuration and the newest catalog: the one in o->roots_dir or the one the signed
 * channel delivered. A configuration the targets refuse fails the run at load (-1,
 * RW_EXIT_INPUT, "file:line: ..."), as `config check` does. */
int sync_run(const struct config *cfg, const struct sync_opts *o, struct sync_result *res,
             struct rw_err *e);
void sync_result_free(struct sync_result *res);
/* The machine-readable report (caller json_decref's). */
json_t *sync_result_json(const struct sync_result *res);
const char *sync_root_status_name(enum sync_root_status s);
const char *sync_bundle_status_name(enum sync_bundle_status s);

#endif
