/* fuzz_jwt.c - libFuzzer target for the token parsers: the input is tried as a compact JWS
 * (jwt.h), as a key set (jwks.h), and as a token run through every rule of token_check.h with no
 * key set (so the claim rules see whatever the parser lets through). Seeds: tests/fuzz/corpus/jwt/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "findings.h"
#include "jwks.h"
#include "jwt.h"
#include "token_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwt t;
	struct jwks *s = NULL;
	struct findings f;
	struct token_opts o = {.tenant = "11111111-2222-3333-4444-555555555555",
	                       .cloud = token_cloud_find("public"),
	                       .at = 1800000000,
	                       .min_remaining_s = 300,
	                       .skew_s = -1};

	if (jwt_parse((const char *)data, size, &t, NULL) == 0)
		jwt_free(&t);
	if (jwks_parse((const char *)data, size, "fuzz", &s, NULL) == 0) {
		o.keys = s;
	}
	findings_init(&f);
	token_check((const char *)data, size, &o, &f, NULL);
	findings_free(&f);
	jwks_free(s);
	return 0;
}
