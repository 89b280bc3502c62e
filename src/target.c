/* target.c - configuration + catalog -> the resolved targets every engine reads (target.h). */
#include "target.h"

#include <grp.h>
#include <gnutls/gnutls.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "bundle.h"
#include "date.h"
#include "buf.h"
#include "fileio.h"
#include "hooks.h"
#include "store.h"

void targets_free(struct targets *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n_bundles; i++) {
		struct target_bundle *b = &t->bundles[i];

		free(b->name);
		free(b->path);
		free(b->given_path);
		for (size_t k = 0; k < b->n_profiles; k++)
			free(b->profiles[k]);
		free(b->profiles);
		free(b->roots);
		if (b->password) {
			gnutls_memset(b->password, 0, strlen(b->password));
			free(b->password);
		}
	}
	free(t->bundles);
	for (size_t i = 0; i < t->n_checks; i++)
		if (t->checks[i].kind && t->checks[i].kind->free)
			t->checks[i].kind->free(t->checks[i].spec);
	free(t->checks);
	catalog_free(t->cat);
	free(t->state_dir);
	free(t->metrics_file);
	free(t);
}

static int oom(const struct config *cfg, struct rw_err *e)
{
	return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", cfg->path);
}

/* A configuration root as a catalog entry: a file is read and verified now; a URL root starts
 * with its verified copy in the state directory, if any. */
static int add_config_root(struct targets *t, const struct config_root *r, const struct store *st,
                           struct rw_err *e)
{
	const struct config *cfg = t->cfg;
	struct certlist l = {0};
	struct cert *c = NULL;
	char sha[CERT_HEX_LEN + 1];
	int rc = -1;

	memcpy(sha, r->sha256, sizeof(sha));
	if (r->file) {
		struct catalog_root pins = {0};

		if (certs_read_file(r->file, &l, e) < 0)
			goto out;
		if (l.n != 1) {
			err_set(e, RW_EXIT_INPUT,
			        "%s: holds %zu certificates; a root file holds one", r->file, l.n);
			goto out;
		}
		memcpy(pins.sha256, sha[0] ? sha : l.v[0]->sha256, sizeof(pins.sha256));
		memcpy(pins.spki_sha256, r->spki_sha256, sizeof(pins.spki_sha256));
		pins.id = r->id;
		if (cert_check_root(l.v[0], e) < 0 || catalog_root_matches(&pins, l.v[0], e) < 0)
			goto out;
		memcpy(sha, l.v[0]->sha256, sizeof(sha));
		c = l.v[0];
		l.v[0] = NULL;
		l.n = 0;
	} else if (st != NULL && store_get_root(st, sha, &c, NULL) < 0) {
		c = NULL; /* an unreadable stored copy: fetched again */
	}
	if (catalog_add_root(t->cat, r->id, r->name, sha, r->spki_sha256,
	                     (const char *const *)r->urls, r->n_urls, c, e) < 0)
		goto out;
	t->cat->roots[t->cat->n_roots - 1].accept_reissue = r->accept_reissue;
	rc = 0;
out:
	certlist_free(&l);
	if (rc < 0) {
		char where[1200];

		snprintf(where, sizeof(where), "%s:%d: root '%s'", cfg->path, r->line, r->id);
		err_prefix(e, where);
	}
	return rc;
}

static int check_config_roots(const struct targets *t, struct rw_err *e)
{
	const struct config *cfg = t->cfg;

	for (size_t i = 0; i < cfg->n_roots; i++) {
		const struct config_root *r = &cfg->roots[i];
		long k = catalog_root_index(t->cat, r->id);

		if (k >= 0)
			return err_set(e, RW_EXIT_INPUT,
			               "%s:%d: root id '%s' is already a catalog root (%s)",
			               cfg->path, r->line, r->id, t->cat->path);
		if (r->sha256[0] && (k = catalog_root_by_sha256(t->cat, r->sha256)) >= 0)
			return err_set(e, RW_EXIT_INPUT,
			               "%s:%d: root '%s' has the SHA-256 of catalog root '%s'",
			               cfg->path, r->line, r->id, t->cat->roots[k].id);
	}
	return 0;
}

static int resolve_owner(const struct config *cfg, const struct config_bundle *cb,
                         struct save_opts *so, struct rw_err *e)
{
	if (cb->owner) {
		struct passwd *pw = getpwnam(cb->owner);

		if (pw == NULL)
			return err_set(e, RW_EXIT_INPUT,
			               "%s:%d: bundle '%s': owner '%s' is not a user", cfg->path,
			               cb->line, cb->name, cb->owner);
		so->uid = pw->pw_uid;
	}
	if (cb->group) {
		struct group *gr = getgrnam(cb->group);

		if (gr == NULL)
			return err_set(e, RW_EXIT_INPUT,
			               "%s:%d: bundle '%s': group '%s' is not a group", cfg->path,
			               cb->line, cb->name, cb->group);
		so->gid = gr->gr_gid;
	}
	return 0;
}

/* The checks every output path must pass: not inside the state directory, and not the file of
 * another bundle under another spelling. */
static int check_output_path(const struct targets *t, const char *what, const char *path, int line,
                             struct rw_err *e)
{
	const struct config *cfg = t->cfg;

	if (path_within(path, t->state_dir))
		return err_set(e, RW_EXIT_INPUT,
		               "%s:%d: %s writes '%s', inside state_dir %s (which rootwarden owns)",
		               cfg->path, line, what, path, t->state_dir);
	for (size_t k = 0; k < t->n_bundles; k++)
		if (strcmp(t->bundles[k].path, path) == 0)
			return err_set(e, RW_EXIT_INPUT,
			               "%s:%d: %s writes '%s', as bundle '%s' does%s", cfg->path,
			               line, what, path, t->bundles[k].name,
			               t->bundles[k].line ? "" : " (profile_bundles_dir)");
	return 0;
}

/* The first line of the bundle's password_file (a store password must not be in the
 * configuration, which config check prints); errors say which bundle wanted it. */
static int read_password(const struct config *cfg, const struct config_bundle *cb, char **out,
                         struct rw_err *e)
{
	char where[512];

	if (file_read_password(cb->password_file, 0, out, e) == 0)
		return 0;
	snprintf(where, sizeof(where), "%s:%d: bundle '%s': password_file", cfg->path, cb->line,
	         cb->name);
	err_prefix(e, where);
	return -1;
}

static int add_bundle(struct targets *t, const struct config_bundle *cb, struct rw_err *e)
{
	const struct config *cfg = t->cfg;
	struct target_bundle *b = &t->bundles[t->n_bundles];
	char what[300];

	memset(b, 0, sizeof(*b));
	snprintf(what, sizeof(what), "bundle '%s'", cb->name);
	for (size_t k = 0; k < cb->n_profiles; k++)
		if (catalog_profile(t->cat, cb->profiles[k]) == NULL)
			return err_set(
			        e, RW_EXIT_INPUT,
			        "%s:%d: %s: unknown profile '%s' (see 'rootwarden roots list')",
			        cfg->path, cb->line, what, cb->profiles[k]);
	if ((b->format = emit_format_find(cb->format)) == NULL)
		return err_set(e, RW_EXIT_INPUT, "%s:%d: %s: unknown format '%s'", cfg->path,
		               cb->line, what, cb->format);
	if ((b->path = path_canonical(cb->path)) == NULL)
		return oom(cfg, e);
	if (check_output_path(t, what, b->path, cb->line, e) < 0) {
		free(b->path);
		return -1;
	}
	{
		struct stat st;

		/* a bundle is a file (or, for a directory format, a directory) that sync
		 * replaces; a device there is a typo (/dev/sda) */
		if (stat(b->path, &st) == 0 &&
		    (b->format->dest == EMIT_DIR ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) {
			err_set(e, RW_EXIT_INPUT, "%s:%d: %s: '%s' exists and is not a %s",
			        cfg->path, cb->line, what, b->path,
			        b->format->dest == EMIT_DIR ? "directory" : "regular file");
			free(b->path);
			return -1;
		}
	}
	save_opts_init(&b->save);
	b->save.mode = cb->mode;
	if (resolve_owner(cfg, cb, &b->save, e) < 0) {
		free(b->path);
		return -1;
	}
	b->name = strdup(cb->name);
	b->given_path = strdup(cb->path);
	b->profiles = calloc(cb->n_profiles + 1, sizeof(char *));
	b->roots = calloc(cb->n_roots + 1, sizeof(size_t));
	t->n_bundles++; /* from here on targets_free releases it */
	if (b->name == NULL || b->given_path == NULL || b->profiles == NULL || b->roots == NULL)
		return oom(cfg, e);
	for (size_t k = 0; k < cb->n_profiles; k++) {
		if ((b->profiles[k] = strdup(cb->profiles[k])) == NULL)
			return oom(cfg, e);
		b->n_profiles++;
	}
	for (size_t k = 0; k < cb->n_roots; k++) {
		long ri = catalog_root_index(t->cat, cb->roots[k]);

		if (ri < 0 || !targets_is_config_root(t, (size_t)ri))
			return err_set(e, RW_EXIT_INPUT,
			               "%s:%d: %s names root '%s', which is not in 'roots'",
			               cfg->path, cb->line, what, cb->roots[k]);
		b->roots[b->n_roots++] = (size_t)ri;
	}
	if (cb->password_file && read_password(cfg, cb, &b->password, e) < 0)
		return -1;
	b->includes = (const char *const *)cb->include;
	b->n_includes = cb->n_include;
	b->excludes = (const char *const *)cb->exclude;
	b->n_excludes = cb->n_exclude;
	/* a hook that cannot be found is a mistake in the configuration (its file's mode and owner
	 * are checked when it runs: hooks.h) */
	for (size_t k = 0; k < cb->n_hooks; k++) {
		char *why = NULL, *path = hook_resolve(cb->hooks[k].argv[0], &why);
		int bad = path == NULL || access(path, X_OK) != 0;

		if (bad)
			err_set(e, RW_EXIT_INPUT, "%s:%d: %s: hook %s", cfg->path, cb->line, what,
			        why ? why : "does not exist or is not executable");
		if (bad && why == NULL && path != NULL)
			err_set(e, RW_EXIT_INPUT,
			        "%s:%d: %s: hook %s: does not exist or is not executable",
			        cfg->path, cb->line, what, path);
		free(path);
		free(why);
		if (bad)
			return -1;
	}
	b->hooks = cb->hooks;
	b->n_hooks = cb->n_hooks;
	b->line = cb->line;
	return 0;
}

/* profile_bundles_dir: one PEM bundle per catalog profile not already named by a bundle, and not
 * ended (a service that closed has nothing to write: 'bundle --all' skips it too). */
static int add_profile_bundles(struct targets *t, struct rw_err *e)
{
	const struct config *cfg = t->cfg;

	for (size_t i = 0; cfg->profile_bundles_dir && i < t->cat->n_profiles; i++) {
		const char *id = t->cat->profiles[i].id;
		struct config_bundle cb = {0};
		char *profiles[1] = {(char *)id}, *path = NULL;
		int dup = 0, rc;

		for (size_t k = 0; k < t->n_bundles; k++)
			dup |= strcmp(t->bundles[k].name, id) == 0;
		if (dup || catalog_profile_ended(&t->cat->profiles[i], date_today()))
			continue;
		if (asprintf(&path, "%s/%s.pem", cfg->profile_bundles_dir, id) < 0)
			return oom(cfg, e);
		cb.name = (char *)id;
		cb.path = path;
		cb.format = "pem";
		cb.profiles = profiles;
		cb.n_profiles = 1;
		cb.mode = 0644;
		rc = add_bundle(t, &cb, e);
		free(path);
		if (rc < 0)
			return -1;
		t->bundles[t->n_bundles - 1].line = 0;
	}
	return 0;
}

static int add_checks(struct targets *t, struct rw_err *e)
{
	const struct config *cfg = t->cfg;

	t->checks = calloc(cfg->n_checks + 1, sizeof(*t->checks));
	if (t->checks == NULL)
		return oom(cfg, e);
	for (size_t i = 0; i < cfg->n_checks; i++) {
		const struct config_check *cc = &cfg->checks[i];
		struct target_check *tc = &t->checks[t->n_checks];

		tc->kind = check_kind_find(cc->kind);
		tc->name = cc->name;
		tc->line = cc->line;
		if (tc->kind == NULL || tc->kind->from_config == NULL)
			return err_set(e, RW_EXIT_INPUT,
			               "%s:%d: check kind '%s' cannot run in sync", cfg->path,
			               cc->line, cc->kind);
		if (tc->kind->from_config(cfg, t->cat, cc, &tc->spec, e) < 0) {
			if (strncmp(e->msg, cfg->path, strlen(cfg->path)) != 0)
				err_prefix(e, cfg->path);
			return -1;
		}
		t->n_checks++;
	}
	return 0;
}

/* With a catalog channel configured, the catalog last accepted from it (STATE/catalog/current,
 * or "previous" when a run died while swapping them) replaces the shipped one when its
 * catalog_version is higher: a package upgrade past it makes the shipped catalog win again. */
static int use_channel_catalog(struct targets *t, const struct store *st)
{
	static const char *const which[] = {"current", "previous"};

	if (t->cfg->catalog.url == NULL || st == NULL)
		return 0;
	for (size_t i = 0; i < 2; i++) {
		char *dir = store_catalog_dir(st, which[i]);
		struct catalog *ch = NULL;

		if (dir && catalog_load(dir, &ch, NULL) == 0) {
			free(dir);
			if (ch->version > t->cat->version) {
				catalog_free(t->cat);
				t->cat = ch;
				t->catalog_from_channel = 1;
			} else {
				catalog_free(ch);
			}
			return 0;
		}
		free(dir);
	}
	return 0;
}

/* fetch.accept_reissue: catalog roots whose re-issue with the same key is accepted; and, for
 * every root that accepts re-issues, the re-issued copy an earlier sync verified and stored
 * (its SHA-256 is in the fetch metadata) becomes the root's certificate. */
static int accept_reissues(struct targets *t, const struct store *st, struct rw_err *e)
{
	const struct config *cfg = t->cfg;

	for (size_t i = 0; i < cfg->fetch.n_accept_reissue; i++) {
		long ri = catalog_root_index(t->cat, cfg->fetch.accept_reissue[i]);

		if (ri < 0 || t->cat->roots[ri].spki_sha256[0] == '\0')
			return err_set(
			        e, RW_EXIT_INPUT,
			        "%s: fetch.accept_reissue: '%s' is not a catalog root with an SPKI "
			        "pin",
			        cfg->path, cfg->fetch.accept_reissue[i]);
		t->cat->roots[ri].accept_reissue = 1;
	}
	for (size_t ri = 0; st && ri < t->cat->n_roots; ri++) {
		struct catalog_root *r = &t->cat->roots[ri];
		json_t *meta = NULL;
		const char *sha;
		struct cert *c = NULL;

		if (!r->accept_reissue || store_json_get(st, "fetch", r->id, &meta, NULL) < 0 ||
		    meta == NULL)
			continue;
		sha = json_string_value(json_object_get(meta, "sha256"));
		if (sha && strcmp(sha, r->sha256) != 0 && store_get_root(st, sha, &c, NULL) == 0 &&
		    c != NULL && catalog_root_matches(r, c, NULL) == 0) {
			cert_free(r->cert);
			memcpy(r->sha256, c->sha256, sizeof(r->sha256));
			r->cert = c;
			c = NULL;
		}
		cert_free(c);
		json_decref(meta);
	}
	return 0;
}

int targets_build(const struct config *cfg, const char *roots_dir, struct targets **out,
                  struct rw_err *e)
{
	struct targets *t = calloc(1, sizeof(*t));
	struct store *st = NULL;
	int rc = -1;

	*out = NULL;
	if (t == NULL)
		return oom(cfg, e);
	t->cfg = cfg;
	t->state_dir = path_canonical(cfg->state_dir);
	t->metrics_file = cfg->metrics_file ? path_canonical(cfg->metrics_file) : NULL;
	if (t->state_dir == NULL || (cfg->metrics_file && t->metrics_file == NULL)) {
		oom(cfg, e);
		goto out;
	}
	/* read-only: a state directory that does not exist yet holds no copies */
	if ((cfg->n_roots || cfg->catalog.url || cfg->fetch.n_accept_reissue) &&
	    store_open(cfg->state_dir, 0, &st, NULL) < 0)
		st = NULL;
	if (catalog_load_vc(roots_dir, store_verify_cache(st), &t->cat, e) < 0 ||
	    use_channel_catalog(t, st) < 0 || check_config_roots(t, e) < 0)
		goto out;
	t->first_config_root = t->cat->n_roots;
	for (size_t i = 0; i < cfg->n_roots; i++)
		if (add_config_root(t, &cfg->roots[i], st, e) < 0)
			goto out;
	if (accept_reissues(t, st, e) < 0)
		goto out;
	t->bundles = calloc(cfg->n_bundles + t->cat->n_profiles + 1, sizeof(*t->bundles));
	if (t->bundles == NULL) {
		oom(cfg, e);
		goto out;
	}
	for (size_t i = 0; i < cfg->n_bundles; i++)
		if (add_bundle(t, &cfg->bundles[i], e) < 0)
			goto out;
	if (add_profile_bundles(t, e) < 0)
		goto out;
	if (t->metrics_file && path_within(t->metrics_file, t->state_dir)) {
		err_set(e, RW_EXIT_INPUT, "%s: metrics_file '%s' is inside state_dir %s", cfg->path,
		        t->metrics_file, t->state_dir);
		goto out;
	}
	for (size_t i = 0; t->metrics_file && i < t->n_bundles; i++)
		if (strcmp(t->bundles[i].path, t->metrics_file) == 0) {
			err_set(e, RW_EXIT_INPUT, "%s: metrics_file '%s' is bundle '%s''s file",
			        cfg->path, t->metrics_file, t->bundles[i].name);
			goto out;
		}
	if (add_checks(t, e) < 0)
		goto out;
	*out = t;
	t = NULL;
	rc = 0;
out:
	store_free(st);
	targets_free(t);
	return rc;
}

int targets_status_metrics_ok(const struct config *cfg, const char *path)
{
	char *m = path ? path_canonical(path) : NULL, *d = NULL;
	int ok = m != NULL;

	for (size_t i = 0; ok && i <= cfg->n_bundles + 1; i++) {
		const char *p = i < cfg->n_bundles    ? cfg->bundles[i].path
		                : i == cfg->n_bundles ? cfg->state_dir
		                                      : cfg->profile_bundles_dir;

		if (p == NULL)
			continue;
		if ((d = path_canonical(p)) == NULL || path_within(m, d))
			ok = 0;
		free(d);
	}
	free(m);
	return ok;
}

int targets_is_config_root(const struct targets *t, size_t ri)
{
	return ri >= t->first_config_root && ri < t->cat->n_roots;
}

void targets_rotation_target(const struct targets *t, size_t bi, struct rotation_target *out)
{
	const struct target_bundle *b = &t->bundles[bi];

	memset(out, 0, sizeof(*out));
	out->name = b->name;
	out->path = b->given_path;
	out->profiles = (const char *const *)b->profiles;
	out->n_profiles = b->n_profiles;
	out->excludes = b->excludes;
	out->n_excludes = b->n_excludes;
	out->roots = b->roots;
	out->n_roots = b->n_roots;
	out->password = b->password;
}

void targets_rotation_opts(const struct targets *t, struct rotation_opts *o)
{
	rotation_opts_init(o);
	o->warn_days = t->cfg->warn_days;
	o->grace_days = t->cfg->retire_grace_days;
	o->keep_expired = t->cfg->keep_expired;
	o->ahead_days = t->cfg->add_ahead_days;
}

void targets_bundle_spec(const struct targets *t, size_t bi, int32_t day, struct bundle_spec *s)
{
	const struct target_bundle *b = &t->bundles[bi];

	bundle_spec_init(s);
	s->profiles = (const char *const *)b->profiles;
	s->n_profiles = b->n_profiles;
	s->roots = b->roots;
	s->n_roots = b->n_roots;
	s->includes = b->includes;
	s->n_includes = b->n_includes;
	s->excludes = b->excludes;
	s->n_excludes = b->n_excludes;
	s->day = day;
	s->grace_days = t->cfg->retire_grace_days;
	s->keep_expired = t->cfg->keep_expired;
	s->ahead_days = t->cfg->add_ahead_days;
}
