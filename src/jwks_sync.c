/* jwks_sync.c - the signing key set kept in the state directory: conditional fetch, validate,
 * store, and what changed. */
#include "jwks_sync.h"

#include "crashpoint.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "date.h"
#include "fileio.h"
#include "save.h"
#include "store.h"
#include "strv.h"

#define META_MAX ((size_t)256 << 10)

int jwks_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 64 || name[0] == '.')
		return 0;
	for (const char *p = name; *p; p++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-",
		            *p))
			return 0;
	return 1;
}

char *jwks_state_path(const char *state_dir, const char *name)
{
	return store_jwks_path(state_dir, name, "json");
}

char *jwks_state_url(const char *state_dir, const char *name)
{
	char *meta_path = store_jwks_path(state_dir, name, "meta"), *url = NULL;
	struct buf mb = {0};
	json_t *meta = NULL;
	const char *u;

	if (meta_path && access(meta_path, F_OK) == 0 &&
	    file_read_all(meta_path, META_MAX, &mb, NULL) == 0)
		meta = json_loadb(mb.data ? mb.data : "", mb.len, 0, NULL);
	u = json_string_value(json_object_get(meta, "url"));
	if (u && (strncmp(u, "https://", 8) == 0 || strncmp(u, "file://", 7) == 0))
		url = strdup(u);
	json_decref(meta);
	buf_free(&mb);
	free(meta_path);
	return url;
}

void jwks_change_free(struct jwks_change *c)
{
	strv_free(c->added, c->n_added);
	strv_free(c->removed, c->n_removed);
	strv_free(c->kids, c->n_kids);
	free(c->reason);
	memset(c, 0, sizeof(*c));
}

static struct fetch_opts plain_opts(const struct fetch_opts *fo)
{
	struct fetch_opts o = *fo;

	o.etag = o.last_modified = NULL;
	if (o.max_bytes == 0 || o.max_bytes > JWKS_MAX_BYTES)
		o.max_bytes = JWKS_MAX_BYTES;
	return o;
}

int jwks_fetch(const char *url, const struct fetch_opts *fo, struct jwks **out, struct rw_err *e)
{
	struct fetch_opts o = plain_opts(fo);
	struct fetch_result fr;
	int s, rc = -1;

	*out = NULL;
	s = fetch_url(url, &o, &fr, e);
	if (s == FETCH_NOT_MODIFIED)
		err_set(e, RW_EXIT_FAILURE, "%s: 304 Not Modified to an unconditional request",
		        url);
	else if (s == FETCH_OK)
		rc = jwks_parse(fr.body.data ? fr.body.data : "", fr.body.len, url, out, e);
	fetch_result_free(&fr);
	return rc;
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];

	gnutls_hash_fast(GNUTLS_DIG_SHA256, p, n, md);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02X", md[i]);
}

static int same_str(json_t *meta, const char *key, const char *v)
{
	const char *m = json_string_value(json_object_get(meta, key));

	return (m == NULL && v == NULL) || (m && v && strcmp(m, v) == 0);
}

static int set_reason(struct jwks_change *c, const char *msg)
{
	free(c->reason);
	c->reason = strdup(msg);
	return c->reason ? 0 : -1;
}

static json_t *kid_array(char *const *kids, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(kids[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The meta document's kids and last_change as they were stored, when the copy is intact. */
static time_t meta_time(json_t *meta, const char *key)
{
	const char *s = json_string_value(json_object_get(meta, key));
	struct tm tm = {0};
	int32_t day;
	char d[11];

	if (s == NULL || strlen(s) != 20 || s[10] != 'T' || s[19] != 'Z')
		return 0;
	memcpy(d, s, 10);
	d[10] = '\0';
	if (date_parse(d, &day) < 0 ||
	    sscanf(s + 11, "%2d:%2d:%2d", &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 3)
		return 0;
	return date_start(day) + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

int jwks_sync(struct store *st, const struct jwks_sync_opts *o, struct jwks_change *out,
              struct rw_err *e)
{
	char *path = NULL, *text = NULL;
	struct buf mb = {0}, pb = {0};
	json_t *meta = NULL, *nm = NULL;
	struct jwks *prev = NULL, *cur = NULL;
	struct fetch_opts fo;
	struct fetch_result fr = {0};
	struct rw_err fe = {{0}, 0}, pe = {{0}, 0};
	char **prev_kids = NULL;
	size_t n_prev = 0;
	char sha[65];
	time_t now = o->now ? o->now : time(NULL);
	int s, rc = -1;

	memset(out, 0, sizeof(*out));
	if (!jwks_name_ok(o->name))
		return err_set(e, RW_EXIT_INPUT,
		               "jwks: '%s' is not a key set name ([A-Za-z0-9._-])",
		               o->name ? o->name : "");
	if ((path = jwks_state_path(store_dir(st), o->name)) == NULL) {
		err_set(e, RW_EXIT_FAILURE, "%s: out of memory", store_dir(st));
		goto out;
	}
	/* the previous good copy: a copy that cannot be read or no longer parses counts as none */
	if (store_jwks_get(st, o->name, "json", JWKS_MAX_BYTES, &pb, &pe) == 1 &&
	    jwks_parse(pb.data ? pb.data : "", pb.len, path, &prev, &pe) < 0)
		prev = NULL;
	if (prev && jwks_kids(prev, &prev_kids, &n_prev) < 0)
		goto oom;
	if (store_jwks_get(st, o->name, "meta", META_MAX, &mb, &pe) == 1)
		meta = json_loadb(mb.data ? mb.data : "", mb.len, 0, NULL);
	fo = plain_opts(o->fo);
	if (prev && meta && same_str(meta, "url", o->url)) {
		fo.etag = json_string_value(json_object_get(meta, "etag"));
		fo.last_modified = json_string_value(json_object_get(meta, "last_modified"));
	}
	s = o->fs ? fetch_url_in(o->fs, o->url, &fo, &fr, &fe) : fetch_url(o->url, &fo, &fr, &fe);
	out->bytes = fr.bytes;
	if (s == FETCH_NOT_MODIFIED && !(fo.etag || fo.last_modified)) {
		err_set(&fe, RW_EXIT_FAILURE, "%s: 304 Not Modified to an unconditional request",
		        o->url);
		s = FETCH_ERROR;
	}
	if (s == FETCH_OK &&
	    jwks_parse(fr.body.data ? fr.body.data : "", fr.body.len, o->url, &cur, &fe) < 0)
		s = FETCH_ERROR;
	if (s == FETCH_ERROR) {
		out->status = JWKS_SYNC_FAILED;
		if (set_reason(out, fe.msg) < 0)
			goto oom;
	}
	if (s != FETCH_OK) {
		/* 304 or failure: the kept copy is what there is */
		if (prev) {
			out->kids = prev_kids;
			out->n_kids = n_prev;
			prev_kids = NULL;
			n_prev = 0;
			out->last_change = meta_time(meta, "last_change");
		}
		rc = 0;
		goto out;
	}
	/* a good new copy */
	if (jwks_kids(cur, &out->kids, &out->n_kids) < 0 ||
	    jwks_diff(prev_kids, n_prev, out->kids, out->n_kids, &out->added, &out->n_added,
	              &out->removed, &out->n_removed) < 0)
		goto oom;
	out->first = prev == NULL;
	out->changed = !out->first && (out->n_added || out->n_removed);
	out->last_change = out->first || out->changed ? now : meta_time(meta, "last_change");
	if (out->last_change == 0)
		out->last_change = now;
	sha256_hex(fr.body.data ? fr.body.data : "", fr.body.len, sha);
	out->status = out->first || out->changed || !same_str(meta, "sha256", sha)
	                      ? JWKS_SYNC_UPDATED
	                      : JWKS_SYNC_UNCHANGED;
	if (o->dry_run) {
		rc = 0;
		goto out;
	}
	/* the event a change makes due is recorded before the new copy is stored: a run that dies
	 * in between leaves it for the next one */
	if (out->changed && o->before_commit && o->before_commit(o->commit_arg, out, e) < 0)
		goto out;
	{
		char t[21], lc[21];
		int w;

		if ((w = store_jwks_put(st, o->name, "json", fr.body.data ? fr.body.data : "",
		                        fr.body.len, e)) == SAVE_ERROR)
			goto out;
		out->files_written += w == SAVE_WRITTEN;
		/* the meta is rewritten only when what it records changed, so an unchanged key set
		 * served without 304 still writes nothing */
		time_format(out->last_change, lc);
		if (meta && same_str(meta, "url", o->url) && same_str(meta, "sha256", sha) &&
		    same_str(meta, "etag", fr.etag) &&
		    same_str(meta, "last_modified", fr.last_modified) &&
		    same_str(meta, "last_change", lc)) {
			rc = 0;
			goto out;
		}
		time_format(now, t);
		nm = json_pack("{s:s, s:s, s:o, s:s, s:s}", "url", o->url, "sha256", sha, "kids",
		               kid_array(out->kids, out->n_kids), "last_change", lc, "fetched", t);
		if (nm == NULL)
			goto oom;
		if (fr.etag)
			json_object_set_new(nm, "etag", json_string(fr.etag));
		if (fr.last_modified)
			json_object_set_new(nm, "last_modified", json_string(fr.last_modified));
		if ((text = json_dumps(nm, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL)
			goto oom;
		if ((w = store_jwks_put(st, o->name, "meta", text, strlen(text), e)) == SAVE_ERROR)
			goto out;
		out->files_written += w == SAVE_WRITTEN;
	}
	crashpoint("jwks-after-store");
	rc = 0;
	goto out;
oom:
	err_set(e, RW_EXIT_FAILURE, "%s: out of memory", o->url);
out:
	fetch_result_free(&fr);
	strv_free(prev_kids, n_prev);
	jwks_free(prev);
	jwks_free(cur);
	json_decref(meta);
	json_decref(nm);
	buf_free(&mb);
	buf_free(&pb);
	free(text);
	free(path);
	return rc;
}

json_t *jwks_change_json(const char *name, const char *url, const struct jwks_change *c)
{
	char t[21];

	time_format(c->last_change, t);
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:s}", "event",
	                 HOOK_EVENT_SIGNING_KEYS_CHANGED, "jwks", name, "url", url, "added",
	                 kid_array(c->added, c->n_added), "removed",
	                 kid_array(c->removed, c->n_removed), "kids", kid_array(c->kids, c->n_kids),
	                 "count", (json_int_t)c->n_kids, "last_change", t);
}

char *jwks_kids_joined(char *const *kids, size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++)
		if ((i && buf_puts(&b, " ") < 0) || buf_puts(&b, kids[i]) < 0) {
			buf_free(&b);
			return NULL;
		}
	return buf_steal(&b, NULL);
}

int jwks_change_metrics(struct metrics *m, const char *name, const struct jwks_change *c,
                        struct rw_err *e)
{
	if (metrics_add_family(m, M_JWKS_KEYS, METRIC_GAUGE,
	                       "Signing keys in the kept Entra ID key set.", e) < 0 ||
	    metrics_add_family(m, M_JWKS_LAST_CHANGE, METRIC_GAUGE,
	                       "When the kept key set's list of key ids last changed.", e) < 0 ||
	    metrics_add_family(m, M_JWKS_FETCH_FAILED, METRIC_GAUGE,
	                       "1 when the last fetch or validation of the key set failed.", e) < 0)
		return -1;
	if (metrics_add(m, e, M_JWKS_KEYS, (double)c->n_kids, "jwks", name, NULL) < 0)
		return -1;
	if (c->last_change &&
	    metrics_add(m, e, M_JWKS_LAST_CHANGE, (double)c->last_change, "jwks", name, NULL) < 0)
		return -1;
	return metrics_add(m, e, M_JWKS_FETCH_FAILED, c->status == JWKS_SYNC_FAILED ? 1.0 : 0.0,
	                   "jwks", name, NULL);
}
