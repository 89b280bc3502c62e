/* emit_pem_dir.c - one PEM file per root, NAME.pem (GnuTLS trust directories, humans). */
#include "emit.h"

int emit_pem_dir(const struct bundle *b, const char *dest, const struct emit_opts *o,
                 struct rw_err *e)
{
	char **names = emit_names(b, 1);
	int rc;

	if (names == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", dest), SAVE_ERROR;
	rc = emit_dir_write(b, dest, o, names, ".pem", emit_pem_block, e);
	emit_names_free(names, b->certs.n);
	return rc;
}
