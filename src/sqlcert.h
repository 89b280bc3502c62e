/*
 * sqlcert.h - does a certificate (and its key, chain and mssql.conf) meet SQL Server's rules.
 *
 * The certificate rules (validity .. signature-hash, chain) are servercert.h's, applied with SQL
 * Server's words; this module adds SQL Server's policy: the key, the key file, mssql.conf.
 *
 * Rules (findings.h; subject = the certificate, key or mssql.conf path):
 *   validity        valid at the time checked (FAIL outside, WARN within warn_days of notAfter)
 *   eku             Extended Key Usage holds serverAuth 1.3.6.1.5.5.7.3.1 (FAIL if absent)
 *   key-usage       keyUsage allows digitalSignature, and keyEncipherment for RSA (an absent
 *                   extension allows every usage)
 *   hostname        the certificate matches each host (gnutls_x509_crt_check_hostname2: one
 *                   finding per host)
 *   key-strength    RSA >= 2048 bits, EC >= 256 bits (WARN below)
 *   signature-hash  SHA-256 or stronger (FAIL for MD5 / SHA-1)
 *   private-key     a key is present, unencrypted, and its public key matches the certificate's
 *   chain           the chain (intermediates from the certificate file) verifies to a trust anchor
 *                   of the bundle, or of the system store; every certificate of the chain and the
 *                   anchor are valid at the time checked
 *   key-file-type, key-owner, key-mode, key-acl, key-parent-dirs, key-service-access
 *                   keyperm.h's mssql policy on the key file (when check_key_perms is set)
 *   forceencryption, tlsprotocols
 *                   from mssql.conf (when conf is given): forceencryption off or not set and
 *                   tlsprotocols allowing 1.0 or 1.1 (or not set: all allowed) are WARN
 *
 * Contract: sqlcert_check() appends findings and returns 0 when it could check; it returns -1 with
 * a "path: why" message and status RW_CHECK_UNKNOWN when it could not: the certificate or key file
 * is missing or unreadable or not a certificate, a PKCS#12 password is wrong or missing, the
 * bundle holds no certificate. The caller owns everything it passes; nothing is written.
 */
#ifndef RW_SQLCERT_H
#define RW_SQLCERT_H

#include <gnutls/x509.h>
#include <stddef.h>
#include <time.h>

#include "err.h"
#include "findings.h"
#include "mssql_conf.h"

#define SQLCERT_WARN_DAYS 30

struct sqlcert_opts {
	const char *cert_path;     /* PEM or DER (leaf first, then intermediates) or PKCS#12;
	                              NULL: conf->tlscert */
	const char *key_path;      /* NULL: conf->tlskey, else the key inside the PKCS#12 */
	const char *password_file; /* PKCS#12 password on its first line; NULL: none/empty */
	const char *const *hosts;
	size_t n_hosts;
	const char *bundle; /* trust anchors: a PEM file or a directory; NULL: system store */
	time_t at;          /* 0: now (or ROOTWARDEN_NOW) */
	int warn_days;      /* 0: SQLCERT_WARN_DAYS */
	const struct mssql_conf *conf; /* NULL: no mssql.conf rules */
	int check_key_perms;           /* apply the mssql key-file policy to the key file */
	const char *service_user;      /* owner the key-file policy wants; NULL: mssql */
};

int sqlcert_check(const struct sqlcert_opts *o, struct findings *out, struct rw_err *e);

/* The rules on the certificate alone (validity, eku, key-usage, hostname, key-strength,
 * signature-hash), findings under 'subject'. 0, or -1 when out of memory. */
int sqlcert_check_crt(gnutls_x509_crt_t crt, const char *subject, const struct sqlcert_opts *o,
                      struct findings *out, struct rw_err *e);

/* The mssql.conf rules (forceencryption, tlsprotocols). */
int sqlcert_check_conf(const struct mssql_conf *conf, struct findings *out, struct rw_err *e);

#endif
