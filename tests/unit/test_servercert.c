/* test_servercert.c - the rules any server certificate meets (servercert.h) on generated
 * certificates: EKU required vs optional, the policy's words in reasons, and each verdict of the
 * chain check (verifies, untrusted, intermediate out of time, anchor out of time). */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "findings.h"
#include "servercert.h"

static const char *const dns_host[] = {"db.example.com", NULL};

static struct tu_cert *leaf_under(struct tu_cert *issuer, const char *const *eku)
{
	struct tu_cert_opts o;

	tu_cert_opts_init(&o, "db.example.com");
	o.dns = dns_host;
	o.eku = eku;
	o.key = TU_EC_P256;
	o.key_usage = GNUTLS_KEY_DIGITAL_SIGNATURE;
	o.issuer = issuer->crt;
	o.issuer_key = issuer->key;
	return tu_make(&o);
}

static const struct finding *rule(const struct findings *f, const char *r)
{
	const struct finding *x = findings_find(f, NULL, r);

	assert_non_null(x);
	return x;
}

static void test_eku_optional_or_required(void **state)
{
	struct tu_cert *root = tu_root("sc Root", TU_EC_P256), *leaf = leaf_under(root, NULL);
	const char *host = "db.example.com";
	struct servercert_opts so = {.hosts = &host, .n_hosts = 1};
	struct findings f;

	findings_init(&f);
	so.eku_optional = 1;
	assert_int_equal(servercert_check_crt(leaf->crt, "x", &so, &f, NULL), 0);
	assert_int_equal(rule(&f, "eku")->verdict, V_PASS);
	assert_int_equal(rule(&f, "hostname")->verdict, V_PASS);
	findings_free(&f);
	so.eku_optional = 0;
	so.who = "SQL Server";
	assert_int_equal(servercert_check_crt(leaf->crt, "x", &so, &f, NULL), 0);
	assert_int_equal(rule(&f, "eku")->verdict, V_FAIL);
	assert_non_null(strstr(rule(&f, "eku")->reason, "SQL Server needs Server Authentication"));
	findings_free(&f);
	/* a name that is not the certificate's */
	host = "other.example.com";
	assert_int_equal(servercert_check_crt(leaf->crt, "x", &so, &f, NULL), 0);
	assert_int_equal(rule(&f, "hostname")->verdict, V_FAIL);
	findings_free(&f);
	tu_cert_free(leaf);
	tu_cert_free(root);
}

static gnutls_x509_crt_t imported(const struct tu_cert *c)
{
	gnutls_x509_crt_t copy;

	assert_int_equal(gnutls_x509_crt_init(&copy), 0);
	assert_int_equal(gnutls_x509_crt_import(copy, &c->der, GNUTLS_X509_FMT_DER), 0);
	return copy;
}

static gnutls_x509_trust_list_t trust(struct tu_cert *root)
{
	gnutls_x509_trust_list_t tl;
	gnutls_x509_crt_t copy = imported(root);

	assert_int_equal(gnutls_x509_trust_list_init(&tl, 0), 0);
	assert_int_equal(gnutls_x509_trust_list_add_cas(tl, &copy, 1, 0), 1);
	return tl;
}

static void test_chain_verdicts(void **state)
{
	static const char *const eku[] = {"1.3.6.1.5.5.7.3.1", NULL};
	time_t now = time(NULL);
	struct tu_cert *root = tu_root("sc Root", TU_EC_P384), *other = NULL, *inter, *leaf;
	struct tu_cert_opts o;
	struct servercert_chain_result cr;
	gnutls_x509_trust_list_t tl = trust(root), tl_other;
	gnutls_x509_crt_t chain[2];

	tu_cert_opts_init(&o, "sc Intermediate");
	o.ca = 1;
	o.key = TU_RSA_2048;
	o.key_usage = GNUTLS_KEY_KEY_CERT_SIGN;
	o.issuer = root->crt;
	o.issuer_key = root->key;
	o.not_after = now + 30 * 86400; /* the intermediate ends in 30 days */
	inter = tu_make(&o);
	leaf = leaf_under(inter, eku);
	/* certificates as a peer sends them: parsed from DER */
	chain[0] = imported(leaf);
	chain[1] = imported(inter);

	assert_int_equal(servercert_chain(chain, 2, tl, now, &cr), 0);
	if (cr.verdict != SC_CHAIN_OK)
		fail_msg("chain: %s", cr.reason);
	assert_string_equal(cr.anchor, "sc Root");
	gnutls_x509_crt_deinit(cr.anchor_crt);

	/* 60 days on, the intermediate is out of time (the leaf too, but it is not the chain's) */
	assert_int_equal(servercert_chain(chain, 2, tl, now + 60 * 86400, &cr), 0);
	assert_int_equal(cr.verdict, SC_CHAIN_INTERMEDIATE_TIME);
	assert_non_null(strstr(cr.reason, "sc Intermediate"));
	if (cr.anchor_crt)
		gnutls_x509_crt_deinit(cr.anchor_crt);

	/* leaf only: the root cannot be reached */
	assert_int_equal(servercert_chain(chain, 1, tl, now, &cr), 0);
	assert_int_equal(cr.verdict, SC_CHAIN_UNTRUSTED);
	assert_true(cr.reason[0] != '\0');

	/* another root */
	tu_cert_opts_init(&o, "sc Other Root");
	o.ca = 1;
	o.fresh_key = 1;
	o.key = TU_EC_P256;
	o.key_usage = GNUTLS_KEY_KEY_CERT_SIGN;
	other = tu_make(&o);
	tl_other = trust(other);
	assert_int_equal(servercert_chain(chain, 2, tl_other, now, &cr), 0);
	assert_int_equal(cr.verdict, SC_CHAIN_UNTRUSTED);

	gnutls_x509_trust_list_deinit(tl, 1);
	gnutls_x509_trust_list_deinit(tl_other, 1);
	gnutls_x509_crt_deinit(chain[0]);
	gnutls_x509_crt_deinit(chain[1]);
	tu_cert_free(leaf);
	tu_cert_free(inter);
	tu_cert_free(root);
	tu_cert_free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_eku_optional_or_required),
	        cmocka_unit_test(test_chain_verdicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
