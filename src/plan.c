#include "plan.h"

#include <stdlib.h>
#include <string.h>

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

int plan_build(const struct catalog *cat, const char *const *profiles, size_t n_profiles,
               const struct plan_opts *o, struct plan *out, struct rw_err *e)
{
	char d[11];

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
		const struct catalog_step *s, *prev;
		long k;

		if (p == NULL) {
			plan_free(out);
			return err_set(e, RW_EXIT_INPUT, "%s: unknown profile '%s'", cat->path,
			               profiles[i]);
		}
		k = plan_step_at(p, o->day);
		if (k < 0) {
			date_format(p->steps[0].from, d);
			plan_free(out);
			return err_set(e, RW_EXIT_INPUT,
			               "%s:%d: profile '%s' has no timeline before %s", cat->path,
			               p->line, p->id, d);
		}
		s = &p->steps[k];
		for (size_t j = 0; j < s->n_required; j++)
			raise_role(out, s->required[j], PLAN_REQUIRED);
		for (size_t j = 0; j < s->n_optional; j++)
			raise_role(out, s->optional[j], PLAN_OPTIONAL);
		if ((size_t)k + 1 < p->n_steps && p->steps[k + 1].from - o->day <= o->ahead_days)
			raise_step_roots(out, &p->steps[k + 1], PLAN_UPCOMING);
		if (k == 0 || o->day >= s->from + o->grace_days)
			continue;
		prev = &p->steps[k - 1];
		for (size_t j = 0; j < prev->n_required + prev->n_optional; j++) {
			size_t ri = j < prev->n_required ? prev->required[j]
			                                 : prev->optional[j - prev->n_required];

			if (!catalog_step_has(s, ri))
				raise_role(out, ri, PLAN_RETIRING);
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
}
