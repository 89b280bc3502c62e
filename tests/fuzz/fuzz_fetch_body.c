/* fuzz_fetch_body.c - an HTTP body as fetch hands it to sync: parsed as PEM or DER, exactly one
 * certificate, matched against a root's pins, checked as a root (sync.c accept_body's steps).
 * The pin is that of the seed corpus/fetch_body/root.der, so the fuzzer reaches the match. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "catalog.h"
#include "cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEED_PIN "FC5FBD10C3234DF184FC6EB128E12DAF02AE1564B2CD9423683D9D88B5E1FC0D"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalog_root r;
	struct certlist l = {0};
	struct rw_err e = {{0}, 0};

	memset(&r, 0, sizeof(r));
	r.id = "fuzz";
	r.name = "fuzz root";
	strcpy(r.sha256, SEED_PIN);
	if (certs_parse(data, size, "https://127.0.0.1/root.pem", &l, &e) == 0 && l.n == 1 &&
	    catalog_root_matches(&r, l.v[0], &e) == 0)
		(void)cert_check_root(l.v[0], &e);
	certlist_free(&l);
	return 0;
}
