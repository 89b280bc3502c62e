/*
 * emit_jks.c - a classic JKS Java truststore, for Java older than 9 (whose default store type is
 * JKS) and tools that ask for -storetype JKS.
 *
 * Layout (big-endian): magic FEEDFEED, version 2, the entry count; per root a trusted-certificate
 * entry: tag 2, the alias (Java's UTF: 2-byte length, bytes; emit_names), the creation date in
 * milliseconds, "X.509", the DER length and bytes; then a SHA-1 digest over the password
 * (UTF-16BE), the words "Mighty Aphrodite" and everything before the digest, which is how Java
 * checks the store's integrity. Reproducible: the creation date of an entry is its certificate's
 * notBefore. No library writes JKS; GnuTLS computes the SHA-1.
 */
#include "emit.h"

#include <gnutls/crypto.h>
#include <stdint.h>
#include <string.h>

#include "fileio.h"

#define JKS_MAGIC 0xfeedfeedu
#define JKS_WHITENER "Mighty Aphrodite"
#define STORE_MAX (256u << 20)

static int put_u16(struct buf *b, unsigned v)
{
	unsigned char p[2] = {(unsigned char)(v >> 8), (unsigned char)v};

	return buf_append(b, p, 2);
}

static int put_u32(struct buf *b, uint32_t v)
{
	unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
	                      (unsigned char)(v >> 8), (unsigned char)v};

	return buf_append(b, p, 4);
}

static int put_u64(struct buf *b, uint64_t v)
{
	return put_u32(b, (uint32_t)(v >> 32)) < 0 ? -1 : put_u32(b, (uint32_t)v);
}

static int put_utf(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	return n > 0xffff || put_u16(b, (unsigned)n) < 0 ? -1 : buf_append(b, s, n);
}

/* The password as Java hashes it: each UTF-16 unit, big-endian (ASCII and UTF-8 text). */
static int password_bytes(const char *pw, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)pw;

	while (*p) {
		unsigned long cp = *p;
		int more = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : 3;

		if (more)
			cp &= 0x3fu >> more;
		for (p++; more; more--, p++) {
			if ((*p & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (*p & 0x3f);
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			if (put_u16(out, 0xd800 | (unsigned)(cp >> 10)) < 0 ||
			    put_u16(out, 0xdc00 | (unsigned)(cp & 0x3ff)) < 0)
				return -1;
		} else if (put_u16(out, (unsigned)cp) < 0) {
			return -1;
		}
	}
	return 0;
}

static int jks_digest(const char *password, const void *data, size_t len, unsigned char md[20])
{
	gnutls_hash_hd_t h;
	struct buf pw;
	int rc = -1;

	buf_init(&pw, 0);
	if (password_bytes(password, &pw) < 0 || gnutls_hash_init(&h, GNUTLS_DIG_SHA1) < 0)
		goto out;
	gnutls_hash(h, pw.data ? pw.data : "", pw.len);
	gnutls_hash(h, JKS_WHITENER, strlen(JKS_WHITENER));
	gnutls_hash(h, data, len);
	gnutls_hash_deinit(h, md);
	rc = 0;
out:
	if (pw.data)
		gnutls_memset(pw.data, 0, pw.len);
	buf_free(&pw);
	return rc;
}

int emit_jks(const struct bundle *b, const char *dest, const struct emit_opts *o, struct rw_err *e)
{
	char **alias = emit_names(b, 0);
	unsigned char md[20];
	struct buf out;
	int ok, rc = SAVE_ERROR;

	buf_init(&out, 0);
	ok = alias != NULL && put_u32(&out, JKS_MAGIC) == 0 && put_u32(&out, 2) == 0 &&
	     put_u32(&out, (uint32_t)b->certs.n) == 0;
	for (size_t i = 0; ok && i < b->certs.n; i++) {
		const struct cert *c = b->certs.v[i];
		int64_t ms = (int64_t)c->not_before * 1000;

		ok = put_u32(&out, 2) == 0 && put_utf(&out, alias[i]) == 0 &&
		     put_u64(&out, (uint64_t)ms) == 0 && put_utf(&out, "X.509") == 0 &&
		     put_u32(&out, (uint32_t)c->der_len) == 0 &&
		     buf_append(&out, c->der, c->der_len) == 0;
	}
	if (!ok) {
		err_set(e, RW_EXIT_FAILURE, "%s: cannot encode the JKS store", dest);
		goto out;
	}
	if (jks_digest(emit_password(o), out.data, out.len, md) < 0) {
		err_set(e, RW_EXIT_USAGE, "%s: the store password is not valid UTF-8", dest);
		goto out;
	}
	if (buf_append(&out, md, sizeof(md)) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", dest);
		goto out;
	}
	rc = save_bytes(dest, out.data, out.len, &o->save, e);
out:
	emit_names_free(alias, b->certs.n);
	buf_free(&out);
	return rc;
}

/* A bounds-checked reader over the store's bytes. */
struct rd {
	const unsigned char *p;
	size_t n, off;
	int bad;
};

static uint64_t get(struct rd *r, int bytes)
{
	uint64_t v = 0;

	if (r->bad || r->n - r->off < (size_t)bytes) {
		r->bad = 1;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
		v = v << 8 | r->p[r->off++];
	return v;
}

static const unsigned char *take(struct rd *r, size_t len)
{
	const unsigned char *p = r->p + r->off;

	if (r->bad || r->n - r->off < len) {
		r->bad = 1;
		return NULL;
	}
	r->off += len;
	return p;
}

int emit_jks_read(const char *path, const struct emit_opts *o, struct certlist *out,
                  struct rw_err *e)
{
	struct certlist got = {0};
	unsigned char md[20];
	struct buf data;
	struct rd r = {0};
	uint32_t count;
	int rc = -1;

	buf_init(&data, 0);
	if (file_read_all(path, STORE_MAX, &data, e) < 0)
		return -1;
	r.p = (const unsigned char *)data.data;
	r.n = data.len;
	if (r.n < 32 || get(&r, 4) != JKS_MAGIC) {
		err_set(e, RW_EXIT_INPUT, "%s: not a JKS store", path);
		goto out;
	}
	if (get(&r, 4) != 2) {
		err_set(e, RW_EXIT_INPUT, "%s: JKS version other than 2", path);
		goto out;
	}
	r.n -= sizeof(md); /* the digest follows the entries */
	count = (uint32_t)get(&r, 4);
	for (uint32_t i = 0; i < count && !r.bad; i++) {
		uint32_t tag = (uint32_t)get(&r, 4);

		take(&r, get(&r, 2)); /* alias */
		get(&r, 8);           /* date */
		if (tag == 1) {       /* a private key entry: skip the key and its chain */
			uint32_t chain;

			take(&r, get(&r, 4));
			chain = (uint32_t)get(&r, 4);
			for (uint32_t k = 0; k < chain && !r.bad; k++) {
				take(&r, get(&r, 2));
				take(&r, get(&r, 4));
			}
		} else if (tag == 2) {
			const unsigned char *der;
			size_t len;
			struct cert *c;

			take(&r, get(&r, 2)); /* "X.509" */
			len = (size_t)get(&r, 4);
			if ((der = take(&r, len)) == NULL)
				break;
			if ((c = cert_from_der(der, len, path, e)) == NULL ||
			    certlist_add(&got, c) < 0)
				goto out;
		} else {
			r.bad = 1;
		}
	}
	if (r.bad || r.off != r.n) {
		err_set(e, RW_EXIT_INPUT, "%s: a truncated or malformed JKS store", path);
		goto out;
	}
	if (jks_digest(emit_password(o), data.data, r.n, md) < 0 ||
	    memcmp(md, data.data + r.n, sizeof(md)) != 0) {
		err_set(e, RW_EXIT_INPUT,
		        "%s: the JKS integrity digest does not match (wrong password, or the store "
		        "was changed)",
		        path);
		goto out;
	}
	if (certlist_take_all(out, &got) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
		goto out;
	}
	rc = 0;
out:
	certlist_free(&got);
	buf_free(&data);
	return rc;
}
