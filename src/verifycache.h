/*
 * verifycache.h - verdicts "this exact certificate is a validly self-signed root", kept across
 * runs.
 *
 * Contract:
 * - An entry is keyed by the SHA-256 of a certificate's DER and means: those exact bytes were
 *   parsed and their self-signature verified with their own key (cert.h: self_sig_ok), under
 *   verification policy VERIFYCACHE_POLICY. It also holds the summary that parse gave (struct cert:
 *   subject, issuer, CN, dates, SPKI SHA-256, key and signature algorithm, CA flag, key usage), so
 *   a warm read of those bytes needs no GnuTLS import at all (cert.c). The summary is what the
 *   same program and GnuTLS derive from the same bytes: a cache written by another rootwarden or
 *   GnuTLS version (the "producer" in the header) is read as empty, so output never depends on
 *   it. Pins, exclusions, expiry and the root checks are still judged on every run, from that
 *   summary, except the key: cert.c takes the SPKI fingerprint from the certificate's own bytes
 *   on every read, so an SPKI pin always judges the real key. An entry for a fingerprint not in
 *   the input is inert. The checksum guards against damage, not against an attacker (it has no
 *   secret key): whoever can write the cache can pass off a certificate in the input whose
 *   signature does not verify as a valid root, with other dates or names. That is why a cache
 *   that anyone but its owner (the user that also writes the bundles, who could write those
 *   directly) can write is refused (below), like a hook.
 * - The cache holds at most 'max' entries (VERIFYCACHE_DEFAULT_MAX when 0). When more are known,
 *   verifycache_serialize() keeps the ones used by this run first (lowest fingerprints first when
 *   even those are too many), then older ones.
 * - verifycache_load() accepts only a complete, well-formed file (magic, trailing SHA-256 of the
 *   rest, counts, well-formed records in increasing key order); anything else loads nothing and
 *   returns -1 with a warning in e naming 'origin' (the caller goes on without it). A well-formed
 *   file of another version, policy or producer loads nothing and returns 0 (no warning).
 * - Lookups (verifycache_has) only read and may run in several threads at once; verifycache_note()
 *   and loading must not run concurrently with anything else on the same cache.
 * - Files: verifycache_open_dir() reads DIR/VERIFYCACHE_FILE and verifycache_save_dir() writes it
 *   through save.h (mode 0600). A directory (or any directory above it, as hook_refusal in hooks.h
 *   judges) or a cache file that someone other than its owner (root or the running user) can write
 *   is refused: nothing is read or written there. The caller owns the returned cache
 *   (verifycache_free, safe with NULL).
 */
#ifndef RW_VERIFYCACHE_H
#define RW_VERIFYCACHE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define VERIFYCACHE_FILE "verify-cache.bin"
#define VERIFYCACHE_DEFAULT_MAX ((size_t)262144)
/* Bumped whenever cert.c's self-signature check changes what it accepts, or the summary cached
 * with a verdict changes (a field of struct cert added, or derived or formatted otherwise): a
 * cache of another policy reads as empty. */
#define VERIFYCACHE_POLICY 1u
#define VERIFYCACHE_KEY_LEN 32
/* The largest cache file read or written (entries beyond it are dropped when saving). */
#define VERIFYCACHE_FILE_MAX ((size_t)128 << 20)

struct cert;
struct verifycache;

/* An empty cache; NULL when out of memory. */
struct verifycache *verifycache_new(size_t max);
void verifycache_free(struct verifycache *vc);

/* Replaces the entries with those of a serialized cache; -1 (nothing loaded, warning in e). */
int verifycache_load(struct verifycache *vc, const void *data, size_t len, const char *origin,
                     struct rw_err *e);
/* The serialized cache: this run's entries plus older ones, bounded (see above). */
int verifycache_serialize(const struct verifycache *vc, struct buf *out);

/* 1 when the SHA-256 (binary) of a certificate's DER has a verdict. vc may be NULL (0). */
int verifycache_has(const struct verifycache *vc, const unsigned char key[VERIFYCACHE_KEY_LEN]);
/* Fills c's summary (every field but der, der_len, sha256 and origin; c->self_sig_ok = 1; the
 * strings malloc'd, for cert_free) from the loaded entry for key. 1 on a hit, 0 on a miss (c
 * untouched), -1 when out of memory (c partly filled: free it). vc may be NULL (0). */
int verifycache_get(const struct verifycache *vc, const unsigned char key[VERIFYCACHE_KEY_LEN],
                    struct cert *c);
/* Records c's verdict and summary (c->cn, not c->label, which callers may rename) for the next run
 * when c->self_sig_ok (else nothing). 0, or -1 (no memory). */
int verifycache_note(struct verifycache *vc, const struct cert *c);
/* Entries known (loaded and noted, before bounding). */
size_t verifycache_count(const struct verifycache *vc);

/* Why this cache file (dir: its directory) may not be used (malloc'd), or NULL. An absent file is
 * fine (NULL). */
char *verifycache_refusal(const char *path, int dir);

/* Opens DIR's cache: *out is always a usable cache (empty when DIR has none). Returns 0, or 1 when
 * the file was ignored (corrupt) or refused (unsafe; then *refused = 1 and nothing may be saved
 * there), with the warning in e; -1 only when out of memory. */
int verifycache_open_dir(const char *dir, size_t max, struct verifycache **out, int *refused,
                         struct rw_err *e);
/* Writes DIR/VERIFYCACHE_FILE (save.h result, SAVE_ERROR with e). */
int verifycache_save_dir(const struct verifycache *vc, const char *dir, struct rw_err *e);

#endif
