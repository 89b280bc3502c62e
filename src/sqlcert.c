/* sqlcert.c - SQL Server's certificate requirements, checked with GnuTLS. */
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
#include "servercert.h"
#include "sqlcert.h"

#define INPUT_MAX ((size_t)4 << 20)
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
	return servercert_time(o->at);
}

#define ADD(f, subj, rule, v, fix, ...)                                                            \
	(findings_add(f, subj, rule, v, fix, __VA_ARGS__) < 0 ? -1 : 0)

int sqlcert_check_crt(gnutls_x509_crt_t crt, const char *subject, const struct sqlcert_opts *o,
                      struct findings *out, struct rw_err *e)
{
	struct servercert_opts so = {
	        .hosts = o->hosts,
	        .n_hosts = o->n_hosts,
	        .at = o->at,
	        .warn_days = o->warn_days > 0 ? o->warn_days : SQLCERT_WARN_DAYS,
	        .who = "SQL Server",
	        .renew_fix = "renew the certificate, update network.tlscert and restart SQL Server",
	        .host_hint = "give --host FQDN: the name clients put in their connection string",
	};

	return servercert_check_crt(crt, subject, &so, out, e);
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
	/* an empty first line is an empty password, which a PKCS #12 file may have */
	if (s->o->password_file && file_read_password(s->o->password_file, 1, &pass, e) < 0) {
		unknown(e);
		goto out;
	}
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
		gnutls_memset(pass, 0, strlen(pass));
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

static int rule_chain(struct sc *s, struct rw_err *e)
{
	gnutls_x509_trust_list_t tl = NULL;
	struct servercert_chain_result cr = {0};
	const char *where = s->o->bundle ? s->o->bundle : "the system trust store";
	const char *fix_where = s->o->bundle ? "the bundle" : "the system store";
	time_t at = check_time(s->o);
	char fix[512];
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
	if (servercert_chain(s->chain, s->n_chain, tl, at, &cr) < 0)
		goto out;
	snprintf(fix, sizeof(fix),
	         "put the issuing intermediates in the certificate file after the certificate, "
	         "and make sure the root is in %s",
	         fix_where);
	switch (cr.verdict) {
	case SC_CHAIN_UNTRUSTED:
		rc = ADD(s->out, s->cert_path, "chain", V_FAIL, fix,
		         "does not verify to a root in %s: %s", where, cr.reason);
		break;
	case SC_CHAIN_INTERMEDIATE_TIME:
		rc = ADD(s->out, s->cert_path, "chain", V_FAIL,
		         "replace the intermediate with its current version from the CA", "%s",
		         cr.reason);
		break;
	case SC_CHAIN_ANCHOR_TIME:
		rc = ADD(s->out, s->cert_path, "chain", V_FAIL, fix,
		         "the root '%s' in %s is not "
		         "valid at the time checked",
		         cr.anchor, where);
		break;
	case SC_CHAIN_OK:
		rc = ADD(s->out, s->cert_path, "chain", V_PASS, NULL,
		         "verifies to '%s' in %s (%u certificate%s in the file)", cr.anchor, where,
		         s->n_chain, s->n_chain == 1 ? "" : "s");
		break;
	}
out:
	if (cr.anchor_crt)
		gnutls_x509_crt_deinit(cr.anchor_crt);
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
