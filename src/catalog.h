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
	struct cert *cert; /* owned; may be NULL */
	int line;          /* where it is defined */
};

struct catalog_step {
	int32_t from; /* day (date.h) */
	size_t *required;
	size_t n_required;
	size_t *optional;
	size_t n_optional;
	char *note;
	int line;
};

struct catalog_profile {
	char *id;
	char *name;
	struct catalog_step *steps;
	size_t n_steps;
	int line;
};

struct catalog {
	char *path; /* the catalog.conf that was read */
	struct catalog_root *roots;
	size_t n_roots;
	struct catalog_profile *profiles;
	size_t n_profiles;
};

#define CATALOG_FILE "catalog.conf"

int catalog_load(const char *roots_dir, struct catalog **out, struct rw_err *e);
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

/* Does cert c match root r's pins? 0 if yes; -1 with a message naming both fingerprints. */
int catalog_root_matches(const struct catalog_root *r, const struct cert *c, struct rw_err *e);

/* 1 if root index ri appears in the step (required or optional). */
int catalog_step_has(const struct catalog_step *s, size_t ri);
int catalog_step_requires(const struct catalog_step *s, size_t ri);

#endif
