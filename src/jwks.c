/* jwks.c - RSA JSON Web Key Sets: validation, lookup by kid, signature checks, kid diffs. */
#include "jwks.h"

#include <gnutls/x509.h>
#include <jansson.h>
#include <nettle/base64.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fileio.h"
#include "jwt.h"
#include "strv.h"

#define KID_MAX 128
#define B64_N_MAX 2048 /* an RSA-8192 modulus is 1366 characters */
#define B64_E_MAX 16
#define X5C_MAX ((size_t)16 << 10)

static void jwk_clear(struct jwk *k)
{
	free(k->kid);
	free(k->alg);
	if (k->pub)
		gnutls_pubkey_deinit(k->pub);
	memset(k, 0, sizeof(*k));
}

void jwks_free(struct jwks *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		jwk_clear(&s->v[i]);
	free(s->v);
	free(s);
}

static int kid_ok(const char *kid)
{
	size_t n = strlen(kid);

	if (n == 0 || n > KID_MAX)
		return 0;
	for (const char *p = kid; *p; p++)
		if (*p < '!' || *p > '~')
			return 0;
	return 1;
}

/* Strips leading zero bytes (a JWK's n and e are unsigned big-endian). */
static void strip_zeros(gnutls_datum_t *d)
{
	while (d->size > 1 && d->data[0] == 0) {
		d->data++;
		d->size--;
	}
}

static int same_datum(gnutls_datum_t a, gnutls_datum_t b)
{
	strip_zeros(&a);
	strip_zeros(&b);
	return a.size == b.size && memcmp(a.data, b.data, a.size) == 0;
}

/* The first x5c certificate must hold exactly n and e. */
static int check_x5c(json_t *x5c, const gnutls_datum_t *n, const gnutls_datum_t *ex,
                     const char *where, struct rw_err *e)
{
	struct base64_decode_ctx ctx;
	const char *b64;
	size_t len, dlen;
	unsigned char *der = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t cm = {NULL, 0}, ce = {NULL, 0}, d;
	int rc = -1, r;

	if (!json_is_array(x5c) || json_array_size(x5c) == 0 ||
	    !json_is_string(json_array_get(x5c, 0)))
		return err_set(e, RW_EXIT_INPUT, "%s: x5c is not an array of base64 certificates",
		               where);
	b64 = json_string_value(json_array_get(x5c, 0));
	len = strlen(b64);
	if (len > X5C_MAX)
		return err_set(e, RW_EXIT_INPUT, "%s: x5c[0]: %zu characters, more than %zu", where,
		               len, X5C_MAX);
	if ((der = malloc(BASE64_DECODE_LENGTH(len) + 1)) == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", where);
	base64_decode_init(&ctx);
	dlen = BASE64_DECODE_LENGTH(len);
	if (!base64_decode_update(&ctx, &dlen, der, len, b64) || !base64_decode_final(&ctx)) {
		err_set(e, RW_EXIT_INPUT, "%s: x5c[0]: not base64", where);
		goto out;
	}
	d.data = der;
	d.size = (unsigned)dlen;
	if ((r = gnutls_x509_crt_init(&crt)) < 0 ||
	    (r = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER)) < 0) {
		err_set(e, RW_EXIT_INPUT, "%s: x5c[0]: not a certificate: %s", where,
		        gnutls_strerror(r));
		goto out;
	}
	if ((r = gnutls_x509_crt_get_pk_rsa_raw(crt, &cm, &ce)) < 0) {
		err_set(e, RW_EXIT_INPUT, "%s: x5c[0]: not an RSA certificate: %s", where,
		        gnutls_strerror(r));
		goto out;
	}
	if (!same_datum(cm, *n) || !same_datum(ce, *ex)) {
		err_set(e, RW_EXIT_INPUT,
		        "%s: x5c[0]: the certificate's key is not the key's n and e", where);
		goto out;
	}
	rc = 0;
out:
	gnutls_free(cm.data);
	gnutls_free(ce.data);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	free(der);
	return rc;
}

static int b64url_member(json_t *o, const char *name, size_t max, const char *where,
                         unsigned char **out, size_t *len, struct rw_err *e)
{
	json_t *v = json_object_get(o, name);
	struct rw_err de = {{0}, 0};

	if (!json_is_string(v))
		return err_set(e, RW_EXIT_INPUT, "%s: %s is missing or not a string", where, name);
	if (b64url_decode(json_string_value(v), json_string_length(v), max, name, out, len, &de) <
	    0) {
		/* b64url_decode's messages start "token: "; here the subject is the key */
		const char *why = strncmp(de.msg, "token: ", 7) == 0 ? de.msg + 7 : de.msg;

		return err_set(e, RW_EXIT_INPUT, "%s: %s", where, why);
	}
	return 0;
}

static int parse_key(json_t *o, size_t i, const char *source, struct jwk *k, struct rw_err *e)
{
	char where[512];
	json_t *kid = json_object_get(o, "kid"), *kty, *use, *alg;
	unsigned char *n = NULL, *ex = NULL;
	size_t nlen = 0, elen = 0;
	gnutls_datum_t dn, de;
	int rc = -1, r;

	memset(k, 0, sizeof(*k));
	if (!json_is_object(o))
		return err_set(e, RW_EXIT_INPUT, "%s: keys[%zu]: not an object", source, i);
	if (!json_is_string(kid) || !kid_ok(json_string_value(kid)))
		return err_set(e, RW_EXIT_INPUT,
		               "%s: keys[%zu]: kid is missing or not 1..%d printable characters",
		               source, i, KID_MAX);
	snprintf(where, sizeof(where), "%s: keys[%zu] (kid %s)", source, i, json_string_value(kid));
	kty = json_object_get(o, "kty");
	if (!json_is_string(kty))
		return err_set(e, RW_EXIT_INPUT, "%s: kty is missing", where);
	if (strcmp(json_string_value(kty), "RSA") != 0)
		return err_set(e, RW_EXIT_INPUT, "%s: kty is '%s', not RSA", where,
		               json_string_value(kty));
	use = json_object_get(o, "use");
	if (use && (!json_is_string(use) || strcmp(json_string_value(use), "sig") != 0))
		return err_set(e, RW_EXIT_INPUT, "%s: use is not \"sig\"", where);
	alg = json_object_get(o, "alg");
	if (alg && !json_is_string(alg))
		return err_set(e, RW_EXIT_INPUT, "%s: alg is not a string", where);
	if (b64url_member(o, "n", B64_N_MAX, where, &n, &nlen, e) < 0 ||
	    b64url_member(o, "e", B64_E_MAX, where, &ex, &elen, e) < 0)
		goto out;
	dn.data = n;
	dn.size = (unsigned)nlen;
	de.data = ex;
	de.size = (unsigned)elen;
	strip_zeros(&dn);
	strip_zeros(&de);
	if (de.size == 0 || de.size > 8 || !(de.data[de.size - 1] & 1) ||
	    (de.size == 1 && de.data[0] < 3)) {
		err_set(e, RW_EXIT_INPUT, "%s: e is not an odd exponent of at least 3", where);
		goto out;
	}
	if ((r = gnutls_pubkey_init(&k->pub)) < 0 ||
	    (r = gnutls_pubkey_import_rsa_raw(k->pub, &dn, &de)) < 0) {
		err_set(e, RW_EXIT_INPUT, "%s: not an RSA key: %s", where, gnutls_strerror(r));
		goto out;
	}
	gnutls_pubkey_get_pk_algorithm(k->pub, &k->bits);
	if (k->bits < JWKS_MIN_RSA_BITS) {
		err_set(e, RW_EXIT_INPUT, "%s: modulus of %u bits, less than %d", where, k->bits,
		        JWKS_MIN_RSA_BITS);
		goto out;
	}
	if (json_object_get(o, "x5c")) {
		if (check_x5c(json_object_get(o, "x5c"), &dn, &de, where, e) < 0)
			goto out;
		k->has_x5c = 1;
	}
	k->kid = strdup(json_string_value(kid));
	k->alg = alg ? strdup(json_string_value(alg)) : NULL;
	if (k->kid == NULL || (alg && k->alg == NULL)) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", where);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		jwk_clear(k);
	free(n);
	free(ex);
	return rc;
}

int jwks_parse(const char *data, size_t len, const char *source, struct jwks **out,
               struct rw_err *e)
{
	json_error_t je;
	json_t *doc = NULL, *keys;
	struct jwks *s = NULL;
	int rc = -1;

	*out = NULL;
	if (len > JWKS_MAX_BYTES)
		return err_set(e, RW_EXIT_INPUT, "%s: %zu bytes, more than the limit of %zu",
		               source, len, JWKS_MAX_BYTES);
	doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL)
		return err_set(e, RW_EXIT_INPUT, "%s:%d: not JSON: %s", source, je.line, je.text);
	keys = json_object_get(doc, "keys");
	if (!json_is_object(doc) || !json_is_array(keys) || json_array_size(keys) == 0) {
		err_set(e, RW_EXIT_INPUT, "%s: not a key set (no non-empty array \"keys\")",
		        source);
		goto out;
	}
	if (json_array_size(keys) > JWKS_MAX_KEYS) {
		err_set(e, RW_EXIT_INPUT, "%s: %zu keys, more than the limit of %d", source,
		        json_array_size(keys), JWKS_MAX_KEYS);
		goto out;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->v = calloc(json_array_size(keys), sizeof(*s->v))) == NULL) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", source);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(keys); i++) {
		if (parse_key(json_array_get(keys, i), i, source, &s->v[s->n], e) < 0)
			goto out;
		if (jwks_find(s, s->v[s->n].kid)) {
			err_set(e, RW_EXIT_INPUT, "%s: keys[%zu]: kid %s appears twice", source, i,
			        s->v[s->n].kid);
			jwk_clear(&s->v[s->n]);
			goto out;
		}
		s->n++;
	}
	*out = s;
	s = NULL;
	rc = 0;
out:
	jwks_free(s);
	json_decref(doc);
	return rc;
}

int jwks_read_file(const char *path, struct jwks **out, struct rw_err *e)
{
	struct buf b = {0};
	int rc;

	*out = NULL;
	if (file_read_all(path, JWKS_MAX_BYTES, &b, e) < 0) {
		buf_free(&b);
		return -1;
	}
	rc = jwks_parse(b.data ? b.data : "", b.len, path, out, e);
	buf_free(&b);
	return rc;
}

const struct jwk *jwks_find(const struct jwks *s, const char *kid)
{
	if (s == NULL || kid == NULL)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].kid, kid) == 0)
			return &s->v[i];
	return NULL;
}

int jwk_verify_rs256(const struct jwk *k, const void *data, size_t len, const unsigned char *sig,
                     size_t sig_len, struct rw_err *e)
{
	gnutls_datum_t d = {(unsigned char *)data, (unsigned)len};
	gnutls_datum_t s = {(unsigned char *)sig, (unsigned)sig_len};
	int r;

	if (sig_len == 0)
		return err_set(e, RW_EXIT_INPUT, "the signature is empty");
	r = gnutls_pubkey_verify_data2(k->pub, GNUTLS_SIGN_RSA_SHA256, 0, &d, &s);
	if (r < 0)
		return err_set(e, RW_EXIT_INPUT, "%s", gnutls_strerror(r));
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int jwks_kids(const struct jwks *s, char ***kids, size_t *n)
{
	*kids = NULL;
	*n = 0;
	for (size_t i = 0; i < s->n; i++)
		if (strv_addf(kids, n, "%s", s->v[i].kid) < 0) {
			strv_free(*kids, *n);
			*kids = NULL;
			*n = 0;
			return -1;
		}
	if (*n > 1)
		qsort(*kids, *n, sizeof(**kids), cmp_str);
	return 0;
}

static int in_sorted(char *const *v, size_t n, const char *s)
{
	return n && bsearch(&s, v, n, sizeof(*v), cmp_str) != NULL;
}

int jwks_diff(char *const *old_kids, size_t n_old, char *const *new_kids, size_t n_new,
              char ***added, size_t *n_added, char ***removed, size_t *n_removed)
{
	*added = *removed = NULL;
	*n_added = *n_removed = 0;
	for (size_t i = 0; i < n_new; i++)
		if (!in_sorted(old_kids, n_old, new_kids[i]) &&
		    strv_addf(added, n_added, "%s", new_kids[i]) < 0)
			goto fail;
	for (size_t i = 0; i < n_old; i++)
		if (!in_sorted(new_kids, n_new, old_kids[i]) &&
		    strv_addf(removed, n_removed, "%s", old_kids[i]) < 0)
			goto fail;
	return 0;
fail:
	strv_free(*added, *n_added);
	strv_free(*removed, *n_removed);
	*added = *removed = NULL;
	*n_added = *n_removed = 0;
	return -1;
}
