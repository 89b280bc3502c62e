/*
 * gen_roots.c - writes N distinct self-signed CA roots, one PEM file each, for bench/.
 *
 * Usage: gen_roots [-j JOBS] [--rsa K] [--ec K] N DIR
 *
 * Generating 10,000 RSA keys would take longer than the benchmark itself, so the certificates share
 * a small pool of keys (default 32 RSA-2048 and 8 EC P-256: one in five is ECDSA, about the share
 * in Debian's ca-certificates). Every certificate still has its own subject ("rootwarden bench root
 * NNNNN"), serial number and signature, so each is a distinct, valid, self-signed root:
 * basicConstraints CA:TRUE (critical), keyUsage keyCertSign and cRLSign, a subject key identifier,
 * SHA-256 signature, valid from 30 days ago to 10 years from now. Files are DIR/root-NNNNN.pem.
 * Signing is split over JOBS processes (default 2) after the keys are made.
 *
 * This is a benchmark helper, not part of rootwarden: it prints and exits like a small tool.
 */
#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct pool {
	gnutls_x509_privkey_t *keys;
	size_t n;
};

static void die(const char *what, int r)
{
	fprintf(stderr, "gen_roots: %s: %s\n", what, r < 0 ? gnutls_strerror(r) : strerror(errno));
	exit(1);
}

static void pool_make(struct pool *p, unsigned n_rsa, unsigned n_ec)
{
	int r;

	p->n = (size_t)n_rsa + n_ec;
	p->keys = calloc(p->n, sizeof(*p->keys));
	if (p->keys == NULL)
		die("out of memory", 0);
	for (size_t i = 0; i < p->n; i++) {
		int rsa = i < n_rsa;

		if ((r = gnutls_x509_privkey_init(&p->keys[i])) < 0)
			die("privkey_init", r);
		r = gnutls_x509_privkey_generate(
		        p->keys[i], rsa ? GNUTLS_PK_RSA : GNUTLS_PK_ECDSA,
		        rsa ? 2048 : GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
		if (r < 0)
			die("privkey_generate", r);
	}
}

/* Key of certificate i: interleaved so that any prefix of the corpus has the same RSA/EC mix. */
static gnutls_x509_privkey_t pool_key(const struct pool *p, unsigned i)
{
	return p->keys[i % p->n];
}

static void write_root(const struct pool *p, unsigned i, const char *dir, time_t now)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t pem = {NULL, 0};
	gnutls_x509_privkey_t key = pool_key(p, i);
	unsigned char serial[8], id[64];
	size_t idlen = sizeof(id);
	char cn[64], path[4096];
	FILE *fp;
	int r;

	/* A positive serial: 0x01 then the index, big-endian. */
	serial[0] = 0x01;
	for (int k = 0; k < 7; k++)
		serial[7 - k] = (unsigned char)((unsigned long long)(i + 1) >> (8 * k));
	snprintf(cn, sizeof(cn), "rootwarden bench root %05u", i);
	if ((r = gnutls_x509_crt_init(&crt)) < 0 || (r = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (r = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
	    (r = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COUNTRY_NAME, 0, "ZZ", 2)) <
	            0 ||
	    (r = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0,
	                                       "rootwarden bench", 16)) < 0 ||
	    (r = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
	                                       strlen(cn))) < 0 ||
	    (r = gnutls_x509_crt_set_activation_time(crt, now - 30 * 86400)) < 0 ||
	    (r = gnutls_x509_crt_set_expiration_time(crt, now + 3650L * 86400)) < 0 ||
	    (r = gnutls_x509_crt_set_key(crt, key)) < 0 ||
	    (r = gnutls_x509_crt_set_basic_constraints(crt, 1, -1)) < 0 ||
	    (r = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_KEY_CERT_SIGN |
	                                                    GNUTLS_KEY_CRL_SIGN)) < 0 ||
	    (r = gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA1, id, &idlen)) < 0 ||
	    (r = gnutls_x509_crt_set_subject_key_id(crt, id, idlen)) < 0 ||
	    (r = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0 ||
	    (r = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem)) < 0)
		die(cn, r);
	snprintf(path, sizeof(path), "%s/root-%05u.pem", dir, i);
	fp = fopen(path, "w");
	if (fp == NULL || fwrite(pem.data, 1, pem.size, fp) != pem.size || fclose(fp) != 0)
		die(path, 0);
	gnutls_free(pem.data);
	gnutls_x509_crt_deinit(crt);
}

static unsigned parse_uint(const char *s, const char *what)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v > 1000000) {
		fprintf(stderr, "gen_roots: %s: '%s' is not a number\n", what, s);
		exit(2);
	}
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	unsigned jobs = 2, n_rsa = 32, n_ec = 8, n;
	struct pool p = {NULL, 0};
	time_t now = time(NULL);
	const char *dir;
	int i = 1, failed = 0;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "-j") == 0)
			jobs = parse_uint(argv[i + 1], "-j");
		else if (strcmp(argv[i], "--rsa") == 0)
			n_rsa = parse_uint(argv[i + 1], "--rsa");
		else if (strcmp(argv[i], "--ec") == 0)
			n_ec = parse_uint(argv[i + 1], "--ec");
		else
			break;
	}
	if (argc - i != 2 || jobs == 0 || n_rsa + n_ec == 0) {
		fprintf(stderr, "usage: gen_roots [-j JOBS] [--rsa K] [--ec K] N DIR\n");
		return 2;
	}
	n = parse_uint(argv[i], "N");
	dir = argv[i + 1];
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		die(dir, 0);
	pool_make(&p, n_rsa, n_ec);
	for (unsigned j = 0; j < jobs; j++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork", 0);
		if (pid == 0) {
			for (unsigned k = j; k < n; k += jobs)
				write_root(&p, k, dir, now);
			_exit(0);
		}
	}
	for (unsigned j = 0; j < jobs; j++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed = 1;
	}
	for (size_t k = 0; k < p.n; k++)
		gnutls_x509_privkey_deinit(p.keys[k]);
	free(p.keys);
	return failed;
}
