/*
 * bundle.h - the set of certificates a client trust bundle holds, built from the catalog's
 * timeline, local includes and excludes.
 *
 * Contract:
 * - bundle_select() is the one definition of which catalog roots a bundle holds on a day, used by
 *   bundle_build (one-shot bundles and sync) and by rotation's "what sync writes" view: the roots
 *   the plan of spec->profiles wants on spec->day (plan.h, any role) plus spec->roots (catalog
 *   roots the bundle names itself: the configuration's own roots), each one SEL_WRITTEN unless it
 *   has no certificate yet (SEL_UNAVAILABLE), has expired (SEL_EXPIRED, unless keep_expired) or
 *   is excluded by SHA-256 (SEL_EXCLUDED).
 * - bundle_build() takes the selection's written roots (labelled with their catalog names),
 *   adds every certificate of spec->includes (each must pass cert_check_root; an
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
	const size_t *roots; /* catalog roots named by the bundle itself (configuration roots) */
	size_t n_roots;
	int32_t day;
	int grace_days;
	int keep_expired;
	int ahead_days; /* see plan.h; 0 for one-shot bundles unless asked */
	const char *const *includes;
	size_t n_includes;
	const char *const *excludes;
	size_t n_excludes;
	const struct verifycache *verify_cache; /* for includes (cert.h *_vc); NULL: none */
};

enum select_state {
	SEL_NONE = 0,    /* not wanted */
	SEL_WRITTEN,     /* in the bundle */
	SEL_UNAVAILABLE, /* wanted, no verified certificate yet */
	SEL_EXPIRED,     /* wanted, expired on the day (dropped) */
	SEL_EXCLUDED,    /* wanted, excluded by fingerprint */
};

struct selection {
	struct plan plan;     /* roles of the profiles' roots */
	unsigned char *state; /* enum select_state per catalog root (plan.n entries) */
	size_t n_written;
	size_t n_unavailable;
};

struct bundle {
	struct certlist certs; /* in bundle order */
	size_t n_unavailable;  /* spec->roots without a verified copy (left out, with a note) */
	char **notes;          /* human-readable remarks: dropped expired roots, exclusions, ... */
	size_t n_notes;
	struct plan plan; /* the plan it was built from */
};

void bundle_spec_init(struct bundle_spec *s);
/* Fills *out (free with selection_free); -1 on an unknown profile, a bad exclude, no memory. */
int bundle_select(const struct catalog *cat, const struct bundle_spec *spec, struct selection *out,
                  struct rw_err *e);
void selection_free(struct selection *s);
int bundle_build(const struct catalog *cat, const struct bundle_spec *spec, struct bundle *out,
                 struct rw_err *e);
void bundle_free(struct bundle *b);

#endif
