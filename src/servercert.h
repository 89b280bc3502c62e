/*
 * servercert.h - the rules that apply to ANY TLS server certificate, whoever serves it (SQL
 * Server, PostgreSQL, MySQL, a web server): validity, EKU serverAuth, key usage, host names,
 * key strength, signature hash, and whether a chain verifies to a set of trust anchors.
 * sqlcert.c (SQL Server's policy) and probe_assess.c (a live server) both apply them.
 *
 * Rules (findings.h; subject = what the caller names: a path or a URL):
 *   validity        valid at the time checked (FAIL outside, WARN within warn_days of notAfter)
 *   eku             Extended Key Usage holds serverAuth 1.3.6.1.5.5.7.3.1 (FAIL if absent; with
 *                   eku_optional an absent extension allows every purpose, as OpenSSL reads it)
 *   key-usage       keyUsage allows digitalSignature, and keyEncipherment for RSA (an absent
 *                   extension allows every usage)
 *   hostname        the certificate matches each host, RFC 6125 (gnutls_x509_crt_check_hostname2:
 *                   one finding per host; WARN when no host is given)
 *   key-strength    RSA >= 2048 bits, EC >= 256 bits (WARN below)
 *   signature-hash  SHA-256 or stronger (FAIL for MD5 / SHA-1, WARN for SHA-224)
 *
 * Contract: servercert_check_crt() appends findings and returns 0, or -1 with e set when out of
 * memory. servercert_chain() verifies and returns a typed result (no findings); it never prints.
 * The caller owns everything it passes.
 */
#ifndef RW_SERVERCERT_H
#define RW_SERVERCERT_H

#include <gnutls/x509.h>
#include <stddef.h>
#include <time.h>

#include "err.h"
#include "findings.h"

#define SERVERCERT_WARN_DAYS 30

struct servercert_opts {
	const char *const *hosts;
	size_t n_hosts;
	time_t at;     /* 0: now (or ROOTWARDEN_NOW) */
	int warn_days; /* 0: SERVERCERT_WARN_DAYS */
	/* Words of the policy in messages: who needs the rule ("SQL Server"; NULL: "a TLS client")
	 * and how to renew ("renew the certificate, update network.tlscert and restart SQL
	 * Server"; NULL: a generic text). */
	const char *who;
	const char *renew_fix;
	const char *host_hint; /* fix when no host is given; NULL: generic */
	int eku_optional;      /* no EKU extension = any purpose (SQL Server insists on one) */
};

/* The time a check is done at: o_at if set, else 00:00 UTC of ROOTWARDEN_NOW, else now. */
time_t servercert_time(time_t o_at);

int servercert_check_crt(gnutls_x509_crt_t crt, const char *subject,
                         const struct servercert_opts *o, struct findings *out, struct rw_err *e);

/* "CN=x, DNS:a, IP:b" (or "no names") appended to b; for messages. */
void servercert_names(gnutls_x509_crt_t crt, struct buf *b);

/* The subject CN, else "(no CN)". */
void servercert_label(gnutls_x509_crt_t c, char *out, size_t n);

enum servercert_chain_verdict {
	SC_CHAIN_OK = 0,
	SC_CHAIN_UNTRUSTED,         /* no anchor of tl verifies it (reason says why) */
	SC_CHAIN_INTERMEDIATE_TIME, /* an intermediate is not valid at the time checked */
	SC_CHAIN_ANCHOR_TIME,       /* the anchor is not valid at the time checked */
};

struct servercert_chain_result {
	enum servercert_chain_verdict verdict;
	char reason[512]; /* the GnuTLS status text, or the certificate that is out of time */
	char anchor[256]; /* label of the anchor it verified to ("" when none) */
	gnutls_x509_crt_t anchor_crt; /* a copy of the anchor (caller deinits), or NULL */
};

/* Verifies chain (leaf first) to the anchors of tl; signatures and names via GnuTLS, times
 * against 'at' (not the clock), for every certificate of the chain and the anchor. 0, or -1
 * only when out of memory. */
int servercert_chain(gnutls_x509_crt_t *chain, unsigned n, gnutls_x509_trust_list_t tl, time_t at,
                     struct servercert_chain_result *out);

#endif
