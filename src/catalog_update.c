/* catalog_update.c - signing and judging signed catalog archives (catalog_update.h). */
#include "catalog_update.h"

#include <dirent.h>
#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "save.h"
#include "ustar.h"

#define SIG_HEADER "ROOTWARDEN CATALOG SIGNATURE"
#define KEY_HEADER "PUBLIC KEY"
#define SIG_ALGO GNUTLS_SIGN_EDDSA_ED25519

const char *catalog_update_verdict_name(enum catalog_update_verdict v)
{
	static const char *const names[] = {"accepted", "same",     "bad-signature", "malformed",
	                                    "older",    "conflict", "pin-failed",    "error"};

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "error";
}

static int sha256_hex(const void *p, size_t n, char out[CERT_HEX_LEN + 1])
{
	unsigned char d[32];

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, p, n, d) < 0)
		return -1;
	cert_hex32(d, out);
	return 0;
}

static int pubkey_spki(gnutls_pubkey_t k, char out[CERT_HEX_LEN + 1])
{
	gnutls_datum_t der = {NULL, 0};
	int rc;

	if (gnutls_pubkey_export2(k, GNUTLS_X509_FMT_DER, &der) < 0)
		return -1;
	rc = sha256_hex(der.data, der.size, out);
	gnutls_free(der.data);
	return rc;
}

/* ---- signing ---- */

int catalog_signature_make(const unsigned char *data, size_t len, const unsigned char *key_pem,
                           size_t key_len, const char *key_origin, char **out,
                           char spki[CERT_HEX_LEN + 1], struct rw_err *e)
{
	gnutls_privkey_t pk = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t in = {(unsigned char *)key_pem, (unsigned)key_len};
	gnutls_datum_t msg = {(unsigned char *)data, (unsigned)len};
	gnutls_datum_t sig = {NULL, 0}, der = {NULL, 0}, pem_key = {NULL, 0}, pem_sig = {NULL, 0};
	int rc = -1, r;

	*out = NULL;
	if (gnutls_privkey_init(&pk) < 0 || gnutls_pubkey_init(&pub) < 0) {
		err_set(e, RW_EXIT_FAILURE, "out of memory");
		goto out;
	}
	r = gnutls_privkey_import_x509_raw(pk, &in, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (r < 0) {
		err_set(e, RW_EXIT_INPUT, "%s: not a private key in PEM: %s", key_origin,
		        gnutls_strerror(r));
		goto out;
	}
	if (gnutls_privkey_get_pk_algorithm(pk, NULL) != GNUTLS_PK_EDDSA_ED25519) {
		err_set(e, RW_EXIT_INPUT,
		        "%s: the catalog is signed with Ed25519 keys only (certtool "
		        "--generate-privkey --key-type=ed25519)",
		        key_origin);
		goto out;
	}
	r = gnutls_privkey_sign_data2(pk, SIG_ALGO, 0, &msg, &sig);
	if (r < 0 || gnutls_pubkey_import_privkey(pub, pk, 0, 0) < 0 ||
	    gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der) < 0 ||
	    gnutls_pem_base64_encode2(KEY_HEADER, &der, &pem_key) < 0 ||
	    gnutls_pem_base64_encode2(SIG_HEADER, &sig, &pem_sig) < 0 ||
	    pubkey_spki(pub, spki) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: signing failed: %s", key_origin,
		        gnutls_strerror(r < 0 ? r : GNUTLS_E_INTERNAL_ERROR));
		goto out;
	}
	if (asprintf(out, "%.*s%.*s", (int)pem_key.size, (char *)pem_key.data, (int)pem_sig.size,
	             (char *)pem_sig.data) < 0) {
		*out = NULL;
		err_set(e, RW_EXIT_FAILURE, "out of memory");
		goto out;
	}
	rc = 0;
out:
	gnutls_free(sig.data);
	gnutls_free(der.data);
	gnutls_free(pem_key.data);
	gnutls_free(pem_sig.data);
	gnutls_pubkey_deinit(pub);
	gnutls_privkey_deinit(pk);
	return rc;
}

/* ---- verifying ---- */

/* 1 and the normalised pin when s is an SPKI pin, 0 otherwise. */
static int key_is_pin(const char *s, char pin[CERT_HEX_LEN + 1])
{
	return strstr(s, "-----BEGIN") == NULL && fingerprint_normalize(s, pin) == 0;
}

static int try_key(gnutls_pubkey_t k, const gnutls_datum_t *msg, const gnutls_datum_t *sig)
{
	return gnutls_pubkey_verify_data2(k, SIG_ALGO, 0, msg, sig) >= 0;
}

int catalog_signature_verify(const unsigned char *data, size_t len, const unsigned char *sig,
                             size_t sig_len, const char *const *keys, size_t n_keys,
                             const char *origin, char signer_spki[CERT_HEX_LEN + 1],
                             struct rw_err *e)
{
	gnutls_datum_t text = {(unsigned char *)sig, (unsigned)sig_len};
	gnutls_datum_t msg = {(unsigned char *)data, (unsigned)len};
	gnutls_datum_t raw_sig = {NULL, 0}, raw_key = {NULL, 0};
	gnutls_pubkey_t carried = NULL;
	char carried_spki[CERT_HEX_LEN + 1] = "";
	int rc = -1;

	signer_spki[0] = '\0';
	if (n_keys == 0)
		return err_set(e, RW_EXIT_INPUT, "%s: no trusted catalog key is configured",
		               origin);
	if (sig_len > CATALOG_SIG_MAX || gnutls_pem_base64_decode2(SIG_HEADER, &text, &raw_sig) < 0)
		return err_set(e, RW_EXIT_INPUT, "%s: the signature file holds no '%s' block",
		               origin, SIG_HEADER);
	/* The carried public key is optional: a key configured as PEM does not need it. */
	if (gnutls_pem_base64_decode2(KEY_HEADER, &text, &raw_key) >= 0) {
		if (gnutls_pubkey_init(&carried) < 0 ||
		    gnutls_pubkey_import(carried, &raw_key, GNUTLS_X509_FMT_DER) < 0 ||
		    pubkey_spki(carried, carried_spki) < 0) {
			gnutls_pubkey_deinit(carried);
			carried = NULL;
			carried_spki[0] = '\0';
		}
	}
	for (size_t i = 0; i < n_keys && rc < 0; i++) {
		char pin[CERT_HEX_LEN + 1];

		if (key_is_pin(keys[i], pin)) {
			if (carried != NULL && strcmp(pin, carried_spki) == 0 &&
			    try_key(carried, &msg, &raw_sig)) {
				memcpy(signer_spki, carried_spki, sizeof(carried_spki));
				rc = 0;
			}
		} else {
			gnutls_pubkey_t k = NULL;
			gnutls_datum_t pem = {(unsigned char *)keys[i], (unsigned)strlen(keys[i])};

			if (gnutls_pubkey_init(&k) >= 0 &&
			    gnutls_pubkey_import(k, &pem, GNUTLS_X509_FMT_PEM) >= 0 &&
			    try_key(k, &msg, &raw_sig) && pubkey_spki(k, signer_spki) == 0)
				rc = 0;
			gnutls_pubkey_deinit(k);
		}
	}
	if (rc < 0) {
		if (carried_spki[0])
			err_set(e, RW_EXIT_INPUT,
			        "%s: the signature is not valid for any trusted key (it names the "
			        "key "
			        "with SPKI SHA-256 %s)",
			        origin, carried_spki);
		else
			err_set(e, RW_EXIT_INPUT,
			        "%s: the signature is not valid for any trusted key", origin);
	}
	gnutls_pubkey_deinit(carried);
	gnutls_free(raw_sig.data);
	gnutls_free(raw_key.data);
	return rc;
}

/* ---- judging an archive ---- */

void catalog_update_discard(const char *dir)
{
	DIR *d;
	struct dirent *de;

	if (dir == NULL || (d = opendir(dir)) == NULL)
		return;
	/* Only plain files this module wrote are in it (ustar.h: no subdirectories). */
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	rmdir(dir);
}

void catalog_update_result_free(struct catalog_update_result *r)
{
	catalog_free(r->catalog);
	free(r->dir);
	r->catalog = NULL;
	r->dir = NULL;
}

/* catalog_version of the archive's catalog.conf, read from memory; -1 with a message. */
static long long archive_version(const struct ustar_entry *conf, const char *origin,
                                 struct rw_err *e)
{
	config_t cfg;
	long long v = -1;
	char *text = malloc(conf->size + 1);

	if (text == NULL)
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	memcpy(text, conf->data, conf->size);
	text[conf->size] = '\0';
	/* libconfig would read the file an @include names: a catalog is one self-contained file */
	if (strlen(text) != conf->size || strstr(text, "@include") != NULL) {
		free(text);
		return err_set(e, RW_EXIT_INPUT, "%s: %s: NUL bytes or @include are not allowed",
		               origin, CATALOG_FILE);
	}
	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE)
		err_set(e, RW_EXIT_INPUT, "%s: %s:%d: %s", origin, CATALOG_FILE,
		        config_error_line(&cfg), config_error_text(&cfg));
	else if (config_lookup_int64(&cfg, "catalog_version", &v) != CONFIG_TRUE || v < 1) {
		v = -1;
		err_set(e, RW_EXIT_INPUT, "%s: %s has no catalog_version of 1 or more", origin,
		        CATALOG_FILE);
	}
	config_destroy(&cfg);
	free(text);
	return v;
}

static int unpack(const struct ustar_entry *v, size_t n, const char *work_dir, char **dirp,
                  struct rw_err *e)
{
	struct save_opts so;
	char *dir = NULL;

	*dirp = NULL;
	if (asprintf(&dir, "%s/catalog-unpack.XXXXXX", work_dir) < 0)
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	if (mkdtemp(dir) == NULL) {
		err_set(e, RW_EXIT_FAILURE, "%s: cannot create a directory: %s", work_dir,
		        strerror(errno));
		free(dir);
		return -1;
	}
	save_opts_init(&so);
	so.mode = 0644;
	for (size_t i = 0; i < n; i++) {
		char *path = NULL;
		int r;

		if (asprintf(&path, "%s/%s", dir, v[i].name) < 0) {
			catalog_update_discard(dir);
			free(dir);
			return err_set(e, RW_EXIT_FAILURE, "out of memory");
		}
		r = save_bytes(path, v[i].data, v[i].size, &so, e);
		free(path);
		if (r == SAVE_ERROR) {
			catalog_update_discard(dir);
			free(dir);
			return -1;
		}
	}
	*dirp = dir;
	return 0;
}

int catalog_update_check(const unsigned char *archive, size_t archive_len, const unsigned char *sig,
                         size_t sig_len, const char *const *keys, size_t n_keys,
                         long long shipped_version, const struct catalog_accepted *last,
                         const char *work_dir, const char *origin,
                         struct catalog_update_result *out, struct rw_err *e)
{
	struct ustar_entry *v = NULL, *conf = NULL;
	enum catalog_fault fault = CATALOG_FAULT_NONE;
	size_t n = 0;
	long long last_version = last ? last->version : 0;

	memset(out, 0, sizeof(*out));
	out->verdict = CATALOG_UPDATE_ERROR;
	if (sha256_hex(archive, archive_len, out->sha256) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: cannot hash the archive", origin);
		return out->verdict;
	}
	/* 1. the signature, over the bytes as they came */
	if (catalog_signature_verify(archive, archive_len, sig, sig_len, keys, n_keys, origin,
	                             out->signer_spki, e) < 0)
		return out->verdict = CATALOG_UPDATE_BAD_SIGNATURE;
	/* 2. the archive */
	out->verdict = CATALOG_UPDATE_MALFORMED;
	if (archive_len > CATALOG_ARCHIVE_MAX) {
		err_set(e, RW_EXIT_INPUT, "%s: %zu bytes, more than the %d a catalog may have",
		        origin, archive_len, CATALOG_ARCHIVE_MAX);
		return out->verdict;
	}
	if (ustar_parse(archive, archive_len, NULL, origin, &v, &n, e) < 0) {
		if (e && e->status == RW_EXIT_FAILURE)
			out->verdict = CATALOG_UPDATE_ERROR;
		return out->verdict;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, CATALOG_FILE) == 0)
			conf = &v[i];
	if (conf == NULL) {
		err_set(e, RW_EXIT_INPUT, "%s: the archive holds no %s", origin, CATALOG_FILE);
		goto out;
	}
	/* 3. the version: newer than the shipped and the last accepted catalog */
	out->version = archive_version(conf, origin, e);
	if (out->version < 0) {
		out->version = 0;
		goto out;
	}
	if (last_version > 0 && out->version == last_version) {
		if (strcmp(out->sha256, last->sha256) == 0) {
			out->verdict = CATALOG_UPDATE_SAME;
		} else {
			out->verdict = CATALOG_UPDATE_CONFLICT;
			err_set(e, RW_EXIT_INPUT,
			        "%s: catalog_version %lld was accepted before with other content "
			        "(SHA-256 %s, now %s): a version number is never reused",
			        origin, out->version, last->sha256, out->sha256);
		}
		goto out;
	}
	if (out->version <= shipped_version || out->version < last_version) {
		out->verdict = CATALOG_UPDATE_OLDER;
		err_set(e, RW_EXIT_INPUT,
		        "%s: catalog_version %lld is not newer than the shipped catalog (%lld) and "
		        "the last accepted one (%lld): refused as a downgrade or replay",
		        origin, out->version, shipped_version, last_version);
		goto out;
	}
	/* 4. unpack and load: every root against its pins */
	if (unpack(v, n, work_dir, &out->dir, e) < 0) {
		out->verdict = CATALOG_UPDATE_ERROR;
		goto out;
	}
	if (catalog_load2(out->dir, &out->catalog, &fault, e) < 0) {
		out->verdict = fault == CATALOG_FAULT_PIN || fault == CATALOG_FAULT_ROOT
		                       ? CATALOG_UPDATE_PIN_FAILED
		               : fault == CATALOG_FAULT_SYSTEM ? CATALOG_UPDATE_ERROR
		                                               : CATALOG_UPDATE_MALFORMED;
		err_prefix(e, origin);
		catalog_update_discard(out->dir);
		free(out->dir);
		out->dir = NULL;
		goto out;
	}
	out->verdict = CATALOG_UPDATE_ACCEPTED;
out:
	free(v);
	return out->verdict;
}
