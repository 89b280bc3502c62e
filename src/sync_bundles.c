/* sync_bundles.c - sync's bundle step: select, emit, save, and what changed (sync_internal.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "crashpoint.h"
#include "date.h"
#include "emit.h"
#include "strv.h"
#include "sync_internal.h"
#include "tempfile.h"

static void set_reason(struct sync_bundle_result *br, const char *why)
{
	free(br->reason);
	br->reason = sync_strdup(why);
	br->status = SYNC_BUNDLE_FAILED;
}

/* What the bundle held before: its state record, else the file on disk (PEM), else nothing.
 * Returns 1 when known. */
static int previous_roots(struct job *j, const struct target_bundle *tb,
                          struct sync_bundle_result *br, struct rootrefs *old)
{
	json_t *doc = NULL, *arr, *it;
	int known = 0;
	size_t i;

	memset(old, 0, sizeof(*old));
	if (j->st && store_json_get(j->st, "bundles", tb->name, &doc, NULL) == 0 && doc &&
	    json_is_string(json_object_get(doc, "path")) &&
	    strcmp(json_string_value(json_object_get(doc, "path")), tb->path) == 0 &&
	    json_is_array(arr = json_object_get(doc, "roots"))) {
		const char *t = json_string_value(json_object_get(doc, "changed"));
		struct tm tm = {0};

		json_array_foreach(arr, i, it)
		{
			struct rootref r;

			rootref_from_json(&r, it);
			rootrefs_push(old, &r);
			rootref_clear(&r);
		}
		if (t && strptime(t, "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL)
			br->last_change = timegm(&tm);
		known = 1;
	} else if (access(tb->path, F_OK) == 0) {
		struct certlist l = {0};
		struct emit_opts eo;

		emit_opts_init(&eo);
		eo.password = tb->password;
		if (tb->format->read(tb->path, &eo, &l, NULL) == 0) {
			for (i = 0; i < l.n; i++) {
				struct rootref r;

				if (rootref_from_cert(&r, l.v[i], NULL, -1) == 0) {
					rootrefs_push(old, &r);
					rootref_clear(&r);
				}
			}
			known = 1;
		}
		certlist_free(&l);
	}
	json_decref(doc);
	return known;
}

static void save_state(struct job *j, const struct target_bundle *tb, struct sync_bundle_result *br)
{
	json_t *doc = json_object();
	char t[21];
	struct rw_err e = {{0}, 0};

	json_object_set_new(doc, "bundle", json_string(tb->name));
	json_object_set_new(doc, "path", json_string(tb->path));
	json_object_set_new(doc, "format", json_string(tb->format->name));
	json_object_set_new(doc, "roots", rootrefs_json(&br->roots));
	time_format(br->last_change, t);
	json_object_set_new(doc, "changed", json_string(t));
	if (store_json_put(j->st, "bundles", tb->name, doc, &e) == 0)
		j->res->files_written++;
	else /* the next run would see a change it already made */
		sync_problem(j->res, "bundle %s: its state was not recorded: %s", tb->name, e.msg);
	json_decref(doc);
}

struct commit_ctx {
	struct job *j;
	size_t bi;
	struct sync_bundle_result *br;
	int recorded;     /* the change's record was written */
	json_t *previous; /* the record it replaced (a change of an earlier run), or NULL */
};

static int before_commit(void *arg, const char *target, struct rw_err *e)
{
	struct commit_ctx *c = arg;

	(void)target;
	if (store_json_get(c->j->st, "hooks", c->j->t->bundles[c->bi].name, &c->previous, NULL) < 0)
		c->previous = NULL;
	if (sync_events_record(c->j, c->bi, c->br, e) < 0)
		return -1;
	c->recorded = 1;
	return 0;
}

/* The rename failed after the record was written: the change was never made, so the record goes
 * back to what it was (an earlier run's pending hooks, or none). */
static void unrecord(struct commit_ctx *c)
{
	const char *name = c->j->t->bundles[c->bi].name;
	struct rw_err e = {{0}, 0};
	int rc = c->previous ? store_json_put(c->j->st, "hooks", name, c->previous, &e)
	                     : store_json_remove(c->j->st, "hooks", name, &e);

	if (rc < 0)
		sync_problem(c->j->res, "%s: the record of a change that was not made stays: %s",
		             name, e.msg);
}

static int write_bundle(struct job *j, size_t bi, struct sync_bundle_result *br,
                        const struct bundle *b, struct rw_err *e)
{
	const struct target_bundle *tb = &j->t->bundles[bi];
	struct commit_ctx cc = {j, bi, br, 0, NULL};
	struct emit_opts eo;
	int r, committed = 0;

	emit_opts_init(&eo);
	eo.save = tb->save;
	eo.save.before_commit = before_commit;
	eo.save.commit_arg = &cc;
	eo.save.committed = &committed;
	eo.password = tb->password;
	r = emit_write(tb->format, b, tb->path, &eo, e);
	if (r == SAVE_ERROR && cc.recorded && !committed)
		unrecord(&cc);
	json_decref(cc.previous);
	return r;
}

void sync_bundle(struct job *j, size_t bi, struct sync_bundle_result *br)
{
	const struct target_bundle *tb = &j->t->bundles[bi];
	const struct catalog *cat = j->t->cat;
	struct bundle_spec spec;
	struct bundle b = {0};
	struct rootrefs old = {0};
	struct rw_err e = {{0}, 0};
	int known, r;

	br->name = sync_strdup(tb->name);
	br->path = sync_strdup(tb->given_path);
	br->format = sync_strdup(tb->format->name);
	targets_bundle_spec(j->t, bi, date_today(), &spec);
	if (bundle_build(cat, &spec, &b, &e) < 0) {
		set_reason(br, e.msg);
		goto out;
	}
	br->n_unavailable = b.n_unavailable;
	for (size_t i = 0; i < b.n_notes; i++)
		(void)strv_addf(&br->notes, &br->n_notes, "%s", b.notes[i]);
	for (size_t i = 0; i < b.certs.n; i++) {
		struct rootref rr;

		if (rootref_from_cert(&rr, b.certs.v[i], cat,
		                      catalog_root_by_sha256(cat, b.certs.v[i]->sha256)) < 0 ||
		    rootrefs_push(&br->roots, &rr) < 0) {
			rootref_clear(&rr);
			set_reason(br, "out of memory");
			goto out;
		}
		rootref_clear(&rr);
	}
	known = previous_roots(j, tb, br, &old);
	for (size_t i = 0; i < br->roots.n; i++)
		if (!rootrefs_has(&old, br->roots.v[i].sha256))
			rootrefs_push(&br->added, &br->roots.v[i]);
	for (size_t i = 0; i < old.n; i++)
		if (!rootrefs_has(&br->roots, old.v[i].sha256))
			rootrefs_push(&br->removed, &old.v[i]);
	if (j->o->dry_run) {
		br->status = (access(tb->path, F_OK) != 0 || br->added.n || br->removed.n)
		                     ? SYNC_BUNDLE_UPDATED
		                     : SYNC_BUNDLE_UNCHANGED;
		goto out;
	}
	/* our own temps left beside it by a run that was killed (SIGKILL cannot be caught) */
	if (tempfile_sweep_beside(tb->path, j->res->started, NULL, &e) < 0)
		(void)strv_addf(&br->notes, &br->n_notes, "%s", e.msg);
	memset(&e, 0, sizeof(e));
	r = write_bundle(j, bi, br, &b, &e);
	if (r == SAVE_ERROR) {
		set_reason(br, e.msg);
		goto out;
	}
	br->status = r == SAVE_WRITTEN ? SYNC_BUNDLE_UPDATED : SYNC_BUNDLE_UNCHANGED;
	if (r == SAVE_WRITTEN) {
		j->res->files_written++;
		br->last_change = time(NULL);
	}
	if (r == SAVE_WRITTEN || !known || br->added.n || br->removed.n) {
		if (br->last_change == 0)
			br->last_change = time(NULL);
		save_state(j, tb, br);
	}
	if (r == SAVE_WRITTEN)
		crashpoint("sync-after-state");
out:
	rootrefs_free(&old);
	bundle_free(&b);
}
