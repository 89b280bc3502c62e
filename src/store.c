/* store.c - the state directory: verified roots, fetch metadata, quarantine, hook retries. */
#include "store.h"

#include <fcntl.h>

#include <dirent.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "save.h"
#include "tempfile.h"
#include "verifycache.h"

#define STORE_JSON_MAX ((size_t)4 << 20)

struct store {
	char *dir;
	/* STATE/cache/verify-cache.bin, loaded by store_open (NULL: not used this run) */
	struct verifycache *vc;
	struct rw_err vc_warn; /* why it was ignored or refused (reported by the save) */
	int vc_refused;
};

/* The verification cache, when one may be used: a refused location is reported only when a
 * cache file is actually there (otherwise nothing is ever written to it). */
static void open_verifycache(struct store *st)
{
	char *dir = NULL, *file = NULL;
	int refused = 0, r;

	if (asprintf(&dir, "%s/cache", st->dir) < 0 ||
	    asprintf(&file, "%s/cache/%s", st->dir, VERIFYCACHE_FILE) < 0)
		goto out;
	r = verifycache_open_dir(dir, 0, &st->vc, &refused, &st->vc_warn);
	if (r < 0 || refused) {
		if (access(file, F_OK) != 0)
			err_clear(&st->vc_warn);
		verifycache_free(st->vc);
		st->vc = NULL;
		st->vc_refused = 1;
	}
out:
	free(dir);
	free(file);
}

static const char *const subdirs[] = {"roots", "fetch", "quarantine", "bundles",
                                      "hooks", "sync",  "catalog",    NULL};

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
	open_verifycache(st);
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
	verifycache_free(st->vc);
	free(st);
}

const struct verifycache *store_verify_cache(const struct store *st)
{
	return st ? st->vc : NULL;
}

void store_verifycache_note(struct store *st, const struct cert *c)
{
	if (st->vc != NULL)
		(void)verifycache_note(st->vc, c);
}

int store_verifycache_save(struct store *st, struct rw_err *e)
{
	char *dir = NULL;
	int rc = 0;

	if (st->vc_warn.msg[0] != '\0') {
		*e = st->vc_warn;
		rc = 1;
	}
	if (st->vc == NULL)
		return rc;
	if (asprintf(&dir, "%s/cache", st->dir) < 0)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", st->dir);
	if (verifycache_save_dir(st->vc, dir, rc ? NULL : e) == SAVE_ERROR)
		rc = rc ? rc : -1;
	free(dir);
	return rc;
}

const char *store_dir(const struct store *st)
{
	return st->dir;
}

int store_sweep_temps(const struct store *st, time_t before, size_t *n, struct rw_err *e)
{
	DIR *d;
	struct dirent *de;
	size_t k = 0;
	int rc;

	if (n)
		*n = 0;
	rc = tempfile_sweep_dir(st->dir, before, &k, e);
	if (n)
		*n += k;
	if ((d = opendir(st->dir)) == NULL)
		return rc;
	while ((de = readdir(d)) != NULL) {
		struct stat sb;
		char *sub;

		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(sb.st_mode))
			continue;
		if (asprintf(&sub, "%s/%s", st->dir, de->d_name) < 0)
			continue;
		if (tempfile_sweep_dir(sub, before, &k, e) < 0)
			rc = -1;
		else if (n)
			*n += k;
		free(sub);
	}
	closedir(d);
	return rc;
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
	c = cert_from_der_vc((const unsigned char *)b.data, b.len, p, st->vc, e);
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

char *store_lock_path(const char *state_dir)
{
	char *p = NULL;

	return asprintf(&p, "%s/lock", state_dir) < 0 ? NULL : p;
}

char *store_jwks_path(const char *state_dir, const char *name, const char *ext)
{
	char *p = NULL;

	return asprintf(&p, "%s/jwks/%s.%s", state_dir, name, ext) < 0 ? NULL : p;
}

int store_jwks_get(const struct store *st, const char *name, const char *ext, size_t max,
                   struct buf *out, struct rw_err *e)
{
	char *p = store_jwks_path(st->dir, name, ext);
	int rc = -1;

	buf_init(out, 0);
	if (p == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", st->dir);
	if (access(p, F_OK) != 0)
		rc = 0;
	else if (file_read_all(p, max, out, e) == 0)
		rc = 1;
	else
		buf_free(out);
	free(p);
	return rc;
}

int store_jwks_put(struct store *st, const char *name, const char *ext, const void *data,
                   size_t len, struct rw_err *e)
{
	char *d = NULL, *p = store_jwks_path(st->dir, name, ext);
	struct save_opts o;
	int rc = SAVE_ERROR;

	if (p == NULL || asprintf(&d, "%s/jwks", st->dir) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", st->dir);
		d = NULL;
		goto out;
	}
	if (make_dir(d, 0755, e) < 0)
		goto out;
	save_opts_init(&o);
	rc = save_bytes(p, data, len, &o, e);
out:
	free(d);
	free(p);
	return rc;
}

int store_int_field(const json_t *obj, const char *key, long long min, long long max,
                    long long dflt, long long *out)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	json_int_t n;

	*out = dflt;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return -1;
	n = json_integer_value(v);
	if (n < min || n > max)
		return -1;
	*out = (long long)n;
	return 1;
}

long long store_sat_add(long long a, long long b)
{
	long long r;

	if (a < 0)
		a = 0;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : 0;
	return r < 0 ? 0 : r;
}

int store_counters_get(const struct store *st, json_t **out, struct rw_err *e)
{
	json_t *doc = NULL, *fails, *clean = NULL, *v;
	struct rw_err le = {{0}, 0};
	const char *key;
	struct buf dropped;
	int rc = -1;

	*out = NULL;
	buf_init(&dropped, 512);
	if (store_json_get(st, "sync", "counters", &doc, &le) < 0) {
		/* Not JSON: counting starts again rather than stopping every later run. */
		err_set(e, RW_EXIT_OK, "%s (counters start again from 0)", le.msg);
		rc = 1;
		doc = NULL;
	} else {
		rc = 0;
	}
	if (doc != NULL && !json_is_object(doc)) {
		err_set(e, RW_EXIT_OK,
		        "%s/sync/counters.json: not a JSON object; counters start again "
		        "from 0",
		        st->dir);
		rc = 1;
		json_decref(doc);
		doc = NULL;
	}
	if (doc == NULL && (doc = json_object()) == NULL)
		goto oom;
	fails = json_object_get(doc, "fetch_failures");
	if ((clean = json_object()) == NULL)
		goto oom;
	if (fails != NULL && !json_is_object(fails))
		buf_puts(&dropped, " fetch_failures (not an object)");
	json_object_foreach(json_is_object(fails) ? fails : NULL, key, v)
	{
		long long n;

		if (store_int_field(fails, key, 0, INT64_MAX, 0, &n) == 1) {
			if (json_object_set_new(clean, key, json_integer((json_int_t)n)) < 0)
				goto oom;
		} else {
			buf_puts(&dropped, " fetch_failures.");
			buf_puts(&dropped, key);
		}
	}
	if (json_object_set_new(doc, "fetch_failures", clean) < 0) {
		clean = NULL;
		goto oom;
	}
	clean = NULL;
	if (dropped.len) {
		err_set(e, RW_EXIT_OK,
		        "%s/sync/counters.json: not a count in [0, %lld], dropped:%s", st->dir,
		        (long long)INT64_MAX, dropped.data);
		rc = 1;
	}
	*out = doc;
	doc = NULL;
	goto out;
oom:
	rc = err_set(e, RW_EXIT_FAILURE, "%s: out of memory", st->dir);
out:
	json_decref(clean);
	json_decref(doc);
	buf_free(&dropped);
	return rc;
}

int store_counter_add(json_t *counters, const char *group, const char *key, long long delta,
                      long long *total)
{
	json_t *g = json_object_get(counters, group);
	long long n;

	if (!json_is_object(g)) {
		if ((g = json_object()) == NULL || json_object_set_new(counters, group, g) < 0)
			return -1;
	}
	store_int_field(g, key, 0, INT64_MAX, 0, &n);
	n = store_sat_add(n, delta);
	if (json_object_set_new(g, key, json_integer((json_int_t)n)) < 0)
		return -1;
	if (total)
		*total = n;
	return 0;
}

char *store_catalog_dir(const struct store *st, const char *which)
{
	char *p = NULL;

	if (asprintf(&p, "%s/catalog/%s", st->dir, which) < 0)
		return NULL;
	return p;
}

/* Removes a directory of plain files (an unpacked catalog), one level. */
static void remove_flat_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

int store_catalog_install(struct store *st, const char *unpacked, struct rw_err *e)
{
	char *cur = store_catalog_dir(st, "current"), *prev = store_catalog_dir(st, "previous");
	char *parent = store_catalog_dir(st, "");
	int rc = -1, dfd;

	if (cur == NULL || prev == NULL || parent == NULL) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", st->dir);
		goto out;
	}
	remove_flat_dir(prev);
	if (rename(cur, prev) < 0 && errno != ENOENT) {
		err_set(e, RW_EXIT_FAILURE, "%s: cannot move aside: %s", cur, strerror(errno));
		goto out;
	}
	if (rename(unpacked, cur) < 0) {
		err_set(e, RW_EXIT_FAILURE, "%s: cannot install the new catalog: %s", cur,
		        strerror(errno));
		rename(prev, cur); /* the last good one stays in use */
		goto out;
	}
	if ((dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	remove_flat_dir(prev);
	rc = 0;
out:
	free(cur);
	free(prev);
	free(parent);
	return rc;
}
