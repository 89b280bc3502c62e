/* cmd_probe.c - "rootwarden probe URL...": what live servers present over TLS and whether this
 * host's bundles accept it (engine: probe.h; judgement: probe_assess.h). Front end: it prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "cli.h"
#include "jsonout.h"
#include "config.h"
#include "date.h"
#include "fileio.h"
#include "metrics.h"
#include "monline.h"
#include "probe.h"
#include "probe_assess.h"
#include "target.h"

#define M_PROBE_VERSION "rootwarden_probe_tls_version_accepted"
#define M_PROBE_LEAF_NOT_AFTER "rootwarden_probe_certificate_not_after_timestamp_seconds"

static const char synopsis[] =
        "rootwarden probe URL... [--bundle PATH]... [--config PATH] [--profile P] [options]\n"
        "\n"
        "Connects to each server, speaks its protocol up to TLS, runs TLS handshakes and stops\n"
        "(never logs in, sends nothing after the handshake). Reports whether TLS is offered or\n"
        "required, each version accepted (TLS 1.0, 1.1, 1.2, 1.3 tried one by one) and the\n"
        "Azure Minimum TLS version it amounts to, what a default client gets, the chain as sent,\n"
        "the host-name match, the root it chains to, and whether each bundle verifies the server\n"
        "now and at each coming step of the profile's timeline.\n"
        "\n"
        "URLs: postgres://HOST[:5432][?sslnegotiation=direct]  mysql://HOST[:3306]\n"
        "      sqlserver://HOST[:1433][?encrypt=strict]  tls://HOST:PORT  https://HOST[:443]\n";

enum {
	O_BUNDLE,
	O_PASSWORD,
	O_CONFIG,
	O_PROFILE,
	O_ROOTS,
	O_AT,
	O_CONC,
	O_CTIME,
	O_TIME,
	O_JSON,
	O_METRICS
};
static const struct cliopt opts[] = {
        [O_BUNDLE] = {"bundle", 'b', "PATH",
                      "a trust bundle the clients use, in any format bundle writes\n"
                      "(PEM, DER, a directory of them, PKCS #7, PKCS #12, JKS); repeatable",
                      1},
        [O_PASSWORD] = {"password-file", 0, "F",
                        "the password of the --bundle stores (java-pkcs12, jks): the\n"
                        "first line of F (default: changeit; a --config bundle: its own)",
                        0},
        [O_CONFIG] = {"config", 'c', "PATH",
                      "also judge every bundle of this configuration (as sync writes\n"
                      "them at each coming step)",
                      0},
        [O_PROFILE] = {"profile", 'p', "P",
                       "the timeline whose coming steps are checked (default: each\n"
                       "configured bundle's own profiles)",
                       0},
        [O_ROOTS] = {"roots-dir", 0, "DIR", "the catalog (default: the installed roots)", 0},
        [O_AT] = {"at", 0, "YYYY-MM-DD", "judge validity at 00:00 UTC of this day (default: now)",
                  0},
        [O_CONC] = {"concurrency", 0, "N", "connections at a time (default 32)", 0},
        [O_CTIME] = {"connect-timeout", 0, "MS", "per connection (default 3000)", 0},
        [O_TIME] = {"timeout", 0, "MS", "per preamble and handshake (default 5000)", 0},
        [O_JSON] = {"json", 0, NULL, "JSON output", 0},
        [O_METRICS] = {"metrics-file", 0, "PATH",
                       "also write rootwarden_check_status{check=\"probe\",target=URL},\n"
                       "rootwarden_probe_tls_version_accepted{target,version} and\n"
                       "rootwarden_probe_certificate_not_after_timestamp_seconds{target}\n"
                       "to a Prometheus text file (atomically)",
                       0},
        {NULL, 0, NULL, NULL, 0},
};

static const char footer[] =
        "Exit status: 0 all pass, 1 a WARN (TLS 1.0/1.1 accepted, leaf-only chain ...), 2 a FAIL\n"
        "(cleartext only, a bundle that fails verify-full, a bad chain ...), 3 could not check\n"
        "(refused or silent port, not that protocol, bad URL, usage error).\n";

const struct cmd_help cmd_probe_help = {synopsis, opts, footer, NULL};

struct run {
	struct probe_url *urls;
	size_t n;
	struct probe_result *res;
	struct probe_assessment *as;
	int *status;
};

static void print_text(const struct probe_result *r, const struct probe_assessment *a, int st)
{
	struct buf b;

	printf("probe %s %s\n", r->u.url, check_status_name(st));
	if (r->reachable) {
		printf("  server:   %s%s%s (%.0f ms)\n", r->u.scheme->name,
		       r->pre.server[0] ? ", " : "", r->pre.server, r->seconds * 1000);
		printf("  tls:      %s: %s\n", probe_tls_name(r->pre.tls), r->pre.detail);
		if (r->pre.tls != PROBE_TLS_NOT_OFFERED) {
			printf("  versions:");
			for (int v = 0; v < PROBE_N_VERSIONS; v++)
				printf(" %s %s%s", probe_version_name(v),
				       probe_outcome_name(r->version[v].outcome),
				       v + 1 < PROBE_N_VERSIONS ? "," : "");
			printf(" (Azure Minimum TLS version: %s)\n",
			       a->azure_min_tls[0] ? a->azure_min_tls : "n/a");
			if (r->deflt.outcome == PROBE_ACCEPTED)
				printf("  default:  %s %s\n", r->deflt.version, r->deflt.cipher);
		}
		for (size_t i = 0; i < r->chain.n; i++) {
			const struct cert *c = r->chain.v[i];
			char nb[21], na[21];

			time_format(c->not_before, nb);
			time_format(c->not_after, na);
			printf("  cert %zu:   %s\n            issuer %s\n            %s .. %s, "
			       "%s %u bits, %s\n",
			       i, c->subject, c->issuer, nb, na, c->key_type, c->key_bits,
			       c->sig_alg);
		}
		if (a->root_label[0])
			printf("  root:     %s\n", a->root_label);
	}
	buf_init(&b, 0);
	if (findings_text(&a->f, "probe", &b) == 0 && b.data)
		fputs(b.data, stdout);
	buf_free(&b);
	if (a->n_settings) {
		printf("client settings that verify this server:\n");
		for (size_t i = 0; i < a->n_settings; i++)
			printf("  %s\n", a->settings[i]);
	}
}

/* A text field of a probe: null when it is empty (not known, not offered). */
static json_t *text_or_null(const char *s)
{
	return jsonout_str(s[0] ? s : NULL);
}

static json_t *endpoint_json(const struct probe_result *r, const struct probe_assessment *a,
                             const struct catalog *cat, int st)
{
	json_t *o = json_object(), *f = findings_json(&a->f, "probe");
	json_t *vers = json_object(), *chain = json_array(), *set = json_array(), *anchor;

	json_object_set_new(o, "url", json_string(r->u.url));
	json_object_set_new(o, "scheme", json_string(r->u.scheme->name));
	json_object_set_new(o, "host", json_string(r->u.host));
	json_object_set_new(o, "port", json_string(r->u.port));
	json_object_set_new(o, "status", jsonout_check_json(st));
	json_object_set_new(o, "reachable", json_boolean(r->reachable));
	json_object_set_new(o, "error", jsonout_str(r->reachable ? NULL : r->error));
	json_object_set_new(o, "tls", json_string(probe_tls_name(r->pre.tls)));
	json_object_set_new(o, "tls_detail", text_or_null(r->pre.detail));
	json_object_set_new(o, "server", text_or_null(r->pre.server));
	for (int v = 0; v < PROBE_N_VERSIONS; v++)
		json_object_set_new(vers, probe_version_name(v),
		                    json_string(probe_outcome_name(r->version[v].outcome)));
	json_object_set_new(o, "versions", vers);
	json_object_set_new(o, "azure_minimal_tls", text_or_null(a->azure_min_tls));
	json_object_set_new(o, "default",
	                    json_pack("{s:o, s:o, s:o}", "version", text_or_null(r->deflt.version),
	                              "cipher", text_or_null(r->deflt.cipher), "alpn",
	                              text_or_null(r->deflt.alpn)));
	for (size_t i = 0; i < r->chain.n; i++) {
		const struct cert *c = r->chain.v[i];

		json_array_append_new(chain,
		                      json_pack("{s:s, s:s, s:o, s:o, s:s, s:i, s:s, s:s}",
		                                "subject", c->subject, "issuer", c->issuer,
		                                "not_before", jsonout_time(c->not_before),
		                                "not_after", jsonout_time(c->not_after), "key",
		                                c->key_type, "key_bits", (int)c->key_bits,
		                                "signature", c->sig_alg, "sha256", c->sha256));
	}
	json_object_set_new(o, "chain", chain);
	/* The anchor: a catalog root (the root shape), else a root of a bundle outside the
	 * catalog, known by its label alone (id, sha256, not_after null), else null. */
	if (a->root >= 0)
		anchor = jsonout_catalog_root(cat, (size_t)a->root);
	else if (a->root_label[0])
		anchor = json_pack("{s:n, s:s, s:n, s:n, s:n}", "id", "name", a->root_label,
		                   "sha256", "subject", "not_after");
	else
		anchor = json_null();
	json_object_set_new(o, "root", anchor);
	for (size_t i = 0; i < a->n_settings; i++)
		json_array_append_new(set, json_string(a->settings[i]));
	json_object_set_new(o, "client_settings", set);
	if (f) {
		json_object_set(o, "counts", json_object_get(f, "counts"));
		json_object_set(o, "findings", json_object_get(f, "findings"));
		json_decref(f);
	}
	return o;
}

static int write_metrics(const char *path, const struct run *rn, struct rw_err *e)
{
	struct metrics *m = metrics_new();
	int rc = -1;

	if (m == NULL)
		return err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", path);
	if (metrics_add_family(m, M_PROBE_VERSION, METRIC_GAUGE,
	                       "1 when the server accepted a handshake with only this TLS version, "
	                       "0 when it refused it",
	                       e) < 0 ||
	    metrics_add_family(m, M_PROBE_LEAF_NOT_AFTER, METRIC_GAUGE,
	                       "notAfter of the certificate the server sends, as a Unix time",
	                       e) < 0)
		goto out;
	for (size_t i = 0; i < rn->n; i++) {
		const struct probe_result *r = &rn->res[i];

		if (metrics_add(m, e, M_CHECK_STATUS, (double)rn->status[i], "check", "probe",
		                "target", r->u.url, NULL) < 0)
			goto out;
		for (int v = 0; v < PROBE_N_VERSIONS; v++) {
			enum probe_outcome oc = r->version[v].outcome;

			if ((oc == PROBE_ACCEPTED || oc == PROBE_REFUSED) &&
			    metrics_add(m, e, M_PROBE_VERSION, oc == PROBE_ACCEPTED ? 1.0 : 0.0,
			                "target", r->u.url, "version", probe_version_name(v),
			                NULL) < 0)
				goto out;
		}
		if (r->chain.n &&
		    metrics_add(m, e, M_PROBE_LEAF_NOT_AFTER, (double)r->chain.v[0]->not_after,
		                "target", r->u.url, NULL) < 0)
			goto out;
	}
	rc = metrics_write(m, path, NULL, e) == SAVE_ERROR ? -1 : 0;
out:
	metrics_free(m);
	return rc;
}

int cmd_probe(int argc, char **argv)
{
	struct strvec bundles = {0};
	struct probe_opts po;
	struct probe_assess_opts ao = {0};
	struct probe_bundle *pb = NULL;
	struct rotation_target *targets = NULL;
	struct catalog *own = NULL;
	const struct catalog *cat;
	struct config *cfg = NULL;
	struct targets *tg = NULL;
	struct cliopt_parser p;
	char **ops;
	int n_ops;
	struct run rn = {0};
	struct rw_err e = {0};
	const char *config_path = NULL, *roots_dir = NULL, *metrics = NULL, *password_file = NULL;
	char *password = NULL;
	int c, json = 0, rc = RW_CHECK_UNKNOWN, worst = 0;
	int32_t day;

	probe_opts_init(&po);
	rotation_opts_init(&ao.ro);
	cliopt_init(&p, "probe", opts, argc, argv);
	while ((c = cliopt_next(&p)) >= 0) {
		switch (c) {
		case O_BUNDLE:
			if (strvec_push(&bundles, p.arg) < 0)
				goto oom;
			break;
		case O_PASSWORD:
			password_file = p.arg;
			break;
		case O_CONFIG:
			config_path = p.arg;
			break;
		case O_PROFILE:
			ao.profile = p.arg;
			break;
		case O_ROOTS:
			roots_dir = p.arg;
			break;
		case O_AT:
			if (cli_opt_date("probe", RW_CHECK_UNKNOWN, "--at", p.arg, &day) < 0)
				goto out;
			ao.at = date_start(day);
			ao.ro.day = day;
			break;
		case O_CONC:
			if (cli_opt_int("probe", RW_CHECK_UNKNOWN, "--concurrency", p.arg, 1, 1024,
			                &po.concurrency) < 0)
				goto out;
			break;
		case O_CTIME:
			if (cli_opt_int("probe", RW_CHECK_UNKNOWN, "--connect-timeout", p.arg, 1,
			                600000, &po.connect_timeout_ms) < 0)
				goto out;
			break;
		case O_TIME:
			if (cli_opt_int("probe", RW_CHECK_UNKNOWN, "--timeout", p.arg, 1, 600000,
			                &po.handshake_timeout_ms) < 0)
				goto out;
			break;
		case O_JSON:
			json = 1;
			break;
		case O_METRICS:
			metrics = p.arg;
			break;
		}
	}
	if (c != CLIOPT_DONE)
		goto out;
	ops = cliopt_operands(&p, &n_ops);
	if (n_ops == 0) {
		rc = cli_usage_error("probe", RW_CHECK_UNKNOWN, "give at least one URL");
		goto out;
	}
	rn.n = (size_t)n_ops;
	rn.urls = calloc(rn.n, sizeof(*rn.urls));
	rn.res = calloc(rn.n, sizeof(*rn.res));
	rn.as = calloc(rn.n, sizeof(*rn.as));
	rn.status = calloc(rn.n, sizeof(*rn.status));
	if (!rn.urls || !rn.res || !rn.as || !rn.status)
		goto oom;
	for (size_t i = 0; i < rn.n; i++)
		if (probe_url_parse(ops[i], &rn.urls[i], &e) < 0) {
			rc = cli_usage_error("probe", RW_CHECK_UNKNOWN, "%s", e.msg);
			goto out;
		}
	/* never an argument: argv is visible to every user */
	if (password_file && file_read_password(password_file, 0, &password, &e) < 0)
		goto fail;
	/* With --config, the model sync builds (its catalog, its own roots, every bundle). */
	if (config_path &&
	    (config_load(config_path, &cfg, &e) < 0 ||
	     targets_build(cfg, cli_roots_dir(roots_dir ? roots_dir : cfg->roots_dir), &tg, &e) <
	             0))
		goto fail;
	if (tg == NULL && cli_load_catalog(roots_dir, &own, &e) < 0)
		goto fail;
	cat = tg ? tg->cat : own;
	ao.cat = cat;
	if (ao.profile && catalog_profile(cat, ao.profile) == NULL) {
		rc = cli_usage_error("probe", RW_CHECK_UNKNOWN, "--profile: unknown profile '%s'",
		                     ao.profile);
		goto out;
	}
	{
		size_t nc = tg ? tg->n_bundles : 0;

		pb = calloc(bundles.n + nc + 1, sizeof(*pb));
		targets = calloc(nc + 1, sizeof(*targets));
		if (pb == NULL || targets == NULL)
			goto oom;
		for (size_t i = 0; i < bundles.n; i++) {
			pb[ao.n_bundles].password = password;
			pb[ao.n_bundles++].path = bundles.v[i];
		}
		for (size_t i = 0; i < nc; i++) {
			targets_rotation_target(tg, i, &targets[i]);
			pb[ao.n_bundles].path = tg->bundles[i].path;
			pb[ao.n_bundles++].managed = &targets[i];
		}
		if (tg) {
			int32_t keep_day = ao.ro.day;

			targets_rotation_opts(tg, &ao.ro);
			ao.ro.day = keep_day;
		}
	}
	ao.bundles = pb;
	if (probe_run(rn.urls, rn.n, &po, rn.res, &e) < 0)
		goto fail;
	for (size_t i = 0; i < rn.n; i++) {
		if (probe_assess(&rn.res[i], &ao, &rn.as[i], &e) < 0)
			goto fail;
		rn.status[i] = findings_status(&rn.as[i].f);
		if (rn.status[i] > worst)
			worst = rn.status[i];
	}
	rc = worst;
	if (metrics && write_metrics(metrics, &rn, &e) < 0) {
		cli_fail(&e);
		rc = RW_CHECK_UNKNOWN;
	}
	if (json) {
		json_t *top = jsonout_new("probe"), *arr = json_array();

		for (size_t i = 0; i < rn.n; i++)
			json_array_append_new(
			        arr, endpoint_json(&rn.res[i], &rn.as[i], cat, rn.status[i]));
		if (top)
			jsonout_set_check(top, rc, rc != worst ? e.msg : NULL);
		json_object_set_new(top, "check", json_string("probe"));
		json_object_set_new(top, "endpoints", arr);
		if (jsonout_print(top, stdout) < 0)
			goto oom;
	} else {
		size_t by[4] = {0};
		char summary[160], perf[160];
		struct buf first;

		for (size_t i = 0; i < rn.n; i++)
			by[rn.status[i] & 3]++;
		snprintf(summary, sizeof(summary),
		         "%zu endpoint%s: %zu OK, %zu WARNING, %zu CRITICAL, %zu UNKNOWN", rn.n,
		         rn.n == 1 ? "" : "s", by[0], by[1], by[2], by[3]);
		snprintf(perf, sizeof(perf),
		         "endpoints=%zu ok=%zu warning=%zu critical=%zu unknown=%zu", rn.n, by[0],
		         by[1], by[2], by[3]);
		buf_init(&first, 0);
		if (monline(&first, "PROBE", worst, summary, perf) == 0 && first.data)
			fputs(first.data, stdout);
		buf_free(&first);
		for (size_t i = 0; i < rn.n; i++)
			print_text(&rn.res[i], &rn.as[i], rn.status[i]);
	}
	goto out;
oom:
	err_set(&e, RW_CHECK_UNKNOWN, "probe: out of memory");
fail:
	cli_fail(&e);
	rc = RW_CHECK_UNKNOWN;
	if (json) { /* the document of a probe that could not run */
		json_t *top = jsonout_new("probe");

		if (top)
			jsonout_set_check(top, rc, e.msg);
		json_object_set_new(top, "check", json_string("probe"));
		(void)jsonout_print(top, stdout);
	}
out:
	for (size_t i = 0; rn.res && i < rn.n; i++) {
		probe_result_free(&rn.res[i]);
		if (rn.as)
			probe_assessment_free(&rn.as[i]);
	}
	free(rn.urls);
	free(rn.res);
	free(rn.as);
	free(rn.status);
	free(pb);
	free(targets);
	targets_free(tg); /* before the configuration it borrows from */
	config_free(cfg);
	catalog_free(own);
	strvec_free(&bundles);
	if (password) {
		gnutls_memset(password, 0, strlen(password));
		free(password);
	}
	return rc;
}
