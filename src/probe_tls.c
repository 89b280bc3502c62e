/* probe_tls.c - plain TLS (tls://host:port, https://host[:443]): the handshake is the first
 * thing on the connection. */
#include "probe.h"
#include "strv.h"

static int tls_start(struct probe_conn *c, struct probe_preamble *p, char *why, size_t n)
{
	p->tls = PROBE_TLS_FIRST;
	return 0;
}

static int tls_settings(const struct probe_url *u, const char *bundle, enum probe_bundle_kind kind,
                        char ***v, size_t *n)
{
	switch (kind) {
	case PROBE_BUNDLE_PEM:
		if (strv_addf(v, n,
		              "openssl: openssl s_client -connect %s:%s -servername %s "
		              "-verify_hostname %s -verify_return_error -CAfile %s",
		              u->host, u->port, u->host, u->host, bundle) < 0 ||
		    strv_addf(v, n, "curl: curl --cacert %s https://%s:%s/", bundle, u->host,
		              u->port) < 0 ||
		    strv_addf(v, n, "gnutls-cli: gnutls-cli --x509cafile %s -p %s %s", bundle,
		              u->port, u->host) < 0)
			return -1;
		return 0;
	case PROBE_BUNDLE_CAPATH:
		if (strv_addf(v, n,
		              "openssl: openssl s_client -connect %s:%s -servername %s "
		              "-verify_hostname %s -verify_return_error -CApath %s",
		              u->host, u->port, u->host, u->host, bundle) < 0 ||
		    strv_addf(v, n, "curl: curl --capath %s https://%s:%s/", bundle, u->host,
		              u->port) < 0)
			return -1;
		return 0;
	case PROBE_BUNDLE_JKS:
	case PROBE_BUNDLE_PKCS12:
		return strv_addf(v, n,
		                 "Java: -Djavax.net.ssl.trustStore=%s "
		                 "-Djavax.net.ssl.trustStoreType=%s "
		                 "-Djavax.net.ssl.trustStorePassword=(the store password)",
		                 bundle, kind == PROBE_BUNDLE_JKS ? "JKS" : "PKCS12") < 0
		               ? -1
		               : 0;
	default:
		return 0;
	}
}

const struct probe_scheme probe_scheme_tls = {
        .name = "tls",
        .always_tls_first = 1,
        .start = tls_start,
        .min_tls_fix = "configure the server to refuse TLS 1.0 and 1.1 (OpenSSL: "
                       "MinProtocol = TLSv1.2)",
        .tls_on_fix = "serve TLS on this port",
        .client_settings = tls_settings,
};

const struct probe_scheme probe_scheme_https = {
        .name = "https",
        .default_port = "443",
        .always_tls_first = 1,
        .start = tls_start,
        .min_tls_fix = "configure the server to refuse TLS 1.0 and 1.1 (OpenSSL: "
                       "MinProtocol = TLSv1.2)",
        .tls_on_fix = "serve TLS on this port",
        .client_settings = tls_settings,
};
