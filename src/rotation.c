/* rotation.c - profiles' steps, bundle readiness, coming changes and their announcement record.
 * The rules are stated in rotation.h. */
#include "rotation.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "strv.h"
#include "buf.h"
#include "bundle.h"
#include "date.h"
#include "emit.h"
#include "exitcode.h"
#include "fileio.h"
#include "plan.h"
#include "rootref.h"
#include "save.h"
#include "store.h"

#define OOM(e) err_set(e, RW_EXIT_FAILURE, "out of memory")

void rotation_opts_init(struct rotation_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->day = date_today();
	o->warn_days = ROTATION_DEFAULT_WARN_DAYS;
	o->grace_days = PLAN_DEFAULT_GRACE_DAYS;
}

const char *rotation_when_name(enum rotation_when w)
{
	switch (w) {
	case ROTATION_PAST:
		return "past";
	case ROTATION_CURRENT:
		return "current";
	case ROTATION_NEXT:
		return "next";
	default:
		return "later";
	}
}

const char *rotation_verdict_name(int verdict)
{
	static const char *const n[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

	return verdict >= 0 && verdict <= 3 ? n[verdict] : "UNKNOWN";
}

/* ---- small sets and lists ---- */

int rotation_roots_has(const struct rotation_roots *r, size_t ri)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i] == ri)
			return 1;
	return 0;
}

static int roots_add(struct rotation_roots *r, size_t ri)
{
	size_t *nv, at = 0;

	if (rotation_roots_has(r, ri))
		return 0;
	nv = realloc(r->v, (r->n + 1) * sizeof(*nv));
	if (nv == NULL)
		return -1;
	r->v = nv;
	while (at < r->n && r->v[at] < ri)
		at++;
	memmove(&r->v[at + 1], &r->v[at], (r->n - at) * sizeof(*nv));
	r->v[at] = ri;
	r->n++;
	return 0;
}

static int roots_equal(const struct rotation_roots *a, const struct rotation_roots *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->v, b->v, a->n * sizeof(*a->v)) == 0);
}

void rotation_roots_free(struct rotation_roots *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static int notes_add(struct rotation_notes *n, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static int notes_add(struct rotation_notes *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strv_vaddf(&n->v, &n->n, fmt, ap);
	va_end(ap);
	return r;
}

static void notes_free(struct rotation_notes *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	n->v = NULL;
	n->n = 0;
}

/* Appends the display names of a root set, ", "-separated. */
static void names(const struct catalog *cat, const struct rotation_roots *r, struct buf *out)
{
	for (size_t i = 0; i < r->n; i++)
		buf_printf(out, "%s%s", i ? ", " : "", cat->roots[r->v[i]].name);
}

static int cmp_day(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* The first day on which c is expired (date.h: expired at D when notAfter < 00:00 of D). */
static int32_t expiry_day(const struct cert *c)
{
	return date_of_time(c->not_after) + 1;
}

static int plan_one(const struct catalog *cat, const char *profile, int32_t day, int grace,
                    struct plan *pl, struct rw_err *e)
{
	const char *p[] = {profile};
	struct plan_opts po = {day, grace, 0, 0};

	return plan_build(cat, p, 1, &po, pl, e);
}

static int add_step_roots(struct rotation_roots *r, const struct catalog_step *s)
{
	for (size_t i = 0; i < s->n_required; i++)
		if (roots_add(r, s->required[i]) < 0)
			return -1;
	return 0;
}

/* ---- profiles ---- */

void rotation_profile_free(struct rotation_profile *p)
{
	free(p->when);
	rotation_roots_free(&p->required_now);
	rotation_roots_free(&p->required_next);
	rotation_roots_free(&p->expiring);
	rotation_roots_free(&p->expired);
	notes_free(&p->reasons);
	memset(p, 0, sizeof(*p));
}

/* After a 'becomes': the next step of the profile it became, WARNING inside the window. */
static int successor_next(const struct catalog *cat, const struct catalog_profile *p,
                          const struct rotation_opts *o, struct rotation_profile *out)
{
	const struct catalog_profile *q = catalog_profile_successor(cat, p, o->day);
	long k, days;
	char d[11];

	if (q == NULL)
		return 0;
	k = plan_step_at(q, o->day);
	if (k + 1 >= (long)q->n_steps)
		return 0;
	days = q->steps[k + 1].from - o->day;
	if (days > o->warn_days)
		return 0;
	date_format(q->steps[k + 1].from, d);
	if (out->verdict < RW_CHECK_WARNING)
		out->verdict = RW_CHECK_WARNING;
	return notes_add(
	        &out->reasons, "next step of %s (which it became) on %s (in %ld day%s): %s", q->id,
	        d, days, days == 1 ? "" : "s", q->steps[k + 1].note ? q->steps[k + 1].note : "");
}

/* A profile's 'becomes' and 'ends': WARNING when one falls in (D, D + warn], a note once past. */
static int profile_events(const struct catalog *cat, const struct catalog_profile *p,
                          const struct rotation_opts *o, struct rotation_profile *out)
{
	const struct catalog_event *ev[2] = {&p->becomes, &p->ends};

	for (size_t i = 0; i < 2; i++) {
		long days = ev[i]->day - o->day;
		char d[11], what[200];

		if (ev[i]->day < 0)
			continue;
		date_format(ev[i]->day, d);
		if (ev[i]->target != NULL)
			snprintf(what, sizeof(what), "became %s", ev[i]->target);
		else
			snprintf(what, sizeof(what), "ended");
		if (days <= 0) {
			if (notes_add(&out->reasons, "%s on %s%s%s%s%s", what, d,
			              ev[i]->note ? ": " : "", ev[i]->note ? ev[i]->note : "",
			              ev[i]->target ? "; its next steps are those of profile " : "",
			              ev[i]->target ? ev[i]->target : "") < 0 ||
			    (ev[i]->target && successor_next(cat, p, o, out) < 0))
				return -1;
			continue;
		}
		if (days > o->warn_days)
			continue;
		if (out->verdict < RW_CHECK_WARNING)
			out->verdict = RW_CHECK_WARNING;
		if (notes_add(&out->reasons, "%s on %s (in %ld day%s)%s%s",
		              ev[i]->target ? "becomes another profile" : "ends", d, days,
		              days == 1 ? "" : "s", ev[i]->note ? ": " : "",
		              ev[i]->note ? ev[i]->note : "") < 0)
			return -1;
	}
	return 0;
}

int rotation_profile_assess(const struct catalog *cat, const char *profile,
                            const struct rotation_opts *o, struct rotation_profile *out,
                            struct rw_err *e)
{
	const struct catalog_profile *p = catalog_profile(cat, profile);
	struct plan pl = {0};
	struct rotation_roots used = {0};
	char d[11];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (p == NULL)
		return err_set(e, RW_EXIT_INPUT, "%s: unknown profile '%s'", cat->path, profile);
	out->profile = p;
	out->when = calloc(p->n_steps + 1, 1);
	if (out->when == NULL)
		goto oom;
	out->current = plan_step_at(p, o->day);
	out->next = out->current + 1 < (long)p->n_steps ? out->current + 1 : -1;
	out->days_to_next = out->next >= 0 ? p->steps[out->next].from - o->day : -1;
	for (size_t i = 0; i < p->n_steps; i++)
		out->when[i] = (long)i < out->current    ? ROTATION_PAST
		               : (long)i == out->current ? ROTATION_CURRENT
		               : (long)i == out->next    ? ROTATION_NEXT
		                                         : ROTATION_LATER;
	if (out->next >= 0) {
		const struct catalog_step *n = &p->steps[out->next];

		if (add_step_roots(&out->required_next, n) < 0 || add_step_roots(&used, n) < 0)
			goto oom;
		for (size_t i = 0; i < n->n_optional; i++)
			if (roots_add(&used, n->optional[i]) < 0)
				goto oom;
	}
	if (out->current < 0) {
		if (p->n_steps)
			date_format(p->steps[0].from, d);
		else
			strcpy(d, "any day");
		out->verdict = RW_CHECK_UNKNOWN;
		if (notes_add(&out->reasons, "the catalog has no timeline for %s before %s", p->id,
		              d) < 0)
			goto oom;
		rc = 0;
		goto out;
	}
	if (catalog_profile_ended(p, o->day)) {
		/* Nothing to connect to any more: nothing required, nothing to warn about. */
		out->verdict = RW_CHECK_OK;
		if (profile_events(cat, p, o, out) < 0)
			goto oom;
		rc = 0;
		goto out;
	}
	if (add_step_roots(&out->required_now, &p->steps[out->current]) < 0)
		goto oom;
	/* A service that became another: its servers now need what the successor's do too (the
	 * bundle already holds both, plan.h), so "required now" says so. */
	for (const struct catalog_profile *q = catalog_profile_successor(cat, p, o->day); q;
	     q = catalog_profile_successor(cat, q, o->day)) {
		long k = plan_step_at(q, o->day);

		if (k >= 0 && add_step_roots(&out->required_now, &q->steps[k]) < 0)
			goto oom;
	}
	if (plan_one(cat, p->id, o->day, o->grace_days, &pl, e) < 0)
		goto out;
	for (size_t ri = 0; ri < pl.n; ri++) {
		if (pl.role[ri] != PLAN_NONE && roots_add(&used, ri) < 0)
			goto oom;
		if (pl.expired[ri] && rotation_roots_has(&out->required_now, ri) &&
		    roots_add(&out->expired, ri) < 0)
			goto oom;
	}
	for (size_t i = 0; i < used.n; i++) {
		const struct cert *c = cat->roots[used.v[i]].cert;
		int32_t x;

		if (c == NULL)
			continue;
		x = expiry_day(c);
		if (x > o->day && x - o->day <= o->warn_days &&
		    roots_add(&out->expiring, used.v[i]) < 0)
			goto oom;
	}
	out->verdict = RW_CHECK_OK;
	if (out->required_now.n > 0 && out->expired.n == out->required_now.n) {
		out->verdict = RW_CHECK_CRITICAL;
		if (notes_add(&out->reasons, "every root the step in force requires has expired") <
		    0)
			goto oom;
	}
	if (out->next >= 0 && out->days_to_next <= o->warn_days) {
		date_format(p->steps[out->next].from, d);
		if (out->verdict < RW_CHECK_WARNING)
			out->verdict = RW_CHECK_WARNING;
		if (notes_add(&out->reasons, "next step on %s (in %ld day%s): %s", d,
		              out->days_to_next, out->days_to_next == 1 ? "" : "s",
		              p->steps[out->next].note ? p->steps[out->next].note : "") < 0)
			goto oom;
	}
	for (size_t i = 0; i < out->expiring.n; i++) {
		const struct catalog_root *r = &cat->roots[out->expiring.v[i]];
		int32_t x = expiry_day(r->cert);

		char d2[11];

		date_format(x - 1, d);
		date_format(x, d2);
		if (out->verdict < RW_CHECK_WARNING)
			out->verdict = RW_CHECK_WARNING;
		if (notes_add(&out->reasons, "%s: not after %s, expired from %s (in %ld day%s)",
		              r->name, d, d2, (long)(x - o->day), x - o->day == 1 ? "" : "s") < 0)
			goto oom;
	}
	if (profile_events(cat, p, o, out) < 0)
		goto oom;
	rc = 0;
	goto out;
oom:
	OOM(e);
out:
	plan_free(&pl);
	rotation_roots_free(&used);
	if (rc < 0)
		rotation_profile_free(out);
	return rc;
}

/* ---- written sets and changes ---- */

int rotation_written(const struct catalog *cat, const struct rotation_target *t, int32_t day,
                     const struct rotation_opts *o, struct rotation_roots *out, struct rw_err *e)
{
	struct bundle_spec spec;
	struct selection sel;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	bundle_spec_init(&spec);
	spec.profiles = t->profiles;
	spec.n_profiles = t->n_profiles;
	spec.roots = t->roots;
	spec.n_roots = t->n_roots;
	spec.excludes = t->excludes;
	spec.n_excludes = t->n_excludes;
	spec.day = day;
	spec.grace_days = o->grace_days;
	spec.keep_expired = o->keep_expired;
	spec.ahead_days = o->ahead_days;
	if (bundle_select(cat, &spec, &sel, e) < 0)
		return -1;
	for (size_t ri = 0; ri < sel.plan.n; ri++)
		if (sel.state[ri] == SEL_WRITTEN && roots_add(out, ri) < 0) {
			OOM(e);
			goto out;
		}
	rc = 0;
out:
	selection_free(&sel);
	if (rc < 0)
		rotation_roots_free(out);
	return rc;
}

void rotation_changes_free(struct rotation_changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		rotation_roots_free(&c->v[i].added);
		rotation_roots_free(&c->v[i].removed);
		free(c->v[i].cause);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* Every day after o->day on which a target's written set may change, ascending, unique. */
static int candidate_days(const struct catalog *cat, const struct rotation_target *t,
                          const struct rotation_opts *o, int32_t **days, size_t *n,
                          struct rw_err *e)
{
	size_t cap = cat->n_roots + 1, k = 0;
	int32_t *v;

	for (size_t i = 0; i < t->n_profiles; i++) {
		const struct catalog_profile *p = catalog_profile(cat, t->profiles[i]);

		if (p == NULL)
			return err_set(e, RW_EXIT_INPUT, "%s: unknown profile '%s'", cat->path,
			               t->profiles[i]);
		cap += plan_profile_days(cat, p, o->grace_days, o->ahead_days, NULL, 0);
	}
	v = calloc(cap, sizeof(*v));
	if (v == NULL)
		return OOM(e);
	for (size_t i = 0; i < t->n_profiles; i++)
		k += plan_profile_days(cat, catalog_profile(cat, t->profiles[i]), o->grace_days,
		                       o->ahead_days, v + k, cap - k);
	for (size_t ri = 0; ri < cat->n_roots; ri++)
		if (cat->roots[ri].cert != NULL)
			v[k++] = expiry_day(cat->roots[ri].cert);
	qsort(v, k, sizeof(*v), cmp_day);
	*n = 0;
	for (size_t i = 0; i < k; i++)
		if (v[i] > o->day && (*n == 0 || v[*n - 1] != v[i]))
			v[(*n)++] = v[i];
	*days = v;
	return 0;
}

static char *change_cause(const struct catalog *cat, const struct rotation_target *t,
                          const struct rotation_opts *o, const struct rotation_change *c)
{
	struct buf b;
	char d[11];

	buf_init(&b, 0);
	for (size_t i = 0; i < t->n_profiles; i++)
		plan_day_causes(cat, catalog_profile(cat, t->profiles[i]), c->day, o->grace_days,
		                o->ahead_days, &b);
	for (size_t i = 0; i < c->removed.n; i++) {
		const struct catalog_root *r = &cat->roots[c->removed.v[i]];

		if (r->cert != NULL && expiry_day(r->cert) == c->day) {
			date_format(c->day - 1, d);
			buf_printf(&b, "%s%s expired (not after %s)", b.len ? "; " : "", r->name,
			           d);
		}
	}
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_steal(&b, NULL);
}

int rotation_changes(const struct catalog *cat, const struct rotation_target *t,
                     const struct rotation_opts *o, struct rotation_changes *out, struct rw_err *e)
{
	struct rotation_roots prev = {0}, cur = {0};
	int32_t *days = NULL;
	size_t nd = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (candidate_days(cat, t, o, &days, &nd, e) < 0)
		return -1;
	if (rotation_written(cat, t, o->day, o, &prev, e) < 0)
		goto out;
	for (size_t i = 0; i < nd; i++) {
		struct rotation_change *c, *nv;

		if (rotation_written(cat, t, days[i], o, &cur, e) < 0)
			goto out;
		if (roots_equal(&prev, &cur)) {
			rotation_roots_free(&cur);
			continue;
		}
		nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (nv == NULL)
			goto oom;
		out->v = nv;
		c = &out->v[out->n++];
		memset(c, 0, sizeof(*c));
		c->day = days[i];
		c->empty = cur.n == 0;
		for (size_t k = 0; k < cur.n; k++)
			if (!rotation_roots_has(&prev, cur.v[k]) &&
			    roots_add(&c->added, cur.v[k]) < 0)
				goto oom;
		for (size_t k = 0; k < prev.n; k++)
			if (!rotation_roots_has(&cur, prev.v[k]) &&
			    roots_add(&c->removed, prev.v[k]) < 0)
				goto oom;
		c->cause = change_cause(cat, t, o, c);
		if (c->cause == NULL)
			goto oom;
		rotation_roots_free(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
	}
	rc = 0;
	goto out;
oom:
	OOM(e);
out:
	free(days);
	rotation_roots_free(&prev);
	rotation_roots_free(&cur);
	if (rc < 0)
		rotation_changes_free(out);
	return rc;
}

/* ---- bundles ---- */

void rotation_bundle_free(struct rotation_bundle *b)
{
	free(b->error);
	certlist_free(&b->held);
	free(b->held_root);
	rotation_roots_free(&b->written_now);
	rotation_roots_free(&b->missing_now);
	rotation_roots_free(&b->transition_now);
	rotation_roots_free(&b->missing_next);
	rotation_changes_free(&b->changes);
	notes_free(&b->reasons);
	memset(b, 0, sizeof(*b));
}

static long held_root_index(const struct catalog *cat, const struct cert *c)
{
	long ri = catalog_root_by_sha256(cat, c->sha256);

	if (ri >= 0)
		return ri;
	if (!c->self_sig_ok)
		return -1; /* a cross-certificate with a root's key does not anchor a chain */
	for (size_t i = 0; i < cat->n_roots; i++)
		if (cat->roots[i].spki_sha256[0] &&
		    strcmp(cat->roots[i].spki_sha256, c->spki_sha256) == 0)
			return (long)i;
	return -1;
}

static int held_has(const struct rotation_bundle *b, size_t ri, int32_t day)
{
	for (size_t i = 0; i < b->held.n; i++)
		if (b->held_root[i] == (long)ri && !cert_is_expired(b->held.v[i], date_start(day)))
			return 1;
	return 0;
}

/* One profile's part of readiness(): raises *verdict; a profile that ended wants nothing. */
static int profile_readiness(const struct catalog *cat, const struct rotation_bundle *b,
                             const struct rotation_opts *o, int32_t day,
                             const struct catalog_profile *p, struct rotation_roots *crit,
                             struct rotation_roots *trans, struct buf *unusable, int *verdict,
                             struct rw_err *e)
{
	const struct catalog_step *s, *prev = NULL;
	struct plan pl;
	int transition = 0, usable = 0;
	long k;

	if (catalog_profile_ended(p, day))
		return 0;
	k = plan_step_at(p, day);
	if (k < 0) {
		buf_printf(unusable, "%s%s (no timeline)", unusable->len ? ", " : "", p->id);
		*verdict = RW_CHECK_UNKNOWN;
		return 0;
	}
	s = &p->steps[k];
	if (k > 0) {
		prev = &p->steps[k - 1];
		for (size_t j = 0; j < s->n_required; j++)
			if (catalog_step_requires(prev, s->required[j]))
				transition = 1;
	}
	if (plan_one(cat, p->id, day, o->grace_days, &pl, e) < 0)
		return -1;
	for (size_t j = 0; j < s->n_required; j++) {
		size_t ri = s->required[j];
		int incoming = transition && !catalog_step_requires(prev, ri);

		if (pl.expired[ri] || held_has(b, ri, day))
			continue;
		if (roots_add(incoming ? trans : crit, ri) < 0) {
			plan_free(&pl);
			return OOM(e);
		}
		if (!incoming)
			*verdict = *verdict < RW_CHECK_CRITICAL ? RW_CHECK_CRITICAL : *verdict;
		else if (*verdict < RW_CHECK_WARNING)
			*verdict = RW_CHECK_WARNING;
	}
	for (size_t ri = 0; ri < pl.n; ri++)
		if (pl.role[ri] != PLAN_NONE && held_has(b, ri, day))
			usable = 1;
	plan_free(&pl);
	if (!usable) {
		buf_printf(unusable, "%s%s", unusable->len ? ", " : "", p->id);
		if (*verdict < RW_CHECK_CRITICAL)
			*verdict = RW_CHECK_CRITICAL;
	}
	return 0;
}

/* The bundle's state on day: critical and transition roots missing, and profiles for which it
 * holds no usable root (names appended to unusable). Each profile is judged with the profiles it
 * has become by that day (a retired service's servers now follow the other's timeline). Returns
 * the verdict or -1. */
static int readiness(const struct catalog *cat, const struct rotation_bundle *b,
                     const struct rotation_opts *o, int32_t day, struct rotation_roots *crit,
                     struct rotation_roots *trans, struct buf *unusable, struct rw_err *e)
{
	const struct rotation_target *t = b->target;
	int verdict = RW_CHECK_OK;

	for (size_t i = 0; i < t->n_profiles; i++) {
		const struct catalog_profile *p = catalog_profile(cat, t->profiles[i]);
		size_t hops = 0;

		if (p == NULL)
			return err_set(e, RW_EXIT_INPUT, "%s: unknown profile '%s'", cat->path,
			               t->profiles[i]);
		for (; p != NULL && hops <= cat->n_profiles;
		     p = catalog_profile_successor(cat, p, day), hops++)
			if (profile_readiness(cat, b, o, day, p, crit, trans, unusable, &verdict,
			                      e) < 0)
				return -1;
	}
	return verdict;
}

static int read_held(const struct catalog *cat, struct rotation_bundle *b, struct rw_err *e)
{
	struct rw_err re = {{0}, 0};
	struct stat st;

	if (stat(b->target->path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
		/* Readable, and holds nothing: a client using it trusts no server. */
		b->readable = 1;
		b->verdict = RW_CHECK_CRITICAL;
		if (notes_add(&b->reasons, "%s: empty file: it holds no certificate",
		              b->target->path) < 0)
			return OOM(e);
		return 1;
	}
	/* any format rootwarden writes (emit.h): PEM, DER, a directory, PKCS #7, PKCS #12, JKS,
	 * a store with the password its target was configured with (password_file) */
	struct emit_opts eo;

	emit_opts_init(&eo);
	eo.password = b->target->password;
	if (emit_read_any(b->target->path, &eo, &b->held, NULL, &re) < 0) {
		certlist_free(&b->held);
		b->verdict = RW_CHECK_UNKNOWN;
		b->error = strdup(re.msg);
		if (b->error == NULL || notes_add(&b->reasons, "%s", re.msg) < 0)
			return OOM(e);
		return 1;
	}
	b->readable = 1;
	b->held_root = calloc(b->held.n + 1, sizeof(*b->held_root));
	if (b->held_root == NULL)
		return OOM(e);
	for (size_t i = 0; i < b->held.n; i++)
		b->held_root[i] = held_root_index(cat, b->held.v[i]);
	return 0;
}

/* The earliest step of the target's profiles after day, or -1. */
static int32_t next_step_day(const struct catalog *cat, const struct rotation_target *t,
                             int32_t day)
{
	int32_t best = -1;

	for (size_t i = 0; i < t->n_profiles; i++) {
		const struct catalog_profile *chain[16];
		size_t n = plan_chain(cat, catalog_profile(cat, t->profiles[i]), chain, 16);

		for (size_t c = 0; c < n; c++)
			for (size_t s = 0; s < chain[c]->n_steps; s++)
				if (chain[c]->steps[s].from > day &&
				    (best < 0 || chain[c]->steps[s].from < best))
					best = chain[c]->steps[s].from;
	}
	return best;
}

/* WARNING when on a step or expiry day inside the window the bundle would not be ready. */
static int look_ahead(const struct catalog *cat, struct rotation_bundle *b,
                      const struct rotation_opts *o, struct rw_err *e)
{
	const struct rotation_target *t = b->target;
	size_t cap = 2 * b->held.n + 1, k = 0;
	int32_t *v = NULL;
	int rc = -1;

	for (size_t i = 0; i < t->n_profiles; i++)
		cap += plan_profile_days(cat, catalog_profile(cat, t->profiles[i]), 0, 0, NULL, 0);
	v = calloc(cap, sizeof(*v));
	if (v == NULL)
		return OOM(e);
	for (size_t i = 0; i < t->n_profiles; i++)
		k += plan_profile_days(cat, catalog_profile(cat, t->profiles[i]), 0, 0, v + k,
		                       cap - k);
	for (size_t i = 0; i < b->held.n; i++)
		v[k++] = expiry_day(b->held.v[i]);
	qsort(v, k, sizeof(*v), cmp_day);
	for (size_t i = 0; i < k; i++) {
		struct rotation_roots crit = {0}, trans = {0};
		struct buf why, unusable;
		char d[11];
		int r;

		if (v[i] <= o->day || v[i] - o->day > o->warn_days || (i > 0 && v[i] == v[i - 1]))
			continue;
		buf_init(&why, 0);
		buf_init(&unusable, 0);
		r = readiness(cat, b, o, v[i], &crit, &trans, &unusable, e);
		if (r > RW_CHECK_OK) {
			date_format(v[i], d);
			names(cat, &crit, &why);
			if (trans.n)
				buf_puts(&why, why.len ? ", " : "");
			names(cat, &trans, &why);
			if (unusable.len)
				buf_printf(&why, "%sno usable root for %s", why.len ? "; " : "",
				           unusable.data);
			if (notes_add(&b->reasons, "not ready for %s (in %ld day%s): missing %s", d,
			              (long)(v[i] - o->day), v[i] - o->day == 1 ? "" : "s",
			              why.data ? why.data : "") < 0)
				r = OOM(e);
			else if (b->verdict < RW_CHECK_WARNING)
				b->verdict = RW_CHECK_WARNING;
		}
		rotation_roots_free(&crit);
		rotation_roots_free(&trans);
		buf_free(&why);
		buf_free(&unusable);
		if (r < 0)
			goto out;
		if (r > RW_CHECK_OK)
			break; /* the first day it fails is what an operator needs */
	}
	rc = 0;
out:
	free(v);
	return rc;
}

int rotation_bundle_assess(const struct catalog *cat, const struct rotation_target *t,
                           const struct rotation_opts *o, struct rotation_bundle *out,
                           struct rw_err *e)
{
	struct rotation_roots crit = {0}, trans = {0};
	struct buf unusable, why;
	int r;

	memset(out, 0, sizeof(*out));
	buf_init(&unusable, 0);
	buf_init(&why, 0);
	out->target = t;
	out->next_step_day = next_step_day(cat, t, o->day);
	if (rotation_written(cat, t, o->day, o, &out->written_now, e) < 0 ||
	    rotation_changes(cat, t, o, &out->changes, e) < 0)
		goto fail;
	if (t->path == NULL)
		goto done;
	r = read_held(cat, out, e);
	if (r < 0)
		goto fail;
	if (r > 0)
		goto done;
	r = readiness(cat, out, o, o->day, &out->missing_now, &out->transition_now, &unusable, e);
	if (r < 0)
		goto fail;
	out->verdict = r;
	if (out->missing_now.n) {
		names(cat, &out->missing_now, &why);
		if (notes_add(&out->reasons, "missing %s, required now", why.data) < 0)
			goto oom;
	}
	if (out->transition_now.n) {
		buf_free(&why);
		buf_init(&why, 0);
		names(cat, &out->transition_now, &why);
		if (notes_add(&out->reasons, "transition: %s needed", why.data) < 0)
			goto oom;
	}
	if (unusable.len &&
	    notes_add(&out->reasons,
	              "no usable root for %s: it holds none that is unexpired and wanted",
	              unusable.data) < 0)
		goto oom;
	if (out->next_step_day >= 0) {
		struct buf dummy;

		buf_init(&dummy, 0);
		r = readiness(cat, out, o, out->next_step_day, &out->missing_next,
		              &out->missing_next, &dummy, e);
		buf_free(&dummy);
		if (r < 0)
			goto fail;
	}
	/* Already CRITICAL: what comes later adds nothing an operator can act on first. */
	if (out->verdict < RW_CHECK_CRITICAL && look_ahead(cat, out, o, e) < 0)
		goto fail;
done:
	rotation_roots_free(&crit);
	rotation_roots_free(&trans);
	buf_free(&unusable);
	buf_free(&why);
	return 0;
oom:
	OOM(e);
fail:
	rotation_roots_free(&crit);
	rotation_roots_free(&trans);
	buf_free(&unusable);
	buf_free(&why);
	rotation_bundle_free(out);
	return -1;
}

/* ---- report ---- */

void rotation_report_free(struct rotation_report *r)
{
	for (size_t i = 0; r->profiles && i < r->n_profiles; i++)
		rotation_profile_free(&r->profiles[i]);
	for (size_t i = 0; r->bundles && i < r->n_bundles; i++)
		rotation_bundle_free(&r->bundles[i]);
	free(r->profiles);
	free(r->bundles);
	memset(r, 0, sizeof(*r));
}

int rotation_analyse(const struct catalog *cat, const char *const *profiles, size_t n_profiles,
                     const struct rotation_target *targets, size_t n_targets,
                     const struct rotation_opts *o, struct rotation_report *out, struct rw_err *e)
{
	size_t np = profiles && n_profiles ? n_profiles : cat->n_profiles;
	int worst_p = RW_CHECK_OK, worst_b = RW_CHECK_OK;

	memset(out, 0, sizeof(*out));
	out->day = o->day;
	out->warn_days = o->warn_days;
	out->grace_days = o->grace_days;
	out->profiles = calloc(np + 1, sizeof(*out->profiles));
	out->bundles = calloc(n_targets + 1, sizeof(*out->bundles));
	if (out->profiles == NULL || out->bundles == NULL) {
		rotation_report_free(out);
		return OOM(e);
	}
	for (size_t i = 0; i < np; i++) {
		const char *id = profiles && n_profiles ? profiles[i] : cat->profiles[i].id;

		if (rotation_profile_assess(cat, id, o, &out->profiles[i], e) < 0)
			goto fail;
		out->n_profiles++;
		if (out->profiles[i].verdict > worst_p)
			worst_p = out->profiles[i].verdict;
	}
	for (size_t i = 0; i < n_targets; i++) {
		if (rotation_bundle_assess(cat, &targets[i], o, &out->bundles[i], e) < 0)
			goto fail;
		out->n_bundles++;
		if (out->bundles[i].verdict > worst_b)
			worst_b = out->bundles[i].verdict;
	}
	out->verdict = n_targets ? worst_b : worst_p;
	return 0;
fail:
	rotation_report_free(out);
	return -1;
}

/* ---- rotation-upcoming ---- */

void rotation_events_free(struct rotation_events *ev)
{
	for (size_t i = 0; i < ev->n; i++) {
		rotation_roots_free(&ev->v[i].change.added);
		rotation_roots_free(&ev->v[i].change.removed);
		free(ev->v[i].change.cause);
		free(ev->v[i].key);
	}
	free(ev->v);
	ev->v = NULL;
	ev->n = 0;
}

static char *event_key(const struct catalog *cat, const char *name, const struct rotation_change *c)
{
	struct buf b;
	char d[11];

	buf_init(&b, 0);
	date_format(c->day, d);
	buf_printf(&b, "%s|%s|+", name, d);
	for (size_t i = 0; i < c->added.n; i++)
		buf_printf(&b, "%s%s", i ? "," : "", cat->roots[c->added.v[i]].id);
	buf_puts(&b, "|-");
	for (size_t i = 0; i < c->removed.n; i++)
		buf_printf(&b, "%s%s", i ? "," : "", cat->roots[c->removed.v[i]].id);
	return buf_steal(&b, NULL);
}

/* The record as a JSON object with an "announced" array (a new one when it is absent). */
static json_t *load_record(const struct store *st, struct rw_err *e)
{
	json_t *root = NULL;

	if (store_json_get(st, NULL, ROTATION_STATE_NAME, &root, e) < 0)
		return NULL;
	if (root == NULL) {
		root = json_pack("{s:i, s:[]}", "version", 1, "announced");
		if (root == NULL)
			OOM(e);
		return root;
	}
	if (!json_is_object(root) || !json_is_array(json_object_get(root, "announced"))) {
		json_decref(root);
		err_set(e, RW_EXIT_INPUT,
		        "%s/%s.json: not a rotation record (no \"announced\" array)", store_dir(st),
		        ROTATION_STATE_NAME);
		return NULL;
	}
	return root;
}

static int record_has(json_t *root, const char *key)
{
	json_t *arr = json_object_get(root, "announced"), *it;
	size_t i;

	json_array_foreach(arr, i, it)
	{
		const char *k = json_string_value(json_object_get(it, "key"));

		if (k != NULL && strcmp(k, key) == 0)
			return 1;
	}
	return 0;
}

int rotation_due_events(const struct catalog *cat, const struct rotation_target *targets,
                        size_t n_targets, const struct rotation_opts *o, const struct store *st,
                        struct rotation_events *out, struct rw_err *e)
{
	json_t *rec = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	rec = load_record(st, e);
	if (rec == NULL)
		goto out;
	for (size_t t = 0; t < n_targets; t++) {
		struct rotation_changes ch;

		if (rotation_changes(cat, &targets[t], o, &ch, e) < 0)
			goto out;
		for (size_t i = 0; i < ch.n; i++) {
			struct rotation_event *ev, *nv;
			char *key;

			if (ch.v[i].day - o->day > o->warn_days)
				break;
			key = event_key(cat, targets[t].name, &ch.v[i]);
			if (key == NULL) {
				rotation_changes_free(&ch);
				OOM(e);
				goto out;
			}
			if (record_has(rec, key)) {
				free(key);
				continue;
			}
			nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
			if (nv == NULL) {
				free(key);
				rotation_changes_free(&ch);
				OOM(e);
				goto out;
			}
			out->v = nv;
			ev = &out->v[out->n++];
			ev->target = &targets[t];
			ev->change = ch.v[i];
			memset(&ch.v[i], 0, sizeof(ch.v[i])); /* moved */
			ev->days = ev->change.day - o->day;
			ev->key = key;
		}
		rotation_changes_free(&ch);
	}
	rc = 0;
out:
	if (rc < 0)
		rotation_events_free(out);
	json_decref(rec);
	return rc;
}

static int cmp_entry(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "key"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "key"));

	return strcmp(x ? x : "", y ? y : "");
}

int rotation_mark_announced(struct store *st, const struct rotation_event *ev,
                            const struct rotation_opts *o, struct rw_err *e)
{
	json_t *rec = NULL, *arr, *keep = NULL, *it, *mine = NULL, **sorted = NULL, **nv;
	char d[11], today[11];
	size_t i, n = 0;
	int rc = -1;

	rec = load_record(st, e);
	if (rec == NULL)
		goto out;
	arr = json_object_get(rec, "announced");
	sorted = calloc(json_array_size(arr) + 1, sizeof(*sorted));
	keep = json_array();
	if (sorted == NULL || keep == NULL)
		goto oom;
	json_array_foreach(arr, i, it)
	{
		const char *k = json_string_value(json_object_get(it, "key"));
		const char *ds = json_string_value(json_object_get(it, "date"));
		int32_t day;

		if (k == NULL || strcmp(k, ev->key) == 0)
			continue;
		if (ds != NULL && date_parse(ds, &day) == 0 && day < o->day - 400)
			continue;
		sorted[n++] = it;
	}
	date_format(ev->change.day, d);
	date_format(o->day, today);
	mine = json_pack("{s:s, s:s, s:s, s:s}", "key", ev->key, "bundle", ev->target->name, "date",
	                 d, "announced", today);
	if (mine == NULL)
		goto oom;
	nv = realloc(sorted, (n + 2) * sizeof(*sorted));
	if (nv == NULL)
		goto oom;
	sorted = nv;
	sorted[n++] = mine;
	qsort(sorted, n, sizeof(*sorted), cmp_entry);
	for (i = 0; i < n; i++)
		if (json_array_append(keep, sorted[i]) < 0)
			goto oom;
	if (json_object_set(rec, "announced", keep) < 0)
		goto oom;
	if (store_json_put(st, NULL, ROTATION_STATE_NAME, rec, e) < 0)
		goto out;
	rc = 0;
	goto out;
oom:
	OOM(e);
out:
	free(sorted);
	json_decref(mine);
	json_decref(keep);
	json_decref(rec);
	return rc;
}

static json_t *roots_json(const struct catalog *cat, const struct rotation_roots *r)
{
	return rootrefs_catalog_json(cat, r->v, r->n);
}

json_t *rotation_event_json(const struct catalog *cat, const struct rotation_event *ev)
{
	char d[11];

	date_format(ev->change.day, d);
	return json_pack("{s:s, s:s, s:s?, s:s, s:I, s:s, s:o, s:o}", "event", "rotation-upcoming",
	                 "bundle", ev->target->name, "path", ev->target->path, "date", d, "days",
	                 (json_int_t)ev->days, "cause", ev->change.cause, "added",
	                 roots_json(cat, &ev->change.added), "removed",
	                 roots_json(cat, &ev->change.removed));
}
