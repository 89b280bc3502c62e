/* test_probe.c - the probe engine and its judgement without outside daemons: URL parsing (good
 * and bad URLs, with the message naming the URL), a PostgreSQL-speaking thread that answers 'N'
 * (cleartext only) or garbage, a GnuTLS server thread limited to TLS 1.2 (each version tried
 * alone: exactly 1.2 accepted), a refused port, and probe_assess on a result built by hand. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

#include "probe.h"
#include "probe_assess.h"

static void test_url_parse(void **state)
{
	static const struct {
		const char *url, *scheme, *host, *port;
		int tls_first;
	} good[] = {
	        {"postgres://db.example.com", "postgres", "db.example.com", "5432", 0},
	        {"postgresql://h:6432/dbname", "postgres", "h", "6432", 0},
	        {"postgres://h?sslnegotiation=direct", "postgres", "h", "5432", 1},
	        {"mysql://[::1]:3307", "mysql", "::1", "3307", 0},
	        {"sqlserver://sql.example.com", "sqlserver", "sql.example.com", "1433", 0},
	        {"sqlserver://s:14330?encrypt=strict", "sqlserver", "s", "14330", 1},
	        {"tls://127.0.0.1:8443", "tls", "127.0.0.1", "8443", 1},
	        {"https://example.org/", "https", "example.org", "443", 1},
	};
	static const struct {
		const char *url, *why;
	} bad[] = {
	        {"db.example.com", "not a URL"},
	        {"ftp://h", "unknown scheme 'ftp'"},
	        {"tls://h", "needs a port"},
	        {"postgres://u:pw@h", "never logs in"},
	        {"postgres://h:0", "bad port"},
	        {"postgres://h:99999", "bad port"},
	        {"postgres://h?sslmode=disable", "unknown option 'sslmode=disable'"},
	        {"mysql://[::1", "unterminated"},
	};
	struct probe_url u;
	struct rw_err e;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		err_clear(&e);
		if (probe_url_parse(good[i].url, &u, &e) < 0)
			fail_msg("%s: %s", good[i].url, e.msg);
		assert_string_equal(u.scheme->name, good[i].scheme);
		assert_string_equal(u.host, good[i].host);
		assert_string_equal(u.port, good[i].port);
		assert_int_equal(u.tls_first, good[i].tls_first);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		assert_int_equal(probe_url_parse(bad[i].url, &u, &e), -1);
		assert_int_equal(e.status, RW_CHECK_UNKNOWN);
		if (strchr(bad[i].url, '@') == NULL)
			assert_true(strncmp(e.msg, bad[i].url, strlen(bad[i].url)) == 0);
		if (strstr(e.msg, bad[i].why) == NULL)
			fail_msg("%s: '%s' lacks '%s'", bad[i].url, e.msg, bad[i].why);
		assert_null(strstr(e.msg, "pw@")); /* a password is not echoed */
	}
}

/* ---- servers in threads ------------------------------------------------------------------- */

struct server {
	int lfd;
	int port;
	int stop;
	void (*serve)(struct server *s, int fd);
	gnutls_certificate_credentials_t cred;
	const char *priority;
	pthread_t tid;
};

static void *server_main(void *arg)
{
	struct server *s = arg;

	for (;;) {
		int fd = accept(s->lfd, NULL, NULL);

		if (fd < 0 || s->stop) {
			if (fd >= 0)
				close(fd);
			return NULL;
		}
		s->serve(s, fd);
		close(fd);
	}
}

static void server_start(struct server *s)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->lfd >= 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->lfd, 16), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &al), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->tid, NULL, server_main, s), 0);
}

static void server_stop(struct server *s)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	s->stop = 1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	connect(fd, (struct sockaddr *)&a, sizeof(a)); /* wakes accept() */
	close(fd);
	pthread_join(s->tid, NULL);
	close(s->lfd);
}

static void answer_n(struct server *s, int fd)
{
	unsigned char req[8];

	if (recv(fd, req, sizeof(req), MSG_WAITALL) == 8 && req[4] == 0x04 && req[5] == 0xD2)
		send(fd, "N", 1, MSG_NOSIGNAL);
}

static void answer_garbage(struct server *s, int fd)
{
	unsigned char req[8];

	if (recv(fd, req, sizeof(req), MSG_WAITALL) == 8)
		send(fd, "X", 1, MSG_NOSIGNAL);
}

static void tls_handshake(struct server *s, int fd)
{
	gnutls_session_t ses;

	gnutls_init(&ses, GNUTLS_SERVER);
	gnutls_priority_set_direct(ses, s->priority, NULL);
	gnutls_credentials_set(ses, GNUTLS_CRD_CERTIFICATE, s->cred);
	gnutls_transport_set_int(ses, fd);
	gnutls_handshake_set_timeout(ses, 5000);
	while (gnutls_handshake(ses) == GNUTLS_E_AGAIN)
		;
	gnutls_deinit(ses);
}

static void probe_one(const char *url, struct probe_result *r)
{
	struct probe_url u;
	struct probe_opts o;
	struct rw_err e = {0};
	static char keep[8][128];
	static int k;

	snprintf(keep[k % 8], sizeof(keep[0]), "%s", url);
	if (probe_url_parse(keep[k % 8], &u, &e) < 0)
		fail_msg("%s", e.msg);
	k++;
	probe_opts_init(&o);
	o.handshake_timeout_ms = 3000;
	if (probe_run(&u, 1, &o, r, &e) < 0)
		fail_msg("%s", e.msg);
}

static void test_postgres_cleartext_only(void **state)
{
	struct server s = {.serve = answer_n};
	struct probe_result r;
	struct probe_assessment a;
	struct probe_assess_opts ao = {0};
	char url[64];

	server_start(&s);
	snprintf(url, sizeof(url), "postgres://127.0.0.1:%d", s.port);
	probe_one(url, &r);
	server_stop(&s);
	assert_true(r.reachable);
	assert_int_equal(r.pre.tls, PROBE_TLS_NOT_OFFERED);
	for (int v = 0; v < PROBE_N_VERSIONS; v++)
		assert_int_equal(r.version[v].outcome, PROBE_NOT_TRIED);
	assert_int_equal(probe_assess(&r, &ao, &a, NULL), 0);
	assert_int_equal(findings_find(&a.f, NULL, "tls")->verdict, V_FAIL);
	assert_string_equal(a.azure_min_tls, "TLSEnforcementDisabled");
	assert_int_equal(findings_status(&a.f), RW_CHECK_CRITICAL);
	probe_assessment_free(&a);
	probe_result_free(&r);
}

/* The entry point sync's check table calls: 0 with findings, -1 when it cannot run. */
static void test_check_configured(void **state)
{
	struct server s = {.serve = answer_n};
	struct findings f;
	struct rw_err e = {0};
	char url[64], *roots = tu_source("roots");

	setenv("ROOTWARDEN_ROOTS_DIR", roots, 1);
	findings_init(&f);
	server_start(&s);
	snprintf(url, sizeof(url), "postgres://127.0.0.1:%d", s.port);
	assert_int_equal(
	        probe_check_configured(url, "azure-postgres-flexible", NULL, NULL, NULL, &f, &e),
	        0);
	assert_int_equal(findings_find(&f, url, "tls")->verdict, V_FAIL);
	assert_int_equal(probe_check_configured(url, "no-such-profile", NULL, NULL, NULL, &f, &e),
	                 -1);
	assert_non_null(strstr(e.msg, "no-such-profile"));
	err_clear(&e);
	assert_int_equal(probe_check_configured("gopher://x", NULL, NULL, NULL, NULL, &f, &e), -1);
	assert_non_null(strstr(e.msg, "gopher://x: "));
	server_stop(&s);
	findings_free(&f);
	unsetenv("ROOTWARDEN_ROOTS_DIR");
	free(roots);
}

static void test_not_postgres_and_refused(void **state)
{
	struct server s = {.serve = answer_garbage};
	struct probe_result r;
	struct probe_assessment a;
	struct probe_assess_opts ao = {0};
	char url[64];
	int port;

	server_start(&s);
	port = s.port;
	snprintf(url, sizeof(url), "postgres://127.0.0.1:%d", port);
	probe_one(url, &r);
	server_stop(&s);
	assert_false(r.reachable);
	assert_non_null(strstr(r.error, "not a PostgreSQL server"));
	assert_int_equal(probe_assess(&r, &ao, &a, NULL), 0);
	assert_int_equal(findings_find(&a.f, NULL, "connect")->verdict, V_UNKNOWN);
	assert_int_equal(findings_status(&a.f), RW_CHECK_UNKNOWN);
	probe_assessment_free(&a);
	probe_result_free(&r);
	/* the listener is closed now: refused */
	probe_one(url, &r);
	assert_false(r.reachable);
	assert_non_null(strstr(r.error, "refused"));
	probe_result_free(&r);
}

static void test_tls12_only_server(void **state)
{
	static const char *const dns[] = {"localhost", NULL};
	static const char *const eku[] = {"1.3.6.1.5.5.7.3.1", NULL};
	struct tu_cert *root = tu_root("probe Root", TU_EC_P384), *leaf;
	struct tu_cert_opts o;
	struct server s = {.serve = tls_handshake, .priority = "NORMAL:-VERS-ALL:+VERS-TLS1.2"};
	struct probe_result r;
	char url[64];

	tu_cert_opts_init(&o, "localhost");
	o.dns = dns;
	o.eku = eku;
	o.key = TU_EC_P256;
	o.key_usage = GNUTLS_KEY_DIGITAL_SIGNATURE;
	o.issuer = root->crt;
	o.issuer_key = root->key;
	leaf = tu_make(&o);
	assert_int_equal(gnutls_certificate_allocate_credentials(&s.cred), 0);
	assert_int_equal(gnutls_certificate_set_x509_key(s.cred, &leaf->crt, 1, leaf->key), 0);
	server_start(&s);
	snprintf(url, sizeof(url), "tls://localhost:%d", s.port);
	probe_one(url, &r);
	server_stop(&s);
	assert_true(r.reachable);
	assert_int_equal(r.version[PROBE_TLS10].outcome, PROBE_REFUSED);
	assert_int_equal(r.version[PROBE_TLS11].outcome, PROBE_REFUSED);
	assert_int_equal(r.version[PROBE_TLS12].outcome, PROBE_ACCEPTED);
	assert_int_equal(r.version[PROBE_TLS13].outcome, PROBE_REFUSED);
	assert_string_equal(r.deflt.version, "TLS1.2");
	assert_int_equal(r.chain.n, 1);
	assert_string_equal(r.chain.v[0]->label, "localhost");
	probe_result_free(&r);
	gnutls_certificate_free_credentials(s.cred);
	tu_cert_free(leaf);
	tu_cert_free(root);
}

static void test_assess_by_hand(void **state)
{
	struct tu_cert *root = tu_root("hand Root", TU_EC_P384), *inter, *leaf;
	struct tu_cert_opts o;
	struct probe_result r = {0};
	struct probe_assessment a;
	struct probe_assess_opts ao = {0};
	struct rw_err e = {0};
	const struct finding *x;

	tu_cert_opts_init(&o, "hand Intermediate");
	o.ca = 1;
	o.key = TU_RSA_2048;
	o.key_usage = GNUTLS_KEY_KEY_CERT_SIGN;
	o.issuer = root->crt;
	o.issuer_key = root->key;
	inter = tu_make(&o);
	tu_cert_opts_init(&o, "localhost");
	o.key = TU_EC_P256;
	o.issuer = inter->crt;
	o.issuer_key = inter->key;
	leaf = tu_make(&o);
	assert_int_equal(probe_url_parse("mysql://localhost", &r.u, &e), 0);
	r.reachable = 1;
	r.pre.tls = PROBE_TLS_OFFERED;
	r.deflt.outcome = PROBE_ACCEPTED;
	snprintf(r.deflt.version, sizeof(r.deflt.version), "TLS1.2");
	r.version[PROBE_TLS10].outcome = PROBE_REFUSED;
	r.version[PROBE_TLS11].outcome = PROBE_ACCEPTED;
	r.version[PROBE_TLS12].outcome = PROBE_ACCEPTED;
	r.version[PROBE_TLS13].outcome = PROBE_REFUSED;
	assert_int_equal(
	        certlist_add(&r.chain, cert_from_der(leaf->der.data, leaf->der.size, "sent", NULL)),
	        0);
	assert_int_equal(probe_assess(&r, &ao, &a, &e), 0);
	x = findings_find(&a.f, NULL, "tls-versions");
	assert_int_equal(x->verdict, V_WARN);
	assert_non_null(strstr(x->reason, "accepts TLS1.1, TLS1.2; refuses TLS1.0, TLS1.3"));
	assert_string_equal(a.azure_min_tls, "TLS1_1");
	assert_non_null(strstr(x->fix, "tls_version")); /* MySQL's setting */
	x = findings_find(&a.f, NULL, "chain");
	assert_int_equal(x->verdict, V_WARN);
	assert_non_null(strstr(x->reason, "leaf only"));
	assert_int_equal(findings_find(&a.f, NULL, "root")->verdict, V_WARN);
	probe_assessment_free(&a);
	probe_result_free(&r);
	tu_cert_free(leaf);
	tu_cert_free(inter);
	tu_cert_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_url_parse),
	        cmocka_unit_test(test_postgres_cleartext_only),
	        cmocka_unit_test(test_not_postgres_and_refused),
	        cmocka_unit_test(test_check_configured),
	        cmocka_unit_test(test_tls12_only_server),
	        cmocka_unit_test(test_assess_by_hand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
