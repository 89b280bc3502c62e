#include "testutil.h"

#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static gnutls_x509_privkey_t key_cache[TU_KEY_TYPES];
static unsigned serial_counter = 1;

static gnutls_x509_privkey_t gen_key(enum tu_key_type t)
{
	gnutls_x509_privkey_t k;
	int r;

	if (gnutls_x509_privkey_init(&k) < 0)
		fail_msg("privkey_init");
	switch (t) {
	case TU_EC_P256:
		r = gnutls_x509_privkey_generate(
		        k, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
		break;
	case TU_EC_P384:
		r = gnutls_x509_privkey_generate(
		        k, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1), 0);
		break;
	case TU_RSA_1024:
		r = gnutls_x509_privkey_generate(k, GNUTLS_PK_RSA, 1024, 0);
		break;
	default:
		r = gnutls_x509_privkey_generate(k, GNUTLS_PK_RSA, 2048, 0);
		break;
	}
	if (r < 0)
		fail_msg("key generation: %s", gnutls_strerror(r));
	return k;
}

gnutls_x509_privkey_t tu_key(enum tu_key_type t)
{
	if (key_cache[t] == NULL)
		key_cache[t] = gen_key(t);
	return key_cache[t];
}

gnutls_datum_t tu_key_pem(gnutls_x509_privkey_t k)
{
	gnutls_datum_t d = {NULL, 0};

	if (gnutls_x509_privkey_export2_pkcs8(k, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &d) <
	    0)
		fail_msg("export key");
	return d;
}

void tu_cert_opts_init(struct tu_cert_opts *o, const char *cn)
{
	memset(o, 0, sizeof(*o));
	o->cn = cn;
}

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		int r_ = (x);                                                                      \
		if (r_ < 0)                                                                        \
			fail_msg("%s: %s", #x, gnutls_strerror(r_));                               \
	} while (0)

struct tu_cert *tu_make(const struct tu_cert_opts *o)
{
	struct tu_cert *c = calloc(1, sizeof(*c));
	time_t now = time(NULL);
	unsigned char serial[4];
	unsigned s = o->serial ? o->serial : serial_counter++;
	gnutls_x509_privkey_t signer;
	gnutls_x509_crt_t issuer;

	if (c == NULL)
		fail_msg("oom");
	if (o->fresh_key) {
		c->key = gen_key(o->key);
		c->key_owned = 1;
	} else {
		c->key = tu_key(o->key);
	}
	CHECK(gnutls_x509_crt_init(&c->crt));
	CHECK(gnutls_x509_crt_set_version(c->crt, 3));
	serial[0] = (unsigned char)((s >> 24) & 0x7f);
	serial[1] = (unsigned char)(s >> 16);
	serial[2] = (unsigned char)(s >> 8);
	serial[3] = (unsigned char)s;
	CHECK(gnutls_x509_crt_set_serial(c->crt, serial, sizeof(serial)));
	if (o->cn != NULL)
		CHECK(gnutls_x509_crt_set_dn_by_oid(c->crt, GNUTLS_OID_X520_COMMON_NAME, 0, o->cn,
		                                    (unsigned)strlen(o->cn)));
	if (o->org)
		CHECK(gnutls_x509_crt_set_dn_by_oid(c->crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0,
		                                    o->org, (unsigned)strlen(o->org)));
	CHECK(gnutls_x509_crt_set_activation_time(c->crt,
	                                          o->not_before ? o->not_before : now - 86400));
	CHECK(gnutls_x509_crt_set_expiration_time(c->crt,
	                                          o->not_after ? o->not_after : now + 365 * 86400));
	CHECK(gnutls_x509_crt_set_key(c->crt, c->key));
	if (!o->no_basic_constraints)
		CHECK(gnutls_x509_crt_set_basic_constraints(c->crt, o->ca, -1));
	if (o->key_usage)
		CHECK(gnutls_x509_crt_set_key_usage(c->crt, o->key_usage));
	for (size_t i = 0; o->eku && o->eku[i]; i++)
		CHECK(gnutls_x509_crt_set_key_purpose_oid(c->crt, o->eku[i], 0));
	for (size_t i = 0; o->dns && o->dns[i]; i++)
		CHECK(gnutls_x509_crt_set_subject_alt_name(c->crt, GNUTLS_SAN_DNSNAME, o->dns[i],
		                                           (unsigned)strlen(o->dns[i]),
		                                           GNUTLS_FSAN_APPEND));
	if (o->issuer == NULL) {
		unsigned char id[20];
		size_t idlen = sizeof(id);

		if (gnutls_x509_crt_get_key_id(c->crt, 0, id, &idlen) >= 0)
			gnutls_x509_crt_set_subject_key_id(c->crt, id, idlen);
	}
	issuer = o->issuer ? o->issuer : c->crt;
	signer = o->issuer_key ? o->issuer_key : c->key;
	CHECK(gnutls_x509_crt_sign2(c->crt, issuer, signer, o->hash ? o->hash : GNUTLS_DIG_SHA256,
	                            0));
	CHECK(gnutls_x509_crt_export2(c->crt, GNUTLS_X509_FMT_DER, &c->der));
	CHECK(gnutls_x509_crt_export2(c->crt, GNUTLS_X509_FMT_PEM, &c->pem));
	return c;
}

struct tu_cert *tu_root(const char *cn, enum tu_key_type key)
{
	struct tu_cert_opts o;

	tu_cert_opts_init(&o, cn);
	o.ca = 1;
	o.key = key;
	o.key_usage = GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN;
	return tu_make(&o);
}

void tu_cert_free(struct tu_cert *c)
{
	if (c == NULL)
		return;
	gnutls_x509_crt_deinit(c->crt);
	if (c->key_owned)
		gnutls_x509_privkey_deinit(c->key);
	gnutls_free(c->der.data);
	gnutls_free(c->pem.data);
	free(c);
}

char *tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *p = NULL;

	if (asprintf(&p, "%s/rwtest.XXXXXX", base && *base ? base : "/tmp") < 0 ||
	    mkdtemp(p) == NULL)
		fail_msg("mkdtemp: %s", strerror(errno));
	return p;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	chmod(path, 0700);
	return remove(path) < 0 ? 0 : 0;
}

void tu_rmrf(const char *path)
{
	if (path)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void tu_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		fail_msg("%s: cannot write: %s", path, strerror(errno));
}

void tu_writef(const char *path, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		fail_msg("oom");
	tu_write(path, s, (size_t)n);
	free(s);
}

char *tu_path(const char *dir, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		fail_msg("oom");
	return p;
}

char *tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	do {
		if (n + 65536 + 1 > cap) {
			cap = (n + 65536 + 1) * 2;
			buf = realloc(buf, cap);
			if (buf == NULL)
				fail_msg("oom");
		}
		r = fread(buf + n, 1, 65536, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

char *tu_source(const char *rel)
{
	const char *src = getenv("RW_SOURCE_DIR");

	if (src == NULL)
		fail_msg("RW_SOURCE_DIR is not set (run the tests through ctest)");
	return tu_path(src, rel);
}

int tu_run(char *const argv[], char **out)
{
	int pfd[2];
	pid_t pid;
	int status;
	char buf[4096];
	size_t n = 0, cap = 0;
	ssize_t r;
	char *acc = NULL;

	if (pipe(pfd) < 0)
		fail_msg("pipe");
	pid = fork();
	if (pid < 0)
		fail_msg("fork");
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((r = read(pfd[0], buf, sizeof(buf))) > 0) {
		if (n + (size_t)r + 1 > cap) {
			cap = (n + (size_t)r + 1) * 2;
			acc = realloc(acc, cap);
			if (acc == NULL)
				fail_msg("oom");
		}
		memcpy(acc + n, buf, (size_t)r);
		n += (size_t)r;
	}
	close(pfd[0]);
	if (acc == NULL)
		acc = calloc(1, 1);
	acc[n] = '\0';
	waitpid(pid, &status, 0);
	if (out)
		*out = acc;
	else
		free(acc);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int tu_safe_tmpdir(void)
{
	char *cwd = getcwd(NULL, 0), *why = NULL;
	const char *home = getenv("HOME");
	char *cand[3] = {cwd ? tu_path(cwd, "hooks-tmp") : NULL, strdup("/run/rw-test-tmp"),
	                 home && *home ? tu_path(home, "rw-test-tmp") : NULL};
	int found = 0;

	for (size_t i = 0; i < 3 && !found; i++) {
		if (cand[i] == NULL || (mkdir(cand[i], 0755) < 0 && errno != EEXIST) ||
		    chmod(cand[i], 0755) < 0)
			continue;
		free(why);
		why = hook_refusal(cand[i], 1);
		if (why == NULL) {
			setenv("TMPDIR", cand[i], 1);
			found = 1;
		}
	}
	if (!found)
		fprintf(stderr, "# %s: the tests that need a safe tree are skipped\n",
		        why ? why : "no candidate directory");
	free(why);
	for (size_t i = 0; i < 3; i++)
		free(cand[i]);
	free(cwd);
	return found;
}
