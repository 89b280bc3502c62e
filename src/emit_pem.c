/* emit_pem.c - the PEM bundle: OpenSSL, libpq, the MySQL clients, curl and Go read it as is. */
#include "emit.h"

#include <gnutls/gnutls.h>

#include "date.h"

/* A certificate's name may hold anything; a comment line must not end early. */
static void put_label(struct save *s, const char *label)
{
	for (const unsigned char *p = (const unsigned char *)label; *p; p++) {
		char ch = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;

		save_write(s, &ch, 1);
	}
}

int emit_pem(const struct bundle *b, struct save *s, struct rw_err *e)
{
	char when[21];

	for (size_t i = 0; i < b->certs.n; i++) {
		const struct cert *c = b->certs.v[i];
		gnutls_datum_t der = {c->der, (unsigned)c->der_len}, pem = {NULL, 0};
		int r = gnutls_pem_base64_encode2("CERTIFICATE", &der, &pem);

		if (r < 0)
			return err_set(e, RW_EXIT_FAILURE, "%s: cannot encode %s: %s",
			               save_target(s), c->label, gnutls_strerror(r));
		time_format(c->not_after, when);
		save_printf(s, "%s# ", i ? "\n" : "");
		put_label(s, c->label);
		save_printf(s, "\n# SHA-256: %s\n# Not after: %s\n", c->sha256, when);
		save_write(s, pem.data, pem.size);
		gnutls_free(pem.data);
	}
	return 0;
}
