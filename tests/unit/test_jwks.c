/* test_jwks.c - key sets: what is accepted, what is refused (each reason named), lookup by kid,
 * x5c agreement, and kid diffs. Keys are generated here with GnuTLS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "jwks.h"
#include "jwt.h"
#include "jwt_fixture.h"
#include "strv.h"

static gnutls_x509_privkey_t k2048, k2048b, k1024;

static int group_setup(void **state)
{
	(void)state;
	k2048 = jf_rsa(2048);
	k2048b = jf_rsa(2048);
	k1024 = jf_rsa(1024);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	gnutls_x509_privkey_deinit(k2048);
	gnutls_x509_privkey_deinit(k2048b);
	gnutls_x509_privkey_deinit(k1024);
	return 0;
}

/* Parses text; on want_ok 0 asserts the error holds why. */
static struct jwks *parse(const char *text, int want_ok, const char *why)
{
	struct jwks *s = NULL;
	struct rw_err e = {{0}, 0};
	int r = jwks_parse(text, strlen(text), "https://example.test/keys", &s, &e);

	if (want_ok) {
		if (r != 0)
			fail_msg("refused: %s", e.msg);
		return s;
	}
	assert_int_equal(r, -1);
	assert_null(s);
	assert_int_equal(e.status, RW_EXIT_INPUT);
	if (strncmp(e.msg, "https://example.test/keys", 25) != 0 || strstr(e.msg, why) == NULL)
		fail_msg("error '%s' lacks '%s'", e.msg, why);
	return NULL;
}

static gnutls_x509_crt_t self_signed(gnutls_x509_privkey_t k)
{
	gnutls_x509_crt_t c;

	assert_int_equal(gnutls_x509_crt_init(&c), 0);
	assert_int_equal(gnutls_x509_crt_set_key(c, k), 0);
	assert_int_equal(gnutls_x509_crt_set_version(c, 3), 0);
	assert_int_equal(gnutls_x509_crt_set_serial(c, "\x01", 1), 0);
	assert_int_equal(gnutls_x509_crt_set_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME, 0, "jwk", 3),
	                 0);
	assert_int_equal(gnutls_x509_crt_set_activation_time(c, time(NULL) - 60), 0);
	assert_int_equal(gnutls_x509_crt_set_expiration_time(c, time(NULL) + 86400), 0);
	assert_int_equal(gnutls_x509_crt_sign2(c, c, k, GNUTLS_DIG_SHA256, 0), 0);
	return c;
}

static void test_valid_set_and_lookup(void **state)
{
	char *a = jf_jwk(k2048, "A", NULL, NULL), *b = jf_jwk(k2048b, "B", "RS256", NULL);
	const char *v[] = {a, b, NULL};
	char *text = jf_jwks(v);
	struct jwks *s = parse(text, 1, NULL);

	(void)state;
	assert_int_equal(s->n, 2);
	assert_non_null(jwks_find(s, "A"));
	assert_int_equal(jwks_find(s, "A")->bits, 2048);
	assert_null(jwks_find(s, "A")->alg);
	assert_string_equal(jwks_find(s, "B")->alg, "RS256");
	assert_null(jwks_find(s, "C"));
	assert_null(jwks_find(s, NULL));
	jwks_free(s);
	free(a);
	free(b);
	free(text);
}

static void test_refused(void **state)
{
	char *small = jf_jwk(k1024, "small", NULL, NULL), *a = jf_jwk(k2048, "A", NULL, NULL);
	char *text;
	const char *v[3] = {NULL, NULL, NULL};

	(void)state;
	parse("not json", 0, "not JSON");
	parse("{\"keys\":[]}", 0, "no non-empty array");
	parse("[1]", 0, "no non-empty array");
	parse("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}", 0, "kid is missing");
	parse("{\"keys\":[{\"kid\":\"x\",\"kty\":\"EC\",\"crv\":\"P-256\"}]}", 0,
	      "kty is 'EC', not RSA");
	parse("{\"keys\":[{\"kid\":\"x\",\"kty\":\"RSA\",\"e\":\"AQAB\"}]}", 0,
	      "n is missing or not a string");
	parse("{\"keys\":[{\"kid\":\"x\",\"kty\":\"RSA\",\"n\":\"a+b/\",\"e\":\"AQAB\"}]}", 0,
	      "n: not base64url");
	v[0] = small;
	text = jf_jwks(v);
	parse(text, 0, "keys[0] (kid small): modulus of 1024 bits, less than 2048");
	free(text);
	v[0] = a;
	v[1] = a;
	text = jf_jwks(v);
	parse(text, 0, "keys[1]: kid A appears twice");
	free(text);
	/* an even exponent, "use": "enc" */
	{
		char *bad = strdup(a), *p = strstr(bad, "\"e\":\"AQAB\"");

		assert_non_null(p);
		memcpy(p, "\"e\":\"AQAC\"", 10);
		v[0] = bad;
		v[1] = NULL;
		text = jf_jwks(v);
		parse(text, 0, "e is not an odd exponent");
		free(text);
		p = strstr(bad, "\"use\":\"sig\"");
		memcpy(p, "\"use\":\"enc\"", 11);
		memcpy(strstr(bad, "\"e\":\"AQAC\""), "\"e\":\"AQAB\"", 10);
		text = jf_jwks(v);
		parse(text, 0, "use is not \"sig\"");
		free(text);
		free(bad);
	}
	free(small);
	free(a);
}

static void test_x5c_must_match(void **state)
{
	gnutls_x509_crt_t own = self_signed(k2048), other = self_signed(k2048b);
	char *good = jf_jwk(k2048, "A", NULL, own), *bad = jf_jwk(k2048, "A", NULL, other);
	const char *v[2] = {good, NULL};
	char *text = jf_jwks(v);
	struct jwks *s = parse(text, 1, NULL);

	(void)state;
	assert_int_equal(jwks_find(s, "A")->has_x5c, 1);
	jwks_free(s);
	free(text);
	v[0] = bad;
	text = jf_jwks(v);
	parse(text, 0, "x5c[0]: the certificate's key is not the key's n and e");
	free(text);
	parse("{\"keys\":[{\"kid\":\"x\",\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\",\"x5c\":"
	      "\"no\"}]}",
	      0, "modulus"); /* n is checked first: a 17-bit modulus */
	gnutls_x509_crt_deinit(own);
	gnutls_x509_crt_deinit(other);
	free(good);
	free(bad);
}

static void test_verify(void **state)
{
	char *a = jf_jwk(k2048, "A", NULL, NULL);
	const char *v[2] = {a, NULL};
	char *text = jf_jwks(v), *tok = jf_token("{\"alg\":\"RS256\"}", "{}", k2048);
	char *wrong = jf_token("{\"alg\":\"RS256\"}", "{}", k2048b);
	struct jwks *s = parse(text, 1, NULL);
	struct jwt t, w;
	struct rw_err e = {{0}, 0};

	(void)state;
	assert_int_equal(jwt_parse(tok, strlen(tok), &t, &e), 0);
	assert_int_equal(jwt_parse(wrong, strlen(wrong), &w, &e), 0);
	assert_int_equal(jwk_verify_rs256(jwks_find(s, "A"), t.signing_input, t.signing_input_len,
	                                  t.sig, t.sig_len, &e),
	                 0);
	assert_int_equal(jwk_verify_rs256(jwks_find(s, "A"), w.signing_input, w.signing_input_len,
	                                  w.sig, w.sig_len, &e),
	                 -1);
	assert_int_equal(jwk_verify_rs256(jwks_find(s, "A"), t.signing_input, t.signing_input_len,
	                                  t.sig, 0, &e),
	                 -1);
	jwt_free(&t);
	jwt_free(&w);
	jwt_free(&w); /* safe twice */
	jwks_free(s);
	free(a);
	free(text);
	free(tok);
	free(wrong);
}

static void test_kids_and_diff(void **state)
{
	char *a = jf_jwk(k2048, "zeta", NULL, NULL), *b = jf_jwk(k2048b, "alpha", NULL, NULL);
	const char *v[3] = {a, b, NULL};
	char *text = jf_jwks(v);
	struct jwks *s = parse(text, 1, NULL);
	char **kids, **added, **removed;
	size_t n, na, nr;
	char *old[] = {"alpha", "beta"}, *new[] = {"alpha", "gamma", "zeta"};

	(void)state;
	assert_int_equal(jwks_kids(s, &kids, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(kids[0], "alpha"); /* sorted, whatever the document's order */
	assert_string_equal(kids[1], "zeta");
	strv_free(kids, n);
	assert_int_equal(jwks_diff(old, 2, new, 3, &added, &na, &removed, &nr), 0);
	assert_int_equal(na, 2);
	assert_string_equal(added[0], "gamma");
	assert_string_equal(added[1], "zeta");
	assert_int_equal(nr, 1);
	assert_string_equal(removed[0], "beta");
	strv_free(added, na);
	strv_free(removed, nr);
	assert_int_equal(jwks_diff(NULL, 0, new, 3, &added, &na, &removed, &nr), 0);
	assert_int_equal(na, 3);
	assert_int_equal(nr, 0);
	strv_free(added, na);
	strv_free(removed, nr);
	jwks_free(s);
	jwks_free(NULL);
	free(a);
	free(b);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_valid_set_and_lookup), cmocka_unit_test(test_refused),
	        cmocka_unit_test(test_x5c_must_match),       cmocka_unit_test(test_verify),
	        cmocka_unit_test(test_kids_and_diff),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
