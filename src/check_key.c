/* check_key.c - the key check kind: its spec from the configuration, run and freed (rules in
 * keyperm.h; the spec from the command line is made in cmd_check_key.c). */
#include <stdlib.h>

#include "check.h"
#include "check_spec.h"
#include "config.h"
#include "keyperm.h"

int check_key_from_config(const struct config *cfg, const struct catalog *cat,
                          const struct config_check *cc, void **spec, struct rw_err *e)
{
	(void)cat;
	struct key_spec *s = calloc(1, sizeof(*s));
	const char *policy = config_check_str(cc, "policy");

	if (s == NULL)
		return err_set(e, RW_EXIT_FAILURE, "check '%s': out of memory", cc->name);
	if (policy == NULL || keyperm_policy_parse(policy, &s->ko.policy) < 0) {
		free(s);
		return err_set(e, RW_EXIT_INPUT,
		               "%s:%d: check '%s': policy '%s' is not mssql, postgresql, mysql or "
		               "strict",
		               cfg->path, config_check_line(cc, "policy"), cc->name,
		               policy ? policy : "");
	}
	s->ko.service_user = config_check_str(cc, "service_user");
	s->paths = config_check_strv(cc, "paths", &s->n_paths);
	*spec = s;
	return 0;
}

int check_key_run(const void *spec, struct findings *f, struct rw_err *e)
{
	const struct key_spec *s = spec;

	for (size_t i = 0; i < s->n_paths; i++)
		if (keyperm_check(s->paths[i], &s->ko, f, e) < 0)
			return -1;
	return 0;
}

void check_key_free(void *spec)
{
	struct key_spec *s = spec;

	if (s)
		free(s->paths_owned);
	free(s);
}
