/* probe_assess.c - judging a probe's result: TLS offer, versions, the chain as sent, the leaf's
 * rules (servercert.h), the root, each bundle now and at each coming step. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "cli.h"
#include "date.h"
#include "emit.h"
#include "fileio.h"
#include "plan.h"
#include "probe_assess.h"
#include "servercert.h"
#include "strv.h"

#define ADD(f, subj, rule, v, fix, ...)                                                            \
	(findings_add(f, subj, rule, v, fix, __VA_ARGS__) < 0 ? -1 : 0)
#define OOM(e, url) err_set(e, RW_CHECK_UNKNOWN, "%s: out of memory", url)

/* An OpenSSL subject-hash name: eight lower-case hex digits, '.', a decimal count. */
static int is_hash_name(const char *name)
{
	size_t i = 0;

	for (; i < 8; i++)
		if (!isxdigit((unsigned char)name[i]) || isupper((unsigned char)name[i]))
			return 0;
	if (name[i++] != '.' || name[i] == '\0')
		return 0;
	for (; name[i]; i++)
		if (!isdigit((unsigned char)name[i]))
			return 0;
	return 1;
}

static enum probe_bundle_kind kind_of(const char *path, const struct emit_format *f)
{
	if (f == NULL)
		return PROBE_BUNDLE_OTHER;
	if (strcmp(f->name, "jks") == 0)
		return PROBE_BUNDLE_JKS;
	if (strcmp(f->name, "java-pkcs12") == 0)
		return PROBE_BUNDLE_PKCS12;
	if (f->dest == EMIT_DIR) { /* CApath when OpenSSL's names are there */
		DIR *d = opendir(path);
		struct dirent *de;
		int hashed = 0;

		while (d && !hashed && (de = readdir(d)) != NULL)
			hashed = is_hash_name(de->d_name);
		if (d)
			closedir(d);
		return hashed ? PROBE_BUNDLE_CAPATH : PROBE_BUNDLE_OTHER;
	}
	if (strcmp(f->name, "pem") == 0) { /* the PEM reader also reads one DER certificate */
		FILE *fp = fopen(path, "rbe");
		int first = fp ? fgetc(fp) : EOF;

		if (fp)
			fclose(fp);
		return first == 0x30 ? PROBE_BUNDLE_OTHER : PROBE_BUNDLE_PEM;
	}
	return PROBE_BUNDLE_OTHER;
}

int probe_bundle_read(const char *path, const char *password, struct certlist *out,
                      enum probe_bundle_kind *kind, struct rw_err *e)
{
	struct emit_opts eo;
	const struct emit_format *f = NULL;

	emit_opts_init(&eo);
	eo.password = password;
	if (emit_read_any(path, &eo, out, &f, e) < 0) {
		if (e)
			e->status = RW_CHECK_UNKNOWN;
		return -1;
	}
	if (out->n == 0)
		return err_set(e, RW_CHECK_UNKNOWN, "%s: no certificate in the bundle", path);
	if (kind)
		*kind = kind_of(path, f);
	return 0;
}

/* The password a bundle's store is opened with: the one given, else a managed bundle's own. */
static const char *bundle_password(const struct probe_bundle *b)
{
	if (b->password)
		return b->password;
	return b->managed ? b->managed->password : NULL;
}

void probe_assessment_free(struct probe_assessment *a)
{
	if (a == NULL)
		return;
	findings_free(&a->f);
	strv_free(a->settings, a->n_settings);
	a->settings = NULL;
	a->n_settings = 0;
}

/* GnuTLS objects for a certlist (caller deinits each and frees the array). */
static gnutls_x509_crt_t *to_crts(const struct certlist *l)
{
	gnutls_x509_crt_t *v = calloc(l->n ? l->n : 1, sizeof(*v));

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		if (cert_gnutls(l->v[i], &v[i], NULL) < 0) {
			for (size_t k = 0; k < i; k++)
				gnutls_x509_crt_deinit(v[k]);
			free(v);
			return NULL;
		}
	return v;
}

static void free_crts(gnutls_x509_crt_t *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		gnutls_x509_crt_deinit(v[i]);
	free(v);
}

/* A trust list holding copies of certs (NULL entries skipped). */
static gnutls_x509_trust_list_t trust_of(const struct cert *const *certs, size_t n)
{
	gnutls_x509_trust_list_t tl = NULL;

	if (gnutls_x509_trust_list_init(&tl, 0) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		gnutls_x509_crt_t c;

		if (certs[i] == NULL || cert_gnutls(certs[i], &c, NULL) < 0)
			continue;
		if (gnutls_x509_trust_list_add_cas(tl, &c, 1, 0) != 1)
			gnutls_x509_crt_deinit(c);
	}
	return tl;
}

static const char *ver_list(const struct probe_result *r, enum probe_outcome want, char *b,
                            size_t n)
{
	size_t used = 0;

	b[0] = '\0';
	for (int v = 0; v < PROBE_N_VERSIONS; v++)
		if (r->version[v].outcome == want)
			used += (size_t)snprintf(b + used, used < n ? n - used : 0, "%s%s",
			                         used ? ", " : "", probe_version_name(v));
	return used ? b : "none";
}

static int judge_tls(const struct probe_result *r, struct probe_assessment *a)
{
	const char *url = r->u.url;
	const struct probe_scheme *s = r->u.scheme;

	switch (r->pre.tls) {
	case PROBE_TLS_NOT_OFFERED:
		snprintf(a->azure_min_tls, sizeof(a->azure_min_tls), "TLSEnforcementDisabled");
		return ADD(&a->f, url, "tls", V_FAIL, s->tls_on_fix,
		           "cleartext only: %s; passwords and data travel unencrypted "
		           "(Azure: TLSEnforcementDisabled)",
		           r->pre.detail);
	case PROBE_TLS_LOGIN_ONLY:
		return ADD(&a->f, url, "tls", V_WARN, s->tls_on_fix,
		           "%s: only the login is encrypted unless the client asks for "
		           "encryption; the data may travel in cleartext",
		           r->pre.detail);
	case PROBE_TLS_REQUIRED:
		return ADD(&a->f, url, "tls", V_PASS, NULL, "%s: the server requires encryption",
		           r->pre.detail);
	case PROBE_TLS_OFFERED:
		return ADD(&a->f, url, "tls", V_PASS, NULL,
		           "%s: TLS offered (whether cleartext logins are refused is decided after "
		           "the startup message and is not visible without logging in)",
		           r->pre.detail);
	case PROBE_TLS_FIRST:
		return ADD(&a->f, url, "tls", V_PASS, NULL, "%s", r->pre.detail);
	default:
		return ADD(&a->f, url, "tls", V_UNKNOWN, NULL, "what the server offers is unknown");
	}
}

static int judge_versions(const struct probe_result *r, struct probe_assessment *a)
{
	const char *url = r->u.url;
	char acc[64], ref[64], fl[64], tmp[64];
	int min = -1;

	for (int v = 0; v < PROBE_N_VERSIONS && min < 0; v++)
		if (r->version[v].outcome == PROBE_ACCEPTED)
			min = v;
	snprintf(acc, sizeof(acc), "%s", ver_list(r, PROBE_ACCEPTED, tmp, sizeof(tmp)));
	snprintf(ref, sizeof(ref), "%s", ver_list(r, PROBE_REFUSED, tmp, sizeof(tmp)));
	snprintf(fl, sizeof(fl), "%s", ver_list(r, PROBE_FAILED, tmp, sizeof(tmp)));
	if (min < 0) {
		const struct probe_attempt *x = &r->version[PROBE_TLS12];

		return ADD(&a->f, url, "tls-versions", V_FAIL, r->u.scheme->tls_on_fix,
		           "no TLS version accepted (refused: %s; failed: %s; TLS 1.2: %s)", ref,
		           fl, x->error[0] ? x->error : probe_outcome_name(x->outcome));
	}
	snprintf(a->azure_min_tls, sizeof(a->azure_min_tls), "%s",
	         min == PROBE_TLS10   ? "TLS1_0"
	         : min == PROBE_TLS11 ? "TLS1_1"
	         : min == PROBE_TLS12 ? "TLS1_2"
	                              : "TLS1_3");
	if (min <= PROBE_TLS11)
		return ADD(&a->f, url, "tls-versions", V_WARN, r->u.scheme->min_tls_fix,
		           "accepts %s; refuses %s%s%s (Azure Minimum TLS version: %s)", acc, ref,
		           strcmp(fl, "none") ? "; failed: " : "", strcmp(fl, "none") ? fl : "",
		           a->azure_min_tls);
	return ADD(&a->f, url, "tls-versions", strcmp(fl, "none") ? V_WARN : V_PASS,
	           strcmp(fl, "none") ? "probe again: an attempt failed without an answer" : NULL,
	           "accepts %s; refuses %s%s%s (Azure Minimum TLS version: %s)", acc, ref,
	           strcmp(fl, "none") ? "; failed: " : "", strcmp(fl, "none") ? fl : "",
	           a->azure_min_tls);
}

static int judge_default(const struct probe_result *r, struct probe_assessment *a)
{
	const struct probe_attempt *d = &r->deflt;
	const char *url = r->u.url;

	if (d->outcome != PROBE_ACCEPTED)
		return ADD(&a->f, url, "tls-default", V_FAIL, r->u.scheme->min_tls_fix,
		           "a default client (GnuTLS NORMAL) gets no TLS session: %s", d->error);
	if (strcmp(d->version, "TLS1.0") == 0 || strcmp(d->version, "TLS1.1") == 0)
		return ADD(&a->f, url, "tls-default", V_WARN, r->u.scheme->min_tls_fix,
		           "a default client gets %s with %s", d->version, d->cipher);
	return ADD(&a->f, url, "tls-default", V_PASS, NULL, "a default client gets %s with %s%s%s",
	           d->version, d->cipher, d->alpn[0] ? ", ALPN " : "", d->alpn);
}

/* Is c's issuer one of the known roots (catalog, bundles)? */
static int issuer_known(gnutls_x509_crt_t c, gnutls_x509_trust_list_t known)
{
	gnutls_x509_crt_t iss = NULL;

	if (known && gnutls_x509_trust_list_get_issuer(known, c, &iss, GNUTLS_TL_GET_COPY) == 0) {
		gnutls_x509_crt_deinit(iss);
		return 1;
	}
	return 0;
}

static int judge_chain(const struct probe_result *r, gnutls_x509_crt_t *crts,
                       gnutls_x509_trust_list_t known, time_t at, struct probe_assessment *a)
{
	const char *url = r->u.url;
	size_t n = r->chain.n;
	int bad = 0;

	for (size_t i = 0; i + 1 < n; i++)
		if (!gnutls_x509_crt_check_issuer(crts[i], crts[i + 1])) {
			bad = 1;
			if (ADD(&a->f, url, "chain", V_FAIL,
			        "send the chain leaf first, each certificate followed by its "
			        "issuer",
			        "out of order: certificate %zu '%s' is not the issuer of "
			        "certificate "
			        "%zu '%s'",
			        i + 1, r->chain.v[i + 1]->label, i, r->chain.v[i]->label) < 0)
				return -1;
			break;
		}
	for (size_t i = 1; i < n; i++) {
		const struct cert *c = r->chain.v[i];
		char t[21];

		if (c->self_issued)
			continue; /* a root sent along: clients ignore it */
		if (at < c->not_before || at > c->not_after) {
			bad = 1;
			time_format(at > c->not_after ? c->not_after : c->not_before, t);
			if (ADD(&a->f, url, "chain", V_FAIL,
			        "install the CA's current intermediate in the server's certificate "
			        "file",
			        "intermediate '%s' %s %s", c->label,
			        at > c->not_after ? "expired on" : "is not valid before", t) < 0)
				return -1;
		}
		if (c->sig_hash_weak) {
			bad = 1;
			if (ADD(&a->f, url, "chain", V_FAIL,
			        "install an intermediate signed with SHA-256 or stronger",
			        "intermediate '%s' is signed with %s: OpenSSL security level 1 and "
			        "above refuse it",
			        c->label, c->sig_alg) < 0)
				return -1;
		}
	}
	if (n == 1 && !r->chain.v[0]->self_issued && !issuer_known(crts[0], known)) {
		bad = 1;
		if (ADD(&a->f, url, "chain", V_WARN,
		        "put the intermediate after the leaf in the server's certificate file",
		        "leaf only: the server sends no intermediate, so a client must hold '%s' "
		        "itself",
		        r->chain.v[0]->issuer) < 0)
			return -1;
	}
	if (!bad)
		return ADD(&a->f, url, "chain", V_PASS, NULL,
		           "%zu certificate%s as sent, leaf first, each issued by the next", n,
		           n == 1 ? "" : "s");
	return 0;
}

/* The root the chain ends at: a catalog root (by SHA-256, or a self-signed one by SPKI). */
static void name_root(const struct probe_result *r, gnutls_x509_crt_t *crts,
                      const struct probe_assess_opts *o, gnutls_x509_trust_list_t cat_tl,
                      struct probe_assessment *a)
{
	struct servercert_chain_result cr;

	a->root = -1;
	if (cat_tl && servercert_chain(crts, (unsigned)r->chain.n, cat_tl, servercert_time(o->at),
	                               &cr) == 0) {
		if (cr.verdict != SC_CHAIN_UNTRUSTED && cr.anchor_crt) {
			unsigned char der[8192];
			size_t dl = sizeof(der);

			if (gnutls_x509_crt_export(cr.anchor_crt, GNUTLS_X509_FMT_DER, der, &dl) ==
			    0) {
				struct cert *c = cert_from_der(der, dl, "anchor", NULL);

				if (c) {
					a->root = catalog_root_by_sha256(o->cat, c->sha256);
					for (size_t i = 0; a->root < 0 && i < o->cat->n_roots; i++)
						if (strcmp(o->cat->roots[i].spki_sha256,
						           c->spki_sha256) == 0)
							a->root = (long)i;
					cert_free(c);
				}
			}
		}
		if (cr.anchor_crt)
			gnutls_x509_crt_deinit(cr.anchor_crt);
	}
	if (a->root >= 0)
		snprintf(a->root_label, sizeof(a->root_label), "%s", o->cat->roots[a->root].name);
}

/* Does the bundle content 'held' verify the chain at 'at' (and the host name)? */
static int verify_full(const struct probe_result *r, gnutls_x509_crt_t *crts,
                       const struct cert *const *held, size_t n_held, time_t at, char *why,
                       size_t wn, char *anchor, size_t an, time_t *anchor_not_after)
{
	gnutls_x509_trust_list_t tl = trust_of(held, n_held);
	struct servercert_chain_result cr;
	int ok = 0;

	if (tl == NULL) {
		snprintf(why, wn, "out of memory");
		return -1;
	}
	if (servercert_chain(crts, (unsigned)r->chain.n, tl, at, &cr) < 0) {
		snprintf(why, wn, "out of memory");
		ok = -1;
	} else if (cr.verdict != SC_CHAIN_OK) {
		snprintf(why, wn, "%s", cr.reason);
	} else if (!gnutls_x509_crt_check_hostname2(crts[0], r->u.host, 0)) {
		snprintf(why, wn,
		         "the chain verifies to '%s' but %s is not a name of the certificate",
		         cr.anchor, r->u.host);
	} else {
		ok = 1;
		snprintf(anchor, an, "%s", cr.anchor);
		if (anchor_not_after)
			*anchor_not_after =
			        cr.anchor_crt
			                ? gnutls_x509_crt_get_expiration_time(cr.anchor_crt)
			                : gnutls_x509_crt_get_expiration_time(crts[r->chain.n - 1]);
	}
	if (cr.anchor_crt)
		gnutls_x509_crt_deinit(cr.anchor_crt);
	gnutls_x509_trust_list_deinit(tl, 1);
	return ok;
}

static int has_root(const struct cert *const *held, size_t n, const struct catalog_root *root)
{
	for (size_t i = 0; i < n; i++)
		if (held[i] && (strcmp(held[i]->sha256, root->sha256) == 0 ||
		                (root->spki_sha256[0] && held[i]->self_sig_ok &&
		                 strcmp(held[i]->spki_sha256, root->spki_sha256) == 0)))
			return 1;
	return 0;
}

/* One coming step of one profile, for one bundle. */
static int judge_step(const struct probe_result *r, gnutls_x509_crt_t *crts,
                      const struct probe_assess_opts *o, const struct probe_bundle *b,
                      const struct certlist *file, const struct catalog_profile *p,
                      const struct catalog_step *st, struct probe_assessment *a, struct rw_err *e)
{
	const struct cert **held = NULL;
	size_t n_held = 0;
	struct rotation_roots w = {0};
	struct buf lacks;
	char day[11], why[600], anchor[256];
	time_t anchor_na = 0;
	int rc = -1, ok;

	date_format(st->from, day);
	buf_init(&lacks, 4096);
	if (b->managed) {
		if (rotation_written(o->cat, b->managed, st->from, &o->ro, &w, e) < 0)
			goto out;
		held = calloc(w.n ? w.n : 1, sizeof(*held));
		if (held == NULL)
			goto oom;
		for (size_t i = 0; i < w.n; i++)
			held[n_held++] = o->cat->roots[w.v[i]].cert;
	} else {
		held = calloc(file->n ? file->n : 1, sizeof(*held));
		if (held == NULL)
			goto oom;
		for (size_t i = 0; i < file->n; i++)
			held[n_held++] = file->v[i];
	}
	for (size_t i = 0; i < st->n_required; i++) {
		const struct catalog_root *root = &o->cat->roots[st->required[i]];

		if (!has_root(held, n_held, root))
			buf_printf(&lacks, "%s%s", lacks.len ? ", " : "", root->name);
	}
	/* The server's certificates as they are now (they will be renewed before a far step);
	 * the bundle's content and its root as they will be on the step's day. */
	ok = verify_full(r, crts, held, n_held, servercert_time(o->at), why, sizeof(why), anchor,
	                 sizeof(anchor), &anchor_na);
	if (ok < 0)
		goto oom;
	if (ok && anchor_na < date_start(st->from)) {
		char t[21];

		time_format(anchor_na, t);
		snprintf(why, sizeof(why), "its root '%s' expires on %s, before the step", anchor,
		         t);
		ok = 0;
	}
	if (!ok)
		rc = ADD(&a->f, b->path, "bundle-step", V_FAIL,
		         b->managed
		                 ? "check the catalog and the bundle's profiles: sync will write "
		                   "a bundle that does not verify this server"
		                 : "add the roots the step needs to the bundle, or let "
		                   "'rootwarden sync' manage it",
		         "%s step %s%s%s: %s the server's current chain fails verify-full: %s",
		         p->id, day, st->note ? " " : "", st->note ? st->note : "",
		         b->managed ? "as sync will write it," : "as the file is,", why);
	else if (lacks.len)
		rc = ADD(&a->f, b->path, "bundle-step", V_WARN,
		         "add the step's roots before the server moves to them",
		         "%s step %s: still verifies the current chain (to '%s'), but lacks %s, "
		         "which the step requires: verify-full fails once the server moves to it",
		         p->id, day, anchor, lacks.data);
	else
		rc = ADD(
		        &a->f, b->path, "bundle-step", V_PASS, NULL,
		        "%s step %s: verifies the current chain (to '%s') and holds every root the "
		        "step requires",
		        p->id, day, anchor);
	if (rc < 0)
		goto oom;
	goto out;
oom:
	rc = OOM(e, r->u.url);
out:
	buf_free(&lacks);
	rotation_roots_free(&w);
	free(held);
	return rc;
}

static int judge_bundle(const struct probe_result *r, gnutls_x509_crt_t *crts,
                        const struct probe_assess_opts *o, const struct probe_bundle *b,
                        struct probe_assessment *a, struct rw_err *e)
{
	struct certlist file = {0};
	enum probe_bundle_kind kind = PROBE_BUNDLE_OTHER;
	char why[600], anchor[256];
	int rc = -1, ok;
	int32_t today = date_of_time(servercert_time(o->at));

	{
		struct rw_err be = {0};

		/* An unreadable bundle is this bundle's verdict, not the end of the probe. */
		if (probe_bundle_read(b->path, bundle_password(b), &file, &kind, &be) < 0) {
			certlist_free(&file);
			if (ADD(&a->f, b->path, "bundle", V_UNKNOWN, "give a readable bundle", "%s",
			        be.msg) < 0)
				return OOM(e, r->u.url);
			return 0;
		}
	}
	ok = verify_full(r, crts, (const struct cert *const *)file.v, file.n,
	                 servercert_time(o->at), why, sizeof(why), anchor, sizeof(anchor), NULL);
	if (ok < 0)
		goto oom;
	if (ok) {
		if (ADD(&a->f, b->path, "bundle", V_PASS, NULL,
		        "verifies %s (verify-full: chain to '%s', host name %s)", r->u.url, anchor,
		        r->u.host) < 0 ||
		    r->u.scheme->client_settings(&r->u, b->path, kind, &a->settings,
		                                 &a->n_settings) < 0)
			goto oom;
		if (kind == PROBE_BUNDLE_OTHER &&
		    strv_addf(&a->settings, &a->n_settings,
		              "%s: no client here reads this format as it is: write the bundle as "
		              "PEM "
		              "(rootwarden bundle --format pem), openssl-directory or a Java store "
		              "for the clients",
		              b->path) < 0)
			goto oom;
		if (a->root_label[0] == '\0')
			snprintf(a->root_label, sizeof(a->root_label), "%s", anchor);
	} else if (ADD(&a->f, b->path, "bundle", V_FAIL,
	               "add the root the server chains to (see 'root') to the bundle",
	               "fails verify-full for %s: %s", r->u.url, why) < 0) {
		goto oom;
	}
	if (o->cat) {
		const char *const *profiles = o->profile ? &o->profile : NULL;
		size_t np = o->profile ? 1 : 0;

		if (!o->profile && b->managed) {
			profiles = b->managed->profiles;
			np = b->managed->n_profiles;
		}
		for (size_t k = 0; k < np; k++) {
			const struct catalog_profile *p = catalog_profile(o->cat, profiles[k]);

			if (p == NULL) {
				err_set(e, RW_CHECK_UNKNOWN, "%s: unknown profile '%s'",
				        o->cat->path, profiles[k]);
				goto out;
			}
			for (size_t s = 0; s < p->n_steps; s++)
				if (p->steps[s].from > today &&
				    judge_step(r, crts, o, b, &file, p, &p->steps[s], a, e) < 0)
					goto out;
		}
	}
	rc = 0;
	goto out;
oom:
	rc = OOM(e, r->u.url);
out:
	certlist_free(&file);
	return rc;
}

int probe_assess(const struct probe_result *r, const struct probe_assess_opts *o,
                 struct probe_assessment *a, struct rw_err *e)
{
	const char *url = r->u.url;
	gnutls_x509_crt_t *crts = NULL;
	gnutls_x509_trust_list_t cat_tl = NULL, known = NULL;
	int sql = strcmp(r->u.scheme->name, "sqlserver") == 0;
	int rc = -1;

	memset(a, 0, sizeof(*a));
	findings_init(&a->f);
	a->root = -1;
	if (!r->reachable) {
		if (ADD(&a->f, url, "connect", V_UNKNOWN,
		        "check the host, the port and that the server listens there", "%s",
		        r->error) < 0)
			return OOM(e, url);
		return 0;
	}
	if (judge_tls(r, a) < 0)
		goto oom;
	if (r->pre.tls == PROBE_TLS_NOT_OFFERED)
		return 0;
	if (judge_versions(r, a) < 0 || judge_default(r, a) < 0)
		goto oom;
	if (r->chain.n == 0) {
		rc = 0;
		goto out;
	}
	crts = to_crts(&r->chain);
	if (crts == NULL)
		goto oom;
	/* Known roots: the catalog's, for naming the root and telling "leaf only" from "issued by
	 * a root directly". */
	if (o->cat) {
		const struct cert **cc = calloc(o->cat->n_roots + 1, sizeof(*cc));

		if (cc == NULL)
			goto oom;
		for (size_t i = 0; i < o->cat->n_roots; i++)
			cc[i] = o->cat->roots[i].cert;
		cat_tl = trust_of(cc, o->cat->n_roots);
		free(cc);
		if (cat_tl == NULL)
			goto oom;
	}
	{
		struct certlist all = {0};

		for (size_t i = 0; i < o->n_bundles; i++) {
			struct certlist one = {0};

			/* an unreadable bundle is judged (UNKNOWN) in judge_bundle */
			if (probe_bundle_read(o->bundles[i].path, bundle_password(&o->bundles[i]),
			                      &one, NULL, NULL) == 0)
				certlist_take_all(&all, &one);
			certlist_free(&one);
		}
		if (o->cat)
			for (size_t i = 0; i < o->cat->n_roots; i++)
				if (o->cat->roots[i].cert)
					certlist_add(&all, cert_dup(o->cat->roots[i].cert));
		known = trust_of((const struct cert *const *)all.v, all.n);
		certlist_free(&all);
	}
	if (judge_chain(r, crts, known, servercert_time(o->at), a) < 0)
		goto oom;
	{
		const char *const host = r->u.host;
		struct servercert_opts so = {
		        .hosts = &host,
		        .n_hosts = 1,
		        .at = o->at,
		        .who = sql ? "SQL Server" : NULL,
		        .eku_optional = !sql,
		        .renew_fix = sql ? "renew the certificate, update network.tlscert and "
		                           "restart SQL Server"
		                         : NULL,
		};

		if (servercert_check_crt(crts[0], url, &so, &a->f, e) < 0)
			goto out;
	}
	name_root(r, crts, o, cat_tl, a);
	for (size_t i = 0; i < o->n_bundles; i++)
		if (judge_bundle(r, crts, o, &o->bundles[i], a, e) < 0)
			goto out;
	if (a->root >= 0) {
		if (ADD(&a->f, url, "root", V_PASS, NULL, "chains to '%s' (catalog id %s)",
		        a->root_label, o->cat->roots[a->root].id) < 0)
			goto oom;
	} else if (a->root_label[0]) {
		if (ADD(&a->f, url, "root", V_PASS, NULL, "chains to '%s' (not a catalog root)",
		        a->root_label) < 0)
			goto oom;
	} else {
		const struct cert *last = r->chain.v[r->chain.n - 1];

		snprintf(a->root_label, sizeof(a->root_label), "%s",
		         last->self_issued ? last->label : last->issuer);
		if (ADD(&a->f, url, "root", V_WARN,
		        "give --bundle PATH with the root clients use for this server",
		        "the chain ends at '%s', which is neither a catalog root nor a root of a "
		        "given bundle",
		        a->root_label) < 0)
			goto oom;
	}
	rc = 0;
	goto out;
oom:
	rc = OOM(e, url);
out:
	free_crts(crts, r->chain.n);
	if (cat_tl)
		gnutls_x509_trust_list_deinit(cat_tl, 1);
	if (known)
		gnutls_x509_trust_list_deinit(known, 1);
	return rc;
}

int probe_check_configured(const char *url, const char *profile, const char *bundle,
                           const char *password_file, const struct catalog *cat_in,
                           struct findings *f, struct rw_err *e)
{
	struct probe_url u;
	struct probe_opts po;
	struct probe_result r = {0};
	struct probe_assessment a = {0};
	struct probe_bundle b = {.path = bundle};
	struct probe_assess_opts ao = {.profile = profile, .bundles = &b, .n_bundles = bundle != 0};
	struct catalog *cat = NULL;
	char *password = NULL;
	int rc = -1;

	rotation_opts_init(&ao.ro);
	if (probe_url_parse(url, &u, e) < 0)
		return -1;
	if (cat_in == NULL && cli_load_catalog(NULL, &cat, e) < 0)
		return -1;
	ao.cat = cat_in ? cat_in : cat;
	if (password_file && file_read_password(password_file, 0, &password, e) < 0)
		goto out;
	b.password = password;
	if (profile && catalog_profile(ao.cat, profile) == NULL) {
		err_set(e, RW_EXIT_INPUT, "%s: unknown profile '%s'", url, profile);
		goto out;
	}
	probe_opts_init(&po);
	if (probe_run(&u, 1, &po, &r, e) < 0 || probe_assess(&r, &ao, &a, e) < 0)
		goto out;
	if (findings_take_all(f, &a.f) < 0) {
		OOM(e, url);
		goto out;
	}
	rc = 0;
out:
	probe_assessment_free(&a);
	probe_result_free(&r);
	catalog_free(cat);
	if (password) {
		gnutls_memset(password, 0, strlen(password));
		free(password);
	}
	return rc;
}
