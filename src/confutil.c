#include "confutil.h"

#include "fileio.h"

#include <stdlib.h>
#include <unistd.h>
#include <string.h>

int conf_read(config_t *cfg, const char *path, struct rw_err *e)
{
	return conf_read_max(cfg, path, CONF_CONFIG_MAX, e);
}

int conf_read_max(config_t *cfg, const char *path, size_t max, struct rw_err *e)
{
	struct stat st;
	int fd = file_open_regular(path, &st, e); /* never hang on a FIFO, name the reason */

	if (fd < 0)
		return -1;
	close(fd);
	/* libconfig's parser slows down with the square of a line's length: a huge file is refused
	 * before it is parsed, not after minutes. */
	if ((unsigned long long)st.st_size > max)
		return err_set(e, RW_EXIT_INPUT, "%s: too large (%lld bytes, limit %zu)", path,
		               (long long)st.st_size, max);
	if (config_read_file(cfg, path) == CONFIG_TRUE)
		return 0;
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
		return err_set(e, RW_EXIT_INPUT, "%s: cannot read the file", path);
	return err_set(e, RW_EXIT_INPUT, "%s:%d: %s",
	               config_error_file(cfg) ? config_error_file(cfg) : path,
	               config_error_line(cfg), config_error_text(cfg));
}

int conf_line(const config_setting_t *s)
{
	return (int)config_setting_source_line(s);
}

int conf_check_keys(const config_setting_t *group, const char *const *allowed, const char *path,
                    const char *what, struct rw_err *e)
{
	int n = config_setting_length(group);

	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(m);
		int ok = 0;

		for (size_t k = 0; name && allowed[k]; k++)
			if (strcmp(allowed[k], name) == 0)
				ok = 1;
		if (!ok)
			return err_set(e, RW_EXIT_INPUT, "%s:%d: unknown key '%s' in %s", path,
			               conf_line(m), name ? name : "?", what);
	}
	return 0;
}

static const config_setting_t *member(const config_setting_t *group, const char *key, int required,
                                      const char *path, const char *what, struct rw_err *e,
                                      int *failed)
{
	const config_setting_t *s = config_setting_get_member(group, key);

	*failed = 0;
	if (s == NULL && required) {
		*failed = 1;
		if (conf_line(group) > 0)
			err_set(e, RW_EXIT_INPUT, "%s:%d: %s lacks '%s'", path, conf_line(group),
			        what, key);
		else /* the top level has no line of its own */
			err_set(e, RW_EXIT_INPUT, "%s: %s lacks '%s'", path, what, key);
	}
	return s;
}

int conf_string(const config_setting_t *group, const char *key, int required, const char **out,
                const char *path, const char *what, struct rw_err *e)
{
	int failed;
	const config_setting_t *s = member(group, key, required, path, what, e, &failed);

	*out = NULL;
	if (failed)
		return -1;
	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return err_set(e, RW_EXIT_INPUT, "%s:%d: '%s' in %s must be a string", path,
		               conf_line(s), key, what);
	*out = config_setting_get_string(s);
	return 0;
}

int conf_int(const config_setting_t *group, const char *key, int required, long long *out,
             const char *path, const char *what, struct rw_err *e)
{
	int failed;
	const config_setting_t *s = member(group, key, required, path, what, e, &failed);

	if (failed)
		return -1;
	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return err_set(e, RW_EXIT_INPUT, "%s:%d: '%s' in %s must be an integer", path,
		               conf_line(s), key, what);
	*out = config_setting_get_int64(s);
	return 0;
}

int conf_bool(const config_setting_t *group, const char *key, int *out, const char *path,
              const char *what, struct rw_err *e)
{
	int failed;
	const config_setting_t *s = member(group, key, 0, path, what, e, &failed);

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return err_set(e, RW_EXIT_INPUT, "%s:%d: '%s' in %s must be true or false", path,
		               conf_line(s), key, what);
	*out = config_setting_get_bool(s);
	return 0;
}

int conf_strings(const config_setting_t *group, const char *key, int required, const char ***out,
                 size_t *n, const char *path, const char *what, struct rw_err *e)
{
	int failed, len;
	const config_setting_t *s = member(group, key, required, path, what, e, &failed);
	const char **v;

	*out = NULL;
	*n = 0;
	if (failed)
		return -1;
	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST)
		return err_set(e, RW_EXIT_INPUT, "%s:%d: '%s' in %s must be a list of strings",
		               path, conf_line(s), key, what);
	len = config_setting_length(s);
	v = calloc((size_t)len + 1, sizeof(*v));
	if (v == NULL)
		return err_set(e, RW_EXIT_FAILURE, "%s: out of memory", path);
	for (int i = 0; i < len; i++) {
		const config_setting_t *m = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(m) != CONFIG_TYPE_STRING) {
			free(v);
			return err_set(e, RW_EXIT_INPUT,
			               "%s:%d: '%s' in %s must be a list of strings", path,
			               conf_line(s), key, what);
		}
		v[i] = config_setting_get_string(m);
	}
	*out = v;
	*n = (size_t)len;
	return 0;
}

int conf_list(const config_setting_t *group, const char *key, int required,
              const config_setting_t **out, const char *path, const char *what, struct rw_err *e)
{
	int failed;
	const config_setting_t *s = member(group, key, required, path, what, e, &failed);

	*out = NULL;
	if (failed)
		return -1;
	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    config_setting_type(s) != CONFIG_TYPE_ARRAY)
		return err_set(e, RW_EXIT_INPUT, "%s:%d: '%s' in %s must be a list ( ... )", path,
		               conf_line(s), key, what);
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *m = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(m) != CONFIG_TYPE_GROUP)
			return err_set(e, RW_EXIT_INPUT,
			               "%s:%d: each entry of '%s' in %s must be a group { ... }",
			               path, conf_line(m), key, what);
	}
	*out = s;
	return 0;
}
