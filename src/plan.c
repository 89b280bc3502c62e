#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "date.h"

long plan_step_at(const struct catalog_profile *p, int32_t day)
{
	long at = -1;

	for (size_t i = 0; i < p->n_steps; i++)
		if (p->steps[i].from <= day)
			at = (long)i;
	return at;
}

const char *plan_role_name(enum plan_role r)
{
	switch (r) {
	case PLAN_REQUIRED:
		return "required";
	case PLAN_RETIRING:
		return "retiring";
	case PLAN_UPCOMING:
		return "upcoming";
	case PLAN_OPTIONAL:
		return "optional";
	default:
		return "none";
	}
}

static void raise_role(struct plan *p, size_t ri, enum plan_role r)
{
	if (p->role[ri] < (unsigned char)r)
		p->role[ri] = (unsigned char)r;
}

/* Every root of step s, required or optional, at least as role r. */
static void raise_step_roots(struct plan *p, const struct catalog_step *s, enum plan_role r)
{
	for (size_t j = 0; j < s->n_required; j++)
		raise_role(p, s->required[j], r);
	for (size_t j = 0; j < s->n_optional; j++)
		raise_role(p, s->optional[j], r);
}

/* The roles profile p gives on o->day, raised into out; then those of the profile it became. */
static int plan_profile(const struct catalog *cat, const struct catalog_profile *p,
                        const struct plan_opts *o, struct plan *out, size_t depth, struct rw_err *e)
{
	const struct catalog_step *s, *prev;
	const struct catalog_profile *next;
	char d[11];
	long k;

	if (catalog_profile_ended(p, o->day)) {
		if (out->n_ended++ == 0)
			out->first_ended = p;
		return 0;
	}
	k = plan_step_at(p, o->day);
	if (k < 0) {
		date_format(p->steps[0].from, d);
		return err_set(e, RW_EXIT_INPUT, "%s:%d: profile '%s' has no timeline before %s",
		               cat->path, p->line, p->id, d);
	}
	s = &p->steps[k];
	for (size_t j = 0; j < s->n_required; j++)
		raise_role(out, s->required[j], PLAN_REQUIRED);
	for (size_t j = 0; j < s->n_optional; j++)
		raise_role(out, s->optional[j], PLAN_OPTIONAL);
	if ((size_t)k + 1 < p->n_steps && p->steps[k + 1].from - o->day <= o->ahead_days)
		raise_step_roots(out, &p->steps[k + 1], PLAN_UPCOMING);
	if (k > 0 && o->day < s->latest + o->grace_days) {
		prev = &p->steps[k - 1];
		for (size_t j = 0; j < prev->n_required + prev->n_optional; j++) {
			size_t ri = j < prev->n_required ? prev->required[j]
			                                 : prev->optional[j - prev->n_required];

			if (!catalog_step_has(s, ri))
				raise_role(out, ri, PLAN_RETIRING);
		}
	}
	next = catalog_profile_successor(cat, p, o->day);
	if (next != NULL && depth < cat->n_profiles)
		return plan_profile(cat, next, o, out, depth + 1, e);
	return 0;
}

int plan_build(const struct catalog *cat, const char *const *profiles, size_t n_profiles,
               const struct plan_opts *o, struct plan *out, struct rw_err *e)
{
	memset(out, 0, sizeof(*out));
	out->n = cat->n_roots;
	out->role = calloc(cat->n_roots + 1, 1);
	out->expired = calloc(cat->n_roots + 1, 1);
	if (out->role == NULL || out->expired == NULL) {
		plan_free(out);
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	}
	for (size_t i = 0; i < n_profiles; i++) {
		const struct catalog_profile *p = catalog_profile(cat, profiles[i]);

		if (p == NULL) {
			plan_free(out);
			return err_set(e, RW_EXIT_INPUT, "%s: unknown profile '%s'", cat->path,
			               profiles[i]);
		}
		if (plan_profile(cat, p, o, out, 0, e) < 0) {
			plan_free(out);
			return -1;
		}
	}
	for (size_t ri = 0; ri < cat->n_roots; ri++) {
		const struct cert *c = cat->roots[ri].cert;

		if (out->role[ri] != PLAN_NONE && c != NULL &&
		    cert_is_expired(c, date_start(o->day)))
			out->expired[ri] = 1;
	}
	return 0;
}

void plan_free(struct plan *p)
{
	free(p->role);
	free(p->expired);
	p->role = p->expired = NULL;
	p->n = 0;
	p->n_ended = 0;
	p->first_ended = NULL;
}

size_t plan_chain(const struct catalog *cat, const struct catalog_profile *p,
                  const struct catalog_profile **out, size_t max)
{
	size_t n = 0;

	while (p != NULL && n < max) {
		out[n++] = p;
		p = p->becomes.day >= 0 ? catalog_profile(cat, p->becomes.target) : NULL;
	}
	return n;
}

static void put_day(int32_t *v, size_t max, size_t *k, int32_t day)
{
	if (v != NULL && *k < max)
		v[*k] = day;
	(*k)++;
}

size_t plan_profile_days(const struct catalog *cat, const struct catalog_profile *p, int grace_days,
                         int ahead_days, int32_t *v, size_t max)
{
	const struct catalog_profile *chain[16];
	size_t n = plan_chain(cat, p, chain, sizeof(chain) / sizeof(chain[0])), k = 0;

	for (size_t c = 0; c < n; c++) {
		const struct catalog_profile *q = chain[c];

		for (size_t s = 0; s < q->n_steps; s++) {
			put_day(v, max, &k, q->steps[s].from);
			if (s > 0) {
				put_day(v, max, &k, q->steps[s].latest + grace_days);
				put_day(v, max, &k, q->steps[s].from - ahead_days);
			}
		}
		if (q->becomes.day >= 0)
			put_day(v, max, &k, q->becomes.day);
		if (q->ends.day >= 0)
			put_day(v, max, &k, q->ends.day);
	}
	return k;
}

static void step_dates(struct buf *b, const struct catalog_step *s)
{
	char d[11];

	buf_puts(b, " (published dates ");
	for (size_t i = 0; i < s->n_dates; i++) {
		date_format(s->dates[i].day, d);
		buf_printf(b, "%s%s", i ? ", " : "", d);
	}
	date_format(s->latest, d);
	buf_printf(b, "; dropping after the latest, %s)", d);
}

void plan_day_causes(const struct catalog *cat, const struct catalog_profile *p, int32_t day,
                     int grace_days, int ahead_days, struct buf *b)
{
	const struct catalog_profile *chain[16];
	size_t n = plan_chain(cat, p, chain, sizeof(chain) / sizeof(chain[0]));
	char d[11];

	for (size_t c = 0; c < n; c++) {
		const struct catalog_profile *q = chain[c];

		for (size_t i = 0; i < q->n_steps; i++) {
			const struct catalog_step *s = &q->steps[i];

			date_format(s->from, d);
			if (s->from == day)
				buf_printf(b, "%s%s step %s", b->len ? "; " : "", q->id, d);
			if (i > 0 && ahead_days > 0 && s->from - ahead_days == day)
				buf_printf(b, "%s%s step %s, its roots added %d days ahead",
				           b->len ? "; " : "", q->id, d, ahead_days);
			if (i > 0 && s->latest + grace_days == day) {
				buf_printf(b, "%s%s step %s", b->len ? "; " : "", q->id, d);
				if (s->latest != s->from)
					step_dates(b, s);
				buf_printf(b, " + %d days of grace", grace_days);
			}
		}
		if (q->becomes.day == day) {
			date_format(day, d);
			buf_printf(b, "%s%s became %s on %s", b->len ? "; " : "", q->id,
			           q->becomes.target, d);
		}
		if (q->ends.day == day) {
			date_format(day, d);
			buf_printf(b, "%s%s ended on %s", b->len ? "; " : "", q->id, d);
		}
	}
}
