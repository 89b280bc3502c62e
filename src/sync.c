/* sync.c - the agent's job, from lock to hooks; results kept for the report and metrics. */
#include "sync.h"

#include <grp.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "strv.h"
#include "bundle.h"
#include "catalog.h"
#include "check.h"
#include "date.h"
#include "emit.h"
#include "fetch.h"
#include "hooks.h"
#include "lock.h"
#include "rotation.h"
#include "save.h"
#include "store.h"

/* What one run works with. */
struct job {
	struct config *cfg;
	const struct sync_opts *o;
	struct sync_result *res;
	struct catalog *cat;
	struct store *st;
	struct fetch_session *fs; /* one connection cache for the run */
	size_t first_config_root; /* catalog index of the first configuration root */
};

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = xstrdup(s);
}

const char *sync_root_status_name(enum sync_root_status s)
{
	static const char *const names[] = {"skipped", "unchanged", "updated", "quarantined",
	                                    "failed"};
	return names[s];
}

const char *sync_bundle_status_name(enum sync_bundle_status s)
{
	static const char *const names[] = {"unchanged", "updated", "failed"};
	return names[s];
}

static void certs_free(struct sync_cert *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].label);
		free(v[i].subject);
	}
	free(v);
}

void sync_result_free(struct sync_result *res)
{
	for (size_t i = 0; i < res->n_roots; i++) {
		struct sync_root_result *r = &res->roots[i];

		free(r->id);
		free(r->url);
		free(r->reason);
		free(r->q_subject);
		free(r->q_issuer);
	}
	free(res->roots);
	for (size_t i = 0; i < res->n_checks; i++) {
		free(res->checks[i].name);
		free(res->checks[i].kind);
		free(res->checks[i].summary);
	}
	free(res->checks);
	strv_free(res->notes, res->n_notes);
	for (size_t i = 0; i < res->n_bundles; i++) {
		struct sync_bundle_result *b = &res->bundles[i];

		free(b->name);
		free(b->path);
		free(b->format);
		free(b->reason);
		certs_free(b->roots, b->n_roots);
		certs_free(b->added, b->n_added);
		certs_free(b->removed, b->n_removed);
		for (size_t k = 0; k < b->n_hooks; k++) {
			free(b->hooks[k].id);
			free(b->hooks[k].event);
			free(b->hooks[k].reason);
			free(b->hooks[k].output);
		}
		free(b->hooks);
		strv_free(b->notes, b->n_notes);
	}
	free(res->bundles);
	memset(res, 0, sizeof(*res));
}

static void bundle_note(struct sync_bundle_result *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void run_note(struct sync_result *res, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void bundle_note(struct sync_bundle_result *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)strv_vaddf(&b->notes, &b->n_notes, fmt, ap);
	va_end(ap);
}

/* ---- roots ------------------------------------------------------------------------------------
 */

static json_t *cert_json(const struct sync_cert *c)
{
	char t[21];
	json_t *o = json_object();

	json_object_set_new(o, "sha256", json_string(c->sha256));
	if (c->label)
		json_object_set_new(o, "label", json_string(c->label));
	if (c->subject)
		json_object_set_new(o, "subject", json_string(c->subject));
	if (c->not_after) {
		time_format(c->not_after, t);
		json_object_set_new(o, "not_after", json_string(t));
	}
	return o;
}

/* Adds the configuration's roots to the catalog; a URL root starts with its stored copy. */
static int add_config_roots(struct job *j, struct rw_err *e)
{
	j->first_config_root = j->cat->n_roots;
	for (size_t i = 0; i < j->cfg->n_roots; i++) {
		const struct config_root *r = &j->cfg->roots[i];
		struct certlist l = {0};
		struct cert *c = NULL;
		char sha[CERT_HEX_LEN + 1], spki[CERT_HEX_LEN + 1];

		memcpy(sha, r->sha256, sizeof(sha));
		memcpy(spki, r->spki_sha256, sizeof(spki));
		if (r->file) {
			if (certs_read_file(r->file, &l, e) < 0)
				goto bad;
			if (l.n != 1) {
				err_set(e, RW_EXIT_INPUT,
				        "%s: holds %zu certificates; a root file holds one",
				        r->file, l.n);
				goto bad;
			}
			if (cert_check_root(l.v[0], e) < 0)
				goto bad;
			if (sha[0] && strcmp(sha, l.v[0]->sha256) != 0) {
				err_set(e, RW_EXIT_INPUT,
				        "%s: SHA-256 %s does not match the pin %s of root '%s'",
				        r->file, l.v[0]->sha256, sha, r->id);
				goto bad;
			}
			memcpy(sha, l.v[0]->sha256, sizeof(sha));
			c = l.v[0];
			l.v[0] = NULL;
			l.n = 0;
		} else if (j->st && store_get_root(j->st, sha, &c, NULL) < 0) {
			c = NULL;
		}
		certlist_free(&l);
		if (catalog_add_root(j->cat, r->id, r->name, sha, spki,
		                     (const char *const *)r->urls, r->n_urls, c, e) < 0) {
			err_prefix(e, j->cfg->path);
			return -1;
		}
		continue;
	bad:
		certlist_free(&l);
		{
			char where[1100];

			snprintf(where, sizeof(where), "%s:%d: root '%s'", j->cfg->path, r->line,
			         r->id);
			err_prefix(e, where);
		}
		return -1;
	}
	return 0;
}

static int meta_same(json_t *meta, const char *key, const char *v)
{
	const char *s = json_string_value(json_object_get(meta, key));

	if (s == NULL || v == NULL)
		return s == v;
	return strcmp(s, v) == 0;
}

static void quarantine(struct job *j, struct sync_root_result *rr, const struct catalog_root *r,
                       const char *url, const struct cert *c, const char *why)
{
	json_t *rep = json_object();
	char t[21];
	struct rw_err qe = {{0}, 0};

	rr->status = SYNC_ROOT_QUARANTINED;
	memcpy(rr->q_sha256, c->sha256, sizeof(rr->q_sha256));
	set_str(&rr->q_subject, c->subject);
	set_str(&rr->q_issuer, c->issuer);
	rr->q_not_after = c->not_after;
	set_str(&rr->reason, why);
	json_object_set_new(rep, "root", json_string(r->id));
	json_object_set_new(rep, "url", json_string(url));
	json_object_set_new(rep, "reason", json_string(why));
	json_object_set_new(rep, "sha256", json_string(c->sha256));
	json_object_set_new(rep, "subject", json_string(c->subject));
	json_object_set_new(rep, "issuer", json_string(c->issuer));
	time_format(c->not_after, t);
	json_object_set_new(rep, "not_after", json_string(t));
	time_format(time(NULL), t);
	json_object_set_new(rep, "quarantined", json_string(t));
	if (!j->o->dry_run) {
		if (store_quarantine(j->st, c->sha256, c->der, c->der_len, rep, &qe) < 0) {
			char *s = NULL;

			if (asprintf(&s, "%s; and it could not be quarantined: %s", why, qe.msg) >=
			    0) {
				free(rr->reason);
				rr->reason = s;
			}
		} else {
			j->res->files_written += 2;
		}
	}
	json_decref(rep);
}

/* Verifies fetched bytes against root ri; 0 when they are the pinned root (stored), else -1. */
static int accept_body(struct job *j, size_t ri, struct sync_root_result *rr, const char *url,
                       const struct fetch_result *fr, struct rw_err *e)
{
	struct catalog_root *r = &j->cat->roots[ri];
	struct certlist l = {0};
	int rc = -1, w;

	if (certs_parse((const unsigned char *)fr->body.data, fr->body.len, url, &l, e) < 0) {
		err_prefix(e, "content rejected");
		goto out;
	}
	if (l.n != 1) {
		err_set(e, RW_EXIT_INPUT, "%s: content rejected: %zu certificates, expected one",
		        url, l.n);
		goto out;
	}
	if (catalog_root_matches(r, l.v[0], e) < 0 || cert_check_root(l.v[0], e) < 0) {
		quarantine(j, rr, r, url, l.v[0], e->msg);
		goto out;
	}
	if (!j->o->dry_run) {
		if ((w = store_put_root(j->st, l.v[0], e)) < 0)
			goto out;
		j->res->files_written += (unsigned)w;
	}
	if (r->cert == NULL) {
		r->cert = l.v[0];
		l.v[0] = NULL;
		l.n = 0;
	}
	rc = 0;
out:
	certlist_free(&l);
	return rc;
}

static void fetch_root(struct job *j, size_t ri, struct sync_root_result *rr)
{
	struct catalog_root *r = &j->cat->roots[ri];
	const struct config_fetch *cf = &j->cfg->fetch;
	json_t *meta = NULL;
	char *stored = store_root_path(j->st, r->sha256);
	int have_stored = stored && access(stored, R_OK) == 0, done = 0;

	free(stored);
	if (store_json_get(j->st, "fetch", r->id, &meta, NULL) < 0)
		meta = NULL;
	for (size_t u = 0; u < r->n_urls && !done; u++) {
		const char *url = r->urls[u];
		struct fetch_opts fo = {
		        cf->connect_timeout_s, cf->total_timeout_s, cf->max_bytes, cf->retries,
		        cf->backoff_ms,        cf->ca_file,         NULL,          NULL};
		struct fetch_result fr;
		struct rw_err e = {{0}, 0};
		int s;

		if (meta && have_stored && meta_same(meta, "url", url) &&
		    meta_same(meta, "sha256", r->sha256)) {
			fo.etag = json_string_value(json_object_get(meta, "etag"));
			fo.last_modified =
			        json_string_value(json_object_get(meta, "last_modified"));
		}
		set_str(&rr->url, url);
		s = fetch_url_in(j->fs, url, &fo, &fr, &e);
		rr->bytes += fr.bytes;
		j->res->bytes += fr.bytes;
		if (s == FETCH_NOT_MODIFIED && (fo.etag || fo.last_modified)) {
			if (rr->status != SYNC_ROOT_QUARANTINED)
				rr->status = SYNC_ROOT_UNCHANGED;
			done = 1;
		} else if (s == FETCH_NOT_MODIFIED) {
			err_set(&e, RW_EXIT_FAILURE,
			        "%s: 304 Not Modified to an unconditional request", url);
		} else if (s == FETCH_OK && accept_body(j, ri, rr, url, &fr, &e) == 0) {
			json_t *m = json_object();
			struct rw_err me = {{0}, 0};
			char t[21];

			if (rr->status != SYNC_ROOT_QUARANTINED)
				rr->status = have_stored ? SYNC_ROOT_UNCHANGED : SYNC_ROOT_UPDATED;
			done = 1;
			json_object_set_new(m, "url", json_string(url));
			json_object_set_new(m, "sha256", json_string(r->sha256));
			if (fr.etag)
				json_object_set_new(m, "etag", json_string(fr.etag));
			if (fr.last_modified)
				json_object_set_new(m, "last_modified",
				                    json_string(fr.last_modified));
			/* Rewritten only when what a conditional request needs has changed, so
			 * that a daily fetch of unchanged content writes nothing. */
			if (!j->o->dry_run &&
			    (!meta || !meta_same(meta, "url", url) ||
			     !meta_same(meta, "sha256", r->sha256) ||
			     !meta_same(meta, "etag", fr.etag) ||
			     !meta_same(meta, "last_modified", fr.last_modified))) {
				time_format(time(NULL), t);
				json_object_set_new(m, "fetched", json_string(t));
				if (store_json_put(j->st, "fetch", r->id, m, &me) == 0)
					j->res->files_written++;
			}
			json_decref(m);
		}
		if (!done && e.msg[0]) {
			rr->failures++;
			/* Every URL's failure, in order; each message starts with its URL. */
			if (rr->status != SYNC_ROOT_QUARANTINED) {
				char *joined = NULL;

				if (rr->reason == NULL)
					set_str(&rr->reason, e.msg);
				else if (asprintf(&joined, "%s; %s", rr->reason, e.msg) >= 0) {
					free(rr->reason);
					rr->reason = joined;
				}
			}
		}
		fetch_result_free(&fr);
	}
	if (!done && rr->status != SYNC_ROOT_QUARANTINED)
		rr->status = SYNC_ROOT_FAILED;
	rr->have_copy = r->cert != NULL;
	json_decref(meta);
}

static int do_roots(struct job *j, struct rw_err *e)
{
	size_t n = j->cat->n_roots;

	j->res->roots = calloc(n + 1, sizeof(*j->res->roots));
	if (j->res->roots == NULL)
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	for (size_t ri = 0; ri < n; ri++) {
		const struct catalog_root *r = &j->cat->roots[ri];
		struct sync_root_result *rr = &j->res->roots[j->res->n_roots++];
		int from_config = ri >= j->first_config_root;

		rr->id = xstrdup(r->id);
		rr->from_config = from_config;
		rr->have_copy = r->cert != NULL;
		rr->status = SYNC_ROOT_SKIPPED;
		if (r->n_urls == 0 || j->o->offline ||
		    (!from_config && !j->cfg->fetch.catalog_roots))
			continue;
		fetch_root(j, ri, rr);
	}
	return 0;
}

/* ---- bundles ----------------------------------------------------------------------------------
 */

static int fill_cert(struct sync_cert *d, const struct cert *c)
{
	memcpy(d->sha256, c->sha256, sizeof(d->sha256));
	d->label = xstrdup(c->label);
	d->subject = xstrdup(c->subject);
	d->not_after = c->not_after;
	return 0;
}

static void cert_from_json(struct sync_cert *d, json_t *o)
{
	const char *s = json_string_value(json_object_get(o, "sha256"));
	const char *na = json_string_value(json_object_get(o, "not_after"));
	int32_t day;

	snprintf(d->sha256, sizeof(d->sha256), "%s", s ? s : "");
	d->label = xstrdup(json_string_value(json_object_get(o, "label")));
	d->subject = xstrdup(json_string_value(json_object_get(o, "subject")));
	/* Only the day matters for reporting; not_after is written as a full time. */
	if (na && strlen(na) >= 10) {
		char d10[11];

		memcpy(d10, na, 10);
		d10[10] = '\0';
		if (date_parse(d10, &day) == 0) {
			struct tm tm = {0};

			if (strptime(na, "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL)
				d->not_after = timegm(&tm);
			else
				d->not_after = date_start(day);
		}
	}
}

static int push_cert(struct sync_cert **v, size_t *n, const struct sync_cert *c)
{
	struct sync_cert *nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (nv == NULL)
		return -1;
	*v = nv;
	nv[*n].label = xstrdup(c->label);
	nv[*n].subject = xstrdup(c->subject);
	memcpy(nv[*n].sha256, c->sha256, sizeof(nv[*n].sha256));
	nv[*n].not_after = c->not_after;
	(*n)++;
	return 0;
}

static int has_sha(const struct sync_cert *v, size_t n, const char *sha)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].sha256, sha) == 0)
			return 1;
	return 0;
}

/* What the bundle held before: the state file, else the file on disk (PEM), else nothing. */
static void previous_roots(struct job *j, const struct config_bundle *cb,
                           struct sync_bundle_result *br, struct sync_cert **old, size_t *n_old,
                           int *known)
{
	json_t *doc = NULL, *arr, *it;
	size_t i;

	*old = NULL;
	*n_old = 0;
	*known = 0;
	if (j->st && store_json_get(j->st, "bundles", cb->name, &doc, NULL) == 0 && doc &&
	    meta_same(doc, "path", cb->path) &&
	    json_is_array(arr = json_object_get(doc, "roots"))) {
		json_array_foreach(arr, i, it)
		{
			struct sync_cert c = {{0}, NULL, NULL, 0};

			cert_from_json(&c, it);
			push_cert(old, n_old, &c);
			free(c.label);
			free(c.subject);
		}
		{
			const char *t = json_string_value(json_object_get(doc, "changed"));
			struct tm tm = {0};

			if (t && strptime(t, "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL)
				br->last_change = timegm(&tm);
		}
		*known = 1;
	} else if (access(cb->path, F_OK) == 0) {
		struct certlist l = {0};

		if (certs_read_file(cb->path, &l, NULL) == 0) {
			for (i = 0; i < l.n; i++) {
				struct sync_cert c = {{0}, NULL, NULL, 0};

				fill_cert(&c, l.v[i]);
				push_cert(old, n_old, &c);
				free(c.label);
				free(c.subject);
			}
			*known = 1;
		}
		certlist_free(&l);
	}
	json_decref(doc);
}

static int lookup_owner(const struct config_bundle *cb, struct save_opts *so, struct rw_err *e)
{
	if (cb->owner) {
		struct passwd *pw = getpwnam(cb->owner);

		if (pw == NULL)
			return err_set(e, RW_EXIT_INPUT, "%s: owner '%s' is not a user", cb->path,
			               cb->owner);
		so->uid = pw->pw_uid;
	}
	if (cb->group) {
		struct group *gr = getgrnam(cb->group);

		if (gr == NULL)
			return err_set(e, RW_EXIT_INPUT, "%s: group '%s' is not a group", cb->path,
			               cb->group);
		so->gid = gr->gr_gid;
	}
	return 0;
}

static int write_bundle(const struct config_bundle *cb, const struct bundle *b,
                        const struct save_opts *so, struct rw_err *e)
{
	const struct emit_format *f = emit_format_find(cb->format);
	struct emit_opts eo;

	if (f == NULL)
		return err_set(e, RW_EXIT_INPUT, "%s: unknown format '%s'", cb->path, cb->format);
	emit_opts_init(&eo);
	eo.save = *so;
	return emit_write(f, b, cb->path, &eo, e);
}

static int save_bundle_state(struct job *j, const struct config_bundle *cb,
                             struct sync_bundle_result *br)
{
	json_t *doc = json_object(), *arr = json_array();
	char t[21];
	struct rw_err e = {{0}, 0};
	int rc;

	for (size_t i = 0; i < br->n_roots; i++)
		json_array_append_new(arr, cert_json(&br->roots[i]));
	json_object_set_new(doc, "bundle", json_string(cb->name));
	json_object_set_new(doc, "path", json_string(cb->path));
	json_object_set_new(doc, "format", json_string(cb->format));
	json_object_set_new(doc, "roots", arr);
	time_format(br->last_change, t);
	json_object_set_new(doc, "changed", json_string(t));
	rc = store_json_put(j->st, "bundles", cb->name, doc, &e);
	json_decref(doc);
	if (rc == 0)
		j->res->files_written++;
	else /* next run would see a change it already made, and run its hooks again */
		run_note(j->res, "bundle %s: its state was not recorded: %s", cb->name, e.msg);
	return rc;
}

static void build_one(struct job *j, const struct config_bundle *cb, struct sync_bundle_result *br)
{
	struct bundle_spec spec;
	struct bundle b = {0};
	struct save_opts so;
	struct rw_err e = {{0}, 0};
	const char **includes = NULL;
	char **owned = NULL;
	struct sync_cert *old = NULL;
	size_t n_inc = 0, n_owned = 0, n_old = 0;
	int known = 0, r, state_changed;

	br->name = xstrdup(cb->name);
	br->path = xstrdup(cb->path);
	br->format = xstrdup(cb->format);
	bundle_spec_init(&spec);
	spec.profiles = (const char *const *)cb->profiles;
	spec.n_profiles = cb->n_profiles;
	spec.grace_days = j->cfg->retire_grace_days;
	spec.keep_expired = j->cfg->keep_expired;
	spec.ahead_days = j->cfg->add_ahead_days;
	spec.excludes = (const char *const *)cb->exclude;
	spec.n_excludes = cb->n_exclude;
	includes = calloc(cb->n_include + cb->n_roots + 1, sizeof(*includes));
	owned = calloc(cb->n_roots + 1, sizeof(*owned));
	if (includes == NULL || owned == NULL) {
		set_str(&br->reason, "out of memory");
		br->status = SYNC_BUNDLE_FAILED;
		goto out;
	}
	for (size_t i = 0; i < cb->n_include; i++)
		includes[n_inc++] = cb->include[i];
	/* The configuration's roots this bundle names: its verified copy (or local file). */
	for (size_t i = 0; i < cb->n_roots; i++) {
		long ri = catalog_root_index(j->cat, cb->roots[i]);
		const struct config_root *crt = NULL;

		for (size_t k = 0; k < j->cfg->n_roots; k++)
			if (strcmp(j->cfg->roots[k].id, cb->roots[i]) == 0)
				crt = &j->cfg->roots[k];
		if (ri < 0 || crt == NULL)
			continue;
		if (crt->file) {
			includes[n_inc++] = crt->file;
		} else if (j->cat->roots[ri].cert != NULL && j->st &&
		           (owned[n_owned] = store_root_path(j->st, j->cat->roots[ri].sha256)) &&
		           access(owned[n_owned], R_OK) == 0) {
			includes[n_inc++] = owned[n_owned++];
		} else {
			free(owned[n_owned]);
			owned[n_owned] = NULL;
			bundle_note(br, "root '%s' has no verified copy yet; left out",
			            cb->roots[i]);
		}
	}
	spec.includes = includes;
	spec.n_includes = n_inc;
	if (bundle_build(j->cat, &spec, &b, &e) < 0) {
		br->status = SYNC_BUNDLE_FAILED;
		set_str(&br->reason, e.msg);
		goto out;
	}
	for (size_t i = 0; i < b.n_notes; i++)
		bundle_note(br, "%s", b.notes[i]);
	br->roots = calloc(b.certs.n + 1, sizeof(*br->roots));
	if (br->roots == NULL) {
		br->status = SYNC_BUNDLE_FAILED;
		set_str(&br->reason, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < b.certs.n; i++)
		fill_cert(&br->roots[br->n_roots++], b.certs.v[i]);
	previous_roots(j, cb, br, &old, &n_old, &known);
	for (size_t i = 0; i < br->n_roots; i++)
		if (!has_sha(old, n_old, br->roots[i].sha256))
			push_cert(&br->added, &br->n_added, &br->roots[i]);
	for (size_t i = 0; i < n_old; i++)
		if (!has_sha(br->roots, br->n_roots, old[i].sha256))
			push_cert(&br->removed, &br->n_removed, &old[i]);
	state_changed = !known || br->n_added || br->n_removed;
	save_opts_init(&so);
	so.mode = cb->mode;
	if (lookup_owner(cb, &so, &e) < 0) {
		br->status = SYNC_BUNDLE_FAILED;
		set_str(&br->reason, e.msg);
		goto out;
	}
	if (j->o->dry_run) {
		br->status = (access(cb->path, F_OK) != 0 || br->n_added || br->n_removed)
		                     ? SYNC_BUNDLE_UPDATED
		                     : SYNC_BUNDLE_UNCHANGED;
		goto out;
	}
	r = write_bundle(cb, &b, &so, &e);
	if (r == SAVE_ERROR) {
		br->status = SYNC_BUNDLE_FAILED;
		set_str(&br->reason, e.msg);
		goto out;
	}
	br->status = r == SAVE_WRITTEN ? SYNC_BUNDLE_UPDATED : SYNC_BUNDLE_UNCHANGED;
	if (r == SAVE_WRITTEN) {
		j->res->files_written++;
		br->last_change = time(NULL);
	}
	if (r == SAVE_WRITTEN || state_changed) {
		if (br->last_change == 0)
			br->last_change = time(NULL);
		save_bundle_state(j, cb, br);
	}
out:
	certs_free(old, n_old);
	for (size_t i = 0; owned && i < n_owned; i++)
		free(owned[i]);
	free(owned);
	free(includes);
	bundle_free(&b);
}

/* ---- hooks ------------------------------------------------------------------------------------
 */

static char *sha_list(const struct sync_cert *v, size_t n)
{
	struct buf b;
	char *s;

	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", v[i].sha256);
	s = buf_steal(&b, NULL);
	buf_free(&b);
	return s ? s : strdup("");
}

static json_t *event_json(const struct sync_bundle_result *br)
{
	json_t *o = json_object(), *a = json_array(), *r = json_array(), *all = json_array();

	for (size_t i = 0; i < br->n_added; i++)
		json_array_append_new(a, cert_json(&br->added[i]));
	for (size_t i = 0; i < br->n_removed; i++)
		json_array_append_new(r, cert_json(&br->removed[i]));
	for (size_t i = 0; i < br->n_roots; i++)
		json_array_append_new(all, cert_json(&br->roots[i]));
	json_object_set_new(o, "event", json_string(HOOK_EVENT_BUNDLE_UPDATED));
	json_object_set_new(o, "bundle", json_string(br->name));
	json_object_set_new(o, "path", json_string(br->path));
	json_object_set_new(o, "format", json_string(br->format));
	json_object_set_new(o, "added", a);
	json_object_set_new(o, "removed", r);
	json_object_set_new(o, "roots", all);
	return o;
}

static int in_list(json_t *arr, const char *id)
{
	size_t i;
	json_t *it;

	json_array_foreach(arr, i, it)
	{
		if (json_is_string(it) && strcmp(json_string_value(it), id) == 0)
			return 1;
	}
	return 0;
}

/* Runs the hooks of one bundle for one event; only those in 'only' when it is not NULL (a
 * retry). Records each result in br (tagged with 'tag' unless NULL); returns the ids that failed
 * (a JSON array, caller owns). */
static json_t *run_event_hooks(struct job *j, const struct config_bundle *cb,
                               struct sync_bundle_result *br, const struct hook_event *ev,
                               json_t *only, const char *tag)
{
	json_t *failed = json_array();
	struct hooklist hl = {0};
	struct rw_err e = {{0}, 0};

	if (hooks_collect(cb->hooks, cb->n_hooks, j->cfg->hooks_dir, &hl, &e) < 0) {
		struct sync_hook_result *nh = realloc(br->hooks, (br->n_hooks + 1) * sizeof(*nh));

		if (nh) {
			br->hooks = nh;
			memset(&nh[br->n_hooks], 0, sizeof(*nh));
			nh[br->n_hooks].id = xstrdup(j->cfg->hooks_dir);
			nh[br->n_hooks].event = tag ? xstrdup(tag) : NULL;
			nh[br->n_hooks].reason = xstrdup(e.msg);
			nh[br->n_hooks].status = -1;
			nh[br->n_hooks].refused = 1;
			br->n_hooks++;
		}
		json_array_append_new(failed, json_string(j->cfg->hooks_dir));
		goto out;
	}
	for (size_t i = 0; i < hl.n; i++) {
		const struct hook *h = &hl.v[i];
		struct hook_result hr;
		struct sync_hook_result *nh, *sh;

		if (only && !in_list(only, h->id))
			continue;
		nh = realloc(br->hooks, (br->n_hooks + 1) * sizeof(*nh));
		if (nh == NULL)
			break;
		br->hooks = nh;
		sh = &nh[br->n_hooks++];
		memset(sh, 0, sizeof(*sh));
		hook_run(h, ev, j->cfg->hook_timeout_s, &hr);
		if (hr.ran)
			j->res->hooks_run++;
		sh->id = xstrdup(h->id);
		sh->event = tag ? xstrdup(tag) : NULL;
		sh->ok = hr.status == 0;
		sh->retry = only != NULL;
		sh->timed_out = hr.timed_out;
		sh->refused = h->refused != NULL || h->path == NULL;
		sh->status = hr.status;
		sh->reason = xstrdup(hr.reason);
		sh->output = hr.output.len ? xstrdup(hr.output.data) : NULL;
		if (!sh->ok)
			json_array_append_new(failed, json_string(h->id));
		hook_result_free(&hr);
	}
out:
	hooklist_free(&hl);
	return failed;
}

/* The bundle-updated event of one change (or its retry, with 'only'). */
static json_t *run_hooks(struct job *j, const struct config_bundle *cb,
                         struct sync_bundle_result *br, json_t *change, json_t *only)
{
	const char *fmt = json_string_value(json_object_get(change, "format"));
	const char *added = json_string_value(json_object_get(change, "added_sha256"));
	const char *removed = json_string_value(json_object_get(change, "removed_sha256"));
	json_t *doc = json_object_get(change, "document"), *failed;
	char *input = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	struct hook_env env[] = {
	        {"ROOTWARDEN_BUNDLE", cb->name},
	        {"ROOTWARDEN_BUNDLE_PATH", cb->path},
	        {"ROOTWARDEN_FORMAT", fmt ? fmt : cb->format},
	        {"ROOTWARDEN_ADDED", added ? added : ""},
	        {"ROOTWARDEN_REMOVED", removed ? removed : ""},
	};
	struct hook_event ev = {HOOK_EVENT_BUNDLE_UPDATED, env, sizeof(env) / sizeof(env[0]),
	                        input ? input : "{}"};

	failed = run_event_hooks(j, cb, br, &ev, only, NULL);
	free(input);
	return failed;
}

static void do_hooks(struct job *j, const struct config_bundle *cb, struct sync_bundle_result *br)
{
	json_t *pending = NULL, *failed = NULL, *change = NULL;
	struct rw_err e = {{0}, 0};

	if (store_json_get(j->st, "hooks", cb->name, &pending, &e) < 0)
		pending = NULL;
	if (br->status == SYNC_BUNDLE_UPDATED) {
		char *a = sha_list(br->added, br->n_added),
		     *r = sha_list(br->removed, br->n_removed);
		char t[21];

		change = json_object();
		time_format(time(NULL), t);
		json_object_set_new(change, "bundle", json_string(cb->name));
		json_object_set_new(change, "format", json_string(cb->format));
		json_object_set_new(change, "added_sha256", json_string(a));
		json_object_set_new(change, "removed_sha256", json_string(r));
		json_object_set_new(change, "changed", json_string(t));
		json_object_set_new(change, "document", event_json(br));
		free(a);
		free(r);
		failed = run_hooks(j, cb, br, change, NULL);
	} else if (pending != NULL && json_is_array(json_object_get(pending, "failed"))) {
		change = json_incref(pending);
		failed = run_hooks(j, cb, br, change, json_object_get(pending, "failed"));
	} else {
		goto out;
	}
	if (json_array_size(failed) > 0) {
		json_object_set(change, "failed", failed);
		if (store_json_put(j->st, "hooks", cb->name, change, &e) == 0)
			j->res->files_written++;
		else /* the retry would be lost: say so, and the run is degraded */
			run_note(j->res, "bundle %s: failed hooks will not be retried: %s",
			         cb->name, e.msg);
	} else if (pending != NULL) {
		store_json_remove(j->st, "hooks", cb->name, &e);
	}
out:
	json_decref(failed);
	json_decref(change);
	json_decref(pending);
}

/* ---- rotation-upcoming ----------------------------------------------------------------------- */

static void run_note(struct sync_result *res, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void run_note(struct sync_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)strv_vaddf(&res->notes, &res->n_notes, fmt, ap);
	va_end(ap);
}

static char *root_sha_list(const struct catalog *cat, const struct rotation_roots *r)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < r->n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", cat->roots[r->v[i]].sha256);
	return buf_steal(&b, NULL);
}

/* Announces every coming change of every bundle once, warn_days ahead. */
static void do_rotation_events(struct job *j)
{
	struct config *cfg = j->cfg;
	struct rotation_target *t = calloc(cfg->n_bundles + 1, sizeof(*t));
	struct rotation_events ev = {0};
	struct rotation_opts o;
	struct rw_err e = {{0}, 0};

	if (t == NULL)
		return;
	for (size_t i = 0; i < cfg->n_bundles; i++) {
		t[i].name = cfg->bundles[i].name;
		t[i].path = cfg->bundles[i].path; /* for the event document only */
		t[i].profiles = (const char *const *)cfg->bundles[i].profiles;
		t[i].n_profiles = cfg->bundles[i].n_profiles;
		t[i].excludes = (const char *const *)cfg->bundles[i].exclude;
		t[i].n_excludes = cfg->bundles[i].n_exclude;
	}
	rotation_opts_init(&o);
	o.warn_days = cfg->warn_days;
	o.grace_days = cfg->retire_grace_days;
	o.keep_expired = cfg->keep_expired;
	o.ahead_days = cfg->add_ahead_days;
	if (rotation_due_events(j->cat, t, cfg->n_bundles, &o, cfg->state_dir, &ev, &e) < 0) {
		run_note(j->res, "rotation-upcoming not raised: %s", e.msg);
		goto out;
	}
	for (size_t k = 0; k < ev.n; k++) {
		size_t bi = (size_t)(ev.v[k].target - t);
		const struct config_bundle *cb = &cfg->bundles[bi];
		json_t *doc = rotation_event_json(j->cat, &ev.v[k]), *failed;
		char *input = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		char *added = root_sha_list(j->cat, &ev.v[k].change.added);
		char *removed = root_sha_list(j->cat, &ev.v[k].change.removed);
		char day[11], days[24], tag[64];
		struct hook_env env[] = {
		        {"ROOTWARDEN_BUNDLE", cb->name},
		        {"ROOTWARDEN_BUNDLE_PATH", cb->path},
		        {"ROOTWARDEN_FORMAT", cb->format},
		        {"ROOTWARDEN_ADDED", added ? added : ""},
		        {"ROOTWARDEN_REMOVED", removed ? removed : ""},
		        {"ROOTWARDEN_CHANGE_DATE", day},
		        {"ROOTWARDEN_DAYS", days},
		};
		struct hook_event hev = {HOOK_EVENT_ROTATION_UPCOMING, env,
		                         sizeof(env) / sizeof(env[0]), input ? input : "{}"};

		date_format(ev.v[k].change.day, day);
		snprintf(days, sizeof(days), "%ld", ev.v[k].days);
		snprintf(tag, sizeof(tag), "%s %s", HOOK_EVENT_ROTATION_UPCOMING, day);
		failed = run_event_hooks(j, cb, &j->res->bundles[bi], &hev, NULL, tag);
		/* Recorded only when every hook took it: a failed one hears of it again next run.
		 */
		if (json_array_size(failed) == 0 &&
		    rotation_mark_announced(cfg->state_dir, &ev.v[k], &o, &e) < 0)
			run_note(j->res, "%s", e.msg);
		else if (json_array_size(failed) == 0)
			j->res->files_written++;
		json_decref(failed);
		json_decref(doc);
		free(input);
		free(added);
		free(removed);
	}
out:
	rotation_events_free(&ev);
	free(t);
}

/* ---- configured checks ----------------------------------------------------------------------- */

static void do_checks(struct job *j)
{
	struct config *cfg = j->cfg;

	j->res->checks = calloc(cfg->n_checks + 1, sizeof(*j->res->checks));
	if (j->res->checks == NULL)
		return;
	for (size_t i = 0; i < cfg->n_checks; i++) {
		struct sync_check_result *c = &j->res->checks[j->res->n_checks++];
		struct rw_err e = {{0}, 0};
		char *summary = NULL;
		int status = RW_CHECK_UNKNOWN;

		c->name = xstrdup(cfg->checks[i].name);
		c->kind = xstrdup(cfg->checks[i].kind);
		if (check_run_configured(&cfg->checks[i], &status, &summary, &e) < 0) {
			status = RW_CHECK_UNKNOWN;
			free(summary);
			summary = xstrdup(e.msg);
		}
		c->status = status;
		c->summary = summary ? summary : xstrdup("");
	}
}

/* ---- counters kept across runs (for metrics) ------------------------------------------------- */

/* Fetch failures are a counter that must survive runs: STATE/sync/counters.json, written only when
 * a fetch failed (a run where nothing changed writes nothing). The last success needs no state: it
 * is this run's start when it succeeded (the metrics writer keeps the previous value otherwise). */
static void do_counters(struct job *j)
{
	struct sync_result *res = j->res;
	json_t *doc = NULL, *fails;
	struct rw_err e = {{0}, 0};
	int changed = 0;

	if (res->status != RW_EXIT_FAILURE && !j->o->dry_run)
		res->last_success = res->started;
	if (j->st == NULL || store_json_get(j->st, "sync", "counters", &doc, &e) < 0 || doc == NULL)
		doc = json_object();
	if (!json_is_object(fails = json_object_get(doc, "fetch_failures"))) {
		fails = json_object();
		json_object_set_new(doc, "fetch_failures", fails);
	}
	for (size_t i = 0; i < res->n_roots; i++) {
		struct sync_root_result *r = &res->roots[i];
		json_int_t n = json_integer_value(json_object_get(fails, r->id));

		if (r->failures > 0) {
			n += r->failures;
			json_object_set_new(fails, r->id, json_integer(n));
			changed = 1;
		}
		r->failures_total = (long long)n;
	}
	if (changed && !j->o->dry_run && j->st != NULL) {
		if (store_json_put(j->st, "sync", "counters", doc, &e) < 0)
			run_note(res, "%s", e.msg);
		else
			res->files_written++;
	}
	json_decref(doc);
}

/* ---- the run ----------------------------------------------------------------------------------
 */

static int final_status(const struct sync_result *res)
{
	int failed = 0, degraded = 0, changed = 0;

	for (size_t i = 0; i < res->n_roots; i++)
		if (res->roots[i].status == SYNC_ROOT_FAILED ||
		    res->roots[i].status == SYNC_ROOT_QUARANTINED)
			degraded = 1;
	for (size_t i = 0; i < res->n_bundles; i++) {
		const struct sync_bundle_result *b = &res->bundles[i];

		if (b->status == SYNC_BUNDLE_FAILED)
			failed = 1;
		if (b->status == SYNC_BUNDLE_UPDATED)
			changed = 1;
		for (size_t k = 0; k < b->n_hooks; k++)
			if (!b->hooks[k].ok)
				failed = 1;
		for (size_t k = 0; k < b->n_notes; k++)
			if (strstr(b->notes[k], "no verified copy") != NULL)
				degraded = 1;
	}
	for (size_t i = 0; i < res->n_checks; i++)
		if (res->checks[i].status != RW_CHECK_OK)
			degraded = 1;
	if (res->n_notes > 0)
		degraded = 1;
	if (failed)
		return RW_EXIT_FAILURE;
	if (degraded)
		return RW_EXIT_DEGRADED;
	return changed ? RW_EXIT_CHANGED : RW_EXIT_OK;
}

int sync_run(struct config *cfg, const struct sync_opts *o, struct sync_result *res,
             struct rw_err *e)
{
	struct job j = {cfg, o, res, NULL, NULL, NULL, 0};
	struct lock *lk = NULL;
	double t0 = monotonic_seconds();
	int rc = -1;

	memset(res, 0, sizeof(*res));
	res->started = time(NULL);
	res->dry_run = o->dry_run;
	res->offline = o->offline;
	if (store_open(cfg->state_dir, !o->dry_run, &j.st, e) < 0)
		goto out;
	if (!o->dry_run && lock_take(cfg->state_dir, o->lock_timeout_s, &lk, e) < 0)
		goto out;
	if (catalog_load(o->roots_dir, &j.cat, e) < 0 ||
	    config_expand_profiles(cfg, j.cat, e) < 0 || config_check_catalog(cfg, j.cat, e) < 0 ||
	    add_config_roots(&j, e) < 0)
		goto out;
	if (!o->offline && (fetch_global_init(e) < 0 || fetch_session_new(&j.fs, e) < 0))
		goto out;
	if (do_roots(&j, e) < 0)
		goto out;
	res->bundles = calloc(cfg->n_bundles + 1, sizeof(*res->bundles));
	if (res->bundles == NULL) {
		err_set(e, RW_EXIT_FAILURE, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < cfg->n_bundles; i++)
		build_one(&j, &cfg->bundles[i], &res->bundles[res->n_bundles++]);
	if (!o->dry_run) {
		for (size_t i = 0; i < cfg->n_bundles; i++)
			if (res->bundles[i].status != SYNC_BUNDLE_FAILED)
				do_hooks(&j, &cfg->bundles[i], &res->bundles[i]);
		do_rotation_events(&j);
	}
	do_checks(&j);
	res->status = final_status(res);
	do_counters(&j);
	rc = res->status;
out:
	res->seconds = monotonic_seconds() - t0;
	fetch_session_free(j.fs);
	catalog_free(j.cat);
	store_free(j.st);
	lock_release(lk);
	return rc;
}

json_t *sync_result_json(const struct sync_result *res)
{
	json_t *o = json_object(), *roots = json_array(), *bundles = json_array();
	static const char *const st[] = {
	        [RW_EXIT_OK] = "unchanged",      [RW_EXIT_FAILURE] = "failed",
	        [RW_EXIT_USAGE] = "usage",       [RW_EXIT_INPUT] = "input",
	        [RW_EXIT_LOCKED] = "locked",     [RW_EXIT_CHANGED] = "changed",
	        [RW_EXIT_DEGRADED] = "degraded",
	};
	char t[21];

	for (size_t i = 0; i < res->n_roots; i++) {
		const struct sync_root_result *r = &res->roots[i];
		json_t *jr = json_object();

		json_object_set_new(jr, "id", json_string(r->id));
		json_object_set_new(jr, "source",
		                    json_string(r->from_config ? "config" : "catalog"));
		json_object_set_new(jr, "status", json_string(sync_root_status_name(r->status)));
		if (r->url)
			json_object_set_new(jr, "url", json_string(r->url));
		if (r->reason)
			json_object_set_new(jr, "reason", json_string(r->reason));
		json_object_set_new(jr, "failures", json_integer(r->failures));
		json_object_set_new(jr, "failures_total", json_integer(r->failures_total));
		json_object_set_new(jr, "bytes", json_integer(r->bytes));
		json_object_set_new(jr, "have_copy", json_boolean(r->have_copy));
		if (r->status == SYNC_ROOT_QUARANTINED && r->q_sha256[0]) {
			json_t *q = json_object();

			json_object_set_new(q, "sha256", json_string(r->q_sha256));
			json_object_set_new(q, "subject", json_string(r->q_subject));
			json_object_set_new(q, "issuer", json_string(r->q_issuer));
			time_format(r->q_not_after, t);
			json_object_set_new(q, "not_after", json_string(t));
			json_object_set_new(jr, "quarantined", q);
		}
		json_array_append_new(roots, jr);
	}
	for (size_t i = 0; i < res->n_bundles; i++) {
		const struct sync_bundle_result *b = &res->bundles[i];
		json_t *jb = json_object(), *a = json_array(), *hooks = json_array();

		json_object_set_new(jb, "name", json_string(b->name));
		json_object_set_new(jb, "path", json_string(b->path));
		json_object_set_new(jb, "format", json_string(b->format));
		json_object_set_new(jb, "status", json_string(sync_bundle_status_name(b->status)));
		if (b->reason)
			json_object_set_new(jb, "reason", json_string(b->reason));
		for (size_t k = 0; k < b->n_roots; k++)
			json_array_append_new(a, cert_json(&b->roots[k]));
		json_object_set_new(jb, "roots", a);
		a = json_array();
		for (size_t k = 0; k < b->n_added; k++)
			json_array_append_new(a, cert_json(&b->added[k]));
		json_object_set_new(jb, "added", a);
		a = json_array();
		for (size_t k = 0; k < b->n_removed; k++)
			json_array_append_new(a, cert_json(&b->removed[k]));
		json_object_set_new(jb, "removed", a);
		if (b->last_change) {
			time_format(b->last_change, t);
			json_object_set_new(jb, "last_change", json_string(t));
		}
		a = json_array();
		for (size_t k = 0; k < b->n_notes; k++)
			json_array_append_new(a, json_string(b->notes[k]));
		json_object_set_new(jb, "notes", a);
		for (size_t k = 0; k < b->n_hooks; k++) {
			const struct sync_hook_result *h = &b->hooks[k];
			json_t *jh = json_object();

			json_object_set_new(jh, "hook", json_string(h->id));
			json_object_set_new(
			        jh, "event",
			        json_string(h->event ? h->event : HOOK_EVENT_BUNDLE_UPDATED));
			json_object_set_new(jh, "ok", json_boolean(h->ok));
			json_object_set_new(jh, "retry", json_boolean(h->retry));
			json_object_set_new(jh, "timed_out", json_boolean(h->timed_out));
			json_object_set_new(jh, "refused", json_boolean(h->refused));
			json_object_set_new(jh, "status", json_integer(h->status));
			if (h->reason)
				json_object_set_new(jh, "reason", json_string(h->reason));
			if (h->output)
				json_object_set_new(jh, "output", json_string(h->output));
			json_array_append_new(hooks, jh);
		}
		json_object_set_new(jb, "hooks", hooks);
		json_array_append_new(bundles, jb);
	}
	json_object_set_new(o, "status",
	                    json_string(res->status >= 0 && res->status <= RW_EXIT_DEGRADED
	                                        ? st[res->status]
	                                        : "failed"));
	json_object_set_new(o, "exit", json_integer(res->status));
	json_object_set_new(o, "dry_run", json_boolean(res->dry_run));
	json_object_set_new(o, "offline", json_boolean(res->offline));
	time_format(res->started, t);
	json_object_set_new(o, "started", json_string(t));
	json_object_set_new(o, "seconds", json_real(res->seconds));
	json_object_set_new(o, "bytes_fetched", json_integer(res->bytes));
	json_object_set_new(o, "files_written", json_integer(res->files_written));
	json_object_set_new(o, "hooks_run", json_integer(res->hooks_run));
	json_object_set_new(o, "roots", roots);
	json_object_set_new(o, "bundles", bundles);
	{
		json_t *checks = json_array(), *notes = json_array();

		for (size_t i = 0; i < res->n_checks; i++) {
			json_t *jc = json_object();

			json_object_set_new(jc, "name", json_string(res->checks[i].name));
			json_object_set_new(jc, "kind", json_string(res->checks[i].kind));
			json_object_set_new(jc, "status", json_integer(res->checks[i].status));
			json_object_set_new(jc, "summary", json_string(res->checks[i].summary));
			json_array_append_new(checks, jc);
		}
		for (size_t i = 0; i < res->n_notes; i++)
			json_array_append_new(notes, json_string(res->notes[i]));
		json_object_set_new(o, "checks", checks);
		json_object_set_new(o, "notes", notes);
		if (res->last_success) {
			time_format(res->last_success, t);
			json_object_set_new(o, "last_success", json_string(t));
		}
	}
	return o;
}
