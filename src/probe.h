/*
 * probe.h - what a live database server presents over TLS: the engine of 'rootwarden probe'.
 *
 * A probe connects to URL's host and port, speaks the protocol's preamble up to where TLS starts
 * (one file per protocol, one row each in the scheme table of probe.c), runs a TLS handshake with
 * GnuTLS and stops: it never logs in and sends nothing after the handshake. Per endpoint it makes
 * PROBE_N_ATTEMPTS independent connections: one with GnuTLS's default priorities (what a default
 * client gets, and the chain as sent) and one per protocol version (TLS 1.0, 1.1, 1.2, 1.3, each
 * alone). Every attempt of every endpoint is a job for a pool of at most opts.concurrency threads;
 * each connection has a connect deadline and a handshake deadline.
 *
 * Schemes (query options in brackets):
 *   postgres://host[:5432][?sslnegotiation=direct]  SSLRequest, answer 'S' / 'N'; direct: TLS
 *                                                   first with ALPN "postgresql" (PostgreSQL 17)
 *   mysql://host[:3306]                             HandshakeV10; SSLRequest if CLIENT_SSL
 *   sqlserver://host[:1433][?encrypt=strict]        TDS PRELOGIN (ENCRYPTION), then TLS carried
 *                                                   in TDS packets; strict: TLS first, ALPN
 *                                                   "tds/8.0" (TDS 8.0)
 *   tls://host:port, https://host[:443]             plain TLS
 * (postgresql:// and mariadb:// are accepted as aliases.)
 *
 * Contract:
 * - probe_url_parse() fills a struct probe_url (no allocation; the url string is borrowed) or
 *   fails with "URL: why" and RW_CHECK_UNKNOWN.
 * - probe_run() fills out[i] for urls[i]; the caller releases each with probe_result_free() (safe
 *   on a zeroed struct). A server that cannot be reached or does not answer is a result (reachable
 *   = 0, error says why), not a failure: probe_run fails (-1) only when it cannot start threads
 *   or runs out of memory. Nothing here prints; results are data (probe_assess.h judges them).
 */
#ifndef RW_PROBE_H
#define RW_PROBE_H

#include <gnutls/gnutls.h>
#include <stddef.h>
#include <sys/types.h>

#include "cert.h"
#include "err.h"

enum probe_version { PROBE_TLS10, PROBE_TLS11, PROBE_TLS12, PROBE_TLS13, PROBE_N_VERSIONS };
#define PROBE_N_ATTEMPTS (1 + PROBE_N_VERSIONS)

/* What the preamble says about TLS. */
enum probe_tls {
	PROBE_TLS_UNKNOWN = 0,
	PROBE_TLS_NOT_OFFERED, /* cleartext only: PostgreSQL 'N', MySQL without CLIENT_SSL,
	                          TDS ENCRYPT_NOT_SUP */
	PROBE_TLS_OFFERED,     /* offered; whether cleartext is refused is not visible before login
	                          (pg_hba hostssl, require_secure_transport) */
	PROBE_TLS_LOGIN_ONLY,  /* TDS ENCRYPT_OFF: the login is encrypted, the data may not be */
	PROBE_TLS_REQUIRED,    /* TDS ENCRYPT_REQ / ENCRYPT_ON: the server forces encryption */
	PROBE_TLS_FIRST,       /* TLS before any protocol byte (direct / strict / plain TLS) */
};

enum probe_outcome { PROBE_NOT_TRIED = 0, PROBE_ACCEPTED, PROBE_REFUSED, PROBE_FAILED };

struct probe_scheme;

struct probe_url {
	const char *url; /* borrowed */
	const struct probe_scheme *scheme;
	char host[256]; /* without brackets for IPv6 */
	char port[8];
	int tls_first; /* postgres direct, sqlserver strict, tls, https */
};

/* One connection in progress: what the protocol files use. */
struct probe_conn {
	int fd;
	double deadline; /* monotonic seconds */
	const struct probe_url *u;
	/* TDS: bytes left in the TDS packet being read (TLS records inside TDS packets) */
	size_t tds_left;
	unsigned char tds_packet_id;
};

struct probe_preamble {
	enum probe_tls tls;
	char detail[256]; /* "SSLRequest answered 'S'", "PRELOGIN ENCRYPTION=ENCRYPT_REQ" */
	char server[128]; /* "MariaDB 10.11.6", "TDS server version 16.0.1000" ... or "" */
};

/* How a bundle is laid out, as far as clients care: which clients read it as it is. */
enum probe_bundle_kind {
	PROBE_BUNDLE_PEM, /* one PEM file: libpq, OpenSSL-based clients, curl, JDBC drivers ... */
	PROBE_BUNDLE_CAPATH, /* a directory of OpenSSL subject-hash names (openssl-directory) */
	PROBE_BUNDLE_JKS,    /* Java stores: JDBC drivers and javax.net.ssl.trustStore */
	PROBE_BUNDLE_PKCS12,
	PROBE_BUNDLE_OTHER, /* DER, PKCS #7, a directory without hash names: no client setting */
};

struct probe_scheme {
	const char *name; /* "postgres" */
	const char *aliases[2];
	const char *default_port;   /* NULL: the URL must give one */
	const char *alpn_tls_first; /* ALPN when TLS comes first, NULL: none */
	const char *
	        tls_first_option; /* query option that selects TLS first: "sslnegotiation=direct" */
	int always_tls_first;
	/* Speaks the protocol up to where the TLS handshake starts. 0 with p filled (p->tls ==
	 * PROBE_TLS_NOT_OFFERED: no TLS here), or -1 with why (the server said something else). */
	int (*start)(struct probe_conn *c, struct probe_preamble *p, char *why, size_t n);
	/* TLS transport; NULL: the socket as it is. */
	gnutls_push_func push;
	gnutls_pull_func pull;
	/* Texts for the report: the server setting that sets the minimum TLS version, and the
	 * one that turns TLS on. */
	const char *min_tls_fix;
	const char *tls_on_fix;
	/* Appends the client settings that verify this server with a bundle laid out as kind (one
	 * line each, "client: setting"; only clients that read that layout; a store's password
	 * is never written, only named). */
	int (*client_settings)(const struct probe_url *u, const char *bundle,
	                       enum probe_bundle_kind kind, char ***v, size_t *n);
};

struct probe_opts {
	int concurrency;          /* threads; default 32 */
	int connect_timeout_ms;   /* default 3000 */
	int handshake_timeout_ms; /* default 5000 (preamble and handshake of one connection) */
};

struct probe_attempt {
	enum probe_outcome outcome;
	char error[256];  /* why it was refused or failed */
	char version[16]; /* "TLS1.3" */
	char cipher[96];  /* "TLS_AES_256_GCM_SHA384" (GnuTLS suite name) */
	char alpn[32];    /* negotiated ALPN, "" none */
};

struct probe_result {
	struct probe_url u;
	int reachable; /* 0: error says why (connection refused, timed out, not this protocol) */
	char error[256];
	struct probe_preamble pre;
	struct probe_attempt deflt;                     /* GnuTLS default priorities */
	struct probe_attempt version[PROBE_N_VERSIONS]; /* each version alone */
	struct certlist chain;                          /* as sent, in the order sent */
	double seconds;                                 /* wall time of its slowest attempt */
};

int probe_url_parse(const char *url, struct probe_url *out, struct rw_err *e);
void probe_opts_init(struct probe_opts *o);
int probe_run(const struct probe_url *urls, size_t n, const struct probe_opts *o,
              struct probe_result *out, struct rw_err *e);
void probe_result_free(struct probe_result *r);

const char *probe_version_name(enum probe_version v); /* "TLS1.0" ... */
const char *probe_tls_name(enum probe_tls t);         /* "not-offered", "offered", ... */
const char *probe_outcome_name(enum probe_outcome o); /* "accepted", "refused", ... */
const struct probe_scheme *probe_scheme_find(const char *name);

/* For the protocol files (probe_<proto>.c): bounded socket I/O against c->deadline. Each returns
 * 0 (the whole buffer), or -1 with why: "timed out", "connection closed", strerror. */
int probe_send(struct probe_conn *c, const void *p, size_t n, char *why, size_t wn);
int probe_recv(struct probe_conn *c, void *p, size_t n, char *why, size_t wn);
/* Up to n bytes (at least 1): the byte count, 0 on EOF, -1 (errno set; ETIMEDOUT at the
 * deadline). */
ssize_t probe_recv_some(struct probe_conn *c, void *p, size_t n);

/* The protocol rows (one file each). */
extern const struct probe_scheme probe_scheme_postgres;
extern const struct probe_scheme probe_scheme_mysql;
extern const struct probe_scheme probe_scheme_tds;
extern const struct probe_scheme probe_scheme_tls;
extern const struct probe_scheme probe_scheme_https;

#endif
