/* jwt.c - JWS compact serialisation: three base64url parts (nettle), two JSON objects (jansson). */
#include "jwt.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/base64.h>
#include <stdlib.h>
#include <string.h>

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void trim(const char **p, size_t *len)
{
	while (*len && is_space(**p)) {
		(*p)++;
		(*len)--;
	}
	while (*len && is_space((*p)[*len - 1]))
		(*len)--;
}

void jwt_fingerprint(const char *token, size_t len, char out[JWT_FP_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];

	trim(&token, &len);
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, token, len, md) < 0) {
		memset(out, '?', JWT_FP_LEN);
	} else {
		for (size_t i = 0; i < JWT_FP_LEN / 2; i++) {
			out[2 * i] = hex[md[i] >> 4];
			out[2 * i + 1] = hex[md[i] & 15];
		}
	}
	out[JWT_FP_LEN] = '\0';
}

static int is_b64url(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int b64url_decode(const char *in, size_t len, size_t max, const char *what, unsigned char **out,
                  size_t *out_len, struct rw_err *e)
{
	struct base64_decode_ctx ctx;
	char *padded = NULL;
	unsigned char *dst = NULL;
	size_t plen, dlen = 0;
	int rc = -1;

	*out = NULL;
	*out_len = 0;
	if (len > max)
		return err_set(e, RW_EXIT_INPUT,
		               "token: %s: %zu characters, more than the limit of %zu", what, len,
		               max);
	for (size_t i = 0; i < len; i++)
		if (!is_b64url(in[i]))
			return err_set(e, RW_EXIT_INPUT, "token: %s: not base64url (character %zu)",
			               what, i + 1);
	if (len % 4 == 1)
		return err_set(e, RW_EXIT_INPUT, "token: %s: not base64url (length %zu)", what,
		               len);
	/* nettle wants the padding that JWS leaves out */
	plen = len + (4 - len % 4) % 4;
	padded = malloc(plen + 1);
	dst = malloc(BASE64_DECODE_LENGTH(plen) + 1);
	if (padded == NULL || dst == NULL) {
		err_set(e, RW_EXIT_FAILURE, "token: %s: out of memory", what);
		goto out;
	}
	memcpy(padded, in, len);
	memset(padded + len, '=', plen - len);
	base64url_decode_init(&ctx);
	dlen = BASE64_DECODE_LENGTH(plen);
	if (!base64_decode_update(&ctx, &dlen, dst, plen, padded) || !base64_decode_final(&ctx)) {
		err_set(e, RW_EXIT_INPUT, "token: %s: not base64url (not canonical)", what);
		goto out;
	}
	dst[dlen] = '\0';
	*out = dst;
	*out_len = dlen;
	dst = NULL;
	rc = 0;
out:
	free(padded);
	free(dst);
	return rc;
}

static json_t *decode_object(const char *in, size_t len, size_t max, const char *what,
                             struct rw_err *e)
{
	unsigned char *raw = NULL;
	size_t n;
	json_error_t je;
	json_t *o = NULL;

	if (b64url_decode(in, len, max, what, &raw, &n, e) < 0)
		return NULL;
	/* jansson's message can quote the input: only the position is reported */
	o = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL)
		err_set(e, RW_EXIT_INPUT, "token: %s: not JSON (at byte %d)", what, je.position);
	else if (!json_is_object(o)) {
		err_set(e, RW_EXIT_INPUT, "token: %s: not a JSON object", what);
		json_decref(o);
		o = NULL;
	}
	free(raw);
	return o;
}

int jwt_parse(const char *token, size_t len, struct jwt *out, struct rw_err *e)
{
	const char *dot1, *dot2, *p;
	size_t hlen, plen, slen;
	json_t *v;

	memset(out, 0, sizeof(*out));
	trim(&token, &len);
	if (len == 0)
		return err_set(e, RW_EXIT_INPUT, "token: empty");
	if (len > JWT_MAX_TOKEN)
		return err_set(e, RW_EXIT_INPUT, "token: %zu bytes, more than the limit of %zu",
		               len, JWT_MAX_TOKEN);
	dot1 = memchr(token, '.', len);
	dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
	p = dot2 ? memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)) : NULL;
	if (dot1 == NULL || dot2 == NULL || p != NULL)
		return err_set(e, RW_EXIT_INPUT,
		               "token: not a JWS compact serialisation (want 3 parts separated by "
		               "'.', got %d)",
		               dot1 == NULL   ? 1
		               : dot2 == NULL ? 2
		                              : 4);
	hlen = (size_t)(dot1 - token);
	plen = (size_t)(dot2 - dot1 - 1);
	slen = len - (size_t)(dot2 + 1 - token);
	if (hlen == 0 || plen == 0)
		return err_set(e, RW_EXIT_INPUT, "token: the %s is empty",
		               hlen ? "payload" : "header");
	if ((out->header = decode_object(token, hlen, JWT_MAX_HEADER_B64, "header", e)) == NULL ||
	    (out->claims = decode_object(dot1 + 1, plen, JWT_MAX_PAYLOAD_B64, "payload", e)) ==
	            NULL ||
	    b64url_decode(dot2 + 1, slen, JWT_MAX_SIG_B64, "signature", &out->sig, &out->sig_len,
	                  e) < 0)
		goto fail;
	out->signing_input_len = (size_t)(dot2 - token);
	out->signing_input = malloc(out->signing_input_len + 1);
	if (out->signing_input == NULL) {
		err_set(e, RW_EXIT_FAILURE, "token: out of memory");
		goto fail;
	}
	memcpy(out->signing_input, token, out->signing_input_len);
	out->signing_input[out->signing_input_len] = '\0';
	v = json_object_get(out->header, "alg");
	out->alg = json_is_string(v) ? json_string_value(v) : NULL;
	v = json_object_get(out->header, "kid");
	out->kid = json_is_string(v) ? json_string_value(v) : NULL;
	return 0;
fail:
	jwt_free(out);
	return -1;
}

void jwt_free(struct jwt *j)
{
	if (j == NULL)
		return;
	json_decref(j->header);
	json_decref(j->claims);
	if (j->signing_input) {
		/* the signed text is the token minus its signature: do not leave it in freed memory
		 */
		gnutls_memset(j->signing_input, 0, j->signing_input_len);
		free(j->signing_input);
	}
	free(j->sig);
	memset(j, 0, sizeof(*j));
}
