#include "cert.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <libtasn1.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fileio.h"
#include "verifycache.h"

void cert_hex32(const unsigned char bin[32], char out[CERT_HEX_LEN + 1])
{
	gnutls_datum_t d = {(unsigned char *)bin, 32};
	size_t size = CERT_HEX_LEN + 1;

	if (gnutls_hex_encode(&d, out, &size) < 0) {
		out[0] = '\0';
		return;
	}
	for (char *p = out; *p; p++)
		*p = (char)toupper((unsigned char)*p);
}

static int sha256_hex(const void *data, size_t len, char out[CERT_HEX_LEN + 1],
                      unsigned char md[32])
{
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, md) < 0)
		return -1;
	cert_hex32(md, out);
	return 0;
}

void cert_free(struct cert *c)
{
	if (c == NULL)
		return;
	free(c->der);
	free(c->subject);
	free(c->issuer);
	free(c->label);
	free(c->cn);
	free(c->origin);
	free(c);
}

struct cert *cert_dup(const struct cert *c)
{
	struct cert *d = malloc(sizeof(*d));

	if (d == NULL)
		return NULL;
	*d = *c;
	d->der = malloc(c->der_len);
	d->subject = strdup(c->subject);
	d->issuer = strdup(c->issuer);
	d->label = strdup(c->label);
	d->origin = strdup(c->origin);
	d->cn = c->cn ? strdup(c->cn) : NULL;
	if (d->der == NULL || !d->subject || !d->issuer || !d->label || !d->origin ||
	    (c->cn && !d->cn)) {
		cert_free(d);
		return NULL;
	}
	memcpy(d->der, c->der, c->der_len);
	return d;
}

int cert_set_label(struct cert *c, const char *label)
{
	char *l = strdup(label);

	if (l == NULL)
		return -1;
	free(c->label);
	c->label = l;
	return 0;
}

static char *datum_to_str(gnutls_datum_t *d)
{
	char *s = malloc(d->size + 1);

	if (s != NULL) {
		memcpy(s, d->data, d->size);
		s[d->size] = '\0';
	}
	gnutls_free(d->data);
	d->data = NULL;
	return s;
}

static char *common_name(gnutls_x509_crt_t crt)
{
	char buf[512];
	size_t size = sizeof(buf);

	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &size) < 0)
		return NULL;
	return strdup(buf);
}

/* One DER element at *p (*left bytes there): its whole encoding (whole, whole_len) and its
 * contents (*p and *left then describe them when enter, else what follows the element). Only the
 * outline of a certificate GnuTLS has already imported is walked here, with libtasn1's DER
 * primitives: GnuTLS has no call giving the SubjectPublicKeyInfo as it is encoded. */
static int der_step(const unsigned char **p, size_t *left, int enter, unsigned char *cls,
                    unsigned long *tag, const unsigned char **whole, size_t *whole_len)
{
	int taglen = 0, lenlen = 0;
	long clen;
	size_t hdr;

	if (*left == 0 || *left > INT_MAX ||
	    asn1_get_tag_der(*p, (int)*left, cls, &taglen, tag) != ASN1_SUCCESS)
		return -1;
	clen = asn1_get_length_der(*p + taglen, (int)*left - taglen, &lenlen);
	hdr = (size_t)taglen + (size_t)lenlen;
	if (clen < 0 || hdr > *left || (size_t)clen > *left - hdr)
		return -1;
	*whole = *p;
	*whole_len = hdr + (size_t)clen;
	if (enter) {
		*p += hdr;
		*left = (size_t)clen;
	} else {
		*p += *whole_len;
		*left -= *whole_len;
	}
	return 0;
}

/* The SubjectPublicKeyInfo's encoding inside a certificate's DER, or -1. */
static int raw_spki(const unsigned char *der, size_t len, const unsigned char **spki,
                    size_t *spki_len)
{
	const unsigned char *p = der, *el;
	size_t left = len, el_len;
	unsigned char cls;
	unsigned long tag;

	/* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serial,
	 * signature, issuer, validity, subject, subjectPublicKeyInfo, ... } ... } */
	if (der_step(&p, &left, 1, &cls, &tag, &el, &el_len) < 0 ||
	    der_step(&p, &left, 1, &cls, &tag, &el, &el_len) < 0 ||
	    der_step(&p, &left, 0, &cls, &tag, &el, &el_len) < 0)
		return -1;
	if (cls == (ASN1_CLASS_CONTEXT_SPECIFIC | ASN1_CLASS_STRUCTURED) && tag == 0 &&
	    der_step(&p, &left, 0, &cls, &tag, &el, &el_len) < 0) /* the serial */
		return -1;
	for (int i = 0; i < 4; i++) /* signature, issuer, validity, subject */
		if (der_step(&p, &left, 0, &cls, &tag, &el, &el_len) < 0)
			return -1;
	if (der_step(&p, &left, 0, &cls, &tag, &el, &el_len) < 0 || cls != ASN1_CLASS_STRUCTURED ||
	    tag != ASN1_TAG_SEQUENCE)
		return -1;
	*spki = el;
	*spki_len = el_len;
	return 0;
}

/* The SHA-256 of the SubjectPublicKeyInfo as encoded in the certificate, and the key type and
 * size (gnutls_x509_crt_get_pk_algorithm). Without a GnuTLS public key object, whose import and
 * re-encoding cost more than the rest of the summary. */
static int fill_key(gnutls_x509_crt_t crt, struct cert *c)
{
	const unsigned char *spki;
	size_t spki_len;
	unsigned char md[32];
	unsigned bits = 0;
	const char *name;
	int algo;

	if (raw_spki(c->der, c->der_len, &spki, &spki_len) < 0 ||
	    sha256_hex(spki, spki_len, c->spki_sha256, md) < 0)
		return -1;
	algo = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
	name = algo >= 0 ? gnutls_pk_algorithm_get_name((gnutls_pk_algorithm_t)algo) : NULL;
	snprintf(c->key_type, sizeof(c->key_type), "%s", name ? name : "unknown");
	c->key_bits = algo >= 0 ? bits : 0;
	return 0;
}

/* 1 if the issuer and subject names are the same DER bytes. */
static int same_raw_dns(gnutls_x509_crt_t crt)
{
	gnutls_datum_t s = {NULL, 0}, i = {NULL, 0};
	int same = gnutls_x509_crt_get_raw_dn(crt, &s) >= 0 &&
	           gnutls_x509_crt_get_raw_issuer_dn(crt, &i) >= 0 && s.size == i.size &&
	           memcmp(s.data, i.data, s.size) == 0;

	gnutls_free(s.data);
	gnutls_free(i.data);
	return same;
}

static void fill_sig(gnutls_x509_crt_t crt, struct cert *c)
{
	int sig = gnutls_x509_crt_get_signature_algorithm(crt);
	const char *name;

	name = sig >= 0 ? gnutls_sign_get_name((gnutls_sign_algorithm_t)sig) : NULL;
	snprintf(c->sig_alg, sizeof(c->sig_alg), "%s", name ? name : "unknown");
	if (sig >= 0) {
		gnutls_digest_algorithm_t h =
		        gnutls_sign_get_hash_algorithm((gnutls_sign_algorithm_t)sig);
		c->sig_hash_weak =
		        h == GNUTLS_DIG_MD5 || h == GNUTLS_DIG_SHA1 || h == GNUTLS_DIG_MD2;
	}
}

static void fill_self_signature(gnutls_x509_crt_t crt, struct cert *c)
{
	unsigned status = 0;
	const unsigned flags =
	        GNUTLS_VERIFY_DO_NOT_ALLOW_SAME | GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1 |
	        GNUTLS_VERIFY_ALLOW_SIGN_RSA_MD5 | GNUTLS_VERIFY_ALLOW_SIGN_RSA_MD2 |
	        GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS |
	        GNUTLS_VERIFY_ALLOW_ANY_X509_V1_CA_CRT | GNUTLS_VERIFY_DISABLE_CA_SIGN;

	c->self_issued = gnutls_x509_crt_check_issuer(crt, crt) != 0;
	if (!c->self_issued)
		return;
	/* DO_NOT_ALLOW_SAME makes GnuTLS check the signature of a certificate that is also its own
	 * trust anchor, instead of trusting it by identity; DISABLE_CA_SIGN keeps this a pure
	 * signature check (whether it is a CA is judged separately, with its own message). */
	if (gnutls_x509_crt_verify(crt, &crt, 1, flags, &status) == 0 &&
	    (status & (GNUTLS_CERT_SIGNATURE_FAILURE | GNUTLS_CERT_INVALID)) == 0)
		c->self_sig_ok = 1;
}

struct cert *cert_from_der(const unsigned char *der, size_t len, const char *origin,
                           struct rw_err *e)
{
	return cert_from_der_vc(der, len, origin, NULL, e);
}

struct cert *cert_from_der_vc(const unsigned char *der, size_t len, const char *origin,
                              const struct verifycache *vc, struct rw_err *e)
{
	gnutls_x509_crt_t crt = NULL;
	unsigned char md[32];
	gnutls_datum_t d = {(unsigned char *)der, (unsigned)len}, dn = {NULL, 0};
	struct cert *c = NULL, *ret = NULL;
	unsigned ca = 0, critical = 0, ku = 0;
	int r;

	if (len == 0 || len > (64u << 20)) {
		err_set(e, RW_EXIT_INPUT, "%s: not a certificate (%zu bytes)", origin, len);
		goto out;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL || (c->origin = strdup(origin)) == NULL || (c->der = malloc(len)) == NULL) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", origin);
		goto out;
	}
	memcpy(c->der, der, len);
	c->der_len = len;
	if (sha256_hex(der, len, c->sha256, md) < 0) {
		err_set(e, RW_EXIT_INPUT, "%s: cannot hash certificate", origin);
		goto out;
	}
	/* These exact bytes were parsed and verified before (verifycache.h): take that summary,
	 * but never the key from it: pins (spki_sha256, accept_reissue) are judged on the key
	 * as these bytes encode it (a DER walk, no import), whatever the cache says. */
	if (vc != NULL) {
		const unsigned char *spki;
		size_t spki_len;
		char key[CERT_HEX_LEN + 1];
		unsigned char kmd[32];

		r = raw_spki(der, len, &spki, &spki_len) == 0 &&
		                    sha256_hex(spki, spki_len, key, kmd) == 0
		            ? verifycache_get(vc, md, c)
		            : 0;
		if (r < 0) {
			err_set(e, RW_EXIT_FAILURE, "%s: out of memory", origin);
			goto out;
		}
		if (r > 0) {
			memcpy(c->spki_sha256, key, sizeof(key));
			ret = c;
			c = NULL;
			goto out;
		}
	}
	if (gnutls_x509_crt_init(&crt) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", origin);
		goto out;
	}
	r = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER);
	if (r < 0) {
		err_set(e, RW_EXIT_INPUT, "%s: not a valid X.509 certificate: %s", origin,
		        gnutls_strerror(r));
		goto out;
	}
	if (fill_key(crt, c) < 0) {
		err_set(e, RW_EXIT_INPUT, "%s: cannot hash certificate", origin);
		goto out;
	}
	if (gnutls_x509_crt_get_dn3(crt, &dn, 0) < 0 || (c->subject = datum_to_str(&dn)) == NULL) {
		err_set(e, RW_EXIT_INPUT, "%s: cannot read the subject", origin);
		goto out;
	}
	if (same_raw_dns(crt)) {
		/* The same DER name gives the same text: skip a second decoding (a root's case). */
		if ((c->issuer = strdup(c->subject)) == NULL) {
			err_set(e, RW_EXIT_FAILURE, "%s: out of memory", origin);
			goto out;
		}
	} else if (gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0) < 0 ||
	           (c->issuer = datum_to_str(&dn)) == NULL) {
		err_set(e, RW_EXIT_INPUT, "%s: cannot read the issuer", origin);
		goto out;
	}
	c->cn = common_name(crt);
	if ((c->label = strdup(c->cn ? c->cn : c->subject)) == NULL) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", origin);
		goto out;
	}
	c->not_before = gnutls_x509_crt_get_activation_time(crt);
	c->not_after = gnutls_x509_crt_get_expiration_time(crt);
	fill_sig(crt, c);
	r = gnutls_x509_crt_get_basic_constraints(crt, &critical, &ca, NULL);
	c->is_ca = r >= 0 && ca != 0;
	r = gnutls_x509_crt_get_key_usage(crt, &ku, &critical);
	c->has_key_usage = r >= 0;
	c->key_usage = r >= 0 ? ku : 0;
	fill_self_signature(crt, c);
	ret = c;
	c = NULL;
out:
	gnutls_free(dn.data);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	cert_free(c);
	return ret;
}

int cert_gnutls(const struct cert *c, gnutls_x509_crt_t *out, struct rw_err *e)
{
	gnutls_datum_t d = {c->der, (unsigned)c->der_len};
	int r;

	*out = NULL;
	if (gnutls_x509_crt_init(out) < 0)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", c->origin);
	r = gnutls_x509_crt_import(*out, &d, GNUTLS_X509_FMT_DER);
	if (r < 0) {
		gnutls_x509_crt_deinit(*out);
		*out = NULL;
		return err_set(e, RW_EXIT_INPUT, "%s: %s", c->origin, gnutls_strerror(r));
	}
	return 0;
}

int cert_check_root(const struct cert *c, struct rw_err *e)
{
	if (!c->self_issued)
		return err_set(e, RW_EXIT_INPUT, "%s: %s is not a root: issued by another CA (%s)",
		               c->origin, c->label, c->issuer);
	if (!c->self_sig_ok)
		return err_set(e, RW_EXIT_INPUT,
		               "%s: %s is not a root: its self-signature does not verify",
		               c->origin, c->label);
	if (!c->is_ca)
		return err_set(e, RW_EXIT_INPUT,
		               "%s: %s is not a root: basicConstraints does not say CA:TRUE",
		               c->origin, c->label);
	if (c->has_key_usage && !(c->key_usage & GNUTLS_KEY_KEY_CERT_SIGN))
		return err_set(e, RW_EXIT_INPUT,
		               "%s: %s is not a root: key usage lacks keyCertSign", c->origin,
		               c->label);
	return 0;
}

int cert_is_expired(const struct cert *c, time_t at)
{
	return c->not_after != (time_t)-1 && c->not_after < at;
}

int fingerprint_normalize(const char *in, char out[CERT_HEX_LEN + 1])
{
	size_t n = 0;

	for (const char *p = in; *p; p++) {
		if (*p == ':' || *p == ' ')
			continue;
		if (!isxdigit((unsigned char)*p) || n == CERT_HEX_LEN)
			return -1;
		out[n++] = (char)toupper((unsigned char)*p);
	}
	out[n] = '\0';
	return n == CERT_HEX_LEN ? 0 : -1;
}

/* ---- PEM and DER ---------------------------------------------------------------------------- */

/* The text of a marker line "-----BEGIN X-----" (kind "BEGIN") without CR/LF: X, or NULL. */
static int marker(const char *line, size_t len, const char *kind, const char **label,
                  size_t *label_len)
{
	size_t klen = strlen(kind);

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (len < 10 + klen + 1 || memcmp(line, "-----", 5) != 0 ||
	    memcmp(line + 5, kind, klen) != 0 || line[5 + klen] != ' ' ||
	    memcmp(line + len - 5, "-----", 5) != 0)
		return 0;
	*label = line + 6 + klen;
	*label_len = len - 5 - (6 + klen);
	return 1;
}

static int looks_like_pem(const unsigned char *data, size_t len)
{
	return memmem(data, len, "-----BEGIN ", 11) != NULL;
}

static int parse_pem(const unsigned char *data, size_t len, const char *path,
                     const struct verifycache *vc, struct certlist *out, struct rw_err *e)
{
	const char *p = (const char *)data, *end = p + len;
	const char *label = NULL, *block = NULL;
	size_t label_len = 0, lineno = 0, block_line = 0, found = 0;
	char origin[4096];

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *l2;
		size_t l2len;

		lineno++;
		if (block == NULL) {
			if (marker(p, (size_t)(eol - p), "BEGIN", &label, &label_len)) {
				if (label_len != 11 || memcmp(label, "CERTIFICATE", 11) != 0)
					return err_set(e, RW_EXIT_INPUT,
					               "%s:%zu: PEM block \"%.*s\" is not a "
					               "CERTIFICATE",
					               path, lineno, (int)label_len, label);
				block = p;
				block_line = lineno;
			}
		} else if (marker(p, (size_t)(eol - p), "BEGIN", &l2, &l2len)) {
			return err_set(e, RW_EXIT_INPUT,
			               "%s:%zu: truncated PEM block (no END line before the next "
			               "BEGIN)",
			               path, block_line);
		} else if (marker(p, (size_t)(eol - p), "END", &l2, &l2len)) {
			gnutls_datum_t pem = {(unsigned char *)block, (unsigned)(eol - block)};
			gnutls_datum_t der = {NULL, 0};
			struct cert *c;
			int r;

			if (l2len != label_len || memcmp(l2, label, label_len) != 0)
				return err_set(e, RW_EXIT_INPUT,
				               "%s:%zu: PEM block ends with a different label",
				               path, block_line);
			r = gnutls_pem_base64_decode2("CERTIFICATE", &pem, &der);
			if (r < 0)
				return err_set(e, RW_EXIT_INPUT, "%s:%zu: corrupt PEM block: %s",
				               path, block_line, gnutls_strerror(r));
			snprintf(origin, sizeof(origin), "%s:%zu", path, block_line);
			c = cert_from_der_vc(der.data, der.size, origin, vc, e);
			gnutls_free(der.data);
			if (c == NULL || certlist_add(out, c) < 0)
				return c ? err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path)
				         : -1;
			found++;
			block = NULL;
		}
		p = nl ? nl + 1 : end;
	}
	if (block != NULL)
		return err_set(e, RW_EXIT_INPUT, "%s:%zu: truncated PEM block (no END line)", path,
		               block_line);
	if (found == 0)
		return err_set(e, RW_EXIT_INPUT, "%s: no certificate in this PEM file", path);
	return 0;
}

int certs_parse(const unsigned char *data, size_t len, const char *path, struct certlist *out,
                struct rw_err *e)
{
	return certs_parse_vc(data, len, path, NULL, out, e);
}

int certs_parse_vc(const unsigned char *data, size_t len, const char *path,
                   const struct verifycache *vc, struct certlist *out, struct rw_err *e)
{
	struct certlist tmp = {0};
	struct cert *c;
	int rc = -1;

	if (len == 0) {
		err_set(e, RW_EXIT_INPUT, "%s: empty file, no certificate", path);
		goto out;
	}
	if (looks_like_pem(data, len)) {
		if (parse_pem(data, len, path, vc, &tmp, e) < 0)
			goto out;
	} else {
		c = cert_from_der_vc(data, len, path, vc, e);
		if (c == NULL) {
			err_set(e, RW_EXIT_INPUT, "%s: neither a PEM file nor a DER certificate",
			        path);
			goto out;
		}
		if (certlist_add(&tmp, c) < 0) {
			err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
			goto out;
		}
	}
	if (certlist_take_all(out, &tmp) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
		goto out;
	}
	rc = 0;
out:
	certlist_free(&tmp);
	return rc;
}

int certs_read_file(const char *path, struct certlist *out, struct rw_err *e)
{
	return certs_read_file_vc(path, NULL, out, e);
}

/* 'name' in the directory open as dirfd, known to the user as 'path'. */
static int read_file_at(int dirfd, const char *name, const char *path, const struct verifycache *vc,
                        struct certlist *out, struct rw_err *e)
{
	struct buf b;
	int rc;

	if (file_read_at(dirfd, name, path, FILEIO_DEFAULT_MAX, &b, e) < 0) {
		buf_free(&b);
		return -1;
	}
	rc = certs_parse_vc((const unsigned char *)b.data, b.len, path, vc, out, e);
	buf_free(&b);
	return rc;
}

int certs_read_file_vc(const char *path, const struct verifycache *vc, struct certlist *out,
                       struct rw_err *e)
{
	return read_file_at(AT_FDCWD, path, path, vc, out, e);
}

static int has_cert_suffix(const char *name)
{
	static const char *const sfx[] = {".pem", ".crt", ".cer", ".der"};
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if (n > 4 && strcmp(name + n - 4, sfx[i]) == 0)
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A directory of many files is read by several threads: parsing and the self-signature check are
 * the cost, and each file is independent. Each file's certificates go to their own list; the lists
 * are joined in name order, and the error reported is that of the first failing file in name
 * order, with the files before it appended. The result is exactly that of reading the files one
 * after another, whatever the scheduling.
 */
#define PAR_MIN_FILES 64
#define PAR_MAX_THREADS 8

struct par_job {
	const char *dir;
	int dirfd;
	char *const *names;
	const struct verifycache *vc;
	struct certlist *lists; /* one per file */
	size_t n;
	atomic_size_t next;  /* the next file to take */
	atomic_size_t first; /* the first failing file seen so far (n: none) */
};

struct par_worker {
	struct par_job *job;
	pthread_t tid;
	size_t failed; /* the file this worker failed on (SIZE_MAX: none) */
	struct rw_err err;
};

static void *par_run(void *arg)
{
	struct par_worker *w = arg;
	struct par_job *j = w->job;
	char *full = NULL;

	for (;;) {
		size_t i = atomic_fetch_add(&j->next, 1), first;

		/* Files are taken in increasing order: past a failure, nothing more is needed. */
		if (i >= j->n || i > atomic_load(&j->first))
			break;
		if (asprintf(&full, "%s/%s", j->dir, j->names[i]) < 0) {
			full = NULL;
			err_set(&w->err, RW_EXIT_FAILURE, "%s: out of memory", j->dir);
		} else if (read_file_at(j->dirfd, j->names[i], full, j->vc, &j->lists[i],
		                        &w->err) == 0) {
			free(full);
			continue;
		}
		free(full);
		w->failed = i;
		first = atomic_load(&j->first);
		while (i < first && !atomic_compare_exchange_weak(&j->first, &first, i))
			;
		break;
	}
	return NULL;
}

static size_t cpu_count(void)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	return n > 0 ? (size_t)n : 1;
}

static int read_files_parallel(const char *dir, int dirfd, char *const *names, size_t n,
                               const struct verifycache *vc, struct certlist *out, struct rw_err *e)
{
	struct par_job j = {.dir = dir, .dirfd = dirfd, .names = names, .vc = vc, .n = n};
	struct par_worker w[PAR_MAX_THREADS];
	size_t nw = cpu_count(), started = 1, failed = SIZE_MAX, who = 0;
	int rc = -1;

	if (nw > PAR_MAX_THREADS)
		nw = PAR_MAX_THREADS;
	atomic_init(&j.next, 0);
	atomic_init(&j.first, n);
	j.lists = calloc(n, sizeof(*j.lists));
	if (j.lists == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", dir);
	for (size_t k = 0; k < nw; k++) {
		w[k].job = &j;
		w[k].failed = SIZE_MAX;
		err_clear(&w[k].err);
	}
	/* Worker 0 is this thread; a thread that cannot be started leaves more work to the others.
	 */
	for (size_t k = 1; k < nw; k++)
		if (pthread_create(&w[started].tid, NULL, par_run, &w[started]) == 0)
			started++;
	par_run(&w[0]);
	for (size_t k = 1; k < started; k++)
		pthread_join(w[k].tid, NULL);
	for (size_t k = 0; k < started; k++)
		if (w[k].failed < failed) {
			failed = w[k].failed;
			who = k;
		}
	for (size_t i = 0; i < n && i < failed; i++)
		if (certlist_take_all(out, &j.lists[i]) < 0) {
			err_set(e, RW_EXIT_FAILURE, "%s: out of memory", dir);
			goto out;
		}
	if (failed != SIZE_MAX) {
		if (e != NULL)
			*e = w[who].err;
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		certlist_free(&j.lists[i]);
	free(j.lists);
	return rc;
}

int certs_read_path(const char *path, struct certlist *out, struct rw_err *e)
{
	return certs_read_path_vc(path, NULL, out, e);
}

int certs_read_path_vc(const char *path, const struct verifycache *vc, struct certlist *out,
                       struct rw_err *e)
{
	DIR *d = NULL;
	struct dirent *de;
	char **names = NULL, *full = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;

	d = opendir(path);
	if (d == NULL) {
		if (errno == ENOTDIR)
			return certs_read_file_vc(path, vc, out, e);
		return err_set(e, RW_EXIT_INPUT, "%s: %s", path, strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !has_cert_suffix(de->d_name))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **nn = realloc(names, ncap * sizeof(*nn));

			if (nn == NULL)
				goto oom;
			names = nn;
			cap = ncap;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto oom;
		n++;
	}
	if (n == 0) {
		err_set(e, RW_EXIT_INPUT,
		        "%s: no *.pem, *.crt, *.cer or *.der file in this directory", path);
		goto out;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	if (n >= PAR_MIN_FILES) {
		rc = read_files_parallel(path, dirfd(d), names, n, vc, out, e);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		free(full);
		if (asprintf(&full, "%s/%s", path, names[i]) < 0) {
			full = NULL;
			goto oom;
		}
		if (read_file_at(dirfd(d), names[i], full, vc, out, e) < 0)
			goto out;
	}
	rc = 0;
	goto out;
oom:
	err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
out:
	free(full);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

/* ---- lists ---------------------------------------------------------------------------------- */

int certlist_add(struct certlist *l, struct cert *c)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct cert **nv = realloc(l->v, ncap * sizeof(*nv));

		if (nv == NULL) {
			cert_free(c);
			return -1;
		}
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = c;
	return 0;
}

static int cert_cmp(const void *a, const void *b)
{
	const struct cert *x = *(struct cert *const *)a, *y = *(struct cert *const *)b;
	int r = strcmp(x->subject, y->subject);

	return r ? r : strcmp(x->sha256, y->sha256);
}

void certlist_sort(struct certlist *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cert_cmp);
}

size_t certlist_dedup(struct certlist *l)
{
	size_t w = 0, removed = 0;

	for (size_t r = 0; r < l->n; r++) {
		if (w > 0 && strcmp(l->v[w - 1]->sha256, l->v[r]->sha256) == 0) {
			cert_free(l->v[r]);
			removed++;
			continue;
		}
		l->v[w++] = l->v[r];
	}
	l->n = w;
	return removed;
}

struct cert *certlist_find(const struct certlist *l, const char *sha256)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i]->sha256, sha256) == 0)
			return l->v[i];
	return NULL;
}

int certlist_take_all(struct certlist *dst, struct certlist *src)
{
	if (dst->n + src->n > dst->cap) {
		size_t ncap = dst->cap ? dst->cap : 16;
		struct cert **nv;

		while (ncap < dst->n + src->n)
			ncap *= 2;
		nv = realloc(dst->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		dst->v = nv;
		dst->cap = ncap;
	}
	for (size_t i = 0; i < src->n; i++)
		dst->v[dst->n++] = src->v[i];
	src->n = 0;
	return 0;
}

void certlist_free(struct certlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		cert_free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
