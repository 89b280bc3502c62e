/*
 * jwks.h - a JSON Web Key Set (RFC 7517) of RSA signing keys, as Entra ID publishes it.
 *
 * Contract:
 * - jwks_parse() validates a whole key set or refuses it whole: a JSON object with a non-empty
 *   array "keys" (at most JWKS_MAX_KEYS); every key an object with kty "RSA", a kid (1..128
 *   printable ASCII characters, unique in the set), n and e in strict base64url, a modulus of at
 *   least JWKS_MIN_RSA_BITS bits and an odd exponent >= 3; "use", when present, is "sig"; "x5c",
 *   when present, is an array whose first certificate (standard base64 of DER, read by GnuTLS)
 *   carries exactly the same RSA key. Errors start with source (the file or URL) and name the key
 *   ("URL: keys[2] (kid abc): modulus of 1024 bits, less than 2048"), RW_EXIT_INPUT.
 * - The set returned is owned by the caller: jwks_free() (safe with NULL). Keys keep the order of
 *   the document; jwks_find() looks one up by kid (NULL when absent).
 * - jwk_verify_rs256() verifies an RSASSA-PKCS1-v1_5 SHA-256 signature with GnuTLS: 0 when it
 *   verifies, -1 with the reason otherwise.
 * - jwks_kids() and jwks_diff() work on sorted kid lists (byte order), so a change record is the
 *   same whatever the order of the keys in the document. Lists are strv.h arrays owned by the
 *   caller (strv_free).
 */
#ifndef RW_JWKS_H
#define RW_JWKS_H

#include <gnutls/abstract.h>
#include <stddef.h>

#include "err.h"

#define JWKS_MAX_BYTES ((size_t)1 << 20)
#define JWKS_MAX_KEYS 64
#define JWKS_MIN_RSA_BITS 2048

struct jwk {
	char *kid;
	char *alg; /* the "alg" it declares, or NULL */
	unsigned bits;
	int has_x5c;
	gnutls_pubkey_t pub; /* owned */
};

struct jwks {
	struct jwk *v;
	size_t n;
};

int jwks_parse(const char *data, size_t len, const char *source, struct jwks **out,
               struct rw_err *e);
/* Reads and parses a key set file (at most JWKS_MAX_BYTES). */
int jwks_read_file(const char *path, struct jwks **out, struct rw_err *e);
void jwks_free(struct jwks *s);
const struct jwk *jwks_find(const struct jwks *s, const char *kid);

int jwk_verify_rs256(const struct jwk *k, const void *data, size_t len, const unsigned char *sig,
                     size_t sig_len, struct rw_err *e);

/* The set's kids, sorted; -1 when out of memory. */
int jwks_kids(const struct jwks *s, char ***kids, size_t *n);
/* Kids in new but not in old (added) and in old but not in new (removed); both inputs sorted
 * (as jwks_kids gives them), outputs sorted. -1 when out of memory (outputs then empty). */
int jwks_diff(char *const *old_kids, size_t n_old, char *const *new_kids, size_t n_new,
              char ***added, size_t *n_added, char ***removed, size_t *n_removed);

#endif
