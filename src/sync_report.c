/* sync_report.c - a sync result: names of its statuses, its JSON document, freeing it. */
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "hooks.h"
#include "jsonout.h"
#include "strv.h"
#include "sync.h"

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

static void hooks_free(struct sync_hook_result *v, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		free(v[k].id);
		free(v[k].event);
		free(v[k].reason);
		free(v[k].output);
		free(v[k].left_behind);
	}
	free(v);
}

void sync_result_free(struct sync_result *res)
{
	free(res->catalog.url);
	free(res->catalog.reason);
	hooks_free(res->catalog.hooks, res->catalog.n_hooks);
	for (size_t i = 0; i < res->n_jwks; i++) {
		free(res->jwks[i].name);
		free(res->jwks[i].url);
		jwks_change_free(&res->jwks[i].change);
		hooks_free(res->jwks[i].hooks, res->jwks[i].n_hooks);
	}
	free(res->jwks);
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
	strv_free(res->problems, res->n_problems);
	for (size_t i = 0; i < res->n_bundles; i++) {
		struct sync_bundle_result *b = &res->bundles[i];

		free(b->name);
		free(b->path);
		free(b->format);
		free(b->reason);
		rootrefs_free(&b->roots);
		rootrefs_free(&b->added);
		rootrefs_free(&b->removed);
		hooks_free(b->hooks, b->n_hooks);
		strv_free(b->notes, b->n_notes);
	}
	free(res->bundles);
	memset(res, 0, sizeof(*res));
}

static json_t *hooks_json(const struct sync_hook_result *v, size_t n)
{
	json_t *hooks = json_array();

	for (size_t k = 0; k < n; k++) {
		const struct sync_hook_result *h = &v[k];
		json_t *jh = json_object();

		json_object_set_new(jh, "hook", json_string(h->id));
		json_object_set_new(jh, "event",
		                    json_string(h->event ? h->event : HOOK_EVENT_BUNDLE_UPDATED));
		json_object_set_new(jh, "ok", json_boolean(h->ok));
		json_object_set_new(jh, "retry", json_boolean(h->retry));
		json_object_set_new(jh, "timed_out", json_boolean(h->timed_out));
		json_object_set_new(jh, "refused", json_boolean(h->refused));
		/* a process exit status, not a rootwarden status: -1 when it did not exit */
		json_object_set_new(jh, "exit_status", json_integer(h->status));
		json_object_set_new(jh, "reason", jsonout_str(h->reason));
		json_object_set_new(jh, "output", jsonout_str(h->output));
		json_object_set_new(jh, "left_behind", jsonout_str(h->left_behind));
		json_array_append_new(hooks, jh);
	}
	return hooks;
}

json_t *sync_result_json(const struct sync_result *res)
{
	json_t *o = jsonout_new("sync"), *roots = json_array(), *bundles = json_array();

	if (o == NULL || roots == NULL || bundles == NULL) {
		json_decref(o);
		json_decref(roots);
		json_decref(bundles);
		return NULL;
	}
	jsonout_set_exit(o, res->status, NULL);
	/* Fetch records (not roots: a root is in a bundle's roots, added and removed). */
	for (size_t i = 0; i < res->n_roots; i++) {
		const struct sync_root_result *r = &res->roots[i];
		json_t *jr = json_object(), *q = json_null();

		json_object_set_new(jr, "id", json_string(r->id));
		json_object_set_new(jr, "source",
		                    json_string(r->from_config ? "config" : "catalog"));
		json_object_set_new(jr, "state", json_string(sync_root_status_name(r->status)));
		json_object_set_new(jr, "url", jsonout_str(r->url));
		json_object_set_new(jr, "reason", jsonout_str(r->reason));
		json_object_set_new(jr, "failures", json_integer(r->failures));
		json_object_set_new(jr, "failures_total", json_integer(r->failures_total));
		json_object_set_new(jr, "bytes", json_integer(r->bytes));
		json_object_set_new(jr, "have_copy", json_boolean(r->have_copy));
		if (r->status == SYNC_ROOT_QUARANTINED && r->q_sha256[0])
			/* what was served instead: a certificate, not a root of the catalog */
			q = json_pack("{s:s, s:o, s:o, s:o}", "sha256", r->q_sha256, "subject",
			              jsonout_str(r->q_subject), "issuer", jsonout_str(r->q_issuer),
			              "not_after", jsonout_time(r->q_not_after));
		json_object_set_new(jr, "quarantined", q);
		json_array_append_new(roots, jr);
	}
	for (size_t i = 0; i < res->n_bundles; i++) {
		const struct sync_bundle_result *b = &res->bundles[i];
		json_t *jb = json_object(), *a = json_array();

		json_object_set_new(jb, "name", json_string(b->name));
		json_object_set_new(jb, "path", json_string(b->path));
		json_object_set_new(jb, "format", json_string(b->format));
		json_object_set_new(jb, "state", json_string(sync_bundle_status_name(b->status)));
		json_object_set_new(jb, "reason", jsonout_str(b->reason));
		json_object_set_new(jb, "roots", rootrefs_json(&b->roots));
		json_object_set_new(jb, "added", rootrefs_json(&b->added));
		json_object_set_new(jb, "removed", rootrefs_json(&b->removed));
		json_object_set_new(jb, "unavailable_roots",
		                    json_integer((json_int_t)b->n_unavailable));
		json_object_set_new(jb, "last_change", jsonout_time(b->last_change));
		for (size_t k = 0; k < b->n_notes; k++)
			json_array_append_new(a, json_string(b->notes[k]));
		json_object_set_new(jb, "notes", a);
		json_object_set_new(jb, "hooks", hooks_json(b->hooks, b->n_hooks));
		json_array_append_new(bundles, jb);
	}
	json_object_set_new(o, "dry_run", json_boolean(res->dry_run));
	json_object_set_new(o, "offline", json_boolean(res->offline));
	json_object_set_new(o, "started", jsonout_time(res->started));
	json_object_set_new(o, "seconds", json_real(res->seconds));
	json_object_set_new(o, "bytes_fetched", json_integer(res->bytes));
	json_object_set_new(o, "files_written", json_integer(res->files_written));
	json_object_set_new(o, "hooks_run", json_integer(res->hooks_run));
	json_object_set_new(o, "fetches", roots);
	json_object_set_new(o, "bundles", bundles);
	{
		const struct sync_catalog_result *c = &res->catalog;

		json_object_set_new(o, "catalog",
		                    json_pack("{s:I, s:s, s:o, s:b, s:o, s:b, s:o, s:o}", "version",
		                              (json_int_t)c->in_use_version, "source",
		                              c->in_use_from_channel ? "channel" : "shipped",
		                              "date", jsonout_day(c->in_use_date), "updated",
		                              c->updated, "url", jsonout_str(c->url), "configured",
		                              c->configured, "reason", jsonout_str(c->reason),
		                              "hooks", hooks_json(c->hooks, c->n_hooks)));
	}
	{
		json_t *ks = json_array();

		for (size_t i = 0; i < res->n_jwks; i++) {
			const struct sync_jwks_result *jr = &res->jwks[i];
			json_t *k = jwks_change_json(jr->name, jr->url, &jr->change);

			if (k == NULL)
				continue;
			json_object_set_new(k, "state",
			                    json_string(jr->change.status == JWKS_SYNC_FAILED
			                                        ? "failed"
			                                : jr->change.status == JWKS_SYNC_UPDATED
			                                        ? "updated"
			                                        : "unchanged"));
			json_object_set_new(k, "reason", jsonout_str(jr->change.reason));
			json_object_set_new(k, "hooks", hooks_json(jr->hooks, jr->n_hooks));
			json_array_append_new(ks, k);
		}
		json_object_set_new(o, "jwks", ks);
	}
	{
		json_t *checks = json_array(), *notes = json_array();

		for (size_t i = 0; i < res->n_checks; i++) {
			json_t *jc = json_object();

			json_object_set_new(jc, "name", json_string(res->checks[i].name));
			json_object_set_new(jc, "kind", json_string(res->checks[i].kind));
			json_object_set_new(jc, "status",
			                    jsonout_check_json(res->checks[i].status));
			json_object_set_new(jc, "summary", json_string(res->checks[i].summary));
			json_array_append_new(checks, jc);
		}
		for (size_t i = 0; i < res->n_problems; i++)
			json_array_append_new(notes, json_string(res->problems[i]));
		json_object_set_new(o, "checks", checks);
		json_object_set_new(o, "problems", notes);
		json_object_set_new(o, "last_success", jsonout_time(res->last_success));
	}
	return o;
}
