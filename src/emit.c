/* emit.c - the table of output formats, and what the format files share. */
#include "emit.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fileio.h"

static const struct emit_format formats[] = {
        {"pem", "PEM certificates, each after a comment with its name, SHA-256 and not-after",
         EMIT_FILE, "pem", emit_pem, emit_pem_read},
        {"pem-directory", "a directory with one PEM file per root, NAME.pem", EMIT_DIR, "",
         emit_pem_dir, emit_read_dir},
        {"openssl-directory",
         "a hashed directory (HASH.N, the names 'openssl rehash' gives) of PEM files, for "
         "CApath and SSL_CERT_DIR",
         EMIT_DIR, "", emit_openssl_dir, emit_read_dir},
        {"der-directory", "a directory with one DER file per root, NAME.cer", EMIT_DIR, "",
         emit_der_dir, emit_read_dir},
        {"pkcs7", "one PKCS #7 certificates-only bundle (.p7b), DER", EMIT_FILE, "p7b", emit_pkcs7,
         emit_pkcs7_read},
        {"java-pkcs12",
         "a PKCS #12 Java truststore: every root a trustedCertEntry (password: changeit unless "
         "given)",
         EMIT_FILE, "p12", emit_pkcs12, emit_pkcs12_read},
        {"jks", "a classic JKS Java truststore (password: changeit unless given)", EMIT_FILE, "jks",
         emit_jks, emit_jks_read},
        {NULL, NULL, EMIT_FILE, NULL, NULL, NULL},
};

void emit_opts_init(struct emit_opts *o)
{
	save_opts_init(&o->save);
	o->password = NULL;
}

const struct emit_format *emit_formats(void)
{
	return formats;
}

const struct emit_format *emit_format_find(const char *name)
{
	for (const struct emit_format *f = formats; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

int emit_write(const struct emit_format *f, const struct bundle *b, const char *dest,
               const struct emit_opts *o, struct rw_err *e)
{
	struct emit_opts def;

	if (o == NULL) {
		emit_opts_init(&def);
		o = &def;
	}
	return f->write(b, dest, o, e);
}

const char *emit_password(const struct emit_opts *o)
{
	return o && o->password ? o->password : EMIT_DEFAULT_PASSWORD;
}

void emit_names_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static char *name_of(const struct cert *c, int for_files)
{
	const char *label = c->label && *c->label ? c->label : c->sha256;
	char *s = strdup(label), *to = s;

	if (s == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char ch = *p;

		if (for_files) {
			if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
				ch = '_';
		} else if (ch >= 0x80 && ch < 0xc0) {
			continue; /* an alias gets one '_' per non-ASCII character (see below) */
		} else if (ch < 0x20 || ch >= 0x7f) {
			/* Java lower-cases aliases with its own Unicode tables; an ASCII alias is
			 * the same string in Java as here. */
			ch = '_';
		} else if (ch >= 'A' && ch <= 'Z') {
			ch = (unsigned char)(ch - 'A' + 'a');
		}
		*to++ = (char)ch;
	}
	*to = '\0';
	if (for_files && s[0] == '.')
		s[0] = '_';
	return s;
}

static int ci_cmp(const void *a, const void *b)
{
	return strcasecmp(**(char **const *)a, **(char **const *)b);
}

char **emit_names(const struct bundle *b, int for_files)
{
	size_t n = b->certs.n;
	char **v = calloc(n + 1, sizeof(*v)), ***idx = NULL, *dup = NULL;

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((v[i] = name_of(b->certs.v[i], for_files)) == NULL)
			goto oom;
	/* A repeated name (two roots with one label) takes a part of its fingerprint in every place
	 * it occurs, so that no name depends on the order of the others. Repeats are found by
	 * sorting indexes by name (case-insensitively: file systems that fold case exist). */
	idx = calloc(n + 1, sizeof(*idx));
	dup = calloc(n + 1, 1);
	if (idx == NULL || dup == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++)
		idx[i] = v + i;
	qsort(idx, n, sizeof(*idx), ci_cmp);
	for (size_t i = 1; i < n; i++)
		if (strcasecmp(*idx[i], *idx[i - 1]) == 0)
			dup[idx[i] - v] = dup[idx[i - 1] - v] = 1;
	for (size_t i = 0; i < n; i++) {
		char *s = NULL, hex[9];

		if (!dup[i])
			continue;
		for (int h = 0; h < 8; h++) {
			char ch = b->certs.v[i]->sha256[h];

			hex[h] = (char)(ch >= 'A' && ch <= 'F' ? ch - 'A' + 'a' : ch);
		}
		hex[8] = '\0';
		if (asprintf(&s, "%s_%s", v[i], hex) < 0)
			goto oom;
		free(v[i]);
		v[i] = s;
	}
	free(idx);
	free(dup);
	return v;
oom:
	free(idx);
	free(dup);
	emit_names_free(v, n);
	return NULL;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int emit_read_dir(const char *path, const struct emit_opts *o, struct certlist *out,
                  struct rw_err *e)
{
	struct certlist got = {0};
	struct dirent *de;
	char **names = NULL, *file = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;
	DIR *d = opendir(path);

	if (d == NULL)
		return err_set(e, RW_EXIT_INPUT, "%s: %s", path, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			char **nv = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*nv));

			if (nv == NULL)
				goto oom;
			names = nv;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto oom;
		n++;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (asprintf(&file, "%s/%s", path, names[i]) < 0) {
			file = NULL;
			goto oom;
		}
		if (certs_read_file(file, &got, e) < 0)
			goto out;
		free(file);
		file = NULL;
	}
	if (certlist_take_all(out, &got) < 0)
		goto oom;
	rc = 0;
	goto out;
oom:
	err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
out:
	closedir(d);
	free(file);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	certlist_free(&got);
	return rc;
}

int emit_read_any(const char *path, const struct emit_opts *o, struct certlist *out,
                  const struct emit_format **format_out, struct rw_err *e)
{
	const struct emit_format *f = emit_format_find("pem");
	unsigned char head[4] = {0};
	struct stat st;
	FILE *fp;
	size_t got;

	if (stat(path, &st) < 0)
		return err_set(e, RW_EXIT_INPUT, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		f = emit_format_find("pem-directory");
	} else if (S_ISREG(st.st_mode) && (fp = fopen(path, "rbe")) != NULL) {
		/* only a regular file is opened here (a FIFO would block): the PEM reader
		 * refuses anything else with its own message */
		got = fread(head, 1, sizeof(head), fp);
		fclose(fp);
		if (got == 4 && head[0] == 0xfe && head[1] == 0xed && head[2] == 0xfe &&
		    head[3] == 0xed) {
			f = emit_format_find("jks");
		} else if (got >= 2 && head[0] == 0x30) {
			/* DER: a certificate, a PKCS #7 or a PKCS #12 (version INTEGER 3 first) */
			struct certlist l = {0};
			int is_cert = certs_read_file(path, &l, NULL) == 0;

			certlist_free(&l);
			if (!is_cert)
				f = emit_format_find(emit_pkcs7_read(path, o, &l, NULL) == 0
				                             ? "pkcs7"
				                             : "java-pkcs12");
			certlist_free(&l);
		}
	}
	if (format_out)
		*format_out = f;
	return f->read(path, o, out, e);
}

int emit_dir_write(const struct bundle *b, const char *dest, const struct emit_opts *o,
                   char **names, const char *suffix,
                   int (*encode)(const struct cert *c, struct buf *out, struct rw_err *e),
                   struct rw_err *e)
{
	size_t n = b->certs.n;
	struct save_dir_entry *v = calloc(n + 1, sizeof(*v));
	char **full = calloc(n + 1, sizeof(*full));
	size_t *off = calloc(n + 1, sizeof(*off));
	struct buf all;
	int rc = SAVE_ERROR;

	buf_init(&all, 0);
	if (v == NULL || full == NULL || off == NULL)
		goto oom;
	/* One buffer for all files: 10,000 roots are 10,000 small files, not 10,000 allocations. */
	for (size_t i = 0; i < n; i++) {
		off[i] = all.len;
		if (encode(b->certs.v[i], &all, e) < 0) {
			err_prefix(e, dest);
			goto out;
		}
		if (asprintf(&full[i], "%s%s", names[i], suffix) < 0) {
			full[i] = NULL;
			goto oom;
		}
	}
	for (size_t i = 0; i < n; i++) {
		v[i].name = full[i];
		v[i].data = all.data + off[i];
		v[i].len = (i + 1 < n ? off[i + 1] : all.len) - off[i];
	}
	rc = save_dir(dest, v, n, &o->save, e);
	goto out;
oom:
	err_set(e, RW_EXIT_FAILURE, "%s: out of memory", dest);
out:
	for (size_t i = 0; full && i < n; i++)
		free(full[i]);
	free(full);
	free(off);
	free(v);
	buf_free(&all);
	return rc;
}
