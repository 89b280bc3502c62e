/*
 * jwt.h - a JSON Web Token in JWS compact serialisation (RFC 7515 / 7519), parsed but not trusted.
 *
 * Contract:
 * - jwt_parse() takes the token text (surrounding white space is ignored, nothing else is) and
 *   fills a struct jwt that the caller releases with jwt_free() (safe on a zeroed or freed one,
 *   and after a failed parse). Nothing is verified here: the signature is checked by jwks.h's
 *   jwk_verify_rs256() over signing_input, and the claims by token_check.h.
 * - Exactly three parts separated by '.', each non-empty, each strict base64url without padding
 *   (RFC 7515 section 2; decoded by nettle, so a non-canonical tail is refused too); the header
 *   and payload decode to JSON objects (jansson, no duplicate keys). Size limits on every part:
 *   JWT_MAX_TOKEN for the whole, and the JWT_MAX_* below for each part.
 * - Error messages never contain the token or any part of it, only which part is wrong and why
 *   ("token: payload: not base64url (character 17)"), with RW_EXIT_INPUT. The only thing a caller
 *   may show of a token is its fingerprint: the first 12 hex digits of the SHA-256 of the token
 *   text (white space trimmed), computed by jwt_fingerprint() even for a token that does not parse.
 */
#ifndef RW_JWT_H
#define RW_JWT_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

#define JWT_MAX_TOKEN ((size_t)16 << 10)     /* the whole compact serialisation */
#define JWT_MAX_HEADER_B64 ((size_t)2 << 10) /* encoded header */
#define JWT_MAX_PAYLOAD_B64 ((size_t)12 << 10)
#define JWT_MAX_SIG_B64 ((size_t)2 << 10) /* 1366 characters is an RSA-8192 signature */
#define JWT_FP_LEN 12

struct jwt {
	json_t *header;      /* owned: the decoded JOSE header object */
	json_t *claims;      /* owned: the decoded payload object */
	char *signing_input; /* owned: "HEADER.PAYLOAD" as received (what was signed) */
	size_t signing_input_len;
	unsigned char *sig; /* owned: the decoded signature (may be empty for alg none) */
	size_t sig_len;
	const char *alg; /* borrowed from header: "alg", NULL when absent or not a string */
	const char *kid; /* borrowed from header: "kid", NULL when absent or not a string */
};

/* The token's fingerprint (first JWT_FP_LEN hex digits of SHA-256 of the trimmed text). */
void jwt_fingerprint(const char *token, size_t len, char out[JWT_FP_LEN + 1]);
int jwt_parse(const char *token, size_t len, struct jwt *out, struct rw_err *e);
void jwt_free(struct jwt *j);

/*
 * Strict base64url without padding into a new buffer (caller frees *out; NUL-terminated, the NUL
 * not counted). what names the input in the error ("payload", "n"); max bounds the encoded length.
 * Shared with jwks.c for a JWK's n and e.
 */
int b64url_decode(const char *in, size_t len, size_t max, const char *what, unsigned char **out,
                  size_t *out_len, struct rw_err *e);

#endif
