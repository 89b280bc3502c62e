/*
 * metrics.h - Prometheus text exposition format (version 0.0.4) for node_exporter's textfile
 * collector, written atomically through save.h.
 *
 * Contract:
 * - A struct metrics is built in memory (metrics_new / metrics_free, safe with NULL), then written
 *   whole with metrics_write(): every family gets one "# HELP" and one "# TYPE" line, then its
 *   samples; families in the order they were first added, samples in the order added. Adding a
 *   sample with the same name and labels again replaces its value. The output depends only on
 *   what was added (no timestamps, no host names), so an unchanged metrics file is not rewritten.
 * - Names and label names must match [a-zA-Z_:][a-zA-Z0-9_:]* and [a-zA-Z_][a-zA-Z0-9_]*
 *   (label names starting "__" are reserved); a bad one fails the add (-1, RW_EXIT_FAILURE).
 *   Label values are any UTF-8 text, escaped on output (\\, \" and \n); HELP text escapes \\
 *   and \n. Values are printed with up to 17 significant digits (integers exactly), NaN, +Inf,
 *   -Inf.
 * - Label pairs are given as a NULL-terminated list of name, value, name, value, ..., NULL.
 * - The well-known families below carry their HELP and TYPE here, so every writer (sync, rotation,
 *   check) uses the same words: metrics_add() looks the name up; metrics_add_family() declares
 *   any other family.
 *
 * Which command writes what (a textfile collector refuses the same series from two files, so each
 * command writes its own file and its own series):
 *   sync:     rootwarden_root_not_after_timestamp_seconds{root,bundle},
 *             rootwarden_bundle_roots, rootwarden_bundle_last_change_timestamp_seconds,
 *             rootwarden_sync_last_success_timestamp_seconds,
 *             rootwarden_fetch_failures_total{root}, rootwarden_quarantined_roots,
 *             rootwarden_sync_exit_status, the catalog and key set families
 *             (docs/rotation.md lists every family)
 *   rotation: rootwarden_rotation_next_step_timestamp_seconds{profile},
 *             rootwarden_rotation_profile_status{profile},
 *             rootwarden_rotation_bundle_status{bundle},
 *             rootwarden_rotation_bundle_next_change_timestamp_seconds{bundle},
 *             rootwarden_check_status{check="rotation"}
 *   check:    rootwarden_check_status{check="KIND",target="..."} and, for check bundle,
 *             rootwarden_check_bundle_certificates{target},
 *             rootwarden_check_bundle_not_after_timestamp_seconds{target,sha256,name}
 */
#ifndef RW_METRICS_H
#define RW_METRICS_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "save.h"

enum metric_type { METRIC_GAUGE, METRIC_COUNTER };

/* Well-known families. */
#define M_ROOT_NOT_AFTER "rootwarden_root_not_after_timestamp_seconds"
#define M_BUNDLE_ROOTS "rootwarden_bundle_roots"
#define M_BUNDLE_LAST_CHANGE "rootwarden_bundle_last_change_timestamp_seconds"
#define M_SYNC_LAST_SUCCESS "rootwarden_sync_last_success_timestamp_seconds"
#define M_FETCH_FAILURES "rootwarden_fetch_failures_total"
#define M_QUARANTINED "rootwarden_quarantined_roots"
#define M_ROTATION_NEXT_STEP "rootwarden_rotation_next_step_timestamp_seconds"
#define M_ROTATION_PROFILE_STATUS "rootwarden_rotation_profile_status"
#define M_ROTATION_BUNDLE_STATUS "rootwarden_rotation_bundle_status"
#define M_ROTATION_BUNDLE_NEXT_CHANGE "rootwarden_rotation_bundle_next_change_timestamp_seconds"
#define M_CHECK_STATUS "rootwarden_check_status"
#define M_CATALOG_VERSION "rootwarden_catalog_version"
#define M_CATALOG_AGE "rootwarden_catalog_age_days"
#define M_CATALOG_UPDATE_OK "rootwarden_catalog_update_ok"
#define M_SYNC_STATUS "rootwarden_sync_exit_status"
#define M_CHECK_BUNDLE_CERTS "rootwarden_check_bundle_certificates"
#define M_CHECK_BUNDLE_NOT_AFTER "rootwarden_check_bundle_not_after_timestamp_seconds"

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* Declares a family (idempotent when name, type and help agree; -1 when they differ). */
int metrics_add_family(struct metrics *m, const char *name, enum metric_type type, const char *help,
                       struct rw_err *e);
/* Adds (or replaces) one sample of a family; a well-known family is declared on first use, any
 * other must have been declared. Labels: name, value, ..., NULL. */
int metrics_add(struct metrics *m, struct rw_err *e, const char *name, double value, ...)
        __attribute__((sentinel));
/* The same with the labels as an array of 2 * n_labels strings. */
int metrics_addv(struct metrics *m, const char *name, double value, const char *const *labels,
                 size_t n_labels, struct rw_err *e);

/* The text of the whole set (caller frees), or NULL when out of memory. */
char *metrics_render(const struct metrics *m);
/* Writes the set to path through save.h (mode 0644 unless o says otherwise; NULL o: defaults).
 * Returns SAVE_WRITTEN, SAVE_UNCHANGED or SAVE_ERROR (with e set). */
int metrics_write(const struct metrics *m, const char *path, const struct save_opts *o,
                  struct rw_err *e);

/* The same, but only m's families are replaced in the file already at path: every line of
 * another family (and any other comment) is kept as it was, m's families follow. For a run that
 * could not produce its whole set: the gauges of the last run stay, and age, as they are. */
int metrics_write_over(const struct metrics *m, const char *path, const struct save_opts *o,
                       struct rw_err *e);

/*
 * One call for a check front end (check sqlserver, check key, ...): writes path holding
 *   rootwarden_check_status{check="CHECK",target="TARGET"} STATUS
 * (target omitted when NULL). status is the check's exit status (0 OK, 1 WARNING, 2 CRITICAL,
 * 3 UNKNOWN). Returns 0, or -1 with e set.
 */
int metrics_write_check_status(const char *path, const char *check, const char *target, int status,
                               struct rw_err *e);

#endif
