/*
 * confutil.h - strict reading of libconfig settings, shared by the catalog and the configuration.
 *
 * Contract: every function reports "file:line: ..." (the line of the offending setting, or of the
 * enclosing group when a key is missing) with RW_EXIT_INPUT. Strings returned point into the
 * config_t and live as long as it; string vectors are malloc'd arrays of those pointers (free the
 * array only). 'what' names the enclosing object in messages, e.g. "root 'x'".
 */
#ifndef RW_CONFUTIL_H
#define RW_CONFUTIL_H

#include <libconfig.h>
#include <stddef.h>

#include "err.h"

/* Size limits, checked before parsing: a larger file is refused with "path: too large (N bytes,
 * limit M)" (RW_EXIT_INPUT). The shipped catalog is ~10 KiB, a large configuration a few. */
#define CONF_CONFIG_MAX ((size_t)1 << 20)  /* the configuration: 1 MiB */
#define CONF_CATALOG_MAX ((size_t)4 << 20) /* a catalog: 4 MiB */

/* Reads and parses a file of at most CONF_CONFIG_MAX (conf_read) or max bytes; on a syntax error
 * reports "file:line: text". */
int conf_read(config_t *cfg, const char *path, struct rw_err *e);
int conf_read_max(config_t *cfg, const char *path, size_t max, struct rw_err *e);
int conf_line(const config_setting_t *s);
/* Fails on a member of group whose name is not in allowed (NULL-terminated). */
int conf_check_keys(const config_setting_t *group, const char *const *allowed, const char *path,
                    const char *what, struct rw_err *e);
/* *out = NULL when absent and !required. */
int conf_string(const config_setting_t *group, const char *key, int required, const char **out,
                const char *path, const char *what, struct rw_err *e);
int conf_int(const config_setting_t *group, const char *key, int required, long long *out,
             const char *path, const char *what, struct rw_err *e);
int conf_bool(const config_setting_t *group, const char *key, int *out, const char *path,
              const char *what, struct rw_err *e);
/* An array or list of strings; absent -> *n = 0, *out = NULL (unless required). */
int conf_strings(const config_setting_t *group, const char *key, int required, const char ***out,
                 size_t *n, const char *path, const char *what, struct rw_err *e);
/* A list (or array) of groups; absent -> NULL (unless required). */
int conf_list(const config_setting_t *group, const char *key, int required,
              const config_setting_t **out, const char *path, const char *what, struct rw_err *e);

#endif
