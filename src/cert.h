/*
 * cert.h - X.509 certificates as rootwarden needs them, read with GnuTLS.
 *
 * Contract:
 * - A struct cert is a flat summary of one certificate plus its DER bytes. It does not keep a
 *   GnuTLS object (those are large; a bundle of 10,000 roots must stay small): cert_gnutls()
 *   makes one on demand, which the caller deinitialises.
 * - cert_from_der() copies the bytes it is given; the returned cert is owned by the caller and
 *   released with cert_free() (safe with NULL).
 * - A struct certlist owns the certs in it: certlist_add() takes the pointer (the caller must not
 *   free it afterwards, even when the add fails); certlist_free() frees them all.
 * - Readers accept PEM (any number of CERTIFICATE blocks, LF or CRLF, text between blocks) and DER.
 *   A PEM block of another type (a private key, a CRL, "TRUSTED CERTIFICATE") is an error, not
 *   skipped; a block without its END line or with bad contents is an error naming the file and the
 *   line where the block starts. Certificates are appended in file order; on error nothing read
 *   from that file is kept.
 * - The sort order of certlist_sort() is the documented bundle order: subject (RFC 4514 text,
 *   compared byte by byte), then SHA-256 fingerprint. It does not depend on input order or locale.
 */
#ifndef RW_CERT_H
#define RW_CERT_H

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stddef.h>
#include <time.h>

#include "err.h"

#define CERT_HEX_LEN 64

/* What one parse of a certificate gives. The verification cache (verifycache.h) stores it:
 * a change to what a field holds, or a new field, bumps VERIFYCACHE_POLICY. */
struct cert {
	unsigned char *der;
	size_t der_len;
	char sha256[CERT_HEX_LEN + 1];      /* SHA-256 of the DER, upper-case hex */
	char spki_sha256[CERT_HEX_LEN + 1]; /* SHA-256 of the DER SubjectPublicKeyInfo */
	char *subject;                      /* RFC 4514 */
	char *issuer;                       /* RFC 4514 */
	char *label;                        /* a short name: the subject CN, else the subject */
	char *cn;                           /* the subject CN as parsed (NULL: none); label may be
	                                     * renamed (cert_set_label), cn is not */
	char *origin;                       /* where it was read: "path" or "path:line" */
	time_t not_before;
	time_t not_after;
	char key_type[16];  /* "RSA", "EC/ECDSA", "Ed25519", ... (GnuTLS names) */
	unsigned key_bits;  /* RSA modulus bits, EC curve bits */
	char sig_alg[32];   /* "RSA-SHA256", "ECDSA-SHA384", ... (GnuTLS names) */
	int sig_hash_weak;  /* signed with MD5 or SHA-1 */
	int is_ca;          /* basicConstraints present with CA:TRUE */
	int has_key_usage;  /* a keyUsage extension is present */
	unsigned key_usage; /* GNUTLS_KEY_* bits when has_key_usage */
	int self_issued;    /* issuer DN equals subject DN */
	int self_sig_ok;    /* self_issued and the signature verifies with its own key */
};

struct certlist {
	struct cert **v;
	size_t n;
	size_t cap;
};

struct cert *cert_from_der(const unsigned char *der, size_t len, const char *origin,
                           struct rw_err *e);
void cert_free(struct cert *c);
/* A deep copy (caller owns), or NULL when out of memory. */
struct cert *cert_dup(const struct cert *c);
/* Replaces c->label with a copy of label; -1 when out of memory (label unchanged). */
int cert_set_label(struct cert *c, const char *label);

/* A fresh GnuTLS certificate object for c; the caller calls gnutls_x509_crt_deinit(). */
int cert_gnutls(const struct cert *c, gnutls_x509_crt_t *out, struct rw_err *e);

/* Parses PEM or DER bytes read from 'path' and appends the certificates to out. */
int certs_parse(const unsigned char *data, size_t len, const char *path, struct certlist *out,
                struct rw_err *e);
/* Reads one file. */
int certs_read_file(const char *path, struct certlist *out, struct rw_err *e);
/* Reads a file, or every *.pem, *.crt, *.cer and *.der file of a directory in byte order of name
 * (not recursive; hidden files are skipped). */
int certs_read_path(const char *path, struct certlist *out, struct rw_err *e);

/* The same with a verification cache (verifycache.h; NULL: none). A certificate whose SHA-256 has
 * an entry there is not imported into GnuTLS at all: its summary (and self_sig_ok) comes from the
 * entry, which holds what the same parse of the same bytes gave, so the result is the same as
 * without the cache. Any other certificate is parsed and checked. The cache is only read (by
 * several threads for a directory). */
struct verifycache;
struct cert *cert_from_der_vc(const unsigned char *der, size_t len, const char *origin,
                              const struct verifycache *vc, struct rw_err *e);
int certs_parse_vc(const unsigned char *data, size_t len, const char *path,
                   const struct verifycache *vc, struct certlist *out, struct rw_err *e);
int certs_read_file_vc(const char *path, const struct verifycache *vc, struct certlist *out,
                       struct rw_err *e);
int certs_read_path_vc(const char *path, const struct verifycache *vc, struct certlist *out,
                       struct rw_err *e);

/* 0 if c may be trusted as a root: self-signed with a signature that verifies, basicConstraints
 * CA:TRUE, and keyCertSign when key usage is present. Otherwise -1 with the reason, prefixed by
 * c->origin. */
int cert_check_root(const struct cert *c, struct rw_err *e);

int cert_is_expired(const struct cert *c, time_t at);

/* Normalises a fingerprint given by a user (hex, any case, optional ':' separators) to upper-case
 * hex in out. -1 if it is not 64 hex digits. */
int fingerprint_normalize(const char *in, char out[CERT_HEX_LEN + 1]);
/* A SHA-256 digest as the upper-case hex every fingerprint here is written in. */
void cert_hex32(const unsigned char bin[32], char out[CERT_HEX_LEN + 1]);

int certlist_add(struct certlist *l, struct cert *c);
void certlist_sort(struct certlist *l);
/* Removes later duplicates (same SHA-256) from a sorted list; returns how many were removed. */
size_t certlist_dedup(struct certlist *l);
/* The cert with this SHA-256, or NULL. Linear; for small lists. */
struct cert *certlist_find(const struct certlist *l, const char *sha256);
/* Moves every cert of src to the end of dst; src is left empty. */
int certlist_take_all(struct certlist *dst, struct certlist *src);
void certlist_free(struct certlist *l);

#endif
