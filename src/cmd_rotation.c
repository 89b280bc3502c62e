/* cmd_rotation.c - "rootwarden rotation": every profile's timeline around a day, whether the
 * configured bundles are ready for what comes, and what sync will change when. The analysis is
 * rotation.c's; this file parses options, renders text or JSON and writes metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "cli.h"
#include "jsonout.h"
#include "monline.h"
#include "config.h"
#include "date.h"
#include "metrics.h"
#include "rotation.h"
#include "target.h"

static const char synopsis[] =
        "rootwarden rotation [--profile P]... [--config PATH] [--at YYYY-MM-DD] [--warn-days N]\n"
        "                          [--json] [--metrics-file PATH] [--roots-dir DIR]\n"
        "\n"
        "Shows each profile's rotation timeline (past, current and next steps, days until the\n"
        "next), the roots required now and after the next step, and roots expiring within the\n"
        "warning window; with --config, whether each configured bundle file holds what is\n"
        "required now and at the next step, and what 'sync' will change on which date.\n";

enum { O_PROFILE, O_CONFIG, O_AT, O_WARN, O_JSON, O_METRICS, O_ROOTS };
static const struct cliopt opts[] = {
        [O_PROFILE] = {"profile", 'p', "P",
                       "only this profile (repeatable; default: every profile); with\n"
                       "--config, only the bundles that use one of them",
                       1},
        [O_CONFIG] = {"config", 'c', "PATH", "the agent configuration whose bundles to assess", 0},
        [O_AT] = {"at", 0, "YYYY-MM-DD",
                  "answer for this day instead of today (rehearse a rotation)", 0},
        [O_WARN] = {"warn-days", 0, "N",
                    "the warning window (default: the configuration's warn_days, 90)", 0},
        [O_JSON] = {"json", 0, NULL, "one JSON report on standard output", 0},
        [O_METRICS] = {"metrics-file", 0, "PATH",
                       "also write Prometheus metrics to PATH (atomically)", 0},
        [O_ROOTS] = {"roots-dir", 0, "DIR",
                     "the catalog and shipped roots (default: the configuration's\n"
                     "roots_dir, else the installed roots)",
                     0},
        {NULL, 0, NULL, NULL, 0},
};

static const char footer[] =
        "The report names the catalog's version and date (and says when it is more than 180\n"
        "days old), every published date of a step whose date moved (roots are added from the\n"
        "earliest, dropped after the latest), profiles that became another or ended, and the\n"
        "download URL of each root the next step adds.\n"
        "\n"
        "Verdicts: CRITICAL when a bundle lacks a root required now (or holds only expired\n"
        "roots for a profile); WARNING when a step or an expiry within the window finds it not\n"
        "ready, or a transition root is missing. Without --config the verdict is the profiles':\n"
        "WARNING when a step or an expiry falls within the window.\n"
        "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also usage and input errors).\n";

const struct cmd_help cmd_rotation_help = {synopsis, opts, footer, NULL};

struct rot_args {
	struct strvec profiles;
	const char *config, *metrics, *roots_dir;
	int json, warn_days, have_at;
	int32_t day;
};

static int parse_args(int argc, char **argv, struct rot_args *a)
{
	struct cliopt_parser p;
	int c, n;

	cliopt_init(&p, "rotation", opts, argc, argv);
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
			if (cli_opt_date("rotation", RW_CHECK_UNKNOWN, "--at", p.arg, &a->day) < 0)
				return -1;
			a->have_at = 1;
			break;
		case O_WARN:
			if (cli_opt_int("rotation", RW_CHECK_UNKNOWN, "--warn-days", p.arg, 0, 3650,
			                &a->warn_days) < 0)
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
		}
	}
	if (c != CLIOPT_DONE)
		return -1;
	(void)cliopt_operands(&p, &n);
	if (n > 0)
		return cli_usage_error("rotation", RW_CHECK_UNKNOWN,
		                       "unexpected argument (an operand this command does not "
		                       "take; not shown, it may be a secret)"),
		       -1;
	return 0;
}

/* ---- text ---- */

static void root_names(struct buf *b, const struct catalog *cat, const size_t *v, size_t n)
{
	if (n == 0)
		buf_puts(b, "none");
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%s%s", i ? ", " : "", cat->roots[v[i]].name);
}

/* "           announced for D1, moved to D2, moved to D3 (...)" for a step whose date moved. */
static void text_step_history(struct buf *b, const struct catalog_step *s)
{
	char d[11];

	if (s->n_dates < 2)
		return;
	buf_puts(b, "           ");
	for (size_t i = 0; i < s->n_dates; i++) {
		date_format(s->dates[i].day, d);
		buf_printf(b, "%s%s", i == 0 ? "announced for " : ", moved to ", d);
	}
	buf_puts(b, " (roots added from the earliest date, dropped only after the latest)\n");
}

/* "became X on D" / "ended on D" lines of a profile. */
static void text_profile_events(struct buf *b, const struct catalog_profile *p)
{
	char d[11];

	if (p->becomes.day >= 0) {
		date_format(p->becomes.day, d);
		buf_printf(b, "  becomes  %s  %s%s%s\n", d, p->becomes.target,
		           p->becomes.note ? ": " : "", p->becomes.note ? p->becomes.note : "");
	}
	if (p->ends.day >= 0) {
		date_format(p->ends.day, d);
		buf_printf(b, "  ends     %s  %s\n", d, p->ends.note ? p->ends.note : "");
	}
}

/* Where to download each root the next step requires that the current one does not (its first
 * URL): what an operator must fetch before the step. */
static void text_urls(struct buf *b, const struct catalog *cat, const struct catalog_step *now,
                      const struct catalog_step *next)
{
	for (size_t i = 0; i < next->n_required; i++) {
		const struct catalog_root *r = &cat->roots[next->required[i]];

		if (now != NULL && catalog_step_has(now, next->required[i]))
			continue;
		buf_printf(b, "  download:       %s: %s\n", r->name,
		           r->n_urls ? r->urls[0] : "(no URL in the catalog)");
	}
}

/* The catalog's own version and age; old when more than ROTATION_CATALOG_OLD_DAYS before day. */
static void text_catalog(struct buf *b, const struct catalog *cat, int32_t day)
{
	char d[11];

	if (cat->date < 0) {
		buf_printf(b, "catalog: version %lld (no catalog_date)\n", cat->version);
		return;
	}
	date_format(cat->date, d);
	buf_printf(b, "catalog: version %lld of %s", cat->version, d);
	if (day - cat->date > ROTATION_CATALOG_OLD_DAYS)
		buf_printf(b,
		           " - %ld days old: dates published since then are not in it; "
		           "update the catalog (docs/catalog-channel.md)",
		           (long)(day - cat->date));
	buf_puts(b, "\n");
}

static void text_profile(struct buf *b, const struct catalog *cat, const struct rotation_report *r,
                         const struct rotation_profile *p)
{
	const struct catalog_profile *q;
	char d[11];

	buf_printf(b, "\nprofile %s: %s\n  %s\n", p->profile->id, rotation_verdict_name(p->verdict),
	           p->profile->name);
	for (size_t i = 0; i < p->profile->n_steps; i++) {
		const struct catalog_step *s = &p->profile->steps[i];

		date_format(s->from, d);
		buf_printf(b, "  %-8s %s  ", rotation_when_name(p->when[i]), d);
		root_names(b, cat, s->required, s->n_required);
		if (s->n_optional) {
			buf_puts(b, "; optional ");
			root_names(b, cat, s->optional, s->n_optional);
		}
		buf_puts(b, "\n");
		text_step_history(b, s);
	}
	text_profile_events(b, p->profile);
	buf_puts(b, "  required now:   ");
	root_names(b, cat, p->required_now.v, p->required_now.n);
	buf_puts(b, "\n");
	if (p->next >= 0) {
		date_format(p->profile->steps[p->next].from, d);
		buf_printf(b, "  next step:      %s (in %ld day%s)\n  required next:  ", d,
		           p->days_to_next, p->days_to_next == 1 ? "" : "s");
		root_names(b, cat, p->required_next.v, p->required_next.n);
		buf_puts(b, "\n");
		text_urls(b, cat, p->current >= 0 ? &p->profile->steps[p->current] : NULL,
		          &p->profile->steps[p->next]);
	} else if ((q = catalog_profile_successor(cat, p->profile, r->day)) != NULL) {
		/* a retired service: what comes next is its successor's timeline */
		long k = plan_step_at(q, r->day);

		buf_printf(b, "  next step:      none of its own; it is %s now, ", q->id);
		if (k + 1 < (long)q->n_steps) {
			date_format(q->steps[k + 1].from, d);
			long days = q->steps[k + 1].from - r->day;

			buf_printf(b, "whose next step is %s (in %ld day%s)\n", d, days,
			           days == 1 ? "" : "s");
		} else {
			buf_puts(b, "which has none in the catalog\n");
		}
	} else {
		buf_puts(b, "  next step:      none in the catalog\n");
	}
	buf_printf(b, "  expiring within %d days: ", r->warn_days);
	if (p->expiring.n == 0)
		buf_puts(b, "none");
	for (size_t i = 0; i < p->expiring.n; i++) {
		const struct catalog_root *root = &cat->roots[p->expiring.v[i]];

		date_format(date_of_time(root->cert->not_after), d);
		buf_printf(b, "%s%s (not after %s)", i ? ", " : "", root->name, d);
	}
	buf_puts(b, "\n");
	for (size_t i = 0; i < p->reasons.n; i++)
		buf_printf(b, "  - %s\n", p->reasons.v[i]);
}

static void text_bundle(struct buf *b, const struct catalog *cat, const struct rotation_report *r,
                        const struct rotation_bundle *rb)
{
	const struct rotation_target *t = rb->target;
	char d[11];

	buf_printf(b, "\nbundle %s: %s\n  path:           %s\n  profiles:       ", t->name,
	           rotation_verdict_name(rb->verdict), t->path);
	for (size_t i = 0; i < t->n_profiles; i++)
		buf_printf(b, "%s%s", i ? ", " : "", t->profiles[i]);
	buf_puts(b, "\n");
	if (rb->readable) {
		buf_printf(b, "  holds:          ");
		if (rb->held.n == 0)
			buf_puts(b, "nothing");
		for (size_t i = 0; i < rb->held.n; i++) {
			const struct cert *c = rb->held.v[i];

			date_format(date_of_time(c->not_after), d);
			buf_printf(b, "%s%s (not after %s%s)", i ? ", " : "",
			           rb->held_root[i] >= 0 ? cat->roots[rb->held_root[i]].name
			                                 : c->label,
			           d, cert_is_expired(c, date_start(r->day)) ? ", expired" : "");
		}
		buf_puts(b, "\n  missing now:    ");
		root_names(b, cat, rb->missing_now.v, rb->missing_now.n);
		if (rb->transition_now.n) {
			buf_puts(b, "; transition: ");
			root_names(b, cat, rb->transition_now.v, rb->transition_now.n);
		}
		buf_puts(b, "\n");
		if (rb->next_step_day >= 0) {
			date_format(rb->next_step_day, d);
			buf_printf(b, "  missing on %s: ", d);
			root_names(b, cat, rb->missing_next.v, rb->missing_next.n);
			buf_puts(b, "\n");
		}
	}
	buf_puts(b, "  sync writes now: ");
	root_names(b, cat, rb->written_now.v, rb->written_now.n);
	buf_puts(b, "\n");
	if (rb->changes.n == 0)
		buf_puts(b, "  sync will change: nothing (no later step or expiry changes it)\n");
	for (size_t i = 0; i < rb->changes.n; i++) {
		const struct rotation_change *c = &rb->changes.v[i];

		date_format(c->day, d);
		buf_printf(b, "  sync on %s (in %ld days):", d, (long)(c->day - r->day));
		if (c->added.n) {
			buf_puts(b, " add ");
			root_names(b, cat, c->added.v, c->added.n);
		}
		if (c->removed.n) {
			buf_puts(b, c->added.n ? "; remove " : " remove ");
			root_names(b, cat, c->removed.v, c->removed.n);
		}
		buf_printf(b, " [%s]%s\n", c->cause,
		           c->empty ? " - nothing would be left: sync refuses an empty bundle"
		                    : "");
	}
	for (size_t i = 0; i < rb->reasons.n; i++)
		buf_printf(b, "  - %s\n", rb->reasons.v[i]);
}

static char *render_text(const struct catalog *cat, const struct rotation_report *r)
{
	struct buf b;
	char d[11];

	buf_init(&b, 0);
	date_format(r->day, d);
	{
		struct buf sum, perf;
		long next = -1;
		size_t warn = 0, crit = 0;

		for (size_t i = 0; i < r->n_profiles; i++) {
			const struct rotation_profile *p = &r->profiles[i];

			if (p->days_to_next >= 0 && (next < 0 || p->days_to_next < next))
				next = p->days_to_next;
			warn += p->verdict == RW_CHECK_WARNING;
			crit += p->verdict == RW_CHECK_CRITICAL;
		}
		for (size_t i = 0; i < r->n_bundles; i++) {
			warn += r->bundles[i].verdict == RW_CHECK_WARNING;
			crit += r->bundles[i].verdict == RW_CHECK_CRITICAL;
		}
		buf_init(&sum, 0);
		buf_init(&perf, 0);
		buf_printf(&sum,
		           "at %s: %zu profile%s, %zu bundle%s (warning window %d days, grace %d "
		           "days)",
		           d, r->n_profiles, r->n_profiles == 1 ? "" : "s", r->n_bundles,
		           r->n_bundles == 1 ? "" : "s", r->warn_days, r->grace_days);
		buf_printf(&perf, "warning=%zu critical=%zu", warn, crit);
		if (next >= 0)
			buf_printf(&perf, " days_to_next_step=%ld;%d", next, r->warn_days);
		monline(&b, "rotation", r->verdict, sum.data ? sum.data : "", perf.data);
		buf_free(&sum);
		buf_free(&perf);
	}
	text_catalog(&b, cat, r->day);
	for (size_t i = 0; i < r->n_profiles; i++)
		text_profile(&b, cat, r, &r->profiles[i]);
	for (size_t i = 0; i < r->n_bundles; i++)
		text_bundle(&b, cat, r, &r->bundles[i]);
	return buf_steal(&b, NULL);
}

/* ---- JSON ---- */

/* Roots as root objects (jsonout.h) */
static json_t *ids(const struct catalog *cat, const size_t *v, size_t n)
{
	return jsonout_catalog_roots(cat, v, n);
}

static json_t *notes(const struct rotation_notes *n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n->n; i++)
		json_array_append_new(a, json_string(n->v[i]));
	return a;
}

static json_t *date_json(int32_t day)
{
	char d[11];

	if (day < 0)
		return json_null();
	date_format(day, d);
	return json_string(d);
}

/* Every published date of a step with its source, in publication order. */
static json_t *json_step_dates(const struct catalog_step *s)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < s->n_dates; i++)
		json_array_append_new(a, json_pack("{s:o, s:o}", "date", date_json(s->dates[i].day),
		                                   "source", jsonout_str(s->dates[i].source)));
	return a;
}

static json_t *json_event(const struct catalog_event *ev)
{
	if (ev->day < 0)
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:o}", "date", date_json(ev->day), "profile",
	                 jsonout_str(ev->target), "source", jsonout_str(ev->source), "note",
	                 jsonout_str(ev->note));
}

/* { root id: [ URL, ... ] } for the roots a step requires; {} without a step. */
static json_t *json_urls(const struct catalog *cat, const struct catalog_step *s)
{
	json_t *o = json_object();

	for (size_t i = 0; o && s && i < s->n_required; i++) {
		const struct catalog_root *r = &cat->roots[s->required[i]];
		json_t *a = json_array();

		for (size_t k = 0; a && k < r->n_urls; k++)
			json_array_append_new(a, json_string(r->urls[k]));
		json_object_set_new(o, r->id, a);
	}
	return o;
}

static json_t *json_profile(const struct catalog *cat, const struct rotation_profile *p)
{
	json_t *steps = json_array(), *exp = json_array();

	for (size_t i = 0; i < p->profile->n_steps; i++) {
		const struct catalog_step *s = &p->profile->steps[i];

		json_array_append_new(
		        steps, json_pack("{s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o}", "from",
		                         date_json(s->from), "latest", date_json(s->latest), "when",
		                         rotation_when_name(p->when[i]), "required",
		                         ids(cat, s->required, s->n_required), "optional",
		                         ids(cat, s->optional, s->n_optional), "note",
		                         jsonout_str(s->note), "published", json_step_dates(s),
		                         "source", jsonout_str(s->source)));
	}
	for (size_t i = 0; i < p->expiring.n; i++)
		json_array_append_new(exp, jsonout_catalog_root(cat, p->expiring.v[i]));
	return json_pack(
	        "{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
	        p->profile->id, "name", p->profile->name, "status", jsonout_check_json(p->verdict),
	        "becomes", json_event(&p->profile->becomes), "ends", json_event(&p->profile->ends),
	        "download_next", json_urls(cat, p->next >= 0 ? &p->profile->steps[p->next] : NULL),
	        "steps", steps, "current_step",
	        date_json(p->current >= 0 ? p->profile->steps[p->current].from : -1), "next_step",
	        date_json(p->next >= 0 ? p->profile->steps[p->next].from : -1), "days_to_next_step",
	        p->next >= 0 ? json_integer(p->days_to_next) : json_null(), "required_now",
	        ids(cat, p->required_now.v, p->required_now.n), "required_next",
	        ids(cat, p->required_next.v, p->required_next.n), "expiring", exp, "reasons",
	        notes(&p->reasons));
}

static json_t *json_bundle(const struct catalog *cat, const struct rotation_report *r,
                           const struct rotation_bundle *rb)
{
	const struct rotation_target *t = rb->target;
	json_t *profiles = json_array(), *held = json_array(), *changes = json_array();

	for (size_t i = 0; i < t->n_profiles; i++)
		json_array_append_new(profiles, json_string(t->profiles[i]));
	for (size_t i = 0; i < rb->held.n; i++) {
		const struct cert *c = rb->held.v[i];
		json_t *o = jsonout_cert_root(c, cat, rb->held_root[i]);

		json_object_set_new(o, "expired",
		                    json_boolean(cert_is_expired(c, date_start(r->day))));
		json_array_append_new(held, o);
	}
	for (size_t i = 0; i < rb->changes.n; i++) {
		const struct rotation_change *c = &rb->changes.v[i];

		json_array_append_new(changes, json_pack("{s:o, s:I, s:o, s:o, s:s}", "date",
		                                         date_json(c->day), "days",
		                                         (json_int_t)(c->day - r->day), "add",
		                                         ids(cat, c->added.v, c->added.n), "remove",
		                                         ids(cat, c->removed.v, c->removed.n),
		                                         "cause", c->cause));
	}
	return json_pack("{s:s, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	                 "name", t->name, "path", jsonout_str(t->path), "profiles", profiles,
	                 "status", jsonout_check_json(rb->verdict), "readable", rb->readable,
	                 "error", jsonout_str(rb->error), "holds", held, "missing_now",
	                 ids(cat, rb->missing_now.v, rb->missing_now.n), "transition_missing",
	                 ids(cat, rb->transition_now.v, rb->transition_now.n), "next_step",
	                 date_json(rb->next_step_day), "missing_next",
	                 ids(cat, rb->missing_next.v, rb->missing_next.n), "written_now",
	                 ids(cat, rb->written_now.v, rb->written_now.n), "changes", changes,
	                 "reasons", notes(&rb->reasons));
}

/* The document without status and error (set by the caller). */
static json_t *render_json(const struct catalog *cat, const struct rotation_report *r)
{
	json_t *doc = jsonout_new("rotation"), *profiles = json_array(), *bundles = json_array();

	for (size_t i = 0; i < r->n_profiles; i++)
		json_array_append_new(profiles, json_profile(cat, &r->profiles[i]));
	for (size_t i = 0; i < r->n_bundles; i++)
		json_array_append_new(bundles, json_bundle(cat, r, &r->bundles[i]));
	json_object_set_new(doc, "at", date_json(r->day));
	json_object_set_new(
	        doc, "catalog",
	        json_pack("{s:I, s:o, s:o, s:b}", "version", (json_int_t)cat->version, "date",
	                  date_json(cat->date), "age_days",
	                  cat->date >= 0 ? json_integer(r->day - cat->date) : json_null(), "old",
	                  cat->date >= 0 && r->day - cat->date > ROTATION_CATALOG_OLD_DAYS));
	json_object_set_new(doc, "warn_days", json_integer(r->warn_days));
	json_object_set_new(doc, "grace_days", json_integer(r->grace_days));
	json_object_set_new(doc, "profiles", profiles);
	json_object_set_new(doc, "bundles", bundles);
	return doc;
}

/* ---- metrics ---- */

static int write_metrics(const char *path, const struct rotation_report *r, struct rw_err *e)
{
	struct metrics *m = metrics_new();
	int rc = -1;

	if (m == NULL)
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	for (size_t i = 0; i < r->n_profiles; i++) {
		const struct rotation_profile *p = &r->profiles[i];

		if (p->next >= 0 && metrics_add(m, e, M_ROTATION_NEXT_STEP,
		                                (double)date_start(p->profile->steps[p->next].from),
		                                "profile", p->profile->id, NULL) < 0)
			goto out;
		if (metrics_add(m, e, M_ROTATION_PROFILE_STATUS, p->verdict, "profile",
		                p->profile->id, NULL) < 0)
			goto out;
	}
	for (size_t i = 0; i < r->n_bundles; i++) {
		const struct rotation_bundle *b = &r->bundles[i];

		if (metrics_add(m, e, M_ROTATION_BUNDLE_STATUS, b->verdict, "bundle",
		                b->target->name, NULL) < 0)
			goto out;
		if (b->changes.n && metrics_add(m, e, M_ROTATION_BUNDLE_NEXT_CHANGE,
		                                (double)date_start(b->changes.v[0].day), "bundle",
		                                b->target->name, NULL) < 0)
			goto out;
	}
	if (metrics_add(m, e, M_CHECK_STATUS, r->verdict, "check", "rotation", NULL) < 0 ||
	    metrics_write(m, path, NULL, e) == SAVE_ERROR)
		goto out;
	rc = 0;
out:
	metrics_free(m);
	return rc;
}

/* ---- main ---- */

static int uses_any(const struct target_bundle *b, const struct strvec *profiles)
{
	if (profiles->n == 0)
		return 1;
	for (size_t i = 0; i < b->n_profiles; i++)
		for (size_t k = 0; k < profiles->n; k++)
			if (strcmp(b->profiles[i], profiles->v[k]) == 0)
				return 1;
	return 0;
}

int cmd_rotation(int argc, char **argv)
{
	struct rot_args a;
	struct config *cfg = NULL;
	struct targets *tg = NULL;
	struct catalog *cat = NULL;
	const struct catalog *catalog;
	struct rotation_target *targets = NULL;
	struct rotation_report rep;
	struct rotation_opts o;
	struct rw_err e = {{0}, 0};
	size_t nt = 0;
	char *text = NULL;
	int rc = RW_CHECK_UNKNOWN;

	memset(&a, 0, sizeof(a));
	memset(&rep, 0, sizeof(rep));
	a.warn_days = -1;
	rotation_opts_init(&o);
	if (parse_args(argc, argv, &a) < 0)
		goto out;
	if (a.config &&
	    (config_load(a.config, &cfg, &e) < 0 ||
	     targets_build(cfg, cli_roots_dir(a.roots_dir ? a.roots_dir : cfg->roots_dir), &tg,
	                   &e) < 0))
		goto fail;
	if (tg == NULL && cli_load_catalog(a.roots_dir, &cat, &e) < 0)
		goto fail;
	catalog = tg ? tg->cat : cat;
	for (size_t i = 0; i < a.profiles.n; i++)
		if (catalog_profile(catalog, a.profiles.v[i]) == NULL) {
			rc = cli_usage_error("rotation", RW_CHECK_UNKNOWN,
			                     "unknown profile '%s' (see 'rootwarden roots list')",
			                     a.profiles.v[i]);
			goto out;
		}
	if (tg) {
		targets_rotation_opts(tg, &o);
		targets = calloc(tg->n_bundles + 1, sizeof(*targets));
		if (targets == NULL)
			goto oom;
		for (size_t i = 0; i < tg->n_bundles; i++) {
			if (!uses_any(&tg->bundles[i], &a.profiles))
				continue;
			targets_rotation_target(tg, i, &targets[nt++]);
		}
	}
	if (a.have_at)
		o.day = a.day;
	if (a.warn_days >= 0)
		o.warn_days = a.warn_days;
	if (rotation_analyse(catalog, a.profiles.v, a.profiles.n, targets, nt, &o, &rep, &e) < 0)
		goto fail;
	rc = rep.verdict;
	if (a.metrics && write_metrics(a.metrics, &rep, &e) < 0) {
		cli_fail(&e);
		rc = RW_CHECK_UNKNOWN;
	}
	if (a.json) {
		json_t *doc = render_json(catalog, &rep);

		if (doc == NULL ||
		    jsonout_set_check(doc, rc, rc != rep.verdict ? e.msg : NULL) < 0 ||
		    jsonout_print(doc, stdout) < 0) {
			json_decref(doc);
			goto oom;
		}
		goto out;
	}
	text = render_text(catalog, &rep);
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
		json_t *doc = jsonout_new("rotation");

		if (doc)
			jsonout_set_check(doc, rc, e.msg);
		(void)jsonout_print(doc, stdout);
	}
out:
	free(text);
	free(targets);
	rotation_report_free(&rep);
	catalog_free(cat);
	targets_free(tg);
	config_free(cfg);
	strvec_free(&a.profiles);
	return rc;
}
