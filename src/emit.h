/*
 * emit.h - the trust-store formats a bundle can be written in. One file per format
 * (emit_<name>.c), one row each in the table of emit.c. Adding a format is adding a file and a row.
 *
 * Contract:
 * - A row names the format, says whether it writes one file or a directory, its default extension
 *   (DIR/PROFILE.<ext> for 'bundle --all --output-dir'; empty for directories, which are named
 *   DIR/PROFILE), a writer and a reader.
 * - write() owns its destination: it encodes the bundle and commits it through save.h (a file
 *   transaction, or the directory transaction for directory formats). It returns enum save_result:
 *   SAVE_WRITTEN, SAVE_UNCHANGED (same bytes already there: nothing touched, mtimes stay), or
 *   SAVE_ERROR with a message naming dest; on error the old output is whole.
 * - Output is a pure function of the bundle and the options: no time, host name, locale, random
 *   number or version in it, so the same inputs give the same bytes. What a format needs to look
 *   random (a PKCS #12 MAC salt) is derived from the content; a date field (JKS) is the
 *   certificate's notBefore. Both are documented in README.md ("Output formats").
 * - read() reads back the certificate set a writer wrote (in stored order) and appends it to out;
 *   on error nothing is appended and the message names the path. A reader checks the format's
 *   integrity protection (PKCS #12 MAC, JKS digest) with o->password.
 * - The password is the store password of java-pkcs12 and jks (NULL: "changeit"). It is never
 *   printed, logged, or put in a file or temporary name.
 */
#ifndef RW_EMIT_H
#define RW_EMIT_H

#include "buf.h"
#include "bundle.h"
#include "cert.h"
#include "err.h"
#include "save.h"

#define EMIT_DEFAULT_PASSWORD "changeit"

enum emit_dest {
	EMIT_FILE,
	EMIT_DIR,
};

struct emit_opts {
	struct save_opts save; /* mode, owner, group of every file written */
	const char *password;  /* java-pkcs12, jks; NULL: EMIT_DEFAULT_PASSWORD */
};

struct emit_format {
	const char *name;
	const char *summary;
	enum emit_dest dest;
	const char *ext; /* without the dot; "" for directories */
	int (*write)(const struct bundle *b, const char *dest, const struct emit_opts *o,
	             struct rw_err *e);
	int (*read)(const char *path, const struct emit_opts *o, struct certlist *out,
	            struct rw_err *e);
};

void emit_opts_init(struct emit_opts *o);
const struct emit_format *emit_format_find(const char *name);
/* NULL-terminated by a row with name == NULL. */
const struct emit_format *emit_formats(void);
/* Writes b to dest in format f (a convenience around f->write). */
int emit_write(const struct emit_format *f, const struct bundle *b, const char *dest,
               const struct emit_opts *o, struct rw_err *e);

/* Reads a trust store of any format above: a directory of PEM/DER files, a JKS store, a PKCS #12
 * store, a PKCS #7 bundle, or PEM/DER certificates (told apart by their first bytes). If
 * format_out is not NULL it receives the row whose reader was used. */
int emit_read_any(const char *path, const struct emit_opts *o, struct certlist *out,
                  const struct emit_format **format_out, struct rw_err *e);

/* ---- shared by the format files ---- */
/* Unique, stable names for the bundle's certificates: an alias (JKS, PKCS #12 friendlyName:
 * the label in lower-case ASCII, '_' for each other character) or a file name (label with
 * [A-Za-z0-9._-] kept, others '_', never starting with '.'); a name that repeats gets "_" and the
 * first 8 hex digits of the SHA-256 appended. The caller frees the array and its strings with
 * emit_names_free(). NULL when out of memory. */
char **emit_names(const struct bundle *b, int for_files);
void emit_names_free(char **v, size_t n);
/* The password to use (o->password or the default). */
const char *emit_password(const struct emit_opts *o);
/* Appends one certificate as the PEM bundle holds it: a comment with its label, SHA-256 and
 * not-after, then the PEM block. */
int emit_pem_block(const struct cert *c, struct buf *out, struct rw_err *e);
/* Writes one file per certificate into the directory dest (save_dir): name_of_i + suffix, with
 * the bytes that encode() appends to the buffer. Used by the directory formats. */
int emit_dir_write(const struct bundle *b, const char *dest, const struct emit_opts *o,
                   char **names, const char *suffix,
                   int (*encode)(const struct cert *c, struct buf *out, struct rw_err *e),
                   struct rw_err *e);
/* Reads every non-hidden regular file of a directory, in byte order of name, as PEM or DER. */
int emit_read_dir(const char *path, const struct emit_opts *o, struct certlist *out,
                  struct rw_err *e);

/* ---- the formats ---- */
int emit_pem(const struct bundle *b, const char *dest, const struct emit_opts *o, struct rw_err *e);
int emit_pem_read(const char *path, const struct emit_opts *o, struct certlist *out,
                  struct rw_err *e);
int emit_pem_dir(const struct bundle *b, const char *dest, const struct emit_opts *o,
                 struct rw_err *e);
int emit_openssl_dir(const struct bundle *b, const char *dest, const struct emit_opts *o,
                     struct rw_err *e);
int emit_der_dir(const struct bundle *b, const char *dest, const struct emit_opts *o,
                 struct rw_err *e);
int emit_pkcs7(const struct bundle *b, const char *dest, const struct emit_opts *o,
               struct rw_err *e);
int emit_pkcs7_read(const char *path, const struct emit_opts *o, struct certlist *out,
                    struct rw_err *e);
int emit_pkcs12(const struct bundle *b, const char *dest, const struct emit_opts *o,
                struct rw_err *e);
int emit_pkcs12_read(const char *path, const struct emit_opts *o, struct certlist *out,
                     struct rw_err *e);
int emit_jks(const struct bundle *b, const char *dest, const struct emit_opts *o, struct rw_err *e);
int emit_jks_read(const char *path, const struct emit_opts *o, struct certlist *out,
                  struct rw_err *e);

/* OpenSSL's subject-name hash (X509_NAME_hash: SHA-1 of the canonical name encoding, first four
 * bytes little-endian), as 'openssl x509 -subject_hash' and 'openssl rehash' print it. */
int emit_openssl_subject_hash(const struct cert *c, unsigned long *hash, struct rw_err *e);

#endif
