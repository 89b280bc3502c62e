/*
 * sync_catalog.c - sync's catalog step: the signed catalog channel (config "catalog"; the
 * verdicts are catalog_update.h's). Before the targets are built: a conditional GET of the
 * archive (a 304 ends it), its signature (URL + ".sig"), catalog_update_check(), and on
 * "accepted" (and when the configuration builds with it: else refused as "error") the unpacked
 * catalog put in place as STATE/catalog/current (store.h), the record
 * STATE/catalog/accepted.json written, and catalog-updated raised to hooks_dir's hooks. Any other
 * verdict quarantines the archive and its signature, keeps the last good catalog and makes the
 * run degraded. The targets are then built from whichever catalog is newest (target.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "catalog_update.h"
#include "date.h"
#include "sync_internal.h"

static void set_reason(struct sync_catalog_result *cr, const char *msg)
{
	free(cr->reason);
	cr->reason = sync_strdup(msg);
}

/* The refused archive, kept as STATE/quarantine/SHA256.der with a report of the verdict (the
 * signature text goes into the report). */
static void quarantine(struct job *j, struct sync_catalog_result *cr, const struct fetch_result *a,
                       const struct fetch_result *s, const char *why)
{
	unsigned char d[32];
	char sha[CERT_HEX_LEN + 1];
	json_t *rep;
	struct rw_err e = {{0}, 0};

	if (j->o->dry_run || gnutls_hash_fast(GNUTLS_DIG_SHA256, a->body.data, a->body.len, d) < 0)
		return;
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(sha + 2 * i, 3, "%02X", d[i]);
	rep = json_pack("{s:s, s:s, s:s, s:s%}", "catalog", cr->url, "verdict",
	                catalog_update_verdict_name(cr->verdict), "reason", why, "signature",
	                s->body.data ? s->body.data : "", s->body.data ? s->body.len : 0);
	if (rep && store_quarantine(j->st, sha, a->body.data, a->body.len, rep, &e) < 0)
		sync_problem(j->res, "catalog %s: could not be quarantined: %s", cr->url, e.msg);
	json_decref(rep);
}

void sync_catalog(struct job *j, long long shipped_version)
{
	const struct config *cfg = j->cfg;
	const struct config_fetch *cf = &cfg->fetch;
	struct sync_catalog_result *cr = &j->res->catalog;
	struct fetch_opts fo = {cf->connect_timeout_s,
	                        cf->total_timeout_s,
	                        CATALOG_ARCHIVE_MAX + 1,
	                        cf->retries,
	                        cf->backoff_ms,
	                        cf->ca_file,
	                        NULL,
	                        NULL};
	struct fetch_result a = {0}, s = {0};
	struct catalog_update_result res = {0};
	struct catalog_accepted last = {0, ""};
	json_t *acc = NULL;
	struct rw_err e = {{0}, 0};
	char *sig_url = NULL, *work = NULL;
	int st, work_is_tmp = 0;

	cr->configured = 1;
	cr->url = sync_strdup(cfg->catalog.url);
	if (store_json_get(j->st, "catalog", "accepted", &acc, NULL) == 0 && acc != NULL) {
		long long v = 0;

		store_int_field(acc, "version", 0, INT64_MAX, 0, &v);
		last.version = v;
		snprintf(last.sha256, sizeof(last.sha256), "%s",
		         json_string_value(json_object_get(acc, "sha256"))
		                 ? json_string_value(json_object_get(acc, "sha256"))
		                 : "");
		fo.etag = json_string_value(json_object_get(acc, "etag"));
		fo.last_modified = json_string_value(json_object_get(acc, "last_modified"));
	}
	cr->verdict = CATALOG_UPDATE_SAME;
	st = fetch_url_in(j->fs, cfg->catalog.url, &fo, &a, &e);
	j->res->bytes += a.bytes;
	if (st == FETCH_NOT_MODIFIED && (fo.etag || fo.last_modified))
		goto out; /* what was accepted last is still what is published */
	if (st != FETCH_OK) {
		cr->fetch_failed = 1;
		set_reason(cr, e.msg[0] ? e.msg : "fetch failed");
		goto out;
	}
	fo.etag = fo.last_modified = NULL;
	fo.max_bytes = CATALOG_SIG_MAX;
	if (asprintf(&sig_url, "%s.sig", cfg->catalog.url) < 0 ||
	    (work = store_catalog_dir(j->st, "")) == NULL) {
		set_reason(cr, "out of memory");
		goto out;
	}
	memset(&e, 0, sizeof(e));
	st = fetch_url_in(j->fs, sig_url, &fo, &s, &e);
	j->res->bytes += s.bytes;
	if (st != FETCH_OK) {
		cr->fetch_failed = 1;
		set_reason(cr, e.msg[0] ? e.msg : "fetch failed");
		goto out;
	}
	memset(&e, 0, sizeof(e));
	cr->verdict = catalog_update_check(
	        (const unsigned char *)a.body.data, a.body.len, (const unsigned char *)s.body.data,
	        s.body.len, (const char *const *)cfg->catalog.keys, cfg->catalog.n_keys,
	        shipped_version, &last, work, cfg->catalog.url, &res, &e);
	cr->version = res.version;
	if (cr->verdict == CATALOG_UPDATE_SAME)
		goto out;
	if (cr->verdict != CATALOG_UPDATE_ACCEPTED) {
		set_reason(cr, e.msg);
		quarantine(j, cr, &a, &s, e.msg);
		goto out;
	}
	/* A catalog this configuration cannot be built with (a profile or root id it names is
	 * gone from it) is not put in place: every later run would stop at the configuration
	 * (exit 3), --offline too, until the publisher shipped another. Refused for this host: the
	 * catalog in use stays and the run is degraded until the configuration or the catalog
	 * changes. */
	{
		struct targets *nt = NULL;
		char why[sizeof(e.msg) + 160];

		memset(&e, 0, sizeof(e));
		if (targets_build(cfg, res.dir, &nt, &e) < 0) {
			snprintf(why, sizeof(why),
			         "catalog_version %lld is signed and newer, but the configuration "
			         "cannot use it: %s",
			         res.version, e.msg);
			cr->verdict = CATALOG_UPDATE_ERROR;
			set_reason(cr, why);
			quarantine(j, cr, &a, &s, why);
			catalog_update_discard(res.dir);
			goto out;
		}
		targets_free(nt);
	}
	if (j->o->dry_run) {
		catalog_update_discard(res.dir);
		goto out;
	}
	{
		char ver[32];
		json_t *doc, *env;

		/* catalog-updated is recorded before the catalog is put in place: a run that dies
		 * in between leaves the event for the next one */
		snprintf(ver, sizeof(ver), "%lld", res.version);
		doc = json_pack("{s:s, s:I, s:s, s:s, s:s}", "event", HOOK_EVENT_CATALOG_UPDATED,
		                "version", (json_int_t)res.version, "sha256", res.sha256, "source",
		                cfg->catalog.url, "signer_spki", res.signer_spki);
		env = json_pack("{s:s, s:s}", "ROOTWARDEN_CATALOG_VERSION", ver,
		                "ROOTWARDEN_CATALOG_SOURCE", cfg->catalog.url);
		memset(&e, 0, sizeof(e));
		if (doc == NULL || env == NULL ||
		    sync_events_global_record(j, "catalog", env, doc, &e) < 0) {
			json_decref(doc);
			json_decref(env);
			cr->verdict = CATALOG_UPDATE_ERROR;
			set_reason(cr, e.msg[0] ? e.msg : "out of memory");
			catalog_update_discard(res.dir);
			goto out;
		}
		json_decref(doc);
		json_decref(env);
	}
	memset(&e, 0, sizeof(e));
	if (store_catalog_install(j->st, res.dir, &e) < 0) {
		cr->verdict = CATALOG_UPDATE_ERROR;
		set_reason(cr, e.msg);
		catalog_update_discard(res.dir);
		goto out;
	}
	{
		char t[11];
		json_t *rec;

		date_format(date_today(), t);
		rec = json_pack("{s:I, s:s, s:s, s:s}", "version", (json_int_t)res.version,
		                "sha256", res.sha256, "source", cfg->catalog.url, "accepted", t);
		if (rec && a.etag)
			json_object_set_new(rec, "etag", json_string(a.etag));
		if (rec && a.last_modified)
			json_object_set_new(rec, "last_modified", json_string(a.last_modified));
		if (rec == NULL || store_json_put(j->st, "catalog", "accepted", rec, &e) < 0)
			sync_problem(j->res,
			             "catalog %s: accepted, but its record was not written: %s",
			             cfg->catalog.url, e.msg);
		else
			j->res->files_written++;
		json_decref(rec);
		cr->updated = 1;
	}
out:
	free(res.dir);
	res.dir = NULL;
	catalog_update_result_free(&res);
	json_decref(acc);
	fetch_result_free(&a);
	fetch_result_free(&s);
	free(sig_url);
	if (work_is_tmp)
		rmdir(work);
	free(work);
}

/* catalog-updated: whatever is pending (recorded before the install, by this run or one that
 * died), also offline. */
void sync_catalog_events(struct job *j)
{
	struct sync_catalog_result *cr = &j->res->catalog;

	if (j->cfg->catalog.url == NULL || j->o->dry_run)
		return;
	sync_events_global(j, "catalog", HOOK_EVENT_CATALOG_UPDATED, &cr->hooks, &cr->n_hooks);
}

int sync_catalog_problem(const struct sync_catalog_result *c)
{
	return c->configured && (c->fetch_failed || (c->verdict != CATALOG_UPDATE_ACCEPTED &&
	                                             c->verdict != CATALOG_UPDATE_SAME));
}
