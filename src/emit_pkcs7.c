/* emit_pkcs7.c - one PKCS #7 certificates-only bundle (.p7b, DER), as Windows, IIS and
 * 'openssl pkcs7 -print_certs' read it. GnuTLS encodes and decodes it. */
#include "emit.h"

#include <gnutls/pkcs7.h>

#include "fileio.h"

#define STORE_MAX (256u << 20) /* a store read back is at most 256 MiB */

int emit_pkcs7(const struct bundle *b, const char *dest, const struct emit_opts *o,
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
