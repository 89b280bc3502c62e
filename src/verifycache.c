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

/* The file: magic, version, policy, count (big-endian), count sorted unique keys, then the
 * SHA-256 of everything before it. */
#define VC_MAGIC "RWVCACHE"
#define VC_VERSION 1u
#define VC_HEAD 24
#define VC_K VERIFYCACHE_KEY_LEN

struct verifycache {
	size_t max;
	unsigned char *old;  /* loaded keys, sorted */
	unsigned char *used; /* per loaded key: noted by this run */
	size_t n_old;
	unsigned char *fresh; /* keys noted by this run that were not loaded (unsorted) */
	size_t n_fresh, cap_fresh;
};

struct verifycache *verifycache_new(size_t max)
{
	struct verifycache *vc = calloc(1, sizeof(*vc));

	if (vc != NULL)
		vc->max = max ? max : VERIFYCACHE_DEFAULT_MAX;
	return vc;
}

void verifycache_free(struct verifycache *vc)
{
	if (vc == NULL)
		return;
	free(vc->old);
	free(vc->used);
	free(vc->fresh);
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

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, VC_K);
}

int verifycache_load(struct verifycache *vc, const void *data, size_t len, const char *origin,
                     struct rw_err *e)
{
	const unsigned char *p = data;
	unsigned char md[32], *keys = NULL, *used = NULL;
	uint64_t count;

	if (len < VC_HEAD + 32 || memcmp(p, VC_MAGIC, 8) != 0)
		return err_set(e, RW_EXIT_INPUT, "%s: not a rootwarden verification cache", origin);
	if (get_be(p + 8, 4) != VC_VERSION || get_be(p + 12, 4) != VERIFYCACHE_POLICY)
		return err_set(e, RW_EXIT_INPUT,
		               "%s: verification cache of another version or policy", origin);
	count = get_be(p + 16, 8);
	if (count > vc->max || len != VC_HEAD + count * VC_K + 32)
		return err_set(e, RW_EXIT_INPUT,
		               "%s: corrupt verification cache (%llu entries in %zu bytes)", origin,
		               (unsigned long long)count, len);
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, p, len - 32, md) < 0 ||
	    memcmp(md, p + len - 32, 32) != 0)
		return err_set(e, RW_EXIT_INPUT, "%s: corrupt verification cache (checksum)",
		               origin);
	for (uint64_t i = 1; i < count; i++)
		if (memcmp(p + VC_HEAD + (i - 1) * VC_K, p + VC_HEAD + i * VC_K, VC_K) >= 0)
			return err_set(e, RW_EXIT_INPUT,
			               "%s: corrupt verification cache (entries out of order)",
			               origin);
	if (count > 0) {
		keys = malloc(count * VC_K);
		used = calloc(count, 1);
		if (keys == NULL || used == NULL) {
			free(keys);
			free(used);
			return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", origin);
		}
		memcpy(keys, p + VC_HEAD, count * VC_K);
	}
	free(vc->old);
	free(vc->used);
	vc->old = keys;
	vc->used = used;
	vc->n_old = count;
	return 0;
}

static const unsigned char *find_old(const struct verifycache *vc, const unsigned char *key)
{
	if (vc->n_old == 0)
		return NULL;
	return bsearch(key, vc->old, vc->n_old, VC_K, cmp_key);
}

int verifycache_has(const struct verifycache *vc, const unsigned char key[VERIFYCACHE_KEY_LEN])
{
	return vc != NULL && find_old(vc, key) != NULL;
}

size_t verifycache_count(const struct verifycache *vc)
{
	return vc ? vc->n_old + vc->n_fresh : 0;
}

int verifycache_note(struct verifycache *vc, const struct cert *c)
{
	gnutls_datum_t hex = {(unsigned char *)c->sha256, CERT_HEX_LEN};
	unsigned char key[VC_K];
	const unsigned char *hit;
	size_t size = sizeof(key);

	if (!c->self_sig_ok || gnutls_hex_decode(&hex, key, &size) < 0 || size != VC_K)
		return 0;
	if ((hit = find_old(vc, key)) != NULL) {
		vc->used[(size_t)(hit - vc->old) / VC_K] = 1;
		return 0;
	}
	if (vc->n_fresh == vc->cap_fresh) {
		size_t ncap = vc->cap_fresh ? vc->cap_fresh * 2 : 256;
		unsigned char *nf = realloc(vc->fresh, ncap * VC_K);

		if (nf == NULL)
			return -1;
		vc->fresh = nf;
		vc->cap_fresh = ncap;
	}
	memcpy(vc->fresh + vc->n_fresh++ * VC_K, key, VC_K);
	return 0;
}

int verifycache_serialize(const struct verifycache *vc, struct buf *out)
{
	size_t total = vc->n_old + vc->n_fresh, m = 0, w = 0;
	unsigned char *k = malloc(total ? total * VC_K : 1), head[VC_HEAD], md[32];
	int rc = -1;

	if (k == NULL)
		return -1;
	/* This run's keys first: the fresh ones (unique), then the loaded ones it used. */
	if (vc->n_fresh > 0) {
		memcpy(k, vc->fresh, vc->n_fresh * VC_K);
		qsort(k, vc->n_fresh, VC_K, cmp_key);
	}
	for (size_t r = 0; r < vc->n_fresh; r++)
		if (w == 0 || memcmp(k + (w - 1) * VC_K, k + r * VC_K, VC_K) != 0)
			memmove(k + w++ * VC_K, k + r * VC_K, VC_K);
	m = w;
	for (size_t i = 0; i < vc->n_old; i++)
		if (vc->used[i])
			memcpy(k + m++ * VC_K, vc->old + i * VC_K, VC_K);
	if (m > vc->max) {
		qsort(k, m, VC_K, cmp_key);
		m = vc->max;
	}
	for (size_t i = 0; i < vc->n_old && m < vc->max; i++)
		if (!vc->used[i])
			memcpy(k + m++ * VC_K, vc->old + i * VC_K, VC_K);
	qsort(k, m, VC_K, cmp_key);
	memcpy(head, VC_MAGIC, 8);
	put_be(head + 8, VC_VERSION, 4);
	put_be(head + 12, VERIFYCACHE_POLICY, 4);
	put_be(head + 16, m, 8);
	buf_init(out, 0);
	if (buf_append(out, head, sizeof(head)) < 0 || buf_append(out, k, m * VC_K) < 0 ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, out->data, out->len, md) < 0 ||
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
	if (file_read_all(path, VC_HEAD + (vc->max + 1) * VC_K, &b, e) < 0 ||
	    verifycache_load(vc, b.data, b.len, path, e) < 0) {
		if (e != NULL) {
			char msg[sizeof(e->msg)];

			memcpy(msg, e->msg, sizeof(msg));
			err_set(e, RW_EXIT_INPUT, "%.900s; ignored", msg);
		}
		rc = 1;
	}
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
