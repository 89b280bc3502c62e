/* test_token_check.c - the rules of "check token" on tokens signed here with GnuTLS: each case
 * asserts the verdict of its rule, the overall status, and that neither the token nor any of its
 * parts shows up in the text or JSON report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#include "findings.h"
#include "jwks.h"
#include "jwt.h"
#include "jwt_fixture.h"
#include "token_check.h"

#define TID "11111111-2222-3333-4444-555555555555"
#define OTHER_TID "99999999-8888-7777-6666-555555555555"
#define AUD "https://ossrdbms-aad.database.windows.net"
#define NOW 1800000000LL /* 2027-01-15T08:00:00Z */

static gnutls_x509_privkey_t key_a, key_b;
static char *jwks_a_text, *jwks_ab_text, *jwk_a, *jwk_b;

static int group_setup(void **state)
{
	gnutls_x509_crt_t crt;
	struct tu_cert_opts o;
	struct tu_cert *c;
	const char *one[2], *two[3];

	(void)state;
	key_a = jf_rsa(2048);
	key_b = jf_rsa(2048);
	/* key A carries an x5c certificate of its own key */
	tu_cert_opts_init(&o, "rwtest token signing A");
	o.key = TU_RSA_2048;
	c = tu_make(&o);
	crt = c->crt;
	/* tu_make signs with the cached RSA key: re-key the certificate with key A */
	assert_int_equal(gnutls_x509_crt_set_key(crt, key_a), 0);
	assert_int_equal(gnutls_x509_crt_sign2(crt, crt, key_a, GNUTLS_DIG_SHA256, 0), 0);
	jwk_a = jf_jwk(key_a, "kidA", NULL, crt);
	tu_cert_free(c);
	jwk_b = jf_jwk(key_b, "kidB", NULL, NULL);
	one[0] = jwk_a;
	one[1] = NULL;
	two[0] = jwk_a;
	two[1] = jwk_b;
	two[2] = NULL;
	jwks_a_text = jf_jwks(one);
	jwks_ab_text = jf_jwks(two);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	gnutls_x509_privkey_deinit(key_a);
	gnutls_x509_privkey_deinit(key_b);
	free(jwks_a_text);
	free(jwks_ab_text);
	free(jwk_a);
	free(jwk_b);
	return 0;
}

struct tc {
	struct jwks *keys;
	struct findings f;
	struct token_opts o;
	int refetches;
	const char *refetch_text; /* what a refetch returns */
};

static int setup(void **state)
{
	struct tc *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_int_equal(jwks_parse(jwks_a_text, strlen(jwks_a_text), "keys.json", &t->keys, NULL),
	                 0);
	findings_init(&t->f);
	t->o.tenant = TID;
	t->o.cloud = token_cloud_find("public");
	t->o.at = (time_t)NOW;
	t->o.min_remaining_s = 5 * 60;
	t->o.skew_s = -1;
	t->o.keys = t->keys;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tc *t = *state;

	jwks_free(t->keys);
	findings_free(&t->f);
	free(t);
	return 0;
}

static char *claims(const char *iss, const char *tid, const char *aud, long long exp, long long nbf,
                    long long iat)
{
	char *s = NULL;

	assert_true(asprintf(&s,
	                     "{\"aud\":%s,\"iss\":\"%s\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld,"
	                     "\"tid\":\"%s\",\"upn\":\"alice@contoso.example\","
	                     "\"oid\":\"0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e\",\"ver\":\"1.0\"}",
	                     aud, iss, iat, nbf, exp, tid) > 0);
	return s;
}

#define V1 "https://sts.windows.net/" TID "/"
#define V2 "https://login.microsoftonline.com/" TID "/v2.0"
#define QAUD "\"" AUD "\""
#define HDR_A "{\"typ\":\"JWT\",\"alg\":\"RS256\",\"kid\":\"kidA\"}"

/* A token signed by key A for the standard claims, with the times relative to NOW. */
static char *std_token(const char *iss, const char *tid, const char *aud, long long exp_in)
{
	char *c = claims(iss, tid, aud, NOW + exp_in, NOW - 300, NOW - 300);
	char *t = jf_token(HDR_A, c, key_a);

	free(c);
	return t;
}

/* The report in text and JSON holds neither the token nor any of its parts. */
static void assert_no_leak(const struct findings *f, const char *token)
{
	struct buf b;
	json_t *j = findings_json(f, "token");
	char *js = json_dumps(j, 0), *copy = strdup(token), *part, *save = NULL;

	buf_init(&b, 0);
	assert_int_equal(findings_text(f, "token", &b), 0);
	assert_non_null(js);
	if (strlen(token) >= 8) {
		assert_null(strstr(b.data, token));
		assert_null(strstr(js, token));
	}
	for (part = strtok_r(copy, ".", &save); part; part = strtok_r(NULL, ".", &save)) {
		char probe[17];

		if (strlen(part) < 16)
			continue;
		/* any 16 characters of a part would do; the first 16 are enough to catch a copy */
		memcpy(probe, part, 16);
		probe[16] = '\0';
		assert_null(strstr(b.data, probe));
		assert_null(strstr(js, probe));
	}
	free(copy);
	free(js);
	json_decref(j);
	buf_free(&b);
}

static const struct finding *run(struct tc *t, const char *token, const char *rule)
{
	struct rw_err e = {{0}, 0};

	assert_int_equal(token_check(token, strlen(token), &t->o, &t->f, &e), 0);
	assert_no_leak(&t->f, token);
	return rule ? findings_find(&t->f, NULL, rule) : NULL;
}

static void expect(struct tc *t, const char *rule, enum verdict v, const char *in_reason)
{
	const struct finding *x = findings_find(&t->f, NULL, rule);

	if (x == NULL)
		fail_msg("no finding for rule %s", rule);
	if (x->verdict != v || (in_reason && strstr(x->reason, in_reason) == NULL))
		fail_msg("rule %s: %s '%s', want %s with '%s'", rule, verdict_name(x->verdict),
		         x->reason, verdict_name(v), in_reason ? in_reason : "");
}

static void test_valid_v1(void **state)
{
	struct tc *t = *state;
	char *tok = std_token(V1, TID, QAUD, 3600);

	run(t, tok, NULL);
	expect(t, "format", V_PASS, NULL);
	expect(t, "alg", V_PASS, "RS256");
	expect(t, "kid", V_PASS, "x5c certificate matches");
	expect(t, "signature", V_PASS, "kidA");
	expect(t, "issuer", V_PASS, "v1 issuer");
	expect(t, "tenant", V_PASS, TID);
	expect(t, "audience", V_PASS, AUD);
	expect(t, "expiry", V_PASS, "in 1 h 0 min");
	expect(t, "not-before", V_PASS, NULL);
	expect(t, "issued-at", V_PASS, NULL);
	expect(t, "identity", V_PASS, "upn alice@contoso.example, oid 0a0a0a0a");
	assert_int_equal(findings_status(&t->f), 0);
	/* the subject is the fingerprint */
	assert_non_null(strstr(t->f.v[0].subject, "token sha256:"));
	assert_int_equal(strlen(t->f.v[0].subject), strlen("token sha256:") + 12);
	free(tok);
}

static void test_valid_v2_uppercase_tenant_option(void **state)
{
	struct tc *t = *state;
	char *tok = std_token(V2, TID, QAUD, 3600);

	t->o.tenant = "11111111-2222-3333-4444-555555555555";
	run(t, tok, NULL);
	expect(t, "issuer", V_PASS, "v2 issuer");
	assert_int_equal(findings_status(&t->f), 0);
	free(tok);
}

static void test_expired(void **state)
{
	struct tc *t = *state;
	char *tok = std_token(V1, TID, QAUD, -3600);

	run(t, tok, NULL);
	expect(t, "expiry", V_FAIL, "expired at");
	expect(t, "signature", V_PASS, NULL);
	assert_int_equal(findings_status(&t->f), 2);
	free(tok);
}

static void test_expired_within_skew_warns(void **state)
{
	struct tc *t = *state;
	char *tok = std_token(V1, TID, QAUD, -60);

	run(t, tok, NULL);
	expect(t, "expiry", V_WARN, "within the 300 s clock skew");
	assert_int_equal(findings_status(&t->f), 1);
	free(tok);
}

static void test_expiring_within_window(void **state)
{
	struct tc *t = *state;
	char *tok = std_token(V1, TID, QAUD, 120);

	run(t, tok, NULL);
	expect(t, "expiry", V_WARN, "in 2 min (less than 5 min)");
	assert_int_equal(findings_status(&t->f), 1);
	t->o.min_remaining_s = 60;
	findings_free(&t->f);
	run(t, tok, NULL);
	expect(t, "expiry", V_PASS, NULL);
	free(tok);
}

static void test_not_yet_valid(void **state)
{
	struct tc *t = *state;
	char *c = claims(V1, TID, QAUD, NOW + 7200, NOW + 3600, NOW + 3600);
	char *tok = jf_token(HDR_A, c, key_a);

	run(t, tok, NULL);
	expect(t, "not-before", V_FAIL, "not valid before");
	expect(t, "issued-at", V_FAIL, "issued in the future");
	assert_int_equal(findings_status(&t->f), 2);
	/* within the skew it passes */
	free(c);
	free(tok);
	c = claims(V1, TID, QAUD, NOW + 7200, NOW + 120, NOW + 120);
	tok = jf_token(HDR_A, c, key_a);
	findings_free(&t->f);
	run(t, tok, NULL);
	expect(t, "not-before", V_PASS, NULL);
	expect(t, "issued-at", V_PASS, NULL);
	free(c);
	free(tok);
}

static void test_wrong_audience(void **state)
{
	struct tc *t = *state;
	char *tok = std_token(V1, TID, "\"https://management.azure.com/\"", 3600);

	run(t, tok, NULL);
	expect(t, "audience", V_FAIL, "a token for another resource");
	assert_int_equal(findings_status(&t->f), 2);
	/* --audience overrides the cloud's */
	t->o.audience = "https://management.azure.com/";
	findings_free(&t->f);
	run(t, tok, NULL);
	expect(t, "audience", V_PASS, NULL);
	free(tok);
}

static void test_audience_array(void **state)
{
	struct tc *t = *state;
	char *tok = std_token(V1, TID, "[\"api://other\", " QAUD "]", 3600);

	run(t, tok, NULL);
	expect(t, "audience", V_PASS, NULL);
	free(tok);
}

static void test_wrong_tenant(void **state)
{
	struct tc *t = *state;
	char *tok = std_token("https://sts.windows.net/" OTHER_TID "/", OTHER_TID, QAUD, 3600);

	run(t, tok, NULL);
	expect(t, "issuer", V_FAIL, "is neither");
	expect(t, "tenant", V_FAIL, "is not the server's tenant " TID);
	assert_int_equal(findings_status(&t->f), 2);
	free(tok);
}

static void test_sovereign_issuers(void **state)
{
	struct tc *t = *state;
	char *tok = std_token("https://login.chinacloudapi.cn/" TID "/v2.0", TID,
	                      "\"https://ossrdbms-aad.database.chinacloudapi.cn\"", 3600);

	run(t, tok, NULL);
	expect(t, "issuer", V_FAIL, NULL); /* the public cloud does not take China's issuer */
	expect(t, "audience", V_FAIL, NULL);
	t->o.cloud = token_cloud_find("china");
	findings_free(&t->f);
	run(t, tok, NULL);
	expect(t, "issuer", V_PASS, "v2 issuer https://login.chinacloudapi.cn/");
	expect(t, "audience", V_PASS, NULL);
	free(tok);
	tok = std_token("https://sts.chinacloudapi.cn/" TID "/", TID,
	                "\"https://ossrdbms-aad.database.chinacloudapi.cn\"", 3600);
	findings_free(&t->f);
	run(t, tok, NULL);
	expect(t, "issuer", V_PASS, "v1 issuer https://sts.chinacloudapi.cn/");
	free(tok);
	t->o.cloud = token_cloud_find("government");
	tok = std_token("https://login.microsoftonline.us/" TID "/v2.0", TID,
	                "\"https://ossrdbms-aad.database.usgovcloudapi.net\"", 3600);
	findings_free(&t->f);
	run(t, tok, NULL);
	expect(t, "issuer", V_PASS, "v2 issuer https://login.microsoftonline.us/");
	expect(t, "audience", V_PASS, NULL);
	assert_int_equal(findings_status(&t->f), 0);
	free(tok);
	/* Government v1: its own login host, and sts.windows.net */
	tok = std_token("https://login.microsoftonline.us/" TID "/", TID,
	                "\"https://ossrdbms-aad.database.usgovcloudapi.net\"", 3600);
	findings_free(&t->f);
	run(t, tok, NULL);
	expect(t, "issuer", V_PASS, "v1 issuer https://login.microsoftonline.us/" TID "/");
	assert_int_equal(findings_status(&t->f), 0);
	free(tok);
	tok = std_token("https://sts.windows.net/" TID "/", TID,
	                "\"https://ossrdbms-aad.database.usgovcloudapi.net\"", 3600);
	findings_free(&t->f);
	run(t, tok, NULL);
	expect(t, "issuer", V_PASS, "v1 issuer https://sts.windows.net/" TID "/");
	free(tok);
	/* ... but not China's issuers, nor the public audience */
	tok = std_token("https://sts.chinacloudapi.cn/" TID "/", TID, QAUD, 3600);
	findings_free(&t->f);
	run(t, tok, NULL);
	expect(t, "issuer", V_FAIL,
	       "https://login.microsoftonline.us/" TID "/ (or https://sts.windows.net/");
	expect(t, "audience", V_FAIL, NULL);
	free(tok);
	/* China v2 on login.partner.microsoftonline.cn; the public v2 issuer is refused there */
	t->o.cloud = token_cloud_find("china");
	tok = std_token("https://login.partner.microsoftonline.cn/" TID "/v2.0", TID,
	                "\"https://ossrdbms-aad.database.chinacloudapi.cn\"", 3600);
	findings_free(&t->f);
	run(t, tok, NULL);
	expect(t, "issuer", V_PASS, "v2 issuer https://login.partner.microsoftonline.cn/");
	assert_int_equal(findings_status(&t->f), 0);
	free(tok);
	tok = std_token(V2, TID, "\"https://ossrdbms-aad.database.chinacloudapi.cn\"", 3600);
	findings_free(&t->f);
	run(t, tok, NULL);
	expect(t, "issuer", V_FAIL, "is neither the china cloud's");
	free(tok);
	/* the table: each cloud's audience and key set URL */
	assert_string_equal(token_cloud_find("public")->audience,
	                    "https://ossrdbms-aad.database.windows.net");
	assert_string_equal(token_cloud_find("government")->jwks_url,
	                    "https://login.microsoftonline.us/common/discovery/v2.0/keys");
	assert_string_equal(token_cloud_find("china")->jwks_url,
	                    "https://login.chinacloudapi.cn/common/discovery/v2.0/keys");
}

static void test_alg_none(void **state)
{
	struct tc *t = *state;
	char *c = claims(V1, TID, QAUD, NOW + 3600, NOW, NOW);
	char *tok = jf_token("{\"alg\":\"none\",\"kid\":\"kidA\"}", c, NULL);

	run(t, tok, NULL);
	expect(t, "alg", V_FAIL, "alg none");
	expect(t, "signature", V_FAIL, "not verified");
	assert_int_equal(findings_status(&t->f), 2);
	free(c);
	free(tok);
}

static void test_hs256_with_public_key_as_secret(void **state)
{
	struct tc *t = *state;
	char *c = claims(V1, TID, QAUD, NOW + 3600, NOW, NOW);
	gnutls_pubkey_t pub;
	gnutls_datum_t pem;
	char *tok;

	/* the attack: HMAC keyed with the verifier's RSA public key (PEM), which anyone has */
	assert_int_equal(gnutls_pubkey_init(&pub), 0);
	{
		gnutls_privkey_t pk;

		assert_int_equal(gnutls_privkey_init(&pk), 0);
		assert_int_equal(gnutls_privkey_import_x509(pk, key_a, 0), 0);
		assert_int_equal(gnutls_pubkey_import_privkey(pub, pk, 0, 0), 0);
		gnutls_privkey_deinit(pk);
	}
	assert_int_equal(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_PEM, &pem), 0);
	tok = jf_token_hs256("{\"alg\":\"HS256\",\"kid\":\"kidA\"}", c, pem.data, pem.size);
	run(t, tok, NULL);
	expect(t, "alg", V_FAIL, "shared-secret MAC");
	expect(t, "signature", V_FAIL, "not verified");
	assert_int_equal(findings_status(&t->f), 2);
	/* every HMAC, in any case, and none in any case */
	{
		static const char *const hdr[] = {"{\"alg\":\"HS384\",\"kid\":\"kidA\"}",
		                                  "{\"alg\":\"HS512\",\"kid\":\"kidA\"}",
		                                  "{\"alg\":\"hs256\",\"kid\":\"kidA\"}",
		                                  "{\"alg\":\"NONE\",\"kid\":\"kidA\"}"};

		for (size_t i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
			free(tok);
			tok = jf_token_hs256(hdr[i], c, pem.data, pem.size);
			findings_free(&t->f);
			run(t, tok, NULL);
			expect(t, "alg", V_FAIL, i == 3 ? "alg none" : "shared-secret MAC");
			expect(t, "signature", V_FAIL, "not verified");
			assert_int_equal(findings_status(&t->f), 2);
		}
	}
	gnutls_free(pem.data);
	gnutls_pubkey_deinit(pub);
	free(c);
	free(tok);
}

static void test_alg_other_than_declared(void **state)
{
	struct tc *t = *state;
	const char *one[2];
	char *jwk = jf_jwk(key_a, "kidA", "RS384", NULL), *set;
	char *tok = std_token(V1, TID, QAUD, 3600);

	one[0] = jwk;
	one[1] = NULL;
	set = jf_jwks(one);
	jwks_free(t->keys);
	assert_int_equal(jwks_parse(set, strlen(set), "keys.json", &t->keys, NULL), 0);
	t->o.keys = t->keys;
	run(t, tok, NULL);
	expect(t, "alg", V_FAIL, "declares RS384");
	expect(t, "signature", V_FAIL, NULL);
	free(jwk);
	free(set);
	free(tok);
	/* and PS256 / ES256 are refused outright */
	findings_free(&t->f);
	{
		char *c = claims(V1, TID, QAUD, NOW + 3600, NOW, NOW);

		tok = jf_token("{\"alg\":\"ES256\",\"kid\":\"kidA\"}", c, key_a);
		run(t, tok, NULL);
		expect(t, "alg", V_FAIL, "only RS256");
		free(c);
		free(tok);
	}
}

static int refetch(void *ctx, struct jwks **out, struct rw_err *e)
{
	struct tc *t = ctx;

	t->refetches++;
	return jwks_parse(t->refetch_text, strlen(t->refetch_text), "https://keys", out, e);
}

static void test_unknown_kid(void **state)
{
	struct tc *t = *state;
	char *c = claims(V1, TID, QAUD, NOW + 3600, NOW, NOW);
	char *tok = jf_token("{\"alg\":\"RS256\",\"kid\":\"kidB\"}", c, key_b);

	/* no refetch possible (a file) */
	run(t, tok, NULL);
	expect(t, "kid", V_FAIL, "unknown signing key kidB");
	expect(t, "signature", V_FAIL, "no signing key");
	/* a refetch that still lacks it: fetched once, then FAIL */
	t->o.refetch = refetch;
	t->o.refetch_ctx = t;
	t->refetch_text = jwks_a_text;
	findings_free(&t->f);
	run(t, tok, NULL);
	assert_int_equal(t->refetches, 1);
	expect(t, "kid", V_FAIL, "also after fetching it again");
	/* the key set rotated: found after the refetch */
	t->refetch_text = jwks_ab_text;
	findings_free(&t->f);
	run(t, tok, NULL);
	assert_int_equal(t->refetches, 2);
	expect(t, "kid", V_PASS, "found after fetching the key set again");
	expect(t, "signature", V_PASS, "kidB");
	assert_int_equal(findings_status(&t->f), 0);
	/* a known kid is not refetched */
	free(tok);
	tok = std_token(V1, TID, QAUD, 3600);
	findings_free(&t->f);
	run(t, tok, NULL);
	assert_int_equal(t->refetches, 2);
	free(c);
	free(tok);
}

static void test_tampered_payload(void **state)
{
	struct tc *t = *state;
	char *tok = std_token(V1, TID, QAUD, 3600);
	char *other = std_token(V1, TID, QAUD, 86400 * 30); /* a longer life, same header */
	char *d1 = strchr(tok, '.'), *d2 = strchr(d1 + 1, '.');
	char *o1 = strchr(other, '.'), *o2 = strchr(o1 + 1, '.');
	char *forged = NULL;

	/* the other token's payload with this token's signature */
	assert_true(asprintf(&forged, "%.*s%.*s%s", (int)(d1 - tok), tok, (int)(o2 - o1), o1, d2) >
	            0);
	run(t, forged, NULL);
	expect(t, "signature", V_FAIL, "does not verify");
	assert_int_equal(findings_status(&t->f), 2);
	free(tok);
	free(other);
	free(forged);
}

static void test_tampered_signature(void **state)
{
	struct tc *t = *state;
	char *tok = std_token(V1, TID, QAUD, 3600);
	char *last = tok + strlen(tok) - 10;

	*last = *last == 'A' ? 'B' : 'A';
	run(t, tok, NULL);
	expect(t, "signature", V_FAIL, "does not verify");
	free(tok);
}

static void test_bad_base64url(void **state)
{
	struct tc *t = *state;
	char *tok = std_token(V1, TID, QAUD, 3600);
	char *p = strchr(tok, '.') + 5;

	*p = '+'; /* standard base64, not base64url */
	run(t, tok, NULL);
	expect(t, "format", V_FAIL, "payload: not base64url (character 5)");
	assert_int_equal(findings_status(&t->f), 2);
	assert_int_equal(t->f.n, 1); /* nothing else is judged */
	free(tok);
	findings_free(&t->f);
	run(t, "abc.def", NULL);
	expect(t, "format", V_FAIL, "got 2");
	findings_free(&t->f);
	run(t, "e30.e30.sig=", NULL);
	expect(t, "format", V_FAIL, "signature: not base64url");
	findings_free(&t->f);
	run(t, "WyJ4Il0.e30.", NULL); /* header ["x"] */
	expect(t, "format", V_FAIL, "header: not a JSON object");
}

static void test_huge_token(void **state)
{
	struct tc *t = *state;
	size_t n = (size_t)1 << 20;
	char *tok = malloc(n + 1);

	memset(tok, 'A', n);
	tok[1000] = '.';
	tok[2000] = '.';
	tok[n] = '\0';
	run(t, tok, NULL);
	expect(t, "format", V_FAIL, "1048576 bytes, more than the limit of 16384");
	free(tok);
}

static void test_whitespace_and_fingerprint(void **state)
{
	struct tc *t = *state;
	char *tok = std_token(V1, TID, QAUD, 3600), *nl = NULL;
	char fp1[JWT_FP_LEN + 1], fp2[JWT_FP_LEN + 1];

	assert_true(asprintf(&nl, "%s\n", tok) > 0);
	run(t, nl, NULL);
	assert_int_equal(findings_status(&t->f), 0);
	jwt_fingerprint(tok, strlen(tok), fp1);
	jwt_fingerprint(nl, strlen(nl), fp2);
	assert_string_equal(fp1, fp2);
	free(tok);
	free(nl);
}

/* The entry sync's configured checks use: the token in a file, the key set kept in the state
 * directory. Its exp is judged against now, so it is made relative to the clock. */
static void test_configured(void **state)
{
	struct tc *t = *state;
	char *dir = tu_tmpdir(), *jdir = tu_path(dir, "jwks"), *keys = tu_path(jdir, "public.json");
	char *file = tu_path(dir, "token"), *c, *tok;
	long long now = (long long)time(NULL);
	struct rw_err e = {{0}, 0};

	c = claims(V1, TID, QAUD, now + 3600, now - 60, now - 60);
	tok = jf_token(HDR_A, c, key_a);
	tu_writef(file, "%s\n", tok);
	assert_int_equal(chmod(file, 0600), 0);
	/* no copy kept yet: could not run */
	assert_int_equal(token_check_configured(file, TID, NULL, NULL, dir, NULL, &t->f, &e), -1);
	assert_non_null(strstr(e.msg, "jwks/public.json: no key set kept by sync"));
	assert_int_equal(mkdir(jdir, 0755), 0);
	tu_write(keys, jwks_a_text, strlen(jwks_a_text));
	assert_int_equal(token_check_configured(file, TID, NULL, NULL, dir, NULL, &t->f, &e), 0);
	assert_int_equal(findings_status(&t->f), 0);
	expect(t, "keyset", V_PASS, "1 RSA signing key");
	assert_no_leak(&t->f, tok);
	/* the government cloud reads its own copy, absent here */
	assert_int_equal(
	        token_check_configured(file, TID, "government", NULL, dir, NULL, &t->f, &e), -1);
	assert_int_equal(token_check_configured(file, TID, "germany", NULL, dir, NULL, &t->f, &e),
	                 -1);
	assert_int_equal(token_check_configured(file, "contoso", NULL, NULL, dir, NULL, &t->f, &e),
	                 -1);
	assert_int_equal(
	        token_check_configured("/nonexistent/token", TID, NULL, NULL, dir, NULL, &t->f, &e),
	        -1);
	/* an explicit key set file */
	findings_free(&t->f);
	assert_int_equal(
	        token_check_configured(file, TID, "public", keys, "/nonexistent", NULL, &t->f, &e),
	        0);
	assert_int_equal(findings_status(&t->f), 0);
	tu_rmrf(dir);
	free(dir);
	free(jdir);
	free(keys);
	free(file);
	free(c);
	free(tok);
}

/* Values from the token cannot break the report's lines. */
static void test_control_characters_shown_as_question_marks(void **state)
{
	struct tc *t = *state;
	char *c = NULL, *tok;
	struct buf b;

	assert_true(asprintf(&c,
	                     "{\"aud\":%s,\"iss\":\"%s\",\"iat\":%lld,\"exp\":%lld,\"tid\":\"%s\","
	                     "\"upn\":\"al\\nce@contoso.example\"}",
	                     QAUD, V1, NOW, NOW + 3600, TID) > 0);
	tok = jf_token("{\"alg\":\"RS256\",\"kid\":\"evil\\nPASS    signature\"}", c, key_a);
	run(t, tok, NULL);
	expect(t, "kid", V_FAIL, "unknown signing key evil?PASS    signature");
	expect(t, "identity", V_PASS, "upn al?ce@contoso.example");
	buf_init(&b, 0);
	assert_int_equal(findings_text(&t->f, "token", &b), 0);
	assert_null(strstr(b.data, "\nPASS    signature"));
	buf_free(&b);
	free(c);
	free(tok);
}

static void test_time_and_tenant_parsing(void **state)
{
	time_t v;

	(void)state;
	assert_int_equal(token_parse_time("2027-01-15", &v), 0);
	assert_int_equal((long long)v, 1800000000LL - 8 * 3600);
	assert_int_equal(token_parse_time("2027-01-15T08:00:00Z", &v), 0);
	assert_int_equal((long long)v, 1800000000LL);
	assert_int_equal(token_parse_time("@1800000000", &v), 0);
	assert_int_equal((long long)v, 1800000000LL);
	assert_int_equal(token_parse_time("2027-01-15T08:00Z", &v), -1);
	assert_int_equal(token_parse_time("2027-01-15 08:00:00", &v), -1);
	assert_int_equal(token_parse_time("@", &v), -1);
	assert_int_equal(token_tenant_ok(TID), 1);
	assert_int_equal(token_tenant_ok("11111111-2222-3333-4444-55555555555"), 0);
	assert_int_equal(token_tenant_ok("11111111-2222-3333-4444-5555555555555"), 0);
	assert_int_equal(token_tenant_ok("contoso.onmicrosoft.com"), 0);
	assert_non_null(token_cloud_find("government"));
	assert_null(token_cloud_find("germany"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_valid_v1, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_valid_v2_uppercase_tenant_option, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_expired, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_expired_within_skew_warns, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_expiring_within_window, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_not_yet_valid, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_wrong_audience, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_audience_array, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_wrong_tenant, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sovereign_issuers, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_alg_none, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_hs256_with_public_key_as_secret, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_alg_other_than_declared, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unknown_kid, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tampered_payload, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tampered_signature, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_base64url, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_huge_token, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_whitespace_and_fingerprint, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_configured, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_control_characters_shown_as_question_marks,
	                                        setup, teardown),
	        cmocka_unit_test(test_time_and_tenant_parsing),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
