/*
 * testutil.h - fixtures for the tests, generated with GnuTLS (no pasted certificates).
 *
 * Contract: every function either succeeds or fails the running cmocka test (fail_msg), so tests
 * read straight. Memory returned is the caller's (free / tu_cert_free). Keys are cached per type so
 * that a test file generating many certificates does not spend its time in RSA key generation.
 */
#ifndef RW_TESTUTIL_H
#define RW_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

enum tu_key_type { TU_EC_P256 = 0, TU_EC_P384, TU_RSA_2048, TU_RSA_1024, TU_KEY_TYPES };

struct tu_cert_opts {
	const char *cn;                 /* subject CN (NULL: none; then set org) */
	const char *org;                /* subject O, optional */
	int ca;                         /* basicConstraints CA:TRUE (else CA:FALSE) */
	int no_basic_constraints;       /* leave basicConstraints out */
	unsigned key_usage;             /* GNUTLS_KEY_* bits; 0 = leave out */
	const char *const *eku;         /* OIDs, NULL-terminated; NULL = leave out */
	const char *const *dns;         /* SAN dNSNames, NULL-terminated; NULL = none */
	time_t not_before;              /* 0 = now - 1 day */
	time_t not_after;               /* 0 = now + 365 days */
	gnutls_digest_algorithm_t hash; /* 0 = SHA-256 */
	enum tu_key_type key;           /* subject key type */
	int fresh_key;                  /* generate a new key instead of the cached one */
	unsigned serial;                /* 0 = a counter */
	/* Issuer: NULL = self-signed. */
	gnutls_x509_crt_t issuer;
	gnutls_x509_privkey_t issuer_key;
};

struct tu_cert {
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t key; /* owned unless cached (then not freed) */
	int key_owned;
	gnutls_datum_t der; /* gnutls_free'd by tu_cert_free */
	gnutls_datum_t pem;
};

void tu_cert_opts_init(struct tu_cert_opts *o, const char *cn);
/* A CA root, self-signed, with keyCertSign|cRLSign. */
struct tu_cert *tu_root(const char *cn, enum tu_key_type key);
struct tu_cert *tu_make(const struct tu_cert_opts *o);
void tu_cert_free(struct tu_cert *c);
gnutls_x509_privkey_t tu_key(enum tu_key_type t);
/* PEM of a private key (PKCS#8, unencrypted); caller gnutls_free's data. */
gnutls_datum_t tu_key_pem(gnutls_x509_privkey_t k);

/* Points TMPDIR at a private directory (0755) in a tree hooks may run from (hooks.h refuses a hook
 * below a group- or world-writable directory, so /tmp will not do): under the current directory
 * (ctest runs tests in the build tree) when it is safe, else /run, else $HOME. 1 when found;
 * 0 (with a note on stderr) when not: a test that runs hooks then skips. */
int tu_safe_tmpdir(void);
/* Files. tu_tmpdir makes a fresh directory under $TMPDIR (or /tmp); tu_rmrf removes a tree. */
char *tu_tmpdir(void);
void tu_rmrf(const char *path);
void tu_write(const char *path, const void *data, size_t len);
void tu_writef(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *tu_path(const char *dir, const char *name); /* malloc'd dir/name */
/* Whole file, NUL-terminated; *len may be NULL. fail_msg if unreadable. */
char *tu_read(const char *path, size_t *len);
/* $RW_SOURCE_DIR/rel (the source tree), malloc'd. */
char *tu_source(const char *rel);
/* Runs argv (execvp), stdout/stderr captured to *out (may be NULL); returns exit status. */
int tu_run(char *const argv[], char **out);

#endif
