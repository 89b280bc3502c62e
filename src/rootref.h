/*
 * rootref.h - a root as every report, hook document and state file shows it: one shape,
 * {"id", "name", "sha256", "subject", "not_after"}, with "id" the catalog id (null for a
 * certificate that came from an include file), "not_after" RFC 3339 UTC, and null for what is not
 * known. Used by sync's events and reports, rotation's events and the state directory.
 *
 * Contract: a struct rootref owns its strings; rootref_clear() frees them (safe on a zeroed one).
 * rootref_json() returns a new jansson object (caller json_decref's); rootref_from_json() reads
 * one back, accepting the older state shape ("label" for "name").
 */
#ifndef RW_ROOTREF_H
#define RW_ROOTREF_H

#include <jansson.h>
#include <time.h>

#include "catalog.h"
#include "cert.h"

struct rootref {
	char sha256[CERT_HEX_LEN + 1];
	char *id;         /* catalog id, or NULL */
	char *name;       /* display name (catalog name, else the certificate's label) */
	char *subject;    /* RFC 4514, or NULL */
	time_t not_after; /* 0 when unknown */
};

/* From a certificate; id and name from catalog root ri when ri >= 0. -1 when out of memory. */
int rootref_from_cert(struct rootref *r, const struct cert *c, const struct catalog *cat, long ri);
/* From catalog root ri (its certificate may be absent). */
int rootref_from_catalog(struct rootref *r, const struct catalog *cat, size_t ri);
int rootref_copy(struct rootref *dst, const struct rootref *src);
void rootref_clear(struct rootref *r);
json_t *rootref_json(const struct rootref *r);
/* Catalog root ri as rootref_json() shows it, and a list of them (new references, NULL when out
 * of memory). */
json_t *rootref_catalog_json(const struct catalog *cat, size_t ri);
json_t *rootrefs_catalog_json(const struct catalog *cat, const size_t *v, size_t n);
void rootref_from_json(struct rootref *r, json_t *o);

/* A growable list of rootrefs. */
struct rootrefs {
	struct rootref *v;
	size_t n;
};
int rootrefs_push(struct rootrefs *l, const struct rootref *r); /* copies */
int rootrefs_has(const struct rootrefs *l, const char *sha256);
void rootrefs_free(struct rootrefs *l);
json_t *rootrefs_json(const struct rootrefs *l);
/* "SHA SHA ..." (malloc'd) */
char *rootrefs_sha_list(const struct rootrefs *l);

#endif
