/* probe_mysql.c - MySQL / MariaDB: read the server's HandshakeV10 and, when it offers
 * CLIENT_SSL, send the SSLRequest (a short HandshakeResponse41) after which TLS starts. */
#include <stdio.h>
#include <string.h>

#include "probe.h"
#include "strv.h"

#define CLIENT_LONG_PASSWORD 0x00000001u
#define CLIENT_PROTOCOL_41 0x00000200u
#define CLIENT_SSL 0x00000800u
#define CLIENT_SECURE_CONNECTION 0x00008000u
#define CLIENT_PLUGIN_AUTH 0x00080000u
#define PACKET_MAX 65536

static int my_start(struct probe_conn *c, struct probe_preamble *p, char *why, size_t n)
{
	unsigned char hdr[4], pkt[PACKET_MAX], req[36] = {0};
	size_t len, i, vend;
	unsigned caps;

	if (probe_recv(c, hdr, 4, why, n) < 0)
		return -1;
	len = hdr[0] | (size_t)hdr[1] << 8 | (size_t)hdr[2] << 16;
	if (len < 1 || len > sizeof(pkt)) {
		snprintf(why, n, "not a MySQL server: greeting of %zu bytes", len);
		return -1;
	}
	if (probe_recv(c, pkt, len, why, n) < 0)
		return -1;
	if (pkt[0] == 0xFF) {
		/* ERR packet: error code (2), then the message (no SQL state before the handshake)
		 */
		int ml = len > 3 ? (int)(len - 3) : 0;

		snprintf(why, n, "the server refused the connection: %.*s", ml > 200 ? 200 : ml,
		         (const char *)pkt + 3);
		return -1;
	}
	if (pkt[0] != 10) {
		snprintf(why, n, "not a MySQL server: protocol version %u", pkt[0]);
		return -1;
	}
	vend = 1;
	while (vend < len && pkt[vend] != '\0')
		vend++;
	/* version NUL, thread id (4), auth data (8), filler (1), capability flags low (2) */
	i = vend + 1 + 4 + 8 + 1;
	if (vend >= len || i + 2 > len) {
		snprintf(why, n, "not a MySQL server: short HandshakeV10");
		return -1;
	}
	caps = pkt[i] | (unsigned)pkt[i + 1] << 8;
	if (i + 2 + 1 + 2 + 2 <= len)
		caps |= (unsigned)(pkt[i + 5] | pkt[i + 6] << 8) << 16;
	snprintf(p->server, sizeof(p->server), "%s %.*s",
	         strstr((const char *)pkt + 1, "MariaDB") ? "MariaDB" : "MySQL", (int)(vend - 1),
	         (const char *)pkt + 1);
	if (!(caps & CLIENT_SSL)) {
		p->tls = PROBE_TLS_NOT_OFFERED;
		snprintf(p->detail, sizeof(p->detail),
		         "HandshakeV10 without CLIENT_SSL (server %.*s)", (int)(vend - 1),
		         (const char *)pkt + 1);
		return 0;
	}
	/* SSLRequest: 32-byte payload, sequence id 1: capabilities, max packet, charset, 23 zero
	 * bytes (MariaDB reads its extended capabilities from the last 4: none asked). */
	{
		unsigned want = CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL |
		                CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH;
		unsigned maxp = 16u << 20;

		req[0] = 32;
		req[3] = 1;
		for (int k = 0; k < 4; k++) {
			req[4 + k] = (unsigned char)(want >> (8 * k));
			req[8 + k] = (unsigned char)(maxp >> (8 * k));
		}
		req[12] = 45; /* utf8mb4_general_ci */
	}
	if (probe_send(c, req, sizeof(req), why, n) < 0)
		return -1;
	p->tls = PROBE_TLS_OFFERED;
	snprintf(p->detail, sizeof(p->detail), "HandshakeV10 offers CLIENT_SSL");
	return 0;
}

static int my_settings(const struct probe_url *u, const char *bundle, enum probe_bundle_kind kind,
                       char ***v, size_t *n)
{
	switch (kind) {
	case PROBE_BUNDLE_PEM:
		if (strv_addf(
		            v, n,
		            "mysql (Oracle client): --host=%s --port=%s --ssl-mode=VERIFY_IDENTITY "
		            "--ssl-ca=%s",
		            u->host, u->port, bundle) < 0 ||
		    strv_addf(v, n,
		              "mariadb client: --host=%s --port=%s --ssl --ssl-verify-server-cert "
		              "--ssl-ca=%s",
		              u->host, u->port, bundle) < 0 ||
		    strv_addf(v, n,
		              "JDBC (MySQL Connector/J): "
		              "jdbc:mysql://%s:%s/DB?sslMode=VERIFY_IDENTITY&"
		              "trustCertificateKeyStoreUrl=file:TRUSTSTORE (this bundle as a Java "
		              "store: rootwarden bundle --format java-pkcs12)",
		              u->host, u->port) < 0 ||
		    strv_addf(v, n,
		              "JDBC (MariaDB Connector/J): "
		              "jdbc:mariadb://%s:%s/DB?sslMode=verify-full&"
		              "serverSslCert=%s",
		              u->host, u->port, bundle) < 0 ||
		    strv_addf(v, n,
		              "MySqlConnector (ADO.NET): "
		              "Server=%s;Port=%s;SslMode=VerifyFull;SslCa=%s",
		              u->host, u->port, bundle) < 0)
			return -1;
		return 0;
	case PROBE_BUNDLE_CAPATH:
		if (strv_addf(
		            v, n,
		            "mysql (Oracle client): --host=%s --port=%s --ssl-mode=VERIFY_IDENTITY "
		            "--ssl-capath=%s",
		            u->host, u->port, bundle) < 0 ||
		    strv_addf(v, n,
		              "mariadb client: --host=%s --port=%s --ssl --ssl-verify-server-cert "
		              "--ssl-capath=%s",
		              u->host, u->port, bundle) < 0)
			return -1;
		return 0;
	case PROBE_BUNDLE_JKS:
	case PROBE_BUNDLE_PKCS12: {
		const char *type = kind == PROBE_BUNDLE_JKS ? "JKS" : "PKCS12";

		if (strv_addf(v, n,
		              "JDBC (MySQL Connector/J): "
		              "jdbc:mysql://%s:%s/DB?sslMode=VERIFY_IDENTITY&"
		              "trustCertificateKeyStoreUrl=file:%s&trustCertificateKeyStoreType=%s&"
		              "trustCertificateKeyStorePassword=(the store password)",
		              u->host, u->port, bundle, type) < 0 ||
		    strv_addf(v, n,
		              "JDBC (MariaDB Connector/J): "
		              "jdbc:mariadb://%s:%s/DB?sslMode=verify-full&"
		              "trustStore=file:%s&trustStoreType=%s&trustStorePassword=(the store "
		              "password)",
		              u->host, u->port, bundle, type) < 0)
			return -1;
		return 0;
	}
	default:
		return 0;
	}
}

const struct probe_scheme probe_scheme_mysql = {
        .name = "mysql",
        .aliases = {"mariadb", NULL},
        .default_port = "3306",
        .start = my_start,
        .min_tls_fix = "my.cnf [mysqld]: tls_version = TLSv1.2,TLSv1.3 (Azure: server "
                       "parameter tls_version)",
        .tls_on_fix = "my.cnf [mysqld]: ssl_cert, ssl_key, ssl_ca and "
                      "require_secure_transport = ON",
        .client_settings = my_settings,
};
