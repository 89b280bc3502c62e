/* emit_pkcs7.c - one PKCS #7 certificates-only bundle (.p7b, DER), as Windows, IIS and
 * 'openssl pkcs7 -print_certs' read it: the bytes GnuTLS's encoder gives, written around the sorted
 * certificates (emit_pkcs7_gnutls() is that encoder, the reference); GnuTLS decodes it. */
#include "emit.h"

#include <gnutls/pkcs7.h>
#include <libtasn1.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

#define STORE_MAX (256u << 20) /* a store read back is at most 256 MiB */

/* The certificates in DER order: a SET OF is encoded with its elements sorted as octet strings
 * (X.690 11.6), which is how libtasn1 orders GnuTLS's "certificates" field. */
static int cmp_der(const void *a, const void *b)
{
	const struct cert *x = *(const struct cert *const *)a, *y = *(const struct cert *const *)b;
	size_t n = x->der_len < y->der_len ? x->der_len : y->der_len;
	int r = memcmp(x->der, y->der, n);

	return r ? r : (x->der_len > y->der_len) - (x->der_len < y->der_len);
}

/* Appends a DER header (tag, then the length of contents of len bytes) to out. */
static size_t der_head(unsigned char *out, unsigned char tag, size_t len)
{
	int n = 0;

	out[0] = tag;
	asn1_length_der((unsigned long)len, out + 1, &n);
	return 1 + (size_t)n;
}

/*
 * GnuTLS encodes this structure through libtasn1, whose appends to the certificates SET OF take
 * time linear in the certificates already there (1.2 s of CPU for 10,000). A degenerate
 * SignedData is fixed but for that set, so it is written here around the sorted certificates:
 *   ContentInfo { signedData, [0] SignedData { 1, {}, { GnuTLS's content type }, [0] certs, {} } }
 * byte for byte what gnutls_pkcs7_set_crt_raw() + gnutls_pkcs7_export2() give (a test compares
 * them); an empty bundle still goes through GnuTLS.
 */
static int emit_pkcs7_fast(const struct bundle *b, const char *dest, const struct emit_opts *o,
                           struct rw_err *e)
{
	static const unsigned char oid_signed[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
	                                           0xf7, 0x0d, 0x01, 0x07, 0x02};
	static const unsigned char mid[] = {0x02, 0x01, 0x01, 0x31, 0x00, 0x30, 0x0b, 0x06, 0x09,
	                                    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x05};
	static const unsigned char tail[] = {0x31, 0x00};
	unsigned char h_certs[16], h_sd[16], h_expl[16], h_outer[16];
	size_t certs = 0, n_certs, n_sd, n_expl, n_outer, sd, expl, outer;
	struct cert **v = malloc(b->certs.n * sizeof(*v));
	struct save *s;

	if (v == NULL) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", dest);
		return SAVE_ERROR;
	}
	memcpy(v, b->certs.v, b->certs.n * sizeof(*v));
	qsort(v, b->certs.n, sizeof(*v), cmp_der);
	for (size_t i = 0; i < b->certs.n; i++)
		certs += v[i]->der_len;
	n_certs = der_head(h_certs, 0xa0, certs);
	sd = sizeof(mid) + n_certs + certs + sizeof(tail);
	n_sd = der_head(h_sd, 0x30, sd);
	expl = n_sd + sd;
	n_expl = der_head(h_expl, 0xa0, expl);
	outer = sizeof(oid_signed) + n_expl + expl;
	n_outer = der_head(h_outer, 0x30, outer);
	if ((s = save_open(dest, &o->save, e)) == NULL) {
		free(v);
		return SAVE_ERROR;
	}
	save_write(s, h_outer, n_outer);
	save_write(s, oid_signed, sizeof(oid_signed));
	save_write(s, h_expl, n_expl);
	save_write(s, h_sd, n_sd);
	save_write(s, mid, sizeof(mid));
	save_write(s, h_certs, n_certs);
	for (size_t i = 0; i < b->certs.n; i++)
		save_write(s, v[i]->der, v[i]->der_len);
	save_write(s, tail, sizeof(tail));
	free(v);
	return save_finish(s, e);
}

int emit_pkcs7_gnutls(const struct bundle *b, const char *dest, const struct emit_opts *o,
                      struct rw_err *e)
{
	gnutls_pkcs7_t p7 = NULL;
	gnutls_datum_t out = {NULL, 0};
	int r, rc = SAVE_ERROR;

	if ((r = gnutls_pkcs7_init(&p7)) < 0)
		goto fail;
	for (size_t i = 0; i < b->certs.n; i++) {
		gnutls_datum_t d = {b->certs.v[i]->der, (unsigned)b->certs.v[i]->der_len};

		if ((r = gnutls_pkcs7_set_crt_raw(p7, &d)) < 0)
			goto fail;
	}
	if ((r = gnutls_pkcs7_export2(p7, GNUTLS_X509_FMT_DER, &out)) < 0)
		goto fail;
	rc = save_bytes(dest, out.data, out.size, &o->save, e);
	goto out;
fail:
	err_set(e, RW_EXIT_FAILURE, "%s: cannot encode PKCS #7: %s", dest, gnutls_strerror(r));
out:
	gnutls_free(out.data);
	gnutls_pkcs7_deinit(p7);
	return rc;
}

int emit_pkcs7(const struct bundle *b, const char *dest, const struct emit_opts *o,
               struct rw_err *e)
{
	if (b->certs.n == 0)
		return emit_pkcs7_gnutls(b, dest, o, e);
	return emit_pkcs7_fast(b, dest, o, e);
}

int emit_pkcs7_read(const char *path, const struct emit_opts *o, struct certlist *out,
                    struct rw_err *e)
{
	gnutls_pkcs7_t p7 = NULL;
	struct certlist got = {0};
	struct buf data;
	gnutls_datum_t d;
	int r, n, rc = -1;

	buf_init(&data, 0);
	if (file_read_all(path, STORE_MAX, &data, e) < 0)
		return -1;
	if ((r = gnutls_pkcs7_init(&p7)) < 0)
		goto bad;
	d.data = (unsigned char *)data.data;
	d.size = (unsigned)data.len;
	if ((r = gnutls_pkcs7_import(p7, &d, GNUTLS_X509_FMT_DER)) < 0 &&
	    (r = gnutls_pkcs7_import(p7, &d, GNUTLS_X509_FMT_PEM)) < 0)
		goto bad;
	if ((n = gnutls_pkcs7_get_crt_count(p7)) < 0) {
		r = n;
		goto bad;
	}
	for (int i = 0; i < n; i++) {
		gnutls_datum_t c = {NULL, 0};
		struct cert *ct;

		if ((r = gnutls_pkcs7_get_crt_raw2(p7, (unsigned)i, &c)) < 0)
			goto bad;
		ct = cert_from_der(c.data, c.size, path, e);
		gnutls_free(c.data);
		if (ct == NULL || certlist_add(&got, ct) < 0)
			goto out;
	}
	if (certlist_take_all(out, &got) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
		goto out;
	}
	rc = 0;
	goto out;
bad:
	err_set(e, RW_EXIT_INPUT, "%s: not a PKCS #7 certificate bundle: %s", path,
	        gnutls_strerror(r));
out:
	gnutls_pkcs7_deinit(p7);
	certlist_free(&got);
	buf_free(&data);
	return rc;
}
