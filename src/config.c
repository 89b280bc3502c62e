/* config.c - the agent's configuration: strict libconfig parsing, defaults, printing. */
#include "config.h"

#include <gnutls/abstract.h>
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "confutil.h"
#include "token_check.h"
#include "emit.h"

/* The state dir is where systemd's StateDirectory=rootwarden puts it, whatever the prefix; the
 * hooks live beside the configuration file (sysconfdir). */
#define CONFIG_DEFAULT_STATE_DIR "/var/lib/rootwarden"

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->state_dir);
	free(cfg->hooks_dir);
	free(cfg->roots_dir);
	free(cfg->metrics_file);
	free(cfg->profile_bundles_dir);
	free(cfg->fetch.ca_file);
	free_strv(cfg->fetch.accept_reissue, cfg->fetch.n_accept_reissue);
	for (size_t i = 0; i < cfg->n_roots; i++) {
		struct config_root *r = &cfg->roots[i];

		free(r->id);
		free(r->name);
		free_strv(r->urls, r->n_urls);
		free(r->file);
	}
	free(cfg->roots);
	for (size_t i = 0; i < cfg->n_bundles; i++) {
		struct config_bundle *b = &cfg->bundles[i];

		free(b->name);
		free(b->path);
		free(b->format);
		free_strv(b->profiles, b->n_profiles);
		free_strv(b->include, b->n_include);
		free_strv(b->exclude, b->n_exclude);
		free_strv(b->roots, b->n_roots);
		free(b->owner);
		free(b->group);
		free(b->password_file);
		for (size_t k = 0; k < b->n_hooks; k++)
			free_strv(b->hooks[k].argv, b->hooks[k].argc);
		free(b->hooks);
	}
	free(cfg->bundles);
	for (size_t i = 0; i < cfg->n_checks; i++) {
		struct config_check *c = &cfg->checks[i];

		free(c->kind);
		free(c->name);
		for (size_t k = 0; k < c->n_values; k++) {
			free(c->values[k].key);
			free_strv(c->values[k].v, c->values[k].n);
		}
		free(c->values);
	}
	free(cfg->checks);
	for (size_t i = 0; i < cfg->n_jwks; i++) {
		free(cfg->jwks[i].name);
		free(cfg->jwks[i].url);
	}
	free(cfg->jwks);
	free(cfg->catalog.url);
	free_strv(cfg->catalog.keys, cfg->catalog.n_keys);
	free(cfg);
}

static struct config *config_new(const char *path)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL)
		return NULL;
	cfg->path = strdup(path);
	cfg->state_dir = strdup(CONFIG_DEFAULT_STATE_DIR);
	cfg->hooks_dir = strdup(paths_hooks_dir());
	cfg->hook_timeout_s = 60;
	cfg->warn_days = 90;
	cfg->retire_grace_days = 30;
	cfg->add_ahead_days = 90;
	cfg->fetch.connect_timeout_s = 10;
	cfg->fetch.total_timeout_s = 60;
	cfg->fetch.max_bytes = (size_t)1 << 20;
	cfg->fetch.retries = 2;
	cfg->fetch.backoff_ms = 1000;
	cfg->fetch.catalog_roots = 1;
	cfg->fetch.deadline_s = 300; /* well inside the unit's TimeoutStartSec */
	cfg->fetch.max_parallel = 4;
	if (cfg->path == NULL || cfg->state_dir == NULL || cfg->hooks_dir == NULL) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* Context for one file being parsed. */
struct ctx {
	const char *path;
	struct rw_err *e;
};

static int oom(struct ctx *c)
{
	return err_set(c->e, RW_EXIT_FAILURE, "%s: out of memory", c->path);
}

/* A string that must be an absolute path when present; replaces *dst. */
static int get_path(struct ctx *c, const config_setting_t *g, const char *key, int required,
                    const char *what, char **dst)
{
	const char *s = NULL;
	const config_setting_t *m = config_setting_get_member(g, key);

	if (conf_string(g, key, required, &s, c->path, what, c->e) < 0)
		return -1;
	if (s == NULL)
		return 0;
	if (s[0] != '/')
		return err_set(c->e, RW_EXIT_INPUT,
		               "%s:%d: '%s' in %s must be an absolute path, not '%s'", c->path,
		               conf_line(m), key, what, s);
	free(*dst);
	if ((*dst = strdup(s)) == NULL)
		return oom(c);
	return 0;
}

static int get_str(struct ctx *c, const config_setting_t *g, const char *key, int required,
                   const char *what, char **dst)
{
	const char *s = NULL;

	if (conf_string(g, key, required, &s, c->path, what, c->e) < 0)
		return -1;
	if (s == NULL)
		return 0;
	if (*s == '\0')
		return err_set(c->e, RW_EXIT_INPUT, "%s:%d: '%s' in %s must not be empty", c->path,
		               conf_line(config_setting_get_member(g, key)), key, what);
	free(*dst);
	if ((*dst = strdup(s)) == NULL)
		return oom(c);
	return 0;
}

static int get_long(struct ctx *c, const config_setting_t *g, const char *key, const char *what,
                    long long lo, long long hi, long long *v)
{
	long long x = *v;

	if (conf_int(g, key, 0, &x, c->path, what, c->e) < 0)
		return -1;
	if (x < lo || x > hi)
		return err_set(c->e, RW_EXIT_INPUT, "%s:%d: '%s' in %s must be %lld..%lld", c->path,
		               conf_line(config_setting_get_member(g, key)), key, what, lo, hi);
	*v = x;
	return 0;
}

/* A string vector copied out of libconfig; abs: each must be an absolute path. */
static int get_strv(struct ctx *c, const config_setting_t *g, const char *key, const char *what,
                    int abs, char ***out, size_t *n)
{
	const char **v = NULL;
	size_t k = 0;

	if (conf_strings(g, key, 0, &v, &k, c->path, what, c->e) < 0)
		return -1;
	*out = NULL;
	*n = 0;
	if (k == 0) {
		free(v);
		return 0;
	}
	*out = calloc(k + 1, sizeof(char *));
	if (*out == NULL) {
		free(v);
		return oom(c);
	}
	for (size_t i = 0; i < k; i++) {
		if (abs && v[i][0] != '/') {
			err_set(c->e, RW_EXIT_INPUT,
			        "%s:%d: '%s' in %s must hold absolute paths, not '%s'", c->path,
			        conf_line(config_setting_get_member(g, key)), key, what, v[i]);
			free(v);
			return -1;
		}
		if (((*out)[i] = strdup(v[i])) == NULL) {
			free(v);
			return oom(c);
		}
		*n = i + 1;
	}
	free(v);
	return 0;
}

static int valid_name(const char *s)
{
	if (*s == '\0' || *s == '.')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

static int get_pin(struct ctx *c, const config_setting_t *g, const char *key, const char *what,
                   char out[CERT_HEX_LEN + 1])
{
	const char *s = NULL;

	out[0] = '\0';
	if (conf_string(g, key, 0, &s, c->path, what, c->e) < 0)
		return -1;
	if (s && fingerprint_normalize(s, out) < 0)
		return err_set(c->e, RW_EXIT_INPUT,
		               "%s:%d: '%s' in %s is not a SHA-256 (64 hex digits)", c->path,
		               conf_line(config_setting_get_member(g, key)), key, what);
	return 0;
}

static int parse_fetch(struct ctx *c, const config_setting_t *g, struct config_fetch *f)
{
	static const char *const keys[] = {"connect_timeout", "timeout",    "max_bytes",
	                                   "retries",         "backoff_ms", "ca_file",
	                                   "catalog_roots",   "deadline",   "max_parallel",
	                                   "accept_reissue",  NULL};
	long long v;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return err_set(c->e, RW_EXIT_INPUT, "%s:%d: 'fetch' must be a group { ... }",
		               c->path, conf_line(g));
	if (conf_check_keys(g, keys, c->path, "fetch", c->e) < 0)
		return -1;
	v = f->connect_timeout_s;
	if (get_long(c, g, "connect_timeout", "fetch", 1, 3600, &v) < 0)
		return -1;
	f->connect_timeout_s = (long)v;
	v = f->total_timeout_s;
	if (get_long(c, g, "timeout", "fetch", 1, 86400, &v) < 0)
		return -1;
	f->total_timeout_s = (long)v;
	v = (long long)f->max_bytes;
	if (get_long(c, g, "max_bytes", "fetch", 1024, 1LL << 30, &v) < 0)
		return -1;
	f->max_bytes = (size_t)v;
	v = f->retries;
	if (get_long(c, g, "retries", "fetch", 0, 10, &v) < 0)
		return -1;
	f->retries = (int)v;
	v = f->backoff_ms;
	if (get_long(c, g, "backoff_ms", "fetch", 0, 600000, &v) < 0)
		return -1;
	f->backoff_ms = (long)v;
	if (get_path(c, g, "ca_file", 0, "fetch", &f->ca_file) < 0)
		return -1;
	if (get_strv(c, g, "accept_reissue", "fetch", 0, &f->accept_reissue, &f->n_accept_reissue) <
	    0)
		return -1;
	v = f->deadline_s;
	if (get_long(c, g, "deadline", "fetch", 1, 3600, &v) < 0)
		return -1;
	f->deadline_s = (long)v;
	v = f->max_parallel;
	if (get_long(c, g, "max_parallel", "fetch", 1, 64, &v) < 0)
		return -1;
	f->max_parallel = (int)v;
	return conf_bool(g, "catalog_roots", &f->catalog_roots, c->path, "fetch", c->e);
}

static int parse_roots(struct ctx *c, const config_setting_t *list, struct config *cfg)
{
	static const char *const keys[] = {"id",          "name", "urls",           "sha256",
	                                   "spki_sha256", "file", "accept_reissue", NULL};
	int n = config_setting_length(list);

	cfg->roots = calloc((size_t)n + 1, sizeof(*cfg->roots));
	if (cfg->roots == NULL)
		return oom(c);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct config_root *r = &cfg->roots[cfg->n_roots++];
		char what[256];

		r->line = conf_line(g);
		if (conf_check_keys(g, keys, c->path, "a root", c->e) < 0 ||
		    get_str(c, g, "id", 1, "a root", &r->id) < 0)
			return -1;
		if (!valid_name(r->id))
			return err_set(
			        c->e, RW_EXIT_INPUT,
			        "%s:%d: root id '%s' may only hold letters, digits, '-', '_', '.'",
			        c->path, r->line, r->id);
		for (size_t k = 0; k + 1 < cfg->n_roots; k++)
			if (strcmp(cfg->roots[k].id, r->id) == 0)
				return err_set(c->e, RW_EXIT_INPUT,
				               "%s:%d: duplicate root id '%s' (first at line %d)",
				               c->path, r->line, r->id, cfg->roots[k].line);
		snprintf(what, sizeof(what), "root '%s'", r->id);
		if (get_str(c, g, "name", 0, what, &r->name) < 0 ||
		    get_strv(c, g, "urls", what, 0, &r->urls, &r->n_urls) < 0 ||
		    get_pin(c, g, "sha256", what, r->sha256) < 0 ||
		    get_pin(c, g, "spki_sha256", what, r->spki_sha256) < 0 ||
		    get_path(c, g, "file", 0, what, &r->file) < 0)
			return -1;
		if (r->name == NULL && (r->name = strdup(r->id)) == NULL)
			return oom(c);
		if (!r->file == !r->n_urls)
			return err_set(c->e, RW_EXIT_INPUT,
			               "%s:%d: %s needs either 'urls' or 'file'", c->path, r->line,
			               what);
		if (conf_bool(g, "accept_reissue", &r->accept_reissue, c->path, what, c->e) < 0)
			return -1;
		if (r->n_urls && r->sha256[0] == '\0' && r->spki_sha256[0] == '\0')
			return err_set(c->e, RW_EXIT_INPUT,
			               "%s:%d: %s has 'urls' but no 'sha256' or 'spki_sha256' pin: "
			               "a downloaded "
			               "root must be pinned",
			               c->path, r->line, what);
		if (r->accept_reissue && r->spki_sha256[0] == '\0')
			return err_set(
			        c->e, RW_EXIT_INPUT,
			        "%s:%d: %s: accept_reissue needs an 'spki_sha256' pin (the key a "
			        "re-issue must keep)",
			        c->path, r->line, what);
		if (r->sha256[0] == '\0')
			r->accept_reissue =
			        1; /* pinned by SPKI alone: any certificate of that key */
		for (size_t k = 0; k < r->n_urls; k++)
			if (strncmp(r->urls[k], "https://", 8) != 0 &&
			    strncmp(r->urls[k], "file:///", 8) != 0)
				return err_set(c->e, RW_EXIT_INPUT,
				               "%s:%d: %s: URL '%s' must be https:// or file:///",
				               c->path,
				               conf_line(config_setting_get_member(g, "urls")),
				               what, r->urls[k]);
	}
	return 0;
}

static int parse_mode(struct ctx *c, const config_setting_t *g, const char *what, mode_t *mode)
{
	const config_setting_t *m = config_setting_get_member(g, "mode");
	const char *s;
	char *end;
	unsigned long v;

	if (m == NULL)
		return 0;
	if (config_setting_type(m) != CONFIG_TYPE_STRING)
		return err_set(c->e, RW_EXIT_INPUT,
		               "%s:%d: 'mode' in %s must be an octal string such as \"0640\"",
		               c->path, conf_line(m), what);
	s = config_setting_get_string(m);
	v = strtoul(s, &end, 8);
	if (*s == '\0' || *end != '\0' || v > 07777)
		return err_set(c->e, RW_EXIT_INPUT,
		               "%s:%d: 'mode' in %s: '%s' is not an octal mode", c->path,
		               conf_line(m), what, s);
	if (v & 07022)
		return err_set(c->e, RW_EXIT_INPUT,
		               "%s:%d: 'mode' in %s: '%s' would let others change a trust bundle "
		               "(group or other write, setuid, setgid or sticky bit)",
		               c->path, conf_line(m), what, s);
	*mode = (mode_t)v;
	return 0;
}

static int parse_hooks(struct ctx *c, const config_setting_t *g, const char *what,
                       struct config_bundle *b)
{
	const config_setting_t *h = config_setting_get_member(g, "hooks");
	int n;

	if (h == NULL)
		return 0;
	if (config_setting_type(h) != CONFIG_TYPE_LIST &&
	    config_setting_type(h) != CONFIG_TYPE_ARRAY)
		return err_set(c->e, RW_EXIT_INPUT,
		               "%s:%d: 'hooks' in %s must be a list of argv arrays: ( [\"cmd\", "
		               "\"arg\"], ... )",
		               c->path, conf_line(h), what);
	n = config_setting_length(h);
	b->hooks = calloc((size_t)n + 1, sizeof(*b->hooks));
	if (b->hooks == NULL)
		return oom(c);
	for (int i = 0; i < n; i++) {
		const config_setting_t *a = config_setting_get_elem(h, (unsigned)i);
		struct config_hook *hk = &b->hooks[b->n_hooks++];
		int len;

		if (config_setting_type(a) != CONFIG_TYPE_ARRAY ||
		    (len = config_setting_length(a)) == 0)
			return err_set(
			        c->e, RW_EXIT_INPUT,
			        "%s:%d: each hook in %s must be a non-empty array of strings "
			        "[\"cmd\", \"arg\", ...] (run without a shell)",
			        c->path, conf_line(a), what);
		hk->argv = calloc((size_t)len + 1, sizeof(char *));
		if (hk->argv == NULL)
			return oom(c);
		for (int k = 0; k < len; k++) {
			const config_setting_t *s = config_setting_get_elem(a, (unsigned)k);

			if (config_setting_type(s) != CONFIG_TYPE_STRING)
				return err_set(c->e, RW_EXIT_INPUT,
				               "%s:%d: each hook in %s must be an array of strings",
				               c->path, conf_line(a), what);
			if ((hk->argv[k] = strdup(config_setting_get_string(s))) == NULL)
				return oom(c);
			hk->argc = (size_t)k + 1;
		}
		if (hk->argv[0][0] == '\0')
			return err_set(c->e, RW_EXIT_INPUT,
			               "%s:%d: a hook in %s has an empty command", c->path,
			               conf_line(a), what);
	}
	return 0;
}

static int parse_bundles(struct ctx *c, const config_setting_t *list, struct config *cfg)
{
	static const char *const keys[] = {
	        "name", "path",  "format", "profiles", "include",       "exclude", "roots",
	        "mode", "owner", "group",  "hooks",    "password_file", NULL};
	int n = config_setting_length(list);

	cfg->bundles = calloc((size_t)n + 1, sizeof(*cfg->bundles));
	if (cfg->bundles == NULL)
		return oom(c);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct config_bundle *b = &cfg->bundles[cfg->n_bundles++];
		char what[256];
		char **ex = NULL;
		size_t nex = 0;

		b->line = conf_line(g);
		b->mode = 0644;
		if (conf_check_keys(g, keys, c->path, "a bundle", c->e) < 0 ||
		    get_str(c, g, "name", 1, "a bundle", &b->name) < 0)
			return -1;
		if (!valid_name(b->name))
			return err_set(
			        c->e, RW_EXIT_INPUT,
			        "%s:%d: bundle name '%s' may only hold letters, digits, '-', "
			        "'_', '.'",
			        c->path, b->line, b->name);
		for (size_t k = 0; k + 1 < cfg->n_bundles; k++)
			if (strcmp(cfg->bundles[k].name, b->name) == 0)
				return err_set(
				        c->e, RW_EXIT_INPUT,
				        "%s:%d: duplicate bundle name '%s' (first at line %d)",
				        c->path, b->line, b->name, cfg->bundles[k].line);
		snprintf(what, sizeof(what), "bundle '%s'", b->name);
		if (get_path(c, g, "path", 1, what, &b->path) < 0)
			return -1;
		if (b->path[strlen(b->path) - 1] == '/')
			return err_set(c->e, RW_EXIT_INPUT,
			               "%s:%d: 'path' of %s names a directory ('%s'); give a file",
			               c->path, b->line, what, b->path);
		for (size_t k = 0; k + 1 < cfg->n_bundles; k++)
			if (strcmp(cfg->bundles[k].path, b->path) == 0)
				return err_set(
				        c->e, RW_EXIT_INPUT,
				        "%s:%d: %s writes '%s', as bundle '%s' does (line %d)",
				        c->path, b->line, what, b->path, cfg->bundles[k].name,
				        cfg->bundles[k].line);
		if (get_str(c, g, "format", 0, what, &b->format) < 0 ||
		    get_strv(c, g, "profiles", what, 0, &b->profiles, &b->n_profiles) < 0 ||
		    get_strv(c, g, "include", what, 1, &b->include, &b->n_include) < 0 ||
		    get_strv(c, g, "exclude", what, 0, &ex, &nex) < 0 ||
		    get_strv(c, g, "roots", what, 0, &b->roots, &b->n_roots) < 0 ||
		    parse_mode(c, g, what, &b->mode) < 0 ||
		    get_str(c, g, "owner", 0, what, &b->owner) < 0 ||
		    get_str(c, g, "group", 0, what, &b->group) < 0 ||
		    get_path(c, g, "password_file", 0, what, &b->password_file) < 0 ||
		    parse_hooks(c, g, what, b) < 0) {
			free_strv(ex, nex);
			return -1;
		}
		b->exclude = ex;
		b->n_exclude = nex;
		for (size_t k = 0; k < nex; k++) {
			char fp[CERT_HEX_LEN + 1];

			if (fingerprint_normalize(ex[k], fp) < 0)
				return err_set(c->e, RW_EXIT_INPUT,
				               "%s:%d: %s: exclude '%s' is not a SHA-256 (64 hex "
				               "digits)",
				               c->path,
				               conf_line(config_setting_get_member(g, "exclude")),
				               what, ex[k]);
			memcpy(ex[k], fp, CERT_HEX_LEN + 1);
		}
		if (b->format == NULL && (b->format = strdup("pem")) == NULL)
			return oom(c);
		if (emit_format_find(b->format) == NULL)
			return err_set(c->e, RW_EXIT_INPUT, "%s:%d: %s: unknown format '%s'",
			               c->path, conf_line(config_setting_get_member(g, "format")),
			               what, b->format);
		if (b->n_profiles == 0 && b->n_include == 0 && b->n_roots == 0)
			return err_set(
			        c->e, RW_EXIT_INPUT,
			        "%s:%d: %s has no 'profiles', 'include' or 'roots': it would "
			        "be empty",
			        c->path, b->line, what);
		for (size_t k = 0; k < b->n_roots; k++) {
			size_t r;

			for (r = 0; r < cfg->n_roots; r++)
				if (strcmp(cfg->roots[r].id, b->roots[k]) == 0)
					break;
			if (r == cfg->n_roots)
				return err_set(c->e, RW_EXIT_INPUT,
				               "%s:%d: %s names root '%s', which is not in 'roots'",
				               c->path,
				               conf_line(config_setting_get_member(g, "roots")),
				               what, b->roots[k]);
		}
	}
	return 0;
}

/* catalog = { url = "https://..."; keys = [ "SPKI SHA-256" | "-----BEGIN PUBLIC KEY-----..." ]; }
 */
static int parse_catalog(struct ctx *c, const config_setting_t *g, struct config_catalog *k)
{
	static const char *const keys[] = {"url", "keys", NULL};

	k->line = conf_line(g);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return err_set(c->e, RW_EXIT_INPUT,
		               "%s:%d: 'catalog' must be a group { url; keys; }", c->path, k->line);
	if (conf_check_keys(g, keys, c->path, "catalog", c->e) < 0 ||
	    get_str(c, g, "url", 1, "catalog", &k->url) < 0 ||
	    get_strv(c, g, "keys", "catalog", 0, &k->keys, &k->n_keys) < 0)
		return -1;
	if (strncmp(k->url, "https://", 8) != 0 && strncmp(k->url, "file://", 7) != 0)
		return err_set(c->e, RW_EXIT_INPUT,
		               "%s:%d: catalog url '%s' must be https:// (or file://)", c->path,
		               k->line, k->url);
	if (k->n_keys == 0 || k->n_keys > 16)
		return err_set(
		        c->e, RW_EXIT_INPUT,
		        "%s:%d: catalog needs 'keys': 1 to 16 signing keys (SPKI SHA-256 pins or "
		        "PEM public keys)",
		        c->path, k->line);
	for (size_t i = 0; i < k->n_keys; i++) {
		char fp[CERT_HEX_LEN + 1];

		if (strstr(k->keys[i], "-----BEGIN PUBLIC KEY-----") == NULL &&
		    fingerprint_normalize(k->keys[i], fp) < 0)
			return err_set(
			        c->e, RW_EXIT_INPUT,
			        "%s:%d: catalog key %zu is neither an SPKI SHA-256 (64 hex digits) "
			        "nor a PEM public key",
			        c->path, k->line, i + 1);
	}
	return 0;
}

/* jwks = { cloud = "public"; url = "..."; } or a list of such groups. */
static int parse_jwks(struct ctx *c, const config_setting_t *s, struct config *cfg)
{
	static const char *const keys[] = {"cloud", "url", NULL};
	int list = config_setting_type(s) == CONFIG_TYPE_LIST,
	    n = list ? config_setting_length(s) : 1;

	if (!list && config_setting_type(s) != CONFIG_TYPE_GROUP)
		return err_set(c->e, RW_EXIT_INPUT,
		               "%s:%d: 'jwks' must be a group { cloud = ...; } or a list of them",
		               c->path, conf_line(s));
	cfg->jwks = calloc((size_t)n + 1, sizeof(*cfg->jwks));
	if (cfg->jwks == NULL)
		return oom(c);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = list ? config_setting_get_elem(s, (unsigned)i) : s;
		struct config_jwks *k = &cfg->jwks[cfg->n_jwks++];
		const struct token_cloud *cloud;

		k->line = conf_line(g);
		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			return err_set(c->e, RW_EXIT_INPUT,
			               "%s:%d: a key set must be a group { ... }", c->path,
			               k->line);
		if (conf_check_keys(g, keys, c->path, "a key set (jwks)", c->e) < 0 ||
		    get_str(c, g, "cloud", 0, "a key set (jwks)", &k->name) < 0 ||
		    get_str(c, g, "url", 0, "a key set (jwks)", &k->url) < 0)
			return -1;
		if (k->name == NULL && (k->name = strdup("public")) == NULL)
			return oom(c);
		if ((cloud = token_cloud_find(k->name)) == NULL)
			return err_set(c->e, RW_EXIT_INPUT,
			               "%s:%d: jwks cloud '%s' is not public, government or china",
			               c->path, k->line, k->name);
		if (k->url == NULL && (k->url = strdup(cloud->jwks_url)) == NULL)
			return oom(c);
		if (strncmp(k->url, "https://", 8) != 0 && strncmp(k->url, "file://", 7) != 0)
			return err_set(c->e, RW_EXIT_INPUT,
			               "%s:%d: jwks url '%s' must be https:// (or file://)",
			               c->path, k->line, k->url);
		for (size_t j = 0; j + 1 < cfg->n_jwks; j++)
			if (strcmp(cfg->jwks[j].name, k->name) == 0)
				return err_set(
				        c->e, RW_EXIT_INPUT,
				        "%s:%d: a second key set for cloud '%s' (first at line %d)",
				        c->path, k->line, k->name, cfg->jwks[j].line);
	}
	return 0;
}

/* One setting of a check, as its kind's row types it. */
static int parse_check_value(struct ctx *c, const config_setting_t *g, const struct check_key *k,
                             const char *what, struct config_check_value *out)
{
	const config_setting_t *m = config_setting_get_member(g, k->name);
	int list = k->type == CHECK_KEY_STRINGS || k->type == CHECK_KEY_PATHS;
	int abs = k->type == CHECK_KEY_PATH || k->type == CHECK_KEY_PATHS;

	out->line = conf_line(m);
	out->is_list = list;
	if ((out->key = strdup(k->name)) == NULL)
		return oom(c);
	if (list) {
		if (get_strv(c, g, k->name, what, abs, &out->v, &out->n) < 0)
			return -1;
		if (out->n == 0)
			return err_set(c->e, RW_EXIT_INPUT, "%s:%d: '%s' in %s must not be empty",
			               c->path, out->line, k->name, what);
		return 0;
	}
	if ((out->v = calloc(2, sizeof(char *))) == NULL)
		return oom(c);
	out->n = 1;
	return abs ? get_path(c, g, k->name, 1, what, &out->v[0])
	           : get_str(c, g, k->name, 1, what, &out->v[0]);
}

/* Every check: its kind must be a row of check.h's table, and its keys those the row lists. */
static int parse_checks(struct ctx *c, const config_setting_t *list, struct config *cfg)
{
	int n = config_setting_length(list);

	cfg->checks = calloc((size_t)n + 1, sizeof(*cfg->checks));
	if (cfg->checks == NULL)
		return oom(c);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct config_check *k = &cfg->checks[cfg->n_checks++];
		const struct check_kind *kind;
		const char *keys[32];
		size_t nk = 0, nkeys = 0;
		char what[256];

		k->line = conf_line(g);
		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			return err_set(c->e, RW_EXIT_INPUT,
			               "%s:%d: a check must be a group { ... }", c->path, k->line);
		if (get_str(c, g, "kind", 1, "a check", &k->kind) < 0)
			return -1;
		if ((kind = check_kind_find(k->kind)) == NULL || kind->from_config == NULL) {
			struct buf names;

			buf_init(&names, 0);
			for (const struct check_kind *r = check_kinds(); r->name; r++)
				if (r->from_config)
					buf_printf(&names, "%s\"%s\"", names.len ? ", " : "",
					           r->name);
			err_set(c->e, RW_EXIT_INPUT, "%s:%d: check kind '%s' is not one of %s",
			        c->path, k->line, k->kind, names.data ? names.data : "");
			buf_free(&names);
			return -1;
		}
		keys[nkeys++] = "kind";
		keys[nkeys++] = "name";
		for (const struct check_key *ck = kind->keys; ck->name; ck++) {
			if (nkeys + 1 >= sizeof(keys) / sizeof(keys[0]))
				return err_set(
				        c->e, RW_EXIT_FAILURE,
				        "%s:%d: check kind '%s' lists more settings than this "
				        "build reads",
				        c->path, k->line, kind->name);
			keys[nkeys++] = ck->name;
		}
		keys[nkeys] = NULL;
		snprintf(what, sizeof(what), "a %s check", kind->name);
		if (conf_check_keys(g, keys, c->path, what, c->e) < 0 ||
		    get_str(c, g, "name", 0, "a check", &k->name) < 0)
			return -1;
		if (k->name == NULL && asprintf(&k->name, "%s%d", k->kind, i + 1) < 0) {
			k->name = NULL;
			return oom(c);
		}
		for (size_t j = 0; j + 1 < cfg->n_checks; j++)
			if (strcmp(cfg->checks[j].name, k->name) == 0)
				return err_set(
				        c->e, RW_EXIT_INPUT,
				        "%s:%d: duplicate check name '%s' (first at line %d)",
				        c->path, k->line, k->name, cfg->checks[j].line);
		snprintf(what, sizeof(what), "check '%s'", k->name);
		k->values = calloc(nkeys + 1, sizeof(*k->values));
		if (k->values == NULL)
			return oom(c);
		for (const struct check_key *ck = kind->keys; ck->name; ck++) {
			if (config_setting_get_member(g, ck->name) == NULL) {
				if (ck->required)
					return err_set(c->e, RW_EXIT_INPUT, "%s:%d: %s needs '%s'",
					               c->path, k->line, what, ck->name);
				continue;
			}
			k->n_values = ++nk;
			if (parse_check_value(c, g, ck, what, &k->values[nk - 1]) < 0)
				return -1;
		}
	}
	return 0;
}

const char *config_check_str(const struct config_check *cc, const char *key)
{
	for (size_t i = 0; i < cc->n_values; i++)
		if (strcmp(cc->values[i].key, key) == 0 && cc->values[i].n > 0)
			return cc->values[i].v[0];
	return NULL;
}

int config_check_line(const struct config_check *cc, const char *key)
{
	for (size_t i = 0; i < cc->n_values; i++)
		if (strcmp(cc->values[i].key, key) == 0 && cc->values[i].line > 0)
			return cc->values[i].line;
	return cc->line;
}

char *const *config_check_strv(const struct config_check *cc, const char *key, size_t *n)
{
	for (size_t i = 0; i < cc->n_values; i++)
		if (strcmp(cc->values[i].key, key) == 0) {
			*n = cc->values[i].n;
			return cc->values[i].v;
		}
	*n = 0;
	return NULL;
}

int config_load(const char *path, struct config **out, struct rw_err *e)
{
	static const char *const keys[] = {"state_dir",
	                                   "hooks_dir",
	                                   "roots_dir",
	                                   "metrics_file",
	                                   "hook_timeout",
	                                   "warn_days",
	                                   "retire_grace_days",
	                                   "add_ahead_days",
	                                   "keep_expired",
	                                   "fetch",
	                                   "roots",
	                                   "bundles",
	                                   "checks",
	                                   "profile_bundles_dir",
	                                   "jwks",
	                                   "catalog",
	                                   NULL};
	config_t lc;
	const config_setting_t *root, *s;
	struct config *cfg = NULL;
	struct ctx c = {path, e};
	long long v;
	int rc = -1;

	*out = NULL;
	config_init(&lc);
	if (conf_read(&lc, path, e) < 0)
		goto out;
	if ((cfg = config_new(path)) == NULL) {
		oom(&c);
		goto out;
	}
	root = config_root_setting(&lc);
	if (conf_check_keys(root, keys, path, "the configuration", e) < 0 ||
	    get_path(&c, root, "state_dir", 0, "the configuration", &cfg->state_dir) < 0 ||
	    get_path(&c, root, "hooks_dir", 0, "the configuration", &cfg->hooks_dir) < 0 ||
	    get_path(&c, root, "roots_dir", 0, "the configuration", &cfg->roots_dir) < 0 ||
	    get_path(&c, root, "metrics_file", 0, "the configuration", &cfg->metrics_file) < 0 ||
	    get_path(&c, root, "profile_bundles_dir", 0, "the configuration",
	             &cfg->profile_bundles_dir) < 0)
		goto out;
	v = cfg->hook_timeout_s;
	if (get_long(&c, root, "hook_timeout", "the configuration", 1, 86400, &v) < 0)
		goto out;
	cfg->hook_timeout_s = (int)v;
	v = cfg->warn_days;
	if (get_long(&c, root, "warn_days", "the configuration", 0, 3650, &v) < 0)
		goto out;
	cfg->warn_days = (int)v;
	v = cfg->retire_grace_days;
	if (get_long(&c, root, "retire_grace_days", "the configuration", 0, 3650, &v) < 0)
		goto out;
	cfg->retire_grace_days = (int)v;
	v = cfg->warn_days; /* the roots of a coming step arrive when the warning would */
	if (get_long(&c, root, "add_ahead_days", "the configuration", 0, 3650, &v) < 0)
		goto out;
	cfg->add_ahead_days = (int)v;
	if (conf_bool(root, "keep_expired", &cfg->keep_expired, path, "the configuration", e) < 0)
		goto out;
	if ((s = config_setting_get_member(root, "fetch")) != NULL &&
	    parse_fetch(&c, s, &cfg->fetch) < 0)
		goto out;
	if (conf_list(root, "roots", 0, &s, path, "the configuration", e) < 0 ||
	    (s && parse_roots(&c, s, cfg) < 0))
		goto out;
	if (conf_list(root, "bundles", 0, &s, path, "the configuration", e) < 0 ||
	    (s && parse_bundles(&c, s, cfg) < 0))
		goto out;
	if (conf_list(root, "checks", 0, &s, path, "the configuration", e) < 0 ||
	    (s && parse_checks(&c, s, cfg) < 0))
		goto out;
	if ((s = config_setting_get_member(root, "jwks")) != NULL && parse_jwks(&c, s, cfg) < 0)
		goto out;
	if ((s = config_setting_get_member(root, "catalog")) != NULL &&
	    parse_catalog(&c, s, &cfg->catalog) < 0)
		goto out;
	*out = cfg;
	cfg = NULL;
	rc = 0;
out:
	config_free(cfg);
	config_destroy(&lc);
	return rc;
}

int config_load_default(struct config **out, struct rw_err *e)
{
	struct config *cfg = config_new("(embedded default)");
	char *cwd;

	*out = NULL;
	if (cfg == NULL)
		return err_set(e, RW_EXIT_FAILURE, "(embedded default): out of memory");
	/* ./out made absolute, so that hooks (which run in "/") get usable paths. */
	cwd = getcwd(NULL, 0);
	free(cfg->state_dir);
	free(cfg->hooks_dir);
	if (cwd == NULL || asprintf(&cfg->state_dir, "%s/out/.state", cwd) < 0)
		cfg->state_dir = NULL;
	if (cwd == NULL || asprintf(&cfg->hooks_dir, "%s/out/hooks.d", cwd) < 0)
		cfg->hooks_dir = NULL;
	if (cwd == NULL || asprintf(&cfg->profile_bundles_dir, "%s/out", cwd) < 0)
		cfg->profile_bundles_dir = NULL;
	free(cwd);
	cfg->fetch.connect_timeout_s = 5;
	cfg->fetch.total_timeout_s = 20;
	cfg->fetch.retries = 0;
	cfg->fetch.deadline_s = 60;
	if (cfg->state_dir == NULL || cfg->hooks_dir == NULL || cfg->profile_bundles_dir == NULL) {
		config_free(cfg);
		return err_set(e, RW_EXIT_FAILURE, "(embedded default): out of memory");
	}
	*out = cfg;
	return 0;
}

static void print_str(FILE *fp, const char *indent, const char *key, const char *v)
{
	if (v == NULL) {
		fprintf(fp, "%s# %s not set\n", indent, key);
		return;
	}
	fprintf(fp, "%s%s = \"", indent, key);
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', fp);
		fputc(*p, fp);
	}
	fprintf(fp, "\";\n");
}

static void print_quoted(FILE *fp, const char *v)
{
	fputc('"', fp);
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', fp);
		fputc(*p, fp);
	}
	fputc('"', fp);
}

static void print_arr(FILE *fp, char *const *v, size_t n)
{
	fputc('[', fp);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : " ", fp);
		print_quoted(fp, v[i]);
	}
	fprintf(fp, "%s]", n ? " " : "");
}

static void print_strv(FILE *fp, const char *indent, const char *key, char *const *v, size_t n)
{
	fprintf(fp, "%s%s = ", indent, key);
	print_arr(fp, v, n);
	fputs(";\n", fp);
}

int config_print(const struct config *cfg, FILE *fp)
{
	const struct config_fetch *f = &cfg->fetch;

	fprintf(fp, "# effective configuration of %s\n", cfg->path);
	print_str(fp, "", "state_dir", cfg->state_dir);
	print_str(fp, "", "hooks_dir", cfg->hooks_dir);
	print_str(fp, "", "roots_dir", cfg->roots_dir);
	print_str(fp, "", "metrics_file", cfg->metrics_file);
	print_str(fp, "", "profile_bundles_dir", cfg->profile_bundles_dir);
	fprintf(fp,
	        "hook_timeout = %d;\nwarn_days = %d;\nretire_grace_days = %d;\n"
	        "add_ahead_days = %d;\n",
	        cfg->hook_timeout_s, cfg->warn_days, cfg->retire_grace_days, cfg->add_ahead_days);
	fprintf(fp, "keep_expired = %s;\n", cfg->keep_expired ? "true" : "false");
	fprintf(fp,
	        "fetch = {\n  connect_timeout = %ld;\n  timeout = %ld;\n  max_bytes = %zu;\n"
	        "  retries = %d;\n  backoff_ms = %ld;\n  catalog_roots = %s;\n  deadline = %ld;\n"
	        "  max_parallel = %d;\n",
	        f->connect_timeout_s, f->total_timeout_s, f->max_bytes, f->retries, f->backoff_ms,
	        f->catalog_roots ? "true" : "false", f->deadline_s, f->max_parallel);
	print_str(fp, "  ", "ca_file", f->ca_file);
	if (f->n_accept_reissue)
		print_strv(fp, "  ", "accept_reissue", f->accept_reissue, f->n_accept_reissue);
	fprintf(fp, "};\nroots = (");
	for (size_t i = 0; i < cfg->n_roots; i++) {
		const struct config_root *r = &cfg->roots[i];

		fprintf(fp, "%s\n  {\n", i ? "," : "");
		print_str(fp, "    ", "id", r->id);
		print_str(fp, "    ", "name", r->name);
		if (r->n_urls)
			print_strv(fp, "    ", "urls", r->urls, r->n_urls);
		if (r->sha256[0])
			print_str(fp, "    ", "sha256", r->sha256);
		if (r->spki_sha256[0])
			print_str(fp, "    ", "spki_sha256", r->spki_sha256);
		if (r->file)
			print_str(fp, "    ", "file", r->file);
		if (r->accept_reissue && r->sha256[0])
			fprintf(fp, "    accept_reissue = true;\n");
		fprintf(fp, "  }");
	}
	fprintf(fp, "%s);\nbundles = (", cfg->n_roots ? "\n" : "");
	for (size_t i = 0; i < cfg->n_bundles; i++) {
		const struct config_bundle *b = &cfg->bundles[i];

		fprintf(fp, "%s\n  {\n", i ? "," : "");
		print_str(fp, "    ", "name", b->name);
		print_str(fp, "    ", "path", b->path);
		print_str(fp, "    ", "format", b->format);
		print_strv(fp, "    ", "profiles", b->profiles, b->n_profiles);
		print_strv(fp, "    ", "include", b->include, b->n_include);
		print_strv(fp, "    ", "exclude", b->exclude, b->n_exclude);
		print_strv(fp, "    ", "roots", b->roots, b->n_roots);
		fprintf(fp, "    mode = \"%04o\";\n", (unsigned)b->mode);
		print_str(fp, "    ", "owner", b->owner);
		print_str(fp, "    ", "group", b->group);
		if (b->password_file)
			print_str(fp, "    ", "password_file", b->password_file);
		fprintf(fp, "    hooks = (");
		for (size_t k = 0; k < b->n_hooks; k++) {
			fprintf(fp, "%s ", k ? "," : "");
			print_arr(fp, b->hooks[k].argv, b->hooks[k].argc);
		}
		fprintf(fp, " );\n  }");
	}
	fprintf(fp, "%s);\nchecks = (", cfg->n_bundles ? "\n" : "");
	for (size_t i = 0; i < cfg->n_checks; i++) {
		const struct config_check *k = &cfg->checks[i];

		fprintf(fp, "%s\n  {\n", i ? "," : "");
		print_str(fp, "    ", "kind", k->kind);
		print_str(fp, "    ", "name", k->name);
		for (size_t v = 0; v < k->n_values; v++) {
			const struct config_check_value *cv = &k->values[v];

			if (cv->is_list)
				print_strv(fp, "    ", cv->key, cv->v, cv->n);
			else
				print_str(fp, "    ", cv->key, cv->v[0]);
		}
		fprintf(fp, "  }");
	}
	fprintf(fp, "%s);\njwks = (", cfg->n_checks ? "\n" : "");
	for (size_t i = 0; i < cfg->n_jwks; i++)
		fprintf(fp, "%s\n  { cloud = \"%s\"; url = \"%s\"; }", i ? "," : "",
		        cfg->jwks[i].name, cfg->jwks[i].url);
	fprintf(fp, "%s);\n", cfg->n_jwks ? "\n" : "");
	if (cfg->catalog.url) {
		fprintf(fp, "catalog = {\n");
		print_str(fp, "  ", "url", cfg->catalog.url);
		print_strv(fp, "  ", "keys", cfg->catalog.keys, cfg->catalog.n_keys);
		fprintf(fp, "};\n");
	}
	return ferror(fp) ? -1 : 0;
}
