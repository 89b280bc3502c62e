/* fuzz_catalog_archive.c - what the signed catalog channel reads from the network: the ustar
 * archive (ustar.h, as catalog_update reads it once the signature holds) and the signature file
 * (catalog_update.h: its PEM blocks, checked against a pin). The first half of the input is the
 * archive, the second the signature text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "catalog_update.h"
#include "ustar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
	        "0000000000000000000000000000000000000000000000000000000000000000"};
	struct ustar_limits lim = {USTAR_DEFAULT_MAX_FILES, USTAR_DEFAULT_MAX_FILE};
	struct ustar_entry *v = NULL;
	struct rw_err e = {{0}, 0};
	char spki[CERT_HEX_LEN + 1];
	size_t n = 0, half = size / 2;

	if (ustar_parse(data, half, &lim, "fuzz.tar", &v, &n, &e) == 0)
		free(v);
	(void)catalog_signature_verify(data, half, data + half, size - half, keys, 1, "fuzz.tar",
	                               spki, &e);
	return 0;
}
