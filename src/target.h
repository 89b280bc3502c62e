/*
 * target.h - the resolved description of what the agent manages, built once from the
 * configuration and the catalog, and read (const) by every engine: sync, rotation, check bundle
 * --config and config check.
 *
 * Contract:
 * - targets_build() loads the catalog from roots_dir (or, with a signed catalog channel
 *   configured, the newer catalog last accepted from it), adds the configuration's own roots to it
 * as catalog entries that keep their configured names (a root with a 'file' is read and verified
 *   here, once: one self-signed CA certificate matching its pins; a root with URLs starts with
 *   its verified copy from the state directory, if there is one), expands profile_bundles_dir
 *   into one bundle per catalog profile, and resolves every bundle: canonical path (fileio.h
 *   path_canonical; two bundles may not write the same file under two spellings, and no output
 *   may lie inside state_dir), format (a row of emit.h), profiles (each known to the catalog),
 *   configured roots (as catalog indices), excludes (normalised), owner and group (resolved to
 *   ids), hooks. Every configured check is made into its kind's spec (check.h from_config).
 * - Any error refuses the whole set, with "file:line: ..." and RW_EXIT_INPUT, so `config check`
 *   refuses exactly what `sync` refuses at load.
 * - The configuration must outlive the targets: hooks and includes are borrowed from it. The
 *   catalog is owned by the targets. After targets_build() nothing changes the targets, except
 *   that sync's roots step (sync_roots.c accept_body) gives a root that had no copy the
 *   certificate it has just verified (its catalog entry's cert).
 * - targets_free() releases everything (safe with NULL).
 */
#ifndef RW_TARGET_H
#define RW_TARGET_H

#include <stddef.h>

#include "catalog.h"
#include "check.h"
#include "config.h"
#include "emit.h"
#include "err.h"
#include "rotation.h"
#include "save.h"

struct target_bundle {
	char *name;
	char *path;       /* canonical: where it is written and what paths are compared by */
	char *given_path; /* as the configuration spells it: what reports and hooks are told */
	const struct emit_format *format;
	char **profiles; /* owned */
	size_t n_profiles;
	const char *const *includes; /* borrowed from the configuration */
	size_t n_includes;
	const char *const *excludes; /* normalised upper-case hex, borrowed */
	size_t n_excludes;
	size_t *roots; /* catalog indices of the configuration roots it names */
	size_t n_roots;
	struct save_opts save; /* mode, uid, gid resolved */
	char *password; /* java-pkcs12 / jks store password (from password_file), or NULL; zeroed
	                   when freed, never printed */
	const struct config_hook *hooks; /* borrowed */
	size_t n_hooks;
	int line; /* in the configuration; 0 for a bundle of profile_bundles_dir */
};

struct target_check {
	const struct check_kind *kind;
	const char *name; /* borrowed */
	void *spec;       /* kind->from_config's; freed with kind->free */
	int line;
};

struct targets {
	const struct config *cfg; /* borrowed */
	struct catalog *cat;      /* owned: the shipped catalog plus the configuration's roots */
	size_t first_config_root; /* catalog index of the first configuration root */
	struct target_bundle *bundles;
	size_t n_bundles;
	struct target_check *checks;
	size_t n_checks;
	int catalog_from_channel; /* cat is the signed channel's (STATE/catalog), not the shipped */
	char *state_dir;          /* canonical */
	char *metrics_file;       /* canonical, or NULL */
};

int targets_build(const struct config *cfg, const char *roots_dir, struct targets **out,
                  struct rw_err *e);
void targets_free(struct targets *t);

/* The bundle as rotation.h sees it (borrowed pointers into t). */
void targets_rotation_target(const struct targets *t, size_t bi, struct rotation_target *out);
/* rotation.h options from the configuration's policy (warn, grace, keep_expired, ahead). */
void targets_rotation_opts(const struct targets *t, struct rotation_opts *o);
/* The bundle_spec sync builds bundle bi from, for day (bundle.h). */
void targets_bundle_spec(const struct targets *t, size_t bi, int32_t day, struct bundle_spec *s);
/* Whether a sync that could not start (no targets were built) may still write its status into
 * the metrics file at path: 0 when path (canonical) is inside state_dir, is or is inside a
 * configured bundle's path, or is inside profile_bundles_dir (the places targets_build refuses a
 * metrics file, judged without the catalog, so a little wider), or cannot be resolved; else 1. */
int targets_status_metrics_ok(const struct config *cfg, const char *path);
/* 1 when catalog root ri is a configuration root. */
int targets_is_config_root(const struct targets *t, size_t ri);

#endif
