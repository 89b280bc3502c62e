/* probe_tds.c - SQL Server (MS-TDS): a PRELOGIN message with the ENCRYPTION option, then the TLS
 * handshake carried as the payload of TDS PRELOGIN (0x12) packets until it completes; or, TDS 8.0
 * "strict", TLS first with ALPN "tds/8.0". The ENCRYPTION the client sends is ENCRYPT_OFF, so the
 * server's answer says what it enforces: ENCRYPT_REQ (forced), ENCRYPT_OFF (login only),
 * ENCRYPT_NOT_SUP (none). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "probe.h"
#include "strv.h"

#define TDS_PRELOGIN 0x12
#define TDS_REPLY 0x04
#define TDS_EOM 0x01
#define TDS_HDR 8
#define TDS_PACKET_MAX 4096

enum {
	PL_VERSION = 0x00,
	PL_ENCRYPTION = 0x01,
	PL_INSTOPT = 0x02,
	PL_THREADID = 0x03,
	PL_MARS = 0x04,
	PL_TERMINATOR = 0xFF
};
enum { ENCRYPT_OFF = 0, ENCRYPT_ON = 1, ENCRYPT_NOT_SUP = 2, ENCRYPT_REQ = 3 };

static void tds_header(unsigned char *h, unsigned type, unsigned status, size_t len,
                       unsigned char id)
{
	h[0] = (unsigned char)type;
	h[1] = (unsigned char)status;
	h[2] = (unsigned char)(len >> 8);
	h[3] = (unsigned char)len;
	h[4] = h[5] = 0; /* SPID */
	h[6] = id;       /* PacketID */
	h[7] = 0;        /* Window */
}

/* A whole TDS message (packets up to EOM) into buf; its type in *type. */
static int tds_read_message(struct probe_conn *c, unsigned char *buf, size_t cap, size_t *len,
                            unsigned *type, char *why, size_t n)
{
	*len = 0;
	for (;;) {
		unsigned char h[TDS_HDR];
		size_t plen;

		if (probe_recv(c, h, TDS_HDR, why, n) < 0)
			return -1;
		plen = (size_t)h[2] << 8 | h[3];
		if (plen < TDS_HDR || *len + plen - TDS_HDR > cap) {
			snprintf(why, n, "not a TDS server: packet length %zu", plen);
			return -1;
		}
		*type = h[0];
		if (probe_recv(c, buf + *len, plen - TDS_HDR, why, n) < 0)
			return -1;
		*len += plen - TDS_HDR;
		if (h[1] & TDS_EOM)
			return 0;
	}
}

static const char *encrypt_name(unsigned v)
{
	static const char *const names[] = {"ENCRYPT_OFF", "ENCRYPT_ON", "ENCRYPT_NOT_SUP",
	                                    "ENCRYPT_REQ"};

	return v < 4 ? names[v] : "unknown";
}

static int tds_start(struct probe_conn *c, struct probe_preamble *p, char *why, size_t n)
{
	/* Options: VERSION (6), ENCRYPTION (1), INSTOPT (1: ""), THREADID (4), MARS (1). */
	unsigned char msg[TDS_HDR + 64], reply[TDS_PACKET_MAX * 4];
	unsigned char *o = msg + TDS_HDR;
	const unsigned char lens[5] = {6, 1, 1, 4, 1};
	size_t off = 5 * 5 + 1, rlen, k = 0;
	unsigned type, enc = 256;
	int have_version = 0;
	unsigned char ver[6] = {0};

	for (unsigned t = 0; t < 5; t++) {
		o[k++] = (unsigned char)t;
		o[k++] = (unsigned char)(off >> 8);
		o[k++] = (unsigned char)off;
		o[k++] = 0;
		o[k++] = lens[t];
		off += lens[t];
	}
	o[k++] = PL_TERMINATOR;
	memset(o + k, 0, off - k);
	/* client version 0.0.0 is allowed ("not used by the server"); ENCRYPTION = ENCRYPT_OFF */
	o[k + 6] = ENCRYPT_OFF;
	tds_header(msg, TDS_PRELOGIN, TDS_EOM, TDS_HDR + off, 1);
	c->tds_packet_id = 1;
	if (probe_send(c, msg, TDS_HDR + off, why, n) < 0 ||
	    tds_read_message(c, reply, sizeof(reply), &rlen, &type, why, n) < 0)
		return -1;
	if (type != TDS_REPLY) {
		snprintf(why, n, "not a TDS server: PRELOGIN answered with packet type 0x%02X",
		         type);
		return -1;
	}
	for (size_t i = 0; i < rlen && reply[i] != PL_TERMINATOR; i += 5) {
		size_t oo, ol;

		if (i + 5 > rlen) {
			snprintf(why, n, "not a TDS server: truncated PRELOGIN option list");
			return -1;
		}
		oo = (size_t)reply[i + 1] << 8 | reply[i + 2];
		ol = (size_t)reply[i + 3] << 8 | reply[i + 4];
		if (oo + ol > rlen) {
			snprintf(why, n, "not a TDS server: PRELOGIN option past the message");
			return -1;
		}
		if (reply[i] == PL_ENCRYPTION && ol >= 1)
			enc = reply[oo] & 0x7F; /* 0x80 is ENCRYPT_CLIENT_CERT */
		if (reply[i] == PL_VERSION && ol >= 6) {
			memcpy(ver, reply + oo, 6);
			have_version = 1;
		}
	}
	if (enc == 256) {
		snprintf(why, n, "not a TDS server: PRELOGIN reply without ENCRYPTION");
		return -1;
	}
	if (have_version)
		snprintf(p->server, sizeof(p->server), "SQL Server %u.%u.%u", ver[0], ver[1],
		         (unsigned)ver[2] << 8 | ver[3]);
	snprintf(p->detail, sizeof(p->detail), "PRELOGIN ENCRYPTION=%s", encrypt_name(enc));
	switch (enc) {
	case ENCRYPT_NOT_SUP:
		p->tls = PROBE_TLS_NOT_OFFERED;
		break;
	case ENCRYPT_OFF:
		p->tls = PROBE_TLS_LOGIN_ONLY;
		break;
	case ENCRYPT_ON:
	case ENCRYPT_REQ:
		p->tls = PROBE_TLS_REQUIRED;
		break;
	default:
		snprintf(why, n, "not a TDS server: ENCRYPTION value %u", enc);
		return -1;
	}
	c->tds_left = 0;
	return 0;
}

/* TLS records out: each write one or more PRELOGIN packets. */
static ssize_t tds_push(gnutls_transport_ptr_t t, const void *data, size_t len)
{
	struct probe_conn *c = t;
	const unsigned char *d = data;
	size_t done = 0;
	char why[64];

	while (done < len) {
		unsigned char pkt[TDS_PACKET_MAX];
		size_t chunk = len - done;

		if (chunk > TDS_PACKET_MAX - TDS_HDR)
			chunk = TDS_PACKET_MAX - TDS_HDR;
		c->tds_packet_id++;
		tds_header(pkt, TDS_PRELOGIN, done + chunk == len ? TDS_EOM : 0, TDS_HDR + chunk,
		           c->tds_packet_id);
		memcpy(pkt + TDS_HDR, d + done, chunk);
		if (probe_send(c, pkt, TDS_HDR + chunk, why, sizeof(why)) < 0)
			return -1; /* errno set by send / poll */
		done += chunk;
	}
	return (ssize_t)len;
}

/* TLS records in: the payload of the server's PRELOGIN packets. */
static ssize_t tds_pull(gnutls_transport_ptr_t t, void *data, size_t len)
{
	struct probe_conn *c = t;
	ssize_t r;

	while (c->tds_left == 0) {
		unsigned char h[TDS_HDR];
		size_t got = 0, plen;

		while (got < TDS_HDR) {
			r = probe_recv_some(c, h + got, TDS_HDR - got);
			if (r <= 0)
				return r;
			got += (size_t)r;
		}
		plen = (size_t)h[2] << 8 | h[3];
		if (h[0] != TDS_PRELOGIN || plen < TDS_HDR) {
			errno = EPROTO;
			return -1;
		}
		c->tds_left = plen - TDS_HDR;
	}
	if (len > c->tds_left)
		len = c->tds_left;
	r = probe_recv_some(c, data, len);
	if (r > 0)
		c->tds_left -= (size_t)r;
	return r;
}

static int tds_settings(const struct probe_url *u, const char *bundle, enum probe_bundle_kind kind,
                        char ***v, size_t *n)
{
	const char *enc = u->tls_first ? "strict" : "true";

	switch (kind) {
	case PROBE_BUNDLE_PEM:
		if (strv_addf(
		            v, n,
		            "JDBC (mssql-jdbc): jdbc:sqlserver://%s:%s;encrypt=%s;"
		            "trustServerCertificate=false;hostNameInCertificate=%s;"
		            "trustStore=TRUSTSTORE (this bundle as a Java store: rootwarden bundle "
		            "--format java-pkcs12)",
		            u->host, u->port, enc, u->host) < 0 ||
		    strv_addf(
		            v, n,
		            "ADO.NET (Microsoft.Data.SqlClient): Server=tcp:%s,%s;Encrypt=%s;"
		            "TrustServerCertificate=False (on Linux the root must be in the system "
		            "store: copy %s to /usr/local/share/ca-certificates/*.crt, "
		            "update-ca-certificates)",
		            u->host, u->port, u->tls_first ? "Strict" : "True", bundle) < 0 ||
		    strv_addf(
		            v, n,
		            "ODBC (msodbcsql18): Server=%s,%s;Encrypt=%s;TrustServerCertificate=no "
		            "(the root from the system store, as for ADO.NET)",
		            u->host, u->port, u->tls_first ? "strict" : "yes") < 0)
			return -1;
		return 0;
	case PROBE_BUNDLE_JKS:
	case PROBE_BUNDLE_PKCS12:
		return strv_addf(v, n,
		                 "JDBC (mssql-jdbc): jdbc:sqlserver://%s:%s;encrypt=%s;"
		                 "trustServerCertificate=false;hostNameInCertificate=%s;"
		                 "trustStore=%s;trustStoreType=%s;trustStorePassword=(the store "
		                 "password)",
		                 u->host, u->port, enc, u->host, bundle,
		                 kind == PROBE_BUNDLE_JKS ? "JKS" : "PKCS12") < 0
		               ? -1
		               : 0;
	default:
		return 0;
	}
}

const struct probe_scheme probe_scheme_tds = {
        .name = "sqlserver",
        .aliases = {"mssql", NULL},
        .default_port = "1433",
        .alpn_tls_first = "tds/8.0",
        .tls_first_option = "encrypt=strict",
        .start = tds_start,
        .push = tds_push,
        .pull = tds_pull,
        .min_tls_fix = "sudo /opt/mssql/bin/mssql-conf set network.tlsprotocols 1.2 (Azure "
                       "SQL: Minimum TLS version 1.2)",
        .tls_on_fix = "sudo /opt/mssql/bin/mssql-conf set network.forceencryption 1",
        .client_settings = tds_settings,
};
