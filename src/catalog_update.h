/*
 * catalog_update.h - the signed catalog channel: sign a catalog archive, and judge one that was
 * downloaded before anything in it is used.
 *
 * The archive is a POSIX ustar file of catalog.conf and the root PEM files it names (ustar.h says
 * what is refused). Its signature is a detached text file of two PEM blocks: "PUBLIC KEY" (the
 * signer's SubjectPublicKeyInfo) and "ROOTWARDEN CATALOG SIGNATURE" (an Ed25519 signature over
 * the archive's bytes, GnuTLS GNUTLS_SIGN_EDDSA_ED25519). Ed25519 because it has no parameters to
 * get wrong (no hash or padding choice), small keys and signatures, and deterministic signing.
 *
 * Trusted keys (the configuration's catalog.keys) are strings, each either
 * - an SPKI SHA-256 pin (64 hex digits, ':' allowed): the public key carried in the signature file
 *   is used if its SubjectPublicKeyInfo hashes to the pin; or
 * - a PEM public key ("-----BEGIN PUBLIC KEY-----..."): used as it is.
 *
 * catalog_update_check() runs, in this order, and stops at the first failure:
 *   1. the signature, against the trusted keys            -> CATALOG_UPDATE_BAD_SIGNATURE
 *   2. the archive (strict ustar, catalog.conf present)   -> CATALOG_UPDATE_MALFORMED
 *   3. catalog_version against the shipped catalog's and the last accepted one's:
 *      same version and same archive bytes as last accepted  -> CATALOG_UPDATE_SAME
 *      same version, other bytes                         -> CATALOG_UPDATE_CONFLICT
 *      not newer than both                               -> CATALOG_UPDATE_OLDER (no downgrade,
 *                                                           no replay)
 *   4. the files unpacked into a new directory under work_dir, loaded with catalog_load2(): every
 *      root against its pins                              -> CATALOG_UPDATE_PIN_FAILED, any other
 *      refusal                                            -> CATALOG_UPDATE_MALFORMED
 *   5. CATALOG_UPDATE_ACCEPTED.
 * Nothing outside the new directory is written, and the directory is removed again unless the
 * verdict is ACCEPTED. The function returns the verdict; e says why for every verdict but
 * ACCEPTED and SAME (the message starts with origin). CATALOG_UPDATE_ERROR is a local failure
 * (memory, work_dir not writable), not a judgement of the archive.
 *
 * Ownership: on ACCEPTED, out->catalog (catalog_free) and out->dir (the unpacked directory, a
 * malloc'd path: the caller moves it into place or removes it with catalog_update_discard) are
 * the caller's; catalog_update_result_free() releases whatever is left (safe on a zeroed struct).
 * Nothing here prints or exits.
 */
#ifndef RW_CATALOG_UPDATE_H
#define RW_CATALOG_UPDATE_H

#include <stddef.h>

#include "catalog.h"
#include "cert.h"
#include "err.h"

#define CATALOG_ARCHIVE_MAX (8 * 1024 * 1024) /* bytes a catalog archive may have */
#define CATALOG_SIG_MAX (64 * 1024)           /* bytes a signature file may have */

enum catalog_update_verdict {
	CATALOG_UPDATE_ACCEPTED = 0,
	CATALOG_UPDATE_SAME = 1,          /* the catalog already in use: nothing to do */
	CATALOG_UPDATE_BAD_SIGNATURE = 2, /* no trusted key verifies it (or no usable signature) */
	CATALOG_UPDATE_MALFORMED = 3,  /* not a catalog archive, or its catalog.conf is invalid */
	CATALOG_UPDATE_OLDER = 4,      /* not newer than the shipped or last accepted catalog */
	CATALOG_UPDATE_CONFLICT = 5,   /* the last accepted version number, other content */
	CATALOG_UPDATE_PIN_FAILED = 6, /* a root in it is not what its pins say */
	CATALOG_UPDATE_ERROR = 7,      /* local failure */
};

/* "accepted", "same", "bad-signature", "malformed", "older", "conflict", "pin-failed", "error" */
const char *catalog_update_verdict_name(enum catalog_update_verdict v);

/* What was accepted last (kept by the caller, e.g. in the state directory); version 0: none. */
struct catalog_accepted {
	long long version;
	char sha256[CERT_HEX_LEN + 1]; /* of the archive bytes */
};

struct catalog_update_result {
	enum catalog_update_verdict verdict;
	long long version;                  /* catalog_version of the archive, 0 if not read */
	char sha256[CERT_HEX_LEN + 1];      /* SHA-256 of the archive bytes */
	char signer_spki[CERT_HEX_LEN + 1]; /* SPKI SHA-256 of the key that verified it, or "" */
	struct catalog *catalog;            /* ACCEPTED: the loaded catalog (caller's) */
	char *dir;                          /* ACCEPTED: where it was unpacked (caller's) */
};

int catalog_update_check(const unsigned char *archive, size_t archive_len, const unsigned char *sig,
                         size_t sig_len, const char *const *keys, size_t n_keys,
                         long long shipped_version, const struct catalog_accepted *last,
                         const char *work_dir, const char *origin,
                         struct catalog_update_result *out, struct rw_err *e);
void catalog_update_result_free(struct catalog_update_result *r);
/* Removes an unpacked directory (its regular files, then itself). */
void catalog_update_discard(const char *dir);

/* Only the signature step: 0 when one of keys verifies sig over data (signer_spki filled). */
int catalog_signature_verify(const unsigned char *data, size_t len, const unsigned char *sig,
                             size_t sig_len, const char *const *keys, size_t n_keys,
                             const char *origin, char signer_spki[CERT_HEX_LEN + 1],
                             struct rw_err *e);

/* Signs data with the Ed25519 private key in key_pem (PKCS#8 PEM, unencrypted); *out is the
 * signature file's text (malloc'd, NUL-terminated), *spki the signer's SPKI SHA-256. */
int catalog_signature_make(const unsigned char *data, size_t len, const unsigned char *key_pem,
                           size_t key_len, const char *key_origin, char **out,
                           char spki[CERT_HEX_LEN + 1], struct rw_err *e);

#endif
