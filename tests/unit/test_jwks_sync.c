/* test_jwks_sync.c - the key set kept in the state directory through a rotation (a kid added,
 * then the old one removed), served as file:// URLs: the change records, what is written and
 * what is not, and that a bad or missing key set leaves the last good copy in place; and over
 * HTTPS from tests/integration/https_server.py on 127.0.0.1, the conditional GET (304). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "jwks_sync.h"
#include "metrics.h"
#include "jwt_fixture.h"

static gnutls_x509_privkey_t ka, kb;
static char *set_a, *set_ab, *set_b;

static int group_setup(void **state)
{
	char *a, *b;
	const char *v[3] = {NULL, NULL, NULL};

	(void)state;
	ka = jf_rsa(2048);
	kb = jf_rsa(2048);
	a = jf_jwk(ka, "kidA", NULL, NULL);
	b = jf_jwk(kb, "kidB", NULL, NULL);
	v[0] = a;
	set_a = jf_jwks(v);
	v[1] = b;
	set_ab = jf_jwks(v);
	v[0] = b;
	v[1] = NULL;
	set_b = jf_jwks(v);
	free(a);
	free(b);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	gnutls_x509_privkey_deinit(ka);
	gnutls_x509_privkey_deinit(kb);
	free(set_a);
	free(set_ab);
	free(set_b);
	return 0;
}

struct env {
	char *dir, *state, *served, *url;
	struct fetch_opts fo;
	pid_t server; /* the HTTPS server, stopped by teardown if a test fails before it does */
};

static int setup(void **state)
{
	struct env *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	v->dir = tu_tmpdir();
	v->state = tu_path(v->dir, "state");
	v->served = tu_path(v->dir, "keys.json");
	assert_int_equal(mkdir(v->state, 0750), 0);
	assert_true(asprintf(&v->url, "file://%s", v->served) > 0);
	v->fo = (struct fetch_opts){5, 10, 1 << 20, 0, 10, NULL, NULL, NULL};
	*state = v;
	return 0;
}

static int teardown(void **state)
{
	struct env *v = *state;
	int st;

	if (v->server > 0) {
		kill(v->server, SIGKILL);
		waitpid(v->server, &st, 0);
	}
	tu_rmrf(v->dir);
	free(v->dir);
	free(v->state);
	free(v->served);
	free(v->url);
	free(v);
	return 0;
}

static void sync_at(struct env *v, long long now, int dry, struct jwks_change *c)
{
	struct jwks_sync_opts o = {"public", v->url, &v->fo, NULL, dry, (time_t)now, NULL, NULL};
	struct rw_err e = {{0}, 0};
	struct store *st = NULL;

	if (store_open(v->state, 1, &st, &e) < 0)
		fail_msg("store_open: %s", e.msg);
	if (jwks_sync(st, &o, c, &e) != 0)
		fail_msg("jwks_sync: %s", e.msg);
	store_free(st);
}

static char *stored(struct env *v)
{
	char *p = jwks_state_path(v->state, "public"), *s = tu_read(p, NULL);

	free(p);
	return s;
}

static void test_rotation(void **state)
{
	struct env *v = *state;
	struct jwks_change c;
	char *s, *meta_path = tu_path(v->state, "jwks/public.meta"), *meta;

	/* first copy */
	tu_write(v->served, set_a, strlen(set_a));
	sync_at(v, 1000, 0, &c);
	assert_int_equal(c.status, JWKS_SYNC_UPDATED);
	assert_int_equal(c.first, 1);
	assert_int_equal(c.changed, 0);
	assert_int_equal(c.n_added, 1);
	assert_string_equal(c.added[0], "kidA");
	assert_int_equal(c.n_kids, 1);
	assert_int_equal((long long)c.last_change, 1000);
	assert_int_equal(c.files_written, 2);
	s = stored(v);
	assert_string_equal(s, set_a);
	free(s);
	meta = tu_read(meta_path, NULL);
	assert_non_null(strstr(meta, "\"last_change\": \"1970-01-01T00:16:40Z\""));
	assert_non_null(strstr(meta, "\"kidA\""));
	free(meta);
	jwks_change_free(&c);

	/* nothing changed: nothing written, last change kept */
	sync_at(v, 2000, 0, &c);
	assert_int_equal(c.status, JWKS_SYNC_UNCHANGED);
	assert_int_equal(c.changed, 0);
	assert_int_equal(c.files_written, 0);
	assert_int_equal((long long)c.last_change, 1000);
	jwks_change_free(&c);

	/* a kid added */
	tu_write(v->served, set_ab, strlen(set_ab));
	sync_at(v, 3000, 0, &c);
	assert_int_equal(c.status, JWKS_SYNC_UPDATED);
	assert_int_equal(c.first, 0);
	assert_int_equal(c.changed, 1);
	assert_int_equal(c.n_added, 1);
	assert_string_equal(c.added[0], "kidB");
	assert_int_equal(c.n_removed, 0);
	assert_int_equal(c.n_kids, 2);
	assert_int_equal((long long)c.last_change, 3000);
	jwks_change_free(&c);

	/* then the old one removed */
	tu_write(v->served, set_b, strlen(set_b));
	sync_at(v, 4000, 0, &c);
	assert_int_equal(c.changed, 1);
	assert_int_equal(c.n_added, 0);
	assert_int_equal(c.n_removed, 1);
	assert_string_equal(c.removed[0], "kidA");
	assert_int_equal(c.n_kids, 1);
	assert_string_equal(c.kids[0], "kidB");
	assert_int_equal((long long)c.last_change, 4000);
	jwks_change_free(&c);

	/* a key set that does not validate: FAILED, the last good copy kept */
	tu_writef(v->served, "%s", "{\"keys\":[{\"kid\":\"x\",\"kty\":\"EC\"}]}");
	sync_at(v, 5000, 0, &c);
	assert_int_equal(c.status, JWKS_SYNC_FAILED);
	assert_non_null(c.reason);
	assert_int_equal(strncmp(c.reason, v->url, strlen(v->url)), 0);
	assert_non_null(strstr(c.reason, "not RSA"));
	assert_int_equal(c.files_written, 0);
	assert_int_equal(c.n_kids, 1);
	assert_string_equal(c.kids[0], "kidB");
	assert_int_equal((long long)c.last_change, 4000);
	s = stored(v);
	assert_string_equal(s, set_b);
	free(s);
	jwks_change_free(&c);

	/* a fetch that fails: the same */
	tu_rmrf(v->served);
	sync_at(v, 6000, 0, &c);
	assert_int_equal(c.status, JWKS_SYNC_FAILED);
	assert_int_equal(c.n_kids, 1);
	jwks_change_free(&c);

	/* a dry run sees the change and writes nothing */
	tu_write(v->served, set_ab, strlen(set_ab));
	sync_at(v, 7000, 1, &c);
	assert_int_equal(c.changed, 1);
	assert_int_equal(c.n_added, 1);
	assert_int_equal(c.files_written, 0);
	jwks_change_free(&c);
	s = stored(v);
	assert_string_equal(s, set_b);
	free(s);
	free(meta_path);
}

/* What sync hands to hooks and metrics for a rotation step. */
static void test_event_and_metrics(void **state)
{
	struct env *v = *state;
	struct jwks_change c;
	struct metrics *m = metrics_new();
	struct rw_err e = {{0}, 0};
	json_t *doc;
	char *s, *text;

	tu_write(v->served, set_a, strlen(set_a));
	sync_at(v, 1000, 0, &c);
	jwks_change_free(&c);
	tu_write(v->served, set_ab, strlen(set_ab));
	sync_at(v, 1800000000, 0, &c);
	doc = jwks_change_json("public", v->url, &c);
	assert_non_null(doc);
	s = json_dumps(doc, JSON_SORT_KEYS);
	{
		const char *want = "{\"added\": [\"kidB\"], \"count\": 2, "
		                   "\"event\": \"signing-keys-changed\", \"jwks\": \"public\", "
		                   "\"kids\": [\"kidA\", \"kidB\"], "
		                   "\"last_change\": \"2027-01-15T08:00:00Z\", \"removed\": [], "
		                   "\"url\": \"file://";

		if (strncmp(s, want, strlen(want)) != 0)
			fail_msg("event document: %s", s);
	}
	free(s);
	json_decref(doc);
	s = jwks_kids_joined(c.kids, c.n_kids);
	assert_string_equal(s, "kidA kidB");
	free(s);
	s = jwks_kids_joined(c.removed, c.n_removed);
	assert_string_equal(s, "");
	free(s);
	assert_non_null(m);
	assert_int_equal(jwks_change_metrics(m, "public", &c, &e), 0);
	text = metrics_render(m);
	assert_non_null(strstr(text, "rootwarden_jwks_keys{jwks=\"public\"} 2\n"));
	assert_non_null(strstr(text,
	                       "rootwarden_jwks_last_change_timestamp_seconds{jwks=\"public\"} "
	                       "1800000000\n"));
	assert_non_null(strstr(text, "rootwarden_jwks_fetch_failed{jwks=\"public\"} 0\n"));
	assert_non_null(strstr(text, "# TYPE rootwarden_jwks_keys gauge"));
	free(text);
	metrics_free(m);
	jwks_change_free(&c);
}

/* A certificate for 127.0.0.1 issued by ca; PEM of it and of its key into files. */
static void server_cert(const char *dir, struct tu_cert *ca)
{
	static const char *const eku[] = {GNUTLS_KP_TLS_WWW_SERVER, NULL};
	static const unsigned char ip[4] = {127, 0, 0, 1};
	struct tu_cert_opts o;
	struct tu_cert *c;
	gnutls_datum_t pem, key;
	char *p;

	tu_cert_opts_init(&o, "127.0.0.1");
	o.eku = eku;
	o.key_usage = GNUTLS_KEY_DIGITAL_SIGNATURE;
	o.issuer = ca->crt;
	o.issuer_key = ca->key;
	c = tu_make(&o);
	assert_int_equal(gnutls_x509_crt_set_subject_alt_name(c->crt, GNUTLS_SAN_IPADDRESS, ip, 4,
	                                                      GNUTLS_FSAN_APPEND),
	                 0);
	assert_int_equal(gnutls_x509_crt_sign2(c->crt, ca->crt, ca->key, GNUTLS_DIG_SHA256, 0), 0);
	assert_int_equal(gnutls_x509_crt_export2(c->crt, GNUTLS_X509_FMT_PEM, &pem), 0);
	key = tu_key_pem(c->key);
	p = tu_path(dir, "srv.pem");
	tu_write(p, pem.data, pem.size);
	free(p);
	p = tu_path(dir, "srv.key");
	tu_write(p, key.data, key.size);
	free(p);
	p = tu_path(dir, "ca.pem");
	tu_write(p, ca->pem.data, ca->pem.size);
	free(p);
	gnutls_free(pem.data);
	gnutls_free(key.data);
	tu_cert_free(c);
}

static void test_https_conditional_get(void **state)
{
	struct env *v = *state;
	struct tu_cert *ca = tu_root("rwtest jwks TLS CA", TU_EC_P256);
	char *www = tu_path(v->dir, "www"), *served = tu_path(www, "keys.json");
	char *portfile = tu_path(v->dir, "port"), *logfile = tu_path(v->dir, "server.log");
	char *ca_file = tu_path(v->dir, "ca.pem"), *cert = tu_path(v->dir, "srv.pem");
	char *key = tu_path(v->dir, "srv.key"),
	     *script = tu_source("tests/integration/https_server.py");
	char *url = NULL, *log, *port;
	struct jwks_change c;
	pid_t pid;
	int st;

	if (access("/usr/bin/python3", X_OK) != 0) {
		fprintf(stderr, "skipped: python3 is not installed\n");
		skip();
	}
	server_cert(v->dir, ca);
	assert_int_equal(mkdir(www, 0755), 0);
	tu_write(served, set_a, strlen(set_a));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/usr/bin/python3", "python3", script, www, cert, key, portfile, logfile,
		      (char *)NULL);
		_exit(127);
	}
	v->server = pid;
	for (int i = 0; i < 200 && access(portfile, F_OK) != 0; i++)
		usleep(25000);
	if (access(portfile, F_OK) != 0)
		fail_msg("the test HTTPS server did not start");
	port = tu_read(portfile, NULL);
	port[strcspn(port, "\n")] = '\0';
	assert_true(asprintf(&url, "https://127.0.0.1:%s/keys.json", port) > 0);
	free(v->url);
	v->url = url;
	v->fo.ca_file = ca_file;

	sync_at(v, 1000, 0, &c);
	assert_int_equal(c.status, JWKS_SYNC_UPDATED);
	assert_int_equal(c.first, 1);
	jwks_change_free(&c);
	/* the same again: a conditional GET answered 304, nothing written */
	sync_at(v, 2000, 0, &c);
	assert_int_equal(c.status, JWKS_SYNC_UNCHANGED);
	assert_int_equal(c.files_written, 0);
	assert_int_equal(c.bytes, 0);
	assert_int_equal(c.n_kids, 1);
	assert_int_equal((long long)c.last_change, 1000);
	jwks_change_free(&c);
	/* the key set rotates on the server */
	tu_write(served, set_ab, strlen(set_ab));
	sync_at(v, 3000, 0, &c);
	assert_int_equal(c.changed, 1);
	assert_int_equal(c.n_added, 1);
	assert_string_equal(c.added[0], "kidB");
	jwks_change_free(&c);

	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	v->server = 0;
	log = tu_read(logfile, NULL);
	/* 200 unconditional, 304 with the stored ETag, 200 with it */
	if (strncmp(log, "GET /keys.json 200 ", 19) != 0 ||
	    strstr(log, "\nGET /keys.json 304 0 INM=\"") == NULL ||
	    strstr(strstr(log, " 304 "), "\nGET /keys.json 200 ") == NULL)
		fail_msg("server log:\n%s", log);
	free(log);
	free(port);
	free(www);
	free(served);
	free(portfile);
	free(logfile);
	free(ca_file);
	free(cert);
	free(key);
	free(script);
	tu_cert_free(ca);
}

static void test_bad_name_and_paths(void **state)
{
	struct env *v = *state;
	struct jwks_sync_opts o = {"../x", v->url, &v->fo, NULL, 0, 0, NULL, NULL};
	struct jwks_change c;
	struct rw_err e = {{0}, 0};
	char *p;
	struct store *st = NULL;

	assert_int_equal(store_open(v->state, 1, &st, &e), 0);
	assert_int_equal(jwks_sync(st, &o, &c, &e), -1);
	store_free(st);
	assert_non_null(strstr(e.msg, "not a key set name"));
	jwks_change_free(&c);
	assert_int_equal(jwks_name_ok("public"), 1);
	assert_int_equal(jwks_name_ok(".hidden"), 0);
	assert_int_equal(jwks_name_ok(""), 0);
	p = jwks_state_path("/var/lib/rootwarden", "china");
	assert_string_equal(p, "/var/lib/rootwarden/jwks/china.json");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_event_and_metrics, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_https_conditional_get, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_name_and_paths, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
