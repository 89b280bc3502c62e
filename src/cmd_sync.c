/* cmd_sync.c - "rootwarden sync": the scheduled agent's front end (options, report). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "date.h"
#include "fileio.h"
#include "jsonout.h"
#include "strv.h"
#include "sync.h"
#include "sync_metrics.h"
#include "catalog_update.h"
#include "target.h"

static const char synopsis[] =
        "rootwarden sync [--config PATH | --default-config] [options]\n"
        "\n"
        "Fetches the roots that have URLs, verifies them against their pins (a mismatch is\n"
        "quarantined, never used), rebuilds every configured bundle for today, rewrites only the\n"
        "files whose bytes changed, and runs the hooks of the bundles that changed (and hooks\n"
        "still due from an earlier run). Quiet when nothing changed: one summary line.\n";

enum {
	O_CONFIG,
	O_DEFAULT,
	O_ROOTS,
	O_LOCK,
	O_DRY,
	O_OFFLINE,
	O_JSON,
	O_METRICS,
	O_VERBOSE,
	O_QUIET
};
static const struct cliopt opts[] = {
        [O_CONFIG] = {"config", 'c', "PATH",
                      "the configuration (default: " CONFIG_DEFAULT_PATH_HELP ")", 0},
        [O_DEFAULT] = {"default-config", 0, NULL,
                       "the embedded default: a bundle per catalog profile in ./out,\n"
                       "state in ./out/.state, hooks in ./out/hooks.d (no root needed)",
                       0},
        [O_ROOTS] = {"roots-dir", 0, "DIR",
                     "the catalog and shipped roots (default: roots_dir of the\n"
                     "configuration, else the installed roots)",
                     0},
        [O_LOCK] = {"lock-timeout", 0, "SEC",
                    "wait up to SEC seconds for another sync to finish (default: 0)", 0},
        [O_DRY] = {"dry-run", 'n', NULL, "fetch and plan, but write nothing and run no hook", 0},
        [O_OFFLINE] = {"offline", 0, NULL, "fetch nothing: build from the shipped and stored roots",
                       0},
        [O_JSON] = {"json", 0, NULL, "print one JSON report on standard output", 0},
        [O_METRICS] = {"metrics-file", 0, "PATH",
                       "write Prometheus metrics there (default: metrics_file of the\n"
                       "configuration); not in a dry run",
                       0},
        [O_VERBOSE] = {"verbose", 'v', NULL,
                       "print every root and bundle line even when nothing changed,\n"
                       "with each bundle's roots, their not-after and the file's SHA-256",
                       0},
        [O_QUIET] = {"quiet", 'q', NULL,
                     "print only problems: warnings and errors (a summary line only when\n"
                     "the run degraded or failed)",
                     0},
        {NULL, 0, NULL, NULL, 0},
};

static const char footer[] =
        "Exit status: 0 nothing changed, 5 a bundle was updated, 6 degraded (a fetch failed, a\n"
        "root was quarantined, a configured check did not pass or the metrics file could not\n"
        "be written; the bundles are still correct), 1 failed (a bundle or a hook failed),\n"
        "2 usage, 3 bad configuration or catalog, 4 another sync holds the lock.\n"
        "With JOURNAL_STREAM set, lines carry syslog priority prefixes (<3> <4> <6>).\n";

const struct cmd_help cmd_sync_help = {synopsis, opts, footer, NULL};

struct sync_args {
	const char *config, *roots_dir, *metrics;
	int use_default, json, verbose, quiet;
	struct sync_opts o;
};

/* Report lines with syslog priorities when stderr is the journal. */
struct out {
	int journal;
	int tty;           /* stderr is a terminal: a live progress line */
	int live;          /* a progress line is on the screen, to be cleared */
	int quiet;         /* no progress line */
	int only_problems; /* --quiet: only warnings and errors (priority <= 4) */
};

/* Fetch progress: on a terminal one live line; in the journal (or a file) one line per root once
 * the fetch phase has run for PROGRESS_AFTER_S, so that a quick daily run stays one line. */
#define PROGRESS_AFTER_S 5.0

static void progress(void *ctx, const char *root, const char *url, const char *error,
                     double seconds, size_t done, size_t total)
{
	struct out *w = ctx;

	if (w->quiet)
		return;
	if (w->tty) {
		fprintf(stderr, "\r\033[Kfetching roots: %zu/%zu done (%.1f s), last: %s%s", done,
		        total, seconds, root, error ? " failed" : "");
		w->live = done < total;
		if (!w->live)
			fputs("\r\033[K", stderr);
		return;
	}
	if (seconds < PROGRESS_AFTER_S)
		return;
	if (w->journal)
		fprintf(stderr, "<6>");
	fprintf(stderr, "fetch %zu/%zu after %.1f s: root %s from %s: %s\n", done, total, seconds,
	        root, url, error ? "failed" : "done");
}

static void line(const struct out *w, int prio, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void line(const struct out *w, int prio, const char *fmt, ...)
{
	va_list ap;

	if (w->only_problems && prio > 4)
		return;
	if (w->journal)
		fprintf(stderr, "<%d>", prio);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int parse_args(int argc, char **argv, struct sync_args *a)
{
	struct cliopt_parser p;
	char *end;
	int c, n;

	cliopt_init(&p, "sync", opts, argc, argv);
	while ((c = cliopt_next(&p)) >= 0) {
		switch (c) {
		case O_CONFIG:
			a->config = p.arg;
			break;
		case O_DEFAULT:
			a->use_default = 1;
			break;
		case O_ROOTS:
			a->roots_dir = p.arg;
			break;
		case O_LOCK:
			a->o.lock_timeout_s = strtod(p.arg, &end);
			if (*p.arg == '\0' || *end != '\0' || !isfinite(a->o.lock_timeout_s) ||
			    a->o.lock_timeout_s < 0 || a->o.lock_timeout_s > 86400)
				return cli_usage_error(
				               "sync", RW_EXIT_USAGE,
				               "--lock-timeout: '%s' is not 0..86400 seconds",
				               p.arg),
				       -1;
			break;
		case O_DRY:
			a->o.dry_run = 1;
			break;
		case O_OFFLINE:
			a->o.offline = 1;
			break;
		case O_JSON:
			a->json = 1;
			break;
		case O_METRICS:
			a->metrics = p.arg;
			break;
		case O_VERBOSE:
			a->verbose = 1;
			break;
		case O_QUIET:
			a->quiet = 1;
			break;
		}
	}
	if (c != CLIOPT_DONE)
		return -1;
	(void)cliopt_operands(&p, &n);
	if (n > 0)
		return cli_usage_error("sync", RW_EXIT_USAGE,
		                       "unexpected argument (an operand this command does not "
		                       "take; not shown, it may be a secret)"),
		       -1;
	if (a->config && a->use_default)
		return cli_usage_error("sync", RW_EXIT_USAGE,
		                       "--config and --default-config exclude each other"),
		       -1;
	return 0;
}

/* The document of a sync that could not start: the header alone (docs/json.md). */
static void print_error_json(int rc, const char *msg)
{
	json_t *j = jsonout_new("sync");

	if (j)
		jsonout_set_exit(j, rc, msg);
	if (jsonout_print(j, stdout) < 0)
		fprintf(stderr, "rootwarden: out of memory\n");
}

static void report_root(const struct out *w, const struct sync_root_result *r, int dry)
{
	char na[11];

	switch (r->status) {
	case SYNC_ROOT_SKIPPED:
		break;
	case SYNC_ROOT_UNCHANGED:
		line(w, 6, "root %s: unchanged (%s)", r->id, r->url);
		break;
	case SYNC_ROOT_UPDATED:
		line(w, 6, "root %s: updated: verified copy %s from %s", r->id,
		     dry ? "would be stored" : "stored", r->url);
		break;
	case SYNC_ROOT_QUARANTINED:
		date_format(date_of_time(r->q_not_after), na);
		line(w, 4,
		     "root %s: quarantined%s: %s served subject '%s', issuer '%s', SHA-256 %s, not "
		     "after %s: %s",
		     r->id, dry ? " (dry run: not stored)" : "", r->url,
		     r->q_subject ? r->q_subject : "?", r->q_issuer ? r->q_issuer : "?",
		     r->q_sha256, na, r->reason ? r->reason : "");
		break;
	case SYNC_ROOT_FAILED:
		line(w, 4, "root %s: failed: %s; %s", r->id, r->reason ? r->reason : "?",
		     r->have_copy ? (r->from_config ? "keeping the last verified copy"
		                                    : "keeping the shipped copy")
		                  : "no verified copy yet");
		break;
	}
}

/* Each root with its not-after date and fingerprint, then the file's SHA-256. */
static void report_contents(const struct out *w, const struct sync_bundle_result *b)
{
	char na[11], fsha[65];

	for (size_t k = 0; k < b->roots.n; k++) {
		date_format(date_of_time(b->roots.v[k].not_after), na);
		line(w, 6, "  %-46s not after %s  SHA-256 %s", b->roots.v[k].name, na,
		     b->roots.v[k].sha256);
	}
	if (file_sha256(b->path, fsha, NULL) == 0)
		line(w, 6, "  file SHA-256 %s", fsha);
}

/* A hook as its output lines name it: the file name of its command (the whole argv, with its
 * arguments, is on the hook's own result line). */
static const char *hook_name(const char *id, char *buf, size_t len)
{
	size_t n = strcspn(id, " ");
	const char *slash = memrchr(id, '/', n);
	const char *start = slash ? slash + 1 : id;

	snprintf(buf, len, "%.*s", (int)(n - (size_t)(start - id)), start);
	return buf;
}

static void report_bundle(const struct out *w, const struct sync_bundle_result *b, int dry,
                          int verbose)
{
	for (size_t k = 0; k < b->n_notes; k++)
		line(w, 6, "bundle %s: note: %s", b->name, b->notes[k]);
	if (b->n_unavailable)
		line(w, 4, "bundle %s: %zu configured root%s left out: no verified copy yet",
		     b->name, b->n_unavailable, b->n_unavailable == 1 ? "" : "s");
	switch (b->status) {
	case SYNC_BUNDLE_UNCHANGED:
		line(w, 6, "bundle %s: %s unchanged (%zu roots)", b->name, b->path, b->roots.n);
		if (verbose)
			report_contents(w, b);
		break;
	case SYNC_BUNDLE_UPDATED:
		line(w, 6, "bundle %s: %s %s +%zu -%zu (%zu roots)", b->name, b->path,
		     dry ? "would be updated" : "updated", b->added.n, b->removed.n, b->roots.n);
		if (verbose && !dry)
			report_contents(w, b);
		break;
	case SYNC_BUNDLE_FAILED:
		line(w, 3, "bundle %s: %s failed: %s; the old file is intact", b->name, b->path,
		     b->reason ? b->reason : "?");
		break;
	}
	for (size_t k = 0; k < b->n_hooks; k++) {
		const struct sync_hook_result *h = &b->hooks[k];
		char name[256];

		line(w, h->ok ? 6 : 3, "hook %s (bundle %s%s%s%s): %s%s", h->id, b->name,
		     h->event ? ", " : "", h->event ? h->event : "", h->retry ? ", retry" : "",
		     h->ok ? "ok" : "failed: ", h->ok ? "" : (h->reason ? h->reason : "?"));
		if (h->left_behind)
			line(w, 4, "hook %s: %s", h->id, h->left_behind);
		if (h->output) {
			char *copy = strdup(h->output), *save = NULL;

			for (char *l = copy ? strtok_r(copy, "\n", &save) : NULL; l;
			     l = strtok_r(NULL, "\n", &save))
				line(w, h->ok ? 6 : 4, "hook %s: | %s",
				     hook_name(h->id, name, sizeof(name)), l);
			free(copy);
		}
	}
}

static void report_catalog(const struct out *w, const struct sync_catalog_result *c)
{
	if (!c->configured)
		return;
	if (c->fetch_failed)
		line(w, 4, "catalog %s: not fetched: %s; using catalog_version %lld (%s)", c->url,
		     c->reason ? c->reason : "?", c->in_use_version,
		     c->in_use_from_channel ? "from the channel" : "shipped");
	else if (c->updated)
		line(w, 6, "catalog %s: catalog_version %lld accepted and in use", c->url,
		     c->version);
	else if (c->verdict != CATALOG_UPDATE_SAME)
		line(w, 4, "catalog %s: refused (%s), quarantined: %s; using catalog_version %lld",
		     c->url, catalog_update_verdict_name(c->verdict), c->reason ? c->reason : "",
		     c->in_use_version);
	for (size_t i = 0; i < c->n_hooks; i++)
		line(w, c->hooks[i].ok ? 6 : 3, "hook %s (catalog-updated%s): %s%s", c->hooks[i].id,
		     c->hooks[i].retry ? ", retry" : "", c->hooks[i].ok ? "ok" : "failed: ",
		     c->hooks[i].ok ? "" : (c->hooks[i].reason ? c->hooks[i].reason : "?"));
}

static void report_jwks(const struct out *w, const struct sync_jwks_result *k)
{
	const struct jwks_change *c = &k->change;

	if (c->status == JWKS_SYNC_FAILED)
		line(w, 4, "key set %s: failed: %s; %s", k->name, c->reason ? c->reason : "?",
		     c->n_kids ? "keeping the last good copy" : "no copy yet");
	else if (c->changed)
		line(w, 6, "key set %s: signing keys changed: +%zu -%zu (%zu keys)", k->name,
		     c->n_added, c->n_removed, c->n_kids);
	else if (c->status == JWKS_SYNC_UPDATED)
		line(w, 6, "key set %s: stored (%zu keys)", k->name, c->n_kids);
	for (size_t i = 0; i < k->n_hooks; i++)
		line(w, k->hooks[i].ok ? 6 : 3, "hook %s (key set %s%s): %s%s", k->hooks[i].id,
		     k->name, k->hooks[i].retry ? ", retry" : "",
		     k->hooks[i].ok ? "ok" : "failed: ",
		     k->hooks[i].ok ? "" : (k->hooks[i].reason ? k->hooks[i].reason : "?"));
}

int cmd_sync(int argc, char **argv)
{
	struct sync_args a;
	struct config *cfg = NULL;
	struct sync_result res;
	struct rw_err e = {{0}, 0};
	struct out w = {getenv("JOURNAL_STREAM") != NULL, isatty(STDERR_FILENO), 0, 0, 0};
	const char *path;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&res, 0, sizeof(res));
	if (parse_args(argc, argv, &a) < 0)
		return RW_EXIT_USAGE;
	path = a.config ? a.config : CONFIG_DEFAULT_PATH;
	if (a.use_default)
		rc = config_load_default(&cfg, &e);
	else if (!a.config && access(path, F_OK) != 0)
		rc = err_set(&e, RW_EXIT_INPUT,
		             "%s: no configuration (give --config PATH, or --default-config to "
		             "write every profile's bundle into ./out)",
		             path);
	else
		rc = config_load(path, &cfg, &e);
	/* --metrics-file stands for the configuration's metrics_file, so that the target model
	 * judges it by the same rules (not inside state_dir, not a bundle's file) */
	if (rc == 0 && a.metrics) {
		char *m = strdup(a.metrics);

		if (m == NULL)
			rc = err_set(&e, RW_EXIT_FAILURE, "out of memory");
		else {
			free(cfg->metrics_file);
			cfg->metrics_file = m;
			a.metrics = NULL;
		}
	}
	if (rc == 0) {
		a.o.roots_dir = cli_roots_dir(a.roots_dir ? a.roots_dir : cfg->roots_dir);
		a.o.record_success = !a.o.dry_run && cfg->metrics_file;
		a.o.progress = progress;
		a.o.progress_ctx = &w;
		w.quiet = a.quiet || a.json;
		w.only_problems = a.quiet;
		rc = sync_run(cfg, &a.o, &res, &e);
	}
	if (rc < 0) {
		/* Could not start: bad configuration or catalog, lock held, state dir unusable. */
		line(&w, 3, "rootwarden: %s", e.msg);
		rc = e.status ? e.status : RW_EXIT_FAILURE;
		/* Monitoring must see it: the run's status replaces the last one in the metrics
		 * file, whose other series stay (the last success ages; the bundles did not
		 * change). Not when another sync holds the lock: that one writes the file. */
		if (!a.o.dry_run && rc != RW_EXIT_LOCKED &&
		    (a.metrics || (cfg && cfg->metrics_file)) &&
		    (cfg == NULL || targets_status_metrics_ok(cfg, cfg->metrics_file))) {
			struct rw_err me = {{0}, 0};

			if (sync_metrics_write_status(rc, a.metrics ? a.metrics : cfg->metrics_file,
			                              &me) < 0)
				line(&w, 3, "rootwarden sync: %s (metrics not written)", me.msg);
		}
		if (a.json)
			print_error_json(rc, e.msg);
		goto out;
	}
	if (rc != RW_EXIT_OK || a.verbose || res.hooks_run > 0) {
		for (size_t i = 0; i < res.n_roots; i++)
			if (a.verbose || res.roots[i].status != SYNC_ROOT_SKIPPED)
				report_root(&w, &res.roots[i], a.o.dry_run);
		for (size_t i = 0; i < res.n_bundles; i++)
			report_bundle(&w, &res.bundles[i], a.o.dry_run, a.verbose);
		report_catalog(&w, &res.catalog);
		for (size_t i = 0; i < res.n_jwks; i++)
			report_jwks(&w, &res.jwks[i]);
		for (size_t i = 0; i < res.n_checks; i++)
			line(&w, res.checks[i].status == RW_CHECK_OK ? 6 : 4, "check %s (%s): %s",
			     res.checks[i].name, res.checks[i].kind, res.checks[i].summary);
		for (size_t i = 0; i < res.n_problems; i++)
			line(&w, 4, "rootwarden sync: %s", res.problems[i]);
	}
	if (!a.o.dry_run && (a.metrics || cfg->metrics_file) &&
	    sync_metrics_write(&res, a.metrics ? a.metrics : cfg->metrics_file, &e) < 0) {
		/* The bundles are right; only the metrics are stale: degraded, not failed. */
		line(&w, 4, "rootwarden sync: %s (metrics not written)", e.msg);
		(void)strv_addf(&res.problems, &res.n_problems, "%s (metrics not written)", e.msg);
		if (rc == RW_EXIT_OK || rc == RW_EXIT_CHANGED)
			rc = RW_EXIT_DEGRADED;
	}
	if (!a.quiet || rc == RW_EXIT_FAILURE || rc == RW_EXIT_DEGRADED) {
		size_t upd = 0, bad = 0, fetched = 0, fail = 0, quar = 0;
		char roots[160];

		for (size_t i = 0; i < res.n_bundles; i++) {
			upd += res.bundles[i].status == SYNC_BUNDLE_UPDATED;
			bad += res.bundles[i].status == SYNC_BUNDLE_FAILED;
		}
		for (size_t i = 0; i < res.n_roots; i++) {
			fetched += res.roots[i].status != SYNC_ROOT_SKIPPED;
			fail += res.roots[i].status == SYNC_ROOT_FAILED;
			quar += res.roots[i].status == SYNC_ROOT_QUARANTINED;
		}
		/* what happened, not "7 roots fetched (7 failed)" */
		if (fetched == 0)
			snprintf(roots, sizeof(roots), "no root fetched");
		else {
			int n = snprintf(roots, sizeof(roots), "%zu root%s fetched, %zu verified",
			                 fetched, fetched == 1 ? "" : "s", fetched - fail - quar);

			if (fail && n > 0 && (size_t)n < sizeof(roots))
				n += snprintf(roots + n, sizeof(roots) - (size_t)n, ", %zu failed",
				              fail);
			if (quar && n > 0 && (size_t)n < sizeof(roots))
				snprintf(roots + n, sizeof(roots) - (size_t)n, ", %zu quarantined",
				         quar);
		}
		line(&w,
		     rc == RW_EXIT_FAILURE    ? 3
		     : rc == RW_EXIT_DEGRADED ? 4
		                              : 6,
		     "rootwarden sync%s: %s: %s; %zu bundle%s, %zu updated, %zu failed; %u hook%s "
		     "run",
		     a.o.dry_run   ? " (dry run)"
		     : a.o.offline ? " (offline)"
		                   : "",
		     rc == RW_EXIT_OK         ? "nothing changed"
		     : rc == RW_EXIT_CHANGED  ? "changed"
		     : rc == RW_EXIT_DEGRADED ? "degraded"
		                              : "failed",
		     roots, res.n_bundles, res.n_bundles == 1 ? "" : "s", upd, bad, res.hooks_run,
		     res.hooks_run == 1 ? "" : "s");
	}
	if (a.json) {
		json_t *j = sync_result_json(&res);
		char *why = NULL;

		/* the run's status (a metrics file not written degrades it), and for a failed run
		 * what failed first */
		if (rc == RW_EXIT_FAILURE) {
			for (size_t i = 0; why == NULL && i < res.n_bundles; i++)
				if (res.bundles[i].status == SYNC_BUNDLE_FAILED &&
				    asprintf(&why, "%s: %s", res.bundles[i].path,
				             res.bundles[i].reason ? res.bundles[i].reason
				                                   : "failed") < 0)
					why = NULL;
			for (size_t i = 0; why == NULL && i < res.n_bundles; i++)
				for (size_t k = 0; why == NULL && k < res.bundles[i].n_hooks; k++) {
					const struct sync_hook_result *h = &res.bundles[i].hooks[k];

					if (!h->ok &&
					    asprintf(&why, "bundle %s: hook %s failed: %s",
					             res.bundles[i].name, h->id,
					             h->reason ? h->reason : "no reason given") < 0)
						why = NULL;
				}
			if (why == NULL && res.n_problems)
				why = strdup(res.problems[0]);
			if (why == NULL)
				why = strdup("failed");
			if (why) /* the document's error, on stderr too */
				line(&w, 3, "rootwarden sync: %s", why);
		}
		if (j)
			jsonout_set_exit(j, rc, why);
		free(why);
		if (jsonout_print(j, stdout) < 0)
			fprintf(stderr, "rootwarden: out of memory\n");
	}
out:
	sync_result_free(&res);
	config_free(cfg);
	return rc;
}
