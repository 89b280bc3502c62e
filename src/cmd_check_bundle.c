/* cmd_check_bundle.c - "rootwarden check bundle PATH": what a bundle in any format holds (made by
 * rootwarden or by hand), what is wrong with its certificates, and whether it holds what each
 * given profile needs at a date (rotation.c's readiness rules). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <jansson.h>

#include "buf.h"
#include "strv.h"
#include "check.h"
#include "cli.h"
#include "jsonout.h"
#include "monline.h"
#include "date.h"
#include "metrics.h"
#include "fileio.h"
#include "rotation.h"
#include "target.h"

static const char usage_hint[] = "check";

static const char synopsis[] =
        "rootwarden check bundle PATH [--profile P]... [--config PATH] [--at YYYY-MM-DD]\n"
        "                        [--warn-days N] [--json] [--metrics-file PATH] [--roots-dir DIR]\n"
        "                        [--password-file F]\n"
        "\n"
        "Lists each certificate of a bundle in any output format (PEM/DER file, directory,\n"
        "PKCS #7, PKCS #12 or JKS with --password-file's password, the configured one or the\n"
        "default; made by rootwarden or by hand): "
        "name,\n"
        "SHA-256, not-after, CA or not; flags duplicates, expired and non-CA certificates and\n"
        "SHA-1-signed roots; and for each profile, the roots missing at that date. With\n"
        "--config, PATH may be a bundle of the configuration: its profiles and its own roots\n"
        "are what it is checked against (unless --profile is given), and the configuration's\n"
        "roots are known by name.\n";

enum { O_PROFILE, O_CONFIG, O_AT, O_WARN, O_JSON, O_METRICS, O_ROOTS, O_PASSWORD };
static const struct cliopt opts[] = {
        [O_PROFILE] = {"profile", 'p', "P", "a service profile to check against (repeatable)", 1},
        [O_CONFIG] = {"config", 'c', "PATH",
                      "the agent configuration (its roots; PATH's profiles if PATH is one\n"
                      "of its bundles)",
                      0},
        [O_AT] = {"at", 0, "YYYY-MM-DD", "the day to judge (default: today, UTC)", 0},
        [O_WARN] = {"warn-days", 0, "N", "WARNING for a step or expiry within N days (default 90)",
                    0},
        [O_JSON] = {"json", 0, NULL, "machine-readable report", 0},
        [O_METRICS] = {"metrics-file", 0, "PATH",
                       "also write rootwarden_check_status to a Prometheus text file", 0},
        [O_ROOTS] = {"roots-dir", 0, "DIR", "the catalog directory (default: the installed roots)",
                     0},
        [O_PASSWORD] = {"password-file", 0, "F",
                        "a java-pkcs12 or jks store's password: the first line of F\n"
                        "(default: the bundle's password_file with --config, else changeit)",
                        0},
        {NULL, 0, NULL, NULL, 0},
};

static const char footer[] = "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n";

const struct cmd_help check_bundle_help = {synopsis, opts, footer, NULL};

/* What is wrong with one certificate of the file. */
struct cert_flags {
	long duplicate_of; /* index of the first copy, or -1 */
	int expired;
	int not_ca;
	int not_root; /* CA, but not a valid self-signed root (an intermediate, a bad signature) */
	int sha1;     /* self-signed root signed with SHA-1 or MD5: informational */
	int expiring; /* expires within the window */
};

struct cb_args {
	const char *path, *metrics, *roots_dir, *config, *password_file;
	struct strvec profiles;
	int json, warn_days;
	struct rotation_opts o;
};

static int parse_args(int argc, char **argv, struct cb_args *a)
{
	struct cliopt_parser p;
	char **ops;
	int c, n;

	cliopt_init(&p, "check bundle", opts, argc, argv);
	while ((c = cliopt_next(&p)) >= 0) {
		switch (c) {
		case O_PROFILE:
			if (strvec_push(&a->profiles, p.arg) < 0)
				return -1;
			break;
		case O_CONFIG:
			a->config = p.arg;
			break;
		case O_AT:
			if (cli_opt_date(usage_hint, RW_CHECK_UNKNOWN, "--at", p.arg, &a->o.day) <
			    0)
				return -1;
			break;
		case O_WARN:
			if (cli_opt_int(usage_hint, RW_CHECK_UNKNOWN, "--warn-days", p.arg, 0, 3650,
			                &a->o.warn_days) < 0)
				return -1;
			break;
		case O_JSON:
			a->json = 1;
			break;
		case O_METRICS:
			a->metrics = p.arg;
			break;
		case O_ROOTS:
			a->roots_dir = p.arg;
			break;
		case O_PASSWORD:
			a->password_file = p.arg;
			break;
		}
	}
	if (c != CLIOPT_DONE)
		return -1;
	ops = cliopt_operands(&p, &n);
	if (n == 0)
		return cli_usage_error(usage_hint, RW_CHECK_UNKNOWN, "give the bundle's PATH"), -1;
	a->path = ops[0];
	if (n > 1)
		return cli_usage_error(usage_hint, RW_CHECK_UNKNOWN,
		                       "unexpected argument (an operand this command does not "
		                       "take; not shown, it may be a secret)"),
		       -1;
	return 0;
}

static void flag_certs(const struct rotation_bundle *b, const struct rotation_opts *o,
                       struct cert_flags *f)
{
	time_t at = date_start(o->day);

	for (size_t i = 0; i < b->held.n; i++) {
		const struct cert *c = b->held.v[i];

		f[i].duplicate_of = -1;
		for (size_t k = 0; k < i; k++)
			if (strcmp(b->held.v[k]->sha256, c->sha256) == 0) {
				f[i].duplicate_of = (long)k;
				break;
			}
		f[i].expired = cert_is_expired(c, at);
		f[i].expiring =
		        !f[i].expired && cert_is_expired(c, date_start(o->day + o->warn_days + 1));
		f[i].not_ca = !c->is_ca;
		f[i].not_root = c->is_ca && cert_check_root(c, NULL) < 0;
		f[i].sha1 = c->sig_hash_weak && c->self_sig_ok;
	}
}

static int why_add(struct rotation_notes *why, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static int why_add(struct rotation_notes *why, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strv_vaddf(&why->v, &why->n, fmt, ap);
	va_end(ap);
	return r;
}

/* The verdict of the certificates alone: all expired CRITICAL; some expired, a non-CA
 * certificate or an intermediate CA WARNING; duplicates and SHA-1-signed roots are only flagged. */
static int certs_verdict(const struct rotation_bundle *b, const struct cert_flags *f,
                         struct rotation_notes *why)
{
	size_t expired = 0, not_ca = 0, intermediates = 0;
	int v = RW_CHECK_OK;

	for (size_t i = 0; i < b->held.n; i++) {
		expired += f[i].expired != 0;
		not_ca += f[i].not_ca != 0;
		intermediates += f[i].not_root != 0;
	}
	if (intermediates) {
		v = RW_CHECK_WARNING;
		if (why_add(why,
		            "%zu intermediate CA certificate%s (CA, not a self-signed root): an "
		            "unsupported configuration - servers' intermediates rotate without "
		            "notice "
		            "and a bundle that relies on one breaks; keep only roots",
		            intermediates, intermediates == 1 ? "" : "s") < 0)
			return -1;
	}
	if (b->held.n && expired == b->held.n) {
		v = RW_CHECK_CRITICAL;
		if (why_add(why, "every certificate in it has expired") < 0)
			return -1;
	} else if (expired) {
		if (v < RW_CHECK_WARNING)
			v = RW_CHECK_WARNING;
		if (why_add(why, "%zu expired certificate%s", expired, expired == 1 ? "" : "s") < 0)
			return -1;
	}
	if (not_ca) {
		if (v < RW_CHECK_WARNING)
			v = RW_CHECK_WARNING;
		if (why_add(why,
		            "%zu certificate%s not a CA (a leaf has no place in a trust bundle)",
		            not_ca, not_ca == 1 ? " is" : "s are") < 0)
			return -1;
	}
	return v;
}

static void flag_words(struct buf *b, const struct cert_flags *f)
{
	size_t n0 = b->len;

#define W(cond, text)                                                                              \
	do {                                                                                       \
		if (cond)                                                                          \
			buf_printf(b, "%s%s", b->len > n0 ? ", " : "", text);                      \
	} while (0)
	if (f->duplicate_of >= 0)
		buf_printf(b, "duplicate of #%ld", f->duplicate_of + 1);
	W(f->expired, "expired");
	W(f->expiring, "expires within the warning window");
	W(f->not_ca, "not a CA certificate");
	W(f->not_root, "intermediate CA: CA but not a self-signed root");
	W(f->sha1, "SHA-1-signed root (informational: a root's own signature is not relied on)");
#undef W
}

static char *render_text(const struct catalog *cat, const struct cb_args *a,
                         const struct rotation_bundle *base, const struct cert_flags *f,
                         const struct rotation_notes *cwhy, const struct rotation_bundle *pb,
                         int verdict)
{
	struct buf b;
	char d[11], at[11];

	buf_init(&b, 0);
	date_format(a->o.day, at);
	{
		struct buf sum, perf;

		buf_init(&sum, 0);
		buf_init(&perf, 0);
		buf_printf(&sum, "%s at %s", a->path, at);
		if (base->readable) {
			buf_printf(&sum, ": %zu certificate%s", base->held.n,
			           base->held.n == 1 ? "" : "s");
			buf_printf(&perf, "certificates=%zu", base->held.n);
		}
		monline(&b, "bundle", verdict, sum.data ? sum.data : "", perf.data);
		buf_free(&sum);
		buf_free(&perf);
	}
	for (size_t i = 0; i < base->reasons.n; i++)
		buf_printf(&b, "  - %s\n", base->reasons.v[i]);
	for (size_t i = 0; i < base->held.n; i++) {
		const struct cert *c = base->held.v[i];
		long ri = base->held_root[i];

		date_format(date_of_time(c->not_after), d);
		buf_printf(&b, "  #%zu %s\n     SHA-256 %s\n     not after %s, %s%s%s\n", i + 1,
		           c->label, c->sha256, d, c->is_ca ? "CA" : "not a CA",
		           ri >= 0 ? ", catalog root " : "", ri >= 0 ? cat->roots[ri].id : "");
		if (f[i].duplicate_of >= 0 || f[i].expired || f[i].expiring || f[i].not_ca ||
		    f[i].not_root || f[i].sha1) {
			buf_puts(&b, "     flags: ");
			flag_words(&b, &f[i]);
			buf_puts(&b, "\n");
		}
	}
	for (size_t i = 0; i < cwhy->n; i++)
		buf_printf(&b, "  - %s\n", cwhy->v[i]);
	for (size_t p = 0; p < a->profiles.n && base->readable && base->held.n; p++) {
		const struct rotation_bundle *r = &pb[p];

		buf_printf(&b, "  profile %s: %s\n", a->profiles.v[p],
		           rotation_verdict_name(r->verdict));
		for (size_t i = 0; i < r->reasons.n; i++)
			buf_printf(&b, "    - %s\n", r->reasons.v[i]);
	}
	return buf_steal(&b, NULL);
}

static json_t *ids(const struct catalog *cat, const struct rotation_roots *r)
{
	return jsonout_catalog_roots(cat, r->v, r->n);
}

static json_t *strs(const struct rotation_notes *n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n->n; i++)
		json_array_append_new(a, json_string(n->v[i]));
	return a;
}

/* The document without status and error (set by the caller). */
static json_t *render_json(const struct catalog *cat, const struct cb_args *a,
                           const struct rotation_bundle *base, const struct cert_flags *f,
                           const struct rotation_notes *cwhy, const struct rotation_bundle *pb)
{
	json_t *doc = jsonout_new("check-bundle");
	json_t *certs = json_array(), *profiles = json_array(), *reasons = strs(cwhy);

	for (size_t i = 0; i < base->reasons.n; i++)
		json_array_append_new(reasons, json_string(base->reasons.v[i]));
	for (size_t i = 0; i < base->held.n; i++) {
		const struct cert *c = base->held.v[i];
		json_t *o = jsonout_cert_root(c, cat, base->held_root[i]);

		/* the root shape (id: its catalog id or null), then what this check found */
		json_object_set_new(o, "index", json_integer((json_int_t)(i + 1)));
		json_object_set_new(o, "ca", json_boolean(c->is_ca));
		json_object_set_new(o, "duplicate_of",
		                    f[i].duplicate_of >= 0 ? json_integer(f[i].duplicate_of + 1)
		                                           : json_null());
		json_object_set_new(o, "expired", json_boolean(f[i].expired));
		json_object_set_new(o, "expiring", json_boolean(f[i].expiring));
		json_object_set_new(o, "not_ca", json_boolean(f[i].not_ca));
		json_object_set_new(o, "not_root", json_boolean(f[i].not_root));
		json_object_set_new(o, "sha1_signed", json_boolean(f[i].sha1));
		json_object_set_new(o, "origin", jsonout_str(c->origin));
		json_array_append_new(certs, o);
	}
	for (size_t p = 0; p < a->profiles.n && base->readable && base->held.n; p++) {
		const struct rotation_bundle *r = &pb[p];

		json_array_append_new(
		        profiles,
		        json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "id", a->profiles.v[p],
		                  "status", jsonout_check_json(r->verdict), "missing_now",
		                  ids(cat, &r->missing_now), "transition_missing",
		                  ids(cat, &r->transition_now), "next_step",
		                  jsonout_day(r->next_step_day), "missing_next",
		                  ids(cat, &r->missing_next), "reasons", strs(&r->reasons)));
	}
	json_object_set_new(doc, "check", json_string("bundle"));
	json_object_set_new(doc, "path", json_string(a->path));
	json_object_set_new(doc, "at", jsonout_day(a->o.day));
	json_object_set_new(doc, "warn_days", json_integer(a->o.warn_days));
	json_object_set_new(doc, "readable", json_boolean(base->readable));
	json_object_set_new(doc, "certificates", certs);
	json_object_set_new(doc, "profiles", profiles);
	json_object_set_new(doc, "reasons", reasons);
	return doc;
}

static int write_metrics(const char *path, const struct cb_args *a,
                         const struct rotation_bundle *base, int verdict, struct rw_err *e)
{
	struct metrics *m = metrics_new();
	int rc = -1;

	if (m == NULL)
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	if (metrics_add(m, e, M_CHECK_STATUS, verdict, "check", "bundle", "target", a->path, NULL) <
	    0)
		goto out;
	if (base->readable) {
		if (metrics_add(m, e, M_CHECK_BUNDLE_CERTS, (double)base->held.n, "target", a->path,
		                NULL) < 0)
			goto out;
		for (size_t i = 0; i < base->held.n; i++)
			if (metrics_add(m, e, M_CHECK_BUNDLE_NOT_AFTER,
			                (double)base->held.v[i]->not_after, "target", a->path,
			                "sha256", base->held.v[i]->sha256, "name",
			                base->held.v[i]->label, NULL) < 0)
				goto out;
	}
	if (metrics_write(m, path, NULL, e) == SAVE_ERROR)
		goto out;
	rc = 0;
out:
	metrics_free(m);
	return rc;
}

int check_bundle_main(int argc, char **argv)
{
	struct cb_args a;
	struct config *cfg = NULL;
	struct targets *tg = NULL;
	const struct target_bundle *mine = NULL;
	struct catalog *own = NULL;
	const struct catalog *cat;
	struct rotation_target base_t, *pt = NULL;
	struct rotation_bundle base, *pb = NULL;
	struct rotation_notes cwhy = {NULL, 0};
	struct cert_flags *f = NULL;
	struct rw_err e = {{0}, 0};
	size_t np = 0;
	char *text = NULL, *password = NULL;
	json_t *doc = NULL;
	int rc = RW_CHECK_UNKNOWN, verdict;

	memset(&a, 0, sizeof(a));
	memset(&base, 0, sizeof(base));
	rotation_opts_init(&a.o);
	if (parse_args(argc, argv, &a) < 0)
		goto out;
	if (a.config &&
	    (config_load(a.config, &cfg, &e) < 0 ||
	     targets_build(cfg, cli_roots_dir(a.roots_dir ? a.roots_dir : cfg->roots_dir), &tg,
	                   &e) < 0))
		goto fail;
	if (tg == NULL && cli_load_catalog(a.roots_dir, &own, &e) < 0)
		goto fail;
	cat = tg ? tg->cat : own;
	if (tg != NULL) { /* PATH as a bundle of the configuration */
		char *canon = path_canonical(a.path);

		for (size_t i = 0; canon && i < tg->n_bundles; i++)
			if (strcmp(tg->bundles[i].path, canon) == 0)
				mine = &tg->bundles[i];
		free(canon);
		for (size_t i = 0; mine && a.profiles.n == 0 && i < mine->n_profiles; i++)
			if (strvec_push(&a.profiles, mine->profiles[i]) < 0)
				goto oom;
	}
	for (size_t i = 0; i < a.profiles.n; i++)
		if (catalog_profile(cat, a.profiles.v[i]) == NULL) {
			rc = cli_usage_error(usage_hint, RW_CHECK_UNKNOWN,
			                     "unknown profile '%s' (see 'rootwarden roots list')",
			                     a.profiles.v[i]);
			goto out;
		}
	/* never an argument: argv is visible to every user */
	if (a.password_file && file_read_password(a.password_file, 0, &password, &e) < 0)
		goto fail;
	memset(&base_t, 0, sizeof(base_t));
	base_t.name = a.path;
	base_t.path = a.path;
	base_t.password = password ? password : mine ? mine->password : NULL;
	if (rotation_bundle_assess(cat, &base_t, &a.o, &base, &e) < 0)
		goto fail;
	f = calloc(base.held.n + 1, sizeof(*f));
	pt = calloc(a.profiles.n + 1, sizeof(*pt));
	pb = calloc(a.profiles.n + 1, sizeof(*pb));
	if (f == NULL || pt == NULL || pb == NULL)
		goto oom;
	flag_certs(&base, &a.o, f);
	verdict = base.verdict;
	if (base.readable && base.held.n) {
		int cv = certs_verdict(&base, f, &cwhy);

		if (cv < 0)
			goto oom;
		if (cv > verdict)
			verdict = cv;
		for (np = 0; np < a.profiles.n; np++) {
			pt[np] = base_t;
			pt[np].profiles = &a.profiles.v[np];
			pt[np].n_profiles = 1;
			if (mine) {
				pt[np].roots = mine->roots;
				pt[np].n_roots = mine->n_roots;
			}
			if (rotation_bundle_assess(cat, &pt[np], &a.o, &pb[np], &e) < 0)
				goto fail;
			if (pb[np].verdict > verdict)
				verdict = pb[np].verdict;
		}
	}
	rc = verdict;
	if (a.metrics && write_metrics(a.metrics, &a, &base, verdict, &e) < 0) {
		cli_fail(&e);
		rc = RW_CHECK_UNKNOWN;
	}
	if (a.json) {
		doc = render_json(cat, &a, &base, f, &cwhy, pb);
		if (doc == NULL || jsonout_set_check(doc, rc, rc != verdict ? e.msg : NULL) < 0)
			goto oom;
		if (jsonout_print(doc, stdout) < 0) {
			doc = NULL;
			goto oom;
		}
		doc = NULL;
		goto out;
	}
	text = render_text(cat, &a, &base, f, &cwhy, pb, verdict);
	if (text == NULL)
		goto oom;
	fputs(text, stdout);
	goto out;
oom:
	err_set(&e, RW_EXIT_FAILURE, "out of memory");
fail:
	cli_fail(&e);
	rc = RW_CHECK_UNKNOWN;
	if (a.json) { /* the document of a check that could not run */
		json_decref(doc);
		doc = jsonout_new("check-bundle");
		if (doc) {
			jsonout_set_check(doc, rc, e.msg);
			json_object_set_new(doc, "check", json_string("bundle"));
			json_object_set_new(doc, "path", jsonout_str(a.path));
		}
		(void)jsonout_print(doc, stdout);
		doc = NULL;
	}
out:
	for (size_t i = 0; pb && i < np; i++)
		rotation_bundle_free(&pb[i]);
	for (size_t i = 0; i < cwhy.n; i++)
		free(cwhy.v[i]);
	free(cwhy.v);
	free(pb);
	free(pt);
	free(f);
	free(text);
	rotation_bundle_free(&base);
	catalog_free(own);
	targets_free(tg);
	config_free(cfg);
	strvec_free(&a.profiles);
	if (password) {
		gnutls_memset(password, 0, strlen(password));
		free(password);
	}
	return rc;
}
