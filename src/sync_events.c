/*
 * sync_events.c - sync's events: one typed change record per bundle, the hooks it makes due, and
 * rotation-upcoming (sync_internal.h).
 *
 * The write-ahead record STATE/hooks/NAME.json holds the change (the hook document, the added
 * and removed SHA-256 lists) and "pending": the ids of the hooks that have not yet succeeded for
 * it. It is written (fsync'd, through store.h and save.h) before the rename that puts the
 * changed bundle in place, rewritten each time a hook succeeds, and removed when none is left.
 * So a run that dies anywhere leaves every due hook recorded, and the next run runs exactly those
 * (each at least once; one that was running when the process died runs again). A bundle that
 * changes again before its pending hooks ran gets a new record: every hook hears of the newest
 * change (a reload picks up the file as it is). A record whose bundle is gone from the
 * configuration is left alone and reported.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crashpoint.h"
#include "date.h"
#include "hooks.h"
#include "jwks_sync.h"
#include "rotation.h"
#include "sync_internal.h"

/* The document hooks receive on stdin for a bundle change. */
static json_t *change_document(const struct target_bundle *tb, const struct sync_bundle_result *br)
{
	json_t *o = json_object();

	json_object_set_new(o, "event", json_string(HOOK_EVENT_BUNDLE_UPDATED));
	json_object_set_new(o, "bundle", json_string(tb->name));
	json_object_set_new(o, "path", json_string(tb->given_path));
	json_object_set_new(o, "format", json_string(tb->format->name));
	json_object_set_new(o, "added", rootrefs_json(&br->added));
	json_object_set_new(o, "removed", rootrefs_json(&br->removed));
	json_object_set_new(o, "roots", rootrefs_json(&br->roots));
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

/* Where a run's hook results go: a bundle's, or a key set's. */
struct hook_sink {
	struct sync_hook_result **v;
	size_t *n;
};

static struct sync_hook_result *add_hook_result(struct hook_sink *out)
{
	struct sync_hook_result *nh = realloc(*out->v, (*out->n + 1) * sizeof(*nh));

	if (nh == NULL)
		return NULL;
	*out->v = nh;
	memset(&nh[*out->n], 0, sizeof(*nh));
	return &nh[(*out->n)++];
}

/* The ids of the hooks of bundle bi (refused ones included: they are due too, and fail). A hooks
 * directory that cannot be read is one pseudo-hook named by the directory. */
static json_t *hook_ids(struct job *j, const struct config_hook *own, size_t n_own)
{
	json_t *ids = json_array();
	struct hooklist hl = {0};

	if (hooks_collect(own, n_own, j->cfg->hooks_dir, &hl, NULL) < 0) {
		json_array_append_new(ids, json_string(j->cfg->hooks_dir));
	} else {
		for (size_t i = 0; i < hl.n; i++)
			json_array_append_new(ids, json_string(hl.v[i].id));
	}
	hooklist_free(&hl);
	return ids;
}

static int put_record(struct job *j, const char *name, json_t *rec, struct rw_err *e)
{
	if (json_array_size(json_object_get(rec, "pending")) == 0)
		return store_json_remove(j->st, "hooks", name, e);
	if (store_json_put(j->st, "hooks", name, rec, e) < 0)
		return -1;
	j->res->files_written++;
	return 0;
}

int sync_events_record(struct job *j, size_t bi, struct sync_bundle_result *br, struct rw_err *e)
{
	const struct target_bundle *tb = &j->t->bundles[bi];
	json_t *rec = json_object();
	char *a = rootrefs_sha_list(&br->added), *r = rootrefs_sha_list(&br->removed), t[21];
	int rc;

	time_format(time(NULL), t);
	json_object_set_new(rec, "bundle", json_string(tb->name));
	json_object_set_new(rec, "format", json_string(tb->format->name));
	json_object_set_new(rec, "added_sha256", json_string(a ? a : ""));
	json_object_set_new(rec, "removed_sha256", json_string(r ? r : ""));
	json_object_set_new(rec, "changed", json_string(t));
	json_object_set_new(rec, "document", change_document(tb, br));
	json_object_set_new(rec, "pending", hook_ids(j, tb->hooks, tb->n_hooks));
	rc = put_record(j, tb->name, rec, e);
	crashpoint("sync-after-record");
	if (rc < 0)
		err_prefix(e, "its hooks could not be recorded, so the bundle was not replaced");
	free(a);
	free(r);
	json_decref(rec);
	return rc;
}

static void strike(void *arg, const char *id);
static void repend(void *arg, json_t *ids);

/* Runs the hooks of one bundle for one event; only those listed in 'only' unless it is NULL.
 * Each result goes into out (tagged with 'tag' unless NULL); after each success, strike(arg, id)
 * is called (arg: a struct strike_ctx, or NULL for none). A pending id that names no hook of
 * today's configuration (the hook's argv was edited, or it was removed, or a hooks_dir that was
 * refused is now readable) cannot be matched: then every hook runs, and the record is reset to
 * all of them, so that nothing due is skipped for ever. */
static void run_hooks(struct job *j, const struct config_hook *own, size_t n_own,
                      struct hook_sink *out, const struct hook_event *ev, json_t *only, int retry,
                      const char *tag, void *arg, int *all_ok)
{
	struct hooklist hl = {0};
	struct rw_err e = {{0}, 0};
	size_t i;
	json_t *it;

	*all_ok = 1;
	if (hooks_collect(own, n_own, j->cfg->hooks_dir, &hl, &e) < 0) {
		struct sync_hook_result *sh = add_hook_result(out);

		if (sh) {
			sh->id = sync_strdup(j->cfg->hooks_dir);
			sh->event = tag ? sync_strdup(tag) : NULL;
			sh->reason = sync_strdup(e.msg);
			sh->status = -1;
			sh->refused = 1;
		}
		*all_ok = 0;
		goto out;
	}
	json_array_foreach(only, i, it)
	{
		int known = 0;

		for (size_t k = 0; k < hl.n && !known; k++)
			known = json_is_string(it) &&
			        strcmp(json_string_value(it), hl.v[k].id) == 0;
		if (!known) {
			json_t *ids = json_array();

			for (size_t k = 0; k < hl.n; k++)
				json_array_append_new(ids, json_string(hl.v[k].id));
			if (arg)
				repend(arg, ids);
			json_decref(ids);
			only = NULL;
			break;
		}
	}
	for (i = 0; i < hl.n; i++) {
		const struct hook *h = &hl.v[i];
		struct hook_result hr;
		struct sync_hook_result *sh;

		if (only && !in_list(only, h->id))
			continue;
		if ((sh = add_hook_result(out)) == NULL) {
			*all_ok = 0;
			break;
		}
		hook_run(h, ev, j->cfg->hook_timeout_s, &hr);
		if (hr.ran)
			j->res->hooks_run++;
		sh->id = sync_strdup(h->id);
		sh->event = tag ? sync_strdup(tag) : NULL;
		sh->ok = hr.status == 0;
		sh->retry = retry;
		sh->timed_out = hr.timed_out;
		sh->refused = h->refused != NULL || h->path == NULL;
		sh->status = hr.status;
		sh->reason = sync_strdup(hr.reason);
		sh->output = hr.output.len ? sync_strdup(hr.output.data) : NULL;
		sh->left_behind = sync_strdup(hr.left_behind);
		if (sh->ok && arg)
			strike(arg, h->id);
		else if (!sh->ok)
			*all_ok = 0;
		hook_result_free(&hr);
	}
out:
	hooklist_free(&hl);
}

struct strike_ctx {
	struct job *j;
	const char *name;
	json_t *rec;
};

/* A hook succeeded: it is no longer pending; the record says so before the next hook runs. */
static void strike(void *arg, const char *id)
{
	struct strike_ctx *c = arg;
	json_t *pending = json_object_get(c->rec, "pending"), *it;
	struct rw_err e = {{0}, 0};
	size_t i;

	json_array_foreach(pending, i, it)
	{
		if (json_is_string(it) && strcmp(json_string_value(it), id) == 0) {
			json_array_remove(pending, i);
			break;
		}
	}
	if (put_record(c->j, c->name, c->rec, &e) < 0) {
		sync_problem(c->j->res,
		             "bundle %s: hook %s ran, but the record of it was not updated "
		             "(it runs again next time): %s",
		             c->name, id, e.msg);
		return;
	}
	crashpoint("sync-after-strike");
}

/* The record's pending hooks become ids (every current hook). */
static void repend(void *arg, json_t *ids)
{
	struct strike_ctx *c = arg;
	struct rw_err e = {{0}, 0};

	json_object_set(c->rec, "pending", ids);
	if (put_record(c->j, c->name, c->rec, &e) < 0)
		sync_problem(c->j->res, "%s: the hooks still due could not be recorded: %s",
		             c->name, e.msg);
}

/* The change's hooks from its record; retry: a record left by an earlier run. */
static void run_record(struct job *j, const struct target_bundle *tb, struct sync_bundle_result *br,
                       json_t *rec, int retry)
{
	const char *fmt = json_string_value(json_object_get(rec, "format"));
	const char *added = json_string_value(json_object_get(rec, "added_sha256"));
	const char *removed = json_string_value(json_object_get(rec, "removed_sha256"));
	char *input = json_dumps(json_object_get(rec, "document"), JSON_COMPACT | JSON_SORT_KEYS);
	struct hook_env env[] = {
	        {"ROOTWARDEN_BUNDLE", tb->name},
	        {"ROOTWARDEN_BUNDLE_PATH", tb->given_path},
	        {"ROOTWARDEN_FORMAT", fmt ? fmt : tb->format->name},
	        {"ROOTWARDEN_ADDED", added ? added : ""},
	        {"ROOTWARDEN_REMOVED", removed ? removed : ""},
	};
	struct hook_event ev = {HOOK_EVENT_BUNDLE_UPDATED, env, sizeof(env) / sizeof(env[0]),
	                        input ? input : "{}"};
	struct strike_ctx sc = {j, tb->name, rec};
	struct hook_sink sink = {&br->hooks, &br->n_hooks};
	json_t *only = json_object_get(rec, "pending");
	int ok;

	if (!json_is_array(only)) /* a record of 0.1: the hooks that failed */
		only = json_object_get(rec, "failed");
	if (!json_is_array(only) || json_array_size(only) == 0) {
		free(input);
		return;
	}
	only = json_deep_copy(only);
	if (json_object_get(rec, "pending") == NULL) /* struck in the record, not in 'only' */
		json_object_set_new(rec, "pending", json_deep_copy(only));
	run_hooks(j, tb->hooks, tb->n_hooks, &sink, &ev, only, retry, NULL, &sc, &ok);
	json_decref(only);
	free(input);
}

void sync_events_pending(struct job *j, size_t bi, struct sync_bundle_result *br)
{
	const struct target_bundle *tb = &j->t->bundles[bi];
	json_t *rec = NULL;
	struct rw_err e = {{0}, 0};

	if (store_json_get(j->st, "hooks", tb->name, &rec, &e) < 0) {
		sync_problem(j->res, "bundle %s: its pending hooks cannot be read: %s", tb->name,
		             e.msg);
		return;
	}
	if (rec != NULL)
		run_record(j, tb, br, rec, 1);
	json_decref(rec);
}

void sync_events_run(struct job *j, size_t bi, struct sync_bundle_result *br)
{
	const struct target_bundle *tb = &j->t->bundles[bi];
	json_t *rec = NULL;
	struct rw_err e = {{0}, 0};

	if (store_json_get(j->st, "hooks", tb->name, &rec, &e) < 0) {
		sync_problem(j->res, "bundle %s: changed, but its hook record cannot be read: %s",
		             tb->name, e.msg);
		return;
	}
	if (rec != NULL) /* none: the bundle has no hooks */
		run_record(j, tb, br, rec, 0);
	json_decref(rec);
}

/* ---- rotation-upcoming ----------------------------------------------------------------------- */

static char *root_sha_list(const struct catalog *cat, const struct rotation_roots *r)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < r->n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", cat->roots[r->v[i]].sha256);
	return buf_steal(&b, NULL);
}

/* Announces every coming change of every bundle once, warn_days ahead. */
void sync_events_rotation(struct job *j)
{
	const struct catalog *cat = j->t->cat;
	struct rotation_target *t = calloc(j->t->n_bundles + 1, sizeof(*t));
	struct rotation_events ev = {0};
	struct rotation_opts o;
	struct rw_err e = {{0}, 0};

	if (t == NULL)
		return;
	for (size_t i = 0; i < j->t->n_bundles; i++)
		targets_rotation_target(j->t, i, &t[i]);
	targets_rotation_opts(j->t, &o);
	if (rotation_due_events(cat, t, j->t->n_bundles, &o, j->st, &ev, &e) < 0) {
		sync_problem(j->res, "%s (rotation-upcoming not raised)", e.msg);
		goto out;
	}
	for (size_t k = 0; k < ev.n; k++) {
		size_t bi = (size_t)(ev.v[k].target - t);
		const struct target_bundle *tb = &j->t->bundles[bi];
		json_t *doc = rotation_event_json(cat, &ev.v[k]);
		char *input = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		char *added = root_sha_list(cat, &ev.v[k].change.added);
		char *removed = root_sha_list(cat, &ev.v[k].change.removed);
		char day[11], days[24], tag[64];
		struct hook_env env[] = {
		        {"ROOTWARDEN_BUNDLE", tb->name},
		        {"ROOTWARDEN_BUNDLE_PATH", tb->given_path},
		        {"ROOTWARDEN_FORMAT", tb->format->name},
		        {"ROOTWARDEN_ADDED", added ? added : ""},
		        {"ROOTWARDEN_REMOVED", removed ? removed : ""},
		        {"ROOTWARDEN_CHANGE_DATE", day},
		        {"ROOTWARDEN_DAYS", days},
		};
		struct hook_event hev = {HOOK_EVENT_ROTATION_UPCOMING, env,
		                         sizeof(env) / sizeof(env[0]), input ? input : "{}"};
		struct hook_sink sink = {&j->res->bundles[bi].hooks, &j->res->bundles[bi].n_hooks};
		int ok;

		date_format(ev.v[k].change.day, day);
		snprintf(days, sizeof(days), "%ld", ev.v[k].days);
		snprintf(tag, sizeof(tag), "%s %s", HOOK_EVENT_ROTATION_UPCOMING, day);

		run_hooks(j, tb->hooks, tb->n_hooks, &sink, &hev, NULL, 0, tag, NULL, &ok);
		/* Recorded only when every hook took it: a failed one hears of it again next run.
		 */
		if (ok && rotation_mark_announced(j->st, &ev.v[k], &o, &e) < 0)
			sync_problem(j->res, "%s", e.msg);
		else if (ok)
			j->res->files_written++;
		json_decref(doc);
		free(input);
		free(added);
		free(removed);
	}
out:
	rotation_events_free(&ev);
	free(t);
}

/* ---- events that belong to no bundle (hooks_dir's hooks) ----------------------------------- */

/* A record STATE/hooks/@NAME.json ('@' keeps it apart from bundle names) holds the event's
 * document, its two list variables and the hooks still pending. Written before the hooks run,
 * struck hook by hook, like a bundle's; a run that finds one pending runs what is left. */
static void run_global_record(struct job *j, const char *rname, const char *event,
                              struct hook_sink *sink, json_t *rec, int retry)
{
	json_t *envs = json_object_get(rec, "env"), *only;
	char *input = json_dumps(json_object_get(rec, "document"), JSON_COMPACT | JSON_SORT_KEYS);
	struct hook_env env[8];
	struct hook_event ev = {event, env, 0, input ? input : "{}"};
	struct strike_ctx sc = {j, rname, rec};
	const char *k;
	json_t *v;
	int ok;

	json_object_foreach(envs, k, v)
	{
		if (ev.n_env < sizeof(env) / sizeof(env[0]) && json_is_string(v))
			env[ev.n_env++] = (struct hook_env){k, json_string_value(v)};
	}
	only = json_deep_copy(json_object_get(rec, "pending"));
	if (json_array_size(only) > 0)
		run_hooks(j, NULL, 0, sink, &ev, only, retry, event, &sc, &ok);
	json_decref(only);
	free(input);
}

int sync_events_global_record(struct job *j, const char *name, json_t *env, json_t *doc,
                              struct rw_err *e)
{
	char rname[160];
	json_t *rec = json_object();
	int rc;

	if (rec == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", name);
	snprintf(rname, sizeof(rname), "@%s", name);
	json_object_set(rec, "document", doc);
	json_object_set_new(rec, "env", env ? json_incref(env) : json_object());
	json_object_set_new(rec, "pending", hook_ids(j, NULL, 0));
	json_object_set_new(rec, "run", json_integer((json_int_t)j->res->started));
	rc = put_record(j, rname, rec, e);
	json_decref(rec);
	return rc;
}

void sync_events_global(struct job *j, const char *name, const char *event,
                        struct sync_hook_result **hooks, size_t *n_hooks)
{
	char rname[160];
	struct hook_sink sink = {hooks, n_hooks};
	json_t *rec = NULL;
	struct rw_err e = {{0}, 0};

	snprintf(rname, sizeof(rname), "@%s", name);
	if (store_json_get(j->st, "hooks", rname, &rec, &e) < 0)
		sync_problem(j->res, "%s: its pending hooks cannot be read: %s", rname, e.msg);
	else if (rec != NULL)
		run_global_record(j, rname, event, &sink, rec,
		                  json_integer_value(json_object_get(rec, "run")) !=
		                          (json_int_t)j->res->started);
	json_decref(rec);
}

/* ---- signing-keys-changed ------------------------------------------------------------------- */

int sync_events_jwks_record(struct job *j, const char *name, const char *url,
                            const struct jwks_change *c, struct rw_err *e)
{
	char rname[128];
	char *a = jwks_kids_joined(c->added, c->n_added);
	char *r = jwks_kids_joined(c->removed, c->n_removed);
	json_t *doc = jwks_change_json(name, url, c);
	json_t *env = json_pack("{s:s, s:s, s:s}", "ROOTWARDEN_JWKS", name, "ROOTWARDEN_ADDED",
	                        a ? a : "", "ROOTWARDEN_REMOVED", r ? r : "");
	int rc;

	snprintf(rname, sizeof(rname), "jwks-%s", name);
	rc = doc && env ? sync_events_global_record(j, rname, env, doc, e)
	                : err_set(e, RW_EXIT_FAILURE, "%s: out of memory", url);
	if (rc < 0)
		err_prefix(e, "the key set change could not be recorded, so it was not stored");
	json_decref(doc);
	json_decref(env);
	free(a);
	free(r);
	return rc;
}

void sync_events_jwks(struct job *j, struct sync_jwks_result *jr)
{
	char name[128];

	snprintf(name, sizeof(name), "jwks-%s", jr->name);
	sync_events_global(j, name, HOOK_EVENT_SIGNING_KEYS_CHANGED, &jr->hooks, &jr->n_hooks);
}
