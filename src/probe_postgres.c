/* probe_postgres.c - PostgreSQL: the SSLRequest packet and its one-byte answer (protocol 3.0,
 * "SSL Session Encryption"), or TLS first with ALPN "postgresql" (PostgreSQL 17,
 * sslnegotiation=direct). */
#include <stdio.h>
#include <string.h>

#include "probe.h"
#include "strv.h"

static int pg_start(struct probe_conn *c, struct probe_preamble *p, char *why, size_t n)
{
	/* length 8, request code 1234.5679 */
	static const unsigned char ssl_request[8] = {0x00, 0x00, 0x00, 0x08,
	                                             0x04, 0xD2, 0x16, 0x2F};
	unsigned char answer;

	if (probe_send(c, ssl_request, sizeof(ssl_request), why, n) < 0 ||
	    probe_recv(c, &answer, 1, why, n) < 0)
		return -1;
	switch (answer) {
	case 'S':
		p->tls = PROBE_TLS_OFFERED;
		snprintf(p->detail, sizeof(p->detail), "SSLRequest answered 'S'");
		return 0;
	case 'N':
		p->tls = PROBE_TLS_NOT_OFFERED;
		snprintf(p->detail, sizeof(p->detail), "SSLRequest answered 'N' (ssl = off)");
		return 0;
	case 'E':
		snprintf(why, n,
		         "the server answered the SSLRequest with an error (not PostgreSQL "
		         "3.0, or refusing this host)");
		return -1;
	default:
		snprintf(why, n, "not a PostgreSQL server: SSLRequest answered 0x%02X", answer);
		return -1;
	}
}

static int pg_settings(const struct probe_url *u, const char *bundle, enum probe_bundle_kind kind,
                       char ***v, size_t *n)
{
	const char *direct = u->tls_first ? " sslnegotiation=direct" : "";

	switch (kind) {
	case PROBE_BUNDLE_PEM:
		if (strv_addf(v, n, "libpq: host=%s port=%s sslmode=verify-full sslrootcert=%s%s",
		              u->host, u->port, bundle, direct) < 0 ||
		    strv_addf(v, n,
		              "JDBC: jdbc:postgresql://%s:%s/DB?sslmode=verify-full&sslrootcert=%s",
		              u->host, u->port, bundle) < 0 ||
		    strv_addf(v, n,
		              "Npgsql (ADO.NET): Host=%s;Port=%s;SSL Mode=VerifyFull;Root "
		              "Certificate=%s",
		              u->host, u->port, bundle) < 0)
			return -1;
		return 0;
	case PROBE_BUNDLE_JKS:
	case PROBE_BUNDLE_PKCS12:
		return strv_addf(v, n,
		                 "JDBC: jdbc:postgresql://%s:%s/DB?sslmode=verify-full&"
		                 "sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory with "
		                 "-Djavax.net.ssl.trustStore=%s -Djavax.net.ssl.trustStoreType=%s "
		                 "-Djavax.net.ssl.trustStorePassword=(the store password)",
		                 u->host, u->port, bundle,
		                 kind == PROBE_BUNDLE_JKS ? "JKS" : "PKCS12") < 0
		               ? -1
		               : 0;
	default:
		return 0;
	}
}

const struct probe_scheme probe_scheme_postgres = {
        .name = "postgres",
        .aliases = {"postgresql", NULL},
        .default_port = "5432",
        .alpn_tls_first = "postgresql",
        .tls_first_option = "sslnegotiation=direct",
        .start = pg_start,
        .min_tls_fix = "postgresql.conf: ssl_min_protocol_version = 'TLSv1.2' (Azure: server "
                       "parameter ssl_min_protocol_version)",
        .tls_on_fix = "postgresql.conf: ssl = on with ssl_cert_file and ssl_key_file; "
                      "pg_hba.conf: hostssl lines only",
        .client_settings = pg_settings,
};
