/* verifycache.c - the verification cache (verifycache.h). */
#include "verifycache.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cert.h"
#include "fileio.h"
#include "hooks.h"
#include "save.h"

/*
 * The file (version 2; all numbers big-endian):
 *   magic "RWVCACHE", version (4), policy (4), count (8), producer (32: SHA-256 of this program's
 *   version and the GnuTLS version it runs with, which format the cached subject text),
 *   count records in increasing key order, then the SHA-256 of everything before it.
 * A record: key (32), SPKI SHA-256 (32), not_before (8, two's complement), not_after (8),
 *   key_bits (4), key_usage (4), flags (1), key type (1 + n), signature algorithm (1 + n),
 *   subject (4 + n), [issuer (4 + n) when VF_ISSUER], [CN (4 + n) when VF_CN].
 * A file of another version, policy or producer is read as an empty cache (a new program writes
 * it again); one whose checksum or structure is wrong is corrupt (a warning).
 */
#define VC_MAGIC "RWVCACHE"
#define VC_VERSION 2u
#define VC_HEAD 56
#define VC_K VERIFYCACHE_KEY_LEN
#define VC_FIXED (VC_K + 32 + 8 + 8 + 4 + 4 + 1)
#define VC_MAX_TEXT ((uint32_t)65536)

enum {
	VF_CA = 1,
	VF_HAS_KU = 2,
	VF_SELF_ISSUED = 4,
	VF_WEAK = 8,
	VF_ISSUER = 16, /* the issuer text differs from the subject's and follows it */
	VF_CN = 32,     /* the subject has a CN, which follows */
	VF_ALL = 63,
};

struct vc_ref {
	const unsigned char *p; /* a record; its key is its first VC_K bytes */
	size_t len;
};

struct verifycache {
	size_t max;
	unsigned char *file; /* the loaded file (the records point into it) */
	struct vc_ref *old;  /* loaded records, sorted by key */
	unsigned char *used; /* per loaded record: noted by this run */
	size_t n_old;
	struct buf fresh;  /* records noted by this run that were not loaded, one after another */
	size_t *fresh_off; /* where each starts in fresh */
	size_t n_fresh, cap_fresh;
};

struct verifycache *verifycache_new(size_t max)
{
	struct verifycache *vc = calloc(1, sizeof(*vc));

	if (vc != NULL) {
		vc->max = max ? max : VERIFYCACHE_DEFAULT_MAX;
		buf_init(&vc->fresh, 0);
	}
	return vc;
}

static void drop_old(struct verifycache *vc)
{
	free(vc->file);
	free(vc->old);
	free(vc->used);
	vc->file = NULL;
	vc->old = NULL;
	vc->used = NULL;
	vc->n_old = 0;
}

void verifycache_free(struct verifycache *vc)
{
	if (vc == NULL)
		return;
	drop_old(vc);
	buf_free(&vc->fresh);
	free(vc->fresh_off);
	free(vc);
}

static void put_be(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t get_be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Who wrote a cache: the cached texts are GnuTLS's formatting, so another GnuTLS or another
 * rootwarden starts from an empty cache. */
static void producer(unsigned char md[32])
{
	char id[256];
	int n = snprintf(id, sizeof(id), "rootwarden %s; GnuTLS %s; policy %u", RW_VERSION,
	                 gnutls_check_version(NULL), VERIFYCACHE_POLICY);

	if (n < 0 || gnutls_hash_fast(GNUTLS_DIG_SHA256, id, (size_t)n, md) < 0)
		memset(md, 0, 32);
}

/* ---- records -------------------------------------------------------------------------------- */

struct rd {
	const unsigned char *p, *end;
};

static int rd_take(struct rd *r, size_t n, const unsigned char **out)
{
	if ((size_t)(r->end - r->p) < n)
		return -1;
	*out = r->p;
	r->p += n;
	return 0;
}

/* A text of 'lenbytes' length bytes then that many bytes without NUL, shorter than max. */
static int rd_text(struct rd *r, int lenbytes, size_t max, const unsigned char **s, size_t *n)
{
	const unsigned char *l;

	if (rd_take(r, (size_t)lenbytes, &l) < 0)
		return -1;
	*n = (size_t)get_be(l, lenbytes);
	if (*n >= max || rd_take(r, *n, s) < 0 || memchr(*s, '\0', *n) != NULL)
		return -1;
	return 0;
}

struct rec {
	const unsigned char *fixed; /* VC_FIXED bytes */
	const unsigned char *kt, *sg, *subj, *iss, *cn;
	size_t kt_n, sg_n, subj_n, iss_n, cn_n;
	unsigned flags;
};

/* Parses one record at r->p; -1 when it is malformed or runs past the end. */
static int rec_parse(struct rd *r, struct rec *x)
{
	memset(x, 0, sizeof(*x));
	if (rd_take(r, VC_FIXED, &x->fixed) < 0)
		return -1;
	x->flags = x->fixed[VC_FIXED - 1];
	if ((x->flags & ~(unsigned)VF_ALL) != 0 ||
	    rd_text(r, 1, sizeof(((struct cert *)0)->key_type), &x->kt, &x->kt_n) < 0 ||
	    rd_text(r, 1, sizeof(((struct cert *)0)->sig_alg), &x->sg, &x->sg_n) < 0 ||
	    rd_text(r, 4, VC_MAX_TEXT, &x->subj, &x->subj_n) < 0)
		return -1;
	if ((x->flags & VF_ISSUER) && rd_text(r, 4, VC_MAX_TEXT, &x->iss, &x->iss_n) < 0)
		return -1;
	if ((x->flags & VF_CN) && rd_text(r, 4, VC_MAX_TEXT, &x->cn, &x->cn_n) < 0)
		return -1;
	return 0;
}

static int put_text(struct buf *b, int lenbytes, const char *s)
{
	unsigned char l[4];
	size_t n = s ? strlen(s) : 0;

	put_be(l, n, lenbytes);
	return buf_append(b, l, (size_t)lenbytes) < 0 || buf_append(b, s ? s : "", n) < 0 ? -1 : 0;
}

static int hex_key(const char *hex, unsigned char out[32])
{
	gnutls_datum_t d = {(unsigned char *)hex, CERT_HEX_LEN};
	size_t size = 32;

	return strlen(hex) == CERT_HEX_LEN && gnutls_hex_decode(&d, out, &size) >= 0 && size == 32
	               ? 0
	               : -1;
}

/* 1 if a text (or none) is short enough for rd_text() to read back. */
static int text_fits(const char *s)
{
	return s == NULL || strlen(s) < VC_MAX_TEXT;
}

/* Appends c's record to b. */
static int rec_put(struct buf *b, const unsigned char key[32], const struct cert *c)
{
	unsigned char f[VC_FIXED];
	unsigned flags = (c->is_ca ? VF_CA : 0) | (c->has_key_usage ? VF_HAS_KU : 0) |
	                 (c->self_issued ? VF_SELF_ISSUED : 0) | (c->sig_hash_weak ? VF_WEAK : 0);
	const char *subject = c->subject ? c->subject : "";
	int iss = c->issuer != NULL && strcmp(c->issuer, subject) != 0;

	memcpy(f, key, VC_K);
	memset(f + VC_K, 0, 32);
	(void)hex_key(c->spki_sha256, f + VC_K);
	put_be(f + 64, (uint64_t)(int64_t)c->not_before, 8);
	put_be(f + 72, (uint64_t)(int64_t)c->not_after, 8);
	put_be(f + 80, c->key_bits, 4);
	put_be(f + 84, c->key_usage, 4);
	f[88] = (unsigned char)(flags | (iss ? VF_ISSUER : 0) | (c->cn ? VF_CN : 0));
	if (buf_append(b, f, sizeof(f)) < 0 || put_text(b, 1, c->key_type) < 0 ||
	    put_text(b, 1, c->sig_alg) < 0 || put_text(b, 4, subject) < 0 ||
	    (iss && put_text(b, 4, c->issuer) < 0) || (c->cn && put_text(b, 4, c->cn) < 0))
		return -1;
	return 0;
}

static char *text_dup(const unsigned char *s, size_t n)
{
	char *t = malloc(n + 1);

	if (t != NULL) {
		memcpy(t, s, n);
		t[n] = '\0';
	}
	return t;
}

/* ---- load and serialize --------------------------------------------------------------------- */

static int cmp_ref(const void *a, const void *b)
{
	return memcmp(((const struct vc_ref *)a)->p, ((const struct vc_ref *)b)->p, VC_K);
}

static int load(struct verifycache *vc, const void *data, size_t len, unsigned char *own,
                const char *origin, struct rw_err *e);

int verifycache_load(struct verifycache *vc, const void *data, size_t len, const char *origin,
                     struct rw_err *e)
{
	return load(vc, data, len, NULL, origin, e);
}

/* own: data itself, malloc'd, which the cache keeps (and frees) when the load succeeds; NULL: the
 * cache copies data. */
static int load(struct verifycache *vc, const void *data, size_t len, unsigned char *own,
                const char *origin, struct rw_err *e)
{
	const unsigned char *p = data;
	unsigned char md[32], mine[32];
	struct vc_ref *refs = NULL;
	unsigned char *copy = NULL, *used = NULL;
	struct rd r;
	uint64_t count;

	if (len < 8 + 32 || memcmp(p, VC_MAGIC, 8) != 0)
		return err_set(e, RW_EXIT_INPUT, "%s: not a rootwarden verification cache", origin);
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, p, len - 32, md) < 0 ||
	    memcmp(md, p + len - 32, 32) != 0)
		return err_set(e, RW_EXIT_INPUT, "%s: corrupt verification cache (checksum)",
		               origin);
	producer(mine);
	if (len < VC_HEAD + 32 || get_be(p + 8, 4) != VC_VERSION ||
	    get_be(p + 12, 4) != VERIFYCACHE_POLICY || memcmp(p + 24, mine, 32) != 0) {
		/* Written by another version: nothing in it is used (and it is replaced). */
		drop_old(vc);
		return 0;
	}
	count = get_be(p + 16, 8);
	if (count > vc->max || count > (len - VC_HEAD - 32) / VC_FIXED)
		return err_set(e, RW_EXIT_INPUT,
		               "%s: corrupt verification cache (%llu entries in %zu bytes)", origin,
		               (unsigned long long)count, len);
	if ((copy = own ? own : malloc(len)) == NULL ||
	    (refs = calloc(count ? count : 1, sizeof(*refs))) == NULL ||
	    (used = calloc(count ? count : 1, 1)) == NULL) {
		if (copy != own)
			free(copy);
		free(refs);
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", origin);
	}
	if (copy != own)
		memcpy(copy, p, len);
	r.p = copy + VC_HEAD;
	r.end = copy + len - 32;
	for (uint64_t i = 0; i < count; i++) {
		struct rec x;

		refs[i].p = r.p;
		if (rec_parse(&r, &x) < 0) {
			err_set(e, RW_EXIT_INPUT, "%s: corrupt verification cache (entry %llu)",
			        origin, (unsigned long long)i + 1);
			goto bad;
		}
		refs[i].len = (size_t)(r.p - refs[i].p);
		if (i > 0 && memcmp(refs[i - 1].p, refs[i].p, VC_K) >= 0) {
			err_set(e, RW_EXIT_INPUT,
			        "%s: corrupt verification cache (entries out of order)", origin);
			goto bad;
		}
	}
	if (r.p != r.end) {
		err_set(e, RW_EXIT_INPUT, "%s: corrupt verification cache (trailing bytes)",
		        origin);
		goto bad;
	}
	drop_old(vc);
	vc->file = copy;
	vc->old = refs;
	vc->used = used;
	vc->n_old = count;
	return 0;
bad:
	if (copy != own)
		free(copy);
	free(refs);
	free(used);
	return -1;
}

/* The loaded record for key, or -1. */
static ssize_t find_old(const struct verifycache *vc, const unsigned char *key)
{
	size_t lo = 0, hi = vc->n_old;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(key, vc->old[mid].p, VC_K);

		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

int verifycache_has(const struct verifycache *vc, const unsigned char key[VERIFYCACHE_KEY_LEN])
{
	return vc != NULL && find_old(vc, key) >= 0;
}

int verifycache_get(const struct verifycache *vc, const unsigned char key[VERIFYCACHE_KEY_LEN],
                    struct cert *c)
{
	ssize_t i = vc ? find_old(vc, key) : -1;
	struct rd r;
	struct rec x;

	if (i < 0)
		return 0;
	r.p = vc->old[i].p;
	r.end = r.p + vc->old[i].len;
	if (rec_parse(&r, &x) < 0) /* checked when loaded */
		return 0;
	cert_hex32(x.fixed + VC_K, c->spki_sha256);
	c->not_before = (time_t)(int64_t)get_be(x.fixed + 64, 8);
	c->not_after = (time_t)(int64_t)get_be(x.fixed + 72, 8);
	c->key_bits = (unsigned)get_be(x.fixed + 80, 4);
	c->key_usage = (unsigned)get_be(x.fixed + 84, 4);
	c->is_ca = (x.flags & VF_CA) != 0;
	c->has_key_usage = (x.flags & VF_HAS_KU) != 0;
	c->self_issued = (x.flags & VF_SELF_ISSUED) != 0;
	c->sig_hash_weak = (x.flags & VF_WEAK) != 0;
	memcpy(c->key_type, x.kt, x.kt_n);
	c->key_type[x.kt_n] = '\0';
	memcpy(c->sig_alg, x.sg, x.sg_n);
	c->sig_alg[x.sg_n] = '\0';
	c->subject = text_dup(x.subj, x.subj_n);
	c->issuer = (x.flags & VF_ISSUER) ? text_dup(x.iss, x.iss_n) : text_dup(x.subj, x.subj_n);
	if (x.flags & VF_CN)
		c->cn = text_dup(x.cn, x.cn_n);
	c->label = c->cn ? strdup(c->cn) : text_dup(x.subj, x.subj_n);
	if (c->subject == NULL || c->issuer == NULL || c->label == NULL ||
	    ((x.flags & VF_CN) && c->cn == NULL))
		return -1;
	c->self_sig_ok = 1;
	return 1;
}

size_t verifycache_count(const struct verifycache *vc)
{
	return vc ? vc->n_old + vc->n_fresh : 0;
}

int verifycache_note(struct verifycache *vc, const struct cert *c)
{
	unsigned char key[VC_K];
	ssize_t hit;
	size_t start = vc->fresh.len;

	/* Only what the reader takes back: a name as long as VC_MAX_TEXT would make the whole
	 * file read as corrupt on every run, so that certificate is simply not cached. */
	if (!c->self_sig_ok || hex_key(c->sha256, key) < 0 || !text_fits(c->subject) ||
	    !text_fits(c->issuer) || !text_fits(c->cn) || strlen(c->key_type) > 255 ||
	    strlen(c->sig_alg) > 255)
		return 0;
	if ((hit = find_old(vc, key)) >= 0) {
		vc->used[hit] = 1;
		return 0;
	}
	if (vc->n_fresh == vc->cap_fresh) {
		size_t ncap = vc->cap_fresh ? vc->cap_fresh * 2 : 256;
		size_t *no = realloc(vc->fresh_off, ncap * sizeof(*no));

		if (no == NULL)
			return -1;
		vc->fresh_off = no;
		vc->cap_fresh = ncap;
	}
	if (rec_put(&vc->fresh, key, c) < 0) {
		vc->fresh.len = start;
		return -1;
	}
	vc->fresh_off[vc->n_fresh++] = start;
	return 0;
}

int verifycache_serialize(const struct verifycache *vc, struct buf *out)
{
	size_t total = vc->n_old + vc->n_fresh, m = 0, w = 0;
	struct vc_ref *k = malloc((total ? total : 1) * sizeof(*k));
	unsigned char head[VC_HEAD], md[32];
	int rc = -1;

	buf_init(out, 0);
	if (k == NULL)
		return -1;
	/* This run's records first: the fresh ones (unique), then the loaded ones it used. */
	for (size_t i = 0; i < vc->n_fresh; i++) {
		size_t end = i + 1 < vc->n_fresh ? vc->fresh_off[i + 1] : vc->fresh.len;

		k[i].p = (const unsigned char *)vc->fresh.data + vc->fresh_off[i];
		k[i].len = end - vc->fresh_off[i];
	}
	qsort(k, vc->n_fresh, sizeof(*k), cmp_ref);
	for (size_t r = 0; r < vc->n_fresh; r++)
		if (w == 0 || memcmp(k[w - 1].p, k[r].p, VC_K) != 0)
			k[w++] = k[r];
	m = w;
	for (size_t i = 0; i < vc->n_old; i++)
		if (vc->used[i])
			k[m++] = vc->old[i];
	if (m > vc->max) {
		qsort(k, m, sizeof(*k), cmp_ref);
		m = vc->max;
	}
	for (size_t i = 0; i < vc->n_old && m < vc->max; i++)
		if (!vc->used[i])
			k[m++] = vc->old[i];
	/* The file's size is bounded too (the reader refuses more), in the same order of priority.
	 */
	for (size_t i = 0, size = VC_HEAD + 32; i < m; i++) {
		size += k[i].len;
		if (size > VERIFYCACHE_FILE_MAX) {
			m = i;
			break;
		}
	}
	qsort(k, m, sizeof(*k), cmp_ref);
	memcpy(head, VC_MAGIC, 8);
	put_be(head + 8, VC_VERSION, 4);
	put_be(head + 12, VERIFYCACHE_POLICY, 4);
	put_be(head + 16, m, 8);
	producer(head + 24);
	if (buf_append(out, head, sizeof(head)) < 0)
		goto out;
	for (size_t i = 0; i < m; i++)
		if (buf_append(out, k[i].p, k[i].len) < 0)
			goto out;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, out->data, out->len, md) < 0 ||
	    buf_append(out, md, sizeof(md)) < 0)
		goto out;
	rc = 0;
out:
	free(k);
	return rc;
}

/* ---- files ---------------------------------------------------------------------------------- */

static char *parent_of(const char *path)
{
	char *parent = strdup(path), *slash;

	if (parent == NULL)
		return NULL;
	slash = strrchr(parent, '/');
	if (slash == NULL)
		strcpy(parent, ".");
	else if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	return parent;
}

char *verifycache_refusal(const char *path, int dir)
{
	struct stat st;
	char *why = NULL, *parent = parent_of(path);

	if (parent == NULL)
		return strdup("out of memory");
	if (stat(path, &st) < 0 && errno == ENOENT) {
		/* Not there yet: judge the directory it would be made in. */
		if (stat(parent, &st) == 0)
			why = hook_refusal(parent, 1);
		goto out;
	}
	/* hook_refusal judges a directory and everything above it; for a file, its directory, then
	 * the file itself (hook_refusal would want it executable). */
	if (dir || (why = hook_refusal(parent, 1)) != NULL) {
		if (dir)
			why = hook_refusal(path, 1);
		goto out;
	}
	if (lstat(path, &st) < 0) {
		if (asprintf(&why, "%s: %s", path, strerror(errno)) < 0)
			why = strdup("out of memory");
	} else if (!S_ISREG(st.st_mode)) {
		if (asprintf(&why, "%s: not a regular file", path) < 0)
			why = strdup("out of memory");
	} else if (st.st_uid != 0 && st.st_uid != geteuid()) {
		if (asprintf(&why, "%s: owned by uid %u, not by root or the running user", path,
		             (unsigned)st.st_uid) < 0)
			why = strdup("out of memory");
	} else if (st.st_mode & 022) {
		if (asprintf(&why, "%s: writable by group or others (mode %04o)", path,
		             (unsigned)(st.st_mode & 07777)) < 0)
			why = strdup("out of memory");
	}
out:
	free(parent);
	return why;
}

static char *file_path(const char *dir)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, VERIFYCACHE_FILE) < 0)
		return NULL;
	return p;
}

int verifycache_open_dir(const char *dir, size_t max, struct verifycache **out, int *refused,
                         struct rw_err *e)
{
	struct verifycache *vc = verifycache_new(max);
	char *path = file_path(dir), *why = NULL;
	struct buf b = {0};
	int rc = 0;

	*out = NULL;
	*refused = 0;
	if (vc == NULL || path == NULL) {
		rc = err_set(e, RW_EXIT_FAILURE, "%s: out of memory", dir);
		goto out;
	}
	if ((why = verifycache_refusal(dir, 1)) != NULL ||
	    (why = verifycache_refusal(path, 0)) != NULL) {
		*refused = 1;
		err_set(e, RW_EXIT_INPUT, "%s: verification cache refused: %s", dir, why);
		rc = 1;
		goto out;
	}
	if (access(path, F_OK) != 0)
		goto out;
	if (file_read_all(path, VERIFYCACHE_FILE_MAX, &b, e) < 0 ||
	    load(vc, b.data, b.len, (unsigned char *)b.data, path, e) < 0) {
		if (e != NULL) {
			char msg[sizeof(e->msg)];

			memcpy(msg, e->msg, sizeof(msg));
			err_set(e, RW_EXIT_INPUT, "%.900s; ignored", msg);
		}
		rc = 1;
	}
	if (vc->file != NULL && vc->file == (unsigned char *)b.data)
		b.data = NULL; /* kept by the cache */
out:
	if (rc < 0) {
		verifycache_free(vc);
		vc = NULL;
	}
	*out = vc;
	buf_free(&b);
	free(why);
	free(path);
	return rc;
}

int verifycache_save_dir(const struct verifycache *vc, const char *dir, struct rw_err *e)
{
	struct save_opts o;
	struct buf b = {0};
	char *path = NULL, *why = NULL;
	int r = SAVE_ERROR;

	if ((path = file_path(dir)) == NULL) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", dir);
		goto out;
	}
	if ((why = verifycache_refusal(dir, 1)) != NULL) {
		err_set(e, RW_EXIT_INPUT, "%s: verification cache refused: %s", dir, why);
		goto out;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_set(e, RW_EXIT_FAILURE, "%s: cannot create the directory: %s", dir,
		        strerror(errno));
		goto out;
	}
	if ((why = verifycache_refusal(dir, 1)) != NULL ||
	    (why = verifycache_refusal(path, 0)) != NULL) {
		err_set(e, RW_EXIT_INPUT, "%s: verification cache refused: %s", dir, why);
		goto out;
	}
	if (verifycache_serialize(vc, &b) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
		goto out;
	}
	save_opts_init(&o);
	o.mode = 0600;
	r = save_bytes(path, b.data, b.len, &o, e);
out:
	buf_free(&b);
	free(why);
	free(path);
	return r;
}
