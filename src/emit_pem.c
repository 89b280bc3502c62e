/* emit_pem.c - the PEM bundle: OpenSSL, libpq, the MySQL clients, curl and Go read it as is. */
#include "emit.h"

#include <gnutls/gnutls.h>

#include "date.h"

/* A certificate's name may hold anything; a comment line must not end early. */
static int put_label(struct buf *out, const char *label)
{
	for (const unsigned char *p = (const unsigned char *)label; *p; p++) {
		char ch = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;

		if (buf_append(out, &ch, 1) < 0)
			return -1;
	}
	return 0;
}

int emit_pem_block(const struct cert *c, struct buf *out, struct rw_err *e)
{
	gnutls_datum_t der = {c->der, (unsigned)c->der_len}, pem = {NULL, 0};
	char when[21];
	int r = gnutls_pem_base64_encode2("CERTIFICATE", &der, &pem);

	if (r < 0)
		return err_set(e, RW_EXIT_FAILURE, "%s: cannot encode: %s", c->label,
		               gnutls_strerror(r));
	time_format(c->not_after, when);
	r = buf_puts(out, "# ") < 0 || put_label(out, c->label) < 0 ||
	                    buf_printf(out, "\n# SHA-256: %s\n# Not after: %s\n", c->sha256, when) <
	                            0 ||
	                    buf_append(out, pem.data, pem.size) < 0
	            ? -1
	            : 0;
	gnutls_free(pem.data);
	if (r < 0)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", c->label);
	return 0;
}

int emit_pem(const struct bundle *b, const char *dest, const struct emit_opts *o, struct rw_err *e)
{
	struct save *s = save_open(dest, &o->save, e);
	struct buf one;

	if (s == NULL)
		return SAVE_ERROR;
	buf_init(&one, 0);
	for (size_t i = 0; i < b->certs.n; i++) {
		one.len = 0;
		if (emit_pem_block(b->certs.v[i], &one, e) < 0) {
			err_prefix(e, dest);
			buf_free(&one);
			save_discard(s);
			return SAVE_ERROR;
		}
		if (i)
			save_write(s, "\n", 1);
		save_write(s, one.data, one.len);
	}
	buf_free(&one);
	return save_finish(s, e);
}

int emit_pem_read(const char *path, const struct emit_opts *o, struct certlist *out,
                  struct rw_err *e)
{
	return certs_read_file(path, out, e);
}
