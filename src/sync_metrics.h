/*
 * sync_metrics.h - the Prometheus metrics of one sync run (metrics.h families), written atomically.
 *
 * Contract: sync_metrics_write() turns a finished run's results into
 *   rootwarden_root_not_after_timestamp_seconds{root,bundle}  per root of each bundle
 *   rootwarden_bundle_roots{bundle}, rootwarden_bundle_last_change_timestamp_seconds{bundle}
 *   rootwarden_sync_last_success_timestamp_seconds            (res->last_success: a failed
 *                                                             run reports the one before, kept
 *                                                             by sync in the state dir)
 *   rootwarden_fetch_failures_total{root}                     (a counter kept across runs)
 *   rootwarden_quarantined_roots                              (roots quarantined in this run)
 *   rootwarden_check_status{check=KIND,target=NAME}           per configured check
 * and writes them to path through save.h (unchanged content: file untouched). Returns 0, or -1
 * with e naming the path.
 *
 * sync_metrics_write_status() is for a run that could not start (bad configuration or catalog,
 * unusable state directory): only rootwarden_sync_exit_status is replaced in the file; the last
 * run's other series stay as they were (metrics_write_over), so the last success ages and root
 * expiry alerts keep their data (the bundles on disk did not change). Same return and errors.
 */
#ifndef RW_SYNC_METRICS_H
#define RW_SYNC_METRICS_H

#include "err.h"
#include "sync.h"

int sync_metrics_write(const struct sync_result *res, const char *path, struct rw_err *e);
int sync_metrics_write_status(int status, const char *path, struct rw_err *e);

#endif
