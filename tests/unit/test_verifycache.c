/* test_verifycache.c - the verification cache: hits, misses, corrupt, hostile and unsafe files. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cert.h"
#include "save.h"
#include "store.h"
#include "verifycache.h"

static int safe_tree;

struct fx {
	char *dir;
	struct tu_cert *root;
	unsigned char *bad; /* root's DER with its signature broken */
	size_t bad_len;
	unsigned char bad_md[32];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	f->root = tu_root("Cache Test Root", TU_EC_P256);
	f->bad_len = f->root->der.size;
	f->bad = malloc(f->bad_len);
	memcpy(f->bad, f->root->der.data, f->bad_len);
	f->bad[f->bad_len - 3] ^= 0x55; /* inside the signature value */
	gnutls_hash_fast(GNUTLS_DIG_SHA256, f->bad, f->bad_len, f->bad_md);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_rmrf(f->dir);
	free(f->dir);
	free(f->bad);
	tu_cert_free(f->root);
	free(f);
	return 0;
}

/* A cache holding exactly the verdict for these (possibly bad) bytes, as a hostile writer would. */
static struct verifycache *cache_claiming(const unsigned char *der, size_t len)
{
	struct verifycache *vc = verifycache_new(0), *out = verifycache_new(0);
	struct cert *c = cert_from_der(der, len, "claimed", NULL);
	struct buf b;

	assert_non_null(c);
	c->self_sig_ok = 1; /* the lie */
	assert_int_equal(verifycache_note(vc, c), 0);
	assert_int_equal(verifycache_serialize(vc, &b), 0);
	assert_int_equal(verifycache_load(out, b.data, b.len, "claimed", NULL), 0);
	buf_free(&b);
	cert_free(c);
	verifycache_free(vc);
	return out;
}

static void test_miss_then_hit_gives_the_same_cert(void **state)
{
	struct fx *f = *state;
	struct verifycache *vc = verifycache_new(0), *vc2 = verifycache_new(0);
	struct cert *cold, *warm;
	unsigned char md[32];
	struct buf b;

	gnutls_hash_fast(GNUTLS_DIG_SHA256, f->root->der.data, f->root->der.size, md);
	assert_int_equal(verifycache_has(vc, md), 0); /* miss */
	cold = cert_from_der_vc(f->root->der.data, f->root->der.size, "r", vc, NULL);
	assert_non_null(cold);
	assert_int_equal(cold->self_sig_ok, 1);
	assert_int_equal(verifycache_note(vc, cold), 0);
	assert_int_equal(verifycache_serialize(vc, &b), 0);
	assert_int_equal(verifycache_load(vc2, b.data, b.len, "mem", NULL), 0);
	assert_int_equal(verifycache_has(vc2, md), 1); /* hit */
	warm = cert_from_der_vc(f->root->der.data, f->root->der.size, "r", vc2, NULL);
	assert_non_null(warm);
	assert_int_equal(warm->self_sig_ok, 1);
	assert_string_equal(warm->sha256, cold->sha256);
	assert_string_equal(warm->subject, cold->subject);
	assert_int_equal(warm->is_ca, cold->is_ca);
	assert_string_equal(warm->spki_sha256, cold->spki_sha256);
	/* A hit is not parsed: every field of the summary comes from the entry, and equals the
	 * parse. */
	assert_string_equal(warm->issuer, cold->issuer);
	assert_string_equal(warm->label, cold->label);
	assert_non_null(cold->cn);
	assert_string_equal(warm->cn, cold->cn);
	assert_string_equal(warm->label, "Cache Test Root");
	assert_true(warm->not_before == cold->not_before);
	assert_true(warm->not_after == cold->not_after);
	assert_string_equal(warm->key_type, cold->key_type);
	assert_int_equal(warm->key_bits, cold->key_bits);
	assert_string_equal(warm->sig_alg, cold->sig_alg);
	assert_int_equal(warm->sig_hash_weak, cold->sig_hash_weak);
	assert_int_equal(warm->has_key_usage, cold->has_key_usage);
	assert_int_equal(warm->key_usage, cold->key_usage);
	assert_int_equal(warm->self_issued, cold->self_issued);
	assert_int_equal(warm->der_len, cold->der_len);
	assert_memory_equal(warm->der, cold->der, cold->der_len);
	assert_string_equal(warm->origin, "r");
	{ /* the SPKI fingerprint is the SHA-256 of the encoded public key */
		gnutls_pubkey_t pk;
		gnutls_datum_t spki;
		unsigned char smd[32];
		char hex[65];
		gnutls_datum_t d = {smd, 32};
		size_t hs = sizeof(hex);

		assert_int_equal(gnutls_pubkey_init(&pk), 0);
		assert_int_equal(gnutls_pubkey_import_x509(pk, f->root->crt, 0), 0);
		assert_int_equal(gnutls_pubkey_export2(pk, GNUTLS_X509_FMT_DER, &spki), 0);
		gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data, spki.size, smd);
		assert_int_equal(gnutls_hex_encode(&d, hex, &hs), 0);
		assert_int_equal(strcasecmp(hex, cold->spki_sha256), 0);
		gnutls_free(spki.data);
		gnutls_pubkey_deinit(pk);
	}
	assert_int_equal(cert_check_root(warm, NULL), 0);
	buf_free(&b);
	cert_free(cold);
	cert_free(warm);
	verifycache_free(vc);
	verifycache_free(vc2);
}

/* A broken signature is never noted, and a verdict only ever applies to its exact bytes. */
static void test_verdicts_are_for_exact_bytes_only(void **state)
{
	struct fx *f = *state;
	struct verifycache *vc = verifycache_new(0);
	struct verifycache *lie = cache_claiming(f->root->der.data, f->root->der.size);
	struct cert *c = cert_from_der_vc(f->bad, f->bad_len, "bad", lie, NULL);
	struct rw_err e;

	assert_non_null(c);
	/* The cache vouches for the good root's fingerprint, not for these bytes. */
	assert_int_equal(c->self_sig_ok, 0);
	assert_int_equal(cert_check_root(c, &e), -1);
	assert_non_null(strstr(e.msg, "self-signature does not verify"));
	assert_int_equal(verifycache_note(vc, c), 0);
	assert_int_equal(verifycache_count(vc), 0);
	assert_int_equal(verifycache_has(vc, f->bad_md), 0);
	cert_free(c);
	verifycache_free(vc);
	verifycache_free(lie);
}

/* Entries for fingerprints that are not in the input change nothing: the same certs, same bytes. */
static void test_hostile_entries_not_in_input_are_harmless(void **state)
{
	struct fx *f = *state;
	struct verifycache *lie = cache_claiming(f->bad, f->bad_len);
	struct tu_cert *other = tu_root("Other Root", TU_RSA_2048);
	struct cert *a = cert_from_der_vc(other->der.data, other->der.size, "o", lie, NULL);
	struct cert *b = cert_from_der(other->der.data, other->der.size, "o", NULL);

	assert_int_equal(verifycache_has(lie, f->bad_md), 1);
	assert_non_null(a);
	/* (What the entry does for its own bytes: their signature is not checked again. This is why
	 * a cache others can write is refused.) */
	{
		struct cert *bad = cert_from_der_vc(f->bad, f->bad_len, "bad", lie, NULL);

		assert_non_null(bad);
		assert_int_equal(bad->self_sig_ok, 1);
		cert_free(bad);
	}
	assert_non_null(b);
	assert_int_equal(a->self_sig_ok, b->self_sig_ok);
	assert_string_equal(a->sha256, b->sha256);
	assert_int_equal(cert_check_root(a, NULL), 0);
	cert_free(a);
	cert_free(b);
	tu_cert_free(other);
	verifycache_free(lie);
}

/* An entry that misstates the key of its bytes (as a hostile writer could) does not move an SPKI
 * pin: the fingerprint is taken from the certificate's own bytes on every read. */
static void test_cached_key_is_never_trusted(void **state)
{
	struct fx *f = *state;
	struct verifycache *vc = verifycache_new(0), *vc2 = verifycache_new(0);
	struct cert *c = cert_from_der(f->root->der.data, f->root->der.size, "r", NULL), *warm;
	char real[CERT_HEX_LEN + 1];
	struct buf b;

	assert_non_null(c);
	memcpy(real, c->spki_sha256, sizeof(real));
	memset(c->spki_sha256, 'A', CERT_HEX_LEN); /* the lie: another key */
	assert_int_equal(verifycache_note(vc, c), 0);
	assert_int_equal(verifycache_serialize(vc, &b), 0);
	assert_int_equal(verifycache_load(vc2, b.data, b.len, "mem", NULL), 0);
	warm = cert_from_der_vc(f->root->der.data, f->root->der.size, "r", vc2, NULL);
	assert_non_null(warm);
	assert_string_equal(warm->spki_sha256, real);
	cert_free(warm);
	cert_free(c);
	buf_free(&b);
	verifycache_free(vc);
	verifycache_free(vc2);
}

/* A certificate whose name is longer than a cache record can hold is not cached, and the rest of
 * the cache stays readable (it was written, then read back as corrupt on every run). */
static void test_overlong_names_are_not_cached(void **state)
{
	struct fx *f = *state;
	struct verifycache *vc = verifycache_new(0), *vc2 = verifycache_new(0);
	struct tu_cert *other = tu_root("Other Root", TU_RSA_2048);
	struct cert *c = cert_from_der(f->root->der.data, f->root->der.size, "r", NULL);
	struct cert *o = cert_from_der(other->der.data, other->der.size, "o", NULL);
	unsigned char md[32], omd[32];
	struct rw_err e = {{0}, 0};
	struct buf b;

	assert_non_null(c);
	assert_non_null(o);
	free(c->subject);
	c->subject = malloc(70000);
	memset(c->subject, 'O', 69999);
	c->subject[69999] = '\0';
	assert_int_equal(verifycache_note(vc, c), 0);
	assert_int_equal(verifycache_note(vc, o), 0);
	assert_int_equal(verifycache_serialize(vc, &b), 0);
	assert_int_equal(verifycache_load(vc2, b.data, b.len, "mem", &e), 0);
	assert_string_equal(e.msg, "");
	gnutls_hash_fast(GNUTLS_DIG_SHA256, f->root->der.data, f->root->der.size, md);
	gnutls_hash_fast(GNUTLS_DIG_SHA256, other->der.data, other->der.size, omd);
	assert_int_equal(verifycache_has(vc2, md), 0);
	assert_int_equal(verifycache_has(vc2, omd), 1);
	cert_free(c);
	cert_free(o);
	tu_cert_free(other);
	buf_free(&b);
	verifycache_free(vc);
	verifycache_free(vc2);
}

/* A renamed certificate (catalog roots take the catalog's name) is cached with its own CN: the
 * next run labels the parse, not the old name. A root without a CN is labelled by its subject. */
static void test_cached_label_is_the_parse_not_a_rename(void **state)
{
	struct fx *f = *state;
	struct tu_cert_opts o;
	struct tu_cert *nocn;
	struct verifycache *vc = verifycache_new(0), *vc2 = verifycache_new(0);
	struct cert *a = cert_from_der(f->root->der.data, f->root->der.size, "a", NULL);
	struct cert *n, *wa, *wn;
	struct buf b;

	tu_cert_opts_init(&o, NULL);
	o.org = "No CN Org";
	o.ca = 1;
	nocn = tu_make(&o);
	n = cert_from_der(nocn->der.data, nocn->der.size, "n", NULL);

	assert_non_null(a);
	assert_non_null(n);
	assert_null(n->cn);
	assert_string_equal(n->label, n->subject);
	assert_int_equal(cert_set_label(a, "Catalog Display Name"), 0);
	assert_int_equal(verifycache_note(vc, a), 0);
	assert_int_equal(verifycache_note(vc, n), 0);
	assert_int_equal(verifycache_serialize(vc, &b), 0);
	assert_int_equal(verifycache_load(vc2, b.data, b.len, "mem", NULL), 0);
	wa = cert_from_der_vc(f->root->der.data, f->root->der.size, "a", vc2, NULL);
	wn = cert_from_der_vc(nocn->der.data, nocn->der.size, "n", vc2, NULL);
	assert_non_null(wa);
	assert_non_null(wn);
	assert_string_equal(wa->label, "Cache Test Root");
	assert_null(wn->cn);
	assert_string_equal(wn->label, n->subject);
	assert_string_equal(wn->subject, n->subject);
	buf_free(&b);
	cert_free(a);
	cert_free(n);
	cert_free(wa);
	cert_free(wn);
	tu_cert_free(nocn);
	verifycache_free(vc);
	verifycache_free(vc2);
}

static void rehash(struct buf *b)
{
	gnutls_hash_fast(GNUTLS_DIG_SHA256, b->data, b->len - 32, b->data + b->len - 32);
}

/* A well-formed cache of another version or producer (another rootwarden or GnuTLS formats the
 * cached texts) is read as empty, silently; a checksum-valid file with a bad structure is corrupt.
 */
static void test_other_versions_read_as_empty(void **state)
{
	struct fx *f = *state;
	struct verifycache *good = cache_claiming(f->root->der.data, f->root->der.size), *vc;
	unsigned char md[32];
	struct rw_err e;
	struct buf b;

	gnutls_hash_fast(GNUTLS_DIG_SHA256, f->root->der.data, f->root->der.size, md);
	assert_int_equal(verifycache_serialize(good, &b), 0);
	for (int k = 0; k < 4; k++) {
		struct buf c;

		buf_init(&c, 0);
		assert_int_equal(buf_append(&c, b.data, b.len), 0);
		if (k == 0)
			c.data[11] = 1; /* version 1 */
		else if (k == 1)
			c.data[40] ^= 1; /* another producer */
		else if (k == 2)
			c.data[23] += 1; /* one entry more than there is */
		else
			c.data[56 + 88] = (char)0x80; /* an unknown flag */
		rehash(&c);
		vc = verifycache_new(0);
		err_clear(&e);
		if (k < 2) {
			assert_int_equal(verifycache_load(vc, c.data, c.len, "old", &e), 0);
			assert_string_equal(e.msg, "");
		} else {
			assert_int_equal(verifycache_load(vc, c.data, c.len, "bad", &e), -1);
			assert_non_null(strstr(e.msg, "bad: corrupt"));
		}
		assert_int_equal(verifycache_has(vc, md), 0);
		assert_int_equal(verifycache_count(vc), 0);
		verifycache_free(vc);
		buf_free(&c);
	}
	buf_free(&b);
	verifycache_free(good);
}

static void write_cache(const char *dir, const struct verifycache *vc)
{
	struct rw_err e = {{0}, 0};

	if (verifycache_save_dir(vc, dir, &e) == SAVE_ERROR)
		fail_msg("save: %s", e.msg);
}

static void test_corrupt_files_are_ignored_with_a_warning(void **state)
{
	struct fx *f = *state;
	char *dir = tu_path(f->dir, "corrupt"), *file = tu_path(dir, VERIFYCACHE_FILE);
	struct verifycache *good = cache_claiming(f->root->der.data, f->root->der.size), *vc;
	unsigned char md[32];
	struct rw_err e;
	char *data;
	size_t len;
	int refused;

	if (!safe_tree)
		skip();
	gnutls_hash_fast(GNUTLS_DIG_SHA256, f->root->der.data, f->root->der.size, md);
	write_cache(dir, good);
	assert_int_equal(verifycache_open_dir(dir, 0, &vc, &refused, &e), 0);
	assert_int_equal(verifycache_has(vc, md), 1);
	verifycache_free(vc);
	data = tu_read(file, &len);
	/* One flipped bit, a truncation, garbage: each loads nothing and warns naming the file. */
	for (int k = 0; k < 3; k++) {
		char *copy = malloc(len);

		memcpy(copy, data, len);
		if (k == 0)
			copy[30] ^= 1;
		tu_write(file, k == 2 ? "not a cache\n" : copy, k == 2 ? 12 : len - (k == 1));
		chmod(file, 0600);
		free(copy);
		err_clear(&e);
		assert_int_equal(verifycache_open_dir(dir, 0, &vc, &refused, &e), 1);
		assert_int_equal(refused, 0);
		assert_non_null(vc);
		assert_int_equal(verifycache_has(vc, md), 0);
		assert_int_equal(strncmp(e.msg, file, strlen(file)), 0);
		assert_non_null(strstr(e.msg, "ignored"));
		verifycache_free(vc);
	}
	free(data);
	free(file);
	free(dir);
	verifycache_free(good);
}

static void fake_cert(struct cert *c, unsigned i)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->sha256, sizeof(c->sha256), "%064X", i);
	c->self_sig_ok = 1;
}

static uint64_t entries(const struct buf *b)
{
	uint64_t v = 0;

	for (int i = 16; i < 24; i++)
		v = v << 8 | (unsigned char)b->data[i];
	return v;
}

static void test_size_is_bounded_and_this_runs_entries_kept(void **state)
{
	struct verifycache *old = verifycache_new(4), *vc = verifycache_new(4), *big;
	struct cert c;
	struct buf b, b2;
	unsigned char key[32] = {0};

	(void)state;
	for (unsigned i = 1; i <= 4; i++) { /* an earlier run's 4 entries */
		fake_cert(&c, i);
		verifycache_note(old, &c);
	}
	assert_int_equal(verifycache_serialize(old, &b), 0);
	assert_int_equal(entries(&b), 4);
	assert_int_equal(verifycache_load(vc, b.data, b.len, "old", NULL), 0);
	/* This run: uses entry 3 and verifies two new roots; the bound is 4. */
	fake_cert(&c, 3);
	verifycache_note(vc, &c);
	fake_cert(&c, 100);
	verifycache_note(vc, &c);
	fake_cert(&c, 101);
	verifycache_note(vc, &c);
	assert_int_equal(verifycache_serialize(vc, &b2), 0);
	assert_int_equal(entries(&b2), 4);
	verifycache_free(vc);
	vc = verifycache_new(4);
	assert_int_equal(verifycache_load(vc, b2.data, b2.len, "new", NULL), 0);
	key[31] = 3;
	assert_int_equal(verifycache_has(vc, key), 1);
	key[31] = 100;
	assert_int_equal(verifycache_has(vc, key), 1);
	key[31] = 101;
	assert_int_equal(verifycache_has(vc, key), 1);
	/* A file with more entries than the bound is not read. */
	big = verifycache_new(3);
	assert_int_equal(verifycache_load(big, b2.data, b2.len, "new", NULL), -1);
	/* Far more than the bound in one run: still bounded. */
	verifycache_free(vc);
	vc = verifycache_new(4);
	for (unsigned i = 1; i <= 1000; i++) {
		fake_cert(&c, i);
		verifycache_note(vc, &c);
	}
	buf_free(&b);
	assert_int_equal(verifycache_serialize(vc, &b), 0);
	assert_int_equal(entries(&b), 4);
	/* header, 4 records (fixed part, then empty key type, signature and subject texts), SHA-256
	 */
	assert_int_equal(b.len, 56 + 4 * (89 + 1 + 1 + 4) + 32);
	buf_free(&b);
	buf_free(&b2);
	verifycache_free(old);
	verifycache_free(vc);
	verifycache_free(big);
}

static void test_unsafe_permissions_are_refused(void **state)
{
	struct fx *f = *state;
	struct verifycache *good = cache_claiming(f->root->der.data, f->root->der.size), *vc;
	char *dir = tu_path(f->dir, "perm"), *file = tu_path(dir, VERIFYCACHE_FILE);
	char *sub = tu_path(f->dir, "open"), *below = tu_path(sub, "cache");
	unsigned char md[32];
	struct rw_err e;
	int refused;

	if (!safe_tree)
		skip();
	gnutls_hash_fast(GNUTLS_DIG_SHA256, f->root->der.data, f->root->der.size, md);
	write_cache(dir, good);
	/* A cache file others can write: not read. */
	chmod(file, 0666);
	assert_int_equal(verifycache_open_dir(dir, 0, &vc, &refused, &e), 1);
	assert_int_equal(refused, 1);
	assert_int_equal(verifycache_has(vc, md), 0);
	assert_non_null(strstr(e.msg, "refused"));
	verifycache_free(vc);
	chmod(file, 0600);
	/* A directory others can write: neither read nor written. */
	chmod(dir, 0777);
	assert_int_equal(verifycache_open_dir(dir, 0, &vc, &refused, &e), 1);
	assert_int_equal(refused, 1);
	assert_int_equal(verifycache_has(vc, md), 0);
	verifycache_free(vc);
	assert_int_equal(verifycache_save_dir(good, dir, &e), SAVE_ERROR);
	assert_non_null(strstr(e.msg, "refused"));
	chmod(dir, 0700);
	/* A cache directory still to be made below a world-writable one: refused, not created. */
	mkdir(sub, 0777);
	chmod(sub, 01777);
	assert_int_equal(verifycache_open_dir(below, 0, &vc, &refused, &e), 1);
	assert_int_equal(refused, 1);
	verifycache_free(vc);
	assert_int_equal(verifycache_save_dir(good, below, &e), SAVE_ERROR);
	assert_int_equal(access(below, F_OK), -1);
	free(sub);
	free(below);
	free(file);
	free(dir);
	verifycache_free(good);
}

/* sync's cache: STATE/cache/verify-cache.bin, read and written by store.c. */
static void test_state_dir_cache(void **state)
{
	struct fx *f = *state;
	char *sd = tu_path(f->dir, "state"), *file = tu_path(sd, "cache/" VERIFYCACHE_FILE);
	char *open_dir = tu_path(f->dir, "open2"), *sd2 = tu_path(open_dir, "state");
	struct cert *c = cert_from_der(f->root->der.data, f->root->der.size, "r", NULL), *got;
	struct store *st;
	struct rw_err e = {{0}, 0};

	if (!safe_tree)
		skip();
	assert_int_equal(store_open(sd, 1, &st, &e), 0);
	assert_int_equal(store_put_root(st, c, &e), 1);
	store_verifycache_note(st, c);
	assert_int_equal(store_verifycache_save(st, &e), 0);
	store_free(st);
	assert_int_equal(access(file, F_OK), 0);
	/* The next run reads the stored root with the cache: same summary, signature vouched for.
	 */
	assert_int_equal(store_open(sd, 0, &st, &e), 0);
	assert_int_equal(store_get_root(st, c->sha256, &got, &e), 0);
	assert_non_null(got);
	assert_int_equal(got->self_sig_ok, 1);
	assert_string_equal(got->subject, c->subject);
	cert_free(got);
	store_free(st);
	/* A corrupt cache: reported once by the save (a warning), then replaced. */
	tu_write(file, "junk", 4);
	chmod(file, 0600);
	assert_int_equal(store_open(sd, 1, &st, &e), 0);
	store_verifycache_note(st, c);
	assert_int_equal(store_verifycache_save(st, &e), 1);
	assert_non_null(strstr(e.msg, "ignored"));
	store_free(st);
	assert_int_equal(store_open(sd, 1, &st, &e), 0);
	err_clear(&e);
	assert_int_equal(store_verifycache_save(st, &e), 0);
	store_free(st);
	/* A state directory below a world-writable one: no cache is used or written, silently. */
	mkdir(open_dir, 0777);
	chmod(open_dir, 01777);
	assert_int_equal(store_open(sd2, 1, &st, &e), 0);
	store_verifycache_note(st, c);
	err_clear(&e);
	assert_int_equal(store_verifycache_save(st, &e), 0);
	store_free(st);
	free(file);
	file = tu_path(sd2, "cache");
	assert_int_equal(access(file, F_OK), -1);
	cert_free(c);
	free(file);
	free(sd);
	free(sd2);
	free(open_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_miss_then_hit_gives_the_same_cert),
	        cmocka_unit_test(test_verdicts_are_for_exact_bytes_only),
	        cmocka_unit_test(test_hostile_entries_not_in_input_are_harmless),
	        cmocka_unit_test(test_corrupt_files_are_ignored_with_a_warning),
	        cmocka_unit_test(test_cached_label_is_the_parse_not_a_rename),
	        cmocka_unit_test(test_other_versions_read_as_empty),
	        cmocka_unit_test(test_size_is_bounded_and_this_runs_entries_kept),
	        cmocka_unit_test(test_unsafe_permissions_are_refused),
	        cmocka_unit_test(test_state_dir_cache),
	        cmocka_unit_test(test_cached_key_is_never_trusted),
	        cmocka_unit_test(test_overlong_names_are_not_cached),
	};
	safe_tree = tu_safe_tmpdir();
	return cmocka_run_group_tests(tests, setup, teardown);
}
