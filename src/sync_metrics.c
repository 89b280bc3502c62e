#include "sync_metrics.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "date.h"
#include "metrics.h"

int sync_metrics_write(const struct sync_result *res, const char *path, struct rw_err *e)
{
	struct metrics *m = metrics_new();
	int rc = -1, quarantined = 0;
	double last;

	if (m == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
	for (size_t i = 0; i < res->n_bundles; i++) {
		const struct sync_bundle_result *b = &res->bundles[i];

		for (size_t k = 0; k < b->roots.n; k++) {
			const struct rootref *r = &b->roots.v[k];

			/* the catalog id, as rootwarden_fetch_failures_total uses; an included
			 * certificate has none and goes by its name */
			if (metrics_add(m, e, M_ROOT_NOT_AFTER, (double)r->not_after, "root",
			                r->id ? r->id : r->name, "bundle", b->name, NULL) < 0)
				goto out;
		}
		if (metrics_add(m, e, M_BUNDLE_ROOTS, (double)b->roots.n, "bundle", b->name, NULL) <
		    0)
			goto out;
		if (b->last_change &&
		    metrics_add(m, e, M_BUNDLE_LAST_CHANGE, (double)b->last_change, "bundle",
		                b->name, NULL) < 0)
			goto out;
	}
	last = (double)res->last_success;
	if (last > 0 && metrics_add(m, e, M_SYNC_LAST_SUCCESS, last, NULL) < 0)
		goto out;
	for (size_t i = 0; i < res->n_roots; i++) {
		quarantined += res->roots[i].status == SYNC_ROOT_QUARANTINED;
		if (metrics_add(m, e, M_FETCH_FAILURES, (double)res->roots[i].failures_total,
		                "root", res->roots[i].id, NULL) < 0)
			goto out;
	}
	if (metrics_add(m, e, M_QUARANTINED, quarantined, NULL) < 0)
		goto out;
	/* the last run's outcome: a degraded run is not a success */
	if (metrics_add(m, e, M_SYNC_STATUS, res->status, NULL) < 0)
		goto out;
	if (metrics_add(m, e, M_CATALOG_VERSION, (double)res->catalog.in_use_version, "source",
	                res->catalog.in_use_from_channel ? "channel" : "shipped", NULL) < 0)
		goto out;
	if (res->catalog.in_use_date >= 0 &&
	    metrics_add(m, e, M_CATALOG_AGE, (double)(date_today() - res->catalog.in_use_date),
	                NULL) < 0)
		goto out;
	if (res->catalog.configured &&
	    metrics_add(m, e, M_CATALOG_UPDATE_OK, !sync_catalog_problem(&res->catalog), NULL) < 0)
		goto out;
	for (size_t i = 0; i < res->n_jwks; i++)
		if (jwks_change_metrics(m, res->jwks[i].name, &res->jwks[i].change, e) < 0)
			goto out;
	for (size_t i = 0; i < res->n_checks; i++)
		if (metrics_add(m, e, M_CHECK_STATUS, res->checks[i].status, "check",
		                res->checks[i].kind, "target", res->checks[i].name, NULL) < 0)
			goto out;
	if (metrics_write(m, path, NULL, e) == SAVE_ERROR)
		goto out;
	rc = 0;
out:
	/* every message names the metrics file once */
	if (rc < 0 && e && strncmp(e->msg, path, strlen(path)) != 0)
		err_prefix(e, path);
	metrics_free(m);
	return rc;
}

int sync_metrics_write_status(int status, const char *path, struct rw_err *e)
{
	struct metrics *m = metrics_new();
	int rc;

	if (m == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
	rc = metrics_add(m, e, M_SYNC_STATUS, status, NULL) < 0 ||
	                     metrics_write_over(m, path, NULL, e) == SAVE_ERROR
	             ? -1
	             : 0;
	if (rc < 0 && e && strncmp(e->msg, path, strlen(path)) != 0)
		err_prefix(e, path); /* as above: the message names the file once */
	metrics_free(m);
	return rc;
}
