/*
 * bundle.h - the set of certificates a client trust bundle holds, built from the catalog's
 * timeline, local includes and excludes.
 *
 * Contract:
 * - bundle_build() computes the plan for spec->profiles on spec->day (plan.h), takes the catalog
 *   roots it wants, adds every certificate of spec->includes (each must pass cert_check_root; an
 *   unreadable or bad include fails the build naming its file and line), removes spec->excludes
 *   (SHA-256, any case, ':' allowed), drops expired certificates unless keep_expired, sorts by the
 *   documented key (cert.h) and removes duplicates by fingerprint.
 * - It refuses (RW_EXIT_INPUT, nothing built) a bundle that would be empty or that lacks a root
 *   required on that day, listing every missing root.
 * - The struct bundle owns its certificates (copies; each label is the catalog's display name for
 *   catalog roots, the subject CN for includes) and its notes; bundle_free() releases them.
 */
#ifndef RW_BUNDLE_H
#define RW_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "cert.h"
#include "err.h"
#include "plan.h"

struct bundle_spec {
	const char *const *profiles;
	size_t n_profiles;
	int32_t day;
	int grace_days;
	int keep_expired;
	int ahead_days; /* see plan.h; 0 for one-shot bundles unless asked */
	const char *const *includes;
	size_t n_includes;
	const char *const *excludes;
	size_t n_excludes;
};

struct bundle {
	struct certlist certs; /* in bundle order */
	char **notes;          /* human-readable remarks: dropped expired roots, exclusions, ... */
	size_t n_notes;
	struct plan plan; /* the plan it was built from */
};

void bundle_spec_init(struct bundle_spec *s);
int bundle_build(const struct catalog *cat, const struct bundle_spec *spec, struct bundle *out,
                 struct rw_err *e);
void bundle_free(struct bundle *b);

#endif
