/* test_cert.c - reading certificates (PEM, DER, hostile files) and judging roots. */
#include "testutil.h"

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "cert.h"
#include "date.h"

struct fx {
	char *dir;
	struct tu_cert *rsa_root, *ec_root;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	f->rsa_root = tu_root("Test RSA Root", TU_RSA_2048);
	f->ec_root = tu_root("Test EC Root", TU_EC_P384);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_rmrf(f->dir);
	free(f->dir);
	tu_cert_free(f->rsa_root);
	tu_cert_free(f->ec_root);
	free(f);
	return 0;
}

static char *write_tmp(struct fx *f, const char *name, const void *data, size_t len)
{
	char *p = tu_path(f->dir, name);

	tu_write(p, data, len);
	return p;
}

/* Reads a file expecting failure; returns the message (static). */
static const char *read_fails(const char *path)
{
	static struct rw_err e;
	struct certlist l = {0};

	assert_int_equal(certs_read_file(path, &l, &e), -1);
	assert_int_equal(l.n, 0);
	assert_int_equal(e.status, RW_EXIT_INPUT);
	certlist_free(&l);
	return e.msg;
}

static void test_rsa_and_ec_roots_are_summarised(void **state)
{
	struct fx *f = *state;
	struct rw_err e = {{0}, 0};
	struct certlist l = {0};
	unsigned char md[32];
	char hex[65];
	gnutls_datum_t d = {md, 32};
	size_t hs = sizeof(hex);
	char *pem = malloc(f->rsa_root->pem.size + f->ec_root->pem.size);
	char *path;

	memcpy(pem, f->rsa_root->pem.data, f->rsa_root->pem.size);
	memcpy(pem + f->rsa_root->pem.size, f->ec_root->pem.data, f->ec_root->pem.size);
	path = write_tmp(f, "two.pem", pem, f->rsa_root->pem.size + f->ec_root->pem.size);
	assert_int_equal(certs_read_file(path, &l, &e), 0);
	assert_int_equal(l.n, 2);

	gnutls_hash_fast(GNUTLS_DIG_SHA256, f->rsa_root->der.data, f->rsa_root->der.size, md);
	gnutls_hex_encode(&d, hex, &hs);
	for (char *p = hex; *p; p++)
		*p = (char)(*p >= 'a' ? *p - 32 : *p);
	assert_string_equal(l.v[0]->sha256, hex);
	assert_string_equal(l.v[0]->label, "Test RSA Root");
	assert_string_equal(l.v[0]->subject, "CN=Test RSA Root");
	assert_string_equal(l.v[0]->key_type, "RSA");
	assert_int_equal(l.v[0]->key_bits, 2048);
	assert_string_equal(l.v[0]->sig_alg, "RSA-SHA256");
	assert_true(l.v[0]->is_ca);
	assert_true(l.v[0]->self_sig_ok);
	assert_int_equal(cert_check_root(l.v[0], &e), 0);
	assert_non_null(strstr(l.v[0]->origin, "two.pem:1"));

	assert_string_equal(l.v[1]->key_type, "EC/ECDSA");
	assert_int_equal(l.v[1]->key_bits, 384);
	assert_int_equal(cert_check_root(l.v[1], &e), 0);
	assert_int_equal(strlen(l.v[1]->spki_sha256), 64);
	assert_string_not_equal(l.v[0]->spki_sha256, l.v[1]->spki_sha256);
	assert_true(l.v[1]->not_after > l.v[1]->not_before);
	certlist_free(&l);
	free(path);
	free(pem);
}

static void test_der_file(void **state)
{
	struct fx *f = *state;
	struct rw_err e = {{0}, 0};
	struct certlist l = {0};
	char *path = write_tmp(f, "root.der", f->ec_root->der.data, f->ec_root->der.size);

	assert_int_equal(certs_read_file(path, &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->origin, path);
	assert_int_equal(cert_check_root(l.v[0], &e), 0);
	certlist_free(&l);
	free(path);
}

static void test_crlf_and_text_between_blocks(void **state)
{
	struct fx *f = *state;
	struct rw_err e = {{0}, 0};
	struct certlist lf = {0}, crlf = {0};
	size_t n = 0;
	char *text = malloc(3 * (f->rsa_root->pem.size + f->ec_root->pem.size) + 200), *path, *p2;
	const char *junk = "Bag Attributes\n  friendlyName: something\nsubject=/CN=x\n\n";

	n += (size_t)sprintf(text, "%s", junk);
	memcpy(text + n, f->rsa_root->pem.data, f->rsa_root->pem.size);
	n += f->rsa_root->pem.size;
	n += (size_t)sprintf(text + n, "%s", "# a comment between blocks\n\n");
	memcpy(text + n, f->ec_root->pem.data, f->ec_root->pem.size);
	n += f->ec_root->pem.size;
	path = write_tmp(f, "junk.pem", text, n);
	assert_int_equal(certs_read_file(path, &lf, &e), 0);
	assert_int_equal(lf.n, 2);

	/* the same with CRLF line ends */
	{
		char *c = malloc(2 * n + 1);
		size_t m = 0;

		for (size_t i = 0; i < n; i++) {
			if (text[i] == '\n')
				c[m++] = '\r';
			c[m++] = text[i];
		}
		p2 = write_tmp(f, "crlf.pem", c, m);
		free(c);
	}
	assert_int_equal(certs_read_file(p2, &crlf, &e), 0);
	assert_int_equal(crlf.n, 2);
	assert_string_equal(lf.v[0]->sha256, crlf.v[0]->sha256);
	assert_string_equal(lf.v[1]->sha256, crlf.v[1]->sha256);
	/* origins name the line where each block starts */
	assert_non_null(strstr(lf.v[0]->origin, "junk.pem:5"));
	certlist_free(&lf);
	certlist_free(&crlf);
	free(path);
	free(p2);
	free(text);
}

static void test_truncated_pem_names_the_block_line(void **state)
{
	struct fx *f = *state;
	char *text = malloc(f->rsa_root->pem.size * 2 + 64), *path;
	size_t n;
	const char *msg;

	n = (size_t)sprintf(text, "first line\nsecond line\n");
	memcpy(text + n, f->rsa_root->pem.data, f->rsa_root->pem.size / 2);
	n += f->rsa_root->pem.size / 2;
	path = write_tmp(f, "truncated.pem", text, n);
	msg = read_fails(path);
	assert_non_null(strstr(msg, "truncated.pem:3:"));
	assert_non_null(strstr(msg, "truncated"));
	free(path);
	free(text);
}

static void test_corrupt_block_and_der(void **state)
{
	struct fx *f = *state;
	char *text = malloc(f->rsa_root->pem.size + 1), *path, *line;
	const char *msg;
	unsigned char junk[300];

	memcpy(text, f->rsa_root->pem.data, f->rsa_root->pem.size);
	text[f->rsa_root->pem.size] = '\0';
	line = strchr(text, '\n') + 1; /* first base64 line */
	memcpy(line, "!!!!", 4);
	path = write_tmp(f, "corrupt.pem", text, f->rsa_root->pem.size);
	msg = read_fails(path);
	assert_non_null(strstr(msg, "corrupt.pem:1: "));
	free(path);

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 7 + 3);
	path = write_tmp(f, "junk.der", junk, sizeof(junk));
	msg = read_fails(path);
	assert_non_null(strstr(msg, "junk.der: neither a PEM file nor a DER certificate"));
	free(path);
	path = write_tmp(f, "empty.pem", "", 0);
	assert_non_null(strstr(read_fails(path), "empty.pem: empty file"));
	free(path);
	path = write_tmp(f, "text.pem", "just text\n", 10);
	assert_non_null(strstr(read_fails(path), "text.pem: neither"));
	free(path);
	free(text);
}

static void test_private_key_block_is_rejected(void **state)
{
	struct fx *f = *state;
	gnutls_datum_t key = tu_key_pem(tu_key(TU_EC_P256));
	char *text = malloc(f->rsa_root->pem.size + key.size), *path;
	const char *msg;
	size_t lines = 0;

	memcpy(text, f->rsa_root->pem.data, f->rsa_root->pem.size);
	memcpy(text + f->rsa_root->pem.size, key.data, key.size);
	for (size_t i = 0; i < f->rsa_root->pem.size; i++)
		lines += text[i] == '\n';
	path = write_tmp(f, "withkey.pem", text, f->rsa_root->pem.size + key.size);
	msg = read_fails(path);
	{
		char want[128];

		snprintf(want, sizeof(want), "withkey.pem:%zu: PEM block \"PRIVATE KEY\" is not",
		         lines + 1);
		assert_non_null(strstr(msg, want));
	}
	gnutls_free(key.data);
	free(path);
	free(text);
}

static void test_root_rules(void **state)
{
	struct fx *f = *state;
	struct rw_err e = {{0}, 0};
	struct tu_cert_opts o;
	struct tu_cert *leaf, *noca, *noksign, *expired, *child;
	struct cert *c;
	unsigned char *bad;

	(void)f;
	/* not a CA */
	tu_cert_opts_init(&o, "Not A CA");
	noca = tu_make(&o);
	c = cert_from_der(noca->der.data, noca->der.size, "noca.der", &e);
	assert_non_null(c);
	assert_int_equal(cert_check_root(c, &e), -1);
	assert_non_null(strstr(e.msg, "noca.der: Not A CA is not a root: basicConstraints"));
	cert_free(c);

	/* CA with key usage lacking keyCertSign */
	tu_cert_opts_init(&o, "No Cert Sign");
	o.ca = 1;
	o.key_usage = GNUTLS_KEY_DIGITAL_SIGNATURE;
	noksign = tu_make(&o);
	c = cert_from_der(noksign->der.data, noksign->der.size, "nok.der", &e);
	assert_int_equal(cert_check_root(c, &e), -1);
	assert_non_null(strstr(e.msg, "keyCertSign"));
	cert_free(c);

	/* broken self-signature: flip a bit in the signature (the DER's last bytes) */
	bad = malloc(f->rsa_root->der.size);
	memcpy(bad, f->rsa_root->der.data, f->rsa_root->der.size);
	bad[f->rsa_root->der.size - 2] ^= 0x10;
	c = cert_from_der(bad, f->rsa_root->der.size, "bad.der", &e);
	assert_non_null(c);
	assert_int_equal(cert_check_root(c, &e), -1);
	assert_non_null(strstr(e.msg, "self-signature does not verify"));
	cert_free(c);
	free(bad);

	/* issued by another CA */
	tu_cert_opts_init(&o, "Intermediate");
	o.ca = 1;
	o.key = TU_EC_P256;
	o.issuer = f->ec_root->crt;
	o.issuer_key = f->ec_root->key;
	child = tu_make(&o);
	c = cert_from_der(child->der.data, child->der.size, "int.der", &e);
	assert_int_equal(cert_check_root(c, &e), -1);
	assert_non_null(strstr(e.msg, "issued by another CA (CN=Test EC Root)"));
	cert_free(c);

	/* expired: still a root, but expired at now */
	tu_cert_opts_init(&o, "Old Root");
	o.ca = 1;
	o.not_before = time(NULL) - 400 * 86400;
	o.not_after = time(NULL) - 10 * 86400;
	expired = tu_make(&o);
	c = cert_from_der(expired->der.data, expired->der.size, "old.der", &e);
	assert_int_equal(cert_check_root(c, &e), 0);
	assert_true(cert_is_expired(c, time(NULL)));
	assert_false(cert_is_expired(c, time(NULL) - 20 * 86400));
	cert_free(c);

	leaf = NULL;
	tu_cert_free(leaf);
	tu_cert_free(noca);
	tu_cert_free(noksign);
	tu_cert_free(child);
	tu_cert_free(expired);
}

static void test_sort_dedup_is_order_independent(void **state)
{
	struct fx *f = *state;
	struct rw_err e = {{0}, 0};
	struct certlist a = {0}, b = {0};
	struct tu_cert *r[4];
	const char *names[4] = {"Zeta Root", "Alpha Root", "Mid Root", "Alpha Root"};

	(void)f;
	for (int i = 0; i < 4; i++)
		r[i] = tu_root(names[i], TU_EC_P256);
	for (int i = 0; i < 4; i++)
		certlist_add(&a, cert_from_der(r[i]->der.data, r[i]->der.size, "a", &e));
	certlist_add(&a, cert_from_der(r[1]->der.data, r[1]->der.size, "dup", &e));
	for (int i = 3; i >= 0; i--)
		certlist_add(&b, cert_from_der(r[i]->der.data, r[i]->der.size, "b", &e));
	certlist_sort(&a);
	certlist_sort(&b);
	assert_int_equal(certlist_dedup(&a), 1);
	assert_int_equal(certlist_dedup(&b), 0);
	assert_int_equal(a.n, 4);
	assert_int_equal(b.n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(a.v[i]->sha256, b.v[i]->sha256);
	assert_string_equal(a.v[0]->label, "Alpha Root");
	assert_string_equal(a.v[3]->label, "Zeta Root");
	assert_non_null(certlist_find(&a, a.v[2]->sha256));
	certlist_free(&a);
	certlist_free(&b);
	for (int i = 0; i < 4; i++)
		tu_cert_free(r[i]);
}

static void test_directory_reading(void **state)
{
	struct fx *f = *state;
	struct rw_err e = {{0}, 0};
	struct certlist l = {0};
	char *sub = tu_path(f->dir, "inc"), *p;

	mkdir(sub, 0755);
	p = tu_path(sub, "b.pem");
	tu_write(p, f->rsa_root->pem.data, f->rsa_root->pem.size);
	free(p);
	p = tu_path(sub, "a.der");
	tu_write(p, f->ec_root->der.data, f->ec_root->der.size);
	free(p);
	p = tu_path(sub, "README");
	tu_write(p, "not a cert", 10);
	free(p);
	assert_int_equal(certs_read_path(sub, &l, &e), 0);
	assert_int_equal(l.n, 2);
	assert_non_null(strstr(l.v[0]->origin, "a.der"));
	certlist_free(&l);
	p = tu_path(f->dir, "missing");
	assert_int_equal(certs_read_path(p, &l, &e), -1);
	assert_non_null(strstr(e.msg, "missing: No such file"));
	free(p);
	free(sub);
}

/* Directories of 64+ files are read by several threads: the result must be that of reading the
 * files one by one in name order - the same order, and the first bad file in name order. */
static void test_large_directory_is_read_in_name_order(void **state)
{
	struct fx *f = *state;
	struct rw_err e = {{0}, 0};
	struct certlist l = {0};
	char *sub = tu_path(f->dir, "many"), name[64], *p;
	struct tu_cert *r[100];

	mkdir(sub, 0755);
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "Root %03d", i);
		r[i] = tu_root(name, TU_EC_P256);
		snprintf(name, sizeof(name), "%03d.pem", i);
		p = tu_path(sub, name);
		tu_write(p, r[i]->pem.data, r[i]->pem.size);
		free(p);
	}
	for (int run = 0; run < 3; run++) {
		assert_int_equal(certs_read_path(sub, &l, &e), 0);
		assert_int_equal(l.n, 100);
		for (int i = 0; i < 100; i++) {
			snprintf(name, sizeof(name), "Root %03d", i);
			assert_string_equal(l.v[i]->label, name);
		}
		certlist_free(&l);
	}
	/* two bad files: the first in name order is the one reported, every time */
	p = tu_path(sub, "080.pem");
	tu_write(p, "garbage\n", 8);
	free(p);
	p = tu_path(sub, "050.pem");
	tu_write(p, r[50]->pem.data, r[50]->pem.size / 2);
	free(p);
	for (int run = 0; run < 5; run++) {
		assert_int_equal(certs_read_path(sub, &l, &e), -1);
		assert_non_null(strstr(e.msg, "many/050.pem:1: truncated PEM block"));
		/* as when reading one by one: the files before the bad one were read */
		assert_int_equal(l.n, 50);
		certlist_free(&l);
	}
	for (int i = 0; i < 100; i++)
		tu_cert_free(r[i]);
	free(sub);
}

static void test_fingerprint_normalize(void **state)
{
	char out[65];

	(void)state;
	assert_int_equal(fingerprint_normalize("cb:3c:cb:b7:60:31:e5:e0:13:8f:8d:d3:9a:23:f9:de:"
	                                       "47:ff:c3:5e:43:c1:14:4c:ea:27:d4:6a:5a:b1:cb:5f",
	                                       out),
	                 0);
	assert_string_equal(out,
	                    "CB3CCBB76031E5E0138F8DD39A23F9DE47FFC35E43C1144CEA27D46A5AB1CB5F");
	assert_int_equal(fingerprint_normalize("CB3C", out), -1);
	assert_int_equal(fingerprint_normalize("zz3CCBB76031E5E0138F8DD39A23F9DE47FFC35E43C1144CEA"
	                                       "27D46A5AB1CB5F",
	                                       out),
	                 -1);
}

/* The SPKI fingerprint (what pins name) is the SHA-256 of the SubjectPublicKeyInfo as GnuTLS
 * encodes the key, and the key size is GnuTLS's, for every key type the tests make. */
static void test_spki_fingerprint_and_key_size(void **state)
{
	static const enum tu_key_type types[] = {TU_RSA_2048, TU_RSA_1024, TU_EC_P256, TU_EC_P384};
	static const unsigned bits[] = {2048, 1024, 256, 384};

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct tu_cert *r = tu_root("SPKI Root", types[i]);
		struct cert *c = cert_from_der(r->der.data, r->der.size, "r", NULL);
		gnutls_pubkey_t pk;
		gnutls_datum_t spki;
		unsigned char md[32];
		char hex[CERT_HEX_LEN + 1];

		assert_non_null(c);
		assert_int_equal(gnutls_pubkey_init(&pk), 0);
		assert_int_equal(gnutls_pubkey_import_x509(pk, r->crt, 0), 0);
		assert_int_equal(gnutls_pubkey_export2(pk, GNUTLS_X509_FMT_DER, &spki), 0);
		gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data, spki.size, md);
		for (size_t k = 0; k < 32; k++)
			snprintf(hex + 2 * k, 3, "%02X", md[k]);
		assert_string_equal(c->spki_sha256, hex);
		assert_int_equal(c->key_bits, bits[i]);
		assert_string_equal(c->key_type, types[i] >= TU_RSA_2048 ? "RSA" : "EC/ECDSA");
		gnutls_free(spki.data);
		gnutls_pubkey_deinit(pk);
		cert_free(c);
		tu_cert_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rsa_and_ec_roots_are_summarised),
	        cmocka_unit_test(test_der_file),
	        cmocka_unit_test(test_crlf_and_text_between_blocks),
	        cmocka_unit_test(test_truncated_pem_names_the_block_line),
	        cmocka_unit_test(test_corrupt_block_and_der),
	        cmocka_unit_test(test_private_key_block_is_rejected),
	        cmocka_unit_test(test_root_rules),
	        cmocka_unit_test(test_sort_dedup_is_order_independent),
	        cmocka_unit_test(test_directory_reading),
	        cmocka_unit_test(test_large_directory_is_read_in_name_order),
	        cmocka_unit_test(test_fingerprint_normalize),
	        cmocka_unit_test(test_spki_fingerprint_and_key_size),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
