/* fuzz_cert.c - PEM/DER certificate reading (cert.h: certs_parse, cert_check_root). */
#include <stddef.h>
#include <stdint.h>

#include "cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct certlist l = {0};
	struct rw_err e = {{0}, 0};

	if (certs_parse(data, size, "fuzz.pem", &l, &e) == 0) {
		for (size_t i = 0; i < l.n; i++)
			(void)cert_check_root(l.v[i], &e);
		certlist_sort(&l);
	}
	certlist_free(&l);
	return 0;
}
