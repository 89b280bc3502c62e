/* test_emit.c - every output format: written, read back, the same bytes from any input order,
 * time zone or locale, untouched when unchanged, the old output whole after a write fault, and
 * pem-directory loaded by GnuTLS's trust-directory readers. */
#include "testutil.h"

#include <dirent.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emit.h"
#include "fileio.h"

struct fx {
	char *dir;
	struct tu_cert *roots[5];
	struct bundle b;
};

static const char *const cns[] = {"Zeta Root", "Alpha Root", "Twin", "Twin", "Omega Root"};

/* A bundle of the fixture's roots, added in the order given, then sorted as bundle_build does. */
static void make_bundle(struct fx *f, struct bundle *b, int reverse)
{
	memset(b, 0, sizeof(*b));
	for (int k = 0; k < 5; k++) {
		int i = reverse ? 4 - k : k;
		struct rw_err e = {{0}, 0};
		struct cert *c =
		        cert_from_der(f->roots[i]->der.data, f->roots[i]->der.size, "fx", &e);

		assert_non_null(c);
		assert_int_equal(certlist_add(&b->certs, c), 0);
	}
	certlist_sort(&b->certs);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	for (int i = 0; i < 5; i++)
		f->roots[i] = tu_root(cns[i], i == 4 ? TU_RSA_2048 : TU_EC_P256);
	make_bundle(f, &f->b, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	bundle_free(&f->b);
	for (int i = 0; i < 5; i++)
		tu_cert_free(f->roots[i]);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* The SHA-256 set of a list, sorted, as one string. */
static char *sha_set(const struct certlist *l)
{
	char **v = calloc(l->n + 1, sizeof(*v)), *s = calloc(l->n * 65 + 1, 1);

	for (size_t i = 0; i < l->n; i++)
		v[i] = l->v[i]->sha256;
	for (size_t i = 0; i < l->n; i++)
		for (size_t k = i + 1; k < l->n; k++)
			if (strcmp(v[k], v[i]) < 0) {
				char *t = v[i];

				v[i] = v[k];
				v[k] = t;
			}
	for (size_t i = 0; i < l->n; i++) {
		strcat(s, v[i]);
		strcat(s, " ");
	}
	free(v);
	return s;
}

/* Files and directories compared byte for byte (a directory: same names, same bytes). */
static int same_output(const char *a, const char *b)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "diff -r '%s' '%s' >/dev/null", a, b);
	return system(cmd) == 0;
}

static void test_every_format_round_trips(void **state)
{
	struct fx *f = *state;
	char *want = sha_set(&f->b.certs);

	for (const struct emit_format *fm = emit_formats(); fm->name; fm++) {
		struct emit_opts o;
		struct rw_err e = {{0}, 0};
		struct certlist back = {0}, any = {0};
		const struct emit_format *used = NULL;
		char *p = tu_path(f->dir, fm->name), *got;

		emit_opts_init(&o);
		assert_int_equal(emit_write(fm, &f->b, p, &o, &e), SAVE_WRITTEN);
		assert_int_equal(fm->read(p, &o, &back, &e), 0);
		got = sha_set(&back);
		if (strcmp(got, want) != 0)
			fail_msg("%s: read back %s, wrote %s", fm->name, got, want);
		free(got);
		assert_int_equal(emit_read_any(p, &o, &any, &used, &e), 0);
		got = sha_set(&any);
		assert_string_equal(got, want);
		free(got);
		assert_true(used->read == fm->read);
		assert_int_equal(emit_write(fm, &f->b, p, &o, &e), SAVE_UNCHANGED);
		certlist_free(&back);
		certlist_free(&any);
		free(p);
	}
	free(want);
}

static void test_same_bytes_from_any_order_zone_and_locale(void **state)
{
	struct fx *f = *state;
	struct bundle rev;

	make_bundle(f, &rev, 1);
	for (const struct emit_format *fm = emit_formats(); fm->name; fm++) {
		struct emit_opts o;
		struct rw_err e = {{0}, 0};
		char name[128], *a, *b;

		emit_opts_init(&o);
		snprintf(name, sizeof(name), "%s.a", fm->name);
		a = tu_path(f->dir, name);
		snprintf(name, sizeof(name), "%s.b", fm->name);
		b = tu_path(f->dir, name);
		setenv("TZ", "UTC", 1);
		tzset();
		assert_int_equal(emit_write(fm, &f->b, a, &o, &e), SAVE_WRITTEN);
		setenv("TZ", "Pacific/Chatham", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		tzset();
		assert_int_equal(emit_write(fm, &rev, b, &o, &e), SAVE_WRITTEN);
		setenv("TZ", "UTC", 1);
		unsetenv("LC_ALL");
		tzset();
		if (!same_output(a, b))
			fail_msg("%s: different bytes from another input order and time zone",
			         fm->name);
		free(a);
		free(b);
	}
	bundle_free(&rev);
}

static void test_names_are_unique_and_stable(void **state)
{
	struct fx *f = *state;
	char **files = emit_names(&f->b, 1), **alias = emit_names(&f->b, 0);
	int twins = 0;

	for (size_t i = 0; i < f->b.certs.n; i++) {
		for (size_t k = i + 1; k < f->b.certs.n; k++) {
			assert_string_not_equal(files[i], files[k]);
			assert_string_not_equal(alias[i], alias[k]);
		}
		if (strncmp(files[i], "Twin_", 5) == 0)
			twins++;
		/* an alias is lower-case ASCII, as Java keeps it */
		for (const char *p = alias[i]; *p; p++)
			assert_false((*p >= 'A' && *p <= 'Z') || (unsigned char)*p >= 0x80);
	}
	assert_int_equal(twins, 2);
	emit_names_free(files, f->b.certs.n);
	emit_names_free(alias, f->b.certs.n);
}

static void test_store_password(void **state)
{
	struct fx *f = *state;
	const char *fmts[] = {"java-pkcs12", "jks"};

	for (int i = 0; i < 2; i++) {
		const struct emit_format *fm = emit_format_find(fmts[i]);
		struct emit_opts o, wrong;
		struct rw_err e = {{0}, 0};
		struct certlist l = {0};
		char *p = tu_path(f->dir, fmts[i]), *def = tu_path(f->dir, "default-pw");
		char *text;
		size_t len;

		emit_opts_init(&o);
		o.password = "s3cret pässword";
		wrong = o;
		wrong.password = "changeit";
		assert_int_equal(emit_write(fm, &f->b, p, &o, &e), SAVE_WRITTEN);
		assert_int_equal(fm->read(p, &o, &l, &e), 0);
		assert_int_equal(l.n, f->b.certs.n);
		certlist_free(&l);
		assert_int_equal(fm->read(p, &wrong, &l, &e), -1);
		assert_non_null(strstr(e.msg, p));
		assert_int_equal(l.n, 0);
		/* the password changes the integrity check, and is not in the file */
		assert_int_equal(emit_write(fm, &f->b, def, &wrong, &e), SAVE_WRITTEN);
		assert_false(same_output(p, def));
		text = tu_read(p, &len);
		assert_null(memmem(text, len, "s3cret", 6));
		free(text);
		free(p);
		free(def);
	}
}

/* Writes fm's output in a child limited to 'limit' bytes per file: it must fail and leave the
 * previous output whole, with no temporary left. */
static void write_faulted(struct fx *f, const struct emit_format *fm, const char *p, rlim_t limit)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = {limit, limit};
		struct emit_opts o;
		struct rw_err e = {{0}, 0};
		int r;

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		emit_opts_init(&o);
		r = emit_write(fm, &f->b, p, &o, &e);
		_exit(r == SAVE_ERROR && strstr(e.msg, "write failed") ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("%s: a write fault was not reported as one", fm->name);
}

static int hidden_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_write_fault_leaves_old_output(void **state)
{
	struct fx *f = *state;
	struct bundle small = {0};
	struct rw_err e = {{0}, 0};

	/* the old output: one root */
	assert_int_equal(certlist_add(&small.certs, cert_dup(f->b.certs.v[0])), 0);
	for (const struct emit_format *fm = emit_formats(); fm->name; fm++) {
		char name[128], *p, *keep;
		struct emit_opts o;

		snprintf(name, sizeof(name), "fault-%s", fm->name);
		p = tu_path(f->dir, name);
		snprintf(name, sizeof(name), "fault-%s.orig", fm->name);
		keep = tu_path(f->dir, name);
		emit_opts_init(&o);
		assert_int_equal(emit_write(fm, &small, p, &o, &e), SAVE_WRITTEN);
		assert_int_equal(emit_write(fm, &small, keep, &o, &e), SAVE_WRITTEN);
		/* every root is larger than 300 bytes: each format fails mid-way */
		write_faulted(f, fm, p, 300);
		if (!same_output(p, keep))
			fail_msg("%s: the old output changed after a write fault", fm->name);
		free(p);
		free(keep);
	}
	assert_int_equal(hidden_entries(f->dir), 0);
	bundle_free(&small);
}

/* OpenSSL's subject hash, compared with 'openssl x509 -subject_hash' on Debian's roots. */
static void test_subject_hash_matches_openssl(void **state)
{
	glob_t g;
	size_t checked = 0;

	(void)state;
	if (access("/usr/bin/openssl", X_OK) != 0 ||
	    glob("/usr/share/ca-certificates/mozilla/*.crt", 0, NULL, &g) != 0)
		skip();
	for (size_t i = 0; i < g.gl_pathc && checked < 40; i += 3, checked++) {
		struct certlist l = {0};
		struct rw_err e = {{0}, 0};
		unsigned long h;
		char want[16], *out = NULL;
		char *argv[] = {"openssl", "x509",        "-noout", "-subject_hash",
		                "-in",     g.gl_pathv[i], NULL};

		assert_int_equal(certs_read_file(g.gl_pathv[i], &l, &e), 0);
		assert_int_equal(emit_openssl_subject_hash(l.v[0], &h, &e), 0);
		snprintf(want, sizeof(want), "%08lx\n", h);
		assert_int_equal(tu_run(argv, &out), 0);
		if (strcmp(out, want) != 0)
			fail_msg("%s: ours %s, openssl %s", g.gl_pathv[i], want, out);
		free(out);
		certlist_free(&l);
	}
	globfree(&g);
}

/* A PEM bundle large enough to be encoded by several threads, in several batches (emit_pem.c:
 * 256 blocks and more), is exactly the blocks in bundle order, one blank line between them. */
static void test_pem_in_threads_is_the_blocks_in_order(void **state)
{
	struct fx *f = *state;
	struct bundle big;
	struct buf want, got;
	struct emit_opts o;
	struct rw_err e = {{0}, 0};
	char *p = tu_path(f->dir, "big.pem"), label[32];
	size_t n = 2500;

	memset(&big, 0, sizeof(big));
	buf_init(&want, 0);
	for (size_t i = 0; i < n; i++) {
		struct cert *c = cert_dup(f->b.certs.v[i % f->b.certs.n]);

		assert_non_null(c);
		snprintf(label, sizeof(label), "root %05zu", i); /* every block its own */
		assert_int_equal(cert_set_label(c, label), 0);
		assert_int_equal(certlist_add(&big.certs, c), 0);
		if (i > 0)
			buf_append(&want, "\n", 1);
		assert_int_equal(emit_pem_block(c, &want, &e), 0);
	}
	emit_opts_init(&o);
	assert_int_not_equal(emit_pem(&big, p, &o, &e), SAVE_ERROR);
	buf_init(&got, 0);
	assert_int_equal(file_read_all(p, 64u << 20, &got, &e), 0);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.data, want.data, want.len);
	buf_free(&got);
	buf_free(&want);
	bundle_free(&big);
	free(p);
}

/* pem-directory read by GnuTLS's own trust-directory loaders (what a GnuTLS client is given with
 * gnutls_certificate_set_x509_trust_dir, and the trust list's add_trust_dir): every root is
 * loaded, a certificate issued by one of them verifies, and with a directory that lacks that root
 * it does not. */
static void test_pem_directory_is_a_gnutls_trust_dir(void **state)
{
	struct fx *f = *state;
	const struct emit_format *fm = emit_format_find("pem-directory");
	struct bundle lacking = {0};
	struct emit_opts o;
	struct rw_err e = {{0}, 0};
	char *all = tu_path(f->dir, "gnutls-trust"), *lack = tu_path(f->dir, "gnutls-lack");
	static const char *const dns[] = {"server.example", NULL};
	gnutls_certificate_credentials_t cred;
	gnutls_x509_trust_list_t tl;
	struct tu_cert_opts lo;
	struct tu_cert *leaf;
	gnutls_x509_crt_t crt;
	unsigned status = 0;

	assert_non_null(fm);
	tu_cert_opts_init(&lo, "server.example");
	lo.dns = dns;
	lo.issuer = f->roots[1]->crt; /* Alpha Root */
	lo.issuer_key = f->roots[1]->key;
	leaf = tu_make(&lo);
	assert_non_null(leaf);
	/* as a client gets it: parsed from the wire (a certificate just signed in memory has no
	 * issuer name cached for the trust list's look-up) */
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_import(crt, &leaf->der, GNUTLS_X509_FMT_DER), 0);
	emit_opts_init(&o);
	assert_int_equal(emit_write(fm, &f->b, all, &o, &e), SAVE_WRITTEN);
	for (size_t i = 0; i < f->b.certs.n; i++) {
		const struct cert *c = f->b.certs.v[i];

		if (c->der_len == f->roots[1]->der.size &&
		    memcmp(c->der, f->roots[1]->der.data, c->der_len) == 0)
			continue; /* the issuer of the leaf */
		assert_int_equal(certlist_add(&lacking.certs, cert_dup(c)), 0);
	}
	assert_int_equal(lacking.certs.n, f->b.certs.n - 1);
	assert_int_equal(emit_write(fm, &lacking, lack, &o, &e), SAVE_WRITTEN);

	assert_int_equal(gnutls_certificate_allocate_credentials(&cred), 0);
	assert_int_equal(gnutls_certificate_set_x509_trust_dir(cred, all, GNUTLS_X509_FMT_PEM),
	                 (int)f->b.certs.n);
	gnutls_certificate_free_credentials(cred);

	assert_int_equal(gnutls_x509_trust_list_init(&tl, 0), 0);
	assert_int_equal(
	        gnutls_x509_trust_list_add_trust_dir(tl, all, NULL, GNUTLS_X509_FMT_PEM, 0, 0),
	        (int)f->b.certs.n);
	assert_int_equal(gnutls_x509_trust_list_verify_crt(tl, &crt, 1, 0, &status, NULL), 0);
	assert_int_equal(status, 0);
	gnutls_x509_trust_list_deinit(tl, 1);

	assert_int_equal(gnutls_x509_trust_list_init(&tl, 0), 0);
	assert_int_equal(
	        gnutls_x509_trust_list_add_trust_dir(tl, lack, NULL, GNUTLS_X509_FMT_PEM, 0, 0),
	        (int)f->b.certs.n - 1);
	assert_int_equal(gnutls_x509_trust_list_verify_crt(tl, &crt, 1, 0, &status, NULL), 0);
	assert_true(status & GNUTLS_CERT_INVALID);
	gnutls_x509_trust_list_deinit(tl, 1);

	gnutls_x509_crt_deinit(crt);
	tu_cert_free(leaf);
	bundle_free(&lacking);
	free(all);
	free(lack);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_every_format_round_trips),
	        cmocka_unit_test(test_pem_in_threads_is_the_blocks_in_order),
	        cmocka_unit_test(test_same_bytes_from_any_order_zone_and_locale),
	        cmocka_unit_test(test_names_are_unique_and_stable),
	        cmocka_unit_test(test_store_password),
	        cmocka_unit_test(test_write_fault_leaves_old_output),
	        cmocka_unit_test(test_subject_hash_matches_openssl),
	        cmocka_unit_test(test_pem_directory_is_a_gnutls_trust_dir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
