/*
 * catalog.h - the roots rootwarden knows and the service profiles' rotation timelines.
 *
 * Contract:
 * - catalog_load() reads DIR/catalog.conf (libconfig) and each root's PEM file in DIR, checks every
 *   file against both of its pins and as a root (cert_check_root), and returns a catalog that the
 *   caller frees with catalog_free() (safe with NULL). Any error refuses the whole catalog: unknown
 *   keys, wrong types, duplicate ids, unknown root ids in a profile, steps out of date order, a pin
 *   that disagrees (named by root), all reported as "file:line: ...".
 * - Everything a catalog points to is owned by it. Roots are referred to by index (size_t) into
 *   cat->roots; those indices stay valid for the catalog's life (catalog_add_root appends).
 * - A root's cert may be NULL: a root added by the configuration that has no file yet. Roots of
 *   the shipped catalog always have one.
 * - Dates that moved: a step may carry every date its sources published ('dates', in the order
 *   they were published, each with its source). Its 'from' is the earliest of them and 'latest'
 *   the latest; plan.h says how each is used. A step with one date has from == latest.
 * - A profile may say that its service became another profile's service on a date ('becomes':
 *   retirement with migration under the same host names) and/or that it ends on a date ('ends':
 *   the service closed). The loader checks that a 'becomes' target exists, that a chain of them
 *   has no cycle, and that neither date precedes the first step.
 * - catalog_version is the catalog's serial number (a newer catalog has a larger one; signed
 *   updates, catalog_update.h, rely on it) and catalog_date the day its data was last checked
 *   against the sources.
 */
#ifndef RW_CATALOG_H
#define RW_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "err.h"

struct catalog_root {
	char *id;
	char *name;
	char *file; /* path of the PEM file as loaded, or NULL */
	char sha256[CERT_HEX_LEN + 1];
	char spki_sha256[CERT_HEX_LEN + 1]; /* "" when not pinned */
	char **urls;
	size_t n_urls;
	struct cert *cert;  /* owned; may be NULL */
	int line;           /* where it is defined */
	int accept_reissue; /* a certificate re-issued with the pinned key (SPKI pin) is accepted:
	                       set by the configuration (target.h), never by a catalog file */
};

/* One published date of a step, in the words of its source. */
struct catalog_date {
	int32_t day;
	char *source; /* "file@commit (date of that version): what it says"; may be NULL */
};

struct catalog_step {
	int32_t from;               /* day (date.h): the earliest published date */
	int32_t latest;             /* the latest published date (== from for a single date) */
	struct catalog_date *dates; /* in publication order; n_dates == 0: one date, 'from' */
	size_t n_dates;
	char *source; /* of a single-date step; may be NULL */
	size_t *required;
	size_t n_required;
	size_t *optional;
	size_t n_optional;
	char *note;
	int line;
};

/* "This service became that one on this date" or "this service ended on this date". */
struct catalog_event {
	int32_t day;  /* -1: none */
	char *target; /* becomes: the profile id it became; NULL for ends */
	char *source; /* may be NULL */
	char *note;   /* may be NULL */
};

struct catalog_profile {
	char *id;
	char *name;
	struct catalog_step *steps;
	size_t n_steps;
	struct catalog_event becomes; /* day -1 when the service did not become another */
	struct catalog_event ends;    /* day -1 when the service does not end */
	int line;
};

struct catalog {
	char *path;        /* the catalog.conf that was read */
	long long version; /* catalog_version: the serial number, >= 1 */
	int32_t date;      /* catalog_date (day), or -1 when the file gives none */
	struct catalog_root *roots;
	size_t n_roots;
	struct catalog_profile *profiles;
	size_t n_profiles;
	int fault; /* enum catalog_fault, while loading */
};

/* Why catalog_load2() refused a catalog (signed updates tell a root failing its pin apart). */
enum catalog_fault {
	CATALOG_FAULT_NONE = 0,
	CATALOG_FAULT_FORMAT = 1, /* catalog.conf unreadable or invalid, a PEM file missing */
	CATALOG_FAULT_PIN = 2,    /* a root's file does not match its pins */
	CATALOG_FAULT_ROOT = 3,   /* a root's file is not one valid root certificate */
	CATALOG_FAULT_SYSTEM = 4, /* out of memory */
};

#define CATALOG_FILE "catalog.conf"

int catalog_load(const char *roots_dir, struct catalog **out, struct rw_err *e);
/* catalog_load with a verification cache for the roots' files (cert.h *_vc; NULL: none): sync
 * passes its state directory's, so the shipped roots are not parsed and verified on every run. */
struct verifycache;
int catalog_load_vc(const char *roots_dir, const struct verifycache *vc, struct catalog **out,
                    struct rw_err *e);
/* catalog_load, and on failure *fault says which kind (may be NULL). */
int catalog_load2(const char *roots_dir, struct catalog **out, enum catalog_fault *fault,
                  struct rw_err *e);
void catalog_free(struct catalog *cat);

/* Lookups return NULL / -1 when absent. */
const struct catalog_profile *catalog_profile(const struct catalog *cat, const char *id);
long catalog_root_index(const struct catalog *cat, const char *id);
long catalog_root_by_sha256(const struct catalog *cat, const char *sha256);

/* Appends a root (deep copy of id, name, urls, pins; takes ownership of cert, which may be NULL).
 * Fails if the id or SHA-256 pin is already known. Returns the new index or -1. */
long catalog_add_root(struct catalog *cat, const char *id, const char *name, const char *sha256,
                      const char *spki_sha256, const char *const *urls, size_t n_urls,
                      struct cert *cert, struct rw_err *e);

/* How a downloaded (or shipped) certificate c relates to root r's pins. */
enum catalog_match {
	CATALOG_MATCH_SAME = 0,         /* SHA-256 pin matches (and the SPKI pin, when set) */
	CATALOG_MATCH_REISSUED = 1,     /* a different certificate with the pinned key (SPKI pin
	                                   matches, SHA-256 does not): the issuer re-issued the root
	                                   with the same key - anchors the same chains, but it is
	                                   not the certificate that was pinned */
	CATALOG_MATCH_KEY_MISMATCH = 2, /* SHA-256 matches, SPKI pin does not: the pin entry
	                                   itself is inconsistent */
	CATALOG_MATCH_OTHER = 3,        /* neither: another key (a substitution), never trusted */
};
const char *catalog_match_name(enum catalog_match m);
/* Classifies only; no message, no allocation. A root without an SPKI pin can only be SAME or
 * OTHER. */
enum catalog_match catalog_root_classify(const struct catalog_root *r, const struct cert *c);

/* Does cert c match root r's pins? 0 if yes (CATALOG_MATCH_SAME, or CATALOG_MATCH_REISSUED when
 * r->accept_reissue); -1 with a message naming both fingerprints otherwise. A re-issue with the
 * same key is refused here too, but its message says "re-issued with the same key", not "does not
 * match" (see catalog_root_classify). */
int catalog_root_matches(const struct catalog_root *r, const struct cert *c, struct rw_err *e);

/* The profile p became on day, or NULL: p's 'becomes' target when day >= its date. */
const struct catalog_profile *
catalog_profile_successor(const struct catalog *cat, const struct catalog_profile *p, int32_t day);
/* 1 when p has ended on day (day >= its 'ends' date). */
int catalog_profile_ended(const struct catalog_profile *p, int32_t day);

/* 1 if root index ri appears in the step (required or optional). */
int catalog_step_has(const struct catalog_step *s, size_t ri);
int catalog_step_requires(const struct catalog_step *s, size_t ri);

#endif
