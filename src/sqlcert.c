/* sqlcert.c - SQL Server's certificate requirements, checked with GnuTLS. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs12.h>
#include <gnutls/x509.h>

#include "date.h"
#include "fileio.h"
#include "keyperm.h"
#include "sqlcert.h"

#define OID_SERVER_AUTH "1.3.6.1.5.5.7.3.1"
#define OID_CLIENT_AUTH "1.3.6.1.5.5.7.3.2"
#define INPUT_MAX ((size_t)4 << 20)
#define REISSUE                                                                                    \
	"reissue the certificate (certtool template: tls_www_server, signing_key, "                \
	"encryption_key, dns_name = HOST)"

/* What one check holds; everything is freed in sqlcert_check(). */
struct sc {
	const struct sqlcert_opts *o;
	struct findings *out;
	const char *cert_path, *key_path;
	gnutls_x509_crt_t *chain; /* leaf first */
	unsigned n_chain;
	gnutls_x509_privkey_t key; /* from the PKCS#12 or the key file */
	int key_from_p12;
	int pem_has_key; /* the certificate file also holds a PEM private key */
	int oom;
};

static void unknown(struct rw_err *e)
{
	if (e)
		e->status = RW_CHECK_UNKNOWN;
}

static time_t check_time(const struct sqlcert_opts *o)
{
	if (o->at)
		return o->at;
	if (getenv("ROOTWARDEN_NOW"))
		return date_start(date_today());
	return time(NULL);
}

static void when(time_t t, char out[21])
{
	time_format(t, out);
}

#define ADD(f, subj, rule, v, fix, ...)                                                            \
	(findings_add(f, subj, rule, v, fix, __VA_ARGS__) < 0 ? -1 : 0)

static int rule_validity(gnutls_x509_crt_t crt, const char *subj, const struct sqlcert_opts *o,
                         struct findings *out)
{
	time_t at = check_time(o), nb = gnutls_x509_crt_get_activation_time(crt),
	       na = gnutls_x509_crt_get_expiration_time(crt);
	int warn_days = o->warn_days > 0 ? o->warn_days : SQLCERT_WARN_DAYS;
	char a[21], b[21], now[21];
	long days = (long)((na - at) / 86400);

	when(nb, a);
	when(na, b);
	when(at, now);
	if (at < nb)
		return ADD(out, subj, "validity", V_FAIL,
		           "wait until notBefore, or reissue the certificate with a current date",
		           "not yet valid at %s: valid from %s to %s", now, a, b);
	if (at > na)
		return ADD(out, subj, "validity", V_FAIL,
		           "renew the certificate, update network.tlscert and restart SQL Server",
		           "expired on %s (checked at %s)", b, now);
	if (days < warn_days)
		return ADD(out, subj, "validity", V_WARN,
		           "renew the certificate before it expires and restart SQL Server",
		           "expires in %ld day%s on %s (warning window %d days)", days,
		           days == 1 ? "" : "s", b, warn_days);
	return ADD(out, subj, "validity", V_PASS, NULL, "valid from %s to %s (%ld days left)", a, b,
	           days);
}

static int rule_eku(gnutls_x509_crt_t crt, const char *subj, struct findings *out)
{
	char oid[128];
	struct buf seen;
	int found = 0, r = 0, rc;

	buf_init(&seen, 4096);
	for (unsigned i = 0;; i++) {
		size_t size = sizeof(oid);

		r = gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &size, NULL);
		if (r < 0)
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
	else if (seen.len == 0)
		rc = ADD(out, subj, "eku", V_FAIL, REISSUE,
		         "no Extended Key Usage: SQL Server needs Server Authentication (%s)",
		         OID_SERVER_AUTH);
	else
		rc = ADD(out, subj, "eku", V_FAIL, REISSUE,
		         "Extended Key Usage %s lacks Server Authentication (%s)", seen.data,
		         OID_SERVER_AUTH);
	buf_free(&seen);
	return rc;
}

static int rule_key_usage(gnutls_x509_crt_t crt, const char *subj, struct findings *out)
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
		           "keyUsage lacks %s (SQL Server needs key exchange%s)", missing,
		           rsa ? ": keyEncipherment for RSA" : "");
	return ADD(out, subj, "key-usage", V_PASS, NULL, "keyUsage allows digitalSignature%s",
	           rsa ? " and keyEncipherment" : "");
}

/* "CN=x, DNS:a, DNS:b, IP:..." for messages. */
static void crt_names(gnutls_x509_crt_t crt, struct buf *b)
{
	char s[512];
	size_t size = sizeof(s);

	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, s, &size) == 0)
		buf_printf(b, "CN=%s", s);
	for (unsigned i = 0;; i++) {
		int t;

		size = sizeof(s);
		t = gnutls_x509_crt_get_subject_alt_name(crt, i, s, &size, NULL);
		if (t < 0 && t != GNUTLS_E_SHORT_MEMORY_BUFFER)
			break;
		if (t == GNUTLS_SAN_DNSNAME) {
			buf_printf(b, "%sDNS:%s", b->len ? ", " : "", s);
		} else if (t == GNUTLS_SAN_IPADDRESS && (size == 4 || size == 16)) {
			char ip[INET6_ADDRSTRLEN];

			if (inet_ntop(size == 4 ? AF_INET : AF_INET6, s, ip, sizeof(ip)))
				buf_printf(b, "%sIP:%s", b->len ? ", " : "", ip);
		}
	}
	if (b->len == 0)
		buf_puts(b, "no names");
}

static int rule_hostname(gnutls_x509_crt_t crt, const char *subj, const struct sqlcert_opts *o,
                         struct findings *out)
{
	struct buf names;
	int rc = 0;

	if (o->n_hosts == 0)
		return ADD(out, subj, "hostname", V_WARN,
		           "give --host FQDN: the name clients put in their connection string",
		           "no host given: the certificate's names are not checked");
	buf_init(&names, 8192);
	crt_names(crt, &names);
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

static int rule_key_strength(gnutls_x509_crt_t crt, const char *subj, struct findings *out)
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
		           "%s key: SQL Server clients expect RSA or ECDSA",
		           name ? name : "unknown");
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

int sqlcert_check_crt(gnutls_x509_crt_t crt, const char *subject, const struct sqlcert_opts *o,
                      struct findings *out, struct rw_err *e)
{
	if (rule_validity(crt, subject, o, out) < 0 || rule_eku(crt, subject, out) < 0 ||
	    rule_key_usage(crt, subject, out) < 0 || rule_hostname(crt, subject, o, out) < 0 ||
	    rule_key_strength(crt, subject, out) < 0 || rule_signature_hash(crt, subject, out) < 0)
		return err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", subject);
	return 0;
}

int sqlcert_check_conf(const struct mssql_conf *c, struct findings *out, struct rw_err *e)
{
	int rc = 0;

	if (c->forceencryption == 1)
		rc |= ADD(out, c->path, "forceencryption", V_PASS, NULL,
		          "forceencryption = 1 (line %d): every connection is encrypted",
		          c->line_forceencryption);
	else if (c->forceencryption == 0)
		rc |= ADD(out, c->path, "forceencryption", V_WARN,
		          "sudo /opt/mssql/bin/mssql-conf set network.forceencryption 1",
		          "forceencryption = 0 (line %d): clients may connect unencrypted",
		          c->line_forceencryption);
	else
		rc |= ADD(
		        out, c->path, "forceencryption", V_WARN,
		        "sudo /opt/mssql/bin/mssql-conf set network.forceencryption 1",
		        "forceencryption is not set (default 0): clients may connect unencrypted");
	if (c->tlsprotocols == NULL)
		rc |= ADD(out, c->path, "tlsprotocols", V_WARN,
		          "sudo /opt/mssql/bin/mssql-conf set network.tlsprotocols 1.2",
		          "tlsprotocols is not set: SQL Server then allows every protocol it "
		          "supports, 1.0 and 1.1 included");
	else if (c->tls_protocols & (MSSQL_TLS10 | MSSQL_TLS11))
		rc |= ADD(out, c->path, "tlsprotocols", V_WARN,
		          "sudo /opt/mssql/bin/mssql-conf set network.tlsprotocols 1.2",
		          "tlsprotocols = %s (line %d) allows TLS %s", c->tlsprotocols,
		          c->line_tlsprotocols,
		          (c->tls_protocols & MSSQL_TLS10) && (c->tls_protocols & MSSQL_TLS11)
		                  ? "1.0 and 1.1"
		          : (c->tls_protocols & MSSQL_TLS10) ? "1.0"
		                                             : "1.1");
	else
		rc |= ADD(out, c->path, "tlsprotocols", V_PASS, NULL,
		          "tlsprotocols = %s (line %d): TLS 1.2 or newer only", c->tlsprotocols,
		          c->line_tlsprotocols);
	if (rc < 0)
		return err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", c->path);
	return 0;
}

/* The first line of a password file, without its line end. */
static int read_password(const char *path, char **out, struct rw_err *e)
{
	struct buf b;

	*out = NULL;
	if (file_read_all(path, 4096, &b, e) < 0) {
		buf_free(&b);
		unknown(e);
		return -1;
	}
	b.data[strcspn(b.data, "\r\n")] = '\0';
	*out = strdup(b.data);
	buf_free(&b);
	if (*out == NULL)
		return err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", path);
	return 0;
}

static int load_pkcs12(struct sc *s, const gnutls_datum_t *d, struct rw_err *e)
{
	gnutls_pkcs12_t p12 = NULL;
	gnutls_x509_crt_t *chain = NULL, *extra = NULL;
	unsigned n_chain = 0, n_extra = 0;
	char *pass = NULL;
	const char *use = NULL;
	int r, rc = -1;

	if (gnutls_pkcs12_init(&p12) < 0)
		return err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", s->cert_path);
	r = gnutls_pkcs12_import(p12, d, GNUTLS_X509_FMT_DER, 0);
	if (r < 0)
		r = gnutls_pkcs12_import(p12, d, GNUTLS_X509_FMT_PEM, 0);
	if (r < 0) {
		err_set(e, RW_CHECK_UNKNOWN,
		        "%s: not a certificate (PEM or DER) nor a PKCS#12 file", s->cert_path);
		goto out;
	}
	if (s->o->password_file && read_password(s->o->password_file, &pass, e) < 0)
		goto out;
	if (pass) {
		use = pass;
		if (gnutls_pkcs12_verify_mac(p12, pass) < 0) {
			err_set(e, RW_CHECK_UNKNOWN,
			        "%s: wrong password for this PKCS#12 file (from %s): its MAC does "
			        "not verify",
			        s->cert_path, s->o->password_file);
			goto out;
		}
	} else if (gnutls_pkcs12_verify_mac(p12, "") == 0) {
		use = "";
	} else if (gnutls_pkcs12_verify_mac(p12, NULL) < 0) {
		err_set(e, RW_CHECK_UNKNOWN,
		        "%s: a password-protected PKCS#12 file: give --password-file",
		        s->cert_path);
		goto out;
	}
	r = gnutls_pkcs12_simple_parse(p12, use, &s->key, &chain, &n_chain, &extra, &n_extra, NULL,
	                               0);
	if (r < 0 || n_chain == 0) {
		err_set(e, RW_CHECK_UNKNOWN, "%s: cannot read the PKCS#12 contents: %s",
		        s->cert_path, r < 0 ? gnutls_strerror(r) : "no certificate");
		goto out;
	}
	s->key_from_p12 = s->key != NULL;
	s->chain = gnutls_malloc((n_chain + n_extra) * sizeof(*s->chain));
	if (s->chain == NULL) {
		err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", s->cert_path);
		goto out;
	}
	for (unsigned i = 0; i < n_chain; i++) {
		s->chain[s->n_chain++] = chain[i];
		chain[i] = NULL;
	}
	for (unsigned i = 0; i < n_extra; i++) {
		s->chain[s->n_chain++] = extra[i];
		extra[i] = NULL;
	}
	rc = 0;
out:
	for (unsigned i = 0; chain && i < n_chain; i++)
		if (chain[i])
			gnutls_x509_crt_deinit(chain[i]);
	for (unsigned i = 0; extra && i < n_extra; i++)
		if (extra[i])
			gnutls_x509_crt_deinit(extra[i]);
	gnutls_free(chain);
	gnutls_free(extra);
	if (pass) {
		memset(pass, 0, strlen(pass));
		free(pass);
	}
	gnutls_pkcs12_deinit(p12);
	return rc;
}

static int load_cert(struct sc *s, struct rw_err *e)
{
	struct buf b;
	gnutls_datum_t d;
	gnutls_x509_crt_t *list = NULL;
	unsigned n = 0;
	int r, rc = -1;

	if (file_read_all(s->cert_path, INPUT_MAX, &b, e) < 0) {
		unknown(e);
		goto out;
	}
	d.data = (unsigned char *)b.data;
	d.size = (unsigned)b.len;
	s->pem_has_key = strstr(b.data, "PRIVATE KEY-----") != NULL;
	if (strstr(b.data, "-----BEGIN CERTIFICATE-----")) {
		r = gnutls_x509_crt_list_import2(&list, &n, &d, GNUTLS_X509_FMT_PEM,
		                                 GNUTLS_X509_CRT_LIST_SORT);
		/* Certificates that do not form one chain cannot be sorted: keep the file's order
		 * (the leaf first, as SQL Server and OpenSSL expect); the chain rule judges the
		 * rest. */
		if (r == GNUTLS_E_UNIMPLEMENTED_FEATURE || r == GNUTLS_E_CERTIFICATE_LIST_UNSORTED)
			r = gnutls_x509_crt_list_import2(&list, &n, &d, GNUTLS_X509_FMT_PEM, 0);
		if (r < 0) {
			err_set(e, RW_CHECK_UNKNOWN, "%s: bad PEM certificate: %s", s->cert_path,
			        gnutls_strerror(r));
			goto out;
		}
		s->chain = list;
		s->n_chain = n;
		list = NULL;
		rc = 0;
		goto out;
	}
	{
		gnutls_x509_crt_t one = NULL;

		if (gnutls_x509_crt_init(&one) < 0) {
			err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", s->cert_path);
			goto out;
		}
		if (gnutls_x509_crt_import(one, &d, GNUTLS_X509_FMT_DER) == 0) {
			s->chain = gnutls_malloc(sizeof(*s->chain));
			if (s->chain == NULL) {
				gnutls_x509_crt_deinit(one);
				err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", s->cert_path);
				goto out;
			}
			s->chain[0] = one;
			s->n_chain = 1;
			rc = 0;
			goto out;
		}
		gnutls_x509_crt_deinit(one);
	}
	rc = load_pkcs12(s, &d, e);
out:
	buf_free(&b);
	return rc;
}

static int rule_private_key(struct sc *s, struct rw_err *e)
{
	const char *subj = s->key_path ? s->key_path : s->cert_path;
	unsigned char kid1[64], kid2[64];
	size_t n1 = sizeof(kid1), n2 = sizeof(kid2);

	if (s->key == NULL && s->key_path) {
		struct buf b;
		gnutls_datum_t d;
		int r;

		if (file_read_all(s->key_path, INPUT_MAX, &b, e) < 0) {
			buf_free(&b);
			unknown(e);
			return -1;
		}
		d.data = (unsigned char *)b.data;
		d.size = (unsigned)b.len;
		if (gnutls_x509_privkey_init(&s->key) < 0) {
			buf_free(&b);
			return err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", s->key_path);
		}
		r = gnutls_x509_privkey_import2(s->key, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
		if (r < 0 && r != GNUTLS_E_DECRYPTION_FAILED)
			r = gnutls_x509_privkey_import2(s->key, &d, GNUTLS_X509_FMT_DER, NULL, 0);
		buf_free(&b);
		if (r < 0) {
			gnutls_x509_privkey_deinit(s->key);
			s->key = NULL;
			if (r == GNUTLS_E_DECRYPTION_FAILED)
				return ADD(
				        s->out, subj, "private-key", V_FAIL,
				        "store the key unencrypted (PEM), readable only by mssql",
				        "an encrypted private key: SQL Server on Linux cannot use "
				        "it");
			return ADD(s->out, subj, "private-key", V_FAIL,
			           "point network.tlskey at the certificate's private key (PEM)",
			           "not a private key (PEM or DER): %s", gnutls_strerror(r));
		}
	}
	if (s->key == NULL)
		return ADD(s->out, subj, "private-key", V_FAIL,
		           "give --key FILE (mssql.conf: network.tlskey)",
		           "no private key: give the key file, or a PKCS#12 file that holds it");
	if (gnutls_x509_crt_get_key_id(s->chain[0], GNUTLS_KEYID_USE_SHA256, kid1, &n1) < 0 ||
	    gnutls_x509_privkey_get_key_id(s->key, GNUTLS_KEYID_USE_SHA256, kid2, &n2) < 0 ||
	    n1 != n2 || memcmp(kid1, kid2, n1) != 0)
		return ADD(s->out, subj, "private-key", V_FAIL,
		           "use the key the certificate was issued for, or reissue the certificate "
		           "for this key",
		           "the private key does not match the certificate's public key");
	return ADD(s->out, subj, "private-key", V_PASS, NULL,
	           "%s matches the certificate's public key",
	           s->key_from_p12 ? "the private key in the PKCS#12 file" : "the private key");
}

static int time_ok(gnutls_x509_crt_t c, time_t at)
{
	return at >= gnutls_x509_crt_get_activation_time(c) &&
	       at <= gnutls_x509_crt_get_expiration_time(c);
}

static void crt_label(gnutls_x509_crt_t c, char *out, size_t n)
{
	size_t size = n;

	if (gnutls_x509_crt_get_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME, 0, 0, out, &size) < 0)
		snprintf(out, n, "(no CN)");
}

static int rule_chain(struct sc *s, struct rw_err *e)
{
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_x509_crt_t anchor = NULL;
	const char *where = s->o->bundle ? s->o->bundle : "the system trust store";
	const char *fix_where = s->o->bundle ? "the bundle" : "the system store";
	unsigned status = 0;
	time_t at = check_time(s->o);
	char fix[512], label[256];
	int r, rc = -1;

	if (gnutls_x509_trust_list_init(&tl, 0) < 0)
		return err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", s->cert_path);
	if (s->o->bundle) {
		struct stat st;

		if (stat(s->o->bundle, &st) < 0) {
			err_set(e, RW_CHECK_UNKNOWN, "%s: %s", s->o->bundle, strerror(errno));
			goto out;
		}
		r = S_ISDIR(st.st_mode)
		            ? gnutls_x509_trust_list_add_trust_dir(tl, s->o->bundle, NULL,
		                                                   GNUTLS_X509_FMT_PEM, 0, 0)
		            : gnutls_x509_trust_list_add_trust_file(tl, s->o->bundle, NULL,
		                                                    GNUTLS_X509_FMT_PEM, 0, 0);
		if (r <= 0 && !S_ISDIR(st.st_mode))
			r = gnutls_x509_trust_list_add_trust_file(tl, s->o->bundle, NULL,
			                                          GNUTLS_X509_FMT_DER, 0, 0);
		if (r <= 0) {
			err_set(e, RW_CHECK_UNKNOWN, "%s: no certificate to trust in it",
			        s->o->bundle);
			goto out;
		}
	} else if (gnutls_x509_trust_list_add_system_trust(tl, 0, 0) <= 0) {
		rc = ADD(s->out, s->cert_path, "chain", V_UNKNOWN, "give --bundle PATH",
		         "no system trust store to verify against");
		goto out;
	}
	/* Time is checked below against the time checked, not the clock. */
	r = gnutls_x509_trust_list_verify_crt2(tl, s->chain, s->n_chain, NULL, 0,
	                                       GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
	                                               GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS,
	                                       &status, NULL);
	snprintf(fix, sizeof(fix),
	         "put the issuing intermediates in the certificate file after the certificate, "
	         "and make sure the root is in %s",
	         fix_where);
	if (r < 0 || status != 0) {
		gnutls_datum_t txt = {NULL, 0};

		if (r == 0)
			gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &txt,
			                                             0);
		rc = ADD(s->out, s->cert_path, "chain", V_FAIL, fix,
		         "does not verify to a root in %s: %s", where,
		         r < 0      ? gnutls_strerror(r)
		         : txt.data ? (char *)txt.data
		                    : "untrusted");
		gnutls_free(txt.data);
		goto out;
	}
	for (unsigned i = 1; i < s->n_chain; i++)
		if (!time_ok(s->chain[i], at)) {
			crt_label(s->chain[i], label, sizeof(label));
			rc = ADD(s->out, s->cert_path, "chain", V_FAIL,
			         "replace the intermediate with its current version from the CA",
			         "intermediate '%s' is not valid at the time checked", label);
			goto out;
		}
	if (gnutls_x509_trust_list_get_issuer(tl, s->chain[s->n_chain - 1], &anchor,
	                                      GNUTLS_TL_GET_COPY) == 0 &&
	    !time_ok(anchor, at)) {
		crt_label(anchor, label, sizeof(label));
		rc = ADD(s->out, s->cert_path, "chain", V_FAIL, fix,
		         "the root '%s' in %s is not valid at the time checked", label, where);
		goto out;
	}
	if (anchor)
		crt_label(anchor, label, sizeof(label));
	else
		crt_label(s->chain[s->n_chain - 1], label, sizeof(label));
	rc = ADD(s->out, s->cert_path, "chain", V_PASS, NULL,
	         "verifies to '%s' in %s (%u certificate%s in the file)", label, where, s->n_chain,
	         s->n_chain == 1 ? "" : "s");
out:
	if (anchor)
		gnutls_x509_crt_deinit(anchor);
	gnutls_x509_trust_list_deinit(tl, 1);
	if (rc < 0 && e && e->msg[0] == '\0')
		err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", s->cert_path);
	return rc;
}

/* keyperm's mssql policy on the key file; its rules renamed key-*, its key-parse dropped
 * (private-key says it). */
static int rule_key_file(struct sc *s, const char *path, struct rw_err *e)
{
	struct keyperm_opts ko = {.policy = KP_MSSQL, .service_user = s->o->service_user};
	struct findings kf;
	int rc = -1;

	findings_init(&kf);
	if (keyperm_check(path, &ko, &kf, e) < 0)
		goto out;
	for (size_t i = 0; i < kf.n; i++) {
		char rule[64];

		if (strcmp(kf.v[i].rule, "key-parse") == 0)
			continue;
		snprintf(rule, sizeof(rule), "key-%s", kf.v[i].rule);
		if (findings_add(s->out, kf.v[i].subject, rule, kf.v[i].verdict, kf.v[i].fix, "%s",
		                 kf.v[i].reason) < 0) {
			err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", path);
			goto out;
		}
	}
	rc = 0;
out:
	findings_free(&kf);
	return rc;
}

int sqlcert_check(const struct sqlcert_opts *o, struct findings *out, struct rw_err *e)
{
	struct sc s = {.o = o, .out = out};
	int rc = -1;

	s.cert_path = o->cert_path ? o->cert_path : o->conf ? o->conf->tlscert : NULL;
	s.key_path = o->key_path ? o->key_path : o->conf ? o->conf->tlskey : NULL;
	if (s.cert_path == NULL)
		return err_set(e, RW_CHECK_UNKNOWN, "%s: network.tlscert is not set",
		               o->conf ? o->conf->path : "(no mssql.conf)");
	if (load_cert(&s, e) < 0)
		goto out;
	if (s.key == NULL && s.key_path == NULL && s.pem_has_key)
		s.key_path = s.cert_path; /* one PEM file with the certificate and its key */
	if (s.key && s.key_path) {
		/* a key file given beside a PKCS#12 wins */
		gnutls_x509_privkey_deinit(s.key);
		s.key = NULL;
		s.key_from_p12 = 0;
	}
	if (sqlcert_check_crt(s.chain[0], s.cert_path, o, out, e) < 0 ||
	    rule_private_key(&s, e) < 0 || rule_chain(&s, e) < 0)
		goto out;
	if (o->check_key_perms && (s.key_path || s.key_from_p12) &&
	    rule_key_file(&s, s.key_path ? s.key_path : s.cert_path, e) < 0)
		goto out;
	if (o->conf && sqlcert_check_conf(o->conf, out, e) < 0)
		goto out;
	rc = 0;
out:
	for (unsigned i = 0; i < s.n_chain; i++)
		gnutls_x509_crt_deinit(s.chain[i]);
	gnutls_free(s.chain); /* every path allocates it with gnutls_malloc */
	if (s.key)
		gnutls_x509_privkey_deinit(s.key);
	return rc;
}
