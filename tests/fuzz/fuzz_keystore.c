/* fuzz_keystore.c - every trust store 'check bundle' and sync read back (emit.h emit_read_any):
 * JKS, PKCS #12 (MAC checked with the default password), PKCS #7, PEM/DER, told apart by their
 * first bytes. The input is written to a file (the readers take paths). */
#include <stddef.h>
#include <stdint.h>

#include "emit.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct certlist l = {0};
	struct rw_err e = {{0}, 0};
	const char *path;

	if (size > (1u << 20))
		return 0;
	path = fuzz_file("store", data, size);
	if (path != NULL && emit_read_any(path, NULL, &l, NULL, &e) == 0)
		certlist_free(&l);
	return 0;
}
