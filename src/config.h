/*
 * config.h - the agent's configuration (libconfig), default /etc/rootwarden/rootwarden.conf.
 *
 * Contract:
 * - config_load() parses and validates a file; config_load_default() parses the embedded default
 *   (bundles for every profile into ./out, state in ./out/.state; ./out made absolute from the
 *   working directory). Both return a struct config
 *   that the caller frees with config_free() (safe with NULL); everything in it is owned by it
 *   (strings copied out of libconfig).
 * - Errors are "file:line: why" with RW_EXIT_INPUT: unknown keys, wrong types, duplicate bundle or
 *   root or check names, relative paths where absolute ones are needed, unknown formats.
 *   Profile ids, root files and everything else that needs the catalog are checked when the
 *   target model is built (target.h), because the configuration may name the roots directory.
 * - Defaults are filled in for every absent key, so users of the struct never re-derive them.
 */
#ifndef RW_CONFIG_H
#define RW_CONFIG_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "catalog.h"
#include "cert.h"
#include "err.h"

#include "paths.h"

/* The configuration read without --config: SYSCONFDIR/rootwarden/rootwarden.conf, SYSCONFDIR
 * found from where the program is installed (paths.h). CONFIG_DEFAULT_PATH_HELP says so in help. */
#define CONFIG_DEFAULT_PATH paths_config_file()
#define CONFIG_DEFAULT_PATH_HELP "SYSCONFDIR/rootwarden/rootwarden.conf; /etc for a /usr install"

struct config_fetch {
	long connect_timeout_s; /* default 10 */
	long total_timeout_s;   /* default 60 */
	size_t max_bytes;       /* default 1 MiB */
	int retries;            /* default 2 (so 3 attempts) */
	long backoff_ms;        /* default 1000, doubled each retry */
	char *ca_file;          /* NULL: the system store */
	int catalog_roots;      /* default true: also fetch the catalog's roots (false: only the
	                           configuration's own roots are fetched) */
	long deadline_s;        /* default 300: the whole fetch phase, every root and retry */
	char **accept_reissue;  /* catalog root ids whose re-issue with the same key is accepted */
	size_t n_accept_reissue;
	int max_parallel; /* default 4: transfers at once */
};

/* An extra root beside the catalog's: fetched and pinned, or a local file. */
struct config_root {
	char *id;
	char *name;  /* default: id */
	char **urls; /* https:// or file:// */
	size_t n_urls;
	char sha256[CERT_HEX_LEN + 1];      /* required with urls */
	char spki_sha256[CERT_HEX_LEN + 1]; /* "" if not given */
	char *file;                         /* a local PEM/DER file (absolute), instead of urls */
	int accept_reissue; /* a re-issue with the pinned key is accepted (always with an SPKI pin
	                       and no SHA-256 pin: "pinned by SPKI alone") */
	int line;
};

/* The signed catalog channel (catalog_update.h): where newer catalogs are published, and the
 * keys that must have signed them. url NULL: no channel. */
struct config_catalog {
	char *url;   /* https:// or file:// of the ustar archive; its signature is url + ".sig" */
	char **keys; /* SPKI SHA-256 pins or PEM public keys, 1..16 */
	size_t n_keys;
	int line;
};

/* An Entra ID signing key set sync keeps in STATE/jwks/NAME.json (jwks_sync.h). */
struct config_jwks {
	char *name; /* the cloud it belongs to ("public", "government", "china"): check token finds
	               STATE/jwks/CLOUD.json by that name */
	char *url;  /* default: the cloud's key set URL */
	int line;
};

struct config_hook {
	char **argv; /* NULL-terminated; argv[0] absolute or found in the hooks' PATH */
	size_t argc;
};

struct config_bundle {
	char *name;
	char *path;   /* absolute */
	char *format; /* an emit.h format name, default "pem" */
	char **profiles;
	size_t n_profiles;
	char **include; /* absolute paths */
	size_t n_include;
	char **exclude; /* SHA-256, normalised upper-case hex */
	size_t n_exclude;
	char **roots; /* ids of extra config roots to add (optional) */
	size_t n_roots;
	mode_t mode;         /* default 0644 */
	char *owner;         /* NULL: leave */
	char *group;         /* NULL: leave */
	char *password_file; /* java-pkcs12 / jks store password: first line of this file */
	struct config_hook *hooks;
	size_t n_hooks;
	int line;
};

/* One setting of a configured check: a string (n == 1, !is_list) or a list of strings. */
struct config_check_value {
	char *key;
	char **v; /* n strings, NULL-terminated */
	size_t n;
	int is_list;
	int line;
};

/* A check that sync runs: its kind (a row of check.h's table) and the settings that row lists,
 * already checked for type, absolute paths and required keys. The kind interprets them
 * (check_kind.from_config). */
struct config_check {
	char *kind;
	char *name; /* default: kind + index */
	struct config_check_value *values;
	size_t n_values;
	int line;
};

/* A check's setting, or NULL / (NULL, 0) when absent. */
const char *config_check_str(const struct config_check *cc, const char *key);
char *const *config_check_strv(const struct config_check *cc, const char *key, size_t *n);
/* The line of a check's setting (for messages), else the check's own line. */
int config_check_line(const struct config_check *cc, const char *key);

struct config {
	char *path;            /* the file read, or "(embedded default)" */
	char *state_dir;       /* default /var/lib/rootwarden */
	char *hooks_dir;       /* default /etc/rootwarden/hooks.d */
	char *roots_dir;       /* NULL: the default roots directory */
	char *metrics_file;    /* NULL: none */
	int hook_timeout_s;    /* default 60 */
	int warn_days;         /* default 90 */
	int retire_grace_days; /* default 30 */
	int add_ahead_days;    /* default: warn_days (plan.h ahead_days) */
	int keep_expired;      /* default false */
	struct config_fetch fetch;
	struct config_root *roots;
	size_t n_roots;
	struct config_bundle *bundles;
	size_t n_bundles;
	struct config_check *checks;
	size_t n_checks;
	struct config_catalog catalog;
	struct config_jwks *jwks; /* key "jwks": a group or a list of groups */
	size_t n_jwks;
	/* When set (key profile_bundles_dir; the embedded default sets CWD/out), one PEM bundle per
	 * catalog profile, DIR/PROFILE.pem, beside the configured bundles (target.h expands it). */
	char *profile_bundles_dir;
};

int config_load(const char *path, struct config **out, struct rw_err *e);
int config_load_default(struct config **out, struct rw_err *e);
void config_free(struct config *cfg);
/* Prints the effective configuration as libconfig text (every key, defaults filled in). */
int config_print(const struct config *cfg, FILE *fp);

#endif
