/*
 * emit_pkcs12.c - a PKCS #12 Java truststore (java-pkcs12). Java lists a certificate bag as a
 * trustedCertEntry only when the bag carries Oracle's trusted-key-usage attribute
 * (2.16.840.1.113894.746875.1.1) with anyExtendedKeyUsage (2.5.29.37.0); a store made by other
 * tools without it shows 0 entries. GnuTLS cannot set that attribute, so the structures (RFC 7292)
 * are encoded with libtasn1 (src/asn1/rootwarden.asn); GnuTLS does the hashing, the HMAC and the
 * reading back.
 *
 * Layout, as keytool writes a truststore when certificate protection is off: PFX version 3; one
 * AuthenticatedSafe ContentInfo of type data holding SafeContents with one certBag per root (in
 * bundle order), each with friendlyName = its alias (emit_names) and the trusted-key-usage
 * attribute; a MAC: HMAC-SHA-256, key from the PKCS #12 key derivation (RFC 7292 B.2, ID 3,
 * SHA-256, 10,000 iterations) over the password as a NUL-terminated BMPString.
 * Reproducible: the MAC salt is the first 16 bytes of SHA-256 over the DER AuthenticatedSafe, so
 * the same roots and password give the same bytes, and a changed root set a new salt. Nothing in
 * the file is encrypted (a truststore holds only public certificates).
 */
#include "emit.h"

#include <gnutls/crypto.h>
#include <gnutls/pkcs12.h>
#include <stdlib.h>
#include <string.h>

#include "asn1defs.h"
#include "fileio.h"

#define OID_DATA "1.2.840.113549.1.7.1"
#define OID_CERT_BAG "1.2.840.113549.1.12.10.1.3"
#define OID_X509_CERT "1.2.840.113549.1.9.22.1"
#define OID_FRIENDLY_NAME "1.2.840.113549.1.9.20"
#define OID_JAVA_TRUSTED_USAGE "2.16.840.1.113894.746875.1.1"
#define OID_ANY_EKU "2.5.29.37.0"
#define OID_SHA256 "2.16.840.1.101.3.4.2.1"
#define MAC_ITERATIONS 10000
#define MAC_SALT_LEN 16
#define STORE_MAX (256u << 20)

/* UTF-8 to UTF-16BE (surrogate pairs above U+FFFF), as Java turns a password or alias into
 * bytes; with_nul adds the two zero bytes PKCS #12 puts after a password. -1 on bad UTF-8. */
static int utf16be(const char *s, int with_nul, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned long cp;
		int more;

		if (*p < 0x80) {
			cp = *p;
			more = 0;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			more = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			more = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07;
			more = 3;
		} else {
			return -1;
		}
		p++;
		for (; more; more--, p++) {
			if ((*p & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (*p & 0x3f);
		}
		if (cp >= 0x10000) {
			unsigned long v = cp - 0x10000;
			unsigned char u[4] = {
			        (unsigned char)(0xd8 | v >> 18), (unsigned char)(v >> 10),
			        (unsigned char)(0xdc | (v >> 8 & 3)), (unsigned char)v};

			if (buf_append(out, u, 4) < 0)
				return -1;
		} else {
			unsigned char u[2] = {(unsigned char)(cp >> 8), (unsigned char)cp};

			if (buf_append(out, u, 2) < 0)
				return -1;
		}
	}
	return with_nul ? buf_append(out, "\0\0", 2) : 0;
}

/* RFC 7292 B.2 with SHA-256 (u = 32, v = 64), for one 32-byte key (n <= u: one block). GnuTLS
 * has this derivation only internally. */
static int pkcs12_kdf(const char *password, const unsigned char *salt, size_t slen, int id,
                      unsigned iterations, unsigned char key[32])
{
	unsigned char d[64], *i = NULL, a[32];
	struct buf pw;
	size_t slen_v, plen_v;
	gnutls_hash_hd_t h = NULL;
	int rc = -1;

	buf_init(&pw, 0);
	if (utf16be(password, 1, &pw) < 0)
		goto out;
	memset(d, id, sizeof(d));
	slen_v = slen ? (slen + 63) / 64 * 64 : 0;
	plen_v = pw.len ? (pw.len + 63) / 64 * 64 : 0;
	if ((i = malloc(slen_v + plen_v + 1)) == NULL)
		goto out;
	for (size_t k = 0; k < slen_v; k++)
		i[k] = salt[k % slen];
	for (size_t k = 0; k < plen_v; k++)
		i[slen_v + k] = (unsigned char)pw.data[k % pw.len];
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		goto out;
	gnutls_hash(h, d, sizeof(d));
	gnutls_hash(h, i, slen_v + plen_v);
	gnutls_hash_deinit(h, a);
	for (unsigned r = 1; r < iterations; r++)
		if (gnutls_hash_fast(GNUTLS_DIG_SHA256, a, sizeof(a), a) < 0)
			goto out;
	memcpy(key, a, 32);
	rc = 0;
out:
	gnutls_memset(a, 0, sizeof(a));
	if (pw.data)
		gnutls_memset(pw.data, 0, pw.len);
	buf_free(&pw);
	if (i)
		gnutls_memset(i, 0, slen_v + plen_v);
	free(i);
	return rc;
}

/* DER of node (caller frees), or NULL. */
static unsigned char *der_of(asn1_node node, int *len)
{
	unsigned char *der;

	*len = 0;
	if (asn1_der_coding(node, "", NULL, len, NULL) != ASN1_MEM_ERROR)
		return NULL;
	if ((der = malloc((size_t)*len)) == NULL)
		return NULL;
	if (asn1_der_coding(node, "", der, len, NULL) != ASN1_SUCCESS) {
		free(der);
		return NULL;
	}
	return der;
}

static unsigned char *attr_friendly_name(asn1_node defs, const char *alias, int *len)
{
	asn1_node a = NULL;
	unsigned char *der = NULL;
	struct buf bmp;

	buf_init(&bmp, 0);
	if (utf16be(alias, 0, &bmp) == 0 &&
	    asn1_create_element(defs, "RootWarden.FriendlyNameAttribute", &a) == ASN1_SUCCESS &&
	    asn1_write_value(a, "attrId", OID_FRIENDLY_NAME, 1) == ASN1_SUCCESS &&
	    asn1_write_value(a, "attrValues", "NEW", 1) == ASN1_SUCCESS &&
	    asn1_write_value(a, "attrValues.?LAST", bmp.data ? bmp.data : "", (int)bmp.len) ==
	            ASN1_SUCCESS)
		der = der_of(a, len);
	asn1_delete_structure(&a);
	buf_free(&bmp);
	return der;
}

static unsigned char *attr_trusted_usage(asn1_node defs, int *len)
{
	asn1_node a = NULL;
	unsigned char *der = NULL;

	if (asn1_create_element(defs, "RootWarden.OidAttribute", &a) == ASN1_SUCCESS &&
	    asn1_write_value(a, "attrId", OID_JAVA_TRUSTED_USAGE, 1) == ASN1_SUCCESS &&
	    asn1_write_value(a, "attrValues", "NEW", 1) == ASN1_SUCCESS &&
	    asn1_write_value(a, "attrValues.?LAST", OID_ANY_EKU, 1) == ASN1_SUCCESS)
		der = der_of(a, len);
	asn1_delete_structure(&a);
	return der;
}

/* One SafeBag (certBag) for c, DER, appended to out. */
static int safe_bag(asn1_node defs, const struct cert *c, const char *alias,
                    const unsigned char *usage, int ulen, struct buf *out)
{
	asn1_node bag = NULL;
	unsigned char *fname = NULL, *der = NULL;
	int flen = 0, len = 0, rc = -1;

	if ((fname = attr_friendly_name(defs, alias, &flen)) == NULL ||
	    asn1_create_element(defs, "RootWarden.SafeBag", &bag) != ASN1_SUCCESS ||
	    asn1_write_value(bag, "bagId", OID_CERT_BAG, 1) != ASN1_SUCCESS ||
	    asn1_write_value(bag, "bagValue.certId", OID_X509_CERT, 1) != ASN1_SUCCESS ||
	    asn1_write_value(bag, "bagValue.certValue", c->der, (int)c->der_len) != ASN1_SUCCESS ||
	    asn1_write_value(bag, "bagAttributes", "NEW", 1) != ASN1_SUCCESS ||
	    asn1_write_value(bag, "bagAttributes.?LAST", fname, flen) != ASN1_SUCCESS ||
	    asn1_write_value(bag, "bagAttributes", "NEW", 1) != ASN1_SUCCESS ||
	    asn1_write_value(bag, "bagAttributes.?LAST", usage, ulen) != ASN1_SUCCESS ||
	    (der = der_of(bag, &len)) == NULL || buf_append(out, der, (size_t)len) < 0)
		goto out;
	rc = 0;
out:
	asn1_delete_structure(&bag);
	free(fname);
	free(der);
	return rc;
}

/* The DER AuthenticatedSafe: one data ContentInfo holding the SafeContents of every root. The
 * SafeContents (SEQUENCE OF SafeBag) is its bags' DER behind the SEQUENCE tag and a length from
 * asn1_length_der(): libtasn1 appends to a SEQUENCE OF in linear time per element, which makes
 * 10,000 roots take seconds; each bag is encoded by libtasn1 alone. */
static unsigned char *authenticated_safe(asn1_node defs, const struct bundle *b, int *len)
{
	asn1_node as = NULL;
	unsigned char *usage = NULL, *out = NULL, hdr[1 + ASN1_MAX_LENGTH_SIZE];
	char **alias = emit_names(b, 0);
	struct buf bags, sc;
	int ulen = 0, hlen = 0;

	buf_init(&bags, 0);
	buf_init(&sc, 0);
	if (alias == NULL || (usage = attr_trusted_usage(defs, &ulen)) == NULL)
		goto out;
	for (size_t i = 0; i < b->certs.n; i++)
		if (safe_bag(defs, b->certs.v[i], alias[i], usage, ulen, &bags) < 0)
			goto out;
	hdr[0] = 0x30; /* SEQUENCE, constructed */
	asn1_length_der((unsigned long)bags.len, hdr + 1, &hlen);
	if (buf_append(&sc, hdr, (size_t)hlen + 1) < 0 ||
	    buf_append(&sc, bags.data ? bags.data : "", bags.len) < 0)
		goto out;
	buf_free(&bags); /* the store is large: one copy at a time */
	if (asn1_create_element(defs, "RootWarden.AuthenticatedSafe", &as) != ASN1_SUCCESS ||
	    asn1_write_value(as, "", "NEW", 1) != ASN1_SUCCESS ||
	    asn1_write_value(as, "?LAST.contentType", OID_DATA, 1) != ASN1_SUCCESS ||
	    asn1_write_value(as, "?LAST.content", sc.data, (int)sc.len) != ASN1_SUCCESS)
		goto out;
	buf_free(&sc);
	out = der_of(as, len);
out:
	asn1_delete_structure(&as);
	emit_names_free(alias, b->certs.n);
	free(usage);
	buf_free(&bags);
	buf_free(&sc);
	return out;
}

int emit_pkcs12(const struct bundle *b, const char *dest, const struct emit_opts *o,
                struct rw_err *e)
{
	asn1_node defs = asn1defs(e), pfx = NULL;
	unsigned char *as = NULL, *der = NULL, salt[32], key[32], mac[32];
	int aslen = 0, len = 0, rc = SAVE_ERROR;

	if (defs == NULL)
		return SAVE_ERROR;
	if ((as = authenticated_safe(defs, b, &aslen)) == NULL)
		goto fail;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, as, (size_t)aslen, salt) < 0)
		goto fail;
	if (pkcs12_kdf(emit_password(o), salt, MAC_SALT_LEN, 3, MAC_ITERATIONS, key) < 0) {
		err_set(e, RW_EXIT_USAGE, "%s: the store password is not valid UTF-8", dest);
		goto out;
	}
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, sizeof(key), as, (size_t)aslen, mac) < 0)
		goto fail;
	if (asn1_create_element(defs, "RootWarden.PFX", &pfx) != ASN1_SUCCESS ||
	    asn1_write_value(pfx, "version", "3", 0) != ASN1_SUCCESS ||
	    asn1_write_value(pfx, "authSafe.contentType", OID_DATA, 1) != ASN1_SUCCESS ||
	    asn1_write_value(pfx, "authSafe.content", as, aslen) != ASN1_SUCCESS)
		goto fail;
	free(as);
	as = NULL;
	if (asn1_write_value(pfx, "macData.mac.digestAlgorithm.algorithm", OID_SHA256, 1) !=
	            ASN1_SUCCESS ||
	    asn1_write_value(pfx, "macData.mac.digestAlgorithm.parameters", "\x05\x00", 2) !=
	            ASN1_SUCCESS ||
	    asn1_write_value(pfx, "macData.mac.digest", mac, sizeof(mac)) != ASN1_SUCCESS ||
	    asn1_write_value(pfx, "macData.macSalt", salt, MAC_SALT_LEN) != ASN1_SUCCESS ||
	    asn1_write_value(pfx, "macData.iterations", "10000", 0) != ASN1_SUCCESS ||
	    (der = der_of(pfx, &len)) == NULL)
		goto fail;
	asn1_delete_structure(&pfx);
	rc = save_bytes(dest, der, (size_t)len, &o->save, e);
	goto out;
fail:
	err_set(e, RW_EXIT_FAILURE, "%s: cannot encode the PKCS #12 store", dest);
out:
	gnutls_memset(key, 0, sizeof(key));
	asn1_delete_structure(&pfx);
	free(as);
	free(der);
	return rc;
}

int emit_pkcs12_read(const char *path, const struct emit_opts *o, struct certlist *out,
                     struct rw_err *e)
{
	gnutls_pkcs12_t p12 = NULL;
	gnutls_pkcs12_bag_t bag = NULL;
	struct certlist got = {0};
	struct buf data;
	gnutls_datum_t d;
	int r, rc = -1;

	buf_init(&data, 0);
	if (file_read_all(path, STORE_MAX, &data, e) < 0)
		return -1;
	d.data = (unsigned char *)data.data;
	d.size = (unsigned)data.len;
	if ((r = gnutls_pkcs12_init(&p12)) < 0 ||
	    (r = gnutls_pkcs12_import(p12, &d, GNUTLS_X509_FMT_DER, 0)) < 0) {
		err_set(e, RW_EXIT_INPUT, "%s: not a PKCS #12 store: %s", path, gnutls_strerror(r));
		goto out;
	}
	if ((r = gnutls_pkcs12_verify_mac(p12, emit_password(o))) < 0) {
		err_set(e, RW_EXIT_INPUT,
		        "%s: the PKCS #12 MAC does not verify (wrong password?): %s", path,
		        gnutls_strerror(r));
		goto out;
	}
	for (unsigned i = 0;; i++) {
		if ((r = gnutls_pkcs12_bag_init(&bag)) < 0)
			goto bad;
		r = gnutls_pkcs12_get_bag(p12, (int)i, bag);
		if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (r < 0)
			goto bad;
		if (gnutls_pkcs12_bag_get_type(bag, 0) == GNUTLS_BAG_ENCRYPTED &&
		    (r = gnutls_pkcs12_bag_decrypt(bag, emit_password(o))) < 0)
			goto bad;
		for (int k = 0, n = gnutls_pkcs12_bag_get_count(bag); k < n; k++) {
			gnutls_datum_t c;
			struct cert *ct;

			if (gnutls_pkcs12_bag_get_type(bag, (unsigned)k) != GNUTLS_BAG_CERTIFICATE)
				continue;
			if ((r = gnutls_pkcs12_bag_get_data(bag, (unsigned)k, &c)) < 0)
				goto bad;
			if ((ct = cert_from_der(c.data, c.size, path, e)) == NULL ||
			    certlist_add(&got, ct) < 0)
				goto out;
		}
		gnutls_pkcs12_bag_deinit(bag);
		bag = NULL;
	}
	if (certlist_take_all(out, &got) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
		goto out;
	}
	rc = 0;
	goto out;
bad:
	err_set(e, RW_EXIT_INPUT, "%s: cannot read the PKCS #12 store: %s", path,
	        gnutls_strerror(r));
out:
	gnutls_pkcs12_bag_deinit(bag);
	gnutls_pkcs12_deinit(p12);
	certlist_free(&got);
	buf_free(&data);
	return rc;
}
