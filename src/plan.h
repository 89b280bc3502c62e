/*
 * plan.h - which catalog roots a set of profiles wants on a given day.
 *
 * Rules (the same for one-shot bundles, sync and rotation reports):
 * - Dates that moved: a step may have several published dates (catalog.h). The EARLIEST adds
 *   roots and the LATEST drops them - never late to add, never early to remove. A step's 'from'
 *   is its earliest date, 'latest' its latest (equal for a step with one date).
 * - The step in force for a profile on day D is the last step whose 'from' is <= D. Before the
 *   first step the catalog has no data for the profile: that is an error, not an empty set.
 * - Its required roots are REQUIRED, its optional roots OPTIONAL.
 * - A root of the previous step that the current step drops is RETIRING (still wanted) until
 *   the step's LATEST date plus grace_days. (The successor rule - never drop it before the new
 *   roots are in - is enforced by bundle_build, which refuses a bundle that lacks a required
 *   root.)
 * - A profile that 'becomes' another on date B (its service retired and its servers migrated
 *   under the same host names): from B on, the other profile's roles on D are added to the
 *   profile's own (its own steps stay in force, so what clients of the old service trusted is
 *   kept as the migration guidance asks). Chains of 'becomes' are followed.
 * - A profile that 'ends' on date E (the service closed) wants nothing from E on; plan_build
 *   counts it in n_ended (first_ended names one) so callers can say why a bundle is empty.
 * - A root that the next step brings (required or optional there, not wanted now) is UPCOMING -
 *   wanted ahead of time - once the next step is at most ahead_days away (0: only from the step's
 *   date). Adding a root early is harmless; missing it when a server switches early is not.
 * - Over several profiles a root takes its strongest role:
 *   REQUIRED > RETIRING > UPCOMING > OPTIONAL.
 * - A wanted root whose certificate has expired at 00:00 UTC of D is marked expired; bundles drop
 *   it unless keep_expired is set.
 *
 * Contract: plan_build() fills a struct plan that the caller releases with plan_free(); its arrays
 * are indexed by catalog root index and sized for the catalog as it was at the call.
 */
#ifndef RW_PLAN_H
#define RW_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "err.h"

#define PLAN_DEFAULT_GRACE_DAYS 30

enum plan_role {
	PLAN_NONE = 0,
	PLAN_OPTIONAL = 1,
	PLAN_UPCOMING = 2,
	PLAN_RETIRING = 3,
	PLAN_REQUIRED = 4,
};

struct plan_opts {
	int32_t day;
	int grace_days;
	int keep_expired;
	int ahead_days; /* 0: add the next step's roots on its date */
};

struct plan {
	size_t n;               /* number of catalog roots covered */
	unsigned char *role;    /* enum plan_role per root */
	unsigned char *expired; /* 1 if wanted but expired on the day */
	size_t n_ended;         /* requested profiles (or successors) that had ended on the day */
	const struct catalog_profile *first_ended; /* borrowed; NULL when n_ended == 0 */
};

/* Index of the step in force on day, or -1 before the first step. */
long plan_step_at(const struct catalog_profile *p, int32_t day);

int plan_build(const struct catalog *cat, const char *const *profiles, size_t n_profiles,
               const struct plan_opts *o, struct plan *out, struct rw_err *e);
void plan_free(struct plan *p);

const char *plan_role_name(enum plan_role r);

/* The profiles whose timelines apply to p on some day: p, then the profile it becomes, and so
 * on (at most max). Returns how many were stored in out. */
size_t plan_chain(const struct catalog *cat, const struct catalog_profile *p,
                  const struct catalog_profile **out, size_t max);

/* Every day on which p's (or its chain's) plan may change: step dates (earliest), each later
 * step's latest date + grace_days and earliest date - ahead_days, and the becomes / ends dates.
 * Stores at most max days in v (v may be NULL) and returns how many there are. */
size_t plan_profile_days(const struct catalog *cat, const struct catalog_profile *p, int grace_days,
                         int ahead_days, int32_t *v, size_t max);

struct buf;
/* Appends to b ("; "-separated) why p's plan may change on day: "P step D", "P step D, its roots
 * added N days ahead", "P step D + N days of grace" (for a step with several published dates:
 * "P step D (published dates D1, D2; dropping after the latest, L) + N days of grace"), "P became
 * Q on D", "P ended on D", and the same for the profiles of its chain. */
void plan_day_causes(const struct catalog *cat, const struct catalog_profile *p, int32_t day,
                     int grace_days, int ahead_days, struct buf *b);

#endif
