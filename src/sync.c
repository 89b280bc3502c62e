/* sync.c - the agent's job, step by step (sync.h); each step lives in its own file. */
#include "sync.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog_update.h"
#include "crashpoint.h"
#include "date.h"
#include "lock.h"
#include "strv.h"
#include "sync_internal.h"

char *sync_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

void sync_problem(struct sync_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)strv_vaddf(&res->problems, &res->n_problems, fmt, ap);
	va_end(ap);
}

/* ---- Entra ID signing key sets --------------------------------------------------------------- */

struct jwks_commit {
	struct job *j;
	const char *name, *url;
};

static int jwks_before_commit(void *arg, const struct jwks_change *c, struct rw_err *e)
{
	const struct jwks_commit *k = arg;

	return sync_events_jwks_record(k->j, k->name, k->url, c, e);
}

static void keep_key_sets(struct job *j)
{
	const struct config *cfg = j->cfg;
	const struct config_fetch *cf = &cfg->fetch;
	struct fetch_opts fo = {
	        cf->connect_timeout_s, cf->total_timeout_s, cf->max_bytes, cf->retries,
	        cf->backoff_ms,        cf->ca_file,         NULL,          NULL};

	j->res->jwks = calloc(cfg->n_jwks + 1, sizeof(*j->res->jwks));
	if (j->res->jwks == NULL)
		return;
	for (size_t i = 0; i < cfg->n_jwks; i++) {
		struct sync_jwks_result *jr = &j->res->jwks[j->res->n_jwks++];
		struct jwks_commit kc = {j, cfg->jwks[i].name, cfg->jwks[i].url};
		struct jwks_sync_opts jo = {cfg->jwks[i].name,
		                            cfg->jwks[i].url,
		                            &fo,
		                            j->fs,
		                            j->o->dry_run,
		                            0,
		                            jwks_before_commit,
		                            &kc};
		struct rw_err e = {{0}, 0};

		jr->name = sync_strdup(cfg->jwks[i].name);
		jr->url = sync_strdup(cfg->jwks[i].url);
		if (!j->o->offline && jwks_sync(j->st, &jo, &jr->change, &e) < 0) {
			sync_problem(j->res, "%s: key set %s: %s", jr->url, jr->name, e.msg);
			jwks_change_free(&jr->change);
			memset(&jr->change, 0, sizeof(jr->change));
		}
		j->res->files_written += jr->change.files_written;
		j->res->bytes += jr->change.bytes;
		/* also offline or after a failure: what an earlier run left pending runs */
		if (!j->o->dry_run)
			sync_events_jwks(j, jr);
	}
}

/* ---- configured checks ----------------------------------------------------------------------- */

static void run_checks(struct job *j)
{
	const struct targets *t = j->t;

	j->res->checks = calloc(t->n_checks + 1, sizeof(*j->res->checks));
	if (j->res->checks == NULL)
		return;
	for (size_t i = 0; i < t->n_checks; i++) {
		const struct target_check *tc = &t->checks[i];
		struct sync_check_result *c = &j->res->checks[j->res->n_checks++];
		struct rw_err e = {{0}, 0};
		char *summary = NULL;
		int status = RW_CHECK_UNKNOWN;

		c->name = sync_strdup(tc->name);
		c->kind = sync_strdup(tc->kind->name);
		if (check_run_spec(tc->kind, tc->spec, &status, &summary, &e) < 0) {
			status = RW_CHECK_UNKNOWN;
			free(summary);
			summary = sync_strdup(e.msg);
		}
		c->status = status;
		c->summary = summary ? summary : sync_strdup("");
	}
}

/* Self-signature verdicts of the roots now held, for the next run (store.h, verifycache.h). */
static void keep_verdicts(struct job *j)
{
	struct rw_err e = {{0}, 0};

	for (size_t i = 0; i < j->t->cat->n_roots; i++)
		if (j->t->cat->roots[i].cert != NULL)
			store_verifycache_note(j->st, j->t->cat->roots[i].cert);
	if (!j->o->dry_run && store_verifycache_save(j->st, &e) != 0)
		sync_problem(j->res, "%s", e.msg);
}

/* ---- counters kept across runs (for metrics) ------------------------------------------------- */

/* Fetch failures are a counter that must survive runs: STATE/sync/counters.json, written only when
 * a fetch failed. The last success is this run's start when it succeeded; when it did not, the
 * one recorded by the last run that did (STATE/sync/last-success.json, kept only when a metrics
 * file wants it, so that a run where nothing changed and nobody reads metrics writes nothing). */
static void keep_counters(struct job *j)
{
	struct sync_result *res = j->res;
	json_t *doc = NULL, *fails, *ls = NULL;
	struct rw_err e = {{0}, 0};
	int changed = 0, ok = res->status != RW_EXIT_FAILURE && !j->o->dry_run;

	if (store_counters_get(j->st, &doc, &e) != 0) { /* 1: bad members dropped, a note */
		if (doc == NULL)
			doc = json_pack("{s:{}}", "fetch_failures");
		sync_problem(res, "%s", e.msg);
		memset(&e, 0, sizeof(e));
	}
	fails = json_object_get(doc, "fetch_failures");
	for (size_t i = 0; i < res->n_roots; i++) {
		struct sync_root_result *r = &res->roots[i];
		long long total = 0;

		if (r->failures > 0) {
			store_counter_add(doc, "fetch_failures", r->id, r->failures, &total);
			changed = 1;
		} else {
			store_int_field(fails, r->id, 0, INT64_MAX, 0, &total);
		}
		r->failures_total = total;
	}
	if (changed && !j->o->dry_run) {
		if (store_json_put(j->st, "sync", "counters", doc, &e) < 0)
			sync_problem(res, "%s", e.msg);
		else
			res->files_written++;
	}
	json_decref(doc);
	if (!j->o->record_success)
		return;
	if (ok) {
		res->last_success = res->started;
		ls = json_pack("{s:I}", "time", (json_int_t)res->started);
		if (ls && store_json_put(j->st, "sync", "last-success", ls, &e) < 0)
			sync_problem(res, "%s", e.msg);
		else if (ls)
			res->files_written++;
	} else if (store_json_get(j->st, "sync", "last-success", &ls, NULL) == 0 && ls) {
		json_int_t t = json_integer_value(json_object_get(ls, "time"));

		res->last_success = t > 0 ? (time_t)t : 0;
	}
	json_decref(ls);
}

/* ---- the run ----------------------------------------------------------------------------------
 */

static int final_status(const struct sync_result *res)
{
	int failed = 0, degraded = res->n_problems > 0, changed = 0;

	for (size_t i = 0; i < res->n_roots; i++)
		if (res->roots[i].status == SYNC_ROOT_FAILED ||
		    res->roots[i].status == SYNC_ROOT_QUARANTINED)
			degraded = 1;
	for (size_t i = 0; i < res->n_bundles; i++) {
		const struct sync_bundle_result *b = &res->bundles[i];

		failed |= b->status == SYNC_BUNDLE_FAILED;
		changed |= b->status == SYNC_BUNDLE_UPDATED;
		degraded |= b->n_unavailable > 0;
		for (size_t k = 0; k < b->n_hooks; k++)
			failed |= !b->hooks[k].ok;
	}
	for (size_t i = 0; i < res->n_checks; i++)
		degraded |= res->checks[i].status != RW_CHECK_OK;
	degraded |= sync_catalog_problem(&res->catalog);
	for (size_t k = 0; k < res->catalog.n_hooks; k++)
		failed |= !res->catalog.hooks[k].ok;
	for (size_t i = 0; i < res->n_jwks; i++) {
		degraded |= res->jwks[i].change.status == JWKS_SYNC_FAILED;
		for (size_t k = 0; k < res->jwks[i].n_hooks; k++)
			failed |= !res->jwks[i].hooks[k].ok;
	}
	if (failed)
		return RW_EXIT_FAILURE;
	if (degraded)
		return RW_EXIT_DEGRADED;
	return changed ? RW_EXIT_CHANGED : RW_EXIT_OK;
}

/* The signed catalog channel, before the targets are built from the newest catalog. */
static void catalog_step(struct job *j)
{
	struct catalog *shipped = NULL;
	struct rw_err e = {{0}, 0};

	if (j->cfg->catalog.url == NULL || j->o->offline)
		return;
	if (catalog_load(j->o->roots_dir, &shipped, &e) < 0) {
		sync_problem(j->res, "%s: the catalog channel was not checked: %s",
		             j->cfg->catalog.url, e.msg);
		return;
	}
	sync_catalog(j, shipped->version);
	catalog_free(shipped);
}

int sync_run(const struct config *cfg, const struct sync_opts *o, struct sync_result *res,
             struct rw_err *e)
{
	struct targets *t = NULL;
	struct job j = {NULL, cfg, o, res, NULL, NULL};
	struct lock *lk = NULL;
	double t0 = monotonic_seconds();
	int rc = -1;

	memset(res, 0, sizeof(*res));
	res->started = time(NULL);
	res->dry_run = o->dry_run;
	res->offline = o->offline;
	/* The model first, before anything is created or locked: a configuration that config
	 * check refuses is refused here the same way (exit 3), whatever the state dir or the lock.
	 */
	if (targets_build(cfg, o->roots_dir, &t, e) < 0)
		goto out;
	if (store_open(cfg->state_dir, !o->dry_run, &j.st, e) < 0)
		goto out;
	if (!o->dry_run && lock_take(cfg->state_dir, o->lock_timeout_s, &lk, e) < 0)
		goto out;
	/* state files a killed run was writing: their temps (under the lock, so none is live) */
	if (!o->dry_run) {
		struct rw_err se = {{0}, 0};

		(void)store_sweep_temps(j.st, res->started, NULL, &se);
	}
	if (!o->offline && (fetch_global_init(e) < 0 || fetch_session_new(&j.fs, e) < 0))
		goto out;
	catalog_step(&j);
	if (res->catalog.updated) { /* built again from the catalog just accepted */
		targets_free(t);
		t = NULL;
		if (targets_build(cfg, o->roots_dir, &t, e) < 0)
			goto out;
	}
	j.t = t;
	res->catalog.in_use_version = t->cat->version;
	res->catalog.in_use_date = t->cat->date;
	res->catalog.in_use_from_channel = t->catalog_from_channel;
	if (sync_roots(&j, e) < 0)
		goto out;
	res->bundles = calloc(t->n_bundles + 1, sizeof(*res->bundles));
	if (res->bundles == NULL) {
		err_set(e, RW_EXIT_FAILURE, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < t->n_bundles; i++)
		sync_bundle(&j, i, &res->bundles[res->n_bundles++]);
	if (!o->dry_run) {
		/* A change made now runs every hook; otherwise what an earlier run left pending
		 * runs, whatever else happened to the bundle in this run. */
		for (size_t i = 0; i < t->n_bundles; i++)
			if (res->bundles[i].status == SYNC_BUNDLE_UPDATED)
				sync_events_run(&j, i, &res->bundles[i]);
			else
				sync_events_pending(&j, i, &res->bundles[i]);
		sync_events_rotation(&j);
		sync_catalog_events(&j);
	}
	keep_key_sets(&j);
	run_checks(&j);
	res->status = final_status(res);
	crashpoint("sync-before-counters");
	keep_counters(&j);
	keep_verdicts(&j);
	res->status = final_status(res);
	rc = res->status;
out:
	res->seconds = monotonic_seconds() - t0;
	fetch_session_free(j.fs);
	targets_free(t);
	store_free(j.st);
	lock_release(lk);
	return rc;
}
