/* test_catalog_update.c - signed catalog updates: each way an update can be wrong gives its own
 * verdict, and nothing but an accepted update leaves a file behind. Keys are made with certtool,
 * archives with tar --format=ustar, hostile archives by hand. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog_update.h"
#include "ustar.h"

static char *dir;       /* the test's temporary tree */
static char *key, *pub; /* Ed25519 private key and its public key (PEM files) */
static char *key2;      /* another Ed25519 key */
static char pin[CERT_HEX_LEN + 1];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char *cmd = NULL, *argv[] = {"sh", "-c", NULL, NULL};
	va_list ap;
	int rc;

	va_start(ap, fmt);
	assert_true(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	argv[2] = cmd;
	rc = tu_run(argv, NULL);
	free(cmd);
	return rc;
}

static int setup(void **state)
{
	char *src = tu_source("roots");

	(void)state;
	dir = tu_tmpdir();
	key = tu_path(dir, "key.pem");
	key2 = tu_path(dir, "key2.pem");
	pub = tu_path(dir, "pub.pem");
	if (sh("certtool --generate-privkey --key-type=ed25519 --outfile '%s' && "
	       "certtool --generate-privkey --key-type=ed25519 --outfile '%s' && "
	       "certtool --load-privkey '%s' --pubkey-info --outfile '%s'",
	       key, key2, key, pub) != 0)
		fail_msg("certtool could not make Ed25519 keys");
	/* a copy of the shipped roots to edit: the "publisher's" tree */
	assert_int_equal(sh("mkdir '%s/pub' && cp '%s'/* '%s/pub/'", dir, src, dir), 0);
	free(src);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmrf(dir);
	free(dir);
	free(key);
	free(key2);
	free(pub);
	return 0;
}

/* Sets catalog_version in the publisher's tree, packs it and returns the archive bytes. */
static char *archive(long long version, const char *extra_sed, size_t *len)
{
	char *path = tu_path(dir, "cat.tar");

	assert_int_equal(
	        sh("cd '%s/pub' && sed -i 's/^catalog_version = .*/catalog_version = %lld;/' "
	           "catalog.conf %s && rm -f '%s' && tar --format=ustar -cf '%s' "
	           "catalog.conf *.pem",
	           dir, version, extra_sed ? extra_sed : "", path, path),
	        0);
	{
		char *data = tu_read(path, len);

		free(path);
		return data;
	}
}

static char *sign(const char *data, size_t len, const char *keyfile, size_t *slen)
{
	size_t klen;
	char *k = tu_read(keyfile, &klen), *sig = NULL;
	struct rw_err e = {{0}, 0};

	if (catalog_signature_make((const unsigned char *)data, len, (const unsigned char *)k, klen,
	                           keyfile, &sig, pin, &e) < 0)
		fail_msg("%s", e.msg);
	free(k);
	*slen = strlen(sig);
	return sig;
}

static size_t entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Runs the check into a fresh work directory; asserts the verdict, and that a refused update
 * left nothing in it. */
static enum catalog_update_verdict judge(const char *a, size_t alen, const char *s, size_t slen,
                                         const char *const *keys, size_t nk,
                                         const struct catalog_accepted *last,
                                         enum catalog_update_verdict want, const char *msg_part)
{
	char *work = tu_path(dir, "work");
	struct catalog_update_result r;
	struct rw_err e = {{0}, 0};
	enum catalog_update_verdict v;

	mkdir(work, 0700);
	v = catalog_update_check((const unsigned char *)a, alen, (const unsigned char *)s, slen,
	                         keys, nk, 2, last, work, "https://mirror.example/catalog.tar", &r,
	                         &e);
	if (v != want)
		fail_msg("verdict %s, expected %s (%s)", catalog_update_verdict_name(v),
		         catalog_update_verdict_name(want), e.msg);
	if (msg_part && strstr(e.msg, msg_part) == NULL)
		fail_msg("message '%s' lacks '%s'", e.msg, msg_part);
	if (msg_part)
		assert_true(strncmp(e.msg, "https://mirror.example/catalog.tar", 34) == 0);
	if (v == CATALOG_UPDATE_ACCEPTED) {
		assert_non_null(r.catalog);
		assert_non_null(r.dir);
		assert_int_equal(entries(work), 1);
		catalog_update_discard(r.dir);
	} else {
		assert_null(r.catalog);
		assert_null(r.dir);
	}
	assert_int_equal(entries(work), 0); /* nothing else changed */
	catalog_update_result_free(&r);
	rmdir(work);
	free(work);
	return v;
}

static void test_good_update_by_pin_and_by_pem_key(void **state)
{
	size_t alen, slen, plen;
	char *a = archive(3, NULL, &alen), *s = sign(a, alen, key, &slen);
	char *pem = tu_read(pub, &plen);
	const char *by_pin[] = {pin}, *by_pem[] = {pem};
	struct catalog_accepted last = {3, ""};

	(void)state;
	judge(a, alen, s, slen, by_pin, 1, NULL, CATALOG_UPDATE_ACCEPTED, NULL);
	judge(a, alen, s, slen, by_pem, 1, NULL, CATALOG_UPDATE_ACCEPTED, NULL);
	/* the one already accepted: nothing to do */
	{
		struct catalog_update_result r;
		struct rw_err e = {{0}, 0};
		char *work = tu_path(dir, "w0");

		mkdir(work, 0700);
		catalog_update_check((const unsigned char *)a, alen, (const unsigned char *)s, slen,
		                     by_pin, 1, 2, NULL, work, "x", &r, &e);
		memcpy(last.sha256, r.sha256, sizeof(last.sha256));
		catalog_update_discard(r.dir);
		catalog_update_result_free(&r);
		rmdir(work);
		free(work);
	}
	judge(a, alen, s, slen, by_pin, 1, &last, CATALOG_UPDATE_SAME, NULL);
	free(a);
	free(s);
	free(pem);
}

static void test_wrong_key_and_bad_signature(void **state)
{
	size_t alen, slen, s2len;
	char *a = archive(3, NULL, &alen), *s = sign(a, alen, key, &slen);
	char other_pin[CERT_HEX_LEN + 1], *s2;
	const char *keys[1];

	(void)state;
	memcpy(other_pin, pin, sizeof(pin));
	s2 = sign(a, alen, key2, &s2len); /* signed by another key: pin now names key2 */
	keys[0] = other_pin;              /* trusted: key 1 only */
	judge(a, alen, s2, s2len, keys, 1, NULL, CATALOG_UPDATE_BAD_SIGNATURE,
	      "not valid for any trusted key");
	/* the right key, but one byte of the archive changed after signing */
	a[600] ^= 1;
	judge(a, alen, s, slen, keys, 1, NULL, CATALOG_UPDATE_BAD_SIGNATURE,
	      "not valid for any trusted key");
	a[600] ^= 1;
	/* a signature file with no signature in it */
	judge(a, alen, "hello\n", 6, keys, 1, NULL, CATALOG_UPDATE_BAD_SIGNATURE,
	      "holds no 'ROOTWARDEN CATALOG SIGNATURE' block");
	/* and no trusted key at all */
	judge(a, alen, s, slen, keys, 0, NULL, CATALOG_UPDATE_BAD_SIGNATURE, "no trusted");
	free(a);
	free(s);
	free(s2);
}

static void test_truncated_archive(void **state)
{
	size_t alen, slen;
	char *a = archive(3, NULL, &alen), *s;
	const char *keys[] = {pin};

	(void)state;
	/* a signed archive cut short (the publisher's upload was interrupted): the signature is
	 * over the short bytes, so only the archive check can refuse it */
	s = sign(a, alen / 2 + 100, key, &slen);
	judge(a, alen / 2 + 100, s, slen, keys, 1, NULL, CATALOG_UPDATE_MALFORMED, "truncated");
	free(s);
	s = sign(a, 512 * 3, key, &slen);
	judge(a, 512 * 3, s, slen, keys, 1, NULL, CATALOG_UPDATE_MALFORMED, "truncated");
	free(s);
	free(a);
}

static void test_older_and_conflicting_versions(void **state)
{
	size_t alen, slen;
	char *a, *s;
	const char *keys[] = {pin};
	struct catalog_accepted last = {4, "00"};

	(void)state;
	/* not newer than the shipped catalog (2) */
	a = archive(2, NULL, &alen);
	s = sign(a, alen, key, &slen);
	judge(a, alen, s, slen, keys, 1, NULL, CATALOG_UPDATE_OLDER, "not newer");
	free(a);
	free(s);
	/* newer than shipped, older than the last accepted (4): a replay */
	a = archive(3, NULL, &alen);
	s = sign(a, alen, key, &slen);
	judge(a, alen, s, slen, keys, 1, &last, CATALOG_UPDATE_OLDER, "downgrade or replay");
	free(a);
	free(s);
	/* the last accepted version with other content */
	a = archive(4, NULL, &alen);
	s = sign(a, alen, key, &slen);
	judge(a, alen, s, slen, keys, 1, &last, CATALOG_UPDATE_CONFLICT, "never reused");
	free(a);
	free(s);
}

static void test_root_failing_its_pin(void **state)
{
	size_t alen, slen;
	char *a, *s;
	const char *keys[] = {pin};

	(void)state;
	/* the publisher's G3 file replaced by G2's: signed, newer, but a root fails its pin */
	assert_int_equal(sh("cd '%s/pub' && cp digicert-global-root-g3.pem g3.keep && "
	                    "cp digicert-global-root-g2.pem digicert-global-root-g3.pem",
	                    dir),
	                 0);
	a = archive(5, NULL, &alen);
	s = sign(a, alen, key, &slen);
	judge(a, alen, s, slen, keys, 1, NULL, CATALOG_UPDATE_PIN_FAILED,
	      "does not match its SHA-256 pin");
	free(a);
	free(s);
	assert_int_equal(sh("cd '%s/pub' && mv g3.keep digicert-global-root-g3.pem", dir), 0);
	/* a catalog.conf that does not load for another reason: malformed, not pin-failed */
	a = archive(5, "&& sed -i 's/^roots = (/roots = ( bogus/' catalog.conf", &alen);
	s = sign(a, alen, key, &slen);
	judge(a, alen, s, slen, keys, 1, NULL, CATALOG_UPDATE_MALFORMED, "catalog.conf");
	free(a);
	free(s);
	/* a catalog that would make libconfig read another file */
	a = archive(5, "&& sed -i '1i @include \"/etc/hostname\"' catalog.conf", &alen);
	s = sign(a, alen, key, &slen);
	judge(a, alen, s, slen, keys, 1, NULL, CATALOG_UPDATE_MALFORMED, "@include");
	free(a);
	free(s);
	{ /* the publisher's tree as it was, for any later test */
		char *src = tu_source("roots");

		assert_int_equal(sh("cp '%s/catalog.conf' '%s/pub/'", src, dir), 0);
		free(src);
	}
}

/* A hand-made ustar member header. */
static void header(unsigned char *h, const char *name, char type, size_t size)
{
	unsigned sum = 0;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 7);
	snprintf((char *)h + 124, 12, "%011zo", size);
	h[156] = (unsigned char)type;
	memcpy(h + 257,
	       "ustar\0"
	       "00",
	       8);
	memset(h + 148, ' ', 8);
	for (size_t i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

static void expect_ustar_refused(const char *name, char type, size_t size, size_t total,
                                 const char *want)
{
	unsigned char buf[4096] = {0};
	struct ustar_entry *v = NULL;
	size_t n = 0;
	struct rw_err e = {{0}, 0};

	header(buf, name, type, size);
	assert_int_equal(ustar_parse(buf, total, NULL, "a.tar", &v, &n, &e), -1);
	assert_null(v);
	if (strstr(e.msg, want) == NULL)
		fail_msg("'%s' lacks '%s'", e.msg, want);
}

static void test_hostile_archives(void **state)
{
	unsigned char buf[2048] = {0};
	struct ustar_entry *v = NULL;
	size_t n = 0;
	struct rw_err e = {{0}, 0};
	struct ustar_limits lim = {2, 100};

	(void)state;
	expect_ustar_refused("../catalog.conf", '0', 0, 1536, "plain file name");
	expect_ustar_refused("sub/catalog.conf", '0', 0, 1536, "plain file name");
	expect_ustar_refused(".hidden", '0', 0, 1536, "plain file name");
	expect_ustar_refused("link.pem", '2', 0, 1536, "not a regular file");
	expect_ustar_refused("dir", '5', 0, 1536, "not a regular file");
	expect_ustar_refused("big.pem", '0', 4096, 1536, "truncated");
	expect_ustar_refused("a.pem", '0', 0, 512, "no end-of-archive block");
	expect_ustar_refused("a.pem", '0', 0, 700, "whole number of 512-byte blocks");
	/* a good one, then limits, duplicates and trailing data */
	header(buf, "a.pem", '0', 3);
	memcpy(buf + 512, "abc", 3);
	assert_int_equal(ustar_parse(buf, 2048, NULL, "a.tar", &v, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].name, "a.pem");
	assert_int_equal(v[0].size, 3);
	assert_memory_equal(v[0].data, "abc", 3);
	free(v);
	header(buf + 1024, "a.pem", '0', 0);
	assert_int_equal(ustar_parse(buf, 2048, NULL, "a.tar", &v, &n, &e), -1);
	assert_non_null(strstr(e.msg, "appears twice"));
	memset(buf + 1024, 0, 512);
	buf[2047] = 1;
	assert_int_equal(ustar_parse(buf, 2048, NULL, "a.tar", &v, &n, &e), -1);
	assert_non_null(strstr(e.msg, "data after the end-of-archive block"));
	buf[2047] = 0;
	header(buf, "a.pem", '0', 200);
	assert_int_equal(ustar_parse(buf, 2048, &lim, "a.tar", &v, &n, &e), -1);
	assert_non_null(strstr(e.msg, "more than the 100 allowed"));
	buf[148] ^= 1; /* checksum */
	assert_int_equal(ustar_parse(buf, 2048, NULL, "a.tar", &v, &n, &e), -1);
	assert_non_null(strstr(e.msg, "checksum"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_good_update_by_pin_and_by_pem_key),
	        cmocka_unit_test(test_wrong_key_and_bad_signature),
	        cmocka_unit_test(test_truncated_archive),
	        cmocka_unit_test(test_older_and_conflicting_versions),
	        cmocka_unit_test(test_root_failing_its_pin),
	        cmocka_unit_test(test_hostile_archives),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
