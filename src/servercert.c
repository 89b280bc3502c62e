/* servercert.c - the rules any TLS server certificate must meet, checked with GnuTLS. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "date.h"
#include "servercert.h"

#define OID_SERVER_AUTH "1.3.6.1.5.5.7.3.1"
#define OID_CLIENT_AUTH "1.3.6.1.5.5.7.3.2"
#define REISSUE                                                                                    \
	"reissue the certificate (certtool template: tls_www_server, signing_key, "                \
	"encryption_key, dns_name = HOST)"

#define ADD(f, subj, rule, v, fix, ...)                                                            \
	(findings_add(f, subj, rule, v, fix, __VA_ARGS__) < 0 ? -1 : 0)

time_t servercert_time(time_t o_at)
{
	if (o_at)
		return o_at;
	if (getenv("ROOTWARDEN_NOW"))
		return date_start(date_today());
	return time(NULL);
}

static const char *who(const struct servercert_opts *o)
{
	return o->who ? o->who : "a TLS client";
}

static int rule_validity(gnutls_x509_crt_t crt, const char *subj, const struct servercert_opts *o,
                         struct findings *out)
{
	time_t at = servercert_time(o->at), nb = gnutls_x509_crt_get_activation_time(crt),
	       na = gnutls_x509_crt_get_expiration_time(crt);
	int warn_days = o->warn_days > 0 ? o->warn_days : SERVERCERT_WARN_DAYS;
	const char *renew =
	        o->renew_fix ? o->renew_fix : "renew the certificate and reload the server";
	char a[21], b[21], now[21];
	long days = (long)((na - at) / 86400);

	time_format(nb, a);
	time_format(na, b);
	time_format(at, now);
	if (at < nb)
		return ADD(out, subj, "validity", V_FAIL,
		           "wait until notBefore, or reissue the certificate with a current date",
		           "not yet valid at %s: valid from %s to %s", now, a, b);
	if (at > na)
		return ADD(out, subj, "validity", V_FAIL, renew, "expired on %s (checked at %s)", b,
		           now);
	if (days < warn_days)
		return ADD(out, subj, "validity", V_WARN, "renew the certificate before it expires",
		           "expires in %ld day%s on %s (warning window %d days)", days,
		           days == 1 ? "" : "s", b, warn_days);
	return ADD(out, subj, "validity", V_PASS, NULL, "valid from %s to %s (%ld days left)", a, b,
	           days);
}

static int rule_eku(gnutls_x509_crt_t crt, const char *subj, const struct servercert_opts *o,
                    struct findings *out)
{
	char oid[128];
	struct buf seen;
	int found = 0, rc;

	buf_init(&seen, 4096);
	for (unsigned i = 0;; i++) {
		size_t size = sizeof(oid);

		if (gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &size, NULL) < 0)
			break;
		if (strcmp(oid, OID_SERVER_AUTH) == 0)
			found = 1;
		buf_printf(&seen, "%s%s%s", i ? ", " : "", oid,
		           strcmp(oid, OID_SERVER_AUTH) == 0   ? " (serverAuth)"
		           : strcmp(oid, OID_CLIENT_AUTH) == 0 ? " (clientAuth)"
		                                               : "");
	}
	if (found)
		rc = ADD(out, subj, "eku", V_PASS, NULL,
		         "Extended Key Usage includes serverAuth (%s)", OID_SERVER_AUTH);
	else if (seen.len == 0 && o->eku_optional)
		rc = ADD(out, subj, "eku", V_PASS, NULL,
		         "no Extended Key Usage extension: every purpose is allowed");
	else if (seen.len == 0)
		rc = ADD(out, subj, "eku", V_FAIL, REISSUE,
		         "no Extended Key Usage: %s needs Server Authentication (%s)", who(o),
		         OID_SERVER_AUTH);
	else
		rc = ADD(out, subj, "eku", V_FAIL, REISSUE,
		         "Extended Key Usage %s lacks Server Authentication (%s)", seen.data,
		         OID_SERVER_AUTH);
	buf_free(&seen);
	return rc;
}

static int rule_key_usage(gnutls_x509_crt_t crt, const char *subj, const struct servercert_opts *o,
                          struct findings *out)
{
	unsigned ku = 0, bits = 0;
	int pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
	int r = gnutls_x509_crt_get_key_usage(crt, &ku, NULL);
	int rsa = pk == GNUTLS_PK_RSA;
	char missing[64] = "";

	if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		return ADD(out, subj, "key-usage", V_PASS, NULL,
		           "no keyUsage extension: every usage is allowed");
	if (r < 0)
		return ADD(out, subj, "key-usage", V_FAIL, REISSUE, "unreadable keyUsage: %s",
		           gnutls_strerror(r));
	if (!(ku & GNUTLS_KEY_DIGITAL_SIGNATURE))
		strcat(missing, "digitalSignature");
	if (rsa && !(ku & GNUTLS_KEY_KEY_ENCIPHERMENT))
		strcat(missing, *missing ? ", keyEncipherment" : "keyEncipherment");
	if (*missing)
		return ADD(out, subj, "key-usage", V_FAIL, REISSUE,
		           "keyUsage lacks %s (%s needs key exchange%s)", missing, who(o),
		           rsa ? ": keyEncipherment for RSA" : "");
	return ADD(out, subj, "key-usage", V_PASS, NULL, "keyUsage allows digitalSignature%s",
	           rsa ? " and keyEncipherment" : "");
}

void servercert_names(gnutls_x509_crt_t crt, struct buf *b)
{
	char s[512];
	size_t size = sizeof(s);
	size_t start = b->len;

	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, s, &size) == 0)
		buf_printf(b, "CN=%s", s);
	for (unsigned i = 0;; i++) {
		int t;

		size = sizeof(s);
		t = gnutls_x509_crt_get_subject_alt_name(crt, i, s, &size, NULL);
		if (t < 0 && t != GNUTLS_E_SHORT_MEMORY_BUFFER)
			break;
		if (t == GNUTLS_SAN_DNSNAME) {
			buf_printf(b, "%sDNS:%s", b->len > start ? ", " : "", s);
		} else if (t == GNUTLS_SAN_IPADDRESS && (size == 4 || size == 16)) {
			char ip[INET6_ADDRSTRLEN];

			if (inet_ntop(size == 4 ? AF_INET : AF_INET6, s, ip, sizeof(ip)))
				buf_printf(b, "%sIP:%s", b->len > start ? ", " : "", ip);
		}
	}
	if (b->len == start)
		buf_puts(b, "no names");
}

static int rule_hostname(gnutls_x509_crt_t crt, const char *subj, const struct servercert_opts *o,
                         struct findings *out)
{
	struct buf names;
	int rc = 0;

	if (o->n_hosts == 0)
		return ADD(out, subj, "hostname", V_WARN,
		           o->host_hint ? o->host_hint
		                        : "give the name clients put in their connection string",
		           "no host given: the certificate's names are not checked");
	buf_init(&names, 8192);
	servercert_names(crt, &names);
	for (size_t i = 0; i < o->n_hosts && rc == 0; i++) {
		const char *h = o->hosts[i];
		char fix[600];

		if (gnutls_x509_crt_check_hostname2(crt, h, 0)) {
			rc = ADD(out, subj, "hostname", V_PASS, NULL, "%s matches (%s)", h,
			         names.data);
			continue;
		}
		snprintf(fix, sizeof(fix),
		         "reissue the certificate with subjectAltName DNS:%s (certtool: dns_name = "
		         "\"%s\")",
		         h, h);
		rc = ADD(out, subj, "hostname", V_FAIL, fix, "%s does not match %s", h, names.data);
	}
	buf_free(&names);
	return rc;
}

static int rule_key_strength(gnutls_x509_crt_t crt, const char *subj,
                             const struct servercert_opts *o, struct findings *out)
{
	unsigned bits = 0;
	int pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
	const char *name = gnutls_pk_get_name((gnutls_pk_algorithm_t)pk);

	if (pk == GNUTLS_PK_RSA && bits < 2048)
		return ADD(out, subj, "key-strength", V_WARN,
		           "reissue with an RSA key of 2048 bits or more (certtool --bits 2048)",
		           "RSA key of %u bits, weaker than 2048", bits);
	if (pk == GNUTLS_PK_ECDSA && bits < 256)
		return ADD(out, subj, "key-strength", V_WARN,
		           "reissue with an EC key on P-256 or stronger",
		           "EC key of %u bits, weaker than P-256", bits);
	if (pk != GNUTLS_PK_RSA && pk != GNUTLS_PK_ECDSA)
		return ADD(out, subj, "key-strength", V_WARN,
		           "reissue with an RSA (2048+) or ECDSA (P-256+) key",
		           "%s key: %s expect RSA or ECDSA", name ? name : "unknown",
		           o->who ? "SQL Server clients" : "many clients");
	return ADD(out, subj, "key-strength", V_PASS, NULL, "%s key of %u bits", name, bits);
}

static int rule_signature_hash(gnutls_x509_crt_t crt, const char *subj, struct findings *out)
{
	int sa = gnutls_x509_crt_get_signature_algorithm(crt);
	gnutls_digest_algorithm_t h = gnutls_sign_get_hash_algorithm((gnutls_sign_algorithm_t)sa);
	const char *sname = gnutls_sign_get_name((gnutls_sign_algorithm_t)sa);

	if (sname == NULL)
		sname = "unknown";
	if (h == GNUTLS_DIG_MD5 || h == GNUTLS_DIG_SHA1 || h == GNUTLS_DIG_MD2)
		return ADD(out, subj, "signature-hash", V_FAIL,
		           "reissue the certificate signed with SHA-256 or stronger",
		           "signed with %s: OpenSSL security level 2 (Linux clients) refuses "
		           "MD5 and SHA-1",
		           sname);
	if (h == GNUTLS_DIG_SHA224)
		return ADD(out, subj, "signature-hash", V_WARN,
		           "reissue the certificate signed with SHA-256 or stronger",
		           "signed with %s, weaker than SHA-256", sname);
	return ADD(out, subj, "signature-hash", V_PASS, NULL, "signed with %s", sname);
}

int servercert_check_crt(gnutls_x509_crt_t crt, const char *subject,
                         const struct servercert_opts *o, struct findings *out, struct rw_err *e)
{
	if (rule_validity(crt, subject, o, out) < 0 || rule_eku(crt, subject, o, out) < 0 ||
	    rule_key_usage(crt, subject, o, out) < 0 || rule_hostname(crt, subject, o, out) < 0 ||
	    rule_key_strength(crt, subject, o, out) < 0 ||
	    rule_signature_hash(crt, subject, out) < 0)
		return err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", subject);
	return 0;
}

void servercert_label(gnutls_x509_crt_t c, char *out, size_t n)
{
	size_t size = n;

	if (gnutls_x509_crt_get_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME, 0, 0, out, &size) < 0)
		snprintf(out, n, "(no CN)");
}

static int time_ok(gnutls_x509_crt_t c, time_t at)
{
	return at >= gnutls_x509_crt_get_activation_time(c) &&
	       at <= gnutls_x509_crt_get_expiration_time(c);
}

int servercert_chain(gnutls_x509_crt_t *chain, unsigned n, gnutls_x509_trust_list_t tl, time_t at,
                     struct servercert_chain_result *out)
{
	unsigned status = 0;
	int r;

	memset(out, 0, sizeof(*out));
	/* Times are checked below against 'at', not the clock. */
	r = gnutls_x509_trust_list_verify_crt2(tl, chain, n, NULL, 0,
	                                       GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
	                                               GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS,
	                                       &status, NULL);
	if (r < 0 || status != 0) {
		gnutls_datum_t txt = {NULL, 0};

		if (r == 0 && gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509,
		                                                           &txt, 0) < 0)
			return -1;
		snprintf(out->reason, sizeof(out->reason), "%s",
		         r < 0      ? gnutls_strerror(r)
		         : txt.data ? (char *)txt.data
		                    : "untrusted");
		gnutls_free(txt.data);
		out->verdict = SC_CHAIN_UNTRUSTED;
		return 0;
	}
	for (unsigned i = 1; i < n; i++)
		if (!time_ok(chain[i], at)) {
			char label[256];

			servercert_label(chain[i], label, sizeof(label));
			snprintf(out->reason, sizeof(out->reason),
			         "intermediate '%s' is not valid at the time checked", label);
			out->verdict = SC_CHAIN_INTERMEDIATE_TIME;
			return 0;
		}
	/* The anchor: the issuer of the last certificate, or the last certificate itself when it
	 * is the anchor (a self-signed leaf, or a chain sent with its root). */
	if (gnutls_x509_trust_list_get_issuer(tl, chain[n - 1], &out->anchor_crt,
	                                      GNUTLS_TL_GET_COPY) < 0)
		out->anchor_crt = NULL;
	if (out->anchor_crt)
		servercert_label(out->anchor_crt, out->anchor, sizeof(out->anchor));
	else
		servercert_label(chain[n - 1], out->anchor, sizeof(out->anchor));
	if (out->anchor_crt && !time_ok(out->anchor_crt, at)) {
		snprintf(out->reason, sizeof(out->reason),
		         "the root '%s' is not valid at the time checked", out->anchor);
		out->verdict = SC_CHAIN_ANCHOR_TIME;
	}
	return 0;
}
