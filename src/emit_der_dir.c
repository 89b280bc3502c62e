/* emit_der_dir.c - one DER file per root, NAME.cer (Windows certutil, .NET X509Certificate2,
 * 'openssl x509 -inform DER'). */
#include "emit.h"

static int der_of(const struct cert *c, struct buf *out, struct rw_err *e)
{
	if (buf_append(out, c->der, c->der_len) < 0)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", c->label);
	return 0;
}

int emit_der_dir(const struct bundle *b, const char *dest, const struct emit_opts *o,
                 struct rw_err *e)
{
	char **names = emit_names(b, 1);
	int rc;

	if (names == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", dest), SAVE_ERROR;
	rc = emit_dir_write(b, dest, o, names, ".cer", der_of, e);
	emit_names_free(names, b->certs.n);
	return rc;
}
