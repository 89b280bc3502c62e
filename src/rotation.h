/*
 * rotation.h - what the catalog's timelines mean for a day: which step each profile is in, what
 * comes next and when, whether a bundle file on disk is ready for it, and what 'sync' will change
 * on which date. Independent of the configuration: bundles are given as struct rotation_target.
 *
 * Verdicts are monitoring-plugin statuses (enum rw_check_exit: OK, WARNING, CRITICAL, UNKNOWN).
 *
 * Rules (documented for users in docs/rotation.md):
 * - Step in force, retiring roots, grace and expiry are plan.h's (plan_build, plan_step_at); this
 *   module never re-derives them.
 * - A root required by the step in force is *critical* for a bundle, except a root that a
 *   *transition* step adds: a step that keeps at least one root the previous step required and
 *   adds others (Baltimore -> Baltimore + G2). During a transition servers still chain to the old
 *   root, so a bundle lacking an added root is WARNING ("transition: X needed"), not CRITICAL.
 * - Bundle at day D, for each of its profiles: CRITICAL if a critical root is missing (expired
 *   roots count as missing; a root that plan.h marks expired is not required), or if the bundle
 *   holds no unexpired root that the profile uses; WARNING if a transition root is missing, or if
 *   on some day of (D, D + warn_days] - the dates of steps and of expiries - the bundle would be
 *   CRITICAL or WARNING by these rules; UNKNOWN if the file cannot be read or parsed (an empty
 *   file is readable and holds nothing: CRITICAL); otherwise OK.
 * - Profile alone (no bundle): UNKNOWN before its first step; CRITICAL if every root its step
 *   requires has expired; WARNING if its next step, or the expiry of a root it uses now or at the
 *   next step, falls in (D, D + warn_days]; otherwise OK.
 * - A certificate in a bundle file stands for a catalog root when its SHA-256 matches the root's
 *   pin, or when it is self-signed and its SubjectPublicKeyInfo SHA-256 matches the root's SPKI
 *   pin (a re-issued root with the same key anchors the same chains; a cross-certificate does
 *   not).
 * - The written set of a target on day D is what sync writes from the catalog: the roots that
 *   bundle_select() (bundle.h, the one definition bundles are built from) marks SEL_WRITTEN. A
 * *change* is a day after D on which the written set differs from the day before; the candidate
 * days are step dates, step dates + grace_days and expiry days (the day after a root's notAfter
 * day), so the list is finite and exact.
 *
 * Ownership: rotation_analyse(), rotation_bundle_assess() and rotation_changes() fill structs
 * that the caller releases with the matching _free (safe on zeroed structs). Everything in them
 * is owned by them except the pointers marked "borrowed" (catalog and targets must outlive them).
 * Nothing here prints or exits.
 *
 * rotation-upcoming bookkeeping: rotation_due_events() returns the changes that are at most
 * warn_days away and not yet recorded in the state directory's rotation-announced record (store.h);
 * rotation_mark_announced() records one (written through save.h). Sync calls the first, raises
 * ROOTWARDEN_EVENT=rotation-upcoming for each event, and calls the second once the hooks ran, so
 * every coming change of every bundle is announced exactly once.
 */
#ifndef RW_ROTATION_H
#define RW_ROTATION_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "cert.h"
#include "err.h"

struct store;

#define ROTATION_DEFAULT_WARN_DAYS 90
#define ROTATION_STATE_NAME "rotation-announced" /* STATE/rotation-announced.json (store.h) */
/* A catalog whose catalog_date is more than this many days before the day asked about is old:
 * 'rotation' says so (its version and date), since rotations published later are not in it. */
#define ROTATION_CATALOG_OLD_DAYS 180

struct rotation_opts {
	int32_t day;      /* default: date_today() */
	int warn_days;    /* default 90 */
	int grace_days;   /* default PLAN_DEFAULT_GRACE_DAYS */
	int keep_expired; /* default 0 */
	int ahead_days;   /* as sync: next step's roots written this many days early (plan.h) */
};

void rotation_opts_init(struct rotation_opts *o);

/* A bundle as rotation sees it: borrowed strings, so a test or sync builds one in a few lines. */
struct rotation_target {
	const char *name;
	const char *path; /* the file on disk; NULL: not assessed (changes only) */
	const char *const *profiles;
	size_t n_profiles;
	const char *const *excludes; /* SHA-256 (any case, ':' allowed); may be NULL */
	size_t n_excludes;
	const size_t *roots; /* catalog roots the bundle names itself (bundle.h spec->roots) */
	size_t n_roots;
	const char *password; /* a Java store's password (password_file); NULL: the default */
};

/* A set of catalog root indices, ascending. */
struct rotation_roots {
	size_t *v;
	size_t n;
};

struct rotation_notes {
	char **v;
	size_t n;
};

enum rotation_when { ROTATION_PAST, ROTATION_CURRENT, ROTATION_NEXT, ROTATION_LATER };
const char *rotation_when_name(enum rotation_when w); /* "past", "current", "next", "later" */
/* "OK", "WARNING", "CRITICAL", "UNKNOWN" for a verdict (enum rw_check_exit). */
const char *rotation_verdict_name(int verdict);

struct rotation_profile {
	const struct catalog_profile *profile; /* borrowed */
	unsigned char *when;                   /* enum rotation_when per step */
	long current;                          /* step in force, -1 before the timeline */
	long next;                             /* the following step, -1 when none */
	long days_to_next;                     /* -1 when none */
	struct rotation_roots required_now;    /* of the step in force */
	struct rotation_roots required_next;   /* of the next step */
	struct rotation_roots expiring;        /* used now or next; expire in (D, D + warn] */
	struct rotation_roots expired;         /* required now but already expired */
	int verdict;
	struct rotation_notes reasons;
};

struct rotation_change {
	int32_t day;
	struct rotation_roots added;
	struct rotation_roots removed;
	char *cause; /* "azure-mysql-single step 2022-10-01; ..." */
	int empty;   /* nothing left to write: sync refuses the empty bundle and keeps the old
	                file (bundle.h), so this is a day the bundle needs a catalog update */
};

struct rotation_changes {
	struct rotation_change *v;
	size_t n;
};

struct rotation_bundle {
	const struct rotation_target *target; /* borrowed */
	int readable;                         /* 0: error says why */
	char *error;
	struct certlist held;                 /* the file's certificates, in file order */
	long *held_root;                      /* per held cert: catalog root index or -1 */
	struct rotation_roots written_now;    /* what sync writes today */
	struct rotation_roots missing_now;    /* critical roots missing today */
	struct rotation_roots transition_now; /* transition roots missing today */
	int32_t next_step_day;                /* earliest later step of its profiles, -1 none */
	struct rotation_roots missing_next;   /* required on next_step_day, not held */
	struct rotation_changes changes;      /* what sync will change, in date order */
	int verdict;
	struct rotation_notes reasons;
};

struct rotation_report {
	int32_t day;
	int warn_days;
	int grace_days;
	struct rotation_profile *profiles;
	size_t n_profiles;
	struct rotation_bundle *bundles;
	size_t n_bundles;
	int verdict; /* worst bundle verdict when there are bundles, else worst profile verdict */
};

/* One profile (unknown id: -1, RW_EXIT_INPUT). */
int rotation_profile_assess(const struct catalog *cat, const char *profile,
                            const struct rotation_opts *o, struct rotation_profile *out,
                            struct rw_err *e);
void rotation_profile_free(struct rotation_profile *p);

/* One bundle target: reads t->path (an unreadable file is a verdict, UNKNOWN, not an error);
 * fails (-1) only on an unknown profile, a bad exclude or out of memory. */
int rotation_bundle_assess(const struct catalog *cat, const struct rotation_target *t,
                           const struct rotation_opts *o, struct rotation_bundle *out,
                           struct rw_err *e);
void rotation_bundle_free(struct rotation_bundle *b);

/* Profiles (NULL/0: every catalog profile) and targets together. */
int rotation_analyse(const struct catalog *cat, const char *const *profiles, size_t n_profiles,
                     const struct rotation_target *targets, size_t n_targets,
                     const struct rotation_opts *o, struct rotation_report *out, struct rw_err *e);
void rotation_report_free(struct rotation_report *r);

/* The written set of a target on a day, and every later change of it. */
int rotation_written(const struct catalog *cat, const struct rotation_target *t, int32_t day,
                     const struct rotation_opts *o, struct rotation_roots *out, struct rw_err *e);
int rotation_changes(const struct catalog *cat, const struct rotation_target *t,
                     const struct rotation_opts *o, struct rotation_changes *out, struct rw_err *e);
void rotation_changes_free(struct rotation_changes *c);
void rotation_roots_free(struct rotation_roots *r);
int rotation_roots_has(const struct rotation_roots *r, size_t ri);

/* rotation-upcoming. An event is one change of one bundle; its key is stable across runs:
 * "NAME|YYYY-MM-DD|+id,id|-id". */
struct rotation_event {
	const struct rotation_target *target; /* borrowed */
	struct rotation_change change;        /* owned */
	long days;                            /* until change.day */
	char *key;
};

struct rotation_events {
	struct rotation_event *v;
	size_t n;
};

/* Changes of the targets with change.day - o->day <= o->warn_days that STATE_DIR's record does
 * not list yet. A missing record is empty; an unreadable or corrupt one is an error naming it. */
int rotation_due_events(const struct catalog *cat, const struct rotation_target *targets,
                        size_t n_targets, const struct rotation_opts *o, const struct store *st,
                        struct rotation_events *out, struct rw_err *e);
/* Adds ev to the record (announced on o->day); entries whose change is more than 400 days past
 * are dropped. The record is rewritten atomically (save.h, mode 0644). */
int rotation_mark_announced(struct store *st, const struct rotation_event *ev,
                            const struct rotation_opts *o, struct rw_err *e);
void rotation_events_free(struct rotation_events *ev);
/* The JSON object a hook receives on stdin for ev (caller json_decref's):
 * {"event":"rotation-upcoming","bundle","path","date","days","cause","added":[..],"removed":[..]}
 * with each root in rootref.h's shape. */
json_t *rotation_event_json(const struct catalog *cat, const struct rotation_event *ev);

#endif
