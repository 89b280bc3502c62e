/* sync_roots.c - sync's roots step: fetch every root that has URLs, keep what matches its pins,
 * quarantine what does not (sync_internal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "sync_internal.h"

static void rr_set(char **dst, const char *s)
{
	free(*dst);
	*dst = sync_strdup(s);
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
	rr_set(&rr->q_subject, c->subject);
	rr_set(&rr->q_issuer, c->issuer);
	rr->q_not_after = c->not_after;
	rr_set(&rr->reason, why);
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
	struct catalog_root *r = &j->t->cat->roots[ri];
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
	/* A root with no copy yet, or a re-issue with the pinned key that the configuration
	 * accepts (accept_reissue): the verified certificate becomes the root's for this run, and
	 * its SHA-256 is what the fetch metadata records for the next. */
	if (r->cert == NULL || strcmp(r->sha256, l.v[0]->sha256) != 0) {
		cert_free(r->cert);
		memcpy(r->sha256, l.v[0]->sha256, sizeof(r->sha256));
		r->cert = l.v[0];
		l.v[0] = NULL;
		l.n = 0;
	}
	rc = 0;
out:
	certlist_free(&l);
	return rc;
}

/* One root being fetched: its URLs are tried in order, one round of fetch_many per URL index,
 * until one answers with the pinned root (or a 304 to a conditional request). */
struct pending {
	size_t ri;
	struct sync_root_result *rr;
	json_t *meta; /* the fetch metadata kept from the last run, or NULL */
	int have_stored;
	int done;
	const char *etag, *last_modified; /* of this round's request */
};

static void note_failure(struct sync_root_result *rr, const char *msg)
{
	rr->failures++;
	/* Every URL's failure, in order; each message starts with its URL. */
	if (rr->status != SYNC_ROOT_QUARANTINED) {
		char *joined = NULL;

		if (rr->reason == NULL)
			rr_set(&rr->reason, msg);
		else if (asprintf(&joined, "%s; %s", rr->reason, msg) >= 0) {
			free(rr->reason);
			rr->reason = joined;
		}
	}
}

/* The answer of one URL for root p->ri. */
static void take_answer(struct job *j, struct pending *p, const char *url,
                        const struct fetch_result *fr)
{
	struct catalog_root *r = &j->t->cat->roots[p->ri];
	struct sync_root_result *rr = p->rr;
	struct rw_err e = {{0}, 0};

	rr_set(&rr->url, url);
	rr->bytes += fr->bytes;
	j->res->bytes += fr->bytes;
	if (fr->status == FETCH_NOT_MODIFIED && (p->etag || p->last_modified)) {
		if (rr->status != SYNC_ROOT_QUARANTINED)
			rr->status = SYNC_ROOT_UNCHANGED;
		p->done = 1;
	} else if (fr->status == FETCH_NOT_MODIFIED) {
		err_set(&e, RW_EXIT_FAILURE, "%s: 304 Not Modified to an unconditional request",
		        url);
	} else if (fr->status == FETCH_ERROR) {
		e = fr->err;
	} else if (accept_body(j, p->ri, rr, url, fr, &e) == 0) {
		json_t *m = json_object(), *meta = p->meta;
		struct rw_err me = {{0}, 0};
		char t[21];

		if (rr->status != SYNC_ROOT_QUARANTINED)
			rr->status = p->have_stored ? SYNC_ROOT_UNCHANGED : SYNC_ROOT_UPDATED;
		p->done = 1;
		json_object_set_new(m, "url", json_string(url));
		json_object_set_new(m, "sha256", json_string(r->sha256));
		if (fr->etag)
			json_object_set_new(m, "etag", json_string(fr->etag));
		if (fr->last_modified)
			json_object_set_new(m, "last_modified", json_string(fr->last_modified));
		/* Rewritten only when what a conditional request needs has changed, so that a
		 * daily fetch of unchanged content writes nothing. */
		if (!j->o->dry_run &&
		    (!meta || !meta_same(meta, "url", url) ||
		     !meta_same(meta, "sha256", r->sha256) || !meta_same(meta, "etag", fr->etag) ||
		     !meta_same(meta, "last_modified", fr->last_modified))) {
			time_format(time(NULL), t);
			json_object_set_new(m, "fetched", json_string(t));
			if (store_json_put(j->st, "fetch", r->id, m, &me) == 0)
				j->res->files_written++;
		}
		json_decref(m);
	}
	if (!p->done && e.msg[0])
		note_failure(rr, e.msg);
}

struct progress_ctx {
	struct job *j;
	struct pending **in_round; /* request index -> root */
	const char **urls;
};

static void on_progress(void *arg, size_t i, const struct fetch_result *fr, size_t done,
                        size_t total)
{
	struct progress_ctx *c = arg;
	const struct sync_opts *o = c->j->o;

	if (o->progress)
		o->progress(o->progress_ctx, c->j->t->cat->roots[c->in_round[i]->ri].id, c->urls[i],
		            fr->status == FETCH_ERROR ? fr->err.msg : NULL, fr->seconds, done,
		            total);
}

/* Every root that has URLs, fetched in parallel rounds (fetch.h fetch_many): round u asks each
 * root that is not done yet for its u-th URL, all within one deadline for the whole phase. */
static int fetch_all(struct job *j, struct pending *pv, size_t np, struct rw_err *e)
{
	const struct config_fetch *cf = &j->cfg->fetch;
	struct fetch_opts fo = {
	        cf->connect_timeout_s, cf->total_timeout_s, cf->max_bytes, cf->retries,
	        cf->backoff_ms,        cf->ca_file,         NULL,          NULL};
	struct fetch_phase ph = {0, monotonic_seconds() + (double)cf->deadline_s, cf->max_parallel};
	struct fetch_req *reqs = calloc(np + 1, sizeof(*reqs));
	struct fetch_result *out = calloc(np + 1, sizeof(*out));
	struct pending **in_round = calloc(np + 1, sizeof(*in_round));
	const char **urls = calloc(np + 1, sizeof(*urls));
	int rc = -1;

	if (reqs == NULL || out == NULL || in_round == NULL || urls == NULL) {
		err_set(e, RW_EXIT_FAILURE, "out of memory");
		goto out;
	}
	for (size_t u = 0;; u++) {
		struct progress_ctx pc = {j, in_round, urls};
		size_t n = 0;

		for (size_t k = 0; k < np; k++) {
			struct pending *p = &pv[k];
			const struct catalog_root *r = &j->t->cat->roots[p->ri];

			if (p->done || u >= r->n_urls)
				continue;
			p->etag = p->last_modified = NULL;
			if (p->meta && p->have_stored && meta_same(p->meta, "url", r->urls[u]) &&
			    meta_same(p->meta, "sha256", r->sha256)) {
				p->etag = json_string_value(json_object_get(p->meta, "etag"));
				p->last_modified = json_string_value(
				        json_object_get(p->meta, "last_modified"));
			}
			reqs[n] = (struct fetch_req){r->urls[u], p->etag, p->last_modified};
			urls[n] = r->urls[u];
			in_round[n++] = p;
		}
		if (n == 0)
			break;
		if (fetch_many(reqs, n, &fo, &ph, out, on_progress, &pc, e) < 0)
			goto out;
		for (size_t i = 0; i < n; i++) {
			take_answer(j, in_round[i], urls[i], &out[i]);
			fetch_result_free(&out[i]);
		}
	}
	rc = 0;
out:
	free(reqs);
	free(out);
	free(in_round);
	free(urls);
	return rc;
}

int sync_roots(struct job *j, struct rw_err *e)
{
	size_t n = j->t->cat->n_roots, np = 0;
	struct pending *pv = calloc(n + 1, sizeof(*pv));
	int rc = -1;

	j->res->roots = calloc(n + 1, sizeof(*j->res->roots));
	if (j->res->roots == NULL || pv == NULL) {
		free(pv);
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	}
	for (size_t ri = 0; ri < n; ri++) {
		const struct catalog_root *r = &j->t->cat->roots[ri];
		struct sync_root_result *rr = &j->res->roots[j->res->n_roots++];
		int from_config = targets_is_config_root(j->t, ri);
		char *stored;

		rr->id = sync_strdup(r->id);
		rr->from_config = from_config;
		rr->have_copy = r->cert != NULL;
		rr->status = SYNC_ROOT_SKIPPED;
		if (r->n_urls == 0 || j->o->offline ||
		    (!from_config && !j->cfg->fetch.catalog_roots))
			continue;
		pv[np].ri = ri;
		pv[np].rr = rr;
		stored = store_root_path(j->st, r->sha256);
		pv[np].have_stored = stored && access(stored, R_OK) == 0;
		free(stored);
		if (store_json_get(j->st, "fetch", r->id, &pv[np].meta, NULL) < 0)
			pv[np].meta = NULL;
		np++;
	}
	if (np > 0 && fetch_all(j, pv, np, e) < 0)
		goto out;
	for (size_t k = 0; k < np; k++) {
		if (!pv[k].done && pv[k].rr->status != SYNC_ROOT_QUARANTINED)
			pv[k].rr->status = SYNC_ROOT_FAILED;
		pv[k].rr->have_copy = j->t->cat->roots[pv[k].ri].cert != NULL;
	}
	rc = 0;
out:
	for (size_t k = 0; k < np; k++)
		json_decref(pv[k].meta);
	free(pv);
	return rc;
}
