/* test_jwt.c - JWS compact parsing: the three parts, strict base64url, JSON objects, the size
 * limits of every part, and errors that never quote the token. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "jwt.h"
#include "jwt_fixture.h"

/* Parses and expects a refusal whose message holds why and none of the token's text. */
static void refused(const char *tok, const char *why)
{
	struct jwt t;
	struct rw_err e = {{0}, 0};

	assert_int_equal(jwt_parse(tok, strlen(tok), &t, &e), -1);
	assert_int_equal(e.status, RW_EXIT_INPUT);
	if (strstr(e.msg, why) == NULL)
		fail_msg("'%s' lacks '%s'", e.msg, why);
	if (strlen(tok) >= 6 && strstr(e.msg, tok))
		fail_msg("the error quotes the token: %s", e.msg);
	assert_null(t.header);
	jwt_free(&t);
}

static void test_parts(void **state)
{
	char *tok = jf_token("{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"JWT\"}",
	                     "{\"sub\":\"x\",\"exp\":1}", NULL);
	char *padded = NULL;
	struct jwt t;
	struct rw_err e = {{0}, 0};

	(void)state;
	assert_int_equal(jwt_parse(tok, strlen(tok), &t, &e), 0);
	assert_string_equal(t.alg, "RS256");
	assert_string_equal(t.kid, "k1");
	assert_int_equal(t.sig_len, 0);
	assert_int_equal(t.signing_input_len, strlen(tok) - 1);
	assert_int_equal(json_integer_value(json_object_get(t.claims, "exp")), 1);
	jwt_free(&t);
	jwt_free(&t);

	refused("", "empty");
	refused("   \n", "empty");
	refused("abc", "got 1");
	refused("a.b.c.d", "got 4");
	refused(".e30.", "the header is empty");
	refused("e30..", "the payload is empty");
	refused("e30=.e30.", "header: not base64url (character 4)"); /* padding is not base64url */
	refused("e3 0.e30.", "header: not base64url (character 3)");
	refused("e30.e.", "payload: not base64url (length 1)");
	refused("e31.e30.", "header: not base64url (not canonical)"); /* stray low bits */
	refused("bnVsbA.e30.", "header: not JSON");                   /* null */
	refused("WzFd.e30.", "header: not a JSON object");            /* [1] */
	refused("e30.eyJhIjoxLCJhIjoyfQ.", "payload: not JSON");      /* {"a":1,"a":2} */
	refused("e30.eyJhIjoi.", "payload: not JSON (at byte");       /* {"a":" */
	assert_true(asprintf(&padded, "%s==", tok) > 0);
	refused(padded, "signature: not base64url");
	free(padded);
	free(tok);
}

static void test_limits(void **state)
{
	size_t n = JWT_MAX_HEADER_B64 + 4;
	char *big = malloc(JWT_MAX_TOKEN + 16);

	(void)state;
	memset(big, 'e', n);
	memcpy(big + n, ".e30.", 6);
	refused(big, "header: 2052 characters, more than the limit of 2048");
	memset(big, 'A', JWT_MAX_TOKEN + 1);
	big[JWT_MAX_TOKEN + 1] = '\0';
	refused(big, "token: 16385 bytes, more than the limit of 16384");
	free(big);
}

static void test_fingerprint(void **state)
{
	char a[JWT_FP_LEN + 1], b[JWT_FP_LEN + 1];

	(void)state;
	jwt_fingerprint("abc", 3, a);
	/* SHA-256("abc") = ba7816bf8f01cfea... */
	assert_string_equal(a, "ba7816bf8f01");
	jwt_fingerprint("  abc\r\n", 7, b);
	assert_string_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parts),
	        cmocka_unit_test(test_limits),
	        cmocka_unit_test(test_fingerprint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
