#include "catalog.h"

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confutil.h"
#include "date.h"

static void root_clear(struct catalog_root *r)
{
	free(r->id);
	free(r->name);
	free(r->file);
	for (size_t i = 0; i < r->n_urls; i++)
		free(r->urls[i]);
	free(r->urls);
	cert_free(r->cert);
}

static void event_clear(struct catalog_event *ev)
{
	free(ev->target);
	free(ev->source);
	free(ev->note);
	ev->target = ev->source = ev->note = NULL;
}

void catalog_free(struct catalog *cat)
{
	if (cat == NULL)
		return;
	for (size_t i = 0; i < cat->n_roots; i++)
		root_clear(&cat->roots[i]);
	free(cat->roots);
	for (size_t i = 0; i < cat->n_profiles; i++) {
		struct catalog_profile *p = &cat->profiles[i];

		for (size_t j = 0; j < p->n_steps; j++) {
			struct catalog_step *s = &p->steps[j];

			free(s->required);
			free(s->optional);
			free(s->note);
			free(s->source);
			for (size_t k = 0; k < s->n_dates; k++)
				free(s->dates[k].source);
			free(s->dates);
		}
		free(p->steps);
		event_clear(&p->becomes);
		event_clear(&p->ends);
		free(p->id);
		free(p->name);
	}
	free(cat->profiles);
	free(cat->path);
	free(cat);
}

const struct catalog_profile *catalog_profile(const struct catalog *cat, const char *id)
{
	for (size_t i = 0; i < cat->n_profiles; i++)
		if (strcmp(cat->profiles[i].id, id) == 0)
			return &cat->profiles[i];
	return NULL;
}

long catalog_root_index(const struct catalog *cat, const char *id)
{
	for (size_t i = 0; i < cat->n_roots; i++)
		if (strcmp(cat->roots[i].id, id) == 0)
			return (long)i;
	return -1;
}

long catalog_root_by_sha256(const struct catalog *cat, const char *sha256)
{
	for (size_t i = 0; i < cat->n_roots; i++)
		if (strcmp(cat->roots[i].sha256, sha256) == 0)
			return (long)i;
	return -1;
}

int catalog_step_requires(const struct catalog_step *s, size_t ri)
{
	for (size_t i = 0; i < s->n_required; i++)
		if (s->required[i] == ri)
			return 1;
	return 0;
}

int catalog_step_has(const struct catalog_step *s, size_t ri)
{
	if (catalog_step_requires(s, ri))
		return 1;
	for (size_t i = 0; i < s->n_optional; i++)
		if (s->optional[i] == ri)
			return 1;
	return 0;
}

const char *catalog_match_name(enum catalog_match m)
{
	switch (m) {
	case CATALOG_MATCH_SAME:
		return "same";
	case CATALOG_MATCH_REISSUED:
		return "re-issued with the same key";
	case CATALOG_MATCH_KEY_MISMATCH:
		return "SHA-256 pin matches but the SPKI pin does not";
	default:
		return "another certificate and key";
	}
}

enum catalog_match catalog_root_classify(const struct catalog_root *r, const struct cert *c)
{
	int cert_same = strcmp(r->sha256, c->sha256) == 0;
	int key_same = r->spki_sha256[0] && strcmp(r->spki_sha256, c->spki_sha256) == 0;

	if (cert_same)
		return r->spki_sha256[0] && !key_same ? CATALOG_MATCH_KEY_MISMATCH
		                                      : CATALOG_MATCH_SAME;
	return key_same ? CATALOG_MATCH_REISSUED : CATALOG_MATCH_OTHER;
}

int catalog_root_matches(const struct catalog_root *r, const struct cert *c, struct rw_err *e)
{
	switch (catalog_root_classify(r, c)) {
	case CATALOG_MATCH_SAME:
		return 0;
	case CATALOG_MATCH_REISSUED:
		if (r->accept_reissue)
			return 0;
		return err_set(e, RW_EXIT_INPUT,
		               "%s: root '%s' was re-issued with the same key: the key matches its "
		               "SPKI pin %s, but the certificate is %s, not the pinned %s",
		               c->origin, r->id, r->spki_sha256, c->sha256, r->sha256);
	case CATALOG_MATCH_KEY_MISMATCH:
		return err_set(
		        e, RW_EXIT_INPUT,
		        "%s: root '%s' does not match its SPKI SHA-256 pin: the key is %s, the "
		        "pin is %s",
		        c->origin, r->id, c->spki_sha256, r->spki_sha256);
	default:
		return err_set(
		        e, RW_EXIT_INPUT,
		        "%s: root '%s' does not match its SHA-256 pin: the certificate is %s, "
		        "the pin is %s",
		        c->origin, r->id, c->sha256, r->sha256);
	}
}

const struct catalog_profile *
catalog_profile_successor(const struct catalog *cat, const struct catalog_profile *p, int32_t day)
{
	if (p->becomes.day < 0 || day < p->becomes.day || p->becomes.target == NULL)
		return NULL;
	return catalog_profile(cat, p->becomes.target);
}

int catalog_profile_ended(const struct catalog_profile *p, int32_t day)
{
	return p->ends.day >= 0 && day >= p->ends.day;
}

static int valid_id(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_' || *s == '.'))
			return 0;
	return 1;
}

long catalog_add_root(struct catalog *cat, const char *id, const char *name, const char *sha256,
                      const char *spki_sha256, const char *const *urls, size_t n_urls,
                      struct cert *cert, struct rw_err *e)
{
	struct catalog_root *nr, *r;

	if (catalog_root_index(cat, id) >= 0) {
		cert_free(cert);
		return err_set(e, RW_EXIT_INPUT, "root id '%s' is defined twice", id);
	}
	if (sha256[0] && catalog_root_by_sha256(cat, sha256) >= 0) { /* "": pinned by SPKI alone */
		cert_free(cert);
		return err_set(e, RW_EXIT_INPUT, "root '%s' has the same SHA-256 as root '%s'", id,
		               cat->roots[catalog_root_by_sha256(cat, sha256)].id);
	}
	nr = realloc(cat->roots, (cat->n_roots + 1) * sizeof(*nr));
	if (nr == NULL) {
		cert_free(cert);
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	}
	cat->roots = nr;
	r = &cat->roots[cat->n_roots];
	memset(r, 0, sizeof(*r));
	r->cert = cert;
	snprintf(r->sha256, sizeof(r->sha256), "%s", sha256);
	snprintf(r->spki_sha256, sizeof(r->spki_sha256), "%s", spki_sha256 ? spki_sha256 : "");
	r->id = strdup(id);
	r->name = strdup(name ? name : id);
	r->urls = n_urls ? calloc(n_urls, sizeof(*r->urls)) : NULL;
	if (r->id == NULL || r->name == NULL || (n_urls && r->urls == NULL))
		goto oom;
	for (size_t i = 0; i < n_urls; i++) {
		if ((r->urls[i] = strdup(urls[i])) == NULL)
			goto oom;
		r->n_urls++;
	}
	return (long)cat->n_roots++;
oom:
	root_clear(r);
	return err_set(e, RW_EXIT_FAILURE, "out of memory");
}

/* ---- loading ------------------------------------------------------------------------------ */

static int load_root(struct catalog *cat, const char *dir, const config_setting_t *g,
                     const struct verifycache *vc, struct rw_err *e)
{
	static const char *const keys[] = {"id",          "name", "file", "sha256",
	                                   "spki_sha256", "urls", NULL};
	const char *path = cat->path, *id, *name, *file, *sha, *spki;
	const char **urls = NULL;
	size_t n_urls = 0;
	char what[256], pin[CERT_HEX_LEN + 1], spin[CERT_HEX_LEN + 1], *full = NULL;
	struct certlist certs = {0};
	struct cert *c = NULL;
	long idx;
	int rc = -1, line = conf_line(g);

	snprintf(what, sizeof(what), "a root");
	if (conf_string(g, "id", 1, &id, path, what, e) < 0)
		goto out;
	snprintf(what, sizeof(what), "root '%s'", id);
	if (conf_check_keys(g, keys, path, what, e) < 0 ||
	    conf_string(g, "name", 1, &name, path, what, e) < 0 ||
	    conf_string(g, "file", 1, &file, path, what, e) < 0 ||
	    conf_string(g, "sha256", 1, &sha, path, what, e) < 0 ||
	    conf_string(g, "spki_sha256", 1, &spki, path, what, e) < 0 ||
	    conf_strings(g, "urls", 0, &urls, &n_urls, path, what, e) < 0)
		goto out;
	if (!valid_id(id)) {
		err_set(e, RW_EXIT_INPUT,
		        "%s:%d: root id '%s' may hold only a-z, 0-9, '-', '_', '.'", path, line,
		        id);
		goto out;
	}
	if (fingerprint_normalize(sha, pin) < 0 || fingerprint_normalize(spki, spin) < 0) {
		err_set(e, RW_EXIT_INPUT, "%s:%d: %s: a pin must be 64 hexadecimal digits", path,
		        line, what);
		goto out;
	}
	for (size_t i = 0; i < n_urls; i++)
		if (strncmp(urls[i], "https://", 8) != 0) {
			err_set(e, RW_EXIT_INPUT, "%s:%d: %s: URL '%s' is not https://", path, line,
			        what, urls[i]);
			goto out;
		}
	if (strchr(file, '/') != NULL || file[0] == '.') {
		err_set(e, RW_EXIT_INPUT, "%s:%d: %s: 'file' must be a plain file name in %s", path,
		        line, what, dir);
		goto out;
	}
	if (asprintf(&full, "%s/%s", dir, file) < 0) {
		full = NULL;
		err_set(e, RW_EXIT_FAILURE, "out of memory");
		goto out;
	}
	if (certs_read_file_vc(full, vc, &certs, e) < 0) {
		if (e != NULL) /* "path: why (root 'x', catalog.conf:LINE)" */
			snprintf(e->msg + strlen(e->msg), sizeof(e->msg) - strlen(e->msg),
			         " (%s, %s:%d)", what, path, line);
		goto out;
	}
	if (certs.n != 1) {
		cat->fault = CATALOG_FAULT_ROOT;
		err_set(e, RW_EXIT_INPUT, "%s: %s: expected one certificate, found %zu", full, what,
		        certs.n);
		goto out;
	}
	c = certs.v[0];
	certs.n = 0;
	if (cert_check_root(c, e) < 0) {
		cat->fault = CATALOG_FAULT_ROOT;
		goto out;
	}
	idx = catalog_add_root(cat, id, name, pin, spin, urls, n_urls, NULL, e);
	if (idx < 0) {
		err_prefix(e, path);
		goto out;
	}
	if (catalog_root_matches(&cat->roots[idx], c, e) < 0) {
		cat->fault = CATALOG_FAULT_PIN;
		goto out;
	}
	cat->roots[idx].cert = c;
	c = NULL;
	cat->roots[idx].line = line;
	cat->roots[idx].file = full;
	full = NULL;
	rc = 0;
out:
	cert_free(c);
	certlist_free(&certs);
	free(full);
	free(urls);
	return rc;
}

static int resolve_ids(const struct catalog *cat, const config_setting_t *step, const char *key,
                       size_t **out, size_t *n, const char *what, struct rw_err *e)
{
	const char **ids = NULL;
	size_t count = 0;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (conf_strings(step, key, 0, &ids, &count, cat->path, what, e) < 0)
		return -1;
	if (count == 0) {
		free(ids);
		return 0;
	}
	*out = calloc(count, sizeof(**out));
	if (*out == NULL) {
		err_set(e, RW_EXIT_FAILURE, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		long ri = catalog_root_index(cat, ids[i]);

		if (ri < 0) {
			err_set(e, RW_EXIT_INPUT, "%s:%d: %s names unknown root '%s'", cat->path,
			        conf_line(step), what, ids[i]);
			goto out;
		}
		for (size_t j = 0; j < i; j++)
			if ((*out)[j] == (size_t)ri) {
				err_set(e, RW_EXIT_INPUT, "%s:%d: %s names root '%s' twice",
				        cat->path, conf_line(step), what, ids[i]);
				goto out;
			}
		(*out)[i] = (size_t)ri;
	}
	*n = count;
	rc = 0;
out:
	if (rc < 0) {
		free(*out);
		*out = NULL;
	}
	free(ids);
	return rc;
}

/* A step's 'from' or its 'dates' list (one of the two). */
static int load_step_dates(const config_setting_t *sg, struct catalog_step *s, const char *path,
                           const char *what, struct rw_err *e)
{
	static const char *const date_keys[] = {"date", "source", NULL};
	const config_setting_t *dates;
	const char *from, *source;
	int n;

	if (conf_string(sg, "from", 0, &from, path, what, e) < 0 ||
	    conf_list(sg, "dates", 0, &dates, path, what, e) < 0 ||
	    conf_string(sg, "source", 0, &source, path, what, e) < 0)
		return -1;
	if ((from == NULL) == (dates == NULL))
		return err_set(e, RW_EXIT_INPUT,
		               "%s:%d: %s needs either 'from' (one date) or 'dates' (every "
		               "published date), not %s",
		               path, s->line, what, from ? "both" : "neither");
	if (source != NULL && (s->source = strdup(source)) == NULL)
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	if (from != NULL) {
		if (date_parse(from, &s->from) < 0)
			return err_set(e, RW_EXIT_INPUT,
			               "%s:%d: %s: '%s' is not a date (YYYY-MM-DD)", path, s->line,
			               what, from);
		s->latest = s->from;
		return 0;
	}
	n = config_setting_length(dates);
	if (n == 0)
		return err_set(e, RW_EXIT_INPUT, "%s:%d: %s: 'dates' is empty", path, s->line,
		               what);
	s->dates = calloc((size_t)n, sizeof(*s->dates));
	if (s->dates == NULL)
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	for (int i = 0; i < n; i++) {
		const config_setting_t *dg = config_setting_get_elem(dates, (unsigned)i);
		struct catalog_date *d = &s->dates[i];
		const char *day, *src;

		if (config_setting_is_group(dg) == CONFIG_FALSE)
			return err_set(e, RW_EXIT_INPUT,
			               "%s:%d: %s: each of 'dates' must be { date = ...; source = "
			               "...; }",
			               path, conf_line(dg), what);
		if (conf_check_keys(dg, date_keys, path, what, e) < 0 ||
		    conf_string(dg, "date", 1, &day, path, what, e) < 0 ||
		    conf_string(dg, "source", 1, &src, path, what, e) < 0)
			return -1;
		if (date_parse(day, &d->day) < 0)
			return err_set(e, RW_EXIT_INPUT,
			               "%s:%d: %s: '%s' is not a date (YYYY-MM-DD)", path,
			               conf_line(dg), what, day);
		if ((d->source = strdup(src)) == NULL)
			return err_set(e, RW_EXIT_FAILURE, "out of memory");
		s->n_dates++;
		if (i == 0 || d->day < s->from)
			s->from = d->day;
		if (i == 0 || d->day > s->latest)
			s->latest = d->day;
	}
	return 0;
}

/* 'becomes' or 'ends': { from = "YYYY-MM-DD"; profile = "..." (becomes only); source; note; } */
static int load_event(const config_setting_t *g, const char *key, struct catalog_event *ev,
                      const char *path, const char *what, struct rw_err *e)
{
	static const char *const becomes_keys[] = {"from", "profile", "source", "note", NULL};
	static const char *const ends_keys[] = {"from", "source", "note", NULL};
	const config_setting_t *eg = config_setting_get_member(g, key);
	const char *from, *target = NULL, *source, *note;
	int becomes = strcmp(key, "becomes") == 0;
	char ewhat[300];

	ev->day = -1;
	if (eg == NULL)
		return 0;
	snprintf(ewhat, sizeof(ewhat), "'%s' of %s", key, what);
	if (config_setting_is_group(eg) == CONFIG_FALSE)
		return err_set(e, RW_EXIT_INPUT, "%s:%d: %s must be a group { from = ...; }", path,
		               conf_line(eg), ewhat);
	if (conf_check_keys(eg, becomes ? becomes_keys : ends_keys, path, ewhat, e) < 0 ||
	    conf_string(eg, "from", 1, &from, path, ewhat, e) < 0 ||
	    (becomes && conf_string(eg, "profile", 1, &target, path, ewhat, e) < 0) ||
	    conf_string(eg, "source", 0, &source, path, ewhat, e) < 0 ||
	    conf_string(eg, "note", 0, &note, path, ewhat, e) < 0)
		return -1;
	if (date_parse(from, &ev->day) < 0)
		return err_set(e, RW_EXIT_INPUT, "%s:%d: %s: '%s' is not a date (YYYY-MM-DD)", path,
		               conf_line(eg), ewhat, from);
	if ((target && (ev->target = strdup(target)) == NULL) ||
	    (source && (ev->source = strdup(source)) == NULL) ||
	    (note && (ev->note = strdup(note)) == NULL))
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	return 0;
}

static int load_profile(struct catalog *cat, const config_setting_t *g, struct rw_err *e)
{
	static const char *const keys[] = {"id", "name", "steps", "becomes", "ends", NULL};
	static const char *const step_keys[] = {"from",     "dates", "source", "required",
	                                        "optional", "note",  NULL};
	const char *path = cat->path, *id, *name;
	const config_setting_t *steps;
	struct catalog_profile *p;
	char what[256];
	int n;

	if (conf_string(g, "id", 1, &id, path, "a profile", e) < 0)
		return -1;
	snprintf(what, sizeof(what), "profile '%s'", id);
	if (conf_check_keys(g, keys, path, what, e) < 0 ||
	    conf_string(g, "name", 1, &name, path, what, e) < 0 ||
	    conf_list(g, "steps", 1, &steps, path, what, e) < 0)
		return -1;
	if (!valid_id(id))
		return err_set(e, RW_EXIT_INPUT,
		               "%s:%d: profile id '%s' may hold only a-z, 0-9, "
		               "'-', '_', '.'",
		               path, conf_line(g), id);
	if (catalog_profile(cat, id) != NULL)
		return err_set(e, RW_EXIT_INPUT, "%s:%d: profile '%s' is defined twice", path,
		               conf_line(g), id);
	n = config_setting_length(steps);
	if (n == 0)
		return err_set(e, RW_EXIT_INPUT, "%s:%d: %s has no steps", path, conf_line(g),
		               what);
	p = &cat->profiles[cat->n_profiles];
	memset(p, 0, sizeof(*p));
	p->becomes.day = p->ends.day = -1;
	p->id = strdup(id);
	p->name = strdup(name);
	p->steps = calloc((size_t)n, sizeof(*p->steps));
	p->line = conf_line(g);
	cat->n_profiles++; /* from here on catalog_free() releases it */
	if (p->id == NULL || p->name == NULL || p->steps == NULL)
		return err_set(e, RW_EXIT_FAILURE, "out of memory");
	for (int i = 0; i < n; i++) {
		const config_setting_t *sg = config_setting_get_elem(steps, (unsigned)i);
		struct catalog_step *s = &p->steps[i];
		const char *note;
		char swhat[300], d[11];

		p->n_steps++;
		s->line = conf_line(sg);
		snprintf(swhat, sizeof(swhat), "a step of %s", what);
		if (conf_check_keys(sg, step_keys, path, swhat, e) < 0 ||
		    load_step_dates(sg, s, path, swhat, e) < 0 ||
		    conf_string(sg, "note", 0, &note, path, swhat, e) < 0)
			return -1;
		date_format(s->from, d);
		snprintf(swhat, sizeof(swhat), "the %s step of %s", d, what);
		if (i > 0 && s->from <= p->steps[i - 1].latest)
			return err_set(
			        e, RW_EXIT_INPUT,
			        "%s:%d: %s is out of date order (steps must be in increasing "
			        "date order, each after every published date of the one before)",
			        path, s->line, swhat);
		if (resolve_ids(cat, sg, "required", &s->required, &s->n_required, swhat, e) < 0 ||
		    resolve_ids(cat, sg, "optional", &s->optional, &s->n_optional, swhat, e) < 0)
			return -1;
		if (s->n_required == 0)
			return err_set(e, RW_EXIT_INPUT, "%s:%d: %s requires no root", path,
			               s->line, swhat);
		for (size_t k = 0; k < s->n_optional; k++)
			if (catalog_step_requires(s, s->optional[k]))
				return err_set(e, RW_EXIT_INPUT,
				               "%s:%d: %s lists root '%s' as both required and "
				               "optional",
				               path, s->line, swhat, cat->roots[s->optional[k]].id);
		if (note != NULL && (s->note = strdup(note)) == NULL)
			return err_set(e, RW_EXIT_FAILURE, "out of memory");
	}
	if (load_event(g, "becomes", &p->becomes, path, what, e) < 0 ||
	    load_event(g, "ends", &p->ends, path, what, e) < 0)
		return -1;
	if ((p->becomes.day >= 0 && p->becomes.day < p->steps[0].from) ||
	    (p->ends.day >= 0 && p->ends.day <= p->steps[0].from))
		return err_set(e, RW_EXIT_INPUT, "%s:%d: %s %s before its first step", path,
		               p->line, what,
		               p->becomes.day >= 0 && p->becomes.day < p->steps[0].from
		                       ? "becomes another profile"
		                       : "ends");
	return 0;
}

/* Every 'becomes' names a known profile, and following them never comes back. */
static int check_successors(const struct catalog *cat, struct rw_err *e)
{
	for (size_t i = 0; i < cat->n_profiles; i++) {
		const struct catalog_profile *p = &cat->profiles[i];
		size_t hops = 0;

		if (p->becomes.day < 0)
			continue;
		if (catalog_profile(cat, p->becomes.target) == NULL)
			return err_set(e, RW_EXIT_INPUT,
			               "%s:%d: profile '%s' becomes unknown profile '%s'",
			               cat->path, p->line, p->id, p->becomes.target);
		for (const struct catalog_profile *q = p; q->becomes.day >= 0;
		     q = catalog_profile(cat, q->becomes.target))
			if (++hops > cat->n_profiles)
				return err_set(
				        e, RW_EXIT_INPUT,
				        "%s:%d: profile '%s': its 'becomes' chain comes back "
				        "to itself",
				        cat->path, p->line, p->id);
	}
	return 0;
}

static int load(const char *roots_dir, const struct verifycache *vc, struct catalog **out,
                enum catalog_fault *fault, struct rw_err *e);

int catalog_load(const char *roots_dir, struct catalog **out, struct rw_err *e)
{
	return load(roots_dir, NULL, out, NULL, e);
}

int catalog_load_vc(const char *roots_dir, const struct verifycache *vc, struct catalog **out,
                    struct rw_err *e)
{
	return load(roots_dir, vc, out, NULL, e);
}

int catalog_load2(const char *roots_dir, struct catalog **out, enum catalog_fault *fault,
                  struct rw_err *e)
{
	return load(roots_dir, NULL, out, fault, e);
}

static int load(const char *roots_dir, const struct verifycache *vc, struct catalog **out,
                enum catalog_fault *fault, struct rw_err *e)
{
	static const char *const keys[] = {"catalog_version", "catalog_date", "roots", "profiles",
	                                   NULL};
	config_t cfg;
	struct catalog *cat = NULL;
	const config_setting_t *root, *roots, *profiles;
	const char *cdate = NULL;
	long long version = 0;
	int rc = -1;

	*out = NULL;
	config_init(&cfg);
	cat = calloc(1, sizeof(*cat));
	if (cat == NULL || asprintf(&cat->path, "%s/%s", roots_dir, CATALOG_FILE) < 0) {
		if (cat)
			cat->path = NULL;
		err_set(e, RW_EXIT_FAILURE, "out of memory");
		goto out;
	}
	if (conf_read_max(&cfg, cat->path, CONF_CATALOG_MAX, e) < 0)
		goto out;
	root = config_root_setting(&cfg);
	if (conf_check_keys(root, keys, cat->path, "the catalog", e) < 0 ||
	    conf_int(root, "catalog_version", 1, &version, cat->path, "the catalog", e) < 0 ||
	    conf_string(root, "catalog_date", 0, &cdate, cat->path, "the catalog", e) < 0 ||
	    conf_list(root, "roots", 1, &roots, cat->path, "the catalog", e) < 0 ||
	    conf_list(root, "profiles", 1, &profiles, cat->path, "the catalog", e) < 0)
		goto out;
	if (version < 1) {
		err_set(e, RW_EXIT_INPUT, "%s: catalog_version %lld: it must be 1 or more",
		        cat->path, version);
		goto out;
	}
	cat->version = version;
	cat->date = -1;
	if (cdate != NULL && date_parse(cdate, &cat->date) < 0) {
		err_set(e, RW_EXIT_INPUT, "%s: catalog_date '%s' is not a date (YYYY-MM-DD)",
		        cat->path, cdate);
		goto out;
	}
	for (int i = 0; i < config_setting_length(roots); i++)
		if (load_root(cat, roots_dir, config_setting_get_elem(roots, (unsigned)i), vc, e) <
		    0)
			goto out;
	cat->profiles = calloc((size_t)config_setting_length(profiles) + 1, sizeof(*cat->profiles));
	if (cat->profiles == NULL) {
		err_set(e, RW_EXIT_FAILURE, "out of memory");
		goto out;
	}
	for (int i = 0; i < config_setting_length(profiles); i++)
		if (load_profile(cat, config_setting_get_elem(profiles, (unsigned)i), e) < 0)
			goto out;
	if (check_successors(cat, e) < 0)
		goto out;
	*out = cat;
	cat = NULL;
	rc = 0;
out:
	if (fault != NULL)
		*fault = rc == 0                             ? CATALOG_FAULT_NONE
		         : cat == NULL                       ? CATALOG_FAULT_SYSTEM
		         : cat->fault                        ? (enum catalog_fault)cat->fault
		         : e && e->status == RW_EXIT_FAILURE ? CATALOG_FAULT_SYSTEM
		                                             : CATALOG_FAULT_FORMAT;
	catalog_free(cat);
	config_destroy(&cfg);
	return rc;
}
