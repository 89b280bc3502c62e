/* test_sqlcert.c - SQL Server's certificate rules on generated certificates: every rule passing
 * and failing, PKCS#12 with the right and the wrong password, a chain to a bundle root through an
 * intermediate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "date.h"
#include "findings.h"
#include "mssql_conf.h"
#include "sqlcert.h"

#define HOST "db.example.com"

static const char *const eku_server[] = {"1.3.6.1.5.5.7.3.1", NULL};
static const char *const eku_client[] = {"1.3.6.1.5.5.7.3.2", NULL};
static const char *const dns_host[] = {HOST, NULL};
static const char *const dns_wild[] = {"*.example.com", NULL};

struct fx {
	char *dir;
	struct tu_cert *root, *inter, *other_root;
	char *bundle, *other_bundle;
	struct findings f;
	struct rw_err e;
	int n;
};

static struct fx *fx_g;

static int group_setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	struct tu_cert_opts o;

	x->dir = tu_tmpdir();
	x->root = tu_root("rwtest Root", TU_EC_P384);
	tu_cert_opts_init(&o, "rwtest Intermediate");
	o.ca = 1;
	o.key = TU_EC_P256;
	o.key_usage = GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN;
	o.issuer = x->root->crt;
	o.issuer_key = x->root->key;
	x->inter = tu_make(&o);
	tu_cert_opts_init(&o, "rwtest Other Root");
	o.ca = 1;
	o.key = TU_EC_P384;
	o.fresh_key = 1;
	o.key_usage = GNUTLS_KEY_KEY_CERT_SIGN;
	x->other_root = tu_make(&o);
	x->bundle = tu_path(x->dir, "bundle.pem");
	tu_write(x->bundle, x->root->pem.data, x->root->pem.size);
	x->other_bundle = tu_path(x->dir, "other.pem");
	tu_write(x->other_bundle, x->other_root->pem.data, x->other_root->pem.size);
	findings_init(&x->f);
	fx_g = x;
	*state = x;
	return 0;
}

static int group_teardown(void **state)
{
	struct fx *x = *state;

	tu_rmrf(x->dir);
	free(x->dir);
	free(x->bundle);
	free(x->other_bundle);
	tu_cert_free(x->root);
	tu_cert_free(x->inter);
	tu_cert_free(x->other_root);
	findings_free(&x->f);
	free(x);
	return 0;
}

/* A leaf SQL Server accepts, issued by the intermediate; tests change what they test. */
static void good_opts(struct tu_cert_opts *o)
{
	tu_cert_opts_init(o, HOST);
	o->key = TU_RSA_2048;
	o->eku = eku_server;
	o->dns = dns_host;
	o->key_usage = GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT;
	o->issuer = fx_g->inter->crt;
	o->issuer_key = fx_g->inter->key;
}

struct files {
	char *cert, *key;
};

/* Writes leaf + intermediate (with_inter) and the leaf's key (or 'key' instead). */
static struct files write_files(struct tu_cert *leaf, int with_inter, gnutls_x509_privkey_t key)
{
	struct files fl;
	char name[64];
	gnutls_datum_t kp = tu_key_pem(key ? key : leaf->key);
	FILE *fp;

	snprintf(name, sizeof(name), "cert%d.pem", fx_g->n);
	fl.cert = tu_path(fx_g->dir, name);
	snprintf(name, sizeof(name), "key%d.pem", fx_g->n++);
	fl.key = tu_path(fx_g->dir, name);
	fp = fopen(fl.cert, "w");
	assert_non_null(fp);
	fwrite(leaf->pem.data, 1, leaf->pem.size, fp);
	if (with_inter)
		fwrite(fx_g->inter->pem.data, 1, fx_g->inter->pem.size, fp);
	fclose(fp);
	tu_write(fl.key, kp.data, kp.size);
	chmod(fl.key, 0600);
	gnutls_free(kp.data);
	return fl;
}

static void files_free(struct files *fl)
{
	free(fl->cert);
	free(fl->key);
}

static void base_opts(struct sqlcert_opts *so, const struct files *fl)
{
	static const char *const hosts[] = {HOST};

	memset(so, 0, sizeof(*so));
	so->cert_path = fl->cert;
	so->key_path = fl->key;
	so->hosts = hosts;
	so->n_hosts = 1;
	so->bundle = fx_g->bundle;
}

/* Runs the check; returns its status (3 when it could not check). */
static int run(const struct sqlcert_opts *so)
{
	findings_free(&fx_g->f);
	err_clear(&fx_g->e);
	if (sqlcert_check(so, &fx_g->f, &fx_g->e) < 0) {
		assert_int_equal(fx_g->e.status, RW_CHECK_UNKNOWN);
		return RW_CHECK_UNKNOWN;
	}
	return findings_status(&fx_g->f);
}

static void expect(const char *rule, enum verdict v, const char *reason_part)
{
	const struct finding *x = NULL;

	/* with several findings for a rule (hostname), the one with this verdict */
	for (size_t i = 0; i < fx_g->f.n; i++)
		if (strcmp(fx_g->f.v[i].rule, rule) == 0 &&
		    (x == NULL || fx_g->f.v[i].verdict == v))
			x = &fx_g->f.v[i];
	if (x == NULL)
		fail_msg("no finding for rule %s", rule);
	if (x->verdict != v)
		fail_msg("rule %s: %s (%s), expected %s", rule, verdict_name(x->verdict), x->reason,
		         verdict_name(v));
	if (reason_part && strstr(x->reason, reason_part) == NULL)
		fail_msg("rule %s: reason '%s' lacks '%s'", rule, x->reason, reason_part);
	if (v != V_PASS && x->fix == NULL)
		fail_msg("rule %s: %s without a fix", rule, verdict_name(v));
}

/* One leaf built from o, checked with the default options: its status. */
static int check_leaf(const struct tu_cert_opts *o, struct files *keep)
{
	struct tu_cert *leaf = tu_make(o);
	struct files fl = write_files(leaf, 1, NULL);
	struct sqlcert_opts so;
	int st;

	base_opts(&so, &fl);
	st = run(&so);
	tu_cert_free(leaf);
	if (keep)
		*keep = fl;
	else
		files_free(&fl);
	return st;
}

static void test_all_pass_via_intermediate(void **state)
{
	struct tu_cert_opts o;

	good_opts(&o);
	assert_int_equal(check_leaf(&o, NULL), RW_CHECK_OK);
	expect("validity", V_PASS, NULL);
	expect("eku", V_PASS, "serverAuth");
	expect("key-usage", V_PASS, NULL);
	expect("hostname", V_PASS, HOST);
	expect("key-strength", V_PASS, "2048");
	expect("signature-hash", V_PASS, "SHA256");
	expect("private-key", V_PASS, "matches");
	expect("chain", V_PASS, "rwtest Root");
	assert_int_equal(findings_count(&fx_g->f, V_PASS), fx_g->f.n);
}

static void test_chain_failures(void **state)
{
	struct tu_cert_opts o;
	struct tu_cert *leaf;
	struct files fl;
	struct sqlcert_opts so;

	good_opts(&o);
	leaf = tu_make(&o);
	/* without the intermediate in the file */
	fl = write_files(leaf, 0, NULL);
	base_opts(&so, &fl);
	assert_int_equal(run(&so), RW_CHECK_CRITICAL);
	expect("chain", V_FAIL, "does not verify");
	/* with it, against a bundle of another root */
	files_free(&fl);
	fl = write_files(leaf, 1, NULL);
	base_opts(&so, &fl);
	so.bundle = fx_g->other_bundle;
	assert_int_equal(run(&so), RW_CHECK_CRITICAL);
	expect("chain", V_FAIL, fx_g->other_bundle);
	/* a bundle that is not there: cannot check */
	so.bundle = "/nonexistent/bundle.pem";
	assert_int_equal(run(&so), RW_CHECK_UNKNOWN);
	assert_non_null(strstr(fx_g->e.msg, "/nonexistent/bundle.pem: "));
	files_free(&fl);
	tu_cert_free(leaf);
}

static void test_eku(void **state)
{
	struct tu_cert_opts o;

	good_opts(&o);
	o.eku = NULL;
	assert_int_equal(check_leaf(&o, NULL), RW_CHECK_CRITICAL);
	expect("eku", V_FAIL, "no Extended Key Usage");
	good_opts(&o);
	o.eku = eku_client;
	assert_int_equal(check_leaf(&o, NULL), RW_CHECK_CRITICAL);
	expect("eku", V_FAIL, "clientAuth");
}

static void test_key_usage(void **state)
{
	struct tu_cert_opts o;

	good_opts(&o);
	o.key_usage = GNUTLS_KEY_DIGITAL_SIGNATURE; /* RSA without keyEncipherment */
	assert_int_equal(check_leaf(&o, NULL), RW_CHECK_CRITICAL);
	expect("key-usage", V_FAIL, "keyEncipherment");
	good_opts(&o);
	o.key_usage = 0; /* no extension: every usage */
	assert_int_equal(check_leaf(&o, NULL), RW_CHECK_OK);
	expect("key-usage", V_PASS, "no keyUsage");
	good_opts(&o);
	o.key = TU_EC_P256; /* EC: digitalSignature is enough */
	o.key_usage = GNUTLS_KEY_DIGITAL_SIGNATURE;
	o.issuer = fx_g->root->crt; /* the intermediate has the P-256 key */
	o.issuer_key = fx_g->root->key;
	{
		struct tu_cert *leaf = tu_make(&o);
		struct files fl = write_files(leaf, 0, NULL);
		struct sqlcert_opts so;

		base_opts(&so, &fl);
		assert_int_equal(run(&so), RW_CHECK_OK);
		expect("key-usage", V_PASS, "digitalSignature");
		expect("key-strength", V_PASS, "256");
		files_free(&fl);
		tu_cert_free(leaf);
	}
}

static void test_signature_hash(void **state)
{
	struct tu_cert_opts o;

	good_opts(&o);
	o.hash = GNUTLS_DIG_SHA1;
	assert_int_equal(check_leaf(&o, NULL), RW_CHECK_CRITICAL);
	expect("signature-hash", V_FAIL, "SHA1");
	good_opts(&o);
	o.hash = GNUTLS_DIG_SHA384;
	assert_int_equal(check_leaf(&o, NULL), RW_CHECK_OK);
	expect("signature-hash", V_PASS, "SHA384");
}

static void test_rsa_1024(void **state)
{
	struct tu_cert_opts o;

	good_opts(&o);
	o.key = TU_RSA_1024;
	assert_int_equal(check_leaf(&o, NULL), RW_CHECK_WARNING);
	expect("key-strength", V_WARN, "1024");
	expect("chain", V_PASS, NULL);
}

static void test_validity(void **state)
{
	struct tu_cert_opts o;
	time_t now = time(NULL);

	good_opts(&o);
	o.not_before = now - 400 * 86400;
	o.not_after = now - 86400;
	assert_int_equal(check_leaf(&o, NULL), RW_CHECK_CRITICAL);
	expect("validity", V_FAIL, "expired");
	good_opts(&o);
	o.not_before = now + 10 * 86400;
	assert_int_equal(check_leaf(&o, NULL), RW_CHECK_CRITICAL);
	expect("validity", V_FAIL, "not yet valid");
	good_opts(&o);
	o.not_after = now + 10 * 86400;
	assert_int_equal(check_leaf(&o, NULL), RW_CHECK_WARNING);
	expect("validity", V_WARN, "expires in");
}

/* --at pins the time: a certificate for 2031 checked before, during and at its end. */
static void test_validity_at(void **state)
{
	struct tu_cert_opts o;
	struct tu_cert *leaf;
	struct files fl;
	struct sqlcert_opts so;

	struct tu_cert *root;
	char *bundle = tu_path(fx_g->dir, "long-root.pem");

	/* a root valid through 2040, so that only the leaf's dates matter */
	tu_cert_opts_init(&o, "rwtest Long Root");
	o.ca = 1;
	o.key = TU_EC_P384;
	o.key_usage = GNUTLS_KEY_KEY_CERT_SIGN;
	o.not_before = date_start(date_from_ymd(2020, 1, 1));
	o.not_after = date_start(date_from_ymd(2040, 1, 1));
	root = tu_make(&o);
	tu_write(bundle, root->pem.data, root->pem.size);
	good_opts(&o);
	o.issuer = root->crt;
	o.issuer_key = root->key;
	o.not_before = date_start(date_from_ymd(2031, 1, 1));
	o.not_after = date_start(date_from_ymd(2032, 1, 1));
	leaf = tu_make(&o);
	fl = write_files(leaf, 0, NULL);
	base_opts(&so, &fl);
	so.bundle = bundle;
	so.at = date_start(date_from_ymd(2030, 12, 31));
	assert_int_equal(run(&so), RW_CHECK_CRITICAL);
	expect("validity", V_FAIL, "not yet valid");
	so.at = date_start(date_from_ymd(2031, 6, 1));
	assert_int_equal(run(&so), RW_CHECK_OK);
	expect("validity", V_PASS, "214 days left");
	so.at = date_start(date_from_ymd(2031, 12, 20));
	assert_int_equal(run(&so), RW_CHECK_WARNING);
	expect("validity", V_WARN, "expires in 12 days");
	so.warn_days = 7;
	assert_int_equal(run(&so), RW_CHECK_OK);
	so.at = date_start(date_from_ymd(2032, 1, 2));
	assert_int_equal(run(&so), RW_CHECK_CRITICAL);
	expect("validity", V_FAIL, "expired");
	/* the chain's own certificates are checked at the same time */
	so.at = date_start(date_from_ymd(2041, 1, 1));
	run(&so);
	expect("chain", V_FAIL, "rwtest Long Root");
	files_free(&fl);
	tu_cert_free(leaf);
	tu_cert_free(root);
	free(bundle);
}

static void test_hostname(void **state)
{
	struct tu_cert_opts o;
	struct tu_cert *leaf;
	struct files fl;
	struct sqlcert_opts so;
	const char *const wild_ok[] = {"db.example.com", "DB.Example.COM"};
	const char *const wild_bad[] = {"db.example.com", "a.b.example.com"};
	const char *const two[] = {"other.example.com"};

	/* CN only, mismatching */
	good_opts(&o);
	o.cn = "other.example.com";
	o.dns = NULL;
	assert_int_equal(check_leaf(&o, NULL), RW_CHECK_CRITICAL);
	expect("hostname", V_FAIL, HOST " does not match CN=other.example.com");

	/* CN matching but a SAN that does not: with dNSNames present the CN is not used
	 * (RFC 6125 6.4.4; OpenSSL clients do the same) */
	{
		static const char *const other[] = {"other.example.com", NULL};

		good_opts(&o);
		o.dns = other;
		assert_int_equal(check_leaf(&o, NULL), RW_CHECK_CRITICAL);
		expect("hostname", V_FAIL,
		       HOST " does not match CN=" HOST ", DNS:other.example.com");
	}
	/* a partial-label wildcard is not honoured (GnuTLS is stricter than RFC 6125's MAY) */
	{
		static const char *const partial[] = {"d*.example.com", NULL};

		good_opts(&o);
		o.cn = "partial";
		o.dns = partial;
		assert_int_equal(check_leaf(&o, NULL), RW_CHECK_CRITICAL);
		expect("hostname", V_FAIL, NULL);
	}

	/* CN only, matching (no SAN: the CN is used) */
	good_opts(&o);
	o.dns = NULL;
	assert_int_equal(check_leaf(&o, NULL), RW_CHECK_OK);
	expect("hostname", V_PASS, HOST);

	/* SAN wildcard: one left-most label only */
	good_opts(&o);
	o.cn = "wildcard";
	o.dns = dns_wild;
	leaf = tu_make(&o);
	fl = write_files(leaf, 1, NULL);
	base_opts(&so, &fl);
	so.hosts = wild_ok;
	so.n_hosts = 2;
	assert_int_equal(run(&so), RW_CHECK_OK);
	expect("hostname", V_PASS, "DNS:*.example.com");
	so.hosts = wild_bad;
	assert_int_equal(run(&so), RW_CHECK_CRITICAL);
	expect("hostname", V_FAIL, "a.b.example.com does not match");
	so.hosts = two;
	so.n_hosts = 1;
	assert_int_equal(run(&so), RW_CHECK_OK);
	/* no host given: not checked, said so */
	so.n_hosts = 0;
	assert_int_equal(run(&so), RW_CHECK_WARNING);
	expect("hostname", V_WARN, "no host");
	files_free(&fl);
	tu_cert_free(leaf);
}

static void test_private_key(void **state)
{
	struct tu_cert_opts o;
	struct tu_cert *leaf;
	struct files fl;
	struct sqlcert_opts so;
	gnutls_x509_privkey_t other = NULL;
	gnutls_datum_t enc = {NULL, 0};

	good_opts(&o);
	o.key = TU_EC_P256;
	leaf = tu_make(&o);
	/* a key of the same type that is not the certificate's */
	assert_int_equal(gnutls_x509_privkey_init(&other), 0);
	assert_int_equal(
	        gnutls_x509_privkey_generate(other, GNUTLS_PK_ECDSA,
	                                     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
	        0);
	fl = write_files(leaf, 1, other);
	base_opts(&so, &fl);
	assert_int_equal(run(&so), RW_CHECK_CRITICAL);
	expect("private-key", V_FAIL, "does not match");
	/* no key at all */
	so.key_path = NULL;
	assert_int_equal(run(&so), RW_CHECK_CRITICAL);
	expect("private-key", V_FAIL, "no private key");
	/* an encrypted key */
	assert_int_equal(
	        gnutls_x509_privkey_export2_pkcs8(leaf->key, GNUTLS_X509_FMT_PEM, "pw", 0, &enc),
	        0);
	tu_write(fl.key, enc.data, enc.size);
	gnutls_free(enc.data);
	so.key_path = fl.key;
	assert_int_equal(run(&so), RW_CHECK_CRITICAL);
	expect("private-key", V_FAIL, "encrypted");
	/* garbage */
	tu_writef(fl.key, "not a key\n");
	assert_int_equal(run(&so), RW_CHECK_CRITICAL);
	expect("private-key", V_FAIL, "not a private key");
	/* missing: cannot check */
	so.key_path = "/nonexistent/key.pem";
	assert_int_equal(run(&so), RW_CHECK_UNKNOWN);
	assert_non_null(strstr(fx_g->e.msg, "/nonexistent/key.pem: "));
	gnutls_x509_privkey_deinit(other);
	files_free(&fl);
	tu_cert_free(leaf);
}

static int certtool_p12(const struct files *fl, const char *out, const char *password)
{
	char *argv[] = {"certtool",       "--load-certificate",
	                fl->cert,         "--load-privkey",
	                fl->key,          "--to-p12",
	                "--outder",       "--p12-name",
	                "rwtest",         "--password",
	                (char *)password, "--outfile",
	                (char *)out,      NULL};
	char *log = NULL;
	int st = tu_run(argv, &log);

	if (st != 0)
		print_message("certtool: %s\n", log);
	free(log);
	return st;
}

static void test_pkcs12(void **state)
{
	struct tu_cert_opts o;
	struct tu_cert *leaf;
	struct files fl;
	struct sqlcert_opts so;
	char *p12 = tu_path(fx_g->dir, "server.p12"), *good = tu_path(fx_g->dir, "good.pw"),
	     *bad = tu_path(fx_g->dir, "bad.pw");

	good_opts(&o);
	leaf = tu_make(&o);
	fl = write_files(leaf, 1, NULL);
	if (certtool_p12(&fl, p12, "s3cret") != 0)
		fail_msg("certtool --to-p12 failed");
	tu_writef(good, "s3cret\n");
	tu_writef(bad, "wrong\n");
	memset(&so, 0, sizeof(so));
	base_opts(&so, &fl);
	so.cert_path = p12;
	so.key_path = NULL;
	so.password_file = good;
	assert_int_equal(run(&so), RW_CHECK_OK);
	expect("private-key", V_PASS, "PKCS#12");
	expect("chain", V_PASS, "rwtest Root");
	expect("eku", V_PASS, NULL);

	so.password_file = bad;
	assert_int_equal(run(&so), RW_CHECK_UNKNOWN);
	assert_non_null(strstr(fx_g->e.msg, "wrong password"));
	assert_non_null(strstr(fx_g->e.msg, p12));

	so.password_file = NULL;
	assert_int_equal(run(&so), RW_CHECK_UNKNOWN);
	assert_non_null(strstr(fx_g->e.msg, "--password-file"));
	files_free(&fl);
	tu_cert_free(leaf);
	free(p12);
	free(good);
	free(bad);
}

static void test_der_and_unreadable(void **state)
{
	struct tu_cert_opts o;
	struct tu_cert *leaf;
	struct files fl;
	struct sqlcert_opts so;
	char *der = tu_path(fx_g->dir, "leaf.der"), *junk = tu_path(fx_g->dir, "junk.crt");

	good_opts(&o);
	o.issuer = fx_g->root->crt; /* DER holds one certificate: issue from the root */
	o.issuer_key = fx_g->root->key;
	leaf = tu_make(&o);
	fl = write_files(leaf, 0, NULL);
	tu_write(der, leaf->der.data, leaf->der.size);
	base_opts(&so, &fl);
	so.cert_path = der;
	assert_int_equal(run(&so), RW_CHECK_OK);

	/* one PEM file with the certificate and its key: the key is found there */
	{
		char *both = tu_path(fx_g->dir, "both.pem");
		gnutls_datum_t kp = tu_key_pem(leaf->key);
		FILE *fp = fopen(both, "w");

		assert_non_null(fp);
		fwrite(leaf->pem.data, 1, leaf->pem.size, fp);
		fwrite(kp.data, 1, kp.size, fp);
		fclose(fp);
		gnutls_free(kp.data);
		so.cert_path = both;
		so.key_path = NULL;
		assert_int_equal(run(&so), RW_CHECK_OK);
		expect("private-key", V_PASS, "matches");
		so.key_path = fl.key;
		free(both);
	}

	so.cert_path = "/nonexistent/cert.pem";
	assert_int_equal(run(&so), RW_CHECK_UNKNOWN);
	assert_non_null(strstr(fx_g->e.msg, "/nonexistent/cert.pem: "));
	tu_writef(junk, "junk\n");
	so.cert_path = junk;
	assert_int_equal(run(&so), RW_CHECK_UNKNOWN);
	assert_non_null(strstr(fx_g->e.msg, "not a certificate"));
	files_free(&fl);
	tu_cert_free(leaf);
	free(der);
	free(junk);
}

/* Paths from mssql.conf, its rules, and the key file's mssql policy (owner root here: the test
 * names root as the service user, so no test user is needed). */
static void test_from_mssql_conf(void **state)
{
	struct tu_cert_opts o;
	struct tu_cert *leaf;
	struct files fl;
	struct sqlcert_opts so;
	struct mssql_conf *conf = NULL;
	struct rw_err e = {0};
	char *cp = tu_path(fx_g->dir, "mssql.conf");
	const struct finding *x;

	good_opts(&o);
	leaf = tu_make(&o);
	fl = write_files(leaf, 1, NULL);
	tu_writef(cp,
	          "[network]\ntlscert = %s\ntlskey = %s\nforceencryption = 0\n"
	          "tlsprotocols = 1.0,1.2\n",
	          fl.cert, fl.key);
	assert_int_equal(mssql_conf_read(cp, &conf, &e), 0);
	base_opts(&so, &fl);
	so.cert_path = NULL;
	so.key_path = NULL;
	so.conf = conf;
	assert_int_equal(run(&so), RW_CHECK_WARNING);
	expect("private-key", V_PASS, NULL);
	expect("forceencryption", V_WARN, "forceencryption = 0");
	expect("tlsprotocols", V_WARN, "1.0");

	so.check_key_perms = 1;
	so.service_user = geteuid() == 0 ? "root" : getenv("USER");
	if (so.service_user) {
		run(&so);
		expect("key-file-type", V_PASS, NULL);
		expect("key-mode", V_PASS, "0600");
		expect("key-acl", V_PASS, NULL);
		x = findings_find(&fx_g->f, fl.key, "key-owner");
		assert_non_null(x);
		chmod(fl.key, 0644);
		assert_int_equal(run(&so), RW_CHECK_CRITICAL);
		expect("key-mode", V_FAIL, "0644");
		x = findings_find(&fx_g->f, fl.key, "key-mode");
		assert_non_null(strstr(x->fix, "chmod 0600 "));
	}
	mssql_conf_free(conf);
	conf = NULL;
	/* no tlscert in the file and no --cert: cannot check */
	tu_writef(cp, "[network]\nforceencryption = 1\n");
	assert_int_equal(mssql_conf_read(cp, &conf, &e), 0);
	so.conf = conf;
	assert_int_equal(run(&so), RW_CHECK_UNKNOWN);
	assert_non_null(strstr(fx_g->e.msg, "tlscert is not set"));
	mssql_conf_free(conf);
	files_free(&fl);
	tu_cert_free(leaf);
	free(cp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_all_pass_via_intermediate),
	        cmocka_unit_test(test_chain_failures),
	        cmocka_unit_test(test_eku),
	        cmocka_unit_test(test_key_usage),
	        cmocka_unit_test(test_signature_hash),
	        cmocka_unit_test(test_rsa_1024),
	        cmocka_unit_test(test_validity),
	        cmocka_unit_test(test_validity_at),
	        cmocka_unit_test(test_hostname),
	        cmocka_unit_test(test_private_key),
	        cmocka_unit_test(test_pkcs12),
	        cmocka_unit_test(test_der_and_unreadable),
	        cmocka_unit_test(test_from_mssql_conf),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
