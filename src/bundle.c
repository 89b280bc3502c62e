#include "bundle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "buf.h"
#include "date.h"

void bundle_spec_init(struct bundle_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->day = date_today();
	s->grace_days = PLAN_DEFAULT_GRACE_DAYS;
}

static int note(struct bundle *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int note(struct bundle *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int note(struct bundle *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strv_vaddf(&b->notes, &b->n_notes, fmt, ap);
	va_end(ap);
	return r;
}

void bundle_free(struct bundle *b)
{
	certlist_free(&b->certs);
	strv_free(b->notes, b->n_notes);
	b->notes = NULL;
	b->n_notes = 0;
	plan_free(&b->plan);
}

void selection_free(struct selection *s)
{
	plan_free(&s->plan);
	free(s->state);
	memset(s, 0, sizeof(*s));
}

static int is_excluded(const struct bundle_spec *spec, const char *sha256, struct rw_err *e)
{
	char fp[CERT_HEX_LEN + 1];

	for (size_t i = 0; i < spec->n_excludes; i++) {
		if (fingerprint_normalize(spec->excludes[i], fp) < 0)
			return err_set(e, RW_EXIT_INPUT,
			               "exclude '%s': not a SHA-256 fingerprint (64 hex digits)",
			               spec->excludes[i]);
		if (strcmp(fp, sha256) == 0)
			return 1;
	}
	return 0;
}

int bundle_select(const struct catalog *cat, const struct bundle_spec *spec, struct selection *out,
                  struct rw_err *e)
{
	struct plan_opts po = {spec->day, spec->grace_days, spec->keep_expired, spec->ahead_days};
	time_t at = date_start(spec->day);

	memset(out, 0, sizeof(*out));
	if (plan_build(cat, spec->profiles, spec->n_profiles, &po, &out->plan, e) < 0)
		return -1;
	if ((out->state = calloc(out->plan.n + 1, 1)) == NULL) {
		selection_free(out);
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	}
	for (size_t i = 0; i < spec->n_roots; i++)
		if (spec->roots[i] < out->plan.n)
			out->state[spec->roots[i]] = SEL_WRITTEN;
	for (size_t ri = 0; ri < out->plan.n; ri++) {
		const struct catalog_root *r = &cat->roots[ri];
		int x;

		if (out->plan.role[ri] == PLAN_NONE && out->state[ri] == SEL_NONE)
			continue;
		if (r->cert == NULL) {
			out->state[ri] = SEL_UNAVAILABLE;
			out->n_unavailable += out->plan.role[ri] == PLAN_NONE;
			continue;
		}
		if (cert_is_expired(r->cert, at) && !spec->keep_expired) {
			out->state[ri] = SEL_EXPIRED;
			continue;
		}
		if ((x = is_excluded(spec, r->sha256, e)) < 0) {
			selection_free(out);
			return -1;
		}
		out->state[ri] = x ? SEL_EXCLUDED : SEL_WRITTEN;
		out->n_written += !x;
	}
	return 0;
}

static int add_catalog_roots(const struct catalog *cat, const struct bundle_spec *spec,
                             const struct selection *sel, struct bundle *b, struct rw_err *e)
{
	char d[11];

	for (size_t ri = 0; ri < sel->plan.n; ri++) {
		const struct catalog_root *r = &cat->roots[ri];
		struct cert *c;

		switch (sel->state[ri]) {
		case SEL_EXPIRED:
			date_format(date_of_time(r->cert->not_after), d);
			if (note(b, "dropped %s: expired on %s", r->name, d) < 0)
				goto oom;
			continue;
		case SEL_EXCLUDED:
			if (note(b, "excluded %s (%s)", r->name, r->sha256) < 0)
				goto oom;
			continue;
		case SEL_UNAVAILABLE:
			if (sel->plan.role[ri] == PLAN_NONE &&
			    note(b, "root '%s' has no verified copy yet; left out", r->id) < 0)
				goto oom;
			continue;
		case SEL_WRITTEN:
			break;
		default:
			continue;
		}
		c = cert_dup(r->cert);
		if (c == NULL || cert_set_label(c, r->name) < 0) {
			cert_free(c);
			goto oom;
		}
		if (certlist_add(&b->certs, c) < 0)
			goto oom;
	}
	b->n_unavailable = sel->n_unavailable;
	return 0;
oom:
	return err_set(e, RW_EXIT_FAILURE, "out of memory");
}

static int add_includes(const struct bundle_spec *spec, struct bundle *b, struct rw_err *e)
{
	time_t at = date_start(spec->day);
	char d[11];

	for (size_t i = 0; i < spec->n_includes; i++) {
		struct certlist tmp = {0};
		int rc = 0;

		if (certs_read_path_vc(spec->includes[i], spec->verify_cache, &tmp, e) < 0) {
			certlist_free(&tmp);
			return -1;
		}
		for (size_t k = 0; k < tmp.n && rc == 0; k++) {
			struct cert *c = tmp.v[k];

			if (cert_check_root(c, e) < 0) {
				rc = -1;
				break;
			}
			tmp.v[k] = NULL;
			if (cert_is_expired(c, at) && !spec->keep_expired) {
				date_format(date_of_time(c->not_after), d);
				if (note(b, "dropped %s (%s): expired on %s", c->label, c->origin,
				         d) < 0)
					rc = err_set(e, RW_EXIT_FAILURE, "out of memory");
				cert_free(c);
				continue;
			}
			if (certlist_add(&b->certs, c) < 0)
				rc = err_set(e, RW_EXIT_FAILURE, "out of memory");
		}
		/* entries moved out are NULL; cert_free(NULL) is safe */
		certlist_free(&tmp);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Excludes over the included files' certificates (catalog roots were excluded by the
 * selection); an exclude that matched nothing at all is noted. */
static int apply_excludes(const struct catalog *cat, const struct bundle_spec *spec,
                          const struct selection *sel, struct bundle *b, struct rw_err *e)
{
	char fp[CERT_HEX_LEN + 1];

	for (size_t i = 0; i < spec->n_excludes; i++) {
		size_t w = 0, hit = 0;

		if (fingerprint_normalize(spec->excludes[i], fp) < 0)
			return err_set(e, RW_EXIT_INPUT,
			               "exclude '%s': not a SHA-256 fingerprint (64 hex digits)",
			               spec->excludes[i]);
		for (size_t r = 0; r < b->certs.n; r++) {
			if (strcmp(b->certs.v[r]->sha256, fp) == 0) {
				if (!hit &&
				    note(b, "excluded %s (%s)", b->certs.v[r]->label, fp) < 0)
					return err_set(e, RW_EXIT_FAILURE, "out of memory");
				cert_free(b->certs.v[r]);
				hit++;
				continue;
			}
			b->certs.v[w++] = b->certs.v[r];
		}
		b->certs.n = w;
		for (size_t ri = 0; ri < sel->plan.n && !hit; ri++)
			hit = sel->state[ri] == SEL_EXCLUDED &&
			      strcmp(cat->roots[ri].sha256, fp) == 0;
		if (!hit && note(b, "exclude %s matched no certificate", fp) < 0)
			return err_set(e, RW_EXIT_FAILURE, "out of memory");
	}
	return 0;
}

static int bundle_ended_error(const struct catalog_profile *p, const char *who, const char *d,
                              struct rw_err *e)
{
	char end[11];

	date_format(p->ends.day, end);
	return err_set(e, RW_EXIT_INPUT,
	               "bundle %s at %s would be empty: profile '%s' ended on %s%s%s; refusing "
	               "to write it",
	               who, d, p->id, end, p->ends.note ? ": " : "",
	               p->ends.note ? p->ends.note : "");
}

static int check_required(const struct catalog *cat, const struct bundle_spec *spec,
                          struct bundle *b, struct rw_err *e)
{
	struct buf missing;
	char d[11], who[512];
	int rc = 0;

	buf_init(&missing, 8192);
	for (size_t ri = 0; ri < cat->n_roots; ri++) {
		const struct catalog_root *r = &cat->roots[ri];

		if (b->plan.role[ri] != PLAN_REQUIRED || b->plan.expired[ri])
			continue;
		if (certlist_find(&b->certs, r->sha256) != NULL)
			continue;
		buf_printf(&missing, "%s%s (%s)", missing.len ? ", " : "", r->name,
		           r->cert ? "excluded" : "not available");
	}
	who[0] = '\0';
	for (size_t i = 0; i < spec->n_profiles; i++)
		snprintf(who + strlen(who), sizeof(who) - strlen(who), "%s%s", i ? "+" : "",
		         spec->profiles[i]);
	date_format(spec->day, d);
	if (missing.len)
		rc = err_set(e, RW_EXIT_INPUT, "bundle %s at %s lacks required roots: %s",
		             who[0] ? who : "(no profile)", d, missing.data);
	else if (b->certs.n == 0 && b->plan.first_ended != NULL)
		rc = bundle_ended_error(b->plan.first_ended, who[0] ? who : "(no profile)", d, e);
	else if (b->certs.n == 0)
		rc = err_set(e, RW_EXIT_INPUT,
		             "bundle %s at %s would be empty; refusing to write it",
		             who[0] ? who : "(no profile)", d);
	buf_free(&missing);
	return rc;
}

int bundle_build(const struct catalog *cat, const struct bundle_spec *spec, struct bundle *out,
                 struct rw_err *e)
{
	struct selection sel;
	size_t dups;

	memset(out, 0, sizeof(*out));
	if (bundle_select(cat, spec, &sel, e) < 0)
		return -1;
	if (add_catalog_roots(cat, spec, &sel, out, e) < 0 || add_includes(spec, out, e) < 0 ||
	    apply_excludes(cat, spec, &sel, out, e) < 0)
		goto fail;
	certlist_sort(&out->certs);
	dups = certlist_dedup(&out->certs);
	if (dups &&
	    note(out, "%zu duplicate certificate%s removed", dups, dups == 1 ? "" : "s") < 0)
		goto oom;
	out->plan = sel.plan;
	memset(&sel.plan, 0, sizeof(sel.plan));
	selection_free(&sel);
	if (check_required(cat, spec, out, e) < 0)
		goto fail_built;
	return 0;
oom:
	err_set(e, RW_EXIT_FAILURE, "out of memory");
fail:
	selection_free(&sel);
fail_built:
	bundle_free(out);
	return -1;
}
