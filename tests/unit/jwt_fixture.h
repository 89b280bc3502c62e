/*
 * jwt_fixture.h - RSA keys as JWKs and signed tokens, made with GnuTLS for the token tests
 * (test_jwt.c, test_jwks.c, test_token_check.c). Header-only; every function fails the running
 * cmocka test on error. Strings returned are malloc'd (caller frees).
 */
#ifndef RW_JWT_FIXTURE_H
#define RW_JWT_FIXTURE_H

#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static inline char *jf_b64url(const void *p, size_t n)
{
	struct base64_encode_ctx ctx;
	char *out = malloc(BASE64_ENCODE_LENGTH(n) + BASE64_ENCODE_FINAL_LENGTH + 1);
	size_t len;

	assert_non_null(out);
	base64url_encode_init(&ctx);
	len = base64_encode_update(&ctx, out, n, p);
	len += base64_encode_final(&ctx, out + len);
	while (len && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	return out;
}

static inline char *jf_b64(const void *p, size_t n)
{
	struct base64_encode_ctx ctx;
	char *out = malloc(BASE64_ENCODE_LENGTH(n) + BASE64_ENCODE_FINAL_LENGTH + 1);
	size_t len;

	assert_non_null(out);
	base64_encode_init(&ctx);
	len = base64_encode_update(&ctx, out, n, p);
	len += base64_encode_final(&ctx, out + len);
	out[len] = '\0';
	return out;
}

/* A fresh RSA key of bits bits (caller deinits). */
static inline gnutls_x509_privkey_t jf_rsa(unsigned bits)
{
	gnutls_x509_privkey_t k;

	assert_int_equal(gnutls_x509_privkey_init(&k), 0);
	assert_int_equal(gnutls_x509_privkey_generate(k, GNUTLS_PK_RSA, bits, 0), 0);
	return k;
}

/* One JWK object's text: {"kty":"RSA","use":"sig","kid":KID,"n":..,"e":..[,"alg":ALG][,"x5c":[..]]}
 */
static inline char *jf_jwk(gnutls_x509_privkey_t k, const char *kid, const char *alg,
                           gnutls_x509_crt_t x5c)
{
	gnutls_datum_t m, e;
	char *n64, *e64, *x = NULL, *out = NULL;

	assert_int_equal(gnutls_x509_privkey_export_rsa_raw(k, &m, &e, NULL, NULL, NULL, NULL), 0);
	/* GnuTLS gives a leading zero byte when the top bit is set; a JWK has none */
	n64 = jf_b64url(m.data + (m.data[0] == 0), m.size - (m.data[0] == 0));
	e64 = jf_b64url(e.data + (e.data[0] == 0), e.size - (e.data[0] == 0));
	if (x5c) {
		gnutls_datum_t der;

		assert_int_equal(gnutls_x509_crt_export2(x5c, GNUTLS_X509_FMT_DER, &der), 0);
		x = jf_b64(der.data, der.size);
		gnutls_free(der.data);
	}
	assert_true(asprintf(&out,
	                     "{\"kty\":\"RSA\",\"use\":\"sig\",\"kid\":\"%s\",\"n\":\"%s\","
	                     "\"e\":\"%s\"%s%s%s%s%s%s}",
	                     kid, n64, e64, alg ? ",\"alg\":\"" : "", alg ? alg : "",
	                     alg ? "\"" : "", x ? ",\"x5c\":[\"" : "", x ? x : "",
	                     x ? "\"]" : "") > 0);
	free(n64);
	free(e64);
	free(x);
	gnutls_free(m.data);
	gnutls_free(e.data);
	return out;
}

/* {"keys":[JWK, JWK...]} from NULL-terminated JWK texts. */
static inline char *jf_jwks(const char *const *jwks)
{
	size_t len = 16;
	char *out;

	for (size_t i = 0; jwks[i]; i++)
		len += strlen(jwks[i]) + 1;
	out = malloc(len);
	assert_non_null(out);
	strcpy(out, "{\"keys\":[");
	for (size_t i = 0; jwks[i]; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, jwks[i]);
	}
	strcat(out, "]}");
	return out;
}

/* HEADER.PAYLOAD.SIG, signed RS256 with k (k NULL: an empty signature). */
static inline char *jf_token(const char *header, const char *claims, gnutls_x509_privkey_t k)
{
	char *h = jf_b64url(header, strlen(header)), *p = jf_b64url(claims, strlen(claims));
	char *input = NULL, *s = NULL, *out = NULL;

	assert_true(asprintf(&input, "%s.%s", h, p) > 0);
	if (k) {
		gnutls_privkey_t pk;
		gnutls_datum_t d = {(unsigned char *)input, (unsigned)strlen(input)}, sig;

		assert_int_equal(gnutls_privkey_init(&pk), 0);
		assert_int_equal(gnutls_privkey_import_x509(pk, k, 0), 0);
		assert_int_equal(gnutls_privkey_sign_data(pk, GNUTLS_DIG_SHA256, 0, &d, &sig), 0);
		s = jf_b64url(sig.data, sig.size);
		gnutls_free(sig.data);
		gnutls_privkey_deinit(pk);
	} else {
		s = strdup("");
	}
	assert_true(asprintf(&out, "%s.%s", input, s) > 0);
	free(h);
	free(p);
	free(input);
	free(s);
	return out;
}

/* HS256 over HEADER.PAYLOAD keyed with secret (the confusion attack: the RSA public key). */
static inline char *jf_token_hs256(const char *header, const char *claims, const void *secret,
                                   size_t secret_len)
{
	char *h = jf_b64url(header, strlen(header)), *p = jf_b64url(claims, strlen(claims));
	char *input = NULL, *s, *out = NULL;
	unsigned char mac[32];

	assert_true(asprintf(&input, "%s.%s", h, p) > 0);
	assert_int_equal(
	        gnutls_hmac_fast(GNUTLS_MAC_SHA256, secret, secret_len, input, strlen(input), mac),
	        0);
	s = jf_b64url(mac, sizeof(mac));
	assert_true(asprintf(&out, "%s.%s", input, s) > 0);
	free(h);
	free(p);
	free(input);
	free(s);
	return out;
}

#endif
