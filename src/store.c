/* store.c - the state directory: verified roots, fetch metadata, quarantine, hook retries. */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "save.h"

#define STORE_JSON_MAX ((size_t)4 << 20)

struct store {
	char *dir;
};

static const char *const subdirs[] = {"roots", "fetch", "quarantine", "bundles",
                                      "hooks", "sync",  NULL};

static int make_dir(const char *path, mode_t mode, struct rw_err *e)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (errno == EEXIST)
		return err_set(e, RW_EXIT_FAILURE, "%s: exists and is not a directory", path);
	return err_set(e, RW_EXIT_FAILURE, "%s: cannot create the directory: %s", path,
	               strerror(errno));
}

/* mkdir -p for the state directory itself (its parents 0755). */
static int make_dirs(const char *path, struct rw_err *e)
{
	char *copy = strdup(path);
	int rc = 0;

	if (copy == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
	for (char *p = copy + 1; *p && rc == 0; p++)
		if (*p == '/') {
			*p = '\0';
			rc = make_dir(copy, 0755, e);
			*p = '/';
		}
	if (rc == 0)
		rc = make_dir(copy, 0750, e);
	free(copy);
	return rc;
}

int store_open(const char *state_dir, int create, struct store **out, struct rw_err *e)
{
	struct store *st = calloc(1, sizeof(*st));
	char *p = NULL;

	*out = NULL;
	if (st == NULL || (st->dir = strdup(state_dir)) == NULL) {
		free(st);
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", state_dir);
	}
	if (create) {
		if (make_dirs(state_dir, e) < 0)
			goto fail;
		for (size_t i = 0; subdirs[i]; i++) {
			if (asprintf(&p, "%s/%s", state_dir, subdirs[i]) < 0) {
				p = NULL;
				err_set(e, RW_EXIT_FAILURE, "%s: out of memory", state_dir);
				goto fail;
			}
			if (make_dir(p, 0755, e) < 0)
				goto fail;
			free(p);
			p = NULL;
		}
	}
	*out = st;
	return 0;
fail:
	free(p);
	store_free(st);
	return -1;
}

void store_free(struct store *st)
{
	if (st == NULL)
		return;
	free(st->dir);
	free(st);
}

const char *store_dir(const struct store *st)
{
	return st->dir;
}

char *store_root_path(const struct store *st, const char *sha256)
{
	char *p = NULL;

	if (asprintf(&p, "%s/roots/%s.der", st->dir, sha256) < 0)
		return NULL;
	return p;
}

int store_put_root(struct store *st, const struct cert *c, struct rw_err *e)
{
	char *p = store_root_path(st, c->sha256);
	struct save_opts o;
	int r;

	if (p == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", st->dir);
	save_opts_init(&o);
	r = save_bytes(p, c->der, c->der_len, &o, e);
	free(p);
	if (r == SAVE_ERROR)
		return -1;
	return r == SAVE_WRITTEN ? 1 : 0;
}

int store_get_root(const struct store *st, const char *sha256, struct cert **out, struct rw_err *e)
{
	char *p = store_root_path(st, sha256);
	struct buf b = {0};
	struct cert *c = NULL;
	int rc = -1;

	*out = NULL;
	if (p == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", st->dir);
	if (access(p, F_OK) != 0) {
		rc = 0;
		goto out;
	}
	if (file_read_all(p, FILEIO_DEFAULT_MAX, &b, e) < 0)
		goto out;
	c = cert_from_der((const unsigned char *)b.data, b.len, p, e);
	if (c == NULL)
		goto out;
	if (strcmp(c->sha256, sha256) != 0) {
		err_set(e, RW_EXIT_INPUT, "%s: the stored file's SHA-256 is %s; ignored", p,
		        c->sha256);
		goto out;
	}
	*out = c;
	c = NULL;
	rc = 0;
out:
	cert_free(c);
	buf_free(&b);
	free(p);
	return rc;
}

static char *doc_path(const struct store *st, const char *kind, const char *name, const char *ext)
{
	char *p = NULL;

	if ((kind ? asprintf(&p, "%s/%s/%s.%s", st->dir, kind, name, ext)
	          : asprintf(&p, "%s/%s.%s", st->dir, name, ext)) < 0)
		return NULL;
	return p;
}

static int put_json(const char *path, json_t *doc, struct rw_err *e)
{
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	struct save_opts o;
	int r;

	if (text == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: cannot encode JSON", path);
	save_opts_init(&o);
	r = save_bytes(path, text, strlen(text), &o, e) == SAVE_ERROR ? -1 : 0;
	free(text);
	return r;
}

int store_quarantine(struct store *st, const char *sha256, const void *data, size_t len,
                     json_t *report, struct rw_err *e)
{
	char *p = doc_path(st, "quarantine", sha256, "der"), *j = NULL;
	struct save_opts o;
	int rc = -1;

	if (p == NULL || (j = doc_path(st, "quarantine", sha256, "json")) == NULL) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", st->dir);
		goto out;
	}
	save_opts_init(&o);
	o.mode = 0640;
	if (save_bytes(p, data, len, &o, e) == SAVE_ERROR || put_json(j, report, e) < 0)
		goto out;
	rc = 0;
out:
	free(p);
	free(j);
	return rc;
}

int store_json_get(const struct store *st, const char *kind, const char *name, json_t **out,
                   struct rw_err *e)
{
	char *p = doc_path(st, kind, name, "json");
	struct buf b = {0};
	json_error_t je;
	int rc = -1;

	*out = NULL;
	if (p == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", st->dir);
	if (access(p, F_OK) != 0) {
		rc = 0;
		goto out;
	}
	if (file_read_all(p, STORE_JSON_MAX, &b, e) < 0)
		goto out;
	*out = json_loadb(b.data, b.len, 0, &je);
	if (*out == NULL) {
		err_set(e, RW_EXIT_INPUT, "%s:%d: %s", p, je.line, je.text);
		goto out;
	}
	rc = 0;
out:
	buf_free(&b);
	free(p);
	return rc;
}

int store_json_put(struct store *st, const char *kind, const char *name, json_t *doc,
                   struct rw_err *e)
{
	char *p = doc_path(st, kind, name, "json");
	int rc;

	if (p == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", st->dir);
	rc = put_json(p, doc, e);
	free(p);
	return rc;
}

int store_json_remove(struct store *st, const char *kind, const char *name, struct rw_err *e)
{
	char *p = doc_path(st, kind, name, "json");
	int rc = 0;

	if (p == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", st->dir);
	if (unlink(p) < 0 && errno != ENOENT)
		rc = err_set(e, RW_EXIT_FAILURE, "%s: cannot remove: %s", p, strerror(errno));
	free(p);
	return rc;
}
