/*
 * emit_openssl_dir.c - the hashed directory OpenSSL looks certificates up in (CApath,
 * SSL_CERT_DIR, curl --capath, Python capath): one PEM file per root named HASH.N, where HASH is
 * OpenSSL's subject-name hash in eight lower-case hex digits and N counts roots with the same hash
 * from 0, in bundle order (stable: subject, then SHA-256). The names are the ones 'openssl rehash'
 * gives.
 *
 * The hash (OpenSSL's X509_NAME_hash) is SHA-1 over the canonical encoding of the subject, first
 * four bytes read little-endian. The canonical encoding is every RDN as a DER SET OF
 * AttributeTypeAndValue, concatenated without the outer SEQUENCE, where each value of a string
 * type (UTF8String, BMPString, UniversalString, PrintableString, T61String, IA5String,
 * VisibleString) is converted to UTF-8, stripped of leading and trailing white space, has every
 * inner run of white space made one space and ASCII letters lowered, and is re-encoded as a
 * UTF8String. Other values are kept as they are. libtasn1 decodes the name and encodes the SETs
 * (in DER order), GnuTLS hashes.
 */
#include "emit.h"

#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asn1defs.h"

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int put_utf8(struct buf *b, unsigned long cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else if (cp < 0x110000) {
		u[0] = (unsigned char)(0xf0 | (cp >> 18));
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	} else {
		return -1;
	}
	return buf_append(b, u, n);
}

/* The value's characters as UTF-8 (1: not a string type, keep the value as it is). */
static int to_utf8(unsigned long tag, const unsigned char *p, size_t n, struct buf *out)
{
	switch (tag) {
	case 12: /* UTF8String */
		return buf_append(out, p, n);
	case 19: /* PrintableString */
	case 20: /* T61String: OpenSSL reads it as Latin-1 */
	case 22: /* IA5String */
	case 26: /* VisibleString */
		for (size_t i = 0; i < n; i++)
			if (put_utf8(out, p[i]) < 0)
				return -1;
		return 0;
	case 30: /* BMPString: UCS-2, big-endian */
		if (n % 2)
			return -1;
		for (size_t i = 0; i < n; i += 2)
			if (put_utf8(out, (unsigned long)p[i] << 8 | p[i + 1]) < 0)
				return -1;
		return 0;
	case 28: /* UniversalString: UCS-4, big-endian */
		if (n % 4)
			return -1;
		for (size_t i = 0; i < n; i += 4)
			if (put_utf8(out, (unsigned long)p[i] << 24 |
			                          (unsigned long)p[i + 1] << 16 |
			                          (unsigned long)p[i + 2] << 8 | p[i + 3]) < 0)
				return -1;
		return 0;
	default:
		return 1;
	}
}

/* Trims, folds white space and lowers ASCII letters, in place. */
static size_t canon_text(char *s, size_t n)
{
	size_t from = 0, to = 0;

	while (n > 0 && is_space((unsigned char)s[n - 1]))
		n--;
	while (from < n && is_space((unsigned char)s[from]))
		from++;
	while (from < n) {
		unsigned char c = (unsigned char)s[from];

		if (c & 0x80) {
			s[to++] = (char)c;
			from++;
		} else if (is_space(c)) {
			s[to++] = ' ';
			while (from < n && is_space((unsigned char)s[from]))
				from++;
		} else {
			s[to++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
			from++;
		}
	}
	return to;
}

/* Appends the canonical TLV of one attribute value to out. */
static int canon_value(const unsigned char *tlv, int len, struct buf *out)
{
	unsigned char cls, tl[ASN1_MAX_TL_SIZE];
	unsigned long tag;
	unsigned tllen = sizeof(tl);
	int taglen, lenlen;
	long clen;
	struct buf text;
	int r;

	if (asn1_get_tag_der(tlv, len, &cls, &taglen, &tag) != ASN1_SUCCESS)
		return -1;
	clen = asn1_get_length_der(tlv + taglen, len - taglen, &lenlen);
	if (clen < 0 || (long)taglen + lenlen + clen > len)
		return -1;
	if (cls != ASN1_CLASS_UNIVERSAL)
		return buf_append(out, tlv, (size_t)len);
	buf_init(&text, 0);
	r = to_utf8(tag, tlv + taglen + lenlen, (size_t)clen, &text);
	if (r == 1) {
		buf_free(&text);
		return buf_append(out, tlv, (size_t)len);
	}
	if (r == 0) {
		size_t n = canon_text(text.data ? text.data : "", text.len);

		r = asn1_encode_simple_der(ASN1_ETYPE_UTF8_STRING, (const unsigned char *)text.data,
		                           (unsigned)n, tl, &tllen) != ASN1_SUCCESS ||
		                    buf_append(out, tl, tllen) < 0 ||
		                    buf_append(out, text.data, n) < 0
		            ? -1
		            : 0;
	}
	buf_free(&text);
	return r;
}

/* The canonical encoding of one RDN (path "?i" of the decoded name) appended to canon. */
static int canon_rdn(asn1_node defs, asn1_node name, int i, struct buf *canon)
{
	asn1_node rdn = NULL;
	char path[64], oid[128];
	unsigned char *der = NULL, *val = NULL;
	int n = 0, len, rc = -1;
	struct buf v;

	buf_init(&v, 0);
	snprintf(path, sizeof(path), "?%d", i);
	if (asn1_number_of_elements(name, path, &n) != ASN1_SUCCESS ||
	    asn1_create_element(defs, "RootWarden.RelativeDistinguishedName", &rdn) != ASN1_SUCCESS)
		goto out;
	for (int j = 1; j <= n; j++) {
		snprintf(path, sizeof(path), "?%d.?%d.type", i, j);
		len = sizeof(oid);
		if (asn1_read_value(name, path, oid, &len) != ASN1_SUCCESS)
			goto out;
		snprintf(path, sizeof(path), "?%d.?%d.value", i, j);
		len = 0;
		if (asn1_read_value(name, path, NULL, &len) != ASN1_MEM_ERROR)
			goto out;
		free(val);
		if ((val = malloc((size_t)len + 1)) == NULL ||
		    asn1_read_value(name, path, val, &len) != ASN1_SUCCESS)
			goto out;
		v.len = 0;
		if (canon_value(val, len, &v) < 0 || asn1_write_value(rdn, "", "NEW", 1) ||
		    asn1_write_value(rdn, "?LAST.type", oid, 1) ||
		    asn1_write_value(rdn, "?LAST.value", v.data, (int)v.len))
			goto out;
	}
	len = 0;
	if (asn1_der_coding(rdn, "", NULL, &len, NULL) != ASN1_MEM_ERROR ||
	    (der = malloc((size_t)len)) == NULL ||
	    asn1_der_coding(rdn, "", der, &len, NULL) != ASN1_SUCCESS ||
	    buf_append(canon, der, (size_t)len) < 0)
		goto out;
	rc = 0;
out:
	asn1_delete_structure(&rdn);
	buf_free(&v);
	free(val);
	free(der);
	return rc;
}

int emit_openssl_subject_hash(const struct cert *c, unsigned long *hash, struct rw_err *e)
{
	asn1_node defs = asn1defs(e), name = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t dn = {NULL, 0};
	unsigned char md[20];
	struct buf canon;
	int n = 0, rc = -1;

	buf_init(&canon, 0);
	if (defs == NULL)
		return -1;
	if (cert_gnutls(c, &crt, e) < 0)
		return -1;
	if (gnutls_x509_crt_get_raw_dn(crt, &dn) < 0 ||
	    asn1_create_element(defs, "RootWarden.Name", &name) != ASN1_SUCCESS ||
	    asn1_der_decoding(&name, dn.data, (int)dn.size, NULL) != ASN1_SUCCESS ||
	    asn1_number_of_elements(name, "", &n) != ASN1_SUCCESS) {
		/* an empty name has no elements */
		if (name == NULL || dn.size == 0 || n != 0) {
			err_set(e, RW_EXIT_INPUT, "%s: cannot read the subject name", c->origin);
			goto out;
		}
	}
	for (int i = 1; i <= n; i++)
		if (canon_rdn(defs, name, i, &canon) < 0) {
			err_set(e, RW_EXIT_INPUT,
			        "%s: cannot put the subject name in canonical form", c->origin);
			goto out;
		}
	if (gnutls_hash_fast(GNUTLS_DIG_SHA1, canon.data ? canon.data : "", canon.len, md) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: SHA-1 failed", c->origin);
		goto out;
	}
	*hash = (unsigned long)md[0] | (unsigned long)md[1] << 8 | (unsigned long)md[2] << 16 |
	        (unsigned long)md[3] << 24;
	rc = 0;
out:
	asn1_delete_structure(&name);
	gnutls_free(dn.data);
	gnutls_x509_crt_deinit(crt);
	buf_free(&canon);
	return rc;
}

struct hashed {
	unsigned long hash;
	size_t index; /* in bundle order */
};

static int hashed_cmp(const void *a, const void *b)
{
	const struct hashed *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

int emit_openssl_dir(const struct bundle *b, const char *dest, const struct emit_opts *o,
                     struct rw_err *e)
{
	size_t n = b->certs.n;
	struct hashed *h = calloc(n + 1, sizeof(*h));
	char **names = calloc(n + 1, sizeof(*names));
	int rc = SAVE_ERROR;

	if (h == NULL || names == NULL) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", dest);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		h[i].index = i;
		if (emit_openssl_subject_hash(b->certs.v[i], &h[i].hash, e) < 0)
			goto out;
	}
	/* HASH.N: N counts the roots before it, in bundle order, that have the same hash. */
	qsort(h, n, sizeof(*h), hashed_cmp);
	for (size_t i = 0, k = 0; i < n; i++) {
		k = i > 0 && h[i - 1].hash == h[i].hash ? k + 1 : 0;
		if (asprintf(&names[h[i].index], "%08lx.%zu", h[i].hash, k) < 0) {
			names[h[i].index] = NULL;
			err_set(e, RW_EXIT_FAILURE, "%s: out of memory", dest);
			goto out;
		}
	}
	rc = emit_dir_write(b, dest, o, names, "", emit_pem_block, e);
out:
	emit_names_free(names, n);
	free(h);
	return rc;
}
