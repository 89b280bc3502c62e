/* test_mssql_conf.c - reading mssql.conf: each setting, other sections, a malformed file, and
 * the forceencryption / tlsprotocols rules that come from it. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "findings.h"
#include "mssql_conf.h"
#include "sqlcert.h"

static struct mssql_conf *parse_ok(const char *text)
{
	struct mssql_conf *c = NULL;
	struct rw_err e = {0};

	if (mssql_conf_parse(text, strlen(text), "mssql.conf", &c, &e) < 0)
		fail_msg("unexpected error: %s", e.msg);
	return c;
}

static void parse_err(const char *text, const char *want)
{
	struct mssql_conf *c = NULL;
	struct rw_err e = {0};

	assert_int_equal(mssql_conf_parse(text, strlen(text), "mssql.conf", &c, &e), -1);
	assert_null(c);
	assert_int_equal(e.status, RW_CHECK_UNKNOWN);
	if (strstr(e.msg, want) == NULL)
		fail_msg("error '%s' lacks '%s'", e.msg, want);
}

static void test_every_setting(void **state)
{
	struct mssql_conf *c = parse_ok("# written by mssql-conf\n"
	                                "[EULA]\n"
	                                "accepteula = Y\n"
	                                "\n"
	                                "[network]\n"
	                                "tlscert = /etc/ssl/certs/mssql.pem\n"
	                                "tlskey=/etc/ssl/private/mssql.key\r\n"
	                                "  tlsprotocols = 1.2  \n"
	                                "tlsciphers = ECDHE-ECDSA-AES128-GCM-SHA256\n"
	                                "forceencryption = 1\n"
	                                "tcpport = 1433\n"
	                                "; a comment\n"
	                                "[memory]\n"
	                                "tlscert = /not/this/one\n");

	assert_string_equal(c->tlscert, "/etc/ssl/certs/mssql.pem");
	assert_int_equal(c->line_tlscert, 6);
	assert_string_equal(c->tlskey, "/etc/ssl/private/mssql.key");
	assert_string_equal(c->tlsprotocols, "1.2");
	assert_int_equal(c->tls_protocols, MSSQL_TLS12);
	assert_int_equal(c->line_tlsprotocols, 8);
	assert_string_equal(c->tlsciphers, "ECDHE-ECDSA-AES128-GCM-SHA256");
	assert_int_equal(c->forceencryption, 1);
	assert_int_equal(c->line_forceencryption, 10);
	mssql_conf_free(c);
}

static void test_defaults_when_absent(void **state)
{
	struct mssql_conf *c = parse_ok("[sqlagent]\nenabled = false\n");

	assert_null(c->tlscert);
	assert_null(c->tlskey);
	assert_null(c->tlsprotocols);
	assert_int_equal(c->forceencryption, -1);
	mssql_conf_free(c);
}

static void test_protocol_lists(void **state)
{
	struct mssql_conf *c = parse_ok("[network]\ntlsprotocols = 1.0,1.1, 1.2\n");

	assert_int_equal(c->tls_protocols, MSSQL_TLS10 | MSSQL_TLS11 | MSSQL_TLS12);
	mssql_conf_free(c);
	c = parse_ok("[NETWORK]\nTLSProtocols = \"1.2 1.3\"\nforceencryption = 0\n");
	assert_int_equal(c->tls_protocols, MSSQL_TLS12 | MSSQL_TLS13);
	assert_int_equal(c->forceencryption, 0);
	mssql_conf_free(c);
}

static void test_malformed(void **state)
{
	parse_err("[network]\ntlscert /etc/x.pem\n", "mssql.conf:2: expected 'key = value'");
	parse_err("[network\ntlscert = /x\n", "mssql.conf:1: a section header");
	parse_err("\n\n[]\n", "mssql.conf:3: a section header");
	parse_err("[network]\n= 1\n", "mssql.conf:2: a key is missing");
	parse_err("[network]\n\nforceencryption = yes please\n", "mssql.conf:3: forceencryption");
	parse_err("[network]\ntlsprotocols = 1.2,2.0\n", "mssql.conf:2: tlsprotocols");
	parse_err("[network]\ntls cert = /x\n", "mssql.conf:2: 'tls cert' is not a key name");
	{
		static const char nul[] = "[network]\ntlscert = /x\n\0junk";
		struct mssql_conf *c = NULL;
		struct rw_err e = {0};

		assert_int_equal(mssql_conf_parse(nul, sizeof(nul) - 1, "mssql.conf", &c, &e), -1);
		assert_non_null(strstr(e.msg, "mssql.conf: not a text file"));
	}
}

static void test_read_missing(void **state)
{
	struct mssql_conf *c = NULL;
	struct rw_err e = {0};

	assert_int_equal(mssql_conf_read("/nonexistent/mssql.conf", &c, &e), -1);
	assert_int_equal(e.status, RW_CHECK_UNKNOWN);
	assert_non_null(strstr(e.msg, "/nonexistent/mssql.conf: "));
}

static void test_read_file(void **state)
{
	char *dir = tu_tmpdir(), *p = tu_path(dir, "mssql.conf");
	struct mssql_conf *c = NULL;
	struct rw_err e = {0};

	tu_writef(p, "[network]\nforceencryption = 1\n");
	assert_int_equal(mssql_conf_read(p, &c, &e), 0);
	assert_string_equal(c->path, p);
	assert_int_equal(c->forceencryption, 1);
	mssql_conf_free(c);
	tu_rmrf(dir);
	free(dir);
	free(p);
}

/* The rules that come from the file: verdict, rule and the status they give. */
static void conf_rules(const char *text, enum verdict v_force, enum verdict v_proto)
{
	struct mssql_conf *c = parse_ok(text);
	struct findings f;
	struct rw_err e = {0};
	const struct finding *x;

	findings_init(&f);
	assert_int_equal(sqlcert_check_conf(c, &f, &e), 0);
	x = findings_find(&f, "mssql.conf", "forceencryption");
	assert_non_null(x);
	assert_int_equal(x->verdict, v_force);
	if (v_force != V_PASS)
		assert_non_null(strstr(x->fix, "mssql-conf set network.forceencryption 1"));
	x = findings_find(&f, "mssql.conf", "tlsprotocols");
	assert_non_null(x);
	assert_int_equal(x->verdict, v_proto);
	if (v_proto != V_PASS)
		assert_non_null(strstr(x->fix, "mssql-conf set network.tlsprotocols 1.2"));
	assert_int_equal(findings_status(&f), v_force > v_proto ? v_force : v_proto);
	findings_free(&f);
	mssql_conf_free(c);
}

static void test_conf_rules(void **state)
{
	conf_rules("[network]\nforceencryption = 1\ntlsprotocols = 1.2\n", V_PASS, V_PASS);
	conf_rules("[network]\nforceencryption = 1\ntlsprotocols = 1.2,1.3\n", V_PASS, V_PASS);
	conf_rules("[network]\nforceencryption = 0\ntlsprotocols = 1.2\n", V_WARN, V_PASS);
	conf_rules("[network]\ntlsprotocols = 1.2\n", V_WARN, V_PASS);
	conf_rules("[network]\nforceencryption = 1\ntlsprotocols = 1.0,1.2\n", V_PASS, V_WARN);
	conf_rules("[network]\nforceencryption = 1\ntlsprotocols = 1.1\n", V_PASS, V_WARN);
	conf_rules("[network]\nforceencryption = 1\n", V_PASS, V_WARN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_every_setting),  cmocka_unit_test(test_defaults_when_absent),
	        cmocka_unit_test(test_protocol_lists), cmocka_unit_test(test_malformed),
	        cmocka_unit_test(test_read_missing),   cmocka_unit_test(test_read_file),
	        cmocka_unit_test(test_conf_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
